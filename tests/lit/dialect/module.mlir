// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// Module level: functions, structs, and the ops that name them.

ruff.struct @Point name "Point" fields ["x", "y"] method_names ["len"] method_syms ["Point.len"]
ruff.struct @Empty name "Empty" fields []

ruff.func @Point.len(self) name "len" slots ["self"] {
  ruff.return()
}

ruff.func @counter(start) name "counter" slots ["start", "n:let"] cells [1] free ["step"] {
  ruff.return()
}

ruff.func @"odd name"("a param") name "odd name" slots ["a param"] attributes {note = "kept"} {
}

ruff.func @__main__() name "__main__" slots ["c"] {
  %0 = ruff.get_struct @Point : !ruff.value
  %1 = ruff.make_function @counter captures ["l0"] : !ruff.value
  %2 = ruff.make_function @Point.len : !ruff.value
}

// CHECK:      builtin.module {
// CHECK-NEXT:   ruff.struct @Point name "Point" fields ["x", "y"] method_names ["len"] method_syms ["Point.len"]
// CHECK-NEXT:   ruff.struct @Empty name "Empty" fields []
// CHECK-NEXT:   ruff.func @Point.len(self) name "len" slots ["self"] {
// CHECK-NEXT:     ruff.return()
// CHECK-NEXT:   }
// CHECK-NEXT:   ruff.func @counter(start) name "counter" slots ["start", "n:let"] cells [1] free ["step"] {
// CHECK:        ruff.func @"odd name"("a param") name "odd name" slots ["a param"] attributes {note = "kept"} {
// CHECK-NEXT:   }
// CHECK-LABEL:  ruff.func @__main__() name "__main__" slots ["c"] {
// CHECK-NEXT:     %{{.*}} = ruff.get_struct @Point : !ruff.value
// CHECK-NEXT:     %{{.*}} = ruff.make_function @counter captures ["l0"] : !ruff.value
// CHECK-NEXT:     %{{.*}} = ruff.make_function @Point.len : !ruff.value
// CHECK-NEXT:   }

// GENERIC:      "ruff.struct"() <{sym_name = "Point", name = "Point", fields = ["x", "y"], method_names = ["len"], method_syms = ["Point.len"]}> : () -> ()
// GENERIC:      "ruff.func"() <{sym_name = "counter", name = "counter", params = ["start"], slots = ["start", "n:let"], cells = [1 : i64], free = ["step"]}> ({
// GENERIC:      "ruff.get_struct"() <{sym = "Point"}> : () -> !ruff.value
// GENERIC-NEXT: "ruff.make_function"() <{callee = "counter", captures = ["l0"]}> : () -> !ruff.value
