"""Background compilation: the program goes on in the VM while a hot function compiles.

When a function gets hot and its unit is not in the native-code cache, `Worker.submit`
queues it and gives the function *waiting code*: its VM code with one test in front,

    if JREADY[0] and JTAKE(JW_f): return REENTER(F, (v0, ...))

`JREADY[0]` turns 1 when a compilation has finished. The next call of any waiting
function (a safe point: a function entry, in the VM) then runs `JTAKE`, which loads
every finished unit into this process's engine (object code: `Units.load`, the same
path as a cache hit), installs the native entries, starts the next queued compilation,
and, if the function being called now has a native entry, runs this call through it.
Functions with a native entry whose other argument kinds get hot take finished units
from their miss handler. So the switch to native code happens only at a call, never in
the middle of a function, and the output is the same whatever the timing.

One compilation runs at a time, in one of two ways (RUFC_JIT_BACKGROUND):

* `fork` (the default): a child process forked from the running program compiles the
  unit to object code (the passes, xDSL, LLVM's O2 and code generation: all of it in
  the child, which also pays for importing xdsl) and writes it to a pipe; a thread of
  the parent waits on the pipe (without the GIL) and sets `JREADY`. The parent never
  imports xdsl. docs/jit.md has the measurements that chose it over a thread.
* `thread`: a thread of this process compiles, with an engine of its own; the xDSL
  passes are Python and hold the GIL, so the VM and the compiler take turns.

`--jit-sync` (RUFC_JIT_SYNC=1) compiles in the VM's thread at the call that got hot,
as before: deterministic compile events, for tests and for DEBUG_JIT sessions.
"""
from __future__ import annotations

import atexit
import logging
import marshal
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

from rufc.runtime import native_cache as NC
from rufc.runtime.names import py_name
from rufc.runtime.stack import DEFAULT_STACK_BYTES, start_with_stack

log = logging.getLogger("rufc.jit")

__all__ = ["Worker", "MODES"]

MODES = ("fork", "thread")
COMPILER_FRAMES = 5000


@dataclass
class Job:
    sym: str
    kinds: tuple[str, ...]
    key: str
    started: float
    pid: int = 0
    fd: int = -1
    data: bytes | None = None
    done: bool = False


