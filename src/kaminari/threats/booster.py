"""Staged rockets: boosters of ballistic missiles and of boost-glide vehicles, flown from the
pad to payload release over the rotating Earth with the one integrator (``dynamics.integrator``).

Model (a point mass, as everything else in kaminari):

- **Stages** burn one after the other at a constant propellant flow mdot = m_p / t_b. Thrust
  is F = mdot g0 Isp_vac - p_a A_e (the vacuum thrust less the ambient pressure on the nozzle
  exit; G. P. Sutton & O. Biblarz, "Rocket Propulsion Elements", 9th ed., 2017, eq. 3-21). A
  stage given a sea-level Isp has the exit area that gives it at sea level,
  A_e = mdot g0 (Isp_vac - Isp_sl) / p_0; without one it has no pressure term (A_e = 0). The
  ambient pressure is the US76 one, p = rho a^2 / gamma. The mass falls continuously during a
  burn; at burnout the spent stage is dropped and, after the stage's coast, the next ignites.
  The last stage stays on the payload until release (``Booster.release_coast_s`` after its
  burnout; 0 releases at burnout).
- **Flight program** (a gravity turn; e.g. H. D. Curtis, "Orbital Mechanics for Engineering
  Students", 4th ed., 2020, sec. 13.5): thrust along the local vertical for
  ``vertical_rise_s``; a pitch-over kick in which the thrust turns, at a constant rate over
  ``kick_duration_s``, from the vertical to ``kick_rad`` off it towards the launch azimuth;
  then thrust along the air-relative velocity (zero angle of attack) to the end of the last
  burn. The air turns with the Earth, so the ECEF velocity is the air-relative one. The kick
  angle shapes the trajectory: it is the one parameter tuned to a source's range (see
  ``BOOSTERS``).
- **Drag** of the stack: D = q C_D(Mach) A, A the reference area of the lowest stage still on,
  C_D linear in Mach between the booster's table points (held outside the table). No lift.
- **Integration**: ``dynamics.integrator.fly`` (RK4), called once per segment between events
  (end of vertical rise, end of kick, ignitions, burnouts, release) of any member of the
  batch, so that no RK4 step straddles a discontinuity of thrust, mass or attitude. Every event
  lies on the grid of the time step (a booster whose burn times, coasts or kick timings are not
  multiples of ``dt_s`` is refused), and the model reads time on that grid, so a member's
  arithmetic does not depend on the other members of its batch: a batch and the same launches
  flown one by one agree to the last bit.

Conventions as the rest of kaminari: SI inside, radians, ECEF, batch axes first in results
(members on the last axis inside the integrator).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Self

import numpy as np
from numpy.typing import NDArray

from kaminari.dynamics.forces import EARTH, Environment, air_state, frame_acceleration
from kaminari.dynamics.integrator import fly
from kaminari.earth.constants import DEG, G0_MPS2
from kaminari.earth.frames import ecef2geodetic, enu_rotation, geodetic2ecef
from kaminari.threats.flyout import GlideStart

__all__ = [
    "BOOSTERS",
    "GENERIC_HGV_BOOSTER",
    "GENERIC_MRBM",
    "SLENDER_BODY_CD",
    "V2",
    "Booster",
    "BoostTrajectories",
    "Launch",
    "Stage",
    "fly_boosters",
    "glide_start_from_state",
    "launch",
]

Array = NDArray[np.float64]

SEA_LEVEL_PRESSURE_PA = 101_325.0
"""US76 sea-level pressure, Pa (NOAA-S/T 76-1562), for the exit area of a sea-level Isp."""
_GAMMA_AIR = 1.40
"""Ratio of specific heats that kaminari's US76 speed of sound uses: p = rho a^2 / gamma."""
_MACH_STEP = 0.05
_MACH_GRID = np.arange(0.0, 40.0 + _MACH_STEP / 2, _MACH_STEP)
"""Common Mach grid on which each booster's drag table is resampled, so that a batch of
different boosters looks its drag up by index arithmetic."""

# Phases of the flight program.
_VERTICAL, _KICK, _ALONG = 0, 1, 2


