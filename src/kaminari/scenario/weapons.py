"""The railgun batteries of a scenario: site, projectile, limits, reaction and dispersion."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from kaminari.scenario.base import _DEG_PER_RAD, _MRAD_PER_RAD, Name, _default, _Model
from kaminari.scenario.sensors import SiteConfig
from kaminari.scenario.yaml_lines import FieldProblem

if TYPE_CHECKING:
    from kaminari.weapons.battery import Battery
    from kaminari.weapons.damage import Lethality
    from kaminari.weapons.guided import Guidance
    from kaminari.weapons.launcher import Launcher
    from kaminari.weapons.projectile import Projectile

__all__ = [
    "AzimuthSectorConfig",
    "BatteryConfig",
    "DispersionConfig",
    "ElevationLimitsConfig",
    "GuidanceConfig",
    "LethalityConfig",
    "ProjectileConfig",
]


def _battery_class() -> type[Battery]:
    from kaminari.weapons.battery import Battery

    return Battery


def _guidance_class() -> type[Guidance]:
    from kaminari.weapons.guided import Guidance

    return Guidance


class GuidanceConfig(_Model):
    """A guided round (``kaminari.weapons.guided``): command guidance from the fire-control
    radar's measurements of target and round, or a seeker with an acquisition range and field
    of view; proportional navigation or zero-effort miss; the divert it may pull and the lag of
    its response."""

    kind: Literal["command", "seeker"] = Field(default_factory=_default(_guidance_class, "kind"))
    law: Literal["pn", "zem"] = Field(default_factory=_default(_guidance_class, "law"))
    navigation_gain: float = Field(
        default_factory=_default(_guidance_class, "navigation_gain"), gt=0, le=20
    )
    max_accel_g: float = Field(
        default_factory=_default(_guidance_class, "max_accel_g"), ge=0, le=1_000
    )
    time_constant_s: float = Field(
        default_factory=_default(_guidance_class, "time_constant_s"), ge=0, le=10
    )
    acquisition_range_km: float = Field(
        default_factory=_default(_guidance_class, "acquisition_range_m", 1e-3), gt=0
    )
    field_of_view_deg: float = Field(
        default_factory=_default(_guidance_class, "field_of_view_rad", _DEG_PER_RAD), gt=0,
        le=180,
    )
    position_sigma_m: float = Field(
        default_factory=_default(_guidance_class, "position_sigma_m"), ge=0
    )
    angle_sigma_mrad: float = Field(
        default_factory=_default(_guidance_class, "angle_sigma_rad", _MRAD_PER_RAD), ge=0
    )

    def to_guidance(self) -> Guidance:
        from kaminari.weapons.guided import Guidance

        return Guidance(
            kind=self.kind,
            law=self.law,
            navigation_gain=self.navigation_gain,
            max_accel_g=self.max_accel_g,
            time_constant_s=self.time_constant_s,
            acquisition_range_m=self.acquisition_range_km * 1e3,
            field_of_view_rad=math.radians(self.field_of_view_deg),
            position_sigma_m=self.position_sigma_m,
            angle_sigma_rad=self.angle_sigma_mrad / _MRAD_PER_RAD,
        )


class ProjectileConfig(_Model):
    mass_kg: float = Field(gt=0, le=1_000)
    diameter_m: float = Field(gt=0, le=1)
    guidance: GuidanceConfig | None = None


class LethalityConfig(_Model):
    """The round's Pk against miss distance (``kaminari.weapons.damage.Lethality``):
    hit-to-kill (a strike on the threat's body), or a damage function of ``radius_m``
    (cookie_cutter or carleton: R; gaussian: sigma_d) with the ``source`` of that figure."""

    kind: Literal["hit-to-kill", "cookie_cutter", "carleton", "gaussian"] = "hit-to-kill"
    radius_m: float | None = Field(default=None, gt=0, le=1_000)
    source: str = ""

    @model_validator(mode="after")
    def _radius_for_a_damage_function(self) -> LethalityConfig:
        if self.kind != "hit-to-kill" and self.radius_m is None:
            raise FieldProblem(
                ("radius_m",), f"a {self.kind} damage function needs its radius_m", "radius_m > 0"
            )
        return self


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


_RAILGUN_FIELDS = ("muzzle_velocity_mps", "rate_of_fire_rpm", "magazine", "projectile")
INTERCEPTOR_REACTION_S = 8.0
"""``weapons.interceptor.SM6_CLASS.reaction_time_s``, repeated so that reading a scenario imports
no numerics."""
INTERCEPTOR_MAGAZINE = 8
"""``weapons.interceptor.SM6_CLASS.magazine``, likewise."""
INTERCEPTOR_WARHEAD_RADIUS_M = 5.0
"""``weapons.launcher.WARHEAD_LETHALITY.radius_m``, likewise (the report's miss line)."""


class BatteryConfig(_Model):
    """A railgun battery (``kind: railgun``, the default): site, muzzle velocity, rate of fire,
    magazine, projectile (guided or not), lethality (hit-to-kill unless given;
    ``lethal_radius_m`` is a cookie cutter of a user's radius instead), cost per round, the
    elevations and the sector it fires into, its reaction time and its dispersion.

    Or an interceptor launcher (``kind: interceptor``, ``kaminari.weapons.launcher``): a
    generic SM-6-class missile from open figures, its magazine, reaction time and cost the
    missile's unless given, ``launch_interval_s`` between launches, ``max_time_of_flight_s``,
    and a lethality (a 5 m Carleton warhead unless given)."""

    name: Name
    site: SiteConfig
    kind: Literal["railgun", "interceptor"] = "railgun"
    node: Name | None = Field(None, description="the network node that commands it")
    engage: Literal["local", "launch-on-remote", "engage-on-remote"] = Field(
        "local", description="which tracks it fires on: its node's own, or also those other "
        "nodes report (network.links.ENGAGE_MODES)",
    )
    muzzle_velocity_mps: float | None = Field(default=None, gt=0, lt=12_000)
    rate_of_fire_rpm: float | None = Field(default=None, gt=0, le=600)
    magazine: int | None = Field(default=None, ge=1)
    projectile: ProjectileConfig | None = None
    launch_interval_s: float | None = Field(default=None, gt=0, le=600)
    max_time_of_flight_s: float | None = Field(default=None, gt=0, le=1_000)
    lethal_radius_m: float | None = Field(default=None, gt=0, le=1_000)
    lethality: LethalityConfig = Field(default_factory=LethalityConfig)
    cost_usd: float | None = Field(
        default=None, ge=0, description="cost of one round; default: an unguided or a guided "
        "round's public figure",
    )
    elevation_deg: ElevationLimitsConfig = Field(default_factory=ElevationLimitsConfig)
    azimuth_deg: AzimuthSectorConfig = Field(default_factory=AzimuthSectorConfig)
    reaction_s: float | None = Field(
        default=None,
        ge=0,
        description="from the decision to fire to the round leaving the muzzle",
    )
    dispersion: DispersionConfig = Field(default_factory=DispersionConfig)

    @model_validator(mode="before")
    @classmethod
    def _defaults_of_the_kind(cls, data: Any) -> Any:
        """Fill a railgun's reaction time (``Battery``'s) or an interceptor battery's reaction
        time and magazine (``SM6_CLASS``'s: 8 s and 8 rounds; tests/test_comparison.py checks
        they agree) where the file leaves them out, so that the scenario as run says them."""
        if not isinstance(data, dict):
            return data
        if data.get("kind", "railgun") == "interceptor":
            return {"reaction_s": INTERCEPTOR_REACTION_S, "magazine": INTERCEPTOR_MAGAZINE,
                    **data}  # fmt: skip
        return {"reaction_s": _default(_battery_class, "reaction_s")(), **data}

    @model_validator(mode="after")
    def _fields_of_the_kind(self) -> BatteryConfig:
        if self.kind == "railgun":
            for name in _RAILGUN_FIELDS:
                if getattr(self, name) is None:
                    raise FieldProblem((name,), "required but missing", "required for a railgun")
            for name in ("launch_interval_s", "max_time_of_flight_s"):
                if getattr(self, name) is not None:
                    raise FieldProblem(
                        (name,), "is for an interceptor battery", "kind: interceptor"
                    )
        else:
            for name in ("muzzle_velocity_mps", "rate_of_fire_rpm", "projectile"):
                if getattr(self, name) is not None:
                    raise FieldProblem((name,), "is for a railgun battery", "kind: railgun")
        return self

    def kill_radius_m(self, threat_radius_m: float) -> float:
        """The radius of the round's damage function against a threat of this body radius:
        the cookie cutter's or damage function's own, or the threat's plus the round's for
        hit-to-kill (the figure a miss is read against on the report)."""
        if self.lethal_radius_m is not None:
            return self.lethal_radius_m
        if self.kind == "interceptor" and self.lethality == LethalityConfig():
            return INTERCEPTOR_WARHEAD_RADIUS_M  # the launcher's default warhead
        if self.lethality.radius_m is not None and self.lethality.kind != "hit-to-kill":
            return self.lethality.radius_m
        diameter = 0.0 if self.projectile is None else self.projectile.diameter_m
        return threat_radius_m + 0.5 * diameter

    def lethality_text(self) -> str:
        """What the round's lethality is, in a few words, for the report."""
        if self.lethal_radius_m is not None:
            return f"cookie cutter {self.lethal_radius_m:g} m (scenario)"
        c = self.lethality
        if self.kind == "interceptor" and c == LethalityConfig():
            return "carleton 5 m warhead (assumption)"
        if c.kind == "hit-to-kill":
            return "hit-to-kill"
        return f"{c.kind.replace('_', ' ')} {c.radius_m:g} m"

    def to_projectile(self) -> Projectile:
        from kaminari.weapons.projectile import Projectile  # numerics only when shooting

        assert self.projectile is not None
        return Projectile(mass_kg=self.projectile.mass_kg, diameter_m=self.projectile.diameter_m)

    def to_lethality(self) -> Lethality:
        from kaminari.weapons.damage import Lethality

        c = self.lethality
        if c.kind == "hit-to-kill":
            return Lethality()
        assert c.radius_m is not None
        return Lethality(c.kind, c.radius_m, c.source or "the scenario's figure")

    def to_launcher(self) -> Launcher:
        """The interceptor launcher in SI."""
        from kaminari.weapons.launcher import WARHEAD_LETHALITY, Launcher

        optional = {
            "launch_interval_s": self.launch_interval_s,
            "max_time_of_flight_s": self.max_time_of_flight_s,
        }
        return Launcher(
            name=self.name,
            lat_rad=self.site.lat_rad,
            lon_rad=self.site.lon_rad,
            alt_m=self.site.alt_m,
            magazine_rounds=self.magazine,
            reaction_time_s=self.reaction_s,
            lethality=(
                WARHEAD_LETHALITY if self.lethality == LethalityConfig() and
                self.lethal_radius_m is None else self._lethality_model()
            ),
            cost_per_round_usd=self.cost_usd,
            **{k: v for k, v in optional.items() if v is not None},
        )

    def _lethality_model(self) -> Lethality:
        from kaminari.weapons.damage import Lethality

        if self.lethal_radius_m is not None:
            return Lethality("cookie_cutter", self.lethal_radius_m, "the scenario's lethal radius")
        return self.to_lethality()

    def to_weapon(self) -> Battery | Launcher:
        """The weapon in SI: a railgun ``Battery`` or an interceptor ``Launcher``."""
        return self.to_launcher() if self.kind == "interceptor" else self.to_battery()

    def to_battery(self) -> Battery:
        """The battery in SI: radians, metres, seconds."""
        from kaminari.weapons.battery import (  # numerics only when shooting
            GUIDED_ROUND_COST_USD,
            UNGUIDED_ROUND_COST_USD,
            Battery,
        )

        assert self.projectile is not None and self.muzzle_velocity_mps is not None
        assert self.rate_of_fire_rpm is not None and self.magazine is not None
        reaction = {} if self.reaction_s is None else {"reaction_s": self.reaction_s}
        guidance = self.projectile.guidance
        cost = self.cost_usd
        if cost is None:
            cost = UNGUIDED_ROUND_COST_USD if guidance is None else GUIDED_ROUND_COST_USD

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
            lethality=self.to_lethality(),
            cost_usd=cost,
            guidance=None if guidance is None else guidance.to_guidance(),
            min_elevation_rad=math.radians(self.elevation_deg.min),
            max_elevation_rad=math.radians(self.elevation_deg.max),
            min_azimuth_rad=math.radians(self.azimuth_deg.min),
            max_azimuth_rad=math.radians(self.azimuth_deg.max),
            **reaction,
            sigma_muzzle_velocity_mps=self.dispersion.muzzle_velocity_mps,
            sigma_pointing_rad=self.dispersion.pointing_mrad / _MRAD_PER_RAD,
        )
