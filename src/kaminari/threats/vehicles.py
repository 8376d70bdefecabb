"""Glide vehicles: mass, reference area and aerodynamic coefficients.

The CAV-H (Common Aero Vehicle, high lift-to-drag) is the open, generic hypersonic glide body of
T. H. Phillips, "A Common Aero Vehicle (CAV) Model, Description, and Employment Guide",
Schafer Corporation for AFRL and AFSPC, 27 January 2003: mass 907.2 kg (2,000 lb), reference
area 0.4839 m^2 (5.21 ft^2), maximum hypersonic lift-to-drag ratio about 3.5.

Its lift and drag coefficients are the curve fit in Mach number Ma and angle of attack alpha
(in degrees) that the open literature on glide-vehicle trajectory prediction uses for the CAV-H
(e.g. X. Zhang et al.; Z. Li et al., hypersonic glide trajectory prediction papers citing
Phillips 2003):

    CL = -0.2317 + 0.0513 alpha + 0.2945 exp(-0.1028 Ma)
    CD =  0.024  + 7.24e-4 alpha^2 + 0.406 exp(-0.323 Ma)

It is meant for Mach 3.5 to 25 and alpha 5 to 25 degrees; outside that we evaluate it as it
stands, clipped below at CL = 0 and CD = 0.024. At Mach 15 and 10 degrees it gives L/D = 3.46,
matching Phillips' quoted maximum of about 3.5.

Every aerodynamic model here is one form, which the compiled flyout evaluates from ten numbers
(``AeroModel.kernel_coefficients``), alpha in radians:

    CL = a0 + a1 alpha + a2 exp(a3 Ma)            (floored at 0 where ``clip`` is 1)
    CD = b0 + b1 alpha^2 + b2 exp(b3 Ma) + b4 CL

Nose radius (for the stagnation-point heat rate, ``threats.heating``): Phillips (2003) as
used in the open literature gives none that we could find; ``CAV_H_NOSE_RADIUS_M`` = 0.1 m is
kaminari's own assumption (docs/assumptions.md). The heat rate scales as r_n^-1/2.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "CAV_H",
    "CAV_H_NOSE_RADIUS_M",
    "VEHICLES",
    "AeroModel",
    "CavHAero",
    "ConstantLiftToDragAero",
    "GlideVehicle",
]

Array = NDArray[np.float64]
_RAD2DEG = 180.0 / np.pi


class AeroModel(Protocol):
    """Lift and drag coefficients of a lifting body, and the inverse of lift in angle of attack."""

    def coefficients(self, mach: Array, alpha_rad: Array) -> tuple[Array, Array]:
        """Lift and drag coefficients at Mach numbers and angles of attack (radians)."""
        ...

    def alpha_for_lift(self, mach: Array, cl: Array) -> Array:
        """Angle of attack (radians) that gives lift coefficient ``cl`` at ``mach``."""
        ...

    def kernel_coefficients(self) -> tuple[float, ...]:
        """(a0, a1, a2, a3, clip, b0, b1, b2, b3, b4) of the module docstring's form, which
        the compiled flyout evaluates; equal to ``coefficients``."""
        ...


@dataclass(frozen=True)
class CavHAero:
    """The CAV-H lift and drag fit (see the module docstring for the source)."""

    def coefficients(self, mach: Array, alpha_rad: Array) -> tuple[Array, Array]:
        alpha_deg = alpha_rad * _RAD2DEG
        cl = -0.2317 + 0.0513 * alpha_deg + 0.2945 * np.exp(-0.1028 * mach)
        cd = 0.024 + 7.24e-4 * alpha_deg * alpha_deg + 0.406 * np.exp(-0.323 * mach)
        return np.maximum(cl, 0.0), cd

    def alpha_for_lift(self, mach: Array, cl: Array) -> Array:
        return (cl + 0.2317 - 0.2945 * np.exp(-0.1028 * mach)) / (0.0513 * _RAD2DEG)

    def kernel_coefficients(self) -> tuple[float, ...]:
        a1, b1 = 0.0513 * _RAD2DEG, 7.24e-4 * _RAD2DEG * _RAD2DEG
        return (-0.2317, a1, 0.2945, -0.1028, 1.0, 0.024, b1, 0.406, -0.323, 0.0)


@dataclass(frozen=True)
class ConstantLiftToDragAero:
    """A body with lift linear in angle of attack and a fixed lift-to-drag ratio.

    CL = cl_per_rad * alpha, CD = CL / lift_to_drag + cd0. With cd0 = 0 the lift-to-drag ratio is
    the same at every angle of attack: the idealisation behind the analytic equilibrium-glide
    range (used by the tests and by what-if studies).
    """

    cl_per_rad: float
    lift_to_drag: float
    cd0: float = 0.0

    def coefficients(self, mach: Array, alpha_rad: Array) -> tuple[Array, Array]:
        cl = self.cl_per_rad * alpha_rad + 0.0 * mach
        return cl, cl / self.lift_to_drag + self.cd0

    def alpha_for_lift(self, mach: Array, cl: Array) -> Array:
        return cl / self.cl_per_rad + 0.0 * mach

    def kernel_coefficients(self) -> tuple[float, ...]:
        b4 = 1.0 / self.lift_to_drag
        return (0.0, self.cl_per_rad, 0.0, 0.0, 0.0, self.cd0, 0.0, 0.0, 0.0, b4)


CAV_H_NOSE_RADIUS_M = 0.1
"""Effective nose radius of the CAV-H for its stagnation-point heat rate, m: kaminari's own
assumption (no public figure found; docs/assumptions.md)."""


@dataclass(frozen=True)
class GlideVehicle:
    """A point-mass lifting body: name, mass (kg), aerodynamic reference area (m^2), aero model,
    the effective nose radius (m) of its stagnation-point heat rate, and the radius of the body
    a kinetic round must strike (m; None: that of a disc of the reference area,
    sqrt(S / pi), 0.39 m for the CAV-H: kaminari's assumption, docs/assumptions.md)."""

    name: str
    mass_kg: float
    ref_area_m2: float
    aero: AeroModel
    nose_radius_m: float = CAV_H_NOSE_RADIUS_M
    body_radius_m: float | None = None

    @property
    def class_numbers(self) -> tuple[float, ...]:
        """What a tracker may be told of this class (``TrackerConfig.class_aero``): the ten
        numbers of its aerodynamic form (``AeroModel.kernel_coefficients``) and its reference
        area over mass (m^2/kg)."""
        return (*self.aero.kernel_coefficients(), self.ref_area_m2 / self.mass_kg)

    @property
    def strike_radius_m(self) -> float:
        """The body radius a hit-to-kill round must come within (with its own radius)."""
        if self.body_radius_m is not None:
            return float(self.body_radius_m)
        return float(np.sqrt(self.ref_area_m2 / np.pi))


CAV_H = GlideVehicle(
    name="cav-h",
    mass_kg=907.2,
    ref_area_m2=0.4839,
    aero=CavHAero(),
    nose_radius_m=CAV_H_NOSE_RADIUS_M,
)

VEHICLES: dict[str, GlideVehicle] = {CAV_H.name: CAV_H}
"""Vehicles a scenario may name, by their scenario name."""
