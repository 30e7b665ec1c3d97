"""The hot tier: tiering decisions, DEBUG_JIT, fault injection, start-up, stages.

Differential checks of whole programs are in tests/test_differential.py; this file
tests what a user sees of the JIT itself.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CONFORMANCE, REPO, rufc

ADD_150 = """func add(a, b) {
    return a + b
}
total := 0
for i in range(150) {
    total = add(total, i)
}
print(total)
"""

FIB = """func fib(n) {
    if n < 2 {
        return n
    }
    return fib(n - 1) + fib(n - 2)
}
print(fib(22))
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return str(p)


def debug_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUFC_", "DEBUG_JIT"))}
    env["DEBUG_JIT"] = "1"
    # compile events in a fixed order, each compiled here (no native-code cache):
    # tests/unit/test_native_cache.py covers the cache and background compilation
    env["RUFC_JIT_SYNC"] = "1"
    env["RUFC_NATIVE_CACHE"] = "0"
    env.update(extra)
    return env


def test_the_plan_scenario_add_compiles_at_call_100(tmp_path: Path) -> None:
    f = write(tmp_path, "add.ruff", ADD_150)
    r = rufc("run", f, env=debug_env())
    assert r.exit_code == 0
    assert r.stdout == "11175\n" == rufc("run", "--no-jit", f).stdout
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("[jit] ")]
    assert "[jit] add: hot after 100 calls, specializing add(int, int)" in lines
    assert any(re.fullmatch(r"\[jit\] compiled add\(int, int\) in [0-9.]+ ms .*", ln) for ln in lines)
    assert r.stderr.splitlines() == lines   # every line of DEBUG_JIT output is one event


def test_debug_jit_zero_or_empty_logs_nothing(tmp_path: Path) -> None:
    f = write(tmp_path, "add.ruff", ADD_150)
    for value in ("0", ""):
        r = rufc("run", f, env=debug_env(DEBUG_JIT=value))
        assert r.stderr == "" and r.stdout == "11175\n"


def test_recursive_function_runs_native_to_native(tmp_path: Path) -> None:
    f = write(tmp_path, "fib.ruff", FIB)
    r = rufc("run", f, env=debug_env())
    assert r.stdout == "17711\n"
    assert "[jit] fib(int): 2 direct native call site(s), 0 helper call site(s)" in r.stderr
    assert "[jit] fib: VM callers enter native code (fib(int))" in r.stderr


def test_kinds_that_change_after_warm_up_get_a_specialization(tmp_path: Path) -> None:
    src = FIB.replace("print(fib(22))", "print(fib(20))\nfor i in range(200) {\n"
                      "    fib(1.5 + i % 3)\n}\nprint(fib(20.5), fib(\"x\" == \"y\"))")
    f = write(tmp_path, "kinds.ruff", src)
    r = rufc("run", f, env=debug_env())
    vm = rufc("run", "--no-jit", f)
    assert (r.stdout, r.stderr.split("[jit] summary")[-1].split("\n", 1)[-1]) == (vm.stdout, vm.stderr)
    assert vm.stdout == "6765\n" and "Invalid binary operation: bool < int" in vm.stderr
    assert "[jit] fib: guard failed for fib(float): running in the VM" in r.stderr
    assert "[jit] fib: 100 calls with fib(float), specializing again" in r.stderr
    assert "[jit] fib: VM callers enter native code (fib(int), fib(float))" in r.stderr


def test_unsupported_function_stays_in_the_vm_and_others_compile(tmp_path: Path) -> None:
    # (a range bound that is not an int stays in the VM, with boxed values too)
    src = ('func greet(n) {\n    for j in range(0.5) {\n    }\n    return "hi " + to_string(n)\n}\n' + FIB +
           'for i in range(200) {\n    greet(i)\n}\nprint(greet(3))\n')
    f = write(tmp_path, "mixed.ruff", src)
    r = rufc("run", "--jit-threshold", "0", f, env=debug_env())
    assert r.stdout == "17711\nhi 3\n"
    assert re.search(r"\[jit\] greet\(int\): stays in the VM: .*", r.stderr)
    assert "[jit] compiled fib(int)" in r.stderr


