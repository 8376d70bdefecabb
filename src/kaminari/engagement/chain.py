"""The kill chain over a batch of replications: the only place that knows every stage.

One replication of one threat is one batch member (a "pair"); all pairs run together, and the
Python loop runs over radar scans (events) only. At each scan:

1. the truth (flown once per threat, identical in every replication) is interpolated to the
   scan time; a threat exists until it hits the ground or a round kills it;
2. the scanning radar reports detections (noise and detection draws per pair);
3. the tracker updates each pair's track (tracking never sees the truth);
4. each battery's fire control looks at the pairs whose confirmed, good-enough track it may
   engage under its doctrine, predicts the threat from the track, aims (ballistic table, then
   refinement with flown rounds), and fires after its reaction time;
5. each round is flown against the truth at once (the truth does not depend on the defence
   until a kill): its closest approach decides the kill, which takes effect at that instant
   and becomes known to fire control after the assessment delay.

Several batteries may engage the same threat; each threat of a scenario is met by the whole
defence in its own pairs (raids that share magazines come with association and
weapon-target assignment).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from kaminari.dynamics.interpolate import hermite
from kaminari.earth.frames import ecef2enu, ecef2geodetic, enu2aer
from kaminari.firecontrol.aim import refine_aim, shoot_at
from kaminari.firecontrol.doctrine import Doctrine
from kaminari.firecontrol.envelope import BallisticTable, ballistic_table, first_aim
from kaminari.sensors.radar import Radar, detect, scan_times, visible
from kaminari.threats.flyout import ThreatSpec, ThreatTrajectories, fly_threats
from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.ekf import extrapolate, predict
from kaminari.tracking.tracker import Tracks, jerk_psd, new_tracks, process_scan
from kaminari.weapons.battery import Battery, azimuth_allowed, dispersed_shots, elevation_allowed

__all__ = ["ChainResult", "KillChain", "ballistic_tables", "run_chain"]

Array = NDArray[np.float64]

CONFIRMED = 2
PREDICTION_STEP_S = 0.5
"""Step of fire control's extrapolation of a track, interpolated to the projectile's steps."""


@dataclass(frozen=True)
class KillChain:
    """Everything one run of the kill chain needs, in internal units.

    ``predictor``: "track" (fire control extrapolates the track with the filter's own model,
    the default) or "truth" (an oracle that knows the threat's future path: a consistency
    check of aiming, ballistics and lethality, with prediction error taken out).
    """

    threats: tuple[ThreatSpec, ...]
    radars: tuple[Radar, ...]
    batteries: tuple[Battery, ...]
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    doctrine: Doctrine = field(default_factory=Doctrine)
    dt_s: float = 0.1
    t_max_s: float = 3600.0
    projectile_dt_s: float = 0.05
    predictor: Literal["track", "truth"] = "track"


@dataclass(frozen=True)
class ChainResult:
    """Columns of the three result tables (numpy arrays of equal length per table)."""

    replications: dict[str, NDArray]
    shots: dict[str, NDArray]
    tracks: dict[str, NDArray]


class _Truth:
    """The flown threats, interpolated to any time for any pair."""

    def __init__(self, traj: ThreatTrajectories, threat_of: NDArray[np.intp]) -> None:
        self.traj = traj
        self.threat_of = threat_of
        last = traj.t_s[-1]
        self.end_t = np.where(np.isnan(traj.impact_t_s), last, traj.impact_t_s)

    def at(self, t_s: Array, pairs: NDArray[np.intp] | None = None) -> tuple[Array, Array]:
        """Positions and velocities (M, K, 3) at absolute times ``t_s`` (K,), the same for
        every pair, for ``pairs`` (all when None); NaN where the threat no longer flies.
        Interpolated once per threat, then handed to its pairs."""
        threats = self.threat_of if pairs is None else self.threat_of[pairs]
        tq = np.broadcast_to(np.asarray(t_s, dtype=float), (self.end_t.size, np.size(t_s)))
        r, v = hermite(self.traj.t_s, self.traj.r_ecef, self.traj.v_ecef, tq)
        gone = (tq > self.end_t[:, None]) | (tq < self.traj.t_s[0])
        r[gone] = np.nan
        v[gone] = np.nan
        return r[threats], v[threats]

    def visible_to(self, radar: Radar, t_s: float) -> NDArray[np.bool_]:
        """(N,) whether each pair's threat is in the radar's sight at t_s (a flying threat only):
        computed for each threat once, then handed to its pairs."""
        tq = np.full((self.end_t.size, 1), float(t_s))
        r, _ = hermite(self.traj.t_s, self.traj.r_ecef, self.traj.v_ecef, tq)
        flying = (tq[:, 0] <= self.end_t) & (tq[:, 0] >= self.traj.t_s[0])
        return (visible(radar, r[:, 0]) & flying)[self.threat_of]


def _positions_at(world: _Truth, t_s: Array, pairs: NDArray[np.intp]) -> Array:
    """Positions (M, 3) of ``pairs`` each at its own time ``t_s`` (M,)."""
    threats = world.threat_of[pairs]
    r, _ = hermite(world.traj.t_s, world.traj.r_ecef, world.traj.v_ecef, t_s[:, None], threats)
    return r[:, 0]


def ballistic_tables(chain: KillChain) -> list[BallisticTable]:
    """Each battery's ballistic table, long enough for the doctrine's time of flight."""
    t_max = chain.doctrine.max_time_of_flight_s + 5.0
    return [ballistic_table(b, t_max_s=t_max, dt_s=chain.projectile_dt_s) for b in chain.batteries]


def _scan_schedule(
    radars: Sequence[Radar], traj: ThreatTrajectories, end_t: Array
) -> tuple[Array, NDArray[np.intp]]:
    """Every radar's scans in time order, without those in which it can see no threat at all
    (nothing can be detected in them; tracks coast over them to the next scan)."""
    times, sensors = [], []
    nt = traj.r_ecef.shape[0]
    for j, radar in enumerate(radars):
        ts = scan_times(radar, 0.0, float(np.max(end_t)))
        r, _ = hermite(traj.t_s, traj.r_ecef, traj.v_ecef, np.broadcast_to(ts, (nt, ts.size)))
        flying = ts[None, :] <= end_t[:, None]
        seen = (visible(radar, np.nan_to_num(r)) & flying).any(axis=0)
        times.append(ts[seen])
        sensors.append(np.full(int(seen.sum()), j))
    t = np.concatenate(times)
    s = np.concatenate(sensors)
    order = np.lexsort((s, t))
    return t[order], s[order]


class _Ledger:
    """Per battery and pair: rounds left, when it may fire next, its doctrine state."""

    def __init__(self, batteries: Sequence[Battery], n: int) -> None:
        nb = len(batteries)
        self.rounds = np.array([[b.magazine] * n for b in batteries], dtype=np.int64)
        self.ready_t = np.zeros((nb, n))
        self.look_until = np.zeros((nb, n))
        self.in_salvo = np.zeros((nb, n), dtype=np.int64)
        self.salvo_end = np.zeros((nb, n))
        self.done = np.zeros((nb, n), dtype=bool)


def run_chain(
    chain: KillChain,
    reps: int,
    rng: np.random.Generator,
    rep0: int = 0,
    track_reps: int = 0,
    truth: ThreatTrajectories | None = None,
    tables: Sequence[BallisticTable] | None = None,
    progress: Callable[[float], None] | None = None,
) -> ChainResult:
    """Run ``reps`` replications of every threat through the kill chain.

    ``rep0`` numbers the first replication; ``track_reps`` how many replications' tracks to
    return; ``truth`` and ``tables`` may be passed in when computed once for many runs;
    ``progress`` is called with the fraction of scans done.
    """
    if truth is None:
        truth = fly_threats(chain.threats, dt_s=chain.dt_s, t_max_s=chain.t_max_s)
    if tables is None:
        tables = ballistic_tables(chain)
    nt = len(chain.threats)
    n = reps * nt
    threat_of = np.tile(np.arange(nt), reps)
    rep_of = np.repeat(np.arange(reps), nt) + rep0
    world = _Truth(truth, threat_of)
    scan_t, scan_sensor = _scan_schedule(chain.radars, truth, world.end_t)

    dt = chain.projectile_dt_s
    tof_steps = int(round(chain.doctrine.max_time_of_flight_s / dt)) + 1
    reach = [_reach_m(tab, min(tof_steps, tab.t_s.size)) for tab in tables]
    tracks = new_tracks(n)
    kill_t = np.full(n, np.inf)
    ledger = _Ledger(chain.batteries, n)
    shots: list[dict[str, Array]] = []
    track_rows: list[dict[str, Array]] = []
    recorded = rep_of < rep0 + track_reps

    for k, (t, j) in enumerate(zip(scan_t, scan_sensor, strict=True)):
        radar = chain.radars[j]
        r_true, v_true = world.at(np.array([t]))
        exists = np.isfinite(r_true[:, 0, 0]) & (t < kill_t)
        seen = world.visible_to(radar, t)  # once per threat, not per replication
        det = detect(radar, int(j), np.array([t]), r_true, exists[:, None], rng, seen[:, None])
        # whether the radar looked where the track says the threat is (tracker-side knowledge;
        # the track's last estimate, at most one revisit old, is close enough for that)
        in_view = visible(radar, np.where(tracks.has_state[:, None], tracks.x[:, :3], np.nan))
        tracks = process_scan(
            tracks,
            float(t),
            det.z[:, 0],
            radar.measurement_covariance(),
            (radar.lat_rad, radar.lon_rad, radar.alt_m),
            in_view,
            chain.tracker,
        )
        if recorded.any():
            track_rows.append(_track_row(tracks, t, recorded, rep_of, threat_of, r_true, v_true))
        for b, battery in enumerate(chain.batteries):
            fired = _fire_control(
                chain, b, battery, tables[b], t, tracks, world, kill_t, ledger, rng, reach[b]
            )
            if fired is not None:
                fired["rep"] = rep_of[fired["pair"]]
                fired["threat_index"] = threat_of[fired["pair"]]
                shots.append(fired)
        if progress is not None:
            progress((k + 1) / scan_t.size)

    return _results(chain, truth, world, tracks, kill_t, shots, track_rows, rep_of, threat_of)


def _track_row(
    tracks: Tracks,
    t: float,
    recorded: NDArray[np.bool_],
    rep_of: NDArray[np.intp],
    threat_of: NDArray[np.intp],
    r_true: Array,
    v_true: Array,
) -> dict[str, NDArray]:
    """Track rows of the recorded pairs at scan time t, beside the truth."""
    m = recorded & (tracks.status > 0)
    x = tracks.x[m]
    var = np.diagonal(tracks.P[m], axis1=-2, axis2=-1)
    row = {
        "rep": rep_of[m],
        "threat_index": threat_of[m],
        "t_s": np.full(m.sum(), t),
        "status": tracks.status[m],
    }
    for i, name in enumerate(("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")):
        row[name] = x[:, i]
    for i, axis in enumerate("xyz"):
        row[f"var_{axis}_m2"] = var[:, i]
        row[f"true_{axis}_m"] = r_true[m, 0, i]
        row[f"true_v{axis}_mps"] = v_true[m, 0, i]
    return row


def _fire_control(
    chain: KillChain,
    b: int,
    battery: Battery,
    table: BallisticTable,
    t: float,
    tracks: Tracks,
    world: _Truth,
    kill_t: Array,
    ledger: _Ledger,
    rng: np.random.Generator,
    reach_m: float,
) -> dict[str, NDArray] | None:
    """One battery's decision at scan time t for every pair; fires and resolves its rounds.
    ``reach_m``: the farthest its rounds get within the doctrine's time of flight."""
    d = chain.doctrine
    known_dead = kill_t + d.assessment_delay_s <= t
    may = (
        (tracks.status == CONFIRMED)
        & (ledger.rounds[b] > 0)
        & (t >= ledger.ready_t[b])
        & (t >= ledger.look_until[b])
        & ~ledger.done[b]
        & ~known_dead
    )
    dt = chain.projectile_dt_s
    t_fire = t + battery.reaction_s
    k = min(int(round(d.max_time_of_flight_s / dt)) + 1, table.t_s.size)
    tau = table.t_s[:k]
    # cheap screen first: could the threat come within the rounds' reach in time at all?
    lead = battery.reaction_s + tau[-1]
    distance = np.linalg.norm(tracks.x[:, :3] - battery.site_ecef(), axis=-1)
    speed = np.linalg.norm(tracks.x[:, 3:6], axis=-1)
    may &= distance - speed * lead <= reach_m
    idx = np.flatnonzero(may)
    if idx.size == 0:
        return None
    # second screen: even the earliest possible intercept (a round that kept its muzzle
    # velocity) must find the track good enough, or the full prediction is not worth making
    q = jerk_psd(tracks, chain.tracker)[idx]
    to_fire = t_fire - tracks.t_s[idx]
    closing = speed[idx] + battery.muzzle_velocity_mps
    earliest = np.maximum(distance[idx] - speed[idx] * battery.reaction_s, 0.0) / closing
    _, p_soonest = predict(tracks.x[idx], tracks.P[idx], to_fire + earliest, q)
    hopeful = np.sqrt(np.trace(p_soonest[:, :3, :3], axis1=-2, axis2=-1)) <= d.max_track_sigma_m
    idx = idx[hopeful]
    if idx.size == 0:
        return None
    pred, x_fire, p_fire = _predicted_path(chain, tracks, world, idx, t_fire, tau)
    q = jerk_psd(tracks, chain.tracker)[idx]
    enu = ecef2enu(pred, battery.lat_rad, battery.lon_rad, battery.alt_m)
    ground = np.hypot(enu[..., 0], enu[..., 1])
    el0, tof0, feasible = first_aim(table, ground, enu[..., 2], tau)
    rows = np.arange(idx.size)
    at = np.clip(np.nan_to_num(np.round(tof0 / dt)), 0, k - 1).astype(np.intp)
    az0 = enu2aer(enu[rows, at]).az_rad
    feasible &= (tof0 <= d.max_time_of_flight_s) & elevation_allowed(battery, el0)
    feasible &= azimuth_allowed(battery, az0)
    # the track must be good enough where it matters: predicted to the intercept
    _, p_intercept = predict(x_fire, p_fire, np.where(feasible, tof0, 0.0), q)
    sigma = np.sqrt(np.trace(p_intercept[:, :3, :3], axis1=-2, axis2=-1))
    feasible &= sigma <= d.max_track_sigma_m
    if not feasible.any():
        return None
    f = np.flatnonzero(feasible)
    horizon = min(int(np.ceil(np.nanmax(tof0[f]) / dt)) + int(round(2.0 / dt)), k)
    sol = refine_aim(battery, az0[f], el0[f], pred[f, :horizon], dt)
    ok = (
        sol.converged
        & (sol.tof_s <= d.max_time_of_flight_s)
        & elevation_allowed(battery, sol.el_rad)
        & azimuth_allowed(battery, sol.az_rad)
    )
    if not ok.any():
        return None
    pairs = idx[f][ok]
    az, el, tof = sol.az_rad[ok], sol.el_rad[ok], sol.tof_s[ok]
    az_s, el_s, v_s = dispersed_shots(battery, az, el, rng)
    # the round against the truth: the threat ends at its impact or at an earlier kill
    t_abs = t_fire + tau[:horizon]
    true_r, _ = world.at(t_abs, pairs)
    true_r[t_abs[None, :] >= kill_t[pairs][:, None]] = np.nan
    vec, t_ca, *_ = shoot_at(battery, az_s, el_s, v_s, true_r, dt)
    t_hit = t_fire + t_ca
    # a round that arrives after another killed the threat finds nothing: no miss distance
    miss = np.where(t_hit < kill_t[pairs] - 0.5 * dt, np.linalg.norm(vec, axis=-1), np.nan)
    hit = miss <= battery.lethal_radius_m
    kill_t[pairs] = np.where(hit, np.minimum(kill_t[pairs], t_hit), kill_t[pairs])
    _book(ledger, b, pairs, t_fire, t_fire + tof, battery, d)
    return {
        "pair": pairs,
        "battery_index": np.full(pairs.size, b),
        "fire_t_s": np.full(pairs.size, t_fire),
        "az_deg": np.degrees(az),
        "el_deg": np.degrees(el),
        "predicted_tof_s": tof,
        "predicted_miss_m": sol.predicted_miss_m[ok],
        "predicted_sigma_m": sigma[f][ok],
        "miss_m": miss,
        "hit": hit,
        "intercept_t_s": t_hit,
        "shot_az_deg": np.degrees(az_s),
        "shot_el_deg": np.degrees(el_s),
        "muzzle_velocity_mps": v_s,
    }


