"""The `ruff` dialect in xDSL: one op class per row of the op table
`rufc.dialects.optable.OPS` (`AddOp` is `ruff.add`), plus `ValueType` (`!ruff.value`) and
the `Ruff` dialect.

The file has two parts:
  - the hand-written part (up to the "generated op classes" line): `ValueType`, the
    custom directives of the assembly formats (`custom<Str>`, ...), the `_check_*`
    functions behind the `verify_()` checks the constraints cannot express (variable
    references, list lengths, terminators), the base class `RuffOp`, and the bases with a
    hand-written `print`/`parse` (`ruff.func`, `ruff.for_range`, `ruff.for_each` and
    `ruff.try`, whose block arguments read better in the op header, as in `scf.for`);
  - the generated part: the `@irdl_op_definition` classes, written out field by field
    (operands, results, properties, regions, traits, assembly format, docstring), then
    `OP_CLASSES`, `Ruff` and `__all__`. `python3 -m rufc.dialects.gen_ops` writes it from
    the table and from the syntax table in `gen_ops.py` (operand/result/region names,
    assembly formats, extra traits, which check each op runs); see that module for what
    comes from where. Do not edit it by hand: tests/unit/test_generated_ops.py fails when
    regenerating would change it.

Python accessors are the attribute names, except where the name is taken by `Operation`
(`name` -> `op.name_`, `create` -> `op.create_`); the property names themselves are those
of the table. Source positions live in `op.location` (`FileLineColLoc`, printed only with
`--print-debuginfo`). Changing a row (and regenerating) changes the classes; changing the
syntax of an op changes every `.mlir` test that mentions it.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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
    EqAttrConstraint,
    IRDLOperation,
    irdl_attr_definition,
    irdl_op_definition,
    irdl_to_attr_constraint,
    operand_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
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
    Pure,
    SymbolOpInterface,
    SymbolTable,
    SymbolUserOpInterface,
)
from xdsl.utils.exceptions import VerifyException

from rufc.dialects.optable import SPECS, OpSpec


@irdl_attr_definition
class ValueType(ParametrizedAttribute, TypeAttribute):
    """!ruff.value: any Ruff value (null, bool, int, float, string, array, dict, struct,
    variant, function); what it is is known only at run time."""

    name = "ruff.value"


VALUE: ValueType = ValueType()
F64 = Float64Type()


# ---------------------------------------------------------------- property types

_CONST = (   # the value of a ruff.const: int, float, string, bool or null
    IntegerAttr.constr(type=i64)
    | FloatAttr.constr(type=EqAttrConstraint(F64))
    | irdl_to_attr_constraint(StringAttr)
    | IntegerAttr.constr(type=i1)
    | irdl_to_attr_constraint(UnitAttr)
)

_TAKEN = frozenset(name for cls in IRDLOperation.mro()
                   for name in (*vars(cls), *getattr(cls, "__annotations__", {})))


def accessor_name(prop: str) -> str:
    """The Python attribute under which an op exposes property `prop` (`name` -> `name_`,
    `create` -> `create_`: those are taken by `Operation`)."""
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


#: id(symbol table op) -> {symbol: op} while `cached_symbols()` is active: one table per
#: sweep instead of a scan of every symbol per lookup (verifying a program with n
#: functions took O(n^2) time).
_SYMBOLS: dict[int, dict[str, Operation]] | None = None


@contextmanager
def cached_symbols() -> Iterator[None]:
    """Symbol lookups of `_check_symbol` use tables built once. Only for a sweep that
    does not change the IR (verification)."""
    global _SYMBOLS
    saved = _SYMBOLS
    _SYMBOLS = {}
    try:
        yield
    finally:
        _SYMBOLS = saved


def _lookup(table: Operation, sym: str) -> Operation | None:
    if _SYMBOLS is None:
        return SymbolTable.lookup_symbol(table, sym)
    symbols = _SYMBOLS.get(id(table))
    if symbols is None:
        symbols = {}
        for o in table.regions[0].block.ops:   # the first op of a name, as lookup_symbol
            iface = o.get_trait(SymbolOpInterface)
            name = iface.get_sym_attr_name(o) if iface is not None else None
            if name is not None:
                symbols.setdefault(name.data, o)
        _SYMBOLS[id(table)] = symbols
    return symbols.get(sym)


def _check_symbol(op: Operation, prop: str, sym: str, kind: str = "ruff.func") -> None:
    """`sym` names a `kind` op of the enclosing symbol table (if the op is in one)."""
    table = op.parent_op()
    while table is not None and not table.has_trait(SymbolTable):
        table = table.parent_op()
    if table is None:
        return
    target = _lookup(table, sym)
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


def _check_scope_enter(op: Operation) -> None:
    _check_slot_indices(op, "slots")


def _check_get_struct(op: Operation) -> None:
    _check_symbol(op, "sym", _str(op, "sym"), "ruff.struct")


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


class _NamesSymbols(SymbolUserOpInterface):
    """Marks ops that name symbols (`callee`, `method_syms`, `sym`). The check that they
    exist lives in the op's check (`_check_symbol`), so that it is skipped for ops outside
    a module."""

    def verify(self, op: Operation) -> None:
        return


# ---------------------------------------------------------------- base classes

class OpVerifyException(VerifyException):
    """A check run on one op (a `ruff.func`) that found the fault in another op inside
    it: `op` is that one, so that the error can be reported where it is."""

    def __init__(self, message: str, op: Operation) -> None:
        super().__init__(message)
        self.op = op


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
                    raise OpVerifyException(f"'{op.name}' operand {index} is used before it "
                                            f"is defined (or outside the region that defines "
                                            f"it)", op)
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
    """Base of every ruff op: verification that reads the op's table row. An op with more
    to check overrides `verify_`, calls this one, then its `_check_*` function."""

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


# ---------------------------------------------------------------- generated op classes
# Everything from here to the end of the file is written by `python3 -m rufc.dialects.gen_ops`
# from the op table (`optable.OPS`) and the syntax table in dialects/gen_ops.py. Do not edit
# it by hand: edit those and run the command (tests/unit/test_generated_ops.py checks).


@irdl_op_definition
class FuncOp(_FuncSyntax):
    """A function: params are slots 0..n-1; body is one region."""

    name = "ruff.func"

    sym_name = prop_def(SymbolNameConstraint())
    name_ = prop_def(StringAttr, prop_name="name")
    params = prop_def(ArrayAttr[StringAttr])
    slots = prop_def(ArrayAttr[StringAttr])
    cells = prop_def(ArrayAttr.constr(IntegerAttr.constr(type=i64)))
    free = prop_def(ArrayAttr[StringAttr])
    body = region_def()

    traits = traits_def(
        NoTerminator(),
        SymbolOpInterface(),
        IsolatedFromAbove(),
        HasParent(ModuleOp),
    )

    def verify_(self) -> None:
        super().verify_()
        _check_func(self)


@irdl_op_definition
class StructOp(RuffOp):
    """A struct declaration: field names and methods (name -> func symbol)."""

    name = "ruff.struct"

    sym_name = prop_def(SymbolNameConstraint())
    name_ = prop_def(StringAttr, prop_name="name")
    fields = prop_def(ArrayAttr[StringAttr])
    method_names = prop_def(ArrayAttr[StringAttr])
    method_syms = prop_def(ArrayAttr[StringAttr])

    traits = traits_def(SymbolOpInterface(), HasParent(ModuleOp), _NamesSymbols())

    assembly_format = (
        "$sym_name `name` custom<Str>($name) `fields` custom<Strs>($fields) "
        "custom<OptStrs>($method_names) custom<OptStrs>($method_syms) attr-dict"
    )
    custom_directives = (Str, Strs, OptStrs)

    def verify_(self) -> None:
        super().verify_()
        _check_struct(self)


@irdl_op_definition
class ConstOp(RuffOp):
    """r := K, for an int, float, string, bool or null K."""

    name = "ruff.const"

    result = result_def(VALUE)
    value = prop_def(_CONST)

    traits = traits_def(Pure(), ConstantLike())

    assembly_format = "custom<ConstValue>($value) attr-dict"
    custom_directives = (ConstValue,)


@irdl_op_definition
class GetStructOp(RuffOp):
    """r := the struct type declared by ruff.struct @sym."""

    name = "ruff.get_struct"

    result = result_def(VALUE)
    sym = prop_def(SymbolNameConstraint())

    traits = traits_def(Pure(), _NamesSymbols())

    assembly_format = "$sym attr-dict `:` type($result)"

    def verify_(self) -> None:
        super().verify_()
        _check_get_struct(self)


@irdl_op_definition
class MakeFunctionOp(RuffOp):
    """r := a closure of @callee over the listed cells."""

    name = "ruff.make_function"

    result = result_def(VALUE)
    callee = prop_def(SymbolNameConstraint())
    captures = prop_def(ArrayAttr[StringAttr])

    traits = traits_def(Pure(), _NamesSymbols())

    assembly_format = "$callee custom<OptStrs>($captures) attr-dict `:` type($result)"
    custom_directives = (OptStrs,)

    def verify_(self) -> None:
        super().verify_()
        _check_make_function(self)


@irdl_op_definition
class MakeArrayOp(RuffOp):
    """r := [a, ...b, c]: operands flagged in `spread` are spliced."""

    name = "ruff.make_array"

    elements = var_operand_def(VALUE)
    result = result_def(VALUE)
    spread = prop_def(ArrayAttr.constr(IntegerAttr.constr(type=i64)))

    assembly_format = (
        "` ` `[` $elements `]` `spread` custom<IntList>($spread) attr-dict `:` type($result)"
    )
    custom_directives = (IntList,)

    def verify_(self) -> None:
        super().verify_()
        _check_make_array(self)


@irdl_op_definition
class MakeDictOp(RuffOp):
    """r := {k: v, ...d}: `layout` says kv (two operands) or spread (one)."""

    name = "ruff.make_dict"

    items = var_operand_def(VALUE)
    result = result_def(VALUE)
    layout = prop_def(ArrayAttr[StringAttr])

    assembly_format = (
        "` ` `{` $items `}` `layout` custom<Strs>($layout) attr-dict `:` type($result)"
    )
    custom_directives = (Strs,)

    def verify_(self) -> None:
        super().verify_()
        _check_make_dict(self)


@irdl_op_definition
class MakeStructOp(RuffOp):
    """r := T { f: v, ... }: operand 0 is the struct type."""

    name = "ruff.make_struct"

    struct_type = operand_def(VALUE)
    values = var_operand_def(VALUE)
    result = result_def(VALUE)
    fields = prop_def(ArrayAttr[StringAttr])

    assembly_format = (
        "$struct_type ` ` `{` $values `}` `fields` custom<Strs>($fields) attr-dict `:` "
        "type($result)"
    )
    custom_directives = (Strs,)

    def verify_(self) -> None:
        super().verify_()
        _check_make_struct(self)


@irdl_op_definition
class MakeVariantOp(RuffOp):
    """r := Ok(v) | Err(v) | Some(v) | None (no operand)."""

    name = "ruff.make_variant"

    values = var_operand_def(VALUE)
    result = result_def(VALUE)
    tag = prop_def(StringAttr)

    traits = traits_def(Pure())

    assembly_format = "custom<Word>($tag) `(` $values `)` attr-dict `:` type($result)"
    custom_directives = (Word,)

    def verify_(self) -> None:
        super().verify_()
        _check_tag(self)


@irdl_op_definition
class InterpolateOp(RuffOp):
    """r := to_string(a) + to_string(b) + ... (string interpolation)."""

    name = "ruff.interpolate"

    parts = var_operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "`(` $parts `)` attr-dict `:` type($result)"


@irdl_op_definition
class LoadVarOp(RuffOp):
    """r := the first bound binding in `chain`, else Undefined variable."""

    name = "ruff.load_var"

    result = result_def(VALUE)
    name_ = prop_def(StringAttr, prop_name="name")
    chain = prop_def(ArrayAttr[StringAttr])

    assembly_format = "custom<Str>($name) `chain` custom<Strs>($chain) attr-dict `:` type($result)"
    custom_directives = (Str, Strs)

    def verify_(self) -> None:
        super().verify_()
        _check_chain(self)


@irdl_op_definition
class StoreVarOp(RuffOp):
    """Plain `name := v`: set the first bound binding in `chain` (checks let/const), else create `create`."""

    name = "ruff.store_var"

    value = operand_def(VALUE)
    name_ = prop_def(StringAttr, prop_name="name")
    chain = prop_def(ArrayAttr[StringAttr])
    create_ = prop_def(StringAttr, prop_name="create")

    assembly_format = (
        "custom<Str>($name) `=` $value `chain` custom<Strs>($chain) `create` custom<Str>($create) "
        "attr-dict"
    )
    custom_directives = (Str, Strs)

    def verify_(self) -> None:
        super().verify_()
        _check_store_var(self)


@irdl_op_definition
class DeclareVarOp(RuffOp):
    """`let|mut|const name := v` into `target`; Duplicate declaration if `check` and it is bound."""

    name = "ruff.declare_var"

    value = operand_def(VALUE)
    name_ = prop_def(StringAttr, prop_name="name")
    kind = prop_def(StringAttr)
    target = prop_def(StringAttr)
    check = prop_def(IntegerAttr.constr(type=i1))

    assembly_format = (
        "custom<Word>($kind) custom<Str>($name) `=` $value `target` custom<Str>($target) "
        "custom<Flag>($check) attr-dict"
    )
    custom_directives = (Word, Str, Flag)

    def verify_(self) -> None:
        super().verify_()
        _check_declare_var(self)


@irdl_op_definition
class UpdatePathOp(RuffOp):
    """`name[i].f... := v`: copy-on-write update along `path` ([] or .field); operands: v, one per [] step."""

    name = "ruff.update_path"

    value = operand_def(VALUE)
    indices = var_operand_def(VALUE)
    name_ = prop_def(StringAttr, prop_name="name")
    chain = prop_def(ArrayAttr[StringAttr])
    path = prop_def(ArrayAttr[StringAttr])

    assembly_format = (
        "custom<Str>($name) `[` $indices `]` `=` $value `path` custom<Strs>($path) `chain` "
        "custom<Strs>($chain) attr-dict"
    )
    custom_directives = (Str, Strs)

    def verify_(self) -> None:
        super().verify_()
        _check_update_path(self)


@irdl_op_definition
class ScopeEnterOp(RuffOp):
    """Enter a block scope: the listed slots become fresh and unbound."""

    name = "ruff.scope_enter"

    slots = prop_def(ArrayAttr.constr(IntegerAttr.constr(type=i64)))

    assembly_format = "`slots` custom<IntList>($slots) attr-dict"
    custom_directives = (IntList,)

    def verify_(self) -> None:
        super().verify_()
        _check_scope_enter(self)


@irdl_op_definition
class AddOp(RuffOp):
    """r := a + b"""

    name = "ruff.add"

    lhs = operand_def(VALUE)
    rhs = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class SubOp(RuffOp):
    """r := a - b"""

    name = "ruff.sub"

    lhs = operand_def(VALUE)
    rhs = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class MulOp(RuffOp):
    """r := a * b"""

    name = "ruff.mul"

    lhs = operand_def(VALUE)
    rhs = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class DivOp(RuffOp):
    """r := a / b"""

    name = "ruff.div"

    lhs = operand_def(VALUE)
    rhs = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class ModOp(RuffOp):
    """r := a % b"""

    name = "ruff.mod"

    lhs = operand_def(VALUE)
    rhs = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class EqOp(RuffOp):
    """r := a == b"""

    name = "ruff.eq"

    lhs = operand_def(VALUE)
    rhs = operand_def(VALUE)
    result = result_def(VALUE)

    traits = traits_def(Pure())

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class NeOp(RuffOp):
    """r := a != b"""

    name = "ruff.ne"

    lhs = operand_def(VALUE)
    rhs = operand_def(VALUE)
    result = result_def(VALUE)

    traits = traits_def(Pure())

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class LtOp(RuffOp):
    """r := a < b"""

    name = "ruff.lt"

    lhs = operand_def(VALUE)
    rhs = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class LeOp(RuffOp):
    """r := a <= b"""

    name = "ruff.le"

    lhs = operand_def(VALUE)
    rhs = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class GtOp(RuffOp):
    """r := a > b"""

    name = "ruff.gt"

    lhs = operand_def(VALUE)
    rhs = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class GeOp(RuffOp):
    """r := a >= b"""

    name = "ruff.ge"

    lhs = operand_def(VALUE)
    rhs = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$lhs `,` $rhs attr-dict `:` type($result)"


@irdl_op_definition
class NegOp(RuffOp):
    """r := -a"""

    name = "ruff.neg"

    operand = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$operand attr-dict `:` type($result)"


@irdl_op_definition
class NotOp(RuffOp):
    """r := !a (bool only)"""

    name = "ruff.not"

    operand = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$operand attr-dict `:` type($result)"


@irdl_op_definition
class TruthyOp(RuffOp):
    """c := truthiness of a (LANGUAGE.md §4), as i1."""

    name = "ruff.truthy"

    operand = operand_def(VALUE)
    result = result_def(i1)

    traits = traits_def(Pure())

    assembly_format = "$operand attr-dict `:` type($result)"


@irdl_op_definition
class IsNullOp(RuffOp):
    """c := a is null, as i1."""

    name = "ruff.is_null"

    operand = operand_def(VALUE)
    result = result_def(i1)

    traits = traits_def(Pure())

    assembly_format = "$operand attr-dict `:` type($result)"


@irdl_op_definition
class BoxBoolOp(RuffOp):
    """r := the Ruff bool of i1 c."""

    name = "ruff.box_bool"

    operand = operand_def(i1)
    result = result_def(VALUE)

    traits = traits_def(Pure())

    assembly_format = "$operand attr-dict `:` type($result)"


@irdl_op_definition
class GetIndexOp(RuffOp):
    """r := a[i]"""

    name = "ruff.get_index"

    container = operand_def(VALUE)
    index = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$container `[` $index `]` attr-dict `:` type($result)"


@irdl_op_definition
class GetFieldOp(RuffOp):
    """r := a.field (struct field or dict key)"""

    name = "ruff.get_field"

    object = operand_def(VALUE)
    result = result_def(VALUE)
    field = prop_def(StringAttr)

    assembly_format = "$object custom<Str>($field) attr-dict `:` type($result)"
    custom_directives = (Str,)


@irdl_op_definition
class CallOp(RuffOp):
    """r := f(args...): operand 0 is the callee."""

    name = "ruff.call"

    callee = operand_def(VALUE)
    args = var_operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$callee `(` $args `)` attr-dict `:` type($result)"


@irdl_op_definition
class CallBuiltinOp(RuffOp):
    """r := builtin(args...), for a builtin name nothing can rebind."""

    name = "ruff.call_builtin"

    args = var_operand_def(VALUE)
    result = result_def(VALUE)
    callee = prop_def(StringAttr)

    assembly_format = "custom<Str>($callee) `(` $args `)` attr-dict `:` type($result)"
    custom_directives = (Str,)


@irdl_op_definition
class CallMethodOp(RuffOp):
    """r := a.method(args...): operand 0 is the receiver."""

    name = "ruff.call_method"

    receiver = operand_def(VALUE)
    args = var_operand_def(VALUE)
    result = result_def(VALUE)
    method = prop_def(StringAttr)

    assembly_format = "$receiver custom<Str>($method) `(` $args `)` attr-dict `:` type($result)"
    custom_directives = (Str,)


@irdl_op_definition
class UnpackArrayOp(RuffOp):
    """r0..rn := elements of an array pattern (`rest`: last is ...r)."""

    name = "ruff.unpack_array"

    source = operand_def(VALUE)
    values = var_result_def(VALUE)
    count = prop_def(IntegerAttr.constr(type=i64))
    rest = prop_def(IntegerAttr.constr(type=i1))

    assembly_format = "$source `count` $count custom<Flag>($rest) attr-dict (`:` type($values)^)?"
    custom_directives = (Flag,)


@irdl_op_definition
class UnpackDictOp(RuffOp):
    """r0..rn := d[k] for each key (`rest`: last is the other entries)."""

    name = "ruff.unpack_dict"

    source = operand_def(VALUE)
    values = var_result_def(VALUE)
    keys = prop_def(ArrayAttr[StringAttr])
    rest = prop_def(IntegerAttr.constr(type=i1))

    assembly_format = (
        "$source `keys` custom<Strs>($keys) custom<Flag>($rest) attr-dict (`:` type($values)^)?"
    )
    custom_directives = (Strs, Flag)

    def verify_(self) -> None:
        super().verify_()
        _check_unpack_dict(self)


@irdl_op_definition
class MatchTagOp(RuffOp):
    """c := a is an Ok/Err/Some/None, as i1."""

    name = "ruff.match_tag"

    operand = operand_def(VALUE)
    result = result_def(i1)
    tag = prop_def(StringAttr)

    traits = traits_def(Pure())

    assembly_format = "$operand custom<Word>($tag) attr-dict `:` type($result)"
    custom_directives = (Word,)

    def verify_(self) -> None:
        super().verify_()
        _check_tag(self)


@irdl_op_definition
class PayloadOp(RuffOp):
    """r := the value inside an Ok/Err/Some."""

    name = "ruff.payload"

    operand = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$operand attr-dict `:` type($result)"


@irdl_op_definition
class TryUnwrapOp(RuffOp):
    """r := v for Ok(v)/Some(v); an Err/None returns from the function."""

    name = "ruff.try_unwrap"

    operand = operand_def(VALUE)
    result = result_def(VALUE)

    assembly_format = "$operand attr-dict `:` type($result)"


@irdl_op_definition
class IfOp(RuffOp):
    """if c then region 0 else region 1; results come from ruff.yield."""

    name = "ruff.if"

    cond = operand_def(i1)
    values = var_result_def(VALUE)
    then_region = region_def()
    else_region = region_def()

    traits = traits_def(NoTerminator())

    assembly_format = "$cond (`->` type($values)^)? $then_region `else` $else_region attr-dict"

    def verify_(self) -> None:
        super().verify_()
        _check_if(self)


@irdl_op_definition
class YieldOp(RuffOp):
    """End a ruff.if region, giving its results."""

    name = "ruff.yield"

    values = var_operand_def(VALUE)

    traits = traits_def(IsTerminator(), HasParent(IfOp))

    assembly_format = "$values attr-dict"


@irdl_op_definition
class WhileOp(RuffOp):
    """Loop: region 0 computes the condition (ruff.condition), region 1 is the body."""

    name = "ruff.while"

    cond_region = region_def()
    body = region_def()

    traits = traits_def(NoTerminator())

    assembly_format = "$cond_region `do` $body attr-dict"

    def verify_(self) -> None:
        super().verify_()
        _check_while(self)


@irdl_op_definition
class ConditionOp(RuffOp):
    """End a ruff.while condition region."""

    name = "ruff.condition"

    cond = operand_def(i1)

    traits = traits_def(IsTerminator(), HasParent(WhileOp))

    assembly_format = "$cond attr-dict"

    def verify_(self) -> None:
        super().verify_()
        _check_condition(self)


@irdl_op_definition
class LoopOp(RuffOp):
    """Loop forever over region 0 (until break/return/error)."""

    name = "ruff.loop"

    body = region_def()

    traits = traits_def(NoTerminator())

    assembly_format = "$body attr-dict"


@irdl_op_definition
class ForRangeOp(_ForRangeSyntax):
    """for i in range(start, stop, step) without building the array."""

    name = "ruff.for_range"

    start = operand_def(VALUE)
    stop = operand_def(VALUE)
    step = operand_def(VALUE)
    body = region_def()

    traits = traits_def(NoTerminator())


@irdl_op_definition
class ForEachOp(_ForEachSyntax):
    """for x in v: an int, array snapshot, string or dict keys."""

    name = "ruff.for_each"

    iterable = operand_def(VALUE)
    body = region_def()

    traits = traits_def(NoTerminator())


@irdl_op_definition
class BreakOp(RuffOp):
    """Leave the innermost loop of this function."""

    name = "ruff.break"

    assembly_format = "attr-dict"

    def verify_(self) -> None:
        super().verify_()
        _check_in_loop(self)


@irdl_op_definition
class ContinueOp(RuffOp):
    """Next iteration of the innermost loop of this function."""

    name = "ruff.continue"

    assembly_format = "attr-dict"

    def verify_(self) -> None:
        super().verify_()
        _check_in_loop(self)


@irdl_op_definition
class ReturnOp(RuffOp):
    """Return the operand (null if none) from the function."""

    name = "ruff.return"

    values = var_operand_def(VALUE)

    assembly_format = "`(` $values `)` attr-dict"

    def verify_(self) -> None:
        super().verify_()
        _check_return(self)


@irdl_op_definition
class TryOp(_TrySyntax):
    """Run region 0; if a runtime error escapes it, run region 1 with the error value as its argument."""

    name = "ruff.try"

    body = region_def()
    handler = region_def()

    traits = traits_def(NoTerminator())


@irdl_op_definition
class RaiseOp(RuffOp):
    """Raise the runtime error `message` (errors found while lowering)."""

    name = "ruff.raise"

    message = prop_def(StringAttr)

    assembly_format = "custom<Str>($message) attr-dict"
    custom_directives = (Str,)


OP_CLASSES: dict[str, type[RuffOp]] = {
    "ruff.func": FuncOp,
    "ruff.struct": StructOp,
    "ruff.const": ConstOp,
    "ruff.get_struct": GetStructOp,
    "ruff.make_function": MakeFunctionOp,
    "ruff.make_array": MakeArrayOp,
    "ruff.make_dict": MakeDictOp,
    "ruff.make_struct": MakeStructOp,
    "ruff.make_variant": MakeVariantOp,
    "ruff.interpolate": InterpolateOp,
    "ruff.load_var": LoadVarOp,
    "ruff.store_var": StoreVarOp,
    "ruff.declare_var": DeclareVarOp,
    "ruff.update_path": UpdatePathOp,
    "ruff.scope_enter": ScopeEnterOp,
    "ruff.add": AddOp,
    "ruff.sub": SubOp,
    "ruff.mul": MulOp,
    "ruff.div": DivOp,
    "ruff.mod": ModOp,
    "ruff.eq": EqOp,
    "ruff.ne": NeOp,
    "ruff.lt": LtOp,
    "ruff.le": LeOp,
    "ruff.gt": GtOp,
    "ruff.ge": GeOp,
    "ruff.neg": NegOp,
    "ruff.not": NotOp,
    "ruff.truthy": TruthyOp,
    "ruff.is_null": IsNullOp,
    "ruff.box_bool": BoxBoolOp,
    "ruff.get_index": GetIndexOp,
    "ruff.get_field": GetFieldOp,
    "ruff.call": CallOp,
    "ruff.call_builtin": CallBuiltinOp,
    "ruff.call_method": CallMethodOp,
    "ruff.unpack_array": UnpackArrayOp,
    "ruff.unpack_dict": UnpackDictOp,
    "ruff.match_tag": MatchTagOp,
    "ruff.payload": PayloadOp,
    "ruff.try_unwrap": TryUnwrapOp,
    "ruff.if": IfOp,
    "ruff.yield": YieldOp,
    "ruff.while": WhileOp,
    "ruff.condition": ConditionOp,
    "ruff.loop": LoopOp,
    "ruff.for_range": ForRangeOp,
    "ruff.for_each": ForEachOp,
    "ruff.break": BreakOp,
    "ruff.continue": ContinueOp,
    "ruff.return": ReturnOp,
    "ruff.try": TryOp,
    "ruff.raise": RaiseOp,
}
"""Op name -> class, in table order (`OP_CLASSES["ruff.add"] is AddOp`)."""

Ruff = Dialect("ruff", list(OP_CLASSES.values()), [ValueType])

__all__ = [
    "ValueType", "VALUE", "RuffOp", "OP_CLASSES", "Ruff", "accessor_name", "FuncOp", "StructOp",
    "ConstOp", "GetStructOp", "MakeFunctionOp", "MakeArrayOp", "MakeDictOp", "MakeStructOp",
    "MakeVariantOp", "InterpolateOp", "LoadVarOp", "StoreVarOp", "DeclareVarOp", "UpdatePathOp",
    "ScopeEnterOp", "AddOp", "SubOp", "MulOp", "DivOp", "ModOp", "EqOp", "NeOp", "LtOp", "LeOp",
    "GtOp", "GeOp", "NegOp", "NotOp", "TruthyOp", "IsNullOp", "BoxBoolOp", "GetIndexOp",
    "GetFieldOp", "CallOp", "CallBuiltinOp", "CallMethodOp", "UnpackArrayOp", "UnpackDictOp",
    "MatchTagOp", "PayloadOp", "TryUnwrapOp", "IfOp", "YieldOp", "WhileOp", "ConditionOp",
    "LoopOp", "ForRangeOp", "ForEachOp", "BreakOp", "ContinueOp", "ReturnOp", "TryOp", "RaiseOp",
]
