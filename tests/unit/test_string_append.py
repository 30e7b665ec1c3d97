"""`x = x + y` on strings costs linear time in a loop, in every tier (issue 17).

The cold tier computes `x = x + y` into x itself for a local (CPython appends in
place) and through `support.append_global` for a global; native code calls
`PyUnicode_Append` on the variable's slot and `ruff.append_global` (the same helper).
These tests pin what each tier must still get right while it appends in place: every
other holder of the string sees it unchanged, a failed `+` leaves the variable as it
was, and running out of memory in the append ends the program (exit 4, not catchable:
CPython has freed the string; errors.FatalError).
"""
from __future__ import annotations

import os
import resource
import subprocess
import sys

import pytest
from conftest import ALL_TIERS, REPO, rufc

PROGRAM = REPO / "tests" / "jit" / "string_append.ruff"

EXPECTED = """\
6000 a b
89700 ééé €€ 😀😀
start!!|start!!!
abababababababab
{"k": 0, "kk": 1, "kkk": 2} kkkk
abcabc
qrrr 7 3.5
Invalid binary operation: string + int / s ; Integer overflow: 9223372036854775800 + 100 \
/ 9223372036854775800 ; st
400 n ;
200
Cannot reassign immutable let binding: fixed f
Integer overflow: 9223372036854775807 + 1 9223372036854775807
"""


@pytest.mark.parametrize("tier", sorted(ALL_TIERS))
def test_appends_give_the_vms_answers(tier: str) -> None:
    """The program's own answers (test_differential only compares the tiers)."""
    r = rufc("run", *ALL_TIERS[tier], str(PROGRAM))
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == EXPECTED


# Appending inside `try`, so that a catchable error would print "caught".
_TRY_APPEND = """\
mut g := "a"
func grow(s0, piece) {
    mut s := s0
    try {
        s = s + piece
    } except e {
        print("caught", e.message)
    }
    return s
}
func grow_global(piece) {
    try {
        g = g + piece
    } except e {
        print("caught", e.message)
    }
}
mut i := 0
while i < 3 {
    print(len(grow("ab", "cd")))
    grow_global("b")
    i += 1
}
grow_global("zz")
print("not reached")
"""

# Runs rufc in this interpreter with the append of "zz" made to fail as CPython's does
# when memory runs out: the helper both tiers call for `g = g + y` raises from the
# `except MemoryError` of its real code path.
_DRIVER = """\
import sys
from rufc.runtime import boxed_helpers, errors, helpers, support
real = support.append_global
def append_global(ns, name, key, b):
    if b != "zz":
        return real(ns, name, key, b)
    try:
        raise MemoryError
    except MemoryError:
        errors.append_failed()
helpers.VM_HELPERS["APPEND_G"] = append_global
boxed_helpers.OPS["ruff.append_global"] = lambda rt, x, b: append_global(
    rt.ns, x, "G_" + rt.py_name(x), b)
from rufc.cli import main
sys.argv = ["rufc", "run", *sys.argv[1:]]
sys.exit(main())
"""


@pytest.mark.parametrize("tier", ["vm", "jit"])
def test_out_of_memory_in_a_global_append_is_not_catchable(tier: str, tmp_path) -> None:
    src = tmp_path / "p.ruff"
    src.write_text(_TRY_APPEND)
    flags = ["--no-jit"] if tier == "vm" else ["--jit-threshold", "0", "--no-cache"]
    proc = subprocess.run([sys.executable, "-c", _DRIVER, *flags, str(src)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stderr
    assert "caught" not in proc.stdout and "not reached" not in proc.stdout
    assert proc.stderr.startswith(f"{src}:13:15: runtime error: Out of memory\n"), proc.stderr


def test_fatal_error_is_not_catchable() -> None:
    from rufc.runtime.errors import CATCHABLE, FatalError, append_failed
    assert not issubclass(FatalError, CATCHABLE)
    with pytest.raises(FatalError, match="Out of memory"):
        append_failed()


def _limit_address_space() -> None:
    # the program's thread reserves a 1 GiB stack; the rest is for the strings
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


@pytest.mark.skipif(not os.environ.get("RUFC_SLOW_TESTS"), reason="slow: set RUFC_SLOW_TESTS=1")
@pytest.mark.parametrize("tier", ["vm", "jit"])
def test_real_out_of_memory_in_a_local_append(tier: str, tmp_path) -> None:
    """A real allocation failure (a 3 GiB address-space limit; up to 2 GB of memory):
    appending 100 MB at a time until the limit, inside `try`."""
    src = tmp_path / "p.ruff"
    src.write_text('func grow(s0, piece) {\n    mut s := s0\n    try {\n        while true {\n'
                   '            s = s + piece\n        }\n    } except e {\n'
                   '        print("caught", e.message)\n    }\n    return len(s)\n}\n'
                   'print(grow("a", repeat("y", 100000000)))\n')
    flags = ["--no-jit"] if tier == "vm" else ["--jit-threshold", "0", "--jit-sync"]
    proc = subprocess.run([sys.executable, "-m", "rufc", "run", *flags, str(src)],
                          capture_output=True, text=True, timeout=300,
                          preexec_fn=_limit_address_space)
    assert proc.returncode == 4, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.startswith(f"{src}:5:19: runtime error: Out of memory\n"), proc.stderr
