"""The radars of a scenario, and the ground sites that radars and batteries stand on."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

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

__all__ = ["RadarBiasConfig", "RadarConfig", "RadarSigmaConfig", "SiteConfig"]

_REFERENCE = ("snr_ref_db", "range_ref_km", "rcs_ref_m2", "pfa")
"""The radar equation's reference performance and false-alarm probability: all or none."""


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


class RadarBiasConfig(_Model):
    """Constant measurement biases of a radar (registration errors), added to every
    detection of a threat."""

    range_m: float = Field(0.0, ge=-10_000, le=10_000)
    azimuth_mrad: float = Field(0.0, ge=-100, le=100)
    elevation_mrad: float = Field(0.0, ge=-100, le=100)


class RadarConfig(_Model):
    """A ground radar: site, reach, revisit period, noise, lowest elevation searched, chance of a
    detection per scan, refraction, when in its period it first looks, and how many false
    alarms a scan reports on average."""

    name: Name
    site: SiteConfig | None = Field(
        None, description="required, unless its node is a ship (the radar rides it)"
    )
    node: Name | None = Field(None, description="the network node it belongs to")
    bias: RadarBiasConfig = Field(default_factory=lambda: RadarBiasConfig())
    site_error_enu_m: list[float] = Field(
        default_factory=lambda: [0.0, 0.0, 0.0], min_length=3, max_length=3,
        description="where the antenna really is from its surveyed site: east, north, up (m)",
    )
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
    false_alarms_per_scan: float | None = Field(
        None,
        ge=0,
        description="mean of the Poisson number of false detections a scan reports",
    )
    # The radar equation (sensors.radar): all four of the reference and pfa, or none.
    snr_ref_db: float | None = Field(
        None, ge=-100, le=200, description="single-look SNR at range_ref_km against rcs_ref_m2"
    )
    range_ref_km: float | None = Field(None, gt=0, le=100_000)
    rcs_ref_m2: float | None = Field(None, gt=0, le=1e6)
    pfa: float | None = Field(None, gt=0, lt=1, description="false-alarm probability per cell")
    swerling: int | None = Field(None, description="target fluctuation: 0, 1 or 3 (default 1)")
    beamwidth_mrad: float | None = Field(None, gt=0, le=1_000)
    range_resolution_m: float | None = Field(None, gt=0, le=100_000)

    @model_validator(mode="before")
    @classmethod
    def _no_false_alarms_without_the_radar_equation(cls, data: Any) -> Any:
        """``false_alarms_per_scan`` left out is 0 for a fixed-probability radar; with the radar
        equation it stays None, and ``Radar.mean_false_alarms`` takes it from pfa."""
        if (
            isinstance(data, dict)
            and "false_alarms_per_scan" not in data
            and not any(n in data for n in _REFERENCE)
        ):
            return {**data, "false_alarms_per_scan": 0.0}
        return data

    @model_validator(mode="after")
    def _offset_within_revisit(self) -> RadarConfig:
        if self.scan_offset_s >= self.revisit_s:
            message = f"{self.scan_offset_s:g} is not below revisit_s {self.revisit_s:g}"
            raise FieldProblem(("scan_offset_s",), message, "0 <= scan_offset_s < revisit_s")
        return self

    @model_validator(mode="after")
    def _radar_equation_whole(self) -> RadarConfig:
        """The reference and pfa all four or none; the radar equation's other fields only with
        them; ``detection_probability`` only without them."""
        together = "snr_ref_db, range_ref_km, rcs_ref_m2 and pfa together, or none of them"
        given = [n for n in _REFERENCE if getattr(self, n) is not None]
        if given and len(given) < len(_REFERENCE):
            missing = next(n for n in _REFERENCE if getattr(self, n) is None)
            message = f"required with {given[0]} (the radar equation)"
            raise FieldProblem((missing,), message, together)
        if not given:
            for name in ("swerling", "beamwidth_mrad", "range_resolution_m"):
                if getattr(self, name) is not None:
                    raise FieldProblem((name,), "used only with the radar equation", together)
        elif "detection_probability" in self.model_fields_set:
            raise FieldProblem(
                ("detection_probability",),
                "not used with the radar equation (Pd follows from SNR, pfa and swerling)",
                "detection_probability without snr_ref_db, range_ref_km, rcs_ref_m2 and pfa",
            )
        if self.swerling is not None and self.swerling not in (0, 1, 3):
            raise FieldProblem(
                ("swerling",),
                f"{self.swerling} is not a fluctuation model the radar knows",
                "0 (steady), 1 (Rayleigh) or 3 (one dominant plus Rayleigh)",
            )
        return self

    def to_radar(self, site: SiteConfig | None = None) -> Radar:
        """The radar in SI: radians, metres; ``site``: where it stands when the file gives no
        site (its node's)."""
        from kaminari.sensors.radar import Radar  # numerics only when sensing

        where = self.site or site
        if where is None:
            raise ValueError(f"radar {self.name!r} has no site")
        return Radar(
            name=self.name,
            lat_rad=where.lat_rad,
            lon_rad=where.lon_rad,
            alt_m=where.alt_m,
            bias_range_m=self.bias.range_m,
            bias_az_rad=self.bias.azimuth_mrad / _MRAD_PER_RAD,
            bias_el_rad=self.bias.elevation_mrad / _MRAD_PER_RAD,
            site_error_enu_m=tuple(float(v) for v in self.site_error_enu_m),
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
            **self._radar_equation(),
        )

    def _radar_equation(self) -> dict[str, float | int]:
        """The radar equation's fields of ``Radar`` in SI (none without the reference)."""
        if self.snr_ref_db is None:
            return {}
        out: dict[str, float | int] = {
            "snr_ref_db": self.snr_ref_db,
            "range_ref_m": (self.range_ref_km or 0.0) * 1e3,
            "rcs_ref_m2": self.rcs_ref_m2 or 0.0,
            "pfa": self.pfa or 0.0,
        }
        if self.swerling is not None:
            out["swerling"] = self.swerling
        if self.beamwidth_mrad is not None:
            out["beamwidth_rad"] = self.beamwidth_mrad / _MRAD_PER_RAD
        if self.range_resolution_m is not None:
            out["range_resolution_m"] = self.range_resolution_m
        return out
