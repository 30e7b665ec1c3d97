// RUN: not rufc %s --split-input-file 2>&1 >/dev/null | filecheck %s --strict-whitespace
// RUN: not rufc run %s --split-input-file 2>&1 | filecheck %s --check-prefix=RUNCMD
// Every IR error has the layout of a source error: file:line:col: error: message, then
// the line and a caret; a use before definition, a wrong type, an unknown op and a
// verifier error alike. (`rufc run` takes no --split-input-file: a usage error.)

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.neg %1 : !ruff.value
  %1 = ruff.const 2 : i64
}

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const true
  %1 = ruff.truthy %0 : i1
  %2 = ruff.neg %1 : !ruff.value
}

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.frobnicate
}

// -----

ruff.func @__main__() name "__main__" slots ["x"] {
  %0 = ruff.load_var "x" chain ["l7"] : !ruff.value
}

// CHECK:      {{^}}{{.*}}ir_diagnostics.mlir:8:3: error: 'ruff.neg' operand 0 is used before it is defined (or outside the region that defines it)
// CHECK-NEXT: {{^}}      %0 = ruff.neg %1 : !ruff.value
// CHECK-NEXT: {{^}}      ^{{$}}
// CHECK-NEXT: {{^}}{{.*}}ir_diagnostics.mlir:17:17: error: operand is used with type !ruff.value, but has been previously used or defined with type i1
// CHECK-NEXT: {{^}}      %2 = ruff.neg %1 : !ruff.value
// CHECK-NEXT: {{^}}                    ^{{$}}
// CHECK-NEXT: {{^}}{{.*}}ir_diagnostics.mlir:23:8: error: Operation ruff.frobnicate is not registered
// CHECK-NEXT: {{^}}      %0 = ruff.frobnicate
// CHECK-NEXT: {{^}}           ^{{$}}
// CHECK-NEXT: {{^}}{{.*}}ir_diagnostics.mlir:29:3: error: 'ruff.load_var' chain: 'l7' refers past the 1 slots of @__main__
// CHECK-NEXT: {{^}}      %0 = ruff.load_var "x" chain ["l7"] : !ruff.value
// CHECK-NEXT: {{^}}      ^{{$}}

// RUNCMD: rufc: error: unrecognized arguments: --split-input-file
