"""What the commands of ``kaminari`` share: bad input as one line and exit status 2, option
checks, the output folder, running a scenario's campaign and reading its outcomes paired by
replication.

Input a user can get wrong (a scenario, an option value, an output folder) ends in one line on
stderr and exit status 2, never a traceback; any other exception is a bug and keeps its
traceback. Command modules import this one, never ``kaminari.cli.app``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import numpy as np
import typer
from numpy.typing import NDArray

from kaminari.errors import UserInputError

if TYPE_CHECKING:
    from kaminari.campaign.engine import Backend, CampaignResult
    from kaminari.scenario import Scenario
    from kaminari.scenario.run import RunConfig

__all__ = [
    "ChunkSizeOption",
    "bad_input_exits_2",
    "given_chunk_size",
    "killed_by_threat",
    "paired",
    "require",
    "run_scenario_campaign",
    "writable_folder",
]


@contextmanager
def bad_input_exits_2() -> Iterator[None]:
    """Print a ``UserInputError`` raised inside as its one line on stderr; exit status 2."""
    try:
        yield
    except UserInputError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None


def require(ok: bool, command: str, option: str, value: float, allowed: str) -> None:
    """Raise the one-line ``UserInputError`` for ``option`` of ``kaminari command`` unless
    ``ok``."""
    if not ok:
        raise UserInputError(
            f"kaminari {command}", None, option, f"{value:g} is not allowed", allowed
        )


def writable_folder(out: Path) -> None:
    """Create the output folder ``out`` (and its parents); a one-line error where it cannot
    be."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        message = f"cannot create folder: {err.strerror or err}"
        raise UserInputError(
            str(out), None, "--out", message, "a folder that can be written"
        ) from None


ChunkSizeOption = Annotated[
    int | None,
    typer.Option(
        help="Replications per chunk [run.chunk_size where the scenario (A, for compare) names "
        "one, else equal chunks of at most 1000 that keep every worker busy]."
    ),
]
"""The ``--chunk-size`` option of every command that runs campaigns (``given_chunk_size``)."""


def given_chunk_size(run: RunConfig) -> int | None:
    """A scenario ``run`` block's chunk size where the file or an option names one, else None
    (the engine then balances the chunks over the workers, ``balanced_chunk_size``)."""
    return run.chunk_size if "chunk_size" in run.model_fields_set else None


def run_scenario_campaign(
    scenario: Scenario,
    folder: Path,
    backend: Backend,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
    alongside: int = 1,
) -> CampaignResult:
    """Run ``scenario``'s campaign with its own ``run`` settings (reps, seed, chunks, tracks)
    into ``folder``, recording the scenario as stored, with ``alongside - 1`` other campaigns
    on the same workers (``run_campaign``); the engine's one-line errors pass through (a
    caller wraps this in ``bad_input_exits_2``)."""
    from kaminari.campaign.engine import CampaignSpec, run_campaign  # the numerics, when run
    from kaminari.scenario import dump_scenario

    stored, attachments = scenario.as_stored()
    spec = CampaignSpec(
        chain=scenario.kill_chain(),
        reps=scenario.run.reps,
        seed=scenario.run.seed,
        chunk_size=given_chunk_size(scenario.run),
        track_reps=scenario.run.tracks_reps,
        scenario_yaml=dump_scenario(stored),
        attachments=attachments,
    )
    return run_campaign(
        spec, folder, backend, resume=resume, progress=progress, alongside=alongside
    )


def killed_by_threat(replications: Path) -> dict[str, tuple[NDArray, NDArray]]:
    """``{threat: (rep numbers, killed)}`` of a campaign's ``replications.parquet``, each
    threat's rows in the order of their replication numbers."""
    from kaminari.campaign.store import read_table

    table = read_table(replications, ("rep", "threat", "killed"))
    reps = np.asarray(table["rep"], dtype=np.int64)
    threats = np.asarray(table["threat"], dtype=object)
    killed = np.asarray(table["killed"], dtype=bool)
    out = {}
    for name in dict.fromkeys(threats.tolist()):
        rows = np.flatnonzero(threats == name)
        rows = rows[np.argsort(reps[rows], kind="stable")]
        out[str(name)] = (reps[rows], killed[rows])
    return out


def paired(a: tuple[NDArray, NDArray], b: tuple[NDArray, NDArray]) -> tuple[NDArray, NDArray]:
    """The ``killed`` outcomes of two campaigns' ``(rep numbers, killed)`` on the replications
    both ran, in the order of their numbers: pairs for ``kaminari.report.paired.mcnemar``."""
    _, in_a, in_b = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return a[1][in_a], b[1][in_b]


_Result = TypeVar("_Result")


def side_by_side(
    run: Callable[..., _Result], jobs: Sequence[tuple[object, ...]], at_once: int
) -> list[_Result]:
    """``run(*job)`` for every job, ``at_once`` of them at a time from threads (campaigns whose
    chunks go to the one shared worker pool: ``run_scenario_campaign``'s ``alongside``); the
    results in the jobs' order. The first error stops the rest (their workers are stopped) and
    is raised as it was; so is Ctrl-C."""
    from kaminari.campaign.engine import close_pools

    with ThreadPoolExecutor(at_once, thread_name_prefix="kaminari-campaign") as threads:
        futures = [threads.submit(run, *job) for job in jobs]
        try:
            wait(futures, return_when=FIRST_EXCEPTION)
            failed = next((f for f in futures if f.done() and f.exception()), None)
            if failed is not None:
                raise failed.exception()  # type: ignore[misc]
            return [f.result() for f in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            close_pools()  # a campaign still running fails fast: its chunks are cancelled
            raise
