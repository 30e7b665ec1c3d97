"""A small random generator of Ruff programs (LANGUAGE.md §3), used by the fuzz
regression test and by ad-hoc fuzzing.  Everything is driven by a `random.Random`,
so a seed reproduces a program exactly.

The programs are meant to stress the *contract* (no internal error, both tiers agree),
not to be meaningful: they freely produce runtime errors, which are fine (exit 4).
Loops are bounded (`for _ in N` with small N, `while` with a counter) so that programs
terminate quickly, and recursion goes through a depth guard.
"""
from __future__ import annotations

import random

INTS = ["0", "1", "2", "3", "7", "10", "255", "9223372036854775807", "4611686018427387904",
        "3037000499", "1000000007", "65536"]
FLOATS = ["0.0", "0.5", "1.5", "2.0", "0.1", "3.14159", "1000000000000000000000.0",
          "0.000001", "123456789.125", "9007199254740993.0"]
STRS = ['""', '"a"', '"hello"', '"x y"', '"\\n"', '"\\t\\\\"', '"\\$"', '"${1 + 2}"',
        '"0"', '"false"', '"é日本"', '"${x}"', '"a${"b"}c"', '"/* not */"', '"#x"',
        '"${[1, 2]}"', '"${ {"k": 1} }"', '"$"', '"${x}${y}"', '"  12  "', '"1e3"', '"inf"',
        '"NaN"', '"-0"']
BUILTIN1 = ["len", "to_string", "str", "to_int", "to_float", "type", "abs", "sqrt", "floor",
            "ceil", "round", "keys", "values", "items", "trim", "upper", "lower",
            "capitalize", "sort", "reverse", "unique", "sum", "to_bool", "is_int",
            "is_array", "is_null", "bit_not", "pop", "parse_int", "parse_float", "print",
            "sin", "log", "exp", "type_of", "is_function", "range"]
BUILTIN2 = ["push", "append", "min", "max", "pow", "has_key", "get", "merge", "contains",
            "index_of", "split", "join", "starts_with", "ends_with", "repeat", "char_at",
            "concat", "remove_at", "bit_and", "bit_or", "bit_xor", "bit_shl", "bit_shr",
            "range", "print", "assert_equal", "map", "filter", "any", "all"]
BUILTIN3 = ["replace", "substring", "slice", "insert", "get", "get_default", "range",
            "reduce"]
