// RUN: xdsl-opt %s --split-input-file --verify-diagnostics | filecheck %s

// What the ruff verifier rejects beyond what the op definitions' constraints express.

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64
  %1 = ruff.make_array [%0] spread [0, 1] : !ruff.value
}
// CHECK: 'ruff.make_array' spread has 2 entries but the op has 1 operands (one flag per operand)

// -----

ruff.func @__main__() name "__main__" slots ["x"] {
  %0 = ruff.load_var "x" chain ["x0"] : !ruff.value
}
// CHECK: 'ruff.load_var' chain: 'x0' is not a variable reference (lN, fN, g or b, optionally followed by ?)

// -----

ruff.func @__main__() name "__main__" slots ["x"] {
  %0 = ruff.load_var "y" chain ["l1?", "g"] : !ruff.value
}
// CHECK: 'ruff.load_var' chain: 'l1?' refers past the 1 slots of @__main__

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64
  ruff.store_var "x" = %0 chain [] create "b"
}
// CHECK: 'ruff.store_var' create: 'b' is not a variable (lN, fN or g)

// -----

ruff.func @__main__() name "__main__" slots ["x"] {
  %0 = ruff.const 1 : i64
  ruff.declare_var var "x" = %0 target "l0"
}
// CHECK: 'ruff.declare_var' kind must be let, mut or const, got 'var'

// -----

ruff.func @__main__() name "__main__" slots ["x"] {
  ruff.scope_enter slots [0, 3]
}
// CHECK: 'ruff.scope_enter' slots: slot 3 does not exist (the function has 1 slots)

// -----

ruff.func @__main__() name "__main__" slots [] {
  ruff.while {
  } do {
  }
}
// CHECK: 'ruff.while' condition region must end with ruff.condition

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const true
  %1 = ruff.truthy %0 : i1
  ruff.while {
    ruff.condition %1
  } do {
    ruff.condition %1
  }
}
// CHECK: 'ruff.condition' must end the condition region of its ruff.while, not the body

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const true
  %1 = ruff.truthy %0 : i1
  ruff.loop {
    ruff.condition %1
  }
}
// CHECK: 'ruff.condition' expects parent op 'ruff.while'

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const true
  %1 = ruff.truthy %0 : i1
  %2 = ruff.if %1 -> !ruff.value {
    ruff.yield
  } else {
    ruff.yield %0
  }
}
// CHECK: 'ruff.if' has 1 results but a region yields 0 values

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const true
  %1 = ruff.truthy %0 : i1
  ruff.if %1 {
    ruff.yield
    ruff.break
  } else {
  }
}
// CHECK: 'ruff.yield' must be the last operation in its parent block

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const true
  "ruff.if"(%0) ({
  }, {
  }) : (!ruff.value) -> ()
}
// CHECK: operand 'cond' at position 0 does not verify:
// CHECK: Expected attribute i1 but got !ruff.value

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.make_variant Maybe() : !ruff.value
}
// CHECK: 'ruff.make_variant' tag must be one of Ok, Err, Some, None, got 'Maybe'

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64
  %1 = ruff.make_dict {%0} layout ["kv"] : !ruff.value
}
// CHECK: 'ruff.make_dict' layout has 1 kv and 0 spread entries, so it needs 2 operands, got 1

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.make_function @missing : !ruff.value
}
// CHECK: 'ruff.make_function' callee: there is no ruff.func @missing

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.get_struct @__main__ : !ruff.value
}
// CHECK: 'ruff.get_struct' sym: @__main__ is a ruff.func, not a ruff.struct

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.neg %1 : !ruff.value
  %1 = ruff.const 1 : i64
}
// CHECK: 'ruff.neg' operand 0 is used before it is defined (or outside the region that defines it)

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64
  ruff.return(%0, %0)
}
// CHECK: 'ruff.return' takes at most one operand, got 2

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64
  %1 = ruff.unpack_dict %0 keys ["a", "b"] : !ruff.value
}
// CHECK: 'ruff.unpack_dict' needs 2 results (one per key, plus one for rest), got 1

// -----

ruff.func @__main__() name "__main__" slots [] {
  %0 = ruff.const 1 : i64
  "ruff.for_each"(%0) ({
  }) : (!ruff.value) -> ()
}
// CHECK: 'ruff.for_each' region expects 1 block arguments, got 0

// -----

ruff.func @__main__() name "__main__" slots [] {
  ruff.loop {
    ruff.func @inner() name "inner" slots [] {
    }
  }
}
// CHECK: 'ruff.func' expects parent op 'builtin.module'

// -----

ruff.func @f() name "f" slots [] {
}
ruff.func @f() name "f" slots [] {
}
// CHECK: Redefinition of symbol "f"

// -----

ruff.struct @S name "S" fields [] method_names ["m"]
// CHECK: 'ruff.struct' @S has 1 method names but 0 method symbols
