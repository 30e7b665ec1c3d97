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

from dataclasses import dataclass, field
from typing import Any, Callable, cast

from xdsl.context import Context
from xdsl.dialects import llvm
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseArrayBase,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    f64,
    i1,
    i8,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from rufc.runtime import helpers as H

PTR = llvm.LLVMPointerType()
_TYPES = {"int": i64, "float": f64, "bool": i1, "i1": i1, "array:int": PTR, "array:float": PTR}
_ICMP = {"ruff.lt": "slt", "ruff.le": "sle", "ruff.gt": "sgt", "ruff.ge": "sge",
         "ruff.eq": "eq", "ruff.ne": "ne"}
_FCMP = {"ruff.lt": "olt", "ruff.le": "ole", "ruff.gt": "ogt", "ruff.ge": "oge"}
EPSILON = 2.220446049250313e-16
_ARRAYS = ("array:int", "array:float")
_MATH = {"sqrt": 1, "abs": 1, "floor": 1, "ceil": 1, "min": 2, "max": 2}   # name -> arity
I64_MIN = -(1 << 63)
# What an entry function returns when an error is pending (Python then checks the
# error flag; a genuine result equal to the sentinel costs only that check).
INT_SENTINEL = -0x7A5C_0DE5_0000_0001
FLOAT_SENTINEL_BITS = 0x7FF8_DEAD_0000_0001   # a quiet NaN with a payload


class LoweringError(Exception):
    """The annotated IR has something this lowering cannot handle (a bug: the
    specialization's compilability check should have refused it)."""


def ret_type(kind: str) -> Attribute:
    return _TYPES.get(kind, i64)


def native_result(kind: str) -> Attribute:
    """What a native function returns: its result and the error flag."""
    return llvm.LLVMStructType.from_type_list([ret_type(kind), i1])


def _s(op: Operation, name: str) -> str:
    a = op.attributes.get(name) or op.properties.get(name)
    return cast(StringAttr, a).data if a is not None else ""


def _strs(op: Operation, name: str) -> tuple[str, ...]:
    a = op.attributes.get(name) or op.properties.get(name)
    if a is None:
        return ()
    return tuple(cast(StringAttr, x).data for x in cast(ArrayAttr[Attribute], a).data)


def _ints(op: Operation, name: str) -> tuple[int, ...]:
    a = op.properties.get(name)
    if a is None:
        return ()
    return tuple(cast(IntegerAttr, x).value.data for x in cast(ArrayAttr[Attribute], a).data)


def _pos(op: Operation) -> tuple[int, int]:
    from rufc.dialects.convert import _file_line_col
    where = _file_line_col(op.location)
    return (where[1], where[2]) if where else (0, 0)


@dataclass
class _Loop:
    next: Block     # where `continue` goes
    exit: Block     # where `break` goes


