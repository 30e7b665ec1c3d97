"""How long the hot tier takes to compile a function (a benchmark, not a test).

    python3 bench/compile_time.py [--copies 20]

Reports, in one fresh process: loading the compiler (imports of xdsl and llvmlite,
LLVM's native target, the engine, the helper symbols), the first compilation of
fib (which also pays the lazy imports of the passes and the backend), and the
median of the next compilations of identical copies of fib (fib0, fib1, ...), split
into the pipeline's stages as DEBUG_JIT reports them.
"""
from __future__ import annotations

import argparse
import statistics
import time

FIB = """func fib{k}(n) {{
    if n < 2 {{
        return n
    }}
    return fib{k}(n - 1) + fib{k}(n - 2)
}}
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=20)
    args = ap.parse_args()
    t0 = time.perf_counter()
    from rufc.cli import Source, lower_source
    from rufc.runtime.tiering import JIT
    from rufc.runtime.vm import VM, VMOptions
    source = "".join(FIB.format(k=k) for k in range(args.copies + 1)) + "print(0)\n"
    module = lower_source(Source("fibs.ruff", source))
    vm = VM(VMOptions())
    vm.load(module)
    vm.run()
    t1 = time.perf_counter()
    jit = JIT(vm, module)
    jit._load_compiler()
    t2 = time.perf_counter()
    jit.compile_group("fib0", ("int",))
    t3 = time.perf_counter()
    totals: list[float] = []
    stages: dict[str, list[float]] = {"ruff passes": [], "LLVM": []}
    for k in range(1, args.copies + 1):
        a = time.perf_counter()
        jit.compile_group(f"fib{k}", ("int",))
        totals.append((time.perf_counter() - a) * 1e3)
        last = jit.engine.last
        stages["LLVM"].append(last.verify + last.optimize + last.codegen)
    print(f"rufc start-up and load (not the JIT): {(t1 - t0) * 1e3:7.1f} ms")
    print(f"loading the compiler:                 {(t2 - t1) * 1e3:7.1f} ms")
    print(f"first compilation of fib:             {(t3 - t2) * 1e3:7.1f} ms")
    print(f"next compilations, median of {args.copies}:     {statistics.median(totals):7.1f} ms "
          f"(min {min(totals):.1f}), of which LLVM {statistics.median(stages['LLVM']):.1f} ms")


if __name__ == "__main__":
    main()
