"""rufc's plug-in for xDSL tools: plain `xdsl-opt` (and `xdsl-run`, ...) load the `ruff`
dialect through the `xdsl.universe` entry point declared in pyproject.toml.

The dialect is loaded lazily: every xDSL tool in this environment imports this module
at start-up, and must not pay for the ruff op classes unless a file uses them.
"""
from __future__ import annotations

from xdsl.ir import Dialect
from xdsl.universe import Universe


def _ruff() -> Dialect:
    from rufc.dialects.ruff import Ruff

    return Ruff


RUFF_UNIVERSE = Universe(all_dialects={"ruff": _ruff}, all_passes={})
