"""Glides within their limits (dynamic pressure, heat rate, aerodynamic load) and terminal dives
onto a commanded impact angle (``threats.guidance``)."""

import numpy as np
import pytest

from kaminari.earth.frames import ecef2geodetic, geodetic_up
from kaminari.earth.geodesy import ground_range_m, initial_bearing_rad
from kaminari.threats.flyout import PHASES, GlideStart, ThreatSpec, fly_threats
from kaminari.threats.guidance import BankPlan, DivePlan, GuidancePlan, Limits
from kaminari.threats.heating import stagnation_heat_rate_wpm2
from kaminari.threats.vehicles import CAV_H

DEG = np.pi / 180.0
LIMITS = Limits(q_max_pa=40e3, heat_rate_max_wpm2=2.5e6, load_max_g=2.0)
TARGET = (35.68 * DEG, 139.77 * DEG)


def _destination(lat: float, lon: float, bearing: float, d_m: float) -> tuple[float, float]:
    """Spherical destination formula (mean radius), for placing starts around a target."""
    dl = d_m / 6_371_008.8
    lat2 = np.arcsin(np.sin(lat) * np.cos(dl) + np.cos(lat) * np.sin(dl) * np.cos(bearing))
    lon2 = lon + np.arctan2(
        np.sin(bearing) * np.sin(dl) * np.cos(lat), np.cos(dl) - np.sin(lat) * np.sin(lat2)
    )
    return float(lat2), float(lon2)


GLIDES = [  # (lat, lon, alt, speed, heading, plan kind): within the limits at the start
    (33.0, 128.0, 50e3, 5000.0, 60.0, "free"),
    (10.0, -40.0, 52e3, 5200.0, 200.0, "free"),
    (-30.0, 150.0, 55e3, 5500.0, 330.0, "equilibrium"),
    (60.0, 10.0, 48e3, 4800.0, 100.0, "weave"),
    (0.0, 80.0, 50e3, 5000.0, 270.0, "equilibrium"),
]


def _plan(kind: str, limits: Limits = LIMITS) -> GuidancePlan:
    if kind == "equilibrium":
        return GuidancePlan(6 * DEG, glide="equilibrium", alpha_max_rad=6 * DEG, limits=limits)
    if kind == "weave":
        bank = BankPlan("weave", amplitude_rad=30 * DEG, period_s=60.0)
        return GuidancePlan(10 * DEG, bank=bank, limits=limits)
    return GuidancePlan(10 * DEG, limits=limits)


@pytest.fixture(scope="module")
def limited_glides():
    specs = [
        ThreatSpec(f"g{k}", CAV_H, GlideStart(la * DEG, lo * DEG, h, v, 0.0, hd * DEG), _plan(kind))
        for k, (la, lo, h, v, hd, kind) in enumerate(GLIDES)
    ]
    free = [ThreatSpec(s.name + "-free", s.vehicle, s.start, _plan(k, Limits()))
            for s, (*_, k) in zip(specs, GLIDES, strict=True)]  # fmt: skip
    return fly_threats(specs + free, dt_s=0.1, t_max_s=900.0)


def test_unlimited_glides_would_break_the_limits(limited_glides):
    """The same glides without limits dip deep enough to break them: the limits bind."""
    n = len(GLIDES)
    heat = np.nanmax(limited_glides.heat_rate_wpm2[n:], axis=1)
    q = np.nanmax(limited_glides.q_pa[n:], axis=1)
    load = np.nanmax(limited_glides.load_factor_g[n:], axis=1)
    broken = (heat > LIMITS.heat_rate_max_wpm2) | (q > LIMITS.q_max_pa) | (load > LIMITS.load_max_g)
    assert broken.all(), (heat, q, load)


def test_a_limited_glide_keeps_within_its_limits_to_one_percent(limited_glides):
    """Five CAV-H glides (free, equilibrium, weaving; several starts and headings) with limits
    of 40 kPa, 2.5 MW/m^2 and 2 g never exceed them by more than 1 %."""
    n = len(GLIDES)
    assert np.nanmax(limited_glides.q_pa[:n]) <= 1.01 * LIMITS.q_max_pa
    assert np.nanmax(limited_glides.heat_rate_wpm2[:n]) <= 1.01 * LIMITS.heat_rate_max_wpm2
    assert np.nanmax(limited_glides.load_factor_g[:n]) <= 1.01 * LIMITS.load_max_g


def test_heat_rate_is_sutton_graves_of_the_flown_state(limited_glides):
    traj = limited_glides
    ok = traj.valid[0]
    speed = np.linalg.norm(traj.v_ecef[0, ok], axis=-1)
    rho = 2.0 * traj.q_pa[0, ok] / speed**2
    expected = stagnation_heat_rate_wpm2(rho, speed, CAV_H.nose_radius_m)
    np.testing.assert_allclose(traj.heat_rate_wpm2[0, ok], expected, rtol=1e-12)


# --- the terminal dive ----------------------------------------------------------------------

DIVES = [  # (bearing from the target to the start, distance, alt, speed): heading at it
    (250.0, 1_200e3, 50e3, 5000.0),
    (180.0, 1_000e3, 45e3, 4500.0),
    (300.0, 1_500e3, 50e3, 5500.0),
    (90.0, 1_100e3, 48e3, 5000.0),
    (20.0, 900e3, 40e3, 4500.0),
]


def _impact_angle_deg(traj, i: int) -> float:
    v = traj.impact_v_ecef[i]
    geo = ecef2geodetic(traj.impact_r_ecef[i])
    up = geodetic_up(geo.lat_rad, geo.lon_rad)
    return float(np.degrees(np.arcsin(v @ up / np.linalg.norm(v))))


