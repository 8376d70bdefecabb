"""``kaminari run``: the kill chain over replications, its result tables and its summary.

    kaminari run SCENARIO --out DIR [--reps N] [--seed S] [--track-reps K]
        [--workers N | --dask ADDRESS|local] [--chunk-size K] [--resume] [--predictor P]
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, ProgressColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from kaminari.cli.common import (
    ChunkSizeOption,
    bad_input_exits_2,
    given_chunk_size,
    require,
    writable_folder,
)
from kaminari.errors import UserInputError
from kaminari.report.summary import (
    COLUMNS,
    RaidSummary,
    ThreatSummary,
    dive_targets,
    raid_heading,
    raid_rows,
    summarize,
    summarize_raid,
    summary_rows,
)
from kaminari.scenario import Scenario, dump_scenario, load_scenario

PREDICTORS = ("physics", "acceleration", "truth")
"""``engagement.chain.PREDICTORS``, repeated so that checking the option imports no numerics
(tests/test_cli_run.py checks that the two agree)."""

if TYPE_CHECKING:
    from kaminari.campaign.engine import Backend
    from kaminari.campaign.run import CampaignInputs
    from kaminari.engagement.chain import KillChain

__all__ = ["run"]

ENVELOPE_ALTITUDES_KM = (0.5, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0)
WIDE_SUMMARY_THREATS = 3
"""Up to this many threats the summary has a column per threat; a larger raid gets a row per
threat with the main figures, so that the table stays readable in 80 columns."""


def _summary_table(rows: list[ThreatSummary]) -> Table:
    """One column per threat, one row per figure: readable in 80 columns; for a larger raid,
    one row per threat with its Pk, interval, leaks, shots and misses."""
    if len(rows) > WIDE_SUMMARY_THREATS:
        return _raid_threats_table(rows)
    table = Table(title="Kill chain summary", box=box.SIMPLE_HEAD)
    table.add_column("")
    for s in rows:
        table.add_column(s.threat, justify="right")
    for label, cells in summary_rows(rows):
        table.add_row(label, *cells)
    return table


def _fmt(x: float, spec: str = ".1f") -> str:
    return format(x, spec) if np.isfinite(x) else "–"


def _raid_threats_table(rows: list[ThreatSummary]) -> Table:
    table = Table(title="Kill chain summary, per threat", box=box.SIMPLE_HEAD, padding=(0, 1),
                  caption="95 %: Wilson interval; shots per replication; median miss of its "
                  "rounds; median time of the first shot at it")
    for name in ("threat", "Pk", "95 %", "leaked", "shots", "miss, m", "first shot, s"):
        table.add_column(name, justify="left" if name == "threat" else "right", no_wrap=True)
    for s in rows:
        table.add_row(
            s.threat,
            f"{s.pk:.3f}",
            f"{s.pk_low:.3f}–{s.pk_high:.3f}",
            f"{s.leaks:,}",
            _fmt(s.shots_mean, ".2f"),
            _fmt(s.miss_median_m),
            _fmt(s.first_shot_t_s),
        )
    return table


def _sensing_table(rows: list[ThreatSummary]) -> Table | None:
    """For a raid (one row per threat): who saw each threat first and when, when its tracks
    were confirmed and good enough for fire control, and the cue the battery's radar got;
    None for a run from before these columns or a small raid (its summary has them)."""
    if len(rows) <= WIDE_SUMMARY_THREATS or not any(s.detect_sensor for s in rows):
        return None
    table = Table(title="Sensing, per threat (medians)", box=box.SIMPLE_HEAD, padding=(0, 1),
                  caption="first: the sensor that most often saw it first; FC track: first "
                  "track within fire control's sigma; cue: the track's error when the "
                  "battery's radar first saw it")  # fmt: skip
    for name in ("threat", "first", "detect, s", "track, s", "FC track, s", "cue, m"):
        table.add_column(name, justify="left" if name in ("threat", "first") else "right",
                         no_wrap=True)  # fmt: skip
    for s in rows:
        table.add_row(s.threat, s.detect_sensor or "–", _fmt(s.detect_t_s), _fmt(s.track_t_s),
                      _fmt(s.fc_track_t_s), _fmt(s.handover_error_m, ".0f"))  # fmt: skip
    return table


def _raid_table(raid: RaidSummary) -> Table | None:
    """The raid's statistics (``raid_rows``), or None where there is nothing to add."""
    rows = raid_rows(raid)
    if not rows:
        return None
    table = Table(title=raid_heading(raid), box=box.SIMPLE_HEAD, show_header=False)
    table.add_column("")
    table.add_column("")
    for label, text in rows:
        table.add_row(label, text)
    return table


