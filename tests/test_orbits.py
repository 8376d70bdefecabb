"""Satellite orbits (``kaminari.sensors.orbits``): Walker patterns, TLEs and visibility.

Authorities: SGP4 (the ``sgp4`` package, Vallado et al. 2006) run independently for the J2
model (secular rates and first-order short-period terms) and for TLEs; scipy's ``solve_ivp``
for two-body motion; pymap3d's GMST rotation (Vallado eq. 3-47) for TEME to ECEF; pymap3d's
``ecef2aer`` and the spherical-cap area for visibility; Walker (1984) for the pattern itself.
"""

from __future__ import annotations

import datetime as dt
import math
import time

import numpy as np
import pymap3d
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq
from sgp4.api import WGS72, SatrecArray
from sgp4.api import Satrec as ApiSatrec
from sgp4.earth_gravity import EarthGravity
from sgp4.model import Satrec as PySatrec
from sgp4.propagation import sgp4, sgp4init

from kaminari.earth.constants import GM_M3PS2, J2, MEAN_RADIUS_M, WGS84_A_M
from kaminari.earth.frames import eci2ecef
from kaminari.earth.time import earth_rotation_angle, julian_date
from kaminari.errors import UserInputError
from kaminari.sensors.orbits import (
    WalkerDelta,
    count_in_view,
    gmst82_rad,
    in_view,
    read_tle,
    sees_ground_point,
)

EPOCH = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


def _walker(**kw: object) -> WalkerDelta:
    args: dict[str, object] = dict(
        altitude_km=1000.0,
        inclination_deg=53.0,
        planes=4,
        sats_per_plane=7,
        phasing=1,
        epoch=EPOCH,
    )
    args.update(kw)
    return WalkerDelta(**args)  # type: ignore[arg-type]


def test_walker_pattern_layout() -> None:
    """Walker (1984): nodes 360/p apart, 360/s in plane, f 360/t between adjacent planes;
    circular mean orbits of radius a = R + h. The osculating radius differs from a by the
    short-period J2 terms, at most J2/2 (R/a)^2 a (3/2 |3 cos^2 i - 1| + 1/2 sin^2 i)
    (Hoots and Roehrich 1980, e = 0)."""
    w = _walker(short_period=False)
    raan = w.raan0_rad.reshape(4, 7)
    u = w.arglat0_rad.reshape(4, 7)
    np.testing.assert_allclose(np.diff(raan[:, 0]), 2 * math.pi / 4)
    np.testing.assert_allclose(np.diff(u, axis=1), 2 * math.pi / 7)
    np.testing.assert_allclose(np.diff(u[:, 0]), 1 * 2 * math.pi / 28)
    r = w.positions(np.linspace(0.0, 7000.0, 50))
    np.testing.assert_allclose(np.linalg.norm(r, axis=-1), WGS84_A_M + 1e6, rtol=1e-12)
    a = WGS84_A_M + 1e6
    k = 0.5 * J2 * (WGS84_A_M / a) ** 2
    c2 = math.cos(math.radians(53.0)) ** 2
    bound = k * a * (1.5 * abs(3.0 * c2 - 1.0) + 0.5 * (1.0 - c2))
    dr = np.linalg.norm(_walker().positions(np.linspace(0.0, 7000.0, 50)), axis=-1) - a
    assert np.abs(dr).max() <= bound * (1.0 + 1e-9)
    assert np.abs(dr).max() > 0.5 * bound


def _sgp4_gravity_j2_only() -> EarthGravity:
    """SGP4's gravity with kaminari's GM, equatorial radius and J2, and J3 = J4 = 0, so that it
    carries the same zonal as the model under test (with WGS84's J3, SGP4 adds the J3
    long-period eccentricity, about 0.0008 at 1,000 km and 53 deg, which moves the satellite
    some 12 km along track: a different force model, not an error)."""
    mu_km = GM_M3PS2 / 1e9
    r_km = WGS84_A_M / 1e3
    xke = 60.0 / math.sqrt(r_km**3 / mu_km)
    return EarthGravity(1.0 / xke, mu_km, r_km, xke, J2, 0.0, 0.0, 0.0)


