"""`rufc run --stats`: where a run went, as tables on stderr at exit (docs/stats.md).

Nothing here runs, and nothing is counted, unless --stats is given: the counters it
reads are emitted only then (`VMOptions.stats`, `GenOptions.stats`):

- every version of a function's VM code counts its calls in `K_<sym>` (without
  --stats only the counting version does, up to the JIT threshold);
- every loop counts its iterations in the VM in `LOOPS[(sym, line, col)]`;
- native entries count their calls (`Native.entries`, as DEBUG_JIT does) and time
  the outermost native call (`JIT.native_time`).

The rest is what the JIT keeps anyway: specializations, refusals, compile time per
group, direct and helper call sites, and the VM calls counted before a function got
its native entry (after that, a call that reaches the VM code failed every guard).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rufc.dialects.optable import MAIN_SYMBOL, Module
from rufc.runtime.names import py_name


@dataclass
class FunctionRow:
    name: str
    calls: int
    tier: str
    specializations: list[str]
    compile_ms: float
    guard_failures: int
    native_sites: int
    helper_sites: int


@dataclass
class LoopRow:
    function: str
    line: int
    col: int
    iterations: int
    tier: str
    osr_entries: int = 0


def _sig(name: str, kinds: tuple[str, ...]) -> str:
    return f"{name}({', '.join(kinds)})"


def function_rows(vm: Any, module: Module) -> list[FunctionRow]:
    """One row per function that was called, in the order of the program."""
    jit = vm.native
    rows = []
    for sym, func in module.funcs().items():
        counter = vm.ns.get("K_" + py_name(sym))
        vm_calls = counter[0] if counter else 0
        st = jit.functions.get(sym) if jit is not None else None
        natives = st.natives if st is not None else []
        entries = sum(n.entries[0] for n in natives)
        calls = vm_calls + entries - vm.reentered.get(sym, 0)
        if calls <= 0:
            continue
        name = "<main>" if sym == MAIN_SYMBOL else str(func.attrs["name"])
        if natives:
            tier = "native" if st.stub else "native-leaf"   # type: ignore[union-attr]
        elif st is not None and st.refused:
            tier = "vm-refused"
        elif jit is not None and jit.units is not None and jit.units.is_waiting(sym):
            tier = "compiling"   # in the background, not finished when the run ended
        else:
            tier = "vm"
        rows.append(FunctionRow(
            name, calls, tier, [_sig(name, n.kinds) for n in natives],
            st.compile_ms if st is not None else 0.0,
            vm_calls - st.calls_at_entry if st is not None and st.stub else 0,
            sum(n.direct_calls for n in natives), sum(n.helper_calls for n in natives)))
    return rows


def loop_rows(vm: Any, module: Module) -> list[LoopRow]:
    """Loops that ran at least the hot-loop threshold (10 x the JIT threshold) of
    iterations in the VM, and loops the JIT took over (on-stack replacement,
    rufc.runtime.osr), in the order of the program."""
    hot = max(vm.options.threshold * 10, 1)
    funcs = module.funcs()
    counts: dict[tuple[str, int, int], int] = dict(vm.ns.get("LOOPS", {}))
    osr = getattr(vm.native, "osr", None)
    taken = osr.loops if osr is not None else {}
    rows = []
    for key in sorted(set(counts) | set(taken), key=lambda k: (k[1], k[2])):
        sym, line, col = key
        n = counts.get(key, 0)
        st = taken.get(key)
        if n < hot and st is None:
            continue
        if st is not None and st.natives:
            tier = "native-osr"
        elif st is not None and st.refused:
            tier = "vm-refused"
        else:
            tier = "vm"
        func = funcs.get(sym)
        name = "<main>" if sym == MAIN_SYMBOL or func is None else str(func.attrs["name"])
        rows.append(LoopRow(name, line, col, n, tier,
                            st.entries if st is not None else 0))
    return rows


def _compile_ms(jit: Any) -> float:
    return (jit.compile_ms + jit.load_ms) if jit is not None else 0.0


def timed_native(vm: Any, run: Callable[[], Any]) -> Any:
    """run() (on-stack replacement: compiling a loop's continuation, then running it
    natively), its time added to the native time less what compiling took. Inside
    a native call already timed (native code called the VM), the outer call has it."""
    jit = vm.native
    if jit is not None and jit.native_time[1]:
        return run()
    before = _compile_ms(jit)
    if jit is not None:
        jit.native_time[1] = 1
    t0 = time.perf_counter()
    try:
        return run()
    finally:
        spent = time.perf_counter() - t0
        jit = vm.native   # the first hot loop may have made the JIT
        if jit is not None:
            jit.native_time[0] += max(spent - (_compile_ms(jit) - before) / 1e3, 0.0)
            jit.native_time[1] = 0


def _table(header: list[str], rows: list[list[str]], left: set[int]) -> list[str]:
    """Columns padded to their widest cell: numbers right-aligned, the `left` ones left."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    out = []
    for r in [header, *rows]:
        cells = [c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))]
        out.append("  ".join(cells).rstrip())
    return out


def report(vm: Any, module: Module, total_s: float) -> str:
    """The text --stats prints: functions, hot loops, refusals, and the time."""
    jit = vm.native
    funcs = function_rows(vm, module)
    lines = ["rufc --stats", "functions:"]
    lines += ["  " + ln for ln in _table(
        ["function", "calls", "tier", "compile ms", "guard fails", "native sites",
         "helper sites", "specializations"],
        [[f.name, str(f.calls), f.tier,
          f"{f.compile_ms:.1f}" if f.compile_ms else "-",
          str(f.guard_failures) if f.tier == "native" else "-",
          str(f.native_sites) if f.specializations else "-",
          str(f.helper_sites) if f.specializations else "-",
          ", ".join(f.specializations) or "-"] for f in funcs], {0, 2, 7})]
    loops = loop_rows(vm, module)
    if loops:
        lines.append("hot loops:")
        lines += ["  " + ln for ln in _table(
            ["function", "at", "VM iterations", "tier", "native entries"],
            [[lp.function, f"{lp.line}:{lp.col}", str(lp.iterations), lp.tier,
              str(lp.osr_entries) if lp.tier == "native-osr" else "-"]
             for lp in loops], {0, 1, 3})]
    if jit is not None:
        refused = [(st.name, kinds, why) for st in jit.functions.values()
                   for kinds, why in st.refused.items()]
        osr = getattr(jit, "osr", None)
        for (_, line, col), lst in (osr.loops.items() if osr is not None else ()):
            if lst.refused:
                refused.append((f"{lst.name}: loop at {line}:{col}", None, lst.refused))
        if refused:
            lines.append("stayed in the VM:")
            lines += [f"  {name if kinds is None else _sig(name, kinds)}: {why}"
                      for name, kinds, why in refused]
    compile_ms = _compile_ms(jit)
    native_ms = jit.native_time[0] * 1e3 if jit is not None else 0.0
    total_ms = total_s * 1e3
    vm_ms = max(total_ms - native_ms - compile_ms, 0.0)
    lines.append(f"time: {total_ms:.1f} ms = VM {vm_ms:.1f} ms + native {native_ms:.1f} ms "
                 f"+ compiling {compile_ms:.1f} ms"
                 + (f" (of which loading the compiler {jit.load_ms:.1f} ms)"
                    if jit is not None and jit.load_ms else ""))
    return "\n".join(lines) + "\n"
