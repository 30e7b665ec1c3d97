"""The helpers native code calls for boxed values (issue 15), and its constant table.

A *boxed* value in native code is a PyObject* of the VM's own value (str, RDict,
RStruct, RArray of anything, ROk, None, ...): whatever the kind inference cannot pin
to an int, float, bool or typed array. Native code does nothing with one itself but
pass it on: every operation on boxed operands is one call of `ruff_rt_op(site, argv)`,
whose site names the ruff op, and this module runs that op with the VM's own
implementation (`rufc.runtime.semantics`, `rufc.runtime.support`, the builtin table):
one definition of every rule. Arguments and results travel as in every other helper
(`rufc.runtime.helpers.site_args`/`encode`): a boxed argument is a borrowed address,
a boxed result a new reference native code owns (the ownership rule, docs/jit.md).

Constants (strings, null, true/false as Ruff values) live in `ruff_rt_consts`, an
array of object addresses native code reads; `CONST_OBJS` keeps each object alive for
the whole process, so native code borrows them and never counts their references.
"""
from __future__ import annotations

import ctypes
import sys
from _ctypes import Py_DECREF, PyObj_FromPtr
from collections.abc import Callable
from typing import Any, Final, cast

from rufc.runtime import helpers as H
from rufc.runtime import semantics, support
from rufc.runtime.errors import CATCHABLE, FatalError, RuffError
from rufc.runtime.format import to_string
from rufc.runtime.values import (
    FALSE,
    NONE,
    TRUE,
    UNBOUND,
    RArray,
    RErr,
    ROk,
    RSome,
)

# ---------------------------------------------------------------- constants

CONST_CAPACITY: Final = 8
CONSTS: Final = (ctypes.c_int64 * CONST_CAPACITY)()
CONST_OBJS: list[Any] = []
_CONST_INDEX: dict[int, int] = {}


