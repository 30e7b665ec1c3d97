"""The passes rufc knows by name: its own and the xDSL passes its pipelines use.

`PASSES` maps a kebab-case name to (a one-line description, a factory). The hot
tier's pipeline is `ruff-specialize`, then the cleanups, then `convert-ruff-to-llvm`
(see docs/jit.md); `rufc.dialects.universe` offers the same passes to plain xdsl-opt.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:   # `rufc --list-passes` reads the table without importing xdsl
    from xdsl.passes import ModulePass


def _specialize() -> type[ModulePass]:
    from rufc.passes.specialize import RuffSpecialize
    return RuffSpecialize


def _lower() -> type[ModulePass]:
    from rufc.passes.ruff_to_llvm import ConvertRuffToLLVM
    return ConvertRuffToLLVM


def _cse() -> type[ModulePass]:
    from xdsl.transforms.common_subexpression_elimination import CommonSubexpressionElimination
    return CommonSubexpressionElimination


def _dce() -> type[ModulePass]:
    from xdsl.transforms.dead_code_elimination import DeadCodeElimination
    return DeadCodeElimination


PASSES: dict[str, tuple[str, Callable[[], type[ModulePass]]]] = {
    "ruff-specialize": ("give every value its kind for given argument kinds "
                        "(option kinds=\"f:int,float;g:int\"; default int everywhere)",
                        _specialize),
    "cse": ("xDSL: merge identical pure ops (ruff.const, ruff.eq, ...)", _cse),
    "dce": ("xDSL: drop pure ops whose results are unused", _dce),
    "convert-ruff-to-llvm": ("lower specialized ruff.funcs to the LLVM dialect", _lower),
}


def cleanup_passes() -> list[Any]:
    """The cleanups between ruff-specialize and the lowering."""
    return [PASSES["cse"][1]()(), PASSES["dce"][1]()()]


def available() -> dict[str, Callable[[], type[ModulePass]]]:
    """name -> pass class factory, as xDSL's PassPipeline.parse_spec takes them."""
    return {name: factory for name, (_, factory) in PASSES.items()}
