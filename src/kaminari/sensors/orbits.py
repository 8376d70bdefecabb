"""Satellite orbits for a space-based tracking layer, and which satellites see a point.

Two kinds of constellation give the same interface, ``positions(t_s) -> (N_sat, K, 3)`` and
``states(t_s) -> (r, v)``, ECEF (WGS84) metres and metres per second at times ``t_s`` (K,) in
seconds after the scenario epoch:

- ``WalkerDelta``: a Walker delta pattern i:t/p/f (J. G. Walker, "Satellite constellations",
  J. British Interplanetary Society 37, 1984, pp. 559-572): t = p s satellites on circular
  orbits of one altitude and inclination, p planes whose ascending nodes are spaced 360/p deg,
  s satellites per plane spaced 360/s deg in argument of latitude, and satellites of adjacent
  planes offset by f 360/t deg. Each orbit is two-body motion plus the J2 secular rates of the
  node and of the argument of latitude (D. A. Vallado, "Fundamentals of Astrodynamics and
  Applications", 4th ed., 2013, sec. 9.6, eq. 9-41, with e = 0 and p = a):

      dOmega/dt = -3/2 n J2 (R/a)^2 cos i,
      du/dt     = n + 3/4 n J2 (R/a)^2 (4 - 5 sin^2 i) + 3/4 n J2 (R/a)^2 (2 - 3 sin^2 i),

  with n = sqrt(GM / a^3) the mean motion of the mean semi-major axis a = R + altitude
  (R the WGS84 equatorial radius). These are mean elements; the osculating ones add the
  first-order short-period J2 terms of Brouwer (1959) with Lyddane's (1963) variables, as
  written for SGP4 in F. R. Hoots and R. L. Roehrich, "Models for Propagation of NORAD
  Element Sets", Spacetrack Report No. 3, 1980, "short period periodics" (also Vallado 2013
  sec. 9.7), here with e = 0 (p = a, beta = 1), k = J2/2 (R/a)^2 and u the mean argument of
  latitude:

      r         = a (1 - 3/2 k (3 cos^2 i - 1)) + 1/2 a k sin^2 i cos 2u,
      u_osc     = u - 1/4 k (7 cos^2 i - 1) sin 2u,
      Omega_osc = Omega + 3/2 k cos i sin 2u,
      i_osc     = i + 3/2 k cos i sin i cos 2u,

  some 2.5 km at 53 deg and 5.8 km at 97 deg at 1,000 km; the position is r along the
  direction of (u_osc, Omega_osc, i_osc). The velocity is the exact time derivative of that
  position (d(2u)/dt the secular rate of u): its radial and transverse parts are the
  report's rdot = -n a k sin^2 i sin 2u and r udot = n a (1 + k sin^2 i cos 2u
  + 3/2 k (3 cos^2 i - 1)) to first order in J2, and the normal part of the periodic node and
  inclination rates cancels that of the secular node rate to that order. Against SGP4 with
  the same mean elements and zonal (J3 = J4 = 0) at 1,000 km and 53-97 deg, the positions
  agree within 30 m and the velocities within 3 cm/s over an hour (``tests/test_orbits.py``;
  nearer the equator SGP4's J2^2 secular rates, which this model leaves out, draw it some
  200 m away in an hour at 0 deg). ``short_period=False`` gives the mean orbit, of radius a.
  The orbits are propagated in the inertial frame of ``kaminari.earth.frames`` (ECI = ECEF
  turned by the Earth rotation angle, IERS 2010 eq. 5.15) and turned into ECEF; the node of
  plane 0 is at ``raan0_deg`` in that frame at the epoch. The ECEF velocity is the time
  derivative of the ECEF position, which is the inertial velocity turned into ECEF minus
  omega x r.
- ``TleSet`` (``read_tle``): two-line element sets propagated with SGP4 (the ``sgp4`` package,
  the Vallado-Crawford-Hujsak-Kelso 2006 code, ``SatrecArray`` for the batch; WGS72 constants,
  which the elements are fitted with), whose TEME output is turned into ECEF here: rotation by
  the Greenwich mean sidereal time of IAU 1982 (``gmst82_rad``; Vallado 2013 eq. 3-47 and
  sec. 3.7, "teme2ecef"), polar motion neglected (under 20 m at the surface), UT1 = UTC.

Visibility (``in_view``, ``sees_ground_point``, ``count_in_view``) is geometric: a satellite
sees a point when the angle off its geocentric nadir is within the sensor's limit and the line
of sight does not pass below a grazing surface, the WGS84 ellipsoid inflated by a grazing height
(semi-axes a + h, b + h; h = 0 is the solid Earth). A ground point is seen above a minimum
elevation over its geodetic horizon. Everything is batched over satellites and times, with no
Python loop over either.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sgp4.api import Satrec, SatrecArray
from sgp4.exporter import export_tle

from kaminari.earth.constants import (
    DEG,
    GM_M3PS2,
    J2,
    OMEGA_EARTH_RPS,
    WGS84_A_M,
    WGS84_B_M,
)
from kaminari.earth.frames import geodetic2ecef, geodetic_up
from kaminari.earth.time import JD_J2000, earth_rotation_angle, julian_date
from kaminari.errors import UserInputError

__all__ = [
    "ERA_RATE_RPS",
    "TleSet",
    "WalkerDelta",
    "count_in_view",
    "gmst82_rad",
    "in_view",
    "read_tle",
    "sees_ground_point",
    "teme_to_ecef",
]

Array = NDArray[np.float64]

ERA_RATE_RPS = 2.0 * math.pi * 1.00273781191135448 / 86_400.0
"""Rate of the Earth rotation angle, rad/s (IERS Conventions 2010, eq. 5.15)."""

_UNIX_EPOCH_JD = 2_440_587.5


def _times(t_s: ArrayLike) -> Array:
    t = np.asarray(t_s, dtype=float)
    if t.ndim > 1:
        raise ValueError(f"t_s: times must be a scalar or a 1-D array, got shape {t.shape}")
    return np.atleast_1d(t)


@dataclass(frozen=True)
class WalkerDelta:
    """A Walker delta pattern i:t/p/f (module docstring); satellites plane by plane:
    satellite ``j * sats_per_plane + k`` is the k-th of plane j.

    ``altitude_km`` is above the WGS84 equatorial radius (a = R + h); ``phasing`` f is an
    integer in [0, planes - 1]; ``epoch`` is the scenario epoch (UTC), at which plane j's node
    is at ``raan0_deg + j 360 / planes`` and satellite (j, k) at argument of latitude
    ``k 360 / s + j f 360 / t`` (mean elements); ``j2`` 0 gives pure two-body motion;
    ``short_period`` adds the first-order short-period J2 terms (Hoots and Roehrich 1980,
    module docstring) to the positions and velocities, False gives the mean orbit.
    """

    altitude_km: float
    inclination_deg: float
    planes: int
    sats_per_plane: int
    phasing: int
    epoch: dt.datetime
    raan0_deg: float = 0.0
    j2: float = J2
    short_period: bool = True
    _raan0: Array = field(init=False, repr=False, compare=False)
    _u0: Array = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("planes", "sats_per_plane", "phasing"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise ValueError(f"{name}: must be an integer, got {value!r}")
        if self.planes < 1:
            raise ValueError(f"planes: must be at least 1, got {self.planes}")
        if self.sats_per_plane < 1:
            raise ValueError(f"sats_per_plane: must be at least 1, got {self.sats_per_plane}")
        if not 0 <= self.phasing < self.planes:
            raise ValueError(
                f"phasing: must be an integer in [0, planes - 1] = [0, {self.planes - 1}], "
                f"got {self.phasing}"
            )
        if not (math.isfinite(self.inclination_deg) and 0.0 <= self.inclination_deg <= 180.0):
            raise ValueError(f"inclination_deg: must be in [0, 180], got {self.inclination_deg}")
        if not (math.isfinite(self.altitude_km) and self.altitude_km > 0.0):
            raise ValueError(f"altitude_km: must be positive, got {self.altitude_km}")
        if not math.isfinite(self.raan0_deg):
            raise ValueError(f"raan0_deg: must be finite, got {self.raan0_deg}")
        p, s = self.planes, self.sats_per_plane
        j, k = np.divmod(np.arange(p * s), s)
        raan0 = self.raan0_deg * DEG + j * (2.0 * math.pi / p)
        u0 = k * (2.0 * math.pi / s) + j * (self.phasing * 2.0 * math.pi / (p * s))
        object.__setattr__(self, "_raan0", raan0)
        object.__setattr__(self, "_u0", u0)

    @property
    def n_sat(self) -> int:
        """Number of satellites t = planes x sats_per_plane."""
        return self.planes * self.sats_per_plane

    @property
    def semi_major_axis_m(self) -> float:
        """Mean semi-major axis a = WGS84 equatorial radius + altitude, m."""
        return WGS84_A_M + self.altitude_km * 1e3

    @property
    def mean_motion_rps(self) -> float:
        """Two-body mean motion sqrt(GM / a^3) of the mean semi-major axis, rad/s."""
        a = self.semi_major_axis_m
        return math.sqrt(GM_M3PS2 / (a * a * a))

    @property
    def raan_rate_rps(self) -> float:
        """Secular J2 rate of the right ascension of the ascending node, rad/s (Vallado 9-41)."""
        k = 1.5 * self.j2 * (WGS84_A_M / self.semi_major_axis_m) ** 2 * self.mean_motion_rps
        return -k * math.cos(self.inclination_deg * DEG)

    @property
    def arglat_rate_rps(self) -> float:
        """Secular rate of the argument of latitude u = omega + M, rad/s: n plus the J2 rates
        of omega, 3/4 n J2 (R/a)^2 (4 - 5 sin^2 i), and of M, 3/4 n J2 (R/a)^2 (2 - 3 sin^2 i)
        (Vallado 9-41, e = 0)."""
        n = self.mean_motion_rps
        k = 1.5 * self.j2 * (WGS84_A_M / self.semi_major_axis_m) ** 2 * n
        s2 = math.sin(self.inclination_deg * DEG) ** 2
        return n + 0.5 * k * (4.0 - 5.0 * s2) + 0.5 * k * (2.0 - 3.0 * s2)

    @property
    def raan0_rad(self) -> Array:
        """Each satellite's node at the epoch in the inertial frame, rad (N,)."""
        return self._raan0.copy()

    @property
    def arglat0_rad(self) -> Array:
        """Each satellite's argument of latitude at the epoch, rad (N,)."""
        return self._u0.copy()

    def _states(self, t: Array, theta0: float, theta_rate: float) -> tuple[Array, Array]:
        # Mean node longitude in the output frame, and mean argument of latitude, (N, K).
        lam_rate = self.raan_rate_rps - theta_rate
        u_rate = self.arglat_rate_rps
        lam = (self._raan0 - theta0)[:, None] + lam_rate * t[None, :]
        u = self._u0[:, None] + u_rate * t[None, :]
        inc0 = self.inclination_deg * DEG
        a = self.semi_major_axis_m
        # Osculating radius r, argument of latitude, node and inclination, and their time
        # derivatives (scalars for the mean orbit, (N, K) with the short-period terms).
        r: float | Array = a
        r_dot: float | Array = 0.0
        u_dot: float | Array = u_rate
        lam_dot: float | Array = lam_rate
        inc: float | Array = inc0
        inc_dot: float | Array = 0.0
        if self.short_period and self.j2 != 0.0:
            # Hoots and Roehrich (1980), "short period periodics", with e = 0 (p = a, beta = 1):
            # k = J2/2 (R/p)^2; the 2u terms are of the mean u, whose rate is u_rate.
            k = 0.5 * self.j2 * (WGS84_A_M / a) ** 2
            c, s = math.cos(inc0), math.sin(inc0)
            c2, s2 = c * c, s * s
            su0, cu0 = np.sin(u), np.cos(u)
            sin2u = 2.0 * su0 * cu0
            cos2u = 1.0 - 2.0 * su0 * su0
            w2 = 2.0 * u_rate  # d(2u)/dt
            r = a * (1.0 - 1.5 * k * (3.0 * c2 - 1.0)) + (0.5 * a * k * s2) * cos2u
            r_dot = (-0.5 * a * k * s2 * w2) * sin2u
            u = u - (0.25 * k * (7.0 * c2 - 1.0)) * sin2u
            u_dot = u_rate - (0.25 * k * (7.0 * c2 - 1.0) * w2) * cos2u
            lam = lam + (1.5 * k * c) * sin2u
            lam_dot = lam_rate + (1.5 * k * c * w2) * cos2u
            inc = inc0 + (1.5 * k * c * s) * cos2u
            inc_dot = (-1.5 * k * c * s * w2) * sin2u
        ci, si = np.cos(inc), np.sin(inc)
        cl, sl, cu, su = np.cos(lam), np.sin(lam), np.cos(u), np.sin(u)
        su_ci, cu_ci = su * ci, cu * ci
        # Unit vectors: radial (cl cu - sl su ci, sl cu + cl su ci, si su), its derivative in u
        # (transverse), and the orbit normal (sl si, -cl si, ci), whose multiple su is the
        # derivative of the radial one in i.
        ux, uy, uz = cl * cu - sl * su_ci, sl * cu + cl * su_ci, si * su
        pos = np.empty((*lam.shape, 3))
        vel = np.empty((*lam.shape, 3))
        pos[..., 0] = r * ux
        pos[..., 1] = r * uy
        pos[..., 2] = r * uz
        ru = r * u_dot
        vel[..., 0] = -lam_dot * pos[..., 1] - ru * (cl * su + sl * cu_ci)
        vel[..., 1] = lam_dot * pos[..., 0] + ru * (cl * cu_ci - sl * su)
        vel[..., 2] = ru * si * cu
        if self.short_period and self.j2 != 0.0:
            ri = r * inc_dot * su
            vel[..., 0] += r_dot * ux + ri * sl * si
            vel[..., 1] += r_dot * uy - ri * cl * si
            vel[..., 2] += r_dot * uz + ri * ci
        return pos, vel

    def states(self, t_s: ArrayLike) -> tuple[Array, Array]:
        """ECEF positions and velocities, each (N, K, 3), at ``t_s`` (K,) s after the epoch."""
        theta0 = float(earth_rotation_angle(julian_date(self.epoch)))
        return self._states(_times(t_s), theta0, ERA_RATE_RPS)

    def positions(self, t_s: ArrayLike) -> Array:
        """ECEF positions (N, K, 3) in m at ``t_s`` (K,) s after the epoch."""
        return self.states(t_s)[0]

    def inertial_states(self, t_s: ArrayLike) -> tuple[Array, Array]:
        """Positions and velocities (N, K, 3) in the inertial frame of ``earth.frames``."""
        return self._states(_times(t_s), 0.0, 0.0)


