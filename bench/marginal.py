#!/usr/bin/env python3
"""Marginal benchmark runner: each shared benchmark at size N and 2N, on every column.

    python3 bench/marginal.py                         # all benchmarks, all columns, 3 runs
    python3 bench/marginal.py --runs 1 --only loop,fib --columns rufc-vm,cpython,c
    python3 bench/marginal.py --quick --runs 1         # sizes / ~10, for a smoke test
    bench/run.sh marginal [options]                    # the same, through run.sh

Why: an end-to-end wall time mixes two things, the fixed cost of a run (interpreter
start-up, imports, parsing, compiling; for rufc ~0.15 s of Python imports) and the
speed of the code once running. The shared runner (../shared/bench/run_anchors.py)
reports only the first kind of number. Running every program at N and at 2N and
taking T(2N) - T(N) cancels the fixed cost and leaves the steady-state time of N
units of work, which is what a JIT is meant to change. Both figures are reported,
as ratios to C and to CPython, with peak memory (max RSS) beside them.

How: the programs of ../shared/bench/programs have their size baked in, so each is
copied into a temporary directory twice: unchanged (N) and with its size literal
rewritten (2N), the same way in every language (see SIZES). ../shared is never
written to. Each cell is the median of --runs runs; every run's output is checked
(at N against ../shared/bench/expected/, at 2N across columns, C being the
reference) and a failing column shows `fail` / `wrong output` instead of crashing
the runner. Peak memory comes from os.wait4()'s rusage of each child, which (unlike
getrusage(RUSAGE_CHILDREN), a running maximum over all children) is per run.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import io
import json
import math
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("BENCH_SHARED", BENCH_DIR.parent.parent / "shared" / "bench"))
PROGRAMS = SHARED / "programs"
EXPECTED = SHARED / "expected"

# Below this a marginal time is start-up jitter, not work: it is shown but not used
# as the denominator of a ratio (C's fib_20 marginal is a few microseconds).
MIN_MARGINAL = 0.005


# ------------------------------------------------------------------ sizes

@dataclass(frozen=True)
class SizeSpec:
    """Where a program's size is and how 2N is formed, identical in every language.

    `pattern` must match exactly once in each language's program (group `n` is the
    integer literal), so a change of the shared programs fails loudly instead of
    silently timing the same size twice. `kind` says how the size scales the work:
      linear  the work is proportional to n: 2N is n * 2;
      square  two nested loops of n: 2N is round(n * sqrt 2), work factor (n2/n)^2;
      fib     fib(n) makes 2F(n+1) - 1 calls, and fib(n+1) + fib(n-2) makes exactly
              twice as many (F(n+2) + F(n-1) = 2F(n+1)), so 2N replaces the call
              `fib(n)` by `(fib(n+1) + fib(n-2))`: the same function doing exactly
              double work, with different arguments so no compiler can share calls.
    """

    pattern: str
    kind: str  # linear | square | fib
    note: str = ""


_ASSIGN = r"\b{var}\s*:?=\s*(?P<n>\d+)\b"  # `n = 5` (py, js, lua, c) and `n := 5` (ruff)

SIZES: dict[str, SizeSpec | None] = {
    "fib": SizeSpec(r"\bfib\((?P<n>\d+)\)", "fib"),
    "loop": SizeSpec(_ASSIGN.format(var="n"), "linear"),
    "nested": SizeSpec(_ASSIGN.format(var="n"), "square"),
    "sieve": SizeSpec(_ASSIGN.format(var="n"), "linear",
                      "the marking pass is n log log n: 2N is ~2.03x that part"),
    "nbody": SizeSpec(_ASSIGN.format(var="steps"), "linear"),
    "calls": SizeSpec(_ASSIGN.format(var="n"), "linear"),
    "startup": None,  # no size: end to end only (it *is* the fixed cost)
    "fib_20": SizeSpec(r"\bfib\((?P<n>\d+)\)", "fib"),
    "fib_25": SizeSpec(r"\bfib\((?P<n>\d+)\)", "fib"),
    "fib_30": SizeSpec(r"\bfib\((?P<n>\d+)\)", "fib"),
}
GROUPS = {
    "core": ["fib", "loop", "nested", "sieve", "nbody", "calls"],
    "ramp": ["startup", "fib_20", "fib_25", "fib_30"],
}
GROUPS["all"] = GROUPS["core"] + GROUPS["ramp"]


def quick_size(spec: SizeSpec, n: int) -> int:
    """A size with about a tenth of the work, for --quick smoke runs."""
    if spec.kind == "fib":
        return n - 5  # phi^5 ~ 11
    if spec.kind == "square":
        return round(n / math.sqrt(10))
    return max(1, n // 10)


def doubled_size(spec: SizeSpec, n: int) -> int:
    """The size literal of the 2N variant (for fib, the base of the rewritten call)."""
    if spec.kind == "square":
        return round(n * math.sqrt(2))
    if spec.kind == "fib":
        return n
    return 2 * n


def work_factor(spec: SizeSpec, n: int) -> float:
    """W(2N) / W(N); the marginal time is divided by (factor - 1) to be exactly N's work."""
    if spec.kind == "square":
        return (doubled_size(spec, n) / n) ** 2
    return 2.0


def describe_2n(spec: SizeSpec, n: int) -> str:
    if spec.kind == "fib":
        return f"fib({n + 1}) + fib({n - 2})"
    return str(doubled_size(spec, n))


def describe_n(spec: SizeSpec, n: int) -> str:
    return f"fib({n})" if spec.kind == "fib" else str(n)


