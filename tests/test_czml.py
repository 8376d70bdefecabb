"""``kaminari czml`` on a short run (a dive onto a city in about 100 s, 3 replications): the
CZML is czml3-valid JSON with the document and its clock first, one packet per threat, round,
site and event, time-tagged positions inside their availability, paths that end where the run
says they did, and one-line errors for a broken run folder."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pymap3d
import pytest
import yaml
from czml3 import Document, Packet
from short_dive import short_dive
from typer.testing import CliRunner

from kaminari.cli import app

SCENARIO = short_dive(reps=3, seed=3, tracks_reps=0)
"""tests/test_cli_run.py's scenario; seed 3 kills the threat in one of the 3 replications and
lets it leak in the others, so both kinds of event are exercised."""

EPOCH = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
REPS = 3


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("czml")
    path = base / "s.yaml"
    path.write_text(yaml.safe_dump(SCENARIO, sort_keys=False), encoding="utf-8")
    out = base / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out), "--workers", "1"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["czml", str(out)])  # default: the first 3 replications
    assert result.exit_code == 0, result.output
    assert "engagement.czml" in result.output
    return out


@pytest.fixture(scope="module")
def packets(run_dir) -> list[dict]:
    return json.loads((run_dir / "engagement.czml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tables(run_dir) -> tuple[dict, dict]:
    reps = pq.read_table(run_dir / "replications.parquet").to_pydict()
    shots = pq.read_table(run_dir / "shots.parquet").to_pydict()
    return reps, shots


def _by_id(packets: list[dict]) -> dict[str, dict]:
    return {p["id"]: p for p in packets}


def _seconds(iso: str) -> float:
    return (dt.datetime.fromisoformat(iso.replace("Z", "+00:00")) - EPOCH).total_seconds()


def _availability_s(packet: dict) -> tuple[float, float]:
    start, end = packet["availability"].split("/")
    return _seconds(start), _seconds(end)


def _samples(packet: dict) -> tuple[np.ndarray, np.ndarray]:
    """Time-tagged ECEF samples of a moving packet: times (K,) in s, positions (K, 3) in m."""
    values = np.array(packet["position"]["cartesian"], dtype=float).reshape(-1, 4)
    return values[:, 0], values[:, 1:]


def _at(packet: dict, t_s: float) -> np.ndarray:
    t, r = _samples(packet)
    return np.array([np.interp(t_s, t, r[:, k]) for k in range(3)])


def test_czml_is_json_led_by_the_document_and_its_clock_and_revalidates(packets):
    first = packets[0]
    assert first["id"] == "document" and first["version"] == "1.0"
    assert first["name"] == "short dive"
    clock = first["clock"]
    start, end = clock["interval"].split("/")
    assert _seconds(start) == 0.0 and _seconds(clock["currentTime"]) == 0.0
    # the clock ends with the longest flight shown
    moving = [p for p in packets if "/threat/" in p["id"] or "/round/" in p["id"]]
    last = max(_availability_s(p)[1] for p in moving)
    assert _seconds(end) == pytest.approx(last, abs=1e-6)
    assert clock["multiplier"] > 1
    for p in packets:  # every packet back through czml3's model, then the whole document
        Packet.model_validate(p)
    Document.model_validate(packets)


def test_one_packet_per_threat_round_site_and_event(packets, tables):
    reps, shots = tables
    ids = [p["id"] for p in packets]
    assert len(ids) == len(set(ids))
    shown = sorted(set(reps["rep"]))[:REPS]
    assert shown == [0, 1, 2]
    threats = [i for i in ids if "/threat/" in i]
    assert sorted(threats) == sorted(f"rep-{r}/threat/hgv" for r in shown)
    rounds = [i for i in ids if "/round/" in i]
    assert len(rounds) == sum(r in shown for r in shots["rep"]) >= 1
    assert all(i.startswith(("rep-0/round/gun/", "rep-1/round/gun/", "rep-2/round/gun/"))
               for i in rounds)
    sites = [i for i in ids if i.startswith("site/")]
    assert sorted(sites) == ["site/battery/gun", "site/defended/city", "site/radar/fc"]
    kills = [i for i in ids if "/kill/" in i]
    leaks = [i for i in ids if "/leak/" in i]
    rows = range(len(reps["rep"]))
    assert sorted(kills) == sorted(f"rep-{reps['rep'][k]}/kill/hgv" for k in rows
                                   if reps["killed"][k] and reps["rep"][k] in shown)
    assert sorted(leaks) == sorted(f"rep-{reps['rep'][k]}/leak/hgv" for k in rows
                                   if reps["leaked"][k] and reps["rep"][k] in shown)
    assert kills and leaks, "the fixture's seed should give both a kill and a leak"
    assert len(ids) == 1 + len(threats) + len(rounds) + len(sites) + len(kills) + len(leaks)


def test_positions_are_time_tagged_increasing_and_inside_the_availability(packets):
    moving = [p for p in packets if "/threat/" in p["id"] or "/round/" in p["id"]]
    assert moving
    for p in moving:
        position = p["position"]
        assert position["referenceFrame"] == "FIXED" and _seconds(position["epoch"]) == 0.0
        t, r = _samples(p)
        assert t.size >= 2 and np.all(np.diff(t) > 0), p["id"]
        start, end = _availability_s(p)
        assert t[0] == pytest.approx(start, abs=1e-6) and t[-1] == pytest.approx(end, abs=1e-6)
        assert np.all(np.linalg.norm(r, axis=1) > 6.3e6), p["id"]  # on or above the Earth
    for p in packets:
        if "/threat/" in p["id"]:
            t, _ = _samples(p)
            assert t[0] == 0.0 and np.max(np.diff(t)) <= 1.0 + 1e-9  # 1 s, denser at the end
            assert np.max(np.diff(t[t >= t[-1] - 10.0])) <= 0.1 + 1e-6
        if "/round/" in p["id"]:
            t, _ = _samples(p)
            assert np.max(np.diff(t)) <= 0.1 + 1e-6


def test_a_threat_ends_at_its_kill_or_impact(packets, tables):
    """The end of each re-flown path against the run's own record, converted by pymap3d."""
    reps, _ = tables
    by_id = _by_id(packets)
    for k, r in enumerate(reps["rep"]):
        if r >= REPS:
            continue
        p = by_id[f"rep-{r}/threat/hgv"]
        t, pos = _samples(p)
        lat, lon, alt = pymap3d.ecef2geodetic(*pos[-1])
        if reps["killed"][k]:
            assert t[-1] == pytest.approx(reps["kill_t_s"][k], abs=1e-6)
            want = (reps["kill_lat_deg"][k], reps["kill_lon_deg"][k], reps["kill_alt_m"][k])
            event = by_id[f"rep-{r}/kill/hgv"]
        else:
            assert reps["leaked"][k]
            assert t[-1] == pytest.approx(reps["impact_t_s"][k], abs=1e-6)
            want = (reps["impact_lat_deg"][k], reps["impact_lon_deg"][k], 0.0)
            event = by_id[f"rep-{r}/leak/hgv"]
        assert lat == pytest.approx(want[0], abs=1e-6) and lon == pytest.approx(want[1], abs=1e-6)
        assert alt == pytest.approx(want[2], abs=1.0)  # 1e-6 deg: 0.1 m; the impact: the ground
        assert _availability_s(event)[0] == pytest.approx(t[-1], abs=1e-6)
        e_lon, e_lat, e_alt = event["position"]["cartographicDegrees"]
        assert (e_lon, e_lat) == pytest.approx((lon, lat), abs=2e-7)  # 2 cm
        assert e_alt == pytest.approx(alt, abs=0.02)  # the path's samples: to the centimetre


