"""Lexer tests (LANGUAGE.md §2 and the look-ahead retyping of §3.2)."""
from __future__ import annotations

import pytest

from rufc.frontend.errors import RuffSyntaxError
from rufc.frontend.lexer import MAX_NESTING, RuffToken
from rufc.frontend.parser import get_parser, tokenize


def toks(src: str) -> list[RuffToken]:
    return tokenize(src, "t.ruff")


def types(src: str) -> list[str]:
    return [t.type for t in toks(src)]


def values(src: str) -> list:
    return [t.value for t in toks(src)]


def T(literal: str) -> str:
    """The terminal name lark gave the grammar's string terminal `literal`."""
    return get_parser().lexer.literal_to_type[literal]


def lex_error(src: str) -> RuffSyntaxError:
    with pytest.raises(RuffSyntaxError) as info:
        toks(src)
    return info.value


def where(e: RuffSyntaxError) -> tuple[int, int]:
    return (e.loc.line, e.loc.col)


# ---------------------------------------------------------------- terminal names

def test_types_come_from_lark_terminals():
    lexer = get_parser().lexer
    terminals = {t.name: t.pattern.value for t in get_parser().lark.terminals
                 if t.pattern.type == "str"}
    assert lexer.literal_to_type == {v: k for k, v in terminals.items()}
    for lit in ["+", ":=", "?.", "|>", "...", "{", "let", "func", "int"]:
        assert types(lit) == [lexer.literal_to_type[lit]]


def test_token_attributes():
    (t,) = toks("  foo")
    assert (t.type, t.value, t.line, t.column, t.end_column, t.start_pos, t.end_pos) == \
        ("NAME", "foo", 1, 3, 6, 2, 5)


# ---------------------------------------------------------------- whitespace, comments

def test_newlines_are_whitespace_and_positions():
    ts = toks("a\n  b\r\n\tc\rd")
    assert [(t.value, t.line, t.column) for t in ts] == \
        [("a", 1, 1), ("b", 2, 3), ("c", 3, 2), ("d", 4, 1)]


def test_tab_is_one_column():
    assert toks("\t\tx")[0].column == 3


def test_columns_count_characters_not_bytes():
    ts = toks('"héllo wörld" x')
    assert ts[1].column == 15


def test_comments():
    src = """# hash
    // slash
    /// doc
    a /* inline */ b /* multi
    line */ c // tail
    /* outer /* not nested */ d
    "# not a comment // nor this /* nor this"
    """
    assert values(src) == ["a", "b", "c", "d", "# not a comment // nor this /* nor this"]
    assert toks(src)[2].line == 5


def test_unterminated_block_comment():
    e = lex_error('print("a")\n  x /* never\nclosed')
    assert e.message == "Unterminated block comment"
    assert where(e) == (2, 5)


def test_division_is_not_a_comment():
    assert types("a / b") == ["NAME", T("/"), "NAME"]


# ---------------------------------------------------------------- identifiers, keywords

def test_identifiers():
    assert values("_a a1 héllo_wörld x_é9 _") == ["_a", "a1", "héllo_wörld", "x_é9", "_"]
    assert types("and or not") == ["NAME", "NAME", "NAME"]


def test_identifier_must_start_with_ascii_letter():
    e = lex_error("x := éclair")
    assert e.message == "Invalid character: 'é'" and where(e) == (1, 6)


def test_identifier_length_limit():
    assert values("a" * 256) == ["a" * 256]
    e = lex_error("x := " + "b" * 257)
    assert e.message.startswith("Identifier too long") and where(e) == (1, 6)


def test_keywords():
    for kw in ["let", "mut", "const", "func", "if", "else", "while", "loop", "for", "in",
               "break", "continue", "match", "case", "default", "try", "except", "struct",
               "self", "null", "true", "false", "int", "float", "string", "bool"]:
        assert types(kw) == [T(kw)]


def test_variant_identifiers():
    assert types("Ok Err Some None") == ["VARIANT", "VARIANT", "VARIANT", "NONE"]
    assert types("Okay Nothing") == ["NAME", "NAME"]


@pytest.mark.parametrize("kw", ["enum", "impl", "import", "export", "from", "spawn", "yield",
                                "async", "await", "test", "test_setup", "test_teardown",
                                "test_group"])