@dataclass(frozen=True)
class Stage:
    """One rocket stage: loaded mass (structure, motor and propellant) in kg, propellant mass in
    kg, vacuum specific impulse in s, burn time in s; optionally the sea-level specific impulse
    (for the pressure term of thrust), its diameter in m (drag reference area of the stack while
    it is the lowest stage on) and the coast in s between its burnout and the next ignition."""

    total_mass_kg: float
    propellant_mass_kg: float
    isp_vac_s: float
    burn_time_s: float
    isp_sl_s: float | None = None
    diameter_m: float = 1.0
    coast_after_s: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 < self.propellant_mass_kg < self.total_mass_kg:
            raise ValueError("a stage needs 0 < propellant mass < total mass")
        if self.burn_time_s <= 0.0 or self.isp_vac_s <= 0.0 or self.coast_after_s < 0.0:
            raise ValueError("a stage needs a positive burn time and Isp and a coast >= 0")
        if self.isp_sl_s is not None and not 0.0 < self.isp_sl_s <= self.isp_vac_s:
            raise ValueError("a stage's sea-level Isp must be in (0, vacuum Isp]")

    @classmethod
    def from_fraction(
        cls, total_mass_kg: float, propellant_fraction: float, **kwargs: float | None
    ) -> Stage:
        """A stage given its propellant mass fraction m_p / m_stage instead of m_p."""
        return cls(total_mass_kg, propellant_fraction * total_mass_kg, **kwargs)  # type: ignore[arg-type]

    @property
    def mass_flow_kgps(self) -> float:
        return self.propellant_mass_kg / self.burn_time_s

    @property
    def vacuum_thrust_n(self) -> float:
        return self.mass_flow_kgps * G0_MPS2 * self.isp_vac_s

    @property
    def exit_area_m2(self) -> float:
        """Nozzle exit area that turns the vacuum Isp into the sea-level one (0 without one)."""
        if self.isp_sl_s is None:
            return 0.0
        return (
            self.mass_flow_kgps * G0_MPS2 * (self.isp_vac_s - self.isp_sl_s) / SEA_LEVEL_PRESSURE_PA
        )

    @property
    def ref_area_m2(self) -> float:
        return 0.25 * math.pi * self.diameter_m**2


@dataclass(frozen=True)
class Booster:
    """A staged rocket and its flight program: stages bottom first, payload mass (kg), the stack's
    drag coefficient at the Mach numbers ``cd_mach`` (pairs (Mach, C_D), Mach ascending), and the
    program: vertical rise (s), kick duration (s), default kick angle (rad from the vertical),
    coast from the last burnout to the payload's release (s)."""

    name: str
    stages: tuple[Stage, ...]
    payload_mass_kg: float
    cd_mach: tuple[tuple[float, float], ...]
    kick_rad: float
    vertical_rise_s: float = 6.0
    kick_duration_s: float = 4.0
    release_coast_s: float = 0.0
    source: str = ""

    def __post_init__(self) -> None:
        if not self.stages or self.payload_mass_kg <= 0.0:
            raise ValueError("a booster needs at least one stage and a positive payload")
        if self.vertical_rise_s < 0.0 or self.kick_duration_s <= 0.0 or self.release_coast_s < 0:
            raise ValueError("vertical rise and release coast must be >= 0, kick duration > 0")
        if self.vertical_rise_s + self.kick_duration_s > self.stages[0].burn_time_s:
            raise ValueError("the pitch-over kick must end before the first stage burns out")
        mach = [m for m, _ in self.cd_mach]
        if not mach or any(b <= a for a, b in zip(mach, mach[1:], strict=False)):
            raise ValueError("cd_mach needs (Mach, C_D) pairs with Mach strictly ascending")

    @property
    def launch_mass_kg(self) -> float:
        return self.payload_mass_kg + sum(s.total_mass_kg for s in self.stages)

    def ignition_times_s(self) -> list[float]:
        """Ignition time of each stage after lift-off."""
        t, out = 0.0, []
        for stage in self.stages:
            out.append(t)
            t += stage.burn_time_s + stage.coast_after_s
        return out

    @property
    def burnout_time_s(self) -> float:
        """End of the last burn after lift-off."""
        return self.ignition_times_s()[-1] + self.stages[-1].burn_time_s

    def ideal_delta_v_mps(self) -> float:
        """Sum of the stages' vacuum rocket-equation delta-v, Isp_vac g0 ln(m0 / mf) (Tsiolkovsky),
        with each spent stage dropped: the delta-v in vacuum without gravity."""
        dv, above = 0.0, self.launch_mass_kg
        for stage in self.stages:
            dv += stage.isp_vac_s * G0_MPS2 * math.log(above / (above - stage.propellant_mass_kg))
            above -= stage.total_mass_kg
        return dv

    def drag_table(self) -> Array:
        """C_D on ``_MACH_GRID``, linear between the table points and held outside them."""
        mach, cd = np.array(self.cd_mach, dtype=float).T
        return np.interp(_MACH_GRID, mach, cd)


