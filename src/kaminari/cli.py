"""The ``kaminari`` command.

    kaminari flyout SCENARIO --out DIR   fly the threats; trajectories, a summary and a figure
    kaminari shoot SCENARIO --battery B --az-deg A --el-deg E   fly one railgun projectile

(``run``, ``sweep``, ``report`` and ``czml`` will join them as further ``@app.command()``s.)

Input a user can get wrong (a scenario, an option value, an output folder) ends in one line on
stderr and exit status 2, never a traceback; any other exception is a bug and keeps its traceback.
Degrees and kilometres appear only here and in the scenario file; the numerics get SI.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from numpy.typing import NDArray
from rich import box
from rich.console import Console
from rich.table import Table

from kaminari._yaml_lines import did_you_mean
from kaminari.earth.frames import ecef2geodetic, geodetic2ecef
from kaminari.earth.geodesy import ground_range_m
from kaminari.scenario import Scenario, ScenarioError, dump_scenario, load_scenario

try:  # typer >= 0.26 vendors click and raises its own usage errors
    from typer._click import exceptions as _click_errors
except ImportError:  # pragma: no cover - older typer on click
    from click import exceptions as _click_errors  # type: ignore[no-redef]

if TYPE_CHECKING:
    from kaminari.threats.flyout import ThreatTrajectories
    from kaminari.weapons.projectile import ProjectileTrajectories

__all__ = ["FlyoutSummary", "app", "ground_flown_m", "main", "summarize_flyout"]

Array = NDArray[np.float64]

app = typer.Typer(
    name="kaminari",
    help="Simulate the defensive kill chain against hypersonic glide vehicles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

TRAJECTORY_COLUMNS = (
    "threat",
    "t_s",
    "x_m",
    "y_m",
    "z_m",
    "vx_mps",
    "vy_mps",
    "vz_mps",
    "lat_deg",
    "lon_deg",
    "alt_m",
    "mach",
    "q_pa",
    "load_factor_g",
)
"""Columns of ``trajectories.parquet``, in order."""

GLIDE_AFTER_S = 60.0
GLIDE_MIN_MACH = 5.0
"""The altitude band of the summary covers the glide: from 60 s on, at Mach 5 or more, and before
any terminal dive (closer to the dive target than the dive's start range)."""

SLANT_RANGES_M = (10_000.0, 20_000.0, 30_000.0, 40_000.0)


@contextmanager
def _bad_input_exits_2() -> Iterator[None]:
    try:
        yield
    except ScenarioError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None


def _require(ok: bool, command: str, option: str, value: float, allowed: str) -> None:
    if not ok:
        raise ScenarioError(
            f"kaminari {command}", None, option, f"{value:g} is not allowed", allowed
        )


def _writable_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        message = f"cannot create folder: {err.strerror or err}"
        raise ScenarioError(
            str(out), None, "--out", message, "a folder that can be written"
        ) from None


# --- flyout --------------------------------------------------------------------------------


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
    for i, threat in enumerate(scenario.threats):
        dive = scenario.dive_plan(threat)
        if dive is not None:
            to_target = ground_range_m(
                traj.lat_rad[i], traj.lon_rad[i], dive.target_lat_rad, dive.target_lon_rad
            )
            glide[i] &= to_target > dive.start_range_m
    alt_glide = np.where(glide, traj.alt_m, np.nan)
    has_glide = glide.any(axis=1)
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
    )


