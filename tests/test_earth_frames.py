"""WGS84 frames and the Earth rotation angle against outside authorities.

Authorities: pymap3d 3.x (an independent implementation of the same conversions on WGS84),
closed forms (round trips, the rotation of a point fixed on the equator), the IERS Conventions
(2010) definition of the Earth rotation angle and the IAU SOFA/ERFA test value of eraEra00.
Tolerances are lengths: 1 mm of position, or of arc at the point's distance.
"""

from __future__ import annotations

import datetime as dt
import itertools

import numpy as np
import pymap3d
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaminari.earth.constants import OMEGA_EARTH_RPS, WGS84_A_M
from kaminari.earth.frames import (
    aer2ecef,
    aer2enu,
    ecef2aer,
    ecef2eci,
    ecef2enu,
    ecef2geodetic,
    eci2ecef,
    enu2aer,
    enu2ecef,
    enu_rotation,
    geodetic2ecef,
    geodetic_up,
)
from kaminari.earth.time import JD_J2000, earth_rotation_angle, julian_date

MM = 1e-3
WGS84 = pymap3d.Ellipsoid.from_name("wgs84")
HALF_PI = np.pi / 2

# Edge table: the poles, just off them, the equator, the antimeridian from both sides, and
# heights from below the ellipsoid to a high orbit.
EDGE_LAT = np.array([-HALF_PI, -HALF_PI + 1e-9, -np.pi / 4, 0.0, 1e-12, np.pi / 4, HALF_PI])
EDGE_LON = np.array([-np.pi, -np.pi + 1e-12, -HALF_PI, 0.0, HALF_PI, np.pi - 1e-12, np.pi])
EDGE_ALT = np.array([-1_000.0, 0.0, 10_000.0, 400_000.0, 2_000_000.0])
_EDGES = np.array(list(itertools.product(EDGE_LAT, EDGE_LON, EDGE_ALT)))
EDGE_LAT_ALL, EDGE_LON_ALL, EDGE_ALT_ALL = _EDGES.T


def random_geodetic(n: int, alt_max_m: float = 2_000_000.0, seed: int = 1):
    """Points uniform on the sphere of directions, heights uniform in [-1 km, alt_max_m]."""
    rng = np.random.default_rng(seed)
    lat = np.arcsin(rng.uniform(-1.0, 1.0, n))
    lon = rng.uniform(-np.pi, np.pi, n)
    alt = rng.uniform(-1_000.0, alt_max_m, n)
    return lat, lon, alt


def wrap(angle):
    """Angle wrapped into [-pi, pi)."""
    return np.mod(np.asarray(angle) + np.pi, 2.0 * np.pi) - np.pi


def geodetic_error_m(lat, lon, alt, lat_ref, lon_ref, alt_ref):
    """North, east and up differences in m between two geodetic positions (arc at radius)."""
    radius = WGS84_A_M + np.asarray(alt_ref)
    north = np.abs(np.asarray(lat) - lat_ref) * radius
    east = np.abs(wrap(np.asarray(lon) - lon_ref)) * radius * np.cos(lat_ref)
    return north, east, np.abs(np.asarray(alt) - alt_ref)


def assert_geodetic_close(got, lat_ref, lon_ref, alt_ref, tol_m=MM):
    north, east, up = geodetic_error_m(*got, lat_ref, lon_ref, alt_ref)
    assert north.max() < tol_m, f"north error {north.max()} m"
    assert east.max() < tol_m, f"east error {east.max()} m"
    assert up.max() < tol_m, f"height error {up.max()} m"


# --- geodetic <-> ECEF ---------------------------------------------------------------------


def test_geodetic_roundtrip_edge_table_within_1mm():
    r = geodetic2ecef(EDGE_LAT_ALL, EDGE_LON_ALL, EDGE_ALT_ALL)
    assert_geodetic_close(ecef2geodetic(r), EDGE_LAT_ALL, EDGE_LON_ALL, EDGE_ALT_ALL)