def _kozai_mean_motion(n_brouwer_rpmin: float, inc: float, xke: float) -> float:
    """The Kozai mean motion that SGP4's initialisation turns into ``n_brouwer`` (Hoots and
    Roehrich, Spacetrack Report No. 3, 1980, the "un-Kozai" step), found by root finding."""

    def unkozai(nk: float) -> float:
        ak = (xke / nk) ** (2.0 / 3.0)
        d1 = 0.75 * J2 * (3.0 * math.cos(inc) ** 2 - 1.0) / (1.0 - 1e-14) ** 1.5
        d = d1 / ak**2
        adel = ak * (1.0 - d * d - d * (1.0 / 3.0 + 134.0 * d * d / 81.0))
        return nk / (1.0 + d1 / adel**2)

    return brentq(
        lambda nk: unkozai(nk) - n_brouwer_rpmin,
        0.99 * n_brouwer_rpmin,
        1.01 * n_brouwer_rpmin,
        xtol=1e-18,
    )


@pytest.mark.parametrize("inc_deg", [53.0, 80.0, 97.0])
def test_walker_against_sgp4(inc_deg: float) -> None:
    """Authority: SGP4 (sgp4 package, Python version) initialised with each satellite's
    elements: e = 1e-7, no drag, the same inclination, node and argument of latitude, and the
    Kozai mean motion whose un-Kozai'd (Brouwer) value is the model's n; J3 = J4 = 0.

    SGP4's mean elements, propagated by its secular rates (J2 and J2^2), must agree with the
    model's node and argument of latitude to 30 m along the orbit over an hour. Both add the
    first-order short-period J2 terms (Brouwer 1959; SGP4's "short period periodics"), so
    the positions must agree within the issue's 1 km over an hour, and in fact within 100 m:
    what is left is the mean-element drift (under 30 m) and SGP4's terms of order J2^2 left
    out of the model (J2^2/4 (R/a)^4 a, about 1.2 m, times small coefficients; 24-29 m
    measured). The velocities must agree within n x 100 m = 0.1 m/s (0.02-0.03 m/s
    measured). The mean orbit alone (``short_period=False``) is 2.5 km and 2.9 m/s off at
    53 deg, 5.8 km and 7.2 m/s at 97 deg, so these bounds see the terms. The position
    difference must not grow: its largest value in the last quarter hour within 100 m of
    that in the first.
    """
    w = _walker(inclination_deg=inc_deg)
    grav = _sgp4_gravity_j2_only()
    t = np.arange(0.0, 3601.0, 30.0)
    r, v = w.inertial_states(t)
    r_mean, v_mean = _walker(inclination_deg=inc_deg, short_period=False).inertial_states(t)
    inc = math.radians(inc_deg)
    nk = _kozai_mean_motion(w.mean_motion_rps * 60.0, inc, grav.xke)
    a = w.semi_major_axis_m
    raan_t = w.raan0_rad[:, None] + w.raan_rate_rps * t
    u_t = w.arglat0_rad[:, None] + w.arglat_rate_rps * t
    worst_mean = 0.0
    r_sgp4 = np.empty((w.n_sat, t.size, 3))
    v_sgp4 = np.empty((w.n_sat, t.size, 3))
    for s in range(w.n_sat):
        sat = PySatrec()
        sgp4init(
            grav,
            "i",
            s,
            27_000.0,
            0.0,
            0.0,
            0.0,
            1e-7,
            0.0,
            inc,
            w.arglat0_rad[s],
            nk,
            w.raan0_rad[s],
            sat,
        )
        for k, tk in enumerate(t):
            r_km, v_kmps = sgp4(sat, tk / 60.0)
            r_sgp4[s, k] = np.asarray(r_km) * 1e3
            v_sgp4[s, k] = np.asarray(v_kmps) * 1e3
            d_node = math.remainder(sat.Om - raan_t[s, k], 2 * math.pi)
            d_u = math.remainder(sat.om + sat.mm - u_t[s, k], 2 * math.pi)
            worst_mean = max(worst_mean, a * abs(d_node) * math.sin(inc), a * abs(d_u))
    assert worst_mean < 30.0
    diffs = np.linalg.norm(r_sgp4 - r, axis=-1)
    dv = np.linalg.norm(v_sgp4 - v, axis=-1)
    assert diffs.max() < 1.0e3
    assert diffs.max() < 100.0
    assert dv.max() < w.mean_motion_rps * 100.0
    assert np.linalg.norm(r_sgp4 - r_mean, axis=-1).max() > 2.0e3
    assert np.linalg.norm(v_sgp4 - v_mean, axis=-1).max() > 2.0
    first, last = diffs[:, t < 900].max(), diffs[:, t > 2700].max()
    assert abs(last - first) < 100.0


