"""The core: the SQLite store and everything that reads into it or out of it (no Textual)."""

import os

# numpy (imported by sqlite-utils and used by the simhash) starts OpenBLAS's thread
# pool on import, whose threads spin on every core: about 0.06 CPU s a process, and
# an import's writer and workers never call BLAS. Set before any store module can
# import numpy; a value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
