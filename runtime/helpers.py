"""The one table of runtime helpers: what generated code of either tier may call.

Each `Helper` row names one helper and gives its Python implementation and, for the
ones native code calls, its native signature. Three readers use this table:

- the VM (`rufc.runtime.vm.VM._namespace`) binds every row with a `vm` name into the
  namespace of the generated cold-tier code (`ADD`, `INDEX`, ...);
- the LLVM lowering (`rufc.passes.ruff_to_llvm`) declares every `ruff_rt_*` row it calls
  with the row's signature;
- the JIT (`rufc.runtime.tiering`) registers every `ruff_rt_*` row with the engine
  before it adds a module that may call it.

The helpers never restate a rule of the language: they decode native arguments and call
`rufc.runtime.semantics` or the builtin table, which stay the single definition.

Native error protocol (exceptions cannot cross a ctypes callback): a native helper
catches everything, keeps the exception in `NativeState.pending`, sets the error flag
in native memory and returns 0; native code checks the flag after every call and
returns at once; the Python side of the native entry (see `tiering`) re-raises.

Call sites: native code passes a *site id* to helpers instead of pointers to Python
objects. `SITES[id]` says what the site is (which function, line:col, operator or
callee, argument kinds, constant arguments, expected result kind), so native code
holds no references to Python objects at all.
"""
from __future__ import annotations

import ctypes
import math
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from rufc.runtime import semantics, support
from rufc.runtime.errors import RuffError, append_failed
from rufc.runtime.format import to_string
from rufc.runtime.values import FALSE, FLOAT_CODE, INT_CODE, TRUE, RArray

# ---------------------------------------------------------------- the VM's helpers

# name in generated cold-tier code -> implementation
VM_HELPERS: Final[dict[str, Callable[..., Any]]] = {
    "ADD": semantics.add, "SUB": semantics.sub, "MUL": semantics.mul, "DIV": semantics.div,
    "MOD": semantics.mod, "NEG": semantics.neg, "NOT": semantics.not_, "EQ": semantics.eq,
    "LT": semantics.lt, "LE": semantics.le, "GT": semantics.gt, "GE": semantics.ge,
    "INDEX": support.index, "GETFIELD": semantics.get_field, "ITER": semantics.iterate,
    "RANGE": support.range_args, "TOSTR": to_string, "PAYLOAD": support.payload,
    "UPDATE": support.update, "FMOD": math.fmod, "PUSH_OWNED": support.push_owned,
    "GRC": sys.getrefcount, "MKARR": support.make_array,
    "MKARR_SPREAD": support.make_array_spread, "MKDICT": support.make_dict,
    "MKSTRUCT": support.make_struct, "CALL_METHOD": support.call_method,
    "CALL_FAILED": support.call_failed, "ARITY_BUILTIN": support.arity_builtin,
    "UNPACK_ARRAY": support.unpack_array, "UNPACK_DICT": support.unpack_dict,
    "ERR": support.err, "UNDEF": support.undefined, "IMMUTABLE": support.immutable,
    "DUPLICATE": support.duplicate, "FINISH": support.finish,
    "APPEND_FAILED": append_failed, "APPEND_G": support.append_global,
}

# binary operator -> the VM_HELPERS row its cold-tier slow path calls (the code
# generator reads the name from here; `==`/`!=` use EQ, negated for `!=`)
OPERATOR_HELPERS: Final[dict[str, str]] = {
    "ruff.add": "ADD", "ruff.sub": "SUB", "ruff.mul": "MUL", "ruff.div": "DIV",
    "ruff.mod": "MOD", "ruff.lt": "LT", "ruff.le": "LE", "ruff.gt": "GT", "ruff.ge": "GE",
}

# ---------------------------------------------------------------- native state

