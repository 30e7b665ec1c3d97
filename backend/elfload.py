"""Load LLVM's object code without LLVM's loader: a small ELF loader for x86-64 Linux.

It loads every object on this machine, fresh from the code generator or cached, for
two reasons. MCJIT's loader (RuntimeDyld) maps an object's sections separately and,
when they land too far apart for a 32-bit reference between them, aborts the whole
process (about one run in 30 of a test program did); here one mapping holds them all.
And importing llvmlite's binding (its shared library holds all of LLVM) costs ~70 ms,
more than the native code of fib(35) takes to run; a run that only *loads* cached
object code (rufc.runtime.native_cache) does not need LLVM at all. This module maps the
object's code and read-only data, resolves its relocations against a symbol table
(the helpers and `ruff_rt_state` by name, functions of units loaded before, libc), and
makes the pages executable. Anything it does not know (another architecture, a
writable section, a relocation type not listed below, a symbol nobody defines) raises
`Unsupported`, and the engine loads the object with LLVM instead.

What LLVM makes for a unit (small code model, PIC): `.text` and maybe
`.rodata.cst*` (float constants), calls to helpers through PLT32 relocations, the
state through a GOTPCREL load, calls within the unit already resolved. A call to an
outside function gets a stub next to the code (`jmp *[rip]` + the address) and a
GOT-relative load gets a GOT slot, so no reference is ever out of 32-bit range.
`.eh_frame` is not loaded: native code never unwinds through C++ exceptions.
"""
from __future__ import annotations

import ctypes
import mmap
import os
import struct
import sys
from collections.abc import Callable

__all__ = ["Unsupported", "load", "supported"]


class Unsupported(Exception):
    """This object cannot be loaded here: use LLVM."""


_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_SHDR = struct.Struct("<IIQQQQIIQQ")
_SYM = struct.Struct("<IBBHQQ")
_RELA = struct.Struct("<QQq")

SHT_PROGBITS, SHT_SYMTAB, SHT_RELA, SHT_NOBITS = 1, 2, 4, 8
SHF_WRITE, SHF_ALLOC, SHF_EXECINSTR = 1, 2, 4
SHN_UNDEF, SHN_ABS = 0, 0xFFF1
R_64, R_PC32, R_PLT32, R_GOTPCREL, R_32, R_32S = 1, 2, 4, 9, 10, 11
R_GOTPCRELX, R_REX_GOTPCRELX, R_PC64 = 41, 42, 24


def supported() -> bool:
    return sys.platform.startswith("linux") and os.uname().machine == "x86_64"


