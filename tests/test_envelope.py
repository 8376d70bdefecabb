"""Ballistic table, engagement envelope and first aim of a railgun battery."""

import numpy as np
import pytest
from scipy.integrate import quad, solve_ivp
from scipy.optimize import brentq

from kaminari.dynamics.forces import Environment
from kaminari.earth.atmosphere import us76
from kaminari.earth.constants import GM_M3PS2, WGS84_A_M
from kaminari.earth.frames import ecef2enu
from kaminari.firecontrol.aim import refine_aim
from kaminari.firecontrol.envelope import (
    FirstAim,
    ballistic_table,
    envelope,
    first_aim,
    max_altitude_m,
)
from kaminari.weapons.battery import Battery
from kaminari.weapons.projectile import Projectile, fly_projectiles

DEG = np.pi / 180.0
BATTERY = Battery("railgun-1", 35.6 * DEG, 139.7 * DEG, 10.0)
VACUUM = Environment(atmosphere=False, j2=False, rotation=False)
# A battery on the equator that can fire straight up: there "up" is radial and altitude is
# radius minus the equatorial radius, so a vertical shot is a one-dimensional problem.
ZENITH = Battery("zenith", 0.0, 0.0, 0.0, min_elevation_rad=80 * DEG, max_elevation_rad=90 * DEG)


@pytest.fixture(scope="module")
def table():
    return ballistic_table(BATTERY)


def site_frame(battery, r_ecef):
    enu = ecef2enu(r_ecef, battery.lat_rad, battery.lon_rad, battery.alt_m)
    return np.hypot(enu[..., 0], enu[..., 1]), enu[..., 2]


def test_table_is_the_fan_flown_north(table):
    """The table's rows are fly_projectiles' shots at azimuth 0: identical for the same step
    (1 um), and within 1 cm of shots flown with a ten times finer step, over the whole table."""
    assert table.elevation_rad[0] == BATTERY.min_elevation_rad
    assert table.elevation_rad[-1] == BATTERY.max_elevation_rad
    assert np.max(np.diff(table.elevation_rad)) <= 0.5 * DEG + 1e-12
    rows = [0, 40, 80, 120, 160]
    for dt, every, tol in ((0.05, 1, 1e-6), (0.005, 10, 0.01)):
        traj = fly_projectiles(
            BATTERY.lat_rad,
            BATTERY.lon_rad,
            BATTERY.alt_m,
            0.0,
            table.elevation_rad[rows],
            BATTERY.muzzle_velocity_mps,
            dt_s=dt,
            t_max_s=60.0,
            record_every=every,
        )
        ground, height = site_frame(BATTERY, traj.r_ecef)
        k = min(traj.t_s.size, table.t_s.size)
        np.testing.assert_allclose(traj.t_s[:k], table.t_s[:k], atol=1e-9)
        both = np.isfinite(ground[:, :k]) & np.isfinite(table.ground_m[rows, :k])
        assert both.sum() > 0.9 * np.isfinite(table.ground_m[rows]).sum()
        assert np.max(np.abs(ground[:, :k] - table.ground_m[rows, :k])[both]) < tol
        assert np.max(np.abs(height[:, :k] - table.height_m[rows, :k])[both]) < tol


def radial_kepler_height(v0_mps, t_s):
    """Height reached at time t by a body fired straight up at v0 from the surface of a
    point-mass Earth of radius a, from energy conservation v^2 = v0^2 - 2 GM (1/r0 - 1/r) and
    t = integral dr / v (D. A. Vallado, 'Fundamentals of Astrodynamics and Applications',
    4th ed., sec. 1.3: the energy integral of the two-body problem)."""
    r0 = WGS84_A_M

    def time_to(h):
        def inv_speed(r):
            return 1.0 / np.sqrt(v0_mps**2 - 2.0 * GM_M3PS2 * (1.0 / r0 - 1.0 / r))

        return quad(inv_speed, r0, r0 + h, epsabs=1e-12, epsrel=1e-13)[0]

    return brentq(lambda h: time_to(h) - t_s, 0.0, 2e5, xtol=1e-9)


def test_vertical_shot_in_vacuum_matches_the_energy_integral_within_1_mm():
    """The 90 deg row of a table flown in vacuum over a non-rotating point-mass Earth rises as
    the closed form; being the highest shot at every time, it is also the table's maximum
    altitude for each time-of-flight limit."""
    tab = ballistic_table(ZENITH, t_max_s=30.0, env=VACUUM)
    for t in (5.0, 10.0, 20.0, 30.0):
        k = int(np.argmin(np.abs(tab.t_s - t)))
        h = radial_kepler_height(ZENITH.muzzle_velocity_mps, t)
        assert tab.height_m[-1, k] == pytest.approx(h, abs=1e-3)
        assert tab.ground_m[-1, k] == pytest.approx(0.0, abs=1e-3)
        assert max_altitude_m(tab, t) == pytest.approx(h, abs=1e-3)


