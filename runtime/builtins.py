"""Every Ruff builtin function, in one table (LANGUAGE.md §12).

`BUILTINS[name]` is a `Builtin`: arity, the implementation, and its result type (for
the JIT). The implementation *is* the Ruff builtin value: each one is a distinct Python
function (aliases get their own copy) tagged with `ruff_name`, `ruff_builtin = True`,
`ruff_min` and `ruff_max`, and is called with Ruff values positionally. Arity is
checked by the caller (`semantics.call` / the VM), not by the implementations.

Builtins never modify their arguments; bools they return are `TRUE` / `FALSE`; wrong
argument types raise `RuffError` with a message naming the builtin.
`CONSTANTS` holds `PI` and `E`.
"""
from __future__ import annotations

import math
import re
import types
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from . import memory
from .errors import RuffError
from .format import format_float, to_string
from .output import OUT
from .semantics import add, check_call, eq, index_key, trunc_float, truthy
from .stack import HelperFrames
from .values import (
    FALSE,
    FLOAT_CODE,
    I64_MAX,
    I64_MIN,
    INT_CODE,
    TRUE,
    RArray,
    RBool,
    RDict,
    RStruct,
    is_function,
    type_name,
)

__all__ = ["Builtin", "BUILTINS", "CONSTANTS", "HIGHER_ORDER", "ResultType"]

ResultType = Literal["int", "float", "bool", "string", "array", "dict", "null", "any"]


@dataclass(frozen=True)
class Builtin:
    name: str
    min_args: int
    max_args: int | None  # None = variadic
    impl: Callable[..., Any]
    result: ResultType


CONSTANTS: dict[str, float] = {"PI": math.pi, "E": math.e}

# Builtins that build a value of a size given by an argument refuse more elements than
# this (a clear runtime error instead of exhausting memory).
MAX_ELEMENTS = 1 << 31
# Memory per element of an array of ints made in one go (a list slot and an int
# object): what range() asks runtime.memory for before it starts filling the array.
_BYTES_PER_INT = 40

# Unicode White_Space, as Rust's `str::trim` (Python's strip() also removes \x1c-\x1f).
_WS = ("\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
       "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_FLOAT_RE = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)\Z",
    re.IGNORECASE)


# ---------------------------------------------------------------- argument helpers

_MISSING: Any = object()  # default of optional parameters (null is a real argument)


def _err(name: str, what: str, v: Any) -> RuffError:
    return RuffError(f"{name}() requires {what}, got {type_name(v)}")


def _arr(name: str, v: Any) -> RArray:
    if type(v) is not RArray:
        raise _err(name, "an array", v)
    return v


def _dict(name: str, v: Any) -> RDict:
    if type(v) is not RDict:
        raise _err(name, "a dict", v)
    return v


def _str(name: str, v: Any) -> str:
    if type(v) is not str:
        raise _err(name, "a string", v)
    return v


def _int(name: str, v: Any) -> int:
    """An int argument (a float is truncated)."""
    t = type(v)
    if t is int:
        return v
    if t is float:
        return trunc_float(v)
    raise _err(name, "an int", v)


def _strict_int(name: str, v: Any) -> int:
    if type(v) is not int:
        raise _err(name, "an int", v)
    return v


def _num(name: str, v: Any) -> float:
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    raise _err(name, "a number", v)


def _new_array(items: list[Any]) -> RArray:
    return RArray(items)


def _i64(v: int) -> int:
    """Wrap an unbounded int to i64 (two's complement), as Rust's bit operations do."""
    v &= 0xFFFFFFFFFFFFFFFF
    return v - 0x10000000000000000 if v > I64_MAX else v


def _fn1(name: str, f: Any) -> Any:
    """Check once that f accepts one argument (raising the call's error), return it."""
    check_call(f, 1)
    return f


# ---------------------------------------------------------------- core: output, basics

def _print(*args: Any) -> None:
    if len(args) == 1:
        OUT.write_line(to_string(args[0]))
    else:
        OUT.write_line(" ".join([to_string(a) for a in args]))
    return None


def _len(x: Any) -> int:
    t = type(x)
    if t is str:
        return len(x)
    if t is RArray or t is RDict:
        return len(x.data)
    raise _err("len", "a string, array or dict", x)