def test_rounds_are_flown_as_fired(packets, tables):
    """At each round's closest approach, round and threat are the run's miss distance apart
    (to 2 m: both read back by linear interpolation of the samples); the killing round ends
    where the threat does."""
    reps, shots = tables
    by_id = _by_id(packets)
    count: dict[int, int] = {}
    order = np.argsort(shots["fire_t_s"], kind="stable")
    for k in order.tolist():
        r = shots["rep"][k]
        number = count[r] = count.get(r, -1) + 1
        bullet = by_id[f"rep-{r}/round/gun/{number}"]
        threat = by_id[f"rep-{r}/threat/hgv"]
        assert _availability_s(bullet)[0] == pytest.approx(shots["fire_t_s"][k], abs=1e-6)
        t_hit = shots["intercept_t_s"][k]
        if np.isfinite(shots["miss_m"][k]):
            gap = np.linalg.norm(_at(bullet, t_hit) - _at(threat, t_hit))
            assert gap == pytest.approx(shots["miss_m"][k], abs=2.0), bullet["id"]
        if shots["kill"][k]:
            t_b, r_b = _samples(bullet)
            t_t, r_t = _samples(threat)
            assert t_b[-1] == pytest.approx(t_t[-1], abs=1e-6)
            assert np.linalg.norm(r_b[-1] - r_t[-1]) <= 5.0 + 0.01  # the lethal radius