def test_geodetic_roundtrip_random_within_1mm():
    lat, lon, alt = random_geodetic(20_000)
    assert_geodetic_close(ecef2geodetic(geodetic2ecef(lat, lon, alt)), lat, lon, alt)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-HALF_PI, HALF_PI),
    lon=st.floats(-np.pi, np.pi),
    alt=st.floats(-1_000.0, 2_000_000.0),
)
def test_geodetic_roundtrip_property_within_1mm(lat, lon, alt):
    got = ecef2geodetic(geodetic2ecef(lat, lon, alt))
    assert_geodetic_close(got, lat, lon, alt)


def test_geodetic2ecef_matches_pymap3d_within_1mm():
    lat, lon, alt = random_geodetic(5_000)
    lat = np.concatenate([lat, EDGE_LAT_ALL])
    lon = np.concatenate([lon, EDGE_LON_ALL])
    alt = np.concatenate([alt, EDGE_ALT_ALL])
    ref = np.stack(pymap3d.geodetic2ecef(lat, lon, alt, ell=WGS84, deg=False), axis=-1)
    assert np.abs(geodetic2ecef(lat, lon, alt) - ref).max() < MM


def test_ecef2geodetic_matches_pymap3d_within_1mm_to_500km():
    # pymap3d uses You (2000), a one-step solution whose own round trip through its
    # geodetic2ecef drifts with height: 0.6 mm at 500 km, 9 cm at 2,000 km. Above 500 km the
    # authority is the round trip (tests above), exact to micrometres here.
    lat, lon, alt = random_geodetic(5_000, alt_max_m=500_000.0)
    keep = EDGE_ALT_ALL <= 500_000.0
    lat = np.concatenate([lat, EDGE_LAT_ALL[keep]])
    lon = np.concatenate([lon, EDGE_LON_ALL[keep]])
    alt = np.concatenate([alt, EDGE_ALT_ALL[keep]])
    r = geodetic2ecef(lat, lon, alt)
    ref = pymap3d.ecef2geodetic(r[:, 0], r[:, 1], r[:, 2], ell=WGS84, deg=False)
    assert_geodetic_close(ecef2geodetic(r), *ref)


# --- ENU and AER ---------------------------------------------------------------------------


def _sites_and_targets(n: int = 2_000):
    """Sites near the ground and targets up to 2,000 km high, including polar sites."""
    lat0, lon0, alt0 = random_geodetic(n, alt_max_m=5_000.0, seed=2)
    lat0[:3] = [HALF_PI, -HALF_PI, 0.0]
    lon0[:3] = [0.0, np.pi, -np.pi]
    lat, lon, alt = random_geodetic(n, seed=3)
    return (lat0, lon0, alt0), geodetic2ecef(lat, lon, alt)


def test_ecef2enu_matches_pymap3d_within_1mm():
    site, r = _sites_and_targets()
    ref = np.stack(pymap3d.ecef2enu(*r.T, *site, ell=WGS84, deg=False), axis=-1)
    assert np.abs(ecef2enu(r, *site) - ref).max() < MM


def test_ecef2aer_matches_pymap3d_within_1mm():
    site, r = _sites_and_targets()
    az, el, rng = ecef2aer(r, *site)
    az_ref, el_ref, rng_ref = pymap3d.ecef2aer(*r.T, *site, ell=WGS84, deg=False)
    assert np.abs(rng - rng_ref).max() < MM
    assert (np.abs(el - el_ref) * rng_ref).max() < MM
    assert (np.abs(wrap(az - az_ref)) * rng_ref * np.cos(el_ref)).max() < MM


def test_aer2ecef_matches_pymap3d_within_1mm():
    (lat0, lon0, alt0), _ = _sites_and_targets()
    rng = np.random.default_rng(4)
    az = rng.uniform(0.0, 2.0 * np.pi, lat0.size)
    el = rng.uniform(-0.2, HALF_PI, lat0.size)
    srange = rng.uniform(1.0, 3_000_000.0, lat0.size)
    ref = np.stack(pymap3d.aer2ecef(az, el, srange, lat0, lon0, alt0, ell=WGS84, deg=False), -1)
    assert np.abs(aer2ecef(az, el, srange, lat0, lon0, alt0) - ref).max() < MM


