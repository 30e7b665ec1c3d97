"""Tier-differential fuzzing, bounded for CI: generated programs aimed at the hot tier
(tests/fuzz/jitgen.py) print the same, byte for byte, with the JIT off, at the default
threshold and at threshold 0. `python3 tests/fuzz/jitgen.py --run --seconds N` runs
the same check for as long as you like."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from jitgen import generate, run_tiers  # noqa: E402

SEEDS = range(25)


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_program_runs_the_same_in_every_tier(seed: int, tmp_path: Path) -> None:
    path = tmp_path / f"jit_{seed}.ruff"
    path.write_text(generate(seed), encoding="utf-8")
    vm, default, eager = run_tiers(path)
    assert vm[2] != 70 and "Traceback" not in vm[1], vm[1]
    assert default == vm, "the default threshold differs from --no-jit"
    assert eager == vm, "--jit-threshold 0 differs from --no-jit"


def test_the_generator_reaches_the_hot_tier(tmp_path: Path) -> None:
    """The programs are not all refused: functions of them compile."""
    import os
    import subprocess
    compiled = 0
    for seed in range(5):
        path = tmp_path / f"jit_{seed}.ruff"
        path.write_text(generate(seed), encoding="utf-8")
        env = dict(os.environ, DEBUG_JIT="1")
        r = subprocess.run([sys.executable, "-m", "rufc", "run", "--jit-threshold", "0",
                            str(path)], capture_output=True, text=True, env=env, timeout=120)
        compiled += r.stderr.count("[jit] compiled ")
    assert compiled >= 5
