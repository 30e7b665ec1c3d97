"""Split the generated code of a very long `<main>` into functions of bounded size.

Why: CPython compiles one function at a time, holding its whole syntax tree, symbol
table and control-flow graph. The generated code of a 200,000-statement top level is
one function of ~40 MB of Python: compiling it took 59 s and 9.5 GB (issue 17). Split
into functions of about CHUNK_CHARS characters, each is compiled on its own (the
module's pieces are cut at top-level `def`s, see `runtime.compiling`), so time and
memory grow linearly with the number of statements.

The main function then calls its parts in order:

    def F___main__():                     def F___main___p1():
        global G_x, ...                       global G_x, ...
        F___main___p1()   # vm.SKIP           ...the first statements...
        F___main___p2()   # vm.SKIP       def F___main___p2(): ...

A cut is made only between two statements of the top level of the body (4 spaces of
indentation, not an `except`/`else`/`elif`/`finally` that continues a statement) where
no local variable of the generated code (temporaries `t1`, slots `v3`, cells `c2`, ...)
is used on both sides: the top level's variables are globals (`G_...`, declared in
every part), so what is left are the locals of one statement. A body with a `return`
is not split (it would return from the part only). The call lines carry no Ruff
position (vm.SKIP): while a part runs, its frame stands for `<main>` in tracebacks.
Each part adds one Python frame below every Ruff call made from it: the parts run
`with HELPER_FRAMES(1)` (runtime.stack.HelperFrames), so that frame does not count
toward the call-depth limit.
"""
from __future__ import annotations

import re
from typing import Final

Line = tuple[str, int, int]

CHUNK_CHARS: Final = 64_000     # characters of generated code per part (about 300 statements)
SKIP: Final = (-1, -1)          # = runtime.vm.SKIP: a line with no Ruff position

_LOCAL: Final = re.compile(r"\b(?:t\d+b?|exc\d+|[vckurnf]\d+)\b")
_CONTINUES: Final = ("    except", "    else", "    elif", "    finally")
_RETURN: Final = re.compile(r"^\s*(?:return\b|.*:\s*return\b)")


def split(body: list[Line], prefix: str, head: list[Line]) -> tuple[list[Line], list[Line]]:
    """(new body, part functions) for a main function's `body` (lines indented by 4).
    `head` are the lines of the function's own head that every part repeats (its
    `global` statement). Returns (body, []) when the body is short or cannot be cut."""
    total = sum(len(t) for t, _, _ in body)
    if total < 2 * CHUNK_CHARS or any(_RETURN.match(t) for t, _, _ in body):
        return body, []
    last: dict[str, int] = {}
    names: list[list[str]] = []
    for i, (text, _, _) in enumerate(body):
        found = _LOCAL.findall(text)
        names.append(found)
        for n in found:
            last[n] = i
    cuts = [0]
    reach = -1          # the last line that uses a local seen so far
    size = 0
    for i, (text, _, _) in enumerate(body):
        if (size >= CHUNK_CHARS and reach < i and text.startswith("    ")
                and not text.startswith("     ") and not text.startswith(_CONTINUES)):
            cuts.append(i)
            size = 0
        size += len(text) + 1
        for n in names[i]:
            if last[n] > reach:
                reach = last[n]
    if len(cuts) < 2:
        return body, []
    new_body: list[Line] = [("    with HELPER_FRAMES(1):", *SKIP)]
    parts: list[Line] = []
    for k, (start, end) in enumerate(zip(cuts, cuts[1:] + [len(body)]), 1):
        name = f"{prefix}{k}"
        ln, col = body[start][1], body[start][2]
        parts.append((f"def {name}():", ln, col))
        parts.extend(head)
        parts.extend(body[start:end])
        new_body.append((f"        {name}()", *SKIP))
    return new_body, parts
