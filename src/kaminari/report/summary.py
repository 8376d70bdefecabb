"""Campaign statistics from the result tables: per threat, the probability of kill with its
interval, shots, the kill-chain timeline and miss distances (``summarize``, ``summary_rows``);
per raid, the threats killed and the leakers per replication, the rounds each battery used and
the false tracks (``summarize_raid``, ``raid_rows``). The terminal (``kaminari run``) and the
HTML report print the same rows. ``COLUMNS``: what these read of each table.

A dispersed threat (scenario ``threats[].dispersion``) flies its own path in each replication;
``impact_spreads`` finds such threats in the table itself (their flight impact points,
``flight_impact_lat_deg`` / ``_lon_deg``, are not all one point) and measures the empirical CEP:
the median great-circle distance of those points from the threat's dive target
(``dive_targets``), or from their mean point where it has none. A table without those columns
(a run from before dispersion) has no spread, and its summary is as it was."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from kaminari.earth.geodesy import ground_range_m

if TYPE_CHECKING:
    from kaminari.scenario import Scenario

__all__ = [
    "COLUMNS",
    "FLIGHT_IMPACT",
    "OUTCOME",
    "SENSING",
    "BatteryRounds",
    "ImpactSpread",
    "RaidSummary",
    "ThreatSummary",
    "dive_targets",
    "impact_spreads",
    "raid_heading",
    "raid_rows",
    "summarize",
    "summarize_raid",
    "summary_rows",
    "wilson_interval",
]

SENSING = ("detect_sensor", "fc_track_t_s", "handover_t_s", "handover_error_m")
"""How the sensors found each threat: who saw it first, when its track was first good enough
for fire control, when the battery's radar first saw it and how far off the track cued it.
Read where a table has them (a run from before the space layer has not)."""

OUTCOME = ("cost_usd", "defended", "debris_distance_m", "engagement_window_s")
"""What each threat's engagement cost and whether its kill defended: read where a table has
them (a run from before effectors had costs has not)."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "replications": (
        "rep", "threat", "killed", "leaked", "shots", "detect_t_s", "track_t_s",
        "first_shot_t_s", "kill_t_s", "kill_alt_m", "false_tracks", "flight_impact_lat_deg",
        "flight_impact_lon_deg", *SENSING, *OUTCOME,
    ),
    "shots": ("rep", "battery", "threat", "fire_t_s", "miss_m"),
}  # fmt: skip
"""The columns of ``replications.parquet`` and ``shots.parquet`` that ``summarize`` and
``summarize_raid`` read: all that a caller needs to load (a table from before dispersion lacks
the ``FLIGHT_IMPACT`` columns: ``summarize`` does without them)."""

FLIGHT_IMPACT = ("flight_impact_lat_deg", "flight_impact_lon_deg")
"""Where each (replication, threat)'s own flight reaches the ground, killed or not."""



SAME_POINT_DEG = 1e-7
"""Flight impact points within this of one another (about 1 cm) are one point: the threat flew
the same path in every replication (no dispersion)."""


