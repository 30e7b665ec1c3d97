"""A generator of Ruff programs aimed at the hot tier, and a tier-differential runner.

Each program declares a few functions of numbers (int or float parameters, loops,
branches, calls of earlier functions, math builtins, typed arrays read, written and
pushed), warms each one up so that it compiles, then calls it again with arguments
near the i64 limits, with zeros, and with values of other kinds (strings, bools,
arrays), printing each result or error. Everything is drawn from a
`random.Random(seed)`, so a seed reproduces its program exactly.

    python3 tests/fuzz/jitgen.py SEED                  # print one program
    python3 tests/fuzz/jitgen.py --run --seconds 600   # fuzz for ten minutes

`--run` runs every program with `--no-jit`, the default threshold and
`--jit-threshold 0`, and reports any seed whose stdout, stderr or exit code differ,
or that ends in an internal error (exit 70). tests/fuzz/test_jit_fuzz.py runs a
bounded number of seeds in CI.
"""
from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from pathlib import Path

INTS = ["0", "1", "2", "3", "-1", "7", "100", "9223372036854775807",
        "-9223372036854775807 - 1", "3037000499", "4611686018427387904"]
FLOATS = ["0.0", "-0.0", "0.5", "1.5", "2.25", "0.1", "1000000000000000000000.0"]
OTHERS = ['"s"', "true", "[1, 2]", "[0.5]", "null"]


