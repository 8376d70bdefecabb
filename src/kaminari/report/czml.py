"""A run folder as CZML, for Cesium: the threats, the railgun rounds, the sites, the kills and
the leaks of the first few replications, on a clock that runs from the scenario epoch.

    write_czml(run_dir, reps=3) -> run_dir / "engagement.czml"

The threats' paths are their nominal flights in ``truth.parquet`` (written by the campaign; a
threat flies it until its kill or impact, which ``replications.parquet`` gives), interpolated by
cubic Hermite polynomials from the recorded positions and velocities: no threat is flown here.
Rounds are not recorded; each is flown again, deterministically, with ``fly_projectiles`` from
its battery at the shot's dispersed azimuth, elevation and muzzle velocity, at the kill chain's
projectile step ``PROJECTILE_DT_S``. The file holds, in order:

- the document packet (``id`` "document"): the scenario's name and the clock, from the epoch to
  the end of the longest flight shown, at ``CLOCK_MULTIPLIER`` times real time;
- one packet per site, always shown: ``site/radar/<name>``, ``site/battery/<name>``,
  ``site/defended/<name>`` (a point and a label at the site, cartographic degrees);
- per replication r of the first ``reps`` (in rep order), one packet per threat,
  ``rep-<r>/threat/<name>``, available from its start (its first time in truth.parquet: a
  raid's threats start at different times) to its kill, impact or the end of its recorded
  flight, with a path that trails its whole flight;
- one packet per round fired in that replication, ``rep-<r>/round/<battery>/<k>`` (k: the
  battery's k-th round of the replication, from 0, in firing order), available from its firing
  to its end: the intercept for the round that killed, the closest approach plus
  ``ROUND_AFTER_MISS_S`` for one that missed, its longest time of flight where it passed no
  threat (a round at a false track), or its impact if sooner;
- one event per kill or leak, ``rep-<r>/kill/<threat>`` or ``rep-<r>/leak/<threat>``: a point
  and a label at the threat's last position, shown from that instant to the clock's end.

Moving positions are ECEF (WGS84) Cartesian in metres in Cesium's ``FIXED`` frame, our working
frame, time-tagged in seconds since the scenario epoch and interpolated by Lagrange polynomials
of degree 5. A threat is sampled every ``THREAT_STEP_S`` and every ``THREAT_END_STEP_S`` over its
last ``THREAT_END_WINDOW_S`` (the dive and the endgame); a round every ``ROUND_STEP_S``; every
path also at its exact end. Times are rounded to the microsecond, positions to the centimetre.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from czml3 import (
    CZML_VERSION,
    Clock,
    Color,
    Document,
    Label,
    Packet,
    Point,
    PolylineMaterial,
    Position,
    SolidColorMaterial,
    TimeInterval,
)
from czml3.enums import ClockRanges, ClockSteps, InterpolationAlgorithms, LabelStyles
from czml3.properties import Path as PathGraphic  # not to be confused with pathlib's
from czml3.types import Cartesian2Value
from numpy.typing import NDArray

from kaminari.campaign.store import write_text
from kaminari.earth.frames import ecef2geodetic, geodetic2ecef
from kaminari.scenario import Scenario, ScenarioError, load_scenario

if TYPE_CHECKING:
    from kaminari.weapons.battery import Battery

__all__ = [
    "CZML_FILE",
    "PROJECTILE_DT_S",
    "ROUND_STEP_S",
    "THREAT_END_STEP_S",
    "THREAT_END_WINDOW_S",
    "THREAT_STEP_S",
    "write_czml",
]

Array = NDArray[np.float64]

CZML_FILE = "engagement.czml"
THREAT_STEP_S = 1.0
THREAT_END_WINDOW_S = 10.0
THREAT_END_STEP_S = 0.1
ROUND_STEP_S = 0.1
ROUND_AFTER_MISS_S = 0.5
"""A round that missed is shown this long past its closest approach, to show it flying on."""
CLOCK_MULTIPLIER = 10.0
MIN_GAP_S = 1e-3
"""A grid sample closer than this to a path's end is dropped: the end sample stands for it."""
LAGRANGE_DEGREE = 5
PROJECTILE_DT_S = 0.05
"""The step rounds are flown at: the kill chain's (``engagement.chain.KillChain``)."""

