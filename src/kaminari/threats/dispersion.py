"""Threat dispersion: each replication flies its own version of a threat.

A ``Dispersion`` holds 1-sigma spreads of a threat's start, speed, heading, aim point, dive
start, weave and the atmosphere's density; ``disperse`` draws them for a batch of
replications from the stream of each threat (``kaminari.streams``, part ``threat:<name>``), so
a replication's threats depend on the seed, the replication and the threat's name only.

Draws, each a standard normal z_i of the threat's stream, in this order:

- aim point: east and north offsets of sigma = CEP / sqrt(2 ln 2) each (a circular normal
  whose median radial error is the CEP; D. R. Childs et al., "Circular error probable",
  Journal of the Royal Statistical Society C 1962; CEP = 1.1774 sigma);
- start position: east and north offsets of ``start_m`` each, by a local flat-Earth step on
  the mean radius (tens of kilometres at most: the error is well under 0.1 %); for a threat
  launched by a booster, of its launch site;
- heading (a launched threat's launch azimuth), speed (not for a launched threat: its booster
  sets it), dive start range: one normal each;
- weave: amplitude and period, one normal each (the amplitude held at or above zero, the
  period at or above a tenth of its nominal); its phase uniform on [0, 2 pi) when
  ``weave_random_phase``;
- density: a factor 1 + ``density_frac`` z on the atmosphere's density for the whole flight
  (held at or above 0.1), for the day-to-day and seasonal departures from the standard
  atmosphere (US76 itself states no spread; some 10-20 % at 50-80 km is typical, see
  docs/assumptions.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from kaminari.earth.constants import MEAN_RADIUS_M
from kaminari.streams import normals
from kaminari.threats.flyout import ThreatSpec

__all__ = ["CEP_PER_SIGMA", "Dispersion", "disperse", "disperse_all", "threat_part"]

CEP_PER_SIGMA = math.sqrt(2.0 * math.log(2.0))
"""Median radial error of a circular normal over its per-axis sigma (1.1774)."""

N_DRAWS = 11
"""Normals drawn per threat and replication (see the module docstring for their order)."""


@dataclass(frozen=True)
class Dispersion:
    """1-sigma spreads of a threat (SI, radians); all zero is no dispersion."""

    aim_cep_m: float = 0.0
    start_m: float = 0.0
    heading_rad: float = 0.0
    speed_mps: float = 0.0
    dive_start_m: float = 0.0
    weave_amplitude_rad: float = 0.0
    weave_period_s: float = 0.0
    weave_random_phase: bool = False
    density_frac: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, bool) and not (value >= 0.0 and math.isfinite(value)):
                raise ValueError(f"dispersion {f.name} must be finite and >= 0, got {value}")

    @property
    def zero(self) -> bool:
        """True when nothing is spread: the threat flies its nominal path in every
        replication."""
        return not any(getattr(self, f.name) for f in fields(self))


def threat_part(name: str) -> str:
    """The stream part of a threat's dispersion."""
    return f"threat:{name}"


def _moved(
    lat: NDArray, lon: NDArray, east_m: NDArray, north_m: NDArray
) -> tuple[NDArray, NDArray]:
    lat2 = lat + north_m / MEAN_RADIUS_M
    lon2 = lon + east_m / (MEAN_RADIUS_M * np.cos(lat))
    wrapped = (lon2 + math.pi) % (2.0 * math.pi) - math.pi
    return lat2, np.where(np.abs(lon2) > math.pi, wrapped, lon2)  # no offset: exactly as given


