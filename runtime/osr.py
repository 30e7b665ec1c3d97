"""On-stack replacement, VM side: a hot loop continues in native code.

The cold tier counts the loops of every function body's own region (runtime/codegen:
a counted loop by its trip count at entry, a `while`/`loop` by the heads it runs) and
at the threshold calls `VM.on_hot_loop`, which lands here with the VM frame's locals.
The JIT then compiles the function's *continuation* from that loop
(rufc.passes.outline_loop: the loop and the rest of the function, a synthetic
function whose parameters are the live variables) for the kinds of the values the
frame holds, calls it with those values, and the VM frame returns what it returns:
native code finishes the function. A counted loop hands over before its first
iteration (its range restarts from `start`), a `while`/`loop` at the head of an
iteration, before the condition: nothing runs twice.

A loop whose continuation cannot compile (a reason is logged once) stays in the VM
for good; other loops are not affected. Errors raised in native code carry the
native frames, which stand where the VM frame stands in the traceback
(`JIT.check_error`), so message, line and traceback are the VM's.
"""
from __future__ import annotations

import itertools
import logging
import os
import sys
import types
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rufc.dialects.optable import MAIN_SYMBOL
from rufc.runtime.boxed_helpers import SENTINEL
from rufc.runtime.helpers import boxed_enabled
from rufc.runtime.values import FALSE, FLOAT_CODE, INT_CODE, TRUE, UNBOUND, RArray

if TYPE_CHECKING:
    from rufc.runtime.vm import Hook

log = logging.getLogger("rufc.jit")

SCALAR_RESULTS = ("int", "float", "bool", "null")
COMPILER_FRAMES = 5000   # as JIT.on_hot: room for the compiler deep in a recursion


@dataclass
class LoopState:
    """What the JIT knows about one loop (function symbol, line, col)."""
    name: str
    refused: str | None = None
    # (slots bound in the frame, kinds of their values, the top level's globals left
    # globals) -> (Continuation, Native)
    natives: dict[tuple[tuple[int, ...], tuple[str, ...], tuple[str, ...]], Any] = \
        field(default_factory=dict)
    entries: int = 0
    # the top level: the globals its continuation uses that may live in slots, and for
    # each set of them unbound at an entry, its copy with the others as slots
    private: list[str] | None = None
    tops: dict[tuple[str, ...], tuple[Any, list[str]]] = field(default_factory=dict)