@dataclass(frozen=True)
class Launch:
    """One launch: geodetic site (rad, m), launch azimuth (rad clockwise from north), booster,
    pitch-over kick angle (rad; ``None``: the booster's) and lift-off time (s after the
    scenario epoch; only carried to the payload's start time)."""

    lat_rad: float
    lon_rad: float
    azimuth_rad: float
    booster: Booster
    kick_rad: float | None = None
    alt_m: float = 0.0
    t_s: float = 0.0

    @property
    def kick(self) -> float:
        return self.booster.kick_rad if self.kick_rad is None else self.kick_rad


def launch(
    lat_deg: float,
    lon_deg: float,
    azimuth_deg: float,
    booster: str | Booster,
    kick_deg: float | None = None,
    alt_m: float = 0.0,
    t_s: float = 0.0,
) -> Launch:
    """A ``Launch`` from degrees and a booster given by its ``BOOSTERS`` name (or itself)."""
    if isinstance(booster, str):
        if booster not in BOOSTERS:
            raise KeyError(f"unknown booster {booster!r}; known: {', '.join(sorted(BOOSTERS))}")
        booster = BOOSTERS[booster]
    return Launch(
        lat_deg * DEG,
        lon_deg * DEG,
        azimuth_deg * DEG,
        booster,
        None if kick_deg is None else kick_deg * DEG,
        alt_m,
        t_s,
    )


# ---------------------------------------------------------------------------------------------
# Batched schedule: per member (last axis) arrays of the stages, padded to the largest stack.


@dataclass(frozen=True)
class _Schedule:
    """The launches of a batch as arrays, members on the last axis, stages on the first
    (padded: a member's missing stages have zero mass and never ignite); event times as step
    counts on the grid of ``dt_s``."""

    dt_s: float
    n_stages: NDArray[np.intp]  # (N,)
    total: Array  # (S, N) loaded stage masses
    prop: Array  # (S, N) propellant masses
    mdot: Array  # (S, N)
    thrust_vac: Array  # (S, N)
    exit_area: Array  # (S, N)
    ref_area: Array  # (S, N)
    ign_k: NDArray[np.int64]  # (S, N) ignition step
    burn_k: NDArray[np.int64]  # (S, N) burnout step
    rise_k: NDArray[np.int64]  # (N,) end of vertical rise
    kick_end_k: NDArray[np.int64]  # (N,)
    release_k: NDArray[np.int64]  # (N,)
    payload: Array  # (N,)
    kick: Array  # (N,)
    azimuth: Array  # (N,)
    drag: Array  # (N, M) C_D on the Mach grid

    @classmethod
    def build(cls, launches: Sequence[Launch], dt_s: float) -> _Schedule:
        n = len(launches)
        s_max = max(len(item.booster.stages) for item in launches)
        z = np.zeros((s_max, n))
        total, prop, mdot, thrust = z.copy(), z.copy(), z.copy(), z.copy()
        exit_area, ref = z.copy(), z.copy()
        never = np.iinfo(np.int64).max // 4
        ign = np.full((s_max, n), never, dtype=np.int64)
        burn = np.full((s_max, n), never, dtype=np.int64)
        rise, kick_end, release = (np.zeros(n, dtype=np.int64) for _ in range(3))
        for j, item in enumerate(launches):  # building the arrays: once per launch, not per step
            b = item.booster
            for i, (stage, t_ign) in enumerate(zip(b.stages, b.ignition_times_s(), strict=True)):
                total[i, j], prop[i, j] = stage.total_mass_kg, stage.propellant_mass_kg
                mdot[i, j] = stage.mass_flow_kgps
                thrust[i, j], exit_area[i, j] = stage.vacuum_thrust_n, stage.exit_area_m2
                ref[i, j] = stage.ref_area_m2
                ign[i, j] = _steps(t_ign, dt_s, f"{b.name} stage {i + 1} ignition")
                burn[i, j] = _steps(
                    t_ign + stage.burn_time_s, dt_s, f"{b.name} stage {i + 1} burnout"
                )
            rise[j] = _steps(b.vertical_rise_s, dt_s, f"{b.name} vertical rise")
            kick_end[j] = _steps(b.vertical_rise_s + b.kick_duration_s, dt_s, f"{b.name} kick")
            release[j] = _steps(b.burnout_time_s + b.release_coast_s, dt_s, f"{b.name} release")
        return cls(
            dt_s=dt_s,
            n_stages=np.array([len(item.booster.stages) for item in launches], dtype=np.intp),
            total=total,
            prop=prop,
            mdot=mdot,
            thrust_vac=thrust,
            exit_area=exit_area,
            ref_area=ref,
            ign_k=ign,
            burn_k=burn,
            rise_k=rise,
            kick_end_k=kick_end,
            release_k=release,
            payload=np.array([item.booster.payload_mass_kg for item in launches]),
            kick=np.array([item.kick for item in launches]),
            azimuth=np.array([item.azimuth_rad for item in launches]),
            drag=np.stack([item.booster.drag_table() for item in launches]),
        )

    def event_steps(self) -> NDArray[np.int64]:
        """Every step at which some member's program changes, from 0 to the last release."""
        last = self.release_k.max()
        events = np.concatenate(
            [
                [0],
                self.rise_k,
                self.kick_end_k,
                self.release_k,
                self.ign_k.ravel(),
                self.burn_k.ravel(),
            ]
        )
        return np.unique(events[events <= last])

    def phase(self, k0: int) -> tuple[NDArray[np.intp], NDArray[np.bool_], NDArray[np.intp]]:
        """At the segment starting at step ``k0`` (within which nothing changes): the lowest
        stage still on, whether it burns, and the phase of the program, per member."""
        cols = np.arange(self.n_stages.size)
        dropped = (self.burn_k <= k0) & (
            np.arange(self.total.shape[0])[:, None] < self.n_stages - 1
        )
        bottom = dropped.sum(axis=0)
        burning = (self.ign_k[bottom, cols] <= k0) & (k0 < self.burn_k[bottom, cols])
        mode = np.where(k0 < self.rise_k, _VERTICAL, np.where(k0 < self.kick_end_k, _KICK, _ALONG))
        return bottom, burning, mode

    def reference_mass(
        self, k0: int, bottom: NDArray[np.intp], burning: NDArray[np.bool_]
    ) -> tuple[Array, Array]:
        """(mass, time) per member such that the mass at time t of the segment starting at step
        ``k0`` is mass - mdot (t - time): for a burning stage the stack's mass at its ignition and
        that ignition, otherwise the stack's constant mass (the bottom stage's propellant gone
        once its burn is over). Written from the ignition, not from the segment's start, so that
        it does not depend on how the batch was cut into segments."""
        cols = np.arange(self.n_stages.size)
        above = np.arange(self.total.shape[0])[:, None] >= bottom
        stack = self.payload + np.where(above, self.total, 0.0).sum(axis=0)
        burned = np.where(self.burn_k[bottom, cols] <= k0, self.prop[bottom, cols], 0.0)
        t_ref = np.where(burning, self.ign_k[bottom, cols] * self.dt_s, 0.0)
        return stack - burned, t_ref

    def subset(self, keep: NDArray[np.intp]) -> _Schedule:
        fields = {
            name: (value[..., keep] if isinstance(value, np.ndarray) else value)
            for name, value in self.__dict__.items()
        }
        fields["drag"] = self.drag[keep]
        return _Schedule(**fields)


