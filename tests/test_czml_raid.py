"""``kaminari czml`` on a made-up raid folder (``synthetic_run``: two threats 10 s apart, two
batteries, rounds at false tracks): the threats' paths come from truth.parquet (nothing flown),
each starts at its own time and ends at its kill or impact, a round at a false track says so,
and a folder without truth.parquet is one line."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pymap3d
import pytest
from czml3 import Document
from synthetic_run import START_SPACING_S, write_run_folder
from typer.testing import CliRunner

from kaminari.cli import app
from kaminari.report.czml import write_czml

EPOCH = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
RAID = ("hgv-1", "hgv-2")


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("kaminari czml flew a threat")


@pytest.fixture(scope="module")
def raid_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = write_run_folder(
        tmp_path_factory.mktemp("czml") / "out", threats=RAID, reps=8, seed=2, tracks_reps=0,
        false_tracks_per_rep=1.5,
    )  # fmt: skip
    import kaminari.threats.flyout as flyout
    from kaminari.scenario import Scenario

    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(flyout, "fly_threats", _refuse)
        monkeypatch.setattr(Scenario, "threat_specs", _refuse)
        monkeypatch.setattr(Scenario, "kill_chain", _refuse)
        write_czml(folder, reps=4)
    return folder


@pytest.fixture(scope="module")
def packets(raid_dir: Path) -> dict[str, dict]:
    listed = json.loads((raid_dir / "engagement.czml").read_text(encoding="utf-8"))
    Document.model_validate(listed)
    return {p["id"]: p for p in listed}


def _seconds(iso: str) -> float:
    return (dt.datetime.fromisoformat(iso.replace("Z", "+00:00")) - EPOCH).total_seconds()


def _samples(packet: dict) -> tuple[np.ndarray, np.ndarray]:
    values = np.array(packet["position"]["cartesian"], dtype=float).reshape(-1, 4)
    return values[:, 0], values[:, 1:]


def test_each_threat_of_the_raid_flies_its_truth_from_its_own_start(raid_dir, packets):
    truth = pq.read_table(raid_dir / "truth.parquet").to_pydict()
    names = np.array(truth["threat"])
    for k, name in enumerate(RAID):
        rows = names == name
        t_true = np.array(truth["t_s"])[rows]
        r_true = np.column_stack([np.array(truth[c])[rows] for c in ("x_m", "y_m", "z_m")])
        for rep in range(4):
            p = packets[f"rep-{rep}/threat/{name}"]
            start, _ = (_seconds(x) for x in p["availability"].split("/"))
            assert start == pytest.approx(k * START_SPACING_S, abs=1e-6)
            t, r = _samples(p)
            assert t[0] == pytest.approx(t_true[0], abs=1e-6)
            inner = t[:-1]  # the last sample is the kill or the impact
            at = np.searchsorted(t_true, inner)
            exact = np.abs(t_true[np.minimum(at, t_true.size - 1)] - inner) < 1e-6
            assert exact.sum() > 10  # whole seconds are record times: the truth itself
            assert np.max(np.abs(r[:-1][exact] - r_true[at[exact]])) <= 0.006  # cm rounding


def test_a_threat_ends_at_its_kill_or_impact(raid_dir, packets):
    reps = pq.read_table(raid_dir / "replications.parquet").to_pydict()
    seen = set()
    for k, rep in enumerate(reps["rep"]):
        if rep >= 4:
            continue
        name = reps["threat"][k]
        t, r = _samples(packets[f"rep-{rep}/threat/{name}"])
        if reps["killed"][k]:
            assert t[-1] == pytest.approx(reps["kill_t_s"][k], abs=1e-6)
            assert f"rep-{rep}/kill/{name}" in packets
            seen.add("kill")
        else:
            assert t[-1] == pytest.approx(reps["impact_t_s"][k], abs=1e-6)
            lat, lon, alt = pymap3d.ecef2geodetic(*r[-1])
            assert (lat, lon) == pytest.approx(
                (reps["impact_lat_deg"][k], reps["impact_lon_deg"][k]), abs=1e-6
            )
            assert alt == pytest.approx(0.0, abs=0.05)
            assert f"rep-{rep}/leak/{name}" in packets
            seen.add("leak")
    assert seen == {"kill", "leak"}, "the fixture's seed should give both"


def test_a_round_at_a_false_track_flies_its_longest_time_of_flight(raid_dir, packets):
    shots = pq.read_table(raid_dir / "shots.parquet").to_pydict()
    at_nothing = [k for k, name in enumerate(shots["threat"]) if name == "" and shots["rep"][k] < 4]
    assert at_nothing, "the fixture should fire at a false track"
    rounds = [p for i, p in packets.items() if "/round/" in i and "no threat" in p["description"]]
    assert len(rounds) == len(at_nothing)
    for p in rounds:
        start, end = (_seconds(x) for x in p["availability"].split("/"))
        assert end - start == pytest.approx(4.0, abs=1e-6)  # fire_control.max_time_of_flight_s
    described = [p["description"] for i, p in packets.items() if "/round/" in i]
    assert all(d.startswith("at track ") for d in described)


def test_written_again_the_file_is_the_same(raid_dir, tmp_path):
    copy_dir = tmp_path / "out"
    shutil.copytree(raid_dir, copy_dir)
    write_czml(copy_dir, reps=4)
    assert (copy_dir / "engagement.czml").read_bytes() == (
        raid_dir / "engagement.czml"
    ).read_bytes()


@pytest.mark.parametrize(
    ("spoil", "expected"),
    [
        (lambda d: (d / "truth.parquet").unlink(), "truth.parquet: no such file"),
        (
            lambda d: pq.write_table(
                pq.read_table(d / "truth.parquet").drop(["vx_mps"]), d / "truth.parquet"
            ),
            "truth.parquet: lacks the column(s) vx_mps",
        ),
    ],
)
def test_a_folder_without_its_truth_is_one_line_and_exit_2(raid_dir, tmp_path, spoil, expected):
    broken = tmp_path / "out"
    shutil.copytree(raid_dir, broken)
    spoil(broken)
    result = CliRunner().invoke(app, ["czml", str(broken)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.output
