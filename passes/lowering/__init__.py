"""The op lowerings of convert-ruff-to-llvm, one family a file (see ruff_to_llvm.py).

base (machinery, slots, array references) <- arith <- arrays <- calls <- control;
`rufc.passes.ruff_to_llvm.FunctionLowering` is the last of the chain.
"""
