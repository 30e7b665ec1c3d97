// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// Structured control flow: bodies are single blocks that may simply end; only
// ruff.yield and ruff.condition are terminators. ruff.return may be followed by dead ops.

ruff.func @__main__() name "__main__" slots ["i"] {
  %t = ruff.const true
  %c = ruff.truthy %t : i1
  %r = ruff.if %c -> !ruff.value {
    %one = ruff.const 1 : i64
    ruff.yield %one
  } else {
    ruff.yield %t
  }
  ruff.while {
    %again = ruff.truthy %r : i1
    ruff.condition %again
  } do {
    ruff.continue
  }
  ruff.loop {
    ruff.if %c {
      ruff.break
    } else {
    }
    ruff.break
  }
  ruff.for_range %i = %r to %r step %r {
    ruff.store_var "i" = %i chain ["l0"] create "l0"
  }
  ruff.for_each %x in %r {
  }
  ruff.try {
    ruff.raise "Undefined variable 'q'"
  } catch(%err) {
    ruff.return(%err)
  }
  ruff.return()
  %dead = ruff.const 0 : i64
  ruff.return(%dead)
}

// CHECK-LABEL: ruff.func @__main__() name "__main__" slots ["i"] {
// CHECK-NEXT:    [[T:%.+]] = ruff.const true
// CHECK-NEXT:    [[C:%.+]] = ruff.truthy [[T]] : i1
// CHECK-NEXT:    [[R:%.+]] = ruff.if [[C]] -> !ruff.value {
// CHECK-NEXT:      [[ONE:%.+]] = ruff.const 1 : i64
// CHECK-NEXT:      ruff.yield [[ONE]]
// CHECK-NEXT:    } else {
// CHECK-NEXT:      ruff.yield [[T]]
// CHECK-NEXT:    }
// CHECK-NEXT:    ruff.while {
// CHECK-NEXT:      [[AGAIN:%.+]] = ruff.truthy [[R]] : i1
// CHECK-NEXT:      ruff.condition [[AGAIN]]
// CHECK-NEXT:    } do {
// CHECK-NEXT:      ruff.continue
// CHECK-NEXT:    }
// CHECK-NEXT:    ruff.loop {
// CHECK-NEXT:      ruff.if [[C]] {
// CHECK-NEXT:        ruff.break
// CHECK-NEXT:      } else {
// CHECK-NEXT:      }
// CHECK-NEXT:      ruff.break
// CHECK-NEXT:    }
// CHECK-NEXT:    ruff.for_range [[I:%.+]] = [[R]] to [[R]] step [[R]] {
// CHECK-NEXT:      ruff.store_var "i" = [[I]] chain ["l0"] create "l0"
// CHECK-NEXT:    }
// CHECK-NEXT:    ruff.for_each %{{.*}} in [[R]] {
// CHECK-NEXT:    }
// CHECK-NEXT:    ruff.try {
// CHECK-NEXT:      ruff.raise "Undefined variable 'q'"
// CHECK-NEXT:    } catch([[ERR:%.+]]) {
// CHECK-NEXT:      ruff.return([[ERR]])
// CHECK-NEXT:    }
// CHECK-NEXT:    ruff.return()
// CHECK-NEXT:    [[DEAD:%.+]] = ruff.const 0 : i64
// CHECK-NEXT:    ruff.return([[DEAD]])
// CHECK-NEXT:  }

// GENERIC:      "ruff.for_range"(%{{.*}}, %{{.*}}, %{{.*}}) ({
// GENERIC-NEXT: ^bb0(%{{.*}}: !ruff.value):
// GENERIC:      "ruff.try"() ({
// GENERIC:      }, {
// GENERIC-NEXT: ^bb0(%{{.*}}: !ruff.value):
