"""The hot tier's pass pipeline, shared by the JIT and `rufc --emit`.

    ruff-specialize -> cse -> dce -> convert-ruff-to-llvm

`ruff-specialize` takes its facts from a `ProgramInfo` (whole-program analysis the
JIT keeps for the life of the run); the other passes are plain xDSL module passes.
`after(name, module)` is called after each pass (`--print-ir-after-all`, timing).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from xdsl.dialects.builtin import ModuleOp

from rufc.passes.program import ProgramInfo
from rufc.passes.registry import cleanup_passes
from rufc.passes.ruff_to_llvm import lower_module
from rufc.passes.specialize import Specialization, specialize_module

After = Callable[[str, ModuleOp], None]


Step = tuple[str, Callable[[ModuleOp], None]]


def ruff_steps(info: ProgramInfo, spec: Specialization) -> list[Step]:
    """The ruff passes as (name, apply) steps, in order: specialize, then the cleanups
    (`rufc --emit` runs them one by one to print, verify and time each)."""
    from rufc.dialects.convert import context
    ctx = context()
    steps: list[Step] = [("ruff-specialize", lambda m: specialize_module(m, info, spec))]
    for p in cleanup_passes():
        steps.append((p.name, partial(_apply, p, ctx)))
    return steps


def _apply(p: Any, ctx: Any, module: ModuleOp) -> None:
    p.apply(ctx, module)


LOWERING_STEP: Step = ("convert-ruff-to-llvm", lower_module)


def run_ruff_passes(xmod: ModuleOp, info: ProgramInfo, spec: Specialization,
                    after: After | None = None) -> None:
    """Specialize and clean up (the IR `--emit=ruff-opt` shows)."""
    for name, step in ruff_steps(info, spec):
        step(xmod)
        if after:
            after(name, xmod)


def run_lowering(xmod: ModuleOp, after: After | None = None) -> None:
    """convert-ruff-to-llvm (the IR `--emit=llvm-dialect` shows)."""
    name, step = LOWERING_STEP
    step(xmod)
    if after:
        after(name, xmod)


__all__ = ["run_ruff_passes", "run_lowering", "ruff_steps", "LOWERING_STEP", "Any"]
