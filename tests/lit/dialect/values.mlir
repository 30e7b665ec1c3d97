// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | filecheck %s --check-prefix=GENERIC

// Constants and the ops that build values.

ruff.struct @P name "P" fields ["x", "y"]

ruff.func @__main__() name "__main__" slots [] {
  %i = ruff.const 42 : i64
  %n = ruff.const -9223372036854775808 : i64
  %f = ruff.const 2.5 : f64
  %g = ruff.const 0.1 : f64
  %s = ruff.const "tab\there \"quoted\""
  %t = ruff.const true
  %z = ruff.const null
  %a0 = ruff.make_array [] spread [] : !ruff.value
  %a = ruff.make_array [%i, %a0, %f] spread [0, 1, 0] : !ruff.value
  %d = ruff.make_dict {%s, %i, %a0} layout ["kv", "spread"] : !ruff.value
  %p = ruff.get_struct @P : !ruff.value
  %v = ruff.make_struct %p {%i, %f} fields ["x", "y"] : !ruff.value
  %ok = ruff.make_variant Ok(%i) : !ruff.value
  %none = ruff.make_variant None() : !ruff.value
  %str = ruff.interpolate(%s, %i) : !ruff.value
  %empty = ruff.interpolate() : !ruff.value
}

// CHECK-LABEL: ruff.func @__main__() name "__main__" slots [] {
// CHECK-NEXT:    [[I:%.+]] = ruff.const 42 : i64
// CHECK-NEXT:    %{{.*}} = ruff.const -9223372036854775808 : i64
// CHECK-NEXT:    [[F:%.+]] = ruff.const 2.500000e+00 : f64
// CHECK-NEXT:    %{{.*}} = ruff.const 1.000000e-01 : f64
// CHECK-NEXT:    [[S:%.+]] = ruff.const "tab\09here \22quoted\22"
// CHECK-NEXT:    %{{.*}} = ruff.const true
// CHECK-NEXT:    %{{.*}} = ruff.const null
// CHECK-NEXT:    [[A0:%.+]] = ruff.make_array [] spread [] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.make_array [[[I]], [[A0]], [[F]]] spread [0, 1, 0] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.make_dict {[[S]], [[I]], [[A0]]} layout ["kv", "spread"] : !ruff.value
// CHECK-NEXT:    [[P:%.+]] = ruff.get_struct @P : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.make_struct [[P]] {[[I]], [[F]]} fields ["x", "y"] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.make_variant Ok([[I]]) : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.make_variant None() : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.interpolate([[S]], [[I]]) : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.interpolate() : !ruff.value
// CHECK-NEXT:  }

// GENERIC:      "ruff.const"() <{value = 42 : i64}> : () -> !ruff.value
// GENERIC:      "ruff.const"() <{value}> : () -> !ruff.value
// GENERIC:      "ruff.make_array"(%{{.*}}, %{{.*}}, %{{.*}}) <{spread = [0 : i64, 1 : i64, 0 : i64]}> : (!ruff.value, !ruff.value, !ruff.value) -> !ruff.value
// GENERIC:      "ruff.make_variant"() <{tag = "None"}> : () -> !ruff.value
