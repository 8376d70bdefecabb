"""Track-level sharing: a node takes in the tracks another node reports, and fuses them with its
own.

A report is a sender's confirmed track: state x and covariance P (the tracker's 9-state
[r, v, a] in ECEF) at the time of its state, the sender's noise scale, and which of the
sender's tracks it is (slot and track id). A receiving node, at the instant the report reaches
it (``take_reports``):

1. *Aligns times.* The report is flown from its state's time to now by the tracker's own
   prediction (mean and covariance, the sender's process noise): its age grows its
   covariance. The node's tracks are predicted to now as well.
2. *Registers* (optional): the position offset a ``registration.OffsetEstimator`` has learnt
   for the link is taken off the report.
3. *Associates.* A sender's track that fused into a local track before, where both still hold
   the same track ids, goes to that track again while it passes the gate (track-number
   correlation, as tactical data links keep it); the other reports are set against the node's
   tracks of their replication with d^2 = e^T (P_l + P_r)^-1 e over position and velocity
   (e = x_r - x_l), within ``TRACK_GATE`` (the chi-square point of 6 degrees of freedom at
   1 - 1e-6), one to one by global nearest neighbour at cost d^2 + ln det(P_l + P_r)
   (``tracking.assign.assign_pairs``). P_l + P_r treats the errors as independent, which
   they are not; it only opens the gate wider than the true difference needs.
4. *Fuses* each pair by covariance intersection (Julier and Uhlmann 1997, with Niehsen's
   weight, ``FUSION_CRITERION``; ``fusion``): the two
   estimates' errors are correlated (common process noise; the same remote track reported
   again and again; a track that already took earlier reports), and covariance intersection
   stays consistent whatever that correlation is, where the information sum of independent
   estimates would grow overconfident with every report. A track the node's own data holds
   takes a report in only where the report's position covariance is the smaller (trace): the
   track-quality rule by which tactical data links give the unit with the better track the
   reporting responsibility for it (MIL-STD-6016's R2, as described openly, e.g. Northrop
   Grumman, "Understanding Voice and Data Link Networking", 2014). A worse report of an own
   track is still that track's (it starts no second track) but leaves it as it is.
5. *Starts* a confirmed track, in a free slot of its replication, from each report that joined
   no track: the sender confirmed it. A report that finds no free slot starts nothing
   (``Tracks.overflow`` counts it).

A fused or started track counts as updated now (``last_update_t_s``), so a track held by
reports alone lives as long as they keep coming; its own sensors' misses still count against
it where they could see it (``tracker`` rule 8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaminari.network.fusion import covariance_intersection
from kaminari.tracking import ekf
from kaminari.tracking.assign import assign_pairs
from kaminari.tracking.config import COEFFICIENT_FORM_MOTIONS, TrackerConfig
from kaminari.tracking.tracker import (
    CONFIRMED,
    DELETED,
    NO_TRACK,
    Tracks,
    pairs_by_replication,
    predict_tracks,
    rebase_update,
)

__all__ = [
    "FUSION_CRITERION",
    "REGISTRATION_GATE_M",
    "TRACK_GATE",
    "Correlation",
    "Taken",
    "TrackReports",
    "align",
    "registration_pairs",
    "reports_of",
    "take_reports",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

FUSION_CRITERION = "fast"
"""How covariance intersection picks its weight here (``fusion.covariance_intersection``):
Niehsen's closed form from the traces, 40 times cheaper than the trace-minimising search and
as consistent."""

TRACK_GATE = 38.25833637714585
"""Gate on the squared Mahalanobis distance between a report and a local track over position
and velocity: the chi-square point of 6 degrees of freedom at 1 - 1e-6 (38.3; scipy.stats.chi2
as a number, not imported: tests/test_network.py checks it)."""


@dataclass(frozen=True, eq=False)
class TrackReports:
    """Reports (M,) of one message: replication, state (M, 9), covariance (M, 9, 9), state
    time, noise scale, and the sender's slot and track id of each."""

    rep: IntArray
    x: Array
    P: Array
    t_s: Array
    q_scale: Array
    source_slot: IntArray
    source_id: IntArray

    @property
    def size(self) -> int:
        return int(self.rep.size)

    def take(self, keep: NDArray[np.bool_] | IntArray) -> TrackReports:
        return TrackReports(
            self.rep[keep], self.x[keep], self.P[keep], self.t_s[keep], self.q_scale[keep],
            self.source_slot[keep], self.source_id[keep],
        )


