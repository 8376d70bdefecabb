"""The result store: tables written as Parquet, atomically (write, flush to disk, then rename),
so a crash never leaves a half-written file that looks finished; a small JSON manifest written
the same way; and a streaming merge of many Parquet files into one."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

from kaminari.results.schema import to_arrow

__all__ = [
    "merge_tables",
    "read_json",
    "read_table",
    "write_json",
    "write_table",
    "write_text",
]

ROW_GROUP_ROWS = 65_536
"""Rows gathered into one row group of a merged file (many small chunks, few row groups)."""


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def _commit(tmp: Path, path: Path) -> None:
    """Flush ``tmp`` to disk, then rename it to ``path`` (atomic on POSIX and Windows)."""
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_table(columns: dict[str, NDArray], path: Path, schema: pa.Schema | None = None) -> None:
    """Write equal-length columns to ``path`` as Parquet, via a temporary file and a rename;
    with ``schema`` (``kaminari.results``), exactly its columns, in its order and types."""
    if schema is not None:
        table = to_arrow(schema, columns)
    else:
        table = pa.table({k: pa.array(np.asarray(v)) for k, v in columns.items()})
    tmp = _temporary(path)
    pq.write_table(table, tmp, use_dictionary=_labels(table.schema))
    _commit(tmp, path)


def _labels(schema: pa.Schema) -> list[str]:
    """The columns worth Parquet's dictionary encoding: the names (threats, phases, sensors),
    few distinct values each. On floats the encoder only spends time: 660,000 flyout rows write
    in 0.18 s instead of 0.33 s, and 4 % smaller."""
    return [field.name for field in schema if pa.types.is_string(field.type)]


def read_table(path: Path, columns: Sequence[str] | None = None) -> dict[str, NDArray]:
    """Columns of a Parquet file as numpy arrays (all of them, or only ``columns``)."""
    table = pq.read_table(path, columns=None if columns is None else list(columns))
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def write_text(text: str, path: Path) -> None:
    """Write ``text`` (UTF-8) to ``path``, via a temporary file and a rename."""
    tmp = _temporary(path)
    tmp.write_text(text, encoding="utf-8")
    _commit(tmp, path)


def write_json(data: dict[str, Any], path: Path) -> None:
    """Write ``data`` as JSON, one top-level key a line, via a temporary file and a rename."""
    lines = (f" {json.dumps(key)}: {json.dumps(value)}" for key, value in data.items())
    write_text("{\n" + ",\n".join(lines) + "\n}\n", path)


def read_json(path: Path) -> Any:
    """The JSON document in ``path`` (raises OSError or ValueError as ``json`` does)."""
    return json.loads(path.read_text(encoding="utf-8"))


def merge_tables(parts: Iterable[Path], path: Path) -> int:
    """Concatenate Parquet files, in the order given, into ``path``; returns its row count.

    One part at a time is read (memory stays flat however many parts there are), and rows are
    written in row groups of about ``ROW_GROUP_ROWS``. Empty parts are skipped, since their
    columns may lack a type (an empty object column is Parquet's null type); where every part
    is empty, the first is copied. The file appears under its name only once complete.
    """
    tmp = _temporary(path)
    writer: pq.ParquetWriter | None = None
    first_empty: pa.Table | None = None
    pending: list[pa.Table] = []
    rows = buffered = 0

    def flush() -> None:
        assert writer is not None
        writer.write_table(pa.concat_tables(pending))
        pending.clear()

    try:
        for part in parts:
            table = pq.read_table(part)
            if table.num_rows == 0:
                first_empty = table if first_empty is None else first_empty
                continue
            if writer is None:
                writer = pq.ParquetWriter(
                    tmp, table.schema, use_dictionary=_labels(table.schema)
                )
            pending.append(table.cast(writer.schema))
            rows += table.num_rows
            buffered += table.num_rows
            if buffered >= ROW_GROUP_ROWS:
                flush()
                buffered = 0
        if writer is None:
            pq.write_table(first_empty if first_empty is not None else pa.table({}), tmp)
        elif pending:
            flush()
    except BaseException:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
        raise
    if writer is not None:
        writer.close()
    _commit(tmp, path)
    return rows
