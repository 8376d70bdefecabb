"""Ground radars: where they can see, and what they report.

Visibility (``visible``) is the textbook line-of-sight test under standard refraction: the
Earth is replaced by a sphere of effective radius k R, on which ray paths are straight
(Skolnik, "Introduction to Radar Systems", 3rd ed., 2001, ch. 8 "Propagation of radar waves",
atmospheric refraction and standard propagation, the 4/3 Earth; Blake, "Radar Range-Performance
Analysis", 1980, ch. 5 "Effects of the Earth's atmosphere"). The radar horizon of an antenna
at height h_r for a target at height h_t is then sqrt(2 k R h_r) + sqrt(2 k R h_t) to first
order in h / R.

Detections (``Radar.measure``, the ``Sensor`` protocol of ``sensors.base``) are what a radar
reports at a scan: the true geometric range, azimuth and elevation from its site plus Gaussian
noise, where a threat exists, is visible and the look succeeds with the radar's detection
probability; and false alarms (``false_alarms``). Angles are radians, lengths metres, times
seconds; batch axes first, components last.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.earth.constants import WGS84_A_M, WGS84_E2
from kaminari.earth.frames import aer2ecef, ecef2aer, ecef2geodetic, geodetic2ecef, geodetic_up
from kaminari.sensors.base import Report
from kaminari.tracking.measurement import RangeAzimuthElevation

__all__ = ["Radar", "false_alarms", "scan_times", "visible", "visible_fraction"]

Array = NDArray[np.float64]

_SCAN_EDGE_TOLERANCE = 1e-9
"""A scan within this fraction of a revisit period outside [t0, t1] counts as inside."""


@dataclass(frozen=True)
class Radar:
    """A ground radar. Radians, metres, seconds.

    ``min_elevation_rad`` is the lowest elevation it searches (in the effective-Earth geometry
    of ``visible``); ``refraction_k`` the effective Earth-radius factor of standard refraction
    (4/3) used for the line of sight. ``scan_offset_s`` is when in its revisit period it first
    looks (scans at offset + k revisit). ``alt_m`` is the antenna's height above the WGS84
    ellipsoid. Sigmas are one-sigma Gaussian measurement noise; 0 means perfect sensing.
    ``false_alarms_per_scan`` is the mean of the Poisson number of false alarms a scan reports,
    spread uniformly over the volume the radar can see (``false_alarms``).
    """

    name: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    max_range_m: float
    revisit_s: float
    sigma_range_m: float
    sigma_az_rad: float
    sigma_el_rad: float
    min_elevation_rad: float = 0.0
    detection_probability: float = 1.0
    refraction_k: float = 4.0 / 3.0
    scan_offset_s: float = 0.0
    false_alarms_per_scan: float = 0.0

    def __post_init__(self) -> None:
        checks = [
            ("lat_rad", abs(self.lat_rad) <= math.pi / 2, "within [-pi/2, pi/2]"),
            ("max_range_m", self.max_range_m > 0, "> 0"),
            ("revisit_s", self.revisit_s > 0, "> 0"),
            ("sigma_range_m", self.sigma_range_m >= 0, ">= 0"),
            ("sigma_az_rad", self.sigma_az_rad >= 0, ">= 0"),
            ("sigma_el_rad", self.sigma_el_rad >= 0, ">= 0"),
            ("min_elevation_rad", abs(self.min_elevation_rad) < math.pi / 2, "in (-pi/2, pi/2)"),
            ("detection_probability", 0 <= self.detection_probability <= 1, "within [0, 1]"),
            ("refraction_k", self.refraction_k > 0, "> 0"),
            ("false_alarms_per_scan", self.false_alarms_per_scan >= 0, ">= 0"),
        ]
        for field_name, ok, allowed in checks:
            value = getattr(self, field_name)
            if not (ok and math.isfinite(value)):
                raise ValueError(
                    f"Radar {self.name!r}: {field_name} must be finite and {allowed}, got {value!r}"
                )

    def site_ecef(self) -> NDArray[np.float64]:
        return geodetic2ecef(self.lat_rad, self.lon_rad, self.alt_m)

    # --- the Sensor protocol (kaminari.sensors.base) ---

    def scan_times(self, t0_s: float, t1_s: float) -> Array:
        return scan_times(self, t0_s, t1_s)

    def covers(self, r_ecef: ArrayLike) -> NDArray[np.bool_]:
        """``visible``, after a cheap range screen (most positions asked about are far off)."""
        r = np.asarray(r_ecef, dtype=float)
        out = np.zeros(r.shape[:-1], dtype=bool)
        near = np.linalg.norm(r - self.site_ecef(), axis=-1) <= self.max_range_m
        if near.any():
            out[near] = visible(self, r[near])
        return out

    @property
    def clutter(self) -> bool:
        return self.false_alarms_per_scan > 0.0

    def measurement_model(self) -> RangeAzimuthElevation:
        return _measurement_model(self)

    def measure(
        self, t_s: float, r_true: Array, exists: NDArray[np.bool_], rng: np.random.Generator
    ) -> Report:
        """Detections of threats at ``r_true`` (R, T, 3), or (T, 3) when every replication
        shares it, that exist where ``exists`` (R, T), then false alarms (``false_alarms``),
        merged in replication order.

        Draws: U (R, T) for detection (none when no threat exists), then standard normal
        noise for the detected ones only (in replication-major order), then the false
        alarms."""
        alive = np.asarray(exists, dtype=bool)
        n_reps, n_threats = alive.shape
        r = np.asarray(r_true, dtype=float)
        shared = r.ndim == 2  # (T, 3): the same truth in every replication
        alive = alive & np.isfinite(r[..., 0])
        hit = np.zeros((n_reps, n_threats), dtype=bool)
        if alive.any():
            seen = self.covers(np.nan_to_num(r)) & np.isfinite(r[..., 0])
            hit = alive & seen & (rng.random((n_reps, n_threats)) < self.detection_probability)
        rep, label = np.nonzero(hit)
        z = _noisy_rae(self, r[label] if shared else r[rep, label], rng)
        if self.clutter:
            fa_rep, fa_z = false_alarms(self, n_reps, rng)
            rep = np.concatenate([rep, fa_rep])
            label = np.concatenate([label, np.full(fa_rep.size, -1)])
            z = np.concatenate([z, fa_z])
            order = np.argsort(rep, kind="stable")
            rep, label, z = rep[order], label[order], z[order]
        return Report(rep=rep.astype(np.int64), z=z, label=label.astype(np.int64))

    def measurement_covariance(self) -> NDArray[np.float64]:
        """Covariance (3, 3) of a (range, azimuth, elevation) measurement."""
        return np.diag([self.sigma_range_m**2, self.sigma_az_rad**2, self.sigma_el_rad**2])

    def local_earth_radius_m(self) -> float:
        """Gaussian mean radius of curvature sqrt(M N) of the WGS84 ellipsoid at the site, m.

        M and N are the meridian and prime-vertical radii of curvature, so sqrt(M N) =
        a sqrt(1 - e^2) / (1 - e^2 sin^2 lat) (NIMA TR8350.2, sec. 4 / any geodesy text):
        6,356.8 km at the equator, 6,399.6 km at the poles.
        """
        s2 = math.sin(self.lat_rad) ** 2
        return WGS84_A_M * math.sqrt(1.0 - WGS84_E2) / (1.0 - WGS84_E2 * s2)


def _effective_earth(radar: Radar, r_ecef: Array) -> tuple[Array, Array]:
    """(elevation in rad, Earth-clear flag) of targets (..., 3) in the effective-Earth plane.

    Radar and target keep their heights above the ellipsoid and the ground distance between
    them, s = R theta, where theta is the angle between their ellipsoid normals and R the
    site's Gaussian radius; on the sphere of radius k R they are separated by phi = s / (k R).
    In the vertical plane, radar A = (0, a_r) and target B = a_t (sin phi, cos phi) with
    a = k R + h. The segment dips below the sphere when the foot of the perpendicular from the
    centre falls strictly between A and B (each sees the other below its own horizontal) and
    the distance |A x B| / |B - A| is less than k R.
    """
    kr = radar.refraction_k * radar.local_earth_radius_m()
    geo = ecef2geodetic(r_ecef)
    up_site = geodetic_up(radar.lat_rad, radar.lon_rad)
    up_tgt = geodetic_up(geo.lat_rad, geo.lon_rad)
    cos_theta = np.einsum("...i,...i->...", up_tgt, up_site)
    sin_theta = np.linalg.norm(np.cross(up_tgt, up_site), axis=-1)
    phi = np.arctan2(sin_theta, cos_theta) / radar.refraction_k
    a_r = kr + radar.alt_m
    a_t = kr + geo.alt_m
    dx = a_t * np.sin(phi)
    dy = a_t * np.cos(phi) - a_r
    elevation = np.arctan2(dy, dx)
    foot_inside = (dy < 0.0) & (a_t - a_r * np.cos(phi) > 0.0)
    # |A x B| < kR |B - A|, multiplied out so that coincident points need no division.
    below = a_r * np.abs(dx) < kr * np.hypot(dx, dy)
    return elevation, ~(foot_inside & below)


def visible(radar: Radar, r_ecef: ArrayLike) -> NDArray[np.bool_]:
    """Whether the radar can see targets at ECEF positions (..., 3); returns (...,) bool.

    True where (a) the straight line of sight clears the Earth under standard refraction,
    modelled as a sphere of effective radius k R (k = ``radar.refraction_k``, R the Gaussian
    mean radius of curvature of WGS84 at the site, ``Radar.local_earth_radius_m``) with both
    ends at their heights above the ellipsoid and their ground distance kept (Skolnik, 3rd ed.,
    ch. 8; Blake 1980, ch. 5); (b) the target's elevation in that same effective-Earth
    geometry is at least ``radar.min_elevation_rad``; (c) the true geometric slant range is at
    most ``radar.max_range_m``.

    The ends themselves are not tested against the sphere: a site or target slightly below the
    ellipsoid (where the geoid lies below it) is not hidden by that alone, and whether a threat
    still flies is the caller's business (``exists`` in ``detect``). For k < 1 and targets more
    than pi k of arc away the plane geometry folds over; no sensible radar reaches there.
    """
    r = np.asarray(r_ecef, dtype=float)
    elevation, clear = _effective_earth(radar, r)
    slant_range = np.linalg.norm(r - radar.site_ecef(), axis=-1)
    return clear & (elevation >= radar.min_elevation_rad) & (slant_range <= radar.max_range_m)


@functools.cache
def _measurement_model(radar: Radar) -> RangeAzimuthElevation:
    return RangeAzimuthElevation(
        radar.lat_rad, radar.lon_rad, radar.alt_m, radar.measurement_covariance()
    )


def _noisy_rae(radar: Radar, r: Array, rng: np.random.Generator) -> Array:
    """Range, azimuth in [0, 2 pi), elevation (M, 3) of positions (M, 3) plus the radar's
    Gaussian noise (one standard_normal((M, 3)) draw)."""
    noise = rng.standard_normal((r.shape[0], 3))
    aer = ecef2aer(r, radar.lat_rad, radar.lon_rad, radar.alt_m)
    sigma = np.array([radar.sigma_range_m, radar.sigma_az_rad, radar.sigma_el_rad])
    z = np.stack([aer.range_m, aer.az_rad, aer.el_rad], axis=-1) + noise * sigma
    az = np.mod(z[:, 1], 2.0 * np.pi)
    z[:, 1] = np.where(az >= 2.0 * np.pi, 0.0, az)  # mod of a tiny negative angle gives 2 pi
    return z


_VOLUME_SAMPLES = 20_000


@functools.cache
def visible_fraction(radar: Radar) -> float:
    """The share of the ball of radius ``max_range_m`` about the site that the radar can see
    (``visible``), by Monte Carlo with a fixed seed: 20,000 points, a standard error below
    0.4 % (absolute)."""
    rng = np.random.default_rng(20_261_202)
    pts = _uniform_ball(radar, _VOLUME_SAMPLES, rng)
    return float(np.mean(visible(radar, pts)))


def _uniform_ball(radar: Radar, n: int, rng: np.random.Generator) -> Array:
    """``n`` points (n, 3) uniform in the ball of radius ``max_range_m`` about the site:
    radius R u^(1/3), direction uniform on the sphere (azimuth uniform, sin(elevation)
    uniform on [-1, 1])."""
    u = rng.random((3, n))
    rng_m = radar.max_range_m * np.cbrt(u[0])
    az = 2.0 * np.pi * u[1]
    el = np.arcsin(2.0 * u[2] - 1.0)
    return aer2ecef(az, el, rng_m, radar.lat_rad, radar.lon_rad, radar.alt_m)


def false_alarms(
    radar: Radar, n_reps: int, rng: np.random.Generator
) -> tuple[NDArray[np.int64], Array]:
    """False alarms of one scan in each of ``n_reps`` replications: their replication
    (ascending) and measurement (range, azimuth, elevation) (F, 3).

    Each replication's count is Poisson with mean ``false_alarms_per_scan``, and each false
    alarm lies uniformly in the volume the radar can see: a Poisson number of points with mean
    false_alarms_per_scan / ``visible_fraction`` is drawn uniformly in the ball of radius
    ``max_range_m`` and those it cannot see are dropped, which leaves a Poisson process of the
    stated mean on the visible volume (thinning; e.g. S. N. Chiu et al., "Stochastic Geometry
    and its Applications", 3rd ed., Wiley 2013, sec. 2.4). A false alarm is reported where it
    lies, without further noise (its position is random already)."""
    fraction = visible_fraction(radar)
    if fraction <= 0.0 or radar.false_alarms_per_scan <= 0.0:
        return np.empty(0, dtype=np.int64), np.empty((0, 3))
    counts = rng.poisson(radar.false_alarms_per_scan / fraction, size=n_reps)
    pts = _uniform_ball(radar, int(counts.sum()), rng)
    rep = np.repeat(np.arange(n_reps), counts)
    keep = visible(radar, pts)
    pts, rep = pts[keep], rep[keep]
    aer = ecef2aer(pts, radar.lat_rad, radar.lon_rad, radar.alt_m)
    z = np.stack([aer.range_m, np.mod(aer.az_rad, 2.0 * np.pi), aer.el_rad], axis=-1)
    return rep.astype(np.int64), z.reshape(-1, 3)


def scan_times(radar: Radar, t0_s: float, t1_s: float) -> Array:
    """Scan times ``scan_offset_s + k revisit_s`` (integer k) inside [t0_s, t1_s], ascending, s.

    A scan within 1e-9 of a revisit period of either end counts as inside (so that 0.3 s is a
    scan of a 0.1 s radar despite 0.3 / 0.1 < 3 in binary floating point) and is clipped onto it.
    Empty when t1_s < t0_s.
    """
    period, offset = radar.revisit_s, radar.scan_offset_s
    k0 = math.ceil((t0_s - offset) / period - _SCAN_EDGE_TOLERANCE)
    k1 = math.floor((t1_s - offset) / period + _SCAN_EDGE_TOLERANCE)
    if k1 < k0:
        return np.empty(0)
    return np.clip(offset + period * np.arange(k0, k1 + 1, dtype=float), t0_s, t1_s)
