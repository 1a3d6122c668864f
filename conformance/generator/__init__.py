"""The generator of the conformance suite (`python conformance/generate.py`); not part of the package."""
