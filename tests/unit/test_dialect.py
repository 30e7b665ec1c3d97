"""The ruff dialect in xDSL (`rufc.dialects.ruff`) and the conversion to and from the
compact encoding (`rufc.dialects.convert`): one small valid module per op of the table,
round-tripped through every path, and the verifier's rejections."""
from __future__ import annotations

import dataclasses
import io
import math
from collections.abc import Callable, Iterator

import pytest
from xdsl.dialects.builtin import ArrayAttr, IntegerAttr, StringAttr, UnitAttr
from xdsl.traits import IsTerminator, Pure
from xdsl.utils.exceptions import VerifyException

from rufc.dialects import convert, optable, ruff
from rufc.dialects.optable import MAIN_SYMBOL, OPS, VARIADIC, Module, Op, Region

FILE = "t.ruff"


# ---------------------------------------------------------------- building samples

def func(sym: str, *ops: Op, params: tuple[str, ...] = (), slots: tuple[str, ...] = ("x", "y"),
         cells: tuple[int, ...] = (), free: tuple[str, ...] = ()) -> Op:
    return Op("ruff.func", attrs={"sym_name": sym, "name": sym, "params": params,
                                  "slots": slots, "cells": cells, "free": free},
              regions=(Region((), list(ops)),))


def main(*ops: Op, extra: tuple[Op, ...] = ()) -> Module:
    return Module(FILE, [*extra, func(MAIN_SYMBOL, *ops)])


def const(r: int, value: optable.ConstValue = 1) -> Op:
    return Op("ruff.const", (r,), (), {"value": value})


def struct(sym: str = "Point") -> Op:
    return Op("ruff.struct", attrs={"sym_name": sym, "name": sym, "fields": ("x", "y"),
                                    "method_names": ("len",), "method_syms": (f"{sym}.len",)})


def cond(r: int) -> list[Op]:
    """%r = const true; %r+1 = truthy %r (an i1)."""
    return [const(r, True), Op("ruff.truthy", (r + 1,), (r,))]


def binary(name: str) -> Module:
    return main(const(0, 6), const(1, 3), Op(name, (2,), (0, 1)))


def unary(name: str) -> Module:
    return main(const(0, 6), Op(name, (1,), (0,)))


def _func_sample() -> Module:
    f = func("f", Op("ruff.load_var", (0,), (), {"name": "y", "chain": ("f0",)}),
             Op("ruff.return", (), (0,)),
             params=("a", "b"), slots=("a", "b", "c:let"), cells=(2,), free=("y",))
    odd = func("g-2", params=("not an identifier",), slots=("not an identifier",))
    return main(Op("ruff.return"), extra=(f, odd))


def _if_sample() -> Module:
    return main(*cond(0), Op("ruff.if", (2, 3), (1,), regions=(
        Region((), [const(4, "a"), Op("ruff.yield", (), (4, 0))]),
        Region((), [Op("ruff.yield", (), (0, 0))]))),
        Op("ruff.loop", regions=(Region((), [
            Op("ruff.if", (), (1,), regions=(Region((), [Op("ruff.break")]), Region()))]),)))


def _while_sample() -> Module:
    return main(Op("ruff.while", regions=(
        Region((), [*cond(0), Op("ruff.condition", (), (1,))]),
        Region((), [Op("ruff.continue")]))))