class _Sentinel:
    """What a native entry with a boxed result returns when an error is pending."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "<native error>"


SENTINEL: Final = _Sentinel()


def const_slot(value: Any) -> int:
    """The index of a singleton (null, true, false, the error sentinel, the `str`
    and `int` types that native fast paths test against) in `ruff_rt_consts`: fixed, so machine
    code that uses it means the same in every process (a cached unit). Other constants
    (strings) travel in call sites."""
    return _CONST_INDEX[id(value)]


for _obj in (None, TRUE, FALSE, SENTINEL, str, int):
    _CONST_INDEX[id(_obj)] = len(CONST_OBJS)
    CONSTS[len(CONST_OBJS)] = id(_obj)
    CONST_OBJS.append(_obj)

# The slot of the dispatch function native code calls boxed ops through (see dispatch):
# set by the JIT when it loads its runtime (`set_dispatch`), the same index everywhere.
DISPATCH_SLOT: Final = len(CONST_OBJS)
CONST_OBJS.append(None)


# Where native code finds a site's plan without a call (SITE_TABLE): entry
# `site & SITE_MASK` holds [site id, plan address], written by `dispatch` the first
# time the site runs. Two sites on one entry take turns (each miss is a dispatch call).
SITE_BITS: Final = 14
SITE_MASK: Final = (1 << SITE_BITS) - 1
SITE_TABLE: Final = (ctypes.c_int64 * (2 << SITE_BITS))()
PLAN_FRAMES: Final = 1000   # room `dispatch` makes a plan with, above the Ruff limit
# Native code finds SITE_TABLE's address in this slot of `ruff_rt_consts`, loaded once
# per call with the table's base, not through a symbol of its own: every reference to
# an external symbol is a GOT entry of its own in MCJIT's RuntimeDyld (one per
# relocation), and the GOT of a function with more than ~500 boxed ops outgrew the
# page llvmlite's memory manager had reserved for it (an LLVM assertion aborted the
# process: "All memory must be pre-allocated"; found by the boxed tier fuzzer).
SITES_SLOT: Final = len(CONST_OBJS)
CONST_OBJS.append(None)
CONSTS[SITES_SLOT] = ctypes.addressof(SITE_TABLE)


def set_dispatch(fn: Callable[..., Any]) -> None:
    """Make `fn` the dispatch function native code calls (kept alive in CONST_OBJS),
    with no plan made yet: plans belong to the runtime that made them."""
    CONST_OBJS[DISPATCH_SLOT] = fn
    CONSTS[DISPATCH_SLOT] = id(fn)
    ctypes.memset(SITE_TABLE, 0, ctypes.sizeof(SITE_TABLE))
    _VPLANS.clear()


def take(address: int) -> Any:
    """The object of a new reference returned by native code, as a Python value (the
    native reference is dropped: the caller now holds the object)."""
    obj = PyObj_FromPtr(address)
    Py_DECREF(obj)
    return obj


_VPLANS: dict[int, Callable[..., Any]] = {}

# ---------------------------------------------------------------- the operations

_VARIANTS: Final = {"Ok": ROk, "Err": RErr, "Some": RSome}


def _global(rt: Any, name: str) -> Any:
    try:
        return rt.ns["G_" + rt.py_name(name)]
    except KeyError:
        raise RuffError(f"Undefined variable: {name}") from None


def _store_global(rt: Any, name: str, value: Any) -> None:
    imm = rt.ns.get("IMM")
    if imm is not None and name in imm:
        raise support.immutable("reassign", imm[name], name)
    rt.ns["G_" + rt.py_name(name)] = value


def _declare_global(rt: Any, extra: tuple[str, str, bool], value: Any) -> None:
    name, kind, check = extra
    rt.ns["GDECLARE"](name, value, kind, check)


def _update_global(rt: Any, extra: tuple[str, tuple[str, ...]], v: Any, *keys: Any) -> None:
    """`g<path> := v` on a global, as the VM's generated code does it: read (unbound:
    Undefined variable), the immutability check, the update (copy on write: the
    global and `c` hold it, as the VM's global and temporary), the store."""
    name, path = extra
    c = _global(rt, name)
    imm = rt.ns.get("IMM")
    if imm is not None and name in imm:
        raise support.immutable("mutate", imm[name], name)
    rt.ns["G_" + rt.py_name(name)] = support.update(c, path, keys, v, 2)


def _raise(rt: Any, message: str) -> None:
    """`ruff.raise`: the VM's `raise ERR(message)`."""
    raise support.err(message)


def _catch(rt: Any, extra: Any) -> Any:
    """`except e` in native code (ruff.catch, on the direct path): the pending error as
    the VM's Error value, and the error cleared; an error the VM's `except` would not
    catch is raised again, so that it goes on unwinding (the error flag is still set,
    and `raised` keeps the first error). The stack: the Ruff frames outside this native
    segment (the Python frame that entered it, sys._getframe(2), stands for the
    segment, as in JIT.check_error), the segment's native frames up to where the error
    was raised (the shadow stack), and the frames the exception went through in
    Python before a helper took it."""
    st = rt.state
    m = st.mem
    exc = st.pending
    vm = rt.vm
    if exc is None or not isinstance(exc, CATCHABLE) or not vm.is_ruff_error(exc):
        raise exc if exc is not None else SystemError("ruff.catch without an error")
    entered = sys._getframe(2)   # _catch <- the site's plan <- (native code) <- this frame
    from rufc.runtime.vm import Frame, error_struct
    def frame_of(site: int) -> Frame:
        s = rt.resolve(H.SITES[site])
        return Frame(s.func, s.line, s.col)

    frames = st.segment_frames(m[H.ERR_DEPTH], vm.outer_frames(entered.f_back), frame_of)
    for f in vm.ruff_frames(exc.__traceback__, exc):
        frames = (f, frames)
    st.pending = None
    m[H.ERR] = 0
    exc.__context__ = None   # as VM.error_value: no chain for CPython to walk
    return error_struct(frames, vm.message_of(exc))


def _fail(exc: BaseException) -> None:
    raise exc


def _match_tag(tag: str, x: Any) -> bool:
    return x is NONE if tag == "None" else type(x) is _VARIANTS[tag]


def _try_unwrap(x: Any) -> bool:
    """True: Ok/Some (take its payload); False: Err/None (the function returns it)."""
    t = type(x)
    if t is ROk or t is RSome:
        return True
    if t is RErr or x is NONE:
        return False
    raise RuffError("Try operator requires Result or Option")


def _call_value(rt: Any, f: Any, *args: Any) -> Any:
    try:
        return semantics.call(f, args)
    except TypeError as exc:   # as the VM's call: a wrong call of a Python builtin
        support.call_failed(f, len(args), exc)
        raise


# op name -> implementation(rt, extra, *operands)
OPS: Final[dict[str, Callable[..., Any]]] = {
    "ruff.add": lambda rt, x, a, b: semantics.add(a, b),
    "ruff.sub": lambda rt, x, a, b: semantics.sub(a, b),
    "ruff.mul": lambda rt, x, a, b: semantics.mul(a, b),
    "ruff.div": lambda rt, x, a, b: semantics.div(a, b),
    "ruff.mod": lambda rt, x, a, b: semantics.mod(a, b),
    "ruff.eq": lambda rt, x, a, b: semantics.eq(a, b),
    "ruff.ne": lambda rt, x, a, b: not semantics.eq(a, b),
    "ruff.lt": lambda rt, x, a, b: semantics.lt(a, b),
    "ruff.le": lambda rt, x, a, b: semantics.le(a, b),
    "ruff.gt": lambda rt, x, a, b: semantics.gt(a, b),
    "ruff.ge": lambda rt, x, a, b: semantics.ge(a, b),
    "ruff.neg": lambda rt, x, a: semantics.neg(a),
    "ruff.not": lambda rt, x, a: semantics.not_(a),
    "ruff.truthy": lambda rt, x, a: semantics.truthy(a),
    "ruff.get_index": lambda rt, x, a, i: support.index(a, i),
    "ruff.get_field": lambda rt, x, a: semantics.get_field(a, x),
    "ruff.interpolate": lambda rt, x, *parts: "".join(
        p if type(p) is str else to_string(p) for p in parts),
    "ruff.make_array": lambda rt, x, *items: (support.make_array(list(items)) if not any(x)
                                              else support.make_array_spread(list(items), x)),
    "ruff.make_dict": lambda rt, x, *items: support.make_dict(list(items), x),
    "ruff.make_struct": lambda rt, x, t, *items: support.make_struct(t, x, list(items)),
    "ruff.get_struct": lambda rt, x: rt.ns["S_" + rt.py_name(x)],
    "ruff.make_variant": lambda rt, x, *v: NONE if x == "None" else _VARIANTS[x](v[0]),
    "ruff.match_tag": lambda rt, x, a: _match_tag(x, a),
    "ruff.payload": lambda rt, x, a: support.payload(a),
    "ruff.try_unwrap": lambda rt, x, a: _try_unwrap(a),
    "ruff.call_method": lambda rt, x, recv, *args: support.call_method(recv, x, args),
    "ruff.call_value": lambda rt, x, f, *args: _call_value(rt, f, *args),
    "ruff.const": lambda rt, x, v: v,
    "ruff.load_global": lambda rt, x: _global(rt, x),
    "ruff.make_function": lambda rt, x: rt.ns["F_" + rt.py_name(x)],
    "ruff.store_global": lambda rt, x, v: _store_global(rt, x, v),
    "ruff.declare_global": lambda rt, x, v: _declare_global(rt, x, v),
    "ruff.update_global": _update_global,
    "ruff.raise": _raise,
    "ruff.catch": _catch,
    "ruff.iter_items": lambda rt, x, v: tuple(semantics.iterate(v)),
    # a captured variable's cell (codegen: `c<N> = [v]`, `[UNBOUND]`), and a closure
    # made by the VM's own maker over the cells (passes/lowering/boxed.py, cells)
    "ruff.new_cell": lambda rt, x, *v: [v[0]] if v else [UNBOUND],
    # names with several candidates (passes/lowering/boxed.py)
    "ruff.global_bound": lambda rt, x: ("G_" + rt.py_name(x)) in rt.ns,
    # `g = g + y` on a global (passes/specialize.py, _appends): the VM's helper
    "ruff.append_global": lambda rt, x, b: support.append_global(
        rt.ns, x, "G_" + rt.py_name(x), b),
    # an in-place append to a local ran out of memory and freed the string
    "ruff.append_lost": lambda rt, x: _fail(FatalError("Out of memory")),
    "ruff.create_global": lambda rt, x, v: rt.ns.__setitem__("G_" + rt.py_name(x), v),
    "ruff.undefined": lambda rt, x: _fail(support.undefined(x)),
    "ruff.duplicate": lambda rt, x: _fail(support.duplicate(x)),
    "ruff.make_closure": lambda rt, x, *cells: rt.ns["MK_" + rt.py_name(x)](*cells),
    # (called by its plan directly: see _direct_call)
    "ruff.update_local": lambda rt, x, c, v, *keys: support.update(c, x, keys, v, 3),
}


# ops that may run Ruff code in the VM (a method, a function value)
REENTRANT: Final = frozenset({"ruff.call_method", "ruff.call_value"})


_PARSED: dict[str, tuple[Callable[..., Any], Any, bool]] = {}


def parse_site(name: str) -> tuple[Callable[..., Any], Any, bool]:
    """A site name "ruff.get_field|'x'" -> (implementation, extra, reentrant), once per name."""
    got = _PARSED.get(name)
    if got is None:
        import ast
        opname, _, extra = name.partition("|")
        got = _PARSED[name] = (OPS.get(opname, _unpack_only), ast.literal_eval(extra) if extra else None,
                               opname in REENTRANT)
    return got


def _builtin(rt: Any, name: str, *args: Any) -> Any:
    """A builtin that calls no Ruff function (`ruff.call_builtin|'len'`), on the direct path."""
    return _arity_checked(rt.builtins[name], len(args))(*args)


def _arity_checked(impl: Any, got: int) -> Callable[..., Any]:
    """The builtin, or for a call with an argument count it does not take, a rule that
    raises the VM's `NAME expects N arguments, got M` (semantics.check_call; a Python
    TypeError would be an internal error)."""
    try:
        semantics.check_call(impl, got)
    except RuffError:
        def fails(*args: Any) -> Any:
            semantics.check_call(impl, got)   # raises it anew at every call
        return fails
    return cast(Callable[..., Any], impl)


OPS["ruff.call_builtin"] = _builtin


def _unpack_only(rt: Any, x: Any, *args: Any) -> Any:
    """A site of ruff_rt_unpack (its name is not an op of ruff_rt_op)."""
    raise AssertionError("an unpack site called through ruff_rt_op")


_PLANS: dict[int, Callable[[Any, Any], int]] = {}
_BOXED_KINDS_NOT: Final = ("int", "float", "bool", "i1")


def _plan(site_id: int) -> Callable[[Any, Any], int]:
    """The site's op as one Python function of (rt, argv): operands decoded and the
    result encoded inline for the site's kinds (the same rules as helpers.decode and
    helpers.encode, which the general cases still call), made once per site."""
    site = H.SITES[site_id]
    impl, extra, _ = _PARSED.get(site.name) or parse_site(site.name)
    env: dict[str, Any] = {"impl": impl, "extra": extra, "fp": H._from_ptr, "inc": H._incref,
                           "TRUE": TRUE, "FALSE": FALSE, "dec": H.decode, "enc": H.encode,
                           "ud": H._D.unpack, "pq": H._Q.pack, "rk": site.result}
    parts, k = [], 0
    for i in range(site.nargs):
        if i in site.consts:
            env[f"c{i}"] = site.consts[i]
            parts.append(f"c{i}")
            continue
        kind = site.arg_kinds[k]
        if kind == "int":
            parts.append(f"a[{k}]")
        elif kind in ("bool", "i1"):
            parts.append(f"(TRUE if a[{k}] & 1 else FALSE)")
        elif kind == "null":
            parts.append("None")
        elif kind in _BOXED_KINDS_NOT:
            parts.append(f"dec({kind!r}, a[{k}])")
        else:
            parts.append(f"fp(a[{k}])")
        k += 1
    call = f"impl(rt, extra, {', '.join(parts)})"
    rk = site.result
    if rk in ("unused", "null"):
        body = f"{call}\n    return 0"
    elif rk in ("int", "float", "bool", "i1") or rk.startswith("array:"):
        body = f"return enc(rk, {call})"
    else:
        body = f"return id(inc({call}))"
    exec(f"def run(rt, a):\n    {body}\n", env)
    fn = _PLANS[site_id] = env["run"]
    return fn


def op(rt: Any, site_id: int, argv: Any) -> int:
    """`ruff_rt_op(site, argv)`: the site's op on its operands, by the VM's rules."""
    try:
        run = _PLANS.get(site_id)
        if run is None:
            site = H.SITES[site_id]
            impl, extra, reentrant = _PARSED.get(site.name) or parse_site(site.name)
            if reentrant:
                return reentrant_op(rt, site, impl, extra, argv)
            run = _plan(site_id)
        return run(rt, argv)
    except BaseException as exc:  # noqa: BLE001 - the error protocol carries it
        rt.state.fail(exc)
        return 0


def reentrant_op(rt: Any, site: Any, impl: Callable[..., Any], extra: Any, argv: Any) -> int:
    """An op that may run Ruff code in the VM gets the recursion limit of a VM call
    at this depth (as `ruff_rt_call`; the helper's frame shows the native frames)."""
    m = rt.state.mem
    limit = sys.getrecursionlimit()
    try:
        args = H.site_args(site, argv)
        # as ruff_rt_call (3 levels for the ctypes callback), with this chain's 6 Python
        # frames (_boxed_op, op, reentrant_op, the OPS rule, _call_value,
        # semantics.call): the function value runs as deep as the VM runs it
        sys.setrecursionlimit(limit - (m[H.DEPTH] - m[H.SEGMENT]) + 9)
        return H.encode(site.result, impl(rt, extra, *args))
    except BaseException as exc:  # noqa: BLE001 - the error protocol carries it
        sys.setrecursionlimit(limit)   # room to look at the error (str() of it)
        rt.state.fail(H._depth_error(exc))
        return 0
    finally:
        sys.setrecursionlimit(limit)


# ---------------------------------------------------------------- the direct path

# Native code calls an op that cannot run Ruff code (every op but REENTRANT) without a
# ctypes callback: with every operand a PyObject* (ints and floats boxed, bools as
# TRUE/FALSE), it calls the site's *plan* with `PyObject_Vectorcall(plan, [x, y, ...])`,
# found in SITE_TABLE; when the table does not have it, `dispatch(site)` makes it and
# enters it first. The result is a new
# reference: the op's value for a boxed kind, its i64 encoding as an int for int,
# float, bool and i1 (native code takes it with PyLong_AsLongLong). An exception
# propagates: the call returns NULL, and native code hands CPython's pending exception
# to `ruff_rt_raised`, which puts it into the error protocol. A ctypes callback costs
# ~2-4 us; this costs one Python call more than the op.


def vplan(rt: Any, site_id: int) -> Callable[..., Any]:
    """The site's op as one Python function of its operand objects, bound to `rt`:
    constants put back in place, the result encoded for the site's kind."""
    site = H.SITES[site_id]
    impl, extra, _ = _PARSED.get(site.name) or parse_site(site.name)
    env: dict[str, Any] = {"impl": impl, "extra": extra, "enc": H.encode, "rt": rt,
                           "arr": _typed_array, "rk": site.result, "ts": to_string}
    params, parts = [], []
    for i in range(site.nargs):
        if i in site.consts:
            env[f"c{i}"] = site.consts[i]
            parts.append(f"c{i}")
        else:
            params.append(f"a{i}")
            parts.append(f"a{i}")
    call = _direct_call(site.name.partition("|")[0], parts, extra, rt, env) \
        or f"impl(rt, extra, {', '.join(parts)})"
    rk = site.result
    if rk in ("unused", "null"):
        body = f"{call}\n    return None"
    elif rk in ("int", "float", "bool", "i1"):
        body = f"return enc(rk, {call})"
    elif rk in ("array:int", "array:float"):
        body = f"return arr(rk, {call})"
    else:
        body = f"return {call}"
    exec(f"def run({', '.join(params)}):\n    {body}\n", env)
    fn = _VPLANS[site_id] = env["run"]
    return fn


# ops whose plan calls the rule itself (one Python frame less than through OPS)
_DIRECT: Final[dict[str, Callable[..., Any]]] = {
    "ruff.add": semantics.add, "ruff.sub": semantics.sub, "ruff.mul": semantics.mul,
    "ruff.div": semantics.div, "ruff.mod": semantics.mod, "ruff.eq": semantics.eq,
    "ruff.lt": semantics.lt, "ruff.le": semantics.le, "ruff.gt": semantics.gt,
    "ruff.ge": semantics.ge, "ruff.neg": semantics.neg, "ruff.not": semantics.not_,
    "ruff.truthy": semantics.truthy, "ruff.get_index": support.index,
    "ruff.payload": support.payload}


def _direct_call(opname: str, parts: list[str], extra: Any, rt: Any,
                 env: dict[str, Any]) -> str | None:
    """The Python expression of a plan that runs the op's rule without OPS's wrapper
    (the same functions OPS calls), or None."""
    args = ", ".join(parts)
    if opname in _DIRECT:
        env["rule"] = _DIRECT[opname]
        return f"rule({args})"
    if opname == "ruff.ne":
        env["rule"] = semantics.eq
        return f"not rule({args})"
    if opname == "ruff.update_local":
        # the variable and the plan's parameter hold the container, as the VM's
        # variable and temporary do: owners 2 (support.update)
        env["rule"] = support.update
        return f"rule({parts[0]}, extra, ({''.join(p + ', ' for p in parts[2:])}), {parts[1]}, 2)"
    if opname == "ruff.get_field":
        env["rule"] = semantics.get_field
        return f"rule({args}, extra)"
    if opname == "ruff.call_builtin":
        env["rule"] = _arity_checked(rt.builtins[extra], len(parts))
        return f"rule({args})"
    if opname == "ruff.make_closure":   # the maker as it is now (the JIT may replace it)
        env["ns"] = rt.ns
        return f"ns[{'MK_' + rt.py_name(extra)!r}]({args})"
    if opname == "ruff.interpolate":
        return " + ".join(f"({p} if type({p}) is str else ts({p}))" for p in parts) or "''"
    return None


def _typed_array(kind: str, value: Any) -> Any:
    """An array result native code reads as a typed array (as helpers.encode checks)."""
    if type(value) is RArray and H._typed(value, float if kind == "array:float" else int):
        return value
    raise AssertionError(f"native code expected a {kind}, got {type(value).__name__} {value!r}")


def dispatch(rt: Any, site_id: int) -> Any:
    """What native code calls when SITE_TABLE does not have the site's plan: make it
    (once) and enter it; native code then calls the plan itself, so that the op runs
    at one depth whichever way it was found (its depth-limit errors are the VM's).
    Exceptions propagate to native code (NULL), which passes them to `raised`."""
    try:
        run = _VPLANS[site_id]
    except KeyError:
        # making a plan compiles Python code (CPython 3.11 counts the compiler's
        # recursion against the limit): deep in a recursion it gets room of its own
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(limit + PLAN_FRAMES)
        try:
            run = vplan(rt, site_id)
        finally:
            sys.setrecursionlimit(limit)
    i = (site_id & SITE_MASK) * 2
    SITE_TABLE[i] = site_id
    SITE_TABLE[i + 1] = id(run)


def raised(rt: Any, argv: Any) -> int:
    """`ruff_rt_raised(argv)`: the exception CPython held when a direct call returned
    NULL, fetched by native code (PyErr_Fetch: type, value, traceback in argv[0..2], new
    references), into the error protocol."""
    try:
        t, v, tb = (take(argv[i]) if argv[i] else None for i in range(3))
        if isinstance(v, BaseException):
            exc = v
        elif isinstance(t, type) and issubclass(t, BaseException):   # not normalized yet
            exc = t() if v is None else t(v)
        else:
            exc = SystemError("a direct call from native code failed without an exception")
        if tb is not None:
            # the Python frames it went through: a closure's maker shows in a
            # traceback as in the VM (VM.ruff_frames; the other frames are rufc's own)
            exc = exc.with_traceback(tb)
        rt.state.fail(exc)
    except BaseException as exc:  # noqa: BLE001 - the error protocol carries it
        rt.state.fail(exc)
    return 0


def unpack(rt: Any, site_id: int, argv: Any) -> int:
    """`ruff_rt_unpack(site, argv)`: destructuring (`unpack_array`/`unpack_dict`):
    argv[0] holds the value; the results are written back into argv[0..n-1], each
    encoded for its kind in `site.extra[1]`."""
    try:
        site = H.SITES[site_id]
        v = H.site_args(site, argv)[0]   # a constant (a string) stays in the site
        name, _, extra = site.name.partition("|")
        kinds, attrs = parse_site(site.name)[1]
        if name == "ruff.unpack_array":
            outs = support.unpack_array(v, *attrs)
        else:
            outs = support.unpack_dict(v, *attrs)
        encoded = [H.encode(k, x) for k, x in zip(kinds, outs)]
        for i, e in enumerate(encoded):
            argv[i] = e
        return 0
    except BaseException as exc:  # noqa: BLE001
        rt.state.fail(exc)
        return 0


__all__ = ["CONSTS", "CONST_OBJS", "SENTINEL", "DISPATCH_SLOT", "const_slot", "take", "op",
           "unpack", "dispatch", "raised", "set_dispatch", "SITE_TABLE", "SITE_MASK", "TRUE", "FALSE"]
