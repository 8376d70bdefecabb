"""Stagnation-point convective heat rate of a blunt nose in hypersonic flight.

The Sutton-Graves correlation (K. Sutton and R. A. Graves, "A General Stagnation-Point
Convective-Heating Equation for Arbitrary Gas Mixtures", NASA TR R-376, 1971):

    q = k sqrt(rho / r_n) V^3

with free-stream density rho (kg/m^3), effective nose radius r_n (m) and speed V (m/s), for a
cold wall, laminar boundary layer and air in chemical equilibrium; k = 1.7415e-4 kg^0.5/m for
Earth's air gives q in W/m^2. It holds in continuum flow at hypersonic speeds (the paper's
range: 3 to 15 km/s); radiative heating (above about 10 km/s), the hot-wall correction
(1 - h_w / h_0), catalysis and turbulent heating downstream of the stagnation point are left
out. M. E. Tauber, "A Review of High-Speed, Convective, Heat-Transfer Computation Methods",
NASA TP-2914 (1989) gives the same form with k = 1.83e-4 and the hot-wall factor.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

__all__ = ["SUTTON_GRAVES_K_EARTH", "stagnation_heat_rate_wpm2"]

SUTTON_GRAVES_K_EARTH = 1.7415e-4
"""Sutton-Graves constant of Earth's air, kg^0.5/m (NASA TR R-376, 1971)."""


def stagnation_heat_rate_wpm2(
    density_kgpm3: ArrayLike, speed_mps: ArrayLike, nose_radius_m: ArrayLike
) -> NDArray[np.float64]:
    """Stagnation-point convective heat rate, W/m^2, by Sutton-Graves (see the module
    docstring); the arguments broadcast."""
    rho = np.asarray(density_kgpm3, dtype=float)
    v = np.asarray(speed_mps, dtype=float)
    return SUTTON_GRAVES_K_EARTH * np.sqrt(rho / np.asarray(nose_radius_m, dtype=float)) * v**3


@njit(cache=True, inline="always")
def heat_rate_kernel(density_kgpm3: float, speed_mps: float, nose_radius_m: float) -> float:
    """``stagnation_heat_rate_wpm2`` for one point, compiled, for use in other kernels."""
    return SUTTON_GRAVES_K_EARTH * math.sqrt(density_kgpm3 / nose_radius_m) * speed_mps**3
