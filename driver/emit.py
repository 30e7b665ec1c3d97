"""The stages past `ruff`: what the hot tier makes of a program, as `rufc --emit` shows it.

The ladder, in pipeline order (each stage is the one before it plus one step):

    ruff          the `ruff` dialect as irgen lowers the source
    ruff-opt      after the ruff passes: ruff-specialize (kinds), cse, dce
    llvm-dialect  after convert-ruff-to-llvm (xDSL's LLVM dialect)
    llvm          LLVM IR, as llvmlite receives it
    llvm-opt      LLVM IR after LLVM's O2 pipeline
    asm           the host's machine code

The ladder itself (LADDER) also names the stages before the hot tier: `ast` and `ruff`
(rufc.compile_cmd prints those) and `py`, the cold tier's Python.

Every function is shown as if it were hot, specialized for the argument kinds given
with `--specialize 'NAME(int,float)'` (int for every parameter otherwise);
`--function NAME` keeps only that function. A function that would stay in the VM is
named on stderr with the reason, as DEBUG_JIT says it at run time.
"""
from __future__ import annotations

import sys
from typing import IO, Any

#: The ladder: every stage `--emit` can stop at, in pipeline order, with what it shows.
LADDER: tuple[tuple[str, str], ...] = (
    ("ast", "the syntax tree, with line:col of every node"),
    ("ruff", "the `ruff` dialect as irgen lowers the source (MLIR syntax, parseable by "
             "rufc and xdsl-opt)"),
    ("py", "the Python code the cold tier generates and CPython runs (runtime/codegen.py)"),
    ("ruff-opt", "the hot tier's view: ruff IR after ruff-specialize, cse, dce"),
    ("llvm-dialect", "after convert-ruff-to-llvm (xDSL's LLVM dialect)"),
    ("llvm", "LLVM IR, as llvmlite receives it"),
    ("llvm-opt", "LLVM IR after LLVM's O2 pipeline"),
    ("asm", "machine code for this host"),
)
STAGES = tuple(name for name, _ in LADDER)
#: The stages of the hot tier: every function is shown as if it were hot.
HOT_STAGES = STAGES[STAGES.index("ruff-opt"):]


def stage_help() -> str:
    """The ladder as `rufc --help` lists it."""
    import textwrap
    width = max(len(name) for name, _ in LADDER) + len("--emit=") + 4
    lines = [textwrap.fill(text, width=86, initial_indent=f"  {'--emit=' + name:<{width - 2}}",
                           subsequent_indent=" " * width) for name, text in LADDER]
    return "\n".join(lines) + (
        "\n  (the hot stages, ruff-opt to asm, show every function as if it were hot)")


# The ruff passes of the hot tier, in order (names as `-p` would take them).
RUFF_PIPELINE = ("ruff-specialize", "cse", "dce")


def python_source(module: Any, jit: bool = True, threshold: int = 100) -> str:
    """The `py` stage: the Python module the cold tier generates for `module` and
    CPython compiles, as `rufc run` makes it (with the JIT on, every function comes
    twice: `F_<name>` with the call counter that makes it hot, `P_<name>` without)."""
    from rufc.runtime.vm import VM, VMOptions
    source: str = VM(VMOptions(jit=jit, threshold=threshold)).generate(module).source
    return source if source.endswith("\n") else source + "\n"


class EmitError(Exception):
    """A bad --function / --specialize value (a usage error)."""


def parse_specializations(items: list[str]) -> dict[str, tuple[str, ...]]:
    """['f(int,float)', 'g()'] -> {f: (int, float), g: ()}."""
    from rufc.passes.program import parse_kinds
    out: dict[str, tuple[str, ...]] = {}
    for item in items:
        name, open_, rest = item.partition("(")
        if not open_ or not rest.endswith(")"):
            raise EmitError(f"--specialize expects NAME(KIND,...), got {item!r}")
        try:
            out[name.strip()] = parse_kinds(rest[:-1])
        except ValueError as exc:
            raise EmitError(str(exc)) from None
    return out


