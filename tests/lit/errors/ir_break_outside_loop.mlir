// REGRESSION (fixed; the text says what used to go wrong): the verifier accepts ruff.break / ruff.continue outside any loop (rufc
// --emit=ruff prints it back, exit 0), and `rufc run` then crashes with "rufc: internal
// error: SyntaxError: 'break' outside loop" (exit 70). Expected: a verifier error
// (exit 3), as for ruff.condition outside ruff.while, or the runtime error
// "break can only be used inside a loop" (exit 4).
// RUN: sh -c 'rufc run %s 2>&1; echo "exit=$?"' | filecheck %s

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const "before"
  %1 = ruff.call_builtin "print"(%0) : !ruff.value
  ruff.break
}

// CHECK-NOT: internal error
// CHECK:     break
// CHECK-NOT: internal error
// CHECK:     {{^exit=(3|4)$}}
