"""Lowering of structured control flow to blocks: if, while, loop, for-range,
break, continue, return; native loops poll for signals.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from xdsl.dialects import llvm
from xdsl.dialects.builtin import DenseArrayBase, IntegerAttr, i1, i64
from xdsl.ir import Operation, Region, SSAValue

from rufc.passes.lowering.arrays import ArrayLowering
from rufc.passes.lowering.calls import (
    CallLowering,
)
from rufc.passes.lowering.common import (
    ARRAYS,
    PTR,
    TYPES,
    LoopTargets,
    attr_str,
    attr_strs,
    icmp_pred,
)
from rufc.runtime import helpers as H


class ControlLowering(CallLowering):
    """Lowering of structured control flow to blocks: if, while, loop, for-range,"""

    # ---- arrays that cannot change shape in a loop
    #
    # In a loop that assigns no array variable (no `a := ...`, no push) and passes no
    # array to a call, every array variable holds the same object all along, whose
    # length and buffer cannot change (element writes do not move the buffer). The
    # parts of the arrays the loop only reads are then read once before the loop.
    # (Arrays it writes keep their per-write copy-on-write test: copying them once
    # before the loop would copy where the VM does not, e.g. when the loop runs no
    # iteration, which shows under memory exhaustion.) LLVM cannot find this alone:
    # every element store may alias the array headers it would hoist (no type-based
    # alias information).

    @contextmanager
    def stable_arrays(self, op: Operation) -> Iterator[None]:
        outer = getattr(self, "_stable", None)
        if outer is not None or not any(self.slot_kinds[s] in ARRAYS for s in self.slots):
            yield   # inside a stable loop already (its facts hold here), or no arrays
            return
        found = _stable_loop(op, self.slot_kinds)
        if found is None:
            yield
            return
        used, written = found
        stable: dict[int, tuple[SSAValue, SSAValue, SSAValue]] = {}
        for slot in sorted(used - written):
            if slot not in self.slots:
                continue
            p = self.v(llvm.LoadOp(self.slots[slot], PTR))
            size, items = ArrayLowering.array_parts(self, p)
            stable[slot] = (p, size, items)
        self._stable: dict[int, tuple[SSAValue, SSAValue, SSAValue]] | None = stable
        self._stable_parts = {p: (size, items) for p, size, items in stable.values()}
        self._stable_written: set[int] = set()
        try:
            yield
        finally:
            self._stable = None

    def op_load_var(self, op: Operation) -> None:
        st = getattr(self, "_stable", None)
        chain = attr_strs(op, "chain")
        if st and chain and chain[0].startswith("l") and int(chain[0][1:]) in st:
            self.define(op, st[int(chain[0][1:])][0])
            return
        super().op_load_var(op)

    def array_parts(self, arr: SSAValue) -> tuple[SSAValue, SSAValue]:
        st = getattr(self, "_stable", None)
        if st:
            if arr in self._stable_parts:
                return self._stable_parts[arr]
            owner = arr.owner   # a load of a stable array variable (a[i] := v reads it)
            if isinstance(owner, llvm.LoadOp):
                for _parts, size, items in (st[s] for s in st
                                       if owner.operands[0] is self.slots[s]):
                    return size, items
        return super().array_parts(arr)

    def own(self, op: Operation, slot: int) -> SSAValue:
        st = getattr(self, "_stable", None)
        if st and slot in st and slot in self._stable_written:
            return st[slot][0]   # made unique before the loop; nothing shares it since
        return super().own(op, slot)

    # ---- control flow

    def op_return(self, op: Operation) -> None:
        if op.operands and self.result_kind in TYPES:
            v = self.convert(self.val(op.operands[0]), self.kind(op.operands[0]), self.result_kind)
        else:
            v = self.zero(self.result_kind)
        self.release_arrays()
        self.emit(llvm.ReturnOp(self.pair(v, False)))

    def op_if(self, op: Operation) -> None:
        cond = self.val(op.operands[0])
        then, other = self.new_block(), self.new_block()
        result_kinds = attr_strs(op, "ruff.kinds")
        merge = self.new_block([TYPES[k] for k in result_kinds])
        self.emit(llvm.CondBrOp(cond, then, [], other, []))
        for region, block in zip(op.regions, (then, other)):
            self.goto(block)
            yielded = self.region_with_yield(region)
            self.br(merge, *yielded)
        self.goto(merge)
        self.define(op, *merge.args)

    def region_with_yield(self, region: Region) -> list[SSAValue]:
        block = region.blocks.first
        if block is None:
            return []
        out: list[SSAValue] = []
        for inner in block.ops:
            if self.terminated():
                self.goto(self.new_block())
            if inner.name == "ruff.yield":
                out = [self.val(v) for v in inner.operands]
            else:
                self.op(inner)
        return out

    def poll(self) -> None:
        """At a loop's head: every POLL_EVERY iterations, let Python run (a pending
        SIGINT is handled by the main thread, which needs the GIL native code holds).
        A countdown in a register; the call is on a cold path."""
        if self.countdown is None:
            self.countdown = self.alloca(i64, init=H.POLL_EVERY)
        c = self.v(llvm.LoadOp(self.countdown, i64))
        c1 = self.v(llvm.SubOp(c, self.const(1, "int")))
        self.emit(llvm.StoreOp(c1, self.countdown))
        due = self.v(llvm.ICmpOp(c1, self.const(0, "int"), icmp_pred("sle")))
        call, go = self.new_block(), self.new_block()
        self.emit(llvm.CondBrOp(due, call, [], go, []))
        self.goto(call)
        self.emit(llvm.StoreOp(self.const(H.POLL_EVERY, "int"), self.countdown))
        self.emit(llvm.StoreOp(self.depth, self.state_ptr(H.DEPTH)))
        self.declare("ruff_rt_poll")
        self.emit(llvm.CallOp("ruff_rt_poll", return_type=i64))
        self.check_error()
        self.emit(llvm.BrOp(go))
        self.goto(go)

    def call_poll(self, site: int) -> None:
        """Before a native call: every POLL_EVERY calls (a countdown in the native state,
        shared by all functions), let Python run, as loops do, so that a deep recursion
        without loops stops on SIGINT too. One load, sub, store and branch per call."""
        ptr = self.state_ptr(H.CALLS)
        c1 = self.v(llvm.SubOp(self.v(llvm.LoadOp(ptr, i64)), self.const(1, "int")))
        self.emit(llvm.StoreOp(c1, ptr))
        due = self.v(llvm.ICmpOp(c1, self.const(0, "int"), icmp_pred("sle")))
        call, go = self.new_block(), self.new_block()
        self.emit(llvm.CondBrOp(due, call, [], go, []))
        self.goto(call)
        self.emit(llvm.StoreOp(self.const(H.POLL_EVERY, "int"), ptr))
        self.before_helper(site)
        self.declare("ruff_rt_poll")
        self.emit(llvm.CallOp("ruff_rt_poll", return_type=i64))
        self.check_error()
        self.emit(llvm.BrOp(go))
        self.goto(go)

    def op_while(self, op: Operation) -> None:
        with self.stable_arrays(op):
            self._while(op)

    def _while(self, op: Operation) -> None:
        # Blocks are made in dominance order: xDSL's conversion to llvmlite needs every
        # value defined in a block that comes before the blocks that use it.
        head = self.new_block()
        self.br(head)
        self.goto(head)
        self.poll()
        body, exit_ = self.new_block(), self.new_block()
        cond_block = op.regions[0].blocks.first
        assert cond_block is not None
        for inner in cond_block.ops:
            if inner.name == "ruff.condition":
                self.emit(llvm.CondBrOp(self.val(inner.operands[0]), body, [], exit_, []))
            else:
                self.op(inner)
        self.goto(body)
        self.loops.append(LoopTargets(head, exit_))
        self.region(op.regions[1])
        self.loops.pop()
        self.br(head)
        self.goto(exit_)

    def op_loop(self, op: Operation) -> None:
        with self.stable_arrays(op):
            self._loop(op)

    def _loop(self, op: Operation) -> None:
        body = self.new_block()
        self.br(body)
        self.goto(body)
        self.poll()
        exit_ = self.new_block()
        self.loops.append(LoopTargets(body, exit_))
        self.region(op.regions[0])
        self.loops.pop()
        self.br(body)
        self.goto(exit_)

    def op_for_range(self, op: Operation) -> None:
        with self.stable_arrays(op):
            self._for_range(op)

    def _for_range(self, op: Operation) -> None:
        """for i in range(start, stop, step): a counted loop on an i64 counter. The
        counter's increment cannot overflow silently: overflowing means the loop is done
        (it would have passed stop)."""
        start, stop, step = (self.val(v) for v in op.operands)
        unit = _unit_step(op.operands[2])   # +1 / -1: known direction, no overflow
        if unit is None:
            zero = self.v(llvm.ICmpOp(step, self.const(0, "int"), icmp_pred("eq")))
            self.fail_if(zero, op, "range", step, step, ("int",), nargs=0)
        counter = self.alloca(i64)
        self.emit(llvm.StoreOp(start, counter))
        if unit is None:
            up = self.v(llvm.ICmpOp(step, self.const(0, "int"), icmp_pred("sgt")))
        head = self.new_block()
        self.br(head)
        self.goto(head)
        self.poll()
        body, latch, exit_ = (self.new_block() for _ in range(3))
        i = self.v(llvm.LoadOp(counter, i64))
        if unit is None:
            below = self.v(llvm.ICmpOp(i, stop, icmp_pred("slt")))
            above = self.v(llvm.ICmpOp(i, stop, icmp_pred("sgt")))
            go = self.v(llvm.SelectOp(up, below, above))
        else:
            go = self.v(llvm.ICmpOp(i, stop, icmp_pred("slt" if unit > 0 else "sgt")))
        self.emit(llvm.CondBrOp(go, body, [], exit_, []))
        self.goto(body)
        self.loops.append(LoopTargets(latch, exit_))
        block = op.regions[0].blocks.first
        if block is not None:
            for a in block.args:
                self.kinds[a] = "int"
        self.region(op.regions[0], [i])
        self.loops.pop()
        self.br(latch)
        self.goto(latch)
        cur = self.v(llvm.LoadOp(counter, i64))
        if unit is not None:
            # i < stop <= MAX (i > stop >= MIN): i + 1 (i - 1) cannot overflow
            nsw = llvm.OverflowAttr([llvm.OverflowFlag.NO_SIGNED_WRAP])
            nxt = self.v(llvm.AddOp(cur, step, overflow=nsw))
            self.emit(llvm.StoreOp(nxt, counter))
            self.emit(llvm.BrOp(head))
            self.goto(exit_)
            return
        pair = llvm.LLVMStructType.from_type_list([i64, i1])
        r = self.v(llvm.CallIntrinsicOp("llvm.sadd.with.overflow.i64", [cur, step], [pair]))
        nxt = self.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [0]), r, i64))
        over = self.v(llvm.ExtractValueOp(DenseArrayBase.from_list(i64, [1]), r, i1))
        self.emit(llvm.StoreOp(nxt, counter))
        self.emit(llvm.CondBrOp(over, exit_, [], head, []))
        self.goto(exit_)

    def op_for_each(self, op: Operation) -> None:
        with self.stable_arrays(op):
            self._for_each(op)

    def _for_each(self, op: Operation) -> None:
        """for x in a, over a typed array: a counted loop over its buffer. The array's
        variable is not assigned in the loop (passes/program.py), so the object cannot
        change while it runs: its length and buffer are read once, and it is the VM's
        snapshot without a copy."""
        a = op.operands[0]
        elem = "float" if self.kind(a) == "array:float" else "int"
        size, items = self.array_parts(self.val(a))

        def element(i: SSAValue) -> tuple[SSAValue, str]:
            ptr = self.v(llvm.GEPOp(items, [llvm.GEP_USE_SSA_VAL], TYPES[elem], ssa_indices=[i]))
            return self.v(llvm.LoadOp(ptr, TYPES[elem])), elem
        self.counted_loop(op, size, element)

    def counted_loop(self, op: Operation, size: SSAValue,
                     element: Callable[[SSAValue], tuple[SSAValue, str]]) -> None:
        """The loop of a `for x in ...` op: i from 0 while i < size, the body run with
        x, kind = element(i) (emitted in the body, where i is in range)."""
        counter = self.alloca(i64)
        self.emit(llvm.StoreOp(self.const(0, "int"), counter))
        head = self.new_block()
        self.br(head)
        self.goto(head)
        self.poll()
        body, latch, exit_ = (self.new_block() for _ in range(3))
        i = self.v(llvm.LoadOp(counter, i64))
        self.emit(llvm.CondBrOp(self.v(llvm.ICmpOp(i, size, icmp_pred("slt"))), body, [],
                                exit_, []))
        self.goto(body)
        x, elem = element(i)
        self.loops.append(LoopTargets(latch, exit_))
        block = op.regions[0].blocks.first
        if block is not None:
            for arg in block.args:
                self.kinds[arg] = elem
        self.region(op.regions[0], [x])
        self.loops.pop()
        self.br(latch)
        self.goto(latch)
        cur = self.v(llvm.LoadOp(counter, i64))
        nxt = self.v(llvm.AddOp(cur, self.const(1, "int"),
                                overflow=llvm.OverflowAttr([llvm.OverflowFlag.NO_SIGNED_WRAP])))
        self.emit(llvm.StoreOp(nxt, counter))
        self.emit(llvm.BrOp(head))
        self.goto(exit_)

    def op_break(self, op: Operation) -> None:
        self.emit(llvm.BrOp(self.loops[-1].exit))

    def op_continue(self, op: Operation) -> None:
        self.emit(llvm.BrOp(self.loops[-1].next))


def _unit_step(v: SSAValue) -> int | None:
    """+1 or -1 if the step of a range is that int constant, else None."""
    owner = v.owner
    if isinstance(owner, Operation) and owner.name == "ruff.const":
        value = owner.properties.get("value")
        if isinstance(value, IntegerAttr) and value.value.data in (1, -1) \
                and value.type == i64:
            return value.value.data
    return None


def _stable_loop(loop: Operation, slot_kinds: Sequence[str]) -> tuple[set[int], set[int]] | None:
    """(array slots the loop reads, those it writes elements of) if no array variable
    is assigned in the loop and no array is passed to a call; else None."""
    used: set[int] = set()
    written: set[int] = set()
    for op in loop.walk():
        name = op.name
        if name in ("ruff.store_var", "ruff.declare_var"):
            refs = [*attr_strs(op, "chain"),
                    attr_str(op, "create" if name == "ruff.store_var" else "target")]
            if any(r.startswith("l") and r[1:].rstrip("?").isdigit()
                   and slot_kinds[int(r[1:].rstrip("?"))] in ARRAYS for r in refs if r):
                return None
        elif name == "ruff.load_var":
            chain = attr_strs(op, "chain")
            if chain and chain[0].startswith("l") and slot_kinds[int(chain[0][1:])] in ARRAYS:
                used.add(int(chain[0][1:]))
        elif name == "ruff.update_path":
            slot = int(attr_strs(op, "chain")[0][1:])
            used.add(slot)
            written.add(slot)
        elif name in ("ruff.call", "ruff.call_builtin", "ruff.call_method"):
            if name == "ruff.call_builtin" and attr_str(op, "callee") == "len":
                continue
            for v in op.operands:
                owner = v.owner
                if isinstance(owner, Operation) and owner.name == "ruff.load_var":
                    chain = attr_strs(owner, "chain")
                    if chain and chain[0].startswith("l") \
                            and slot_kinds[int(chain[0][1:])] in ARRAYS:
                        return None
    return used, written
