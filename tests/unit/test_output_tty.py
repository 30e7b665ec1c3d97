"""stdout is line-buffered on a terminal and block-buffered otherwise, as in CPython."""
from __future__ import annotations

import os
import select
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pty")


def _read_until(fd: int, text: bytes, timeout: float) -> bytes:
    got = b""
    end = time.monotonic() + timeout
    while text not in got and time.monotonic() < end:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            got += chunk
    return got


def test_lines_appear_at_once_on_a_terminal() -> None:
    """A program that prints and then runs forever: on a terminal its first line is
    there while it still runs (block buffering would show nothing until exit)."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rufc", "run", "--no-jit", "-c",
         'print("first line")\nmut i := 0\nwhile true { i := i + 1 }'],
        stdin=subprocess.DEVNULL, stdout=slave, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        got = _read_until(master, b"first line", timeout=60)
        assert b"first line" in got, (got, proc.poll())
        assert proc.poll() is None  # still in its endless loop
    finally:
        proc.kill()
        proc.wait()
        os.close(master)


def _line_buffered(stdout) -> str:  # type: ignore[no-untyped-def]
    code = "from rufc.runtime.output import OUT; import sys; sys.stderr.write(str(OUT.line_buffered))"
    r = subprocess.run([sys.executable, "-c", code], stdout=stdout, stderr=subprocess.PIPE,
                       text=True, timeout=60)
    return r.stderr


def test_block_buffered_on_a_pipe_or_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert _line_buffered(subprocess.PIPE) == "False"
    with open(tmp_path / "out", "w") as fh:
        assert _line_buffered(fh) == "False"
    master, slave = os.openpty()
    try:
        assert _line_buffered(slave) == "True"
    finally:
        os.close(slave)
        os.close(master)
