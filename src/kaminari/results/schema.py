"""The result tables: one definition of each, as a pyarrow schema, used by every writer and
reader (the engagement's results, the campaign store, the CLI, the report and CZML).

- ``replications``: one row per replication and threat.
- ``shots``: one row per round fired.
- ``tracks``: the defence's tracks, scan by scan, for the first replications of a campaign.
- ``truth``: the threats' nominal flights (unengaged), written once per campaign so that a
  report draws them without flying them again.

Units are SI unless the name says otherwise (``_deg``); times are seconds after the
scenario's epoch; NaN marks what did not happen (no kill: ``kill_t_s`` NaN).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

__all__ = ["PATHS", "REPLICATIONS", "SHOTS", "TABLES", "TRACKS", "TRUTH", "to_arrow"]

_f = pa.float64()
_i = pa.int64()
_b = pa.bool_()
_s = pa.string()


def _schema(*fields: tuple[str, pa.DataType, str]) -> pa.Schema:
    return pa.schema([pa.field(name, kind, metadata={"doc": doc}) for name, kind, doc in fields])


REPLICATIONS = _schema(
    ("rep", _i, "replication number"),
    ("threat", _s, "threat name"),
    ("detect_t_s", _f, "first detection of the threat by any sensor"),
    ("detect_sensor", _s, "the sensor that made the first detection (empty: none did)"),
    ("track_t_s", _f, "first confirmation of a track that this threat's detections updated"),
    ("fc_track_t_s", _f, "first update, by this threat's detection, of a confirmed track whose "
     "position sigma (root of the trace) is within fire_control.max_track_sigma_m"),
    ("fc_track_error_m", _f, "that track's true position error at that update, at its "
     "state's time (m)"),
    ("handover_t_s", _f, "first detection of this threat by the handover radar (the one "
     "nearest the first battery)"),
    ("handover_error_m", _f, "how far from the threat the track that followed it most "
     "predicted it then, before that detection (m); NaN: no track yet"),
    ("first_shot_t_s", _f, "first round fired at a track that follows this threat"),
    ("engagement_window_s", _f, "from that first round to the end of the threat's own flight "
     "(its ground impact unengaged): how long the defence had (NaN: no round)"),
    ("shots", _i, "rounds fired at tracks that follow this threat"),
    ("cost_usd", _f, "cost of those rounds (US$)"),
    ("killed", _b, "a round killed the threat while it flew (its Pk given the miss)"),
    ("kill_t_s", _f, "time of the killing round's closest approach"),
    ("kill_alt_m", _f, "altitude of the kill above the WGS84 ellipsoid"),
    ("kill_lat_deg", _f, "geodetic latitude of the kill"),
    ("kill_lon_deg", _f, "longitude of the kill"),
    ("debris_distance_m", _f, "ground distance from the nearest defended point to where the "
     "killed threat's debris lands, flown ballistically from the kill (NaN: not killed)"),
    ("defended", _b, "killed with its debris landing beyond the keep-out radius of every "
     "defended point"),
    ("leaked", _b, "the threat reached the ground alive"),
    ("impact_t_s", _f, "ground impact of a leaker"),
    ("impact_lat_deg", _f, "geodetic latitude of a leaker's impact"),
    ("impact_lon_deg", _f, "longitude of a leaker's impact"),
    ("flight_impact_lat_deg", _f, "geodetic latitude where the threat's own flight reaches "
     "the ground, killed or not (its replication's path; NaN: still flying at t_max)"),
    ("flight_impact_lon_deg", _f, "longitude where the threat's own flight reaches the ground"),
    ("false_tracks", _i, "confirmed tracks in this replication that followed no threat most "
     "of the time (the same on every threat row of a replication)"),
    ("track_updates", _i, "detections that updated confirmed tracks in this replication"),
    ("track_updates_own", _i, "of those, detections of the threat (or false alarm) that the "
     "updated track followed most: association purity is their ratio"),
)

SHOTS = _schema(
    ("rep", _i, "replication number"),
    ("battery", _s, "battery that fired"),
    ("node", _s, "the network node of the battery (empty without a network)"),
    ("engage", _s, "the battery's engagement mode: local, launch-on-remote or engage-on-remote"),
    ("own_track", _b, "the node's own data (its sensors, measurements shared with it) held the "
     "track fired at, within the tracker's max_coast_s"),
    ("completed", _b, "false for a launch-on-remote round that steers in flight whose threat "
     "its node's own data did not hold in time: it cannot kill"),
    ("effector", _s, "what it fired: railgun (an unguided or guided round) or interceptor"),
    ("cost_usd", _f, "cost of the round or missile (US$)"),
    ("track_id", _i, "the track fired at (numbered from 1 within a replication)"),
    ("threat", _s, "the threat that track followed most at the firing time, empty if none"),
    ("fire_t_s", _f, "when the round left the muzzle"),
    ("az_deg", _f, "aimed azimuth, clockwise from north"),
    ("el_deg", _f, "aimed elevation"),
    ("predicted_tof_s", _f, "time of flight to the predicted intercept"),
    ("predicted_miss_m", _f, "miss of the aimed round against the predicted path"),
    ("predicted_sigma_m", _f, "track position sigma predicted to the intercept"),
    ("predicted_pk", _f, "fire control's single-shot kill probability"),
    ("miss_m", _f, "closest approach to the nearest threat alive then (NaN: none)"),
    ("kill", _b, "this round killed a threat"),
    ("intercept_t_s", _f, "time of that closest approach"),
    ("closing_speed_mps", _f, "relative speed of round and threat there"),
    ("pk_given_miss", _f, "the round's damage function at that miss (its Pk given the miss)"),
    ("shot_az_deg", _f, "azimuth the round actually left at (dispersion)"),
    ("shot_el_deg", _f, "elevation the round actually left at"),
    ("muzzle_velocity_mps", _f, "muzzle velocity the round actually had"),
)

_STATE = [
    ("x_m", _f, "estimated ECEF x"),
    ("y_m", _f, "estimated ECEF y"),
    ("z_m", _f, "estimated ECEF z"),
    ("vx_mps", _f, "estimated ECEF velocity x"),
    ("vy_mps", _f, "estimated ECEF velocity y"),
    ("vz_mps", _f, "estimated ECEF velocity z"),
    ("var_x_m2", _f, "variance of x"),
    ("var_y_m2", _f, "variance of y"),
    ("var_z_m2", _f, "variance of z"),
]
_TRUE = [
    (f"true_{c}", _f, f"the threat's true {c} (NaN without a threat)")
    for c in ("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")
]

TRACKS = _schema(
    ("rep", _i, "replication number"),
    ("track_id", _i, "track number within the replication, from 1"),
    ("threat", _s, "the threat whose detection updated the track at this scan, empty if none"),
    ("t_s", _f, "scan time"),
    ("status", pa.int8(), "1 tentative, 2 confirmed"),
    *_STATE,
    *_TRUE,
    ("sensor", _s, "the sensor whose detection updated the track at this scan (or the link "
     "whose report did), empty if none"),
    ("node", _s, "the network node whose track this is (empty without a network)"),
    ("pcrlb_m", _f, "posterior Cramer-Rao bound on the position sigma (root of the trace) of the "
     "threat the row follows, from the radar detections of it up to then (NaN: none)"),
)

TRUTH = _schema(
    ("threat", _s, "threat name"),
    ("t_s", _f, "time after the epoch"),
    ("x_m", _f, "ECEF x"),
    ("y_m", _f, "ECEF y"),
    ("z_m", _f, "ECEF z"),
    ("vx_mps", _f, "ECEF velocity x"),
    ("vy_mps", _f, "ECEF velocity y"),
    ("vz_mps", _f, "ECEF velocity z"),
    ("lat_deg", _f, "geodetic latitude"),
    ("lon_deg", _f, "longitude"),
    ("alt_m", _f, "altitude above the WGS84 ellipsoid"),
    ("mach", _f, "Mach number"),
    ("q_pa", _f, "dynamic pressure"),
    ("heat_rate_wpm2", _f, "stagnation-point convective heat rate (Sutton-Graves), W/m^2"),
    ("load_factor_g", _f, "aerodynamic load sqrt(L^2 + D^2) / (m g0)"),
    ("phase", _s, "flight phase: boost, midcourse, glide or dive"),
    ("stage", _i, "booster stage firing (or next to fire), from 0; -1 after the payload's "
     "release, and for a threat started from a given state"),
    ("plume", _b, "a rocket motor burns: a launch that infrared sensors can see"),
)

PATHS = pa.schema(
    [pa.field("rep", _i, metadata={"doc": "replication number"}), *TRUTH],
)
"""The dispersed threats' own flights in the first recorded replications: ``truth``'s columns
with the replication's number first."""

