"""Whole-program facts the hot tier needs before it lowers one function.

Everything here reads the compact `ruff` IR (`rufc.dialects.optable`), imports no
xDSL and no LLVM, and is memoized per program, so the JIT and `rufc --emit` ask the
same questions and get the same answers:

- **stable globals**: a global whose only write in the whole program is one
  `declare_var` of a capture-free `ruff.make_function` in the top level's own region
  (`func f(...)` at the top level). Once bound it can never be rebound, so native code
  may call that function directly without reading the global again.
- **kinds** (`kinds_of`): the kinds of one function's values for given argument kinds,
  by the cold tier's own inference (`rufc.runtime.types.Inference`) extended with the
  argument kinds and the result kinds of the functions it calls.
- **result kinds** (`result_kind`): what a function returns for given argument kinds,
  a fixpoint over recursive calls.
- **compilability** (`check`): whether a (function, argument kinds) pair lowers to
  fully native code, and if not, the one-line reason the JIT logs.

A kind is one of `rufc.runtime.types`' kinds: "int", "float", "bool", "i1" (a raw
condition), "null", "str", "array:...", "any".
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from rufc.dialects.optable import MAIN_SYMBOL, Module, Op, Region
from rufc.runtime import analysis
from rufc.runtime.helpers import boxed_enabled
from rufc.runtime.types import ANY, Inference, join, slot_of, written_refs

Kinds = tuple[str, ...]

# Kinds native code holds unboxed (i64, double, i1).
SCALAR_KINDS: Final = frozenset({"int", "float", "bool", "i1"})
# Typed arrays: a pointer to the RArray, borrowed from the caller, read in place.
ARRAY_KINDS: Final = frozenset({"array:int", "array:float"})
NATIVE_KINDS: Final = SCALAR_KINDS | ARRAY_KINDS
# Result kinds a native function can return (null: returns nothing useful).
RESULT_KINDS: Final = frozenset({"int", "float", "bool", "null"})
# An op on boxed values compiles at ~3.5 ms (1500 ops of string statements took
# 5.2 s, 2026-12-05): a function with more of them than this stays in the VM.
MAX_BOXED_FUNCTION_OPS: Final = 3000

_ARITH: Final = frozenset({"ruff.add", "ruff.sub", "ruff.mul", "ruff.div", "ruff.mod"})
_COMPARE: Final = frozenset({"ruff.lt", "ruff.le", "ruff.gt", "ruff.ge"})
_EQUALITY: Final = frozenset({"ruff.eq", "ruff.ne"})
# Ops whose lowering needs nothing but their operands' kinds.
_STRUCTURAL: Final = frozenset({"ruff.if", "ruff.yield", "ruff.while", "ruff.condition",
                                "ruff.loop", "ruff.for_range", "ruff.break",
                                "ruff.continue", "ruff.scope_enter", "ruff.box_bool",
                                "ruff.truthy", "ruff.is_null"})


def spec_kind(k: str) -> str:
    """The specialization kind of a value of inference kind k: unboxed kinds and typed
    arrays are their own; everything else is "other" (boxed, issue 15)."""
    if k == "i1":
        return "bool"
    return k if k in NATIVE_KINDS else "other"


def spec_kinds(kinds: Kinds) -> Kinds:
    return tuple(spec_kind(k) for k in kinds)


def kind_of_value(v: object) -> str:
    """The specialization kind of a run-time Ruff value (what the entry guard tests)."""
    t = type(v)
    if t is int:
        return "int"
    if t is float:
        return "float"
    from rufc.runtime.values import FALSE, TRUE, RArray
    if v is TRUE or v is FALSE:
        return "bool"
    if t is RArray and (v.et is not None or v.typed()):   # type: ignore[attr-defined]
        return "array:int" if v.et is int else "array:float"  # type: ignore[attr-defined]
    return "other"


def parse_kinds(text: str) -> Kinds:
    """'int,float' -> ("int", "float"); '' -> ()."""
    kinds = tuple(k.strip() for k in text.split(",") if k.strip())
    for k in kinds:
        if k not in ("int", "float", "bool", "array:int", "array:float", "other"):
            raise ValueError(f"unknown argument kind '{k}' (int, float, bool, array:int, "
                             f"array:float or other)")
    return kinds


def mangle(sym: str, kinds: Kinds) -> str:
    """The LLVM symbol of a specialization: rf_<sym>__<kinds> (kinds abbreviated)."""
    abbrev = {"int": "i", "float": "f", "bool": "b", "array:int": "I", "array:float": "F",
              "other": "o"}
    safe = "".join(c if c.isalnum() or c == "_" else f"${ord(c):x}" for c in sym)
    return f"rf_{safe}__{''.join(abbrev[k] for k in kinds)}"


class Unsupported(Exception):
    """A function (for some argument kinds) that stays in the VM; the message says why."""


@dataclass
class CallTarget:
    """What a `ruff.call` calls: a stable global function (sym) or a global read at
    call time (name), and whether the call is direct (native to native)."""
    name: str
    sym: str | None
    direct: bool


class GlobalWrites:
    """The writes of globals in one program, or in every entry of a REPL so far (`add`
    each module, in order): what decides which globals are stable.

    A write in a function may run at any time; a write in a module's top level runs
    once, while that module runs, so only the last module's top level still counts
    (a REPL entry that redefines `func f` makes `f` stable again, as the new f)."""

    def __init__(self) -> None:
        self.func_writes: dict[str, int] = {}   # by functions of every module
        self.main_writes: dict[str, int] = {}   # by the last module's top level
        self.decl: dict[str, str] = {}          # name -> sym of its top-level `func`
        self.syms: set[str] = set()

    def add(self, module: Module) -> GlobalWrites:
        funcs = module.funcs()
        self.syms.update(funcs)
        main = funcs.get(MAIN_SYMBOL)
        top = {id(op) for op in main.regions[0].ops} if main is not None else set()
        self.main_writes = {}
        decl: dict[str, str] = {}
        for func in funcs.values():
            writes = self.main_writes if func is main else self.func_writes
            defs: dict[int, Op] = {}
            for op in analysis.walk(func.regions[0]):
                for r in op.results:
                    defs[r] = op
                name: str = op.attrs.get("name", "")  # type: ignore[assignment]
                for ref in written_refs(op):
                    if ref.rstrip("?") in ("g", "b"):
                        writes[name] = writes.get(name, 0) + 1
                if (op.name == "ruff.declare_var" and op.attrs["target"] == "g"
                        and id(op) in top and not op.attrs.get("check")):
                    src = defs.get(op.operands[0])
                    if (src is not None and src.name == "ruff.make_function"
                            and not src.attrs["captures"]):
                        decl[name] = src.attrs["callee"]  # type: ignore[assignment]
        for name in self.main_writes:   # rebound by this top level: to a func, or not
            self.decl.pop(name, None)
        self.decl.update(decl)
        return self

    def stable(self) -> dict[str, str]:
        """name -> function symbol, for globals written exactly once, by a top-level
        `declare_var` of a capture-free `make_function`."""
        return {n: s for n, s in self.decl.items()
                if not self.func_writes.get(n) and self.main_writes.get(n, 1) == 1
                and s in self.syms}


class ProgramInfo:
    """Facts about one program, computed on demand and memoized."""

    def __init__(self, module: Module, builtin_kinds: dict[str, str],
                 is_bound: Callable[[str], bool] | None = None,
                 stable: dict[str, str] | None = None) -> None:
        self.module = module
        self.funcs = module.funcs()
        self.builtin_kinds = builtin_kinds
        # is_bound(name): is global `name` bound right now (the JIT asks the VM); for
        # `rufc --emit` every stable global counts as bound.
        self.is_bound = is_bound or (lambda name: True)
        # `stable`: given by a REPL, whose entries are separate modules (GlobalWrites)
        self.stable = self._stable_globals() if stable is None else stable
        self._kinds: dict[tuple[str, Kinds], Inference] = {}
        self._results: dict[tuple[str, Kinds], str] = {}
        self._guess: dict[tuple[str, Kinds], str] = {}
        self._order: list[tuple[str, Kinds]] = []   # _results keys, in computation order
        self._checked: dict[tuple[str, Kinds], str | None] = {}
        self._boxed_ops: dict[tuple[str, Kinds], int] = {}
        self._reenters: dict[tuple[str, Kinds], bool] = {}
        self._pushes: dict[int, dict[int, Op]] = {}
        self._late: dict[int, set[int]] = {}   # read_early: lazy callees per function

    # ------------------------------------------------------------ globals

    def _stable_globals(self) -> dict[str, str]:
        """name -> function symbol, for globals written exactly once, by a top-level
        `declare_var` of a capture-free `make_function`."""
        return GlobalWrites().add(self.module).stable()

    def callee_of(self, func: Op, call: Op, defs: dict[int, Op]) -> CallTarget | None:
        """The global a `ruff.call` calls, or None when the callee is not a global."""
        load = defs.get(call.operands[0])
        if load is None or load.name != "ruff.load_var":
            return None
        chain = load.attrs["chain"]
        if chain not in (("g",), ("g", "b")):
            return None
        name: str = load.attrs["name"]  # type: ignore[assignment]
        sym = self.stable.get(name)
        if sym is not None and not self.is_bound(name):
            sym = None  # not declared yet: the VM would say "Undefined variable"
        return CallTarget(name, sym, False)

    def read_early(self, func: Op, call: Op, defs: dict[int, Op]) -> bool:
        """Does the VM read this call's global callee where it is loaded, before the
        arguments (`analysis.lazy_global_callees`), while native code could only read
        it at the call? That matters unless the global is a stable function that is
        bound (then both reads give the same function and cannot fail): when the
        global may be unbound or rebound meanwhile, native code must read it early too
        (boxed values), or the function stays in the VM."""
        target = self.callee_of(func, call, defs)
        if target is None or target.sym is not None:
            return False
        late = self._late.get(id(func))
        if late is None:
            late = self._late[id(func)] = analysis.lazy_global_callees(
                func, defs, analysis.use_counts(func))
        return call.operands[0] not in late

    def maybe_unbound(self, sym: str) -> frozenset[int]:
        """The slots of `sym` that native code holds as NULL while unbound (the VM's
        own `analysis.maybe_unbound_slots`): with boxed values only."""
        if not boxed_enabled():
            return frozenset()
        func = self.funcs[sym]
        return frozenset(analysis.maybe_unbound_slots(func, analysis.slot_kinds(func)))

    # ------------------------------------------------------------ kinds

    def kinds_of(self, sym: str, kinds: Kinds) -> Inference:
        """The inference of function `sym` called with arguments of these kinds."""
        key = (sym, kinds)
        inf = self._kinds.get(key)
        if inf is None:
            func = self.funcs[sym]
            defs = analysis.defs(func)

            def call_kind(op: Op, arg_kinds: Kinds) -> str:
                target = self.callee_of(func, op, defs)
                if target is None or target.sym is None:
                    return ANY
                k = self.result_kind(target.sym, spec_kinds(arg_kinds))
                return ANY if k is None else k

            param_kinds = tuple(k if k != "other" else ANY for k in kinds)
            # a slot that may be unbound is boxed (NULL: unbound)
            held = set(func.attrs["cells"]) | self.maybe_unbound(sym)  # type: ignore[arg-type]
            inf = Inference(func, self.builtin_kinds, held,
                            param_kinds=param_kinds, call_kind=call_kind)
            self._kinds[key] = inf
        return inf

    def result_kind(self, sym: str, kinds: Kinds) -> str | None:
        """The kind of what `sym` returns for these argument kinds.

        Recursion: while (sym, kinds) is being computed, its own calls return a guess.
        A guess G is accepted only if inferring the body with recursive calls returning
        G gives G again, which proves by induction on the call depth that every call
        returns a G. Guesses are tried in order; if none holds, the result is "any"."""
        key = (sym, kinds)
        if key in self._results:
            return self._results[key]
        if key in self._guess:
            return self._guess[key]
        func = self.funcs.get(sym)
        if func is None or len(func.attrs["params"]) != len(kinds):  # type: ignore[arg-type]
            return ANY
        result = ANY
        mark = len(self._order)
        for guess in ("int", "float", "bool", "null"):
            self._guess[key] = guess
            self._forget(mark)
            got = _returned_kind(func, self.kinds_of(sym, kinds))
            if got == guess:
                result = got
                break
        del self._guess[key]
        self._forget(mark)   # what was inferred under a guess is recomputed on demand
        self._results[key] = result
        self._order.append(key)
        return result

    def _forget(self, mark: int) -> None:
        """Drop results and kinds computed since `mark` (they may rest on a guess)."""
        for k in self._order[mark:]:
            self._results.pop(k, None)
        del self._order[mark:]
        self._kinds.clear()

    # ------------------------------------------------------------ compilability

    def check(self, sym: str, kinds: Kinds) -> str | None:
        """None if (sym, kinds) compiles to native code, else why not."""
        key = (sym, kinds)
        if key in self._checked:
            return self._checked[key]
        self._checked[key] = None   # optimistic for recursive calls
        try:
            self._check(sym, kinds)
            reason = None
        except Unsupported as exc:
            reason = str(exc)
        self._checked[key] = reason
        return reason

    def pushes(self, func: Op) -> dict[int, Op]:
        """The `a := push(a, x)` idioms of a function: id(call_builtin) -> the store_var
        (the cold tier's analysis, runtime/analysis.push_idioms)."""
        key = id(func)
        found = self._pushes.get(key)
        if found is None:
            from rufc.runtime.analysis import push_idioms, use_counts
            d = analysis.defs(func)
            calls = push_idioms(func, d, use_counts(func))
            found = {}
            for op in analysis.walk(func.regions[0]):
                if op.name == "ruff.store_var":
                    call = d.get(op.operands[0])
                    if call is not None and id(call) in calls:
                        found[id(call)] = op
            self._pushes[key] = found
        return found

    def literal_kind(self, op: Op, inf: Inference, uses: dict[int, list[Op]],
                     where: str) -> str:
        """The typed-array kind an array literal is stored as. Native code builds a
        literal only straight into a local array variable (which then owns it), with
        elements all ints or all floats; an empty literal takes the variable's kind."""
        users = uses.get(op.results[0], [])
        if any(op.attrs["spread"]) or len(users) != 1:  # type: ignore[arg-type]
            raise Unsupported(f"array literal at {where} is not assigned to a variable")
        store = users[0]
        ref: object = ""
        if store.name == "ruff.declare_var" and not store.attrs["check"]:
            ref = store.attrs["target"]
        elif store.name == "ruff.store_var" and store.operands[0] == op.results[0]:
            chain: tuple[str, ...] = store.attrs["chain"]  # type: ignore[assignment]
            ref = chain[0] if len(chain) == 1 else (store.attrs["create"] if not chain else "")
        slot = slot_of(ref) if isinstance(ref, str) and ref else None
        if slot is None or inf.slot_kind(slot) not in ARRAY_KINDS:
            raise Unsupported(f"array literal at {where} is not stored in a typed array "
                              f"variable")
        kind = inf.slot_kind(slot)
        for v in op.operands:
            if inf.boxed(v) != kind[6:]:
                raise Unsupported(f"array literal at {where} holds a {inf.boxed(v)} "
                                  f"in a {kind}")
        return kind

    def reenters(self, sym: str, kinds: Kinds, _seen: set[tuple[str, Kinds]] | None = None) -> bool:
        """May native code of (sym, kinds) run Ruff code in the VM below itself (a call
        through ruff_rt_call, here or in a function it calls natively)? Then its
        callers record their position before calling it (the VM code may look at the
        stack). Builtins cannot run Ruff code: native code has no function values to
        give them."""
        key = (sym, kinds)
        if key in self._reenters:
            return self._reenters[key]
        seen = _seen if _seen is not None else set()
        if key in seen:
            return False   # a cycle adds nothing the other members do not
        seen.add(key)
        func = self.funcs[sym]
        inf = self.kinds_of(sym, kinds)
        defs = analysis.defs(func)
        result = False
        for op in analysis.walk(func.regions[0]):
            if op.name == "ruff.call_method" or (
                    op.name == "ruff.call_builtin"
                    and any(inf.kind(v) not in NATIVE_KINDS for v in op.operands)):
                result = True   # a method, or a builtin given a function value, runs Ruff code
                break
            if op.name != "ruff.call":
                continue
            target = self.callee_of(func, op, defs)
            arg_kinds = spec_kinds(tuple(inf.boxed(v) for v in op.operands[1:]))
            if target is None or target.sym is None or not self.direct(target.sym, arg_kinds):
                result = True
                break
            if self.reenters(target.sym, arg_kinds, seen):
                result = True
                break
        if _seen is None or result:
            self._reenters[key] = result
        return result

    def direct(self, sym: str, kinds: Kinds) -> bool:
        """May a native caller call (sym, kinds) natively? Not a closure: its cells come
        with the function value, which only the VM's call of it has."""
        func = self.funcs.get(sym)
        if func is not None and func.attrs["free"]:
            return False
        return self.check(sym, kinds) is None

    def _check(self, sym: str, kinds: Kinds) -> None:
        func = self.funcs.get(sym)
        if func is None:
            raise Unsupported(f"no function @{sym}")
        closure = bool(func.attrs["free"] or func.attrs["cells"])
        if closure and (not boxed_enabled() or sym.startswith("osr.")):
            raise Unsupported("it is a closure or captures variables (closures compile "
                              "only with boxed values)")
        if len(func.attrs["params"]) != len(kinds):  # type: ignore[arg-type]
            raise Unsupported("wrong number of arguments")
        for k in kinds:
            if k in ARRAY_KINDS and _array_layout() is None:
                raise Unsupported("typed arrays are not supported on this Python")
        rk = self.result_kind(sym, kinds)
        inf = self.kinds_of(sym, kinds)
        defs = analysis.defs(func)
        uses = analysis.uses(func)
        slots: tuple[str, ...] = func.attrs["slots"]  # type: ignore[assignment]
        unboxed = not boxed_enabled()
        if unboxed:   # the signature first: its message names the argument or result
            _check_unboxed_signature(kinds, rk or ANY)
        boxed_ops = 0
        for op in analysis.walk(func.regions[0]):
            _check_op(self, func, op, inf, defs, uses, slots, rk or ANY)
            if any(inf.kind(v) not in NATIVE_KINDS for v in (*op.results, *op.operands)):
                boxed_ops += 1
        self._boxed_ops[(sym, kinds)] = boxed_ops
        if unboxed:
            _check_unboxed(self, func, inf, defs, uses)
        elif boxed_ops > MAX_BOXED_FUNCTION_OPS:
            raise Unsupported(f"it has {boxed_ops} ops on boxed values (more than "
                              f"{MAX_BOXED_FUNCTION_OPS}: too long to compile)")

    def boxed_ops(self, sym: str, kinds: Kinds) -> int:
        """How many ops of a specialization `check` accepted work on boxed values (what
        its compile time grows with: both op budgets count these)."""
        return self._boxed_ops.get((sym, kinds), 0)

    def typed_push(self, func: Op, op: Op, inf: Inference) -> bool:
        """Is this `a := push(a, x)` idiom on a typed array (pushed in place natively)?
        Other pushes are builtin calls on boxed values."""
        if id(op) not in self.pushes(func):
            return False
        a, x = op.operands
        return (inf.kind(a) in ARRAY_KINDS and inf.kind(op.results[0]) == inf.kind(a)
                and inf.boxed(x) == inf.kind(a)[6:])


# Ops every kind of operand lowers (natively when unboxed, else through ruff_rt_op).
_ANY_OPERANDS: Final = frozenset({
    "ruff.add", "ruff.sub", "ruff.mul", "ruff.div", "ruff.mod", "ruff.eq", "ruff.ne",
    "ruff.lt", "ruff.le", "ruff.gt", "ruff.ge", "ruff.neg", "ruff.not", "ruff.truthy",
    "ruff.is_null", "ruff.box_bool", "ruff.get_index", "ruff.get_field", "ruff.interpolate",
    "ruff.make_dict", "ruff.make_struct", "ruff.get_struct", "ruff.make_variant",
    "ruff.match_tag", "ruff.payload", "ruff.try_unwrap", "ruff.call_method",
    "ruff.unpack_array", "ruff.unpack_dict", "ruff.call_builtin", "ruff.return",
    "ruff.if", "ruff.yield", "ruff.while", "ruff.condition", "ruff.loop", "ruff.break",
    "ruff.continue", "ruff.scope_enter", "ruff.const"})
_GLOBAL_CHAINS: Final = (("g",), ("g", "b"), ("b",))


def _check_op(info: ProgramInfo, func: Op, op: Op, inf: Inference, defs: dict[int, Op],
              uses: dict[int, list[Op]], slots: tuple[str, ...], result_kind: str) -> None:
    """Raise Unsupported unless `op` has a lowering for these kinds: natively for
    unboxed operands, through the boxed helpers (issue 15) for the others. The ops with
    conditions have their own check in `_OP_CHECKS`."""
    name = op.name
    where = f"{op.line}:{op.col}"
    if name == "ruff.call_builtin" and id(op) in info.pushes(func):
        a = op.operands[0]
        if inf.kind(a) in ARRAY_KINDS and not info.typed_push(func, op, inf):
            raise Unsupported(f"push at {where} of a {inf.boxed(op.operands[1])} onto a "
                              f"{inf.kind(a)}")
        return
    if name in _ANY_OPERANDS:
        return
    check = _OP_CHECKS.get(name)
    if check is None:
        raise Unsupported(f"uses {name} at {where} (not compiled yet)")
    check(_OpContext(info, func, inf, defs, slots, where), op)


@dataclass
class _OpContext:
    """What the check of one op (`_OP_CHECKS`) needs to know about its function; `where`
    is the op's line:col, for the messages."""
    info: ProgramInfo
    func: Op
    inf: Inference
    defs: dict[int, Op]
    slots: tuple[str, ...]
    where: str

    def local_slot(self, ref: str) -> int:
        """The slot of local variable reference `ref`, if native code can hold it."""
        slots, where, inf = self.slots, self.where, self.inf
        slot = slot_of(ref)
        if slot is None:
            raise Unsupported(f"variable reference '{ref}' at {where} may be unbound")
        if ":" in slots[slot] and slots[slot].split(":")[1] == "mixed":
            raise Unsupported(f"variable at {where} is declared both mutable and immutable")
        if inf.slot_kind(slot) not in NATIVE_KINDS and not boxed_enabled():
            raise Unsupported(f"variable '{slots[slot].split(':')[0]}' is not always an int, "
                              f"float or bool ({inf.slot_kind(slot)})")
        return slot


def _free_ref(cx: _OpContext, ref: str) -> bool:
    """Is `ref` a free variable of a closure ("fN": a cell the closure was made with)?"""
    return ref.startswith("f") and not ref.endswith("?")


def _check_load_var(cx: _OpContext, op: Op) -> None:
    chain = op.strs_attr("chain")
    if chain in _GLOBAL_CHAINS or (len(chain) == 1 and _free_ref(cx, chain[0])):
        return
    if len(chain) != 1 or chain[0].endswith("?"):
        _check_candidates(cx, op, chain)
        return
    cx.local_slot(chain[0])


def _check_candidates(cx: _OpContext, op: Op, chain: tuple[str, ...]) -> None:
    """A name with several candidates (LANGUAGE.md §5: the first one bound), or a
    local that may be unbound: with boxed values, each candidate is tested in turn
    (passes/lowering/boxed.py, "Names with several candidates")."""
    if not boxed_enabled():
        raise Unsupported(f"variable '{op.attrs['name']}' at {cx.where} has several candidates")
    for ref in chain:
        r = ref.rstrip("?")
        if r in ("g", "b") or r.startswith("f"):
            continue
        cx.local_slot(r)


def _assigned_local(cx: _OpContext, op: Op, ref: object) -> int:
    """The slot an assignment or declaration writes, which must be a local variable."""
    if not isinstance(ref, str) or not ref.startswith("l"):
        raise Unsupported(f"assignment to '{op.attrs['name']}' at {cx.where} is not a local")
    return cx.local_slot(ref)


def _check_store_var(cx: _OpContext, op: Op) -> None:
    chain, create = op.strs_attr("chain"), op.attrs["create"]
    if (chain == ("g",) and create in ("g", "", None)) or (not chain and create == "g"):
        return   # a global: ruff_rt_op checks let/const as the VM does
    if len(chain) > 1 or (chain and (chain[0].endswith("?") or chain[0] in ("g", "b"))):
        # the first bound candidate takes it, else `create` does (boxed values only)
        _check_candidates(cx, op, chain)
        for ref in chain:
            _check_assignable(cx, op, ref.rstrip("?"))
        if isinstance(create, str) and create.startswith("l"):
            _check_assignable(cx, op, create)
        return
    _check_assignable(cx, op, chain[0] if len(chain) == 1 else (create if not chain else ""))


def _check_assignable(cx: _OpContext, op: Op, ref: object) -> None:
    """An assignment to `ref` (not a global) compiles: a mutable local or a mutable
    captured variable (assigning a `let` or `const` stays in the VM, which raises)."""
    if ref in ("g", "b"):
        return
    if isinstance(ref, str) and _free_ref(cx, ref):
        free = str(cx.func.attrs["free"][int(ref[1:])])  # type: ignore[index]
        if ":" in free:
            raise Unsupported(f"assignment to immutable '{op.attrs['name']}' at {cx.where}")
        return
    slot = _assigned_local(cx, op, ref)
    if ":" in cx.slots[slot]:
        raise Unsupported(f"assignment to immutable '{op.attrs['name']}' at {cx.where}")


def _check_declare_var(cx: _OpContext, op: Op) -> None:
    ref = op.attrs["target"]
    if ref == "g":
        return   # GDECLARE, the VM's own declaration of a global
    if op.attrs["check"] and not boxed_enabled():
        raise Unsupported(f"declaration at {cx.where} needs a duplicate check")
    _assigned_local(cx, op, ref)


def _check_for_range(cx: _OpContext, op: Op) -> None:
    for v in op.operands:
        if cx.inf.kind(v) != "int":
            raise Unsupported(f"range bound at {cx.where} is not an int ({cx.inf.kind(v)})")


def _check_call(cx: _OpContext, op: Op) -> None:
    target = cx.info.callee_of(cx.func, op, cx.defs)
    if target is None and cx.defs.get(op.operands[0]) is None:
        raise Unsupported(f"call at {cx.where} of an unknown callee")
    if (target is not None and cx.info.read_early(cx.func, op, cx.defs)
            and not boxed_enabled()):
        raise Unsupported(f"call at {cx.where} of global '{target.name}', which the VM reads "
                          f"before the arguments (it may be unbound or rebound meanwhile)")


def _check_make_array(cx: _OpContext, op: Op) -> None:
    """Always compiles: stored into a typed array variable, or built by ruff_rt_op."""


def _check_make_function(cx: _OpContext, op: Op) -> None:
    if op.attrs["captures"] and not boxed_enabled():
        raise Unsupported(f"closure at {cx.where} captures variables (closures compile "
                          f"only with boxed values)")


def _check_update_path(cx: _OpContext, op: Op) -> None:
    chain, inf, where = op.strs_attr("chain"), cx.inf, cx.where
    if boxed_enabled() and len(chain) == 1 and _boxed_update(cx, chain[0]):
        return
    if op.attrs["path"] != ("[]",) or len(chain) != 1:
        raise Unsupported(f"assignment to a part of '{op.attrs['name']}' at {where} "
                          f"(only a[i] := v on a local typed array compiles)")
    slot = cx.local_slot(chain[0])
    kind = inf.slot_kind(slot)
    if kind not in ARRAY_KINDS or ":" in cx.slots[slot]:
        raise Unsupported(f"'{op.attrs['name']}' at {where} is not a mutable local "
                          f"typed array")
    if inf.boxed(op.operands[0]) != kind[6:] or inf.kind(op.operands[1]) != "int":
        raise Unsupported(f"a[i] := v at {where} stores a {inf.boxed(op.operands[0])} "
                          f"into a {kind} or indexes by a {inf.kind(op.operands[1])}")


def _boxed_update(cx: _OpContext, ref: str) -> bool:
    """With boxed values: `x<path> := v` on a global, or on a plain mutable local of a
    boxed kind, is one direct call of the VM's update (passes/lowering/boxed.py)."""
    if ref == "g":
        return True
    slot = slot_of(ref)
    return (slot is not None and ":" not in cx.slots[slot]
            and slot not in cx.func.attrs["cells"]  # type: ignore[operator]
            and cx.inf.slot_kind(slot) not in (*NATIVE_KINDS, "null"))


def _check_try(cx: _OpContext, op: Op) -> None:
    """try/except: the handler asks the direct path of boxed ops for the error value,
    so only with boxed values on."""
    if not boxed_enabled():
        raise Unsupported(f"uses ruff.try at {cx.where} (compiled with boxed values only)")


def _check_raise(cx: _OpContext, op: Op) -> None:
    """An error the front end found (`break` outside a loop, ...): raised through the
    direct path of boxed ops, so only with boxed values on."""
    if not boxed_enabled():
        raise Unsupported(f"uses ruff.raise at {cx.where} (compiled with boxed values only)")


def _check_for_each_op(cx: _OpContext, op: Op) -> None:
    check_for_each(op, cx.inf, cx.defs, cx.where)


_OP_CHECKS: Final[dict[str, Callable[[_OpContext, Op], None]]] = {
    "ruff.load_var": _check_load_var,
    "ruff.store_var": _check_store_var,
    "ruff.declare_var": _check_declare_var,
    "ruff.for_range": _check_for_range,
    "ruff.call": _check_call,
    "ruff.make_array": _check_make_array,
    "ruff.make_function": _check_make_function,
    "ruff.update_path": _check_update_path,
    "ruff.for_each": _check_for_each_op,
    "ruff.raise": _check_raise,
    "ruff.try": _check_try,
}
"""The check of each op that compiles only under conditions (`_check_op`)."""


def _check_unboxed_signature(kinds: Kinds, rk: str) -> None:
    """Without boxed values, arguments and the result are unboxed (the hot tier's
    first rule)."""
    for i, k in enumerate(kinds):
        if k not in NATIVE_KINDS:
            raise Unsupported(f"argument {i + 1} is not an int, float, bool or typed array")
    if rk not in RESULT_KINDS:
        raise Unsupported(f"its result is not always an int, float, bool or null ({rk})")


def _check_unboxed(info: ProgramInfo, func: Op, inf: Inference,
                   defs: dict[int, Op], uses: dict[int, list[Op]]) -> None:
    """Without boxed values: variables are only int, float, bool and typed arrays,
    constants of other kinds only as call arguments kept in the site."""
    for i, name in enumerate(func.attrs["slots"]):  # type: ignore[arg-type]
        if inf.slot_kind(i) not in NATIVE_KINDS and inf.slot_kind(i) != ANY:
            raise Unsupported(f"variable '{str(name).split(':')[0]}' is not always an int, "
                              f"float or bool ({inf.slot_kind(i)})")
    for op in analysis.walk(func.regions[0]):
        _check_unboxed_op(info, func, op, inf, defs, uses)


def _check_unboxed_op(info: ProgramInfo, func: Op, op: Op, inf: Inference,
                      defs: dict[int, Op], uses: dict[int, list[Op]]) -> None:
    """One op of _check_unboxed."""
    where = f"{op.line}:{op.col}"
    if op.name in ("ruff.store_var", "ruff.declare_var"):
        ref = op.attrs.get("target") or (op.attrs["chain"] or (op.attrs["create"],))[0]  # type: ignore[index]
        if not str(ref).startswith("l"):
            raise Unsupported(f"assignment to '{op.attrs['name']}' at {where} is not a local")
    if op.name == "ruff.make_function" or op.name == "ruff.get_struct":
        raise Unsupported(f"uses {op.name} at {where} (boxed values are off)")
    for r in op.results:
        k = inf.kind(r)
        if op.name == "ruff.load_var" and op.attrs["chain"] in _GLOBAL_CHAINS:
            for user in uses.get(r, []):
                if user.name != "ruff.call" or user.operands[0] != r or r in user.operands[1:]:
                    raise Unsupported(f"global '{op.attrs['name']}' read at {where}")
            continue
        if k in NATIVE_KINDS or not uses.get(r):
            continue
        if op.name == "ruff.const" and all(u.name in ("ruff.call", "ruff.call_builtin")
                                           and u.operands[0] != r or u.name == "ruff.call_builtin"
                                           for u in uses[r]):
            continue
        if op.name == "ruff.make_array" and k in ARRAY_KINDS:
            continue
        raise Unsupported(f"a value at {where} is not an int, float or bool ({k})")
    if op.name == "ruff.call" and info.callee_of(func, op, defs) is None:
        raise Unsupported(f"call at {where} of something that is not a global")


def check_for_each(op: Op, inf: Inference, defs: dict[int, Op], where: str,
                   boxed: bool | None = None) -> None:
    """`for x in a` compiles over a typed array held by a local variable the loop does
    not assign: the array object then cannot change while the loop runs (native code
    changes an array in place only through the one variable holding it), which is the
    VM's snapshot of the elements, without a copy. With boxed values (`boxed`, by
    default whether they are on) every other `for` compiles too: over an int as a
    counted loop, over anything else as a loop over the VM's own snapshot
    (passes/lowering/boxed.py)."""
    if boxed_enabled() if boxed is None else boxed:
        return
    if inf.kind(op.operands[0]) not in ARRAY_KINDS:
        raise Unsupported(f"for-in at {where} is not over a typed array "
                          f"({inf.kind(op.operands[0])})")
    load = defs.get(op.operands[0])
    chain = load.strs_attr("chain") if load is not None and load.name == "ruff.load_var" else ()
    if len(chain) != 1 or slot_of(chain[0]) is None:
        raise Unsupported(f"for-in at {where} is not over a local variable")
    for inner in analysis.walk(op.regions[0]):
        if chain[0] in (r.rstrip("?") for r in written_refs(inner)):
            raise Unsupported(f"for-in at {where} assigns the array it runs over")


def _array_layout() -> object:
    from rufc.runtime.helpers import array_layout
    return array_layout()


def _returned_kind(func: Op, inf: Inference) -> str:
    """Join of the kinds of every `ruff.return` operand, plus null if the body can end
    without a return."""
    k: str | None = None
    for op in analysis.walk(func.regions[0]):
        if op.name == "ruff.return":
            k = join(k, inf.boxed(op.operands[0]) if op.operands else "null")
    if not _always_returns(func.regions[0]):
        k = join(k, "null")
    return k if k is not None else "null"


def _always_returns(region: Region) -> bool:
    if not region.ops:
        return False
    last = region.ops[-1]
    if last.name in ("ruff.return", "ruff.raise"):
        return True
    if last.name == "ruff.if":
        return all(_always_returns(r) for r in last.regions)
    return any(op.name in ("ruff.return", "ruff.raise") for op in region.ops)

