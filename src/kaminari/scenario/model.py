"""The scenario file: its schema, the loader, and the conversion to kaminari's internal objects.

A scenario is a YAML file (see ``examples/glide_to_coast.yaml``). Degrees, kilometres and
other edge units appear only here, with the unit in the field name (``lat_deg``, ``alt_km``);
the conversions (``threat_specs``, ``radar_models``, ``battery_models``, ``tracker_config``,
``doctrine``, ``battery_projectile``, the ``*_rad`` and ``*_m`` properties) hand SI values to the
numerics, which they import only when called. The kill-chain sections (radars, batteries, tracker,
fire_control) are declared in ``kaminari._scenario_killchain``; their defaults are those of the
internal dataclasses they become. Every model forbids unknown fields and is strict about types:
``speed_mps: "5000"`` or ``magazine: 40.5`` is an error, not a silent conversion.

Conventions a user must know: heading is clockwise from north, -180 <= heading_deg <= 360;
flight path angle is above the local horizontal; site altitudes are above the WGS84 ellipsoid
(-500 m or higher, lower is below ground); a battery's azimuth sector runs clockwise from min to
max (min > max crosses north); an epoch without a time zone is taken as UTC.

Every problem a user can cause is a ``ScenarioError`` whose ``str`` is one line,
``file:line: field: what is wrong; allowed: what is allowed``.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from kaminari._scenario_killchain import (
    AzimuthSectorConfig,
    BatteryConfig,
    DispersionConfig,
    ElevationLimitsConfig,
    FireControlConfig,
    LatDeg,
    LonDeg,
    Name,
    ProjectileConfig,
    RadarConfig,
    RadarSigmaConfig,
    SiteAltM,
    SiteConfig,
    TrackerSettingsConfig,
    _LatLon,
    _Model,
)
from kaminari._yaml_lines import (
    DuplicateKeyError,
    FieldProblem,
    did_you_mean,
    field_path,
    first_problem,
    parse_yaml,
)
from kaminari.threats.guidance import BankPlan, DivePlan, GuidancePlan
from kaminari.threats.vehicles import VEHICLES

if TYPE_CHECKING:
    from kaminari.engagement.chain import KillChain
    from kaminari.firecontrol.doctrine import Doctrine
    from kaminari.sensors.radar import Radar
    from kaminari.threats.flyout import GlideStart, ThreatSpec
    from kaminari.tracking.config import TrackerConfig
    from kaminari.weapons.battery import Battery
    from kaminari.weapons.projectile import Projectile

__all__ = [
    "AzimuthSectorConfig",
    "BankConfig",
    "BatteryConfig",
    "DefendedConfig",
    "DispersionConfig",
    "DiveConfig",
    "ElevationLimitsConfig",
    "FireControlConfig",
    "GuidanceConfig",
    "ProjectileConfig",
    "RadarConfig",
    "RadarSigmaConfig",
    "RunConfig",
    "Scenario",
    "ScenarioError",
    "SiteConfig",
    "ThreatConfig",
    "ThreatStartConfig",
    "TrackerSettingsConfig",
    "dump_scenario",
    "load_scenario",
    "parse_scenario",
]


class ScenarioError(Exception):
    """Bad user input. ``str(err)`` is one line: ``path:line: field: message; allowed: allowed``.

    ``line`` is 1-based, or None where no line applies (a missing file); ``field`` is a dotted
    path such as ``threats[0].start.lat_deg`` (or a command-line option), or None.
    """

    def __init__(
        self, path: str | None, line: int | None, field: str | None, message: str, allowed: str
    ) -> None:
        self.path, self.line, self.field = path, line, field
        self.message, self.allowed = message, allowed
        super().__init__(self._one_line())

    def _one_line(self) -> str:
        where = self.path if self.path is None or self.line is None else f"{self.path}:{self.line}"
        text = ": ".join(part for part in (where, self.field, self.message) if part)
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return " ".join(text.split())

    def __str__(self) -> str:
        return self._one_line()

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, for errors raised in worker processes
        return type(self), (self.path, self.line, self.field, self.message, self.allowed)


class DefendedConfig(_LatLon, _Model):
    """A defended point, which a dive may name as its target."""

    name: Name
    lat_deg: LatDeg
    lon_deg: LonDeg
    alt_m: SiteAltM = 0.0


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
    """Terminal dive: onto a ``defended`` point by name, or onto lat_deg/lon_deg (alt_m=0)."""

    target: str | None = Field(None, min_length=1)
    lat_deg: float | None = Field(None, ge=-90, le=90)
    lon_deg: float | None = Field(None, ge=-180, le=180)
    alt_m: float | None = Field(None, ge=-500, le=9_000)
    start_range_km: float = Field(_DIVE.start_range_m / 1e3, gt=0, le=2_000)
    navigation_gain: float = Field(_DIVE.navigation_gain, gt=0, le=10)
    max_load_g: float = Field(_DIVE.max_load_g, gt=0, le=100)

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

    def to_plan(self, dive: DivePlan | None) -> GuidancePlan:
        alpha_rad = math.radians(self.alpha_deg)
        limits = {"alpha_max_rad": alpha_rad} if self.glide == "equilibrium" else {}
        return GuidancePlan(
            alpha_rad=alpha_rad,
            glide=self.glide,
            bank=self.bank.to_plan(),
            dive=dive,
            alpha_min_rad=math.radians(self.alpha_min_deg),
            **limits,
        )


class ThreatConfig(_Model):
    """One glide vehicle: its name, vehicle model (a key of ``VEHICLES``), start and guidance."""

    name: Name
    vehicle: str
    start: ThreatStartConfig
    guidance: GuidanceConfig

    @field_validator("vehicle")
    @classmethod
    def _known_vehicle(cls, value: str) -> str:
        if value not in VEHICLES:
            hint = did_you_mean(value, list(VEHICLES))
            raise FieldProblem((), f"unknown vehicle {value!r}{hint}", ", ".join(VEHICLES))
        return value


class RunConfig(_Model):
    """Campaign and integration settings."""

    reps: int = Field(100, ge=1, le=10_000_000)
    seed: int = Field(0, ge=0)
    dt_s: float = Field(0.1, gt=0, le=10)
    t_max_s: float = Field(3_600.0, gt=0, le=86_400)
    tracks_reps: int = Field(
        1, ge=0, description="how many replications' tracks are written; at most reps are"
    )
    chunk_size: int = Field(
        1000,
        ge=1,
        description="replications per chunk: the unit of work, of storage and of resume; "
        "each chunk costs about half a second beyond its replications, so larger is faster",
    )

    @model_validator(mode="after")
    def _step_below_duration(self) -> RunConfig:
        if self.dt_s >= self.t_max_s:
            raise FieldProblem(("dt_s",), f"{self.dt_s:g} is not below t_max_s", "dt_s < t_max_s")
        return self


class Scenario(_Model):
    """A whole scenario file. Only ``name``, ``epoch`` and ``threats`` are required."""

    name: Name
    epoch: dt.datetime = Field(strict=False, description="UTC, e.g. 2027-01-01T00:00:00Z")
    threats: list[ThreatConfig] = Field(min_length=1)
    radars: list[RadarConfig] = []
    batteries: list[BatteryConfig] = []
    tracker: TrackerSettingsConfig = Field(default_factory=TrackerSettingsConfig)
    fire_control: FireControlConfig = Field(default_factory=FireControlConfig)
    defended: list[DefendedConfig] = []
    run: RunConfig = RunConfig()

    @field_validator("epoch")
    @classmethod
    def _epoch_in_utc(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    @model_validator(mode="after")
    def _names_unique_and_targets_known(self) -> Scenario:
        for key in ("threats", "radars", "batteries", "defended"):
            first: dict[str, int] = {}
            for i, item in enumerate(getattr(self, key)):
                if item.name in first:
                    message = f"{item.name!r} is already the name of {key}[{first[item.name]}]"
                    raise FieldProblem((key, i, "name"), message, f"names unique within {key}")
                first[item.name] = i
        names = [d.name for d in self.defended]
        for i, threat in enumerate(self.threats):
            dive = threat.guidance.dive
            if dive is not None and dive.target is not None and dive.target not in names:
                loc = ("threats", i, "guidance", "dive", "target")
                message = f"no defended point named {dive.target!r}" + did_you_mean(
                    dive.target, names
                )
                allowed = ", ".join(names) if names else "a name listed under defended (none are)"
                raise FieldProblem(loc, message, allowed)
        return self

    def defended_point(self, name: str) -> DefendedConfig:
        """The defended point called ``name`` (KeyError if there is none)."""
        return _by_name(self.defended, name)

    def battery(self, name: str) -> BatteryConfig:
        """The battery called ``name`` (KeyError if there is none)."""
        return _by_name(self.batteries, name)

    def battery_projectile(self, name: str) -> Projectile:
        """The projectile that the battery called ``name`` fires."""
        return self.battery(name).to_projectile()

    def radar_models(self) -> list[Radar]:
        """The radars in SI (radians, metres), in the order of the file."""
        return [radar.to_radar() for radar in self.radars]

    def battery_models(self) -> list[Battery]:
        """The railgun batteries in SI (radians, metres, seconds), in the order of the file."""
        return [battery.to_battery() for battery in self.batteries]

    def tracker_config(self) -> TrackerConfig:
        """The tracker's configuration."""
        return self.tracker.to_tracker_config()

    def doctrine(self) -> Doctrine:
        """The fire doctrine."""
        return self.fire_control.to_doctrine()

    def require_kill_chain(self, source: str) -> None:
        """Raise the one-line ScenarioError unless there is a radar and a battery to run the
        kill chain with (``source``: the file named in the error)."""
        if not self.radars or not self.batteries:
            raise ScenarioError(
                source,
                None,
                "radars" if not self.radars else "batteries",
                "a kill chain needs at least one",
                "one or more radars and one or more batteries",
            )

    def kill_chain(self, predictor: str = "track") -> KillChain:
        """Everything the kill chain needs, in SI: threats, radars, batteries, tracker,
        doctrine and the run's time step and limit."""
        from kaminari.engagement.chain import KillChain

        return KillChain(
            threats=tuple(self.threat_specs()),
            radars=tuple(self.radar_models()),
            batteries=tuple(self.battery_models()),
            tracker=self.tracker_config(),
            doctrine=self.doctrine(),
            dt_s=self.run.dt_s,
            t_max_s=self.run.t_max_s,
            predictor="truth" if predictor == "truth" else "track",
        )

    def dive_plan(self, threat: ThreatConfig) -> DivePlan | None:
        """The threat's terminal dive in SI, its target resolved, or None without a dive."""
        dive = threat.guidance.dive
        if dive is None:
            return None
        if dive.target is not None:
            point = self.defended_point(dive.target)
            lat_rad, lon_rad, alt_m = point.lat_rad, point.lon_rad, point.alt_m
        else:
            lat_rad, lon_rad = math.radians(dive.lat_deg or 0.0), math.radians(dive.lon_deg or 0.0)
            alt_m = dive.alt_m or 0.0
        return DivePlan(
            target_lat_rad=lat_rad,
            target_lon_rad=lon_rad,
            target_alt_m=alt_m,
            start_range_m=dive.start_range_km * 1e3,
            navigation_gain=dive.navigation_gain,
            max_load_g=dive.max_load_g,
        )

    def threat_specs(self) -> list[ThreatSpec]:
        """The threats as the flyout takes them: SI units, vehicles looked up, dives resolved."""
        from kaminari.threats.flyout import ThreatSpec  # numerics only when flying

        return [
            ThreatSpec(
                name=t.name,
                vehicle=VEHICLES[t.vehicle],
                start=t.start.to_glide_start(),
                guidance=t.guidance.to_plan(self.dive_plan(t)),
            )
            for t in self.threats
        ]