REPLICATION_COLUMNS = (
    "rep", "threat", "killed", "kill_t_s", "leaked", "impact_t_s", "impact_lat_deg",
    "impact_lon_deg",
)  # fmt: skip
TRUTH_COLUMNS = ("threat", "t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")
SHOT_COLUMNS = (
    "rep",
    "battery",
    "track_id",
    "threat",
    "fire_t_s",
    "shot_az_deg",
    "shot_el_deg",
    "muzzle_velocity_mps",
    "intercept_t_s",
    "miss_m",
    "kill",
)
RUN_FOLDER = "a run folder written by `kaminari run` (scenario.yaml, replications.parquet, "
RUN_FOLDER += "shots.parquet, truth.parquet)"

# RGBA colours: threats red, rounds yellow, kills green, leaks magenta, sites by kind
THREAT_RGBA = [255, 64, 64, 255]
ROUND_RGBA = [255, 220, 0, 255]
KILL_RGBA = [0, 230, 118, 255]
LEAK_RGBA = [255, 0, 255, 255]
SITE_RGBA = {"radar": [64, 160, 255, 255], "battery": [255, 170, 0, 255], "defended": [255] * 4}


@dataclass(frozen=True)
class _Flight:
    """One sampled path: times in s since the epoch (K,), ECEF positions (K, 3) in m."""

    t_s: Array
    r_ecef: Array

    @property
    def end_t_s(self) -> float:
        return float(self.t_s[-1])


def write_czml(run_dir: str | Path, reps: int = 3) -> Path:
    """Write ``run_dir/engagement.czml`` for the first ``reps`` replications of the run in
    ``run_dir`` (see the module docstring for its packets); returns its path.

    Bad input (a missing or unreadable scenario.yaml or table, a table that lacks a column or
    names a threat or battery the scenario does not have, ``reps`` < 1) raises a one-line
    ``ScenarioError`` naming the file."""
    run_dir = Path(run_dir)
    if reps < 1:
        raise ScenarioError("kaminari czml", None, "--reps", f"{reps} is not allowed", "reps >= 1")
    if not run_dir.is_dir():
        raise ScenarioError(str(run_dir), None, None, "no such folder", RUN_FOLDER)
    scenario = load_scenario(run_dir / "scenario.yaml")
    rep_path, shot_path = run_dir / "replications.parquet", run_dir / "shots.parquet"
    truth_path = run_dir / "truth.parquet"
    table = _read_table(rep_path, REPLICATION_COLUMNS)
    shots = _read_table(shot_path, SHOT_COLUMNS)
    truth = _read_table(truth_path, TRUTH_COLUMNS)
    shown = np.unique(table["rep"])[:reps]
    if shown.size == 0:
        raise ScenarioError(str(rep_path), None, None, "holds no replications", RUN_FOLDER)
    scenario_threats = [n for entry in scenario.threats for n in entry.names()]
    threat_names = list(dict.fromkeys(truth["threat"].astype(str).tolist()))
    battery_names = [b.name for b in scenario.batteries]
    _known(truth_path, "threat", truth["threat"], scenario_threats)
    _known(rep_path, "threat", table["threat"], threat_names, "truth.parquet")
    in_shown = np.isin(shots["rep"], shown)
    shots = {name: column[in_shown] for name, column in shots.items()}
    _known(shot_path, "battery", shots["battery"], battery_names)
    _known(shot_path, "threat", shots["threat"], [*threat_names, ""], "truth.parquet")

    own_path = run_dir / "paths.parquet"  # a dispersed threat's own paths (newer runs)
    own = _read_table(own_path, ("rep", *TRUTH_COLUMNS)) if own_path.is_file() else None
    if own is not None:
        keep = np.isin(own["rep"], shown)
        own = {name: column[keep] for name, column in own.items()}
    threats = _threat_flights(truth, table, shown, own)
    max_tof_s = scenario.fire_control.max_time_of_flight_s
    rounds = _round_flights(scenario.battery_models(), shots, max_tof_s)
    ends = [f.end_t_s for f in threats.values()] + [f.end_t_s for f in rounds if f is not None]
    clock_end_s = max(ends)
    epoch = scenario.epoch
    packets = [_document(scenario, epoch, clock_end_s, shown.size)]
    packets += _site_packets(scenario)
    for r in shown.tolist():
        packets += _threat_packets(epoch, r, threats, threat_names)
        packets += _round_packets(epoch, r, shots, rounds)
        packets += _event_packets(epoch, r, table, shots, threats, clock_end_s)
    document = Document(packets=packets)  # czml3 validates every packet and the preamble
    out = run_dir / CZML_FILE
    text = "[\n" + ",\n".join(p.dumps() for p in document.packets) + "\n]\n"
    try:
        write_text(text, out)
    except OSError as err:
        message = f"cannot write: {err.strerror or err}"
        raise ScenarioError(str(out), None, None, message, "a folder that can be written") from None
    return out