def _range(a: Any, b: Any = _MISSING, step: Any = _MISSING) -> RArray:
    if b is _MISSING:
        lo, hi, st = 0, _int("range", a), 1
    else:
        lo, hi = _int("range", a), _int("range", b)
        st = 1 if step is _MISSING else _int("range", step)
    if st == 0:
        raise RuffError("range() step cannot be zero")
    r = range(lo, hi, st)
    if not r:
        return RArray([])
    n = r.stop - r.start  # len(r) raises OverflowError past 2**63 - 1 elements
    n = (n + st - 1) // st if st > 0 else (n + st + 1) // st
    if n > MAX_ELEMENTS:
        raise RuffError(f"range() would have {n} elements (at most {MAX_ELEMENTS})")
    memory.check(n * _BYTES_PER_INT)
    return RArray(list(r))


def _make_push(name: str) -> Callable[..., Any]:
    def push(a: Any, x: Any) -> RArray:
        if type(a) is not RArray:
            raise _err(name, "an array", a)
        r = RArray(a.data[:])
        r.append(x)
        return r
    return push


def _pop(a: Any) -> RArray:
    d = _arr("pop", a).data
    if not d:
        return RArray([RArray([]), 0])
    rest = d[:-1]
    return RArray([RArray(rest if rest else []), d[-1]])


def _to_string(x: Any) -> str:
    return to_string(x)


def _type(x: Any) -> str:
    return type_name(x)


# ---------------------------------------------------------------- conversions

def _parse_int_text(s: str) -> int | None:
    t = s.strip(_WS)
    if not _INT_RE.match(t):
        return None
    if len(t) > 20:  # long digit strings: only leading zeros can make them fit
        sign = t[0] if t[0] in "+-" else ""
        t = sign + (t.lstrip("+-").lstrip("0") or "0")
        if len(t) > 20:
            return None
    v = int(t)
    if v < I64_MIN or v > I64_MAX:
        return None
    return v


def _parse_float_text(s: str) -> float | None:
    t = s.strip(_WS)
    if not _FLOAT_RE.match(t):
        return None
    return float(t)


def _to_int(x: Any) -> int:
    t = type(x)
    if t is int:
        return x
    if t is float:
        if x != x or not (-9223372036854775808.0 <= x < 9223372036854775808.0):
            raise RuffError(f"Cannot convert '{format_float(x)}' to int")
        return int(x)
    if t is str:
        v = _parse_int_text(x)
        if v is None:
            raise RuffError(f"Cannot convert '{x}' to int")
        return v
    if t is RBool:
        return 1 if x is TRUE else 0
    raise RuffError(f"Cannot convert {type_name(x)} to int")


def _to_float(x: Any) -> float:
    t = type(x)
    if t is float:
        return x
    if t is int:
        return float(x)
    if t is str:
        v = _parse_float_text(x)
        if v is None:
            raise RuffError(f"Cannot convert '{x}' to float")
        return v
    if t is RBool:
        return 1.0 if x is TRUE else 0.0
    raise RuffError(f"Cannot convert {type_name(x)} to float")


def _parse_int(s: Any) -> int:
    v = _parse_int_text(_str("parse_int", s))
    if v is None:
        raise RuffError(f"Cannot parse '{s}' as integer")
    return v


def _parse_float(s: Any) -> float:
    v = _parse_float_text(_str("parse_float", s))
    if v is None:
        raise RuffError(f"Cannot parse '{s}' as float")
    return v


def _to_bool(x: Any) -> RBool:
    if type(x) is str and (x == "false" or x == "0"):
        return FALSE
    return TRUE if truthy(x) else FALSE


# ---------------------------------------------------------------- math (always float)

def _abs(x: Any) -> float:
    return abs(_num("abs", x))


def _sqrt(x: Any) -> float:
    v = _num("sqrt", x)
    if v < 0:
        raise RuffError(f"sqrt() of a negative number: {to_string(x)}")
    return math.sqrt(v)


def _floor(x: Any) -> float:
    v = _num("floor", x)
    if v - v != 0.0:  # inf, nan
        return v
    r = float(math.floor(v))
    return r if r != 0.0 else math.copysign(0.0, v)


