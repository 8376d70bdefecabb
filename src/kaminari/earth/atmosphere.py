"""The US Standard Atmosphere 1976: temperature, pressure, density and speed of sound.

Authority: NOAA-S/T 76-1562, "U.S. Standard Atmosphere, 1976" (NOAA, NASA, USAF, 1976), Part 1.
Input altitudes are geometric heights Z in m; the standard's lower region is defined in
geopotential height H = r0 Z / (r0 + Z), r0 = 6,356,766 m.

Regions:
- **-5 km to 86 km**: the standard's seven layers, exactly: linear molecular-scale temperature
  T_M in H, hydrostatic pressure in closed form (power law where dT_M/dH != 0, exponential where
  the layer is isothermal), density rho = P M0 / (R* T_M), speed of sound
  sqrt(gamma R* T_M / M0). The kinetic temperature is T = T_M M / M0, with M / M0 = 1 below
  80 km and the standard's Table 8 of M / M0 (every 0.5 km, interpolated linearly) from 80 to
  86 km. Below 0 m the first layer (-6.5 K/km) is extended, as the standard's own tables do
  down to -5 km.
- **86 km to 1,000 km**: the kinetic temperature from the standard's four segments (isothermal
  86-91 km, elliptical 91-110 km, linear 110-120 km, exponential above 120 km). Density and
  pressure are interpolated log-linearly (in altitude) in ``_us76_upper``, a table that
  reproduces the standard's Table I (made by ``tools/make_us76_upper_table.py``). The speed of
  sound is not defined by the standard here; kaminari extends it as sqrt(gamma P / rho)
  = sqrt(gamma R* T / M) with the standard's mean molar mass M and gamma = 1.4 held, which
  joins the lower region's value continuously at 86 km.
- **above 1,000 km**: the temperature formula goes on (it tends to 1,000 K); log density and
  log pressure go on linearly with the slope of the table's last interval, i.e. the scale
  heights at 1,000 km are held; the speed of sound holds the molar mass at 1,000 km.

Two entry points: ``us76`` evaluates the model; ``density_and_sound_speed`` is the fast path
for integrators, a lookup in a uniform grid built from ``us76`` at import.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from kaminari.earth import _us76_upper

__all__ = ["Atmosphere", "density_and_sound_speed", "grid_kernel", "us76"]

Array = NDArray[np.float64]

# Adopted constants of the standard (NOAA-S/T 76-1562, Part 1).
_R_STAR = 8.31432
"""Universal gas constant as adopted by the standard, J/(mol K)."""
_M0 = 28.9644e-3
"""Sea-level mean molar mass of air, kg/mol."""
_G0 = 9.80665
"""Standard gravity, m/s^2 (also the geopotential metre's unit)."""
_R0 = 6_356_766.0
"""Effective Earth radius for the geopotential-height conversion, m."""
_GAMMA = 1.40
"""Ratio of specific heats of air."""
_GMR = _G0 * _M0 / _R_STAR
"""Hydrostatic constant g0 M0 / R*, K/m."""

# Lower region, geopotential: layer base height H_b (m') and gradient L_M,b (K/m').
_H_B = np.array([0.0, 11e3, 20e3, 32e3, 47e3, 51e3, 71e3])
_L_B = np.array([-6.5e-3, 0.0, 1.0e-3, 2.8e-3, 0.0, -2.8e-3, -2.0e-3])


def _layer_bases() -> tuple[Array, Array]:
    """Molecular temperature T_M,b (K) and pressure P_b (Pa) at each layer base, built upwards
    from T0 = 288.15 K and P0 = 101,325 Pa with the layer formulas themselves."""
    t_b = [288.15]
    p_b = [101_325.0]
    for i in range(len(_H_B) - 1):
        dh = _H_B[i + 1] - _H_B[i]
        t_top = t_b[i] + _L_B[i] * dh
        if _L_B[i] == 0.0:
            p_top = p_b[i] * np.exp(-_GMR * dh / t_b[i])
        else:
            p_top = p_b[i] * (t_b[i] / t_top) ** (_GMR / _L_B[i])
        t_b.append(t_top)
        p_b.append(p_top)
    return np.array(t_b), np.array(p_b)


_TM_B, _P_B = _layer_bases()
_GRADIENT_EXPONENT = _GMR / np.where(_L_B == 0.0, 1.0, _L_B)

# Standard's Table 8: M / M0 from 80 to 86 km geometric, every 0.5 km.
_MRATIO_Z_M = np.arange(80e3, 86e3 + 1.0, 500.0)
_MRATIO = np.array(
    [
        1.000000, 0.999996, 0.999989, 0.999971, 0.999941, 0.999909, 0.999870,
        0.999829, 0.999786, 0.999741, 0.999694, 0.999641, 0.999579,
    ]
)  # fmt: skip

# Upper region, geometric (m, K, K/m): the standard's temperature segments.
_Z7, _Z8, _Z9, _Z10 = 86e3, 91e3, 110e3, 120e3
_T7 = 186.8673
_T9 = 240.0
_T10 = 360.0
_T_INF = 1000.0
_LK9 = 12.0e-3
_LAMBDA = 0.01875e-3
_ELL_TC_K = 263.1905
_ELL_A_K = -76.3232
_ELL_A_M = -19.9429e3

_UPPER_Z = _us76_upper.ALT_M
_UPPER_LN_RHO = np.log(_us76_upper.DENSITY_KGPM3)
_UPPER_LN_P = np.log(_us76_upper.PRESSURE_PA)


class Atmosphere(NamedTuple):
    """State of the standard atmosphere at given altitudes; each field has the input's shape."""

    temperature_k: Array
    """Kinetic temperature, K."""
    pressure_pa: Array
    """Pressure, Pa."""
    density_kgpm3: Array
    """Mass density, kg/m^3."""
    speed_of_sound_mps: Array
    """Speed of sound, m/s (above 86 km an extension; see the module docstring)."""


def _lower(z: Array) -> Atmosphere:
    """The standard's seven layers at geometric altitudes z (m), valid to 86 km."""
    h = _R0 * z / (_R0 + z)
    i = np.clip(np.searchsorted(_H_B, h, side="right") - 1, 0, len(_H_B) - 1)
    lapse = _L_B[i]
    dh = h - _H_B[i]
    tm_b = _TM_B[i]
    tm = tm_b + lapse * dh
    p = _P_B[i] * np.where(
        lapse == 0.0, np.exp(-_GMR * dh / tm_b), (tm_b / tm) ** _GRADIENT_EXPONENT[i]
    )
    rho = p * _M0 / (_R_STAR * tm)
    t = tm * np.interp(z, _MRATIO_Z_M, _MRATIO, left=1.0)
    return Atmosphere(t, p, rho, np.sqrt(_GAMMA * _R_STAR * tm / _M0))


def _upper_temperature(z: Array) -> Array:
    """Kinetic temperature (K) of the standard's segments above 86 km, z geometric (m)."""
    z_ell = np.clip(z, _Z8, _Z9)
    elliptical = _ELL_TC_K + _ELL_A_K * np.sqrt(1.0 - ((z_ell - _Z8) / _ELL_A_M) ** 2)
    xi = (z - _Z10) * (_R0 + _Z10) / (_R0 + z)
    exponential = _T_INF - (_T_INF - _T10) * np.exp(-_LAMBDA * xi)
    return np.select(
        [z <= _Z8, z <= _Z9, z <= _Z10],
        [np.full_like(z, _T7), elliptical, _T9 + _LK9 * (z - _Z9)],
        exponential,
    )


def _log_interp(z: Array, ln_values: Array) -> Array:
    """Log-linear interpolation in the upper table; linear in log beyond its top row."""
    inside = np.interp(z, _UPPER_Z, ln_values)
    slope = (ln_values[-1] - ln_values[-2]) / (_UPPER_Z[-1] - _UPPER_Z[-2])
    return np.where(z > _UPPER_Z[-1], ln_values[-1] + slope * (z - _UPPER_Z[-1]), inside)


def _upper(z: Array) -> Atmosphere:
    """Temperature, pressure, density and speed of sound above 86 km, z geometric (m)."""
    t = _upper_temperature(z)
    p = np.exp(_log_interp(z, _UPPER_LN_P))
    rho = np.exp(_log_interp(z, _UPPER_LN_RHO))
    # gamma P / rho = gamma R* T / M; above the table the molar mass M of its top row is held.
    z_table = np.minimum(z, _UPPER_Z[-1])
    r_specific = np.exp(_log_interp(z_table, _UPPER_LN_P) - _log_interp(z_table, _UPPER_LN_RHO))
    r_specific = r_specific / _upper_temperature(z_table)
    return Atmosphere(t, p, rho, np.sqrt(_GAMMA * r_specific * t))


def us76(alt_m: ArrayLike) -> Atmosphere:
    """The US Standard Atmosphere 1976 at geometric altitudes ``alt_m`` (m, any shape).

    Returns kinetic temperature (K), pressure (Pa), density (kg/m^3) and speed of sound (m/s),
    each of the input's shape. Exact to the standard's equations from -5 km to 86 km; from 86 to
    1,000 km it reproduces the standard's Table I (temperature exactly, density and pressure
    within its printed digits at its rows and about 0.1 % between them); above 1,000 km the
    scale heights at 1,000 km are held. Source: NOAA-S/T 76-1562, Part 1 (see module docstring).
    """
    z = np.asarray(alt_m, dtype=float)
    lower = _lower(np.minimum(z, _Z7))
    above = z > _Z7
    if not np.any(above):
        return lower
    upper = _upper(np.maximum(z, _Z7))
    return Atmosphere(*(np.where(above, u, lo) for u, lo in zip(upper, lower, strict=True)))


# Fast path: a uniform grid of log density and speed of sound, looked up by index arithmetic.
_GRID_H0_M = -5_000.0
_GRID_DH_M = 25.0
_GRID_TOP_M = 1_000_000.0
_GRID_N = int(round((_GRID_TOP_M - _GRID_H0_M) / _GRID_DH_M)) + 1


def _fast_table() -> Array:
    """Rows (ln rho_i, ln rho_(i+1) - ln rho_i, c_i, c_(i+1) - c_i) of the fast-path grid.

    The top cell's speed-of-sound step is set to zero so that above the grid the lookup holds
    the speed of sound as ``us76`` does (the step it drops is 0.03 m/s).
    """
    atm = us76(_GRID_H0_M + _GRID_DH_M * np.arange(_GRID_N))
    ln_rho = np.log(atm.density_kgpm3)
    c = atm.speed_of_sound_mps
    dc = np.diff(c, append=c[-1])
    dc[-2] = 0.0
    return np.stack([ln_rho, np.diff(ln_rho, append=ln_rho[-1]), c, dc], axis=-1)


_FAST_TABLE = _fast_table()


def density_and_sound_speed(alt_m: ArrayLike) -> tuple[Array, Array]:
    """Density (kg/m^3) and speed of sound (m/s) at geometric altitudes ``alt_m`` (m, any shape).

    The fast path of ``us76`` for integrators: linear interpolation of log density and of the
    speed of sound on a uniform 25 m grid from -5 km to 1,000 km built from ``us76`` at import,
    found by index arithmetic (no search): about 10 microseconds per 1,000 altitudes. Within
    0.02 % of ``us76`` from -5 km up (the largest errors sit at the layer boundaries, where the
    temperature gradient jumps); above the grid it holds the top scale height and speed of
    sound as ``us76`` does; below -5 km it extends the bottom cell linearly (0.1 % off at -6 km).
    """
    x = np.asarray(alt_m, dtype=float) * (1.0 / _GRID_DH_M) - _GRID_H0_M / _GRID_DH_M
    i = np.minimum(np.maximum(x.astype(np.intp), 0), _GRID_N - 2)
    x -= i
    row = _FAST_TABLE.take(i, axis=0)
    return np.exp(row[..., 0] + x * row[..., 1]), row[..., 2] + x * row[..., 3]


_INV_DH = 1.0 / _GRID_DH_M
_H0_OVER_DH = _GRID_H0_M / _GRID_DH_M


@njit(cache=True, inline="always")
def grid_kernel(alt_m: float, table: Array) -> tuple[float, float, int]:
    """(density, speed of sound, grid cell) at one altitude from the fast-path grid (``table``:
    ``_FAST_TABLE``), looked up exactly as ``density_and_sound_speed`` does; compiled, for
    other compiled kernels (the flights' air and the tracker's aerodynamic motion)."""
    u = alt_m * _INV_DH - _H0_OVER_DH
    i = min(max(int(u), 0), table.shape[0] - 2)
    u -= i
    return math.exp(table[i, 0] + u * table[i, 1]), table[i, 2] + u * table[i, 3], i
