"""The SM-6-class interceptor (``kaminari.weapons.interceptor``) against published figures, the
rocket equation, the definition of dynamic pressure and proportional navigation."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from kaminari.dynamics.forces import EARTH, Environment, frame_acceleration
from kaminari.dynamics.interpolate import hermite
from kaminari.earth.atmosphere import us76
from kaminari.earth.constants import DEG, G0_MPS2, WGS84_A_M
from kaminari.earth.frames import enu_rotation, geodetic2ecef
from kaminari.earth.geodesy import initial_bearing_rad
from kaminari.threats.flyout import GlideStart, ThreatSpec, fly_threats
from kaminari.threats.guidance import DivePlan, GuidancePlan, Limits
from kaminari.threats.vehicles import CAV_H
from kaminari.weapons.interceptor import (
    SM6_CLASS,
    InterceptorGuidance,
    available_acceleration_mps2,
    engagement_envelope_m,
    fly_interceptors,
    fly_programmes,
    max_range_m,
)

CSIS_SM6_RANGE_M = 130 * 1852.0
"""CSIS Missile Threat, 'Standard Missile-6 (SM-6)': range 130 nmi (240 km)."""
CSIS_SM6_MACH = 3.5
"""CSIS Missile Threat, 'Standard Missile-6 (SM-6)': speed Mach 3.5."""


@pytest.fixture(scope="module")
def best_range() -> tuple[float, float]:
    return max_range_m(SM6_CLASS)


def test_max_range_within_10_percent_of_csis_130_nmi(best_range: tuple[float, float]) -> None:
    """The farthest lofted-and-glide flyout (ending at 450 m/s or the ground) lies within 10 %
    of the 130 nmi (240 km) of CSIS Missile Threat's SM-6 page."""
    range_m, _ = best_range
    assert abs(range_m - CSIS_SM6_RANGE_M) < 0.10 * CSIS_SM6_RANGE_M


def test_burnout_mach_near_csis_mach_3_5(best_range: tuple[float, float]) -> None:
    """Mach at the end of the sustainer's burn on the maximum-range flyout is within 15 % of the
    Mach 3.5 of CSIS Missile Threat's SM-6 page."""
    _, climb = best_range
    flight = fly_programmes([climb], SM6_CLASS, t_max_s=SM6_CLASS.burnout_time_s + 1.0)
    assert abs(flight.burnout_mach[0] - CSIS_SM6_MACH) < 0.15 * CSIS_SM6_MACH


def test_tsiolkovsky_delta_v_and_propellant_mass_in_vacuum_without_gravity() -> None:
    """Without air, gravity or frame terms, each stage's delta-v is Isp g0 ln(m0 / m1)
    (Tsiolkovsky) to 1e-6, and the mass falls by exactly each stage's propellant."""
    spec = SM6_CLASS
    t_end = spec.burnout_time_s + 1.0
    flight = fly_programmes(
        [math.radians(45.0)],
        spec,
        dt_s=0.05,
        t_max_s=t_end,
        guidance=InterceptorGuidance(vertical_rise_s=t_end),
        env=Environment(atmosphere=False, j2=False, rotation=False),
        gravity=False,
    )
    dv1, dv2 = spec.ideal_delta_v_mps()
    t = flight.t_s
    in_staging_coast = np.flatnonzero(
        (t > spec.booster_burn_s) & (t < spec.booster_burn_s + spec.staging_coast_s)
    )[0]
    after_burnout = np.flatnonzero(t > spec.burnout_time_s)[0]
    assert flight.speed_mps[0, in_staging_coast] == pytest.approx(dv1, rel=1e-6)
    assert flight.speed_mps[0, after_burnout] == pytest.approx(dv1 + dv2, rel=1e-6)
    before_staging = np.flatnonzero(t < spec.booster_burn_s)[-1]
    burnt = spec.booster_propellant_kg * t[before_staging] / spec.booster_burn_s
    assert flight.mass_kg[0, 0] == spec.launch_mass_kg
    assert flight.mass_kg[0, before_staging] == pytest.approx(spec.launch_mass_kg - burnt, abs=1e-9)
    assert flight.mass_kg[0, in_staging_coast] == spec.sustainer_mass_kg
    assert flight.mass_kg[0, after_burnout] == pytest.approx(
        spec.sustainer_mass_kg - spec.sustainer_propellant_kg, abs=1e-9
    )


