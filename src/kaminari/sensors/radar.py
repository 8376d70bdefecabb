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

A radar is either a fixed-probability radar (the default: ``detection_probability`` per look
out to ``max_range_m``, noise ``sigma_*``) or, when its reference performance is given
(``snr_ref_db`` at ``range_ref_m`` against ``rcs_ref_m2``, with ``pfa``), a radar-equation
radar: each look's signal-to-noise ratio is

    SNR = SNR_ref (sigma / sigma_ref) (R_ref / R)^4

(the radar range equation written relative to a reference, Skolnik, "Introduction to Radar
Systems", 3rd ed., 2001, ch. 2 "The radar equation"; Richards, "Fundamentals of Radar Signal
Processing", 2005, ch. 2), its detection probability follows from SNR, Pfa and the target's
Swerling case (``detection_probability_of_snr``), its measurement noise grows as SNR falls
(``Radar.noise_sigma``) and its false alarms follow from Pfa and the resolution cells it
searches (``Radar.mean_false_alarms``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.earth.constants import WGS84_A_M, WGS84_E2
from kaminari.earth.frames import (
    aer2ecef,
    ecef2aer,
    ecef2enu,
    ecef2geodetic,
    enu2aer,
    enu2ecef,
    geodetic2ecef,
    geodetic_up,
)
from kaminari.sensors.base import Report
from kaminari.streams import Streams
from kaminari.tracking.measurement import RangeAzimuthElevation

__all__ = [
    "MONOPULSE_SLOPE",
    "SPEED_OF_LIGHT_MPS",
    "Radar",
    "RcsTable",
    "albersheim_snr",
    "aspect_rad",
    "detection_probability_of_snr",
    "false_alarms",
    "scan_times",
    "snr_for_detection_probability",
    "visible",
    "visible_fraction",
]

Array = NDArray[np.float64]

SPEED_OF_LIGHT_MPS = 299_792_458.0
"""Speed of light in vacuum, m/s (exact, SI definition of the metre, BIPM SI Brochure 2019)."""

MONOPULSE_SLOPE = 1.6
"""k_m, the normalised monopulse slope in sigma_angle = beamwidth / (k_m sqrt(2 SNR)): about 1.6
for a monopulse antenna (D. K. Barton, "Radar System Analysis and Modeling", Artech House 2005,
angle measurement; also Richards, Scheer & Holm (eds.), "Principles of Modern Radar: Basic
Principles", 2010, the chapter on radar measurements)."""

DEFAULT_BEAMWIDTH_RAD = math.radians(1.0)
"""Half-power beamwidth of a radar-equation radar when none is given: 1 deg (own choice, a
typical large ground search-and-track radar; docs/assumptions.md)."""

DEFAULT_RANGE_RESOLUTION_M = 150.0
"""Range resolution of a radar-equation radar when none is given: 150 m, c / (2 B) for a 1 MHz
bandwidth (own choice; docs/assumptions.md)."""

SWERLING_CASES = (0, 1, 3)
"""The target fluctuation models a radar-equation radar knows (single look, square-law
detection): 0 steady, 1 Rayleigh (chi-square, 2 dof), 3 one dominant plus Rayleigh
(chi-square, 4 dof)."""

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
    spread uniformly over the volume the radar can see (``false_alarms``); None (what a
    scenario's radar-equation radar that leaves it out gets): Pfa times the resolution cells
    searched for a radar-equation radar, 0 for a fixed-probability one (``mean_false_alarms``).

    The radar equation is on when ``snr_ref_db``, ``range_ref_m``, ``rcs_ref_m2`` and ``pfa``
    are given (all four or none): ``detection_probability`` is then unused, ``swerling`` (0, 1
    or 3) is the targets' fluctuation model, and the sigmas are the floors of the noise, added
    in quadrature to the thermal part that grows as SNR falls (``noise_sigma``), which uses
    ``beamwidth_rad`` and ``range_resolution_m``.

    Registration errors (all zero by default: a registered radar, ``registered``, whose
    detections are bit for bit those of a radar without these fields):

    - ``bias_range_m``, ``bias_az_rad``, ``bias_el_rad``: constant biases added to every
      detection of a threat, after the noise (azimuth then wrapped into [0, 2 pi)). False
      alarms are not biased: they lie uniformly in the volume seen, so a shift of it changes
      nothing a tracker could tell.
    - ``site_error_enu_m``: where the antenna really is relative to its surveyed (believed)
      site ``lat_rad``, ``lon_rad``, ``alt_m``, as (east, north, up) metres in the believed
      site's local frame. A threat's range, azimuth and elevation are then taken from the true
      site, in the believed site's east-north-up axes translated there (a pure translation:
      the antenna is levelled and aligned as at the believed site; a tilt or a north
      misalignment is the angle biases' business; the true site's own axes would be tilted
      by about the offset over the Earth's radius, 1.6e-5 rad per 100 m, and turned in
      azimuth by the meridian convergence, east offset tan(lat) / N, 1.1e-5 rad per 100 m
      east at 35 deg).
      Everything else stays on the believed site: ``measurement_model`` (what the tracker is
      told), ``site_ecef``, coverage (``covers``, ``visible``), the SNR's range and the false
      alarms; the error is metres to a few hundred metres, against ranges of hundreds of km.
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
    false_alarms_per_scan: float | None = 0.0
    snr_ref_db: float | None = None
    range_ref_m: float | None = None
    rcs_ref_m2: float | None = None
    pfa: float | None = None
    swerling: int = 1
    beamwidth_rad: float = DEFAULT_BEAMWIDTH_RAD
    range_resolution_m: float = DEFAULT_RANGE_RESOLUTION_M
    bias_range_m: float = 0.0
    bias_az_rad: float = 0.0
    bias_el_rad: float = 0.0
    site_error_enu_m: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def __post_init__(self) -> None:
        try:
            site_error = tuple(float(v) for v in self.site_error_enu_m)
        except (TypeError, ValueError):
            site_error = ()
        if len(site_error) != 3 or not all(math.isfinite(v) for v in site_error):
            raise ValueError(
                f"Radar {self.name!r}: site_error_enu_m must be three finite numbers (east, "
                f"north, up metres), got {self.site_error_enu_m!r}"
            )
        object.__setattr__(self, "site_error_enu_m", site_error)  # a list in, a hashable tuple
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
            ("beamwidth_rad", 0 < self.beamwidth_rad < math.pi, "in (0, pi)"),
            ("range_resolution_m", self.range_resolution_m > 0, "> 0"),
        ]
        for field_name in ("bias_range_m", "bias_az_rad", "bias_el_rad"):
            value = getattr(self, field_name)
            if not math.isfinite(value):
                raise ValueError(
                    f"Radar {self.name!r}: {field_name} must be finite, got {value!r}"
                )
        if self.false_alarms_per_scan is not None:
            checks.append(("false_alarms_per_scan", self.false_alarms_per_scan >= 0, ">= 0"))
        reference = (self.snr_ref_db, self.range_ref_m, self.rcs_ref_m2, self.pfa)
        if any(v is not None for v in reference) and any(v is None for v in reference):
            raise ValueError(
                f"Radar {self.name!r}: snr_ref_db, range_ref_m, rcs_ref_m2 and pfa go together "
                "(all four or none)"
            )
        if self.radar_equation:
            checks += [
                ("snr_ref_db", abs(self.snr_ref_db or 0.0) < 400, "in (-400, 400) dB"),
                ("range_ref_m", (self.range_ref_m or 0.0) > 0, "> 0"),
                ("rcs_ref_m2", (self.rcs_ref_m2 or 0.0) > 0, "> 0"),
                ("pfa", 0 < (self.pfa or 0.0) < 1, "in (0, 1)"),
            ]
        if self.swerling not in SWERLING_CASES:
            raise ValueError(
                f"Radar {self.name!r}: swerling must be 0, 1 or 3, got {self.swerling!r}"
            )
        for field_name, ok, allowed in checks:
            value = getattr(self, field_name)
            if not (ok and math.isfinite(value)):
                raise ValueError(
                    f"Radar {self.name!r}: {field_name} must be finite and {allowed}, got {value!r}"
                )

    def site_ecef(self) -> NDArray[np.float64]:
        """The believed (surveyed) site, ECEF (3,), m (read-only; computed once per radar)."""
        return _site_frame(self)[0]

    @property
    def registered(self) -> bool:
        """Whether the radar has no registration error (biases and site error all zero)."""
        return (
            self.bias_range_m == 0.0
            and self.bias_az_rad == 0.0
            and self.bias_el_rad == 0.0
            and not any(self.site_error_enu_m)
        )

    def antenna_ecef(self) -> NDArray[np.float64]:
        """Where the antenna really is, ECEF (3,), m: the believed site plus ``site_error_enu_m``
        in the believed site's east-north-up frame."""
        return enu2ecef(self.site_error_enu_m, self.lat_rad, self.lon_rad, self.alt_m)

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
        return self.mean_false_alarms > 0.0

    # --- the radar equation ---

    @property
    def radar_equation(self) -> bool:
        """Whether detection and noise follow the radar equation (the reference is given)."""
        return self.snr_ref_db is not None

    def snr(self, range_m: ArrayLike, rcs_m2: ArrayLike = 1.0) -> Array:
        """Single-look SNR (a power ratio, not dB) at slant ranges ``range_m`` against radar
        cross-sections ``rcs_m2`` (broadcast): SNR_ref (rcs / rcs_ref) (R_ref / R)^4."""
        if not self.radar_equation:
            raise ValueError(f"Radar {self.name!r} has no radar equation (no snr_ref_db)")
        r = np.asarray(range_m, dtype=float)
        snr_ref = 10.0 ** (float(self.snr_ref_db or 0.0) / 10.0)
        ratio = np.asarray(rcs_m2, dtype=float) / float(self.rcs_ref_m2 or 1.0)
        with np.errstate(divide="ignore"):
            return snr_ref * ratio * (float(self.range_ref_m or 0.0) / r) ** 4

    def look_probability(self, range_m: ArrayLike, rcs_m2: ArrayLike = 1.0) -> Array:
        """Probability that one look detects a target in view at ``range_m`` with ``rcs_m2``:
        ``detection_probability`` for a fixed-probability radar, else from the SNR."""
        if not self.radar_equation:
            shape = np.broadcast_shapes(np.shape(range_m), np.shape(rcs_m2))
            return np.full(shape, self.detection_probability)
        return detection_probability_of_snr(
            self.snr(range_m, rcs_m2), float(self.pfa or 0.0), self.swerling
        )

    def noise_sigma(self, snr: ArrayLike) -> Array:
        """One-sigma noise (..., 3) of range (m), azimuth and elevation (rad) at SNRs (...,).

        Thermal parts: range resolution / sqrt(2 SNR) and beamwidth / (k_m sqrt(2 SNR)),
        k_m = ``MONOPULSE_SLOPE`` (Barton 2005; Richards, Scheer & Holm 2010, radar
        measurements); each added in quadrature to the radar's ``sigma_*``, its floor (the
        fixed random error that more signal does not remove). Azimuth and elevation are the
        angles in the two principal planes of the beam; the azimuth sigma is not divided by
        cos(elevation) (own choice, for the elevations a ground radar tracks at)."""
        s = np.asarray(snr, dtype=float)
        with np.errstate(divide="ignore"):
            inv = 1.0 / np.sqrt(2.0 * s)
        thermal = np.stack(
            [
                self.range_resolution_m * inv,
                self.beamwidth_rad / MONOPULSE_SLOPE * inv,
                self.beamwidth_rad / MONOPULSE_SLOPE * inv,
            ],
            axis=-1,
        )
        floor = np.array([self.sigma_range_m, self.sigma_az_rad, self.sigma_el_rad])
        return np.sqrt(thermal**2 + floor**2)

    def resolution_cells(self) -> float:
        """Resolution cells searched per scan: range cells (max_range / range resolution) times
        beam positions (the solid angle above ``min_elevation_rad``, 2 pi (1 - sin el_min),
        over a beam's beamwidth^2)."""
        range_cells = self.max_range_m / self.range_resolution_m
        solid_angle = 2.0 * math.pi * (1.0 - math.sin(self.min_elevation_rad))
        return range_cells * solid_angle / self.beamwidth_rad**2

    @property
    def mean_false_alarms(self) -> float:
        """Mean false alarms per scan: ``false_alarms_per_scan`` where given; else Pfa times
        ``resolution_cells`` for a radar-equation radar (each cell's noise crosses the
        threshold independently with probability Pfa), 0 for a fixed-probability radar."""
        if self.false_alarms_per_scan is not None:
            return self.false_alarms_per_scan
        if self.radar_equation:
            return float(self.pfa or 0.0) * self.resolution_cells()
        return 0.0

    def measurement_model(self) -> RangeAzimuthElevation:
        return _measurement_model(self)

    def measure(
        self,
        t_s: float,
        r_true: Array,
        exists: NDArray[np.bool_],
        draws: Streams,
        rcs_m2: ArrayLike | None = None,
    ) -> Report:
        """Detections of threats at ``r_true`` (R, T, 3), or (T, 3) when every replication
        shares it, that exist where ``exists`` (R, T), then false alarms (``false_alarms``),
        merged in replication order. ``rcs_m2``: the threats' radar cross-sections, (T,) or
        (R, T) (None: 1 m^2 each); only a radar-equation radar uses it.

        Draws (``streams.Streams``, common random numbers): each from the radar's own streams
        of this scan, keyed by its name and ``t_s``, draw by draw by (replication, threat): a
        uniform per threat for detection, three normals per threat for its noise, and the false
        alarms' own (``false_alarms``). A threat's detection and noise in a replication
        therefore do not depend on the other threats, sensors or weapons. Registration errors
        (``Radar``) shift the threats' detections, not the false alarms, and draw nothing."""
        part = f"radar:{self.name}@{t_s!r}"
        alive = np.asarray(exists, dtype=bool)
        n_reps, n_threats = alive.shape
        r = np.asarray(r_true, dtype=float)
        shared = r.ndim == 2  # (T, 3): the same truth in every replication
        alive = alive & np.isfinite(r[..., 0])
        hit = np.zeros((n_reps, n_threats), dtype=bool)
        snr: Array | None = None
        if alive.any():
            seen = self.covers(np.nan_to_num(r)) & np.isfinite(r[..., 0])
            u = draws.uniform(
                part + ":pd", np.arange(n_reps)[:, None], np.arange(n_threats)[None, :]
            )
            if self.radar_equation:
                rep_c, label_c = np.nonzero(alive & seen)
                r_c = r[label_c] if shared else r[rep_c, label_c]
                rcs = np.broadcast_to(
                    np.asarray(1.0 if rcs_m2 is None else rcs_m2, dtype=float),
                    (n_reps, n_threats),
                )[rep_c, label_c]
                snr_c = self.snr(np.linalg.norm(r_c - self.site_ecef(), axis=-1), rcs)
                pd_c = detection_probability_of_snr(snr_c, float(self.pfa or 0.0), self.swerling)
                hit[rep_c, label_c] = u[rep_c, label_c] < pd_c
                snr_grid = np.zeros((n_reps, n_threats))
                snr_grid[rep_c, label_c] = snr_c
            else:
                hit = alive & seen & (u < self.detection_probability)
        rep, label = np.nonzero(hit)
        if self.radar_equation and rep.size:
            snr = snr_grid[rep, label]
        sigma = self.noise_sigma(snr) if snr is not None else None
        noise = draws.normal(part + ":noise", rep[:, None], 3 * label[:, None] + np.arange(3))
        z = _noisy_rae(self, r[label] if shared else r[rep, label], noise, sigma)
        if self.clutter:
            fa_rep, fa_z = false_alarms(self, draws, part + ":clutter")
            rep = np.concatenate([rep, fa_rep])
            label = np.concatenate([label, np.full(fa_rep.size, -1)])
            z = np.concatenate([z, fa_z])
            order = np.argsort(rep, kind="stable")
            rep, label, z = rep[order], label[order], z[order]
        return Report(rep=rep.astype(np.int64), z=z, label=label.astype(np.int64))

    def measurement_covariance(self) -> NDArray[np.float64]:
        """Covariance (3, 3) of a (range, azimuth, elevation) measurement, as the tracker is
        told it: the sigmas for a fixed-probability radar; for a radar-equation radar the noise
        at the SNR where one look detects with probability 0.5 (``noise_sigma``), the noise of
        a detection near the edge of its reach (the tracker takes one covariance per sensor:
        own choice, pessimistic for near, strong targets)."""
        if self.radar_equation:
            snr50 = snr_for_detection_probability(0.5, float(self.pfa or 0.0), self.swerling)
            return np.diag(self.noise_sigma(snr50) ** 2)
        return np.diag([self.sigma_range_m**2, self.sigma_az_rad**2, self.sigma_el_rad**2])

    def local_earth_radius_m(self) -> float:
        """Gaussian mean radius of curvature sqrt(M N) of the WGS84 ellipsoid at the site, m.

        M and N are the meridian and prime-vertical radii of curvature, so sqrt(M N) =
        a sqrt(1 - e^2) / (1 - e^2 sin^2 lat) (NIMA TR8350.2, sec. 4 / any geodesy text):
        6,356.8 km at the equator, 6,399.6 km at the poles.
        """
        s2 = math.sin(self.lat_rad) ** 2
        return WGS84_A_M * math.sqrt(1.0 - WGS84_E2) / (1.0 - WGS84_E2 * s2)


@functools.cache
def _site_frame(radar: Radar) -> tuple[Array, Array]:
    """The believed site (ECEF, m) and its ellipsoid normal, read-only: asked every scan, the
    same for a radar's whole life."""
    site = geodetic2ecef(radar.lat_rad, radar.lon_rad, radar.alt_m)
    up = np.asarray(geodetic_up(radar.lat_rad, radar.lon_rad), dtype=float)
    site.flags.writeable = False
    up.flags.writeable = False
    return site, up


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
    up_site = _site_frame(radar)[1]
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


def _noisy_rae(radar: Radar, r: Array, noise: Array, sigma: Array | None = None) -> Array:
    """Range, azimuth in [0, 2 pi), elevation (M, 3) of positions (M, 3) plus Gaussian noise
    ``noise`` (M, 3) (standard normals) of one-sigma ``sigma`` (M, 3) (None: the radar's
    sigmas), plus the radar's biases; seen from the antenna's true site in the believed site's
    axes (``Radar``, registration errors)."""
    if any(radar.site_error_enu_m):
        enu = ecef2enu(r, radar.lat_rad, radar.lon_rad, radar.alt_m)
        aer = enu2aer(enu - np.asarray(radar.site_error_enu_m))
    else:  # the registered path, untouched: bit for bit what it always gave
        aer = ecef2aer(r, radar.lat_rad, radar.lon_rad, radar.alt_m)
    if sigma is None:
        sigma = np.array([radar.sigma_range_m, radar.sigma_az_rad, radar.sigma_el_rad])
    z = np.stack([aer.range_m, aer.az_rad, aer.el_rad], axis=-1) + noise * sigma
    bias = (radar.bias_range_m, radar.bias_az_rad, radar.bias_el_rad)
    if any(bias):
        z = z + np.asarray(bias)
    az = np.mod(z[:, 1], 2.0 * np.pi)
    z[:, 1] = np.where(az >= 2.0 * np.pi, 0.0, az)  # mod of a tiny negative angle gives 2 pi
    return z


_VOLUME_SAMPLES = 20_000


@functools.cache
def visible_fraction(radar: Radar) -> float:
    """The share of the ball of radius ``max_range_m`` about the site that the radar can see
    (``visible``), by Monte Carlo with a fixed seed: 20,000 points, a standard error below
    0.4 % (absolute)."""
    u = np.random.default_rng(20_261_202).random((3, _VOLUME_SAMPLES))
    return float(np.mean(visible(radar, _uniform_ball(radar, u))))


def _uniform_ball(radar: Radar, u: Array) -> Array:
    """Points (n, 3) uniform in the ball of radius ``max_range_m`` about the site from
    uniforms ``u`` (3, n): radius R u0^(1/3), direction uniform on the sphere (azimuth
    uniform, sin(elevation) uniform on [-1, 1])."""
    rng_m = radar.max_range_m * np.cbrt(u[0])
    az = 2.0 * np.pi * u[1]
    el = np.arcsin(2.0 * u[2] - 1.0)
    return aer2ecef(az, el, rng_m, radar.lat_rad, radar.lon_rad, radar.alt_m)


def false_alarms(
    radar: Radar, draws: Streams, part: str
) -> tuple[NDArray[np.int64], Array]:
    """False alarms of one scan in each of the replications of ``draws``: their replication
    (ascending) and measurement (range, azimuth, elevation) (F, 3). Replication r's count is
    uniform 0 of its stream of ``part`` inverted, its j-th point's uniforms 1 + 3 j to 3 + 3 j.

    Each replication's count is Poisson with mean ``Radar.mean_false_alarms``, and each false
    alarm lies uniformly in the volume the radar can see: a Poisson number of points with mean
    false_alarms_per_scan / ``visible_fraction`` is drawn uniformly in the ball of radius
    ``max_range_m`` and those it cannot see are dropped, which leaves a Poisson process of the
    stated mean on the visible volume (thinning; e.g. S. N. Chiu et al., "Stochastic Geometry
    and its Applications", 3rd ed., Wiley 2013, sec. 2.4). A false alarm is reported where it
    lies, without further noise (its position is random already)."""
    fraction = visible_fraction(radar)
    mean = radar.mean_false_alarms
    if fraction <= 0.0 or mean <= 0.0:
        return np.empty(0, dtype=np.int64), np.empty((0, 3))
    counts = draws.poisson(part, np.arange(draws.n_reps), 0, mean / fraction)
    rep = np.repeat(np.arange(draws.n_reps), counts)
    j = np.arange(rep.size) - np.repeat(np.cumsum(counts) - counts, counts)  # within its rep
    u = draws.uniform(part, rep[None, :], 1 + 3 * j[None, :] + np.arange(3)[:, None])
    pts = _uniform_ball(radar, u)
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


# --- detection probability against SNR ---------------------------------------------------


def detection_probability_of_snr(snr: ArrayLike, pfa: float, swerling: int) -> Array:
    """Single-look detection probability of a square-law detector at mean SNR ``snr`` (power
    ratio, (...,)), false-alarm probability ``pfa`` and Swerling case 0, 1 or 3.

    The threshold on the noise-normalised power is T = -ln Pfa (Pfa = exp(-T) for noise alone).

    - Swerling 0 (steady target): Pd = Q1(sqrt(2 SNR), sqrt(2 T)), the Marcum Q function,
      evaluated as the survival function of a noncentral chi-square with 2 degrees of freedom
      and noncentrality 2 SNR at 2 T (Richards, "Fundamentals of Radar Signal Processing",
      2005, ch. 6, detection of a nonfluctuating target; Marcum 1960).
    - Swerling 1 (chi-square, 2 dof): Pd = Pfa^(1 / (1 + SNR)) (Richards 2005, ch. 6, the
      Swerling 1 single-pulse result; DiFranco & Rubin, "Radar Detection", 1968).
    - Swerling 3 (chi-square, 4 dof): Pd = exp(-T / (1 + SNR/2)) (1 + 2 SNR T / (2 + SNR)^2)
      (Richards 2005, ch. 6, Swerling 3 single pulse; DiFranco & Rubin 1968). Derivation: the
      detector output's moment-generating function averaged over a 4-dof chi-square SNR is
      (1 - s) / (1 - s b)^2 with b = 1 + SNR/2, a mixture of exponential (weight 1/b) and
      2-dof gamma laws of scale b, whose survival at T is the expression above.
    """
    s = np.maximum(np.asarray(snr, dtype=float), 0.0)
    if not 0.0 < pfa < 1.0:
        raise ValueError(f"pfa must be in (0, 1), got {pfa!r}")
    t = -math.log(pfa)
    if swerling == 1:
        return np.asarray(pfa ** (1.0 / (1.0 + s)), dtype=float)
    if swerling == 3:
        b = 1.0 + s / 2.0
        return np.asarray(np.exp(-t / b) * (1.0 + 2.0 * s * t / (2.0 + s) ** 2), dtype=float)
    if swerling == 0:
        from scipy.stats import ncx2  # numerics only when a steady target is asked for

        out = np.where(np.isinf(s), 1.0, ncx2.sf(2.0 * t, 2.0, 2.0 * np.where(np.isinf(s), 0, s)))
        return np.asarray(out, dtype=float)
    raise ValueError(f"swerling must be 0, 1 or 3, got {swerling!r}")


@functools.cache
def snr_for_detection_probability(pd: float, pfa: float, swerling: int) -> float:
    """The single-look SNR (power ratio) at which ``detection_probability_of_snr`` is ``pd``
    (Pfa < pd < 1), by Brent's method on the SNR in dB."""
    from scipy.optimize import brentq

    if not pfa < pd < 1.0:
        raise ValueError(f"pd must be in (pfa, 1), got {pd!r} with pfa {pfa!r}")

    def miss(snr_db: float) -> float:
        return float(detection_probability_of_snr(10.0 ** (snr_db / 10.0), pfa, swerling)) - pd

    return 10.0 ** (brentq(miss, -60.0, 120.0, xtol=1e-10) / 10.0)


def albersheim_snr(pd: ArrayLike, pfa: ArrayLike, n: int = 1) -> Array:
    """Albersheim's approximation of the SNR (power ratio) that a steady target needs for
    detection probability ``pd`` at false-alarm probability ``pfa`` after noncoherent
    integration of ``n`` looks (W. J. Albersheim, "A closed-form approximation to Robertson's
    detection characteristics", Proc. IEEE 69(7), 1981; as in Richards 2005, ch. 6):
    SNR_dB = -5 log10 n + (6.2 + 4.54 / sqrt(n + 0.44)) log10(A + 0.12 A B + 1.7 B),
    A = ln(0.62 / Pfa), B = ln(Pd / (1 - Pd)); stated for 0.1 <= Pd <= 0.9 and
    1e-7 <= Pfa <= 1e-3."""
    p = np.asarray(pd, dtype=float)
    a = np.log(0.62 / np.asarray(pfa, dtype=float))
    b = np.log(p / (1.0 - p))
    snr_db = -5.0 * math.log10(n) + (6.2 + 4.54 / math.sqrt(n + 0.44)) * np.log10(
        a + 0.12 * a * b + 1.7 * b
    )
    return np.asarray(10.0 ** (snr_db / 10.0), dtype=float)


@dataclass(frozen=True)
class RcsTable:
    """A threat's radar cross-section against aspect: ``m2`` at ``aspect_deg`` (ascending
    from 0, nose-on, to at most 180, tail-on), interpolated linearly in decibels between them
    and held beyond the ends. The aspect is the angle between the threat's velocity and the
    line from the threat to the radar (a body of revolution about its velocity: roll and the
    angle of attack left out)."""

    aspect_deg: tuple[float, ...]
    m2: tuple[float, ...]

    def __post_init__(self) -> None:
        a = np.asarray(self.aspect_deg, dtype=float)
        m = np.asarray(self.m2, dtype=float)
        if a.ndim != 1 or a.size < 1 or a.shape != m.shape:
            raise ValueError("aspect_deg and m2: one value each, at least one pair")
        if np.any(np.diff(a) <= 0) or a[0] < 0 or a[-1] > 180:
            raise ValueError(f"aspect_deg: ascending within [0, 180], got {list(a)}")
        if np.any(m <= 0) or not np.all(np.isfinite(m)):
            raise ValueError(f"m2: positive, got {list(m)}")

    def at(self, aspect_rad: ArrayLike) -> Array:
        """m^2 at aspects (any shape), rad."""
        db = 10.0 * np.log10(np.asarray(self.m2, dtype=float))
        x = np.degrees(np.asarray(aspect_rad, dtype=float))
        return 10.0 ** (np.interp(x, np.asarray(self.aspect_deg, dtype=float), db) / 10.0)


def aspect_rad(site_ecef: ArrayLike, r_ecef: ArrayLike, v_ecef: ArrayLike) -> Array:
    """Angle between each threat's velocity (..., 3) and its line of sight to a radar at
    ``site_ecef`` (3,), rad: 0 nose-on."""
    r = np.asarray(r_ecef, dtype=float)
    v = np.asarray(v_ecef, dtype=float)
    los = np.asarray(site_ecef, dtype=float) - r
    c = np.einsum("...i,...i->...", los, v) / (
        np.linalg.norm(los, axis=-1) * np.maximum(np.linalg.norm(v, axis=-1), 1e-9)
    )
    return np.arccos(np.clip(c, -1.0, 1.0))