def _steps(t_s: float, dt_s: float, what: str) -> int:
    """``t_s`` as a whole number of steps of ``dt_s``; refused if it is not one."""
    k = round(t_s / dt_s)
    if abs(k * dt_s - t_s) > 1e-6 * dt_s:
        raise ValueError(
            f"{what} at {t_s} s is not a multiple of the time step {dt_s} s: events must lie on "
            "the step grid (choose dt_s to divide the booster's burn, coast and kick times)"
        )
    return int(k)


@dataclass(frozen=True)
class _SegmentModel:
    """Equations of motion of a batch between two events: for each member (last axis) the
    thrust, mass flow, exit area, drag reference area and program phase are constant; the mass
    falls linearly in time while a stage burns. ``t_ref_s`` is the time of ``mass_ref_kg``."""

    mass_ref_kg: Array
    t_ref_s: Array
    mdot: Array  # 0 when not burning
    thrust_vac: Array  # 0 when not burning
    exit_area: Array  # 0 when not burning
    ref_area: Array
    mode: NDArray[np.intp]
    kick: Array
    kick_start_s: Array
    kick_duration_s: Array
    azimuth: Array
    drag: Array  # (N, M)
    half_dt_s: float
    env: Environment = EARTH
    gravity: bool = True
    controller: None = None
    """No separate controller: the flight program is part of ``derivative`` (``fly`` looks for a
    controller's optional compiled parts and step-end hook, and finds none)."""

    def mass(self, t_s: float | Array) -> Array:
        return self.mass_ref_kg - self.mdot * (np.asarray(t_s) - self.t_ref_s)

    def derivative(self, t_s: float, y: Array) -> Array:
        # Read time on the half-step grid, so that a member's arithmetic does not depend on
        # where its batch was cut into segments (fly adds steps to the segment's start).
        t = round(t_s / self.half_dt_s) * self.half_dt_s
        x, yy, z, vx, vy, vz = y
        air = air_state(x, yy, z, vx, vy, vz, self.env)
        m = self.mass(t)
        pressure = air.density_kgpm3 * air.sound_speed_mps**2 * (1.0 / _GAMMA_AIR)
        thrust_acc = (self.thrust_vac - pressure * self.exit_area) / m
        pos = air.mach * (1.0 / _MACH_STEP)
        i = np.minimum(pos.astype(np.intp), _MACH_GRID.size - 2)
        frac = np.minimum(pos - i, 1.0)
        rows = np.arange(i.size)
        cd = self.drag[rows, i] + frac * (self.drag[rows, i + 1] - self.drag[rows, i])
        drag_acc = air.q_pa * cd * self.ref_area / m
        inv_v = 1.0 / np.maximum(air.speed_mps, 1e-9)
        ex, ey, ez = vx * inv_v, vy * inv_v, vz * inv_v
        ux, uy, uz = air.upx, air.upy, air.upz
        dx, dy, dz = ux, uy, uz  # vertical rise
        if np.any(self.mode == _KICK):
            theta = self.kick * np.clip((t - self.kick_start_s) / self.kick_duration_s, 0.0, 1.0)
            h = np.sqrt(ux * ux + uy * uy)
            east = (-uy / h, ux / h, 0.0 * h)
            north = (-uz * ux / h, -uz * uy / h, h)
            sa, ca = np.sin(self.azimuth), np.cos(self.azimuth)
            c, s = np.cos(theta), np.sin(theta)
            kick = self.mode == _KICK
            dx = np.where(kick, c * ux + s * (sa * east[0] + ca * north[0]), dx)
            dy = np.where(kick, c * uy + s * (sa * east[1] + ca * north[1]), dy)
            dz = np.where(kick, c * uz + s * (sa * east[2] + ca * north[2]), dz)
        along = self.mode == _ALONG
        dx, dy, dz = np.where(along, ex, dx), np.where(along, ey, dy), np.where(along, ez, dz)
        if self.gravity:
            gx, gy, gz = frame_acceleration(x, yy, z, vx, vy, vz, self.env)
        else:
            gx = gy = gz = 0.0
        return np.stack(
            [
                vx,
                vy,
                vz,
                gx + thrust_acc * dx - drag_acc * ex,
                gy + thrust_acc * dy - drag_acc * ey,
                gz + thrust_acc * dz - drag_acc * ez,
            ]
        )

    def subset(self, keep: NDArray[np.intp]) -> Self:
        fields = {
            name: (value[keep] if isinstance(value, np.ndarray) else value)
            for name, value in self.__dict__.items()
        }
        return type(self)(**fields)