# Layout of the native state (an array of i64 in memory native code addresses as the
# global `ruff_rt_state`).
ERR: Final = 0          # non-zero: an error is pending (see NativeState.pending)
DEPTH: Final = 1        # native frames (and entry markers) on the shadow stack
CAPACITY: Final = 2     # the deepest frame the shadow stack has room for (see NativeState)
ERR_DEPTH: Final = 3    # DEPTH when the error was raised (where the traceback starts)
SEGMENT: Final = 4      # depth of the entry marker of the innermost native segment
REMAINING: Final = 5    # address of an int: CPython's recursion_remaining of the VM thread
CALLS: Final = 6        # countdown of native calls until the next poll (see POLL_EVERY)
SHADOW: Final = 8       # shadow stack: state[SHADOW + d] = site id of frame d's position
MARKER: Final = -1      # shadow entry of a Python -> native entry (delimits a segment)
# The call-depth limit (docs/jit.md, Call depth): a Ruff frame runs only while
# CPython's recursion budget (recursion_remaining) has at least DEPTH_HEADROOM levels
# left in it, the levels that runtime helpers called from the deepest Ruff frame may
# use. The VM sets Python's limit so that the frame at the Ruff limit N has exactly
# that many left; the VM's generated code checks it as each function starts
# (codegen.DEPTH_TRIP), native code as each segment starts (its frame budget).
DEPTH_HEADROOM: Final = 40
# Native loops let Python run every this many iterations (about a millisecond), and
# native calls every this many calls (a recursion need not loop).
POLL_EVERY: Final = 1 << 20
# Set when the run was interrupted (SIGINT, handled in the main thread): native code
# still running in the VM's thread stops at its next poll.
INTERRUPTED: Final = threading.Event()

# What an entry function returns when an error is pending (Python then checks the
# error flag; a genuine result equal to the sentinel costs only that check).
INT_SENTINEL: Final = -0x7A5C_0DE5_0000_0001


class NativeState:
    """The memory native code shares with Python, and the pending exception."""

    def __init__(self, max_depth: int) -> None:
        # +2 per entry marker can stand on the stack beside frames; +SHADOW header.
        self.size = SHADOW + 2 * max_depth + 64
        self.mem = (ctypes.c_int64 * self.size)()
        # Every entry clamps its segment's depth limit (CPython's recursion budget) to
        # this: were that budget ever larger than the Ruff limit makes it, native
        # frames still never write past the array (a frame one past its limit and its
        # failing call stand in the slack of 4).
        self.mem[CAPACITY] = self.size - SHADOW - 4
        self.mem[CALLS] = POLL_EVERY
        self.pending: BaseException | None = None
        # Native code reads how many Python frames the VM could still push
        # (tstate->recursion_remaining of this thread). Where that field cannot be
        # found (another Python), each segment may run the whole Ruff limit: deep
        # recursion still ends in the VM's error, but not always at the same call.
        self._fallback = ctypes.c_int(max_depth + DEPTH_HEADROOM)
        self._seg: tuple[Any, int, bytes, list[Any]] | None = None   # segment_frames
        self.bind_thread()

    def bind_thread(self) -> None:
        """Read the counter of the thread calling this: the VM's. Each run of a program
        (each REPL entry) is a thread of its own, and a compiling thread must never
        be the one whose counter native code reads."""
        address = recursion_remaining_address()
        self.exact = address is not None
        self.mem[REMAINING] = address if address is not None else ctypes.addressof(self._fallback)
        # the same int for Python code: `remaining.value` reads it without a call
        self.remaining = (ctypes.c_int.from_address(address) if address is not None
                          else ctypes.c_int(1 << 30))

    @property
    def address(self) -> int:
        return ctypes.addressof(self.mem)

    def fail(self, exc: BaseException) -> None:
        """Record an exception raised while native code ran (it unwinds to its entry)."""
        m = self.mem
        if not m[ERR]:
            self.pending = exc
            m[ERR] = 1
            m[ERR_DEPTH] = m[DEPTH]

    def segment(self, top: int) -> list[int]:
        """Site ids of the native frames from `top` down to the nearest entry marker,
        outermost first."""
        m = self.mem
        out = []
        d = top
        while d > 0 and m[SHADOW + d] != MARKER:
            out.append(m[SHADOW + d])
            d -= 1
        out.reverse()
        return out

    def segment_frames(self, top: int, base: Any, frame_of: Callable[[int], Any]) -> Any:
        """The frames of `segment(top)` (`frame_of(site id)` each) pushed onto the linked
        list `base` (VM.outer_frames' kind: innermost first).

        Kept for the next call (`_seg`: base, the marker's depth, the segment's site
        ids as bytes, the list after each of its frames): when the base is the same
        and the shadow stack still holds the same sites below `top`, only the top
        frame is new. So an `except` at every level of a native recursion walks one
        frame in Python each; what stays per catch is copying and comparing the
        segment's site ids (8 bytes a frame, in C)."""
        m = self.mem
        view = memoryview(m).cast("B")
        memo = self._seg
        if memo is not None and memo[0] is base:
            _, marker, sites, lists = memo
            n = top - marker   # frames in the segment
            if (1 <= n <= len(lists) + 1 and m[SHADOW + marker] == MARKER
                    and m[SHADOW + top] != MARKER):
                start = 8 * (SHADOW + marker + 1)
                cur = view[start:start + 8 * n].tobytes()
                if cur[:-8] == sites[:8 * (n - 1)]:   # the same frames below the top one
                    del lists[n - 1:]
                    lists.append((frame_of(m[SHADOW + top]), lists[-1] if lists else base))
                    self._seg = (base, marker, cur, lists)
                    return lists[-1]
        ids = self.segment(top)
        lists = []
        node = base
        for i in ids:
            node = (frame_of(i), node)
            lists.append(node)
        marker = top - len(ids)
        start = 8 * (SHADOW + marker + 1)
        self._seg = (base, marker, view[start:start + 8 * len(ids)].tobytes(), lists)
        return node


