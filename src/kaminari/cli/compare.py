"""``kaminari compare``: two scenarios on the same seed and replications, and their Pk compared
replication by replication.

    kaminari compare A.yaml B.yaml --out DIR [--reps N] [--seed S] [--workers N]
        [--chunk-size K]

Both campaigns run with the same replications, seed and chunks (the options where given, else
A's ``run`` settings for both), into ``DIR/a`` and ``DIR/b``, side by side on the workers, each
in chunks of its half of them (a chunk's fixed cost is paid half as often); replication r of
one therefore meets the same draws as replication r of the other, as far as their structures
allow. Their ``killed`` outcomes are paired by (rep, threat), and per threat McNemar's exact
paired test and Newcombe's interval of ``pk_b - pk_a`` (``kaminari.report.paired``) say whether
B differs from A. The raid row pairs, per replication, whether every threat the two share was
killed (a replication's threats are not independent of one another, its raids are: pooling the
(rep, threat) pairs would overstate the evidence). Threats of one scenario only are left out,
and named. ``DIR/compare.json``: the rows, ``{threat, pk_a, pk_b, difference, low, high,
p_value}`` (and the counts), threat ``raid`` for the raid row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

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
from kaminari.scenario import Scenario, load_scenario

__all__ = ["compare"]

RESULT_FILE = "compare.json"
RAID = "raid"
"""The threat name of the row over the raid: every threat the two scenarios share killed."""


def _as_run(
    loaded: Scenario,
    reps: int | None,
    seed: int | None,
    chunk_size: int,
    first: Scenario,
) -> Scenario:
    """``loaded`` with the run settings both campaigns share: the options where given, else
    the first scenario's; ``chunk_size`` as chosen for both."""
    run = loaded.run.model_copy(
        update={
            "reps": first.run.reps if reps is None else reps,
            "seed": first.run.seed if seed is None else seed,
            "chunk_size": chunk_size,
        }
    )
    return loaded.model_copy(update={"run": run})


