"""Where `rufc FILE --emit=STAGE` writes: standard output, or the `-o OUT` file.

    out = open_output(path_or_None)     # UsageError if OUT cannot be written at all
    ... out.write(text) ...             # OutputError if a write fails
    out.commit()  or  out.discard()

`-o OUT` is written atomically: into a temporary file in OUT's directory, renamed over
OUT by `commit()`, so OUT is either left as it was or holds the whole output, and a
failure leaves nothing behind. An existing OUT that is not a regular file (`/dev/null`,
`/dev/full`, a FIFO) is written in place instead: renaming over it would replace it.
Failures with `-o` are usage errors (exit 2); failures on standard output are I/O errors
(exit 74, or 141 for a broken pipe; see `rufc.runtime.output`).
"""
from __future__ import annotations

import os
import stat
import sys
import tempfile
from typing import IO

from rufc.runtime.output import OutputError, stdout_closed

__all__ = ["open_output", "StdoutTarget", "FileTarget", "EXIT_USAGE"]

EXIT_USAGE = 2
_CHUNK = 1 << 16


class StdoutTarget:
    """Standard output; every failure becomes an OutputError."""

    def write(self, text: str) -> int:
        try:
            out = sys.stdout
            if out is None:  # started with file descriptor 1 closed
                raise stdout_closed()
            # In pieces: a write() that a closing reader cuts short can return without
            # an error, which a huge single write would then never see.
            for i in range(0, len(text), _CHUNK):
                out.write(text[i:i + _CHUNK])
            return len(text)
        except (OSError, ValueError) as exc:
            raise OutputError.of(exc) from None

    def flush(self) -> None:
        try:
            if sys.stdout is None:  # nothing can be pending: write() would have failed
                return
            sys.stdout.flush()
        except (OSError, ValueError) as exc:
            raise OutputError.of(exc) from None

    def close(self) -> None:
        """Nothing to close: standard output stays open."""

    def commit(self) -> None:
        self.flush()

    def discard(self) -> None:
        """What was written to standard output stays written."""


class FileTarget:
    """The file `path`, written through a temporary file (see the module doc)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.tmp: str | None = None
        self.stream: IO[str] | None = None
        try:
            st = os.stat(path)
        except FileNotFoundError:
            st = None
        except OSError as exc:
            raise self.error(exc) from None
        if st is not None and stat.S_ISDIR(st.st_mode):
            raise OutputError(path, "it is a directory", exit_code=EXIT_USAGE)
        try:
            if st is not None and not stat.S_ISREG(st.st_mode):
                self.stream = open(path, "w", encoding="utf-8")  # a device or a FIFO
                return
            directory = os.path.dirname(os.path.abspath(path))
            fd, self.tmp = tempfile.mkstemp(dir=directory,
                                            prefix=f".{os.path.basename(path)}.", suffix=".tmp")
            self.stream = os.fdopen(fd, "w", encoding="utf-8")
            if st is not None:
                mode = stat.S_IMODE(st.st_mode)
            else:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(self.tmp, mode)
        except OSError as exc:
            self.discard()
            raise self.error(exc) from None

    def error(self, exc: BaseException) -> OutputError:
        return OutputError.of(exc, self.path, EXIT_USAGE)

    def write(self, text: str) -> int:
        try:
            assert self.stream is not None
            return self.stream.write(text)
        except (OSError, ValueError) as exc:
            raise self.error(exc) from None

    def flush(self) -> None:
        try:
            assert self.stream is not None
            self.stream.flush()
        except (OSError, ValueError) as exc:
            raise self.error(exc) from None

    def close(self) -> None:
        """Finish writing (the caller still commits or discards)."""
        if self.stream is not None and not self.stream.closed:
            try:
                self.stream.close()
            except OSError as exc:
                raise self.error(exc) from None

    def commit(self) -> None:
        """Make OUT hold what was written; on failure, leave nothing behind."""
        try:
            self.close()
            if self.tmp is not None:
                os.replace(self.tmp, self.path)
                self.tmp = None
        except (OSError, OutputError) as exc:
            self.discard()
            raise self.error(exc) from None

    def discard(self) -> None:
        """Forget what was written; OUT is left as it was."""
        if self.stream is not None:
            try:
                self.stream.close()
            except OSError:
                pass
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass
            self.tmp = None


def open_output(path: str | None) -> StdoutTarget | FileTarget:
    return FileTarget(path) if path else StdoutTarget()
