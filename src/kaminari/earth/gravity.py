"""Gravitation of the Earth: point mass plus the J2 zonal term, in ECEF.

The J2 field is symmetric about the Earth's axis, so its ECEF and inertial forms coincide.
Source: D. A. Vallado, "Fundamentals of Astrodynamics and Applications", 4th ed. (2013), eq. 8-30.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.earth.constants import GM_M3PS2, J2, WGS84_A_M

__all__ = ["gravitation_j2", "gravitation_point_mass"]


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
