"""Lossless conversion between the compact encoding (`optable.Module`) and xDSL IR.

    optable.Module  --to_xdsl-->  builtin.module { ruff.func ... }  --from_xdsl-->  optable.Module

What carries what:
  - an `Op`'s attributes become the properties of its ruff op (typed by `AttrKind`, see
    `rufc.dialects.ruff`); discardable attributes an xDSL pass may add are not part of
    the compact form and are dropped by `from_xdsl`;
  - `Op.line`/`Op.col` become `op.location = FileLineColLoc(module.file, line, col)`
    (`UnknownLoc` when both are 0), and `Module.file` the module's own location
    `loc("<file>":0:0)`, as MLIR does for the top-level module. Locations are printed only
    with `debuginfo=True`; text printed without it parses back with line = col = 0 and
    `file` = the `name` given to `parse_module`.
  - value ids: `from_xdsl` numbers the values of each `ruff.func` from 0 in definition
    order, that is in the order printed IR shows them: an op's results, then the
    values defined inside its regions (each region's block arguments, then its ops), in
    region order. `to_xdsl` accepts any ids unique within a function, so
    `from_xdsl(to_xdsl(m)) == m` holds exactly when `m` is numbered that way, and the
    printed `%N` of a value is then its compact id.
"""
from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable, Iterator
from typing import IO, TypeVar, cast

from xdsl.builder import Builder
from xdsl.context import Context
from xdsl.dialects.builtin import (
    ArrayAttr,
    Builtin,
    BytesAttr,
    CallSiteLoc,
    FileLineColLoc,
    FloatAttr,
    FusedLoc,
    IntAttr,
    IntegerAttr,
    IntegerType,
    LocationAttr,
    ModuleOp,
    NameLoc,
    StringAttr,
    UnitAttr,
    UnknownLoc,
    i1,
    i64,
)
from xdsl.ir import Attribute, AttributeInvT, Block, Operation, Region, SSAValue
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.rewriter import InsertPoint
from xdsl.utils.exceptions import ParseError, VerifyException
from xdsl.utils.lexer import Span
from xdsl.utils.mlir_lexer import MLIRLexer

from rufc.dialects import optable
from rufc.dialects.optable import MAIN_SYMBOL, SPECS, AttrKind, AttrValue, IRError, OpSpec
from rufc.dialects.ruff import F64, OP_CLASSES, VALUE, Ruff, cached_symbols

MODULE_LEVEL = ("ruff.func", "ruff.struct")
DEEP_RECURSION_LIMIT = 200_000
#: Deepest bracket nesting (`{ [ ( <`) accepted in MLIR text. IR printed from any Ruff
#: program stays far below it (its nesting is bounded by `lexer.MAX_NESTING`); xDSL
#: parses, verifies and prints nested regions recursively.
MAX_IR_NESTING = 10_000
T = TypeVar("T")

# xDSL's string-literal regex nests quantifiers, `"(?:[^"\\\n\v\f]+|\\(...))*"`, so an
# unterminated literal backtracks exponentially (32 characters take minutes). The same
# language with possessive quantifiers (Python 3.11+) fails in linear time.
_SLOW_STRING = r'"(?:[^"\\\n\v\f]+|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*"'
_FAST_STRING = r'"(?:[^"\\\n\v\f]++|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*+"'
if getattr(getattr(MLIRLexer, "_unescaped_characters_regex", None), "pattern", None) == _SLOW_STRING:
    MLIRLexer._unescaped_characters_regex = re.compile(_FAST_STRING)


# ---------------------------------------------------------------- attributes

#: Attributes are immutable values, and a program repeats the same names, ints and
#: constants many times: made once each (converting a big program spent a quarter of
#: its time building and verifying attribute objects). Keys carry the type, so True and
#: 1 differ; floats are not cached (0.0 == -0.0).
_ATTRS: dict[tuple[str, type, AttrValue], Attribute] = {}
_LOCS: dict[tuple[str, int, int], LocationAttr] = {}
_CACHE_LIMIT = 1 << 16