def wilson_interval(
    successes: float, trials: float, confidence: float = 0.95
) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (E. B. Wilson, "Probable inference,
    the law of succession, and statistical inference", JASA 22, 1927; Agresti & Coull, The
    American Statistician 52, 1998, recommend it over the Wald interval for small n)."""
    if trials == 0:
        return (float("nan"), float("nan"))
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
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
    impact_cep_m: float = float("nan")
    """Empirical CEP of a dispersed threat's flight impact points about ``impact_about`` (NaN:
    not dispersed)."""
    impact_about: str = ""
    """What the CEP is measured from: the dive target's name, or "mean point"."""
    impact_n: int = 0
    """Replications whose flight reached the ground (0: not dispersed)."""
    detect_sensor: str = ""
    """The sensor that most often made the first detection ("" not known)."""
    fc_track_t_s: float = float("nan")
    """Median time of the first fire-control-quality track."""
    handover_t_s: float = float("nan")
    """Median time the handover radar (nearest the first battery) first saw the threat."""
    handover_error_m: float = float("nan")
    """Median error of the track's cue to the handover radar then."""
    defended: int = -1
    """Replications in which the threat was killed with its debris beyond every keep-out
    radius (-1: not known)."""
    debris_median_m: float = float("nan")
    engagement_window_s: float = float("nan")
    """Median time from the first shot to the end of the threat's own flight, s."""
    """Median distance of a kill's debris from the nearest defended point."""
    cost_usd: float = float("nan")
    """Total cost of the rounds fired at the threat over the replications."""
    threat_cost_usd: float = float("nan")
    """What one such threat costs its owner (scenario ``threats[].cost_usd``)."""

    @property
    def cost_per_rep_usd(self) -> float:
        return self.cost_usd / self.reps if self.reps else float("nan")

    @property
    def cost_per_kill_usd(self) -> float:
        return self.cost_usd / self.kills if self.kills else float("nan")

    @property
    def cost_per_defended_usd(self) -> float:
        return self.cost_usd / self.defended if self.defended > 0 else float("nan")

    @property
    def cost_exchange(self) -> float:
        """The defence's cost per threat killed over one threat's cost: below 1, the defence
        spends less than the attacker loses."""
        return self.cost_per_kill_usd / self.threat_cost_usd


# --- a dispersed threat's impact points ----------------------------------------------------


@dataclass(frozen=True)
class ImpactSpread:
    """Where a dispersed threat's own flight reached the ground in each replication in which it
    did (degrees; ``killed``: the threat was killed on the way), and the empirical CEP
    (``cep_m``, the median distance of those points from the centre ``centre_lat_deg``,
    ``centre_lon_deg``, named ``about``)."""

    threat: str
    lat_deg: NDArray[np.float64]
    lon_deg: NDArray[np.float64]
    killed: NDArray[np.bool_]
    centre_lat_deg: float
    centre_lon_deg: float
    about: str
    cep_m: float
    on_target: bool
    """The centre is the threat's dive target (else the points' mean point)."""


def dive_targets(scenario: Scenario) -> dict[str, tuple[float, float, str]]:
    """Each threat's dive target (latitude, longitude in degrees, and its name: the defended
    point's, or "dive target" for one given by coordinates), for the threats that dive; a
    raid's threats share their entry's."""
    out = {}
    for entry in scenario.threats:
        plan = scenario.dive_plan(entry)
        if plan is None:
            continue
        dive = entry.guidance.dive
        name = dive.target if dive is not None and dive.target else "dive target"
        point = (math.degrees(plan.target_lat_rad), math.degrees(plan.target_lon_rad), name)
        out.update(dict.fromkeys(entry.names(), point))
    return out


def _mean_point(lat_deg: NDArray, lon_deg: NDArray) -> tuple[float, float]:
    """The mean of points on the sphere (of their unit vectors: right across the antimeridian)."""
    lat, lon = np.radians(lat_deg), np.radians(lon_deg)
    x, y, z = (float(np.mean(v)) for v in
               (np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)))  # fmt: skip
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))


def impact_spreads(
    replications: Mapping[str, NDArray],
    targets: Mapping[str, tuple[float, float, str]] | None = None,
) -> dict[str, ImpactSpread]:
    """The spread of each dispersed threat's flight impact points, in the order the threats
    first appear: a threat whose finite points are not all one point (``SAME_POINT_DEG``). The
    CEP is about the threat's dive target in ``targets`` (``dive_targets``), else about the
    points' mean point. Empty for a table without the ``FLIGHT_IMPACT`` columns."""
    if not all(c in replications for c in FLIGHT_IMPACT):
        return {}
    targets = targets or {}
    names = np.asarray(replications["threat"]).astype(str)
    lat_all = np.asarray(replications[FLIGHT_IMPACT[0]], dtype=float)
    lon_all = np.asarray(replications[FLIGHT_IMPACT[1]], dtype=float)
    killed_all = np.asarray(replications["killed"], dtype=bool)
    ok = np.isfinite(lat_all) & np.isfinite(lon_all)
    out = {}
    for name in dict.fromkeys(names.tolist()):  # a handful of threats: a loop over groups
        rows = (names == name) & ok
        lat, lon = lat_all[rows], lon_all[rows]
        wrapped = (lon - lon[:1] + 180.0) % 360.0 - 180.0 if lon.size else lon
        if lat.size < 2 or max(np.ptp(lat), np.ptp(wrapped)) <= SAME_POINT_DEG:
            continue
        if name in targets:
            lat_c, lon_c, about = targets[name]
        else:
            (lat_c, lon_c), about = _mean_point(lat, lon), "mean point"
        radial = ground_range_m(
            math.radians(lat_c), math.radians(lon_c), np.radians(lat), np.radians(lon)
        )
        out[name] = ImpactSpread(
            threat=name,
            lat_deg=lat,
            lon_deg=lon,
            killed=killed_all[rows],
            centre_lat_deg=float(lat_c),
            centre_lon_deg=float(lon_c),
            about=about,
            cep_m=float(np.median(radial)),
            on_target=name in targets,
        )
    return out


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


