// RUN: xdsl-opt %s | xdsl-opt | filecheck %s
// RUN: xdsl-opt %s --print-op-generic | xdsl-opt | filecheck %s

// Operators: every result is a !ruff.value, except the i1 conditions.

ruff.func @__main__() name "__main__" slots [] {
  %a = ruff.const 7 : i64
  %b = ruff.const 2 : i64
  %0 = ruff.add %a, %b : !ruff.value
  %1 = ruff.sub %a, %b : !ruff.value
  %2 = ruff.mul %a, %b : !ruff.value
  %3 = ruff.div %a, %b : !ruff.value
  %4 = ruff.mod %a, %b : !ruff.value
  %5 = ruff.eq %a, %b : !ruff.value
  %6 = ruff.ne %a, %b : !ruff.value
  %7 = ruff.lt %a, %b : !ruff.value
  %8 = ruff.le %a, %b : !ruff.value
  %9 = ruff.gt %a, %b : !ruff.value
  %10 = ruff.ge %a, %b : !ruff.value
  %11 = ruff.neg %a : !ruff.value
  %12 = ruff.not %5 : !ruff.value
  %13 = ruff.truthy %12 : i1
  %14 = ruff.is_null %a : i1
  %15 = ruff.box_bool %14 : !ruff.value
}

// CHECK-LABEL: ruff.func @__main__()
// CHECK:         [[A:%.+]] = ruff.const 7 : i64
// CHECK-NEXT:    [[B:%.+]] = ruff.const 2 : i64
// CHECK-NEXT:    %{{.*}} = ruff.add [[A]], [[B]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.sub [[A]], [[B]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.mul [[A]], [[B]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.div [[A]], [[B]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.mod [[A]], [[B]] : !ruff.value
// CHECK-NEXT:    [[EQ:%.+]] = ruff.eq [[A]], [[B]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.ne [[A]], [[B]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.lt [[A]], [[B]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.le [[A]], [[B]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.gt [[A]], [[B]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.ge [[A]], [[B]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.neg [[A]] : !ruff.value
// CHECK-NEXT:    [[NOT:%.+]] = ruff.not [[EQ]] : !ruff.value
// CHECK-NEXT:    %{{.*}} = ruff.truthy [[NOT]] : i1
// CHECK-NEXT:    [[NULL:%.+]] = ruff.is_null [[A]] : i1
// CHECK-NEXT:    %{{.*}} = ruff.box_bool [[NULL]] : !ruff.value
// CHECK-NEXT:  }
