"""``kaminari run`` end to end on a short scenario: the four outputs, their columns, the
summary, and one-line errors for input a user can get wrong."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from short_dive import short_dive
from typer.testing import CliRunner

from kaminari.cli import app
from kaminari.scenario import load_scenario

SCENARIO = short_dive(reps=4, seed=3, tracks_reps=2)


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
