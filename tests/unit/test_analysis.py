"""The IR analyses of `rufc.runtime.analysis` on small programs (and hand-built IR where
the front end makes a shape rare), and the cold tier's code generator using them."""
from __future__ import annotations

from rufc.dialects.optable import Op, Region
from rufc.frontend.irgen import lower_program
from rufc.frontend.parser import parse
from rufc.runtime import analysis as A
from rufc.runtime.builtins import BUILTINS, CONSTANTS
from rufc.runtime.codegen import FuncGen, GenOptions, ModuleGen
from rufc.runtime.vm import VM

NAMES = frozenset(BUILTINS) | frozenset(CONSTANTS)

PROGRAM = """
func g(n) { return n }
func h(n) { return n }
func f(n) {
    mut a := []
    a := push(a, n)
    mut b := []
    b := push(a, n)
    mut x := 0
    x := g(n)
    x := x + 1
    x := g(h(n))
    x := x + x
    let k := g(n + 1)
    for i in range(0, n) { x := x + i }
    mut z := 0
    w := func() { return z }
    z := g(1)
    return [a, b, k, w]
}
"""


def _func(source: str, name: str = "f") -> Op:
    return lower_program(parse(source, "t.ruff"), NAMES).funcs()[name]


def _func_op(slots: tuple[str, ...], ops: list[Op]) -> Op:
    return Op("ruff.func", attrs={"sym_name": "f", "name": "f", "params": (), "slots": slots,
                                  "cells": (), "free": ()}, regions=(Region(ops=ops),))


def _find(func: Op, name: str, **attrs: object) -> list[Op]:
    return [op for op in A.walk(func.regions[0])
            if op.name == name and all(op.attrs.get(k) == v for k, v in attrs.items())]


def _recursive(region: Region) -> list[Op]:
    out = []
    for op in region.ops:
        out.append(op)
        for r in op.regions:
            out.extend(_recursive(r))
    return out


def test_walk_is_program_order_with_nested_ops_after_their_op() -> None:
    f = _func(PROGRAM)
    assert [id(op) for op in A.walk(f.regions[0])] == [id(op) for op in _recursive(f.regions[0])]
    nested = [r for op in _recursive(f.regions[0]) for r in op.regions]
    assert [id(r) for r in A.regions(f.regions[0])][0] == id(f.regions[0])
    assert {id(r) for r in A.regions(f.regions[0])} == {id(f.regions[0])} | {id(r) for r in nested}


def test_walk_does_not_recurse() -> None:
    inner = Region(ops=[Op("ruff.break")])
    for _ in range(5000):   # deeper than Python's recursion limit
        inner = Region(ops=[Op("ruff.loop", regions=(inner,))])
    assert sum(1 for _ in A.walk(inner)) == 5001


def test_defs_and_uses() -> None:
    f = _func(PROGRAM)
    defs, uses, counts = A.defs(f), A.uses(f), A.use_counts(f)
    for op in A.walk(f.regions[0]):
        for r in op.results:
            assert defs[r] is op
    for v, users in uses.items():
        assert counts[v] == len(users)
        assert all(v in u.operands for u in users)
    assert set(counts) == {v for op in A.walk(f.regions[0]) for v in op.operands}
    # an op using one value twice is listed (and counted) twice
    add = Op("ruff.add", results=(1,), operands=(0, 0))
    g = _func_op(("a",), [Op("ruff.const", results=(0,), attrs={"value": 1}), add])
    assert A.uses(g) == {0: [add, add]} and A.use_counts(g) == {0: 2}


def test_push_idioms_are_pushes_into_their_own_variable() -> None:
    f = _func(PROGRAM)
    pushes = _find(f, "ruff.call_builtin", callee="push")
    got = A.push_idioms(f, A.defs(f), A.use_counts(f))
    assert got == {id(pushes[0])}   # `a := push(a, n)`, not `b := push(a, n)`


