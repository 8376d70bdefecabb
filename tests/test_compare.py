"""``kaminari compare``: two scenarios on the same seed and replications, paired by (rep, threat):
a scenario against itself, a threat of one scenario only, the raid row, and bad input in one line
with exit status 2."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from short_dive import short_dive
from typer.testing import CliRunner

from kaminari.cli import app
from kaminari.cli.compare import _rows

ROW_KEYS = {"threat", "pk_a", "pk_b", "difference", "low", "high", "p_value"}


def _write(path: Path, scenario: dict) -> Path:
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path


def _compare(a: Path, b: Path, out: Path, *args: str):
    return CliRunner().invoke(
        app, ["compare", str(a), str(b), "--out", str(out), "--reps", "8", "--workers", "1",
              "--chunk-size", "4", *args],
    )  # fmt: skip


def test_a_scenario_against_itself_differs_by_exactly_zero_with_p_one(tmp_path):
    a = _write(tmp_path / "a.yaml", short_dive(reps=200, seed=3, tracks_reps=0))
    out = tmp_path / "out"
    result = _compare(a, a, out)
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
