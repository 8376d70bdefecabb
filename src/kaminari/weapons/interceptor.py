"""Surface-to-air interceptor missiles: a generic SM-6-class two-stage missile flown as a point
mass over the rotating Earth, from a vertical launch to its closest approach to a target.

Published figures of the class (``SM6_CLASS``):

- length about 6.6 m, body diameter 0.34 m (13.5 in), booster diameter 0.53 m (21 in), launch
  mass about 1,500 kg, speed Mach 3.5, range 130 nmi (240 km), a Mk 72 booster under a Mk 104
  dual-thrust rocket motor: CSIS Missile Defense Project, "Standard Missile-6 (SM-6)", Missile
  Threat (missilethreat.csis.org, updated 2021), and the US Navy fact file "Standard Missile"
  (navy.mil, Fact Files). Other open sources quote up to 370 km for later blocks; this model is
  sized to the 240 km figure.
- cost: about US$4 million a round for SM-6 Block IA in full-rate production (US Navy, Weapons
  Procurement, Navy, budget justification books, FY2022-FY2024 "Standard Missile" line; R.
  O'Rourke, "Navy Aegis Ballistic Missile Defense (BMD) Program", Congressional Research Service
  RL33745).

Everything else is a **kaminari assumption** (docs/assumptions.md): the split of the 1,500 kg
between the stages and their propellant, Isp, burn times, the drag curve, the normal-force
limit, the structural load limit, the booster's thrust-vector deflection, the reaction time, the
magazine, the guidance constants (``InterceptorGuidance``) and the 450 m/s (about Mach 1.5 high
up) below which ``max_range_m`` counts a missile as spent. The stage masses, propellant and
burn times were chosen so that the model's own flyout gives the published range and speed
(tests/test_interceptor.py); they are not the motors' data. ``cn_max`` 10 at 20 deg is of the
order that Fleeman's normal-force build-up (body plus long-chord strakes plus tails) gives a
19-calibre body; with it the missile can still pull about 2 g at Mach 3.4 and 30 km.

Model:

- **Propulsion.** The booster burns at a constant flow m_p / t_b, is dropped at burnout, and
  after ``staging_coast_s`` the sustainer's dual-thrust motor burns a boost grain then a sustain
  grain, each at its own constant flow. Thrust F = mdot g0 Isp (one delivered Isp per motor, no
  ambient-pressure term) acts along the air-relative velocity; the mass is a piecewise linear
  function of the time since launch, so it falls by exactly the propellant burnt.
- **Drag.** D = q C_D(Mach) S, S the cross-section of the booster while it is on and of the
  body after. C_D(Mach) is a generic slender-missile zero-lift curve on that area, shaped after
  the drag build-up (skin friction, wave and base drag) of E. L. Fleeman, "Tactical Missile
  Design", 2nd ed., AIAA, 2006, ch. 2: a subsonic level, a transonic peak near Mach 1.1-1.2 and
  a fall as 1/M above; the values are kaminari's.
- **Manoeuvre limit.** The normal acceleration the airframe can pull is
  a_max = min(n_struct g0, q S CN_max / m + F sin(delta_max) / m): the aerodynamic part falls
  with dynamic pressure at altitude; the booster's thrust-vector control adds its part while it
  burns (that is what turns a vertically launched missile over at low speed). Pulling a_aero
  at an angle of attack alpha = alpha_max a_aero / (q S CN_max / m) costs an induced drag
  a_aero tan(alpha); the thrust-vector part costs F (1 - cos delta) / m of axial thrust.
- **Forces of the Earth.** J2 gravity and the Coriolis and centrifugal terms
  (``kaminari.dynamics.forces.frame_acceleration``), the US 1976 atmosphere and Mach
  (``kaminari.dynamics.forces.air_state``).
- **Guidance** (``InterceptorGuidance``): a vertical rise; then midcourse steering of the
  velocity towards a predicted intercept point (the target extrapolated in a straight line over
  the time the missile needs at ``midcourse_speed_mps``), with gravity cancelled across the
  velocity; within ``terminal_range_m`` of the target, or ``terminal_time_s`` of it at the
  present closing speed (a 3 km/s glide vehicle meets a Mach 3 missile at 4-5 km/s, so 20 km is
  only 4 s of homing), augmented proportional navigation
  a = N' V_c (Omega x e_los) + N'/2 a_rel across the line of sight (P. Zarchan, "Tactical and
  Strategic Missile Guidance", 6th ed., AIAA, 2012, ch. 2 and 8;
  ``kaminari.weapons.guided.pn_acceleration``), a_rel the target's acceleration less the
  missile's own uncontrolled acceleration (gravity, the frame terms, thrust less zero-lift
  drag along its velocity), which compensates gravity across the line of sight. The missile
  can only pull across its own velocity e_v, so the law's command a_c (across the line of sight
  e_los) is flown as a_c - (a_c . e_v) / (e_los . e_v) e_los: across e_v, with the same part
  across the line of sight; plain PN less the projection loses the part along e_v, which is
  large at the lead angles of a slow missile against a fast target. The seeker is perfect: the
  guidance reads the target's true position and velocity at each step, and its acceleration as
  the second-order backward difference of the velocities it has read (standing for the
  seeker's or track's estimate). The command is held over a step and limited to a_max as the
  state changes within it.
- **Integration.** Classical RK4, compiled with numba member by member (the members are
  independent): ``fly_interceptors`` runs its whole time loop, guidance included, in one
  compiled kernel, ``fly_programmes`` a Python loop over time steps with the compiled step. At
  the kill chain's 1-20 missiles numpy's per-call overhead on tiny arrays had cost about
  0.75 ms a step, 100 times the compiled step. A step that straddles an event of a member
  (launch, burnout, ignition) is split at the event, so no RK4 stage sees a jump in thrust or
  mass.

Range: ``max_range_m`` flies pitch programmes (vertical rise, turn to a climb angle, zero-lift
coast to the top, then a glide at the lift of best lift-to-drag ratio, never more than level
flight needs) and keeps the farthest ground range at which the missile still has a minimum
speed, or reaches the ground. ``engagement_envelope_m`` reads the same flyouts for the farthest
ground range at which a target altitude is reached within a time of flight.

Conventions as the rest of kaminari: SI inside, radians, ECEF, batch axes first in results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from kaminari.dynamics.forces import (
    ATMOSPHERE_TABLE,
    EARTH,
    AirState,
    Environment,
    air_kernel,
    air_state,
    frame_acceleration,
)
from kaminari.earth.constants import DEG, G0_MPS2
from kaminari.earth.frames import ecef2geodetic, enu_rotation, geodetic2ecef
from kaminari.earth.geodesy import ground_range_m
from kaminari.earth.gravity import frame_kernel
from kaminari.weapons.lethality import closest_approach

__all__ = [
    "SM6_CLASS",
    "InterceptorFlight",
    "InterceptorGuidance",
    "InterceptorSpec",
    "ProgrammeFlight",
    "available_acceleration_mps2",
    "engagement_envelope_m",
    "fly_interceptors",
    "fly_programmes",
    "max_range_m",
]

Array = NDArray[np.float64]

GENERIC_MISSILE_CD: tuple[tuple[float, float], ...] = (
    (0.0, 0.35),
    (0.8, 0.37),
    (1.0, 0.52),
    (1.2, 0.55),
    (1.5, 0.50),
    (2.0, 0.43),
    (3.0, 0.34),
    (4.0, 0.29),
    (5.0, 0.26),
)
"""Zero-lift drag coefficient of a slender finned missile against Mach on its cross-section,
power off: kaminari's generic curve, shaped after Fleeman (2006, ch. 2) as in the module
docstring; held constant beyond the ends."""


def _positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0.0):
        raise ValueError(f"InterceptorSpec.{name} must be a finite number > 0; got {value!r}")


@dataclass(frozen=True)
class InterceptorSpec:
    """A two-stage boost-sustain surface-to-air missile.

    Booster: loaded mass and propellant (kg), burn time (s), delivered Isp (s), diameter (m)
    and the largest thrust-vector deflection (rad). Sustainer (the missile after separation,
    warhead and seeker included): loaded mass and propellant (kg), the share of that propellant
    in the boost grain of its dual-thrust motor, the two grains' burn times (s), its Isp (s) and
    its body diameter (m). ``staging_coast_s`` separates booster burnout from sustainer
    ignition. Aerodynamics: ``cd_mach`` pairs (Mach, C_D), Mach ascending, on the cross-section
    of the stage in front; ``cn_max`` the largest normal-force coefficient on that area, reached
    at ``alpha_max_rad``; ``structural_g`` the load limit. Use: ``reaction_time_s`` from a fire
    decision to launch, ``magazine`` rounds per launcher, ``cost_usd`` a round.
    ``published_range_m`` and ``published_mach`` are the open figures the model is sized to.
    """

    name: str
    length_m: float
    booster_mass_kg: float
    booster_propellant_kg: float
    booster_burn_s: float
    booster_isp_s: float
    booster_diameter_m: float
    booster_tvc_rad: float
    staging_coast_s: float
    sustainer_mass_kg: float
    sustainer_propellant_kg: float
    sustainer_boost_fraction: float
    sustainer_boost_s: float
    sustainer_sustain_s: float
    sustainer_isp_s: float
    body_diameter_m: float
    cd_mach: tuple[tuple[float, float], ...] = GENERIC_MISSILE_CD
    cn_max: float = 10.0
    alpha_max_rad: float = 20.0 * DEG
    structural_g: float = 30.0
    reaction_time_s: float = 8.0
    magazine: int = 8
    cost_usd: float = 4.0e6
    published_range_m: float = 240e3
    published_mach: float = 3.5
    source: str = ""

    def __post_init__(self) -> None:
        for name in (
            "length_m", "booster_mass_kg", "booster_propellant_kg", "booster_burn_s",
            "booster_isp_s", "booster_diameter_m", "sustainer_mass_kg",
            "sustainer_propellant_kg", "sustainer_boost_s", "sustainer_sustain_s",
            "sustainer_isp_s", "body_diameter_m", "cn_max", "alpha_max_rad", "structural_g",
            "published_range_m", "published_mach",
        ):  # fmt: skip
            _positive(name, getattr(self, name))
        if self.booster_propellant_kg >= self.booster_mass_kg:
            raise ValueError(
                "InterceptorSpec.booster_propellant_kg must be < booster_mass_kg; got "
                f"{self.booster_propellant_kg} >= {self.booster_mass_kg}"
            )
        if self.sustainer_propellant_kg >= self.sustainer_mass_kg:
            raise ValueError(
                "InterceptorSpec.sustainer_propellant_kg must be < sustainer_mass_kg; got "
                f"{self.sustainer_propellant_kg} >= {self.sustainer_mass_kg}"
            )
        if not 0.0 < self.sustainer_boost_fraction < 1.0:
            raise ValueError(
                "InterceptorSpec.sustainer_boost_fraction must be in (0, 1); got "
                f"{self.sustainer_boost_fraction!r}"
            )
        if not 0.0 <= self.booster_tvc_rad < 0.5 * math.pi:
            raise ValueError(
                "InterceptorSpec.booster_tvc_rad must be in [0, pi/2); got "
                f"{self.booster_tvc_rad!r}"
            )
        if not self.alpha_max_rad < 0.5 * math.pi:
            raise ValueError(
                f"InterceptorSpec.alpha_max_rad must be < pi/2; got {self.alpha_max_rad!r}"
            )
        for name in ("staging_coast_s", "reaction_time_s", "cost_usd"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise ValueError(
                    f"InterceptorSpec.{name} must be a finite number >= 0; got {value!r}"
                )
        if self.magazine < 1:
            raise ValueError(f"InterceptorSpec.magazine must be >= 1; got {self.magazine!r}")
        mach = [m for m, _ in self.cd_mach]
        cds = [c for _, c in self.cd_mach]
        if (
            not mach
            or any(b <= a for a, b in zip(mach, mach[1:], strict=False))
            or any(not c > 0.0 for c in cds)
        ):
            raise ValueError(
                "InterceptorSpec.cd_mach needs (Mach, C_D) pairs with Mach strictly ascending "
                f"and C_D > 0; got {self.cd_mach!r}"
            )

    @property
    def launch_mass_kg(self) -> float:
        return self.booster_mass_kg + self.sustainer_mass_kg

    @property
    def booster_area_m2(self) -> float:
        return 0.25 * math.pi * self.booster_diameter_m**2

    @property
    def body_area_m2(self) -> float:
        return 0.25 * math.pi * self.body_diameter_m**2

    @property
    def burnout_time_s(self) -> float:
        """End of the sustain grain after launch."""
        return float(_phases(self).start_s[-1])

    def ideal_delta_v_mps(self) -> tuple[float, float]:
        """Each stage's rocket-equation delta-v Isp g0 ln(m0 / m1) (Tsiolkovsky), m/s: the
        booster with the sustainer on top, then the sustainer's two grains together."""
        m0 = self.launch_mass_kg
        dv1 = self.booster_isp_s * G0_MPS2 * math.log(m0 / (m0 - self.booster_propellant_kg))
        m2 = self.sustainer_mass_kg
        dv2 = self.sustainer_isp_s * G0_MPS2 * math.log(m2 / (m2 - self.sustainer_propellant_kg))
        return dv1, dv2


