"""Guidance plans of a glide vehicle: angle of attack and bank angle as functions of its state.

A plan is a small frozen description; ``threats.flyout`` turns a batch of plans into arrays and
evaluates the controls for the whole batch at once.

- free glide: constant angle of attack, bank 0; the vehicle skips and settles by itself.
- equilibrium glide: angle of attack modulated so that lift balances gravity less the
  centrifugal term, L = m (g - v^2/r) cos(gamma), with a damping term on the flight-path angle
  (the quasi-equilibrium glide condition, N. X. Vinh, "Hypersonic and Planetary Entry Flight
  Mechanics", 1980, ch. 4); held between ``alpha_min_rad`` and ``alpha_max_rad``.
- bank: none, constant, or a weave of sinusoidal bank reversals (amplitude, period, phase).
- terminal dive: from ``start_range_m`` of ground range to the target, proportional navigation
  on the line of sight to the target point replaces the glide law, its lift held to
  ``max_load_g``. A weaving threat keeps weaving in its dive: the lift vector that the
  navigation asks for is turned about the velocity by the weave's bank angle. A glider at
  5 km/s turns slowly in thin air: started at 60 km it overshoots, so the default start is
  300 km.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["BankPlan", "DivePlan", "GuidancePlan"]


@dataclass(frozen=True)
class BankPlan:
    """Bank angle law. ``kind`` is "none", "constant" (``bank_rad``) or "weave"
    (``amplitude_rad`` * sin(2 pi t / ``period_s`` + ``phase_rad``))."""

    kind: Literal["none", "constant", "weave"] = "none"
    bank_rad: float = 0.0
    amplitude_rad: float = 0.0
    period_s: float = 60.0
    phase_rad: float = 0.0


@dataclass(frozen=True)
class DivePlan:
    """Terminal dive onto a point: geodetic target and the ground range at which the dive starts."""

    target_lat_rad: float
    target_lon_rad: float
    target_alt_m: float = 0.0
    start_range_m: float = 300_000.0
    navigation_gain: float = 3.0
    max_load_g: float = 10.0
    alpha_max_rad: float = 0.4363323129985824  # 25 degrees: the dive may pull to the fit's top


@dataclass(frozen=True)
class GuidancePlan:
    """Angle of attack law, bank law and optional terminal dive of one glide vehicle."""

    alpha_rad: float
    glide: Literal["free", "equilibrium"] = "free"
    bank: BankPlan = BankPlan()
    dive: DivePlan | None = None
    alpha_min_rad: float = 0.0
    alpha_max_rad: float = 0.4363323129985824  # 25 degrees, the top of the CAV-H fit
