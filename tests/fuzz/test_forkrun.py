"""forkrun, the fuzzers' fast way to run rufc, must return what a subprocess returns."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import forkrun  # noqa: E402

import rufc.cli  # noqa: E402


def _main_with_a_late_grandchild(argv: list[str]) -> int:
    """A run that logs a line and leaves a process behind that logs one more after
    the run has exited, as a background compiler does under DEBUG_JIT."""
    sys.stderr.write("[jit] the first line of the run, long enough to be overwritten\n")
    sys.stderr.flush()
    print("out")
    if os.fork() == 0:
        time.sleep(0.3)
        os.write(2, b"[jit] late\n")
        os._exit(0)
    return 0


def test_output_of_a_process_outliving_the_run_is_kept_whole(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The files forkrun used to share with the child were rewound before reading:
    # the grandchild's late line then landed at offset 0, over the first line,
    # leaving the first line's tail behind as a line of its own.
    monkeypatch.setattr(rufc.cli, "main", _main_with_a_late_grandchild)
    out, err, code = forkrun.run(["run", "x"], timeout=30)
    assert (out, code) == ("out\n", 0)
    assert err == ("[jit] the first line of the run, long enough to be overwritten\n"
                   "[jit] late\n")


def _main_that_hangs(argv: list[str]) -> int:
    if os.fork() == 0:   # a process of the run's group that would outlive it
        time.sleep(60)
        os._exit(0)
    time.sleep(60)
    return 0


def test_a_timeout_kills_the_run_and_its_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rufc.cli, "main", _main_that_hangs)
    start = time.monotonic()
    _, err, code = forkrun.run(["run", "x"], timeout=0.5)
    assert code == -9 and err.endswith("TIMEOUT")
    assert time.monotonic() - start < 10
