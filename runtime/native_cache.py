"""Compiled units as bytes: the native-code cache and the compiling worker's answer.

A *unit* is what one compilation produces: the object code of one LLVM
module (a hot function and every specialization it calls natively that was not
compiled yet; on-stack-replaced loops will be units too) and what the running program
needs to use it:

* `members`: each specialization it defines (function symbol, argument kinds, LLVM
  symbol, result kind, call-site counts for DEBUG_JIT);
* `sites`: the call-site table rows its code refers to by id (`helpers.SITES`). A
  unit's sites are numbered from a base derived from its key (`site_base`), so the
  ids baked into the code mean the same wherever it is loaded;
* `needs` / `defines`: the outside symbols the object refers to (helpers and
  `ruff_rt_state` by *name*, resolved to this process's addresses at load time, and
  functions of units loaded before) and the functions it defines;
* `bound`: every answer the compiler got to "is global NAME bound now?" (a stable
  global that is not bound yet is called through a helper): a unit is reused only
  where every global that was bound then is bound now.

The key (`unit_key`, computable without xdsl) is a digest of the whole program's
compact IR, the unit's root function and argument kinds, the LLVM version and the
host CPU (name and features), and, through `cache.key_of`, the rufc version and a
fingerprint of rufc's sources. The whole program, not only the group's functions:
the code of a function depends on facts about the others (which globals are never
rebound, the result kinds of callees), and a digest of the program is the one cheap
key that covers them all.

Entries live in the shared store (`rufc.runtime.cache`, namespace "native"), whose
keyed checksum rejects a truncated, corrupt or foreign entry; an entry this build
cannot decode or load is ignored (and overwritten by the next compilation).
"""
from __future__ import annotations

import marshal
from dataclasses import dataclass, field
from typing import Any

from rufc.runtime import helpers as H

__all__ = ["Unit", "Member", "NAMESPACE", "program_digest", "host_id", "unit_key",
           "site_base", "encode", "decode"]

NAMESPACE = "native"
_FORMAT = 1


@dataclass
class Member:
    """One specialization a unit defines."""
    sym: str
    kinds: tuple[str, ...]
    symbol: str
    result: str
    direct_calls: int = 0
    helper_calls: int = 0


@dataclass
class Unit:
    """A compiled unit, ready to load into an engine (see the module docstring)."""
    key: str
    members: list[Member]
    sites: dict[int, H.Site]
    needs: list[str]
    defines: list[str]
    bound: dict[str, bool]
    obj: bytes
    timings: dict[str, float] = field(default_factory=dict)   # where compiling went (ms)


# ---------------------------------------------------------------- keys

def program_digest(module: Any) -> str:
    """A digest of a program's compact IR (the file name, every op with its
    attributes and position). Reads every function body once (a warm start decodes
    them lazily: this costs ~1 ms per 1,000 ops)."""
    try:
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover
        from hashlib import blake2b
    h = blake2b(digest_size=32)
    h.update(repr(module.file).encode())
    for op in module.ops:
        h.update(repr(_op_tuple(op)).encode())
    return h.hexdigest()


def _op_tuple(op: Any) -> tuple:
    return (op.name, op.results, op.operands, sorted(op.attrs.items(), key=lambda kv: kv[0]),
            tuple((r.args, [_op_tuple(o) for o in r.ops]) for r in op.regions),
            op.line, op.col)


