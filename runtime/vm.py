"""The cold tier: load a compact `ruff` module as Python functions and run it.

`VM.load` generates the Python source of the whole program (`rufc.runtime.codegen`),
compiles it once, and binds its namespace: the helpers, the builtins (pre-bound as
globals, LANGUAGE.md §5), the struct types and the per-function call counters.
`VM.run` calls the top level on a thread with a large stack and a recursion limit
derived from the Ruff call-depth limit, and turns what escapes into a `RunResult`.

Tiering hooks (for the JIT): every function counts its calls in `K_<sym>`; at the
threshold the function calls `on_hot`, which hands it to `compile_hook` if the driver
gave one (the VM never imports the JIT itself). Without a JIT, `DEBUG_JIT=1` logs that
the function stays in the VM.
"""
from __future__ import annotations

import sys
import types
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rufc.dialects.optable import MAIN_SYMBOL, Module, Op
from rufc.runtime import helpers as H
from rufc.runtime import support
from rufc.runtime.builtins import BUILTINS, CONSTANTS
from rufc.runtime.compiling import compile_program
from rufc.runtime.errors import CATCHABLE, FatalError, RuffError
from rufc.runtime.names import py_name
from rufc.runtime.stack import (
    BYTES_PER_CALL,
    DEFAULT_STACK_BYTES,
    HelperFrames,
    call_with_big_stack,
    granted_stack_bytes,
    python_depth,
)
from rufc.runtime.values import (
    ERROR_TYPE,
    FALSE,
    NONE,
    TRUE,
    UNBOUND,
    LazyStack,
    RArray,
    RErr,
    ROk,
    RSome,
    RStruct,
    RStructType,
)

if TYPE_CHECKING:   # the code generator is imported only when code is generated: a
    from rufc.runtime.codegen import GeneratedModule, ModuleGen  # cached program skips it


def _jit_log() -> Any:
    """The "rufc.jit" logger if DEBUG_JIT logging is on, else None (without importing
    logging: the driver configures it before anything can log)."""
    logging = sys.modules.get("logging")
    if logging is None:
        return None
    log = logging.getLogger("rufc.jit")
    return log if log.isEnabledFor(logging.DEBUG) else None

DEFAULT_MAX_DEPTH = 10000
# The tiers' hooks (on_hot, on_hot_loop) run from a Ruff frame, which has
# helpers.DEPTH_HEADROOM levels of CPython's recursion budget left (codegen.DEPTH_TRIP)
# for their first frames; they then raise the limit by HOOK_FRAMES (imports, the JIT).
HOOK_FRAMES = 2000


@dataclass(frozen=True)
class Hook:
    """Where a hot-loop hook was called from: the Ruff recursion limit in force there
    (the hook runs above it) and the VM frame of the loop. Native code the hook runs
    gets that limit back, plus the frames between the VM frame and itself."""
    limit: int
    frame: types.FrameType


class _Plenty:
    """`ROOM` where CPython's recursion counter cannot be read (another Python): hooks
    always have room."""
    value = 1 << 30

SKIP = (-1, -1)   # line-table position of code that runs native frames (see function_code)

_KIND_OF_RESULT = {"int": "int", "float": "float", "bool": "bool", "string": "str", "null": "null"}


def reenter(fn: Any, args: tuple[Any, ...]) -> Any:
    """Run the call that just got hot again, through the function's native entry. The
    VM would have gone on in the same frame: this frame and the new one do not count
    toward the call-depth limit (VM.on_hot only asks for this with room to spare)."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(limit + 2)
    try:
        return fn(*args)
    finally:
        sys.setrecursionlimit(limit)


_REENTER_CODE = reenter.__code__


@dataclass
class Frame:
    """One Ruff stack frame of an error: the function's name and where it was."""
    name: str
    line: int
    col: int


# A linked list of Ruff frames, innermost first: (frame, the rest) or None (LazyStack).
Frames = tuple[Frame, "Frames"] | None


def error_struct(frames: Frames, message: str) -> RStruct:
    """The `Error` value of an error with these frames (innermost first): its line is
    the innermost frame's, its stack made when first read (LazyStack)."""
    line = frames[0].line if frames is not None else 0
    return RStruct(ERROR_TYPE, {"line": line, "message": message, "stack": LazyStack(frames)})