SM6_CLASS = InterceptorSpec(
    name="sm6-class",
    length_m=6.6,
    booster_mass_kg=720.0,
    booster_propellant_kg=470.0,
    booster_burn_s=6.0,
    booster_isp_s=250.0,
    booster_diameter_m=0.53,
    booster_tvc_rad=10.0 * DEG,
    staging_coast_s=0.5,
    sustainer_mass_kg=780.0,
    sustainer_propellant_kg=200.0,
    sustainer_boost_fraction=0.4,
    sustainer_boost_s=8.0,
    sustainer_sustain_s=22.0,
    sustainer_isp_s=255.0,
    body_diameter_m=0.34,
    source=(
        "Length 6.6 m, diameters 0.34 / 0.53 m, launch mass 1,500 kg, Mach 3.5, range 130 nmi "
        "(240 km), Mk 72 booster and Mk 104 dual-thrust motor: CSIS Missile Threat, 'Standard "
        "Missile-6 (SM-6)', and the US Navy fact file 'Standard Missile'. About US$4 million a "
        "round (SM-6 Block IA): US Navy Weapons Procurement budget justification, FY2022-24, "
        "and CRS RL33745. Stage split (booster 720 kg with 470 kg propellant, 6 s, Isp 250 s, "
        "TVC 10 deg; sustainer 780 kg with 200 kg propellant, 40 % in an 8 s boost grain and the "
        "rest in a 22 s sustain grain, Isp 255 s; 0.5 s staging coast), the drag curve, CN_max 10 "
        "at 20 deg, 30 g, reaction time 8 s and a magazine of 8: kaminari assumptions, sized to "
        "the published range and speed."
    ),
)
"""A generic SM-6-class interceptor from open figures (module docstring)."""