def _reach_m(table: BallisticTable, k: int) -> float:
    """The farthest a round gets from the muzzle within the table's first k times."""
    return float(np.nanmax(np.hypot(table.ground_m[:, :k], table.height_m[:, :k])))


def _predicted_path(
    chain: KillChain,
    tracks: Tracks,
    world: _Truth,
    idx: NDArray[np.intp],
    t_fire: float,
    tau: Array,
) -> tuple[Array, Array, Array]:
    """Where fire control expects each threat at t_fire + tau: (M, K, 3), NaN below ground;
    and the track state and covariance predicted to the firing instant."""
    q = jerk_psd(tracks, chain.tracker)[idx]
    x_fire, p_fire = predict(tracks.x[idx], tracks.P[idx], t_fire - tracks.t_s[idx], q)
    if chain.predictor == "truth":
        pred, _ = world.at(t_fire + tau, idx)
        return pred, x_fire, p_fire
    # the filter's model is smooth: fly it on a coarse grid and interpolate (Hermite) to tau
    coarse = np.arange(0.0, tau[-1] + PREDICTION_STEP_S, PREDICTION_STEP_S)
    r, v = extrapolate(x_fire, coarse)
    pred, _ = hermite(coarse, r, v, np.broadcast_to(tau, (idx.size, tau.size)))
    pred[ecef2geodetic(pred).alt_m < 0.0] = np.nan
    return pred, x_fire, p_fire


