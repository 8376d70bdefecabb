"""The report of a raid (several threats per replication sharing the defences), on made-up run
folders (``synthetic_run``): the raid's statistics and figure, the threats' paths drawn from
truth.parquet without flying anything, a raid's threats named after their scenario entry, false
tracks, and no warning at all for a run with noise-free radars."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from synthetic_run import write_run_folder

from kaminari.report import ReportError, render_report, write_report
from kaminari.report.figures import RAID_FIGURE, RUN_FIGURES, png_bytes, track_error_figure
from kaminari.report.html import read_run_folder
from kaminari.report.summary import raid_rows, summarize_raid

RAID = ("hgv-1", "hgv-2")


def _forbid_flying(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every way of flying a threat fail: the report must draw truth.parquet."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report flew a threat")

    import kaminari.threats.flyout as flyout
    from kaminari.scenario import Scenario

    monkeypatch.setattr(flyout, "fly_threats", refuse)
    monkeypatch.setattr(Scenario, "threat_specs", refuse)
    monkeypatch.setattr(Scenario, "kill_chain", refuse)


@pytest.fixture(scope="module")
def raid_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two threats 10 s apart against two batteries, with false tracks; its report written
    while flying is forbidden."""
    folder = write_run_folder(
        tmp_path_factory.mktemp("raid") / "out", threats=RAID, reps=40, seed=5, tracks_reps=2
    )
    with pytest.MonkeyPatch.context() as monkeypatch:
        _forbid_flying(monkeypatch)
        write_report(folder)
    return folder


def test_a_raid_report_has_its_statistics_and_figure(raid_dir: Path) -> None:
    text = (raid_dir / "report.html").read_text(encoding="utf-8")
    replications = pq.read_table(raid_dir / "replications.parquet").to_pydict()
    shots = pq.read_table(raid_dir / "shots.parquet").to_pydict()
    text_columns = ("threat", "battery")
    raid = summarize_raid(
        {k: np.asarray(v, object if k in text_columns else None) for k, v in replications.items()},
        {k: np.asarray(v, object if k in text_columns else None) for k, v in shots.items()},
        {"gun": 40, "gun-2": 40},
    )
    assert "The raid, replication by replication" in text
    rows = raid_rows(raid)
    labels = [label for label, _ in rows]
    assert labels == [
        "threats killed per replication",
        "leakers per replication",
        "rounds used, gun",
        "rounds used, gun-2",
        "false tracks",
    ]
    for label, value in rows:
        assert f"<td>{label}</td>" in text and value.replace("…", "&hellip;") in text, label
    assert sum(raid.killed_reps) == 40 and raid.false_tracks_any > 0
    assert raid.rounds_at_no_threat > 0  # rounds at false tracks: threat '' in shots.parquet
    for name in RAID:  # a Pk card per threat
        rows = zip(replications["killed"], replications["threat"], strict=True)
        kills = sum(k for k, t in rows if t == name)
        assert f"{kills} killed in 40 replications" in text
    figures = sorted(p.name for p in (raid_dir / "figures").glob("*.png"))
    assert figures == sorted([RAID_FIGURE[1], *(f for _, f in RUN_FIGURES)])
    assert text.count("<img ") == len(RUN_FIGURES) + 1
    assert text.index('alt="Threats killed per replication') < text.index('alt="Map of')


def test_a_raid_brief_gives_start_times(raid_dir: Path) -> None:
    text = (raid_dir / "report.html").read_text(encoding="utf-8")
    assert "starts at s" in text  # hgv-2 starts 10 s after hgv-1


def test_a_raid_is_named_after_its_scenario_entry(tmp_path: Path) -> None:
    """Threats hgv-1 and hgv-2 in the tables and truth, one raid entry hgv of 2 in the
    scenario."""
    folder = write_run_folder(tmp_path / "out", threats=RAID, reps=4, tracks_reps=1)
    scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    raid = {"name": "hgv", "count": 2, "spacing_s": 10, "lateral_spacing_km": 15}
    scenario["threats"] = [{**scenario["threats"][0], **raid}]
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
    run = read_run_folder(folder)
    assert sorted(set(run.truth["threat"].tolist())) == list(RAID)
    text = render_report(folder).html
    assert "hgv: 2 threats, hgv-1 … hgv-2" in text and "0–10" in text


def test_a_dispersed_raid_gives_each_threat_its_cep(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A raid entry with a dispersion: each of its threats has its own CEP about the entry's
    dive target, and the brief names the entry's spreads once; nothing is flown."""
    from kaminari.report.summary import dive_targets, summarize, summary_rows

    folder = write_run_folder(tmp_path / "out", threats=RAID, reps=30, tracks_reps=2,
                              dispersed=True)  # fmt: skip
    scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    raid = {"name": "hgv", "count": 2, "spacing_s": 10, "lateral_spacing_km": 15}
    scenario["threats"] = [{**scenario["threats"][0], **raid}]
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario, sort_keys=False))
    _forbid_flying(monkeypatch)
    run = read_run_folder(folder)
    rows = summarize(run.replications, run.shots, dive_targets(run.scenario))
    assert [(r.threat, r.impact_about, r.impact_n) for r in rows] == [
        ("hgv-1", "city", 30),
        ("hgv-2", "city", 30),
    ]
    assert rows[0].impact_cep_m != rows[1].impact_cep_m  # each its own draws
    cells = dict(summary_rows(rows))["  CEP, m"]
    assert cells == [f"{r.impact_cep_m:.0f}" for r in rows]
    text = render_report(folder).html
    assert text.count("hgv: aim CEP 200 m, start 5 km") == 1


