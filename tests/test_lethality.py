"""Lethality (closest approach between samples, kill) and battery dispersion and limits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from kaminari.weapons.battery import (
    Battery,
    azimuth_allowed,
    dispersed_shots,
    elevation_allowed,
)
from kaminari.weapons.lethality import closest_approach, kill

DEG = np.pi / 180.0


def straight_line_miss(d0, w):
    """Closest approach of two bodies in uniform motion, relative position d0 + w t (t free):
    distance |d0 x w| / |w| at t* = -d0.w / |w|^2 (elementary vector geometry)."""
    cross = np.linalg.norm(np.cross(d0, w), axis=-1)
    w2 = np.einsum("...i,...i->...", w, w)
    return cross / np.sqrt(w2), -np.einsum("...i,...i->...", d0, w) / w2


def test_crossing_lines_match_closed_form_within_1_um():
    """Rounds and threats on straight lines, closing at 2-6 km/s, sampled every 0.02 s from an
    offset that puts the closest approach between samples: miss and time as the closed form."""
    rng = np.random.default_rng(7)
    n = 500
    t = 0.013 + 0.02 * np.arange(200)  # 4 s
    t_star = rng.uniform(0.5, 3.5, n)
    speed = rng.uniform(2000.0, 6000.0, n)
    w = rng.normal(size=(n, 3))
    w *= (speed / np.linalg.norm(w, axis=1))[:, None]
    offset = rng.normal(size=(n, 3))
    offset -= (np.einsum("ni,ni->n", offset, w) / speed**2)[:, None] * w  # perpendicular to w
    offset *= (rng.uniform(0.0, 30.0, n) / np.linalg.norm(offset, axis=1))[:, None]
    d0 = offset - t_star[:, None] * w  # relative position at t = 0
    r_a = rng.normal(scale=1e4, size=(n, 1, 3)) + rng.normal(scale=2e3, size=(n, 1, 3)) * t[:, None]
    r_b = r_a + d0[:, None, :] + w[:, None, :] * t[:, None]
    miss, t_ca, index = closest_approach(t, r_a, r_b)
    ref_miss, ref_t = straight_line_miss(d0, w)
    np.testing.assert_allclose(miss, ref_miss, rtol=0, atol=1e-6)
    np.testing.assert_allclose(t_ca, ref_t, rtol=0, atol=1e-9)
    assert np.all((t[index] <= t_ca) & (t_ca <= t[index + 1]))


def test_minimum_between_samples_is_exact_where_the_samples_overstate_it():
    """Head-on at 4 km/s closing with a 3 m offset, the passage halfway between two samples
    0.02 s apart: the nearest sample is 40 m away along the path, so the sampled minimum is
    sqrt(3^2 + 40^2) = 40.1 m (no kill at 5 m); the closed form gives 3 m (a kill)."""
    t = 0.02 * np.arange(101)
    t_pass = 1.01
    r_a = np.zeros((101, 3))
    r_b = np.stack([4000.0 * (t - t_pass), np.full_like(t, 3.0), np.zeros_like(t)], axis=-1)
    sampled = np.min(np.linalg.norm(r_b - r_a, axis=-1))
    assert sampled == pytest.approx(np.hypot(3.0, 40.0), abs=1e-6)
    miss, t_ca, index = closest_approach(t, r_a, r_b)
    assert miss == pytest.approx(3.0, abs=1e-9)
    assert t_ca == pytest.approx(t_pass, abs=1e-12)
    assert index == 50
    assert kill(miss, 5.0) and not kill(sampled, 5.0)


@pytest.mark.parametrize("accel_mps2", [100.0, 300.0, 1000.0])
def test_curved_relative_motion_is_within_the_linear_error_bound(accel_mps2):
    """Relative motion d0 + w t + a t^2 / 2 at 3 km/s with a lateral acceleration: the linear
    model's miss is within A h^2 / 8 (the interpolation error bound, module docstring) of the
    true minimum, found by scipy's bounded scalar minimiser on the exact curve."""
    h = 0.02
    t = h * np.arange(151)
    t0 = 1.509  # the pass, between samples
    offset = np.array([0.0, 2.0, -1.0])
    w = np.array([3000.0, 0.0, 0.0])
    a = np.array([0.0, accel_mps2, 0.3 * accel_mps2]) / np.hypot(1.0, 0.3)

    def rel_at(tt):
        dt = np.asarray(tt)[..., None] - t0
        return offset + w * dt + 0.5 * a * dt * dt

    best = minimize_scalar(
        lambda tt: np.linalg.norm(rel_at(tt)),
        bounds=(t0 - 0.1, t0 + 0.1),
        method="bounded",
        options={"xatol": 1e-12},
    )
    rel = rel_at(t)
    miss, _, _ = closest_approach(t, np.zeros((t.size, 3)), rel)
    assert abs(miss - best.fun) <= accel_mps2 * h * h / 8.0


