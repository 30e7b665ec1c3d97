// RUN: xdsl-opt %s | xdsl-opt | filecheck %s

// xDSL prints non-ASCII text as escaped UTF-8 bytes, and its parser reads such a literal
// back as bytes; the custom forms of the ruff ops read it as a string again. (The
// generic form of this file does not survive plain xdsl-opt; rufc.dialects.convert.
// parse_module repairs it.)

ruff.func @__main__() name "__main__" slots ["café"] {
  %0 = ruff.const "héllo ☃"
  %1 = ruff.get_field %0 "ключ" : !ruff.value
  ruff.raise "no ☃ here"
}

// CHECK:      ruff.func @__main__() name "__main__" slots ["caf\C3\A9"] {
// CHECK-NEXT:   %{{.*}} = ruff.const "h\C3\A9llo \E2\98\83"
// CHECK-NEXT:   %{{.*}} = ruff.get_field %{{.*}} "\D0\BA\D0\BB\D1\8E\D1\87" : !ruff.value
// CHECK-NEXT:   ruff.raise "no \E2\98\83 here"
