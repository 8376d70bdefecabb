"""The kill chain over a batch of replications: the only place that knows every stage.

One replication is one world: every threat of the scenario flies in it, against defences that
share their radars' scans, their batteries' magazines and rate-of-fire clocks. The batch axes
are (replication, threat) for truth, (replication, track slot) for tracks and (replication,
battery) for batteries; the Python loop runs over sensor scans (events) only. At each scan:

1. rounds whose closest approach to a threat has come are resolved, in time order (a kill
   takes effect at its instant; ``rounds.RoundBook``);
2. the sensor measures the threats still flying (truth enters here) and reports detections
   without identity, false alarms among them (``sensors.base.Sensor``);
3. the tracker associates them with the replication's tracks, updates, starts, confirms and
   deletes tracks (``tracking.tracker.process_scan``; it sees detections only);
4. fire control (``firecontrol``) lets each ready battery evaluate the confirmed tracks its
   doctrine allows, assigns batteries to tracks over the whole raid
   (``firecontrol.assignment``) and fires; the rounds' paths are then set against every
   threat's true path (``rounds``).

Kill assessment is by looking: a killed threat gives no more detections; its track coasts and
is deleted, and shoot-look-shoot fires again only at tracks updated after their last salvo's
intercept (``firecontrol.doctrine.EngagementState``). Debris is not modelled. Two shortcuts
exist for comparison, each off by default and named on the report: ``predictor="truth"``
(fire control knows the future path of the threat a track follows) and the doctrine's
``perfect_kill_assessment``.

A scan is skipped only where it would bring nothing: its sensor can see no threat, it makes no
false alarms, and no track of any replication lies in its view, so it would give no detection
and count no miss. Fire control decides after each scan that is processed (decisions are driven
by the arrival of sensor data), and stale tracks are deleted there too; a skipped scan defers
both to the next processed one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from kaminari.earth.frames import ecef2geodetic, geodetic2ecef
from kaminari.engagement.bound import track_bounds
from kaminari.engagement.nodes import (
    NO_SOURCE,
    OWN,
    MeasurementMessage,
    NodeState,
    TrackMessage,
    due,
)
from kaminari.engagement.records import Records, concat, kill_places
from kaminari.engagement.rounds import RoundBook
from kaminari.engagement.signature import Signatures
from kaminari.engagement.truth import Truth
from kaminari.firecontrol.assignment import assign_weapons
from kaminari.firecontrol.doctrine import Doctrine
from kaminari.firecontrol.effectors import Weapon, WeaponTable, effectors_for, weapon_table
from kaminari.firecontrol.predictor import Predictor, TrackExtrapolation
from kaminari.firecontrol.railgun import Effector, Engagements, Rounds
from kaminari.network.links import DELIVERY_TICK_S, ENGAGE_MODES, Link, Node, send_times
from kaminari.network.registration import OffsetEstimator
from kaminari.network.sharing import (
    Correlation,
    TrackReports,
    align,
    registration_pairs,
    reports_of,
    take_reports,
)
from kaminari.sensors.base import Report, Sensor
from kaminari.sensors.radar import Radar, RcsTable, aspect_rad
from kaminari.sensors.space import SpaceLayer
from kaminari.streams import MemberDraws, Streams
from kaminari.threats.debris import DEBRIS_BALLISTIC_COEFFICIENT_KGPM2, debris_impact
from kaminari.threats.dispersion import Dispersion, disperse_all
from kaminari.threats.flyout import ThreatSpec, ThreatTrajectories, fly_threats
from kaminari.tracking.angles import LosDetections, process_los_frame
from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.metrics import ospa_per_scan
from kaminari.tracking.tracker import (
    CONFIRMED,
    Association,
    ScanDetections,
    Tracks,
    process_scan,
)

__all__ = [
    "PREDICTORS",
    "ChainResult",
    "KillChain",
    "ballistic_tables",
    "dispersed_world",
    "run_chain",
    "scan_schedule",
    "truth_table",
]

Array = NDArray[np.float64]

DEFAULT_KEEP_OUT_M = 1_000.0
"""Keep-out radius of a defended point against a killed threat's debris, m: kaminari's
assumption (docs/assumptions.md)."""

PREDICTORS = ("physics", "acceleration", "truth")
"""Fire control's predictors (``KillChain.predictor``)."""

METRIC_CUTOFF_M = 1_000.0
"""OSPA and GOSPA cutoff c, m (kaminari's assumption: well above a good track's error of tens of
metres, below the spacing of a raid's threats)."""

METRIC_ORDER = 2.0
"""OSPA and GOSPA order p (the usual choice for tracking: errors weigh as in an RMS)."""

COMPLETION_S = 3.0
"""How long before its intercept a launch-on-remote round that steers in flight must have its
threat held by its own node's data, s: kaminari's assumption (docs/assumptions.md)."""

REGISTRATION_FORGETTING = 0.9
"""Fading memory of a track link's offset estimate per message (``network.registration``): an
angle bias moves a remote track by an offset that changes as the threat closes, so the
estimate forgets with a time constant of some ten reports (kaminari's assumption)."""

_BOOK_KEYS = (
    "detect_t", "detect_sensor", "track_t", "fc_track_t", "fc_track_err", "handover_t",
    "handover_err", "false_tracks", "updates", "updates_own",
)


def _extrapolation(chain: KillChain) -> TrackExtrapolation:
    """Fire control's predictor from a track: the held acceleration, or the physics one (the
    lift held and the class's drag polar where fire control is told the threats' class, else
    the held coefficients)."""
    if chain.predictor == "acceleration":
        return TrackExtrapolation("acceleration")
    if chain.doctrine.threat_class:
        return TrackExtrapolation("drag", chain.doctrine.threat_class)
    return TrackExtrapolation("aero")