# ---------------------------------------------------------------- call sites

@dataclass
class Site:
    """A place in native code that can call a helper or raise."""
    kind: str                     # "call", "builtin", "op" (an operator that may fail), "depth"
    func: str                     # display name of the function it is in
    line: int
    col: int
    name: str = ""                # callee global / builtin name / op name ("ruff.add")
    arg_kinds: tuple[str, ...] = ()   # kinds of the native arguments, in order
    consts: dict[int, Any] = field(default_factory=dict)   # argument position -> constant
    nargs: int = 0
    result: str = "null"          # expected result kind


# Site ids are baked into native code as constants. Code compiled as a *unit* (see
# rufc.runtime.native_cache) numbers its sites from a base derived from the unit's
# cache key, so the ids mean the same in every process that loads that code (a later
# run, or the parent of a compiling worker); `unit_sites` gives the table to rebuild.
SITES: dict[int, Site] = {0: Site("none", "?", 0, 0)}
_next_site = [1]


def add_site(site: Site) -> int:
    i = _next_site[0]
    while i in SITES:
        i += 1
    SITES[i] = site
    _next_site[0] = i + 1
    return i


class unit_sites:
    """`with unit_sites(base) as ids:` sites added inside get ids from `base` on;
    `ids` lists them (the unit's part of the table)."""

    def __init__(self, base: int) -> None:
        self.base = base
        self.ids: list[int] = []

    def __enter__(self) -> list[int]:
        self.saved = _next_site[0]
        self.before = set(SITES)
        _next_site[0] = self.base
        return self.ids

    def __exit__(self, *exc: object) -> None:
        self.ids.extend(i for i in SITES if i not in self.before)
        _next_site[0] = self.saved


# ---------------------------------------------------------------- value coding

# CPython's own, as C functions (ctypes.cast and ctypes.pythonapi cost ~10-100x more)
from _ctypes import Py_INCREF as _incref  # noqa: E402
from _ctypes import PyObj_FromPtr as _from_ptr  # noqa: E402

_D = struct.Struct("<d")
_Q = struct.Struct("<q")


def decode(kind: str, bits: int) -> Any:
    """A native i64 argument slot as a Ruff value of `kind`. An array or a boxed
    value is the address of the object, borrowed from native code (which keeps it
    alive: the ownership rule in docs/jit.md)."""
    if kind == "int":
        return bits
    if kind == "float":
        return _D.unpack(_Q.pack(bits))[0]
    if kind in ("bool", "i1"):
        return TRUE if bits & 1 else FALSE
    if kind == "null" or not bits:
        return None
    # an array or a boxed value: a PyObject* borrowed from native code
    return _from_ptr(bits)


@dataclass(frozen=True)
class ArrayLayout:
    """Where native code finds a typed array's parts (CPython's object layout): every
    object's reference count at 0; RArray.data at `data` bytes into the RArray; in
    the array.array, the length at `size`, the element buffer pointer at `items`, the
    capacity at `allocated`, and the count of exported buffers (which forbid a
    resize) at `exports`."""
    data: int
    size: int
    items: int
    allocated: int = 32
    exports: int = 56
    refcnt: int = 0


_LAYOUT: list[ArrayLayout | None] = []


