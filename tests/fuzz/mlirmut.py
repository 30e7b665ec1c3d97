"""A mutation fuzzer for `.mlir` input: valid `rufc FILE --emit=ruff` output of the
example and conformance programs, mutated, must never crash rufc.

Each mutant is a seed program's printed IR with one to three mutations drawn from a
`random.Random(seed)`: an operand replaced by an SSA value defined before it, an op by
another op, a string attribute by another string of the file, a type by another
(mutations that keep the text parseable, so the verifiers see it); delete, duplicate,
swap or move lines; replace a token by another token of the same class or of any class
(SSA names, numbers, strings, op names, types, attribute keywords, symbols,
punctuation); edge numbers (0, -1, +-2^63, 2^64, 1e999, 4,000-digit numbers); insert
stray punctuation; truncate. Every mutant is given to
`rufc run M.mlir` and to `rufc M.mlir --emit=ruff`, and must end with

    0  it was still a valid program (run: it ran; emit: it printed)
    2  a usage error (not expected from a mutant, but a documented outcome)
    3  invalid IR: a parse or verification error, `M.mlir:LINE:COL: error: ...`,
       with nothing on standard output
    4  `run` only: a runtime error of the (changed) program, reported as usual

never 70 (internal error), never a Python traceback, never a signal and never a hang:
`--emit=ruff` must finish within TIMEOUT seconds. A `run` still going at TIMEOUT is a
mutant that loops or recurses for long (a changed bound, a swapped branch); it gets
SIGINT and must then stop with exit 130 ("rufc: interrupted"), as any Ruff program does.

    python3 tests/fuzz/mlirmut.py SEED               # print one mutant
    python3 tests/fuzz/mlirmut.py --run --seconds 3600 [--seed N]   # a long run

tests/fuzz/test_mlir_fuzz.py runs a fixed range of seeds in CI (about a minute).
"""
from __future__ import annotations

import argparse
import random
import re
import sys
import time
from functools import cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SOURCES = [REPO / "examples", REPO.parent / "shared" / "conformance" / "core",
           REPO.parent / "shared" / "conformance" / "ring2",
           REPO.parent / "shared" / "conformance" / "jit",
           REPO.parent / "shared" / "conformance" / "errors"]
TIMEOUT = 10.0
ACCEPTED_RUN = (0, 2, 3, 4)
ACCEPTED_EMIT = (0, 2, 3)

TOKEN = re.compile(r'%[A-Za-z0-9_]+|@[A-Za-z0-9_$.]+|"(?:[^"\\]|\\.)*"|!ruff\.[a-z_]+'
                   r'|-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+|[A-Za-z_][A-Za-z0-9_.]*|[{}()\[\]<>,:=]')
NUMBERS = ["0", "1", "-1", "2", "9223372036854775807", "-9223372036854775808",
           "9223372036854775808", "18446744073709551616", "-99999999999999999999",
           "1e999", "0.0", "-0.0", "1.5", "nan", "4" * 4000, "0x10", "65536", "1000000000"]
STRINGS = ['""', '"g"', '"l0"', '"f0"', '"x"', '"print"', '"<main>"', '"\\00"', '"\\n"',
           '"' + "a" * 300 + '"', '"\\""', '"mut"']
TYPES = ["!ruff.value", "i64", "i1", "f64", "i32", "!ruff.value<1>", "!ruff.nope", "index",
         "none", "!llvm.ptr", "tuple<>"]
PUNCT = ["{", "}", "(", ")", "[", "]", "<", ">", ",", ":", "=", '"', "%", "@", "!", "^"]
KEYWORDS = ["chain", "create", "target", "slots", "free", "cells", "captures", "name",
            "mut", "else", "builtin.module", "ruff.func", "true", "false", "None"]


