"""On-stack replacement, compiler side: a function's *continuation* from a hot loop.

When a loop of a function running in the VM gets hot, the JIT compiles the rest of
the function from that loop on (the loop and every op after it in the function's
body) as a synthetic `ruff.func`, and the VM frame hands its live variables to it
and returns what it returns (see docs/jit.md, "Hot loops"). The native code finishes
the function: no variable has to be written back to the VM frame, a `return` inside
the loop is an ordinary return, and `break`/`continue` stay inside the loop.

Only loops in the function body's own region (not nested in an `if`, a `try` or
another loop) have a continuation; a hot inner loop is compiled as part of the
outermost loop around it (its counter is that loop's).

The continuation (compact IR only, no xDSL):

* its parameters are the slots the continuation references that are bound when the
  VM hands over (the VM passes their values, whose kinds are the specialization),
  and for `for i in range(a, b, s)` the range's start, stop and step that are not
  int constants (the VM has evaluated them; the loop restarts from `start`, so the
  VM enters it before its first iteration);
* its slots are the function's, renumbered so that parameters come first (slot
  attributes are untouched, so `let`/`const` rules stay as they were);
* its name is the function's (tracebacks show the function) and its symbol is
  `osr.<sym>.<line>.<col>`.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

from rufc.dialects.optable import AttrValue, Op, Region, renumber
from rufc.runtime.analysis import walk

LOOPS = ("ruff.for_range", "ruff.while", "ruff.loop")
RANGE_PARAMS = ("<start>", "<stop>", "<step>")
# A continuation compiles everything after the loop: past this many ops (~50 ms of
# lowering per 1000 ops), compiling would cost more than a hot loop usually saves.
MAX_OPS = 3000
# ... and past this many ops on boxed values (ProgramInfo.boxed_ops, as the function
# budget program.MAX_BOXED_FUNCTION_OPS counts), which cost far more to compile (~3.5
# ms each for string statements: 1500 ops took 5.2 s, 2026-12-05). Lower than the
# function's: the loop waits in the VM's thread while its continuation compiles.
MAX_BOXED_OPS = 600


class NoContinuation(Exception):
    """The loop has no continuation the JIT can compile (the reason is the message)."""


@dataclass
class Continuation:
    """A synthetic function and how the VM's frame maps onto its parameters."""
    func: Op
    slots: tuple[int, ...]   # the original slots passed as parameters, in order
    range_params: tuple[int, ...]   # then these of the range's (start, stop, step)


def osr_symbol(sym: str, line: int, col: int) -> str:
    return f"osr.{sym}.{line}.{col}"


def top_loops(func: Op) -> list[Op]:
    """The loops that can hand over to native code: those of the body's own region."""
    return [op for op in func.regions[0].ops if op.name in LOOPS]


def _slot_refs(op: Op) -> list[int]:
    """The local slots an op names (reads, writes, scope entries)."""
    out = []
    a = op.attrs
    for key in ("chain",):
        for ref in a.get(key, ()) or ():   # type: ignore[union-attr]
            if isinstance(ref, str) and ref.startswith("l"):
                out.append(int(ref.rstrip("?")[1:]))
    for key in ("create", "target"):
        ref = a.get(key)
        if isinstance(ref, str) and ref.startswith("l"):
            out.append(int(ref.rstrip("?")[1:]))
    if op.name == "ruff.scope_enter":
        out.extend(a["slots"])   # type: ignore[arg-type]
    return out


def referenced_slots(func: Op, line: int, col: int) -> tuple[int, list[Op]]:
    """(index of the loop in the body, the ops of the continuation)."""
    body = func.regions[0].ops
    for i, op in enumerate(body):
        if op.name in LOOPS and op.line == line and op.col == col:
            return i, body[i:]
    raise NoContinuation(f"no loop at {line}:{col} in the function's body")


def slots_used(ops: list[Op]) -> set[int]:
    used: set[int] = set()
    for top in ops:
        for op in walk(Region(ops=[top])):
            used.update(_slot_refs(op))
    return used


