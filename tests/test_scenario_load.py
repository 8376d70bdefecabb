"""Good scenario files load, defaults are filled in, edge units become SI, and a dump reads back
equal."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kaminari.earth.geodesy import ground_range_m, initial_bearing_rad
from kaminari.scenario import (
    BankConfig,
    GuidanceConfig,
    RunConfig,
    Scenario,
    dump_scenario,
    load_scenario,
    parse_scenario,
)
from kaminari.threats.guidance import BankPlan
from kaminari.threats.vehicles import CAV_H

EXAMPLE = Path(__file__).parents[1] / "examples" / "glide_to_coast.yaml"

# The first scenario file of the project's design, as it was written there.
DESIGN_EXAMPLE = """\
name: Railgun point defence of a coastal city
epoch: 2027-01-01T00:00:00Z
threats:
  - name: hgv-1
    vehicle: cav-h
    start: {lat_deg: 33.0, lon_deg: 128.0, alt_km: 50, speed_mps: 5000,
            flight_path_deg: 0, heading_deg: 60}
    guidance: {alpha_deg: 10, bank: {kind: weave, amplitude_deg: 30, period_s: 60}}
radars:
  - name: radar-1
    site: {lat_deg: 34.5, lon_deg: 135.5, alt_m: 100}
    max_range_km: 1000
    revisit_s: 1.0
    sigma: {range_m: 20, azimuth_mrad: 1.0, elevation_mrad: 1.0}
batteries:
  - name: railgun-1
    site: {lat_deg: 35.6, lon_deg: 139.7, alt_m: 10}
    muzzle_velocity_mps: 2300
    rate_of_fire_rpm: 10
    magazine: 40
    projectile: {mass_kg: 0.32, diameter_m: 0.015}   # a sub-calibre dart: a full-bore
                                                      # 40 mm slug of 0.32 kg (ballistic coefficient
                                                      # near 1,000 kg/m^2) cannot reach 10 km
    lethal_radius_m: 5
defended:
  - {name: city, lat_deg: 35.68, lon_deg: 139.77}
run: {reps: 200, seed: 1, dt_s: 0.1}
"""

MINIMAL = """\
name: one glider
epoch: 2027-01-01T09:00:00+09:00
threats:
  - name: hgv
    vehicle: cav-h
    start: {lat_deg: 33.0, lon_deg: 128.0, alt_km: 50, speed_mps: 5000,
            flight_path_deg: -1.5, heading_deg: -30}
    guidance: {alpha_deg: 10}
