"""Signatures (SPEC.md §12) as pure functions over bytes: keys and key ids, the signature block, the signed
message, and the verification policy. Nothing here opens a model file; `container` pairs these with the
bytes it read."""