def _to_attr(op: optable.Op, name: str, kind: AttrKind, v: AttrValue) -> Attribute:
    """The property for compact attribute `name` (whose kind the table gives)."""
    t = type(v)
    if t is float:
        return _make_attr(op, name, kind, v)
    key = (kind, t, v)
    try:
        return _ATTRS[key]
    except KeyError:
        pass
    except TypeError:   # pragma: no cover - an unhashable value: _make_attr refuses it
        return _make_attr(op, name, kind, v)
    attr = _ATTRS[key] = _make_attr(op, name, kind, v)
    if len(_ATTRS) > _CACHE_LIMIT:
        _ATTRS.clear()
        _ATTRS[key] = attr
    return attr


def _make_attr(op: optable.Op, name: str, kind: AttrKind, v: AttrValue) -> Attribute:
    """The property for value `v` of attribute `name`, of kind `kind`: one small maker
    per kind (`_KIND_MAKERS`), each returning None for a value of the wrong type."""
    attr = _KIND_MAKERS.get(kind, _const_attr)(v)
    if attr is None:
        raise IRError(f"{op.name} at {op.line}:{op.col}: attribute '{name}' must be {kind}, "
                      f"got {v!r}")
    return attr


def _int_attr(v: AttrValue) -> Attribute | None:
    return IntegerAttr(v, i64) if type(v) is int else None


def _bool_attr(v: AttrValue) -> Attribute | None:
    return IntegerAttr.from_bool(v) if type(v) is bool else None


def _str_attr(v: AttrValue) -> Attribute | None:
    return StringAttr(v) if type(v) is str else None


def _strs_attr(v: AttrValue) -> Attribute | None:
    if not isinstance(v, tuple) or any(type(x) is not str for x in v):
        return None
    return ArrayAttr(StringAttr(x) for x in cast(tuple[str, ...], v))


def _ints_attr(v: AttrValue) -> Attribute | None:
    if not isinstance(v, tuple) or any(type(x) is not int for x in v):
        return None
    return ArrayAttr(IntegerAttr(x, i64) for x in cast(tuple[int, ...], v))


def _const_attr(v: AttrValue) -> Attribute | None:
    """A `const` value: None, bool, int, float or str (bool before int, because bool is
    an int in Python)."""
    if v is None:
        return UnitAttr()
    if type(v) is bool:
        return IntegerAttr.from_bool(v)
    if type(v) is int:
        return IntegerAttr(v, i64)
    if type(v) is float:
        return FloatAttr(v, F64)
    if type(v) is str:
        return StringAttr(v)
    return None


_KIND_MAKERS: dict[str, Callable[[AttrValue], Attribute | None]] = {
    "int": _int_attr, "bool": _bool_attr, "str": _str_attr, "strs": _strs_attr,
    "ints": _ints_attr,
}
"""The maker of each attribute kind but `const` (`_const_attr`, the default)."""


def _from_attr(op: Operation, name: str, kind: AttrKind, a: Attribute) -> AttrValue:
    """The compact value of property `name`; raises IRError for a property of the wrong
    type (only possible in IR that does not verify)."""
    if kind in ("int", "bool") and isinstance(a, IntegerAttr):
        value = cast(IntegerAttr, a).value.data
        return bool(value) if kind == "bool" else value
    if kind == "str" and isinstance(a, StringAttr):
        return a.data
    if kind == "strs" and isinstance(a, ArrayAttr):
        items = cast(ArrayAttr[Attribute], a).data
        if all(isinstance(x, StringAttr) for x in items):
            return tuple(cast(StringAttr, x).data for x in items)
    if kind == "ints" and isinstance(a, ArrayAttr):
        items = cast(ArrayAttr[Attribute], a).data
        if all(isinstance(x, IntegerAttr) for x in items):
            return tuple(cast(IntegerAttr, x).value.data for x in items)
    if kind == "const":
        if isinstance(a, UnitAttr):
            return None
        if isinstance(a, IntegerAttr):
            ia = cast(IntegerAttr, a)
            is_bool = isinstance(ia.type, IntegerType) and ia.type.width.data == 1
            return bool(ia.value.data) if is_bool else ia.value.data
        if isinstance(a, FloatAttr):
            return float(cast(FloatAttr, a).value.data)
        if isinstance(a, StringAttr):
            return a.data
    raise IRError(f"{op.name}: property '{name}' must be {kind}, got {a}")


