"""The hot tier's pass pipeline, shared by the JIT and `rufc --emit`.

    ruff-specialize -> cse -> dce -> convert-ruff-to-llvm

`ruff-specialize` takes its facts from a `ProgramInfo` (whole-program analysis the
JIT keeps for the life of the run); the other passes are plain xDSL module passes.
`after(name, module)` is called after each pass (`--print-ir-after-all`, timing).
"""
from __future__ import annotations

from typing import Any, Callable

from xdsl.dialects.builtin import ModuleOp

from rufc.passes.program import ProgramInfo
from rufc.passes.registry import cleanup_passes
from rufc.passes.ruff_to_llvm import lower_module
from rufc.passes.specialize import Specialization, specialize_module

After = Callable[[str, ModuleOp], None]


def run_ruff_passes(xmod: ModuleOp, info: ProgramInfo, spec: Specialization,
                    after: After | None = None) -> None:
    """Specialize and clean up (the IR `--emit=ruff-opt` shows)."""
    from rufc.dialects.convert import context
    specialize_module(xmod, info, spec)
    if after:
        after("ruff-specialize", xmod)
    ctx = context()
    for p in cleanup_passes():
        p.apply(ctx, xmod)
        if after:
            after(p.name, xmod)


def run_lowering(xmod: ModuleOp, after: After | None = None) -> None:
    """convert-ruff-to-llvm (the IR `--emit=llvm-dialect` shows)."""
    lower_module(xmod)
    if after:
        after("convert-ruff-to-llvm", xmod)


__all__ = ["run_ruff_passes", "run_lowering", "Any"]
