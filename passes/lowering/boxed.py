"""Lowering of boxed values (issue 15): ops whose operands are not all unboxed.

A value whose kind is not int, float, bool or a typed array is *boxed*: a PyObject*
of the VM's own value. Native code only moves boxed values around; every operation
on one is a call of `ruff_rt_op(site, argv)` (runtime/boxed_helpers.py), whose site
names the ruff op and which runs it with the VM's implementation. Where all operands
are unboxed the op families below this one (arith, arrays, calls, control) lower it
natively exactly as before: boxing never reaches code that was fully native.

Ownership rule (docs/jit.md, "Who holds a boxed value"):

* every variable of a boxed or array kind holds one reference of its own (taken on
  assignment, parameters on entry; released when assigned again and on every way
  out of the function);
* every op that makes a new reference (a helper result, a boxed int or float) keeps
  it in a *temporary slot* of its own, in the frame's array of temporaries
  (`temp_slot`): when the op runs again its previous reference is released, and all
  temporaries are released on every way out of the function (returns and errors
  alike);
* every other boxed SSA value is borrowed: from a variable, a temporary, the caller
  (parameters) or the constant table (`ruff_rt_consts`, kept alive by the process);
* a boxed result is returned as a new reference (the caller's temporary takes it).

So a loop that builds a string per iteration holds at most one string per op at a
time, and everything native code held is released when it returns or unwinds.
"""
from __future__ import annotations

from typing import Any, cast

from xdsl.dialects import llvm
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, i1, i32, i64
from xdsl.ir import Attribute, Block, Operation, SSAValue

from rufc.passes.lowering import boxed_fast
from rufc.passes.lowering.base import refslot
from rufc.passes.lowering.common import (
    MATH,
    PTR,
    TYPES,
    attr_str,
    attr_strs,
    icmp_pred,
    is_boxed,
    ltype,
    ret_type,
)
from rufc.passes.lowering.control import ControlLowering
from rufc.runtime import helpers as H
from rufc.runtime.boxed_helpers import REENTRANT

NUM = ("int", "float")
# Recursion levels a direct call (runtime/boxed_helpers, "the direct path") stands
# above native code when the op's rule starts, relative to a VM frame calling that
# rule: calibrated as `ruff_rt_builtin`'s offset, whose chain has one frame more.
FAST_FRAMES = 3
SCALAR = ("int", "float", "bool", "i1")
# ops on the direct path whose rule runs Python code that may fail at the depth limit:
# a builtin, a closure's maker (the VM calls both as Python functions)
_AS_DEEP_AS_THE_VM = ("ruff.call_builtin", "ruff.make_closure")


def _uses(v: SSAValue) -> bool:
    return bool(v.uses)


