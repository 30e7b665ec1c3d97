"""Ruff values as Python objects: the one representation both tiers agree on.

| Ruff      | Python                                                            |
|-----------|-------------------------------------------------------------------|
| int       | `int`, always within i64 (every operation checks)                 |
| float     | `float`                                                           |
| bool      | `TRUE` / `FALSE`, the two `RBool` instances (not Python's bools)  |
| null      | `None`                                                            |
| string    | `str`                                                             |
| array     | `RArray`: typed storage (array('q'), array('d')) or a list        |
| dict      | `RDict`: a Python dict with str keys                              |
| function  | a Python function carrying `ruff_name` (and `ruff_builtin`)       |
| struct    | `RStruct` (its type is an `RStructType`)                          |
| result    | `ROk` / `RErr`                                                    |
| option    | `RSome` / `NONE` (the one `RNone`)                                |

Why `RBool` is a tuple subclass: Python's `True + 1 == 2` and `True == 1`, but in Ruff
`true + 1` is an error and `true == 1` is false. An `RBool` refuses arithmetic and
ordering (its dunders return NotImplemented, so Python raises TypeError and the VM
takes its slow path that words the Ruff error), compares equal only to itself, and is
truthy exactly when non-empty, all at C speed in `if` conditions.

Value semantics (LANGUAGE.md §10) use copy-on-write by reference count: a mutation
through a variable copies the container first unless that variable holds the only
reference (`sys.getrefcount`), so `a := push(a, x)` and `a[i] := v` are O(1) in place
when nothing else observes `a`, and copies otherwise. Every observer of a container
(variables, containers, for-loop snapshots, closures) holds a Python reference, so a
count of one owner is exact in CPython.

Array storage can be typed so that native code can read and write ints and floats in
place: `array('q')` while every element is an int, `array('d')` while every element is
a float, a `list` otherwise. The cold tier creates lists (CPython reads a list element
without allocating, an array('d') element costs a new float: typed storage made the
nbody benchmark 40% slower in the VM); `RArray.typed()` switches an array to typed
storage when native code asks for it, and storing a value the typed storage cannot
hold widens it back to a list. Every operation handles both storages.
"""
from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any, Final

I64_MIN: Final = -9223372036854775808
I64_MAX: Final = 9223372036854775807


class RBool(tuple):
    """A Ruff bool. Only TRUE and FALSE exist; compare them with `is`."""
    __slots__ = ()

    def __add__(self, other: object) -> Any:
        return NotImplemented

    __radd__ = __mul__ = __rmul__ = __add__
    __lt__ = __le__ = __gt__ = __ge__ = __add__

    def __repr__(self) -> str:
        return "true" if self else "false"

    def __getitem__(self, item: object) -> Any:  # `true[0]` is an invalid index in Ruff
        raise TypeError("bool is not indexable")


TRUE: Final = RBool((1,))
FALSE: Final = RBool(())


def rbool(b: object) -> RBool:
    """The Ruff bool of a Python truth value."""
    return TRUE if b else FALSE


IntStore = array  # array('q')
INT_CODE: Final = "q"
FLOAT_CODE: Final = "d"


class RArray:
    """A Ruff array. `data` is array('q') (all ints), array('d') (all floats) or a list.

    `et` is the element type the storage is restricted to (int, float, or None for a
    list). It must change together with `data`: assign `data` only through the
    constructor, `generalize` and `append`.
    """
    __slots__ = ("data", "et")

    def __init__(self, data: list[Any] | array[Any]) -> None:
        # Typed as Any: hot paths pick the storage by exact type tests
        # (`type(d) is list`), which mypy does not narrow on.
        self.data: Any = data
        self.et = None if isinstance(data, list) else (int if data.typecode == INT_CODE
                                                       else float)

    @staticmethod
    def of(items: list[Any]) -> RArray:
        """An array of these elements (list storage, as the cold tier uses)."""
        return RArray(items)

    def typed(self) -> bool:
        """Switch to typed storage if every element is an int, or every one a float
        (for native code); return whether the storage is typed now."""
        d = self.data
        if type(d) is list:
            t = best_storage(d)
            if isinstance(t, list):
                return False
            self.data, self.et = t, (int if t.typecode == INT_CODE else float)
        return True

    def __len__(self) -> int:
        return len(self.data)

    def copy(self) -> RArray:
        return RArray(self.data[:])

    def items(self) -> list[Any]:
        """The elements as a fresh Python list (boxed)."""
        d = self.data
        return d[:] if type(d) is list else d.tolist()

    def generalize(self) -> list[Any]:
        """Switch to list storage (before storing a value the typed storage cannot hold)."""
        d = self.data
        if type(d) is not list:
            d = self.data = d.tolist()
            self.et = None
        return d

    def append(self, v: Any) -> None:
        """Append in place, widening the storage if v does not fit it."""
        d = self.data
        t = type(d)
        if t is list:
            d.append(v)
            return
        tv = type(v)
        if (tv is int and d.typecode == INT_CODE) or (tv is float and d.typecode == FLOAT_CODE):
            d.append(v)
        else:
            self.generalize().append(v)

    def __repr__(self) -> str:
        return f"RArray({self.items()!r})"