# ---------------------------------------------------------------- locations

def _location(file: str, line: int, col: int) -> LocationAttr:
    if line == 0 and col == 0:
        return UnknownLoc()
    key = (file, line, col)
    loc = _LOCS.get(key)
    if loc is None:
        if len(_LOCS) > _CACHE_LIMIT:
            _LOCS.clear()
        loc = _LOCS[key] = FileLineColLoc(StringAttr(file), IntAttr(line), IntAttr(col))
    return loc


def _file_line_col(loc: Attribute) -> tuple[str, int, int] | None:
    """The first file:line:col inside a location, looking through names, call sites
    (the callee) and fusions."""
    if isinstance(loc, FileLineColLoc):
        return loc.filename.data, loc.line.data, loc.column.data
    if isinstance(loc, NameLoc):
        return _file_line_col(loc.location)
    if isinstance(loc, CallSiteLoc):
        return _file_line_col(loc.callee)
    if isinstance(loc, FusedLoc):
        for inner in cast(ArrayAttr[Attribute], loc.locations).data:
            if (found := _file_line_col(inner)) is not None:
                return found
    return None


# ---------------------------------------------------------------- compact -> xDSL

class _Scopes:
    """Value id -> SSAValue for one function; a region's definitions end with it.
    One dict plus the ids each open region defined, so a lookup costs the same at any
    nesting depth."""

    def __init__(self) -> None:
        self.visible: dict[int, SSAValue] = {}
        self.frames: list[list[int]] = [[]]
        self.all_ids: set[int] = set()

    def push(self) -> None:
        self.frames.append([])

    def pop(self) -> None:
        for i in self.frames.pop():
            del self.visible[i]

    def define(self, op: optable.Op, ids: tuple[int, ...], values: tuple[SSAValue, ...]
               ) -> None:
        for i, v in zip(ids, values, strict=True):
            if i in self.all_ids:
                raise IRError(f"{op.name} at {op.line}:{op.col}: value %{i} is defined twice")
            self.all_ids.add(i)
            self.frames[-1].append(i)
            self.visible[i] = v

    def lookup(self, op: optable.Op, i: int) -> SSAValue:
        v = self.visible.get(i)
        if v is not None:
            return v
        where = "is used outside the region that defines it" if i in self.all_ids \
            else "is used before it is defined"
        raise IRError(f"{op.name} at {op.line}:{op.col}: value %{i} {where}")


def walk_ops(top: Operation) -> Iterator[Operation]:
    """top and every op nested in it, in the order of `Operation.walk()`, without
    recursion (xDSL's walk nests one generator per region level, which makes it
    quadratic in the nesting depth)."""
    stack: list[Iterator[Operation]] = [iter((top,))]
    while stack:
        op = next(stack[-1], None)
        if op is None:
            stack.pop()
            continue
        yield op
        if op.regions:
            stack.append(inner for region in op.regions for block in region.blocks
                         for inner in block.ops)


def _spec(op: optable.Op) -> OpSpec:
    spec = SPECS.get(op.name)
    if spec is None:
        raise IRError(f"unknown op '{op.name}' at {op.line}:{op.col}")
    return spec


