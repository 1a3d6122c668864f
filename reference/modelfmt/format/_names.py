"""Naming rules shared across the header: reverse-DNS names and forbidden characters.

One definition each, so that extension keys (§8.3), extension op domains (§9.3), extension optimizer
types (§11.2) and signature attribute keys (§12.4) cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Final

# One DNS label: lowercase letters and digits, hyphens inside.
_LABEL: Final = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
# Two labels or more, such as `com.example.tool`: an owner can be named without a registry.
REVERSE_DNS_PATTERN: Final = rf"{_LABEL}(?:\.{_LABEL})+"
REVERSE_DNS: Final = re.compile(REVERSE_DNS_PATTERN)
# Control characters (C0, DEL, C1) and lone surrogates: never in a name a person reads or a terminal prints.
FORBIDDEN_IN_NAMES: Final = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