def _envelope_table(batteries, tables, max_tof_s: float) -> Table:  # type: ignore[no-untyped-def]
    from kaminari.firecontrol.envelope import envelope, max_altitude_m
    from kaminari.firecontrol.interceptor import ReachTable, reach_band, reach_ceiling_m

    table = Table(
        title=f"Engagement envelope: ground range (km) reachable within {max_tof_s:g} s",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("altitude km")
    for battery in batteries:
        table.add_column(battery.name, justify="right")
    alts = np.array(ENVELOPE_ALTITUDES_KM) * 1e3
    def tof(battery) -> float:  # type: ignore[no-untyped-def]
        return getattr(battery, "max_time_of_flight_s", max_tof_s)

    bands = [
        reach_band(tab, tof(b), alts) if isinstance(tab, ReachTable)
        else envelope(tab, max_tof_s, alts)
        for b, tab in zip(batteries, tables, strict=True)
    ]  # fmt: skip
    for i, alt in enumerate(ENVELOPE_ALTITUDES_KM):
        cells = []
        for lo, hi in bands:
            ok = np.isfinite(lo[i])
            cells.append(f"{lo[i] / 1e3:.1f}-{hi[i] / 1e3:.1f}" if ok else "out of reach")
        table.add_row(f"{alt:g}", *cells)
    ceilings = [
        reach_ceiling_m(tab, tof(b)) if isinstance(tab, ReachTable)
        else max_altitude_m(tab, max_tof_s)
        for b, tab in zip(batteries, tables, strict=True)
    ]  # fmt: skip
    table.add_row("highest", *[f"{c / 1e3:.1f} km" for c in ceilings])
    return table


def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    out: Annotated[Path, typer.Option(help="Output folder (created if needed).")],
    reps: Annotated[int | None, typer.Option(help="Replications [scenario run.reps].")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed [scenario run.seed].")] = None,
    track_reps: Annotated[
        int | None, typer.Option(help="Replications whose tracks are written [run.tracks_reps].")
    ] = None,
    predictor: Annotated[
        str,
        typer.Option(
            help="Fire-control prediction: physics (the track flown on with its "
            "aerodynamic coefficients held), acceleration (its acceleration held) or "
            "truth (an oracle, for consistency checks)."
        ),
    ] = "physics",
    workers: Annotated[
        int | None,
        typer.Option(
            help="Worker processes on this machine, or of the --dask local cluster [one per CPU]."
        ),
    ] = None,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            metavar="ADDRESS",
            help="Run the chunks on the Dask scheduler at ADDRESS (tcp://host:8786), or on "
            "a Dask cluster started on this machine (local).",
        ),
    ] = None,
    chunk_size: ChunkSizeOption = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Go on with the campaign in --out (after a crash, or with more --reps): "
            "its finished chunks are kept.",
        ),
    ] = False,
) -> None:
    """Run the kill chain over replications, in chunks, on local processes or a Dask cluster;
    write replications, shots and tracks as Parquet, the scenario as run, and a summary."""
    with bad_input_exits_2():
        loaded = load_scenario(scenario)
        run_cfg = loaded.run.model_copy(
            update={
                "reps": loaded.run.reps if reps is None else reps,
                "seed": loaded.run.seed if seed is None else seed,
                "tracks_reps": loaded.run.tracks_reps if track_reps is None else track_reps,
                **({} if chunk_size is None else {"chunk_size": chunk_size}),
            }
        )
        require(
            1 <= run_cfg.reps <= 10_000_000,
            "run",
            "--reps",
            run_cfg.reps,
            "1 <= --reps <= 10000000",
        )
        require(run_cfg.seed >= 0, "run", "--seed", run_cfg.seed, "--seed >= 0")
        require(
            run_cfg.tracks_reps >= 0,
            "run",
            "--track-reps",
            run_cfg.tracks_reps,
            "--track-reps >= 0",
        )
        require(
            run_cfg.chunk_size >= 1, "run", "--chunk-size", run_cfg.chunk_size, "--chunk-size >= 1"
        )
        if workers is not None:
            require(workers >= 1, "run", "--workers", workers, "--workers >= 1")
        if predictor not in PREDICTORS:
            raise UserInputError(
                "kaminari run",
                None,
                "--predictor",
                f"'{predictor}' is not a predictor",
                ", ".join(PREDICTORS),
            )
        loaded.require_kill_chain(str(scenario))
        writable_folder(out)
    as_run = loaded.model_copy(update={"run": run_cfg})

    from kaminari.campaign.engine import (  # input is good
        Backend,
        CampaignSpec,
        chunk_size_for,
        run_campaign,
    )
    from kaminari.campaign.run import prepare
    from kaminari.campaign.store import read_table

    backend = Backend("local", workers) if dask is None else Backend("dask", workers, dask)
    chunk = given_chunk_size(run_cfg) or chunk_size_for(run_cfg.reps, out, backend, resume)
    run_cfg = run_cfg.model_copy(update={"chunk_size": chunk})
    as_run = as_run.model_copy(update={"run": run_cfg})
    chain = as_run.kill_chain(predictor)
    stored, attachments = as_run.as_stored()
    spec = CampaignSpec(
        chain=chain,
        reps=run_cfg.reps,
        seed=run_cfg.seed,
        chunk_size=chunk,
        track_reps=run_cfg.tracks_reps,
        scenario_yaml=dump_scenario(stored),  # the engine records it as out/scenario.yaml
        attachments=attachments,  # and the files it names beside it
    )
    inputs = prepare(chain)
    console = Console()
    columns = (
        TextColumn("replications"),
        BarColumn(bar_width=20),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
        _RateAndTimeLeft(),
        TimeElapsedColumn(),
    )
    with bad_input_exits_2(), Progress(*columns, console=console, transient=True) as bar:

        def advance(done: int, total: int) -> None:
            if not bar.task_ids:  # the store and the backend are ready: say what runs
                _print_header(console, as_run, chain, inputs, backend, predictor, done)
                bar.add_task("reps", total=total, completed=done, resumed=done)
            bar.update(bar.task_ids[0], completed=done)

        result = run_campaign(spec, out, backend, resume=resume, progress=advance, inputs=inputs)
    replications = read_table(result.replications, COLUMNS["replications"])
    shots = read_table(result.shots, COLUMNS["shots"])
    summaries = summarize(replications, shots, dive_targets(as_run), as_run.threat_costs())
    console.print(_summary_table(summaries))
    sensing = _sensing_table(summaries)
    if sensing is not None:
        console.print(sensing)
    magazines = {b.name: b.magazine for b in as_run.batteries}
    raid = _raid_table(summarize_raid(replications, shots, magazines))
    if raid is not None:
        console.print(raid)
    rate = result.reps_run / result.seconds if result.seconds > 0 else float("nan")
    console.print(
        f"{result.reps_run:,} replications run in {result.seconds:.1f} s ({rate:,.0f} per s)"
        + (
            f", {result.reps - result.reps_run:,} finished before"
            if result.reps_run < result.reps
            else ""
        ),
        soft_wrap=True,
    )
    console.print(
        f"wrote {result.replications}, {result.shots}, {result.tracks}, "
        f"{out / 'scenario.yaml'}, {out / 'manifest.json'}",
        soft_wrap=True,
    )
    from kaminari.report.html import write_report

    console.print(
        f"report: {write_report(out)} (figures as PNG in {out / 'figures'})", soft_wrap=True
    )


