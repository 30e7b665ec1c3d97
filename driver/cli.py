"""The `rufc` command: argv in, stages out, one exit-code table.

    rufc FILE|- [--emit=STAGE] [-o OUT] ...     (rufc.compile_cmd)
    rufc run FILE|- [--no-jit] ...               (cmd_run)
    (every command and option: rufc.options)

Exit codes (LANGUAGE.md §1): 0 success, 2 usage or unreadable file (or unwritable
-o OUT), 3 lexical/syntax error, 4 uncaught runtime error, 70 internal error (a bug in
rufc), 74 standard output cannot be written, 141 its reader went away (a broken pipe,
as for a tool killed by SIGPIPE).

Only this module prints diagnostics or picks exit codes. xdsl is imported only for
`--emit=ruff` and `.mlir` input; `rufc run` on a `.ruff` file never imports it.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

# The command line itself (commands, options, usage and --help) is defined once, in
# rufc.options: add a command or an option there.
from rufc import diag
from rufc.options import COMMANDS, COMPILE, UsageError, command_help, full_help, parser

if TYPE_CHECKING:   # the VM is imported only when a program runs
    from rufc.runtime.vm import Frame, RunResult

EXIT_OK, EXIT_USAGE, EXIT_SYNTAX, EXIT_RUNTIME, EXIT_INTERNAL = 0, 2, 3, 4, 70
EXIT_IO, EXIT_BROKEN_PIPE = 74, 141   # as rufc.runtime.output.OutputError.exit_code
TRACEBACK_EDGE = 10   # frames shown at each end of a long Ruff traceback
MAX_DEPTH_LIMIT = 1_000_000   # deeper than this would exhaust the thread's stack

# ---------------------------------------------------------------- input


class Source:
    """The program text and the name diagnostics use for it."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._lines: list[str] | None = None

    def line(self, n: int) -> str:
        if self._lines is None:
            self._lines = self.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return self._lines[n - 1] if 0 < n <= len(self._lines) else ""


def read_source(path: str) -> Source | tuple[str, int, int, str]:
    """Read FILE (or stdin for '-') as UTF-8; a decoding error comes back as a
    (path, line, col, message) tuple for the caller to report as a lexical error."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else open(path, "rb").read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    name = "<stdin>" if path == "-" else path
    try:
        return Source(name, data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", errors="replace")
        line = good.count("\n") + 1
        col = len(good) - (good.rfind("\n") + 1) + 1
        return (name, line, col, f"Invalid UTF-8 byte 0x{data[exc.start]:02x}")


# ---------------------------------------------------------------- diagnostics


# Every diagnostic has one format, source or IR (rufc.diag): file:line:col: error: ...,
# then the line and a caret.


def caret_lines(src: Source | None, line: int, col: int) -> str:
    if src is None or line <= 0:
        return ""
    return diag.caret(src.line(line), col)


def report_syntax(src: Source | None, path: str, line: int, col: int, message: str) -> int:
    sys.stderr.write(diag.format(path, line, col, message,
                                 line_text=src.line(line) if src is not None else None))
    return EXIT_SYNTAX


def report_invalid_ir(src: Source, exc: Exception) -> int:
    """An invalid .mlir input, at the op's location (or its place in the text)."""
    def line_of(file: str, n: int) -> str | None:
        where = source_of_locations(file, src)
        return where.line(n) if where.text else None
    cause = exc.cause if isinstance(exc, InvalidIR) else exc
    sys.stderr.write(diag.report_ir(cause, src.path, line_of))
    return EXIT_SYNTAX


def report_internal(exc: BaseException, debug: bool) -> int:
    from rufc.runtime.output import OUT
    try:
        OUT.flush()
    except Exception:  # noqa: BLE001 - stdout may be gone; still report the bug
        pass
    sys.stderr.write(f"rufc: internal error: {type(exc).__name__}: {exc}\n")
    if debug:
        import traceback  # only here: ~2 ms of every start-up otherwise
        traceback.print_exception(exc)
    else:
        sys.stderr.write("(a bug in rufc; run with --debug for the Python traceback)\n")
    return EXIT_INTERNAL


# ---------------------------------------------------------------- pipeline


