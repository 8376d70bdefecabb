"""Paired binary outcomes: two campaigns run on the same seed and replications, compared
replication by replication.

Where two scenario variants (or two points of a sweep) run on the same seed, replication r of
one faces the same draws as replication r of the other, as far as their structure allows; their
``killed`` outcomes are paired, and the paired test (McNemar's) looks only at the replications
where they differ, which is far more sensitive than comparing two independent intervals.

    mcnemar(a, b)                      counts, exact p, chi-square, pk_b - pk_a and its interval
    mcnemar_counts(n11, n10, n01, n00) the same from the 2x2 counts (arrays broadcast)
    exact_mcnemar_p(n10, n01)          the exact two-sided p-value alone
    newcombe_paired_interval(...)      the interval alone
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import binom

__all__ = [
    "McNemar",
    "exact_mcnemar_p",
    "mcnemar",
    "mcnemar_counts",
    "newcombe_paired_interval",
]


@dataclass(frozen=True)
class McNemar:
    """Two paired binary outcomes, ``a`` and ``b`` (one per replication each).

    Counts: ``n11`` both killed, ``n10`` a killed and b not, ``n01`` b killed and a not, ``n00``
    neither; ``n`` pairs. ``pk_a``, ``pk_b``: the proportions killed; ``difference`` =
    ``pk_b - pk_a`` = ``(n01 - n10) / n``, and ``low``, ``high`` its interval (Newcombe's method
    10, ``newcombe_paired_interval``). ``p_value``: McNemar's exact two-sided p
    (``exact_mcnemar_p``). ``chi2``: McNemar's statistic ``(n10 - n01)^2 / (n10 + n01)``;
    ``chi2_corrected``: with Edwards' continuity correction, ``(|n10 - n01| - 1)^2 / (n10 +
    n01)``, the ``- 1`` stopping at 0 (both 0 where no pair is discordant). Scalars for one
    comparison; arrays of the batch's shape for a batch."""

    n11: Any
    n10: Any
    n01: Any
    n00: Any
    n: Any
    pk_a: Any
    pk_b: Any
    difference: Any
    low: Any
    high: Any
    p_value: Any
    chi2: Any
    chi2_corrected: Any


def exact_mcnemar_p(n10: ArrayLike, n01: ArrayLike) -> NDArray[np.float64]:
    """McNemar's exact two-sided p-value: under no difference each of the ``m = n10 + n01``
    discordant pairs falls either way with probability 1/2, so ``p = min(1, 2 P(X <= min(n10,
    n01)))``, X ~ Bin(m, 1/2); 1 where no pair is discordant.

    McNemar, "Note on the sampling error of the difference between correlated proportions or
    percentages", Psychometrika 12, 1947; the exact (conditional binomial) form as in Agresti,
    Categorical Data Analysis, 3rd ed. (2013), sec. 11.1."""
    n10 = np.asarray(n10, dtype=np.int64)
    n01 = np.asarray(n01, dtype=np.int64)
    m = n10 + n01
    tail = binom.cdf(np.minimum(n10, n01), m, 0.5)
    return np.minimum(1.0, 2.0 * np.asarray(tail, dtype=float))


def _wilson(successes: NDArray, trials: NDArray, z: float) -> tuple[NDArray, NDArray]:
    """Wilson's score interval, elementwise (``kaminari.report.summary.wilson_interval`` for
    arrays; E. B. Wilson, JASA 22, 1927): exact 0 and 1 at the ends, nan for no trials."""
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / trials
        denom = 1.0 + z * z / trials
        centre = (p + z * z / (2 * trials)) / denom
        half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    low = np.where(successes == 0, 0.0, np.maximum(0.0, centre - half))
    high = np.where(successes == trials, 1.0, np.minimum(1.0, centre + half))
    none = trials == 0
    return np.where(none, np.nan, low), np.where(none, np.nan, high)