"""


def test_design_example_loads() -> None:
    s = parse_scenario(DESIGN_EXAMPLE, "design-example.yaml")
    assert s.name == "Railgun point defence of a coastal city"
    assert s.epoch == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    assert [t.name for t in s.threats] == ["hgv-1"]
    assert s.threats[0].guidance.bank == BankConfig(
        kind="weave", amplitude_deg=30, period_s=60, phase_deg=0
    )
    assert s.battery("railgun-1").projectile.mass_kg == 0.32
    assert s.radars[0].sigma.range_m == 20
    assert s.run == RunConfig(reps=200, seed=1, dt_s=0.1)  # t_max_s from the default


def test_defaults_are_filled_in() -> None:
    s = parse_scenario(MINIMAL)
    assert (s.radars, s.batteries, s.defended) == ([], [], [])
    assert s.run == RunConfig(reps=100, seed=0, dt_s=0.1, t_max_s=3600.0)
    guidance = s.threats[0].guidance
    assert guidance == GuidanceConfig(alpha_deg=10, glide="free", bank=BankConfig(kind="none"))
    assert guidance.dive is None and guidance.alpha_min_deg == 0.0


def test_epoch_is_converted_to_utc_and_naive_is_taken_as_utc() -> None:
    assert parse_scenario(MINIMAL).epoch == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    naive = MINIMAL.replace("2027-01-01T09:00:00+09:00", "2027-01-01 00:00:00")
    assert parse_scenario(naive).epoch.tzinfo == dt.UTC


def test_yaml_1_2_floats_without_a_dot_are_numbers() -> None:
    s = parse_scenario(MINIMAL.replace("speed_mps: 5000", "speed_mps: 5e3"))
    assert s.threats[0].start.speed_mps == 5000.0


def test_units_become_si() -> None:
    s = parse_scenario(DESIGN_EXAMPLE)
    start = s.threats[0].start
    assert start.alt_m == 50_000.0
    assert (start.lat_rad, start.lon_rad) == (math.radians(33.0), math.radians(128.0))
    assert start.heading_rad == pytest.approx(math.pi / 3, abs=1e-15)
    plan = s.threats[0].guidance.to_plan(s.dive_plan(s.threats[0]))
    assert plan.alpha_rad == pytest.approx(math.radians(10), abs=1e-15)
    assert plan.glide == "free" and plan.dive is None
    assert plan.bank == BankPlan(
        kind="weave", amplitude_rad=math.radians(30), period_s=60.0, phase_rad=0.0
    )
    site = s.battery("railgun-1").site
    assert (site.lat_rad, site.lon_rad, site.alt_m) == (math.radians(35.6), math.radians(139.7), 10)


def test_dive_target_resolves_to_the_defended_point() -> None:
    s = load_scenario(EXAMPLE)
    diver = next(t for t in s.threats if t.guidance.dive is not None)
    dive = s.dive_plan(diver)
    city = s.defended_point("city")
    assert dive is not None
    assert (dive.target_lat_rad, dive.target_lon_rad) == (city.lat_rad, city.lon_rad)
    assert dive.start_range_m == 300_000.0 and dive.target_alt_m == 0.0
    plan = diver.guidance.to_plan(dive)
    assert plan.glide == "equilibrium"
    assert plan.alpha_max_rad == pytest.approx(math.radians(10), abs=1e-15)  # alpha is its limit


def test_dive_onto_a_point_given_in_degrees() -> None:
    text = MINIMAL.replace(
        "{alpha_deg: 10}", "{alpha_deg: 10, dive: {lat_deg: 35, lon_deg: 139, start_range_km: 80}}"
    )
    s = parse_scenario(text)
    dive = s.dive_plan(s.threats[0])
    assert dive is not None
    assert (dive.target_lat_rad, dive.target_lon_rad) == (math.radians(35), math.radians(139))
    assert (dive.target_alt_m, dive.start_range_m) == (0.0, 80_000.0)


def test_example_starts_1500_km_out_heading_for_the_city() -> None:
    s = load_scenario(EXAMPLE)
    city = s.defended_point("city")
    assert len(s.threats) == 3 and len(s.radars) == 2 and len(s.batteries) == 2
    assert s.run == RunConfig(reps=200, seed=1, dt_s=0.1, t_max_s=1500)
    for threat in s.threats:
        start = threat.start
        distance_m = ground_range_m(start.lat_rad, start.lon_rad, city.lat_rad, city.lon_rad)
        bearing = initial_bearing_rad(start.lat_rad, start.lon_rad, city.lat_rad, city.lon_rad)
        assert distance_m == pytest.approx(1_500e3, abs=1e3)
        assert start.heading_deg == pytest.approx(math.degrees(bearing), abs=0.01)
        assert (start.alt_km, start.speed_mps, start.flight_path_deg) == (50, 5000, 0)
    kinds = [
        (t.guidance.glide, t.guidance.bank.kind, t.guidance.dive is not None) for t in s.threats
    ]
    assert kinds == [
        ("free", "none", False),
        ("free", "weave", False),
        ("equilibrium", "none", True),
    ]


RADAR_EQUATION_AND_LAUNCHES = """\
name: radar equation, a launch and a re-entry vehicle
epoch: 2027-01-01T00:00:00Z
threats:
  - name: mrbm
    vehicle: rv
    ballistic_coefficient_kgpm2: 3000
    rcs_m2: 0.05
    launch: {lat_deg: 39.0, lon_deg: 125.7, azimuth_deg: 105, booster: generic-mrbm}
radars:
  - name: r
    site: {lat_deg: 35.67, lon_deg: 139.75, alt_m: 30}
    max_range_km: 1000
    revisit_s: 1.0
    sigma: {range_m: 20, azimuth_mrad: 1.0, elevation_mrad: 1.0}
    snr_ref_db: 20
    range_ref_km: 500
    rcs_ref_m2: 1.0
    pfa: 1.0e-6
    swerling: 1
