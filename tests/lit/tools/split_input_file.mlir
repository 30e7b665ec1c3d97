// RUN: not rufc %s --split-input-file | filecheck %s
// RUN: not rufc %s --split-input-file --emit=ruff 2>&1 >/dev/null | filecheck %s --check-prefix=ERR
// Each `// -----` chunk is compiled on its own; the outputs are joined by `// -----`.
// An error in one chunk is reported at its line in the whole file, and the other
// chunks are still compiled (exit 3 at the end).

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64
}

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const "two"
}

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.bogus 3 : i64
}

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 4.5
}

// CHECK:      ruff.const 1 : i64
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: // -----
// CHECK:      ruff.const "two"
// CHECK:      // -----
// CHECK-NEXT: // -----
// CHECK:      ruff.const 4.500000e+00 : f64

// ERR:      split_input_file.mlir:20:8: error: Operation ruff.bogus is not registered
// ERR-NEXT: {{^}}      %0 = ruff.bogus 3 : i64
// ERR-NEXT: {{^}}           ^
// ERR-NOT:  error
