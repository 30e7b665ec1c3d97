"""Lowering of typed int/float arrays: literals, index reads and writes, `push`.

Arrays are CPython `RArray` objects read and written in place (layout in
`rufc.runtime.helpers.array_layout`), copied first when shared (the ownership rule
in `base.py` and docs/jit.md).
"""
from __future__ import annotations

from xdsl.dialects import llvm
from xdsl.dialects.builtin import i8, i64
from xdsl.ir import Operation, SSAValue

from rufc.passes.lowering.arith import (
    ArithLowering,
)
from rufc.passes.lowering.common import (
    PTR,
    TYPES,
    LoweringError,
    attr_str,
    attr_strs,
    icmp_pred,
)
from rufc.runtime import helpers as H


class ArrayLowering(ArithLowering):
    """Lowering of typed int/float arrays: literals, index reads and writes, `push`."""

    # ---- arrays: literals, writes, push (copy on write, see the ownership rule above)

    def own(self, op: Operation, slot: int) -> SSAValue:
        """The slot's array, copied first unless the slot alone holds it."""
        p = self.v(llvm.LoadOp(self.slots[slot], PTR))
        shared, done = self.new_block(), self.new_block()
        self.emit(llvm.CondBrOp(self.unique(p), done, [], shared, []))
        self.goto(shared)
        self.declare("ruff_rt_array_copy")
        self.before_helper(self.site(op, "op", name="copy"))   # the copy may fail (memory)
        q = self.v(llvm.IntToPtrOp(self.v(llvm.CallOp(
            "ruff_rt_array_copy", self.v(llvm.PtrToIntOp(p, i64)), return_type=i64))))
        self.check_error()
        self.emit(llvm.StoreOp(q, self.slots[slot]))
        self.decref(p)
        self.emit(llvm.BrOp(done))
        self.goto(done)
        return self.v(llvm.LoadOp(self.slots[slot], PTR))

    def op_make_array(self, op: Operation) -> None:
        """An array literal, built by the helper with the typed storage of the variable
        it is stored into (a new reference, which that store takes over)."""
        kind = attr_str(op, "ruff.literal_kind")
        kinds, consts = self.arg_slots(tuple(op.operands))
        site = self.site(op, "builtin", name="array", arg_kinds=kinds, consts=consts,
                         nargs=len(op.operands), result=kind)
        self.before_helper(site)
        self.declare("ruff_rt_make_array")
        r = self.v(llvm.CallOp("ruff_rt_make_array", self.const(site, "int"), self.argv,
                               return_type=i64))
        self.check_error()
        p = self.v(llvm.IntToPtrOp(r))
        self.owned.add(p)
        self.define(op, p)

    def op_update_path(self, op: Operation) -> None:
        """`a[i] := v` on a typed array variable: the VM's bounds error, copy on
        write, then a store into the buffer."""
        value, index = op.operands
        slot = int(attr_strs(op, "chain")[0][1:])
        kind = self.slot_kinds[slot]
        elem = "float" if kind == "array:float" else "int"
        p = self.v(llvm.LoadOp(self.slots[slot], PTR))
        idx = self.val(index)
        real = self.checked_index(op, p, idx, kind, "ruff.set_index")
        p = self.own(op, slot)
        items = self.array_parts(p)[1]
        ptr = self.v(llvm.GEPOp(items, [llvm.GEP_USE_SSA_VAL], TYPES[elem], ssa_indices=[real]))
        self.emit(llvm.StoreOp(self.val(value), ptr))

    def push(self, op: Operation, slot: int) -> None:
        """`a := push(a, x)` (the idiom; the store that follows is skipped): append in
        the buffer when the variable alone holds the array and there is room (what
        array.append does, without a call), else the helper (copy, or grow)."""
        layout = H.array_layout()
        assert layout is not None
        kind = self.slot_kinds[slot]
        elem = "float" if kind == "array:float" else "int"
        x = self.val(op.operands[1])
        p = self.v(llvm.LoadOp(self.slots[slot], PTR))
        data = self.v(llvm.LoadOp(self.v(llvm.GEPOp(p, [layout.data], i8)), PTR))
        size_ptr = self.v(llvm.GEPOp(data, [layout.size], i8))
        size = self.v(llvm.LoadOp(size_ptr, i64))
        cap = self.v(llvm.LoadOp(self.v(llvm.GEPOp(data, [layout.allocated], i8)), i64))
        exports = self.v(llvm.LoadOp(self.v(llvm.GEPOp(data, [layout.exports], i8)), i64))
        unique = self.unique(p)
        room = self.v(llvm.ICmpOp(size, cap, icmp_pred("slt")))
        free = self.v(llvm.ICmpOp(exports, self.const(0, "int"), icmp_pred("eq")))
        fast = self.v(llvm.AndOp(unique, self.v(llvm.AndOp(room, free))))
        inline, slow, done = self.new_block(), self.new_block(), self.new_block()
        self.emit(llvm.CondBrOp(fast, inline, [], slow, []))
        self.goto(inline)
        items = self.v(llvm.LoadOp(self.v(llvm.GEPOp(data, [layout.items], i8)), PTR))
        at = self.v(llvm.GEPOp(items, [llvm.GEP_USE_SSA_VAL], TYPES[elem], ssa_indices=[size]))
        self.emit(llvm.StoreOp(x, at))
        self.emit(llvm.StoreOp(self.v(llvm.AddOp(size, self.const(1, "int"))), size_ptr))
        self.emit(llvm.BrOp(done))
        self.goto(slow)
        site = self.site(op, "builtin", name=attr_str(op, "callee"), arg_kinds=(kind, elem), nargs=2)
        self.before_helper(site)
        self.declare("ruff_rt_array_push")
        flag = self.v(llvm.ZExtOp(unique, i64))
        q = self.v(llvm.CallOp("ruff_rt_array_push", self.const(site, "int"),
                               self.v(llvm.PtrToIntOp(p, i64)), self.bits(x, elem), flag,
                               return_type=i64))
        self.check_error()
        self.emit(llvm.StoreOp(self.v(llvm.IntToPtrOp(q)), self.slots[slot]))
        self.decref(p)
        self.emit(llvm.BrOp(done))
        self.goto(done)
        self.define(op, self.v(llvm.LoadOp(self.slots[slot], PTR)))

    # ---- typed arrays (read in place; see runtime/helpers.ArrayLayout)

    def array_parts(self, arr: SSAValue) -> tuple[SSAValue, SSAValue]:
        """(length, element buffer) of a typed RArray."""
        layout = H.array_layout()
        if layout is None:
            raise LoweringError("typed arrays are not supported on this Python")
        data_slot = self.v(llvm.GEPOp(arr, [layout.data], i8))
        data = self.v(llvm.LoadOp(data_slot, PTR))
        size = self.v(llvm.LoadOp(self.v(llvm.GEPOp(data, [layout.size], i8)), i64))
        items = self.v(llvm.LoadOp(self.v(llvm.GEPOp(data, [layout.items], i8)), PTR))
        return size, items

    def checked_index(self, op: Operation, arr: SSAValue, idx: SSAValue, kind: str,
                      name: str) -> SSAValue:
        """The element position of index idx (negative counts from the end); out of
        range raises the VM's error (`name` is the semantics operation)."""
        size = self.array_parts(arr)[0]
        neg = self.v(llvm.ICmpOp(idx, self.const(0, "int"), icmp_pred("slt")))
        wrapped = self.v(llvm.AddOp(idx, size))
        real = self.v(llvm.SelectOp(neg, wrapped, idx))
        # unsigned compare: real < 0 or real >= size in one test
        bad = self.v(llvm.ICmpOp(real, size, icmp_pred("uge")))
        self.fail_if(bad, op, name, arr, idx, (kind, "int"))
        return real

    def op_get_index(self, op: Operation) -> None:
        """a[i]: a negative i counts from the end; out of range raises the VM's error."""
        a, i = op.operands
        arr, idx = self.val(a), self.val(i)
        real = self.checked_index(op, arr, idx, self.kind(a), "ruff.get_index")
        items = self.array_parts(arr)[1]
        elem = "float" if self.kind(a) == "array:float" else "int"
        ptr = self.v(llvm.GEPOp(items, [llvm.GEP_USE_SSA_VAL], TYPES[elem], ssa_indices=[real]))
        self.define(op, self.v(llvm.LoadOp(ptr, TYPES[elem])))
