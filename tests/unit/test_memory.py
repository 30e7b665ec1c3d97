"""runtime/memory.py: builtins that build a value of a size given by their arguments
refuse one the machine cannot hold (MemoryError: `Out of memory`, exit 4) before
filling it, instead of being killed by the kernel half-way (issue 17)."""
from __future__ import annotations

import sys

import pytest

from rufc.runtime import memory


def test_small_requests_are_never_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda: 0)
    memory.check(memory.SMALL - 1)
    with pytest.raises(MemoryError):
        memory.check(memory.SMALL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_what_linux_has_left_is_read_and_enforced() -> None:
    room = memory.available_bytes()
    assert room is not None and room > 0
    memory.check(min(room // 2, 1 << 30))
    with pytest.raises(MemoryError):
        memory.check(room + (1 << 40))


def test_unknown_memory_refuses_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda: None)
    memory.check(1 << 62)
