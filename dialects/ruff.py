"""The `ruff` dialect in xDSL, derived from the op table `rufc.dialects.optable.OPS`.

What is derived from a table row (`OpSpec`), so that the table stays the one definition:
  - operand and result counts and types (`!ruff.value`, or `i1` as the row says),
  - one property per attribute, typed by its `AttrKind`:
      int   -> IntegerAttr i64            bool -> IntegerAttr i1 (prints `true`/`false`)
      str   -> StringAttr                 strs -> ArrayAttr of StringAttr
      ints  -> ArrayAttr of IntegerAttr i64
      const -> IntegerAttr i64 | FloatAttr f64 | StringAttr | IntegerAttr i1 | UnitAttr (null)
  - regions (one block each; `NoTerminator`, so a body may simply end),
  - traits: `Pure()` only where `spec.pure`, `IsTerminator()` where `spec.terminator`.

What this file adds, because the table does not say it (`_SYNTAX`, `_EXTRA_TRAITS`, `_CHECKS`):
  - the names of operand groups, results and regions (`op.lhs`, `op.args`, `op.body`),
  - the textual form of each op (an `assembly_format`, or a hand-written `print`/`parse`
    for `ruff.func`, `ruff.for_range`, `ruff.for_each` and `ruff.try`, whose block
    arguments read better in the op header, as in `scf.for`),
  - structural traits (symbols, parents) and the `verify_()` checks the constraints
    cannot express (variable references, list lengths, terminators).

Python accessors are the attribute names, except where the name is taken by `Operation`
(`name` -> `op.name_`, `create` -> `op.create_`); the property names themselves are those
of the table. Source positions live in `op.location` (`FileLineColLoc`, printed only with
`--print-debuginfo`). Changing a row changes the classes; changing the syntax of an op
changes every `.mlir` test that mentions it.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from xdsl.dialects.builtin import (
    ArrayAttr,
    BytesAttr,
    Float64Type,
    FloatAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    SymbolNameConstraint,
    UnitAttr,
    i1,
    i64,
)
from xdsl.ir import (
    Attribute,
    Block,
    Dialect,
    Operation,
    ParametrizedAttribute,
    Region,
    SSAValue,
    TypeAttribute,
)
from xdsl.irdl import (
    AttrConstraint,
    EqAttrConstraint,
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    irdl_to_attr_constraint,
    lazy_traits_def,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    var_operand_def,
    var_result_def,
)
from xdsl.irdl.declarative_assembly_format import (
    AttributeVariable,
    CustomDirective,
    ParsingState,
    PrintingState,
    irdl_custom_directive,
)
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.traits import (
    ConstantLike,
    HasParent,
    IsolatedFromAbove,
    IsTerminator,
    NoTerminator,
    OpTrait,
    Pure,
    SymbolOpInterface,
    SymbolTable,
    SymbolUserOpInterface,
)
from xdsl.utils.exceptions import VerifyException

from rufc.dialects.optable import OPS, SPECS, VARIADIC, AttrKind, OpSpec


@irdl_attr_definition
class ValueType(ParametrizedAttribute, TypeAttribute):
    """!ruff.value: any Ruff value (null, bool, int, float, string, array, dict, struct,
    variant, function); what it is is known only at run time."""

    name = "ruff.value"


VALUE: ValueType = ValueType()
F64 = Float64Type()


# ---------------------------------------------------------------- property types

_CONST = (
    IntegerAttr.constr(type=i64)
    | FloatAttr.constr(type=EqAttrConstraint(F64))
    | irdl_to_attr_constraint(StringAttr)
    | IntegerAttr.constr(type=i1)
    | irdl_to_attr_constraint(UnitAttr)
)

_KIND_CONSTRAINT: dict[AttrKind, AttrConstraint] = {
    "int": IntegerAttr.constr(type=i64),
    "bool": IntegerAttr.constr(type=i1),
    "str": irdl_to_attr_constraint(StringAttr),
    "strs": irdl_to_attr_constraint(ArrayAttr[StringAttr]),
    "ints": ArrayAttr.constr(IntegerAttr.constr(type=i64)),
    "const": _CONST,
}

_SYMBOL_PROPS = frozenset({"sym_name", "callee", "sym"})
"""`str` properties printed as `@name`. `ruff.call_builtin`'s callee is a builtin name,
not a symbol, and is excluded below."""


def _prop_constraint(op_name: str, prop: str, kind: AttrKind) -> AttrConstraint:
    if kind == "str" and prop in _SYMBOL_PROPS and op_name != "ruff.call_builtin":
        return SymbolNameConstraint()
    return _KIND_CONSTRAINT[kind]


_TAKEN = frozenset(name for cls in IRDLOperation.mro()
                   for name in (*vars(cls), *getattr(cls, "__annotations__", {})))


def accessor_name(prop: str) -> str:
    """The Python attribute under which an op exposes property `prop`."""
    return prop + "_" if prop in _TAKEN else prop


# ---------------------------------------------------------------- custom directives

_BARE_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def parse_string(parser: Parser) -> str:
    """A string literal. xDSL prints non-ASCII characters as byte escapes (`"\\C3\\BC"`) and
    lexes such a literal as bytes; this reads it back as the UTF-8 string it came from."""
    if (text := parser.parse_optional_str_literal()) is not None:
        return text
    if (raw := parser.parse_optional_bytes_literal()) is not None:
        try:
            return raw.decode()
        except UnicodeDecodeError:
            parser.raise_error("expected a string literal, got bytes that are not UTF-8")
    parser.raise_error("expected a string literal")


def parse_strings(parser: Parser) -> list[str]:
    """`["a", "b"]`, each read with `parse_string`."""
    return parser.parse_comma_separated_list(parser.Delimiter.SQUARE,
                                             lambda: parse_string(parser))


def print_strings(printer: Printer, strings: Sequence[str]) -> None:
    with printer.in_square_brackets():
        printer.print_list(strings, printer.print_string_literal)


def _string_list(attr: Attribute | None) -> list[str] | None:
    """The strings of an ArrayAttr of StringAttr, or None for anything else (an op that
    does not verify still prints, generically where the custom form cannot show it)."""
    if not isinstance(attr, ArrayAttr):
        return None
    items = cast(ArrayAttr[Attribute], attr).data
    if not all(isinstance(a, StringAttr) for a in items):
        return None
    return [cast(StringAttr, a).data for a in items]


@irdl_custom_directive
class Str(CustomDirective):
    """A StringAttr property, printed `"text"`; reads non-ASCII text back (`parse_string`)."""

    value: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        self.value.set(state, StringAttr(parse_string(parser)))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        printer.print_attribute(cast(Attribute, self.value.get(op)))


@irdl_custom_directive
class Strs(CustomDirective):
    """An ArrayAttr of StringAttr, printed `["a", "b"]` (non-ASCII safe, as `Str`)."""

    values: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        self.values.set(state, ArrayAttr(StringAttr(t) for t in parse_strings(parser)))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        printer.print_attribute(cast(Attribute, self.values.get(op)))


@irdl_custom_directive
class OptStrs(CustomDirective):
    """An ArrayAttr of StringAttr, printed `<property name> ["a", "b"]`, or not at all
    when it is empty."""

    values: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        strings = parse_strings(parser) if parser.parse_optional_keyword(self.values.name) \
            else []
        self.values.set(state, ArrayAttr(StringAttr(t) for t in strings))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        attr = self.values.get(op)
        if _string_list(attr) == []:
            return
        state.print_whitespace(printer)
        printer.print_string(self.values.name + " ")
        printer.print_attribute(cast(Attribute, attr))


@irdl_custom_directive
class IntList(CustomDirective):
    """An ArrayAttr of i64 IntegerAttrs, printed `[0, 2]` instead of `[0 : i64, 2 : i64]`."""

    values: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        ints = parser.parse_comma_separated_list(parser.Delimiter.SQUARE, parser.parse_integer)
        self.values.set(state, ArrayAttr(IntegerAttr(i, i64) for i in ints))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        attr = self.values.get(op)
        if not isinstance(attr, ArrayAttr) or not all(
            isinstance(a, IntegerAttr) for a in cast(ArrayAttr[Attribute], attr)
        ):
            printer.print_attribute(cast(Attribute, attr))
            return
        with printer.in_square_brackets():
            printer.print_list(cast(ArrayAttr[IntegerAttr], attr),
                               lambda a: printer.print_int(a.value.data))


@irdl_custom_directive
class Flag(CustomDirective):
    """A bool property, printed as its own name when true and left out when false."""

    flag: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        present = parser.parse_optional_keyword(self.flag.name) is not None
        self.flag.set(state, IntegerAttr.from_bool(present))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        attr = self.flag.get(op)
        if attr == IntegerAttr.from_bool(False):
            return
        state.print_whitespace(printer)
        if attr == IntegerAttr.from_bool(True):
            printer.print_string(self.flag.name)
        else:
            printer.print_attribute(cast(Attribute, attr))


@irdl_custom_directive
class Word(CustomDirective):
    """A str property from a small vocabulary (`let`, `Ok`), printed as a bare word."""

    word: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        word = parser.parse_optional_identifier()
        self.word.set(state, StringAttr(word if word is not None else parse_string(parser)))

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        attr = self.word.get(op)
        if isinstance(attr, StringAttr) and _BARE_WORD.fullmatch(attr.data):
            printer.print_string(attr.data)
        else:
            printer.print_attribute(cast(Attribute, attr))


@irdl_custom_directive
class ConstValue(CustomDirective):
    """The value of a `ruff.const`: an attribute (`1 : i64`, `2.5 : f64`, `"s"`, `true`),
    or `null` for the UnitAttr."""

    value: AttributeVariable

    def parse(self, parser: Parser, state: ParsingState) -> None:
        if parser.parse_optional_keyword("null") is not None:
            self.value.set(state, UnitAttr())
        elif (number := parser.parse_optional_attribute()) is not None and \
                not isinstance(number, BytesAttr):
            self.value.set(state, number)
        elif isinstance(number, BytesAttr):
            try:
                self.value.set(state, StringAttr(number.data.decode()))
            except UnicodeDecodeError:
                parser.raise_error("a ruff.const string must be UTF-8")
        else:
            parser.raise_error("expected a constant: an integer, float, string, bool or null")

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        state.print_whitespace(printer)
        attr = self.value.get(op)
        if isinstance(attr, UnitAttr):
            printer.print_string("null")
        else:
            printer.print_attribute(cast(Attribute, attr))


_DIRECTIVES = (Str, Strs, OptStrs, IntList, Flag, Word, ConstValue)


# ---------------------------------------------------------------- the syntax table

@dataclass(frozen=True)
class Syntax:
    """Names and text form of one op. A `*` before an operand name marks the variadic
    group; `results` likewise. `format` is None for ops with a hand-written print/parse."""

    operands: tuple[str, ...] = ()
    results: str = "result"
    regions: tuple[str, ...] = ()
    format: str | None = None


_T = " attr-dict `:` type($result)"
_BINARY = Syntax(("lhs", "rhs"), format="$lhs `,` $rhs" + _T)
_UNARY = Syntax(("operand",), format="$operand" + _T)

_SYNTAX: dict[str, Syntax] = {
    "ruff.func": Syntax(regions=("body",)),
    "ruff.struct": Syntax(format="$sym_name `name` custom<Str>($name) "
                          "`fields` custom<Strs>($fields) custom<OptStrs>($method_names) "
                          "custom<OptStrs>($method_syms) attr-dict"),
    "ruff.const": Syntax(format="custom<ConstValue>($value) attr-dict"),
    "ruff.get_struct": Syntax(format="$sym" + _T),
    "ruff.make_function": Syntax(format="$callee custom<OptStrs>($captures)" + _T),
    "ruff.make_array": Syntax(("*elements",), format="` ` `[` $elements `]` "
                              "`spread` custom<IntList>($spread)" + _T),
    "ruff.make_dict": Syntax(("*items",),
                             format="` ` `{` $items `}` `layout` custom<Strs>($layout)" + _T),
    "ruff.make_struct": Syntax(("struct_type", "*values"), format="$struct_type "
                               "` ` `{` $values `}` `fields` custom<Strs>($fields)" + _T),
    "ruff.make_variant": Syntax(("*values",),
                                format="custom<Word>($tag) `(` $values `)`" + _T),
    "ruff.interpolate": Syntax(("*parts",), format="`(` $parts `)`" + _T),
    "ruff.load_var": Syntax(format="custom<Str>($name) `chain` custom<Strs>($chain)" + _T),
    "ruff.store_var": Syntax(("value",), format="custom<Str>($name) `=` $value `chain` "
                             "custom<Strs>($chain) `create` custom<Str>($create) attr-dict"),
    "ruff.declare_var": Syntax(("value",), format="custom<Word>($kind) custom<Str>($name) `=` "
                               "$value `target` custom<Str>($target) custom<Flag>($check) "
                               "attr-dict"),
    "ruff.update_path": Syntax(("value", "*indices"), format="custom<Str>($name) "
                               "`[` $indices `]` `=` $value `path` custom<Strs>($path) "
                               "`chain` custom<Strs>($chain) attr-dict"),
    "ruff.scope_enter": Syntax(format="`slots` custom<IntList>($slots) attr-dict"),
    **{f"ruff.{n}": _BINARY for n in ("add", "sub", "mul", "div", "mod", "eq", "ne", "lt", "le",
                                      "gt", "ge")},
    **{n: _UNARY for n in ("ruff.neg", "ruff.not", "ruff.truthy", "ruff.is_null",
                           "ruff.box_bool", "ruff.payload", "ruff.try_unwrap")},
    "ruff.get_index": Syntax(("container", "index"), format="$container `[` $index `]`" + _T),
    "ruff.get_field": Syntax(("object",), format="$object custom<Str>($field)" + _T),
    "ruff.call": Syntax(("callee", "*args"), format="$callee `(` $args `)`" + _T),
    "ruff.call_builtin": Syntax(("*args",), format="custom<Str>($callee) `(` $args `)`" + _T),
    "ruff.call_method": Syntax(("receiver", "*args"),
                               format="$receiver custom<Str>($method) `(` $args `)`" + _T),
    "ruff.unpack_array": Syntax(("source",), "*values", format="$source `count` $count "
                                "custom<Flag>($rest) attr-dict (`:` type($values)^)?"),
    "ruff.unpack_dict": Syntax(("source",), "*values", format="$source `keys` "
                               "custom<Strs>($keys) custom<Flag>($rest) attr-dict "
                               "(`:` type($values)^)?"),
    "ruff.match_tag": Syntax(("operand",), format="$operand custom<Word>($tag)" + _T),
    "ruff.if": Syntax(("cond",), "*values", ("then_region", "else_region"),
                      format="$cond (`->` type($values)^)? $then_region `else` $else_region "
                             "attr-dict"),
    "ruff.yield": Syntax(("*values",), format="$values attr-dict"),
    "ruff.while": Syntax(regions=("cond_region", "body"),
                         format="$cond_region `do` $body attr-dict"),
    "ruff.condition": Syntax(("cond",), format="$cond attr-dict"),
    "ruff.loop": Syntax(regions=("body",), format="$body attr-dict"),
    "ruff.for_range": Syntax(("start", "stop", "step"), regions=("body",)),
    "ruff.for_each": Syntax(("iterable",), regions=("body",)),
    "ruff.break": Syntax(format="attr-dict"),
    "ruff.continue": Syntax(format="attr-dict"),
    # `ruff.return` is not a terminator, so an op may follow it: without the parentheses
    # `ruff.return` + `%3 = ...` on the next line would read %3 as its operand.
    "ruff.return": Syntax(("*values",), format="`(` $values `)` attr-dict"),
    "ruff.try": Syntax(regions=("body", "handler")),
    "ruff.raise": Syntax(format="custom<Str>($message) attr-dict"),
}


def _default_syntax(spec: OpSpec) -> Syntax:
    """For a row added to the table without an entry in `_SYNTAX`: generic-but-readable."""
    if spec.operands == VARIADIC:
        operands: tuple[str, ...] = ("*args",)
    else:
        operands = tuple(f"arg{i}" for i in range(spec.operands))
    return Syntax(operands, "*values" if spec.results == VARIADIC else "result",
                  tuple(f"region{i}" for i in range(len(spec.regions))))


# ---------------------------------------------------------------- verification helpers

_CHAIN_REF = re.compile(r"(l\d+|f\d+|g|b)\??")
_STORE_REF = re.compile(r"l\d+|f\d+|g")
_CELL_REF = re.compile(r"l\d+|f\d+")
TAGS: dict[str, int] = {"Ok": 1, "Err": 1, "Some": 1, "None": 0}
"""Variant tags and how many operands `ruff.make_variant` takes for each."""
DECLARE_KINDS = ("let", "mut", "const")


def enclosing_func(op: Operation) -> Operation | None:
    parent = op.parent_op()
    while parent is not None and parent.name != "ruff.func":
        parent = parent.parent_op()
    return parent


# These read properties leniently: a parent op is verified after its children, so its
# properties may not have been checked yet when a child looks at them.

def _strs(op: Operation, prop: str) -> tuple[str, ...]:
    return tuple(_string_list(op.properties.get(prop)) or ())


def _ints(op: Operation, prop: str) -> tuple[int, ...]:
    attr = op.properties.get(prop)
    if not isinstance(attr, ArrayAttr):
        return ()
    items = cast(ArrayAttr[Attribute], attr).data
    return tuple(cast(IntegerAttr, a).value.data for a in items if isinstance(a, IntegerAttr))


def _str(op: Operation, prop: str) -> str:
    attr = op.properties.get(prop)
    return attr.data if isinstance(attr, StringAttr) else ""


def _check_ref(op: Operation, prop: str, ref: str, pattern: re.Pattern[str], what: str) -> None:
    """A variable reference is well formed and, inside a ruff.func, names an existing
    slot (`lN`, N < len(slots)) or free variable (`fN`, N < len(free))."""
    if not pattern.fullmatch(ref):
        raise VerifyException(f"'{op.name}' {prop}: '{ref}' is not {what}")
    func = enclosing_func(op)
    if func is None or ref[0] not in "lf":
        return
    index = int(ref[1:].rstrip("?"))
    table = "slots" if ref[0] == "l" else "free"
    size = len(_strs(func, table))
    if index >= size:
        raise VerifyException(f"'{op.name}' {prop}: '{ref}' refers past the {size} {table} "
                              f"of @{_str(func, 'sym_name')}")


_CHAIN_WHAT = "a variable reference (lN, fN, g or b, optionally followed by ?)"


def _check_chain(op: Operation) -> None:
    for ref in _strs(op, "chain"):
        _check_ref(op, "chain", ref, _CHAIN_REF, _CHAIN_WHAT)


def _check_slot_indices(op: Operation, prop: str) -> None:
    func = op if op.name == "ruff.func" else enclosing_func(op)
    if func is None:
        return
    size = len(_strs(func, "slots"))
    for index in _ints(op, prop):
        if not 0 <= index < size:
            raise VerifyException(f"'{op.name}' {prop}: slot {index} does not exist "
                                  f"(the function has {size} slots)")


def _check_symbol(op: Operation, prop: str, sym: str, kind: str = "ruff.func") -> None:
    """`sym` names a `kind` op of the enclosing symbol table (if the op is in one)."""
    table = op.parent_op()
    while table is not None and not table.has_trait(SymbolTable):
        table = table.parent_op()
    if table is None:
        return
    target = SymbolTable.lookup_symbol(table, sym)
    if target is None:
        raise VerifyException(f"'{op.name}' {prop}: there is no {kind} @{sym}")
    if target.name != kind:
        raise VerifyException(f"'{op.name}' {prop}: @{sym} is a {target.name}, not a {kind}")


def _check_func(op: Operation) -> None:
    _check_defined_before_use(op)
    params, slots = _strs(op, "params"), _strs(op, "slots")
    if len(params) > len(slots):
        raise VerifyException(f"'ruff.func' @{_str(op, 'sym_name')} has {len(params)} params "
                              f"but only {len(slots)} slots (params are slots 0..n-1)")
    _check_slot_indices(op, "cells")


def _check_struct(op: Operation) -> None:
    names, syms = _strs(op, "method_names"), _strs(op, "method_syms")
    if len(names) != len(syms):
        raise VerifyException(f"'ruff.struct' @{_str(op, 'sym_name')} has {len(names)} "
                              f"method names but {len(syms)} method symbols")
    for sym in syms:
        _check_symbol(op, "method_syms", sym)


def _check_make_function(op: Operation) -> None:
    _check_symbol(op, "callee", _str(op, "callee"))
    for ref in _strs(op, "captures"):
        _check_ref(op, "captures", ref, _CELL_REF, "a captured cell (lN or fN)")


def _check_make_array(op: Operation) -> None:
    spread = _ints(op, "spread")
    if len(spread) != len(op.operands):
        raise VerifyException(f"'ruff.make_array' spread has {len(spread)} entries but the op "
                              f"has {len(op.operands)} operands (one flag per operand)")
    if any(flag not in (0, 1) for flag in spread):
        raise VerifyException("'ruff.make_array' spread entries must be 0 or 1, got "
                              f"[{', '.join(map(str, spread))}]")


def _check_make_dict(op: Operation) -> None:
    layout = _strs(op, "layout")
    if any(entry not in ("kv", "spread") for entry in layout):
        raise VerifyException(f"'ruff.make_dict' layout entries must be \"kv\" or \"spread\", "
                              f"got {list(layout)}")
    kv = layout.count("kv")
    expected = 2 * kv + (len(layout) - kv)
    if expected != len(op.operands):
        raise VerifyException(f"'ruff.make_dict' layout has {kv} kv and {len(layout) - kv} "
                              f"spread entries, so it needs {expected} operands, got "
                              f"{len(op.operands)}")


def _check_make_struct(op: Operation) -> None:
    fields = _strs(op, "fields")
    if len(op.operands) != 1 + len(fields):
        raise VerifyException(f"'ruff.make_struct' has {len(fields)} fields but "
                              f"{len(op.operands) - 1} field values")


def _check_tag(op: Operation) -> None:
    tag = _str(op, "tag")
    if tag not in TAGS:
        raise VerifyException(f"'{op.name}' tag must be one of {', '.join(TAGS)}, got '{tag}'")
    if op.name == "ruff.make_variant" and len(op.operands) != TAGS[tag]:
        raise VerifyException(f"'ruff.make_variant' {tag} takes {TAGS[tag]} operand(s), "
                              f"got {len(op.operands)}")


def _check_store_var(op: Operation) -> None:
    _check_chain(op)
    _check_ref(op, "create", _str(op, "create"), _STORE_REF, "a variable (lN, fN or g)")


def _check_declare_var(op: Operation) -> None:
    kind = _str(op, "kind")
    if kind not in DECLARE_KINDS:
        raise VerifyException(f"'ruff.declare_var' kind must be let, mut or const, "
                              f"got '{kind}'")
    _check_ref(op, "target", _str(op, "target"), _STORE_REF, "a variable (lN, fN or g)")


def _check_update_path(op: Operation) -> None:
    _check_chain(op)
    steps = sum(1 for p in _strs(op, "path") if p == "[]")
    if steps != len(op.operands) - 1:
        raise VerifyException(f"'ruff.update_path' path has {steps} [] steps but the op has "
                              f"{len(op.operands) - 1} index operands")


def _check_unpack_dict(op: Operation) -> None:
    rest = op.properties.get("rest")
    expected = len(_strs(op, "keys")) + (1 if isinstance(rest, IntegerAttr)
                                          and rest.value.data else 0)
    if len(op.results) != expected:
        raise VerifyException(f"'ruff.unpack_dict' needs {expected} results (one per key, "
                              f"plus one for rest), got {len(op.results)}")


def _check_if(op: Operation) -> None:
    for region in op.regions:
        last = region.blocks.first.last_op if region.blocks.first else None
        if last is not None and last.name == "ruff.yield" and \
                len(last.operands) != len(op.results):
            raise VerifyException(f"'ruff.if' has {len(op.results)} results but a region "
                                  f"yields {len(last.operands)} values")


def _check_while(op: Operation) -> None:
    block = op.regions[0].blocks.first
    last = block.last_op if block else None
    if last is None or last.name != "ruff.condition":
        raise VerifyException("'ruff.while' condition region must end with ruff.condition")


def _check_condition(op: Operation) -> None:
    region = op.parent_region()
    parent = op.parent_op()
    if parent is not None and region is not parent.regions[0]:
        raise VerifyException("'ruff.condition' must end the condition region of its "
                              "ruff.while, not the body")


def _check_return(op: Operation) -> None:
    if len(op.operands) > 1:
        raise VerifyException(f"'ruff.return' takes at most one operand, got "
                              f"{len(op.operands)}")


_LOOPS = ("ruff.while", "ruff.loop", "ruff.for_range", "ruff.for_each")


def _check_in_loop(op: Operation) -> None:
    """break/continue act on the innermost loop of their own function (irgen emits a
    ruff.raise for one outside any loop, LANGUAGE.md §16.3)."""
    parent = op.parent_op()
    while parent is not None and parent.name != "ruff.func":
        if parent.name in _LOOPS:
            return
        parent = parent.parent_op()
    raise VerifyException(f"'{op.name}' must be inside a loop of its function")


_CHECKS: dict[str, Callable[[Operation], None]] = {
    "ruff.break": _check_in_loop,
    "ruff.continue": _check_in_loop,
    "ruff.func": _check_func,
    "ruff.struct": _check_struct,
    "ruff.make_function": _check_make_function,
    "ruff.make_array": _check_make_array,
    "ruff.make_dict": _check_make_dict,
    "ruff.make_struct": _check_make_struct,
    "ruff.make_variant": _check_tag,
    "ruff.match_tag": _check_tag,
    "ruff.load_var": _check_chain,
    "ruff.store_var": _check_store_var,
    "ruff.declare_var": _check_declare_var,
    "ruff.update_path": _check_update_path,
    "ruff.scope_enter": lambda op: _check_slot_indices(op, "slots"),
    "ruff.get_struct": lambda op: _check_symbol(op, "sym", _str(op, "sym"), "ruff.struct"),
    "ruff.unpack_dict": _check_unpack_dict,
    "ruff.if": _check_if,
    "ruff.while": _check_while,
    "ruff.condition": _check_condition,
    "ruff.return": _check_return,
}


class _NamesSymbols(SymbolUserOpInterface):
    """Marks ops that name symbols (`callee`, `method_syms`, `sym`). The check that they
    exist lives in `_CHECKS`, so that it is skipped for ops outside a module."""

    def verify(self, op: Operation) -> None:
        return


# ---------------------------------------------------------------- the op classes

def _check_defined_before_use(func: Operation) -> None:
    """Every operand in the function is defined earlier in its block or in a block around
    it, and not by the op itself. xDSL verifies no dominance; the VM and the lowering rely
    on it. One pass over the function, so that verifying stays linear."""
    defined: set[SSAValue] = set()

    def visit(block: Block) -> None:
        added: list[SSAValue] = list(block.args)
        defined.update(added)
        for op in block.ops:
            for index, value in enumerate(op.operands):
                if value not in defined:
                    raise VerifyException(f"'{op.name}' operand {index} is used before it is "
                                          f"defined (or outside the region that defines it)")
            for region in op.regions:
                for inner in region.blocks:
                    visit(inner)
            defined.update(op.results)
            added.extend(op.results)
        defined.difference_update(added)

    for region in func.regions:
        for block in region.blocks:
            visit(block)


class RuffOp(IRDLOperation):
    """Base of every ruff op: verification that reads the op's table row."""

    @property
    def spec(self) -> OpSpec:
        return SPECS[self.name]

    def verify_(self) -> None:
        spec = SPECS[self.name]
        for region, nargs in zip(self.regions, spec.regions):
            block = region.blocks.first
            nblocks = len(region.blocks)
            got = len(block.args) if block is not None else 0
            if nblocks > 1:
                raise VerifyException(f"'{self.name}' regions have one block, got {nblocks}")
            if got != nargs:
                raise VerifyException(f"'{self.name}' region expects {nargs} block "
                                      f"arguments, got {got}")
            if block is not None and any(arg.type != VALUE for arg in block.args):
                raise VerifyException(f"'{self.name}' block arguments must be !ruff.value")
        check = _CHECKS.get(self.name)
        if check is not None:
            check(self)