def reports_of(tracks: Tracks) -> TrackReports:
    """The confirmed tracks of ``tracks`` as reports (a copy: the message as sent)."""
    slot = np.flatnonzero((tracks.status == CONFIRMED) & np.isfinite(tracks.t_s))
    return TrackReports(
        (slot // tracks.slots).astype(np.int64), tracks.x[slot].copy(), tracks.P[slot].copy(),
        tracks.t_s[slot].copy(), tracks.q_scale[slot].copy(), slot.astype(np.int64),
        tracks.track_id[slot].copy(),
    )


class Correlation:
    """What a receiver remembers of one link: for each sender slot, the sender's track id and
    the local slot and local track id it last fused with (-1: none)."""

    def __init__(self, sender_slots: int) -> None:
        self.source_id = np.zeros(sender_slots, dtype=np.int64)
        self.local_slot = np.full(sender_slots, -1, dtype=np.int64)
        self.local_id = np.zeros(sender_slots, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Taken:
    """What a message did at its receiver: the local slot each report went to (-1: none),
    whether it fused with a track there (else it started one), and the slots born (N,)."""

    slot: IntArray
    fused: NDArray[np.bool_]
    born: NDArray[np.bool_]
    replaced_id: IntArray
    diff: Array
    """(M, 3) an associated report's position minus its track's, before fusion and before any
    registration offset is taken off (NaN where it joined no track): for registration."""
    diff_cov: Array
    """(M, 3, 3) the covariance of ``diff`` as if the two errors were independent."""


def _gate_distance(x_l: Array, p_l: Array, x_r: Array, p_r: Array) -> tuple[Array, Array]:
    """d^2 over position and velocity, and ln det of the summed covariance, per pair."""
    e = (x_r - x_l)[:, :6]
    s = p_l[:, :6, :6] + p_r[:, :6, :6]
    d2 = np.einsum("ki,ki->k", e, np.linalg.solve(s, e[..., None])[..., 0])
    return d2, np.linalg.slogdet(s)[1]


def take_reports(
    tracks: Tracks,
    t_s: float,
    reports: TrackReports,
    config: TrackerConfig,
    correlation: Correlation,
    offset: Array | None = None,
    own: NDArray[np.bool_] | None = None,
) -> Taken:
    """Take in a message of ``reports`` at ``t_s`` (the steps of the module docstring), in
    place; ``offset`` (R, 3): the registration offset to take off each replication's reports
    (None: none); ``own`` (N,): the slots whose tracks the node's own data holds (none: no
    slot), which take a report in only where it is the better (step 4)."""
    n_rep = reports.size
    slot_of = np.full(n_rep, -1, dtype=np.int64)
    fused = np.zeros(n_rep, dtype=bool)
    born = np.zeros(tracks.n, dtype=bool)
    replaced = np.zeros(tracks.n, dtype=np.int64)
    diff = np.full((n_rep, 3), np.nan)
    diff_cov = np.full((n_rep, 3, 3), np.nan)
    if n_rep == 0:
        return Taken(slot_of, fused, born, replaced, diff, diff_cov)
    x_r, p_r = align(reports, t_s, config)
    raw = x_r[:, :3].copy()
    if offset is not None:
        x_r[:, :3] -= offset[reports.rep]
    # the local tracks of the replications reporting, predicted to now
    reps = np.unique(reports.rep)
    cand = (reps[:, None] * tracks.slots + np.arange(tracks.slots)).reshape(-1)
    cand = cand[tracks.has_state[cand]]
    behind = cand[tracks.t_s[cand] < t_s]
    if behind.size:
        q = config.jerk_psd_m2ps5 * tracks.q_scale[behind]
        tracks.x[behind], tracks.P[behind] = predict_tracks(
            tracks.x[behind], tracks.P[behind], t_s - tracks.t_s[behind], q, config
        )
        tracks.t_s[behind] = t_s
    is_cand = np.zeros(tracks.n, dtype=bool)
    is_cand[cand] = True

    # 3a: the pairs remembered from earlier messages
    src = reports.source_slot
    mem = correlation.local_slot[src]
    ok = (mem >= 0) & (correlation.source_id[src] == reports.source_id)
    ok[ok] &= is_cand[mem[ok]] & (tracks.track_id[mem[ok]] == correlation.local_id[src[ok]])
    idx = np.flatnonzero(ok)
    if idx.size:
        d2, _ = _gate_distance(tracks.x[mem[idx]], tracks.P[mem[idx]], x_r[idx], p_r[idx])
        idx = idx[d2 <= TRACK_GATE]
        _, first = np.unique(mem[idx], return_index=True)  # one report per local track
        idx = idx[np.sort(first)]
        slot_of[idx] = mem[idx]
    # 3b: the rest by global nearest neighbour against the tracks not taken yet
    free_cand = is_cand.copy()
    free_cand[slot_of[slot_of >= 0]] = False
    rest = np.flatnonzero(slot_of < 0)
    if rest.size:
        local = np.flatnonzero(free_cand)
        # each report with the free tracks of its own replication only (reports come sorted
        # by replication)
        at, of = pairs_by_replication(local // tracks.slots, reports.rep[rest], tracks.n_reps)
        rows, cols = rest[of], local[at]
        if rows.size:
            d2, logdet = _gate_distance(tracks.x[cols], tracks.P[cols], x_r[rows], p_r[rows])
            g = d2 <= TRACK_GATE
            rows, cols, cost = rows[g], cols[g], d2[g] + logdet[g]
            if rows.size:
                _, col_local = np.unique(rows, return_inverse=True)
                chosen = assign_pairs(
                    cols // tracks.slots, cols % tracks.slots, col_local, cost
                )
                slot_of[rows[chosen]] = cols[chosen]
    # 4: fuse (an own track only with a better report: the track-quality rule)
    pair = np.flatnonzero(slot_of >= 0)
    if pair.size:
        s = slot_of[pair]
        diff[pair] = raw[pair] - tracks.x[s, :3]
        diff_cov[pair] = p_r[pair, :3, :3] + tracks.P[s, :3, :3]
    if pair.size and own is not None:
        s = slot_of[pair]
        worse = np.trace(p_r[pair, :3, :3], axis1=-2, axis2=-1) >= np.trace(
            tracks.P[s, :3, :3], axis1=-2, axis2=-1
        )
        pair = pair[~(own[s] & worse)]
    if pair.size:
        s = slot_of[pair]
        x_own, p_own, x_in, p_in = tracks.x[s], tracks.P[s], x_r[pair], p_r[pair]
        if config.motion in COEFFICIENT_FORM_MOTIONS:
            # both in coefficient form at the own estimate (ekf.predict_unscented)
            # (the report's coefficients expressed at the own estimate; its r and v kept)
            x_at = np.concatenate([x_own[:, :6], x_in[:, 6:]], axis=1)
            at_own, p_in = ekf.rebase_aero(x_in, x_at, p_in, ekf.aero_members(x_in, p_in))
            x_in = np.concatenate([x_in[:, :6], at_own[:, 6:]], axis=1)
        tracks.x[s], tracks.P[s], _ = covariance_intersection(
            x_own, p_own, x_in, p_in, FUSION_CRITERION
        )
        if config.motion in COEFFICIENT_FORM_MOTIONS:
            tracks.x[s], tracks.P[s] = rebase_update(x_own, p_own, tracks.x[s], tracks.P[s])
        tracks.t_s[s] = t_s
        tracks.last_update_t_s[s] = np.fmax(tracks.last_update_t_s[s], t_s)
        fused[pair] = True
    # 5: start tracks from the reports that joined none
    new = np.flatnonzero(slot_of < 0)
    if new.size:
        slot = _free_slots(tracks, reports.rep[new])
        placed = slot >= 0
        np.add.at(tracks.overflow, reports.rep[new[~placed]], 1)
        new, slot = new[placed], slot[placed]
        rep = reports.rep[new]
        replaced[slot] = tracks.track_id[slot]
        rank = np.arange(new.size) - np.searchsorted(rep, rep, side="left")
        tracks.track_id[slot] = tracks.next_id[rep] + rank + 1
        np.add.at(tracks.next_id, rep, 1)
        tracks.x[slot], tracks.P[slot], tracks.t_s[slot] = x_r[new], p_r[new], t_s
        tracks.status[slot] = CONFIRMED
        tracks.hit_history[slot] = 0
        tracks.misses[slot] = 0
        tracks.first_t_s[slot] = np.nan
        tracks.confirm_t_s[slot] = t_s
        tracks.last_nis[slot] = np.nan
        tracks.last_update_t_s[slot] = t_s
        tracks.q_scale[slot] = reports.q_scale[new]
        slot_of[new] = slot
        born[slot] = True
    # remember who went where
    went = np.flatnonzero(slot_of >= 0)
    correlation.source_id[src[went]] = reports.source_id[went]
    correlation.local_slot[src[went]] = slot_of[went]
    correlation.local_id[src[went]] = tracks.track_id[slot_of[went]]
    return Taken(slot_of, fused, born, replaced, diff, diff_cov)


REGISTRATION_GATE_M = 10_000.0
"""How far a report may lie from a reference track to be taken as the same target for
registration, m (kaminari's assumption: wider than the offsets of angle biases of a few mrad at
a few hundred km, narrower than a raid's spacing)."""


def align(reports: TrackReports, t_s: float, config: TrackerConfig) -> tuple[Array, Array]:
    """The reports' states and covariances flown to ``t_s`` by the tracker's prediction
    (the aero-unscented motion's own, which keeps its coefficient form)."""
    q_r = config.jerk_psd_m2ps5 * reports.q_scale
    dt = np.maximum(t_s - reports.t_s, 0.0)
    if config.motion in COEFFICIENT_FORM_MOTIONS:
        return predict_tracks(reports.x, reports.P, dt, q_r, config)
    return ekf.predict(reports.x, reports.P, dt, q_r, config.prediction_motion)


def registration_pairs(
    tracks: Tracks, t_s: float, reports: TrackReports, x_r: Array, p_r: Array,
    reference: NDArray[np.bool_],
) -> tuple[IntArray, Array, Array]:
    """Pairs for registration: each report (aligned ``x_r``, ``p_r``) with the one
    ``reference`` track (N,) of its replication within ``REGISTRATION_GATE_M``, where exactly
    one is (nearest neighbour on well-separated targets; Bar-Shalom, Willett & Tian 2011). The
    reference tracks are flown to ``t_s`` by their held acceleration (a copy). Returns the
    reports (K,), their position differences report - track (K, 3) and covariances (K, 3, 3)
    as if independent."""
    ref = np.flatnonzero(reference & tracks.has_state)
    if ref.size == 0 or reports.size == 0:
        return np.empty(0, dtype=np.int64), np.empty((0, 3)), np.empty((0, 3, 3))
    at, rows = pairs_by_replication(ref // tracks.slots, reports.rep, tracks.n_reps)
    cols = ref[at]
    x_l = ekf.propagate_mean(tracks.x[cols], t_s - tracks.t_s[cols])
    d = x_r[rows, :3] - x_l[:, :3]
    near = np.linalg.norm(d, axis=-1) <= REGISTRATION_GATE_M
    rows, cols, d = rows[near], cols[near], d[near]
    count = np.bincount(rows, minlength=reports.size)
    alone = count[rows] == 1
    rows, cols, d = rows[alone], cols[alone], d[alone]
    cov = p_r[rows, :3, :3] + tracks.P[cols, :3, :3]
    return rows.astype(np.int64), d, cov


def _free_slots(tracks: Tracks, rep: IntArray) -> IntArray:
    """The k-th free slot (no track, or a deleted one) of its replication for the k-th of the
    reports of ``rep`` (ascending) of that replication; -1 where none is left."""
    rank = np.arange(rep.size) - np.searchsorted(rep, rep, side="left")
    reps, at = np.unique(rep, return_inverse=True)
    slots = reps[:, None] * tracks.slots + np.arange(tracks.slots)
    status = tracks.status[slots]
    free = (status == NO_TRACK) | (status == DELETED)
    order = np.cumsum(free, axis=1) - 1
    table = np.full(slots.shape, -1, dtype=np.int64)
    table[np.nonzero(free)[0], order[free]] = slots[free]
    out = np.full(rep.size, -1, dtype=np.int64)
    fits = rank < tracks.slots
    out[fits] = table[at[fits], rank[fits]]
    return out
