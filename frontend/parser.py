"""The Ruff parser: source text -> `rufc.frontend.ast.Program`.

    from rufc.frontend.parser import parse
    program = parse(source, "path/to/file.ruff")   # raises RuffSyntaxError

- lark LALR(1) over `grammar.lark`, fed by the hand-written lexer of `lexer.py` (a lark
  custom lexer), with the AST built *during* the parse by `AstBuilder`, a lark
  `Transformer` passed to `Lark(transformer=...)`: every reduction calls one method,
  bottom-up, so nothing recurses over the tree and deep nesting cannot overflow the
  Python stack (bracket nesting deeper than `lexer.MAX_NESTING` is rejected anyway, to
  protect the recursive passes that come later).
- The parser is built once per process; lark's tables are kept in rufc's cache store
  (namespace "parser" of `rufc.runtime.cache`, docs/caches.md): the first run of a
  new grammar builds and stores them, every later one loads them.
- Every lexical or syntax error raises `RuffSyntaxError(message, Loc)` (LANGUAGE.md §3.4);
  the first error in the file wins.
"""
from __future__ import annotations

import bisect
import threading
from pathlib import Path
from typing import cast

# The lexer must be imported before lark: it imports lark without the optional `regex`
# module (start-up time), so import sorting must not move it below lark.
from rufc.frontend.lexer import RuffLexer, RuffToken, TokenStream  # first: imports lark lean

# isort: split

import lark
from lark import Lark, Transformer
from lark.exceptions import UnexpectedInput, UnexpectedToken

from rufc.frontend import ast as A
from rufc.frontend.ast import Loc
from rufc.frontend.errors import RuffSyntaxError
from rufc.frontend.gcpause import paused_gc
from rufc.runtime.cache import key_of

__all__ = ["parse", "tokenize", "get_parser", "get_lark", "RuffParser", "AstBuilder",
           "start_loc", "tables_key", "GRAMMAR_PATH"]

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")


# ---------------------------------------------------------------- AST construction

def start_loc(e, parens: dict | None = None) -> Loc:
    """Location of the first character of expression `e` (Binary/Call/... nodes carry
    the location of their operator, so walk down their leftmost operand). `parens` maps
    id() of parenthesized expressions to the location of their `(`."""
    while True:
        if parens:
            loc = parens.get(id(e))
            if loc is not None:
                return loc
        t = type(e)
        if t is A.Binary or t is A.Pipe:
            e = e.left
        elif t is A.Call:
            e = e.callee
        elif t is A.Index or t is A.Field:
            e = e.obj
        elif t is A.TryOp:
            e = e.expr
        else:
            return e.loc


