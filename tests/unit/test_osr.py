"""On-stack replacement: hot loops of functions continue in native code.

The continuation a hot loop compiles to (rufc.passes.outline_loop), which loops the
cold tier counts (rufc.runtime.codegen), and the decisions DEBUG_JIT logs
(rufc.runtime.osr). Whole programs in three tiers: tests/jit/osr_*.ruff, run by
tests/test_differential.py.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import rufc

from rufc.dialects.optable import Op
from rufc.frontend.irgen import lower_program
from rufc.frontend.parser import parse
from rufc.passes.outline_loop import NoContinuation, continuation, top_loops
from rufc.runtime.analysis import walk
from rufc.runtime.builtins import BUILTINS, CONSTANTS

NAMES = frozenset(BUILTINS) | frozenset(CONSTANTS)

LOOP = """func main() {
    n := 3000
    total := 0
    unused := 7
    for i in range(n) {
        total = total + i % 7
    }
    print(total)
}
main()
"""


def func_of(src: str, sym: str = "main") -> Op:
    return lower_program(parse(src, "t.ruff"), NAMES).funcs()[sym]


def debug_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUFC_", "DEBUG_JIT"))}
    env.update(DEBUG_JIT="1", RUFC_JIT_SYNC="1", RUFC_NATIVE_CACHE="0", **extra)
    return env


def jit_lines(stderr: str) -> list[str]:
    return [ln for ln in stderr.splitlines() if ln.startswith("[jit] ")]


def test_continuation_passes_live_slots_and_the_range() -> None:
    f = func_of(LOOP)
    (loop,) = top_loops(f)
    cont = continuation(f, loop.line, loop.col, bound={0, 1, 2})
    # n is read only by the range (evaluated by the VM), unused not at all
    # range(n): start 0 and step 1 stay constants, the stop is a parameter
    assert cont.func.attrs["params"] == ("total", "<stop>")
    assert cont.range_params == (1,) and len(cont.slots) == 1
    assert cont.func.attrs["name"] == "main"    # tracebacks show the function
    ops = [op.name for op in cont.func.regions[0].ops]
    assert ops[:4] == ["ruff.const", "ruff.load_var", "ruff.const", "ruff.for_range"]
    assert "ruff.call_builtin" in ops            # the rest of the function follows
    # every slot reference was renumbered into the continuation's slots
    nslots = len(cont.func.attrs["slots"])
    for op in walk(cont.func.regions[0]):
        for ref in op.attrs.get("chain", ()):
            if ref.startswith("l"):
                assert int(ref.rstrip("?")[1:]) < nslots


def test_only_loops_of_the_body_have_a_continuation() -> None:
    src = ("func main() {\n x := 0\n if x == 0 {\n  while x < 5 { x = x + 1 }\n }\n"
           " while x < 10 { x = x + 1 }\n return x\n}\nmain()\n")
    f = func_of(src)
    assert [op.line for op in top_loops(f)] == [6]
    with pytest.raises(NoContinuation):
        continuation(f, 4, 3, bound={0})


def test_loops_of_bodies_and_of_the_top_level_are_counted_and_no_others() -> None:
    src = ("func main() {\n for i in range(10) {\n  for j in range(10) { }\n }\n"
           " k := 0\n while k < 3 { k = k + 1 }\n}\nmain()\nfor q in range(5) { }\n")
    from rufc.runtime.vm import VM, VMOptions
    module = lower_program(parse(src, "t.ruff"), NAMES)
    source = VM(VMOptions(jit=True)).generate(module).source
    assert source.count("ON_HOT_LOOP(F_main, 2,") == 1   # F_main (P_main has no counters)
    assert "ON_HOT_LOOP(F_main, 3," not in source        # nested: counted by the outer loop
    assert "ON_HOT_LOOP(F_main, 6," in source            # a while, at its head
    assert "ON_HOT_LOOP(F___main__, 9," in source        # the top level's loops too
    no_jit = VM(VMOptions(jit=False)).generate(module).source
    assert "ON_HOT_LOOP" not in no_jit


def test_hot_loop_enters_native_code_and_logs_each_entry(tmp_path: Path) -> None:
    p = tmp_path / "loop.ruff"
    p.write_text(LOOP + "main()\n")
    r = rufc("run", str(p), env=debug_env())
    assert r.exit_code == 0 and r.stdout == rufc("run", "--no-jit", str(p)).stdout
    lines = jit_lines(r.stderr)
    assert "[jit] main: loop at 5:19 is hot" in lines
    assert any(ln.startswith("[jit] main: loop at 5:19: compiling the rest of main from the "
                             "loop (total: int, <stop>: int)")
               for ln in lines)
    entries = [ln for ln in lines if ln == "[jit] main: entering the compiled loop at 5:19"]
    assert len(entries) == r.stdout.count("\n") >= 2   # each call of main enters once
    assert sum("compiled main from the loop at 5:19" in ln for ln in lines) == 1


def test_a_loop_that_cannot_compile_is_never_retried_and_others_compile(tmp_path: Path) -> None:
    # the rest of main from the first loop has a range bound that is not an int
    # (docs/jit.md, "What stays in the VM")
    src = ("func main() {\n s := \"a\"\n for i in range(3000) { s = s + \"\" }\n"
           " for j in range(0.5) { }\n"
           " t := 0\n for i in range(3000) { t = t + i }\n print(t)\n}\n"
           "main()\nmain()\nmain()\n")
    p = tmp_path / "mixed.ruff"
    p.write_text(src)
    r = rufc("run", str(p), env=debug_env())
    assert r.exit_code == 0 and r.stdout == "4498500\n" * 3
    lines = jit_lines(r.stderr)
    refused = [ln for ln in lines if ln.startswith("[jit] main: loop at 3:16 stays in the VM: ")]
    assert len(refused) == 1                 # logged once, not compiled again
    assert sum("compiling the rest of main from the loop" in ln and "3:16" in ln
               for ln in lines) == 1
    assert lines.count("[jit] main: entering the compiled loop at 6:16") == 3


def test_no_loop_counters_without_the_jit(tmp_path: Path) -> None:
    p = tmp_path / "loop.ruff"
    p.write_text(LOOP)
    r = rufc("run", "--no-jit", str(p), env=debug_env())
    assert r.exit_code == 0 and r.stdout == f"{sum(i % 7 for i in range(3000))}\n"
    assert not any("loop" in ln for ln in jit_lines(r.stderr))


def test_a_loop_that_stays_in_the_vm_loads_no_compiler(tmp_path: Path) -> None:
    p = tmp_path / "strings.ruff"
    p.write_text("func main() {\n s := \"a\"\n i := 0\n while i < 5000 { i = i + 1 }\n"
                 " for j in range(0.5) { }\n print(s, i)\n}\nmain()\n")
    r = rufc("run", str(p), env=debug_env())
    assert r.exit_code == 0 and r.stdout == "a 5000\n"
    lines = jit_lines(r.stderr)
    assert any(ln.startswith("[jit] main: loop at 4:2 stays in the VM: ") for ln in lines)
    assert not any("compiler loaded" in ln for ln in lines)


def test_for_each_loops_have_no_counter() -> None:
    from rufc.runtime.vm import VM, VMOptions
    src = "func f(a) {\n s := 0\n for x in a { s = s + x }\n return s\n}\nprint(f([1]))\n"
    module = lower_program(parse(src, "t.ruff"), NAMES)
    assert "ON_HOT_LOOP" not in VM(VMOptions(jit=True)).generate(module).source


def test_top_level_loops_run_natively_with_their_private_globals(tmp_path: Path) -> None:
    src = ("func peek() {\n return shared\n}\nshared := 1\n"
           "t := 0\nfor i in range(3000) { t = t + peek() }\n"
           "u := 0\nfor i in range(3000) { u = u + i }\nprint(t, u)\n")
    p = tmp_path / "top.ruff"
    p.write_text(src)
    # with boxed values (the default) both loops compile, globals and all
    r = rufc("run", str(p), env=debug_env())
    assert r.exit_code == 0 and r.stdout == "3000 4498500\n"
    assert "[jit] <main>: entering the compiled loop at 6:15" in jit_lines(r.stderr)
    r = rufc("run", str(p), env=debug_env(RUFC_JIT_BOXED="0"))
    assert r.exit_code == 0 and r.stdout == "3000 4498500\n"
    lines = jit_lines(r.stderr)
    # without them, peek reads the global `shared`: the first loop stays in the VM,
    # the second not
    assert any(ln.startswith("[jit] <main>: loop at 6:15 stays in the VM: ") for ln in lines)
    assert "[jit] <main>: loop at 8:15: compiling the rest of <main> from the loop " \
           "(t: int, u: int)" in lines
    assert "[jit] <main>: entering the compiled loop at 8:15" in lines
