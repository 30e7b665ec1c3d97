"""Big programs: how rufc's load and start-up time and memory grow with program size.

    python3 bench/bigprog.py --write DIR --lines 10000     # DIR/big10000.ruff and .py
    python3 bench/bigprog.py --measure [--sizes 1000,10000,50000] [--repeat 3]

The generated Ruff program has many small functions (a loop, an if/else, an array,
a call), a struct with a method every tenth function, and a top level that calls
every function and method once, so running it costs little beyond loading it. The
Python file is the same program, line for line where the languages allow.

--measure prints one Markdown table (bench/RESULTS.md, "Start-up and big programs"):
the wall time (best of --repeat) and peak memory (max RSS of the process) of
  rufc run, cold     the program is new to the cache (lark's tables are cached)
  rufc run, warm     the second run of the same file: loaded from the cache
  --emit=ruff        printing the `ruff` dialect IR (xDSL)
  run .mlir          `rufc run` of that printed IR, cold and warm
  python3 FILE.py    CPython compiling (no .pyc for a script) and running the Python
and the ratio of each to CPython. Every run's output is checked against CPython's.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LINES_PER_FUNCTION = 13   # 11 lines of function, a blank line, one call at the top level


def ruff_program(lines: int) -> str:
    """A Ruff program of about `lines` lines."""
    n = max(lines // LINES_PER_FUNCTION, 1)
    out: list[str] = []
    calls: list[str] = ["mut total := 0"]
    for k in range(n):
        out += [f"func f_{k}(a, b) {{",
                "    mut acc := 0",
                "    for i in range(a) {",
                "        if i % 3 == 0 {",
                "            acc := acc + i * b",
                "        } else {",
                f"            acc := acc - {k % 5 + 1}",
                "        }",
                "    }",
                "    arr := [a, b, acc]",
                "    return acc + len(arr)",
                "}"]
        calls.append(f"total := total + f_{k}(4, {k % 7})")
        if k % 10 == 9:
            out += [f"struct S_{k} {{",
                    "    x: int,",
                    "    y: int,",
                    "",
                    f"    func sum(self) {{ return self.x + self.y * {k % 3} }}",
                    "}"]
            calls.append(f"total := total + S_{k} {{ x: {k}, y: 2 }}.sum()")
        out.append("")
    return "\n".join(out + calls + ['print("total", total)']) + "\n"


def python_program(lines: int) -> str:
    """The same program in Python."""
    n = max(lines // LINES_PER_FUNCTION, 1)
    out: list[str] = []
    calls: list[str] = ["total = 0"]
    for k in range(n):
        out += [f"def f_{k}(a, b):",
                "    acc = 0",
                "    for i in range(a):",
                "        if i % 3 == 0:",
                "            acc = acc + i * b",
                "        else:",
                f"            acc = acc - {k % 5 + 1}",
                "    arr = [a, b, acc]",
                "    return acc + len(arr)"]
        calls.append(f"total = total + f_{k}(4, {k % 7})")
        if k % 10 == 9:
            out += [f"class S_{k}:",
                    "    __slots__ = ('x', 'y')",
                    "    def __init__(self, x, y):",
                    "        self.x, self.y = x, y",
                    f"    def sum(self): return self.x + self.y * {k % 3}"]
            calls.append(f"total = total + S_{k}({k}, 2).sum()")
        out.append("")
    return "\n".join(out + calls + ['print("total", total)']) + "\n"


def write(directory: Path, lines: int) -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    ruff = directory / f"big{lines}.ruff"
    py = directory / f"big{lines}.py"
    ruff.write_text(ruff_program(lines))
    py.write_text(python_program(lines))
    return ruff, py


# ---------------------------------------------------------------- measuring

def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in KiB, stdout) of one process (os.wait4: its own rusage)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = p.stdout.read(), p.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {err.decode()[-2000:]}")
    return wall, usage.ru_maxrss, out.decode()


def best(cmd: list[str], env: dict[str, str], repeat: int,
         before=None) -> tuple[float, int, str]:  # type: ignore[no-untyped-def]
    results = []
    for _ in range(repeat):
        if before is not None:
            before()
        results.append(run(cmd, env))
    wall = min(r[0] for r in results)
    return wall, max(r[1] for r in results), results[0][2]


def measure(sizes: list[int], repeat: int) -> str:
    py = sys.executable
    rufc = [py, "-m", "rufc"]
    work = Path(tempfile.mkdtemp(prefix="rufc-bigprog-"))
    cache = work / "cache"
    env = dict(os.environ, RUFC_CACHE_DIR=str(cache))
    env.pop("RUFC_NO_CACHE", None)
    run(rufc + ["run", "-c", "print(0)"], env)   # lark's tables in the cache

    def forget_programs() -> None:
        shutil.rmtree(cache / "cold", ignore_errors=True)

    rows = []
    for lines in sizes:
        ruff, pyfile = write(work, lines)
        mlir = ruff.with_suffix(".mlir")
        nlines = len(ruff.read_text().splitlines())
        r_py = best([py, str(pyfile)], env, repeat)
        expect = r_py[2]
        cells = {"python": r_py}
        cells["cold"] = best(rufc + ["run", str(ruff)], env, repeat, forget_programs)
        cells["warm"] = best(rufc + ["run", str(ruff)], env, repeat)
        cells["emit"] = best(rufc + [str(ruff), "--emit=ruff", "-o", str(mlir)], env,
                             max(1, repeat - 1))
        cells["mlir cold"] = best(rufc + ["run", str(mlir)], env, max(1, repeat - 1),
                                  forget_programs)
        cells["mlir warm"] = best(rufc + ["run", str(mlir)], env, repeat)
        for name in ("cold", "warm", "mlir cold", "mlir warm"):
            if cells[name][2] != expect:
                raise SystemExit(f"{name} at {lines} lines printed {cells[name][2]!r}, "
                                 f"CPython {expect!r}")
        rows.append((lines, nlines, cells))
    shutil.rmtree(work, ignore_errors=True)

    out = [f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
           f"{platform.system()} {platform.release()}; Python {platform.python_version()}; "
           f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; best of {repeat}.",
           "",
           "| lines | python3 FILE.py | rufc run, cold | rufc run, warm | --emit=ruff "
           "| run .mlir, cold | run .mlir, warm |",
           "|---|---|---|---|---|---|---|"]
    for _lines, nlines, cells in rows:
        base_t, base_m = cells["python"][0], cells["python"][1]
        row = [f"{nlines}", f"{base_t * 1000:.0f} ms, {base_m / 1024:.0f} MB"]
        for name in ("cold", "warm", "emit", "mlir cold", "mlir warm"):
            t, m, _ = cells[name]
            row.append(f"{t * 1000:.0f} ms ({t / base_t:.1f}x), {m / 1024:.0f} MB "
                       f"({m / base_m:.1f}x)")
        out.append("| " + " | ".join(row) + " |")
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=10000)
    ap.add_argument("--write", metavar="DIR")
    ap.add_argument("--measure", action="store_true")
    ap.add_argument("--sizes", default="1000,10000,50000")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    if args.write:
        for p in write(Path(args.write), args.lines):
            print(p)
    if args.measure:
        print(measure([int(s) for s in args.sizes.split(",")], args.repeat), end="")
    if not args.write and not args.measure:
        sys.stdout.write(ruff_program(args.lines))


if __name__ == "__main__":
    main()
