"""The Ruff AST: typed dataclasses, every node with its source location.

The parser (`rufc.frontend.parser`) builds these; `rufc.frontend.irgen` lowers them
to the `ruff` dialect's compact encoding. Nothing here imports lark or xdsl, so the
AST can be built, printed and walked on the cold path.

Conventions:
- every node has `loc: Loc` as its *last* field (file, 1-based line, 1-based column
  counted in characters), pointing at the first character of the construct;
- binary operators keep their source spelling in `op` (`"+"`, `"&&"`, `"??"` ...);
- type annotations are parsed and dropped (LANGUAGE.md §14), so they have no node.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass


@dataclass(frozen=True, slots=True)
class Loc:
    """A source position. `file` is the path as given on the command line."""
    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


# ---------------------------------------------------------------- expressions

@dataclass(slots=True)
class IntLit:
    value: int
    loc: Loc


@dataclass(slots=True)
class FloatLit:
    value: float
    loc: Loc


@dataclass(slots=True)
class StrLit:
    """A string literal without interpolation; escapes already decoded."""
    value: str
    loc: Loc


@dataclass(slots=True)
class InterpStr:
    """`"a ${e} b"`: parts are decoded text pieces and embedded expressions, in order."""
    parts: list[str | Expr]
    loc: Loc


@dataclass(slots=True)
class BoolLit:
    value: bool
    loc: Loc


@dataclass(slots=True)
class NullLit:
    loc: Loc


@dataclass(slots=True)
class NoneLit:
    """The empty Option `None` (not `null`)."""
    loc: Loc


@dataclass(slots=True)
class Name:
    name: str
    loc: Loc


@dataclass(slots=True)
class Binary:
    """`left op right` for + - * / % == != < <= > >= && || ??."""
    op: str
    left: Expr
    right: Expr
    loc: Loc


@dataclass(slots=True)
class Unary:
    """`-x` or `!x`."""
    op: str
    operand: Expr
    loc: Loc


@dataclass(slots=True)
class Call:
    callee: Expr
    args: list[Expr]
    loc: Loc


@dataclass(slots=True)
class Pipe:
    """`left |> right`: `right` is a Call (left becomes its first argument) or any callee."""
    left: Expr
    right: Expr
    loc: Loc


@dataclass(slots=True)
class Index:
    obj: Expr
    index: Expr
    loc: Loc


@dataclass(slots=True)
class Field:
    """`obj.name`, or `obj?.name` when `safe`."""
    obj: Expr
    name: str
    safe: bool
    loc: Loc


@dataclass(slots=True)
class TryOp:
    """Postfix `expr?`: unwrap Ok/Some or return the Err/None."""
    expr: Expr
    loc: Loc


@dataclass(slots=True)
class Spread:
    """`...expr` inside an array or dict literal."""
    expr: Expr
    loc: Loc


@dataclass(slots=True)
class ArrayLit:
    items: list[Expr | Spread]
    loc: Loc


@dataclass(slots=True)
class DictEntry:
    key: Expr
    value: Expr
    loc: Loc


@dataclass(slots=True)
class DictLit:
    entries: list[DictEntry | Spread]
    loc: Loc


@dataclass(slots=True)
class FuncExpr:
    """An anonymous function `func(a, b) { ... }`."""
    params: list[str]
    body: Block
    loc: Loc


@dataclass(slots=True)
class StructLit:
    """`Name { f: e, ... }`; `fields` keeps source order."""
    name: str
    fields: list[tuple[str, Expr]]
    loc: Loc


@dataclass(slots=True)
class Variant:
    """`Ok(e)`, `Err(e)` or `Some(e)`."""
    tag: str
    value: Expr
    loc: Loc


Expr = (IntLit | FloatLit | StrLit | InterpStr | BoolLit | NullLit | NoneLit | Name | Binary
        | Unary | Call | Pipe | Index | Field | TryOp | ArrayLit | DictLit | FuncExpr
        | StructLit | Variant)


# ---------------------------------------------------------------- patterns

@dataclass(slots=True)
class PatName:
    name: str
    loc: Loc


@dataclass(slots=True)
class PatWildcard:
    loc: Loc


@dataclass(slots=True)
class PatRest:
    """`...name`, only as the last item of an array pattern."""
    name: str
    loc: Loc


@dataclass(slots=True)
class ArrayPattern:
    items: list[PatName | PatWildcard | PatRest]
    loc: Loc


@dataclass(slots=True)
class DictPattern:
    """`{a, b, ...rest}`."""
    names: list[str]
    rest: str | None
    loc: Loc


Pattern = ArrayPattern | DictPattern


# ---------------------------------------------------------------- statements

@dataclass(slots=True)
class Block:
    stmts: list[Stmt]
    loc: Loc


@dataclass(slots=True)
class Decl:
    """`let|mut|const name := value`."""
    kind: str
    name: str
    value: Expr
    loc: Loc


@dataclass(slots=True)
class DestructDecl:
    """`[a, b] := e`, `let [a, _] := e`, `mut {x, ...r} := e`; kind is None for plain."""
    kind: str | None
    pattern: Pattern
    value: Expr
    loc: Loc


@dataclass(slots=True)
class IndexStep:
    index: Expr
    loc: Loc


@dataclass(slots=True)
class FieldStep:
    name: str
    loc: Loc


@dataclass(slots=True)
class Assign:
    """`name{[e]|.f} op value` with op one of = := += -= *= /= %= (= and := are the same)."""
    name: str
    path: list[IndexStep | FieldStep]
    op: str
    value: Expr
    loc: Loc


@dataclass(slots=True)
class ExprStmt:
    expr: Expr
    loc: Loc


@dataclass(slots=True)
class FuncDecl:
    name: str
    params: list[str]
    body: Block
    loc: Loc


@dataclass(slots=True)
class StructDecl:
    """Fields in source order; methods are FuncDecls whose first param may be `self`."""
    name: str
    fields: list[str]
    methods: list[FuncDecl]
    loc: Loc


@dataclass(slots=True)
class If:
    cond: Expr
    then: Block
    else_: Block | If | None
    loc: Loc


@dataclass(slots=True)
class While:
    """`while c {}` and `loop while c {}`; `loop {}` has cond None."""
    cond: Expr | None
    body: Block
    loc: Loc


@dataclass(slots=True)
class For:
    var: str
    iterable: Expr
    body: Block
    loc: Loc


@dataclass(slots=True)
class MatchCase:
    """`case Tag(binding): {body}`; tag is Ok, Err, Some or None; binding may be None."""
    tag: str
    binding: str | None
    body: Block
    loc: Loc


@dataclass(slots=True)
class Match:
    subject: Expr
    cases: list[MatchCase]
    default: Block | None
    loc: Loc


@dataclass(slots=True)
class Try:
    body: Block
    name: str
    handler: Block
    loc: Loc


@dataclass(slots=True)
class Break:
    loc: Loc


@dataclass(slots=True)
class Continue:
    loc: Loc


@dataclass(slots=True)
class Return:
    value: Expr | None
    loc: Loc


Stmt = (Decl | DestructDecl | Assign | ExprStmt | FuncDecl | StructDecl | If | While | For
        | Match | Try | Break | Continue | Return)


@dataclass(slots=True)
class Program:
    stmts: list[Stmt]
    file: str
    source: str = field(repr=False, default="")


# ---------------------------------------------------------------- printing

#: Deeper lines of `dump` are indented this many levels and marked with their depth,
#: so that the text stays linear in the size of the tree.
DUMP_MAX_INDENT = 100


def _pad(indent: int) -> str:
    if indent <= DUMP_MAX_INDENT:
        return "  " * indent
    return "  " * DUMP_MAX_INDENT + f"[{indent}] "


def dump(node: object, indent: int = 0) -> str:
    """A readable, stable text form of an AST (what `rufc --emit=ast` prints).

    Iterative (a chain like `1 + 1 + ... + 1` is as deep as it is long); nesting deeper
    than DUMP_MAX_INDENT levels is shown as `[depth]` instead of more indentation.
    """
    lines: list[str] = []
    # Work items, popped from the end: (node, indent) to print, or a finished line (str).
    work: list[object] = [(node, indent)]
    while work:
        item = work.pop()
        if isinstance(item, str):
            lines.append(item)
            continue
        node, indent = item  # type: ignore[misc]
        if isinstance(node, Program):
            work.extend((s, 0) for s in reversed(node.stmts))
            continue
        if isinstance(node, list):
            if not node:
                lines.append("")
            work.extend((n, indent) for n in reversed(node))
            continue
        pad = _pad(indent)
        if not is_dataclass(node):
            lines.append(pad + repr(node))
            continue
        loc = getattr(node, "loc", None)
        where = f" @{loc.line}:{loc.col}" if isinstance(loc, Loc) else ""
        scalars, children = [], []
        for f in fields(node):
            if f.name == "loc":
                continue
            v = getattr(node, f.name)
            if is_dataclass(v) or (isinstance(v, list) and any(is_dataclass(x) or isinstance(x, tuple)
                                                                for x in v)):
                children.append((f.name, v))
            else:
                scalars.append(f"{f.name}={v!r}")
        lines.append(f"{pad}{type(node).__name__}{where}" + (" " + " ".join(scalars) if scalars else ""))
        todo: list[object] = []
        for name, v in children:
            todo.append(f"{_pad(indent + 1)}{name}:")
            for child in (v if isinstance(v, list) else [v]):
                if isinstance(child, tuple):
                    todo.append(f"{_pad(indent + 2)}{child[0]!r}:")
                    todo.append((child[1], indent + 3))
                elif is_dataclass(child):
                    todo.append((child, indent + 2))
                else:
                    todo.append(f"{_pad(indent + 2)}{child!r}")
        work.extend(reversed(todo))
    return "\n".join(lines)