def disperse(
    spec: ThreatSpec,
    dispersion: Dispersion,
    seed: int,
    reps: NDArray[np.intp],
    aim_offset_m: NDArray[np.float64] | None = None,
) -> list[ThreatSpec]:
    """The threat as flown in each replication of ``reps`` (R,), drawn from the stream
    (seed, replication, ``threat_part(spec.name)``); the names stay the threat's own.
    ``aim_offset_m`` (R, 2): a set (not drawn) east and north offset of each replication's
    aim point, added to the drawn one (a footprint's grid point); None: none."""
    reps = np.asarray(reps, dtype=np.int64).reshape(-1)
    z = normals(seed, threat_part(spec.name), reps, N_DRAWS)
    d = dispersion
    launched = spec.launch is not None
    s = spec.launch if launched else spec.start
    aim_sigma = d.aim_cep_m / CEP_PER_SIGMA
    start_lat, start_lon = _moved(
        np.full(reps.size, s.lat_rad), np.full(reps.size, s.lon_rad),
        d.start_m * z[:, 2], d.start_m * z[:, 3],
    )
    heading = (s.azimuth_rad if launched else s.heading_rad) + d.heading_rad * z[:, 4]
    speed = np.maximum((0.0 if launched else s.speed_mps) + d.speed_mps * z[:, 5], 1.0)
    density = np.maximum(1.0 + d.density_frac * z[:, 10], 0.1)
    plan = spec.guidance
    dive = plan.dive
    if dive is not None:
        aim_east, aim_north = aim_sigma * z[:, 0], aim_sigma * z[:, 1]
        if aim_offset_m is not None:
            aim_east = aim_east + aim_offset_m[:, 0]
            aim_north = aim_north + aim_offset_m[:, 1]
        aim_lat, aim_lon = _moved(
            np.full(reps.size, dive.target_lat_rad), np.full(reps.size, dive.target_lon_rad),
            aim_east, aim_north,
        )
        dive_start = np.maximum(dive.start_range_m + d.dive_start_m * z[:, 6], 1_000.0)
    bank = plan.bank
    weaving = bank.kind == "weave"
    if weaving:
        amplitude = np.maximum(bank.amplitude_rad + d.weave_amplitude_rad * z[:, 7], 0.0)
        period = np.maximum(bank.period_s + d.weave_period_s * z[:, 8], 0.1 * bank.period_s)
        u = ndtr(z[:, 9])  # the normal's own probability: uniform on (0, 1)
        phase = 2.0 * math.pi * u if d.weave_random_phase else np.full(reps.size, bank.phase_rad)
    out = []
    for k in range(reps.size):  # objects for the flyout to read back into arrays
        if launched:  # the launch site and azimuth spread; the booster's speed does not
            moved = {"launch": replace(
                s, lat_rad=float(start_lat[k]), lon_rad=float(start_lon[k]),
                azimuth_rad=float(heading[k]),
            )}  # fmt: skip
        else:
            moved = {"start": replace(
                s, lat_rad=float(start_lat[k]), lon_rad=float(start_lon[k]),
                heading_rad=float(heading[k]), speed_mps=float(speed[k]),
            )}  # fmt: skip
        guidance = plan
        if dive is not None:
            guidance = replace(
                guidance,
                dive=replace(
                    dive, target_lat_rad=float(aim_lat[k]), target_lon_rad=float(aim_lon[k]),
                    start_range_m=float(dive_start[k]),
                ),
            )
        if weaving:
            guidance = replace(
                guidance,
                bank=replace(
                    bank, amplitude_rad=float(amplitude[k]), period_s=float(period[k]),
                    phase_rad=float(phase[k]),
                ),
            )
        out.append(replace(spec, guidance=guidance, density_scale=float(density[k]), **moved))
    return out


def disperse_all(
    specs: Sequence[ThreatSpec],
    dispersions: Sequence[Dispersion | None],
    seed: int,
    reps: NDArray[np.intp],
    aim_offsets_m: NDArray[np.float64] | None = None,
) -> tuple[list[ThreatSpec], NDArray[np.intp]]:
    """The dispersed threats of ``specs`` for replications ``reps`` (R,), rep-major (member
    ``m`` of threat ``t`` in replication ``k`` is at ``index[k, t]``), and that index (R, T);
    threats without dispersion are not in the list (their index is -1).
    ``aim_offsets_m`` (R, T, 2): set east and north offsets of each replication's aim point
    per threat (``disperse``); a threat with any non-zero offset is flown per replication
    even without dispersion (then with all its spreads zero)."""
    reps = np.asarray(reps, dtype=np.int64).reshape(-1)
    index = np.full((reps.size, len(specs)), -1, dtype=np.intp)
    out: list[ThreatSpec] = []
    for t, (spec, d) in enumerate(zip(specs, dispersions, strict=True)):
        offset = None if aim_offsets_m is None else aim_offsets_m[:, t]
        moved = offset is not None and bool(np.any(offset != 0.0))
        if (d is None or d.zero) and not moved:
            continue
        index[:, t] = len(out) + np.arange(reps.size)
        out += disperse(spec, d or Dispersion(), seed, reps, offset if moved else None)
    return out, index