@pytest.mark.parametrize("short_period", [True, False])
@pytest.mark.parametrize("inc_deg", [0.0, 53.0, 97.0, 150.0])
def test_walker_velocity_is_the_derivative(inc_deg: float, short_period: bool) -> None:
    """The inertial velocity, with or without the short-period terms, is the time derivative
    of the inertial position: against a central difference of step h = 0.5 s, whose own error
    h^2/6 n^3 a is about 0.3 mm/s at 1,000 km: within 1 mm/s."""
    w = _walker(inclination_deg=inc_deg, short_period=short_period)
    t = np.array([0.0, 321.0, 1234.5, 3600.0])
    _, v = w.inertial_states(t)
    h = 0.5
    dr = (w.inertial_states(t + h)[0] - w.inertial_states(t - h)[0]) / (2 * h)
    np.testing.assert_allclose(v, dr, atol=1e-3)


def test_walker_short_period_vanishes_without_j2() -> None:
    """With j2 = 0 the short-period terms are zero: the same states either way."""
    t = np.array([0.0, 100.0, 3600.0])
    r1, v1 = _walker(j2=0.0).states(t)
    r0, v0 = _walker(j2=0.0, short_period=False).states(t)
    np.testing.assert_array_equal(r1, r0)
    np.testing.assert_array_equal(v1, v0)


def test_walker_two_body_against_solve_ivp() -> None:
    """Authority: scipy's solve_ivp (DOP853, rtol 1e-12) on r'' = -GM r / |r|^3 from the
    model's own state at t = 0; with j2 = 0 the model is two-body motion: within 1 m over an
    hour."""
    w = _walker(j2=0.0)
    t = np.linspace(0.0, 3600.0, 61)
    r, v = w.inertial_states(t)

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        rr = y[:3]
        return np.concatenate([y[3:], -GM_M3PS2 * rr / np.linalg.norm(rr) ** 3])

    for s in (0, 11, 27):
        sol = solve_ivp(
            rhs,
            (0.0, 3600.0),
            np.concatenate([r[s, 0], v[s, 0]]),
            t_eval=t,
            method="DOP853",
            rtol=1e-12,
            atol=1e-6,
        )
        assert np.abs(sol.y[:3].T - r[s]).max() < 1.0


def test_walker_ecef_states() -> None:
    """Authority: ``kaminari.earth.frames.eci2ecef`` at the Earth rotation angle (IERS 2010
    eq. 5.15) of each time turns the inertial states into the ECEF ones (v - omega x r), and the
    ECEF velocity is the central difference of the ECEF positions."""
    w = _walker()
    t = np.array([0.0, 100.0, 1234.5, 3600.0])
    r_i, v_i = w.inertial_states(t)
    era = earth_rotation_angle(julian_date(EPOCH) + t / 86_400.0)
    r_e, v_e = eci2ecef(r_i, v_i, era[None, :])
    r, v = w.states(t)
    np.testing.assert_allclose(r, r_e, atol=0.05)
    np.testing.assert_allclose(v, v_e, atol=1e-4)
    h = 0.5
    dr = (w.positions(t + h) - w.positions(t - h)) / (2 * h)
    np.testing.assert_allclose(v, dr, atol=1e-3)


