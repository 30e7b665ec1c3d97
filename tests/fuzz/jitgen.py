"""A generator of Ruff programs aimed at the hot tier, and a tier-differential runner.

Each program declares a few functions of numbers (int or float parameters, loops,
branches, calls of earlier functions, math builtins, typed arrays read, written and
pushed), warms each one up so that it compiles, then calls it again with arguments
near the i64 limits, with zeros, and with values of other kinds (strings, bools,
arrays), printing each result or error. Then one to three sections of: a function whose
body suits many kinds (+, *, [], len, <, /), warmed with one kind and called with strings,
arrays, floats (inf, NaN, the extremes), bools and null; a recursion (also to the
call-depth limit and past it); a closure updating a captured variable; a function
reading a global that is rebound to other kinds after warm-up; a hot loop at the top
level. Everything is drawn from a `random.Random(seed)`,
so a seed reproduces its program exactly.

    python3 tests/fuzz/jitgen.py SEED                  # print one program
    python3 tests/fuzz/jitgen.py --run --seconds 600   # fuzz for ten minutes
    python3 tests/fuzz/jitgen.py 1000 --run --count 10000 --seconds 1e9   # 10,000 seeds

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
CORNERS = ['parse_float("inf")', 'parse_float("-inf")', 'parse_float("NaN")',
           'parse_float("1.7976931348623157e308")', 'parse_float("5e-324")',
           'parse_float("-2.2250738585072014e-308")', "9007199254740993.0"]
OTHERS = ['"s"', '""', "true", "false", "[1, 2]", "[0.5]", "[]", '["a", 1]', "null", '{"k": 1}']
ANY = INTS[:4] + FLOATS[:4] + ['"ab"', '"xyz"', "[1, 2, 3]", "[0.5, 1.5]", "true", "null",
                               'parse_float("NaN")', "9223372036854775807"]


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
        extras = [self.polymorphic, self.recursion, self.closure, self.rebound_global,
                  self.top_level_loop, self.string_append, self.rethrow]
        for _ in range(r.randint(1, 3)):
            r.choice(extras)(main)
        return "\n".join(s for s, _, _, _ in self.funcs) + "\n" + "\n".join(main) + "\n"

    # ---- sections beyond the numeric functions: each appends definitions and calls to
    # `main`; names carry a fresh number so that sections never collide.
    def fresh(self) -> int:
        self.counter = getattr(self, "counter", 0) + 1
        return self.counter

    def guarded(self, main: list[str], call: str) -> None:
        main += ["try {", f"    print({call})", "} except e {",
                 "    print(e.message, e.line, e.stack)", "}"]

    def warm(self, main: list[str], call: str, n: int | None = None) -> None:
        n = n if n is not None else self.r.choice([1, 120, 150])
        main += [f"for k in range({n}) {{", "    try {", f"        {call}",
                 "    } except e {", "    }", "}"]

    def polymorphic(self, main: list[str]) -> None:
        """A function whose body is valid for several kinds (+, *, [], len, ==),
        warmed up with one kind, then called with every other."""
        r, n = self.r, self.fresh()
        body = r.sample([
            "    r := a + b", "    r := a * 2", "    r := a[0]", "    r := len(a)",
            "    r := a == b", "    r := b + a + b", "    r := a[len(a) - 1]",
            "    r := a[b]", "    r := -a", "    r := a < b", "    r := a / b"], r.randint(1, 3))
        body = [body[0]] + [line.replace("r :=", "r =") for line in body[1:]]
        src = f"func p{n}(a, b) {{\n" + "\n".join(body) + "\n    return r\n}"
        self.funcs.append((src, "any", 2, False))
        warm_a, warm_b = r.choice([("k", "1"), ('"ab"', '"c"'), ("[k, 1]", "0"),
                                   ("0.5 * k", "2.5"), ("[1.5, 2.5]", "1"), ('[k, "x"]', "0")])
        self.warm(main, f"p{n}({warm_a}, {warm_b})")
        for _ in range(r.randint(2, 5)):
            self.guarded(main, f"p{n}({r.choice(ANY + CORNERS)}, {r.choice(ANY + INTS)})")

    def recursion(self, main: list[str]) -> None:
        r, n = self.r, self.fresh()
        kind = r.choice(["int", "float"])
        op = r.choice(["+", "-", "*", "%", "/"])
        src = (f"func r{n}(n, x) {{\n    if n <= 0 {{ return x }}\n"
               f"    if n % {r.choice([2, 3, 7])} == 0 {{ return r{n}(n - 1, x {op} n) }}\n"
               f"    return r{n}(n - 1, x) {r.choice('+-*')} {self.lit(kind)}\n}}")
        self.funcs.append((src, kind, 2, False))
        self.warm(main, f"r{n}(k % 20, {self.lit(kind)})")
        for _ in range(r.randint(1, 3)):
            # 9999: 10000 nested calls, the default call-depth limit (they run);
            # 10000 and 20000 pass it (every tier fails the same call, N + 1)
            depth = r.choice(["0", "5", "50", "400", "-1", "9999", "10000", "20000"])
            self.guarded(main, f"r{n}({depth}, {r.choice(INTS + FLOATS + CORNERS + OTHERS)})")

    def closure(self, main: list[str]) -> None:
        r, n = self.r, self.fresh()
        upd = r.choice(["t = t + x", "t = t * x", "t = x - t", "t = t + len(x)",
                        "t = push(t, x)", "t = t % x"])
        src = (f"func mk{n}(c) {{\n    mut t := c\n    return func(x) {{\n"
               f"        {upd}\n        return t\n    }}\n}}")
        self.funcs.append((src, "any", 1, False))
        start = r.choice(INTS + FLOATS + ['""', "[]", '"s"'])
        main.append(f"c{n} := mk{n}({start})")
        arg = r.choice(["k", "1", "0.5", '"x"', "[k]", "0", "2"])
        self.warm(main, f"c{n}({arg})")
        for _ in range(r.randint(1, 3)):
            self.guarded(main, f"c{n}({r.choice(ANY + CORNERS)})")

    def string_append(self, main: list[str]) -> None:
        """`x = x + y` on a local and on a global (appended in place where x holds the
        only reference): warmed up with strings, then called with other kinds (a
        failed `+` leaves x as it was), with another variable keeping x's old string,
        and with x appended to itself."""
        r, n = self.r, self.fresh()
        body = [f"func sa{n}(a, b, m) {{", "    mut s := a", "    mut keep := a",
                "    mut i := 0", "    while i < m {"]
        if r.random() < 0.5:
            body.append("        keep = s")
        body.append("        s = s + b")
        if r.random() < 0.3:
            body.append("        if i % 4 == 0 { s = s + s }")
        if r.random() < 0.3:
            body.append(f"        s = s + {r.choice(['to_string(i)', 'i', 'b + b'])}")
        body += ["        i += 1", "    }", "    return [s, keep]", "}"]
        self.funcs.append(("\n".join(body), "any", 3, False))
        piece = r.choice(['"ab"', '"é"', '"x"'])
        self.warm(main, f'sa{n}("", {piece}, k % 6)')
        for _ in range(r.randint(2, 4)):
            a, b = r.choice(ANY + ['""']), r.choice(ANY + ['"q"', '""'])
            self.guarded(main, f"sa{n}({a}, {b}, {r.choice(['0', '1', '3', '5'])})")
        piece = r.choice(['"x"', "to_string(k % 10)", '"é"', "k"])
        start = r.choice(['""', '"s"', "0"])
        main += [f"mut gs{n} := {start}", "try {",
                 f"    for k in range({r.choice(['10', '1200', '3000'])}) {{",
                 f"        gs{n} = gs{n} + {piece}", "    }", "} except e {",
                 "    print(e.message, e.line, e.stack)", "}",
                 f"print(len(to_string(gs{n})), to_string(gs{n})[0])"]

    def rethrow(self, main: list[str]) -> None:
        """An error caught and thrown again at every level of a recursion, its stack
        printed at some levels and where it is caught last."""
        r, n = self.r, self.fresh()
        every = r.choice([1, 7, 1000])
        src = (f"func rt{n}(d) {{\n    if d <= 0 {{ throw(\"bottom\") }}\n    try {{\n"
               f"        return rt{n}(d - 1)\n    }} except e {{\n"
               f"        if d % {every} == 0 {{ print(d, len(e.stack), e.stack[0], e.line) }}\n"
               f"        throw({r.choice(['e', 'e.message', 'to_string(d)'])})\n    }}\n}}")
        self.funcs.append((src, "int", 1, False))
        self.warm(main, f"rt{n}(k % 3)")
        for _ in range(r.randint(1, 2)):
            depth = r.choice(["0", "3", "50", "400", "5000", "9999", "10000"])
            main += ["try {", f"    rt{n}({depth})", "} except e {",
                     "    print(e.message, e.line, len(e.stack), e.stack[len(e.stack) - 1])", "}"]

    def rebound_global(self, main: list[str]) -> None:
        """A function reading a global, warmed up, then the global takes other kinds."""
        r, n = self.r, self.fresh()
        expr = r.choice([f"x * g{n} + g{n}", f"g{n} + x", f"g{n}[0] + x", f"len(g{n}) + x",
                         f"x - g{n} / 2", f"g{n}(x)"])
        self.funcs.append((f"func gf{n}(x) {{\n    return {expr}\n}}", "any", 1, False))
        first = r.choice(["3", "2.5", "[1, 2]", '"ab"', "abs"])
        main.append(f"mut g{n} := {first}")
        self.warm(main, f"gf{n}(k)")
        for _ in range(r.randint(1, 3)):
            value = r.choice(ANY + CORNERS + ["abs", "len", "func(y) { return y }"])
            main.append(f"g{n} = {value}")
            arg = r.choice(INTS + FLOATS + ['"q"'])
            self.guarded(main, f"gf{n}({arg})")

    def top_level_loop(self, main: list[str]) -> None:
        """A hot loop in the main program (no function to compile), near the edges."""
        r, n = self.r, self.fresh()
        kind = r.choice(["int", "float"])
        init = r.choice(INTS + CORNERS if kind == "float" else INTS)
        step = self.expr(["k", f"t{n}"] if kind == "int" else [f"t{n}"], 2, kind)
        stop = r.choice(["200", "1000", "3000"])
        # in a `try` the loop compiles with the rest of the top level; without one, from
        # the loop itself (the top level's continuation, its globals in slots), and an
        # error ends the program
        bare = r.random() < 0.4
        pad = "    " if bare else "        "
        main += [f"mut t{n} := {init}"] if bare else [f"mut t{n} := {init}", "try {"]
        if r.random() < 0.6:
            main.append(f"{pad[4:]}for k in range({stop}) {{")
        else:
            main += [f"{pad[4:]}mut w{n} := 0", f"{pad[4:]}while w{n} < {stop} {{",
                     f"{pad}k := w{n}", f"{pad}w{n} = w{n} + 1"]
        main.append(f"{pad}t{n} = {step}")
        # a second assignment in the block (then also in a nested one) reads the
        # global through a chain of candidates (the block's own variable first)
        if r.random() < 0.5:
            again = f"t{n} = t{n} + {r.choice(['1', 'k', '0.5'] if kind == 'float' else ['1', 'k'])}"
            main.append(f"{pad}{again}" if r.random() < 0.5
                        else f"{pad}if k % 3 == 0 {{ {again} }}")
        if kind == "int":
            main.append(f"{pad}if t{n} > 1000000000 {{ t{n} = t{n} % 1000 }}")
        main += [f"{pad[4:]}}}", f"print(t{n})"] if bare else \
            ["    }", "} except e {", "    print(e.message, e.line)", "}", f"print(t{n})"]

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


def run_tiers_forked(path: Path, compiled: list[int] | None = None
                     ) -> list[tuple[str, str, int]]:
    """run_tiers, with each run forked from this process (tests/fuzz/forkrun.py): the
    same triples, about twice as fast, for long runs. The JIT tiers run with DEBUG_JIT
    (its lines are dropped from stderr before comparing) to add the number of compiled
    specializations of the eager tier to `compiled[0]`: a run that compiles nothing
    tests nothing."""
    import os

    import forkrun
    env = dict(os.environ, DEBUG_JIT="1")
    out = []
    for flags in TIERS:
        o, e, code = forkrun.run(["run", *flags, str(path)], timeout=120,
                                 env=env if flags != ["--no-jit"] else None)
        lines = e.splitlines(keepends=True)
        if compiled is not None and flags == ["--jit-threshold", "0"]:
            compiled[0] += sum(1 for line in lines if line.startswith("[jit] compiled "))
        out.append((o, "".join(line for line in lines if not line.startswith("[jit] ")), code))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seed", nargs="?", type=int, default=0)
    ap.add_argument("--run", action="store_true", help="fuzz the tiers against each other")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--count", type=int, default=0, help="stop after this many programs")
    ap.add_argument("--subprocess", action="store_true",
                    help="start `python -m rufc` for every run instead of forking")
    ap.add_argument("--dir", default="/tmp/rufc-jitfuzz")
    args = ap.parse_args()
    if not args.run:
        sys.stdout.write(generate(args.seed))
        return
    sys.path.insert(0, str(Path(__file__).parent))
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    end = time.monotonic() + args.seconds
    seed, bad = args.seed, 0
    compiled = [0]
    while time.monotonic() < end and (not args.count or seed - args.seed < args.count):
        path = folder / f"jit_{seed}.ruff"
        path.write_text(generate(seed), encoding="utf-8")
        outs = run_tiers(path) if args.subprocess else run_tiers_forked(path, compiled)
        if not outs[0] == outs[1] == outs[2] or any(
                code not in (0, 4) or "Traceback" in err for _, err, code in outs):
            bad += 1
            codes = [code for _, _, code in outs]
            timeout = any("TIMEOUT" in err for _, err, _ in outs)
            # what each tier printed, beside the program: a difference that depends on
            # timing (background compilation, load) may not come back when re-run
            path.with_suffix(".tiers").write_text("".join(
                f"=== rufc run {' '.join(flags)} -> exit {code}\n--- stdout\n{out}\n"
                f"--- stderr\n{err}\n" for flags, (out, err, code) in zip(TIERS, outs)),
                encoding="utf-8")
            print(f"seed {seed}: tiers differ or internal error (kept {path} and "
                  f"{path.with_suffix('.tiers').name}); exit codes "
                  f"{codes}{', a run timed out' if timeout else ''}", flush=True)
        else:
            path.unlink()
        seed += 1
        if (seed - args.seed) % 500 == 0:
            print(f"... {seed - args.seed} programs, {bad} failing, {compiled[0]} "
                  "specializations compiled at threshold 0", flush=True)
    print(f"{seed - args.seed} programs (seeds {args.seed}..{seed - 1}), {bad} failing, "
          f"{compiled[0]} specializations compiled at threshold 0")


if __name__ == "__main__":
    main()