def _ceil(x: Any) -> float:
    v = _num("ceil", x)
    if v - v != 0.0:
        return v
    r = float(math.ceil(v))
    return r if r != 0.0 else math.copysign(0.0, v)


def _round(x: Any) -> float:
    """Half away from zero, like Rust's f64::round."""
    v = _num("round", x)
    if v - v != 0.0 or abs(v) >= 4503599627370496.0:  # inf, nan, or already integral
        return v
    r = float(math.trunc(v))
    if abs(v - r) >= 0.5:  # v - trunc(v) is exact
        r += 1.0 if v > 0 else -1.0
    return math.copysign(r, v) if r == 0.0 else r


def _min(a: Any, b: Any) -> float:
    x, y = _num("min", a), _num("min", b)
    if x != x:
        return y
    if y != y:
        return x
    return x if x <= y else y


def _max(a: Any, b: Any) -> float:
    x, y = _num("max", a), _num("max", b)
    if x != x:
        return y
    if y != y:
        return x
    return x if x >= y else y


def _is_odd_integer(y: float) -> bool:
    return y - y == 0.0 and y == math.floor(y) and math.fmod(y, 2.0) != 0.0


def _pow(a: Any, b: Any) -> float:
    """C `pow`: overflow gives ±inf, 0 to a negative power ±inf, domain errors NaN."""
    x, y = _num("pow", a), _num("pow", b)
    try:
        return math.pow(x, y)
    except OverflowError:
        return -math.inf if x < 0 and _is_odd_integer(y) else math.inf
    except ValueError:
        if x == 0.0:  # 0 ** negative
            if _is_odd_integer(y):
                return math.copysign(math.inf, x)
            return math.inf
        return math.nan


def _unary_math(name: str, fn: Callable[[float], float]) -> Callable[[Any], float]:
    def impl(x: Any) -> float:
        v = _num(name, x)
        try:
            return fn(v)
        except ValueError:  # sin(inf) etc.: C gives NaN
            return math.nan
        except OverflowError:  # exp of a large number
            return math.inf
    return impl


def _log(x: Any) -> float:
    v = _num("log", x)
    if not v > 0:
        raise RuffError(f"log() requires a positive number, got {to_string(x)}")
    return math.log(v)


# ---------------------------------------------------------------- bit operations

def _bit_and(a: Any, b: Any) -> int:
    return _strict_int("bit_and", a) & _strict_int("bit_and", b)


def _bit_or(a: Any, b: Any) -> int:
    return _strict_int("bit_or", a) | _strict_int("bit_or", b)


def _bit_xor(a: Any, b: Any) -> int:
    return _strict_int("bit_xor", a) ^ _strict_int("bit_xor", b)


def _bit_not(a: Any) -> int:
    return ~_strict_int("bit_not", a)


def _shift_amount(name: str, n: Any) -> int:
    n = _strict_int(name, n)
    if not 0 <= n <= 63:
        raise RuffError(f"{name}() shift amount must be between 0 and 63, got {n}")
    return n


def _bit_shl(a: Any, n: Any) -> int:
    return _i64(_strict_int("bit_shl", a) << _shift_amount("bit_shl", n))


def _bit_shr(a: Any, n: Any) -> int:
    return _strict_int("bit_shr", a) >> _shift_amount("bit_shr", n)  # arithmetic


# ---------------------------------------------------------------- dicts

def _keys(d: Any) -> RArray:
    return RArray(sorted(_dict("keys", d).data))


def _values(d: Any) -> RArray:
    data = _dict("values", d).data
    return _new_array([data[k] for k in sorted(data)])


def _items(d: Any) -> RArray:
    data = _dict("items", d).data
    return RArray([RArray([k, data[k]]) for k in sorted(data)])


def _has_key(d: Any, k: Any) -> int:
    data = _dict("has_key", d).data
    key = index_key(k)
    return 1 if key is not None and key in data else 0


def _make_get(name: str) -> Callable[..., Any]:
    def get(d: Any, k: Any, dflt: Any = None) -> Any:
        if type(d) is not RDict:
            raise _err(name, "a dict", d)
        key = index_key(k)
        if key is None:
            return dflt
        return d.data.get(key, dflt)
    return get