@cache
def seed_programs() -> tuple[tuple[str, str], ...]:
    """(name, printed IR) of every example and conformance program that compiles."""
    import forkrun
    out = []
    for folder in SOURCES:
        for path in sorted(folder.glob("*.ruff")):
            stdout, _, code = forkrun.run([str(path), "--emit=ruff"], timeout=60)
            if code == 0 and stdout.startswith("builtin.module"):
                out.append((f"{folder.name}/{path.name}", stdout))
    return tuple(out)


@cache
def op_names() -> tuple[str, ...]:
    names = set()
    for _, text in seed_programs():
        names.update(re.findall(r"\bruff\.[a-z_]+\b", text))
    return tuple(sorted(names))


def _tokens(line: str) -> list[re.Match[str]]:
    return list(TOKEN.finditer(line))


def _replacement(r: random.Random, tok: str, lines: list[str]) -> str:
    """A token to put in place of `tok`: mostly one of its own class."""
    if r.random() < 0.2:  # any class
        return r.choice(NUMBERS + STRINGS + TYPES + PUNCT + KEYWORDS + list(op_names())
                        + ["%0", "%99999", "@__main__", "@nope", ""])
    if tok.startswith("%"):
        return r.choice([f"%{r.randint(0, 40)}", "%0", f"%{r.randint(0, 10**6)}", "%x", "%"])
    if tok.startswith("@"):
        return r.choice(["@__main__", "@nope", "@" + tok[1:] + "x", "@anon_0", "@f"])
    if tok.startswith('"'):
        return r.choice(STRINGS)
    if tok.startswith("!ruff") or tok in ("i64", "i1", "f64"):
        return r.choice(TYPES)
    if re.fullmatch(r"-?\d.*", tok):
        return r.choice(NUMBERS)
    if tok.startswith("ruff."):
        return r.choice(op_names())
    if tok[0].isalpha() or tok[0] == "_":
        return r.choice(KEYWORDS + ["ruff.func", "x"])
    return r.choice(PUNCT + [""])


def mutate_within(r: random.Random, lines: list[str], i: int) -> bool:
    """A mutation that keeps the text parseable more often, so that the verifiers and
    the conversion to the VM's form see it: an operand replaced by an SSA value defined
    earlier, an op by another op of the dialect, a string attribute by a string used
    elsewhere in the file, a result type by another type. False if line i has nothing
    to change."""
    line = lines[i]
    kind = r.choice(["operand", "op", "string", "type"])
    if kind == "operand":
        uses = [m for m in re.finditer(r"%\d+", line) if "=" in line[:m.start()]]
        defined = [m.group() for j in range(max(0, i - 30), i)
                   for m in re.finditer(r"^\s*(%\d+) =", lines[j])]
        if not uses or not defined:
            return False
        m = r.choice(uses)
        lines[i] = line[:m.start()] + r.choice(defined) + line[m.end():]
    elif kind == "op":
        ops = list(re.finditer(r"\bruff\.[a-z_]+\b", line))
        if not ops:
            return False
        m = r.choice(ops)
        lines[i] = line[:m.start()] + r.choice(op_names()) + line[m.end():]
    elif kind == "string":
        strings = list(re.finditer(r'"(?:[^"\\]|\\.)*"', line))
        pool = [m.group() for j in range(max(0, i - 40), min(len(lines), i + 40))
                for m in re.finditer(r'"(?:[^"\\]|\\.)*"', lines[j])]
        if not strings or not pool:
            return False
        m = r.choice(strings)
        lines[i] = line[:m.start()] + r.choice(pool) + line[m.end():]
    else:
        types = list(re.finditer(r"!ruff\.value|\bi64\b|\bi1\b|\bf64\b", line))
        if not types:
            return False
        m = r.choice(types)
        lines[i] = line[:m.start()] + r.choice(["!ruff.value", "i64", "i1", "f64"]) + line[m.end():]
    return True


