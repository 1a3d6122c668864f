"""`check`: whether a file is a valid modelfmt file, and when it is not, what it really is (a truncated
download, a git-lfs pointer, an HTML error page, another model format); `check --strict` findings."""
