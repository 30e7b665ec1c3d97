// RUN: rufc %s --split-input-file --verify-diagnostics
// RUN: rufc %s --split-input-file --verify-diagnostics | filecheck %s
// --verify-diagnostics: the errors must be the ones the `expected-error` comments
// announce, on the lines they name; then rufc succeeds (exit 0) and prints only the
// output of the chunks without errors.

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64
  // expected-error @+1 {{'ruff.return' takes at most one operand, got 2}}
  ruff.return(%0, %0)
}

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const true
  %1 = ruff.truthy %0 : i1
  %2 = ruff.call_builtin "print"(%1) : !ruff.value // expected-error {{operand is used with type !ruff.value}}
}

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.neg %7 : !ruff.value
  // expected-error @-1 {{use of undefined value %7}}
}

// -----

// expected-error @unknown {{the module has no @__main__ function}}
ruff.func @helper() name "helper" slots [] {
}

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 5 : i64
}

// CHECK-NOT: ruff.return
// CHECK:     ruff.const 5 : i64
