"""The multi-target tracker: detections without identity in, tracks out, for a batch of
replications at once.

Every replication has ``max_tracks`` track slots; the state of all slots of all replications
is one set of flat arrays (``Tracks``, slot ``i`` belongs to replication ``i // slots``),
changed in place scan by scan by ``process_scan``. Detections carry no identity: which
detection updates which track is decided here, from the detections and the tracks alone.

Rules, in the order ``process_scan`` applies them to a scan at time t of one sensor:

1. *In view.* The caller says which slots the sensor could see (``in_view``, from each track's
   own estimate); only tracks in view are predicted, gated, updated or counted this scan.
2. *Gating and association of tracks with a filter state* (tentative with two detections, or
   confirmed). Each is predicted to t (``ekf.predict``, the track's own jerk PSD); a detection
   of the same replication is a candidate when its normalised innovation squared d^2 =
   nu^T S^-1 nu is within ``gate_nis`` for a confirmed track, ``tentative_gate_nis`` for a
   tentative one (a wide gate lets a manoeuvring threat's surprising detection in, where it
   raises the track's noise; a tight one keeps clutter from confirming new tracks). Global
   nearest neighbour: in each replication, the candidate pairs are assigned one to one, as
   many as possible and then of least total cost d^2 + ln det S (the negative log-likelihood
   of the pairing up to a constant; S. Blackman and R. Popoli, "Design and Analysis of Modern
   Tracking Systems", Artech House 1999, sec. 6.3; ``assign.assign_pairs``).
3. *Update.* An assigned track is updated with its detection (``ekf.update_innovation``,
   Joseph form); the NIS is kept; a surprising one (above ``maneuver_nis``) multiplies the
   track's q scale by ``maneuver_q_gain``, a quiet one by ``q_scale_decay``, within
   [1, ``max_q_scale``]. A track in view without a detection is coasted to t.
4. *Second detections.* A tentative track holding a single detection (r1, P1 at t1) takes a
   remaining detection of its replication whose converted position r2 lies within
   ``max_speed_mps`` (t - t1) + 3 sqrt(tr P1 + tr P2) of r1 (one to one, the least total
   distance, ``assign.assign_pairs``); its
   filter starts by two-point differencing (Bar-Shalom, Li & Kirubarajan 2001, ch. 5):
       r = r2,  v = (r2 - r1) / dt + g(r2, v) dt / 2,  a = 0,
       P_rr = P2,  P_rv = P2 / dt,  P_vv = (P1 + P2) / dt^2 + (dt / 2)^2 s_a^2 I,
       P_va = (dt / 2) s_a^2 I,  P_aa = s_a^2 I,  s_a = ``initial_accel_sigma_mps2``.
5. *Initiation.* Each detection still unused starts a tentative track in a free slot of its
   replication (one with no track or a deleted one), with a new ``track_id`` (numbered from 1
   in each replication). Where no slot is free, the detection starts nothing and
   ``overflow`` counts it.
6. *Bookkeeping.* For each track in view (not just born), its hit history (a bit per scan in
   view, newest in bit 0, ``confirm_window`` bits) shifts in a 1 for a detection, a 0 for a
   miss; ``misses`` counts consecutive misses in view.
7. *Confirmation* (M of N): a tentative track with a filter state and at least
   ``confirm_hits`` detections within its last ``confirm_window`` scans in view.
8. *Deletion:* after ``delete_misses`` consecutive misses in view, when the position sigma
   exceeds ``delete_sigma_m``, when no detection has updated it for ``max_coast_s`` (in view
   or not), or, for a tentative track still holding a single detection, at its first miss in
   view (a lone detection that the next look does not repeat is dropped).

9. *Late scans* (``late``: detections that reached this tracker over a link's latency): a
   track whose state is newer than the scan keeps its state; the detection is set against it
   through the backward transition, as a late line of sight is (``angles`` rule 1: x flown back
   to the scan by the model's own equations, H = H_d F, and the lag's process noise added to
   R; the approximate one-lag treatment of Bar-Shalom, IEEE TAES 38(3), 2002). A track born
   from a late detection holds the detection's time.

Status codes: 0 no track, 1 tentative, 2 confirmed, 3 deleted (the last state is kept for
inspection until the slot is used again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.tracking import ekf
from kaminari.tracking.assign import assign_pairs
from kaminari.tracking.config import COEFFICIENT_FORM_MOTIONS, IMM_MOTIONS, TrackerConfig
from kaminari.tracking.imm import (
    AERO_IMM_SOJOURN_S,
    SOJOURN_S,
    ImmState,
    imm_predict,
    imm_update,
    model_predictors,
)
from kaminari.tracking.measurement import MeasurementModel

__all__ = [
    "CONFIRMED",
    "DELETED",
    "NO_TRACK",
    "TENTATIVE",
    "Association",
    "ScanDetections",
    "Tracks",
    "jerk_psd",
    "plain_state",
    "predict_tracks",
    "rebase_update",
    "new_tracks",
    "pairs_by_replication",
    "position_sigma_m",
    "process_scan",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]

NO_TRACK, TENTATIVE, CONFIRMED, DELETED = 0, 1, 2, 3


@dataclass(eq=False)
class Tracks:
    """The track slots of ``n_reps`` replications, ``slots`` each: flat arrays of N = n_reps *
    slots rows, slot i belonging to replication i // slots. Plain arrays, SI units, changed in
    place by ``process_scan``.

    x (N, 9), P (N, 9, 9): filter state [r, v, a] in ECEF and covariance, meaningful only where
    t_s is finite (``has_state``: from a track's second detection on); t_s: time of x; status
    (int8): 0 none, 1 tentative, 2 confirmed, 3 deleted; hit_history (uint32) and misses: M-of-N
    and deletion counters; first_r, first_P, first_t_s: the converted single detection of a
    tentative track awaiting its second; confirm_t_s, last_update_t_s, last_nis; q_scale: factor
    on the configured jerk PSD; track_id (int64): the slot's current track, numbered from 1 in
    its replication (0 none). Per replication: next_id, the last id given; overflow, detections
    that found no free slot.
    """

    n_reps: int
    slots: int
    x: Array
    P: Array
    t_s: Array
    status: NDArray[np.int8]
    hit_history: NDArray[np.uint32]
    misses: IntArray
    first_r: Array
    first_P: Array
    first_t_s: Array
    confirm_t_s: Array
    last_update_t_s: Array
    last_nis: Array
    q_scale: Array
    track_id: IntArray
    next_id: IntArray
    overflow: IntArray
    imm: ImmState | None = None
    """The IMM's per-model states, where the tracker runs one (``tracker.motion: imm``)."""

    @property
    def n(self) -> int:
        return int(self.status.shape[0])

    @property
    def rep_of(self) -> IntArray:
        """(N,) the replication of each slot."""
        return np.arange(self.n) // self.slots

    @property
    def live(self) -> NDArray[np.bool_]:
        return (self.status == TENTATIVE) | (self.status == CONFIRMED)

    @property
    def has_state(self) -> NDArray[np.bool_]:
        """(N,) True where the slot's live track has a filter state (x, P, t_s)."""
        return self.live & np.isfinite(self.t_s)

    def position_estimate_of(self, slots: NDArray[np.intp], t_s: float | None = None) -> Array:
        """(M, 3) where the live track of each of ``slots`` puts its target: the filter's
        position, carried to ``t_s`` at its velocity when a time is given (a cheap look-ahead
        for whether a sensor can see it; the filter's own prediction comes with an update), or
        the single detection of a track without a filter state; NaN for slots without a
        track."""
        live = self.live[slots]
        state = live & np.isfinite(self.t_s[slots])
        x = self.x[slots]
        r = x[:, :3]
        if t_s is not None:
            r = r + x[:, 3:6] * np.where(state, t_s - self.t_s[slots], 0.0)[:, None]
        pos = np.where(state[:, None], r, self.first_r[slots])
        pos[~live] = np.nan
        return pos


def new_tracks(n_reps: int, slots: int) -> Tracks:
    """No track anywhere in ``n_reps`` replications of ``slots`` slots each."""
    n = n_reps * slots
    return Tracks(
        n_reps=n_reps,
        slots=slots,
        x=np.full((n, 9), np.nan),
        P=np.full((n, 9, 9), np.nan),
        t_s=np.full(n, np.nan),
        status=np.zeros(n, dtype=np.int8),
        hit_history=np.zeros(n, dtype=np.uint32),
        misses=np.zeros(n, dtype=np.int64),
        first_r=np.full((n, 3), np.nan),
        first_P=np.full((n, 3, 3), np.nan),
        first_t_s=np.full(n, np.nan),
        confirm_t_s=np.full(n, np.nan),
        last_update_t_s=np.full(n, np.nan),
        last_nis=np.full(n, np.nan),
        q_scale=np.ones(n),
        track_id=np.zeros(n, dtype=np.int64),
        next_id=np.zeros(n_reps, dtype=np.int64),
        overflow=np.zeros(n_reps, dtype=np.int64),
    )


@dataclass(frozen=True, eq=False)
class ScanDetections:
    """One scan's detections for a batch of replications: ``rep`` (D,) the replication of
    each, ascending; ``z`` (D, m) the measurements; ``model`` the measurement model that made
    them. No identity: which threat (if any) caused a detection is not here."""

    rep: IntArray
    z: Array
    model: MeasurementModel

    def __post_init__(self) -> None:
        if self.rep.size > 1 and np.any(np.diff(self.rep) < 0):
            raise ValueError("ScanDetections.rep must be in ascending order")

    @property
    def size(self) -> int:
        return int(self.rep.size)


@dataclass(frozen=True, eq=False)
class Association:
    """What one scan did: ``det_of_slot`` (N,) the detection that updated or started each
    slot's track (-1 none); ``born`` (N,) the slots whose track started at this scan;
    ``replaced_id`` (N,) the id of the track a born slot held before (0 none)."""

    det_of_slot: IntArray
    born: NDArray[np.bool_]
    replaced_id: IntArray


_Predict = Callable[..., tuple[Array, Array]]
"""A prediction of filter states and covariances (``tracking.imm``'s predictors)."""
AERO_IMM_MODELS = ("quiet", "manoeuvring", "weaving")
"""The models of ``tracker.motion: aero-imm``, in the order ``_predict_aero_models`` flies
them."""


def predict_tracks(
    x: Array, P: Array, dt_s: Array, q: Array, config: TrackerConfig
) -> tuple[Array, Array]:
    """Filter states (M, 9) and covariances (M, 9, 9) predicted ``dt_s`` (M,) ahead by the
    configuration's motion, with the tracks' jerk PSDs ``q`` (M,). For "imm" (outside the
    tracker's own scans) the combined state flies the single model its motion names
    (``TrackerConfig.prediction_motion``); for "aero-imm", one aero-unscented model with
    the manoeuvring coefficient noise (the larger: a state flown ahead should not be more
    certain than the filter would be)."""
    if config.motion == "aero-imm":
        return _predict_unscented(
            x, P, dt_s, q, config, config.coefficient_psd_manoeuvre_per_s,
            config.bank_psd_manoeuvre_rad2ps,
        )
    if config.motion == "aero-unscented":
        psd = (config.class_coefficient_psd_per_s if config.class_aero
               else config.coefficient_psd_per_s)
        return _predict_unscented(x, P, dt_s, q, config, psd)
    return ekf.predict(x, P, dt_s, q, config.prediction_motion)


def _predict_unscented(
    x: Array, P: Array, dt_s: Array, q: Array, config: TrackerConfig, psd: float,
    bank_psd: float | None = None,
) -> tuple[Array, Array]:
    """``ekf.predict_unscented`` with coefficient noise ``psd`` (1/s) and bank noise
    ``bank_psd`` (rad^2/s; None: none) times the tracks' noise scale (q_scale, read off q),
    and the configuration's Mach law (its class's fit, or its elasticities)."""
    scale = q / config.jerk_psd_m2ps5 if config.jerk_psd_m2ps5 > 0.0 else np.ones_like(q)
    return ekf.predict_unscented(
        x, P, dt_s, q, psd * scale, (config.mach_elasticity_drag, config.mach_elasticity_lift),
        None if bank_psd is None else bank_psd * scale, config.class_aero,
        polar=config.motion == "aero-imm",
    )


def _imm_predictors(config: TrackerConfig) -> tuple[int, _Predict | list[_Predict]]:
    """The number of models of the configuration's IMM and their prediction ("imm": the held
    acceleration and the held coefficients, one predictor each; "aero-imm": the
    aero-unscented motion quiet, with a changing angle of attack (manoeuvring coefficient
    noise) and weaving (that and the bank's noise), all three in one call)."""
    if config.motion == "imm":
        predictors = model_predictors()
        return len(predictors), predictors
    return len(AERO_IMM_MODELS), partial(_predict_aero_models, config=config)


def _predict_aero_models(
    x: Array, P: Array, dt_s: Array, q: Array, config: TrackerConfig
) -> tuple[Array, Array]:
    """The aero-imm's models (``AERO_IMM_MODELS``; states (M, 3, 9), (M, 3, 9, 9)) predicted
    in one ``ekf.predict_unscented`` call: coefficient noise (quiet, manoeuvring,
    manoeuvring) and bank noise (0, 0, ``bank_psd_manoeuvre_rad2ps``), times each track's
    noise scale."""
    m, k = x.shape[:2]
    scale = q / config.jerk_psd_m2ps5 if config.jerk_psd_m2ps5 > 0.0 else np.ones_like(q)
    manoeuvre = config.coefficient_psd_manoeuvre_per_s
    psd = scale[:, None] * np.array([config.coefficient_psd_per_s, manoeuvre, manoeuvre])
    bank = scale[:, None] * np.array([0.0, 0.0, config.bank_psd_manoeuvre_rad2ps])
    xp, pp = ekf.predict_unscented(
        x.reshape(-1, 9), P.reshape(-1, 9, 9), np.repeat(dt_s, k), np.repeat(q, k),
        psd.reshape(-1), (config.mach_elasticity_drag, config.mach_elasticity_lift),
        bank.reshape(-1), config.class_aero, polar=True,
    )
    return xp.reshape(m, k, 9), pp.reshape(m, k, 9, 9)


def rebase_update(
    x_prior: Array, P_prior: Array, x_post: Array, P_post: Array
) -> tuple[Array, Array]:
    """The aero-unscented motion's states after a linear update (x_post, P_post: M, 9 and
    M, 9, 9) from x_prior, P_prior: the members it holds in coefficient form re-expressed
    at their new estimate (``ekf.rebase_aero``)."""
    return ekf.rebase_aero(x_prior, x_post, P_post, ekf.aero_members(x_prior, P_prior))


def plain_state(x: Array, P: Array, config: TrackerConfig) -> tuple[Array, Array]:
    """Filter states (M, 9) and covariances as plain (r, v, a), a the target's own
    acceleration: the aero-unscented motion's coefficient form converted
    (``ekf.aero_state_moments``), any other motion's states as they are. What a track is
    scored by against a truth (NEES) and what a plain (r, v, a) model flies on."""
    if config.motion in COEFFICIENT_FORM_MOTIONS:
        return ekf.aero_state_moments(x, P)
    return x, P


def jerk_psd(tracks: Tracks, config: TrackerConfig) -> Array:
    """Each track's jerk PSD now (N,), m^2/s^5: the configured one times its q_scale."""
    return config.jerk_psd_m2ps5 * tracks.q_scale


def position_sigma_m(tracks: Tracks) -> Array:
    """sqrt(trace(P_rr)) (N,) in m: the RMS position uncertainty; NaN without a filter state."""
    p = tracks.P
    return np.sqrt(p[:, 0, 0] + p[:, 1, 1] + p[:, 2, 2])


def pairs_by_replication(
    row_rep: IntArray, det_rep: IntArray, n_reps: int
) -> tuple[IntArray, IntArray]:
    """Every (row, detection) of the same replication: indices into the rows and detections
    (detections sorted by replication)."""
    start = np.searchsorted(det_rep, np.arange(n_reps), side="left")
    count = np.searchsorted(det_rep, np.arange(n_reps), side="right") - start
    per_row = count[row_rep]
    total = int(per_row.sum())
    rows = np.repeat(np.arange(row_rep.size), per_row)
    offset = np.arange(total) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    dets = start[row_rep][rows] + offset
    return rows, dets


def _local_columns(det_rep: IntArray, dets: IntArray) -> IntArray:
    """Each detection's index within its replication's detections (sorted by replication)."""
    first = np.searchsorted(det_rep, det_rep[dets], side="left")
    return dets - first


def _two_point_state(
    r1: Array, p1: Array, t1: Array, r2: Array, p2: Array, t2: float, accel_sigma_mps2: float
) -> tuple[Array, Array]:
    """Filter state (M, 9) and covariance (M, 9, 9) from two converted detections (rule 4)."""
    dt = (t2 - t1)[:, None]
    half = 0.5 * dt
    v_chord = (r2 - r1) / dt
    v = v_chord + ekf.frame_acceleration(r2, v_chord) * half
    m = r1.shape[0]
    x = np.concatenate([r2, v, np.zeros((m, 3))], axis=1)
    var_a = accel_sigma_mps2**2
    eye = np.eye(3)
    dt3 = dt[:, :, None]
    half3 = half[:, :, None]
    P = np.zeros((m, 9, 9))
    P[:, 0:3, 0:3] = p2
    P[:, 0:3, 3:6] = p2 / dt3
    P[:, 3:6, 0:3] = p2 / dt3
    P[:, 3:6, 3:6] = (p1 + p2) / dt3**2 + half3**2 * var_a * eye
    P[:, 3:6, 6:9] = half3 * var_a * eye
    P[:, 6:9, 3:6] = half3 * var_a * eye
    P[:, 6:9, 6:9] = var_a * eye
    return x, P


def _update_filtered(
    tr: Tracks,
    t_s: float,
    dets: ScanDetections,
    cand: IntArray,
    config: TrackerConfig,
    det_used: NDArray[np.bool_],
    det_of_slot: IntArray,
    gates: tuple[float, float, float] | None = None,
    late: bool = False,
) -> None:
    """Rules 2 and 3 for the slots ``cand`` (live, with a filter state, in view). ``gates``:
    the (confirmed, tentative, manoeuvre) NIS thresholds, the configuration's by default. A
    model with ``pair_residual`` (each detection with its own platform) is evaluated per
    pair. ``late``: the scan may be older than some tracks' states (detections that came over
    a link's latency); those tracks are updated through the backward transition (rule 9)."""
    dt = t_s - tr.t_s[cand]
    behind = dt < 0.0
    if behind.any() and not late:
        raise ValueError(
            f"scans must come in time order: scan at {t_s} s is before a track's state time "
            f"{np.max(tr.t_s[cand])} s"
        )
    if behind.any() and config.motion in IMM_MOTIONS:
        raise ValueError(
            "late detections (a link's latency) need tracker.motion other than "
            + " or ".join(IMM_MOTIONS)
        )
    q = config.jerk_psd_m2ps5 * tr.q_scale[cand]
    ahead = np.flatnonzero(~behind)
    xp, pp = tr.x[cand], tr.P[cand]  # a track behind the scan keeps its newer state
    if config.motion in IMM_MOTIONS:
        n_models, predictors = _imm_predictors(config)
        if tr.imm is None:
            tr.imm = ImmState.empty(tr.n, n_models)
        xp, pp, *_ = imm_predict(
            tr.imm, tr.x, tr.P, cand, dt, q, predictors,
            coefficient_form=config.motion == "aero-imm",
            sojourn_s=AERO_IMM_SOJOURN_S if config.motion == "aero-imm" else SOJOURN_S,
        )
    elif ahead.size:
        xp[ahead], pp[ahead] = predict_tracks(
            tr.x[cand[ahead]], tr.P[cand[ahead]], dt[ahead], q[ahead], config
        )
    tr.x[cand], tr.P[cand] = xp, pp
    tr.t_s[cand[ahead]] = t_s
    if tr.imm is not None:
        tr.imm.xc[cand] = xp
    if dets.size == 0:
        return
    rows, cols = pairs_by_replication(cand // tr.slots, dets.rep, tr.n_reps)
    if rows.size == 0:
        return
    model = dets.model
    pair_residual = getattr(model, "pair_residual", None)
    # a track behind the scan (a detection late over a link) is updated through the backward
    # transition, as a late line of sight is (``angles``, rule 1): H = H_d F and the lag's
    # process noise in the measurement covariance
    x_at, back_f = xp, None
    if behind.any():
        x_at = xp.copy()
        lag = np.where(behind, -dt, 0.0)
        x_at[behind], f = ekf.retrodict(xp[behind], lag[behind])
        back_f = np.broadcast_to(np.eye(9), (cand.size, 9, 9)).copy()
        back_f[behind] = f
        q_lag = np.zeros((cand.size, 9, 9))
        q_lag[behind] = ekf.process_noise(lag[behind], q[behind])
    if pair_residual is not None:
        nu, jac = pair_residual(x_at[rows], dets.z[cols])
    else:
        z_pred, jac_c = model.predict(x_at)
        nu = model.residual(dets.z[cols], z_pred[rows])
        jac = jac_c[rows]
    r_pair = model.R
    if back_f is not None:
        jac = jac @ back_f[rows]
        r_pair = model.R + jac @ q_lag[rows] @ np.swapaxes(jac, -1, -2)
    s, s_inv = ekf.innovation_covariance(pp[rows], jac, r_pair)
    d2 = np.einsum("ki,kij,kj->k", nu, s_inv, nu)
    g_conf, g_tent, g_man = (
        gates
        if gates is not None
        else (config.gate_nis, config.tentative_gate_nis, config.maneuver_nis)
    )
    gate = np.where(tr.status[cand] == CONFIRMED, g_conf, g_tent)
    gated = d2 <= gate[rows]
    rows, cols, d2, nu = rows[gated], cols[gated], d2[gated], nu[gated]
    jac, s = jac[gated], s[gated]
    if np.ndim(r_pair) == 3:
        r_pair = r_pair[gated]
    if rows.size == 0:
        return
    cost = d2 + np.log(np.linalg.det(s))
    slot = cand[rows]
    chosen = assign_pairs(slot // tr.slots, slot % tr.slots, _local_columns(dets.rep, cols), cost)
    rows, cols, nu, jac = rows[chosen], cols[chosen], nu[chosen], jac[chosen]
    if np.ndim(r_pair) == 3:
        r_pair = r_pair[chosen]
    slot = cand[rows]
    tr.x[slot], tr.P[slot], nis = ekf.update_innovation(xp[rows], pp[rows], nu, jac, r_pair)
    if config.motion == "aero-unscented":
        tr.x[slot], tr.P[slot] = rebase_update(xp[rows], pp[rows], tr.x[slot], tr.P[slot])
    if config.motion in IMM_MOTIONS:
        assert tr.imm is not None
        z = dets.z[cols]

        def residual(x: Array) -> tuple[Array, Array]:
            if pair_residual is not None:
                return pair_residual(x, z)
            z_pred, h = model.predict(x)
            return model.residual(z, z_pred), h

        tr.x[slot], tr.P[slot] = imm_update(
            tr.imm, slot, residual, model.R, coefficient_form=config.motion == "aero-imm"
        )
    tr.last_nis[slot] = nis
    tr.last_update_t_s[slot] = np.fmax(tr.last_update_t_s[slot], t_s)
    surprised = nis > g_man
    tr.q_scale[slot] = np.clip(
        tr.q_scale[slot] * np.where(surprised, config.maneuver_q_gain, config.q_scale_decay),
        1.0,
        config.max_q_scale,
    )
    det_used[cols] = True
    det_of_slot[slot] = cols


def _second_detections(
    tr: Tracks,
    t_s: float,
    dets: ScanDetections,
    cand: IntArray,
    r_det: Array,
    p_det: Array,
    config: TrackerConfig,
    det_used: NDArray[np.bool_],
    det_of_slot: IntArray,
) -> None:
    """Rule 4 for the slots ``cand`` (tentative, a single detection, in view)."""
    free = np.flatnonzero(~det_used)
    if free.size == 0 or cand.size == 0:
        return
    sub_rep = dets.rep[free]
    rows, cols = pairs_by_replication(cand // tr.slots, sub_rep, tr.n_reps)
    if rows.size == 0:
        return
    slot = cand[rows]
    dt = t_s - tr.first_t_s[slot]
    gap = np.linalg.norm(r_det[free[cols]] - tr.first_r[slot], axis=-1)
    spread = np.sqrt(
        np.trace(tr.first_P[slot], axis1=-2, axis2=-1)
        + np.trace(p_det[free[cols]], axis1=-2, axis2=-1)
    )
    ok = (dt > 0.0) & (gap <= config.max_speed_mps * dt + 3.0 * spread)
    rows, cols, slot, gap = rows[ok], cols[ok], slot[ok], gap[ok]
    if rows.size == 0:
        return
    chosen = assign_pairs(
        slot // tr.slots, slot % tr.slots, _local_columns(sub_rep, cols), gap
    )
    slot, d = slot[chosen], free[cols[chosen]]
    tr.x[slot], tr.P[slot] = _two_point_state(
        tr.first_r[slot],
        tr.first_P[slot],
        tr.first_t_s[slot],
        r_det[d],
        p_det[d],
        t_s,
        config.initial_accel_sigma_mps2,
    )
    tr.t_s[slot] = t_s
    tr.last_update_t_s[slot] = t_s
    tr.first_r[slot], tr.first_P[slot], tr.first_t_s[slot] = np.nan, np.nan, np.nan
    det_used[d] = True
    det_of_slot[slot] = d


def _initiate(
    tr: Tracks,
    t_s: float,
    dets: ScanDetections,
    r_det: Array,
    p_det: Array,
    det_used: NDArray[np.bool_],
    det_of_slot: IntArray,
) -> tuple[NDArray[np.bool_], IntArray]:
    """Rule 5: unused detections start tracks in free slots. Returns (born, replaced_id)."""
    born = np.zeros(tr.n, dtype=bool)
    replaced = np.zeros(tr.n, dtype=np.int64)
    new = np.flatnonzero(~det_used)
    if new.size == 0:
        return born, replaced
    det_rep = dets.rep[new]
    det_rank = np.arange(new.size) - np.searchsorted(det_rep, det_rep, side="left")
    # the k-th free slot of a replication goes to its k-th unused detection; only the
    # replications with an unused detection are looked at, all their slots at once
    reps, at = np.unique(det_rep, return_inverse=True)
    slots = reps[:, None] * tr.slots + np.arange(tr.slots)  # (Rn, S)
    status = tr.status[slots]
    free = (status == NO_TRACK) | (status == DELETED)
    rank = np.cumsum(free, axis=1) - 1
    table = np.full(slots.shape, -1, dtype=np.int64)
    table[np.nonzero(free)[0], rank[free]] = slots[free]
    fits = det_rank < tr.slots
    slot = np.full(new.size, -1, dtype=np.int64)
    slot[fits] = table[at[fits], det_rank[fits]]
    placed = slot >= 0
    np.add.at(tr.overflow, det_rep[~placed], 1)
    slot, d, rank, rep = slot[placed], new[placed], det_rank[placed], det_rep[placed]
    if slot.size == 0:
        return born, replaced
    replaced[slot] = tr.track_id[slot]
    tr.track_id[slot] = tr.next_id[rep] + rank + 1
    np.add.at(tr.next_id, rep, 1)
    tr.first_r[slot], tr.first_P[slot], tr.first_t_s[slot] = r_det[d], p_det[d], t_s
    tr.t_s[slot] = np.nan  # no filter state yet (x and P keep what the slot held)
    tr.status[slot] = TENTATIVE
    tr.hit_history[slot] = 1
    tr.misses[slot] = 0
    tr.confirm_t_s[slot] = np.nan
    tr.last_nis[slot] = np.nan
    tr.last_update_t_s[slot] = t_s
    tr.q_scale[slot] = 1.0
    det_used[d] = True
    det_of_slot[slot] = d
    born[slot] = True
    return born, replaced


def process_scan(
    tracks: Tracks,
    t_s: float,
    dets: ScanDetections,
    in_view: ArrayLike,
    config: TrackerConfig,
    late: bool = False,
) -> Association:
    """Apply one scan of one sensor at ``t_s`` to every replication's tracks, in place (rules
    in the module docstring). ``in_view`` (N,) bool: whether the sensor could see where each
    slot's track puts its target (``Tracks.position_estimate_of`` at t_s). Scans must come in time
    order, unless ``late`` (rule 9). Returns which detection updated or started which slot."""
    tr = tracks
    view = np.asarray(in_view, dtype=bool)
    if view.shape != (tr.n,):
        raise ValueError(f"in_view must have shape ({tr.n},), got {view.shape}")
    det_used = np.zeros(dets.size, dtype=bool)
    det_of_slot = np.full(tr.n, -1, dtype=np.int64)
    live_before = tr.live
    has_state = live_before & np.isfinite(tr.t_s)
    single_before = live_before & ~has_state

    cand = np.flatnonzero(has_state & view)
    if cand.size:
        _update_filtered(tr, t_s, dets, cand, config, det_used, det_of_slot, late=late)
    born = np.zeros(tr.n, dtype=bool)
    replaced = np.zeros(tr.n, dtype=np.int64)
    if dets.size and not det_used.all():
        # converted positions of the detections no track took (only those are read below)
        unused = np.flatnonzero(~det_used)
        r_det = np.full((dets.size, 3), np.nan)
        p_det = np.full((dets.size, 3, 3), np.nan)
        r_det[unused], p_det[unused] = dets.model.to_position(dets.z[unused])
        single = np.flatnonzero(single_before & view)
        _second_detections(tr, t_s, dets, single, r_det, p_det, config, det_used, det_of_slot)
        born, replaced = _initiate(tr, t_s, dets, r_det, p_det, det_used, det_of_slot)

    _book(tr, t_s, view, det_of_slot >= 0, born, live_before, single_before, config)
    return Association(det_of_slot=det_of_slot, born=born, replaced_id=replaced)


def _book(
    tr: Tracks,
    t_s: float,
    view: NDArray[np.bool_],
    detected: NDArray[np.bool_],
    born: NDArray[np.bool_],
    live_before: NDArray[np.bool_],
    single_before: NDArray[np.bool_],
    config: TrackerConfig,
) -> None:
    """Rules 6 to 8 after one look: ``view`` the slots the look could see, ``detected`` those
    a detection updated or started, ``born`` those started, ``live_before`` and
    ``single_before`` the live and the single-detection tracks before the look."""
    # 6: hit history and consecutive misses of the tracks in view (not the newborn)
    counted = live_before & (view | detected) & ~born
    if counted.any():
        window = np.uint32((1 << config.confirm_window) - 1)
        shifted = ((tr.hit_history << np.uint32(1)) | detected.astype(np.uint32)) & window
        tr.hit_history[:] = np.where(counted, shifted, tr.hit_history)
        tr.misses[:] = np.where(counted, np.where(detected, 0, tr.misses + 1), tr.misses)

    # 7: M-of-N confirmation of tentative tracks with a filter state
    with_state = tr.live & np.isfinite(tr.t_s)
    confirm = (
        (tr.status == TENTATIVE)
        & with_state
        & (np.bitwise_count(tr.hit_history) >= config.confirm_hits)
    )
    tr.status[confirm] = CONFIRMED
    tr.confirm_t_s[confirm] = t_s

    # 8: deletion
    lone_missed = single_before & counted & ~detected
    stale = t_s - tr.last_update_t_s > config.max_coast_s
    lost = tr.live & ((tr.misses >= config.delete_misses) | lone_missed | stale)
    checked = np.flatnonzero(with_state & counted)  # a sigma grows only where predicted
    p = tr.P[checked]
    sigma = np.sqrt(p[:, 0, 0] + p[:, 1, 1] + p[:, 2, 2])
    lost[checked[sigma > config.delete_sigma_m]] = True
    tr.status[lost] = DELETED
