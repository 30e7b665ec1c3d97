"""The `.mlir` mutation fuzzer (tests/fuzz/mlirmut.py), bounded for CI: a fixed range of
seeds (about a minute on one core), each mutant run with `rufc run` and printed with
`--emit=ruff`, ending with a documented exit code (0, 2, 3, 4; 130 after SIGINT for a
mutant that runs long), never 70, a traceback or a hang. A long run:
`python3 tests/fuzz/mlirmut.py --run --seconds 3600 SEED`."""
from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import forkrun  # noqa: E402
import mlirmut  # noqa: E402

CHUNK = 50
SEEDS = range(0, 250)


@pytest.mark.parametrize("start", range(SEEDS.start, SEEDS.stop, CHUNK))
def test_mutated_ir_ends_with_a_documented_exit_code(start: int, tmp_path: Path) -> None:
    problems = []
    for seed in range(start, start + CHUNK):
        name, text = mlirmut.mutant(seed)
        path = tmp_path / f"mut_{seed}.mlir"
        path.write_text(text, encoding="utf-8")
        problem = mlirmut.check(path)
        if problem:
            problems.append(f"seed {seed} (from {name}): {problem}")
    assert not problems, "\n\n".join(problems)


def test_the_mutants_are_not_all_rejected(tmp_path: Path) -> None:
    """The fuzzer reaches past the parser: some mutants still verify and run."""
    assert len(mlirmut.seed_programs()) >= 50
    codes: Counter[int] = Counter()
    for seed in range(40):
        path = tmp_path / f"mut_{seed}.mlir"
        path.write_text(mlirmut.mutant(seed)[1], encoding="utf-8")
        codes[forkrun.run(["run", str(path)], timeout=mlirmut.TIMEOUT, interrupt=True)[2]] += 1
    assert codes[3] >= 10 and codes[0] + codes[4] >= 2, codes