def rewrite(text: str, spec: SizeSpec, n: int, doubled: bool) -> str:
    """Return the program with its size set to n (doubled: to the 2N form of n)."""
    matches = list(re.finditer(spec.pattern, text))
    if len(matches) != 1:
        raise ValueError(f"size pattern {spec.pattern!r} matched {len(matches)} times, expected 1")
    m = matches[0]
    if doubled and spec.kind == "fib":
        new = f"(fib({n + 1}) + fib({n - 2}))"
    else:
        value = doubled_size(spec, n) if doubled else n
        new = text[m.start():m.start("n")] + str(value) + text[m.end("n"):m.end()]
    return text[:m.start()] + new + text[m.end():]


def base_size(name: str, spec: SizeSpec) -> int:
    """The size baked into the shared program (read from the Python version)."""
    m = re.search(spec.pattern, (PROGRAMS / f"{name}.py").read_text())
    if m is None:
        raise ValueError(f"no size literal in {name}.py")
    return int(m.group("n"))


# ------------------------------------------------------------------ columns

@dataclass
class Column:
    """One system a program is run on; `argv` gets the program path appended."""

    key: str
    label: str
    ext: str
    argv: list[str]
    available: bool = True
    version: str = ""
    note: str = ""
    display: str = ""  # command as shown in the report, when argv is a temporary path

    def shown(self) -> str:
        if self.display:
            return self.display
        if self.key == "c":
            return " ".join(self.argv) + " -o NAME NAME.c -lm; ./NAME"
        return shlex.join(self.argv) + f" NAME.{self.ext}"


COLUMN_ORDER = ["rufc-vm", "rufc", "cpython", "c", "pypy", "luajit", "node"]


def first_line(argv: list[str]) -> str:
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    text = (p.stdout + "\n" + p.stderr).strip()
    return text.splitlines()[0].strip() if text else ""


def real_python(binary: str) -> str:
    """The interpreter behind `binary`, skipping launcher shims.

    A pyenv shim is a bash script that costs ~60 ms per start; timing it would add
    the shim, not Python, to every end-to-end figure.
    """
    exe = first_line([binary, "-c", "import sys; print(sys.executable)"])
    return exe if exe and Path(exe).exists() else binary


def real_script(name: str, python: str) -> str | None:
    """A console script as the kernel can exec it, bypassing a shell shim if there is one."""
    found = shutil.which(name)
    if found is None:
        return None
    try:
        head = Path(found).read_bytes()[:200].split(b"\n", 1)[0]
    except OSError:
        return found
    if head.startswith(b"#!") and b"python" in head:
        return found
    scripts = first_line([python, "-c", "import sysconfig; print(sysconfig.get_path('scripts'))"])
    cand = Path(scripts) / name if scripts else None
    return str(cand) if cand is not None and cand.exists() else found


def make_columns() -> list[Column]:
    py_bin = os.environ.get("BENCH_PYTHON", "python3")
    py = real_python(py_bin) if shutil.which(py_bin) else py_bin
    cols: list[Column] = []

    rufc_env = os.environ.get("RUFC")
    rufc = shlex.split(rufc_env) if rufc_env else None
    if rufc is None:
        script = real_script("rufc", py)
        rufc = [script] if script else None
    rufc_version = ""
    if rufc:
        rufc_version = first_line([py, "-c", "import rufc; print('rufc', rufc.__version__)"])
        rev = git_rev()
        if rev:
            rufc_version += f" ({rev})"
    for key, label, extra in (("rufc-vm", "rufc --no-jit", ["--no-jit"]), ("rufc", "rufc", [])):
        col = Column(key, label, "ruff", (rufc or ["rufc"]) + ["run", *extra],
                     available=rufc is not None, version=rufc_version)
        if rufc is None:
            col.note = "rufc not found"
        cols.append(col)

    cc = os.environ.get("BENCH_CC", "gcc")
    cflags = shlex.split(os.environ.get("BENCH_CFLAGS", "-O2"))
    spec = [
        ("cpython", "CPython", "py", py, "--version"),
        ("c", f"C ({Path(cc).name} {' '.join(cflags)})", "c", cc, "--version"),
        ("pypy", "PyPy", "py", os.environ.get("BENCH_PYPY", "pypy3"), "--version"),
        ("luajit", "LuaJIT", "lua", os.environ.get("BENCH_LUAJIT", "luajit"), "-v"),
        ("node", "Node", "js", os.environ.get("BENCH_NODE", "node"), "--version"),
    ]
    for key, label, ext, binary, vflag in spec:
        ok = shutil.which(binary) is not None
        argv = [binary, *cflags] if key == "c" else [binary]
        col = Column(key, label, ext, argv, available=ok)
        if ok:
            col.version = " ".join(first_line([binary, vflag]).split()[:4])
            if key == "node":
                col.version = "Node.js " + col.version
        else:
            col.note = f"{binary} not installed"
        cols.append(col)
    return cols


REPO = BENCH_DIR.parent  # the rufc repository this runner belongs to


