// RUN: not rufc %s --emit=ruff 2>&1 | filecheck %s
// RUN: not rufc run %s 2>&1 | filecheck %s
// Symbol references must name an op of the right kind.

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.make_function @nowhere : !ruff.value
}

// CHECK:      {{^.*}}ir_missing_callee.mlir:6:3: error: 'ruff.make_function' callee: there is no ruff.func @nowhere
// CHECK-NEXT: {{^}}      %0 = ruff.make_function @nowhere : !ruff.value
// CHECK-NEXT: {{^}}      ^
// CHECK-NOT: internal error
// CHECK-NOT: Traceback