def recursion_remaining_address() -> int | None:
    """The address of this thread's `recursion_remaining` (CPython 3.11's
    PyThreadState: `recursion_remaining` at 32, `recursion_limit` at 36), checked
    against sys.getrecursionlimit() and one nested call; None if it does not match."""
    if sys.implementation.name != "cpython" or sys.version_info[:2] != (3, 11):
        return None
    get = ctypes.pythonapi.PyThreadState_Get
    get.restype = ctypes.c_void_p
    ts = get()
    if not ts:
        return None
    remaining = ctypes.c_int.from_address(ts + 32)
    limit = ctypes.c_int.from_address(ts + 36)

    def nested() -> int:
        return remaining.value

    here = remaining.value
    if limit.value != sys.getrecursionlimit() or nested() != here - 1:
        return None
    return ts + 32


def recursion_counter() -> ctypes.c_int | None:
    """This thread's `recursion_remaining` as an int Python code reads without a call
    (no recursion check: usable at the depth limit), or None where it cannot be found."""
    address = recursion_remaining_address()
    return None if address is None else ctypes.c_int.from_address(address)


def array_layout() -> ArrayLayout | None:
    """The layout, checked against this interpreter (None if it differs: typed arrays
    then stay in the VM)."""
    if not _LAYOUT:
        from array import array as _array

        from rufc.runtime.values import RArray
        layout: ArrayLayout | None = ArrayLayout(16, 16, 24)
        try:
            for code, items in (("q", [1, 2, 3]), ("d", [0.5])):
                a = RArray(_array(code, items))
                base = id(a)
                d = id(a.data)
                ok = (ctypes.c_void_p.from_address(base + 16).value == d
                      and ctypes.c_ssize_t.from_address(d + 16).value == len(items)
                      and ctypes.c_void_p.from_address(d + 24).value == a.data.buffer_info()[0]
                      and ctypes.c_ssize_t.from_address(d + 32).value >= len(items)
                      and ctypes.c_ssize_t.from_address(base).value == sys.getrefcount(a) - 1)
                view = memoryview(a.data)
                ok = ok and ctypes.c_ssize_t.from_address(d + 56).value == 1
                view.release()
                ok = ok and ctypes.c_ssize_t.from_address(d + 56).value == 0
                if not ok:
                    layout = None
        except (ValueError, OverflowError):   # pragma: no cover - another interpreter
            layout = None
        _LAYOUT.append(layout)
    return _LAYOUT[0]


def encode(kind: str, value: Any) -> int:
    """A Ruff value as the i64 native code expects for `kind` (for a boxed kind or an
    array: the address of a new reference, which native code owns); a value of another kind
    is a bug in the kind inference (the JIT only compiles calls whose result kind it
    proved), reported as an internal error."""
    t = type(value)
    if kind == "int" and t is int:
        return value
    if kind == "float" and t is float:
        return _Q.unpack(_D.pack(value))[0]
    if kind == "bool" and (value is TRUE or value is FALSE):
        return 1 if value is TRUE else 0
    if kind == "i1" and t is bool:
        return 1 if value else 0
    if kind in ("null", "unused"):
        return 0   # native code uses the None constant, or nothing
    if kind in ("array:int", "array:float"):
        if t is RArray and _typed(value, float if kind == "array:float" else int):
            return _new_ref(value)
    elif kind not in ("int", "float", "bool", "i1"):
        return _new_ref(value)   # a boxed value: a reference native code now owns
    raise AssertionError(f"native code expected a {kind}, got {type(value).__name__} {value!r}")


def _typed(a: Any, et: type) -> bool:
    """Make sure an array native code reads as a typed array has typed storage (the
    kind inference proved its elements; an empty array gets the storage of its kind)."""
    if a.et is et:
        return True
    if a.et is None and not a.data:
        from array import array as _array
        a.data, a.et = _array(INT_CODE if et is int else FLOAT_CODE), et
        return True
    return a.typed() and a.et is et


def site_args(site: Site, argv: Any) -> tuple[Any, ...]:
    """The Ruff arguments of a call site: native slots decoded, constants put back."""
    args: list[Any] = []
    k = 0
    for i in range(site.nargs):
        if i in site.consts:
            args.append(site.consts[i])
        else:
            args.append(decode(site.arg_kinds[k], argv[k]))
            k += 1
    return tuple(args)


