"""The call-depth limit is exact and the same in every tier (LANGUAGE.md §1, issue 17):
with --max-depth N, N nested calls run and call N + 1 fails, for every way a Ruff call
can be made: plain and mutual recursion, strings and floats (boxed native code),
builtins at the deepest frame, callbacks of higher-order builtins, methods, a closure
calling itself through its cell, hot loops in every frame (on-stack replacement), and
a recursion started from a hot top-level loop; each cold (the VM, or compiled at
once) and after warm-up. Each shape records in `best` the depth of the deepest frame
that ran (a frame at depth d is called with n = d). The sweep that found the closure
bug (docs/jit.md, Call depth) ran these shapes at limits 1 to 10000."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import rufc

SHAPES = """\
mut best := 0
func plain(n) {{
    best = n
    return plain(n + 1) + 1
}}
func strs(n) {{
    best = n
    s := "x" + to_string(n)
    return strs(n + 1) + len(s)
}}
func ping(n) {{
    best = n
    return pong(n + 1) + 1
}}
func pong(n) {{
    best = n
    return ping(n + 1) + 1
}}
func leafy(n) {{
    best = n
    x := len(to_string(n)) + max(n, 1)
    return leafy(n + 1) + x
}}
func viamap(n) {{
    best = n
    return map([n + 1], viamap)[0]
}}
func viasort(n) {{
    best = n
    a := sort([3, 1, 2])
    return viasort(n + a[0])
}}
struct P {{
    k
    func m(self, n) {{
        best = n
        return self.m(n + 1) + 1
    }}
}}
func make() {{
    mut c := 0
    func go(n) {{
        best = n
        c = c + 1
        return go(n + 1) + 1
    }}
    return go
}}
func looped(n) {{
    best = n
    mut t := 0
    for i in range(3) {{ t = t + i }}
    return looped(n + 1) + t
}}
func floats(n) {{
    best = n
    return floats(n + 1) + 0.5
}}
func mixedf(n) {{
    best = n
    if n > 20 {{ return strs(n + 1) }}
    return mixedf(n + 1) + 1
}}
func hotloop(n) {{
    best = n
    mut t := 0
    for i in range(150) {{ t = t + i % 7 }}
    return hotloop(n + 1) + t
}}
func hotwhile(n) {{
    best = n
    mut t := 0
    mut i := 0
    while i < 150 {{ t = t + i % 5
        i = i + 1 }}
    return hotwhile(n + 1) + t + len(to_string(t))
}}
func viareduce(n) {{
    best = n
    return reduce([n + 1], 0, func(a, x) {{ return viareduce(x) }})
}}
func viafilter(n) {{
    best = n
    return filter([n + 1], func(x) {{ return viafilter(x) > 0 }})
}}
func stop(n, k) {{
    best = n
    if n >= k {{ return 0 }}
    return stop(n + 1, k) + 1
}}
func warm() {{
    for i in range({warm}) {{
        try {{ stop(1, 3) }} except e {{ }}
    }}
}}
func run(name, f) {{
    best = 0
    try {{
        f(2)
        print(name, "no error")
    }} except e {{
        print(name, best, e.message, e.line, len(e.stack))
    }}
}}
warm()
run("plain", plain)
run("strs", strs)
run("ping", ping)
run("leafy", leafy)
run("viamap", viamap)
run("viasort", viasort)
p := P {{ k: 1 }}
run("method", func(n) {{ return p.m(n) }})
run("closure", make())
run("looped", looped)
run("floats", floats)
run("mixedf", mixedf)
run("hotloop", hotloop)
run("hotwhile", hotwhile)
run("viareduce", viareduce)
run("viafilter", viafilter)
for q in range(300) {{
    if q == 299 {{
        best = 0
        try {{ plain(1) }} except e {{ print("from a hot top-level loop", best, e.line, len(e.stack)) }}
    }}
}}
best = 0
try {{ print(stop(1, {limit})) }} except e {{ print("stop at limit", best, e.message) }}
best = 0
try {{ print(stop(1, {limit} + 1)) }} except e {{ print("stop past limit", best, e.message) }}
"""

TIERS = (["--no-jit"], [], ["--jit-sync"], ["--jit-threshold", "0"],
         ["--jit-threshold", "0", "--jit-sync"])
# the deepest `best` of each shape: n = depth, but for `method` (one lambda frame in
# front: N - 1) and the shapes that recurse through a lambda callback (two frames per
# level: viareduce(n) runs at depth 2n - 2)
DEEPEST = {"method": lambda n: n - 1, "viareduce": lambda n: (n + 2) // 2,
           "viafilter": lambda n: (n + 2) // 2}
NAMES = ["plain", "strs", "ping", "leafy", "viamap", "viasort", "method", "closure",
         "looped", "floats", "mixedf", "hotloop", "hotwhile", "viareduce", "viafilter"]


@pytest.mark.parametrize("limit", [3, 97])
@pytest.mark.parametrize("warm", [0, 150])
def test_every_shape_of_call_fails_exactly_at_the_limit_in_every_tier(
        tmp_path: Path, limit: int, warm: int) -> None:
    f = tmp_path / "shapes.ruff"
    f.write_text(SHAPES.format(limit=limit, warm=warm))
    runs = [rufc("run", *flags, "--no-cache", "--max-depth", str(limit), str(f), timeout=300)
            for flags in TIERS]
    vm = runs[0]
    assert vm.exit_code == 0, vm.stderr
    lines = vm.stdout.splitlines()
    for name, line in zip(NAMES, lines):
        best = DEEPEST.get(name, lambda n: n)(limit)
        assert line.startswith(f"{name} {best} Maximum call stack depth of {limit} exceeded"), line
    assert lines[len(NAMES)].startswith(f"from a hot top-level loop {limit} ")
    assert lines[len(NAMES) + 1:] == [str(limit - 1),
                                      f"stop past limit {limit} Maximum call stack depth of {limit} exceeded"]
    for flags, r in zip(TIERS[1:], runs[1:]):
        assert (r.stdout, r.stderr, r.exit_code) == (vm.stdout, vm.stderr, vm.exit_code), flags
