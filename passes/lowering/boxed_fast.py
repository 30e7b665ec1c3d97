"""Inline fast paths for the commonest boxed ops (issue 15).

A boxed op costs a Python call on the direct path (`BoxedLowering.direct_op`: the
site's plan through `PyObject_Vectorcall`), where the VM's generated code runs the
same op inline. For the ops that string-heavy code and code reading numbers out of
containers repeat, native code tests the operands' types and, when they are the
common ones, does the op itself or calls CPython's own C function:

* two `str`s: `a + b` -> `PyUnicode_Concat`; `==`, `!=`, `<`, `<=`, `>`, `>=` ->
  `PyUnicode_Compare` against 0; `len(s)` -> `PyUnicode_GetLength`;
* two ints, one of them boxed (a value of kind "any", e.g. read out of a dict): `+`,
  `-`, `*` with the overflow intrinsics, and the comparisons, on i64s
  (`PyLong_AsLongLong`), the result boxed again if its kind is boxed.

Anything else takes the direct path, and so does a fast path that cannot finish: an
overflow, a conversion that returned -1 (which may be an error), a concatenation that
returned NULL (its exception is forgotten). The direct path then runs the VM's rule,
which raises the op's error with its site, so errors only ever come from there. Each
rule is the VM's for these types (`semantics.add`, `eq`, `lt`, `builtins._len`: on two
`str`s or two ints exactly Python's `+`, `==`, `<` and `len`). A type test compares
`ob_type` with the type's fixed slot in `ruff_rt_consts`; an operand whose kind is
statically "str" or "int" needs none.

String constants are made once per native call, at their first use (a slot of the
frame that the direct path fills and every exit releases), not at every use.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from xdsl.dialects import llvm
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, i1, i32, i64
from xdsl.ir import Block, Operation, SSAValue

from rufc.passes.lowering.common import PTR, attr_str, attr_strs, icmp_pred, ltype

if TYPE_CHECKING:
    from rufc.passes.lowering.boxed import BoxedLowering

# the predicate on PyUnicode_Compare's result, or on two i64s, for each comparison
_COMPARE = {"ruff.eq": "eq", "ruff.ne": "ne", "ruff.lt": "slt", "ruff.le": "sle",
            "ruff.gt": "sgt", "ruff.ge": "sge"}
_ARITH = {"ruff.add": "add", "ruff.sub": "sub", "ruff.mul": "mul"}


@dataclass
class Path:
    """One fast path of an op, given the operands as objects: `test(objs)` emits its
    guard (an i1, or None when the operands' kinds prove it); `fast(objs, direct)`
    emits the op and gives its result, branching to the block `direct` where it
    cannot finish."""
    test: Callable[[list[SSAValue]], SSAValue | None]
    fast: Callable[[list[SSAValue], Block], SSAValue]


def lower(lw: BoxedLowering, op: Operation, paths: list[Path],
          direct: Callable[[], SSAValue | None]) -> None:
    """`op` as its fast paths, tried in order, then the direct path (`direct()`)."""
    objs = [lw.val(v) for v in op.operands]
    join = lw.new_block([ltype(attr_strs(op, "ruff.kinds")[0])])
    direct_b = lw.new_block()
    for path in paths:
        cond = path.test(objs)
        fast_b, next_b = lw.new_block(), lw.new_block()
        lw.emit(llvm.CondBrOp(lw.const(True, "bool") if cond is None else cond,
                              fast_b, [], next_b, []))
        lw.goto(fast_b)
        lw.br(join, path.fast(objs, direct_b))
        lw.goto(next_b)
    lw.br(direct_b)
    lw.goto(direct_b)
    d = direct()
    assert d is not None
    lw.br(join, d)
    lw.goto(join)
    lw.define(op, join.args[0])


def type_is(lw: BoxedLowering, p: SSAValue, kind: str, t: type) -> SSAValue | None:
    """An i1 that says `p` is an object of type `t`; None when `kind` says so already."""
    if kind == t.__name__:
        return None
    ob_type = lw.v(llvm.LoadOp(lw.v(llvm.GEPOp(p, [1], i64)), PTR))   # after ob_refcnt
    return lw.v(llvm.ICmpOp(ob_type, lw.boxed_const(t), icmp_pred("eq")))


def all_of(lw: BoxedLowering, tests: list[SSAValue | None]) -> SSAValue | None:
    conds = [t for t in tests if t is not None]
    if not conds:
        return None
    cond = conds[0]
    for t in conds[1:]:
        cond = lw.v(llvm.AndOp(cond, t))
    return cond


def unless(lw: BoxedLowering, failed: SSAValue, direct: Block, clear: bool = False) -> None:
    """Go to `direct` if `failed` (first forgetting CPython's pending exception)."""
    ok = lw.new_block()
    if not clear:
        lw.emit(llvm.CondBrOp(failed, direct, [], ok, []))
    else:
        clear_b = lw.new_block()
        lw.emit(llvm.CondBrOp(failed, clear_b, [], ok, []))
        lw.goto(clear_b)
        lw.declare("PyErr_Clear")
        lw.emit(llvm.CallOp("PyErr_Clear"))
        lw.br(direct)
    lw.goto(ok)


def str_path(lw: BoxedLowering, op: Operation,
             fast: Callable[[list[SSAValue], Block], SSAValue]) -> Path | None:
    """The path for operands that are all strs (None if one of them cannot be)."""
    kinds = [lw.kind(v) for v in op.operands]
    if not all(k in ("str", "any") for k in kinds):
        return None
    return Path(lambda objs: all_of(lw, [type_is(lw, p, k, str) for p, k in zip(objs, kinds)]),
                fast)


def int_path(lw: BoxedLowering, op: Operation,
             fast: Callable[[list[SSAValue], Block], SSAValue]) -> Path | None:
    """The path for operands that are all ints, one of them at least boxed (when none
    is, the op is native already): `fast` gets them as i64s."""
    kinds = [lw.kind(v) for v in op.operands]
    if not all(k in ("int", "any") for k in kinds) or "any" not in kinds:
        return None

    def unboxed(objs: list[SSAValue], direct: Block) -> SSAValue:
        lw.declare("PyLong_AsLongLong")
        vals = []
        for p, k in zip(objs, kinds):
            if k == "int":
                vals.append(p)
                continue
            v = lw.v(llvm.CallOp("PyLong_AsLongLong", p, return_type=i64))
            unless(lw, lw.v(llvm.ICmpOp(v, lw.const(-1, "int"), icmp_pred("eq"))), direct,
                   clear=True)   # -1 may be an error (not an i64): let the VM's rule say
            vals.append(v)
        return fast(vals, direct)
    return Path(lambda objs: all_of(lw, [type_is(lw, p, k, int) for p, k in zip(objs, kinds)]),
                unboxed)


def _used(op: Operation) -> bool:
    return bool(op.results) and bool(op.results[0].uses)


def binary(lw: BoxedLowering, op: Operation) -> bool:
    """`+ - *` with a fast path (False, nothing emitted, when none applies)."""
    rk = attr_strs(op, "ruff.kinds")[0]
    if not _used(op) or (ltype(rk) != PTR and rk != "int"):
        return False

    def concat(objs: list[SSAValue], direct: Block) -> SSAValue:
        lw.declare("PyUnicode_Concat")
        r = lw.v(llvm.CallOp("PyUnicode_Concat", *objs, return_type=PTR))
        unless(lw, lw.v(llvm.ICmpOp(r, lw.null_ptr(), icmp_pred("eq"))), direct, clear=True)
        return lw.own_temp(r)   # a new reference, kept as any op's result

    def arith(vals: list[SSAValue], direct: Block) -> SSAValue:
        pair = llvm.LLVMStructType.from_type_list([i64, i1])
        r = lw.v(llvm.CallIntrinsicOp(f"llvm.s{_ARITH[op.name]}.with.overflow.i64", vals,
                                      [pair]))
        unless(lw, lw.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [1]), r, i1)),
               direct)   # the VM's rule raises the overflow error
        value = lw.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [0]), r, i64))
        return value if rk == "int" else lw.box(value, "int")

    slot = append_slot(lw, op)

    def strs(objs: list[SSAValue], direct: Block) -> SSAValue:
        return concat(objs, direct) if slot is None else append(lw, op, slot, objs)

    paths = [p for p in (str_path(lw, op, strs) if op.name == "ruff.add"
                         and ltype(rk) == PTR else None,
                         int_path(lw, op, arith)) if p is not None]
    if not paths:
        return False
    lower(lw, op, paths, lambda: lw.generic(op))
    return True


