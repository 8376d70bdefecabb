"""The result tables' arrow conversion: built from numpy buffers, it must equal what pyarrow's
own converter (``pa.array``, the independent reference) makes of the same columns, and write a
parquet file that reads back the same."""

import subprocess
import sys

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from kaminari.results.schema import TRUTH, _arrow_array, to_arrow


def _reference(values, kind):
    values = np.asarray(values)
    if kind == pa.string():
        values = values.astype(object)
    return pa.array(values, type=kind, from_pandas=False)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (np.array([1.5, np.nan, -3.0, np.inf]), pa.float64()),
        (np.array([1, 2, 3]), pa.float64()),  # ints into a float column
        (np.array([1, -2, 2**40]), pa.int64()),
        (np.array([True, False]), pa.int64()),
        (np.array([True, False, True, True, False, False, True, False, True, True]), pa.bool_()),
        (np.array(["hgv-1", "bé", "", "雷"], dtype=object), pa.string()),
        (np.array(["x", "yy"]), pa.string()),  # a numpy unicode array
        (np.array(["a", "a", "bé", "bé", "bé", "a", ""], dtype=object), pa.string()),  # runs
        (np.array(["x", "x", "x"]), pa.string()),  # one run, unicode
        (np.array(["a", "a", None, None, "a"], dtype=object), pa.string()),  # a run of None
        (np.array(["x", None], dtype=object), pa.string()),  # a None: the reference's path
        (np.array([], dtype=object), pa.string()),
        (np.array([], dtype=float), pa.float64()),
        (np.array([0.5, 2.0]), pa.int64()),  # a fraction into an int column: refused as before
    ],
)
def test_buffers_equal_pyarrows_own_conversion(values, kind):
    try:
        expected = _reference(values, kind)
    except pa.ArrowInvalid:
        with pytest.raises(pa.ArrowInvalid):
            _arrow_array(values, kind)
        return
    got = _arrow_array(values, kind)
    got.validate(full=True)
    assert got.type == kind
    assert got.null_count == expected.null_count
    if kind == pa.float64():  # NaN stays NaN, not null; equals() calls NaN unequal
        np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
    else:
        assert got.equals(expected)


def test_a_truth_table_round_trips_through_parquet(tmp_path):
    """Every TRUTH column, strings and booleans included, reads back what was written."""
    rng = np.random.default_rng(3)
    n = 1001  # not a multiple of 8: the booleans' last byte is partly used
    columns = {}
    for field in TRUTH:
        if field.type == pa.string():
            columns[field.name] = np.array(["glide", "dive", "hgv-ü"], dtype=object)[
                rng.integers(0, 3, n)
            ]
        elif field.type == pa.bool_():
            columns[field.name] = rng.random(n) < 0.5
        elif field.type == pa.int64():
            columns[field.name] = rng.integers(-1, 3, n)
        else:
            columns[field.name] = rng.normal(size=n)
    path = tmp_path / "truth.parquet"
    pq.write_table(to_arrow(TRUTH, columns), path)
    back = pq.read_table(path)
    assert back.schema.equals(TRUTH)
    for name, values in columns.items():
        assert back.column(name).to_pylist() == values.tolist()


def test_writing_a_table_does_not_import_pandas(tmp_path):
    """pa.array imports pandas on its first call (0.2-0.4 s of every process that writes a
    table); the buffers must not."""
    code = (
        "import sys, numpy as np, pyarrow.parquet as pq\n"
        "from kaminari.results.schema import TRUTH, to_arrow\n"
        "n = 5\n"
        "cols = {f.name: (np.array(['a'] * n, dtype=object) if str(f.type) == 'string' else\n"
        "        np.zeros(n, dtype=bool) if str(f.type) == 'bool' else np.zeros(n))\n"
        "        for f in TRUTH}\n"
        "cols['stage'] = np.zeros(n, dtype=np.int64)\n"
        f"pq.write_table(to_arrow(TRUTH, cols), {str(tmp_path / 't.parquet')!r})\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