class BoxedLowering(ControlLowering):
    """Ops on boxed operands through `ruff_rt_op`; boxing at the boundary."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.temps: list[SSAValue] = []
        self.pyerrs: dict[int, Block] = {}   # see raised_block
        self.release_points: list[Block] = []
        self.cell_slots = set(prop(self.func, "cells"))
        # slots NULL while unbound (ProgramInfo.maybe_unbound, written by ruff-specialize)
        self.maybe_slots: set[int] = set()
        maybe = self.func.attributes.get("ruff.maybe_unbound")
        if maybe is not None:
            self.maybe_slots = {cast(IntegerAttr, a).value.data
                                for a in cast(ArrayAttr[Attribute], maybe).data}
            self.maybe_slots -= self.cell_slots
        self.boxed_mode = self._uses_boxed()
        self.const_slots: dict[tuple[int, Operation], SSAValue] = {}   # boxed_fast.lazy_const
        self.temp_base: SSAValue | None = None   # see temp_slot
        self.temp_count: llvm.ConstantOp | None = None

    def _uses_boxed(self) -> bool:
        """Does this function hold any boxed value (then every exit releases them)?"""
        ks = [*self.param_kinds, *self.slot_kinds, self.result_kind]
        if any(is_boxed(k) and k != "null" for k in ks):
            return True
        for op in self.func.walk():
            if op is self.func or op.name == "ruff.const":
                continue
            if op.name == "ruff.load_var" and self._callee_only(op):
                continue
            for r, k in zip(op.results, attr_strs(op, "ruff.kinds")):
                if refslot(k) and k not in ("null",) and _uses(r):
                    return True
        return False

    @staticmethod
    def _callee_only(op: Operation) -> bool:
        chain = attr_strs(op, "chain")
        if not chain or chain[0] not in ("g", "b"):
            return False
        r = op.results[0]
        return all(u.operation.name == "ruff.call" and u.index == 0
                   and attr_str(u.operation, "ruff.callee")
                   and "ruff.callee_early" not in u.operation.attributes for u in r.uses)

    # ------------------------------------------------------------ exits and references

    def lower(self) -> None:
        super().lower()
        if self.temp_count is not None:
            self.temp_count.properties["value"] = IntegerAttr(len(self.temps), i64)
        if not self.boxed_mode:
            return
        for blk in self.release_points:   # every way out releases every reference
            term = blk.last_op
            assert term is not None
            term.detach()
            self.goto(blk)
            LoweringBaseRelease.release_all(self)
            self.block.add_op(term)   # (the release loop ends in a block of its own)

    def release_arrays(self) -> None:
        if self.boxed_mode:   # filled in at the end, when every temporary is known
            self.release_points.append(self.block)
            return
        super().release_arrays()

    def temp_slot(self) -> SSAValue:
        """A new temporary slot, NULL from the start: an element of the frame's one
        array of temporaries.

        Why one array and not an alloca each: a temporary lives from its op to every
        way out of the function, so LLVM's mem2reg would give each one a phi at every
        join after its op (the error exit joins them all): quadratic in the function's
        size (a function of 100 string statements took 11 s in LLVM, 200 took 100 s).
        The release loop reads the array at a variable index, which keeps SROA from
        splitting it into promotable scalars, unless the loop is small enough for
        LLVM to unroll it, when promotion is cheap anyway."""
        if self.temp_base is None:
            self.temp_count = llvm.ConstantOp(IntegerAttr(0, i64), i64)
            array = llvm.AllocaOp(self.temp_count.results[0], PTR, alignment=8)
            self.prologue += [self.temp_count, array]
            self.temp_base = array.results[0]
        gep = llvm.GEPOp(self.temp_base, [len(self.temps)], PTR)
        self.prologue.append(gep)
        self.prologue.append(llvm.StoreOp(self.null_ptr(), gep.results[0]))
        self.temps.append(gep.results[0])
        return gep.results[0]

    def own_temp(self, p: SSAValue) -> SSAValue:
        """p is a new reference: keep it in a temporary slot of this op (see the rule)."""
        slot = self.temp_slot()
        old = self.v(llvm.LoadOp(slot, PTR))
        self.emit(llvm.StoreOp(p, slot))
        self.decref(old)
        return p

    def boxed_const(self, value: Any) -> SSAValue:
        """A constant object (borrowed from the constant table), loaded once per call."""
        from rufc.runtime.boxed_helpers import const_slot
        return self.const_object(const_slot(value))

    def const_object(self, k: int) -> SSAValue:
        """Slot k of the constant table (`ruff_rt_consts`), loaded once per call."""
        key = ("obj", k, id(self.prologue))   # the entry function has a prologue of its own
        c = self.consts.get(key)
        if c is None:
            base = self.consts.get(("consts", 0))
            if base is None:
                self.declare("ruff_rt_consts")
                op = llvm.AddressOfOp("ruff_rt_consts", PTR)
                self.prologue.append(op)
                base = self.consts[("consts", 0)] = op.results[0]
            gep = llvm.GEPOp(base, [k], i64)
            load = llvm.LoadOp(gep.results[0], PTR)
            self.prologue += [gep, load]
            c = self.consts[key] = load.results[0]
        return c

    def sentinel_object(self) -> Any:
        from rufc.runtime.boxed_helpers import SENTINEL
        return SENTINEL

    def box(self, v: SSAValue, kind: str) -> SSAValue:
        """An unboxed value as a Ruff value object."""
        from rufc.runtime.values import FALSE, TRUE
        if kind == "int":
            self.declare("PyLong_FromLongLong")
            return self.own_temp(self.v(llvm.CallOp("PyLong_FromLongLong", v, return_type=PTR)))
        if kind == "float":
            self.declare("PyFloat_FromDouble")
            return self.own_temp(self.v(llvm.CallOp("PyFloat_FromDouble", v, return_type=PTR)))
        if kind in ("bool", "i1"):
            return self.v(llvm.SelectOp(v, self.boxed_const(TRUE), self.boxed_const(FALSE)))
        return v

    def convert(self, v: SSAValue, have: str, want: str) -> SSAValue:
        if ltype(want) == PTR and have in SCALAR:
            return self.box(v, have)
        if ltype(want) == PTR and ltype(have) == PTR:
            return v
        return super().convert(v, have, want)

    def bits(self, v: SSAValue, kind: str) -> SSAValue:
        if ltype(kind) == PTR:
            return self.v(llvm.PtrToIntOp(v, i64))
        return super().bits(v, kind)

    def pval(self, v: SSAValue) -> SSAValue:
        """v as a Ruff value object (boxed if it is not)."""
        return self.box(self.val(v), self.kind(v))

    def val(self, v: SSAValue) -> SSAValue:
        r = self.values.get(v)
        if r is not None:
            return r
        owner = v.owner
        if isinstance(owner, Operation) and owner.name == "ruff.const":
            from rufc.dialects.convert import _from_attr
            value = _from_attr(owner, "value", "const", owner.properties["value"])
            if value is None:
                return self.boxed_const(None)
            # a string: made on the direct path from its site at its first use in a
            # call (machine code holds no process-specific addresses)
            return boxed_fast.lazy_const(self, owner, v)
        return self.values[v]

    # ------------------------------------------------------------ the generic helper

    def generic(self, op: Operation, name: str | None = None,
                operands: tuple[SSAValue, ...] | None = None, extra: Any = None,
                result: str | None = None) -> SSAValue | None:
        """`ruff_rt_op(site, argv)`: op `name` (default: op's own) on boxed operands."""
        args = tuple(op.operands) if operands is None else operands
        rk = result if result is not None else (attr_strs(op, "ruff.kinds") or ("unused",))[0]
        used = result is not None or (bool(op.results) and _uses(op.results[0]))
        site_rk = rk if used or not refslot(rk) else "unused"
        if (name or op.name) not in REENTRANT:
            return self.direct_op(op, name or op.name, args, extra, site_rk)
        kinds, consts = self.arg_slots(args)
        site = self.site(op, "op", name=site_name(name or op.name, extra), arg_kinds=kinds,
                         consts=consts, nargs=len(args), result=site_rk)
        return self.call_helper("ruff_rt_op", site, site_rk)

    def direct_op(self, op: Operation, name: str, args: tuple[SSAValue, ...], extra: Any,
                  rk: str, own: bool = True, first: SSAValue | None = None,
                  keep_site: bool = False, raw: tuple[SSAValue, ...] = ()) -> SSAValue | None:
        """An op that cannot run Ruff code, called without a ctypes callback:
        `PyObject_Vectorcall(dispatch, [site, operand objects...])` (runtime/boxed_helpers,
        "the direct path"). NULL means it raised: `ruff_rt_raised` takes CPython's
        pending exception into the error protocol, and the frame unwinds. `first`
        stands for args[0]; `raw` objects (cells) come before args."""
        from rufc.dialects.convert import _from_attr
        from rufc.runtime.boxed_helpers import DISPATCH_SLOT, SITE_MASK, SITES_SLOT
        consts: dict[int, Any] = {}
        objs: list[SSAValue] = list(raw)
        kinds: list[str] = ["other"] * len(raw)
        for i, a in enumerate(args):
            if i == 0 and first is not None:   # an object the caller already has
                objs.append(first)
                kinds.append("other")
                continue
            owner = a.owner
            if isinstance(owner, Operation) and owner.name == "ruff.const" \
                    and self.kind(a) not in TYPES:
                consts[len(raw) + i] = _from_attr(owner, "value", "const",
                                                  owner.properties["value"])
                continue
            objs.append(self.pval(a))
            kinds.append(self.kind(a))
        if len(objs) > 15:
            from rufc.passes.lowering.common import LoweringError
            raise LoweringError("more than 15 boxed operands in one op")
        site = self.site(op, "op", name=site_name(name, extra), arg_kinds=tuple(kinds),
                         consts=consts, nargs=len(raw) + len(args), result=rk)
        for c in ("PyLong_FromLongLong", "PyObject_Vectorcall", "PyErr_Fetch", "ruff_rt_raised"):
            self.declare(c)
        for j, p in enumerate(objs):
            self.emit(llvm.StoreOp(self.v(llvm.PtrToIntOp(p, i64)),
                                   self.v(llvm.GEPOp(self.argv, [j + 1], i64))))
        if keep_site:   # the frame's shadow slot keeps the site it holds (ruff.catch)
            self.emit(llvm.StoreOp(self.depth, self.state_ptr(H.DEPTH)))
        else:
            self.before_helper(site)
        # the site's plan from the table; the first time (or after another site took
        # its entry) `dispatch` enters it first
        entry = self.v(llvm.GEPOp(self.const_object(SITES_SLOT), [(site & SITE_MASK) * 2], i64))
        known = self.v(llvm.LoadOp(entry, i64))
        hit = self.v(llvm.ICmpOp(known, self.const(site, "int"), icmp_pred("eq")))
        fast, slow, call = self.new_block(), self.new_block(), self.new_block([PTR])
        self.emit(llvm.CondBrOp(hit, fast, [], slow, []))
        self.goto(slow)
        key = self.v(llvm.CallOp("PyLong_FromLongLong", self.const(site, "int"), return_type=PTR))
        self.emit(llvm.StoreOp(self.v(llvm.PtrToIntOp(key, i64)), self.argv))
        none = self.v(llvm.CallOp("PyObject_Vectorcall", self.const_object(DISPATCH_SLOT),
                                  self.argv, self.const(1, "int"), self.null_ptr(),
                                  return_type=PTR))
        self.decref(key)
        self.decref(none)   # Py_DecRef(NULL) does nothing
        entered = self.v(llvm.ICmpOp(none, self.null_ptr(), icmp_pred("ne")))
        self.emit(llvm.CondBrOp(entered, fast, [], call, [none]))
        self.goto(fast)
        plan = self.v(llvm.LoadOp(self.v(llvm.GEPOp(entry, [1], i64)), PTR))
        args1 = self.v(llvm.GEPOp(self.argv, [1], i64))
        # a builtin runs as deep as the VM runs it (the VM calls it as a Python
        # function; other ops it runs inline or in a helper that cannot fail first)
        depth = self.vm_depth(FAST_FRAMES) if name in _AS_DEEP_AS_THE_VM else None
        r = self.v(llvm.CallOp("PyObject_Vectorcall", plan, args1, self.const(len(objs), "int"),
                               self.null_ptr(), return_type=PTR))
        if depth is not None:
            rem, used = depth
            self.emit(llvm.StoreOp(self.v(llvm.AddOp(self.v(llvm.LoadOp(rem, i32)), used)), rem))
        self.br(call, r)
        self.goto(call)
        r = call.args[0]
        failed = self.v(llvm.ICmpOp(r, self.null_ptr(), icmp_pred("eq")))
        ok = self.new_block()
        self.emit(llvm.CondBrOp(failed, self.raised_block(), [], ok, []))
        self.goto(ok)
        if rk in TYPES and not rk.startswith("array:"):
            self.declare("PyLong_AsLongLong")
            bits = self.v(llvm.CallOp("PyLong_AsLongLong", r, return_type=i64))
            self.decref(r)
            return self.unbits(bits, rk)
        if rk in ("null", "unused"):
            self.decref(r)
            return self.boxed_const(None) if rk == "null" else None
        return self.own_temp(r) if own else r   # not own: the caller takes the reference

    def raised_block(self) -> Block:
        """The block every direct call of a function goes to when it returned NULL
        (one per unwind target, as `fail_if`'s): `ruff_rt_raised` takes CPython's
        pending exception (the call already recorded its depth and site), then unwind."""
        pyerr = self.pyerrs.get(id(self.unwind))
        if pyerr is None:
            pyerr = self.pyerrs[id(self.unwind)] = Block()
            self.body.add_block(pyerr)
            saved = self.block
            self.goto(pyerr)
            argv = [self.v(llvm.GEPOp(self.argv, [j], i64)) for j in range(3)]
            self.emit(llvm.CallOp("PyErr_Fetch", *argv))
            self.emit(llvm.CallOp("ruff_rt_raised", self.argv, return_type=i64))
            self.emit(llvm.BrOp(self.unwind))
            self.goto(saved)
        return pyerr

    def vm_depth(self, frames: int) -> tuple[SSAValue, SSAValue]:
        """Before a direct call: take from CPython's recursion_remaining what the VM's
        Python frames for this segment's native frames would use, less the `frames`
        levels the direct call itself adds, so that the op's rule runs as deep as the VM
        runs it and fails with the depth error exactly where the VM does (docs/jit.md,
        Call depth; `ruff_rt_builtin` does the same with setrecursionlimit). Returns
        (&recursion_remaining, the amount taken), to give back after the call."""
        seg = self.v(llvm.LoadOp(self.state_ptr(H.SEGMENT), i64))
        used64 = self.v(llvm.SubOp(self.v(llvm.SubOp(self.depth, seg)), self.const(frames, "int")))
        used = self.v(llvm.TruncOp(used64, i32))
        rem = self.v(llvm.IntToPtrOp(self.v(llvm.LoadOp(self.state_ptr(H.REMAINING), i64))))
        self.emit(llvm.StoreOp(self.v(llvm.SubOp(self.v(llvm.LoadOp(rem, i32)), used)), rem))
        return rem, used

    def call_helper(self, helper: str, site: int, rk: str) -> SSAValue | None:
        self.declare(helper)
        self.before_helper(site)
        r = self.v(llvm.CallOp(helper, self.const(site, "int"), self.argv, return_type=i64))
        self.check_error()
        return self.result_value(r, rk)

    def result_value(self, r: SSAValue, rk: str) -> SSAValue | None:
        if rk in TYPES and not rk.startswith("array:"):
            return self.unbits(r, rk)
        if rk == "null":
            return self.boxed_const(None)
        if rk == "unused":
            return None
        return self.own_temp(self.v(llvm.IntToPtrOp(r)))

    def define_generic(self, op: Operation, **kw: Any) -> None:
        r = self.generic(op, **kw)
        if r is not None and op.results:
            self.define(op, r)
        elif op.results:
            self.kinds[op.results[0]] = attr_strs(op, "ruff.kinds")[0]

    def kinds_of(self, op: Operation) -> list[str]:
        return [self.kind(v) for v in op.operands]

    # ------------------------------------------------------------ operators

    def _binary(self, op: Operation, native: Any, fast: Any = None) -> None:
        """Native on unboxed numbers; else a fast path if one applies (boxed_fast),
        else the direct path."""
        if all(k in NUM for k in self.kinds_of(op)):
            native(op)
        elif fast is None or not fast(self, op):
            self.define_generic(op)

    def op_add(self, op: Operation) -> None:
        if attr_str(op, "ruff.append") == "g":   # `g = g + y` on a global (specialize)
            load = op.operands[0].owner
            assert isinstance(load, Operation)
            self.direct_op(op, "ruff.append_global", (op.operands[1],), attr_str(load, "name"),
                           "unused")
            return
        self._binary(op, super().op_add, boxed_fast.binary)

    def op_sub(self, op: Operation) -> None:
        self._binary(op, super().op_sub, boxed_fast.binary)

    def op_mul(self, op: Operation) -> None:
        self._binary(op, super().op_mul, boxed_fast.binary)

    def op_div(self, op: Operation) -> None:
        self._binary(op, super().op_div)

    def op_mod(self, op: Operation) -> None:
        self._binary(op, super().op_mod)

    def op_lt(self, op: Operation) -> None:
        self._binary(op, super().op_lt, boxed_fast.compare)

    op_le = op_gt = op_ge = op_lt

    def op_eq(self, op: Operation) -> None:
        ks = self.kinds_of(op)
        if all(k in SCALAR for k in ks):
            super().op_eq(op)
            return
        null = self.boxed_const(None)
        if "null" in ks:   # x == null: identity with the None object
            a, b = (self.val(v) if k != "null" else null for v, k in zip(op.operands, ks))
            if all(ltype(k) == PTR for k in ks):
                r = self.v(llvm.ICmpOp(a, b, icmp_pred("eq")))
            else:
                r = self.const(False, "bool")
            if op.name == "ruff.ne":
                r = self.v(llvm.XOrOp(r, self.const(True, "bool")))
            self.define(op, r)
            return
        if not boxed_fast.compare(self, op):
            self.define_generic(op, operands=tuple(op.operands))

    op_ne = op_eq

    def op_neg(self, op: Operation) -> None:
        if self.kind(op.operands[0]) in NUM:
            super().op_neg(op)
        else:
            self.define_generic(op)

    def op_not(self, op: Operation) -> None:
        if self.kind(op.operands[0]) in ("bool", "i1"):
            super().op_not(op)
        else:
            self.define_generic(op)

    def op_truthy(self, op: Operation) -> None:
        if self.kind(op.operands[0]) in SCALAR:
            super().op_truthy(op)
        else:
            self.define_generic(op)

    def op_is_null(self, op: Operation) -> None:
        k = self.kind(op.operands[0])
        if ltype(k) == PTR:
            self.define(op, self.v(llvm.ICmpOp(self.val(op.operands[0]), self.boxed_const(None),
                                               icmp_pred("eq"))))
        else:
            super().op_is_null(op)

    # ------------------------------------------------------------ values and containers

    def op_get_index(self, op: Operation) -> None:
        ka, ki = self.kinds_of(op)
        if ka in ("array:int", "array:float") and ki == "int":
            super().op_get_index(op)
        else:
            self.define_generic(op)

    def op_get_field(self, op: Operation) -> None:
        self.define_generic(op, extra=prop(op, "field"))

    def op_interpolate(self, op: Operation) -> None:
        self.define_generic(op)

    def op_make_array(self, op: Operation) -> None:
        if attr_str(op, "ruff.literal_kind"):
            super().op_make_array(op)
            return
        self.define_generic(op, extra=prop(op, "spread"))

    def op_make_dict(self, op: Operation) -> None:
        self.define_generic(op, extra=prop(op, "layout"))

    def op_make_struct(self, op: Operation) -> None:
        self.define_generic(op, extra=prop(op, "fields"))

    def op_get_struct(self, op: Operation) -> None:
        self.define_generic(op, operands=(), extra=prop(op, "sym"))

    def op_make_variant(self, op: Operation) -> None:
        self.define_generic(op, extra=prop(op, "tag"))

    def op_match_tag(self, op: Operation) -> None:
        self.define_generic(op, extra=prop(op, "tag"))

    def op_payload(self, op: Operation) -> None:
        self.define_generic(op)

    def op_make_function(self, op: Operation) -> None:
        """A function value; a closure is made by the VM's own maker (`MK_<f>`, the
        generated code's) from the cells it captures, which this frame holds."""
        caps = prop(op, "captures")
        if not caps:
            self.define_generic(op, operands=(), extra=prop(op, "callee"))
            return
        cells = tuple(self.cell_of(ref) for ref in caps)
        r = self.direct_op(op, "ruff.make_closure", (), prop(op, "callee"), "other", raw=cells)
        assert r is not None
        self.define(op, r)

    def op_call_method(self, op: Operation) -> None:
        self.define_generic(op, extra=prop(op, "method"))

    def op_try_unwrap(self, op: Operation) -> None:
        """v? : Ok(x)/Some(x) -> x; Err/None -> return it from the function."""
        x = op.operands[0]
        ok = self.generic(op, name="ruff.try_unwrap", result="i1")
        assert ok is not None
        go, back = self.new_block(), self.new_block()
        self.emit(llvm.CondBrOp(ok, go, [], back, []))
        self.goto(back)
        self.return_value(x)
        self.goto(go)
        self.define_generic(op, name="ruff.payload")

    def op_unpack_array(self, op: Operation) -> None:
        self.unpack(op, (prop(op, "count"), bool(prop(op, "rest"))))

    def op_unpack_dict(self, op: Operation) -> None:
        self.unpack(op, (prop(op, "keys"), bool(prop(op, "rest"))))

    def unpack(self, op: Operation, attrs: tuple[Any, ...]) -> None:
        kinds = list(attr_strs(op, "ruff.kinds"))
        outs = [k if _uses(r) or not refslot(k) else "unused" for r, k in zip(op.results, kinds)]
        outs = ["unused" if k == "null" else k for k in outs]
        if len(outs) > 16:
            from rufc.passes.lowering.common import LoweringError
            raise LoweringError("more than 16 parts in one destructuring")
        akinds, consts = self.arg_slots((op.operands[0],))   # a string constant: in the site
        site = self.site(op, "op", name=site_name(op.name, (tuple(outs), attrs)),
                         arg_kinds=akinds, consts=consts, nargs=1, result="unused")
        self.declare("ruff_rt_unpack")
        self.before_helper(site)
        self.emit(llvm.CallOp("ruff_rt_unpack", self.const(site, "int"), self.argv,
                              return_type=i64))
        self.check_error()
        for i, (r, k) in enumerate(zip(op.results, kinds)):
            bits = self.v(llvm.LoadOp(self.v(llvm.GEPOp(self.argv, [i], i64)), i64))
            value = self.result_value(bits, outs[i] if k != "null" else "null")
            if value is not None:
                self.values[r] = value
            self.kinds[r] = k

    # ------------------------------------------------------------ cells
    #
    # A variable that a closure captures lives in a *cell*, as in the VM: a one-element
    # list (codegen: `c<N> = [v]`), shared by this frame and every closure made over it.
    # The cell's slot holds one reference to the cell; a closure's own cells (its free
    # variables, "fN") are arguments after its parameters, borrowed from the function
    # value that the call came through. A read takes a reference of its own to the
    # value (a call may store into the cell while the value is in use); a write hands
    # the cell a reference (PyList_SetItem takes it over and releases the old value).

    def cell_of(self, ref: str) -> SSAValue:
        """The cell of "lN" (a cell slot of this frame) or "fN" (a free variable)."""
        if ref.startswith("f"):
            return self.entry.args[2 + len(self.param_kinds) + int(ref[1:])]
        return self.v(llvm.LoadOp(self.slots[int(ref[1:])], PTR))

    def is_cell(self, ref: str) -> bool:
        return ref.startswith("f") or (ref.startswith("l") and int(ref[1:]) in self.cell_slots)

    def cell_get(self, op: Operation, cell: SSAValue) -> None:
        _boxed_result(op)
        self.define(op, self.cell_read(cell))

    def cell_item(self, cell: SSAValue) -> SSAValue:
        """What the cell holds (borrowed: the VM's UNBOUND while unbound)."""
        self.declare("PyList_GetItem")
        return self.v(llvm.CallOp("PyList_GetItem", cell, self.const(0, "int"), return_type=PTR))

    def cell_read(self, cell: SSAValue) -> SSAValue:
        item = self.cell_item(cell)
        self.incref(item)
        return self.own_temp(item)

    def cell_set(self, cell: SSAValue, v: SSAValue, kind: str) -> None:
        p = self.box(v, kind)
        self.incref(p)
        self.declare("PyList_SetItem")
        self.emit(llvm.CallOp("PyList_SetItem", cell, self.const(0, "int"), p))

    def new_cell(self, slot: int, value: SSAValue | None) -> None:
        """slot := a new cell holding `value` (None: unbound, the VM's UNBOUND)."""
        args: tuple[SSAValue, ...] = () if value is None else (value,)
        cell = self.direct_op(self.func, "ruff.new_cell", args, None, "other", own=False)
        assert cell is not None
        old = self.v(llvm.LoadOp(self.slots[slot], PTR))
        self.emit(llvm.StoreOp(cell, self.slots[slot]))
        self.decref(old)

    def enter_body(self) -> None:
        """The VM's prologue (codegen `_slot_prologue`): a cell per captured variable,
        holding the argument for a parameter, unbound for the others."""
        for slot in sorted(self.cell_slots):
            if slot < len(self.param_kinds):
                arg = self.entry.args[2 + slot]
                self.values[arg], self.kinds[arg] = arg, self.param_kinds[slot]
                self.new_cell(slot, arg)
            else:
                self.new_cell(slot, None)

    def op_scope_enter(self, op: Operation) -> None:
        """A block's variables start anew each time it runs: a captured one gets a new
        cell (the closures made in an earlier iteration keep theirs), one that may be
        read unbound is unbound again (NULL), as in the VM."""
        for slot in prop(op, "slots"):
            if slot in self.cell_slots:
                self.new_cell(slot, None)
            elif slot in self.maybe_slots:
                old = self.v(llvm.LoadOp(self.slots[slot], PTR))
                self.emit(llvm.StoreOp(self.null_ptr(), self.slots[slot]))
                self.decref(old)

    # ------------------------------------------------------------ names with candidates
    #
    # A name may have several candidates (LANGUAGE.md §5: a block's local that may not
    # be bound yet, then a global): a read takes the first one bound, an assignment
    # assigns it or, if none is, creates `create`. As in the VM (codegen `_load_chain`,
    # `_store_chain`), each candidate is tested in turn: a local slot that may be
    # unbound holds NULL while unbound (its kind is boxed), a cell the VM's UNBOUND, a
    # global is bound if the VM's namespace has it.

    def bound(self, op: Operation, ref: str) -> SSAValue:
        """i1: is candidate `ref` bound now?"""
        from rufc.runtime.values import UNBOUND
        r = ref.rstrip("?")
        if r in ("g", "b"):
            b = self.direct_op(op, "ruff.global_bound", (), attr_str(op, "name"), "i1")
            assert b is not None
            return b
        if self.is_cell(r):
            item = self.cell_item(self.cell_of(r))
            return self.v(llvm.ICmpOp(item, self.boxed_const(UNBOUND), icmp_pred("ne")))
        slot = int(r[1:])
        if not refslot(self.slot_kinds[slot]):
            from rufc.passes.lowering.common import LoweringError
            raise LoweringError(f"slot {slot} may be unbound but holds a {self.slot_kinds[slot]}")
        p = self.v(llvm.LoadOp(self.slots[slot], PTR))
        return self.v(llvm.ICmpOp(p, self.null_ptr(), icmp_pred("ne")))

    def read_ref(self, op: Operation, ref: str) -> SSAValue:
        """The value of candidate `ref` (bound) as an object, borrowed."""
        if ref in ("g", "b"):
            v = self.direct_op(op, "ruff.load_global", (), attr_str(op, "name"), "other")
            assert v is not None
            return v
        if self.is_cell(ref):
            return self.cell_read(self.cell_of(ref))
        slot = int(ref[1:])
        kind = self.slot_kinds[slot]
        return self.box(self.v(llvm.LoadOp(self.slots[slot], ltype(kind))), kind)

    def load_candidates(self, op: Operation, chain: tuple[str, ...]) -> None:
        """The first bound candidate, else `Undefined variable` (codegen `_load_chain`)."""
        _boxed_result(op)
        merge = self.new_block([PTR])
        for ref in chain:
            r = ref.rstrip("?")
            if not ref.endswith("?"):   # sure (a local, a free variable, a global)
                self.br(merge, self.read_ref(op, r))
                break
            yes, no = self.new_block(), self.new_block()
            self.emit(llvm.CondBrOp(self.bound(op, r), yes, [], no, []))
            self.goto(yes)
            self.br(merge, self.read_ref(op, r))
            self.goto(no)
        else:
            self.direct_op(op, "ruff.undefined", (), attr_str(op, "name"), "unused")
            self.emit(llvm.UnreachableOp())
        self.goto(merge)
        self.define(op, merge.args[0])

    def assign_ref(self, op: Operation, ref: str, v: SSAValue, kind: str) -> None:
        if ref in ("g", "b"):
            self.direct_op(op, "ruff.store_global", (op.operands[0],), attr_str(op, "name"),
                           "unused")
        elif ref.startswith("f"):
            self.cell_set(self.cell_of(ref), v, kind)
        else:
            self.store(int(ref[1:]), v, kind)

    def store_candidates(self, op: Operation, chain: tuple[str, ...], create: str) -> None:
        """Assign the first bound candidate, else create `create` (codegen `_store_chain`)."""
        x = op.operands[0]
        v, kind = self.val(x), self.kind(x)
        if chain and create == "g" and chain[-1] in ("g", "b"):
            chain = tuple(r for r in chain if r not in ("g", "b")) + ("g",)
        done = self.new_block()
        for ref in chain:
            r = ref.rstrip("?")
            sure = (not ref.endswith("?") and ref not in ("g", "b")) or (ref == "g" and create == "g")
            if sure:
                self.assign_ref(op, r, v, kind)
                self.br(done)
                self.goto(done)
                return
            yes, no = self.new_block(), self.new_block()
            self.emit(llvm.CondBrOp(self.bound(op, r), yes, [], no, []))
            self.goto(yes)
            self.assign_ref(op, r, v, kind)
            self.br(done)
            self.goto(no)
        if create == "g":
            self.direct_op(op, "ruff.create_global", (x,), attr_str(op, "name"), "unused")
        else:
            self.store(int(create[1:]), v, kind)
        self.br(done)
        self.goto(done)

    def store(self, slot: int, v: SSAValue, kind: str) -> None:
        if slot in self.cell_slots:
            self.cell_set(self.cell_of(f"l{slot}"), v, kind)
            return
        super().store(slot, v, kind)

    # ------------------------------------------------------------ variables

    def op_load_var(self, op: Operation) -> None:
        chain = attr_strs(op, "chain")
        if len(chain) != 1 or chain[0].endswith("?"):   # none: Undefined variable
            self.load_candidates(op, chain)
            return
        if len(chain) == 1 and self.is_cell(chain[0]):
            self.cell_get(op, self.cell_of(chain[0]))
            return
        if "ruff.append_load" in op.attributes:   # `g = g + y`: the add reads g
            self.direct_op(op, "ruff.load_global", (), attr_str(op, "name"), "unused")
            return
        if chain and chain[0] in ("g", "b"):
            if self._callee_only(op):
                self.kinds[op.results[0]] = "function"   # called by name (ruff_rt_call)
                return
            self.define_generic(op, name="ruff.load_global", operands=(),
                                extra=attr_str(op, "name"))
            return
        super().op_load_var(op)

    def op_store_var(self, op: Operation) -> None:
        if "ruff.append_store" in op.attributes:   # `g = g + y`: the add stored it
            return
        chain = attr_strs(op, "chain")
        create = attr_str(op, "create")
        if len(chain) > 1 or (chain and (chain[0].endswith("?") or (
                chain[0] in ("g", "b") and create not in ("g", "")))):
            self.store_candidates(op, chain, create)
            return
        if chain == ("g",) or (not chain and create == "g"):
            v = op.operands[0]
            self.generic(op, name="ruff.store_global", operands=(v,),
                         extra=attr_str(op, "name"), result="unused")
            return
        if len(chain) == 1 and chain[0].startswith("f"):   # a closure's free variable
            v = op.operands[0]
            self.cell_set(self.cell_of(chain[0]), self.val(v), self.kind(v))
            return
        super().op_store_var(op)

    def op_declare_var(self, op: Operation) -> None:
        target = attr_str(op, "target")
        if target == "g":
            extra = (prop(op, "name"), prop(op, "kind"), bool(prop(op, "check")))
            self.generic(op, name="ruff.declare_global", operands=(op.operands[0],),
                         extra=extra, result="unused")
            return
        if prop(op, "check"):   # a second declaration in one scope fails, as in the VM
            dup, ok = self.new_block(), self.new_block()
            self.emit(llvm.CondBrOp(self.bound(op, target), dup, [], ok, []))
            self.goto(dup)
            self.direct_op(op, "ruff.duplicate", (), attr_str(op, "name"), "unused")
            self.emit(llvm.UnreachableOp())
            self.goto(ok)
        super().op_declare_var(op)

    def _for_each(self, op: Operation) -> None:
        """`for x in v` with boxed values on: over a local typed array's buffer as
        before; over an int as a counted loop (the VM's `range(v)`); over anything else,
        over the VM's own snapshot (`semantics.iterate`, as a tuple the op's temporary
        holds while the loop runs), each element borrowed from it (an int, float or bool
        element taken out of its object)."""
        if "ruff.over_buffer" in op.attributes:
            super()._for_each(op)
            return
        v = op.operands[0]
        if self.kind(v) == "int":
            self.counted_loop(op, self.val(v), lambda i: (i, "int"))
            return
        items = self.direct_op(op, "ruff.iter_items", (v,), None, "other")
        assert items is not None
        self.declare("PyTuple_Size")
        self.declare("PyTuple_GetItem")
        elem = attr_str(op, "ruff.elem_kind")
        self.counted_loop(op, self.v(llvm.CallOp("PyTuple_Size", items, return_type=i64)),
                          lambda i: (self.unbox(self.v(llvm.CallOp(
                              "PyTuple_GetItem", items, i, return_type=PTR)), elem), elem))

    def unbox(self, p: SSAValue, kind: str) -> SSAValue:
        """A borrowed object as a value of `kind` (the kind inference proved it)."""
        from rufc.runtime.values import TRUE
        if kind == "int":
            self.declare("PyLong_AsLongLong")
            return self.v(llvm.CallOp("PyLong_AsLongLong", p, return_type=i64))
        if kind == "float":
            self.declare("PyFloat_AsDouble")
            return self.v(llvm.CallOp("PyFloat_AsDouble", p, return_type=TYPES["float"]))
        if kind in ("bool", "i1"):
            return self.v(llvm.ICmpOp(p, self.boxed_const(TRUE), icmp_pred("eq")))
        return p

    def op_try(self, op: Operation) -> None:
        """`try { B } except e { H }`: while B runs, every way an error unwinds (the
        error flag after a helper, a failed native callee, a failed check) goes to the
        handler instead of leaving the function. The handler asks `ruff.catch` for the
        error value: the VM's own (`VM.error_value`'s message, line and stack, the
        stack from the shadow stack and the Python frames around), which clears the
        error; an error the VM's `except` does not catch (an interrupt) is raised again
        by it, so the handler's direct call fails and the error goes on unwinding."""
        handler, after = self.new_block(), self.new_block()
        outer = self.unwind
        self.unwind = handler
        self.region(op.regions[0])
        self.unwind = outer
        self.br(after)
        self.goto(handler)
        e = self.direct_op(op, "ruff.catch", (), None, "other", keep_site=True)
        block = op.regions[1].blocks.first
        if block is not None:
            for arg in block.args:
                self.kinds[arg] = "other"
        self.region(op.regions[1], [e] if e is not None else [])
        self.br(after)
        self.goto(after)

    def op_raise(self, op: Operation) -> None:
        """An error known when the program was compiled: the VM's `raise ERR(message)`,
        as a direct call that always fails."""
        self.generic(op, name="ruff.raise", operands=(), extra=prop(op, "message"),
                     result="unused")
        self.emit(llvm.UnreachableOp())

    def op_update_path(self, op: Operation) -> None:
        """`x<path> := v` where x is not a local typed array: one direct call of the VM's
        update (`support.update`, copy on write by reference count). On a local, the
        new container's reference moves into the variable; a global is read, checked
        and written back by the plan itself (the VM's order: the immutability check,
        then the update)."""
        ref = attr_strs(op, "chain")[0]
        path = prop(op, "path")
        value, keys = op.operands[0], tuple(op.operands[1:])
        if ref == "g":
            self.generic(op, name="ruff.update_global", operands=(value, *keys),
                         extra=(attr_str(op, "name"), path), result="unused")
            return
        slot = int(ref[1:])
        if self.slot_kinds[slot] in ("array:int", "array:float"):
            super().op_update_path(op)
            return
        old = self.v(llvm.LoadOp(self.slots[slot], PTR))
        new = self.direct_op(op, "ruff.update_local", (op.operands[0], value, *keys), path,
                             self.slot_kinds[slot], own=False, first=old)
        assert new is not None
        self.emit(llvm.StoreOp(new, self.slots[slot]))
        self.decref(old)

    # ------------------------------------------------------------ calls

    def op_call(self, op: Operation) -> None:
        """By name (or natively) at the call, unless the VM reads the global callee
        before the arguments (ruff.callee_early, `ProgramInfo.read_early`): then the
        value read where it was loaded is called, as any function value."""
        if (attr_str(op, "ruff.callee") or attr_str(op, "ruff.direct")) \
                and "ruff.callee_early" not in op.attributes:
            super().op_call(op)
            return
        self.define_generic(op, name="ruff.call_value")   # a function value

    def direct_call(self, op: Operation, symbol: str, rk: str) -> None:
        super().direct_call(op, symbol, rk)
        r = op.results[0]
        if ret_type(rk) == PTR:
            self.own_temp(self.values[r])   # a new reference
        elif rk == "null" and _uses(r):
            self.values[r] = self.boxed_const(None)

    def op_call_builtin(self, op: Operation) -> None:
        """A builtin that calls no Ruff function, in a function that holds boxed
        values, takes the direct path (the others: `ruff_rt_builtin`)."""
        from rufc.runtime.builtins import HIGHER_ORDER
        callee = attr_str(op, "callee")
        kinds = self.kinds_of(op)
        if not self.boxed_mode or callee in HIGHER_ORDER or "ruff.push_into" in op.attributes \
                or (callee == "len" and kinds in (["array:int"], ["array:float"])) \
                or (callee in MATH and len(kinds) == MATH[callee]
                    and all(k in NUM for k in kinds)):
            super().op_call_builtin(op)
            return
        if callee == "len" and boxed_fast.length(self, op):
            return
        self.define_generic(op, name="ruff.call_builtin", extra=callee)

    def helper_call(self, op: Operation, helper: str, site: int, rk: str) -> None:
        r = op.results[0]
        if rk in TYPES and not rk.startswith("array:"):
            super().helper_call(op, helper, site, rk)
            return
        if not _uses(r) or rk == "null":
            H.SITES[site].result = "unused" if rk != "null" else "null"
            self.call_helper(helper, site, "unused")
            if rk == "null" and _uses(r):
                self.define(op, self.boxed_const(None))
            else:
                self.kinds[r] = rk
            return
        value = self.call_helper(helper, site, rk)
        assert value is not None
        self.define(op, value)

    # ------------------------------------------------------------ control flow

    def op_return(self, op: Operation) -> None:
        if not self.boxed_mode and ret_type(self.result_kind) != PTR:
            super().op_return(op)
            return
        if op.operands:
            self.return_value(op.operands[0])
        else:
            v = self.null_result()
            self.release_arrays()
            self.emit(llvm.ReturnOp(self.pair(v, False)))

    def null_result(self) -> SSAValue:
        """A boxed result kind returns null as the None object, a new reference as
        every boxed result (found by the tier fuzzer: a function of result kind "any"
        that fell off its end returned NULL, and its caller crashed on it)."""
        if is_boxed(self.result_kind) and ret_type(self.result_kind) == PTR:
            none = self.boxed_const(None)
            self.incref(none)
            return none
        return super().null_result()

    def return_value(self, x: SSAValue) -> None:
        if ret_type(self.result_kind) == PTR:
            v = self.convert(self.val(x), self.kind(x), self.result_kind)
            self.incref(v)   # the caller gets a reference of its own
        elif self.result_kind in TYPES:
            v = self.convert(self.val(x), self.kind(x), self.result_kind)
        else:
            v = self.zero(self.result_kind)
        self.release_arrays()
        self.emit(llvm.ReturnOp(self.pair(v, False)))

    def op_if(self, op: Operation) -> None:
        result_kinds = attr_strs(op, "ruff.kinds")
        if all(k in TYPES for k in result_kinds):
            super().op_if(op)
            return
        cond = self.val(op.operands[0])
        then, other = self.new_block(), self.new_block()
        merge = self.new_block([ltype(k) for k in result_kinds])
        self.emit(llvm.CondBrOp(cond, then, [], other, []))
        for region, block in zip(op.regions, (then, other)):
            self.goto(block)
            yielded = self.region_yield_values(region)
            if not self.terminated():
                vals = [self.convert(self.val(v), self.kind(v), k)
                        for v, k in zip(yielded, result_kinds)]
                self.br(merge, *vals)
        self.goto(merge)
        self.define(op, *merge.args)

    def region_yield_values(self, region: Any) -> list[SSAValue]:
        block = region.blocks.first
        if block is None:
            return []
        out: list[SSAValue] = []
        for inner in block.ops:
            if self.terminated():
                self.goto(self.new_block())
            if inner.name == "ruff.yield":
                out = list(inner.operands)
            else:
                self.op(inner)
        return out


class LoweringBaseRelease:
    """Releasing every reference a frame holds (variables and temporaries)."""

    @staticmethod
    def release_all(lw: BoxedLowering) -> None:
        for slot, k in enumerate(lw.slot_kinds):
            if refslot(k) and slot in lw.slots:
                lw.decref(lw.v(llvm.LoadOp(lw.slots[slot], PTR)))
        if lw.temp_base is None:
            return
        # for i in 0..len(temps): Py_DecRef(temps[i]) -- a loop, not one load per
        # temporary at every way out (see temp_slot); the prologue is placed already,
        # so its constants are made here
        zero = lw.v(llvm.ConstantOp(IntegerAttr(0, i64), i64))
        one = lw.v(llvm.ConstantOp(IntegerAttr(1, i64), i64))
        count = lw.v(llvm.ConstantOp(IntegerAttr(len(lw.temps), i64), i64))
        head, body, done = lw.new_block([i64]), lw.new_block(), lw.new_block()
        lw.emit(llvm.BrOp(head, zero))
        lw.goto(head)
        i = head.args[0]
        more = lw.v(llvm.ICmpOp(i, count, icmp_pred("slt")))
        lw.emit(llvm.CondBrOp(more, body, [], done, []))
        lw.goto(body)
        at = lw.v(llvm.GEPOp(lw.temp_base, [llvm.GEP_USE_SSA_VAL], PTR, ssa_indices=[i]))
        lw.decref(lw.v(llvm.LoadOp(at, PTR)))
        lw.emit(llvm.BrOp(head, lw.v(llvm.AddOp(i, one))))
        lw.goto(done)


def _boxed_result(op: Operation) -> None:
    """A read of a cell or of a name with candidates gives an object."""
    kind = attr_strs(op, "ruff.kinds")[0]
    if not is_boxed(kind):
        from rufc.passes.lowering.common import LoweringError
        raise LoweringError(f"a variable that may change under native code read as a {kind}")


def site_name(name: str, extra: Any) -> str:
    """A site's name: the op, and what else it needs as a Python literal after '|'
    (sites hold only plain data: a compiled unit stores them, runtime/native_cache)."""
    return name if extra is None else f"{name}|{extra!r}"


def prop(op: Operation, name: str) -> Any:
    """The compact value of one of op's properties (as the optable declares it)."""
    from rufc.dialects.convert import _from_attr
    from rufc.dialects.optable import SPECS
    kind = dict(SPECS[op.name].attrs)[name]
    a = op.properties.get(name)
    if a is None:   # (not `or`: an attribute of 0 may be falsy)
        a = op.attributes.get(name)
    if a is None:
        return () if kind in ("strs", "ints") else None
    return _from_attr(op, name, kind, a)


__all__ = ["BoxedLowering", "i1"]
