"""``kaminari coverage``: when each sensor sees each threat.

Authorities: the fire-control radar's range and the threat's path (pymap3d's slant range from
the site: it is first seen when first within its maximum range, its horizon being no limit
there); the layer's count against the satellites in view (``sensors.orbits.in_view``, itself
checked against pymap3d in tests/test_orbits.py) where the signal is no limit, and none where
the threshold is out of reach.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pymap3d
import pytest
import yaml
from typer.testing import CliRunner

from kaminari.cli import app
from kaminari.engagement.coverage import InfraredLayer, coverage
from kaminari.scenario import load_scenario
from kaminari.sensors.orbits import WalkerDelta, in_view
from kaminari.threats.flyout import fly_threats

EXAMPLE = Path(__file__).parents[1] / "examples" / "railgun_point_defense.yaml"
SENSOR = {"band_um": [3.0, 5.0], "off_nadir_max_deg": 60, "frame_s": 1.0, "los_sigma_urad": 20,
          "nei_w_per_cm2": 1.0e-15, "snr_min": 6, "latency_s": 4.0}  # fmt: skip
WALKER = {"altitude_km": 1000, "inclination_deg": 80, "planes": 4, "sats_per_plane": 7,
          "phasing": 1}  # fmt: skip


@pytest.fixture(scope="module")
def flown():  # type: ignore[no-untyped-def]
    scenario = load_scenario(EXAMPLE)
    specs = scenario.threat_specs()
    return scenario, specs, fly_threats(specs, dt_s=0.1, t_max_s=900.0)


def _layer(scenario, nei: float) -> InfraredLayer:  # type: ignore[no-untyped-def]
    orbits = WalkerDelta(**WALKER, epoch=scenario.epoch)
    return InfraredLayer(orbits, (3e-6, 5e-6), math.radians(60.0), nei, 6.0)


def test_the_radar_first_sees_the_threat_within_its_range(flown) -> None:  # type: ignore[no-untyped-def]
    scenario, specs, traj = flown
    cov = coverage(specs, traj, scenario.radar_models(), step_s=1.0)
    fc = cov.sensors.index("fire-control")
    radar = scenario.radars[fc]
    t = cov.t_s[0]
    ok = np.isfinite(t)
    k = np.arange(0, traj.t_s.size, 10)[: t.size]
    r = traj.r_ecef[0, k][ok]
    _, el, rng = pymap3d.ecef2aer(r[:, 0], r[:, 1], r[:, 2], radar.site.lat_deg,
                                  radar.site.lon_deg, radar.site.alt_m)  # fmt: skip
    inside = (rng <= radar.max_range_km * 1e3) & (el >= radar.min_elevation_deg)
    assert cov.first_seen_s()[fc, 0] == pytest.approx(t[ok][inside][0], abs=1.01)


def test_the_layer_counts_the_satellites_in_view_when_signal_is_no_limit(flown) -> None:  # type: ignore[no-untyped-def]
    scenario, specs, traj = flown
    loud = coverage(specs, traj, [], _layer(scenario, 1e-30), step_s=5.0)
    t = loud.t_s[0]
    ok = np.isfinite(t)
    k = np.arange(0, traj.t_s.size, 50)[: t.size]
    sats = WalkerDelta(**WALKER, epoch=scenario.epoch).positions(np.nan_to_num(t))
    view = in_view(sats, np.nan_to_num(traj.r_ecef[0, k]), math.radians(60.0)) & ok
    np.testing.assert_array_equal(loud.satellites[0], view.sum(axis=0))
    assert loud.satellites[0].max() >= 1
    deaf = coverage(specs, traj, [], _layer(scenario, 1.0), step_s=5.0)
    assert not deaf.seen.any() and deaf.satellites.max() == 0
    dim = replace(_layer(scenario, 1e-15), snr_min=6.0)
    real = coverage(specs, traj, [], dim, step_s=5.0)
    assert np.all(real.satellites <= loud.satellites)


def test_the_command_prints_and_draws(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["space_layer"] = {"constellation": WALKER, "sensor": SENSOR}
    path = tmp_path / "layer.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = CliRunner().invoke(app, ["coverage", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 0, result.output
    assert "space-layer" in result.output and (tmp_path / "o" / "coverage.png").stat().st_size
    result = CliRunner().invoke(app, ["coverage", str(path), "--out", str(tmp_path / "o"),
                                      "--step-s", "0"])  # fmt: skip
    assert result.exit_code == 2


def test_a_launch_is_seen_by_its_plume(tmp_path: Path) -> None:
    """A boosting missile's plume (some 3e5 W/sr) is far above the threshold: the layer sees it
    while the motor burns wherever a satellite has it in view; the same flight with its plume
    flag cleared is seen later, by its hot body only."""
    text = yaml.safe_dump({
        "name": "launch", "epoch": "2027-01-01T00:00:00Z",
        "threats": [{"name": "mrbm", "vehicle": "rv", "ballistic_coefficient_kgpm2": 3000,
                     "launch": {"lat_deg": 39.0, "lon_deg": 125.7, "azimuth_deg": 105,
                                "booster": "generic-mrbm"}}],
        "run": {"t_max_s": 900},
    })  # fmt: skip
    path = tmp_path / "l.yaml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    specs = scenario.threat_specs()
    traj = fly_threats(specs, dt_s=0.1, t_max_s=900.0)
    layer = _layer(scenario, 1e-15)
    with_plume = coverage(specs, traj, [], layer, step_s=1.0)
    burn = sum(s.burn_time_s for s in specs[0].launch.booster.stages)
    first = with_plume.first_seen_s()[0, 0]
    assert first < burn
    dark = replace(traj, boost_plume=np.zeros_like(traj.boost_plume))
    assert coverage(specs, dark, [], layer, step_s=1.0).first_seen_s()[0, 0] > first
