"""The op classes of `rufc.dialects.ruff` are generated code (`rufc.dialects.gen_ops`),
committed: these tests fail when regenerating them would change the file."""
from __future__ import annotations

import dataclasses
import difflib
import inspect
from pathlib import Path

import pytest

from rufc.dialects import gen_ops, ruff
from rufc.dialects.optable import OPS, SPECS, OpSpec


def test_generated_op_classes_are_up_to_date() -> None:
    current = gen_ops.RUFF_PY.read_text(encoding="utf-8")
    wanted = gen_ops.render(current)
    if wanted != current:
        diff = "".join(list(difflib.unified_diff(
            current.splitlines(keepends=True), wanted.splitlines(keepends=True),
            "dialects/ruff.py (committed)", "dialects/ruff.py (regenerated)"))[:60])
        pytest.fail(f"dialects/ruff.py is out of date with the op table or the syntax table "
                    f"of dialects/gen_ops.py: run `{gen_ops.COMMAND}` and commit the "
                    f"result.\n{diff}", pytrace=False)


def test_op_classes_are_written_out_in_ruff_py() -> None:
    source = Path(inspect.getsourcefile(ruff) or "").read_text(encoding="utf-8")
    for spec in OPS:
        cls = ruff.OP_CLASSES[spec.name]
        assert inspect.getsourcefile(cls) == inspect.getsourcefile(ruff)
        assert f"\nclass {spec.class_name}(" in source
        assert f'    name = "{spec.name}"\n' in inspect.getsource(cls)
    assert "globals()" not in source


def test_the_generator_and_the_module_agree_on_accessors_and_helpers() -> None:
    for spec in OPS:
        accessors = ruff.OP_CLASSES[spec.name].get_irdl_definition().accessor_names
        for prop, _ in spec.attrs:
            assert gen_ops.accessor_name(prop) == ruff.accessor_name(prop)
            assert accessors[ruff.accessor_name(prop)] == (prop, "property")
    for name in {*gen_ops.CHECKS.values(), *(b for b, _ in gen_ops.CUSTOM_SYNTAX.values())}:
        assert callable(getattr(ruff, name)), name
    assert set(gen_ops.SYNTAX) <= set(SPECS), "SYNTAX names an op the table does not have"


def test_the_generator_refuses_a_row_its_syntax_does_not_cover() -> None:
    func = dataclasses.replace(SPECS["ruff.func"],
                               attrs=(*SPECS["ruff.func"].attrs, ("extra", "str")))
    with pytest.raises(AssertionError, match="custom syntax of ruff.func"):
        gen_ops.render_op(func, set())
    add = dataclasses.replace(SPECS["ruff.add"], operands=3)
    with pytest.raises(AssertionError, match="does not match the table's operands"):
        gen_ops.render_op(add, set())


def test_the_generator_refuses_a_name_ruff_py_does_not_define(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(gen_ops.EXTRA_TRAITS, "ruff.add", ("NoSuchTrait()",))
    with pytest.raises(SystemExit, match="NoSuchTrait"):
        gen_ops.render(gen_ops.RUFF_PY.read_text(encoding="utf-8"))


def test_a_new_row_gets_a_generic_class() -> None:
    lines = gen_ops.render_op(OpSpec("ruff.new_thing", "r := new(a, b)", operands=2,
                                     results=1, attrs=(("name", "str"),)), set())
    assert lines[:3] == ["@irdl_op_definition", "class NewThingOp(RuffOp):",
                         '    """r := new(a, b)"""']
    assert "    arg1 = operand_def(VALUE)" in lines
    assert '    name_ = prop_def(StringAttr, prop_name="name")' in lines


def test_check_mode_reports_and_default_mode_rewrites(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "ruff.py"
    current = gen_ops.RUFF_PY.read_text(encoding="utf-8")
    target.write_text(current.replace("class AddOp(RuffOp):", "class AddOp(RuffOp):  # edited"),
                      encoding="utf-8")
    monkeypatch.setattr(gen_ops, "RUFF_PY", target)
    assert gen_ops.main(["--check"]) == 1
    assert gen_ops.COMMAND in capsys.readouterr().err
    assert gen_ops.main([]) == 0
    assert target.read_text(encoding="utf-8") == current
    assert gen_ops.main(["--check"]) == 0
