"""modelfmt files (SPEC.md §7-8, §13-14): the header and tensor table, the reader (`load_file`, `load`,
`safe_open`, `read_header`), the writer (`save_file`, `save`, `StreamWriter`), digests, atomic writes and
signed files (`sign_file`, `verify_file`)."""
