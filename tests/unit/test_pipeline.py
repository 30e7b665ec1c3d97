"""Every conformance program goes through the foundation stages: parse, lower to the
compact ruff IR, convert to xDSL, verify, print, parse back, and convert back unchanged."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import CONFORMANCE

from rufc.dialects.optable import verify_module
from rufc.frontend.errors import RuffSyntaxError
from rufc.frontend.irgen import lower_program
from rufc.frontend.parser import parse
from rufc.runtime.builtins import BUILTINS, CONSTANTS

NAMES = frozenset(BUILTINS) | frozenset(CONSTANTS)
PROGRAMS = sorted(CONFORMANCE.rglob("*.ruff")) if CONFORMANCE.is_dir() else []
VALID = [p for p in PROGRAMS if not p.name.startswith("syntax_")]
SYNTAX = [p for p in PROGRAMS if p.name.startswith("syntax_")]
EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.ruff"))


def lower(path: Path):  # type: ignore[no-untyped-def]
    return lower_program(parse(path.read_text(encoding="utf-8"), str(path)), NAMES)


@pytest.mark.parametrize("path", VALID + EXAMPLES, ids=lambda p: p.name)
def test_program_lowers_and_round_trips_through_xdsl(path: Path) -> None:
    from rufc.dialects.convert import from_xdsl, parse_module, print_module, to_xdsl, verify
    module = lower(path)
    verify_module(module)
    verify(module)
    assert from_xdsl(to_xdsl(module)) == module
    text = io.StringIO()
    print_module(module, text, debuginfo=True)
    again = parse_module(text.getvalue(), str(path))
    assert again == module
    text2 = io.StringIO()
    print_module(again, text2, debuginfo=True)
    assert text2.getvalue() == text.getvalue()


@pytest.mark.parametrize("path", VALID[:20], ids=lambda p: p.name)
def test_generic_form_round_trips(path: Path) -> None:
    from rufc.dialects.convert import parse_module, print_module
    module = lower(path)
    text = io.StringIO()
    print_module(module, text, generic=True, debuginfo=True)
    assert parse_module(text.getvalue(), str(path)) == module


@pytest.mark.parametrize("path", SYNTAX, ids=lambda p: p.name)
def test_syntax_error_programs_are_rejected_with_their_position(path: Path) -> None:
    expected = [line for line in path.with_suffix(".err").read_text().splitlines() if line]
    with pytest.raises(RuffSyntaxError) as info:
        lower(path)
    rendered = str(info.value)
    for line in expected:
        assert line in rendered