def _merge(a: Any, b: Any) -> RDict:
    x = _dict("merge", a).data
    y = _dict("merge", b).data
    r = dict(x)
    r.update(y)
    return RDict(r)


# ---------------------------------------------------------------- search (strings, arrays, dicts)

def _contains(x: Any, y: Any) -> Any:
    t = type(x)
    if t is str:
        return 1 if _str("contains", y) in x else 0
    if t is RArray:
        d = x.data
        ty = type(y)
        if type(d) is not list and (ty is int and d.typecode == INT_CODE):
            return TRUE if y in d else FALSE
        for e in d:
            if eq(e, y):
                return TRUE
        return FALSE
    if t is RDict:
        key = index_key(y)
        return TRUE if key is not None and key in x.data else FALSE
    raise _err("contains", "a string, array or dict", x)


def _index_of(x: Any, y: Any) -> int:
    t = type(x)
    if t is str:
        return x.find(_str("index_of", y))
    if t is RArray:
        d = x.data
        if type(d) is not list and type(y) is int and d.typecode == INT_CODE:
            try:
                return d.index(y)
            except ValueError:
                return -1
        for i, e in enumerate(d):
            if eq(e, y):
                return i
        return -1
    raise _err("index_of", "a string or an array", x)


# ---------------------------------------------------------------- strings

def _split(s: Any, sep: Any) -> RArray:
    s = _str("split", s)
    sep = _str("split", sep)
    if not sep:
        raise RuffError("split() separator cannot be empty")
    return RArray(s.split(sep))


def _join(a: Any, sep: Any) -> str:
    d = _arr("join", a).data
    sep = _str("join", sep)
    if type(d) is list and all(type(e) is str for e in d):
        return sep.join(d)
    return sep.join([to_string(e) for e in d])


def _make_upper(name: str) -> Callable[[Any], str]:
    def upper(s: Any) -> str:
        if type(s) is not str:
            raise _err(name, "a string", s)
        return s.upper()
    return upper


def _make_lower(name: str) -> Callable[[Any], str]:
    def lower(s: Any) -> str:
        if type(s) is not str:
            raise _err(name, "a string", s)
        return s.lower()
    return lower


def _trim(s: Any) -> str:
    return _str("trim", s).strip(_WS)


def _capitalize(s: Any) -> str:
    s = _str("capitalize", s)
    return s[:1].upper() + s[1:].lower()


def _replace(s: Any, old: Any, new: Any) -> str:
    return _str("replace", s).replace(_str("replace", old), _str("replace", new))


def _substring(s: Any, a: Any, b: Any) -> str:
    s = _str("substring", s)
    lo = max(_int("substring", a), 0)
    hi = min(_int("substring", b), len(s))
    if lo >= hi:
        return ""
    return s[lo:hi]


def _starts_with(s: Any, p: Any) -> RBool:
    return TRUE if _str("starts_with", s).startswith(_str("starts_with", p)) else FALSE


def _ends_with(s: Any, p: Any) -> RBool:
    return TRUE if _str("ends_with", s).endswith(_str("ends_with", p)) else FALSE


def _repeat(s: Any, n: Any) -> str:
    s = _str("repeat", s)
    k = _int("repeat", n)
    if k < 0:
        raise RuffError(f"repeat() count cannot be negative, got {k}")
    if len(s) * k > MAX_ELEMENTS:
        raise RuffError(f"repeat() result would have {len(s) * k} characters (at most {MAX_ELEMENTS})")
    memory.check(len(s) * k * (1 if s.isascii() else 4))
    return s * k


def _char_at(s: Any, i: Any) -> str:
    s = _str("char_at", s)
    k = _int("char_at", i)
    if 0 <= k < len(s):
        return s[k]
    return ""


# ---------------------------------------------------------------- higher-order

# The builtins that call Ruff functions (they run Ruff code: native code calls them
# through the helper that gives them a VM call's recursion limit).
HIGHER_ORDER: frozenset[str] = frozenset({"map", "filter", "reduce", "any", "all"})

def _map(a: Any, f: Any) -> RArray:
    d = _arr("map", a).data
    if not d:
        return RArray([])
    _fn1("map", f)
    out = []
    with HelperFrames():
        for x in d[:]:
            out.append(f(x))
    return _new_array(out)


