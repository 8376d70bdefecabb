"""Ground radar visibility and detections against outside authorities.

Authorities: the 4/3-Earth radar horizon sqrt(2 k R h_r) + sqrt(2 k R h_t) (Skolnik,
"Introduction to Radar Systems", 3rd ed., ch. 8; Blake, "Radar Range-Performance Analysis",
1980, ch. 5) and the exact tangent geometry on that sphere; pymap3d 3.x (an independent
implementation of ECEF -> AER on WGS84); the binomial and chi-square distributions (scipy.stats)
for the detection and noise statistics. Tolerances are lengths, angles or standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pymap3d
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kaminari.earth.frames import aer2ecef, ecef2aer, geodetic2ecef, geodetic_up
from kaminari.sensors.radar import Radar, scan_times, visible
from kaminari.streams import Streams

DEG = math.pi / 180.0
MM = 1e-3
WGS84_A = 6_378_137.0
WGS84_E2 = 6.69437999014e-3  # NIMA TR8350.2 table 3.3
WGS84 = pymap3d.Ellipsoid.from_name("wgs84")
K = 4.0 / 3.0


def _radar(**changes: float) -> Radar:
    fields = dict(
        name="r",
        lat_rad=35.0 * DEG,
        lon_rad=135.0 * DEG,
        alt_m=20.0,
        max_range_m=10_000e3,
        revisit_s=1.0,
        sigma_range_m=0.0,
        sigma_az_rad=0.0,
        sigma_el_rad=0.0,
    )
    fields.update(changes)
    return Radar(**fields)  # type: ignore[arg-type]


def _gaussian_radius(lat_rad: np.ndarray | float) -> np.ndarray:
    """sqrt(M N) from the meridian and prime-vertical radii of curvature (any geodesy text)."""
    w2 = 1.0 - WGS84_E2 * np.sin(lat_rad) ** 2
    meridian = WGS84_A * (1.0 - WGS84_E2) / w2**1.5
    prime_vertical = WGS84_A / np.sqrt(w2)
    return np.sqrt(meridian * prime_vertical)


def _along_great_circle(lat0, lon0, azimuth, ground_m, radius_m, alt_m):
    """ECEF point at ground distance ``ground_m`` along a great circle (spherical direct)."""
    d = ground_m / radius_m
    lat = np.arcsin(np.sin(lat0) * np.cos(d) + np.cos(lat0) * np.sin(d) * np.cos(azimuth))
    lon = lon0 + np.arctan2(
        np.sin(azimuth) * np.sin(d) * np.cos(lat0), np.cos(d) - np.sin(lat0) * np.sin(lat)
    )
    return geodetic2ecef(lat, lon, alt_m)


def _transition_ground_m(radars: list[Radar], azimuths: np.ndarray, alt_m: float) -> np.ndarray:
    """Ground distance where a constant-altitude target disappears; bisection, all cases at once.

    Returns (len(radars), len(azimuths)).
    """
    lat0 = np.array([r.lat_rad for r in radars])[:, None]
    lon0 = np.array([r.lon_rad for r in radars])[:, None]
    radius = _gaussian_radius(lat0)
    lo = np.full((len(radars), azimuths.size), 10e3)
    hi = np.full_like(lo, 3_000e3)
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        pts = _along_great_circle(lat0, lon0, azimuths[None, :], mid, radius, alt_m)
        seen = np.stack([visible(r, p) for r, p in zip(radars, pts, strict=True)])
        lo = np.where(seen, mid, lo)
        hi = np.where(seen, hi, mid)
    return 0.5 * (lo + hi)


# --- visibility ---------------------------------------------------------------------------


def test_horizon_843km_for_40km_target() -> None:
    """Skolnik/Blake: antenna 20 m, target 40 km, 4/3 Earth: horizon ~843 km (within 1 %).

    Several sites (equator, mid-latitude, high latitude) and directions; the bisection also
    matches the exact tangent geometry on the k R sphere, kR (acos(kR/(kR+h_r)) +
    acos(kR/(kR+h_t))) = 841.2 km at 35 deg, to 1 m.
    """
    lats = [0.0, 35.0 * DEG, 70.0 * DEG, -89.0 * DEG]
    radars = [_radar(lat_rad=lat, min_elevation_rad=-1.0 * DEG) for lat in lats]
    azimuths = np.array([0.0, 60.0, 90.0, 200.0]) * DEG
    ground = _transition_ground_m(radars, azimuths, 40e3)

    kr = K * _gaussian_radius(np.array(lats))[:, None]
    first_order = np.sqrt(2 * kr * 20.0) + np.sqrt(2 * kr * 40e3)
    exact = kr * (np.arccos(kr / (kr + 20.0)) + np.arccos(kr / (kr + 40e3)))
    assert np.all(np.abs(ground / 843e3 - 1.0) < 0.01)
    assert np.all(np.abs(ground / first_order - 1.0) < 0.01)
    np.testing.assert_allclose(ground, np.broadcast_to(exact, ground.shape), rtol=0, atol=1.0)
    assert 840e3 < ground[1, 0] < 842e3


def test_horizon_min_elevation_zero_hides_sooner() -> None:
    """With a 0 deg search floor the target goes when it sinks below the site's horizontal plane
    on the 4/3 sphere: kR acos((kR+h_r)/(kR+h_t)) = 822.5 km at 35 deg (closed form), to 1 m."""
    radars = [_radar(min_elevation_rad=0.0)]
    ground = _transition_ground_m(radars, np.array([60.0 * DEG]), 40e3)
    kr = K * _gaussian_radius(35.0 * DEG)
    expected = kr * np.arccos((kr + 20.0) / (kr + 40e3))
    np.testing.assert_allclose(ground, expected, rtol=0, atol=1.0)
    assert 822e3 < ground[0, 0] < 823e3


def test_below_horizon_not_visible() -> None:
    """4/3-Earth horizon for a 1 km target from a 20 m antenna: 18.4 + 130.4 = 149 km.

    With a -5 deg search floor only the Earth can hide it: seen at 140 km, hidden at 160 km;
    a target on the far side of the Earth is hidden however far the radar reaches.
    """
    radar = _radar(min_elevation_rad=-5.0 * DEG, max_range_m=1e9)
    radius = _gaussian_radius(radar.lat_rad)
    near, far = _along_great_circle(
        radar.lat_rad, radar.lon_rad, 0.3, np.array([140e3, 160e3]), radius, 1e3
    )
    antipode = geodetic2ecef(-radar.lat_rad, radar.lon_rad + math.pi, 100e3)
    assert visible(radar, near)
    assert not visible(radar, far)
    assert not visible(radar, antipode)


def test_beyond_max_range_not_visible() -> None:
    """Straight overhead the slant range is the height difference (closed form): a 500 km radar
    sees a target at 400 km altitude and not one at 600 km; at 45 deg elevation the limit is on
    the true slant range, checked 1 m either side of it."""
    radar = _radar(max_range_m=500e3)
    up = geodetic_up(radar.lat_rad, radar.lon_rad)
    site = radar.site_ecef()
    assert visible(radar, geodetic2ecef(radar.lat_rad, radar.lon_rad, 400e3))
    assert not visible(radar, geodetic2ecef(radar.lat_rad, radar.lon_rad, 600e3))
    # a slant line at 45 deg in the site's north-up plane
    north = np.array(
        [
            -math.sin(radar.lat_rad) * math.cos(radar.lon_rad),
            -math.sin(radar.lat_rad) * math.sin(radar.lon_rad),
            math.cos(radar.lat_rad),
        ]
    )
    direction = (north + up) / math.sqrt(2.0)
    inside = site + (500e3 - 1.0) * direction
    outside = site + (500e3 + 1.0) * direction
    assert visible(radar, inside)
    assert not visible(radar, outside)


@given(
    lat=st.floats(-90.0, 90.0),
    lon=st.floats(-180.0, 180.0),
    alt=st.floats(-50.0, 3_000.0),
    height=st.floats(1.0, 900e3),
)
@settings(max_examples=60, deadline=None)
def test_overhead_always_visible(lat: float, lon: float, alt: float, height: float) -> None:
    """A target straight overhead (along the ellipsoid normal) is at elevation 90 deg (closed
    form): visible at any site, even with an 80 deg search floor, within range."""
    radar = _radar(lat_rad=lat * DEG, lon_rad=lon * DEG, alt_m=alt, min_elevation_rad=80 * DEG)
    target = geodetic2ecef(radar.lat_rad, radar.lon_rad, alt + height)
    assert visible(radar, target)


def test_visible_broadcasts_over_batch_shapes() -> None:
    """(N, K, 3), (3,) and (2, 3, 4, 3) give (N, K), () and (2, 3, 4), element for element the
    same as one point at a time (the reference here is the scalar call)."""
    radar = _radar(max_range_m=1_500e3)
    rng = np.random.default_rng(3)
    lat = radar.lat_rad + rng.uniform(-0.2, 0.2, (2, 3, 4))
    lon = radar.lon_rad + rng.uniform(-0.2, 0.2, (2, 3, 4))
    pts = geodetic2ecef(lat, lon, rng.uniform(0.0, 80e3, (2, 3, 4)))
    batch = visible(radar, pts)
    assert batch.shape == (2, 3, 4)
    assert batch.dtype == np.bool_
    assert 0 < batch.sum() < batch.size
    one_by_one = np.array([visible(radar, p) for p in pts.reshape(-1, 3)]).reshape(2, 3, 4)
    np.testing.assert_array_equal(batch, one_by_one)
    assert visible(radar, pts[0, 0, 0]).shape == ()
    assert visible(radar, pts.reshape(6, 4, 3)).shape == (6, 4)


# --- scan times -----------------------------------------------------------------------------


def test_scan_times() -> None:
    """offset + k revisit inside [t0, t1] (definition)."""
    radar = _radar(revisit_s=1.0, scan_offset_s=0.25)
    np.testing.assert_array_equal(scan_times(radar, 0.0, 3.0), [0.25, 1.25, 2.25])
    np.testing.assert_array_equal(scan_times(radar, 1.25, 2.25), [1.25, 2.25])
    np.testing.assert_array_equal(scan_times(radar, -1.0, 0.0), [-0.75])
    assert scan_times(radar, 0.3, 0.9).size == 0
    fast = _radar(revisit_s=0.1)
    t = scan_times(fast, 0.0, 0.3)
    assert t.size == 4 and t[-1] <= 0.3 and t[0] == 0.0
    np.testing.assert_allclose(t, [0.0, 0.1, 0.2, 0.3], rtol=0, atol=1e-15)


# --- detections -----------------------------------------------------------------------------


def _visible_block(radar: Radar, n: int, k: int, seed: int = 0) -> np.ndarray:
    """(n, k, 3) targets at 40 km altitude, 100-400 km from the site: all visible."""
    rng = np.random.default_rng(seed)
    radius = _gaussian_radius(radar.lat_rad)
    pts = _along_great_circle(
        radar.lat_rad,
        radar.lon_rad,
        rng.uniform(0, 2 * np.pi, (n, k)),
        rng.uniform(100e3, 400e3, (n, k)),
        radius,
        40e3,
    )
    assert visible(radar, pts).all()
    return pts


def _truth(radar: Radar, r: np.ndarray) -> np.ndarray:
    aer = ecef2aer(r, radar.lat_rad, radar.lon_rad, radar.alt_m)
    return np.stack([aer.range_m, aer.az_rad, aer.el_rad], axis=-1)


def _wrap(angle: np.ndarray) -> np.ndarray:
    return np.mod(angle + np.pi, 2 * np.pi) - np.pi


def _measure(radar: Radar, r: np.ndarray, exists: np.ndarray | bool, seed: int):
    """``Radar.measure`` of targets ``r`` (n, k, 3) taken as n replications of k threats at one
    scan; returns the report and the truth (range, azimuth, elevation) of each detection."""
    n, k = r.shape[:2]
    alive = np.broadcast_to(np.asarray(exists, dtype=bool), (n, k))
    report = radar.measure(0.0, r, alive, Streams(seed, np.arange(n)))
    return report, _truth(radar, r)[report.rep, report.label]


def test_detection_probability_binomial() -> None:
    """Pd 0.7 over 20,000 visible looks: the count is within 4 binomial standard errors."""
    radar = _radar(detection_probability=0.7)
    n, k = 2_000, 10
    report, _ = _measure(radar, _visible_block(radar, n, k), True, 1)
    looks = n * k
    se = math.sqrt(looks * 0.7 * 0.3)
    assert abs(report.rep.size - 0.7 * looks) < 4 * se


def test_noise_statistics() -> None:
    """Errors are zero-mean Gaussian with the radar's sigmas: sample standard deviations within
    3 % (6 standard errors of a standard deviation at n = 20,000), means within 4 standard
    errors, and the normalized squared error sum within the central 99.99 % of chi-square with
    3 n degrees of freedom (scipy.stats.chi2)."""
    sigma = np.array([20.0, 1e-3, 2e-3])
    radar = _radar(sigma_range_m=sigma[0], sigma_az_rad=sigma[1], sigma_el_rad=sigma[2])
    n, k = 2_000, 10
    report, truth = _measure(radar, _visible_block(radar, n, k), True, 2)
    err = report.z - truth
    err[:, 1] = _wrap(err[:, 1])
    count = err.shape[0]
    assert count == n * k
    assert np.all(report.z[:, 1] >= 0) and np.all(report.z[:, 1] < 2 * np.pi)
    np.testing.assert_allclose(err.std(axis=0, ddof=1), sigma, rtol=0.03)
    assert np.all(np.abs(err.mean(axis=0)) < 4 * sigma / math.sqrt(count))
    nees = np.einsum("ni,ij,nj->", err, np.linalg.inv(radar.measurement_covariance()), err)
    dof = 3 * count
    assert stats.chi2.ppf(5e-5, dof) < nees < stats.chi2.ppf(1 - 5e-5, dof)


def test_zero_sigma_gives_truth_exactly() -> None:
    """Perfect sensing: the measurement is ecef2aer of the truth, bit for bit."""
    radar = _radar()
    report, truth = _measure(radar, _visible_block(radar, 50, 7), True, 4)
    assert report.rep.size == 50 * 7
    np.testing.assert_array_equal(report.z, truth)


def test_noise_free_measurement_matches_pymap3d() -> None:
    """pymap3d.ecef2aer (WGS84) agrees with the noise-free measurement to 1 mm and 1e-9 rad."""
    radar = _radar(lat_rad=-33.9 * DEG, lon_rad=18.4 * DEG, alt_m=150.0)
    r = _visible_block(radar, 20, 5, seed=7)
    report, _ = _measure(radar, r, True, 0)
    target = r[report.rep, report.label]
    az, el, rng_m = pymap3d.ecef2aer(
        target[:, 0],
        target[:, 1],
        target[:, 2],
        radar.lat_rad,
        radar.lon_rad,
        radar.alt_m,
        ell=WGS84,
        deg=False,
    )
    np.testing.assert_allclose(report.z[:, 0], rng_m, rtol=0, atol=MM)
    np.testing.assert_allclose(_wrap(report.z[:, 1] - az), 0.0, rtol=0, atol=1e-9)
    np.testing.assert_allclose(report.z[:, 2], el, rtol=0, atol=1e-9)


def test_reproducible_for_same_seed() -> None:
    """Same generator state, same detections; another seed, other detections."""
    radar = _radar(
        sigma_range_m=10.0, sigma_az_rad=1e-3, sigma_el_rad=1e-3, detection_probability=0.5
    )
    r = _visible_block(radar, 30, 6)
    a, _ = _measure(radar, r, True, 11)
    b, _ = _measure(radar, r, True, 11)
    c, _ = _measure(radar, r, True, 12)
    np.testing.assert_array_equal(a.z, b.z)
    np.testing.assert_array_equal(a.label, b.label)
    assert not (a.rep.size == c.rep.size and np.array_equal(a.label, c.label))


def test_no_detection_where_not_existing_or_hidden() -> None:
    """No detection of a threat that does not exist or is hidden. The detection draws (one
    uniform per replication and threat) do not depend on ``exists``, so the threats detected
    are those of the all-existing run that still exist; the noise is drawn for the detections
    only. Detections come in replication order, with the threat behind each as its label."""
    radar = _radar(sigma_range_m=5.0, sigma_az_rad=1e-3, sigma_el_rad=1e-3,
                   detection_probability=0.8)
    n, k = 40, 8
    r = _visible_block(radar, n, k)
    r[:, -1] = geodetic2ecef(-radar.lat_rad, radar.lon_rad + math.pi, 50e3)  # far side
    exists = np.random.default_rng(5).random((n, k)) < 0.5
    full, _ = _measure(radar, r, True, 6)
    some, _ = _measure(radar, r, exists, 6)
    assert np.all(exists[some.rep, some.label])
    assert not np.any(full.label == k - 1)
    seen_full = np.zeros((n, k), bool)
    seen_full[full.rep, full.label] = True
    seen_some = np.zeros((n, k), bool)
    seen_some[some.rep, some.label] = True
    np.testing.assert_array_equal(seen_some, seen_full & exists)
    assert np.all(np.diff(some.rep) >= 0)


def test_false_alarms_are_poisson_over_the_visible_volume() -> None:
    """False alarms: the count per scan has the Poisson mean and variance (2.0; 20,000 scans,
    within 4 standard errors), every one lies where the radar can see (``visible`` of the point
    at its reported range, azimuth and elevation), within its maximum range, and they carry the
    false-alarm label -1 after the threats' detections of their replication."""
    radar = _radar(max_range_m=500e3, false_alarms_per_scan=2.0)
    n = 20_000
    r = _visible_block(radar, n, 1)
    report = radar.measure(0.0, r, np.zeros((n, 1), bool), Streams(3, np.arange(n)))
    assert np.all(report.label == -1)
    counts = np.bincount(report.rep, minlength=n)
    assert abs(counts.mean() - 2.0) < 4 * math.sqrt(2.0 / n)
    assert abs(counts.var() - 2.0) < 4 * 2.0 * math.sqrt(2.0 / n)
    pts = aer2ecef(report.z[:, 1], report.z[:, 2], report.z[:, 0], radar.lat_rad,
                   radar.lon_rad, radar.alt_m)
    assert visible(radar, pts).all()
    assert report.z[:, 0].max() <= radar.max_range_m
    mixed = radar.measure(0.0, r[:50], np.ones((50, 1), bool), Streams(4, np.arange(50)))
    assert np.all(np.diff(mixed.rep) >= 0) and set(mixed.label) <= {-1, 0}


