"""``kaminari flyout``: fly the threats of a scenario only; their trajectories, a summary
table (``flyout.csv``, and on the terminal) and a figure.

    kaminari flyout SCENARIO --out DIR [--dt-s S] [--t-max-s S]

Each threat (each of a raid's) is flown from its own start; ``t_s`` counts from there. The
table gives each threat's peak dynamic pressure, heat rate and aerodynamic load, its impact
speed and angle, its miss of its dive target and whether the glide kept the threat's limits;
a dive that never starts, or a flight that ends more than ``MISS_WARN_M`` from its aim point,
is warned of on stderr (one line each). Above ``MAX_TABLE_ROWS`` threats the terminal shows
the first ``SHOWN_ROWS`` of them; ``flyout.csv`` has them all.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from numpy.typing import NDArray
from rich import box
from rich.console import Console
from rich.table import Table

from kaminari.campaign.store import write_table
from kaminari.cli.common import bad_input_exits_2, require, writable_folder
from kaminari.earth.frames import ecef2geodetic, geodetic_up
from kaminari.earth.geodesy import ground_range_m
from kaminari.results.schema import TRUTH
from kaminari.scenario import Scenario, dump_scenario, load_scenario

if TYPE_CHECKING:
    from kaminari.threats.flyout import ThreatTrajectories
    from kaminari.threats.guidance import Limits

PHASE_GLIDE = 2  # kaminari.threats.flyout.PHASES.index("glide"), without importing numerics

__all__ = [
    "TRAJECTORY_COLUMNS",
    "FlyoutSummary",
    "flyout",
    "flyout_warnings",
    "ground_flown_m",
    "summarize_flyout",
]

Array = NDArray[np.float64]

TRAJECTORY_COLUMNS = tuple(TRUTH.names)
"""The columns of trajectories.parquet: those of the ``truth`` result table."""
"""Columns of ``trajectories.parquet``, in order."""

MISS_WARN_M = 1_000.0
"""A flight that ends farther than this from its dive target is warned of."""
LIMIT_TOLERANCE = 0.01
"""A glide keeps a limit when its peak is within this fraction above it."""

GLIDE_AFTER_S = 60.0
GLIDE_MIN_MACH = 5.0
"""The altitude band of the summary covers the glide: from 60 s on, at Mach 5 or more, and before
any terminal dive (closer to the dive target than the dive's start range)."""


@dataclass(frozen=True)
class FlyoutSummary:
    """Per-threat figures of a flyout, SI, each (N,). ``alt_min_m``/``alt_max_m`` span the glide
    (see ``GLIDE_AFTER_S``); nan where a threat has no glide sample."""

    names: tuple[str, ...]
    flight_time_s: Array
    impacted: NDArray[np.bool_]
    ground_range_m: Array
    ground_flown_m: Array
    peak_mach: Array
    alt_min_m: Array
    alt_max_m: Array
    peak_load_factor_g: Array
    peak_q_pa: Array
    peak_heat_rate_wpm2: Array
    end_speed_mps: Array
    end_angle_deg: Array
    miss_m: Array  # from the dive target; nan without a dive
    dive_started: Array  # 1 started, 0 never started, nan without a dive
    limits: tuple[str, ...]  # per threat: each limit set and whether the glide kept it


def ground_flown_m(traj: ThreatTrajectories) -> Array:
    """Ground distance flown since the start, (N, T) in m, summed over great-circle steps; nan
    where a sample is not valid."""
    seg = ground_range_m(
        traj.lat_rad[:, :-1], traj.lon_rad[:, :-1], traj.lat_rad[:, 1:], traj.lon_rad[:, 1:]
    )
    steps = np.where(traj.valid[:, :-1] & traj.valid[:, 1:], seg, 0.0)
    flown = np.concatenate([np.zeros_like(steps[:, :1]), np.cumsum(steps, axis=1)], axis=1)
    return np.where(traj.valid, flown, np.nan)


def summarize_flyout(traj: ThreatTrajectories, scenario: Scenario) -> FlyoutSummary:
    """Flight time, ground range start to end (the impact point, or the last sample), ground
    distance flown, peak Mach, glide altitude band and peak load factor of each threat."""
    valid = traj.valid
    rows = np.arange(len(traj.names))
    last = valid.shape[1] - 1 - np.argmax(valid[:, ::-1], axis=1)
    last_lat, last_lon = traj.lat_rad[rows, last], traj.lon_rad[rows, last]
    impacted = np.isfinite(traj.impact_t_s)
    hit = ecef2geodetic(traj.impact_r_ecef)  # NaN where no impact
    end_lat = np.where(impacted, hit.lat_rad, last_lat)
    end_lon = np.where(impacted, hit.lon_rad, last_lon)
    last_step = np.where(impacted, ground_range_m(last_lat, last_lon, end_lat, end_lon), 0.0)
    flight_time = np.where(impacted, traj.impact_t_s, traj.t_s[last])
    start_to_end = ground_range_m(traj.lat_rad[:, 0], traj.lon_rad[:, 0], end_lat, end_lon)
    glide = valid & (traj.t_s >= GLIDE_AFTER_S) & (traj.mach >= GLIDE_MIN_MACH)
    dives = {spec.name: spec.guidance.dive for spec in scenario.threat_specs()}
    for i, name in enumerate(traj.names):
        dive = dives.get(name)
        if dive is not None:
            to_target = ground_range_m(
                traj.lat_rad[i], traj.lon_rad[i], dive.target_lat_rad, dive.target_lon_rad
            )
            glide[i] &= to_target > dive.start_range_m
    alt_glide = np.where(glide, traj.alt_m, np.nan)
    has_glide = glide.any(axis=1)
    specs = {spec.name: spec for spec in scenario.threat_specs()}
    end_v = np.where(impacted[:, None], traj.impact_v_ecef, traj.v_ecef[rows, last])
    end_speed = np.linalg.norm(end_v, axis=1)
    up = geodetic_up(end_lat, end_lon)
    end_angle = np.degrees(np.arcsin(np.clip(np.sum(end_v * up, axis=1) / end_speed, -1, 1)))
    miss = np.full(len(traj.names), np.nan)
    for i, name in enumerate(traj.names):
        dive = dives.get(name)
        if dive is not None:
            miss[i] = ground_range_m(end_lat[i], end_lon[i], dive.target_lat_rad,
                                     dive.target_lon_rad)  # fmt: skip
    dive_t = np.asarray(getattr(traj, "dive_t_s", np.full(len(traj.names), np.nan)))
    phase = np.asarray(getattr(traj, "phase_code", np.full(valid.shape, PHASE_GLIDE)))
    before_dive = valid & (phase == PHASE_GLIDE)
    limits = tuple(
        _limits_kept(specs[name].guidance.limits if name in specs else None, traj, i, before_dive)
        for i, name in enumerate(traj.names)
    )
    return FlyoutSummary(
        names=tuple(traj.names),
        flight_time_s=flight_time,
        impacted=impacted,
        ground_range_m=start_to_end,
        ground_flown_m=np.nanmax(ground_flown_m(traj), axis=1) + last_step,
        peak_mach=np.max(np.where(valid, traj.mach, -np.inf), axis=1),
        alt_min_m=np.where(has_glide, np.min(np.where(glide, alt_glide, np.inf), axis=1), np.nan),
        alt_max_m=np.where(has_glide, np.max(np.where(glide, alt_glide, -np.inf), axis=1), np.nan),
        peak_load_factor_g=np.max(np.where(valid, traj.load_factor_g, -np.inf), axis=1),
        peak_q_pa=np.max(np.where(valid, traj.q_pa, -np.inf), axis=1),
        peak_heat_rate_wpm2=np.max(np.where(valid, traj.heat_rate_wpm2, -np.inf), axis=1),
        end_speed_mps=end_speed,
        end_angle_deg=end_angle,
        miss_m=miss,
        dive_started=np.where(np.isnan(dive_t), np.nan, np.isfinite(dive_t).astype(float)),
        limits=limits,
    )


def _limits_kept(limits: Limits | None, traj: ThreatTrajectories, i: int, glide: NDArray) -> str:
    """Each limit the threat has, and whether its glide (before any dive) kept it: "q ok", or
    "heat 1.12x" (its peak over the limit); "-" without limits."""
    if limits is None:
        return "-"
    parts = []
    for label, limit, values in (
        ("q", limits.q_max_pa, traj.q_pa),
        ("heat", limits.heat_rate_max_wpm2, traj.heat_rate_wpm2),
        ("load", limits.load_max_g, traj.load_factor_g),
    ):
        if limit is None:
            continue
        peak = float(np.max(np.where(glide[i], values[i], -np.inf), initial=-np.inf))
        ratio = peak / limit
        parts.append(f"{label} ok" if ratio <= 1.0 + LIMIT_TOLERANCE else f"{label} {ratio:.2f}x")
    return ", ".join(parts) if parts else "-"


def flyout_warnings(summary: FlyoutSummary) -> list[str]:
    """One line per threat whose dive never started, or whose flight ended more than
    ``MISS_WARN_M`` from its dive target."""
    lines = []
    for i, name in enumerate(summary.names):
        if summary.dive_started[i] == 0.0:
            lines.append(f"warning: {name}: its dive never started (it never came within its "
                         f"start range, or never needed to dive)")  # fmt: skip
        if summary.miss_m[i] > MISS_WARN_M:
            end = "impact" if summary.impacted[i] else "last point"
            lines.append(f"warning: {name}: its {end} is {summary.miss_m[i] / 1e3:.1f} km from "
                         f"its aim point")  # fmt: skip
    return lines


def _write_trajectories(traj: ThreatTrajectories, path: Path) -> None:
    write_table(traj.rows(), path, TRUTH)


MAX_TABLE_ROWS = 20
"""Above this many threats the terminal's tables show the first ``SHOWN_ROWS`` only (two
tables of 200 rows scroll away and took 0.2-0.5 s to lay out); ``flyout.csv`` has every row."""
SHOWN_ROWS = 10


def _shown(summary: FlyoutSummary) -> range:
    n = len(summary.names)
    return range(n if n <= MAX_TABLE_ROWS else SHOWN_ROWS)


def _more_row(table: Table, summary: FlyoutSummary) -> None:
    hidden = len(summary.names) - len(_shown(summary))
    if hidden:
        table.add_row(f"... {hidden} more", *[""] * (len(table.columns) - 1))
        table.caption = f"{table.caption}; every threat: flyout.csv"


_CSV_FIGURES = (
    ("flight_time_s", "flight_time_s"), ("ground_range_m", "ground_range_m"),
    ("ground_flown_m", "ground_flown_m"), ("peak_mach", "peak_mach"),
    ("glide_alt_min_m", "alt_min_m"), ("glide_alt_max_m", "alt_max_m"),
    ("peak_load_factor_g", "peak_load_factor_g"), ("peak_q_pa", "peak_q_pa"),
    ("peak_heat_rate_wpm2", "peak_heat_rate_wpm2"), ("end_speed_mps", "end_speed_mps"),
    ("end_angle_deg", "end_angle_deg"), ("miss_m", "miss_m"), ("dive_started", "dive_started"),
)  # fmt: skip
"""``flyout.csv``'s numeric columns and the ``FlyoutSummary`` fields they hold."""

SUMMARY_CSV_COLUMNS = ("threat", "impacted", *(column for column, _ in _CSV_FIGURES), "limits")
"""``flyout.csv``'s columns: the terminal tables' figures, one row per threat, in SI (load in
g, angles in degrees); empty where a figure does not apply (no glide sample, no dive)."""


def write_summary_csv(summary: FlyoutSummary, path: Path) -> None:
    """Every threat's summary figures as CSV (``SUMMARY_CSV_COLUMNS``)."""
    import csv

    def cell(value: float) -> str:
        return repr(float(value)) if np.isfinite(value) else ""

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(SUMMARY_CSV_COLUMNS)
        for i, name in enumerate(summary.names):
            figures = (cell(getattr(summary, field)[i]) for _, field in _CSV_FIGURES)
            writer.writerow([name, bool(summary.impacted[i]), *figures, summary.limits[i]])


def _flyout_table(summary: FlyoutSummary, t_max_s: float) -> Table:
    table = Table(
        title="Threat flyout",
        caption=f"range: great circle, start to end; glide alt: min-max from t = "
        f"{GLIDE_AFTER_S:g} s, at Mach >= {GLIDE_MIN_MACH:g}, before any terminal dive; "
        f"end: impact, or still flying at t_max = {t_max_s:g} s; load: sqrt(L^2 + D^2) / "
        f"(m g0)",
        box=box.SIMPLE_HEAD,
        caption_justify="left",
    )
    table.add_column("threat", no_wrap=True)
    table.add_column("end", no_wrap=True)
    for header in (
        "flight\ntime s",
        "range\nkm",
        "flown\nkm",
        "Mach\nmax",
        "glide\nalt km",
        "load\ng max",
    ):
        table.add_column(header, justify="right", no_wrap=True)
    for i in _shown(summary):
        name = summary.names[i]
        band = (
            f"{summary.alt_min_m[i] / 1e3:.1f}-{summary.alt_max_m[i] / 1e3:.1f}"
            if np.isfinite(summary.alt_min_m[i])
            else "-"
        )
        table.add_row(
            name,
            "impact" if summary.impacted[i] else "t_max",
            f"{summary.flight_time_s[i]:.1f}",
            f"{summary.ground_range_m[i] / 1e3:.1f}",
            f"{summary.ground_flown_m[i] / 1e3:.1f}",
            f"{summary.peak_mach[i]:.1f}",
            band,
            f"{summary.peak_load_factor_g[i]:.2f}",
        )
    _more_row(table, summary)
    return table


def _loads_table(summary: FlyoutSummary) -> Table:
    table = Table(
        title="Loads, impact and limits",
        caption="peaks over the whole flight; heat: Sutton-Graves stagnation point; end: "
        "impact (or last point) speed and angle below the horizontal; miss: from the dive "
        f"target; limits: kept by the glide before its dive (within {LIMIT_TOLERANCE:.0%}), "
        "or its peak over the limit",
        box=box.SIMPLE_HEAD,
        caption_justify="left",
    )
    table.add_column("threat", no_wrap=True)
    for header in ("q max\nkPa", "heat max\nMW/m2", "end\nm/s", "end\ndeg", "miss\nkm"):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("glide limits")
    for i in _shown(summary):
        table.add_row(
            summary.names[i],
            f"{summary.peak_q_pa[i] / 1e3:.0f}",
            f"{summary.peak_heat_rate_wpm2[i] / 1e6:.2f}",
            f"{summary.end_speed_mps[i]:.0f}",
            f"{summary.end_angle_deg[i]:.1f}",
            f"{summary.miss_m[i] / 1e3:.3f}" if np.isfinite(summary.miss_m[i]) else "-",
            summary.limits[i],
        )
    _more_row(table, summary)
    return table


MAX_NAMED_PATHS = 12
"""Above this many threats the figure names none of them (a legend of 200 names is unreadable
and costs seconds to place)."""

MAX_POINTS_PER_PATH = 600
"""Points drawn per path: far more than a 13-inch figure resolves."""


def _import_figure_modules() -> None:
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.collections  # noqa: F401
    import matplotlib.figure  # noqa: F401


def _plot_flyout(traj: ThreatTrajectories, scenario: Scenario, path: Path) -> None:
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    fig = Figure(figsize=(13, 5.5))
    # fixed margins: the constrained layout measured every tick label, 0.12 of the figure's 0.43 s
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.1, top=0.88, wspace=0.18)
    profile, track = fig.subplots(1, 2)
    flown_km = ground_flown_m(traj) / 1e3
    many = len(traj.names) > MAX_NAMED_PATHS
    valid = traj.valid
    lines: dict[str, list[NDArray[np.float64]]] = {"profile": [], "track": []}
    for i, name in enumerate(traj.names):
        ok = np.flatnonzero(valid[i])
        ok = ok[:: max(1, ok.size // MAX_POINTS_PER_PATH)]  # a figure needs no more
        lon_deg = np.degrees(np.unwrap(traj.lon_rad[i, ok]))  # no jump at the antimeridian
        lat_deg = np.degrees(traj.lat_rad[i, ok])
        if many:  # one collection per panel below: drawing 200 lines one by one is slow
            lines["profile"].append(np.column_stack([flown_km[i, ok], traj.alt_m[i, ok] / 1e3]))
            lines["track"].append(np.column_stack([lon_deg, lat_deg]))
            continue
        colour = f"C{i % 10}"
        profile.plot(flown_km[i, ok], traj.alt_m[i, ok] / 1e3, color=colour, label=name)
        track.plot(lon_deg, lat_deg, color=colour, label=name)
        track.plot(lon_deg[0], lat_deg[0], "o", color=colour, markersize=6)
    if many:
        colours = [f"C{i % 10}" for i in range(len(traj.names))]
        for axes, key in ((profile, "profile"), (track, "track")):
            axes.add_collection(LineCollection(lines[key], colors=colours, linewidths=0.8))
            axes.autoscale_view()
        first = np.array([line[0] for line in lines["track"] if len(line)]).reshape(-1, 2)
        track.scatter(first[:, 0], first[:, 1], s=9, c=colours[: len(first)], zorder=2)
        profile.plot([], [], color="C0", label=f"{len(traj.names)} threats (not named)")
    profile.set(
        xlabel="ground distance flown (km)", ylabel="altitude (km)", title="Altitude profile"
    )
    profile.grid(True, alpha=0.3)
    profile.legend(loc="upper right")  # a fixed place: "best" searches every line
    # site markers in black and white, apart from the colours of the tracks
    groups = [
        ("radar", scenario.radars, "^", "white"),
        ("battery", scenario.batteries, "s", "black"),
        ("defended", scenario.defended, "*", "white"),  # last: on top of nearby batteries
    ]
    for label, items, marker, face in groups:
        if not items:
            continue
        points = [getattr(item, "site", item) for item in items]  # a defended point is its site
        names = [item.name for item in items]
        lon = [p.lon_deg for p in points]
        lat = [p.lat_deg for p in points]
        track.scatter(
            lon, lat, marker=marker, s=90, facecolor=face, edgecolor="black", zorder=3, label=label
        )
        for k, (x, y, text) in enumerate(zip(lon, lat, names, strict=True)):
            track.annotate(
                text, (x, y), textcoords="offset points", xytext=(6, 4 - 10 * k), fontsize=8
            )
    mid_lat = float(np.nanmean(traj.lat_rad[valid]))
    # a degree of longitude is cos(lat) as long as a degree of latitude
    track.set_aspect(1.0 / max(math.cos(mid_lat), 0.1), adjustable="datalim")
    track.set(xlabel="longitude (deg)", ylabel="latitude (deg)", title="Ground track")
    track.grid(True, alpha=0.3)
    track.legend(loc="upper right", fontsize=8)
    fig.suptitle(scenario.name)
    fig.savefig(path, dpi=120)


def flyout(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    out: Annotated[Path, typer.Option(help="Output folder (created if needed).")],
    dt_s: Annotated[float | None, typer.Option(help="Time step, s [scenario run.dt_s].")] = None,
    t_max_s: Annotated[
        float | None, typer.Option(help="Longest flight, s [scenario run.t_max_s].")
    ] = None,
) -> None:
    """Fly every threat of SCENARIO; write trajectories.parquet, scenario.yaml, flyout.csv and
    flyout.png."""
    with bad_input_exits_2():
        loaded = load_scenario(scenario)
        run = loaded.run.model_copy(
            update={
                "dt_s": loaded.run.dt_s if dt_s is None else dt_s,
                "t_max_s": loaded.run.t_max_s if t_max_s is None else t_max_s,
            }
        )
        require(0 < run.dt_s <= 10, "flyout", "--dt-s", run.dt_s, "0 < --dt-s <= 10")
        require(
            run.dt_s < run.t_max_s <= 86_400,
            "flyout",
            "--t-max-s",
            run.t_max_s,
            "--dt-s < --t-max-s <= 86400",
        )
        writable_folder(out)
    as_run = loaded.model_copy(update={"run": run})

    from kaminari.threats.flyout import fly_threats  # the numerics only once the input is good

    # the figure's imports (a third of a second) load while the compiled flight, which lets go
    # of the interpreter, runs
    figure_imports = threading.Thread(target=_import_figure_modules, daemon=True)
    figure_imports.start()
    traj = fly_threats(as_run.threat_specs(), dt_s=run.dt_s, t_max_s=run.t_max_s)
    _write_trajectories(traj, out / "trajectories.parquet")  # first: keep what was computed
    (out / "scenario.yaml").write_text(dump_scenario(as_run), encoding="utf-8")
    console = Console()
    summary = summarize_flyout(traj, as_run)
    write_summary_csv(summary, out / "flyout.csv")
    console.print(_flyout_table(summary, run.t_max_s))
    console.print(_loads_table(summary))
    for line in flyout_warnings(summary):
        typer.echo(line, err=True)
    _plot_flyout(traj, as_run, out / "flyout.png")
    console.print(
        f"wrote {out / 'trajectories.parquet'}, {out / 'scenario.yaml'}, {out / 'flyout.csv'}, "
        f"{out / 'flyout.png'}",
        soft_wrap=True,
    )