BINOPS = ["+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "??"]
ITERABLES = ["3", "0", "-2", "2.7", '[1, 2.5, "s"]', '"ab"', '{"b": 1, "a": 2}', "range(4)",
             "range(5, 0, -2)"]
DKEYS = ['"a"', '"k"', "1", "x"]
NAMES = ["x", "y", "z", "a", "b", "n", "s", "arr", "d", "f", "g", "acc", "i"]


class Gen:
    def __init__(self, rng: random.Random, max_depth: int = 4, avoid: frozenset = frozenset()):
        self.r = rng
        self.avoid = avoid  # names of constructs with known, still-open bugs
        self.max_depth = max_depth
        self.funcs: list[tuple[str, int]] = []
        self.structs: list[tuple[str, list[str]]] = []
        self.uid = 0

    def fresh(self, prefix: str) -> str:
        self.uid += 1
        return f"{prefix}{self.uid}"

    # ------------------------------------------------------------ expressions

    def name(self) -> str:
        return self.r.choice(NAMES)

    def literal(self) -> str:
        r = self.r.random()
        if r < 0.35:
            return self.r.choice(INTS)
        if r < 0.5:
            return self.r.choice(FLOATS)
        if r < 0.7:
            return self.r.choice(STRS)
        return self.r.choice(["true", "false", "null", "[]", "{}", "None"])

    def expr(self, depth: int = 0) -> str:
        r = self.r
        if depth >= self.max_depth:
            return self.literal() if r.random() < 0.6 else self.name()
        k = r.randrange(30)
        made = _EXPR_RULES[k](self, depth + 1) if k < len(_EXPR_RULES) else None
        return made if made is not None else self.literal()

    # Each production takes the depth of its subexpressions and returns the text, or
    # None when it does not apply (a literal is used instead).

    def e_literal(self, d: int) -> str:
        return self.literal()

    def e_name(self, d: int) -> str:
        return self.name()

    def e_binary(self, d: int) -> str:
        return f"{self.expr(d)} {self.r.choice(BINOPS)} {self.expr(d)}"

    def e_unary(self, d: int) -> str:
        return f"{self.r.choice(['-', '!', '--', '-!'])}{self.expr(d)}"

    def e_paren(self, d: int) -> str:
        return f"({self.expr(d)})"

    def e_array(self, d: int) -> str:
        r = self.r
        items = [self.expr(d) if r.random() < 0.8 else "..." + self.expr(d)
                 for _ in range(r.randrange(4))]
        return "[" + ", ".join(items) + "]"

    def e_dict(self, d: int) -> str:
        r = self.r
        items = []
        for _ in range(r.randrange(3)):
            if r.random() < 0.2:
                items.append("..." + self.expr(d))
            else:
                key = r.choice(['"a"', '"b"', '"k"', "1", '""', self.expr(d)])
                items.append(f"{key}: {self.expr(d)}")
        return "{" + ", ".join(items) + "}"

    def e_index(self, d: int) -> str:
        return f"{self.expr(d)}[{self.expr(d)}]"

    def e_builtin1(self, d: int) -> str:
        return f"{self.r.choice(BUILTIN1)}({self.expr(d)})"

    def e_builtin2(self, d: int) -> str:
        return f"{self.r.choice(BUILTIN2)}({self.expr(d)}, {self.expr(d)})"

    def e_builtin3(self, d: int) -> str:
        return f"{self.r.choice(BUILTIN3)}({self.expr(d)}, {self.expr(d)}, {self.expr(d)})"

    def e_closure(self, d: int) -> str:
        params = self.r.sample(["p", "q", "w"], self.r.randrange(3))
        body = self.block(d, in_func=True, in_loop=False)
        return f"func({', '.join(params)}) {body}"

    def e_call(self, d: int) -> str | None:
        r = self.r
        if not self.funcs:
            return None
        fname, n = r.choice(self.funcs)
        n = n if r.random() < 0.9 else r.randrange(4)
        return f"{fname}({', '.join(self.expr(d) for _ in range(n))})"

    def e_variant(self, d: int) -> str:
        return f"{self.r.choice(['Ok', 'Err', 'Some'])}({self.expr(d)})"

    def e_field(self, d: int) -> str:
        return f"{self.expr(d)}{self.r.choice(['.a', '?.a', '.message', '.x', '?.x'])}"

    def e_pipe(self, d: int) -> str:
        return f"{self.expr(d)} |> {self.r.choice(BUILTIN1 + ['push(1)', 'f', 'g'])}"

    def e_struct(self, d: int) -> str | None:
        if not self.structs:
            return None
        sname, fields = self.r.choice(self.structs)
        return sname + " { " + ", ".join(f"{fl}: {self.expr(d)}" for fl in fields) + " }"

    def e_call_name(self, d: int) -> str:
        return f"{self.name()}({', '.join(self.expr(d) for _ in range(self.r.randrange(3)))})"

    def e_interp(self, d: int) -> str:
        r = self.r
        return f'"{r.choice(["", "v=", "a b "])}${{{self.expr(d)}}}{r.choice(["", "!", " end"])}"'

    def e_method(self, d: int) -> str | None:
        if not self.structs:
            return None
        return f"{self.expr(d)}.{self.r.choice(['m', 'get', 'len'])}({self.expr(d)})"

    def e_try(self, d: int) -> str:
        return f"({self.expr(d)}?)"

    def cond(self, depth: int) -> str:
        e = self.expr(depth + 1)
        return e

    # ------------------------------------------------------------ statements

    def target(self, depth: int) -> str:
        t = self.name()
        for _ in range(self.r.choice([0, 0, 0, 1, 1, 2])):
            t += self.r.choice([f"[{self.expr(depth + 1)}]", '["a"]', "[0]", "[-1]", ".x", ".a"])
        return t

    def block(self, depth: int, in_func: bool, in_loop: bool, n: int | None = None) -> str:
        if n is None:
            n = self.r.randrange(1, 4)
        stmts = [self.stmt(depth + 1, in_func, in_loop) for _ in range(n)]
        return "{ " + "; ".join(stmts) + " }"

    def stmt(self, depth: int, in_func: bool = False, in_loop: bool = False) -> str:
        if depth >= self.max_depth:
            return f"{self.name()} := {self.expr(depth)}"
        k = self.r.randrange(26)
        if k < len(_STMT_RULES):
            return _STMT_RULES[k](self, depth, in_func, in_loop)
        return f"{self.name()} := {self.expr(depth)}"

    # Each statement production takes (depth, in a function?, in a loop?).

    def s_decl(self, d: int, in_func: bool, in_loop: bool) -> str:
        kw = self.r.choice(["", "", "mut ", "let ", "const "])
        return f"{kw}{self.name()} := {self.expr(d)}"

    def s_assign(self, d: int, in_func: bool, in_loop: bool) -> str:
        target = self.target(d)
        op = self.r.choice([':=', '=', '+=', '-=', '*=', '/=', '%='])
        return f"{target} {op} {self.expr(d)}"

    def s_print(self, d: int, in_func: bool, in_loop: bool) -> str:
        return f"print({', '.join(self.expr(d) for _ in range(self.r.randrange(1, 4)))})"

    def s_if(self, d: int, in_func: bool, in_loop: bool) -> str:
        s = f"if {self.cond(d)} {self.block(d, in_func, in_loop)}"
        if self.r.random() < 0.5:
            s += f" else {self.block(d, in_func, in_loop)}"
        return s

    def s_for(self, d: int, in_func: bool, in_loop: bool) -> str:
        v = self.fresh("i")
        it = self.r.choice(ITERABLES + [self.expr(d + 1)])
        return f"for {v} in {it} {self.block(d, in_func, True)}"

    def s_while(self, d: int, in_func: bool, in_loop: bool) -> str:
        c = self.fresh("c")
        return (f"mut {c} := 0; while {c} < {self.r.randrange(5)} {{ {c} += 1; "
                f"{self.stmt(d + 1, in_func, True)}; {self.stmt(d + 1, in_func, True)} }}")

    def s_loop(self, d: int, in_func: bool, in_loop: bool) -> str:
        c = self.fresh("c")
        return (f"mut {c} := 0; loop {{ {c} += 1; if {c} > {self.r.randrange(4)} {{ break }}; "
                f"{self.stmt(d + 1, in_func, True)} }}")

    def s_try(self, d: int, in_func: bool, in_loop: bool) -> str:
        return (f"try {self.block(d, in_func, in_loop)} except e {{ print(e.message); "
                f"{self.stmt(d + 1, in_func, in_loop)} }}")

    def s_jump(self, d: int, in_func: bool, in_loop: bool) -> str:
        r = self.r
        return r.choice(["break", "continue"]) if (in_loop or r.random() < 0.1) else "print(0)"

    def s_return(self, d: int, in_func: bool, in_loop: bool) -> str:
        r = self.r
        if in_func or r.random() < 0.05:
            return "return" + (" " + self.expr(d) if r.random() < 0.8 else "")
        return "print(1)"

    def s_func(self, d: int, in_func: bool, in_loop: bool) -> str:
        fname = self.fresh("fn")
        params = self.r.sample(["p", "q", "w", "x"], self.r.randrange(4))
        self.funcs.append((fname, len(params)))
        guard = "depth_guard := depth_guard + 1; if depth_guard > 50 { return null }; "
        body = self.block(d, True, False)
        return f"func {fname}({', '.join(params)}) {{ {guard}{body[2:]}"

    def s_struct(self, d: int, in_func: bool, in_loop: bool) -> str:
        r = self.r
        sname = self.fresh("S")
        fields = r.sample(["x", "y", "a", "name"], r.randrange(1, 4))
        self.structs.append((sname, fields))
        meth = ""
        if r.random() < 0.6:
            ret = r.choice(['self.' + fields[0], 'v', 'self', self.expr(d + 1)])
            meth = f" func m(self, v) {{ return {ret} }}"
        return f"struct {sname} {{ {', '.join(fields)}{meth} }}"

    def s_match(self, d: int, in_func: bool, in_loop: bool) -> str:
        r = self.r
        arms = []
        for _ in range(r.randrange(1, 4)):
            pat = r.choice(["Ok(v)", "Err(v)", "Some(v)", "None", "Ok", "Err"])
            arms.append(f"case {pat}: {self.block(d, in_func, in_loop)}")
        if r.random() < 0.5:
            arms.append(f"default: {self.block(d, in_func, in_loop)}")
        return f"match {self.cond(d)} {{ {' '.join(arms)} }}"

    def s_destructure(self, d: int, in_func: bool, in_loop: bool) -> str:
        kw = self.r.choice(["", "let ", "mut "])
        pats = ["[a, b]", "[a, ...b]", "[_, a]", "{a, b}", "{a, ...b}", "[]", "{x}"]
        if "empty_array_pattern" in self.avoid:
            pats.remove("[]")
        pat = self.r.choice(pats)
        return f"{kw}{pat} := {self.expr(d)}"

    def s_expr(self, d: int, in_func: bool, in_loop: bool) -> str:
        return self.expr(d)

    def s_loop_while(self, d: int, in_func: bool, in_loop: bool) -> str:
        return (f"loop while ({self.cond(d)}) && depth_guard < 1 {{ "
                f"depth_guard := depth_guard + 1; {self.stmt(d + 1, in_func, True)} }}")

    def s_push(self, d: int, in_func: bool, in_loop: bool) -> str:
        return f"arr := push(arr, {self.expr(d)})"

    def s_dict_store(self, d: int, in_func: bool, in_loop: bool) -> str:
        return f"d[{self.r.choice(DKEYS)}] := {self.expr(d)}"

    def program(self, n_stmts: int | None = None) -> str:
        r = self.r
        if n_stmts is None:
            n_stmts = r.randrange(3, 12)
        pre = ["mut depth_guard := 0", "x := 1", "y := 2.5", 's := "str"', "arr := [1, 2, 3]",
               'd := {"a": 1, "k": [1]}', "f := func(p) { return p }", "g := len", "n := 0",
               "z := null", "a := 0", "b := 0", "acc := 0", "i := 0"]
        body = []
        for _ in range(n_stmts):
            st = self.stmt(0)
            if r.random() < 0.85:
                st = f"try {{ {st} }} except e {{ print(\"E:\", e.message) }}"
            body.append(st)
            if self.funcs and r.random() < 0.3:
                fname, n = r.choice(self.funcs)
                args = ", ".join(self.expr(2) for _ in range(n))
                body.append(f"for hot in range({r.choice([3, 120])}) {{ depth_guard := 0; "
                            f"try {{ acc := {fname}({args}) }} "
                            "except e { acc := e.message } }; print(acc)")
        sep = r.choice(["\n", "\n", "; ", "\n;\n"])
        return sep.join(pre + body) + "\n"


# production k of expr (k = randrange(30); past the table: a literal) and of stmt
_EXPR_RULES = ([Gen.e_literal] * 4 + [Gen.e_name] * 3 + [Gen.e_binary] * 4
               + [Gen.e_unary, Gen.e_paren, Gen.e_array, Gen.e_dict, Gen.e_index, Gen.e_builtin1,
                  Gen.e_builtin2, Gen.e_builtin3, Gen.e_closure, Gen.e_call, Gen.e_variant,
                  Gen.e_field, Gen.e_pipe, Gen.e_struct, Gen.e_call_name, Gen.e_interp,
                  Gen.e_method, Gen.e_try])
_STMT_RULES = ([Gen.s_decl] * 4 + [Gen.s_assign] * 2
               + [Gen.s_print, Gen.s_if, Gen.s_for, Gen.s_while, Gen.s_loop, Gen.s_try,
                  Gen.s_jump, Gen.s_return, Gen.s_func, Gen.s_struct, Gen.s_match,
                  Gen.s_destructure, Gen.s_expr, Gen.s_loop_while, Gen.s_push,
                  Gen.s_dict_store])


def generate(seed: int, max_depth: int | None = None, avoid: frozenset = frozenset()) -> str:
    rng = random.Random(seed)
    depth = max_depth if max_depth is not None else rng.choice([2, 3, 4, 5])
    return Gen(rng, depth, frozenset(avoid)).program()


if __name__ == "__main__":
    import sys
    print(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 0))