@dataclass(frozen=True)
class InterceptorGuidance:
    """Guidance of an interceptor: vertical rise (s) before any turn; midcourse heading gain
    (1/s: the turn rate per radian of heading error) and the speed (m/s) the predicted
    intercept point is computed with; proportional-navigation gain N' and the range (m) from
    the target, or the time (s) to it at the present closing speed (range / closing speed),
    within which it takes over, whichever comes first. ``pitch_gain_ps`` is the heading gain of
    the pitch programmes ``fly_programmes`` flies."""

    vertical_rise_s: float = 1.0
    midcourse_gain_ps: float = 1.0
    midcourse_speed_mps: float = 900.0
    nav_gain: float = 4.0
    terminal_range_m: float = 20_000.0
    pitch_gain_ps: float = 1.0
    terminal_time_s: float = 10.0

    def __post_init__(self) -> None:
        for name in (
            "midcourse_gain_ps", "midcourse_speed_mps", "nav_gain", "terminal_range_m",
            "pitch_gain_ps", "terminal_time_s",
        ):  # fmt: skip
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0.0):
                raise ValueError(
                    f"InterceptorGuidance.{name} must be a finite number > 0; got {value!r}"
                )
        if not (math.isfinite(self.vertical_rise_s) and self.vertical_rise_s >= 0.0):
            raise ValueError(
                "InterceptorGuidance.vertical_rise_s must be a finite number >= 0; got "
                f"{self.vertical_rise_s!r}"
            )


class _Phases(NamedTuple):
    """Propulsion phases after launch: start time (s), mass at the start (kg), mass flow (kg/s),
    Isp (s), drag reference area (m^2), thrust-vector limit (rad); the last phase is the coast
    after the sustain grain."""

    start_s: Array
    mass0_kg: Array
    mdot_kgps: Array
    isp_s: Array
    area_m2: Array
    tvc_rad: Array


def _phases(spec: InterceptorSpec) -> _Phases:
    tb = spec.booster_burn_s
    t2 = tb + spec.staging_coast_s
    tbb, tbs = spec.sustainer_boost_s, spec.sustainer_sustain_s
    mp_b = spec.sustainer_boost_fraction * spec.sustainer_propellant_kg
    mp_s = spec.sustainer_propellant_kg - mp_b
    m2 = spec.sustainer_mass_kg
    sb, sa = spec.booster_area_m2, spec.body_area_m2
    return _Phases(
        start_s=np.array([0.0, tb, t2, t2 + tbb, t2 + tbb + tbs]),
        mass0_kg=np.array([spec.launch_mass_kg, m2, m2, m2 - mp_b, m2 - mp_b - mp_s]),
        mdot_kgps=np.array([spec.booster_propellant_kg / tb, 0.0, mp_b / tbb, mp_s / tbs, 0.0]),
        isp_s=np.array([spec.booster_isp_s, 0.0, spec.sustainer_isp_s, spec.sustainer_isp_s, 0.0]),
        area_m2=np.array([sb, sa, sa, sa, sa]),
        tvc_rad=np.array([spec.booster_tvc_rad, 0.0, 0.0, 0.0, 0.0]),
    )


def _phase_index(ph: _Phases, tau_s: Array) -> NDArray[np.intp]:
    """Phase of each member at times since launch ``tau_s``; -1 before launch."""
    return np.searchsorted(ph.start_s, tau_s, side="right") - 1  # type: ignore[no-any-return]


class _Propulsion(NamedTuple):
    mass_kg: Array
    thrust_n: Array
    area_m2: Array
    tvc_rad: Array


def _propulsion(ph: _Phases, i: NDArray[np.intp], tau_s: Array) -> _Propulsion:
    j = np.maximum(i, 0)
    mdot = ph.mdot_kgps[j]
    mass = ph.mass0_kg[j] - mdot * np.maximum(tau_s - ph.start_s[j], 0.0)
    return _Propulsion(mass, mdot * G0_MPS2 * ph.isp_s[j], ph.area_m2[j], ph.tvc_rad[j])


def available_acceleration_mps2(
    spec: InterceptorSpec,
    q_pa: ArrayLike,
    mass_kg: ArrayLike,
    area_m2: ArrayLike | None = None,
    thrust_n: ArrayLike = 0.0,
    tvc_rad: ArrayLike = 0.0,
) -> Array:
    """The normal acceleration (m/s^2) the airframe can pull, broadcast over its arguments:
    min(structural_g g0, q S CN_max / m + F sin(delta_max) / m), with dynamic pressure ``q_pa``
    (Pa), mass (kg), reference area S (m^2; the body's by default), thrust F (N) and
    thrust-vector limit (rad; 0 after the booster). The aerodynamic part is proportional to q."""
    area = spec.body_area_m2 if area_m2 is None else np.asarray(area_m2, dtype=float)
    m = np.asarray(mass_kg, dtype=float)
    aero = np.asarray(q_pa, dtype=float) * area * spec.cn_max / m
    tvc = np.asarray(thrust_n, dtype=float) * np.sin(np.asarray(tvc_rad, dtype=float)) / m
    return np.minimum(spec.structural_g * G0_MPS2, aero + tvc)  # type: ignore[no-any-return]


class _Model:
    """Equations of motion of a batch of interceptors with a lateral command held over a step:
    the spec, the environment and the propulsion phases packed as plain arrays for the
    compiled kernels (``_derivative_kernel``)."""

    def __init__(self, spec: InterceptorSpec, env: Environment, gravity: bool) -> None:
        self.spec = spec
        self.ph = _phases(spec)
        self.env = env
        self.gravity = gravity
        table = np.asarray(spec.cd_mach, dtype=float)
        self.cd_m, self.cd_v = table[:, 0].copy(), table[:, 1].copy()
        self.ph_table = np.ascontiguousarray(np.stack(self.ph, axis=1))
        self.prm = np.array([
            spec.structural_g * G0_MPS2, spec.cn_max, spec.alpha_max_rad, env.omega_rps,
            env.k_j2_m2, float(env.atmosphere), float(gravity),
        ])  # fmt: skip

    def frame(self, y: Array) -> tuple[Array, Array, Array]:
        if not self.gravity:
            z = np.zeros_like(y[0])
            return z, z, z
        return frame_acceleration(y[0], y[1], y[2], y[3], y[4], y[5], self.env)


