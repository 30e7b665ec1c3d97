"""The Ruff lexer (LANGUAGE.md §2), used by the parser as a lark custom lexer.

One regex-driven pass turns the source into tokens (`RuffToken`), then a second pass
over the token list makes the look-ahead decisions that keep the grammar LALR(1) (§3.2):

- `NAME {` becomes `NAME STRUCT_LBRACE` (a struct literal) when the tokens after the `{`
  are `NAME :` or `}`, unless the `{` is directly in a *cond* (the condition of
  `if`/`while`/`loop while`, the iterable of `for`, the subject of `match`: there the
  `{` after a complete operand opens the body), or follows `struct NAME`, `except NAME`
  or a `-> Type` return annotation. Inside brackets within a cond struct literals are
  allowed again.
- a `[` or `{` whose matching closer is followed by `:=` or `=` opens a destructuring
  pattern (PAT_LBRACKET / PAT_LBRACE); a `[` right after an operand is an index instead.
- `return` followed by `;`, `}` or end of file is RETURN_BARE.
- `"a${x}b"` becomes ISTART("a") <tokens of x> IMID/IEND("b"), so the embedded
  expression is parsed in the same pass, with its true line:col.

Lexical errors are *deferred*: lexing stops at the first one, and the error is raised
only when the parser asks for the token where it happened. So a syntax error earlier in
the file is still the one reported (LANGUAGE.md §1: report the first error).

Token types are the names lark gives the grammar's terminals: the map from string
literal to terminal name is read from lark's terminal definitions (`lexer_conf`), so the
grammar is the single source of truth. The other types (NAME, INT, ...) are the
grammar's `%declare`d terminals.
"""
from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import cast


def _import_lark() -> None:
    """Import lark without the optional third-party `regex` module, which lark only
    needs for its own lexers (we bring ours): that saves ~6 ms of start-up. `regex`
    stays importable for everyone else afterwards."""
    if "lark" in sys.modules or "regex" in sys.modules:
        return
    sys.modules["regex"] = None  # type: ignore[assignment]  # `import regex` fails fast
    try:
        import lark  # noqa: F401
    finally:
        if sys.modules.get("regex", 0) is None:
            del sys.modules["regex"]


_import_lark()

from collections import namedtuple  # noqa: E402

from lark.lexer import Lexer  # noqa: E402

from rufc.frontend.ast import Loc  # noqa: E402
from rufc.frontend.errors import RuffSyntaxError  # noqa: E402

__all__ = ["RuffLexer", "RuffToken", "TokenStream", "MAX_NESTING", "KEYWORDS",
           "RING3_KEYWORDS"]

#: Deepest nesting of brackets, interpolations and `else if` chains (which nest in the
#: AST and IR) accepted; deeper gives `Nesting too deep`.
#: (The parser itself is iterative; the limit protects the recursive passes after it.)
MAX_NESTING = 1000
#: Deepest nesting of interpolated strings inside interpolations (lexed recursively).
MAX_INTERP_NESTING = 64

MAX_IDENT_LEN = 256
MAX_STRING_LEN = 8192
INT_MAX = 9223372036854775807

#: All keywords of LANGUAGE.md §2 (never names).
KEYWORDS = frozenset("""
    let mut const func return if else while loop for in break continue match case default
    try except struct enum impl self null true false import export from spawn yield async
    await test test_setup test_teardown test_group int float string bool
""".split())

#: Keywords of ring-3 features (§15): rejected with a precise "not supported" message.
RING3_KEYWORDS = {
    "enum": "user enums",
    "impl": "impl blocks",
    "import": "modules",
    "export": "modules",
    "from": "modules",
    "spawn": "spawn and channels",
    "async": "async/await",
    "await": "async/await",
    "yield": "generators",
    "test": "test blocks",
    "test_setup": "test blocks",
    "test_teardown": "test blocks",
    "test_group": "test blocks",
}

# Terminal names of the %declare'd terminals (see grammar.lark).
NAME, INT, FLOAT, STRING = "NAME", "INT", "FLOAT", "STRING"
ISTART, IMID, IEND = "ISTART", "IMID", "IEND"
VARIANT, NONE = "VARIANT", "NONE"
STRUCT_LBRACE, PAT_LBRACE, PAT_LBRACKET, RETURN_BARE = (
    "STRUCT_LBRACE", "PAT_LBRACE", "PAT_LBRACKET", "RETURN_BARE")

