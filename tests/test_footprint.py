"""``kaminari footprint``: Pk over a grid of aim points, in one campaign.

The short dive (tests/short_dive.py) with a 20 m lethal radius: its railgun (4 s time of
flight at 2.3 km/s: some 10 km of reach) sits 5 km from the city, so a threat re-aimed 60 km
away is never engaged (Pk 0), and one aimed at the city is killed in every one of 6
replications here (measured: Pk 1.0; 0.25 with the scenario's own 5 m radius over 4).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from short_dive import short_dive
from typer.testing import CliRunner

from kaminari.cli import app
from kaminari.earth.constants import MEAN_RADIUS_M
from kaminari.report.summary import wilson_interval

REPS = 6
HALF_WIDTH_KM, STEP_KM = 60, 60
COLUMNS = ("east_km", "north_km", "lat_deg", "lon_deg", "pk", "pk_low", "pk_high", "kills",
           "trials", "reps")  # fmt: skip


def _write(path: Path, scenario: dict) -> Path:
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path


def _footprint(scenario: Path, out: Path, *args: str):
    return CliRunner().invoke(
        app, ["footprint", str(scenario), "--out", str(out), *args],
    )  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("footprint")
    scenario = short_dive(reps=100, seed=1, tracks_reps=0)
    scenario["batteries"][0]["lethal_radius_m"] = 20
    path = _write(folder / "short.yaml", scenario)
    out = folder / "out"
    result = _footprint(
        path, out, "--half-width-km", str(HALF_WIDTH_KM), "--step-km", str(STEP_KM),
        "--reps", str(REPS), "--workers", "1", "--chunk-size", "27",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result.output


def test_writes_one_row_per_grid_point_a_map_and_says_so(run):
    out, output = run
    table = pq.read_table(out / "footprint.parquet").to_pydict()
    assert set(COLUMNS) <= set(table)
    assert len(table["pk"]) == 9
    assert sorted(set(table["east_km"])) == [-60.0, 0.0, 60.0]
    assert sorted(set(table["north_km"])) == [-60.0, 0.0, 60.0]
    assert set(table["reps"]) == {REPS}
    assert (out / "footprint.png").stat().st_size > 10_000
    assert "3 x 3 points" in output and "best" in output and "worst" in output
    assert "footprint.parquet" in output and "footprint.png" in output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in page  # the map, embedded: the page stands alone
    assert page.count("<tr>") == 1 + 9  # header and every point (best and worst ten)
    assert "report.html" in output


def test_beyond_the_battery_s_reach_pk_is_zero_and_at_the_city_it_is_not(run):
    """Authority: the railgun's reach (muzzle velocity x the 4 s time-of-flight limit, about
    10 km): 60 km from the battery no shot can be taken."""
    out, _ = run
    table = pq.read_table(out / "footprint.parquet").to_pydict()
    east, north = np.array(table["east_km"]), np.array(table["north_km"])
    pk = np.array(table["pk"])
    centre = (east == 0) & (north == 0)
    assert np.all(pk[~centre] == 0.0)
    assert pk[centre][0] >= 0.5  # measured 1.0 (6 of 6)


def test_the_interval_is_wilson_s_at_every_point(run):
    """Authority: E. B. Wilson, JASA 22 (1927), as ``report.summary.wilson_interval``."""
    out, _ = run
    table = pq.read_table(out / "footprint.parquet").to_pydict()
    for k, n, p, low, high in zip(table["kills"], table["trials"], table["pk"], table["pk_low"],
                                  table["pk_high"], strict=True):  # fmt: skip
        assert n == REPS  # one re-aimed threat
        assert p == k / n
        assert (low, high) == wilson_interval(k, n)


def test_the_re_aimed_threats_land_at_their_grid_points(run):
    """Independently of the Pk: where each replication's own flight reaches the ground
    (replications.parquet) lies within 100 m of the grid point of its replication."""
    out, _ = run
    grid = pq.read_table(out / "footprint.parquet").to_pydict()
    reps = pq.read_table(out / "replications.parquet").to_pydict()
    point = np.array(reps["rep"]) // REPS
    lat = np.radians(np.array(grid["lat_deg"])[point])
    lon = np.radians(np.array(grid["lon_deg"])[point])
    lat_i = np.radians(np.array(reps["flight_impact_lat_deg"]))
    lon_i = np.radians(np.array(reps["flight_impact_lon_deg"]))
    miss = MEAN_RADIUS_M * np.hypot(lat_i - lat, (lon_i - lon) * np.cos(lat))
    assert miss.size == 9 * REPS
    assert np.max(miss) < 100.0
    # and the grid points are where they say: 60 km apart
    assert math.isclose(
        MEAN_RADIUS_M * (max(np.radians(grid["lat_deg"])) - min(np.radians(grid["lat_deg"]))),
        120e3, rel_tol=1e-9,
    )  # fmt: skip


def test_a_resume_with_another_grid_is_refused(run, tmp_path):
    out, _ = run
    scenario = short_dive(reps=100, seed=1, tracks_reps=0)
    scenario["batteries"][0]["lethal_radius_m"] = 20
    path = _write(tmp_path / "short.yaml", scenario)
    result = _footprint(path, out, "--half-width-km", "30", "--step-km", "30", "--reps",
                        str(REPS), "--workers", "1", "--chunk-size", "27", "--resume")  # fmt: skip
    assert result.exit_code == 2
    assert "scenario differs" in result.stderr


def _no_defended() -> dict:
    scenario = short_dive(reps=2, seed=1, tracks_reps=0)
    scenario["defended"] = []
    scenario["threats"][0]["guidance"]["dive"] = {"lat_deg": 35.68, "lon_deg": 139.77,
                                                  "start_range_km": 300}  # fmt: skip
    return scenario


@pytest.mark.parametrize(
    ("extra", "scenario", "line"),
    [
        (["--half-width-km", "10", "--step-km", "0"], short_dive(2, 1, 0), "--step-km"),
        (["--half-width-km", "-1", "--step-km", "5"], short_dive(2, 1, 0), "--half-width-km"),
        (["--half-width-km", "10", "--step-km", "5"], _no_defended(), "no defended point"),
    ],
    ids=["step 0", "negative half width", "no defended point"],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, extra, scenario, line):
    path = _write(tmp_path / "s.yaml", scenario)
    result = _footprint(path, tmp_path / "out", *extra)
    assert result.exit_code == 2, result.output
    assert line in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "out" / "footprint.parquet").exists()
