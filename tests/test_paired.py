"""``kaminari.report.paired``: McNemar's test and Newcombe's paired interval against textbook
examples, scipy's binomial test, identical outcomes and batches."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import binomtest
from scipy.stats import chi2 as chi2_dist

from kaminari.report.paired import exact_mcnemar_p, mcnemar, mcnemar_counts
from kaminari.report.summary import wilson_interval


def _outcomes(n11: int, n10: int, n01: int, n00: int, seed: int = 0):
    """Bool arrays a, b with these counts, in a shuffled order."""
    a = np.array([True] * n11 + [True] * n10 + [False] * n01 + [False] * n00)
    b = np.array([True] * n11 + [False] * n10 + [True] * n01 + [False] * n00)
    order = np.random.default_rng(seed).permutation(a.size)
    return a[order], b[order]


def test_agresti_presidential_approval():
    """Agresti, Categorical Data Analysis, 3rd ed., sec. 11.1: approval of the president in two
    surveys of the same 1,600 people, 794 approve both times, 150 first only, 86 second only,
    570 neither; z^2 = 17.36, the approval fell by 0.04 (0.59 to 0.55)."""
    r = mcnemar(*_outcomes(794, 150, 86, 570))
    assert (r.n11, r.n10, r.n01, r.n00, r.n) == (794, 150, 86, 570, 1600)
    assert r.pk_a == pytest.approx(0.59) and r.pk_b == pytest.approx(0.55)
    assert r.difference == pytest.approx(-0.04)  # pk_b - pk_a: the second survey minus the first
    assert r.chi2 == pytest.approx(17.36, abs=0.005)
    assert r.chi2_corrected == pytest.approx(63**2 / 236)
    assert r.p_value == pytest.approx(3.7e-5, rel=0.02)  # exact; the chi-square's is 3.1e-5
    assert chi2_dist.sf(r.chi2, 1) == pytest.approx(3.1e-5, rel=0.03)
    # Agresti's Wald interval is (-0.06, -0.02); Newcombe's score-based one lies close to it
    assert r.low == pytest.approx(-0.0587, abs=5e-4) and r.high == pytest.approx(-0.0212, abs=5e-4)


def test_newcombe_interval_of_fagerland_lydersen_laake():
    """Fagerland, Lydersen and Laake, Statistical Analysis of Contingency Tables (2017), ch. 8:
    complete response before (rows) and after (columns) consolidation therapy, Cavo et al. 2012,
    counts (59, 6, 16, 80); the book gives the first proportion minus the second, -0.0621, with
    the Newcombe square-and-add interval -0.1186 to -0.0046, and McNemar's test with continuity
    correction Z = 1.919, P = 0.055009. Here the difference is the second minus the first: the
    same interval, negated."""
    r = mcnemar_counts(59, 6, 16, 80)
    assert r.difference == pytest.approx(0.0621, abs=5e-5)
    assert r.low == pytest.approx(0.0046, abs=5e-5) and r.high == pytest.approx(0.1186, abs=5e-5)
    assert np.sqrt(r.chi2_corrected) == pytest.approx(1.919, abs=5e-4)
    assert chi2_dist.sf(r.chi2_corrected, 1) == pytest.approx(0.055009, abs=5e-7)
    swapped = mcnemar_counts(59, 16, 6, 80)  # a and b the other way round: the mirror image
    assert (swapped.low, swapped.high) == pytest.approx((-r.high, -r.low))
    assert swapped.p_value == r.p_value


def test_newcombe_interval_with_uncorrelated_pairs_is_the_square_and_add_of_wilson():
    """Where the pairs carry no correlation (phi = 0), method 10 is the plain square-and-add of
    the two Wilson intervals (Newcombe's method 10 of the independent-samples paper, Statistics
    in Medicine 17, 1998, 873): checked against ``summary.wilson_interval`` computed apart."""
    n11, n10, n01, n00 = 10, 10, 20, 20  # n11 n00 - n10 n01 = 0
    r = mcnemar_counts(n11, n10, n01, n00)
    n = n11 + n10 + n01 + n00
    p_a, p_b = (n11 + n10) / n, (n11 + n01) / n
    (l_a, u_a), (l_b, u_b) = wilson_interval(n11 + n10, n), wilson_interval(n11 + n01, n)
    assert r.low == pytest.approx(p_b - p_a - np.hypot(p_b - l_b, u_a - p_a))
    assert r.high == pytest.approx(p_b - p_a + np.hypot(u_b - p_b, p_a - l_a))


@pytest.mark.parametrize(
    ("n10", "n01"), [(0, 0), (0, 1), (3, 9), (9, 3), (12, 12), (40, 61), (0, 25), (150, 86)]
)
def test_exact_p_is_scipys_two_sided_binomial_test_on_the_discordant_pairs(n10, n01):
    expected = 1.0 if n10 + n01 == 0 else binomtest(n10, n10 + n01, 0.5).pvalue
    assert exact_mcnemar_p(n10, n01) == pytest.approx(expected, rel=1e-9)
    assert mcnemar_counts(5, n10, n01, 7).p_value == pytest.approx(expected, rel=1e-9)


def test_identical_outcomes_differ_by_exactly_zero_with_p_one():
    a, _ = _outcomes(30, 0, 0, 10)
    r = mcnemar(a, a.copy())
    assert r.difference == 0.0 and r.p_value == 1.0
    assert r.chi2 == 0.0 and r.chi2_corrected == 0.0
    assert r.low < 0.0 < r.high
    all_killed = mcnemar(np.ones(8, bool), np.ones(8, bool))
    assert all_killed.difference == 0.0 and all_killed.p_value == 1.0
    assert -1.0 <= all_killed.low <= 0.0 <= all_killed.high <= 1.0


def test_a_batch_is_the_comparisons_one_by_one():
    rng = np.random.default_rng(7)
    a = rng.random((4, 50)) < [[0.2], [0.5], [0.7], [0.9]]
    b = a ^ (rng.random((4, 50)) < 0.15)
    batch = mcnemar(a, b)
    assert batch.p_value.shape == (4,)
    for k in range(4):
        one = mcnemar(a[k], b[k])
        for name in ("n10", "n01", "difference", "low", "high", "p_value", "chi2_corrected"):
            assert getattr(batch, name)[k] == pytest.approx(getattr(one, name))


def test_bad_shapes_and_counts_are_refused():
    with pytest.raises(ValueError, match="the same shape"):
        mcnemar(np.ones(3, bool), np.ones(4, bool))
    with pytest.raises(ValueError, match="negative"):
        mcnemar_counts(1, -1, 0, 0)
