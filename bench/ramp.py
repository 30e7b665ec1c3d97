"""The ramp (issue 16): start-up and compilation, end to end, for print(0) and fib(20..35).

    python3 bench/ramp.py [--repeat 5] [--programs startup,fib_20,...] [--markdown]

Each cell is the median wall time of --repeat runs (runs of all systems interleaved, so
that other load on the machine slows them alike). Rows:

  rufc cold          the program was never run: empty native-code and cold-tier caches
                     (lark's tables cached), the JIT compiles in the background (fork)
  rufc cold thread   the same with RUFC_JIT_BACKGROUND=thread
  rufc cold sync     the same with --jit-sync (compiled at the call that gets hot)
  rufc warm          run before: cold-tier code and native code come from the cache
  rufc --no-jit      the cold tier alone (warm cold-tier cache)
  python3, pypy3, node: the same program in bench/programs/*.py, *.js

A background compilation that outlives the program (the worker stores its unit for the
next run) is waited for before the next measurement, so it never runs beside one.
"""
from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROGRAMS = Path(__file__).resolve().parents[2] / "shared" / "bench" / "programs"
DEFAULT = ["startup", "fib_20", "fib_25", "fib_30", "fib"]   # fib.ruff is fib(35)


CPU: dict[tuple[str, str], list[float]] = {}


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    """Wall time and output of one run; its CPU time (user + system, the process and
    the children it waited for) goes to LAST_CPU."""
    global LAST_CPU
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    LAST_CPU = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if r.returncode != 0:
        raise SystemExit(f"{cmd} failed ({r.returncode}): {r.stderr.decode()[-400:]}")
    return wall, r.stdout.decode()


LAST_CPU = 0.0


def entries(cache: Path) -> int:
    native = cache / "native"
    return len([p for p in native.iterdir() if not p.name.endswith(".tmp")]) if native.exists() else 0


def settle(cache: Path, expect: int, deadline: float = 10.0) -> None:
    """Wait until the worker of a run that ended has stored its units (`expect` of
    them), so that it never runs beside the next measurement."""
    end = time.time() + deadline
    while entries(cache) < expect and time.time() < end:
        time.sleep(0.02)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--programs", default=",".join(DEFAULT))
    ap.add_argument("--rows", default="")
    args = ap.parse_args()
    py = sys.executable
    rufc = [py, "-m", "rufc"]
    work = Path(tempfile.mkdtemp(prefix="rufc-ramp-"))
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("RUFC_", "DEBUG_JIT"))}
    tables = work / "tables"
    run(rufc + ["run", "-c", "print(1)"], dict(base, RUFC_CACHE_DIR=str(tables)))
    warm_dir = work / "warm"

    def cold_env(extra: dict[str, str] | None = None) -> tuple[dict[str, str], Path]:
        d = Path(tempfile.mkdtemp(dir=work))
        shutil.copytree(tables, d, dirs_exist_ok=True)   # lark's tables only
        return dict(base, RUFC_CACHE_DIR=str(d), **(extra or {})), d

    rows: dict[str, object] = {
        "rufc cold": lambda p: (rufc + ["run", p], *cold_env()),
        "rufc cold thread": lambda p: (rufc + ["run", p], *cold_env({"RUFC_JIT_BACKGROUND": "thread"})),
        "rufc cold sync": lambda p: (rufc + ["run", "--jit-sync", p], *cold_env()),
        "rufc warm": lambda p: (rufc + ["run", p], dict(base, RUFC_CACHE_DIR=str(warm_dir)), None),
        "rufc --no-jit": lambda p: (rufc + ["run", "--no-jit", p],
                                    dict(base, RUFC_CACHE_DIR=str(warm_dir)), None),
        "python3": lambda p: ([py, p[:-5] + ".py"], base, None),
    }
    if shutil.which("pypy3"):
        rows["pypy3"] = lambda p: (["pypy3", p[:-5] + ".py"], base, None)
    if shutil.which("node"):
        rows["node"] = lambda p: (["node", p[:-5] + ".js"], base, None)
    if args.rows:
        rows = {k: v for k, v in rows.items() if k in args.rows.split(",")}
    names = args.programs.split(",")
    times: dict[tuple[str, str], list[float]] = {}
    for name in names:
        prog = str(PROGRAMS / f"{name}.ruff")
        # fill the warm cache: a synchronous run stores the native code it compiles
        before = entries(warm_dir)
        run(rufc + ["run", "--jit-sync", prog], dict(base, RUFC_CACHE_DIR=str(warm_dir)))
        units = entries(warm_dir) - before
        expect = None
        for _ in range(args.repeat):
            for row, make in rows.items():
                cmd, env, cache = make(prog)   # type: ignore[operator]
                wall, out = run(cmd, env)
                if expect is None:
                    expect = out
                elif out != expect:
                    raise SystemExit(f"{row} {name}: output {out!r} != {expect!r}")
                times.setdefault((row, name), []).append(wall)
                CPU.setdefault((row, name), []).append(LAST_CPU)
                if cache is not None:
                    settle(cache, units)
                    shutil.rmtree(cache, ignore_errors=True)
        print(f"# {name} done", file=sys.stderr)
    print_tables(list(rows), names, times, args.repeat)
    shutil.rmtree(work, ignore_errors=True)


def print_tables(rows: list[str], names: list[str], times: dict[tuple[str, str], list[float]],
                 repeat: int) -> None:
    """The report: median wall and CPU times per row and program, and the speed-up over
    CPython (apart from the measuring loop in `main`, which it would make too complex)."""
    header = "| | " + " | ".join("fib(35)" if n == "fib" else n for n in names) + " |"
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
          f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
          f"median of {repeat} wall times (s)")
    print()
    print(header)
    print("|---" * (len(names) + 1) + "|")
    for row in rows:
        cells = [f"{statistics.median(times[(row, n)]):.3f}" for n in names]
        print(f"| {row} | " + " | ".join(cells) + " |")
    print()
    print("CPU time (user + system, s; a background worker that outlives the program "
          "is not counted)")
    print()
    print(header)
    print("|---" * (len(names) + 1) + "|")
    for row in rows:
        cells = [f"{statistics.median(CPU[(row, n)]):.3f}" for n in names]
        print(f"| {row} | " + " | ".join(cells) + " |")
    if "python3" in rows:
        print()
        print("Wall time: x faster than CPython")
        print()
        for row in rows:
            if row.startswith("rufc"):
                ratio = [statistics.median(times[("python3", n)]) /
                         statistics.median(times[(row, n)]) for n in names]
                print(f"| {row} vs CPython (x faster) | " +
                      " | ".join(f"{r:.2f}" for r in ratio) + " |")


if __name__ == "__main__":
    main()
