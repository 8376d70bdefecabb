"""What every part of the scenario schema shares: the strict base model, the types of names,
latitudes, longitudes and site altitudes, the radian views of a lat/lon pair, and ``_default``,
which reads a field's default from the internal dataclass it becomes.

A field left out of the file takes the default of the internal dataclass it becomes (``Radar``,
``Battery``, ``TrackerConfig``, ``Doctrine``), converted to the field's edge unit (deg, mrad),
so a default changed there is changed here too. Those modules are imported only when a default
is needed and in the conversions (``to_radar``, ``to_battery``, ``to_tracker_config``,
``to_doctrine``), never when the scenario is imported.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from kaminari.scenario.yaml_lines import FieldProblem

__all__ = ["LatDeg", "LonDeg", "Name", "SiteAltM"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


Name = Annotated[str, Field(min_length=1)]
LatDeg = Annotated[float, Field(ge=-90, le=90)]
LonDeg = Annotated[float, Field(ge=-180, le=180)]

_SITE_ALT_M = (-500.0, 9_000.0)
_SITE_ALT_ALLOWED = "-500 <= alt_m <= 9000 (m above the WGS84 ellipsoid)"


def _not_below_ground(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool) and value < _SITE_ALT_M[0]:
        raise FieldProblem((), f"{value:g} is not allowed: below ground", _SITE_ALT_ALLOWED)
    return value


SiteAltM = Annotated[
    float, Field(ge=_SITE_ALT_M[0], le=_SITE_ALT_M[1]), BeforeValidator(_not_below_ground)
]


class _LatLon:
    """Radian views of ``lat_deg`` and ``lon_deg`` (which each model declares in its own order)."""

    if TYPE_CHECKING:
        lat_deg: float
        lon_deg: float

    @property
    def lat_rad(self) -> float:
        return math.radians(self.lat_deg)

    @property
    def lon_rad(self) -> float:
        return math.radians(self.lon_deg)


# --- defaults read from the internal dataclasses --------------------------------------------

_DEG_PER_RAD = 180.0 / math.pi
_MRAD_PER_RAD = 1e3


def _default(owner: Callable[[], type], name: str, per_si: float = 1.0) -> Callable[[], Any]:
    """A default factory: the default of field ``name`` of the dataclass ``owner()`` returns,
    times ``per_si`` (edge units per SI unit), rounded to 12 digits where a unit changes (so
    that 5 deg is written 5, not 5.000000000000001)."""

    def factory() -> Any:
        field = next(f for f in dataclasses.fields(owner()) if f.name == name)
        if field.default_factory is not dataclasses.MISSING:
            value = field.default_factory()
        else:
            value = field.default
        return value if per_si == 1.0 else float(f"{value * per_si:.12g}")

    return factory
