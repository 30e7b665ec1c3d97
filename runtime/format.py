"""Text of Ruff values: `print`, `to_string`, `str` and `"${}"` (LANGUAGE.md §11).

`to_string(v)` is the one formatter; `format_float(x)` is Rust's `Display` for f64
(shortest round-trip digits, positional notation, no `.0` on integral values).

Nested values are formatted with an explicit work stack, never by recursion, so an
array nested 100 000 deep prints instead of overflowing the Python stack.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .values import (
    INT_CODE,
    TRUE,
    RArray,
    RBool,
    RDict,
    RErr,
    RNone,
    ROk,
    RSome,
    RStruct,
    RStructType,
    struct_fields,
)

__all__ = ["to_string", "format_float"]


def format_float(x: float) -> str:
    """Rust `Display` for f64: `1.0` -> `1`, `1e20` -> `100000000000000000000`,
    `1.5e-7` -> `0.00000015`, `-0.0` -> `-0`, NaN -> `NaN`, infinities `inf` / `-inf`."""
    r = repr(x)
    if "e" in r or "n" in r:  # exponent form, 'inf', 'nan'
        return _format_float_slow(x, r)
    if r[-2:] == ".0":
        return r[:-2]
    return r


def _format_float_slow(x: float, r: str) -> str:
    if x != x:
        return "NaN"
    if r == "inf":
        return "inf"
    if r == "-inf":
        return "-inf"
    mant, _, exp_text = r.partition("e")
    sign = ""
    if mant[0] == "-":
        sign = "-"
        mant = mant[1:]
    # repr's exponent form is `D[.DDD]e[+-]XX` with one non-zero leading digit.
    int_part, _, frac_part = mant.partition(".")
    digits = (int_part + frac_part).rstrip("0") or "0"
    point = len(int_part) + int(exp_text)  # position of the decimal point in `digits`
    n = len(digits)
    if point >= n:
        text = digits + "0" * (point - n)
    elif point <= 0:
        text = "0." + "0" * (-point) + digits
    else:
        text = digits[:point] + "." + digits[point:]
    return sign + text


def _function_text(v: Any) -> str:
    if getattr(v, "ruff_builtin", False):
        return f"<native function: {v.ruff_name}>"
    name = getattr(v, "ruff_name", None)
    if name is None:
        raise TypeError(f"not a Ruff value: {v!r}")
    if name == "<anonymous>":
        return "<function>"
    return f"<function {name}>"


def to_string(v: Any) -> str:
    """The text `print` writes for v (LANGUAGE.md §11)."""
    t = type(v)
    if t is str:
        return v
    if t is int:
        return str(v)
    if t is float:
        return format_float(v)
    if t is RBool:
        return "true" if v is TRUE else "false"
    if v is None:
        return "null"
    if t is RArray:
        d = v.data
        if type(d) is not list:  # typed storage: flat, all ints or all floats
            if d.typecode == INT_CODE:
                return "[" + ", ".join(map(str, d)) + "]"
            return "[" + ", ".join(map(format_float, d)) + "]"
        if not d:
            return "[]"
    return _to_string_nested(v)


_Emit = Callable[[str], None]     # appends text to the output
_Push = Callable[[Any], None]     # pushes pending work (text or a value) on the stack
_Pusher = Callable[[Any, _Emit, _Push], None]


def _to_string_nested(root: Any) -> str:
    """Iterative formatter for containers and the rarer kinds of values.

    `stack` holds pending work, popped from the end: a `str` on it is emitted as is
    (string values print raw, so literal punctuation and Ruff strings are the same
    kind of item), anything else is a value still to be formatted: a leaf by
    `_LEAVES`, a container by `_CONTAINERS` (which emits its opening and pushes its
    elements and closing).
    """
    out: list[str] = []
    emit = out.append
    stack: list[Any] = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        v = pop()
        t = type(v)
        if t is str:
            emit(v)
        elif v is None:
            emit("null")
        else:
            leaf = _LEAVES.get(t)
            if leaf is not None:
                emit(leaf(v))
            else:
                _CONTAINERS.get(t, _push_function)(v, emit, push)
    return "".join(out)


def _push_array(v: RArray, emit: _Emit, push: _Push) -> None:
    d = v.data
    if type(d) is not list:
        if d.typecode == INT_CODE:
            emit("[" + ", ".join(map(str, d)) + "]")
        else:
            emit("[" + ", ".join(map(format_float, d)) + "]")
        return
    if not d:
        emit("[]")
        return
    emit("[")
    push("]")
    for i in range(len(d) - 1, 0, -1):
        push(d[i])
        push(", ")
    push(d[0])


def _push_fields(fields: dict[str, Any], open_: str, close: str, quote: str,
                 push: _Push) -> None:
    """Push `open_ k: v, k: v close` (keys sorted, quoted with `quote`) in reverse."""
    keys = sorted(fields)
    push(close)
    for i in range(len(keys) - 1, -1, -1):
        k = keys[i]
        push(fields[k])
        push((open_ if i == 0 else ", ") + quote + k + quote + ": ")


def _push_dict(v: RDict, emit: _Emit, push: _Push) -> None:
    if not v.data:
        emit("{}")
    else:
        _push_fields(v.data, "{", "}", '"', push)


def _push_struct(v: RStruct, emit: _Emit, push: _Push) -> None:
    name = v.type.name
    if not v.fields:
        emit(name + " {}")
    else:
        _push_fields(struct_fields(v), name + " { ", " }", "", push)


def _wrapper(label: str) -> _Pusher:
    """`Ok(v)`, `Err(v)`, `Some(v)`: the label, then the payload, then `)`."""
    def push_wrapped(v: Any, emit: _Emit, push: _Push) -> None:
        emit(label + "(")
        push(")")
        push(v.value)
    return push_wrapped


def _push_function(v: Any, emit: _Emit, push: _Push) -> None:
    emit(_function_text(v))


_LEAVES: dict[type, Callable[[Any], str]] = {
    int: str,
    float: format_float,
    RBool: lambda v: "true" if v is TRUE else "false",
    RNone: lambda v: "None",
    RStructType: lambda v: f"<struct {v.name}>",
}
_CONTAINERS: dict[type, _Pusher] = {
    RArray: _push_array,
    RDict: _push_dict,
    RStruct: _push_struct,
    ROk: _wrapper("Ok"),
    RErr: _wrapper("Err"),
    RSome: _wrapper("Some"),
}