# --- input ---------------------------------------------------------------------------------


def _read_table(path: Path, columns: Sequence[str]) -> dict[str, NDArray]:
    """The named columns of a Parquet file as numpy arrays; a one-line error for a missing,
    unreadable or incomplete file."""
    try:
        schema = pq.read_schema(path)
        missing = [c for c in columns if c not in schema.names]
        if missing:
            message = "lacks the column(s) " + ", ".join(missing)
            raise ScenarioError(str(path), None, None, message, RUN_FOLDER)
        data = pq.read_table(path, columns=list(columns))
    except FileNotFoundError:
        raise ScenarioError(str(path), None, None, "no such file", RUN_FOLDER) from None
    except (OSError, pa.ArrowException, ValueError) as err:
        reason = " ".join(str(err).split())[:160] or type(err).__name__
        message = f"not a readable Parquet file ({reason})"
        raise ScenarioError(str(path), None, None, message, RUN_FOLDER) from None
    return {name: data.column(name).to_numpy(zero_copy_only=False) for name in columns}


def _known(
    path: Path, column: str, values: NDArray, names: Sequence[str], where: str = "scenario.yaml"
) -> None:
    unknown = sorted(set(values.astype(str).tolist()) - set(names))
    if unknown:
        message = f"{unknown[0]!r} is not in the run's {where}"
        listed = [n for n in names if n]
        allowed = ", ".join(listed) if listed else f"none: the {where} lists none"
        raise ScenarioError(str(path), None, column, message, allowed)


# --- flights -------------------------------------------------------------------------------


def _sample_times(
    start_s: float, end_s: float, step_s: float, end_window_s: float = 0.0, end_step_s: float = 1.0
) -> Array:
    """Sample times from ``start_s`` every ``step_s``, every ``end_step_s`` over the last
    ``end_window_s``, and ``end_s`` itself; rounded to the microsecond, strictly increasing."""
    span = max(end_s - start_s, 0.0)
    grid = start_s + step_s * np.arange(math.ceil(span / step_s) + 1)
    if end_window_s > 0.0:
        dense = start_s + end_step_s * np.arange(math.ceil(span / end_step_s) + 1)
        grid = np.concatenate([grid, dense[dense >= end_s - end_window_s]])
    grid = np.unique(np.round(grid, 6))
    end = round(end_s, 6)
    return np.append(grid[grid < end - MIN_GAP_S], end)


def _hermite(t_s: Array, r: Array, v: Array, times: Array) -> Array:
    """Positions (K, 3) at ``times`` (K,) by cubic Hermite interpolation of the records
    ``t_s`` (T,), strictly increasing but not necessarily evenly spaced, positions ``r`` and
    velocities ``v`` (T, 3) (de Boor, "A Practical Guide to Splines", ch. IV); a time outside
    the records is extrapolated from the end interval."""
    i = np.clip(np.searchsorted(t_s, times, side="right") - 1, 0, t_s.size - 2)
    h = (t_s[i + 1] - t_s[i])[:, None]
    s = (times - t_s[i])[:, None] / h
    s2, s3 = s * s, s * s * s
    return (
        (2 * s3 - 3 * s2 + 1) * r[i]
        + (s3 - 2 * s2 + s) * h * v[i]
        + (-2 * s3 + 3 * s2) * r[i + 1]
        + (s3 - s2) * h * v[i + 1]
    )


def _sampled(
    t_s: Array, r_ecef: Array, v_ecef: Array, times: Array, end_r: Array | None
) -> _Flight:
    """A recorded path (``t_s`` (T,), ``r_ecef``/``v_ecef`` (T, 3); records with NaN, where it
    had stopped, are left out) at ``times`` (K,); the last time is the path's end, at ``end_r``
    where given (a ground impact, between two records). Times past the last record are dropped
    but for the end, which is extrapolated from the last record interval where no ``end_r`` is
    given (a kill in the step before impact)."""
    ok = np.isfinite(t_s) & np.isfinite(r_ecef).all(axis=1) & np.isfinite(v_ecef).all(axis=1)
    t_s, r_ecef, v_ecef = t_s[ok], r_ecef[ok], v_ecef[ok]
    keep = times <= t_s[-1] + 1e-9
    keep[-1] = True
    times = times[keep]
    if t_s.size == 1:  # one record: nothing to interpolate between
        r = np.repeat(r_ecef, times.size, axis=0) + (times - t_s[0])[:, None] * v_ecef
    else:
        r = _hermite(t_s, r_ecef, v_ecef, times)
    if end_r is not None:
        r[-1] = end_r
    return _Flight(times, r)


