"""``kaminari sweep``: reading ``--set``, the grid's size and order, the point scenarios, one-line
errors with exit status 2, the resolution rule, and a sweep end to end on a short scenario."""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml
from short_dive import short_dive
from typer.testing import CliRunner

from kaminari.campaign.sweep import (
    SweepAxis,
    apply_values,
    parse_grid,
    parse_set,
    sweep_scenarios,
    tied_with_best,
)
from kaminari.cli import app
from kaminari.cli.sweep import _resolution_note, reps_to_resolve, reps_to_separate
from kaminari.report.summary import wilson_interval
from kaminari.scenario import ScenarioError, load_scenario

# the short scenario of tests/test_cli_run.py: one glide vehicle diving onto the city in ~100 s
SCENARIO = short_dive(reps=4, seed=3, tracks_reps=1)
TEXT = yaml.safe_dump(SCENARIO, sort_keys=False)
ENGINE = "kaminari.campaign.engine"


def _write(tmp_path: Path, scenario: dict = SCENARIO) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False), encoding="utf-8")
    return path


# --- reading --set and the grid --------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "path", "values"),
    [
        ("batteries.0.muzzle_velocity_mps=1800,2300", ("batteries", 0, "muzzle_velocity_mps"),
         (1800, 2300)),
        ("fire_control.max_time_of_flight_s=2.5,1e3", ("fire_control", "max_time_of_flight_s"),
         (2.5, 1000.0)),
        ("radars.1.sigma.range_m=5", ("radars", 1, "sigma", "range_m"), (5,)),
        ("threats.0.guidance.bank.kind=weave,none", ("threats", 0, "guidance", "bank", "kind"),
         ("weave", "none")),
        ("batteries[0].site.alt_m=0, -20", ("batteries", 0, "site", "alt_m"), (0, -20)),
        ("name='a,b',true,null", ("name",), ("a,b", True, None)),
    ],
)
def test_parse_set_reads_the_path_and_yaml_scalars(spec, path, values):
    axis = parse_set(spec)
    assert axis.path == path
    assert axis.values == values
    assert [type(v) for v in axis.values] == [type(v) for v in values]  # 2300 int, 2.5 float


def test_parse_set_keeps_each_value_as_given_for_messages():
    axis = parse_set("fire_control.max_time_of_flight_s=3,1e3")
    assert axis.texts == ("3", "1e3")
    assert axis.option(1) == "--set fire_control.max_time_of_flight_s=1e3"


def test_grid_is_the_product_numbered_row_major_last_axis_fastest():
    grid = parse_grid([
        "batteries.0.muzzle_velocity_mps=1800,2300,2800",
        "fire_control.max_time_of_flight_s=3,4",
    ])
    points = grid.points()
    assert grid.size == len(points) == 6
    assert [p.index for p in points] == list(range(6))
    assert [tuple(grid.values(p).values()) for p in points] == [
        (1800, 3), (1800, 4), (2300, 3), (2300, 4), (2800, 3), (2800, 4)
    ]
    assert [grid.folder(p) for p in points[:2]] == ["point-000", "point-001"]


def test_folder_names_grow_with_a_grid_past_a_thousand_points():
    grid = parse_grid([f"run.seed={','.join(str(i) for i in range(1001))}"])
    assert grid.folder(grid.points()[-1]) == "point-1000"
    assert grid.folder(grid.points()[0]) == "point-0000"


def test_apply_values_sets_nested_list_paths_on_a_copy_and_creates_absent_sections():
    data = yaml.safe_load(TEXT)
    out = apply_values(data, [
        (("radars", 0, "sigma", "range_m"), 7),
        (("batteries", 0, "dispersion", "pointing_mrad"), 0.5),  # absent in the file
    ])
    assert out["radars"][0]["sigma"]["range_m"] == 7
    assert out["batteries"][0]["dispersion"] == {"pointing_mrad": 0.5}
    assert data == yaml.safe_load(TEXT)  # the file's mapping is left as it was


def test_sweep_scenarios_validates_each_point_in_grid_order():
    grid, scenarios = sweep_scenarios(TEXT, "s.yaml", [
        "radars.0.sigma.range_m=1,20",
        "threats.0.guidance.glide=free,equilibrium",
    ], {"--reps": (("run", "reps"), 7)})
    assert grid.size == len(scenarios) == 4
    assert [(s.radars[0].sigma.range_m, s.threats[0].guidance.glide) for s in scenarios] == [
        (1, "free"), (1, "equilibrium"), (20, "free"), (20, "equilibrium")
    ]
    assert {s.run.reps for s in scenarios} == {7}
    assert scenarios[0].batteries == load_scenario(_write_text(TEXT)).batteries