def _velocity_direction(y: Array, air: AirState) -> Array:
    """Unit air-relative velocity (3, N); local up for a member at rest (on the pad)."""
    v = y[3:]
    speed = air.speed_mps
    slow = speed < 1e-6
    up = np.stack([air.upx, air.upy, air.upz])
    return np.where(slow, up, v / np.where(slow, 1.0, speed))


# The per-step work below is compiled and runs member by member: the kill chain flies 1-20
# missiles for hundreds of 0.05 s steps, where numpy's call overhead on tiny arrays (about
# 0.75 ms a step) dominated. ``prm`` packs (structural limit m/s^2, CN_max, alpha_max, Earth
# rate, 1.5 J2 a^2, atmosphere on, gravity on); ``ph`` the propulsion phases (5, 6) as the
# columns of ``_Phases``.
_ST, _MASS0, _MDOT, _ISP, _AREA, _TVC = range(6)


@njit(cache=True, inline="always")
def _interp_kernel(x: float, xp: Array, fp: Array) -> float:
    """``np.interp`` for one point: linear between the nodes, held beyond the ends."""
    n = xp.shape[0]
    if not x > xp[0]:
        return fp[0] if x <= xp[0] else x  # NaN stays NaN
    if x >= xp[n - 1]:
        return fp[n - 1]
    j = np.searchsorted(xp, x, side="right") - 1
    return (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j]) * (x - xp[j]) + fp[j]


@njit(cache=True, inline="always")
def _propulsion_kernel(ph: Array, i: int, tau: float) -> tuple[float, float, float, float]:
    """Mass (kg), thrust (N), reference area (m^2) and thrust-vector limit (rad) in phase
    ``i`` (-1 before launch, which reads as the first) at ``tau`` s since launch."""
    j = max(i, 0)
    mdot = ph[j, _MDOT]
    mass = ph[j, _MASS0] - mdot * max(tau - ph[j, _ST], 0.0)
    return mass, mdot * G0_MPS2 * ph[j, _ISP], ph[j, _AREA], ph[j, _TVC]


@njit(cache=True, inline="always")
def _phase_kernel(ph: Array, tau: float) -> int:
    return int(np.searchsorted(ph[:, _ST], tau, side="right")) - 1


@njit(cache=True, inline="always")
def _air_kernel(
    y: Array, table: Array, prm: Array
) -> tuple[float, float, float, float, float, float, float, float, float, float]:
    """(altitude, up x, y, z, speed, Mach, dynamic pressure, e_v x, y, z) of one state: the
    unit air-relative velocity e_v is local up for a member at rest."""
    alt, upx, upy, upz, speed, rho, sound, _ = air_kernel(
        y[0], y[1], y[2], y[3], y[4], y[5], table, prm[5] > 0.0, 1.0
    )
    q = 0.5 * rho * (y[3] * y[3] + y[4] * y[4] + y[5] * y[5])
    if speed < 1e-6:
        ex, ey, ez = upx, upy, upz
    else:
        ex, ey, ez = y[3] / speed, y[4] / speed, y[5] / speed
    return alt, upx, upy, upz, speed, speed / sound, q, ex, ey, ez


@njit(cache=True, inline="always")
def _frame(y: Array, prm: Array) -> tuple[float, float, float]:
    if prm[6] == 0.0:
        return 0.0, 0.0, 0.0
    return frame_kernel(y[0], y[1], y[2], y[3], y[4], y[5], prm[3], prm[4])


@njit(cache=True, error_model="numpy")
def _derivative_kernel(
    tau: float, y: Array, phase: int, cmd: Array, out: Array,
    ph: Array, cd_m: Array, cd_v: Array, table: Array, prm: Array,
) -> None:  # fmt: skip
    """d/dt of one state ``y`` (6,) into ``out`` at ``tau`` s since launch in propulsion
    ``phase``, with the lateral acceleration command ``cmd`` (3,) in ECEF (its part along the
    velocity is ignored): the model of the module docstring."""
    if phase < 0:
        out[:] = 0.0
        return
    m, thrust, area, tvc = _propulsion_kernel(ph, phase, tau)
    _, _, _, _, _, mach, q, ex, ey, ez = _air_kernel(y, table, prm)
    # the lateral command, across the velocity, limited to what the airframe can pull now
    c_along = cmd[0] * ex + cmd[1] * ey + cmd[2] * ez
    lx, ly, lz = cmd[0] - c_along * ex, cmd[1] - c_along * ey, cmd[2] - c_along * ez
    a_des = math.sqrt(lx * lx + ly * ly + lz * lz)
    a_aero_max = q * area * prm[1] / m
    a_tvc_max = thrust * math.sin(tvc) / m
    a_lat = min(min(a_des, prm[0]), a_aero_max + a_tvc_max)
    a_aero = min(a_lat, a_aero_max)
    a_tvc = a_lat - a_aero
    alpha = prm[2] * a_aero / a_aero_max if a_aero_max > 0.0 else 0.0
    sin_d = min(a_tvc * m / thrust, 1.0) if thrust > 0.0 else 0.0
    u_lat = a_lat / a_des if a_des > 0.0 else 0.0
    cd = _interp_kernel(mach, cd_m, cd_v)
    axial = (
        thrust * math.sqrt(1.0 - sin_d * sin_d) / m - q * cd * area / m - a_aero * math.tan(alpha)
    )
    fx, fy, fz = _frame(y, prm)
    out[0], out[1], out[2] = y[3], y[4], y[5]
    out[3] = fx + axial * ex + u_lat * lx
    out[4] = fy + axial * ey + u_lat * ly
    out[5] = fz + axial * ez + u_lat * lz


