"""Running a callable on a thread with a large stack.

Deep Ruff programs (10,000 nested calls, or deeply nested source) must never crash
rufc: the main thread's 8 MiB C stack is not enough for CPython frames that go through
C (builtins calling back into Ruff functions), so parsing, lowering and running happen
on a thread whose stack is sized for it. The caller still sets the recursion limit it
wants inside `fn`.
"""
from __future__ import annotations

import threading
from typing import Callable, TypeVar

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