class JitGen:
    """One program; `kinds` of the functions drive what their bodies may do."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.funcs: list[tuple[str, str, int, bool]] = []   # (source, kind, params, array)

    def lit(self, kind: str) -> str:
        return self.r.choice(INTS if kind == "int" else FLOATS)

    def expr(self, names: list[str], depth: int, kind: str) -> str:
        r = self.r
        if depth <= 0 or r.random() < 0.3:
            return r.choice(names) if names and r.random() < 0.6 else self.lit(kind)
        e = f"({self.expr(names, depth - 1, kind)} {r.choice('+-*/%')} " \
            f"{self.expr(names, depth - 1, kind)})"
        if r.random() < 0.1:
            e = f"{r.choice(['abs', 'sqrt', 'floor', 'ceil'])}({e})"
        elif r.random() < 0.1:
            e = f"{r.choice(['min', 'max'])}({e}, {self.expr(names, depth - 1, kind)})"
        return e

    def cond(self, names: list[str], kind: str) -> str:
        op = self.r.choice(["<", "<=", ">", ">=", "==", "!="])
        return f"{self.expr(names, 1, kind)} {op} {self.expr(names, 1, kind)}"

    def statement(self, body: list[str], names: list[str], kind: str, index: int,
                  array: bool) -> None:
        r = self.r
        c = r.random()
        if c < 0.25:
            body.append(f"    acc = {self.expr(names, 3, kind)}")
        elif c < 0.4:
            start, stop, step = r.choice(["0", "3", "-2"]), r.choice(["4", "10", "0"]), \
                r.choice(["1", "2", "-1", "3"])
            loop_names = names + ["i"] if kind == "int" else names
            body += [f"    for i in range({start}, {stop}, {step}) {{",
                     f"        acc = {self.expr(loop_names, 2, kind)}",
                     "        if acc > 1000000 { break }" if r.random() < 0.3 else "",
                     "    }"]
        elif c < 0.5:
            body += [f"    if {self.cond(names, kind)} {{",
                     f"        return {self.expr(names, 2, kind)}", "    }"]
        elif c < 0.6:
            body += ["    n := 0", f"    while n < {r.randint(0, 5)} {{",
                     f"        acc = {self.expr(names, 2, kind)}", "        n = n + 1", "    }"]
        elif c < 0.75 and index > 0:
            callee = r.randrange(index)
            _, ckind, cparams, carray = self.funcs[callee]
            args = [self.expr(names, 1, ckind) if ckind == kind else self.lit(ckind)
                    for _ in range(cparams)]
            if carray:
                args[0] = "xs" if array and ckind == kind else "[" + self.lit(ckind) + "]"
            call = f"f{callee}({', '.join(args)})"
            body.append(f"    acc = acc + {call}" if ckind == kind else f"    {call}")
        elif array:
            i = r.choice(["0", "1", "-1", "len(xs)", "0 - len(xs) - 1", "k"])
            body += [f"    k := {r.choice(['0', '1', '2', '-1'])}",
                     r.choice([f"    acc = acc + xs[{i}]", f"    xs[{i}] = {self.expr(names, 1, kind)}",
                               f"    xs = push(xs, {self.expr(names, 1, kind)})",
                               "    acc = acc + len(xs) * 0" + (".0" if kind == "float" else "")])]
        else:
            body.append(f"    acc = acc + {self.expr(names, 2, kind)}")

    def function(self, index: int) -> None:
        r = self.r
        kind = r.choice(["int", "int", "float"])
        array = r.random() < 0.35
        params = (["xs"] if array else []) + ["a", "b"][: r.randint(1, 2)]
        names = [p for p in params if p != "xs"] + ["acc"]
        body = [f"    acc := {self.lit(kind)}"]
        for _ in range(r.randint(1, 5)):
            self.statement(body, names, kind, index, array)
        body.append("    return acc")
        src = f"func f{index}({', '.join(params)}) {{\n" + \
            "\n".join(line for line in body if line) + "\n}"
        self.funcs.append((src, kind, len(params), array))

    def program(self) -> str:
        r = self.r
        for i in range(r.randint(1, 4)):
            self.function(i)
        main: list[str] = []
        for i, (_, kind, nparams, array) in enumerate(self.funcs):
            vals = INTS if kind == "int" else FLOATS
            warm = [("[" + ", ".join(r.choice(vals) for _ in range(3)) + "]") if array and j == 0
                    else (r.choice(vals) if r.random() < 0.5 else ("k" if kind == "int" else "0.5 * k"))
                    for j in range(nparams)]
            main += [f"for k in range({r.choice([1, 150])}) {{", "    try {",
                     f"        f{i}({', '.join(warm)})", "    } except e {", "    }", "}"]
            for _ in range(2):
                args = [r.choice(OTHERS) if r.random() < 0.2 else
                        (("[" + r.choice(vals) + "]") if array and j == 0 else r.choice(vals))
                        for j in range(nparams)]
                main += ["try {", f"    print(f{i}({', '.join(args)}))", "} except e {",
                         "    print(e.message, e.line, e.stack)", "}"]
        return "\n".join(s for s, _, _, _ in self.funcs) + "\n" + "\n".join(main) + "\n"


def generate(seed: int) -> str:
    return JitGen(seed).program()


TIERS = (["--no-jit"], [], ["--jit-threshold", "0"])


def run_tiers(path: Path) -> list[tuple[str, str, int]]:
    out = []
    for flags in TIERS:
        p = subprocess.run([sys.executable, "-m", "rufc", "run", *flags, str(path)],
                           capture_output=True, text=True, timeout=120)
        out.append((p.stdout, p.stderr, p.returncode))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seed", nargs="?", type=int, default=0)
    ap.add_argument("--run", action="store_true", help="fuzz the tiers against each other")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--dir", default="/tmp/rufc-jitfuzz")
    args = ap.parse_args()
    if not args.run:
        sys.stdout.write(generate(args.seed))
        return
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    end = time.monotonic() + args.seconds
    seed, bad = args.seed, 0
    while time.monotonic() < end:
        path = folder / f"jit_{seed}.ruff"
        path.write_text(generate(seed), encoding="utf-8")
        outs = run_tiers(path)
        if not outs[0] == outs[1] == outs[2] or any(code == 70 for _, _, code in outs):
            bad += 1
            print(f"seed {seed}: tiers differ or internal error (kept {path})", flush=True)
        else:
            path.unlink()
        seed += 1
    print(f"{seed - args.seed} programs, {bad} failing")


if __name__ == "__main__":
    main()
