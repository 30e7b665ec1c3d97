"""rufc.runtime.builtins: every builtin of LANGUAGE.md §12, the arity table, value semantics."""
from __future__ import annotations

import math
from array import array
from typing import Any

import pytest

from rufc.runtime import semantics as S
from rufc.runtime.builtins import BUILTINS, CONSTANTS, Builtin
from rufc.runtime.errors import RuffError
from rufc.runtime.format import to_string
from rufc.runtime.output import OUT
from rufc.runtime.values import (
    ERROR_TYPE,
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
    type_name,
)

INF = math.inf
NAN = math.nan


def B(name: str, *args: Any) -> Any:
    """Call builtin `name` the way Ruff code does (arity checked)."""
    return S.call(BUILTINS[name].impl, args)


def A(*items: Any) -> RArray:
    return RArray.of(list(items))


def D(**kv: Any) -> RDict:
    return RDict(dict(kv))


def err(name: str, *args: Any) -> str:
    with pytest.raises(RuffError) as info:
        B(name, *args)
    return info.value.message


def show(v: Any) -> str:
    return to_string(v)


def fn(name: str, body: Any, nparams: int) -> Any:
    def f(*args: Any) -> Any:
        return body(*args)
    f.ruff_name = name  # type: ignore[attr-defined]
    f.ruff_nparams = nparams  # type: ignore[attr-defined]
    return f


SQUARE = fn("sq", lambda x: S.mul(x, x), 1)
IS_EVEN = fn("even", lambda x: S.eq(S.mod(x, 2), 0) and TRUE or FALSE, 1)
ADD = fn("add", S.add, 2)
IDENT = fn("<anonymous>", lambda x: x, 1)