def test_walker_speed() -> None:
    """28 satellites at 3,600 one-second times, against a compiled peer in the same run: the
    ``sgp4`` package's C++ ``SatrecArray`` propagating the same 28 circular orbits (1,000 km,
    53 deg, 4 planes of 7) to the same times, in TEME only (kaminari's positions are ECEF,
    the Earth's rotation included). Best of 3 each, interleaved so that the machine's load
    falls on both: kaminari takes less time than SGP4 (measured 0.36-0.55 of it, about 30 ms
    against 80 ms on the 2-core development machine; an absolute bound of 50 ms failed once
    on a busy machine at 57 ms)."""
    w = _walker()
    t = np.arange(3600.0)
    n = math.sqrt(GM_M3PS2 / (WGS84_A_M + 1000e3) ** 3) * 60.0  # rad/min
    peer = SatrecArray([_circular_satrec(k, n) for k in range(28)])
    jd, fr = np.full(t.size, 2461041.5), t / 86_400.0
    ours = theirs = math.inf
    for _ in range(3):
        t0 = time.perf_counter()
        r = w.positions(t)
        ours = min(ours, time.perf_counter() - t0)
        t0 = time.perf_counter()
        err, r_peer, _ = peer.sgp4(jd, fr)
        theirs = min(theirs, time.perf_counter() - t0)
    assert r.shape == r_peer.shape == (28, 3600, 3) and not err.any()
    assert ours < theirs, (ours, theirs)


def _circular_satrec(k: int, n_rad_per_min: float) -> ApiSatrec:
    """Satellite k of the 4 x 7 Walker pattern as an SGP4 record (no drag)."""
    sat = ApiSatrec()
    sat.sgp4init(WGS72, "i", k, 27_000.0, 0.0, 0.0, 0.0, 1e-7, 0.0, math.radians(53.0),
                 math.radians(360.0 / 7.0 * (k % 7)), n_rad_per_min,
                 math.radians(90.0 * (k // 7)))  # fmt: skip
    return sat


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"planes": 0}, "planes"),
        ({"sats_per_plane": 0}, "sats_per_plane"),
        ({"inclination_deg": 181.0}, "inclination_deg"),
        ({"inclination_deg": -1.0}, "inclination_deg"),
        ({"phasing": 4}, "phasing"),
        ({"altitude_km": -5.0}, "altitude_km"),
        ({"planes": 2.5}, "planes"),
    ],
)
def test_walker_bad_input(change: dict[str, object], field: str) -> None:
    """Walker (1984): p >= 1, s >= 1, f in [0, p - 1]; inclination in [0, 180] deg."""
    with pytest.raises(ValueError, match=field) as err:
        _walker(**change)
    assert "\n" not in str(err.value)


def test_count_against_brute_force_elevations() -> None:
    """Authority: pymap3d's ecef2aer (its own WGS84 ENU) for the elevation of every satellite
    seen from a ground point, counted with numpy; and the off-nadir limit from the angle
    between the nadir and the line of sight."""
    w = _walker(planes=6, sats_per_plane=8, phasing=2)
    t = np.arange(0.0, 6000.0, 60.0)
    r = w.positions(t)
    lat, lon = 35.0, 139.0
    _, el, _ = pymap3d.ecef2aer(r[..., 0], r[..., 1], r[..., 2], lat, lon, 0.0)
    for min_el in (0.0, 10.0, 30.0):
        expect = (el >= min_el).sum(axis=0)
        got = count_in_view(r, math.radians(lat), math.radians(lon), 0.0, math.radians(min_el))
        assert np.array_equal(got, expect)
    g = np.array(pymap3d.geodetic2ecef(lat, lon, 0.0))
    d = g - r
    off = np.degrees(
        np.arccos(
            np.einsum("...i,...i", d, -r)
            / (np.linalg.norm(d, axis=-1) * np.linalg.norm(r, axis=-1))
        )
    )
    got = sees_ground_point(r, math.radians(lat), math.radians(lon), 0.0, 0.0, math.radians(40))
    assert np.array_equal(got, (el >= 0.0) & (off <= 40.0))
    assert got.any() and not got.all()