def _resolve_all(parser: Parser, operands: Sequence[UnresolvedOperand]) -> list[Any]:
    return [parser.resolve_operand(o, VALUE) for o in operands]


def _print_region_body(printer: Printer, region: Region) -> None:
    printer.print_string(" ")
    printer.print_region(region, print_entry_block_args=False, print_empty_block=False)


def _parse_region_with_args(parser: Parser, args: Sequence[Parser.UnresolvedArgument]) -> Region:
    region = parser.parse_region([a.resolve(VALUE) for a in args])
    if not region.blocks:          # `{` `}` with declared arguments: keep them
        region.add_block(Block(arg_types=[VALUE] * len(args)))
    return region


class _FuncSyntax(RuffOp):
    """`ruff.func @fib(n) name "fib" slots ["n"] cells [0] free ["x"] attributes {...} {`
    (`cells` and `free` are left out when empty)."""

    def print(self, printer: Printer) -> None:
        props = self.properties
        printer.print_string(" ")
        printer.print_symbol_name(_str(self, "sym_name"))
        with printer.in_parens():
            printer.print_list(_strs(self, "params"), printer.print_identifier_or_string_literal)
        for prop in ("name", "slots", "cells", "free"):
            attr = props.get(prop)
            if attr is None or (prop in ("cells", "free") and attr == ArrayAttr(())):
                continue
            printer.print_string(f" {prop} ")
            if prop == "cells" and (cells := _ints(self, "cells")):
                printer.print_string("[" + ", ".join(map(str, cells)) + "]")
            else:
                printer.print_attribute(attr)
        printer.print_op_attributes(self.attributes, print_keyword=True)
        _print_region_body(printer, self.regions[0])

    @classmethod
    def parse(cls, parser: Parser) -> _FuncSyntax:
        sym_name = parser.parse_symbol_name()
        params = parser.parse_comma_separated_list(
            parser.Delimiter.PAREN,
            lambda: parser.parse_optional_identifier() or parse_string(parser))
        parser.parse_keyword("name")
        name = parse_string(parser)
        parser.parse_keyword("slots")
        slots = parse_strings(parser)
        cells: list[int] = []
        if parser.parse_optional_keyword("cells"):
            cells = parser.parse_comma_separated_list(parser.Delimiter.SQUARE,
                                                      parser.parse_integer)
        free = parse_strings(parser) if parser.parse_optional_keyword("free") else []
        attributes = parser.parse_optional_attr_dict_with_keyword()
        body = parser.parse_region()
        return cls.create(
            properties={"sym_name": sym_name, "name": StringAttr(name),
                        "params": ArrayAttr(StringAttr(p) for p in params),
                        "slots": ArrayAttr(StringAttr(p) for p in slots),
                        "cells": ArrayAttr(IntegerAttr(c, i64) for c in cells),
                        "free": ArrayAttr(StringAttr(p) for p in free)},
            attributes=attributes.data if attributes else {},
            regions=[body])


