"""Ballistic re-entry vehicles: drag only, flown by the glide flyout unchanged.

A re-entry vehicle is described by its ballistic coefficient beta = m / (C_D A), held constant
(the usual first model of a ballistic entry: H. J. Allen & A. J. Eggers, "A study of the motion
and aerodynamic heating of ballistic missiles entering the earth's atmosphere at high supersonic
speeds", NACA Report 1381, 1958). Its drag deceleration is q / beta and it has no lift.

``reentry_vehicle(beta)`` makes it a ``GlideVehicle`` of mass beta kg, reference area 1 m^2 and
an aero model with C_L = 0 and C_D = 1, so that area / mass * C_D = 1 / beta; flown by
``threats.flyout.fly_threats`` with ``BALLISTIC`` guidance (angle of attack 0, no bank, no
dive) it is a ballistic body, with the same integrator and Earth as every other threat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaminari.threats.flyout import GlideStart, ThreatSpec
from kaminari.threats.guidance import GuidancePlan
from kaminari.threats.vehicles import GlideVehicle

__all__ = ["BALLISTIC", "RV_BODY_RADIUS_M", "ConstantDragAero", "reentry_specs", "reentry_vehicle"]

Array = NDArray[np.float64]

BALLISTIC = GuidancePlan(alpha_rad=0.0)
"""Guidance of a ballistic body: angle of attack 0 (held), no bank, no dive."""


@dataclass(frozen=True)
class ConstantDragAero:
    """No lift and a drag coefficient that depends on nothing: C_L = 0, C_D = ``cd``."""

    cd: float = 1.0

    @property
    def ballistic(self) -> bool:
        """No lift: the flyout labels its phases midcourse and dive by altitude."""
        return True

    def coefficients(self, mach: Array, alpha_rad: Array) -> tuple[Array, Array]:
        zero = np.zeros(np.broadcast_shapes(np.shape(mach), np.shape(alpha_rad)))
        return zero, zero + self.cd

    def alpha_for_lift(self, mach: Array, cl: Array) -> Array:
        return np.zeros(np.broadcast_shapes(np.shape(mach), np.shape(cl)))

    def kernel_coefficients(self) -> tuple[float, ...]:
        """(a0, a1, a2, a3, clip, b0, b1, b2, b3, b4) of the compiled flyout's aerodynamic form
        (``threats.vehicles``): no lift, C_D = b0."""
        return (0.0, 0.0, 0.0, 0.0, 0.0, self.cd, 0.0, 0.0, 0.0, 0.0)


RV_BODY_RADIUS_M = 0.3
"""Radius of a re-entry vehicle's body that a kinetic round must strike, m: a generic cone of
0.6 m base diameter (kaminari assumption, docs/assumptions.md)."""


def reentry_vehicle(beta_kgpm2: float, name: str = "rv") -> GlideVehicle:
    """A drag-only body of ballistic coefficient ``beta_kgpm2`` = m / (C_D A), kg/m^2."""
    if not beta_kgpm2 > 0.0:
        raise ValueError(f"a ballistic coefficient must be > 0 kg/m^2 (got {beta_kgpm2})")
    return GlideVehicle(
        name=name, mass_kg=float(beta_kgpm2), ref_area_m2=1.0, aero=ConstantDragAero(),
        body_radius_m=RV_BODY_RADIUS_M,
    )


def reentry_specs(
    names: Sequence[str],
    starts: Sequence[GlideStart],
    beta_kgpm2: float | Sequence[float],
    start_t_s: Sequence[float] | Array | None = None,
) -> list[ThreatSpec]:
    """Threat specs of re-entry vehicles released at ``starts`` (e.g.
    ``BoostTrajectories.release_starts()``), at ``start_t_s`` after the scenario epoch (e.g.
    ``BoostTrajectories.release_start_times_s()``), for ``threats.flyout.fly_threats``."""
    n = len(starts)
    betas = np.broadcast_to(np.asarray(beta_kgpm2, dtype=float), (n,))
    times = np.zeros(n) if start_t_s is None else np.asarray(start_t_s, dtype=float)
    return [
        ThreatSpec(name, reentry_vehicle(float(b)), start, BALLISTIC, float(t))
        for name, start, b, t in zip(names, starts, betas, times, strict=True)
    ]
