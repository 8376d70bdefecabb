"""Infrared radiometry of threats for a space-based tracking layer.

What a staring infrared sensor in orbit receives from a hypersonic glider or a boosting
missile, and whether it detects it. Every function broadcasts over its array arguments (batch
axes first); nothing loops over samples or threats. SI throughout: wavelengths in m,
temperatures in K, exitance and irradiance in W/m^2, intensity in W/sr.

**Planck band integral.** The fraction of a blackbody's exitance below wavelength lambda is

    F(lambda T) = (15 / pi^4) integral_x^inf t^3 / (e^t - 1) dt,   x = c2 / (lambda T),

and the in-band exitance is M(T; l1, l2) = sigma T^4 (F(l2 T) - F(l1 T)). The integral is
evaluated, as written here, by two series:

- x >= 2: the series of W. K. Widger and M. P. Woodall, "Integration of the Planck blackbody
  radiation function", Bulletin of the American Meteorological Society 57 (1976) 1217-1219:
  integral_x^inf = sum_{n>=1} e^{-n x} (x^3/n + 3 x^2/n^2 + 6 x/n^3 + 6/n^4), here with 40
  terms (the next one is below e^{-80} of the first);
- x < 2: pi^4/15 minus the integral from 0 to x, which is the term-by-term integral of the
  Bernoulli-number series t / (e^t - 1) = sum_k B_k t^k / k! (Abramowitz & Stegun 23.1.1,
  convergent for |t| < 2 pi): integral_0^x = sum_k B_k x^{k+3} / ((k + 3) k!), here to
  B_30 (at x = 2 the next term is about 1e-14 of the sum).

Both are exact series; the truncations above leave errors far below the 1e-4 asked
(``tests/test_infrared.py`` checks the total against Stefan-Boltzmann and band fractions
against the standard table). Constants: CODATA 2018 (h, c, k exact; sigma derived from them).

**Surface temperature.** Radiative equilibrium: the surface radiates what convection brings,
eps sigma T^4 = q, with no conduction into the structure and no heat stored (an upper bound
on the temperature of a thin hot skin at steady flight; docs/assumptions.md). The heat rate
over the radiating area is a fraction of the Sutton-Graves stagnation-point rate
(``kaminari.threats.heating``), ``HEAT_FRACTION`` by default; the named correlation option is
M. E. Tauber's laminar flat-plate form (``laminar_plate_heat_rate_wpm2``).

**Intensity.** A Lambertian radiator of projected area A at one temperature has radiance
eps M / pi and intensity I = eps M_band(T) A / pi toward the sensor. A motor's plume is a
stated fraction of its jet's kinetic power spread over 4 pi sr (``plume_intensity_w_per_sr``),
an order-of-magnitude assumption, not a plume model.

**Detection.** Irradiance at the sensor E = tau I / R^2, with an exponential extinction
model for the look-down path (``Extinction``); SNR = E / noise, the noise being the
noise-equivalent irradiance (NEI) and optionally a clutter residual of the Earth's in-band
thermal background in one pixel, added in quadrature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.threats.heating import stagnation_heat_rate_wpm2

__all__ = [
    "BOLTZMANN_J_PER_K",
    "CAV_H_RADIATING_AREA_M2",
    "EMISSIVITY",
    "HEAT_FRACTION",
    "LIGHT_SPEED_MPS",
    "PLANCK_J_S",
    "PLUME_BAND_FRACTION",
    "STEFAN_BOLTZMANN_WPM2K4",
    "Extinction",
    "band_exitance_wpm2",
    "blackbody_fraction",
    "body_intensity_w_per_sr",
    "detection_range_m",
    "earth_background_irradiance_wpm2",
    "irradiance_wpm2",
    "laminar_plate_heat_rate_wpm2",
    "nei_wpm2_from_w_per_cm2",
    "plume_intensity_w_per_sr",
    "radiative_equilibrium_temperature_k",
    "snr",
    "surface_temperature_k",
]

Array = NDArray[np.float64]

# CODATA 2018 (E. Tiesinga et al., Rev. Mod. Phys. 93, 025010, 2021): exact in the 2019 SI.
PLANCK_J_S = 6.62607015e-34
"""Planck constant h, J s (CODATA 2018, exact)."""
LIGHT_SPEED_MPS = 299_792_458.0
"""Speed of light in vacuum c, m/s (exact)."""
BOLTZMANN_J_PER_K = 1.380649e-23
"""Boltzmann constant k, J/K (CODATA 2018, exact)."""
STEFAN_BOLTZMANN_WPM2K4 = (
    2.0 * math.pi**5 * BOLTZMANN_J_PER_K**4 / (15.0 * PLANCK_J_S**3 * LIGHT_SPEED_MPS**2)
)
"""sigma = 2 pi^5 k^4 / (15 h^3 c^2) = 5.670374419e-8 W/(m^2 K^4) (CODATA 2018)."""
_C2_MK = PLANCK_J_S * LIGHT_SPEED_MPS / BOLTZMANN_J_PER_K
"""Second radiation constant hc/k, m K (1.438776877e-2)."""
_PI4_15 = math.pi**4 / 15.0

_WW_TERMS = 40
_X_SPLIT = 2.0


def _bernoulli(n_max: int) -> list[Fraction]:
    """B_0..B_n_max (B_1 = -1/2) by the recurrence sum_{j<=m} C(m+1, j) B_j = 0."""
    b = [Fraction(1)]
    for m in range(1, n_max + 1):
        b.append(-sum(math.comb(m + 1, j) * b[j] for j in range(m)) / (m + 1))
    return b


# Coefficients of integral_0^x t^3/(e^t - 1) dt = sum_k a_k x^(k+3), a_k = B_k / ((k+3) k!).
_LOW_COEF = np.array(
    [float(bk / ((k + 3) * math.factorial(k))) for k, bk in enumerate(_bernoulli(30))]
)

EMISSIVITY = 0.8
"""Default total hemispherical emissivity of a glider's hot skin. Own assumption: oxidised
carbon-carbon and ceramic thermal protection are commonly taken at about 0.8-0.9 when hot (no
source named here); one grey value in every band."""

HEAT_FRACTION = 0.05
"""Default ratio of the area-mean convective heat rate over the radiating surface to the
stagnation-point rate. Own assumption, from Tauber's laminar flat-plate form
(``laminar_plate_heat_rate_wpm2``): averaged over a 3 m windward surface at 10 deg incidence
it is 4.5-5.3 % of the Sutton-Graves rate of a 0.1 m nose at Mach 10-20 and 30-60 km
(``tests/test_infrared.py`` checks this); leeward surfaces get less, nose and leading edges more."""

CAV_H_RADIATING_AREA_M2 = 0.4839
"""Default projected radiating area of the CAV-H, m^2: its reference area (Phillips 2003, 5.21
ft^2; ``threats.vehicles``) taken as the area a sensor sees. Own assumption: a planform seen
from above at one representative temperature."""

PLUME_BAND_FRACTION = 0.01
"""Default fraction of a motor's jet kinetic power radiated in the sensor's band (assumed to
hold the 2.7 um or 4.3 um CO2/H2O emission), spread over 4 pi sr. Own order-of-magnitude
assumption, no citable figure found: for the generic MRBM (117 kg/s at 2.5 km/s, 3.7e8 W) it
gives about 3e5 W/sr, inside the 1e5-1e6 W/sr commonly quoted for MRBM-class motors."""


def _tail_integral(x: Array) -> Array:
    """integral_x^inf t^3 / (e^t - 1) dt for x >= 0 (inf gives 0)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    hi = x >= _X_SPLIT
    xh = x[hi]
    if xh.size:
        n = np.arange(1, _WW_TERMS + 1, dtype=float)
        xn = xh[..., None]
        with np.errstate(invalid="ignore", over="ignore"):
            terms = np.exp(-n * xn) * (
                xn**3 / n + 3.0 * xn**2 / n**2 + 6.0 * xn / n**3 + 6.0 / n**4
            )
        terms = np.where(np.isfinite(xn), terms, 0.0)
        out[hi] = terms.sum(axis=-1)
    xl = x[~hi]
    if xl.size:
        powers = xl[..., None] ** (np.arange(_LOW_COEF.size) + 3.0)
        out[~hi] = _PI4_15 - powers @ _LOW_COEF
    return out