# ---------------------------------------------------------------- native helpers

@dataclass(frozen=True)
class Helper:
    """A helper native code calls: symbol, native signature (LLVM type names), and the
    implementation, which takes the runtime context first."""
    name: str
    ret: str
    args: tuple[str, ...]
    impl: Callable[..., int]
    doc: str


def _call(rt: Any, site_id: int, argv: Any) -> int:
    """`f(args)` for a callee native code does not call directly: read the global now
    (it may have been rebound), call it in whatever tier it is in."""
    m = rt.state.mem
    _top = m[DEPTH]  # noqa: F841 - read by the frame walk (VM.outer_frames)
    limit = sys.getrecursionlimit()
    try:
        site = SITES[site_id]
        key = "G_" + rt.py_name(site.name)
        try:
            f = rt.ns[key]
        except KeyError:
            raise RuffError(f"Undefined variable: {site.name}") from None
        args = site_args(site, argv)
        # The VM would run f one Python frame below the native frames of this segment
        # (which have no Python frames), and without this helper's 3 Python frames
        # and the recursion level CPython counts for the ctypes callback itself.
        sys.setrecursionlimit(limit - (m[DEPTH] - m[SEGMENT]) + 5)
        return encode(site.result, semantics.call(f, args))
    except BaseException as exc:  # noqa: BLE001 - the error protocol carries it
        sys.setrecursionlimit(limit)   # room to look at the error (str() of it)
        rt.state.fail(_depth_error(exc))
        return 0
    finally:
        sys.setrecursionlimit(limit)


def _depth_error(exc: BaseException) -> BaseException:
    """setrecursionlimit refuses a limit below the current depth: the VM would have
    run out of depth here."""
    if isinstance(exc, RecursionError) and "limit is too low" in str(exc):
        return RecursionError("maximum Ruff call depth")
    return exc


def _builtin(rt: Any, site_id: int, argv: Any) -> int:
    """A builtin from the builtin table (the VM's own implementation)."""
    m = rt.state.mem
    _top = m[DEPTH]  # noqa: F841 - read by the frame walk (VM.outer_frames)
    limit = sys.getrecursionlimit()
    try:
        site = SITES[site_id]
        args = site_args(site, argv)
        sys.setrecursionlimit(limit - (m[DEPTH] - m[SEGMENT]) + 4)   # see _call
        return encode(site.result, rt.builtins[site.name](*args))
    except BaseException as exc:  # noqa: BLE001
        sys.setrecursionlimit(limit)   # room to look at the error (str() of it)
        rt.state.fail(_depth_error(exc))
        return 0
    finally:
        sys.setrecursionlimit(limit)


def _set_index_error(a: Any, i: Any) -> None:
    semantics.set_index(a, i, None)   # the index is out of bounds: raises first


_OPS: Final[dict[str, Callable[..., Any]]] = {
    "ruff.set_index": _set_index_error, "ruff.add": semantics.add, "ruff.sub": semantics.sub,
    "ruff.mul": semantics.mul, "ruff.div": semantics.div, "ruff.mod": semantics.mod,
    "ruff.neg": semantics.neg, "ruff.get_index": semantics.get_index}


def _fail(rt: Any, site_id: int, a: int, b: int) -> int:
    """An operator whose native fast path found an error (overflow, division by zero):
    run it in `semantics`, which raises the exact Ruff error."""
    try:
        site = SITES[site_id]
        if site.name == "range":   # for i in range(a, b, 0)
            support.range_args(0, 0, 0)
        elif site.name.startswith("builtin:"):   # an inlined builtin's error
            rt.builtins[site.name[8:]](decode(site.arg_kinds[0], a))
        else:
            args = (decode(site.arg_kinds[0], a),
                    decode(site.arg_kinds[-1], b))[:site.nargs]
            _OPS[site.name](*args)
        raise AssertionError(f"native code reported an error {site.name}{args} does not raise")
    except BaseException as exc:  # noqa: BLE001
        rt.state.fail(exc)
        return 0


def _new_ref(obj: Any) -> int:
    """The address of obj, with a reference that native code now owns."""
    return id(_incref(obj))


def _array_copy(rt: Any, arr: int) -> int:
    """Copy on write: native code is about to change an array something else holds."""
    try:
        return _new_ref(ctypes.cast(ctypes.c_void_p(arr), ctypes.py_object).value.copy())
    except BaseException as exc:  # noqa: BLE001
        rt.state.fail(exc)
        return 0