"""


@pytest.mark.parametrize(
    "text", [DESIGN_EXAMPLE, MINIMAL, EXAMPLE.read_text(), RADAR_EQUATION_AND_LAUNCHES]
)
def test_dump_reads_back_equal(text: str) -> None:
    s = parse_scenario(text)
    dumped = dump_scenario(s)
    assert parse_scenario(dumped) == s
    assert "t_max_s:" in dumped  # the defaults are written out
    assert "alpha_min_deg:" in dumped or "guidance" not in text


@settings(max_examples=50, deadline=None)
@given(
    lat=st.floats(-90, 90),
    lon=st.floats(-180, 180),
    alt_km=st.floats(0, 2000),
    speed=st.floats(1e-3, 11_999),
    heading=st.floats(-180, 360),
    bank=st.one_of(
        st.builds(BankConfig),
        st.builds(BankConfig, kind=st.just("constant"), bank_deg=st.floats(-90, 90)),
        st.builds(
            BankConfig,
            kind=st.just("weave"),
            amplitude_deg=st.floats(0, 90),
            period_s=st.floats(0.5, 1e4),
            phase_deg=st.floats(-360, 360),
        ),
    ),
)
def test_dump_round_trip_property(
    lat: float, lon: float, alt_km: float, speed: float, heading: float, bank: BankConfig
) -> None:
    s = parse_scenario(MINIMAL)
    threat = s.threats[0]
    threat = threat.model_copy(
        update={
            "start": threat.start.model_copy(
                update={
                    "lat_deg": lat,
                    "lon_deg": lon,
                    "alt_km": alt_km,
                    "speed_mps": speed,
                    "heading_deg": heading,
                }
            ),
            "guidance": threat.guidance.model_copy(update={"bank": bank}),
        }
    )
    s = s.model_copy(update={"threats": [threat]})
    assert parse_scenario(dump_scenario(s)) == s


def test_threat_specs_for_the_flyout() -> None:
    s = load_scenario(EXAMPLE)
    specs = s.threat_specs()
    assert [spec.name for spec in specs] == ["hgv-free", "hgv-weave", "hgv-dive"]
    assert all(spec.vehicle is CAV_H for spec in specs)
    start = specs[0].start
    assert start.alt_m == 50_000.0 and start.speed_mps == 5000.0
    assert start.heading_rad == pytest.approx(math.radians(69.28), abs=1e-15)
    assert specs[2].guidance.dive is not None
    assert specs[2].guidance.dive.start_range_m == 300_000.0


RAID = (
    MINIMAL
    + """\
  - name: wave
    vehicle: cav-h
    start: {lat_deg: 33.0, lon_deg: 128.0, alt_km: 50, speed_mps: 5000,
            flight_path_deg: 0, heading_deg: 60}
    guidance: {alpha_deg: 10}
    count: 3
    start_t_s: 100
    spacing_s: 30
    lateral_spacing_km: 10
"""
)


def test_a_raid_entry_becomes_its_threats() -> None:
    s = parse_scenario(RAID)
    assert (s.threats[0].count, s.threats[0].start_t_s, s.threats[0].spacing_s) == (1, 0, 0)
    specs = s.threat_specs()
    assert [spec.name for spec in specs] == ["hgv", "wave-1", "wave-2", "wave-3"]
    assert [spec.start_t_s for spec in specs] == [0.0, 100.0, 130.0, 160.0]
    entry = s.threats[1].start
    middle = specs[2].start
    assert (middle.lat_rad, middle.lon_rad) == pytest.approx((entry.lat_rad, entry.lon_rad))
    for left, right in zip(specs[1:-1], specs[2:], strict=True):  # 10 km apart, left to right
        a, b = left.start, right.start
        assert ground_range_m(a.lat_rad, a.lon_rad, b.lat_rad, b.lon_rad) == pytest.approx(
            10e3, rel=5e-3
        )
        across = initial_bearing_rad(a.lat_rad, a.lon_rad, b.lat_rad, b.lon_rad)
        assert math.degrees(across) % 360 == pytest.approx(60 + 90, abs=0.1)
    assert all(spec.start.speed_mps == 5000.0 for spec in specs)
    assert parse_scenario(dump_scenario(s)) == s
    assert "lateral_spacing_km: 10" in dump_scenario(s)


def test_battery_projectile() -> None:
    projectile = load_scenario(EXAMPLE).battery_projectile("railgun-1")
    assert (projectile.mass_kg, projectile.diameter_m) == (0.32, 0.015)


def test_unknown_battery_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        load_scenario(EXAMPLE).battery("railgun-9")


def test_scenarios_are_frozen() -> None:
    s = parse_scenario(MINIMAL)
    with pytest.raises(ValueError, match="frozen"):
        s.name = "changed"  # type: ignore[misc]
    assert isinstance(s, Scenario)