def best_storage(items: list[Any]) -> list[Any] | array[Any]:
    """array('q') if all items are ints, array('d') if all are floats, else the list."""
    if not items:
        return items
    t0 = type(items[0])
    if t0 is int or t0 is float:
        for x in items:
            if type(x) is not t0:
                return items
        return array(INT_CODE if t0 is int else FLOAT_CODE, items)
    return items


class RDict:
    """A Ruff dict: str keys (insertion order is irrelevant: Ruff sorts keys when it shows them)."""
    __slots__ = ("data",)

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def __len__(self) -> int:
        return len(self.data)

    def copy(self) -> RDict:
        return RDict(dict(self.data))

    def __repr__(self) -> str:
        return f"RDict({self.data!r})"


class RStructType:
    """A declared struct: its name, field names (declaration order) and methods."""
    __slots__ = ("name", "fields", "methods")

    def __init__(self, name: str, fields: tuple[str, ...], methods: dict[str, Callable[..., Any]]):
        self.name = name
        self.fields = fields
        self.methods = methods

    def __repr__(self) -> str:
        return f"<struct {self.name}>"


class RStruct:
    """A struct instance. `fields` maps field name -> value; copied on write like arrays."""
    __slots__ = ("type", "fields")

    def __init__(self, stype: RStructType, fields: dict[str, Any]) -> None:
        self.type = stype
        self.fields = fields

    def copy(self) -> RStruct:
        return RStruct(self.type, dict(self.fields))

    def __repr__(self) -> str:
        return f"RStruct({self.type.name}, {self.fields!r})"


class LazyStack:
    """The `stack` field of an `except e` error value until it is first read.

    `frames` is a linked list of the error's Ruff frames, innermost first: a pair
    (frame, the rest), where frame has a `name`; None ends it. The list's tail (the
    frames outside the `try`) is shared with every other error value caught below
    the same frames (VM.outer_frames), so catching an error costs the same at any
    depth, and `e.stack` is an array only when something reads it: code that reads a
    struct's field values reads them through `struct_fields` or `field_value`."""
    __slots__ = ("frames",)

    def __init__(self, frames: Any) -> None:
        self.frames = frames

    def array(self) -> RArray:
        names = []
        f = self.frames
        while f is not None:
            names.append(f[0].name)
            f = f[1]
        return RArray(names)


def field_value(fields: dict[str, Any], name: str) -> Any:
    """Field `name` of a struct's `fields` (KeyError if it has none), made an array
    if it is a LazyStack."""
    v = fields[name]
    if type(v) is LazyStack:
        v = fields[name] = v.array()
    return v


def struct_fields(s: RStruct) -> dict[str, Any]:
    """The fields of s, every value made (see LazyStack)."""
    fields = s.fields
    for name, v in fields.items():
        if type(v) is LazyStack:
            fields[name] = v.array()
    return fields


class ROk:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class RErr:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class RSome:
    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class RNone:
    """The empty Option. Only NONE exists."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "None"


NONE: Final = RNone()

# The struct type of the error values bound by `except e` (LANGUAGE.md §14).
ERROR_TYPE: Final = RStructType("Error", ("line", "message", "stack"), {})


class _Unbound:
    """The content of a variable slot or cell that holds no binding."""
    __slots__ = ()

    def __repr__(self) -> str:
        return "<unbound>"


UNBOUND: Final = _Unbound()


def is_function(v: object) -> bool:
    """Ruff functions and builtins are Python functions tagged with `ruff_name`."""
    return hasattr(v, "ruff_name") and callable(v)


_TYPE_NAMES: Final[dict[type, str]] = {
    int: "int", float: "float", RBool: "bool", type(None): "null", str: "string",
    RArray: "array", RDict: "dict", RStruct: "struct", ROk: "result", RErr: "result",
    RSome: "option", RNone: "option",
}


def type_name(v: object) -> str:
    """The name `type(v)` gives (LANGUAGE.md §4)."""
    name = _TYPE_NAMES.get(type(v))
    if name is not None:
        return name
    if is_function(v):
        return "function"
    if isinstance(v, RStructType):
        return "struct"
    raise TypeError(f"not a Ruff value: {v!r}")
