"""What exact call-depth counting would cost the cold tier (docs/decisions.md, issue 17).

A Ruff call is one Python call in the cold tier. Counting depth exactly needs work on
every call; this times fib(27) (CPU time) written the way the code generator would emit each
option, best of 9:

    plain            CPython's recursion limit does the counting (N + 40, until 2026-12)
    counter+finally  a shared counter, incremented on entry, decremented in `finally`
    depth argument   the callee's depth passed as an extra argument
    budget check     what rufc does since 2026-12: CPython's recursion_remaining, read
                     through ctypes, compared with the helpers' headroom on entry

    python3 bench/depth_counting.py
"""
from __future__ import annotations

import ctypes
import sys
import time

from rufc.runtime.helpers import recursion_counter

LIMIT = 10_000
D = [0]
ROOM = recursion_counter() or ctypes.c_int(1 << 30)


def fib(n: int) -> int:
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def fib_counter(n: int) -> int:
    d = D[0] = D[0] + 1
    if d > LIMIT:
        raise RecursionError
    try:
        if n < 2:
            return n
        return fib_counter(n - 1) + fib_counter(n - 2)
    finally:
        D[0] -= 1


def fib_depth(n: int, d: int) -> int:
    if d > LIMIT:
        raise RecursionError
    if n < 2:
        return n
    return fib_depth(n - 1, d + 1) + fib_depth(n - 2, d + 1)


def fib_budget(n: int) -> int:
    if ROOM.value < 40:
        raise RecursionError
    if n < 2:
        return n
    return fib_budget(n - 1) + fib_budget(n - 2)


def best(f, repeat: int = 9) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.process_time()
        f()
        times.append(time.process_time() - t)
    return min(times)


def main() -> None:
    sys.setrecursionlimit(100_000)
    base = best(lambda: fib(27))
    print(f"plain            {base:.3f} s  1.00x")
    for name, f in (("counter+finally", lambda: fib_counter(27)),
                    ("depth argument ", lambda: fib_depth(27, 1)),
                    ("budget check   ", lambda: fib_budget(27))):
        t = best(f)
        print(f"{name}  {t:.3f} s  {t / base:.2f}x")


if __name__ == "__main__":
    main()
