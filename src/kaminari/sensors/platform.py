"""Moving platforms: a ship on a rhumb line (``ShipTrack``) and the radar it carries
(``MovingRadar``).

A ship steams at constant course and speed: its track is a loxodrome (rhumb line) on the WGS84
ellipsoid, the curve that cuts every meridian at the same angle. Along it the meridian arc grows
by s cos(course) over a distance s, and the longitude by tan(course) times the growth of the
isometric latitude (J. P. Snyder, "Map Projections: A Working Manual", USGS Professional Paper
1395, 1987: the meridian arc, eq. 3-21, its inverse through the footpoint latitude, eqs. 3-24
to 3-26, and the isometric latitude of the Mercator projection, eq. 3-7; the rhumb line as a
straight line on the Mercator map, ch. 7). Eq. 3-21 is carried one order further (e^8), which
puts it within 5 um of the meridian arc on WGS84 (tests/test_platform.py checks it against a
quadrature of the meridian radius), and its inverse is refined by Newton's method on the series
itself (its derivative is the meridian radius of curvature), so the latitude is the exact
inverse of the series.

Longitude follows as s sin(course) / q, where q = (change of meridian arc) / (change of
isometric latitude) is the mean parallel radius along the track; both changes are written as
differences of sines (products, no cancellation), so q is accurate for any course, including
due east or west, where it tends to the parallel radius N cos(lat).

Angles are radians, lengths metres, times seconds; batch axes first.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.earth.constants import WGS84_A_M, WGS84_E2
from kaminari.sensors.radar import Radar

__all__ = ["MovingRadar", "ShipTrack", "isometric_latitude", "meridian_arc_m"]

Array = NDArray[np.float64]

_E = math.sqrt(WGS84_E2)
_E4 = WGS84_E2 * WGS84_E2
_E6 = _E4 * WGS84_E2
_E8 = _E6 * WGS84_E2
# Snyder (1987) eq. 3-21, M = a (C0 lat - C2 sin 2 lat + C4 sin 4 lat - C6 sin 6 lat), with the
# e^8 terms of the same expansion of the integral of a (1 - e^2) (1 - e^2 sin^2)^(-3/2) added
# (and the C8 sin 8 lat term): the truncation falls from 0.8 mm to 5 um on WGS84.
_C0 = 1.0 - WGS84_E2 / 4.0 - 3.0 * _E4 / 64.0 - 5.0 * _E6 / 256.0 - 175.0 * _E8 / 16384.0
_C2 = 3.0 * WGS84_E2 / 8.0 + 3.0 * _E4 / 32.0 + 45.0 * _E6 / 1024.0 + 105.0 * _E8 / 4096.0
_C4 = 15.0 * _E4 / 256.0 + 45.0 * _E6 / 1024.0 + 525.0 * _E8 / 16384.0
_C6 = 35.0 * _E6 / 3072.0 + 175.0 * _E8 / 12288.0
_C8 = 315.0 * _E8 / 131072.0
_QUARTER_MERIDIAN_M = WGS84_A_M * _C0 * math.pi / 2.0
# Snyder eq. 3-24: e1 of the footpoint-latitude series, eq. 3-26.
_E1 = (1.0 - math.sqrt(1.0 - WGS84_E2)) / (1.0 + math.sqrt(1.0 - WGS84_E2))


def meridian_arc_m(lat_rad: ArrayLike) -> Array:
    """Distance along the meridian from the equator to geodetic latitude ``lat_rad``, m
    (Snyder 1987, eq. 3-21, to e^8; negative in the south); within 5 um of the integral."""
    lat = np.asarray(lat_rad, dtype=float)
    return WGS84_A_M * (
        _C0 * lat
        - _C2 * np.sin(2.0 * lat)
        + _C4 * np.sin(4.0 * lat)
        - _C6 * np.sin(6.0 * lat)
        + _C8 * np.sin(8.0 * lat)
    )


def _meridian_radius_m(lat: Array) -> Array:
    """M = a (1 - e^2) / (1 - e^2 sin^2 lat)^(3/2), the derivative of ``meridian_arc_m``."""
    return WGS84_A_M * (1.0 - WGS84_E2) / (1.0 - WGS84_E2 * np.sin(lat) ** 2) ** 1.5


def _latitude_of_arc(m: Array) -> Array:
    """Geodetic latitude whose meridian arc is ``m`` (|m| below the quarter meridian): the
    footpoint series (Snyder eqs. 3-20 with 3-26), then Newton's method on eq. 3-21."""
    mu = m / (WGS84_A_M * _C0)
    e1 = _E1
    lat = (
        mu
        + (3.0 * e1 / 2.0 - 27.0 * e1**3 / 32.0) * np.sin(2.0 * mu)
        + (21.0 * e1**2 / 16.0 - 55.0 * e1**4 / 32.0) * np.sin(4.0 * mu)
        + (151.0 * e1**3 / 96.0) * np.sin(6.0 * mu)
        + (1097.0 * e1**4 / 512.0) * np.sin(8.0 * mu)
    )
    for _ in range(3):  # the series is good to ~1e-11 rad; Newton doubles the digits each time
        lat = lat - (meridian_arc_m(lat) - m) / _meridian_radius_m(lat)
    return lat


