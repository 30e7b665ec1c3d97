// RUN: not rufc %s --emit=ruff 2>&1 | filecheck %s
// RUN: not rufc run %s 2>&1 | filecheck %s
// The input ends inside a region.

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64

// Reported just after the last character of the input.
// CHECK:      {{^.*}}ir_truncated.mlir:{{[0-9]+}}:{{[0-9]+}}: error: unexpected end of input: expected an operation or '}'
// CHECK-NOT: internal error
// CHECK-NOT: Traceback
// (the input ends here, inside the function)