@pytest.mark.parametrize("stage", ["pass", "verify", "helper", "llvm"])
def test_a_compile_failure_at_any_stage_leaves_the_function_in_the_vm(tmp_path: Path,
                                                                     stage: str) -> None:
    f = write(tmp_path, "fib.ruff", FIB)
    r = rufc("run", "--jit-threshold", "0", f, env=debug_env(RUFC_JIT_FAIL=stage))
    assert r.exit_code == 0 and r.stdout == "17711\n"
    assert re.search(r"\[jit\] fib\(int\): stays in the VM: compilation failed: .+", r.stderr)
    assert "Traceback" not in r.stderr


def test_errors_in_native_code_match_the_vm(tmp_path: Path) -> None:
    src = ("func f(a, b) {\n    x := a * b\n    return x + 1\n}\n"
           "func g(n) {\n    return f(n, n) - 1\n}\n"
           "for i in range(300) {\n    g(i)\n}\nprint(g(3037000500))\n")
    f = write(tmp_path, "ovf.ruff", src)
    vm = rufc("run", "--no-jit", f)
    for flags in ([], ["--jit-threshold", "0"]):
        r = rufc("run", *flags, f)
        assert (r.stdout, r.stderr, r.exit_code) == (vm.stdout, vm.stderr, vm.exit_code)
    assert vm.exit_code == 4
    assert "ovf.ruff:2:12: runtime error: Integer overflow: 3037000500 * 3037000500" in vm.stderr
    assert "  in g at " in vm.stderr and "  in f at " in vm.stderr


def test_deep_native_recursion_is_a_clean_error(tmp_path: Path) -> None:
    src = "func d(n) {\n    return d(n + 1) + 1\n}\nprint(d(0))\n"
    f = write(tmp_path, "deep.ruff", src)
    r = rufc("run", "--jit-threshold", "0", "--max-depth", "100000", f)
    assert r.exit_code == 4
    assert "Maximum call stack depth of 100000 exceeded" in r.stderr