def _paths_by(
    truth: dict[str, NDArray], keys: NDArray
) -> dict[object, tuple[Array, Array, Array]]:
    """Each key's (a threat name, or (rep, name)) sampled path in time order."""
    paths = {}
    for key in dict.fromkeys(keys.tolist()):
        rows = np.flatnonzero(np.array([k == key for k in keys.tolist()]))
        rows = rows[np.argsort(truth["t_s"][rows], kind="stable")]
        t = truth["t_s"][rows].astype(float)
        r = np.column_stack([truth[c][rows] for c in ("x_m", "y_m", "z_m")]).astype(float)
        v = np.column_stack([truth[c][rows] for c in ("vx_mps", "vy_mps", "vz_mps")])
        ok = np.isfinite(t) & np.isfinite(r).all(axis=1)
        if ok.any():
            paths[key] = (t[ok], r[ok], v[ok].astype(float))
    return paths


def _threat_flights(
    truth: dict[str, NDArray],
    table: dict[str, NDArray],
    shown: NDArray,
    own: dict[str, NDArray] | None = None,
) -> dict[tuple[int, str], _Flight]:
    """Each shown (rep, threat)'s path from its start to its kill, its impact (where
    ``replications.parquet`` puts it, on the ellipsoid) or the end of its recorded flight:
    the replication's own path where ``own`` (``paths.parquet``: a dispersed threat's) has it,
    else the threat's nominal path."""
    paths = _paths_by(truth, truth["threat"].astype(str))
    if own is not None and own["rep"].size:
        keys = np.empty(own["rep"].size, dtype=object)
        keys[:] = list(zip(own["rep"].astype(int).tolist(), own["threat"].astype(str).tolist(),
                           strict=True))  # fmt: skip
        paths.update(_paths_by(own, keys))
    flights = {}
    for row in np.flatnonzero(np.isin(table["rep"], shown)):
        r, name = int(table["rep"][row]), str(table["threat"][row])
        t_s, r_ecef, v_ecef = paths.get((r, name), paths[name])
        impact = [float(table[c][row]) for c in ("impact_t_s", "impact_lat_deg", "impact_lon_deg")]
        if bool(table["killed"][row]) and math.isfinite(float(table["kill_t_s"][row])):
            end_t, end_r = float(table["kill_t_s"][row]), None
        elif bool(table["leaked"][row]) and all(math.isfinite(x) for x in impact):
            end_t = impact[0]
            end_r = geodetic2ecef(math.radians(impact[1]), math.radians(impact[2]), 0.0)
        else:  # still flying at the end of the record (the run's t_max_s)
            end_t, end_r = float(t_s[-1]), None
        start_t = float(t_s[0])
        t = _sample_times(start_t, end_t, THREAT_STEP_S, THREAT_END_WINDOW_S, THREAT_END_STEP_S)
        flights[(r, name)] = _sampled(t_s, r_ecef, v_ecef, t, end_r)
    return flights


def _round_end_s(kill: bool, intercept_t_s: float, fire_t_s: float, max_tof_s: float) -> float:
    if not math.isfinite(intercept_t_s):  # no closest approach known: its longest flight
        return fire_t_s + max_tof_s
    return intercept_t_s if kill else intercept_t_s + ROUND_AFTER_MISS_S


