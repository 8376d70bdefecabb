"""Interpolation of recorded trajectories between their samples.

Cubic Hermite interpolation of position from the positions and velocities at the ends of the
sample interval (C. de Boor, "A Practical Guide to Splines", ch. IV): exact for motion of
cubic motion, with an error of order |jerk'| dt^4 / 384, i.e.
micrometres for 0.1 s samples of a glide. Velocity is the derivative of the same cubic.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

__all__ = ["hermite", "hermite_position"]

Array = NDArray[np.float64]


def _hermite_inputs(
    t_s: ArrayLike, r: ArrayLike, v: ArrayLike, t_query: ArrayLike,
    rows: NDArray[np.intp] | None,
) -> tuple[Array, Array, Array, Array, NDArray[np.intp]]:
    """The kernel's arguments: samples (T,), (B, T, 3) twice, the query times as (N, K) and
    the sample row (N,) of each member."""
    t = np.ascontiguousarray(t_s, dtype=float)
    r = np.asarray(r, dtype=float)  # a view is read where it lies: a copy of a campaign's
    v = np.asarray(v, dtype=float)  # recorded paths would cost more than the interpolation
    rows_ = np.arange(r.shape[0]) if rows is None else np.asarray(rows, dtype=np.intp)
    tq = np.asarray(t_query, dtype=float)
    tq = np.ascontiguousarray(np.broadcast_to(tq, (rows_.size, tq.shape[-1])))
    return t, r, v, tq, np.ascontiguousarray(rows_, dtype=np.intp)


@njit(cache=True, error_model="numpy")
def _hermite_kernel(t, r, v, tq, rows, with_velocity, pos, vel):  # type: ignore[no-untyped-def]
    """Cubic Hermite position (and velocity) of each member n at its query times tq[n]: the
    sample interval i = floor((tq - t0) / dt) clipped to [0, T - 2] (0 for a time that is not
    finite), s = (tq - t[i]) / dt, and the weights below, in numpy's order of operations, so
    that the result is the numpy formula's to the bit."""
    dt = t[1] - t[0]
    last = t.size - 2
    for n in range(tq.shape[0]):
        b = rows[n]
        for k in range(tq.shape[1]):
            x = (tq[n, k] - t[0]) / dt
            i = 0
            if math.isfinite(x):
                i = min(max(int(math.floor(x)), 0), last)
            s = (tq[n, k] - t[i]) / dt
            s2 = s * s
            s3 = s2 * s
            w0 = 2 * s3 - 3 * s2 + 1
            w1 = (s3 - 2 * s2 + s) * dt
            w2 = 3 * s2 - 2 * s3
            w3 = (s3 - s2) * dt
            for j in range(3):
                pos[n, k, j] = (
                    w0 * r[b, i, j] + w1 * v[b, i, j] + w2 * r[b, i + 1, j]
                    + w3 * v[b, i + 1, j]
                )
            if with_velocity:
                d00 = (6 * s2 - 6 * s) / dt
                d10 = 3 * s2 - 4 * s + 1
                d01 = (-6 * s2 + 6 * s) / dt
                d11 = 3 * s2 - 2 * s
                for j in range(3):
                    vel[n, k, j] = (
                        d00 * r[b, i, j] + d10 * v[b, i, j] + d01 * r[b, i + 1, j]
                        + d11 * v[b, i + 1, j]
                    )


def hermite_position(
    t_s: ArrayLike,
    r: ArrayLike,
    v: ArrayLike,
    t_query: ArrayLike,
    rows: NDArray[np.intp] | None = None,
) -> Array:
    """The position of ``hermite`` alone (N, K, 3), for callers that need no velocity."""
    t, r_, v_, tq, rows_ = _hermite_inputs(t_s, r, v, t_query, rows)
    pos = np.empty(tq.shape + (3,))
    _hermite_kernel(t, r_, v_, tq, rows_, False, pos, pos)
    return pos


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
    give NaN. Compiled (``_hermite_kernel``): the cost is the arithmetic, not numpy's
    gathers of the interval's end samples.
    """
    t, r_, v_, tq, rows_ = _hermite_inputs(t_s, r, v, t_query, rows)
    pos = np.empty(tq.shape + (3,))
    vel = np.empty_like(pos)
    _hermite_kernel(t, r_, v_, tq, rows_, True, pos, vel)
    return pos, vel