def _filter(a: Any, f: Any) -> RArray:
    d = _arr("filter", a).data
    if not d:
        return RArray([])
    _fn1("filter", f)
    keep = []
    with HelperFrames():
        for x in d[:]:
            if truthy(f(x)):
                keep.append(x)
    if type(d) is not list:
        return RArray(array(d.typecode, keep)) if keep else RArray([])
    return _new_array(keep)


def _reduce(a: Any, init: Any, f: Any) -> Any:
    d = _arr("reduce", a).data
    acc = init
    if not d:
        return acc
    check_call(f, 2)
    with HelperFrames():
        for x in d[:]:
            acc = f(acc, x)
    return acc


def _any(a: Any, f: Any) -> RBool:
    d = _arr("any", a).data
    if d:
        _fn1("any", f)
        with HelperFrames():
            for x in d[:]:
                if truthy(f(x)):
                    return TRUE
    return FALSE


def _all(a: Any, f: Any) -> RBool:
    d = _arr("all", a).data
    if d:
        _fn1("all", f)
        with HelperFrames():
            for x in d[:]:
                if not truthy(f(x)):
                    return FALSE
    return TRUE


# ---------------------------------------------------------------- arrays

def _sort(a: Any) -> RArray:
    d = _arr("sort", a).data
    if type(d) is not list:
        return RArray(array(d.typecode, sorted(d)))
    if not d:
        return RArray([])
    t0 = type(d[0])
    if t0 is str:
        for x in d:
            if type(x) is not str:
                raise RuffError("sort() requires an array of numbers or an array of strings")
        return RArray(sorted(d))
    kinds = set()
    for x in d:
        tx = type(x)
        if tx is not int and tx is not float:
            raise RuffError("sort() requires an array of numbers or an array of strings")
        kinds.add(tx)
    # ints among floats order as floats, as `<` orders them (docs/decisions.md)
    return _new_array(sorted(d, key=float) if len(kinds) == 2 else sorted(d))


def _reverse(a: Any) -> RArray:
    return RArray(_arr("reverse", a).data[::-1])


def _unique(a: Any) -> RArray:
    d = _arr("unique", a).data
    if type(d) is not list:
        if d.typecode == INT_CODE:
            return RArray(array(INT_CODE, dict.fromkeys(d)))
        items = d.tolist()
    else:
        if all(type(x) is str for x in d):
            return RArray(list(dict.fromkeys(d)))
        items = d
    out: list[Any] = []
    for x in items:
        for y in out:
            if eq(x, y):
                break
        else:
            out.append(x)
    return _new_array(out)


def _sum(a: Any) -> Any:
    d = _arr("sum", a).data
    if type(d) is not list:
        if d.typecode == INT_CODE:
            if not d:
                return 0
            if len(d) * max(max(d), -min(d)) <= I64_MAX:  # no partial sum can overflow
                return sum(d)
        else:
            acc_f = 0.0
            for x in d:  # left to right, like `+` (not Python's compensated sum)
                acc_f += x
            return acc_f
    acc: Any = 0
    for x in d:
        tx = type(x)
        if tx is not int and tx is not float:
            raise RuffError(f"sum() requires an array of numbers, got an element of type "
                            f"{type_name(x)}")
        acc = add(acc, x)
    return acc


def _concat(a: Any, b: Any) -> RArray:
    x = _arr("concat", a).data
    y = _arr("concat", b).data
    tx, ty = type(x), type(y)
    if tx is not list and ty is not list and x.typecode == y.typecode:
        return RArray(x + y)
    if not y:
        return RArray(x[:])
    if not x:
        return RArray(y[:])
    return _new_array((x if tx is list else x.tolist()) + (y if ty is list else y.tolist()))


def _slice(a: Any, s: Any, e: Any) -> RArray:
    d = _arr("slice", a).data
    r = d[_int("slice", s):_int("slice", e)]
    if not r:
        return RArray([])
    return RArray(r)


def _insert(a: Any, i: Any, x: Any) -> RArray:
    d = _arr("insert", a).data
    k = _int("insert", i)
    if not 0 <= k <= len(d):
        raise RuffError(f"Index out of bounds: {k}")
    r = RArray(d[:])
    if not d:
        r.append(x)
        return r
    nd = r.data
    tx = type(x)
    if type(nd) is not list and not ((tx is int and nd.typecode == INT_CODE)
                                     or (tx is float and nd.typecode == FLOAT_CODE)):
        nd = r.generalize()
    nd.insert(k, x)
    return r


