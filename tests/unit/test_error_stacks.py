"""`e.stack` after the change that made catching linear (issue 17): each `except`
shares the frames outside its `try` with the errors caught below them
(VM.outer_frames, NativeState.segment_frames) and builds the array when `e.stack`
is first read (values.LazyStack). What every tier shows must stay what the old
eager walk showed: the expected text below is that walk's output."""
from __future__ import annotations

import pytest
from conftest import ALL_TIERS, REPO, rufc

PROGRAM = REPO / "tests" / "jit" / "error_stacks.ruff"

EXPECTED = """\
[thrower, thrower, thrower, thrower, catch_at, <main>] 8
[thrower, thrower, thrower, thrower, catch_at, catch_at, <main>] 8
[thrower, thrower, thrower, thrower, catch_at, catch_at, catch_at, <main>] 8
3 9 rethrow 34
6 6 rethrow 34
9 3 rethrow 34
[rethrow, <main>] deep
3 9 rethrow 34
6 6 rethrow 34
9 3 rethrow 34
[rethrow, <main>] deep
3 9 rethrow 34
6 6 rethrow 34
9 3 rethrow 34
[rethrow, <main>] deep
[P.boom, via_method, <main>] [<anonymous>, via_closure, <main>] [thrower, twice_caught, <main>] / \
[twice_caught, <main>] again
[P.boom, P.boom, P.boom, P.boom, via_method, <main>] [<anonymous>, via_closure, <main>] [thrower, \
thrower, twice_caught, <main>] / [twice_caught, <main>] again
[P.boom, P.boom, P.boom, via_method, <main>] [<anonymous>, via_closure, <main>] [thrower, thrower, \
thrower, twice_caught, <main>] / [twice_caught, <main>] again
[P.boom, P.boom, via_method, <main>] [<anonymous>, via_closure, <main>] [thrower, twice_caught, \
<main>] / [twice_caught, <main>] again
true false [errs, <main>] Error { line: 79, message: Index out of bounds: 5, stack: [errs, <main>] }
Error { line: 99, message: Division by zero, stack: [errs, <main>] } 79 true
"""


@pytest.mark.parametrize("tier", sorted(ALL_TIERS))
def test_stacks_are_the_eager_walks(tier: str) -> None:
    r = rufc("run", *ALL_TIERS[tier], str(PROGRAM))
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == EXPECTED


@pytest.mark.parametrize("tier", sorted(ALL_TIERS))
def test_rethrow_at_every_level(tier: str) -> None:
    """A re-throw at each of 3000 levels (quadratic before: every catch walked every
    frame); the last catch sees the frames of the last throw."""
    src = ("func f(n) {\n    if n == 0 {\n        throw(\"deep\")\n    }\n    try {\n"
           "        return f(n - 1)\n    } except e {\n        if n == 2000 {\n"
           "            print(len(e.stack), e.stack[0], e.stack[len(e.stack) - 1], e.line)\n"
           "        }\n        throw(e)\n    }\n}\n"
           "try {\n    f(3000)\n} except e {\n    print(e.message, e.stack, e.line)\n}\n")
    r = rufc("run", *ALL_TIERS[tier], "-c", src)
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == "1003 f <main> 11\ndeep [f, <main>] 11\n"
