"""Coordinate frames on the WGS84 ellipsoid, batched.

Every function takes arrays with any leading batch axes and broadcasts them; vectors carry their
three components on the last axis. Angles are radians, lengths metres.

Frames:
- geodetic: latitude, longitude, height above the WGS84 ellipsoid;
- ECEF: Earth-centred, Earth-fixed (WGS84), the working frame of kaminari;
- ENU: local east-north-up at a reference point, and its spherical form AER
  (azimuth clockwise from north, elevation above the local horizontal plane, slant range);
- ECI: an Earth-centred inertial frame that differs from ECEF by the Earth rotation angle only
  (no precession, nutation or polar motion; UT1 is taken equal to UTC). Over a scenario of an
  hour this is what matters for dynamics; it is *not* GCRF, and orbits propagated from TLEs
  must not be compared with it to better than a few kilometres.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import guvectorize, njit
from numpy.typing import ArrayLike, NDArray

from kaminari.earth.constants import OMEGA_EARTH_RPS, WGS84_A_M, WGS84_B_M, WGS84_E2, WGS84_EP2

__all__ = [
    "AER",
    "Geodetic",
    "aer2enu",
    "altitude_and_up",
    "aer2ecef",
    "ecef2aer",
    "ecef2eci",
    "ecef2enu",
    "ecef2geodetic",
    "eci2ecef",
    "enu2aer",
    "enu2ecef",
    "enu_rotation",
    "geodetic2ecef",
    "geodetic_up",
]

Array = NDArray[np.float64]


class Geodetic(NamedTuple):
    """Geodetic coordinates: latitude and longitude in radians, height above the ellipsoid in m."""

    lat_rad: Array
    lon_rad: Array
    alt_m: Array


class AER(NamedTuple):
    """Azimuth (clockwise from north) and elevation in radians, slant range in m."""

    az_rad: Array
    el_rad: Array
    range_m: Array


def geodetic2ecef(lat_rad: ArrayLike, lon_rad: ArrayLike, alt_m: ArrayLike) -> Array:
    """ECEF position (..., 3) in m of geodetic coordinates (closed form, NIMA TR8350.2 eq. 4-14)."""
    lat = np.asarray(lat_rad, dtype=float)
    lon = np.asarray(lon_rad, dtype=float)
    h = np.asarray(alt_m, dtype=float)
    slat, clat = np.sin(lat), np.cos(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * slat * slat)
    rho = (n + h) * clat
    return np.stack(
        np.broadcast_arrays(
            rho * np.cos(lon), rho * np.sin(lon), (n * (1.0 - WGS84_E2) + h) * slat
        ),
        axis=-1,
    )


@njit(cache=True, inline="always")
def _geodetic_kernel(x: float, y: float, z: float) -> tuple[float, float, float, float]:
    """(height, sin lat, cos lat, distance from the axis) of one ECEF point.

    Bowring's method with his improved starting parametric latitude and one iteration
    (B. R. Bowring, "Transformation from spatial to geographical coordinates", Survey Review
    23(181), 1976; "The accuracy of geodetic latitude and height equations", Survey Review
    28(218), 1985), written with square roots only. Against the exact solution it is better than
    1e-8 m in height and 1e-10 rad in latitude from -1 km to 2,000 km (tests/test_earth_frames.py
    checks it); the height formula h = p cos(lat) + z sin(lat) - a sqrt(1 - e^2 sin^2(lat)) is
    stable at the poles and the equator alike.
    """
    a, b = WGS84_A_M, WGS84_B_M
    p2 = x * x + y * y
    p = math.sqrt(p2)
    r = math.sqrt(p2 + z * z)  # not from p: the two square roots run side by side
    pp = max(p, 1e-9)
    # Bowring's starting parametric latitude, tan(beta) = (z/p)(b/a)(1 + e'^2 b / r), held as
    # the pair (zb, pb) = r p (sin, cos of beta) |(zb, pb)|; the terms of the latitude are then
    # scaled by |(zb, pb)|^3, and the height by the hypotenuse: one division, at the end (the
    # chain of dependent square roots and divisions is what a flight's evaluation waits on).
    zb = z * (b / a) * (r + WGS84_EP2 * b)
    pb = pp * r
    q2 = pb * pb + zb * zb
    q3 = q2 * math.sqrt(q2)
    num = z * q3 + (WGS84_EP2 * b) * (zb * zb * zb)
    den = p * q3 - (WGS84_E2 * a) * (pb * pb * pb)
    inv = 1.0 / math.sqrt(num * num + den * den)
    slat, clat = num * inv, den * inv
    # h = p cos(lat) + z sin(lat) - a sqrt(1 - e^2 sin^2(lat)), over the common denominator
    h = (p * den + z * num - a * math.sqrt(den * den + (1.0 - WGS84_E2) * num * num)) * inv
    return h, slat, clat, pp


@guvectorize(
    ["void(f8, f8, f8, f8[:], f8[:], f8[:])"], "(),(),()->(),(),()", nopython=True, cache=True
)
def _geodetic_ufunc(x, y, z, lat, lon, h):  # type: ignore[no-untyped-def]
    h[0], slat, clat, _ = _geodetic_kernel(x, y, z)
    lat[0] = math.atan2(slat, clat)
    lon[0] = math.atan2(y, x)


@guvectorize(
    ["void(f8, f8, f8, f8[:], f8[:], f8[:], f8[:])"],
    "(),(),()->(),(),(),()",
    nopython=True,
    cache=True,
)
def _altitude_and_up_ufunc(x, y, z, h, ux, uy, uz):  # type: ignore[no-untyped-def]
    h[0], slat, clat, p = _geodetic_kernel(x, y, z)
    ux[0] = clat * x / p
    uy[0] = clat * y / p
    uz[0] = slat


def ecef2geodetic(r_ecef: ArrayLike) -> Geodetic:
    """Geodetic coordinates of ECEF positions (..., 3); see ``_geodetic_kernel`` for the method
    and its accuracy."""
    r = np.asarray(r_ecef, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):  # NaN in (a stopped flight), NaN out
        lat, lon, h = _geodetic_ufunc(r[..., 0], r[..., 1], r[..., 2])
    return Geodetic(lat, lon, h)


def altitude_and_up(x: ArrayLike, y: ArrayLike, z: ArrayLike) -> tuple[Array, Array, Array, Array]:
    """Height above the ellipsoid and the unit ellipsoid normal (ux, uy, uz) at ECEF components.

    The integrator's fast path: separate component arrays in and out (they broadcast), no
    trigonometry; same method as ``ecef2geodetic``.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        return _altitude_and_up_ufunc(x, y, z)