def _build(op: optable.Op, file: str, scopes: _Scopes) -> Operation:
    spec = _spec(op)
    kinds = dict(spec.attrs)
    unknown = sorted(set(op.attrs) - set(kinds))
    if unknown:
        raise IRError(f"{op.name} at {op.line}:{op.col}: unknown attribute(s) {unknown}")
    properties = {name: _to_attr(op, name, kinds[name], v) for name, v in op.attrs.items()}
    result_type = i1 if spec.result_type == "i1" else VALUE
    # An empty region without arguments has no block at all, so it prints as `{}`.
    regions = [Region(Block(arg_types=[VALUE] * len(r.args))) if (r.args or r.ops) else Region()
               for r in op.regions]
    new = OP_CLASSES[op.name].create(
        operands=[scopes.lookup(op, i) for i in op.operands],
        result_types=[result_type] * len(op.results),
        properties=properties, regions=regions)
    new.location = _location(file, op.line, op.col)
    scopes.define(op, op.results, tuple(new.results))
    for region, xregion in zip(op.regions, regions):
        if not xregion.blocks:
            continue
        block = xregion.block
        scopes.push()
        scopes.define(op, region.args, tuple(block.args))
        builder = Builder(InsertPoint.at_end(block))
        for inner in region.ops:
            builder.insert(_build(inner, file, scopes))
        scopes.pop()
    return new


def to_xdsl(module: optable.Module) -> ModuleOp:
    """Build the xDSL module in memory. Raises IRError for compact IR that cannot be
    represented (unknown op or attribute, wrongly typed attribute, undefined value);
    everything else, e.g. a wrong operand count, is left to `verify`."""
    top = ModuleOp([])
    top.location = FileLineColLoc(StringAttr(module.file), IntAttr(0), IntAttr(0))
    builder = Builder(InsertPoint.at_end(top.body.block))
    for op in module.ops:
        builder.insert(_build(op, module.file, _Scopes()))
    return top


# ---------------------------------------------------------------- xDSL -> compact

def _convert(op: Operation, ids: dict[SSAValue, int]) -> optable.Op:
    spec = SPECS.get(op.name)
    if spec is None:
        raise IRError(f"'{op.name}' is not a ruff op")
    undefined = [i for i, v in enumerate(op.operands) if v not in ids]
    if undefined:
        raise IRError(f"{op.name}: operand {undefined[0]} is used before it is defined")
    operands = tuple(ids[v] for v in op.operands)
    results = _number(ids, op.results)
    op_def = OP_CLASSES[op.name].get_irdl_definition()
    attrs: dict[str, AttrValue] = {}
    for name, kind in spec.attrs:
        a = op.properties.get(name)
        if a is None and name in op_def.properties:
            a = op_def.properties[name].default_value
        if a is not None:
            attrs[name] = _from_attr(op, name, kind, a)
    regions: list[optable.Region] = []
    for region in op.regions:
        block = region.blocks.first
        if block is None:
            regions.append(optable.Region())
            continue
        args = _number(ids, block.args)
        regions.append(optable.Region(args, [_convert(inner, ids) for inner in block.ops]))
    where = _file_line_col(op.location)
    line, col = (where[1], where[2]) if where else (0, 0)
    return optable.Op(op.name, results, operands, attrs, tuple(regions), line, col)


def _number(ids: dict[SSAValue, int], values: Iterator[SSAValue] | tuple[SSAValue, ...]
            ) -> tuple[int, ...]:
    numbered: list[int] = []
    for v in values:
        ids[v] = len(ids)
        numbered.append(ids[v])
    return tuple(numbered)


def from_xdsl(top: ModuleOp, file: str | None = None) -> optable.Module:
    """The compact form of a (verified) module. The file name comes from the module's
    location, else from `file`, else is ""."""
    where = _file_line_col(top.location)
    name = where[0] if where else (file or "")
    ops: list[optable.Op] = []
    for op in top.ops:
        if op.name not in MODULE_LEVEL:
            raise IRError(f"only ruff.func and ruff.struct may appear at module level, "
                          f"not {op.name}")
        ops.append(_convert(op, {}))
    return optable.Module(name, ops)


# ---------------------------------------------------------------- verify, print, parse

