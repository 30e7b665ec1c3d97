"""The lowering's machinery: blocks, constants, slots, sites, the error protocol.

Every op family (arith, arrays, calls, control) builds on `LoweringBase`; the
dispatch is by name (`ruff.add` -> `op_add`), so the lowering of an op is found by
grepping for `op_<name>` in this folder.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xdsl.dialects import llvm
from xdsl.dialects.builtin import DenseArrayBase, FloatAttr, IntegerAttr, f64, i1, i32, i64
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from rufc.passes.lowering.common import (
    ARRAYS,
    FLOAT_SENTINEL_BITS,
    INT_SENTINEL,
    PTR,
    TYPES,
    LoopTargets,
    LoweringError,
    attr_str,
    attr_strs,
    float_bits,
    icmp_pred,
    is_boxed,
    is_terminator,
    ltype,
    native_result,
    op_pos,
    ret_type,
)
from rufc.runtime import helpers as H


def refslot(kind: str) -> bool:
    """Does a variable of this kind hold a reference (an array or a boxed value)?"""
    return kind in ARRAYS or is_boxed(kind)


@dataclass
class LoweringBase:
    """State and shared emitters for lowering one annotated ruff.func (see the op families)."""
    func: Operation
    out: list[Operation]
    declare: Callable[[str], None]          # make sure a helper is declared
    declare_native: Callable[[str, list[Attribute], Attribute], None]
    values: dict[SSAValue, SSAValue] = field(default_factory=dict)
    kinds: dict[SSAValue, str] = field(default_factory=dict)
    loops: list[LoopTargets] = field(default_factory=list)

    def __post_init__(self) -> None:
        f = self.func
        self.symbol = attr_str(f, "ruff.symbol")
        self.name = attr_str(f, "name")
        self.param_kinds = attr_strs(f, "ruff.param_kinds")
        self.slot_kinds = attr_strs(f, "ruff.slot_kinds")
        self.result_kind = attr_str(f, "ruff.result_kind")
        self.rtype = ret_type(self.result_kind)
        # a closure's cells (its free variables) come after its parameters
        self.nfree = len(attr_strs(f, "free"))
        self.cell_slots: set[int] = set()   # slots that hold a cell (boxed.py)
        self.body = Region()
        self.entry = Block(arg_types=[i64, i64, *(ltype(k) for k in self.param_kinds),
                                      *([PTR] * self.nfree)])
        self.body.add_block(self.entry)
        self.block = self.entry
        self.slots: dict[int, SSAValue] = {}
        self.prologue: list[Operation] = []   # allocas, placed first in the entry block
        self.consts: dict[tuple[Any, ...], SSAValue] = {}
        self.owned: set[SSAValue] = set()   # new array references a store takes over
        # the shared blocks that raise an operator's error, one per unwind target (the
        # function's, or a `try`'s handler: passes/lowering/boxed.py)
        self.fails: dict[int, Block] = {}
        self.countdown: SSAValue | None = None   # iterations until loops poll (see poll)
        self.base: SSAValue | None = None
        self.state_ptrs: dict[int, SSAValue] = {}

    # ------------------------------------------------------------ emitting

    def emit(self, op: Operation) -> Operation:
        self.block.add_op(op)
        return op

    def v(self, op: Operation) -> SSAValue:
        return self.emit(op).results[0]

    def const(self, value: int | float | bool, kind: str) -> SSAValue:
        """A constant, made once per function in the entry block."""
        if kind == "float":
            key: tuple[Any, ...] = ("f", float_bits(float(value)))
        elif kind in ("bool", "i1"):
            key = ("b", bool(value))
        else:
            key = ("i", int(value))
        c = self.consts.get(key)
        if c is None:
            if kind == "float":
                op = llvm.ConstantOp(FloatAttr(float(value), f64), f64)
            elif kind in ("bool", "i1"):
                op = llvm.ConstantOp(IntegerAttr(int(bool(value)), i1), i1)
            else:
                op = llvm.ConstantOp(IntegerAttr(int(value), i64), i64)
            self.prologue.append(op)
            c = self.consts[key] = op.results[0]
        return c

    def alloca(self, t: Attribute, n: int = 1, init: int | None = None) -> SSAValue:
        """A stack slot, allocated once per call in the entry block (SROA promotes it),
        holding `init` from the start if given."""
        size = llvm.ConstantOp(IntegerAttr(n, i64), i64)
        op = llvm.AllocaOp(size, t, alignment=8)
        self.prologue += [size, op]
        if init is not None:
            value = llvm.ConstantOp(IntegerAttr(init, i64), i64)
            self.prologue += [value, llvm.StoreOp(value.results[0], op.results[0])]
        return op.results[0]

    def new_block(self, args: list[Attribute] | None = None) -> Block:
        b = Block(arg_types=args or [])
        self.body.add_block(b)
        return b

    def goto(self, block: Block) -> None:
        """Continue emitting in `block`."""
        self.block = block

    def terminated(self) -> bool:
        last = self.block.last_op
        return last is not None and last.has_trait(is_terminator())

    def br(self, dest: Block, *args: SSAValue) -> None:
        if not self.terminated():
            self.emit(llvm.BrOp(dest, *args))

    def state_ptr(self, index: int | SSAValue) -> SSAValue:
        """&ruff_rt_state[index] (constant indices: once per function)."""
        if self.base is None:
            op = llvm.AddressOfOp("ruff_rt_state", PTR)
            self.prologue.append(op)
            self.base = op.results[0]
        if isinstance(index, int):
            if index == 0:
                return self.base
            ptr = self.state_ptrs.get(index)
            if ptr is None:
                gep = llvm.GEPOp(self.base, [index], i64)
                self.prologue.append(gep)
                ptr = self.state_ptrs[index] = gep.results[0]
            return ptr
        return self.v(llvm.GEPOp(self.base, [llvm.GEP_USE_SSA_VAL], i64, ssa_indices=[index]))

    def set_site(self, site: int) -> None:
        """shadow[depth] := site: where this frame is, for a traceback."""
        self.emit(llvm.StoreOp(self.const(site, "int"), self.shadow))

    def before_helper(self, site: int | SSAValue) -> None:
        """A helper may raise or run Ruff code: it learns this frame's depth and
        position from memory (state[DEPTH], the shadow stack)."""
        self.emit(llvm.StoreOp(self.depth, self.state_ptr(H.DEPTH)))
        if isinstance(site, int):
            self.set_site(site)
        else:
            self.emit(llvm.StoreOp(site, self.shadow))

    def check_error(self) -> None:
        """After a helper call: an error is pending -> unwind."""
        flag = self.v(llvm.LoadOp(self.state_ptr(H.ERR), i64))
        bad = self.v(llvm.ICmpOp(flag, self.const(0, "int"), icmp_pred("ne")))
        ok = self.new_block()
        self.emit(llvm.CondBrOp(bad, self.unwind, [], ok, []))
        self.goto(ok)

    def site(self, op: Operation, kind: str, **kw: Any) -> int:
        line, col = op_pos(op)
        return H.add_site(H.Site(kind, self.name, line, col, **kw))

    def fail_if(self, cond: SSAValue, op: Operation, name: str, a: SSAValue, b: SSAValue,
                kinds: tuple[str, ...], nargs: int = 2) -> None:
        """If cond: raise the error of `name(a, b)` (computed by semantics) and unwind.
        All failing operators of a function share one block (fewer ops to build)."""
        fail = self.fails.get(id(self.unwind))
        if fail is None:
            fail = self.fails[id(self.unwind)] = Block(arg_types=[i64, i64, i64])
            self.body.add_block(fail)
            saved = self.block
            self.goto(fail)
            fail_site, x, y = fail.args
            self.before_helper(fail_site)
            self.declare("ruff_rt_fail")
            self.emit(llvm.CallOp("ruff_rt_fail", fail_site, x, y, return_type=i64))
            self.emit(llvm.BrOp(self.unwind))
            self.goto(saved)
        site = self.site(op, "op", name=name, arg_kinds=kinds, nargs=nargs)
        ok = self.new_block()
        args = [self.const(site, "int"), self.bits(a, kinds[0]),
                self.bits(b, kinds[1] if len(kinds) > 1 else kinds[0])]
        self.emit(llvm.CondBrOp(cond, fail, args, ok, []))
        self.goto(ok)

    def bits(self, v: SSAValue, kind: str) -> SSAValue:
        """v as an i64 argument slot."""
        if kind == "float":
            return self.v(llvm.BitcastOp(v, i64))
        if kind.startswith("array:"):
            return self.v(llvm.PtrToIntOp(v, i64))
        if kind in ("bool", "i1"):
            return self.v(llvm.ZExtOp(v, i64))
        return v

    def unbits(self, v: SSAValue, kind: str) -> SSAValue:
        if kind == "float":
            return self.v(llvm.BitcastOp(v, f64))
        if kind in ("bool", "i1"):
            return self.v(llvm.TruncOp(v, i1))
        return v

    # ------------------------------------------------------------ the function

    def lower(self) -> None:
        """The function: rf_<name>(i64 depth, i64 limit, args...) -> {result, i1 error}.

        The caller passes this frame's depth (its own + 1) and the segment's depth
        limit in registers, and the error flag comes back in a register beside the
        result: a native call costs no memory traffic for any of them. Memory learns
        the depth only before a helper call. The caller checks the depth against the
        limit before the call (see direct_call), so a function that returns at once
        saves no registers."""
        self.depth, self.limit = self.entry.args[0], self.entry.args[1]
        slot = self.v(llvm.AddOp(self.depth, self.const(H.SHADOW, "int")))
        self.shadow = self.state_ptr(slot)   # this frame's shadow stack entry
        for i, k in enumerate(self.slot_kinds):
            if k in TYPES or is_boxed(k):
                self.slots[i] = self.alloca(ltype(k))
                if refslot(k):   # no reference yet (Py_DecRef(NULL) does nothing)
                    self.emit(llvm.StoreOp(self.v(llvm.ZeroOp.create(result_types=[PTR])), self.slots[i]))
        for i, k in enumerate(self.param_kinds):
            if i in self.cell_slots:
                continue   # its cell is made as the body starts (enter_body)
            if ltype(k) != ltype(self.slot_kinds[i]):
                # e.g. an int argument of a variable that may also hold a string: the
                # variable holds it boxed (its own reference)
                self.store(i, self.entry.args[i + 2], k)
                continue
            if refslot(k):
                self.incref(self.entry.args[i + 2])
            self.emit(llvm.StoreOp(self.entry.args[i + 2], self.slots[i]))
        self.argv = self.alloca(i64, 16)
        self.unwind = self.new_block()
        start = self.new_block()
        self.emit(llvm.BrOp(start))
        self.goto(self.unwind)
        self.release_arrays()
        self.emit(llvm.ReturnOp(self.pair(self.zero(self.result_kind), True)))
        self.goto(start)
        self.enter_body()
        self.region(self.func.regions[0])
        if not self.terminated():   # falls off the end: null
            v = self.null_result()
            self.release_arrays()
            self.emit(llvm.ReturnOp(self.pair(v, False)))
        first = self.entry.first_op
        assert first is not None
        self.entry.insert_ops_before(self.prologue, first)
        ftype = llvm.LLVMFunctionType([i64, i64, *(ltype(k) for k in self.param_kinds),
                                       *([PTR] * self.nfree)],
                                      native_result(self.result_kind))
        self.out.append(llvm.FuncOp(self.symbol, ftype, linkage=llvm.LinkageAttr("external"),
                                    body=self.body))
        self.out.append(self.entry_function())

    def enter_body(self) -> None:
        """Before the body's first op (the error protocol is ready): boxed.py makes the
        function's cells here."""

    def pair(self, value: SSAValue, error: bool | SSAValue) -> SSAValue:
        """The {result, error} a native function returns."""
        t = native_result(self.result_kind)
        undef = self.v(llvm.UndefOp(t))
        with_value = self.v(llvm.InsertValueOp(DenseArrayBase.from_list(i64, [0]), undef, value))
        flag = self.const(error, "bool") if isinstance(error, bool) else error
        return self.v(llvm.InsertValueOp(DenseArrayBase.from_list(i64, [1]), with_value, flag))

    def null_result(self) -> SSAValue:
        """What a `return` without a value (or the end of the body) returns: nothing
        a caller reads for an unboxed result kind (BoxedLowering: the null object)."""
        return self.zero(self.result_kind)

    def zero(self, kind: str) -> SSAValue:
        if ret_type(kind) == PTR:
            return self.null_ptr()
        return self.const(0, kind if kind in TYPES else "int")

    def boxed_const(self, value: Any) -> SSAValue:   # passes/lowering/boxed.py
        raise NotImplementedError

    def sentinel_object(self) -> Any:   # passes/lowering/boxed.py
        raise NotImplementedError

    def null_ptr(self) -> SSAValue:
        """NULL, made once per function in the entry block."""
        c = self.consts.get(("p", 0))
        if c is None:
            op = llvm.ZeroOp.create(result_types=[PTR])
            self.prologue.append(op)
            c = self.consts[("p", 0)] = op.results[0]
        return c

    def entry_function(self) -> Operation:
        """re_<name>: the entry from Python. Pushes an entry marker on the shadow
        stack, calls the function, and returns its result as i64 (f64 for floats),
        or a sentinel when an error is pending."""
        entry_kinds = self.param_kinds
        arg_types = [*(ltype(k) for k in entry_kinds), *([PTR] * self.nfree)]
        body = Region()
        blk = Block(arg_types=arg_types)
        body.add_block(blk)
        saved = (self.body, self.block, self.prologue, self.consts, self.base, self.state_ptrs)
        self.body, self.block = body, blk
        self.prologue, self.consts, self.base, self.state_ptrs = [], {}, None, {}
        dptr = self.state_ptr(H.DEPTH)
        d = self.v(llvm.LoadOp(dptr, i64))
        d1 = self.v(llvm.AddOp(d, self.const(1, "int")))
        mark = self.v(llvm.AddOp(d1, self.const(H.SHADOW, "int")))
        self.emit(llvm.StoreOp(self.const(H.MARKER, "int"), self.state_ptr(mark)))
        # a new segment: its own base (saved and restored) and depth limit
        seg_ptr = self.state_ptr(H.SEGMENT)
        old_seg = self.v(llvm.LoadOp(seg_ptr, i64))
        self.emit(llvm.StoreOp(d1, seg_ptr))
        # native frames this segment may run: as many as the VM would run Ruff frames
        # from here, each leaving helpers.DEPTH_HEADROOM levels of CPython's
        # recursion_remaining (see helpers.NativeState, codegen.DEPTH_TRIP)
        remp = self.v(llvm.IntToPtrOp(self.v(llvm.LoadOp(self.state_ptr(H.REMAINING), i64))))
        remaining = self.v(llvm.SExtOp(self.v(llvm.LoadOp(remp, i32)), i64))
        allowed = self.v(llvm.AddOp(remaining, self.const(2 - H.DEPTH_HEADROOM, "int")))
        wanted = self.v(llvm.AddOp(d1, allowed))
        # never deeper than the shadow stack (a bounds check: NativeState, CAPACITY)
        cap = self.v(llvm.LoadOp(self.state_ptr(H.CAPACITY), i64))
        over = self.v(llvm.ICmpOp(wanted, cap, icmp_pred("sgt")))
        limit = self.v(llvm.SelectOp(over, cap, wanted))
        first = self.v(llvm.AddOp(d1, self.const(1, "int")))
        # no room for the segment's first frame (the Python entry code only calls with
        # room, see tiering._entry_code; this keeps every write in the shadow stack):
        # the VM's error, with no native frame
        deep_blk, call_blk = Block(), Block()
        body.add_block(deep_blk)
        body.add_block(call_blk)
        too_deep = self.v(llvm.ICmpOp(first, limit, icmp_pred("sgt")))
        self.emit(llvm.CondBrOp(too_deep, deep_blk, [], call_blk, []))
        self.goto(deep_blk)
        self.emit(llvm.StoreOp(d1, dptr))
        self.declare("ruff_rt_depth_check")
        self.emit(llvm.CallOp("ruff_rt_depth_check", return_type=i64))
        self.emit(llvm.StoreOp(old_seg, seg_ptr))
        self.emit(llvm.StoreOp(d, dptr))
        self.emit(llvm.ReturnOp(self.entry_sentinel()))
        self.goto(call_blk)
        pair = self.v(llvm.CallOp(self.symbol, first, limit, *blk.args,
                                  return_type=native_result(self.result_kind)))
        r = self.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [0]), pair, self.rtype))
        self.emit(llvm.StoreOp(old_seg, seg_ptr))
        self.emit(llvm.StoreOp(d, dptr))
        flag = self.v(llvm.LoadOp(self.state_ptr(H.ERR), i64))
        bad = self.v(llvm.ICmpOp(flag, self.const(0, "int"), icmp_pred("ne")))
        if ret_type(self.result_kind) == PTR:
            # a boxed result: a new reference; on error, the sentinel object (a new
            # reference too: ctypes' py_object result takes one over)
            out_t: Attribute = PTR
            bad_blk, ok_blk = Block(), Block()
            body.add_block(bad_blk)
            body.add_block(ok_blk)
            self.emit(llvm.CondBrOp(bad, bad_blk, [], ok_blk, []))
            self.goto(bad_blk)
            self.emit(llvm.ReturnOp(self.entry_sentinel()))
            self.goto(ok_blk)
            res = r
        else:
            out_t = f64 if self.result_kind == "float" else i64
            if self.result_kind in ("bool", "i1"):
                r = self.v(llvm.ZExtOp(r, i64))
            res = self.v(llvm.SelectOp(bad, self.entry_sentinel(), r))
        self.emit(llvm.ReturnOp(res))
        first_op = blk.first_op
        assert first_op is not None
        blk.insert_ops_before(self.prologue, first_op)
        (self.body, self.block, self.prologue, self.consts, self.base,
         self.state_ptrs) = saved
        ftype = llvm.LLVMFunctionType(arg_types, out_t)
        return llvm.FuncOp("re_" + self.symbol[3:], ftype, linkage=llvm.LinkageAttr("external"),
                           body=body)

    def entry_sentinel(self) -> SSAValue:
        """What the entry returns when an error is pending: for a boxed result the
        sentinel object (a new reference: ctypes' py_object result takes one over)."""
        if ret_type(self.result_kind) == PTR:
            sentinel = self.boxed_const(self.sentinel_object())
            self.incref(sentinel)
            return sentinel
        if self.result_kind == "float":
            return self.v(llvm.BitcastOp(self.const(FLOAT_SENTINEL_BITS, "int"), f64))
        return self.const(INT_SENTINEL, "int")

    # ------------------------------------------------------------ regions and ops

    def region(self, region: Region, args: list[SSAValue] | None = None) -> None:
        block = region.blocks.first
        if block is None:
            return
        for a, v in zip(block.args, args or []):
            self.values[a] = v
        for op in block.ops:
            if self.terminated():   # code after break/continue/return is dead
                self.goto(self.new_block())
            self.op(op)

    def kind(self, v: SSAValue) -> str:
        return self.kinds[v]

    def val(self, v: SSAValue) -> SSAValue:
        return self.values[v]

    def define(self, op: Operation, *vals: SSAValue) -> None:
        ks = attr_strs(op, "ruff.kinds")
        for res, v, k in zip(op.results, vals, ks):
            self.values[res] = v
            self.kinds[res] = k

    def op(self, op: Operation) -> None:
        name = op.name
        handler = getattr(self, "op_" + name[5:], None)
        if handler is None:
            raise LoweringError(f"no lowering for {name}")
        handler(op)

    def op_const(self, op: Operation) -> None:
        ks = attr_strs(op, "ruff.kinds")
        k = ks[0] if ks else "any"
        if k not in TYPES:   # a constant argument of a helper call: kept in the site
            self.kinds[op.results[0]] = k
            return
        from rufc.dialects.convert import _from_attr
        value = _from_attr(op, "value", "const", op.properties["value"])
        self.define(op, self.const(value, k))  # type: ignore[arg-type]

    def op_scope_enter(self, op: Operation) -> None:
        pass

    def op_load_var(self, op: Operation) -> None:
        chain = attr_strs(op, "chain")
        if chain and chain[0] in ("g", "b"):
            self.kinds[op.results[0]] = "function"   # only ever a callee
            return
        slot = int(chain[0][1:])
        self.define(op, self.v(llvm.LoadOp(self.slots[slot], ltype(self.slot_kinds[slot]))))

    def store(self, slot: int, v: SSAValue, kind: str) -> None:
        if refslot(self.slot_kinds[slot]):   # an array or boxed value: the slot owns one reference
            self.store_array(slot, self.convert(v, kind, self.slot_kinds[slot]))
            return
        self.emit(llvm.StoreOp(self.convert(v, kind, self.slot_kinds[slot]), self.slots[slot]))

    # ---- references to arrays
    #
    # Ownership rule: every array slot holds one reference of its own (taken when the
    # slot is assigned, including parameters on entry; released when it is assigned
    # again and on every way out of the function). SSA values are borrowed from the
    # slot they were loaded from. So a reference count of 1 means this variable alone
    # holds the array, and native code changes it in place exactly when that is so;
    # otherwise it copies first, as the VM's copy-on-write does (the VM may find more
    # arrays unshared than native code does, which only costs a copy).

    def incref(self, p: SSAValue) -> None:
        self.declare("Py_IncRef")
        self.emit(llvm.CallOp("Py_IncRef", p))

    def decref(self, p: SSAValue) -> None:
        self.declare("Py_DecRef")   # Py_DecRef(NULL) does nothing
        self.emit(llvm.CallOp("Py_DecRef", p))

    def store_array(self, slot: int, p: SSAValue) -> None:
        if p in self.owned:   # a new array (a literal): the variable takes its reference
            self.owned.discard(p)
        else:
            self.incref(p)
        old = self.v(llvm.LoadOp(self.slots[slot], PTR))
        self.emit(llvm.StoreOp(p, self.slots[slot]))
        self.decref(old)

    def release_arrays(self) -> None:
        """Before leaving the function: drop the references the array slots hold."""
        for slot, k in enumerate(self.slot_kinds):
            if refslot(k) and slot in self.slots:
                self.decref(self.v(llvm.LoadOp(self.slots[slot], PTR)))

    def unique(self, p: SSAValue) -> SSAValue:
        """Is the array's reference count 1 (only this slot holds it)?"""
        rc = self.v(llvm.LoadOp(p, i64))
        return self.v(llvm.ICmpOp(rc, self.const(1, "int"), icmp_pred("eq")))

    def convert(self, v: SSAValue, have: str, want: str) -> SSAValue:
        if have == want or (have in ("bool", "i1") and want in ("bool", "i1")):
            return v
        raise LoweringError(f"cannot convert {have} to {want}")

    def op_store_var(self, op: Operation) -> None:
        if "ruff.push_store" in op.attributes:
            return   # the push already updated the variable
        chain = attr_strs(op, "chain")
        ref = chain[0] if chain else attr_str(op, "create")
        self.store(int(ref[1:]), self.val(op.operands[0]), self.kind(op.operands[0]))

    def op_declare_var(self, op: Operation) -> None:
        self.store(int(attr_str(op, "target")[1:]), self.val(op.operands[0]), self.kind(op.operands[0]))

    # ---- arithmetic

    def arg_slots(self, args: tuple[SSAValue, ...]) -> tuple[tuple[str, ...], dict[int, Any]]:
        """Store the native arguments into argv; constants go into the site."""
        from rufc.dialects.convert import _from_attr
        kinds: list[str] = []
        consts: dict[int, Any] = {}
        for i, a in enumerate(args):
            owner = a.owner
            if isinstance(owner, Operation) and owner.name == "ruff.const" \
                    and self.kind(a) not in TYPES:
                consts[i] = _from_attr(owner, "value", "const", owner.properties["value"])
                continue
            k = self.kind(a)
            slot = self.v(llvm.GEPOp(self.argv, [len(kinds)], i64))
            self.emit(llvm.StoreOp(self.bits(self.val(a), k), slot))
            kinds.append(k)
        if len(kinds) > 16:
            raise LoweringError("more than 16 native arguments in one call")
        return tuple(kinds), consts