def _write_text(text: str) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_point_whose_values_clash_is_named_with_its_options():
    with pytest.raises(ScenarioError) as err:  # each value is fine alone; 0.08 >= 0.05 is not
        sweep_scenarios(TEXT, "s.yaml", ["radars.0.revisit_s=0.05,0.2",
                                         "radars.0.scan_offset_s=0,0.08"])
    assert str(err.value).startswith(
        "kaminari sweep: point 1 (--set radars.0.revisit_s=0.05 --set radars.0.scan_offset_s=0.08)"
        ": radars[0].scan_offset_s: 0.08 is not below revisit_s 0.05"
    )


# --- bad input: one line, exit status 2 --------------------------------------------------------


@pytest.mark.parametrize(
    ("sets", "args", "expected"),
    [
        (["batteries.0.muzle_velocity_mps=1800"], [],
         "--set batteries.0.muzle_velocity_mps: batteries[0] has no field 'muzle_velocity_mps'; "
         "did you mean 'muzzle_velocity_mps'?"),
        (["batteries.2.muzzle_velocity_mps=1800"], [],
         "index 2 is past the end: batteries has 1 entry; allowed: an index, 0"),
        (["batteries.0.muzzle_velocity_mps=1800,fast"], [],
         "kaminari sweep: --set batteries.0.muzzle_velocity_mps=fast: 'fast' is not a number; "
         "allowed: 0 < muzzle_velocity_mps < 12000"),
        (["batteries.0.muzzle_velocity_mps=-2300"], [],
         "--set batteries.0.muzzle_velocity_mps=-2300: -2300 is not allowed; "
         "allowed: 0 < muzzle_velocity_mps < 12000"),
        (["batteries.0.muzzle_velocity_mps"], [],
         "--set batteries.0.muzzle_velocity_mps: no '=' between the field path and its values"),
        (["fire_control.doctrine=salvoo"], [], "did you mean 'salvo'"),
        (["batteries.0.magazine=40.5"], [], "40.5 is not a whole number"),
        (["batteries.0.site.lat_deg.x=1"], [], "is a single value: it has no field 'x'"),
        (["threats.0.guidance.bank.kind=weave"], [],
         "--set threats.0.guidance.bank.kind=weave: threats[0].guidance.bank.amplitude_deg: "
         "required by kind 'weave'"),
        (["run.reps=2,3"], ["--reps", "4"], "--reps: run.reps is swept by --set run.reps too"),
        (["batteries.0.magazine=1,1"], [], "1 is given twice"),
        (["batteries.0.magazine=10"], ["--reps", "0"], "--reps: 0 is not allowed"),
        (["batteries.0.magazine=10"], ["--chunk-size", "0"], "--chunk-size: 0 is not allowed"),
        (["batteries.0.magazine=10"], ["--workers", "0"], "--workers: 0 is not allowed"),
        (["batteries.0.magazine=10"], ["--dask", "no such host"], "--dask: 'no such host' is not"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, sets, args, expected):
    options = [item for spec in sets for item in ("--set", spec)]
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["sweep", str(_write(tmp_path)), "--out", str(out),
                                      *options, *args])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.output
    assert "Traceback" not in result.output
    assert not out.exists()  # nothing written before everything is validated


def test_a_bad_scenario_file_is_named_by_its_line(tmp_path):
    scenario = yaml.safe_load(TEXT)
    scenario["batteries"][0]["magazine"] = 0
    result = CliRunner().invoke(app, ["sweep", str(_write(tmp_path, scenario)), "--out",
                                      str(tmp_path / "out"), "--set", "run.seed=1,2"])
    assert result.exit_code == 2
    assert result.output.strip().startswith(f"{tmp_path / 's.yaml'}:")
    assert "batteries[0].magazine: 0 is not allowed" in result.output


# --- is the best point resolved? -------------------------------------------------------------


def test_tied_with_best_lists_the_points_whose_interval_overlaps_the_best():
    best, tied = tied_with_best([0.5, 0.9, 0.2, 0.85], [0.3, 0.8, 0.1, 0.7], [0.7, 0.95, 0.3, 0.93])
    assert best == 1 and tied == (3,)
    assert tied_with_best([0.5, 0.5], [0.2, 0.2], [0.8, 0.8]) == (0, (1,))  # first on a tie


@pytest.mark.parametrize(("pk_1", "pk_2"), [(0.5, 0.6), (0.2, 0.0), (0.95, 0.9), (1.0, 0.7)])
def test_reps_to_separate_is_where_the_wilson_intervals_just_stop_overlapping(pk_1, pk_2):
    n = reps_to_separate(pk_1, pk_2)

    def apart(n: int) -> bool:
        (lo_1, hi_1), (lo_2, hi_2) = wilson_interval(pk_1 * n, n), wilson_interval(pk_2 * n, n)
        return hi_1 < lo_2 or hi_2 < lo_1

    assert apart(n) and not apart(n - 1)
    # the normal approximation, (z (sqrt(p1 q1) + sqrt(p2 q2)) / |p1 - p2|)^2, where it holds
    if pk_1 == 0.5:
        assert n == pytest.approx(376.6, rel=0.02)
    assert reps_to_separate(0.7, 0.7) is None


# --- end to end ----------------------------------------------------------------------------


def _check_sweep_outputs(out: Path, output: str, reps: int) -> None:
    assert (out / "sweep.yaml").exists()
    grid = yaml.safe_load((out / "sweep.yaml").read_text(encoding="utf-8"))
    assert grid["parameters"] == [{"path": "batteries.0.muzzle_velocity_mps",
                                   "values": [1800, 2800]}]
    assert [p["folder"] for p in grid["points"]] == ["point-000", "point-001"]
    for k, v0 in enumerate((1800, 2800)):
        folder = out / f"point-00{k}"
        point = yaml.safe_load((folder / "point.yaml").read_text(encoding="utf-8"))
        assert point == {"point": k, "values": {"batteries.0.muzzle_velocity_mps": v0}}
        as_run = load_scenario(folder / "scenario.yaml")
        assert as_run.batteries[0].muzzle_velocity_mps == v0 and as_run.run.reps == reps
        for name in ("replications.parquet", "shots.parquet", "tracks.parquet"):
            assert (folder / name).exists()
    table = pq.read_table(out / "sweep.parquet").to_pydict()
    assert table["point"] == [0, 1]
    assert table["batteries.0.muzzle_velocity_mps"] == [1800, 2800]
    assert table["threat"] == ["hgv", "hgv"] and table["reps"] == [reps, reps]
    for k in range(2):
        pk = table["kills"][k] / table["reps"][k]
        assert table["pk"][k] == pytest.approx(pk)
        assert table["pk_low"][k] - 1e-12 <= pk <= table["pk_high"][k] + 1e-12  # Wilson, rounded
        interval = f"{table['pk_low'][k]:.3f}-{table['pk_high'][k]:.3f}"
        assert interval in output  # the table: an interval per point
    assert "95 %" in output and "replications" in output


@pytest.fixture
def engine_calls(monkeypatch):
    """The campaign engine, each call to ``run_campaign`` recorded as (folder, resume)."""
    engine = importlib.import_module(ENGINE)
    calls: list[tuple[str, bool]] = []
    run_campaign = engine.run_campaign

    def recorded(spec, out, *args, **kwargs):
        calls.append((Path(out).name, kwargs.get("resume", False)))
        return run_campaign(spec, out, *args, **kwargs)

    monkeypatch.setattr(engine, "run_campaign", recorded)
    return calls


def _sweep(tmp_path: Path, *args: str) -> list[str]:
    return ["sweep", str(_write(tmp_path)), "--out", str(tmp_path / "out"),
            "--set", "batteries.0.muzzle_velocity_mps=1800,2800", "--workers", "1",
            "--chunk-size", "2", *args]


def test_sweep_end_to_end_2_points_x_4_reps(tmp_path, engine_calls):
    result = CliRunner().invoke(app, _sweep(tmp_path))
    assert result.exit_code == 0, result.output
    _check_sweep_outputs(tmp_path / "out", result.output, reps=4)
    assert engine_calls == [("point-000", False), ("point-001", False)]
    assert "hgv: probability of kill per point" in result.output


def test_points_side_by_side_on_two_workers_give_the_rows_of_one_worker(tmp_path, engine_calls):
    """With 2 workers and no chunk size, the two points run at once, each as one chunk (its
    share of the workers: one), through the shared pool; every row equals that of the points
    run one after another on one worker in chunks of 2 (draws keyed by replication; floats to
    rounding, batched algebra summing in another order)."""
    one = tmp_path / "one"
    one.mkdir()
    assert CliRunner().invoke(app, _sweep(one)).exit_code == 0
    two = tmp_path / "two"
    two.mkdir()
    args = _sweep(two)
    args = args[: args.index("--workers")] + ["--workers", "2"]  # no --chunk-size: balanced
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    _check_sweep_outputs(two / "out", result.output, reps=4)
    assert sorted(engine_calls) == [("point-000", False), ("point-000", False),
                                    ("point-001", False), ("point-001", False)]  # fmt: skip
    for k in range(2):
        manifest = json.loads((two / "out" / f"point-00{k}" / "manifest.json").read_text())
        assert manifest["chunk_size"] == 4  # one chunk: the point's share is one worker
    a = pq.read_table(one / "out" / "sweep.parquet").to_pydict()
    b = pq.read_table(two / "out" / "sweep.parquet").to_pydict()
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key][0], float):
            np.testing.assert_allclose(b[key], a[key], rtol=1e-9, equal_nan=True)
        else:
            assert b[key] == a[key]


