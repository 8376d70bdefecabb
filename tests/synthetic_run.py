"""A run folder made up without running the engine: scenario.yaml, manifest.json and the four
result tables (``kaminari.results.schema``) with plausible numbers, for the report, summary and
CZML tests while the engagement core changes underneath them.

    write_run_folder(tmp_path / "run", threats=("hgv-1", "hgv-2"), reps=50)

The geometry is the short dive of ``short_dive.py`` (a glide vehicle 420 km out at 45 km
diving onto a city beside one fire-control radar and the batteries). Each threat flies a
great circle onto the city, level-ish at about 4.5 km/s, then dives for the last 300 km; a raid's
threats start ``START_SPACING_S`` apart and ``LATERAL_SPACING_KM`` across the heading. Nothing
here is physics: the numbers only have to look like a campaign's (kills near the city, misses of
metres, tracks a few metres off the truth). ``sigma_zero`` writes a folder as a run with radar
noise sigmas of 0 gives it: every replication the same, every miss the same, and tracks whose
variance and error are exactly 0 at their first scan.

``dispersed`` writes a folder as a run of dispersed threats gives it (scenario
``threats[].dispersion``): each replication's threat starts ``DISPERSED_START_KM`` (1-sigma, east
and north) off the nominal start and aims at a point ``DISPERSED_CEP_M`` (a CEP) about the
city, its offset moving linearly from the one to the other along the nominal path; the
replications table has every (replication, threat)'s own flight impact point
(``flight_impact_lat_deg`` / ``_lon_deg``; a leaker's impact and a kill on its own path), and
``paths.parquet`` the own paths of the first ``tracks_reps`` replications. Without it the folder
is as before (no ``paths.parquet``, flight impact columns NaN). The dispersion's draws come from
a stream of their own: the other numbers are the same either way.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from short_dive import short_dive

from kaminari.earth.frames import geodetic2ecef
from kaminari.results.schema import PATHS, REPLICATIONS, SHOTS, TRACKS, TRUTH, to_arrow

__all__ = [
    "DISPERSED_CEP_M",
    "DISPERSED_START_KM",
    "LATERAL_SPACING_KM",
    "START_SPACING_S",
    "scenario_dict",
    "write_run_folder",
]

R_EARTH_M = 6_371_008.8
CITY = (35.68, 139.77)
START = (34.4, 135.4)
DIVE_M = 300e3
SPEED_MPS = 4_500.0
START_SPACING_S = 10.0
LATERAL_SPACING_KM = 15.0
BATTERIES = (("gun", 35.66, 139.72), ("gun-2", 35.64, 139.72))
DISPERSED_CEP_M = 200.0
DISPERSED_START_KM = 5.0
CEP_PER_SIGMA = math.sqrt(2.0 * math.log(2.0))


def scenario_dict(
    threats: Sequence[str] = ("hgv",),
    reps: int = 20,
    seed: int = 0,
    tracks_reps: int = 2,
    sigma_zero: bool = False,
    batteries: int | None = None,
    dispersed: bool = False,
) -> dict[str, Any]:
    """The short dive with these threats (copies of its one threat), run settings, and one
    battery for one threat, two for a raid (unless ``batteries`` says); ``dispersed``: each
    threat with a dispersion of its aim and start."""
    s = short_dive(reps=reps, seed=seed, tracks_reps=tracks_reps)
    base = s["threats"][0]
    s["threats"] = [{**base, "name": name} for name in threats]
    n_bat = batteries if batteries is not None else (1 if len(threats) == 1 else 2)
    gun = s["batteries"][0]
    s["batteries"] = [
        {**gun, "name": name, "site": {**gun["site"], "lat_deg": lat, "lon_deg": lon}}
        for name, lat, lon in BATTERIES[:n_bat]
    ]
    if sigma_zero:
        s["radars"][0]["sigma"] = {"range_m": 0, "azimuth_mrad": 0, "elevation_mrad": 0}
    if dispersed:
        spread = {"aim_cep_m": DISPERSED_CEP_M, "start_km": DISPERSED_START_KM}
        s["threats"] = [{**t, "dispersion": spread} for t in s["threats"]]
    return s


# --- geometry ------------------------------------------------------------------------------


def _bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    y = math.sin(lon2 - lon1) * math.cos(lat2)
    x = math.cos(lat1) * math.sin(lat2) - math.sin(lat1) * math.cos(lat2) * math.cos(lon2 - lon1)
    return math.atan2(y, x)


def _destination(lat: float, lon: float, bearing: Any, d_m: Any) -> tuple[Any, Any]:
    d = np.asarray(d_m, dtype=float) / R_EARTH_M
    b = np.asarray(bearing, dtype=float)
    lat2 = np.arcsin(np.sin(lat) * np.cos(d) + np.cos(lat) * np.sin(d) * np.cos(b))
    lon2 = lon + np.arctan2(
        np.sin(b) * np.sin(d) * np.cos(lat), np.cos(d) - np.sin(lat) * np.sin(lat2)
    )
    return lat2, lon2


def _distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * R_EARTH_M * math.asin(math.sqrt(h))


def _truth(names: Sequence[str], dt_s: float) -> dict[str, np.ndarray]:
    """Each threat's nominal flight, every ``dt_s`` from its start time to its impact on the
    city (the last row, at altitude 0)."""
    lat_c, lon_c = map(math.radians, CITY)
    lat_s, lon_s = map(math.radians, START)
    heading = _bearing(lat_s, lon_s, lat_c, lon_c)
    columns: dict[str, list[np.ndarray]] = {name: [] for name in TRUTH.names}
    for k, name in enumerate(names):
        across = (k - 0.5 * (len(names) - 1)) * LATERAL_SPACING_KM * 1e3
        lat0, lon0 = _destination(lat_s, lon_s, heading + math.pi / 2, across)
        lat0, lon0 = float(lat0), float(lon0)
        total = _distance(lat0, lon0, lat_c, lon_c)
        n = math.ceil(total / SPEED_MPS / dt_s)
        t_rel = np.arange(n + 1) * dt_s
        flown = np.minimum(SPEED_MPS * t_rel, total)
        flown[-1] = total
        lat, lon = _destination(lat0, lon0, _bearing(lat0, lon0, lat_c, lon_c), flown)
        to_go = total - flown
        alt = np.where(to_go > DIVE_M, 45e3 - 15e3 * (1 - (to_go - DIVE_M) / (total - DIVE_M)),
                       30e3 * (to_go / DIVE_M) ** 1.5)  # fmt: skip
        alt[-1] = 0.0
        r = geodetic2ecef(lat, lon, alt)
        v = np.gradient(r, t_rel, axis=0)
        speed = np.linalg.norm(v, axis=1)
        rho = 1.225 * np.exp(-alt / 7_200.0)
        t0 = k * START_SPACING_S
        part = {
            "threat": np.full(t_rel.size, name, dtype=object),
            "t_s": t0 + t_rel,
            "x_m": r[:, 0], "y_m": r[:, 1], "z_m": r[:, 2],
            "vx_mps": v[:, 0], "vy_mps": v[:, 1], "vz_mps": v[:, 2],
            "lat_deg": np.degrees(lat), "lon_deg": np.degrees(lon), "alt_m": alt,
            "mach": speed / 300.0, "q_pa": 0.5 * rho * speed**2,
            "load_factor_g": np.where(to_go > DIVE_M, 1.0, 3.0),
            "heat_rate_wpm2": 1.7415e-4 * np.sqrt(rho / 0.1) * speed**3,
            "phase": np.where(to_go > DIVE_M, "glide", "dive").astype(object),
            "stage": np.full(t_rel.size, -1), "plume": np.zeros(t_rel.size, dtype=bool),
        }  # fmt: skip
        for key, values in part.items():
            columns[key].append(np.asarray(values))
    return {key: np.concatenate(parts) for key, parts in columns.items()}


def _shifted(
    truth: dict[str, np.ndarray], name: str, start_en_m: np.ndarray, aim_en_m: np.ndarray
) -> dict[str, np.ndarray]:
    """The threat's nominal flight moved east and north, by ``start_en_m`` at its start to
    ``aim_en_m`` at its end, linearly in time: one replication's own flight."""
    rows = truth["threat"] == name
    t = truth["t_s"][rows]
    f = ((t - t[0]) / (t[-1] - t[0]))[:, None]
    east, north = ((1.0 - f) * start_en_m + f * aim_en_m).T
    lat = np.radians(truth["lat_deg"][rows]) + north / R_EARTH_M
    lon = np.radians(truth["lon_deg"][rows]) + east / (R_EARTH_M * np.cos(lat))
    alt = truth["alt_m"][rows]
    r = geodetic2ecef(lat, lon, alt)
    out = {key: truth[key][rows] for key in TRUTH.names}
    out.update(x_m=r[:, 0], y_m=r[:, 1], z_m=r[:, 2], lat_deg=np.degrees(lat),
               lon_deg=np.degrees(lon))  # fmt: skip
    return out


