"""Every native runtime helper's failure path (issue 17): a MemoryError raised inside the
helper while native code runs (RUFC_JIT_FAIL=raise:NAME, see runtime/faults.py) goes
through the native error protocol and comes out as the VM reports a MemoryError: a
Ruff runtime error `Out of memory` (exit 4), catchable by `try`, after which the same
native code runs on and gives the VM's answers. Never a crash, a traceback or exit 70.

Each row: the helper, a program whose compiled function calls it natively, the call
that reaches it, and the line the error is reported at (the site of the helper call).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rufc.runtime.helpers import NATIVE_HELPERS

RUFC = [sys.executable, "-m", "rufc", "run"]

LOOP = """func f(n) {
    mut s := 0
    for i in range(n) {
        BODY
    }
    return s
}
"""

CASES: dict[str, tuple[str, str, int | None]] = {
    # a callee that stays in the VM (a range bound that is not an int, docs/jit.md) but
    # returns an int: called through the helper
    "ruff_rt_call": ('func h(x) {\n    for j in range(0.5) { }\n    return x + 1\n}\n' +
                     LOOP.replace("BODY", "s = s + h(i)"), "f(10)", 8),
    "ruff_rt_builtin": (LOOP.replace("BODY", "s = s + to_int(to_float(i))"), "f(10)", 4),
    # the overflow's exact error is made by the helper
    "ruff_rt_fail": (LOOP.replace("BODY", "s = s + i * n * n"), "f(3037000500)", 4),
    # loops poll every helpers.POLL_EVERY (2**20) iterations
    "ruff_rt_poll": (LOOP.replace("BODY", "s = s + i % 3"), "f(1100000)", None),
    # past --max-depth 1000 natively (the VM's error without the fault)
    "ruff_rt_depth_check": ("func d(n) {\n    if n == 0 { return 0 }\n"
                            "    return d(n - 1) + 1\n}\n", "d(5000)", 2),
    "ruff_rt_array_copy": ("func g(xs, n) {\n    mut s := 0\n    for i in range(n) {\n"
                           "        xs[0] = i\n        s = s + xs[0]\n    }\n    return s\n}\n"
                           "a := [1, 2, 3]\n", "g(a, 10)", 4),
    "ruff_rt_make_array": (LOOP.replace("BODY", "a := [i, i + 1, i + 2]\n        s = s + a[2]"),
                           "f(10)", 4),
    "ruff_rt_array_push": (LOOP.replace("mut s := 0", "mut s := [0]")
                           .replace("BODY", "s = push(s, i)").replace("return s", "return len(s)"),
                           "f(100)", 4),
    # boxed values: the string's first op is its constant
    "ruff_rt_op": (LOOP.replace("mut s := 0", 'mut s := ""').replace("BODY", 's = s + "a"')
                   .replace("return s", "return len(s)"), "f(10)", 2),
    "ruff_rt_unpack": (LOOP.replace("BODY", "[a, b] := [i, i + 1]\n        s = s + a + b"),
                       "f(10)", 4),
    # a boxed op that raises (an index out of range) on the direct path: its exception
    # reaches the protocol through ruff_rt_raised
    # (g is called from native code: the VM calls a leaf like g in the VM)
    "ruff_rt_raised": ('func g(n) {\n    s := "abc"\n    return s[n] + "x"\n}\n'
                       'func h(n) {\n    return g(n) + "y"\n}\n', "h(5)", 3),
}

# <main> compiles too (with boxed values, the default), and its own first call or boxed
# op would take the fault; a range bound that is not an int keeps it in the VM
# (docs/jit.md, "What stays in the VM"), and the loop never runs, so it is never
# compiled alone.
KEEP_MAIN_IN_VM = "kept := [0]\nfor i in range(kept[0]) {\n}\n"


def run(path: Path, *flags: str, fail: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if k not in ("RUFC_JIT", "RUFC_JIT_THRESHOLD", "RUFC_JIT_FAIL", "DEBUG_JIT",
                        "RUFC_JIT_BOXED")}
    if fail:
        env["RUFC_JIT_FAIL"] = fail
    return subprocess.run(RUFC + [*flags, "--max-depth", "1000", str(path)], capture_output=True,
                          text=True, env=env, timeout=120)


def test_every_native_helper_has_a_case() -> None:
    assert {h.name for h in NATIVE_HELPERS} == set(CASES)


@pytest.mark.parametrize("helper", sorted(CASES))
def test_a_failure_inside_a_helper_is_a_catchable_ruff_error(helper: str, tmp_path: Path) -> None:
    defs, call, line = CASES[helper]
    path = tmp_path / "p.ruff"
    again = {"d(5000)": "d(500)", "f(3037000500)": "f(30)",   # these fail anyway
             "h(5)": "h(1)"}.get(call, call)
    path.write_text(defs + KEEP_MAIN_IN_VM + f'try {{ print({call}) }} except e {{ print("caught", '
                    f'e.message, e.line) }}\nprint({again})\n')
    vm = run(path, "--no-jit")
    r = run(path, "--jit-threshold", "0", fail=f"raise:{helper}")
    shown = f"exit {r.returncode}\nstdout: {r.stdout}\nstderr: {r.stderr}"
    assert "Traceback" not in r.stderr and r.returncode == vm.returncode == 0, shown
    first, rest = r.stdout.split("\n", 1)
    # the first call failed inside the helper; everything after it is the VM's answer
    assert first.startswith("caught Out of memory"), shown
    if line is not None:
        assert first == f"caught Out of memory {line}", shown
    assert rest == vm.stdout.split("\n", 1)[1], shown


@pytest.mark.parametrize("helper", ["ruff_rt_call", "ruff_rt_fail", "ruff_rt_array_push",
                                    "ruff_rt_depth_check"])
def test_an_uncaught_failure_inside_a_helper_is_a_runtime_error(helper: str,
                                                                tmp_path: Path) -> None:
    defs, call, line = CASES[helper]
    path = tmp_path / "p.ruff"
    path.write_text(defs + KEEP_MAIN_IN_VM + f"print({call})\n")
    r = run(path, "--jit-threshold", "0", fail=f"raise:{helper}")
    assert r.returncode == 4 and r.stdout == "", r.stderr
    assert f"p.ruff:{line}:" in r.stderr and "runtime error: Out of memory" in r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr


def test_the_nth_call_can_fail(tmp_path: Path) -> None:
    """raise:NAME:N fails the N-th call: here in the fifth iteration of a native loop."""
    path = tmp_path / "p.ruff"
    path.write_text(LOOP.replace("BODY", 'if i == 4 { print("fifth") }\n'
                                 "        s = s + to_int(to_float(i))") + "print(f(10))\n")
    r = run(path, "--jit-threshold", "0", fail="raise:ruff_rt_builtin:5")
    assert r.returncode == 4 and "runtime error: Out of memory" in r.stderr, r.stderr
    assert r.stdout == "", "the error comes before `fifth` is printed"
