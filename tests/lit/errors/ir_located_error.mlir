// RUN: not rufc %s --emit=ruff 2>&1 | filecheck %s
// RUN: not rufc run %s 2>&1 | filecheck %s
// An op with a source location is reported at that location.

ruff.func @__main__() name "__main__" slots ["x"] {
  %0 = ruff.const 1 : i64 loc("prog.ruff":3:7)
  ruff.declare_var var "x" = %0 target "l0" loc("prog.ruff":3:1)
} loc("prog.ruff":1:1)

// prog.ruff cannot be read here, so there is no source line to show.
// CHECK: {{^}}prog.ruff:3:1: error: 'ruff.declare_var' kind must be let, mut or const, got 'var'
// CHECK-NOT: internal error
// CHECK-NOT: Traceback
