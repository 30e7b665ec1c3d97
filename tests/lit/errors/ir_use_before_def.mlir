// RUN: not rufc %s --emit=ruff 2>&1 | filecheck %s
// RUN: not rufc run %s 2>&1 | filecheck %s
// SSA values must be defined before use, in the region or an enclosing one.

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const true
  %1 = ruff.truthy %0 : i1
  ruff.if %1 {
    %2 = ruff.const 1 : i64
  } else {
  }
  %3 = ruff.neg %2 : !ruff.value
}

// The error is reported at the first use of the value.
// CHECK:      {{^.*}}ir_use_before_def.mlir:12:17: error: use of undefined value %2
// CHECK-NEXT: {{^}}      %3 = ruff.neg %2 : !ruff.value
// CHECK-NEXT: {{^}}                    ^
// CHECK-NOT: internal error
// CHECK-NOT: Traceback