class LoopOSR:
    """The hot loops of one program (one JIT)."""

    def __init__(self, jit: Any) -> None:
        self.jit = jit
        self.loops: dict[tuple[str, int, int], LoopState] = {}
        self.info: Any = None   # ProgramInfo before the compiler is loaded (program_info)
        self.debug = log.isEnabledFor(logging.DEBUG)

    def enter(self, fn: Any, line: int, col: int, rng: Any,
              frame: dict[str, Any], hook: Hook) -> tuple[Any, ...]:
        """Run the rest of `fn` natively from its loop at line:col, if it compiles.
        (result,) when native code ran it, () when the VM goes on."""
        sym: str = getattr(fn, "ruff_sym", "?")
        key = (sym, line, col)
        st = self.loops.get(key)
        if st is None:
            name = getattr(fn, "ruff_name", sym)
            st = self.loops[key] = LoopState(name)
            if self.debug:
                log.debug("%s: loop at %d:%d is hot", name, line, col)
        if st.refused is not None:
            return ()
        if rng is not None and type(rng) is not range:   # a range past 2**63 - 1 elements
            return self._refuse(st, line, col, "its range has more than 2**63 - 1 elements")
        func = self.jit.funcs.get(sym)
        if func is None:
            return self._refuse(st, line, col, "its function is not part of the program")
        unbound: tuple[str, ...] = ()
        if sym == MAIN_SYMBOL:   # the top level: its private globals become slots
            func, frame, unbound = self._top_level(st, func, line, col, frame, hook)
            if func is None:
                return ()
        nslots = len(func.attrs["slots"])
        bound = tuple(i for i in range(nslots)
                      if frame.get(f"v{i}", UNBOUND) is not UNBOUND)
        values = [frame[f"v{i}"] for i in bound]
        from rufc.passes.program import kind_of_value
        all_kinds = tuple(kind_of_value(v) for v in values)
        pair = st.natives.get((bound, all_kinds, unbound))
        if pair is None:
            pair = self._compile(st, func, sym, line, col, bound, values)
            if pair is None:
                return ()
            st.natives[(bound, all_kinds, unbound)] = pair
        cont, native = pair
        args = [frame[f"v{i}"] for i in cont.slots]
        if cont.range_params:
            # range parameters are those of a `for ... in range` loop: the VM passed its range
            assert rng is not None
            bounds = (rng.start, rng.stop, rng.step)
            args += [bounds[k] for k in cont.range_params]
        return self._call(st, native, args, line, col, hook)

    def _top_level(self, st: LoopState, main: Any, line: int, col: int, frame: dict[str, Any],
                   hook: Hook) -> tuple[Any, dict[str, Any], tuple[str, ...]]:
        """The top level with the globals its continuation uses as slots, the frame
        with their values, and the globals left globals because they are unbound.
        Only globals no function names (nobody else can see them while native code
        runs; the program ends when the top level does), not `let` or `const` ones
        the continuation assigns, not in a REPL (later entries read the globals), and
        not one unbound when the loop hands over: native code reads it as the VM
        does, `Undefined variable` exactly where the VM raises it (a slot would be
        read where its value is used: a callee after its arguments)."""
        from rufc.passes.outline_loop import (
            global_names,
            globals_to_slots,
            immutable_written,
            private_globals,
        )
        from rufc.runtime.names import py_name
        jit = self.jit
        if jit.stable is not None or jit.vm.entries:
            self._refuse(st, line, col, "the top level of a REPL entry")
            return None, frame, ()
        if hook.frame.f_code.co_name != "F_" + py_name(MAIN_SYMBOL):
            # a part of a long top level (its `return` would not end the program)
            self._refuse(st, line, col, "the top level is generated in parts")
            return None, frame, ()
        if st.private is None:
            names = global_names(main, line, col)
            private = private_globals(jit.funcs, main, names)
            imm = immutable_written(main, line, col)   # read-only `let`s can be slots
            shared = sorted(n for n in names - private if n not in imm
                            and n not in (jit.stable or {}) and not self._callee(n))
            if shared:
                self._refuse(st, line, col, f"global '{shared[0]}' is used by a function too")
                return None, frame, ()
            st.private = sorted(n for n in private if n not in imm and not self._callee(n))
        ns = jit.ns
        unbound = tuple(n for n in st.private if ns.get("G_" + py_name(n), UNBOUND) is UNBOUND)
        cached = st.tops.get(unbound)
        if cached is None:
            keep = [n for n in st.private if n not in unbound]
            cached = st.tops[unbound] = (globals_to_slots(main, keep), keep)
        func, keep = cached
        frame = dict(frame)
        base = len(main.attrs["slots"])
        for i, n in enumerate(keep):
            frame[f"v{base + i}"] = ns[f"G_{py_name(n)}"]
        return func, frame, unbound

    def _callee(self, name: str) -> bool:
        """Is global `name` a function the program declares (a callee, not data)?"""
        from rufc.runtime.names import py_name
        return callable(self.jit.ns.get("G_" + py_name(name)))

    # ------------------------------------------------------------ compiling

    def _refuse(self, st: LoopState, line: int, col: int, reason: str) -> tuple[Any, ...]:
        st.refused = " ".join(reason.split())
        if self.debug:
            log.debug("%s: loop at %d:%d stays in the VM: %s", st.name, line, col, st.refused)
        return ()

    def _compile(self, st: LoopState, func: Any, sym: str, line: int, col: int,
                 bound: tuple[int, ...], values: list[Any]) -> Any:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + COMPILER_FRAMES)
        try:
            with self.jit.lock:   # not while a compiling thread compiles (JIT.lock)
                return self._compile_now(st, func, sym, line, col, bound, values)
        except Exception as exc:  # noqa: BLE001 - the JIT never breaks a program
            self._refuse(st, line, col, f"the compiler failed: {type(exc).__name__}: {exc}")
            return None
        finally:
            sys.setrecursionlimit(limit)

    def _compile_now(self, st: LoopState, func: Any, sym: str, line: int, col: int,
                     bound: tuple[int, ...], values: list[Any]) -> Any:
        from rufc.passes.outline_loop import MAX_BOXED_OPS, NoContinuation, continuation
        from rufc.passes.program import kind_of_value
        jit = self.jit
        try:
            cont = continuation(func, line, col, set(bound))
        except NoContinuation as exc:
            self._refuse(st, line, col, str(exc))
            return None
        csym = cont.func.str_attr("sym_name") + ("" if not st.natives else f".{len(st.natives)}")
        cont.func.attrs["sym_name"] = csym
        info = self.program_info()
        info.funcs[csym] = cont.func
        by_slot = dict(zip(bound, values))
        kinds = tuple(kind_of_value(by_slot[s]) for s in cont.slots)
        kinds += ("int",) * len(cont.range_params)
        if "other" in kinds:   # empty arrays: typed by what the continuation stores
            kinds = self._empty_array_kinds(info, csym, kinds, [by_slot[s] for s in cont.slots])
        if self.debug:
            params = ", ".join(f"{p}: {k}" for p, k in zip(cont.func.strs_attr("params"), kinds))
            log.debug("%s: loop at %d:%d: compiling the rest of %s from the loop (%s)",
                      st.name, line, col, st.name, params)
        # decided without xdsl and llvmlite: a loop that stays in the VM loads neither
        reason = info.check(csym, kinds)
        if reason is None and (n := info.boxed_ops(csym, kinds)) > MAX_BOXED_OPS:
            reason = (f"the rest of the function has {n} ops on boxed values (more "
                      f"than {MAX_BOXED_OPS}: too long to compile)")
        if (reason is None and not boxed_enabled()
                and info.result_kind(csym, kinds) not in SCALAR_RESULTS):
            # the VM frame returns what native code returns
            reason = (f"the function's result is not always an int, float, bool or null "
                      f"({info.result_kind(csym, kinds)})")
        if reason is not None:
            self._refuse(st, line, col, reason)
            return None
        try:
            if jit.info is None and hasattr(jit, "load_runtime"):
                # the JIT's facts are these (the same builtin kinds): with them in
                # place, a continuation found in the native-code cache loads without
                # xdsl (JIT.specialize imports the compiler only to compile)
                jit.load_runtime()
                jit.info = info
            else:
                jit._load_compiler()
        except Exception as exc:  # noqa: BLE001 - the JIT never breaks a program
            self._refuse(st, line, col, f"the compiler failed: {type(exc).__name__}: {exc}")
            return None
        jit.funcs[csym] = cont.func
        jit.info.funcs[csym] = cont.func
        fst = jit.func_state(csym)
        fst.name = f"{st.name} from the loop at {line}:{col}"
        # compiled now, not by a background worker: the loop is running in the VM and
        # its frame enters native code only here
        units: Any = getattr(jit, "units", None)
        worker = getattr(units, "worker", None)
        if worker is not None:
            units.worker = None
        try:
            native = jit.specialize(fst, kinds)
        finally:
            if worker is not None:
                units.worker = worker
        if native is None:
            self._refuse(st, line, col, fst.refused.get(kinds, "it does not compile"))
            return None
        if native.result not in SCALAR_RESULTS and not boxed_enabled():
            self._refuse(st, line, col, f"the continuation returns a {native.result}")
            return None
        return cont, native

    def program_info(self) -> Any:
        """The JIT's ProgramInfo, or before the compiler is loaded one of our own: the
        same facts (passes/program.py needs no xdsl) with the cold tier's builtin
        kinds."""
        if self.jit.info is not None:
            return self.jit.info
        if self.info is None:
            from rufc.passes.program import ProgramInfo
            from rufc.runtime.builtins import BUILTINS
            from rufc.runtime.names import py_name
            table = {"int": "int", "float": "float", "bool": "bool", "string": "str",
                     "null": "null"}
            ns = self.jit.ns
            jit = self.jit

            def is_bound(name: str) -> bool:
                bound = "G_" + py_name(name) in ns
                answers = getattr(jit, "bound_log", None)
                if answers is not None:   # what a cached unit's validity rests on
                    answers[name] = bound
                return bound
            self.info = ProgramInfo(self.jit.module,
                                    {n: table.get(b.result, "any") for n, b in BUILTINS.items()},
                                    is_bound=is_bound, stable=self.jit.stable)
        return self.info

    def _empty_array_kinds(self, info: Any, csym: str, kinds: tuple[str, ...],
                           values: list[Any]) -> tuple[str, ...]:
        """An empty array has no element kind yet (`flags := []` before a loop that
        pushes onto it): try the empty arrays as int and float arrays (the first 16
        choices) and keep the first the continuation compiles with (the entry gives
        each that storage)."""
        empty = [i for i, v in enumerate(values)
                 if type(v) is RArray and v.et is None and not len(v)]
        if not empty:
            return kinds
        first = None
        for choice in itertools.islice(itertools.product(("array:int", "array:float"),
                                                         repeat=len(empty)), 16):
            trial = list(kinds)
            for i, et in zip(empty, choice):
                trial[i] = et
            if info.check(csym, tuple(trial)) is None:
                return tuple(trial)
            first = first or tuple(trial)
        return first or kinds   # (the reason logged is that of int arrays)

    # ------------------------------------------------------------ entering native code

    def _call(self, st: LoopState, native: Any, args: list[Any], line: int,
              col: int, hook: Hook) -> tuple[Any, ...]:
        """Run the continuation. Native code runs with the Ruff limit of the loop's VM
        frame, raised by the Python frames between that frame and the native call
        (the hook's, which the VM would not have), so the Ruff call-depth limit falls
        where the VM's does (see docs/jit.md, "Call depth")."""
        jit = self.jit
        state = jit.state
        limit = sys.getrecursionlimit()
        here = _frames_above(hook.frame) + 1   # and this one
        if state.remaining.value - (limit - hook.limit) <= here + 2:
            return ()   # at the depth limit: the VM fails there
        st.entries += 1
        native.entries[0] += 1
        if self.debug:
            log.debug("%s: entering the compiled loop at %d:%d", st.name, line, col)
        for a, k in zip(args, native.kinds):
            if k.startswith("array:") and a.et is None:   # empty (see _empty_array_kinds)
                if len(a):
                    return ()
                a.__init__(array(INT_CODE if k == "array:int" else FLOAT_CODE))
        args = [a is TRUE if k == "bool" else a for a, k in zip(args, native.kinds)]
        sys.setrecursionlimit(hook.limit + here)
        try:
            r = native.entry(*args)
        finally:
            sys.setrecursionlimit(limit)
        from rufc.passes.ruff_to_llvm import INT_SENTINEL
        if native.result not in SCALAR_RESULTS:   # an object, or the error sentinel
            if r is SENTINEL:
                jit.check_error(hook.frame)   # the VM frame of the loop
            return (r,)
        if (r != r) if native.result == "float" else (r == INT_SENTINEL):
            jit.check_error(hook.frame)   # the VM frame of the loop
        if native.result == "bool":
            return (TRUE if r else FALSE,)
        if native.result == "null":
            return (None,)
        return (r,)


