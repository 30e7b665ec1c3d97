"""`rufc cache info|clear`, and which cache store `rufc run` uses (docs/caches.md).

    rufc cache info     where the cache is, its cap, entries and bytes per namespace
    rufc cache clear    remove every entry

The store itself is `rufc.runtime.cache`; this module only connects it to the command
line: `--no-cache` and RUFC_NO_CACHE=1 turn it off, RUFC_CACHE_DIR moves it.
"""
from __future__ import annotations

import sys
from typing import Any

from rufc.runtime.cache import CacheStore, default_store

__all__ = ["run_store", "cmd_cache", "format_info"]


def run_store(args: Any) -> CacheStore | None:
    """The store for one `rufc run` (None with --no-cache or RUFC_NO_CACHE=1; then the
    parser's tables are not cached either)."""
    if getattr(args, "no_cache", False):
        from rufc.runtime.cache import disable
        disable()
        return None
    return default_store()


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)  # pragma: no cover


def format_info(info: dict) -> str:
    """`rufc cache info` as text."""
    lines = [f"location: {info['location']}",
             f"size cap: {_size(info['cap'])}" if info["cap"] else "size cap: none",
             f"entries:  {info['entries']} ({_size(info['bytes'])})"]
    for ns in sorted(info["namespaces"]):
        d = info["namespaces"][ns]
        lines.append(f"  {ns}: {d['entries']} ({_size(d['bytes'])})")
    lines.append(f"version:  {info['version']}")
    return "\n".join(lines) + "\n"


def cmd_cache(args: Any) -> int:
    """`rufc cache ACTION`: info (the default) or clear."""
    from rufc.options import UsageError
    action = getattr(args, "action", None) or "info"
    store = CacheStore()
    if action == "info":
        sys.stdout.write(format_info(store.info()))
        return 0
    if action == "clear":
        n = store.clear()
        sys.stdout.write(f"removed {n} entr{'y' if n == 1 else 'ies'} from {store.root}\n")
        return 0
    raise UsageError(f"rufc cache: unknown action {action!r} (info or clear)")