def parse_source(src: Source):
    from rufc.frontend.parser import parse
    return parse(src.text, src.path)


def lower_source(src: Source):
    """Source -> compact ruff module (no xdsl involved)."""
    from rufc.frontend.irgen import lower_program
    from rufc.runtime.builtins import BUILTINS, CONSTANTS
    program = parse_source(src)
    return lower_program(program, frozenset(BUILTINS) | frozenset(CONSTANTS))


def load_module(src: Source):
    """A compact module from .ruff source, or from a .mlir file holding ruff IR."""
    if src.path.endswith(".mlir"):
        from xdsl.utils.exceptions import ParseError, VerifyException

        from rufc.dialects.convert import parse_module
        from rufc.dialects.optable import IRError
        try:
            return parse_module(src.text, src.path)
        except (ParseError, VerifyException, IRError) as exc:
            raise InvalidIR(exc) from None
    return lower_source(src)


class InvalidIR(Exception):
    """A .mlir input that is not a valid ruff module (reported like a syntax error);
    `cause` is the parser's or verifier's exception (rufc.diag reads its position)."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause))
        self.cause = cause


def source_of_locations(file: str, src: Source) -> Source:
    """The source that op locations point into: for IR printed with --print-debuginfo,
    the original .ruff file (when it can be read), else the input itself."""
    if not file or file == src.path:
        return src
    try:
        with open(file, encoding="utf-8") as fh:
            return Source(file, fh.read())
    except (OSError, UnicodeDecodeError):
        return Source(file, "")


def with_big_stack_value(fn):
    """fn() on a large stack with a high recursion limit (deep programs never crash)."""
    from rufc.runtime.stack import call_with_big_stack

    def deep():
        old = sys.getrecursionlimit()
        sys.setrecursionlimit(max(old, 200_000))
        try:
            return fn()
        finally:
            sys.setrecursionlimit(old)
    return call_with_big_stack(deep)


def _env_int(name: str) -> int | None:
    v = os.environ.get(name)
    if v is None or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        raise UsageError(f"{name} must be an integer, got {v!r}") from None


def _load_error(src: Source, exc: Exception) -> int | None:
    """Report a syntax error, code the VM cannot run or invalid IR; None for anything
    else. The error classes are looked up, not imported: a program loaded from the
    cache never imports the parser or the code generator."""
    errors = sys.modules.get("rufc.frontend.errors")
    if errors is not None and isinstance(exc, errors.RuffSyntaxError):
        return report_syntax(src, exc.loc.file, exc.loc.line, exc.loc.col, exc.message)
    codegen = sys.modules.get("rufc.runtime.codegen")
    if codegen is not None and isinstance(exc, codegen.CompileError):
        return report_syntax(src, src.path, exc.line, exc.col, exc.message)
    if isinstance(exc, InvalidIR):
        return report_invalid_ir(src, exc)
    return None


def jit_settings(args: argparse.Namespace) -> tuple[bool, int, int | None]:
    """(jit, threshold, max_depth) from the options of `rufc run` (or `rufc repl`) and
    the environment; turns on DEBUG_JIT's log."""
    jit = not args.no_jit and os.environ.get("RUFC_JIT", "1") != "0"
    threshold = args.jit_threshold if args.jit_threshold is not None else _env_int("RUFC_JIT_THRESHOLD")
    max_depth = args.max_depth if args.max_depth is not None else _env_int("RUFC_MAX_DEPTH")
    if threshold is not None and threshold < 0:
        raise UsageError("--jit-threshold must be >= 0")
    if max_depth is not None and not 1 <= max_depth <= MAX_DEPTH_LIMIT:
        raise UsageError(f"--max-depth must be between 1 and {MAX_DEPTH_LIMIT}")
    if os.environ.get("DEBUG_JIT", "") not in ("", "0"):
        import logging
        logging.basicConfig(stream=sys.stderr, format="[jit] %(message)s")
        logging.getLogger("rufc.jit").setLevel(logging.DEBUG)
    return jit, 100 if threshold is None else threshold, max_depth


def cmd_repl(args: argparse.Namespace) -> int:
    """`rufc repl` (and `rufc` alone on a terminal): rufc.repl."""
    from rufc.repl import start
    return start(args)


