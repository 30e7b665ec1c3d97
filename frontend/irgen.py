"""AST -> the `ruff` dialect's compact encoding (`rufc.dialects.optable`), in memory.

This is where Ruff's scoping rules (LANGUAGE.md §5) are resolved once, so that
neither the VM nor the JIT ever looks a name up by walking scopes at run time:

1. Every block scope gets a slot per name it may bind (found by a pre-scan of the
   block, so that a closure created before `x := 1` still sees that `x`).
2. Walking statements in order, each slot is UNBOUND, SURE (bound on every path) or
   MAYBE. A name use becomes a `chain` of candidates, innermost first: slots of the
   enclosing blocks ("lN", or "lN?" when MAYBE), cells captured from enclosing
   functions ("fN"/"fN?"), the global ("g", only if top-level code can bind that
   name) and the builtin ("b"). UNBOUND slots are left out; a SURE one ends the chain.
3. Globals are the names bound by top-level statements (hoisted funcs and structs
   included). Blocks at the top level have slots like function blocks do.

Everything else is a direct translation; `rufc.frontend.ast` documents the nodes and
`rufc.dialects.optable` the ops.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rufc.dialects.optable import MAIN_SYMBOL, Module, Op, Region, renumber
from rufc.frontend import ast as A
from rufc.frontend.gcpause import paused_gc

UNBOUND, MAYBE, SURE = 0, 1, 2

BINARY_OPS = {"+": "ruff.add", "-": "ruff.sub", "*": "ruff.mul", "/": "ruff.div",
              "%": "ruff.mod", "==": "ruff.eq", "!=": "ruff.ne", "<": "ruff.lt",
              "<=": "ruff.le", ">": "ruff.gt", ">=": "ruff.ge"}
COMPOUND_OPS = {"+=": "ruff.add", "-=": "ruff.sub", "*=": "ruff.mul", "/=": "ruff.div",
                "%=": "ruff.mod"}


@dataclass
class Scope:
    """A block scope. `slots` maps the names it may bind to slot numbers (None in the
    global scope, whose names live in the globals table)."""
    slots: dict[str, int]
    status: dict[int, int]
    is_global: bool = False


@dataclass
class FuncCtx:
    """The function being lowered."""
    parent: FuncCtx | None
    sym: str
    name: str
    params: list[str]
    slot_names: list[str] = field(default_factory=list)
    slot_kinds: list[set[str]] = field(default_factory=list)
    cells: set[int] = field(default_factory=set)
    free: list[tuple[str, str]] = field(default_factory=list)  # (name, ref in parent)
    scopes: list[Scope] = field(default_factory=list)
    loop_depth: int = 0
    next_value: int = 0

    def new_value(self) -> int:
        v = self.next_value
        self.next_value += 1
        return v

    def new_slot(self, name: str) -> int:
        self.slot_names.append(name)
        self.slot_kinds.append(set())
        return len(self.slot_names) - 1


def _kind(kinds: set[str]) -> str:
    """One slot's binding kind from the kinds of the statements that bind it."""
    if not kinds or kinds == {"mut"}:
        return "mut"
    return next(iter(kinds)) if len(kinds) == 1 else "mixed"


def _with_kind(name: str, kind: str) -> str:
    return name if kind == "mut" else f"{name}:{kind}"


def _bound_names(stmts: Iterable[A.Stmt]) -> list[str]:
    """Names a block's own statements may bind in that block (match bodies included,
    since they are not scopes), in first-appearance order."""
    out: dict[str, None] = {}
    for s in stmts:
        if isinstance(s, (A.Decl, A.FuncDecl, A.StructDecl)):
            out[s.name] = None
        elif isinstance(s, A.Assign) and not s.path:
            out[s.name] = None
        elif isinstance(s, A.DestructDecl):
            for n in _pattern_names(s.pattern):
                out[n] = None
        elif isinstance(s, A.Match):
            for case in s.cases:
                if case.binding:
                    out[case.binding] = None
                for n in _bound_names(case.body.stmts):
                    out[n] = None
            if s.default:
                for n in _bound_names(s.default.stmts):
                    out[n] = None
    return list(out)


def _pattern_names(p: A.Pattern) -> list[str]:
    if isinstance(p, A.ArrayPattern):
        return [i.name for i in p.items if isinstance(i, (A.PatName, A.PatRest))]
    return list(p.names) + ([p.rest] if p.rest else [])


