"""runtime/cache.py: hits, misses, bad entries never loaded, concurrent writers, LRU."""
from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from rufc.runtime import cache as C
from rufc.runtime.cache import CacheStore, default_store, key_of


@pytest.fixture
def store(tmp_path: Path) -> CacheStore:
    return CacheStore(tmp_path / "c", cap=1 << 20)


def _entry(store: CacheStore, ns: str, key: str) -> Path:
    return store.root / ns / key


def test_miss_then_hit(store: CacheStore) -> None:
    k = key_of("source", b"\x00bytes")
    assert store.get("cold", k) is None
    store.put("cold", k, b"payload")
    assert store.get("cold", k) == b"payload"
    assert store.get("native", k) is None  # namespaces are separate
    assert store.get("cold", key_of("other")) is None


def test_empty_payload_and_overwrite(store: CacheStore) -> None:
    store.put("cold", "k1", b"")
    assert store.get("cold", "k1") == b""
    store.put("cold", "k1", b"second")
    assert store.get("cold", "k1") == b"second"


def test_key_of_is_stable_and_unambiguous() -> None:
    assert key_of("a", "b") == key_of("a", "b")
    assert key_of("ab", "c") != key_of("a", "bc")
    assert key_of("a") == key_of(b"a")
    assert len(key_of("x")) == 64


def test_hit_survives_a_new_store_object(store: CacheStore) -> None:
    store.put("cold", "k", b"data")
    assert CacheStore(store.root).get("cold", "k") == b"data"


@pytest.mark.parametrize("damage", ["truncate", "flip_payload", "flip_header", "append",
                                    "empty"])
def test_damaged_entry_is_a_miss_and_is_removed(store: CacheStore, damage: str) -> None:
    store.put("cold", "k", b"0123456789" * 10)
    path = _entry(store, "cold", "k")
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[:-7]
    elif damage == "flip_payload":
        data[-3] ^= 0x40
    elif damage == "flip_header":
        data[2] ^= 0x01
    elif damage == "append":
        data += b"x"
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    assert store.get("cold", "k") is None
    assert not path.exists()


def test_tampered_entry_with_recomputed_plain_checksum_is_rejected(store: CacheStore) -> None:
    """An entry forged without the store's secret does not check out."""
    store.put("cold", "k", b"good")
    forged = store._encode("cold", "k", b"evil", b"\x00" * 32)
    _entry(store, "cold", "k").write_bytes(forged)
    assert store.get("cold", "k") is None


def test_entry_moved_to_another_key_is_rejected(store: CacheStore) -> None:
    store.put("cold", "a", b"for a")
    os.makedirs(store.root / "native", exist_ok=True)
    _entry(store, "cold", "a").rename(_entry(store, "cold", "b"))
    assert store.get("cold", "b") is None


def test_foreign_version_is_a_miss(store: CacheStore, monkeypatch: pytest.MonkeyPatch) -> None:
    store.put("cold", "k", b"old compiler's output")
    monkeypatch.setattr(C, "_code_version", C.code_version() + "-newer")
    assert store.get("cold", "k") is None


def test_lost_secret_makes_every_entry_a_miss(store: CacheStore) -> None:
    store.put("cold", "k", b"x")
    (store.root / "secret").unlink()
    assert CacheStore(store.root).get("cold", "k") is None


def test_bad_names_are_misses_and_not_written(store: CacheStore) -> None:
    for ns, key in [("cold", "../escape"), ("../x", "k"), ("", "k"), ("cold", ""),
                    ("cold", "a/b")]:
        store.put(ns, key, b"x")
        assert store.get(ns, key) is None
    assert not (store.root.parent / "escape").exists()