def gmst82_rad(jd_ut1: ArrayLike, fraction: ArrayLike = 0.0) -> Array:
    """Greenwich mean sidereal time of IAU 1982 in radians, [0, 2 pi), at the UT1 Julian date
    ``jd_ut1 + fraction`` (split for precision).

    Vallado (2013) eq. 3-47: GMST = 67,310.54841 s + (876,600 h + 8,640,184.812866 s) T
    + 0.093104 s T^2 - 6.2e-6 s T^3, T Julian centuries of UT1 since J2000. The 876,600 h T
    term is 86,400 s times the days since J2000, whose whole days drop out modulo a day.
    """
    jd = np.asarray(jd_ut1, dtype=float)
    fr = np.asarray(fraction, dtype=float)
    days = (jd - JD_J2000) + fr
    t = days / 36_525.0
    day_part = np.mod(jd - JD_J2000, 1.0) + np.mod(fr, 1.0)
    seconds = (
        67_310.54841 + 86_400.0 * day_part + t * (8_640_184.812866 + t * (0.093104 - 6.2e-6 * t))
    )
    return 2.0 * math.pi * np.mod(seconds / 86_400.0, 1.0)


def teme_to_ecef(r_teme: ArrayLike, v_teme: ArrayLike, gmst_rad: ArrayLike) -> tuple[Array, Array]:
    """ECEF position and velocity (..., 3) of TEME ones at GMST ``gmst_rad`` (broadcast over
    the batch axes): r = R3(gmst) r_teme, v = R3(gmst) v_teme - omega x r (Vallado 2013
    sec. 3.7; polar motion neglected, so this is the pseudo-Earth-fixed frame, within about
    20 m of ECEF at the surface)."""
    r = np.asarray(r_teme, dtype=float)
    v = np.asarray(v_teme, dtype=float)
    theta = np.asarray(gmst_rad, dtype=float)
    c, s = np.cos(theta), np.sin(theta)
    r_e = np.empty(np.broadcast_shapes(r.shape, (*theta.shape, 3)))
    v_e = np.empty_like(r_e)
    r_e[..., 0] = c * r[..., 0] + s * r[..., 1]
    r_e[..., 1] = -s * r[..., 0] + c * r[..., 1]
    r_e[..., 2] = r[..., 2]
    v_e[..., 0] = c * v[..., 0] + s * v[..., 1] + OMEGA_EARTH_RPS * r_e[..., 1]
    v_e[..., 1] = -s * v[..., 0] + c * v[..., 1] - OMEGA_EARTH_RPS * r_e[..., 0]
    v_e[..., 2] = v[..., 2]
    return r_e, v_e


