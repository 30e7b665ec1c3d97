"""The Ruff REPL: `rufc repl`, `rufc` alone on a terminal, and `rufc run -i FILE`.

Each entry (one or more lines, until its brackets and blocks close) is parsed and
lowered as a program of its own, loaded into the one VM of the session
(`VM.load_entry`) and run. What an entry defines stays: the lowering knows the
globals of earlier entries (`rufc.frontend.irgen.Session`), and their functions,
struct types and globals live in the VM's one namespace. The JIT sees every entry's
functions (`JIT.add_entry`): a function defined at the prompt gets hot and compiles
as in a file, and DEBUG_JIT=1 logs it.

Decisions (docs/repl.md):
- Line numbers run on through the session: the entries are one file, `<repl>`, whose
  lines follow each other, so an error in a function defined three entries ago points
  at its own line. After `run -i FILE`, lines of FILE keep FILE's name and numbers.
- The value of an entry that ends with an expression statement is shown, unless it
  is null: strings in double quotes with Ruff's escapes, anything else as `print`
  writes it.
- A name no entry has bound yet is read as a global, so a function may use one that
  a later entry defines (a file has hoisting for that).
- Entries are programs: `let x := 1` twice is a duplicate declaration, as in a file;
  functions and structs can be redefined. A builtin is bound for good in the code of
  an entry where nothing shadows it.
- Native code calls stable global functions directly; an entry that rebinds one of
  them discards every compiled function (a new JIT; functions count their calls
  again), since compiled callers would go on calling the old definition.
"""
from __future__ import annotations

import ctypes
import os
import sys
import threading
import types
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from rufc import diag
from rufc.cli import EXIT_OK, report_internal, with_big_stack_value, write_traceback

if TYPE_CHECKING:
    from rufc.cli import Source

REPL_FILE = "<repl>"
PROMPT, MORE = "ruff> ", "...   "
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", '"': '\\"', "$": "\\$"}


def show(value: Any) -> str | None:
    """How the REPL shows an entry's value; None for null (nothing is shown)."""
    if value is None:
        return None
    if type(value) is str:
        return '"' + "".join(_ESCAPES.get(c, c) for c in value) + '"'
    from rufc.runtime.format import to_string
    return to_string(value)


