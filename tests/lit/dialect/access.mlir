// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s

// Access, calls, destructuring and variants.

ruff.func @__main__() name "__main__" slots [] {
  %a = ruff.const "key" 
  %0 = ruff.get_index %a[%a] : !ruff.value
  %1 = ruff.get_field %a "name" : !ruff.value
  %2 = ruff.call %a(%0, %1) : !ruff.value
  %3 = ruff.call %a() : !ruff.value
  %4 = ruff.call_builtin "print"(%a) : !ruff.value
  %5 = ruff.call_method %a "push"(%0) : !ruff.value
  %6, %7, %8 = ruff.unpack_array %a count 3 rest : !ruff.value, !ruff.value, !ruff.value
  %9 = ruff.unpack_array %a count 1 : !ruff.value
  %10, %11 = ruff.unpack_dict %a keys ["k"] rest : !ruff.value, !ruff.value
  ruff.unpack_dict %a keys []
  %12 = ruff.match_tag %a Err : i1
  %13 = ruff.payload %a : !ruff.value
  %14 = ruff.try_unwrap %a : !ruff.value
}

// CHECK-LABEL: ruff.func @__main__()
// CHECK-NEXT:    [[A:%.+]] = ruff.const "key"
// CHECK-NEXT:    [[I:%.+]] = ruff.get_index [[A]][[[A]]] : !ruff.value
// CHECK-NEXT:    [[F:%.+]] = ruff.get_field [[A]] "name" : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.call [[A]]([[I]], [[F]]) : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.call [[A]]() : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.call_builtin "print"([[A]]) : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.call_method [[A]] "push"([[I]]) : !ruff.value
// CHECK-NEXT:    %{{.*}}, %{{.*}}, %{{.*}} = ruff.unpack_array [[A]] count 3 rest : !ruff.value, !ruff.value, !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.unpack_array [[A]] count 1 : !ruff.value
// CHECK-NEXT:    %{{.*}}, %{{.*}} = ruff.unpack_dict [[A]] keys ["k"] rest : !ruff.value, !ruff.value
// CHECK-NEXT:    ruff.unpack_dict [[A]] keys []{{$}}
// CHECK-NEXT:    %{{.*}} = ruff.match_tag [[A]] Err : i1
// CHECK-NEXT:    %{{.*}} = ruff.payload [[A]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.try_unwrap [[A]] : !ruff.value
// CHECK-NEXT:  }
