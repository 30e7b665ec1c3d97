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
  it in a *temporary slot* of its own, an alloca of the frame: when the op runs again
  its previous reference is released, and all temporaries are released on every way
  out of the function (returns and errors alike);
* every other boxed SSA value is borrowed: from a variable, a temporary, the caller
  (parameters) or the constant table (`ruff_rt_consts`, kept alive by the process);
* a boxed result is returned as a new reference (the caller's temporary takes it).

So a loop that builds a string per iteration holds at most one string per op at a
time, and everything native code held is released when it returns or unwinds.
"""
from __future__ import annotations

from typing import Any

from xdsl.dialects import llvm
from xdsl.dialects.builtin import i1, i64
from xdsl.ir import Block, Operation, SSAValue

from rufc.passes.lowering.base import refslot
from rufc.passes.lowering.common import (
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

NUM = ("int", "float")
SCALAR = ("int", "float", "bool", "i1")


def _uses(v: SSAValue) -> bool:
    return bool(v.uses)


class BoxedLowering(ControlLowering):
    """Ops on boxed operands through `ruff_rt_op`; boxing at the boundary."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.temps: list[SSAValue] = []
        self.release_points: list[Block] = []
        self.boxed_mode = self._uses_boxed()

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
                   and attr_str(u.operation, "ruff.callee") for u in r.uses)

    # ------------------------------------------------------------ exits and references

    def lower(self) -> None:
        super().lower()
        if not self.boxed_mode:
            return
        for blk in self.release_points:   # every way out releases every reference
            term = blk.last_op
            assert term is not None
            term.detach()
            self.goto(blk)
            LoweringBaseRelease.release_all(self)
            blk.add_op(term)

    def release_arrays(self) -> None:
        if self.boxed_mode:   # filled in at the end, when every temporary is known
            self.release_points.append(self.block)
            return
        super().release_arrays()

    def own_temp(self, p: SSAValue) -> SSAValue:
        """p is a new reference: keep it in a temporary slot of this op (see the rule)."""
        slot = self.alloca(PTR)
        self.prologue.append(llvm.StoreOp(self.null_ptr(), slot))
        self.temps.append(slot)
        old = self.v(llvm.LoadOp(slot, PTR))
        self.emit(llvm.StoreOp(p, slot))
        self.decref(old)
        return p

    def boxed_const(self, value: Any) -> SSAValue:
        """A constant object (borrowed from the constant table), loaded once per call."""
        from rufc.runtime.boxed_helpers import const_slot
        k = const_slot(value)
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
            # a string: made by the helper from its site at each use (machine code
            # holds no process-specific addresses)
            r = self.generic(owner, name="ruff.const", operands=(v,), result=self.kind(v))
            assert r is not None
            return r
        return self.values[v]

    # ------------------------------------------------------------ the generic helper

    def generic(self, op: Operation, name: str | None = None,
                operands: tuple[SSAValue, ...] | None = None, extra: Any = None,
                result: str | None = None) -> SSAValue | None:
        """`ruff_rt_op(site, argv)`: op `name` (default: op's own) on boxed operands."""
        args = tuple(op.operands) if operands is None else operands
        rk = result if result is not None else (attr_strs(op, "ruff.kinds") or ("unused",))[0]
        used = result is not None or (bool(op.results) and _uses(op.results[0]))
        kinds, consts = self.arg_slots(args)
        site_rk = rk if used or not refslot(rk) else "unused"
        site = self.site(op, "op", name=site_name(name or op.name, extra), arg_kinds=kinds,
                         consts=consts, nargs=len(args), result=site_rk)
        return self.call_helper("ruff_rt_op", site, site_rk)

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

    def _binary(self, op: Operation, native: Any) -> None:
        if all(k in NUM for k in self.kinds_of(op)):
            native(op)
        else:
            self.define_generic(op)

    def op_add(self, op: Operation) -> None:
        self._binary(op, super().op_add)

    def op_sub(self, op: Operation) -> None:
        self._binary(op, super().op_sub)

    def op_mul(self, op: Operation) -> None:
        self._binary(op, super().op_mul)

    def op_div(self, op: Operation) -> None:
        self._binary(op, super().op_div)

    def op_mod(self, op: Operation) -> None:
        self._binary(op, super().op_mod)

    def op_lt(self, op: Operation) -> None:
        self._binary(op, super().op_lt)

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
        self.define_generic(op, operands=(), extra=prop(op, "callee"))

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
        akinds, _ = self.arg_slots((op.operands[0],))
        site = self.site(op, "op", name=site_name(op.name, (tuple(outs), attrs)),
                         arg_kinds=akinds, nargs=1, result="unused")
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

    # ------------------------------------------------------------ variables

    def op_load_var(self, op: Operation) -> None:
        chain = attr_strs(op, "chain")
        if chain and chain[0] in ("g", "b"):
            if self._callee_only(op):
                self.kinds[op.results[0]] = "function"   # called by name (ruff_rt_call)
                return
            self.define_generic(op, name="ruff.load_global", operands=(),
                                extra=attr_str(op, "name"))
            return
        super().op_load_var(op)

    def op_store_var(self, op: Operation) -> None:
        chain = attr_strs(op, "chain")
        if chain == ("g",) or (not chain and attr_str(op, "create") == "g"):
            v = op.operands[0]
            self.generic(op, name="ruff.store_global", operands=(v,),
                         extra=attr_str(op, "name"), result="unused")
            return
        super().op_store_var(op)

    def op_declare_var(self, op: Operation) -> None:
        if attr_str(op, "target") == "g":
            extra = (prop(op, "name"), prop(op, "kind"), bool(prop(op, "check")))
            self.generic(op, name="ruff.declare_global", operands=(op.operands[0],),
                         extra=extra, result="unused")
            return
        super().op_declare_var(op)

    # ------------------------------------------------------------ calls

    def op_call(self, op: Operation) -> None:
        if attr_str(op, "ruff.callee") or attr_str(op, "ruff.direct"):
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
            self.release_arrays()
            self.emit(llvm.ReturnOp(self.pair(self.zero(self.result_kind), False)))

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
        for t in lw.temps:
            lw.decref(lw.v(llvm.LoadOp(t, PTR)))


def site_name(name: str, extra: Any) -> str:
    """A site's name: the op, and what else it needs as a Python literal after '|'
    (sites hold only plain data: a compiled unit stores them, runtime/native_cache)."""
    return name if extra is None else f"{name}|{extra!r}"


def prop(op: Operation, name: str) -> Any:
    """The compact value of one of op's properties (as the optable declares it)."""
    from rufc.dialects.convert import _from_attr
    from rufc.dialects.optable import SPECS
    kind = dict(SPECS[op.name].attrs)[name]
    a = op.properties.get(name) or op.attributes.get(name)
    if a is None:
        return () if kind in ("strs", "ints") else None
    return _from_attr(op, name, kind, a)


__all__ = ["BoxedLowering", "i1"]