def test_manoeuvre_limit_falls_with_altitude_as_dynamic_pressure() -> None:
    """Above the structural limit's reach, a_max = q S CN_max / m with q = rho v^2 / 2: at
    Mach 3 and one mass it falls from 20 to 30 km as US76 density over the speed of sound's
    change squared does; low down the 30 g structural limit caps it."""
    mass = 580.0
    atm = us76(np.array([20e3, 30e3]))
    v = 3.0 * atm.speed_of_sound_mps
    q = 0.5 * atm.density_kgpm3 * v**2
    a = available_acceleration_mps2(SM6_CLASS, q, mass)
    assert np.all(a < SM6_CLASS.structural_g * G0_MPS2)
    assert a[1] / a[0] == pytest.approx(q[1] / q[0], rel=1e-12)
    assert a[0] == pytest.approx(q[0] * SM6_CLASS.body_area_m2 * SM6_CLASS.cn_max / mass)
    sea = us76(0.0)
    q_sea = 0.5 * float(sea.density_kgpm3) * (3.0 * float(sea.speed_of_sound_mps)) ** 2
    assert available_acceleration_mps2(SM6_CLASS, q_sea, mass) == SM6_CLASS.structural_g * G0_MPS2


def _straight_target(
    east_m: float, alt_m: float, speed_mps: float, dt_s: float, t_max_s: float
) -> tuple[np.ndarray, np.ndarray]:
    """A target flying west in a straight line (ECEF) from ``east_m`` east of (0, 0) at
    ``alt_m``."""
    west = -enu_rotation(0.0, 0.0)[0]
    r0 = geodetic2ecef(0.0, east_m / WGS84_A_M, alt_m)
    t = dt_s * np.arange(int(round(t_max_s / dt_s)))
    v = speed_mps * west
    return r0 + t[:, None] * v, np.broadcast_to(v, (t.size, 3))


def test_pn_homing_hits_straight_target_at_30_km() -> None:
    """Proportional navigation (Zarchan, 'Tactical and Strategic Missile Guidance', ch. 2) with
    a perfect seeker against a non-manoeuvring Mach 6.5 target at 30 km altitude, 100 km out:
    the closest approach is within a few metres, near the top of the class's published reach."""
    dt = 0.02
    tr, tv = _straight_target(100e3, 30e3, 2000.0, dt, 60.0)
    flight = fly_interceptors(0.0, 0.0, 0.0, tr, tv, dt)
    assert flight.miss_m[0] < 5.0
    i = int(np.nanargmin(np.abs(flight.t_s - flight.t_ca_s[0])))
    assert flight.alt_m[0, i] == pytest.approx(30e3, abs=1e3)
    assert flight.available_g[0, i] < 3.0  # thin air: the airframe's limit is what limits


def test_pn_homing_batch_with_launch_delays_at_20_km() -> None:
    """A batch of three missiles launched 0, 2 and 4 s after the clock starts against one
    straight target at 20 km: each homes to a near-zero miss (PN against a non-manoeuvring
    target, Zarchan ch. 2), and each is still on the pad before its launch."""
    dt = 0.02
    tr, tv = _straight_target(90e3, 20e3, 1500.0, dt, 60.0)
    launch = np.array([0.0, 2.0, 4.0])
    flight = fly_interceptors(0.0, 0.0, 0.0, tr, tv, dt, launch_t_s=launch)
    assert np.all(flight.miss_m < 1.0)
    for m, t_launch in enumerate(launch):
        assert not flight.valid[m, flight.t_s < t_launch - 1e-9].any()


def test_batch_member_flies_as_it_would_alone() -> None:
    """The compiled loop flies members one after another: a member of a batch (launched 3 s
    late) keeps exactly the path it flies alone, before and after its launch."""
    dt = 0.05
    tr, tv = _straight_target(90e3, 20e3, 1500.0, dt, 60.0)
    both = fly_interceptors(0.0, 0.0, 0.0, tr, tv, dt, launch_t_s=np.array([0.0, 3.0]))
    alone = fly_interceptors(0.0, 0.0, 0.0, tr, tv, dt, launch_t_s=3.0)
    np.testing.assert_array_equal(both.r_ecef[1], alone.r_ecef[0])
    np.testing.assert_array_equal(both.valid[1], alone.valid[0])
    assert both.miss_m[1] == alone.miss_m[0] < 1.0