def test_lazy_global_callees_need_nothing_that_may_rebind_a_global_before_the_call() -> None:
    f = _func(PROGRAM)
    defs = A.defs(f)
    lazy = A.lazy_global_callees(f, defs, A.use_counts(f))
    callee = {c.results[0]: defs[c.operands[0]] for c in _find(f, "ruff.call")}
    lazy_names = sorted(defs[v].attrs["name"] for v in lazy)  # type: ignore[type-var]
    # g(n), g(n+1), g(1) and the inner h(n): their arguments cannot rebind a global.
    # The outer g of g(h(n)) is read before h runs, which might rebind g.
    assert lazy_names == ["g", "g", "g", "h"]
    outer = next(c for c in _find(f, "ruff.call") if defs[c.operands[1]].name == "ruff.call")
    assert outer.operands[0] not in lazy
    assert all(callee[r].attrs["chain"] in (("g",), ("g", "b")) for r in callee)


def test_forwarding_targets_plain_mutable_slots_only() -> None:
    f = _func(PROGRAM)
    kinds = A.slot_kinds(f)
    cells = set(f.attrs["cells"])  # type: ignore[arg-type]
    maybe = A.maybe_unbound_slots(f, kinds)
    plain = A.plain_slots(kinds, cells, maybe)
    counts = A.use_counts(f)
    push = A.push_idioms(f, A.defs(f), counts)
    fwd = A.forwarding(f, counts, push, plain)
    names = f.attrs["slots"]
    assert {names[fw.slot] for fw in fwd.values()} == {"x"}   # type: ignore[index]
    for v, fw in fwd.items():
        assert fw.store.name == "ruff.store_var" and fw.store.operands == (v,)
        assert fw.store.attrs["chain"] == (f"l{fw.slot}",)
    # x := g(n), x := x + 1, x := g(h(n)), x := x + x, and x := x + i in the loop
    assert len(fwd) == 5
    # not the push (done in place), not the `let` k, not z (a cell: captured by w)
    z = names.index("z")   # type: ignore[union-attr]
    assert z in cells and z not in plain
    assert kinds[names.index("k:let")] == "let"   # type: ignore[union-attr]


def test_maybe_unbound_and_plain_slots() -> None:
    f = _func_op(("a", "b", "c:mixed", "d", "e:const"), [
        Op("ruff.load_var", results=(0,), attrs={"name": "a", "chain": ("l0?", "g")}),
        Op("ruff.const", results=(1,), attrs={"value": 1}),
        Op("ruff.if", operands=(1,), regions=(Region(ops=[
            Op("ruff.declare_var", operands=(1,), attrs={"name": "b", "kind": "mut",
                                                         "target": "l1", "check": True}),
        ]), Region())),
        Op("ruff.declare_var", operands=(1,), attrs={"name": "x", "kind": "mut",
                                                     "target": "g", "check": True}),
        Op("ruff.declare_var", operands=(1,), attrs={"name": "d", "kind": "mut",
                                                     "target": "l3", "check": False}),
    ])
    kinds = A.slot_kinds(f)
    assert kinds == ["mut", "mut", "mixed", "mut", "const"]
    maybe = A.maybe_unbound_slots(f, kinds)
    assert maybe == {0, 1, 2}
    assert A.plain_slots(kinds, {3}, maybe) == set()
    assert A.plain_slots(kinds, set(), maybe) == {3}


def test_the_code_generator_uses_the_analyses() -> None:
    module = lower_program(parse(PROGRAM, "t.ruff"), NAMES)
    vm = VM()
    vm.generate(module)
    f = module.funcs()["f"]
    gen = FuncGen(vm.modgen, f)
    counts = A.use_counts(f)
    assert gen.uses == counts and gen.defs == A.defs(f)
    assert gen.push_into == A.push_idioms(f, gen.defs, counts)
    assert gen.lazy_globals == A.lazy_global_callees(f, gen.defs, counts)
    fwd = A.forwarding(f, counts, gen.push_into, gen.plain_slots)
    assert gen.forward == {v: f"v{fw.slot}" for v, fw in fwd.items()}
    source = ModuleGen(module, vm.modgen.builtin_kinds, vm.modgen.builtin_arity,
                       GenOptions(jit=False)).generate().source
    for fw in fwd.values():   # the values are computed straight into the locals
        assert f"v{fw.slot} = " in source