def summarize(
    replications: Mapping[str, NDArray],
    shots: Mapping[str, NDArray],
    targets: Mapping[str, tuple[float, float, str]] | None = None,
    threat_costs: Mapping[str, float] | None = None,
) -> list[ThreatSummary]:
    """One summary per threat, in the order the threats first appear; a dispersed threat's
    with the CEP of its flight impact points (``impact_spreads``: about its dive target in
    ``targets``, else about their mean point); ``threat_costs``: each threat's own cost (for
    the cost-exchange ratio)."""
    names = list(dict.fromkeys(replications["threat"].tolist()))
    spreads = impact_spreads(replications, targets)
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
        spread = spreads.get(name)
        sensing = _sensing(replications, r)
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
                impact_cep_m=spread.cep_m if spread else float("nan"),
                impact_about=spread.about if spread else "",
                impact_n=spread.lat_deg.size if spread else 0,
                **sensing,
                **_outcome(replications, r),
                threat_cost_usd=float((threat_costs or {}).get(name, float("nan"))),
            )
        )
    return out


def _outcome(replications: Mapping[str, NDArray], r: NDArray[np.bool_]) -> dict[str, Any]:
    """The ``OUTCOME`` fields of one threat's rows ``r``, those the table has."""
    out: dict[str, Any] = {}
    if "cost_usd" in replications:
        out["cost_usd"] = float(np.sum(np.asarray(replications["cost_usd"][r], dtype=float)))
    if "defended" in replications:
        out["defended"] = int(np.count_nonzero(np.asarray(replications["defended"][r], bool)))
    if "debris_distance_m" in replications:
        out["debris_median_m"] = _median(replications["debris_distance_m"][r])
    if "engagement_window_s" in replications:
        out["engagement_window_s"] = _median(replications["engagement_window_s"][r])
    return out


def _sensing(replications: Mapping[str, NDArray], r: NDArray[np.bool_]) -> dict[str, Any]:
    """The ``SENSING`` fields of one threat's rows ``r``, those the table has."""
    out: dict[str, Any] = {}
    if "detect_sensor" in replications:
        names, counts = np.unique(
            np.asarray(replications["detect_sensor"][r], dtype=object).astype(str),
            return_counts=True,
        )
        seen = names != ""
        if seen.any():
            out["detect_sensor"] = str(names[seen][np.argmax(counts[seen])])
    for name in SENSING[1:]:
        if name in replications:
            out[name] = _median(replications[name][r])
    return out


def _fmt(x: float | None, spec: str = ".1f") -> str:
    return "–" if x is None or not np.isfinite(x) else format(x, spec)


def _money(x: float) -> str:
    """US$ in a few digits: 25,000; 1.2 M; 41 M."""
    if not np.isfinite(x):
        return "–"
    return f"{x / 1e6:.3g} M" if x >= 1e6 else f"{x:,.0f}"