def test_parallel_motion_keeps_the_distance_and_reports_the_first_sample():
    """Equal velocities: the distance never changes; the miss is that distance, at t[0]."""
    t = np.linspace(0.0, 2.0, 41)
    r_a = np.array([1.0, 2.0, 3.0]) + np.array([2500.0, -300.0, 800.0]) * t[:, None]
    r_b = r_a + np.array([6.0, 8.0, 0.0])
    miss, t_ca, index = closest_approach(t, r_a, r_b)
    assert miss == pytest.approx(10.0, abs=1e-9)
    assert t_ca == 0.0 and index == 0


def test_invalid_samples_are_masked():
    """Samples marked invalid (or NaN, like a projectile after impact) are not used: the pass at
    1.01 s is hidden when its interval is masked; a lone valid sample counts by itself; a member
    with nothing valid gets NaN and index -1."""
    t = 0.02 * np.arange(101)
    r_b = np.stack([4000.0 * (t - 1.01), np.full_like(t, 3.0), np.zeros_like(t)], axis=-1)
    r_b = np.broadcast_to(r_b, (4, 101, 3)).copy()
    valid = np.ones((4, 101), dtype=bool)
    valid[1, 51] = False  # hides the interval [50, 51] and [51, 52]
    r_b[2, 40:] = np.nan  # flown into the ground at 0.8 s
    valid[3] = False
    miss, t_ca, index = closest_approach(t, np.zeros((t.size, 3)), r_b, valid)
    assert miss[0] == pytest.approx(3.0, abs=1e-9)
    # Member 1: best remaining interval [49, 50] ends 0.01 s before the pass (at 40.1 m); the
    # interval [52, 53] starts 0.03 s after it; the nearest remaining point is sample 50.
    assert miss[1] == pytest.approx(np.hypot(3.0, 40.0), abs=1e-9)
    assert index[1] == 49 and t_ca[1] == pytest.approx(t[50])
    assert miss[2] == pytest.approx(np.hypot(3.0, 4000.0 * (1.01 - t[39])), abs=1e-6)
    assert index[2] == 38
    assert np.isnan(miss[3]) and np.isnan(t_ca[3]) and index[3] == -1
    assert not kill(miss[3], 5.0)

    lone = np.zeros((1, 101), dtype=bool)
    lone[0, 60] = True
    miss, t_ca, index = closest_approach(t, np.zeros((t.size, 3)), r_b[:1], lone)
    assert index[0] == 60 and t_ca[0] == t[60]
    assert miss[0] == pytest.approx(np.hypot(3.0, 4000.0 * (t[60] - 1.01)), abs=1e-9)


def test_leading_axes_broadcast():
    """One threat (T, 3) against a (2, 3) grid of rounds (2, 3, T, 3): every member's result is
    that of the pair alone."""
    rng = np.random.default_rng(3)
    t = np.linspace(0.0, 1.0, 51)
    threat = np.array([5000.0, 0.0, 20e3]) + np.array([-2500.0, 10.0, -300.0]) * t[:, None]
    v = rng.normal(scale=1000.0, size=(2, 3, 1, 3)) + np.array([0.0, 0.0, 1500.0])
    rounds = (
        rng.normal(scale=50.0, size=(2, 3, 1, 3)) + v * t[:, None] + np.array([2000.0, 0.0, 19e3])
    )
    miss, t_ca, index = closest_approach(t, threat, rounds)
    assert miss.shape == t_ca.shape == index.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            m, tc, k = closest_approach(t, threat, rounds[i, j])
            np.testing.assert_allclose([miss[i, j], t_ca[i, j]], [m, tc], rtol=0, atol=1e-9)
            assert index[i, j] == k


@settings(max_examples=50, deadline=None)
@given(
    st.floats(-100.0, 100.0),
    st.floats(-100.0, 100.0),
    st.floats(500.0, 6000.0),
    st.floats(0.0, 0.02),
)
def test_swapping_the_bodies_changes_nothing(y, z, speed, phase):
    """Closest approach is symmetric in the two bodies."""
    t = phase + 0.02 * np.arange(60)
    a = np.stack([speed * (t - 0.6), np.full_like(t, y), np.full_like(t, z)], axis=-1)
    b = np.zeros_like(a) + np.array([0.0, 1.0, 0.0]) * t[:, None]
    assert closest_approach(t, a, b)[0] == pytest.approx(closest_approach(t, b, a)[0], abs=1e-9)


