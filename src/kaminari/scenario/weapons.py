"""The railgun batteries of a scenario: site, projectile, limits, reaction and dispersion."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from kaminari.scenario.base import _DEG_PER_RAD, _MRAD_PER_RAD, Name, _default, _Model
from kaminari.scenario.sensors import SiteConfig
from kaminari.scenario.yaml_lines import FieldProblem

if TYPE_CHECKING:
    from kaminari.weapons.battery import Battery
    from kaminari.weapons.projectile import Projectile

__all__ = [
    "AzimuthSectorConfig",
    "BatteryConfig",
    "DispersionConfig",
    "ElevationLimitsConfig",
    "ProjectileConfig",
]


def _battery_class() -> type[Battery]:
    from kaminari.weapons.battery import Battery

    return Battery


class ProjectileConfig(_Model):
    mass_kg: float = Field(gt=0, le=1_000)
    diameter_m: float = Field(gt=0, le=1)


class ElevationLimitsConfig(_Model):
    """Lowest and highest elevation a battery fires at, degrees above the local horizontal."""

    min: float = Field(
        default_factory=_default(_battery_class, "min_elevation_rad", _DEG_PER_RAD), ge=0, le=90
    )
    max: float = Field(
        default_factory=_default(_battery_class, "max_elevation_rad", _DEG_PER_RAD), ge=0, le=90
    )

    @model_validator(mode="after")
    def _min_below_max(self) -> ElevationLimitsConfig:
        if self.min >= self.max:
            message = f"min {self.min:g} is not below max {self.max:g}"
            raise FieldProblem(("min",), message, "0 <= min < max <= 90")
        return self


class AzimuthSectorConfig(_Model):
    """The sector a battery fires into: clockwise from ``min`` to ``max``, degrees from north;
    ``min > max`` crosses north (300 to 60), 0 to 360 is all round."""

    min: float = Field(
        default_factory=_default(_battery_class, "min_azimuth_rad", _DEG_PER_RAD), ge=0, lt=360
    )
    max: float = Field(
        default_factory=_default(_battery_class, "max_azimuth_rad", _DEG_PER_RAD), gt=0, le=360
    )

    @model_validator(mode="after")
    def _not_empty(self) -> AzimuthSectorConfig:
        if self.min == self.max:
            message = f"min and max are both {self.min:g}: an empty sector"
            allowed = "0 <= min < 360, 0 < max <= 360, min != max (min > max crosses north)"
            raise FieldProblem(("max",), message, allowed)
        return self


class DispersionConfig(_Model):
    """Shot-to-shot one-sigma dispersion, Gaussian: muzzle velocity, and pointing (in both
    azimuth and elevation)."""

    muzzle_velocity_mps: float = Field(
        default_factory=_default(_battery_class, "sigma_muzzle_velocity_mps"), ge=0
    )
    pointing_mrad: float = Field(
        default_factory=_default(_battery_class, "sigma_pointing_rad", _MRAD_PER_RAD), ge=0
    )


class BatteryConfig(_Model):
    """A railgun battery: site, muzzle velocity, rate of fire, magazine, projectile, lethality,
    the elevations and the sector it fires into, its reaction time and its dispersion."""

    name: Name
    site: SiteConfig
    muzzle_velocity_mps: float = Field(gt=0, lt=12_000)
    rate_of_fire_rpm: float = Field(gt=0, le=600)
    magazine: int = Field(ge=1)
    projectile: ProjectileConfig
    lethal_radius_m: float = Field(gt=0, le=1_000)
    elevation_deg: ElevationLimitsConfig = Field(default_factory=ElevationLimitsConfig)
    azimuth_deg: AzimuthSectorConfig = Field(default_factory=AzimuthSectorConfig)
    reaction_s: float = Field(
        default_factory=_default(_battery_class, "reaction_s"),
        ge=0,
        description="from the decision to fire to the round leaving the muzzle",
    )
    dispersion: DispersionConfig = Field(default_factory=DispersionConfig)

    def to_projectile(self) -> Projectile:
        from kaminari.weapons.projectile import Projectile  # numerics only when shooting

        return Projectile(mass_kg=self.projectile.mass_kg, diameter_m=self.projectile.diameter_m)

    def to_battery(self) -> Battery:
        """The battery in SI: radians, metres, seconds."""
        from kaminari.weapons.battery import Battery  # numerics only when shooting

        return Battery(
            name=self.name,
            lat_rad=self.site.lat_rad,
            lon_rad=self.site.lon_rad,
            alt_m=self.site.alt_m,
            muzzle_velocity_mps=self.muzzle_velocity_mps,
            projectile=self.to_projectile(),
            rate_of_fire_rpm=self.rate_of_fire_rpm,
            magazine=self.magazine,
            lethal_radius_m=self.lethal_radius_m,
            min_elevation_rad=math.radians(self.elevation_deg.min),
            max_elevation_rad=math.radians(self.elevation_deg.max),
            min_azimuth_rad=math.radians(self.azimuth_deg.min),
            max_azimuth_rad=math.radians(self.azimuth_deg.max),
            reaction_s=self.reaction_s,
            sigma_muzzle_velocity_mps=self.dispersion.muzzle_velocity_mps,
            sigma_pointing_rad=self.dispersion.pointing_mrad / _MRAD_PER_RAD,
        )
