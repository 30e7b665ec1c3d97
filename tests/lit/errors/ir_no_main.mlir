// RUN: not rufc %s --emit=ruff 2>&1 | filecheck %s
// RUN: not rufc run %s 2>&1 | filecheck %s
// A module needs the @__main__ function (the top level).

ruff.func @helper() name "helper" slots [] {
  ruff.return()
}

// CHECK: {{^.*}}ir_no_main.mlir: error: the module has no @__main__ function
// CHECK-NOT: internal error
// CHECK-NOT: Traceback
