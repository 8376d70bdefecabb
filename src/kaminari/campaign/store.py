"""The result store: tables written as Parquet, atomically (write, then rename), so a crash
never leaves a half-written file that looks finished."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

__all__ = ["read_table", "write_table"]


def write_table(columns: dict[str, NDArray], path: Path) -> None:
    """Write equal-length columns to ``path`` as Parquet, via a temporary file and a rename."""
    table = pa.table({k: pa.array(np.asarray(v)) for k, v in columns.items()})
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def read_table(path: Path) -> dict[str, NDArray]:
    """Columns of a Parquet file as numpy arrays."""
    table = pq.read_table(path)
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}