# (builtin, args, expected text of the result, expected Ruff type of the result)
CASES: list[tuple[str, tuple[Any, ...], str, str]] = [
    ("len", ("héllo",), "5", "int"), ("len", (A(1, 2),), "2", "int"),
    ("len", (D(a=1),), "1", "int"),
    ("range", (5,), "[0, 1, 2, 3, 4]", "array"), ("range", (2, 5), "[2, 3, 4]", "array"),
    ("range", (10, 0, -3), "[10, 7, 4, 1]", "array"), ("range", (5, 2), "[]", "array"),
    ("range", (0, 10, 4), "[0, 4, 8]", "array"), ("range", (2.9,), "[0, 1]", "array"),
    ("range", (-3,), "[]", "array"), ("range", (1.5, 4.9, 1.9), "[1, 2, 3]", "array"),
    ("push", (A(1, 2), 3), "[1, 2, 3]", "array"), ("append", (A(), "x"), "[x]", "array"),
    ("pop", (A(1, 2, 3),), "[[1, 2], 3]", "array"), ("pop", (A(),), "[[], 0]", "array"),
    ("pop", (A(7),), "[[], 7]", "array"),
    ("to_string", (A(1, "a", 2.0),), "[1, a, 2]", "string"), ("str", (3.0,), "3", "string"),
    ("str", (None,), "null", "string"),
    ("to_int", (3.99,), "3", "int"), ("to_int", (-3.99,), "-3", "int"),
    ("to_int", ("  42 ",), "42", "int"), ("to_int", (TRUE,), "1", "int"),
    ("to_int", (FALSE,), "0", "int"), ("to_int", ("-9223372036854775808",), str(I64_MIN), "int"),
    ("to_int", ("+7",), "7", "int"), ("to_int", (-9223372036854775808.0,), str(I64_MIN), "int"),
    ("to_int", ("000000000000000000000000000012",), "12", "int"),
    ("to_float", (3,), "3", "float"), ("to_float", ("0.25",), "0.25", "float"),
    ("to_float", (TRUE,), "1", "float"), ("to_float", (" 1e3 ",), "1000", "float"),
    ("parse_int", ("-17",), "-17", "int"), ("parse_int", (" 8 ",), "8", "int"),
    ("parse_float", ("2.5",), "2.5", "float"), ("parse_float", ("-2",), "-2", "float"),
    ("parse_float", ("1e3",), "1000", "float"), ("parse_float", ("inf",), "inf", "float"),
    ("parse_float", ("-inf",), "-inf", "float"), ("parse_float", ("NaN",), "NaN", "float"),
    ("parse_float", (".5",), "0.5", "float"),
    ("type", (1,), "int", "string"), ("type_of", (None,), "null", "string"),
    ("type", (RArray([]),), "array", "string"), ("type", (NONE,), "option", "string"),
    ("abs", (-5,), "5", "float"), ("abs", (3.25,), "3.25", "float"),
    ("sqrt", (16,), "4", "float"), ("sqrt", (2,), "1.4142135623730951", "float"),
    ("floor", (3.7,), "3", "float"), ("floor", (-3.2,), "-4", "float"),
    ("floor", (-0.0,), "-0", "float"), ("floor", (5,), "5", "float"),
    ("ceil", (3.2,), "4", "float"), ("ceil", (-3.7,), "-3", "float"),
    ("ceil", (-0.5,), "-0", "float"),
    ("round", (2.5,), "3", "float"), ("round", (-2.5,), "-3", "float"),
    ("round", (2.4,), "2", "float"), ("round", (0.5,), "1", "float"),
    ("round", (0.49999999999999994,), "0", "float"), ("round", (-0.4,), "-0", "float"),
    ("round", (1,), "1", "float"), ("round", (4503599627370497.0,), "4503599627370497", "float"),
    ("min", (3, 7), "3", "float"), ("max", (3, 7), "7", "float"), ("max", (2, 9.5), "9.5", "float"),
    ("min", (-1, -1.5), "-1.5", "float"), ("min", (NAN, 1), "1", "float"),
    ("pow", (2, 10), "1024", "float"), ("pow", (2.0, -1), "0.5", "float"),
    ("pow", (10, 400), "inf", "float"), ("pow", (-10, 401), "-inf", "float"),
    ("pow", (0, -1), "inf", "float"), ("pow", (-8, 0.5), "NaN", "float"),
    ("keys", (D(b=2, a=1, c=3),), "[a, b, c]", "array"),
    ("values", (D(b=2, a=1, c=3),), "[1, 2, 3]", "array"),
    ("items", (D(b=2, a=1),), "[[a, 1], [b, 2]]", "array"),
    ("keys", (D(),), "[]", "array"),
    ("has_key", (D(a=1), "a"), "1", "int"), ("has_key", (D(a=1), "zz"), "0", "int"),
    ("has_key", (RDict({"1": 0}), 1), "1", "int"),
    ("get", (D(c=3), "c"), "3", "int"), ("get", (D(c=3), "zz"), "null", "null"),
    ("get", (D(c=3), "zz", 0), "0", "int"), ("get_default", (D(), "q", "dflt"), "dflt", "string"),
    ("merge", (D(a=1, c=3), D(c=30, d=4)), '{"a": 1, "c": 30, "d": 4}', "dict"),
    ("contains", ("hello", "ell"), "1", "int"), ("contains", ("hello", "xyz"), "0", "int"),
    ("contains", (A(1, 2, 3), 2), "true", "bool"), ("contains", (A(1, 2, 3), 5), "false", "bool"),
    ("contains", (A(1, 2.0), 2), "true", "bool"), ("contains", (A("a"), "a"), "true", "bool"),
    ("contains", (D(a=1), "a"), "true", "bool"), ("contains", (D(a=1), "x"), "false", "bool"),
    ("index_of", ("hello", "l"), "2", "int"), ("index_of", ("hello", "z"), "-1", "int"),
    ("index_of", ("héllo", "llo"), "2", "int"),
    ("index_of", (A(5, 6, 7), 7), "2", "int"), ("index_of", (A(5, 6, 7), 8), "-1", "int"),
    ("index_of", (A("a", 1.5), 1.5), "1", "int"),
    ("split", ("a,b,,c", ","), "[a, b, , c]", "array"), ("split", ("", ","), "[]", "array"),
    ("join", (A("x", "y", "z"), "-"), "x-y-z", "string"),
    ("join", (A(1, 2.5, TRUE), "|"), "1|2.5|true", "string"), ("join", (A(), ","), "", "string"),
    ("to_upper", ("héllo",), "HÉLLO", "string"), ("upper", ("abc",), "ABC", "string"),
    ("to_lower", ("ABC",), "abc", "string"), ("lower", ("ÀB",), "àb", "string"),
    ("trim", ("  Hello, World \n",), "Hello, World", "string"),
    ("capitalize", ("rUFF",), "Ruff", "string"), ("capitalize", ("",), "", "string"),
    ("replace", ("banana", "an", "AN"), "bANANa", "string"),
    ("substring", ("abcdef", 1, 4), "bcd", "string"), ("substring", ("abc", 1, 99), "bc", "string"),
    ("substring", ("abc", 5, 9), "", "string"), ("substring", ("abc", 2, 1), "", "string"),
    ("starts_with", ("Hello", "He"), "true", "bool"), ("ends_with", ("Hello", "!"), "false", "bool"),
    ("repeat", ("ab", 3), "ababab", "string"), ("repeat", ("ab", 0), "", "string"),
    ("char_at", ("hello", 1), "e", "string"), ("char_at", ("hello", 10), "", "string"),
    ("char_at", ("hello", -1), "", "string"),
    ("map", (A(1, 2, 3), SQUARE), "[1, 4, 9]", "array"), ("map", (A(), SQUARE), "[]", "array"),
    ("filter", (A(1, 2, 3, 4), IS_EVEN), "[2, 4]", "array"),
    ("filter", (A(0, 1, "", "a"), IDENT), "[1, a]", "array"),
    ("reduce", (A(1, 2, 3), 0, ADD), "6", "int"),
    ("reduce", (A("a", "b", "c"), "", fn("f", lambda acc, s: s + acc, 2)), "cba", "string"),
    ("reduce", (A(), 7, ADD), "7", "int"),
    ("any", (A(1, 2, 6), fn("g", lambda x: TRUE if x > 5 else FALSE, 1)), "true", "bool"),
    ("all", (A(1, 2, 6), fn("g", lambda x: TRUE if x > 5 else FALSE, 1)), "false", "bool"),
    ("any", (A(), SQUARE), "false", "bool"), ("all", (A(), SQUARE), "true", "bool"),
    ("sort", (A(3, 1, 2),), "[1, 2, 3]", "array"), ("sort", (A(2.5, -1, 10, 0),), "[-1, 0, 2.5, 10]",
                                                           "array"),
    ("sort", (A("pear", "Apple", "banana", "apple"),), "[Apple, apple, banana, pear]", "array"),
    ("sort", (A(),), "[]", "array"), ("sort", (A(0.5, -1.5),), "[-1.5, 0.5]", "array"),
    ("reverse", (A(1, 2, 3),), "[3, 2, 1]", "array"),
    ("unique", (A(1, 2, 1, 3, 2, 1),), "[1, 2, 3]", "array"),
    ("unique", (A("a", "b", "a"),), "[a, b]", "array"),
    ("unique", (A(1, 1.0, A(1), A(1), "x"),), "[1, [1], x]", "array"),
    ("sum", (A(1, 2, 3, 4, 5, 6),), "21", "int"), ("sum", (A(),), "0", "int"),
    ("sum", (A(1, 2.5),), "3.5", "float"), ("sum", (A(0.5, 0.25),), "0.75", "float"),
    ("sum", (A(I64_MAX, 1, -1),), "", "error"),
    ("concat", (A(1, 2), A(3)), "[1, 2, 3]", "array"), ("concat", (A(1), A("a")), "[1, a]", "array"),
    ("concat", (A(), A()), "[]", "array"),
    ("slice", (A(10, 20, 30, 40, 50), 1, 3), "[20, 30]", "array"),
    ("slice", (A(10, 20, 30, 40, 50), -2, 5), "[40, 50]", "array"),
    ("slice", (A(10, 20, 30), 2, 1), "[]", "array"), ("slice", (A(1, 2), -10, 10), "[1, 2]", "array"),
    ("insert", (A(1, 3), 1, 2), "[1, 2, 3]", "array"), ("insert", (A(1), 1, "x"), "[1, x]", "array"),
    ("insert", (A(), 0, 5), "[5]", "array"),
    ("remove_at", (A("a", "b", "c"), 1), "[[a, c], b]", "array"),
    ("remove_at", (A(1, 2, 3), -1), "[[1, 2], 3]", "array"),
    ("remove_at", (A(1), 0), "[[], 1]", "array"),
    ("to_bool", ("false",), "false", "bool"), ("to_bool", ("0",), "false", "bool"),
    ("to_bool", ("no",), "true", "bool"), ("to_bool", (0,), "false", "bool"),
    ("to_bool", (A(1),), "true", "bool"),
    ("is_int", (1,), "true", "bool"), ("is_int", (1.0,), "false", "bool"),
    ("is_float", (1,), "false", "bool"), ("is_string", ("s",), "true", "bool"),
    ("is_bool", (FALSE,), "true", "bool"), ("is_bool", (0,), "false", "bool"),
    ("is_array", (RArray([]),), "true", "bool"), ("is_dict", (D(),), "true", "bool"),
    ("is_null", (None,), "true", "bool"), ("is_null", (NONE,), "false", "bool"),
    ("is_function", (SQUARE,), "true", "bool"), ("is_function", ("f",), "false", "bool"),
    ("sin", (0,), "0", "float"), ("cos", (0,), "1", "float"), ("tan", (0,), "0", "float"),
    ("sin", (INF,), "NaN", "float"),
    ("exp", (0,), "1", "float"), ("exp", (1000,), "inf", "float"), ("log", (1,), "0", "float"),
    ("bit_and", (12, 10), "8", "int"), ("bit_or", (12, 10), "14", "int"),
    ("bit_xor", (12, 10), "6", "int"), ("bit_not", (0,), "-1", "int"),
    ("bit_shl", (1, 10), "1024", "int"), ("bit_shr", (1024, 3), "128", "int"),
    ("bit_shl", (1, 63), str(I64_MIN), "int"), ("bit_shr", (-16, 2), "-4", "int"),
    ("bit_shl", (3, 62), str(I64_MIN + (1 << 62)), "int"),
    ("assert", (TRUE,), "true", "bool"), ("assert", (1, "never"), "true", "bool"),
    ("assert_equal", (A(1, 2), A(1, 2)), "true", "bool"),
    ("print", (), "null", "null"), ("println", (1, "a"), "null", "null"),
    ("throw", ("boom",), "", "error"),
]


