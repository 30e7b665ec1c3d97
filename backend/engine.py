"""LLVM dialect -> llvmlite -> machine code, in one long-lived engine.

`Engine` owns everything LLVM: the native target, a TargetMachine for the triple,
data layout, object code and assembly (kept apart from MCJIT's own, which MCJIT owns
and frees), the pass pipeline (O2, no fast-math: xDSL never sets fast-math flags and
llvmlite's default TargetOptions allow no FMA contraction, so float results are
bit-identical to the VM's), and the symbol table of runtime helpers.

Loading: the TargetMachine makes an ELF object of each module, and on x86-64 Linux
`elfload` maps it; MCJIT's loader (RuntimeDyld) only loads what elfload cannot,
because RuntimeDyld aborts the process now and then on a 32-bit reference between
sections it mapped too far apart (docs/jit.md, "Who loads the machine code").

Symbols: a call to a body-less declaration is resolved by name when the object is
loaded, and in RuntimeDyld a name nobody registered becomes a jump to address 0 (a
segfault when called). `add_module` therefore checks every declaration of a module
against the helper symbols registered with `register_symbol` and against functions of
modules added before, and refuses the module (`BackendError`) before LLVM sees it.
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rufc.backend import elfload

if TYPE_CHECKING:
    import llvmlite.ir as ir

llvm: Any = None   # llvmlite.binding, imported when LLVM is first needed (_init)


class BackendError(Exception):
    """LLVM refused a module (verifier, unknown symbol, codegen): the function stays in
    the VM and the JIT logs this message."""


@dataclass
class Timings:
    """Milliseconds spent in each backend stage of the last `add_module`."""
    verify: float = 0.0
    optimize: float = 0.0
    codegen: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)


_initialized = False


def _init() -> None:
    global _initialized, llvm
    if not _initialized:
        import llvmlite.binding
        llvm = llvmlite.binding
        # llvmlite 0.50: llvm.initialize() raises; these two are all we need.
        llvm.initialize_native_target()
        llvm.initialize_native_asmprinter()
        _initialized = True


class Engine:
    """One engine for the life of the process; modules are added to it.

    A `lazy` engine starts LLVM only when something needs it: object code that
    `elfload` can load (a cached unit, a worker's) runs without importing llvmlite's
    binding at all (~70 ms)."""

    def __init__(self, lazy: bool = False) -> None:
        self.symbols: dict[str, int] = {}        # registered helper symbols
        self.defined: set[str] = set()           # functions of modules already added
        self.loaded: dict[str, int] = {}         # functions elfload loaded: addresses
        self.modules: list[Any] = []             # keep the ModuleRefs alive
        self.last = Timings()
        self.inject: str | None = None           # fault injection (tests): "codegen"
        # Object code made for each named module (the native-code cache
        # and the compiling worker hand it to another engine: `add_object`).
        self.objects: dict[str, bytes] = {}
        self.started = False
        self.loader = ""                         # who loaded the last object (DEBUG_JIT)
        if not lazy:
            self.start()

    def start(self) -> None:
        """Start LLVM: the target, the TargetMachines, MCJIT, the symbols so far."""
        if self.started:
            return
        _init()
        target = llvm.Target.from_default_triple()
        self.triple = llvm.get_default_triple()
        # MCJIT owns its TargetMachine: keep a separate one for layout, object code
        # and asm.
        self.tm = target.create_target_machine(opt=2, reloc="pic", codemodel="small")
        self.data_layout = str(self.tm.target_data)
        # Small code model, position independent: calls within a module are direct
        # (not through a register loaded with a 64-bit address), and every outside
        # symbol (helpers, the state, earlier modules) goes through a GOT entry or a
        # stub that the loader places next to the code, so none is out of range.
        engine_tm = target.create_target_machine(opt=2, reloc="pic", codemodel="small")
        # MCJIT only loads what elfload cannot (`_load`). References between the
        # sections of one object are 32-bit PC-relative; LLVM's default memory manager
        # maps code and data separately, sometimes far apart, and RuntimeDyld then
        # aborts the process (`isInt<32>(RealOffset)`). llvmlite's memory manager
        # reserves one block per object, which makes that rarer, not impossible.
        self.engine = llvm.create_mcjit_compiler(llvm.parse_assembly(""), engine_tm,
                                                 use_lmm=True)
        for name, address in {**self.symbols, **self.loaded}.items():
            llvm.add_symbol(name, address)
        self.started = True

    def __getattr__(self, name: str) -> Any:
        # triple, data_layout, tm, engine: LLVM's, started on first use
        if name in ("triple", "data_layout", "tm", "engine") and not self.__dict__.get("started"):
            self.start()
            return self.__dict__[name]
        raise AttributeError(name)

    def register_symbol(self, name: str, address: int) -> None:
        """Make `name` resolve to `address` in modules added from now on."""
        if self.started:
            llvm.add_symbol(name, address)
        self.symbols[name] = address

    def parse(self, module: ir.Module) -> Any:
        """llvmlite IR -> a verified LLVM module (ModuleRef)."""
        self.start()
        module.triple = self.triple
        module.data_layout = self.data_layout
        for fn in module.functions:
            # a function defined here is called directly, not through the PLT
            if not fn.is_declaration and not fn.linkage:
                fn.linkage = "dso_local"
        try:
            ref = llvm.parse_assembly(str(module))
            ref.verify()
        except RuntimeError as exc:
            raise BackendError(f"LLVM verifier: {str(exc).strip()}") from None
        return ref

    def optimize(self, ref: Any) -> None:
        """The O2 pipeline of the new pass manager."""
        pto = llvm.create_pipeline_tuning_options(speed_level=2)
        pb = llvm.create_pass_builder(self.tm, pto)
        pb.getModulePassManager().run(ref, pb)

    def check_symbols(self, ref: Any) -> None:
        """Every declaration must name a registered helper or an added function."""
        for fn in ref.functions:
            if fn.is_declaration and not fn.name.startswith("llvm."):
                if fn.name not in self.symbols and fn.name not in self.defined:
                    raise BackendError(f"unknown symbol '{fn.name}' (no helper registered)")
        for gv in ref.global_variables:
            if gv.is_declaration and gv.name not in self.symbols:
                raise BackendError(f"unknown global '{gv.name}' (no helper registered)")

    def add_module(self, module: ir.Module, name: str | None = None) -> Any:
        """Verify, optimize and compile a module; returns its ModuleRef. With a `name`,
        its object code is kept for `take_object`."""
        self.start()
        t0 = time.perf_counter()
        ref = self.parse(module)
        if name is not None:
            ref.name = name
        self.check_symbols(ref)
        t1 = time.perf_counter()
        self.optimize(ref)
        t2 = time.perf_counter()
        try:
            if self.inject == "codegen":
                self.inject = None
                raise RuntimeError("injected machine code failure")
            obj = bytes(self.tm.emit_object(ref))
        except RuntimeError as exc:
            raise BackendError(f"LLVM codegen: {str(exc).strip()}") from None
        self._load(obj, self.defined_functions(ref))
        t3 = time.perf_counter()
        self.last = Timings((t1 - t0) * 1e3, (t2 - t1) * 1e3, (t3 - t2) * 1e3)
        if name is not None:
            self.objects[name] = obj
        self.modules.append(ref)
        return ref

    @staticmethod
    def defined_functions(ref: Any) -> list[str]:
        """The functions a module defines (with a body)."""
        return [fn.name for fn in ref.functions if not fn.is_declaration]

    def take_object(self, ref: Any) -> bytes | None:
        """The object code made for `ref` (added by `add_module` with a name), once."""
        return self.objects.pop(ref.name, None)

    def add_object(self, data: bytes, needs: list[str], defines: list[str]) -> None:
        """Load object code made by `add_module` (this run, an earlier one, or a worker
        process): no IR, no optimizer. `needs` are the outside symbols it refers to
        (each must be registered or defined by code added before: RuntimeDyld aborts
        the process on a symbol it cannot resolve), `defines` the functions it defines.
        Helpers and `ruff_rt_state` are referenced by name, so they resolve to this
        process's addresses."""
        clash = [name for name in defines if name in self.defined]
        if clash:
            raise BackendError(f"object code defines '{clash[0]}' again")
        t0 = time.perf_counter()
        self._load(data, defines, needs)
        self.last = Timings(codegen=(time.perf_counter() - t0) * 1e3)

    def _load(self, data: bytes, defines: list[str], needs: list[str] | None = None) -> None:
        """Map object code and make it callable: by `elfload` where it can (x86-64
        Linux), else by MCJIT's RuntimeDyld. `needs` (None: checked already) are the
        outside symbols to check before RuntimeDyld sees them."""
        try:   # RUFC_ELFLOAD=0: always with LLVM (tests of the fallback)
            if os.environ.get("RUFC_ELFLOAD", "") == "0":
                raise elfload.Unsupported("RUFC_ELFLOAD=0")
            found = elfload.load(data, self._resolve)
        except elfload.Unsupported as exc:
            self.loader = f"LLVM's loader ({exc})"
        else:
            self.loaded.update(found)
            if self.started:
                for name, address in found.items():
                    llvm.add_symbol(name, address)
            self.defined.update(defines)
            self.loader = "elfload"
            return
        self.start()
        for name in needs or []:
            if (name not in self.symbols and name not in self.defined
                    and not llvm.address_of_symbol(name)):
                raise BackendError(f"unknown symbol '{name}' in cached object code")
        try:
            self.engine.add_object_file(llvm.ObjectFileRef.from_data(data))
            self.engine.finalize_object()
        except RuntimeError as exc:
            raise BackendError(f"LLVM object loading: {str(exc).strip()}") from None
        self.defined.update(defines)

    @staticmethod
    def outside_symbols(ref: Any) -> list[str]:
        """The symbols an (optimized) module refers to but does not define."""
        out = [fn.name for fn in ref.functions
               if fn.is_declaration and not fn.name.startswith("llvm.")]
        return out + [gv.name for gv in ref.global_variables if gv.is_declaration]

    def _resolve(self, name: str) -> int | None:
        """The address of an outside symbol of object code elfload loads."""
        a = self.symbols.get(name) or self.loaded.get(name)
        if a:
            return a
        if name in self.defined and self.started:
            return self.address(name)
        if not name.startswith(("rf_", "re_", "ruff_")):   # libc (memcpy, fmod...)
            import ctypes
            try:
                return ctypes.cast(getattr(ctypes.CDLL(None), name), ctypes.c_void_p).value
            except AttributeError:
                return None
        return None

    def address(self, name: str) -> int:
        if name in self.loaded:
            return self.loaded[name]
        return int(self.engine.get_function_address(name))

    def assembly(self, module: ir.Module) -> str:
        """Optimized machine code of a module, as text (for `--emit=asm`)."""
        ref = self.parse(module)
        self.optimize(ref)
        return str(self.tm.emit_assembly(ref))

    def optimized_ir(self, module: ir.Module) -> str:
        ref = self.parse(module)
        self.optimize(ref)
        return str(ref)
