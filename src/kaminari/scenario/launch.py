"""A threat launched from the ground by a named booster, as a scenario writes it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from kaminari.scenario.base import LatDeg, LonDeg, SiteAltM, _LatLon, _Model
from kaminari.scenario.yaml_lines import FieldProblem, did_you_mean
from kaminari.threats.booster import BOOSTERS

if TYPE_CHECKING:
    from kaminari.threats.booster import Launch

__all__ = ["LaunchConfig"]


class LaunchConfig(_LatLon, _Model):
    """Launch site, launch azimuth (clockwise from north) and booster (a key of
    ``kaminari.threats.booster.BOOSTERS``); ``kick_deg`` overrides the booster's pitch-over
    kick (degrees from the vertical), which shapes the trajectory and so the range."""

    lat_deg: LatDeg
    lon_deg: LonDeg
    alt_m: SiteAltM = 0.0
    azimuth_deg: float = Field(ge=-180, le=360, description="clockwise from north")
    booster: str
    kick_deg: float | None = Field(None, gt=0, lt=90, description="from the vertical")

    @field_validator("booster")
    @classmethod
    def _known_booster(cls, value: str) -> str:
        if value not in BOOSTERS:
            hint = did_you_mean(value, list(BOOSTERS))
            raise FieldProblem((), f"unknown booster {value!r}{hint}", ", ".join(BOOSTERS))
        return value

    def to_launch(self, t_s: float = 0.0) -> Launch:
        from kaminari.threats.booster import Launch

        return Launch(
            lat_rad=self.lat_rad,
            lon_rad=self.lon_rad,
            azimuth_rad=math.radians(self.azimuth_deg),
            booster=BOOSTERS[self.booster],
            kick_rad=None if self.kick_deg is None else math.radians(self.kick_deg),
            alt_m=self.alt_m,
            t_s=t_s,
        )