# Operators of §2, longest first (regex alternation is first-match).
OPERATORS = sorted("""
    + - * / % == != < <= > >= && || ! := = += -= *= /= %= -> :: ?? ?. ? |> ... . , : ; ( )
    [ ] { }
""".split(), key=len, reverse=True)

# One match per token; blanks before a token are part of its match (the token itself is
# the named group), and a line break starts a match of its own (`nl`) so that line
# numbers are tracked without looking at every token. `eof`: only blanks were left.
_MASTER = re.compile(r"""
    [\ \t\f\v]*
    (?:
      (?P<name>[A-Za-z_]\w*)
    | (?P<comment>(?:\#|//)[^\n]*)
    | (?P<block>/\*)
    | (?P<op>""" + "|".join(re.escape(o) for o in OPERATORS) + r""")
    | (?P<num>[0-9]+(?:\.[0-9]+)?)(?P<badnum>[^\W\d]\w*)?
    | (?P<nl>\n[\ \t\f\v\n]*)
    | (?P<str>"[^"\\\n$]*")
    | (?P<quote>")
    | (?P<bad>[\s\S])
    | (?P<eof>)
    )
""", re.VERBOSE)
_STR_CHUNK = re.compile(r'[^"\\\n$]*')
_SEMI_RUN = re.compile(r"[;\ \t\f\v\n]*")   # blanks and `;` after a `;`
_BRACE_SCAN = re.compile(r"[{}\n]")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "$": "$"}

#: A token: the attributes lark's parser and error classes read from a `lark.Token`
#: (`type`, `value`, positions: `line`/`column` 1-based, `column` counting characters,
#: `end_column` exclusive, `start_pos`/`end_pos` offsets in the normalized text). A
#: plain tuple is made in C, several times faster than a `lark.Token` (a str subclass
#: with eight attributes set in Python). `value` is the source text, except for
#: strings (the decoded text) and ISTART/IMID/IEND (their decoded text piece).
RuffToken = namedtuple("RuffToken",
                       "type value start_pos line column end_line end_column end_pos")
_tuple_new = tuple.__new__


def _new_token(ty, value, start, line, col, end_line, end_col, end):
    return _tuple_new(RuffToken, (ty, value, start, line, col, end_line, end_col, end))


def _retype(tok: RuffToken, ty: str) -> RuffToken:
    return _tuple_new(RuffToken, (ty,) + tok[1:])


class _Defer(Exception):
    """Internal: a lexical error, recorded and raised when the parser reaches it."""

    def __init__(self, message: str, line: int, col: int) -> None:
        self.message, self.line, self.col = message, line, col


class TokenStream:
    """The result of lexing one source: tokens, the deferred error, and what the parser
    needs to word its errors (the normalized text and where the input ends)."""

    __slots__ = ("tokens", "error", "text", "file", "open_brackets", "end_line",
                 "end_col", "interp_ends")

    def __init__(self, tokens: list, error: RuffSyntaxError | None, text: str, file: str,
                 open_brackets: list, end_line: int, end_col: int, interp_ends: dict):
        self.tokens = tokens
        self.error = error
        self.text = text
        self.file = file
        #: closer characters still expected at the end of the tokens, innermost last
        self.open_brackets = open_brackets
        self.end_line = end_line
        self.end_col = end_col
        #: start_pos of an ISTART token -> end of the whole interpolated string literal
        self.interp_ends = interp_ends

    def __iter__(self) -> Iterator[RuffToken]:
        yield from self.tokens
        if self.error is not None:
            raise self.error

    def token_text(self, tok: RuffToken) -> str:
        """The source text of `tok`, as shown in `Unexpected token 'TEXT'`."""
        if tok.type in (IMID, IEND):
            return "}"
        if tok.type == ISTART:
            return self.text[tok.start_pos:self.interp_ends.get(tok.start_pos, tok.end_pos)]
        return self.text[tok.start_pos:tok.end_pos]


