"""The tracker's settings and the fire doctrine of a scenario."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from kaminari.scenario.base import _default, _Model
from kaminari.scenario.yaml_lines import FieldProblem, did_you_mean
from kaminari.threats.vehicles import VEHICLES

if TYPE_CHECKING:
    from kaminari.firecontrol.doctrine import Doctrine
    from kaminari.tracking.config import TrackerConfig

__all__ = ["FireControlConfig", "TrackerSettingsConfig"]


def _tracker_class() -> type[TrackerConfig]:
    from kaminari.tracking.config import TrackerConfig

    return TrackerConfig


def _doctrine_class() -> type[Doctrine]:
    from kaminari.firecontrol.doctrine import Doctrine

    return Doctrine


MAX_TRACKS = 256
"""The most track slots a replication may hold."""


def _known_class(field: str, name: str) -> None:
    """A vehicle class a scenario tells the tracker or fire control, or one clear error."""
    if name not in VEHICLES:
        raise FieldProblem(
            (field,), f"unknown vehicle class {name!r}{did_you_mean(name, list(VEHICLES))}",
            "one of " + ", ".join(VEHICLES) + " (a glide vehicle's aerodynamic fit)",
        )

class TrackerSettingsConfig(_Model):
    """The tracker's filter and track management (``kaminari.tracking.config.TrackerConfig``):
    a track is confirmed by ``confirm_hits`` detections within ``confirm_window`` scans, deleted
    after ``delete_misses`` scans in view without one or when its position sigma passes
    ``delete_sigma_m``; a detection is associated with a confirmed track within ``gate_nis``
    (a tentative one within ``tentative_gate_nis``), and with an
    earlier lone detection within ``max_speed_mps``; a replication holds at most
    ``max_tracks`` tracks at a time."""

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
    gate_nis: float = Field(
        default_factory=_default(_tracker_class, "gate_nis"),
        gt=0,
        description="a detection updates a confirmed track when its normalised innovation "
        "squared is within it",
    )
    tentative_gate_nis: float = Field(
        default_factory=_default(_tracker_class, "tentative_gate_nis"),
        gt=0,
        description="the same for a tentative track",
    )
    max_speed_mps: float = Field(
        default_factory=_default(_tracker_class, "max_speed_mps"),
        gt=0,
        description="the fastest a target may have moved between two detections that start a "
        "track",
    )
    motion: Literal["acceleration", "aero", "drag", "imm", "aero-unscented", "aero-imm"] = Field(
        default_factory=_default(_tracker_class, "motion"),
        description="how the filter flies a track's acceleration between updates: held, its "
        "aerodynamic coefficients held, its drag coefficient and lift held, an IMM of the "
        "first two, the coefficients by the unscented transform following the Mach number, "
        "or an IMM of that with quiet and manoeuvring coefficient noise",
    )
    mach_elasticity_drag: float = Field(
        default_factory=_default(_tracker_class, "mach_elasticity_drag"),
        ge=-5,
        le=5,
        description="d ln CD / d ln Mach the aero-unscented motion assumes (0: Mach "
        "independence)",
    )
    mach_elasticity_lift: float = Field(
        default_factory=_default(_tracker_class, "mach_elasticity_lift"),
        ge=-5,
        le=5,
        description="d ln CL / d ln Mach the aero-unscented motion assumes",
    )
    aero_class: str | None = Field(
        default=None,
        description="a threat class (a vehicle of threats[].vehicle) whose public aerodynamic "
        "fit the tracker follows: aero-unscented, its Mach terms at a held angle of attack "
        "instead of the constant elasticities; aero-imm, the lift held as an acceleration and "
        "the drag along the fit's polar",
    )
    coefficient_psd_per_s: float = Field(
        default_factory=_default(_tracker_class, "coefficient_psd_per_s"),
        ge=0,
        description="PSD (1/s) of the aero-unscented motion's random walk of each "
        "aerodynamic component relative to itself (aero-imm: its quiet model's)",
    )
    class_coefficient_psd_per_s: float = Field(
        default_factory=_default(_tracker_class, "class_coefficient_psd_per_s"),
        ge=0,
        description="the same for the aero-unscented motion told a class (aero_class): what "
        "its fit's Mach law leaves out",
    )
    coefficient_psd_manoeuvre_per_s: float = Field(
        default_factory=_default(_tracker_class, "coefficient_psd_manoeuvre_per_s"),
        ge=0,
        description="the same for aero-imm's manoeuvring and weaving models (a threat that "
        "changes its angle of attack)",
    )
    bank_psd_manoeuvre_rad2ps: float = Field(
        default_factory=_default(_tracker_class, "bank_psd_manoeuvre_rad2ps"),
        ge=0,
        description="PSD (rad^2/s) of the random walk of the bank in aero-imm's weaving model "
        "(a threat that turns its lift)",
    )
    max_tracks: int = Field(
        default_factory=_default(_tracker_class, "max_tracks"),
        ge=1,
        le=MAX_TRACKS,
        description="tracks held at a time in one replication; left out, room for the raid "
        "(at least two per threat and four more)",
    )

    @model_validator(mode="after")
    def _hits_fit_the_window(self) -> TrackerSettingsConfig:
        if self.confirm_hits > self.confirm_window:
            message = f"{self.confirm_hits} is above confirm_window {self.confirm_window}"
            raise FieldProblem(("confirm_hits",), message, "1 <= confirm_hits <= confirm_window")
        if self.aero_class is not None:
            _known_class("aero_class", self.aero_class)
            if self.motion not in ("aero-unscented", "aero-imm"):
                raise FieldProblem(
                    ("aero_class",), f"given with motion {self.motion}",
                    "motion: aero-unscented (the fit's Mach law at a held angle of attack) or "
                    "aero-imm (the lift held, the drag along the fit's polar)",
                )
            if self.mach_elasticity_drag or self.mach_elasticity_lift:
                raise FieldProblem(
                    ("aero_class",), "given with mach_elasticity_drag or mach_elasticity_lift",
                    "either a class's fit (aero_class) or the elasticities, not both",
                )
        if self.coefficient_psd_manoeuvre_per_s < self.coefficient_psd_per_s:
            message = (
                f"{self.coefficient_psd_manoeuvre_per_s} is below coefficient_psd_per_s "
                f"{self.coefficient_psd_per_s}"
            )
            raise FieldProblem(
                ("coefficient_psd_manoeuvre_per_s",), message,
                "coefficient_psd_manoeuvre_per_s >= coefficient_psd_per_s",
            )
        return self

    def to_tracker_config(self) -> TrackerConfig:
        from kaminari.tracking.config import TrackerConfig  # numerics only when tracking

        settings = self.model_dump()
        name = settings.pop("aero_class")
        if name is not None:
            settings["class_aero"] = VEHICLES[name].class_numbers
        return TrackerConfig(**settings)


class FireControlConfig(_Model):
    """Fire doctrine (``kaminari.firecontrol.doctrine.Doctrine``): shoot-look-shoot fires
    ``salvo`` rounds, assesses, and may fire again; salvo fires ``salvo`` rounds once. A battery
    engages only within ``max_time_of_flight_s`` and under ``max_track_sigma_m`` of track
    position uncertainty. ``perfect_kill_assessment`` lets fire control know a kill at once
    instead of by looking (off by default). ``aim_at_shot`` aims a committed battery's round
    when it leaves rather than when the battery decided (on by default)."""

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
    perfect_kill_assessment: bool = Field(
        default_factory=_default(_doctrine_class, "perfect_kill_assessment"),
        description="fire control knows a kill at once instead of looking: a shortcut",
    )
    aim_at_shot: bool = Field(
        default_factory=_default(_doctrine_class, "aim_at_shot"),
        description="a committed battery aims each round when it leaves, from the track as "
        "updated by then, instead of when it decided (reaction_s earlier)",
    )
    use: str | list[str] | None = Field(
        default=None,
        description="the batteries that fight, by name (left out: all); a sweep over names "
        "compares defences",
    )
    threat_class: str | None = Field(
        default=None,
        description="a threat class (a vehicle of threats[].vehicle) fire control is told: "
        "its physics predictor holds a track's lift as an acceleration and flies its drag "
        "along the class's public drag polar (left out: the track's aerodynamic "
        "coefficients held)",
    )

    @model_validator(mode="after")
    def _class_is_known(self) -> FireControlConfig:
        if self.threat_class is not None:
            _known_class("threat_class", self.threat_class)
        return self

    def to_doctrine(self) -> Doctrine:
        from kaminari.firecontrol.doctrine import Doctrine  # numerics only when firing

        fields = self.model_dump(exclude={"use"})
        name = fields.pop("threat_class")
        fields["threat_class"] = VEHICLES[name].class_numbers if name is not None else ()
        return Doctrine(kind=fields.pop("doctrine"), **fields)

    def used(self, names: list[str]) -> list[str]:
        """The battery names of ``names`` that fight (``use``), in their order."""
        if self.use is None:
            return names
        chosen = {self.use} if isinstance(self.use, str) else set(self.use)
        return [n for n in names if n in chosen]
