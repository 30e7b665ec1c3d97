"""Lowering of calls: native to native, through `ruff_rt_call`/`ruff_rt_builtin`,
and the math builtins inlined as LLVM operations.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, cast

from xdsl.dialects import llvm
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, f64, i1, i64
from xdsl.ir import Operation

from rufc.passes.lowering.arrays import (
    ArrayLowering,
)
from rufc.passes.lowering.common import (
    MATH,
    TYPES,
    attr_str,
    attr_strs,
    icmp_pred,
    ltype,
    native_result,
    op_pos,
    ret_type,
)
from rufc.runtime import helpers as H


class CallLowering(ArrayLowering):
    """Lowering of calls: native to native, through `ruff_rt_call`/`ruff_rt_builtin`,"""

    if TYPE_CHECKING:
        # ControlLowering's, further down the chain of op families that makes the
        # lowering (FunctionLowering): a call polls for signals as loops do
        def call_poll(self, site: int) -> None: ...

    # ---- calls

    def op_call(self, op: Operation) -> None:
        args = op.operands[1:]
        rk = attr_strs(op, "ruff.kinds")[0]
        direct = attr_str(op, "ruff.direct")
        if direct:
            self.direct_call(op, direct, rk)
            return
        kinds, consts = self.arg_slots(tuple(args))
        site = self.site(op, "call", name=attr_str(op, "ruff.callee"), arg_kinds=kinds, consts=consts,
                         nargs=len(args), result=rk)
        self.helper_call(op, "ruff_rt_call", site, rk)

    def direct_call(self, op: Operation, symbol: str, rk: str) -> None:
        """A native call: depth + 1 in, {result, error} out. The call's site goes into
        the shadow stack before the call when the callee may run VM code (which may
        look at the stack), else only if the call fails (the traceback needs it)."""
        args = op.operands[1:]
        # the arguments first: a string constant is made at its first use, on a path
        # that sets this frame's site (its own, for an error): an eager call site set
        # before it was overwritten, and a traceback through the call showed the
        # constant's position
        argv = [self.val(a) for a in args]
        rtype = native_result(rk)
        self.declare_native(symbol, [i64, i64, *(ltype(self.kind(a)) for a in args)], rtype)
        line, col = op_pos(op)
        site = H.add_site(H.Site("call", self.name, line, col, name=attr_str(op, "ruff.callee")))
        eager = "ruff.reenters" in op.attributes
        if eager:
            self.set_site(site)
        self.call_poll(site)
        deeper = self.v(llvm.AddOp(self.depth, self.const(1, "int")))
        # the callee's frame would pass the depth limit: the VM's error, with the
        # callee as the innermost frame (docs/jit.md, Call depth); a cold path
        too_deep = self.v(llvm.ICmpOp(deeper, self.limit, icmp_pred("sgt")))
        deep, go = self.new_block(), self.new_block()
        self.emit(llvm.CondBrOp(too_deep, deep, [], go, []))
        self.goto(deep)
        self.set_site(site)
        entry = H.add_site(H.Site("entry", attr_str(op, "ruff.direct_name"), 0, 0,
                                  name=attr_str(op, "ruff.direct_sym")))
        self.emit(llvm.StoreOp(deeper, self.state_ptr(H.DEPTH)))
        slot = self.v(llvm.AddOp(deeper, self.const(H.SHADOW, "int")))
        self.emit(llvm.StoreOp(self.const(entry, "int"), self.state_ptr(slot)))
        self.declare("ruff_rt_depth_check")
        self.emit(llvm.CallOp("ruff_rt_depth_check", return_type=i64))
        self.emit(llvm.BrOp(self.unwind))
        self.goto(go)
        pair = self.v(llvm.CallOp(symbol, deeper, self.limit, *argv, return_type=rtype))
        r = self.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [0]), pair, ret_type(rk)))
        failed = self.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [1]), pair, i1))
        bad, ok = self.new_block(), self.new_block()
        self.emit(llvm.CondBrOp(failed, bad, [], ok, []))
        self.goto(bad)
        if not eager:
            self.set_site(site)
        self.emit(llvm.BrOp(self.unwind))
        self.goto(ok)
        self.define(op, r)

    def op_call_builtin(self, op: Operation) -> None:
        rk = attr_strs(op, "ruff.kinds")[0]
        callee = attr_str(op, "callee")
        kinds = [self.kind(v) for v in op.operands]
        if "ruff.push_into" in op.attributes:
            self.push(op, cast(IntegerAttr, op.attributes["ruff.push_into"]).value.data)
            return
        if callee == "len" and len(kinds) == 1 and kinds[0] in ("array:int", "array:float"):
            self.define(op, self.array_parts(self.val(op.operands[0]))[0])
            return
        if callee in MATH and len(kinds) == MATH[callee] and \
                all(k in ("int", "float") for k in kinds):
            self.math(op, callee, kinds)
            return
        slot_kinds, consts = self.arg_slots(tuple(op.operands))
        site = self.site(op, "builtin", name=attr_str(op, "callee"), arg_kinds=slot_kinds,
                         consts=consts, nargs=len(op.operands), result=rk)
        self.helper_call(op, "ruff_rt_builtin", site, rk)

    def math(self, op: Operation, callee: str, kinds: list[str]) -> None:
        """The math builtins as LLVM intrinsics, with the builtins' exact rules
        (runtime/builtins.py): numbers become floats, sqrt of a negative raises, min
        and max skip a NaN operand and prefer the first on ties (so -0.0 vs 0.0 is
        what the VM gives, which llvm.minnum does not promise)."""
        raw = [self.val(v) for v in op.operands]
        xs = [self.v(llvm.SIToFPOp(x, f64)) if k == "int" else x for x, k in zip(raw, kinds)]
        x = xs[0]
        if callee == "sqrt":
            neg = self.v(llvm.FCmpOp(x, self.const(0.0, "float"), "olt"))
            self.fail_if(neg, op, "builtin:sqrt", raw[0], raw[0], (kinds[0],), nargs=1)
            r = self.v(llvm.FSqrtOp(x))
        elif callee == "abs":
            r = self.v(llvm.FAbsOp(x, f64))
        elif callee == "floor":
            r = self.v(llvm.FFloorOp(x))
        elif callee == "ceil":
            r = self.v(llvm.FCeilOp(x))
        else:
            y = xs[1]
            x_nan = self.v(llvm.FCmpOp(x, x, "uno"))
            y_nan = self.v(llvm.FCmpOp(y, y, "uno"))
            first = self.v(llvm.FCmpOp(x, y, "ole" if callee == "min" else "oge"))
            pick = self.v(llvm.SelectOp(first, x, y))
            pick = self.v(llvm.SelectOp(y_nan, x, pick))
            r = self.v(llvm.SelectOp(x_nan, y, pick))
        self.define(op, r)

    def helper_call(self, op: Operation, helper: str, site: int, rk: str) -> None:
        self.declare(helper)
        self.before_helper(site)
        r = self.v(llvm.CallOp(helper, self.const(site, "int"), self.argv, return_type=i64))
        self.check_error()
        if rk in TYPES:
            self.define(op, self.unbits(r, rk))
        else:
            self.kinds[op.results[0]] = rk
