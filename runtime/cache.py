"""The on-disk cache shared by rufc's tiers: bytes in, bytes out, never trusted blindly.

    store = default_store()                 # None with --no-cache or RUFC_NO_CACHE=1
    key = key_of(source_bytes, "lowered")   # hash of the parts + the code version
    data = store.get("cold", key)           # None on a miss or a bad entry
    store.put("cold", key, payload)         # atomic; never raises on I/O failure

Why it is built this way (docs/caches.md has the user's view):
- Entries hold things rufc will *execute* (marshalled code objects, object code), so
  an entry is loaded only if its header and a keyed BLAKE2b digest of namespace, key,
  version and payload check out. The digest key is a per-cache random secret
  (`<root>/secret`, mode 0600): a truncated, corrupt, foreign-version or edited entry
  (even one whose plain checksum was recomputed) reads as a miss and is never loaded.
- Writes go to a temp file in the same directory and are renamed into place
  (`os.replace`), so a concurrent reader sees the old entry, the new one, or none;
  two processes writing the same key both write complete files and one wins.
- Hits touch the entry's mtime; when a put takes the store past its size cap the
  oldest entries (least recently used) are removed down to 3/4 of the cap.
- The *code version* folded into every key and header is the rufc version, the
  Python version (marshal's format) and a fingerprint (size, mtime) of rufc's own
  source files, so editing the compiler (an editable install) invalidates entries.
- stdlib only and cheap to import: this module is on the warm start's path.
"""
from __future__ import annotations

import os
import struct
import sys
import time
from pathlib import Path

try:  # the C module itself: `hashlib` would load OpenSSL (~2 ms of every start)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Pythons
    from hashlib import blake2b

__all__ = ["CacheStore", "default_store", "key_of", "code_version", "default_root",
           "DEFAULT_CAP", "disable"]

#: Default size cap of the whole store (RUFC_CACHE_SIZE, in MiB, overrides it).
DEFAULT_CAP = 256 << 20

_MAGIC = b"RUFCACHE"
_FORMAT = 1
# magic, format, length of the version tag, length of the payload; then the version
# tag, the 32-byte digest and the payload
_HEAD = struct.Struct("<8sHHQ")
_DIGEST = 32
_SECRET = "secret"
_TMP_SUFFIX = ".tmp"
_STALE_TMP = 3600.0   # temp files older than this (seconds) belong to dead writers

_RUFC_DIRS = ("", "frontend", "dialects", "passes", "backend", "runtime", "driver")
_code_version: str | None = None
_disabled = False


def _source_files(top: Path) -> list[tuple[str, list[os.DirEntry[str]]]]:
    """rufc's .py and .lark files by directory: the top level's own, and every
    directory below the parts in _RUFC_DIRS (passes/lowering is code too)."""
    out = []
    todo = [(sub, top / sub if sub else top, bool(sub)) for sub in _RUFC_DIRS]
    while todo:
        sub, d, deep = todo.pop(0)
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError:
            continue
        out.append((sub, [e for e in entries
                          if e.name.endswith((".py", ".lark")) and e.is_file()]))
        if deep:
            todo += [(f"{sub}/{e.name}", Path(e.path), True) for e in entries
                     if e.is_dir() and e.name != "__pycache__"]
    return out