def _spoil(path: Path, column: str, value: str) -> None:
    table = pq.read_table(path)
    i = table.schema.get_field_index(column)
    names = table.column(column).to_pylist()
    names[0] = value
    pq.write_table(table.set_column(i, column, pa.array(names, pa.string())), path)


@pytest.mark.parametrize(
    ("file", "value", "expected"),
    [
        ("truth.parquet", "cruise-1x", "truth.parquet: threat 'cruise-1x' is not in scenario.yaml"),
        ("replications.parquet", "hgv-3", "threat 'hgv-3' is not in truth.parquet"),
        ("shots.parquet", "hgv-3", "shots.parquet: threat 'hgv-3' is not in truth.parquet"),
    ],
)
def test_threats_the_truth_does_not_know_are_refused(
    tmp_path: Path, file: str, value: str, expected: str
) -> None:
    folder = write_run_folder(tmp_path / "out", threats=RAID, reps=3, tracks_reps=1)
    _spoil(folder / file, "threat", value)
    with pytest.raises(ReportError) as err:
        render_report(folder)
    assert expected in str(err.value) and "\n" not in str(err.value)


def test_one_threat_without_false_tracks_adds_nothing(tmp_path: Path) -> None:
    folder = write_run_folder(tmp_path / "out", reps=5, tracks_reps=1, false_tracks_per_rep=0)
    report = render_report(folder)
    assert "The raid" not in report.html and "False tracks" not in report.html
    assert RAID_FIGURE[1] not in report.figures
    assert "starts at s" not in report.html


def test_one_threat_with_false_tracks_says_so_in_one_line(tmp_path: Path) -> None:
    folder = write_run_folder(tmp_path / "out", reps=30, tracks_reps=1, false_tracks_per_rep=2)
    html = render_report(folder).html
    assert "<h3>False tracks</h3>" in html and "The raid" not in html


# --- noise-free radars: no warning anywhere ---------------------------------------------------

WARNINGS_ARE_ERRORS = """
import sys
from kaminari.report import write_report
for folder in sys.argv[1:]:
    write_report(folder)
print("ok")
"""


def test_noise_free_radars_give_a_report_without_a_warning(tmp_path: Path) -> None:
    """``python -W error``: a division by zero, the log of zero, an empty range or any other
    warning ends the run. Sigmas of 0 give tracks whose variance and error are exactly 0,
    every replication alike and every miss alike."""
    one = write_run_folder(tmp_path / "one", reps=5, tracks_reps=2, sigma_zero=True)
    raid = write_run_folder(tmp_path / "raid", RAID, reps=5, tracks_reps=2, sigma_zero=True)
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", WARNINGS_ARE_ERRORS, str(one), str(raid)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok" and done.stderr == ""
    assert (raid / "figures" / RAID_FIGURE[1]).is_file()


def _tracks(n: int, error_m: float, var_m2: float, threat: str = "hgv") -> dict[str, np.ndarray]:
    t = np.arange(n, dtype=float)
    x = 6.4e6 + 100.0 * t
    columns = {
        "rep": np.zeros(n, dtype=np.int64),
        "track_id": np.ones(n, dtype=np.int64),
        "threat": np.array([threat] * n, dtype=object),
        "t_s": t,
    }
    for a in "xyz":
        columns[f"{a}_m"] = x + (error_m if a == "x" else 0.0)
        columns[f"true_{a}_m"] = x
        columns[f"var_{a}_m2"] = np.full(n, var_m2)
    return columns


@pytest.mark.parametrize(("error_m", "var_m2"), [(0.0, 0.0), (0.0, 1e-6), (1e-3, 0.0)])
def test_track_error_of_exact_tracks_draws_without_a_warning(error_m: float, var_m2: float):
    from kaminari.scenario import Scenario

    scenario = Scenario.model_validate(
        {"name": "s", "epoch": "2027-01-01T00:00:00Z", "threats": [
            {"name": "hgv", "vehicle": "cav-h", "guidance": {"alpha_deg": 10},
             "start": {"lat_deg": 0, "lon_deg": 0, "alt_km": 40, "speed_mps": 4000,
                       "flight_path_deg": 0, "heading_deg": 0}}]}
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = png_bytes(track_error_figure(scenario, _tracks(20, error_m, var_m2), ["hgv"]))
    assert png.startswith(b"\x89PNG")


def test_track_rows_without_a_threat_are_not_drawn() -> None:
    """A row with no threat has no truth to compare with, even if a column says otherwise."""
    from kaminari.report.figures import _finite_track_rows

    tracks = _tracks(4, 1.0, 1.0)
    tracks["threat"] = np.array(["hgv", "", "hgv", ""], dtype=object)
    assert _finite_track_rows(tracks).tolist() == [True, False, True, False]
