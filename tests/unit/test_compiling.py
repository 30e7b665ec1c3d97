"""runtime/compiling.py: a module compiled in pieces is the module compiled whole."""
from __future__ import annotations

import traceback
import types

from rufc.runtime import compiling


def _lines(code: types.CodeType, out: dict) -> dict:
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out[(c.co_name, c.co_firstlineno)] = (list(c.co_lines()), list(c.co_positions()))
            _lines(c, out)
    return out


def _module(n: int) -> str:
    parts = []
    for k in range(n):
        parts.append(f"def f{k}(x):\n    y = [i * {k} for i in range(x)]\n"
                     f"    def inner():\n        return 'def \\n' + str(y)\n"
                     f"    if x < 0:\n        raise ValueError({k})\n    return inner()\n"
                     f"RESULTS.append(f{k}(2))\n")
    return "RESULTS = []\n" + "".join(parts)


def test_pieces_have_the_lines_of_the_whole(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(compiling, "PIECE", 500)
    source = _module(60)
    codes = compiling.compile_program(source, "<m>")
    assert len(codes) > 5
    whole = compile(source, "<m>", "exec")
    pieces: dict = {}
    for c in codes:
        _lines(c, pieces)
    assert pieces == _lines(whole, {})
    ns: dict = {}
    for c in codes:
        exec(c, ns)
    ref: dict = {}
    exec(whole, ref)
    assert ns["RESULTS"] == ref["RESULTS"]
    try:
        ns["f57"](-1)
    except ValueError as exc:
        line = traceback.extract_tb(exc.__traceback__)[-1].lineno
    assert source.splitlines()[line - 1].strip() == "raise ValueError(57)"


def test_small_module_is_one_piece() -> None:
    assert len(compiling.compile_program(_module(3), "<m>")) == 1