def snapshot_rufc(src: str, dest: Path, py: str) -> tuple[list[str], str]:
    """Freeze rufc's Python packages into `dest`; return (argv prefix of a rufc command, label).

    Why: rufc is an editable install of a work tree that other people edit and commit
    to while a 7-10 minute run goes on (it happened: the hot tier landed mid-run), and
    then the rufc columns would mix two builds. The snapshot is taken once, before
    timing: `worktree` copies the packages as they are on disk (uncommitted edits
    included, __pycache__ kept so no run pays for compiling them); any other value is
    a git revision, exported with `git archive` (the work tree and index are not
    touched). The command is the console script's three lines with the snapshot first
    on sys.path, so start-up costs what `rufc` costs.
    """
    mapping: dict[str, str] = tomllib.loads((REPO / "pyproject.toml").read_text())[
        "tool"]["setuptools"]["package-dir"]
    lib = dest / "lib"
    if src == "worktree":
        label = rufc_fingerprint() or "work tree"
        root = REPO
    else:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", src],
                             capture_output=True, text=True)
        if rev.returncode != 0:
            raise ValueError(f"unknown git revision {src!r}")
        label = rev.stdout.strip()
        tar = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", src, "--",
                              *mapping.values()], capture_output=True, check=True).stdout
        root = dest / "stage"
        with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
            if hasattr(tarfile, "data_filter"):
                tf.extractall(root, filter="data")
            else:  # pragma: no cover - Python < 3.11.4
                tf.extractall(root)
    for pkg, d in sorted(mapping.items()):  # "rufc" before "rufc.frontend"
        shutil.copytree(root / d, lib / pkg.replace(".", "/"), dirs_exist_ok=True)
    subprocess.run([py, "-m", "compileall", "-q", str(lib)], capture_output=True)
    script = dest / "bin" / "rufc"
    script.parent.mkdir(parents=True)
    script.write_text(f"#!{py}\nimport sys\nsys.path.insert(0, {str(lib)!r})\n"
                      "from rufc.cli import main\nsys.exit(main())\n")
    script.chmod(0o755)
    ver = first_line([py, "-c", f"import sys; sys.path.insert(0, {str(lib)!r}); "
                      "import rufc; print(rufc.__version__)"])
    return [str(script)], f"rufc {ver} ({label}, snapshot)"


def use_snapshot(cols: list[Column], src: str, dest: Path) -> None:
    """Point the rufc columns at a snapshot; on failure mark them unavailable, never crash."""
    rcols = [c for c in cols if c.available and c.key.startswith("rufc")]
    if not rcols:
        return
    py = real_python(os.environ.get("BENCH_PYTHON", "python3"))
    try:
        argv, version = snapshot_rufc(src, dest, py)
    except (OSError, ValueError, KeyError, subprocess.CalledProcessError, tarfile.TarError) as e:
        for c in rcols:
            c.available, c.note = False, f"snapshot of rufc ({src}) failed: {e}"
        return
    what = "work tree" if src == "worktree" else src
    for c in rcols:
        rest = c.argv[c.argv.index("run"):]
        c.argv = argv + rest
        c.version = version
        c.display = f"rufc ({what} snapshot) {shlex.join(rest)} NAME.ruff"


def rufc_fingerprint() -> str:
    """git_rev() plus a hash of the uncommitted diff: rufc is an editable install in a tree
    other people edit, so a change in the middle of a run must be noticed."""
    import hashlib
    try:
        import rufc  # type: ignore[import-not-found]
        repo = Path(rufc.__file__).resolve().parent.parent
        diff = subprocess.run(["git", "-C", str(repo), "diff", "HEAD", "--", "."],
                              capture_output=True, timeout=60).stdout
    except Exception:  # noqa: BLE001 - no git / no rufc: nothing to compare
        return ""
    return f"{git_rev()} {hashlib.sha1(diff).hexdigest()[:8]}"


def git_rev() -> str:
    """The commit rufc is built from, '-dirty' when the tree has edits (it is an editable install)."""
    try:
        import rufc  # type: ignore[import-not-found]
        repo = Path(rufc.__file__).resolve().parent.parent
    except Exception:  # noqa: BLE001 - any import problem just means "unknown"
        repo = BENCH_DIR.parent
    return first_line(["git", "-C", str(repo), "describe", "--always", "--dirty"])


# ------------------------------------------------------------------ running

@dataclass
class Run:
    """One process: exit code (None on timeout), wall seconds, peak RSS in KiB, output."""

    rc: int | None
    wall: float
    maxrss_kib: int
    cpu: float
    stdout: str
    stderr_tail: str


def gnu_time() -> str | None:
    """/usr/bin/time if it is GNU time (it has -f %M and -o), else None."""
    path = os.environ.get("BENCH_TIME", "/usr/bin/time")
    return path if "GNU" in first_line([path, "--version"]) else None


def run_measured(argv: list[str], cwd: Path, timeout: float, timer_bin: str | None) -> Run:
    """Run argv without a shell, timing it and reading its peak RSS.

    Peak RSS: Linux carries a process's max RSS across exec, so a child forked from
    this runner reports at least the runner's own ~20 MiB (wait4's ru_maxrss). GNU
    time forks the program from a ~1 MiB process and reports that grandchild alone
    (%M), so it is used when present; else wait4's figure is kept (floor noted in
    the report). stdout/stderr go to files, not pipes, so the child never blocks on
    a full pipe while we sit in wait4. A timer kills the process group on timeout.
    """
    out_f = tempfile.TemporaryFile(dir=cwd)
    err_f = tempfile.TemporaryFile(dir=cwd)
    rss_path = None
    if timer_bin is not None:
        fd, rss_path = tempfile.mkstemp(dir=cwd, suffix=".rss")
        os.close(fd)
        argv = [timer_bin, "-f", "%M", "-o", rss_path, *argv]
    try:
        t0 = time.perf_counter()
        try:
            p = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out_f,
                                 stderr=err_f, start_new_session=True)
        except OSError as e:
            return Run(127, 0.0, 0, 0.0, "", str(e))
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)  # reaped here; keep Popen from waiting
        out_f.seek(0)
        err_f.seek(0)
        stdout = out_f.read().decode(errors="replace")
        stderr = err_f.read().decode(errors="replace")
        rss = int(ru.ru_maxrss)
        if rss_path is not None:
            try:
                rss = int(Path(rss_path).read_text().split()[-1])
            except (OSError, ValueError, IndexError):
                pass
        rc = None if timed_out.is_set() else p.returncode
        return Run(rc, wall, rss, ru.ru_utime + ru.ru_stime, stdout, stderr.strip()[-400:])
    finally:
        out_f.close()
        err_f.close()
        if rss_path is not None:
            Path(rss_path).unlink(missing_ok=True)


