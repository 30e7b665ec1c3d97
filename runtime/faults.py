"""Fault injection inside the native runtime helpers (tests only).

`RUFC_JIT_FAIL=raise:NAME` (NAME a row of `helpers.NATIVE_HELPERS`, e.g.
`raise:ruff_rt_call`) makes the first call of that helper raise MemoryError at the
first statement of its `try` block, as if an allocation had failed there, while native
code is running. `raise:NAME:N` fails the N-th call instead (1-based). The helper's own
`except` clause then runs, and the error travels through the native error protocol
(`helpers.NativeState.fail`, the flag native code checks after every call, the
re-raise at the native entry): the program must report it exactly as the VM reports a
MemoryError (`runtime error: Out of memory`, catchable by `try`), never crash.

Why a trace function: the failure must start *inside* the helper, where a real one
would, without a test-only branch in helpers that every native call would pay for.
The tracer is installed only around the chosen call.
"""
from __future__ import annotations

import ast
import inspect
import sys
import textwrap
from collections.abc import Callable
from typing import Any


def first_try_line(impl: Callable[..., Any]) -> int:
    """The line number of the first statement in the first `try` of `impl`."""
    lines, start = inspect.getsourcelines(impl)
    tree = ast.parse(textwrap.dedent("".join(lines)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Try):
            return start + node.body[0].lineno - 1
    raise ValueError(f"{impl.__name__} has no try block to fail in")


def parse(spec: str | None) -> tuple[str, int] | None:
    """(helper name, which call fails) from RUFC_JIT_FAIL, or None if it asks for no
    helper fault."""
    if not spec or not spec.startswith("raise:"):
        return None
    parts = spec.split(":")
    return parts[1], int(parts[2]) if len(parts) > 2 and parts[2] else 1


def bind_failing(impl: Callable[..., Any], rt: Any, nth: int) -> Callable[..., Any]:
    """`impl` bound to `rt` as the JIT binds helpers, whose `nth` call raises
    MemoryError at the first line of its try block."""
    line = first_try_line(impl)
    code = impl.__code__
    calls = [0]

    def local(frame: Any, event: str, arg: Any) -> Any:
        if event == "line" and frame.f_lineno == line:
            frame.f_trace = None
            raise MemoryError("injected allocation failure")
        return local

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        return local if frame.f_code is code else None

    def bound(*args: Any) -> Any:
        calls[0] += 1
        if calls[0] != nth:
            return impl(rt, *args)
        old = sys.gettrace()
        sys.settrace(tracer)
        try:
            return impl(rt, *args)
        finally:
            sys.settrace(old)
    return bound
