"""Report figures: matplotlib figures of a run folder's tables and of a sweep, for the HTML report,
papers and slides.

Each ``*_figure`` function returns a ``matplotlib.figure.Figure`` (no pyplot: no GUI backend and
no global state; ``png_bytes`` renders with Agg). Inputs are the tables as ``read_table`` returns
them (``{column: array}``), the scenario as run, and, for the map and the profile, the threats'
nominal flights from ``truth.parquet`` (``threat_paths``: the path each threat flies when
nothing stops it, as the campaign wrote it; nothing is flown here). Where a figure has no data
to show (no shots fired, no tracks recorded) it says so in its one panel rather than being left
out. Nothing is divided by zero or put on a log axis at zero: a run with noise-free radars
(sigmas 0: track variances and errors of exactly 0) draws without a warning.

Units at this edge: kilometres and degrees on the axes, metres for misses and errors, seconds
for time since the scenario epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from numpy.typing import NDArray

from kaminari.earth.geodesy import ground_range_m
from kaminari.report._plotstyle import (
    KILL_COLOUR,
    LEAK_COLOUR,
    RADAR_COLOURS,
    SIGMA_COLOUR,
    Array,
    Table,
    _finite,
    _log,
    _new_figure,
    _note,
    _rows_of,
    _style,
    _thin,
    _threat_colour,
    png_bytes,
)
from kaminari.report.maps import (
    COVERAGE_ALT_M,
    ThreatPath,
    _reference,
    map_figure,
    radar_coverage_deg,
    replication_paths,
    threat_entry,
    threat_paths,
)
from kaminari.report.summary import summarize_raid
from kaminari.report.sweep_figure import sweep_figure

if TYPE_CHECKING:
    from kaminari.scenario import Scenario

__all__ = [
    "COVERAGE_ALT_M",
    "RAID_FIGURE",
    "RUN_FIGURES",
    "map_figure",
    "miss_figure",
    "png_bytes",
    "profile_figure",
    "radar_coverage_deg",
    "raid_figure",
    "run_figures",
    "sweep_figure",
    "threat_paths",
    "timeline_figure",
    "track_error_figure",
]

# --- altitude against range ----------------------------------------------------------------


def _ceilings(scenario: Scenario) -> list[tuple[str, float]]:
    """Each battery's highest reachable altitude (m) within the doctrine's time of flight."""
    from kaminari.firecontrol.envelope import ballistic_table, max_altitude_m

    tof = scenario.doctrine().max_time_of_flight_s
    return [
        (b.name, max_altitude_m(ballistic_table(b, t_max_s=tof + 1.0), tof))
        for b in scenario.battery_models()
    ]


def profile_figure(scenario: Scenario, paths: Sequence[ThreatPath], replications: Table) -> Figure:
    """Altitude against ground range to the defended point (each threat's dive target, else the
    first defended point), for the threats' nominal flights (``paths``), with the kill points of
    every replication: the whole flight, and the last stretch where the batteries engage."""
    with _style():
        fig = _new_figure(13, 5.2 if len(paths) <= 3 else 5.6 + 0.25 * math.ceil(len(paths) / 3))
        whole, near = fig.subplots(1, 2, width_ratios=[1.2, 1])
        kill_range_km: list[Array] = []
        reference_names = set()
        dives: dict[float, tuple[int, list[str]]] = {}  # start range: first threat, all
        for k, path in enumerate(paths):
            name = path.name
            lat_r, lon_r, ref = _reference(scenario, path)
            reference_names.add(ref)
            lat, lon, alt = path.lat_deg, path.lon_deg, path.alt_m
            rng_km = ground_range_m(lat_r, lon_r, np.radians(lat), np.radians(lon)) / 1e3
            for ax in (whole, near):
                ax.plot(
                    rng_km,
                    alt / 1e3,
                    color=_threat_colour(k),
                    linewidth=1.6,
                    label=f"{name}, flown unengaged",
                )
            entry = threat_entry(scenario, name)
            dive = scenario.dive_plan(entry) if entry is not None else None
            if dive is not None:
                dives.setdefault(dive.start_range_m, (k, []))[1].append(name)
            rows = _rows_of(replications, name) & np.asarray(replications["killed"], bool)
            k_lat = np.asarray(replications["kill_lat_deg"], float)[rows]
            k_lon = np.asarray(replications["kill_lon_deg"], float)[rows]
            k_alt = np.asarray(replications["kill_alt_m"], float)[rows]
            ok = np.isfinite(k_lat) & np.isfinite(k_alt)
            k_rng = ground_range_m(lat_r, lon_r, np.radians(k_lat[ok]), np.radians(k_lon[ok])) / 1e3
            kill_range_km.append(k_rng)
            i = _thin(k_rng.size)
            rows = _rows_of(replications, name) & np.asarray(replications["leaked"], bool)
            l_lat = _finite(np.asarray(replications["impact_lat_deg"], float)[rows])
            l_lon = _finite(np.asarray(replications["impact_lon_deg"], float)[rows])
            l_rng = ground_range_m(lat_r, lon_r, np.radians(l_lat), np.radians(l_lon)) / 1e3
            j = _thin(l_rng.size)
            for ax in (whole, near):
                ax.scatter(
                    k_rng[i],
                    k_alt[ok][i] / 1e3,
                    s=22,
                    color=KILL_COLOUR,
                    alpha=0.7,
                    edgecolor="white",
                    linewidth=0.3,
                    zorder=4,
                    label=f"kill ({_count(replications, 'killed'):,})" if k == 0 else None,
                )
                ax.scatter(
                    l_rng[j],
                    np.zeros(j.size),
                    s=50,
                    marker="x",
                    color=LEAK_COLOUR,
                    linewidth=1.6,
                    zorder=4,
                    clip_on=False,
                    label=f"leak: ground impact ({_count(replications, 'leaked'):,})"
                    if k == 0
                    else None,
                )
        for start_m, (k, names) in dives.items():  # once where a raid's threats share it
            whole.axvline(start_m / 1e3, color=_threat_colour(k), linestyle=":", linewidth=1)
            whole.annotate(
                f"{names[0]}: dive starts" if len(names) == 1 else "dive starts",
                (start_m / 1e3, 0.97),
                xycoords=("data", "axes fraction"),
                rotation=90,
                ha="right",
                va="top",
                fontsize=10,
                color="0.3",
            )
        tof = scenario.doctrine().max_time_of_flight_s
        ceilings: dict[float, list[str]] = {}
        for battery, ceiling in _ceilings(scenario):
            if np.isfinite(ceiling):
                ceilings.setdefault(round(ceiling, -1), []).append(battery)
        for ceiling, batteries in ceilings.items():
            near.axhline(
                ceiling / 1e3,
                color="0.25",
                linestyle="--",
                linewidth=1.0,
                label=f"highest a round gets in {tof:g} s: {', '.join(batteries)}",
            )
        top = max(ceilings, default=0.0)
        kills = np.concatenate(kill_range_km) if kill_range_km else np.zeros(0)
        reach_km = 5.0 * math.ceil(max(20.0, 1.4 * float(np.max(kills, initial=0.0))) / 5.0)
        near.set_xlim(reach_km, 0)
        near.set_ylim(0, max(1.35 * top, 1.1 * _alt_within(paths, scenario, reach_km), 1e3) / 1e3)
        whole.set_xlim(max(whole.get_xlim()), 0)  # flying towards the point: left to right
        whole.set_ylim(bottom=0)
        ref = " / ".join(sorted(reference_names))
        whole.set(
            xlabel=f"ground range to {ref} (km)",
            ylabel="altitude (km)",
            title="Altitude against range: the whole flight",
        )
        near.set(
            xlabel=f"ground range to {ref} (km)",
            ylabel="altitude (km)",
            title=f"The last {reach_km:g} km, with the kills",
        )
        handles, labels = near.get_legend_handles_labels()
        order = sorted(range(len(labels)), key=lambda i: "flown unengaged" not in labels[i])
        handles, labels = [handles[i] for i in order], [labels[i] for i in order]
        if len(paths) > 3:  # a raid: below both panels, as the map's
            fig.legend(handles, labels, loc="outside lower center", ncol=3, frameon=False)
        else:
            near.legend(handles, labels, loc="upper left")
    return fig


def _count(replications: Table, column: str) -> int:
    return int(np.count_nonzero(np.asarray(replications[column], dtype=bool)))


def _alt_within(paths: Sequence[ThreatPath], scenario: Scenario, reach_km: float) -> float:
    """The highest altitude (m) any threat has within ``reach_km`` of its reference point."""
    top = 0.0
    for path in paths:
        lat_r, lon_r, _ = _reference(scenario, path)
        lat, lon, alt = path.lat_deg, path.lon_deg, path.alt_m
        near = ground_range_m(lat_r, lon_r, np.radians(lat), np.radians(lon)) <= reach_km * 1e3
        if near.any():
            top = max(top, float(np.max(alt[near])))
    return top


# --- track error ---------------------------------------------------------------------------


def track_error_figure(
    scenario: Scenario, tracks: Table, names: Sequence[str] | None = None
) -> Figure:
    """For each threat (``names``, in that order; else the scenario's), over the replications
    whose tracks were recorded: the position error of the tracks that followed it |x_est -
    x_true| (m) beside the filter's own 1-sigma sqrt(var_x + var_y + var_z), and their ratio (a
    consistent filter keeps it about 1: E|e|^2 = trace P). Only rows with a threat (the truth
    known) are drawn, one line per track; an error or a sigma of 0 (noise-free radars) is left
    off the log axes, and the ratio is taken only where the sigma is above 0."""
    names = list(names) if names is not None else [t.name for t in scenario.threats]
    with _style():
        rows = _finite_track_rows(tracks)
        shown = [n for n in names if np.any(_rows_of(tracks, n) & rows)] if rows.size else []
        if not shown:
            fig = _new_figure(13, 2.2)
            _note(
                fig.subplots(),
                "no tracks recorded: run.tracks_reps was 0, or no threat was ever tracked",
            )
            return fig
        fig = _new_figure(13, 0.8 + 4.4 * len(shown))
        axes = np.atleast_2d(fig.subplots(len(shown), 2, width_ratios=[1.4, 1], squeeze=False))
        track_ids = (
            np.asarray(tracks["track_id"])
            if "track_id" in tracks
            else np.zeros(len(np.asarray(tracks["rep"])), dtype=np.int64)
        )
        for (err_ax, ratio_ax), name in zip(axes, shown, strict=True):
            colour = _threat_colour(names.index(name))
            sel = _rows_of(tracks, name) & rows
            reps = np.asarray(tracks["rep"])[sel]
            ids = track_ids[sel]
            t = np.asarray(tracks["t_s"], float)[sel]
            est = np.stack([np.asarray(tracks[f"{a}_m"], float)[sel] for a in "xyz"], axis=-1)
            true = np.stack([np.asarray(tracks[f"true_{a}_m"], float)[sel] for a in "xyz"], -1)
            var = sum(np.asarray(tracks[f"var_{a}_m2"], float)[sel] for a in "xyz")
            err = np.linalg.norm(est - true, axis=-1)
            sigma = np.sqrt(np.maximum(var, 0.0))
            bound = (np.asarray(tracks["pcrlb_m"], float)[sel] if "pcrlb_m" in tracks
                     else np.full(err.shape, np.nan))  # fmt: skip
            has_sigma = sigma > 0.0
            ratio = np.divide(err, sigma, out=np.full(err.shape, np.nan), where=has_sigma)
            order = np.lexsort((t, ids, reps))  # each track's scans in time order
            bound = bound[order]
            reps, ids, t = reps[order], ids[order], t[order]
            err, sigma, ratio, has_sigma = err[order], sigma[order], ratio[order], has_sigma[order]
            starts = np.flatnonzero(np.r_[True, (reps[1:] != reps[:-1]) | (ids[1:] != ids[:-1])])
            ends = np.r_[starts[1:], t.size]
            for i, j in zip(starts.tolist(), ends.tolist(), strict=True):
                one = slice(i, j)
                err_ax.plot(t[one], _positive(err[one]), color=colour, linewidth=0.9, alpha=0.7)
                err_ax.plot(
                    t[one],
                    _positive(sigma[one]),
                    color=SIGMA_COLOUR,
                    linewidth=0.9,
                    linestyle="--",
                    alpha=0.7,
                )
                if np.isfinite(bound[one]).any():
                    err_ax.plot(t[one], _positive(bound[one]), color="black", linewidth=0.9,
                                linestyle=":", alpha=0.8)  # fmt: skip
                ratio_ax.plot(
                    t[one], _positive(ratio[one]), color=colour, linewidth=0.7, alpha=0.35
                )
            n_reps = np.unique(reps).size
            n_tracks = starts.size
            title = (
                f"{name}: track error and the filter's 1σ ({n_reps} replication"
                f"{'s' if n_reps != 1 else ''}"
                + (f", {n_tracks} tracks" if n_tracks != n_reps else "")
                + ")"
            )
            err_ax.set(xlabel="time (s)", ylabel="position, m", title=title)
            if np.any(err > 0.0) or np.any(has_sigma):
                _log(err_ax, "y")
                err_ax.legend(
                    handles=[
                        Line2D([], [], color=colour, label="error |x̂ − x|"),
                        Line2D(
                            [],
                            [],
                            color=SIGMA_COLOUR,
                            linestyle="--",
                            label="filter 1σ: √(σx² + σy² + σz²)",
                        ),
                        *([Line2D([], [], color="black", linestyle=":",
                                  label="PCRLB: the least 1σ any tracker could reach")]
                          if np.isfinite(bound).any() else []),
                    ],
                    loc="lower left",
                )
            else:
                _note(err_ax, f"{name}: track error and 1σ are 0 at every scan (noise-free radars)")
            centre, rms = _binned_rms(t[has_sigma], ratio[has_sigma])
            if np.any(rms > 0.0):
                ratio_ax.plot(
                    centre,
                    _positive(rms),
                    color="black",
                    linewidth=2.0,
                    label="RMS over replications and time bins",
                )
                ratio_ax.axhline(1.0, color=SIGMA_COLOUR, linewidth=1, linestyle=":")
                ratio_ax.legend(loc="upper left")
                _log(ratio_ax, "y")
                ratio_ax.set(
                    xlabel="time (s)",
                    ylabel="error / 1σ",
                    title="Consistency: error over 1σ (about 1 if honest)",
                )
            else:
                _note(ratio_ax, "no error over 1σ to show: the 1σ or the error is 0 at every scan")
    return fig


def _positive(x: Array) -> Array:
    """``x`` with the values a log axis cannot show (0, negative) as NaN: left off the line."""
    return np.where(x > 0.0, x, np.nan)


def _binned_rms(t: Array, x: Array, bins: int = 40) -> tuple[Array, Array]:
    """Root mean square of ``x`` in ``bins`` equal time bins (centres, RMS; empty bins left
    out; nothing for no rows)."""
    if t.size == 0:
        return np.zeros(0), np.zeros(0)
    edges = np.linspace(np.min(t), np.max(t) + 1e-9, bins + 1)
    at = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, bins - 1)
    count = np.bincount(at, minlength=bins)
    total = np.bincount(at, weights=x * x, minlength=bins)
    has = count > 0
    return 0.5 * (edges[:-1] + edges[1:])[has], np.sqrt(total[has] / count[has])


def _finite_track_rows(tracks: Table) -> NDArray[np.bool_]:
    """Rows with a threat and every position, variance and truth column finite: a row without
    a threat (a false track's, or a scan that no detection of a threat updated) has no truth."""
    n = len(np.asarray(tracks["rep"]))
    if n == 0:
        return np.zeros(0, dtype=bool)
    ok = np.asarray(tracks["threat"]).astype(str) != ""
    for name in (
        "x_m",
        "y_m",
        "z_m",
        "var_x_m2",
        "var_y_m2",
        "var_z_m2",
        "true_x_m",
        "true_y_m",
        "true_z_m",
    ):
        ok &= np.isfinite(np.asarray(tracks[name], dtype=float))
    return ok


# --- miss distance -------------------------------------------------------------------------


def miss_figure(scenario: Scenario, shots: Table) -> Figure:
    """Miss distances of every round, per battery: a histogram (log-spaced bins) and the
    empirical distribution function, against each battery's lethal radius."""
    threat_radius = scenario.threats[0].strike_radius_m()
    lethal = {b.name: b.kill_radius_m(threat_radius) for b in scenario.batteries}
    with _style():
        miss_all = np.asarray(shots["miss_m"], dtype=float)
        if not np.isfinite(miss_all).any():
            fig = _new_figure(13, 2.2)
            _note(fig.subplots(), "no rounds fired: no miss distances to show")
            return fig
        fig = _new_figure(13, 4.6)
        hist_ax, cdf_ax = fig.subplots(1, 2)
        batteries = list(dict.fromkeys(np.asarray(shots["battery"]).astype(str).tolist()))
        finite = _finite(miss_all)
        lo = max(float(np.min(finite[finite > 0])) if (finite > 0).any() else 0.1, 1e-2)
        lo = min(lo, min(lethal.values(), default=lo))
        hi = max(float(np.max(finite)), max(lethal.values(), default=1.0)) * 1.05
        bins = np.geomspace(lo * 0.9, hi, 41)
        for j, name in enumerate(batteries):
            miss = _finite(miss_all[np.asarray(shots["battery"]).astype(str) == name])
            if miss.size == 0:  # only rounds at false tracks, which pass no threat
                continue
            colour = RADAR_COLOURS[j % len(RADAR_COLOURS)]
            hist_ax.hist(
                np.clip(miss, bins[0], None),
                bins=bins,
                histtype="stepfilled",
                alpha=0.25,
                color=colour,
            )
            hist_ax.hist(
                np.clip(miss, bins[0], None),
                bins=bins,
                histtype="step",
                color=colour,
                linewidth=1.4,
                label=f"{name} ({miss.size:,} rounds)",
            )
            x = np.sort(miss)
            p = np.arange(1, x.size + 1) / x.size
            i = _thin(x.size, 20_000)
            cdf_ax.step(
                x[i],
                p[i],
                where="post",
                color=colour,
                linewidth=1.6,
                label=f"{name}: {np.mean(miss <= lethal.get(name, np.nan)):.1%} within "
                f"{lethal.get(name, np.nan):.3g} m",
            )
        for value in sorted(set(lethal.values())):
            for ax in (hist_ax, cdf_ax):
                ax.axvline(value, color=KILL_COLOUR, linewidth=1.6, linestyle="--")
            hist_ax.annotate(
                f"lethal radius {value:.3g} m",
                (value, 0.97),
                xycoords=("data", "axes fraction"),
                rotation=90,
                ha="right",
                va="top",
                fontsize=10,
                color=KILL_COLOUR,
            )
        _log(hist_ax, "x")
        hist_ax.set(
            xlabel="miss distance (m)", ylabel="rounds", title="Miss distance of every round"
        )
        hist_ax.legend(loc="upper right")
        _log(cdf_ax, "x")
        cdf_ax.set_ylim(0, 1.02)
        cdf_ax.set(
            xlabel="miss distance (m)",
            ylabel="fraction of rounds ≤ miss",
            title="Cumulative: the share of rounds within a miss distance",
        )
        cdf_ax.legend(loc="lower right")
    return fig


# --- timeline ------------------------------------------------------------------------------

HORIZONTAL = (
    {"orientation": "horizontal"}
    if tuple(int(p) for p in mpl.__version__.split(".")[:2]) >= (3, 10)
    else {"vert": False}  # before matplotlib 3.10
)

EVENTS = (
    ("first detection", "detect_t_s", "#4575b4"),
    ("track confirmed", "track_t_s", "#74add1"),
    ("fire-control track", "fc_track_t_s", "#abd9e9"),
    ("first shot", "first_shot_t_s", "#fdae61"),
    ("kill", "kill_t_s", KILL_COLOUR),
    ("impact (leak)", "impact_t_s", LEAK_COLOUR),
)
"""The timeline's events: label, column of ``replications.parquet``, colour (a column that a
run from before it lacks is drawn empty)."""
FIRST_SHOT = 3
"""The index in ``EVENTS`` of the first shot, where the drawn-out view starts."""


def timeline_figure(scenario: Scenario, replications: Table) -> Figure:
    """For each threat, when each event of the kill chain happened, as distributions over the
    replications (box: quartiles, whiskers: 5-95 %, dots: replications): the whole timeline,
    and the engagement (first shot to kill or impact) drawn out."""
    names = list(dict.fromkeys(np.asarray(replications["threat"]).astype(str).tolist()))
    with _style():
        fig = _new_figure(13, 1.0 + 2.6 * len(names))
        axes = fig.subplots(len(names), 2, width_ratios=[1.3, 1], squeeze=False)
        for (whole, zoom), name in zip(axes, names, strict=True):
            rows = _rows_of(replications, name)
            n = int(np.count_nonzero(rows))
            values = [
                np.asarray(replications[col], float)[rows]
                if col in replications
                else np.full(n, np.nan)
                for _, col, _ in EVENTS
            ]
            for ax in (whole, zoom):
                _event_boxes(ax, values, n)
            whole.set(
                xlabel="time since the epoch (s)",
                title=f"{name}: the kill chain's timeline over {n:,} replications",
            )
            late = np.concatenate([_finite(v) for v in values[FIRST_SHOT:]])
            if _finite(values[FIRST_SHOT]).size:
                lo, hi = np.percentile(late, [0.5, 99.5])
                pad = max(0.08 * (hi - lo), 0.5)
                zoom.set_xlim(lo - pad, hi + pad)
                zoom.set(xlabel="time since the epoch (s)", title="The engagement, drawn out")
                zoom.tick_params(labelleft=False)
            else:
                _note(zoom, "no shot was fired")
    return fig


def _event_boxes(ax: Axes, values: Sequence[Array], n: int) -> None:
    positions = np.arange(len(EVENTS))[::-1]
    gen = np.random.default_rng(0)  # jitter only: the same picture every time
    for (_, _, colour), v, y in zip(EVENTS, values, positions, strict=True):
        v = _finite(v)
        if v.size:
            ax.boxplot(
                v,
                positions=[y],
                **HORIZONTAL,
                widths=0.55,
                whis=(5, 95),
                showfliers=False,
                patch_artist=True,
                boxprops={"facecolor": colour, "alpha": 0.35, "edgecolor": colour},
                medianprops={"color": "black", "linewidth": 1.4},
                whiskerprops={"color": colour},
                capprops={"color": colour},
            )
            i = _thin(v.size, 1_500)
            ax.scatter(
                v[i],
                y + gen.uniform(-0.22, 0.22, i.size),
                s=6,
                color=colour,
                alpha=0.5,
                edgecolor="none",
                zorder=3,
            )
    ax.set_yticks(
        positions,
        [
            f"{label}\n{_finite(v).size:,} of {n:,}"
            for (label, _, _), v in zip(EVENTS, values, strict=True)
        ],
    )
    ax.set_ylim(-0.6, len(EVENTS) - 0.4)
    ax.grid(True, axis="x")
    ax.grid(False, axis="y")


# --- a raid ------------------------------------------------------------------------------


def raid_figure(scenario: Scenario, replications: Table, shots: Table) -> Figure:
    """A raid over the replications: how many of its threats were killed (the share of
    replications for each count), and the rounds each battery used per replication (the mean,
    the most in any one, and its magazine)."""
    magazines = {b.name: b.magazine for b in scenario.batteries}
    raid = summarize_raid(replications, shots, magazines)
    with _style():
        fig = _new_figure(13, 3.6)
        killed_ax, rounds_ax = fig.subplots(1, 2, width_ratios=[1, 1.2])
        n = len(raid.threats)
        share = np.asarray(raid.killed_reps, float) / max(raid.reps, 1)
        k = np.arange(share.size)
        colours = [KILL_COLOUR if i == n else ("#9ecae1" if i else LEAK_COLOUR) for i in k]
        bars = killed_ax.bar(k, share, color=colours, width=0.7)
        killed_ax.bar_label(
            bars, labels=[f"{100 * v:.0f} %" if v else "" for v in share], padding=2, fontsize=10
        )
        killed_ax.set_xticks(k, [str(i) for i in k])
        killed_ax.set_ylim(0, max(1.15 * float(np.max(share, initial=0.0)), 0.05))
        killed_ax.set(
            xlabel=f"threats killed of {n}",
            ylabel="share of replications",
            title=f"Threats killed per replication ({raid.reps:,} replications)",
        )
        killed_ax.grid(False, axis="x")
        if not raid.rounds:
            _note(rounds_ax, "no battery")
            return fig
        y = np.arange(len(raid.rounds))[::-1]
        for yi, b in zip(y, raid.rounds, strict=True):
            colour = RADAR_COLOURS[int(yi) % len(RADAR_COLOURS)]
            rounds_ax.barh(yi, b.mean, height=0.55, color=colour, alpha=0.45)
            rounds_ax.plot([b.most], [yi], "o", color=colour, markersize=7)
            if b.magazine:
                rounds_ax.plot(
                    [b.magazine, b.magazine], [yi - 0.35, yi + 0.35], color="black", linewidth=2
                )
        rounds_ax.set_yticks(y, [b.battery for b in raid.rounds])
        top = max([b.most for b in raid.rounds] + [b.magazine or 0 for b in raid.rounds] + [1])
        rounds_ax.set_xlim(0, 1.08 * top)
        rounds_ax.set(xlabel="rounds per replication", title="Rounds used per battery")
        rounds_ax.grid(False, axis="y")
        rounds_ax.legend(
            handles=[
                Patch(color="0.6", alpha=0.45, label="mean per replication"),
                Line2D([], [], linestyle="none", marker="o", color="0.4", label="most in one"),
                Line2D([], [], color="black", linewidth=2, label="magazine"),
            ],
            loc="upper center",
            bbox_to_anchor=(0.5, -0.18),
            ncol=3,
            frameon=False,
        )
    return fig


# --- all of a run's figures ----------------------------------------------------------------

RUN_FIGURES: tuple[tuple[str, str], ...] = (
    ("map", "map.png"),
    ("profile", "profile.png"),
    ("timeline", "timeline.png"),
    ("miss", "miss.png"),
    ("track_error", "track_error.png"),
)
"""A run's figures in report order: key and PNG file name."""

RAID_FIGURE = ("raid", "raid.png")
"""A raid's figure (a scenario with more than one threat), first in the report."""

METRICS_FIGURE = ("track_metrics", "track_metrics.png")
"""A raid's OSPA and GOSPA over time (``metrics.parquet``), last in the report."""


def track_metrics_figure(metrics: Table) -> Figure:
    """OSPA and GOSPA of each node's confirmed tracks against the threats alive, over time, in
    the recorded replications: each (replication, node) a thin line, the median over the
    replications per second a thick one per node; below, the threats GOSPA counts missed and
    the tracks it counts false (medians)."""
    rep = np.asarray(metrics["rep"], dtype=np.int64)
    node = np.asarray(metrics["node"]).astype(str)
    t = np.asarray(metrics["t_s"], dtype=float)
    fig = Figure(figsize=(12, 5.2), layout="constrained")
    ax_o, ax_g = fig.subplots(1, 2, sharex=True)
    nodes = list(dict.fromkeys(node))
    for k, name in enumerate(nodes):
        colour = f"C{k % 10}"
        mine = node == name
        for r in np.unique(rep[mine]):
            row = mine & (rep == r)
            order = np.argsort(t[row], kind="stable")
            for ax, key in ((ax_o, "ospa_m"), (ax_g, "gospa_m")):
                y = np.asarray(metrics[key], dtype=float)[row][order]
                ax.plot(t[row][order], y, color=colour, linewidth=0.5, alpha=0.35)
        second = np.floor(t[mine]).astype(np.int64)
        bins, where = np.unique(second, return_inverse=True)
        label = name or "tracks"
        for ax, key in ((ax_o, "ospa_m"), (ax_g, "gospa_m")):
            y = np.asarray(metrics[key], dtype=float)[mine]
            med = np.array([np.median(y[where == i]) for i in range(bins.size)])
            ax.plot(bins + 0.5, med, color=colour, linewidth=2.0,
                    label=f"{label}: median over replications")  # fmt: skip
    ax_o.set(xlabel="time after the epoch (s)", ylabel="OSPA (m)",
             title="OSPA: tracks against the threats alive (c = 1 km, p = 2)")
    ax_g.set(xlabel="time after the epoch (s)", ylabel="GOSPA (m)",
             title="GOSPA (c = 1 km, p = 2, alpha = 2)")
    for ax in (ax_o, ax_g):
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    return fig

SWEEP_FIGURE = "pk_vs_parameter.png"


def run_figures(
    scenario: Scenario,
    replications: Table,
    shots: Table,
    tracks: Table,
    truth: Table,
    own: Table | None = None,
    metrics: Table | None = None,
) -> dict[str, Figure]:
    """Every figure of a run folder, keyed as in ``RUN_FIGURES`` (and ``RAID_FIGURE`` first
    where the tables hold more than one threat), in report order. The threats' paths are
    their nominal flights in ``truth``; ``own``, where given (``paths.parquet``), the dispersed
    threats' own flights in the first replications, which the map draws."""
    paths = threat_paths(truth)
    own_paths = replication_paths(own) if own is not None else {}
    names = [p.name for p in paths]
    raid = len(np.unique(np.asarray(replications["threat"]).astype(str))) > 1
    makers: dict[str, Callable[[], Figure]] = {
        "raid": lambda: raid_figure(scenario, replications, shots),
        "map": lambda: map_figure(scenario, paths, replications, own=own_paths),
        "profile": lambda: profile_figure(scenario, paths, replications),
        "timeline": lambda: timeline_figure(scenario, replications),
        "miss": lambda: miss_figure(scenario, shots),
        "track_error": lambda: track_error_figure(scenario, tracks, names),
        "track_metrics": lambda: track_metrics_figure(metrics),
    }
    keys = ([RAID_FIGURE[0]] if raid else []) + [key for key, _ in RUN_FIGURES]
    if raid and metrics is not None and np.size(metrics["rep"]):
        keys.append(METRICS_FIGURE[0])  # OSPA and GOSPA, for a raid
    return {key: makers[key]() for key in keys}
