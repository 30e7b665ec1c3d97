// RUN: not rufc %s --emit=ruff 2>&1 | filecheck %s
// RUN: not rufc run %s 2>&1 | filecheck %s
// Variable references name a slot that exists.

ruff.func @f(a) name "f" slots ["a"] {
  %0 = ruff.load_var "b" chain ["l1"] : !ruff.value
  ruff.return(%0)
}
ruff.func @__main__() name "__main__" slots [] {
}

// The op has no loc(...): it is reported where it stands in the input.
// CHECK:      {{^.*}}ir_bad_chain.mlir:6:3: error: 'ruff.load_var' chain: 'l1' refers past the 1 slots of @f
// CHECK-NEXT: {{^}}      %0 = ruff.load_var "b" chain ["l1"] : !ruff.value
// CHECK-NEXT: {{^}}      ^
// CHECK-NOT: internal error
// CHECK-NOT: Traceback