def _make_array(rt: Any, site_id: int, argv: Any) -> int:
    """An array literal of native code, with the typed storage of its variable."""
    try:
        from array import array as _array

        from rufc.runtime.values import FLOAT_CODE, INT_CODE, RArray
        site = SITES[site_id]
        code = INT_CODE if site.result == "array:int" else FLOAT_CODE
        return _new_ref(RArray(_array(code, site_args(site, argv))))
    except BaseException as exc:  # noqa: BLE001
        rt.state.fail(exc)
        return 0


def _array_push(rt: Any, site_id: int, arr: int, bits: int, unique: int) -> int:
    """`a := push(a, x)` when the inline path cannot: the array is shared (push's
    copy), or its buffer is full (append in place, which grows it). Returns the
    variable's new array, a reference native code owns."""
    try:
        site = SITES[site_id]
        a = ctypes.cast(ctypes.c_void_p(arr), ctypes.py_object).value
        x = decode(site.arg_kinds[1], bits)
        if unique:
            a.append(x)
            return _new_ref(a)
        return _new_ref(rt.builtins[site.name](a, x))
    except BaseException as exc:  # noqa: BLE001
        rt.state.fail(exc)
        return 0


def _poll(rt: Any) -> int:
    """A native loop's periodic pause: drop the GIL for a moment, so that the main
    thread can run a signal handler (SIGINT), and stop if the run was interrupted."""
    try:
        time.sleep(0)
        if INTERRUPTED.is_set():
            raise KeyboardInterrupt()
    except BaseException as exc:  # noqa: BLE001 - the error protocol carries it
        rt.state.fail(exc)
    return 0


def _depth_check(rt: Any) -> int:
    """A native frame went past its segment's depth limit: the VM's error."""
    try:
        raise RecursionError("maximum Ruff call depth")
    except BaseException as exc:  # noqa: BLE001 - as every helper: the protocol carries it
        rt.state.fail(exc)
    return 0


NATIVE_HELPERS: tuple[Helper, ...] = (
    Helper("ruff_rt_call", "i64", ("i64", "ptr"), _call,
           "call a global function (any tier) with the site's arguments"),
    Helper("ruff_rt_builtin", "i64", ("i64", "ptr"), _builtin,
           "call a builtin with the site's arguments"),
    Helper("ruff_rt_fail", "i64", ("i64", "i64", "i64"), _fail,
           "raise the error of a failed operator (overflow, division by zero)"),
    Helper("ruff_rt_poll", "i64", (), _poll,
           "every POLL_EVERY loop iterations: let a signal handler run; stop if interrupted"),
    Helper("ruff_rt_depth_check", "i64", (), _depth_check,
           "a frame past its segment's depth limit: raise the VM's error"),
    Helper("ruff_rt_array_copy", "i64", ("i64",), _array_copy,
           "copy an array native code is about to change (a reference native code owns)"),
    Helper("ruff_rt_make_array", "i64", ("i64", "ptr"), _make_array,
           "an array literal (typed storage; a reference native code owns)"),
    Helper("ruff_rt_array_push", "i64", ("i64", "i64", "i64", "i64"), _array_push,
           "a := push(a, x) that the inline path cannot do (shared or full)"),
)

# Boxed values (issue 15; runtime/boxed_helpers.py): every op on boxed operands.
_BOXED: list[Any] = []


def boxed_enabled() -> bool:
    """Boxed values in native code (issue 15): on unless RUFC_JIT_BOXED=0, which
    compiles only what int, float, bool and typed arrays express (docs/jit.md, "Boxed
    values"). Code compiled with them is cached apart."""
    import os
    return os.environ.get("RUFC_JIT_BOXED", "") != "0"


def _boxed_op(rt: Any, site_id: int, argv: Any) -> int:
    """ruff_rt_op: runtime/boxed_helpers.op (this frame shows the native frames below
    it, for Ruff code a method call runs)."""
    _top = rt.state.mem[DEPTH]  # noqa: F841 - read by the frame walk (VM.outer_frames)
    try:
        return _boxed().op(rt, site_id, argv)
    except BaseException as exc:  # noqa: BLE001 - boxed_helpers.op fails only if importing it does
        rt.state.fail(exc)
        return 0


