"""Facts about one function of the compact `ruff` IR, for the code generators of both tiers.

Kinds (`rufc.runtime.types.Inference`) and value ranges (`rufc.runtime.types.Ranges`)
live in `rufc.runtime.types`; this module has the other analyses the cold tier's code
generator (`rufc.runtime.codegen`) relies on. Each function computes a fact about the
IR only: how the fact is spelled in generated code (Python names such as `v<N>`, the
lines emitted) stays with the code generator, so the JIT's passes can use the same
facts for their own lowering.

All functions are pure: they read the IR and never change it. Value ids are the
integers of the compact encoding; ops are identified by `id(op)` where a set of ops
is returned (the IR's `Op` compares by value, so two equal ops are still two ops).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final, NamedTuple

from rufc.dialects.optable import Op, Region
from rufc.runtime.types import slot_of

# ---------------------------------------------------------------- traversal

def walk(region: Region) -> Iterator[Op]:
    """Every op of a region, nested ones included, in program order (an op before the
    ops of its regions). Iterative: Ruff blocks may nest deeper than Python recursion."""
    stack = [iter(region.ops)]
    while stack:
        op = next(stack[-1], None)
        if op is None:
            stack.pop()
            continue
        yield op
        for r in reversed(op.regions):
            stack.append(iter(r.ops))


def regions(region: Region) -> Iterator[Region]:
    """The region and every region nested in it. Analyses that look at neighbouring
    ops (an op and the one right after it) work region by region."""
    stack = [region]
    while stack:
        r = stack.pop()
        yield r
        for op in r.ops:
            stack.extend(op.regions)


def defs(func: Op) -> dict[int, Op]:
    """The op defining each value of a ruff.func (block arguments have none): the
    code generators look through a value to the op that made it (a push idiom, a
    global load feeding a call, a container made fresh by the op)."""
    return {r: op for op in walk(func.regions[0]) for r in op.results}


def uses(func: Op) -> dict[int, list[Op]]:
    """The ops using each value of a ruff.func, once per operand position (an op using
    a value twice is listed twice). A value with exactly one use can be nested into
    its user's expression, computed straight into a variable, or dropped after it is
    stored (so copy-on-write sees the variable as the only owner)."""
    out: dict[int, list[Op]] = {}
    for op in walk(func.regions[0]):
        for v in op.operands:
            out.setdefault(v, []).append(op)
    return out


def use_counts(func: Op) -> dict[int, int]:
    """The number of uses of each used value (`uses` counted)."""
    return {v: len(users) for v, users in uses(func).items()}


# ---------------------------------------------------------------- slots

def slot_kinds(func: Op) -> list[str]:
    """The declaration kind of each local slot: "mut", "let", "const", or "mixed" (one
    slot declared both mutable and immutable in different places, so the kind of the
    binding is tracked at run time). Stores to a slot that is not "mut" need a check."""
    return [s.split(":")[1] if ":" in s else "mut"
            for s in func.attrs["slots"]]  # type: ignore[union-attr]


def maybe_unbound_slots(func: Op, kinds: list[str]) -> set[int]:
    """Slots that must hold an explicit UNBOUND marker while not bound: slots read
    through a '?' chain candidate (LANGUAGE.md §5: "maybe bound"), slots whose
    declaration checks for a duplicate, and slots of mixed kind. Every other slot is
    always bound where it is read, so it needs no marker and no test."""
    out: set[int] = {i for i, k in enumerate(kinds) if k == "mixed"}
    for op in walk(func.regions[0]):
        for ref in op.attrs.get("chain", ()) or ():  # type: ignore[union-attr]
            if ref.startswith("l") and ref.endswith("?"):
                out.add(int(ref[1:-1]))
        if op.name == "ruff.declare_var" and op.attrs["check"]:
            t = op.attrs["target"]
            if isinstance(t, str) and t.startswith("l"):
                out.add(int(t[1:]))
    return out


def plain_slots(kinds: list[str], cells: set[int], maybe: set[int]) -> set[int]:
    """Slots that are plain mutable variables: not captured by a closure (a cell), not
    maybe-unbound, declared `mut` only. A value can be written into such a slot
    directly (no check, no marker, no cell), e.g. as the loop variable or as the
    target of a computation."""
    return {i for i, k in enumerate(kinds) if k == "mut" and i not in cells and i not in maybe}


# ---------------------------------------------------------------- idioms

def push_idioms(func: Op, defs: dict[int, Op], counts: dict[int, int]) -> set[int]:
    """`a := push(a, x)` (or append) where the loaded `a` and the call's result are
    used nowhere else: the ids of those ruff.call_builtin ops. The push may then
    append in place when the variable holds the only reference to the array
    (LANGUAGE.md §10 requires amortized O(1) pushes)."""
    out: set[int] = set()
    for op in walk(func.regions[0]):
        if op.name != "ruff.store_var":
            continue
        call = defs.get(op.operands[0])
        if (call is None or call.name != "ruff.call_builtin"
                or call.attrs["callee"] not in ("push", "append")
                or len(call.operands) != 2 or counts.get(call.results[0]) != 1):
            continue
        load = defs.get(call.operands[0])
        if (load is not None and load.name == "ruff.load_var"
                and load.attrs["name"] == op.attrs["name"]
                and load.attrs["chain"] == op.attrs["chain"]
                and counts.get(load.results[0]) == 1):
            out.add(id(call))
    return out


# Ops that cannot rebind a global (they run no Ruff code and store nothing).
NO_GLOBAL_WRITES: Final = frozenset({
    "ruff.const", "ruff.load_var", "ruff.add", "ruff.sub", "ruff.mul", "ruff.div",
    "ruff.mod", "ruff.eq", "ruff.ne", "ruff.lt", "ruff.le", "ruff.gt", "ruff.ge",
    "ruff.neg", "ruff.not", "ruff.truthy", "ruff.is_null", "ruff.box_bool",
    "ruff.get_index", "ruff.get_field", "ruff.make_variant", "ruff.get_struct"})


def lazy_global_callees(func: Op, defs: dict[int, Op], counts: dict[int, int]) -> set[int]:
    """`f(args)` with f a global: the values of the global loads that may be read as
    part of the call instead of before the arguments. Ruff reads the callee first,
    but when nothing between the load and the call (in the same block) can rebind a
    global, reading it at the call gives the same value, and the load needs no
    temporary of its own."""
    out: set[int] = set()
    for r in regions(func.regions[0]):
        ops = r.ops
        where = {id(o): k for k, o in enumerate(ops)}
        for k, op in enumerate(ops):
            if op.name != "ruff.call":
                continue
            load = defs.get(op.operands[0])
            if (load is None or load.name != "ruff.load_var" or id(load) not in where
                    or load.attrs["chain"] not in (("g",), ("g", "b"))
                    or counts.get(op.operands[0]) != 1):
                continue
            between = ops[where[id(load)] + 1:k]
            if all(o.name in NO_GLOBAL_WRITES and not o.regions for o in between):
                out.add(op.operands[0])
    return out


class Append(NamedTuple):
    """`x = x + y`: the load of x, the add and the store, and x's reference ("g": a
    global; "l<N>": local slot N)."""
    load: Op
    add: Op
    store: Op
    ref: str


def append_idioms(func: Op, counts: dict[int, int]) -> dict[int, Append]:
    """`x = x + y` where the loaded x feeds only the add, the sum only the store right
    after it, x is a global or a local slot (not a closure's cell), and nothing
    between the load and the add can rebind a global: id(add) -> the idiom. On two
    strings such an add may append to x's string in place when x holds the only
    reference to it (CPython's own in-place append), so a string built in a loop
    costs linear time; the code generators decide whether (`may_append_strings`; a
    global: the helper `append_global`; a local in native code: `appends_in_place`)."""
    out: dict[int, Append] = {}
    for r in regions(func.regions[0]):
        ops = r.ops
        where = {id(o): k for k, o in enumerate(ops)}
        for k in range(1, len(ops)):
            add, store = ops[k - 1], ops[k]
            if (store.name != "ruff.store_var" or add.name != "ruff.add"
                    or store.operands[0] != add.results[0]
                    or counts.get(add.results[0]) != 1):
                continue
            chain = store.attrs["chain"]
            if not isinstance(chain, tuple) or len(chain) != 1:
                continue
            ref = chain[0]
            load = next((o for o in ops[:k - 1] if add.operands[0] in o.results), None)
            if (load is None or load.name != "ruff.load_var" or load.attrs["chain"] != chain
                    or load.attrs["name"] != store.attrs["name"]
                    or counts.get(add.operands[0]) != 1):
                continue
            if ref == "g":
                between = ops[where[id(load)] + 1:k - 1]
                if not all(o.name in NO_GLOBAL_WRITES and not o.regions for o in between):
                    continue
            elif not (ref.startswith("l") and ref[1:].isdigit()):
                continue   # a free variable's cell, a maybe-bound candidate
            out[id(add)] = Append(load, add, store, ref)
    return out


def may_append_strings(idiom: Append, kind: Callable[[int], str]) -> bool:
    """Can the idiom's add be of two strings (`kind`: a value's inferred kind)? Not when
    the sum is known to be a number or y is known not to be a string: nothing to
    append to then, and the plain `+` is cheaper."""
    return (kind(idiom.add.results[0]) not in ("int", "float")
            and kind(idiom.add.operands[1]) in ("str", "any"))


def appends_in_place(func: Op, idioms: list[Append]) -> set[int]:
    """The ids of the adds of local `append_idioms` idioms that native code may append
    in place: no other value loaded from x is still to be used when the store runs
    (native code borrows the variable's string for a loaded value, and the append may
    move or change it). That holds when every other load of x has all its uses in its
    own block, and none of those blocks has the load before the store (or before the
    op whose regions hold it) and a use at or after it. One walk of the function for
    all of them."""
    slots = {a.ref for a in idioms}
    parent: dict[int, tuple[int, int]] = {}   # id(op) -> (id(its region), index)
    owner: dict[int, Op] = {}                 # id(region) -> the op it belongs to
    loads: dict[str, list[Op]] = {}           # slot -> the loads that read it
    users: dict[int, list[Op]] = {}
    stack = [func.regions[0]]
    while stack:
        r = stack.pop()
        for k, op in enumerate(r.ops):
            parent[id(op)] = (id(r), k)
            for v in op.operands:
                users.setdefault(v, []).append(op)
            for sub in op.regions:
                owner[id(sub)] = op
                stack.append(sub)
            if op.name == "ruff.load_var":
                chain: tuple[str, ...] = op.attrs["chain"]  # type: ignore[assignment]
                for ref in {c.rstrip("?") for c in chain} & slots:
                    loads.setdefault(ref, []).append(op)

    def outlives(load: Op, store: Op) -> bool:
        region, at = parent[id(load)]
        # the store, or the op of this block whose regions hold it
        up: Op | None = store
        while up is not None and parent[id(up)][0] != region:
            up = owner.get(parent[id(up)][0])
        for v in load.results:
            for u in users.get(v, []):
                if parent[id(u)][0] != region:
                    return True
                if up is not None and at < parent[id(up)][1] <= parent[id(u)][1]:
                    return True
        return False

    return {id(a.add) for a in idioms
            if not any(load is not a.load and outlives(load, a.store)
                       for load in loads.get(a.ref, []))}


# Ops whose result may be computed straight into the variable that stores it.
FORWARDABLE: Final = frozenset({"ruff.call", "ruff.add", "ruff.sub", "ruff.mul"})


class Forward(NamedTuple):
    """A store that can take its value directly: the value is computed into `slot`,
    and `store` (the ruff.store_var right after the computation) has nothing left
    to do."""
    slot: int
    store: Op


def forwarding(func: Op, counts: dict[int, int], push: set[int],
               plain: set[int]) -> dict[int, Forward]:
    """`x := f(...)` or `x := a + b`, x a plain slot (see `plain_slots`), the value
    used only by the store right after the op that computes it: value -> where it
    can be computed. Computing straight into x saves a temporary that would be
    copied and would keep a second reference (which copy-on-write would count).
    Pushes done in place (`push`, see `push_idioms`) already write their variable.
    This says where the value *can* go; a code generator may still compute it into a
    temporary (the cold tier does for arithmetic that is not on ints) and then store
    it as the skipped ruff.store_var would have."""
    out: dict[int, Forward] = {}
    for r in regions(func.regions[0]):
        for prev, op in zip(r.ops, r.ops[1:]):
            if (op.name == "ruff.store_var" and prev.name in FORWARDABLE
                    and prev.results and op.operands[0] == prev.results[0]
                    and counts.get(prev.results[0]) == 1
                    and id(prev) not in push):
                chain = op.attrs["chain"]
                slot = slot_of(chain[0]) if len(chain) == 1 else None  # type: ignore[index,arg-type]
                if slot is not None and slot in plain:
                    out[prev.results[0]] = Forward(slot, op)
    return out
