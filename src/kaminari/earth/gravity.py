"""Gravitation of the Earth: point mass plus the J2 zonal term, in ECEF.

The J2 field is symmetric about the Earth's axis, so its ECEF and inertial forms coincide.
Source: D. A. Vallado, "Fundamentals of Astrodynamics and Applications", 4th ed. (2013), eq. 8-30.
"""

from __future__ import annotations

import math

import numpy as np
from numba import guvectorize, njit
from numpy.typing import ArrayLike, NDArray

from kaminari.earth.constants import GM_M3PS2, J2, OMEGA_EARTH_RPS, WGS84_A_M

__all__ = [
    "K_J2_M2",
    "frame_acceleration",
    "frame_kernel",
    "gravitation_j2",
    "gravitation_point_mass",
]

K_J2_M2 = 1.5 * J2 * WGS84_A_M * WGS84_A_M
"""The factor 1.5 J2 a^2 of the J2 term, m^2."""


def gravitation_point_mass(r_m: ArrayLike, gm_m3ps2: float = GM_M3PS2) -> NDArray[np.float64]:
    """Point-mass gravitational acceleration (..., 3) in m/s^2 at positions (..., 3) in m."""
    r = np.asarray(r_m, dtype=float)
    rn2 = np.einsum("...i,...i->...", r, r)
    return -gm_m3ps2 * r / (rn2 * np.sqrt(rn2))[..., None]


def gravitation_j2(r_m: ArrayLike) -> NDArray[np.float64]:
    """Gravitational acceleration (..., 3) in m/s^2 with the J2 term, at ECEF positions (..., 3)."""
    r = np.asarray(r_m, dtype=float)
    x, y, z = r[..., 0], r[..., 1], r[..., 2]
    rn2 = x * x + y * y + z * z
    rn = np.sqrt(rn2)
    mu_r3 = GM_M3PS2 / (rn2 * rn)
    k = 1.5 * J2 * WGS84_A_M * WGS84_A_M / rn2
    z2_r2 = z * z / rn2
    f_xy = -mu_r3 * (1.0 + k * (1.0 - 5.0 * z2_r2))
    f_z = -mu_r3 * (1.0 + k * (3.0 - 5.0 * z2_r2))
    return np.stack([f_xy * x, f_xy * y, f_z * z], axis=-1)


@njit(cache=True, inline="always")
def frame_kernel(
    x: float, y: float, z: float, vx: float, vy: float, vz: float, w: float, k_j2: float
) -> tuple[float, float, float]:
    """One point's J2 gravitation plus the Coriolis and centrifugal accelerations of a frame
    turning at ``w`` rad/s about z (``k_j2`` = 1.5 J2 a^2, 0 for point-mass gravity); compiled,
    for use inside other compiled kernels."""
    rn2 = x * x + y * y + z * z
    inv_r2 = 1.0 / rn2
    mu_r3 = GM_M3PS2 * inv_r2 * math.sqrt(inv_r2)
    k = k_j2 * inv_r2
    k5 = 5.0 * k * z * z * inv_r2
    f_xy = -mu_r3 * (1.0 + k - k5) + w * w
    f_z = -mu_r3 * (1.0 + 3.0 * k - k5)
    # -2 w x v = (2 w vy, -2 w vx, 0); -w x (w x r) = w^2 (x, y, 0), folded into f_xy above.
    return f_xy * x + 2.0 * w * vy, f_xy * y - 2.0 * w * vx, f_z * z


@guvectorize(
    ["void(f8, f8, f8, f8, f8, f8, f8, f8, f8[:], f8[:], f8[:])"],
    "(),(),(),(),(),(),(),()->(),(),()",
    nopython=True,
    cache=True,
)
def _frame_ufunc(x, y, z, vx, vy, vz, w, k_j2, fx, fy, fz):  # type: ignore[no-untyped-def]
    fx[0], fy[0], fz[0] = frame_kernel(x, y, z, vx, vy, vz, w, k_j2)


def frame_acceleration(
    x: ArrayLike,
    y: ArrayLike,
    z: ArrayLike,
    vx: ArrayLike,
    vy: ArrayLike,
    vz: ArrayLike,
    omega_rps: float = OMEGA_EARTH_RPS,
    k_j2_m2: float = K_J2_M2,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """J2 gravitation plus the Coriolis and centrifugal terms of the ECEF frame (ax, ay, az) in
    m/s^2, from ECEF position and velocity components (any equal or broadcasting shapes):
    g = gravitation_j2(r) - 2 omega x v - omega x (omega x r) (Vallado eq. 8-30 for J2; the
    frame terms of any rotating frame). Compiled: the hot loops of flight and tracking use it.
    """
    return _frame_ufunc(x, y, z, vx, vy, vz, omega_rps, k_j2_m2)
