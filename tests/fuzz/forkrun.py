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
import select
import signal
import sys
import time
from collections.abc import Sequence
from typing import NoReturn

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
    "INTERRUPTED" appended to stderr.

    The output comes through pipes read to their end, as `subprocess.run` reads them:
    a run is over when its process has exited *and* every process that inherited its
    output (a background compiler still logging for DEBUG_JIT) has closed it. (Files
    shared with the child were wrong: rewinding one to read it moved the offset that
    a still-running grandchild wrote at, and its late line overwrote the first one.)"""
    prepare()
    sys.stdout.flush()
    sys.stderr.flush()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(argv, env, (out_r, out_w), (err_r, err_w))
    try:
        os.setpgid(pid, pid)   # as the child does: whichever runs first
    except OSError:
        pass
    os.close(out_w)
    os.close(err_w)
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    reading = [out_r, err_r]
    deadline = time.monotonic() + timeout
    timed_out = interrupted = False
    status = None
    try:
        while reading or status is None:
            left = deadline - time.monotonic()
            if left <= 0:
                if interrupt and not interrupted and status is None:
                    os.kill(pid, signal.SIGINT)
                    interrupted = True
                    deadline = time.monotonic() + 5
                    continue
                _kill_group(pid)
                timed_out = True
                break
            if reading:
                ready, _, _ = select.select(reading, [], [], min(left, 0.02))
                for fd in ready:
                    data = os.read(fd, 1 << 16)
                    if data:
                        chunks[fd].append(data)
                    else:
                        reading.remove(fd)
            else:
                time.sleep(min(left, 0.002))
            if status is None:
                done, st = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = st
    finally:
        if status is None:
            _kill_group(pid)
            _, status = os.waitpid(pid, 0)
        os.close(out_r)
        os.close(err_r)
    stdout = b"".join(chunks[out_r]).decode("utf-8", "replace")
    stderr = b"".join(chunks[err_r]).decode("utf-8", "replace")
    if timed_out:
        return stdout, stderr + "\nTIMEOUT", -9
    if interrupted:
        stderr += "\nINTERRUPTED"
    if os.WIFSIGNALED(status):
        return stdout, stderr, -os.WTERMSIG(status)
    return stdout, stderr, os.WEXITSTATUS(status)


def _child(argv: Sequence[str], env: dict[str, str] | None,
           out: tuple[int, int], err: tuple[int, int]) -> NoReturn:
    """The forked run: `rufc ARGV` with stdout and stderr into the pipes OUT and ERR
    (read end, write end); it never returns."""
    code = 99
    try:
        os.setpgid(0, 0)   # its own group, so a timeout kills its compilers too
        for r, w, fd in (out + (1,), err + (2,)):
            os.close(r)
            os.dup2(w, fd)
            os.close(w)
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


def _kill_group(pid: int) -> None:
    """SIGKILL the run and every process of its group (its background compilers)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass
