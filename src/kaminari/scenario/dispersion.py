"""A threat's dispersion across replications, as a scenario writes it (1-sigma spreads)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import Field

from kaminari.scenario.base import _Model

if TYPE_CHECKING:
    from kaminari.threats.dispersion import Dispersion

__all__ = ["DispersionConfig", "WeaveDispersionConfig"]


class WeaveDispersionConfig(_Model):
    """Spread of a weave: 1-sigma of its amplitude and period, and whether its phase is drawn
    uniformly in each replication."""

    amplitude_deg: float = Field(0.0, ge=0, le=90, description="1-sigma of the amplitude")
    period_s: float = Field(0.0, ge=0, le=3_600, description="1-sigma of the period")
    random_phase: bool = Field(False, description="phase uniform on [0, 360) deg")


class DispersionConfig(_Model):
    """1-sigma spreads of a threat across replications (``kaminari.threats.dispersion``);
    every field defaults to 0, no spread."""

    aim_cep_m: float = Field(0.0, ge=0, le=1e6, description="circular error probable of the aim")
    start_km: float = Field(0.0, ge=0, le=1_000, description="start position, each axis")
    heading_deg: float = Field(0.0, ge=0, le=90)
    speed_mps: float = Field(0.0, ge=0, le=5_000)
    dive_start_km: float = Field(0.0, ge=0, le=1_000, description="range where the dive begins")
    weave: WeaveDispersionConfig = WeaveDispersionConfig()
    density_pct: float = Field(0.0, ge=0, le=90, description="scale on the atmosphere's density")

    def to_dispersion(self) -> Dispersion:
        from kaminari.threats.dispersion import Dispersion  # numerics only when flying

        return Dispersion(
            aim_cep_m=self.aim_cep_m,
            start_m=self.start_km * 1e3,
            heading_rad=math.radians(self.heading_deg),
            speed_mps=self.speed_mps,
            dive_start_m=self.dive_start_km * 1e3,
            weave_amplitude_rad=math.radians(self.weave.amplitude_deg),
            weave_period_s=self.weave.period_s,
            weave_random_phase=self.weave.random_phase,
            density_frac=self.density_pct / 100.0,
        )