SAMPLES: dict[str, Callable[[], Module]] = {
    "ruff.func": _func_sample,
    "ruff.struct": lambda: main(Op("ruff.return"), extra=(struct(), func("Point.len"))),
    "ruff.const": lambda: main(*(const(i, v) for i, v in enumerate(
        (0, -7, 2**63 - 1, -2**63, 0.1, -0.0, 1e300, 2.5e-310, 12345678901234567.0,
         math.inf, -math.inf, "", "say \"hi\"\n\t\\ \u00fc \u2603", True, False, None)))),
    "ruff.get_struct": lambda: main(Op("ruff.get_struct", (0,), (), {"sym": "Point"}),
                                    extra=(struct(), func("Point.len"))),
    "ruff.make_function": lambda: Module(FILE, [func("f"), func("g", free=("x", "y")), func(
        MAIN_SYMBOL,
        Op("ruff.make_function", (0,), (), {"callee": "g", "captures": ("l0", "l1")}),
        Op("ruff.make_function", (1,), (), {"callee": "f", "captures": ()}), cells=(0, 1))]),
    "ruff.make_array": lambda: main(const(0), const(1), Op("ruff.make_array", (2,), (0, 1),
                                                          {"spread": (0, 1)}),
                                    Op("ruff.make_array", (3,), (), {"spread": ()})),
    "ruff.make_dict": lambda: main(const(0, "k"), const(1), Op("ruff.make_dict", (2,), (0, 1, 1),
                                                               {"layout": ("kv", "spread")}),
                                   Op("ruff.make_dict", (3,), (), {"layout": ()})),
    "ruff.make_struct": lambda: main(Op("ruff.get_struct", (0,), (), {"sym": "Point"}),
                                     const(1), Op("ruff.make_struct", (2,), (0, 1, 1),
                                                  {"fields": ("x", "y")}),
                                     extra=(struct(), func("Point.len"))),
    "ruff.make_variant": lambda: main(const(0), Op("ruff.make_variant", (1,), (0,), {"tag": "Ok"}),
                                      Op("ruff.make_variant", (2,), (), {"tag": "None"})),
    "ruff.interpolate": lambda: main(const(0, "n = "), const(1),
                                     Op("ruff.interpolate", (2,), (0, 1)),
                                     Op("ruff.interpolate", (3,), ())),
    "ruff.load_var": lambda: main(Op("ruff.load_var", (0,), (),
                                     {"name": "x", "chain": ("l0?", "g?", "b")})),
    "ruff.store_var": lambda: main(const(0), Op("ruff.store_var", (), (0,), {
        "name": "y", "chain": ("l1?", "g"), "create": "l1"})),
    "ruff.declare_var": lambda: main(const(0), Op("ruff.declare_var", (), (0,), {
        "name": "x", "kind": "let", "target": "l0", "check": True}), Op(
        "ruff.declare_var", (), (0,), {"name": "x", "kind": "mut", "target": "g",
                                       "check": False})),
    "ruff.update_path": lambda: main(const(0), const(1, 2), Op("ruff.declare_var", (), (0,), {
        "name": "x", "kind": "mut", "target": "l0", "check": False}), Op(
        "ruff.update_path", (), (0, 1), {"name": "x", "chain": ("l0",), "path": ("[]", ".f")})),
    "ruff.scope_enter": lambda: main(Op("ruff.scope_enter", attrs={"slots": (0, 1)}),
                                     Op("ruff.scope_enter", attrs={"slots": ()})),
    **{f"ruff.{n}": (lambda n=n: binary(f"ruff.{n}"))
       for n in ("add", "sub", "mul", "div", "mod", "eq", "ne", "lt", "le", "gt", "ge")},
    **{n: (lambda n=n: unary(n)) for n in ("ruff.neg", "ruff.not", "ruff.truthy",
                                           "ruff.is_null", "ruff.payload", "ruff.try_unwrap")},
    "ruff.box_bool": lambda: main(*cond(0), Op("ruff.box_bool", (2,), (1,))),
    "ruff.get_index": lambda: binary("ruff.get_index"),
    "ruff.get_field": lambda: main(const(0), Op("ruff.get_field", (1,), (0,),
                                                {"field": "a key"})),
    "ruff.call": lambda: main(const(0), Op("ruff.call", (1,), (0, 0, 0)),
                              Op("ruff.call", (2,), (0,))),
    "ruff.call_builtin": lambda: main(const(0), Op("ruff.call_builtin", (1,), (0,),
                                                   {"callee": "print"}),
                                      Op("ruff.call_builtin", (2,), (), {"callee": "time"})),
    "ruff.call_method": lambda: main(const(0), Op("ruff.call_method", (1,), (0, 0),
                                                  {"method": "push"})),
    "ruff.unpack_array": lambda: main(const(0), Op("ruff.unpack_array", (1, 2, 3), (0,),
                                                   {"count": 3, "rest": True}),
                                      Op("ruff.unpack_array", (4,), (0,),
                                         {"count": 1, "rest": False})),
    "ruff.unpack_dict": lambda: main(const(0), Op("ruff.unpack_dict", (1, 2), (0,),
                                                  {"keys": ("a",), "rest": True}),
                                     Op("ruff.unpack_dict", (), (0,),
                                        {"keys": (), "rest": False})),
    "ruff.match_tag": lambda: main(const(0), Op("ruff.match_tag", (1,), (0,), {"tag": "Some"}),
                                   Op("ruff.match_tag", (2,), (0,), {"tag": "None"})),
    "ruff.if": _if_sample,
    "ruff.yield": _if_sample,
    "ruff.while": _while_sample,
    "ruff.condition": _while_sample,
    "ruff.loop": lambda: main(Op("ruff.loop", regions=(Region((), [Op("ruff.break")]),)),
                              Op("ruff.loop", regions=(Region(),))),
    "ruff.for_range": lambda: main(const(0), const(1, 10), Op("ruff.declare_var", (), (0,), {
        "name": "x", "kind": "mut", "target": "l0", "check": False}), Op(
        "ruff.for_range", (), (0, 1, 0), regions=(Region((2,), [Op(
            "ruff.store_var", (), (2,), {"name": "x", "chain": ("l0",), "create": "l0"})]),)),
        Op("ruff.for_range", (), (0, 1, 0), regions=(Region((3,), []),))),
    "ruff.for_each": lambda: main(const(0, "abc"), Op("ruff.for_each", (), (0,), regions=(
        Region((1,), [Op("ruff.continue")]),))),
    "ruff.break": lambda: main(Op("ruff.loop", regions=(Region((), [Op("ruff.break")]),))),
    "ruff.continue": lambda: main(Op("ruff.loop", regions=(Region((), [Op("ruff.continue")]),))),
    "ruff.return": lambda: main(Op("ruff.return"), const(0), Op("ruff.return", (), (0,)),
                                const(1)),
    "ruff.try": lambda: main(Op("ruff.try", regions=(
        Region((), [Op("ruff.raise", attrs={"message": "boom"})]),
        Region((0,), [Op("ruff.return", (), (0,))]))),
        Op("ruff.try", regions=(Region(), Region((1,), [])))),
    "ruff.raise": lambda: main(Op("ruff.raise", attrs={"message": "Undefined variable 'q'"})),
}


