"""rufc.runtime.format: to_string and format_float (LANGUAGE.md §11)."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rufc.runtime.format import format_float, to_string
from rufc.runtime.values import (
    ERROR_TYPE,
    FALSE,
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

# ---------------------------------------------------------------- format_float

@given(st.floats(allow_nan=False, allow_infinity=False))
@settings(max_examples=3000)
def test_format_float_round_trips(x: float) -> None:
    text = format_float(x)
    assert float(text) == x
    assert math.copysign(1.0, float(text)) == math.copysign(1.0, x)
    assert "e" not in text and "E" not in text
    if x == int(x):
        assert "." not in text
    else:
        assert "." in text
        assert not text.endswith("0")


@given(st.floats(allow_nan=False, allow_infinity=False))
@settings(max_examples=1000)
def test_format_float_matches_the_decimal_recipe(x: float) -> None:
    import decimal
    want = format(decimal.Decimal(repr(x)), "f")
    if want.endswith(".0"):
        want = want[:-2]
    if "." in want:
        want = want.rstrip("0").rstrip(".")
    assert format_float(x) == want


@pytest.mark.parametrize("x, text", [
    (1.0, "1"), (-0.0, "-0"), (0.0, "0"), (1e20, "100000000000000000000"),
    (1.5e-7, "0.00000015"), (0.1 + 0.2, "0.30000000000000004"), (2.5, "2.5"),
    (12345678901234567890.0, "12345678901234567000"), (1.0 / 3.0, "0.3333333333333333"),
    (1.0 / 1024.0, "0.0009765625"), (0.000001, "0.000001"), (123456.789, "123456.789"),
    (-2.75, "-2.75"), (1e16, "10000000000000000"), (1e15, "1000000000000000"),
    (5e-324, "0." + "0" * 323 + "5"), (-1.5e-5, "-0.000015"),
    (math.nan, "NaN"), (math.inf, "inf"), (-math.inf, "-inf"),
])
def test_format_float_examples(x: float, text: str) -> None:
    assert format_float(x) == text
    assert to_string(x) == text


# ---------------------------------------------------------------- to_string

def _fn(name: str, builtin: bool = False):  # type: ignore[no-untyped-def]
    def f() -> None:
        return None
    f.ruff_name = name  # type: ignore[attr-defined]
    if builtin:
        f.ruff_builtin = True  # type: ignore[attr-defined]
    return f


POINT = RStructType("Point", ("x", "y"), {})


@pytest.mark.parametrize("value, text", [
    (42, "42"), (-9223372036854775808, "-9223372036854775808"), ("héllo", "héllo"),
    (TRUE, "true"), (FALSE, "false"), (None, "null"),
    (RArray([]), "[]"), (RArray.of([1, 2, 3]), "[1, 2, 3]"), (RArray.of([1.0, 2.5]), "[1, 2.5]"),
    (RArray.of([1, "a", 2.0]), "[1, a, 2]"),
    (RArray.of([1, RArray.of([2, RArray.of([3])]), RArray([])]), "[1, [2, [3]], []]"),
    (RArray.of(["a b", ""]), "[a b, ]"),
    (RDict({}), "{}"), (RDict({"name": "Ada", "age": 36}), '{"age": 36, "name": Ada}'),
    (RDict({"z": RArray.of([1, 2]), "a": RDict({"y": "q", "b": 2.0})}),
     '{"a": {"b": 2, "y": q}, "z": [1, 2]}'),
    (RDict({"k": 'say "hi"'}), '{"k": say "hi"}'),
    (RStruct(POINT, {"y": 4, "x": 3}), "Point { x: 3, y: 4 }"),
    (RStruct(RStructType("E", (), {}), {}), "E {}"),
    (RStruct(RStructType("W", ("inner",), {}), {"inner": RDict({"k": 1.5})}),
     'W { inner: {"k": 1.5} }'),
    (ROk(42), "Ok(42)"), (RErr("bad input"), "Err(bad input)"),
    (RSome(RArray.of([1, 2])), "Some([1, 2])"), (NONE, "None"), (RSome(RSome(3)), "Some(Some(3))"),
    (RArray([ROk(1.5), NONE]), "[Ok(1.5), None]"),
    (_fn("f"), "<function f>"), (_fn("<anonymous>"), "<function>"),
    (_fn("Point.norm"), "<function Point.norm>"), (_fn("print", True), "<native function: print>"),
    (POINT, "<struct Point>"),
    (RStruct(ERROR_TYPE, {"line": 3, "message": "boom", "stack": RArray(["f", "g"])}),
     "Error { line: 3, message: boom, stack: [f, g] }"),
])
def test_to_string(value: object, text: str) -> None:
    assert to_string(value) == text


def test_to_string_of_builtin_values() -> None:
    from rufc.runtime.builtins import BUILTINS
    assert to_string(BUILTINS["println"].impl) == "<native function: println>"
    assert to_string(BUILTINS["len"].impl) == "<native function: len>"


def test_deeply_nested_values_do_not_crash() -> None:
    v: object = RArray([])
    for _ in range(200_000):
        v = RArray([v])
    text = to_string(v)
    assert text == "[" * 200_001 + "]" * 200_001
    d: object = 1
    for _ in range(100_000):
        d = RSome(RDict({"k": d}))
    assert to_string(d).startswith('Some({"k": Some(')


def test_large_flat_arrays_are_fast_paths() -> None:
    a = RArray.of(list(range(100_000)))
    assert to_string(a) == "[" + ", ".join(str(i) for i in range(100_000)) + "]"
    f = RArray.of([i / 4 for i in range(10)])
    assert to_string(f) == "[0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25]"