def test_vertical_shot_with_drag_matches_an_independent_1d_integration_within_1_cm():
    """With the atmosphere on (no rotation, point-mass gravity), the 90 deg row rises as
    dh/dt = v, dv/dt = -GM / (a + h)^2 - rho(h) Cd(M) A v |v| / (2 m), integrated by scipy's
    DOP853 with the US 1976 density and speed of sound (tested against ussa1976 elsewhere)."""
    env = Environment(atmosphere=True, j2=False, rotation=False)
    tab = ballistic_table(ZENITH, t_max_s=30.0, env=env)
    p = Projectile()

    def rhs(_t, y):
        h, v = y
        air = us76(h)
        cd = p.drag(abs(v) / air.speed_of_sound_mps)
        drag = air.density_kgpm3 * cd * p.area_m2 / (2.0 * p.mass_kg) * v * abs(v)
        return [v, -GM_M3PS2 / (WGS84_A_M + h) ** 2 - drag]

    sol = solve_ivp(
        rhs,
        (0.0, 30.0),
        [0.0, ZENITH.muzzle_velocity_mps],
        "DOP853",
        rtol=1e-11,
        atol=1e-9,
        dense_output=True,
    )
    np.testing.assert_allclose(tab.height_m[-1], sol.sol(tab.t_s)[0], rtol=0, atol=0.01)
    assert tab.height_m[-1, -1] > 40e3  # a real climb, not a trivial agreement


def test_azimuth_dependence_left_out_of_the_table_is_as_documented():
    """Fired at 45 deg to the four cardinal points, positions at 20 s (each in its own shot's
    along/cross/up frame) spread by 58 m, the figure in the envelope module's docstring."""
    az = np.array([0.0, 90.0, 180.0, 270.0]) * DEG
    traj = fly_projectiles(
        BATTERY.lat_rad,
        BATTERY.lon_rad,
        BATTERY.alt_m,
        az,
        45 * DEG,
        BATTERY.muzzle_velocity_mps,
        dt_s=0.05,
        t_max_s=20.0,
    )
    enu = ecef2enu(traj.r_ecef[:, -1], BATTERY.lat_rad, BATTERY.lon_rad, BATTERY.alt_m)
    along = enu[:, 0] * np.sin(az) + enu[:, 1] * np.cos(az)
    cross = enu[:, 0] * np.cos(az) - enu[:, 1] * np.sin(az)
    p = np.stack([along, cross, enu[:, 2]], axis=-1)
    spread = np.max(np.linalg.norm(p[:, None] - p[None], axis=-1))
    assert spread == pytest.approx(57.5, abs=1.0)


def test_max_altitude_grows_with_time_of_flight_and_muzzle_velocity():
    limits = [10.0, 20.0, 30.0]
    by_speed = []
    for v in (2000.0, 2300.0, 2600.0):
        battery = Battery("b", BATTERY.lat_rad, BATTERY.lon_rad, 10.0, muzzle_velocity_mps=v)
        tab = ballistic_table(battery, el_step_rad=1.0 * DEG, t_max_s=30.0)
        by_speed.append([max_altitude_m(tab, t) for t in limits])
    by_speed = np.array(by_speed)
    assert np.all(np.diff(by_speed, axis=1) > 1000.0)
    assert np.all(np.diff(by_speed, axis=0) > 1000.0)


def test_envelope_band_is_bounded_by_the_steepest_line_of_fire_and_by_time(table):
    """At each altitude, no shot gets nearer than the steepest line of fire allows
    (h / tan(85 deg), gravity only bends shots outward of it, by under 5 % up to 20 km); the
    band is empty above the maximum altitude; a fixed point just inside the band's outer edge is
    reached within the limit and one 1 % beyond it is not (first_aim, an independent search)."""
    altitudes = np.array([5e3, 10e3, 15e3, 20e3])
    limit = 20.0
    lo, hi = envelope(table, limit, altitudes)
    steepest = (altitudes - BATTERY.alt_m) / np.tan(BATTERY.max_elevation_rad)
    assert np.all(lo >= steepest) and np.all(lo < 1.05 * steepest)
    assert np.all(hi > lo)
    top = max_altitude_m(table, limit)
    above = envelope(table, limit, [top + 100.0])
    assert np.isnan(above[0]).all() and np.isnan(above[1]).all()
    assert envelope(table, limit, np.zeros((2, 3)))[0].shape == (2, 3)

    # Heights in the site frame are altitudes minus the site altitude and the Earth's drop.
    def reached_in_time(ground):
        height = altitudes - BATTERY.alt_m - ground**2 / (2.0 * WGS84_A_M)
        g = np.repeat(ground[:, None], table.t_s.size, axis=1)
        h = np.repeat(height[:, None], table.t_s.size, axis=1)
        _, tof, feasible = first_aim(table, g, h, table.t_s)
        return feasible & (tof <= limit)

    assert reached_in_time(0.995 * hi).all()
    assert not reached_in_time(1.01 * hi).any()