@settings(max_examples=200, deadline=None)
@given(
    lat0=st.floats(-HALF_PI, HALF_PI),
    lon0=st.floats(-np.pi, np.pi),
    az=st.floats(0.0, 2.0 * np.pi),
    el=st.floats(-1.5, 1.5),
    srange=st.floats(1.0, 5_000_000.0),
)
def test_aer_ecef_roundtrip_property_within_1mm(lat0, lon0, az, el, srange):
    r = aer2ecef(az, el, srange, lat0, lon0, 100.0)
    assert np.linalg.norm(aer2ecef(*ecef2aer(r, lat0, lon0, 100.0), lat0, lon0, 100.0) - r) < MM
    assert np.linalg.norm(enu2ecef(ecef2enu(r, lat0, lon0, 100.0), lat0, lon0, 100.0) - r) < MM


@pytest.mark.parametrize(
    ("enu", "az_expected"),
    [
        ((0.0, 1_000.0, 0.0), 0.0),  # north
        ((1_000.0, 0.0, 0.0), np.pi / 2),  # east
        ((0.0, -1_000.0, 0.0), np.pi),  # south
        ((-1_000.0, 0.0, 0.0), 3 * np.pi / 2),  # west
    ],
)
def test_azimuth_is_clockwise_from_north(enu, az_expected):
    az, el, rng = enu2aer(np.array(enu))
    assert az == pytest.approx(az_expected, abs=1e-15)
    assert el == pytest.approx(0.0, abs=1e-15)
    assert rng == pytest.approx(1_000.0, rel=1e-15)
    np.testing.assert_allclose(aer2enu(az_expected, 0.0, 1_000.0), enu, atol=1e-9)


def test_azimuth_conventions_through_ecef_at_45_north():
    lat0, lon0 = np.pi / 4, 0.3
    east, north, up = enu_rotation(lat0, lon0)
    origin = geodetic2ecef(lat0, lon0, 0.0)
    assert north[2] == pytest.approx(np.cos(lat0))  # north climbs toward the pole
    az_north = ecef2aer(origin + 1e3 * north, lat0, lon0, 0.0).az_rad
    assert wrap(az_north) == pytest.approx(0.0, abs=1e-12)  # 0, or 2 pi less a rounding
    assert ecef2aer(origin + 1e3 * east, lat0, lon0, 0.0).az_rad == pytest.approx(np.pi / 2)
    assert ecef2aer(origin + 1e3 * up, lat0, lon0, 0.0).el_rad == pytest.approx(np.pi / 2)


def test_enu_rotation_is_orthonormal_and_right_handed():
    lat, lon, _ = random_geodetic(100)
    rot = enu_rotation(lat, lon)
    np.testing.assert_allclose(
        rot @ np.swapaxes(rot, -1, -2), np.broadcast_to(np.eye(3), rot.shape), atol=1e-15
    )
    np.testing.assert_allclose(np.linalg.det(rot), 1.0, atol=1e-14)
    np.testing.assert_allclose(rot[..., 2, :], geodetic_up(lat, lon), atol=1e-15)


# --- broadcasting --------------------------------------------------------------------------


def test_site_scalar_against_points_n3():
    (lat, lon, alt), r = _sites_and_targets(50)
    enu = ecef2enu(r, 0.6, -1.2, 30.0)
    assert enu.shape == (50, 3)
    for k in range(50):
        np.testing.assert_allclose(enu[k], ecef2enu(r[k], 0.6, -1.2, 30.0), atol=1e-9)
    aer = ecef2aer(r, 0.6, -1.2, 30.0)
    assert all(a.shape == (50,) for a in aer)
    back = aer2ecef(*aer, 0.6, -1.2, 30.0)
    assert back.shape == (50, 3)
    assert np.abs(back - r).max() < MM


