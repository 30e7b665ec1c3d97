// RUN: not rufc %s --emit=ruff 2>&1 | filecheck %s
// RUN: not rufc run %s 2>&1 | filecheck %s
// Conditions are i1, values !ruff.value: an i1 where a value is expected is rejected.

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const true
  %1 = ruff.truthy %0 : i1
  %2 = ruff.call_builtin "print"(%1) : !ruff.value
}

// CHECK:      {{^.*}}ir_type_mismatch.mlir:8:34
// CHECK:      operand is used with type !ruff.value, but has been previously used or defined with type i1
// CHECK-NOT: internal error
// CHECK-NOT: Traceback
