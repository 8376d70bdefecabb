"""Campaign statistics: the Wilson interval against its definition and published values."""

import numpy as np
import pytest
from scipy.stats import norm

from kaminari.report.summary import (
    raid_heading,
    raid_rows,
    summarize,
    summarize_raid,
    wilson_interval,
)


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


# --- a raid --------------------------------------------------------------------------------


def _raid_tables() -> tuple[dict, dict]:
    """Four replications of two threats; rep 3 fires no round at all."""
    reps = {
        "rep": np.array([0, 0, 1, 1, 2, 2, 3, 3]),
        "threat": np.array(["hgv-1", "hgv-2"] * 4, dtype=object),
        "killed": np.array([True, True, True, False, False, False, True, True]),
        "leaked": np.array([False, False, False, True, True, True, False, False]),
        "false_tracks": np.array([0, 0, 2, 2, 1, 1, 0, 0]),
    }
    shots = {
        "rep": np.array([0, 0, 0, 1, 1, 1, 2]),
        "battery": np.array(["gun", "gun", "gun-2", "gun", "gun", "gun", "gun-2"], dtype=object),
        "threat": np.array(["hgv-1", "hgv-2", "hgv-2", "hgv-1", "", "hgv-2", ""], dtype=object),
    }
    return reps, shots


def test_raid_summary_counts_kills_leakers_rounds_and_false_tracks():
    reps, shots = _raid_tables()
    raid = summarize_raid(reps, shots, {"gun": 3, "gun-2": 40, "idle": 10})
    assert raid.threats == ("hgv-1", "hgv-2") and raid.reps == 4
    assert raid.killed_reps == (1, 1, 2)  # rep 2 none, rep 1 one, reps 0 and 3 both
    assert raid.leakers_mean == 0.75 and raid.leakers_any == 0.5
    gun, gun2, idle = raid.rounds
    assert (gun.battery, gun.mean, gun.most, gun.magazine, gun.emptied) == ("gun", 1.25, 3, 3, 1)
    assert (gun2.mean, gun2.most, gun2.emptied) == (0.5, 1, 0)
    assert (idle.battery, idle.mean, idle.most) == ("idle", 0.0, 0)  # listed, never fired
    assert raid.false_tracks_mean == 0.75 and raid.false_tracks_any == 0.5
    assert raid.rounds_at_no_threat == 2


def test_raid_rows_read_as_the_brief_asks():
    reps, shots = _raid_tables()
    rows = dict(raid_rows(summarize_raid(reps, shots, {"gun": 3, "gun-2": 40})))
    assert rows["threats killed per replication"] == "0: 25 %, 1: 25 %, 2: 50 %"
    assert rows["leakers per replication"] == "0.75; at least one in 50 % of replications"
    assert rows["rounds used, gun"] == (
        "1.25 per replication, at most 3 of a magazine of 3 (emptied in 25 % of replications)"
    )
    assert rows["rounds used, gun-2"] == "0.50 per replication, at most 1 of a magazine of 40"
    assert rows["false tracks"] == (
        "0.75 per replication, in 50 % of replications; 2 rounds fired at them"
    )


def test_one_threat_keeps_its_summary_and_adds_only_false_tracks_that_happened():
    reps, shots = _raid_tables()
    one = {k: v[reps["threat"] == "hgv-1"] for k, v in reps.items()}
    aimed = {k: v[shots["threat"] == "hgv-1"] for k, v in shots.items()}
    quiet = {**one, "false_tracks": np.zeros(4, dtype=np.int64)}
    assert raid_rows(summarize_raid(quiet, aimed, {"gun": 40})) == []
    raid = summarize_raid(one, shots, {"gun": 40})
    assert [label for label, _ in raid_rows(raid)] == ["false tracks"]
    assert raid_heading(raid) == "False tracks"
    assert raid_heading(summarize_raid(reps, shots)) == "The raid, replication by replication"


@pytest.mark.parametrize(
    ("share", "text"),
    [(0.0, "0 %"), (0.001, "<1 %"), (0.3749, "37 %"), (0.996, ">99 %"), (1.0, "100 %")],
)
def test_a_rare_share_is_never_rounded_to_none_or_all(share, text):
    from kaminari.report.summary import _percent

    assert _percent(share) == text