@njit(cache=True, error_model="numpy")
def _step_kernel(
    tau_s: float, y: Array, dt_s: float, cmd: Array, out: Array,
    ph: Array, cd_m: Array, cd_v: Array, table: Array, prm: Array,
) -> None:  # fmt: skip
    """Advance one state ``y`` (6,) by ``dt_s`` from ``tau_s`` s since launch into ``out`` by
    classical RK4, splitting the step at any launch, burnout or ignition inside it."""
    events = ph[:, _ST]
    n_e = events.shape[0]
    eps = 1e-9 * dt_s
    k1, k2, k3, k4, ys = np.empty(6), np.empty(6), np.empty(6), np.empty(6), np.empty(6)
    out[:] = y
    remaining, tau = dt_s, tau_s
    while remaining > eps:
        k = int(np.searchsorted(events, tau + eps, side="right"))
        next_e = events[k] if k < n_e else np.inf
        h = remaining if next_e - tau >= remaining - eps else next_e - tau
        phase = _phase_kernel(ph, tau + 0.5 * h)
        half = 0.5 * h
        _derivative_kernel(tau, out, phase, cmd, k1, ph, cd_m, cd_v, table, prm)
        for i in range(6):
            ys[i] = out[i] + half * k1[i]
        _derivative_kernel(tau + half, ys, phase, cmd, k2, ph, cd_m, cd_v, table, prm)
        for i in range(6):
            ys[i] = out[i] + half * k2[i]
        _derivative_kernel(tau + half, ys, phase, cmd, k3, ph, cd_m, cd_v, table, prm)
        for i in range(6):
            ys[i] = out[i] + h * k3[i]
        _derivative_kernel(tau + h, ys, phase, cmd, k4, ph, cd_m, cd_v, table, prm)
        for i in range(6):
            out[i] = out[i] + (h / 6.0) * (k1[i] + 2.0 * (k2[i] + k3[i]) + k4[i])
        tau += h
        remaining -= h


@njit(cache=True, error_model="numpy")
def _steps_kernel(
    tau_s: Array, y: Array, dt_s: float, cmd: Array, out: Array,
    ph: Array, cd_m: Array, cd_v: Array, table: Array, prm: Array,
) -> None:  # fmt: skip
    for i in range(y.shape[0]):
        _step_kernel(tau_s[i], y[i], dt_s, cmd[i], out[i], ph, cd_m, cd_v, table, prm)


def _step(model: _Model, tau_s: Array, y: Array, dt_s: float, cmd: Array) -> Array:
    """Advance every member (states ``y`` (6, N), commands ``cmd`` (3, N)) by ``dt_s`` from its
    time since launch ``tau_s`` (N,), splitting the step at any launch, burnout or ignition
    inside it (``_step_kernel``)."""
    out = np.empty((y.shape[1], 6))
    _steps_kernel(
        np.ascontiguousarray(tau_s, dtype=float), np.ascontiguousarray(y.T), dt_s,
        np.ascontiguousarray(cmd.T), out,
        model.ph_table, model.cd_m, model.cd_v, ATMOSPHERE_TABLE, model.prm,
    )  # fmt: skip
    return out.T


class _Snapshot(NamedTuple):
    air: AirState
    ev: Array
    mass_kg: Array
    a_max_mps2: Array
    frame: Array
    axial_mps2: Array


def _snapshot(model: _Model, tau_s: Array, y: Array) -> _Snapshot:
    """What guidance and the record need at a step point."""
    p = _propulsion(model.ph, _phase_index(model.ph, tau_s), tau_s)
    air = air_state(y[0], y[1], y[2], y[3], y[4], y[5], model.env)
    a_max = available_acceleration_mps2(
        model.spec, air.q_pa, p.mass_kg, p.area_m2, p.thrust_n, p.tvc_rad
    )
    cd = np.interp(air.mach, model.cd_m, model.cd_v)
    axial = (p.thrust_n - air.q_pa * cd * p.area_m2) / p.mass_kg
    return _Snapshot(
        air, _velocity_direction(y, air), p.mass_kg, a_max, np.stack(model.frame(y)), axial
    )


def _across(a: Array, ev: Array) -> Array:
    """The part of ``a`` (3, N) across the unit vectors ``ev`` (3, N)."""
    return a - np.einsum("in,in->n", a, ev) * ev


def _site(lat_rad: float, lon_rad: float, alt_m: float) -> tuple[Array, Array]:
    r0 = geodetic2ecef(lat_rad, lon_rad, alt_m)
    return r0, enu_rotation(lat_rad, lon_rad)


@dataclass(frozen=True)
class InterceptorFlight:
    """Flown interceptors: ``t_s`` (K,); ``r_ecef``, ``v_ecef`` (M, K, 3); ``alt_m``,
    ``speed_mps``, ``mach``, ``mass_kg``, ``available_g`` (the manoeuvre limit a_max / g0) and
    ``valid`` (M, K), the series NaN before launch and after the missile stopped (ground, or
    past its target); ``miss_m`` and ``t_ca_s`` (M,) the closest approach to the target
    (``kaminari.weapons.lethality.closest_approach``), NaN where there was none."""

    t_s: Array
    r_ecef: Array
    v_ecef: Array
    alt_m: Array
    speed_mps: Array
    mach: Array
    mass_kg: Array
    available_g: Array
    valid: NDArray[np.bool_]
    miss_m: Array
    t_ca_s: Array


def fly_interceptors(
    lat_rad: float,
    lon_rad: float,
    alt_m: float,
    target_r_ecef: ArrayLike,
    target_v_ecef: ArrayLike,
    dt_s: float,
    launch_t_s: ArrayLike = 0.0,
    t0_s: float = 0.0,
    spec: InterceptorSpec = SM6_CLASS,
    guidance: InterceptorGuidance | None = None,
    env: Environment = EARTH,
) -> InterceptorFlight:
    """Fly M interceptors from a site (geodetic, rad and m) against their targets.

    ``target_r_ecef``, ``target_v_ecef`` (M, K, 3) or (K, 3): each missile's target position
    (m) and velocity (m/s) in ECEF at the times ``t0_s + dt_s * arange(K)``, which are the
    missile's steps; NaN where the target is not there. ``launch_t_s`` (M,) or a number: launch
    times on the same clock. Each missile rises vertically, turns towards its predicted intercept
    point and homes by augmented proportional navigation (module docstring) until it reaches
    the ground, starts to open from its target after the terminal phase, or the target samples
    end."""
    guidance = guidance or InterceptorGuidance()
    if not (math.isfinite(dt_s) and dt_s > 0.0):
        raise ValueError(f"dt_s must be a finite number > 0; got {dt_s!r}")
    tr = np.asarray(target_r_ecef, dtype=float)
    tv = np.asarray(target_v_ecef, dtype=float)
    if tr.ndim == 2:
        tr, tv = tr[None], tv[None]
    if tr.ndim != 3 or tr.shape[-1] != 3 or tv.shape != tr.shape:
        raise ValueError(
            "target_r_ecef and target_v_ecef must both be (M, K, 3) or (K, 3); got "
            f"{np.shape(target_r_ecef)} and {np.shape(target_v_ecef)}"
        )
    launch = np.asarray(launch_t_s, dtype=float)
    n = max(tr.shape[0], launch.size)
    tr = np.broadcast_to(tr, (n,) + tr.shape[1:])
    tv = np.broadcast_to(tv, (n,) + tv.shape[1:])
    launch = np.broadcast_to(launch, (n,)).copy()
    n_t = tr.shape[1]
    t = t0_s + dt_s * np.arange(n_t)

    ta = _target_acceleration(tv, dt_s)
    model = _Model(spec, env, gravity=True)
    r0, _ = _site(lat_rad, lon_rad, alt_m)
    gd = np.array([
        guidance.vertical_rise_s, guidance.midcourse_gain_ps, guidance.midcourse_speed_mps,
        guidance.nav_gain, guidance.terminal_range_m, guidance.terminal_time_s,
    ])  # fmt: skip
    r = np.full((n, n_t, 3), np.nan)
    v = np.full((n, n_t, 3), np.nan)
    series = np.full((5, n, n_t), np.nan)
    valid = np.zeros((n, n_t), dtype=bool)
    _fly_kernel(
        np.ascontiguousarray(tr), np.ascontiguousarray(tv), ta, launch, t, dt_s, alt_m, r0, gd,
        model.ph_table, model.cd_m, model.cd_v, ATMOSPHERE_TABLE, model.prm, r, v, series, valid,
    )  # fmt: skip
    alt, speed, mach, mass, a_max = series
    miss, t_ca, _ = closest_approach(t, r, tr, valid)
    return InterceptorFlight(
        t_s=t,
        r_ecef=r,
        v_ecef=v,
        alt_m=alt,
        speed_mps=speed,
        mach=mach,
        mass_kg=mass,
        available_g=a_max / G0_MPS2,
        valid=valid,
        miss_m=miss,
        t_ca_s=t_ca,
    )