def test_kill_includes_the_lethal_radius_boundary():
    r = 5.0
    assert kill(5.0, r)
    assert not kill(np.nextafter(5.0, 6.0), r)
    assert kill(0.0, r)
    assert not kill(np.nan, r)
    np.testing.assert_array_equal(kill(np.array([4.9, 5.0, 5.1]), r), [True, True, False])
    np.testing.assert_array_equal(kill(5.0, np.array([4.0, 5.0, 6.0])), [False, True, True])


# ---- battery: shot dispersion and mount limits ----

BATTERY = Battery("railgun-1", 35.6 * DEG, 139.7 * DEG, 10.0)


def test_dispersion_free_battery_fires_where_it_aims_and_draws_a_fixed_amount():
    """With zero sigmas the shots are the aim; the generator still advances by three draws per
    shot, so a batch's random stream does not depend on the battery's figures."""
    rng, ref = np.random.default_rng(5), np.random.default_rng(5)
    az = np.array([[0.1, 1.0, 6.0], [2.0, 3.0, 4.0]])
    out_az, out_el, out_v = dispersed_shots(BATTERY, az, 0.5, rng)
    assert out_az.shape == out_el.shape == out_v.shape == (2, 3)
    np.testing.assert_array_equal(out_az, az)
    np.testing.assert_array_equal(out_el, 0.5)
    np.testing.assert_array_equal(out_v, BATTERY.muzzle_velocity_mps)
    ref.standard_normal((3, 2, 3))
    assert rng.standard_normal() == ref.standard_normal()


def test_pointing_error_is_isotropic_about_the_line_of_fire():
    """At 60 deg elevation, 1 mrad pointing sigma and 5 m/s velocity sigma over 200,000 shots:
    the line of fire is deflected by 1 mrad (standard deviation) both in and across the plane
    of elevation, within 1 %, and the velocity spread is 5 m/s within 1 %. Same seed, same
    shots."""
    battery = Battery("b", 0.0, 0.0, 0.0, sigma_pointing_rad=1e-3, sigma_muzzle_velocity_mps=5.0)
    n, az0, el0 = 200_000, 0.3, 60.0 * DEG
    az, el, v = dispersed_shots(battery, np.full(n, az0), el0, np.random.default_rng(11))

    def unit(a, e):
        return np.stack([np.cos(e) * np.sin(a), np.cos(e) * np.cos(a), np.sin(e)], axis=-1)

    aim = unit(az0, el0)
    up_dir = unit(az0, el0 + np.pi / 2)  # in the plane of elevation, perpendicular to the aim
    across = np.cross(aim, up_dir)
    dev = unit(az, el) - aim
    assert np.std(dev @ up_dir) == pytest.approx(1e-3, rel=0.01)
    assert np.std(dev @ across) == pytest.approx(1e-3, rel=0.01)
    assert np.std(v) == pytest.approx(5.0, rel=0.01)
    again = dispersed_shots(battery, np.full(n, az0), el0, np.random.default_rng(11))
    np.testing.assert_array_equal(again[0], az)


def test_azimuth_sector_through_north():
    b = Battery("b", 0.0, 0.0, 0.0, min_azimuth_rad=350.0 * DEG, max_azimuth_rad=10.0 * DEG)
    az = np.array([355.0, 0.0, 5.0, 10.0, -5.0, 365.0, 11.0, 180.0, 349.0]) * DEG
    np.testing.assert_array_equal(
        azimuth_allowed(b, az), [True, True, True, True, True, True, False, False, False]
    )
    plain = Battery("b", 0.0, 0.0, 0.0, min_azimuth_rad=45.0 * DEG, max_azimuth_rad=135.0 * DEG)
    np.testing.assert_array_equal(
        azimuth_allowed(plain, np.array([44.0, 45.0, 90.0, 135.0, 136.0, 450.0]) * DEG),
        [False, True, True, True, False, True],
    )
    assert azimuth_allowed(BATTERY, np.linspace(-7.0, 7.0, 57)).all()


def test_elevation_limits_include_their_edges():
    np.testing.assert_array_equal(
        elevation_allowed(BATTERY, np.array([4.9, 5.0, 45.0, 85.0, 85.1]) * DEG),
        [False, True, True, True, False],
    )