def _split_julian(epoch: dt.datetime) -> tuple[float, float]:
    """The epoch's Julian date as a whole part (ending in .5, a midnight) and a day fraction."""
    if epoch.tzinfo is None:
        epoch = epoch.replace(tzinfo=dt.UTC)
    stamp = epoch.timestamp()
    days = math.floor(stamp / 86_400.0)
    return _UNIX_EPOCH_JD + days, (stamp - days * 86_400.0) / 86_400.0


@dataclass(frozen=True, eq=False)
class TleSet:
    """Satellites from two-line element sets, propagated with SGP4 (module docstring); build
    it with ``read_tle``. Where SGP4 reports an error (a decayed orbit) the state is NaN."""

    names: tuple[str, ...]
    satnums: tuple[str, ...]
    epoch: dt.datetime
    satrecs: tuple[Satrec, ...] = field(repr=False)
    _array: SatrecArray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_array", SatrecArray(list(self.satrecs)))

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        """Pickled as its element sets' two lines (SGP4's ``Satrec`` does not pickle), so that
        a campaign's worker processes can take a TLE layer."""
        lines = tuple(export_tle(s) for s in self.satrecs)
        return (_tle_set, (self.names, self.satnums, self.epoch, lines))


    @property
    def n_sat(self) -> int:
        return len(self.satrecs)

    def teme_states(self, t_s: ArrayLike) -> tuple[Array, Array, Array, Array]:
        """SGP4's TEME positions and velocities (N, K, 3) in m and m/s, its error codes (N, K)
        and the GMST (K,) at ``t_s`` (K,) s after the epoch."""
        t = _times(t_s)
        jd0, fr0 = _split_julian(self.epoch)
        fr = fr0 + t / 86_400.0
        whole = np.floor(fr)
        jd = jd0 + whole
        fr = fr - whole
        err, r_km, v_kmps = self._array.sgp4(jd, fr)
        bad = err != 0
        r = np.where(bad[..., None], np.nan, r_km * 1e3)
        v = np.where(bad[..., None], np.nan, v_kmps * 1e3)
        return r, v, err, gmst82_rad(jd, fr)

    def states(self, t_s: ArrayLike) -> tuple[Array, Array]:
        """ECEF positions and velocities, each (N, K, 3), at ``t_s`` (K,) s after the epoch."""
        r, v, _, gmst = self.teme_states(t_s)
        return teme_to_ecef(r, v, gmst[None, :])

    def positions(self, t_s: ArrayLike) -> Array:
        """ECEF positions (N, K, 3) in m at ``t_s`` (K,) s after the epoch."""
        return self.states(t_s)[0]


