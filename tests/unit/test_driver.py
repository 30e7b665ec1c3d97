"""The `rufc` command as a user meets it: exit codes, diagnostics, stages, start-up."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, rufc


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return str(p)


def test_help_lists_commands_and_exits_zero() -> None:
    r = rufc("--help")
    assert r.exit_code == 0
    for word in ("--emit=ast", "--emit=ruff", "rufc run", "--no-jit", "--jit-threshold", "-o OUT"):
        assert word in r.stdout


@pytest.mark.parametrize("args", [["run"], ["run", "--bogus", "x.ruff"], ["x.ruff", "--emit=llvm"],
                                  ["run", "--jit-threshold", "abc", "x.ruff"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    r = rufc(*args)
    assert r.exit_code == 2
    assert "Traceback" not in r.stderr


def test_unreadable_file_exits_2() -> None:
    r = rufc("run", "/no/such/file.ruff")
    assert r.exit_code == 2
    assert "cannot read /no/such/file.ruff" in r.stderr


def test_run_from_stdin_and_from_a_string() -> None:
    assert rufc("run", "-", stdin="print(6 * 7)").stdout == "42\n"
    assert rufc("run", "-c", 'print("hi", 1.5)').stdout == "hi 1.5\n"


def test_syntax_error_has_position_source_line_and_caret(tmp_path: Path) -> None:
    f = write(tmp_path, "bad.ruff", 'print("ok")\nx := 1 +\n')
    r = rufc("run", f)
    assert r.exit_code == 3
    assert r.stdout == ""
    assert f"{f}:2:9: error: Unexpected end of input" in r.stderr
    assert r.stderr.splitlines()[1].strip() == "x := 1 +"


def test_runtime_error_has_position_caret_and_ruff_traceback(tmp_path: Path) -> None:
    f = write(tmp_path, "err.ruff", 'func f(x) {\n    return x / 0\n}\nprint("before")\nf(1)\n')
    r = rufc("run", f)
    assert r.exit_code == 4
    assert r.stdout == "before\n"
    lines = r.stderr.splitlines()
    assert lines[0] == f"{f}:2:14: runtime error: Division by zero"
    assert lines[1].strip() == "return x / 0"
    assert lines[2].index("^") == lines[1].index("/")
    assert f"in <main> at {f}:5:2" in r.stderr and f"in f at {f}:2:14" in r.stderr


def test_non_utf8_input_is_a_lexical_error(tmp_path: Path) -> None:
    r = rufc("run", write(tmp_path, "b.ruff", b'print("\xff")\n'))
    assert r.exit_code == 3
    assert ":1:8: error: Invalid UTF-8 byte 0xff" in r.stderr


def test_empty_file_runs_and_prints_nothing(tmp_path: Path) -> None:
    r = rufc("run", write(tmp_path, "e.ruff", ""))
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "")


@pytest.mark.parametrize("text", ["(" * 100000 + "1" + ")" * 100000,
                                  "if true {" * 100000 + "}" * 100000,
                                  "x := " + "-" * 100000 + "1",
                                  "if true {" * 500 + "print(1)" + "}" * 500],
                         ids=["parens", "blocks", "negations", "500-blocks"])
def test_absurd_nesting_is_a_clean_syntax_error(tmp_path: Path, text: str) -> None:
    r = rufc("run", write(tmp_path, "deep.ruff", text))
    assert r.exit_code == 3
    assert "error:" in r.stderr and "Traceback" not in r.stderr


def test_emit_ast_and_ruff_and_output_file(tmp_path: Path) -> None:
    f = write(tmp_path, "a.ruff", "x := 1 + 2\nprint(x)\n")
    ast = rufc(f, "--emit=ast")
    assert ast.exit_code == 0 and "Binary @1:8 op='+'" in ast.stdout
    out = tmp_path / "a.mlir"
    r = rufc(f, "--emit=ruff", "-o", str(out))
    assert r.exit_code == 0 and r.stdout == ""
    text = out.read_text()
    assert "ruff.func @__main__" in text and "ruff.add" in text


def test_ir_file_reads_back_and_runs(tmp_path: Path) -> None:
    f = write(tmp_path, "a.ruff", "func sq(x) { return x * x }\nprint(sq(12))\n")
    ir = rufc(f, "--emit=ruff").stdout
    mlir = write(tmp_path, "a.mlir", ir)
    assert rufc(mlir, "--emit=ruff").stdout == ir
    assert rufc("run", mlir).stdout == "144\n"


def test_malformed_ir_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    mlir = write(tmp_path, "bad.mlir", 'builtin.module {\n  ruff.func @__main__() name "m" slots [] {\n'
                                     '    %0 = ruff.add %9, %9 : !ruff.value\n  }\n}\n')
    r = rufc(mlir, "--emit=ruff")
    assert r.exit_code == 3
    assert f"{mlir}:3:19: error: use of undefined value %9" in r.stderr
    assert "Traceback" not in r.stderr


def test_environment_variables_configure_the_run(tmp_path: Path) -> None:
    import os
    f = write(tmp_path, "d.ruff", "func d(n) { if n == 0 { return 0 } return 1 + d(n - 1) }\nprint(d(500))\n")
    env = dict(os.environ, RUFC_MAX_DEPTH="100", RUFC_JIT="0")
    r = rufc("run", f, env=env)
    assert r.exit_code == 4 and "Maximum call stack depth of 100 exceeded" in r.stderr
    env = dict(os.environ, RUFC_JIT_THRESHOLD="x")
    assert rufc("run", f, env=env).exit_code == 2


def test_debug_jit_logs_hot_functions(tmp_path: Path) -> None:
    import os
    f = write(tmp_path, "h.ruff", "func f(x) { return x }\nfor i in range(200) { f(i) }\n")
    r = rufc("run", f, env=dict(os.environ, DEBUG_JIT="1"))
    assert r.exit_code == 0
    assert "f: hot after 100 calls" in r.stderr


def _modules_after(code: str) -> set[str]:
    probe = ("import sys, io, contextlib\nfrom rufc.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    main({code!r}.split('|'))\n"
             "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_cold_path_never_imports_xdsl_or_llvmlite(tmp_path: Path) -> None:
    f = write(tmp_path, "hello.ruff", 'print("hello")\n')
    mods = _modules_after(f"run|{f}")
    assert "rufc" in mods
    assert "xdsl" not in mods and "llvmlite" not in mods


def test_help_imports_neither_xdsl_nor_lark() -> None:
    mods = _modules_after("--help")
    assert not {"xdsl", "llvmlite", "lark"} & mods


def test_internal_errors_exit_70_and_hide_the_traceback(monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from rufc import cli

    def boom(*_: object) -> None:
        raise ValueError("simulated bug")

    monkeypatch.setattr(cli, "cmd_run", boom)
    assert cli.main(["run", "-c", "print(1)"]) == 70
    err = capsys.readouterr().err
    assert "internal error: ValueError: simulated bug" in err and "Traceback" not in err
    assert cli.main(["run", "-c", "print(1)", "--debug"]) == 70
    assert "Traceback" in capsys.readouterr().err


def test_examples_run(tmp_path: Path) -> None:
    for example in sorted((REPO / "examples").glob("*.ruff")):
        expected = example.with_suffix(".out").read_text()
        assert rufc("run", str(example)).stdout == expected, example.name


def test_deep_tracebacks_are_shortened(tmp_path: Path) -> None:
    f = write(tmp_path, "so.ruff", "func forever(n) { return forever(n + 1) }\nforever(0)\n")
    r = rufc("run", f)
    assert r.exit_code == 4 and "Maximum call stack depth of 10000 exceeded" in r.stderr
    assert "more frames ..." in r.stderr and len(r.stderr.splitlines()) < 40
    assert "in forever at" in r.stderr and "P_" not in r.stderr