def _describe(op: Operation) -> str:
    where = _file_line_col(op.location)
    if where and (where[1] or where[2]):
        return f"{where[0]}:{where[1]}:{where[2]}: "
    func = op if op.name == "ruff.func" else op.parent_op()
    while func is not None and func.name != "ruff.func":
        func = func.parent_op()
    sym = func.properties.get("sym_name") if func is not None else None
    return f"in @{sym.data}: " if isinstance(sym, StringAttr) else ""


class LocatedVerifyException(VerifyException):
    """A verifier error with where it happened: the op's own location (`loc(...)`) when
    it has one, else where the op starts in the parsed text, else nowhere (line 0).
    `message` is the bare reason; str() keeps the older one-line form."""

    def __init__(self, where: tuple[str, int, int] | None, message: str, prefix: str = "") -> None:
        super().__init__(prefix + message)
        self.file, self.line, self.col = where if where else ("", 0, 0)
        self.message = message


#: op -> (file, line, col) where the parser found it (`_LocatingParser`).
Positions = dict[int, tuple[str, int, int]]


def op_position(op: Operation, positions: Positions | None = None) -> tuple[str, int, int] | None:
    """Where to report `op`: its location when that has a line, else its place in the
    parsed text (`positions`), else None."""
    where = _file_line_col(op.location)
    if where and (where[1] or where[2]):
        return where
    if positions is not None:
        return positions.get(id(op))
    return None


def verify_xdsl(top: ModuleOp, positions: Positions | None = None) -> None:
    """Verify every op, raising LocatedVerifyException for the first that fails (where:
    `op_position`; its str() reads "<file:line:col | in @func>: <op>: <why>")."""
    with cached_symbols():   # verifying changes nothing: symbol tables built once
        for op in walk_ops(top):
            try:
                op.verify(verify_nested_ops=False)
            except VerifyException as err:
                message = str(err)
                culprit = getattr(err, "op", None) or op   # ruff.OpVerifyException
                if culprit.name not in message:
                    message = f"'{culprit.name}': {message}"
                raise LocatedVerifyException(op_position(culprit, positions), message,
                                             _describe(op)) from err
    for op in top.ops:
        if op.name not in MODULE_LEVEL:
            raise LocatedVerifyException(
                op_position(op, positions), f"only ruff.func and ruff.struct may appear "
                f"at module level, not '{op.name}'", _describe(op))
    if not any(op.name == "ruff.func" and op.properties.get("sym_name") ==
               StringAttr(MAIN_SYMBOL) for op in top.ops):
        raise LocatedVerifyException(None, f"the module has no @{MAIN_SYMBOL} function")


def verify(module: optable.Module) -> None:
    """xDSL-verify a compact module (IRError from the conversion is reported as a
    VerifyException too, so callers catch one exception)."""
    try:
        top = to_xdsl(module)
    except IRError as err:
        raise VerifyException(str(err)) from err
    verify_xdsl(top)


def context() -> Context:
    """A context that knows the builtin and ruff dialects."""
    ctx = Context()
    ctx.load_dialect(Builtin)
    ctx.load_dialect(Ruff)
    return ctx


def _deep(fn: Callable[[], T]) -> T:
    """fn() on a large stack with a high recursion limit: xDSL builds, parses and prints
    nested regions recursively (rufc's frontend bounds the nesting it produces, and
    `parse_module` the nesting it accepts)."""
    from rufc.runtime.stack import call_with_big_stack

    def run() -> T:
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, DEEP_RECURSION_LIMIT))
        try:
            return fn()
        finally:
            sys.setrecursionlimit(old)
    return call_with_big_stack(run)


def print_module(module: optable.Module, stream: IO[str], generic: bool = False,
                 debuginfo: bool = False) -> None:
    """Print as MLIR text (the custom forms, or the generic form), with `loc(...)` after
    each op when `debuginfo`."""
    def run() -> None:
        printer = Printer(stream=stream, print_generic_format=generic, print_debuginfo=debuginfo)
        printer.print_op(to_xdsl(module))
        stream.write("\n")
    _deep(run)


