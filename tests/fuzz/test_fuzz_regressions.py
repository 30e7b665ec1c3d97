"""Regression tests for fuzzing findings, plus a small bounded random test.

Every `*.ruff` file in this folder is a minimized fuzz finding (or a check that came out
of the fuzzing campaign).  Its header comment says what was expected and what rufc did.
Each one is run with both tiers (`--no-jit` and `--jit-threshold 0`) through
`python -m rufc run`, and must satisfy the process contract of LANGUAGE.md §1:

  * no Python traceback on stdout/stderr,
  * an exit code in {0, 2, 3, 4} (never 70 "internal error", never a signal),
  * exit code 3 means empty stdout,
  * both tiers give identical stdout, stderr and exit code.

Header directives (comment lines at the top of a .ruff file):

  // EXPECT-EXIT: N         the exit code LANGUAGE.md requires
  // EXPECT-STDOUT: text    one line of the required stdout (repeatable, in order)
  // EXPECT-STDERR: text    a substring the required stderr contains (repeatable)
  // XFAIL: reason          the finding is still open: the test is expected to fail
                            (strict, so it turns red once rufc is fixed; then drop it)

The random test generates a handful of programs with `ruffgen.py` (seeded, so each run
checks the same programs) and checks the same contract.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import ruffgen  # noqa: E402

TIERS = {"vm": ["--no-jit"], "jit0": ["--jit-threshold", "0"]}
TRACEBACK = "Traceback (most recent call last)"
TIMEOUT = 20


def run_tier(path: Path, tier: str, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    for var in ("RUFC_JIT", "RUFC_JIT_THRESHOLD", "RUFC_MAX_DEPTH"):
        env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "rufc", "run", str(path), *TIERS[tier], *extra],
                          capture_output=True, timeout=TIMEOUT, env=env, cwd=str(HERE))


def decode(b: bytes) -> str:
    return b.decode("utf-8", errors="replace")


def check_contract(path: Path, label: str) -> dict[str, subprocess.CompletedProcess]:
    results = {tier: run_tier(path, tier) for tier in TIERS}
    for tier, r in results.items():
        out, err = decode(r.stdout), decode(r.stderr)
        where = f"{label} [{tier}] exit={r.returncode}\nstderr:\n{err[-1500:]}"
        assert TRACEBACK not in out and TRACEBACK not in err, f"Python traceback: {where}"
        assert r.returncode != 70, f"internal error: {where}"
        assert r.returncode in (0, 2, 3, 4), f"unexpected exit code: {where}"
        if r.returncode == 3:
            assert out == "", f"syntax error but stdout not empty: {where}"
    vm, jit = results["vm"], results["jit0"]
    assert (vm.returncode, vm.stdout, vm.stderr) == (jit.returncode, jit.stdout, jit.stderr), (
        f"{label}: tiers disagree\n--no-jit: exit={vm.returncode}\n{decode(vm.stdout)[-800:]}"
        f"\n{decode(vm.stderr)[-800:]}\n--jit-threshold 0: exit={jit.returncode}\n"
        f"{decode(jit.stdout)[-800:]}\n{decode(jit.stderr)[-800:]}")
    return results


def header(path: Path) -> dict[str, list[str]]:
    """The `// KEY: value` directives of the leading comment block."""
    found: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        s = line.strip()
        if not s.startswith("//"):
            if s == "":
                continue
            break
        body = s[2:].strip()
        key, sep, value = body.partition(":")
        if sep and key.isupper() and key.replace("-", "").isalpha():
            found.setdefault(key, []).append(value[1:] if value.startswith(" ") else value)
    return found


def cases() -> list:
    params = []
    for path in sorted(HERE.glob("*.ruff")):
        marks = []
        xfail = header(path).get("XFAIL")
        if xfail:
            marks.append(pytest.mark.xfail(strict=True, reason=xfail[0]))
        params.append(pytest.param(path, id=path.stem, marks=marks))
    return params


@pytest.mark.parametrize("path", cases())
def test_finding(path: Path) -> None:
    results = check_contract(path, path.name)
    h = header(path)
    r = results["vm"]
    if "EXPECT-EXIT" in h:
        assert r.returncode == int(h["EXPECT-EXIT"][0]), (
            f"{path.name}: exit {r.returncode}, expected {h['EXPECT-EXIT'][0]}\n{decode(r.stderr)}")
    if "EXPECT-STDOUT" in h:
        want = "".join(line + "\n" for line in h["EXPECT-STDOUT"])
        assert decode(r.stdout) == want, f"{path.name}: stdout differs\n{decode(r.stderr)}"
    for text in h.get("EXPECT-STDERR", []):
        assert text in decode(r.stderr), f"{path.name}: stderr lacks {text!r}\n{decode(r.stderr)}"


def test_huge_max_depth_is_a_usage_error() -> None:
    """Regression: a --max-depth beyond a C int used to overflow sys.setrecursionlimit
    (internal error, exit 70)."""
    r = subprocess.run([sys.executable, "-m", "rufc", "run", "-c", "print(1)",
                        "--max-depth", "99999999999999999999"],
                       capture_output=True, timeout=TIMEOUT)
    assert r.returncode == 2, decode(r.stderr)
    assert TRACEBACK not in decode(r.stderr)


# Constructs with still-open bugs (see the XFAIL files here) can be left out of the random
# programs (ruffgen's `avoid` names, e.g. "empty_array_pattern"), so that this test stays
# green; empty the set again once they are fixed.
KNOWN_OPEN: frozenset = frozenset()
RANDOM_SEEDS = range(20240601, 20240601 + 20)


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_program(seed: int, tmp_path: Path) -> None:
    src = ruffgen.generate(seed, avoid=KNOWN_OPEN)
    path = tmp_path / f"gen_{seed}.ruff"
    path.write_text(src, encoding="utf-8")
    check_contract(path, f"ruffgen seed {seed}:\n{src}")
