"""The meaning of every Ruff operator, in one place (LANGUAGE.md §4, §8, §9, §13).

The VM's slow paths and the JIT's runtime helpers call these functions; nothing else
defines operator semantics. Each raises `RuffError` with the exact §13 message.

Conventions:
- arithmetic (`add sub mul div mod neg`) and `not_` return Ruff values;
- `eq lt le gt ge truthy` return Python bools (the caller boxes with `rbool` if needed);
- `set_index` / `set_field` mutate the container passed in: the caller has already
  made it unique (copy-on-write happens in the VM, LANGUAGE.md §10).

Fast cases come first: int/int, then float/float, then the mixed and rare cases.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from .errors import RuffError
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
    RErr,
    ROk,
    RSome,
    RStruct,
    field_value,
    is_function,
    struct_fields,
    type_name,
)

__all__ = [
    "add", "sub", "mul", "div", "mod", "neg", "not_", "eq", "ne", "lt", "le", "gt", "ge",
    "truthy", "get_index", "set_index", "get_field", "set_field", "iterate", "call",
    "check_call", "arity_error", "binop_error", "trunc_float", "index_key", "FLOAT_EPSILON",
]

FLOAT_EPSILON = 2.220446049250313e-16


# ---------------------------------------------------------------- helpers

def binop_error(a: Any, op: str, b: Any) -> RuffError:
    """`Invalid binary operation: LTYPE OP RTYPE`."""
    return RuffError(f"Invalid binary operation: {type_name(a)} {op} {type_name(b)}")


def _overflow(a: int, op: str, b: int) -> RuffError:
    return RuffError(f"Integer overflow: {a} {op} {b}")


def trunc_float(x: float) -> int:
    """A float truncated toward zero to an int, saturating like Rust's `x as i64`
    (NaN -> 0, beyond the i64 range -> I64_MIN / I64_MAX). Used where the language
    says "a float is truncated" (indexes, `for` over a float, `range`)."""
    if x != x:
        return 0
    if x >= 9223372036854775807.0:
        return I64_MAX
    if x <= -9223372036854775808.0:
        return I64_MIN
    return int(x)


# ---------------------------------------------------------------- arithmetic

def add(a: Any, b: Any) -> Any:
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        r = a + b
        if -0x8000000000000000 <= r <= 0x7FFFFFFFFFFFFFFF:
            return r
        raise _overflow(a, "+", b)
    if ta is float:
        if tb is float or tb is int:
            return a + b
    elif ta is int:
        if tb is float:
            return a + b
    elif ta is str and tb is str:
        return a + b
    raise binop_error(a, "+", b)


def sub(a: Any, b: Any) -> Any:
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        r = a - b
        if -0x8000000000000000 <= r <= 0x7FFFFFFFFFFFFFFF:
            return r
        raise _overflow(a, "-", b)
    if (ta is float and (tb is float or tb is int)) or (ta is int and tb is float):
        return a - b
    raise binop_error(a, "-", b)


def mul(a: Any, b: Any) -> Any:
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        r = a * b
        if -0x8000000000000000 <= r <= 0x7FFFFFFFFFFFFFFF:
            return r
        raise _overflow(a, "*", b)
    if (ta is float and (tb is float or tb is int)) or (ta is int and tb is float):
        return a * b
    raise binop_error(a, "*", b)


def div(a: Any, b: Any) -> Any:
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        if b == 0:
            raise RuffError("Division by zero")
        q = a // b
        if q < 0 and q * b != a:  # Python floors; Ruff truncates toward zero
            q += 1
        elif q == 0x8000000000000000:  # I64_MIN / -1
            raise _overflow(a, "/", b)
        return q
    if (ta is float and (tb is float or tb is int)) or (ta is int and tb is float):
        if b == 0:
            raise RuffError("Division by zero")
        return a / b
    raise binop_error(a, "/", b)


def mod(a: Any, b: Any) -> Any:
    ta = type(a)
    tb = type(b)
    if ta is int and tb is int:
        if b == 0:
            raise RuffError("Modulo by zero")
        if b == -1:
            if a == -0x8000000000000000:
                raise _overflow(a, "%", b)
            return 0
        r = a % b  # Python: sign of the divisor; Ruff: sign of the dividend
        if r and (a < 0) != (b < 0):
            r -= b
        return r
    if (ta is float and (tb is float or tb is int)) or (ta is int and tb is float):
        if b == 0:
            raise RuffError("Modulo by zero")
        try:
            return math.fmod(a, b)
        except ValueError:  # fmod(±inf, y): C gives NaN
            return math.nan
    raise binop_error(a, "%", b)


def neg(a: Any) -> Any:
    ta = type(a)
    if ta is int:
        if a == -0x8000000000000000:
            raise RuffError(f"Integer overflow: -({a})")
        return -a
    if ta is float:
        return -a
    raise RuffError(f"Invalid unary operation: - {type_name(a)}")


def not_(a: Any) -> RBool:
    if a is TRUE:
        return FALSE
    if a is FALSE:
        return TRUE
    raise RuffError(f"Invalid unary operation: ! {type_name(a)}")


# ---------------------------------------------------------------- equality

def _float_eq(x: float, y: float) -> bool:
    """§9: NaN never equal; infinities exactly; otherwise an absolute epsilon."""
    if x == y:
        return True  # also equal infinities
    # NaN on either side, or an infinity against anything else, gives NaN or inf here.
    return abs(x - y) < 2.220446049250313e-16


def eq(a: Any, b: Any) -> bool:
    """Ruff `==` (never raises)."""
    ta = type(a)
    tb = type(b)
    if ta is tb:
        if ta is int or ta is str:
            return a == b
        if ta is float:
            if a == b:
                return True
            return _float_eq(a, b)
        if ta is RBool:
            return a is b
    elif ta is int:
        return tb is float and _float_eq(float(a), b)
    elif ta is float:
        return tb is int and _float_eq(a, float(b))
    else:
        return False
    if a is b:
        return True
    return _eq_deep(a, b)


def ne(a: Any, b: Any) -> bool:
    return not eq(a, b)


def _eq_deep(a: Any, b: Any) -> bool:
    """Structural equality of two values of the same Python type, with an explicit
    stack of pairs still to compare (so deeply nested values cannot overflow).
    Containers compare their shapes in `_SHAPE_EQ`, which pushes their children."""
    stack: list[tuple[Any, Any]] = [(a, b)]
    pop = stack.pop
    push = stack.append
    while stack:
        x, y = pop()
        tx = type(x)
        if tx is not type(y):
            if not _mixed_eq(x, y):
                return False
        elif tx is int or tx is str:
            if x != y:
                return False
        elif tx is float:
            if not _float_eq(x, y):
                return False
        else:
            shape_eq = _SHAPE_EQ.get(tx)
            if shape_eq is not None:
                if not shape_eq(x, y, push):
                    return False
            elif x is not y:
                # RBool, None, NONE, functions, struct types: identity. (No identity
                # shortcut above: a float NaN, or a container holding one, is not equal
                # to itself.)
                return False
    return True


_PushPair = Callable[[tuple[Any, Any]], None]


def _mixed_eq(x: Any, y: Any) -> bool:
    """Values of different types are equal only as an int and a float of equal value."""
    tx, ty = type(x), type(y)
    if tx is int and ty is float:
        return _float_eq(float(x), y)
    if tx is float and ty is int:
        return _float_eq(x, float(y))
    return False


def _array_shape_eq(x: RArray, y: RArray, push: _PushPair) -> bool:
    dx = x.data
    dy = y.data
    if len(dx) != len(dy):
        return False
    if type(dx) is not list and type(dy) is not list and dx.typecode == dy.typecode:
        if dx.typecode == INT_CODE:
            return bool(dx == dy)
        if dx == dy:
            return True        # else element by element: the float `==` has a tolerance
    for i in range(len(dx) - 1, -1, -1):
        push((dx[i], dy[i]))
    return True


def _mapping_shape_eq(mx: dict[str, Any], my: dict[str, Any], push: _PushPair) -> bool:
    if len(mx) != len(my):
        return False
    for k, v in mx.items():
        if k not in my:
            return False
        push((v, my[k]))
    return True


def _struct_shape_eq(x: RStruct, y: RStruct, push: _PushPair) -> bool:
    if x.type is not y.type and x.type.name != y.type.name:
        return False
    return _mapping_shape_eq(struct_fields(x), struct_fields(y), push)


def _wrapped_shape_eq(x: Any, y: Any, push: _PushPair) -> bool:
    push((x.value, y.value))
    return True


_SHAPE_EQ: dict[type, Callable[[Any, Any, _PushPair], bool]] = {
    RArray: _array_shape_eq,
    RDict: lambda x, y, push: _mapping_shape_eq(x.data, y.data, push),
    RStruct: _struct_shape_eq,
    ROk: _wrapped_shape_eq,
    RErr: _wrapped_shape_eq,
    RSome: _wrapped_shape_eq,
}


# ---------------------------------------------------------------- ordering

def _order_operands(a: Any, b: Any, op: str) -> tuple[Any, Any]:
    """The operands of a mixed or invalid comparison, made comparable, or the error."""
    ta = type(a)
    tb = type(b)
    if ta is int and tb is float:
        return float(a), b  # IEEE comparison, like native code (`sitofp` then `fcmp`)
    if ta is float and tb is int:
        return a, float(b)
    if (ta is int or ta is float) and (tb is int or tb is float):
        return a, b
    if ta is str and tb is str:
        return a, b
    raise binop_error(a, op, b)


def lt(a: Any, b: Any) -> bool:
    ta = type(a)
    if ta is type(b) and (ta is int or ta is float or ta is str):
        return a < b
    x, y = _order_operands(a, b, "<")
    return x < y


def le(a: Any, b: Any) -> bool:
    ta = type(a)
    if ta is type(b) and (ta is int or ta is float or ta is str):
        return a <= b
    x, y = _order_operands(a, b, "<=")
    return x <= y


def gt(a: Any, b: Any) -> bool:
    ta = type(a)
    if ta is type(b) and (ta is int or ta is float or ta is str):
        return a > b
    x, y = _order_operands(a, b, ">")
    return x > y


def ge(a: Any, b: Any) -> bool:
    ta = type(a)
    if ta is type(b) and (ta is int or ta is float or ta is str):
        return a >= b
    x, y = _order_operands(a, b, ">=")
    return x >= y


# ---------------------------------------------------------------- truthiness

def truthy(v: Any) -> bool:
    """§4: false, null, 0, 0.0, "", [] and {} are falsy; everything else is truthy."""
    t = type(v)
    if t is RBool:
        return v is TRUE
    if t is int or t is float:
        return v != 0  # NaN is truthy, as `x != 0.0` in native code
    if v is None:
        return False
    if t is str:
        return v != ""
    if t is RArray or t is RDict:
        return len(v.data) != 0
    return True


# ---------------------------------------------------------------- indexing

def index_key(i: Any) -> str | None:
    """The dict key for index value i: a string as is, an int as decimal text, else None."""
    ti = type(i)
    if ti is str:
        return i
    if ti is int:
        return str(i)
    return None


def _array_index(i: Any) -> int | None:
    ti = type(i)
    if ti is int:
        return i
    if ti is float:
        return trunc_float(i)
    return None


def get_index(a: Any, i: Any) -> Any:
    """`a[i]` (LANGUAGE.md §8, Indexing)."""
    ta = type(a)
    if ta is RArray:
        if type(i) is int:
            try:
                return a.data[i]
            except IndexError:
                raise RuffError(f"Index out of bounds: {i}") from None
        idx = _array_index(i)
        if idx is None:
            raise RuffError("Invalid index operation")
        d = a.data
        if -len(d) <= idx < len(d):
            return d[idx]
        raise RuffError(f"Index out of bounds: {idx}")
    if ta is RDict:
        k = index_key(i)
        if k is None:
            raise RuffError("Invalid index operation")
        try:
            return a.data[k]
        except KeyError:
            raise RuffError(f'Missing map key: "{k}"') from None
    if ta is str:
        idx = _array_index(i)
        if idx is None:
            raise RuffError("Invalid index operation")
        if -len(a) <= idx < len(a):
            return a[idx]
        raise RuffError(f"Index out of bounds: {idx}")
    raise RuffError("Invalid index operation")


def set_index(c: Any, i: Any, v: Any) -> None:
    """`c[i] := v`, in place on the (already unique) RArray or RDict c."""
    tc = type(c)
    if tc is RArray:
        d = c.data
        if type(i) is int:
            idx = i
        else:
            found = _array_index(i)
            if found is None:
                raise RuffError("Invalid index operation")
            idx = found
        if not -len(d) <= idx < len(d):
            raise RuffError(f"Index out of bounds: {idx}")
        if type(d) is not list:
            tv = type(v)
            code = d.typecode
            if not ((tv is int and code == INT_CODE) or (tv is float and code == FLOAT_CODE)):
                d = c.generalize()
        d[idx] = v
        return
    if tc is RDict:
        k = index_key(i)
        if k is None:
            raise RuffError("Invalid index operation")
        c.data[k] = v
        return
    raise RuffError("Invalid index assignment")


# ---------------------------------------------------------------- fields

def get_field(v: Any, name: str) -> Any:
    """`v.name`: a struct field, or a dict entry (null when missing)."""
    tv = type(v)
    if tv is RStruct:
        try:
            return field_value(v.fields, name)
        except KeyError:
            raise RuffError(f"Unknown field '{name}' on struct {v.type.name}") from None
    if tv is RDict:
        return v.data.get(name)
    raise RuffError(f"Cannot access field '{name}' on {type_name(v)}")


def set_field(s: Any, name: str, v: Any) -> None:
    """`s.name := v`, in place on the (already unique) RStruct or RDict s."""
    ts = type(s)
    if ts is RStruct:
        fields = s.fields
        if name not in fields:
            raise RuffError(f"Unknown field '{name}' on struct {s.type.name}")
        fields[name] = v
        return
    if ts is RDict:
        s.data[name] = v
        return
    raise RuffError(f"Cannot set field '{name}' on {type_name(s)}")


# ---------------------------------------------------------------- iteration

def iterate(v: Any) -> Iterable[Any]:
    """What `for x in v` visits (LANGUAGE.md §7)."""
    tv = type(v)
    if tv is int:
        return range(v)
    if tv is RArray:
        return v.data[:]  # a snapshot: later updates of the array are not seen
    if tv is str:
        return v
    if tv is float:
        return range(trunc_float(v))
    if tv is RDict:
        return sorted(v.data)
    raise RuffError(f"Cannot iterate over {type_name(v)}")


# ---------------------------------------------------------------- calls

def arity_error(f: Any, got: int) -> RuffError:
    """`NAME expects N arguments, got M` for f (user function or builtin)."""
    name = f.ruff_name
    n = getattr(f, "ruff_nparams", None)
    if n is not None:
        return RuffError(f"{name} expects {n} arguments, got {got}")
    lo = f.ruff_min
    hi = f.ruff_max
    if hi is None:
        return RuffError(f"{name} expects at least {lo} arguments, got {got}")
    if lo == hi:
        return RuffError(f"{name} expects {lo} arguments, got {got}")
    return RuffError(f"{name} expects {lo} to {hi} arguments, got {got}")


def check_call(f: Any, nargs: int) -> None:
    """Raise the error `call(f, args)` would raise before running f with nargs arguments."""
    n = getattr(f, "ruff_nparams", None)
    if n is not None:
        if nargs != n:
            raise arity_error(f, nargs)
        return
    if getattr(f, "ruff_builtin", False):
        hi = f.ruff_max
        if nargs < f.ruff_min or (hi is not None and nargs > hi):
            raise arity_error(f, nargs)
        return
    if not is_function(f):
        raise RuffError(f"Cannot call non-function: {type_name(f)}")


def call(f: Any, args: tuple[Any, ...]) -> Any:
    """Call the Ruff value f with these arguments (arity checked, §6)."""
    n = getattr(f, "ruff_nparams", None)
    if n is not None:
        if len(args) != n:
            raise arity_error(f, len(args))
        return f(*args)
    lo = getattr(f, "ruff_min", None)
    if lo is not None:  # a builtin
        hi = f.ruff_max
        n = len(args)
        if n < lo or (hi is not None and n > hi):
            raise arity_error(f, n)
        return f(*args)
    check_call(f, len(args))
    return f(*args)