def test_mean_fraction_in_view_is_the_cap_area() -> None:
    """Authority: spherical geometry. Averaged over ground points spread uniformly over the
    sphere, each satellite is seen from the cap of Earth-central angle
    lambda = arccos(R cos(eps) / r) - eps, so the mean count is N (1 - cos lambda) / 2 for any
    constellation (Wertz and Larson, "Space Mission Analysis and Design", 3rd ed., sec. 5.2).
    The model uses the ellipsoid; within 2 % of the sphere's figure (mean radius)."""
    w = _walker(planes=5, sats_per_plane=6, phasing=1)
    r = w.positions(np.array([0.0, 1500.0, 3000.0]))
    rng = np.random.default_rng(7)
    n_pts = 3000
    z = rng.uniform(-1.0, 1.0, n_pts)
    lat = np.arcsin(z)
    lon = rng.uniform(-math.pi, math.pi, n_pts)
    eps = math.radians(10.0)
    counts = np.array([count_in_view(r, la, lo, 0.0, eps) for la, lo in zip(lat, lon, strict=True)])
    lam = math.acos(MEAN_RADIUS_M * math.cos(eps) / w.semi_major_axis_m) - eps
    expect = w.n_sat * (1.0 - math.cos(lam)) / 2.0
    assert counts.mean() == pytest.approx(expect, rel=0.02)


def test_limb_blocks_lines_through_the_earth() -> None:
    """Geometry: a satellite over the equator at 0 deg longitude sees a point at 100 km over
    the same spot, not one at 100 km over the antipode; a point 10 deg away at 100 km is seen,
    one 60 deg away at 0 km is beyond the limb; a grazing height above the tangent point
    blocks a ray that clears the ellipsoid."""
    a = WGS84_A_M
    sat = np.array([[[a + 1.0e6, 0.0, 0.0]]])

    def at(lon_deg: float, h: float) -> np.ndarray:
        lon = math.radians(lon_deg)
        return np.array([[(a + h) * math.cos(lon), (a + h) * math.sin(lon), 0.0]])

    wide = math.pi
    assert in_view(sat, at(0.0, 1e5), wide)[0, 0]
    assert not in_view(sat, at(180.0, 1e5), wide)[0, 0]
    assert in_view(sat, at(10.0, 1e5), wide)[0, 0]
    assert not in_view(sat, at(60.0, 0.0), wide)[0, 0]
    # Horizon of a 1,000 km satellite: arccos(a / (a + 1000 km)) = 30.0 deg of arc; a point at
    # 100 km and 35 deg is seen over the limb, with a 200 km grazing height it is not.
    assert in_view(sat, at(35.0, 1e5), wide)[0, 0]
    assert not in_view(sat, at(35.0, 1e5), wide, grazing_alt_m=2e5)[0, 0]
    # The off-nadir limit: 10 deg of arc away at 100 km is about 41 deg off nadir.
    assert not in_view(sat, at(10.0, 1e5), math.radians(30.0))[0, 0]


ISS_TLE = """ISS (ZARYA)
1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991
2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482
"""
"""The ISS elements of 9 December 2019 printed in the sgp4 package's documentation (PyPI)."""