def host_id() -> str:
    """The LLVM that made the object code and the host CPU it was made on, read
    without importing llvmlite's binding (~70 ms that a run loading cached code need
    not pay): llvmlite's version and a fingerprint of its library (which contains
    LLVM), and the CPU's model name and feature flags (/proc/cpuinfo; where there is
    none, LLVM's own answer)."""
    import os

    import llvmlite
    lib = os.path.join(os.path.dirname(llvmlite.__file__), "binding")
    libs = sorted(f for f in os.listdir(lib) if f.startswith("libllvmlite"))
    st = [os.stat(os.path.join(lib, f)) for f in libs]
    llvm = f"llvmlite-{llvmlite.__version__}/" + ",".join(
        f"{f}:{s.st_size}:{s.st_mtime_ns}" for f, s in zip(libs, st))
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            info = fh.read().split("\n\n")[0]
    except OSError:
        info = ""
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    cpu = " ".join(fields.get(k, "") for k in ("vendor_id", "cpu family", "model",
                                                "model name", "flags", "Features"))
    if not cpu.strip():
        import llvmlite.binding as binding
        cpu = f"{binding.get_host_cpu_name()}/{binding.get_host_cpu_features().flatten()}"
    return f"{llvm}/{os.uname().machine}/{cpu}"


def unit_key(program: str, sym: str, kinds: tuple[str, ...], host: str) -> str:
    from rufc.runtime.cache import key_of
    return key_of("native", str(_FORMAT), program, sym, ",".join(kinds), host)


def site_base(key: str) -> int:
    """The first site id of the unit with this key: 40 bits of the key, shifted past
    room for 2^20 sites (ids stay positive i64; the VM's own sites count from 1)."""
    return (int(key[:10], 16) + 1) << 20


# ---------------------------------------------------------------- bytes

_TAGS = {str: "s", int: "i", float: "f", type(None): "n"}


def _const(v: Any) -> tuple:
    from rufc.runtime.values import FALSE, TRUE
    if v is TRUE or v is FALSE:
        return ("b", v is TRUE)
    tag = _TAGS.get(type(v))
    if tag is None:
        raise ValueError(f"a call-site constant of type {type(v).__name__} cannot be stored")
    return (tag, v)


def _value(t: tuple) -> Any:
    from rufc.runtime.values import FALSE, TRUE
    tag, v = t
    if tag == "b":
        return TRUE if v else FALSE
    if tag not in ("s", "i", "f", "n"):
        raise ValueError("unknown constant tag")
    return v


def _site_tuple(s: H.Site) -> tuple:
    extra = getattr(s, "extra", None)   # what else an op needs (a field name...)
    return (s.kind, s.func, s.line, s.col, s.name, tuple(s.arg_kinds),
            tuple((i, _const(v)) for i, v in s.consts.items()), s.nargs, s.result,
            _const(extra) if not isinstance(extra, tuple) else
            ("t", tuple(_const(x) for x in extra)))


def _site_of(t: tuple) -> H.Site:
    kind, func, line, col, name, arg_kinds, consts, nargs, result, extra = t
    site = H.Site(kind, func, line, col, name=name, arg_kinds=tuple(arg_kinds),
                  consts={i: _value(v) for i, v in consts}, nargs=nargs, result=result)
    value = (tuple(_value(x) for x in extra[1]) if extra[0] == "t" else _value(extra))
    if value is not None:
        site.extra = value  # type: ignore[attr-defined]
    return site


def encode(unit: Unit) -> bytes:
    """The unit as bytes (ValueError if a site holds a constant that cannot be stored)."""
    members = [(m.sym, m.kinds, m.symbol, m.result, m.direct_calls, m.helper_calls)
               for m in unit.members]
    sites = [(i, _site_tuple(s)) for i, s in unit.sites.items()]
    return marshal.dumps((_FORMAT, unit.key, members, sites, unit.needs, unit.defines,
                          sorted(unit.bound.items()), unit.obj, sorted(unit.timings.items())))


def decode(data: bytes) -> Unit:
    """Bytes made by `encode` (ValueError, EOFError or TypeError on anything else)."""
    fmt, key, members, sites, needs, defines, bound, obj, timings = marshal.loads(data)
    if fmt != _FORMAT:
        raise ValueError("unknown native-cache format")
    return Unit(key, [Member(s, tuple(k), sym, r, d, h) for s, k, sym, r, d, h in members],
                {i: _site_of(t) for i, t in sites}, list(needs), list(defines),
                dict(bound), bytes(obj), dict(timings))
