"""Interpolation of recorded trajectories between their samples.

Cubic Hermite interpolation of position from the positions and velocities at the ends of the
sample interval (C. de Boor, "A Practical Guide to Splines", ch. IV): exact for motion of
cubic motion, with an error of order |jerk'| dt^4 / 384, i.e.
micrometres for 0.1 s samples of a glide. Velocity is the derivative of the same cubic.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["hermite", "hermite_position"]

Array = NDArray[np.float64]


def _interval(
    t_s: ArrayLike, r: ArrayLike, v: ArrayLike, t_query: ArrayLike,
    rows: NDArray[np.intp] | None,
) -> tuple[float, Array, Array, Array, Array, Array]:
    """dt, the fraction s (..., 1) of the query times into their sample intervals, and the
    samples at both ends of them (N, K, 3): r0, r1, v0, v1."""
    t = np.asarray(t_s, dtype=float)
    r = np.asarray(r, dtype=float)
    v = np.asarray(v, dtype=float)
    tq = np.asarray(t_query, dtype=float)
    dt = float(t[1] - t[0])
    i = np.clip(np.floor((tq - t[0]) / dt).astype(np.intp), 0, t.size - 2)
    s = ((tq - t[i]) / dt)[..., None]
    rows = (np.arange(r.shape[0]) if rows is None else np.asarray(rows))[:, None]
    return dt, s, r[rows, i], r[rows, i + 1], v[rows, i], v[rows, i + 1]


def hermite_position(
    t_s: ArrayLike,
    r: ArrayLike,
    v: ArrayLike,
    t_query: ArrayLike,
    rows: NDArray[np.intp] | None = None,
) -> Array:
    """The position of ``hermite`` alone (N, K, 3), for callers that need no velocity (the
    weights of shared query times are computed once, (K, 1))."""
    return _position(*_interval(t_s, r, v, t_query, rows))


def _position(dt: float, s: Array, r0: Array, r1: Array, v0: Array, v1: Array) -> Array:
    s2 = s * s
    s3 = s2 * s
    return (
        (2 * s3 - 3 * s2 + 1) * r0 + ((s3 - 2 * s2 + s) * dt) * v0
        + (3 * s2 - 2 * s3) * r1 + ((s3 - s2) * dt) * v1
    )


def hermite(
    t_s: ArrayLike,
    r: ArrayLike,
    v: ArrayLike,
    t_query: ArrayLike,
    rows: NDArray[np.intp] | None = None,
) -> tuple[Array, Array]:
    """Position and velocity (each (N, K, 3)) of N members at query times ``t_query`` (N, K).

    ``t_s`` (T,) are uniformly spaced sample times shared by all members, ``r`` and ``v``
    (B, T, 3) the samples; ``t_query`` may also be (K,), the same times for every member.
    Query member n reads row ``rows[n]`` of the samples (rows = arange(N) when None), so many
    members may share one recorded path without copying it. Queries outside
    [t_s[0], t_s[-1]] are extrapolated from the end interval (callers mask them); NaN samples
    give NaN.
    """
    dt, s, r0, r1, v0, v1 = _interval(t_s, r, v, t_query, rows)
    pos = _position(dt, s, r0, r1, v0, v1)
    s2 = s * s
    d00, d10 = (6 * s2 - 6 * s) / dt, 3 * s2 - 4 * s + 1
    d01, d11 = (-6 * s2 + 6 * s) / dt, 3 * s2 - 2 * s
    vel = d00 * r0 + d10 * v0 + d01 * r1 + d11 * v1
    return pos, vel