def _jit_hook(vm, module):
    """The JIT's compile hook. The JIT is made when the first function gets hot (or at
    once with DEBUG_JIT, which logs a summary at exit): a program where nothing gets
    hot never imports it."""
    def make():
        from rufc.runtime.tiering import JIT
        vm.native = JIT(vm, module)
        vm.native.fail_next = os.environ.get("RUFC_JIT_FAIL") or None
        from rufc.runtime.units import setup  # native-code cache, background compiling
        setup(vm.native, sync=getattr(vm.options, "jit_sync", False))
        vm.options.compile_hook = vm.native.on_hot
        return vm.native.on_hot

    if os.environ.get("DEBUG_JIT", "") not in ("", "0"):
        return make()

    def first_hot(fn, args=()):
        # (VM.on_hot gives every hook room of its own above the Ruff depth limit)
        return make()(fn, args)
    return first_hot


def _run_source(args: argparse.Namespace) -> Source | int:
    """The program `rufc run` runs (FILE, '-' or -c CODE), or the exit code of a file
    that cannot be read (reported)."""
    if args.code is not None:
        if args.file is not None:
            raise UsageError("give either FILE or -c CODE, not both")
        return Source("<string>", args.code)
    if args.file is None:
        raise UsageError("rufc run needs FILE, '-' or -c CODE")
    read = read_source(args.file)
    if isinstance(read, tuple):
        return report_syntax(None, *read)
    return read


def _write_runtime_error(result: RunResult, src: Source) -> None:
    """The diagnostic of the program's runtime error and its traceback, on stderr."""
    sys.stderr.write(diag.format(src.path, result.line, result.col, str(result.error),
                                 "runtime error", src.line(result.line)))
    write_traceback(result.stack, lambda line: (src.path, line))


def write_traceback(frames: list[Frame], where: Callable[[int], tuple[str, int]]) -> None:
    """A runtime error's Ruff frames on stderr, innermost last (nothing if there are
    none); `where` maps a frame's line to (file, line). A deep recursion shows its
    TRACEBACK_EDGE outermost and innermost frames: the ends tell the story."""
    if not frames:
        return
    sys.stderr.write("traceback (innermost last):\n")
    if len(frames) > 2 * TRACEBACK_EDGE:
        shown: list[Frame | None] = [*frames[:TRACEBACK_EDGE], None, *frames[-TRACEBACK_EDGE:]]
    else:
        shown = list(frames)
    for f in shown:
        if f is None:
            sys.stderr.write(f"  ... {len(frames) - 2 * TRACEBACK_EDGE} more frames ...\n")
        else:
            path, line = where(f.line)
            sys.stderr.write(f"  in {f.name} at {path}:{line}:{f.col}\n")


def cmd_run(args: argparse.Namespace) -> int:
    src = _run_source(args)
    if isinstance(src, int):
        return src
    if getattr(args, "interactive", False):   # run -i: the file, then the REPL
        from rufc.repl import start
        return start(args, src)
    jit, threshold, max_depth = jit_settings(args)

    from rufc.runtime.output import OUT, OutputError
    from rufc.runtime.vm import VM, VMOptions

    options = VMOptions(jit=jit, threshold=threshold, stats=args.stats)
    options.jit_sync = bool(getattr(args, "jit_sync", False))  # type: ignore[attr-defined]
    if max_depth is not None:
        options.max_depth = max_depth
    vm = VM(options)
    try:
        def load():
            from rufc.cache_cmd import run_store  # an unchanged program loads from the cache
            from rufc.runtime.coldcache import load_program
            return load_program(vm, src.text, src.path, lambda: load_module(src),
                                run_store(args))
        module = with_big_stack_value(load)
        if jit:
            options.compile_hook = _jit_hook(vm, module)
    except Exception as exc:  # noqa: BLE001 - the load errors users see, else a bug
        code = _load_error(src, exc)
        if code is None:
            raise
        return code
    started = time.perf_counter()
    result = vm.run()
    stats = _stats(vm, module, time.perf_counter() - started) if args.stats else ""
    if vm.native is not None:
        vm.native.summary()
    if result.internal is not None:
        if isinstance(result.internal, OutputError):  # printing failed: main reports it
            raise result.internal
        return report_internal(result.internal, args.debug)
    unwritten = None  # the program's output could not be written: say so after its error
    try:
        OUT.flush()
    except OutputError as exc:
        if result.error is None:
            raise
        unwritten = exc
    if result.error is not None:
        _write_runtime_error(result, source_of_locations(module.file, src))
        if unwritten is not None:
            raise unwritten
        sys.stderr.write(stats)
        return EXIT_RUNTIME
    sys.stderr.write(stats)
    return EXIT_OK