class _Walker:
    """Collects program-wide facts: global names and names assigned anywhere."""

    def __init__(self, program: A.Program) -> None:
        self.globals: set[str] = set(_bound_names(program.stmts))
        self.assigned_anywhere: set[str] = set()
        stack: list[object] = list(program.stmts)
        while stack:
            n = stack.pop()
            if isinstance(n, A.Assign) and not n.path:
                self.assigned_anywhere.add(n.name)
            if isinstance(n, list):
                stack.extend(n)
                continue
            if isinstance(n, tuple):
                stack.extend(n)
                continue
            slots = getattr(type(n), "__slots__", ())
            for attr in slots:
                v = getattr(n, attr, None)
                if isinstance(v, (list, tuple)) or (hasattr(type(v), "__slots__")
                                                    and not isinstance(v, (str, A.Loc))):
                    stack.append(v)


class IRGen:
    """Lowers one Program to a Module. Use `lower(program)`."""

    def __init__(self, program: A.Program, builtins: frozenset[str],
                 session: Session | None = None) -> None:
        self.program = program
        self.builtins = builtins
        facts = _Walker(program)
        self.session = session
        self.globals = facts.globals | (session.globals if session else set())
        self.assigned_anywhere = facts.assigned_anywhere
        self.module = Module(file=program.file)
        self.func_ops: list[Op] = []
        self.struct_ops: list[Op] = []
        self.anon_count = 0
        self.sym_names: set[str] = set(session.syms) if session else set()
        self.ctx: FuncCtx = FuncCtx(None, MAIN_SYMBOL, "<main>", [])
        self.lowered: list[tuple[Op, FuncCtx]] = []   # for the kinds of free variables
        self.region: list[Op] = []

    # ------------------------------------------------------------ helpers

    def emit(self, name: str, operands: tuple[int, ...] = (), attrs: dict | None = None,
             regions: tuple[Region, ...] = (), loc: A.Loc | None = None, nresults: int = 0) -> Op:
        results = tuple(self.ctx.new_value() for _ in range(nresults))
        op = Op(name, results, operands, attrs or {}, regions,
                loc.line if loc else 0, loc.col if loc else 0)
        self.region.append(op)
        return op

    def value(self, name: str, operands: tuple[int, ...] = (), attrs: dict | None = None,
              loc: A.Loc | None = None) -> int:
        return self.emit(name, operands, attrs, (), loc, 1).results[0]

    def const(self, v: object, loc: A.Loc | None) -> int:
        return self.value("ruff.const", (), {"value": v}, loc)

    def unique_sym(self, base: str) -> str:
        sym = base
        n = 1
        while sym in self.sym_names or sym == MAIN_SYMBOL:
            n += 1
            sym = f"{base}_{n}"
        self.sym_names.add(sym)
        return sym

    def sub_region(self, args: int = 0) -> tuple[Region, list[Op]]:
        region = Region(tuple(self.ctx.new_value() for _ in range(args)), [])
        return region, region.ops

    # ------------------------------------------------------------ scopes

    def push_scope(self, stmts: list[A.Stmt], extra: Iterable[str] = (), is_global: bool = False,
                   emit_enter: bool = True) -> Scope:
        names = list(dict.fromkeys([*extra, *_bound_names(stmts)]))
        if is_global:
            scope = Scope({}, {}, True)
        else:
            slots = {n: self.ctx.new_slot(n) for n in names}
            scope = Scope(slots, {s: UNBOUND for s in slots.values()})
            if emit_enter and slots:
                self.emit("ruff.scope_enter", attrs={"slots": tuple(slots.values())})
        self.ctx.scopes.append(scope)
        return scope

    def pop_scope(self) -> None:
        self.ctx.scopes.pop()

    def chain(self, name: str, ctx: FuncCtx | None = None, closure: bool = False) -> tuple[str, ...]:
        """Candidates for `name` seen from the current point of `ctx`, innermost first.
        With `closure`, the lookup is on behalf of a function created here: it runs
        later, so a slot not bound yet may be bound by then (MAYBE, not UNBOUND)."""
        ctx = ctx or self.ctx
        out: list[str] = []
        for scope in reversed(ctx.scopes):
            if scope.is_global:
                break
            slot = scope.slots.get(name)
            if slot is None:
                continue
            st = scope.status[slot]
            if closure and st == UNBOUND:
                st = MAYBE
            if st == SURE:
                out.append(f"l{slot}")
                return tuple(out)
            if st == MAYBE:
                out.append(f"l{slot}?")
        if ctx.parent is not None:
            for ref in self.chain(name, ctx.parent, closure=True):
                if ref in ("g", "b"):
                    break
                maybe = ref.endswith("?")
                idx = self._capture(ctx, name, ref.rstrip("?"))
                out.append(f"f{idx}?" if maybe else f"f{idx}")
                if not maybe:
                    return tuple(out)
        if name in self.globals:
            out.append("g")
        if name in self.builtins:
            out.append("b")
        return tuple(out)

    def _capture(self, ctx: FuncCtx, name: str, parent_ref: str) -> int:
        """The free-variable index in ctx for parent_ref ("lN" or "fN" of ctx.parent)."""
        assert ctx.parent is not None
        if parent_ref.startswith("l"):
            ctx.parent.cells.add(int(parent_ref[1:]))
        for i, (_, ref) in enumerate(ctx.free):
            if ref == parent_ref:
                return i
        ctx.free.append((name, parent_ref))
        return len(ctx.free) - 1

    def current_target(self, name: str) -> str:
        scope = self.ctx.scopes[-1]
        if scope.is_global:
            return "g"
        return f"l{scope.slots[name]}"

    def mark(self, name: str, status: int, kind: str | None = None) -> None:
        scope = self.ctx.scopes[-1]
        if scope.is_global:
            return
        slot = scope.slots[name]
        scope.status[slot] = max(scope.status[slot], status) if status != SURE else SURE
        if kind:
            self.ctx.slot_kinds[slot].add(kind)

    def snapshot(self) -> dict[int, int]:
        return dict(self.ctx.scopes[-1].status)

    def merge(self, *states: dict[int, int]) -> None:
        """After a conditional that is not a scope (match cases): SURE only if SURE on all
        paths, UNBOUND only if UNBOUND on all, else MAYBE."""
        scope = self.ctx.scopes[-1]
        for slot in scope.status:
            vals = {s[slot] for s in states}
            scope.status[slot] = vals.pop() if len(vals) == 1 else MAYBE

    # ------------------------------------------------------------ entry

    def lower(self) -> Module:
        ctx = self.ctx
        self.sym_names.add(MAIN_SYMBOL)
        body = Region()
        self.region = body.ops
        self.push_scope(self.program.stmts, is_global=True)
        # Hoisting (§5): top-level funcs and structs are bound before the first statement.
        for s in self.program.stmts:
            if isinstance(s, A.StructDecl):
                self.lower_struct_decl(s)
        for s in self.program.stmts:
            if isinstance(s, A.FuncDecl):
                f = self.lower_function(s.name, s.params, s.body, s.loc, s.name)
                self.emit("ruff.declare_var", (f,), {"name": s.name, "kind": "mut", "target": "g",
                                                     "check": False}, loc=s.loc)
        self.lower_stmts(self.program.stmts, hoisted=True)
        self.pop_scope()
        main = self.func_op(ctx, body, A.Loc(self.program.file, 1, 1))
        self.module.ops = [*self.struct_ops, main, *self.func_ops]
        for op, fctx in self.lowered:  # kinds are final only once every function is lowered
            op.attrs["free"] = tuple(_with_kind(n, self.ref_kind(fctx.parent, ref))
                                     for n, ref in fctx.free)
        for op in self.module.ops:
            if op.name == "ruff.func":
                renumber(op)
        return self.module

    def ref_kind(self, ctx: FuncCtx | None, ref: str) -> str:
        """The binding kind (mut/let/const/mixed) behind a captured reference."""
        if ctx is None:
            return "mut"
        if ref.startswith("l"):
            return _kind(ctx.slot_kinds[int(ref[1:])])
        return self.ref_kind(ctx.parent, ctx.free[int(ref[1:])][1])

    def func_op(self, ctx: FuncCtx, body: Region, loc: A.Loc) -> Op:
        slots = [_with_kind(name, _kind(kinds)) for name, kinds in zip(ctx.slot_names, ctx.slot_kinds)]
        return Op("ruff.func", (), (), {
            "sym_name": ctx.sym, "name": ctx.name, "params": tuple(ctx.params),
            "slots": tuple(slots), "cells": tuple(sorted(ctx.cells)),
            "free": tuple(n for n, _ in ctx.free)}, (body,), loc.line, loc.col)

    # ------------------------------------------------------------ functions

    def lower_function(self, name: str | None, params: list[str], body: A.Block, loc: A.Loc,
                       sym_base: str, method_of: str | None = None) -> int:
        """Lift a function to a module-level ruff.func; return the closure value."""
        display = name if name else "<anonymous>"
        if method_of:
            display = f"{method_of}.{name}"
        sym = self.unique_sym(sym_base if name else f"anon_{self.anon_count}")
        if not name:
            self.anon_count += 1
        parent = None if method_of else self.ctx
        inner = FuncCtx(parent, sym, display, list(params))
        outer_ctx, outer_region = self.ctx, self.region
        self.ctx = inner
        region = Region()
        self.region = region.ops
        # Parameters are slots 0..n-1 of the body scope (a `let` of one is a duplicate).
        scope = self.push_scope(body.stmts, extra=params, emit_enter=False)
        for i in range(len(params)):
            scope.status[i] = SURE
            inner.slot_kinds[i].add("mut")
        self.lower_stmts(body.stmts)
        self.pop_scope()
        self.ctx, self.region = outer_ctx, outer_region
        self.func_ops.append(self.func_op(inner, region, loc))
        self.lowered.append((self.func_ops[-1], inner))
        captures = tuple(ref for _, ref in inner.free)
        return self.value("ruff.make_function", (), {"callee": sym, "captures": captures}, loc)

    def lower_struct_decl(self, s: A.StructDecl) -> None:
        sym = self.unique_sym(s.name)
        names, syms = [], []
        for m in s.methods:
            outer_ctx, outer_region = self.ctx, self.region
            self.region = []  # the make_function of a method is not needed: methods are looked up
            self.lower_function(m.name, m.params, m.body, m.loc, f"{s.name}.{m.name}", s.name)
            self.ctx, self.region = outer_ctx, outer_region
            names.append(m.name)
            syms.append(self.func_ops[-1].attrs["sym_name"])
        self.struct_ops.append(Op("ruff.struct", (), (), {
            "sym_name": sym, "name": s.name, "fields": tuple(s.fields), "method_names": tuple(names),
            "method_syms": tuple(syms)}, (), s.loc.line, s.loc.col))
        t = self.value("ruff.get_struct", (), {"sym": sym}, s.loc)
        scope = self.ctx.scopes[-1]
        if scope.is_global:
            self.emit("ruff.declare_var", (t,), {"name": s.name, "kind": "mut", "target": "g",
                                                 "check": False}, loc=s.loc)
        else:
            self.declare(s.name, t, "mut", True, s.loc)

    # ------------------------------------------------------------ statements

    def lower_stmts(self, stmts: list[A.Stmt], hoisted: bool = False) -> None:
        for s in stmts:
            if hoisted and isinstance(s, (A.FuncDecl, A.StructDecl)):
                continue
            self.lower_stmt(s)

    def lower_block(self, block: A.Block, extra_args: int = 0,
                    bind: list[str] | None = None) -> Region:
        """A scoped block as a region; `bind` names receive the region's arguments."""
        region, ops = self.sub_region(extra_args)
        saved = self.region
        self.region = ops
        self.push_scope(block.stmts, extra=bind or ())
        for name, arg in zip(bind or (), region.args):
            self.declare(name, arg, "mut", False, block.loc)
        self.lower_stmts(block.stmts)
        self.pop_scope()
        self.region = saved
        return region

    def declare(self, name: str, value: int, kind: str, check: bool, loc: A.Loc) -> None:
        target = self.current_target(name)
        scope = self.ctx.scopes[-1]
        if check and not scope.is_global:  # a slot known to be unbound needs no check
            check = scope.status[scope.slots[name]] != UNBOUND
        self.emit("ruff.declare_var", (value,), {"name": name, "kind": kind, "target": target,
                                                  "check": check}, loc=loc)
        self.mark(name, SURE, kind)

    def store(self, name: str, value: int, loc: A.Loc) -> None:
        chain = self.chain(name)
        create = self.current_target(name)
        self.emit("ruff.store_var", (value,), {"name": name, "chain": chain, "create": create},
                  loc=loc)
        ends_sure = bool(chain) and not chain[-1].endswith("?") and chain[-1] not in ("g", "b")
        if not ends_sure:
            self.mark(name, MAYBE if chain else SURE, "mut")

    def load(self, name: str, loc: A.Loc) -> int:
        chain = self.chain(name)
        if not chain and self.session is not None:
            chain = ("g",)   # a REPL: a later entry may still define it
        return self.value("ruff.load_var", (), {"name": name, "chain": chain}, loc)

    def lower_stmt(self, s: A.Stmt) -> None:
        m = getattr(self, "stmt_" + type(s).__name__)
        m(s)

    def stmt_ExprStmt(self, s: A.ExprStmt) -> None:
        self.expr(s.expr)

    def stmt_Decl(self, s: A.Decl) -> None:
        v = self.expr(s.value)
        self.declare(s.name, v, s.kind, True, s.loc)

    def stmt_DestructDecl(self, s: A.DestructDecl) -> None:
        v = self.expr(s.value)
        kind = "mut" if s.kind == "mut" else "let"
        p = s.pattern
        if isinstance(p, A.ArrayPattern):
            rest = bool(p.items) and isinstance(p.items[-1], A.PatRest)
            count = len(p.items) - (1 if rest else 0)
            op = self.emit("ruff.unpack_array", (v,), {"count": count, "rest": rest}, loc=s.loc,
                           nresults=len(p.items))
            for item, r in zip(p.items, op.results):
                if isinstance(item, (A.PatName, A.PatRest)):
                    self.declare(item.name, r, kind, False, item.loc)
        else:
            op = self.emit("ruff.unpack_dict", (v,), {"keys": tuple(p.names), "rest": p.rest is not None},
                           loc=s.loc, nresults=len(p.names) + (1 if p.rest else 0))
            for name, r in zip([*p.names, *([p.rest] if p.rest else [])], op.results):
                self.declare(name, r, kind, False, s.loc)

    def stmt_Assign(self, s: A.Assign) -> None:
        if not s.path:
            if s.op in ("=", ":="):
                self.store(s.name, self.expr(s.value), s.loc)
            else:
                old = self.load(s.name, s.loc)
                rhs = self.expr(s.value)
                new = self.value(COMPOUND_OPS[s.op], (old, rhs), loc=s.loc)
                self.store(s.name, new, s.loc)
            return
        chain = self.chain(s.name)
        indices: list[int] = []
        path: list[str] = []
        for step in s.path:
            if isinstance(step, A.IndexStep):
                indices.append(self.expr(step.index))
                path.append("[]")
            else:
                path.append("." + step.name)
        if s.op in ("=", ":="):
            v = self.expr(s.value)
        else:
            cur = self.value("ruff.load_var", (), {"name": s.name, "chain": chain}, s.loc)
            it = iter(indices)
            for step in s.path:
                if isinstance(step, A.IndexStep):
                    cur = self.value("ruff.get_index", (cur, next(it)), loc=step.loc)
                else:
                    cur = self.value("ruff.get_field", (cur,), {"field": step.name}, step.loc)
            rhs = self.expr(s.value)
            v = self.value(COMPOUND_OPS[s.op], (cur, rhs), loc=s.loc)
        self.emit("ruff.update_path", (v, *indices), {"name": s.name, "chain": chain,
                                                       "path": tuple(path)}, loc=s.loc)

    def stmt_FuncDecl(self, s: A.FuncDecl) -> None:
        scope = self.ctx.scopes[-1]
        if not scope.is_global:
            # The function may call itself: its own name is bound before its body can run.
            slot = scope.slots[s.name]
            before = scope.status[slot]
            scope.status[slot] = SURE
            f = self.lower_function(s.name, s.params, s.body, s.loc, s.name)
            scope.status[slot] = before
            self.declare(s.name, f, "mut", True, s.loc)
        else:  # a top-level func reached in order (only when not hoisted)
            f = self.lower_function(s.name, s.params, s.body, s.loc, s.name)
            self.emit("ruff.declare_var", (f,), {"name": s.name, "kind": "mut", "target": "g",
                                                 "check": False}, loc=s.loc)

    def stmt_StructDecl(self, s: A.StructDecl) -> None:
        self.lower_struct_decl(s)

    def stmt_If(self, s: A.If) -> None:
        c = self.value("ruff.truthy", (self.expr(s.cond),), loc=s.loc)
        then = self.lower_block(s.then)
        if s.else_ is None:
            els = Region()
        elif isinstance(s.else_, A.If):
            els, ops = self.sub_region()
            saved = self.region
            self.region = ops
            self.stmt_If(s.else_)
            self.region = saved
        else:
            els = self.lower_block(s.else_)
        self.emit("ruff.if", (c,), regions=(then, els), loc=s.loc)

    def stmt_While(self, s: A.While) -> None:
        self.ctx.loop_depth += 1
        if s.cond is None:
            body = self.lower_block(s.body)
            self.emit("ruff.loop", regions=(body,), loc=s.loc)
        else:
            cond, ops = self.sub_region()
            saved = self.region
            self.region = ops
            c = self.value("ruff.truthy", (self.expr(s.cond),), loc=s.cond.loc)
            self.emit("ruff.condition", (c,), loc=s.cond.loc)
            self.region = saved
            body = self.lower_block(s.body)
            self.emit("ruff.while", regions=(cond, body), loc=s.loc)
        self.ctx.loop_depth -= 1

    def stmt_For(self, s: A.For) -> None:
        it = s.iterable
        range_args: list[int] | None = None
        if (isinstance(it, A.Call) and isinstance(it.callee, A.Name) and 1 <= len(it.args) <= 3
                and self.is_fixed_builtin(it.callee.name) and it.callee.name == "range"):
            args = [self.expr(a) for a in it.args]
            if len(args) == 1:
                args = [self.const(0, it.loc), args[0]]
            if len(args) == 2:
                args.append(self.const(1, it.loc))
            range_args = args
        else:
            iterable = self.expr(it)
        self.ctx.loop_depth += 1
        body = self.lower_block(s.body, extra_args=1, bind=[s.var])
        self.ctx.loop_depth -= 1
        if range_args is not None:
            self.emit("ruff.for_range", tuple(range_args), regions=(body,), loc=it.loc)
        else:
            self.emit("ruff.for_each", (iterable,), regions=(body,), loc=s.loc)

    def stmt_Match(self, s: A.Match) -> None:
        subject = self.expr(s.subject)
        before = self.snapshot()
        ends: list[dict[int, int]] = []

        def lower_cases(i: int) -> None:
            if i == len(s.cases):
                if s.default:
                    self.lower_stmts(s.default.stmts)
                ends.append(self.snapshot())
                return
            case = s.cases[i]
            c = self.value("ruff.match_tag", (subject,), {"tag": case.tag}, case.loc)
            then, ops = self.sub_region()
            saved = self.region
            self.region = ops
            state = self.snapshot()
            if case.binding:
                p = self.value("ruff.payload", (subject,), loc=case.loc)
                self.declare(case.binding, p, "mut", False, case.loc)
            self.lower_stmts(case.body.stmts)
            ends.append(self.snapshot())
            self.ctx.scopes[-1].status.update(state)
            els, ops2 = self.sub_region()
            self.region = ops2
            lower_cases(i + 1)
            self.region = saved
            self.emit("ruff.if", (c,), regions=(then, els), loc=case.loc)

        lower_cases(0)
        self.ctx.scopes[-1].status.update(before)
        self.merge(*ends)

    def stmt_Try(self, s: A.Try) -> None:
        body = self.lower_block(s.body)
        handler = self.lower_block(s.handler, extra_args=1, bind=[s.name])
        self.emit("ruff.try", regions=(body, handler), loc=s.loc)

    def stmt_Break(self, s: A.Break) -> None:
        if self.ctx.loop_depth == 0:
            self.emit("ruff.raise", attrs={"message": "break can only be used inside a loop"}, loc=s.loc)
        else:
            self.emit("ruff.break", loc=s.loc)

    def stmt_Continue(self, s: A.Continue) -> None:
        if self.ctx.loop_depth == 0:
            self.emit("ruff.raise", attrs={"message": "continue can only be used inside a loop"},
                      loc=s.loc)
        else:
            self.emit("ruff.continue", loc=s.loc)

    def stmt_Return(self, s: A.Return) -> None:
        if s.value is None:
            self.emit("ruff.return", loc=s.loc)
        else:
            self.emit("ruff.return", (self.expr(s.value),), loc=s.loc)

    # ------------------------------------------------------------ expressions

    def is_fixed_builtin(self, name: str) -> bool:
        """A builtin name that nothing in the program can shadow or replace here."""
        return (name in self.builtins and name not in self.assigned_anywhere
                and self.chain(name) == ("b",))

    def expr(self, e: A.Expr) -> int:
        """Lower e. Left-nested chains (`1 + 1 + ... + 1`, `f()()()`, `a.b.c`, `x[0][0]`)
        can be as deep as the program is long, so their left spine is walked with a loop:
        only the other operands recurse, and their depth is bounded by bracket nesting
        (`lexer.MAX_NESTING`) times the number of precedence levels."""
        spine: list[tuple[A.Expr, str]] = []
        while True:
            t = type(e)
            if t is A.Binary or t is A.Pipe:
                spine.append((e, ""))
                e = e.left  # type: ignore[union-attr]
            elif t is A.Index or t is A.Field:
                spine.append((e, ""))
                e = e.obj  # type: ignore[union-attr]
            elif t is A.TryOp:
                spine.append((e, ""))
                e = e.expr  # type: ignore[union-attr]
            elif t is A.Unary:
                spine.append((e, ""))
                e = e.operand  # type: ignore[union-attr]
            elif t is A.Call:
                mode = self.call_mode(e)  # type: ignore[arg-type]
                if mode == "builtin":
                    break
                spine.append((e, mode))
                callee = e.callee  # type: ignore[union-attr]
                e = callee.obj if mode == "method" else callee  # type: ignore[union-attr]
            else:
                break
        v = getattr(self, "expr_" + type(e).__name__)(e)
        for node, mode in reversed(spine):
            v = self.finish_expr(node, mode, v)
        return v

    def finish_expr(self, e: A.Expr, mode: str, left: int) -> int:
        """Lower spine node e whose first-evaluated operand has value `left`."""
        t = type(e)
        if t is A.Binary:
            return self.binary(e, left)  # type: ignore[arg-type]
        if t is A.Pipe:
            return self.pipe(e, left)  # type: ignore[arg-type]
        if t is A.Index:
            return self.index(e, left)  # type: ignore[arg-type]
        if t is A.Field:
            return self.field(e, left)  # type: ignore[arg-type]
        if t is A.TryOp:
            return self.value("ruff.try_unwrap", (left,), loc=e.loc)
        if t is A.Unary:
            return self.unary(e, left)  # type: ignore[arg-type]
        return self.call(e, mode, left, None)  # type: ignore[arg-type]

    def expr_IntLit(self, e: A.IntLit) -> int:
        return self.const(e.value, e.loc)

    def expr_FloatLit(self, e: A.FloatLit) -> int:
        return self.const(e.value, e.loc)

    def expr_StrLit(self, e: A.StrLit) -> int:
        return self.const(e.value, e.loc)

    def expr_BoolLit(self, e: A.BoolLit) -> int:
        return self.const(e.value, e.loc)

    def expr_NullLit(self, e: A.NullLit) -> int:
        return self.const(None, e.loc)

    def expr_NoneLit(self, e: A.NoneLit) -> int:
        return self.value("ruff.make_variant", (), {"tag": "None"}, e.loc)

    def expr_Variant(self, e: A.Variant) -> int:
        return self.value("ruff.make_variant", (self.expr(e.value),), {"tag": e.tag}, e.loc)

    def expr_InterpStr(self, e: A.InterpStr) -> int:
        parts = tuple(self.const(p, e.loc) if isinstance(p, str) else self.expr(p) for p in e.parts)
        return self.value("ruff.interpolate", parts, loc=e.loc)

    def expr_Name(self, e: A.Name) -> int:
        return self.load(e.name, e.loc)

    def expr_Unary(self, e: A.Unary) -> int:
        return self.unary(e, self.expr(e.operand))

    def unary(self, e: A.Unary, v: int) -> int:
        return self.value("ruff.neg" if e.op == "-" else "ruff.not", (v,), loc=e.loc)

    def expr_Binary(self, e: A.Binary) -> int:
        return self.binary(e, self.expr(e.left))

    def binary(self, e: A.Binary, a: int) -> int:
        """e, whose left operand (evaluated first) has value a."""
        if e.op in ("&&", "||"):
            ta = self.value("ruff.truthy", (a,), loc=e.loc)
            rhs, ops = self.sub_region()
            saved = self.region
            self.region = ops
            b = self.expr(e.right)
            tb = self.value("ruff.truthy", (b,), loc=e.loc)
            bb = self.value("ruff.box_bool", (tb,), loc=e.loc)
            self.emit("ruff.yield", (bb,), loc=e.loc)
            short, ops2 = self.sub_region()
            self.region = ops2
            k = self.const(e.op == "||", e.loc)
            self.emit("ruff.yield", (k,), loc=e.loc)
            self.region = saved
            regions = (rhs, short) if e.op == "&&" else (short, rhs)
            return self.emit("ruff.if", (ta,), regions=regions, loc=e.loc, nresults=1).results[0]
        if e.op == "??":
            isnull = self.value("ruff.is_null", (a,), loc=e.loc)
            rhs, ops = self.sub_region()
            saved = self.region
            self.region = ops
            self.emit("ruff.yield", (self.expr(e.right),), loc=e.loc)
            keep, ops2 = self.sub_region()
            self.region = ops2
            self.emit("ruff.yield", (a,), loc=e.loc)
            self.region = saved
            return self.emit("ruff.if", (isnull,), regions=(rhs, keep), loc=e.loc,
                             nresults=1).results[0]
        b = self.expr(e.right)
        return self.value(BINARY_OPS[e.op], (a, b), loc=e.loc)

    def call_args(self, args: list[A.Expr]) -> tuple[int, ...]:
        return tuple(self.expr(a) for a in args)

    def call_mode(self, e: A.Call) -> str:
        """How e is called: "builtin" (a builtin nothing can replace), "method"
        (`obj.name(...)`, the receiver is evaluated first) or "call" (the callee is)."""
        callee = e.callee
        if isinstance(callee, A.Name) and self.is_fixed_builtin(callee.name):
            return "builtin"
        if isinstance(callee, A.Field) and not callee.safe:
            return "method"
        return "call"

    def expr_Call(self, e: A.Call, first: int | None = None) -> int:
        mode = self.call_mode(e)
        if mode == "builtin":
            return self.call(e, mode, None, first)
        callee = e.callee
        left = self.expr(callee.obj if mode == "method" else callee)  # type: ignore[union-attr]
        return self.call(e, mode, left, first)

    def call(self, e: A.Call, mode: str, left: int | None, first: int | None) -> int:
        """e, called as `mode` says; `left` is the value of the callee (the receiver for
        a method), `first` an argument before e's own (from `|>`)."""
        pre = (first,) if first is not None else ()
        args = pre + self.call_args(e.args)
        if mode == "builtin":
            return self.value("ruff.call_builtin", args, {"callee": e.callee.name},  # type: ignore[union-attr]
                              e.loc)
        assert left is not None
        if mode == "method":
            return self.value("ruff.call_method", (left, *args),
                              {"method": e.callee.name}, e.loc)  # type: ignore[union-attr]
        return self.value("ruff.call", (left, *args), loc=e.loc)

    def expr_Pipe(self, e: A.Pipe) -> int:
        return self.pipe(e, self.expr(e.left))

    def pipe(self, e: A.Pipe, x: int) -> int:
        if isinstance(e.right, A.Call):
            return self.expr_Call(e.right, first=x)
        return self.expr_Call(A.Call(e.right, [], e.loc), first=x)

    def expr_Index(self, e: A.Index) -> int:
        return self.index(e, self.expr(e.obj))

    def index(self, e: A.Index, a: int) -> int:
        i = self.expr(e.index)
        return self.value("ruff.get_index", (a, i), loc=e.loc)

    def expr_Field(self, e: A.Field) -> int:
        return self.field(e, self.expr(e.obj))

    def field(self, e: A.Field, obj: int) -> int:
        if not e.safe:
            return self.value("ruff.get_field", (obj,), {"field": e.name}, e.loc)
        isnull = self.value("ruff.is_null", (obj,), loc=e.loc)
        null, ops = self.sub_region()
        saved = self.region
        self.region = ops
        self.emit("ruff.yield", (self.const(None, e.loc),), loc=e.loc)
        get, ops2 = self.sub_region()
        self.region = ops2
        self.emit("ruff.yield", (self.value("ruff.get_field", (obj,), {"field": e.name}, e.loc),),
                  loc=e.loc)
        self.region = saved
        return self.emit("ruff.if", (isnull,), regions=(null, get), loc=e.loc, nresults=1).results[0]

    def expr_TryOp(self, e: A.TryOp) -> int:
        return self.value("ruff.try_unwrap", (self.expr(e.expr),), loc=e.loc)

    def expr_ArrayLit(self, e: A.ArrayLit) -> int:
        vals, spread = [], []
        for item in e.items:
            if isinstance(item, A.Spread):
                vals.append(self.expr(item.expr))
                spread.append(1)
            else:
                vals.append(self.expr(item))
                spread.append(0)
        return self.value("ruff.make_array", tuple(vals), {"spread": tuple(spread)}, e.loc)

    def expr_DictLit(self, e: A.DictLit) -> int:
        vals, layout = [], []
        for entry in e.entries:
            if isinstance(entry, A.Spread):
                vals.append(self.expr(entry.expr))
                layout.append("spread")
            else:
                vals.append(self.expr(entry.key))
                vals.append(self.expr(entry.value))
                layout.append("kv")
        return self.value("ruff.make_dict", tuple(vals), {"layout": tuple(layout)}, e.loc)

    def expr_FuncExpr(self, e: A.FuncExpr) -> int:
        return self.lower_function(None, e.params, e.body, e.loc, "anon")

    def expr_StructLit(self, e: A.StructLit) -> int:
        t = self.load(e.name, e.loc)
        vals = tuple(self.expr(v) for _, v in e.fields)
        return self.value("ruff.make_struct", (t, *vals), {"fields": tuple(n for n, _ in e.fields)},
                          e.loc)


@dataclass
class Session:
    """What earlier programs of one session left behind (the REPL: each entry is lowered
    as a program of its own, rufc.repl). Their globals are globals here too; a name
    nothing binds yet is read as a global (a later entry may define it); symbols stay
    unique across entries, since every entry's functions live in one namespace."""
    globals: set[str] = field(default_factory=set)
    syms: set[str] = field(default_factory=set)

    def add(self, gen: IRGen) -> None:
        self.globals |= gen.globals
        self.syms |= gen.sym_names


def lower_program(program: A.Program, builtins: frozenset[str],
                  session: Session | None = None) -> Module:
    """Lower a parsed program; `builtins` are the names of the builtin scope. With a
    `session`, the program is one entry of it, and the session learns its names."""
    with paused_gc():
        gen = IRGen(program, builtins, session)
        module = gen.lower()
        if session is not None:
            session.add(gen)
        return module