class _ForRangeSyntax(RuffOp):
    """`ruff.for_range %i = %start to %stop step %step {`"""

    def print(self, printer: Printer) -> None:
        block = self.regions[0].blocks.first
        printer.print_string(" ")
        if block is not None and block.args:
            printer.print_ssa_value(block.args[0])
            printer.print_string(" = ")
        start, stop, step = self.operands
        printer.print_ssa_value(start)
        printer.print_string(" to ")
        printer.print_ssa_value(stop)
        printer.print_string(" step ")
        printer.print_ssa_value(step)
        _print_region_body(printer, self.regions[0])
        printer.print_op_attributes(self.attributes)

    @classmethod
    def parse(cls, parser: Parser) -> _ForRangeSyntax:
        var = parser.parse_argument(expect_type=False)
        parser.parse_punctuation("=")
        start = parser.parse_unresolved_operand()
        parser.parse_keyword("to")
        stop = parser.parse_unresolved_operand()
        parser.parse_keyword("step")
        step = parser.parse_unresolved_operand()
        body = _parse_region_with_args(parser, [var])
        attributes = parser.parse_optional_attr_dict()
        return cls.create(operands=_resolve_all(parser, [start, stop, step]),
                          attributes=attributes, regions=[body])


class _ForEachSyntax(RuffOp):
    """`ruff.for_each %x in %iterable {`"""

    def print(self, printer: Printer) -> None:
        block = self.regions[0].blocks.first
        printer.print_string(" ")
        if block is not None and block.args:
            printer.print_ssa_value(block.args[0])
            printer.print_string(" in ")
        printer.print_ssa_value(self.operands[0])
        _print_region_body(printer, self.regions[0])
        printer.print_op_attributes(self.attributes)

    @classmethod
    def parse(cls, parser: Parser) -> _ForEachSyntax:
        var = parser.parse_argument(expect_type=False)
        parser.parse_keyword("in")
        iterable = parser.parse_unresolved_operand()
        body = _parse_region_with_args(parser, [var])
        attributes = parser.parse_optional_attr_dict()
        return cls.create(operands=_resolve_all(parser, [iterable]), attributes=attributes,
                          regions=[body])


