"""Shared test fixtures: where things are, and running `rufc` as a user would."""
from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

# Tests never touch the user's cache (docs/caches.md): every rufc they start, and the
# parser in this process, use a fresh store that is removed at the end.
_CACHE_DIR = tempfile.mkdtemp(prefix="rufc-test-cache-")
os.environ["RUFC_CACHE_DIR"] = _CACHE_DIR
os.environ.pop("RUFC_NO_CACHE", None)
atexit.register(shutil.rmtree, _CACHE_DIR, True)
# Hot functions compile at the call that makes them hot (--jit-sync), so that tests see
# the same compile events on every run; test_native_cache.py runs the background
# compilation against it.
os.environ["RUFC_JIT_SYNC"] = "1"

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CONFORMANCE = SHARED / "conformance"


@dataclass
class Result:
    stdout: str
    stderr: str
    exit_code: int


def rufc(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
         timeout: float = 120) -> Result:
    """Run the real `rufc` command (as `python -m rufc`, so no PATH is needed)."""
    proc = subprocess.run([sys.executable, "-m", "rufc", *args], input=stdin,
                          capture_output=True, text=True, timeout=timeout, env=env)
    return Result(proc.stdout, proc.stderr, proc.returncode)


TIERS = {"vm": ["--no-jit"], "jit": ["--jit-threshold", "0"]}
# the three ways a user runs a program: JIT off, the default threshold, threshold 0
ALL_TIERS = {"vm": ["--no-jit"], "default": [], "jit": ["--jit-threshold", "0"]}


def run_source(source: str, tier: str = "vm", tmp_path: Path | None = None) -> Result:
    """Run Ruff source text with one tier: 'vm' (JIT off) or 'jit' (threshold 0)."""
    return rufc("run", *TIERS[tier], "-c", source)


@pytest.fixture(params=sorted(TIERS))
def tier(request: pytest.FixtureRequest) -> str:
    return request.param
