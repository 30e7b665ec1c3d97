"""Helpers the generated cold-tier code calls: slow paths, constructors, bindings.

Each is small and defers to `rufc.runtime.semantics` for the meaning of an operation;
what lives here is the glue that is specific to the generated code: copy-on-write by
reference count, global bindings, destructuring, closures' metadata.

Copy-on-write (LANGUAGE.md §10): `update(c, path, idx, v, owners)` mutates `c` in place
only if nothing but its `owners` references holds it. `sys.getrefcount` counts the
owners, our parameter and its own argument, so "unique" is `owners + 2`.
"""
from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from rufc.runtime import semantics
from rufc.runtime.errors import RuffError, append_failed
from rufc.runtime.stack import HelperFrames
from rufc.runtime.values import (
    NONE,
    UNBOUND,
    RArray,
    RDict,
    RErr,
    ROk,
    RSome,
    RStruct,
    RStructType,
    field_value,
    is_function,
    type_name,
)

GRC = sys.getrefcount


def err(message: str) -> RuffError:
    return RuffError(message)


def undefined(name: str) -> RuffError:
    return RuffError(f"Undefined variable: {name}")


def immutable(verb: str, kind: str, name: str) -> RuffError:
    if kind == "const":
        return RuffError(f"Cannot {verb} const binding: {name}")
    return RuffError(f"Cannot {verb} immutable let binding: {name}")


def duplicate(name: str) -> RuffError:
    return RuffError(f"Duplicate declaration in the same scope: {name}")


def arity_builtin(name: str, got: int) -> RuffError:
    from rufc.runtime.builtins import BUILTINS
    return semantics.arity_error(BUILTINS[name].impl, got)


def call_failed(f: Any, nargs: int, exc: TypeError) -> None:
    """A call `f(args)` raised TypeError: word the Ruff error, or re-raise a real bug."""
    semantics.check_call(f, nargs)
    if not is_function(f):
        raise RuffError(f"Cannot call non-function: {type_name(f)}")
    raise exc


def _copy(c: Any) -> Any:
    t = type(c)
    if t is RArray or t is RDict or t is RStruct:
        return c.copy()
    return c


def _get_step(c: Any, step: str, key: Any) -> Any:
    if step == "[]":
        return semantics.get_index(c, key)
    return semantics.get_field(c, step[1:])


def _set_step(c: Any, step: str, key: Any, v: Any) -> None:
    if step == "[]":
        semantics.set_index(c, key, v)
    else:
        semantics.set_field(c, step[1:], v)


def update(c: Any, path: tuple[str, ...], idx: tuple[Any, ...], v: Any, owners: int = 1) -> Any:
    """The container held by a variable after `var<path> := v`; copies what is shared."""
    if GRC(c) > owners + 2:
        c = _copy(c)
    if len(path) == 1:
        _set_step(c, path[0], idx[0] if idx else None, v)
        return c
    keys = iter(idx)
    node = c
    last = len(path) - 1
    for k, step in enumerate(path):
        key = next(keys) if step == "[]" else None
        if k == last:
            _set_step(node, step, key, v)
            break
        child = _get_step(node, step, key)
        if type(child) in (RArray, RDict, RStruct) and GRC(child) > 3:
            child = child.copy()
            _set_step(node, step, key, child)
        node = child
    return c


def push_owned(arr: Any, x: Any, owners: int, push: Callable[[Any, Any], Any]) -> Any:
    """`a := push(a, x)`: append in place when only the variable (and `owners - 1`
    temporaries of the caller) hold the array; otherwise the builtin's copy."""
    if type(arr) is RArray and GRC(arr) == owners + 2:
        arr.append(x)
        return arr
    return push(arr, x)


def index(a: Any, i: Any) -> Any:
    return semantics.get_index(a, i)


def payload(v: Any) -> Any:
    t = type(v)
    if t is ROk or t is RErr or t is RSome:
        return v.value
    raise RuffError(f"Cannot take the payload of {type_name(v)}")


def make_array(items: list[Any]) -> RArray:
    return RArray(items)


def make_array_spread(items: list[Any], spread: tuple[int, ...]) -> RArray:
    out: list[Any] = []
    for v, s in zip(items, spread):
        if s:
            if type(v) is not RArray:
                raise RuffError(f"Cannot spread {type_name(v)} into an array")
            out.extend(v.items())
        else:
            out.append(v)
    return RArray(out)


def _dict_key(k: Any) -> str:
    if type(k) is str:
        return k
    if type(k) is int:
        return str(k)
    raise RuffError(f"Dict keys must be strings or ints, not {type_name(k)}")


def make_dict(items: list[Any], layout: tuple[str, ...]) -> RDict:
    d: dict[str, Any] = {}
    it = iter(items)
    for kind in layout:
        if kind == "kv":
            k = next(it)
            d[_dict_key(k)] = next(it)
        else:
            v = next(it)
            if type(v) is not RDict:
                raise RuffError(f"Cannot spread {type_name(v)} into a dict")
            d.update(v.data)
    return RDict(d)


def make_struct(t: Any, fields: tuple[str, ...], values: list[Any]) -> RStruct:
    if type(t) is not RStructType:
        raise RuffError(f"Cannot construct a struct from {type_name(t)}")
    given = dict(zip(fields, values))
    for f in fields:
        if f not in t.fields:
            raise RuffError(f"Struct {t.name} has no field '{f}'")
    for f in t.fields:
        if f not in given:
            raise RuffError(f"Missing field '{f}' in {t.name} literal")
    return RStruct(t, given)


