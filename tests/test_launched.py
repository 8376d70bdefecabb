"""Threats launched by a booster: the boost from the pad, then the payload's own flight from
its release state, joined on one clock from lift-off.

Authorities: the booster's own flight (``threats.booster.fly_boosters``) and the payload flown
alone from the release state (``threats.flyout.fly_threats``), which the joined record must
reproduce sample for sample; the booster's burn times for the plume flag; the Karman line
(100 km, FAI) for the midcourse.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from kaminari.scenario import parse_scenario
from kaminari.threats.booster import fly_boosters
from kaminari.threats.flyout import PHASES, fly_threats

SCENARIO = {
    "name": "launches",
    "epoch": "2027-01-01T00:00:00Z",
    "threats": [
        {"name": "mrbm", "vehicle": "rv", "ballistic_coefficient_kgpm2": 3000,
         "launch": {"lat_deg": 39.0, "lon_deg": 125.7, "azimuth_deg": 105,
                    "booster": "generic-mrbm"}},
        {"name": "hgv", "vehicle": "cav-h", "start_t_s": 20,
         "launch": {"lat_deg": 39.0, "lon_deg": 125.7, "azimuth_deg": 105,
                    "booster": "generic-hgv-booster"},
         "guidance": {"alpha_deg": 10, "glide": "equilibrium"}},
        {"name": "glider", "vehicle": "cav-h",
         "start": {"lat_deg": 31.85, "lon_deg": 124.19, "alt_km": 50, "speed_mps": 5000,
                   "flight_path_deg": 0, "heading_deg": 69.28},
         "guidance": {"alpha_deg": 10}},
    ],
    "run": {"t_max_s": 700},
}  # fmt: skip


@pytest.fixture(scope="module")
def flown():  # type: ignore[no-untyped-def]
    specs = parse_scenario(yaml.safe_dump(SCENARIO)).threat_specs()
    return specs, fly_threats(specs, dt_s=0.1, t_max_s=700.0)


def test_the_record_joins_the_boost_and_the_payloads_own_flight(flown) -> None:  # type: ignore[no-untyped-def]
    specs, traj = flown
    launched = [s for s in specs if s.launch is not None]
    boost = fly_boosters([s.launch for s in launched], dt_s=0.1)
    payloads = [
        type(s)(s.name, s.vehicle, start, s.guidance)
        for s, start in zip(launched, boost.release_starts(), strict=True)
    ]
    alone = fly_threats(payloads, dt_s=0.1, t_max_s=700.0)
    for k, name in enumerate(("mrbm", "hgv")):
        i = traj.names.index(name)
        cut = int(round(boost.release_t_s[k] / 0.1))
        np.testing.assert_array_equal(traj.r_ecef[i, :cut], boost.r_ecef[k, :cut])
        n = alone.t_s.size
        np.testing.assert_array_equal(traj.r_ecef[i, cut:cut + n], alone.r_ecef[k])
        np.testing.assert_allclose(traj.impact_t_s[i], boost.release_t_s[k] + alone.impact_t_s[k])
        # the release sample is the booster's release state, to the rounding of its geodetic
        np.testing.assert_allclose(traj.r_ecef[i, cut], boost.release_r_ecef[k], atol=1e-6)
    # a threat with a start state is flown as without launches beside it
    plain = fly_threats([specs[2]], dt_s=0.1, t_max_s=700.0)
    n = plain.t_s.size
    np.testing.assert_array_equal(traj.r_ecef[2, :n], plain.r_ecef[0])


def test_phases_stage_and_plume(flown) -> None:  # type: ignore[no-untyped-def]
    specs, traj = flown
    rows = traj.rows()
    booster = specs[0].launch.booster
    burn = sum(s.burn_time_s for s in booster.stages)
    mine = rows["threat"] == "mrbm"
    t, phase = rows["t_s"][mine], rows["phase"][mine]
    plume, stage, alt = rows["plume"][mine], rows["stage"][mine], rows["alt_m"][mine]
    assert set(phase) == {"boost", "midcourse", "dive"}
    # the motor burns from lift-off to burnout; the boost phase ends at release
    assert t[plume].max() == pytest.approx(burn, abs=0.11) and t[plume].min() == 0.0
    assert np.all(phase[t < burn - 1e-9] == "boost") and np.all(stage[phase != "boost"] == -1)
    # midcourse from release until, descending, below 100 km; then the re-entry ("dive")
    after = t > burn + 1e-9
    first_dive = t[phase == "dive"].min()
    assert np.all(phase[after & (t < first_dive)] == "midcourse")
    assert alt[t == first_dive][0] < 100e3 and alt[phase == "dive"].max() < 100e3
    hgv = rows["threat"] == "hgv"
    stages = set(rows["stage"][hgv][rows["phase"][hgv] == "boost"])
    assert stages == {0, 1}  # two stages fire
    assert "glide" in set(rows["phase"][hgv])
    assert set(rows["phase"][rows["threat"] == "glider"]) <= {"glide", "dive"}
    assert set(rows["phase"]) <= set(PHASES)
    # during the boost the load is the stack's drag over its weight: modest, and 0 in vacuum
    boost_load = rows["load_factor_g"][mine][phase == "boost"]
    assert np.all(boost_load >= 0.0) and boost_load.max() < 5.0


def test_a_launched_threat_runs_through_the_kill_chain() -> None:

    from kaminari.engagement.chain import run_chain

    data = dict(SCENARIO, threats=SCENARIO["threats"][:1])
    data["radars"] = [{"name": "r", "site": {"lat_deg": 37.0, "lon_deg": 131.0, "alt_m": 30},
                       "max_range_km": 2000, "revisit_s": 1.0,
                       "sigma": {"range_m": 20, "azimuth_mrad": 1, "elevation_mrad": 1}}]
    data["batteries"] = [{"name": "g", "site": {"lat_deg": 35.66, "lon_deg": 139.72,
                                                 "alt_m": 10},
                          "muzzle_velocity_mps": 2300, "rate_of_fire_rpm": 10, "magazine": 40,
                          "projectile": {"mass_kg": 0.32, "diameter_m": 0.015},
                          "lethal_radius_m": 5}]  # fmt: skip
    chain = parse_scenario(yaml.safe_dump(data)).kill_chain()
    res = run_chain(chain, 3, 0)
    assert np.all(res.replications["detect_t_s"] < 120.0)  # seen during its boost
    assert np.all(res.replications["leaked"])
