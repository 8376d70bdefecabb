"""Interceptor launchers: where a battery of surface-to-air missiles stands, what it fires, how
fast and at what cost, and what its warhead does.

The missile is ``weapons.interceptor.InterceptorSpec`` (default ``SM6_CLASS``, from open
figures); the launcher adds its site, the time between launches, and the warhead's Pk against
miss distance.

Warhead: the SM-6 carries a blast-fragmentation warhead (the Mk 125 of the SM-2 Block IV
family, some 64 kg, is the commonly quoted one; US Navy fact file "Standard Missile"); no
public figure gives its lethal radius against a glide vehicle. ``WARHEAD_LETHALITY`` is a
Carleton damage function of R = 5 m (kaminari assumption, docs/assumptions.md): a
fragmenting payload whose lethal area equals a 5 m cookie cutter's, falling off smoothly.
``LAUNCH_INTERVAL_S``: 2 s between launches from one launcher (kaminari assumption: a
vertical launch system ripples missiles about a second or two apart).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from kaminari.earth.frames import geodetic2ecef
from kaminari.weapons.damage import Lethality
from kaminari.weapons.interceptor import SM6_CLASS, InterceptorSpec

__all__ = ["LAUNCH_INTERVAL_S", "WARHEAD_LETHALITY", "Launcher"]

WARHEAD_LETHALITY = Lethality(
    "carleton", 5.0, "kaminari assumption: a blast-fragmentation warhead of 5 m lethal radius"
)
LAUNCH_INTERVAL_S = 2.0


@dataclass(frozen=True)
class Launcher:
    """A surface-to-air missile battery. Radians, metres, seconds; ``magazine``,
    ``reaction_s`` and ``cost_usd`` default to the missile's (``InterceptorSpec``);
    ``max_time_of_flight_s`` bounds the engagements fire control considers."""

    name: str
    lat_rad: float
    lon_rad: float
    alt_m: float
    spec: InterceptorSpec = SM6_CLASS
    magazine_rounds: int | None = None
    reaction_time_s: float | None = None
    launch_interval_s: float = LAUNCH_INTERVAL_S
    lethality: Lethality = field(default_factory=lambda: WARHEAD_LETHALITY)
    cost_per_round_usd: float | None = None
    max_time_of_flight_s: float = 120.0

    def __post_init__(self) -> None:
        if not self.launch_interval_s > 0.0:
            raise ValueError(f"launch_interval_s must be > 0 s, got {self.launch_interval_s}")
        if not self.max_time_of_flight_s > 0.0:
            raise ValueError(
                f"max_time_of_flight_s must be > 0 s, got {self.max_time_of_flight_s}"
            )

    def site_ecef(self) -> NDArray[np.float64]:
        return geodetic2ecef(self.lat_rad, self.lon_rad, self.alt_m)

    @property
    def magazine(self) -> int:
        return self.spec.magazine if self.magazine_rounds is None else self.magazine_rounds

    @property
    def reaction_s(self) -> float:
        return self.spec.reaction_time_s if self.reaction_time_s is None else self.reaction_time_s

    @property
    def cost_usd(self) -> float:
        return self.spec.cost_usd if self.cost_per_round_usd is None else self.cost_per_round_usd

    @property
    def shot_interval_s(self) -> float:
        return self.launch_interval_s
