"""The radars of a scenario, and the ground sites that radars and batteries stand on."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from kaminari.scenario.base import (
    _DEG_PER_RAD,
    _MRAD_PER_RAD,
    LatDeg,
    LonDeg,
    Name,
    SiteAltM,
    _default,
    _LatLon,
    _Model,
)
from kaminari.scenario.yaml_lines import FieldProblem

if TYPE_CHECKING:
    from kaminari.sensors.radar import Radar

__all__ = ["RadarConfig", "RadarSigmaConfig", "SiteConfig"]


def _radar_class() -> type[Radar]:
    from kaminari.sensors.radar import Radar

    return Radar


class SiteConfig(_LatLon, _Model):
    """A ground site: geodetic latitude and longitude in degrees, height in m."""

    lat_deg: LatDeg
    lon_deg: LonDeg
    alt_m: SiteAltM = 0.0


class RadarSigmaConfig(_Model):
    """One-sigma measurement noise of a radar; 0 is perfect sensing."""

    range_m: float = Field(ge=0)
    azimuth_mrad: float = Field(ge=0)
    elevation_mrad: float = Field(ge=0)


class RadarConfig(_Model):
    """A ground radar: site, reach, revisit period, noise, lowest elevation searched, chance of a
    detection per scan, refraction, when in its period it first looks, and how many false
    alarms a scan reports on average."""

    name: Name
    site: SiteConfig
    max_range_km: float = Field(gt=0, le=6_000)
    revisit_s: float = Field(gt=0)
    sigma: RadarSigmaConfig
    min_elevation_deg: float = Field(
        default_factory=_default(_radar_class, "min_elevation_rad", _DEG_PER_RAD), ge=-5, lt=90
    )
    detection_probability: float = Field(
        default_factory=_default(_radar_class, "detection_probability"),
        gt=0,
        le=1,
        description="per scan, of a target in view",
    )
    refraction_k: float = Field(
        default_factory=_default(_radar_class, "refraction_k"),
        gt=0,
        le=10,
        description="effective Earth-radius factor: 4/3 standard refraction, 1 none",
    )
    scan_offset_s: float = Field(
        default_factory=_default(_radar_class, "scan_offset_s"),
        ge=0,
        description="time of the first scan; below revisit_s",
    )
    false_alarms_per_scan: float = Field(
        default_factory=_default(_radar_class, "false_alarms_per_scan"),
        ge=0,
        description="mean of the Poisson number of false detections a scan reports",
    )

    @model_validator(mode="after")
    def _offset_within_revisit(self) -> RadarConfig:
        if self.scan_offset_s >= self.revisit_s:
            message = f"{self.scan_offset_s:g} is not below revisit_s {self.revisit_s:g}"
            raise FieldProblem(("scan_offset_s",), message, "0 <= scan_offset_s < revisit_s")
        return self

    def to_radar(self) -> Radar:
        """The radar in SI: radians, metres."""
        from kaminari.sensors.radar import Radar  # numerics only when sensing

        return Radar(
            name=self.name,
            lat_rad=self.site.lat_rad,
            lon_rad=self.site.lon_rad,
            alt_m=self.site.alt_m,
            max_range_m=self.max_range_km * 1e3,
            revisit_s=self.revisit_s,
            sigma_range_m=self.sigma.range_m,
            sigma_az_rad=self.sigma.azimuth_mrad / _MRAD_PER_RAD,
            sigma_el_rad=self.sigma.elevation_mrad / _MRAD_PER_RAD,
            min_elevation_rad=math.radians(self.min_elevation_deg),
            detection_probability=self.detection_probability,
            refraction_k=self.refraction_k,
            scan_offset_s=self.scan_offset_s,
            false_alarms_per_scan=self.false_alarms_per_scan,
        )