class RuffLexer(Lexer):
    """lark custom lexer (interface 2). `lex` accepts the source text (what lark passes
    for `Lark.parse(text)`) or a TokenStream already made by `tokenize`."""

    __future_interface__ = 2

    def __init__(self, lexer_conf=None) -> None:
        literal_to_type = {}
        if lexer_conf is not None:
            for term in lexer_conf.terminals:
                if term.pattern.type == "str":
                    literal_to_type[term.pattern.value] = term.name
        self.literal_to_type = literal_to_type
        self.file = "<input>"
        # Keywords: their terminal (ring-3 ones are rejected before this is used).
        kw = {}
        for word in KEYWORDS:
            kw[word] = literal_to_type.get(word, "KW_" + word.upper())
        kw.update({"Ok": VARIANT, "Err": VARIANT, "Some": VARIANT, "None": NONE})
        self._kw = kw
        #: keyword -> token type (also Ok/Err/Some -> VARIANT, None -> NONE)
        self.keyword_types = kw
        # Operators not used by the grammar (`::`) still get a type, which the parser
        # then rejects as an unexpected token.
        self._op = {o: literal_to_type.get(o, "OP_" + "_".join(str(ord(c)) for c in o))
                    for o in OPERATORS}
        self._t = _Types(self._op, kw)

    # ------------------------------------------------------------------ lark interface

    # lark reads tokens by attribute; RuffToken is a lighter tuple with the same fields
    def lex(self, lexer_state, parser_state) -> Iterator[RuffToken]:  # type: ignore[override]
        src = lexer_state.text
        if not isinstance(src, TokenStream):
            src = self.tokenize(getattr(src, "text", src), self.file)
        return iter(src)

    # ------------------------------------------------------------------ tokenizing

    def tokenize(self, source: str, file: str = "<input>") -> TokenStream:
        """Lex all of `source`. Never raises: a lexical error is stored in the stream and
        raised when iteration reaches it."""
        if "\r" in source:
            source = source.replace("\r\n", "\n").replace("\r", "\n")
        start = 1 if source.startswith("\ufeff") else 0
        toks: list = []
        interp_ends: dict = {}
        raw = _RawLexer(self, source, toks, interp_ends)
        err: _Defer | None = None
        try:
            raw.line_start = start
            raw.lex_range(start, len(source))
        except _Defer as e:
            err = e
        except RecursionError:  # pragma: no cover - MAX_INTERP_NESTING prevents it
            err = _Defer("Nesting too deep", raw.line, 1)
        err2, open_brackets = _disambiguate(toks, self._t)
        if err2 is not None:  # it truncated the tokens, so it comes before `err`
            err = err2
        if toks:
            last = toks[-1]
            end_line, end_col = last.end_line, last.end_column
        else:
            end_line, end_col = 1, 1
        error = RuffSyntaxError(err.message, Loc(file, err.line, err.col)) if err else None
        return TokenStream(toks, error, source, file, open_brackets, end_line, end_col,
                           interp_ends)


class _Types:
    """Terminal names of the string terminals the second pass looks at."""

    def __init__(self, op: dict, kw: dict) -> None:
        t = op.get
        self.LPAR, self.RPAR = t("("), t(")")
        self.LSQB, self.RSQB = t("["), t("]")
        self.LBRACE, self.RBRACE = t("{"), t("}")
        self.COLON, self.SEMI = t(":"), t(";")
        self.COLONEQ, self.EQ = t(":="), t("=")
        self.ARROW, self.QMARK = t("->"), t("?")
        self.MINUS, self.BANG = t("-"), t("!")
        k = kw.get
        self.RETURN, self.STRUCT, self.EXCEPT = k("return"), k("struct"), k("except")
        self.FUNC, self.MATCH = k("func"), k("match")
        self.ELSE, self.IF = k("else"), k("if")
        #: keywords directly followed by a statement block
        self.block_openers = frozenset({k("else"), k("try"), k("loop")})
        #: tokens after which a cond's operand is complete (so `{` opens the body)
        self.value_end = frozenset({
            NAME, INT, FLOAT, STRING, IEND, NONE, self.RPAR, self.RSQB, self.RBRACE,
            self.QMARK, k("true"), k("false"), k("null"), k("self")})
        #: keywords that open a cond (`loop while` opens it at its `while`)
        self.cond_starters = frozenset({k("if"), k("while"), k("match"), k("for")})
        self.closer = {self.LPAR: ")", self.LSQB: "]", PAT_LBRACKET: "]", ISTART: '"'}


