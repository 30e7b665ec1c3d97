"""The thread rufc runs programs on, where the address space is limited (`ulimit -v`).

rufc parses and runs on a thread with a 1 GiB stack (address space only; pages are
used lazily). Under RLIMIT_AS that stack may not fit: rufc then takes a smaller one,
sizes the call-depth limit to it (runtime/stack.py, BYTES_PER_CALL; a warning says
so), and when not even that fits, or memory runs out before a program runs, says
`out of memory` with exit 4. Before, each of these was an internal error (exit 70).
"""
from __future__ import annotations

import resource
import subprocess
import sys
import threading

import pytest

from rufc.runtime import stack

_PROGRAM = """\
func r(n) {
    if n == 0 { return 0 }
    return map([n], func(k) { return r(k - 1) + 1 })[0]
}
func s(n) {
    if n == 0 { return 0 }
    return s(n - 1) + 1
}
print(s(9000), r(4000))
try { print(r(200000)) } except e { print(e.message) }
"""


def _limit(nbytes: int):
    def set_limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (nbytes, nbytes))
    return set_limit


@pytest.mark.parametrize("flags", [["--no-jit"], [], ["--jit-threshold", "0"]],
                         ids=["vm", "default", "jit"])
def test_a_limited_address_space_runs_on_a_smaller_stack(flags: list[str], tmp_path) -> None:
    """700 MB of address space: no room for 1 GiB of stack, so 128 MiB, and the depth
    limit asked for (a million) becomes what that holds (65536): a recursion past it
    ends in the depth error, in every tier, never in a crash."""
    src = tmp_path / "p.ruff"
    src.write_text(_PROGRAM)
    proc = subprocess.run([sys.executable, "-m", "rufc", "run", *flags, "--max-depth",
                           "1000000", str(src)], capture_output=True, text=True,
                          timeout=300, preexec_fn=_limit(700 << 20))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "9000 4000\nMaximum call stack depth of 65536 exceeded\n"
    assert proc.stderr == ("rufc: warning: the address space leaves the program a 128 MiB "
                           "stack: the call-depth limit is 65536, not 1000000\n")


def test_the_default_depth_fits_a_smaller_stack(tmp_path) -> None:
    src = tmp_path / "p.ruff"
    src.write_text("func s(n) {\n    if n == 0 { return 0 }\n    return s(n - 1) + 1\n}\n"
                   "print(s(9000))\n")
    proc = subprocess.run([sys.executable, "-m", "rufc", "run", str(src)],
                          capture_output=True, text=True, timeout=300,
                          preexec_fn=_limit(700 << 20))
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "9000\n", "")


def test_no_room_for_any_stack_is_out_of_memory(monkeypatch) -> None:
    def refuse(self: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")
    monkeypatch.setattr(threading.Thread, "start", refuse)
    monkeypatch.setattr(stack.time, "sleep", lambda s: None)
    with pytest.raises(stack.StackUnavailable):
        stack.call_with_big_stack(lambda: 1)
    assert threading.stack_size() == 0   # the process's setting is given back


def test_a_thread_that_cannot_start_at_first_gets_a_smaller_stack(monkeypatch) -> None:
    """The 1 GiB is refused (by the patched start), an eighth of it is not; fn sees the
    size it runs on, and threads started later get Python's default size."""
    real = threading.Thread.start
    asked: list[int] = []

    def start(self: threading.Thread) -> None:
        size = threading.stack_size()   # (which also sets it back to 0)
        threading.stack_size(size)
        asked.append(size)
        if size == stack.DEFAULT_STACK_BYTES:
            raise RuntimeError("can't start new thread")
        real(self)
    monkeypatch.setattr(threading.Thread, "start", start)
    monkeypatch.setattr(stack.time, "sleep", lambda s: None)
    got = stack.call_with_big_stack(stack.granted_stack_bytes)
    assert got == stack.DEFAULT_STACK_BYTES // 8
    assert asked == [stack.DEFAULT_STACK_BYTES] * 4 + [got]
    assert threading.stack_size() == 0


def test_out_of_memory_before_the_program_runs_is_not_an_internal_error(tmp_path) -> None:
    """No stack at all (every thread refused): `out of memory`, exit 4."""
    src = tmp_path / "p.ruff"
    src.write_text('print("never")\n')
    driver = ("import sys, threading\n"
              "def refuse(self): raise RuntimeError(\"can't start new thread\")\n"
              "threading.Thread.start = refuse\n"
              "from rufc.runtime import stack\n"
              "stack.time.sleep = lambda s: None\n"
              "from rufc.cli import main\n"
              f"sys.exit(main(['run', {str(src)!r}]))\n")
    proc = subprocess.run([sys.executable, "-c", driver], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 4
    assert proc.stdout == ""
    assert proc.stderr == ("rufc: error: out of memory: cannot start a thread with a 32 MiB "
                           "stack (is the address space limited? `ulimit -v`)\n")