def test_ring3_keywords_rejected(kw):
    e = lex_error(f"x := 1\n  {kw} y")
    assert f"'{kw}' is not supported" in e.message
    assert where(e) == (2, 3)


# ---------------------------------------------------------------- numbers

def test_ints_and_floats():
    ts = toks("0 42 007 3.25 10.0")
    assert [(t.type, t.value) for t in ts] == [
        ("INT", "0"), ("INT", "42"), ("INT", "007"), ("FLOAT", "3.25"), ("FLOAT", "10.0")]


def test_int_dot_is_int_then_dot():
    assert types("1.") == ["INT", T(".")]
    assert types("1.x") == ["INT", T("."), "NAME"]
    assert types(".5") == [T("."), "INT"]


def test_int_limits():
    assert values("9223372036854775807") == ["9223372036854775807"]
    e = lex_error("print(1)\nprint(9223372036854775808)")
    assert e.message == "Numeric literal overflow: 9223372036854775808"
    assert where(e) == (2, 7)
    e = lex_error("x := 99999999999999999999999")
    assert e.message == "Numeric literal overflow: 99999999999999999999999"


@pytest.mark.parametrize("text", ["1e5", "10px", "2.5f", "12abc", "1_000", "3.0e"])
def test_malformed_numbers(text):
    e = lex_error(f"x := {text} + 1")
    assert e.message == f"Malformed numeric literal: {text}"
    assert where(e) == (1, 6)


def test_minus_is_not_part_of_a_literal():
    assert types("-5") == [T("-"), "INT"]
    assert types("--5") == [T("-"), T("-"), "INT"]


# ---------------------------------------------------------------- strings

def test_string_escapes():
    (t,) = toks(r'"a\nb\tc\rd\\e\"f\$g"')
    assert t.type == "STRING" and t.value == 'a\nb\tc\rd\\e"f$g'


def test_dollar_without_brace_is_literal():
    assert values('"cost $5 $name \\${x}"') == ["cost $5 $name ${x}"]


def test_comment_markers_inside_strings():
    assert values('"# // /* */"') == ["# // /* */"]


def test_invalid_escape():
    e = lex_error('print("fine")\nmsg := "bad \\q escape"')
    assert e.message == "Invalid escape sequence: \\q"
    assert where(e) == (2, 13)


def test_unterminated_string():
    e = lex_error('print("ok")\nprint("never closed)\nprint("x")')
    assert e.message == "Unterminated string literal"
    assert where(e) == (2, 7)
    e = lex_error('x := "abc')
    assert e.message == "Unterminated string literal" and where(e) == (1, 6)
    e = lex_error('x := "abc\\')
    assert e.message == "Unterminated string literal" and where(e) == (1, 6)


def test_string_length_limit():
    assert values('"' + "x" * 8192 + '"') == ["x" * 8192]
    e = lex_error('s := "' + "x" * 8193 + '"')
    assert e.message.startswith("String literal too long") and where(e) == (1, 6)


# ---------------------------------------------------------------- interpolation

def test_interpolation_tokens_and_positions():
    ts = toks('s := "a ${x + 1} b ${y}!"')
    assert [(t.type, t.value, t.column) for t in ts[2:]] == [
        ("ISTART", "a ", 6), ("NAME", "x", 11), (T("+"), "+", 13), ("INT", "1", 15),
        ("IMID", " b ", 16), ("NAME", "y", 22), ("IEND", "!", 23)]


def test_interpolation_on_later_line():
    ts = toks('\n\n   print("v=${  value }")')
    v = [t for t in ts if t.value == "value"][0]
    assert (v.line, v.column) == (3, 17)


def test_interpolation_braces_counted_quotes_not_special():
    ts = toks('"${ {"k": 1}["k"] }"')
    assert [t.type for t in ts][:2] == ["ISTART", T("{")]
    assert ts[-1].type == "IEND"
    nested = toks('"${ "in ${x}" }"')
    assert [t.type for t in nested] == ["ISTART", "ISTART", "NAME", "IEND", "IEND"]


def test_unterminated_interpolation():
    e = lex_error('x := 1\nprint("a ${x")')
    assert e.message == "Unterminated interpolated string expression"
    assert where(e) == (2, 10)
    e = lex_error('print("a ${f(\n)}")')
    assert e.message == "Unterminated interpolated string expression"