class Worker:
    """The background compilations of one JIT (see the module docstring)."""

    def __init__(self, jit: Any, units: Any) -> None:
        self.jit = jit
        self.units = units
        mode = os.environ.get("RUFC_JIT_BACKGROUND", "fork")
        if mode == "fork" and not hasattr(os, "fork"):
            mode = "thread"
        self.mode = mode if mode in MODES else "fork"
        self.queue: list[tuple[str, tuple[str, ...]]] = []
        self.waiting: set[str] = set()          # syms whose code is the waiting code
        self.job: Job | None = None
        self.ready = [0]
        self.thread: threading.Thread | None = None   # the compiling thread, if any

    # ------------------------------------------------------------ the VM's side

    def submit(self, st: Any, kinds: tuple[str, ...]) -> bool:
        """Queue (function, kinds) for compilation; the function gets waiting code.
        False: this run cannot compile in the background (compile now)."""
        jit = self.jit
        if st.fn is None:
            return False
        item = (st.sym, kinds)
        if item not in self.queue and (self.job is None
                                       or (self.job.sym, self.job.kinds) != item):
            self.queue.append(item)
        if not st.stub and st.sym not in self.waiting:
            self.waiting.add(st.sym)
            jit.ns.update(JREADY=self.ready, JTAKE=self.take)
            jit.ns[_waiting_name(st.sym)] = st.fn
            st.fn.__code__ = self._waiting_code(st)
        if jit.debug:
            log.debug("%s: compiling %s in the background (%s); it runs in the VM meanwhile",
                      st.name, _sig(st.name, kinds), self.mode)
        self._start_next()
        return True

    def is_waiting(self, sym: str) -> bool:
        return sym in self.waiting

    def _waiting_code(self, st: Any) -> Any:
        fn = st.fn
        params = "".join(f"v{i}, " for i in range(fn.__code__.co_argcount))
        w = _waiting_name(st.sym)
        pro = [(f"    if JREADY[0] and JTAKE({w}): return REENTER({w}, ({params}))", False)]
        self.jit.entry_codes += 1
        return self.jit.vm.function_code(self.jit.funcs[st.sym], pro,
                                         f"jit{self.jit.entry_codes}", fn.__code__.co_freevars)

    def take(self, fn: Any = None) -> bool:
        """At a safe point: install what finished. True if `fn` should run this call
        through its new native entry."""
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + COMPILER_FRAMES)
        try:
            self.poll()
        finally:
            sys.setrecursionlimit(limit)
        return fn is not None and self.jit.reenter_now(fn)

    def poll(self) -> None:
        job = self.job
        if job is None or not job.done:
            return
        self.job = None
        self.ready[0] = 0
        with self.jit.lock:
            self._finish(job)
            self._start_next()

    # ------------------------------------------------------------ results

    def _finish(self, job: Job) -> None:
        jit = self.jit
        st = jit.func_state(job.sym)
        wall = (time.perf_counter() - job.started) * 1e3
        try:
            if not job.data:
                raise RuntimeError("the compiling worker died")
            what, payload = marshal.loads(job.data)
        except Exception as exc:  # noqa: BLE001
            what, payload = "failed", f"{type(exc).__name__}: {exc}"
        if what == "refused":
            jit._refuse(st, job.kinds, payload)
        elif what == "failed":
            jit._refuse(st, job.kinds, f"compilation failed: {payload}")
        else:
            try:
                unit = NC.decode(payload)
                t0 = time.perf_counter()
                self.units.load(unit)
            except Exception as exc:  # noqa: BLE001 - e.g. compiled meanwhile
                jit._refuse(st, job.kinds, f"compiled code not loaded: {type(exc).__name__}: {exc}")
            else:
                if jit.debug:
                    log.debug("%s: compiled in the background in %.1f ms (wall), loaded in "
                              "%.1f ms", self.units._names(unit), wall,
                              (time.perf_counter() - t0) * 1e3)
                for m in unit.members:
                    self._install(jit.func_state(m.sym))
        if (job.sym, job.kinds) not in jit.compiled:
            self._install(st)

    def _install(self, st: Any) -> None:
        """The function's code now: a native entry, or (nothing compiled) its VM code."""
        fn = st.fn
        if fn is None:
            return
        if st.natives:
            self.waiting.discard(st.sym)
            self.jit.install(st)
        elif st.sym in self.waiting and not any(s == st.sym for s, _ in self.queue):
            self.waiting.discard(st.sym)
            if fn.ruff_plain is not None:
                fn.__code__ = fn.ruff_plain

    # ------------------------------------------------------------ compiling

    def _start_next(self) -> None:
        jit = self.jit
        while self.job is None and self.queue:
            sym, kinds = self.queue.pop(0)
            st = jit.func_state(sym)
            if (sym, kinds) in jit.compiled or kinds in st.refused:
                self._install(st)
                continue
            try:
                key = self.units.key(sym, kinds)
            except Exception as exc:  # noqa: BLE001
                jit._refuse(st, kinds, f"the compiler failed: {type(exc).__name__}: {exc}")
                self._install(st)
                continue
            job = Job(sym, kinds, key, time.perf_counter())
            if self.mode == "fork":
                try:
                    self._fork(job)
                except OSError as exc:   # no process to be had: a thread then
                    if jit.debug:
                        log.debug("cannot fork a compiling worker (%s): compiling in a "
                                  "thread", exc)
                    self.mode = "thread"
            if self.mode == "thread":
                # the native state reads the depth counter of the thread that makes it:
                # this one, the VM's, never the compiling thread
                jit.load_runtime()
                if self.thread is None:
                    atexit.register(self._drain)
                self.thread = threading.Thread(target=self._in_thread, args=(job,),
                                               daemon=True)
                # xDSL recurses on nested regions: the stack the program runs on
                start_with_stack(self.thread, DEFAULT_STACK_BYTES)
            self.job = job

    def _compile(self, job: Job, own_engine: bool) -> tuple[str, Any]:
        """Compile a job's unit: ("unit", bytes), ("refused", reason) or ("failed", reason)."""
        jit = self.jit
        if not own_engine:
            # a forked child: its limit is its own. (The recursion limit is the whole
            # interpreter's: a thread that raised it would move the program's call-depth
            # limit. A compiling thread starts at depth 0, far below it.)
            sys.setrecursionlimit(sys.getrecursionlimit() + COMPILER_FRAMES)
        try:
            jit._load_compiler()
            reason = jit.info.check(job.sym, job.kinds)
            if reason is not None:
                return ("refused", reason)
            engine = None
            if own_engine:
                from rufc.backend.engine import Engine
                engine = Engine()
                engine.symbols = dict(jit.engine.symbols)
                for name in list(jit.engine.defined):
                    engine.register_symbol(name, jit.engine.address(name))
                engine.defined = set(jit.engine.defined)
            unit = jit.compile_group(job.sym, job.kinds, job.key, engine=engine)
            data = NC.encode(unit)
        except Exception as exc:  # noqa: BLE001 - the parent logs it
            return ("failed", f"{type(exc).__name__}: {exc}")
        # The worker stores the unit: a program that ends before the unit is ready
        # still finds it in the cache next time (the child outlives it if need be).
        self.units.store_unit(unit)
        return ("unit", data)

    def _in_thread(self, job: Job) -> None:
        try:
            # the VM's thread compiles (a hot loop) or loads units only between two
            # of these (JIT.lock): LLVM and the compiler's state are the process's
            with self.jit.lock:
                answer = self._compile(job, own_engine=True)
            job.data = marshal.dumps(answer)
        except BaseException as exc:  # noqa: BLE001
            job.data = marshal.dumps(("failed", f"{type(exc).__name__}: {exc}"))
        job.done = True
        self.ready[0] = 1

    def _drain(self) -> None:
        """At exit: wait for the compiling thread to end. The process's exit runs LLVM's
        static destructors, and a thread still generating code beside them hit an LLVM
        assertion (SIGABRT after the program's last output, now and then). It costs at
        most the one compilation under way; a bound keeps a stuck one from hanging
        the exit."""
        if self.thread is not None:
            self.thread.join(timeout=60)

    def _fork(self, job: Job) -> None:
        r, w = os.pipe()
        sys.stdout.flush()   # nothing buffered may be written twice
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:
            os.close(r)
            os.close(w)
            raise
        if pid == 0:   # the child: compile, answer, exit without running anything else
            code = 0
            try:
                os.close(r)
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                # The child never writes the program's output, and may finish after
                # the program (to store the unit): it holds no pipe of the parent's
                # open but stderr, and that only for DEBUG_JIT's log.
                null = os.open(os.devnull, os.O_RDWR)
                os.dup2(null, 0)
                os.dup2(null, 1)
                if not self.jit.debug:
                    os.dup2(null, 2)
                data = marshal.dumps(self._compile(job, own_engine=False))
                view = memoryview(data)
                while view:
                    view = view[os.write(w, view):]
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        os.close(w)
        job.pid, job.fd = pid, r
        threading.Thread(target=self._wait, args=(job,), daemon=True).start()

    def _wait(self, job: Job) -> None:
        """The parent's thread: read the child's answer (os.read drops the GIL)."""
        chunks = []
        try:
            while True:
                b = os.read(job.fd, 1 << 16)
                if not b:
                    break
                chunks.append(b)
        finally:
            os.close(job.fd)
            try:
                os.waitpid(job.pid, 0)
            except OSError:
                pass
        job.data = b"".join(chunks)
        job.done = True
        self.ready[0] = 1


def _waiting_name(sym: str) -> str:
    """The global through which waiting code finds its function: a Python name even
    for a method (`Point.norm1`: JW_u_Point_2e_norm1)."""
    return "JW_" + py_name(sym)


def _sig(name: str, kinds: tuple[str, ...]) -> str:
    return f"{name}({', '.join(kinds)})"