@dataclass
class Cell:
    """All runs of one (benchmark, column, size)."""

    status: str = "pending"  # pending | ok | wrong | fail | timeout | missing
    times: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    expected: str = ""
    detail: str = ""

    def median(self, metric: str = "wall") -> float | None:
        """Median wall seconds, or median CPU seconds (user + sys) for metric "cpu"."""
        xs = self.cpu if metric == "cpu" else self.times
        return statistics.median(xs) if xs else None

    @property
    def output(self) -> str:
        return self.outputs[0] if self.outputs else ""

    def alive(self) -> bool:
        return self.status in ("pending", "ok")


def compile_c(col: Column, src: Path) -> str | None:
    """Build src next to itself; return an error text or None. Compile time is not timed."""
    exe = src.with_suffix("")
    try:
        p = subprocess.run(col.argv + ["-o", str(exe), str(src), "-lm"], capture_output=True,
                           text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    if p.returncode != 0:
        return p.stderr.strip()[-400:] or f"rc={p.returncode}"
    return None


@dataclass
class Plan:
    """The benchmarks to run with their sizes, and the program files made for them."""

    names: list[str]
    n: dict[str, int]  # size literal at N (absent for startup)
    files: dict[tuple[str, str, str], Path]  # (name, column key, "N"|"2N") -> program or binary
    prep_errors: dict[tuple[str, str, str], str]


def prepare(names: list[str], cols: list[Column], work: Path, quick: bool) -> Plan:
    """Write the N and 2N programs (and C binaries) of every benchmark into `work`."""
    plan = Plan(names, {}, {}, {})
    for size in ("N", "2N"):
        (work / size).mkdir()
    for name in names:
        spec = SIZES[name]
        if spec is not None:
            n0 = base_size(name, spec)
            plan.n[name] = quick_size(spec, n0) if quick else n0
        for col in cols:
            if not col.available:
                continue
            src = PROGRAMS / f"{name}.{col.ext}"
            for size in ("N", "2N") if spec is not None else ("N",):
                key = (name, col.key, size)
                if not src.exists():
                    plan.prep_errors[key] = f"no {src.name} in the shared programs"
                    continue
                dst = work / size / src.name
                if not dst.exists():
                    try:
                        text = src.read_text()
                        if spec is not None:
                            # rewrite even at the original N: checks the pattern matches once
                            text = rewrite(text, spec, plan.n[name], doubled=(size == "2N"))
                        dst.write_text(text)
                    except (OSError, ValueError) as e:
                        plan.prep_errors[key] = f"{src.name}: {e}"
                        continue
                if col.key == "c":
                    exe = dst.with_suffix("")
                    if not exe.exists():
                        err = compile_c(col, dst)
                        if err:
                            plan.prep_errors[key] = f"compile failed: {err}"
                            continue
                    plan.files[key] = exe
                else:
                    plan.files[key] = dst
    return plan


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def measure_all(plan: Plan, cols: list[Column], runs: int, timeout: float,
                work: Path, timer_bin: str | None) -> dict[tuple[str, str, str], Cell]:
    """Run every cell `runs` times, round-robin, so slow drift of the machine spreads evenly.

    A cell that fails or times out is not run again (it would only cost time).
    """
    res: dict[tuple[str, str, str], Cell] = {}
    for key, err in plan.prep_errors.items():
        res[key] = Cell("fail", detail=err)
    live = [c for c in cols if c.available]
    for r in range(runs):
        for name in plan.names:
            sizes = ("N", "2N") if SIZES[name] is not None else ("N",)
            for col in live:
                for size in sizes:
                    key = (name, col.key, size)
                    cell = res.setdefault(key, Cell())
                    if not cell.alive() or key not in plan.files:
                        continue
                    path = plan.files[key]
                    argv = [str(path)] if col.key == "c" else col.argv + [str(path)]
                    run = run_measured(argv, work / size, timeout, timer_bin)
                    if run.rc is None:
                        cell.status, cell.detail = "timeout", f"over {timeout:g} s"
                    elif run.rc != 0:
                        cell.status = "fail"
                        cell.detail = f"exit {run.rc}: {run.stderr_tail}"
                    else:
                        cell.status = "ok"
                        cell.times.append(run.wall)
                        cell.rss_kib.append(run.maxrss_kib)
                        cell.cpu.append(run.cpu)
                        cell.outputs.append(run.stdout.strip())
                    shown = (f"{run.wall:.3f}s {run.maxrss_kib / 1024:.0f}MiB"
                             if cell.status == "ok" else cell.status)
                    log(f"[{r + 1}/{runs}] {name:8s} {size:2s} {col.label:14s} {shown}")
    return res


def check_outputs(plan: Plan, cols: list[Column], res: dict[tuple[str, str, str], Cell],
                  quick: bool) -> list[str]:
    """Mark cells whose output is wrong; return the loud mismatch messages for the report.

    At N with the original sizes the reference is ../shared/bench/expected/<name>.txt.
    Otherwise (2N, or --quick) it is C's output, or the most common output when C
    did not run; any column printing something else is flagged.
    """
    problems: list[str] = []
    for name in plan.names:
        for size in ("N", "2N"):
            cells = {c.key: res[(name, c.key, size)] for c in cols if (name, c.key, size) in res}
            done = {k: c for k, c in cells.items() if c.status == "ok"}
            for c in done.values():
                if len(set(c.outputs)) > 1:
                    c.status = "wrong"
                    c.detail = f"output varies between runs: {sorted(set(c.outputs))}"
            exp_file = EXPECTED / f"{name}.txt"
            if size == "N" and not quick and exp_file.exists():
                ref, source = exp_file.read_text().strip(), f"expected/{name}.txt"
            elif "c" in done:
                ref, source = done["c"].output, "C"
            elif done:
                ref, source = Counter(c.output for c in done.values()).most_common(1)[0][0], "majority"
            else:
                continue
            for k, c in done.items():
                c.expected = ref
                if c.status == "ok" and c.output != ref:
                    c.status = "wrong"
                    c.detail = f"printed `{c.output[:120]}`, {source} says `{ref[:120]}`"
                    label = next(col.label for col in cols if col.key == k)
                    problems.append(f"{name} at {size}: {label} printed `{c.output[:120]}`, "
                                    f"{source} says `{ref[:120]}`")
    return problems


# ------------------------------------------------------------------ report

def fmt_s(x: float) -> str:
    if abs(x) < 0.01:
        return f"{x:.4f}"
    return f"{x:.3f}" if abs(x) < 10 else f"{x:.2f}"


def fmt_ratio(r: float) -> str:
    return f"{r:.2f}" if r < 10 else f"{r:.1f}" if r < 100 else f"{r:.0f}"


def bad_text(cell: Cell | None) -> str | None:
    """What to show instead of a number, or None when the cell has a measurement."""
    if cell is None:
        return "—"
    if cell.status == "ok":
        return None
    return {"wrong": "wrong output", "timeout": "timeout", "fail": "fail"}.get(cell.status, "—")


@dataclass
class Figures:
    """The derived numbers of one (benchmark, column): e2e at N, marginal, memory."""

    e2e: float | None = None
    marginal: float | None = None
    e2e_bad: str | None = None
    marg_bad: str | None = None
    rss_n: float | None = None  # MiB
    rss_2n: float | None = None


def figures(plan: Plan, col: Column, name: str, res: dict[tuple[str, str, str], Cell],
            metric: str) -> Figures:
    f = Figures()
    cn, c2 = res.get((name, col.key, "N")), res.get((name, col.key, "2N"))
    f.e2e_bad = bad_text(cn)
    if f.e2e_bad is None and cn is not None:
        f.e2e = cn.median(metric)
        f.rss_n = statistics.median(cn.rss_kib) / 1024
    spec = SIZES[name]
    if spec is None:
        f.marg_bad = "—"
        return f
    f.marg_bad = f.e2e_bad or bad_text(c2)
    if f.marg_bad is None and cn is not None and c2 is not None:
        m2, m1 = c2.median(metric), cn.median(metric)
        assert m2 is not None and m1 is not None
        f.marginal = (m2 - m1) / (work_factor(spec, plan.n[name]) - 1.0)
    if c2 is not None and c2.status in ("ok", "wrong") and c2.rss_kib:
        f.rss_2n = statistics.median(c2.rss_kib) / 1024
    return f


def md_table(head: list[str], rows: list[list[str]], numeric: bool = True) -> list[str]:
    """A markdown table; numeric tables right-align every column but the first."""
    align = "---:" if numeric else "---"
    out = ["| " + " | ".join(head) + " |", "|---|" + "|".join(align for _ in head[1:]) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def report(plan: Plan, cols: list[Column], res: dict[tuple[str, str, str], Cell],
           mismatches: list[str], args: argparse.Namespace, started: _dt.datetime,
           elapsed: float) -> str:
    """The markdown report, section by section: the run, the systems and sizes, the
    tables of figures (`_Tables`), the problems."""
    live = [c for c in cols if c.available]
    figs = {m: {(n, c.key): figures(plan, c, n, res, m) for n in plan.names for c in live}
            for m in ("wall", "cpu")}
    L = _report_head(cols, live, res, mismatches, args, started, elapsed)
    L += _sizes_section(plan, live, res)
    tables = _Tables(plan, live, figs, args.metric)
    keys = {c.key for c in live}
    tables.summary(args.metric, keys)
    what_t = "wall time" if args.metric == "wall" else "CPU time"
    tables.grid(f"End to end: {what_t} at N (s)", tables.e2e)
    tables.grid(f"Marginal: T(2N) - T(N), per N units of work ({what_t}, s)", tables.marg,
                f"`*` under {MIN_MARGINAL * 1000:g} ms: start-up noise, not used as a ratio.")
    tables.ratio_grids(keys)
    tables.grid("Peak memory: max RSS at N / 2N (MiB)", tables.mem)
    L += tables.lines
    L += _problems_section(plan, cols, res)
    L.append("")
    return "\n".join(L)


def _report_head(cols: list[Column], live: list[Column], res: dict[tuple[str, str, str], Cell],
                 mismatches: list[str], args: argparse.Namespace, started: _dt.datetime,
                 elapsed: float) -> list[str]:
    """The title, the mismatches, how the run went, and the systems table."""
    L: list[str] = [f"# Marginal benchmark run {started:%Y-%m-%d %H:%M} UTC", ""]
    if mismatches:
        L += ["**OUTPUT MISMATCH — some columns printed a wrong result (see Problems):**", ""]
        L += [f"- **{m}**" for m in mismatches] + [""]
    L += [
        f"- Machine: {machine_info()}",
        f"- Runs: median of {args.runs} per cell, round-robin over benchmarks and columns; "
        + ("wall time from fork to exit" if args.metric == "wall" else
           "**CPU time** (user + sys of the process and its children; --metric cpu)")
        + f" (start-up included; C compile time excluded); whole run {elapsed:.0f} s",
        "- **End to end** = T(N), one run of the program as shipped. **Marginal** = "
        "(T(2N) - T(N)) / (work factor - 1): the time N more units of work cost once "
        "running, so start-up, imports, parsing and compilation cancel out.",
        f"- Memory: peak RSS, median of runs, MiB; from {args.rss_source}.",
    ]
    busy = contention(res)
    if busy:
        L.append(f"- **Busy machine**: {busy}")
    if args.rufc_changed:
        L.append(f"- **rufc changed during the run** ({args.rufc_changed}): its columns mix two "
                 "builds; rerun for figures of one build.")
    if args.quick:
        L.append("- **--quick**: sizes about a tenth of the shared ones; "
                 "outputs checked across columns only.")
    missing = [c for c in cols if not c.available]
    if missing:
        L.append("- Not run: " + ", ".join(f"{c.label} ({c.note})" for c in missing) +
                 "; ../shared/bench/install_anchors.sh installs PyPy and LuaJIT.")
    L += ["", "## Systems", ""]
    L += md_table(["column", "version", "command"],
                  [[c.label, c.version, f"`{c.shown()}`"] for c in live], numeric=False)
    return L


def _sizes_section(plan: Plan, live: list[Column], res: dict[tuple[str, str, str], Cell]) -> list[str]:
    """The sizes table: N, 2N, the work factor and the output at 2N of each benchmark."""
    L = ["", "## Sizes", "",
         "The size literal of each program is rewritten the same way in every language "
         "(programs in a temporary directory; ../shared is not touched).", ""]
    rows = []
    for name in plan.names:
        spec = SIZES[name]
        if spec is None:
            rows.append([name, "—", "—", "—", "—", "no size: end to end only"])
            continue
        n = plan.n[name]
        ref2 = next((res[(name, c.key, "2N")].expected for c in live
                     if (name, c.key, "2N") in res and res[(name, c.key, "2N")].expected), "")
        note = {"fib": "2N calls exactly 2x fib(n)'s", "square": "n x n loops"}.get(spec.kind, "")
        note = "; ".join(x for x in (note, spec.note) if x)
        rows.append([name, describe_n(spec, n), describe_2n(spec, n),
                     f"{work_factor(spec, n):.5g}", f"`{ref2}`" if ref2 else "—", note])
    L += md_table(["benchmark", "N", "2N", "work factor", "output at 2N", "note"], rows, numeric=False)
    return L


Shown = Callable[[str, Column], str]
Ratio = Callable[[str, Column], "float | None"]


class _Tables:
    """The benchmark x column tables of the report, appended to `lines`: the geomean
    summary, end to end and marginal times, their ratios, peak memory. `fig` holds the
    figures of the report's metric, `figs` those of both metrics (for the summary)."""

    def __init__(self, plan: Plan, live: list[Column],
                 figs: dict[str, dict[tuple[str, str], Figures]], metric: str) -> None:
        self.plan, self.live, self.figs = plan, live, figs
        self.fig = figs[metric]
        self.lines: list[str] = []

    def grid(self, title: str, value: Shown, note: str = "", ratio_of: Ratio | None = None) -> None:
        """Append one benchmark x column table (plus a geomean row for ratio tables)."""
        plan, live = self.plan, self.live
        self.lines += ["", f"## {title}", ""] + ([note, ""] if note else [])
        rows = []
        for name in plan.names:
            rows.append([name] + [value(name, c) for c in live])
        if ratio_of is not None and len([n for n in plan.names if n in GROUPS["core"]]) > 1:
            rows.append(["**geomean (core)**"] + [self.geomean(ratio_of, c) for c in live])
        self.lines += md_table(["benchmark"] + [c.label for c in live], rows)

    def e2e(self, name: str, c: Column) -> str:
        f = self.fig[(name, c.key)]
        return f.e2e_bad if f.e2e is None else fmt_s(f.e2e)

    def marg(self, name: str, c: Column) -> str:
        f = self.fig[(name, c.key)]
        if f.marginal is None:
            return f.marg_bad or "—"
        return fmt_s(f.marginal) + ("*" if f.marginal < MIN_MARGINAL else "")

    def mem(self, name: str, c: Column) -> str:
        f = self.fig[(name, c.key)]
        if f.rss_n is None:
            return f.e2e_bad or "—"
        return f"{f.rss_n:.0f}" + (f" / {f.rss_2n:.0f}" if f.rss_2n is not None else "")

    def ratio_fn(self, kind: str, base: str,
                 fs: dict[tuple[str, str], Figures] | None = None) -> tuple[Shown, Ratio]:
        """Cell text and raw value of a ratio table; marginals under MIN_MARGINAL are left
        out. The raw values come from `fs` (default: the report's metric)."""
        fig = self.fig
        figs = fig if fs is None else fs

        def raw(name: str, c: Column) -> float | None:
            f, b = figs[(name, c.key)], figs.get((name, base))
            if b is None:
                return None
            x, y = (f.e2e, b.e2e) if kind == "e2e" else (f.marginal, b.marginal)
            if x is None or y is None or y <= 0:
                return None
            if kind == "marg" and (y < MIN_MARGINAL or x < MIN_MARGINAL):
                return None  # start-up jitter, not work
            return x / y

        def shown(name: str, c: Column) -> str:
            f = fig[(name, c.key)]
            bad = f.e2e_bad if kind == "e2e" else f.marg_bad
            if bad is not None:
                return bad
            r = raw(name, c)
            if r is None:
                return "n/a*" if kind == "marg" else "—"
            return fmt_ratio(r)
        return shown, raw

    def geomean(self, ratio_of: Ratio, c: Column) -> str:
        core = [n for n in self.plan.names if n in GROUPS["core"]]
        vals = [v for v in (ratio_of(n, c) for n in core) if v is not None]
        if not vals:
            return "—"
        g = math.exp(sum(math.log(v) for v in vals) / len(vals))
        return fmt_ratio(g) + ("" if len(vals) == len(core) else f" ({len(vals)}/{len(core)})")

    def summary(self, metric: str, keys: set[str]) -> None:
        """The geomean ratios over the core benchmarks, for both metrics."""
        summary = []
        for m in (metric, "cpu" if metric == "wall" else "wall"):
            for base, base_label in (("c", "C"), ("cpython", "CPython")):
                if base in keys:
                    for kind, what in (("e2e", "end to end"), ("marg", "marginal")):
                        summary.append([f"{what} / {base_label} ({m})"]
                                       + [self.geomean(self.ratio_fn(kind, base, self.figs[m])[1], c)
                                          for c in self.live])
        if summary and len([n for n in self.plan.names if n in GROUPS["core"]]) > 1:
            self.lines += [
                "", "## Summary: geomean ratio over the core benchmarks", "",
                "Higher is slower; `(k/n)`: only k of the n benchmarks had a usable figure "
                "(failed, wrong, or a marginal under 5 ms). The (cpu) rows use user + sys CPU "
                "time instead of wall time: steadier on a busy machine, but they count a "
                "system's helper threads (Node's GC and compiler threads) as work.", ""]
            self.lines += md_table(["ratio"] + [c.label for c in self.live], summary)

    def ratio_grids(self, keys: set[str]) -> None:
        """End to end and marginal ratios against C and CPython (those that ran)."""
        for base, base_label in (("c", "C"), ("cpython", "CPython")):
            if base not in keys:
                continue
            for kind, what in (("e2e", "End to end"), ("marg", "Marginal")):
                shown, raw = self.ratio_fn(kind, base)
                note = f"{base_label} = 1.00; higher is slower."
                if kind == "marg":
                    note += " `n/a*`: a marginal under 5 ms (no work to compare)."
                self.grid(f"{what}, ratio vs {base_label}", shown, note, ratio_of=raw)


def _problems_section(plan: Plan, cols: list[Column], res: dict[tuple[str, str, str], Cell]) -> list[str]:
    """Every cell that did not run cleanly, in table order."""
    problems = []
    order = [c.key for c in cols]
    for (name, key, size), cell in sorted(res.items(), key=lambda kv: (
            plan.names.index(kv[0][0]), order.index(kv[0][1]), kv[0][2] == "2N")):
        if cell.status not in ("ok", "pending"):
            label = next(c.label for c in cols if c.key == key)
            problems.append(f"- **{label} / {name} at {size}**: {cell.status} — "
                            + cell.detail.replace("\n", " ⏎ ")[-400:])
    if problems:
        return ["", "## Problems", ""] + problems
    return []


def contention(res: dict[tuple[str, str, str], Cell]) -> str:
    """Say so when runs waited for a CPU: wall well above CPU time means other load.

    The programs are single-threaded (Node aside), so on a quiet machine wall ~ CPU.
    """
    slow = total = 0
    for (_, key, _), cell in res.items():
        if key == "node" or not cell.times:
            continue
        for w, c in zip(cell.times, cell.cpu):
            if w > 0.2:  # below that, exec and page-in dominate
                total += 1
                slow += w > 1.25 * c
    if total and slow / total > 0.1:
        return (f"in {slow} of {total} runs over 0.2 s the wall time exceeded CPU time by more "
                "than 25 % (other processes had the CPUs); wall figures are noisy, the (cpu) "
                "summary rows and `--metric cpu` are steadier.")
    return ""


def resource_self_mib() -> float:
    """This runner's own peak RSS (Linux reports KiB)."""
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine_info() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = f"load {os.getloadavg()[0]:.2f} at start"
    except OSError:
        load = ""
    system = f"{platform.system()} {platform.release()}"
    return f"{cpu or platform.processor() or '?'}, {os.cpu_count()} cores, {system}, {load}"


# ------------------------------------------------------------------ main

def parse_args(argv: list[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="runs per cell, median reported (default 3)")
    ap.add_argument("--only", default="all",
                    help="comma list of benchmarks and/or groups: core, ramp, all (default all)")
    ap.add_argument("--columns", default=",".join(COLUMN_ORDER),
                    help=f"comma list of {','.join(COLUMN_ORDER)} (default: all; missing ones are skipped)")
    ap.add_argument("--metric", choices=("wall", "cpu"), default="wall",
                    help="time the tables use: wall (default) or user+sys CPU (steadier on a busy box)")
    ap.add_argument("--rufc-src", default="worktree", metavar="worktree|live|REV",
                    help="rufc to time: a snapshot of the work tree taken at start (default), "
                         "the live editable install (changes if the tree changes), or a git revision")
    ap.add_argument("--quick", action="store_true", help="about a tenth of the shared sizes (smoke test)")
    ap.add_argument("--timeout", type=float, default=300.0, help="seconds allowed for one run (default 300)")
    ap.add_argument("--out", help="markdown report (default bench/results/marginal-<stamp>.md)")
    ap.add_argument("--json", help="raw samples (default: --out with .json)")
    ap.add_argument("--render", metavar="JSON",
                    help="re-render the report of an earlier run's .json (e.g. with --metric cpu) and exit")
    return ap.parse_args(argv)


def select(args: argparse.Namespace) -> tuple[list[str], list[Column]] | str:
    names: list[str] = []
    for tok in filter(None, (t.strip() for t in args.only.split(","))):
        for n in GROUPS.get(tok, [tok]):
            if n not in SIZES:
                return f"unknown benchmark or group: {n} (known: {', '.join(SIZES)}, core, ramp, all)"
            if n not in names:
                names.append(n)
    want = [t.strip() for t in args.columns.split(",") if t.strip()]
    unknown = [k for k in want if k not in COLUMN_ORDER]
    if unknown:
        return f"unknown columns: {', '.join(unknown)} (known: {', '.join(COLUMN_ORDER)})"
    cols = [c for c in make_columns() if c.key in want]
    cols.sort(key=lambda c: want.index(c.key))
    if not names or not any(c.available for c in cols):
        return "nothing to run"
    return names, cols


def render(args: argparse.Namespace) -> int:
    """Rebuild the markdown from a saved .json: another --metric needs no new timing run."""
    data = json.loads(Path(args.render).read_text())
    cols = [Column(**c) for c in data["columns"]]
    res: dict[tuple[str, str, str], Cell] = {}
    for c in data["cells"]:
        c = dict(c)
        key = (c.pop("benchmark"), c.pop("column"), c.pop("size"))
        res[key] = Cell(**c)
    plan = Plan(data["names"], data["sizes"], {}, {})
    for k in ("runs", "quick", "rufc_changed", "rss_source"):
        setattr(args, k, data[k])
    text = report(plan, cols, res, data["mismatches"], args,
                  _dt.datetime.fromisoformat(data["started"]), data["elapsed"])
    if args.out:
        Path(args.out).write_text(text)
    print(text)
    return 0


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.render:
        return render(args)
    if args.runs < 1:
        log("--runs must be >= 1")
        return 2
    sel = select(args)
    if isinstance(sel, str):
        log(sel)
        return 2
    names, cols = sel
    for c in cols:
        if not c.available:
            log(f"skipping {c.label}: {c.note}")
    timer_bin = gnu_time()
    live_rufc = args.rufc_src == "live" and any(c.available and c.key.startswith("rufc") for c in cols)
    fp_start = rufc_fingerprint() if live_rufc else ""
    args.rss_source = (f"GNU time %M ({timer_bin}), which adds one ~1 ms exec to every wall time"
                       if timer_bin else
                       "os.wait4 ru_maxrss (no GNU time): includes this runner's own RSS, "
                       f"~{resource_self_mib():.0f} MiB, as a floor")
    started = _dt.datetime.now(_dt.UTC)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rufc-marginal-") as td:
        work = Path(td)
        if args.rufc_src != "live" and "RUFC" not in os.environ:
            use_snapshot(cols, args.rufc_src, work / "rufc")
            for c in cols:
                if c.key.startswith("rufc") and not c.available:
                    log(f"skipping {c.label}: {c.note}")
        plan = prepare(names, cols, work, args.quick)
        res = measure_all(plan, cols, args.runs, args.timeout, work, timer_bin)
    elapsed = time.perf_counter() - t0
    fp_end = rufc_fingerprint() if live_rufc else ""
    args.rufc_changed = f"{fp_start} -> {fp_end}" if fp_start != fp_end else ""
    if args.rufc_changed:
        log(f"warning: rufc changed during the run: {args.rufc_changed}")
    mismatches = check_outputs(plan, cols, res, args.quick)
    text = report(plan, cols, res, mismatches, args, started, elapsed)
    out = Path(args.out) if args.out else BENCH_DIR / "results" / f"marginal-{started:%Y%m%d-%H%M%S}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    jpath = Path(args.json) if args.json else out.with_suffix(".json")
    jpath.write_text(json.dumps({
        "started": started.isoformat(), "elapsed": elapsed, "machine": machine_info(),
        "runs": args.runs, "quick": args.quick, "metric": args.metric, "sizes": plan.n,
        "rufc_src": args.rufc_src, "rufc_changed": args.rufc_changed,
        "rss_source": args.rss_source, "names": plan.names, "mismatches": mismatches,
        "columns": [asdict(c) for c in cols],
        "cells": [{"benchmark": k[0], "column": k[1], "size": k[2], **asdict(v)} for k, v in res.items()],
    }, indent=1))
    print(text)
    log(f"wrote {out} and {jpath}")
    bad = any(c.status not in ("ok", "pending") for c in res.values()) or bool(mismatches)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