def blackbody_fraction(lambda_t_mk: ArrayLike) -> Array:
    """F(0 -> lambda T): the fraction of sigma T^4 emitted below wavelength lambda, for the
    product lambda T in m K (0 gives 0, inf gives 1)."""
    lt = np.asarray(lambda_t_mk, dtype=float)
    with np.errstate(divide="ignore"):
        x = np.where(lt > 0.0, _C2_MK / np.where(lt > 0.0, lt, 1.0), np.inf)
    return _tail_integral(x) / _PI4_15


def band_exitance_wpm2(temperature_k: ArrayLike, lambda1_m: float, lambda2_m: float) -> Array:
    """In-band radiant exitance of a blackbody, W/m^2, between wavelengths lambda1 < lambda2
    (m; 0 and inf allowed), for each temperature (K, broadcast)."""
    if not 0.0 <= lambda1_m < lambda2_m:
        raise ValueError("a band needs 0 <= lambda1 < lambda2")
    t = np.asarray(temperature_k, dtype=float)
    if np.any(t < 0.0):
        raise ValueError("temperatures must be >= 0 K")
    with np.errstate(invalid="ignore"):
        f = blackbody_fraction(lambda2_m * t) - blackbody_fraction(lambda1_m * t)
    f = np.where(t > 0.0, f, 0.0)
    return STEFAN_BOLTZMANN_WPM2K4 * t**4 * f


