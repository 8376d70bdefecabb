"""What every chunk of a campaign shares, computed once: the flown threats and the ballistic
tables. The campaign itself (chunks, seeds, backends, the store) is in ``engine``."""

from __future__ import annotations

from kaminari.engagement.chain import KillChain, ballistic_tables
from kaminari.firecontrol.effectors import WeaponTable
from kaminari.threats.flyout import ThreatTrajectories, fly_threats

__all__ = ["CampaignInputs", "prepare"]


class CampaignInputs:
    """What every chunk of a campaign shares: the flown threats and the ballistic tables."""

    def __init__(self, truth: ThreatTrajectories, tables: list[WeaponTable]) -> None:
        self.truth = truth
        self.tables = tables


def prepare(chain: KillChain) -> CampaignInputs:
    """Fly the threats once and build each battery's ballistic table."""
    truth = fly_threats(chain.threats, dt_s=chain.dt_s, t_max_s=chain.t_max_s)
    return CampaignInputs(truth, ballistic_tables(chain))