def _stats(vm, module, seconds: float) -> str:
    """--stats: the tables of rufc.runtime.stats (docs/stats.md)."""
    from rufc.runtime.stats import report
    return report(vm, module, seconds)


class _QuietStream:
    """sys.stderr while main() runs: a diagnostic that cannot be written (stderr closed,
    a full disk, a broken pipe) is lost, but never turns into another error."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except (OSError, ValueError, AttributeError):
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except (OSError, ValueError, AttributeError):
            pass

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


def _output_failed(exc, debug: bool) -> int:
    """Report an OutputError: quietly for a broken pipe, else as `rufc: error: ...`."""
    from rufc.runtime.output import OUT
    OUT.discard()
    stdout = sys.stdout
    if exc.exit_code != EXIT_USAGE and stdout is sys.__stdout__ and stdout is not None:
        # nothing more can reach the reader: send what Python still holds to /dev/null,
        # so that its flush at exit does not fail again
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, stdout.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass
    if not exc.broken_pipe:
        sys.stderr.write(f"rufc: error: {exc}\n")
        if debug:
            import traceback
            traceback.print_exception(exc)
    return exc.exit_code


def _stop_native_code() -> None:
    """Native loops still running in the VM's thread stop at their next poll."""
    helpers = sys.modules.get("rufc.runtime.helpers")
    if helpers is not None:
        helpers.INTERRUPTED.set()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one rufc command and return its exit code. Standard output is flushed before
    returning, so a write that fails is reported (74, or 141 for a broken pipe) instead
    of surfacing when Python exits."""
    from rufc.outfile import StdoutTarget
    from rufc.runtime.output import OutputError
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    diag.colour_from_argv(argv)
    saved_stderr = sys.stderr
    sys.stderr = _QuietStream(saved_stderr)
    try:
        code = _dispatch(argv, StdoutTarget())
        StdoutTarget().flush()
        return code
    except UsageError as exc:
        sys.stderr.write(diag.usage_error(str(exc)))
        return EXIT_USAGE
    except MemoryError as exc:   # outside a program (which reports its own): no room
        # left to compile or even to start (`ulimit -v`); never a bug of rufc's
        why = f": {exc}" if str(exc) else ""
        sys.stderr.write(f"rufc: error: out of memory{why} (is the address space "
                         "limited? `ulimit -v`)\n")
        return EXIT_RUNTIME
    except OutputError as exc:
        return _output_failed(exc, debug)
    except KeyboardInterrupt:
        sys.stderr.write("rufc: interrupted\n")
        _stop_native_code()
        return 130
    except BrokenPipeError:  # a reader of standard error went away
        return EXIT_BROKEN_PIPE
    except Exception as exc:  # noqa: BLE001 - the one place internal errors become exit 70
        return report_internal(exc, debug)
    finally:
        sys.stderr = saved_stderr


def _dispatch(argv: list[str], stdout) -> int:
    """Pick the command (rufc.options.COMMANDS; none named = the compiler), parse its
    options and run it."""
    if not argv:   # a terminal: the REPL; else the program on standard input
        argv = ["repl"] if sys.stdin is not None and sys.stdin.isatty() else ["run", "-"]
    if argv[0] in ("-h", "--help", "help"):
        stdout.write(full_help())
        return EXIT_OK
    cmd = COMMANDS[argv[0]] if argv[0] in COMMANDS and argv[0] else COMPILE
    rest = argv[1:] if cmd is not COMPILE else argv
    words = rest[:rest.index("--")] if "--" in rest else rest
    if "-h" in words or "--help" in words:
        stdout.write(full_help() if cmd is COMPILE else command_help(cmd))
        return EXIT_OK
    return cmd.run(parser(cmd).parse_args(rest))


if __name__ == "__main__":
    sys.exit(main())
