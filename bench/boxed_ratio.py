"""The cost of boxed paths in native code against the VM (issue 15), in one run:
each program end to end with --no-jit, with --jit-threshold 0 (boxed values on,
the default since 2026-12-05) compiling everything (no native-code cache), and the
same with the native code already in a cache of its own (filled by one run first):
median of 3 wall times, in turn, and the ratios native/VM.

    python3 bench/boxed_ratio.py [PROGRAM ...]   (default: bench/boxed_*.ruff)
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def wall(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "rufc", "run", *args], capture_output=True,
                       text=True, env=env)
    return time.perf_counter() - t0, r.stdout


def main(argv: list[str]) -> int:
    programs = [Path(a) for a in argv] or sorted(HERE.glob("boxed_*.ruff"))
    env = dict(os.environ, RUFC_JIT_SYNC="1", RUFC_NATIVE_CACHE="0")
    boxed = dict(env, RUFC_JIT_BOXED="1")   # whatever the caller's environment says
    with tempfile.TemporaryDirectory(prefix="rufc-bench-cache-") as cache:
        cached = dict(boxed, RUFC_NATIVE_CACHE="1", RUFC_CACHE_DIR=cache)
        for p in programs:
            wall(["--jit-threshold", "0", str(p)], cached)   # fills the cache
            vm, native, warm = [], [], []
            for _ in range(3):
                t, out_vm = wall(["--no-jit", str(p)], env)
                vm.append(t)
                t, out_native = wall(["--jit-threshold", "0", str(p)], boxed)
                native.append(t)
                t, out_warm = wall(["--jit-threshold", "0", str(p)], cached)
                warm.append(t)
                assert out_vm == out_native == out_warm, p
            a, b, c = (statistics.median(x) for x in (vm, native, warm))
            print(f"{p.name}: VM {a:.2f} s, native (boxed) {b:.2f} s ({b / a:.2f}x VM), "
                  f"cached {c:.2f} s ({c / a:.2f}x VM)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