def _by_name(items: list[Any], name: str) -> Any:
    for item in items:
        if item.name == name:
            return item
    raise KeyError(name)


# --- loading -------------------------------------------------------------------------------

_ANY_FILE = "a readable UTF-8 YAML scenario file"


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Read, parse and validate a scenario file; any problem is a one-line ``ScenarioError``."""
    shown = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        raise ScenarioError(shown, None, None, "no such file", _ANY_FILE) from None
    except IsADirectoryError:
        raise ScenarioError(shown, None, None, "is a directory, not a file", _ANY_FILE) from None
    except PermissionError:
        raise ScenarioError(shown, None, None, "permission denied", _ANY_FILE) from None
    except UnicodeDecodeError as err:
        message = f"not UTF-8 text (byte {err.start})"
        raise ScenarioError(shown, None, None, message, _ANY_FILE) from None
    except OSError as err:
        raise ScenarioError(shown, None, None, err.strerror or str(err), _ANY_FILE) from None
    return parse_scenario(text, shown)


def parse_scenario(text: str, source: str = "<string>") -> Scenario:
    """Parse and validate scenario YAML text; ``source`` names it in error messages."""
    try:
        doc = parse_yaml(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = err.problem or err.context or "invalid YAML"
        message = f"YAML syntax error: {problem}"
        raise ScenarioError(source, line, None, message, "valid YAML") from None
    except yaml.YAMLError as err:
        raise ScenarioError(source, None, None, f"YAML error: {err}", "valid YAML") from None
    except DuplicateKeyError as err:
        message = "the same key is given twice in one mapping"
        raise ScenarioError(
            source, err.line, field_path(err.loc), message, "each key once"
        ) from None
    top_fields = ", ".join(Scenario.model_fields)
    if doc.data is None:
        raise ScenarioError(source, None, None, "the file is empty", f"a mapping of {top_fields}")
    if not isinstance(doc.data, dict):
        message = f"the top level is a {type(doc.data).__name__}, not a mapping"
        raise ScenarioError(source, doc.line_of(()), None, message, f"a mapping of {top_fields}")
    try:
        return Scenario.model_validate(doc.data)
    except ValidationError as err:
        problem = first_problem(err, Scenario, doc)
        raise ScenarioError(
            source, problem.line, problem.field, problem.message, problem.allowed
        ) from err


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML with every default filled in; ``parse_scenario`` reads it back equal."""
    data = scenario.model_dump(mode="json", exclude_none=True)
    header = "# kaminari scenario, every default filled in\n"
    return header + yaml.safe_dump(
        data, sort_keys=False, default_flow_style=None, allow_unicode=True, width=100
    )