class _TrySyntax(RuffOp):
    """`ruff.try { ... } catch(%err) { ... }`"""

    def print(self, printer: Printer) -> None:
        body, handler = self.regions
        _print_region_body(printer, body)
        printer.print_string(" catch")
        block = handler.blocks.first
        if block is not None and block.args:
            with printer.in_parens():
                printer.print_ssa_value(block.args[0])
        _print_region_body(printer, handler)
        printer.print_op_attributes(self.attributes)

    @classmethod
    def parse(cls, parser: Parser) -> _TrySyntax:
        body = parser.parse_region()
        parser.parse_keyword("catch")
        args = parser.parse_optional_comma_separated_list(
            parser.Delimiter.PAREN, lambda: parser.parse_argument(expect_type=False)) or []
        handler = _parse_region_with_args(parser, args)
        attributes = parser.parse_optional_attr_dict()
        return cls.create(attributes=attributes, regions=[body, handler])


_CUSTOM_SYNTAX: dict[str, tuple[type[RuffOp], frozenset[str]]] = {
    "ruff.func": (_FuncSyntax,
                  frozenset({"sym_name", "name", "params", "slots", "cells", "free"})),
    "ruff.for_range": (_ForRangeSyntax, frozenset()),
    "ruff.for_each": (_ForEachSyntax, frozenset()),
    "ruff.try": (_TrySyntax, frozenset()),
}
"""Ops printed by hand, and the properties their print/parse know about: a row that gains
an attribute must also gain its syntax, or the text form would silently drop it."""