def test_resume_skips_complete_points_and_goes_on_with_the_others(tmp_path, engine_calls):
    out = tmp_path / "out"
    assert CliRunner().invoke(app, _sweep(tmp_path)).exit_code == 0
    (out / "point-001" / "shots.parquet").unlink()  # as if interrupted while merging point 1
    engine_calls.clear()
    result = CliRunner().invoke(app, _sweep(tmp_path, "--resume"))
    assert result.exit_code == 0, result.output
    assert engine_calls == [("point-001", True)]
    _check_sweep_outputs(out, result.output, reps=4)

    engine_calls.clear()  # more replications: each point goes on with a third chunk
    result = CliRunner().invoke(app, _sweep(tmp_path, "--resume", "--reps", "6"))
    assert result.exit_code == 0, result.output
    assert engine_calls == [("point-000", True), ("point-001", True)]
    _check_sweep_outputs(out, result.output, reps=6)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "holds a sweep already; allowed: --resume to go on with it, or a new --out folder"),
        (["--resume", "--seed", "4"], "ran with another scenario (run.seed: 3 there, 4 here)"),
        (["--resume", "--set", "run.seed=1,2"], "holds a sweep of other parameters or values"),
    ],
)
def test_a_folder_with_another_sweep_is_refused_in_one_line(tmp_path, engine_calls, args,
                                                             expected):
    assert CliRunner().invoke(app, _sweep(tmp_path)).exit_code == 0
    engine_calls.clear()
    result = CliRunner().invoke(app, _sweep(tmp_path, *args))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.output
    assert engine_calls == []


