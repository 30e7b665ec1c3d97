"""A very long top level is generated as several Python functions (runtime/chunking.py,
issue 17): each compiles on its own, so time and memory grow linearly with the number
of statements. The program must behave exactly as one function would: same output,
same errors and tracebacks, closures over loop variables, globals across the parts."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from rufc.runtime import chunking

RUFC = [sys.executable, "-m", "rufc"]


def rufc(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, RUFC_NO_CACHE="1")
    return subprocess.run(RUFC + list(args), capture_output=True, text=True, env=env, timeout=300)


def long_program(n: int) -> str:
    out = ["mut total := 0"]
    for i in range(n):
        out.append(f"x{i % 7} := {i} * 3 + total % 5")
        out.append(f"if x{i % 7} % 2 == 0 {{ total = total + 1 }} "
                   f"else {{ let t := x{i % 7}  total = total + t % 3 }}")
        if i == n // 2:
            out += ["func half(k) { return k / 2 }", "fs := []",
                    "for j in 3 { fs = push(fs, func() { return j * 10 + total % 10 }) }"]
    out += ["print(total, x3, half(total))", "print(fs[0](), fs[1](), fs[2]())",
            "try { half(null) } except e { print(e.message, e.line) }", "print(half(\"s\"))"]
    return "\n".join(out) + "\n"


def test_a_long_top_level_runs_in_parts_and_behaves_as_one(tmp_path: Path) -> None:
    src = tmp_path / "long.ruff"
    src.write_text(long_program(1000))
    py = rufc(str(src), "--emit=py").stdout
    assert py.count("\ndef F___main___k") >= 3, "the top level was not split"
    r = rufc("run", str(src))
    # the expected results, computed as the program says
    total, xs = 0, [0] * 7
    for i in range(1000):
        xs[i % 7] = i * 3 + total % 5
        total += 1 if xs[i % 7] % 2 == 0 else xs[i % 7] % 3
    lines = src.read_text().splitlines()
    last = len(lines)
    half_line = lines.index("func half(k) { return k / 2 }") + 1
    assert r.stdout.splitlines() == [
        f"{total} {xs[3]} {total // 2}" if total % 2 == 0 else f"{total} {xs[3]} {total / 2}",
        " ".join(str(j * 10 + total % 10) for j in range(3)),
        f"Invalid binary operation: null / int {half_line}"]
    assert r.returncode == 4
    assert f"long.ruff:{half_line}:25: runtime error: Invalid binary operation: string / int" \
        in r.stderr
    assert r.stderr.endswith(f"  in <main> at {src}:{last}:11\n  in half at {src}:{half_line}:25\n")
    for flags in (["--no-jit"], ["--jit-threshold", "0"]):
        other = rufc("run", *flags, str(src))
        assert (other.stdout, other.stderr, other.returncode) == (r.stdout, r.stderr, r.returncode)


def test_calls_from_a_part_have_the_exact_call_depth_limit(tmp_path: Path) -> None:
    """A part's Python frame does not count toward the limit: call N runs, N + 1 fails,
    in every tier, as in a top level that is not split."""
    rec = "func r(n) {\n  if n == 0 { return 0 }\n  return 1 + r(n - 1)\n}\n"
    tail = "print(r(49))\ntry { r(50) } except e { print(e.message) }\n"
    src = tmp_path / "long.ruff"
    body = long_program(1000).replace('print(half("s"))\n', "")   # (an error: the end)
    src.write_text(rec + body + tail)
    assert rufc(str(src), "--emit=py").stdout.count("\ndef F___main___k") >= 3
    short = tmp_path / "short.ruff"
    short.write_text(rec + tail)
    for flags in (["--no-jit"], [], ["--jit-threshold", "0"]):
        for f in (src, short):
            r = rufc("run", *flags, "--max-depth", "50", str(f))
            assert r.stdout.splitlines()[-2:] == ["49", "Maximum call stack depth of 50 exceeded"]


def test_cuts_keep_the_locals_of_a_statement_together() -> None:
    body = [("    t1 = 1", 1, 1), ("    t2 = t1 + 1", 1, 1), ("    G_a = t2", 1, 1)] * 1
    big = "    G_b = " + "1 + " * 20_000 + "1"
    lines = [(big, 1, 1), ("    t5 = 2", 2, 1), (big, 2, 1), ("    G_c = t5", 3, 1),
             ("    t6 = 3", 4, 1), ("    G_d = t6", 4, 1)] + body
    new, parts = chunking.split(lines, "P_m_", [("    global G_b", 0, 0)])
    defs = [t for t, _, _ in parts if t.startswith("def ")]
    assert new == [("    with HELPER_FRAMES(1):", -1, -1)] + [
        (f"        P_m_{k}()", -1, -1) for k in range(1, len(defs) + 1)]
    # t5 is used across the second big line: no cut between them
    text = "\n".join(t for t, _, _ in parts)
    chunks = text.split("def ")[1:]
    assert any("t5 = 2" in c and "G_c = t5" in c for c in chunks)
    assert all(c.count("    global G_b") == 1 for c in chunks)


def test_a_body_with_return_or_little_code_is_not_split() -> None:
    big = [("    G_b = " + "1 + " * 20_000 + "1", 1, 1)] * 4
    assert chunking.split(big[:1], "P_", [])[1] == []
    assert chunking.split(big + [("    return None", 2, 1)], "P_", [])[1] == []
    assert chunking.split(big, "P_", [])[1] != []
