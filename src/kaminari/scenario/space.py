"""A space-based infrared tracking layer, as a scenario writes it: a constellation (a Walker
delta pattern, or a TLE file) and its sensors (``kaminari.sensors.space``: orbits, infrared
signatures, lines of sight into the tracker after a latency)."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from kaminari.scenario.base import _Model
from kaminari.scenario.yaml_lines import FieldProblem

__all__ = ["ConstellationConfig", "SpaceLayerConfig", "SpaceSensorConfig"]


class ConstellationConfig(_Model):
    """A Walker delta pattern i:t/p/f (J. G. Walker, J. British Interplanetary Society 37,
    1984): circular orbits at ``altitude_km`` above the equatorial radius, ``planes`` planes of
    ``sats_per_plane`` satellites, relative phasing ``phasing`` in [0, planes - 1]."""

    altitude_km: float = Field(gt=0, le=50_000)
    inclination_deg: float = Field(ge=0, le=180)
    planes: int = Field(ge=1, le=1_000)
    sats_per_plane: int = Field(ge=1, le=1_000)
    phasing: int = Field(0, ge=0)
    raan0_deg: float = Field(0.0, ge=-360, le=360, description="node of the first plane")

    @model_validator(mode="after")
    def _phasing_below_planes(self) -> ConstellationConfig:
        if self.phasing >= self.planes:
            raise FieldProblem(
                ("phasing",), f"{self.phasing} is not below planes {self.planes}",
                "0 <= phasing <= planes - 1",
            )
        return self


class SpaceSensorConfig(_Model):
    """Each satellite's infrared sensor: band, field of regard (off-nadir limit), frame time,
    line-of-sight noise, detection threshold (noise-equivalent irradiance and SNR) and the
    ground-processing latency before its reports reach the tracker."""

    band_um: list[float] = Field(description="[short, long] wavelength, micrometres")
    off_nadir_max_deg: float = Field(gt=0, le=90)
    frame_s: float = Field(gt=0, le=3_600)
    los_sigma_urad: float = Field(gt=0, le=1e6)
    nei_w_per_cm2: float = Field(gt=0, le=1.0)
    snr_min: float = Field(gt=0, le=1e6)
    latency_s: float = Field(0.0, ge=0, le=3_600)
    false_alarms_per_frame: float = Field(
        0.0, ge=0, le=1_000, description="mean false lines of sight per satellite per frame"
    )
    clutter_fraction: float = Field(
        0.0, ge=0, le=1, description="share of the Earth's background left after subtraction"
    )
    ifov_urad: float = Field(50.0, gt=0, le=1e5, description="pixel's angular size")

    @field_validator("band_um")
    @classmethod
    def _band_ordered(cls, value: list[float]) -> list[float]:
        if len(value) != 2 or not 0.1 <= value[0] < value[1] <= 100.0:
            raise FieldProblem(
                (), f"{list(value)} is not a band", "[short, long], 0.1 <= short < long <= 100"
            )
        return value


class SpaceLayerConfig(_Model):
    """A tracking layer: its ``constellation`` or a ``tle_file`` (relative to the scenario
    file), never both, and its ``sensor``; ``enabled: false`` leaves it out of the kill chain
    (a sweep may compare the two)."""

    name: str = Field("space-layer", min_length=1)
    enabled: bool = True
    node: str | None = Field(None, min_length=1, description="the network node it reports to")
    constellation: ConstellationConfig | None = None
    tle_file: str | None = Field(None, min_length=1)
    sensor: SpaceSensorConfig

    @model_validator(mode="after")
    def _one_source_of_orbits(self) -> SpaceLayerConfig:
        either = "either constellation (a Walker pattern) or tle_file"
        if self.constellation is not None and self.tle_file is not None:
            raise FieldProblem(("tle_file",), "not used together with constellation", either)
        if self.constellation is None and self.tle_file is None:
            raise FieldProblem(("constellation",), "required (or tle_file)", either)
        return self