def _requests(module: Any, function: str | None,
              specs: dict[str, tuple[str, ...]]) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    """sym -> kinds of the functions to show, and display name -> sym."""
    from rufc.dialects.optable import MAIN_SYMBOL
    funcs = module.funcs()
    by_name: dict[str, str] = {}
    for sym, f in funcs.items():
        by_name.setdefault(f.attrs["name"], sym)
        by_name.setdefault(sym, sym)
    for name in [*specs, *([function] if function else [])]:
        if name not in by_name:
            raise EmitError(f"no function named '{name}'")
    requests: dict[str, tuple[str, ...]] = {}
    for sym, f in funcs.items():
        if sym == MAIN_SYMBOL and function is None:
            continue
        if function is not None and by_name[function] != sym:
            continue
        kinds = ("int",) * len(f.attrs["params"])
        for name, k in specs.items():
            if by_name[name] == sym:
                if len(k) != len(f.attrs["params"]):
                    raise EmitError(f"{name} takes {len(f.attrs['params'])} arguments, "
                                    f"--specialize gives {len(k)}")
                kinds = k
        requests[sym] = kinds
    return requests, by_name


def verify_ir(xmod: Any) -> None:
    """xDSL's verifier on every op of `xmod` (ruff or LLVM dialect), raising
    LocatedVerifyException at the first op that fails (--verify-each)."""
    from xdsl.utils.exceptions import VerifyException

    from rufc.dialects.convert import LocatedVerifyException, op_position, walk_ops
    for op in walk_ops(xmod):
        try:
            op.verify(verify_nested_ops=False)
        except VerifyException as err:
            message = str(err) if op.name in str(err) else f"'{op.name}': {err}"
            culprit = getattr(err, "op", None) or op   # ruff.OpVerifyException
            raise LocatedVerifyException(op_position(culprit), message) from err


def emit(module: Any, stage: str, out: IO[str], function: str | None = None,
         specialize: list[str] | None = None, instruments: Any = None) -> None:
    """Print `stage` of the hot tier for `module` (a compact ruff Module), climbing the
    ladder one step at a time through `instruments` (rufc.instrument: printing,
    verifying and timing each step)."""
    from functools import partial

    from xdsl.backend.llvm.convert import convert_module

    from rufc.backend.engine import Engine
    from rufc.dialects.convert import to_xdsl
    from rufc.dialects.optable import Module
    from rufc.instrument import Instruments
    from rufc.passes.pipeline import LOWERING_STEP, ruff_steps
    from rufc.passes.program import ProgramInfo
    from rufc.passes.specialize import Specialization, builtin_result_kinds
    from rufc.runtime.builtins import BUILTINS
    ins = instruments or Instruments()
    requests, _ = _requests(module, function, parse_specializations(specialize or []))
    info = ProgramInfo(module, builtin_result_kinds(BUILTINS))
    spec = Specialization(requests)
    funcs = module.funcs()
    xmod = ins.run("to-xdsl", lambda: to_xdsl(Module(module.file, [funcs[s] for s in requests])))

    def ir() -> Any:
        return xmod

    def verify() -> None:
        verify_ir(xmod)

    for name, step in ruff_steps(info, spec):
        ins.run(name, partial(step, xmod), ir, verify)
    for sym, why in spec.refused.items():
        sys.stderr.write(f"rufc: note: {funcs[sym].attrs['name']}"
                         f"({', '.join(requests[sym])}) stays in the VM: {why}\n")
    if stage == "ruff-opt":
        ins.print_ir(xmod, out)
        return
    name, lower = LOWERING_STEP
    ins.run(name, lambda: lower(xmod), ir, verify)
    if stage == "llvm-dialect":
        ins.print_ir(xmod, out)
        return
    engine = ins.run("llvm-init", Engine)
    llmod = ins.run("translate-to-llvm-ir", lambda: convert_module(
        xmod, fallback_target_triple=engine.triple, data_layout=engine.data_layout))
    if stage == "llvm":
        _write_text(out, str(llmod))
        return
    ref = ins.run("llvm-verify", lambda: engine.parse(llmod))
    ins.run("llvm-optimize (O2)", lambda: engine.optimize(ref))
    if stage == "llvm-opt":
        _write_text(out, str(ref))
        return
    _write_text(out, ins.run("machine-code", lambda: str(engine.tm.emit_assembly(ref))))


def _write_text(out: IO[str], text: str) -> None:
    out.write(text if text.endswith("\n") else text + "\n")
