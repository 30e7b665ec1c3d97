"""Buffered standard output for `print` (LANGUAGE.md §1, §11).

Printed lines collect in a list and go to `sys.stdout.buffer` as UTF-8 when the buffer
grows past ~64 KiB or on `flush()`; when standard output is a terminal, every line
is written at once (line buffering), as CPython does: a user sees each line as it is
printed, while a pipe or a file gets large writes. The driver calls `OUT.flush()` at exit and before
reporting an error, so output and error messages appear in program order.
`sys.stdout` is looked up at flush time, so redirecting it (tests) works.

A failed write (the reader of a pipe went away, a full disk, a closed stdout) raises
`OutputError`, which Ruff code cannot catch and the driver reports (README, exit codes).
"""
from __future__ import annotations

import errno
import sys

__all__ = ["Output", "OUT", "OutputError", "EXIT_IO", "EXIT_BROKEN_PIPE", "stdout_is_terminal"]

#: Exit codes of output failures: sysexits' EX_IOERR, and 128 + SIGPIPE as a shell
#: reports a tool killed by SIGPIPE (`rufc run p.ruff | head -1`).
EXIT_IO = 74
EXIT_BROKEN_PIPE = 141


class OutputError(Exception):
    """Writing output failed. `target` names what was written ("standard output" or a
    path), `reason` says why, `broken_pipe` is true when the reader went away, and
    `exit_code` is what the driver exits with."""

    def __init__(self, target: str, reason: str, broken_pipe: bool = False,
                 exit_code: int = EXIT_IO) -> None:
        super().__init__(f"cannot write {target}: {reason}")
        self.target = target
        self.reason = reason
        self.broken_pipe = broken_pipe
        self.exit_code = EXIT_BROKEN_PIPE if broken_pipe else exit_code

    @classmethod
    def of(cls, exc: BaseException, target: str = "standard output",
           exit_code: int = EXIT_IO) -> OutputError:
        """The OutputError for an exception raised by a write or flush."""
        if isinstance(exc, OutputError):
            return exc
        if isinstance(exc, OSError):
            pipe = exc.errno == errno.EPIPE
            reason = exc.strerror if isinstance(exc.strerror, str) else str(exc)
            return cls(target, reason[:1].lower() + reason[1:], pipe, exit_code)
        return cls(target, str(exc) or type(exc).__name__, False, exit_code)


def stdout_closed() -> OSError:
    return OSError(errno.EBADF, "it is closed")

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
        """Write everything buffered to stdout and flush it; OutputError if that fails
        (what was buffered is dropped)."""
        parts = self._parts
        if not parts:
            return
        text = "\n".join(parts) + "\n"
        self._parts = []
        self._size = 0
        out = sys.stdout
        try:
            if out is None:  # started with file descriptor 1 closed
                raise stdout_closed()
            buf = getattr(out, "buffer", None)
            if buf is not None:
                out.flush()  # anything written to sys.stdout directly goes first
                data = text.encode("utf-8", "surrogatepass")
                if len(data) <= _LIMIT:
                    buf.write(data)
                else:  # in pieces: a big write() cut short by a closing reader can
                    view = memoryview(data)  # return without an error
                    for i in range(0, len(data), _LIMIT):
                        buf.write(view[i:i + _LIMIT])
                buf.flush()
            else:
                out.write(text)
                out.flush()
        except (OSError, ValueError) as exc:  # ValueError: the stream was closed
            raise OutputError.of(exc) from None

    def discard(self) -> None:
        """Drop buffered output without writing it."""
        self._parts = []
        self._size = 0


def stdout_is_terminal() -> bool:
    """Whether standard output is an interactive terminal (CPython's test for line
    buffering)."""
    out = sys.stdout
    try:
        return out is not None and out.isatty()
    except (OSError, ValueError, AttributeError):
        return False


OUT = Output()
OUT.line_buffered = stdout_is_terminal()