def call_method(recv: Any, name: str, args: tuple[Any, ...]) -> Any:
    """`recv.name(args)`: a struct method (self bound to recv), or a function-valued
    struct field or dict entry. The callee runs from this frame, which does not count
    toward the call-depth limit (see HelperFrames)."""
    t = type(recv)
    if t is RStruct:
        fn = recv.type.methods.get(name)
        if fn is not None:
            if fn.ruff_self:
                if len(args) != fn.ruff_nparams:
                    raise semantics.arity_error(fn, len(args))
                with HelperFrames():
                    return fn(recv, *args)
        elif name in recv.fields:
            fn = field_value(recv.fields, name)
        else:
            raise RuffError(f"Unknown method '{name}' on struct {recv.type.name}")
    elif t is RStructType:
        fn = recv.methods.get(name)
        if fn is None or fn.ruff_self:
            raise RuffError(f"Unknown method '{name}' on struct {recv.name}")
    elif t is RDict:
        fn = semantics.get_field(recv, name)
    else:
        raise RuffError(f"Unknown method '{name}' on {type_name(recv)}")
    semantics.check_call(fn, len(args))
    with HelperFrames():
        return fn(*args)


def unpack_array(v: Any, count: int, rest: bool) -> tuple[Any, ...]:
    if type(v) is not RArray:
        raise RuffError("Destructuring pattern does not match")
    items = v.items()
    if (len(items) != count) if not rest else (len(items) < count):
        raise RuffError("Destructuring pattern does not match")
    if rest:
        return (*items[:count], RArray(items[count:]))
    return tuple(items)


def unpack_dict(v: Any, keys: tuple[str, ...], rest: bool) -> tuple[Any, ...]:
    if type(v) is not RDict:
        raise RuffError("Destructuring pattern does not match")
    d = v.data
    out = []
    for k in keys:
        if k not in d:
            raise RuffError("Destructuring pattern does not match")
        out.append(d[k])
    if rest:
        out.append(RDict({k: x for k, x in d.items() if k not in keys}))
    return tuple(out)


def range_args(a: Any, b: Any, c: Any) -> range:
    """`for i in range(a, b, c)` without building the array (same rules as the builtin)."""
    vals = []
    for x in (a, b, c):
        if type(x) is int:
            vals.append(x)
        elif type(x) is float:
            vals.append(semantics.trunc_float(x))
        else:
            raise RuffError(f"range() expects numbers, got {type_name(x)}")
    if vals[2] == 0:
        raise RuffError("range() step cannot be zero")
    r = range(*vals)
    try:
        len(r)
    except OverflowError:  # more than 2**63 - 1 iterations: see HugeRange
        return HugeRange(r)  # type: ignore[return-value]
    return r


class HugeRange:
    """A range of more than 2**63 - 1 numbers (`range(MIN, MAX)` in Ruff), which a
    program may well start to loop over. Python's `len()` of such a range raises
    OverflowError; this one says sys.maxsize (the loop code only compares it with a
    threshold) and iterates like the range."""
    __slots__ = ("r",)

    def __init__(self, r: range) -> None:
        self.r = r

    def __len__(self) -> int:
        return sys.maxsize

    def __iter__(self) -> Any:
        return iter(self.r)


def finish(fn: Callable[..., Any], name: str, nparams: int, sym: str, has_self: bool,
           plain: Any = None) -> Callable[..., Any]:
    """Tag a generated function as a Ruff function value. `plain` is the code without
    tiering counters that the VM switches to once the function has been seen hot."""
    fn.ruff_plain = plain  # type: ignore[attr-defined]
    fn.ruff_name = name  # type: ignore[attr-defined]
    fn.ruff_self = has_self  # type: ignore[attr-defined]
    fn.ruff_nparams = nparams - 1 if has_self else nparams  # type: ignore[attr-defined]
    fn.ruff_sym = sym  # type: ignore[attr-defined]
    return fn


def append_global(ns: dict[str, Any], name: str, key: str, b: Any) -> Any:
    """`g = g + b` on a global g holding a string (codegen `_append_global`, native
    code's `ruff.append_global`): g's string taken out of the namespace `ns` (under
    `key`) while `+` runs, so that when nothing else holds it CPython appends in
    place. Immutability is checked after the sum, as a store checks it; a sum that
    is not of two strings is the VM's rule's. Returns the sum, stored already. Out
    of memory appending ends the program, as for a local (errors.FatalError)."""
    a = ns.pop(key)
    imm = ns.get("IMM")
    let = imm[name] if imm is not None and name in imm else None   # its kind if immutable
    if type(a) is not str or type(b) is not str or let is not None:
        ns[key] = a
        r = semantics.add(a, b)
        if let is not None:
            raise immutable("reassign", let, name)
        ns[key] = r
        return r
    try:
        a = a + b   # in place when this frame holds the only reference (CPython's own append)
    except MemoryError:
        append_failed()   # the string may be gone: the program ends (errors.FatalError)
    ns[key] = a
    return a


__all__ = ["GRC", "UNBOUND", "NONE"]

