"""JIT coverage: run programs with --jit-threshold 0 and DEBUG_JIT, count the
functions that got hot and how many of them compiled, and tally the reasons the
others stayed in the VM (issue 15: "measure coverage before and after").

    python3 bench/jit_coverage.py [DIR_OR_FILE ...]   (default: the conformance
    programs and examples/)
"""
from __future__ import annotations

import collections
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT = [REPO.parent / "shared" / "conformance", REPO / "examples"]


def programs(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(p.rglob("*.ruff")) if p.is_dir() else [p])
    return out


def measure(path: Path) -> tuple[set[str], set[str], dict[str, str]]:
    """(hot functions, compiled functions, refused: function -> reason) of one run."""
    # without the native-code cache: a unit loaded from it logs no compilation
    env = dict(os.environ, DEBUG_JIT="1", RUFC_NATIVE_CACHE="0")
    r = subprocess.run([sys.executable, "-m", "rufc", "run", "--jit-threshold", "0", str(path)],
                       capture_output=True, text=True, env=env, timeout=120,
                       stdin=subprocess.DEVNULL)
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
            for sig in re.findall(r"([^\s,(]+)\(", m.group(1)):
                compiled.add(sig)
        m = re.match(r"([^\s(]+)\([^)]*\): stays in the VM: (.*)", line)
        if m:
            refused[m.group(1)] = m.group(2)
    return hot, compiled, refused


def main(argv: list[str]) -> int:
    files = programs([Path(a) for a in argv] or DEFAULT)
    total_hot = total_ok = 0
    reasons: collections.Counter[str] = collections.Counter()
    for f in files:
        hot, compiled, refused = measure(f)
        ok = len(hot & compiled)
        total_hot += len(hot)
        total_ok += ok
        for fn, why in refused.items():
            if fn in hot and fn not in compiled:
                reasons[re.sub(r"\d+:\d+", "L:C", re.sub(r"'[^']*'", "'x'", why))] += 1
        print(f"{ok:4d}/{len(hot):<4d} {f}")
    print(f"\ncoverage: {total_ok} of {total_hot} hot functions compiled "
          f"({100.0 * total_ok / max(total_hot, 1):.1f}%) over {len(files)} programs")
    for why, n in reasons.most_common(25):
        print(f"{n:5d}  {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
