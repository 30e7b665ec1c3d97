"""Lowering of arithmetic, comparisons and truth tests on unboxed int/float/bool.

Checked i64 arithmetic (overflow intrinsics), Ruff's `/` and `%` rules, the float
`==` epsilon rule and int/float promotion; the failing case jumps to the shared
fail block, which calls `ruff_rt_fail` for the VM's exact error.
"""
from __future__ import annotations

from xdsl.dialects import llvm
from xdsl.dialects.builtin import DenseArrayBase, f64, i1, i64
from xdsl.ir import Operation, SSAValue

from rufc.passes.lowering.base import (
    LoweringBase,
)
from rufc.passes.lowering.common import (
    EPSILON,
    FCMP,
    I64_MIN,
    ICMP,
    icmp_pred,
)


class ArithLowering(LoweringBase):
    """Lowering of arithmetic, comparisons and truth tests on unboxed int/float/bool."""
    def numeric(self, op: Operation) -> tuple[SSAValue, SSAValue, str]:
        """The operands of a binary op, promoted to a common kind (int or float)."""
        a, b = op.operands
        ka, kb = self.kind(a), self.kind(b)
        va, vb = self.val(a), self.val(b)
        if ka == kb:
            return va, vb, ka
        if ka == "int":
            va = self.v(llvm.SIToFPOp(va, f64))
        if kb == "int":
            vb = self.v(llvm.SIToFPOp(vb, f64))
        return va, vb, "float"

    def op_add(self, op: Operation) -> None:
        self.arith(op, "add")

    def op_sub(self, op: Operation) -> None:
        self.arith(op, "sub")

    def op_mul(self, op: Operation) -> None:
        self.arith(op, "mul")

    def arith(self, op: Operation, what: str) -> None:
        a, b, k = self.numeric(op)
        if k == "float":
            cls = {"add": llvm.FAddOp, "sub": llvm.FSubOp, "mul": llvm.FMulOp}[what]
            self.define(op, self.v(cls(a, b)))
            return
        pair = llvm.LLVMStructType.from_type_list([i64, i1])
        r = self.v(llvm.CallIntrinsicOp(f"llvm.s{what}.with.overflow.i64", [a, b], [pair]))
        value = self.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [0]), r, i64))
        over = self.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [1]), r, i1))
        self.fail_if(over, op, op.name, a, b, ("int", "int"))
        self.define(op, value)

    def op_div(self, op: Operation) -> None:
        a, b, k = self.numeric(op)
        kinds = (self.kind(op.operands[0]), self.kind(op.operands[1]))
        ra, rb = self.val(op.operands[0]), self.val(op.operands[1])
        if k == "float":
            zero = self.v(llvm.FCmpOp(b, self.const(0.0, "float"), "oeq"))
            self.fail_if(zero, op, "ruff.div", ra, rb, kinds)
            self.define(op, self.v(llvm.FDivOp(a, b)))
            return
        self.fail_if(self.int_div_fails(a, b), op, "ruff.div", a, b, kinds)
        self.define(op, self.v(llvm.SDivOp(a, b)))

    def int_div_fails(self, a: SSAValue, b: SSAValue) -> SSAValue:
        """b == 0, or a == MIN and b == -1 (the one i64 quotient that overflows)."""
        zero = self.v(llvm.ICmpOp(b, self.const(0, "int"), icmp_pred("eq")))
        amin = self.v(llvm.ICmpOp(a, self.const(I64_MIN, "int"), icmp_pred("eq")))
        bm1 = self.v(llvm.ICmpOp(b, self.const(-1, "int"), icmp_pred("eq")))
        both = self.v(llvm.AndOp(amin, bm1))
        return self.v(llvm.OrOp(zero, both))

    def op_mod(self, op: Operation) -> None:
        a, b, k = self.numeric(op)
        kinds = (self.kind(op.operands[0]), self.kind(op.operands[1]))
        ra, rb = self.val(op.operands[0]), self.val(op.operands[1])
        if k == "float":
            zero = self.v(llvm.FCmpOp(b, self.const(0.0, "float"), "oeq"))
            self.fail_if(zero, op, "ruff.mod", ra, rb, kinds)
            self.define(op, self.v(llvm.FRemOp(a, b)))   # frem is C's fmod
            return
        self.fail_if(self.int_div_fails(a, b), op, "ruff.mod", a, b, kinds)
        # srem has the dividend's sign, as Ruff; x % -1 is 0 (srem MIN, -1 is UB: avoid)
        bm1 = self.v(llvm.ICmpOp(b, self.const(-1, "int"), icmp_pred("eq")))
        safe = self.v(llvm.SelectOp(bm1, self.const(1, "int"), b))
        self.define(op, self.v(llvm.SRemOp(a, safe)))

    def op_neg(self, op: Operation) -> None:
        a = self.val(op.operands[0])
        if self.kind(op.operands[0]) == "float":
            self.define(op, self.v(llvm.FNegOp(a)))
            return
        amin = self.v(llvm.ICmpOp(a, self.const(I64_MIN, "int"), icmp_pred("eq")))
        self.fail_if(amin, op, "ruff.neg", a, a, ("int",), nargs=1)
        self.define(op, self.v(llvm.SubOp(self.const(0, "int"), a)))

    # ---- comparisons

    def compare(self, op: Operation) -> None:
        ka, kb = (self.kind(v) for v in op.operands)
        name = op.name
        if name in ("ruff.eq", "ruff.ne"):
            r = self.equal(op, ka, kb)
            if name == "ruff.ne":
                r = self.v(llvm.XOrOp(r, self.const(True, "bool")))
            self.define(op, r)
            return
        a, b, k = self.numeric(op)
        if k == "float":
            self.define(op, self.v(llvm.FCmpOp(a, b, FCMP[name])))
        else:
            self.define(op, self.v(llvm.ICmpOp(a, b, icmp_pred(ICMP[name]))))

    def equal(self, op: Operation, ka: str, kb: str) -> SSAValue:
        """Ruff == (semantics.eq) on native kinds."""
        num = ("int", "float")
        if ka in num and kb in num:
            a, b, k = self.numeric(op)
            if k == "int":
                return self.v(llvm.ICmpOp(a, b, icmp_pred("eq")))
            same = self.v(llvm.FCmpOp(a, b, "oeq"))
            diff = self.v(llvm.FSubOp(a, b))
            mag = self.v(llvm.FAbsOp(diff, f64))
            close = self.v(llvm.FCmpOp(mag, self.const(EPSILON, "float"), "olt"))
            return self.v(llvm.OrOp(same, close))
        if ka in ("bool", "i1") and kb in ("bool", "i1"):
            a, b = (self.val(v) for v in op.operands)
            return self.v(llvm.ICmpOp(a, b, icmp_pred("eq")))
        return self.const(False, "bool")   # a bool is never equal to a number

    op_lt = op_le = op_gt = op_ge = op_eq = op_ne = compare

    def op_not(self, op: Operation) -> None:
        self.define(op, self.v(llvm.XOrOp(self.val(op.operands[0]), self.const(True, "bool"))))

    def op_truthy(self, op: Operation) -> None:
        v = op.operands[0]
        k = self.kind(v)
        x = self.val(v)
        if k == "int":
            x = self.v(llvm.ICmpOp(x, self.const(0, "int"), icmp_pred("ne")))
        elif k == "float":
            x = self.v(llvm.FCmpOp(x, self.const(0.0, "float"), "une"))   # NaN is truthy
        self.define(op, x)

    def op_box_bool(self, op: Operation) -> None:
        self.define(op, self.val(op.operands[0]))

    def op_is_null(self, op: Operation) -> None:
        self.define(op, self.const(False, "bool"))   # native values are never null
