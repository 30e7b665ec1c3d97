"""Start-up: `rufc run` of `print(0)` against `python3 -c 'print(0)'`, in one run.

    python3 bench/startup.py [--repeat 30]

Rows (each the best and the median of --repeat runs, interleaved with CPython's so a
busy machine slows both alike; the ratios are to CPython's figure of the same run):
  python3 -c 'print(0)'      CPython's own start-up (the baseline)
  rufc run, warm cache        the program was run before: loaded from the cache
  rufc run, cold (new file)   a program the cache has not seen (lark's tables cached)
  rufc run, empty cache       the very first run: lark's tables are built too
  rufc run --no-cache         nothing read or written (tables built every time)
CPU time (user + system of the process) is shown too: it is less sensitive than wall
time to other load on the machine.
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


def one(cmd: list[str], env: dict[str, str], expect: bytes = b"0") -> tuple[float, float]:
    """(wall, cpu) seconds of one process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0 or r.stdout.strip() != expect:
        raise SystemExit(f"{cmd} failed: {r.stdout!r} {r.stderr!r}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    py = sys.executable
    rufc = shutil.which("rufc", path=os.path.dirname(py)) or shutil.which("rufc")
    rufc_cmd = [rufc] if rufc else [py, "-m", "rufc"]
    work = Path(tempfile.mkdtemp(prefix="rufc-startup-"))
    prog = work / "p0.ruff"
    prog.write_text("print(0)\n")
    env = dict(os.environ)
    env.pop("RUFC_NO_CACHE", None)
    warm_env = dict(env, RUFC_CACHE_DIR=str(work / "warm"))
    tables_env = dict(env, RUFC_CACHE_DIR=str(work / "tables"))
    one(rufc_cmd + ["run", str(prog)], warm_env)                # now cached
    one(rufc_cmd + ["run", "-c", "print(1)"], tables_env, b"1")  # lark's tables cached

    def cold() -> list[str]:
        shutil.rmtree(work / "tables" / "cold", ignore_errors=True)
        return rufc_cmd + ["run", str(prog)]

    def empty() -> list[str]:
        shutil.rmtree(work / "empty", ignore_errors=True)
        return rufc_cmd + ["run", str(prog)]

    rows = {
        "python3 -c 'print(0)'": (lambda: [py, "-c", "print(0)"], env),
        "rufc run, warm cache": (lambda: rufc_cmd + ["run", str(prog)], warm_env),
        "rufc run, cold (new file)": (cold, tables_env),
        "rufc run, empty cache": (empty, dict(env, RUFC_CACHE_DIR=str(work / "empty"))),
        "rufc run --no-cache": (lambda: rufc_cmd + ["run", "--no-cache", str(prog)], env),
    }
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in rows}
    for i in range(args.repeat):
        for name, (cmd, e) in rows.items():
            if name.endswith(("empty cache", "--no-cache")) and i >= max(args.repeat // 5, 3):
                continue  # slow rows: fewer runs
            times[name].append(one(cmd(), e))
    shutil.rmtree(work, ignore_errors=True)
    base = times["python3 -c 'print(0)'"]
    b_wall, b_cpu = min(t[0] for t in base), min(t[1] for t in base)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
          f"{platform.release()}; Python {platform.python_version()}; "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average "
          f"{os.getloadavg()[0]:.1f}; {args.repeat} runs.")
    print()
    print("| | wall, best | ratio | wall, median | CPU, best | ratio |")
    print("|---|---|---|---|---|---|")
    for name, ts in times.items():
        w, c = min(t[0] for t in ts), min(t[1] for t in ts)
        med = statistics.median(t[0] for t in ts)
        print(f"| {name} | {w * 1000:.1f} ms | {w / b_wall:.2f}x | {med * 1000:.1f} ms "
              f"| {c * 1000:.1f} ms | {c / b_cpu:.2f}x |")


if __name__ == "__main__":
    main()
