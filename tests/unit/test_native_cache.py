"""Compiled units: the native-code cache (hit, miss, corrupt or foreign entries, a failed
write) and background compilation (same output as compiling at once)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rufc.runtime import helpers as H
from rufc.runtime import native_cache as NC
from tests.conftest import REPO, rufc

FIB = """func fib(n) {
    if n < 2 {
        return n
    }
    return fib(n - 1) + fib(n - 2)
}
print(fib(24))
"""
JIT_PROGRAMS = sorted((REPO / "tests" / "jit").glob("*.ruff"))


def env_for(cache: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RUFC_", "DEBUG_JIT"))}
    env.update(RUFC_CACHE_DIR=str(cache), DEBUG_JIT="1", RUFC_JIT_SYNC="1")
    env.update(extra)
    return env


def native_entries(cache: Path) -> list[Path]:
    d = cache / NC.NAMESPACE
    return sorted(p for p in d.iterdir() if not p.name.endswith(".tmp")) if d.exists() else []


@pytest.fixture
def fib(tmp_path: Path) -> str:
    p = tmp_path / "fib.ruff"
    p.write_text(FIB, encoding="utf-8")
    return str(p)


def test_a_second_run_loads_object_code_without_xdsl(tmp_path: Path, fib: str) -> None:
    cache = tmp_path / "cache"
    first = rufc("run", fib, env=env_for(cache))
    assert first.stdout == "46368\n" and first.exit_code == 0
    assert "[jit] native-code cache: miss for fib(int)" in first.stderr
    assert "[jit] compiled fib(int) in" in first.stderr
    assert "[jit] native-code cache: stored fib(int)" in first.stderr
    assert len(native_entries(cache)) == 1
    second = rufc("run", fib, env=env_for(cache))
    assert second.stdout == first.stdout and second.exit_code == 0
    assert re.search(r"\[jit\] loaded fib\(int\) from the native-code cache in [0-9.]+ ms",
                     second.stderr)
    assert "[jit] compiled" not in second.stderr
    assert "[jit] fib: VM callers enter native code (fib(int))" in second.stderr
    # what was imported: neither xdsl nor (where elfload maps the object code itself)
    # LLVM; with RUFC_ELFLOAD=0 LLVM loads it
    assert "xdsl" not in _modules(fib, env_for(cache))
    from rufc.backend import elfload
    if elfload.supported():
        assert "llvmlite.binding" not in _modules(fib, env_for(cache))
    assert "llvmlite.binding" in _modules(fib, env_for(cache, RUFC_ELFLOAD="0"))
    r = rufc("run", fib, env=env_for(cache, RUFC_ELFLOAD="0"))
    assert r.stdout == first.stdout and "loaded fib(int) from the native-code cache" in r.stderr


def _modules(path: str, env: dict[str, str]) -> set[str]:
    probe = ("import sys, io, contextlib\nfrom rufc.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    main(['run', {path!r}])\n"
             "print(' '.join(sorted(sys.modules)))")
    env = dict(env)
    env.pop("DEBUG_JIT", None)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, env=env)
    return {m for m in out.stdout.split() if not m.startswith("xdsl.")} | (
        {"xdsl"} if " xdsl" in " " + out.stdout else set())


def test_a_corrupt_entry_is_ignored_and_replaced(tmp_path: Path, fib: str) -> None:
    cache = tmp_path / "cache"
    good = rufc("run", fib, env=env_for(cache))
    [entry] = native_entries(cache)
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF          # one bit pattern flipped in the object code
    entry.write_bytes(bytes(data))
    again = rufc("run", fib, env=env_for(cache))
    assert (again.stdout, again.exit_code) == (good.stdout, good.exit_code)
    assert "[jit] native-code cache: miss for fib(int)" in again.stderr
    assert "[jit] compiled fib(int) in" in again.stderr
    third = rufc("run", fib, env=env_for(cache))   # the entry was written anew
    assert "loaded fib(int) from the native-code cache" in third.stderr


def test_an_entry_of_another_unit_is_ignored(tmp_path: Path, fib: str) -> None:
    """An entry whose checksum is fine but that holds another unit (here: the unit
    of fib moved under the key of another program's fib) is never loaded."""
    cache = tmp_path / "cache"
    rufc("run", fib, env=env_for(cache))
    [entry] = native_entries(cache)
    other = Path(fib).with_name("other.ruff")
    other.write_text(FIB.replace("fib(24)", "fib(23)"), encoding="utf-8")
    first_other = rufc("run", str(other), env=env_for(cache))
    assert "miss for fib(int)" in first_other.stderr
    entries = native_entries(cache)
    assert len(entries) == 2
    [other_entry] = [e for e in entries if e != entry]
    # in a process of its own: the store's version is that of rufc's sources now
    move = ("import sys\nfrom rufc.runtime.cache import CacheStore\n"
            "store = CacheStore(sys.argv[1])\ndata = store.get('native', sys.argv[2])\n"
            "assert data is not None\nstore.put('native', sys.argv[3], data)\n")
    subprocess.run([sys.executable, "-c", move, str(cache), entry.name, other_entry.name],
                   check=True, env=env_for(cache))
    r = rufc("run", str(other), env=env_for(cache))
    assert r.stdout == "28657\n"
    assert "native-code cache: entry for fib(int) ignored: ValueError: entry of another unit" in r.stderr
    assert "[jit] compiled fib(int) in" in r.stderr


def test_a_failed_cache_write_changes_nothing_else(tmp_path: Path, fib: str) -> None:
    cache = tmp_path / "cache"
    r = rufc("run", fib, env=env_for(cache, RUFC_JIT_FAIL="cache-write"))
    assert r.stdout == "46368\n" and r.exit_code == 0
    assert ("[jit] native-code cache: fib(int) not stored: OSError: injected failure "
            "(RUFC_JIT_FAIL=cache-write)") in r.stderr
    assert "[jit] fib: VM callers enter native code (fib(int))" in r.stderr
    assert native_entries(cache) == []


def test_no_cache_turns_the_native_cache_off(tmp_path: Path, fib: str) -> None:
    cache = tmp_path / "cache"
    for _ in range(2):
        r = rufc("run", "--no-cache", fib, env=env_for(cache))
        assert "[jit] compiled fib(int) in" in r.stderr
        assert "native-code cache" not in r.stderr
    assert native_entries(cache) == []


@pytest.mark.parametrize("program", JIT_PROGRAMS, ids=lambda p: p.stem)
def test_background_compilation_gives_the_same_output(tmp_path: Path, program: Path) -> None:
    """Compiled at once (--jit-sync), in a worker process, in a thread, and loaded from
    the cache the worker filled: the same stdout, stderr and exit code."""
    cache = tmp_path / "cache"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RUFC_", "DEBUG_JIT"))}
    base["RUFC_CACHE_DIR"] = str(cache)
    for threshold in ("0",):
        sync = rufc("run", "--jit-sync", "--no-cache", "--jit-threshold", threshold,
                    str(program), env=base)
        for mode in ("fork", "thread", "fork"):   # the second fork run: cache hits
            r = rufc("run", "--jit-threshold", threshold, str(program),
                     env={**base, "RUFC_JIT_BACKGROUND": mode})
            assert (r.stdout, r.stderr, r.exit_code) == (sync.stdout, sync.stderr,
                                                         sync.exit_code), mode


def test_a_compiling_thread_and_a_hot_loop_take_turns(tmp_path: Path) -> None:
    """With a thread compiling functions, the VM's thread compiles hot loops too: the
    two once shared LLVM and the compiler's state at the same time (a loop's
    compilation lost its function, and now and then the process crashed). Without
    boxed values, the case that found it: the thread compiles the functions while
    the VM runs the top level (with them, the thread compiles the top level too)."""
    env = env_for(tmp_path / "cache", RUFC_JIT_BACKGROUND="thread", RUFC_NATIVE_CACHE="0",
                  RUFC_JIT_BOXED="0")
    del env["RUFC_JIT_SYNC"]
    r = rufc("run", "--jit-threshold", "0", str(REPO / "tests" / "jit" / "loops.ruff"), env=env)
    assert r.exit_code == 0 and r.stdout.startswith("4000 1332 0 0\n")
    assert "compiling sum_range(int, int, int) in the background (thread)" in r.stderr
    # which loops the VM's thread compiles depends on how far the thread got; before
    # the lock, one of them lost its function in every run tried
    assert "compiling the rest of collatz from the loop" in r.stderr
    assert "failed" not in r.stderr


MUTUAL = """func even(n) {
    if n == 0 { return true }
    return odd(n - 1)
}
func odd(n) {
    if n == 0 { return false }
    return even(n - 1)
}
mut k := 0
for i in range(400) {
    if even(i) { k += 1 }
}
func hf(n) {
    if n == 0 { return 1 }
    return n - hm(hf(n - 1))
}
func hm(n) {
    if n == 0 { return 0 }
    return n - hf(hm(n - 1))
}
mut t := 0
for i in range(22) {
    t += hf(i) + hm(i)
}
print(k, even(4001), t)
"""


def test_native_code_counts_depth_on_the_vms_thread(tmp_path: Path) -> None:
    """The native state reads the call-depth counter of the thread that made it. A
    compiling thread made it when it was the first to need it, and native code then
    counted the VM's calls against that thread's counter: a spurious "Maximum call
    stack depth" error in about every second run of this program."""
    src = tmp_path / "mutual.ruff"
    src.write_text(MUTUAL, encoding="utf-8")
    env = env_for(tmp_path / "cache", RUFC_NATIVE_CACHE="0", RUFC_JIT_BACKGROUND="thread")
    del env["RUFC_JIT_SYNC"], env["DEBUG_JIT"]
    for _ in range(6):
        r = rufc("run", "--jit-threshold", "1", str(src), env=env)
        assert (r.stdout, r.stderr, r.exit_code) == ("200 false 291\n", "", 0)


def test_a_hot_method_waits_for_its_background_compilation(tmp_path: Path) -> None:
    """A method's waiting code names it by its Python name: `JW_P.twice` was read as
    an attribute of `JW_P`, an internal error once the worker answered."""
    src = tmp_path / "method.ruff"
    src.write_text("""struct P {
    x: int
    func twice(self, k) { return self.x * 2 + k }
}
func main() {
    p := P { x: 3 }
    mut s := 0
    for i in range(0, 300000) {
        s := s + p.twice(i % 7)
    }
    print(s)
}
main()
""", encoding="utf-8")
    env = env_for(tmp_path / "cache", RUFC_NATIVE_CACHE="0", RUFC_JIT_BACKGROUND="fork")
    del env["RUFC_JIT_SYNC"]
    r = rufc("run", str(src), env=env)
    assert (r.stdout, r.exit_code) == ("2699997\n", 0), r.stderr
    assert "P.twice: compiling P.twice(other, int) in the background (fork)" in r.stderr
    # the worker answered and the waiting code took its answer
    assert "[jit] P.twice(other, int): compiled in the background in " in r.stderr


def test_a_hot_function_switches_to_native_code_while_the_program_runs(tmp_path: Path) -> None:
    """In the background the program goes on in the VM; the switch happens at a call,
    and the calls after it enter native code."""
    src = tmp_path / "long.ruff"
    src.write_text(FIB.replace("print(fib(24))", "print(fib(27))"), encoding="utf-8")
    env = env_for(tmp_path / "cache", RUFC_NATIVE_CACHE="0")
    del env["RUFC_JIT_SYNC"]
    r = rufc("run", str(src), env=env)
    assert r.stdout == "196418\n"
    assert "[jit] fib: compiling fib(int) in the background (fork)" in r.stderr
    if "compiled in the background" in r.stderr:   # else the program ended first
        assert "[jit] fib: VM callers enter native code (fib(int))" in r.stderr


# ---------------------------------------------------------------- units as bytes

def _unit(**kw: object) -> NC.Unit:
    from rufc.runtime.values import TRUE
    site = H.Site("call", "f", 3, 7, name="g", arg_kinds=("int",),
                  consts={1: "text", 2: None, 3: TRUE, 4: 2.5}, nargs=5, result="int")
    fields: dict = dict(key="k" * 64, members=[NC.Member("f", ("int",), "rf_f__i", "int", 1, 0)],
                        sites={NC.site_base("a" * 64): site}, needs=["ruff_rt_call"],
                        defines=["rf_f__i", "re_f__i"], bound={"g": True}, obj=b"\x7fELF...")
    fields.update(kw)
    return NC.Unit(**fields)   # type: ignore[arg-type]


def test_a_unit_survives_encoding() -> None:
    u = _unit()
    back = NC.decode(NC.encode(u))
    assert (back.key, back.members, back.sites, back.needs, back.defines, back.bound,
            back.obj) == (u.key, u.members, u.sites, u.needs, u.defines, u.bound, u.obj)
    from rufc.runtime.values import TRUE
    assert next(iter(back.sites.values())).consts[3] is TRUE


def test_garbage_does_not_decode() -> None:
    for data in (b"", b"\x00" * 10, NC.encode(_unit())[:-3]):
        with pytest.raises((ValueError, EOFError, TypeError)):
            NC.decode(data)


def test_site_ids_of_a_unit_depend_only_on_its_key() -> None:
    base = NC.site_base("0123456789" + "f" * 54)
    assert base > 1 << 20 and base < 1 << 62
    with H.unit_sites(base) as ids:
        a = H.add_site(H.Site("op", "f", 1, 1, name="ruff.add"))
        b = H.add_site(H.Site("op", "f", 2, 1, name="ruff.sub"))
    assert (a, b) == (base, base + 1) and ids == [a, b]
    assert H.add_site(H.Site("none", "?", 0, 0)) < 1 << 20   # the VM's own ids go on
