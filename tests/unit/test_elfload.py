"""elfload, the loader of every object on x86-64 Linux: relocations it resolves itself,
and code that stays mapped until the process is gone.

An object's reference to an outside symbol goes through a stub (calls, PLT32) or a GOT
slot (GOTPCREL loads). A plain PC32 reference to an outside symbol is the symbol's own
address (data, not code): pointing it at a stub would read the stub's bytes."""
from __future__ import annotations

import ctypes
import subprocess
import sys
import textwrap

import pytest

llvm_ir = pytest.importorskip("llvmlite.ir")

from rufc.backend import elfload  # noqa: E402
from rufc.backend.engine import Engine  # noqa: E402


def _reader(engine: Engine, name: str, symbol: str, linkage: str) -> int:
    """Compile `i64 NAME()` that loads the i64 at outside symbol SYMBOL; its address."""
    module = llvm_ir.Module(name=name)
    i64 = llvm_ir.IntType(64)
    g = llvm_ir.GlobalVariable(module, i64, symbol)
    g.linkage = "external"
    if linkage:
        g.storage_class = linkage   # "dso_local": a PC32 reference, no GOT slot
    fn = llvm_ir.Function(module, llvm_ir.FunctionType(i64, []), name=name)
    b = llvm_ir.IRBuilder(fn.append_basic_block())
    b.ret(b.load(g))
    engine.add_module(module, name=name)
    return engine.address(name)


@pytest.mark.parametrize("linkage", ["", "dso_local"])
def test_outside_data_is_read_at_its_own_address(linkage: str) -> None:
    cell = ctypes.c_int64(0x1234_5678_9ABC)
    engine = Engine()
    symbol = f"rf_test_cell_{linkage or 'got'}"
    engine.register_symbol(symbol, ctypes.addressof(cell))
    f = ctypes.CFUNCTYPE(ctypes.c_int64)(_reader(engine, f"read_{linkage or 'got'}", symbol,
                                                 linkage))
    assert f() == 0x1234_5678_9ABC
    cell.value = -7
    assert f() == -7


def test_every_object_of_the_engine_is_loaded_by_elfload_here() -> None:
    if not elfload.supported():
        pytest.skip("elfload loads x86-64 Linux objects only")
    cell = ctypes.c_int64(5)
    engine = Engine()
    engine.register_symbol("rf_test_cell_x", ctypes.addressof(cell))
    _reader(engine, "read_x", "rf_test_cell_x", "")
    assert engine.loader == "elfload"
    assert engine.take_object(type("Ref", (), {"name": "read_x"})()) is not None


def test_llvm_loads_what_elfload_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fallback (other machines; RUFC_ELFLOAD=0): MCJIT's loader, same answers."""
    monkeypatch.setenv("RUFC_ELFLOAD", "0")
    cell = ctypes.c_int64(11)
    engine = Engine()
    engine.register_symbol("rf_test_cell_y", ctypes.addressof(cell))
    f = ctypes.CFUNCTYPE(ctypes.c_int64)(_reader(engine, "read_y", "rf_test_cell_y", ""))
    assert engine.loader == "LLVM's loader (RUFC_ELFLOAD=0)"
    assert f() == 11


EXIT_WHILE_RUNNING = textwrap.dedent("""
    import ctypes, threading, time
    import llvmlite.ir as ir
    from rufc.backend.engine import Engine

    engine = Engine()
    stop = ctypes.c_int64(0)
    engine.register_symbol("rf_spin_stop", ctypes.addressof(stop))
    module = ir.Module(name="spin")
    i64 = ir.IntType(64)
    flag = ir.GlobalVariable(module, i64, "rf_spin_stop")
    flag.linkage = "external"
    fn = ir.Function(module, ir.FunctionType(i64, []), name="spin")
    entry, loop, done = fn.append_basic_block(), fn.append_basic_block(), fn.append_basic_block()
    ir.IRBuilder(entry).branch(loop)
    b = ir.IRBuilder(loop)
    v = b.load(flag, typ=i64)
    v.volatile = True
    b.cbranch(b.icmp_signed("!=", v, ir.Constant(i64, 0)), done, loop)
    ir.IRBuilder(done).ret(v)   # never set: the process exits while this runs
    engine.add_module(module)
    spin = ctypes.CFUNCTYPE(ctypes.c_int64)(engine.address("spin"))   # no GIL held
    threading.Thread(target=spin, daemon=True).start()
    time.sleep(0.2)
    print(engine.loader)
""")


def test_the_process_exits_cleanly_while_native_code_runs_in_another_thread() -> None:
    """Python frees module globals as it exits, while a daemon thread may still run
    native code (SIGINT during a native loop in the VM's thread): the code's pages
    must stay mapped (a Python `mmap` holding them unmapped them: SIGSEGV)."""
    r = subprocess.run([sys.executable, "-c", EXIT_WHILE_RUNNING], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stderr[-2000:])
    if elfload.supported():
        assert r.stdout == "elfload\n"