@dataclass(frozen=True)
class KillChain:
    """Everything one run of the kill chain needs, in internal units.

    ``predictor`` (``PREDICTORS``): "physics" (the default: fire control flies the track's
    state on with its aerodynamic coefficients held, ``ekf.MOTIONS`` "aero"),
    "acceleration" (the track's acceleration held: the nearly-constant-acceleration
    extrapolation) or "truth" (an oracle that knows the future path of the threat a track
    follows: a check of aiming, ballistics and lethality with prediction error taken out).
    ``defended``: the defended points as (lat_rad, lon_rad, alt_m); fire control serves a
    raid's tracks in order of their distance to the nearest of them over their speed
    (``firecontrol.assignment``); none: the batteries' sites stand in for them.
    ``dispersions``: one per threat (or none at all): each replication flies its own version
    of a dispersed threat, drawn from the threat's stream (``threats.dispersion``).
    ``rcs_m2``: each threat's radar cross-section, m^2, or its table against aspect
    (``sensors.radar.RcsTable``, looked up per scan from the threat's velocity and the
    sensor's site), handed to every sensor's ``measure`` (none at all: the sensors are called
    without it and take 1 m^2).
    ``space_layer``: a space-based infrared tracking layer (``sensors.space``), whose frames
    reach the tracker after its latency as lines of sight (``tracking.angles``).
    ``keep_out_m``: per defended point (or per battery site standing in for them), the radius
    within which a killed threat's debris still counts against the defence (none:
    ``DEFAULT_KEEP_OUT_M`` each); a threat is *defended* when it is killed and its debris, flown
    ballistically from the kill with ``debris_ballistic_coefficient_kgpm2``
    (``threats.debris``), lands beyond the keep-out radius of every point.
    ``aim_offsets_m``: set (east, north) offsets, m, of the aim points of the threats numbered
    in ``aim_offset_threats``, one per group of ``aim_offset_reps`` consecutive replications
    (replication r takes offset r // aim_offset_reps), added to their drawn aim dispersion: the
    threats' guidance only, fire control and the defended points stay (``kaminari
    footprint``); none: every replication aims where the scenario says.
    """

    threats: tuple[ThreatSpec, ...]
    radars: tuple[Sensor, ...]
    batteries: tuple[Weapon, ...]
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    doctrine: Doctrine = field(default_factory=Doctrine)
    dt_s: float = 0.1
    t_max_s: float = 3600.0
    projectile_dt_s: float = 0.05
    predictor: Literal["physics", "acceleration", "truth"] = "physics"
    defended: tuple[tuple[float, float, float], ...] = ()
    dispersions: tuple[Dispersion | None, ...] = ()
    aim_offsets_m: tuple[tuple[float, float], ...] = ()
    aim_offset_reps: int = 1
    aim_offset_threats: tuple[int, ...] = ()
    rcs_m2: tuple[float | RcsTable, ...] = ()
    space_layer: SpaceLayer | None = None
    keep_out_m: tuple[float, ...] = ()
    debris_ballistic_coefficient_kgpm2: float = DEBRIS_BALLISTIC_COEFFICIENT_KGPM2
    nodes: tuple[Node, ...] = ()
    links: tuple[Link, ...] = ()
    radar_node: tuple[int, ...] = ()
    battery_node: tuple[int, ...] = ()
    space_node: int = 0
    engage: tuple[str, ...] = ()
    completion_s: float = COMPLETION_S

    def node_names(self) -> list[str]:
        """The nodes' names; one unnamed node without a network."""
        return [node.name for node in self.nodes] or [""]

    def radar_nodes(self) -> NDArray[np.intp]:
        """(J,) the node of each radar (0 without a network)."""
        if self.radar_node:
            return np.array(self.radar_node, dtype=np.intp)
        return np.zeros(len(self.radars), dtype=np.intp)

    def battery_nodes(self) -> NDArray[np.intp]:
        """(B,) the node of each battery (0 without a network)."""
        if self.battery_node:
            return np.array(self.battery_node, dtype=np.intp)
        return np.zeros(len(self.batteries), dtype=np.intp)

    def engage_modes(self) -> list[str]:
        """Each battery's engagement mode (``network.links.ENGAGE_MODES``; "local" unless
        given)."""
        modes = list(self.engage) or ["local"] * len(self.batteries)
        for mode in modes:
            if mode not in ENGAGE_MODES:
                raise ValueError(f"engage must be one of {ENGAGE_MODES}, got {mode!r}")
        return modes

    def feeds(self, n: int) -> list[int]:
        """The radars whose scans node ``n`` takes in: its own, and those its measurement
        links bring."""
        nodes = self.radar_nodes()
        sources = {n} | {link.source for link in self.links
                         if link.target == n and link.carries == "measurements"}
        return [j for j in range(len(self.radars)) if int(nodes[j]) in sources]

    def delivery_grid(self, n: int) -> tuple[float, float]:
        """(offset, step) of the instants at which node ``n`` takes in what its links brought:
        the scans of its fastest own radar where that looks at least every
        ``DELIVERY_TICK_S``, else every ``DELIVERY_TICK_S`` from 0
        (``network.links``)."""
        nodes = self.radar_nodes()
        own = [r for j, r in enumerate(self.radars) if int(nodes[j]) == n]
        fast = [r for r in own if getattr(r, "revisit_s", np.inf) <= DELIVERY_TICK_S + 1e-12]
        if not fast:
            return 0.0, DELIVERY_TICK_S
        radar = min(fast, key=lambda r: r.revisit_s)
        return float(radar.scan_offset_s), float(radar.revisit_s)

    def handover_radar_of(self, n: int) -> int:
        """The radar that takes a threat over for node ``n``'s batteries: the one nearest its
        first battery's site among the radars it takes in (its fire-control radar); -1
        without a sited radar or a battery."""
        mine = np.flatnonzero(self.battery_nodes() == n)
        sited = [j for j in self.feeds(n) if hasattr(self.radars[j], "site_ecef")]
        if not sited or mine.size == 0:
            return -1
        site = self.batteries[int(mine[0])].site_ecef()
        d = [np.linalg.norm(np.asarray(self.radars[j].site_ecef()) - site) for j in sited]
        return sited[int(np.argmin(d))]

    @property
    def dispersed(self) -> bool:
        """True when some threat flies its own path in each replication."""
        aimed = bool(self.aim_offset_threats) and any(any(o) for o in self.aim_offsets_m)
        return aimed or any(d is not None and not d.zero for d in self.dispersions)

    def keep_out(self) -> Array:
        """(P,) keep-out radius of each point of ``defended_ecef``, m."""
        n = len(self.defended) if self.defended else len(self.batteries)
        if self.keep_out_m:
            return np.array(self.keep_out_m, dtype=float)
        return np.full(n, DEFAULT_KEEP_OUT_M)

    def defended_ecef(self) -> Array:
        """(P, 3) the defended points (lat_rad, lon_rad, alt_m) in ECEF; the batteries' sites
        when none are given."""
        if self.defended:
            pts = np.array(self.defended, dtype=float)
            return geodetic2ecef(pts[:, 0], pts[:, 1], pts[:, 2]).reshape(-1, 3)
        return np.array([b.site_ecef() for b in self.batteries]).reshape(-1, 3)


@dataclass(frozen=True)
class ChainResult:
    """Columns of the three result tables (numpy arrays of equal length per table)."""

    replications: dict[str, NDArray]
    shots: dict[str, NDArray]
    tracks: dict[str, NDArray]
    paths: dict[str, NDArray] = field(default_factory=dict)
    """The dispersed flights of the first ``track_reps`` replications (empty without
    dispersion: every replication then flies the nominal paths of ``truth_table``)."""
    metrics: dict[str, NDArray] = field(default_factory=dict)
    """OSPA and GOSPA per node, recorded replication and instant a node's picture changed."""


def ballistic_tables(chain: KillChain) -> list[WeaponTable]:
    """Each weapon's table: a railgun's ballistic table, long enough for the doctrine's time of
    flight, or a launcher's reach table (``firecontrol.effectors.weapon_table``)."""
    tof = chain.doctrine.max_time_of_flight_s
    return [weapon_table(b, tof, chain.projectile_dt_s) for b in chain.batteries]


def sights(
    radars: Sequence[Sensor], truth: Truth, t_s: Array, sensor: NDArray[np.intp]
) -> NDArray[np.bool_]:
    """(K,) whether each scan's sensor can see any threat in flight at its time: one batched
    query per sensor (``Truth.visible_any``), for the loop's decision to skip a scan."""
    out = np.zeros(t_s.size, dtype=bool)
    for j, radar in enumerate(radars):
        mine = np.flatnonzero(sensor == j)
        if mine.size and hasattr(radar, "at"):  # a moving sensor: never skipped on sight
            out[mine] = True
        elif mine.size:
            reach = None
            if isinstance(radar, Radar):  # covers nothing beyond its range of its site
                reach = (radar.site_ecef(), float(radar.max_range_m))
            out[mine] = truth.visible_any(radar.covers, t_s[mine], reach)
    return out


def scan_schedule(radars: Sequence[Sensor], t_end_s: float) -> tuple[Array, NDArray[np.intp]]:
    """Every sensor's scans up to ``t_end_s`` in time order (ties: sensor order)."""
    times = [r.scan_times(0.0, t_end_s) for r in radars]
    sensors = [np.full(t.size, j) for j, t in enumerate(times)]
    t = np.concatenate(times) if times else np.empty(0)
    s = np.concatenate(sensors).astype(np.intp) if sensors else np.empty(0, dtype=np.intp)
    order = np.lexsort((s, t))
    return t[order], s[order]


class _TruthOracle:
    """The ``truth`` predictor: the true future path of the threat a track follows most
    (NaN for a track of false alarms). A named shortcut, off by default."""

    def __init__(self, truth: Truth, records: Records) -> None:
        self.truth, self.records = truth, records

    def path(
        self, tracks: Tracks, slots: NDArray[np.intp], x_fire: Array, t_fire_s: float,
        tau_s: Array,
    ) -> Array:
        threat = self.records.majority(slots)
        out = np.full((slots.size, tau_s.size, 3), np.nan)
        real = np.flatnonzero(threat >= 0)
        if real.size:
            rep = slots[real] // self.records.slots
            t = np.broadcast_to(t_fire_s + tau_s, (real.size, tau_s.size))
            r = self.truth.at_reps(rep, t)  # (M, T, K, 3)
            out[real] = r[np.arange(real.size), threat[real]]
        return out


@dataclass(frozen=True)
class _Commitment:
    """Rounds a battery committed to (``Doctrine.aim_at_shot``), aimed when they are due: the
    deciding node, the battery, the track slots (one per replication) and their track ids, the
    instant the rounds are due and each replication's previous last shot (restored where
    nothing fires)."""

    node: int
    battery: int
    slots: NDArray[np.intp]
    track_id: NDArray[np.int64]
    t_fire_s: float
    before: Array


class _Batteries:
    """Per (replication, battery): rounds left (a committed round is taken at once), rounds
    fired (each round's number in its replication and battery keys its own streams: common
    random numbers), when its last round left or its last committed round is due
    (``last_fire``), and when its last round actually left (``shot_t``)."""

    def __init__(self, n_reps: int, fcs: Sequence[Effector]) -> None:
        self.rounds = np.tile(np.array([f.magazine for f in fcs], dtype=np.int64), (n_reps, 1))
        self.fired = np.zeros((n_reps, len(fcs)), dtype=np.int64)
        self.last_fire = np.full((n_reps, len(fcs)), -np.inf)
        self.shot_t = np.full((n_reps, len(fcs)), -np.inf)
        self.reaction = np.array([f.reaction_s for f in fcs])
        self.interval = np.array([f.shot_interval_s for f in fcs])

    def ready(self, t_s: float) -> NDArray[np.bool_]:
        """(R, B) batteries that could fire a round decided at ``t_s``: rounds left, and the
        round would leave at least one shot interval after the last."""
        return (self.rounds > 0) & (t_s + self.reaction >= self.last_fire + self.interval - 1e-9)