def _at(truth: dict[str, np.ndarray], name: str, t_s: float) -> dict[str, float]:
    """The threat's truth at ``t_s`` (linear between rows)."""
    rows = truth["threat"] == name
    t = truth["t_s"][rows]
    return {
        key: float(np.interp(t_s, t, truth[key][rows]))
        for key in ("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps", "lat_deg", "lon_deg",
                    "alt_m")
    }  # fmt: skip


# --- tables --------------------------------------------------------------------------------


def _empty(schema_names: Sequence[str]) -> dict[str, list[Any]]:
    return {name: [] for name in schema_names}


def write_run_folder(
    folder: Path,
    threats: Sequence[str] = ("hgv",),
    reps: int = 20,
    seed: int = 0,
    tracks_reps: int = 2,
    sigma_zero: bool = False,
    pk: float = 0.6,
    false_tracks_per_rep: float = 0.4,
    batteries: int | None = None,
    dispersed: bool = False,
) -> Path:
    """Write a run folder (see the module docstring) and return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scenario = scenario_dict(threats, reps, seed, tracks_reps, sigma_zero, batteries, dispersed)
    text = yaml.safe_dump(scenario, sort_keys=False)
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    dt_s = scenario["run"]["dt_s"]
    truth = _truth(threats, dt_s)
    gen = np.random.default_rng(seed)
    spread = np.random.default_rng([seed, 1])  # the dispersion's own stream
    bat_names = [b["name"] for b in scenario["batteries"]]
    rep_rows, shot_rows, track_rows = _empty(REPLICATIONS.names), _empty(SHOTS.names), []
    path_rows: list[dict[str, np.ndarray]] = []
    for r in range(reps):
        n_false = 0 if sigma_zero else int(gen.poisson(false_tracks_per_rep))
        for k, name in enumerate(threats):
            t = truth["t_s"][truth["threat"] == name]
            t0, t_end = float(t[0]), float(t[-1])
            killed = True if sigma_zero else bool(gen.random() < pk)
            kill_t = t_end - (3.0 if sigma_zero else gen.uniform(1.0, 6.0))
            detect = t0 + 63.2 if sigma_zero else t0 + gen.uniform(55.0, 70.0)
            n_shots = 1 if sigma_zero else int(gen.integers(1, 5))
            first_shot = (kill_t if killed else t_end - 2.0) - 1.0 * (n_shots - 1) - 2.8
            own = truth
            if dispersed:
                start_en = spread.normal(0.0, DISPERSED_START_KM * 1e3, 2)
                aim_en = spread.normal(0.0, DISPERSED_CEP_M / CEP_PER_SIGMA, 2)
                own = _shifted(truth, name, start_en, aim_en)
                if r < tracks_reps:
                    path_rows.append({"rep": np.full(own["t_s"].size, r), **own})
            at_kill = _at(own, name, kill_t)
            impact = _at(own, name, t_end)
            row = {
                "rep": r, "threat": name, "detect_t_s": detect, "track_t_s": detect + 0.2,
                "first_shot_t_s": first_shot, "shots": n_shots, "killed": killed,
                "kill_t_s": kill_t if killed else np.nan,
                "kill_alt_m": at_kill["alt_m"] if killed else np.nan,
                "kill_lat_deg": at_kill["lat_deg"] if killed else np.nan,
                "kill_lon_deg": at_kill["lon_deg"] if killed else np.nan,
                "leaked": not killed, "impact_t_s": np.nan if killed else t_end,
                "impact_lat_deg": np.nan if killed else impact["lat_deg"],
                "impact_lon_deg": np.nan if killed else impact["lon_deg"],
                "false_tracks": n_false,
            }  # fmt: skip
            if dispersed:
                row["flight_impact_lat_deg"] = impact["lat_deg"]
                row["flight_impact_lon_deg"] = impact["lon_deg"]
            for key, value in row.items():
                rep_rows[key].append(value)
            for j in range(n_shots):
                last = j == n_shots - 1
                fire = first_shot + 1.0 * j
                miss = 1.8 if sigma_zero else (2.0 if killed and last else gen.lognormal(2.2, 0.8))
                _shot(shot_rows, r, bat_names[(k + j) % len(bat_names)], k + 1, name, fire,
                      miss, killed and last, gen)  # fmt: skip
            if r < tracks_reps:
                end = kill_t if killed else t_end
                track_rows.append(_track(truth, r, k + 1, name, detect, end, sigma_zero, gen))
        for f in range(n_false):
            track_id = len(threats) + 1 + f
            track_rows.append(_false_track(r, track_id, 60.0 + 3 * f, gen) if r < tracks_reps
                              else None)  # fmt: skip
            if f == 0 and gen.random() < 0.5:  # a round at a track that followed a false alarm
                _shot(shot_rows, r, bat_names[0], track_id, "", 80.0, np.nan, False, gen)
    tables = {
        "replications": _table(REPLICATIONS, _arrays(rep_rows)),
        "shots": _table(SHOTS, _arrays(shot_rows)),
        "tracks": _table(TRACKS, _concat([t for t in track_rows if t is not None], TRACKS)),
        "truth": _table(TRUTH, truth),
    }
    if dispersed:
        tables["paths"] = _table(PATHS, _concat(path_rows, PATHS))
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")
    manifest = {
        "format": "kaminari-campaign/3",
        "scenario_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "predictor": "track",
        "seed": seed,
        "chunk_size": 1000,
        "track_reps": tracks_reps,
        "reps": reps,
        "n_chunks": 1,
        "finished": [0],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return folder


def _table(schema: pa.Schema, columns: dict[str, np.ndarray]) -> pa.Table:
    """``columns`` as a table of ``schema``; a column of the schema that this module does not
    write (one added since) is filled with 0, NaN, False or an empty string by its type."""
    n = len(columns["threat"])
    filled = {}
    for field in schema:
        if len(columns.get(field.name, ())) == n:
            filled[field.name] = columns[field.name]
        elif pa.types.is_string(field.type):
            filled[field.name] = np.full(n, "", dtype=object)
        elif pa.types.is_floating(field.type):
            filled[field.name] = np.full(n, np.nan)
        elif pa.types.is_boolean(field.type):
            filled[field.name] = np.zeros(n, dtype=bool)
        else:
            filled[field.name] = np.zeros(n, dtype=field.type.to_pandas_dtype())
    return to_arrow(schema, filled)


def _arrays(rows: dict[str, list[Any]]) -> dict[str, np.ndarray]:
    return {
        key: np.array(values, dtype=object)
        if values and isinstance(values[0], str)
        else np.asarray(values)
        for key, values in rows.items()
        if values  # a column not written: ``_table`` fills it
    }


def _concat(parts: list[dict[str, np.ndarray]], schema: Any) -> dict[str, np.ndarray]:
    if not parts:
        return {
            n: np.array([], dtype=object) if n == "threat" else np.array([]) for n in schema.names
        }
    names = [n for n in schema.names if n in parts[0]]  # _table fills the columns left out
    return {n: np.concatenate([p[n] for p in parts]) for n in names}


def _shot(
    rows: dict[str, list[Any]], rep: int, battery: str, track_id: int, threat: str,
    fire_t_s: float, miss_m: float, kill: bool, gen: np.random.Generator,
) -> None:  # fmt: skip
    az, el = 240.0 + gen.normal(0, 1), 35.0 + gen.normal(0, 1)
    row = {
        "rep": rep, "battery": battery, "track_id": track_id, "threat": threat,
        "fire_t_s": fire_t_s, "az_deg": az, "el_deg": el, "predicted_tof_s": 2.8,
        "predicted_miss_m": 0.2, "predicted_sigma_m": 4.0, "predicted_pk": 0.3,
        "miss_m": miss_m, "kill": kill,
        "intercept_t_s": fire_t_s + 2.8 if np.isfinite(miss_m) else np.nan,
        "shot_az_deg": az + gen.normal(0, 0.02), "shot_el_deg": el + gen.normal(0, 0.02),
        "muzzle_velocity_mps": 2300.0 + gen.normal(0, 5),
    }  # fmt: skip
    for key, value in row.items():
        rows[key].append(value)


def _track(
    truth: dict[str, np.ndarray], rep: int, track_id: int, name: str, start_s: float,
    end_s: float, sigma_zero: bool, gen: np.random.Generator,
) -> dict[str, np.ndarray]:  # fmt: skip
    """A track following ``name`` every 0.5 s; every fifth scan coasts (no detection: threat
    empty and truth NaN)."""
    t = np.arange(start_s, end_s, 0.5)
    n = t.size
    rows = truth["threat"] == name
    true = {c: np.interp(t, truth["t_s"][rows], truth[c][rows])
            for c in ("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")}  # fmt: skip
    if sigma_zero:
        sigma = np.full(n, 3e-4)
        sigma[0] = 0.0
        error = gen.normal(0, 1e-4, (n, 3))
        error[0] = 0.0
        error[1] = 0.0  # an exact estimate with a variance above 0
    else:
        sigma = 30.0 * np.exp(-np.arange(n) / 20.0) + 2.0
        error = gen.normal(0.0, 1.0, (n, 3)) * sigma[:, None] / math.sqrt(3.0)
    coast = (np.arange(n) % 5 == 4) & (np.arange(n) > 0)
    out = {
        "rep": np.full(n, rep), "track_id": np.full(n, track_id),
        "threat": np.where(coast, "", name).astype(object), "t_s": t,
        "status": np.where(np.arange(n) < 3, 1, 2).astype(np.int8),
    }  # fmt: skip
    for a, axis in enumerate("xyz"):
        out[f"{axis}_m"] = true[f"{axis}_m"] + error[:, a]
        out[f"v{axis}_mps"] = true[f"v{axis}_mps"]
        out[f"var_{axis}_m2"] = sigma**2 / 3.0
    for c in ("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps"):
        out[f"true_{c}"] = np.where(coast, np.nan, true[c])
    return out


def _false_track(rep: int, track_id: int, start_s: float, gen: np.random.Generator) -> dict:
    """A track on false alarms: a few scans near the radar, no threat, no truth."""
    n = 6
    lat, lon = math.radians(35.3 + gen.uniform(-0.2, 0.2)), math.radians(139.2)
    r = geodetic2ecef(lat, lon, 20e3) + gen.normal(0, 300.0, (n, 3))
    out = {
        "rep": np.full(n, rep), "track_id": np.full(n, track_id),
        "threat": np.full(n, "", dtype=object), "t_s": start_s + 0.5 * np.arange(n),
        "status": np.where(np.arange(n) < 3, 1, 2).astype(np.int8),
    }  # fmt: skip
    for a, axis in enumerate("xyz"):
        out[f"{axis}_m"] = r[:, a]
        out[f"v{axis}_mps"] = np.zeros(n)
        out[f"var_{axis}_m2"] = np.full(n, 400.0)
    for c in ("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps"):
        out[f"true_{c}"] = np.full(n, np.nan)
    return out