def newcombe_paired_interval(
    n11: ArrayLike, n10: ArrayLike, n01: ArrayLike, n00: ArrayLike, confidence: float = 0.95
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The interval of ``pk_b - pk_a`` for paired proportions: Newcombe's method 10, the
    square-and-add (hybrid score) combination of the two Wilson score intervals, allowing for
    their correlation.

    With ``p_a = (n11 + n10)/n``, ``p_b = (n11 + n01)/n``, their Wilson intervals ``(l_a,
    u_a)``, ``(l_b, u_b)`` and ``D = p_b - p_a``: low = ``D - sqrt(dl_b^2 - 2 phi dl_b du_a +
    du_a^2)``, high = ``D + sqrt(du_b^2 - 2 phi du_b dl_a + dl_a^2)`` (``dl = p - l``, ``du =
    u - p``). ``phi`` estimates the correlation of the pairs from ``A = n11 n00 - n10 n01``:
    ``(A - n/2)/sqrt(product of the margins)`` where ``A > n/2``, 0 where ``0 <= A <= n/2``,
    ``A/sqrt(...)`` where ``A < 0``, and 0 where a margin is 0. Clipped to [-1, 1]; nan for no
    pairs.

    Newcombe, "Improved confidence intervals for the difference between binomial proportions
    based on paired data", Statistics in Medicine 17, 1998, 2635-2650 (method 10); the same
    rule in Fagerland, Lydersen and Laake, Statistical Analysis of Contingency Tables (2017),
    ch. 8 ("Newcombe square-and-add")."""
    n11, n10, n01, n00 = (np.asarray(x, dtype=float) for x in (n11, n10, n01, n00))
    n = n11 + n10 + n01 + n00
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    a_killed, b_killed = n11 + n10, n11 + n01
    low_a, high_a = _wilson(a_killed, n, z)
    low_b, high_b = _wilson(b_killed, n, z)
    with np.errstate(invalid="ignore", divide="ignore"):
        p_a, p_b = a_killed / n, b_killed / n
        margins = a_killed * (n01 + n00) * b_killed * (n10 + n00)
        cross = n11 * n00 - n10 * n01
        shrunk = np.where(cross > n / 2, cross - n / 2, np.where(cross >= 0, 0.0, cross))
        phi = np.where(margins > 0, shrunk / np.sqrt(np.where(margins > 0, margins, 1.0)), 0.0)
        d = p_b - p_a
        dl_a, du_a, dl_b, du_b = p_a - low_a, high_a - p_a, p_b - low_b, high_b - p_b
        low = d - np.sqrt(np.maximum(0.0, dl_b**2 - 2 * phi * dl_b * du_a + du_a**2))
        high = d + np.sqrt(np.maximum(0.0, du_b**2 - 2 * phi * du_b * dl_a + dl_a**2))
    return np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)


def _plain(x: NDArray) -> Any:
    """A 0-d array as a Python number; an array as it is."""
    return x.item() if x.ndim == 0 else x


def mcnemar_counts(
    n11: ArrayLike, n10: ArrayLike, n01: ArrayLike, n00: ArrayLike, confidence: float = 0.95
) -> McNemar:
    """``McNemar`` of paired outcomes given as their 2x2 counts (arrays broadcast together, for
    a batch): the exact p (McNemar 1947; Agresti, Categorical Data Analysis, 3rd ed., sec.
    11.1), the chi-square statistic with and without Edwards' continuity correction (Edwards,
    Psychometrika 13, 1948) and Newcombe's (1998, method 10) interval of ``pk_b - pk_a``."""
    n11, n10, n01, n00 = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.int64) for x in (n11, n10, n01, n00))
    )
    if any(np.any(x < 0) for x in (n11, n10, n01, n00)):
        raise ValueError("mcnemar_counts: a count is negative; allowed: counts >= 0")
    n = n11 + n10 + n01 + n00
    m = (n10 + n01).astype(float)
    gap = np.abs(n10 - n01).astype(float)
    safe_m = np.where(m > 0, m, 1.0)
    chi2 = np.where(m > 0, gap**2 / safe_m, 0.0)
    chi2_corrected = np.where(m > 0, np.maximum(gap - 1.0, 0.0) ** 2 / safe_m, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        pk_a = (n11 + n10) / n
        pk_b = (n11 + n01) / n
        difference = (n01 - n10) / n  # exactly 0 where no pair differs
    low, high = newcombe_paired_interval(n11, n10, n01, n00, confidence)
    return McNemar(
        *(_plain(x) for x in (n11, n10, n01, n00, n)),
        *(_plain(np.asarray(x, dtype=float)) for x in (pk_a, pk_b, difference, low, high)),
        _plain(exact_mcnemar_p(n10, n01)),
        _plain(chi2),
        _plain(chi2_corrected),
    )


def mcnemar(a: ArrayLike, b: ArrayLike, confidence: float = 0.95) -> McNemar:
    """McNemar's test of paired binary outcomes ``a`` and ``b`` (bool, the same replications in
    the same order along the last axis; leading axes are a batch of comparisons), with the
    difference ``pk_b - pk_a`` and its Newcombe interval: see ``McNemar`` and
    ``mcnemar_counts`` (McNemar, Psychometrika 12, 1947; exact form: Agresti, Categorical Data
    Analysis, 3rd ed., sec. 11.1; interval: Newcombe, Statistics in Medicine 17, 1998, method
    10)."""
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    if a.shape != b.shape or a.ndim == 0:
        raise ValueError(
            f"mcnemar: outcomes of shapes {a.shape} and {b.shape}; allowed: the same shape, "
            "replications along the last axis"
        )
    return mcnemar_counts(
        np.count_nonzero(a & b, axis=-1),
        np.count_nonzero(a & ~b, axis=-1),
        np.count_nonzero(~a & b, axis=-1),
        np.count_nonzero(~a & ~b, axis=-1),
        confidence,
    )