def enu_rotation(lat_rad: ArrayLike, lon_rad: ArrayLike) -> Array:
    """Rotation (..., 3, 3) whose rows are the local east, north and up unit vectors in ECEF.

    ``enu = R @ d_ecef`` and ``d_ecef = R.T @ enu``.
    """
    lat = np.asarray(lat_rad, dtype=float)
    lon = np.asarray(lon_rad, dtype=float)
    slat, clat = np.sin(lat), np.cos(lat)
    slon, clon = np.sin(lon), np.cos(lon)
    zero = np.zeros_like(slat * slon)
    east = np.stack(np.broadcast_arrays(-slon, clon, zero), axis=-1)
    north = np.stack(np.broadcast_arrays(-slat * clon, -slat * slon, clat), axis=-1)
    up = np.stack(np.broadcast_arrays(clat * clon, clat * slon, slat), axis=-1)
    return np.stack([east, north, up], axis=-2)


def geodetic_up(lat_rad: ArrayLike, lon_rad: ArrayLike) -> Array:
    """Unit ellipsoid normal (local up) in ECEF, (..., 3)."""
    lat = np.asarray(lat_rad, dtype=float)
    lon = np.asarray(lon_rad, dtype=float)
    clat = np.cos(lat)
    return np.stack(np.broadcast_arrays(clat * np.cos(lon), clat * np.sin(lon), np.sin(lat)), -1)


def ecef2enu(
    r_ecef: ArrayLike, lat0_rad: ArrayLike, lon0_rad: ArrayLike, alt0_m: ArrayLike
) -> Array:
    """East-north-up position (..., 3) of ECEF points relative to a geodetic reference point."""
    origin = geodetic2ecef(lat0_rad, lon0_rad, alt0_m)
    rot = enu_rotation(lat0_rad, lon0_rad)
    return np.einsum("...ij,...j->...i", rot, np.asarray(r_ecef, dtype=float) - origin)


