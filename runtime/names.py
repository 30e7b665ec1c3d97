"""Python names for Ruff names, shared by the code generator and the loader.

Its own module so that loading cached code (`rufc.runtime.coldcache`) binds the
generated names without importing the code generator.
"""
from __future__ import annotations

__all__ = ["py_name"]


def py_name(name: str) -> str:
    """A Python identifier for a Ruff name (Ruff allows Unicode letters Python may not)."""
    if name.isidentifier() and name.isascii():
        return name
    return "u_" + "".join(c if c.isascii() and (c.isalnum() or c == "_") else f"_{ord(c):x}_"
                          for c in name)
