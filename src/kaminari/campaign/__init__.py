"""kaminari.campaign: a scenario's replications in reproducible chunks, on local processes or
a Dask cluster, stored as Parquet and resumable (see ``engine``).

The names below load on first use (PEP 562): a command that only writes a table
(``campaign.store``) does not import the engine and the whole kill chain with it (0.2 s of a
``kaminari flyout``)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOME = {"CampaignInputs": "run", "prepare": "run"}
"""The module of each name that is not ``engine``'s."""


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(f"{__name__}.{_HOME.get(name, 'engine')}")
    return getattr(module, name)