_TLE_ALLOWED = "a text file of two-line element sets, each optionally after a name line"



def _tle_set(
    names: tuple[str, ...],
    satnums: tuple[str, ...],
    epoch: dt.datetime,
    lines: tuple[tuple[str, str], ...],
) -> TleSet:
    """A ``TleSet`` again from its pickled lines."""
    return TleSet(names, satnums, epoch, tuple(Satrec.twoline2rv(a, b) for a, b in lines))


def _tle_checksum(line: str) -> int:
    """The modulo-10 checksum of a TLE line's first 68 columns: digits count their value,
    a minus sign counts 1 (NORAD two-line element format, column 69)."""
    return sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68]) % 10


def _check_tle_line(path: str, number: int, line: str, which: str) -> None:
    if len(line) < 69:
        raise UserInputError(
            path, number, None, f"TLE line {which} has {len(line)} characters, not 69", _TLE_ALLOWED
        )
    if not line[68].isdigit():
        raise UserInputError(
            path,
            number,
            None,
            f"TLE line {which}: column 69 is not a checksum digit",
            _TLE_ALLOWED,
        )
    computed = _tle_checksum(line)
    if computed != int(line[68]):
        raise UserInputError(
            path,
            number,
            None,
            f"TLE line {which}: checksum {line[68]} does not match the computed {computed}",
            _TLE_ALLOWED,
        )