def test_first_aim_recovers_constructed_solutions(table):
    """Targets built to pass through a shot's position at a chosen time: the shot (flown apart,
    at an elevation between the table's rows, with a 0.01 s step) at elevation el0 is at P at
    tof0; the target flies in a straight line through P at tof0, inbound and descending at
    1-3 km/s. first_aim gives back el0 and tof0 (to under 1 m at the target), and the shot it
    orders, flown apart, passes within 1 m of the target."""
    rng = np.random.default_rng(2)
    n, dt = 300, 0.01
    el0 = rng.uniform(8.0, 82.0, n) * DEG
    tof0 = dt * np.round(rng.uniform(3.0, 40.0, n) / dt)
    shots = fly_projectiles(
        BATTERY.lat_rad,
        BATTERY.lon_rad,
        BATTERY.alt_m,
        0.0,
        el0,
        BATTERY.muzzle_velocity_mps,
        dt_s=dt,
        t_max_s=41.0,
    )
    at = np.round(tof0 / dt).astype(int)
    g0, h0 = site_frame(BATTERY, shots.r_ecef[np.arange(n), at])
    speed = rng.uniform(1000.0, 3000.0, n)
    dive = rng.uniform(0.0, 40.0, n) * DEG
    vg, vh = -speed * np.cos(dive), -speed * np.sin(dive)
    t = table.t_s
    g = g0[:, None] + vg[:, None] * (t - tof0[:, None])
    h = h0[:, None] + vh[:, None] * (t - tof0[:, None])

    el, tof, feasible = first_aim(table, g, h, t)
    assert feasible.all()
    # Errors in metres at the target: elevation times slant range, time times target speed.
    assert np.max(np.abs(el - el0) * np.hypot(g0, h0)) < 1.0
    assert np.max(np.abs(tof - tof0) * speed) < 1.0

    check = fly_projectiles(
        BATTERY.lat_rad,
        BATTERY.lon_rad,
        BATTERY.alt_m,
        0.0,
        el,
        BATTERY.muzzle_velocity_mps,
        dt_s=dt,
        t_max_s=41.0,
    )
    i = np.floor(tof / dt).astype(int)
    w = (tof / dt - i)[:, None]
    r = check.r_ecef[np.arange(n), i] * (1.0 - w) + check.r_ecef[np.arange(n), i + 1] * w
    pg, ph = site_frame(BATTERY, r)
    miss = np.hypot(pg - (g0 + vg * (tof - tof0)), ph - (h0 + vh * (tof - tof0)))
    assert np.max(miss) < 1.0


def test_first_aim_kept_for_its_times_answers_as_first_aim(table):
    """FirstAim (fire control keeps one per battery, for its times of flight) gives, call after
    call on different targets (some within reach, some not), exactly what first_aim gives for
    each."""
    t = table.t_s[:81]
    fa = FirstAim(table, t)
    rng = np.random.default_rng(4)
    found = 0
    for _ in range(3):
        n = int(rng.integers(1, 6))
        g0, h0 = rng.uniform(3e3, 12e3, n), rng.uniform(2e3, 15e3, n)
        g = g0[:, None] - rng.uniform(500.0, 2500.0, n)[:, None] * t
        h = h0[:, None] - rng.uniform(0.0, 1000.0, n)[:, None] * t
        for a, b in zip(fa(g, h), first_aim(table, g, h, t), strict=True):
            np.testing.assert_array_equal(a, b)
        found += int(fa(g, h)[2].sum())
    assert found >= 3


def test_compiled_first_aim_equals_the_numpy_search(table):
    """FirstAim's compiled kernel (target by target, stopping at the first meeting) against the
    same search batched in numpy (``compiled=False``), on 2,000 targets: inbound, outbound,
    out of reach, NaN from some time on (a prediction below ground). Same feasibility, and
    elevation and time of flight to rounding."""
    t = table.t_s[:401]  # 20 s
    fa = FirstAim(table, t)
    rng = np.random.default_rng(9)
    n = 2000
    g0, h0 = rng.uniform(-2e3, 60e3, n), rng.uniform(-1e3, 40e3, n)
    g = g0[:, None] + rng.uniform(-3000.0, 1500.0, n)[:, None] * t
    h = h0[:, None] + rng.uniform(-1500.0, 500.0, n)[:, None] * t
    gone = rng.random(n) < 0.2
    h[gone, 100:] = np.nan
    g[gone, 100:] = np.nan
    el, tof, ok = fa(g, h)
    el_np, tof_np, ok_np = fa(g, h, compiled=False)
    np.testing.assert_array_equal(ok, ok_np)
    assert 200 < ok.sum() < n  # both kinds, many of each
    np.testing.assert_allclose(el[ok], el_np[ok], rtol=0, atol=1e-12)
    np.testing.assert_allclose(tof[ok], tof_np[ok], rtol=0, atol=1e-12)
    assert np.isnan(el[~ok]).all() and np.isnan(tof[~ok]).all()


