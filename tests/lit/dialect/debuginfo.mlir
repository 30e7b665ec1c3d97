// RUN: xdsl-opt %s --print-debuginfo | xdsl-opt --print-debuginfo | filecheck %s
// RUN: xdsl-opt %s | filecheck %s --check-prefix=PLAIN

// Source positions are op locations (FileLineColLoc); the module's own location names
// the source file, as MLIR does. They are printed only with --print-debuginfo.

builtin.module {
  ruff.func @__main__() name "__main__" slots [] {
    %0 = ruff.const 1 : i64 loc("fib.ruff":3:7)
    %1 = ruff.add %0, %0 : !ruff.value loc("fib.ruff":3:9)
    ruff.for_each %x in %1 {
      ruff.break loc("fib.ruff":4:5)
    } loc("fib.ruff":3:1)
  } loc(unknown)
} loc("fib.ruff":0:0)

// CHECK:      builtin.module {
// CHECK-NEXT:   ruff.func @__main__() name "__main__" slots [] {
// CHECK-NEXT:     [[C:%.+]] = ruff.const 1 : i64 loc("fib.ruff":3:7)
// CHECK-NEXT:     [[S:%.+]] = ruff.add [[C]], [[C]] : !ruff.value loc("fib.ruff":3:9)
// CHECK-NEXT:     ruff.for_each %{{.*}} in [[S]] {
// CHECK-NEXT:       ruff.break loc("fib.ruff":4:5)
// CHECK-NEXT:     } loc("fib.ruff":3:1)
// CHECK-NEXT:   } loc(unknown)
// CHECK-NEXT: } loc("fib.ruff":0:0)

// PLAIN-NOT:  loc(
