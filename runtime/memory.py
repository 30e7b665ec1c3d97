"""Refusing an allocation the machine cannot hold, before making it.

A builtin that builds a value of a size given by its arguments (`range(0, 10**9)`)
fills it element by element: each small allocation succeeds until the kernel's
out-of-memory killer ends the process (SIGKILL, no message), because Linux
overcommits memory. Such a builtin asks `check(nbytes)` first: when the value would
need more memory than is available (MemAvailable in /proc/meminfo, within a cgroup
v2 limit and RLIMIT_AS when one is set), it raises MemoryError, which every tier
reports as the runtime error `Out of memory` (exit 4, catchable by `try`).

Only large requests look (SMALL bytes and more): reading /proc costs some 20 µs.
A program that grows a value step by step can still exhaust memory; that is the same
in every language and tier. Where none of these can be read, nothing is refused.
"""
from __future__ import annotations

import resource
from pathlib import Path
from typing import Final

SMALL: Final = 64 << 20   # requests below 64 MiB are never checked


def available_bytes() -> int | None:
    """How many bytes this process could still allocate, or None if unknown."""
    limits: list[int] = []
    info = _kib_fields("/proc/meminfo")
    if "MemAvailable" in info:
        limits.append((info["MemAvailable"] + info.get("SwapFree", 0)) * 1024)
    try:
        cg = Path("/sys/fs/cgroup")
        top = (cg / "memory.max").read_text().strip()
        if top != "max":
            limits.append(int(top) - int((cg / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limits.append(soft - _kib_fields("/proc/self/status").get("VmSize", 0) * 1024)
    return min(limits) if limits else None


def _kib_fields(path: str) -> dict[str, int]:
    """The `Name:   123 kB` lines of a /proc file, in KiB."""
    out: dict[str, int] = {}
    try:
        text = Path(path).read_text()
    except OSError:
        return out
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) == 2 and parts[1] == "kB" and parts[0].isdigit():
            out[name] = int(parts[0])
    return out


def check(nbytes: int) -> None:
    """Raise MemoryError if `nbytes` more cannot be allocated."""
    if nbytes < SMALL:
        return
    room = available_bytes()
    if room is not None and nbytes > room:
        raise MemoryError(f"{nbytes} bytes requested, {room} available")
