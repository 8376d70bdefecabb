"""``kaminari compare``: two scenarios on the same seed and replications, paired by (rep, threat):
a scenario against itself, a threat of one scenario only, the raid row, and bad input in one line
with exit status 2."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml
from short_dive import short_dive
from typer.testing import CliRunner

from kaminari.cli import app
from kaminari.cli.compare import _rows
from kaminari.engagement.chain import run_chain
from kaminari.scenario import parse_scenario

ROW_KEYS = {"threat", "pk_a", "pk_b", "difference", "low", "high", "p_value"}


def _write(path: Path, scenario: dict) -> Path:
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path


def _compare(a: Path, b: Path, out: Path, *args: str, workers: int = 1):
    return CliRunner().invoke(
        app, ["compare", str(a), str(b), "--out", str(out), "--reps", "8", "--workers",
              str(workers), "--chunk-size", "4", *args],
    )  # fmt: skip


def test_a_scenario_against_itself_differs_by_exactly_zero_with_p_one(tmp_path):
    """On 2 workers: the two campaigns run side by side on them, their chunks interleaved."""
    a = _write(tmp_path / "a.yaml", short_dive(reps=200, seed=3, tracks_reps=0))
    out = tmp_path / "out"
    result = _compare(a, a, out, workers=2)
    assert result.exit_code == 0, result.output
    record = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert record["reps"] == 8 and record["seed"] == 3 and record["left_out"] == []
    assert [row["threat"] for row in record["rows"]] == ["hgv", "raid"]
    for row in record["rows"]:
        assert ROW_KEYS <= set(row)
        assert row["difference"] == 0.0 and row["p_value"] == 1.0
        assert row["pk_a"] == row["pk_b"]
        assert row["low"] <= 0.0 <= row["high"]
    for side in ("a", "b"):
        assert (out / side / "replications.parquet").exists()
    assert "McNemar" in result.output and "hgv" in result.output


def test_a_threat_of_one_scenario_only_is_left_out_and_named(tmp_path):
    scenario_a = short_dive(reps=8, seed=5, tracks_reps=0)
    scenario_b = short_dive(reps=8, seed=5, tracks_reps=0)
    second = dict(scenario_b["threats"][0], name="hgv-2")
    second["start"] = dict(second["start"], lat_deg=34.5)
    scenario_b["threats"].append(second)
    a = _write(tmp_path / "a.yaml", scenario_a)
    b = _write(tmp_path / "b.yaml", scenario_b)
    out = tmp_path / "out"
    result = _compare(a, b, out)
    assert result.exit_code == 0, result.output
    record = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert record["left_out"] == ["hgv-2"]
    assert [row["threat"] for row in record["rows"]] == ["hgv", "raid"]
    assert "left out, in one scenario only: hgv-2" in " ".join(result.output.split())
    hgv = record["rows"][0]
    assert hgv["difference"] == pytest.approx(hgv["pk_b"] - hgv["pk_a"])
    assert hgv["low"] <= hgv["difference"] <= hgv["high"]


def test_rows_pair_by_rep_and_the_raid_needs_every_shared_threat_killed():
    reps = np.arange(6)
    a = {
        "x": (reps, np.array([1, 1, 1, 0, 0, 1], bool)),
        "y": (reps, np.array([1, 0, 1, 1, 0, 1], bool)),
        "only-a": (reps, np.ones(6, bool)),
    }
    b = {"x": (reps + 1, np.ones(6, bool)), "y": (reps + 1, np.ones(6, bool))}  # reps 1 to 6
    rows, left_out = _rows(a, b)
    assert left_out == ["only-a"]
    by = {row["threat"]: row for row in rows}
    assert by["x"]["reps"] == 5  # the replications both ran: 1 to 5
    assert by["x"]["pk_a"] == pytest.approx(3 / 5) and by["x"]["pk_b"] == 1.0
    assert by["x"]["difference"] == pytest.approx(2 / 5)
    # raid: a kills both x and y in reps 2 and 5 of 1 to 5; b in every one
    assert by["raid"]["pk_a"] == pytest.approx(2 / 5) and by["raid"]["pk_b"] == 1.0
    assert (by["raid"]["a_only"], by["raid"]["b_only"]) == (0, 3)
    assert by["raid"]["p_value"] == pytest.approx(0.25)  # 2 * (1/2)^3


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--missing"], "no such file"),
        (["--reps", "0"], "kaminari compare: --reps: 0 is not allowed"),
        (["--workers", "0"], "kaminari compare: --workers: 0 is not allowed"),
    ],
)
def test_bad_input_is_one_line_with_exit_status_2(tmp_path, args, line):
    a = _write(tmp_path / "a.yaml", short_dive(reps=8, seed=3, tracks_reps=0))
    b = tmp_path / "missing.yaml" if args == ["--missing"] else a
    extra = [] if args == ["--missing"] else args
    result = CliRunner().invoke(
        app, ["compare", str(a), str(b), "--out", str(tmp_path / "out"), *extra]
    )
    assert result.exit_code == 2, result.output
    assert line in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert not (tmp_path / "out" / "compare.json").exists()


class _Recorder:
    """A radar as the loop sees it (every attribute the radar's own, its name and so its
    streams too) that keeps each detection it reports: (sensor, scan time, replication,
    threat) -> measurement."""

    def __init__(self, radar) -> None:
        self._radar = radar
        self.looks: dict[tuple, np.ndarray] = {}

    def __getattr__(self, name):
        return getattr(self._radar, name)

    def measure(self, t_s, r_true, exists, draws, rcs_m2=None):
        report = self._radar.measure(t_s, r_true, exists, draws, rcs_m2=rcs_m2)
        for rep, label, z in zip(report.rep, report.label, report.z, strict=True):
            self.looks[(self._radar.name, t_s, int(draws.reps[rep]), int(label))] = z
        return report


def test_a_variant_that_changes_only_a_batterys_lethality_keeps_every_path_and_measurement():
    """Common random numbers, as the issue asks: the default example against the same with one
    battery's rounds given a 20 m Carleton damage function (more kills, earlier). Over 12
    replications every threat's flight (paths, impact points) is identical, and so is every
    radar measurement of a threat that exists in both (each detection decision and each noise
    draw, bit for bit), though the kills, the shots and the rounds' draws differ."""
    data = yaml.safe_load(Path("examples/railgun_point_defense.yaml").read_text())
    variant = yaml.safe_load(yaml.safe_dump(data))
    variant["batteries"][0]["lethality"] = {"kind": "carleton", "radius_m": 20.0}
    results, looks = {}, {}
    for name, scenario in (("a", data), ("b", variant)):
        chain = parse_scenario(yaml.safe_dump(scenario)).kill_chain()
        recorders = tuple(_Recorder(radar) for radar in chain.radars)
        results[name] = run_chain(replace(chain, radars=recorders), 12, 7, track_reps=12)
        looks[name] = {k: z for r in recorders for k, z in r.looks.items()}
    a, b = results["a"], results["b"]
    names = [t.name for t in chain.threats]
    assert a.replications["killed"].sum() < b.replications["killed"].sum()  # it did change
    for key in a.paths:
        np.testing.assert_array_equal(a.paths[key], b.paths[key])
    for key in ("flight_impact_lat_deg", "flight_impact_lon_deg"):
        np.testing.assert_array_equal(a.replications[key], b.replications[key])
    gone = {}  # (rep, threat) -> the earlier kill of the two variants
    for res in (a, b):
        for rep, threat, t in zip(res.replications["rep"], res.replications["threat"],
                                  res.replications["kill_t_s"], strict=True):  # fmt: skip
            key = (int(rep), names.index(threat))
            gone[key] = min(gone.get(key, np.inf), np.nan_to_num(t, nan=np.inf))
    both = 0
    for first, second in ((looks["a"], looks["b"]), (looks["b"], looks["a"])):
        for key, z in first.items():
            _, t, rep, label = key
            if label >= 0 and t < gone[(rep, label)]:
                np.testing.assert_array_equal(z, second[key])
                both += 1
    assert both > 1_000, both


def test_a_replications_results_do_not_depend_on_the_batch_it_runs_in():
    """Every draw is keyed by (seed, replication, part): replications 0-7 run as one batch give
    the rows of two batches of four (0-3 and 4-7), column for column: the same draws, the
    same kills and shots, and the same numbers to rounding (measured: kill times 2e-13 s
    apart and debris impacts 3e-9 m, relative 2e-11: batched linear algebra sums in another
    order)."""
    chain = parse_scenario(
        Path("examples/railgun_point_defense.yaml").read_text(encoding="utf-8")
    ).kill_chain()
    whole = run_chain(chain, 8, 3).replications
    halves = [run_chain(chain, 4, 3, rep0=rep0).replications for rep0 in (0, 4)]
    for key, column in whole.items():
        joined = np.concatenate([h[key] for h in halves])
        if column.dtype.kind == "f":
            np.testing.assert_allclose(column, joined, rtol=1e-9, atol=1e-9, err_msg=key)
        else:
            np.testing.assert_array_equal(column, joined, key)
