"""Runs the lit/FileCheck suite in tests/lit, so that pytest's summary counts it."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from rufc.dialects.optable import OPS

LIT_DIR = Path(__file__).parent / "lit"


def test_lit_suite_passes() -> None:
    # lit 23 has no `python -m lit`; its entry point is lit.main.main (TECH-NOTES §7).
    result = subprocess.run(
        [sys.executable, "-c", "from lit.main import main; main()", "-v", str(LIT_DIR)],
        capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"lit failed:\n{output}"
    assert re.search(r"Passed\s*:\s*[1-9]", output), f"lit ran no test:\n{output}"


def test_every_op_has_a_checked_round_trip_in_tests_lit_dialect() -> None:
    checked = "\n".join(
        line for path in sorted((LIT_DIR / "dialect").glob("*.mlir"))
        if "--verify-diagnostics" not in path.read_text()
        for line in path.read_text().splitlines() if line.startswith("// CHECK"))
    missing = [s.name for s in OPS if not re.search(rf"\b{re.escape(s.name)}\b(?!_)", checked)]
    assert not missing, f"no CHECK line in tests/lit/dialect/*.mlir mentions {missing}"
