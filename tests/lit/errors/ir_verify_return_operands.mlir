// RUN: not rufc %s --emit=ruff 2>&1 | filecheck %s
// RUN: not rufc run %s 2>&1 | filecheck %s
// RUN: sh -c 'rufc %s --emit=ruff 2>/dev/null; echo "exit=$?"' | filecheck %s --check-prefix=EXIT
// A verifier error: ruff.return takes at most one operand.

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64
  ruff.return(%0, %0)
}

// CHECK:      {{^.*}}ir_verify_return_operands.mlir:8:3: error: 'ruff.return' takes at most one operand, got 2
// CHECK-NEXT: {{^}}      ruff.return(%0, %0)
// CHECK-NEXT: {{^}}      ^
// CHECK-NOT: internal error
// CHECK-NOT: Traceback

// EXIT: {{^}}exit=3{{$}}