def _round_flights(
    batteries: Sequence[Battery], shots: dict[str, NDArray], max_tof_s: float
) -> list[_Flight | None]:
    """Each shot's round (in the order of ``shots``), flown again from its battery (one batch
    per battery), from its firing to its end (see ``_round_end_s``) or its impact, whichever
    comes first."""
    from kaminari.weapons.projectile import fly_projectiles  # numerics once input is good

    dt_s = PROJECTILE_DT_S
    n = shots["rep"].size
    fire = shots["fire_t_s"].astype(float)
    end = np.array(
        [
            _round_end_s(
                bool(shots["kill"][k]),
                float(shots["intercept_t_s"][k]),
                float(fire[k]),
                max_tof_s,
            )
            for k in range(n)
        ]
    )
    flights: dict[int, _Flight] = {}
    for battery in batteries:
        rows = np.flatnonzero(shots["battery"] == battery.name)
        if rows.size == 0:
            continue
        duration = end[rows] - fire[rows]
        traj = fly_projectiles(
            battery.lat_rad,
            battery.lon_rad,
            battery.alt_m,
            np.radians(shots["shot_az_deg"][rows].astype(float)),
            np.radians(shots["shot_el_deg"][rows].astype(float)),
            shots["muzzle_velocity_mps"][rows].astype(float),
            battery.projectile,
            dt_s=dt_s,
            t_max_s=float(np.max(duration)) + dt_s,
        )
        for j, k in enumerate(rows.tolist()):
            impact = float(traj.impact_t_s[j])
            hits_ground = math.isfinite(impact) and impact < duration[j]
            tau = _sample_times(0.0, impact if hits_ground else duration[j], ROUND_STEP_S)
            end_r = traj.impact_r_ecef[j] if hits_ground else None
            path = _sampled(traj.t_s, traj.r_ecef[j], traj.v_ecef[j], tau, end_r)
            flights[k] = _Flight(np.round(fire[k] + path.t_s, 6), path.r_ecef)
    # an interceptor launcher's missiles are not flown again here (no railgun round to fly)
    return [flights.get(k) for k in range(n)]


# --- packets -------------------------------------------------------------------------------


def _at(epoch: dt.datetime, t_s: float) -> dt.datetime:
    return epoch + dt.timedelta(seconds=float(t_s))


def _interval(epoch: dt.datetime, start_s: float, end_s: float) -> TimeInterval:
    return TimeInterval(start=_at(epoch, start_s), end=_at(epoch, end_s))


def _moving_position(epoch: dt.datetime, flight: _Flight) -> Position:
    samples = np.column_stack([flight.t_s, np.round(flight.r_ecef, 2)])
    return Position(
        referenceFrame="FIXED",
        epoch=epoch,
        cartesian=samples.ravel().tolist(),
        interpolationAlgorithm=InterpolationAlgorithms.LAGRANGE,
        interpolationDegree=min(LAGRANGE_DEGREE, max(flight.t_s.size - 1, 1)),
    )


def _label(text: str, rgba: list[int], offset_px: tuple[float, float] = (10.0, 0.0)) -> Label:
    return Label(
        text=text,
        font="12px sans-serif",
        style=LabelStyles.FILL_AND_OUTLINE,
        fillColor=Color(rgba=rgba),
        outlineColor=Color(rgba=[0, 0, 0, 255]),
        outlineWidth=2,
        pixelOffset=Cartesian2Value(values=list(offset_px)),
    )


def _path(rgba: list[int], width: float, trail_s: float) -> PathGraphic:
    return PathGraphic(
        leadTime=0,
        trailTime=trail_s,
        width=width,
        resolution=1,
        material=PolylineMaterial(solidColor=SolidColorMaterial(color=Color(rgba=rgba))),
    )


def _document(scenario: Scenario, epoch: dt.datetime, end_s: float, n_reps: int) -> Packet:
    return Packet(
        id="document",
        name=scenario.name,
        version=CZML_VERSION,
        description=(
            f"kaminari: the first {n_reps} replication(s) of the run; threats, rounds, sites, "
            "kills and leaks. Positions: ECEF (WGS84, FIXED frame), seconds since the epoch."
        ),
        clock=Clock(
            interval=_interval(epoch, 0.0, end_s),
            currentTime=epoch,
            multiplier=CLOCK_MULTIPLIER,
            range=ClockRanges.LOOP_STOP,
            step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER,
        ),
    )


def _site_packets(scenario: Scenario) -> list[Packet]:
    sites = [
        ("radar", r.name, r.site, f"radar, range {r.max_range_km:g} km") for r in scenario.radars
    ]
    sites += [
        (
            "battery", b.name, b.site,
            f"railgun battery, {b.muzzle_velocity_mps:g} m/s" if b.kind == "railgun"
            else "interceptor battery (SM-6 class)",
        )
        for b in scenario.batteries
    ]
    sites += [("defended", d.name, d, "defended point") for d in scenario.defended]
    return [
        Packet(
            id=f"site/{kind}/{name}",
            name=name,
            description=about,
            position=Position(cartographicDegrees=[site.lon_deg, site.lat_deg, site.alt_m]),
            point=Point(
                pixelSize=9,
                color=Color(rgba=SITE_RGBA[kind]),
                outlineColor=Color(rgba=[0, 0, 0, 255]),
                outlineWidth=1,
            ),
            label=_label(name, SITE_RGBA[kind]),
        )
        for kind, name, site, about in sites
    ]


