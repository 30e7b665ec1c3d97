"""The cold tier's cache: a run of an unchanged file skips the parser, the lowering and
the code generator, and imports neither lark nor xdsl (docs/caches.md).

    program = load_program(vm, text, path, build, store)

One entry (namespace "cold" of `rufc.runtime.cache`) holds what `VM.load` derives from
the source: the generated module's tables, its compiled code objects (marshal) and the
lowered program (compact IR, needed by the JIT when a function gets hot). The key is
the source text, its path (locations and the code's file name carry it), the VM's
generation options and, through `key_of`, the rufc version, the Python version (the
marshal format) and a fingerprint of rufc's own files.

The lowered program is stored one top-level op per marshal blob, and each
function's body is decoded only when something reads it (the JIT compiling a hot
function): a warm start builds a few objects per function, not one per op.

Only programs that lowered and generated without an error are stored, so a warm run
reports exactly what a cold one would: syntax errors are never cached (they are
reported by the parser on every run), and runtime errors come from running the same
code with the same line table.
"""
from __future__ import annotations

import marshal
from collections.abc import Callable
from typing import Any

from rufc.dialects.optable import Module, Op, Region
from rufc.runtime.cache import CacheStore, key_of

__all__ = ["load_program", "cache_key", "encode", "decode", "NAMESPACE"]

NAMESPACE = "cold"
_FORMAT = 1


def cache_key(text: str, path: str, options: tuple) -> str:
    """The entry for this source at this path, generated with these VM options."""
    return key_of("cold", str(_FORMAT), path, repr(options), text)


def load_program(vm: Any, text: str, path: str, build: Callable[[], Module],
                 store: CacheStore | None) -> Module:
    """Load the program into `vm` from the cache, or build it (`build()` lowers the
    source), load it and store the result. Returns the program's compact module."""
    if store is None:
        module = build()
        vm.load(module)
        return module
    key = cache_key(text, path, vm.gen_options_key())
    data = store.get(NAMESPACE, key)
    if data is not None:
        try:  # (loading runs only definitions: the program starts in vm.run)
            module, tables, code = decode(data)
            vm.load_generated(module, tables, code)
            return module
        except Exception:  # noqa: BLE001 - an entry this build cannot use: rebuild it
            pass
    module = build()
    vm.load(module)
    try:
        data = encode(module, vm.generated, vm.code)
    except (ValueError, RecursionError):  # too deeply nested for marshal: not cached
        return module
    store.put(NAMESPACE, key, data)
    return module


# ---------------------------------------------------------------- encoding

def _op_tuple(op: Op) -> tuple:
    return (op.name, op.results, op.operands, op.attrs,
            tuple((r.args, [_op_tuple(o) for o in r.ops]) for r in op.regions),
            op.line, op.col)


def _op_of(t: tuple) -> Op:
    name, results, operands, attrs, regions, line, col = t
    return Op(name, results, operands, attrs,
              tuple(Region(args, [_op_of(o) for o in ops]) for args, ops in regions),
              line, col)


def encode(module: Module, gm: Any, code: Any) -> bytes:
    """The entry for a loaded program (ValueError if marshal cannot take it)."""
    tops = []
    for op in module.ops:
        regions = tuple((r.args, [_op_tuple(o) for o in r.ops]) for r in op.regions)
        tops.append((op.name, op.results, op.operands, op.attrs, op.line, op.col,
                     marshal.dumps(regions)))
    tables = (gm.line_table, gm.func_names, gm.global_names, gm.builtins_used)
    return marshal.dumps((_FORMAT, module.file, tops, tables, marshal.dumps(code)))


def decode(data: bytes) -> tuple[Module, tuple, Any]:
    """(module, (line_table, func_names, global_names, builtins_used), code)."""
    fmt, file, tops, tables, code = marshal.loads(data)
    if fmt != _FORMAT:
        raise ValueError("unknown cold-cache format")
    ops: list[Op] = []
    for name, results, operands, attrs, line, col, blob in tops:
        op = _LazyOp.__new__(_LazyOp)
        op.__dict__.update(name=name, results=results, operands=operands, attrs=attrs,
                           line=line, col=col, _regions_blob=blob)
        ops.append(op)
    return Module(file, ops), tables, marshal.loads(code)


class _LazyOp(Op):
    """A top-level op whose regions (a function's body) are decoded on first use.
    (`regions` must be a property: Op's class attribute default `()` would otherwise
    answer for a missing instance attribute.)"""

    @property
    def regions(self) -> tuple[Region, ...]:
        d = self.__dict__
        regions = d.get("_regions")
        if regions is None:
            regions = d["_regions"] = tuple(
                Region(args, [_op_of(o) for o in ops])
                for args, ops in marshal.loads(d.pop("_regions_blob")))
        return regions

    @regions.setter
    def regions(self, value: tuple[Region, ...]) -> None:
        self.__dict__["_regions"] = value
        self.__dict__.pop("_regions_blob", None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Op):
            return NotImplemented
        return (self.name, self.results, self.operands, self.attrs, self.regions,
                self.line, self.col) == (other.name, other.results, other.operands,
                                         other.attrs, other.regions, other.line, other.col)

    __hash__ = None  # type: ignore[assignment]
