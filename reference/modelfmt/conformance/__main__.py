"""`python -m modelfmt.conformance reader FILE`: the protocol's commands without the rest of the CLI."""

import sys

from ._cli import main

sys.exit(main())