def test_a_report_carries_the_radars_measurement_model() -> None:
    """The model the tracker is handed: the radar's site and covariance diag(sigma^2) (plus
    the filter's floor), and the radar's own range-azimuth-elevation of a position."""
    radar = _radar(sigma_range_m=20.0, sigma_az_rad=1e-3, sigma_el_rad=2e-3)
    model = radar.measurement_model()
    np.testing.assert_array_equal(model.covariance, np.diag([400.0, 1e-6, 4e-6]))
    assert (model.lat_rad, model.lon_rad, model.alt_m) == (
        radar.lat_rad, radar.lon_rad, radar.alt_m)
    r = _visible_block(radar, 3, 4)
    z, _ = model.predict(np.concatenate([r.reshape(-1, 3), np.zeros((12, 6))], axis=1))
    np.testing.assert_allclose(z, _truth(radar, r).reshape(-1, 3), rtol=0, atol=1e-9)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("revisit_s", 0.0),
        ("max_range_m", -1.0),
        ("sigma_range_m", -1.0),
        ("detection_probability", 1.5),
        ("refraction_k", 0.0),
        ("lat_rad", 2.0),
    ],
)
def test_radar_rejects_impossible_parameters(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        _radar(**{field: value})


# --- registration errors --------------------------------------------------------------------


def _report_of_one(radar: Radar, r: np.ndarray) -> np.ndarray:
    """Noise-free measurement (3,) of one target at ECEF ``r`` (3,) that the radar detects."""
    report = radar.measure(0.0, r[None, None, :], np.ones((1, 1), bool), Streams(0, [0]))
    assert report.rep.size == 1 and report.label[0] == 0
    return report.z[0]


def _low(**changes: object) -> Radar:
    """A radar that searches down to -1 deg: a target at its own height is below its horizontal
    plane (by s / (2 R) rad at ground distance s)."""
    return _radar(min_elevation_rad=-1.0 * DEG, **changes)  # type: ignore[arg-type]


def _north_of(radar: Radar, ground_m: float, alt_m: float | None = None) -> np.ndarray:
    """A target at ``alt_m`` (None: the site's height), ``ground_m`` along the site's meridian
    to the north; its latitude offset is ground / M, M the meridian radius of curvature at the
    site."""
    w2 = 1.0 - WGS84_E2 * math.sin(radar.lat_rad) ** 2
    meridian = WGS84_A * (1.0 - WGS84_E2) / w2**1.5
    alt = radar.alt_m if alt_m is None else alt_m
    return geodetic2ecef(radar.lat_rad + ground_m / meridian, radar.lon_rad, alt)


def test_angle_and_range_biases_add_exactly() -> None:
    """A target due north at 100 km, 10 km up, on the site's meridian: its azimuth is 0 up to
    rounding (1e-12 rad; the ECEF coordinates round at 1e-9 m). With bias_az 1 mrad the azimuth
    is 1 mrad to 1e-12 rad and range and elevation are untouched; the range and elevation
    biases add to the unbiased radar's measurement to rounding; a negative azimuth bias wraps
    into [0, 2 pi)."""
    r = _north_of(_low(), 100e3, 10e3)
    truth = _report_of_one(_low(), r)
    assert min(truth[1], 2 * np.pi - truth[1]) < 1e-12
    az = _report_of_one(_low(bias_az_rad=1e-3), r)
    assert abs(az[1] - 1e-3) < 1e-12
    assert az[0] == truth[0] and az[2] == truth[2]
    both = _report_of_one(_low(bias_range_m=75.0, bias_el_rad=-2e-3), r)
    assert abs(both[0] - (truth[0] + 75.0)) < 1e-9
    assert abs(both[2] - (truth[2] - 2e-3)) < 1e-15
    west = _report_of_one(_low(bias_az_rad=-1e-3), r)
    assert abs(west[1] - (2 * np.pi - 1e-3)) < 1e-12 and west[1] < 2 * np.pi


def test_biases_leave_false_alarms_alone() -> None:
    """False alarms (no threat present) are the same draws and values with or without biases."""
    plain = _radar(max_range_m=500e3, false_alarms_per_scan=3.0)
    biased = _radar(max_range_m=500e3, false_alarms_per_scan=3.0, bias_range_m=500.0,
                    bias_az_rad=0.01, bias_el_rad=0.01, site_error_enu_m=(100.0, -50.0, 5.0))
    r = _visible_block(plain, 200, 1)
    a = plain.measure(0.0, r, np.zeros((200, 1), bool), Streams(5, np.arange(200)))
    b = biased.measure(0.0, r, np.zeros((200, 1), bool), Streams(5, np.arange(200)))
    assert a.rep.size > 0
    np.testing.assert_array_equal(a.z, b.z)
    np.testing.assert_array_equal(a.rep, b.rep)


def test_site_error_east_shifts_azimuth_of_a_northern_target() -> None:
    """Antenna 100 m east of its survey, target 10 km due north at the site's height.

    Flat closed form: the target is (-100, 10,000, 0) m from the antenna, so azimuth
    atan2(-100, 10e3) (wrapped), elevation 0, range hypot(100, 10e3). Earth curvature: the
    target lies s^2 / (2 R) = 7.8 m below the site's horizontal plane (elevation -7.8e-4 rad, the
    tolerance there is 1e-3 rad) and its north offset is the arc 10 km to within 0.1 m (the
    meridian radius varies by 1e-5 over the arc), which moves the azimuth by 100 * 0.1 / 1e8 =
    1e-7 rad and the range by 0.1 m: tolerances 1e-6 rad and 0.2 m. The exact closed form, the
    same with the target's east-north-up offset from the believed site taken from pymap3d
    (independent of kaminari's frames), holds to 1e-9 rad and 1 mm: it pins the documented frame
    (the believed site's axes moved to the true site; the true site's own axes would turn the
    azimuth by the meridian convergence, 1.1e-5 rad here at 35 deg)."""
    base = _low()
    r = _north_of(base, 10e3)
    z = _report_of_one(_low(site_error_enu_m=(100.0, 0.0, 0.0)), r)
    flat_az = math.atan2(-100.0, 10e3) % (2 * math.pi)
    assert abs(z[1] - flat_az) < 1e-6
    assert abs(z[2]) < 1e-3
    assert abs(z[0] - math.hypot(100.0, 10e3)) < 0.2
    e, n, u = pymap3d.ecef2enu(*r, base.lat_rad, base.lon_rad, base.alt_m, ell=WGS84, deg=False)
    assert abs(e) < 1e-6
    exact_az = math.atan2(e - 100.0, n) % (2 * math.pi)
    assert abs(z[1] - exact_az) < 1e-9
    assert abs(z[2] - math.atan2(u, math.hypot(e - 100.0, n))) < 1e-9
    assert abs(z[0] - math.sqrt((e - 100.0) ** 2 + n**2 + u**2)) < MM


def test_site_error_is_a_translation_of_the_believed_frame() -> None:
    """Any offset (east, north, up) and many targets: the measurement is the spherical form of
    (the target's east-north-up offset from the believed site, pymap3d) minus the site error,
    to 1 mm and 1e-9 rad; the tracker's model and the coverage stay on the believed site."""
    offset = (-230.0, 145.0, 12.0)
    base = _radar(lat_rad=-33.9 * DEG, lon_rad=18.4 * DEG, alt_m=150.0)
    moved = _radar(lat_rad=-33.9 * DEG, lon_rad=18.4 * DEG, alt_m=150.0, site_error_enu_m=offset)
    assert base.registered and not moved.registered
    r = _visible_block(base, 20, 5, seed=9)
    report, _ = _measure(moved, r, True, 0)
    target = r[report.rep, report.label]
    e, n, u = pymap3d.ecef2enu(target[:, 0], target[:, 1], target[:, 2], base.lat_rad,
                               base.lon_rad, base.alt_m, ell=WGS84, deg=False)
    de, dn, du = e - offset[0], n - offset[1], u - offset[2]
    np.testing.assert_allclose(report.z[:, 0], np.sqrt(de**2 + dn**2 + du**2), rtol=0, atol=MM)
    np.testing.assert_allclose(_wrap(report.z[:, 1] - np.arctan2(de, dn)), 0.0, rtol=0,
                               atol=1e-9)
    np.testing.assert_allclose(report.z[:, 2], np.arctan2(du, np.hypot(de, dn)), rtol=0,
                               atol=1e-9)
    model = moved.measurement_model()
    assert (model.lat_rad, model.lon_rad, model.alt_m) == (base.lat_rad, base.lon_rad,
                                                           base.alt_m)
    np.testing.assert_array_equal(moved.site_ecef(), base.site_ecef())
    np.testing.assert_array_equal(moved.covers(r), base.covers(r))
    np.testing.assert_allclose(
        moved.antenna_ecef() - base.site_ecef(),
        np.array(pymap3d.enu2ecef(*offset, base.lat_rad, base.lon_rad, base.alt_m, ell=WGS84,
                                  deg=False)) - base.site_ecef(),
        rtol=0, atol=MM,
    )


@pytest.mark.parametrize("equation", [False, True])
def test_registered_radar_is_bit_for_bit_the_default(equation: bool) -> None:
    """Explicit zero registration errors give the no-argument radar's report bit for bit (same
    seed: the same draws), with noise, a detection probability below 1 and false alarms; for a
    fixed-probability and a radar-equation radar."""
    common: dict = dict(sigma_range_m=15.0, sigma_az_rad=1e-3, sigma_el_rad=2e-3,
                        max_range_m=500e3, false_alarms_per_scan=1.5)
    if equation:
        common.update(snr_ref_db=15.0, range_ref_m=300e3, rcs_ref_m2=1.0, pfa=1e-6)
    else:
        common.update(detection_probability=0.6)
    default = _radar(**common)
    zeros = _radar(**common, bias_range_m=0.0, bias_az_rad=0.0, bias_el_rad=0.0,
                   site_error_enu_m=[0, 0, 0])
    assert zeros.registered and zeros.site_error_enu_m == (0.0, 0.0, 0.0)
    r = _visible_block(default, 100, 4)
    a = default.measure(0.0, r, np.ones((100, 4), bool), Streams(21, np.arange(100)))
    b = zeros.measure(0.0, r, np.ones((100, 4), bool), Streams(21, np.arange(100)))
    assert a.rep.size > 0
    assert a.z.tobytes() == b.z.tobytes()
    np.testing.assert_array_equal(a.rep, b.rep)
    np.testing.assert_array_equal(a.label, b.label)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("bias_range_m", math.nan),
        ("bias_az_rad", math.inf),
        ("bias_el_rad", -math.inf),
        ("site_error_enu_m", (0.0, math.nan, 0.0)),
        ("site_error_enu_m", (1.0, 2.0)),
        ("site_error_enu_m", "abc"),
    ],
)
def test_radar_rejects_bad_registration_errors(field: str, value: object) -> None:
    with pytest.raises(ValueError, match=field):
        _radar(**{field: value})  # type: ignore[arg-type]