class _RawLexer:
    """First pass: characters -> tokens (LANGUAGE.md §2)."""

    __slots__ = ("text", "toks", "kw", "op", "line", "line_start", "interp_ends",
                 "interp_depth")

    def __init__(self, owner: RuffLexer, text: str, toks: list, interp_ends: dict) -> None:
        self.text = text
        self.toks = toks
        self.kw = owner._kw
        self.op = owner._op
        self.line = 1
        self.line_start = 0
        self.interp_ends = interp_ends
        self.interp_depth = 0

    def lex_range(self, pos: int, end: int) -> None:
        """Append the tokens of text[pos:end] (code, not string contents), starting at
        line `self.line` whose first character is at `self.line_start`."""
        text = self.text
        toks = self.toks
        append = toks.append
        kw_get = self.kw.get
        op = self.op
        # the master pattern always matches: its last alternative takes any character
        match = cast("Callable[[str, int, int], re.Match[str]]", _MASTER.match)
        line = self.line
        ls = self.line_start
        while pos < end:
            m = match(text, pos, end)
            kind = m.lastgroup
            e = m.end()
            if kind == "name":
                word = m.group(kind)
                s = e - len(word)
                ty = kw_get(word)
                if ty is None:
                    if e - s > MAX_IDENT_LEN:
                        raise _Defer(f"Identifier too long (more than {MAX_IDENT_LEN} "
                                     f"characters)", line, s - ls + 1)
                    ty = NAME
                elif word in RING3_KEYWORDS:
                    raise _Defer(f"'{word}' is not supported ({RING3_KEYWORDS[word]} are "
                                 f"a ring-3 feature)", line, s - ls + 1)
                append(_tuple_new(RuffToken, (ty, word, s, line, s - ls + 1, line,
                                              e - ls + 1, e)))
            elif kind == "op":
                o = m.group(kind)
                s = e - len(o)
                append(_tuple_new(RuffToken, (op[o], o, s, line, s - ls + 1, line,
                                              e - ls + 1, e)))
                if o == ";":
                    e, line, ls = self.semicolon_run(e, end, line, ls)
            elif kind == "nl":
                line += m.group(kind).count("\n")
                ls = text.rfind("\n", pos, e) + 1
            elif kind == "num":
                append(self.number(m.group(kind), e, line, ls))
            elif kind == "str":
                s = m.start(kind)
                if e - s - 2 > MAX_STRING_LEN:
                    raise _Defer(f"String literal too long (more than {MAX_STRING_LEN} "
                                 f"characters)", line, s - ls + 1)
                append(_tuple_new(RuffToken, (STRING, text[s + 1:e - 1], s, line,
                                              s - ls + 1, line, e - ls + 1, e)))
            elif kind == "comment" or kind == "eof":
                pass
            elif kind == "block":
                e, line, ls = self.block_comment(e, end, line, ls)
            elif kind == "quote":
                self.line, self.line_start = line, ls
                e = self.lex_string(e - 1, end)
            else:
                raise self.bad(m, kind, line, ls)
            pos = e
        self.line, self.line_start = line, ls

    def semicolon_run(self, e: int, end: int, line: int, ls: int) -> tuple[int, int, int]:
        """Skip the `;`s (and the space between them) after a `;` token ending at `e`;
        returns where lexing goes on, and its line and line start.

        `;` is only ever a statement (grammar: `(stmt | ";")*`), so more `;` after it are
        statements the parser would skip one token at a time: the run is one token (10 MB
        of `;` took the parser 55 s and 2.4 GB). A method of its own, out of `lex_range`'s
        loop, which would be too complex with it."""
        text = self.text
        r = _SEMI_RUN.match(text, e, end).end()  # type: ignore[union-attr]
        if r > e:
            nl = text.count("\n", e, r)
            if nl:
                line += nl
                ls = text.rfind("\n", e, r) + 1
            e = r
        return e, line, ls

    def number(self, digits: str, e: int, line: int, ls: int) -> RuffToken:
        """The token of a numeric literal ending at `e`; an int must fit in i64."""
        s = e - len(digits)
        if "." in digits:
            ty = FLOAT
        else:
            ty = INT
            # leading zeros do not count (and a long literal is not parsed:
            # Python refuses int() of more than 4300 digits)
            sig = digits.lstrip("0") if digits[0] == "0" else digits
            if len(sig) > 19 or (len(sig) == 19 and int(sig) > INT_MAX):
                raise _Defer(f"Numeric literal overflow: {digits}", line, s - ls + 1)
        return _tuple_new(RuffToken, (ty, digits, s, line, s - ls + 1, line, e - ls + 1, e))

    def block_comment(self, e: int, end: int, line: int, ls: int) -> tuple[int, int, int]:
        """Skip the block comment whose `/*` ends at `e`: (end, line, line start)."""
        s = e - 2
        close = self.text.find("*/", e, end)
        if close < 0:
            raise _Defer("Unterminated block comment", line, s - ls + 1)
        e = close + 2
        nl = self.text.count("\n", s, e)
        if nl:
            line += nl
            ls = self.text.rfind("\n", s, e) + 1
        return e, line, ls

    def bad(self, m: re.Match[str], kind: str | None, line: int, ls: int) -> _Defer:
        """The error for a malformed number or a character that starts no token."""
        if kind == "badnum":
            s = m.start("num")
            return _Defer(f"Malformed numeric literal: {self.text[s:m.end()]}", line,
                          s - ls + 1)
        return _Defer(f"Invalid character: '{_show(m.group(kind or 0))}'", line, m.end() - ls)

    def lex_string(self, q: int, end: int) -> int:
        """Lex the string literal whose opening quote is at `q` (`lex_range` took the
        simple ones itself): escapes, `${...}` interpolation, errors. Returns the
        position after the closing quote."""
        text = self.text
        line, ls = self.line, self.line_start
        toks = self.toks
        col_q = q - ls + 1
        pos = q + 1
        buf: list[str] = []
        first = True          # no `${` seen yet
        piece_start = q       # where the next emitted token starts
        limit = q + 1 + MAX_STRING_LEN
        # the chunk pattern matches the empty string too, so it always matches
        chunk = cast("Callable[[str, int, int], re.Match[str]]", _STR_CHUNK.match)
        while True:
            e = chunk(text, pos, end).end()
            if e > pos:
                buf.append(text[pos:e])
            pos = e
            if pos >= end or text[pos] == "\n":
                raise _Defer("Unterminated string literal", line, col_q)
            c = text[pos]
            if c == '"':
                if pos > limit:
                    raise _Defer(f"String literal too long (more than {MAX_STRING_LEN} "
                                 f"characters)", line, col_q)
                value = "".join(buf)
                pos += 1
                if first:
                    toks.append(_new_token(STRING, value, q, line, col_q, line,
                                           pos - ls + 1, pos))
                else:
                    toks.append(_new_token(IEND, value, piece_start, line,
                                           piece_start - ls + 1, line, pos - ls + 1, pos))
                    self.interp_ends[q] = pos
                return pos
            if c == "\\":
                if pos + 1 >= end or text[pos + 1] == "\n":
                    raise _Defer("Unterminated string literal", line, col_q)
                x = text[pos + 1]
                r = _ESCAPES.get(x)
                if r is None:
                    raise _Defer(f"Invalid escape sequence: \\{_show(x)}", line,
                                 pos - ls + 1)
                buf.append(r)
                pos += 2
                continue
            # c == "$"
            if pos + 1 < end and text[pos + 1] == "{":
                close = _matching_brace(text, pos + 2, end)
                if close < 0:
                    raise _Defer("Unterminated interpolated string expression", line,
                                 pos - ls + 1)
                if self.interp_depth >= MAX_INTERP_NESTING:
                    raise _Defer("Nesting too deep", line, pos - ls + 1)
                value = "".join(buf)
                buf = []
                after = pos + 2
                toks.append(_new_token(ISTART if first else IMID, value, piece_start, line,
                                       piece_start - ls + 1, line, after - ls + 1, after))
                first = False
                self.interp_depth += 1
                self.lex_range(after, close)
                self.interp_depth -= 1
                piece_start = close
                pos = close + 1
                continue
            buf.append("$")
            pos += 1


