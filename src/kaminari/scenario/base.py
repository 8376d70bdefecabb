"""The kill-chain part of the scenario schema: ground sites, radars, railgun batteries, the
tracker and fire control; and the strict base model that every scenario model shares.

A field left out of the file takes the default of the internal dataclass it becomes (``Radar``,
``Battery``, ``TrackerConfig``, ``Doctrine``), converted to the field's edge unit (deg, mrad),
so a default changed there is changed here too. Those modules are imported only when a default
is needed and in the conversions (``to_radar``, ``to_battery``, ``to_tracker_config``,
``to_doctrine``), never when this module is imported.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from kaminari._yaml_lines import FieldProblem

if TYPE_CHECKING:
    from kaminari.firecontrol.doctrine import Doctrine
    from kaminari.sensors.radar import Radar
    from kaminari.tracking.config import TrackerConfig
    from kaminari.weapons.battery import Battery
    from kaminari.weapons.projectile import Projectile

__all__ = [
    "AzimuthSectorConfig",
    "BatteryConfig",
    "DispersionConfig",
    "ElevationLimitsConfig",
    "FireControlConfig",
    "ProjectileConfig",
    "RadarConfig",
    "RadarSigmaConfig",
    "SiteConfig",
    "TrackerSettingsConfig",
]


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


class SiteConfig(_LatLon, _Model):
    """A ground site: geodetic latitude and longitude in degrees, height in m."""

    lat_deg: LatDeg
    lon_deg: LonDeg
    alt_m: SiteAltM = 0.0


# --- defaults read from the internal dataclasses --------------------------------------------

_DEG_PER_RAD = 180.0 / math.pi
_MRAD_PER_RAD = 1e3


def _radar_class() -> type[Radar]:
    from kaminari.sensors.radar import Radar

    return Radar


def _battery_class() -> type[Battery]:
    from kaminari.weapons.battery import Battery

    return Battery


def _tracker_class() -> type[TrackerConfig]:
    from kaminari.tracking.config import TrackerConfig

    return TrackerConfig


def _doctrine_class() -> type[Doctrine]:
    from kaminari.firecontrol.doctrine import Doctrine

    return Doctrine


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


# --- radars ---------------------------------------------------------------------------------


class RadarSigmaConfig(_Model):
    """One-sigma measurement noise of a radar; 0 is perfect sensing."""

    range_m: float = Field(ge=0)
    azimuth_mrad: float = Field(ge=0)
    elevation_mrad: float = Field(ge=0)


class RadarConfig(_Model):
    """A ground radar: site, reach, revisit period, noise, lowest elevation searched, chance of a
    detection per scan, refraction, and when in its period it first looks."""

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
        )


# --- batteries ------------------------------------------------------------------------------


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


# --- tracker and fire control ---------------------------------------------------------------


class TrackerSettingsConfig(_Model):
    """The tracker's filter and track management (``kaminari.tracking.config.TrackerConfig``):
    a track is confirmed by ``confirm_hits`` detections within ``confirm_window`` scans, deleted
    after ``delete_misses`` scans in view without one or when its position sigma passes
    ``delete_sigma_m``."""

    jerk_psd_m2ps5: float = Field(
        default_factory=_default(_tracker_class, "jerk_psd_m2ps5"),
        gt=0,
        description="power spectral density of the white jerk",
    )
    confirm_hits: int = Field(default_factory=_default(_tracker_class, "confirm_hits"), ge=1)
    confirm_window: int = Field(default_factory=_default(_tracker_class, "confirm_window"), ge=1)
    delete_misses: int = Field(default_factory=_default(_tracker_class, "delete_misses"), ge=1)
    delete_sigma_m: float = Field(default_factory=_default(_tracker_class, "delete_sigma_m"), gt=0)
    initial_accel_sigma_mps2: float = Field(
        default_factory=_default(_tracker_class, "initial_accel_sigma_mps2"), gt=0
    )

    @model_validator(mode="after")
    def _hits_fit_the_window(self) -> TrackerSettingsConfig:
        if self.confirm_hits > self.confirm_window:
            message = f"{self.confirm_hits} is above confirm_window {self.confirm_window}"
            raise FieldProblem(("confirm_hits",), message, "1 <= confirm_hits <= confirm_window")
        return self

    def to_tracker_config(self) -> TrackerConfig:
        from kaminari.tracking.config import TrackerConfig  # numerics only when tracking

        return TrackerConfig(**self.model_dump())


class FireControlConfig(_Model):
    """Fire doctrine (``kaminari.firecontrol.doctrine.Doctrine``): shoot-look-shoot fires
    ``salvo`` rounds, assesses, and may fire again; salvo fires ``salvo`` rounds once. A battery
    engages only within ``max_time_of_flight_s`` and under ``max_track_sigma_m`` of track
    position uncertainty."""

    doctrine: Literal["shoot-look-shoot", "salvo"] = Field(  # a test keeps it Doctrine.kind's
        default_factory=_default(_doctrine_class, "kind")
    )
    salvo: int = Field(default_factory=_default(_doctrine_class, "salvo"), ge=1, le=1_000)
    assessment_delay_s: float = Field(
        default_factory=_default(_doctrine_class, "assessment_delay_s"), ge=0
    )
    max_time_of_flight_s: float = Field(
        default_factory=_default(_doctrine_class, "max_time_of_flight_s"), gt=0
    )
    max_track_sigma_m: float = Field(
        default_factory=_default(_doctrine_class, "max_track_sigma_m"), gt=0
    )

    def to_doctrine(self) -> Doctrine:
        from kaminari.firecontrol.doctrine import Doctrine  # numerics only when firing

        fields = self.model_dump()
        return Doctrine(kind=fields.pop("doctrine"), **fields)
