"""Railgun projectiles: Keplerian flight in vacuum, and what drag must do."""

import numpy as np
import pytest

from kaminari.dynamics.forces import Environment
from kaminari.dynamics.integrator import PointMassModel
from kaminari.earth.constants import GM_M3PS2, WGS84_A_M
from kaminari.earth.frames import ecef2geodetic, geodetic2ecef
from kaminari.weapons.projectile import (
    BallisticController,
    BallisticModel,
    DragCurve,
    Projectile,
    fly_projectiles,
    slant_range_crossings,
)

DEG = np.pi / 180.0
NO_DRAG = Projectile(drag=DragCurve(mach=(0.0, 1.0), cd=(0.0, 0.0)))


def kepler_range_and_time(v: float, gamma: float, r0: float) -> tuple[float, float]:
    """Range angle and time of flight of a ballistic arc from radius r0 back to r0 under
    point-mass gravity: conic from energy and angular momentum, time from Kepler's equation
    (D. A. Vallado, 'Fundamentals of Astrodynamics and Applications', 4th ed., ch. 2-3)."""
    energy = 0.5 * v * v - GM_M3PS2 / r0
    a = -GM_M3PS2 / (2.0 * energy)
    p = (r0 * v * np.cos(gamma)) ** 2 / GM_M3PS2
    e = np.sqrt(1.0 - p / a)
    nu0 = np.arccos((p / r0 - 1.0) / e)  # launch, climbing: 0 < nu0 < pi
    ecc0 = np.arctan2(np.sqrt(1.0 - e * e) * np.sin(nu0), e + np.cos(nu0))
    mean_motion = np.sqrt(GM_M3PS2 / a**3)
    tof = (2.0 * np.pi - 2.0 * ecc0 + 2.0 * e * np.sin(ecc0)) / mean_motion
    return 2.0 * (np.pi - nu0), tof


@pytest.mark.parametrize("elevation_deg", [15.0, 45.0, 70.0])
def test_vacuum_range_and_time_of_flight_match_kepler_within_1_m(elevation_deg):
    """Fired east along the equator (where the WGS84 ellipsoid is a circle of radius a) in
    vacuum over a non-rotating point-mass Earth, a 2,300 m/s projectile flies a Keplerian arc:
    ground range within 1 m and time of flight within 1 ms of the closed form."""
    env = Environment(atmosphere=False, j2=False, rotation=False)
    traj = fly_projectiles(
        0.0,
        0.0,
        0.0,
        90.0 * DEG,
        elevation_deg * DEG,
        2300.0,
        NO_DRAG,
        dt_s=0.01,
        t_max_s=600.0,
        env=env,
    )
    angle, tof = kepler_range_and_time(2300.0, elevation_deg * DEG, WGS84_A_M)
    impact = ecef2geodetic(traj.impact_r_ecef[0])
    assert WGS84_A_M * impact.lon_rad == pytest.approx(WGS84_A_M * angle, abs=1.0)
    assert traj.impact_t_s[0] == pytest.approx(tof, abs=1e-3)


@pytest.fixture(scope="module")
def salvo():
    """45 deg shots at three muzzle velocities from a coastal site, with drag and rotation."""
    return fly_projectiles(
        35.6 * DEG,
        139.7 * DEG,
        10.0,
        45.0 * DEG,
        45.0 * DEG,
        np.array([1500.0, 2000.0, 2500.0]),
        Projectile(),
        dt_s=0.01,
        t_max_s=200.0,
    )


def test_time_of_flight_to_a_slant_range_falls_as_muzzle_velocity_rises(salvo):
    site = geodetic2ecef(35.6 * DEG, 139.7 * DEG, 10.0)
    t, speed, alt = slant_range_crossings(salvo, site, [10e3, 20e3, 30e3])
    assert np.isfinite(t).all()
    assert np.all(np.diff(t, axis=0) < 0)  # faster guns arrive sooner at every range
    assert np.all(np.diff(t, axis=1) > 0)  # and each reaches the ranges in order
    assert np.all(np.diff(speed, axis=1) < 0)


def test_projectile_loses_speed_monotonically_while_it_climbs(salvo):
    """Drag and gravity both oppose a climbing projectile, so its speed falls at every step
    until apogee, and falls faster than in vacuum."""
    for i in range(3):
        ok = salvo.valid[i]
        alt = salvo.alt_m[i, ok]
        climbing = np.diff(alt) > 0
        apogee = int(np.argmin(climbing))
        speed = salvo.speed_mps[i, ok][: apogee + 1]
        assert apogee > 100
        assert np.all(np.diff(speed) < 0)
    vacuum = fly_projectiles(
        35.6 * DEG,
        139.7 * DEG,
        10.0,
        45.0 * DEG,
        45.0 * DEG,
        2500.0,
        NO_DRAG,
        dt_s=0.01,
        t_max_s=20.0,
    )
    assert salvo.speed_mps[2, 2000] < vacuum.speed_mps[0, 2000] - 100.0


