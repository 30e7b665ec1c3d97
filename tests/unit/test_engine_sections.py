"""The engine keeps the sections of each object close together.

References from an object's code to its own float constants (and from its unwind
tables to its code) are 32-bit PC-relative. With LLVM's default memory manager, code
and constants of one module could be mapped gigabytes apart once the address space
between them filled up, and RuntimeDyld aborted the whole process (CI saw it, rarely;
with llvmlite's memory manager too, about once in 30 runs of boxed_try). On x86-64
Linux the engine loads every object with `elfload`, one mapping per object.
The test fills the address space between compilations on purpose (untouched
mappings: address space, not memory) and runs in a child process, because the failure
is an abort."""
from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import ctypes, mmap
    import llvmlite.ir as ir
    from rufc.backend import elfload
    from rufc.backend.engine import Engine

    engine = Engine()
    keep = []
    for i in range(300):
        module = ir.Module(name=f"m{i}")
        double = ir.DoubleType()
        fn = ir.Function(module, ir.FunctionType(double, [double]), name=f"f{i}")
        b = ir.IRBuilder(fn.append_basic_block())
        x = fn.args[0]
        for j in range(1, 200):   # distinct constants: a .rodata.cst section
            x = b.fadd(x, ir.Constant(double, j + 0.123456))
        b.ret(x)
        engine.add_module(module)
        if elfload.supported():   # on x86-64 Linux no object goes through RuntimeDyld
            assert engine.loader == "elfload", engine.loader
        keep.append(mmap.mmap(-1, 1 << 30))   # 1 GiB of address space after each
        f = ctypes.CFUNCTYPE(ctypes.c_double, ctypes.c_double)(engine.address(f"f{i}"))
        assert f(0.0) == sum(j + 0.123456 for j in range(1, 200))
    print("ok")
""")


def test_code_and_constants_of_a_module_stay_in_32_bit_range() -> None:
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                       timeout=300)
    assert (r.returncode, r.stdout) == (0, "ok\n"), r.stderr[-2000:]