def read_tle(path: str | os.PathLike[str], epoch: dt.datetime) -> TleSet:
    """Read a file of two-line element sets (each may follow a name line, with or without the
    "0 " of the three-line format) into a ``TleSet`` on the scenario clock that starts at
    ``epoch``. Any problem is a one-line ``UserInputError`` naming the file and the line."""
    shown = os.fspath(path)
    try:
        with open(path, encoding="ascii") as file:
            text = file.read()
    except FileNotFoundError:
        raise UserInputError(shown, None, None, "no such file", _TLE_ALLOWED) from None
    except IsADirectoryError:
        raise UserInputError(
            shown, None, None, "is a directory, not a file", _TLE_ALLOWED
        ) from None
    except PermissionError:
        raise UserInputError(shown, None, None, "permission denied", _TLE_ALLOWED) from None
    except UnicodeDecodeError as err:
        message = f"not ASCII text (byte {err.start})"
        raise UserInputError(shown, None, None, message, _TLE_ALLOWED) from None
    except OSError as err:
        raise UserInputError(shown, None, None, err.strerror or str(err), _TLE_ALLOWED) from None

    lines = [(i + 1, raw.rstrip()) for i, raw in enumerate(text.splitlines()) if raw.strip()]
    names: list[str] = []
    satnums: list[str] = []
    satrecs: list[Satrec] = []
    i = 0
    while i < len(lines):
        number, line = lines[i]
        name = ""
        if not line.startswith("1 "):
            if line.startswith("2 "):
                raise UserInputError(
                    shown, number, None, "TLE line 2 without a line 1 before it", _TLE_ALLOWED
                )
            name = line[2:].strip() if line.startswith("0 ") else line.strip()
            i += 1
            if i >= len(lines) or not lines[i][1].startswith("1 "):
                at = lines[i][0] if i < len(lines) else number
                raise UserInputError(
                    shown, at, None, f"expected TLE line 1 after the name {name!r}", _TLE_ALLOWED
                )
            number, line = lines[i]
        if i + 1 >= len(lines) or not lines[i + 1][1].startswith("2 "):
            at = lines[i + 1][0] if i + 1 < len(lines) else number
            raise UserInputError(shown, at, None, "expected TLE line 2", _TLE_ALLOWED)
        number2, line2 = lines[i + 1]
        _check_tle_line(shown, number, line, "1")
        _check_tle_line(shown, number2, line2, "2")
        if line[2:7] != line2[2:7]:
            raise UserInputError(
                shown,
                number2,
                None,
                f"TLE line 2 is for satellite {line2[2:7].strip()}, line 1 for {line[2:7].strip()}",
                _TLE_ALLOWED,
            )
        try:
            sat = Satrec.twoline2rv(line, line2)
        except (ValueError, IndexError) as err:
            raise UserInputError(
                shown,
                number,
                None,
                f"TLE at lines {number}-{number2} not readable: {err}",
                _TLE_ALLOWED,
            ) from None
        if sat.error != 0:
            raise UserInputError(
                shown,
                number,
                None,
                f"SGP4 rejects the TLE at lines {number}-{number2} (error {sat.error})",
                _TLE_ALLOWED,
            )
        names.append(name or line[2:7].strip())
        satnums.append(line[2:7].strip())
        satrecs.append(sat)
        i += 2
    if not satrecs:
        raise UserInputError(shown, None, None, "no two-line element set found", _TLE_ALLOWED)
    return TleSet(tuple(names), tuple(satnums), epoch, tuple(satrecs))