@dataclass
class FunctionLowering:
    """Lowers one annotated ruff.func into llvm.func ops appended to `out`."""
    func: Operation
    out: list[Operation]
    declare: Callable[[str], None]          # make sure a helper is declared
    declare_native: Callable[[str, list[Attribute], Attribute], None]
    values: dict[SSAValue, SSAValue] = field(default_factory=dict)
    kinds: dict[SSAValue, str] = field(default_factory=dict)
    loops: list[_Loop] = field(default_factory=list)

    def __post_init__(self) -> None:
        f = self.func
        self.symbol = _s(f, "ruff.symbol")
        self.name = _s(f, "name")
        self.param_kinds = _strs(f, "ruff.param_kinds")
        self.slot_kinds = _strs(f, "ruff.slot_kinds")
        self.result_kind = _s(f, "ruff.result_kind")
        self.rtype = ret_type(self.result_kind)
        self.body = Region()
        self.entry = Block(arg_types=[i64, i64, *(_TYPES[k] for k in self.param_kinds)])
        self.body.add_block(self.entry)
        self.block = self.entry
        self.slots: dict[int, SSAValue] = {}
        self.prologue: list[Operation] = []   # allocas, placed first in the entry block
        self.consts: dict[tuple[Any, ...], SSAValue] = {}
        self.owned: set[SSAValue] = set()   # new array references a store takes over
        self.fail: Block | None = None   # the shared block that raises an operator's error
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
            key: tuple[Any, ...] = ("f", _float_bits(float(value)))
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
        return last is not None and last.has_trait(_is_terminator())

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
        bad = self.v(llvm.ICmpOp(flag, self.const(0, "int"), _pred("ne")))
        ok = self.new_block()
        self.emit(llvm.CondBrOp(bad, self.unwind, [], ok, []))
        self.goto(ok)

    def site(self, op: Operation, kind: str, **kw: Any) -> int:
        line, col = _pos(op)
        return H.add_site(H.Site(kind, self.name, line, col, **kw))

    def fail_if(self, cond: SSAValue, op: Operation, name: str, a: SSAValue, b: SSAValue,
                kinds: tuple[str, ...], nargs: int = 2) -> None:
        """If cond: raise the error of `name(a, b)` (computed by semantics) and unwind.
        All failing operators of a function share one block (fewer ops to build)."""
        if self.fail is None:
            self.fail = Block(arg_types=[i64, i64, i64])
            self.body.add_block(self.fail)
            saved = self.block
            self.goto(self.fail)
            site, x, y = self.fail.args
            self.before_helper(site)
            self.declare("ruff_rt_fail")
            self.emit(llvm.CallOp("ruff_rt_fail", site, x, y, return_type=i64))
            self.emit(llvm.BrOp(self.unwind))
            self.goto(saved)
        site = self.site(op, "op", name=name, arg_kinds=kinds, nargs=nargs)
        ok = self.new_block()
        args = [self.const(site, "int"), self.bits(a, kinds[0]),
                self.bits(b, kinds[1] if len(kinds) > 1 else kinds[0])]
        self.emit(llvm.CondBrOp(cond, self.fail, args, ok, []))
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
            if k in _TYPES:
                self.slots[i] = self.alloca(_TYPES[k])
                if k in _ARRAYS:   # no reference yet (Py_DecRef(NULL) does nothing)
                    self.emit(llvm.StoreOp(self.v(llvm.ZeroOp.create(result_types=[PTR])), self.slots[i]))
        for i, k in enumerate(self.param_kinds):
            if k in _ARRAYS:
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
        self.region(self.func.regions[0])
        if not self.terminated():   # falls off the end: null
            self.release_arrays()
            self.emit(llvm.ReturnOp(self.pair(self.zero(self.result_kind), False)))
        first = self.entry.first_op
        assert first is not None
        self.entry.insert_ops_before(self.prologue, first)
        ftype = llvm.LLVMFunctionType([i64, i64, *(_TYPES[k] for k in self.param_kinds)],
                                      native_result(self.result_kind))
        self.out.append(llvm.FuncOp(self.symbol, ftype, linkage=llvm.LinkageAttr("external"),
                                    body=self.body))
        self.out.append(self.entry_function())

    def pair(self, value: SSAValue, error: bool | SSAValue) -> SSAValue:
        """The {result, error} a native function returns."""
        t = native_result(self.result_kind)
        undef = self.v(llvm.UndefOp(t))
        with_value = self.v(llvm.InsertValueOp(DenseArrayBase.from_list(i64, [0]), undef, value))
        flag = self.const(error, "bool") if isinstance(error, bool) else error
        return self.v(llvm.InsertValueOp(DenseArrayBase.from_list(i64, [1]), with_value, flag))

    def zero(self, kind: str) -> SSAValue:
        return self.const(0, kind if kind in _TYPES else "int")

    def entry_function(self) -> Operation:
        """re_<name>: the entry from Python. Pushes an entry marker on the shadow
        stack, calls the function, and returns its result as i64 (f64 for floats),
        or a sentinel when an error is pending."""
        entry_kinds = self.param_kinds
        body = Region()
        blk = Block(arg_types=[_TYPES[k] for k in entry_kinds])
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
        # native frames this segment may run: as many as the VM could push Python
        # frames from here (CPython's recursion_remaining; see helpers.NativeState)
        # (+1: the segment's first frame is the entry's own call, whose Python frame
        # is already counted)
        remp = self.v(llvm.IntToPtrOp(self.v(llvm.LoadOp(self.state_ptr(H.REMAINING), i64))))
        remaining = self.v(llvm.SExtOp(self.v(llvm.LoadOp(remp, i32)), i64))
        allowed = self.v(llvm.AddOp(remaining, self.const(1, "int")))
        limit = self.v(llvm.AddOp(d1, allowed))
        first = self.v(llvm.AddOp(d1, self.const(1, "int")))
        pair = self.v(llvm.CallOp(self.symbol, first, limit, *blk.args,
                                  return_type=native_result(self.result_kind)))
        r = self.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [0]), pair, self.rtype))
        self.emit(llvm.StoreOp(old_seg, seg_ptr))
        self.emit(llvm.StoreOp(d, dptr))
        flag = self.v(llvm.LoadOp(self.state_ptr(H.ERR), i64))
        bad = self.v(llvm.ICmpOp(flag, self.const(0, "int"), _pred("ne")))
        if self.result_kind == "float":
            sentinel = self.v(llvm.BitcastOp(self.const(FLOAT_SENTINEL_BITS, "int"), f64))
            out_t: Attribute = f64
        else:
            sentinel = self.const(INT_SENTINEL, "int")
            out_t = i64
            if self.result_kind in ("bool", "i1"):
                r = self.v(llvm.ZExtOp(r, i64))
        res = self.v(llvm.SelectOp(bad, sentinel, r))
        self.emit(llvm.ReturnOp(res))
        first = blk.first_op
        assert first is not None
        blk.insert_ops_before(self.prologue, first)
        (self.body, self.block, self.prologue, self.consts, self.base,
         self.state_ptrs) = saved
        ftype = llvm.LLVMFunctionType([_TYPES[k] for k in entry_kinds], out_t)
        return llvm.FuncOp("re_" + self.symbol[3:], ftype, linkage=llvm.LinkageAttr("external"),
                           body=body)

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
        ks = _strs(op, "ruff.kinds")
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
        ks = _strs(op, "ruff.kinds")
        k = ks[0] if ks else "any"
        if k not in _TYPES:   # a constant argument of a helper call: kept in the site
            self.kinds[op.results[0]] = k
            return
        from rufc.dialects.convert import _from_attr
        value = _from_attr(op, "value", "const", op.properties["value"])
        self.define(op, self.const(value, k))  # type: ignore[arg-type]

    def op_scope_enter(self, op: Operation) -> None:
        pass

    def op_load_var(self, op: Operation) -> None:
        chain = _strs(op, "chain")
        if chain and chain[0] in ("g", "b"):
            self.kinds[op.results[0]] = "function"   # only ever a callee
            return
        slot = int(chain[0][1:])
        self.define(op, self.v(llvm.LoadOp(self.slots[slot], _TYPES[self.slot_kinds[slot]])))

    def store(self, slot: int, v: SSAValue, kind: str) -> None:
        if self.slot_kinds[slot] in _ARRAYS:
            self.store_array(slot, v)
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
            if k in _ARRAYS and slot in self.slots:
                self.decref(self.v(llvm.LoadOp(self.slots[slot], PTR)))

    def unique(self, p: SSAValue) -> SSAValue:
        """Is the array's reference count 1 (only this slot holds it)?"""
        rc = self.v(llvm.LoadOp(p, i64))
        return self.v(llvm.ICmpOp(rc, self.const(1, "int"), _pred("eq")))

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
        kind = _s(op, "ruff.literal_kind")
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
        slot = int(_strs(op, "chain")[0][1:])
        kind = self.slot_kinds[slot]
        elem = "float" if kind == "array:float" else "int"
        p = self.v(llvm.LoadOp(self.slots[slot], PTR))
        idx = self.val(index)
        real = self.checked_index(op, p, idx, kind, "ruff.set_index")
        p = self.own(op, slot)
        items = self.array_parts(p)[1]
        ptr = self.v(llvm.GEPOp(items, [llvm.GEP_USE_SSA_VAL], _TYPES[elem], ssa_indices=[real]))
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
        room = self.v(llvm.ICmpOp(size, cap, _pred("slt")))
        free = self.v(llvm.ICmpOp(exports, self.const(0, "int"), _pred("eq")))
        fast = self.v(llvm.AndOp(unique, self.v(llvm.AndOp(room, free))))
        inline, slow, done = self.new_block(), self.new_block(), self.new_block()
        self.emit(llvm.CondBrOp(fast, inline, [], slow, []))
        self.goto(inline)
        items = self.v(llvm.LoadOp(self.v(llvm.GEPOp(data, [layout.items], i8)), PTR))
        at = self.v(llvm.GEPOp(items, [llvm.GEP_USE_SSA_VAL], _TYPES[elem], ssa_indices=[size]))
        self.emit(llvm.StoreOp(x, at))
        self.emit(llvm.StoreOp(self.v(llvm.AddOp(size, self.const(1, "int"))), size_ptr))
        self.emit(llvm.BrOp(done))
        self.goto(slow)
        site = self.site(op, "builtin", name=_s(op, "callee"), arg_kinds=(kind, elem), nargs=2)
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

    def convert(self, v: SSAValue, have: str, want: str) -> SSAValue:
        if have == want or (have in ("bool", "i1") and want in ("bool", "i1")):
            return v
        raise LoweringError(f"cannot convert {have} to {want}")

    def op_store_var(self, op: Operation) -> None:
        if "ruff.push_store" in op.attributes:
            return   # the push already updated the variable
        chain = _strs(op, "chain")
        ref = chain[0] if chain else _s(op, "create")
        self.store(int(ref[1:]), self.val(op.operands[0]), self.kind(op.operands[0]))

    def op_declare_var(self, op: Operation) -> None:
        self.store(int(_s(op, "target")[1:]), self.val(op.operands[0]), self.kind(op.operands[0]))

    # ---- arithmetic

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
        zero = self.v(llvm.ICmpOp(b, self.const(0, "int"), _pred("eq")))
        amin = self.v(llvm.ICmpOp(a, self.const(I64_MIN, "int"), _pred("eq")))
        bm1 = self.v(llvm.ICmpOp(b, self.const(-1, "int"), _pred("eq")))
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
        bm1 = self.v(llvm.ICmpOp(b, self.const(-1, "int"), _pred("eq")))
        safe = self.v(llvm.SelectOp(bm1, self.const(1, "int"), b))
        self.define(op, self.v(llvm.SRemOp(a, safe)))

    def op_neg(self, op: Operation) -> None:
        a = self.val(op.operands[0])
        if self.kind(op.operands[0]) == "float":
            self.define(op, self.v(llvm.FNegOp(a)))
            return
        amin = self.v(llvm.ICmpOp(a, self.const(I64_MIN, "int"), _pred("eq")))
        self.fail_if(amin, op, "ruff.neg", a, a, ("int",), nargs=1)
        self.define(op, self.v(llvm.SubOp(self.const(0, "int"), a)))

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
        neg = self.v(llvm.ICmpOp(idx, self.const(0, "int"), _pred("slt")))
        wrapped = self.v(llvm.AddOp(idx, size))
        real = self.v(llvm.SelectOp(neg, wrapped, idx))
        # unsigned compare: real < 0 or real >= size in one test
        bad = self.v(llvm.ICmpOp(real, size, _pred("uge")))
        self.fail_if(bad, op, name, arr, idx, (kind, "int"))
        return real

    def op_get_index(self, op: Operation) -> None:
        """a[i]: a negative i counts from the end; out of range raises the VM's error."""
        a, i = op.operands
        arr, idx = self.val(a), self.val(i)
        real = self.checked_index(op, arr, idx, self.kind(a), "ruff.get_index")
        items = self.array_parts(arr)[1]
        elem = "float" if self.kind(a) == "array:float" else "int"
        ptr = self.v(llvm.GEPOp(items, [llvm.GEP_USE_SSA_VAL], _TYPES[elem], ssa_indices=[real]))
        self.define(op, self.v(llvm.LoadOp(ptr, _TYPES[elem])))

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
            self.define(op, self.v(llvm.FCmpOp(a, b, _FCMP[name])))
        else:
            self.define(op, self.v(llvm.ICmpOp(a, b, _pred(_ICMP[name]))))

    def equal(self, op: Operation, ka: str, kb: str) -> SSAValue:
        """Ruff == (semantics.eq) on native kinds."""
        num = ("int", "float")
        if ka in num and kb in num:
            a, b, k = self.numeric(op)
            if k == "int":
                return self.v(llvm.ICmpOp(a, b, _pred("eq")))
            same = self.v(llvm.FCmpOp(a, b, "oeq"))
            diff = self.v(llvm.FSubOp(a, b))
            mag = self.v(llvm.FAbsOp(diff, f64))
            close = self.v(llvm.FCmpOp(mag, self.const(EPSILON, "float"), "olt"))
            return self.v(llvm.OrOp(same, close))
        if ka in ("bool", "i1") and kb in ("bool", "i1"):
            a, b = (self.val(v) for v in op.operands)
            return self.v(llvm.ICmpOp(a, b, _pred("eq")))
        return self.const(False, "bool")   # a bool is never equal to a number

    op_lt = op_le = op_gt = op_ge = op_eq = op_ne = compare

    def op_not(self, op: Operation) -> None:
        self.define(op, self.v(llvm.XOrOp(self.val(op.operands[0]), self.const(True, "bool"))))

    def op_truthy(self, op: Operation) -> None:
        v = op.operands[0]
        k = self.kind(v)
        x = self.val(v)
        if k == "int":
            x = self.v(llvm.ICmpOp(x, self.const(0, "int"), _pred("ne")))
        elif k == "float":
            x = self.v(llvm.FCmpOp(x, self.const(0.0, "float"), "une"))   # NaN is truthy
        self.define(op, x)

    def op_box_bool(self, op: Operation) -> None:
        self.define(op, self.val(op.operands[0]))

    def op_is_null(self, op: Operation) -> None:
        self.define(op, self.const(False, "bool"))   # native values are never null

    # ---- calls

    def arg_slots(self, args: tuple[SSAValue, ...]) -> tuple[tuple[str, ...], dict[int, Any]]:
        """Store the native arguments into argv; constants go into the site."""
        from rufc.dialects.convert import _from_attr
        kinds: list[str] = []
        consts: dict[int, Any] = {}
        for i, a in enumerate(args):
            owner = a.owner
            if isinstance(owner, Operation) and owner.name == "ruff.const" \
                    and self.kind(a) not in _TYPES:
                consts[i] = _from_attr(owner, "value", "const", owner.properties["value"])
                continue
            k = self.kind(a)
            slot = self.v(llvm.GEPOp(self.argv, [len(kinds)], i64))
            self.emit(llvm.StoreOp(self.bits(self.val(a), k), slot))
            kinds.append(k)
        if len(kinds) > 16:
            raise LoweringError("more than 16 native arguments in one call")
        return tuple(kinds), consts

    def op_call(self, op: Operation) -> None:
        args = op.operands[1:]
        rk = _strs(op, "ruff.kinds")[0]
        direct = _s(op, "ruff.direct")
        if direct:
            self.direct_call(op, direct, rk)
            return
        kinds, consts = self.arg_slots(tuple(args))
        site = self.site(op, "call", name=_s(op, "ruff.callee"), arg_kinds=kinds, consts=consts,
                         nargs=len(args), result=rk)
        self.helper_call(op, "ruff_rt_call", site, rk)

    def direct_call(self, op: Operation, symbol: str, rk: str) -> None:
        """A native call: depth + 1 in, {result, error} out. The call's site goes into
        the shadow stack before the call when the callee may run VM code (which may
        look at the stack), else only if the call fails (the traceback needs it)."""
        args = op.operands[1:]
        rtype = native_result(rk)
        self.declare_native(symbol, [i64, i64, *(_TYPES[self.kind(a)] for a in args)], rtype)
        line, col = _pos(op)
        site = H.add_site(H.Site("call", self.name, line, col, name=_s(op, "ruff.callee")))
        eager = "ruff.reenters" in op.attributes
        if eager:
            self.set_site(site)
        deeper = self.v(llvm.AddOp(self.depth, self.const(1, "int")))
        # the callee's frame would pass the depth limit: the VM's error, with the
        # callee as the innermost frame (docs/jit.md, Call depth); a cold path
        too_deep = self.v(llvm.ICmpOp(deeper, self.limit, _pred("sgt")))
        deep, go = self.new_block(), self.new_block()
        self.emit(llvm.CondBrOp(too_deep, deep, [], go, []))
        self.goto(deep)
        self.set_site(site)
        entry = H.add_site(H.Site("entry", _s(op, "ruff.direct_name"), 0, 0,
                                  name=_s(op, "ruff.direct_sym")))
        self.emit(llvm.StoreOp(deeper, self.state_ptr(H.DEPTH)))
        slot = self.v(llvm.AddOp(deeper, self.const(H.SHADOW, "int")))
        self.emit(llvm.StoreOp(self.const(entry, "int"), self.state_ptr(slot)))
        self.declare("ruff_rt_depth_check")
        self.emit(llvm.CallOp("ruff_rt_depth_check", return_type=i64))
        self.emit(llvm.BrOp(self.unwind))
        self.goto(go)
        pair = self.v(llvm.CallOp(symbol, deeper, self.limit, *(self.val(a) for a in args),
                                  return_type=rtype))
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
        rk = _strs(op, "ruff.kinds")[0]
        callee = _s(op, "callee")
        kinds = [self.kind(v) for v in op.operands]
        if "ruff.push_into" in op.attributes:
            self.push(op, cast(IntegerAttr, op.attributes["ruff.push_into"]).value.data)
            return
        if callee == "len" and len(kinds) == 1 and kinds[0].startswith("array:"):
            self.define(op, self.array_parts(self.val(op.operands[0]))[0])
            return
        if callee in _MATH and len(kinds) == _MATH[callee] and \
                all(k in ("int", "float") for k in kinds):
            self.math(op, callee, kinds)
            return
        kinds, consts = self.arg_slots(tuple(op.operands))
        site = self.site(op, "builtin", name=_s(op, "callee"), arg_kinds=kinds, consts=consts,
                         nargs=len(op.operands), result=rk)
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
        if rk in _TYPES:
            self.define(op, self.unbits(r, rk))
        else:
            self.kinds[op.results[0]] = rk

    # ---- control flow

    def op_return(self, op: Operation) -> None:
        if op.operands and self.result_kind in _TYPES:
            v = self.convert(self.val(op.operands[0]), self.kind(op.operands[0]), self.result_kind)
        else:
            v = self.zero(self.result_kind)
        self.release_arrays()
        self.emit(llvm.ReturnOp(self.pair(v, False)))

    def op_if(self, op: Operation) -> None:
        cond = self.val(op.operands[0])
        then, other = self.new_block(), self.new_block()
        result_kinds = _strs(op, "ruff.kinds")
        merge = self.new_block([_TYPES[k] for k in result_kinds])
        self.emit(llvm.CondBrOp(cond, then, [], other, []))
        for region, block in zip(op.regions, (then, other)):
            self.goto(block)
            yielded = self.region_with_yield(region)
            self.br(merge, *yielded)
        self.goto(merge)
        self.define(op, *merge.args)

    def region_with_yield(self, region: Region) -> list[SSAValue]:
        block = region.blocks.first
        if block is None:
            return []
        out: list[SSAValue] = []
        for inner in block.ops:
            if self.terminated():
                self.goto(self.new_block())
            if inner.name == "ruff.yield":
                out = [self.val(v) for v in inner.operands]
            else:
                self.op(inner)
        return out

    def poll(self) -> None:
        """At a loop's head: every POLL_EVERY iterations, let Python run (a pending
        SIGINT is handled by the main thread, which needs the GIL native code holds).
        A countdown in a register; the call is on a cold path."""
        if self.countdown is None:
            self.countdown = self.alloca(i64, init=H.POLL_EVERY)
        c = self.v(llvm.LoadOp(self.countdown, i64))
        c1 = self.v(llvm.SubOp(c, self.const(1, "int")))
        self.emit(llvm.StoreOp(c1, self.countdown))
        due = self.v(llvm.ICmpOp(c1, self.const(0, "int"), _pred("sle")))
        call, go = self.new_block(), self.new_block()
        self.emit(llvm.CondBrOp(due, call, [], go, []))
        self.goto(call)
        self.emit(llvm.StoreOp(self.const(H.POLL_EVERY, "int"), self.countdown))
        self.emit(llvm.StoreOp(self.depth, self.state_ptr(H.DEPTH)))
        self.declare("ruff_rt_poll")
        self.emit(llvm.CallOp("ruff_rt_poll", return_type=i64))
        self.check_error()
        self.emit(llvm.BrOp(go))
        self.goto(go)

    def op_while(self, op: Operation) -> None:
        # Blocks are made in dominance order: xDSL's conversion to llvmlite needs every
        # value defined in a block that comes before the blocks that use it.
        head = self.new_block()
        self.br(head)
        self.goto(head)
        self.poll()
        body, exit_ = self.new_block(), self.new_block()
        cond_block = op.regions[0].blocks.first
        assert cond_block is not None
        for inner in cond_block.ops:
            if inner.name == "ruff.condition":
                self.emit(llvm.CondBrOp(self.val(inner.operands[0]), body, [], exit_, []))
            else:
                self.op(inner)
        self.goto(body)
        self.loops.append(_Loop(head, exit_))
        self.region(op.regions[1])
        self.loops.pop()
        self.br(head)
        self.goto(exit_)

    def op_loop(self, op: Operation) -> None:
        body = self.new_block()
        self.br(body)
        self.goto(body)
        self.poll()
        exit_ = self.new_block()
        self.loops.append(_Loop(body, exit_))
        self.region(op.regions[0])
        self.loops.pop()
        self.br(body)
        self.goto(exit_)

    def op_for_range(self, op: Operation) -> None:
        """for i in range(start, stop, step): a counted loop on an i64 counter. The
        counter's increment cannot overflow silently: overflowing means the loop is done
        (it would have passed stop)."""
        start, stop, step = (self.val(v) for v in op.operands)
        zero = self.v(llvm.ICmpOp(step, self.const(0, "int"), _pred("eq")))
        self.fail_if(zero, op, "range", step, step, ("int",), nargs=0)
        counter = self.alloca(i64)
        self.emit(llvm.StoreOp(start, counter))
        up = self.v(llvm.ICmpOp(step, self.const(0, "int"), _pred("sgt")))
        head = self.new_block()
        self.br(head)
        self.goto(head)
        self.poll()
        body, latch, exit_ = (self.new_block() for _ in range(3))
        i = self.v(llvm.LoadOp(counter, i64))
        below = self.v(llvm.ICmpOp(i, stop, _pred("slt")))
        above = self.v(llvm.ICmpOp(i, stop, _pred("sgt")))
        go = self.v(llvm.SelectOp(up, below, above))
        self.emit(llvm.CondBrOp(go, body, [], exit_, []))
        self.goto(body)
        self.loops.append(_Loop(latch, exit_))
        block = op.regions[0].blocks.first
        if block is not None:
            for a in block.args:
                self.kinds[a] = "int"
        self.region(op.regions[0], [i])
        self.loops.pop()
        self.br(latch)
        self.goto(latch)
        cur = self.v(llvm.LoadOp(counter, i64))
        pair = llvm.LLVMStructType.from_type_list([i64, i1])
        r = self.v(llvm.CallIntrinsicOp("llvm.sadd.with.overflow.i64", [cur, step], [pair]))
        nxt = self.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [0]), r, i64))
        over = self.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [1]), r, i1))
        self.emit(llvm.StoreOp(nxt, counter))
        self.emit(llvm.CondBrOp(over, exit_, [], head, []))
        self.goto(exit_)

    def op_break(self, op: Operation) -> None:
        self.emit(llvm.BrOp(self.loops[-1].exit))

    def op_continue(self, op: Operation) -> None:
        self.emit(llvm.BrOp(self.loops[-1].next))