def on_hot_loop(vm: Any, fn: Any, line: int, col: int, rng: Any,
                frame: dict[str, Any], hook: Hook) -> tuple[Any, ...]:
    """VM.on_hot_loop with a JIT in this run: make the JIT if nothing made it yet."""
    jit = vm.native
    if jit is None:
        if vm.entries:   # a REPL makes its own JIT
            return ()
        jit = _make_jit(vm)
    osr = getattr(jit, "osr", None)
    if osr is None:
        osr = jit.osr = LoopOSR(jit)
    return osr.enter(fn, line, col, rng, frame, hook)


def _frames_above(frame: types.FrameType) -> int:
    """Python frames between `frame` and the caller of this function."""
    n = 0
    f: types.FrameType | None = sys._getframe(2)
    while f is not None and f is not frame:
        n += 1
        f = f.f_back
    return n


def _make_jit(vm: Any) -> Any:
    """The JIT, made by the first hot loop (as the driver's compile hook makes it for the
    first hot function)."""
    from rufc.runtime.tiering import JIT
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + COMPILER_FRAMES)
    try:
        vm.native = JIT(vm, vm._module)
    finally:
        sys.setrecursionlimit(limit)
    vm.native.fail_next = os.environ.get("RUFC_JIT_FAIL") or None
    try:   # the native-code cache and background compilation, as the driver sets up
        from rufc.runtime.units import setup
    except ImportError:
        pass
    else:
        setup(vm.native, sync=getattr(vm.options, "jit_sync", False))
    vm.options.compile_hook = vm.native.on_hot
    return vm.native