METRICS = _schema(
    ("rep", _i, "replication number (the recorded ones)"),
    ("node", _s, "the network node whose picture is scored (empty without a network)"),
    ("t_s", _f, "an instant the node's tracks changed: its confirmed tracks flown to it"),
    ("tracks", _i, "confirmed tracks then"),
    ("threats", _i, "threats in flight and alive then"),
    ("ospa_m", _f, "OSPA distance between the tracks' and the threats' positions (cutoff "
     "1 km, order 2; Schuhmacher, Vo & Vo 2008)"),
    ("gospa_m", _f, "GOSPA distance (cutoff 1 km, order 2, alpha 2; Rahmathullah, "
     "Garcia-Fernandez & Svensson 2017)"),
    ("gospa_missed", _i, "threats GOSPA leaves unassigned (missed)"),
    ("gospa_false", _i, "tracks GOSPA leaves unassigned (false)"),
)

TABLES: dict[str, pa.Schema] = {
    "replications": REPLICATIONS,
    "shots": SHOTS,
    "tracks": TRACKS,
    "truth": TRUTH,
    "paths": PATHS,
    "metrics": METRICS,
}


def to_arrow(schema: pa.Schema, columns: Mapping[str, NDArray]) -> pa.Table:
    """``columns`` as a table of ``schema``: every column present, in the schema's order and
    types. A missing or extra column is a programming error (ValueError)."""
    names = set(schema.names)
    given = set(columns)
    if names != given:
        raise ValueError(
            f"columns do not match the schema: missing {sorted(names - given)}, "
            f"extra {sorted(given - names)}"
        )
    arrays = [_arrow_array(columns[field.name], field.type) for field in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


_BUFFERED = {_f: (np.float64, "fiub"), _i: (np.int64, "iub")}
"""Arrow types built straight from a numpy buffer, and the numpy kinds that convert exactly
(a float column given as int64 goes through ``pa.array``, which refuses a fraction or NaN)."""
_INT32_MAX = np.iinfo(np.int32).max


def _arrow_array(column: NDArray, kind: pa.DataType) -> pa.Array:
    """``column`` (1-D) as an arrow array of type ``kind``, built from buffers where it can be.

    ``pa.array`` imports pandas on its first call in a process (0.2-0.4 s, a tenth of a
    flyout's whole process) and converts an object array of names ten times slower than a
    list; buffers need neither. NaN stays NaN (not null), as with ``pa.array(...,
    from_pandas=False)``; anything else (a None among names, another type) goes through
    ``pa.array``."""
    values = np.asarray(column).reshape(-1)
    n = values.size
    if kind in _BUFFERED and values.dtype.kind in _BUFFERED[kind][1]:
        data = np.ascontiguousarray(values, dtype=_BUFFERED[kind][0])
        return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(data)])
    if kind == _b and values.dtype.kind == "b":
        bits = np.packbits(values, bitorder="little")
        return pa.Array.from_buffers(kind, n, [None, pa.py_buffer(bits)])
    if kind == _s:
        built = _utf8(values) if values.dtype.kind in "OU" else None
        if built is not None:
            return built
        values = values.astype(object) if n else np.array([], dtype=object)
    return pa.array(values, type=kind, from_pandas=False)


def _utf8(values: NDArray) -> pa.Array | None:
    """Names (1-D, every one a str) as an arrow string array from its offsets and UTF-8 bytes;
    None where one is not a str (a None: ``pa.array`` makes it null) or the bytes pass the
    2 GiB that 32-bit offsets address.

    Tables repeat a name down a run of rows (a threat's 2,000 samples), so each run's name is
    encoded once and its bytes repeated: 660,000 flyout rows of 200 names take 0.02 s instead
    of the 0.6 s of encoding every row."""
    n = values.size
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]]) if n else np.zeros(0, int)
    counts = np.diff(np.r_[starts, n])
    try:
        encoded = [text.encode() for text in values[starts].tolist()]
    except AttributeError:
        return None
    sizes = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.repeat(sizes, counts), out=offsets[1:])
    if offsets[-1] > _INT32_MAX:
        return None
    data = b"".join(text * int(count) for text, count in zip(encoded, counts, strict=True))
    buffers = [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)]
    return pa.Array.from_buffers(_s, n, buffers)