def isometric_latitude(lat_rad: ArrayLike) -> Array:
    """psi = atanh(sin lat) - e atanh(e sin lat), the isometric latitude (the Mercator
    ordinate over a; Snyder 1987, eq. 3-7 in its logarithmic form)."""
    s = np.sin(np.asarray(lat_rad, dtype=float))
    return np.arctanh(s) - _E * np.arctanh(_E * s)


def _arc_and_psi_changes(lat1: Array, lat2: Array) -> tuple[Array, Array]:
    """(change of meridian arc, change of isometric latitude) from lat1 to lat2, each written
    with sin x - sin y = 2 cos((x + y) / 2) sin((x - y) / 2) and
    atanh x - atanh y = atanh((x - y) / (1 - x y)), so neither cancels for close latitudes."""
    d = lat2 - lat1
    t = lat1 + lat2
    dm = WGS84_A_M * (
        _C0 * d
        - _C2 * 2.0 * np.cos(t) * np.sin(d)
        + _C4 * 2.0 * np.cos(2.0 * t) * np.sin(2.0 * d)
        - _C6 * 2.0 * np.cos(3.0 * t) * np.sin(3.0 * d)
        + _C8 * 2.0 * np.cos(4.0 * t) * np.sin(4.0 * d)
    )
    s1, s2 = np.sin(lat1), np.sin(lat2)
    ds = 2.0 * np.cos(0.5 * t) * np.sin(0.5 * d)
    dpsi = np.arctanh(ds / (1.0 - s1 * s2)) - _E * np.arctanh(_E * ds / (1.0 - WGS84_E2 * s1 * s2))
    return dm, dpsi


@dataclass(frozen=True)
class ShipTrack:
    """A ship at (``lat_rad``, ``lon_rad``) at scenario time 0, steaming at constant
    ``course_rad`` (clockwise from north) and ``speed_mps`` along a rhumb line on the WGS84
    ellipsoid (before time 0 it was on the same line, behind). ``alt_m`` is the height of the
    sea surface above the ellipsoid where it sails (the geoid's undulation; 0 by default); the
    motion itself is measured on the ellipsoid (at 100 m the speed differs by 1.6e-5 of
    itself)."""

    lat_rad: float
    lon_rad: float
    course_rad: float
    speed_mps: float
    alt_m: float = 0.0

    def __post_init__(self) -> None:
        checks = [
            ("lat_rad", abs(self.lat_rad) < math.pi / 2, "in (-pi/2, pi/2)"),
            ("lon_rad", True, "any"),
            ("course_rad", True, "any"),
            ("speed_mps", self.speed_mps >= 0, ">= 0"),
            ("alt_m", True, "any"),
        ]
        for field_name, ok, allowed in checks:
            value = getattr(self, field_name)
            if not (math.isfinite(value) and ok):
                detail = "" if allowed == "any" else f" and {allowed}"
                raise ValueError(
                    f"ShipTrack: {field_name} must be finite{detail}, got {value!r}"
                )

    def position(self, t_s: ArrayLike) -> tuple[Array, Array]:
        """Geodetic latitude and longitude (each shaped like ``t_s``) at scenario times
        ``t_s``, rad; the longitude is wrapped into [-pi, pi] only where it leaves it.

        Raises ValueError for a time that is not finite, or one at which the rhumb line has
        reached a pole (it spirals into the pole within a finite distance)."""
        t = np.asarray(t_s, dtype=float)
        if not np.all(np.isfinite(t)):
            raise ValueError(f"ShipTrack.position: t_s must be finite, got {t_s!r}")
        lat1 = np.full(t.shape, float(self.lat_rad))
        s = self.speed_mps * t
        dm = s * math.cos(self.course_rad)
        m2 = float(meridian_arc_m(self.lat_rad)) + dm
        if np.any(np.abs(m2) >= _QUARTER_MERIDIAN_M):
            raise ValueError(
                f"ShipTrack.position: t_s {t_s!r} takes the rhumb line from latitude "
                f"{self.lat_rad!r} at course {self.course_rad!r} to a pole; allowed: times "
                "before it gets there"
            )
        lat2 = np.where(dm == 0.0, lat1, _latitude_of_arc(m2))
        arc, dpsi = _arc_and_psi_changes(lat1, lat2)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_parallel = np.where(
                lat2 == lat1, _parallel_radius_m(lat1), arc / np.where(dpsi == 0.0, 1.0, dpsi)
            )
        lon = self.lon_rad + s * math.sin(self.course_rad) / mean_parallel
        lon = np.where(np.abs(lon) > math.pi, np.mod(lon + math.pi, 2.0 * math.pi) - math.pi, lon)
        return lat2, lon