def code_version() -> str:
    """rufc's version, the Python version and a fingerprint of rufc's source files.
    Computed once per process (a few dozen stat calls)."""
    global _code_version
    if _code_version is None:
        from rufc import __version__
        h = blake2b(digest_size=16)
        top = Path(__file__).resolve().parents[1]
        for sub, files in _source_files(top):
            for e in files:
                st = e.stat()
                h.update(f"{sub}/{e.name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        impl = sys.implementation
        _code_version = (f"rufc-{__version__}/{impl.cache_tag}/{sys.hexversion:x}/"
                         f"{h.hexdigest()}")
    return _code_version


def key_of(*parts: str | bytes) -> str:
    """A cache key: a 256-bit BLAKE2b digest (hex) of the parts and the code version.
    Parts are length-prefixed, so ("ab", "c") and ("a", "bc") differ."""
    h = blake2b(digest_size=32)
    for p in (code_version(), *parts):
        b = p.encode("utf-8", "surrogatepass") if isinstance(p, str) else bytes(p)
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def default_root() -> Path:
    """RUFC_CACHE_DIR, else $XDG_CACHE_HOME/rufc, else the platform's user cache
    directory (~/.cache/rufc, ~/Library/Caches/rufc, %LOCALAPPDATA%/rufc/Cache)."""
    env = os.environ.get("RUFC_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "rufc"
    home = Path(os.path.expanduser("~"))
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "rufc"
    if sys.platform == "win32":
        local = os.environ.get("LOCALAPPDATA")
        return (Path(local) if local else home / "AppData" / "Local") / "rufc" / "Cache"
    return home / ".cache" / "rufc"


def _cap_from_env() -> int:
    v = os.environ.get("RUFC_CACHE_SIZE", "")
    try:
        mib = float(v)
    except ValueError:
        return DEFAULT_CAP
    return max(int(mib * (1 << 20)), 0)


class CacheStore:
    """A directory of checked entries: `<root>/<namespace>/<key>`."""

    def __init__(self, root: Path | str | None = None, cap: int | None = None) -> None:
        self.root = Path(root) if root is not None else default_root()
        self.cap = _cap_from_env() if cap is None else cap
        self._secret: bytes | None = None

    # ------------------------------------------------------------ public API

    def get(self, namespace: str, key: str) -> bytes | None:
        """The payload stored under (namespace, key), or None if there is none or the
        entry does not check out (it is then removed)."""
        path = self._path(namespace, key)
        if path is None:
            return None
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            return None
        payload = self._check(namespace, key, data)
        if payload is None:
            _unlink(path)
            return None
        try:
            os.utime(path)  # least recently used = oldest mtime
        except OSError:
            pass
        return payload

    def put(self, namespace: str, key: str, data: bytes) -> None:
        """Store data under (namespace, key), atomically. I/O failures (read-only or
        full disk...) are swallowed: the cache is an optimisation, not a requirement."""
        path = self._path(namespace, key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            secret = self._get_secret(create=True)
            if secret is None:
                return
            blob = self._encode(namespace, key, bytes(data), secret)
            if self.cap and len(blob) > self.cap:
                return
            tmp = path.with_name(f"{path.name}.{os.getpid()}.{time.monotonic_ns()}{_TMP_SUFFIX}")
            try:
                with open(tmp, "xb") as fh:
                    fh.write(blob)
                os.replace(tmp, path)
            except BaseException:
                _unlink(tmp)
                raise
        except OSError:
            return
        self._evict()

    def info(self) -> dict:
        """What the store holds: location, cap, entries, bytes, per-namespace counts
        and bytes."""
        namespaces: dict[str, dict[str, int]] = {}
        for ns, _path, size, _mtime in self._entries():
            d = namespaces.setdefault(ns, {"entries": 0, "bytes": 0})
            d["entries"] += 1
            d["bytes"] += size
        return {"location": str(self.root), "cap": self.cap,
                "entries": sum(d["entries"] for d in namespaces.values()),
                "bytes": sum(d["bytes"] for d in namespaces.values()),
                "namespaces": namespaces, "version": code_version()}

    def clear(self) -> int:
        """Remove every entry (and leftover temp files); return how many entries."""
        n = 0
        for _ns, path, _size, _mtime in self._entries(include_tmp=True):
            if _unlink(path) and not path.name.endswith(_TMP_SUFFIX):
                n += 1
        return n

    # ------------------------------------------------------------ entries

    def _path(self, namespace: str, key: str) -> Path | None:
        if not _safe_name(namespace) or not _safe_name(key):
            return None
        return self.root / namespace / key

    def _encode(self, namespace: str, key: str, payload: bytes, secret: bytes) -> bytes:
        version = code_version().encode()
        digest = _digest(secret, namespace, key, version, payload)
        return (_HEAD.pack(_MAGIC, _FORMAT, len(version), len(payload)) + version
                + digest + payload)

    def _check(self, namespace: str, key: str, data: bytes) -> bytes | None:
        n = _HEAD.size
        if len(data) < n:
            return None
        magic, fmt, vlen, plen = _HEAD.unpack_from(data)
        if magic != _MAGIC or fmt != _FORMAT or len(data) != n + vlen + _DIGEST + plen:
            return None
        version = data[n:n + vlen]
        if version != code_version().encode():
            return None
        secret = self._get_secret(create=False)
        if secret is None:
            return None
        start = n + vlen + _DIGEST
        payload = data[start:]
        if _digest(secret, namespace, key, version, payload) != data[n + vlen:start]:
            return None
        return payload

    def _get_secret(self, create: bool) -> bytes | None:
        """The store's digest key, created (once, race-free) by the first writer."""
        if self._secret is not None:
            return self._secret
        path = self.root / _SECRET
        try:
            with open(path, "rb") as fh:
                s = fh.read()
            if len(s) == 32:
                self._secret = s
                return s
            if not create:
                return None
            _unlink(path)  # damaged: start over (every entry becomes a miss)
        except FileNotFoundError:
            if not create:
                return None
        except OSError:
            return None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = self.root / f"{_SECRET}.{os.getpid()}.{time.monotonic_ns()}{_TMP_SUFFIX}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                os.write(fd, os.urandom(32))
            finally:
                os.close(fd)
            try:
                os.link(tmp, path)  # fails if another process got there first
            except FileExistsError:
                pass
            except OSError:  # no hard links here: fall back to an exclusive rename
                if not path.exists():
                    os.replace(tmp, path)
            finally:
                _unlink(tmp)
            with open(path, "rb") as fh:
                s = fh.read()
        except OSError:
            return None
        if len(s) != 32:
            return None
        self._secret = s
        return s

    def _entries(self, include_tmp: bool = False):
        """(namespace, path, size, mtime) of every entry."""
        try:
            namespaces = [e for e in os.scandir(self.root) if e.is_dir(follow_symlinks=False)]
        except OSError:
            return
        now = time.time()
        for ns in namespaces:
            try:
                files = list(os.scandir(ns.path))
            except OSError:
                continue
            for e in files:
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                if e.name.endswith(_TMP_SUFFIX):
                    # another writer's file in progress, unless it is old
                    if include_tmp or now - st.st_mtime > _STALE_TMP:
                        if not include_tmp:
                            _unlink(Path(e.path))
                        else:
                            yield ns.name, Path(e.path), st.st_size, st.st_mtime
                    continue
                yield ns.name, Path(e.path), st.st_size, st.st_mtime

    def _evict(self) -> None:
        """Least recently used entries go until the store is under 3/4 of its cap."""
        if not self.cap:
            return
        entries = list(self._entries())
        total = sum(e[2] for e in entries)
        if total <= self.cap:
            return
        entries.sort(key=lambda e: e[3])
        goal = self.cap * 3 // 4
        for _ns, path, size, _mtime in entries:
            if total <= goal:
                break
            _unlink(path)
            total -= size


def default_store(enabled: bool = True) -> CacheStore | None:
    """The user's store, or None when caching is off (--no-cache, RUFC_NO_CACHE=1)."""
    if not enabled or _disabled or os.environ.get("RUFC_NO_CACHE", "") not in ("", "0"):
        return None
    return CacheStore()


def disable() -> None:
    """Turn the cache off for the rest of this process (`rufc run --no-cache`): every
    later `default_store()` is None, whoever asks (the parser's tables too)."""
    global _disabled
    _disabled = True


def _digest(secret: bytes, namespace: str, key: str, version: bytes, payload: bytes) -> bytes:
    h = blake2b(key=secret, digest_size=_DIGEST)
    for part in (namespace.encode(), key.encode(), version):
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    h.update(payload)
    return h.digest()


def _safe_name(name: str) -> bool:
    return (bool(name) and len(name) <= 128 and name not in (".", "..", _SECRET)
            and all(c.isalnum() or c in "-_." for c in name) and not name.startswith("."))


def _unlink(path: Path) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False