CITY = (35.68 * DEG, 139.77 * DEG)
"""The aim point of the diving glide vehicle (central Tokyo)."""
SITE = (35.62 * DEG, 139.78 * DEG, 10.0)
"""The interceptor site, about 7 km south of the aim point."""


@pytest.fixture(scope="module")
def diving_glider() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A CAV-H from 50 km and 5 km/s, 1,150 km out, diving from 300 km onto ``CITY`` at a
    commanded -30 deg impact angle with up to 12 g of lift: its times, positions and velocities
    (ECEF, 0.1 s) and its impact time."""
    lat0, lon0 = 31.85 * DEG, 124.19 * DEG
    heading = float(initial_bearing_rad(lat0, lon0, *CITY))
    dive = DivePlan(*CITY, 0.0, 300e3, max_load_g=12.0, impact_angle_rad=-30.0 * DEG)
    limits = Limits(q_max_pa=100e3, heat_rate_max_wpm2=3e6, load_max_g=3.0)
    plan = GuidancePlan(10.0 * DEG, dive=dive, limits=limits)
    spec = ThreatSpec("hgv", CAV_H, GlideStart(lat0, lon0, 50e3, 5000.0, 0.0, heading), plan)
    flight = fly_threats([spec], dt_s=0.1, t_max_s=900.0)
    return flight.t_s, flight.r_ecef, flight.v_ecef, float(flight.impact_t_s[0])


def test_augmented_pn_hits_glide_vehicle_pulling_10_to_12_g_in_its_dive(
    diving_glider: tuple[np.ndarray, np.ndarray, np.ndarray, float],
) -> None:
    """Augmented proportional navigation (Zarchan, 'Tactical and Strategic Missile Guidance',
    6th ed., ch. 8: a = N' Vc Omega + N'/2 a_T across the line of sight) with the target's
    acceleration differenced from its velocities, against a CAV-H at 3.5-3.7 km/s in an
    impact-angle dive pulling 10-12 g of lift at the intercept: missiles launched 20-30 s
    before the intercept from 7 km beside the aim point pass within 3 m (plain PN, which lags
    the manoeuvre, missed by 48-90 m)."""
    t_s, r_ecef, v_ecef, impact_t_s = diving_glider
    dt = 0.02
    t0 = 290.0
    t = t0 + dt * np.arange(int(40.0 / dt))
    r, v = hermite(t_s, r_ecef, v_ecef, t[None], np.array([0]))
    r, v = r[0], v[0]
    gone = t > impact_t_s
    r[gone], v[gone] = np.nan, np.nan
    launch = t0 + np.array([0.0, 5.0, 10.0])
    flight = fly_interceptors(*SITE, r, v, dt, launch_t_s=launch, t0_s=t0)

    time_of_flight = flight.t_ca_s - launch
    assert np.all((time_of_flight > 20.0) & (time_of_flight < 30.0))
    k = np.rint((flight.t_ca_s - t0) / dt).astype(int)
    lift = np.gradient(v, dt, axis=0)[k] - np.stack(frame_acceleration(*r[k].T, *v[k].T, EARTH)).T
    assert np.all(np.linalg.norm(lift, axis=-1) > 9.5 * G0_MPS2)
    assert np.all(np.linalg.norm(lift, axis=-1) < 13.0 * G0_MPS2)
    assert np.all(flight.miss_m < 3.0)


def test_envelope_grows_with_time_of_flight() -> None:
    """The farthest ground range at which 15 km is reached grows with the time of flight
    allowed and stays inside the published maximum range (CSIS: 130 nmi)."""
    short, long = (engagement_envelope_m([15e3], tof) for tof in (30.0, 60.0))
    assert 0.0 < short[0] < long[0] < CSIS_SM6_RANGE_M


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("booster_propellant_kg", 800.0),
        ("sustainer_propellant_kg", -1.0),
        ("sustainer_boost_fraction", 1.0),
        ("booster_burn_s", 0.0),
        ("cn_max", float("nan")),
        ("structural_g", -30.0),
        ("magazine", 0),
        ("cd_mach", ((1.0, 0.3), (0.5, 0.4))),
    ],
)
def test_bad_spec_values_raise_naming_the_field(field: str, value: object) -> None:
    """A spec value out of range is refused with a ValueError that names the field."""
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(SM6_CLASS, **{field: value})
