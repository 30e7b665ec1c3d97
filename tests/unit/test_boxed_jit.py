"""Boxed values in native code (issue 15), with RUFC_JIT_BOXED=1.

- every tests/jit program in three tiers (JIT off, default threshold, threshold 0):
  byte-identical stdout and stderr, same exit code;
- coverage: every conformance program and example at threshold 0; every function that
  got hot compiled (or stayed in the VM for one of the reasons in KNOWN_REASONS below,
  each listed in docs/jit.md: none is left);
- memory: a hot native loop that builds a string per iteration holds no more memory
  after 1M iterations than after 100k (the ownership rule, passes/lowering/boxed.py).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JIT_PROGRAMS = sorted((ROOT / "tests" / "jit").glob("*.ruff"))
CONFORMANCE = ROOT.parent / "shared" / "conformance"
COVERAGE_PROGRAMS = sorted(CONFORMANCE.rglob("*.ruff")) + sorted((ROOT / "examples").glob("*.ruff"))

# What still stays in the VM with boxed values on (docs/jit.md, "What stays in the VM"):
# in these programs, nothing since closures and names with several candidates compile.
KNOWN_REASONS: tuple[str, ...] = ()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DEBUG_JIT", "RUFC_JIT", "RUFC_JIT_THRESHOLD", "RUFC_JIT_FAIL")}
    env.update(RUFC_JIT_BOXED="1", RUFC_JIT_SYNC="1", RUFC_NATIVE_CACHE="0", **extra)
    return env


def _run(*args: str, env: dict[str, str] | None = None,
         timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rufc", "run", *args], capture_output=True,
                          text=True, env=env or _env(), timeout=timeout,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("program", JIT_PROGRAMS, ids=[p.name for p in JIT_PROGRAMS])
def test_tiers_agree_with_boxed_values(program: Path) -> None:
    base = _run("--no-jit", str(program))
    for flags in ([], ["--jit-threshold", "0"]):
        other = _run(*flags, str(program))
        assert other.stdout == base.stdout, f"stdout differs with {flags or 'defaults'}"
        assert other.stderr == base.stderr, f"stderr differs with {flags or 'defaults'}"
        assert other.returncode == base.returncode


def _hot_and_compiled(program: Path) -> tuple[set[str], set[str], dict[str, str]]:
    r = _run("--jit-threshold", "0", str(program), env=_env(DEBUG_JIT="1"))
    assert "internal error" not in r.stderr, r.stderr[-2000:]
    hot, compiled, refused = set(), set(), {}
    for line in r.stderr.splitlines():
        if not line.startswith("[jit] "):
            continue
        line = line[6:]
        m = re.match(r"(\S+): hot after", line)
        if m:
            hot.add(m.group(1))
        m = re.match(r"compiled (.*) in [\d.]+ ms", line)
        if m:
            compiled.update(re.findall(r"([^\s,(]+)\(", m.group(1)))
        m = re.match(r"([^\s(]+)\([^)]*\): stays in the VM: (.*)", line)
        if m:
            refused[m.group(1)] = m.group(2)
    return hot, compiled, refused


@pytest.mark.parametrize("program", COVERAGE_PROGRAMS,
                         ids=[p.name for p in COVERAGE_PROGRAMS])
def test_every_hot_function_compiles_or_has_a_known_reason(program: Path) -> None:
    if not CONFORMANCE.exists() and CONFORMANCE in program.parents:
        pytest.skip("no conformance suite")
    hot, compiled, refused = _hot_and_compiled(program)
    for fn in hot - compiled:
        why = refused.get(fn, "(no reason logged)")
        assert any(re.search(k, why) for k in KNOWN_REASONS), f"{fn}: {why}"


LEAK = """
func build(n) {
    mut total := 0
    for i in range(0, n) {
        s := "item " + to_string(i) + "/" + to_string(n)
        total := total + len(s)
    }
    return total
}
print(build(N))
"""


def _peak_kb(tmp_path: Path, n: int) -> int:
    src = tmp_path / f"leak{n}.ruff"
    src.write_text(LEAK.replace("N", str(n)))
    code = ("import resource, runpy, sys; sys.argv = ['rufc', 'run', '--jit-threshold', '0', "
            f"{str(src)!r}]\n"
            "try:\n    runpy.run_module('rufc', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=_env(DEBUG_JIT="1"), timeout=600)
    assert re.search(r"compiled build\(int\)", r.stderr), r.stderr[-2000:]
    return int(r.stderr.strip().splitlines()[-1])


def test_hot_string_loop_memory_stays_flat(tmp_path: Path) -> None:
    small = _peak_kb(tmp_path, 100_000)
    large = _peak_kb(tmp_path, 1_000_000)
    # 1M strings of ~20 bytes leaked would be > 50 MB; allow noise of a few MB
    assert large - small < 8_000, (small, large)


def test_a_function_too_long_to_compile_stays_in_the_vm(tmp_path: Path) -> None:
    """Past passes/program.MAX_BOXED_FUNCTION_OPS ops on boxed values a function
    stays in the VM with its reason (compiling it would take seconds or more), and
    prints what the VM prints; a shorter one compiles."""
    from rufc.passes.program import MAX_BOXED_FUNCTION_OPS

    def program(statements: int) -> Path:
        body = "".join(f'    s := s + "{i}"\n' for i in range(statements))
        p = tmp_path / f"long{statements}.ruff"
        p.write_text(f'func f(s) {{\n{body}    return len(s)\n}}\nprint(f("a"), f("b"))\n')
        return p

    long, short = program(MAX_BOXED_FUNCTION_OPS // 3), program(20)
    r = _run("--jit-threshold", "0", str(long), env=_env(DEBUG_JIT="1"))
    assert re.search(r"f\(other\): stays in the VM: it has \d+ ops on boxed values "
                     rf"\(more than {MAX_BOXED_FUNCTION_OPS}: too long to compile\)", r.stderr)
    assert r.stdout == _run("--no-jit", str(long)).stdout != ""
    r = _run("--jit-threshold", "0", str(short), env=_env(DEBUG_JIT="1"))
    assert "compiled f(other)" in r.stderr and "too long" not in r.stderr


def test_a_continuation_too_long_to_compile_stays_in_the_vm(tmp_path: Path) -> None:
    """A hot loop whose continuation has more than outline_loop.MAX_BOXED_OPS ops on
    boxed values (ProgramInfo.boxed_ops, as the function budget counts) goes on in
    the VM with its reason; a shorter one continues in native code. Both print
    what the VM prints."""
    from rufc.passes.outline_loop import MAX_BOXED_OPS

    def program(statements: int) -> Path:
        body = "".join(f'    s := s + "{i}"\n' for i in range(statements))
        p = tmp_path / f"cont{statements}.ruff"
        p.write_text("func g(s) {\n    t := 0\n    for i in range(100000) {\n"
                     f"        t = t + i\n    }}\n{body}    return len(s) + t\n}}\n"
                     'print(g("a"))\n')
        return p

    for statements, compiles in ((MAX_BOXED_OPS // 2, False), (20, True)):
        p = program(statements)
        r = _run(str(p), env=_env(DEBUG_JIT="1"))
        refused = re.search(r"g: loop at 3:19 stays in the VM: the rest of the function has "
                            rf"\d+ ops on boxed values \(more than {MAX_BOXED_OPS}: too long",
                            r.stderr)
        assert (refused is None) == compiles, r.stderr[-2000:]
        assert ("g: entering the compiled loop at 3:19" in r.stderr) == compiles
        assert r.stdout == _run("--no-jit", str(p)).stdout != ""
