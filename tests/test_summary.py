"""Campaign statistics: the Wilson interval against its definition and published values."""

import numpy as np
import pytest
from scipy.stats import norm

from kaminari.report.summary import summarize, wilson_interval


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    # R. G. Newcombe, "Two-sided confidence intervals for the single proportion", Statistics
    # in Medicine 17 (1998), table II, method 3 (Wilson score, no continuity correction)
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611),
     (1, 29, 0.0061, 0.1718)],
)
def test_wilson_interval_matches_newcombe_1998(x, n, low, high):
    lo, hi = wilson_interval(x, n)
    assert lo == pytest.approx(low, abs=1e-4)
    assert hi == pytest.approx(high, abs=1e-4)


@pytest.mark.parametrize(("x", "n"), [(3, 10), (50, 200), (199, 200), (7, 1000)])
def test_wilson_bounds_solve_the_score_equation(x, n):
    """By definition (Wilson 1927) the bounds are the p where |x/n - p| = z sqrt(p (1-p) / n)."""
    z = norm.ppf(0.975)
    for p in wilson_interval(x, n):
        assert abs(x / n - p) == pytest.approx(z * np.sqrt(p * (1 - p) / n), rel=1e-9)


def test_summary_counts_kills_shots_and_first_shots():
    reps = {
        "threat": np.array(["a", "a", "a", "a"], dtype=object),
        "killed": np.array([True, False, True, False]),
        "leaked": np.array([False, True, False, True]),
        "shots": np.array([2, 1, 1, 0]),
        "detect_t_s": np.array([1.0, 2.0, 3.0, 4.0]),
        "track_t_s": np.array([2.0, 3.0, 4.0, 5.0]),
        "first_shot_t_s": np.array([10.0, 11.0, 12.0, np.nan]),
        "kill_t_s": np.array([13.0, np.nan, 15.0, np.nan]),
        "kill_alt_m": np.array([1000.0, np.nan, 3000.0, np.nan]),
    }
    shots = {
        "threat": np.array(["a", "a", "a", "a"], dtype=object),
        "rep": np.array([0, 0, 1, 2]),
        "fire_t_s": np.array([11.0, 10.0, 11.0, 12.0]),
        "miss_m": np.array([3.0, 9.0, 20.0, 1.0]),
    }
    (s,) = summarize(reps, shots)
    assert (s.reps, s.kills, s.leaks) == (4, 2, 2)
    assert s.pk == 0.5 and s.pk_low == pytest.approx(wilson_interval(2, 4)[0])
    assert s.shots_mean == 1.0 and s.shots_per_kill == 2.0
    assert s.first_shot_miss_median_m == 9.0  # reps 0, 1, 2 first shots: 9, 20, 1
    assert s.kill_alt_m == 2000.0