class AstBuilder(Transformer):
    """Builds AST nodes bottom-up, one method per grammar rule (or alias).

    Each method gets the rule's children: AST nodes, Python values returned by other
    methods, and the named-terminal tokens (`tok.line`, `tok.column` give locations).
    Anonymous punctuation is filtered out by lark, optional parts `[...]` give None.
    """

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.file = "<input>"
        #: id() of each parenthesized expression -> location of its `(` (the nodes are
        #: alive for the whole parse, so ids are unique)
        self.parens: dict[int, Loc] = {}

    def reset(self, file: str) -> None:
        self.file = file
        self.parens = {}

    def _loc(self, tok) -> Loc:
        return Loc(self.file, tok.line, tok.column)

    # ---------------------------------------------------------------- program, blocks

    def start(self, c):
        return c

    def block(self, c):
        return A.Block(c[1:], Loc(self.file, c[0].line, c[0].column))

    # ---------------------------------------------------------------- statements

    def decl(self, c):
        kw = c[0]
        return A.Decl(kw.value, c[1].value, c[-1], Loc(self.file, kw.line, kw.column))

    def destructure(self, c):
        kw, pat, value = c
        if kw is None:
            return A.DestructDecl(None, pat, value, pat.loc)
        return A.DestructDecl(kw.value, pat, value, Loc(self.file, kw.line, kw.column))

    def array_pattern(self, c):
        items = []
        for kind, name, loc in c[1] or ():
            if items and type(items[-1]) is A.PatRest:
                raise RuffSyntaxError("A rest element '...name' must be the last item of "
                                      "a destructuring pattern", items[-1].loc)
            if kind == "rest":
                items.append(A.PatRest(name, loc))
            elif name == "_":
                items.append(A.PatWildcard(loc))
            else:
                items.append(A.PatName(name, loc))
        return A.ArrayPattern(items, Loc(self.file, c[0].line, c[0].column))

    def dict_pattern(self, c):
        names = []
        rest = None
        rest_loc = None
        for kind, name, loc in c[1] or ():
            if rest is not None:
                raise RuffSyntaxError("A rest element '...name' must be the last item of "
                                      "a destructuring pattern", rest_loc)
            if kind == "rest":
                rest, rest_loc = name, loc
            else:
                names.append(name)
        return A.DictPattern(names, rest, Loc(self.file, c[0].line, c[0].column))

    def pat_items(self, c):
        return c

    def pat_item(self, c):
        t = c[0]
        if len(c) == 1:
            return ("name", t.value, Loc(self.file, t.line, t.column))
        return ("rest", c[1].value, Loc(self.file, t.line, t.column))

    def assign(self, c):
        target, op, value = c
        path = []
        node = target
        parens = self.parens
        while True:
            t = type(node)
            if id(node) in parens:
                break
            if t is A.Index:
                path.append(A.IndexStep(node.index, node.loc))
                node = node.obj
            elif t is A.Field and not node.safe:
                path.append(A.FieldStep(node.name, node.loc))
                node = node.obj
            elif t is A.Name and node.name != "self":
                path.reverse()
                o = op.value
                return A.Assign(node.name, path, "=" if o == ":=" else o, value, node.loc)
            else:
                break
        # Not NAME { [e] | .f }: the grammar of §3.1 would have failed at the operator.
        raise RuffSyntaxError(f"Unexpected token '{op.value}'", self._loc(op))

    def expr_stmt(self, c):
        e = c[0]
        return A.ExprStmt(e, start_loc(e, self.parens))

    def func_decl(self, c):
        kw, name, params, _ret, body = c
        return A.FuncDecl(name.value, params or [], body,
                          Loc(self.file, kw.line, kw.column))

    def params(self, c):
        return c

    def param(self, c):
        return c[0].value

    def ret_type(self, c):
        return None

    def type(self, c):
        return None

    def struct_decl(self, c):
        kw, name = c[0], c[1]
        fields = []
        methods = []
        for m in c[2:]:
            if type(m) is A.FuncDecl:
                methods.append(m)
            else:
                fields.append(m)
        return A.StructDecl(name.value, fields, methods, Loc(self.file, kw.line, kw.column))

    def struct_field(self, c):
        return c[0].value

    def if_stmt(self, c):
        kw, cond, then, else_ = c
        return A.If(cond, then, else_, Loc(self.file, kw.line, kw.column))

    def while_stmt(self, c):
        kw, cond, body = c
        return A.While(cond, body, Loc(self.file, kw.line, kw.column))

    def loop_stmt(self, c):
        kw = c[0]
        if len(c) == 2:
            return A.While(None, c[1], Loc(self.file, kw.line, kw.column))
        return A.While(c[1], c[2], Loc(self.file, kw.line, kw.column))

    def for_stmt(self, c):
        kw, var, iterable, body = c
        return A.For(var.value, iterable, body, Loc(self.file, kw.line, kw.column))

    def match_stmt(self, c):
        kw = c[0]
        return A.Match(c[1], c[2:-1], c[-1], Loc(self.file, kw.line, kw.column))

    def match_case(self, c):
        kw, tag = c[0], c[1]
        if len(c) == 4:
            binding = c[2].value if c[2] is not None else None
        else:
            binding = None
        return A.MatchCase(tag.value, binding, c[-1], Loc(self.file, kw.line, kw.column))

    def default_case(self, c):
        return c[0]

    def try_stmt(self, c):
        kw, body, name, handler = c
        return A.Try(body, name.value, handler, Loc(self.file, kw.line, kw.column))

    def break_stmt(self, c):
        return A.Break(self._loc(c[0]))

    def continue_stmt(self, c):
        return A.Continue(self._loc(c[0]))

    def return_stmt(self, c):
        kw = c[0]
        return A.Return(c[1] if len(c) == 2 else None, Loc(self.file, kw.line, kw.column))

    # ---------------------------------------------------------------- expressions

    def binary(self, c):
        left, op, right = c
        return A.Binary(op.value, left, right, Loc(self.file, op.line, op.column))

    def pipe_op(self, c):
        left, op, right = c
        return A.Pipe(left, right, Loc(self.file, op.line, op.column))

    def unary_op(self, c):
        op, operand = c
        return A.Unary(op.value, operand, Loc(self.file, op.line, op.column))

    def call(self, c):
        callee, lp, args = c
        return A.Call(callee, args or [], Loc(self.file, lp.line, lp.column))

    def args(self, c):
        return c

    def index(self, c):
        obj, lb, idx = c
        return A.Index(obj, idx, Loc(self.file, lb.line, lb.column))

    def field(self, c):
        obj, dot, name = c
        return A.Field(obj, name.value, False, Loc(self.file, dot.line, dot.column))

    def safe_field(self, c):
        obj, dot, name = c
        return A.Field(obj, name.value, True, Loc(self.file, dot.line, dot.column))

    def try_op(self, c):
        e, q = c
        return A.TryOp(e, Loc(self.file, q.line, q.column))

    def int_lit(self, c):
        t = c[0]
        digits = t.value.lstrip("0") or "0"  # the lexer checked the range; zeros may be many
        return A.IntLit(int(digits), Loc(self.file, t.line, t.column))

    def float_lit(self, c):
        t = c[0]
        return A.FloatLit(float(t.value), Loc(self.file, t.line, t.column))

    def str_lit(self, c):
        t = c[0]
        return A.StrLit(t.value, Loc(self.file, t.line, t.column))

    def interp(self, c):
        parts = []
        for x in c:
            if type(x) is RuffToken:
                if x.value:
                    parts.append(x.value)
            else:
                parts.append(x)
        t = c[0]
        return A.InterpStr(parts, Loc(self.file, t.line, t.column))

    def true_lit(self, c):
        return A.BoolLit(True, self._loc(c[0]))

    def false_lit(self, c):
        return A.BoolLit(False, self._loc(c[0]))

    def null_lit(self, c):
        return A.NullLit(self._loc(c[0]))

    def none_lit(self, c):
        return A.NoneLit(self._loc(c[0]))

    def name(self, c):
        t = c[0]
        return A.Name(t.value, Loc(self.file, t.line, t.column))

    def paren(self, c):
        lp, e = c
        self.parens[id(e)] = Loc(self.file, lp.line, lp.column)
        return e

    def array(self, c):
        lb, items = c
        return A.ArrayLit(items or [], Loc(self.file, lb.line, lb.column))

    def elems(self, c):
        return c

    def spread(self, c):
        t, e = c
        return A.Spread(e, Loc(self.file, t.line, t.column))

    def dict(self, c):
        lb, entries = c
        return A.DictLit(entries or [], Loc(self.file, lb.line, lb.column))

    def entries(self, c):
        return c

    def dict_entry(self, c):
        k, v = c
        return A.DictEntry(k, v, start_loc(k, self.parens))

    def closure(self, c):
        kw, params, _ret, body = c
        return A.FuncExpr(params or [], body, Loc(self.file, kw.line, kw.column))

    def struct_lit(self, c):
        name, _lb, inits = c
        return A.StructLit(name.value, inits or [], Loc(self.file, name.line, name.column))

    def struct_inits(self, c):
        return c

    def struct_init(self, c):
        return (c[0].value, c[1])

    def variant(self, c):
        t, e = c
        return A.Variant(t.value, e, Loc(self.file, t.line, t.column))