def _parallel_radius_m(lat: Array) -> Array:
    """N cos(lat), the radius of the parallel, N = a / sqrt(1 - e^2 sin^2 lat)."""
    return WGS84_A_M * np.cos(lat) / np.sqrt(1.0 - WGS84_E2 * np.sin(lat) ** 2)


@dataclass(frozen=True)
class MovingRadar:
    """A ``Radar`` carried by a ship on a ``ShipTrack``.

    The radar's own ``lat_rad`` and ``lon_rad`` are ignored; its ``alt_m`` is the antenna's
    height above the sea surface, so a placed radar stands at ``track.alt_m + radar.alt_m``
    above the ellipsoid. Everything else (noise, detection, revisit, registration errors,
    whose site error is then the antenna's offset from where the ship's navigation puts it)
    is the radar's. ``at(t)`` is the radar where the ship is at time t, held still for that
    scan: the engagement places a sensor that has ``at`` before asking it to cover, measure
    and model. The ship's own motion during a scan and its velocity (no Doppler is measured)
    are left out."""

    radar: Radar
    track: ShipTrack

    @property
    def name(self) -> str:
        return self.radar.name

    def scan_times(self, t0_s: float, t1_s: float) -> Array:
        return self.radar.scan_times(t0_s, t1_s)

    @property
    def clutter(self) -> bool:
        return self.radar.clutter

    @property
    def radar_equation(self) -> bool:
        return self.radar.radar_equation

    def __getattr__(self, name: str) -> object:
        """Any other attribute of a radar (its reach, noise, site...) is the radar's where the
        ship is at time 0: what a map of the scenario draws."""
        if name.startswith("__") or name in ("radar", "track"):
            raise AttributeError(name)
        return getattr(self.at(0.0), name)

    def at(self, t_s: float) -> Radar:
        """The radar placed where the ship is at time ``t_s``` (the last 64 placements are
        kept: it is asked once per scan, by each part of the loop)."""
        return _placed(self, float(t_s))

    def site_ecef(self, t_s: float = 0.0) -> Array:
        """The antenna's believed site at time ``t_s``, ECEF (3,), m."""
        return self.at(t_s).site_ecef()

    def covers(self, r_ecef: ArrayLike, t_s: float = 0.0) -> NDArray[np.bool_]:
        """Whether the radar, where the ship is at time ``t_s``, could see targets at ECEF
        positions (..., 3)."""
        return self.at(t_s).covers(r_ecef)


@functools.lru_cache(maxsize=64)
def _placed(moving: MovingRadar, t_s: float) -> Radar:
    lat, lon = moving.track.position(t_s)
    return dataclasses.replace(
        moving.radar,
        lat_rad=float(lat),
        lon_rad=float(lon),
        alt_m=moving.track.alt_m + moving.radar.alt_m,
    )