def _target_acceleration(tv: Array, dt_s: float) -> Array:
    """The target's acceleration (M, K, 3) at each step from the velocities (M, K, 3) read up to
    it: the second-order backward difference (3 v_k - 4 v_k-1 + v_k-2) / (2 dt), exact for a
    velocity quadratic in time; the first-order one where v_k-2 is missing, zero at the first
    sample (or where v_k-1 is missing too)."""
    a = np.zeros_like(tv)
    with np.errstate(invalid="ignore"):
        first = (tv[:, 1:] - tv[:, :-1]) / dt_s
        second = (3.0 * tv[:, 2:] - 4.0 * tv[:, 1:-1] + tv[:, :-2]) / (2.0 * dt_s)
    a[:, 1:] = np.where(np.isfinite(first), first, 0.0)
    a[:, 2:] = np.where(np.isfinite(second), second, a[:, 2:])
    return a


_MIN_LOS_COS = 0.2
"""Least |e_los . e_v| the projection of the homing command across the missile's velocity
divides by (the command grows as 1 / cos(lead angle); beyond about 78 deg the cap a_max rules
anyway): a kaminari assumption."""


@njit(cache=True, inline="always")
def _snapshot_kernel(
    tau: float, y: Array, ph: Array, cd_m: Array, cd_v: Array, table: Array, prm: Array
) -> tuple[float, float, float, float, float, float, float, float, float, float, float, float]:
    """``_snapshot`` of one state: altitude, speed, Mach, mass, a_max, e_v (3), the frame
    acceleration (3) and the axial acceleration (thrust less zero-lift drag)."""
    m, thrust, area, tvc = _propulsion_kernel(ph, _phase_kernel(ph, tau), tau)
    alt, _, _, _, speed, mach, q, ex, ey, ez = _air_kernel(y, table, prm)
    a_max = min(prm[0], q * area * prm[1] / m + thrust * math.sin(tvc) / m)
    cd = _interp_kernel(mach, cd_m, cd_v)
    axial = (thrust - q * cd * area) / m
    fx, fy, fz = _frame(y, prm)
    return alt, speed, mach, m, a_max, ex, ey, ez, fx, fy, fz, axial


@njit(cache=True, inline="always")
def _across3(
    ax: float, ay: float, az: float, ex: float, ey: float, ez: float
) -> tuple[float, float, float]:
    d = ax * ex + ay * ey + az * ez
    return ax - d * ex, ay - d * ey, az - d * ez


@njit(cache=True, error_model="numpy")
def _fly_kernel(
    tr: Array, tv: Array, ta: Array, launch: Array, t: Array, dt_s: float, site_alt_m: float,
    r0: Array, gd: Array, ph: Array, cd_m: Array, cd_v: Array, table: Array, prm: Array,
    rec_r: Array, rec_v: Array, rec_s: Array, valid: NDArray[np.bool_],
) -> None:  # fmt: skip
    """The time loop of ``fly_interceptors`` for each member in turn (they are independent):
    guidance, the step and the record (``rec_r``, ``rec_v`` (M, K, 3), ``rec_s`` (5, M, K):
    altitude, speed, Mach, mass, a_max; all NaN where not flying, which they are on entry).
    ``gd`` packs the guidance: vertical rise, midcourse gain and speed, N', terminal range
    and time."""
    vrise, mid_gain, mid_speed, nav, term_r, term_t = gd[0], gd[1], gd[2], gd[3], gd[4], gd[5]
    n, n_t = tr.shape[0], tr.shape[1]
    y = np.empty(6)
    y_new = np.empty(6)
    cmd = np.empty(3)
    for i in range(n):
        y[:3] = r0
        y[3:] = 0.0
        terminal = False
        for k in range(n_t):
            tau = t[k] - launch[i]
            alt, speed, mach, m, a_max, ex, ey, ez, fx, fy, fz, axial = _snapshot_kernel(
                tau, y, ph, cd_m, cd_v, table, prm
            )
            if tau >= 0.0:
                rec_r[i, k] = y[:3]
                rec_v[i, k] = y[3:]
                rec_s[0, i, k], rec_s[1, i, k], rec_s[2, i, k] = alt, speed, mach
                rec_s[3, i, k], rec_s[4, i, k] = m, a_max
                valid[i, k] = True
            if k == n_t - 1:
                break
            rx, ry, rz = tr[i, k, 0] - y[0], tr[i, k, 1] - y[1], tr[i, k, 2] - y[2]
            vx, vy, vz = tv[i, k, 0] - y[3], tv[i, k, 1] - y[4], tv[i, k, 2] - y[5]
            rng = math.sqrt(rx * rx + ry * ry + rz * rz)
            closing = -(rx * vx + ry * vy + rz * vz) / max(rng, 1e-9)
            was_terminal = terminal
            near = (rng < term_r) or (rng < term_t * closing)
            terminal = terminal or (near and tau >= vrise)
            if terminal:
                # augmented PN (``kaminari.weapons.guided.pn_acceleration``), flown across e_v
                arx = ta[i, k, 0] - fx - axial * ex
                ary = ta[i, k, 1] - fy - axial * ey
                arz = ta[i, k, 2] - fz - axial * ez
                r2 = max(rx * rx + ry * ry + rz * rz, 1e-12)
                rn = math.sqrt(r2)
                vc = -(rx * vx + ry * vy + rz * vz) / rn
                ox, oy, oz = (
                    (ry * vz - rz * vy) / r2,
                    (rz * vx - rx * vz) / r2,
                    (rx * vy - ry * vx) / r2,
                )
                g = nav * vc / rn
                cx, cy, cz = (
                    g * (oy * rz - oz * ry),
                    g * (oz * rx - ox * rz),
                    g * (ox * ry - oy * rx),
                )
                px, py, pz = _across3(arx, ary, arz, rx / rn, ry / rn, rz / rn)
                cx, cy, cz = cx + 0.5 * nav * px, cy + 0.5 * nav * py, cz + 0.5 * nav * pz
                if not vc > 0.0:
                    cx, cy, cz = 0.0, 0.0, 0.0
                inv = 1.0 / max(rng, 1e-9)
                lx, ly, lz = rx * inv, ry * inv, rz * inv
                cos = lx * ex + ly * ey + lz * ez
                cos = max(cos, _MIN_LOS_COS) if cos >= 0.0 else min(cos, -_MIN_LOS_COS)
                f = (cx * ex + cy * ey + cz * ez) / cos
                cx, cy, cz = _across3(cx - f * lx, cy - f * ly, cz - f * lz, ex, ey, ez)
            else:
                # midcourse: towards the predicted intercept point (``_midcourse_command``)
                s = max(speed, mid_speed)
                px, py, pz = tr[i, k, 0] - y[0], tr[i, k, 1] - y[1], tr[i, k, 2] - y[2]
                wx, wy, wz = tv[i, k, 0], tv[i, k, 1], tv[i, k, 2]
                a = wx * wx + wy * wy + wz * wz - s * s
                b = px * wx + py * wy + pz * wz
                c = px * px + py * py + pz * pz
                disc = b * b - a * c
                if abs(a) < 1e-9:
                    t_go = -c / (2.0 * b) if b < 0.0 else np.nan
                else:
                    root = math.sqrt(max(disc, 0.0))
                    t1, t2 = (-b - root) / a, (-b + root) / a
                    t_go = np.inf
                    if t1 > 0.0 and disc >= 0.0:
                        t_go = t1
                    if t2 > 0.0 and disc >= 0.0:
                        t_go = min(t_go, t2)
                if not (math.isfinite(t_go) and t_go > 0.0):
                    t_go = 0.0
                dx, dy, dz = px + wx * t_go, py + wy * t_go, pz + wz * t_go
                inv = 1.0 / max(math.sqrt(dx * dx + dy * dy + dz * dz), 1e-9)
                dx, dy, dz = _across3(dx * inv, dy * inv, dz * inv, ex, ey, ez)
                g = mid_gain * speed
                cx, cy, cz = _across3(g * dx - fx, g * dy - fy, g * dz - fz, ex, ey, ez)
            steer = tau >= vrise
            cmd[0] = cx if steer and math.isfinite(cx) else 0.0
            cmd[1] = cy if steer and math.isfinite(cy) else 0.0
            cmd[2] = cz if steer and math.isfinite(cz) else 0.0
            _step_kernel(tau, y, dt_s, cmd, y_new, ph, cd_m, cd_v, table, prm)
            alt_new = _air_kernel(y_new, table, prm)[0]
            if (was_terminal and closing < 0.0) or (alt_new < site_alt_m - 1.0 and tau > 0.0):
                break
            y[:] = y_new


