"""Types, constants and attribute readers shared by the lowering's op families."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from xdsl.dialects import llvm
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, IntegerType, StringAttr, f64, i1, i64
from xdsl.ir import Attribute, Block, Operation

# re-exported (`X as X`) for the lowering's op families: the entry's error result
from rufc.runtime.helpers import INT_SENTINEL as INT_SENTINEL

PTR = llvm.LLVMPointerType()
TYPES = {"int": i64, "float": f64, "bool": i1, "i1": i1, "array:int": PTR, "array:float": PTR}
ICMP = {"ruff.lt": "slt", "ruff.le": "sle", "ruff.gt": "sgt", "ruff.ge": "sge",
         "ruff.eq": "eq", "ruff.ne": "ne"}
FCMP = {"ruff.lt": "olt", "ruff.le": "ole", "ruff.gt": "ogt", "ruff.ge": "oge"}
EPSILON = 2.220446049250313e-16
ARRAYS = ("array:int", "array:float")
MATH = {"sqrt": 1, "abs": 1, "floor": 1, "ceil": 1, "min": 2, "max": 2}   # name -> arity
I64_MIN = -(1 << 63)
FLOAT_SENTINEL_BITS = 0x7FF8_DEAD_0000_0001   # a quiet NaN with a payload


class LoweringError(Exception):
    """The annotated IR has something this lowering cannot handle (a bug: the
    specialization's compilability check should have refused it)."""


def is_boxed(kind: str) -> bool:
    """A kind native code holds as a PyObject* of the VM's own value (a "value": a
    string, dict, struct, null, an array of anything, or a value whose kind is not
    known statically). Typed arrays are PyObject*s too, read in place."""
    return kind not in TYPES and kind not in ("function", "unused")


def ltype(kind: str) -> Attribute:
    """The LLVM type of a value of `kind`: unboxed scalars, else a PyObject*."""
    return TYPES.get(kind, PTR)


def ret_type(kind: str) -> Attribute:
    """What a native function returns for its result kind: null is an i64 0 (the
    function's result is never used as a value: callers use the None constant)."""
    if kind == "null":
        return i64
    return ltype(kind)


def native_result(kind: str) -> Attribute:
    """What a native function returns: its result and the error flag."""
    return llvm.LLVMStructType.from_type_list([ret_type(kind), i1])


def attr_str(op: Operation, name: str) -> str:
    a = op.attributes.get(name) or op.properties.get(name)
    return cast(StringAttr, a).data if a is not None else ""


def attr_strs(op: Operation, name: str) -> tuple[str, ...]:
    a = op.attributes.get(name) or op.properties.get(name)
    if a is None:
        return ()
    return tuple(cast(StringAttr, x).data for x in cast(ArrayAttr[Attribute], a).data)


def attr_ints(op: Operation, name: str) -> tuple[int, ...]:
    a = op.properties.get(name)
    if a is None:
        return ()
    return tuple(cast(IntegerAttr, x).value.data for x in cast(ArrayAttr[Attribute], a).data)


def op_pos(op: Operation) -> tuple[int, int]:
    from rufc.dialects.convert import _file_line_col
    where = _file_line_col(op.location)
    return (where[1], where[2]) if where else (0, 0)


@dataclass
class LoopTargets:
    """The blocks `continue` and `break` of the innermost loop jump to."""
    next: Block     # where `continue` goes
    exit: Block     # where `break` goes


def float_bits(x: float) -> int:
    import struct
    return int.from_bytes(struct.pack("<d", x), "little")


def icmp_pred(name: str) -> IntegerAttr[IntegerType]:
    return IntegerAttr(llvm.ICmpPredicateFlag(name).to_int(), i64)


_TERMINATOR: Any = None


def is_terminator() -> Any:
    global _TERMINATOR
    if _TERMINATOR is None:
        from xdsl.traits import IsTerminator
        _TERMINATOR = IsTerminator
    return _TERMINATOR
