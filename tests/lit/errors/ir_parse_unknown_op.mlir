// RUN: not rufc %s --emit=ruff 2>&1 | filecheck %s
// RUN: not rufc run %s 2>&1 | filecheck %s
// RUN: sh -c 'rufc %s --emit=ruff 2>/dev/null; echo "exit=$?"' | filecheck %s --check-prefix=EXIT
// A parse error: an op the ruff dialect does not define.

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.bogus 1 : i64
}

// CHECK:      {{^.*}}ir_parse_unknown_op.mlir:7:8: error: Operation ruff.bogus is not registered
// CHECK-NEXT: {{^}}      %0 = ruff.bogus 1 : i64
// CHECK-NEXT: {{^}}           ^
// CHECK-NOT: internal error
// CHECK-NOT: Traceback

// EXIT: {{^}}exit=3{{$}}