def _show(c: str) -> str:
    """A character as shown in a message: itself, or an escape if it is invisible."""
    return c if c.isprintable() else repr(c)[1:-1]


def _matching_brace(text: str, pos: int, end: int) -> int:
    """Index of the `}` closing an interpolation whose text starts at `pos`, or -1 if a
    line break or the end comes first. Braces are counted; quotes are not special."""
    depth = 1
    search = _BRACE_SCAN.search
    while True:
        m = search(text, pos, end)
        if m is None:
            return -1
        c = m.group()
        if c == "\n":
            return -1
        if c == "{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return m.start()
        pos = m.end()


# Kinds of open brackets in the second pass.
_K_PAREN, _K_BLOCK, _K_MATCH, _K_CLOSURE, _K_VALUE, _K_INDEX = range(6)
_BLOCK_END = "<block end>"   # `prev` after the `}` of a statement block


def _disambiguate(toks: list, T: _Types):
    """Second pass (§3.2): retype struct-literal and pattern openers and bare returns,
    track nesting. Returns (deferred error or None, expected closers at the end)."""
    return _Disambiguator(toks, T).run()


class _Disambiguator:
    """The state of the second pass over one token list (see `_disambiguate`).

    Each `{` is classified as a statement block (bodies of if/while/for/loop/try/except/
    func decl/struct decl, match bodies and case bodies), a closure body, or a value
    (dict literal, struct literal, pattern). Only the `}` of a closure body or a value
    ends an operand, which decides whether a following `[` indexes it. The loop in
    `run` keeps the common tokens on a short path; brackets go to their methods."""

    def __init__(self, toks: list, T: _Types) -> None:
        self.toks = toks
        self.T = T
        self.n = len(toks)
        self.stack: list[int] = []         # indices of open brackets
        self.kinds: list[int] = []         # their kinds
        self.conds: list[int] = []         # depth (len(stack)) at which each open cond started
        self.cond_match: list[bool] = []   # whether that cond is a match subject
        self.func_body = -1                # kind of the next `{` after a parameter list, or -1
        self.elifs: list[int] = []         # depth of each open `else if` (each nests one level)

    def run(self) -> tuple[_Defer | None, list[str]]:
        T, toks, n = self.T, self.toks, self.n
        LPAR, RPAR, LSQB, RSQB = T.LPAR, T.RPAR, T.LSQB, T.RSQB
        LBRACE, RBRACE = T.LBRACE, T.RBRACE
        RETURN, SEMI, MATCH = T.RETURN, T.SEMI, T.MATCH
        MINUS, BANG, ELSE, IF = T.MINUS, T.BANG, T.ELSE, T.IF
        value_end = T.value_end
        cond_starters = T.cond_starters
        stack, kinds, elifs = self.stack, self.kinds, self.elifs
        prefix_run = 0                # consecutive prefix `-`/`!` (they nest like brackets)
        prev = None                   # type of the previous token (after retyping)
        prev2 = None
        err = None
        i = 0
        while i < n:
            t = toks[i]
            ty = t.type
            if ty == LBRACE:
                ty = self.open_brace(i, t, prev, prev2)
                err = self.too_deep(i, t, 0)
            elif ty == LPAR or ty == LSQB or ty == ISTART:
                stack.append(i)
                kinds.append(_K_INDEX if ty == LSQB and prev in value_end else _K_PAREN)
                err = self.too_deep(i, t, 0)
            elif ty == RPAR or ty == RSQB or ty == RBRACE or ty == IEND:
                if stack:
                    ty = self.close(i, ty)
            elif ty == ELSE and i + 1 < n and toks[i + 1].type == IF:
                # `else if` nests the second if inside the first one's else branch (in the
                # AST and the IR), so a long chain is as deep as that many nested blocks
                elifs.append(len(stack))
                err = self.too_deep(i, toks[i + 1], 0)
            elif ty in cond_starters:
                self.conds.append(len(stack))
                self.cond_match.append(ty == MATCH)
            elif ty == RETURN:
                if i + 1 == n or toks[i + 1].type in (SEMI, RBRACE):
                    ty = RETURN_BARE
                    toks[i] = _retype(t, ty)
            elif (ty == MINUS or ty == BANG) and prev not in value_end:
                prefix_run += 1
                err = self.too_deep(i, t, prefix_run)
                if err is not None:
                    break
                prev2 = prev
                prev = ty
                i += 1
                continue
            if err is not None:
                break
            prefix_run = 0
            prev2 = prev
            prev = ty
            i += 1
        n = len(toks)
        open_brackets = [T.closer.get(toks[j].type, "}") for j in stack if j < n]
        return err, open_brackets

    def too_deep(self, i: int, t: RuffToken, extra: int) -> _Defer | None:
        """The nesting error at token `t` (cutting the tokens there), or None."""
        if extra + len(self.stack) + len(self.elifs) <= MAX_NESTING:
            return None
        del self.toks[i:]
        return _Defer("Nesting too deep", t.line, t.column)

    def open_brace(self, i: int, t: RuffToken, prev: object, prev2: object) -> object:
        """Classify and push the `{` at `i`; returns its (possibly new) token type."""
        T, toks, n = self.T, self.toks, self.n
        depth = len(self.stack)
        conds, kinds = self.conds, self.kinds
        ty = t.type
        if self.func_body >= 0:
            kind = self.func_body                             # body of func / closure
            self.func_body = -1
        elif conds and conds[-1] == depth and prev in T.value_end:
            conds.pop()                                       # body of if/while/for/match
            kind = _K_MATCH if self.cond_match.pop() else _K_BLOCK
        elif prev in T.block_openers or (prev == T.COLON and kinds and kinds[-1] == _K_MATCH):
            kind = _K_BLOCK                                   # else/try/loop, case bodies
        elif prev == NAME and (prev2 == T.STRUCT or prev2 == T.EXCEPT):
            kind = _K_BLOCK                                   # struct decl, except body
        else:
            kind = _K_VALUE
            if (prev == NAME and i + 1 < n
                    and (toks[i + 1].type == T.RBRACE
                         or (toks[i + 1].type == NAME and i + 2 < n
                             and toks[i + 2].type == T.COLON))):
                ty = STRUCT_LBRACE
                toks[i] = _retype(t, ty)
        self.stack.append(i)
        kinds.append(kind)
        return ty

    def close(self, i: int, ty: object) -> object:
        """Pop the bracket closed at `i`: a parameter list announces a body, a closed
        `[...]`/`{...}` before `:=`/`=` is a pattern, and a block's `}` becomes
        `_BLOCK_END` (which ends the `else if` chain of an if statement)."""
        T, toks, n = self.T, self.toks, self.n
        j = self.stack.pop()
        kind = self.kinds.pop()
        if ty == T.RPAR:
            # the end of a parameter list: `func (` or `func NAME (`
            if j >= 1 and (toks[j - 1].type == T.FUNC
                           or (j >= 2 and toks[j - 1].type == NAME
                               and toks[j - 2].type == T.FUNC)):
                self.func_body = _K_CLOSURE if toks[j - 1].type == T.FUNC else _K_BLOCK
        elif ty != IEND and i + 1 < n and toks[i + 1].type in (T.COLONEQ, T.EQ):
            o = toks[j]
            if o.type == T.LSQB and kind != _K_INDEX:
                toks[j] = _retype(o, PAT_LBRACKET)
            elif o.type == T.LBRACE and kind == _K_VALUE:
                toks[j] = _retype(o, PAT_LBRACE)
        if ty == T.RBRACE and (kind == _K_BLOCK or kind == _K_MATCH):
            ty = _BLOCK_END
            elifs = self.elifs
            depth = len(self.stack)
            if elifs and elifs[-1] == depth and not (i + 1 < n and toks[i + 1].type == T.ELSE):
                while elifs and elifs[-1] == depth:
                    elifs.pop()
        return ty
