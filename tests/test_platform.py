"""A ship on a rhumb line and the radar it carries, against outside authorities.

Authorities: the WGS84 geodesic of pyproj.Geod (C. F. F. Karney's GeographicLib algorithms,
accurate to nanometres): a meridian is a geodesic, so steaming due north or south is
Geod.fwd at azimuth 0 or pi, and distances between placed radars are Geod.inv; the meridian arc
as a numerical quadrature of the meridian radius of curvature a (1 - e^2) / (1 - e^2 sin^2)^1.5
(scipy.integrate.quad); the rhumb line's closed form dlon = tan(course) (psi2 - psi1) with the
isometric latitude in Snyder's log-tan form (USGS PP 1395, 1987, eq. 3-7), written here
independently of the module; and the rhumb line's differential equations dlat/dt = v cos(c) / M,
dlon/dt = v sin(c) / (N cos lat) integrated by scipy's DOP853. Tolerances: 1e-9 rad is 6 mm on
the ground.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from pyproj import Geod
from scipy.integrate import quad, solve_ivp

from kaminari.earth.frames import geodetic2ecef
from kaminari.sensors.platform import MovingRadar, ShipTrack, meridian_arc_m
from kaminari.sensors.radar import Radar

DEG = math.pi / 180.0
WGS84_A = 6_378_137.0
WGS84_F = 1.0 / 298.257223563  # NIMA TR8350.2 table 3.1
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
WGS84_E = math.sqrt(WGS84_E2)
GEOD = Geod(ellps="WGS84")


def _meridian_radius(lat: float) -> float:
    return WGS84_A * (1.0 - WGS84_E2) / (1.0 - WGS84_E2 * math.sin(lat) ** 2) ** 1.5


def _prime_vertical_radius(lat: float) -> float:
    return WGS84_A / math.sqrt(1.0 - WGS84_E2 * math.sin(lat) ** 2)


def _psi(lat: float) -> float:
    """Isometric latitude, Snyder eq. 3-7: ln(tan(pi/4 + lat/2) ((1 - e sin)/(1 + e sin))^(e/2))."""
    es = WGS84_E * math.sin(lat)
    return math.log(math.tan(math.pi / 4 + lat / 2) * ((1 - es) / (1 + es)) ** (WGS84_E / 2))


def _arc(lat1: float, lat2: float) -> float:
    return quad(_meridian_radius, lat1, lat2, epsabs=1e-8, epsrel=1e-13, limit=200)[0]


@pytest.mark.parametrize("lat_deg", [0.5, 10.0, 35.0, 60.0, 80.0, -45.0])
def test_meridian_arc_matches_quadrature(lat_deg: float) -> None:
    """The series against the quadrature of the meridian radius from the equator: 1e-5 m."""
    lat = lat_deg * DEG
    assert abs(float(meridian_arc_m(lat)) - _arc(0.0, lat)) < 1e-5


@pytest.mark.parametrize(
    ("lat_deg", "course_deg", "speed", "t"),
    [(0.0, 0.0, 10.0, 3600.0), (40.0, 180.0, 15.0, 7200.0), (-70.0, 0.0, 12.0, 7200.0),
     (20.0, 0.0, 10.0, -1800.0)],
)
def test_due_north_or_south_is_the_meridian_geodesic(lat_deg, course_deg, speed, t) -> None:
    """Due north (or south) the rhumb line is the meridian, a geodesic: the latitude after
    speed * t metres is pyproj's Geod.fwd at azimuth 0 (or 180 deg), within 1e-9 rad; the
    longitude does not move. A negative time runs the track backwards."""
    track = ShipTrack(lat_deg * DEG, 0.3, course_deg * DEG, speed)
    lat, lon = track.position(t)
    _, lat_ref, _ = GEOD.fwd(0.3 / DEG, lat_deg, course_deg, speed * t)
    assert abs(float(lat) - lat_ref * DEG) < 1e-9
    assert abs(float(lon) - 0.3) < 1e-15


@pytest.mark.parametrize("course_deg", [90.0, 270.0])
def test_due_east_on_the_equator_is_d_over_a(course_deg: float) -> None:
    """On the equator due east (or west) the ship follows the equator, a circle of radius a:
    dlon = +-d / a (to rounding, 1e-15 rad), latitude 0 (to 1e-15 rad)."""
    track = ShipTrack(0.0, -0.2, course_deg * DEG, 10.0)
    t = np.array([0.0, 60.0, 3600.0, 7200.0])
    lat, lon = track.position(t)
    sign = 1.0 if course_deg == 90.0 else -1.0
    np.testing.assert_allclose(lon, -0.2 + sign * 10.0 * t / WGS84_A, rtol=0, atol=1e-15)
    np.testing.assert_allclose(lat, 0.0, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("lat_deg", "course_deg"), [(0.0, 45.0), (35.0, 45.0), (60.0, 135.0), (-50.0, 300.0),
                                (30.0, 89.99), (30.0, 270.001)]
)
def test_rhumb_line_closed_form(lat_deg: float, course_deg: float) -> None:
    """After 2 h at 15 m/s (108 km): the meridian arc covered is d cos(course) (quadrature of
    the meridian radius, 1 mm) and dlon = tan(course) (psi(lat2) - psi(lat1)) with Snyder's
    isometric latitude, within 1e-9 rad (skipped for courses within 0.1 deg of east or west,
    where tan(course) magnifies psi's rounding; the ODE test covers them)."""
    lat1, course, d = lat_deg * DEG, course_deg * DEG, 15.0 * 7200.0
    track = ShipTrack(lat1, 1.0, course, 15.0)
    lat2, lon2 = (float(v) for v in track.position(7200.0))
    assert abs(_arc(lat1, lat2) - d * math.cos(course)) < 1e-3
    if abs(math.cos(course)) > math.sin(0.1 * DEG):
        assert abs((lon2 - 1.0) - math.tan(course) * (_psi(lat2) - _psi(lat1))) < 1e-9


@pytest.mark.parametrize(
    ("lat_deg", "course_deg"), [(35.0, 45.0), (60.0, 200.0), (-20.0, 89.999), (10.0, 270.0)]
)
def test_track_solves_the_rhumb_line_equations(lat_deg: float, course_deg: float) -> None:
    """dlat/dt = v cos(c) / M(lat), dlon/dt = v sin(c) / (N(lat) cos lat), integrated over 2 h
    by DOP853 (rtol 1e-13): the positions agree to 1 cm (1.6e-9 rad in latitude, 1 cm along
    the parallel in longitude) every 10 minutes."""
    lat1, course, speed = lat_deg * DEG, course_deg * DEG, 12.0
    track = ShipTrack(lat1, 0.5, course, speed)

    def rates(_t: float, y: np.ndarray) -> list[float]:
        lat = y[0]
        return [speed * math.cos(course) / _meridian_radius(lat),
                speed * math.sin(course) / (_prime_vertical_radius(lat) * math.cos(lat))]

    t = np.arange(0.0, 7201.0, 600.0)
    sol = solve_ivp(rates, (0.0, 7200.0), [lat1, 0.5], method="DOP853", t_eval=t, rtol=1e-13,
                    atol=1e-15)
    lat, lon = track.position(t)
    assert np.all(np.abs(lat - sol.y[0]) * _meridian_radius(lat1) < 0.01)
    parallel = _prime_vertical_radius(lat1) * math.cos(lat1)
    assert np.all(np.abs(lon - sol.y[1]) * parallel < 0.01)


def test_speed_zero_stays_put_and_batches() -> None:
    """Speed 0: the start, bit for bit, in the shape of the times asked."""
    track = ShipTrack(0.4, -2.0, 1.0, 0.0)
    t = np.arange(6.0).reshape(2, 3) * 1000.0
    lat, lon = track.position(t)
    assert lat.shape == lon.shape == (2, 3)
    assert np.all(lat == 0.4) and np.all(lon == -2.0)
    moving = ShipTrack(0.4, -2.0, 1.0, 8.0)
    lat_b, lon_b = moving.position(t)
    for i in range(2):
        for j in range(3):
            lat_ij, lon_ij = moving.position(t[i, j])
            assert lat_b[i, j] == lat_ij and lon_b[i, j] == lon_ij


def test_longitude_wraps_across_the_antimeridian() -> None:
    """Due east from 179.9 deg E on the equator: past 180 deg the longitude comes back at
    -180 deg, the same place (d / a after unwrapping, 1e-12 rad)."""
    track = ShipTrack(0.0, 179.9 * DEG, 90.0 * DEG, 20.0)
    lat, lon = track.position(7200.0)
    assert -math.pi <= lon < 0.0
    assert abs((lon + 2 * math.pi) - (179.9 * DEG + 20.0 * 7200.0 / WGS84_A)) < 1e-12


@pytest.mark.parametrize(
    ("field", "value"),
    [("lat_rad", math.pi / 2), ("lat_rad", -2.0), ("lat_rad", math.nan), ("lon_rad", math.inf),
     ("course_rad", math.nan), ("speed_mps", -1.0), ("speed_mps", math.inf),
     ("alt_m", math.nan)],
)
def test_ship_track_rejects_bad_inputs(field: str, value: float) -> None:
    fields = dict(lat_rad=0.5, lon_rad=0.1, course_rad=0.3, speed_mps=10.0, alt_m=0.0)
    fields[field] = value
    with pytest.raises(ValueError, match=field):
        ShipTrack(**fields)


def test_position_rejects_bad_times_and_the_pole() -> None:
    track = ShipTrack(89.9 * DEG, 0.0, 0.0, 20.0)
    with pytest.raises(ValueError, match="t_s"):
        track.position(np.array([0.0, math.nan]))
    track.position(500.0)  # 10 km of the 11.2 km to the pole
    with pytest.raises(ValueError, match="pole"):
        track.position(1000.0)


# --- the radar on board --------------------------------------------------------------------


def _ship_radar(**changes: object) -> MovingRadar:
    radar = Radar(name="ship", lat_rad=-1.0, lon_rad=3.0, alt_m=25.0, max_range_m=400e3,
                  revisit_s=2.0, sigma_range_m=10.0, sigma_az_rad=1e-3, sigma_el_rad=1e-3,
                  false_alarms_per_scan=0.5)
    track = ShipTrack(34.0 * DEG, 139.5 * DEG, 60.0 * DEG, 15.0, alt_m=-5.0)
    fields: dict = dict(radar=radar, track=track)
    fields.update(changes)
    return MovingRadar(**fields)


def test_placed_radar_moves_with_the_ship() -> None:
    """``at(t)``: the radar at the ship's position (lat, lon from the track, the antenna
    25 m above a sea surface 5 m below the ellipsoid), otherwise the radar itself. Its site
    moves speed * t over the ellipsoid: pyproj's geodesic distance between the placed sites
    is within 0.1 % of it (the rhumb line is the longer, by 0.45 m in 108 km here), and the
    path summed over 720 legs of 150 m (each a geodesic to far below a micrometre) is speed * t
    within 1 mm."""
    moving = _ship_radar()
    start, later = moving.at(0.0), moving.at(7200.0)
    assert (start.lat_rad, start.lon_rad, start.alt_m) == (34.0 * DEG, 139.5 * DEG, 20.0)
    lat, lon = moving.track.position(7200.0)
    assert (later.lat_rad, later.lon_rad) == (float(lat), float(lon))
    assert dataclasses.replace(later, lat_rad=-1.0, lon_rad=3.0, alt_m=25.0) == moving.radar
    _, _, dist = GEOD.inv(start.lon_rad / DEG, start.lat_rad / DEG, later.lon_rad / DEG,
                          later.lat_rad / DEG)
    assert abs(dist / (15.0 * 7200.0) - 1.0) < 1e-3
    lats, lons = moving.track.position(np.linspace(0.0, 7200.0, 721))
    _, _, legs = GEOD.inv(lons[:-1] / DEG, lats[:-1] / DEG, lons[1:] / DEG, lats[1:] / DEG)
    assert abs(np.sum(legs) - 15.0 * 7200.0) < 1e-3
    model = later.measurement_model()
    assert (model.lat_rad, model.lon_rad, model.alt_m) == (later.lat_rad, later.lon_rad, 20.0)


def test_moving_radar_delegates_to_its_radar() -> None:
    """Name, schedule, clutter and the radar equation are the radar's; ``at`` hands back the
    same placed radar for the same time; ``site_ecef`` and ``covers`` are the placed radar's."""
    moving = _ship_radar()
    assert moving.name == "ship"
    np.testing.assert_array_equal(moving.scan_times(0.0, 10.0), moving.radar.scan_times(0.0, 10.0))
    assert moving.clutter and not moving.radar_equation
    assert moving.at(300.0) is moving.at(300)
    placed = moving.at(3600.0)
    np.testing.assert_array_equal(moving.site_ecef(3600.0), placed.site_ecef())
    np.testing.assert_array_equal(
        moving.site_ecef(), geodetic2ecef(34.0 * DEG, 139.5 * DEG, 20.0)
    )
    ahead = geodetic2ecef(placed.lat_rad + 1.0 * DEG, placed.lon_rad, 30e3)
    far_off = geodetic2ecef(placed.lat_rad - 20.0 * DEG, placed.lon_rad, 30e3)
    np.testing.assert_array_equal(moving.covers(np.stack([ahead, far_off]), 3600.0),
                                  [True, False])