def _book(
    ledger: _Ledger,
    b: int,
    pairs: NDArray[np.intp],
    t_fire: float,
    t_intercept: Array,
    battery: Battery,
    d: Doctrine,
) -> None:
    """Rounds, rate of fire and doctrine state after firing at ``pairs``."""
    ledger.rounds[b, pairs] -= 1
    ledger.ready_t[b, pairs] = t_fire + battery.shot_interval_s
    ledger.in_salvo[b, pairs] += 1
    ledger.salvo_end[b, pairs] = np.maximum(ledger.salvo_end[b, pairs], t_intercept)
    full = pairs[ledger.in_salvo[b, pairs] >= d.salvo]
    if d.kind == "salvo":
        ledger.done[b, full] = True
    else:
        ledger.look_until[b, full] = ledger.salvo_end[b, full] + d.assessment_delay_s
    ledger.in_salvo[b, full] = 0
    ledger.salvo_end[b, full] = 0.0


def _concat(parts: list[dict[str, NDArray]], keys: Sequence[str]) -> dict[str, NDArray]:
    if not parts:
        return {k: np.empty(0) for k in keys}
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


_SHOT_KEYS = (
    "pair",
    "rep",
    "threat_index",
    "battery_index",
    "fire_t_s",
    "az_deg",
    "el_deg",
    "predicted_tof_s",
    "predicted_miss_m",
    "predicted_sigma_m",
    "miss_m",
    "hit",
    "intercept_t_s",
    "shot_az_deg",
    "shot_el_deg",
    "muzzle_velocity_mps",
)


