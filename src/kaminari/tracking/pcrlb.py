"""Posterior Cramer-Rao lower bound (PCRLB) of a tracked threat's state.

The bound is what no unbiased tracker can beat: for reporting next to a filter's covariance and
its actual error. It is the inverse of the Fisher information J_k of the state, computed by the
recursion of P. Tichavsky, C. H. Muravchik and A. Nehorai, "Posterior Cramer-Rao bounds for
discrete-time nonlinear filtering", IEEE Trans. Signal Processing 46(5), 1998, in its form for
additive Gaussian process and measurement noise:

    J_{k+1} = (Q_k + F_k J_k^{-1} F_k^T)^{-1} + sum over looks of H_{k+1}^T R^{-1} H_{k+1},

with F_k the transition of the tracker's own motion model (``ekf.transition_matrix``, white-jerk
[r, v, a] in ECEF) linearised at the TRUE state at the start of the interval, Q_k =
``ekf.process_noise`` of the tracker's jerk PSD, and H the measurement Jacobian at the true
state: ``ekf.measure_rae``'s for a radar's range, azimuth and elevation
(``measurement.RangeAzimuthElevation``), ``measurement.LineOfSight``'s for a satellite's line of
sight. R is the one the filter uses (the sensor's covariance plus the filter's floor).

Limits, as in every trajectory-conditioned use of the bound: F and H are taken at one given
truth, not averaged over the distribution of truths the process noise would draw (the paper's
expectations), which is exact for a linear model and close when F and H vary little across the
spread of the truth; and the bound is that of the tracker's *model*: if the truth manoeuvres
unlike white jerk, it says what an estimator could do were the model right.

Missed detections: by default the bound uses the realised detections (``Look.detected`` per
threat; a scan with no look is a prediction step only). With detection probability Pd < 1 and
no false alarms, ``Look.weight = Pd`` instead gives the information-reduction-factor bound
(N. Niu, P. Willett and Y. Bar-Shalom, "Matrix CRLB scaling due to measurements of uncertain
origin", IEEE Trans. Signal Processing 49(7), 2001), which scales each look's information by Pd:
a lower (more optimistic) bound than the enumeration bound, the realised-detection bounds
averaged over detection sequences (H. Tong, H. Zhang, H. Meng and X. Wang, "A comparison of
error bounds for a nonlinear tracking system with detection probability Pd < 1", Sensors
12(12), 2012).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.tracking import ekf
from kaminari.tracking.measurement import LineOfSight, RangeAzimuthElevation

__all__ = [
    "Look",
    "bound_step",
    "measurement_information",
    "pcrlb",
    "position_bound_m",
]

Array = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Look:
    """One sensor's look at the threats in one scan.

    ``sensor``: a radar (``RangeAzimuthElevation``: site and its R) or a satellite's line of
    sight (``LineOfSight``: its sigma), in which case ``platform_m`` is the satellite's ECEF
    position at the scan, m, (3,) or one per threat (..., 3). ``detected``: whether this look
    detected each threat, bool, scalar or (...,) over the threats' batch axes (the realised
    detections; False adds nothing). ``weight``: factor on the look's information, 1 for a
    detection, Pd for the information-reduction-factor bound (module docstring).
    """

    sensor: RangeAzimuthElevation | LineOfSight
    platform_m: ArrayLike | None = None
    detected: ArrayLike = True
    weight: float = 1.0

    def __post_init__(self) -> None:
        if not isinstance(self.sensor, RangeAzimuthElevation | LineOfSight):
            raise TypeError(
                f"Look.sensor: expected RangeAzimuthElevation or LineOfSight, got "
                f"{type(self.sensor).__name__}"
            )
        if isinstance(self.sensor, LineOfSight) and self.platform_m is None:
            raise ValueError(
                "Look.platform_m: a LineOfSight look needs its platform's ECEF "
                "position (3,) or (..., 3) in m, got None"
            )
        if not self.weight >= 0.0:
            raise ValueError(f"Look.weight must be >= 0, got {self.weight}")


def _jacobian_and_r(x: Array, look: Look) -> tuple[Array, Array]:
    """H (..., m, 9) of ``look`` at true states x (..., 9) and the R (m, m) the filter uses."""
    sensor = look.sensor
    if isinstance(sensor, RangeAzimuthElevation):
        return sensor.predict(x)[1], sensor.R
    # at the truth the measured line of sight is the true one: z = (d^, p)
    p = np.broadcast_to(np.asarray(look.platform_m, dtype=float), x.shape[:-1] + (3,))
    d = x[..., 0:3] - p
    u = d / np.linalg.norm(d, axis=-1, keepdims=True)
    z = np.concatenate([u, p], axis=-1).reshape(-1, 6)
    jac = sensor.pair_residual(x.reshape(-1, 9), z)[1]
    return jac.reshape(x.shape[:-1] + (2, 9)), sensor.R


def measurement_information(x_true: ArrayLike, looks: Sequence[Look]) -> Array:
    """Fisher information (..., 9, 9) of one scan's looks at true states ``x_true`` (..., 9):
    the sum over looks of weight * detected * H^T R^-1 H (Tichavsky et al. 1998: the measurement
    part of their D22 for additive Gaussian measurement noise). Units: those of
    1 / (x_i x_j); zero where nothing detected."""
    x = np.asarray(x_true, dtype=float)
    info = np.zeros(x.shape[:-1] + (9, 9))
    for look in looks:
        jac, r = _jacobian_and_r(x, look)
        r_inv = np.linalg.inv(r)
        gain = look.weight * np.broadcast_to(np.asarray(look.detected, dtype=float), x.shape[:-1])
        info += gain[..., None, None] * (np.swapaxes(jac, -1, -2) @ r_inv @ jac)
    return info


def _symmetric(a: Array) -> Array:
    return 0.5 * (a + np.swapaxes(a, -1, -2))


def bound_step(bound: ArrayLike, F: ArrayLike, Q: ArrayLike, information: ArrayLike) -> Array:
    """One step of the PCRLB: the bound B_k = J_k^-1 (..., 9, 9) carried through the transition
    F (..., 9, 9) with process noise Q (..., 9, 9), then the measurement ``information``
    (..., 9, 9) added: B_{k+1} = ((Q + F B_k F^T)^-1 + information)^-1 (Tichavsky et al. 1998,
    their recursion for additive Gaussian noise). Information-form fusion, so that
    zero information is a pure prediction."""
    b = np.asarray(bound, dtype=float)
    f = np.asarray(F, dtype=float)
    predicted = _symmetric(f @ b @ np.swapaxes(f, -1, -2) + np.asarray(Q, dtype=float))
    fused = _symmetric(np.linalg.inv(predicted) + np.asarray(information, dtype=float))
    return _symmetric(np.linalg.inv(fused))


def pcrlb(
    t_s: ArrayLike,
    x_true: ArrayLike,
    looks_per_scan: Sequence[Sequence[Look]],
    P0: ArrayLike,
    jerk_psd_m2ps5: ArrayLike,
) -> Array:
    """PCRLB matrices (..., K, 9, 9) (m^2, m^2/s, ...: the state's units squared) of threats
    whose true states are ``x_true`` (..., K, 9) ([r, v, a] ECEF, as ``ekf``) at the scan times
    ``t_s`` (K,), s, non-decreasing.

    ``looks_per_scan``: K sequences of ``Look``, the sensors that looked at scan k (an empty one:
    a missed scan, prediction only). ``P0`` (9, 9) or (..., 9, 9): the prior covariance at
    t_s[0], positive definite (for no prior, a large one); scan 0's looks are fused into it.
    ``jerk_psd_m2ps5``: the tracker's white-jerk PSD q, scalar or (...,) per threat.

    The recursion of Tichavsky, Muravchik & Nehorai 1998 (module docstring): B_0 =
    (P0^-1 + I_0)^-1, B_k = ``bound_step``(B_{k-1}, F_k, Q_k, I_k) with F_k =
    ``ekf.transition_matrix`` at the true state at scan k-1, Q_k = ``ekf.process_noise`` and
    I_k = ``measurement_information`` at the true state at scan k. Every threat is done at once;
    the loop is over scans.
    """
    t = np.asarray(t_s, dtype=float)
    x = np.asarray(x_true, dtype=float)
    if t.ndim != 1 or x.ndim < 2 or x.shape[-2:] != (t.size, 9):
        raise ValueError(
            f"pcrlb: x_true must be (..., K, 9) with K = len(t_s) = {t.size}, got shape {x.shape}"
        )
    if len(looks_per_scan) != t.size:
        raise ValueError(
            f"pcrlb: looks_per_scan must have one entry per scan ({t.size}), got "
            f"{len(looks_per_scan)}"
        )
    dt = np.diff(t)
    if np.any(dt < 0.0) or not np.all(np.isfinite(t)):
        raise ValueError(
            f"pcrlb: t_s must be finite and non-decreasing (min step {np.min(dt, initial=0.0)} s)"
        )
    batch = x.shape[:-2]
    q = np.broadcast_to(np.asarray(jerk_psd_m2ps5, dtype=float), batch)
    out = np.empty(batch + (t.size, 9, 9))
    bound = np.broadcast_to(np.asarray(P0, dtype=float), batch + (9, 9))
    out[..., 0, :, :] = bound_step(
        bound, np.eye(9), np.zeros((9, 9)), measurement_information(x[..., 0, :], looks_per_scan[0])
    )
    for k in range(1, t.size):
        out[..., k, :, :] = bound_step(
            out[..., k - 1, :, :],
            ekf.transition_matrix(x[..., k - 1, :], dt[k - 1]),
            ekf.process_noise(dt[k - 1], q),
            measurement_information(x[..., k, :], looks_per_scan[k]),
        )
    return out


def position_bound_m(bound: ArrayLike) -> Array:
    """Position bound (...,) in m: sqrt of the trace of the position block of PCRLB matrices
    (..., 9, 9), the least RMS position error (3D) an unbiased estimator can reach."""
    b = np.asarray(bound, dtype=float)
    return np.sqrt(np.trace(b[..., 0:3, 0:3], axis1=-2, axis2=-1))