def walk(ops: list[Op]) -> Iterator[Op]:
    for op in ops:
        yield op
        for region in op.regions:
            yield from walk(region.ops)


def located(m: Module) -> Module:
    """The module with a distinct source position on every op."""
    for i, op in enumerate(walk(m.ops)):
        op.line, op.col = i + 1, i % 5 + 1
    return m


def without_locations(m: Module, file: str) -> Module:
    for op in walk(m.ops):
        op.line = op.col = 0
    return dataclasses.replace(m, file=file)


def sample(name: str) -> Module:
    assert name in SAMPLES, f"tests/unit/test_dialect.py has no sample module for {name}"
    return located(SAMPLES[name]())


def text(m: Module, generic: bool = False, debuginfo: bool = True) -> str:
    stream = io.StringIO()
    convert.print_module(m, stream, generic=generic, debuginfo=debuginfo)
    return stream.getvalue()


OP_NAMES = [s.name for s in OPS]


# ---------------------------------------------------------------- the op classes

def test_every_row_of_the_table_has_an_op_class_named_after_it() -> None:
    assert list(ruff.OP_CLASSES) == OP_NAMES
    for spec in OPS:
        cls = ruff.OP_CLASSES[spec.name]
        assert cls.__name__ == spec.class_name and getattr(ruff, spec.class_name) is cls
        assert cls.__doc__ == spec.summary
    assert ruff.Ruff.name == "ruff"
    assert set(ruff.Ruff.operations) == set(ruff.OP_CLASSES.values())