def test_reps_option_limits_the_replications_shown(run_dir, tmp_path):
    copy_dir = tmp_path / "run"
    shutil.copytree(run_dir, copy_dir)
    result = CliRunner().invoke(app, ["czml", str(copy_dir), "--reps", "1"])
    assert result.exit_code == 0, result.output
    ids = [p["id"] for p in json.loads((copy_dir / "engagement.czml").read_text("utf-8"))]
    assert [i for i in ids if i.startswith("rep-")] and all(
        i.startswith(("rep-0/", "site/", "document")) for i in ids
    )


def _broken(run_dir: Path, tmp_path: Path, name: str, content: bytes | None) -> Path:
    broken = tmp_path / "run"
    shutil.copytree(run_dir, broken)
    if content is None:
        (broken / name).unlink()
    else:
        (broken / name).write_bytes(content)
    return broken


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("scenario.yaml", None, "scenario.yaml: no such file"),
        ("shots.parquet", b"PAR1 not really parquet", "shots.parquet: not a readable Parquet"),
        ("replications.parquet", None, "replications.parquet: no such file"),
    ],
)
def test_broken_run_folder_is_one_line_and_exit_2(run_dir, tmp_path, name, content, expected):
    broken = _broken(run_dir, tmp_path, name, content)
    result = CliRunner().invoke(app, ["czml", str(broken)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.output
    assert "Traceback" not in result.output


def test_a_table_that_lacks_a_column_is_one_line_and_exit_2(run_dir, tmp_path):
    broken = _broken(run_dir, tmp_path, "shots.parquet", None)
    table = pq.read_table(run_dir / "shots.parquet").drop(["shot_az_deg"])
    pq.write_table(table, broken / "shots.parquet")
    result = CliRunner().invoke(app, ["czml", str(broken)])
    assert result.exit_code == 2
    assert "shots.parquet: lacks the column(s) shot_az_deg" in result.output


def test_written_again_the_file_is_the_same_and_small(run_dir, tmp_path):
    """Nothing random is drawn in re-flying the paths."""
    copy_dir = tmp_path / "run"
    shutil.copytree(run_dir, copy_dir)
    before = (run_dir / "engagement.czml").read_bytes()
    assert CliRunner().invoke(app, ["czml", str(copy_dir)]).exit_code == 0
    assert (copy_dir / "engagement.czml").read_bytes() == before
    assert len(before) < 1_000_000


def test_a_dispersed_threat_flies_its_replications_own_path(tmp_path):
    """With dispersion each replication's threat follows its own path (paths.parquet), not the
    nominal one: its samples lie on the replication's recorded path."""
    from synthetic_run import write_run_folder

    folder = write_run_folder(tmp_path / "run", reps=4, tracks_reps=2, dispersed=True)
    result = CliRunner().invoke(app, ["czml", str(folder), "--reps", "2"])
    assert result.exit_code == 0, result.output
    packets = _by_id(json.loads((folder / "engagement.czml").read_text(encoding="utf-8")))
    own = pq.read_table(folder / "paths.parquet").to_pydict()
    nominal = pq.read_table(folder / "truth.parquet").to_pydict()
    for rep in (0, 1):
        mine = (np.array(own["rep"]) == rep) & (np.array(own["threat"]) == "hgv")
        t_own = np.array(own["t_s"])[mine]
        r_own = np.column_stack([np.array(own[c])[mine] for c in ("x_m", "y_m", "z_m")])
        packet = packets[f"rep-{rep}/threat/hgv"]
        t, r = _samples(packet)
        k = t.size // 2  # a sample mid-flight, away from the kill or impact
        expected = np.array([np.interp(t[k], t_own, r_own[:, j]) for j in range(3)])
        assert np.linalg.norm(r[k] - expected) < 50.0  # on its own path (sampling, interpolation)
        t_nom = np.array(nominal["t_s"])
        r_nom = np.column_stack([np.array(nominal[c]) for c in ("x_m", "y_m", "z_m")])
        off = np.array([np.interp(t[k], t_nom, r_nom[:, j]) for j in range(3)])
        assert np.linalg.norm(r[k] - off) > 100.0  # and not on the nominal one
