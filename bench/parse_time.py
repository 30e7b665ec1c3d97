"""Parse-time benchmark: generate a ~5,000-line Ruff program and time `parse` on it.

    python3 bench/parse_time.py [--lines N] [--repeat K] [--write FILE]

The program is a realistic mix (functions, loops, ifs, calls, arrays, dicts, strings
with interpolation, structs, closures, match, try). Timing is done in a warm process:
the parser is built (tables loaded from lark's cache) and one parse is run before
measuring; the figure printed is the median of K parses. The start-up cost of a fresh
`python3 -c "from rufc.frontend.parser import parse; parse(...)"` on a small program is
printed too.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time


def _function(rng: random.Random, k: int) -> list[str]:
    n = rng.randint(1, 3)
    params = ", ".join(f"p{i}" for i in range(n))
    body = [f"func work_{k}({params}) {{",
            f"    mut acc := {rng.randint(0, 9)}",
            "    mut items := []",
            f"    for i in range({rng.randint(5, 50)}) {{",
            f"        if i % {rng.randint(2, 5)} == 0 && p0 != null {{",
            f"            acc += i * {rng.randint(1, 9)} - len(items)",
            "            items = push(items, \"item ${i}: ${acc}\")",
            "        } else if i > 3 || acc < 10 {",
            "            acc := acc + to_int(\"7\") / 2",
            "        } else {",
            "            continue",
            "        }",
            "    }",
            f"    table := {{\"name\": \"work_{k}\", \"count\": len(items),"
            " \"tags\": [\"a\", \"b\"]}",
            "    table[\"extra\"] := map(items, func(s) { return len(s) })",
            "    mut j := 0",
            "    while j < 3 {",
            "        j += 1",
            "        if j == 2 { break }",
            "    }",
            "    return acc + j",
            "}"]
    return body


def _struct(k: int) -> list[str]:
    return [f"struct Point{k} {{",
            "    x: int,",
            "    y: int",
            "    func norm1(self) { return abs(self.x) + abs(self.y) }",
            f"    func scaled(self, f) {{ return Point{k} {{ x: self.x * f, y: self.y * f }} }}",
            "}",
            f"p{k} := Point{k} {{ x: {k}, y: -{k} }}",
            f"print(p{k}.scaled(2).norm1(), \"point ${{p{k}.x}}, ${{p{k}.y}}\")"]


def _misc(rng: random.Random, k: int) -> list[str]:
    return [f"func check_{k}(r) {{",
            "    match r {",
            "        case Ok(v): { return v * 2 }",
            "        case Err(e): { print(\"error: \" + e) }",
            "    }",
            "    return -1",
            "}",
            "try {",
            f"    v{k} := check_{k}(Ok({rng.randint(1, 100)})) ?? 0",
            f"    let [a{k}, b{k}, ...rest{k}] := [v{k}, 2, 3, 4]",
            f"    print(a{k} + b{k}, len(rest{k}), [1, 2, ...rest{k}])",
            "} except err {",
            "    print(err.message)",
            "}",
            f"scores{k} := {{\"alice\": {rng.randint(1, 9)}, \"bob\": {rng.randint(1, 9)}}}",
            f"for name in scores{k} {{ print(\"${{name}} -> ${{scores{k}[name]}}\") }}",
            f"total{k} := reduce([1, 2, 3], 0, func(a, b) {{ return a + b }}) |> to_string",
            "// a comment line",
            f"const LIMIT{k}: int := {rng.randint(100, 999)}  # trailing comment"]


def generate(lines: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    k = 0
    while True:
        chunk = _function(rng, k) + _struct(k) + _misc(rng, k)
        chunk.append(f"print(work_{k}({', '.join(str(i) for i in range(1 + k % 3))}))")
        chunk.append("")
        if len(out) + len(chunk) > lines:
            break
        out += chunk
        k += 1
    while len(out) < lines:  # pad with one-line statements to the exact size
        out.append(f"print(\"line {len(out)}\", {len(out)} * 2 + 1)")
    return "\n".join(out) + "\n"


SMALL = """func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
mut total := 0
for i in range(10) { total += fib(i) }
print("total ${total}")
"""


def _startup(repeat: int) -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".ruff", delete=False) as f:
        f.write(SMALL)
    try:
        cmd = [sys.executable, "-c",
               f"from rufc.frontend.parser import parse; F={f.name!r}; parse(open(F).read(), F)"]
        subprocess.run(cmd, check=True)  # warm the table cache
        base, full = [], []
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            base.append(time.perf_counter() - t)
            t = time.perf_counter()
            subprocess.run(cmd, check=True)
            full.append(time.perf_counter() - t)
        return statistics.median(base) * 1e3, statistics.median(full) * 1e3
    finally:
        os.unlink(f.name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--write", help="also write the generated program to this file")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up timing")
    args = ap.parse_args()

    from rufc.frontend.parser import get_lark, parse, tokenize

    src = generate(args.lines)
    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            f.write(src)
    get_lark()
    parse(src, "bench.ruff")  # warm-up
    ntok = len(tokenize(src, "bench.ruff"))
    times = []
    lex_times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        tokenize(src, "bench.ruff")
        lex_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        parse(src, "bench.ruff")
        times.append(time.perf_counter() - t)
    med = statistics.median(times) * 1e3
    print(f"program: {src.count(chr(10))} lines, {len(src)} chars, {ntok} tokens")
    print(f"lex only: median {statistics.median(lex_times) * 1e3:.1f} ms")
    print(f"parse (lex + LALR + AST): median of {args.repeat} = {med:.1f} ms "
          f"({med * 1e3 / ntok:.2f} us/token)")
    if not args.no_startup:
        base, full = _startup(max(args.repeat, 11))
        print(f"start-up, small program: python -c pass {base:.1f} ms; import + parse "
              f"{full:.1f} ms (+{full - base:.1f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