@pytest.mark.parametrize("name", OP_NAMES)
def test_op_class_follows_its_row(name: str) -> None:
    spec = optable.SPECS[name]
    op_def = ruff.OP_CLASSES[name].get_irdl_definition()
    assert ruff.OP_CLASSES[name].has_trait(Pure) == spec.pure
    assert ruff.OP_CLASSES[name].has_trait(IsTerminator) == spec.terminator
    assert sorted(op_def.properties) == sorted(a for a, _ in spec.attrs)
    assert len(op_def.regions) == len(spec.regions)
    if spec.operands != VARIADIC:
        assert len(op_def.operands) == spec.operands


def test_properties_are_typed_by_attr_kind() -> None:
    op = convert.to_xdsl(sample("ruff.unpack_array")).walk()
    unpack = next(o for o in op if isinstance(o, ruff.UnpackArrayOp))
    assert unpack.count == IntegerAttr(3, 64)
    assert unpack.rest == IntegerAttr.from_bool(True)
    load = next(o for o in convert.to_xdsl(sample("ruff.load_var")).walk()
                if isinstance(o, ruff.LoadVarOp))
    assert load.name_ == StringAttr("x")                     # `name` is taken by Operation
    assert load.chain == ArrayAttr([StringAttr("l0?"), StringAttr("g?"), StringAttr("b")])
    consts = [o.value for o in convert.to_xdsl(sample("ruff.const")).walk()
              if isinstance(o, ruff.ConstOp)]
    assert isinstance(consts[-1], UnitAttr)
    assert consts[-3] == IntegerAttr.from_bool(True)


# ---------------------------------------------------------------- round trips

@pytest.mark.parametrize("name", OP_NAMES)
def test_compact_to_xdsl_and_back_is_identity(name: str) -> None:
    m = sample(name)
    convert.verify(m)
    assert convert.from_xdsl(convert.to_xdsl(m)) == m


@pytest.mark.parametrize("name", OP_NAMES)
def test_custom_text_round_trips_with_locations_and_is_stable(name: str) -> None:
    m = sample(name)
    printed = text(m)
    assert f" {name}" in printed and f'"{name}"' not in printed   # custom form, not generic
    parsed = convert.parse_module(printed, "elsewhere.mlir")
    assert parsed == m
    assert text(parsed) == printed


@pytest.mark.parametrize("name", OP_NAMES)
def test_generic_text_round_trips(name: str) -> None:
    m = sample(name)
    printed = text(m, generic=True)
    assert f'"{name}"' in printed
    assert convert.parse_module(printed, "elsewhere.mlir") == m


@pytest.mark.parametrize("name", OP_NAMES)
def test_text_without_debuginfo_drops_only_the_locations(name: str) -> None:
    m = sample(name)
    printed = text(m, debuginfo=False)
    assert "loc(" not in printed
    parsed = convert.parse_module(printed, "given.mlir")
    assert parsed == without_locations(sample(name), "given.mlir")
    assert text(parsed, debuginfo=False) == printed


def test_nan_constant_round_trips() -> None:
    m = main(const(0, math.nan))
    for generic in (False, True):
        parsed = convert.parse_module(text(m, generic=generic), FILE)
        value = parsed.ops[0].regions[0].ops[0].attrs["value"]
        assert isinstance(value, float) and math.isnan(value)