_OP_CLASSES: dict[str, type[RuffOp]] = {}
"""Filled below, in table order; `_EXTRA_TRAITS` reads it lazily."""


def _cls(op_name: str) -> type[RuffOp]:
    return _OP_CLASSES[op_name]


_EXTRA_TRAITS: dict[str, Callable[[], tuple[OpTrait, ...]]] = {
    "ruff.func": lambda: (SymbolOpInterface(), IsolatedFromAbove(), HasParent(ModuleOp)),
    "ruff.struct": lambda: (SymbolOpInterface(), HasParent(ModuleOp), _NamesSymbols()),
    "ruff.const": lambda: (ConstantLike(),),
    "ruff.make_function": lambda: (_NamesSymbols(),),
    "ruff.get_struct": lambda: (_NamesSymbols(),),
    "ruff.yield": lambda: (HasParent(_cls("ruff.if")),),
    "ruff.condition": lambda: (HasParent(_cls("ruff.while")),),
}


def _traits(spec: OpSpec) -> tuple[OpTrait, ...]:
    traits: list[OpTrait] = []
    if spec.pure:
        traits.append(Pure())
    if spec.terminator:
        traits.append(IsTerminator())
    if spec.regions:
        traits.append(NoTerminator())
    extra = _EXTRA_TRAITS.get(spec.name)
    return (*traits, *(extra() if extra else ()))