def _threat_packets(
    epoch: dt.datetime, r: int, flights: dict[tuple[int, str], _Flight], names: Sequence[str]
) -> list[Packet]:
    packets = []
    for name in names:
        flight = flights.get((r, name))
        if flight is None:  # a threat the table does not list for this replication
            continue
        packets.append(
            Packet(
                id=f"rep-{r}/threat/{name}",
                name=f"{name} (rep {r})",
                availability=_interval(epoch, flight.t_s[0], flight.end_t_s),
                position=_moving_position(epoch, flight),
                point=Point(pixelSize=7, color=Color(rgba=THREAT_RGBA)),
                path=_path(THREAT_RGBA, 2, flight.end_t_s - flight.t_s[0]),
                label=_label(f"{name} r{r}", THREAT_RGBA, (10.0, -14.0 * (r % 4))),
            )
        )
    return packets


def _round_packets(
    epoch: dt.datetime, r: int, shots: dict[str, NDArray], flights: list[_Flight | None]
) -> list[Packet]:
    packets = []
    count: dict[str, int] = {}
    rows = np.flatnonzero(shots["rep"] == r)
    for k in rows[np.argsort(shots["fire_t_s"][rows], kind="stable")].tolist():
        battery = str(shots["battery"][k])
        number = count[battery] = count.get(battery, -1) + 1
        flight = flights[k]
        if flight is None:
            continue
        miss = float(shots["miss_m"][k])
        outcome = "the kill" if bool(shots["kill"][k]) else "no kill"
        packets.append(
            Packet(
                id=f"rep-{r}/round/{battery}/{number}",
                name=f"{battery} round {number} (rep {r})",
                description=(
                    f"at track {shots['track_id'][k]} ("
                    + (f"{shots['threat'][k]}" if shots["threat"][k] else "no threat: false alarms")
                    + f"), fired at {shots['fire_t_s'][k]:.2f} s, az "
                    f"{shots['shot_az_deg'][k]:.2f} deg, el {shots['shot_el_deg'][k]:.2f} deg, "
                    f"{shots['muzzle_velocity_mps'][k]:.0f} m/s; "
                    + (f"miss {miss:.1f} m, " if math.isfinite(miss) else "")
                    + outcome
                ),
                availability=_interval(epoch, flight.t_s[0], flight.end_t_s),
                position=_moving_position(epoch, flight),
                point=Point(pixelSize=4, color=Color(rgba=ROUND_RGBA)),
                path=_path(ROUND_RGBA, 1, flight.end_t_s - flight.t_s[0]),
            )
        )
    return packets


def _event_packets(
    epoch: dt.datetime,
    r: int,
    table: dict[str, NDArray],
    shots: dict[str, NDArray],
    flights: dict[tuple[int, str], _Flight],
    clock_end_s: float,
) -> list[Packet]:
    packets = []
    for row in np.flatnonzero(table["rep"] == r).tolist():
        name = str(table["threat"][row])
        killed, leaked = bool(table["killed"][row]), bool(table["leaked"][row])
        if not (killed or leaked):
            continue
        flight = flights[(r, name)]
        t = flight.end_t_s
        if killed:
            by = shots["battery"][(shots["rep"] == r) & (shots["threat"] == name) & shots["kill"]]
            text = f"rep {r}: {name} killed at {t:.1f} s" + (f" by {by[0]}" if by.size else "")
            kind, rgba = "kill", KILL_RGBA
        else:
            text, kind, rgba = f"rep {r}: {name} leaked, impact at {t:.1f} s", "leak", LEAK_RGBA
        where = ecef2geodetic(flight.r_ecef[-1])
        lon, lat = math.degrees(float(where.lon_rad)), math.degrees(float(where.lat_rad))
        packets.append(
            Packet(
                id=f"rep-{r}/{kind}/{name}",
                name=text,
                availability=_interval(epoch, t, clock_end_s),
                position=Position(cartographicDegrees=[lon, lat, float(where.alt_m)]),
                point=Point(
                    pixelSize=12,
                    color=Color(rgba=rgba),
                    outlineColor=Color(rgba=[0, 0, 0, 255]),
                    outlineWidth=1,
                ),
                label=_label(text, rgba, (12.0, 14.0 * (r % 4))),
            )
        )
    return packets