def append_slot(lw: BoxedLowering, op: Operation) -> SSAValue | None:
    """The address of local variable x's slot if `op` is the add of `x = x + y` that may
    append to x in place (passes/specialize.py, `_appends`): a slot of its own (not a
    closure's cell) holding a reference (a boxed kind)."""
    ref = attr_str(op, "ruff.append")
    if not ref.startswith("l"):
        return None
    slot = int(ref[1:])
    if slot in lw.cell_slots or slot not in lw.slots or ltype(lw.slot_kinds[slot]) != PTR \
            or lw.slot_kinds[slot].startswith("array:"):
        return None
    return lw.slots[slot]


def append(lw: BoxedLowering, op: Operation, slot: SSAValue, objs: list[SSAValue]) -> SSAValue:
    """`x = x + y` on two strs, x's slot at `slot` (objs[0] is borrowed from it):
    `PyUnicode_Append(slot, y)`, CPython's own append, which changes x's string in
    place when the slot holds the only reference to it (and copies otherwise), so a
    string built in a loop costs linear time. The result is borrowed from the slot:
    the store right after (`x = ...`) finds it there already. When y is x's own
    string (appending in place would read y after moving it): `PyUnicode_Concat`,
    its result kept as any op's. An append that fails (out of memory) has freed x's
    string and left NULL in the slot, which no handler may see: `ruff.append_lost`
    ends the program (errors.FatalError), as the cold tier does for any failed
    append of two strings (so a failed concatenation here does too)."""
    same, differ, lost = lw.new_block(), lw.new_block(), lw.new_block()
    done = lw.new_block([PTR])
    lw.emit(llvm.CondBrOp(lw.v(llvm.ICmpOp(objs[0], objs[1], icmp_pred("eq"))),
                          same, [], differ, []))
    lw.goto(same)
    lw.declare("PyUnicode_Concat")
    both = lw.v(llvm.CallOp("PyUnicode_Concat", *objs, return_type=PTR))
    ok = lw.new_block()
    lw.emit(llvm.CondBrOp(lw.v(llvm.ICmpOp(both, lw.null_ptr(), icmp_pred("eq"))),
                          lost, [], ok, []))
    lw.goto(ok)
    lw.br(done, lw.own_temp(both))
    lw.goto(differ)
    lw.declare("PyUnicode_Append")
    lw.emit(llvm.CallOp("PyUnicode_Append", slot, objs[1]))
    r = lw.v(llvm.LoadOp(slot, PTR))
    ok = lw.new_block()
    lw.emit(llvm.CondBrOp(lw.v(llvm.ICmpOp(r, lw.null_ptr(), icmp_pred("eq"))), lost, [], ok, []))
    lw.goto(ok)
    lw.br(done, r)
    lw.goto(lost)
    lw.declare("PyErr_Clear")
    lw.emit(llvm.CallOp("PyErr_Clear"))
    lw.direct_op(op, "ruff.append_lost", (), None, "unused")
    lw.emit(llvm.UnreachableOp())
    lw.goto(done)
    return done.args[0]


