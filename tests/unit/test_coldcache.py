"""The cold tier's cache (runtime/coldcache.py): a warm run behaves exactly as a cold
one (output, errors with file:line:col, exit codes) and imports neither lark nor xdsl."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rufc.runtime import coldcache
from rufc.runtime.cache import CacheStore

PROGRAM = """\
struct Point { x: int, y: int
    func norm1(self) { return abs(self.x) + abs(self.y) }
}
func fib(n) {
    if n < 2 { return n }
    return fib(n - 1) + fib(n - 2)
}
func make_adder(k) { return func(x) { return x + k } }
add3 := make_adder(3)
mut total := 0
for i in range(10) { total := total + i * i }
total := total + fib(6)  # 25 calls: nothing gets hot
p := Point { x: -3, y: 4 }
print("total", total, add3(4), p.norm1())
"""

RUNTIME_ERROR = """\
func inner(a) {
    return a[5]
}
func outer() {
    return inner([1, 2, 3])
}
print("before")
outer()
"""

# Records the modules a run imported (in a file, so stdout and stderr stay the program's).
_WRAPPER = """\
import json, sys
from rufc.cli import main
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as fh:
    json.dump(sorted(sys.modules), fh)
sys.exit(code)
"""


def _run(tmp_path: Path, *args: str,
         cache: Path | None = None) -> tuple[subprocess.CompletedProcess, list[str]]:
    env = dict(os.environ)
    env["RUFC_CACHE_DIR"] = str(cache or tmp_path / "cache")
    mods = tmp_path / "modules.json"
    r = subprocess.run([sys.executable, "-c", _WRAPPER, str(mods), *args], capture_output=True,
                       text=True, env=env, timeout=120)
    return r, json.loads(mods.read_text()) if mods.exists() else []


def _same(a: subprocess.CompletedProcess, b: subprocess.CompletedProcess) -> None:
    assert (a.stdout, a.stderr, a.returncode) == (b.stdout, b.stderr, b.returncode)


def _heavy(mods: list[str]) -> list[str]:
    return [m for m in mods if m.split(".")[0] in ("lark", "xdsl", "llvmlite")
            or m in ("rufc.frontend.parser", "rufc.frontend.irgen", "rufc.runtime.codegen")]


@pytest.mark.parametrize("flags", [[], ["--no-jit"]])
def test_warm_run_is_identical_and_light(tmp_path: Path, flags: list[str]) -> None:
    prog = tmp_path / "p.ruff"
    prog.write_text(PROGRAM)
    cold, cold_mods = _run(tmp_path, "run", *flags, str(prog))
    assert cold.returncode == 0, cold.stderr
    assert "lark" in cold_mods
    warm, warm_mods = _run(tmp_path, "run", *flags, str(prog))
    _same(cold, warm)
    assert _heavy(warm_mods) == []


def test_runtime_error_on_a_warm_run(tmp_path: Path) -> None:
    prog = tmp_path / "err.ruff"
    prog.write_text(RUNTIME_ERROR)
    cold, _ = _run(tmp_path, "run", str(prog))
    assert cold.returncode == 4
    assert f"{prog}:2:" in cold.stderr and "return a[5]" in cold.stderr
    assert "in outer at" in cold.stderr
    warm, mods = _run(tmp_path, "run", str(prog))
    _same(cold, warm)
    assert _heavy(mods) == []


def test_syntax_errors_are_not_cached(tmp_path: Path) -> None:
    prog = tmp_path / "bad.ruff"
    prog.write_text("print(1)\nx := (1 +\n")
    first, _ = _run(tmp_path, "run", str(prog))
    second, _ = _run(tmp_path, "run", str(prog))
    assert first.returncode == 3
    _same(first, second)
    assert not (tmp_path / "cache" / "cold").exists()


def test_edited_source_is_not_stale(tmp_path: Path) -> None:
    prog = tmp_path / "p.ruff"
    prog.write_text('print("one")\n')
    assert _run(tmp_path, "run", str(prog))[0].stdout == "one\n"
    prog.write_text('print("two")\n')
    assert _run(tmp_path, "run", str(prog))[0].stdout == "two\n"


def test_same_source_elsewhere_reports_its_own_path(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in "ab":
        (tmp_path / d / "e.ruff").write_text(RUNTIME_ERROR)
    ra, _ = _run(tmp_path, "run", str(tmp_path / "a" / "e.ruff"))
    rb, _ = _run(tmp_path, "run", str(tmp_path / "b" / "e.ruff"))
    assert str(tmp_path / "a" / "e.ruff") in ra.stderr
    assert str(tmp_path / "b" / "e.ruff") in rb.stderr


def test_no_cache_writes_nothing(tmp_path: Path) -> None:
    r, mods = _run(tmp_path, "run", "--no-cache", "-c", "print(1)")
    assert r.stdout == "1\n" and r.returncode == 0
    assert not (tmp_path / "cache").exists()
    env_off, _ = _run(tmp_path, "run", "-c", "print(2)", cache=tmp_path / "c2")
    assert env_off.stdout == "2\n"


def test_damaged_entry_is_rebuilt(tmp_path: Path) -> None:
    prog = tmp_path / "p.ruff"
    prog.write_text(PROGRAM)
    cold, _ = _run(tmp_path, "run", str(prog))
    for entry in (tmp_path / "cache" / "cold").iterdir():
        data = bytearray(entry.read_bytes())
        data[len(data) // 2] ^= 0xFF
        entry.write_bytes(bytes(data))
    again, mods = _run(tmp_path, "run", str(prog))
    _same(cold, again)
    assert "lark" in mods  # rebuilt from source


def test_cache_info_and_clear(tmp_path: Path) -> None:
    _run(tmp_path, "run", "-c", "print(1)")
    info, _ = _run(tmp_path, "cache", "info")
    assert info.returncode == 0
    assert f"location: {tmp_path / 'cache'}" in info.stdout
    assert "cold: 1 " in info.stdout
    cleared, _ = _run(tmp_path, "cache", "clear")
    assert cleared.returncode == 0 and "removed" in cleared.stdout
    after, _ = _run(tmp_path, "cache")
    assert "entries:  0" in after.stdout
    bad, _ = _run(tmp_path, "cache", "bogus")
    assert bad.returncode == 2


def test_encode_decode_round_trip() -> None:
    from rufc.cli import Source, lower_source
    from rufc.runtime.vm import VM, VMOptions
    module = lower_source(Source("p.ruff", PROGRAM))
    vm = VM(VMOptions(jit=False))
    vm.load(module)
    back, tables, code = coldcache.decode(coldcache.encode(module, vm.generated, vm.code))
    assert back.file == module.file
    assert back.ops == module.ops and module.ops == back.ops  # bodies decoded on use
    assert tables[0] == vm.generated.line_table
    assert tables[1] == vm.generated.func_names
    assert code == vm.code


def test_load_program_hit_and_miss(tmp_path: Path) -> None:
    from rufc.cli import Source, lower_source
    from rufc.runtime.vm import VM, VMOptions
    store = CacheStore(tmp_path / "c")
    built = []

    def build():  # type: ignore[no-untyped-def]
        built.append(1)
        return lower_source(Source("p.ruff", PROGRAM))

    for _ in range(2):
        vm = VM(VMOptions(jit=False))
        coldcache.load_program(vm, PROGRAM, "p.ruff", build, store)
        assert vm.run().error is None
    assert built == [1]
    other = VM(VMOptions(jit=True, threshold=5))   # other options: another entry
    coldcache.load_program(other, PROGRAM, "p.ruff", build, store)
    assert built == [1, 1]


def test_warm_run_with_hot_functions(tmp_path: Path) -> None:
    """The JIT compiles functions of a program loaded from the cache (their bodies are
    decoded when it asks for them) and prints what a cold run prints."""
    prog = tmp_path / "hot.ruff"
    prog.write_text(PROGRAM + "print(fib(18))\nfor i in range(300) { total := total + p.norm1() }\n"
                    "print(total)\n")
    for flags in (["--jit-threshold", "0"], []):
        cold, _ = _run(tmp_path, "run", *flags, str(prog))
        assert cold.returncode == 0, cold.stderr
        warm, mods = _run(tmp_path, "run", *flags, str(prog))
        _same(cold, warm)
        assert "rufc.runtime.tiering" in mods


def test_unusable_entry_is_rebuilt(tmp_path: Path) -> None:
    """An entry that checks out but this build cannot load (here: a well-formed entry
    for another program) is rebuilt from source, not run."""
    import marshal

    from rufc.cli import Source, lower_source
    from rufc.runtime.vm import VM, VMOptions
    store = CacheStore(tmp_path / "c")
    vm = VM(VMOptions(jit=False))
    key = coldcache.cache_key(PROGRAM, "p.ruff", vm.gen_options_key())
    store.put(coldcache.NAMESPACE, key, marshal.dumps((1, "p.ruff", [], ({}, {}, set(), set()), b"junk")))
    built = []

    def build():  # type: ignore[no-untyped-def]
        built.append(1)
        return lower_source(Source("p.ruff", PROGRAM))

    coldcache.load_program(vm, PROGRAM, "p.ruff", build, store)
    assert built == [1]
    assert vm.run().error is None