def test_bool_and_int_constants_stay_distinct() -> None:
    m = main(const(0, True), const(1, 1), const(2, 1.0), const(3, "1"))
    parsed = convert.parse_module(text(m), FILE)
    values = [op.attrs["value"] for op in parsed.ops[0].regions[0].ops]
    assert [type(v) for v in values] == [bool, int, float, str]


def test_printed_ssa_numbers_are_the_compact_value_ids() -> None:
    printed = text(sample("ruff.if"), debuginfo=False)
    assert "%2, %3 = ruff.if %1 -> !ruff.value, !ruff.value {" in printed
    assert '%4 = ruff.const "a"' in printed
    assert "ruff.yield %4, %0" in printed


def test_from_xdsl_renumbers_values_in_definition_order() -> None:
    scrambled = main(const(40), Op("ruff.neg", (7,), (40,)),
                     Op("ruff.for_each", (), (7,), regions=(Region((3,), [
                         Op("ruff.add", (9,), (3, 40))]),)), Op("ruff.return", (), (7,)))
    ordered = main(const(0), Op("ruff.neg", (1,), (0,)),
                   Op("ruff.for_each", (), (1,), regions=(Region((2,), [
                       Op("ruff.add", (3,), (2, 0))]),)), Op("ruff.return", (), (1,)))
    assert convert.from_xdsl(convert.to_xdsl(scrambled)) == ordered


def test_file_name_is_the_module_location() -> None:
    m = located(main(Op("ruff.return")))
    top = convert.to_xdsl(m)
    assert 'loc("t.ruff":0:0)' in text(m)
    assert convert.from_xdsl(top).file == FILE
    assert convert.parse_module(text(m, debuginfo=False), "other.mlir").file == "other.mlir"


def test_custom_forms_read_like_the_op() -> None:
    printed = text(SAMPLES["ruff.func"](), debuginfo=False) + \
        text(SAMPLES["ruff.declare_var"](), debuginfo=False) + \
        text(SAMPLES["ruff.make_array"](), debuginfo=False) + \
        text(SAMPLES["ruff.try"](), debuginfo=False) + \
        text(SAMPLES["ruff.const"](), debuginfo=False)
    assert 'ruff.func @f(a, b) name "f" slots ["a", "b", "c:let"] cells [2] free ["y"] {' \
        in printed
    assert 'ruff.func @"g-2"("not an identifier") name "g-2"' in printed
    assert 'ruff.declare_var let "x" = %0 target "l0" check' in printed
    assert 'ruff.declare_var mut "x" = %0 target "g"\n' in printed
    assert "%2 = ruff.make_array [%0, %1] spread [0, 1] : !ruff.value" in printed
    assert "} catch(%0) {" in printed
    assert "ruff.const null" in printed and "ruff.const true" in printed


# ---------------------------------------------------------------- verifier rejections

def body(m: Module) -> list[Op]:
    return m.funcs()[MAIN_SYMBOL].regions[0].ops


