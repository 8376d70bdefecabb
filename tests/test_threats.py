"""Glide physics of the CAV-H and the guidance plans, against published figures and closed forms."""

import numpy as np
import pytest

from kaminari.dynamics.forces import Environment
from kaminari.dynamics.integrator import PointMassModel
from kaminari.earth.constants import G0_MPS2, GM_M3PS2, MEAN_RADIUS_M
from kaminari.earth.frames import ecef2geodetic
from kaminari.earth.geodesy import ground_range_m, initial_bearing_rad
from kaminari.threats.flyout import GlideController, GlideStart, ThreatSpec, fly_threats
from kaminari.threats.guidance import BankPlan, DivePlan, GuidancePlan
from kaminari.threats.vehicles import CAV_H, CavHAero, ConstantLiftToDragAero, GlideVehicle

DEG = np.pi / 180.0
START = GlideStart(33.0 * DEG, 128.0 * DEG, 50e3, 5000.0, 0.0, 60.0 * DEG)


def test_cav_h_published_mass_area_and_maximum_lift_to_drag_phillips_2003():
    """Phillips (2003): CAV-H of 907.2 kg, 0.4839 m^2, hypersonic L/D max about 3.5."""
    assert CAV_H.mass_kg == 907.2 and CAV_H.ref_area_m2 == 0.4839
    alpha = np.linspace(5, 25, 201) * DEG
    cl, cd = CavHAero().coefficients(np.full_like(alpha, 15.0), alpha)
    assert np.max(cl / cd) == pytest.approx(3.5, abs=0.1)
    # the lift fit is invertible in alpha, which equilibrium glide and the dive rely on
    back = CavHAero().alpha_for_lift(np.full_like(alpha, 15.0), cl)
    np.testing.assert_allclose(back, alpha, atol=1e-12)


@pytest.fixture(scope="module")
def free_glide():
    spec = ThreatSpec("free", CAV_H, START, GuidancePlan(10.0 * DEG))
    return fly_threats([spec], dt_s=0.1, t_max_s=300.0)


def test_free_glide_oscillates_about_a_mean_altitude_between_40_and_50_km(free_glide):
    """A CAV-H released level at 50 km and 5 km/s with alpha 10 deg skips: its altitude swings
    about an equilibrium-glide mean between 40 and 50 km (the phugoid of a lifting entry,
    Vinh 1980 ch. 7), crossing that mean several times in 300 s."""
    alt = free_glide.alt_m[0]
    mean = alt.mean()
    assert 40e3 < mean < 50e3
    crossings = np.count_nonzero(np.diff(np.sign(alt - mean)) != 0)
    assert crossings >= 3
    assert alt.max() - alt.min() > 5e3


def test_free_glide_peak_lift_acceleration_between_0_3_and_4_g(free_glide):
    assert 0.3 < np.max(free_glide.load_factor_g[0]) < 4.0


def test_equilibrium_glide_range_matches_the_analytic_range_within_10_percent():
    """Equilibrium glide at constant L/D over a non-rotating spherical-gravity Earth:
    s = (r / 2) (L/D) ln[(1 - v_f^2 / (g r)) / (1 - v_0^2 / (g r))]
    (N. X. Vinh, 'Hypersonic and Planetary Entry Flight Mechanics', 1980, eq. 4.25 family;
    also Hankey, 'Re-entry Aerodynamics', 1988). Flown from 5 km/s to 2 km/s at L/D = 2.5."""
    ld, alt0, v0, vf = 2.5, 35e3, 5000.0, 2000.0
    vehicle = GlideVehicle("ideal", 907.2, 0.4839, ConstantLiftToDragAero(3.0, ld))
    start = GlideStart(0.0, 0.0, alt0, v0, 0.0, 90.0 * DEG)
    plan = GuidancePlan(0.2, glide="equilibrium", alpha_max_rad=0.6)
    env = Environment(j2=False, rotation=False)
    traj = fly_threats([ThreatSpec("eq", vehicle, start, plan)], dt_s=0.1, t_max_s=2000.0, env=env)
    speed = np.linalg.norm(traj.v_ecef[0], axis=1)
    k = int(np.argmax(speed < vf))
    assert k > 0, "the glide never slowed to v_f"
    flown = ground_range_m(0.0, 0.0, traj.lat_rad[0, k], traj.lon_rad[0, k])
    r = MEAN_RADIUS_M + alt0
    g = GM_M3PS2 / r**2
    analytic = 0.5 * r * ld * np.log((1 - vf**2 / (g * r)) / (1 - v0**2 / (g * r)))
    assert flown == pytest.approx(analytic, rel=0.10)


def _heading_deg(traj, i: int) -> np.ndarray:
    """Track heading of threat i, from 1 s chords of its ground track, unwrapped."""
    lat, lon = traj.lat_rad[i], traj.lon_rad[i]
    chord = initial_bearing_rad(lat[:-10:10], lon[:-10:10], lat[10::10], lon[10::10])
    return np.degrees(np.unwrap(chord))