def in_view(
    sat_r: ArrayLike,
    target_r: ArrayLike,
    max_off_nadir_rad: float,
    grazing_alt_m: float = 0.0,
) -> NDArray[np.bool_]:
    """Whether satellites at ECEF ``sat_r`` (N, K, 3) see points at ECEF ``target_r`` (K, 3)
    (or anything that broadcasts): (N, K) booleans.

    Seen: the point lies within ``max_off_nadir_rad`` of the satellite's geocentric nadir
    (the geodetic nadir differs by at most 0.19 deg), and the line of sight does not pass below
    the grazing surface, the WGS84 ellipsoid with semi-axes a + h and b + h, h =
    ``grazing_alt_m``, between the satellite and the point. Scaling x and y by 1 / (a + h) and
    z by 1 / (b + h) makes that surface the unit sphere and keeps the segment straight; the
    segment's point nearest the centre is then inside the sphere only where it lies strictly
    between its ends, i.e. where the satellite is below the point's geocentric horizon (a
    point below the grazing height seen from above is seen against the Earth).
    """
    s = np.asarray(sat_r, dtype=float)
    p = np.asarray(target_r, dtype=float)
    d = p - s
    dd = np.einsum("...i,...i->...", d, d)
    ss = np.einsum("...i,...i->...", s, s)
    cos_off = -np.einsum("...i,...i->...", d, s) / np.sqrt(dd * ss)
    within = cos_off >= math.cos(max_off_nadir_rad)
    scale = np.array(
        [
            1.0 / (WGS84_A_M + grazing_alt_m),
            1.0 / (WGS84_A_M + grazing_alt_m),
            1.0 / (WGS84_B_M + grazing_alt_m),
        ]
    )
    s_u = s * scale
    d_u = d * scale
    dd_u = np.einsum("...i,...i->...", d_u, d_u)
    lam = -np.einsum("...i,...i->...", s_u, d_u) / dd_u
    nearest = s_u + lam[..., None] * d_u
    blocked = (lam > 0.0) & (lam < 1.0) & (np.einsum("...i,...i->...", nearest, nearest) < 1.0)
    return within & ~blocked


