"""Debris of a killed threat: where it lands, flown ballistically from the kill.

A kill at 3 km/s does not stop the threat's mass: its heavy remains (the warhead section, the
airframe's dense parts) go on along the path it had, slowed only by drag. They are flown here
as one ballistic body of ballistic coefficient beta = m / (C_D S) (kg/m^2) from the threat's
true position and velocity at the kill, under J2 gravity and the Earth's rotation, with drag
rho V^2 / (2 beta) against the velocity in the US 1976 atmosphere, until it reaches the
ground (the WGS84 ellipsoid): the point mass of ``dynamics.forces`` without lift, RK4 in
fixed steps.

``DEBRIS_BALLISTIC_COEFFICIENT_KGPM2`` is kaminari's assumption (docs/assumptions.md): no
public figure gives the fragments of a glide vehicle struck by a kinetic round; re-entry
fragment ballistic coefficients run from tens (light panels) to thousands of kg/m^2 (dense
cores), and the intact CAV-H's is some 47,000 kg/m^2 (907 kg, C_D 0.04, 0.48 m^2). A single
body with one beta stands for the heaviest remains; light debris lands short of it.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.dynamics.forces import air_state, frame_acceleration

__all__ = ["DEBRIS_BALLISTIC_COEFFICIENT_KGPM2", "debris_impact"]

Array = NDArray[np.float64]

DEBRIS_BALLISTIC_COEFFICIENT_KGPM2 = 1_000.0
"""Ballistic coefficient of a killed threat's heaviest remains, kg/m^2 (assumption)."""

_STEP_S = 0.05
_MAX_T_S = 1_800.0


def _derivative(r: Array, v: Array, beta: Array) -> Array:
    air = air_state(r[:, 0], r[:, 1], r[:, 2], v[:, 0], v[:, 1], v[:, 2])
    speed = np.linalg.norm(v, axis=-1)
    drag = -(air.density_kgpm3 * speed / (2.0 * beta))[:, None] * v
    g = np.stack(frame_acceleration(r[:, 0], r[:, 1], r[:, 2], v[:, 0], v[:, 1], v[:, 2]), -1)
    return g + drag


def debris_impact(
    r_ecef: ArrayLike, v_ecef: ArrayLike, ballistic_coefficient_kgpm2: ArrayLike
) -> tuple[Array, Array]:
    """Where and when bodies (N,) from ECEF states (N, 3) with ballistic coefficients (N,) or
    one for all reach the ground: impact ECEF positions (N, 3) and flight times (N,) in s (NaN
    for a body still flying after 30 minutes). A body at or below the ground lands where it
    is."""
    r = np.array(r_ecef, dtype=float).reshape(-1, 3)
    v = np.array(v_ecef, dtype=float).reshape(-1, 3)
    n = r.shape[0]
    beta = np.broadcast_to(np.asarray(ballistic_coefficient_kgpm2, dtype=float), (n,)).copy()
    if np.any(~(beta > 0.0)):
        raise ValueError(f"ballistic coefficients must be > 0 kg/m^2, got {beta.min()}")
    impact = np.full((n, 3), np.nan)
    t_impact = np.full(n, np.nan)
    alt = air_state(r[:, 0], r[:, 1], r[:, 2], v[:, 0], v[:, 1], v[:, 2]).alt_m
    down = alt <= 0.0
    impact[down], t_impact[down] = r[down], 0.0
    live = np.flatnonzero(~down)
    t, h = 0.0, _STEP_S
    while live.size and t < _MAX_T_S:
        r0, v0, b = r[live], v[live], beta[live]
        k1v = _derivative(r0, v0, b)
        k2v = _derivative(r0 + 0.5 * h * v0, v0 + 0.5 * h * k1v, b)
        v2 = v0 + 0.5 * h * k1v
        k3v = _derivative(r0 + 0.5 * h * v2, v0 + 0.5 * h * k2v, b)
        v3 = v0 + 0.5 * h * k2v
        k4v = _derivative(r0 + h * v3, v0 + h * k3v, b)
        v4 = v0 + h * k3v
        r1 = r0 + h / 6.0 * (v0 + 2.0 * (v2 + v3) + v4)
        v1 = v0 + h / 6.0 * (k1v + 2.0 * (k2v + k3v) + k4v)
        a0 = air_state(r0[:, 0], r0[:, 1], r0[:, 2], v0[:, 0], v0[:, 1], v0[:, 2]).alt_m
        a1 = air_state(r1[:, 0], r1[:, 1], r1[:, 2], v1[:, 0], v1[:, 1], v1[:, 2]).alt_m
        hit = a1 <= 0.0
        if hit.any():  # the crossing, linear in altitude within the step
            f = (a0[hit] / (a0[hit] - a1[hit]))[:, None]
            impact[live[hit]] = r0[hit] + f * (r1[hit] - r0[hit])
            t_impact[live[hit]] = t + f[:, 0] * h
        r[live], v[live] = r1, v1
        live = live[~hit]
        t += h
    return impact, t_impact