def test_error_inside_interpolation_has_true_position():
    e = lex_error('print("x ${a @ b}")')
    assert e.message == "Invalid character: '@'" and where(e) == (1, 14)


# ---------------------------------------------------------------- operators, stray chars

def test_operators_longest_match():
    src = "+ - * / % == != < <= > >= && || ! := = += -= *= /= %= -> :: ?? ?. ? |> ... . , : ;"
    assert values(src) == src.split()
    assert values("a?.b??c") == ["a", "?.", "b", "??", "c"]
    assert values("x:=-1") == ["x", ":=", "-", "1"]
    assert values("a!==b") == ["a", "!=", "=", "b"]
    assert values("....") == ["...", "."]


@pytest.mark.parametrize("ch", ["'", "@", "`", "^", "~", "&", "|", "$", "\\", "§"])
def test_invalid_characters(ch):
    e = lex_error(f"x := 1\ny := a {ch} b")
    assert e.message == f"Invalid character: '{ch}'"
    assert where(e) == (2, 8)


def test_invisible_invalid_character_is_escaped():
    e = lex_error("x := 1\u00a0+ 2")
    assert e.message == "Invalid character: '\\xa0'" and where(e) == (1, 7)


def test_bom_is_skipped():
    ts = toks("\ufeffx := 1")
    assert (ts[0].value, ts[0].column) == ("x", 1)


# ---------------------------------------------------------------- look-ahead retyping

def test_struct_literal_brace():
    assert "STRUCT_LBRACE" in types("p := P { x: 1 }")
    assert "STRUCT_LBRACE" in types("p := P {}")
    assert "STRUCT_LBRACE" not in types('x := y {"k": 1}')
    assert "STRUCT_LBRACE" not in types("x := y\n{a, b} := d")


def test_no_struct_literal_directly_in_cond():
    for src in ["if done {}", "while x { y: 1 }", "for a in xs {}", "match r {}",
                "loop while x {}", "if a == b {}"]:
        assert "STRUCT_LBRACE" not in types(src), src
    assert "STRUCT_LBRACE" in types("if (P {x: 1}) == p {}")
    assert "STRUCT_LBRACE" in types("if f(P {x: 1}) {}")
    assert "STRUCT_LBRACE" in types("for p in [P {x: 1}] {}")
    assert "STRUCT_LBRACE" in types("if c { p := P {x: 1} }")


def test_no_struct_literal_after_struct_except_arrow():
    for src in ["struct P {}", "struct P { x: int }", "try {} except e {}",
                "func f() -> P {}", "g := func() -> P {}"]:
        assert "STRUCT_LBRACE" not in types(src), src


def test_pattern_openers():
    assert types("[a, b] := x")[0] == "PAT_LBRACKET"
    assert types("[a, b] = x")[0] == "PAT_LBRACKET"
    assert types("let {a, ...r} := x")[1] == "PAT_LBRACE"
    assert types("[a, b] == x")[0] == T("[")
    assert types("a[0] := 1")[1] == T("[")           # index assignment
    assert types("print(x)\n[a, b] := p")[4] == T("[")   # continues the call (§3.3)
    assert types("if c { }\n[a, b] := p")[4] == "PAT_LBRACKET"  # after a block


def test_bare_return():
    assert types("return")[0] == "RETURN_BARE"
    assert types("return;")[0] == "RETURN_BARE"
    assert types("{ return }")[1] == "RETURN_BARE"
    assert types("return x")[0] == T("return")
    assert types("return\n  -1")[0] == T("return")


def test_nesting_limit():
    ok = "x := " + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING
    assert len(toks(ok)) == 2 * MAX_NESTING + 3
    e = lex_error("x := " + "(" * 100_000)
    assert e.message == "Nesting too deep" and where(e) == (1, 6 + MAX_NESTING)


def test_first_error_is_deferred_until_reached():
    stream = get_parser().lexer.tokenize("a := 1\nb := @", "t.ruff")
    assert [t.value for t in stream.tokens] == ["a", ":=", "1", "b", ":="]
    assert stream.error is not None and stream.error.message == "Invalid character: '@'"


def test_error_str_has_position():
    e = lex_error("x := 'q'")
    assert str(e) == "t.ruff:1:6: error: Invalid character: '''"
