"""Every tier gives the same answer: each program runs with the JIT off, with the
default threshold (compiling in the background, as for a user) and with
`--jit-threshold 0`, and stdout, stderr and the exit code must be byte-identical.

Programs: the public conformance suite, `examples/`, the JIT's own programs
(`tests/jit/`, which warm functions up and then change the kinds of their arguments,
raise errors inside native code, recurse deeply, ...) and the fuzz regressions.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import CONFORMANCE, REPO, rufc

PROGRAMS = sorted(
    [*(CONFORMANCE.rglob("*.ruff") if CONFORMANCE.is_dir() else []),
     *(REPO / "examples").glob("*.ruff"),
     *(REPO / "tests" / "jit").glob("*.ruff"),
     *(REPO / "tests" / "fuzz").glob("*.ruff")])


def _id(p: Path) -> str:
    for base in (CONFORMANCE, REPO):
        try:
            return str(p.relative_to(base))
        except ValueError:
            pass
    return str(p)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEBUG_JIT", "RUFC_JIT", "RUFC_JIT_THRESHOLD", "RUFC_JIT_FAIL")}
    return env


@pytest.mark.parametrize("program", PROGRAMS, ids=[_id(p) for p in PROGRAMS])
def test_tiers_agree(program: Path) -> None:
    env = _env()
    base = rufc("run", "--no-jit", str(program), env=env)
    # The defaults are a user's: compiling in the background (the test suite otherwise
    # compiles at once, RUFC_JIT_SYNC=1); threshold 0 compiles everything, at once.
    default = {k: v for k, v in env.items() if k != "RUFC_JIT_SYNC"}
    for flags, run_env in (([], default), (["--jit-threshold", "0"], env)):
        other = rufc("run", *flags, str(program), env=run_env)
        assert other.stdout == base.stdout, f"stdout differs with {flags or 'defaults'}"
        assert other.stderr == base.stderr, f"stderr differs with {flags or 'defaults'}"
        assert other.exit_code == base.exit_code, f"exit code differs with {flags or 'defaults'}"