def summary_rows(rows: Sequence[ThreatSummary]) -> list[tuple[str, list[str]]]:
    """The summary as (label, one cell per threat) rows, for the terminal and the report alike;
    a label ending in ':' heads a group and a label starting with two spaces belongs to it.
    Where a threat was dispersed, a group on its flight impacts: the CEP, what it is measured
    from and over how many replications ("–" for a threat that was not)."""
    rows_out = [
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
        ("  fire-control track", [_fmt(s.fc_track_t_s) for s in rows]),
        ("  battery radar sees it", [_fmt(s.handover_t_s) for s in rows]),
        ("  first shot", [_fmt(s.first_shot_t_s) for s in rows]),
        ("  kill", [_fmt(s.kill_t_s) for s in rows]),
        ("kill altitude median, km", [_fmt(s.kill_alt_m / 1e3, ".2f") for s in rows]),
    ]
    if any(np.isfinite(s.engagement_window_s) for s in rows):
        rows_out.append(("engagement window median, s",
                         [_fmt(s.engagement_window_s, ".2f") for s in rows]))
    if any(s.detect_sensor for s in rows):
        rows_out.insert(
            rows_out.index(("timeline (medians, s):", ["" for _ in rows])),
            ("first detected by (most often)", [s.detect_sensor or "–" for s in rows]),
        )
        rows_out.append(
            ("cue error at handover, m", [_fmt(s.handover_error_m, ".0f") for s in rows])
        )
    if any(s.defended >= 0 for s in rows):
        rows_out += [
            ("defended (debris clear of keep-out)",
             [f"{s.defended / s.reps:.3f}" if s.defended >= 0 and s.reps else "–"
              for s in rows]),
            ("debris from defended point, median km",
             [_fmt(s.debris_median_m / 1e3, ".2f") for s in rows]),
        ]  # fmt: skip
    if any(np.isfinite(s.cost_usd) for s in rows):
        rows_out += [
            ("cost (US$, rounds fired at it):", ["" for _ in rows]),
            ("  per replication", [_money(s.cost_per_rep_usd) for s in rows]),
            ("  per kill", [_money(s.cost_per_kill_usd) for s in rows]),
            ("  per defended outcome", [_money(s.cost_per_defended_usd) for s in rows]),
            ("  cost-exchange ratio", [_fmt(s.cost_exchange, ".3g") for s in rows]),
        ]
    if any(s.impact_n for s in rows):
        rows_out += [
            ("flight impact (dispersed):", ["" for _ in rows]),
            ("  CEP, m", [_fmt(s.impact_cep_m, ".0f") if s.impact_n else "–" for s in rows]),
            ("  about", [s.impact_about or "–" for s in rows]),
            ("  replications", [f"{s.impact_n:,}" if s.impact_n else "–" for s in rows]),
        ]
    return rows_out


# --- a raid: several threats per replication sharing the defences ---------------------------


@dataclass(frozen=True)
class BatteryRounds:
    """The rounds one battery fired per replication: their mean, the most in any one, and the
    magazine it had (None where not known) and in how many replications it was emptied."""

    battery: str
    mean: float
    most: int
    magazine: int | None
    emptied: int


@dataclass(frozen=True)
class RaidSummary:
    """Statistics of whole replications. ``killed_reps[k]``: the replications in which k of the
    ``threats`` were killed (k = 0 ... len(threats)); shares are of ``reps``."""

    threats: tuple[str, ...]
    reps: int
    killed_reps: tuple[int, ...]
    leakers_mean: float
    leakers_any: float
    rounds: tuple[BatteryRounds, ...]
    false_tracks_mean: float
    false_tracks_any: float
    rounds_at_no_threat: int
    """Rounds fired at tracks that followed no threat (a false alarm's)."""