def compare(lw: BoxedLowering, op: Operation) -> bool:
    """`==`, `!=`, `<`, `<=`, `>`, `>=` with a fast path (an i1, as the direct path
    gives); False, with nothing emitted, when none applies."""
    if not _used(op) or attr_strs(op, "ruff.kinds")[0] not in ("bool", "i1"):
        return False
    pred = icmp_pred(_COMPARE[op.name])

    def strs(objs: list[SSAValue], direct: Block) -> SSAValue:
        lw.declare("PyUnicode_Compare")
        c = lw.v(llvm.CallOp("PyUnicode_Compare", *objs, return_type=i32))
        return lw.v(llvm.ICmpOp(c, lw.v(llvm.ConstantOp(IntegerAttr(0, i32), i32)), pred))

    def ints(vals: list[SSAValue], direct: Block) -> SSAValue:
        return lw.v(llvm.ICmpOp(vals[0], vals[1], pred))

    paths = [p for p in (str_path(lw, op, strs), int_path(lw, op, ints)) if p is not None]
    if not paths:
        return False
    lower(lw, op, paths, lambda: lw.generic(op, operands=tuple(op.operands)))
    return True


def length(lw: BoxedLowering, op: Operation) -> bool:
    """`len(s)` of a str (an i64, as the direct path gives an int); False, with
    nothing emitted, when the operand cannot be a str."""
    if len(op.operands) != 1 or not _used(op) or attr_strs(op, "ruff.kinds")[0] != "int":
        return False

    def strlen(objs: list[SSAValue], direct: Block) -> SSAValue:
        lw.declare("PyUnicode_GetLength")
        return lw.v(llvm.CallOp("PyUnicode_GetLength", objs[0], return_type=i64))

    path = str_path(lw, op, strlen)
    if path is None:
        return False
    lower(lw, op, [path], lambda: lw.generic(op, name="ruff.call_builtin", extra="len"))
    return True


def lazy_const(lw: BoxedLowering, const: Operation, v: SSAValue) -> SSAValue:
    """A string constant: made on the direct path at its first use in this call and
    kept in a slot of the frame (released on every way out, as a temporary)."""
    key = (id(lw.prologue), const)
    slot = lw.const_slots.get(key)
    if slot is None:
        slot = lw.const_slots[key] = lw.temp_slot()
    have = lw.v(llvm.LoadOp(slot, PTR))
    make_b, join = lw.new_block(), lw.new_block([PTR])
    missing = lw.v(llvm.ICmpOp(have, lw.null_ptr(), icmp_pred("eq")))
    lw.emit(llvm.CondBrOp(missing, make_b, [], join, [have]))
    lw.goto(make_b)
    made = lw.direct_op(const, "ruff.const", (v,), None, lw.kind(v), own=False)
    assert made is not None
    lw.emit(llvm.StoreOp(made, slot))
    lw.br(join, made)
    lw.goto(join)
    return join.args[0]
