"""Static value kinds for the cold tier's code generator (and later the JIT).

A kind is what every run-time value of an SSA value or slot is *if the op that
produces it does not raise*: "int", "float", "str", "bool" (an RBool), "null",
"i1" (a raw Python bool: conditions) or "any". `infer` runs a small fixpoint over a
function: slot kinds are the join of everything stored into them, so a local that
only ever holds ints is known to be an int and its arithmetic needs no type guards.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Final

from rufc.dialects.optable import Op, Region

ANY: Final = "any"
NUMERIC: Final = frozenset({"int", "float"})

_ARITH = {"ruff.add", "ruff.sub", "ruff.mul", "ruff.div", "ruff.mod"}
_I1 = {"ruff.eq", "ruff.ne", "ruff.lt", "ruff.le", "ruff.gt", "ruff.ge", "ruff.truthy",
       "ruff.is_null", "ruff.match_tag"}


def join(a: str | None, b: str) -> str:
    """Least upper bound. Arrays carry their element kind ("array:float"); the empty
    array literal is "array:empty", which joins to whatever elements arrive later."""
    if a is None or a == b:
        return b
    if a.startswith("array:") and b.startswith("array:"):
        ea, eb = a[6:], b[6:]
        if ea == "empty":
            return b
        if eb == "empty":
            return a
        e = join(ea, eb)
        return "array:" + e if e.count("array:") < 3 else "array:any"
    return ANY


def element_kind(k: str) -> str:
    """The kind of `a[i]` (or of `for x in a`) for a value of kind k."""
    if k.startswith("array:"):
        e = k[6:]
        return ANY if e == "empty" else e
    if k == "str":
        return "str"
    return ANY


def const_kind(v: object) -> str:
    if v is None:
        return "null"
    return {int: "int", float: "float", str: "str", bool: "bool"}[type(v)]


def arith_kind(name: str, a: str, b: str) -> str:
    """The kind of `a OP b` when it does not raise. A float operand makes the result a
    float whatever the other is (int/float mix, or an error); a string operand of `+`
    makes it a string (concatenation, or an error)."""
    if a == "int" and b == "int":
        return "int"
    if a == "float" or b == "float":
        return "float"
    if name == "ruff.add" and (a == "str" or b == "str"):
        return "str"
    return ANY


def slot_of(ref: str) -> int | None:
    """The slot number of a sure local reference "lN", else None."""
    if ref.startswith("l") and not ref.endswith("?"):
        return int(ref[1:])
    return None


class Inference:
    """Kinds of the values and slots of one ruff.func."""

    def __init__(self, func: Op, builtin_kinds: dict[str, str], cell_slots: set[int],
                 param_kinds: tuple[str, ...] | None = None,
                 call_kind: Callable[[Op, tuple[str, ...]], str] | None = None) -> None:
        """`param_kinds` and `call_kind` are what a specialization knows (the hot tier):
        the kinds of the arguments, and the kind a `ruff.call` returns for its argument
        kinds. The cold tier knows neither: parameters and call results are "any"."""
        self.values: dict[int, str] = {}
        self.slots: dict[int, str | None] = {}
        self.builtin_kinds = builtin_kinds
        self.cells = cell_slots
        self.call_kind = call_kind
        params = func.attrs["params"]
        for i in range(len(params)):  # type: ignore[arg-type]
            self.slots[i] = param_kinds[i] if param_kinds is not None else ANY
        for _ in range(8):
            before = dict(self.slots)
            self.region(func.regions[0])
            if before == self.slots:
                break
        else:  # no fixpoint (cannot happen with a finite lattice, but stay safe)
            self.slots = {k: ANY for k in self.slots}
            self.region(func.regions[0])

    def kind(self, v: int) -> str:
        return self.values.get(v, ANY)

    def boxed(self, v: int) -> str:
        """The kind of v once it is a Ruff value (a raw comparison result becomes a bool)."""
        k = self.values.get(v, ANY)
        return "bool" if k == "i1" else k

    def slot_kind(self, slot: int) -> str:
        if slot in self.cells:
            return ANY
        k = self.slots.get(slot)
        return ANY if k is None else k

    def _store(self, ref: str, kind: str) -> None:
        if ref.startswith("l"):
            slot = int(ref[1:].rstrip("?"))
            self.slots[slot] = join(self.slots.get(slot), kind)

    def region(self, region: Region, arg_kinds: tuple[str, ...] = ()) -> list[str]:
        for a, k in zip(region.args, arg_kinds):
            self.values[a] = k
        for a in region.args[len(arg_kinds):]:
            self.values[a] = ANY
        yields: list[str] = []
        for op in region.ops:
            y = self.op(op)
            if y is not None:
                yields = y
        return yields

    def op(self, op: Op) -> list[str] | None:
        """Record the kinds of op's results (and the stores it makes); an op with
        regions is inferred through them. Returns the kinds a `ruff.yield` yields."""
        control = _CONTROL_RULES.get(op.name)
        if control is not None:
            return control(self, op)
        rule = _KIND_RULES.get(op.name)
        k = rule(self, op) if rule is not None else ANY
        for reg in op.regions:
            self.region(reg)
        for res in op.results:
            self.values[res] = k
        return None

    # ---- the kind of an op's result, one rule per op (see _KIND_RULES)

    def _const(self, op: Op) -> str:
        return const_kind(op.attrs["value"])

    def _arith(self, op: Op) -> str:
        return arith_kind(op.name, self.kind(op.operands[0]), self.kind(op.operands[1]))

    def _neg(self, op: Op) -> str:
        a = self.kind(op.operands[0])
        return a if a in NUMERIC else ANY

    def _load_var(self, op: Op) -> str:
        chain = op.attrs["chain"]
        if len(chain) == 1 and slot_of(chain[0]) is not None:  # type: ignore[index, arg-type]
            return self.slot_kind(slot_of(chain[0]))  # type: ignore[arg-type, index]
        return ANY

    def _call_builtin(self, op: Op) -> str:
        callee = op.attrs["callee"]
        k = self.builtin_kinds.get(callee, ANY)  # type: ignore[arg-type]
        if callee in ("push", "append") and len(op.operands) == 2:
            a = self.kind(op.operands[0])
            if a.startswith("array:"):
                k = join(a, "array:" + self.boxed(op.operands[1]))
        elif callee == "range":
            k = "array:int"
        elif k == "array":
            k = "array:any"
        return k

    def _make_array(self, op: Op) -> str:
        if any(op.attrs["spread"]):  # type: ignore[arg-type]
            return "array:any"
        e = "empty"
        for v in op.operands:
            e = join(None if e == "empty" else e, self.boxed(v))
        return "array:" + e if e.count("array:") < 3 else "array:any"

    def _get_index(self, op: Op) -> str:
        return element_kind(self.kind(op.operands[0]))

    def _call(self, op: Op) -> str:
        if self.call_kind is None:
            return ANY
        return self.call_kind(op, tuple(self.boxed(v) for v in op.operands[1:]))

    def _store_var(self, op: Op) -> str:
        vk = self.boxed(op.operands[0])
        for ref in op.attrs["chain"]:  # type: ignore[union-attr]
            self._store(ref, vk)
        self._store(op.attrs["create"], vk)  # type: ignore[arg-type]
        return ANY

    def _declare_var(self, op: Op) -> str:
        self._store(op.attrs["target"], self.boxed(op.operands[0]))  # type: ignore[arg-type]
        return ANY

    def _update_path(self, op: Op) -> str:
        # a[i] := v keeps a an array, and adds v's kind to its elements
        stored = ("array:" + self.boxed(op.operands[0])
                  if op.attrs["path"] == ("[]",) else ANY)
        for ref in op.attrs["chain"]:  # type: ignore[union-attr]
            self._store(ref, stored)
        return ANY

    # ---- ops whose regions bind values or yield them (see _CONTROL_RULES)

    def _yield(self, op: Op) -> list[str] | None:
        return [self.boxed(v) for v in op.operands]

    def _if(self, op: Op) -> list[str] | None:
        a = self.region(op.regions[0])
        b = self.region(op.regions[1])
        for i, res in enumerate(op.results):
            ka = a[i] if i < len(a) else None
            kb = b[i] if i < len(b) else ANY
            self.values[res] = join(ka, kb) if ka is not None else kb
        return None

    def _for_range(self, op: Op) -> list[str] | None:
        self.region(op.regions[0], ("int",))
        return None

    def _for_each(self, op: Op) -> list[str] | None:
        it = self.kind(op.operands[0])
        self.region(op.regions[0], ("int" if it == "int" else element_kind(it),))
        return None


_KIND_RULES: dict[str, Callable[[Inference, Op], str]] = {
    "ruff.const": Inference._const,
    **{name: Inference._arith for name in _ARITH},
    "ruff.neg": Inference._neg,
    **{name: (lambda self, op: "i1") for name in _I1},
    "ruff.not": lambda self, op: "bool",
    "ruff.box_bool": lambda self, op: "bool",
    "ruff.interpolate": lambda self, op: "str",
    "ruff.load_var": Inference._load_var,
    "ruff.call_builtin": Inference._call_builtin,
    "ruff.make_array": Inference._make_array,
    "ruff.get_index": Inference._get_index,
    "ruff.call": Inference._call,
    "ruff.store_var": Inference._store_var,
    "ruff.declare_var": Inference._declare_var,
    "ruff.update_path": Inference._update_path,
}
_CONTROL_RULES: dict[str, Callable[[Inference, Op], list[str] | None]] = {
    "ruff.yield": Inference._yield,
    "ruff.if": Inference._if,
    "ruff.for_range": Inference._for_range,
    "ruff.for_each": Inference._for_each,
}


I64_LO: Final = -9223372036854775808
I64_HI: Final = 9223372036854775807


def written_refs(op: Op) -> list[str]:
    """The variable references an op writes (declare_var, store_var, update_path),
    possibly with the "?" of a maybe-unbound candidate."""
    if op.name == "ruff.declare_var":
        return [op.str_attr("target")]
    if op.name == "ruff.store_var":
        return [*op.strs_attr("chain"), op.str_attr("create")]
    if op.name == "ruff.update_path":
        return list(op.strs_attr("chain"))
    return []


def _slot_writes(region: Region, counts: dict[int, list[int]]) -> None:
    """slot -> the value ids written to it (declare/store), or [-1] for other writes."""
    stack = [region]
    while stack:
        r = stack.pop()
        for op in r.ops:
            stack.extend(op.regions)
            for ref in written_refs(op):
                if ref.startswith("l"):
                    slot = int(ref[1:].rstrip("?"))
                    val = op.operands[0] if op.name != "ruff.update_path" else -1
                    counts.setdefault(slot, []).append(val)


class Ranges:
    """Value ranges of int SSA values, to drop overflow checks that cannot fire.

    Sources: int constants, `for_range` variables (start..stop-1 for a positive
    constant step), and locals written exactly once in their function (a loop
    variable's slot, or `n := 1000`). Interval arithmetic then bounds + - * and % / by
    positive constants; a result that provably fits i64 needs no range test.
    """

    def __init__(self, func: Op, cells: set[int]) -> None:
        self.r: dict[int, tuple[int, int]] = {}
        writes: dict[int, list[int]] = {}
        _slot_writes(func.regions[0], writes)
        nparams = len(func.attrs["params"])  # type: ignore[arg-type]
        self.single = {s: w[0] for s, w in writes.items()
                       if len(w) == 1 and w[0] >= 0 and s not in cells and s >= nparams}
        for _ in range(3):
            self.region(func.regions[0])

    def get(self, v: int) -> tuple[int, int] | None:
        return self.r.get(v)

    def _set(self, v: int, lo: int, hi: int) -> None:
        if I64_LO <= lo <= hi <= I64_HI:
            self.r[v] = (lo, hi)
        else:
            self.r.pop(v, None)

    def region(self, region: Region) -> None:
        for op in region.ops:
            self.op(op)

    def op(self, op: Op) -> None:
        name = op.name
        if name == "ruff.const":
            v = op.attrs["value"]
            if type(v) is int:
                self._set(op.results[0], v, v)
        elif name == "ruff.load_var":
            chain = op.attrs["chain"]
            if len(chain) == 1:  # type: ignore[arg-type]
                slot = slot_of(chain[0])  # type: ignore[index]
                if slot is not None and slot in self.single:
                    rng = self.r.get(self.single[slot])
                    if rng is not None:
                        self._set(op.results[0], *rng)
        elif name in ("ruff.add", "ruff.sub", "ruff.mul", "ruff.mod", "ruff.div"):
            a, b = (self.r.get(x) for x in op.operands)
            if a is not None and b is not None:
                res = _interval(name, a, b)
                if res is not None:
                    self._set(op.results[0], *res)
                    return
            self.r.pop(op.results[0], None)
        elif name == "ruff.for_range":
            start, stop, step = (self.r.get(x) for x in op.operands)
            arg = op.regions[0].args[0]
            if start and stop and step and step[0] == step[1] and step[0] > 0 and stop[1] - 1 >= start[0]:
                self._set(arg, start[0], stop[1] - 1)
            else:
                self.r.pop(arg, None)
        for region in op.regions:
            self.region(region)


def _interval(name: str, a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    if name == "ruff.add":
        return a[0] + b[0], a[1] + b[1]
    if name == "ruff.sub":
        return a[0] - b[1], a[1] - b[0]
    if name == "ruff.mul":
        prods = [x * y for x in a for y in b]
        return min(prods), max(prods)
    if b[0] == b[1] and b[0] > 0:
        c = b[0]
        if name == "ruff.mod":
            return (0, c - 1) if a[0] >= 0 else (-(c - 1), c - 1)
        return (int(a[0] / c) if a[0] >= 0 else -((-a[0]) // c), a[1] // c if a[1] >= 0 else -((-a[1]) // c))
    return None