def _rank_within(rep: NDArray[np.intp]) -> NDArray[np.int64]:
    """Each entry's rank among the equal entries before it in ``rep`` (ascending)."""
    rep = np.asarray(rep)
    if rep.size == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.flatnonzero(np.r_[True, rep[1:] != rep[:-1]])
    return np.arange(rep.size) - np.repeat(start, np.diff(np.r_[start, rep.size]))


def _time_to_go(tracks: Tracks, slots: NDArray[np.intp], points: Array) -> Array:
    """Each track's distance to the nearest defended point over its speed, s."""
    x = tracks.x[slots]
    d = np.linalg.norm(x[:, None, :3] - points[None], axis=-1).min(axis=1)
    return d / np.maximum(np.linalg.norm(x[:, 3:6], axis=-1), 1.0)


class _Engagement:
    """One batch's run: the state the loop carries from event to event."""

    def __init__(
        self,
        chain: KillChain,
        reps: int,
        seed: int,
        rep0: int,
        track_reps: int,
        truth: Truth,
        tables: Sequence[WeaponTable],
    ) -> None:
        self.chain, self.rep0 = chain, rep0
        self.seed = seed
        self.draws = Streams(seed, rep0 + np.arange(reps))
        self.truth = truth
        self.n_reps, self.n_threats = reps, truth.n
        self.slots = chain.tracker.max_tracks
        self.track_reps = track_reps
        self.rounds = RoundBook(truth.n)
        self.kill_t = np.full((reps, truth.n), np.inf)
        self.rcs_m2: Array | None = None
        self.rcs_tables: dict[RcsTable, NDArray[np.intp]] = {}
        if chain.rcs_m2:
            if len(chain.rcs_m2) != truth.n:
                raise ValueError(f"rcs_m2 has {len(chain.rcs_m2)} values for {truth.n} threats")
            with_table = [v for v in chain.rcs_m2 if isinstance(v, RcsTable)]
            self.rcs_tables = {  # each distinct table and the threats that have it
                t: np.array([k for k, v in enumerate(chain.rcs_m2) if v == t], dtype=np.intp)
                for t in dict.fromkeys(with_table)
            }
            self.rcs_m2 = np.array(
                [1.0 if isinstance(v, RcsTable) else v for v in chain.rcs_m2], dtype=float
            )
        self.threat_radius_m = np.array([t.vehicle.strike_radius_m for t in chain.threats])
        self.fcs = effectors_for(
            chain.batteries, tables, chain.doctrine, chain.tracker, chain.projectile_dt_s,
            float(np.median(self.threat_radius_m)) if truth.n else 0.0,
        )
        self.batteries = _Batteries(reps, self.fcs)
        self.engage = chain.engage_modes()
        self.defended = chain.defended_ecef()
        self.shots: list[dict[str, NDArray]] = []
        self.sensor_index = {id(s): j for j, s in enumerate(chain.radars)}
        self.radar_node = chain.radar_nodes()
        battery_node = chain.battery_nodes()
        self.nodes = [
            NodeState(
                name, reps, self.slots, truth.n, chain.doctrine,
                np.flatnonzero(battery_node == n), chain.handover_radar_of(n), track_reps,
            )
            for n, name in enumerate(chain.node_names())
        ]
        self.predictors: list[Predictor] = [
            _TruthOracle(truth, node.records)
            if chain.predictor == "truth"
            else _extrapolation(chain)
            for node in self.nodes
        ]
        # which nodes fight (their books make the replications' track columns)
        fighting = [n for n, node in enumerate(self.nodes) if node.batteries.size]
        self.fighting = fighting or list(range(len(self.nodes)))
        self.completion: list[tuple[NDArray[np.int64], NDArray[np.intp], NDArray[np.int64],
                                    Array, int]] = []
        self.completed = np.zeros(0, dtype=bool)
        self.messages: list[list[MeasurementMessage | TrackMessage]] = [[] for _ in chain.links]
        self.arrivals: list[Array] = []
        self.next_message = [0] * len(chain.links)
        self.undecided: dict[int, NDArray[np.bool_]] = {}
        self.commitments: list[_Commitment] = []
        self.picture_rows: list[tuple[NDArray, float, Array]] = []
        self.truth_rows: list[tuple[NDArray, float, Array]] = []
        layer = chain.space_layer
        self.signatures: Signatures | None = None
        if layer is not None:
            if truth.specs is None:
                raise ValueError("a space layer needs the specs of the flown members")
            self.signatures = Signatures(truth, truth.specs, layer.band_m)
            self.los_model = layer.measurement_model()

    # --- the picture of a node -------------------------------------------------------------
    def _in_view(self, node: NodeState, sensor: Sensor, t: float) -> NDArray[np.bool_]:
        tr = node.tracks
        in_view = np.zeros(tr.n, dtype=bool)
        live = tr.live
        if live.any():
            idx = np.flatnonzero(live)
            in_view[idx] = sensor.covers(tr.position_estimate_of(idx, t))
        return in_view

    def _receivers(self, n: int) -> list[int]:
        """The links from node ``n`` that carry measurements the instant they are made."""
        return [
            k for k, link in enumerate(self.chain.links)
            if link.source == n and link.carries == "measurements" and link.immediate
        ]

    def scan(self, t: float, sensor: Sensor, sees_threat: bool) -> None:
        """One scan of ``sensor`` at ``t``; ``sees_threat``: whether it can see any threat in
        flight then (from ``sights``)."""
        j = self.sensor_index[id(sensor)]
        at = getattr(sensor, "at", None)
        placed: Sensor = at(t) if at is not None else sensor
        n = int(self.radar_node[j])
        takers = [n] + [self.chain.links[k].target for k in self._receivers(n)]
        if not (sees_threat or placed.clutter or any(self.nodes[m].tracks.live.any()
                                                     for m in takers)):
            self._message_nothing(n)
            return
        views = [self._in_view(self.nodes[m], placed, t) for m in takers]
        if not (sees_threat or placed.clutter or any(v.any() for v in views)):
            self._message_nothing(n)
            return
        self._cancel_uncompleted(t)
        self.rounds.resolve(t, self.kill_t)
        flying = self.truth.flying(t)  # (Rt, T): Rt is 1 where replications share paths
        if flying.any():
            r_all, v_all = self.truth.at(np.array([t]))  # NaN where not flying
            r_true, v_true = r_all[:, :, 0], v_all[:, :, 0]
        else:
            r_true = v_true = np.full((*flying.shape, 3), np.nan)
        if self.truth.shared:
            r_true, v_true = r_true[0], v_true[0]
        exists = flying & (self.kill_t > t)
        if self.rcs_m2 is None:
            report = placed.measure(t, r_true, exists, self.draws)
        else:
            report = placed.measure(
                t, r_true, exists, self.draws, rcs_m2=self._rcs(placed, r_true, v_true)
            )
        self.nodes[n].records.detections(t, report.rep, report.label, j)
        dets = ScanDetections(report.rep, report.z, placed.measurement_model())
        for m, view in zip(takers, views, strict=True):
            if sees_threat or placed.clutter or view.any():  # as the node alone would
                self._take_scan(m, t, t, j, report, dets, view, late=False)
        self._message(n, j, t, placed, report, dets)

    def _take_scan(
        self, n: int, t_meas: float, t: float, j: int, report: Report, dets: ScanDetections,
        in_view: NDArray[np.bool_], late: bool, reps: NDArray[np.bool_] | None = None,
        defer: bool = False,
    ) -> None:
        """Node ``n`` takes in sensor ``j``'s scan made at ``t_meas``, at ``t``; then its fire
        control decides."""
        node = self.nodes[n]
        tr = node.tracks
        if j == node.handover:
            node.records.handover(t_meas, tr, report.rep, report.label, self.truth)
        assoc = process_scan(tr, t_meas, dets, in_view, self.chain.tracker, late=late)
        self._booked(node, assoc, t_meas)
        slot_label = node.records.scan(
            t_meas, tr, assoc, report.label, self.chain.doctrine.max_track_sigma_m, self.truth
        )
        if self.track_reps:
            node.records.record_tracks(
                t_meas, tr, slot_label, self.truth, self.track_reps, self.rep0,
                getattr(self.chain.radars[j], "name", ""),
            )
            self._log_picture(n, t)
        if defer:
            assert reps is not None
            self._defer(n, reps)
        else:
            self.fire_control(n, t, reps)

    def _booked(self, node: NodeState, assoc: Association, t_own: float) -> None:
        """A look's associations on a node: new tracks start their doctrine afresh, and the
        slots its detections updated hold fresh own data."""
        node.state.reset(assoc.born)
        node.own_t[assoc.born] = -np.inf
        upd = assoc.det_of_slot >= 0
        node.own_t[upd] = np.fmax(node.own_t[upd], t_own)
        node.source[upd] = OWN

    def _log_picture(self, n: int, t: float) -> None:
        """Node ``n``'s confirmed tracks of the recorded replications, flown to ``t``, and the
        threats alive then: what OSPA and GOSPA compare (``results``)."""
        tr = self.nodes[n].tracks
        rec = self.track_reps * self.slots
        slots = np.flatnonzero((tr.status[:rec] == CONFIRMED) & np.isfinite(tr.t_s[:rec]))
        key = n * self.track_reps
        est = tr.position_estimate_of(slots, t)
        ok = np.isfinite(est).all(axis=-1)
        self.picture_rows.append((key + slots[ok] // self.slots, t, est[ok]))
        flying = self.truth.flying(t)
        alive = np.broadcast_to(flying, self.kill_t.shape)[: self.track_reps] & (
            self.kill_t[: self.track_reps] > t
        )
        rep, thr = np.nonzero(alive)
        if rep.size:
            r = self.truth.position_of(rep, thr, np.full(rep.size, t))
            ok = np.isfinite(r).all(axis=-1)
            self.truth_rows.append((key + rep[ok], t, r[ok]))

    def _metrics(self) -> dict[str, NDArray]:
        """OSPA and GOSPA (``tracking.metrics``, cutoff ``METRIC_CUTOFF_M``, order
        ``METRIC_ORDER``) per node, recorded replication and logged instant."""
        def flat(rows: list[tuple[NDArray, float, Array]]) -> dict[str, NDArray]:
            if not rows:
                return {k: np.empty(0) for k in ("rep", "t_s", "x_m", "y_m", "z_m")}
            pos = np.concatenate([r[2] for r in rows]).reshape(-1, 3)
            return {
                "rep": np.concatenate([r[0] for r in rows]).astype(np.int64),
                "t_s": np.concatenate([np.full(r[0].size, r[1]) for r in rows]),
                "x_m": pos[:, 0], "y_m": pos[:, 1], "z_m": pos[:, 2],
            }

        tracks, truths = flat(self.picture_rows), flat(self.truth_rows)
        # an instant a node logged with no confirmed track and no threat alive scores 0: leave
        # it out; an instant with threats and no track is in the truth rows
        m = ospa_per_scan(tracks, truths, METRIC_CUTOFF_M, METRIC_ORDER)
        names = np.array(self.chain.node_names(), dtype=object)
        key = np.asarray(m["rep"], dtype=np.int64)
        per = max(self.track_reps, 1)
        return {
            "rep": key % per + self.rep0,
            "node": names[key // per],
            "t_s": m["t_s"],
            "tracks": np.asarray(m["n_tracks"], dtype=np.int64),
            "threats": np.asarray(m["n_truths"], dtype=np.int64),
            "ospa_m": m["ospa"],
            "gospa_m": m["gospa"],
            "gospa_missed": np.asarray(m["missed"], dtype=np.int64),
            "gospa_false": np.asarray(m["false"], dtype=np.int64),
        }

    def _rcs(self, sensor: Sensor, r: Array, v: Array) -> Array:
        """Each threat's RCS seen by ``sensor``: (T,) constants, or (Rt, T) where a threat has
        a table (its aspect from the threat's velocity and the sensor's site)."""
        assert self.rcs_m2 is not None
        site = getattr(sensor, "site_ecef", None)
        if not self.rcs_tables or site is None:
            return self.rcs_m2
        out = np.broadcast_to(self.rcs_m2, r.shape[:-1]).copy()
        aspect = aspect_rad(site(), r, v)
        for table, k in self.rcs_tables.items():  # a few distinct tables (a raid shares one)
            out[..., k] = table.at(np.nan_to_num(aspect[..., k]))
        return out

    # --- links -----------------------------------------------------------------------------
    def _message_nothing(self, n: int) -> None:
        """A scan skipped at its sensor sends nothing; its message number passes."""
        for k, link in enumerate(self.chain.links):
            if link.source == n and link.carries == "measurements" and not link.immediate:
                self.next_message[k] += 1

    def _message(
        self, n: int, j: int, t: float, placed: Sensor, report: Report, dets: ScanDetections
    ) -> None:
        """Put a scan made by node ``n``'s sensor on its measurement links that take time."""
        for k, link in enumerate(self.chain.links):
            if link.source != n or link.carries != "measurements" or link.immediate:
                continue
            arrive = self.arrivals[k][:, self.next_message[k]]
            self.next_message[k] += 1
            self.messages[k].append(
                MeasurementMessage(t, j, placed, report, dets, arrive.copy())
            )

    def send_tracks(self, t: float, k: int) -> None:
        """Link ``k`` sends its sender's confirmed tracks at ``t``."""
        link = self.chain.links[k]
        sender = self.nodes[link.source]
        reports = reports_of(sender.tracks)
        arrive = self.arrivals[k][:, self.next_message[k]]
        self.next_message[k] += 1
        label = sender.records.majority(reports.source_slot.astype(np.intp))
        self.messages[k].append(TrackMessage(reports, label, arrive.copy()))

    def deliver(self, t: float, k: int) -> None:
        """What has reached link ``k``'s receiver by ``t``, taken in in the order sent."""
        link = self.chain.links[k]
        pending = self.messages[k]
        if not pending:
            return
        self.rounds.resolve(t, self.kill_t)
        self._cancel_uncompleted(t)
        for msg in pending:
            now = due(msg.arrive, msg.done, t)
            if not now.any():
                continue
            msg.done |= now
            if isinstance(msg, MeasurementMessage):
                self._deliver_scan(link.target, t, msg, now)
            else:
                self._deliver_tracks(k, link.target, t, msg, now)
        self.messages[k] = [m for m in pending if not m.done.all()]

    def _deliver_scan(
        self, n: int, t: float, msg: MeasurementMessage, now: NDArray[np.bool_]
    ) -> None:
        node = self.nodes[n]
        keep = now[msg.report.rep]
        report = Report(msg.report.rep[keep], msg.report.z[keep], msg.report.label[keep])
        dets = ScanDetections(report.rep, report.z, msg.dets.model)
        view = self._in_view(node, msg.sensor, msg.t_s) & now[node.tracks.rep_of]
        if report.rep.size == 0 and not view.any():
            return
        self._take_scan(n, msg.t_s, t, msg.sensor_index, report, dets, view, late=True,
                        reps=now, defer=True)

    def _deliver_tracks(
        self, k: int, n: int, t: float, msg: TrackMessage, now: NDArray[np.bool_]
    ) -> None:
        node = self.nodes[n]
        link = self.chain.links[k]
        keep = now[msg.reports.rep]
        reports, label = msg.reports.take(keep), msg.label[keep]
        if reports.size == 0:
            return
        if k not in node.correlations:
            node.correlations[k] = Correlation(self.n_reps * self.slots)
        offset = None
        if link.register:
            if k not in node.offsets:
                node.offsets[k] = OffsetEstimator.new(
                    (self.n_reps,), forgetting=REGISTRATION_FORGETTING
                )
            self._register(node, k, t, reports)
            offset = node.offsets[k].offset
        fresh = node.own_fresh(t, self.chain.tracker)
        taken = take_reports(node.tracks, t, reports, self.chain.tracker, node.correlations[k],
                             offset, fresh)
        det_of_slot = np.full(node.tracks.n, -1, dtype=np.int64)
        went = np.flatnonzero(taken.fused | (taken.slot >= 0) & np.isnan(taken.diff[:, 0]))
        det_of_slot[taken.slot[went]] = went
        assoc = Association(det_of_slot=det_of_slot, born=taken.born,
                            replaced_id=taken.replaced_id)
        node.state.reset(taken.born)
        node.own_t[taken.born] = -np.inf
        node.source[taken.slot[went]] = k
        slot_label = node.records.scan(
            t, node.tracks, assoc, label, self.chain.doctrine.max_track_sigma_m, self.truth
        )
        if self.track_reps:
            node.records.record_tracks(
                t, node.tracks, slot_label, self.truth, self.track_reps, self.rep0, link.name
            )
            self._log_picture(n, t)
        self._defer(n, now)

    def _defer(self, n: int, reps: NDArray[np.bool_]) -> None:
        """Node ``n`` decides on what reached replications ``reps`` at the end of the instant
        (``decide``), unless a scan of the instant decides first."""
        held = self.undecided.get(n)
        self.undecided[n] = reps.copy() if held is None else held | reps

    def decide(self, t: float) -> None:
        """Fire control for the deliveries of the instant ``t`` that no scan decided on."""
        for n, reps in sorted(self.undecided.items()):
            self.fire_control(n, t, reps)
        self.undecided.clear()

    def _register(self, node: NodeState, k: int, t: float, reports: TrackReports) -> None:
        """Fold into link ``k``'s offset estimate the reports that lie alone near a track that
        other data than this link's updated last (``sharing.registration_pairs``): their
        position differences (``network.registration``)."""
        x_r, p_r = align(reports, t, self.chain.tracker)
        reference = (node.source != k) & (node.source != NO_SOURCE)
        row, diff, cov = registration_pairs(node.tracks, t, reports, x_r, p_r, reference)
        if row.size == 0:
            node.offsets[k].update(np.zeros((self.n_reps, 1), dtype=bool),
                                   np.zeros((self.n_reps, 1, 3)),
                                   np.broadcast_to(np.eye(3), (self.n_reps, 1, 3, 3)))
            return
        r = reports.rep[row]
        order = np.argsort(r, kind="stable")
        r, diff, cov = r[order], diff[order], cov[order]
        rank = np.arange(r.size) - np.searchsorted(r, r, side="left")
        width = int(rank.max()) + 1
        mask = np.zeros((self.n_reps, width), dtype=bool)
        dense = np.zeros((self.n_reps, width, 3))
        dense_cov = np.broadcast_to(np.eye(3), (self.n_reps, width, 3, 3)).copy()
        mask[r, rank] = True
        dense[r, rank] = diff
        dense_cov[r, rank] = cov
        node.offsets[k].update(mask, dense, dense_cov)

    # --- fire control ----------------------------------------------------------------------
    def fire_control(self, n: int, t: float, reps: NDArray[np.bool_] | None = None) -> None:
        """Node ``n``'s batteries decide at ``t``, in the replications ``reps`` (R,) that data
        has just reached (all by default)."""
        node = self.nodes[n]
        if reps is None:
            self.undecided.pop(n, None)  # a scan's decision covers every replication
        if node.batteries.size == 0:
            return
        self._completions(n, t)
        if self.commitments:
            self._shoot_committed(n, t)
        tr, d = node.tracks, self.chain.doctrine
        allowed = (tr.status == CONFIRMED) & node.state.may_engage(tr.last_update_t_s, t)
        if reps is not None:
            allowed &= reps[tr.rep_of]
        if d.perfect_kill_assessment and allowed.any():
            idx = np.flatnonzero(allowed)
            allowed[idx[self._known_dead(node, idx, t)]] = False
        if not allowed.any():
            return
        fresh = node.own_fresh(t, self.chain.tracker)
        ready_all = self.batteries.ready(t)
        ready = ready_all[:, node.batteries]
        rep_of = tr.rep_of
        n_bat = node.batteries.size
        pk = np.full((self.n_reps, n_bat, self.slots), -1.0)
        evaluated = []
        for i, b in enumerate(node.batteries):
            mine = allowed & ready[rep_of, i]
            if self.engage[b] == "local":
                mine &= fresh
            e = self.fcs[b].evaluate(tr, np.flatnonzero(mine), t, self.predictors[n])
            pk[e.slots // self.slots, i, e.slots % self.slots] = e.pk
            evaluated.append(e)
        engageable = np.flatnonzero((pk >= 0.0).any(axis=1).reshape(-1))
        if engageable.size == 0:
            return
        tgo = np.full(tr.n, np.inf)
        tgo[engageable] = _time_to_go(tr, engageable, self.defended)
        need = node.state.need().reshape(self.n_reps, self.slots)
        choice = assign_weapons(tgo.reshape(self.n_reps, self.slots), pk, need, ready)
        for i, (b, e) in enumerate(zip(node.batteries, evaluated, strict=True)):
            rep = e.slots // self.slots
            chosen = choice[rep, i] == e.slots % self.slots
            if not chosen.any():
                continue
            fc = self.fcs[b]
            taken = e.take(chosen)
            if d.aim_at_shot:
                self._commit(n, int(b), taken)
                continue
            rounds = fc.fire(taken, self._round_draws(int(b), "fire", taken.slots // self.slots))
            if rounds.size:
                self._book(n, int(b), fc, rounds, fresh[rounds.slots])

    def _known_dead(self, node: NodeState, slots: NDArray[np.intp], t: float) -> NDArray[np.bool_]:
        """(S,) which of ``slots`` follow a threat killed by ``t`` (``perfect_kill_assessment``
        only: a shortcut)."""
        threat = node.records.majority(slots)
        return (threat >= 0) & (self.kill_t[slots // self.slots, np.maximum(threat, 0)] <= t)

    def _commit(self, n: int, b: int, taken: Engagements) -> None:
        """``aim_at_shot``: battery ``b`` of node ``n`` commits to the engagements ``taken``
        (one slot per replication): the doctrine and the magazine count their rounds now and
        the battery is busy until they leave; ``_shoot_committed`` aims and fires them when
        they are due."""
        rep = taken.slots // self.slots
        self.nodes[n].state.book(taken.slots, taken.t_fire_s + taken.tof_s)
        before = self.batteries.last_fire[rep, b].copy()
        self.batteries.last_fire[rep, b] = taken.t_fire_s
        self.batteries.rounds[rep, b] -= 1
        track_id = self.nodes[n].tracks.track_id[taken.slots].copy()
        self.commitments.append(_Commitment(n, b, taken.slots, track_id, taken.t_fire_s, before))

    def _shoot_committed(self, n: int, t: float) -> None:
        """Node ``n``'s commitments due by ``t``, earliest first: each round aimed from its
        track as it stands at ``t`` and fired at ``t``, where the track still holds the same
        confirmed threat and the weapon can still reach it (the track-quality gate was the
        decision's); the others fire nothing and give their battery back its round and its
        previous shot time. A round whose battery fired less than a shot interval before
        ``t`` (two commitments due within one fire-control cycle) waits for a later cycle."""
        is_due = [c.node == n and c.t_fire_s <= t + 1e-9 for c in self.commitments]
        if not any(is_due):
            return
        due = sorted((c for c, d in zip(self.commitments, is_due, strict=True) if d),
                     key=lambda c: c.t_fire_s)
        self.commitments = [c for c, d in zip(self.commitments, is_due, strict=True) if not d]
        node = self.nodes[n]
        tr = node.tracks
        fresh = node.own_fresh(t, self.chain.tracker)
        bat = self.batteries
        for c in due:
            fc, b, rep = self.fcs[c.battery], c.battery, c.slots // self.slots
            wait = t < bat.shot_t[rep, b] + bat.interval[b] - 1e-9
            if wait.any():
                self.commitments.append(dataclasses.replace(
                    c, slots=c.slots[wait], track_id=c.track_id[wait], before=c.before[wait]
                ))
                c = dataclasses.replace(
                    c, slots=c.slots[~wait], track_id=c.track_id[~wait], before=c.before[~wait]
                )
                rep = rep[~wait]
            held = (tr.track_id[c.slots] == c.track_id) & (tr.status[c.slots] == CONFIRMED)
            if self.chain.doctrine.perfect_kill_assessment:
                held &= ~self._known_dead(node, c.slots, t)
            e = fc.evaluate(
                tr, c.slots[held], t - fc.reaction_s, self.predictors[n], committed=True
            )
            fired = np.zeros(0, dtype=np.intp)
            if e.slots.size:
                rounds = fc.fire(e, self._round_draws(b, "fire", e.slots // self.slots))
                if rounds.size:
                    self._book(n, b, fc, rounds, fresh[rounds.slots], booked=True)
                    fired = rounds.slots
            lost = ~np.isin(c.slots, fired)
            if lost.any():
                self._release(b, rep[lost], c.before[lost])

    def _release(self, b: int, rep: NDArray[np.intp], before: Array) -> None:
        """Battery ``b`` fires nothing for commitments in replications ``rep``: its round goes
        back to the magazine and its last shot time back to ``before``, or to the latest of
        its commitments still pending there."""
        bat = self.batteries
        bat.rounds[rep, b] += 1
        last = before.copy()
        for other in self.commitments:
            if other.battery == b:
                mine = np.isin(rep, other.slots // self.slots)
                last[mine] = np.maximum(last[mine], other.t_fire_s)
        bat.last_fire[rep, b] = last

    def _completions(self, n: int, t: float) -> None:
        """Launch-on-remote rounds of node ``n`` whose threat its own data now holds are
        completed."""
        node = self.nodes[n]
        fresh = node.own_fresh(t, self.chain.tracker)
        for ids, slots, track_id, deadline, m in self.completion:
            if m != n:
                continue
            open_ = ~self.completed[ids] & (t <= deadline)
            held = open_ & fresh[slots] & (node.tracks.track_id[slots] == track_id)
            self.completed[ids[held]] = True

    def _cancel_uncompleted(self, t: float) -> None:
        """Rounds not completed by their deadline cannot kill (no in-flight data)."""
        keep = []
        for entry in self.completion:
            ids, _, _, deadline, _ = entry
            lapsed = ~self.completed[ids] & (deadline < t)
            self.rounds.spent[ids[lapsed]] = True
            if (~self.completed[ids] & (deadline >= t)).any():
                keep.append(entry)
        self.completion = keep

    def _round_draws(self, b: int, use: str, rep: NDArray[np.intp]) -> MemberDraws:
        """The streams of the rounds battery ``b`` would fire next in replications ``rep``
        (ascending), for ``use``: keyed by the battery's name and each round's number in its
        replication, so a round's dispersion, guidance noise and kill draw do not depend on
        other batteries, threats or sensors."""
        serial = self.batteries.fired[rep, b] + _rank_within(rep)
        return self.draws.members(f"battery:{self.chain.batteries[b].name}:{use}", rep, serial)

    def _book(
        self, n: int, b: int, fc: Effector, rounds: Rounds, own: NDArray[np.bool_],
        booked: bool = False,
    ) -> None:
        """Record ``rounds`` fired by battery ``b`` of node ``n`` and fly them against the truth;
        ``booked``: the doctrine and the magazine counted them when the battery committed
        (``_commit``)."""
        node = self.nodes[n]
        rep = rounds.slots // self.slots
        if booked:
            node.state.rebook(rounds.slots, rounds.t_fire_s + rounds.tof_s)
        else:
            node.state.book(rounds.slots, rounds.t_fire_s + rounds.tof_s)
        homing_draws = self._round_draws(b, "guidance", rep)
        kill_draws = self._round_draws(b, "kill", rep)
        np.add.at(self.batteries.fired, (rep, b), 1)
        if not booked:
            self.batteries.rounds[rep, b] -= 1
        last = self.batteries.last_fire[rep, b]
        self.batteries.last_fire[rep, b] = np.maximum(last, rounds.t_fire_s)
        self.batteries.shot_t[rep, b] = rounds.t_fire_s
        rounds = dataclasses.replace(rounds, tau_s=fc.flight_times(rounds))
        r_threats = self._threat_paths(rep, rounds.t_fire_s + rounds.tau_s)
        if fc.homes:
            rounds = fc.home(rounds, *self._homing_targets(node, rounds, r_threats), homing_draws)
        m = rounds.size
        damage, radii, own_r = fc.lethality, self.threat_radius_m[None, :], fc.round_radius_m
        certain = damage.kind in ("hit-to-kill", "cookie_cutter")  # Pk 0 or 1: no draw
        first_id = self.rounds.n_rounds
        self.rounds.add(
            rep, rounds.t_fire_s, rounds.tau_s, rounds.r_ecef, r_threats,
            lambda miss: damage.pk(miss, radii, own_r),
            None if certain else kill_draws.random(m),
        )
        ids = first_id + np.arange(m, dtype=np.int64)
        completed = np.ones(m, dtype=bool)
        if self.engage[b] == "launch-on-remote" and fc.homes and not own.all():
            wait = np.flatnonzero(~own)
            completed[wait] = False
            deadline = rounds.t_fire_s + rounds.tof_s[wait] - self.chain.completion_s
            self.completion.append(
                (ids[wait], rounds.slots[wait], node.tracks.track_id[rounds.slots[wait]],
                 np.asarray(deadline, dtype=float), n)
            )
        self.completed = np.concatenate([self.completed, completed])
        self.shots.append(
            {
                "rep_index": rep,
                "battery_index": np.full(m, b),
                "effector": np.full(m, fc.kind, dtype=object),
                "cost_usd": np.full(m, float(fc.cost_usd)),
                "track_id": node.tracks.track_id[rounds.slots],
                "threat_index": node.records.majority(rounds.slots),
                "own_track": own.copy(),
                "fire_t_s": np.full(m, rounds.t_fire_s),
                "az_deg": np.degrees(rounds.az_rad),
                "el_deg": np.degrees(rounds.el_rad),
                "predicted_tof_s": rounds.tof_s,
                "predicted_miss_m": rounds.predicted_miss_m,
                "predicted_sigma_m": rounds.sigma_m,
                "predicted_pk": rounds.pk,
                "shot_az_deg": np.degrees(rounds.shot_az_rad),
                "shot_el_deg": np.degrees(rounds.shot_el_rad),
                "muzzle_velocity_mps": rounds.muzzle_velocity_mps,
            }
        )

    def frame(self, t: float, layer: SpaceLayer, t_frame: float) -> None:
        """The space layer's frame taken at ``t_frame``, reaching its node's tracker (and those
        its measurement links reach at once) at ``t``."""
        assert self.signatures is not None
        n = self.chain.space_node
        takers = [n] + [self.chain.links[k].target for k in self._receivers(n)]
        self._cancel_uncompleted(t)
        self.rounds.resolve(t, self.kill_t)
        flying = self.truth.flying(t_frame)
        if flying.any():
            r_all, v_all = self.truth.at(np.array([t_frame]))
            r_true, v_true = r_all[:, :, 0], v_all[:, :, 0]
        else:
            r_true = v_true = np.full((*flying.shape, 3), np.nan)
        sats = layer.positions(np.array([t_frame]))[:, 0]
        views = []
        for m in takers:
            tr = self.nodes[m].tracks
            live = np.flatnonzero(tr.live)
            in_view = np.zeros((tr.n, sats.shape[0]), dtype=bool)
            if live.size:
                est = tr.position_estimate_of(live, t_frame)
                in_view[live] = layer.sees(sats, est).T
            views.append(in_view)
        threat_seen = flying.any() and bool(
            layer.sees(sats, np.nan_to_num(r_true[flying])).any()
        )
        if not (threat_seen or layer.clutter or any(v.any() for v in views)):
            return
        intensity = self.signatures.intensity(t_frame, r_true, v_true)
        if self.truth.shared:
            r_true, intensity, flying = r_true[0], intensity[0], flying[0]
        exists = flying & (self.kill_t > t_frame)
        r_b = np.broadcast_to(r_true, (self.n_reps, *r_true.shape[-2:]))
        i_b = np.broadcast_to(intensity, exists.shape)
        report = layer.measure(t_frame, r_b, exists, i_b, self.draws, sats=sats)
        index = len(self.chain.radars)
        self.nodes[n].records.detections(t_frame, report.rep, report.label, index)
        dets = LosDetections(report.rep, report.sat, report.z)
        for m, in_view in zip(takers, views, strict=True):
            if not (threat_seen or layer.clutter or in_view.any()):
                continue
            node = self.nodes[m]
            tr = node.tracks
            assoc = process_los_frame(
                tr, t_frame, dets, in_view, self.los_model, self.chain.tracker
            )
            self._booked(node, assoc, t_frame)
            slot_label = node.records.scan(
                t, tr, assoc, report.label, self.chain.doctrine.max_track_sigma_m, self.truth
            )
            if self.track_reps:
                node.records.record_tracks(
                    t_frame, tr, slot_label, self.truth, self.track_reps, self.rep0, layer.name
                )
                self._log_picture(m, t)
                self.fire_control(m, t)

    def _bounds(self, tracks: dict[str, NDArray]) -> Array:
        """The PCRLB of position (m) on each track row that follows a threat, at the last scan
        that detected it up to the row's time (``engagement.bound``; from every sensor's
        detections, whichever node holds the row); NaN elsewhere."""
        out = np.full(np.size(tracks["t_s"]), np.nan)
        if out.size == 0:
            return out
        books = self.nodes[0].records
        if len(self.nodes) > 1:
            books = Records(self.n_reps, self.n_threats, self.slots)
            books.log_reps = self.track_reps
            books.looks = sorted(
                (look for node in self.nodes for look in node.records.looks),
                key=lambda look: (look[0], look[1]),
            )
        rep, thr, times, bound = track_bounds(
            books, self.truth, self.chain.radars, self.chain.tracker.jerk_psd_m2ps5
        )
        if rep.size == 0:
            return out
        pair = np.full((self.track_reps, self.n_threats), -1, dtype=np.intp)
        pair[rep, thr] = np.arange(rep.size)
        row_rep = np.asarray(tracks["rep"], dtype=np.intp) - self.rep0
        row_thr = np.asarray(tracks["threat_index"], dtype=np.intp)
        ok = (row_thr >= 0) & (row_rep >= 0) & (row_rep < self.track_reps)
        p = np.full(out.size, -1, dtype=np.intp)
        p[ok] = pair[row_rep[ok], row_thr[ok]]
        k = np.searchsorted(times, np.asarray(tracks["t_s"], dtype=float) + 1e-9) - 1
        use = (p >= 0) & (k >= 0)
        out[use] = bound[p[use], k[use]]
        return out

    def _threat_paths(self, rep: NDArray[np.intp], t_path: Array) -> Array:
        """Every threat's true path at the times ``t_path`` (K,): (T, K, 3) where all
        replications share the paths, else (M, T, K, 3) for the replications ``rep`` (M,)."""
        if self.truth.shared:
            return self.truth.at(t_path)[0][0]
        return self.truth.at_reps(rep, np.broadcast_to(t_path, (rep.size, t_path.size)))

    def _homing_targets(
        self, node: NodeState, rounds: Rounds, r_threats: Array
    ) -> tuple[Array, Array]:
        """The true path (M, K, 3) and velocity of the threat each round's track follows most
        (NaN for a false track), from the threats' paths (``_threat_paths``): what a homing
        round's seeker or radar follows (a named simplification: it never takes the wrong
        threat)."""
        threat = node.records.majority(rounds.slots)
        m, k = rounds.size, r_threats.shape[-2]
        r_t = np.full((m, k, 3), np.nan)
        real = np.flatnonzero(threat >= 0)
        if real.size:
            paths = r_threats if r_threats.ndim == 4 else r_threats[None]
            rows = real if r_threats.ndim == 4 else np.zeros(real.size, dtype=np.intp)
            r_t[real] = paths[rows, threat[real]]
        return r_t, np.gradient(r_t, rounds.tau_s[1] - rounds.tau_s[0], axis=1)

    def results(self) -> ChainResult:
        self._cancel_uncompleted(np.inf)
        self.rounds.resolve(np.inf, self.kill_t)
        for node in self.nodes:
            node.records.finish(node.tracks)
        books = self._books()
        chain = self.chain
        names = np.array([t.name for t in chain.threats], dtype=object)

        def named(index: NDArray) -> NDArray:
            """Threat names of indices, "" for a false alarm (-1) or no detection (-2)."""
            index = index.astype(np.intp)
            return np.where(index >= 0, names[np.maximum(index, 0)], "").astype(object)

        battery_names = np.array([b.name for b in chain.batteries], dtype=object)
        sensor_names = np.array(
            [getattr(r, "name", "") for r in chain.radars]
            + ([chain.space_layer.name] if chain.space_layer is not None else []),
            dtype=object,
        )
        shot_keys = (
            "rep_index", "battery_index", "effector", "cost_usd", "track_id", "threat_index",
            "own_track", "fire_t_s", "az_deg",
            "el_deg", "predicted_tof_s", "predicted_miss_m", "predicted_sigma_m",
            "predicted_pk", "shot_az_deg", "shot_el_deg", "muzzle_velocity_mps",
        )
        s = concat(self.shots, shot_keys)
        rep_i = s.pop("rep_index").astype(np.intp)
        thr = s.pop("threat_index").astype(np.intp)
        miss, t_ca, killer, pk_given_miss, closing = self.rounds.outcome(rep_i, self.kill_t)
        b_i = s.pop("battery_index").astype(np.intp)
        node_names = np.array(chain.node_names(), dtype=object)
        shots = {
            "rep": rep_i + self.rep0,
            "battery": battery_names[b_i],
            "node": node_names[chain.battery_nodes()[b_i]] if b_i.size else np.empty(0, object),
            "engage": np.array(self.engage, dtype=object)[b_i] if b_i.size
            else np.empty(0, object),
            "own_track": s.pop("own_track").astype(bool),
            "completed": self.completed.copy(),
            "track_id": s.pop("track_id").astype(np.int64),
            "threat": named(thr),
            **s,
            "miss_m": miss,
            "kill": killer,
            "intercept_t_s": t_ca,
            "closing_speed_mps": closing,
            "pk_given_miss": pk_given_miss,
        }
        r, t = self.n_reps, self.n_threats
        aimed = thr >= 0
        n_shots = np.zeros((r, t), dtype=np.int64)
        np.add.at(n_shots, (rep_i[aimed], thr[aimed]), 1)
        spent = np.zeros((r, t))
        np.add.at(spent, (rep_i[aimed], thr[aimed]), shots["cost_usd"][aimed])
        first_shot = np.full((r, t), np.inf)
        np.minimum.at(first_shot, (rep_i[aimed], thr[aimed]), shots["fire_t_s"][aimed])
        killed = np.isfinite(self.kill_t)
        place = kill_places(self.truth, np.where(killed, self.kill_t, np.nan))
        debris_m = np.full((r, t), np.nan)
        defended = np.zeros((r, t), dtype=bool)
        kr, kt = np.nonzero(killed)
        if kr.size:
            r_kill, v_kill = self.truth.state_of(kr, kt, self.kill_t[kr, kt])
            impact_debris, _ = debris_impact(
                r_kill, v_kill, self.chain.debris_ballistic_coefficient_kgpm2
            )
            gaps = np.linalg.norm(impact_debris[:, None] - self.defended[None], axis=-1)
            debris_m[kr, kt] = gaps.min(axis=1)
            defended[kr, kt] = np.all(gaps > self.chain.keep_out()[None], axis=1)
        impact_t = np.broadcast_to(self.truth.impact_t_s, (r, t))
        end_t = np.broadcast_to(self.truth.end_t_s, (r, t))
        window = np.where(np.isfinite(first_shot), end_t - first_shot, np.nan)
        leaked = ~killed & np.isfinite(impact_t)
        impact = ecef2geodetic(self.truth.impact_r_ecef)  # (Rt, T), NaN: no impact
        impact_lat = np.broadcast_to(np.degrees(impact.lat_rad), (r, t))
        impact_lon = np.broadcast_to(np.degrees(impact.lon_rad), (r, t))
        ends = np.isfinite(impact_t)
        replications = {
            "rep": np.repeat(np.arange(r), t) + self.rep0,
            "threat": np.tile(names, r),
            "detect_t_s": books["detect_t"].ravel(),
            "detect_sensor": np.where(
                books["detect_sensor"] >= 0,
                sensor_names[np.maximum(books["detect_sensor"], 0)],
                "",
            ).astype(object).ravel(),
            "track_t_s": books["track_t"].ravel(),
            "fc_track_t_s": books["fc_track_t"].ravel(),
            "fc_track_error_m": books["fc_track_err"].ravel(),
            "handover_t_s": books["handover_t"].ravel(),
            "handover_error_m": books["handover_err"].ravel(),
            "first_shot_t_s": np.where(np.isfinite(first_shot), first_shot, np.nan).ravel(),
            "engagement_window_s": window.ravel(),
            "shots": n_shots.ravel(),
            "cost_usd": spent.ravel(),
            "killed": killed.ravel(),
            "kill_t_s": np.where(killed, self.kill_t, np.nan).ravel(),
            "kill_alt_m": place[2].ravel(),
            "kill_lat_deg": place[0].ravel(),
            "kill_lon_deg": place[1].ravel(),
            "debris_distance_m": debris_m.ravel(),
            "defended": defended.ravel(),
            "leaked": leaked.ravel(),
            "impact_t_s": np.where(leaked, impact_t, np.nan).ravel(),
            "impact_lat_deg": np.where(leaked, impact_lat, np.nan).ravel(),
            "impact_lon_deg": np.where(leaked, impact_lon, np.nan).ravel(),
            "flight_impact_lat_deg": np.where(ends, impact_lat, np.nan).ravel(),
            "flight_impact_lon_deg": np.where(ends, impact_lon, np.nan).ravel(),
            "false_tracks": np.repeat(books["false_tracks"], t),
            "track_updates": np.repeat(books["updates"], t),
            "track_updates_own": np.repeat(books["updates_own"], t),
        }
        track_keys = (
            "rep", "track_id", "threat_index", "t_s", "status", "x_m", "y_m", "z_m",
            "vx_mps", "vy_mps", "vz_mps", "var_x_m2", "var_y_m2", "var_z_m2", "true_x_m",
            "true_y_m", "true_z_m", "true_vx_mps", "true_vy_mps", "true_vz_mps", "sensor",
        )
        per_node = []
        for node in self.nodes:
            rows = concat(node.records.track_rows, track_keys)
            rows["node"] = np.full(np.size(rows["rep"]), node.name, dtype=object)
            per_node.append(rows)
        tracks = concat(per_node, (*track_keys, "node"))
        tracks["pcrlb_m"] = self._bounds(tracks)
        tracks["threat"] = named(tracks.pop("threat_index"))
        tracks["rep"] = tracks["rep"].astype(np.int64)
        tracks["track_id"] = tracks["track_id"].astype(np.int64)
        tracks["status"] = tracks["status"].astype(np.int8)
        metrics = self._metrics() if self.track_reps else {}
        return ChainResult(replications, shots, tracks, metrics=metrics)



    def _books(self) -> dict[str, NDArray]:
        """The replications' detection and track columns over the nodes: first detections by
        any sensor; first tracks, fire-control tracks and hand-overs at the nodes that fight
        (every node where none does), the earliest of them; their false tracks and updates
        summed."""
        nodes = self.nodes
        if len(nodes) == 1:
            rec = nodes[0].records
            return {k: getattr(rec, k) for k in _BOOK_KEYS}
        detect = np.stack([n.records.detect_t for n in nodes])
        sensor = np.stack([n.records.detect_sensor for n in nodes])
        first = np.argmin(np.where(np.isnan(detect), np.inf, detect), axis=0)
        out: dict[str, NDArray] = {
            "detect_t": np.take_along_axis(detect, first[None], 0)[0],
            "detect_sensor": np.take_along_axis(sensor, first[None], 0)[0],
        }
        fight = [nodes[i].records for i in self.fighting]
        for t_key, err_key in (("track_t", None), ("fc_track_t", "fc_track_err"),
                               ("handover_t", "handover_err")):
            times = np.stack([getattr(rec, t_key) for rec in fight])
            pick = np.argmin(np.where(np.isnan(times), np.inf, times), axis=0)
            out[t_key] = np.take_along_axis(times, pick[None], 0)[0]
            if err_key is not None:
                errs = np.stack([getattr(rec, err_key) for rec in fight])
                out[err_key] = np.take_along_axis(errs, pick[None], 0)[0]
        for key in ("false_tracks", "updates", "updates_own"):
            out[key] = np.sum([getattr(rec, key) for rec in fight], axis=0)
        return out


def truth_table(chain: KillChain, truth: ThreatTrajectories) -> dict[str, NDArray]:
    """The threats' nominal (unengaged) flights as the ``truth`` result table, each shifted
    to its start time."""
    return _world(chain, truth).rows()


def _world(chain: KillChain, truth: ThreatTrajectories) -> Truth:
    """The flown threats, each at its start time."""
    return Truth(truth, np.array([t.start_t_s for t in chain.threats]), specs=chain.threats)


def dispersed_world(chain: KillChain, seed: int, reps: NDArray[np.intp]) -> Truth:
    """Each replication of ``reps`` (R,) flying its own version of the dispersed threats
    (drawn from their streams under ``seed``), in one batch with the undispersed threats'
    nominal paths; each replication's set aim offsets (``KillChain.aim_offsets_m``) added."""
    reps = np.asarray(reps, dtype=np.int64).reshape(-1)
    dispersions = chain.dispersions or (None,) * len(chain.threats)
    offsets = None
    if chain.aim_offsets_m and chain.aim_offset_threats:
        grid = np.asarray(chain.aim_offsets_m, dtype=float).reshape(-1, 2)
        group = np.minimum(reps // max(chain.aim_offset_reps, 1), len(grid) - 1)
        offsets = np.zeros((reps.size, len(chain.threats), 2))
        offsets[:, list(chain.aim_offset_threats)] = grid[group][:, None, :]
    specs, index = disperse_all(chain.threats, dispersions, seed, reps, offsets)
    plain = np.flatnonzero(index[0] < 0) if index.size else np.empty(0, dtype=np.intp)
    members = [chain.threats[t] for t in plain] + specs
    flown = fly_threats(members, dt_s=chain.dt_s, t_max_s=chain.t_max_s, diagnostics=False)
    member = np.where(index >= 0, index + plain.size, 0)
    member[:, plain] = np.arange(plain.size)
    return Truth(flown, np.array([t.start_t_s for t in chain.threats]), member, members)


def run_chain(
    chain: KillChain,
    reps: int,
    seed: int,
    rep0: int = 0,
    track_reps: int = 0,
    truth: ThreatTrajectories | None = None,
    tables: Sequence[WeaponTable] | None = None,
    progress: Callable[[float], None] | None = None,
) -> ChainResult:
    """Run ``reps`` replications of the whole scenario (every threat in each) through the
    kill chain.

    ``rep0`` numbers the first replication; ``track_reps`` how many replications' tracks to
    return; ``truth`` (the threats' nominal flights from their own starts) and ``tables`` may
    be passed in when computed once for many runs; ``progress`` is called with the fraction
    of scans done. ``seed`` keys every draw (``streams.Streams``, common random numbers):
    the threats' dispersion by each replication's number and the threat's name, the links'
    delays and losses by the link's, each scan's detections and noise by the sensor's name,
    the scan's time and the threat, each round's dispersion, guidance noise and kill by its
    battery's name and its number there. A replication's results therefore do not depend on
    the batch it runs in, and two variants of a scenario see the same draws for every part
    they share.
    """
    if tables is None:
        tables = ballistic_tables(chain)
    if chain.dispersed:
        world = dispersed_world(chain, seed, np.arange(reps) + rep0)
    else:
        if truth is None:
            truth = fly_threats(chain.threats, dt_s=chain.dt_s, t_max_s=chain.t_max_s)
        world = _world(chain, truth)
    run = _Engagement(chain, reps, seed, rep0, min(track_reps, reps), world, tables)
    t_end = float(np.max(world.end_t_s))
    scan_t, scan_sensor = scan_schedule(chain.radars, t_end)
    seen = sights(chain.radars, world, scan_t, scan_sensor)
    n_radar = len(chain.radars)
    layer = chain.space_layer
    if layer is not None:  # frames join the schedule when their reports arrive
        frames = layer.frame_times(0.0, t_end)
        arrive = frames + layer.latency_s
        scan_t = np.concatenate([scan_t, arrive])
        scan_sensor = np.concatenate([scan_sensor, np.full(frames.size, n_radar, dtype=np.intp)])
        seen = np.concatenate([seen, np.ones(frames.size, dtype=bool)])
        order = np.lexsort((scan_sensor, scan_t))
        scan_t, scan_sensor, seen = scan_t[order], scan_sensor[order], seen[order]
    # the links' events: track reports sent, and messages taken in where they arrive
    kind = np.ones(scan_t.size, dtype=np.intp)  # 0 deliveries, 1 scans, 2 track reports
    which = scan_sensor
    event_t = [scan_t]
    event_kind, event_which = [kind], [which]
    radar_node = chain.radar_nodes()
    reps_abs = np.arange(reps) + rep0
    for k, link in enumerate(chain.links):
        if link.carries == "tracks":
            sent = send_times(link.interval_s, t_end)
            event_t.append(sent)
            event_kind.append(np.full(sent.size, 2, dtype=np.intp))
            event_which.append(np.full(sent.size, k, dtype=np.intp))
        elif link.immediate:
            run.arrivals.append(np.empty((reps, 0)))
            continue
        else:  # measurements: one message per scan of the sender's radars
            mine = (scan_sensor < n_radar) & (radar_node[np.minimum(scan_sensor, n_radar - 1)]
                                              == link.source) if n_radar else scan_sensor < 0
            sent = link.send_of(scan_t[mine])
        arrive = link.arrivals(seed, reps_abs, sent, chain.delivery_grid(link.target))
        run.arrivals.append(arrive)
        ticks = np.unique(arrive[np.isfinite(arrive)])
        event_t.append(ticks)
        event_kind.append(np.full(ticks.size, 0, dtype=np.intp))
        event_which.append(np.full(ticks.size, k, dtype=np.intp))
    all_t = np.concatenate(event_t)
    all_kind = np.concatenate(event_kind)
    all_which = np.concatenate(event_which)
    seen_all = np.concatenate([seen, np.ones(all_t.size - seen.size, dtype=bool)])
    order = np.lexsort((all_which, all_kind, all_t))
    for count, e in enumerate(order):
        t, kd, j = float(all_t[e]), int(all_kind[e]), int(all_which[e])
        if kd == 2:
            run.send_tracks(t, j)
        elif kd == 0:
            run.deliver(t, j)
        elif j < n_radar:
            run.scan(t, chain.radars[j], bool(seen_all[e]))
        else:
            assert layer is not None
            run.frame(t, layer, t - layer.latency_s)
        if count + 1 == order.size or all_t[order[count + 1]] > t:
            run.decide(t)  # fire control on deliveries no scan of this instant decided on
        if progress is not None:
            progress((count + 1) / order.size)
    result = run.results()
    if not world.shared:
        result = dataclasses.replace(result, paths=world.rows(min(track_reps, reps), rep0))
    return result
