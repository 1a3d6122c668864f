"""The format's vocabulary, with no I/O: error codes (SPEC.md §16), limits (§5), the strict JSON subset and
its canonical form (§4), names and reverse-DNS grammar (§7.3, §8.3), the dtype registry (§6) and the byte
framing of preamble, alignment and end of file (§3). Every other folder builds on this one."""