@pytest.mark.parametrize("name, args, text, rtype", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_builtin(name: str, args: tuple[Any, ...], text: str, rtype: str) -> None:
    before = [to_string(a) for a in args]
    if rtype == "error":
        with pytest.raises(RuffError):
            B(name, *args)
    else:
        r = B(name, *args)
        assert show(r) == text
        assert type_name(r) == rtype
        declared = BUILTINS[name].result
        assert declared == "any" or declared == rtype
    # builtins never modify their arguments
    assert [to_string(a) for a in args] == before
    OUT.discard()


def test_every_builtin_is_tested() -> None:
    tested = {c[0] for c in CASES}
    assert set(BUILTINS) - tested == set()


def test_table_sanity() -> None:
    expected_arity = {
        "print": (0, None), "println": (0, None), "len": (1, 1), "range": (1, 3),
        "push": (2, 2), "append": (2, 2), "pop": (1, 1), "to_string": (1, 1), "str": (1, 1),
        "get": (2, 3), "get_default": (3, 3), "reduce": (3, 3), "assert": (1, 2),
        "substring": (3, 3), "replace": (3, 3), "insert": (3, 3), "remove_at": (2, 2),
        "min": (2, 2), "max": (2, 2), "pow": (2, 2), "bit_not": (1, 1), "throw": (1, 1),
    }
    for name, (lo, hi) in expected_arity.items():
        b = BUILTINS[name]
        assert (b.min_args, b.max_args) == (lo, hi), name
    seen_impls = set()
    for name, b in BUILTINS.items():
        assert isinstance(b, Builtin) and b.name == name
        f = b.impl
        assert f.ruff_name == name and f.ruff_builtin is True  # type: ignore[attr-defined]
        assert f.ruff_min == b.min_args and f.ruff_max == b.max_args  # type: ignore[attr-defined]
        assert b.result in ("int", "float", "bool", "string", "array", "dict", "null", "any")
        assert id(f) not in seen_impls, f"{name} shares its function object"
        seen_impls.add(id(f))
        assert type_name(f) == "function"
        assert to_string(f) == f"<native function: {name}>"
    assert CONSTANTS["PI"] == math.pi and CONSTANTS["E"] == math.e
    assert set(CONSTANTS) == {"PI", "E"}


def test_core_builtins_present() -> None:
    core = ("print println len range push append pop to_string str to_int to_float parse_int "
            "parse_float type type_of abs sqrt floor ceil round min max pow").split()
    ring2 = ("keys values items has_key get get_default merge contains index_of split join "
             "to_upper upper to_lower lower trim capitalize replace substring starts_with "
             "ends_with repeat char_at map filter reduce any all sort reverse unique sum concat "
             "slice insert remove_at to_bool is_int is_float is_string is_bool is_array is_dict "
             "is_null is_function sin cos tan log exp bit_and bit_or bit_xor bit_shl bit_shr "
             "bit_not assert assert_equal throw").split()
    assert set(core + ring2) == set(BUILTINS)


# ---------------------------------------------------------------- arity messages

def test_arity_messages() -> None:
    assert err("len") == "len expects 1 arguments, got 0"
    assert err("push", A()) == "push expects 2 arguments, got 1"
    assert err("append", A(), 1, 2) == "append expects 2 arguments, got 3"
    assert err("range", 1, 2, 3, 4) == "range expects 1 to 3 arguments, got 4"
    assert err("assert") == "assert expects 1 to 2 arguments, got 0"
    assert err("get_default", D(), "a") == "get_default expects 3 arguments, got 2"


# ---------------------------------------------------------------- error cases

@pytest.mark.parametrize("name, args, message", [
    ("range", (0, 10, 0), "range() step cannot be zero"),
    ("to_int", ("abc",), "Cannot convert 'abc' to int"),
    ("to_int", ("3.5",), "Cannot convert '3.5' to int"),
    ("to_int", ("9223372036854775808",), "Cannot convert '9223372036854775808' to int"),
    ("to_int", ("1_000",), "Cannot convert '1_000' to int"),
    ("to_int", ("",), "Cannot convert '' to int"),
    ("to_float", ("x1",), "Cannot convert 'x1' to float"),
    ("to_float", ("1_0",), "Cannot convert '1_0' to float"),
    ("parse_int", ("abc",), "Cannot parse 'abc' as integer"),
    ("parse_int", ("١٢",), "Cannot parse '١٢' as integer"),
    ("parse_int", ("0x10",), "Cannot parse '0x10' as integer"),
    ("parse_int", ("1" * 5000,), f"Cannot parse '{'1' * 5000}' as integer"),
    ("parse_float", ("1.2.3",), "Cannot parse '1.2.3' as float"),
    ("parse_float", ("",), "Cannot parse '' as float"),
    ("parse_float", (".",), "Cannot parse '.' as float"),
    ("assert", (FALSE,), "Assertion failed"),
    ("assert", (FALSE, "custom message"), "custom message"),
    ("assert", (None, None), "null"),
    ("throw", ("value too large: 5",), "value too large: 5"),
    ("throw", (42,), "42"),
    ("throw", (A(1, 2),), "[1, 2]"),
    ("throw", (RDict({"message": "from dict"}),), "from dict"),
    ("throw", (RStruct(RStructType("MyErr", ("message", "code"), {}),
                       {"message": "custom", "code": 3}),), "custom"),
    ("throw", (RStruct(ERROR_TYPE, {"line": 1, "message": "rethrown", "stack": A()}),),
     "rethrown"),
    ("throw", (RStruct(RStructType("P", ("x",), {}), {"x": 1}),), "P { x: 1 }"),
    ("throw", (ROk(1),), "Ok(1)"),
])
def test_builtin_errors(name: str, args: tuple[Any, ...], message: str) -> None:
    assert err(name, *args) == message


def test_throw_keeps_the_value() -> None:
    v = D(message="m", code=1)
    with pytest.raises(RuffError) as info:
        B("throw", v)
    assert info.value.value is v and info.value.message == "m"


def test_assert_equal_failure() -> None:
    m = err("assert_equal", 1, 2)
    assert m.startswith("Assertion failed")
    assert err("assert_equal", A(1), A(1, 2)).startswith("Assertion failed")
    assert B("assert_equal", 1, 1.0) is TRUE


def test_to_int_of_bad_floats() -> None:
    for x in (NAN, INF, -INF, 9223372036854775808.0, -9223372036854777856.0):
        with pytest.raises(RuffError, match="Cannot convert"):
            B("to_int", x)


@pytest.mark.parametrize("name, args", [
    ("len", (5,)), ("len", (None,)), ("push", (5, 1)), ("append", ("s", 1)), ("pop", ("s",)),
    ("range", ("a",)), ("range", (TRUE,)), ("range", (1, None)), ("to_int", (None,)),
    ("to_int", (A(),)), ("to_float", (None,)), ("parse_int", (5,)), ("parse_float", (2.5,)),
    ("abs", ("x",)), ("sqrt", (-4,)), ("sqrt", (TRUE,)), ("floor", (None,)), ("min", (1, "2")),
    ("max", (A(), 1)), ("pow", ("2", 2)), ("keys", (A(),)), ("values", (5,)), ("items", (None,)),
    ("has_key", (A(), "a")), ("get", (A(1), 0)), ("get_default", ("s", "a", 1)),
    ("merge", (D(), A())), ("contains", (5, 5)), ("contains", ("abc", 1)), ("index_of", (5, 1)),
    ("index_of", ("abc", 1)), ("split", ("a", "")), ("split", (1, ",")), ("join", ("ab", ",")),
    ("join", (A(), 1)), ("to_upper", (1,)), ("upper", (None,)), ("to_lower", (A(),)),
    ("lower", (1,)), ("trim", (1,)), ("capitalize", (1,)), ("replace", ("a", 1, "b")),
    ("substring", ("abc", "1", 2)), ("starts_with", ("a", 1)), ("ends_with", (1, "a")),
    ("repeat", ("a", "b")), ("repeat", ("a", -1)), ("char_at", ("a", "0")), ("map", (5, SQUARE)),
    ("map", (A(1), 5)), ("map", (A(1), ADD)), ("filter", (A(1), None)), ("reduce", (A(1), 0, SQUARE)),
    ("reduce", (5, 0, ADD)), ("any", (A(1), "f")), ("all", ("s", SQUARE)),
    ("sort", (A(1, "a"),)), ("sort", (A(TRUE, FALSE),)), ("sort", (A("a", 1),)), ("sort", (5,)),
    ("reverse", ("abc",)), ("unique", (D(),)), ("sum", (A(1, "a"),)), ("sum", ("abc",)),
    ("sum", (A(I64_MAX, 1),)), ("concat", (A(), "x")), ("slice", ("abc", 0, 1)),
    ("slice", (A(1), "a", 1)), ("insert", (A(1), 5, 0)), ("insert", (A(1), -1, 0)),
    ("insert", (5, 0, 0)), ("remove_at", (A(1), 1)), ("remove_at", (A(), 0)),
    ("remove_at", (5, 0)), ("sin", ("x",)), ("cos", (None,)), ("tan", (A(),)), ("log", (0,)),
    ("log", (-1,)), ("log", ("e",)), ("exp", (TRUE,)), ("bit_and", (1.5, 1)), ("bit_or", (1, "x")),
    ("bit_xor", (TRUE, 1)), ("bit_shl", (1, 64)), ("bit_shl", (1, -1)), ("bit_shr", (1, 100)),
    ("bit_not", (1.0,)),
])
def test_bad_arguments_raise_ruff_errors(name: str, args: tuple[Any, ...]) -> None:
    with pytest.raises(RuffError) as info:
        B(name, *args)
    assert info.value.message


def test_higher_order_arity_errors_are_worded_like_calls() -> None:
    assert err("map", A(1), ADD) == "add expects 2 arguments, got 1"
    assert err("reduce", A(1), 0, SQUARE) == "sq expects 1 arguments, got 2"
    assert err("filter", A(1), 5) == "Cannot call non-function: int"
    assert err("map", A(1), BUILTINS["push"].impl) == "push expects 2 arguments, got 1"
    assert show(B("map", A(-1, 2), BUILTINS["abs"].impl)) == "[1, 2]"
    assert show(B("map", A("a", 1), BUILTINS["type"].impl)) == "[string, int]"


def test_higher_order_call_order() -> None:
    seen: list[Any] = []
    rec = fn("rec", lambda x: seen.append(x) or x, 1)
    B("map", A(3, 1, 2), rec)
    B("filter", A(4, 5), rec)
    assert seen == [3, 1, 2, 4, 5]
    assert B("any", A(1, 2, 3), fn("r", lambda x: (seen.append(x), TRUE)[1], 1)) is TRUE
    assert seen[-1] == 1  # stops at the first truthy result


# ---------------------------------------------------------------- value semantics

def typed(*items: object) -> RArray:
    """An array in typed storage, as native code will hand it over."""
    a = RArray(list(items))
    assert a.typed()
    return a


def test_push_does_not_modify_its_argument() -> None:
    for make in (A, typed):
        a = make(1, 2, 3)
        b = B("push", a, 4)
        assert show(a) == "[1, 2, 3]" and show(b) == "[1, 2, 3, 4]"
        assert a.data is not b.data
        c = B("push", a, 2.5)
        assert show(a) == "[1, 2, 3]" and show(c) == "[1, 2, 3, 2.5]"
        assert type(c.data[3]) is float and type(c.data[0]) is int
        g = B("push", a, TRUE)
        assert g.data[3] is TRUE and show(a) == "[1, 2, 3]"
    assert typed(1, 2).data.typecode == "q" and typed(1.5).data.typecode == "d"
    f = B("push", typed(1.5), 2)  # an int never goes into array('d')
    assert type(f.data) is list and type(f.data[1]) is int


def test_builtins_give_the_same_results_on_typed_and_list_storage() -> None:
    half = fn("h", lambda x: x / 2, 1)
    for name, args in [("sort", (3, 1, 2)), ("reverse", (1.5, 2.5)), ("unique", (1, 1, 2)),
                       ("sum", (1, 2, 3)), ("sum", (1.5, 2.5)), ("len", (1, 2))]:
        assert show(B(name, A(*args))) == show(B(name, typed(*args))), name
    assert show(B("map", typed(1, 2), half)) == show(B("map", A(1, 2), half)) == "[0.5, 1]"
    assert show(B("filter", typed(1, 2), IDENT)) == "[1, 2]"
    assert show(B("concat", typed(1), typed(2.5))) == "[1, 2.5]"
    assert show(B("slice", typed(1, 2, 3), 1, 3)) == "[2, 3]"
    r = B("insert", typed(1, 2), 1, 1.5)
    assert show(r) == "[1, 1.5, 2]" and type(r.data[0]) is int


def test_builtins_do_not_mutate_nested_or_shared_inputs() -> None:
    inner = A(1, 2)
    outer = RArray([inner, "x"])
    d = RDict({"k": inner})
    for name, args in [("reverse", (outer,)), ("sort", (A(3, 1, 2),)), ("unique", (outer,)),
                       ("concat", (outer, outer)), ("slice", (outer, 0, 1)),
                       ("insert", (outer, 0, 9)), ("remove_at", (outer, 0)), ("pop", (outer,)),
                       ("merge", (d, RDict({"z": 1}))), ("keys", (d,)), ("values", (d,)),
                       ("items", (d,)), ("map", (outer, IDENT)), ("push", (outer, 1))]:
        before = [show(a) for a in args]
        B(name, *args)
        assert [show(a) for a in args] == before, name
    a = A(3, 1, 2)
    B("sort", a)
    assert show(a) == "[3, 1, 2]"


def test_sum_is_checked_and_left_to_right() -> None:
    assert err("sum", A(I64_MAX, 1)) == f"Integer overflow: {I64_MAX} + 1"
    assert B("sum", A(I64_MAX, -1, 1)) == I64_MAX
    assert B("sum", RArray([1, 2, 3])) == 6
    assert B("sum", A(0.1, 0.2, 0.3)) == (0.1 + 0.2) + 0.3
    assert type(B("sum", A(1, 2.0))) is float
    assert B("sum", A(I64_MIN, I64_MAX)) == -1


def test_math_builtins_return_float() -> None:
    for name in ("abs", "sqrt", "floor", "ceil", "round", "sin", "cos", "tan", "exp"):
        assert type(B(name, 4)) is float, name
    for name in ("min", "max", "pow"):
        assert type(B(name, 2, 3)) is float
    assert B("abs", -7) / 2 == 3.5
    assert B("abs", I64_MIN) == 9223372036854775808.0
    assert math.isnan(B("sqrt", NAN))
    assert B("floor", INF) == INF and math.isnan(B("round", NAN))
    assert math.isnan(B("pow", -8, 1 / 3))


def test_bools_are_ruff_bools() -> None:
    for name, args in [("starts_with", ("a", "a")), ("is_int", (1,)), ("contains", (A(1), 1)),
                       ("any", (A(1), IDENT)), ("to_bool", (1,)), ("assert", (1,))]:
        r = B(name, *args)
        assert r is TRUE or r is FALSE


def test_print_writes_lines(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    OUT.discard()
    B("print", 1, "a", 2.5, A(1, "b"), RDict({"k": None}))
    B("println")
    B("println", "héllo", TRUE, None, NONE, ROk(RSome(1)), RErr("e"))
    assert B("print", "x") is None
    OUT.flush()
    out = capsysbinary.readouterr().out
    assert out == ('1 a 2.5 [1, b] {"k": null}\n\nhéllo true null None Ok(Some(1)) Err(e)\nx\n'
                   .encode())


def test_output_flushes_when_large(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    OUT.discard()
    line = "x" * 1000
    for _ in range(100):
        OUT.write_line(line)
    assert len(capsysbinary.readouterr().out) > 60_000  # flushed on its own
    OUT.flush()
    assert capsysbinary.readouterr().out.count(b"\n") < 100


def test_to_int_and_parse_edges() -> None:
    assert B("to_int", 9223372036854775000.0) == 9223372036854774784
    assert B("to_int", " -0 ") == 0
    assert B("parse_int", "-9223372036854775808") == I64_MIN
    with pytest.raises(RuffError):
        B("parse_int", "9223372036854775808")
    assert B("parse_float", " infinity ") == INF
    assert math.isnan(B("to_float", "nan"))
    assert B("to_float", "-0") == 0.0


def test_struct_and_dict_payloads_in_collections() -> None:
    p = RStructType("P", ("x",), {})
    arr = RArray([RStruct(p, {"x": 1}), RStruct(p, {"x": 1})])
    assert show(B("unique", arr)) == "[P { x: 1 }]"
    assert B("contains", arr, RStruct(p, {"x": 1})) is TRUE
    assert B("index_of", RArray([NONE, RSome(1)]), RSome(1)) == 1
    assert B("contains", A(1, 2), array("q", [1])) is FALSE  # not a Ruff value match