@dataclass
class RunResult:
    """How a program ended: normally, or with an uncaught runtime error."""
    error: str | None = None
    line: int = 0
    col: int = 0
    stack: list[Frame] = field(default_factory=list)   # outermost first
    internal: BaseException | None = None
    value: Any = None   # what the top level returned (the REPL shows it)


@dataclass
class VMOptions:
    jit: bool = True
    threshold: int = 100
    max_depth: int = DEFAULT_MAX_DEPTH
    compile_hook: Callable[[Any, tuple[Any, ...]], bool] | None = None
    loop_counters: bool | None = None   # GenOptions.loop_counters; None: with the JIT
    stats: bool = False           # count calls and iterations (rufc.runtime.stats)


class _Tables:
    """The tables of a GeneratedModule loaded from the cache (its source is not kept)."""
    __slots__ = ("line_table", "func_names", "global_names", "builtins_used")
    source = ""

    def __init__(self, line_table: dict, func_names: dict, global_names: set,
                 builtins_used: set) -> None:
        self.line_table = line_table
        self.func_names = func_names
        self.global_names = global_names
        self.builtins_used = builtins_used


class VM:
    """One program loaded into the cold tier."""

    # the code generator of the loaded program; None for a program loaded from the cache
    # (`_modgen` makes it on first use); unset before a program is loaded
    modgen: ModuleGen | None

    def __init__(self, options: VMOptions | None = None) -> None:
        self.options = options or VMOptions()
        if self.options.loop_counters is None:   # hot loops go native (runtime/osr.py)
            self.options.loop_counters = self.options.jit
        self.generated: GeneratedModule | None = None
        self.filename = "<ruff>"
        self.ns: dict[str, Any] = {}
        self.hot: list[str] = []
        self.hot_loops: set[tuple[str, int, int]] = set()
        self.native: Any = None   # the JIT (rufc.runtime.tiering.JIT), when there is one
        self.line_tables: dict[str, dict[int, tuple[int, int]]] = {}   # code the JIT made
        self.immutable_globals: set[str] = set()   # of every module loaded so far
        self.entries = 0   # modules loaded after the first (REPL entries)
        self.reentered: dict[str, int] = {}   # --stats: hot calls run again natively
        # outer_frames: id(Python frame) -> (the frame, the Ruff frames above it, how
        # many Python frames of the walk are above it, its f_lasti then, and the list
        # with its own frame if that is a VM frame, else None)
        self._outer: dict[int, tuple[types.FrameType, Frames, int, int, Frames]] = {}

    # ------------------------------------------------------------ loading

    def generate(self, module: Module) -> GeneratedModule:
        gen = self.modgen = self._new_modgen(module)
        # a later REPL entry may store to a `let` global of an earlier one
        gen.immutable_globals |= self.immutable_globals
        self.immutable_globals |= gen.immutable_globals
        return gen.generate()

    def function_code(self, func: Op, prologue: list[tuple[str, bool]], tag: str,
                      freevars: tuple[str, ...] = ()) -> types.CodeType:
        """The VM code of `func` (without counters) with `prologue` lines first: the
        JIT's native entry (rufc.runtime.tiering). A prologue line marked True runs
        native code: no Ruff frame stands there (native frames do). The other
        prologue lines report the position of the function's first line, where the
        VM's own code would be at that point.

        A closure's code is made inside a maker with `freevars` as parameters, and
        names every one of them (`if 0: ...` makes no code): it then has exactly the
        free variables of the code it replaces, in the same order."""
        from rufc.runtime.codegen import FuncGen
        lines = FuncGen(self._modgen(), func).generate()
        head = 2 if len(lines) > 1 and lines[1][0].startswith("    global ") else 1
        body = lines[head:]
        first = body[0][1:] if body else (func.line, func.col)
        where = [(SKIP if native else first) for _, native in prologue]
        if freevars:
            names = "".join(f"{n}, " for n in freevars)
            prologue = [(f"    if 0: ({names})", False), *prologue]
            where = [first, *where]
        out = lines[:head] + [(text, *pos) for (text, _), pos in zip(prologue, where)] + body
        if freevars:
            out = [(f"def JMAKER({', '.join(freevars)}):", func.line, func.col),
                   *(("    " + t, ln, c) for t, ln, c in out)]
        filename = f"{self.filename[:-1]} #{tag}>"
        self.line_tables[filename] = {i + 1: (ln, c) for i, (_, ln, c) in enumerate(out)}
        with warnings.catch_warnings():  # e.g. `0 is None` from a constant `0 ?? 5`
            warnings.simplefilter("ignore", SyntaxWarning)
            code = compile("\n".join(t for t, _, _ in out) + "\n", filename, "exec")
        code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
        if freevars:   # the function inside the maker
            code = next(c for c in code.co_consts if isinstance(c, types.CodeType))
        return code

    def load(self, module: Module) -> None:
        self._module = module   # the JIT of a hot loop is made from it (runtime/osr.py)
        gm = self.generated = self.generate(module)
        self.filename = f"<ruff {module.file}>"
        ns = self.ns = self._namespace(module, gm)
        with warnings.catch_warnings():  # e.g. `1 is TRUE` from a constant comparison
            warnings.simplefilter("ignore", SyntaxWarning)
            codes = self.code = compile_program(gm.source, self.filename)
        for code in codes:
            exec(code, ns)
        self._bind_methods(module)

    def load_entry(self, module: Module) -> None:
        """Load one more program into this VM, keeping the globals, functions and types
        of those loaded before (a REPL entry, rufc.repl): its functions join theirs,
        and its top level becomes the main that `run` runs. The module must have been
        lowered with the session's names (rufc.frontend.irgen.Session)."""
        if self.generated is None:
            self.load(module)
            return
        gm = self.generate(module)
        self.entries += 1
        filename = f"<ruff {module.file} #{self.entries}>"
        self.line_tables[filename] = gm.line_table
        self.generated.func_names.update(gm.func_names)
        self.global_names.update({"G_" + py_name(n): n for n in gm.global_names})
        self._bind_module(self.ns, module)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)
            code = compile(gm.source, filename, "exec")
        exec(code, self.ns)
        self._bind_methods(module)

    def _bind_methods(self, module: Module) -> None:
        """Methods exist once the functions are defined."""
        ns = self.ns
        for op in module.ops:
            if op.name == "ruff.struct":
                st: RStructType = ns["S_" + py_name(op.attrs["sym_name"])]  # type: ignore[arg-type]
                for mname, msym in zip(op.attrs["method_names"], op.attrs["method_syms"]):  # type: ignore[arg-type]
                    st.methods[mname] = ns["F_" + py_name(msym)]

    def gen_options_key(self) -> tuple:
        """What, besides the program, the generated code depends on (a cache key)."""
        o = self.options
        return (o.jit, o.threshold, o.loop_counters, o.stats)

    def load_generated(self, module: Module, tables: tuple, codes: list[types.CodeType]) -> None:
        """`load` with the code generated (and compiled) by an earlier `load` of the same
        program with the same options (rufc.runtime.coldcache): `tables` are its
        line_table, func_names, global_names and builtins_used."""
        gm = self.generated = _Tables(*tables)   # type: ignore[assignment]
        self.filename = f"<ruff {module.file}>"
        self.modgen = None
        self._module = module
        ns = self.ns = self._namespace(module, gm)   # type: ignore[arg-type]
        for code in codes:
            exec(code, ns)
        for op in module.ops:  # methods exist once the functions are defined
            if op.name == "ruff.struct":
                st: RStructType = ns["S_" + py_name(op.attrs["sym_name"])]  # type: ignore[arg-type]
                for mname, msym in zip(op.attrs["method_names"], op.attrs["method_syms"]):  # type: ignore[arg-type]
                    st.methods[mname] = ns["F_" + py_name(msym)]

    def _modgen(self) -> ModuleGen:
        """The code generator of the loaded program (made on first use for a cached one)."""
        modgen = getattr(self, "modgen", None)
        if modgen is None:
            modgen = self.modgen = self._new_modgen(self._module)
        return modgen

    def _new_modgen(self, module: Module) -> ModuleGen:
        """A code generator for `module`: the builtins' result kinds and arities, the
        VM's options."""
        from rufc.runtime.codegen import GenOptions, ModuleGen
        kinds = {n: _KIND_OF_RESULT.get(b.result, "any") for n, b in BUILTINS.items()}
        arity = {n: (b.min_args, b.max_args) for n, b in BUILTINS.items()}
        o = self.options
        assert o.loop_counters is not None   # __init__ resolved None (with the JIT)
        return ModuleGen(module, kinds, arity,
                         GenOptions(o.jit, o.threshold, o.loop_counters, o.stats))

    def _namespace(self, module: Module, gm: GeneratedModule) -> dict[str, Any]:
        ns: dict[str, Any] = {"__name__": "rufc_program", "__builtins__": __builtins__}
        ns.update(H.VM_HELPERS)
        ns.update(
            TRUE=TRUE, FALSE=FALSE, NONE=NONE, UNBOUND=UNBOUND, RArray=RArray, ROk=ROk,
            RErr=RErr, RSome=RSome, CATCHABLE=CATCHABLE,
            ERROR_VALUE=self.error_value, ON_HOT=self.on_hot, ON_HOT_LOOP=self.on_hot_loop,
            GDECLARE=self.gdeclare, REENTER=reenter, ROOM=_Plenty(), HELPER_FRAMES=HelperFrames,
        )
        ns["GD"] = ns
        if self.options.stats:
            from collections import defaultdict
            ns["LOOPS"] = defaultdict(int)   # (sym, line, col) -> iterations in the VM
        self.global_names = {"G_" + py_name(n): n for n in gm.global_names}
        ns["IMM"] = {}
        self.builtin_bound: set[str] = set()
        for name, b in BUILTINS.items():
            ns["G_" + py_name(name)] = b.impl
            ns["B_" + name] = b.impl
            self.builtin_bound.add(name)
        for name, value in CONSTANTS.items():
            ns["G_" + py_name(name)] = value
            self.builtin_bound.add(name)
        self._bind_module(ns, module)
        return ns

    @staticmethod
    def _bind_module(ns: dict[str, Any], module: Module) -> None:
        """The struct types and call counters of a module's code."""
        for op in module.ops:
            if op.name == "ruff.struct":
                sym: str = op.attrs["sym_name"]  # type: ignore[assignment]
                ns["S_" + py_name(sym)] = RStructType(op.attrs["name"], op.attrs["fields"], {})  # type: ignore[arg-type]
            elif op.name == "ruff.func":
                ns["K_" + py_name(op.attrs["sym_name"])] = [0]  # type: ignore[arg-type]

    def gdeclare(self, name: str, value: Any, kind: str, check: bool) -> None:
        """`let|mut|const name := value` at the top level (globals are dynamic)."""
        key = "G_" + py_name(name)
        ns = self.ns
        if check and key in ns and name not in self.builtin_bound:
            raise support.duplicate(name)
        ns[key] = value
        self.builtin_bound.discard(name)
        imm = ns["IMM"]
        if kind in ("let", "const"):
            imm[name] = kind
        else:
            imm.pop(name, None)

    # ------------------------------------------------------------ tiering hooks

    def on_hot(self, fn: Any, args: tuple[Any, ...] = ()) -> bool:
        """A function reached the call threshold (`args`: the arguments of that call).
        The compile hook (the JIT, when there is one) may take it; otherwise it stays
        in the VM, and switches to its code without counters. True: the call that got
        hot should run again through the function's new code (a native entry), before
        it has done anything (see `reenter`).

        The generated code calls this with helpers.DEPTH_HEADROOM levels of room left,
        and the hook runs with HOOK_FRAMES more: deep in a recursion, at the Ruff
        depth limit, a hook must never be what fails (the VM without counters would
        not have failed there)."""
        name = getattr(fn, "ruff_name", "?")
        self.hot.append(name)
        if self.options.compile_hook is not None:
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(limit + HOOK_FRAMES)
            try:
                took = self.options.compile_hook(fn, args)
            finally:
                sys.setrecursionlimit(limit)
            if took:
                again = self.native is not None and self.native.reenter_now(fn)
                if again and self.options.stats:   # counted twice: by K_ and the entry
                    sym = fn.ruff_sym
                    self.reentered[sym] = self.reentered.get(sym, 0) + 1
                return again
        elif (log := _jit_log()) is not None:
            log.debug("%s is hot (%d calls): no JIT in this run, it stays in the VM",
                      name, max(self.options.threshold, 1))
        plain = getattr(fn, "ruff_plain", None)
        if plain is not None:
            fn.__code__ = plain
        return False

    def on_hot_loop(self, fn: Any, line: int, col: int, rng: Any = None,
                    frame: dict[str, Any] | None = None) -> tuple[Any, ...]:
        """A loop of a function body ran past the threshold (`rng`: a counted loop's
        range; `frame`: the VM frame's locals). Returns (result,) when native code ran
        the rest of the function (on-stack replacement, rufc.runtime.osr), () when the
        loop stays in the VM. Runs with HOOK_FRAMES of room, as `on_hot`; native code
        it runs gets the Ruff limit back (`Hook`)."""
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + HOOK_FRAMES)
        try:
            return self._on_hot_loop(fn, line, col, rng, frame, Hook(limit, sys._getframe(1)))
        finally:
            sys.setrecursionlimit(limit)

    def _on_hot_loop(self, fn: Any, line: int, col: int, rng: Any,
                     frame: dict[str, Any] | None, hook: Hook) -> tuple[Any, ...]:
        key = (getattr(fn, "ruff_sym", "?"), line, col)
        if self.options.compile_hook is not None and frame is not None:
            from rufc.runtime.osr import on_hot_loop
            if self.options.stats:   # the rest of the function runs natively: time it
                from rufc.runtime.stats import timed_native
                return timed_native(self, lambda: on_hot_loop(self, fn, line, col, rng,
                                                              frame, hook))
            return on_hot_loop(self, fn, line, col, rng, frame, hook)
        if key in self.hot_loops:
            return ()
        self.hot_loops.add(key)
        if (log := _jit_log()) is not None:
            log.debug("loop at %d:%d in %s is hot: no JIT in this run, it stays in the VM",
                      line, col, getattr(fn, "ruff_name", "?"))
        return ()

    # ------------------------------------------------------------ errors

    def _frame(self, code: types.CodeType, lineno: int) -> Frame | None:
        """The Ruff frame of a Python frame running generated code, else None (also
        for a JIT entry that is running native code: native frames stand there)."""
        assert self.generated is not None
        if code.co_filename == self.filename:
            table = self.generated.line_table
        else:
            table = self.line_tables.get(code.co_filename)   # type: ignore[assignment]
            if table is None:
                return None
        line, col = table.get(lineno, (0, 0))
        if (line, col) == SKIP:
            return None
        return Frame(self.generated.func_names.get(code.co_name, code.co_name), line, col)

    def ruff_frames(self, tb: types.TracebackType | None,
                    exc: BaseException | None = None) -> list[Frame]:
        """The Ruff frames of a traceback, outermost first. Where the exception left
        native code (an entry stub of the JIT), the native frames it unwound stand in
        for the stub (see `rufc.runtime.tiering`)."""
        out: list[Frame] = []
        native = getattr(exc, "ruff_native", None)
        while tb is not None:
            if tb.tb_frame.f_code is _REENTER_CODE and out:
                out.pop()   # the call runs again in the next frame: show it once
            elif native and tb.tb_frame in native:
                out.extend(Frame(s.func, s.line, s.col) for s in native[tb.tb_frame])
            else:
                f = self._frame(tb.tb_frame.f_code, tb.tb_lineno)
                if f is not None:
                    out.append(f)
            tb = tb.tb_next
        return out

    def outer_frames(self, frame: types.FrameType | None) -> Frames:
        """The Ruff frames above (and including) Python frame `frame`, as a linked list
        (LazyStack's: innermost first); native frames stand where a runtime helper
        called back into Python.

        Linear however often it runs: a Python frame's *outer* frames cannot change
        while it is alive (they wait in the calls that led to it), so the list above
        each frame walked is kept (`_outer`, holding the frame, so that its id stays
        its own) and the next walk stops at the first frame it has seen: an `except`
        at every level of a recursion walks one or two frames each. The table is
        emptied when more than half of it is frames no longer on the stack."""
        memo = self._outer
        new: list[types.FrameType] = []
        above: Frames = None
        seen = 0   # positions above the walk's last frame
        f = frame
        while f is not None:
            hit = memo.get(id(f))
            if hit is not None and hit[0] is f:
                if hit[4] is not None and hit[3] == f.f_lasti:   # where it was: the same list
                    above, seen = hit[4], hit[2] + 1
                else:   # its own frames again: it has moved on, or native frames stand there
                    above, seen = hit[1], hit[2]
                    new.append(f)
                break
            new.append(f)
            # the call that got hot runs again below (REENTER): show it once
            f = f.f_back.f_back if f.f_code is _REENTER_CODE and f.f_back else f.f_back
        for p in reversed(new):
            outside, here = above, None
            if p.f_code is not _REENTER_CODE:
                here = self._frame(p.f_code, p.f_lineno)
                if here is not None:
                    above = (here, above)
                elif self.native is not None:
                    for s in reversed(self.native.live_frames(p)):
                        above = (Frame(s.func, s.line, s.col), above)
            # with its own frame, the list is p's as long as p stays at this instruction
            memo[id(p)] = (p, outside, seen, p.f_lasti, above if here is not None else None)
            seen += 1
        if len(memo) > 2 * seen + 64:
            memo.clear()
        return above

    def _fit_depth_to_stack(self) -> None:
        """Where the address space is limited (`ulimit -v`) the program may run on a
        smaller stack than usual (`call_with_big_stack`): the call-depth limit then
        shrinks to what that stack holds (BYTES_PER_CALL a call), said once on stderr,
        so that a deep recursion still ends in the depth error instead of a crash."""
        granted = granted_stack_bytes()
        fits = granted // BYTES_PER_CALL
        if granted < DEFAULT_STACK_BYTES and self.options.max_depth > fits:
            sys.stderr.write(f"rufc: warning: the address space leaves the program a "
                             f"{granted_stack_bytes() >> 20} MiB stack: the call-depth "
                             f"limit is {fits}, not {self.options.max_depth}\n")
            self.options.max_depth = fits

    def message_of(self, exc: BaseException) -> str:
        if isinstance(exc, (RuffError, FatalError)):
            return exc.message
        if isinstance(exc, NameError):
            return f"Undefined variable: {self.global_names.get(exc.name or '', exc.name)}"
        if isinstance(exc, MemoryError):
            return "Out of memory"
        return f"Maximum call stack depth of {self.options.max_depth} exceeded"

    def is_ruff_error(self, exc: BaseException) -> bool:
        """A Ruff runtime error, as opposed to a bug in rufc: an unbound *global* shows
        up as a NameError on its generated name `G_...`."""
        if isinstance(exc, NameError):
            return (exc.name or "") in self.global_names
        return isinstance(exc, (RuffError, RecursionError, MemoryError, FatalError))

    def error_value(self, exc: BaseException) -> RStruct:
        """The `Error` struct bound by `except e` (LANGUAGE.md §7, §14)."""
        if not self.is_ruff_error(exc):
            raise exc
        tb = exc.__traceback__
        # An error raised in the handler gets this one as its __context__, and CPython
        # walks that chain at every raise: re-throwing at every level of a recursion
        # would cost O(depth) per level. Ruff never reads the chain.
        exc.__context__ = None
        frames = self.outer_frames(tb.tb_frame.f_back if tb else None)
        # the frame of the `try` at the line the error left it (its traceback entry),
        # not where it now runs (the `except`)
        here = self._frame(tb.tb_frame.f_code, tb.tb_lineno) if tb else None
        if here is not None:
            frames = (here, frames)
        for f in self.ruff_frames(tb.tb_next if tb else None, exc):
            frames = (f, frames)
        return error_struct(frames, self.message_of(exc))

    # ------------------------------------------------------------ running

    def run(self) -> RunResult:
        """Run the top level to the end (or to a top-level return, or an error)."""
        result = RunResult()
        main = self.ns["F_" + py_name(MAIN_SYMBOL)]

        def target() -> None:
            self._fit_depth_to_stack()
            old = sys.getrecursionlimit()
            # the frame of Ruff call N (the limit) has DEPTH_HEADROOM levels left after
            # its own; the frame of call N + 1 fails (codegen.DEPTH_TRIP reads this
            # thread's recursion budget, ROOM)
            sys.setrecursionlimit(python_depth() + self.options.max_depth + 1 + H.DEPTH_HEADROOM)
            counter = H.recursion_counter()
            self.ns["ROOM"] = counter if counter is not None else _Plenty()
            if self.native is not None:
                self.native.bind_thread()   # a REPL entry: native code counts here now
            try:
                result.value = main()
            except (RuffError, RecursionError, NameError, MemoryError, FatalError) as exc:
                if not self.is_ruff_error(exc):
                    result.internal = exc
                    return
                frames = self.ruff_frames(exc.__traceback__, exc)
                result.error = self.message_of(exc)
                if frames:
                    result.line, result.col = frames[-1].line, frames[-1].col
                result.stack = frames
            except BaseException as exc:  # a bug in rufc: the driver reports it (exit 70)
                result.internal = exc
            finally:
                sys.setrecursionlimit(old)

        call_with_big_stack(target)
        return result

