"""Aiming a railgun at a predicted intercept point.

Given where fire control predicts the threat will be (a path sampled at the projectile's
integration times, from the firing instant on), find the azimuth and elevation whose
projectile, flown by the shared integrator with drag, gravity and the Earth's rotation,
passes through that path. A Gauss-Newton iteration on the miss vector at closest approach:

    miss(az, el) ~ miss0 + J [d_az, d_el],   J = P [s cos(el) e_az, s e_el]

with e_az, e_el the ECEF directions in which the muzzle direction turns with azimuth and
elevation, s the distance the round has flown at closest approach, and P the projection across
the relative velocity (closest approach leaves only the miss across it). The Jacobian is the
straight-flight approximation: drag and gravity make it a few per cent off, so the iteration
converges linearly but fast (each step divides the miss by about ten).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaminari.earth.frames import enu_rotation
from kaminari.weapons.battery import Battery
from kaminari.weapons.lethality import closest_approach
from kaminari.weapons.projectile import fly_projectiles

__all__ = ["AIM_ACCEPT_M", "AimSolution", "refine_aim", "shoot_at"]

AIM_ACCEPT_M = 1.0
"""An aim is accepted when its round passes within this of the predicted path."""

Array = NDArray[np.float64]


@dataclass(frozen=True)
class AimSolution:
    """Per member: aim (radians), predicted time of flight to closest approach (s), the
    predicted miss against the predicted path (m) and whether it converged."""

    az_rad: Array
    el_rad: Array
    tof_s: Array
    predicted_miss_m: Array
    converged: NDArray[np.bool_]


def _miss_vectors(t_s: Array, r_round: Array, r_target: Array) -> tuple[Array, Array, Array, Array]:
    """Miss vector (round minus target), its time, and both velocities at closest approach."""
    miss, t_ca, idx = closest_approach(t_s, r_round, r_target, None)
    rows = np.arange(r_round.shape[0])
    dt = t_s[1] - t_s[0]
    j = np.minimum(idx, t_s.size - 2)
    frac = ((t_ca - t_s[j]) / dt)[:, None]
    d0 = r_round[rows, j] - r_target[rows, j]
    d1 = r_round[rows, j + 1] - r_target[rows, j + 1]
    vec = d0 + frac * (d1 - d0)
    v_round = (r_round[rows, j + 1] - r_round[rows, j]) / dt
    v_target = (r_target[rows, j + 1] - r_target[rows, j]) / dt
    return vec, t_ca, v_round, v_target


def shoot_at(
    battery: Battery,
    az_rad: Array,
    el_rad: Array,
    muzzle_velocity_mps: Array,
    target_r: Array,
    dt_s: float,
) -> tuple[Array, Array, Array, Array, Array]:
    """Fly one round per member against a target path sampled at the round's own times
    (k dt_s after firing, (M, K, 3), NaN where the target no longer exists) and return the
    miss vector (M, 3), time of closest approach (M,), the round's and the target's velocity
    there, and the round's flown distance from the muzzle."""
    k = target_r.shape[1]
    traj = fly_projectiles(
        battery.lat_rad,
        battery.lon_rad,
        battery.alt_m,
        az_rad,
        el_rad,
        muzzle_velocity_mps,
        battery.projectile,
        dt_s=dt_s,
        t_max_s=(k - 1) * dt_s,
    )
    r_round = np.full_like(target_r, np.nan)
    n = min(k, traj.t_s.size)
    r_round[:, :n] = traj.r_ecef[:, :n]
    t_s = dt_s * np.arange(k)
    vec, t_ca, v_round, v_target = _miss_vectors(t_s, r_round, target_r)
    rows = np.arange(vec.shape[0])
    idx = np.minimum(np.round(t_ca / dt_s).astype(np.intp), k - 1)
    flown = np.linalg.norm(r_round[rows, idx] - battery.site_ecef(), axis=-1)
    return vec, t_ca, v_round, v_target, flown


def refine_aim(
    battery: Battery,
    az_rad: Array,
    el_rad: Array,
    target_r: Array,
    dt_s: float,
    iterations: int = 5,
    tol_m: float = 0.2,
) -> AimSolution:
    """Refine a first aim (az, el per member) against predicted target paths (M, K, 3)
    sampled every ``dt_s`` from the firing instant, by Gauss-Newton on the miss vector.

    Each round flies alone (the batch only shares the integrator's steps), so a member whose
    miss is within ``tol_m`` keeps its aim and its last flight, and only the others are flown
    again."""
    az = np.array(az_rad, dtype=float)
    el = np.array(el_rad, dtype=float)
    m = az.size
    v0 = np.full(m, battery.muzzle_velocity_mps)
    rot_t = enu_rotation(battery.lat_rad, battery.lon_rad).T  # ENU -> ECEF
    miss = np.full(m, np.inf)
    t_ca = np.full(m, np.nan)
    active = np.arange(m)  # members whose aim changed since their last flight
    for it in range(iterations + 1):
        if active.size == 0:
            break
        a_az, a_el = az[active], el[active]
        vec, t_ca_a, v_round, v_target, flown = shoot_at(
            battery, a_az, a_el, v0[active], target_r[active], dt_s
        )
        miss_a = np.linalg.norm(vec, axis=-1)
        miss[active], t_ca[active] = miss_a, t_ca_a
        if it == iterations:
            break  # the last aims flown once more for their misses; no further step
        saz, caz, sel, cel = np.sin(a_az), np.cos(a_az), np.sin(a_el), np.cos(a_el)
        e_el = np.stack([-saz * sel, -caz * sel, cel], -1) @ rot_t.T
        e_az = np.stack([caz, -saz, np.zeros_like(a_az)], -1) @ rot_t.T
        rel = v_round - v_target
        u = rel / np.linalg.norm(rel, axis=-1, keepdims=True)

        def across(w: Array, u: Array = u) -> Array:
            return w - np.sum(w * u, axis=-1, keepdims=True) * u

        jac = np.stack(
            [across(e_az) * (flown * cel)[:, None], across(e_el) * flown[:, None]], axis=-1
        )  # (A, 3, 2)
        jtj = np.einsum("mki,mkj->mij", jac, jac)
        jtr = np.einsum("mki,mk->mi", jac, vec)
        delta = -np.linalg.solve(jtj, jtr[..., None])[..., 0]
        ok = np.isfinite(delta).all(axis=-1) & (miss_a >= tol_m)
        az[active[ok]] += delta[ok, 0]
        el[active[ok]] += delta[ok, 1]
        active = active[ok]
    return AimSolution(np.mod(az, 2.0 * np.pi), el, t_ca, miss, miss < AIM_ACCEPT_M)