def _modules_after_run(path: str, *flags: str) -> set[str]:
    probe = ("import sys, io, contextlib\nfrom rufc.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    main(['run', *{list(flags)!r}, {path!r}])\n"
             "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return set(out.stdout.split())


def test_xdsl_and_llvmlite_load_only_when_something_gets_hot(tmp_path: Path) -> None:
    cold = write(tmp_path, "cold.ruff", FIB.replace("fib(22)", "fib(5)"))
    assert not {"xdsl", "llvmlite"} & _modules_after_run(cold)
    hot = write(tmp_path, "hot.ruff", FIB)
    assert {"xdsl", "llvmlite"} <= _modules_after_run(hot)


@pytest.mark.parametrize("stage,needle", [
    ("ruff-opt", 'ruff.symbol = "rf_fib__i"'),
    ("llvm-dialect", "llvm.func @rf_fib__i(%0: i64, %1: i64, %2: i64) -> !llvm.struct<(i64, i1)>"),
    ("llvm", 'define {i64, i1} @"rf_fib__i"(i64 %".1", i64 %".2", i64 %".3")'),
    ("llvm-opt", "@llvm.sadd.with.overflow.i64"),
    ("asm", "rf_fib__i:"),
])
def test_every_hot_stage_can_be_printed(tmp_path: Path, stage: str, needle: str) -> None:
    f = write(tmp_path, "fib.ruff", FIB)
    r = rufc(f, f"--emit={stage}")
    assert r.exit_code == 0, r.stderr
    assert needle in r.stdout


def test_specialize_and_function_pick_what_is_shown(tmp_path: Path) -> None:
    f = write(tmp_path, "fib.ruff", FIB)
    r = rufc(f, "--emit=llvm-dialect", "--function", "fib", "--specialize", "fib(float)")
    assert r.exit_code == 0
    assert "@rf_fib__f(%0: i64, %1: i64, %2: f64) -> !llvm.struct<(f64, i1)>" in r.stdout
    bad = rufc(f, "--emit=llvm", "--specialize", "fib(int,int)")
    assert bad.exit_code == 2 and "fib takes 1 arguments" in bad.stderr
    assert rufc(f, "--emit=llvm", "--function", "nope").exit_code == 2
    assert rufc(f, "--emit=ruff", "--function", "fib").exit_code == 2


def test_print_ir_after_all_shows_each_pass(tmp_path: Path) -> None:
    f = write(tmp_path, "fib.ruff", FIB)
    r = rufc(f, "--emit=llvm-dialect", "--print-ir-after-all")
    passes = re.findall(r"// -----// IR Dump After (\S+) //----- //", r.stderr)
    assert passes == ["irgen", "ruff-specialize", "cse", "dce", "convert-ruff-to-llvm"]


def test_functions_that_stay_in_the_vm_are_named_with_a_reason(tmp_path: Path) -> None:
    f = write(tmp_path, "r.ruff", "func r(x) {\n    s := 0\n    for i in range(x) {\n"
              "        s = s + i\n    }\n    return s\n}\nprint(r(3))\n")
    r = rufc(f, "--emit=llvm", "--specialize", "r(float)")
    assert r.exit_code == 0
    assert "rufc: note: r(float) stays in the VM: range bound at 3:19 is not an int (float)" \
        in r.stderr
    # without boxed values, a string is a reason of its own
    f = write(tmp_path, "s.ruff", 'func s(x) {\n    return "a" + x\n}\nprint(s("b"))\n')
    unboxed = {**os.environ, "RUFC_JIT_BOXED": "0"}
    r = rufc(f, "--emit=llvm", "--specialize", "s(other)", env=unboxed)
    assert r.exit_code == 0
    assert ("rufc: note: s(other) stays in the VM: argument 1 is not an int, float, bool or "
            "typed array") in r.stderr
    assert "stays in the VM" not in rufc(f, "--emit=llvm", "--specialize", "s(other)").stderr


DEPTH = """func down(n) {
    return down(n + 1) + 1
}
func mixed(n) {
    if n > 30 {
        return vm_down(n)
    }
    return mixed(n + 1) + 1
}
func vm_down(n) {
    s := "x" + to_string(n)
    return vm_down(n + 1) + len(s)
}
try {
    print(mixed(0))
} except e {
    print(e.message, len(e.stack), e.line)
}
print(down(0))
"""


@pytest.mark.parametrize("depth", ["50", "100", "2000"])
def test_the_call_depth_limit_is_the_same_in_every_tier(tmp_path: Path, depth: str) -> None:
    f = write(tmp_path, "depth.ruff", DEPTH)
    vm = rufc("run", "--no-jit", "--max-depth", depth, f)
    assert vm.exit_code == 4 and f"Maximum call stack depth of {depth} exceeded" in vm.stderr
    for flags in (["--jit-threshold", "0"], ["--jit-threshold", "10"], []):
        r = rufc("run", *flags, "--max-depth", depth, f)
        assert (r.stdout, r.stderr, r.exit_code) == (vm.stdout, vm.stderr, vm.exit_code), flags


# With these limits `vm_down` of DEPTH reaches the call threshold a few frames below
# the limit. 96: its hot hook was what failed (one call earlier than in the VM), and
# the JIT it half made then corrupted memory ("double free", exit 134). 102, with
# boxed values: native code loaded from the cache made the plans of its direct calls
# at the limit, where compiling them failed (six calls earlier than in the VM).
@pytest.mark.parametrize("boxed", ["0", "1"])
@pytest.mark.parametrize("depth", ["95", "96", "100", "102"])
def test_a_function_that_gets_hot_at_the_depth_limit(tmp_path: Path, depth: str,
                                                      boxed: str) -> None:
    f = write(tmp_path, "depth.ruff", DEPTH)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUFC_", "DEBUG_JIT"))}
    env.update(RUFC_JIT_BOXED=boxed, RUFC_JIT_SYNC="1", RUFC_CACHE_DIR=str(tmp_path / "cache"))
    vm = rufc("run", "--no-jit", "--max-depth", depth, f, env=env)
    assert vm.exit_code == 4 and f"Maximum call stack depth of {depth} exceeded" in vm.stderr
    for run in ("compiles", "loads from the cache"):
        r = rufc("run", "--max-depth", depth, f, env=env)
        assert (r.stdout, r.stderr, r.exit_code) == (vm.stdout, vm.stderr, vm.exit_code), run


COMPILED_PROGRAMS = sorted([*(REPO / "tests" / "jit").glob("*.ruff"), *(REPO / "examples").glob("*.ruff"),
                            *(CONFORMANCE.rglob("*.ruff") if CONFORMANCE.is_dir() else [])])


@pytest.mark.parametrize("program", COMPILED_PROGRAMS, ids=[p.name for p in COMPILED_PROGRAMS])
def test_no_compilation_ever_fails(program: Path) -> None:
    """A function stays in the VM because it uses what native code does not support
    yet, never because the compiler broke on it: same output is not enough (a broken
    compiler leaves everything in the VM, which prints the same)."""
    r = rufc("run", "--jit-threshold", "0", str(program), env=debug_env())
    broken = [ln for ln in r.stderr.splitlines()
              if "compilation failed" in ln or "the compiler failed" in ln]
    assert not broken, broken


def test_sigint_stops_a_long_native_loop(tmp_path: Path) -> None:
    """A native loop lets Python run now and then: SIGINT ends the run with 130, as it
    does in the VM (the loop below would run for minutes)."""
    import signal
    import time
    f = write(tmp_path, "spin.ruff", "func spin(n) {\n    s := 0\n    for i in range(n) {\n"
              "        s = (s + i) % 1000003\n    }\n    return s\n}\nprint(spin(10))\n"
              "print(spin(100000000000))\n")
    env = debug_env()
    proc = subprocess.Popen([sys.executable, "-m", "rufc", "run", "--jit-threshold", "0", f],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    for line in proc.stderr:          # wait until the loop runs in native code
        if "spin: VM callers enter native code" in line:
            break
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "rufc: interrupted" in err


def test_hot_stage_options_need_a_hot_stage(tmp_path: Path) -> None:
    f = write(tmp_path, "fib.ruff", FIB)
    for stage in ("ast", "ruff"):
        r = rufc(f, f"--emit={stage}", "--function", "fib")
        assert r.exit_code == 2 and "apply to --emit=ruff-opt" in r.stderr


def test_native_frames_never_pass_the_shadow_stack(tmp_path: Path) -> None:
    """Native code sizes a segment by CPython's recursion budget; the shadow stack is
    sized by the Ruff limit. Were the budget ever larger (a hook that could not put
    the recursion limit back did that: a double free, exit 134), every entry still
    clamps its segment to the shadow stack: the depth error, not memory corruption.
    The run below inflates the budget on purpose."""
    f = write(tmp_path, "down.ruff", "func down(n) {\n    return down(n + 1) + 1\n}\n"
              "print(down(0))\n")
    script = ("import sys\nimport rufc.runtime.vm as V\n_depth = V.python_depth\n"
              "V.python_depth = lambda: _depth() + 5000\n"
              "from rufc.cli import main\nsys.exit(main())\n")
    proc = subprocess.run([sys.executable, "-c", script, "run", "--jit-threshold", "0",
                           "--max-depth", "50", f], capture_output=True, text=True,
                          env=debug_env(), timeout=120)
    assert proc.returncode == 4, proc.stderr[-2000:]
    assert "Maximum call stack depth of 50 exceeded" in proc.stderr
    assert "down(int): 1 direct native call site(s)" in proc.stderr   # it ran natively