def test_tle_against_sgp4_and_pymap3d(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Authority: sgp4 called directly on the same lines, and pymap3d's GMST rotation
    (``eci2ecef`` without astropy: Vallado eq. 3-47) from TEME to ECEF: within 1 m. Our GMST
    at the TLE epoch equals SGP4's own ``gsto`` (IAU 1982) to 1e-8 rad (SGP4 evaluates it at
    the epoch as one float Julian date, good to about 3e-9 rad)."""
    path = tmp_path / "iss.tle"
    path.write_text(ISS_TLE)
    epoch = dt.datetime(2019, 12, 9, 16, 0, tzinfo=dt.UTC)
    tle = read_tle(path, epoch)
    assert tle.names == ("ISS (ZARYA)",) and tle.satnums == ("25544",)
    t = np.array([0.0, 600.0, 3600.0, 86_400.0 + 17.25])
    r = tle.positions(t)
    lines = ISS_TLE.splitlines()
    sat = ApiSatrec.twoline2rv(lines[1], lines[2])
    assert gmst82_rad(sat.jdsatepoch, sat.jdsatepochF) == pytest.approx(sat.gsto, abs=1e-8)
    for k, tk in enumerate(t):
        when = epoch + dt.timedelta(seconds=float(tk))
        jd = julian_date(when)
        e, r_teme, _ = sat.sgp4(math.floor(jd), jd - math.floor(jd))
        assert e == 0
        x, y, z = pymap3d.eci.eci2ecef(*(np.asarray(r_teme) * 1e3), when, force_non_astropy=True)
        np.testing.assert_allclose(r[0, k], [x, y, z], atol=1.0)
    # The ISS flies at about 400 km, at 7.66 km/s inertial.
    alt = np.linalg.norm(r, axis=-1) - 6.371e6
    assert np.all((alt > 3.0e5) & (alt < 5.0e5))


def test_tle_velocity_is_the_derivative(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """ECEF velocity (v_teme turned, minus omega x r; Vallado sec. 3.7) against the central
    difference of the ECEF positions: they differ by no more than SGP4's own TEME velocity
    differs from the central difference of its TEME positions (about 0.016 m/s for the ISS:
    SGP4's velocity is not exactly the derivative of its position) plus 1 mm/s."""
    path = tmp_path / "iss.tle"
    path.write_text(ISS_TLE)
    tle = read_tle(path, dt.datetime(2019, 12, 9, 16, 0, tzinfo=dt.UTC))
    t = np.array([10.0, 2000.0])
    _, v = tle.states(t)
    dr = tle.positions(t + 0.5) - tle.positions(t - 0.5)
    _, v_teme, _, _ = tle.teme_states(t)
    dr_teme = tle.teme_states(t + 0.5)[0] - tle.teme_states(t - 0.5)[0]
    sgp4_own = np.linalg.norm(v_teme - dr_teme, axis=-1)
    assert np.all(np.linalg.norm(v - dr, axis=-1) <= sgp4_own + 1e-3)
    assert sgp4_own.max() < 0.05


def _with_checksum(first_68: str) -> str:
    """A TLE line with its NORAD checksum (digits, and 1 per minus sign, modulo 10)."""
    total = sum(int(c) if c.isdigit() else (c == "-") for c in first_68)
    return first_68 + str(total % 10)


def _garble(line_no: int, new: str) -> str:
    lines = ISS_TLE.splitlines()
    lines[line_no - 1] = new
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (_garble(2, ISS_TLE.splitlines()[1][:-1] + "0"), 2, "checksum"),
        (_garble(3, ISS_TLE.splitlines()[2][:40]), 3, "characters"),
        (_garble(3, "3 garbage"), 3, "expected TLE line 2"),
        ("", None, "no two-line element set"),
        (
            _garble(
                3,
                _with_checksum(
                    ISS_TLE.splitlines()[2][:8] + "5x.6439" + ISS_TLE.splitlines()[2][15:68]
                ),
            ),
            2,
            "rejects",
        ),
    ],
)
def test_tle_bad_file(tmp_path, text: str, line: int | None, words: str) -> None:  # type: ignore[no-untyped-def]
    """A garbled TLE (checksum per the NORAD two-line format, length, order) or an empty
    file: one line naming the file and the line."""
    path = tmp_path / "bad.tle"
    path.write_text(text)
    with pytest.raises(UserInputError) as err:
        read_tle(path, EPOCH)
    message = str(err.value)
    assert "\n" not in message and words in message
    assert message.startswith(f"{path}:{line}:" if line else f"{path}:")
    assert err.value.line == line


def test_tle_missing_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "nope.tle"
    with pytest.raises(UserInputError, match="no such file") as err:
        read_tle(path, EPOCH)
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


def test_a_tle_set_pickles_to_the_same_orbits(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A campaign's workers get the layer by pickle: the TLE set comes back as its lines and
    propagates to the same positions (SGP4's Satrec itself does not pickle)."""
    import pickle

    path = tmp_path / "iss.tle"
    path.write_text(
        "ISS (ZARYA)\n"
        "1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991\n"
        "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482\n"
    )
    tle = read_tle(path, dt.datetime(2019, 12, 9, 17, 0, tzinfo=dt.UTC))
    again = pickle.loads(pickle.dumps(tle))
    t = np.arange(0.0, 3600.0, 60.0)
    np.testing.assert_array_equal(again.positions(t), tle.positions(t))
    assert again.names == ("ISS (ZARYA)",)
