"""The numpy reference runtime (SPEC.md §9.11): `modelfmt.run` executes a file's graph with the op set's
kernels. It sits above the container, which it uses to open the file."""
