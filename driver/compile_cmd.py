"""`rufc FILE ...`: the compiler as a tool. Prints one stage of the ladder
(rufc.emit.LADDER, `--emit=STAGE`) or the IR after a pipeline of named passes
(`-p`), with mlir-opt's instruments (rufc.instrument) and its two ways of testing
diagnostics: `--split-input-file` (chunks separated by `// -----` lines, each compiled
on its own, outputs joined by `// -----`) and `--verify-diagnostics` (the errors a
chunk raises are checked against its `// expected-error {{...}}` comments instead of
being printed).

Also `rufc --version` and `rufc --list-passes`, which need no FILE.

Errors are exceptions until `_one` turns them into one (file, line, col, message)
diagnostic (rufc.diag): printed, or matched against the expectations.
"""
from __future__ import annotations

import argparse
import io
import re
import sys
from dataclasses import dataclass
from typing import IO, Any

from rufc.cli import (
    EXIT_OK,
    EXIT_SYNTAX,
    InvalidIR,
    Source,
    UsageError,
    load_module,
    parse_source,
    read_source,
    report_syntax,
    source_of_locations,
    with_big_stack_value,
)
from rufc.emit import HOT_STAGES

SPLIT_MARKER = re.compile(r"(?m)^// -----.*$\n?")


def cmd_emit(args: argparse.Namespace) -> int:
    """Print a stage (or the result of -p) to standard output or, atomically, to -o OUT."""
    if args.version:
        sys.stdout.write(version_text())
        return EXIT_OK
    if args.list_passes:
        sys.stdout.write(list_passes())
        return EXIT_OK
    _check_options(args)
    from rufc.outfile import open_output
    out = open_output(args.output)
    try:
        code = _emit(args, out)
    except BaseException:
        out.discard()
        raise
    if code == EXIT_OK:
        out.commit()
    else:
        out.discard()
    return code


def _check_options(args: argparse.Namespace) -> None:
    from rufc.options import COMMANDS
    if args.file is None:
        raise UsageError("rufc needs FILE or '-' (or a command: "
                         + ", ".join(n for n in COMMANDS if n) + ")")
    if args.passes is not None and args.emit is not None and args.emit != "ruff":
        raise UsageError("-p prints the IR after its passes: it does not combine with "
                         f"--emit={args.emit}")
    stage = args.emit or "ruff"
    if stage not in HOT_STAGES and (args.function or args.specialize):
        raise UsageError("--function and --specialize apply to --emit="
                         + "|".join(HOT_STAGES))
    known = _step_names()
    for name in [*args.print_ir_before, *args.print_ir_after]:
        if name not in known:
            raise UsageError(f"no pass named '{name}' (the passes: {', '.join(sorted(known))})")


def _step_names() -> set[str]:
    """The steps whose IR --print-ir-before/after can show."""
    from rufc.passes.registry import PASSES
    return {"irgen", *PASSES}


# ---------------------------------------------------------------- --version, --list-passes


def version_text() -> str:
    """rufc, Python, xdsl, llvmlite and LLVM versions (only here is llvmlite imported
    to ask LLVM's; a missing package says so)."""
    import platform
    from importlib import metadata

    import rufc

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    try:
        from llvmlite import binding
        llvm = ".".join(str(n) for n in binding.llvm_version_info)
    except ImportError:
        llvm = "unavailable (llvmlite is not installed)"
    return (f"rufc {rufc.__version__}\n"
            f"Python {platform.python_version()} ({platform.python_implementation()})\n"
            f"xdsl {version('xdsl')}\n"
            f"llvmlite {version('llvmlite')}\n"
            f"LLVM {llvm}\n")


