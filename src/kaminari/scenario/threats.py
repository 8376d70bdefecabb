"""The threats of a scenario: the glide start, the bank law, the terminal dive, the guidance, and
the threat entries themselves, each one vehicle or a raid of several."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, field_validator, model_validator

from kaminari.scenario.base import LatDeg, LonDeg, Name, _LatLon, _Model
from kaminari.scenario.dispersion import DispersionConfig
from kaminari.scenario.launch import LaunchConfig
from kaminari.scenario.yaml_lines import FieldProblem, did_you_mean
from kaminari.threats.guidance import BankPlan, DivePlan, GuidancePlan, Limits
from kaminari.threats.vehicles import VEHICLES

if TYPE_CHECKING:
    from kaminari.sensors.radar import RcsTable
    from kaminari.threats.flyout import GlideStart

__all__ = [
    "MAX_RAID_COUNT",
    "BankConfig",
    "DiveConfig",
    "GuidanceConfig",
    "LimitsConfig",
    "RcsTableConfig",
    "ThreatConfig",
    "ThreatStartConfig",
]

REENTRY_VEHICLE = "rv"
"""The vehicle name of a drag-only re-entry vehicle (``threats.ballistic``)."""

THREAT_COST_USD = 41e6
"""Cost of one hypersonic glide missile, US$: the Congressional Budget Office's estimate of
about US$41 million for a US intermediate-range hypersonic missile with its glide body (CBO,
"U.S. Hypersonic Weapons and Alternatives", January 2023), the open figure nearest a generic
glide threat; used for the cost-exchange ratio (docs/assumptions.md)."""

MAX_RAID_COUNT = 1_000
"""The most threats one entry may stand for."""


class ThreatStartConfig(_LatLon, _Model):
    """Start state: position, Earth-relative speed, flight path angle and heading."""

    lat_deg: LatDeg
    lon_deg: LonDeg
    alt_km: float = Field(ge=0, le=2_000)
    speed_mps: float = Field(gt=0, lt=12_000)
    flight_path_deg: float = Field(ge=-90, le=90, description="above the local horizontal")
    heading_deg: float = Field(ge=-180, le=360, description="clockwise from north")

    @property
    def alt_m(self) -> float:
        return self.alt_km * 1e3

    @property
    def flight_path_rad(self) -> float:
        return math.radians(self.flight_path_deg)

    @property
    def heading_rad(self) -> float:
        return math.radians(self.heading_deg)

    def to_glide_start(self) -> GlideStart:
        from kaminari.threats.flyout import GlideStart  # numerics only when flying

        return GlideStart(
            lat_rad=self.lat_rad,
            lon_rad=self.lon_rad,
            alt_m=self.alt_m,
            speed_mps=self.speed_mps,
            flight_path_rad=self.flight_path_rad,
            heading_rad=self.heading_rad,
        )


_BANK_FIELDS = {"none": (), "constant": ("bank_deg",), "weave": ("amplitude_deg", "period_s")}


class BankConfig(_Model):
    """Bank law: ``none``; ``constant`` (bank_deg, positive turns right); ``weave``
    (amplitude_deg, period_s, phase_deg=0: bank = amplitude sin(2 pi t / period + phase))."""

    kind: Literal["none", "constant", "weave"] = "none"
    bank_deg: float | None = Field(None, ge=-90, le=90)
    amplitude_deg: float | None = Field(None, ge=0, le=90)
    period_s: float | None = Field(None, gt=0)
    phase_deg: float | None = Field(None, ge=-360, le=360)

    @model_validator(mode="before")
    @classmethod
    def _weave_phase_defaults_to_zero(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") == "weave" and "phase_deg" not in data:
            return {**data, "phase_deg": 0.0}
        return data

    @model_validator(mode="after")
    def _fields_match_kind(self) -> BankConfig:
        used = _BANK_FIELDS[self.kind] + (("phase_deg",) if self.kind == "weave" else ())
        for name in ("bank_deg", "amplitude_deg", "period_s", "phase_deg"):
            if getattr(self, name) is not None and name not in used:
                allowed = ", ".join(used) if used else "no field but kind"
                raise FieldProblem((name,), f"not used by kind {self.kind!r}", allowed)
        for name in _BANK_FIELDS[self.kind]:
            if getattr(self, name) is None:
                raise FieldProblem((name,), f"required by kind {self.kind!r}", "a number")
        return self

    def to_plan(self) -> BankPlan:
        if self.kind == "constant":
            return BankPlan(kind="constant", bank_rad=math.radians(self.bank_deg or 0.0))
        if self.kind == "weave":
            return BankPlan(
                kind="weave",
                amplitude_rad=math.radians(self.amplitude_deg or 0.0),
                period_s=self.period_s or 0.0,
                phase_rad=math.radians(self.phase_deg or 0.0),
            )
        return BankPlan()


_DIVE = DivePlan(target_lat_rad=0.0, target_lon_rad=0.0)  # the flyout's defaults


class DiveConfig(_Model):
    """Terminal dive: onto a ``defended`` point by name, or onto lat_deg/lon_deg (alt_m=0);
    ``impact_angle_deg`` (below the horizontal, -90 < it < 0) commands the impact angle,
    without it proportional navigation (``threats.guidance``)."""

    target: str | None = Field(None, min_length=1)
    lat_deg: float | None = Field(None, ge=-90, le=90)
    lon_deg: float | None = Field(None, ge=-180, le=180)
    alt_m: float | None = Field(None, ge=-500, le=9_000)
    start_range_km: float = Field(_DIVE.start_range_m / 1e3, gt=0, le=2_000)
    navigation_gain: float = Field(_DIVE.navigation_gain, gt=0, le=10)
    max_load_g: float = Field(_DIVE.max_load_g, gt=0, le=100)
    impact_angle_deg: float | None = Field(
        None, gt=-90, lt=0, description="flight path angle at impact, below the horizontal"
    )

    @model_validator(mode="after")
    def _target_or_point(self) -> DiveConfig:
        either = "either target: <defended name>, or lat_deg and lon_deg (and alt_m)"
        if self.target is not None:
            for name in ("lat_deg", "lon_deg", "alt_m"):
                if getattr(self, name) is not None:
                    raise FieldProblem((name,), "not used together with target", either)
        else:
            for name in ("lat_deg", "lon_deg"):
                if getattr(self, name) is None:
                    raise FieldProblem((name,), "required when no target is given", either)
        return self


class GuidanceConfig(_Model):
    """Angle of attack (held; for ``glide: equilibrium`` its upper limit), bank law, dive."""

    alpha_deg: float = Field(ge=0, le=25, description="25 deg is the top of the CAV-H fit")
    glide: Literal["free", "equilibrium"] = "free"
    alpha_min_deg: float = Field(0.0, ge=0, le=25, description="lower limit for equilibrium")
    bank: BankConfig = BankConfig()
    dive: DiveConfig | None = None

    @model_validator(mode="after")
    def _alpha_limits_ordered(self) -> GuidanceConfig:
        if self.alpha_min_deg > self.alpha_deg:
            raise FieldProblem(
                ("alpha_min_deg",),
                f"{self.alpha_min_deg:g} is above alpha_deg {self.alpha_deg:g}",
                "0 <= alpha_min_deg <= alpha_deg",
            )
        return self

    _limits: LimitsConfig | None = PrivateAttr(None)  # the threat's ``limits``, set by it

    def to_plan(self, dive: DivePlan | None) -> GuidancePlan:
        """The plan, with ``dive`` (resolved by the scenario) given this dive's impact angle
        and the limits of the threat this guidance belongs to."""
        alpha_rad = math.radians(self.alpha_deg)
        limits = {"alpha_max_rad": alpha_rad} if self.glide == "equilibrium" else {}
        if dive is not None and self.dive is not None and self.dive.impact_angle_deg is not None:
            dive = replace(dive, impact_angle_rad=math.radians(self.dive.impact_angle_deg))
        return GuidancePlan(
            alpha_rad=alpha_rad,
            glide=self.glide,
            bank=self.bank.to_plan(),
            dive=dive,
            alpha_min_rad=math.radians(self.alpha_min_deg),
            limits=self._limits.to_limits() if self._limits is not None else Limits(),
            **limits,
        )


class LimitsConfig(_Model):
    """What a glide keeps within before its dive (``threats.guidance``); each optional, none
    by default: dynamic pressure (kPa), stagnation-point heat rate (kW/m^2, Sutton-Graves with
    the vehicle's nose radius) and aerodynamic load sqrt(L^2 + D^2) / (m g0)."""

    q_max_kpa: float | None = Field(None, gt=0, le=100_000)
    heat_rate_max_kwpm2: float | None = Field(None, gt=0, le=1_000_000)
    load_max_g: float | None = Field(None, gt=0, le=100)

    def to_limits(self) -> Limits:
        return Limits(
            q_max_pa=None if self.q_max_kpa is None else self.q_max_kpa * 1e3,
            heat_rate_max_wpm2=(
                None if self.heat_rate_max_kwpm2 is None else self.heat_rate_max_kwpm2 * 1e3
            ),
            load_max_g=self.load_max_g,
        )


class RcsTableConfig(_Model):
    """A radar cross-section against aspect (``sensors.radar.RcsTable``): ``m2`` at each
    ``aspect_deg`` (0 nose-on, 180 tail-on, ascending), interpolated in dB."""

    aspect_deg: list[float] = Field(min_length=1, max_length=361)
    m2: list[float] = Field(min_length=1, max_length=361)

    @model_validator(mode="after")
    def _a_table(self) -> RcsTableConfig:
        a, m = self.aspect_deg, self.m2
        if len(a) != len(m):
            raise FieldProblem(("m2",), f"{len(m)} values for {len(a)} aspects", "one per aspect")
        if any(y <= x for x, y in zip(a, a[1:], strict=False)) or a[0] < 0 or a[-1] > 180:
            raise FieldProblem(("aspect_deg",), f"{a} is not ascending within [0, 180]",
                               "ascending aspects from 0 to 180 deg")  # fmt: skip
        if any(not 0.0 < v <= 1e6 for v in m):
            raise FieldProblem(("m2",), f"{m} has a value out of range", "0 < m2 <= 1e6")
        return self

    def to_table(self) -> RcsTable:
        from kaminari.sensors.radar import RcsTable

        return RcsTable(tuple(self.aspect_deg), tuple(self.m2))


class ThreatConfig(_Model):
    """One glide vehicle, or a raid of ``count`` alike: its name, vehicle model (a key of
    ``VEHICLES``), start and guidance; a raid's threats start ``spacing_s`` apart in time, the
    first at ``start_t_s``, and ``lateral_spacing_km`` apart across the heading, centred on
    ``start`` (``kaminari.threats.raid.expand_raid``)."""

    name: Name
    vehicle: str
    start: ThreatStartConfig | None = None
    launch: LaunchConfig | None = None
    guidance: GuidanceConfig | None = None
    limits: LimitsConfig | None = None
    ballistic_coefficient_kgpm2: float | None = Field(
        None, gt=0, le=1e6, description="m / (Cd A) of a re-entry vehicle (vehicle: rv)"
    )
    dispersion: DispersionConfig | None = None
    count: int = Field(
        1, ge=1, le=MAX_RAID_COUNT, description="threats this entry stands for: NAME-1 to NAME-N"
    )
    start_t_s: float = Field(
        0.0, ge=0, description="s after the epoch when the first is at start; below run.t_max_s"
    )
    spacing_s: float = Field(0.0, ge=0, description="s from one's start to the next's")
    lateral_spacing_km: float = Field(
        0.0, ge=0, le=1_000, description="km between neighbours' starts, across the heading"
    )
    cost_usd: float = Field(
        THREAT_COST_USD, ge=0, description="what one threat costs its owner (cost exchange)"
    )
    rcs_m2: float | RcsTableConfig = Field(
        1.0, description="radar cross-section, m^2: a constant, or {aspect_deg, m2}"
    )

    @field_validator("rcs_m2", mode="before")
    @classmethod
    def _rcs(cls, value: Any) -> float | RcsTableConfig:
        """A number, or a table validated here so that its own problem is named (not the
        union's other branch)."""
        either = "a number in (0, 1e6], or {aspect_deg: [...], m2: [...]}"
        if isinstance(value, dict):
            try:
                return RcsTableConfig.model_validate(value)
            except ValidationError as err:
                first = err.errors(include_url=False)[0]
                cause = first.get("ctx", {}).get("error")
                loc = tuple(first["loc"])
                if isinstance(cause, FieldProblem):
                    raise FieldProblem(loc + cause.loc, cause.message, cause.allowed) from None
                raise FieldProblem(loc, first["msg"], either) from None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise FieldProblem((), f"{value!r} is not a cross-section", either)
        if not (math.isfinite(value) and 0.0 < value <= 1e6):
            raise FieldProblem((), f"{value} is not a cross-section", "0 < rcs_m2 <= 1e6")
        return float(value)

    @property
    def last_start_t_s(self) -> float:
        """When the last of the entry's threats starts, s after the epoch."""
        return self.start_t_s + (self.count - 1) * self.spacing_s

    def names(self) -> list[str]:
        """The names of the threats the entry stands for (``threats.raid.expand_raid``'s)."""
        if self.count == 1:
            return [self.name]
        return [f"{self.name}-{i}" for i in range(1, self.count + 1)]

    @model_validator(mode="after")
    def _limits_to_guidance(self) -> ThreatConfig:
        """Hand the threat's limits to its guidance, which builds the plan that keeps them."""
        if self.limits is not None and self.guidance is None:
            raise FieldProblem(("limits",), "needs a guided vehicle", "no limits without guidance")
        if self.guidance is not None:
            self.guidance._limits = self.limits
        return self

    def strike_radius_m(self) -> float:
        """The radius of the vehicle's body that a kinetic round must strike, m
        (``GlideVehicle.strike_radius_m``)."""
        if self.vehicle == REENTRY_VEHICLE:
            from kaminari.threats.ballistic import RV_BODY_RADIUS_M

            return RV_BODY_RADIUS_M
        return VEHICLES[self.vehicle].strike_radius_m

    @field_validator("vehicle")
    @classmethod
    def _known_vehicle(cls, value: str) -> str:
        known = [*VEHICLES, REENTRY_VEHICLE]
        if value not in known:
            hint = did_you_mean(value, known)
            raise FieldProblem((), f"unknown vehicle {value!r}{hint}", ", ".join(known))
        return value

    @model_validator(mode="after")
    def _start_or_launch(self) -> ThreatConfig:
        either = "either start (a glide start state) or launch (a booster from the ground)"
        if self.start is not None and self.launch is not None:
            raise FieldProblem(("launch",), "not used together with start", either)
        if self.start is None and self.launch is None:
            raise FieldProblem(("start",), "required (or launch)", either)
        if self.launch is not None and self.dispersion is not None and self.dispersion.speed_mps:
            raise FieldProblem(
                ("dispersion", "speed_mps"),
                "not used by a launched threat (its booster sets its speed)",
                "0, or a start state instead of a launch",
            )
        return self

    @model_validator(mode="after")
    def _vehicle_fields(self) -> ThreatConfig:
        rv = self.vehicle == REENTRY_VEHICLE
        if rv and self.ballistic_coefficient_kgpm2 is None:
            raise FieldProblem(
                ("ballistic_coefficient_kgpm2",), "required by vehicle rv", "a number > 0"
            )
        if not rv and self.ballistic_coefficient_kgpm2 is not None:
            raise FieldProblem(
                ("ballistic_coefficient_kgpm2",), f"not used by vehicle {self.vehicle!r}",
                "only with vehicle: rv",
            )
        if rv and self.guidance is not None:
            raise FieldProblem(
                ("guidance",), "not used by vehicle rv (it flies ballistically)",
                "no guidance for a re-entry vehicle",
            )
        if not rv and self.guidance is None:
            raise FieldProblem(("guidance",), f"required by vehicle {self.vehicle!r}",
                               "a guidance mapping (alpha_deg, ...)")  # fmt: skip
        return self
