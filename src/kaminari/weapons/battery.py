"""Railgun batteries: where they stand, what they fire and how fast, and how well they point.

Shot-to-shot dispersion (``dispersed_shots``) and the limits of the mount (``azimuth_allowed``,
``elevation_allowed``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.earth.frames import geodetic2ecef
from kaminari.streams import MemberDraws
from kaminari.weapons.damage import Lethality
from kaminari.weapons.guided import Guidance
from kaminari.weapons.projectile import DEFAULT_MUZZLE_VELOCITY_MPS, Projectile

__all__ = [
    "GUIDED_ROUND_COST_USD",
    "UNGUIDED_ROUND_COST_USD",
    "Battery",
    "azimuth_allowed",
    "dispersed_shots",
    "elevation_allowed",
]

Array = NDArray[np.float64]

UNGUIDED_ROUND_COST_USD = 25_000.0
"""Cost of one unguided railgun round, US$: the order of the figure publicly quoted by the US
Navy's railgun programme for its projectiles (some US$25,000 a round; R. O'Rourke, CRS report
R44175, "Navy Lasers, Railgun, and Gun-Launched Guided Projectile"); docs/assumptions.md."""
GUIDED_ROUND_COST_USD = 85_000.0
"""Cost of one guided hypervelocity projectile, US$: the Navy's estimate of roughly US$85,000
per HVP reported in CRS R44175 (same report); docs/assumptions.md."""

_TWO_PI = 2.0 * np.pi
# Floor on cos(elevation) in the azimuth-error scaling: at the zenith an azimuth error moves the
# line of fire by (azimuth error) * cos(el), so any large azimuth error there is harmless.
_MIN_COS_EL = 1e-3


@dataclass(frozen=True)
class Battery:
    """A railgun battery. Radians, metres, seconds.

    Dispersion, shot to shot: ``sigma_muzzle_velocity_mps`` and ``sigma_pointing_rad`` (in both
    azimuth and elevation), independent Gaussian. ``reaction_s``: from the decision to fire to
    the round leaving the muzzle. ``lethality``: the round's Pk against miss distance (default
    hit-to-kill: a kill when the round strikes the threat's body); ``lethal_radius_m``, where
    given, replaces it with a cookie cutter of that radius (a user's figure). ``cost_usd``: the
    cost of one round (``UNGUIDED_ROUND_COST_USD`` by default). ``guidance``: a guided round
    (``weapons.guided``), flown against the threat by the engagement; None: unguided. The
    azimuth sector runs clockwise from ``min_azimuth_rad`` to
    ``max_azimuth_rad``; ``min > max`` (after reduction to [0, 2 pi)) means it crosses north.
    """

    name: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    muzzle_velocity_mps: float = DEFAULT_MUZZLE_VELOCITY_MPS
    projectile: Projectile = field(default_factory=Projectile)
    rate_of_fire_rpm: float = 10.0
    magazine: int = 40
    lethal_radius_m: float | None = None
    lethality: Lethality = field(default_factory=Lethality)
    cost_usd: float = UNGUIDED_ROUND_COST_USD
    guidance: Guidance | None = None
    min_elevation_rad: float = 0.08726646259971647  # 5 deg
    max_elevation_rad: float = 1.4835298641951802  # 85 deg
    min_azimuth_rad: float = 0.0
    max_azimuth_rad: float = 6.283185307179586
    reaction_s: float = 2.0
    sigma_muzzle_velocity_mps: float = 0.0
    sigma_pointing_rad: float = 0.0

    def site_ecef(self) -> NDArray[np.float64]:
        return geodetic2ecef(self.lat_rad, self.lon_rad, self.alt_m)

    @property
    def shot_interval_s(self) -> float:
        return 60.0 / self.rate_of_fire_rpm

    @property
    def damage(self) -> Lethality:
        """The round's Pk against miss: ``lethality``, or the cookie cutter of
        ``lethal_radius_m`` where that is given."""
        if self.lethal_radius_m is not None:
            return Lethality("cookie_cutter", self.lethal_radius_m, "the scenario's lethal radius")
        return self.lethality

    @property
    def round_radius_m(self) -> float:
        return 0.5 * self.projectile.diameter_m


def dispersed_shots(
    battery: Battery, az_rad: ArrayLike, el_rad: ArrayLike, rng: np.random.Generator | MemberDraws
) -> tuple[Array, Array, Array]:
    """Azimuth (rad, in [0, 2 pi)), elevation (rad) and muzzle velocity (m/s) of the rounds
    actually fired when the battery aims at ``az_rad``, ``el_rad`` (broadcast together to the
    batch shape S; each output has shape S).

    Errors are independent zero-mean Gaussians: an elevation error of ``sigma_pointing_rad``, an
    azimuth error of ``sigma_pointing_rad / cos(el)``, and a muzzle-velocity error of
    ``sigma_muzzle_velocity_mps``. The 1/cos(el) scaling is the choice that makes the angular
    error of the line of fire isotropic: an azimuth change d_az turns the line of fire by
    d_az cos(el), so the scaled error deflects it by ``sigma_pointing_rad`` across the elevation
    plane as in it (a gun director's error in the plane of sight, not a traverse-gear error).
    cos(el) is floored at 1e-3 so that a shot at the zenith stays finite; there the azimuth is
    meaningless and the deflection stays at most ``sigma_pointing_rad``. Elevations are not
    clipped to the mount's limits: a dispersed round may leave slightly outside them.

    All draws for the batch are made at once, as one ``rng.standard_normal((*S, 3))``, each
    round's in the order azimuth, elevation, muzzle velocity (``rng`` a numpy Generator, or the
    rounds' own streams, ``streams.MemberDraws``, S = (M,)); they are made even when a sigma is
    zero, so the draws do not depend on the battery's figures.
    """
    az, el = np.broadcast_arrays(np.asarray(az_rad, dtype=float), np.asarray(el_rad, dtype=float))
    z = np.moveaxis(rng.standard_normal((*az.shape, 3)), -1, 0)
    sigma = battery.sigma_pointing_rad
    cos_el = np.maximum(np.abs(np.cos(el)), _MIN_COS_EL)
    az_out = np.mod(az + z[0] * sigma / cos_el, _TWO_PI)
    el_out = el + z[1] * sigma
    v_out = battery.muzzle_velocity_mps + z[2] * battery.sigma_muzzle_velocity_mps
    return az_out, el_out, v_out


def azimuth_allowed(battery: Battery, az_rad: ArrayLike) -> NDArray[np.bool_]:
    """True where the azimuth (rad, any shape, any turn) lies in the battery's sector, edges
    included. The sector runs clockwise from ``min_azimuth_rad`` to ``max_azimuth_rad``; a span
    of 2 pi or more allows every azimuth, and ``min > max`` after reduction to [0, 2 pi) is a
    sector through north (e.g. 350 deg to 10 deg)."""
    az = np.mod(np.asarray(az_rad, dtype=float), _TWO_PI)
    if battery.max_azimuth_rad - battery.min_azimuth_rad >= _TWO_PI:
        return np.ones(az.shape, dtype=bool)
    lo = np.mod(battery.min_azimuth_rad, _TWO_PI)
    hi = np.mod(battery.max_azimuth_rad, _TWO_PI)
    if lo <= hi:
        return (az >= lo) & (az <= hi)
    return (az >= lo) | (az <= hi)


def elevation_allowed(battery: Battery, el_rad: ArrayLike) -> NDArray[np.bool_]:
    """True where the elevation (rad, any shape) lies within the mount's limits, edges included."""
    el = np.asarray(el_rad, dtype=float)
    return (el >= battery.min_elevation_rad) & (el <= battery.max_elevation_rad)
