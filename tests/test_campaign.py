"""The campaign engine: the same rows whatever runs the chunks (one or two local processes, a
real Dask scheduler with two workers), nothing lost or duplicated when a run is killed and
resumed, campaigns extended on resume, and one-line errors for input a user can get wrong."""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from test_cli_run import SCENARIO  # the short scenario of ``kaminari run``'s tests
from typer.testing import CliRunner

from kaminari.campaign import engine
from kaminari.campaign.engine import Backend, CampaignSpec, chunk_path, chunk_result, run_campaign
from kaminari.campaign.run import prepare
from kaminari.cli import app
from kaminari.scenario import dump_scenario, parse_scenario

REPS, CHUNK = 24, 6
TABLES = ("replications", "shots", "tracks")
BIN = Path(sys.executable).parent


def _spec(reps: int = REPS, seed: int = 3, chunk_size: int = CHUNK) -> CampaignSpec:
    scenario = parse_scenario(yaml.safe_dump(SCENARIO))
    run = scenario.run.model_copy(
        update={"reps": reps, "seed": seed, "chunk_size": chunk_size, "tracks_reps": 8}
    )
    as_run = scenario.model_copy(update={"run": run})
    return CampaignSpec(as_run.kill_chain(), reps, seed, chunk_size, 8, dump_scenario(as_run))


def _assert_same_tables(a: Path, b: Path) -> None:
    """The merged tables in folders ``a`` and ``b`` hold the same rows in the same order (NaN
    equal to NaN, which pyarrow's ``Table.equals`` does not grant)."""
    for table in TABLES:
        ta, tb = pq.read_table(a / f"{table}.parquet"), pq.read_table(b / f"{table}.parquet")
        assert ta.schema == tb.schema, table
        assert ta.num_rows == tb.num_rows, table
        for name in ta.column_names:
            x = ta.column(name).to_numpy(zero_copy_only=False)
            y = tb.column(name).to_numpy(zero_copy_only=False)
            if x.dtype.kind == "f":
                assert np.array_equal(x, y, equal_nan=True), (table, name)
            else:
                assert x.tolist() == y.tolist(), (table, name)