# ---------------------------------------------------------------- building lark, cache

_lock = threading.Lock()

_LARK_OPTIONS = dict(parser="lalr", lexer=RuffLexer, start="start", maybe_placeholders=True,
                     propagate_positions=False)


class RuffParser:
    """A lark parser with its AST builder and lexer. Not thread-safe by itself
    (`parse` below serializes the use of the process-wide instance)."""

    __slots__ = ("lark", "builder", "lexer")

    def __init__(self, use_cache: bool = True, tune: bool = True) -> None:
        grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
        builder = AstBuilder()
        g = _load_tables(grammar, builder) if use_cache else None
        if g is None:
            g = Lark(grammar, transformer=builder, **_LARK_OPTIONS)
            if use_cache:
                _store_tables(grammar, g)
        if tune:
            _tune(g)
        self.lark = g
        self.builder = builder
        self.lexer: RuffLexer = g.parser.lexer

    def parse(self, source: str, file: str) -> A.Program:
        stream = self.lexer.tokenize(source, file)
        self.builder.reset(file)
        try:
            # lark types parse() as returning a tree; with a transformer (AstBuilder) it
            # returns what the transformer makes of the start rule: the statements
            stmts = cast("list[A.Stmt]", self.lark.parse(stream))
        except RuffSyntaxError:
            raise
        except UnexpectedToken as e:
            raise _unexpected(e, stream, self.lexer) from None
        except UnexpectedInput as e:  # pragma: no cover - the custom lexer never raises it
            raise RuffSyntaxError("Syntax error",
                                  Loc(file, e.line or 1, e.column or 1)) from None
        except RecursionError:  # pragma: no cover - the parse is iterative
            raise RuffSyntaxError("Nesting too deep", Loc(file, 1, 1)) from None
        finally:
            self.builder.reset(file)
        return A.Program(stmts, file, source)