def continuation(func: Op, line: int, col: int, bound: set[int]) -> Continuation:
    """The continuation of `func` from its loop at line:col, with the slots in `bound`
    bound in the VM frame. Raises NoContinuation with the reason."""
    if func.attrs["free"] or func.attrs["cells"]:
        raise NoContinuation("the function is a closure or captures variables")
    index, ops = referenced_slots(func, line, col)
    size = sum(1 for top in ops for _ in walk(Region(ops=[top])))
    if size > MAX_OPS:
        raise NoContinuation(f"the rest of the function has {size} ops (more than "
                             f"{MAX_OPS}: too long to compile)")
    ops = copy.deepcopy(ops)
    loop = ops[0]
    defined = _values_defined_within(ops, loop)
    used = slots_used(ops)
    params = sorted(used & bound)
    slot_names: tuple[str, ...] = func.attrs["slots"]  # type: ignore[assignment]
    # a range's int constants (the start and step of `range(n)`) stay constants, so
    # LLVM knows the loop's direction; its other bounds are parameters
    consts: list[int | None] = []
    range_params: tuple[int, ...] = ()
    if loop.name == "ruff.for_range":
        defs = defs_of(func)
        consts = [_int_const(defs.get(v)) for v in loop.operands]
        range_params = tuple(k for k in range(3) if consts[k] is None)
    extra = [RANGE_PARAMS[k] for k in range_params]
    # parameters first: the bound slots, then the range's bounds; then the rest
    others = [s for s in range(len(slot_names)) if s not in params]
    new_of = {old: i for i, old in enumerate(params)}
    new_of.update({old: len(params) + len(extra) + j for j, old in enumerate(others)})
    names = (tuple(slot_names[s] for s in params) + tuple(extra)
             + tuple(slot_names[s] for s in others))
    pre = _range_bounds(loop, consts, range_params, defined, len(params)) if consts else []
    param_names = tuple(slot_names[s].split(":")[0] for s in params) + tuple(extra)
    for top in ops:
        for op in walk(Region(ops=[top])):
            _remap(op, new_of)
    sym = osr_symbol(func.attrs["sym_name"], line, col)  # type: ignore[arg-type]
    new = Op("ruff.func", attrs={"sym_name": sym, "name": func.attrs["name"],
                                 "params": param_names, "slots": names,
                                 "cells": (), "free": ()},
             regions=(Region(ops=pre + ops),), line=func.line, col=func.col)
    renumber(new)
    return Continuation(new, tuple(params), range_params)


def _values_defined_within(ops: list[Op], loop: Op) -> set[int]:
    """The values (op results, block arguments) that `ops`, the loop and the rest of the
    function, define. Raises NoContinuation if an op other than the loop itself uses a
    value computed before the loop (the continuation could not have it)."""
    defined: set[int] = set()
    for top in ops:
        for op in walk(Region(ops=[top])):
            defined.update(op.results)
            for r in op.regions:
                defined.update(r.args)
    for top in ops:
        for op in walk(Region(ops=[top])):
            if op is loop:
                continue
            for v in op.operands:
                if v not in defined:
                    raise NoContinuation(f"a value computed before the loop is used at "
                                         f"{op.line}:{op.col}")
    return defined


def _range_bounds(loop: Op, consts: list[int | None], range_params: tuple[int, ...],
                  defined: set[int], nparams: int) -> list[Op]:
    """The ops computing a `ruff.for_range` loop's three bounds at the start of the
    continuation, in new values: a constant where `consts` has one, else a load of its
    parameter (after the `nparams` bound slots). Makes the loop use them."""
    pre: list[Op] = []
    nxt = max(defined | set(loop.operands), default=0) + 1
    for k in range(3):
        if consts[k] is not None:
            pre.append(Op("ruff.const", results=(nxt + k,), attrs={"value": consts[k]},
                          line=loop.line, col=loop.col))
        else:
            slot = nparams + range_params.index(k)
            pre.append(Op("ruff.load_var", results=(nxt + k,),
                          attrs={"name": RANGE_PARAMS[k], "chain": (f"l{slot}",)},
                          line=loop.line, col=loop.col))
    loop.operands = tuple(op.results[0] for op in pre)
    return pre


def defs_of(func: Op) -> dict[int, Op]:
    from rufc.runtime.analysis import defs
    return defs(func)


def _int_const(op: Op | None) -> int | None:
    if op is not None and op.name == "ruff.const" and type(op.attrs["value"]) is int:
        return op.attrs["value"]
    return None


