"""The op set modelfmt.core (SPEC.md §10), one definition per op, one module per family of §10.

Each `OpSpec` here is the whole definition of its op: ports, attributes with types, ranges and defaults,
parameter slots, cross-attribute rules, shape inference, the cost rule of the reference cost model, the
op-set version that introduced it, and examples (small inputs with their expected outputs) that the tests
run through every runtime. `graph/_registry.py` derives the registry, the cost table and the examples
from `FAMILIES`; the numpy and torch kernels are attached by op name in `runtime/` and `torch/`.
"""