@dataclass(frozen=True)
class BoostTrajectories:
    """Flown boosts, pad to payload release. Arrays are (N, T) unless noted; samples after a
    member's release (or its crash) are NaN / -1 / False (``valid`` is False there).

    ``stage`` is the index of the lowest stage still on (the one burning, or next to burn during
    an inter-stage coast; the last one stays on until release); ``plume`` whether a motor burns;
    ``mass_kg`` the stack's mass. At a burnout instant the sample still shows the burning stage.
    ``burnout_*`` is the state at the end of the last burn, ``release_*`` at the payload's
    release (the same unless the booster coasts before release), NaN for a member that hit the
    ground first. Times are seconds after lift-off; ``launch_t_s`` (N,) is each lift-off time.
    """

    names: tuple[str, ...]
    t_s: Array  # (T,)
    r_ecef: Array  # (N, T, 3)
    v_ecef: Array  # (N, T, 3)
    stage: NDArray[np.intp]
    plume: NDArray[np.bool_]
    mass_kg: Array
    burnout_t_s: Array  # (N,)
    burnout_r_ecef: Array  # (N, 3)
    burnout_v_ecef: Array  # (N, 3)
    release_t_s: Array  # (N,)
    release_r_ecef: Array  # (N, 3)
    release_v_ecef: Array  # (N, 3)
    payload_mass_kg: Array  # (N,)
    launch_t_s: Array  # (N,)
    crashed: NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def valid(self) -> NDArray[np.bool_]:
        return ~np.isnan(self.r_ecef[..., 0])

    @property
    def alt_m(self) -> Array:
        return ecef2geodetic(self.r_ecef).alt_m

    def release_starts(self) -> list[GlideStart]:
        """Each payload's release state as a glide start (position, Earth-relative speed,
        flight-path angle and heading), to hand to ``threats.flyout``."""
        return [
            glide_start_from_state(r, v)
            for r, v in zip(self.release_r_ecef, self.release_v_ecef, strict=True)
        ]

    def release_start_times_s(self) -> Array:
        """When (s after the scenario epoch) each payload is at its release state."""
        return self.launch_t_s + self.release_t_s