def tables_key(grammar: str) -> str:
    """The cache key of lark's tables: everything they depend on (the grammar, lark's
    version, the options; the store adds rufc's and Python's versions)."""
    return key_of("lark-tables", grammar, lark.__version__,
                  repr(sorted((k, str(v)) for k, v in _LARK_OPTIONS.items())))


def _load_tables(grammar: str, builder: AstBuilder) -> Lark | None:
    """lark with its tables from the cache store, or None on a miss.

    The tables are lark's own serialization (a pickle): the store hands it out only
    if its keyed digest checks out, so a file someone else wrote is never unpickled.
    One key, one file: there is no private file name that would make the next run
    miss (the double miss of lark's `cache=PATH` under a temporary name)."""
    from rufc.runtime.cache import default_store
    store = default_store()
    data = store.get("parser", tables_key(grammar)) if store is not None else None
    if data is None:
        return None
    import io
    try:
        g = Lark.__new__(Lark)   # Lark.load without its options: _load takes them
        return g._load(io.BytesIO(data), transformer=builder)
    except Exception:  # noqa: BLE001 - tables from another lark: rebuild them
        return None


def _store_tables(grammar: str, g: Lark) -> None:
    from rufc.runtime.cache import default_store
    store = default_store()
    if store is None:
        return
    import io
    buf = io.BytesIO()
    try:
        g.save(buf)
    except Exception:  # noqa: BLE001 - not serializable: build them each time
        return
    store.put("parser", tables_key(grammar), buf.getvalue())