@pytest.fixture(scope="module")
def dives():
    specs = []
    for k, (bearing, dist, alt, speed) in enumerate(DIVES):
        lat, lon = _destination(*TARGET, bearing * DEG, dist)
        heading = float(initial_bearing_rad(lat, lon, *TARGET))
        dive = DivePlan(*TARGET, 0.0, 300e3, max_load_g=25.0, impact_angle_rad=-45 * DEG)
        plan = GuidancePlan(10 * DEG, dive=dive, limits=Limits(load_max_g=3.0))
        specs.append(ThreatSpec(f"d{k}", CAV_H, GlideStart(lat, lon, alt, speed, 0.0, heading),
                                plan))  # fmt: skip
    return fly_threats(specs, dt_s=0.1, t_max_s=1500.0)


def test_dive_reaches_its_impact_angle_and_aim_point(dives):
    """From five starts 900-1,500 km out on four sides of the target, CAV-H glides commanded
    to -45 deg (with 25 g of lift allowed in the dive) impact within 2 deg of it and within
    100 m of the aim point."""
    for i in range(len(DIVES)):
        geo = ecef2geodetic(dives.impact_r_ecef[i])
        assert ground_range_m(geo.lat_rad, geo.lon_rad, *TARGET) < 100.0
        assert _impact_angle_deg(dives, i) == pytest.approx(-45.0, abs=2.0)


def test_phase_is_glide_then_dive_and_the_glide_kept_its_load_limit(dives):
    glide, dive = PHASES.index("glide"), PHASES.index("dive")
    for i in range(len(DIVES)):
        code = dives.phase_code[i][dives.valid[i]]
        assert set(code) == {glide, dive}
        first = int(np.argmax(code == dive))
        assert (code[:first] == glide).all() and (code[first:] == dive).all()
        assert dives.t_s[first] == pytest.approx(dives.dive_t_s[i])
        assert np.max(dives.load_factor_g[i, :first]) <= 3.0 * 1.01
    rows = dives.rows()
    assert set(rows["phase"]) == {"glide", "dive"}


# --- scenario and command ---------------------------------------------------------------------

_SCENARIO = """
name: limits
epoch: 2027-01-01T00:00:00Z
threats:
  - name: hgv
    vehicle: cav-h
    start: {lat_deg: 31.85, lon_deg: 124.19, alt_km: 50, speed_mps: 5000,
            flight_path_deg: 0, heading_deg: 69.28}
    guidance:
      alpha_deg: 10
      dive: {target: city, start_range_km: 300, impact_angle_deg: IMPACT}
    limits: {q_max_kpa: 40, heat_rate_max_kwpm2: 2500, load_max_g: 2}
defended:
  - {name: city, lat_deg: 35.68, lon_deg: 139.77}
"""


def test_scenario_limits_and_impact_angle_reach_the_plan(tmp_path):
    from kaminari.scenario import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(_SCENARIO.replace("IMPACT", "-45"))
    plan = load_scenario(path).threat_specs()[0].guidance
    assert plan.limits == Limits(q_max_pa=40e3, heat_rate_max_wpm2=2.5e6, load_max_g=2.0)
    assert plan.dive is not None and plan.dive.impact_angle_rad == pytest.approx(-45 * DEG)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("impact_angle_deg: IMPACT", "impact_angle_deg: -90",
         "threats[0].guidance.dive.impact_angle_deg: -90 is not allowed; allowed: "
         "-90 < impact_angle_deg < 0"),
        ("load_max_g: 2}", "load_max_g: 0}",
         "threats[0].limits.load_max_g: 0 is not allowed; allowed: 0 < load_max_g <= 100"),
    ],
)  # fmt: skip
def test_a_bad_limit_or_impact_angle_is_one_line(tmp_path, old, new, message):
    from kaminari.errors import UserInputError
    from kaminari.scenario import load_scenario

    path = tmp_path / "s.yaml"
    path.write_text(_SCENARIO.replace(old, new).replace("IMPACT", "-45"))
    with pytest.raises(UserInputError) as err:
        load_scenario(path)
    text = str(err.value)
    assert "\n" not in text and message in text


def test_flyout_warns_of_a_dive_never_started_and_of_an_end_far_from_the_aim():
    from kaminari.cli.flyout import FlyoutSummary, flyout_warnings

    def col(*values):
        return np.array(values, dtype=float)

    summary = FlyoutSummary(
        names=("late", "far", "fine", "glider"), flight_time_s=col(1, 1, 1, 1),
        impacted=np.array([False, True, True, False]), ground_range_m=col(0, 0, 0, 0),
        ground_flown_m=col(0, 0, 0, 0), peak_mach=col(0, 0, 0, 0), alt_min_m=col(0, 0, 0, 0),
        alt_max_m=col(0, 0, 0, 0), peak_load_factor_g=col(0, 0, 0, 0),
        peak_q_pa=col(0, 0, 0, 0), peak_heat_rate_wpm2=col(0, 0, 0, 0),
        end_speed_mps=col(0, 0, 0, 0), end_angle_deg=col(0, 0, 0, 0),
        miss_m=col(900e3, 5300.0, 20.0, np.nan), dive_started=col(0, 1, 1, np.nan),
        limits=("-", "-", "-", "-"),
    )  # fmt: skip
    assert flyout_warnings(summary) == [
        "warning: late: its dive never started (it never came within its start range, or "
        "never needed to dive)",
        "warning: late: its last point is 900.0 km from its aim point",
        "warning: far: its impact is 5.3 km from its aim point",
    ]