def _remap(op: Op, new_of: dict[int, int]) -> None:
    """Rename the slot references of `op` ("lN" / "lN?") through `new_of`."""
    def ref(r: AttrValue) -> AttrValue:
        if isinstance(r, str) and r.startswith("l") and r[1:].rstrip("?").isdigit():
            q = "?" if r.endswith("?") else ""
            return f"l{new_of[int(r.rstrip('?')[1:])]}{q}"
        return r
    a = dict(op.attrs)
    if "chain" in a:
        a["chain"] = tuple(ref(r) for r in op.strs_attr("chain"))
    for key in ("create", "target"):
        if key in a:
            a[key] = ref(a[key])
    if op.name == "ruff.scope_enter":
        a["slots"] = tuple(new_of[s] for s in op.ints_attr("slots"))
    op.attrs = a


# ---------------------------------------------------------------- the top level

def private_globals(module_funcs: dict[str, Op], main: Op, names: set[str]) -> set[str]:
    """Of `names` (globals of the top level), those no function other than the top
    level names at all: while the top level's continuation runs natively, nobody else
    can read or write them, so they can live in native slots."""
    seen: set[str] = set()
    for f in module_funcs.values():
        if f is main:
            continue
        for op in walk(f.regions[0]):
            n = op.attrs.get("name")
            if isinstance(n, str) and n in names:
                seen.add(n)
            if op.name == "ruff.make_function":
                seen.update(c for c in op.attrs["captures"] if c in names)  # type: ignore[union-attr]
    return names - seen


def global_names(main: Op, line: int, col: int) -> set[str]:
    """The globals the top level's continuation from its loop at line:col reads or
    writes as plain values (chain ["g"]), other than by declaring them."""
    _, ops = referenced_slots(main, line, col)
    out: set[str] = set()
    declared: set[str] = set()
    for top in ops:
        for op in walk(Region(ops=[top])):
            if op.name == "ruff.declare_var" and op.attrs["target"] == "g":
                declared.add(op.attrs["name"])  # type: ignore[arg-type]
            elif op.name in ("ruff.load_var", "ruff.store_var", "ruff.update_path") \
                    and "g" in op.attrs["chain"]:  # type: ignore[operator]
                out.add(op.attrs["name"])  # type: ignore[arg-type]
    return out - declared


def globals_to_slots(main: Op, names: list[str]) -> Op:
    """A copy of the top level where the globals `names` are local slots (appended
    after its own, in this order): the continuation then takes their values as
    parameters like any other live variable.

    Every reference is rewritten, also the global in a chain of candidates: a name
    assigned in a block before it is declared there reads `["l1?", "g"]` (the block's
    own variable if bound, else the global); left a global, it would read and write
    the global while the other references use the slot (an assignment was lost)."""
    new = copy.deepcopy(main)
    base = len(main.attrs["slots"])  # type: ignore[arg-type]
    slot = {n: base + i for i, n in enumerate(names)}
    for op in walk(new.regions[0]):
        n = op.attrs.get("name")
        if n not in slot or op.name not in ("ruff.load_var", "ruff.store_var",
                                            "ruff.update_path"):
            continue
        chain = tuple(op.attrs["chain"])  # type: ignore[arg-type]
        if "g" not in chain:
            continue
        a = dict(op.attrs)
        ref = f"l{slot[n]}"
        if chain == ("g",):
            a["chain"] = (ref,)
        else:   # one candidate of several: bound or not, as the global was
            a["chain"] = tuple(f"{ref}?" if r == "g" else r for r in chain)
        if op.name == "ruff.store_var" and (chain == ("g",) or a.get("create") == "g"):
            a["create"] = ref
        op.attrs = a
    new.attrs = dict(new.attrs)
    new.attrs["slots"] = tuple(main.strs_attr("slots")) + tuple(names)
    return new


def immutable_written(main: Op, line: int, col: int) -> set[str]:
    """`let`/`const` globals of the top level that its continuation from line:col
    assigns (the VM raises there: they must stay globals, and the loop in the VM)."""
    imm = {op.attrs["name"] for op in walk(main.regions[0])
           if op.name == "ruff.declare_var" and op.attrs["target"] == "g"
           and op.attrs["kind"] != "mut"}
    _, ops = referenced_slots(main, line, col)
    out: set[str] = set()
    for top in ops:
        for op in walk(Region(ops=[top])):
            if op.name in ("ruff.store_var", "ruff.update_path") and op.attrs["name"] in imm:
                out.add(op.attrs["name"])  # type: ignore[arg-type]
    return out
