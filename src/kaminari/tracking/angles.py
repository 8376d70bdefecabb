"""Angles-only frames: a tracking layer's lines of sight into the same tracks as the radars'.

One frame of a space layer holds, per replication, lines of sight from several satellites at
the same time ``t_s`` (each detection's row is (u, p), ``measurement.LineOfSight``).
``process_los_frame`` applies a frame to every replication's tracks, in place, with the rules of
``tracker`` where they apply and these where they differ:

1. *Which tracks.* A track takes part when one of the frame's satellites could see where it
   puts its target (``in_view`` (N, n_sat), from the caller). A frame reaches the tracker after
   the layer's latency, so a radar may have updated a track since: the line of sight is then
   older than the track's state (out of sequence). Such a track is updated through the
   backward transition (``_update_late``): its state x_k at t_k is flown back to the frame's
   time t_d by the filter's own model (``ekf.retrodict``: x_d and F = dx_d/dx_k), the
   line-of-sight residual and Jacobian H_d are taken there, and x_k is updated with
   H = H_d F and the measurement covariance R + n H_d F Q(t_k - t_d) F^T H_d^T: the process
   noise over the lag, its correlation with x_k's error neglected, and counted n times for a
   track that n satellites see in the frame, since that noise is one and the same for all
   their lines (applied one by one as if independent, it would be counted n times too few and
   the track would grow overconfident with every satellite added: the 96-satellite layer of
   ``examples/space_layer.yaml`` killed 114 western threats in 3,000 so, its rounds missing
   by 18.5 m (median), and 148 counting the noise n times, missing by 17.0 m; 167 with the
   radars alone, missing by 16.1 m). This is the approximate
   one-lag treatment discussed by Y. Bar-Shalom, "Update with out-of-sequence measurements in
   tracking: exact solution", IEEE TAES 38(3), 2002 (not his exact algorithm A). A late line
   may be kept from changing a track that already knows the threat better than it
   (``LATE_WEIGHT_MIN``: used where tr(H P H^T) is at least that times tr(R_eff)); a line that
   gates with a track is the track's either way (it starts nothing). By default every late line
   is used: in ``examples/space_layer.yaml`` (28 satellites, 3 x 3,000 western threat
   replications) the western threats were killed 585 times with every late line, 487 with
   ``LATE_WEIGHT_MIN`` 0.1 and 512 with 1 (radars alone: 167 of 3,000), with about the same
   rounds fired (4,554 and 4,592 in one of the three); the price is a slightly overconfident
   track in the dive (96 satellites: NEES per axis median 1.46 against 1.16 without late
   lines), the held acceleration flown back through a manoeuvre. A late track counts a hit
   when a line updates it, and no miss otherwise.
2. *Gating.* A line of sight has two measured components, so its gate is the chi-square point
   of 2 degrees of freedom with the same probability as the radar's 3-component gate
   (``gate_2dof``): 27.63 for confirmed tracks (1 - 1e-6, against 30.66 at 3 dof) and 13.82 for
   tentative ones (99.9 %, against 16.27). The residual is taken across the measured line of
   sight (``LineOfSight.pair_residual``).
3. *Association and update, satellite by satellite.* The satellites with detections are taken
   in turn (index order); for each, global nearest neighbour pairs its lines with the tracks it
   sees (cost d^2 + ln det S, one to one, ``tracker`` rule 2), and each pair updates its track
   (Joseph form). A track seen by three satellites may thus take three lines in one frame, one
   from each. A surprising update (NIS above the 2-dof point of ``maneuver_nis``'s
   probability) raises the track's process noise as a radar's does (``tracker`` rule 3).
4. *Initiation by triangulation.* A single line of sight has no range, so lines no track took
   start nothing alone. Pairs of them from two satellites of the same replication are
   triangulated (``triangulation.triangulate``); a pair counts when its lines pass each other
   within the 1 - 1e-6 point of its 1-degree-of-freedom residual chi-square (23.93: four
   measured angles, three unknowns), their angle is at least ``MIN_LINE_ANGLE_RAD``, and the
   point lies between ``MIN_ALT_M`` and ``MAX_ALT_M`` above the sphere of the Earth's mean
   radius. Pairs are chosen one to one, least residual first (``_pick_pairs``). Each chosen
   pair's point and covariance is a converted detection for ``tracker`` rules 4 and 5: it
   gives a single-point tentative track its second point (two-point initiation) or starts a
   tentative track. A single-point track waits for its second point while lines keep passing
   near it: a frame with a line of its replication within max_speed (t - t1) plus three sigmas
   of its point (its own and the line's) counts a hit for it, and is not the miss that would
   delete it (``tracker`` rule 8); one satellite alone often sees a glider, two at once less
   often.
5. *Bookkeeping once per frame* (``tracker`` rules 6 to 8): a track in view of any satellite
   counts a hit when some line updated it, else a miss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaminari.earth.constants import MEAN_RADIUS_M
from kaminari.tracking import ekf
from kaminari.tracking.assign import assign_pairs
from kaminari.tracking.config import COEFFICIENT_FORM_MOTIONS, TrackerConfig
from kaminari.tracking.measurement import LineOfSight
from kaminari.tracking.tracker import (
    CONFIRMED,
    Association,
    ScanDetections,
    Tracks,
    _book,
    _initiate,
    _local_columns,
    _second_detections,
    _update_filtered,
    pairs_by_replication,
    rebase_update,
)
from kaminari.tracking.triangulation import triangulate

__all__ = [
    "LATE_WEIGHT_MIN",
    "MAX_ALT_M",
    "MIN_ALT_M",
    "MIN_LINE_ANGLE_RAD",
    "PAIR_GATE",
    "LosDetections",
    "chi2_cdf_3dof",
    "gate_2dof",
    "process_los_frame",
    "triangulate_pairs",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

LATE_WEIGHT_MIN = 0.0
"""A late line changes a track where tr(H P H^T) >= this times tr(R_eff) (rule 1; 0, the
default, uses every late line; 1 only those of a Kalman weight of a half or more)."""
PAIR_GATE = 23.93
"""Chi-square point of probability 1 - 1e-6 at 1 degree of freedom: the largest residual
sum of squares of two lines triangulated into one point."""
MIN_LINE_ANGLE_RAD = math.radians(2.0)
"""Smallest angle between two lines of sight for a triangulation (below it the point's range
error is over 30 times its cross-range error); our own choice."""
MIN_ALT_M = -5_000.0
MAX_ALT_M = 2_000_000.0
"""Altitudes (above the mean sphere) a triangulated point may have: threats fly between the
ground and the apogee of a long-range ballistic missile; ghosts of crossing lines elsewhere
are dropped."""


def chi2_cdf_3dof(x: float) -> float:
    """The chi-square distribution function at 3 degrees of freedom, closed form:
    erf(sqrt(x/2)) - sqrt(2x/pi) exp(-x/2) (Abramowitz & Stegun 26.4.5)."""
    return math.erf(math.sqrt(x / 2.0)) - math.sqrt(2.0 * x / math.pi) * math.exp(-x / 2.0)


def gate_2dof(gate_3dof: float) -> float:
    """The 2-degree-of-freedom chi-square point of the probability of a 3-dof point:
    -2 ln(1 - F3(g)) (the 2-dof distribution is exponential, A&S 26.4.5)."""
    return -2.0 * math.log1p(-chi2_cdf_3dof(gate_3dof))


@dataclass(frozen=True, eq=False)
class LosDetections:
    """One frame's lines of sight: ``rep`` (D,) ascending, ``sat`` (D,) the satellite of
    each, ``z`` (D, 6) (u, p) in ECEF (``LineOfSight``)."""

    rep: IntArray
    sat: IntArray
    z: Array

    @property
    def size(self) -> int:
        return int(self.rep.size)


def triangulate_pairs(
    dets: LosDetections, use: IntArray, sigma_rad: float, n_reps: int
) -> tuple[IntArray, IntArray, Array, Array]:
    """Every pair of the detections ``use`` from two satellites of one replication that passes
    rule 4's tests: (first, second) detection indices (P,), points (P, 3) and covariances
    (P, 3, 3), in replication order."""
    rep = dets.rep[use]
    rows, cols = pairs_by_replication(rep, rep, n_reps)
    keep = (rows < cols) & (dets.sat[use][rows] != dets.sat[use][cols])
    a, b = use[rows[keep]], use[cols[keep]]
    empty = np.empty(0, dtype=np.int64)
    if a.size == 0:
        return empty, empty, np.empty((0, 3)), np.empty((0, 3, 3))
    p = np.stack([dets.z[a, 3:6], dets.z[b, 3:6]], axis=1)
    u = np.stack([dets.z[a, :3], dets.z[b, :3]], axis=1)
    x, cov, ok = triangulate(p, u, sigma_rad)
    cos_angle = np.abs(np.einsum("mi,mi->m", u[:, 0], u[:, 1]))
    d = x[:, None, :] - p
    rng = np.linalg.norm(d, axis=-1)
    ahead = np.einsum("mki,mki->mk", d, u).min(axis=1) > 0.0
    across = d - np.einsum("mki,mki->mk", d, u)[..., None] * u
    resid = (np.linalg.norm(across, axis=-1) ** 2 / (sigma_rad * np.maximum(rng, 1.0)) ** 2).sum(1)
    alt = np.linalg.norm(x, axis=-1) - MEAN_RADIUS_M
    good = (
        ok
        & ahead
        & (cos_angle <= math.cos(MIN_LINE_ANGLE_RAD))
        & (resid <= PAIR_GATE)
        & (alt >= MIN_ALT_M)
        & (alt <= MAX_ALT_M)
    )
    chosen = _pick_pairs(a[good], b[good], resid[good], dets.size)
    g = np.flatnonzero(good)[chosen]
    order = np.argsort(dets.rep[a[g]], kind="stable")
    g = g[order]
    return a[g], b[g], x[g], cov[g]


def _pick_pairs(a: IntArray, b: IntArray, cost: Array, n_det: int) -> IntArray:
    """Indices of pairs chosen one to one, least cost first: in rounds, each pair that is the
    cheapest open pair of both its detections is taken, until none is left (a loop over rounds,
    at most as many as lines a detection pairs with; not over replications)."""
    taken = np.zeros(n_det, dtype=bool)
    open_ = np.ones(a.size, dtype=bool)
    chosen: list[IntArray] = []
    while open_.any():
        idx = np.flatnonzero(open_)
        best = np.full(n_det, np.inf)
        np.minimum.at(best, a[idx], cost[idx])
        np.minimum.at(best, b[idx], cost[idx])
        win = idx[(cost[idx] <= best[a[idx]]) & (cost[idx] <= best[b[idx]])]
        # ties between equal costs: keep the first pair of each detection
        _, first_a = np.unique(a[win], return_index=True)
        win = win[first_a]
        _, first_b = np.unique(b[win], return_index=True)
        win = win[first_b]
        chosen.append(win)
        taken[a[win]] = True
        taken[b[win]] = True
        open_ &= ~(taken[a] | taken[b])
    return np.concatenate(chosen) if chosen else np.empty(0, dtype=np.int64)


def process_los_frame(
    tracks: Tracks,
    t_s: float,
    dets: LosDetections,
    in_view: NDArray[np.bool_],
    model: LineOfSight,
    config: TrackerConfig,
) -> Association:
    """Apply one frame of lines of sight at ``t_s`` (rules in the module docstring) to every
    replication's tracks, in place. ``in_view`` (N, n_sat): whether each satellite could see
    where each slot's track puts its target. Returns, per slot, the last line that updated it
    or the first line of the pair that started or continued it."""
    tr = tracks
    det_used = np.zeros(dets.size, dtype=bool)
    det_of_slot = np.full(tr.n, -1, dtype=np.int64)
    live_before = tr.live
    has_state = live_before & np.isfinite(tr.t_s)
    single_before = live_before & ~has_state
    current = ~(tr.t_s > t_s) & ~(tr.first_t_s > t_s)  # rule 1: not newer than the frame
    late = has_state & (tr.t_s > t_s)
    view_any = in_view.any(axis=1) & current
    # per slot, the satellites that see it and report something in its replication
    sats_with = np.zeros((tr.n_reps, in_view.shape[1]), dtype=bool)
    sats_with[dets.rep, dets.sat] = True
    n_lines = (in_view & sats_with[tr.rep_of]).sum(axis=1)
    gates = (
        gate_2dof(config.gate_nis),
        gate_2dof(config.tentative_gate_nis),
        gate_2dof(config.maneuver_nis),
    )
    for sat in np.unique(dets.sat):
        mine = np.flatnonzero(dets.sat == sat)
        sub = ScanDetections(dets.rep[mine], dets.z[mine], model)
        used = np.zeros(mine.size, dtype=bool)
        of_slot = np.full(tr.n, -1, dtype=np.int64)
        cand = np.flatnonzero(has_state & current & in_view[:, sat])
        if cand.size:
            _update_filtered(tr, t_s, sub, cand, config, used, of_slot, gates)
        behind = np.flatnonzero(late & in_view[:, sat])
        if behind.size and not used.all():
            _update_late(tr, t_s, sub, behind, model, config, gates, used, of_slot, n_lines)
        det_used[mine[used]] = True
        hit = of_slot >= 0
        det_of_slot[hit] = mine[of_slot[hit]]
    born = np.zeros(tr.n, dtype=bool)
    replaced = np.zeros(tr.n, dtype=np.int64)
    first, second, r_pt, p_pt = triangulate_pairs(
        dets, np.flatnonzero(~det_used), model.sigma_rad, tr.n_reps
    )
    if first.size:
        points = ScanDetections(dets.rep[first], np.empty((first.size, 0)), model)
        used = np.zeros(first.size, dtype=bool)
        of_slot = np.full(tr.n, -1, dtype=np.int64)
        single = np.flatnonzero(single_before & view_any)
        _second_detections(tr, t_s, points, single, r_pt, p_pt, config, used, of_slot)
        born, replaced = _initiate(tr, t_s, points, r_pt, p_pt, used, of_slot)
        hit = of_slot >= 0
        det_of_slot[hit] = first[of_slot[hit]]
    waiting = single_before & view_any & (det_of_slot < 0)
    consistent = _consistent_lines(tr, t_s, dets, np.flatnonzero(waiting), model, config)
    # a slot's filter may lag the frame when no line updated it: it was predicted only where
    # a satellite with detections saw it, which rule 1 allows
    hit = (det_of_slot >= 0) | consistent
    _book(tr, t_s, view_any, hit, born, live_before, single_before & ~consistent, config)
    return Association(det_of_slot=det_of_slot, born=born, replaced_id=replaced)


def _update_late(
    tr: Tracks,
    t_s: float,
    dets: ScanDetections,
    cand: IntArray,
    model: LineOfSight,
    config: TrackerConfig,
    gates: tuple[float, float, float],
    det_used: NDArray[np.bool_],
    det_of_slot: IntArray,
    n_lines: IntArray,
) -> None:
    """Rule 1's update of tracks ``cand`` whose state is newer than the frame at ``t_s``,
    through the backward transition; gating and association as for the others (rules 2, 3),
    with the lines ``det_used`` leaves free. ``n_lines`` (N,): how many satellites with
    detections see each track in this frame; the lag's process noise, common to all their
    lines, is counted that many times in each (rule 1)."""
    free = np.flatnonzero(~det_used)
    rows, cols = pairs_by_replication(cand // tr.slots, dets.rep[free], tr.n_reps)
    if rows.size == 0:
        return
    cols = free[cols]
    slot = cand[rows]
    lag = tr.t_s[cand] - t_s  # flown back once per track, then paired
    x_back, f = ekf.retrodict(tr.x[cand], lag)
    q = ekf.process_noise(lag, config.jerk_psd_m2ps5 * tr.q_scale[cand])
    q *= np.maximum(n_lines[cand], 1)[:, None, None]
    nu, h_d = model.pair_residual(x_back[rows], dets.z[cols])
    h = h_d @ f[rows]
    r_eff = model.R + h @ q[rows] @ np.swapaxes(h, -1, -2)
    s, s_inv = ekf.innovation_covariance(tr.P[slot], h, r_eff)
    d2 = np.einsum("ki,kij,kj->k", nu, s_inv, nu)
    gate = np.where(tr.status[slot] == CONFIRMED, gates[0], gates[1])
    track_part = np.trace(s, axis1=-2, axis2=-1) - np.trace(r_eff, axis1=-2, axis2=-1)
    informative = track_part >= LATE_WEIGHT_MIN * np.trace(r_eff, axis1=-2, axis2=-1)
    ok = d2 <= gate
    rows, cols, slot, nu, h, r_eff = rows[ok], cols[ok], slot[ok], nu[ok], h[ok], r_eff[ok]
    informative = informative[ok]
    if rows.size == 0:
        return
    cost = d2[ok] + np.log(np.linalg.det(s[ok]))
    chosen = assign_pairs(
        slot // tr.slots, slot % tr.slots, _local_columns(dets.rep, cols), cost
    )
    # every chosen line is the track's (it starts nothing else); only an informative one
    # changes the track's state
    det_used[cols[chosen]] = True
    det_of_slot[slot[chosen]] = cols[chosen]
    chosen = np.flatnonzero(chosen)  # assign_pairs gives a mask over the gated pairs
    chosen = chosen[informative[chosen]]
    slot = slot[chosen]
    x_prior, p_prior = tr.x[slot], tr.P[slot]
    tr.x[slot], tr.P[slot], nis = ekf.update_innovation(
        x_prior, p_prior, nu[chosen], h[chosen], r_eff[chosen]
    )
    if config.motion in COEFFICIENT_FORM_MOTIONS:
        tr.x[slot], tr.P[slot] = rebase_update(x_prior, p_prior, tr.x[slot], tr.P[slot])
    tr.last_nis[slot] = nis
    tr.last_update_t_s[slot] = np.maximum(tr.last_update_t_s[slot], t_s)
    _adapt(tr, slot, nis, gates[2], config)


def _adapt(
    tr: Tracks, slot: IntArray, nis: Array, threshold: float, config: TrackerConfig
) -> None:
    """``tracker`` rule 3's noise adaptation after updates whose NIS is ``nis``: surprising
    beyond ``threshold`` (the 2-dof point of ``maneuver_nis``'s probability)."""
    surprised = nis > threshold
    tr.q_scale[slot] = np.clip(
        tr.q_scale[slot] * np.where(surprised, config.maneuver_q_gain, config.q_scale_decay),
        1.0,
        config.max_q_scale,
    )


def _consistent_lines(
    tr: Tracks,
    t_s: float,
    dets: LosDetections,
    slots: IntArray,
    model: LineOfSight,
    config: TrackerConfig,
) -> NDArray[np.bool_]:
    """(N,) the single-point tracks of ``slots`` that some line of sight of their replication
    passes near: within max_speed (t - t1) + 3 sqrt(tr P1) + 3 sigma range of the point, ahead
    of its satellite (rule 4's keep-alive)."""
    out = np.zeros(tr.n, dtype=bool)
    if slots.size == 0 or dets.size == 0:
        return out
    rows, cols = pairs_by_replication(slots // tr.slots, dets.rep, tr.n_reps)
    if rows.size == 0:
        return out
    slot = slots[rows]
    d = tr.first_r[slot] - dets.z[cols, 3:6]
    u = dets.z[cols, :3]
    along = np.einsum("mi,mi->m", d, u)
    miss = np.linalg.norm(d - along[:, None] * u, axis=-1)
    reach = (
        config.max_speed_mps * (t_s - tr.first_t_s[slot])
        + 3.0 * np.sqrt(np.trace(tr.first_P[slot], axis1=-2, axis2=-1))
        + 3.0 * model.sigma_rad * np.abs(along)
    )
    near = (along > 0.0) & (miss <= reach)
    out[slot[near]] = True
    return out
