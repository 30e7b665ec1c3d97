"""Running a callable on a thread with a large stack.

Deep Ruff programs (10,000 nested calls, or deeply nested source) must never crash
rufc: the main thread's 8 MiB C stack is not enough for CPython frames that go through
C (builtins calling back into Ruff functions), so parsing, lowering and running happen
on a thread whose stack is sized for it. The caller still sets the recursion limit it
wants inside `fn`.
"""
from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

T = TypeVar("T")

DEFAULT_STACK_BYTES = 1024 * 1024 * 1024  # reserved address space; pages are used lazily


def call_with_big_stack(fn: Callable[[], T], stack_bytes: int = DEFAULT_STACK_BYTES) -> T:
    """fn() on a fresh thread with a `stack_bytes` stack; its exception is re-raised here."""
    result: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            failure.append(exc)

    old_size = threading.stack_size()
    threading.stack_size(stack_bytes)
    try:
        t = threading.Thread(target=target, name="rufc")
        t.start()
        t.join()
    finally:
        threading.stack_size(old_size)
    if failure:
        raise failure[0]
    return result[0]


def python_depth() -> int:
    """How many Python frames are on the stack, the caller's included (what CPython's
    recursion limit is compared with)."""
    depth = 0
    f: FrameType | None = sys._getframe(1)
    while f is not None:
        depth += 1
        f = f.f_back
    return depth


class HelperFrames:
    """`with HelperFrames(n):` around code in a runtime helper that calls Ruff functions:
    the n Python frames of the helper itself do not count toward the Ruff call-depth
    limit, which the VM enforces as one Python frame per Ruff call. The helper must call
    the Ruff function from within these n frames (no comprehension or extra frames)."""
    __slots__ = ("n", "limit")

    def __init__(self, n: int = 1) -> None:
        self.n = n
        self.limit = 0

    def __enter__(self) -> None:
        self.limit = sys.getrecursionlimit()
        sys.setrecursionlimit(self.limit + self.n)

    def __exit__(self, *exc: object) -> None:
        sys.setrecursionlimit(self.limit)
