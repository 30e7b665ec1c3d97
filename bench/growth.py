"""How the run time of an idiom grows with its size, in every tier: linear or not.

    python3 bench/growth.py                    # every case, sizes n, 2n, 4n
    python3 bench/growth.py --only string_global,rethrow --scale 0.5

Each case is a small Ruff program with a size N. It runs at N, 2N and 4N under
`rufc run --no-jit`, the default command and `--jit-threshold 0`; the table gives the
CPU time of each run (user + system, from `marginal.run_measured`, so the machine's
load matters less than for wall time) and the growth T(4N) / T(2N): about 2 when the cost is linear,
about 4 when it is quadratic. Every run's output is checked. The cases are idioms
issue 17 listed as quadratic (docs/decisions.md, "Appending to a string" and
"Catching at every level of a recursion"; linear since 2026-12-06) and, as a
control, a push to a global array. The sizes are large enough that start-up (about
0.4 s) does not hide the growth.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from marginal import run_measured  # bench/ is on sys.path when this script runs

TIERS: list[list[str]] = [["--no-jit"], [], ["--jit-threshold", "0"]]


def _append_loop(target: str, step: str) -> Callable[[int], str]:
    return lambda n: (f'mut {target} := ""\nmut i := 0\nwhile i < {n} {{\n'
                      f"    {step}\n    i += 1\n}}\n")


def string_global(n: int) -> str:
    """`s = s + "x"` at the top level (s a global)."""
    return _append_loop("s", 's = s + "x"')(n) + "print(len(s))\n"


def string_local(n: int) -> str:
    """`s = s + "x"` in a function, s a local the cold tier knows is a string."""
    return (f'func f(n) {{\n    mut s := ""\n    mut i := 0\n    while i < n {{\n'
            f'        s = s + "x"\n        i += 1\n    }}\n    return len(s)\n}}\n'
            f"print(f({n}))\n")


def string_local_unknown(n: int) -> str:
    """`s = s + "x"` in a function, s a local of unknown kind (from a parameter)."""
    return (f"func f(s0, n) {{\n    mut s := s0\n    mut i := 0\n    while i < n {{\n"
            f'        s = s + "x"\n        i += 1\n    }}\n    return len(s)\n}}\n'
            f'print(f("", {n}))\n')


def rethrow(n: int) -> str:
    """Catch and re-throw at every level of a recursion n deep."""
    return ('func f(n) {\n    if n == 0 {\n        throw("deep")\n    }\n    try {\n'
            "        return f(n - 1)\n    } except e {\n        throw(e)\n    }\n}\n"
            f"try {{\n    f({n})\n}} except e {{\n    print(e.message, len(e.stack))\n}}\n")


def array_global(n: int) -> str:
    """`a = push(a, i)` at the top level (the control: linear)."""
    return (f"mut a := []\nmut i := 0\nwhile i < {n} {{\n    a = push(a, i)\n"
            f"    i += 1\n}}\nprint(len(a))\n")


# case -> (program maker, N, expected output at size n)
CASES: dict[str, tuple[Callable[[int], str], int, Callable[[int], str]]] = {
    "string_global": (string_global, 500_000, lambda n: f"{n}\n"),
    "string_local": (string_local, 800_000, lambda n: f"{n}\n"),
    "string_local_unknown": (string_local_unknown, 800_000, lambda n: f"{n}\n"),
    # 4N stays under the default call-depth limit (10,000)
    "rethrow": (rethrow, 2_000, lambda n: "deep 2\n"),   # the stack of the last throw
    "array_global": (array_global, 500_000, lambda n: f"{n}\n"),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default=",".join(CASES), help="comma-separated cases")
    ap.add_argument("--scale", type=float, default=1.0, help="multiply every N")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    args = ap.parse_args()
    unknown = [name for name in args.only.split(",") if name not in CASES]
    if unknown:
        ap.error(f"unknown case {unknown[0]!r} (cases: {', '.join(CASES)})")
    rufc = [sys.executable, "-m", "rufc", "run"]
    print("| case | tier | T(N) s | T(2N) s | T(4N) s | T(4N)/T(2N) |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only.split(","):
            make, base, expected = CASES[name]
            n0 = max(int(base * args.scale), 1)
            for flags in TIERS:
                times = []
                for n in (n0, 2 * n0, 4 * n0):
                    path = Path(tmp) / f"{name}_{n}.ruff"
                    path.write_text(make(n), encoding="utf-8")
                    depth = ["--max-depth", str(n + 10)] if name == "rethrow" else []
                    run = run_measured(rufc + flags + depth + [str(path)], Path(tmp),
                                       args.timeout, None)
                    if run.rc != 0 or run.stdout != expected(n):
                        raise RuntimeError(f"{name} at {n} {flags}: exit {run.rc}, printed "
                                           f"{run.stdout!r}\n{run.stderr}")
                    times.append(run.cpu)
                tier = " ".join(flags) or "default"
                print(f"| {name} (N={n0}) | {tier} | " + " | ".join(f"{t:.2f}" for t in times)
                      + f" | {times[2] / max(times[1], 1e-9):.1f} |", flush=True)


if __name__ == "__main__":
    main()
