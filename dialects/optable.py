"""The `ruff` dialect as one table, and its compact, import-light encoding.

This file is the definition of rufc's bytecode. Two things are derived from `OPS`:

- the xDSL op classes (`rufc.dialects.ruff`, which imports xdsl), used to print,
  parse, verify and transform the IR;
- the compact encoding below (`Op`, `Region`, `Module`), which `rufc.frontend.irgen`
  builds and the VM (`rufc.runtime`) runs, without importing xdsl or llvmlite.

`rufc.dialects.convert` converts losslessly between the two.

Compact encoding
----------------
An `Op` has a name (`"ruff.add"`), result value ids, operand value ids, attributes
(plain Python values), regions and a source position. Value ids are ints, unique
within one `ruff.func`; a value defined outside a region is visible inside it (as in
MLIR). A `Region` is one block: argument ids plus a list of ops. Structured control
flow only (`ruff.if`, `ruff.while`, `ruff.for_*`, `ruff.try`): there are no branches.

Attribute kinds (`AttrKind`):
  int, bool, str, strs (tuple of str), ints (tuple of int), const (int, float, str,
  bool or None: the value of a `ruff.const`).

Slot names (`ruff.func` attribute `slots`): "x" for a mutable binding, "x:let" or
"x:const" when every binding statement of that slot is a let or a const, and "x:mixed"
when they differ (the VM then tracks the kind at run time).

Variable references (`ref`, in `chain`, `create`, `target`, `captures`) are strings:
  "lN"  slot N of the current function      "fN"  free variable N (captured cell)
  "g"   the global of that name              "b"   the builtin of that name
and a trailing "?" means "may be unbound here: check, and try the next one".
A `chain` lists the candidates of a name lookup, innermost first (LANGUAGE.md §5).

Types: every result is a dynamic `!ruff.value`, except the `i1` results listed in
`OpSpec.result_type` (conditions). `i64`/`f64` are reserved for specialized code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal, cast

AttrKind = Literal["int", "bool", "str", "strs", "ints", "const"]
ConstValue = int | float | str | bool | None
AttrValue = int | bool | str | tuple | float | None

VARIADIC: Final = -1


@dataclass(frozen=True)
class OpSpec:
    """One row of the op table.

    operands/results: a fixed count or VARIADIC. regions: how many single-block
    regions, and `region_args` how many block arguments each has.
    pure: no side effects and cannot raise (DCE/CSE may remove or merge it).
    terminator: must be the last op of its region.
    """
    name: str
    summary: str
    operands: int = 0
    results: int = 0
    attrs: tuple[tuple[str, AttrKind], ...] = ()
    regions: tuple[int, ...] = ()
    result_type: Literal["value", "i1"] = "value"
    operand_types: Literal["value", "i1", "first_i1"] = "value"
    pure: bool = False
    terminator: bool = False
    optional_attrs: tuple[str, ...] = ()

    @property
    def class_name(self) -> str:
        return "".join(p.capitalize() for p in self.name.split(".", 1)[1].split("_")) + "Op"


def _binary(mnemonic: str, symbol: str, pure: bool = False) -> OpSpec:
    return OpSpec(f"ruff.{mnemonic}", f"r := a {symbol} b", operands=2, results=1, pure=pure)


CHAIN: tuple[str, AttrKind] = ("chain", "strs")

OPS: Final[tuple[OpSpec, ...]] = (
    # ---- module level
    OpSpec("ruff.func", "A function: params are slots 0..n-1; body is one region.",
           attrs=(("sym_name", "str"), ("name", "str"), ("params", "strs"), ("slots", "strs"),
                  ("cells", "ints"), ("free", "strs")),
           regions=(0,)),
    OpSpec("ruff.struct", "A struct declaration: field names and methods (name -> func symbol).",
           attrs=(("sym_name", "str"), ("name", "str"), ("fields", "strs"), ("method_names", "strs"),
                  ("method_syms", "strs"))),
    # ---- values
    OpSpec("ruff.const", "r := K, for an int, float, string, bool or null K.", results=1,
           attrs=(("value", "const"),), pure=True),
    OpSpec("ruff.get_struct", "r := the struct type declared by ruff.struct @sym.", results=1,
           attrs=(("sym", "str"),), pure=True),
    OpSpec("ruff.make_function", "r := a closure of @callee over the listed cells.", results=1,
           attrs=(("callee", "str"), ("captures", "strs")), pure=True),
    OpSpec("ruff.make_array", "r := [a, ...b, c]: operands flagged in `spread` are spliced.",
           operands=VARIADIC, results=1, attrs=(("spread", "ints"),)),
    OpSpec("ruff.make_dict", "r := {k: v, ...d}: `layout` says kv (two operands) or spread (one).",
           operands=VARIADIC, results=1, attrs=(("layout", "strs"),)),
    OpSpec("ruff.make_struct", "r := T { f: v, ... }: operand 0 is the struct type.",
           operands=VARIADIC, results=1, attrs=(("fields", "strs"),)),
    OpSpec("ruff.make_variant", "r := Ok(v) | Err(v) | Some(v) | None (no operand).",
           operands=VARIADIC, results=1, attrs=(("tag", "str"),), pure=True),
    OpSpec("ruff.interpolate", "r := to_string(a) + to_string(b) + ... (string interpolation).",
           operands=VARIADIC, results=1),
    # ---- variables
    OpSpec("ruff.load_var", "r := the first bound binding in `chain`, else Undefined variable.",
           results=1, attrs=(("name", "str"), CHAIN)),
    OpSpec("ruff.store_var", "Plain `name := v`: set the first bound binding in `chain` "
           "(checks let/const), else create `create`.", operands=1,
           attrs=(("name", "str"), CHAIN, ("create", "str"))),
    OpSpec("ruff.declare_var", "`let|mut|const name := v` into `target`; Duplicate declaration "
           "if `check` and it is bound.", operands=1,
           attrs=(("name", "str"), ("kind", "str"), ("target", "str"), ("check", "bool"))),
    OpSpec("ruff.update_path", "`name[i].f... := v`: copy-on-write update along `path` "
           "([] or .field); operands: v, one per [] step.",
           operands=VARIADIC, attrs=(("name", "str"), CHAIN, ("path", "strs"))),
    OpSpec("ruff.scope_enter", "Enter a block scope: the listed slots become fresh and unbound.",
           attrs=(("slots", "ints"),)),
    # ---- operators
    _binary("add", "+"), _binary("sub", "-"), _binary("mul", "*"), _binary("div", "/"),
    _binary("mod", "%"), _binary("eq", "==", pure=True), _binary("ne", "!=", pure=True),
    _binary("lt", "<"), _binary("le", "<="), _binary("gt", ">"), _binary("ge", ">="),
    OpSpec("ruff.neg", "r := -a", operands=1, results=1),
    OpSpec("ruff.not", "r := !a (bool only)", operands=1, results=1),
    OpSpec("ruff.truthy", "c := truthiness of a (LANGUAGE.md §4), as i1.", operands=1,
           results=1, result_type="i1", pure=True),
    OpSpec("ruff.is_null", "c := a is null, as i1.", operands=1, results=1, result_type="i1",
           pure=True),
    OpSpec("ruff.box_bool", "r := the Ruff bool of i1 c.", operands=1, results=1,
           operand_types="i1", pure=True),
    # ---- access and calls
    OpSpec("ruff.get_index", "r := a[i]", operands=2, results=1),
    OpSpec("ruff.get_field", "r := a.field (struct field or dict key)", operands=1, results=1,
           attrs=(("field", "str"),)),
    OpSpec("ruff.call", "r := f(args...): operand 0 is the callee.", operands=VARIADIC,
           results=1),
    OpSpec("ruff.call_builtin", "r := builtin(args...), for a builtin name nothing can rebind.",
           operands=VARIADIC, results=1, attrs=(("callee", "str"),)),
    OpSpec("ruff.call_method", "r := a.method(args...): operand 0 is the receiver.",
           operands=VARIADIC, results=1, attrs=(("method", "str"),)),
    OpSpec("ruff.unpack_array", "r0..rn := elements of an array pattern (`rest`: last is ...r).",
           operands=1, results=VARIADIC, attrs=(("count", "int"), ("rest", "bool"))),
    OpSpec("ruff.unpack_dict", "r0..rn := d[k] for each key (`rest`: last is the other entries).",
           operands=1, results=VARIADIC, attrs=(("keys", "strs"), ("rest", "bool"))),
    OpSpec("ruff.match_tag", "c := a is an Ok/Err/Some/None, as i1.", operands=1, results=1,
           result_type="i1", attrs=(("tag", "str"),), pure=True),
    OpSpec("ruff.payload", "r := the value inside an Ok/Err/Some.", operands=1, results=1),
    OpSpec("ruff.try_unwrap", "r := v for Ok(v)/Some(v); an Err/None returns from the function.",
           operands=1, results=1),
    # ---- control flow
    OpSpec("ruff.if", "if c then region 0 else region 1; results come from ruff.yield.",
           operands=1, results=VARIADIC, regions=(0, 0), operand_types="i1"),
    OpSpec("ruff.yield", "End a ruff.if region, giving its results.", operands=VARIADIC,
           terminator=True),
    OpSpec("ruff.while", "Loop: region 0 computes the condition (ruff.condition), region 1 "
           "is the body.", regions=(0, 0)),
    OpSpec("ruff.condition", "End a ruff.while condition region.", operands=1,
           operand_types="i1", terminator=True),
    OpSpec("ruff.loop", "Loop forever over region 0 (until break/return/error).", regions=(0,)),
    OpSpec("ruff.for_range", "for i in range(start, stop, step) without building the array.",
           operands=3, regions=(1,)),
    OpSpec("ruff.for_each", "for x in v: an int, array snapshot, string or dict keys.",
           operands=1, regions=(1,)),
    OpSpec("ruff.break", "Leave the innermost loop of this function."),
    OpSpec("ruff.continue", "Next iteration of the innermost loop of this function."),
    OpSpec("ruff.return", "Return the operand (null if none) from the function.",
           operands=VARIADIC),
    OpSpec("ruff.try", "Run region 0; if a runtime error escapes it, run region 1 with the "
           "error value as its argument.", regions=(0, 1)),
    OpSpec("ruff.raise", "Raise the runtime error `message` (errors found while lowering).",
           attrs=(("message", "str"),)),
)

SPECS: Final[dict[str, OpSpec]] = {s.name: s for s in OPS}


# ---------------------------------------------------------------- compact encoding

@dataclass(eq=True)
class Region:
    """One block: its argument value ids and its ops."""
    args: tuple[int, ...] = ()
    ops: list[Op] = field(default_factory=list)


@dataclass(eq=True)
class Op:
    """One op of the compact encoding. `line`/`col` are its source position (0: unknown)."""
    name: str
    results: tuple[int, ...] = ()
    operands: tuple[int, ...] = ()
    attrs: dict[str, AttrValue] = field(default_factory=dict)
    regions: tuple[Region, ...] = ()
    line: int = 0
    col: int = 0

    @property
    def spec(self) -> OpSpec:
        return SPECS[self.name]

    # Typed reads of an attribute whose kind the op's table row gives (`OpSpec.attrs`;
    # IR is checked against it where it is built or read, `_check_attr`), for the type
    # checker: `attrs` holds values of every kind.

    def str_attr(self, name: str) -> str:
        """Attribute `name`, of kind `str`."""
        return cast(str, self.attrs[name])

    def strs_attr(self, name: str) -> tuple[str, ...]:
        """Attribute `name`, of kind `strs`."""
        return cast(tuple[str, ...], self.attrs[name])

    def ints_attr(self, name: str) -> tuple[int, ...]:
        """Attribute `name`, of kind `ints`."""
        return cast(tuple[int, ...], self.attrs[name])


@dataclass(eq=True)
class Module:
    """A whole program: `ruff.struct` and `ruff.func` ops; `@main` is the top level."""
    file: str
    ops: list[Op] = field(default_factory=list)

    def funcs(self) -> dict[str, Op]:
        return {str(op.attrs["sym_name"]): op for op in self.ops if op.name == "ruff.func"}

    def structs(self) -> dict[str, Op]:
        return {str(op.attrs["sym_name"]): op for op in self.ops if op.name == "ruff.struct"}


MAIN_SYMBOL: Final = "__main__"


class IRError(Exception):
    """Malformed compact IR (a bug in whoever built it)."""


def _check_attr(op: Op, name: str, kind: AttrKind) -> None:
    if name not in op.attrs:
        if name in op.spec.optional_attrs:
            return
        raise IRError(f"{op.name} at {op.line}:{op.col}: missing attribute '{name}'")
    v = op.attrs[name]
    ok = {
        "int": lambda: type(v) is int,
        "bool": lambda: type(v) is bool,
        "str": lambda: type(v) is str,
        "strs": lambda: isinstance(v, tuple) and all(type(x) is str for x in v),
        "ints": lambda: isinstance(v, tuple) and all(type(x) is int for x in v),
        "const": lambda: v is None or type(v) in (int, float, str, bool),
    }[kind]()
    if not ok:
        raise IRError(f"{op.name} at {op.line}:{op.col}: attribute '{name}' must be {kind}, "
                      f"got {v!r}")


def verify_op(op: Op) -> None:
    """Check counts, attributes and terminators of one op and everything nested in it."""
    spec = SPECS.get(op.name)
    if spec is None:
        raise IRError(f"unknown op '{op.name}'")
    if spec.operands != VARIADIC and len(op.operands) != spec.operands:
        raise IRError(f"{op.name} expects {spec.operands} operands, got {len(op.operands)}")
    if spec.results != VARIADIC and len(op.results) != spec.results:
        raise IRError(f"{op.name} expects {spec.results} results, got {len(op.results)}")
    for name, kind in spec.attrs:
        _check_attr(op, name, kind)
    if len(op.regions) != len(spec.regions):
        raise IRError(f"{op.name} expects {len(spec.regions)} regions, got {len(op.regions)}")
    for region, nargs in zip(op.regions, spec.regions):
        if len(region.args) != nargs:
            raise IRError(f"{op.name}: region expects {nargs} arguments, got {len(region.args)}")
        for i, inner in enumerate(region.ops):
            if inner.spec.terminator and i != len(region.ops) - 1:
                raise IRError(f"{inner.name} must be the last op of its region")
            verify_op(inner)
    if op.name == "ruff.while":
        cond = op.regions[0].ops
        if not cond or cond[-1].name != "ruff.condition":
            raise IRError("ruff.while: the condition region must end with ruff.condition")


def verify_module(module: Module) -> None:
    """Check the structure of every op (`verify_op`), then the binding claims the cold
    tier relies on without checking them at run time (`verify_bindings`)."""
    for op in module.ops:
        if op.name not in ("ruff.func", "ruff.struct"):
            raise IRError(f"only ruff.func and ruff.struct may appear at module level, "
                          f"not {op.name}")
        verify_op(op)
    if MAIN_SYMBOL not in module.funcs():
        raise IRError(f"module has no @{MAIN_SYMBOL} function")
    verify_bindings(module)


_NO_FALL_THROUGH = frozenset({"ruff.return", "ruff.break", "ruff.continue", "ruff.raise"})


def _where(func: Op, op: Op) -> str:
    at = f" at {op.line}:{op.col}" if op.line or op.col else ""
    return f"in @{func.attrs['sym_name']}: '{op.name}'{at}"


class _Bindings:
    """Definite binding of the slots of one ruff.func, walking its body in order.

    `bound` holds the slots bound on every path to the current op; `added` logs what was
    added, so a branch's additions can be undone and merged (bound after an `if` on both
    branches, after a loop only if bound before it). A slot never becomes unbound again:
    `ruff.scope_enter` may only reset slots that are not bound, which is what irgen emits
    (a block's slots are fresh until its scope_enter runs) and keeps the walk sound for
    loops, whose later iterations start with at least the slots bound at the first."""

    def __init__(self, func: Op, funcs: dict[str, Op], sites: dict, uses: list) -> None:
        self.func = func
        self.funcs = funcs
        self.sites = sites      # callee sym -> [(creator sym, [True | False | (sym, k)])]
        self.uses = uses        # [(func sym, free index, op)]: unchecked reads of a free cell
        self.slots: tuple[str, ...] = func.attrs["slots"]  # type: ignore[assignment]
        self.cells = frozenset(func.attrs["cells"])  # type: ignore[arg-type]
        self.bound: set[int] = set(range(len(func.attrs["params"])))  # type: ignore[arg-type]
        self.added: list[int] = []

    def error(self, op: Op, message: str) -> IRError:
        return IRError(f"{_where(self.func, op)}: {message}")

    def slot_name(self, n: int) -> str:
        return self.slots[n].split(":")[0] if 0 <= n < len(self.slots) else "?"

    def bind(self, n: int) -> None:
        if n not in self.bound:
            self.bound.add(n)
            self.added.append(n)

    def branch(self, region: Region) -> set[int] | None:
        """Walk a region from the current state and undo it; the slots it adds, or None
        if it cannot fall through (it ends in a return, break, continue or raise)."""
        mark = len(self.added)
        falls = self.region(region)
        new = set(self.added[mark:])
        for n in self.added[mark:]:
            self.bound.discard(n)
        del self.added[mark:]
        return new if falls else None

    def region(self, region: Region) -> bool:
        ops = region.ops
        for i, op in enumerate(ops):
            self.op(op, ops[i + 1] if i + 1 < len(ops) else None)
        return not ops or ops[-1].name not in _NO_FALL_THROUGH

    def op(self, op: Op, next_op: Op | None) -> None:
        name, attrs = op.name, op.attrs
        chain = attrs.get("chain")
        if chain is not None:
            self.check_chain(op, chain)  # type: ignore[arg-type]
        if name == "ruff.declare_var":
            self.bind_ref(attrs["target"])  # type: ignore[arg-type]
        elif name == "ruff.store_var":
            if not chain:  # no binding to update: `create` is made
                self.bind_ref(attrs["create"])  # type: ignore[arg-type]
        elif name == "ruff.scope_enter":
            for n in attrs["slots"]:  # type: ignore[union-attr]
                if n in self.bound:
                    raise self.error(op, f"slot {n} ({self.slot_name(n)}) is reset while "
                                         f"it is bound")
        elif name == "ruff.make_function":
            self.make_function(op, next_op)
        elif name in ("ruff.if", "ruff.try"):
            a, b = self.branch(op.regions[0]), self.branch(op.regions[1])
            both = b if a is None else a if b is None else a & b
            for n in both or ():
                self.bind(n)
        elif name == "ruff.while":
            cond = self.branch(op.regions[0])
            self.branch(op.regions[1])
            for n in cond or ():  # the condition runs at least once
                self.bind(n)
        else:
            for r in op.regions:  # loops: the body may not run at all
                self.branch(r)

    def bind_ref(self, ref: str) -> None:
        if ref.startswith("l"):
            self.bind(int(ref[1:]))

    def check_chain(self, op: Op, chain: tuple[str, ...]) -> None:
        """A candidate without "?" is read without checking that it is bound."""
        for ref in chain:
            if ref.endswith("?"):
                continue
            if ref.startswith("l") and int(ref[1:]) not in self.bound:
                n = int(ref[1:])
                raise self.error(op, f"chain reads '{ref}' ({self.slot_name(n)}) without a "
                                     f"check (no '?'), but it may be unbound here")
            if ref.startswith("f"):
                self.uses.append((self.func.attrs["sym_name"], int(ref[1:]), op))
            return  # candidates after a certain one are never reached

    def make_function(self, op: Op, next_op: Op | None) -> None:
        callee_sym = op.attrs["callee"]
        callee = self.funcs.get(callee_sym)  # type: ignore[arg-type]
        if callee is None:
            raise self.error(op, f"there is no ruff.func @{callee_sym}")
        captures: tuple[str, ...] = op.attrs["captures"]  # type: ignore[assignment]
        free: tuple[str, ...] = callee.attrs["free"]  # type: ignore[assignment]
        if len(captures) != len(free):
            raise self.error(op, f"@{callee_sym} has {len(free)} free variables but "
                                 f"{len(captures)} captures are given")
        # A local function that calls itself captures its own slot, bound right after.
        declared = None
        if (next_op is not None and next_op.name == "ruff.declare_var"
                and next_op.operands == op.results):
            declared = next_op.attrs["target"]
        flags: list[object] = []
        for ref in captures:
            if ref.startswith("l"):
                n = int(ref[1:])
                if n not in self.cells:
                    raise self.error(op, f"captures '{ref}' ({self.slot_name(n)}), which is "
                                         f"not in the cells of @{self.func.attrs['sym_name']}")
                flags.append(n in self.bound or ref == declared)
            elif ref.startswith("f") and ref[1:].isdigit():
                flags.append((self.func.attrs["sym_name"], int(ref[1:])))
            else:
                raise self.error(op, f"capture '{ref}' is not a cell (lN or fN)")
        self.sites.setdefault(callee_sym, []).append(flags)


def verify_bindings(module: Module) -> None:
    """Check what the cold tier takes on trust (IR from irgen always satisfies it; IR read
    from a file may not):

    - `ruff.make_function` gives one capture per free variable of its callee, and a
      captured slot `lN` is one of the function's `cells`;
    - a `chain` candidate without "?" is bound there: a slot `lN` on every path to the op
      (`ruff.declare_var`, or `ruff.store_var` with an empty chain, binds its slot), a free
      variable `fN` at every `ruff.make_function` that creates the function;
    - `ruff.scope_enter` resets only unbound slots; @__main__ and methods capture nothing.
    """
    funcs = module.funcs()
    methods = {sym for st in module.structs().values()
               for sym in st.attrs["method_syms"]}  # type: ignore[union-attr]
    for sym, f in funcs.items():
        if f.attrs["free"] and (sym == MAIN_SYMBOL or sym in methods):
            what = "the main function" if sym == MAIN_SYMBOL else "a method"
            raise IRError(f"in @{sym}: 'ruff.func' is {what}, so it cannot have free "
                          f"variables, got {list(f.attrs['free'])}")  # type: ignore[arg-type]
    sites: dict[str, list[list[object]]] = {}
    uses: list[tuple[str, int, Op]] = []
    for f in funcs.values():
        _Bindings(f, funcs, sites, uses).region(f.regions[0])
    # Free variable k of G is certainly bound iff every creation of G captures a bound
    # cell; a capture `fM` passes on the status of the creator's free variable M.
    unsure: set[tuple[str, int]] = set()
    dependents: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for callee, calls in sites.items():
        for flags in calls:
            for k, flag in enumerate(flags):
                if flag is False:
                    unsure.add((callee, k))
                elif isinstance(flag, tuple):
                    dependents.setdefault(flag, []).append((callee, k))
    work = list(unsure)
    while work:
        for dep in dependents.get(work.pop(), ()):
            if dep not in unsure:
                unsure.add(dep)
                work.append(dep)
    for sym, k, op in uses:
        if (sym, k) in unsure:
            name = str(funcs[sym].attrs["free"][k]).split(":")[0]  # type: ignore[index]
            raise IRError(f"{_where(funcs[sym], op)}: chain reads 'f{k}' ({name}) without a "
                          f"check (no '?'), but a ruff.make_function of @{sym} captures it "
                          f"before it is bound")


def renumber(func: Op) -> None:
    """Number the values of a ruff.func 0, 1, ... in printed order: an op's results,
    then each of its regions' arguments and ops. This is the order xDSL's printer shows
    them, so `%N` in printed IR is value N of the compact form."""
    mapping: dict[int, int] = {}

    def define(v: int) -> int:
        mapping[v] = len(mapping)
        return mapping[v]

    def walk(region: Region) -> None:
        region.args = tuple(define(a) for a in region.args)
        for op in region.ops:
            op.operands = tuple(mapping[v] for v in op.operands)
            op.results = tuple(define(r) for r in op.results)
            for r in op.regions:
                walk(r)

    for region in func.regions:
        walk(region)