def glide_start_from_state(r_ecef: Array, v_ecef: Array) -> GlideStart:
    """The ``GlideStart`` (geodetic position, speed, flight-path angle above the local geodetic
    horizontal, heading clockwise from north) of an ECEF position (3,) and velocity (3,); the
    inverse of ``GlideStart.ecef``."""
    geo = ecef2geodetic(np.asarray(r_ecef, dtype=float))
    lat, lon = float(geo.lat_rad), float(geo.lon_rad)
    e, n, u = enu_rotation(lat, lon) @ np.asarray(v_ecef, dtype=float)
    speed = math.sqrt(e * e + n * n + u * u)
    if not (math.isfinite(speed) and speed > 0.0):  # a member that never got there: all NaN
        nan = float("nan")
        return GlideStart(nan, nan, nan, nan, nan, nan)
    return GlideStart(
        lat_rad=lat,
        lon_rad=lon,
        alt_m=float(geo.alt_m),
        speed_mps=speed,
        flight_path_rad=math.asin(max(-1.0, min(1.0, u / speed))),
        heading_rad=math.atan2(e, n) % (2.0 * math.pi),
    )


def fly_boosters(
    launches: Sequence[Launch],
    dt_s: float = 0.1,
    record_every: int = 1,
    env: Environment = EARTH,
    gravity: bool = True,
) -> BoostTrajectories:
    """Fly every launch in one batch from lift-off to its payload's release with RK4 steps of
    ``dt_s`` (every event of every booster must lie on its grid), recording every
    ``record_every``-th step (burnout and release states are kept exactly whatever it is).

    ``gravity=False`` drops gravitation and the frame terms (a textbook check of the rocket
    equation); ``env`` switches atmosphere, J2 and rotation as for every other flyer.
    """
    if not launches:
        raise ValueError("fly_boosters needs at least one launch")
    if dt_s <= 0.0 or record_every < 1:
        raise ValueError("dt_s must be > 0 and record_every >= 1")
    sched = _Schedule.build(launches, dt_s)
    n = len(launches)
    events = sched.event_steps()
    n_steps = int(events[-1])
    r = geodetic2ecef(
        np.array([item.lat_rad for item in launches]),
        np.array([item.lon_rad for item in launches]),
        np.array([item.alt_m for item in launches]),
    ).reshape(n, 3)
    v = np.zeros((n, 3))
    rec = np.full((n, n_steps + 1, 6), np.nan)
    mass = np.full((n, n_steps + 1), np.nan)
    stage = np.full((n, n_steps + 1), -1, dtype=np.intp)
    plume = np.zeros((n, n_steps + 1), dtype=bool)
    rec[:, 0, :3], rec[:, 0, 3:] = r, v
    burnout_state = np.full((n, 6), np.nan)
    release_state = np.full((n, 6), np.nan)
    crashed = np.zeros(n, dtype=bool)
    burnout_k = sched.burn_k[sched.n_stages - 1, np.arange(n)]
    alive = np.arange(n)
    state = np.concatenate([r, v], axis=1)
    kick_start = np.array([item.booster.vertical_rise_s for item in launches])
    kick_dur = np.array([item.booster.kick_duration_s for item in launches])
    for k0, k1 in zip(events[:-1], events[1:], strict=True):
        flying = alive[sched.release_k[alive] > k0]
        if flying.size == 0:
            continue
        sub = sched.subset(flying)
        bottom, burning, mode = sub.phase(int(k0))
        cols = np.arange(flying.size)
        mass_ref, t_ref = sub.reference_mass(int(k0), bottom, burning)
        model = _SegmentModel(
            mass_ref_kg=mass_ref,
            t_ref_s=t_ref,
            mdot=np.where(burning, sub.mdot[bottom, cols], 0.0),
            thrust_vac=np.where(burning, sub.thrust_vac[bottom, cols], 0.0),
            exit_area=np.where(burning, sub.exit_area[bottom, cols], 0.0),
            ref_area=sub.ref_area[bottom, cols],
            mode=mode,
            kick=sub.kick,
            kick_start_s=kick_start[flying],
            kick_duration_s=kick_dur[flying],
            azimuth=sub.azimuth,
            drag=sub.drag,
            half_dt_s=0.5 * dt_s,
            env=env,
            gravity=gravity,
        )
        flight = fly(
            model,
            state[flying, :3],
            state[flying, 3:],
            dt_s,
            (k1 - k0) * dt_s,
            t0_s=k0 * dt_s,
        )
        steps = flight.y.shape[1] - 1
        ks = k0 + np.arange(1, steps + 1)
        rec[flying[:, None], ks[None, :]] = flight.y[:, 1:]
        t_rel = ks * dt_s
        m = model.mass(t_rel[:, None]).T  # (n_flying, steps)
        ok = ~np.isnan(flight.y[:, 1:, 0])
        mass[flying[:, None], ks[None, :]] = np.where(ok, m, np.nan)
        stage[flying[:, None], ks[None, :]] = np.where(ok, bottom[:, None], -1)
        plume[flying[:, None], ks[None, :]] = ok & burning[:, None]
        if k0 == 0:
            mass[flying, 0] = model.mass(0.0)
            stage[flying, 0] = bottom
            plume[flying, 0] = burning
        down = ~np.isnan(flight.stop_t_s)
        crashed[flying[down]] = True
        state[flying] = flight.stop_y
        alive = alive[~crashed[alive]]
        ended = flying[~down]
        at_burnout = ended[burnout_k[ended] == k1]
        burnout_state[at_burnout] = state[at_burnout]
        at_release = ended[sched.release_k[ended] == k1]
        release_state[at_release] = state[at_release]
    keep = np.arange(0, n_steps + 1, record_every)
    t = np.arange(n_steps + 1) * dt_s
    burnout_t = np.where(np.isnan(burnout_state[:, 0]), np.nan, burnout_k * dt_s)
    release_t = np.where(np.isnan(release_state[:, 0]), np.nan, sched.release_k * dt_s)
    return BoostTrajectories(
        names=tuple(item.booster.name for item in launches),
        t_s=t[keep],
        r_ecef=rec[:, keep, :3],
        v_ecef=rec[:, keep, 3:],
        stage=stage[:, keep],
        plume=plume[:, keep],
        mass_kg=mass[:, keep],
        burnout_t_s=burnout_t,
        burnout_r_ecef=burnout_state[:, :3],
        burnout_v_ecef=burnout_state[:, 3:],
        release_t_s=release_t,
        release_r_ecef=release_state[:, :3],
        release_v_ecef=release_state[:, 3:],
        payload_mass_kg=sched.payload.copy(),
        launch_t_s=np.array([item.t_s for item in launches]),
        crashed=crashed,
    )