def test_targets_out_of_reach_are_flagged(table):
    """Too far, too high, too steep (above the 85 deg fan), running away faster than the round,
    and a prediction that is all NaN: infeasible, with NaN elevation and time of flight; a
    reachable target in the same batch is not disturbed."""
    t = table.t_s
    ones = np.ones_like(t)
    g = np.stack(
        [150e3 * ones, 10e3 * ones, 100.0 * ones, 20e3 + 3000.0 * t, np.nan * ones, 15e3 * ones]
    )
    h = np.stack([10e3 * ones, 90e3 * ones, 20e3 * ones, 10e3 * ones, np.nan * ones, 8e3 * ones])
    el, tof, feasible = first_aim(table, g, h, t)
    np.testing.assert_array_equal(feasible, [False, False, False, False, False, True])
    assert np.isnan(el[:5]).all() and np.isnan(tof[:5]).all()
    assert 20.0 * DEG < el[5] < 40.0 * DEG and 5.0 < tof[5] < 20.0


def test_bad_arguments_are_refused(table):
    with pytest.raises(ValueError, match="min_elevation_rad < max_elevation_rad"):
        ballistic_table(Battery("b", 0.0, 0.0, 0.0, min_elevation_rad=1.0, max_elevation_rad=0.5))
    with pytest.raises(ValueError, match=r"\(N, K\)"):
        first_aim(table, np.zeros((2, 5)), np.zeros((2, 5)), table.t_s)


def test_refine_aim_finds_the_constructed_shot_and_each_round_is_aimed_alone():
    """refine_aim (firecontrol.aim) against targets built to pass through a shot's position at
    a chosen time, inbound in a straight line at 2 km/s: from a first aim 1-4 mrad off it gives
    back the shot's azimuth and elevation (to within 0.3 m at the target, where the tolerance
    of 0.2 m on the miss leaves them) and its time of flight, converged. One member starts on
    its solution and converges at the first flight. Each round is flown alone, so the batch's
    answer is each member's answer alone (refine_aim flies again only the members still
    outside its tolerance)."""
    rng = np.random.default_rng(5)
    n, dt, k = 6, 0.05, 81
    az0 = rng.uniform(0.0, 2.0 * np.pi, n)
    el0 = rng.uniform(15.0, 70.0, n) * DEG
    at = rng.integers(30, 60, n)
    tof0 = dt * at
    shots = fly_projectiles(
        BATTERY.lat_rad, BATTERY.lon_rad, BATTERY.alt_m, az0, el0,
        BATTERY.muzzle_velocity_mps, dt_s=dt, t_max_s=(k - 1) * dt,
    )  # fmt: skip
    p = shots.r_ecef[np.arange(n), at]
    inbound = BATTERY.site_ecef() - p
    inbound /= np.linalg.norm(inbound, axis=-1, keepdims=True)
    t = dt * np.arange(k)
    target = p[:, None, :] + 2000.0 * inbound[:, None, :] * (t[None, :, None] - tof0[:, None, None])
    off = rng.uniform(1e-3, 4e-3, (2, n)) * rng.choice([-1.0, 1.0], (2, n))
    off[:, 0] = 0.0
    sol = refine_aim(BATTERY, az0 + off[0], el0 + off[1], target, dt)
    assert sol.converged.all()
    assert np.max(sol.predicted_miss_m) < 0.2
    slant = np.linalg.norm(p - BATTERY.site_ecef(), axis=-1)
    d_az = np.angle(np.exp(1j * (sol.az_rad - az0)))
    assert np.max(np.abs(d_az) * np.cos(el0) * slant) < 0.3
    assert np.max(np.abs(sol.el_rad - el0) * slant) < 0.3
    np.testing.assert_allclose(sol.tof_s, tof0, atol=1e-3)
    assert sol.predicted_miss_m[0] < 1e-3  # started on its solution
    for i in range(n):
        alone = refine_aim(BATTERY, az0[i : i + 1] + off[0, i], el0[i : i + 1] + off[1, i],
                           target[i : i + 1], dt)  # fmt: skip
        for field in ("az_rad", "el_rad", "tof_s", "predicted_miss_m"):
            assert getattr(alone, field)[0] == getattr(sol, field)[i], (i, field)