def sees_ground_point(
    sat_r: ArrayLike,
    lat_rad: float,
    lon_rad: float,
    alt_m: float = 0.0,
    min_elevation_rad: float = 0.0,
    max_off_nadir_rad: float = math.pi,
) -> NDArray[np.bool_]:
    """Whether satellites at ECEF ``sat_r`` (N, K, 3) see a ground point: (N, K) booleans.

    Seen: the satellite is at least ``min_elevation_rad`` above the point's geodetic horizon
    (the plane normal to the ellipsoid) and the point within ``max_off_nadir_rad`` of the
    satellite's geocentric nadir. At an elevation of 0 or more the line of sight cannot cross
    the ellipsoid (it is convex), so no limb test is needed.
    """
    s = np.asarray(sat_r, dtype=float)
    g = geodetic2ecef(lat_rad, lon_rad, alt_m)
    up = geodetic_up(lat_rad, lon_rad)
    d = s - g
    dn = np.sqrt(np.einsum("...i,...i->...", d, d))
    sin_el = (d @ up) / dn
    cos_off = np.einsum("...i,...i->...", d, s) / (dn * np.linalg.norm(s, axis=-1))
    return (sin_el >= math.sin(min_elevation_rad)) & (cos_off >= math.cos(max_off_nadir_rad))


def count_in_view(
    sat_r: ArrayLike,
    lat_rad: float,
    lon_rad: float,
    alt_m: float = 0.0,
    min_elevation_rad: float = 0.0,
    max_off_nadir_rad: float = math.pi,
) -> NDArray[np.int64]:
    """Number of satellites (K,) that see a ground point at each time (``sees_ground_point``)."""
    seen = sees_ground_point(sat_r, lat_rad, lon_rad, alt_m, min_elevation_rad, max_off_nadir_rad)
    return seen.sum(axis=0, dtype=np.int64)
