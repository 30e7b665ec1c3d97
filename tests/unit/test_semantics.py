"""rufc.runtime.semantics: operators, equality, indexing, fields, iteration, calls."""
from __future__ import annotations

import math
from array import array

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rufc.runtime import semantics as S
from rufc.runtime.errors import RuffError
from rufc.runtime.values import (
    FALSE,
    I64_MAX,
    I64_MIN,
    NONE,
    TRUE,
    RArray,
    RDict,
    RErr,
    ROk,
    RSome,
    RStruct,
    RStructType,
)

NAN = math.nan
INF = math.inf
i64 = st.integers(min_value=I64_MIN, max_value=I64_MAX)


def err(fn, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(RuffError) as info:
        fn(*args)
    return info.value.message


# ---------------------------------------------------------------- arithmetic

def test_int_arithmetic_basics() -> None:
    assert S.add(2, 3) == 5 and type(S.add(2, 3)) is int
    assert S.sub(2, 3) == -1
    assert S.mul(-4, 3) == -12
    assert S.add("ab", "cd") == "abcd"
    assert S.mul(3037000499, 3037000499) == 9223372030926249001


@pytest.mark.parametrize("a, b, q, r", [
    (7, 2, 3, 1), (-7, 2, -3, -1), (7, -2, -3, 1), (-7, -2, 3, -1),
    (7, 3, 2, 1), (-7, 3, -2, -1), (7, -3, -2, 1), (-7, -3, 2, -1),
    (6, 3, 2, 0), (0, 5, 0, 0), (1, 3, 0, 1), (-1, 3, 0, -1), (-17, 5, -3, -2),
    (I64_MAX, 2, 4611686018427387903, 1), (I64_MIN, 2, -4611686018427387904, 0),
    (I64_MIN, 10, -922337203685477580, -8), (I64_MAX, -1, -I64_MAX, 0), (I64_MIN, 1, I64_MIN, 0),
])
def test_int_div_mod_truncate(a: int, b: int, q: int, r: int) -> None:
    assert S.div(a, b) == q
    assert S.mod(a, b) == r
    assert q * b + r == a


@given(i64, i64.filter(lambda b: b != 0))
def test_div_mod_match_c(a: int, b: int) -> None:
    if a == I64_MIN and b == -1:
        return
    q = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
    assert S.div(a, b) == q
    assert S.mod(a, b) == a - q * b


@given(i64, i64)
def test_checked_add_sub_mul(a: int, b: int) -> None:
    for fn, op, exact in ((S.add, "+", a + b), (S.sub, "-", a - b), (S.mul, "*", a * b)):
        if I64_MIN <= exact <= I64_MAX:
            assert fn(a, b) == exact
        else:
            assert err(fn, a, b) == f"Integer overflow: {a} {op} {b}"


def test_overflow_messages() -> None:
    assert err(S.add, I64_MAX, 1) == "Integer overflow: 9223372036854775807 + 1"
    assert err(S.sub, I64_MIN, 1) == "Integer overflow: -9223372036854775808 - 1"
    assert err(S.mul, 2432902008176640000, 21) == "Integer overflow: 2432902008176640000 * 21"
    assert err(S.div, I64_MIN, -1) == "Integer overflow: -9223372036854775808 / -1"
    assert err(S.mod, I64_MIN, -1) == "Integer overflow: -9223372036854775808 % -1"
    assert err(S.neg, I64_MIN) == "Integer overflow: -(-9223372036854775808)"
    assert S.add(I64_MAX, 0) == I64_MAX
    assert S.sub(I64_MIN + 1, 1) == I64_MIN
    assert S.add(I64_MIN, I64_MAX) == -1
    assert S.neg(I64_MAX) == -I64_MAX
    assert S.mod(5, -1) == 0 and S.mod(-5, -1) == 0


def test_division_by_zero() -> None:
    assert err(S.div, 1, 0) == "Division by zero"
    assert err(S.div, 2.0, 0.0) == "Division by zero"
    assert err(S.div, 2.0, -0.0) == "Division by zero"
    assert err(S.div, 2, 0.0) == "Division by zero"
    assert err(S.div, 2.5, 0) == "Division by zero"
    assert err(S.mod, 10, 0) == "Modulo by zero"
    assert err(S.mod, 1.5, 0.0) == "Modulo by zero"


def test_float_and_mixed_arithmetic() -> None:
    assert S.add(1, 2.5) == 3.5 and type(S.add(1, 2.5)) is float
    assert S.add(2.5, 1) == 3.5
    assert S.div(7, 2.0) == 3.5
    assert S.div(1.5, 3) == 0.5
    assert S.mul(1e308, 10.0) == INF
    assert S.mod(7.5, 2) == 1.5
    assert S.mod(-7.5, 2.0) == -1.5  # C fmod: the dividend's sign
    assert S.mod(7.5, -2.0) == 1.5
    assert math.isnan(S.mod(INF, 2.0))
    assert S.mod(1.0, INF) == 1.0
    assert S.sub(0.0, 0.0) == 0.0
    assert math.copysign(1, S.neg(0.0)) == -1
    assert S.neg(2.5) == -2.5


@pytest.mark.parametrize("fn, op", [(S.add, "+"), (S.sub, "-"), (S.mul, "*"), (S.div, "/"),
                                    (S.mod, "%")])
def test_invalid_binary_operations(fn, op) -> None:  # type: ignore[no-untyped-def]
    assert err(fn, "n=", 5) == f"Invalid binary operation: string {op} int"
    assert err(fn, None, 1) == f"Invalid binary operation: null {op} int"
    assert err(fn, TRUE, 1) == f"Invalid binary operation: bool {op} int"
    assert err(fn, 1.5, FALSE) == f"Invalid binary operation: float {op} bool"
    assert err(fn, RArray([1]), RArray([2])) == f"Invalid binary operation: array {op} array"
    assert err(fn, RDict({}), NONE) == f"Invalid binary operation: dict {op} option"


def test_string_mul_is_invalid() -> None:
    assert err(S.mul, "ab", 2) == "Invalid binary operation: string * int"
    assert err(S.sub, "ab", "a") == "Invalid binary operation: string - string"


def test_unary() -> None:
    assert S.neg(5) == -5
    assert err(S.neg, "abc") == "Invalid unary operation: - string"
    assert err(S.neg, TRUE) == "Invalid unary operation: - bool"
    assert S.not_(TRUE) is FALSE and S.not_(FALSE) is TRUE
    assert err(S.not_, 0) == "Invalid unary operation: ! int"
    assert err(S.not_, None) == "Invalid unary operation: ! null"


# ---------------------------------------------------------------- equality

def test_eq_scalars() -> None:
    assert S.eq(1, 1) and not S.eq(1, 2)
    assert S.eq(1, 1.0) and S.eq(1.0, 1)
    assert S.eq(0.1 + 0.2, 0.3)
    assert not S.eq(1.0, 1.0 + 1e-15)
    assert S.eq(1e-17, 0) and S.eq(0, -1e-17)
    assert not S.eq(NAN, NAN) and not S.eq(NAN, 1.0)
    assert S.eq(INF, INF) and not S.eq(INF, -INF) and not S.eq(INF, 1e308)
    assert not S.eq(1e308, INF)
    assert S.eq(-0.0, 0.0)
    assert S.eq("x", "x") and not S.eq("x", "y")
    assert not S.eq(1, "1") and not S.eq(None, 0) and S.eq(None, None)
    assert not S.eq(TRUE, 1) and not S.eq(1, TRUE) and not S.eq(FALSE, 0)
    assert S.eq(TRUE, TRUE) and not S.eq(TRUE, FALSE)
    assert not S.eq(NONE, None) and S.eq(NONE, NONE)
    assert not S.eq(0, False) and not S.eq(FALSE, None)
    assert S.ne(1, 2) and not S.ne(1, 1.0)


def test_eq_containers() -> None:
    a = RArray.of([1, 2, RArray.of([3])])
    assert S.eq(a, RArray.of([1, 2, RArray.of([3])]))
    assert not S.eq(RArray.of([1, 2]), RArray.of([2, 1]))
    assert S.eq(RArray([]), RArray([]))
    assert S.eq(RArray.of([1, 2]), RArray.of([1.0, 2.0]))  # int vs float storage
    assert S.eq(RArray.of([0.1 + 0.2]), RArray.of([0.3]))
    assert not S.eq(RArray.of([NAN]), RArray.of([NAN]))
    assert not S.eq(RArray.of([1]), RArray.of([1, 1]))
    assert S.eq(RArray(array("q", [1, 2])), RArray([1, 2]))
    assert S.eq(RDict({"a": 1, "b": 2}), RDict({"b": 2, "a": 1}))
    assert not S.eq(RDict({"a": 1}), RDict({"a": 2}))
    assert not S.eq(RDict({"a": 1}), RDict({"b": 1}))
    assert not S.eq(RDict({}), RArray([]))
    p = RStructType("P", ("x", "y"), {})
    q = RStructType("Q", ("x", "y"), {})
    assert S.eq(RStruct(p, {"x": 3, "y": 4}), RStruct(p, {"y": 4, "x": 3}))
    assert not S.eq(RStruct(p, {"x": 3, "y": 4}), RStruct(p, {"x": 3, "y": 5}))
    assert not S.eq(RStruct(p, {"x": 3, "y": 4}), RStruct(q, {"x": 3, "y": 4}))
    assert S.eq(ROk(1), ROk(1)) and not S.eq(ROk(1), RErr(1)) and S.eq(RSome(1), RSome(1.0))
    assert not S.eq(RSome(1), NONE) and not S.eq(ROk(1), ROk(2))
    assert S.eq(RErr(RArray.of([1])), RErr(RArray.of([1])))


def test_eq_functions_by_identity() -> None:
    def f() -> None: ...
    def g() -> None: ...
    f.ruff_name = "f"  # type: ignore[attr-defined]
    g.ruff_name = "f"  # type: ignore[attr-defined]
    assert S.eq(f, f) and not S.eq(f, g)
    assert not S.eq(RArray([f]), RArray([g])) and S.eq(RArray([f]), RArray([f]))


def test_eq_deeply_nested() -> None:
    a: object = 1
    b: object = 1
    for _ in range(100_000):
        a = RArray([a])
        b = RArray([b])
    assert S.eq(a, b)


# ---------------------------------------------------------------- ordering

def test_ordering() -> None:
    assert S.lt(1, 2) and not S.lt(2, 1) and S.le(2, 2) and not S.ge(3, 4) and S.gt(5, 4)
    assert S.gt(2.5, 2) and S.lt(-1, -0.5) and S.le(1, 1.0) and S.ge(1.0, 1)
    assert S.lt("apple", "banana") and S.lt("ab", "abc") and S.lt("Z", "a")
    assert not S.lt(NAN, 1.0) and not S.ge(NAN, NAN)
    assert S.gt(INF, 1e6) and S.lt(-INF, 0)


@pytest.mark.parametrize("fn, op", [(S.lt, "<"), (S.le, "<="), (S.gt, ">"), (S.ge, ">=")])
def test_ordering_errors(fn, op) -> None:  # type: ignore[no-untyped-def]
    assert err(fn, TRUE, 3) == f"Invalid binary operation: bool {op} int"
    assert err(fn, 1, "1") == f"Invalid binary operation: int {op} string"
    assert err(fn, None, None) == f"Invalid binary operation: null {op} null"
    assert err(fn, RArray([]), RArray([])) == f"Invalid binary operation: array {op} array"
    assert err(fn, TRUE, FALSE) == f"Invalid binary operation: bool {op} bool"


# ---------------------------------------------------------------- truthiness

def test_truthy() -> None:
    f = lambda: None  # noqa: E731
    f.ruff_name = "<anonymous>"  # type: ignore[attr-defined]
    p = RStructType("P", (), {})
    for v in (FALSE, None, 0, 0.0, -0.0, "", RArray([]), RDict({})):
        assert S.truthy(v) is False, v
    for v in (TRUE, 1, -1, 0.5, NAN, "false", "0", RArray.of([0]), RDict({"a": 0}), f,
              RStruct(p, {}), ROk(0), RErr(None), RSome(FALSE), NONE, RArray(array("q", [0]))):
        assert S.truthy(v) is True, v


# ---------------------------------------------------------------- indexing

def test_get_index_arrays_and_strings() -> None:
    a = RArray.of([1, 2, 3])
    assert S.get_index(a, 0) == 1 and S.get_index(a, 2) == 3
    assert S.get_index(a, -1) == 3 and S.get_index(a, -3) == 1
    assert S.get_index(a, 1.9) == 2 and S.get_index(a, -1.5) == 3
    assert err(S.get_index, a, 3) == "Index out of bounds: 3"
    assert err(S.get_index, a, -4) == "Index out of bounds: -4"
    assert err(S.get_index, RArray([]), 0) == "Index out of bounds: 0"
    assert err(S.get_index, a, "0") == "Invalid index operation"
    assert err(S.get_index, a, TRUE) == "Invalid index operation"
    assert err(S.get_index, a, None) == "Invalid index operation"
    s = "héllo"
    assert S.get_index(s, 1) == "é" and S.get_index(s, -1) == "o"
    assert err(S.get_index, "abc", -4) == "Index out of bounds: -4"
    assert err(S.get_index, "abc", 3) == "Index out of bounds: 3"
    assert err(S.get_index, 42, 0) == "Invalid index operation"
    assert err(S.get_index, None, 0) == "Invalid index operation"
    assert err(S.get_index, TRUE, 0) == "Invalid index operation"


def test_get_index_dicts() -> None:
    d = RDict({"a": 1, "1": "one"})
    assert S.get_index(d, "a") == 1
    assert S.get_index(d, 1) == "one"
    assert err(S.get_index, d, "b") == 'Missing map key: "b"'
    assert err(S.get_index, d, 7) == 'Missing map key: "7"'
    assert err(S.get_index, d, 1.0) == "Invalid index operation"
    assert err(S.get_index, d, TRUE) == "Invalid index operation"


def typed(items: list[object]) -> RArray:
    a = RArray(list(items))
    assert a.typed()
    return a


def test_set_index_arrays_widen_storage() -> None:
    a = typed([1, 2, 3])
    assert a.data.typecode == "q"
    S.set_index(a, 0, 10)
    assert a.data.typecode == "q" and a.items() == [10, 2, 3]
    S.set_index(a, -1, 2.5)
    assert type(a.data) is list and a.items() == [10, 2, 2.5]
    f = typed([1.0, 2.0])
    S.set_index(f, 1, 3)  # an int never goes into array('d')
    assert type(f.data) is list and f.items() == [1.0, 3] and type(f.data[1]) is int
    b = typed([1, 2])
    S.set_index(b, 0, TRUE)  # nor a bool into array('q')
    assert type(b.data) is list and b.data[0] is TRUE
    g = typed([1.5])
    S.set_index(g, 0, 2.5)
    assert g.data.typecode == "d"
    lst = RArray.of(["a", 1])
    S.set_index(lst, 0, 7)
    assert lst.items() == [7, 1]
    S.set_index(lst, 1.7, 8)
    assert lst.items() == [7, 8]
    assert err(S.set_index, a, 3, 0) == "Index out of bounds: 3"
    assert err(S.set_index, a, -4, 0) == "Index out of bounds: -4"
    assert err(S.set_index, RArray.of([1]), 5, "x") == "Index out of bounds: 5"
    assert err(S.set_index, a, "0", 0) == "Invalid index operation"


def test_set_index_bounds_error_keeps_storage() -> None:
    a = typed([1, 2])
    with pytest.raises(RuffError):
        S.set_index(a, 5, "x")
    assert a.data.typecode == "q"


def test_set_index_dicts_and_others() -> None:
    d = RDict({})
    S.set_index(d, "k", 1)
    S.set_index(d, 2, "two")
    assert d.data == {"k": 1, "2": "two"}
    S.set_index(d, "k", 5)
    assert d.data["k"] == 5
    assert err(S.set_index, d, 1.5, 0) == "Invalid index operation"
    assert err(S.set_index, "abc", 0, "x") == "Invalid index assignment"
    assert err(S.set_index, 5, 0, 1) == "Invalid index assignment"
    assert err(S.set_index, None, 0, 1) == "Invalid index assignment"


# ---------------------------------------------------------------- fields

def test_fields() -> None:
    p = RStructType("P", ("x", "y"), {})
    s = RStruct(p, {"x": 1, "y": 2})
    assert S.get_field(s, "x") == 1
    assert err(S.get_field, s, "z") == "Unknown field 'z' on struct P"
    S.set_field(s, "x", 5)
    assert s.fields == {"x": 5, "y": 2}
    assert err(S.set_field, s, "z", 1) == "Unknown field 'z' on struct P"
    d = RDict({"name": "Bob"})
    assert S.get_field(d, "name") == "Bob" and S.get_field(d, "missing") is None
    S.set_field(d, "age", 3)
    assert d.data == {"name": "Bob", "age": 3}
    assert "field 'f'" in err(S.get_field, 5, "f")
    assert "null" in err(S.get_field, None, "f")
    assert "field 'f'" in err(S.set_field, RArray([]), "f", 1)


def test_error_value_fields() -> None:
    from rufc.runtime.values import ERROR_TYPE
    e = RStruct(ERROR_TYPE, {"line": 0, "message": "boom", "stack": RArray([])})
    assert S.get_field(e, "message") == "boom"
    assert S.get_field(e, "line") == 0


# ---------------------------------------------------------------- iteration

def test_iterate() -> None:
    assert list(S.iterate(3)) == [0, 1, 2]
    assert list(S.iterate(0)) == [] and list(S.iterate(-5)) == []
    assert list(S.iterate(2.9)) == [0, 1] and list(S.iterate(NAN)) == []
    a = RArray.of([1, 2])
    snap = S.iterate(a)
    a.append(3)
    S.set_index(a, 0, "x")
    assert list(snap) == [1, 2]
    assert list(S.iterate("héllo")) == ["h", "é", "l", "l", "o"]
    assert list(S.iterate(RDict({"carol": 7, "alice": 9, "bob": 8}))) == ["alice", "bob", "carol"]
    assert err(S.iterate, None) == "Cannot iterate over null"
    assert err(S.iterate, TRUE) == "Cannot iterate over bool"
    assert err(S.iterate, ROk(1)) == "Cannot iterate over result"


# ---------------------------------------------------------------- calls

def _user(name: str, nparams: int):  # type: ignore[no-untyped-def]
    def f(*args):  # type: ignore[no-untyped-def]
        return len(args)
    f.ruff_name = name  # type: ignore[attr-defined]
    f.ruff_nparams = nparams  # type: ignore[attr-defined]
    return f


def test_call_user_functions() -> None:
    add = _user("add", 2)
    assert S.call(add, (1, 2)) == 2
    assert err(S.call, add, (1,)) == "add expects 2 arguments, got 1"
    greet = _user("greet", 1)
    assert err(S.call, greet, ("x", "y")) == "greet expects 1 arguments, got 2"
    anon = _user("<anonymous>", 0)
    assert err(S.call, anon, (1,)) == "<anonymous> expects 0 arguments, got 1"
    method = _user("Point.scaled", 1)
    assert err(S.call, method, ()) == "Point.scaled expects 1 arguments, got 0"


def test_call_builtins_and_non_functions() -> None:
    from rufc.runtime.builtins import BUILTINS
    b = BUILTINS
    assert S.call(b["len"].impl, ("abc",)) == 3
    assert err(S.call, b["len"].impl, ()) == "len expects 1 arguments, got 0"
    assert err(S.call, b["range"].impl, ()) == "range expects 1 to 3 arguments, got 0"
    assert err(S.call, b["range"].impl, (1, 2, 3, 4)) == "range expects 1 to 3 arguments, got 4"
    assert err(S.call, b["get"].impl, (RDict({}),)) == "get expects 2 to 3 arguments, got 1"
    assert S.call(b["print"].impl, ()) is None
    assert err(S.call, 5, ()) == "Cannot call non-function: int"
    assert err(S.call, None, (1,)) == "Cannot call non-function: null"
    assert err(S.call, "f", ()) == "Cannot call non-function: string"
    assert err(S.call, RStructType("P", (), {}), ()) == "Cannot call non-function: struct"
    S.check_call(b["print"].impl, 7)
    with pytest.raises(RuffError, match="at least 2"):
        vb = _user("v", 0)
        del vb.ruff_nparams
        vb.ruff_builtin = True  # type: ignore[attr-defined]
        vb.ruff_min = 2  # type: ignore[attr-defined]
        vb.ruff_max = None  # type: ignore[attr-defined]
        S.call(vb, (1,))
