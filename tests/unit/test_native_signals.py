"""SIGINT while native code recurses without loops (issue 17): native calls poll every
helpers.POLL_EVERY calls (a countdown in the native state), as native loops poll every
POLL_EVERY iterations, so the run stops promptly with exit 130, as in the VM. Without
the call countdown fib(50) below held the GIL for minutes (fib(45): 10 s)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

FIB = ("func fib(n) {\n    if n < 2 { return n }\n    return fib(n - 1) + fib(n - 2)\n}\n"
       "print(fib(20))\nprint(fib(50))\n")


def test_sigint_stops_a_deep_native_recursion(tmp_path: Path) -> None:
    f = tmp_path / "fib.ruff"
    f.write_text(FIB)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUFC_")}
    env["DEBUG_JIT"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "rufc", "run", "--jit-threshold", "0", str(f)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    for line in proc.stderr:          # wait until fib runs in native code
        if "fib: VM callers enter native code" in line:
            break
    time.sleep(1.0)                   # fib(20) is done, fib(50) runs
    proc.send_signal(signal.SIGINT)
    start = time.monotonic()
    try:
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "rufc: interrupted" in err
    assert time.monotonic() - start < 20