def load(data: bytes, resolve: Callable[[str], int | None]) -> dict[str, int]:
    """Map the object, relocate it, make it executable; returns the address of every
    global function or object it defines."""
    if not supported():
        raise Unsupported("not x86-64 Linux")
    shdrs, names = _section_headers(data)
    place, size = _layout(shdrs, names)
    syms = _symbols(data, shdrs)
    relas = [(h[7], h) for h in shdrs if h[1] == SHT_RELA and h[7] in place]
    outside = sorted({syms[r[1] >> 32][0] for _, h in relas for r in _relocs(data, h)
                      if syms[r[1] >> 32][3] == SHN_UNDEF})
    # room for a stub (16 bytes) and a GOT slot (8 bytes) per outside symbol
    size = -(-size // 16) * 16
    stubs_at = size
    got_at = stubs_at + 16 * len(outside)
    total = -(-(got_at + 8 * len(outside)) // mmap.PAGESIZE) * mmap.PAGESIZE
    addresses = {}
    for name in outside:
        a = resolve(name)
        if not a:
            raise Unsupported(f"unknown symbol '{name}'")
        addresses[name] = a
    base = _map(total)
    mem = memoryview((ctypes.c_char * total).from_address(base)).cast("B")
    image = _Image(mem, base, place, syms, addresses)
    try:
        for i, off in place.items():
            h = shdrs[i]
            if h[1] == SHT_PROGBITS:
                mem[off:off + h[5]] = data[h[4]:h[4] + h[5]]
        image.write_stubs(outside, stubs_at, got_at)
        for target, h in relas:
            image.relocate(place[target], _relocs(data, h))
        found = {name: image.sym_addr(k) for k, (name, bind, stype, shndx, _) in enumerate(syms)
                 if bind == 1 and shndx != SHN_UNDEF and stype in (1, 2)}
        _make_executable(base, total)
    except Unsupported:
        _libc.munmap(base, total)
        raise
    return found


_Symbol = tuple[str, int, int, int, int]   # name, binding, type, section index, value


def _section_headers(data: bytes) -> tuple[list[tuple], list[str]]:
    """The section headers of an x86-64 relocatable object, and the sections' names."""
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise Unsupported("not a 64-bit little-endian ELF object")
    (_, etype, machine, _, _, _, shoff, _, _, _, _, shentsize, shnum,
     _) = _EHDR.unpack_from(data, 0)
    if etype != 1 or machine != 62 or shentsize != _SHDR.size:
        raise Unsupported("not an x86-64 relocatable object")
    shdrs = [_SHDR.unpack_from(data, shoff + i * shentsize) for i in range(shnum)]
    shstr = shdrs[_EHDR.unpack_from(data, 0)[13]]
    names = [_cstr(data, shstr[4] + h[0]) for h in shdrs]
    return shdrs, names


def _layout(shdrs: list[tuple], names: list[str]) -> tuple[dict[int, int], int]:
    """Where each section to load (allocated, not the unwind tables) goes in the
    mapping: section index -> offset, and the size of them all."""
    place: dict[int, int] = {}
    size = 0
    for i, h in enumerate(shdrs):
        _, stype, flags, _, _, ssize, _, _, align, _ = h
        if not flags & SHF_ALLOC or names[i].startswith(".eh_frame"):
            continue
        if flags & SHF_WRITE:
            raise Unsupported(f"writable section {names[i]}")
        if stype not in (SHT_PROGBITS, SHT_NOBITS):
            raise Unsupported(f"section {names[i]} of type {stype}")
        size = -(-size // max(align, 1)) * max(align, 1)
        place[i] = size
        size += ssize
    return place, size


def _symbols(data: bytes, shdrs: list[tuple]) -> list[_Symbol]:
    """The symbol table."""
    symtab = next((h for h in shdrs if h[1] == SHT_SYMTAB), None)
    if symtab is None:
        raise Unsupported("no symbol table")
    strtab = shdrs[symtab[6]]
    syms = []
    for k in range(symtab[5] // _SYM.size):
        name, info, _, shndx, value, _ = _SYM.unpack_from(data, symtab[4] + k * _SYM.size)
        syms.append((_cstr(data, strtab[4] + name), info >> 4, info & 0xF, shndx, value))
    return syms


class _Image:
    """The object being loaded: its mapping (at address `base`), where its sections
    went, its symbols, the addresses of the outside symbols, and their stubs and GOT
    slots (`write_stubs`)."""

    def __init__(self, mem: memoryview, base: int, place: dict[int, int],
                 syms: list[_Symbol], addresses: dict[str, int]) -> None:
        self.mem, self.base, self.place = mem, base, place
        self.syms, self.addresses = syms, addresses
        self.stub: dict[str, int] = {}
        self.got: dict[str, int] = {}

    def write_stubs(self, outside: list[str], stubs_at: int, got_at: int) -> None:
        """A call stub (`jmp *[rip]` + the address) and a GOT slot per outside symbol."""
        mem, base, addresses = self.mem, self.base, self.addresses
        for n, name in enumerate(outside):
            s = stubs_at + 16 * n
            mem[s:s + 14] = b"\xff\x25\x00\x00\x00\x00" + struct.pack("<Q", addresses[name])
            self.stub[name] = base + s
            g = got_at + 8 * n
            mem[g:g + 8] = struct.pack("<Q", addresses[name])
            self.got[name] = base + g

    def sym_addr(self, k: int) -> int:
        name, _, stype, shndx, value = self.syms[k]
        if shndx == SHN_UNDEF:
            return self.addresses[name]
        if shndx == SHN_ABS:
            return value
        if shndx not in self.place:
            raise Unsupported(f"symbol '{name}' in a section not loaded")
        return self.base + self.place[shndx] + value

    def relocate(self, section_at: int, relocs: list[tuple[int, int, int]]) -> None:
        """Apply the relocations of the section loaded at offset `section_at`."""
        mem, base, sym_addr = self.mem, self.base, self.sym_addr
        for offset, info, addend in relocs:
            rtype, k = info & 0xFFFFFFFF, info >> 32
            at = section_at + offset
            p = base + at
            name, _, _, shndx, _ = self.syms[k]
            if rtype == R_64:
                mem[at:at + 8] = struct.pack("<Q", (sym_addr(k) + addend) & (2**64 - 1))
                continue
            if rtype == R_PLT32:   # a call: an outside function through its stub
                s = self.stub[name] if shndx == SHN_UNDEF else sym_addr(k)
                v = s + addend - p
            elif rtype == R_PC32:   # the address itself (data: never a stub)
                v = sym_addr(k) + addend - p
            elif rtype in (R_GOTPCREL, R_GOTPCRELX, R_REX_GOTPCRELX):
                if shndx != SHN_UNDEF:
                    raise Unsupported("GOT reference to a defined symbol")
                v = self.got[name] + addend - p
            elif rtype == R_PC64:
                mem[at:at + 8] = struct.pack("<q", sym_addr(k) + addend - p)
                continue
            elif rtype in (R_32, R_32S):
                v = sym_addr(k) + addend
            else:
                raise Unsupported(f"relocation type {rtype}")
            fmt = "<I" if rtype == R_32 else "<i"
            try:
                mem[at:at + 4] = struct.pack(fmt, v)
            except struct.error:
                raise Unsupported(f"relocation out of range for '{name}'") from None


_libc = ctypes.CDLL(None, use_errno=True)
_libc.mmap.restype = ctypes.c_void_p
_libc.mmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int,
                       ctypes.c_int, ctypes.c_long)
_libc.mprotect.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
_libc.munmap.argtypes = (ctypes.c_void_p, ctypes.c_size_t)
_MAP_FAILED = 2**64 - 1


def _map(total: int) -> int:
    """Fresh read+write pages for one object, never unmapped. Not a Python `mmap`:
    that one unmaps when it is freed, and at exit Python frees module globals while
    another thread may still be running the code (SIGINT during a native loop in the
    VM's thread: the process crashed as it exited)."""
    base = _libc.mmap(None, total, mmap.PROT_READ | mmap.PROT_WRITE,
                      mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, -1, 0)
    if base is None or base == _MAP_FAILED:
        raise Unsupported(f"mmap failed (errno {ctypes.get_errno()})")
    return int(base)


def _make_executable(base: int, total: int) -> None:
    if _libc.mprotect(base, total, mmap.PROT_READ | mmap.PROT_EXEC) != 0:
        raise Unsupported(f"mprotect failed (errno {ctypes.get_errno()})")


def _relocs(data: bytes, h: tuple) -> list[tuple[int, int, int]]:
    return [_RELA.unpack_from(data, h[4] + j * _RELA.size) for j in range(h[5] // _RELA.size)]


def _cstr(data: bytes, at: int) -> str:
    return data[at:data.index(b"\0", at)].decode()
