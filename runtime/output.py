"""Buffered standard output for `print` (LANGUAGE.md §1, §11).

Printed lines collect in a list and go to `sys.stdout.buffer` as UTF-8 when the buffer
grows past ~64 KiB or on `flush()`. The driver calls `OUT.flush()` at exit and before
reporting an error, so output and error messages appear in program order.
`sys.stdout` is looked up at flush time, so redirecting it (tests) works.
"""
from __future__ import annotations

import sys

__all__ = ["Output", "OUT"]

_LIMIT = 1 << 16


class Output:
    """A line buffer in front of stdout."""
    __slots__ = ("_parts", "_size", "line_buffered")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        # When true (e.g. the driver sees an interactive terminal), every line is flushed.
        self.line_buffered = False

    def write_line(self, text: str) -> None:
        """Write text and a newline."""
        self._parts.append(text)
        self._size += len(text) + 1
        if self._size > _LIMIT or self.line_buffered:
            self.flush()

    def pending(self) -> str:
        """The text not yet written (for tests and diagnostics)."""
        return "".join(p + "\n" for p in self._parts)

    def flush(self) -> None:
        """Write everything buffered to stdout and flush it."""
        parts = self._parts
        if not parts:
            return
        text = "\n".join(parts) + "\n"
        self._parts = []
        self._size = 0
        out = sys.stdout
        buf = getattr(out, "buffer", None)
        if buf is not None:
            try:
                out.flush()  # anything written to sys.stdout directly goes first
            except (OSError, ValueError):
                pass
            buf.write(text.encode("utf-8", "surrogatepass"))
            buf.flush()
        else:
            out.write(text)
            out.flush()

    def discard(self) -> None:
        """Drop buffered output without writing it."""
        self._parts = []
        self._size = 0


OUT = Output()
