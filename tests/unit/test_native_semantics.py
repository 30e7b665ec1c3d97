"""Every native fast path of an operator agrees with `rufc.runtime.semantics`.

Each operator is compiled once per pair of operand kinds (in this process, through
the real pipeline: ruff-specialize, convert-ruff-to-llvm, llvmlite, MCJIT) and called
through its native entry with generated operands, i64 edges, NaN, infinities and
-0.0 included. The result must be the one `semantics` computes (floats bit for bit),
and an error must be the same Ruff error (the native code raises it through
`ruff_rt_fail`, so this also checks that every failing check reports the right
operands).
"""
from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("llvmlite")

from rufc.runtime import semantics as S  # noqa: E402
from rufc.runtime.builtins import BUILTINS  # noqa: E402
from rufc.runtime.errors import RuffError  # noqa: E402
from rufc.runtime.values import FALSE, I64_MAX, I64_MIN, TRUE  # noqa: E402

BINARY = {"add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%", "eq": "==",
          "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
SEMANTICS: dict[str, Callable[..., Any]] = {
    "add": S.add, "sub": S.sub, "mul": S.mul, "div": S.div, "mod": S.mod, "eq": S.eq,
    "ne": S.ne, "lt": S.lt, "le": S.le, "gt": S.gt, "ge": S.ge, "neg": S.neg,
    "sqrt": BUILTINS["sqrt"].impl, "abs": BUILTINS["abs"].impl, "floor": BUILTINS["floor"].impl,
    "ceil": BUILTINS["ceil"].impl, "min": BUILTINS["min"].impl, "max": BUILTINS["max"].impl,
}
MATH1 = ("sqrt", "abs", "floor", "ceil")
MATH2 = ("min", "max")

SOURCE = "\n".join(
    [f"func op_{name}(a, b) {{\n    return a {sym} b\n}}" for name, sym in BINARY.items()]
    + ["func op_neg(a) {\n    return -a\n}"]
    + [f"func op_{name}(a) {{\n    return {name}(a)\n}}" for name in MATH1]
    + [f"func op_{name}(a, b) {{\n    return {name}(a, b)\n}}" for name in MATH2]
    + ["print(0)"]) + "\n"

ints = st.one_of(st.integers(I64_MIN, I64_MAX), st.integers(-100, 100),
                 st.sampled_from([I64_MIN, I64_MIN + 1, -1, 0, 1, I64_MAX - 1, I64_MAX,
                                  3037000499, 3037000500, -3037000500]))
floats = st.one_of(st.floats(), st.sampled_from([0.0, -0.0, 0.5, -0.5, math.inf, -math.inf,
                                                 math.nan, 1e-320, 2.0 ** 63, -2.0 ** 63]))
bools = st.sampled_from([TRUE, FALSE])
KINDS = {"int": ints, "float": floats, "bool": bools}


class Natives:
    """One program with every operator, loaded in a VM with a JIT, compiled on demand."""

    def __init__(self) -> None:
        from rufc.cli import Source, lower_source
        from rufc.runtime.tiering import JIT
        from rufc.runtime.vm import VM, VMOptions
        module = lower_source(Source("ops.ruff", SOURCE))
        self.vm = VM(VMOptions())
        self.vm.load(module)
        self.vm.run()     # binds the globals
        self.jit = JIT(self.vm, module)
        self.vm.native = self.jit
        self.jit._load_compiler()
        self.cache: dict[tuple[str, tuple[str, ...]], Any] = {}

    def call(self, name: str, *args: Any) -> Any:
        from rufc.passes.program import kind_of_value
        kinds = tuple(kind_of_value(a) for a in args)
        key = ("op_" + name, kinds)
        native = self.cache.get(key)
        if native is None:
            assert self.jit.info.check(*key) is None, self.jit.info.check(*key)
            self.jit.compile_group(*key)
            native = self.cache[key] = self.jit.compiled[key]
        from rufc.passes.ruff_to_llvm import INT_SENTINEL
        raw = [a is TRUE if k == "bool" else a for a, k in zip(args, kinds)]
        r = native.entry(*raw)
        if (r != r) if native.result == "float" else (r == INT_SENTINEL):
            self.jit.check_error()
        if native.result == "bool":
            return TRUE if r else FALSE
        return r


@pytest.fixture(scope="module")
def natives() -> Natives:
    return Natives()


def outcome(fn: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    try:
        r = fn(*args)
    except RuffError as exc:
        return ("error", exc.message)
    if isinstance(r, bool):
        r = TRUE if r else FALSE
    if isinstance(r, float):
        return ("float", struct.pack("<d", r) if r == r else "nan")
    return (type(r).__name__, r)


PAIRS = [("int", "int"), ("float", "float"), ("int", "float"), ("float", "int")]


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("kinds", PAIRS, ids=[",".join(p) for p in PAIRS])
def test_binary_operators_agree_with_semantics(natives: Natives, name: str,
                                               kinds: tuple[str, str]) -> None:
    @settings(max_examples=150, deadline=None, database=None)
    @given(KINDS[kinds[0]], KINDS[kinds[1]])
    def check(a: Any, b: Any) -> None:
        assert outcome(lambda: natives.call(name, a, b)) == outcome(SEMANTICS[name], a, b)
    check()


@pytest.mark.parametrize("name", ["eq", "ne"])
@pytest.mark.parametrize("kinds", [("bool", "bool"), ("bool", "int"), ("float", "bool")])
def test_equality_with_bools_agrees_with_semantics(natives: Natives, name: str,
                                                   kinds: tuple[str, str]) -> None:
    @settings(max_examples=30, deadline=None, database=None)
    @given(KINDS[kinds[0]], KINDS[kinds[1]])
    def check(a: Any, b: Any) -> None:
        assert outcome(lambda: natives.call(name, a, b)) == outcome(SEMANTICS[name], a, b)
    check()


@pytest.mark.parametrize("name", ["neg", *MATH1])
@pytest.mark.parametrize("kind", ["int", "float"])
def test_unary_operators_and_math_agree(natives: Natives, name: str, kind: str) -> None:
    @settings(max_examples=150, deadline=None, database=None)
    @given(KINDS[kind])
    def check(a: Any) -> None:
        assert outcome(lambda: natives.call(name, a)) == outcome(SEMANTICS[name], a)
    check()


@pytest.mark.parametrize("name", MATH2)
@pytest.mark.parametrize("kinds", PAIRS, ids=[",".join(p) for p in PAIRS])
def test_min_max_agree(natives: Natives, name: str, kinds: tuple[str, str]) -> None:
    @settings(max_examples=150, deadline=None, database=None)
    @given(KINDS[kinds[0]], KINDS[kinds[1]])
    def check(a: Any, b: Any) -> None:
        assert outcome(lambda: natives.call(name, a, b)) == outcome(SEMANTICS[name], a, b)
    check()


ARRAYS = """func fill(a, n) {
    for i in range(n) {
        a[i] = i * 2
    }
    return a[n - 1]
}
func grow(a, n) {
    for i in range(n) {
        a = push(a, i)
    }
    a[0] = 99
    return len(a) + a[0]
}
func copy_then_fail(a, n) {
    b := a
    b[0] = 7
    b = push(b, 1)
    return b[n]
}
print(0)
"""


def test_native_array_code_releases_every_reference_it_takes() -> None:
    """Array variables in native code hold references (docs/jit.md, ownership):
    after any number of calls, returns and errors, an array's reference count is
    what it was, and the caller's array is unchanged (copy on write)."""
    import sys

    from rufc.cli import Source, lower_source
    from rufc.passes.ruff_to_llvm import INT_SENTINEL
    from rufc.runtime.tiering import JIT
    from rufc.runtime.values import RArray
    from rufc.runtime.vm import VM, VMOptions
    module = lower_source(Source("arrays.ruff", ARRAYS))
    vm = VM(VMOptions())
    vm.load(module)
    vm.run()
    jit = JIT(vm, module)
    vm.native = jit
    jit._load_compiler()
    xs = RArray([0, 0, 0, 0])
    assert xs.typed()
    for sym in ("fill", "grow", "copy_then_fail"):
        jit.compile_group(sym, ("array:int", "int"))
    entry = {s: jit.compiled[(s, ("array:int", "int"))].entry for s in ("fill", "grow", "copy_then_fail")}
    import gc
    import tracemalloc
    before = sys.getrefcount(xs)
    tracemalloc.start()
    memory = []
    for rnd in range(2000):
        if rnd in (500, 1999):
            gc.collect()   # the errors' tracebacks are cycles (frame <-> exception)
            memory.append(tracemalloc.get_traced_memory()[0])
        assert entry["fill"](xs, 4) == 6
        assert entry["grow"](xs, 50) == 54 + 99
        assert entry["copy_then_fail"](xs, 4) == 1
        assert entry["fill"](xs, 5) == INT_SENTINEL      # out of bounds
        with pytest.raises(RuffError, match="Index out of bounds: 4"):
            jit.check_error()
        assert entry["copy_then_fail"](xs, 9) == INT_SENTINEL
        with pytest.raises(RuffError, match="Index out of bounds: 9"):
            jit.check_error()
    tracemalloc.stop()
    assert sys.getrefcount(xs) == before
    assert xs.items() == [0, 0, 0, 0]
    # the copies native code made were all freed: no growth over 1,500 more rounds
    assert memory[1] - memory[0] < 64 * 1024, memory
