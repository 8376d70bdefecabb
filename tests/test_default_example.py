"""The default example's threat, as the README describes it: its nominal glide keeps its limits
(to 1 %) before the dive, and it dives onto the city at its commanded angle (within 2 deg) and
within 100 m of its aim point; its dispersed replications land with the CEP it is given.

Authorities: the limits, angle and aim point the example file states; the circular normal's
median radial error (the CEP).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kaminari.earth.frames import ecef2geodetic, geodetic_up
from kaminari.earth.geodesy import ground_range_m
from kaminari.engagement.chain import dispersed_world
from kaminari.scenario import load_scenario
from kaminari.threats.flyout import PHASES, fly_threats

EXAMPLE = Path(__file__).parents[1] / "examples" / "railgun_point_defense.yaml"


@pytest.fixture(scope="module")
def example():  # type: ignore[no-untyped-def]
    scenario = load_scenario(EXAMPLE)
    specs = scenario.threat_specs()
    return scenario, specs, fly_threats(specs, dt_s=scenario.run.dt_s, t_max_s=900.0)


def test_the_glide_keeps_its_limits_before_the_dive(example) -> None:  # type: ignore[no-untyped-def]
    scenario, specs, traj = example
    entry = scenario.threats[0]
    glide = traj.valid[0] & (traj.phase_code[0] == PHASES.index("glide"))
    assert glide.sum() > 1000 and (traj.phase_code[0] == PHASES.index("dive")).any()
    limits = entry.limits
    assert traj.q_pa[0][glide].max() <= 1.01 * limits.q_max_kpa * 1e3
    assert traj.heat_rate_wpm2[0][glide].max() <= 1.01 * limits.heat_rate_max_kwpm2 * 1e3
    assert traj.load_factor_g[0][glide].max() <= 1.01 * limits.load_max_g


def test_the_dive_meets_its_impact_angle_and_aim_point(example) -> None:  # type: ignore[no-untyped-def]
    scenario, specs, traj = example
    dive = specs[0].guidance.dive
    geo = ecef2geodetic(traj.impact_r_ecef[0])
    v = traj.impact_v_ecef[0]
    up = geodetic_up(geo.lat_rad, geo.lon_rad)
    angle = np.degrees(np.arcsin(v @ up / np.linalg.norm(v)))
    assert angle == pytest.approx(scenario.threats[0].guidance.dive.impact_angle_deg, abs=2.0)
    miss = ground_range_m(geo.lat_rad, geo.lon_rad, dive.target_lat_rad, dive.target_lon_rad)
    assert miss < 100.0


def test_its_replications_land_with_the_given_cep(example) -> None:  # type: ignore[no-untyped-def]
    scenario, specs, _ = example
    chain = scenario.kill_chain()
    world = dispersed_world(chain, scenario.run.seed, np.arange(400))
    geo = ecef2geodetic(world.impact_r_ecef[:, 0])
    dive = specs[0].guidance.dive
    radial = ground_range_m(geo.lat_rad, geo.lon_rad, dive.target_lat_rad, dive.target_lon_rad)
    cep = scenario.threats[0].dispersion.aim_cep_m
    # 400 draws: the sample median's standard error is about 4 % of the CEP; 15 % is 3.5 of them
    assert np.median(radial) == pytest.approx(cep, rel=0.15)
