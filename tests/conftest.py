"""Test-session set-up shared by every test file.

Under pytest-xdist (``make test`` runs the files over the cores) every worker keeps numba's
compiled-function cache in a folder of its own. numba's cache has no lock between processes
(its index is read, extended and written back by each): two workers compiling different
signatures of one function at the same moment into one folder can give both the same data
file, and one then loads the other's machine code. Seen from a fresh clone with a shared
folder: a segmentation fault in a compiled ufunc in every worker started after, until the
cache was deleted. The processes a
worker starts (a campaign's local workers) inherit its folder; the worker has compiled what
it needs before it starts them. Set before anything imports numba (pytest imports this file
before the test modules)."""

from __future__ import annotations

import os
from pathlib import Path

_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if _WORKER and "NUMBA_CACHE_DIR" not in os.environ:
    _ROOT = Path(__file__).resolve().parents[1]
    os.environ["NUMBA_CACHE_DIR"] = str(_ROOT / ".numba_cache" / _WORKER)
