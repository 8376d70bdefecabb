"""Coverage: when each sensor could see each threat along its nominal path.

A ground radar covers a threat where its ``covers`` holds (range, horizon, elevation limits).
A space-based infrared layer detects a threat where a satellite has it in its field of regard
with the Earth's limb clear (``sensors.orbits.in_view``) and its in-band irradiance at the
satellite reaches the sensor's threshold (``sensors.infrared``): the hot body in flight
(radiative equilibrium with a fraction of the Sutton-Graves heat rate) and, while a motor
burns, its plume. The atmosphere's transmission is taken as 1 (above some 16 km, where gliders
fly, the 3-5 um window is nearly clear; ``sensors.infrared.Extinction`` says so), and the
Earth's background as fully subtracted. This is geometry and signal only: no detection draws,
no tracking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from kaminari.engagement.signature import plume_table
from kaminari.sensors.base import Sensor
from kaminari.sensors.infrared import (
    HEAT_FRACTION,
    body_intensity_w_per_sr,
    irradiance_wpm2,
    nei_wpm2_from_w_per_cm2,
    radiative_equilibrium_temperature_k,
)
from kaminari.sensors.orbits import in_view
from kaminari.sensors.space import SpaceLayer
from kaminari.threats.flyout import ThreatSpec, ThreatTrajectories

__all__ = ["Coverage", "InfraredLayer", "coverage"]

Array = NDArray[np.float64]


class _Orbits(Protocol):
    def positions(self, t_s: Array) -> Array: ...


@dataclass(frozen=True)
class InfraredLayer:
    """A constellation (anything with ``positions(t_s) -> (N, K, 3)`` ECEF on the scenario
    clock) and its sensors' band (m), off-nadir limit (rad), NEI (W/cm^2) and SNR threshold."""

    orbits: _Orbits
    band_m: tuple[float, float]
    off_nadir_max_rad: float
    nei_w_per_cm2: float
    snr_min: float
    name: str = "space layer"


@dataclass(frozen=True)
class Coverage:
    """Per sensor (radars, then the layer if any), per threat, per sample time: ``seen``
    (S, T, K); ``t_s`` (T, K) times after the epoch (NaN where a threat is not flying);
    ``satellites`` (T, K) how many of the layer's satellites detect it at once (0 without a
    layer)."""

    sensors: tuple[str, ...]
    threats: tuple[str, ...]
    t_s: Array
    seen: NDArray[np.bool_]
    satellites: NDArray[np.int64]

    def first_seen_s(self) -> Array:
        """(S, T) the first time each sensor sees each threat (NaN: never)."""
        t = np.where(self.seen, self.t_s[None], np.inf)
        first = t.min(axis=-1)
        return np.where(np.isfinite(first), first, np.nan)

    def seen_fraction(self) -> Array:
        """(S, T) the share of each threat's flight samples each sensor sees."""
        flying = np.isfinite(self.t_s)
        return self.seen.sum(axis=-1) / np.maximum(flying.sum(axis=-1), 1)


def _intensity(specs: Sequence[ThreatSpec], traj: ThreatTrajectories, k: NDArray[np.intp],
               band_m: tuple[float, float]) -> Array:  # fmt: skip
    """(T, K) in-band intensity of each threat at the samples ``k``: its body, and its plume
    while a motor burns."""
    q = np.nan_to_num(traj.heat_rate_wpm2[:, k])
    temperature = radiative_equilibrium_temperature_k(HEAT_FRACTION * q)
    body = body_intensity_w_per_sr(np.maximum(temperature, 1.0), *band_m)
    if traj.boost_stage is None:
        return body
    stage = traj.boost_stage[:, k]
    on = traj.boost_plume[:, k] & (stage >= 0)
    table = plume_table(specs)
    member = np.broadcast_to(np.arange(len(specs))[:, None], stage.shape)
    plume = np.where(on, table[member, np.clip(stage, 0, table.shape[1] - 1)], 0.0)
    return body + plume


def coverage(
    specs: Sequence[ThreatSpec],
    traj: ThreatTrajectories,
    radars: Sequence[Sensor],
    layer: InfraredLayer | SpaceLayer | None = None,
    step_s: float = 1.0,
) -> Coverage:
    """When each radar, and the layer, sees each threat of ``traj`` (flown from ``specs``,
    each at its ``start_t_s``), every ``step_s`` along the flights."""
    dt = float(traj.t_s[1] - traj.t_s[0])
    every = max(1, int(round(step_s / dt)))
    k = np.arange(0, traj.t_s.size, every)
    r = traj.r_ecef[:, k]  # (T, K, 3), NaN after a flight's end
    flying = np.isfinite(r[..., 0])
    start = np.array([s.start_t_s for s in specs])
    t_abs = np.where(flying, start[:, None] + traj.t_s[k][None, :], np.nan)
    safe = np.nan_to_num(r)
    seen = [radar.covers(safe) & flying for radar in radars]
    names = [getattr(radar, "name", f"radar {j}") for j, radar in enumerate(radars)]
    count = np.zeros(flying.shape, dtype=np.int64)
    if layer is not None:
        flat_t = np.nan_to_num(t_abs).reshape(-1)
        sats = layer.orbits.positions(flat_t)  # (N, T*K, 3)
        target = safe.reshape(-1, 3)
        view = in_view(sats, target, layer.off_nadir_max_rad)
        rng = np.linalg.norm(sats - target[None], axis=-1)
        intensity = _intensity(specs, traj, k, layer.band_m).reshape(-1)
        snr = irradiance_wpm2(intensity[None], rng) / nei_wpm2_from_w_per_cm2(layer.nei_w_per_cm2)
        detecting = view & (snr >= layer.snr_min) & flying.reshape(-1)[None]
        count = detecting.sum(axis=0).reshape(flying.shape)
        seen.append(count > 0)
        names.append(layer.name)
    return Coverage(tuple(names), tuple(s.name for s in specs), t_abs,
                    np.stack(seen) if seen else np.zeros((0, *flying.shape), dtype=bool),
                    count)  # fmt: skip
