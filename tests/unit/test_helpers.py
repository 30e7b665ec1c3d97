"""The helper table (`rufc.runtime.helpers`) is the one list of names generated code may
call: the cold tier's code generator names helpers only through it, and everything
the generated Python of a real program refers to is bound in the VM's namespace."""
from __future__ import annotations

import ast
import builtins
import re
from pathlib import Path

import pytest
from conftest import CONFORMANCE

from rufc.frontend.errors import RuffSyntaxError
from rufc.frontend.irgen import lower_program
from rufc.frontend.parser import parse
from rufc.runtime import semantics
from rufc.runtime.builtins import BUILTINS, CONSTANTS
from rufc.runtime.codegen import CompileError, H
from rufc.runtime.helpers import OPERATOR_HELPERS, VM_HELPERS
from rufc.runtime.vm import VM, VMOptions

NAMES = frozenset(BUILTINS) | frozenset(CONSTANTS)
CASES = sorted(CONFORMANCE.rglob("*.ruff")) if CONFORMANCE.is_dir() else []

UPPER = re.compile(r"[A-Z][A-Z0-9_]*")   # helpers and the values the VM binds (TRUE, ...)


def test_accessor_returns_table_names_and_refuses_others() -> None:
    assert H.INDEX == "INDEX"
    assert getattr(H, OPERATOR_HELPERS["ruff.add"]) == "ADD"
    with pytest.raises(AttributeError, match="VM_HELPERS"):
        _ = H.INDX   # a typo must fail when the code is generated
    with pytest.raises(AttributeError):
        _ = H.TRUE   # bound by the VM, but not a helper


def test_operator_helpers_are_rows_of_the_table() -> None:
    for op, name in OPERATOR_HELPERS.items():
        assert name in VM_HELPERS, op
        assert VM_HELPERS[name] is getattr(semantics, op[5:]), op


def _free_names(source: str) -> set[str]:
    """The names the generated module reads but never binds itself (closures are
    defined inside their factories, so their names are bound there)."""
    tree = ast.parse(source)
    loaded, bound = set(), set()
    for n in ast.walk(tree):
        if isinstance(n, ast.Name):
            (loaded if isinstance(n.ctx, ast.Load) else bound).add(n.id)
        elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            bound.add(n.name)
        elif isinstance(n, ast.arg):
            bound.add(n.arg)
        elif isinstance(n, ast.ExceptHandler) and n.name:
            bound.add(n.name)
    return loaded - bound


@pytest.mark.skipif(not CASES, reason="../shared/conformance not found")
@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(CONFORMANCE)) for c in CASES])
def test_generated_code_only_uses_names_the_vm_binds(case: Path) -> None:
    try:
        module = lower_program(parse(case.read_text(encoding="utf-8"), str(case)), NAMES)
    except RuffSyntaxError:
        pytest.skip("a program with a syntax error: no code is generated")
    vm = VM(VMOptions(jit=True))   # counting and plain versions of every function
    try:
        vm.load(module)
    except CompileError:
        pytest.skip("a program the cold tier refuses: no code is generated")
    assert vm.generated is not None
    free = _free_names(vm.generated.source)
    # G_<name>: a Ruff global, which may be unbound (the VM reports Undefined variable)
    # (lower-case names are the function's own locals: v<N>, t<N>, ...)
    runtime = {n for n in free if n[0].isupper() and not n.startswith("G_")}
    upper = {n for n in runtime if UPPER.fullmatch(n)}
    assert upper & set(VM_HELPERS), "expected the generated code to call some helpers"
    missing = sorted(n for n in upper if n not in vm.ns)
    assert not missing, f"generated code uses names the VM does not bind: {missing}"
    # the rest: the program's own F_/P_/MK_/K_/S_/B_ names, RArray/ROk/..., TypeError/...
    missing = sorted(n for n in runtime - upper if n not in vm.ns and not hasattr(builtins, n))
    assert not missing, f"generated code uses unbound names: {missing}"
