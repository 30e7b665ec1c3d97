"""`with paused_gc():` around a stage that builds a large acyclic structure.

Parsing and lowering allocate a few objects per token and free nothing until they
end, so every collection of CPython's cyclic GC finds nothing to free, and the full
collections it triggers as the heap grows cost about a quarter of those stages on big
inputs (a print of a million arguments). The structures they build hold no cycles, so
the collector is paused while they run and resumes (if it was on) afterwards.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