REJECTIONS: dict[str, tuple[Callable[[], Module], str]] = {
    "spread length": (lambda: main(const(0), Op("ruff.make_array", (1,), (0,),
                                                {"spread": (0, 1)})),
                      "spread has 2 entries but the op has 1 operands"),
    "spread flag": (lambda: main(const(0), Op("ruff.make_array", (1,), (0,), {"spread": (2,)})),
                    "spread entries must be 0 or 1"),
    "chain entry": (lambda: main(Op("ruff.load_var", (0,), (), {"name": "x", "chain": ("x3",)})),
                    "chain: 'x3' is not a variable reference"),
    "slot past the end": (lambda: main(Op("ruff.load_var", (0,), (),
                                          {"name": "x", "chain": ("l7?",)})),
                          "'l7?' refers past the 2 slots of @" + MAIN_SYMBOL),
    "free past the end": (lambda: main(Op("ruff.load_var", (0,), (),
                                          {"name": "x", "chain": ("f0",)})),
                          "'f0' refers past the 0 free"),
    "create with ?": (lambda: main(const(0), Op("ruff.store_var", (), (0,), {
        "name": "x", "chain": (), "create": "l0?"})), "create: 'l0?' is not a variable"),
    "declare kind": (lambda: main(const(0), Op("ruff.declare_var", (), (0,), {
        "name": "x", "kind": "var", "target": "l0", "check": True})),
        "kind must be let, mut or const, got 'var'"),
    "scope slot": (lambda: main(Op("ruff.scope_enter", attrs={"slots": (5,)})),
                   "slot 5 does not exist"),
    "params past slots": (lambda: Module(FILE, [func(MAIN_SYMBOL, params=("a", "b", "c"))]),
                          "has 3 params but only 2 slots"),
    "while condition": (lambda: main(Op("ruff.while", regions=(Region(), Region()))),
                        "condition region must end with ruff.condition"),
    "condition in body": (lambda: main(Op("ruff.while", regions=(
        Region((), [*cond(0), Op("ruff.condition", (), (1,))]),
        Region((), [*cond(2), Op("ruff.condition", (), (3,))])))),
        "must end the condition region"),
    "condition outside while": (lambda: main(*cond(0), Op("ruff.loop", regions=(
        Region((), [Op("ruff.condition", (), (1,))]),))), "expects parent op 'ruff.while'"),
    "terminator not last": (lambda: main(*cond(0), Op("ruff.if", (), (1,), regions=(
        Region((), [Op("ruff.yield"), Op("ruff.raise", attrs={"message": "m"})]), Region()))),
        "'ruff.yield' must be the last operation in its parent block"),
    "yield count": (lambda: main(*cond(0), Op("ruff.if", (2,), (1,), regions=(
        Region((), [Op("ruff.yield")]), Region()))), "has 1 results but a region yields 0"),
    "if condition type": (lambda: main(const(0), Op("ruff.if", (), (0,),
                                                    regions=(Region(), Region()))),
                          "i1"),
    "variant tag": (lambda: main(Op("ruff.make_variant", (0,), (), {"tag": "Maybe"})),
                    "tag must be one of Ok, Err, Some, None, got 'Maybe'"),
    "variant arity": (lambda: main(Op("ruff.make_variant", (0,), (), {"tag": "Ok"})),
                      "Ok takes 1 operand(s), got 0"),
    "dict layout": (lambda: main(const(0), Op("ruff.make_dict", (1,), (0,), {"layout": ("kv",)})),
                    "so it needs 2 operands, got 1"),
    "struct fields": (lambda: main(const(0), Op("ruff.make_struct", (1,), (0, 0),
                                                {"fields": ()})),
                      "has 0 fields but 1 field values"),
    "unknown callee": (lambda: main(Op("ruff.make_function", (0,), (),
                                       {"callee": "nope", "captures": ()})),
                       "there is no ruff.func @nope"),
    "struct is not a func": (lambda: main(Op("ruff.make_function", (0,), (),
                                             {"callee": "Point", "captures": ()}),
                                          extra=(struct(), func("Point.len"))),
                             "@Point is a ruff.struct, not a ruff.func"),
    "unknown struct": (lambda: main(Op("ruff.get_struct", (0,), (), {"sym": "Nope"})),
                       "there is no ruff.struct @Nope"),
    "method symbols": (lambda: main(extra=(dataclasses.replace(struct(), attrs={
        **struct().attrs, "method_syms": ()}),)), "has 1 method names but 0 method symbols"),
    "duplicate symbol": (lambda: main(extra=(func("f"), func("f"))),
                         'Redefinition of symbol "f"'),
    "update path": (lambda: main(const(0), Op("ruff.update_path", (), (0,), {
        "name": "x", "chain": ("l0",), "path": ("[]",)})),
        "path has 1 [] steps but the op has 0 index operands"),
    "unpack dict": (lambda: main(const(0), Op("ruff.unpack_dict", (1,), (0,), {
        "keys": ("a", "b"), "rest": False})), "needs 2 results"),
    "return arity": (lambda: main(const(0), Op("ruff.return", (), (0, 0))),
                     "takes at most one operand, got 2"),
    "operand count": (lambda: main(const(0), Op("ruff.add", (1,), (0,))), "operand"),
    "region arguments": (lambda: main(const(0), Op("ruff.for_each", (), (0,),
                                                   regions=(Region(),))),
                         "region expects 1 block arguments, got 0"),
    "no main": (lambda: Module(FILE, [func("f")]), f"no @{MAIN_SYMBOL} function"),
    "op at module level": (lambda: Module(FILE, [func(MAIN_SYMBOL), const(0)]),
                           "only ruff.func and ruff.struct may appear at module level"),
    "attribute type": (lambda: main(Op("ruff.raise", attrs={"message": 3})),
                       "attribute 'message' must be str, got 3"),
    "break outside loop": (lambda: main(Op("ruff.break")), "must be inside a loop"),
    "unknown attribute": (lambda: main(Op("ruff.break", attrs={"label": "x"})),
                          "unknown attribute(s) ['label']"),
    "undefined value": (lambda: main(Op("ruff.neg", (0,), (5,))),
                        "value %5 is used before it is defined"),
    "value out of its region": (lambda: main(Op("ruff.loop", regions=(Region((), [const(0)]),)),
                                             Op("ruff.neg", (1,), (0,))),
                                "value %0 is used outside the region that defines it"),
    "missing property": (lambda: main(Op("ruff.raise")), "message"),
}