class _Recorder:
    def __init__(self, n: int, n_t: int) -> None:
        self.r = np.full((n, n_t, 3), np.nan)
        self.v = np.full((n, n_t, 3), np.nan)
        self.alt, self.speed, self.mach, self.mass, self.a_max = (
            np.full((n, n_t), np.nan) for _ in range(5)
        )
        self.valid = np.zeros((n, n_t), dtype=bool)

    def store(self, k: int, y: Array, snap: _Snapshot, flying: NDArray[np.bool_]) -> None:
        blank = np.where(flying, 1.0, np.nan)
        self.r[:, k] = y[:3].T * blank[:, None]
        self.v[:, k] = y[3:].T * blank[:, None]
        self.alt[:, k] = snap.air.alt_m * blank
        self.speed[:, k] = snap.air.speed_mps * blank
        self.mach[:, k] = snap.air.mach * blank
        self.mass[:, k] = snap.mass_kg * blank
        self.a_max[:, k] = snap.a_max_mps2 * blank
        self.valid[:, k] = flying


@dataclass(frozen=True)
class ProgrammeFlight:
    """Flown pitch programmes (N members): ``t_s`` (T,) since launch; ``r_ecef`` (N, T, 3);
    ``alt_m``, ``ground_range_m`` (from the site), ``speed_mps``, ``mach``, ``mass_kg``,
    ``available_g`` (N, T), NaN once a member has ended; ``end_range_m`` and ``end_t_s`` (N,)
    where and when it ended (fell below the minimum speed after burnout, or reached the
    ground); ``burnout_speed_mps`` and ``burnout_mach`` (N,) at the end of the sustain grain."""

    t_s: Array
    r_ecef: Array
    alt_m: Array
    ground_range_m: Array
    speed_mps: Array
    mach: Array
    mass_kg: Array
    available_g: Array
    end_range_m: Array
    end_t_s: Array
    burnout_speed_mps: Array
    burnout_mach: Array


def fly_programmes(
    climb_rad: ArrayLike,
    spec: InterceptorSpec = SM6_CLASS,
    lat_rad: float = 0.0,
    lon_rad: float = 0.0,
    alt_m: float = 0.0,
    az_rad: float = 0.5 * math.pi,
    min_speed_mps: float = 450.0,
    glide: bool = True,
    dt_s: float = 0.1,
    t_max_s: float = 600.0,
    guidance: InterceptorGuidance | None = None,
    env: Environment = EARTH,
    gravity: bool = True,
) -> ProgrammeFlight:
    """Fly pitch programmes: a vertical rise, a turn towards azimuth ``az_rad`` to the climb
    angle ``climb_rad`` (N,) above the horizontal, a zero-lift coast and, with ``glide``, once
    descending, a glide at the lift of best lift-to-drag ratio (never more than level flight
    needs). Each member ends when, after burnout, its speed falls below ``min_speed_mps``, or
    when it reaches the ground. ``gravity=False`` switches gravity and the frame terms off (the
    textbook check of the rocket equation, with ``env`` without atmosphere)."""
    guidance = guidance or InterceptorGuidance()
    climb = np.atleast_1d(np.asarray(climb_rad, dtype=float))
    n = climb.size
    n_t = int(math.ceil(t_max_s / dt_s)) + 1
    t = dt_s * np.arange(n_t)
    model = _Model(spec, env, gravity)
    r0, rot = _site(lat_rad, lon_rad, alt_m)
    east, north, up0 = rot
    heading = math.sin(az_rad) * east + math.cos(az_rad) * north
    aim = (np.cos(climb)[:, None] * heading + np.sin(climb)[:, None] * up0).T  # (3, N)
    burnout_t = spec.burnout_time_s
    y = np.zeros((6, n))
    y[:3] = r0[:, None]
    rec = _Recorder(n, n_t)
    active = np.ones(n, dtype=bool)
    turned = np.zeros(n, dtype=bool)
    end_t = np.full(n, np.nan)
    end_range = np.full(n, np.nan)
    bo_speed = np.full(n, np.nan)
    bo_mach = np.full(n, np.nan)
    k_used = n_t
    for k in range(n_t):
        tau = np.full(n, t[k])
        snap = _snapshot(model, tau, y)
        rec.store(k, y, snap, active)
        if t[k] >= burnout_t and np.isnan(bo_speed).all():
            bo_speed, bo_mach = snap.air.speed_mps.copy(), snap.air.mach.copy()
        if k == n_t - 1 or not active.any():
            k_used = k + 1
            break
        ev = snap.ev
        up = np.stack([snap.air.upx, snap.air.upy, snap.air.upz])
        sin_gamma = np.einsum("in,in->n", ev, up)
        turned |= (t[k] >= guidance.vertical_rise_s) & (sin_gamma <= np.sin(climb) + 1e-3)
        turn = guidance.pitch_gain_ps * snap.air.speed_mps * _across(aim, ev)
        turn = _across(turn - snap.frame, ev)
        cmd = np.where(~turned & (t[k] >= guidance.vertical_rise_s), turn, 0.0)
        if glide:
            cmd = np.where((sin_gamma < 0.0) & (t[k] >= burnout_t), _glide(model, y, snap, up), cmd)
        y_new = _step(model, tau, y, dt_s, cmd)
        air_new = air_state(*y_new, env)
        slow = (t[k + 1] >= burnout_t) & (air_new.speed_mps < min_speed_mps)
        down = (air_new.alt_m < alt_m) & (t[k] > 1.0)
        ended = active & (slow | down)
        y = np.where(active, y_new, y)
        end_t[ended] = t[k + 1]
        active &= ~ended
    geo = ecef2geodetic(rec.r[:, :k_used])
    ground = ground_range_m(lat_rad, lon_rad, geo.lat_rad, geo.lon_rad)
    last = np.where(rec.valid[:, :k_used], np.arange(k_used), -1).max(axis=1)
    rows = np.arange(n)
    end_range = ground[rows, last]
    end_t = np.where(np.isnan(end_t), t[last], end_t)
    return ProgrammeFlight(
        t_s=t[:k_used],
        r_ecef=rec.r[:, :k_used],
        alt_m=rec.alt[:, :k_used],
        ground_range_m=ground,
        speed_mps=rec.speed[:, :k_used],
        mach=rec.mach[:, :k_used],
        mass_kg=rec.mass[:, :k_used],
        available_g=rec.a_max[:, :k_used] / G0_MPS2,
        end_range_m=end_range,
        end_t_s=end_t,
        burnout_speed_mps=bo_speed,
        burnout_mach=bo_mach,
    )