def enu2ecef(enu: ArrayLike, lat0_rad: ArrayLike, lon0_rad: ArrayLike, alt0_m: ArrayLike) -> Array:
    """ECEF position (..., 3) of an east-north-up offset from a geodetic reference point."""
    origin = geodetic2ecef(lat0_rad, lon0_rad, alt0_m)
    rot = enu_rotation(lat0_rad, lon0_rad)
    return origin + np.einsum("...ji,...j->...i", rot, np.asarray(enu, dtype=float))


def enu2aer(enu: ArrayLike) -> AER:
    """Azimuth in [0, 2 pi), elevation and slant range of east-north-up vectors (..., 3)."""
    e = np.asarray(enu, dtype=float)
    east, north, up = e[..., 0], e[..., 1], e[..., 2]
    horizontal = np.hypot(east, north)
    az = np.mod(np.arctan2(east, north), 2.0 * np.pi)
    return AER(az, np.arctan2(up, horizontal), np.hypot(horizontal, up))


def aer2enu(az_rad: ArrayLike, el_rad: ArrayLike, range_m: ArrayLike) -> Array:
    """East-north-up vector (..., 3) of azimuth, elevation and slant range."""
    az = np.asarray(az_rad, dtype=float)
    el = np.asarray(el_rad, dtype=float)
    rng = np.asarray(range_m, dtype=float)
    horizontal = rng * np.cos(el)
    return np.stack(
        np.broadcast_arrays(horizontal * np.sin(az), horizontal * np.cos(az), rng * np.sin(el)),
        axis=-1,
    )


def ecef2aer(r_ecef: ArrayLike, lat0_rad: ArrayLike, lon0_rad: ArrayLike, alt0_m: ArrayLike) -> AER:
    """Azimuth, elevation and slant range of ECEF points seen from a geodetic site."""
    return enu2aer(ecef2enu(r_ecef, lat0_rad, lon0_rad, alt0_m))


def aer2ecef(
    az_rad: ArrayLike,
    el_rad: ArrayLike,
    range_m: ArrayLike,
    lat0_rad: ArrayLike,
    lon0_rad: ArrayLike,
    alt0_m: ArrayLike,
) -> Array:
    """ECEF position (..., 3) of a point at azimuth, elevation and range from a geodetic site."""
    return enu2ecef(aer2enu(az_rad, el_rad, range_m), lat0_rad, lon0_rad, alt0_m)


def _rot_z(angle_rad: ArrayLike) -> Array:
    ang = np.asarray(angle_rad, dtype=float)
    c, s = np.cos(ang), np.sin(ang)
    zero, one = np.zeros_like(c), np.ones_like(c)
    return np.stack(
        [np.stack([c, -s, zero], -1), np.stack([s, c, zero], -1), np.stack([zero, zero, one], -1)],
        axis=-2,
    )


def ecef2eci(r_ecef: ArrayLike, v_ecef: ArrayLike, era_rad: ArrayLike) -> tuple[Array, Array]:
    """Inertial position and velocity (each (..., 3)) of ECEF ones at Earth rotation angle ``era``.

    The inertial velocity adds the Earth's rotation: v_i = R (v_e + omega x r_e).
    """
    r = np.asarray(r_ecef, dtype=float)
    v = np.asarray(v_ecef, dtype=float)
    omega = np.array([0.0, 0.0, OMEGA_EARTH_RPS])
    rot = _rot_z(era_rad)
    r_i = np.einsum("...ij,...j->...i", rot, r)
    v_i = np.einsum("...ij,...j->...i", rot, v + np.cross(omega, r))
    return r_i, v_i


def eci2ecef(r_eci: ArrayLike, v_eci: ArrayLike, era_rad: ArrayLike) -> tuple[Array, Array]:
    """ECEF position and velocity (each (..., 3)) of inertial ones; the inverse of ecef2eci."""
    rot_t = np.swapaxes(_rot_z(era_rad), -1, -2)
    r_e = np.einsum("...ij,...j->...i", rot_t, np.asarray(r_eci, dtype=float))
    v_rot = np.einsum("...ij,...j->...i", rot_t, np.asarray(v_eci, dtype=float))
    omega = np.array([0.0, 0.0, OMEGA_EARTH_RPS])
    return r_e, v_rot - np.cross(omega, r_e)
