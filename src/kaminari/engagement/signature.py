"""The threats' in-band infrared intensity at any time, for a space layer's frames.

A threat radiates from its hot body and, while a motor burns, from its plume
(``sensors.infrared``):

- body: the skin's radiative-equilibrium temperature with ``HEAT_FRACTION`` of the Sutton-Graves
  stagnation-point heat rate (``threats.heating``) at the threat's own air density (its
  dispersed atmosphere included) and speed, and its nose radius; a grey Lambertian body of
  emissivity ``EMISSIVITY`` and projected area its reference area (for the CAV-H this is
  ``CAV_H_RADIATING_AREA_M2``);
- plume: ``plume_intensity_w_per_sr`` of the stage that burns (its mass flow and vacuum exhaust
  speed), on the sample nearest the time.

Everything is batched over (replication, threat); truth enters here, inside the engagement.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from kaminari.dynamics.forces import air_state
from kaminari.earth.constants import G0_MPS2
from kaminari.engagement.truth import Truth
from kaminari.sensors.infrared import (
    HEAT_FRACTION,
    body_intensity_w_per_sr,
    plume_intensity_w_per_sr,
    radiative_equilibrium_temperature_k,
)
from kaminari.threats.flyout import ThreatSpec
from kaminari.threats.heating import stagnation_heat_rate_wpm2

__all__ = ["Signatures", "plume_table"]

Array = NDArray[np.float64]


def plume_table(specs: Sequence[ThreatSpec]) -> Array:
    """(M, S) each member's plume intensity (W/sr) with stage s burning; 0 without a booster
    (S: the most stages of any booster, at least 1)."""
    boosters = [s.launch.booster if s.launch is not None else None for s in specs]
    kinds = {id(b): b for b in boosters if b is not None}  # a few distinct boosters
    n_stages = max([len(b.stages) for b in kinds.values()], default=1)
    out = np.zeros((len(specs), n_stages))
    which = np.array([id(b) for b in boosters])
    for key, b in kinds.items():
        flow = np.array([s.mass_flow_kgps for s in b.stages])
        exhaust = np.array([s.isp_vac_s * G0_MPS2 for s in b.stages])
        out[which == key, : flow.size] = plume_intensity_w_per_sr(flow, exhaust)
    return out


class Signatures:
    """In-band intensities of the threats of ``truth`` (flown from ``member_specs``, one spec
    per member) in the band ``band_m`` (m)."""

    def __init__(
        self, truth: Truth, member_specs: Sequence[ThreatSpec], band_m: tuple[float, float]
    ) -> None:
        if len(member_specs) != truth.traj.r_ecef.shape[0]:
            raise ValueError(
                f"{len(member_specs)} specs for {truth.traj.r_ecef.shape[0]} flown members"
            )
        self.truth, self.band_m = truth, band_m
        self.nose_m = np.array([s.vehicle.nose_radius_m for s in member_specs])
        self.area_m2 = np.array([s.vehicle.ref_area_m2 for s in member_specs])
        self.density_scale = np.array([s.density_scale for s in member_specs])
        self.plume = plume_table(member_specs)
        traj = truth.traj
        self.dt_s = float(traj.t_s[1] - traj.t_s[0]) if traj.t_s.size > 1 else 1.0

    def intensity(self, t_s: float, r: Array, v: Array) -> Array:
        """(Rt, T) in-band intensity, W/sr, of the threats at ``t_s`` with true ECEF positions
        ``r`` and velocities ``v`` (Rt, T, 3) (NaN where not flying: 0 returned there)."""
        truth = self.truth
        member = truth.member
        member = np.broadcast_to(member, r.shape[:2])
        flying = np.isfinite(r[..., 0])
        out = np.zeros(r.shape[:2])
        m = member[flying]
        rf, vf = r[flying], v[flying]
        air = air_state(*rf.T, *vf.T)
        rho = air.density_kgpm3 * self.density_scale[m]
        q = stagnation_heat_rate_wpm2(rho, air.speed_mps, self.nose_m[m])
        temperature = radiative_equilibrium_temperature_k(HEAT_FRACTION * q)
        out[flying] = body_intensity_w_per_sr(
            np.maximum(temperature, 1.0), *self.band_m, area_m2=self.area_m2[m]
        )
        traj = truth.traj
        if traj.boost_stage is not None:
            k = np.rint((t_s - truth.start_t_s) / self.dt_s).astype(np.intp)  # (T,)
            k = np.clip(k, 0, traj.t_s.size - 1)
            kk = np.broadcast_to(k, member.shape)
            stage = traj.boost_stage[member, kk]
            on = traj.boost_plume[member, kk] & (stage >= 0) & flying
            plume = self.plume[member, np.clip(stage, 0, self.plume.shape[1] - 1)]
            out = out + np.where(on, plume, 0.0)
        return out
