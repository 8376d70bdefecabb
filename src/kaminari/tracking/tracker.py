"""Track management for a batch of members, one track each (association comes later).

Each member of the batch (one replication with one threat) has at most one track. Detections
arrive scan by scan, in time order, from one or several radars; each scan updates the same
track (centralised fusion: sequential updates). ``process_scan`` applies the rules below to
the whole batch at once and returns a new ``Tracks``; nothing is mutated.

Status codes: 0 no track, 1 tentative, 2 confirmed, 3 deleted.

Rules, in the order ``process_scan`` applies them at a scan at time t:

1. *Seen.* A member is *in view* when ``in_view`` says so or it was detected (a detection
   implies the radar saw it). Scans out of view neither count towards confirmation nor as
   misses.
2. *Coast.* Every member with a filter state (tentative with two detections, or confirmed) is
   predicted to t (``ekf.predict``), detected or not.
3. *Update.* Those detected are updated (``ekf.update``); the NIS is kept in ``last_nis``.
   Each track predicts with its own jerk PSD, ``jerk_psd_m2ps5 * q_scale``; an update whose
   NIS exceeds ``maneuver_nis`` multiplies ``q_scale`` by ``maneuver_q_gain``, a quiet one
   by ``q_scale_decay``, within [1, ``max_q_scale``] (``TrackerConfig``).
4. *Initiation, second detection.* A tentative member holding a single detection (from any
   radar) and detected again starts its filter from two-point differencing of the converted
   measurements r1 (time t1, covariance P1) and r2 (t, P2), dt = t - t1 (two-point
   differencing, Bar-Shalom, Li & Kirubarajan 2001, ch. 5, state estimator initialisation):
       r = r2,  v = (r2 - r1) / dt + g(r2, v) dt / 2,  a = 0,
       P_rr = P2,  P_rv = P2 / dt,  P_vv = (P1 + P2) / dt^2 + (dt / 2)^2 s_a^2 I,
       P_va = (dt / 2) s_a^2 I,  P_aa = s_a^2 I,  s_a = ``initial_accel_sigma_mps2``;
   the g dt / 2 term turns the chord's mean velocity into the velocity at t under the
   filter's own gravity model (about 2 m/s at dt = 1 s), and the s_a terms carry the unknown
   non-gravitational acceleration over the same half interval.
5. *Initiation, first detection.* A member with no track, or a deleted one (a deleted member
   re-initiates: a lost threat that is seen again must be tracked again; ``n_initiations``
   counts the tracks a member has had), stores the converted detection and becomes tentative.
6. *Bookkeeping.* For each member with a track (not just born) in view, its hit history
   (a bit per scan of this track in view, newest in bit 0, ``confirm_window`` bits kept)
   shifts in a 1 for a detection and a 0 for a miss; ``misses`` counts consecutive misses in
   view and resets on a detection.
7. *Confirmation* (M of N). A tentative track with a filter state is confirmed when its
   history holds at least ``confirm_hits`` detections within the last ``confirm_window``
   scans in view, the first detection included; ``confirm_t_s`` records when.
8. *Deletion.* A tentative or confirmed track is deleted after ``delete_misses`` consecutive
   misses in view, or (with a filter state) when its position sigma (``position_sigma_m``)
   exceeds ``delete_sigma_m``. The last state is kept for inspection until re-initiation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.tracking import ekf
from kaminari.tracking.config import TrackerConfig

__all__ = [
    "CONFIRMED",
    "DELETED",
    "NO_TRACK",
    "TENTATIVE",
    "Tracks",
    "new_tracks",
    "jerk_psd",
    "position_sigma_m",
    "process_scan",
]

Array = NDArray[np.float64]

NO_TRACK, TENTATIVE, CONFIRMED, DELETED = 0, 1, 2, 3


@dataclass(frozen=True)
class Tracks:
    """Track state of a batch of N members, one track each. Plain arrays, SI units.

    x (N, 9), P (N, 9, 9): filter state [r, v, a] in ECEF and its covariance (NaN before a
    member's second detection); t_s (N,): time of x (NaN without a filter state);
    status (N,) int8: 0 no track, 1 tentative, 2 confirmed, 3 deleted;
    hit_history (N,) uint32: one bit per scan in view of the current track, newest in bit 0;
    misses (N,) int: consecutive scans in view without a detection;
    first_r (N, 3), first_P (N, 3, 3), first_t_s (N,): the converted first detection of a
    tentative track awaiting its second (NaN otherwise);
    first_detect_t_s (N,): the member's first detection ever; confirm_t_s (N,): when the
    current track was confirmed (NaN until then); last_update_t_s (N,): last detection used;
    last_nis (N,): the normalised innovation squared of the last update (NaN if none);
    n_initiations (N,) int: how many tracks the member has started;
    q_scale (N,): the factor on the configured jerk PSD that the track uses now.
    """

    x: Array
    P: Array
    t_s: Array
    status: NDArray[np.int8]
    hit_history: NDArray[np.uint32]
    misses: NDArray[np.int64]
    first_r: Array
    first_P: Array
    first_t_s: Array
    first_detect_t_s: Array
    confirm_t_s: Array
    last_update_t_s: Array
    last_nis: Array
    n_initiations: NDArray[np.int64]
    q_scale: Array

    @property
    def n(self) -> int:
        return int(self.status.shape[0])

    @property
    def has_state(self) -> NDArray[np.bool_]:
        """(N,) True where the member's current track has a filter state (x, P, t_s)."""
        return ((self.status == TENTATIVE) | (self.status == CONFIRMED)) & np.isfinite(self.t_s)


def new_tracks(n: int) -> Tracks:
    """The empty state of a batch of ``n`` members: no track anywhere."""
    nan = np.full(n, np.nan)
    return Tracks(
        x=np.full((n, 9), np.nan),
        P=np.full((n, 9, 9), np.nan),
        t_s=nan.copy(),
        status=np.zeros(n, dtype=np.int8),
        hit_history=np.zeros(n, dtype=np.uint32),
        misses=np.zeros(n, dtype=np.int64),
        first_r=np.full((n, 3), np.nan),
        first_P=np.full((n, 3, 3), np.nan),
        first_t_s=nan.copy(),
        first_detect_t_s=nan.copy(),
        confirm_t_s=nan.copy(),
        last_update_t_s=nan.copy(),
        last_nis=nan.copy(),
        n_initiations=np.zeros(n, dtype=np.int64),
        q_scale=np.ones(n),
    )


def jerk_psd(tracks: Tracks, config: TrackerConfig) -> Array:
    """Each track's jerk PSD now (N,), m^2/s^5: the configured one times its q_scale."""
    return config.jerk_psd_m2ps5 * tracks.q_scale


def position_sigma_m(tracks: Tracks) -> Array:
    """sqrt(trace(P_rr)) (N,) in m: the RMS position uncertainty; NaN without a filter state."""
    p = tracks.P
    return np.sqrt(p[:, 0, 0] + p[:, 1, 1] + p[:, 2, 2])


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


def process_scan(
    tracks: Tracks,
    t_s: float,
    z: ArrayLike,
    R: ArrayLike,
    site: tuple[float, float, float],
    in_view: ArrayLike | None,
    config: TrackerConfig,
) -> Tracks:
    """Apply one radar scan at time ``t_s`` (s) to every member's track (rules in the module
    docstring) and return the new state.

    ``z`` (N, 3): the member's detection (range m, azimuth rad clockwise from north,
    elevation rad), NaN where there is none; ``R`` (3, 3): its covariance (m^2, rad^2);
    ``site``: the radar's geodetic (lat_rad, lon_rad, alt_m); ``in_view`` (N,) bool: whether
    the radar could see the member (None: all). Scans must come in time order: a member's
    track may not be older than ``t_s``.
    """
    z = np.asarray(z, dtype=float)
    R = np.asarray(R, dtype=float)
    n = tracks.n
    if z.shape != (n, 3):
        raise ValueError(f"z must have shape ({n}, 3), got {z.shape}")
    detected = np.all(np.isfinite(z), axis=1)
    if in_view is None:
        seen = np.ones(n, dtype=bool)
    else:
        seen = np.broadcast_to(np.asarray(in_view, dtype=bool), (n,)) | detected
    status = tracks.status.copy()
    x, P, t_state = tracks.x.copy(), tracks.P.copy(), tracks.t_s.copy()
    last_nis = tracks.last_nis.copy()
    last_update = tracks.last_update_t_s.copy()
    q_scale = tracks.q_scale.copy()

    # 2-3: coast every filter state to t, update the detected ones
    active = np.flatnonzero(tracks.has_state)
    if active.size:
        dt = t_s - t_state[active]
        if np.any(dt < 0.0):
            raise ValueError(
                f"scans must come in time order: scan at {t_s} s is before a track's "
                f"state time {np.max(t_state[active])} s"
            )
        xa, pa = ekf.predict(x[active], P[active], dt, config.jerk_psd_m2ps5 * q_scale[active])
        hit = detected[active]
        xa, pa, nis = ekf.update(xa, pa, z[active], R, *site, mask=hit)
        x[active], P[active], t_state[active] = xa, pa, t_s
        last_nis[active[hit]] = nis[hit]
        last_update[active[hit]] = t_s
        surprised = nis[hit] > config.maneuver_nis
        updated = active[hit]
        q_scale[updated] = np.clip(
            q_scale[updated] * np.where(surprised, config.maneuver_q_gain, config.q_scale_decay),
            1.0,
            config.max_q_scale,
        )

    # 4: second detection of a tentative track without a filter state
    waiting = (status == TENTATIVE) & ~tracks.has_state
    second = np.flatnonzero(waiting & detected)
    if second.size:
        r2 = ekf.rae_to_ecef(z[second], *site)
        p2 = ekf.rae_to_ecef_covariance(z[second], R, *site)
        x[second], P[second] = _two_point_state(
            tracks.first_r[second],
            tracks.first_P[second],
            tracks.first_t_s[second],
            r2,
            p2,
            t_s,
            config.initial_accel_sigma_mps2,
        )
        t_state[second] = t_s
        last_update[second] = t_s
    first_r, first_P, first_t = (
        tracks.first_r.copy(),
        tracks.first_P.copy(),
        tracks.first_t_s.copy(),
    )
    first_r[second], first_P[second], first_t[second] = np.nan, np.nan, np.nan

    # 5: first detection of a member without a live track (never tracked, or deleted)
    born = np.flatnonzero(((status == NO_TRACK) | (status == DELETED)) & detected)
    hist = tracks.hit_history.copy()
    misses = tracks.misses.copy()
    confirm_t = tracks.confirm_t_s.copy()
    first_detect = tracks.first_detect_t_s.copy()
    n_init = tracks.n_initiations.copy()
    if born.size:
        first_r[born] = ekf.rae_to_ecef(z[born], *site)
        first_P[born] = ekf.rae_to_ecef_covariance(z[born], R, *site)
        first_t[born] = t_s
        x[born], P[born], t_state[born] = np.nan, np.nan, np.nan
        status[born] = TENTATIVE
        hist[born] = 1
        misses[born] = 0
        confirm_t[born] = np.nan
        last_nis[born] = np.nan
        last_update[born] = t_s
        first_detect[born] = np.where(np.isnan(first_detect[born]), t_s, first_detect[born])
        n_init[born] += 1
        q_scale[born] = 1.0

    # 6: hit history and consecutive misses, for live tracks in view (not the newborn)
    live = (status == TENTATIVE) | (status == CONFIRMED)
    counted = live & seen
    counted[born] = False
    window = np.uint32((1 << config.confirm_window) - 1)
    shifted = ((hist << np.uint32(1)) | detected.astype(np.uint32)) & window
    hist = np.where(counted, shifted, hist).astype(np.uint32)
    misses = np.where(counted, np.where(detected, 0, misses + 1), misses)

    # 7: M-of-N confirmation of tentative tracks with a filter state
    has_state = live & np.isfinite(t_state)
    confirm = (status == TENTATIVE) & has_state & (np.bitwise_count(hist) >= config.confirm_hits)
    status[confirm] = CONFIRMED
    confirm_t[confirm] = t_s

    # 8: deletion
    sigma = np.sqrt(P[:, 0, 0] + P[:, 1, 1] + P[:, 2, 2])
    lost = live & ((misses >= config.delete_misses) | (has_state & (sigma > config.delete_sigma_m)))
    status[lost] = DELETED

    return replace(
        tracks,
        x=x,
        P=P,
        t_s=t_state,
        status=status,
        hit_history=hist,
        misses=misses,
        first_r=first_r,
        first_P=first_P,
        first_t_s=first_t,
        first_detect_t_s=first_detect,
        confirm_t_s=confirm_t,
        last_update_t_s=last_update,
        last_nis=last_nis,
        n_initiations=n_init,
        q_scale=q_scale,
    )
