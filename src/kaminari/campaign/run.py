"""Run the kill chain for a scenario's replications and store the results.

Seeds: replications are drawn from ``SeedSequence(seed).spawn(n_chunks)[i]`` for chunk i, so
that results do not depend on how the chunks are run (this issue runs one chunk).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from kaminari.campaign.store import write_table
from kaminari.engagement.chain import ChainResult, KillChain, ballistic_tables, run_chain
from kaminari.firecontrol.envelope import BallisticTable
from kaminari.threats.flyout import ThreatTrajectories, fly_threats

__all__ = ["CampaignInputs", "prepare", "run_campaign"]


class CampaignInputs:
    """What every chunk of a campaign shares: the flown threats and the ballistic tables."""

    def __init__(self, truth: ThreatTrajectories, tables: list[BallisticTable]) -> None:
        self.truth = truth
        self.tables = tables


def prepare(chain: KillChain) -> CampaignInputs:
    """Fly the threats once and build each battery's ballistic table."""
    truth = fly_threats(chain.threats, dt_s=chain.dt_s, t_max_s=chain.t_max_s)
    return CampaignInputs(truth, ballistic_tables(chain))


def run_campaign(
    chain: KillChain,
    reps: int,
    seed: int,
    out: Path,
    track_reps: int = 5,
    inputs: CampaignInputs | None = None,
    progress: Callable[[float], None] | None = None,
) -> ChainResult:
    """Run ``reps`` replications and write replications.parquet, shots.parquet and
    tracks.parquet into ``out``; returns the tables too."""
    inputs = inputs or prepare(chain)
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    result = run_chain(
        chain,
        reps,
        rng,
        track_reps=track_reps,
        truth=inputs.truth,
        tables=inputs.tables,
        progress=progress,
    )
    write_table(result.replications, out / "replications.parquet")
    write_table(result.shots, out / "shots.parquet")
    write_table(result.tracks, out / "tracks.parquet")
    return result
