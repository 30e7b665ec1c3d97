// RUN: not rufc %s --split-input-file --verify-diagnostics 2>&1 | filecheck %s
// RUN: sh -c 'rufc %s --split-input-file --verify-diagnostics 2>/dev/null; echo "exit=$?"' | filecheck %s --check-prefix=EXIT
// A diagnostic nobody expected, an expectation on the wrong line and one that is never
// produced are each reported (exit 3).

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.bogus 1 : i64
}

// -----

ruff.func @__main__() name "__main__" slots [] {
  // expected-error @+1 {{takes at most one operand}}
  %0 = ruff.const 1 : i64
  ruff.return(%0, %0)
}

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64 // expected-error {{never}}
}

// CHECK:      verify_diagnostics_mismatch.mlir:7:8: error: unexpected error: Operation ruff.bogus is not registered
// CHECK-NEXT: {{^}}      %0 = ruff.bogus 1 : i64
// CHECK:      verify_diagnostics_mismatch.mlir:15:3: error: unexpected error: 'ruff.return' takes at most one operand, got 2
// CHECK:      verify_diagnostics_mismatch.mlir:13:3: error: expected error "takes at most one operand" was not produced
// CHECK:      verify_diagnostics_mismatch.mlir:21:27: error: expected error "never" was not produced

// EXIT: exit=3