def summarize_raid(
    replications: Mapping[str, NDArray],
    shots: Mapping[str, NDArray],
    magazines: Mapping[str, int | None] | None = None,
) -> RaidSummary:
    """Per-replication statistics of the tables: threats killed and leakers per replication,
    rounds per battery (every battery of ``magazines``, the scenario's, in its order, then any
    other that fired) and false tracks (``false_tracks``, repeated on each threat row)."""
    rep = np.asarray(replications["rep"])
    reps, at = np.unique(rep, return_inverse=True)
    n = reps.size
    threats = tuple(dict.fromkeys(np.asarray(replications["threat"]).astype(str).tolist()))
    killed = np.bincount(at, weights=np.asarray(replications["killed"], bool), minlength=n)
    leaked = np.bincount(at, weights=np.asarray(replications["leaked"], bool), minlength=n)
    counts = np.bincount(killed.round().astype(np.int64), minlength=len(threats) + 1)
    false = np.zeros(n)
    np.maximum.at(false, at, np.asarray(replications["false_tracks"], float))  # one per rep
    magazines = dict(magazines or {})
    shot_battery = np.asarray(shots["battery"]).astype(str)
    shot_at = np.searchsorted(reps, np.asarray(shots["rep"]))
    ok = (shot_at < n) & (reps[np.minimum(shot_at, n - 1)] == np.asarray(shots["rep"]))
    names = list(dict.fromkeys([*magazines, *shot_battery.tolist()]))
    rounds = []
    for name in names:  # a handful of batteries: a loop over groups, not over rows
        per_rep = np.bincount(shot_at[ok & (shot_battery == name)], minlength=n)
        magazine = magazines.get(name)
        rounds.append(
            BatteryRounds(
                battery=name,
                mean=float(np.mean(per_rep)) if n else float("nan"),
                most=int(np.max(per_rep)) if n else 0,
                magazine=magazine,
                emptied=int(np.count_nonzero(per_rep >= magazine)) if magazine else 0,
            )
        )
    no_threat = np.asarray(shots["threat"]).astype(str) == ""
    return RaidSummary(
        threats=threats,
        reps=n,
        killed_reps=tuple(int(c) for c in counts),
        leakers_mean=_mean(leaked),
        leakers_any=_mean(leaked > 0),
        rounds=tuple(rounds),
        false_tracks_mean=_mean(false),
        false_tracks_any=_mean(false > 0),
        rounds_at_no_threat=int(np.count_nonzero(no_threat)),
    )


def _mean(x: NDArray) -> float:
    return float(np.mean(x)) if np.size(x) else float("nan")


def _percent(share: float) -> str:
    """A share as a whole percentage that never rounds a rare event away: 0 %, <1 %, 37 %,
    >99 %, 100 %."""
    if not np.isfinite(share):
        return "–"
    if 0.0 < share < 0.005:
        return "<1 %"
    if 0.995 <= share < 1.0:
        return ">99 %"
    return f"{100.0 * share:.0f} %"


def raid_heading(raid: RaidSummary) -> str:
    """The title of ``raid_rows``: a raid's, or, for one threat, its false tracks'."""
    return "The raid, replication by replication" if len(raid.threats) > 1 else "False tracks"


def raid_rows(raid: RaidSummary) -> list[tuple[str, str]]:
    """The raid's statistics as (label, text) rows, for the terminal and the report alike. With
    more than one threat: threats killed per replication, leakers, rounds per battery and
    false tracks. With one threat the per-threat summary says it all: only a line on false
    tracks, and only where there were any."""
    false = (
        "false tracks",
        f"{raid.false_tracks_mean:.2f} per replication, in {_percent(raid.false_tracks_any)} "
        f"of replications; {raid.rounds_at_no_threat:,} round"
        f"{'' if raid.rounds_at_no_threat == 1 else 's'} fired at them",
    )
    if len(raid.threats) <= 1:
        return [false] if raid.false_tracks_any > 0 or raid.rounds_at_no_threat else []
    reps = max(raid.reps, 1)
    rows = [
        (
            "threats killed per replication",
            ", ".join(f"{k}: {_percent(c / reps)}" for k, c in enumerate(raid.killed_reps)),
        ),
        (
            "leakers per replication",
            f"{raid.leakers_mean:.2f}; at least one in {_percent(raid.leakers_any)} of "
            "replications",
        ),
    ]
    for b in raid.rounds:
        text = f"{b.mean:.2f} per replication, at most {b.most:,}"
        if b.magazine:
            text += f" of a magazine of {b.magazine:,}"
            if b.emptied:
                text += f" (emptied in {_percent(b.emptied / reps)} of replications)"
        rows.append((f"rounds used, {b.battery}", text))
    rows.append(false)
    return rows
