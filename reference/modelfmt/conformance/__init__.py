"""The conformance suite's runner and the reference implementation behind its process protocol.

The suite itself (vectors, keys, manifest) lives in the repository's `conformance/` folder; this package
reads it (`load_suite`), drives any implementation through it (`run`) and answers for the reference
implementation (`python -m modelfmt.conformance reader FILE`). See conformance/PROTOCOL.md.
"""

from ._judge import Verdict
from ._manifest import Suite, SuiteError, Vector, load_suite
from ._runner import Options, run

__all__ = ["Options", "Suite", "SuiteError", "Vector", "Verdict", "load_suite", "run"]