def _remove_at(a: Any, i: Any) -> RArray:
    d = _arr("remove_at", a).data
    k = _int("remove_at", i)
    n = len(d)
    if not -n <= k < n:
        raise RuffError(f"Index out of bounds: {k}")
    if k < 0:
        k += n
    rest = d[:k] + d[k + 1:]
    return RArray([RArray(rest if rest else []), d[k]])


# ---------------------------------------------------------------- predicates

def _type_pred(name: str, types_: tuple[type, ...]) -> Callable[[Any], RBool]:
    def pred(x: Any) -> RBool:
        return TRUE if type(x) in types_ else FALSE
    pred.__name__ = name
    return pred


def _is_function(x: Any) -> RBool:
    return TRUE if is_function(x) else FALSE


# ---------------------------------------------------------------- assertions, throw

def _assert(c: Any, msg: Any = _MISSING) -> RBool:
    if truthy(c):
        return TRUE
    if msg is _MISSING:
        raise RuffError("Assertion failed")
    raise RuffError(to_string(msg))


def _assert_equal(a: Any, b: Any) -> RBool:
    if eq(a, b):
        return TRUE
    raise RuffError(f"Assertion failed: expected {to_string(b)}, got {to_string(a)}")


def _throw(v: Any) -> Any:
    t = type(v)
    if t is str:
        raise RuffError(v, value=v)
    if t is RStruct and "message" in v.fields:
        m = v.fields["message"]
        raise RuffError(m if type(m) is str else to_string(m), value=v)
    if t is RDict and "message" in v.data:
        m = v.data["message"]
        raise RuffError(m if type(m) is str else to_string(m), value=v)
    raise RuffError(to_string(v), value=v)


# ---------------------------------------------------------------- the table

