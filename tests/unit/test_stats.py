"""`rufc run --stats` (rufc.runtime.stats): real counts from real runs."""
from __future__ import annotations

import os

import pytest

from tests.conftest import Result, rufc


def stats(*args: str) -> Result:
    """`rufc run --stats`, compiling at once in the program's thread (deterministic
    compile events) and without the caches (compile times are compile times)."""
    env = dict(os.environ, RUFC_NATIVE_CACHE="0", RUFC_NO_CACHE="1")
    env.pop("DEBUG_JIT", None)
    return rufc("run", "--stats", "--jit-sync", *args, env=env)


def table(stderr: str, section: str = "functions:") -> dict[str, list[str]]:
    """The rows of one section of the --stats report, by first column."""
    lines = stderr.splitlines()
    start = lines.index(section) + 2   # the section title, then the header
    rows: dict[str, list[str]] = {}
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        cells = line.split()
        rows[cells[0]] = cells[1:]
    return rows


LOOPER = """
func work(n) {
    mut s := 0
    for i in range(n) { s += i }
    return s
}
mut k := 0
while k < 150 {
    work(4)
    k += 1
}
print(work(3))
"""


def test_a_function_called_150_times_shows_150_calls_and_tier_native() -> None:
    r = stats("-c", LOOPER)
    assert (r.stdout, r.exit_code) == ("3\n", 0)
    calls, tier, compile_ms, guard_fails, native_sites, helper_sites, spec = table(r.stderr)["work"]
    assert (calls, tier, guard_fails, spec) == ("151", "native", "0", "work(int)")
    assert float(compile_ms) > 0
    assert table(r.stderr)["<main>"][:2] == ["1", "vm"]


@pytest.mark.parametrize("flags", [["--no-jit"], []])
def test_calls_are_the_same_in_every_tier(flags: list[str]) -> None:
    r = stats(*flags, "-c", LOOPER)
    assert table(r.stderr)["work"][0] == "151"


def test_a_loop_taken_over_by_native_code() -> None:
    """The loop of `run` goes native at its 1000th iteration (on-stack replacement):
    the VM counted 999 iterations and 999 calls of `work`; the other 2001 calls are
    native calls, which are not counted."""
    src = """
func work(n) {
    mut s := 0
    for i in range(n) { s += i }
    return s
}
func run(n) {
    mut k := 0
    mut t := 0
    while k < n {
        t += work(4)
        k += 1
    }
    return t
}
print(run(3000))
"""
    r = stats("-c", src)
    assert r.stdout == "18000\n"
    lines = r.stderr.splitlines()
    at = lines.index("hot loops:")
    assert lines[at + 2].split() == ["run", "10:5", "999", "native-osr", "1"]
    assert table(r.stderr)["work"][:2] == ["999", "native"]


def test_guard_failures_and_a_second_specialization() -> None:
    src = """
func acc(x) {
    mut s := x
    for i in range(3) { s += x }
    return s
}
for k in range(150) { acc(k) }
for k in range(120) { acc(1.5) }
for k in range(30) { acc("a") }
"""
    r = stats("-c", src)
    row = table(r.stderr)["acc"]
    # 100 float calls miss before acc(float) is compiled, 30 string calls always do
    assert row[:2] == ["300", "native"]
    assert row[3] == "130"
    assert " ".join(row[6:]) == "acc(int), acc(float)"
    assert "acc(other): stays in the VM" not in r.stderr   # strings never reach 100 misses


def test_hot_loops_count_their_iterations_in_the_vm() -> None:
    src = "mut j := 0\nwhile j < 5000 { j += 1 }\nfor i in range(2000) { j -= 1 }\n"
    r = stats("--no-jit", "-c", src)
    lines = r.stderr.splitlines()
    at = lines.index("hot loops:")
    assert [ln.split() for ln in lines[at + 2:at + 4]] == [["<main>", "2:1", "5000", "vm", "-"],
                                                         ["<main>", "3:15", "2000", "vm", "-"]]


def test_refusals_are_listed_and_stats_follow_a_runtime_error() -> None:
    # (a range bound that is not an int stays in the VM, with boxed values too)
    src = ('func s(x) { for i in range(x) { } return x }\n'
           'for i in range(120) { s(0.5) }\nprint(1 / 0)\n')
    r = stats("-c", src)
    assert r.exit_code == 4
    err = r.stderr
    assert err.index("runtime error: Division by zero") < err.index("rufc --stats")
    assert table(err)["s"][:2] == ["120", "vm-refused"]
    assert "stayed in the VM:\n  s(float): range bound" in err
    assert "time: " in err and " + native " in err and " + compiling " in err


def test_without_stats_nothing_is_counted_or_printed() -> None:
    from rufc.frontend.irgen import lower_program
    from rufc.frontend.parser import parse
    from rufc.runtime.builtins import BUILTINS, CONSTANTS
    from rufc.runtime.vm import VM, VMOptions
    module = lower_program(parse(LOOPER, "<t>"), frozenset(BUILTINS) | frozenset(CONSTANTS))
    plain = VM(VMOptions(jit=False)).generate(module).source
    counted = VM(VMOptions(jit=False, stats=True)).generate(module).source
    assert "LOOPS" not in plain and "K_work[0] += 1" not in plain
    assert "LOOPS" in counted and "K_work[0] += 1" in counted
    r = rufc("run", "-c", LOOPER)
    assert r.stderr == ""
