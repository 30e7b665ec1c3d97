"""rufc: a two-tier compiler and runtime for the Ruff language.

The driver package (this folder) is installed as `rufc`; the stages live in
`rufc.frontend`, `rufc.dialects`, `rufc.passes`, `rufc.backend` and `rufc.runtime`.
"""
__version__ = "0.1.0"
