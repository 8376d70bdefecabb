"""``kaminari sweep``: a grid of campaigns over scenario variants, and their Pk side by side.

    kaminari sweep SCENARIO --out DIR --set PATH=V1,V2,... [--set ...] [--reps N] [--seed S]
        [--workers N] [--dask ADDRESS|local] [--chunk-size K] [--resume]

Everything is validated before anything runs (the grid and its points by
``kaminari.campaign.sweep``). The output folder holds ``sweep.yaml`` (the grid), one folder per
point (``point-000/``: ``point.yaml``, its values; ``scenario.yaml``, as run; the campaign's
tables) and ``sweep.parquet`` (one row per point and threat: the values, reps, kills, pk, pk_low,
pk_high). Every point runs with the same seed, so its differences from the others come from its
values, not from other random draws.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import typer
import yaml
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from kaminari.campaign.store import read_json, read_table, write_table
from kaminari.campaign.sweep import (
    SweepGrid,
    SweepPoint,
    sweep_scenarios,
    tied_with_best,
)
from kaminari.cli.common import (
    ChunkSizeOption,
    bad_input_exits_2,
    given_chunk_size,
    killed_by_threat,
    paired,
    require,
    run_scenario_campaign,
    side_by_side,
    writable_folder,
)
from kaminari.errors import UserInputError
from kaminari.report.summary import ThreatSummary, _fmt, _money, summarize, wilson_interval
from kaminari.scenario import Scenario, dump_scenario, load_scenario
from kaminari.scenario.yaml_lines import field_path

if TYPE_CHECKING:
    from kaminari.campaign.engine import Backend

SWEEP_FILE = "sweep.yaml"
TABLE_FILE = "sweep.parquet"
POINT_FILE = "point.yaml"
SCENARIO_FILE = "scenario.yaml"
RESULT_FILES = ("replications.parquet", "shots.parquet", "tracks.parquet")
_SAME_SWEEP = ("parameters", "points")
"""The keys of ``sweep.yaml`` that ``--resume`` needs unchanged; the rest of what a point ran
with is in its ``scenario.yaml``, compared on its own."""


def _fixed_options(
    reps: int | None, seed: int | None, track_reps: int | None, chunk_size: int | None
) -> dict[str, tuple[tuple[str, ...], Any]]:
    """The options that set a scenario ``run`` field at every point, where given."""
    given = {
        "--reps": (("run", "reps"), reps),
        "--seed": (("run", "seed"), seed),
        "--track-reps": (("run", "tracks_reps"), track_reps),
        "--chunk-size": (("run", "chunk_size"), chunk_size),
    }
    return {option: setting for option, setting in given.items() if setting[1] is not None}


def _backend(workers: int | None, dask: str | None) -> Backend:
    """The campaign backend, its options checked here, before any point runs (the engine checks
    an address only once it gets to a point)."""
    from kaminari.campaign.engine import DASK_ADDRESS, DASK_ALLOWED, Backend

    if workers is not None:
        require(workers >= 1, "sweep", "--workers", workers, "--workers >= 1")
    if dask is None:
        return Backend(kind="local", workers=workers)
    if dask != "local" and not DASK_ADDRESS.match(dask):
        raise UserInputError(
            "kaminari sweep", None, "--dask", f"{dask!r} is not an address", DASK_ALLOWED
        )
    return Backend(kind="dask", workers=workers, address=dask)


def _uniform(values: Sequence[Any]) -> Any:
    return values[0] if all(v == values[0] for v in values) else "per point"


def _record(scenario: Path, grid: SweepGrid, scenarios: Sequence[Scenario]) -> dict[str, Any]:
    """The content of ``sweep.yaml``."""
    return {
        "scenario": str(scenario),
        "reps": _uniform([s.run.reps for s in scenarios]),
        "seed": _uniform([s.run.seed for s in scenarios]),
        "chunk_size": _uniform([given_chunk_size(s.run) or "balanced" for s in scenarios]),
        **grid.to_data(),
    }


def _first_difference(was: Any, now: Any, loc: tuple[str | int, ...] = ()) -> str | None:
    """``run.seed: 3 there, 4 here`` for the first field that differs, or None."""
    if isinstance(was, dict) and isinstance(now, dict):
        for key in dict.fromkeys([*was, *now]):
            found = _first_difference(was.get(key), now.get(key), (*loc, key))
            if found:
                return found
        return None
    if isinstance(was, list) and isinstance(now, list) and len(was) == len(now):
        for k, (a, b) in enumerate(zip(was, now, strict=True)):
            found = _first_difference(a, b, (*loc, k))
            if found:
                return found
        return None
    return None if was == now else f"{field_path(loc)}: {was} there, {now} here"


def _check_earlier_sweep(
    out: Path, record: dict[str, Any], grid: SweepGrid, scenarios: Sequence[Scenario], resume: bool
) -> None:
    """Refuse a folder that holds a sweep, unless --resume and it is this sweep: the same grid,
    and each point run with the same scenario (its ``run.reps`` may change: resuming with more
    replications adds chunks)."""
    path = out / SWEEP_FILE
    folders = [out / grid.folder(point) for point in grid.points()]
    if not resume:
        held = path if path.exists() else next((f for f in folders if f.exists()), None)
        if held is not None:
            raise UserInputError(
                str(held),
                None,
                "--out",
                "holds a sweep already",
                "--resume to go on with it, or a new --out folder",
            )
        return
    if not path.exists():
        return
    try:
        earlier = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        earlier = None
    now = yaml.safe_load(yaml.safe_dump({k: record[k] for k in _SAME_SWEEP}))
    if not isinstance(earlier, dict) or {k: earlier.get(k) for k in _SAME_SWEEP} != now:
        raise UserInputError(
            str(path),
            None,
            "--resume",
            "the folder holds a sweep of other parameters or values",
            "the same --set options to go on with it, or a new --out folder",
        )
    for folder, scenario in zip(folders, scenarios, strict=True):
        as_run = folder / SCENARIO_FILE
        if not as_run.exists():
            continue
        try:
            was = yaml.safe_load(as_run.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            was = None
        now = yaml.safe_load(dump_scenario(scenario))
        if isinstance(was, dict) and isinstance(was.get("run"), dict):
            was["run"]["reps"] = now["run"]["reps"]
        difference = _first_difference(was, now) if isinstance(was, dict) else "unreadable"
        if difference:
            raise UserInputError(
                str(as_run),
                None,
                "--resume",
                f"this point ran with another scenario ({difference})",
                "the scenario and options it ran with (--reps may change), or a new --out folder",
            )


def _complete(folder: Path, scenario: Scenario) -> bool:
    """Whether the point's campaign is complete at ``run.reps``: its manifest lists every chunk,
    and the merged tables were written after it."""
    from kaminari.campaign.engine import MANIFEST

    run = scenario.run
    try:
        manifest = read_json(folder / MANIFEST)
        stamp = (folder / MANIFEST).stat().st_mtime_ns
        merged = all((folder / name).stat().st_mtime_ns >= stamp for name in RESULT_FILES)
        n_chunks = -(-run.reps // int(manifest["chunk_size"]))
        finished = sorted(manifest["finished"]) == list(range(n_chunks))
        return merged and finished and manifest["reps"] == run.reps
    except (OSError, ValueError, TypeError, KeyError):
        return False


def _write_point(folder: Path, grid: SweepGrid, point: SweepPoint, scenario: Scenario) -> None:
    folder.mkdir(exist_ok=True)
    values = {"point": point.index, "values": grid.values(point)}
    (folder / POINT_FILE).write_text(yaml.safe_dump(values, sort_keys=False), encoding="utf-8")
    (folder / SCENARIO_FILE).write_text(dump_scenario(scenario), encoding="utf-8")


def _run_points(
    out: Path,
    grid: SweepGrid,
    scenarios: Sequence[Scenario],
    backend: Backend,
    resume: bool,
    console: Console,
) -> list[list[ThreatSummary]]:
    """Run each point's campaign (with ``resume``: skip it where complete, else go on with it);
    the points' summaries.

    On local workers the points run side by side, as many at once as there are workers, each
    in chunks of its share of them (``run_campaign``'s ``alongside``): a point of 300
    replications on 2 workers is one chunk of 300 while another point takes the other worker,
    not two chunks of 150 one after another point. A chunk's fixed cost (the scans' Python,
    whatever the replications) is then paid half as often, and no worker waits for the last
    chunk of a point. The draws are keyed by replication, so this changes no result."""
    from kaminari.campaign.engine import available_cpus

    shorts = _short_names([axis.name for axis in grid.axes])
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:>.0f}/{task.total:.0f} replications"),
        TimeElapsedColumn(),
    )
    points = list(zip(grid.points(), scenarios, strict=True))
    at_once = 1
    if backend.kind == "local":
        at_once = max(1, min(backend.workers or available_cpus(), len(points)))
    with Progress(*columns, console=console) as bar:

        def run_point(point: SweepPoint, scenario: Scenario) -> list[ThreatSummary]:
            folder = out / grid.folder(point)
            texts = grid.texts(point).values()
            label = f"{grid.folder(point)} " + " ".join(
                f"{short}={text}" for short, text in zip(shorts, texts, strict=True)
            )
            reps = scenario.run.reps
            if resume and _complete(folder, scenario):
                bar.add_task(f"{label} (complete)", total=reps, completed=reps)
            else:
                task = bar.add_task(label, total=reps)

                def advance(done: int, total: int, task: TaskID = task) -> None:
                    bar.update(task, completed=done, total=total)

                run_scenario_campaign(
                    scenario, folder, backend, resume, advance, alongside=at_once
                )
            replications = read_table(folder / RESULT_FILES[0])
            shots = read_table(folder / RESULT_FILES[1])
            return summarize(replications, shots, None, scenario.threat_costs())

        if at_once == 1:
            return [run_point(point, scenario) for point, scenario in points]
        return side_by_side(run_point, points, at_once)


def _short_names(names: Sequence[str]) -> list[str]:
    """The shortest dotted suffixes that tell the paths apart: ``muzzle_velocity_mps``,
    ``0.revisit_s`` and ``1.revisit_s``."""
    parts = [name.split(".") for name in names]
    for k in range(1, max((len(p) for p in parts), default=1) + 1):
        short = [".".join(p[-k:]) for p in parts]
        if len(set(short)) == len(short):
            return short
    return list(names)


def _threat_names(summaries: Sequence[Sequence[ThreatSummary]]) -> list[str]:
    """Every threat of any point, in the order they first appear (a sweep may rename one)."""
    return list(dict.fromkeys(s.threat for rows in summaries for s in rows))


def _by_threat(
    summaries: Sequence[Sequence[ThreatSummary]], name: str
) -> list[ThreatSummary | None]:
    return [next((s for s in rows if s.threat == name), None) for rows in summaries]


def _threat_table(grid: SweepGrid, threat: str, rows: Sequence[ThreatSummary | None]) -> Table:
    """One row per point: its values, then the threat's Pk, 95 % interval and kills/reps."""
    names = [axis.name for axis in grid.axes]
    shorts = _short_names(names)
    caption = ["95 % interval: Wilson; detect, FC track: median first detection and first "
               "fire-control-quality track, s; cue: median track error when the battery's "
               "radar first sees the threat, m"] + [
        f"{short} = {name}" for short, name in zip(shorts, names, strict=True) if short != name
    ]
    table = Table(
        title=f"{threat}: probability of kill per point",
        caption="; ".join(caption),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("point", justify="right")
    for short in shorts:
        table.add_column(short, justify="right")
    for header in ("Pk", "95 % interval", "kills/reps", "detect s", "FC track s", "cue m"):
        table.add_column(header, justify="right", no_wrap=True)
    for point, s in zip(grid.points(), rows, strict=True):
        if s is not None:  # None: a point where the sweep renamed the threat
            cells = (f"{s.pk:.3f}", f"{s.pk_low:.3f}-{s.pk_high:.3f}", f"{s.kills}/{s.reps}",
                     _fmt(s.detect_t_s, ".0f"), _fmt(s.fc_track_t_s, ".1f"),
                     _fmt(s.handover_error_m, ".0f"))  # fmt: skip
            table.add_row(str(point.index), *grid.texts(point).values(), *cells)
    return table


def _outcome_table(
    grid: SweepGrid, threat: str, rows: Sequence[ThreatSummary | None]
) -> Table | None:
    """One row per point: where the kills happened, where their debris fell, the share of
    defended outcomes and what the rounds cost (None for tables without costs)."""
    if not any(s is not None and np.isfinite(s.cost_usd) for s in rows):
        return None
    names = [axis.name for axis in grid.axes]
    table = Table(
        title=f"{threat}: outcome and cost per point",
        caption="kill km: median kill altitude; debris km: median distance of a kill's debris "
        "from the nearest defended point; defended: share killed with debris beyond the "
        "keep-out; US$ of the rounds fired at the threat per replication and per kill; "
        "exchange: cost per kill over the threat's own cost",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("point", justify="right")
    for short in _short_names(names):
        table.add_column(short, justify="right")
    for header in ("kill km", "debris km", "defended", "$/rep", "$/kill", "exchange"):
        table.add_column(header, justify="right", no_wrap=True)
    for point, s in zip(grid.points(), rows, strict=True):
        if s is not None:
            defended = f"{s.defended / s.reps:.3f}" if s.defended >= 0 and s.reps else "–"
            cells = (_fmt(s.kill_alt_m / 1e3, ".1f"), _fmt(s.debris_median_m / 1e3, ".2f"),
                     defended, _money(s.cost_per_rep_usd), _money(s.cost_per_kill_usd),
                     _fmt(s.cost_exchange, ".3g"))  # fmt: skip
            table.add_row(str(point.index), *grid.texts(point).values(), *cells)
    return table


def _engagement_table(
    grid: SweepGrid, threat: str, rows: Sequence[ThreatSummary | None]
) -> Table | None:
    """One row per point: when the defence first fired, how long it had from then, the rounds
    it used and where it killed (None for tables without the engagement window)."""
    if not any(s is not None and np.isfinite(s.engagement_window_s) for s in rows):
        return None
    table = Table(
        title=f"{threat}: engagement per point",
        caption="medians over the replications: first shot (s after the epoch), window: from "
        "the first shot to the end of the threat's own flight (s), shots per replication, "
        "kill altitude (km)",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("point", justify="right")
    for short in _short_names([axis.name for axis in grid.axes]):
        table.add_column(short, justify="right")
    for header in ("Pk", "1st shot s", "window s", "shots", "kill km"):
        table.add_column(header, justify="right", no_wrap=True)
    for point, s in zip(grid.points(), rows, strict=True):
        if s is not None:
            cells = (f"{s.pk:.3f}", _fmt(s.first_shot_t_s, ".1f"),
                     _fmt(s.engagement_window_s, ".2f"), _fmt(s.shots_mean, ".2f"),
                     _fmt(s.kill_alt_m / 1e3, ".1f"))  # fmt: skip
            table.add_row(str(point.index), *grid.texts(point).values(), *cells)
    return table


def _numbers(values: Sequence[int]) -> str:
    text = [str(v) for v in values]
    return text[0] if len(text) == 1 else ", ".join(text[:-1]) + " and " + text[-1]


def reps_to_separate(pk_1: float, pk_2: float, limit: int = 1_000_000_000) -> int | None:
    """The fewest replications per point at which the Wilson 95 % intervals of two points would
    not overlap, were their Pk to stay ``pk_1`` and ``pk_2``; None where they are equal or it
    would take more than ``limit``. A doubling, then a bisection, on n (the intervals narrow
    with n, roughly as 1/sqrt(n))."""

    def apart(n: int) -> bool:
        low_1, high_1 = wilson_interval(pk_1 * n, n)  # type: ignore[arg-type]
        low_2, high_2 = wilson_interval(pk_2 * n, n)  # type: ignore[arg-type]
        return high_1 < low_2 or high_2 < low_1

    if pk_1 == pk_2:
        return None
    high = 1
    while not apart(high):
        if high > limit:
            return None
        high *= 2
    low = high // 2  # not apart (or 0)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if apart(mid) else (mid, high)
    return high


RESOLVED_P = 0.05
"""A point is resolved from the best where McNemar's paired test gives p below this."""


def reps_to_resolve(n10: int, n01: int, n: int, p: float = RESOLVED_P) -> int | None:
    """The replications per point at which McNemar's statistic would reach the two-sided ``p``
    level, were the shares of replications where only one point kills (``n10 / n``, ``n01 /
    n``) to stay as they are: ``z^2 (q10 + q01) / (q10 - q01)^2`` from ``chi2 = (n10 - n01)^2
    / (n10 + n01)`` (McNemar, Psychometrika 12, 1947; the power-free form of Connor's sample
    size, Biometrics 43, 1987, at 50 % power). None where the two shares are equal."""
    if n10 == n01 or n <= 0:
        return None
    z = NormalDist().inv_cdf(1.0 - p / 2.0)
    q10, q01 = n10 / n, n01 / n
    return math.ceil(z * z * (q10 + q01) / (q10 - q01) ** 2)


def _resolution_note(
    threat: str,
    rows: Sequence[ThreatSummary | None],
    outcomes: Sequence[tuple[np.ndarray, np.ndarray] | None],
) -> str | None:
    """Whether the best point's Pk is resolved from the others'. Every point runs on the same
    seed and replications, so their ``killed`` outcomes are paired: a point is resolved from the
    best where McNemar's exact paired test (``kaminari.report.paired.mcnemar``) on the
    replications both ran gives p < 0.05. ``outcomes``: each point's (rep numbers, killed) of
    the threat, as ``rows``."""
    from kaminari.report.paired import mcnemar

    present = [(i, s) for i, s in enumerate(rows) if s is not None and outcomes[i] is not None]
    if len(present) < 2:
        return None
    index = [i for i, _ in present]
    found = [s for _, s in present]
    reps = sorted({s.reps for s in found})
    at = f"{reps[0]}" if len(reps) == 1 else f"{reps[0]} to {reps[-1]}"
    at += " replications"
    if all(s.pk == found[0].pk for s in found):
        return f"{threat}: Pk is {found[0].pk:.3f} at every point ({at})."
    # the best: the highest Pk, the first such on a tie (the rule of tied_with_best)
    best, _ = tied_with_best(
        [s.pk for s in found], [s.pk_low for s in found], [s.pk_high for s in found]
    )
    tests = {}
    for k in range(len(found)):
        if k != best:
            best_killed, other_killed = paired(outcomes[index[best]], outcomes[index[k]])
            tests[k] = mcnemar(best_killed, other_killed)
    tied = [k for k, test in tests.items() if not test.p_value < RESOLVED_P]
    lead = f"the best, point {index[best]} (Pk {found[best].pk:.3f})"
    if not tied:
        return (
            f"{threat}: McNemar's paired test tells {lead} from every other point (p < "
            f"{RESOLVED_P:g}): resolved at {at}."
        )
    which = (
        "every other point"
        if len(tied) == len(found) - 1
        else f"point {index[tied[0]]}"
        if len(tied) == 1
        else f"points {_numbers([index[k] for k in tied])}"
    )
    note = (
        f"{threat}: McNemar's paired test does not tell {which} from {lead} (p >= "
        f"{RESOLVED_P:g}): their Pk differences from it are not resolved at {at}; more "
        "replications resolve smaller differences"
    )
    below = [k for k in tied if found[k].pk < found[best].pk]
    if below:  # the closest Pk below the best's: how many replications would resolve them
        runner_up = max(below, key=lambda k: found[k].pk)
        test = tests[runner_up]
        needed = reps_to_resolve(test.n10, test.n01, test.n)
        if needed is not None:
            note += (
                f": about {needed} per point would resolve points {index[best]} and "
                f"{index[runner_up]}, were the shares of replications where only one of them "
                "kills to stay as they are"
            )
    return note + "."


def _column(values: Sequence[Any]) -> np.ndarray:
    """One parameter as a Parquet column: bool, whole numbers, numbers (null as nan), or text
    (other values, and mixed kinds, as their YAML text)."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present) and len(present) == len(values):
        return np.array(values, dtype=bool)
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        if len(present) == len(values):
            return np.array(values, dtype=np.int64)
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    if all(isinstance(v, str) or v is None for v in values):
        return np.array(values, dtype=object)
    return np.array([_yaml_text(v) for v in values], dtype=object)


def _yaml_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()


def _write_sweep_table(
    path: Path, grid: SweepGrid, summaries: Sequence[Sequence[ThreatSummary]]
) -> None:
    rows = [(point, s) for point, per in zip(grid.points(), summaries, strict=True) for s in per]
    columns: dict[str, np.ndarray] = {"point": np.array([p.index for p, _ in rows], dtype=np.int64)}
    for axis in grid.axes:
        columns[axis.name] = _column([grid.values(p)[axis.name] for p, _ in rows])
    columns["threat"] = np.array([s.threat for _, s in rows], dtype=object)
    columns["reps"] = np.array([s.reps for _, s in rows], dtype=np.int64)
    columns["kills"] = np.array([s.kills for _, s in rows], dtype=np.int64)
    for name in ("pk", "pk_low", "pk_high", "detect_t_s", "fc_track_t_s", "handover_t_s",
                 "handover_error_m", "first_shot_t_s", "engagement_window_s", "shots_mean",
                 "kill_alt_m", "debris_median_m", "cost_usd",
                 "cost_per_rep_usd", "cost_per_kill_usd", "cost_exchange"):  # fmt: skip
        columns[name] = np.array([getattr(s, name) for _, s in rows], dtype=float)
    write_table(columns, path)


def sweep(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    out: Annotated[Path, typer.Option(help="Output folder (created if needed).")],
    set_: Annotated[
        list[str],
        typer.Option(
            "--set",
            metavar="PATH=V1,V2,...",
            help="A swept field and its values: PATH dotted, list indices as numbers "
            "(batteries.0.muzzle_velocity_mps); values YAML scalars (2300, 2.5, weave, true). "
            "Repeat for a grid of every combination.",
            show_default=False,
        ),
    ],
    reps: Annotated[
        int | None, typer.Option(help="Replications (default: the scenario's run.reps).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed, the same at every point (default: run.seed).")
    ] = None,
    track_reps: Annotated[
        int | None,
        typer.Option(help="Replications whose tracks are written (default: run.tracks_reps)."),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: the engine's).")
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(help="Run on Dask: a scheduler address (tcp://host:8786), or local."),
    ] = None,
    chunk_size: ChunkSizeOption = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Skip points already complete and go on with an interrupted one."
        ),
    ] = False,
    point_reports: Annotated[
        bool,
        typer.Option(
            "--point-reports",
            help="Write each point's own report too (else: kaminari report DIR/point-NNN).",
        ),
    ] = False,
) -> None:
    """Run a campaign at every point of a grid of scenario variants, writing each point's tables,
    sweep.yaml and sweep.parquet, and printing Pk with its 95 % interval per point."""
    with bad_input_exits_2():
        text = _scenario_text(scenario)
        fixed = _fixed_options(reps, seed, track_reps, chunk_size)
        grid, scenarios = sweep_scenarios(text, str(scenario), set_, fixed)
        first = scenarios[0]
        first.require_kill_chain(str(scenario))
        backend = _backend(workers, dask)
        writable_folder(out)
        record = _record(scenario, grid, scenarios)
        _check_earlier_sweep(out, record, grid, scenarios, resume)
    (out / SWEEP_FILE).write_text(
        "# kaminari sweep: the grid; point i runs in the folder of points[i]\n"
        + yaml.safe_dump(record, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )
    for point, point_scenario in zip(grid.points(), scenarios, strict=True):
        _write_point(out / grid.folder(point), grid, point, point_scenario)

    console = Console()
    reps_each = _uniform([s.run.reps for s in scenarios])
    console.print(
        f"{first.name}: {grid.size} point(s) of "
        + " x ".join(f"{len(a.values)} {a.name}" for a in grid.axes)
        + (f", {reps_each} replications each" if isinstance(reps_each, int) else ""),
        soft_wrap=True,
    )
    with bad_input_exits_2():  # the engine's own bad-input errors, such as no scheduler there
        summaries = _run_points(out, grid, scenarios, backend, resume, console)
    _write_sweep_table(out / TABLE_FILE, grid, summaries)
    outcomes = [killed_by_threat(out / grid.folder(p) / RESULT_FILES[0]) for p in grid.points()]
    for threat in _threat_names(summaries):
        rows = _by_threat(summaries, threat)
        console.print(_threat_table(grid, threat, rows))
        for table in (_engagement_table(grid, threat, rows), _outcome_table(grid, threat, rows)):
            if table is not None:
                console.print(table)
        note = _resolution_note(threat, rows, [o.get(threat) for o in outcomes])
        if note:
            console.print(note, soft_wrap=True)
    console.print(
        f"wrote {out / SWEEP_FILE}, {out / TABLE_FILE} and the point folders "
        f"{grid.folder(grid.points()[0])} to {grid.folder(grid.points()[-1])}",
        soft_wrap=True,
    )
    from kaminari.report.html import write_report

    if point_reports:  # the points first, so that the sweep's report links to them
        for point in grid.points():
            write_report(out / grid.folder(point))
    console.print(f"report: {write_report(out)}", soft_wrap=True)
    if not point_reports:
        console.print(
            f"a point's own report: kaminari report {out / grid.folder(grid.points()[0])} "
            "(or --point-reports for all of them)",
            soft_wrap=True,
        )


def _scenario_text(scenario: Path) -> str:
    """The scenario file's text; a missing or unreadable file is the loader's one-line error."""
    load_scenario(scenario)
    return scenario.read_text(encoding="utf-8")