_SPECS: list[tuple[str, int, int | None, Callable[..., Any], ResultType]] = [
    # core
    ("print", 0, None, _print, "null"),
    ("println", 0, None, _print, "null"),
    ("len", 1, 1, _len, "int"),
    ("range", 1, 3, _range, "array"),
    ("push", 2, 2, _make_push("push"), "array"),
    ("append", 2, 2, _make_push("append"), "array"),
    ("pop", 1, 1, _pop, "array"),
    ("to_string", 1, 1, _to_string, "string"),
    ("str", 1, 1, _to_string, "string"),
    ("to_int", 1, 1, _to_int, "int"),
    ("to_float", 1, 1, _to_float, "float"),
    ("parse_int", 1, 1, _parse_int, "int"),
    ("parse_float", 1, 1, _parse_float, "float"),
    ("type", 1, 1, _type, "string"),
    ("type_of", 1, 1, _type, "string"),
    ("abs", 1, 1, _abs, "float"),
    ("sqrt", 1, 1, _sqrt, "float"),
    ("floor", 1, 1, _floor, "float"),
    ("ceil", 1, 1, _ceil, "float"),
    ("round", 1, 1, _round, "float"),
    ("min", 2, 2, _min, "float"),
    ("max", 2, 2, _max, "float"),
    ("pow", 2, 2, _pow, "float"),
    # ring 2: dicts
    ("keys", 1, 1, _keys, "array"),
    ("values", 1, 1, _values, "array"),
    ("items", 1, 1, _items, "array"),
    ("has_key", 2, 2, _has_key, "int"),
    ("get", 2, 3, _make_get("get"), "any"),
    ("get_default", 3, 3, _make_get("get_default"), "any"),
    ("merge", 2, 2, _merge, "dict"),
    # ring 2: search, strings
    ("contains", 2, 2, _contains, "any"),
    ("index_of", 2, 2, _index_of, "int"),
    ("split", 2, 2, _split, "array"),
    ("join", 2, 2, _join, "string"),
    ("to_upper", 1, 1, _make_upper("to_upper"), "string"),
    ("upper", 1, 1, _make_upper("upper"), "string"),
    ("to_lower", 1, 1, _make_lower("to_lower"), "string"),
    ("lower", 1, 1, _make_lower("lower"), "string"),
    ("trim", 1, 1, _trim, "string"),
    ("capitalize", 1, 1, _capitalize, "string"),
    ("replace", 3, 3, _replace, "string"),
    ("substring", 3, 3, _substring, "string"),
    ("starts_with", 2, 2, _starts_with, "bool"),
    ("ends_with", 2, 2, _ends_with, "bool"),
    ("repeat", 2, 2, _repeat, "string"),
    ("char_at", 2, 2, _char_at, "string"),
    # ring 2: higher-order
    ("map", 2, 2, _map, "array"),
    ("filter", 2, 2, _filter, "array"),
    ("reduce", 3, 3, _reduce, "any"),
    ("any", 2, 2, _any, "bool"),
    ("all", 2, 2, _all, "bool"),
    # ring 2: arrays
    ("sort", 1, 1, _sort, "array"),
    ("reverse", 1, 1, _reverse, "array"),
    ("unique", 1, 1, _unique, "array"),
    ("sum", 1, 1, _sum, "any"),
    ("concat", 2, 2, _concat, "array"),
    ("slice", 3, 3, _slice, "array"),
    ("insert", 3, 3, _insert, "array"),
    ("remove_at", 2, 2, _remove_at, "array"),
    # ring 2: predicates and conversions
    ("to_bool", 1, 1, _to_bool, "bool"),
    ("is_int", 1, 1, _type_pred("is_int", (int,)), "bool"),
    ("is_float", 1, 1, _type_pred("is_float", (float,)), "bool"),
    ("is_string", 1, 1, _type_pred("is_string", (str,)), "bool"),
    ("is_bool", 1, 1, _type_pred("is_bool", (RBool,)), "bool"),
    ("is_array", 1, 1, _type_pred("is_array", (RArray,)), "bool"),
    ("is_dict", 1, 1, _type_pred("is_dict", (RDict,)), "bool"),
    ("is_null", 1, 1, _type_pred("is_null", (type(None),)), "bool"),
    ("is_function", 1, 1, _is_function, "bool"),
    # ring 2: more math
    ("sin", 1, 1, _unary_math("sin", math.sin), "float"),
    ("cos", 1, 1, _unary_math("cos", math.cos), "float"),
    ("tan", 1, 1, _unary_math("tan", math.tan), "float"),
    ("log", 1, 1, _log, "float"),
    ("exp", 1, 1, _unary_math("exp", math.exp), "float"),
    ("bit_and", 2, 2, _bit_and, "int"),
    ("bit_or", 2, 2, _bit_or, "int"),
    ("bit_xor", 2, 2, _bit_xor, "int"),
    ("bit_shl", 2, 2, _bit_shl, "int"),
    ("bit_shr", 2, 2, _bit_shr, "int"),
    ("bit_not", 1, 1, _bit_not, "int"),
    # ring 2: assertions and errors
    ("assert", 1, 2, _assert, "bool"),
    ("assert_equal", 2, 2, _assert_equal, "bool"),
    ("throw", 1, 1, _throw, "any"),
]


def _tagged(name: str, impl: Callable[..., Any], lo: int, hi: int | None) -> Callable[..., Any]:
    """A function object of its own for builtin `name` (aliases share code, not objects)."""
    f: Callable[..., Any]
    if hasattr(impl, "ruff_name"):
        f = types.FunctionType(impl.__code__, impl.__globals__, name, impl.__defaults__,
                               impl.__closure__)
        f.__kwdefaults__ = impl.__kwdefaults__
        f.__qualname__ = impl.__qualname__
        f.__doc__ = impl.__doc__
    else:
        f = impl
    f.ruff_name = name  # type: ignore[attr-defined]
    f.ruff_builtin = True  # type: ignore[attr-defined]
    f.ruff_min = lo  # type: ignore[attr-defined]
    f.ruff_max = hi  # type: ignore[attr-defined]
    return f


def _build() -> dict[str, Builtin]:
    table: dict[str, Builtin] = {}
    for name, lo, hi, impl, result in _SPECS:
        assert name not in table, name
        table[name] = Builtin(name, lo, hi, _tagged(name, impl, lo, hi), result)
    return table


BUILTINS: dict[str, Builtin] = _build()
