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
import time
from collections.abc import Callable
from types import FrameType
from typing import TypeVar

T = TypeVar("T")

DEFAULT_STACK_BYTES = 1024 * 1024 * 1024  # reserved address space; pages are used lazily
# The smallest stack rufc runs on when the address space is limited (`ulimit -v`).
MIN_STACK_BYTES = 32 * 1024 * 1024
# The C stack one Ruff call may take, to size the call-depth limit to a stack smaller
# than DEFAULT_STACK_BYTES. The deepest kind measured: a recursion through `map` and a
# closure, about 1 KiB a call in the default tier (code moving between the VM and
# native code; a million calls fit in 1 GiB, 131072 crashed 128 MiB) and 500 bytes at
# --jit-threshold 0. Twice that, for a margin.
BYTES_PER_CALL = 2048

_granted = DEFAULT_STACK_BYTES


class StackUnavailable(MemoryError):
    """Not even MIN_STACK_BYTES of address space for a thread's stack."""


def granted_stack_bytes() -> int:
    """The size of the stack the current `call_with_big_stack` runs on."""
    return _granted


def call_with_big_stack(fn: Callable[[], T], stack_bytes: int = DEFAULT_STACK_BYTES) -> T:
    """fn() on a fresh thread with a `stack_bytes` stack; its exception is re-raised here.

    Where the address space is limited (`ulimit -v`) so that no such thread can start,
    the stack is smaller (`start_with_stack`); fn reads the size it got from
    `granted_stack_bytes()`."""
    global _granted
    result: list[T] = []
    failure: list[BaseException] = []
    ready = threading.Event()   # set once _granted says what the thread got

    def target() -> None:
        ready.wait()
        try:
            result.append(fn())
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            failure.append(exc)

    t = threading.Thread(target=target, name="rufc")
    try:
        _granted = start_with_stack(t, stack_bytes)
        ready.set()
        t.join()
    finally:
        ready.set()
        _granted = DEFAULT_STACK_BYTES
    if failure:
        raise failure[0]
    return result[0]


def start_with_stack(t: threading.Thread, stack_bytes: int) -> int:
    """Start thread t with a stack of `stack_bytes`; where the address space does not
    allow that (`ulimit -v`), with an eighth of it, else the largest half of that down
    to MIN_STACK_BYTES (else StackUnavailable): an eighth, not the largest size that
    would fit, so that the heap (and LLVM's code) keeps room. Returns the size it got.
    Threads that t starts get Python's default size again (the setting is the
    process's), so that a small helper thread never reserves a big stack. Each size is
    tried a few times: the stack of a thread that just ended may not be unmapped yet."""
    old_size = threading.stack_size()
    size = stack_bytes
    try:
        while True:
            threading.stack_size(size)
            for k in range(4):
                try:
                    t.start()
                    return size
                except RuntimeError:   # "can't start new thread": no room for its stack now
                    time.sleep(0.01 * (k + 1))
            if size <= MIN_STACK_BYTES:
                raise StackUnavailable(f"cannot start a thread with a {size >> 20} MiB stack")
            size = max(MIN_STACK_BYTES, size // 8 if size == stack_bytes else size // 2)
    finally:
        threading.stack_size(old_size)


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