def test_drag_curve_and_defaults_are_the_documented_ones():
    """G7-shaped curve: low and flat subsonic, a transonic peak near Mach 1.05-1.1."""
    p = Projectile()
    assert p.mass_kg == 0.32 and p.diameter_m == 0.015
    cd = p.drag(np.array([0.5, 1.05, 3.0, 20.0]))
    assert cd[0] < 0.15 and cd[1] > 0.35 and cd[1] > cd[2] > cd[3]
    # a slender dart: the ballistic coefficient is thousands of kg/m^2
    assert 5_000 < p.ballistic_coefficient_kgpm2 < 15_000


@pytest.mark.parametrize(
    "env",
    [Environment(), Environment(atmosphere=False, j2=False, rotation=True)],
    ids=["earth", "vacuum-rotating"],
)
def test_fused_ballistic_model_flies_as_the_generic_point_mass_model(env):
    """BallisticModel (one compiled loop) against PointMassModel with BallisticController (the
    numpy path) on the same shots: fire control's (4 s at 0.05 s steps) and whole flights to
    the ground, through the transonic part of the drag curve (a 300 m/s shot) and a late impact.
    Positions agree to well under a millimetre (in fact to rounding), impacts likewise."""
    shots = dict(
        lat_rad=35.66 * DEG,
        lon_rad=139.72 * DEG,
        alt_m=10.0,
        az_rad=np.array([0.3, 1.2, 2.5, 4.0, 5.5]),
        el_rad=np.array([5.0, 20.0, 45.0, 70.0, 3.0]) * DEG,
        muzzle_velocity_mps=np.array([2300.0, 2300.0, 1200.0, 2300.0, 300.0]),
        projectile=Projectile(),
        env=env,
    )
    for dt_s, t_max_s in ((0.05, 4.0), (0.1, 40.0)):
        fused = fly_projectiles(**shots, dt_s=dt_s, t_max_s=t_max_s)
        generic = fly_projectiles(**shots, dt_s=dt_s, t_max_s=t_max_s, fused=False)
        np.testing.assert_array_equal(fused.valid, generic.valid)
        assert np.nanmax(np.abs(fused.r_ecef - generic.r_ecef)) < 1e-6
        assert np.nanmax(np.abs(fused.v_ecef - generic.v_ecef)) < 1e-9
        np.testing.assert_allclose(fused.mach, generic.mach, rtol=1e-12)
        np.testing.assert_array_equal(np.isnan(fused.impact_t_s), np.isnan(generic.impact_t_s))
        assert np.nanmax(np.abs(fused.impact_t_s - generic.impact_t_s), initial=0.0) < 1e-9
        assert np.max(np.abs(fused.impact_r_ecef - generic.impact_r_ecef)) < 1e-6
    assert np.isfinite(fused.impact_t_s).sum() >= 1  # the long flights do come down
    assert np.nanmin(fused.mach) < 0.9  # and the slow one flies subsonic


def test_fused_ballistic_model_derivative_and_subset():
    """The fused derivative is PointMassModel's at states spread over altitude (-1 to 300 km)
    and speed (0 to 3 km/s, through every piece of the drag curve), and ``subset`` keeps the
    members asked for, in their order."""
    rng = np.random.default_rng(3)
    n = 400
    lat, lon = rng.uniform(-1.5, 1.5, n), rng.uniform(-np.pi, np.pi, n)
    r = geodetic2ecef(lat, lon, rng.uniform(-1e3, 300e3, n))
    v = rng.normal(size=(n, 3))
    v *= (rng.uniform(0.0, 3000.0, n) / np.linalg.norm(v, axis=1))[:, None]
    y = np.ascontiguousarray(np.concatenate([r, v], axis=1).T)
    aom = rng.uniform(1e-4, 1e-3, n)
    fused = BallisticModel(aom, DragCurve())
    generic = PointMassModel(aom, BallisticController(DragCurve()))
    np.testing.assert_allclose(
        fused.derivative(0.0, y), generic.derivative(0.0, y), rtol=1e-13, atol=1e-12
    )
    keep = np.array([7, 2, 300])
    np.testing.assert_array_equal(
        fused.subset(keep).derivative(0.0, np.ascontiguousarray(y[:, keep])),
        fused.derivative(0.0, y)[:, keep],
    )
