"""Translate the compact `ruff` IR into Python functions: the cold tier's dispatch form.

Each `ruff.func` becomes one Python function, compiled once by CPython, so the VM
never interprets ops one by one: CPython's own bytecode loop does the dispatch, local
slots are Python locals, globals are entries of the generated module's dict (read with
CPython's cached global loads), and structured control flow maps 1:1 to Python's.

What Ruff adds to Python's semantics is spelled out as guards around the fast path:
- int arithmetic is checked against i64 (a range test on the result);
- operand types Python accepts but Ruff does not are refused: `RBool` and the
  container classes have no arithmetic, and any TypeError/ZeroDivisionError from a
  fast path re-runs the operation in `rufc.runtime.semantics`, which raises the exact
  Ruff error (the one definition of every rule);
- static kinds (`rufc.runtime.types`) drop the guards that cannot fire.

The facts about the IR the generator relies on (defs and uses, push idioms, lazy
global callees, forwarding into locals, maybe-unbound slots) come from
`rufc.runtime.analysis`; this module only decides how they are spelled in Python.
Runtime helpers are named through `H` (checked against `rufc.runtime.helpers`, the
one helper table).

Every generated line maps back to the op it came from (`GeneratedModule.line_table`),
so runtime errors and `e.stack` get Ruff file:line:col and function names from Python
tracebacks without any bookkeeping on the fast path.

Generated names: `v<N>` slot N, `c<N>` slot N held in a cell (a one-element list),
`f<N>` free cell N, `t<N>` SSA value N, `G_<name>` a global (builtins are pre-bound
there), `S_<sym>` a struct type, `F_<sym>` a function (`P_<sym>` its version without
counters), `MK_<sym>` the factory of a closure, `K_<sym>` the call counter of a function.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rufc.dialects.optable import MAIN_SYMBOL, Module, Op, Region
from rufc.runtime import analysis, chunking
from rufc.runtime.helpers import DEPTH_HEADROOM, OPERATOR_HELPERS, VM_HELPERS
from rufc.runtime.names import py_name  # re-exported: codegen.py_name
from rufc.runtime.types import NUMERIC, Inference, Ranges, slot_of

# The first line of every generated function but the top level: the call-depth limit
# (docs/jit.md, Call depth). The frame fails as it starts, at its first line, when
# CPython's recursion budget (`ROOM.value`, this thread's recursion_remaining, read
# without a call) has less than helpers.DEPTH_HEADROOM levels left after its own frame:
# exactly the frame after the Ruff limit N (VM.run sets Python's limit for that). Every
# frame that runs therefore has that headroom for the runtime helpers it calls and for
# the tiers' hooks (ON_HOT, ON_HOT_LOOP, which then raise the limit by HOOK_FRAMES).
# Native code fails the same frame as it starts (its segment's frame budget).
DEPTH_TRIP: Final = (f"    if ROOM.value < {DEPTH_HEADROOM}: raise RecursionError"
                     "   # the call-depth limit (codegen.DEPTH_TRIP)")
RANGE_CHECK: Final = "-9223372036854775808 <= {0} <= 9223372036854775807"

_PY_OPS: Final = {"ruff.add": "+", "ruff.sub": "-", "ruff.mul": "*", "ruff.div": "/",
                  "ruff.mod": "%", "ruff.eq": "==", "ruff.ne": "!=", "ruff.lt": "<",
                  "ruff.le": "<=", "ruff.gt": ">", "ruff.ge": ">="}
_VARIANTS: Final = {"Ok": "ROk", "Err": "RErr", "Some": "RSome"}


class _Helpers:
    """The names of runtime helpers in generated code: `H.INDEX` is "INDEX", and
    `getattr(H, name)` for a name computed elsewhere (`OPERATOR_HELPERS`). Every
    name is looked up in the helper table (`rufc.runtime.helpers.VM_HELPERS`, which
    the VM binds into the generated code's namespace) when the code is generated, so
    a misspelt or removed helper fails the code generator, not the program that
    reaches that line. The values and hooks the VM binds itself (TRUE, UNBOUND,
    ON_HOT, REENTER, ...) are not helpers and are written directly."""

    def __getattr__(self, name: str) -> str:
        if name not in VM_HELPERS:
            raise AttributeError(f"generated code calls {name!r}, which is not in "
                                 f"rufc.runtime.helpers.VM_HELPERS")
        return name


H: Final = _Helpers()


class CompileError(Exception):
    """IR the cold tier cannot run: blocks nested deeper than CPython allows (about 100
    indentation levels and 20 nested loops/try blocks per function), or a ruff.call_builtin
    of a name that is no builtin (only possible in hand-written .mlir input)."""

    def __init__(self, message: str, line: int, col: int) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


MAX_EXPR: Final = 800        # characters of a nested expression (~130 levels at most)
MAX_INDENT: Final = 92           # Python indentation levels generated code may use (<100)
MAX_RUFF_NESTING: Final = 80     # Ruff block nesting that always fits in MAX_INDENT
MAX_BLOCKS: Final = 18
# loops whose continuation native code can run (rufc.passes.outline_loop.LOOPS)
OSR_LOOPS: Final = frozenset({"ruff.for_range", "ruff.while", "ruff.loop"})


@dataclass
class GenOptions:
    jit: bool = True              # emit the call counters
    threshold: int = 100
    # Loop counters (a trip-count test at the entry of counted loops, a back-edge
    # counter in while/loop): off until on-stack replacement can act on a hot loop (a
    # loop JIT is its own issue). In the loops of a function called once, the
    # program's main(), they cost time for nothing (sieve about 10%, nbody 3%).
    loop_counters: bool = False
    # `rufc run --stats` (rufc.runtime.stats): every version of a function counts its
    # calls in K_<sym> and every loop its iterations in LOOPS; off, nothing is emitted.
    stats: bool = False


class FuncGen:
    """Generates the Python source of one ruff.func."""

    def __init__(self, mod: ModuleGen, func: Op, counting: bool = False) -> None:
        self.mod = mod
        self.func = func
        self.counting = counting   # emit the call and loop counters of the tiering hooks
        self.sym: str = func.attrs["sym_name"]  # type: ignore[assignment]
        self.params: tuple[str, ...] = func.attrs["params"]  # type: ignore[assignment]
        self.slot_names = [s.split(":")[0] for s in func.attrs["slots"]]  # type: ignore[union-attr]
        self.cells: set[int] = set(func.attrs["cells"])  # type: ignore[arg-type]
        self.free: tuple[str, ...] = func.attrs["free"]  # type: ignore[assignment]
        # "x:let" / "x:const": a captured immutable binding (LANGUAGE.md §6)
        self.free_kinds = [f.split(":")[1] if ":" in f else "mut" for f in self.free]
        facts = mod.facts(func)   # the analyses, shared by both versions of the function
        self.slot_kinds = facts.slot_kinds
        self.infer = facts.infer
        self.ranges = facts.ranges
        self.out: list[tuple[str, int, int]] = []   # (text, ruff line, ruff col)
        self.depth = 1
        self.exprs: dict[int, str] = {}
        self.consts: set[int] = set()
        self.boxed: set[str] = set()   # boxed temporaries of comparison results
        self.skip: set[int] = set()
        self.release: set[int] = set()   # temporaries to drop once stored (copy-on-write)
        self.defs: dict[int, Op] = facts.defs
        self.uses: dict[int, int] = facts.uses
        # ids of the call_builtin ops of `a := push(a, x)` that append in place
        self.push_into = facts.push_into
        self.globals_written: set[str] = set()
        self.maybe_slots = facts.maybe_slots
        self.plain_slots = facts.plain_slots
        # global loads read at their call instead
        self.lazy_globals = facts.lazy_globals
        # `g = g + y` on a global that may be a string: id(add) -> the idiom (the
        # helper APPEND_G appends in place); ids of their loads
        self.appends = {k: a for k, a in facts.appends.items()
                        if a.load.attrs["name"] not in self.mod.immutable_globals
                        and analysis.may_append_strings(a, self.kind)}
        self.append_loads = {id(a.load) for a in self.appends.values()}
        self.forward: dict[int, str] = {}     # value -> local it is computed straight into
        self._forward_store = facts.forward_store
        for v, fw in self._forward_store.items():
            self.forward[v] = f"v{fw.slot}"
            self.skip.add(id(fw.store))
        self.loop_id = 0
        self.blocks = 0
        self.is_main = self.sym == MAIN_SYMBOL

    # ------------------------------------------------------------ utilities

    def dest(self, v: int) -> str:
        """Where an op computes its result v: a forwarded local, or a temporary."""
        name = self.forward.get(v)
        if name is None:
            return self.tmp(v)
        self.exprs[v] = name
        return name

    def line(self, text: str, op: Op | None = None) -> None:
        if self.depth > MAX_INDENT:
            raise CompileError(f"blocks nested too deeply (rufc supports {MAX_RUFF_NESTING} levels)",
                               op.line if op else 0, op.col if op else 0)
        self.out.append(("    " * self.depth + text, op.line if op else 0, op.col if op else 0))

    def kind(self, v: int) -> str:
        return self.infer.kind(v)

    def e(self, v: int) -> str:
        """The expression of SSA value v, as a Ruff value."""
        x = self.exprs[v]
        if self.infer.kind(v) == "i1":
            return f"(TRUE if {x} else FALSE)"
        return x

    def cond(self, v: int) -> str:
        """The expression of v as a Python truth value."""
        return self.exprs[v]

    def tmp(self, v: int) -> str:
        name = f"t{v}"
        self.exprs[v] = name
        return name

    def atom(self, v: int) -> str:
        """v as a Ruff value that is cheap to evaluate twice (a name or a literal). A raw
        comparison result (kind i1) is boxed into an RBool first."""
        x = self.exprs[v]
        if self.infer.kind(v) == "i1":
            name = f"t{v}b"
            if name not in self.boxed:
                self.boxed.add(name)
                self.out.append(("    " * self.depth + f"{name} = (TRUE if {x} else FALSE)", 0, 0))
            return name
        if x.isidentifier() or v in self.consts:
            return x
        name = f"t{v}"
        self.out.append(("    " * self.depth + f"{name} = {x}", 0, 0))
        self.exprs[v] = name
        return name

    def guarded(self, op: Op, body: str, catch: str, fallback: str) -> None:
        """`try: body / except catch: fallback`: a fast path whose failure hands the
        operation to its slow path (which computes the value or raises the Ruff error).
        A `try` costs nothing in CPython 3.11 until something is raised."""
        self.line("try:", op)
        self.line("    " + body, op)
        self.line(f"except {catch}:", op)
        self.line("    " + fallback, op)

    def inline(self, v: int) -> str:
        """v's expression, nested into its single user (else materialized once)."""
        if self.uses.get(v) == 1 and self.kind(v) != "i1":
            return self.exprs[v]
        return self.atom(v)

    def obj(self, v: int) -> str:
        """v as the object of an attribute access (`5.data` is not Python; `(5).data` is)."""
        x = self.atom(v)
        return f"({x})" if v in self.consts else x

    def slot_ref(self, slot: int) -> str:
        return f"c{slot}[0]" if slot in self.cells else f"v{slot}"

    def ref_expr(self, ref: str, name: str) -> str:
        r = ref.rstrip("?")
        if r == "g" or r == "b":
            self.mod.global_names.add(name)
            return "G_" + py_name(name)
        if r.startswith("l"):
            return self.slot_ref(int(r[1:]))
        return f"f{int(r[1:])}[0]"

    def region(self, region: Region) -> None:
        start = len(self.out)
        for op in region.ops:
            self.op(op)
        if len(self.out) == start:
            self.line("pass")

    # ------------------------------------------------------------ the function

    def generate(self) -> list[tuple[str, int, int]]:
        f = self.func
        params = ", ".join(f"v{i}" for i in range(len(self.params)))
        body_start = len(self.out)
        self._slot_prologue()
        self.region(f.regions[0])
        if not self.is_main:
            self.line("return None")
        body = self.out[body_start:]
        self.out = self.out[:body_start]
        fname = "F_" + py_name(self.sym)
        head = self._head(fname, params, body)
        if self.is_main:   # a very long top level: in parts (runtime/chunking.py)
            body, parts = chunking.split(body, f"{fname}_{'k' if self.counting else 'p'}",
                                         [h for h in head if h[0].startswith("    global ")])
            return head + body + parts
        return head + body

    def _slot_prologue(self) -> None:
        """The body's first lines: cells for captured parameters, UNBOUND for the slots
        that may be read unbound and for other cells, no kind yet for mixed slots."""
        for i in range(len(self.params)):
            if i in self.cells:
                self.line(f"c{i} = [v{i}]")
        for slot in sorted(self.maybe_slots):
            if slot >= len(self.params):
                self.line(f"c{slot} = [UNBOUND]" if slot in self.cells else f"v{slot} = UNBOUND")
        for slot in sorted(self.cells):
            if slot >= len(self.params) and slot not in self.maybe_slots:
                self.line(f"c{slot} = [UNBOUND]")
        for i, k in enumerate(self.slot_kinds):
            if k == "mixed":
                self.line(f"k{i} = None")

    def _head(self, fname: str, params: str,
              body: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
        """The function's `def` line and the lines before its body: `global`, the depth
        trip (DEPTH_TRIP, at the body's first located line), and the call counting of
        the tiers (the hot hook; --stats inserts its counting into `body`)."""
        f = self.func
        head: list[tuple[str, int, int]] = []
        head.append((f"def {fname}({params}):", f.line, f.col))
        if self.globals_written:
            head.append(("    global " + ", ".join(sorted(self.globals_written)), f.line, f.col))
        if not self.is_main:
            first = next(((ln, col) for _, ln, col in body if ln), (f.line, f.col))
            head.append((DEPTH_TRIP, *first))
        if self.counting:
            k = "K_" + py_name(self.sym)
            head.append((f"    {k}[0] += 1", f.line, f.col))
            args = "".join(f"v{i}, " for i in range(len(self.params)))
            # at the threshold: the hot hook; when it answers that the function now
            # has a native entry, this very call runs there (REENTER)
            t = max(self.mod.options.threshold, 1)
            head.append((f"    if {k}[0] == {t} and ON_HOT({fname}, ({args})):", f.line, f.col))
            head.append((f"        return REENTER({fname}, ({args}))", f.line, f.col))
        elif self.mod.options.stats:
            body.insert(0, (f"    K_{py_name(self.sym)}[0] += 1", f.line, f.col))
        return head

    # ------------------------------------------------------------ ops

    def op(self, op: Op) -> None:
        if id(op) in self.skip:
            return
        getattr(self, "op_" + op.name[5:])(op)
        if op.results and len(self.exprs.get(op.results[0], "")) > MAX_EXPR:
            # A long chain of nested single-use expressions: compute this part now, so
            # that no expression outgrows CPython's parser (200 nested parentheses)
            # and building the text stays linear.
            r = op.results[0]
            self.line(f"t{r} = {self.exprs[r]}", op)
            self.exprs[r] = f"t{r}"
        if op.results and op.results[0] in self._forward_store:
            r = op.results[0]
            local = f"v{self._forward_store[r].slot}"
            if self.exprs[r] != local:  # the handler did not compute into the local
                self.line(f"{local} = {self.e(r)}", op)
                self._release(r, op)

    def op_const(self, op: Op) -> None:
        v = op.attrs["value"]
        if v is True:
            x = "TRUE"
        elif v is False:
            x = "FALSE"
        elif isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
            x = f"float({str(v)!r})"
        else:
            x = repr(v)
        self.exprs[op.results[0]] = x
        self.consts.add(op.results[0])

    def op_get_struct(self, op: Op) -> None:
        self.exprs[op.results[0]] = "S_" + py_name(op.attrs["sym"])  # type: ignore[arg-type]

    def op_make_function(self, op: Op) -> None:
        sym = py_name(op.attrs["callee"])  # type: ignore[arg-type]
        caps = op.attrs["captures"]
        if not caps:
            self.exprs[op.results[0]] = "F_" + sym
            return
        cells = []
        for ref in caps:  # type: ignore[union-attr]
            cells.append(f"c{int(ref[1:])}" if ref.startswith("l") else f"f{int(ref[1:])}")
        self.line(f"{self.tmp(op.results[0])} = MK_{sym}({', '.join(cells)})", op)

    def op_scope_enter(self, op: Op) -> None:
        for slot in op.ints_attr("slots"):
            if slot in self.cells:
                self.line(f"c{slot} = [UNBOUND]", op)
            elif slot in self.maybe_slots:
                self.line(f"v{slot} = UNBOUND", op)
            if self.slot_kinds[slot] == "mixed":
                self.line(f"k{slot} = None", op)

    # ---- variables

    def op_load_var(self, op: Op) -> None:
        name: str = op.attrs["name"]  # type: ignore[assignment]
        chain: tuple[str, ...] = op.attrs["chain"]  # type: ignore[assignment]
        r = op.results[0]
        if len(chain) == 1 and chain[0].startswith("l") and not chain[0].endswith("?") \
                and int(chain[0][1:]) not in self.cells:
            self.exprs[r] = f"v{int(chain[0][1:])}"
            return
        if r in self.lazy_globals or id(op) in self.append_loads:
            self.mod.global_names.add(name)
            self.exprs[r] = "G_" + py_name(name)
            if id(op) in self.append_loads:   # read here: Undefined variable at the load
                self.line(self.exprs[r], op)
            return
        t = self.tmp(r)
        self._load_chain(t, name, chain, op)

    def _load_chain(self, t: str, name: str, chain: tuple[str, ...], op: Op) -> None:
        """t := the first bound candidate of chain, else Undefined variable."""
        if not chain:
            self.line(f"raise {H.UNDEF}({name!r})", op)
            return
        opened = 0
        for i, ref in enumerate(chain):
            src = self.ref_expr(ref, name)
            if ref in ("g", "b"):
                # An unbound global raises NameError; the VM words it as
                # `Undefined variable: name` where it is caught (see VM.message_of).
                self.line(f"{t} = {src}", op)
                break
            self.line(f"{t} = {src}", op)
            if not ref.endswith("?"):
                break
            if i == len(chain) - 1:
                self.line(f"if {t} is UNBOUND: raise {H.UNDEF}({name!r})", op)
                break
            self.line(f"if {t} is UNBOUND:", op)
            self.depth += 1
            opened += 1
        self.depth -= opened

    def _assign_slot_checked(self, slot: int, value: str, name: str, op: Op, mutate: bool = False) -> None:
        kind = self.slot_kinds[slot]
        verb = "mutate" if mutate else "reassign"
        if kind in ("let", "const"):
            self.line(f"raise {H.IMMUTABLE}({verb!r}, {kind!r}, {name!r})", op)
            return
        if kind == "mixed":
            self.line(f"if k{slot} is not None: raise {H.IMMUTABLE}({verb!r}, k{slot}, {name!r})", op)
        if value != self.slot_ref(slot):
            self.line(f"{self.slot_ref(slot)} = {value}", op)

    def _assign_ref(self, ref: str, value: str, name: str, op: Op, mutate: bool = False) -> None:
        r = ref.rstrip("?")
        if r in ("g", "b"):
            g = "G_" + py_name(name)
            self.globals_written.add(g)
            self.mod.global_names.add(name)
            if name in self.mod.immutable_globals:
                verb = "mutate" if mutate else "reassign"
                self.line(f"if {name!r} in IMM: raise {H.IMMUTABLE}({verb!r}, IMM[{name!r}], {name!r})", op)
            self.line(f"{g} = {value}", op)
        elif r.startswith("l"):
            self._assign_slot_checked(int(r[1:]), value, name, op, mutate)
        else:
            kind = self.free_kinds[int(r[1:])]
            if kind in ("let", "const"):
                verb = "mutate" if mutate else "reassign"
                self.line(f"raise {H.IMMUTABLE}({verb!r}, {kind!r}, {name!r})", op)
                return
            self.line(f"f{int(r[1:])}[0] = {value}", op)

    def _bound_test(self, ref: str, name: str) -> str:
        r = ref.rstrip("?")
        if r in ("g", "b"):
            self.mod.global_names.add(name)
            return f"{('G_' + py_name(name))!r} in GD"
        return f"{self.ref_expr(r, name)} is not UNBOUND"

    def op_store_var(self, op: Op) -> None:
        name: str = op.attrs["name"]  # type: ignore[assignment]
        chain: tuple[str, ...] = op.attrs["chain"]  # type: ignore[assignment]
        create: str = op.attrs["create"]  # type: ignore[assignment]
        simple = len(chain) == 1 and slot_of(chain[0]) is not None
        value = self.atom(op.operands[0]) if chain and not simple else self.e(op.operands[0])
        self._store_chain(name, chain, create, value, op)
        self._release(op.operands[0], op)

    _CONTAINER_MAKERS: Final = frozenset({
        "ruff.make_array", "ruff.make_dict", "ruff.make_struct", "ruff.call", "ruff.call_builtin",
        "ruff.call_method", "ruff.get_index", "ruff.get_field", "ruff.payload", "ruff.unpack_array",
        "ruff.unpack_dict"})

    def _release(self, v: int, op: Op) -> None:
        """Drop the temporary holding v once v is stored, so that the variable is the
        value's only owner (copy-on-write counts references)."""
        x = self.exprs.get(v, "")
        if not (x.startswith("t") and x[1:].isdigit()):
            return
        d = self.defs.get(v)
        if v in self.release or (d is not None and d.name in self._CONTAINER_MAKERS
                                 and self.uses.get(v) == 1
                                 and self.kind(v) not in ("int", "float", "str", "bool", "null")):
            self.line(f"{x} = None", op)

    def _store_chain(self, name: str, chain: tuple[str, ...], create: str, value: str, op: Op) -> None:
        # A global that is both the last candidate and the binding to create needs no test.
        if chain and create == "g" and chain[-1] in ("g", "b"):
            chain = tuple(r for r in chain if r not in ("g", "b")) + ("g",)
            if len(chain) == 1:
                self._assign_ref("g", value, name, op)
                return
        first = True
        for ref in chain:
            sure = (not ref.endswith("?") and ref not in ("g", "b")) or (ref == "g" and create == "g")
            if sure:
                if first:
                    self._assign_ref(ref, value, name, op)
                else:
                    self.line("else:", op)
                    self.depth += 1
                    self._assign_ref(ref, value, name, op)
                    self.depth -= 1
                return
            self.line(f"{'if' if first else 'elif'} {self._bound_test(ref, name)}:", op)
            self.depth += 1
            self._assign_ref(ref, value, name, op)
            self.depth -= 1
            first = False
        if first:
            self._create(create, value, name, op)
        else:
            self.line("else:", op)
            self.depth += 1
            self._create(create, value, name, op)
            self.depth -= 1

    def _create(self, ref: str, value: str, name: str, op: Op) -> None:
        if ref == "g":
            g = "G_" + py_name(name)
            self.globals_written.add(g)
            self.mod.global_names.add(name)
            self.line(f"{g} = {value}", op)
            return
        slot = int(ref[1:])
        self.line(f"{self.slot_ref(slot)} = {value}", op)
        if self.slot_kinds[slot] == "mixed":
            self.line(f"k{slot} = None", op)

    def op_declare_var(self, op: Op) -> None:
        name: str = op.attrs["name"]  # type: ignore[assignment]
        kind: str = op.attrs["kind"]  # type: ignore[assignment]
        target: str = op.attrs["target"]  # type: ignore[assignment]
        value = self.e(op.operands[0])
        if target == "g":
            self.mod.global_names.add(name)
            self.line(f"GDECLARE({name!r}, {value}, {kind!r}, {bool(op.attrs['check'])})", op)
            return
        slot = int(target[1:])
        if op.attrs["check"]:
            self.line(f"if {self.slot_ref(slot)} is not UNBOUND: raise {H.DUPLICATE}({name!r})", op)
        self.line(f"{self.slot_ref(slot)} = {value}", op)
        if self.slot_kinds[slot] == "mixed":
            self.line(f"k{slot} = {None if kind == 'mut' else kind!r}", op)
        self._release(op.operands[0], op)

    def op_update_path(self, op: Op) -> None:
        name: str = op.attrs["name"]  # type: ignore[assignment]
        chain: tuple[str, ...] = op.attrs["chain"]  # type: ignore[assignment]
        path: tuple[str, ...] = op.attrs["path"]  # type: ignore[assignment]
        vals = [self.atom(v) for v in op.operands]
        value, indices = vals[0], vals[1:]
        # Fast path: `a[i] := v` on a plain local slot holding a uniquely owned array.
        if (path == ("[]",) and len(chain) == 1 and chain[0].startswith("l")
                and not chain[0].endswith("?") and int(chain[0][1:]) not in self.cells
                and self.slot_kinds[int(chain[0][1:])] == "mut"):
            slot = int(chain[0][1:])
            v = f"v{slot}"
            i = indices[0]
            vk = self.kind(op.operands[0])
            sk = self.infer.slot_kind(slot)
            checks = [] if sk.startswith("array:") else [f"type({v}) is RArray"]
            checks.append(f"{H.GRC}({v}) == 2")
            if vk == "int" and sk != "array:int":  # only ints were ever stored: not array('d')
                checks.append(f"{v}.et is not float")
            elif vk not in ("int", "float"):
                checks.append(f"({v}.et is None or type({value}) is {v}.et)")
            self.line(f"if {' and '.join(checks)}:", op)
            self.depth += 1
            self.guarded(op, f"{v}.data[{i}] = {value}", "(IndexError, TypeError)",
                         f"{v} = {H.UPDATE}({v}, {path!r}, ({i},), {value})")
            self.depth -= 1
            self.line("else:", op)
            self.line(f"    {v} = {H.UPDATE}({v}, {path!r}, ({i},), {value})", op)
            return
        self.loop_id += 1
        t = f"u{self.loop_id}"
        self._load_chain(t, name, chain, op)
        if not chain:
            return
        new = f"{H.UPDATE}({t}, {path!r}, ({', '.join(indices)}{',' if indices else ''}), {value}, 2)"
        # store back to the binding that held it (the first bound candidate)
        if len(chain) == 1 or not chain[0].endswith("?"):
            self._assign_ref(chain[0], new, name, op, mutate=True)
            self.line(f"{t} = None", op)
            return
        first = True
        for ref in chain:
            if ref.endswith("?") or ref in ("g", "b"):
                self.line(f"{'if' if first else 'elif'} {self._bound_test(ref, name)}:", op)
            else:
                self.line("else:", op)
            self.depth += 1
            self._assign_ref(ref, new, name, op, mutate=True)
            self.depth -= 1
            first = False
        self.line(f"{t} = None", op)

    # ---- arithmetic and comparisons

    def _binary(self, op: Op) -> None:
        """An arithmetic operator or a comparison. The cases are methods by operator
        family: ordering, +-* (`_add_sub_mul`), / and % (`_div`, `_mod`)."""
        a_v, b_v = op.operands
        ka, kb = self.infer.boxed(a_v), self.infer.boxed(b_v)   # atom() boxes comparisons
        r0 = op.results[0]
        known_pair = (ka in NUMERIC and kb in NUMERIC) or (ka == kb == "str")
        # `x = x + y` on strings appends in place, and must say so when that fails
        appends = ka == "str" and op.name == "ruff.add" \
            and self.forward.get(r0) == self.exprs.get(a_v) != self.exprs.get(b_v)
        if known_pair and not appends and (op.name in ("ruff.lt", "ruff.le", "ruff.gt", "ruff.ge") or (
                op.name in ("ruff.add", "ruff.sub", "ruff.mul")
                and self.kind(r0) in ("float", "str"))):
            # Cannot fail and is evaluated once: nest the operands' expressions.
            x, y = _ieee_order(self.inline(a_v), ka, self.inline(b_v), kb)
            self.exprs[r0] = f"({x} {_PY_OPS[op.name]} {y})"
            return
        a, b = self.atom(a_v), self.atom(b_v)
        r = op.results[0]
        name = op.name
        sym = _PY_OPS[name]
        helper = getattr(H, OPERATOR_HELPERS[name]) if name in OPERATOR_HELPERS else None
        if name in ("ruff.eq", "ruff.ne"):
            self.exprs[r] = self._equality(a, ka, b, kb, name == "ruff.ne")
            return
        if name in ("ruff.lt", "ruff.le", "ruff.gt", "ruff.ge"):
            self._ordering(op, a, ka, b, kb, sym, helper)
            return
        both_int = ka == "int" and kb == "int"
        rk = self.kind(r)
        known = ka in NUMERIC and kb in NUMERIC or (ka == kb == "str")
        if name in ("ruff.add", "ruff.sub", "ruff.mul"):
            self._add_sub_mul(op, a, b, sym, helper, both_int, rk, known)
            return
        t = self.tmp(r)
        floaty = rk == "float"
        if name == "ruff.div":
            self._div(op, t, a, b, both_int, floaty)
        else:
            self._mod(op, t, a, a_v, b, both_int, floaty)

    def _ordering(self, op: Op, a: str, ka: str, b: str, kb: str, sym: str, helper: str | None) -> None:
        """`<`, `<=`, `>`, `>=` on atoms a and b (kinds ka and kb)."""
        r = op.results[0]
        if (ka in NUMERIC and kb in NUMERIC) or (ka == kb == "str"):
            x, y = _ieee_order(a, ka, b, kb)
            self.exprs[r] = f"({x} {sym} {y})"
            return
        t = self.tmp(r)
        # Python orders an int and a float exactly; Ruff converts the int to float
        # first (semantics._order_operands). Inline, not a helper: a Python call
        # per comparison is slow.
        nums = "(int, float)"
        mixed = f"type({a}) in {nums} and type({b}) in {nums}"
        self.guarded(op, f"{t} = {a} {sym} {b} if type({a}) is type({b}) else "
                         f"(float({a}) {sym} float({b}) if {mixed} else {helper}({a}, {b}))",
                     "TypeError", f"{t} = {helper}({a}, {b})")

    def _add_sub_mul(self, op: Op, a: str, b: str, sym: str, helper: str | None,
                     both_int: bool, rk: str, known: bool) -> None:
        """`+`, `-`, `*` on atoms a and b: the result kind `rk` and whether both operands'
        kinds are known (`known`) decide which checks the code needs."""
        r = op.results[0]
        name = op.name
        if id(op) in self.appends:
            self._append_global(op, a, b, sym, helper, rk, known)
            return
        if (name == "ruff.add" and self.forward.get(r) == a != b and not both_int
                and rk != "float"):
            self._append(op, a, b, helper, rk, known)
            return
        if rk in ("float", "str") and known:  # nothing to check
            self.exprs[r] = f"({a} {sym} {b})"
            return
        if both_int and r in self.forward and not (a == b == self.forward[r]):
            t = self.dest(r)
            out_of_range = self._overflow_test(op, t)
            self.line(f"{t} = {a} {sym} {b}", op)
            if out_of_range:  # t overwrote an operand: put it back (exact in Python
                # ints; a handler sees the variable unchanged), then the rule raises
                self.line(f"if {out_of_range}: {_restore(name, t, a, b)}; {helper}({a}, {b})", op)
            return
        self.forward.pop(r, None)  # other paths compute into a temporary (see op())
        self._add_sub_mul_into(op, self.tmp(r), a, b, sym, helper, both_int, rk)

    def _add_sub_mul_into(self, op: Op, t: str, a: str, b: str, sym: str, helper: str | None,
                          both_int: bool, rk: str) -> None:
        """The checked `+`, `-`, `*` on atoms a and b into temporary t."""
        name = op.name
        out_of_range = self._overflow_test(op, t)
        if both_int:
            self.line(f"{t} = {a} {sym} {b}", op)
            if out_of_range:
                self.line(f"if {out_of_range}: {helper}({a}, {b})", op)
            return
        if rk in ("float", "str"):  # one operand known: Python raises for the rest
            self.guarded(op, f"{t} = {a} {sym} {b}", "TypeError", f"{t} = {helper}({a}, {b})")
            return
        self.line("try:", op)
        if name == "ruff.mul":  # never let Python repeat a string: Ruff refuses str * int
            self.line(f"    {t} = {a} * {b} if type({a}) is not str and type({b}) is not str "
                      f"else {helper}({a}, {b})", op)
        else:
            self.line(f"    {t} = {a} {sym} {b}", op)
        if name == "ruff.mul":  # only numbers may pass
            self.line(f"    if type({t}) is not float and not {RANGE_CHECK.format(t)}: "
                      f"{t} = {helper}({a}, {b})", op)
        elif out_of_range:  # a string result fails the range test: slow path
            self.line(f"    if {out_of_range}: {t} = {helper}({a}, {b})", op)
        # MemoryError/OverflowError: Python tried a huge str * int repetition
        self.line("except (TypeError, MemoryError, OverflowError):", op)
        self.line(f"    {t} = {helper}({a}, {b})", op)

    def _append(self, op: Op, x: str, b: str, helper: str | None, rk: str, known: bool) -> None:
        """`x = x + b` with x a plain local (the value is forwarded into it), which may
        be a string: computed as `x = x + b` itself, which CPython runs as an in-place
        append when x holds the only reference to its string (its BINARY_OP
        specialization for a local stored straight back), so a string built in a loop
        costs linear time. When that append runs out of memory, CPython may have
        freed x: H.APPEND_FAILED ends the program (errors.FatalError), as every tier
        does then, instead of letting a handler see x unbound. (A MemoryError of
        H.ADD, on other kinds, is raised in the `except TypeError` and stays
        catchable.)"""
        r = op.results[0]
        self.exprs[r] = x   # computed into the local: the store has nothing left to do
        self.line("try:", op)
        self.line(f"    {x} = {x} + {b}", op)
        out_of_range = None if rk == "str" else self._overflow_test(op, x)
        if out_of_range:   # an int sum beyond i64: x back as it was, the rule raises
            self.line(f"    if type({x}) is int and {out_of_range}: "
                      f"{_restore('ruff.add', x, x, b)}; {helper}({x}, {b})", op)
        if not known:   # not two strs: Python refused (e.g. str + int); the rule says why
            self.line("except TypeError:", op)
            self.line(f"    {x} = {helper}({x}, {b})", op)
        self.line("except MemoryError:", op)
        self.line(f"    {H.APPEND_FAILED}()", op)

    def _append_global(self, op: Op, g: str, b: str, sym: str, helper: str | None, rk: str,
                       known: bool) -> None:
        """`g = g + b` on a global g (an `append_idioms` idiom; its load only checked
        that g is bound): a string goes to APPEND_G, which takes it out of the
        namespace while it appends, so that CPython can append in place (a global's
        string is held by the namespace and by whoever reads it, so `g + b` copies
        it); anything else is added as usual. The store then finds g already holding
        the sum, and the temporary is dropped after it (copy-on-write and CPython's
        append count references)."""
        r = op.results[0]
        t = self.tmp(r)
        self.release.add(r)
        name = self.appends[id(op)].load.attrs["name"]
        append = f"{t} = {H.APPEND_G}(GD, {name!r}, {g!r}, {b})"
        if known:   # two strings
            self.line(append, op)
            return
        self.line(f"if type({g}) is str:", op)
        self.line(f"    {append}", op)
        self.line("else:", op)
        self.depth += 1
        self._add_sub_mul_into(op, t, g, b, sym, helper, False, rk)
        self.depth -= 1

    def _div(self, op: Op, t: str, a: str, b: str, both_int: bool, floaty: bool) -> None:
        """`/` on atoms a and b into temporary t (Ruff's int division truncates)."""
        if both_int:
            self.guarded(op, f"{t} = {a} // {b}", "ZeroDivisionError", f"{t} = {H.DIV}({a}, {b})")
            self.line(f"if {t} < 0 and {t} * {b} != {a}: {t} += 1", op)
            self.line(f"elif {t} > 9223372036854775807: {H.DIV}({a}, {b})", op)
            return
        if floaty:
            self.guarded(op, f"{t} = {a} / {b}", "(TypeError, ZeroDivisionError)",
                         f"{t} = {H.DIV}({a}, {b})")
            return
        self.guarded(op, f"{t} = {a} / {b} if type({a}) is float or type({b}) is float "
                         f"else {H.DIV}({a}, {b})", "(TypeError, ZeroDivisionError)",
                     f"{t} = {H.DIV}({a}, {b})")

    def _mod(self, op: Op, t: str, a: str, a_v: int, b: str, both_int: bool, floaty: bool) -> None:
        """`%` on atoms a (of value a_v) and b into temporary t (the sign of Ruff's
        remainder follows the dividend)."""
        r = op.results[0]
        if both_int:
            if _is_literal(b) and int(b) > 0:
                ra = self.ranges.get(a_v)
                if ra is not None and ra[0] >= 0:
                    self.exprs[r] = f"({a} % {b})"
                else:
                    self.line(f"{t} = {a} % {b} if {a} >= 0 else -(-{a} % {b})", op)
                return
            self.guarded(op, f"{t} = {a} % {b}", "ZeroDivisionError", f"{t} = {H.MOD}({a}, {b})")
            self.line(f"if {t} and ({a} < 0) != ({b} < 0):", op)
            self.line(f"    {t} -= {b}", op)
            self.line(f"elif {b} == -1 and {a} == -9223372036854775808:", op)
            self.line(f"    {H.MOD}({a}, {b})  # MIN % -1 overflows in Ruff (Python gives 0)", op)
            return
        if floaty:
            # fmod(nan, 0) does not raise: a zero divisor goes to the slow path first
            self.guarded(op, f"{t} = {H.FMOD}({a}, {b}) if {b} else {H.MOD}({a}, {b})",
                         "(TypeError, ValueError)", f"{t} = {H.MOD}({a}, {b})")
            return
        self.line(f"{t} = {H.MOD}({a}, {b})", op)

    def _overflow_test(self, op: Op, t: str) -> str | None:
        """A test that is true when the int result t may be outside i64, or None when
        value ranges prove it fits. Adding or subtracting a known constant can only
        overflow on one side, so one comparison suffices."""
        if self.ranges.get(op.results[0]) is not None:
            return None
        ra, rb = (self.ranges.get(v) for v in op.operands)
        up = down = True   # can the result overflow upwards / downwards?
        if op.name == "ruff.add":
            if (ra and ra[0] >= 0) or (rb and rb[0] >= 0):
                down = False
            if (ra and ra[1] <= 0) or (rb and rb[1] <= 0):
                up = False
        elif op.name == "ruff.sub":
            if (rb and rb[0] >= 0) or (ra and ra[1] < 0):
                up = False
            if (rb and rb[1] <= 0) or (ra and ra[0] >= 0):
                down = False
        if up and not down:
            return f"{t} > 9223372036854775807"
        if down and not up:
            return f"{t} < -9223372036854775808"
        if not up and not down:
            return None
        return f"not {RANGE_CHECK.format(t)}"

    @staticmethod
    def _equality(a: str, ka: str, b: str, kb: str, negate: bool) -> str:
        """Ruff == as a Python truth value. Python's == agrees with Ruff's except for
        floats (the epsilon rule) and containers/variants (deep comparison), so the
        helper is called only when one of those may be involved."""
        eq, ne = ("!=", "==") if negate else ("==", "!=")
        if ka in ("bool", "null") or kb in ("bool", "null"):
            x, y = (a, b) if ka in ("bool", "null") else (b, a)
            return f"({y} is {'not ' if negate else ''}{x})"
        if ka == "str" or kb == "str" or (ka == kb == "int"):
            return f"({a} {eq} {b})"
        if ka == "int" or kb == "int":
            other = a if kb == "int" else b
            neg = "not " if negate else ""
            return f"(({a} {eq} {b}) if type({other}) is not float else {neg}{H.EQ}({a}, {b}))"
        # Two ints or two strings compare as Python compares them; inline, not only in
        # the helper (a Python call per comparison is slow)
        same = (f"(type({a}) is int and type({b}) is int or "
                f"type({a}) is str and type({b}) is str)")
        return f"(({a} {eq} {b}) if {same} else {'not ' if negate else ''}{H.EQ}({a}, {b}))"

    op_add = op_sub = op_mul = op_div = op_mod = _binary
    op_eq = op_ne = op_lt = op_le = op_gt = op_ge = _binary

    def op_neg(self, op: Op) -> None:
        a_v = op.operands[0]
        a = self.atom(a_v)
        k = self.kind(a_v)
        r = op.results[0]
        if k == "float":
            self.exprs[r] = f"(-{a})"
            return
        t = self.tmp(r)
        if k == "int":
            self.line(f"if {a} == -9223372036854775808: {H.NEG}({a})", op)
            self.line(f"{t} = -{a}", op)
            return
        self.line(f"{t} = {H.NEG}({a})", op)

    def op_not(self, op: Op) -> None:
        a_v = op.operands[0]
        if self.kind(a_v) == "i1":
            self.exprs[op.results[0]] = f"(FALSE if {self.cond(a_v)} else TRUE)"
            return
        a = self.atom(a_v)
        t = self.tmp(op.results[0])
        self.line(f"{t} = FALSE if {a} is TRUE else TRUE if {a} is FALSE else {H.NOT}({a})", op)

    def op_truthy(self, op: Op) -> None:
        v = op.operands[0]
        x = self.exprs[v]
        self.exprs[op.results[0]] = x

    def op_is_null(self, op: Op) -> None:
        self.exprs[op.results[0]] = f"({self.e(op.operands[0])} is None)"

    def op_box_bool(self, op: Op) -> None:
        self.exprs[op.results[0]] = f"(TRUE if {self.cond(op.operands[0])} else FALSE)"

    def op_match_tag(self, op: Op) -> None:
        tag = op.attrs["tag"]
        x = self.atom(op.operands[0])
        if tag == "None":
            self.exprs[op.results[0]] = f"({x} is NONE)"
        else:
            self.exprs[op.results[0]] = f"(type({x}) is {_VARIANTS[tag]})"  # type: ignore[index]

    def op_payload(self, op: Op) -> None:
        self.line(f"{self.tmp(op.results[0])} = {H.PAYLOAD}({self.e(op.operands[0])})", op)

    def op_try_unwrap(self, op: Op) -> None:
        x = self.obj(op.operands[0])
        t = self.tmp(op.results[0])
        self.line(f"if type({x}) is ROk or type({x}) is RSome: {t} = {x}.value", op)
        self.line(f"elif type({x}) is RErr or {x} is NONE: return {x}", op)
        self.line(f"else: raise {H.ERR}('Try operator requires Result or Option')", op)

    # ---- values and containers

    def op_make_variant(self, op: Op) -> None:
        tag = op.attrs["tag"]
        if tag == "None":
            self.exprs[op.results[0]] = "NONE"
            return
        self.line(f"{self.tmp(op.results[0])} = {_VARIANTS[tag]}({self.e(op.operands[0])})", op)  # type: ignore[index]

    def op_make_array(self, op: Op) -> None:
        spread = op.attrs["spread"]
        items = [self.e(v) for v in op.operands]
        t = self.tmp(op.results[0])
        if not any(spread):  # type: ignore[arg-type]
            self.line(f"{t} = {H.MKARR}([{', '.join(items)}])", op)
        else:
            self.line(f"{t} = {H.MKARR_SPREAD}([{', '.join(items)}], {spread!r})", op)

    def op_make_dict(self, op: Op) -> None:
        items = [self.e(v) for v in op.operands]
        t = self.tmp(op.results[0])
        self.line(f"{t} = {H.MKDICT}([{', '.join(items)}], {op.attrs['layout']!r})", op)

    def op_make_struct(self, op: Op) -> None:
        items = [self.e(v) for v in op.operands]
        t = self.tmp(op.results[0])
        self.line(f"{t} = {H.MKSTRUCT}({items[0]}, {op.attrs['fields']!r}, [{', '.join(items[1:])}])", op)

    def op_interpolate(self, op: Op) -> None:
        parts = []
        for v in op.operands:
            k = self.kind(v)
            parts.append(self.e(v) if k == "str" else f"{H.TOSTR}({self.e(v)})")
        self.line(f"{self.tmp(op.results[0])} = ''.join(({', '.join(parts)},))", op)

    def op_get_index(self, op: Op) -> None:
        a, i = self.obj(op.operands[0]), self.atom(op.operands[1])
        t = self.tmp(op.results[0])
        read = f"{a}.data[{i}]"
        if not self.kind(op.operands[0]).startswith("array:"):
            read += f" if type({a}) is RArray else {H.INDEX}({a}, {i})"
        self.guarded(op, f"{t} = {read}", "(IndexError, TypeError)", f"{t} = {H.INDEX}({a}, {i})")

    def op_get_field(self, op: Op) -> None:
        t = self.tmp(op.results[0])
        self.line(f"{t} = {H.GETFIELD}({self.e(op.operands[0])}, {op.attrs['field']!r})", op)

    def op_call(self, op: Op) -> None:
        f = self.atom(op.operands[0])
        args = [self.e(v) for v in op.operands[1:]]
        t = self.dest(op.results[0])
        self.guarded(op, f"{t} = {f}({', '.join(args)})", "TypeError as exc",
                     f"{H.CALL_FAILED}({f}, {len(args)}, exc)")

    def op_call_builtin(self, op: Op) -> None:
        name: str = op.attrs["callee"]  # type: ignore[assignment]
        if name not in self.mod.builtin_arity:
            raise CompileError(f"ruff.call_builtin of unknown builtin '{name}'", op.line, op.col)
        args = [self.e(v) for v in op.operands]
        t = self.tmp(op.results[0])
        lo, hi = self.mod.builtin_arity[name]
        if len(args) < lo or (hi is not None and len(args) > hi):
            for a in args:
                self.line(f"_ = {a}", op)
            self.line(f"raise {H.ARITY_BUILTIN}({name!r}, {len(args)})", op)
            self.exprs[op.results[0]] = "None"
            return
        self.mod.builtins_used.add(name)
        if id(op) in self.push_into:
            arr, x = self.exprs[op.operands[0]], self.atom(op.operands[1])
            if arr.startswith("v") and arr[1:].isdigit():  # a plain local: inline fast path
                ka, kx = self.kind(op.operands[0]), self.kind(op.operands[1])
                checks = [] if ka.startswith("array:") else [f"type({arr}) is RArray"]
                checks.append(f"{H.GRC}({arr}) == 2")
                fits = f"{arr}.et is {kx}" if kx in ("int", "float") else f"type({x}) is {arr}.et"
                checks.append(f"({arr}.et is None or {fits})")  # list storage takes anything
                self.line(f"if {' and '.join(checks)}:", op)
                self.line(f"    {arr}.data.append({x})", op)
                self.line("else:", op)
                self.line(f"    {arr} = {H.PUSH_OWNED}({arr}, {x}, 1, B_{name})", op)
                self.exprs[op.results[0]] = arr
            else:
                self.line(f"{t} = {H.PUSH_OWNED}({arr}, {x}, 2, B_{name})", op)
                if arr.startswith("t"):
                    self.line(f"{arr} = None", op)  # keep no extra reference to the array
                self.release.add(op.results[0])
            return
        self.line(f"{t} = B_{name}({', '.join(args)})", op)

    def op_call_method(self, op: Op) -> None:
        recv = self.e(op.operands[0])
        args = [self.e(v) for v in op.operands[1:]]
        t = self.tmp(op.results[0])
        arg_tuple = f"({', '.join(args)}{',' if args else ''})"
        self.line(f"{t} = {H.CALL_METHOD}({recv}, {op.attrs['method']!r}, {arg_tuple})", op)

    def op_unpack_array(self, op: Op) -> None:
        outs = [self.tmp(r) for r in op.results]
        lhs = f"{', '.join(outs)}{',' if len(outs) == 1 else ''}" if outs else "_"
        self.line(f"{lhs} = {H.UNPACK_ARRAY}({self.e(op.operands[0])}, "
                  f"{op.attrs['count']}, {op.attrs['rest']})", op)

    def op_unpack_dict(self, op: Op) -> None:
        outs = [self.tmp(r) for r in op.results]
        lhs = f"{', '.join(outs)}{',' if len(outs) == 1 else ''}" if outs else "_"
        self.line(f"{lhs} = {H.UNPACK_DICT}({self.e(op.operands[0])}, {op.attrs['keys']!r}, "
                  f"{op.attrs['rest']})", op)

    # ---- control flow

    def op_if(self, op: Op) -> None:
        self.line(f"if {self.cond(op.operands[0])}:", op)
        self.depth += 1
        self._region_with_yield(op.regions[0], op.results)
        self.depth -= 1
        if op.regions[1].ops or op.results:
            self.line("else:", op)
            self.depth += 1
            self._region_with_yield(op.regions[1], op.results)
            self.depth -= 1

    def _region_with_yield(self, region: Region, results: tuple[int, ...]) -> None:
        start = len(self.out)
        for inner in region.ops:
            if inner.name == "ruff.yield":
                for r, v in zip(results, inner.operands):
                    self.line(f"t{r} = {self.e(v)}", inner)
            else:
                self.op(inner)
        if len(self.out) == start:
            self.line("pass")
        for r in results:
            self.exprs[r] = f"t{r}"

    def op_yield(self, op: Op) -> None:  # handled by _region_with_yield
        raise AssertionError("ruff.yield outside ruff.if")

    def osr_loop(self, op: Op) -> bool:
        """Does this loop count towards on-stack replacement (rufc.runtime.osr)? Only
        the loops of a function body's own region can hand over to native code (the
        JIT compiles the function's continuation from there, see
        rufc.passes.outline_loop); other loops have no counter at all."""
        if not self.counting or not self.mod.options.loop_counters:
            return False
        if self.free or self.cells or op.name not in OSR_LOOPS:
            return False
        return any(o is op for o in self.func.regions[0].ops)

    def osr_check(self, op: Op, rng: str) -> None:
        """The hand-over to native code: ON_HOT_LOOP returns (result,) when native code
        ran the rest of the function, () when the loop stays in the VM."""
        # While native code runs, its frames stand for this one (a traceback, e.stack):
        # the line that calls it has no Ruff position of its own (vm.SKIP).
        self.out.append(("    " * self.depth
                         + f"jr = ON_HOT_LOOP(F_{py_name(self.sym)}, {op.line}, {op.col}, "
                         f"{rng}, locals())", -1, -1))
        self.line("if jr: return jr[0]", op)

    def loop_entry_count(self, op: Op, iterable: str) -> str:
        """For counted loops: report a hot loop at entry from its trip count (no cost per
        iteration). Returns the expression to iterate over."""
        if not self.osr_loop(op):
            return iterable
        self.loop_id += 1
        r = f"r{self.loop_id}"
        self.line(f"{r} = {iterable}", op)
        # r[k-1:k] is non-empty iff r has k elements (len() of a range past 2**63 - 1
        # elements overflows; a slice does not)
        t = self.mod.loop_threshold
        self.line(f"if type({r}) is not range or {r}[{t - 1}:{t}]:", op)   # HugeRange: huge
        self.depth += 1
        self.osr_check(op, r)
        self.depth -= 1
        return r

    def loop_iteration_count(self, op: Op) -> str | None:
        """For while/loop: a counter of the loop's heads, local to this activation."""
        if not self.osr_loop(op):
            return None
        self.loop_id += 1
        n = f"n{self.loop_id}"
        self.line(f"{n} = 0", op)
        return n

    def count_iteration(self, n: str | None, op: Op) -> None:
        """At the loop's head (before its condition): count, and at the threshold try
        to continue in native code from here."""
        if n is not None:
            self.line(f"{n} += 1", op)
            self.line(f"if {n} == {self.mod.loop_threshold}:", op)
            self.depth += 1
            self.osr_check(op, "None")
            self.depth -= 1

    def stats_iteration(self, op: Op) -> None:
        """--stats: count one iteration of this loop (rufc.runtime.stats)."""
        if self.mod.options.stats:
            self.line(f"LOOPS[{(self.sym, op.line, op.col)!r}] += 1", op)

    def enter_block(self, op: Op) -> None:
        self.blocks += 1
        if self.blocks > MAX_BLOCKS:
            raise CompileError(f"loops and try blocks nested too deeply (rufc supports "
                               f"{MAX_BLOCKS} levels)", op.line, op.col)

    def op_while(self, op: Op) -> None:
        self.enter_block(op)
        counter = self.loop_iteration_count(op)
        cond_ops = op.regions[0].ops
        pre = cond_ops[:-1]
        cond_v = cond_ops[-1].operands[0]
        simple = counter is None and all(_simple_cond_op(o) for o in pre)
        if simple:
            mark = len(self.out)
            for o in pre:
                self.op(o)
            if len(self.out) != mark:  # something needed statements after all
                del self.out[mark:]
                simple = False
        if simple:
            self.line(f"while {self.cond(cond_v)}:", op)
            self.depth += 1
            self.count_iteration(counter, op)
        else:   # a counted while counts at its head, before the condition
            self.line("while True:", op)
            self.depth += 1
            self.count_iteration(counter, op)
            for o in pre:
                self.op(o)
            self.line(f"if not ({self.cond(cond_v)}): break", cond_ops[-1])
        self.stats_iteration(op)
        self.region(op.regions[1])
        self.depth -= 1
        self.blocks -= 1

    def op_loop(self, op: Op) -> None:
        self.enter_block(op)
        counter = self.loop_iteration_count(op)
        self.line("while True:", op)
        self.depth += 1
        self.count_iteration(counter, op)
        self.stats_iteration(op)
        self.region(op.regions[0])
        self.depth -= 1
        self.blocks -= 1

    def loop_target(self, region: Region) -> str:
        """The name the loop binds each element to: the loop variable's own slot when
        it is a plain local (its declare_var is then skipped), else a temporary."""
        arg = region.args[0]
        for o in region.ops[:2]:
            if o.name == "ruff.declare_var" and o.operands == (arg,):
                t: str = o.attrs["target"]  # type: ignore[assignment]
                if t.startswith("l"):
                    slot = int(t[1:])
                    if slot in self.plain_slots:
                        self.skip.add(id(o))
                        self.exprs[arg] = f"v{slot}"
                        return f"v{slot}"
        self.exprs[arg] = f"t{arg}"
        return f"t{arg}"

    def op_for_range(self, op: Op) -> None:
        a, b, c = op.operands
        ka, kb, kc = self.kind(a), self.kind(b), self.kind(c)
        ea, eb, ec = self.e(a), self.e(b), self.e(c)
        target = self.loop_target(op.regions[0])
        if ka == kb == "int" and _is_literal(ec) and kc == "int" and int(ec) != 0:
            rng = f"range({ea}, {eb})" if ec == "1" else f"range({ea}, {eb}, {ec})"
        else:
            rng = f"{H.RANGE}({ea}, {eb}, {ec})"
        self.enter_block(op)
        rng = self.loop_entry_count(op, rng)
        self.line(f"for {target} in {rng}:", op)
        self.depth += 1
        self.stats_iteration(op)
        self.region(op.regions[0])
        self.depth -= 1
        self.blocks -= 1

    def op_for_each(self, op: Op) -> None:
        it = self.e(op.operands[0])
        target = self.loop_target(op.regions[0])
        self.enter_block(op)
        it = self.loop_entry_count(op, f"{H.ITER}({it})")
        self.line(f"for {target} in {it}:", op)
        self.depth += 1
        self.stats_iteration(op)
        self.region(op.regions[0])
        self.depth -= 1
        self.blocks -= 1

    def op_break(self, op: Op) -> None:
        self.line("break", op)

    def op_continue(self, op: Op) -> None:
        self.line("continue", op)

    def op_return(self, op: Op) -> None:
        if op.operands:
            self.line(f"return {self.e(op.operands[0])}", op)
        else:
            self.line("return None", op)

    def op_try(self, op: Op) -> None:
        self.enter_block(op)
        self.line("try:", op)
        self.depth += 1
        self.region(op.regions[0])
        self.depth -= 1
        arg = op.regions[1].args[0]
        self.line(f"except CATCHABLE as exc{arg}:", op)
        self.depth += 1
        self.line(f"t{arg} = ERROR_VALUE(exc{arg})", op)
        self.exprs[arg] = f"t{arg}"
        self.region(op.regions[1])
        self.depth -= 1
        self.blocks -= 1

    def op_raise(self, op: Op) -> None:
        self.line(f"raise {H.ERR}({op.attrs['message']!r})", op)


_SIMPLE_COND_OPS: Final = ("ruff.const", "ruff.truthy",
                            "ruff.lt", "ruff.le", "ruff.gt", "ruff.ge", "ruff.eq", "ruff.ne")


def _simple_cond_op(o: Op) -> bool:
    """Whether `o`, an op of a `while` condition before its result, keeps the loop's
    condition simple (see `op_while`): a constant, a truthiness test, a comparison, or a
    load of one local slot (`l...`, a one-element chain without `?`)."""
    if o.name == "ruff.load_var":
        chain = o.strs_attr("chain")
        return len(chain) == 1 and not chain[0].endswith("?") and chain[0].startswith("l")
    return o.name in _SIMPLE_COND_OPS


def _ieee_order(a: str, ka: str, b: str, kb: str) -> tuple[str, str]:
    """The operands of an ordering of two known numbers as Python must compare them:
    Ruff converts an int compared with a float to float first (IEEE, as native code's
    `sitofp` + `fcmp`), where Python would compare the two exactly."""
    if ka == "int" and kb == "float":
        return f"float({a})", b
    if ka == "float" and kb == "int":
        return a, f"float({b})"
    return a, b


def _restore(name: str, t: str, a: str, b: str) -> str:
    """A statement that gives t back the operand it replaced in `t := a OP b` (ints
    only; exact in Python's ints), `pass` if it replaced none."""
    if a == t:
        return f"{t} = {t} {'-' if name == 'ruff.add' else '+' if name == 'ruff.sub' else '//'} {b}"
    if b == t:
        return f"{t} = {t} - {a}" if name == "ruff.add" else (
            f"{t} = {a} - {t}" if name == "ruff.sub" else f"{t} = {t} // {a}")
    return "pass"


def _is_literal(x: str) -> bool:
    try:
        int(x)
        return True
    except ValueError:
        return False


@dataclass
class GeneratedModule:
    """The Python source of a whole program plus what the loader needs to bind."""
    source: str
    line_table: dict[int, tuple[int, int]]   # python line -> ruff (line, col)
    func_names: dict[str, str]               # python function name -> Ruff display name
    global_names: set[str]
    builtins_used: set[str]


class Facts:
    """What the analyses say about one ruff.func. Computed once per function: the
    counting and the plain version of a function (and a JIT's native entry) read the
    same facts, and nothing changes them (they were half of the generator's time)."""
    __slots__ = ("func", "slot_kinds", "infer", "ranges", "defs", "uses", "push_into",
                 "maybe_slots", "plain_slots", "lazy_globals", "forward_store", "appends")

    def __init__(self, func: Op, builtin_kinds: dict[str, str]) -> None:
        self.func = func   # keeps the op (and so its id) alive while the facts are kept
        cells: set[int] = set(func.attrs["cells"])  # type: ignore[arg-type]
        self.slot_kinds = analysis.slot_kinds(func)
        self.infer = Inference(func, builtin_kinds, cells)
        self.ranges = Ranges(func, cells)
        self.defs: dict[int, Op] = analysis.defs(func)
        self.uses: dict[int, int] = analysis.use_counts(func)
        self.push_into = analysis.push_idioms(func, self.defs, self.uses)
        self.maybe_slots = analysis.maybe_unbound_slots(func, self.slot_kinds)
        self.plain_slots = analysis.plain_slots(self.slot_kinds, cells, self.maybe_slots)
        self.lazy_globals = analysis.lazy_global_callees(func, self.defs, self.uses)
        self.forward_store = analysis.forwarding(func, self.uses, self.push_into,
                                                 self.plain_slots)
        self.appends = {k: a for k, a in analysis.append_idioms(func, self.uses).items()
                        if a.ref == "g"}   # `g = g + y` on a global (locals: forwarding)


class ModuleGen:
    """Generates one Python module for a whole Ruff program."""

    def __init__(self, module: Module, builtin_kinds: dict[str, str],
                 builtin_arity: dict[str, tuple[int, int | None]], options: GenOptions) -> None:
        self.module = module
        self.builtin_kinds = builtin_kinds
        self.builtin_arity = builtin_arity
        self.options = options
        self.global_names: set[str] = set()
        self.builtins_used: set[str] = set()
        self.immutable_globals = self._immutable_globals()
        self.loop_threshold = max(options.threshold * 10, 1)
        self._facts: dict[int, Facts] = {}

    def facts(self, func: Op) -> Facts:
        """The analyses of `func`, computed on first use."""
        f = self._facts.get(id(func))
        if f is None or f.func is not func:
            f = self._facts[id(func)] = Facts(func, self.builtin_kinds)
        return f

    def _immutable_globals(self) -> set[str]:
        """Names some top-level let/const declares: only their stores need a check."""
        out: set[str] = set()
        stack = [r for op in self.module.ops for r in op.regions]
        while stack:
            region = stack.pop()
            for op in region.ops:
                if (op.name == "ruff.declare_var" and op.attrs["target"] == "g"
                        and op.attrs["kind"] in ("let", "const")):
                    out.add(op.attrs["name"])  # type: ignore[arg-type]
                stack.extend(op.regions)
        return out

    def generate(self) -> GeneratedModule:
        """One Python function per ruff.func. With the JIT on, each function exists in a
        counting version (call and loop counters) and a plain one; the VM switches a
        function to the plain code once its counter has fired and the JIT declined it."""
        lines: list[tuple[str, int, int]] = []
        func_names: dict[str, str] = {}
        jit = self.options.jit
        for op in self.module.ops:
            if op.name != "ruff.func":
                continue
            sym = py_name(op.attrs["sym_name"])  # type: ignore[arg-type]
            plain = FuncGen(self, op).generate()
            counting = FuncGen(self, op, counting=True).generate() if jit else None
            func_names["F_" + sym] = func_names["P_" + sym] = op.attrs["name"]  # type: ignore[assignment]
            if op.attrs["sym_name"] == MAIN_SYMBOL:   # the parts of a long top level
                for t, _, _ in (counting or []) + plain:
                    if t.startswith(f"def F_{sym}_"):
                        func_names[t[4:t.index("(")]] = op.attrs["name"]  # type: ignore[assignment]
            free = op.attrs["free"]
            has_self = op.attrs["params"][:1] == ("self",)  # type: ignore[index]
            finish = (f"{H.FINISH}(F_{sym}, {op.attrs['name']!r}, {len(op.attrs['params'])}, "  # type: ignore[arg-type]
                      f"{op.attrs['sym_name']!r}, {has_self}")
            here = (op.line, op.col)
            if free:
                params = ", ".join(f"f{i}" for i in range(len(free)))  # type: ignore[arg-type]
                lines.append((f"def MK_{sym}({params}):", *here))
                if counting is None:
                    lines.extend(("    " + t, ln, c) for t, ln, c in plain)
                else:
                    lines.append((f"    if K_{sym}[0] < {max(self.options.threshold, 1)}:", *here))
                    lines.extend(("        " + t, ln, c) for t, ln, c in counting)
                    lines.append(("    else:", *here))
                    lines.extend(("        " + t, ln, c) for t, ln, c in plain)
                lines.append((f"    return {finish})", *here))
                func_names["MK_" + sym] = op.attrs["name"]  # type: ignore[assignment]
            elif counting is None:
                lines.extend(plain)
                lines.append((f"{finish})", *here))
            else:
                lines.extend(counting)
                lines.extend((t.replace(f"def F_{sym}(", f"def P_{sym}(", 1), ln, c)
                             for t, ln, c in plain[:1])
                lines.extend(plain[1:])
                lines.append((f"{finish}, P_{sym}.__code__)", *here))
        source = "\n".join(t for t, _, _ in lines) + "\n"
        table = {i + 1: (ln, c) for i, (_, ln, c) in enumerate(lines)}
        return GeneratedModule(source, table, func_names, self.global_names, self.builtins_used)