def test_batches_2x3_of_points_and_sites():
    lat, lon, alt = (a.reshape(2, 3) for a in random_geodetic(6))
    r = geodetic2ecef(lat, lon, alt)
    assert r.shape == (2, 3, 3)
    geo = ecef2geodetic(r)
    assert all(g.shape == (2, 3) for g in geo)
    lat0, lon0, alt0 = (a.reshape(2, 3) for a in random_geodetic(6, alt_max_m=1e3, seed=9))
    enu = ecef2enu(r, lat0, lon0, alt0)
    assert enu.shape == (2, 3, 3)
    for i, j in itertools.product(range(2), range(3)):
        one = ecef2enu(r[i, j], lat0[i, j], lon0[i, j], alt0[i, j])
        np.testing.assert_allclose(enu[i, j], one, atol=1e-9)
    # a row of sites (3,) broadcast against the (2, 3) batch of points
    enu_row = ecef2enu(r, lat0[0], lon0[0], alt0[0])
    assert enu_row.shape == (2, 3, 3)
    np.testing.assert_allclose(enu_row[1, 2], ecef2enu(r[1, 2], lat0[0, 2], lon0[0, 2], alt0[0, 2]))


def test_geodetic2ecef_broadcasts_latitude_column_against_longitude_row():
    lat = np.array([[0.1], [0.2]])
    lon = np.array([0.0, 1.0, 2.0])
    r = geodetic2ecef(lat, lon, 0.0)
    assert r.shape == (2, 3, 3)
    np.testing.assert_allclose(r[1, 2], geodetic2ecef(0.2, 2.0, 0.0))
    assert enu_rotation(lat, lon).shape == (2, 3, 3, 3)


# --- ECI -----------------------------------------------------------------------------------


def test_eci_roundtrip():
    rng = np.random.default_rng(5)
    r = rng.normal(size=(100, 3)) * 7e6
    v = rng.normal(size=(100, 3)) * 7e3
    era = rng.uniform(0.0, 2.0 * np.pi, 100)
    r_i, v_i = ecef2eci(r, v, era)
    r_e, v_e = eci2ecef(r_i, v_i, era)
    assert np.abs(r_e - r).max() < 1e-8
    assert np.abs(v_e - v).max() < 1e-11
    # one angle broadcast against the batch
    r_i0, _ = ecef2eci(r, v, 1.0)
    assert r_i0.shape == (100, 3)


def test_point_fixed_on_equator_moves_at_omega_a_inertially():
    # closed form: |v_inertial| = omega a, eastward, for a point at rest on the equator
    r_i, v_i = ecef2eci([WGS84_A_M, 0.0, 0.0], [0.0, 0.0, 0.0], np.pi / 2)
    np.testing.assert_allclose(r_i, [0.0, WGS84_A_M, 0.0], atol=1e-8)
    np.testing.assert_allclose(v_i, [-OMEGA_EARTH_RPS * WGS84_A_M, 0.0, 0.0], atol=1e-12)
    assert np.linalg.norm(v_i) == pytest.approx(465.10, abs=0.01)


# --- time ----------------------------------------------------------------------------------


def test_julian_date_of_j2000():
    assert julian_date(dt.datetime(2000, 1, 1, 12, tzinfo=dt.UTC)) == JD_J2000
    assert julian_date(dt.datetime(2000, 1, 1, 12)) == JD_J2000  # naive is UTC


def test_era_at_j2000_iers_2010_eq_5_15():
    # IERS Conventions (2010), eq. 5.15: ERA(Tu = 0) = 2 pi * 0.7790572732640
    assert earth_rotation_angle(JD_J2000) == pytest.approx(2 * np.pi * 0.7790572732640, abs=1e-12)


def test_era_sofa_t_era00():
    # IAU SOFA / ERFA test suite, t_era00: eraEra00(2400000.5, 54388.0) = 0.4022837240028158102
    assert earth_rotation_angle(2_400_000.5 + 54_388.0) == pytest.approx(
        0.4022837240028158102, abs=1e-12
    )


def test_era_returns_after_one_rotation():
    # One rotation of the Earth takes 1 / 1.00273781191135448 UT1 days (IERS 2010, eq. 5.15).
    # The tolerance is the float64 resolution of a Julian date near 2.46e6 (4.7e-10 d, which
    # is 3e-9 rad of rotation), not a property of the formula.
    jd = JD_J2000 + np.array([0.0, 1234.567, 9000.25, -3000.8])
    step = 1.0 / 1.00273781191135448
    diff = wrap(earth_rotation_angle(jd + step) - earth_rotation_angle(jd))
    assert np.abs(diff).max() < 1e-8
    era = earth_rotation_angle(jd)
    assert np.all((era >= 0.0) & (era < 2.0 * np.pi))