def _results(
    chain: KillChain,
    truth: ThreatTrajectories,
    world: _Truth,
    tracks: Tracks,
    kill_t: Array,
    shots: list[dict[str, NDArray]],
    track_rows: list[dict[str, NDArray]],
    rep_of: NDArray[np.intp],
    threat_of: NDArray[np.intp],
) -> ChainResult:
    n = rep_of.size
    names = np.array([t.name for t in chain.threats], dtype=object)
    battery_names = np.array([b.name for b in chain.batteries], dtype=object)
    s = _concat(shots, _SHOT_KEYS)
    pair = s["pair"].astype(np.intp)
    killed = np.isfinite(kill_t)
    # only the first round to reach a threat kills it; later ones found it dead
    first_kill = s["hit"].astype(bool) & (s["intercept_t_s"] == kill_t[pair])
    n_shots = np.bincount(pair, minlength=n)
    first_shot = np.full(n, np.inf)
    np.minimum.at(first_shot, pair, s["fire_t_s"])
    kill_at = np.full((3, n), np.nan)  # latitude, longitude (deg), altitude (m) of each kill
    if killed.any():
        r_kill = ecef2geodetic(_positions_at(world, kill_t[killed], np.flatnonzero(killed)))
        kill_at[:, killed] = np.degrees(r_kill.lat_rad), np.degrees(r_kill.lon_rad), r_kill.alt_m
    impact = ecef2geodetic(truth.impact_r_ecef[threat_of])
    hit_ground = np.isfinite(truth.impact_t_s[threat_of])
    leaked = ~killed & hit_ground
    replications = {
        "rep": rep_of,
        "threat": names[threat_of],
        "detect_t_s": tracks.first_detect_t_s,
        "track_t_s": tracks.confirm_t_s,
        "first_shot_t_s": np.where(np.isfinite(first_shot), first_shot, np.nan),
        "shots": n_shots,
        "killed": killed,
        "kill_t_s": np.where(killed, kill_t, np.nan),
        "kill_alt_m": kill_at[2],
        "kill_lat_deg": kill_at[0],
        "kill_lon_deg": kill_at[1],
        "leaked": leaked,
        "impact_t_s": np.where(leaked, truth.impact_t_s[threat_of], np.nan),
        "impact_lat_deg": np.where(leaked, np.degrees(impact.lat_rad), np.nan),
        "impact_lon_deg": np.where(leaked, np.degrees(impact.lon_rad), np.nan),
    }
    shots_table = {
        "rep": s["rep"].astype(np.int64),
        "battery": battery_names[s["battery_index"].astype(np.intp)],
        "threat": names[s["threat_index"].astype(np.intp)],
        "fire_t_s": s["fire_t_s"],
        "az_deg": s["az_deg"],
        "el_deg": s["el_deg"],
        "predicted_tof_s": s["predicted_tof_s"],
        "predicted_miss_m": s["predicted_miss_m"],
        "predicted_sigma_m": s["predicted_sigma_m"],
        "miss_m": s["miss_m"],
        "kill": first_kill,
        "intercept_t_s": s["intercept_t_s"],
        "shot_az_deg": s["shot_az_deg"],
        "shot_el_deg": s["shot_el_deg"],
        "muzzle_velocity_mps": s["muzzle_velocity_mps"],
    }
    track_keys = (
        "rep",
        "threat_index",
        "t_s",
        "status",
        "x_m",
        "y_m",
        "z_m",
        "vx_mps",
        "vy_mps",
        "vz_mps",
        "var_x_m2",
        "var_y_m2",
        "var_z_m2",
        "true_x_m",
        "true_y_m",
        "true_z_m",
        "true_vx_mps",
        "true_vy_mps",
        "true_vz_mps",
    )
    tr = _concat(track_rows, track_keys)
    tr["threat"] = names[tr.pop("threat_index").astype(np.intp)]
    return ChainResult(replications, shots_table, tr)