SLENDER_BODY_CD: tuple[tuple[float, float], ...] = (
    (0.0, 0.20),
    (0.8, 0.22),
    (1.0, 0.35),
    (1.2, 0.40),
    (1.5, 0.37),
    (2.0, 0.32),
    (3.0, 0.26),
    (4.0, 0.23),
    (5.0, 0.21),
)
"""Zero-lift drag coefficient of a slender finned missile stack against Mach, on its base area:
kaminari's own generic curve (subsonic about 0.2, a transonic rise to 0.4 near Mach 1.2, then a
slow fall; held at 0.21 above Mach 5). Drag costs these boosters about 2-4 % of their delta-v,
so the curve's detail matters little (docs/assumptions.md)."""

_LB_KG = 0.45359237
_LBF_N = 4.4482216152605

V2_PROPELLANT_FLOW_KGPS = (128.0 + 159.0) * _LB_KG
"""A-4 (V-2) propellant flow, 128 lb/s of alcohol and 159 lb/s of liquid oxygen: National Museum
of the U.S. Air Force, "V-2 Rocket" fact sheet."""
V2_SEA_LEVEL_ISP_S = 56_000.0 * _LBF_N / (V2_PROPELLANT_FLOW_KGPS * G0_MPS2)
"""Sea-level Isp from the same fact sheet's 56,000 lbf thrust over that flow: 195.1 s."""