def _utf8_strings(attr: Attribute) -> Attribute:
    """`attr` with UTF-8 BytesAttrs turned back into StringAttrs, inside arrays too."""
    if isinstance(attr, BytesAttr):
        try:
            return StringAttr(attr.data.decode())
        except UnicodeDecodeError:
            return attr
    if isinstance(attr, ArrayAttr):
        items = cast(ArrayAttr[Attribute], attr).data
        fixed = [_utf8_strings(a) for a in items]
        return ArrayAttr(fixed) if fixed != list(items) else attr
    return attr


_IR_TOKENS = re.compile(r'"(?:[^"\\\n]++|\\.)*+"?|//[^\n]*+|->|[{}()\[\]<>]')
_OPENERS = frozenset("{([<")


def _check_nesting(text: str, name: str) -> None:
    """Reject bracket nesting deeper than MAX_IR_NESTING (string literals and comments
    skipped) before xDSL's recursive parser sees it."""
    depth = 0
    for m in _IR_TOKENS.finditer(text):
        c = m.group()
        if c in _OPENERS:
            depth += 1
            if depth > MAX_IR_NESTING:
                pos = m.start()
                line = text.count("\n", 0, pos) + 1
                col = pos - (text.rfind("\n", 0, pos) + 1) + 1
                raise IRError(f"{name}:{line}:{col}: error: nesting too deep (more than "
                              f"{MAX_IR_NESTING} levels of brackets)")
        elif len(c) == 1 and depth > 0:
            depth -= 1


def _string_problem(text: str, start: int) -> str:
    """Why the string literal at text[start] (a '"') does not lex."""
    i = start + 1
    while i < len(text):
        c = text[i]
        if c == '"':
            break
        if c in "\n\v\f":
            return "unterminated string literal (it must end on the line where it starts)"
        if c == "\\":
            esc = text[i + 1:i + 3]
            if esc[:1] in ('"', "n", "t", "\\"):
                i += 2
                continue
            if len(esc) == 2 and all(ch in "0123456789abcdefABCDEF" for ch in esc):
                i += 3
                continue
            shown = esc[:1] if esc[:1] not in ("", "\n") else ""
            return (f"invalid escape sequence '\\{shown}' in string literal (use \\n, \\t, "
                    f"\\\\, \\\" or two hex digits)")
        i += 1
    return "unterminated string literal (the file ends before the closing quote)"


class IRParseError(ParseError):
    """A ParseError whose text shows at most a window of a long line (xDSL prints every
    line the span touches, in full)."""

    def __str__(self) -> str:
        text = self.span.input.content
        start, end = self.span.start, max(self.span.start, self.span.end - 1)
        if not isinstance(text, str):
            return super().__str__()
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        if line_end < 0:
            line_end = len(text)
        if line_end - line_start <= 160:
            return super().__str__()
        first_end = text.find("\n", start)
        line = text[line_start:first_end if first_end >= 0 else len(text)]
        col = start - line_start
        lo = max(0, col - 60)
        return (f"{self.span.get_location()}\n{line[lo:lo + 120]}\n{' ' * (col - lo)}^\n"
                f"{' ' * (col - lo)}{self.msg}\n")


def _reword(exc: ParseError, text: str) -> ParseError:
    """A clearer message for xDSL's misleading ones, at the same position."""
    msg = exc.msg
    if msg.strip() == "in block definition":   # xDSL's message with its first half missing
        at_end = not text[exc.span.start:].strip()
        msg = ("unexpected end of input: expected an operation or '}'" if at_end
               else "expected an operation or '}'")
    if msg.startswith("End of file reached before closing string literal"):
        start = exc.span.start
        if 0 <= start < len(text) and text[start] == '"':
            msg = _string_problem(text, start)
    if type(exc) is ParseError:
        return IRParseError(exc.span, msg)
    return exc


