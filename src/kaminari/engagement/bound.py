"""The posterior Cramer-Rao lower bound of the recorded replications' tracks: what no unbiased
tracker could beat with the detections the sensors made, beside each track's own covariance and
its actual error on the track rows (``pcrlb_m``).

For each (recorded replication, threat), the bound follows the threat's true state through the
radar scans that detected it (``Records.looks``: realised detections, so a missed scan is a
prediction step), by the recursion of ``tracking.pcrlb`` with the tracker's own motion model
and nominal jerk PSD (without its manoeuvre scaling). The prior is ``PRIOR_SIGMAS``: broad
enough to carry no information of its own. Lines of sight of a space layer are left out (their
looks are not logged): with a layer the bound is the radars' alone, an upper figure.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from kaminari.engagement.records import Records
from kaminari.engagement.truth import Truth
from kaminari.sensors.base import Sensor
from kaminari.tracking import ekf
from kaminari.tracking.measurement import RangeAzimuthElevation
from kaminari.tracking.pcrlb import Look, pcrlb, position_bound_m

__all__ = ["PRIOR_SIGMAS", "track_bounds"]

Array = NDArray[np.float64]

PRIOR_SIGMAS = (1e4, 1e4, 1e4, 1e3, 1e3, 1e3, 50.0, 50.0, 50.0)
"""Prior sigmas of the bound (m, m/s, m/s^2): 10 km, 1 km/s, and the tracker's 50 m/s^2."""
_DIFF_S = 0.05


def _true_states(truth: Truth, rep: Array, threat: Array, t_s: Array) -> Array:
    """(N, K, 9) true [r, v, a] of pairs (N,) at times (K,), each clipped to its flight; a
    the non-gravitational acceleration (central differences of the velocity less gravity)."""
    n, k = rep.size, t_s.size
    rows = np.zeros(n, dtype=np.intp) if truth.shared else rep
    lo = truth.start_t_s[threat] + _DIFF_S
    hi = truth.end_t_s[rows, threat] - _DIFF_S
    t = np.clip(t_s[None, :], lo[:, None], hi[:, None])  # (N, K)
    rr = np.repeat(rep, k)
    tt = np.repeat(threat, k)
    r, v = truth.state_of(rr, tt, t.ravel())
    _, v_plus = truth.state_of(rr, tt, t.ravel() + _DIFF_S)
    _, v_minus = truth.state_of(rr, tt, t.ravel() - _DIFF_S)
    a = (v_plus - v_minus) / (2.0 * _DIFF_S) - ekf.frame_acceleration(r, v)
    return np.concatenate([r, v, a], axis=-1).reshape(n, k, 9)


def track_bounds(
    records: Records, truth: Truth, sensors: Sequence[Sensor], jerk_psd_m2ps5: float
) -> tuple[Array, Array, Array, Array]:
    """The bound on the position sigma (m, sqrt of the trace) of each logged (replication,
    threat) after each scan that detected any of them: returns replications (N,), threats (N,),
    scan times (K,) and the bound (N, K) (NaN before the pair's first detection)."""
    radar_looks = [
        (t, j, r, lab) for t, j, r, lab in records.looks
        if j < len(sensors) and isinstance(sensors[j].measurement_model(), RangeAzimuthElevation)
    ]  # fmt: skip
    if not radar_looks:
        e = np.empty(0)
        return e.astype(np.intp), e.astype(np.intp), e, np.empty((0, 0))
    pairs = np.unique(
        np.concatenate([np.stack([r, lab], -1) for _, _, r, lab in radar_looks]), axis=0
    )
    rep, threat = pairs[:, 0], pairs[:, 1]
    times = np.unique([t for t, *_ in radar_looks])
    key = {(int(a), int(b)): i for i, (a, b) in enumerate(pairs)}
    scans: list[list[Look]] = [[] for _ in times]
    first = np.full(rep.size, np.inf)
    for t, j, r, lab in radar_looks:  # one entry per scan with detections: the loop is over scans
        k = int(np.searchsorted(times, t))
        mask = np.zeros(rep.size, dtype=bool)
        idx = [key[(int(a), int(b))] for a, b in zip(r, lab, strict=True)]
        mask[idx] = True
        first[idx] = np.minimum(first[idx], t)
        scans[k].append(Look(sensors[j].measurement_model(), detected=mask))
    x = _true_states(truth, rep, threat, times)
    p0 = np.diag(np.square(PRIOR_SIGMAS))
    bound = position_bound_m(pcrlb(times, x, scans, p0, jerk_psd_m2ps5))
    bound[times[None, :] < first[:, None]] = np.nan
    return rep, threat, times, bound
