"""kaminari.campaign: a scenario's replications in reproducible chunks, on local processes or
a Dask cluster, stored as Parquet and resumable (see ``engine``)."""

from kaminari.campaign.engine import (
    Backend,
    CampaignResult,
    CampaignSpec,
    chunk_result,
    run_campaign,
)
from kaminari.campaign.run import CampaignInputs, prepare

__all__ = [
    "Backend",
    "CampaignInputs",
    "CampaignResult",
    "CampaignSpec",
    "chunk_result",
    "prepare",
    "run_campaign",
]
