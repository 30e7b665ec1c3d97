"""Runtime errors: the exceptions Ruff code can raise and catch.

`RuffError.message` is exactly the catalogue text of LANGUAGE.md §13 (or the thrown
message). Where it happened is not stored here: the VM recovers the Ruff source
position and call stack from the Python traceback of the generated code (see
`rufc.runtime.trace`), so raising costs nothing extra on the fast path.
"""
from __future__ import annotations

from typing import Any


class RuffError(Exception):
    """A Ruff runtime error. `value` is what `throw(v)` threw (None for built-in errors)."""

    def __init__(self, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.value = value


class FatalError(Exception):
    """A runtime error no Ruff `except` catches: the program ends with it (exit 4).

    Only one raises it: running out of memory in `x = x + y` on two strings, x a
    variable (docs/decisions.md, "Appending to a string"). That append is done in
    place where it can be, and CPython's in-place append frees x's string when it
    fails, so no handler could see x again; ending the program is the one answer
    every tier gives, whether or not that append happened to be in place."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def append_failed() -> None:
    """The `except MemoryError` of an append `x = x + y` (see FatalError)."""
    raise FatalError("Out of memory") from None


class InternalError(Exception):
    """A bug in rufc detected by rufc itself (exit code 70)."""


# What a Ruff `except` may catch (the VM then checks VM.is_ruff_error: a NameError
# only of an unbound global; anything else is a bug in rufc and not caught).
CATCHABLE: tuple[type[BaseException], ...] = (RuffError, RecursionError, NameError, MemoryError)
