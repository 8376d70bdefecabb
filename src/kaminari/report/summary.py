"""Campaign statistics from the result tables: probability of kill with its interval, shots,
the kill-chain timeline and miss distances."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

__all__ = ["ThreatSummary", "summarize", "summary_rows", "wilson_interval"]


def wilson_interval(
    successes: float, trials: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (E. B. Wilson, "Probable inference,
    the law of succession, and statistical inference", JASA 22, 1927; Agresti & Coull, The
    American Statistician 52, 1998, recommend it over the Wald interval for small n)."""
    if trials == 0:
        return (float("nan"), float("nan"))
    z = float(norm.ppf(0.5 + confidence / 2.0))
    p = successes / trials
    denom = 1.0 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    low = 0.0 if successes == 0 else max(0.0, centre - half)  # exact at the ends: no
    high = 1.0 if successes == trials else min(1.0, centre + half)  # rounding residue
    return (low, high)


@dataclass(frozen=True)
class ThreatSummary:
    """Statistics of one threat over the replications; times in s, distances in m."""

    threat: str
    reps: int
    kills: int
    pk: float
    pk_low: float
    pk_high: float
    leaks: int
    shots_mean: float
    shots_per_kill: float
    detect_t_s: float
    track_t_s: float
    first_shot_t_s: float
    kill_t_s: float
    kill_alt_m: float
    miss_median_m: float
    miss_p90_m: float
    first_shot_miss_median_m: float


def _median(x: NDArray) -> float:
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else float("nan")


def _first_of_each_rep(shots: dict[str, NDArray], rows: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Mask of each replication's first shot among ``rows``."""
    idx = np.flatnonzero(rows)
    first = np.zeros(rows.size, dtype=bool)
    if idx.size:
        order = idx[np.lexsort((shots["fire_t_s"][idx], shots["rep"][idx]))]
        _, at = np.unique(shots["rep"][order], return_index=True)
        first[order[at]] = True
    return first


def summarize(replications: dict[str, NDArray], shots: dict[str, NDArray]) -> list[ThreatSummary]:
    """One summary per threat, in the order the threats first appear."""
    names = list(dict.fromkeys(replications["threat"].tolist()))
    out = []
    for name in names:  # a handful of threats: a loop over table groups, not over data
        r = replications["threat"] == name
        s = shots["threat"] == name
        first = _first_of_each_rep(shots, s)
        kills = int(np.count_nonzero(replications["killed"][r]))
        reps = int(np.count_nonzero(r))
        lo, hi = wilson_interval(kills, reps)
        total = int(np.sum(replications["shots"][r]))
        miss = shots["miss_m"][s]
        out.append(
            ThreatSummary(
                threat=name,
                reps=reps,
                kills=kills,
                pk=kills / reps if reps else float("nan"),
                pk_low=lo,
                pk_high=hi,
                leaks=int(np.count_nonzero(replications["leaked"][r])),
                shots_mean=total / reps if reps else float("nan"),
                shots_per_kill=total / kills if kills else float("nan"),
                detect_t_s=_median(replications["detect_t_s"][r]),
                track_t_s=_median(replications["track_t_s"][r]),
                first_shot_t_s=_median(replications["first_shot_t_s"][r]),
                kill_t_s=_median(replications["kill_t_s"][r]),
                kill_alt_m=_median(replications["kill_alt_m"][r]),
                miss_median_m=_median(miss),
                miss_p90_m=float(np.percentile(miss[np.isfinite(miss)], 90))
                if np.isfinite(miss).any()
                else float("nan"),
                first_shot_miss_median_m=_median(shots["miss_m"][first]),
            )
        )
    return out


def _fmt(x: float | None, spec: str = ".1f") -> str:
    return "–" if x is None or not np.isfinite(x) else format(x, spec)


def summary_rows(rows: Sequence[ThreatSummary]) -> list[tuple[str, list[str]]]:
    """The summary as (label, one cell per threat) rows, for the terminal and the report alike;
    a label ending in ':' heads a group and a label starting with two spaces belongs to it."""
    return [
        ("replications", [f"{s.reps:,}" for s in rows]),
        ("Pk (killed before impact)", [f"{s.pk:.3f}" for s in rows]),
        ("  95 % interval (Wilson)", [f"{s.pk_low:.3f}–{s.pk_high:.3f}" for s in rows]),
        ("leaked", [f"{s.leaks:,}" for s in rows]),
        ("shots per replication", [_fmt(s.shots_mean, ".2f") for s in rows]),
        ("shots per kill", [_fmt(s.shots_per_kill, ".2f") for s in rows]),
        ("miss median / p90, m", [f"{_fmt(s.miss_median_m)} / {_fmt(s.miss_p90_m)}" for s in rows]),
        ("first-shot miss median, m", [_fmt(s.first_shot_miss_median_m) for s in rows]),
        ("timeline (medians, s):", ["" for _ in rows]),
        ("  first detection", [_fmt(s.detect_t_s) for s in rows]),
        ("  track confirmed", [_fmt(s.track_t_s) for s in rows]),
        ("  first shot", [_fmt(s.first_shot_t_s) for s in rows]),
        ("  kill", [_fmt(s.kill_t_s) for s in rows]),
        ("kill altitude median, km", [_fmt(s.kill_alt_m / 1e3, ".2f") for s in rows]),
    ]