class _LocatingParser(Parser):
    """xDSL's parser, remembering where each op starts (for verifier errors about ops
    without a `loc(...)`) and where each value is first used (a value used but never
    defined is reported there, not at the end of the input)."""

    def __init__(self, ctx: Context, text: str, name: str) -> None:
        super().__init__(ctx, text, name)
        self.positions: Positions = {}
        self.first_use: dict[str, Span] = {}
        self._line_starts: dict[int, list[int]] = {}

    def parse_operation(self) -> Operation:
        span = self._current_token.span
        op = super().parse_operation()
        self.positions[id(op)] = self._location(span)
        return op

    def _location(self, span: Span) -> tuple[str, int, int]:
        """span.get_location(), which counts the newlines before the span, from a table
        of line starts (counting made parsing a big file quadratic in its size)."""
        inp = span.input
        if inp.newline != "\n":   # pragma: no cover - xDSL's inputs use "\n"
            loc = span.get_location()
            return (loc.file, loc.line, int(loc.col))
        starts = self._line_starts.get(id(inp))
        if starts is None:
            text = inp.content
            starts = [0]
            i = text.find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = text.find("\n", i + 1)
            self._line_starts[id(inp)] = starts
        line = bisect.bisect_right(starts, span.start)
        return (inp.name, line + span.line_offset, span.start - starts[line - 1] + 1)

    def _get_op_by_name(self, name: str) -> type[Operation]:
        """xDSL reports an unknown op at the token after its name: report it at the name."""
        try:
            return super()._get_op_by_name(name)
        except ParseError as exc:
            here = self._current_token.span
            at = here.input.content.rfind(name, 0, here.start)
            if at < 0:
                raise
            raise ParseError(Span(at, at + len(name), here.input), exc.msg) from None

    def resolve_operand(self, operand: UnresolvedOperand,
                        type: AttributeInvT) -> SSAValue[AttributeInvT]:  # noqa: A002
        if operand.operand_name not in self.ssa_values:
            self.first_use.setdefault(operand.operand_name, operand.span)
        return super().resolve_operand(operand, type)


def _parse_xdsl(text: str, name: str) -> tuple[ModuleOp, Positions]:
    """xDSL's parser, with every failure turned into a ParseError at the position reached
    (xDSL lets some malformed input escape as other exceptions, e.g. `!ruff.value<1>`
    as a ValueError from building the type). Returns the module and where its ops are."""
    parser = _LocatingParser(context(), text, name)
    try:
        return parser.parse_module(), parser.positions
    except ParseError as exc:
        if exc.msg.startswith("values used but not defined") and parser.forward_ssa_references:
            names = list(parser.forward_ssa_references)
            span = parser.first_use.get(names[0])
            if span is not None:
                raise IRParseError(span, f"use of undefined value %{names[0]}") from None
        raise _reword(exc, text) from None
    except Exception as exc:  # noqa: BLE001 - malformed input, see above
        span = parser._current_token.span  # noqa: SLF001 - the position reached
        if isinstance(exc, VerifyException):
            message = str(exc)
        elif isinstance(exc, RecursionError):
            message = "nesting too deep"
        elif isinstance(exc, ValueError) and "zip()" in str(exc):
            message = "wrong number of parameters for an attribute or type (before this point)"
        else:
            message = f"malformed IR before this point ({type(exc).__name__}: {exc})"
        raise IRParseError(span, message) from None


def parse_module(text: str, name: str) -> optable.Module:
    """Parse and verify MLIR text (`name` is used in parse errors and as the file name
    when the text carries no module location). Raises ParseError, VerifyException or
    IRError (`optable.verify_module`, for IR that verifies in xDSL but that the cold
    tier could not run).

    xDSL prints a non-ASCII string as escaped UTF-8 bytes and parses such a literal back
    as a BytesAttr; the custom forms of the ruff ops read it as a string themselves, and
    here the properties of generically printed ops are repaired the same way."""
    _check_nesting(text, name)

    def run() -> optable.Module:
        top, positions = _parse_xdsl(text, name)
        for op in walk_ops(top):
            for prop, attr in op.properties.items():
                op.properties[prop] = _utf8_strings(attr)
        verify_xdsl(top, positions)
        module = from_xdsl(top, name)
        optable.verify_module(module)
        return module
    return _deep(run)