def _operand_types(spec: OpSpec, count: int) -> list[Attribute]:
    if spec.operand_types == "i1":
        return [i1] * count
    if spec.operand_types == "first_i1":
        return [i1] + [VALUE] * (count - 1)
    return [VALUE] * count


def _define(spec: OpSpec) -> type[RuffOp]:
    """Build the IRDL class of one table row."""
    syntax = _SYNTAX.get(spec.name) or _default_syntax(spec)
    fixed = [n for n in syntax.operands if not n.startswith("*")]
    variadic = [n for n in syntax.operands if n.startswith("*")]
    expected = (len(fixed) + 1 if variadic else len(fixed)) if spec.operands == VARIADIC \
        else len(fixed)
    if (spec.operands == VARIADIC) != bool(variadic) or \
            (spec.operands != VARIADIC and expected != spec.operands):
        raise AssertionError(f"_SYNTAX[{spec.name!r}] does not match the table's operands")
    ns: dict[str, Any] = {"__annotations__": {}, "name": spec.name,
                          "__doc__": spec.summary, "__module__": __name__}
    types = _operand_types(spec, len(fixed) + len(variadic))
    for name, type_ in zip(syntax.operands, types):
        if name.startswith("*"):
            ns[name[1:]] = var_operand_def(type_)
        else:
            ns[name] = operand_def(type_)
    result_type = i1 if spec.result_type == "i1" else VALUE
    if spec.results == VARIADIC:
        ns[syntax.results.lstrip("*")] = var_result_def(result_type)
    elif spec.results == 1:
        ns[syntax.results] = result_def(result_type)
    elif spec.results > 1:
        for i in range(spec.results):
            ns[f"result{i}"] = result_def(result_type)
    for prop, kind in spec.attrs:
        constraint = _prop_constraint(spec.name, prop, kind)
        accessor = accessor_name(prop)
        if prop in spec.optional_attrs:
            ns[accessor] = opt_prop_def(constraint, prop_name=prop)
        else:
            ns[accessor] = prop_def(constraint, prop_name=prop)
    for region_name in syntax.regions:
        ns[region_name] = region_def()
    ns["traits"] = lazy_traits_def(lambda: _traits(spec))
    if syntax.format is not None:
        ns["assembly_format"] = syntax.format
        ns["custom_directives"] = _DIRECTIVES
    base: type[RuffOp] = RuffOp
    if spec.name in _CUSTOM_SYNTAX:
        base, handled = _CUSTOM_SYNTAX[spec.name]
        if {prop for prop, _ in spec.attrs} != handled:
            raise AssertionError(f"the custom syntax of {spec.name} handles {sorted(handled)}, "
                                 f"the table says {[prop for prop, _ in spec.attrs]}")
    cls = type(spec.class_name, (base,), ns)
    return irdl_op_definition(cls)


for _spec in OPS:
    _OP_CLASSES[_spec.name] = _define(_spec)
    globals()[_spec.class_name] = _OP_CLASSES[_spec.name]
del _spec

OP_CLASSES: dict[str, type[RuffOp]] = dict(_OP_CLASSES)
"""Op name -> class, in table order (`OP_CLASSES["ruff.add"] is AddOp`)."""

__all__ = ["ValueType", "VALUE", "RuffOp", "OP_CLASSES", "Ruff", "accessor_name",
           *(s.class_name for s in OPS)]

Ruff = Dialect("ruff", list(OP_CLASSES.values()), [ValueType])
