"""``kaminari run``: the kill chain over replications, its result tables and its summary.

Registered on the ``kaminari`` app by ``kaminari.cli`` (kept apart to keep both files short).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from kaminari.cli import _bad_input_exits_2, _require, _writable_folder, app
from kaminari.report.summary import ThreatSummary, summarize
from kaminari.scenario import ScenarioError, dump_scenario, load_scenario

ENVELOPE_ALTITUDES_KM = (0.5, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0)


def _fmt(x: float, spec: str = ".1f") -> str:
    return "-" if not np.isfinite(x) else format(x, spec)


def _summary_table(rows: list[ThreatSummary]) -> Table:
    """One column per threat, one row per figure: readable in 80 columns."""
    table = Table(title="Kill chain summary", box=box.SIMPLE_HEAD)
    table.add_column("")
    for s in rows:
        table.add_column(s.threat, justify="right")

    def add(label: str, cells: list[str]) -> None:
        table.add_row(label, *cells)

    add("replications", [str(s.reps) for s in rows])
    add("Pk (killed before impact)", [f"{s.pk:.3f}" for s in rows])
    add("  95 % interval (Wilson)", [f"{s.pk_low:.3f}-{s.pk_high:.3f}" for s in rows])
    add("leaked", [str(s.leaks) for s in rows])
    add("shots per replication", [_fmt(s.shots_mean, ".2f") for s in rows])
    add("shots per kill", [_fmt(s.shots_per_kill, ".2f") for s in rows])
    add("miss median / p90, m", [f"{_fmt(s.miss_median_m)} / {_fmt(s.miss_p90_m)}"
                                 for s in rows])
    add("first-shot miss median, m", [_fmt(s.first_shot_miss_median_m) for s in rows])
    add("timeline (medians, s):", ["" for _ in rows])
    add("  first detection", [_fmt(s.detect_t_s) for s in rows])
    add("  track confirmed", [_fmt(s.track_t_s) for s in rows])
    add("  first shot", [_fmt(s.first_shot_t_s) for s in rows])
    add("  kill", [_fmt(s.kill_t_s) for s in rows])
    add("kill altitude median, km", [_fmt(s.kill_alt_m / 1e3, ".2f") for s in rows])
    return table


def _envelope_table(batteries, tables, max_tof_s: float) -> Table:  # type: ignore[no-untyped-def]
    from kaminari.firecontrol.envelope import envelope, max_altitude_m

    table = Table(
        title=f"Engagement envelope: ground range (km) reachable within {max_tof_s:g} s",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("altitude km")
    for battery in batteries:
        table.add_column(battery.name, justify="right")
    alts = np.array(ENVELOPE_ALTITUDES_KM) * 1e3
    bands = [envelope(tab, max_tof_s, alts) for tab in tables]
    for i, alt in enumerate(ENVELOPE_ALTITUDES_KM):
        cells = []
        for lo, hi in bands:
            ok = np.isfinite(lo[i])
            cells.append(f"{lo[i] / 1e3:.1f}-{hi[i] / 1e3:.1f}" if ok else "out of reach")
        table.add_row(f"{alt:g}", *cells)
    table.add_row("highest", *[f"{max_altitude_m(tab, max_tof_s) / 1e3:.1f} km" for tab in tables])
    return table


@app.command()
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
            help="Fire-control prediction: track (the filter's model) or truth "
            "(an oracle, for consistency checks)."
        ),
    ] = "track",
) -> None:
    """Run the kill chain over replications; write replications, shots and tracks as Parquet,
    the scenario as run, and print a summary."""
    with _bad_input_exits_2():
        loaded = load_scenario(scenario)
        run_cfg = loaded.run.model_copy(
            update={
                "reps": loaded.run.reps if reps is None else reps,
                "seed": loaded.run.seed if seed is None else seed,
                "tracks_reps": loaded.run.tracks_reps if track_reps is None else track_reps,
            }
        )
        _require(
            1 <= run_cfg.reps <= 10_000_000,
            "run",
            "--reps",
            run_cfg.reps,
            "1 <= --reps <= 10000000",
        )
        _require(run_cfg.seed >= 0, "run", "--seed", run_cfg.seed, "--seed >= 0")
        _require(
            run_cfg.tracks_reps >= 0,
            "run",
            "--track-reps",
            run_cfg.tracks_reps,
            "--track-reps >= 0",
        )
        if predictor not in ("track", "truth"):
            raise ScenarioError(
                "kaminari run",
                None,
                "--predictor",
                f"'{predictor}' is not a predictor",
                "track, truth",
            )
        if not loaded.radars or not loaded.batteries:
            raise ScenarioError(
                str(scenario),
                None,
                "radars" if not loaded.radars else "batteries",
                "a kill chain needs at least one",
                "one or more radars and one or more batteries",
            )
        _writable_folder(out)
    as_run = loaded.model_copy(update={"run": run_cfg})
    (out / "scenario.yaml").write_text(dump_scenario(as_run), encoding="utf-8")

    from kaminari.campaign.run import prepare, run_campaign

    chain = as_run.kill_chain(predictor)
    console = Console()
    console.print(
        f"{as_run.name}: {len(chain.threats)} threat(s), {len(chain.radars)} "
        f"radar(s), {len(chain.batteries)} battery(ies), {run_cfg.reps} replications, "
        f"seed {run_cfg.seed}, fire control predicts from the {predictor}",
        soft_wrap=True,
    )
    inputs = prepare(chain)
    console.print(
        _envelope_table(chain.batteries, inputs.tables, chain.doctrine.max_time_of_flight_s)
    )
    with Progress(
        TextColumn("kill chain"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f} %"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("scans", total=1.0)
        result = run_campaign(
            chain,
            run_cfg.reps,
            run_cfg.seed,
            out,
            run_cfg.tracks_reps,
            inputs,
            progress=lambda f: bar.update(task, completed=f),
        )
    rows = summarize(result.replications, result.shots)
    console.print(_summary_table(rows))
    console.print(
        f"wrote {out / 'replications.parquet'}, {out / 'shots.parquet'}, "
        f"{out / 'tracks.parquet'}, {out / 'scenario.yaml'}",
        soft_wrap=True,
    )