def mutate_once(r: random.Random, lines: list[str]) -> None:
    n = len(lines)
    i = r.randrange(n)
    if r.random() < 0.4:
        for _ in range(5):
            if mutate_within(r, lines, r.randrange(n)):
                return
    kind = r.choice(["delete", "duplicate", "swap", "move", "token", "token", "token",
                     "token", "swap_tokens", "insert", "number", "truncate_line"])
    if kind == "delete" and n > 1:
        del lines[i]
    elif kind == "duplicate":
        lines.insert(r.randrange(n + 1), lines[i])
    elif kind == "swap":
        j = r.randrange(n)
        lines[i], lines[j] = lines[j], lines[i]
    elif kind == "move":
        line = lines.pop(i)
        lines.insert(r.randrange(n), line)
    elif kind in ("token", "number", "swap_tokens"):
        toks = _tokens(lines[i])
        if kind == "number":
            toks = [t for t in toks if re.fullmatch(r"-?\d.*", t.group())] or toks
        if not toks:
            return
        t = r.choice(toks)
        if kind == "swap_tokens":
            u = r.choice(toks)
            a, b = sorted([t, u], key=lambda m: m.start())
            if a.end() <= b.start():
                s = lines[i]
                lines[i] = s[:a.start()] + b.group() + s[a.end():b.start()] + a.group() + s[b.end():]
            return
        new = _replacement(r, t.group(), lines)
        lines[i] = lines[i][:t.start()] + new + lines[i][t.end():]
    elif kind == "insert":
        s = lines[i]
        k = r.randint(0, len(s))
        lines[i] = s[:k] + r.choice(PUNCT + [" ", "\t", "\\", "\x00", "é"]) + s[k:]
    elif kind == "truncate_line":
        lines[i] = lines[i][: r.randint(0, len(lines[i]))]


def mutant(seed: int) -> tuple[str, str]:
    """(seed program's name, mutated IR) for `seed`."""
    r = random.Random(seed)
    name, text = r.choice(seed_programs())
    lines = text.split("\n")
    for _ in range(r.choice([1, 1, 1, 2, 3])):
        mutate_once(r, lines)
    out = "\n".join(lines)
    if r.random() < 0.05:  # truncate the whole file
        out = out[: r.randint(0, len(out))]
    return name, out


def check(path: Path) -> str | None:
    """None if rufc handles the mutant in `path` as documented, else what went wrong."""
    import forkrun
    for argv, accepted, interrupt in (([str(path), "--emit=ruff"], ACCEPTED_EMIT, False),
                                      (["run", str(path)], ACCEPTED_RUN, True)):
        out, err, code = forkrun.run(argv, timeout=TIMEOUT, interrupt=interrupt)
        what = f"rufc {' '.join(argv)}: exit {code}"
        if "Traceback" in out + err or "internal error" in err:
            return f"{what}, a traceback or internal error:\n{err[-2000:]}"
        if err.endswith("INTERRUPTED"):
            if code != 130:
                return f"{what} after SIGINT (expected 130):\n{err[-2000:]}"
            continue
        if code not in accepted:
            return f"{what}:\n{err[-2000:]}"
        if code == 3 and (out or f"{path}:" not in err):
            return f"{what} (invalid IR) printed to stdout or gave no location:\n{err[-500:]}"
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seed", nargs="?", type=int, default=0)
    ap.add_argument("--run", action="store_true", help="run mutants from SEED on")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--count", type=int, default=0)
    ap.add_argument("--dir", default="/tmp/rufc-mlirfuzz")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    if not args.run:
        name, text = mutant(args.seed)
        sys.stdout.write(f"// from {name}\n{text}")
        return
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    end = time.monotonic() + args.seconds
    seed, bad = args.seed, 0
    while time.monotonic() < end and (not args.count or seed - args.seed < args.count):
        name, text = mutant(seed)
        path = folder / f"mut_{seed}.mlir"
        path.write_text(text, encoding="utf-8")
        problem = check(path)
        if problem:
            bad += 1
            print(f"seed {seed} (from {name}): {problem}\n", flush=True)
        else:
            path.unlink()
        seed += 1
    print(f"{seed - args.seed} mutants (seeds {args.seed}..{seed - 1}), {bad} failing")


if __name__ == "__main__":
    main()