def test_weave_swings_the_heading_about_the_wings_level_track():
    """A 30 deg, 60 s bank weave swings the heading to and fro about the wings-level glide's:
    an oscillation that changes direction every half period."""
    weave = GuidancePlan(10.0 * DEG, bank=BankPlan("weave", amplitude_rad=30 * DEG, period_s=60))
    traj = fly_threats(
        [
            ThreatSpec("free", CAV_H, START, GuidancePlan(10.0 * DEG)),
            ThreatSpec("weave", CAV_H, START, weave),
        ],
        dt_s=0.1,
        t_max_s=300.0,
    )
    swing = _heading_deg(traj, 1) - _heading_deg(traj, 0)
    assert np.ptp(swing) > 0.5  # about +-0.55 deg: 0.5 g of side lift turns 5 km/s slowly
    turning = np.sign(np.diff(swing))
    reversals = np.count_nonzero(turning[1:] != turning[:-1])
    assert 8 <= reversals <= 12  # 300 s / 30 s per half period = 10


def test_positive_bank_turns_right():
    """The flight conventions (docs/architecture.md): a positive bank turns the vehicle to its
    right (heading grows clockwise); a negative one to its left."""
    plans = [
        GuidancePlan(10 * DEG),
        GuidancePlan(10 * DEG, bank=BankPlan("constant", 20 * DEG)),
        GuidancePlan(10 * DEG, bank=BankPlan("constant", -20 * DEG)),
    ]
    traj = fly_threats(
        [ThreatSpec(f"t{i}", CAV_H, START, p) for i, p in enumerate(plans)], dt_s=0.1, t_max_s=120.0
    )
    right = _heading_deg(traj, 1)[-1] - _heading_deg(traj, 0)[-1]
    left = _heading_deg(traj, 2)[-1] - _heading_deg(traj, 0)[-1]
    assert right > 1.0 and left < -1.0


def test_terminal_dive_lands_on_the_target():
    """From 1,630 km out, a free glide ending in a 300 km proportional-navigation dive impacts
    within 50 m of its target, at several times the speed of sound, with lift held to 10 g."""
    tgt_lat, tgt_lon = 35.68 * DEG, 139.77 * DEG
    lat0, lon0 = 28.0 * DEG, 125.0 * DEG
    start = GlideStart(
        lat0, lon0, 50e3, 5000.0, 0.0, float(initial_bearing_rad(lat0, lon0, tgt_lat, tgt_lon))
    )
    plan = GuidancePlan(10.0 * DEG, dive=DivePlan(tgt_lat, tgt_lon, 0.0, 300e3))
    traj = fly_threats([ThreatSpec("dive", CAV_H, start, plan)], dt_s=0.1, t_max_s=1000.0)
    impact = ecef2geodetic(traj.impact_r_ecef[0])
    assert ground_range_m(impact.lat_rad, impact.lon_rad, tgt_lat, tgt_lon) < 50.0
    assert np.linalg.norm(traj.impact_v_ecef[0]) > 1000.0
    # load_factor_g is the whole aerodynamic load sqrt(L^2 + D^2) / (m g0), drag included;
    # the dive's cap is on lift alone: evaluate the lift with the guidance that flew it
    controller = GlideController.from_specs([ThreatSpec("dive", CAV_H, start, plan)])
    controller.state[:, 0] = traj.dive_t_s
    model = PointMassModel(controller.area_over_mass, controller)
    ok = traj.valid[0]
    y = np.concatenate([traj.r_ecef[0, ok], traj.v_ecef[0, ok]], axis=-1).T[:, :, None]
    lift = model.evaluate(traj.t_s[ok][:, None], y)[3][:, 0]
    assert np.max(lift) / G0_MPS2 <= 10.0 + 1e-9
    assert np.nanmax(traj.load_factor_g) > np.max(lift) / G0_MPS2  # drag adds to the load


def test_rows_hold_one_row_per_threat_and_step_plus_the_impact():
    traj = fly_threats(
        [
            ThreatSpec("a", CAV_H, START, GuidancePlan(10 * DEG)),
            ThreatSpec("b", CAV_H, START, GuidancePlan(5 * DEG)),
        ],
        dt_s=0.5,
        t_max_s=100.0,
    )
    rows = traj.rows()
    assert set(rows) >= {
        "threat",
        "t_s",
        "x_m",
        "y_m",
        "z_m",
        "vx_mps",
        "vy_mps",
        "vz_mps",
        "lat_deg",
        "lon_deg",
        "alt_m",
        "mach",
        "q_pa",
        "load_factor_g",
    }
    assert len(rows["t_s"]) == 2 * 201  # no impact within 100 s
    for name in ("a", "b"):
        t = rows["t_s"][rows["threat"] == name]
        assert np.all(np.diff(t) > 0)
    q = rows["q_pa"][0]
    assert q == pytest.approx(0.5 * 1.027e-3 * 5000.0**2, rel=0.01)  # US76 density at 50 km
    assert rows["load_factor_g"].max() * G0_MPS2 > 0


def test_density_scale_multiplies_the_density_of_that_member_only():
    """A member flown with density_scale 1.2 sees 1.2 times the standard density (its dynamic
    pressure at the start is 1.2 times the standard member's); its neighbour is unchanged."""
    plan = GuidancePlan(10 * DEG)
    traj = fly_threats(
        [
            ThreatSpec("std", CAV_H, START, plan),
            ThreatSpec("dense", CAV_H, START, plan, density_scale=1.2),
            ThreatSpec("alone", CAV_H, START, plan),
        ],
        dt_s=0.5,
        t_max_s=50.0,
    )
    assert traj.q_pa[1, 0] == pytest.approx(1.2 * traj.q_pa[0, 0], rel=1e-12)
    np.testing.assert_array_equal(traj.r_ecef[0], traj.r_ecef[2])
    assert np.linalg.norm(traj.r_ecef[1, -1] - traj.r_ecef[0, -1]) > 100.0
