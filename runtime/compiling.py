"""Compile the cold tier's generated module in pieces.

CPython's `compile` holds the whole syntax tree of its input: for the generated code
of a 10,000-line Ruff program (~77,000 Python lines) that peaked at ~260 MB and took
longer than compiling the same code in ~100 KB pieces (measured: 0.9 s / 334 MB peak
RSS whole, 0.65 s / 104 MB in pieces; bench/RESULTS.md). The pieces are cut before a
top-level `def` (the generated module is a sequence of function definitions and
`FINISH(...)` calls; strings in it are Python literals without raw newlines), each is
compiled on its own, and the line numbers of its code objects are shifted to where it
starts, so tracebacks and the VM's line table see exactly what one `compile` gives.
Executing the pieces in order in one namespace is executing the module.
"""
from __future__ import annotations

import types

__all__ = ["compile_program", "PIECE"]

PIECE = 100_000   # characters per piece (a piece ends at the first `def` after this)


def compile_program(source: str, filename: str) -> list[types.CodeType]:
    """The module's code, as code objects to execute in order."""
    cuts = [0]
    i = source.find("\ndef ")
    while i >= 0:
        if i + 1 - cuts[-1] >= PIECE:
            cuts.append(i + 1)
        i = source.find("\ndef ", i + 1)
    codes = []
    line = 0
    for start, end in zip(cuts, cuts[1:] + [len(source)]):
        piece = source[start:end]
        code = compile(piece, filename, "exec")
        codes.append(_shift(code, line) if line else code)
        line += piece.count("\n")
    return codes


def _shift(code: types.CodeType, lines: int) -> types.CodeType:
    """`code` and the code objects in it, `lines` lines further down the file (3.11's
    line tables are relative to co_firstlineno)."""
    return code.replace(
        co_firstlineno=code.co_firstlineno + lines,
        co_consts=tuple(_shift(c, lines) if isinstance(c, types.CodeType) else c
                        for c in code.co_consts))
