"""convert-ruff-to-llvm: lower specialized `ruff.func`s to the LLVM dialect.

Input: functions annotated by `ruff-specialize` (every value has a kind in
`ruff.kinds`; the function has `ruff.symbol`, `ruff.param_kinds`, `ruff.slot_kinds`,
`ruff.result_kind`; calls carry `ruff.callee` / `ruff.direct`). Functions without
`ruff.symbol` and `ruff.struct`s are dropped: they stay in the VM.

    ruff.func @fib(n) {              llvm.func @rf_fib__i(%d: i64, %lim: i64, %n: i64)
      %0 = ruff.load_var "n" ...                             -> !llvm.struct<(i64, i1)> {
      %1 = ruff.const 2                 %c = llvm.icmp "slt" %n, 2
      %2 = ruff.lt %0, %1      ==>      llvm.cond_br %c, ^ret_n, ^rec
      ...                             ^rec: %d1 = %d + 1; %d1 > %lim? -> raise the depth error
      %9 = ruff.call %5(%8)             %p = llvm.call @rf_fib__i(%d1, %lim, %n1)
      %15 = ruff.add %9, %14            %p[1]? -> shadow[%d] = site 7, ^unwind
      ruff.return(%15)                  %s = llvm.call_intrinsic "llvm.sadd.with.overflow.i64"
    }                                   overflow? -> ruff_rt_fail(site 9, a, b), ^unwind
                                        llvm.return {%s, false}
                                      }
                                      llvm.func @re_fib__i(%n: i64) -> i64   (entry from Python)

Representation: int -> i64, float -> f64, bool and conditions -> i1. Local slots are
`alloca`s (LLVM's SROA turns them into registers). Structured control flow becomes
blocks. Every operation keeps Ruff's semantics: checked i64 arithmetic (overflow
intrinsics), division and modulo by zero, `MIN / -1`, the float `==` epsilon rule,
int/float promotion by `sitofp`; the failing case calls `ruff_rt_fail`, which raises
the exact error in `rufc.runtime.semantics`. Calls that are not native to native go
through `ruff_rt_call` / `ruff_rt_builtin` (the helper table,
`rufc.runtime.helpers`), with the arguments in an i64 buffer and constants kept in
the call site.

Native functions take (depth, limit, args...) and return {result, i1 error}; the
caller checks the callee's depth against the limit. The shadow stack (see
`rufc.runtime.helpers`): a frame writes the id of a call site into its slot before a
helper call (or a native call that may run VM code), else when the call fails, so a
traceback through native frames names every function and line exactly as the VM
does.
"""
from __future__ import annotations

from xdsl.context import Context
from xdsl.dialects import llvm
from xdsl.dialects.builtin import IntAttr, ModuleOp, f64, i32, i64
from xdsl.ir import Attribute, Operation
from xdsl.passes import ModulePass

from rufc.passes.lowering.boxed import (
    BoxedLowering,
)
from rufc.passes.lowering.common import (
    FLOAT_SENTINEL_BITS,
    INT_SENTINEL,
    PTR,
    LoweringError,
    attr_str,
)
from rufc.runtime import helpers as H


class FunctionLowering(BoxedLowering):
    """Lowers one annotated ruff.func into llvm.func ops appended to `out`."""


def lower_module(module: ModuleOp) -> None:
    """Replace the specialized ruff.funcs of `module` by LLVM functions; drop the rest."""
    out: list[Operation] = []
    declared: dict[str, Operation] = {}
    defined = {attr_str(op, "ruff.symbol") for op in module.ops if attr_str(op, "ruff.symbol")}

    def declare(name: str) -> None:
        if name in declared:
            return
        if name == "ruff_rt_consts":   # the constant objects boxed code borrows
            from rufc.runtime.boxed_helpers import CONST_CAPACITY
            declared[name] = llvm.GlobalOp(llvm.LLVMArrayType(IntAttr(CONST_CAPACITY), i64),
                                           "ruff_rt_consts", "external")
            return
        types = {"i64": i64, "i32": i32, "ptr": PTR, "double": f64, "void": llvm.LLVMVoidType()}
        if name in H.C_FUNCTIONS:
            ret, fargs = H.C_FUNCTIONS[name]
        else:
            h = H.HELPERS_BY_NAME[name]
            ret, fargs = h.ret, h.args
        ftype = llvm.LLVMFunctionType([types[a] for a in fargs], types[ret])
        declared[name] = llvm.FuncOp(name, ftype, linkage=llvm.LinkageAttr("external"))

    def declare_native(name: str, args: list[Attribute], ret: Attribute) -> None:
        if name in declared or name in defined:
            return
        declared[name] = llvm.FuncOp(name, llvm.LLVMFunctionType(args, ret),
                                     linkage=llvm.LinkageAttr("external"))

    for op in list(module.ops):
        if op.name == "ruff.func" and attr_str(op, "ruff.symbol"):
            lowering = FunctionLowering(op, out, declare, declare_native)
            lowering.lower()
    for op in list(module.ops):
        op.detach()
        op.erase()
    state = llvm.GlobalOp(llvm.LLVMArrayType(IntAttr(H.SHADOW), i64), "ruff_rt_state",
                          "external")
    module.body.block.add_ops([state, *declared.values(), *out])


class ConvertRuffToLLVM(ModulePass):
    """convert-ruff-to-llvm: specialized ruff.funcs -> llvm.func (see the module doc)."""
    name = "convert-ruff-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        lower_module(op)


__all__ = ["ConvertRuffToLLVM", "lower_module", "LoweringError", "INT_SENTINEL",
           "FLOAT_SENTINEL_BITS"]