def history_path() -> str:
    """Where the history is kept: $XDG_STATE_HOME/rufc/history (~/.local/state)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state")
    return os.path.join(base, "rufc", "history")


class Session:
    """One VM and everything the entries so far have defined."""

    def __init__(self, jit: bool, threshold: int, max_depth: int | None,
                 debug: bool = False) -> None:
        from rufc.frontend.irgen import Session as Names
        from rufc.passes.program import GlobalWrites
        from rufc.runtime.vm import VM, VMOptions
        self.options = VMOptions(jit=jit, threshold=threshold)
        if max_depth is not None:
            self.options.max_depth = max_depth
        self.vm = VM(self.options)
        self.names = Names()
        self.writes = GlobalWrites()
        self.debug = debug
        self.lines: list[str] = []        # every line so far: FILE's, then the entries'
        self.file: str | None = None       # `run -i FILE`: its lines come first
        self.file_lines = 0
        self.program: Any = None           # all entries' functions and structs (the JIT's)
        self.jit: Any = None
        self.old_jits: list[Any] = []      # their native code and callbacks stay alive
        self.counting: dict[str, types.CodeType] = {}   # sym -> code with counters

    # ------------------------------------------------------------ positions

    def where(self, line: int) -> tuple[str, int]:
        """A session line as (file name, line) for diagnostics."""
        if self.file is not None and line <= self.file_lines:
            return self.file, line
        return REPL_FILE, line - self.file_lines

    def diagnostic(self, line: int, col: int, message: str, severity: str) -> str:
        """The one format of diagnostics (rufc.diag), at a session line."""
        path, ln = self.where(line)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else None
        return diag.format(path, ln, col, message, severity, text)

    def syntax_error(self, line: int, col: int, message: str) -> None:
        sys.stderr.write(self.diagnostic(line, col, message, "error"))

    # ------------------------------------------------------------ entries

    def parse(self, text: str, name: str = REPL_FILE) -> Any:
        """Parse an entry at its place in the session (its first line follows the
        last line so far)."""
        from rufc.frontend.parser import parse
        return parse("\n" * len(self.lines) + text, name)

    def incomplete(self, text: str) -> bool:
        """Does the entry need more lines (an open bracket or block, an operator
        waiting for its operand, an open block comment)?"""
        from rufc.frontend.errors import RuffSyntaxError
        try:
            with_big_stack_value(lambda: self.parse(text))
        except RuffSyntaxError as exc:
            return exc.message.startswith(("Unexpected end of input",
                                           "Unterminated block comment"))
        return False

    def open_brackets(self, text: str) -> bool:
        """An incomplete entry that an empty line does not end."""
        from rufc.frontend.errors import RuffSyntaxError
        try:
            with_big_stack_value(lambda: self.parse(text))
        except RuffSyntaxError as exc:
            return ": expected '" in exc.message or exc.message.startswith("Unterminated")
        return False

    def execute(self, text: str, name: str = REPL_FILE, show_value: bool = True) -> bool:
        """Run one entry (or FILE, for `run -i`); report its errors. True if it ran to
        the end."""
        from rufc.frontend import ast as A
        from rufc.frontend.errors import RuffSyntaxError
        from rufc.frontend.irgen import lower_program
        from rufc.runtime.builtins import BUILTINS, CONSTANTS
        from rufc.runtime.codegen import CompileError
        try:
            def load() -> Any:
                program = self.parse(text, name)
                if show_value and program.stmts and isinstance(program.stmts[-1], A.ExprStmt):
                    last = program.stmts[-1]
                    program.stmts[-1] = A.Return(last.expr, last.loc)   # main returns it
                return lower_program(program, frozenset(BUILTINS) | frozenset(CONSTANTS),
                                     self.names)
            module = with_big_stack_value(load)
        except RuffSyntaxError as exc:
            self._add_lines(text)
            self.syntax_error(exc.loc.line, exc.loc.col, exc.message)
            return False
        self._add_lines(text)
        try:
            with_big_stack_value(lambda: self._load(module))
        except CompileError as exc:
            self.syntax_error(exc.line, exc.col, exc.message)
            return False
        return self._run(show_value)

    def _add_lines(self, text: str) -> None:
        self.lines.extend(split_lines(text))

    def _load(self, module: Any) -> None:
        """Load an entry into the VM and tell the JIT about its functions."""
        from rufc.dialects.optable import MAIN_SYMBOL
        from rufc.runtime.names import py_name
        old_stable = self.writes.stable()
        self.writes.add(module)
        stable = self.writes.stable()
        self.vm.load_entry(module)   # first: the JIT reads the VM's namespace
        if self.program is None:
            from rufc.dialects.optable import Module
            self.program = Module(module.file, list(module.ops))
            if self.options.jit:
                self._new_jit(stable)
        elif self.jit is not None:
            self.jit.add_entry(module, stable)
            if self.jit.compiled and any(stable.get(n) != s for n, s in old_stable.items()):
                self._discard_native_code(stable)
        for sym in module.funcs():
            if sym == MAIN_SYMBOL:   # runs once, and is replaced by the next entry's
                continue
            fn = self.vm.ns.get("F_" + py_name(sym))
            if fn is not None:
                self.counting[sym] = fn.__code__

    def _new_jit(self, stable: dict[str, str]) -> None:
        from rufc.runtime.tiering import JIT
        self.jit = JIT(self.vm, self.program, stable)
        self.jit.fail_next = os.environ.get("RUFC_JIT_FAIL") or None
        self.vm.native = self.jit
        self.options.compile_hook = self.jit.on_hot

    def _discard_native_code(self, stable: dict[str, str]) -> None:
        """An entry rebinds a global that compiled code calls directly: every function
        goes back to its counting VM code, and a new JIT starts from nothing."""
        import logging

        from rufc.runtime.names import py_name
        log = logging.getLogger("rufc.jit")
        if log.isEnabledFor(logging.DEBUG):
            log.debug("a global function compiled code calls directly is redefined: "
                      "all native code is discarded, functions count their calls again")
        ns = self.vm.ns
        for sym, code in self.counting.items():
            fn = ns.get("F_" + py_name(sym))
            if fn is not None:
                fn.__code__ = code
                ns["K_" + py_name(sym)][0] = 0
        self.old_jits.append(self.jit)
        self._new_jit(stable)

    def _run(self, show_value: bool) -> bool:
        from rufc.runtime.output import OUT
        result = run_interruptibly(self.vm.run)
        OUT.flush()
        if result is None:
            sys.stderr.write("interrupted\n")
            return False
        if result.internal is not None:
            if isinstance(result.internal, KeyboardInterrupt):
                sys.stderr.write("interrupted\n")
                return False
            from rufc.runtime.output import OutputError
            if isinstance(result.internal, OutputError):
                raise result.internal
            report_internal(result.internal, self.debug)
            return False
        if result.error is not None:
            self.runtime_error(result)
            return False
        if show_value:
            text = show(result.value)
            if text is not None:
                OUT.write_line(text)
                OUT.flush()
        return True

    def runtime_error(self, result: Any) -> None:
        """As `rufc run` reports it, with each position in its own file."""
        sys.stderr.write(self.diagnostic(result.line, result.col, str(result.error),
                                         "runtime error"))
        write_traceback(result.stack, self.where)


# ---------------------------------------------------------------- running an entry


def run_interruptibly(run: Callable[[], Any]) -> Any:
    """run() (VM.run, which runs on a thread of its own); None if Ctrl-C stopped it.
    SIGINT reaches the main thread: the VM's thread is then stopped too, Python code
    by an exception raised in it, native loops at their next poll."""
    try:
        return run()
    except KeyboardInterrupt:
        pass
    from rufc.runtime import helpers
    helpers.INTERRUPTED.set()
    for t in threading.enumerate():
        if t.name == "rufc" and t is not threading.current_thread() and t.ident:
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(t.ident),
                                                       ctypes.py_object(KeyboardInterrupt))
            while t.is_alive():
                try:
                    t.join()
                except KeyboardInterrupt:
                    continue
    helpers.INTERRUPTED.clear()
    return None


# ---------------------------------------------------------------- the loop


class LineReader:
    """Lines from the terminal (readline: editing and history) or, when standard
    input is not a terminal, from it without prompts."""

    def __init__(self, interactive: bool) -> None:
        self.interactive = interactive
        self.readline: Any = None
        if interactive:
            try:
                import readline
                self.readline = readline
            except ImportError:   # Python built without it: plain input() still works
                pass
            if self.readline is not None:
                try:
                    self.readline.set_history_length(1000)
                    self.readline.read_history_file(history_path())
                except (OSError, ValueError):
                    pass

    def read(self, prompt: str) -> str:
        """One line; EOFError at the end, KeyboardInterrupt on Ctrl-C."""
        if self.interactive:
            return input(prompt)
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    def save(self) -> None:
        """Write the history; never fails (an unwritable state dir is not an error)."""
        if self.readline is None:
            return
        try:
            path = history_path()
            os.makedirs(os.path.dirname(path), exist_ok=True)
            self.readline.write_history_file(path)
        except OSError:
            pass


def read_entry(session: Session, reader: LineReader, lines: list[str]) -> str:
    """Read lines into `lines` until they make a whole entry; return its text."""
    while True:
        lines.append(reader.read(MORE if lines else PROMPT))
        text = "\n".join(lines)
        if not text.strip():   # still counted: lines run on (docs/repl.md)
            session.lines.extend(lines)
            lines.clear()
            continue
        if not session.incomplete(text):
            return text
        if lines[-1].strip() == "" and not session.open_brackets(text):
            return text   # an empty line ends an entry waiting for an operand


def loop(session: Session, reader: LineReader) -> int:
    """Read, run, show, until end of input (Ctrl-D): exit 0."""
    from rufc.runtime.output import OUT
    OUT.line_buffered = True
    if reader.interactive:
        sys.stderr.write("Ruff REPL (rufc). Ctrl-D exits, Ctrl-C cancels the entry.\n")
    try:
        while True:
            lines: list[str] = []
            try:
                text = read_entry(session, reader, lines)
            except KeyboardInterrupt:
                sys.stdout.write("\n")
                sys.stderr.write("(cancelled)\n")
                continue
            except EOFError:   # an unfinished last entry runs (and reports its error)
                if reader.interactive:
                    sys.stdout.write("\n")
                text = "\n".join(lines)
                if text.strip():
                    session.execute(text)
                return EXIT_OK
            if run_interruptibly(partial(session.execute, text)) is None:
                sys.stderr.write("interrupted\n")
    finally:
        reader.save()
        OUT.flush()


def start(args: Any, file: Source | None = None) -> int:
    """`rufc repl` / `rufc run -i FILE`: the options of `rufc run`, then the loop."""
    from rufc.cli import jit_settings
    jit, threshold, max_depth = jit_settings(args)
    session = Session(jit, threshold, max_depth, getattr(args, "debug", False))
    if file is not None:   # its lines come first, under its own name
        session.file = file.path
        session.file_lines = len(split_lines(file.text))
        if run_interruptibly(lambda: session.execute(file.text, file.path, False)) is None:
            sys.stderr.write("interrupted\n")
        del session.lines[session.file_lines:]
        session.lines.extend([""] * (session.file_lines - len(session.lines)))
    return loop(session, LineReader(sys.stdin.isatty()))


def split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
