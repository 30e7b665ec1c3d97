"""Where the JIT's compiled units come from: the native-code cache, a compiling worker,
or the compiler in this process (docs/jit.md, "Compiled units").

`JIT.specialize` asks `Units.before_compile(st, kinds)` first:

* a cache entry for the unit (rufc.runtime.native_cache) is loaded as object code:
  llvmlite only, no xdsl, no LLVM optimizer;
* otherwise, unless the run is synchronous (`--jit-sync`, RUFC_JIT_SYNC=1), the unit is
  compiled by a worker (rufc.runtime.background) while the program goes on in the VM;
* otherwise the JIT compiles it here, and `store` puts the unit in the cache.

Any entry that cannot be used (corrupt, from another build, a global that was bound
then and is not now, sites or functions that clash with what is loaded) is a miss,
logged with DEBUG_JIT; a failure to write the cache is logged and changes nothing
else. `RUFC_JIT_FAIL=cache-write` injects such a failure (tests).
"""
from __future__ import annotations

import logging
import os
import time
from typing import Any

from rufc.runtime import helpers as H
from rufc.runtime import native_cache as NC

log = logging.getLogger("rufc.jit")

__all__ = ["Units", "setup"]


class Units:
    """The compiled units of one JIT: keys, the cache, the background worker."""

    def __init__(self, jit: Any, store: Any, sync: bool) -> None:
        self.jit = jit
        self.store = store
        self.sync = sync
        self.worker: Any = None
        if not sync:
            from rufc.runtime.background import Worker
            self.worker = Worker(jit, self)
        self._program: str | None = None
        self._host: str | None = None
        self.loaded = 0          # units loaded from the cache
        self.stored = 0

    def key(self, sym: str, kinds: tuple[str, ...]) -> str:
        if self._program is None:
            self._program = NC.program_digest(self.jit.module)
            # code compiled with boxed values on is another code for the same key
            self._host = NC.host_id() + ("/boxed" if H.boxed_enabled() else "")
        assert self._host is not None
        return NC.unit_key(self._program, sym, kinds, self._host)

    def is_waiting(self, sym: str) -> bool:
        return self.worker is not None and self.worker.is_waiting(sym)

    def poll(self) -> None:
        if self.worker is not None:
            self.worker.poll()

    # ------------------------------------------------------------ before compiling

    def before_compile(self, st: Any, kinds: tuple[str, ...]) -> bool | None:
        """True: the unit was loaded (cache); False: a worker compiles it; None: the
        caller compiles it now."""
        if self.store is not None:
            try:
                key = self.key(st.sym, kinds)
            except Exception as exc:  # noqa: BLE001 - no key, no cache
                self._debug("native-code cache: no key for %s: %s: %s",
                            _sig(st.name, kinds), type(exc).__name__, exc)
            else:
                if self._from_cache(st, kinds, key):
                    return True
        if self.worker is not None:
            return False if self.worker.submit(st, kinds) else None
        return None

    def _from_cache(self, st: Any, kinds: tuple[str, ...], key: str) -> bool:
        t0 = time.perf_counter()
        data = self.store.get(NC.NAMESPACE, key)
        if data is None:
            self._debug("native-code cache: miss for %s", _sig(st.name, kinds))
            return False
        try:
            unit = NC.decode(data)
            if unit.key != key:
                raise ValueError("entry of another unit")
            self.load(unit)
        except Exception as exc:  # noqa: BLE001 - an entry we cannot use is a miss
            self._debug("native-code cache: entry for %s ignored: %s: %s",
                        _sig(st.name, kinds), type(exc).__name__, exc)
            return False
        self.loaded += 1
        ms = (time.perf_counter() - t0) * 1e3
        self.jit.compile_ms += ms
        st.compile_ms += ms
        self._debug("loaded %s from the native-code cache in %.1f ms (object code by %s; "
                    "no xdsl, no LLVM optimizer)", self._names(unit), ms,
                    self.jit.engine.loader)
        return True

    def load(self, unit: NC.Unit) -> None:
        """Put a unit's object code into this process's engine and make its
        specializations callable (raises if it cannot be used here)."""
        jit = self.jit
        jit.load_runtime()
        # Code compiled where a stable global was bound may call it directly: it must
        # be bound now. (Code compiled where it was not calls it through a helper that
        # reads the global at each call: right either way. A stable global, once
        # bound, is never rebound.)
        for name, bound in unit.bound.items():
            if bound and "G_" + jit.py_name(name) not in jit.ns:
                raise ValueError(f"global '{name}' was bound when this code was compiled "
                                 "and is not now")
        for i, site in unit.sites.items():
            old = H.SITES.get(i)
            if old is not None and old != site:
                raise ValueError(f"call site id {i} is taken")
        for m in unit.members:
            if (m.sym, m.kinds) in jit.compiled or m.sym not in jit.funcs:
                raise ValueError(f"{m.symbol} is compiled already")
        H.SITES.update(unit.sites)
        jit.engine.add_object(unit.obj, unit.needs, unit.defines)
        jit.adopt(unit.members)

    # ------------------------------------------------------------ after compiling

    def store_unit(self, unit: NC.Unit) -> None:
        """Put a unit compiled in this run into the cache (never fails the run)."""
        if self.store is None:
            return
        try:
            if self.jit.fail_next == "cache-write":
                raise OSError("injected failure (RUFC_JIT_FAIL=cache-write)")
            self.store.put(NC.NAMESPACE, unit.key, NC.encode(unit))
        except Exception as exc:  # noqa: BLE001 - the cache is an optimisation
            self._debug("native-code cache: %s not stored: %s: %s", self._names(unit),
                        type(exc).__name__, exc)
            return
        self.stored += 1
        self._debug("native-code cache: stored %s (%d bytes of object code)",
                    self._names(unit), len(unit.obj))

    # ------------------------------------------------------------ helpers

    def _names(self, unit: NC.Unit) -> str:
        return ", ".join(_sig(self.jit.func_state(m.sym).name, m.kinds) for m in unit.members)

    def _debug(self, fmt: str, *args: Any) -> None:
        if self.jit.debug:
            log.debug(fmt, *args)


def _sig(name: str, kinds: tuple[str, ...]) -> str:
    return f"{name}({', '.join(kinds)})"


def setup(jit: Any, cache: bool = True, sync: bool | None = None) -> Units:
    """The units of a JIT as the run's options say: the native-code cache unless
    `cache` is off (--no-cache, RUFC_NO_CACHE=1, RUFC_NATIVE_CACHE=0); background
    compilation unless `sync` (--jit-sync, RUFC_JIT_SYNC=1)."""
    from rufc.runtime.cache import default_store
    store = None
    if cache and os.environ.get("RUFC_NATIVE_CACHE", "") in ("", "1"):
        store = default_store()
    if sync is None:
        sync = False
    if os.environ.get("RUFC_JIT_SYNC", "") not in ("", "0"):
        sync = True
    units = Units(jit, store, sync)
    jit.units = units
    return units