def _write_trajectories(traj: ThreatTrajectories, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = traj.rows()
    columns = {
        name: pa.array(np.asarray(rows[name]).tolist(), pa.string())
        if name == "threat"
        else pa.array(np.asarray(rows[name], dtype=float))
        for name in TRAJECTORY_COLUMNS
    }
    pq.write_table(pa.table(columns), path)


def _flyout_table(summary: FlyoutSummary, t_max_s: float) -> Table:
    table = Table(
        title="Threat flyout",
        caption=f"range: great circle, start to end; glide alt: min-max from t = "
        f"{GLIDE_AFTER_S:g} s, at Mach >= {GLIDE_MIN_MACH:g}, before any terminal dive; "
        f"end: impact, or still flying at t_max = {t_max_s:g} s",
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
    for i, name in enumerate(summary.names):
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
    return table


def _plot_flyout(traj: ThreatTrajectories, scenario: Scenario, path: Path) -> None:
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    fig = Figure(figsize=(13, 5.5), layout="constrained")
    profile, track = fig.subplots(1, 2)
    flown_km = ground_flown_m(traj) / 1e3
    for i, name in enumerate(traj.names):
        ok = traj.valid[i]
        profile.plot(flown_km[i, ok], traj.alt_m[i, ok] / 1e3, label=name)
        lon_deg = np.degrees(np.unwrap(traj.lon_rad[i, ok]))  # no jump at the antimeridian
        lat_deg = np.degrees(traj.lat_rad[i, ok])
        (line,) = track.plot(lon_deg, lat_deg, label=name)
        track.plot(lon_deg[0], lat_deg[0], "o", color=line.get_color())
    profile.set(
        xlabel="ground distance flown (km)", ylabel="altitude (km)", title="Altitude profile"
    )
    profile.grid(True, alpha=0.3)
    profile.legend(loc="best")
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
    mid_lat = float(np.nanmean(traj.lat_rad[traj.valid]))
    # a degree of longitude is cos(lat) as long as a degree of latitude
    track.set_aspect(1.0 / max(math.cos(mid_lat), 0.1), adjustable="datalim")
    track.set(xlabel="longitude (deg)", ylabel="latitude (deg)", title="Ground track")
    track.grid(True, alpha=0.3)
    track.legend(loc="best", fontsize=8)
    fig.suptitle(scenario.name)
    fig.savefig(path, dpi=120)


@app.command()
def flyout(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    out: Annotated[Path, typer.Option(help="Output folder (created if needed).")],
    dt_s: Annotated[float | None, typer.Option(help="Time step, s [scenario run.dt_s].")] = None,
    t_max_s: Annotated[
        float | None, typer.Option(help="Longest flight, s [scenario run.t_max_s].")
    ] = None,
) -> None:
    """Fly every threat of SCENARIO; write trajectories.parquet, scenario.yaml and flyout.png."""
    with _bad_input_exits_2():
        loaded = load_scenario(scenario)
        run = loaded.run.model_copy(
            update={
                "dt_s": loaded.run.dt_s if dt_s is None else dt_s,
                "t_max_s": loaded.run.t_max_s if t_max_s is None else t_max_s,
            }
        )
        _require(0 < run.dt_s <= 10, "flyout", "--dt-s", run.dt_s, "0 < --dt-s <= 10")
        _require(
            run.dt_s < run.t_max_s <= 86_400,
            "flyout",
            "--t-max-s",
            run.t_max_s,
            "--dt-s < --t-max-s <= 86400",
        )
        _writable_folder(out)
    as_run = loaded.model_copy(update={"run": run})

    from kaminari.threats.flyout import fly_threats  # the numerics only once the input is good

    traj = fly_threats(as_run.threat_specs(), dt_s=run.dt_s, t_max_s=run.t_max_s)
    _write_trajectories(traj, out / "trajectories.parquet")  # first: keep what was computed
    (out / "scenario.yaml").write_text(dump_scenario(as_run), encoding="utf-8")
    console = Console()
    console.print(_flyout_table(summarize_flyout(traj, as_run), run.t_max_s))
    _plot_flyout(traj, as_run, out / "flyout.png")
    console.print(
        f"wrote {out / 'trajectories.parquet'}, {out / 'scenario.yaml'}, {out / 'flyout.png'}",
        soft_wrap=True,
    )


# --- shoot ---------------------------------------------------------------------------------


def _choose_battery(loaded: Scenario, scenario: Path, name: str | None) -> str:
    """The battery named by ``--battery``; without it, the scenario's only battery."""
    names = [b.name for b in loaded.batteries]
    if name in names:
        return name
    if name is None and len(names) == 1:
        return names[0]
    if not names:
        message, allowed = "the scenario lists no batteries", "a scenario with batteries"
    elif name is None:
        message, allowed = "required: the scenario has several batteries", ", ".join(names)
    else:
        message, allowed = f"no battery {name!r}{did_you_mean(name, names)}", ", ".join(names)
    raise ScenarioError(str(scenario), None, "--battery", message, allowed)


def _shot_table(traj: ProjectileTrajectories, site_lla: tuple[float, float, float]) -> Table:
    from kaminari.weapons.projectile import slant_range_crossings

    lat0, lon0, alt0 = site_lla
    ranges = np.asarray(SLANT_RANGES_M)
    t_cross, v_cross, h_cross = slant_range_crossings(traj, geodetic2ecef(lat0, lon0, alt0), ranges)
    ok = traj.valid[0]
    t, r = traj.t_s[ok], traj.r_ecef[0, ok]

    def ground_km(r_ecef: Array) -> float:
        point = ecef2geodetic(r_ecef)
        return float(ground_range_m(lat0, lon0, point.lat_rad, point.lon_rad)) / 1e3

    def at(t_at: float) -> Array:
        return np.array([np.interp(t_at, t, r[:, k]) for k in range(3)])

    events = []  # (label, time s, position, altitude m, speed m/s)
    top = int(np.argmax(traj.alt_m[0, ok]))
    if top < len(t) - 1:  # else still climbing at t_max: no apogee yet
        events.append(
            ("apogee", t[top], r[top], traj.alt_m[0, ok][top], traj.speed_mps[0, ok][top])
        )
    impact = float(traj.impact_t_s[0])
    if math.isfinite(impact):  # speed: the last sample's, at most one step before impact
        r_hit = traj.impact_r_ecef[0]
        speed = traj.speed_mps[0, ok][-1]
        events.append(("impact", impact, r_hit, float(ecef2geodetic(r_hit).alt_m), speed))
    table = Table(
        title="Railgun shot",
        caption=f"time of flight: {impact:.2f} s"
        if math.isfinite(impact)
        else f"no impact within t_max = {traj.t_s[-1]:g} s" + ("" if events else ", nor apogee"),
        box=box.SIMPLE_HEAD,
        caption_justify="left",
    )
    table.add_column("event", no_wrap=True)
    for header in ("time\ns", "ground\nrange km", "altitude\nkm", "speed\nm/s"):
        table.add_column(header, justify="right", no_wrap=True)
    for k, slant in enumerate(ranges):
        if not math.isfinite(t_cross[0, k]):
            table.add_row(f"slant range {slant / 1e3:g} km", "not reached", "", "", "")
            continue
        table.add_row(
            f"slant range {slant / 1e3:g} km",
            f"{t_cross[0, k]:.2f}",
            f"{ground_km(at(t_cross[0, k])):.2f}",
            f"{h_cross[0, k] / 1e3:.2f}",
            f"{v_cross[0, k]:.0f}",
        )
    for label, t_at, r_at, alt, speed in events:
        table.add_row(
            label, f"{t_at:.2f}", f"{ground_km(r_at):.2f}", f"{alt / 1e3:.2f}", f"{speed:.0f}"
        )
    return table


@app.command()
def shoot(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    az_deg: Annotated[float, typer.Option(help="Azimuth, deg clockwise from north.")],
    el_deg: Annotated[float, typer.Option(help="Elevation above the horizontal, deg.")],
    battery: Annotated[
        str | None, typer.Option(help="Battery name [the only one, if just one].")
    ] = None,
    muzzle_velocity_mps: Annotated[
        float | None, typer.Option(help="Muzzle velocity, m/s [the battery's].")
    ] = None,
    dt_s: Annotated[float, typer.Option(help="Time step, s.")] = 0.01,
    t_max_s: Annotated[float, typer.Option(help="Longest flight, s.")] = 120.0,
) -> None:
    """Fly one projectile from a battery of SCENARIO and tabulate it at 10-40 km slant range."""
    with _bad_input_exits_2():
        loaded = load_scenario(scenario)
        config = loaded.battery(_choose_battery(loaded, scenario, battery))
        v0 = config.muzzle_velocity_mps if muzzle_velocity_mps is None else muzzle_velocity_mps
        _require(-180 <= az_deg <= 360, "shoot", "--az-deg", az_deg, "-180 <= --az-deg <= 360")
        _require(0 <= el_deg <= 90, "shoot", "--el-deg", el_deg, "0 <= --el-deg <= 90")
        _require(
            0 < v0 < 12_000,
            "shoot",
            "--muzzle-velocity-mps",
            v0,
            "0 < --muzzle-velocity-mps < 12000",
        )
        _require(0 < dt_s <= 1, "shoot", "--dt-s", dt_s, "0 < --dt-s <= 1")
        _require(
            dt_s < t_max_s <= 3_600, "shoot", "--t-max-s", t_max_s, "--dt-s < --t-max-s <= 3600"
        )

    from kaminari.weapons.projectile import fly_projectiles  # the numerics once input is good

    site = config.site
    traj = fly_projectiles(
        np.array([site.lat_rad]),
        np.array([site.lon_rad]),
        np.array([site.alt_m]),
        np.array([math.radians(az_deg)]),
        np.array([math.radians(el_deg)]),
        np.array([v0]),
        config.to_projectile(),
        dt_s=dt_s,
        t_max_s=t_max_s,
    )
    console = Console()
    console.print(
        f"{config.name}: az {az_deg:g} deg, el {el_deg:g} deg, {v0:g} m/s, "
        f"{config.projectile.mass_kg:g} kg, {config.projectile.diameter_m * 1e3:g} mm",
        soft_wrap=True,
    )
    console.print(_shot_table(traj, (site.lat_rad, site.lon_rad, site.alt_m)))


# --- run (in its own module, registered here) ---------------------------------------------

import kaminari._cli_czml  # noqa: E402, F401  (registers ``kaminari czml`` on the app)
import kaminari._cli_report  # noqa: E402, F401  (registers ``kaminari report`` on the app)
import kaminari._cli_sweep  # noqa: E402, F401  (registers ``kaminari sweep`` on the app)
from kaminari import _cli_run  # noqa: E402, F401  (registers ``kaminari run`` on the app)

# --- entry point ---------------------------------------------------------------------------


def main() -> None:
    """The ``kaminari`` console script: usage errors in one line too, exit status 2."""
    try:
        code = app(standalone_mode=False)
    except getattr(_click_errors, "NoArgsIsHelpError", ()) as err:
        err.show()
        sys.exit(2)
    except _click_errors.UsageError as err:
        where = err.ctx.command_path if err.ctx is not None else "kaminari"
        message = " ".join(err.format_message().split()).rstrip(".")
        print(f"{where}: {message}; allowed: see {where} --help", file=sys.stderr)
        sys.exit(2)
    except _click_errors.ClickException as err:
        print(f"kaminari: {' '.join(err.format_message().split())}", file=sys.stderr)
        sys.exit(err.exit_code)
    except (typer.Abort, getattr(_click_errors, "Abort", typer.Abort)):
        print("kaminari: aborted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
