"""The command-line conventions of issue 18 that lit cannot check: colour on a real
terminal, what each informational flag imports, help generated from the option table,
and --verify-each catching a pass that breaks the IR."""
from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO


def _on_terminal(args: list[str], env: dict[str, str]) -> str:
    """Run rufc with standard error on a pseudo-terminal; what it wrote there."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-m", "rufc", *args], stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=slave, env=env, cwd=REPO)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:   # the terminal closes with the process (EIO)
                break
            if not data:
                break
            chunks.append(data)
        proc.wait(timeout=60)
    finally:
        os.close(master)
    return b"".join(chunks).decode()


@pytest.fixture
def bad_program(tmp_path: Path) -> str:
    f = tmp_path / "bad.ruff"
    f.write_text("x := 1 +\n")
    return str(f)


def test_colour_on_a_terminal_honours_no_color(bad_program: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm"
    coloured = _on_terminal(["run", bad_program], env)
    assert "\x1b[31merror:" in coloured and "\x1b[32m^" in coloured
    assert "\x1b[" not in _on_terminal(["run", bad_program], {**env, "NO_COLOR": "1"})
    assert "\x1b[" not in _on_terminal(["run", bad_program, "--color=never"], env)
    assert "\x1b[" not in _on_terminal(["run", bad_program], {**env, "TERM": "dumb"})
    # NO_COLOR only changes the default
    assert "\x1b[31merror:" in _on_terminal(["run", bad_program, "--color=always"],
                                            {**env, "NO_COLOR": "1"})


def _modules_after(args: list[str]) -> set[str]:
    probe = ("import sys, io, contextlib\nfrom rufc.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    main({args!r})\n"
             "print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True)
    return set(out.stdout.split())


def test_informational_flags_import_only_what_they_need() -> None:
    assert not {"xdsl", "llvmlite", "lark"} & _modules_after(["--list-passes"])
    assert not {"xdsl", "lark"} & _modules_after(["--version"])   # llvmlite: LLVM's version
    assert not {"xdsl", "llvmlite", "lark"} & _modules_after(["run", "--help"])


def test_help_shows_every_option_of_every_command() -> None:
    from rufc.options import COMMANDS, COMMON, command_help, full_help
    text = full_help()
    for cmd in COMMANDS.values():
        assert cmd.prog in text
        own = command_help(cmd) if cmd.name else text
        for opt in [*cmd.options, *COMMON]:
            if opt.flags[0].startswith("-"):
                for flag in opt.flags:
                    assert flag in own, f"{flag} of '{cmd.prog}' is missing from its help"


def test_verify_each_names_the_pass_that_broke_the_ir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A pass that leaves invalid IR: without --verify-each the IR is printed as it is;
    with it, rufc stops after that pass and says which one (exit 3)."""
    from dataclasses import dataclass

    from xdsl.passes import ModulePass

    from rufc import cli
    from rufc.dialects import ruff
    from rufc.passes import registry

    @dataclass(frozen=True)
    class Breaker(ModulePass):
        name = "break-return"

        def apply(self, ctx, op) -> None:  # type: ignore[no-untyped-def]
            for inner in op.walk():
                if isinstance(inner, ruff.ReturnOp) and len(inner.operands) == 1:
                    inner.operands = [inner.operands[0], inner.operands[0]]

    monkeypatch.setitem(registry.PASSES, "break-return", ("test", lambda: Breaker))
    f = tmp_path / "f.ruff"
    f.write_text("func f(n) {\n    return n\n}\nprint(f(1))\n")
    assert cli.main([str(f), "-p", "break-return"]) == 0
    assert "ruff.return(%0, %0)" in capsys.readouterr().out
    assert cli.main([str(f), "-p", "cse,break-return,dce", "--verify-each"]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""
    assert ("error: the IR after 'break-return' does not verify: 'ruff.return' takes at "
            "most one operand, got 2") in captured.err
