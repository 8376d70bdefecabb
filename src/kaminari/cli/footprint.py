"""``kaminari footprint``: the defended footprint, Pk over a grid of aim points.

    kaminari footprint SCENARIO --out DIR --half-width-km W --step-km S [--reps N] [--seed S]
        [--workers N] [--chunk-size K] [--resume]

A square grid of aim points, from -W to +W km east and north of the scenario's first defended
point in steps of S km. At each grid point the threats whose dive targets that defended point
(where none does: every diving threat) are re-aimed there: the set offset is added to each
replication's drawn aim dispersion, so the defended point moves for the threats' guidance
only; fire control, the defended points it serves, their keep-out radii and the batteries stay
where the scenario puts them.

It is one campaign of G x N replications (G grid points, N per point): replication r aims at
grid point r // N (``KillChain.aim_offsets_m``), so chunks, workers and ``--resume`` work as for
``kaminari run``; the grid is recorded beside the scenario (``footprint-grid.json``) and hashed
with it, so that a resume with another grid is refused. The same seed gives each grid point
the same dispersion draws of the replication numbers it holds.

Pk at a grid point pools the re-aimed threats: one trial per (replication, re-aimed threat),
a success where the threat was killed; ``pk_low``/``pk_high`` its 95 % Wilson interval
(``report.summary.wilson_interval``). ``DIR/footprint.parquet`` holds one row per grid point:
``east_km, north_km, lat_deg, lon_deg, pk, pk_low, pk_high, kills, trials, reps`` (``reps``:
replications at the point; ``trials`` = reps x re-aimed threats); ``DIR/footprint.png`` maps it.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from numpy.typing import NDArray
from rich import box
from rich.console import Console
from rich.table import Table

from kaminari.cli.common import (
    ChunkSizeOption,
    bad_input_exits_2,
    given_chunk_size,
    require,
    writable_folder,
)
from kaminari.errors import UserInputError
from kaminari.report.summary import dive_targets, wilson_interval
from kaminari.scenario import Scenario, dump_scenario, load_scenario

__all__ = ["aim_grid", "footprint", "reaimed_threats"]

MAX_STEPS_OUT = 50
"""At most this many steps from the defended point each way: 101 x 101 grid points."""
GRID_FILE = "footprint-grid.json"


def aim_grid(half_width_m: float, step_m: float) -> tuple[NDArray, NDArray]:
    """East and north offsets (m), each (G,), of the grid points, north-major (the east offset
    runs fastest): -W to +W in steps of ``step_m`` (a last step that would pass W is left
    out)."""
    n = int(math.floor(half_width_m / step_m + 1e-9))
    axis = np.arange(-n, n + 1) * step_m
    north, east = np.meshgrid(axis, axis, indexing="ij")
    return east.ravel(), north.ravel()


def reaimed_threats(scenario: Scenario) -> list[str]:
    """The threats that the footprint re-aims: those whose dive targets the first defended
    point, or, where none does, every diving threat."""
    targets = dive_targets(scenario)
    point = scenario.defended[0].name
    mine = [name for name, (_, _, target) in targets.items() if target == point]
    return mine or list(targets)


def footprint(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    out: Annotated[Path, typer.Option(help="Output folder (created if needed).")],
    half_width_km: Annotated[
        float, typer.Option(help="The grid reaches this far east, west, north and south, km.")
    ],
    step_km: Annotated[float, typer.Option(help="Grid spacing, km.")],
    reps: Annotated[
        int | None, typer.Option(help="Replications per grid point [scenario run.reps].")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed [scenario run.seed].")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes on this machine [one per CPU].")
    ] = None,
    chunk_size: ChunkSizeOption = None,
    resume: Annotated[
        bool,
        typer.Option("--resume", help="Go on with the footprint campaign in --out."),
    ] = False,
) -> None:
    """Pk and its 95 % Wilson interval over a square grid of aim points around the first
    defended point: the threats aimed at it re-aimed at each grid point (their guidance only;
    fire control, keep-out and batteries unchanged); a table, a map and footprint.parquet."""
    cmd = "footprint"
    with bad_input_exits_2():
        require(
            math.isfinite(half_width_km) and half_width_km >= 0, cmd, "--half-width-km",
            half_width_km, "0 <= --half-width-km",
        )  # fmt: skip
        require(math.isfinite(step_km) and step_km > 0, cmd, "--step-km", step_km, "--step-km > 0")
        require(
            half_width_km / step_km <= MAX_STEPS_OUT + 1e-9, cmd, "--step-km", step_km,
            f"at most {(2 * MAX_STEPS_OUT + 1) ** 2} grid points: "
            f"--step-km >= --half-width-km / {MAX_STEPS_OUT}",
        )  # fmt: skip
        n_axis = 2 * int(math.floor(half_width_km / step_km + 1e-9)) + 1
        loaded = load_scenario(scenario)
        per_point = loaded.run.reps if reps is None else reps
        require(1 <= per_point <= 1_000_000, cmd, "--reps", per_point, "1 <= --reps <= 1000000")
        run_cfg = loaded.run.model_copy(
            update={
                "reps": per_point * n_axis * n_axis,
                "seed": loaded.run.seed if seed is None else seed,
                "tracks_reps": 0,
                **({} if chunk_size is None else {"chunk_size": chunk_size}),
            }
        )
        require(run_cfg.seed >= 0, cmd, "--seed", run_cfg.seed, "--seed >= 0")
        require(
            run_cfg.chunk_size >= 1, cmd, "--chunk-size", run_cfg.chunk_size, "--chunk-size >= 1"
        )
        if workers is not None:
            require(workers >= 1, cmd, "--workers", workers, "--workers >= 1")
        if not loaded.defended:
            raise UserInputError(
                str(scenario), None, "defended", "the scenario has no defended point",
                "a scenario with a defended point (the footprint is around the first)",
            )  # fmt: skip
        loaded.require_kill_chain(str(scenario))
        aimed = reaimed_threats(loaded)
        if not aimed:
            raise UserInputError(
                str(scenario), None, "threats", "no threat dives onto a target",
                "a threat with guidance.dive",
            )  # fmt: skip
        writable_folder(out)
    as_run = loaded.model_copy(update={"run": run_cfg})
    from kaminari.earth.constants import MEAN_RADIUS_M  # the dispersion's flat-Earth step

    east_m, north_m = aim_grid(half_width_km * 1e3, step_km * 1e3)
    centre = as_run.defended[0]
    lat0 = math.radians(centre.lat_deg)
    lat_deg = np.degrees(lat0 + north_m / MEAN_RADIUS_M)
    lon_deg = centre.lon_deg + np.degrees(east_m / (MEAN_RADIUS_M * math.cos(lat0)))
    lon_deg = (lon_deg + 180.0) % 360.0 - 180.0

    from kaminari.campaign.engine import Backend, CampaignSpec, run_campaign  # input is good
    from kaminari.campaign.store import read_table

    chain = as_run.kill_chain()
    names = [t.name for t in chain.threats]
    chain = replace(
        chain,
        aim_offsets_m=tuple(zip(east_m.tolist(), north_m.tolist(), strict=True)),
        aim_offset_reps=per_point,
        aim_offset_threats=tuple(names.index(n) for n in aimed),
    )
    stored, attachments = as_run.as_stored()
    grid_text = json.dumps(
        {"defended": centre.name, "half_width_km": half_width_km, "step_km": step_km,
         "reps_per_point": per_point, "reaimed": aimed},
        indent=1,
    )  # fmt: skip
    spec = CampaignSpec(
        chain=chain,
        reps=run_cfg.reps,
        seed=run_cfg.seed,
        chunk_size=given_chunk_size(run_cfg),  # None: the engine balances them over the workers
        track_reps=0,
        scenario_yaml=dump_scenario(stored),
        attachments=(*attachments, (GRID_FILE, grid_text)),
    )
    console = Console()
    console.print(
        f"{as_run.name}: {n_axis} x {n_axis} aim points, {step_km:g} km apart, within "
        f"{half_width_km:g} km of {centre.name}; {per_point} replications each "
        f"({run_cfg.reps:,} in all), seed {run_cfg.seed}; re-aimed: {', '.join(aimed)} "
        "(their guidance only: fire control, keep-out and batteries unchanged)",
        soft_wrap=True,
    )
    with bad_input_exits_2():
        result = run_campaign(spec, out, Backend("local", workers), resume=resume)
    table = read_table(result.replications, ("rep", "threat", "killed"))
    rep = np.asarray(table["rep"], dtype=np.int64)
    mine = np.isin(np.asarray(table["threat"], dtype=object), aimed)
    point = rep[mine] // per_point
    killed = np.asarray(table["killed"], dtype=bool)[mine]
    g = east_m.size
    trials = np.bincount(point, minlength=g)
    kills = np.bincount(point, weights=killed, minlength=g).astype(np.int64)
    bounds = np.array([wilson_interval(k, n) for k, n in zip(kills, trials, strict=True)])
    with np.errstate(invalid="ignore", divide="ignore"):
        pk = np.where(trials > 0, kills / np.maximum(trials, 1), np.nan)
    rows = {
        "east_km": east_m / 1e3, "north_km": north_m / 1e3, "lat_deg": lat_deg,
        "lon_deg": lon_deg, "pk": pk, "pk_low": bounds[:, 0], "pk_high": bounds[:, 1],
        "kills": kills, "trials": trials,
        "reps": np.bincount(np.unique(rep) // per_point, minlength=g),
    }  # fmt: skip
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = out / "footprint.parquet"
    pq.write_table(pa.table({k: np.asarray(v) for k, v in rows.items()}), parquet)
    from kaminari.report.footprint import footprint_figure

    png = out / "footprint.png"
    footprint_figure(as_run, rows, half_width_km * 1e3, step_km * 1e3).savefig(png, dpi=110)
    from kaminari.report.html import footprint_report

    report = out / "report.html"
    report.write_text(
        footprint_report(
            as_run.name, png.read_bytes(), rows, per_point,
            f"{n_axis} x {n_axis} aim points {step_km:g} km apart within {half_width_km:g} km "
            f"of the defended point; {per_point:,} replications each; seed {as_run.run.seed}",
        ),
        encoding="utf-8",
    )
    console.print(_table(rows, n_axis, per_point, len(aimed)))
    console.print(
        f"{result.reps_run:,} replications run in {result.seconds:.1f} s"
        + (f", {result.reps - result.reps_run:,} finished before" if result.reps_run < result.reps
           else ""),
        soft_wrap=True,
    )  # fmt: skip
    console.print(
        f"wrote {parquet}, {png}, {report}, {result.replications}, {out / 'scenario.yaml'}, "
        f"{out / GRID_FILE}, {out / 'manifest.json'}",
        soft_wrap=True,
    )


def _table(rows: dict[str, NDArray], n_axis: int, per_point: int, n_aimed: int) -> Table:
    table = Table(
        title="Defended footprint",
        box=box.SIMPLE_HEAD,
        show_header=False,
        caption="Pk over the re-aimed threats at each aim point; 95 %: Wilson",
    )
    table.add_column("")
    table.add_column("")
    table.add_row("grid", f"{n_axis} x {n_axis} points")
    table.add_row("per point", f"{per_point} replications x {n_aimed} re-aimed threat(s)")
    pk = np.where(np.isfinite(rows["pk"]), rows["pk"], -1.0)
    for label, i in (("best", int(np.argmax(pk))), ("worst", int(np.argmin(pk)))):
        table.add_row(
            label,
            f"Pk {rows['pk'][i]:.3f} ({rows['pk_low'][i]:.3f}–{rows['pk_high'][i]:.3f}) at "
            f"{rows['east_km'][i]:+.1f} km E, {rows['north_km'][i]:+.1f} km N "
            f"({rows['lat_deg'][i]:.3f}°, {rows['lon_deg'][i]:.3f}°)",
        )
    return table
