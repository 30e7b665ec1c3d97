"""The one definition of rufc's command line: every command and option, from which the
argparse parsers, the usage lines and `rufc --help` are all generated.

    COMMANDS["run"] = Command("run", "FILE|- [ARGS]", "run the program in FILE", handler=
                              "rufc.cli:cmd_run", options=[Opt(("--no-jit",), "...", ...)])

A command is the word after `rufc` (`run`, ...); the compiler's own command has the
name "" (`rufc FILE --emit=STAGE`). To add a command or an option, add a row here:
the parser, `rufc --help` and `rufc CMD --help` follow. Handlers are named as
"module:function" and imported only when their command runs, so `rufc --help` and
`rufc run` import nothing they do not use (no xdsl, llvmlite or lark).

Options shared by every command (`--color`, `--debug`, `-h`) are in COMMON. Long
options are never abbreviated (`allow_abbrev=False`): `--emit-ast` is an error, not a
guess.
"""
from __future__ import annotations

import argparse
import importlib
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from rufc.emit import STAGES, stage_help


class UsageError(Exception):
    """A bad command line or an unreadable input file (exit 2)."""


@dataclass(frozen=True)
class Opt:
    """One argument: argparse's flags and keywords, and the section of --help it is in."""
    flags: tuple[str, ...]
    help: str
    group: str = "options"
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Command:
    """A command: `rufc NAME ARGS`, its options and the function that runs it."""
    name: str
    args: str                 # how the usage line shows its positional arguments
    summary: str
    handler: str              # "module:function", called with the parsed Namespace
    options: list[Opt] = field(default_factory=list)

    @property
    def prog(self) -> str:
        return f"rufc {self.name}".rstrip()

    def run(self, args: argparse.Namespace) -> int:
        module, _, fn = self.handler.partition(":")
        handler: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), fn)
        return handler(args)


COMMON = [
    Opt(("--color",), "colour diagnostics: auto (on a terminal, unless NO_COLOR is set), "
        "always or never", "general",
        dict(choices=("auto", "always", "never"), default="auto", metavar="WHEN")),
    Opt(("--debug",), "show Python tracebacks of internal errors", "general",
        dict(action="store_true")),
    Opt(("-h", "--help"), "show this help and exit", "general", dict(action="store_true")),
]

_IR = "printing IR"
_PASSES = "pass pipelines (the stages past `ruff`; see docs/inspecting-ir.md)"
_MLIR = "testing diagnostics (as mlir-opt)"

COMPILE = Command(
    "", "FILE|-", "print a stage of the compiler for FILE (.ruff source, or .mlir holding "
    "a `ruff` module) and exit", "rufc.compile_cmd:cmd_emit", [
        Opt(("file",), "the input ('-' reads standard input)",
            kwargs=dict(nargs="?", metavar="FILE|-")),
        Opt(("--emit",), "the stage to print (see `stages` below; default: ruff)", _IR,
            dict(choices=STAGES, default=None, metavar="STAGE")),
        Opt(("-o",), "write the output to OUT (atomically) instead of standard output", _IR,
            dict(dest="output", metavar="OUT")),
        Opt(("--function",), "only this function (stages ruff-opt and later)", _IR,
            dict(metavar="NAME")),
        Opt(("--specialize",), "argument kinds for NAME in the hot stages (int, float, "
            "bool, array:int, array:float, other; default int for every parameter); "
            "may be repeated", _IR, dict(action="append", default=[], metavar="'NAME(KINDS)'")),
        Opt(("--print-op-generic",), "print IR in MLIR's generic op form", _IR,
            dict(action="store_true")),
        Opt(("--print-debuginfo",), "print the source location of every op", _IR,
            dict(action="store_true")),
        Opt(("-p", "--passes"), "run this pipeline of named passes on the ruff IR and "
            "print the result (xDSL's syntax: -p 'ruff-specialize{kinds=\"f:int\"},cse')",
            _PASSES, dict(dest="passes", metavar="PIPELINE")),
        Opt(("--list-passes",), "list the passes -p knows, with what each does, and exit",
            _PASSES, dict(action="store_true")),
        Opt(("--print-ir-after-all",), "print the IR after every pass (stderr)", _PASSES,
            dict(action="store_true")),
        Opt(("--print-ir-before",), "print the IR before PASS (stderr); may be repeated",
            _PASSES, dict(action="append", default=[], metavar="PASS")),
        Opt(("--print-ir-after",), "print the IR after PASS (stderr); may be repeated",
            _PASSES, dict(action="append", default=[], metavar="PASS")),
        Opt(("--verify-each",), "verify the IR after every pass", _PASSES,
            dict(action="store_true")),
        Opt(("--time-passes",), "print the wall time of every step, pass or not (parse, "
            "irgen, codegen, LLVM's), as a table on stderr", _PASSES,
            dict(action="store_true")),
        Opt(("--split-input-file",), "compile each `// -----`-separated chunk of the input "
            "on its own", _MLIR, dict(action="store_true")),
        Opt(("--verify-diagnostics",), "check the errors against the input's "
            "`// expected-error @+N {{...}}` comments instead of printing them (exit 3 on a "
            "mismatch)", _MLIR, dict(action="store_true")),
        Opt(("--version",), "print the versions of rufc, Python, xdsl, llvmlite and LLVM "
            "and exit", "general", dict(action="store_true")),
    ])

# how `rufc run` and `rufc repl` run code
_TIERING = [
    Opt(("--no-jit",), "never compile functions (same as RUFC_JIT=0)", "running",
        dict(action="store_true")),
    Opt(("--jit-threshold",), "calls before a function is compiled (RUFC_JIT_THRESHOLD; "
        "0 = at the first call; default 100)", "running", dict(type=int, metavar="N")),
    Opt(("--max-depth",), "Ruff call depth limit (RUFC_MAX_DEPTH; default 10000)",
        "running", dict(type=int, metavar="N")),
    Opt(("--jit-sync",), "compile a hot function at once, in the program's thread, instead "
        "of in the background (RUFC_JIT_SYNC=1): deterministic compile events",
        "running", dict(action="store_true")),
]

