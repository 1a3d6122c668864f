"""modelfmt files (SPEC.md §7-8, §13-14): the header and tensor table, the opened file (`_opened`: phases
1-4 of §13 once, for every reader below), the reader (`load_file`, `load`, `safe_open`, `read_header`), the
writer (`save_file`, `save`, `StreamWriter`), digests, atomic writes and signed files (`sign_file`,
`verify_file`)."""