def _rows(
    a: dict[str, tuple[np.ndarray, np.ndarray]], b: dict[str, tuple[np.ndarray, np.ndarray]]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The comparison's rows (each shared threat, then the raid) and the threats left out."""
    from kaminari.report.paired import mcnemar

    shared = [t for t in a if t in b]
    left_out = [t for t in a if t not in b] + [t for t in b if t not in a]
    outcomes = {t: paired(a[t], b[t]) for t in shared}
    if shared:  # the raid: every shared threat killed, on the replications all of them ran
        reps = a[shared[0]][0]
        for t in shared:
            reps = np.intersect1d(reps, np.intersect1d(a[t][0], b[t][0]))
        every_a = np.ones(reps.size, dtype=bool)
        every_b = np.ones(reps.size, dtype=bool)
        for t in shared:  # each threat's rows are in rep order, as reps is
            every_a &= a[t][1][np.isin(a[t][0], reps)]
            every_b &= b[t][1][np.isin(b[t][0], reps)]
        outcomes[RAID] = (every_a, every_b)
    rows = []
    for threat, (killed_a, killed_b) in outcomes.items():
        test = mcnemar(killed_a, killed_b)
        rows.append({
            "threat": threat,
            "pk_a": test.pk_a,
            "pk_b": test.pk_b,
            "difference": test.difference,
            "low": test.low,
            "high": test.high,
            "p_value": test.p_value,
            "reps": test.n,
            "a_only": test.n10,
            "b_only": test.n01,
        })  # fmt: skip
    return rows, left_out


def _table(rows: list[dict[str, Any]], name_a: str, name_b: str) -> Table:
    table = Table(
        title=f"Pk of B minus A, replication by replication (A: {name_a}; B: {name_b})",
        caption="95 %: Newcombe's interval for paired proportions (method 10); p: McNemar's "
        "exact paired test; raid: a replication where every threat both share was killed",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for name in ("threat", "pk_a", "pk_b", "difference", "95 % interval", "McNemar p"):
        table.add_column(name, justify="left" if name == "threat" else "right", no_wrap=True)
    for row in rows:
        table.add_row(
            row["threat"],
            f"{row['pk_a']:.3f}",
            f"{row['pk_b']:.3f}",
            f"{row['difference']:+.3f}",
            f"{row['low']:+.3f} to {row['high']:+.3f}",
            f"{row['p_value']:.3g}",
        )
    return table


def compare(
    a: Annotated[
        Path, typer.Argument(metavar="A", help="Scenario YAML file A.", show_default=False)
    ],
    b: Annotated[
        Path, typer.Argument(metavar="B", help="Scenario YAML file B.", show_default=False)
    ],
    out: Annotated[Path, typer.Option(help="Output folder (created if needed).")],
    reps: Annotated[int | None, typer.Option(help="Replications [A's run.reps].")] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed [A's run.seed].")] = None,
    workers: Annotated[int | None, typer.Option(help="Worker processes [one per CPU].")] = None,
    chunk_size: ChunkSizeOption = None,
) -> None:
    """Run two scenarios on the same seed and replications and compare their Pk replication by
    replication: per threat and over the raid, the difference with its 95 % interval and
    McNemar's paired test."""
    with bad_input_exits_2():
        loaded_a = load_scenario(a)
        loaded_b = load_scenario(b)
        given = (("--reps", reps, 1), ("--seed", seed, 0), ("--chunk-size", chunk_size, 1),
                 ("--workers", workers, 1))  # fmt: skip
        for option, value, low in given:
            if value is not None:
                require(value >= low, "compare", option, value, f"{option} >= {low}")
        from kaminari.campaign.engine import available_cpus, balanced_chunk_size

        # the two campaigns run side by side, each on its share of the workers
        at_once = 2 if (workers or available_cpus()) >= 2 else 1
        chunk = chunk_size or given_chunk_size(loaded_a.run) or balanced_chunk_size(
            loaded_a.run.reps if reps is None else reps,
            max(1, (workers or available_cpus()) // at_once),
        )
        as_run = {
            "a": _as_run(loaded_a, reps, seed, chunk, loaded_a),
            "b": _as_run(loaded_b, reps, seed, chunk, loaded_a),
        }
        as_run["a"].require_kill_chain(str(a))
        as_run["b"].require_kill_chain(str(b))
        writable_folder(out)
        if (out / RESULT_FILE).exists():
            raise UserInputError(
                str(out), None, "--out", "holds a comparison already", "a new --out folder"
            )
    console = Console()
    run = as_run["a"].run
    console.print(
        f"A: {as_run['a'].name} ({a}); B: {as_run['b'].name} ({b}): {run.reps} replications "
        f"each in chunks of {run.chunk_size}, seed {run.seed}",
        soft_wrap=True,
    )
    from kaminari.campaign.engine import Backend  # input is good: the numerics

    backend = Backend("local", workers)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:>.0f}/{task.total:.0f} replications"),
        TimeElapsedColumn(),
    )
    with bad_input_exits_2(), Progress(*columns, console=console) as bar:

        def run_side(label: str, scenario: Scenario) -> Any:
            task = bar.add_task(f"{label}: {scenario.name}", total=scenario.run.reps)

            def advance(done: int, total: int, task: TaskID = task) -> None:
                bar.update(task, completed=done, total=total)

            result = run_scenario_campaign(
                scenario, out / label, backend, progress=advance, alongside=at_once
            )
            return killed_by_threat(result.replications)

        outcomes = side_by_side(run_side, list(as_run.items()), at_once)
    rows, left_out = _rows(*outcomes)
    console.print(_table(rows, as_run["a"].name, as_run["b"].name))
    if left_out:
        console.print(f"left out, in one scenario only: {', '.join(left_out)}", soft_wrap=True)
    from kaminari.campaign.store import write_json

    write_json(
        {
            "a": str(a),
            "b": str(b),
            "reps": run.reps,
            "seed": run.seed,
            "chunk_size": run.chunk_size,
            "raid": "a replication counts as killed where every threat both scenarios share "
            "was killed",
            "left_out": left_out,
            "rows": rows,
        },
        out / RESULT_FILE,
    )
    console.print(
        f"wrote {out / 'a'}, {out / 'b'} (each campaign's tables) and {out / RESULT_FILE}",
        soft_wrap=True,
    )