RUN = Command(
    "run", "FILE|-", "run the program in FILE ('-' reads standard input)", "rufc.cli:cmd_run", [
        Opt(("file",), "the program", kwargs=dict(nargs="?", metavar="FILE|-")),
        Opt(("-c",), "run CODE instead of a file", kwargs=dict(dest="code", metavar="CODE")),
        Opt(("-i",), "after the program, start the REPL with its globals (docs/repl.md)",
            "running", dict(action="store_true", dest="interactive")),
        *_TIERING,
        Opt(("--no-cache",), "neither read nor write the cache of compiled programs "
            "(RUFC_NO_CACHE=1; docs/caches.md)", "running", dict(action="store_true")),
        Opt(("--stats",), "at exit, a table of every function and hot loop: calls, tier, "
            "specializations, compile time, guard failures; and where the time went "
            "(stderr; docs/stats.md)", "running", dict(action="store_true")),
    ])

REPL = Command(
    "repl", "", "read-eval-print loop (also `rufc` alone on a terminal; docs/repl.md)",
    "rufc.cli:cmd_repl", list(_TIERING))

CACHE = Command(
    "cache", "[info|clear]", "show where rufc's cache is and what it holds, or empty it "
    "(docs/caches.md)", "rufc.cache_cmd:cmd_cache", [
        Opt(("action",), "info (the default) or clear",
            kwargs=dict(nargs="?", choices=("info", "clear"), metavar="info|clear")),
    ])

#: Every command, in the order `rufc --help` lists them. Add yours here.
COMMANDS: dict[str, Command] = {"": COMPILE, "run": RUN, "repl": REPL}
COMMANDS["cache"] = CACHE

EPILOG = """\
environment:
  RUFC_JIT=0, RUFC_JIT_THRESHOLD=N, RUFC_MAX_DEPTH=N as above; DEBUG_JIT=1 logs what
  the JIT decides (docs/jit.md); RUFC_JIT_BOXED=0 compiles only functions on ints,
  floats, bools and typed arrays; NO_COLOR=1 turns colour off (--color=auto).

exit codes: 0 ok, 2 usage, 3 syntax or invalid IR, 4 runtime error, 70 internal error
  (a bug in rufc), 74 cannot write standard output, 141 broken pipe
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class _Formatter(argparse.HelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=30, width=88)

    def _split_lines(self, text: str, width: int) -> list[str]:
        # never break inside a pass or option name such as ruff-specialize
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def _flag(opt: Opt) -> str:
    """How the usage line shows one option: `[--emit=STAGE]`, `[-o OUT]`, `[--no-jit]`."""
    flag = opt.flags[0]
    kw = opt.kwargs
    if kw.get("action") in ("store_true", "store_false"):
        return f"[{flag}]"
    metavar = kw.get("metavar") or flag.lstrip("-").upper()
    sep = "=" if flag.startswith("--") else " "
    return f"[{flag}{sep}{metavar}]"


def usage(cmd: Command) -> str:
    """`cmd`'s usage line, wrapped, from its rows (without the `usage: ` word)."""
    words = [w for w in (cmd.prog, cmd.args) if w]
    words += [_flag(o) for o in cmd.options if o.flags[0].startswith("-")]
    words += [_flag(o) for o in COMMON if o.flags[0] not in ("-h",)]
    indent = " " * (len(cmd.prog) + 1)
    return textwrap.fill(" ".join(words), width=86, subsequent_indent=indent,
                         break_on_hyphens=False, break_long_words=False)


def parser(cmd: Command) -> argparse.ArgumentParser:
    """The argparse parser of `cmd`, built from its rows and COMMON."""
    p = _Parser(prog=cmd.prog, usage=usage(cmd), add_help=False, allow_abbrev=False,
                formatter_class=_Formatter, description=cmd.summary)
    groups: dict[str, Any] = {}
    for opt in [*cmd.options, *COMMON]:
        if opt.flags[0].startswith("-"):
            group = groups.get(opt.group)
            if group is None:
                group = groups[opt.group] = p.add_argument_group(opt.group)
            group.add_argument(*opt.flags, help=opt.help, **opt.kwargs)
        else:
            p.add_argument(*opt.flags, help=opt.help, **opt.kwargs)
    return p


def full_help() -> str:
    """`rufc --help`: every command's usage, then every command's options, then the
    stages and the environment."""
    lines = ["usage:"]
    for cmd in COMMANDS.values():
        lines += ["  " + ln for ln in usage(cmd).splitlines()]
    lines += ["", "rufc compiles and runs programs in the Ruff language.", ""]
    for cmd in COMMANDS.values():
        # argparse's help is usage, description, then the sections: keep the sections
        sections = parser(cmd).format_help().split("\n\n", 2)[2]
        lines += [textwrap.fill(f"{cmd.prog} {cmd.args}".rstrip() + f": {cmd.summary}", width=86), "",
                  sections.rstrip(), ""]
    lines += ["stages (rufc FILE --emit=STAGE; in pipeline order):", stage_help(), ""]
    return "\n".join(lines) + "\n" + EPILOG


def command_help(cmd: Command) -> str:
    """`rufc CMD --help`: the help of one command."""
    text = parser(cmd).format_help()
    if cmd is COMPILE:
        text += "\nstages (--emit=STAGE; in pipeline order):\n" + stage_help() + "\n"
    return text + "\n" + EPILOG
