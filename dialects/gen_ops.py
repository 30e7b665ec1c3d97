"""Writes the op classes of `rufc.dialects.ruff` from the op table.

    python3 -m rufc.dialects.gen_ops            rewrite the generated part of dialects/ruff.py
    python3 -m rufc.dialects.gen_ops --check    exit 1, writing nothing, if it is out of date

`dialects/ruff.py` has two parts. Above the line `GENERATED_MARKER` it is hand-written:
`ValueType`, the custom directives of the assembly formats, the verification checks,
`RuffOp` and the bases with a hand-written print/parse. From that line to the end it is
written by this script: one `@irdl_op_definition` class per row of `optable.OPS`, in
table order, then `OP_CLASSES`, the `Ruff` dialect and `__all__`. The generated classes
are ordinary Python, so a reader can grep `class AddOp` and a type checker sees every
field; tests/unit/test_generated_ops.py fails when running this script would change them.

What comes from a table row (`OpSpec`):
  - operand and result counts and types (`!ruff.value`, or `i1` as the row says),
  - one property per attribute, typed by its `AttrKind`:
      int   -> IntegerAttr i64            bool -> IntegerAttr i1 (prints `true`/`false`)
      str   -> StringAttr (SymbolNameConstraint for symbols, printed `@name`)
      strs  -> ArrayAttr of StringAttr    ints -> ArrayAttr of IntegerAttr i64
      const -> IntegerAttr i64 | FloatAttr f64 | StringAttr | IntegerAttr i1 | UnitAttr (null)
  - regions (one block each; `NoTerminator`, so a body may simply end),
  - traits: `Pure()` only where `spec.pure`, `IsTerminator()` where `spec.terminator`,
  - the docstring (`spec.summary`).

What comes from this file, because the table does not say it:
  - `SYNTAX`: the names of operand groups, results and regions (`op.lhs`, `op.args`,
    `op.body`) and the textual form of each op (an `assembly_format`);
  - `CUSTOM_SYNTAX`: the ops printed and parsed by a hand-written base class of ruff.py
    (`ruff.func`, `ruff.for_range`, `ruff.for_each`, `ruff.try`, whose block arguments
    read better in the op header, as in `scf.for`), and the properties that code knows;
  - `EXTRA_TRAITS`: structural traits (symbols, parents);
  - `CHECKS`: the function of ruff.py that each op's `verify_()` calls, for the
    constraints IRDL cannot express (variable references, list lengths, terminators).

Python accessors are the attribute names, except where the name is taken by `Operation`
(`name` -> `op.name_`, `create` -> `op.create_`). Changing a row or the syntax here and
regenerating changes the classes; changing the syntax of an op changes every `.mlir` test
that mentions it. This module does not import ruff.py (only the table, and xDSL's
`IRDLOperation` to know the taken names), so it runs even when the generated part of
ruff.py is broken; it reads the hand-written part only to check that it defines every
name the generated classes use.
"""
from __future__ import annotations

import ast
import builtins
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xdsl.irdl import IRDLOperation

from rufc.dialects.optable import OPS, SPECS, VARIADIC, AttrKind, OpSpec

RUFF_PY = Path(__file__).with_name("ruff.py")
COMMAND = "python3 -m rufc.dialects.gen_ops"
GENERATED_MARKER = "# " + "-" * 64 + " generated op classes"
"""The first line of the generated part of ruff.py: everything from it on is rewritten."""

WIDTH = 99
SUMMARY_MAX = 110 - len('    """"""')
"""The longest summary that fits its one-line docstring in ruff.py's line length (110)."""


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

