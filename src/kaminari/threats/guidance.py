"""Guidance plans of a glide vehicle: angle of attack and bank angle as functions of its state.

A plan is a small frozen description; ``threats.flyout`` turns a batch of plans into arrays and
evaluates the controls for the whole batch at once.

- free glide: constant angle of attack, bank 0; the vehicle skips and settles by itself.
- equilibrium glide: angle of attack modulated so that lift balances gravity less the
  centrifugal term, L = m (g - v^2/r) cos(gamma), with a damping term on the flight-path angle
  (the quasi-equilibrium glide condition, N. X. Vinh, "Hypersonic and Planetary Entry Flight
  Mechanics", 1980, ch. 4); held between ``alpha_min_rad`` and ``alpha_max_rad``.
- bank: none, constant, or a weave of sinusoidal bank reversals (amplitude, period, phase).
- limits (``Limits``): dynamic pressure, stagnation-point heat rate and aerodynamic load that
  the glide keeps within until its dive starts. The q and heat-rate limits give, at each speed,
  a largest density (so a lowest altitude): q <= q_max means rho <= 2 q_max / V^2, and the
  Sutton-Graves heat rate (``threats.heating``) within its limit means
  rho <= r_n (q_dot_max / (k V^3))^2. When the vehicle's log-density margin to that boundary,
  s = ln(rho_max) - ln(rho), shrinks, the guidance raises the angle of attack: it asks for the
  sink rate that lets s decay no faster than exp(-t / ``BARRIER_TAU_S``) to ``BARRIER_MARGIN``,
  reached with a vertical acceleration of time constant ``BARRIER_RESPONSE_S`` (a second-order
  barrier on the altitude margin; the glide's own law is kept wherever it asks for more lift),
  up to ``LIMIT_ALPHA_MAX_RAD``.
  The load limit caps the angle of attack so that sqrt(L^2 + D^2) <= n_max m g0.
- terminal phase: from ``start_range_m`` of ground range to the target the dive is armed. It
  starts when proportional navigation (P. Zarchan, "Tactical and Strategic Missile Guidance",
  6th ed., ch. 2) would ask for ``DIVE_DEMAND_FRACTION`` of the lift the vehicle can give there
  (its lift at the dive's top angle of attack, at most ``max_load_g``): the glide goes on while
  the remaining range still suits its speed, instead of diving at once. Without
  ``impact_angle_rad`` the dive is that navigation onto the target. With it, energy management
  in two steps: first proportional navigation onto a gate ``GATE_ALT_M`` above the target's
  horizon, back along the approach where the target lies below it at the angle from which the
  impact-angle law asks for no loft (a descent into denser air that bleeds speed and gives
  lift authority); then, from the first step end at which that law no longer asks for a loft,
  the optimal guidance law with a terminal impact-angle constraint of C.-K. Ryoo, H. Cho and
  M.-J. Tahk, "Optimal Guidance Laws with Terminal Impact Angle Constraint", J. Guidance,
  Control, and Dynamics 28(4), 2005 (weighted by time to go to the power
  ``IMPACT_WEIGHT_POWER``; 0 is the energy-optimal law), written in vector form with
  t_go = R / V, a curvature law that holds as the speed falls:
  a = (V^2 / R) [(n+2)(n+3) e_R - (n+1)(n+2) d_f] across the velocity, e_R the unit line of
  sight, d_f the commanded impact direction (at the impact angle below the target's horizon,
  along the approach). Gravity and the frame terms across the velocity are cancelled and the
  lift is held to ``max_load_g``. The law needs lift: a CAV-H gliding at 5 km/s reaches -45 deg
  within a degree with 25 g (tests/test_limits.py) but falls 3-10 km short and 6-12 deg shallow
  with the 10 g default; such misses are reported by ``kaminari flyout``.
  A weaving threat keeps weaving in its dive: the lift vector that the law asks for is turned
  about the velocity by the weave's bank angle. The dive may exceed the limits (they are
  reported, not enforced).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "BARRIER_MARGIN",
    "BARRIER_RESPONSE_S",
    "BARRIER_TAU_S",
    "DIVE_DEMAND_FRACTION",
    "GATE_ALT_M",
    "LIMIT_ALPHA_MAX_RAD",
    "IMPACT_WEIGHT_POWER",
    "BankPlan",
    "DivePlan",
    "GuidancePlan",
    "Limits",
]

BARRIER_MARGIN = 0.03
"""Log-density margin the limit barrier keeps to its boundary (3 % of density: 1.5 % of heat
rate, 3 % of dynamic pressure below their limits)."""
BARRIER_TAU_S = 20.0
"""Time constant of the log-density margin's fastest allowed decay, s."""
BARRIER_RESPONSE_S = 3.0
"""Time constant of the vertical acceleration that brings the sink rate to the allowed one, s."""
DIVE_DEMAND_FRACTION = 0.5
"""The dive starts when proportional navigation asks for this fraction of the lift available."""
LIMIT_ALPHA_MAX_RAD = 0.4363323129985824
"""How far the limits' barrier may raise the angle of attack: 25 deg, the top of the CAV-H fit
(above an equilibrium glide's own ``alpha_max_rad``)."""
GATE_ALT_M = 30_000.0
"""Height of the dive's gate above the target's horizon, m (see the module docstring)."""
IMPACT_WEIGHT_POWER = 0
"""n of Ryoo, Cho & Tahk's time-to-go weighting 1 / t_go^n (0 is the energy-optimal law)."""


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
    """Terminal dive onto a point: geodetic target, the ground range from which the dive is
    armed, and the commanded impact angle below the horizontal (radians, in (-pi/2, 0); None:
    proportional navigation with ``navigation_gain``, no angle commanded)."""

    target_lat_rad: float
    target_lon_rad: float
    target_alt_m: float = 0.0
    start_range_m: float = 300_000.0
    navigation_gain: float = 3.0
    max_load_g: float = 10.0
    alpha_max_rad: float = 0.4363323129985824  # 25 degrees: the dive may pull to the fit's top
    impact_angle_rad: float | None = None


@dataclass(frozen=True)
class Limits:
    """What the glide keeps within before its dive: dynamic pressure (Pa), stagnation-point
    heat rate (W/m^2) and aerodynamic load sqrt(L^2 + D^2) / (m g0). None: no limit."""

    q_max_pa: float | None = None
    heat_rate_max_wpm2: float | None = None
    load_max_g: float | None = None


@dataclass(frozen=True)
class GuidancePlan:
    """Angle of attack law, bank law, optional terminal dive and the limits of the glide."""

    alpha_rad: float
    glide: Literal["free", "equilibrium"] = "free"
    bank: BankPlan = BankPlan()
    dive: DivePlan | None = None
    alpha_min_rad: float = 0.0
    alpha_max_rad: float = 0.4363323129985824  # 25 degrees, the top of the CAV-H fit
    limits: Limits = Limits()
