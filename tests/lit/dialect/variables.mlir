// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// Variables: references are "lN" (slot), "fN" (free cell), "g" (global), "b" (builtin),
// and a trailing "?" means "may be unbound: check, then try the next one".

ruff.func @f(x) name "f" slots ["x", "total:let", "grid"] free ["outer"] {
  %0 = ruff.load_var "outer" chain ["f0"] : !ruff.value
  %1 = ruff.load_var "y" chain ["l1?", "g?", "b"] : !ruff.value
  ruff.store_var "x" = %1 chain ["l0"] create "l0"
  ruff.store_var "late" = %1 chain ["g?"] create "g"
  ruff.declare_var let "total" = %0 target "l1" check
  ruff.declare_var mut "grid" = %0 target "l2"
  ruff.update_path "grid"[%0, %1] = %1 path ["[]", "[]", ".f"] chain ["l2"]
  ruff.update_path "x"[] = %1 path [".f"] chain ["l0"]
  ruff.scope_enter slots [1, 2]
  ruff.scope_enter slots []
}

ruff.func @__main__() name "__main__" slots [] {
}

// CHECK-LABEL: ruff.func @f(x) name "f" slots ["x", "total:let", "grid"] free ["outer"] {
// CHECK-NEXT:    [[OUTER:%.+]] = ruff.load_var "outer" chain ["f0"] : !ruff.value
// CHECK-NEXT:    [[Y:%.+]] = ruff.load_var "y" chain ["l1?", "g?", "b"] : !ruff.value
// CHECK-NEXT:    ruff.store_var "x" = [[Y]] chain ["l0"] create "l0"
// CHECK-NEXT:    ruff.store_var "late" = [[Y]] chain ["g?"] create "g"
// CHECK-NEXT:    ruff.declare_var let "total" = [[OUTER]] target "l1" check
// CHECK-NEXT:    ruff.declare_var mut "grid" = [[OUTER]] target "l2"{{$}}
// CHECK-NEXT:    ruff.update_path "grid"[[[OUTER]], [[Y]]] = [[Y]] path ["[]", "[]", ".f"] chain ["l2"]
// CHECK-NEXT:    ruff.update_path "x"[] = [[Y]] path [".f"] chain ["l0"]
// CHECK-NEXT:    ruff.scope_enter slots [1, 2]
// CHECK-NEXT:    ruff.scope_enter slots []
// CHECK-NEXT:  }

// GENERIC:      "ruff.declare_var"(%{{.*}}) <{kind = "let", name = "total", target = "l1", check = true}> : (!ruff.value) -> ()
// GENERIC-NEXT: "ruff.declare_var"(%{{.*}}) <{kind = "mut", name = "grid", target = "l2", check = false}> : (!ruff.value) -> ()
// GENERIC:      "ruff.scope_enter"() <{slots = [1 : i64, 2 : i64]}> : () -> ()
