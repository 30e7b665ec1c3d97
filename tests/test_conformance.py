"""The public conformance suite (../shared/conformance), through the real `rufc run`,
with the JIT off and forced on: every case must pass in every tier."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CONFORMANCE, TIERS, rufc

CASES = sorted(CONFORMANCE.rglob("*.ruff")) if CONFORMANCE.is_dir() else []


def _read(p: Path) -> str | None:
    return p.read_text(encoding="utf-8").replace("\r\n", "\n") if p.exists() else None


@pytest.mark.skipif(not CASES, reason="../shared/conformance not found")
@pytest.mark.parametrize("tier", sorted(TIERS))
@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(CONFORMANCE)) for c in CASES])
def test_conformance_case_passes(case: Path, tier: str) -> None:
    expected_out = _read(case.with_suffix(".out"))
    expected_err = _read(case.with_suffix(".err"))
    code_text = _read(case.with_suffix(".code"))
    expected_code = int(code_text.strip()) if code_text else 0
    result = rufc("run", *TIERS[tier], str(case))
    assert result.stdout.replace("\r\n", "\n") == expected_out
    assert result.exit_code == expected_code, result.stderr
    for line in (expected_err or "").split("\n"):
        if line:
            assert line in result.stderr
    assert "Traceback (most recent call last)" not in result.stderr