def _glide(model: _Model, y: Array, snap: _Snapshot, up: Array) -> Array:
    """Lift of a descending glide: the acceleration of best lift-to-drag ratio,
    sqrt(a_D0 a_aero_max / alpha_max) for the induced-drag model of the module docstring, but
    no more than holding level flight needs (gravity across the velocity less the centripetal
    v^2 / r of following the Earth), along the up side of the velocity."""
    spec = model.spec
    air = snap.air
    area = spec.body_area_m2
    a_aero_max = air.q_pa * area * spec.cn_max / snap.mass_kg
    a_d0 = air.q_pa * np.interp(air.mach, model.cd_m, model.cd_v) * area / snap.mass_kg
    a_best = np.sqrt(a_d0 * a_aero_max / spec.alpha_max_rad)
    n_up = _across(up, snap.ev)
    n_up = n_up / np.maximum(np.sqrt(np.einsum("in,in->n", n_up, n_up)), 1e-12)
    radius = np.sqrt(np.einsum("in,in->n", y[:3], y[:3]))
    level = -np.einsum("in,in->n", snap.frame, n_up) - air.speed_mps**2 / radius
    return np.clip(np.minimum(a_best, level), 0.0, None) * n_up  # type: ignore[no-any-return]


_CLIMB_COARSE_RAD = np.arange(15.0, 80.1, 5.0) * DEG
_CLIMB_FINE_STEP_RAD = 1.0 * DEG


def max_range_m(
    spec: InterceptorSpec = SM6_CLASS,
    min_speed_mps: float = 450.0,
    lat_rad: float = 0.0,
    lon_rad: float = 0.0,
    alt_m: float = 0.0,
    az_rad: float = 0.5 * math.pi,
    dt_s: float = 0.1,
    env: Environment = EARTH,
) -> tuple[float, float]:
    """Ground range (m) of the farthest pitch programme (``fly_programmes`` with glide) and its
    climb angle (rad): climb angles 15-80 deg every 5 deg, then every 1 deg around the best."""
    coarse = fly_programmes(
        _CLIMB_COARSE_RAD, spec, lat_rad, lon_rad, alt_m, az_rad, min_speed_mps, dt_s=dt_s, env=env
    )
    best = float(_CLIMB_COARSE_RAD[int(np.nanargmax(coarse.end_range_m))])
    fine_climb = best + _CLIMB_FINE_STEP_RAD * np.arange(-4.0, 4.1)
    fine = fly_programmes(
        fine_climb, spec, lat_rad, lon_rad, alt_m, az_rad, min_speed_mps, dt_s=dt_s, env=env
    )
    i = int(np.nanargmax(fine.end_range_m))
    return float(fine.end_range_m[i]), float(fine_climb[i])


def engagement_envelope_m(
    target_alt_m: ArrayLike,
    max_time_of_flight_s: float,
    spec: InterceptorSpec = SM6_CLASS,
    min_speed_mps: float = 450.0,
    lat_rad: float = 0.0,
    lon_rad: float = 0.0,
    alt_m: float = 0.0,
    az_rad: float = 0.5 * math.pi,
    dt_s: float = 0.1,
    env: Environment = EARTH,
) -> Array:
    """Farthest ground range (m) from the site at which the missile reaches each target
    altitude (m, any shape) within ``max_time_of_flight_s``, at ``min_speed_mps`` or more:
    the largest over pitch programmes of climb 5-85 deg (``fly_programmes``) of the ground
    range where the path crosses that altitude, interpolated between samples. NaN where no
    programme reaches it."""
    climb = np.arange(5.0, 85.1, 2.5) * DEG
    f = fly_programmes(
        climb, spec, lat_rad, lon_rad, alt_m, az_rad, min_speed_mps, dt_s=dt_s,
        t_max_s=max_time_of_flight_s, env=env,
    )  # fmt: skip
    levels = np.asarray(target_alt_m, dtype=float)
    h0, h1 = f.alt_m[:, :-1], f.alt_m[:, 1:]
    g0, g1 = f.ground_range_m[:, :-1], f.ground_range_m[:, 1:]
    ok = np.isfinite(h0) & np.isfinite(h1) & (f.speed_mps[:, 1:] >= min_speed_mps)
    out = np.full(levels.size, np.nan)
    for j, level in enumerate(levels.ravel()):
        cross = ok & ((h0 - level) * (h1 - level) <= 0.0) & (h0 != h1)
        with np.errstate(invalid="ignore", divide="ignore"):
            frac = np.clip((level - h0) / (h1 - h0), 0.0, 1.0)
        rng = np.where(cross, g0 + frac * (g1 - g0), -np.inf)
        reach = rng.max()
        out[j] = reach if np.isfinite(reach) else np.nan
    return out.reshape(levels.shape)