@pytest.mark.parametrize("case", list(REJECTIONS))
def test_verifier_rejects_with_a_clear_message(case: str) -> None:
    build, message = REJECTIONS[case]
    with pytest.raises(VerifyException) as info:
        convert.verify(build())
    assert message in str(info.value)


def test_rejection_names_the_source_position() -> None:
    m = main(const(0), Op("ruff.make_array", (1,), (0,), {"spread": ()}, line=3, col=9))
    with pytest.raises(VerifyException, match=r"^t\.ruff:3:9: 'ruff\.make_array' spread"):
        convert.verify(m)


def test_rejection_without_position_names_the_function() -> None:
    m = main(const(0), Op("ruff.make_array", (1,), (0,), {"spread": ()}))
    with pytest.raises(VerifyException, match=rf"^in @{MAIN_SYMBOL}: 'ruff\.make_array'"):
        convert.verify(m)


def test_parse_module_verifies() -> None:
    printed = text(main(const(0), Op("ruff.make_array", (1,), (0,), {"spread": (1,)})))
    with pytest.raises(VerifyException, match="spread has 0 entries but the op has 1"):
        convert.parse_module(printed.replace("spread [1]", "spread []"), FILE)


def test_compact_verifier_accepts_every_sample() -> None:
    for name in OP_NAMES:
        optable.verify_module(sample(name))


def test_verifier_rejects_an_operand_moved_before_its_definition() -> None:
    top = convert.to_xdsl(main(const(0), Op("ruff.neg", (1,), (0,))))
    neg = next(o for o in top.walk() if isinstance(o, ruff.NegOp))
    const_op = neg.operands[0].owner
    assert isinstance(const_op, ruff.ConstOp)
    neg.detach()
    const_op.parent_block().insert_op_before(neg, const_op)   # what a buggy pass might do
    with pytest.raises(VerifyException, match="'ruff.neg' operand 0 is used before it is "
                                              "defined"):
        convert.verify_xdsl(top)


def test_xdsl_tools_find_the_dialect_through_the_entry_point() -> None:
    from xdsl.universe import Universe

    from rufc.dialects.universe import RUFF_UNIVERSE

    assert RUFF_UNIVERSE.all_dialects["ruff"]() is ruff.Ruff
    assert Universe.get_multiverse().all_dialects["ruff"]() is ruff.Ruff