def test_resolution_notes_say_whether_the_best_point_is_resolved(tmp_path, engine_calls):
    # the rule is McNemar's paired test on the points' replications now, no longer overlapping
    # Wilson intervals: the note's words changed with it
    result = CliRunner().invoke(app, _sweep(tmp_path))
    text = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert ("hgv: Pk is" in text
            or "McNemar's paired test does not tell every other point from the best" in text
            and "not resolved at 4 replications" in text
            or "McNemar's paired test tells the best" in text), text


def _outcome(reps: int, killed: list[int]) -> tuple[np.ndarray, np.ndarray]:
    k = np.zeros(reps, dtype=bool)
    k[killed] = True
    return np.arange(reps), k


def _point(reps: int, kills: int) -> SimpleNamespace:
    low, high = wilson_interval(kills, reps)
    return SimpleNamespace(reps=reps, kills=kills, pk=kills / reps, pk_low=low, pk_high=high)


def test_paired_points_are_resolved_where_their_wilson_intervals_still_overlap():
    """Point 1 kills in 30 of 40 replications, point 0 in 22 of the same 30 (8 discordant
    pairs, all one way: exact p = 2 / 2^8 = 0.008); their Wilson intervals overlap (0.60-0.86
    and 0.40-0.69), which the rule before this one took as not resolved."""
    rows = [_point(40, 22), _point(40, 30)]
    assert tied_with_best([r.pk for r in rows], [r.pk_low for r in rows],
                          [r.pk_high for r in rows]) == (1, (0,))
    note = _resolution_note("hgv", rows, [_outcome(40, list(range(22))),
                                          _outcome(40, list(range(30)))])
    assert note == ("hgv: McNemar's paired test tells the best, point 1 (Pk 0.750) from every "
                    "other point (p < 0.05): resolved at 40 replications.")


def test_paired_points_that_differ_both_ways_are_not_resolved_and_the_note_says_how_many_reps():
    """Point 0 kills in reps 0-19, point 1 in reps 4-27: 4 pairs one way, 8 the other, exact
    p = 0.39; at shares 4/40 and 8/40 the statistic reaches 3.84 at 1.96^2 * 0.3 / 0.1^2 = 116
    replications."""
    rows = [_point(40, 20), _point(40, 24)]
    note = _resolution_note("hgv", rows, [_outcome(40, list(range(20))),
                                          _outcome(40, list(range(4, 28)))])
    assert note == (
        "hgv: McNemar's paired test does not tell every other point from the best, point 1 "
        "(Pk 0.600) (p >= 0.05): their Pk differences from it are not resolved at 40 "
        "replications; more replications resolve smaller differences: about 116 per point "
        "would resolve points 1 and 0, were the shares of replications where only one of them "
        "kills to stay as they are."
    )
    assert reps_to_resolve(4, 8, 40) == 116
    assert reps_to_resolve(5, 5, 40) is None


def test_sweep_axis_name_is_the_dotted_path():
    axis = SweepAxis(("radars", 1, "sigma", "range_m"), (1,), ("1",))
    assert axis.name == "radars.1.sigma.range_m"
