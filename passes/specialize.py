"""ruff-specialize: give every value of a function its kind for given argument kinds.

The kinds come from the cold tier's inference (`rufc.runtime.types.Inference`, run by
`rufc.passes.program.ProgramInfo` with the argument kinds and the result kinds of
callees); this pass writes them onto the xDSL ops, so that the lowering, `--emit`
and FileCheck tests all see the same facts:

    ruff.func @fib(n) ... {                    ruff.func @fib(n) ... {ruff.symbol = "rf_fib__i",
      %0 = ruff.load_var "n" chain ["l0"]        ruff.param_kinds = ["int"], ruff.result_kind = "int", ...}
      %9 = ruff.call %5(%8)            ==>       %0 = ruff.load_var "n" chain ["l0"] {ruff.kinds = ["int"]}
                                                 %9 = ruff.call %5(%8) {ruff.kinds = ["int"],
                                                        ruff.callee = "fib", ruff.direct = "rf_fib__i"}

A function is specialized only if it compiles for those kinds
(`ProgramInfo.check`); otherwise it is left alone and the reason is returned in
`Specialization.refused`, which the JIT logs (the function stays in the VM).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, ModuleOp, StringAttr, UnitAttr
from xdsl.ir import Attribute, Operation
from xdsl.passes import ModulePass

from rufc.dialects.optable import Op
from rufc.passes.program import (
    Kinds,
    ProgramInfo,
    Unsupported,
    check_for_each,
    mangle,
    spec_kinds,
)
from rufc.runtime.analysis import defs as defs_of
from rufc.runtime.analysis import uses as uses_of
from rufc.runtime.types import Inference


def _strs(items: tuple[str, ...] | list[str]) -> ArrayAttr[StringAttr]:
    return ArrayAttr([StringAttr(x) for x in items])


@dataclass
class Specialization:
    """What to specialize (sym -> argument kinds), and what came of it."""
    requests: dict[str, Kinds]
    refused: dict[str, str] = field(default_factory=dict)   # sym -> why not
    symbols: dict[str, str] = field(default_factory=dict)   # sym -> LLVM symbol


def _annotate_call(program: ProgramInfo, func: Op, op: Op, xop: Operation, inf: Inference,
                   defs: dict[int, Op]) -> None:
    """A call of a global: its name, whether the VM reads it before the arguments
    (then native code calls the value read there), and the native callee if the call
    can be made natively."""
    target = program.callee_of(func, op, defs)
    if target is None:
        return
    xop.attributes["ruff.callee"] = StringAttr(target.name)
    if program.read_early(func, op, defs):
        xop.attributes["ruff.callee_early"] = UnitAttr()
    arg_kinds = spec_kinds(tuple(inf.boxed(v) for v in op.operands[1:]))
    if target.sym is not None and program.direct(target.sym, arg_kinds):
        xop.attributes["ruff.direct"] = StringAttr(mangle(target.sym, arg_kinds))
        xop.attributes["ruff.direct_sym"] = StringAttr(target.sym)
        xop.attributes["ruff.direct_name"] = StringAttr(
            program.funcs[target.sym].attrs["name"])  # type: ignore[arg-type]
        xop.attributes["ruff.direct_kinds"] = _strs(arg_kinds)
        if program.reenters(target.sym, arg_kinds):
            xop.attributes["ruff.reenters"] = UnitAttr()


def annotate(program: ProgramInfo, xfunc: Operation, sym: str, kinds: Kinds) -> str:
    """Write the kinds of (sym, kinds) onto xfunc; returns its LLVM symbol."""
    func = program.funcs[sym]
    inf = program.kinds_of(sym, kinds)
    defs = defs_of(func)
    symbol = mangle(sym, kinds)
    n = len(func.attrs["slots"])  # type: ignore[arg-type]
    xfunc.attributes["ruff.symbol"] = StringAttr(symbol)
    xfunc.attributes["ruff.param_kinds"] = _strs(["bool" if k == "i1" else k for k in kinds])
    xfunc.attributes["ruff.slot_kinds"] = _strs([inf.slot_kind(i) for i in range(n)])
    xfunc.attributes["ruff.result_kind"] = StringAttr(program.result_kind(sym, kinds) or "any")
    xfunc.attributes["ruff.maybe_unbound"] = ArrayAttr(
        [IntegerAttr(i, 64) for i in sorted(program.maybe_unbound(sym))])

    pushes = {c: s for c, s in program.pushes(func).items()
              if program.typed_push(func, _by_id(func, c), inf)}
    uses = uses_of(func)
    push_stores = {id(store): call for call, store in pushes.items()}
    appends = _appends(func, inf, uses)

    def walk(ops: list[Op], xops: list[Operation]) -> None:
        if len(ops) != len(xops):
            raise ValueError(f"@{sym}: the xDSL function does not match its compact form")
        for op, xop in zip(ops, xops):
            if op.results:
                xop.attributes["ruff.kinds"] = _strs([inf.kind(r) for r in op.results])
            if id(op) in pushes:   # a := push(a, x): appends to a's slot
                chain = pushes[id(op)].strs_attr("chain")
                ref = chain[0] if chain else pushes[id(op)].str_attr("create")
                xop.attributes["ruff.push_into"] = IntegerAttr(int(ref[1:]), 64)
            if id(op) in push_stores:
                xop.attributes["ruff.push_store"] = UnitAttr()
            if id(op) in appends:
                xop.attributes[appends[id(op)][0]] = appends[id(op)][1]
            if op.name == "ruff.make_array":   # stored straight into a typed array variable?
                try:
                    xop.attributes["ruff.literal_kind"] = StringAttr(
                        program.literal_kind(op, inf, uses, f"{op.line}:{op.col}"))
                except Unsupported:
                    pass   # built by ruff_rt_op (boxed)
            if op.name == "ruff.for_each":
                _annotate_for_each(op, xop, inf, defs)
            if op.name == "ruff.call":
                _annotate_call(program, func, op, xop, inf, defs)
            for region, xregion in zip(op.regions, xop.regions):
                block = xregion.blocks.first
                walk(region.ops, list(block.ops) if block is not None else [])

    walk(func.regions[0].ops, list(xfunc.regions[0].blocks.first.ops)
         if xfunc.regions[0].blocks.first is not None else [])
    return symbol


def _appends(func: Op, inf: Any, uses: dict[int, list[Op]]) -> dict[int, tuple[str, Attribute]]:
    """The `x = x + y` idioms (runtime/analysis.append_idioms) native code may append
    in place, as attributes by op: on a global, the add becomes `ruff.append_global`
    (`ruff.append` = "g"), its load only checks that the global is bound
    (`ruff.append_load`) and the store has nothing left to do (`ruff.append_store`);
    on a local slot, the add appends to the slot (`ruff.append` = "l<N>") when no other
    loaded value of the variable outlives the store (`appends_in_place`)."""
    from rufc.runtime.analysis import append_idioms, appends_in_place, may_append_strings
    out: dict[int, tuple[str, Attribute]] = {}
    counts = {v: len(u) for v, u in uses.items()}
    idioms = [a for a in append_idioms(func, counts).values() if may_append_strings(a, inf.kind)]
    in_place = appends_in_place(func, [a for a in idioms if a.ref != "g"])
    for idiom in idioms:
        if idiom.ref == "g":
            out[id(idiom.load)] = ("ruff.append_load", UnitAttr())
            out[id(idiom.store)] = ("ruff.append_store", UnitAttr())
        elif id(idiom.add) not in in_place:
            continue
        out[id(idiom.add)] = ("ruff.append", StringAttr(idiom.ref))
    return out


def _annotate_for_each(op: Op, xop: Operation, inf: Any, defs: dict[int, Op]) -> None:
    """What the loop variable is, and whether the loop runs over the buffer of a local
    typed array (else, with boxed values, over a snapshot: passes/lowering/boxed.py)."""
    xop.attributes["ruff.elem_kind"] = StringAttr(inf.kind(op.regions[0].args[0]))
    try:
        check_for_each(op, inf, defs, f"{op.line}:{op.col}", boxed=False)
        xop.attributes["ruff.over_buffer"] = UnitAttr()
    except Unsupported:
        pass


def _by_id(func: Op, key: int) -> Op:
    from rufc.runtime.analysis import walk
    for op in walk(func.regions[0]):
        if id(op) == key:
            return op
    raise KeyError(key)


def specialize_module(module: ModuleOp, program: ProgramInfo, spec: Specialization) -> None:
    """Annotate every requested function that compiles; record why the others do not."""
    for op in module.ops:
        if op.name != "ruff.func":
            continue
        sym = op.properties["sym_name"].data
        if sym not in spec.requests:
            continue
        kinds = spec.requests[sym]
        reason = program.check(sym, kinds)
        if reason is not None:
            spec.refused[sym] = reason
            continue
        spec.symbols[sym] = annotate(program, op, sym, kinds)


@dataclass(frozen=True)
class RuffSpecialize(ModulePass):
    """ruff-specialize{kinds="f:int,int;g:float"}: annotate kinds (see the module doc).

    Without options every function is specialized with int arguments. The JIT calls
    `specialize_module` directly with its own `ProgramInfo`."""
    name = "ruff-specialize"
    kinds: str = ""

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        from rufc.dialects.convert import from_xdsl
        from rufc.runtime.builtins import BUILTINS
        program = ProgramInfo(from_xdsl(op), builtin_result_kinds(BUILTINS))
        specialize_module(op, program, Specialization(requests_from(self.kinds, program)))


def builtin_result_kinds(builtins: dict) -> dict[str, str]:
    """The builtin table's result types as inference kinds."""
    table = {"int": "int", "float": "float", "bool": "bool", "string": "str", "null": "null"}
    return {n: table.get(b.result, "any") for n, b in builtins.items()}


def requests_from(text: str, program: ProgramInfo) -> dict[str, Kinds]:
    """'f:int,int;g:float' -> {f: (int, int), g: (float,)}; '' -> every function with
    int arguments (except the top level)."""
    from rufc.dialects.optable import MAIN_SYMBOL
    from rufc.passes.program import parse_kinds
    if not text:
        return {s: ("int",) * len(f.attrs["params"])  # type: ignore[arg-type]
                for s, f in program.funcs.items() if s != MAIN_SYMBOL}
    out: dict[str, Kinds] = {}
    for part in text.split(";"):
        name, _, kinds = part.partition(":")
        out[name.strip()] = parse_kinds(kinds)
    return out