def test_unwritable_root_never_raises(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    s = CacheStore(blocker / "cache")
    s.put("cold", "k", b"x")       # quietly does nothing
    assert s.get("cold", "k") is None
    assert s.info()["entries"] == 0
    assert s.clear() == 0


def test_info_and_clear(store: CacheStore) -> None:
    store.put("cold", "a", b"1" * 100)
    store.put("cold", "b", b"2" * 10)
    store.put("native", "c", b"3")
    info = store.info()
    assert info["entries"] == 3
    assert info["namespaces"]["cold"]["entries"] == 2
    assert info["namespaces"]["native"]["entries"] == 1
    assert info["bytes"] > 111
    assert info["location"] == str(store.root)
    assert info["cap"] == 1 << 20
    assert store.clear() == 3
    assert store.info()["entries"] == 0
    assert store.get("cold", "a") is None


def test_lru_eviction_keeps_recently_used(tmp_path: Path) -> None:
    s = CacheStore(tmp_path / "c", cap=10_000)
    blob = b"z" * 1500
    for i in range(5):
        s.put("cold", f"k{i}", blob)
    base = time.time() - 1000
    for i in range(5):  # k0 oldest ... k4 newest
        os.utime(_entry(s, "cold", f"k{i}"), (base + i, base + i))
    assert s.get("cold", "k0") == blob  # a hit makes k0 the most recently used
    for i in range(5, 8):  # past the cap: the least recently used go first
        s.put("cold", f"k{i}", blob)
    present = {p.name for p in (s.root / "cold").iterdir()}
    assert "k0" in present and "k7" in present
    assert "k1" not in present
    assert s.info()["bytes"] <= 10_000


def test_entry_bigger_than_the_cap_is_not_stored(tmp_path: Path) -> None:
    s = CacheStore(tmp_path / "c", cap=100)
    s.put("cold", "big", b"x" * 1000)
    assert s.get("cold", "big") is None


def test_stale_temp_files_are_cleaned(store: CacheStore) -> None:
    store.put("cold", "k", b"x")
    tmp = store.root / "cold" / "k.123.456.tmp"
    tmp.write_bytes(b"half")
    old = time.time() - 2 * 3600
    os.utime(tmp, (old, old))
    store.info()
    assert not tmp.exists()
    assert store.get("cold", "k") == b"x"


def test_default_store_respects_switches(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUFC_CACHE_DIR", str(tmp_path / "env"))
    monkeypatch.delenv("RUFC_NO_CACHE", raising=False)
    s = default_store()
    assert s is not None and s.root == tmp_path / "env"
    assert default_store(enabled=False) is None
    monkeypatch.setenv("RUFC_NO_CACHE", "1")
    assert default_store() is None


def test_default_root_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUFC_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert C.default_root() == tmp_path / "xdg" / "rufc"
    monkeypatch.setenv("RUFC_CACHE_DIR", str(tmp_path / "mine"))
    assert C.default_root() == tmp_path / "mine"


# ------------------------------------------------------------ concurrent processes

def _writer(root: str, wid: int, rounds: int) -> None:
    s = CacheStore(Path(root), cap=1 << 30)
    for i in range(rounds):
        # every writer writes the same keys with payloads of different sizes
        payload = bytes([wid]) * (1000 + 997 * wid + i)
        s.put("cold", f"shared{i % 4}", payload)
        got = s.get("cold", f"shared{(i + 1) % 4}")
        if got is not None:  # a whole entry of one writer, never a mix
            assert len(set(got)) == 1 and 1 <= got[0] <= 4
            assert 0 <= len(got) - (1000 + 997 * got[0]) < rounds


def test_concurrent_writers_never_corrupt(tmp_path: Path) -> None:
    root = tmp_path / "c"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(root), w, 60)) for w in range(1, 5)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    s = CacheStore(root)
    for i in range(4):
        got = s.get("cold", f"shared{i}")
        assert got is not None, "a complete entry from one of the writers"
        wid = got[0]
        assert 1 <= wid <= 4 and set(got) == {wid}
    assert not [p for p in (root / "cold").iterdir() if p.name.endswith(".tmp")]
    assert len(list((root).glob("secret*"))) == 1


def test_the_code_version_covers_every_source_directory() -> None:
    """Every directory of rufc's code counts in the code version, subpackages too: a
    change in passes/lowering once left stale native code in the cache."""
    top = Path(C.__file__).resolve().parents[1]
    seen = {sub for sub, files in C._source_files(top) if files}
    for part in C._RUFC_DIRS[1:]:
        for d, dirs, files in os.walk(top / part):
            dirs[:] = [x for x in dirs if x != "__pycache__"]
            if any(f.endswith(".py") for f in files):
                assert str(Path(d).relative_to(top)) in seen, d
    assert "passes/lowering" in seen
