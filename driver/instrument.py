"""What happens around each step of the compiler when `rufc FILE` prints a stage:
`--print-ir-before=PASS`, `--print-ir-after=PASS`, `--print-ir-after-all`,
`--verify-each` and `--time-passes`.

Every step, xDSL pass or not (parse, irgen, codegen, the LLVM steps), runs through
`Instruments.run(name, fn, ir=..., verify=...)`: timed, and, when it has IR to show,
printed before/after as mlir-opt prints it (`// -----// IR Dump After cse //----- //`,
to standard error) and verified after it. The time report has mlir-opt's layout.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

T = TypeVar("T")


class StepVerifyError(Exception):
    """The IR after a step does not verify (--verify-each)."""

    def __init__(self, step: str, cause: BaseException) -> None:
        super().__init__(f"the IR after '{step}' does not verify: {cause}")
        self.step = step
        self.cause = cause


@dataclass
class Timer:
    """Wall time per step, in the order the steps ran (a step that runs twice, as with
    --split-input-file, adds up)."""
    rows: dict[str, float] = field(default_factory=dict)
    start: float = field(default_factory=time.perf_counter)

    def add(self, name: str, seconds: float) -> None:
        self.rows[name] = self.rows.get(name, 0.0) + seconds

    def report(self) -> str:
        """The table, as `mlir-opt --mlir-timing` prints it."""
        total = max(time.perf_counter() - self.start, sum(self.rows.values()), 1e-9)
        bar = "===" + "-" * 73 + "==="
        lines = [bar, "... Execution time report ...".center(79).rstrip(), bar,
                 f"  Total Execution Time: {total:.4f} seconds", "",
                 "  ----Wall Time----  ----Name----"]
        other = total - sum(self.rows.values())
        for name, secs in [*self.rows.items(), ("(other: imports, reading, printing)", other)]:
            lines.append(f"  {secs:9.4f} ({100 * secs / total:5.1f}%)  {name}")
        lines.append(f"  {total:9.4f} (100.0%)  Total")
        return "\n".join(lines) + "\n"


@dataclass
class Instruments:
    """The printing, verifying and timing asked for on the command line."""
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    after_all: bool = False
    verify_each: bool = False
    timer: Timer | None = None
    printer: Callable[[Any, IO[str]], None] | None = None   # IR -> text on a stream
    stream: IO[str] | None = None

    def print_ir(self, ir: Any, out: IO[str]) -> None:
        """The IR as the output of a stage (ending in a newline)."""
        if self.printer is not None:
            self.printer(ir, out)
        out.write("\n")

    def _dump(self, when: str, name: str, ir: Any) -> None:
        out = self.stream or sys.stderr
        out.write(f"// -----// IR Dump {when} {name} //----- //\n")
        if self.printer is not None:
            self.printer(ir, out)
        out.write("\n")

    def run(self, name: str, fn: Callable[[], T], ir: Callable[[], Any] | None = None,
            verify: Callable[[], None] | None = None) -> T:
        """fn(), with the instruments around it. `ir()` is the IR the step works on
        (None for steps whose input and output are not IR); `verify()` checks it."""
        if ir is not None and name in self.before and ir() is not None:
            self._dump("Before", name, ir())
        t0 = time.perf_counter()
        result = fn()
        if self.timer is not None:
            self.timer.add(name, time.perf_counter() - t0)
        if ir is not None and (self.after_all or name in self.after):
            self._dump("After", name, ir())
        if self.verify_each and verify is not None:
            t0 = time.perf_counter()
            try:
                verify()
            except Exception as exc:  # noqa: BLE001 - any verifier failure
                raise StepVerifyError(name, exc) from exc
            if self.timer is not None:
                self.timer.add("verifier", time.perf_counter() - t0)
        return result
