// REGRESSION (fixed; the text says what used to go wrong): the verifier accepts ruff.call_builtin of a name that is no builtin, and
// `rufc run` then crashes with "rufc: internal error: KeyError: 'nosuch'" (exit 70).
// Expected: a verifier error naming the callee (exit 3), or a runtime error (exit 4).
// RUN: sh -c 'rufc run %s 2>&1; echo "exit=$?"' | filecheck %s

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64
  %1 = ruff.call_builtin "nosuch"(%0) : !ruff.value
}

// CHECK-NOT: internal error
// CHECK:     nosuch
// CHECK-NOT: internal error
// CHECK:     {{^exit=(3|4)$}}