def _float_bits(x: float) -> int:
    import struct
    return int.from_bytes(struct.pack("<d", x), "little")


def _pred(name: str) -> IntegerAttr:
    return IntegerAttr(llvm.ICmpPredicateFlag(name).to_int(), i64)


_TERMINATOR: Any = None


def _is_terminator() -> Any:
    global _TERMINATOR
    if _TERMINATOR is None:
        from xdsl.traits import IsTerminator
        _TERMINATOR = IsTerminator
    return _TERMINATOR


def lower_module(module: ModuleOp) -> None:
    """Replace the specialized ruff.funcs of `module` by LLVM functions; drop the rest."""
    out: list[Operation] = []
    declared: dict[str, Operation] = {}
    defined = {_s(op, "ruff.symbol") for op in module.ops if _s(op, "ruff.symbol")}

    def declare(name: str) -> None:
        if name in declared:
            return
        types = {"i64": i64, "ptr": PTR, "double": f64, "void": llvm.LLVMVoidType()}
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
        if op.name == "ruff.func" and _s(op, "ruff.symbol"):
            lowering = FunctionLowering(op, out, declare, declare_native)
            lowering.lower()
    for op in list(module.ops):
        op.detach()
        op.erase()
    state = llvm.GlobalOp(llvm.LLVMArrayType(H.SHADOW, i64), "ruff_rt_state",
                          "external")
    module.body.block.add_ops([state, *declared.values(), *out])


class ConvertRuffToLLVM(ModulePass):
    """convert-ruff-to-llvm: specialized ruff.funcs -> llvm.func (see the module doc)."""
    name = "convert-ruff-to-llvm"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        lower_module(op)


__all__ = ["ConvertRuffToLLVM", "lower_module", "LoweringError", "INT_SENTINEL",
           "FLOAT_SENTINEL_BITS"]
