"""The REPL (rufc.repl), in a real terminal through pexpect, and without one."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import rufc

pexpect = pytest.importorskip("pexpect")

PROMPT, MORE = "ruff> ", "...   "


def spawn(*args: str, tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    """rufc in a pseudo-terminal, with its history under tmp_path."""
    e = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG_JIT", "RUFC_"))}
    e.update(XDG_STATE_HOME=str(tmp_path / "state"), NO_COLOR="1", **env)
    child = pexpect.spawn(sys.executable, ["-m", "rufc", *args], env=e, encoding="utf-8",
                          timeout=60, dimensions=(40, 200))
    return child


def entry(child, line: str, prompt: str = PROMPT) -> str:  # type: ignore[no-untyped-def]
    """Type a line; return what was printed until the next prompt."""
    child.sendline(line)
    child.expect_exact(prompt)
    return child.before.replace("\r\n", "\n")


def finish(child) -> int:  # type: ignore[no-untyped-def]
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def test_definitions_values_continuation_and_ctrl_d(tmp_path: Path) -> None:
    child = spawn(tmp_path=tmp_path)
    child.expect_exact(PROMPT)
    assert entry(child, "let base := 40").strip().endswith("let base := 40")
    assert "42" in entry(child, "base + 2")
    # a function over several lines: continuation prompts while the block is open
    entry(child, "func add(a, b) {", MORE)
    entry(child, "    return a + b", MORE)
    entry(child, "}")
    out = entry(child, "add(base, 2)")
    assert out.split("\n")[-2].strip() == "42"
    entry(child, "struct P { x, y }")
    assert "P { x: 1, y: 2 }" in entry(child, "P { x: 1, y: 2 }")
    assert '"a\\nb"' in entry(child, '"a\\nb"')          # strings are shown quoted
    assert entry(child, 'print("hi")').split("\n")[-2].strip() == "hi"   # no "null" after it
    assert entry(child, "null").split("\n")[1:] == [""]   # the echo, nothing shown
    assert finish(child) == 0


def test_errors_are_shown_and_the_session_goes_on(tmp_path: Path) -> None:
    child = spawn(tmp_path=tmp_path)
    child.expect_exact(PROMPT)
    entry(child, "mut n := 1")
    out = entry(child, "1 +* 2")
    assert "<repl>:2:4: error: Unexpected token '*'" in out
    assert "^" in out
    entry(child, "func boom(x) {", MORE)
    entry(child, "    return x / 0", MORE)
    entry(child, "}")
    out = entry(child, "boom(n)")
    assert "<repl>:4:14: runtime error: Division by zero" in out
    assert "in boom at <repl>:4:14" in out
    assert "undefined_name" in entry(child, "undefined_name")
    assert "2" in entry(child, "n + 1")   # still alive, definitions kept
    assert finish(child) == 0


def test_ctrl_c_cancels_the_entry(tmp_path: Path) -> None:
    child = spawn(tmp_path=tmp_path)
    child.expect_exact(PROMPT)
    entry(child, "func f(x) {", MORE)
    child.sendintr()
    child.expect_exact(PROMPT)
    assert "(cancelled)" in child.before
    assert "7" in entry(child, "3 + 4")
    # a running entry is stopped too
    child.sendline("mut i := 0")
    child.expect_exact(PROMPT)
    child.sendline("while true { i += 1 }")
    child.expect_exact("while true")
    time.sleep(1.0)
    child.sendintr()
    child.expect_exact(PROMPT)
    assert "interrupted" in child.before
    assert "true" in entry(child, "i > 0")
    assert finish(child) == 0


def test_a_function_defined_at_the_prompt_gets_hot(tmp_path: Path) -> None:
    child = spawn(tmp_path=tmp_path, DEBUG_JIT="1")
    child.expect_exact(PROMPT)
    entry(child, "func fib(n) {", MORE)
    entry(child, "    if n < 2 { return n }", MORE)
    entry(child, "    return fib(n - 1) + fib(n - 2)", MORE)
    entry(child, "}")
    out = entry(child, "fib(20)")
    assert "[jit] fib: hot after 100 calls" in out
    assert "[jit] compiled fib(int)" in out
    assert "6765" in out
    # redefining it discards the native code that called the old one directly
    entry(child, "func fib(n) { return n * 2 }")
    assert "40" in entry(child, "fib(20)")
    assert finish(child) == 0


def test_run_i_enters_the_repl_with_the_globals_of_the_file(tmp_path: Path) -> None:
    prog = tmp_path / "prog.ruff"
    prog.write_text('let greeting := "hello"\nfunc twice(x) {\n    return x * 2\n}\n'
                    'print("ran")\n')
    child = spawn("run", "-i", str(prog), tmp_path=tmp_path)
    child.expect_exact(PROMPT)
    assert "ran" in child.before
    assert "42" in entry(child, "twice(21)")
    assert '"hello"' in entry(child, "greeting")
    out = entry(child, 'twice("a")')
    assert "runtime error" in out and f"in twice at {prog}:3:" in out
    assert finish(child) == 0


def test_history_is_kept_and_an_unwritable_state_dir_is_no_error(tmp_path: Path) -> None:
    child = spawn(tmp_path=tmp_path)
    child.expect_exact(PROMPT)
    entry(child, "1 + 1")
    assert finish(child) == 0
    assert "1 + 1" in (tmp_path / "state" / "rufc" / "history").read_text()
    blocked = tmp_path / "file"
    blocked.write_text("")
    e = dict(os.environ, XDG_STATE_HOME=str(blocked))
    child = pexpect.spawn(sys.executable, ["-m", "rufc", "repl"], env=e, encoding="utf-8",
                          timeout=60)
    child.expect_exact(PROMPT)
    assert "2" in entry(child, "1 + 1")
    assert finish(child) == 0


# ---------------------------------------------------------------- without a terminal


def test_repl_reads_standard_input_without_prompts() -> None:
    r = rufc("repl", stdin='x := 5\nx * 2\n"s"\nfunc f(n) {\n  return n + 1\n}\nf(x)\n'
             'print("p")\nnope\nx\n')
    assert r.exit_code == 0
    assert r.stdout == '10\n"s"\n6\np\n5\n'
    assert r.stderr.startswith("<repl>:9:1: runtime error: Undefined variable: nope\n")


def test_forward_reference_and_redefinition() -> None:
    r = rufc("repl", "--jit-threshold", "0",
             stdin="func f(n) { return g(n) + 1 }\nfunc g(n) { return n * 10 }\nf(2)\n"
                   "func g(n) { return n }\nf(2)\n")
    assert (r.stdout, r.exit_code) == ("21\n3\n", 0)


def test_entries_keep_file_semantics_for_declarations() -> None:
    r = rufc("repl", stdin="let a := 1\na = 2\nlet a := 3\na\n")
    assert r.stdout == "1\n"
    assert "<repl>:2:1: runtime error: Cannot reassign immutable let binding: a" in r.stderr
    assert "<repl>:3:1: runtime error: Duplicate declaration in the same scope: a" in r.stderr


def test_no_arguments_without_a_terminal_runs_standard_input() -> None:
    r = rufc(stdin="print(1 + 2)\n")
    assert (r.stdout, r.exit_code) == ("3\n", 0)


def test_ctrl_c_stops_a_native_loop_and_the_jit_goes_on(tmp_path: Path) -> None:
    child = spawn("repl", "--jit-threshold", "0", tmp_path=tmp_path)
    child.expect_exact(PROMPT)
    entry(child, "func spin(n) {", MORE)
    entry(child, "    mut i := 0", MORE)
    entry(child, "    while i < n { i += 1 }", MORE)
    entry(child, "    return i", MORE)
    entry(child, "}")
    assert "10" in entry(child, "spin(10)")   # compiled at its first call
    child.sendline("spin(100000000000)")
    child.expect_exact("spin(100000000000)")
    time.sleep(1.0)
    child.sendintr()
    child.expect_exact(PROMPT)
    assert "interrupted" in child.before
    assert "1000" in entry(child, "spin(1000)")
    assert finish(child) == 0


def test_stable_globals_follow_the_last_top_level_binding() -> None:
    """A global function is stable (native code may call it directly) while its one
    binding is a top-level `func`: an earlier entry's top level has run and can bind
    nothing any more, a function body can rebind it at any time."""
    from rufc.repl import Session
    s = Session(jit=False, threshold=100, max_depth=None)
    assert s.execute("func f(x) { return x }")
    assert s.writes.stable() == {"f": "f"}
    assert s.execute("f = 3")
    assert "f" not in s.writes.stable()
    assert s.execute("func f(x) { return x + 1 }")
    assert s.writes.stable() == {"f": "f_2"}
    assert s.execute("func g() { f = 1 }")
    assert "f" not in s.writes.stable() and s.writes.stable()["g"] == "g"