SYNTAX: dict[str, Syntax] = {
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


def default_syntax(spec: OpSpec) -> Syntax:
    """For a row added to the table without an entry in `SYNTAX`: generic-but-readable
    (no `format`, so the generic form, until it gets one)."""
    if spec.operands == VARIADIC:
        operands: tuple[str, ...] = ("*args",)
    else:
        operands = tuple(f"arg{i}" for i in range(spec.operands))
    return Syntax(operands, "*values" if spec.results == VARIADIC else "result",
                  tuple(f"region{i}" for i in range(len(spec.regions))))


CUSTOM_SYNTAX: dict[str, tuple[str, frozenset[str]]] = {
    "ruff.func": ("_FuncSyntax",
                  frozenset({"sym_name", "name", "params", "slots", "cells", "free"})),
    "ruff.for_range": ("_ForRangeSyntax", frozenset()),
    "ruff.for_each": ("_ForEachSyntax", frozenset()),
    "ruff.try": ("_TrySyntax", frozenset()),
}
"""Ops printed by a hand-written base class of ruff.py, and the properties its print/parse
know about: a row that gains an attribute must also gain its syntax, or the text form
would silently drop it (generating then fails)."""


def _cls(op_name: str) -> str:
    return SPECS[op_name].class_name


EXTRA_TRAITS: dict[str, tuple[str, ...]] = {
    "ruff.func": ("SymbolOpInterface()", "IsolatedFromAbove()", "HasParent(ModuleOp)"),
    "ruff.struct": ("SymbolOpInterface()", "HasParent(ModuleOp)", "_NamesSymbols()"),
    "ruff.const": ("ConstantLike()",),
    "ruff.make_function": ("_NamesSymbols()",),
    "ruff.get_struct": ("_NamesSymbols()",),
    "ruff.yield": (f"HasParent({_cls('ruff.if')})",),
    "ruff.condition": (f"HasParent({_cls('ruff.while')})",),
}
"""Traits beyond those the row implies, as Python expressions evaluated in ruff.py."""

CHECKS: dict[str, str] = {
    "ruff.break": "_check_in_loop",
    "ruff.continue": "_check_in_loop",
    "ruff.func": "_check_func",
    "ruff.struct": "_check_struct",
    "ruff.make_function": "_check_make_function",
    "ruff.make_array": "_check_make_array",
    "ruff.make_dict": "_check_make_dict",
    "ruff.make_struct": "_check_make_struct",
    "ruff.make_variant": "_check_tag",
    "ruff.match_tag": "_check_tag",
    "ruff.load_var": "_check_chain",
    "ruff.store_var": "_check_store_var",
    "ruff.declare_var": "_check_declare_var",
    "ruff.update_path": "_check_update_path",
    "ruff.scope_enter": "_check_scope_enter",
    "ruff.get_struct": "_check_get_struct",
    "ruff.unpack_dict": "_check_unpack_dict",
    "ruff.if": "_check_if",
    "ruff.while": "_check_while",
    "ruff.condition": "_check_condition",
    "ruff.return": "_check_return",
}
"""The function of ruff.py (taking the op) that an op's `verify_()` calls after
`RuffOp.verify_()`."""


# ---------------------------------------------------------------- field definitions

_TAKEN = frozenset(name for cls in IRDLOperation.mro()
                   for name in (*vars(cls), *getattr(cls, "__annotations__", {})))


def accessor_name(prop: str) -> str:
    """The Python attribute under which an op exposes property `prop` (the same rule as
    `rufc.dialects.ruff.accessor_name`)."""
    return prop + "_" if prop in _TAKEN else prop


_KIND_CONSTRAINT: dict[AttrKind, str] = {
    "int": "IntegerAttr.constr(type=i64)",
    "bool": "IntegerAttr.constr(type=i1)",
    "str": "StringAttr",
    "strs": "ArrayAttr[StringAttr]",
    "ints": "ArrayAttr.constr(IntegerAttr.constr(type=i64))",
    "const": "_CONST",
}

_SYMBOL_PROPS = frozenset({"sym_name", "callee", "sym"})
"""`str` properties printed as `@name`. `ruff.call_builtin`'s callee is a builtin name,
not a symbol, and is excluded below."""


def _prop_constraint(op_name: str, prop: str, kind: AttrKind) -> str:
    if kind == "str" and prop in _SYMBOL_PROPS and op_name != "ruff.call_builtin":
        return "SymbolNameConstraint()"
    return _KIND_CONSTRAINT[kind]


def _operand_types(spec: OpSpec, count: int) -> list[str]:
    if spec.operand_types == "i1":
        return ["i1"] * count
    if spec.operand_types == "first_i1":
        return ["i1"] + ["VALUE"] * (count - 1)
    return ["VALUE"] * count


def _traits(spec: OpSpec) -> list[str]:
    traits: list[str] = []
    if spec.pure:
        traits.append("Pure()")
    if spec.terminator:
        traits.append("IsTerminator()")
    if spec.regions:
        traits.append("NoTerminator()")
    return [*traits, *EXTRA_TRAITS.get(spec.name, ())]


# ---------------------------------------------------------------- rendering

def _literal(text: str) -> str:
    if not text.isprintable() or "\\" in text:
        raise AssertionError(f"cannot render {text!r} as a plain string literal")
    return '"' + text.replace('"', '\\"') + '"'


_FORMAT_PIECE = re.compile(r"(?:`[^`]*`|[^\s`])+\s*")


def _assign_string(target: str, text: str, indent: str = "    ") -> list[str]:
    """`target = "text"`, split into implicitly concatenated lines when it is too long
    (between the elements of an assembly format, never inside a `literal`)."""
    line = f"{indent}{target} = {_literal(text)}"
    if len(line) <= WIDTH:
        return [line]
    pieces = _FORMAT_PIECE.findall(text)
    if "".join(pieces) != text:
        raise AssertionError(f"cannot split {text!r}")
    chunks: list[str] = [""]
    for piece in pieces:
        if chunks[-1] and len(indent) + 4 + len(_literal(chunks[-1] + piece)) > WIDTH:
            chunks.append("")
        chunks[-1] += piece
    return [f"{indent}{target} = (", *(f"{indent}    {_literal(c)}" for c in chunks),
            f"{indent})"]


def _tuple(items: Sequence[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _call(head: str, args: Sequence[str], indent: str = "    ") -> list[str]:
    """`head(a, b, c)`, wrapped one argument per line when too long."""
    line = f"{indent}{head}({', '.join(args)})"
    if len(line) <= WIDTH:
        return [line]
    return [f"{indent}{head}(", *(f"{indent}    {a}," for a in args), f"{indent})"]


def _check_syntax(spec: OpSpec, syntax: Syntax) -> None:
    fixed = [n for n in syntax.operands if not n.startswith("*")]
    variadic = [n for n in syntax.operands if n.startswith("*")]
    if len(variadic) > 1 or (spec.operands == VARIADIC) != bool(variadic) or \
            (spec.operands != VARIADIC and len(fixed) != spec.operands):
        raise AssertionError(f"SYNTAX[{spec.name!r}] does not match the table's operands")
    if len(syntax.regions) != len(spec.regions):
        raise AssertionError(f"SYNTAX[{spec.name!r}] does not match the table's regions")
    if spec.name in CUSTOM_SYNTAX:
        handled = CUSTOM_SYNTAX[spec.name][1]
        if {prop for prop, _ in spec.attrs} != handled:
            raise AssertionError(f"the custom syntax of {spec.name} handles {sorted(handled)}, "
                                 f"the table says {[prop for prop, _ in spec.attrs]}")
        if syntax.format is not None:
            raise AssertionError(f"{spec.name} has both an assembly format and a custom syntax")


def _check_summary(spec: OpSpec) -> None:
    """The summary becomes the class's docstring verbatim, on one line: it must be a plain
    docstring's text and fit ruff.py's line length."""
    if '"""' in spec.summary or spec.summary.endswith('"') or "\\" in spec.summary:
        raise AssertionError(f"the summary of {spec.name} cannot be a plain docstring")
    if len(spec.summary) > SUMMARY_MAX:
        raise AssertionError(f"the summary of {spec.name} is longer than {SUMMARY_MAX} characters")


def render_op(spec: OpSpec, defined: set[str]) -> list[str]:
    """The class of one table row. `defined`: the op classes defined above it."""
    syntax = SYNTAX.get(spec.name) or default_syntax(spec)
    _check_syntax(spec, syntax)
    _check_summary(spec)
    base = CUSTOM_SYNTAX[spec.name][0] if spec.name in CUSTOM_SYNTAX else "RuffOp"
    lines = ["@irdl_op_definition", f"class {spec.class_name}({base}):",
             f'    """{spec.summary}"""', "", f"    name = {_literal(spec.name)}", ""]

    fields: list[str] = []
    for name, type_ in zip(syntax.operands, _operand_types(spec, len(syntax.operands))):
        if name.startswith("*"):
            fields.append(f"    {name[1:]} = var_operand_def({type_})")
        else:
            fields.append(f"    {name} = operand_def({type_})")
    result_type = "i1" if spec.result_type == "i1" else "VALUE"
    if spec.results == VARIADIC:
        fields.append(f"    {syntax.results.lstrip('*')} = var_result_def({result_type})")
    elif spec.results == 1:
        fields.append(f"    {syntax.results} = result_def({result_type})")
    else:
        fields.extend(f"    result{i} = result_def({result_type})" for i in range(spec.results))
    for prop, kind in spec.attrs:
        define = "opt_prop_def" if prop in spec.optional_attrs else "prop_def"
        args = [_prop_constraint(spec.name, prop, kind)]
        accessor = accessor_name(prop)
        if accessor != prop:
            args.append(f"prop_name={_literal(prop)}")
        fields.append(f"    {accessor} = {define}({', '.join(args)})")
    fields.extend(f"    {region} = region_def()" for region in syntax.regions)
    if fields:
        lines += [*fields, ""]

    traits = _traits(spec)
    if traits:
        later = {s.class_name for s in OPS} - defined
        lazy = any(re.search(rf"\b{name}\b", t) for t in traits for name in later)
        if lazy:     # a trait names an op class defined further down
            line = f"    traits = lazy_traits_def(lambda: {_tuple(traits)})"
            lines += [line] if len(line) <= WIDTH else [
                "    traits = lazy_traits_def(lambda: (", *(f"        {t}," for t in traits),
                "    ))"]
        else:
            lines += _call("traits = traits_def", traits)
        lines.append("")

    if syntax.format is not None:
        lines += _assign_string("assembly_format", syntax.format)
        directives = list(dict.fromkeys(re.findall(r"custom<(\w+)>", syntax.format)))
        if directives:
            lines.append(f"    custom_directives = {_tuple(directives)}")
        lines.append("")

    if spec.name in CHECKS:
        lines += ["    def verify_(self) -> None:", "        super().verify_()",
                  f"        {CHECKS[spec.name]}(self)", ""]
    while lines[-1] == "":
        lines.pop()
    return lines


HEADER = f'''{GENERATED_MARKER}
# Everything from here to the end of the file is written by `{COMMAND}`
# from the op table (`optable.OPS`) and the syntax table in dialects/gen_ops.py. Do not edit
# it by hand: edit those and run the command (tests/unit/test_generated_ops.py checks).
'''


def render_generated() -> str:
    """The generated part of ruff.py, from `GENERATED_MARKER` to the end of the file."""
    out = [HEADER.rstrip("\n")]
    defined: set[str] = set()
    for spec in OPS:
        out += ["", "", *render_op(spec, defined)]
        defined.add(spec.class_name)
    out += ["", "", "OP_CLASSES: dict[str, type[RuffOp]] = {",
            *(f"    {_literal(s.name)}: {s.class_name}," for s in OPS), "}",
            '"""Op name -> class, in table order (`OP_CLASSES["ruff.add"] is AddOp`)."""',
            "", 'Ruff = Dialect("ruff", list(OP_CLASSES.values()), [ValueType])', "",
            "__all__ = ["]
    names = ["ValueType", "VALUE", "RuffOp", "OP_CLASSES", "Ruff", "accessor_name",
             *(s.class_name for s in OPS)]
    row = "   "
    for name in names:
        item = f" {_literal(name)},"
        if len(row) + len(item) > WIDTH:
            out.append(row)
            row = "   "
        row += item
    out += [row, "]"]
    return "\n".join(out) + "\n"


def _module_names(tree: ast.Module) -> set[str]:
    """The names a module binds at its top level."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    return names


def render(current: str) -> str:
    """ruff.py as it should be: the hand-written part of `current` (its text up to the
    marker line), then the generated part. Fails if the generated part uses a name the
    hand-written part does not define or import."""
    head, marker, _ = current.partition("\n" + GENERATED_MARKER + "\n")
    if not marker:
        raise SystemExit(f"{RUFF_PY}: no line {GENERATED_MARKER!r} to generate below")
    generated = render_generated()
    tree = ast.parse(generated)
    used = {n.id for n in ast.walk(tree)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    missing = used - _module_names(tree) - _module_names(ast.parse(head)) - \
        set(dir(builtins)) - {"self"}
    if missing:
        raise SystemExit(f"the generated op classes use {sorted(missing)}: define or import "
                         f"them in the hand-written part of {RUFF_PY}")
    return head + "\n" + generated


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if any(arg != "--check" for arg in argv):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    current = RUFF_PY.read_text(encoding="utf-8")
    wanted = render(current)
    if wanted == current:
        print(f"{RUFF_PY} is up to date")
        return 0
    if "--check" in argv:
        print(f"{RUFF_PY} is out of date: run `{COMMAND}`", file=sys.stderr)
        return 1
    RUFF_PY.write_text(wanted, encoding="utf-8")
    print(f"wrote {RUFF_PY}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