def _boxed_unpack(rt: Any, site_id: int, argv: Any) -> int:
    """ruff_rt_unpack: runtime/boxed_helpers.unpack."""
    try:
        return _boxed().unpack(rt, site_id, argv)
    except BaseException as exc:  # noqa: BLE001 - as _boxed_op
        rt.state.fail(exc)
        return 0


def _boxed_raised(rt: Any, argv: Any) -> int:
    """ruff_rt_raised: runtime/boxed_helpers.raised."""
    try:
        return _boxed().raised(rt, argv)
    except BaseException as exc:  # noqa: BLE001 - as _boxed_op
        rt.state.fail(exc)
        return 0


def _boxed() -> Any:
    """runtime/boxed_helpers, imported on the first boxed op (it is off by default)."""
    if not _BOXED:
        from rufc.runtime import boxed_helpers
        _BOXED.append(boxed_helpers)
    return _BOXED[0]


NATIVE_HELPERS += (
    Helper("ruff_rt_op", "i64", ("i64", "ptr"), _boxed_op,
           "any ruff op on boxed operands (the site names it), by the VM's rules"),
    Helper("ruff_rt_unpack", "i64", ("i64", "ptr"), _boxed_unpack,
           "destructuring: the parts of argv[0], written back into argv"),
    Helper("ruff_rt_raised", "i64", ("ptr",), _boxed_raised,
           "a direct call of a boxed op failed: CPython's exception (argv[0..2]) into the protocol"),
)

HELPERS_BY_NAME: Final = {h.name: h for h in NATIVE_HELPERS}

# CPython's own functions native code calls (with the GIL held, as every native call
# is entered from Python): the reference counts of the arrays native variables hold.
C_FUNCTIONS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "Py_IncRef": ("void", ("ptr",)),
    "Py_DecRef": ("void", ("ptr",)),
    # boxing an int or float for a boxed operand (a new reference)
    "PyLong_FromLongLong": ("ptr", ("i64",)),
    "PyFloat_FromDouble": ("ptr", ("double",)),
    # a boxed op called directly (boxed_helpers.dispatch): the call, its int result,
    # and the exception it raised
    "PyObject_Vectorcall": ("ptr", ("ptr", "ptr", "i64", "ptr")),
    "PyLong_AsLongLong": ("i64", ("ptr",)),
    "PyErr_Fetch": ("void", ("ptr", "ptr", "ptr")),
    # for x in a snapshot (a tuple); an element taken out of its object
    "PyTuple_Size": ("i64", ("ptr",)),
    "PyTuple_GetItem": ("ptr", ("ptr", "i64")),
    "PyFloat_AsDouble": ("double", ("ptr",)),
    # a captured variable's cell (a one-element list): read (borrowed), write (the
    # cell takes the reference; its int result, always 0 for index 0, is not read)
    "PyList_GetItem": ("ptr", ("ptr", "i64")),
    "PyList_SetItem": ("void", ("ptr", "i64", "ptr")),
    # the inline fast paths of string ops (passes/lowering/boxed_fast.py): `+`, the
    # comparisons, `len`; and forgetting the exception of a fast path that failed
    # before its op runs again on the direct path
    "PyUnicode_Concat": ("ptr", ("ptr", "ptr")),
    # `s = s + t` on a local: append to the variable's string, in place when its slot
    # holds the only reference (the slot's address; NULL there after a failure)
    "PyUnicode_Append": ("void", ("ptr", "ptr")),
    "PyUnicode_Compare": ("i32", ("ptr", "ptr")),
    "PyUnicode_GetLength": ("i64", ("ptr",)),
    "PyErr_Clear": ("void", ()),
}


def c_function_address(name: str) -> int:
    return ctypes.cast(getattr(ctypes.pythonapi, name), ctypes.c_void_p).value or 0

_CTYPES: Final[dict[str, type[ctypes._SimpleCData[Any]] | type[ctypes._Pointer[Any]]]] = {
    "i64": ctypes.c_int64, "ptr": ctypes.POINTER(ctypes.c_int64), "double": ctypes.c_double}


def ctypes_signature(h: Helper) -> Any:
    """The ctypes callback type of a helper (PYFUNCTYPE: entered with the GIL held)."""
    return ctypes.PYFUNCTYPE(_CTYPES[h.ret], *(_CTYPES[a] for a in h.args))