def radiative_equilibrium_temperature_k(
    heat_rate_wpm2: ArrayLike, emissivity: ArrayLike = EMISSIVITY
) -> Array:
    """T with eps sigma T^4 = q: a surface re-radiating all the convective heat it receives
    (no conduction inward, no storage), K."""
    q = np.asarray(heat_rate_wpm2, dtype=float)
    return (q / (np.asarray(emissivity, dtype=float) * STEFAN_BOLTZMANN_WPM2K4)) ** 0.25


def laminar_plate_heat_rate_wpm2(
    density_kgpm3: ArrayLike, speed_mps: ArrayLike, x_m: ArrayLike, incidence_rad: ArrayLike
) -> Array:
    """Laminar convective heat rate of a flat surface at incidence phi to the flow, x m from
    its leading edge, W/m^2, cold wall: q = 2.53e-5 cos(phi)^0.5 sin(phi) x^-0.5 rho^0.5 V^3.2,
    M. E. Tauber, "A Review of High-Speed, Convective, Heat-Transfer Computation Methods",
    NASA TP-2914 (1989), laminar flat plate (coefficient as quoted there; not re-checked
    against the paper here). The area mean over a plate of length L is the value at x = L / 4."""
    rho = np.asarray(density_kgpm3, dtype=float)
    v = np.asarray(speed_mps, dtype=float)
    phi = np.asarray(incidence_rad, dtype=float)
    c = 2.53e-5 * np.sqrt(np.cos(phi)) * np.sin(phi) / np.sqrt(np.asarray(x_m, dtype=float))
    return c * np.sqrt(rho) * v**3.2


def surface_temperature_k(
    density_kgpm3: ArrayLike,
    speed_mps: ArrayLike,
    nose_radius_m: ArrayLike,
    emissivity: ArrayLike = EMISSIVITY,
    heat_fraction: ArrayLike = HEAT_FRACTION,
) -> Array:
    """Representative radiating-surface temperature of a hypersonic body, K: radiative
    equilibrium with ``heat_fraction`` of the Sutton-Graves stagnation-point heat rate
    (``heat_fraction`` 1 gives the nose's stagnation temperature)."""
    q = np.asarray(heat_fraction, dtype=float) * stagnation_heat_rate_wpm2(
        density_kgpm3, speed_mps, nose_radius_m
    )
    return radiative_equilibrium_temperature_k(q, emissivity)


def body_intensity_w_per_sr(
    temperature_k: ArrayLike,
    lambda1_m: float,
    lambda2_m: float,
    area_m2: ArrayLike = CAV_H_RADIATING_AREA_M2,
    emissivity: ArrayLike = EMISSIVITY,
) -> Array:
    """In-band radiant intensity of a grey Lambertian body of projected area A, W/sr:
    I = eps M_band(T) A / pi."""
    m = band_exitance_wpm2(temperature_k, lambda1_m, lambda2_m)
    return np.asarray(emissivity, dtype=float) * m * np.asarray(area_m2, dtype=float) / math.pi


def plume_intensity_w_per_sr(
    mass_flow_kgps: ArrayLike,
    exhaust_speed_mps: ArrayLike,
    band_fraction: ArrayLike = PLUME_BAND_FRACTION,
) -> Array:
    """In-band intensity of a motor's plume, W/sr: ``band_fraction`` of the jet's kinetic
    power 0.5 mdot v_e^2 spread evenly over 4 pi sr (an order-of-magnitude assumption; see
    ``PLUME_BAND_FRACTION``). Zero where the motor is off (mass flow 0)."""
    mdot = np.asarray(mass_flow_kgps, dtype=float)
    ve = np.asarray(exhaust_speed_mps, dtype=float)
    return np.asarray(band_fraction, dtype=float) * 0.5 * mdot * ve**2 / (4.0 * math.pi)