def _write(folder: Path, scenario: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference campaign: run in this process, one chunk after another."""
    out = tmp_path_factory.mktemp("baseline")
    result = run_campaign(_spec(), out, Backend(workers=1))
    assert result.reps == result.reps_run == REPS
    return out


@pytest.fixture(scope="module")
def dask_scheduler(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real Dask scheduler and two one-thread workers, each its own process on 127.0.0.1."""
    dask = BIN / "dask"  # dask[distributed], a dependency, installs it
    from distributed import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    commands = [
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        *[[dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"]] * 2,
    ]
    procs = []
    try:
        for k, command in enumerate(commands):
            log = open(logs / f"{k}.log", "wb")  # closed with its process
            procs.append((subprocess.Popen(command, stdout=log, stderr=log), log))
        with Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=60)
            assert len(client.scheduler_info(n_workers=-1)["workers"]) == 2
        yield address
    finally:  # the workers first (together), then the scheduler they would wait for
        for group in (procs[1:], procs[:1]):
            for proc, _ in group:
                proc.terminate()
            for proc, log in group:
                try:
                    proc.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                log.close()


def test_a_chunk_draws_from_its_spawned_seed_whatever_the_number_of_chunks():
    for n, i in ((4, 1), (1000, 1), (7, 6)):
        spawned = np.random.SeedSequence(3).spawn(n)[i]
        direct = np.random.SeedSequence(3, spawn_key=(i,))
        assert np.array_equal(spawned.generate_state(8), direct.generate_state(8))
    short, long = _spec(reps=12), _spec(reps=48)
    inputs = prepare(short.chain)
    a, b = chunk_result(short, inputs, 1), chunk_result(long, inputs, 1)
    assert a.replications["rep"].tolist() == list(range(CHUNK, 2 * CHUNK))
    for table in TABLES:
        for name, column in getattr(a, table).items():
            floats = column.dtype.kind == "f"
            assert np.array_equal(column, getattr(b, table)[name], equal_nan=floats)


def test_one_and_two_local_workers_and_a_dask_cluster_give_the_same_rows(
    baseline, dask_scheduler, tmp_path
):
    for name, backend in (
        ("two", Backend(workers=2)),
        ("dask", Backend("dask", address=dask_scheduler)),
    ):
        progress: list[tuple[int, int]] = []
        result = run_campaign(
            _spec(),
            tmp_path / name,
            backend,
            progress=lambda *done, seen=progress: seen.append(done),
        )
        assert result.reps_run == REPS
        assert progress[0] == (0, REPS) and progress[-1] == (REPS, REPS)
        assert [d for d, _ in progress] == sorted(d for d, _ in progress)
        _assert_same_tables(baseline, tmp_path / name)
    manifest = json.loads((baseline / "manifest.json").read_text())
    assert manifest["finished"] == [0, 1, 2, 3] and manifest["seed"] == 3
    assert manifest["chunk_size"] == CHUNK and manifest["reps"] == REPS
    assert pq.read_table(baseline / "replications.parquet").column("rep").to_pylist() == list(
        range(REPS)
    )
    assert set(pq.read_table(baseline / "tracks.parquet").column("rep").to_pylist()) == set(
        range(8)
    )


def test_a_killed_run_resumes_without_losing_or_repeating_a_row(tmp_path):
    reps, chunk = 12, 2
    scenario = _write(tmp_path, SCENARIO)
    out = tmp_path / "killed"
    args = ["run", str(scenario), "--reps", str(reps), "--chunk-size", str(chunk)]
    proc = subprocess.Popen(
        [BIN / "kaminari", *args, "--out", str(out), "--workers", "1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    manifest = out / "manifest.json"
    finished: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if manifest.exists():
                finished = json.loads(manifest.read_text())["finished"]
                if len(finished) >= 2:
                    break
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
    assert 2 <= len(finished) < reps // chunk, (finished, err)
    assert not (out / "replications.parquet").exists()
    finished = json.loads(manifest.read_text())["finished"]
    # the crash, made worse: a chunk file that the manifest does not list holds junk, and a
    # temporary file is left over; neither may pass for a finished chunk
    unlisted = min(set(range(reps // chunk)) - set(finished))
    chunk_path(out, unlisted, "shots").write_bytes(b"half a parquet file")
    (out / "chunks" / f".chunk-{unlisted:06d}.tracks.parquet.tmp-999999").write_bytes(b"junk")

    resumed = CliRunner().invoke(app, [*args, "--out", str(out), "--workers", "2", "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert f"{reps - chunk * len(finished)} replications run" in resumed.output
    assert not list((out / "chunks").glob(".*tmp*"))
    whole = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "whole"), "--workers", "1"])
    assert whole.exit_code == 0, whole.output
    _assert_same_tables(out, tmp_path / "whole")
    reps_column = pq.read_table(out / "replications.parquet").column("rep").to_pylist()
    assert reps_column == list(range(reps))  # none lost, none twice


def test_resume_extends_a_campaign_with_more_replications(baseline, tmp_path):
    out = tmp_path / "grown"
    first = run_campaign(_spec(reps=10), out, Backend(workers=1))  # chunks of 6 and 4
    assert first.reps_run == 10
    grown = run_campaign(_spec(), out, Backend(workers=1), resume=True)
    assert grown.reps_run == REPS - CHUNK  # the chunk of 4 became one of 6: run again
    _assert_same_tables(baseline, out)
    again = run_campaign(_spec(), out, Backend(workers=1), resume=True)
    assert again.reps_run == 0
    _assert_same_tables(baseline, out)


def test_the_manifest_records_the_kaminari_version_that_ran_it(baseline):
    manifest = json.loads((baseline / "manifest.json").read_text())
    assert manifest["kaminari_version"] == importlib.metadata.version("kaminari")


HOLD_THE_FOLDER = """\
import sys, time
from pathlib import Path
from kaminari.campaign.engine import folder_lock

with folder_lock(Path(sys.argv[1])):
    print("holding", flush=True)
    time.sleep(600)
"""
"""A process that holds a campaign folder as a running campaign does, until it is killed."""


def test_a_second_run_into_a_running_campaigns_folder_is_refused(tmp_path):
    """While another process holds the folder, kaminari run (with --resume or without) ends in
    one line and exit status 2, and writes nothing; once that process is killed, its lock has
    gone with it."""
    out = tmp_path / "out"
    scenario = _write(tmp_path, SCENARIO)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_FOLDER, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "holding\n"
        for resume in ([], ["--resume"]):
            proc = subprocess.run(
                [BIN / "kaminari", "run", str(scenario), "--out", str(out), "--reps", "2",
                 "--workers", "1", *resume],
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert proc.returncode == 2, proc.stderr
            assert proc.stderr == (
                f"{out}: a running campaign holds this folder (pid {holder.pid}); "
                "allowed: a new --out folder, or wait for it to finish\n"
            )
            assert [p.name for p in out.iterdir()] == [".lock"]
    finally:
        holder.kill()
        holder.wait()
    assert (out / ".lock").read_text() == f"{holder.pid}\n"  # the killed holder's file stays,
    with engine.folder_lock(out):  # but not its lock
        assert (out / ".lock").read_text() == f"{os.getpid()}\n"
    assert not (out / ".lock").exists()  # a campaign that ends removes the file


@pytest.fixture(scope="module")
def campaign_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished small campaign of the short scenario, made through the command: on one
    worker, its two replications are one balanced chunk of 2."""
    folder = tmp_path_factory.mktemp("campaign")
    scenario = _write(folder, SCENARIO)
    result = CliRunner().invoke(
        app, ["run", str(scenario), "--out", str(folder / "out"), "--reps", "2", "--workers", "1"]
    )
    assert result.exit_code == 0, result.output
    return folder


@pytest.mark.parametrize(
    ("change", "args", "expected"),
    [
        (lambda s: None, ["--resume", "--seed", "4"], "(seed 3 there, 4 here)"),
        (lambda s: s["radars"][0].update(revisit_s=0.2), ["--resume"], "the scenario differs"),
        (lambda s: None, ["--resume", "--chunk-size", "1"], "chunk size 2 there, 1 here"),
        (lambda s: None, [], "manifest.json: holds a campaign already; allowed: --resume"),
        (lambda s: None, ["--workers", "0"], "--workers: 0 is not allowed; allowed: --workers"),
        (lambda s: None, ["--chunk-size", "0"], "--chunk-size: 0 is not allowed"),
        (lambda s: None, ["--dask", "tcp://127.0.0.1:1"], "--dask: no Dask scheduler answers"),
        (lambda s: None, ["--dask", "127.0.0.1"], "--dask: '127.0.0.1' is not an address"),
    ],
)
def test_bad_campaign_input_is_one_line_and_exit_2(
    campaign_folder, tmp_path, monkeypatch, change, args, expected
):
    monkeypatch.setattr(engine, "CONNECT_TIMEOUT_S", 0.5)
    scenario = yaml.safe_load(yaml.safe_dump(SCENARIO))
    change(scenario)
    out = tmp_path / "out"
    shutil.copytree(campaign_folder / "out", out)
    if "--dask" in args:
        shutil.rmtree(out)  # a new campaign: the backend is the only problem
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    result = CliRunner().invoke(
        app, ["run", str(_write(tmp_path, scenario)), "--out", str(out), "--reps", "2", *args]
    )
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.output
    assert "Traceback" not in result.output
    assert before == {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}  # untouched


def test_a_campaign_folder_is_resumed_in_place_with_the_same_scenario(campaign_folder, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(campaign_folder / "out", out)
    merged = (out / "replications.parquet").read_bytes()
    result = CliRunner().invoke(
        app, ["run", str(campaign_folder / "s.yaml"), "--out", str(out), "--reps", "2", "--resume"]
    )
    assert result.exit_code == 0, result.output
    assert "0 replications run" in result.output and "2 finished before" in result.output
    assert (out / "replications.parquet").read_bytes() == merged
    assert os.path.getsize(out / "scenario.yaml") > 0


def test_chunks_are_balanced_over_the_workers_and_a_resume_keeps_its_own(tmp_path):
    """Where neither the scenario nor the command names a chunk size, a campaign splits its
    replications into equal chunks of at most 1,000, as many as a multiple of the workers, so
    that two workers both work to the end; every draw is keyed by replication, so the rows are
    those of one chunk (to rounding). A resume keeps the first run's chunks whatever its
    workers."""
    assert engine.balanced_chunk_size(300, 2) == 150
    assert engine.balanced_chunk_size(2_700, 2) == 675
    assert engine.balanced_chunk_size(8_000, 2) == 1_000
    assert engine.balanced_chunk_size(8_001, 2) == 801  # 10 chunks
    assert engine.balanced_chunk_size(1, 4) == 1
    assert "chunk_size" not in SCENARIO.get("run", {})
    scenario = _write(tmp_path, SCENARIO)
    runner = CliRunner()
    rows = {}
    for name, args in (("balanced", ["--workers", "2"]), ("one", ["--chunk-size", "4"])):
        result = runner.invoke(
            app, ["run", str(scenario), "--out", str(tmp_path / name), "--reps", "4", *args]
        )
        assert result.exit_code == 0, result.output
        rows[name] = pq.read_table(tmp_path / name / "replications.parquet").to_pydict()
    manifest = tmp_path / "balanced" / "manifest.json"
    assert json.loads(manifest.read_text())["chunk_size"] == 2
    for key, column in rows["balanced"].items():
        a, b = np.asarray(column), np.asarray(rows["one"][key])
        if a.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=key)
        else:
            assert list(a) == list(b), key
    again = runner.invoke(app, ["run", str(scenario), "--out", str(tmp_path / "balanced"),
                                "--reps", "6", "--resume", "--workers", "1"])  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "4 finished before" in again.output
    assert json.loads(manifest.read_text())["chunk_size"] == 2
