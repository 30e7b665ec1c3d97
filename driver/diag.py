"""The one format of every diagnostic rufc prints, source or IR, and its colours:

    FILE:LINE:COL: error: MESSAGE
        the source line
        ^

(`FILE: error: MESSAGE` alone when there is no position.) Colour, as clang and gcc use
it: the position bold, `error:` bold red, the caret bold green. It is on when standard
error is a terminal and NO_COLOR is unset or empty (`--color=auto`, https://no-color.org),
or forced with `--color=always|never`.

IR errors come from three places with three shapes (xDSL's ParseError with a span,
the ruff verifier's LocatedVerifyException, the compact form's IRError with a text
position at most); `ir_error` turns each into a (file, line, col, message) for `format`.
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from typing import Any

_RED, _GREEN, _BOLD, _RESET = "\033[31m", "\033[32m", "\033[1m", "\033[0m"
_SEVERITY = {"error": _BOLD + _RED, "runtime error": _BOLD + _RED, "note": _BOLD,
             "warning": _BOLD + "\033[35m"}


class _Colour:
    enabled = False


def set_colour(when: str, stream: Any = None) -> None:
    """--color=WHEN: auto (a terminal, NO_COLOR unset or empty, TERM not dumb), always,
    never."""
    if when == "always":
        _Colour.enabled = True
    elif when == "never":
        _Colour.enabled = False
    else:
        stream = sys.stderr if stream is None else stream
        try:
            tty = bool(stream.isatty())
        except (AttributeError, ValueError, OSError):
            tty = False
        _Colour.enabled = (tty and not os.environ.get("NO_COLOR")
                           and os.environ.get("TERM") != "dumb")


def colour_from_argv(argv: list[str]) -> None:
    """Set the colour before the command line is parsed, so that a usage error is
    coloured as asked too (the last --color wins, as argparse would have it)."""
    when = "auto"
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg.startswith("--color="):
            when = arg.split("=", 1)[1]
        elif arg == "--color" and i + 1 < len(argv):
            when = argv[i + 1]
    set_colour(when if when in ("always", "never") else "auto")


def colour_enabled() -> bool:
    return _Colour.enabled


def _paint(code: str, text: str) -> str:
    return f"{code}{text}{_RESET}" if _Colour.enabled and text else text


def caret(line_text: str, col: int) -> str:
    """The source line and a caret under column `col` (a window of a very long line)."""
    start = 0
    text = line_text
    if len(text) > 120:
        start = max(0, col - 60)
        text = text[start:start + 120]
    prefix = "".join(c if c == "\t" else " " for c in text[: max(col - 1 - start, 0)])
    return f"    {text}\n    {prefix}{_paint(_BOLD + _GREEN, '^')}\n"


def format(path: str, line: int, col: int, message: str, severity: str = "error",
           line_text: str | None = None) -> str:
    """One diagnostic, ending in a newline (see the module doc)."""
    where = f"{path}:{line}:{col}" if line > 0 else path
    head = (f"{_paint(_BOLD, where + ':')} {_paint(_SEVERITY.get(severity, _BOLD), severity + ':')}"
            f" {message}\n")
    if line > 0 and line_text is not None:
        head += caret(line_text, col)
    return head


def usage_error(message: str) -> str:
    return f"rufc: {_paint(_BOLD + _RED, 'error:')} {message}\n(see rufc --help)\n"


# ---------------------------------------------------------------- IR errors

_AT = re.compile(r"^(?P<op>\S+) at (?P<line>\d+):(?P<col>\d+): ")


def ir_error(exc: BaseException, default_file: str) -> tuple[str, int, int, str]:
    """(file, line, col, message) of an invalid-IR exception; line 0 when it has no
    position."""
    from xdsl.utils.exceptions import ParseError

    from rufc.dialects.convert import LocatedVerifyException
    if isinstance(exc, ParseError):
        loc = exc.span.get_location()
        text = exc.span.input.content
        if isinstance(text, str) and text.strip() and not text[exc.span.start:].strip():
            # at the end of the input: point just after its last character, as the
            # source diagnostics do
            end = len(text.rstrip())
            line = text.count("\n", 0, end) + 1
            return loc.file, line, end - (text.rfind("\n", 0, end) + 1) + 1, exc.msg.strip()
        return loc.file, loc.line, int(loc.col), exc.msg.strip()
    if isinstance(exc, LocatedVerifyException):
        return exc.file or default_file, exc.line, exc.col, exc.message
    text = str(exc).strip()
    m = re.match(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>.*)$", text, re.S)
    if m:   # already file:line:col (the nesting check)
        return m["file"], int(m["line"]), int(m["col"]), m["msg"]
    m = _AT.match(text)   # "ruff.x at 3:7: why" from the compact form
    if m and int(m["line"]):
        return default_file, int(m["line"]), int(m["col"]), f"'{m['op']}' " + text[m.end():]
    return default_file, 0, 0, text


def report_ir(exc: BaseException, default_file: str, line_of: Callable[[str, int], str | None]
              ) -> str:
    """The diagnostic of an invalid-IR exception; `line_of(file, n)` gives a source line
    for the caret (None when that file cannot be read)."""
    file, line, col, message = ir_error(exc, default_file)
    return format(file, line, col, message, line_text=line_of(file, line) if line else None)
