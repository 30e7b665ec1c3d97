"""Errors found before anything runs: lexical and syntax errors (exit code 3)."""
from __future__ import annotations

from rufc.frontend.ast import Loc


class RuffSyntaxError(Exception):
    """A lexical or syntax error at `loc`; the driver renders it as
    `file:line:col: error: message`, the source line and a caret."""

    def __init__(self, message: str, loc: Loc) -> None:
        super().__init__(message)
        self.message = message
        self.loc = loc

    def __str__(self) -> str:
        return f"{self.loc}: error: {self.message}"
