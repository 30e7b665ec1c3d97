"""Run `rufc` many times quickly: a parent that has imported the whole compiler once
forks a child per run, which calls `rufc.cli.main(argv)` with its stdout and stderr
sent to files.

Why: a long fuzz run starts `rufc` tens of thousands of times, and each start pays
~0.2 s importing xDSL and llvmlite on a shared 2-core machine. A forked child pays
nothing for that, and still starts from a clean state (nothing of a run survives into
the next one). The result is the same triple a subprocess gives (stdout, stderr, exit
code); the bounded CI tests keep using real subprocesses, so `python -m rufc` itself
stays tested.
"""
from __future__ import annotations

import io
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence

_READY = False


def prepare() -> None:
    """Import everything a run may need (the hot tier included) before forking."""
    global _READY
    if _READY:
        return
    import rufc.backend.engine  # noqa: F401
    import rufc.cli  # noqa: F401
    import rufc.dialects.convert  # noqa: F401
    import rufc.passes.pipeline  # noqa: F401
    import rufc.runtime.tiering  # noqa: F401
    _READY = True


def run(argv: Sequence[str], timeout: float = 60.0, env: dict[str, str] | None = None,
        interrupt: bool = False) -> tuple[str, str, int]:
    """(stdout, stderr, exit code) of `rufc ARGV`, with standard input empty; exit -9
    and "TIMEOUT" in stderr if the run took longer than `timeout` seconds, -N if a
    signal N killed it. With `interrupt`, a run still going at `timeout` gets SIGINT
    (as from ^C) and five more seconds to stop, and its own exit code is returned with
    "INTERRUPTED" appended to stderr."""
    prepare()
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            code = 99
            try:
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                # fresh standard streams on the new descriptors, as Python makes them
                # (the parent's may be pytest's capture objects)
                sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
                sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)),
                                              encoding="utf-8")
                sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
                                              encoding="utf-8", errors="backslashreplace",
                                              line_buffering=True)
                sys.__stdout__, sys.__stderr__ = sys.stdout, sys.stderr
                signal.signal(signal.SIGINT, signal.default_int_handler)
                if env is not None:
                    os.environ.clear()
                    os.environ.update(env)
                from rufc.cli import main
                code = main(list(argv))
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:  # noqa: BLE001 - reported as exit 99 by the parent
                code = 99
            finally:
                os._exit(code)
        deadline = time.monotonic() + timeout
        timed_out = interrupted = False
        delay = 0.0005
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            if time.monotonic() > deadline:
                if interrupt and not interrupted:
                    os.kill(pid, signal.SIGINT)
                    interrupted = True
                    deadline = time.monotonic() + 5
                    continue
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                timed_out = True
                break
            time.sleep(delay)
            delay = min(delay * 2, 0.02)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if timed_out:
        return stdout, stderr + "\nTIMEOUT", -9
    if interrupted:
        stderr += "\nINTERRUPTED"
    if os.WIFSIGNALED(status):
        return stdout, stderr, -os.WTERMSIG(status)
    return stdout, stderr, os.WEXITSTATUS(status)
