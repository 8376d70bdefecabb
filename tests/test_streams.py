"""Counter-based streams keyed by (seed, replication, part): distribution and independence.

Authorities: the Kolmogorov-Smirnov test (scipy.stats.kstest) against the uniform and standard
normal distributions; Pearson correlation between streams, whose standard error for n pairs of
independent draws is 1/sqrt(n).
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from kaminari.streams import normals, part_key, uniforms


def test_uniforms_are_uniform_on_the_open_interval() -> None:
    u = uniforms(7, "threat:hgv-1", np.arange(20_000), 10).ravel()
    assert (u > 0.0).all() and (u < 1.0).all()
    assert stats.kstest(u, "uniform").pvalue > 0.01


def test_normals_are_standard_normal() -> None:
    z = normals(3, "threat:hgv-1", np.arange(50_000), 4)
    assert stats.kstest(z.ravel(), "norm").pvalue > 0.01
    # each draw index on its own, across replications, is standard normal too
    for i in range(4):
        assert stats.kstest(z[:, i], "norm").pvalue > 0.001


def test_a_draw_depends_on_its_replication_and_part_only() -> None:
    a = normals(11, "threat:a", np.arange(100, 200), 6)
    b = normals(11, "threat:a", np.array([150, 101]), 6)
    np.testing.assert_array_equal(b[0], a[50])
    np.testing.assert_array_equal(b[1], a[1])
    # more draws per replication: the first ones are unchanged
    c = normals(11, "threat:a", np.arange(100, 200), 9)
    np.testing.assert_array_equal(c[:, :6], a)


@pytest.mark.parametrize(
    ("seed_b", "part_b", "shift"),
    [(12, "threat:a", 0), (11, "threat:b", 0), (11, "threat:a", 1)],
)
def test_other_seeds_parts_and_replications_are_independent(
    seed_b: int, part_b: str, shift: int
) -> None:
    n = 40_000
    a = normals(11, "threat:a", np.arange(n), 2)
    b = normals(seed_b, part_b, np.arange(n) + shift, 2)
    for i in range(2):
        r = np.corrcoef(a[:, i], b[:, i])[0, 1]
        assert abs(r) < 4.0 / np.sqrt(n)  # four standard errors
    # neighbouring draw indices within a replication are uncorrelated as well
    assert abs(np.corrcoef(a[:, 0], a[:, 1])[0, 1]) < 4.0 / np.sqrt(n)


def test_part_keys_and_draws_are_the_same_in_another_process() -> None:
    """A part's key is a BLAKE2b digest of its name, not Python's salted ``hash``: another
    process, with another hash seed, draws exactly the same numbers."""
    code = (
        "from kaminari.streams import normals, part_key; "
        "print(part_key('threat:hgv-1'), repr(float(normals(1, 'threat:hgv-1', [7], 1)[0, 0])))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout.split()  # fmt: skip
    assert int(out[0]) == part_key("threat:hgv-1")
    assert float(out[1]) == normals(1, "threat:hgv-1", [7], 1)[0, 0]
    assert part_key("threat:hgv-1") != part_key("threat:hgv-2")


def test_bad_seed_or_replication_is_refused() -> None:
    with pytest.raises(ValueError, match="seed"):
        uniforms(-1, "x", [0], 1)
    with pytest.raises(ValueError, match="replication"):
        uniforms(0, "x", [-1], 1)