V2 = Booster(
    name="v2",
    stages=(
        Stage(
            total_mass_kg=(27_000.0 - 2_200.0) * _LB_KG,
            propellant_mass_kg=V2_PROPELLANT_FLOW_KGPS * 65.0,
            isp_vac_s=1.175 * V2_SEA_LEVEL_ISP_S,
            burn_time_s=65.0,
            isp_sl_s=V2_SEA_LEVEL_ISP_S,
            diameter_m=5.5 * 0.3048,
        ),
    ),
    payload_mass_kg=2_200.0 * _LB_KG,
    cd_mach=SLENDER_BODY_CD,
    kick_rad=35.0 * DEG,
    vertical_rise_s=6.0,
    kick_duration_s=4.0,
    source=(
        "The German A-4 (V-2), the one ballistic missile whose performance is public beyond doubt. "
        "Thrust 56,000 lbf at sea level and propellant flow 128 + 159 lb/s: National Museum of "
        "the U.S. Air Force, 'V-2 Rocket' fact sheet; launch weight about 27,000 lb, warhead "
        "2,200 lb, diameter 5.5 ft: A. S. Teitel, 'How many martinis can you fit inside a V-2 "
        "missile?', Scientific American blog network (Vintage Space), and the Embry-Riddle "
        "history-of-rocketry module (27,000 lb, 2,200 lb). Burn time 65 s and the vacuum / "
        "sea-level Isp ratio 1.175 (an exit area of 0.43 m^2, a 0.74 m nozzle) are kaminari's "
        "assumptions (docs/assumptions.md). Kick 35 deg: chosen for the published range. "
        "Published outcome: range about 320 km, apogee usually about 80 km (Encyclopaedia "
        "Britannica, 'V-2 rocket'); ceiling 50-60 mi = 80-97 km (USAF museum fact sheet)."
    ),
)
"""The A-4 (V-2), kaminari's check of the booster model against a flown missile."""

GENERIC_MRBM = Booster(
    name="generic-mrbm",
    stages=(
        Stage(
            total_mass_kg=15_200.0,
            propellant_mass_kg=12_900.0,
            isp_vac_s=255.0,
            burn_time_s=110.0,
            isp_sl_s=226.0,
            diameter_m=1.36,
        ),
    ),
    payload_mass_kg=800.0,
    cd_mach=SLENDER_BODY_CD,
    kick_rad=10.0 * DEG,
    vertical_rise_s=6.0,
    kick_duration_s=4.0,
    source=(
        "A generic single-stage liquid MRBM of the Nodong (Rodong-1) class: payload 800 kg and "
        "range 1,000-1,300 km as published for the Rodong-1 (S. Morimoto, Nomura Research "
        "Institute, 1994, in GlobalSecurity.org's archive; 'up to 1,300 km', Chosun Ilbo, 2016). "
        "Stage masses, Isp (226 s sea level, 255 s vacuum: Scud-technology storable liquids) and "
        "burn time are kaminari's generic choices, sized so the range falls in that band "
        "(docs/assumptions.md); not a model of the real missile. Kick 10 deg: near the "
        "maximum range (1,165 km), apogee about 300 km."
    ),
)
"""A generic medium-range ballistic missile; its re-entry vehicle separates at burnout."""

GENERIC_HGV_BOOSTER = Booster(
    name="generic-hgv-booster",
    stages=(
        Stage(
            total_mass_kg=12_000.0,
            propellant_mass_kg=10_560.0,
            isp_vac_s=285.0,
            burn_time_s=70.0,
            isp_sl_s=262.0,
            diameter_m=1.4,
            coast_after_s=10.0,
        ),
        Stage(
            total_mass_kg=4_000.0,
            propellant_mass_kg=3_600.0,
            isp_vac_s=295.0,
            burn_time_s=80.0,
            diameter_m=1.4,
        ),
    ),
    payload_mass_kg=907.2,
    cd_mach=SLENDER_BODY_CD,
    kick_rad=60.0 * DEG,
    vertical_rise_s=5.0,
    kick_duration_s=5.0,
    source=(
        "A generic two-stage solid booster for the CAV-H (907.2 kg; Phillips 2003): propellant "
        "fractions 0.88 and 0.90 and Isp 262 / 285 s and 295 s are typical of composite solid "
        "motors (Sutton & Biblarz, 'Rocket Propulsion Elements', 9th ed., 2017, ch. 12-13); "
        "masses, burn times and the 10 s interstage coast are kaminari's choices. Kick 60 deg "
        "flies it depressed: the glider is released at burnout near 78 km, 5.56 km/s and a "
        "flight-path angle of 7 deg (docs/assumptions.md)."
    ),
)
"""A generic boost-glide booster that releases a CAV-H at burnout."""

BOOSTERS: dict[str, Booster] = {b.name: b for b in (GENERIC_MRBM, GENERIC_HGV_BOOSTER, V2)}
"""Boosters a scenario may name, by their scenario name."""
