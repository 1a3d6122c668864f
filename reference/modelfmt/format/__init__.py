"""The format's vocabulary, with no I/O: error codes (SPEC.md §16), every limit (§5, §9.12), the strict
JSON subset and its canonical form (§4), names and reverse-DNS grammar (§7.3, §8.3), the dtype registry
(§6), the byte framing of preamble, alignment and end of file (§3), the exit statuses of the command
and of the conformance protocol, and how a string from a file is shown terminal-safe (§17.18). Every
other folder builds on this one."""
