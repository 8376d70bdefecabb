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

from kaminari.streams import Streams, normals, part_key, uniforms


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


def test_batch_streams_give_the_draws_of_the_functions_for_the_same_key() -> None:
    """``Streams`` takes draws by (local replication, index); they are the draws ``uniforms``
    and ``normals`` give for the same (seed, part, global replication, index), whatever else
    the batch asks for."""
    reps = np.array([5, 9, 12])
    draws = Streams(4, reps)
    u = uniforms(4, "radar:r@1.0", reps, 6)
    z = normals(4, "radar:r@1.0", reps, 6)
    rep = np.array([[2], [0]])
    index = np.array([[5, 1, 3]])
    np.testing.assert_array_equal(draws.uniform("radar:r@1.0", rep, index), u[rep, index])
    np.testing.assert_array_equal(draws.normal("radar:r@1.0", rep, index), z[rep, index])
    alone = Streams(4, reps[2:]).normal("radar:r@1.0", [0], [3])
    np.testing.assert_array_equal(alone, z[2, [3]])


def test_a_members_draws_do_not_depend_on_the_other_members() -> None:
    """Each member (a round) draws from its own stream, call after call: a member taken alone
    (``take``) or in another batch of rounds gets the same numbers; rounds of other numbers or
    replications get independent ones (correlation within 4 standard errors)."""
    draws = Streams(1, np.arange(100, 110))
    rep = np.repeat(np.arange(10), 2)
    serial = np.tile([0, 1], 10)
    batch = draws.members("battery:b:fire", rep, serial)
    first = batch.standard_normal((20, 3))
    second = batch.random(20)
    lone = draws.members("battery:b:fire", rep[[7]], serial[[7]])
    np.testing.assert_array_equal(lone.standard_normal((1, 3)), first[[7]])
    np.testing.assert_array_equal(lone.random(1), second[[7]])
    kept = draws.members("battery:b:fire", rep, serial).take([3, 11])
    np.testing.assert_array_equal(kept.standard_normal((2, 3)), first[[3, 11]])
    with pytest.raises(ValueError, match="members"):
        batch.random((3,))
    many = Streams(2, np.arange(2_000)).members("battery:b:kill", np.arange(2_000), np.zeros(2_000))
    other = Streams(2, np.arange(2_000)).members("battery:b:kill", np.arange(2_000), np.ones(2_000))
    a, b = many.standard_normal((2_000, 1))[:, 0], other.standard_normal((2_000, 1))[:, 0]
    assert abs(np.corrcoef(a, b)[0, 1]) < 4.0 / np.sqrt(2_000)
    assert stats.kstest(a, "norm").pvalue > 0.01


def test_poisson_counts_by_inversion_follow_the_poisson_law() -> None:
    """Counts by inverting a stream's uniforms against the Poisson CDF: their frequencies over
    40,000 replications match the Poisson pmf (Pearson chi-square, p > 0.01)."""
    mean = 2.5
    counts = Streams(3, np.arange(40_000)).poisson("clutter", np.arange(40_000), 0, mean)
    k = np.arange(8)
    observed = np.array([np.sum(counts == i) for i in k] + [np.sum(counts >= 8)])
    expected = 40_000 * np.r_[stats.poisson.pmf(k, mean), stats.poisson.sf(7, mean)]
    assert stats.chisquare(observed, expected).pvalue > 0.01
