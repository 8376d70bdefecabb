"""The run settings of a scenario: replications, seed, time step and limit, chunks."""

from __future__ import annotations

from pydantic import Field, model_validator

from kaminari.scenario.base import _Model
from kaminari.scenario.yaml_lines import FieldProblem

__all__ = ["RunConfig"]


class RunConfig(_Model):
    """Campaign and integration settings."""

    reps: int = Field(100, ge=1, le=10_000_000)
    seed: int = Field(0, ge=0)
    dt_s: float = Field(0.1, gt=0, le=10)
    t_max_s: float = Field(3_600.0, gt=0, le=86_400)
    tracks_reps: int = Field(
        1, ge=0, description="how many replications' tracks are written; at most reps are"
    )
    chunk_size: int = Field(
        1000,
        ge=1,
        description="replications per chunk: the unit of work, of storage and of resume; "
        "each chunk costs about half a second beyond its replications, so larger is faster; "
        "where the file names none, a campaign balances its chunks over the workers "
        "(equal chunks of at most 1000, as many as a multiple of the workers); results do not "
        "depend on it",
    )

    @model_validator(mode="after")
    def _step_below_duration(self) -> RunConfig:
        if self.dt_s >= self.t_max_s:
            raise FieldProblem(("dt_s",), f"{self.dt_s:g} is not below t_max_s", "dt_s < t_max_s")
        return self