def _tune(g: Lark) -> None:
    """Speed up lark's LALR loop (~30 % of the parse time) without changing what it does.

    1. A unit rule of an inlined `?rule` (`?expr: pipe`, `?stmt: decl`, ...) always has
       exactly one child, which lark's ExpandSingleChild wrapper returns: give it the
       C-level `itemgetter(0)` instead (the precedence levels make these the most
       frequent reductions).
    2. `ParserState.feed_token` does `assert arg != end_state` and `callbacks[rule]` on
       every reduction, which call the Python-level `Rule.__eq__`/`__hash__`. The rules
       of this parser are unique objects, so identity comparison is equivalent: switch
       them to a subclass using object's C-level `__eq__`/`__hash__`, and rebuild the
       callback table (keyed by those rules) accordingly.

    Relies on lark 1.x internals; if they do not look as expected nothing is changed.
    """
    try:
        from operator import itemgetter

        from lark.grammar import Rule

        callbacks = g._callbacks
        parser = g.parser.parser.parser
        if parser.callbacks is not callbacks or type(callbacks) is not dict:
            return
        if not all(type(k) is Rule or type(k) is str for k in callbacks):
            return
        first = itemgetter(0)
        items = []
        for key, f in callbacks.items():
            if type(key) is Rule:
                exp = key.expansion
                if (key.options.expand1 and not key.alias and len(exp) == 1
                        and not exp[0].is_term and not exp[0].name.startswith("_")):
                    f = first
            items.append((key, f))
    except Exception:  # pragma: no cover - defensive: keep lark's own behaviour
        return
    try:
        for key, _f in items:
            if type(key) is Rule:
                key.__class__ = _IdentityRule
    except TypeError:  # pragma: no cover
        pass
    finally:
        # Re-insert every key with its current hash (also after a partial switch).
        callbacks.clear()
        callbacks.update(items)


def _identity_rule_class():
    from lark.grammar import Rule

    class IdentityRule(Rule):
        __slots__ = ()
        __eq__ = object.__eq__
        __hash__ = object.__hash__

    return IdentityRule


_IdentityRule = _identity_rule_class()


_parser: RuffParser | None = None


def get_parser() -> RuffParser:
    """The process-wide parser (built on first use, tables from the disk cache)."""
    global _parser
    if _parser is None:
        with _lock:
            if _parser is None:
                _parser = RuffParser()
    return _parser


def get_lark() -> Lark:
    """The process-wide lark instance."""
    return get_parser().lark


# ---------------------------------------------------------------- public API

def tokenize(source: str, file: str = "<input>") -> list:
    """All tokens of `source` (`RuffToken`s: `.type`, `.value`, `.line`, `.column`, ...);
    raises RuffSyntaxError on a lexical error."""
    stream = get_parser().lexer.tokenize(source, file)
    if stream.error is not None:
        raise stream.error
    return stream.tokens


def parse(source: str, file: str) -> A.Program:
    """Parse a whole Ruff program. Raises RuffSyntaxError (and nothing else) for every
    lexical or syntax error, at its LINE:COL; the first error in the file wins."""
    p = get_parser()
    with _lock, paused_gc():
        return p.parse(source, file)


def _unexpected(e: UnexpectedToken, stream: TokenStream, lexer: RuffLexer) -> RuffSyntaxError:
    tok = e.token
    file = stream.file
    if tok.type == "$END":
        msg = "Unexpected end of input"
        if stream.open_brackets:
            closer = stream.open_brackets[-1]
            ty = lexer.literal_to_type.get(closer)
            if ty is not None and ty in (e.expected or ()):
                msg += f": expected '{closer}'"
        return RuffSyntaxError(msg, Loc(file, stream.end_line, stream.end_col))
    loc = Loc(file, tok.line, tok.column)
    text = stream.token_text(tok)
    toks = stream.tokens
    i = bisect.bisect_left(toks, tok.start_pos, key=lambda t: t.start_pos)
    prev = toks[i - 1] if i > 0 else None
    kw = lexer.keyword_types
    if prev is not None and prev.type == kw["func"] and text == "*":
        return RuffSyntaxError("Generator functions ('func*') are not supported "
                               "(a ring-3 feature)", loc)
    if prev is not None and prev.type == kw["case"]:
        return RuffSyntaxError(f"Unexpected token '{text}': only Ok, Err, Some and None "
                               "patterns are supported (enum, literal and string "
                               "patterns are ring 3)", loc)
    return RuffSyntaxError(f"Unexpected token '{text}'", loc)