def list_passes() -> str:
    from rufc.passes.registry import PASSES
    width = max(len(n) for n in PASSES) + 2
    lines = ["passes for -p (in the order the hot tier runs them):"]
    lines += [f"  {name:<{width}}{text}" for name, (text, _) in PASSES.items()]
    lines += ["", "--time-passes also times the steps around them: parse, irgen, codegen, "
              "to-xdsl, translate-to-llvm-ir, llvm-verify, llvm-optimize (O2), machine-code."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- one input, in chunks


def _emit(args: argparse.Namespace, out: Any) -> int:
    read = read_source(args.file)
    if isinstance(read, tuple):
        return report_syntax(None, *read)
    from rufc.instrument import Instruments, Timer
    ins = Instruments(before=frozenset(args.print_ir_before),
                      after=frozenset(args.print_ir_after),
                      after_all=args.print_ir_after_all, verify_each=args.verify_each,
                      timer=Timer() if args.time_passes else None,
                      printer=_printer(args.print_op_generic, args.print_debuginfo))
    worst = EXIT_OK
    try:
        for i, chunk in enumerate(split_input(read) if args.split_input_file else [read]):
            if i:
                out.write("// -----\n")
            worst = max(worst, _one(chunk, args, out, ins))
    finally:
        if args.output:
            out.close()
        if ins.timer is not None:
            sys.stderr.write(ins.timer.report())
    return worst


def split_input(src: Source) -> list[Source]:
    """The chunks between `// -----` lines, each padded with empty lines so that line
    numbers stay those of the whole file (as mlir-opt reports them)."""
    chunks: list[Source] = []
    start = 0
    for m in [*SPLIT_MARKER.finditer(src.text), None]:
        end = m.start() if m else len(src.text)
        padding = "\n" * src.text.count("\n", 0, start)
        chunks.append(Source(src.path, padding + src.text[start:end]))
        if m:
            start = m.end()
    return chunks


def _one(src: Source, args: argparse.Namespace, out: Any, ins: Any) -> int:
    """Compile one input (or chunk): its output goes to `out` only if it succeeds."""
    expected = expectations(src) if args.verify_diagnostics else None
    buffer = io.StringIO()
    try:
        with_big_stack_value(lambda: _compile(src, args, buffer, ins))
    except Exception as exc:  # noqa: BLE001 - the errors users see, else re-raised
        found = diagnostic_of(exc, src)
        if found is None:
            raise
        if expected is not None:
            return check_expectations(src, expected, [found])
        from rufc import diag
        file, line, col, message = found
        sys.stderr.write(diag.format(file, line, col, message,
                                     line_text=_line_of(src, file, line)))
        return EXIT_SYNTAX
    out.write(buffer.getvalue())
    if expected is not None:
        return check_expectations(src, expected, [])
    return EXIT_OK


def _compile(src: Source, args: argparse.Namespace, out: IO[str], ins: Any) -> None:
    """The stage asked for, or -p, on one input; errors are raised."""
    stage = args.emit or "ruff"
    if stage == "ast":
        if src.path.endswith(".mlir"):
            raise UsageError("--emit=ast needs Ruff source, not IR")
        from rufc.frontend.ast import dump
        text = dump(ins.run("parse", lambda: parse_source(src)))
        out.write(text + ("\n" if text else ""))
        return
    module = _load(src, ins)
    if args.passes is not None:
        run_pipeline(module, args.passes, out, ins)
    elif stage == "ruff":
        ins.print_ir(module, out)
    elif stage == "py":
        from rufc.emit import python_source
        out.write(ins.run("codegen", lambda: python_source(module)))
    else:
        from rufc.emit import EmitError, emit
        try:
            emit(module, stage, out, args.function, args.specialize, ins)
        except EmitError as exc:
            raise UsageError(str(exc)) from None


def _load(src: Source, ins: Any) -> Any:
    """The compact module: parse and irgen for Ruff source, parse (and verify) for IR."""
    if src.path.endswith(".mlir"):
        return ins.run("parse", lambda: load_module(src))
    from rufc.frontend.irgen import lower_program
    from rufc.runtime.builtins import BUILTINS, CONSTANTS
    program = ins.run("parse", lambda: parse_source(src))
    box: list[Any] = []
    ins.run("irgen", lambda: box.append(
        lower_program(program, frozenset(BUILTINS) | frozenset(CONSTANTS))),
        ir=lambda: box[0] if box else None)
    return box[0]


def run_pipeline(module: Any, spec: str, out: IO[str], ins: Any) -> None:
    """-p PIPELINE: xDSL's pipeline syntax (`a,b{opt=v}`) over rufc's passes
    (rufc.passes.registry), each pass run through the instruments."""
    from xdsl.passes import PassPipeline
    from xdsl.utils.exceptions import ArgSpecParseError

    from rufc.dialects.convert import context, to_xdsl
    from rufc.emit import verify_ir
    from rufc.passes.registry import available
    try:
        pipeline = PassPipeline.parse_spec(available(), spec)
    except ArgSpecParseError as exc:   # the text, a caret, the reason: keep the reason
        why = str(exc).strip().splitlines()[-1].strip()
        col = re.search(r"pass-pipeline:\d+:(\d+)", str(exc))
        at = f" (at column {col[1]})" if col else ""
        raise UsageError(f"-p {spec!r}: {why}{at}") from None
    except (ValueError, TypeError) as exc:   # unknown pass, bad option
        raise UsageError(f"-p {spec!r}: {exc}") from None
    xmod = ins.run("to-xdsl", lambda: to_xdsl(module))
    ctx = context()
    for p in pipeline.passes:
        try:
            ins.run(p.name, lambda p=p: p.apply(ctx, xmod), lambda: xmod,
                    lambda: verify_ir(xmod))
        except ValueError as exc:
            if p.name == "ruff-specialize":   # a bad kinds= option
                raise UsageError(f"ruff-specialize: {exc}") from None
            raise
    ins.print_ir(xmod, out)


def _printer(generic: bool, debuginfo: bool) -> Any:
    def print_ir(ir: Any, stream: IO[str]) -> None:
        from xdsl.printer import Printer

        from rufc.dialects.convert import to_xdsl
        from rufc.dialects.optable import Module
        op = to_xdsl(ir) if isinstance(ir, Module) else ir
        Printer(stream=stream, print_generic_format=generic,
                print_debuginfo=debuginfo).print_op(op)
    return print_ir


# ---------------------------------------------------------------- diagnostics


def diagnostic_of(exc: BaseException, src: Source) -> tuple[str, int, int, str] | None:
    """(file, line, col, message) of an error in the input, None for anything else."""
    from rufc import diag
    errors = sys.modules.get("rufc.frontend.errors")
    if errors is not None and isinstance(exc, errors.RuffSyntaxError):
        return exc.loc.file, exc.loc.line, exc.loc.col, exc.message
    codegen = sys.modules.get("rufc.runtime.codegen")
    if codegen is not None and isinstance(exc, codegen.CompileError):
        return src.path, exc.line, exc.col, exc.message
    if isinstance(exc, InvalidIR):
        return diag.ir_error(exc.cause, src.path)
    instrument = sys.modules.get("rufc.instrument")
    if instrument is not None and isinstance(exc, instrument.StepVerifyError):
        file, line, col, message = diag.ir_error(exc.cause, src.path)
        return file, line, col, f"the IR after '{exc.step}' does not verify: {message}"
    return None


def _line_of(src: Source, file: str, line: int) -> str | None:
    """The text of `line` in `file` (the input, or the source op locations name)."""
    if line <= 0:
        return None
    where = source_of_locations(file, src)
    return where.line(line) if where.text else None


@dataclass
class Expected:
    """One `// expected-error [@+N|@-N|@above|@below|@unknown] {{text}}` comment."""
    line: int        # 0 for @unknown
    text: str
    at: int          # the comment's own line (for reporting)
    col: int
    seen: bool = False


_EXPECT = re.compile(r"//\s*expected-error\s*(@(?P<where>[+-]\d+|above|below|unknown))?\s*"
                     r"\{\{(?P<text>.*?)\}\}")


def expectations(src: Source) -> list[Expected]:
    out: list[Expected] = []
    for n, line in enumerate(src.text.split("\n"), start=1):
        for m in _EXPECT.finditer(line):
            where = m["where"] or "+0"
            target = {"above": n - 1, "below": n + 1, "unknown": 0}.get(where)
            if target is None:
                target = n + int(where)
            out.append(Expected(target, m["text"].strip(), n, m.start() + 1))
    return out


def check_expectations(src: Source, expected: list[Expected],
                       found: list[tuple[str, int, int, str]]) -> int:
    """--verify-diagnostics: every error must be expected on its line, and every
    expectation met; mismatches are reported as mlir-opt reports them (exit 3)."""
    from rufc import diag
    failures: list[str] = []
    for file, line, col, message in found:
        match = next((e for e in expected if not e.seen and e.line == line
                      and e.text in message), None)
        if match is not None:
            match.seen = True
            continue
        failures.append(diag.format(file, line, col, f"unexpected error: {message}",
                                    line_text=_line_of(src, file, line)))
    for e in expected:
        if not e.seen:
            failures.append(diag.format(src.path, e.at, e.col, f'expected error "{e.text}" '
                                        "was not produced", line_text=src.line(e.at)))
    sys.stderr.write("".join(failures))
    return EXIT_SYNTAX if failures else EXIT_OK