@dataclass(frozen=True)
class Extinction:
    """Look-down atmospheric transmission from a target at altitude h to space: the vertical
    optical depth above h is tau0 exp(-h / H), along a slant path divided by sin(elevation)
    (the sensor's elevation seen from the target, floored at ``min_sin_elevation``).
    Defaults are own assumptions for a 3-5 um window with water vapour and aerosol as the
    absorbers: tau0 = 0.4 (about 67 % zenith transmission from sea level) and H = 2 km, so
    that the path is clear (tau > 0.999) above 16 km. Use ``Extinction(0.0)`` for none."""

    optical_depth_zenith: float = 0.4
    scale_height_m: float = 2_000.0
    min_sin_elevation: float = 0.05

    def transmission(self, target_alt_m: ArrayLike, sin_elevation: ArrayLike = 1.0) -> Array:
        h = np.maximum(np.asarray(target_alt_m, dtype=float), 0.0)
        s = np.maximum(np.asarray(sin_elevation, dtype=float), self.min_sin_elevation)
        return np.exp(-self.optical_depth_zenith * np.exp(-h / self.scale_height_m) / s)


def irradiance_wpm2(
    intensity_w_per_sr: ArrayLike, range_m: ArrayLike, transmission: ArrayLike = 1.0
) -> Array:
    """Irradiance at the sensor's aperture, W/m^2: E = tau I / R^2 (point source)."""
    r = np.asarray(range_m, dtype=float)
    return (
        np.asarray(transmission, dtype=float) * np.asarray(intensity_w_per_sr, dtype=float) / r**2
    )


def nei_wpm2_from_w_per_cm2(nei_w_per_cm2: ArrayLike) -> Array:
    """A noise-equivalent irradiance in W/cm^2 (the scenario's unit) in W/m^2: x 1e4."""
    return np.asarray(nei_w_per_cm2, dtype=float) * 1e4


def earth_background_irradiance_wpm2(
    lambda1_m: float,
    lambda2_m: float,
    pixel_solid_angle_sr: ArrayLike,
    earth_temperature_k: ArrayLike = 288.0,
    earth_emissivity: ArrayLike = 1.0,
) -> Array:
    """The Earth's in-band thermal irradiance within one pixel of a look-down sensor, W/m^2:
    radiance eps M_band(T_earth) / pi times the pixel's solid angle (288 K: the US Standard
    Atmosphere's sea-level temperature; atmospheric absorption and emission above the ground
    left out, which overstates it in absorbing bands such as 4.3 um)."""
    m = band_exitance_wpm2(earth_temperature_k, lambda1_m, lambda2_m)
    return (
        np.asarray(earth_emissivity, dtype=float)
        * m
        / math.pi
        * np.asarray(pixel_solid_angle_sr, dtype=float)
    )


def snr(
    irradiance: ArrayLike,
    nei_wpm2: ArrayLike,
    background_wpm2: ArrayLike = 0.0,
    clutter_fraction: ArrayLike = 0.0,
) -> Array:
    """Signal-to-noise ratio E / sqrt(NEI^2 + (c E_bg)^2): the sensor's noise-equivalent
    irradiance and a clutter residual, the fraction c of the pixel's background left after
    background subtraction (0 by default: no clutter). Detection is ``snr >= snr_min``."""
    noise = np.hypot(
        np.asarray(nei_wpm2, dtype=float),
        np.asarray(clutter_fraction, dtype=float) * np.asarray(background_wpm2, dtype=float),
    )
    return np.asarray(irradiance, dtype=float) / noise


def detection_range_m(
    intensity_w_per_sr: ArrayLike,
    nei_wpm2: ArrayLike,
    snr_min: ArrayLike,
    transmission: ArrayLike = 1.0,
) -> Array:
    """The range at which SNR = snr_min against the NEI alone: sqrt(tau I / (snr_min NEI))."""
    return np.sqrt(
        np.asarray(transmission, dtype=float)
        * np.asarray(intensity_w_per_sr, dtype=float)
        / (np.asarray(snr_min, dtype=float) * np.asarray(nei_wpm2, dtype=float))
    )
