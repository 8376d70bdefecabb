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
    def model(j: int, t_s: float) -> object:
        """Sensor j's measurement model at ``t_s`` (a moving sensor's where it then is)."""
        sensor = sensors[j]
        at = getattr(sensor, "at", None)
        return (at(t_s) if at is not None else sensor).measurement_model()

    looks = [look for look in records.looks
             if look[1] < len(sensors) and isinstance(model(look[1], look[0]),
                                                      RangeAzimuthElevation)]
    if not looks:
        e = np.empty(0)
        return e.astype(np.intp), e.astype(np.intp), e, np.empty((0, 0))
    counts = [look[2].size for look in looks]
    code = np.concatenate([look[2] * records.n_threats + look[3] for look in looks])
    codes, pair = np.unique(code, return_inverse=True)  # each detection's (rep, threat) pair
    rep, threat = codes // records.n_threats, codes % records.n_threats
    t_det = np.repeat([look[0] for look in looks], counts)
    first = np.full(codes.size, np.inf)
    np.minimum.at(first, pair, t_det)
    times = np.unique(t_det)
    scans: list[list[Look]] = [[] for _ in times]
    start = np.cumsum([0, *counts])
    for n, (t, j, _, _) in enumerate(looks):  # one entry per scan with detections
        mask = np.zeros(codes.size, dtype=bool)
        mask[pair[start[n]:start[n + 1]]] = True
        scans[int(np.searchsorted(times, t))].append(Look(model(j, t), detected=mask))
    x = _true_states(truth, rep, threat, times)
    p0 = np.diag(np.square(PRIOR_SIGMAS))
    bound = position_bound_m(pcrlb(times, x, scans, p0, jerk_psd_m2ps5))
    bound[times[None, :] < first[:, None]] = np.nan
    return rep, threat, times, bound
