"""``kaminari run`` end to end on a short scenario: the four outputs, their columns, the
summary, and one-line errors for input a user can get wrong."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from kaminari.cli import app
from kaminari.scenario import load_scenario

SCENARIO = {
    "name": "short dive",
    "epoch": "2027-01-01T00:00:00Z",
    "threats": [{
        "name": "hgv", "vehicle": "cav-h",
        "start": {"lat_deg": 34.4, "lon_deg": 135.4, "alt_km": 45, "speed_mps": 4500,
                  "flight_path_deg": 0, "heading_deg": 64.6},
        "guidance": {"alpha_deg": 10, "dive": {"target": "city", "start_range_km": 300}},
    }],
    "radars": [{
        "name": "fc", "site": {"lat_deg": 35.67, "lon_deg": 139.75, "alt_m": 30},
        "max_range_km": 150, "revisit_s": 0.1,
        "sigma": {"range_m": 2, "azimuth_mrad": 0.1, "elevation_mrad": 0.1},
    }],
    "batteries": [{
        "name": "gun", "site": {"lat_deg": 35.66, "lon_deg": 139.72, "alt_m": 10},
        "muzzle_velocity_mps": 2300, "rate_of_fire_rpm": 10, "magazine": 40,
        "projectile": {"mass_kg": 0.32, "diameter_m": 0.015}, "lethal_radius_m": 5,
        "reaction_s": 1.0,
    }],
    "defended": [{"name": "city", "lat_deg": 35.68, "lon_deg": 139.77}],
    "tracker": {"jerk_psd_m2ps5": 3.0},
    "fire_control": {"max_time_of_flight_s": 4, "max_track_sigma_m": 20},
    "run": {"reps": 4, "seed": 3, "dt_s": 0.1, "t_max_s": 400, "tracks_reps": 2},
}


def _write(tmp_path: Path, scenario: dict) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path


def test_run_writes_the_four_outputs_with_their_columns_and_prints_pk(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(_write(tmp_path, SCENARIO)), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Pk" in result.output and "95 % interval" in result.output
    assert "Engagement envelope" in result.output
    reps = pq.read_table(out / "replications.parquet").to_pydict()
    assert set(reps) >= {"rep", "threat", "detect_t_s", "track_t_s", "first_shot_t_s", "shots",
                         "killed", "kill_t_s", "kill_alt_m", "leaked", "impact_lat_deg",
                         "impact_lon_deg"}
    assert sorted(reps["rep"]) == [0, 1, 2, 3]
    shots = pq.read_table(out / "shots.parquet").to_pydict()
    assert set(shots) >= {"rep", "battery", "threat", "fire_t_s", "az_deg", "el_deg",
                          "predicted_tof_s", "miss_m", "kill"}
    assert len(shots["rep"]) >= 4
    tracks = pq.read_table(out / "tracks.parquet").to_pydict()
    assert set(tracks) >= {"rep", "threat", "t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps",
                           "vz_mps", "var_x_m2", "var_y_m2", "var_z_m2", "true_x_m",
                           "true_y_m", "true_z_m", "true_vx_mps", "true_vy_mps",
                           "true_vz_mps"}
    assert set(tracks["rep"]) == {0, 1}  # tracks_reps: 2
    assert (out / "report.html").exists()  # kaminari run ends by writing its report
    as_run = load_scenario(out / "scenario.yaml")  # every default filled in, and it reloads
    assert as_run.run.reps == 4 and as_run.doctrine().kind == "shoot-look-shoot"


def test_run_flags_override_the_scenario(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["run", str(_write(tmp_path, SCENARIO)), "--out", str(out),
                                      "--reps", "2", "--seed", "9", "--track-reps", "0"])
    assert result.exit_code == 0, result.output
    assert sorted(pq.read_table(out / "replications.parquet").column("rep").to_pylist()) == [0, 1]
    assert pq.read_table(out / "tracks.parquet").num_rows == 0
    assert load_scenario(out / "scenario.yaml").run.seed == 9


@pytest.mark.parametrize(
    ("change", "args", "expected"),
    [
        (lambda s: s.update(radars=[]), [], "radars: a kill chain needs at least one"),
        (lambda s: s.update(batteries=[]), [], "batteries: a kill chain needs at least one"),
        (lambda s: None, ["--reps", "0"], "--reps: 0 is not allowed"),
        (lambda s: None, ["--predictor", "oracle"], "--predictor: 'oracle' is not a predictor"),
        (lambda s: s["fire_control"].update(doctrine="salvoo"), [], "did you mean 'salvo'"),
        (lambda s: s["radars"][0].update(revisit_s=0), [], "radars[0].revisit_s"),
    ],
)
def test_run_bad_input_is_one_line_and_exit_2(tmp_path, change, args, expected):
    scenario = yaml.safe_load(yaml.safe_dump(SCENARIO))
    change(scenario)
    result = CliRunner().invoke(app, ["run", str(_write(tmp_path, scenario)), "--out",
                                      str(tmp_path / "out"), *args])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.output
    assert "Traceback" not in result.output