def _print_header(
    console: Console,
    as_run: Scenario,
    chain: KillChain,
    inputs: CampaignInputs,
    backend: Backend,
    predictor: str,
    done: int,
) -> None:
    from kaminari.campaign.engine import available_cpus

    run_cfg = as_run.run
    console.print(
        f"{as_run.name}: {len(chain.threats)} threat(s), {len(chain.radars)} "
        f"radar(s), {len(chain.batteries)} battery(ies), {run_cfg.reps} replications "
        f"in chunks of {run_cfg.chunk_size}, seed {run_cfg.seed}, fire control predicts from "
        f"the {predictor}",
        soft_wrap=True,
    )
    workers = backend.workers or available_cpus()
    if backend.kind == "local":
        where = f"up to {workers} local worker process(es)"
    elif backend.address in (None, "local"):
        where = f"a Dask cluster of {workers} worker process(es) on this machine"
    else:
        where = f"the Dask scheduler at {backend.address}"
    resumed = f"; resumed: {done:,} replications were finished" if done else ""
    console.print(f"running on {where}{resumed}", soft_wrap=True)
    console.print(
        _envelope_table(chain.batteries, inputs.tables, chain.doctrine.max_time_of_flight_s)
    )


class _RateAndTimeLeft(ProgressColumn):
    """Replications per second since this run started (resumed ones left out), and the time
    left at that rate."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        run = task.completed - task.fields.get("resumed", 0)
        if elapsed <= 0 or run <= 0:
            return Text("- /s, -:--:-- left", style="progress.data.speed", no_wrap=True)
        rate = run / elapsed
        left = dt.timedelta(seconds=round(((task.total or 0) - task.completed) / rate))
        return Text(f"{rate:,.0f} /s, {left} left", style="progress.data.speed", no_wrap=True)
