"""Fly a batch of glide vehicles from their glide start states under their guidance plans.

Every threat of a scenario flies in one batch through ``kaminari.dynamics``; the guidance laws
are evaluated for the whole batch at once (see ``threats.guidance`` for the laws and sources).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

import numpy as np
from numpy.typing import NDArray

from kaminari.dynamics.forces import EARTH, AirState, Controls, Environment, frame_acceleration
from kaminari.dynamics.integrator import Flight, PointMassModel, fly
from kaminari.earth.constants import G0_MPS2, GM_M3PS2, MEAN_RADIUS_M
from kaminari.earth.frames import ecef2geodetic, enu_rotation, geodetic2ecef, geodetic_up
from kaminari.threats.guidance import GuidancePlan
from kaminari.threats.vehicles import AeroModel, GlideVehicle

__all__ = ["GlideController", "GlideStart", "ThreatSpec", "ThreatTrajectories", "fly_threats"]

Array = NDArray[np.float64]

EQUILIBRIUM_DAMPING_S = 15.0
"""Time constant of the equilibrium glide's flight-path-angle damping, s."""


@dataclass(frozen=True)
class GlideStart:
    """Start of a glide: geodetic position, Earth-relative speed, flight-path angle (above the
    local geodetic horizontal) and heading (clockwise from north). Radians and metres."""

    lat_rad: float
    lon_rad: float
    alt_m: float
    speed_mps: float
    flight_path_rad: float
    heading_rad: float

    def ecef(self) -> tuple[Array, Array]:
        """ECEF position and velocity (each (3,))."""
        r = geodetic2ecef(self.lat_rad, self.lon_rad, self.alt_m)
        cg = np.cos(self.flight_path_rad)
        enu = self.speed_mps * np.array(
            [
                cg * np.sin(self.heading_rad),
                cg * np.cos(self.heading_rad),
                np.sin(self.flight_path_rad),
            ]
        )
        return r, enu_rotation(self.lat_rad, self.lon_rad).T @ enu


@dataclass(frozen=True)
class ThreatSpec:
    """One threat: its name, vehicle, glide start and guidance plan; ``start_t_s`` is when
    (s after the scenario epoch) it is at ``start``. It is flown from its own start (guidance
    times such as a weave's phase count from there) and shifted to it by ``engagement``.
    ``density_scale`` multiplies the standard atmosphere's density along its whole flight (a
    dispersed atmosphere for this member; 1 is the standard's)."""

    name: str
    vehicle: GlideVehicle
    start: GlideStart
    guidance: GuidancePlan
    start_t_s: float = 0.0
    density_scale: float = 1.0


def _member_array(values: Sequence[float]) -> Array:
    return np.asarray(values, dtype=float)


@dataclass(frozen=True)
class GlideController:
    """Guidance of a batch of glide vehicles; every field holds one value per member (last axis).

    Evaluates the angle of attack law (held, or equilibrium glide), the bank law
    (constant + amplitude sin(2 pi t / period + phase)) and, inside each member's dive range,
    proportional navigation onto its target, for the whole batch at once.
    """

    aero_models: tuple[AeroModel, ...]
    aero_code: NDArray[np.intp]
    area_over_mass: Array
    alpha_rad: Array
    equilibrium: NDArray[np.bool_]
    alpha_min_rad: Array
    alpha_max_rad: Array
    bank_rad: Array
    weave_amplitude_rad: Array
    weave_omega_rps: Array
    weave_phase_rad: Array
    has_dive: NDArray[np.bool_]
    target_ecef: Array  # (3, N)
    target_up: Array  # (3, N)
    dive_start_angle_rad: Array
    navigation_gain: Array
    max_dive_lift_mps2: Array
    dive_alpha_max_rad: Array
    env: Environment = EARTH

    @classmethod
    def from_specs(cls, specs: Sequence[ThreatSpec], env: Environment = EARTH) -> GlideController:
        models: list[AeroModel] = []
        codes = []
        for spec in specs:
            if spec.vehicle.aero not in models:
                models.append(spec.vehicle.aero)
            codes.append(models.index(spec.vehicle.aero))
        plans = [s.guidance for s in specs]
        dives = [p.dive for p in plans]
        t_lat = _member_array([d.target_lat_rad if d else 0.0 for d in dives])
        t_lon = _member_array([d.target_lon_rad if d else 0.0 for d in dives])
        t_alt = _member_array([d.target_alt_m if d else 0.0 for d in dives])
        return cls(
            aero_models=tuple(models),
            aero_code=np.asarray(codes, dtype=np.intp),
            area_over_mass=_member_array(
                [s.vehicle.ref_area_m2 / s.vehicle.mass_kg for s in specs]
            ),
            alpha_rad=_member_array([p.alpha_rad for p in plans]),
            equilibrium=np.array([p.glide == "equilibrium" for p in plans]),
            alpha_min_rad=_member_array([p.alpha_min_rad for p in plans]),
            alpha_max_rad=_member_array([p.alpha_max_rad for p in plans]),
            bank_rad=_member_array(
                [p.bank.bank_rad if p.bank.kind == "constant" else 0.0 for p in plans]
            ),
            weave_amplitude_rad=_member_array(
                [p.bank.amplitude_rad if p.bank.kind == "weave" else 0.0 for p in plans]
            ),
            weave_omega_rps=_member_array([2.0 * np.pi / p.bank.period_s for p in plans]),
            weave_phase_rad=_member_array([p.bank.phase_rad for p in plans]),
            has_dive=np.array([d is not None for d in dives]),
            target_ecef=geodetic2ecef(t_lat, t_lon, t_alt).reshape(-1, 3).T.copy(),
            target_up=geodetic_up(t_lat, t_lon).reshape(-1, 3).T.copy(),
            dive_start_angle_rad=_member_array(
                [d.start_range_m / MEAN_RADIUS_M if d else 0.0 for d in dives]
            ),
            navigation_gain=_member_array([d.navigation_gain if d else 0.0 for d in dives]),
            max_dive_lift_mps2=_member_array([d.max_load_g * G0_MPS2 if d else 0.0 for d in dives]),
            dive_alpha_max_rad=_member_array([d.alpha_max_rad if d else 0.0 for d in dives]),
            env=env,
        )

    def subset(self, keep: NDArray[np.intp]) -> Self:
        fields = {
            name: (value[..., keep] if isinstance(value, np.ndarray) else value)
            for name, value in self.__dict__.items()
        }
        return type(self)(**fields)

    def _coefficients(self, mach: Array, alpha: Array) -> tuple[Array, Array]:
        if len(self.aero_models) == 1:
            return self.aero_models[0].coefficients(mach, alpha)
        cl, cd = np.empty_like(alpha), np.empty_like(alpha)
        for code, model in enumerate(self.aero_models):
            sel = self.aero_code == code
            cl[..., sel], cd[..., sel] = model.coefficients(mach[..., sel], alpha[..., sel])
        return cl, cd

    def _alpha_for_lift(self, mach: Array, cl: Array) -> Array:
        if len(self.aero_models) == 1:
            return self.aero_models[0].alpha_for_lift(mach, cl)
        alpha = np.empty_like(cl)
        for code, model in enumerate(self.aero_models):
            sel = self.aero_code == code
            alpha[..., sel] = model.alpha_for_lift(mach[..., sel], cl[..., sel])
        return alpha

    def __call__(self, t_s: float | Array, y: Array, air: AirState) -> Controls:
        x, yy, z, vx, vy, vz = y
        bank = self.bank_rad
        weave = None
        if self.weave_amplitude_rad.any():
            weave = self.weave_amplitude_rad * np.sin(
                self.weave_omega_rps * t_s + self.weave_phase_rad
            )
            bank = bank + weave
        if np.any(bank):
            cos_bank, sin_bank = np.cos(bank), np.sin(bank)
        else:  # wings level: skip the trigonometry (the common free glide)
            cos_bank, sin_bank = np.ones_like(air.mach), np.zeros_like(air.mach)
        alpha = self.alpha_rad  # (N,) broadcasts against (N,) or (T, N) air states
        qs_m = np.maximum(air.q_pa * self.area_over_mass, 1e-9)
        if self.equilibrium.any():
            r2 = x * x + yy * yy + z * z
            sin_gamma = (vx * air.upx + vy * air.upy + vz * air.upz) / air.speed_mps
            cos_gamma = np.sqrt(np.maximum(1.0 - sin_gamma * sin_gamma, 0.0))
            need = (GM_M3PS2 / r2 - air.speed_mps**2 / np.sqrt(r2)) * cos_gamma - (
                air.speed_mps * np.arcsin(sin_gamma) / EQUILIBRIUM_DAMPING_S
            )
            lift_acc = np.maximum(need, 0.0) / np.maximum(cos_bank, 0.1)
            alpha_eq = np.clip(
                self._alpha_for_lift(air.mach, lift_acc / qs_m),
                self.alpha_min_rad,
                self.alpha_max_rad,
            )
            alpha = np.where(self.equilibrium, alpha_eq, alpha)
        if self.has_dive.any():
            cos_angle = (
                air.upx * self.target_up[0]
                + air.upy * self.target_up[1]
                + (air.upz * self.target_up[2])
            )
            diving = self.has_dive & (cos_angle > np.cos(self.dive_start_angle_rad))
            if diving.any():
                alpha_d, cos_d, sin_d = self._dive(y, air, qs_m)
                if weave is not None:  # a weaving threat keeps weaving in its dive
                    cw, sw = np.cos(weave), np.sin(weave)
                    cos_d, sin_d = cos_d * cw - sin_d * sw, sin_d * cw + cos_d * sw
                alpha = np.where(diving, alpha_d, alpha)
                cos_bank = np.where(diving, cos_d, cos_bank)
                sin_bank = np.where(diving, sin_d, sin_bank)
        cl, cd = self._coefficients(air.mach, alpha)
        return Controls(cl, cd, cos_bank, sin_bank)

    def _dive(self, y: Array, air: AirState, qs_m: Array) -> tuple[Array, Array, Array]:
        """Proportional navigation onto the target: a = N (omega_los x v), plus what cancels the
        part of gravity and the frame terms across the velocity (P. Zarchan, "Tactical and
        Strategic Missile Guidance", 6th ed., ch. 2). Returns angle of attack and bank."""
        x, yy, z, vx, vy, vz = y
        rx, ry, rz = self.target_ecef[0] - x, self.target_ecef[1] - yy, self.target_ecef[2] - z
        r2 = np.maximum(rx * rx + ry * ry + rz * rz, 1.0)
        # line-of-sight rate for a fixed target: (R x (-v)) / |R|^2
        wx = (-ry * vz + rz * vy) / r2
        wy = (-rz * vx + rx * vz) / r2
        wz = (-rx * vy + ry * vx) / r2
        n = self.navigation_gain
        ax, ay, az = n * (wy * vz - wz * vy), n * (wz * vx - wx * vz), n * (wx * vy - wy * vx)
        gx, gy, gz = frame_acceleration(x, yy, z, vx, vy, vz, self.env)
        inv_v = 1.0 / np.maximum(air.speed_mps, 1e-9)
        ex, ey, ez = vx * inv_v, vy * inv_v, vz * inv_v
        dx, dy, dz = ax - gx, ay - gy, az - gz
        along = dx * ex + dy * ey + dz * ez
        dx, dy, dz = dx - along * ex, dy - along * ey, dz - along * ez
        ue = air.upx * ex + air.upy * ey + air.upz * ez
        lx, ly, lz = air.upx - ue * ex, air.upy - ue * ey, air.upz - ue * ez
        inv_l = 1.0 / np.maximum(np.sqrt(lx * lx + ly * ly + lz * lz), 1e-12)
        lx, ly, lz = lx * inv_l, ly * inv_l, lz * inv_l
        sx, sy, sz = ey * lz - ez * ly, ez * lx - ex * lz, ex * ly - ey * lx
        mag = np.maximum(np.sqrt(dx * dx + dy * dy + dz * dz), 1e-12)
        cos_b = (dx * lx + dy * ly + dz * lz) / mag
        sin_b = (dx * sx + dy * sy + dz * sz) / mag
        lift = np.minimum(mag, self.max_dive_lift_mps2)
        alpha = np.clip(
            self._alpha_for_lift(air.mach, lift / qs_m), 0.0, self.dive_alpha_max_rad
        )
        return alpha, cos_b, sin_b


@dataclass(frozen=True)
class ThreatTrajectories:
    """Flown threats. Arrays are (N, T) unless noted; samples after ground impact are NaN
    (``valid`` is False there); the impact itself is in the ``impact_*`` fields."""

    names: tuple[str, ...]
    t_s: Array  # (T,)
    r_ecef: Array  # (N, T, 3)
    v_ecef: Array  # (N, T, 3)
    lat_rad: Array
    lon_rad: Array
    alt_m: Array
    mach: Array
    q_pa: Array
    load_factor_g: Array
    impact_t_s: Array  # (N,)
    impact_r_ecef: Array  # (N, 3)
    impact_v_ecef: Array  # (N, 3)

    @property
    def valid(self) -> NDArray[np.bool_]:
        return ~np.isnan(self.alt_m)

    def rows(self) -> dict[str, NDArray]:
        """The flown samples, one row per threat and recorded time, plus each threat's impact
        (or last) point as its final row; columns in SI and degrees as named."""
        n, t_len = self.alt_m.shape
        valid = self.valid
        member, step = np.nonzero(valid)
        cols: dict[str, NDArray] = {
            "threat": np.asarray(self.names, dtype=object)[member],
            "t_s": self.t_s[step],
        }
        impact = ~np.isnan(self.impact_t_s)
        imp = np.flatnonzero(impact)
        geo = ecef2geodetic(self.impact_r_ecef[imp])
        extra = {
            "threat": np.asarray(self.names, dtype=object)[imp],
            "t_s": self.impact_t_s[imp],
        }
        for i, axis in enumerate("xyz"):
            cols[f"{axis}_m"] = self.r_ecef[member, step, i]
            extra[f"{axis}_m"] = self.impact_r_ecef[imp, i]
        for i, axis in enumerate("xyz"):
            cols[f"v{axis}_mps"] = self.v_ecef[member, step, i]
            extra[f"v{axis}_mps"] = self.impact_v_ecef[imp, i]
        cols["lat_deg"] = np.degrees(self.lat_rad[valid])
        cols["lon_deg"] = np.degrees(self.lon_rad[valid])
        cols["alt_m"] = self.alt_m[valid]
        extra["lat_deg"] = np.degrees(geo.lat_rad)
        extra["lon_deg"] = np.degrees(geo.lon_rad)
        extra["alt_m"] = geo.alt_m
        last = np.maximum(valid.sum(axis=1) - 1, 0)[imp]
        for name in ("mach", "q_pa", "load_factor_g"):
            cols[name] = getattr(self, name)[valid]
            extra[name] = getattr(self, name)[imp, last]
        order = np.lexsort(
            (np.concatenate([cols["t_s"], extra["t_s"]]), np.concatenate([member, imp]))
        )
        return {k: np.concatenate([cols[k], extra[k]])[order] for k in cols}


def fly_threats(
    threats: Sequence[ThreatSpec],
    dt_s: float = 0.1,
    t_max_s: float = 3600.0,
    record_every: int = 1,
    env: Environment = EARTH,
) -> ThreatTrajectories:
    """Fly every threat in one batch for at most ``t_max_s`` with RK4 steps of ``dt_s``,
    recording every ``record_every``-th step; see ``ThreatTrajectories`` for the result."""
    if not threats:
        raise ValueError("fly_threats needs at least one threat")
    controller = GlideController.from_specs(threats, env)
    scale = _member_array([spec.density_scale for spec in threats])
    model = PointMassModel(controller.area_over_mass, controller, env, scale)
    starts = [spec.start.ecef() for spec in threats]
    r0 = np.stack([s[0] for s in starts])
    v0 = np.stack([s[1] for s in starts])
    flight = fly(model, r0, v0, dt_s, t_max_s, record_every=record_every)
    return _diagnose(tuple(t.name for t in threats), model, flight)


def _diagnose(names: tuple[str, ...], model: PointMassModel, flight: Flight) -> ThreatTrajectories:
    """Derived quantities at every recorded sample, in one batched evaluation."""
    valid = flight.valid
    # Stopped samples are NaN; evaluate a harmless stand-in there (the start) and blank it after.
    filled = np.where(valid[..., None], flight.y, flight.y[:, :1, :])
    y = filled.transpose(2, 1, 0)  # (6, T, N): members on the last axis, as the controller wants
    _, air, _, lift = model.evaluate(flight.t_s[:, None], y)
    geo = ecef2geodetic(filled[..., :3])
    blank = np.where(valid, 1.0, np.nan)
    return ThreatTrajectories(
        names=names,
        t_s=flight.t_s,
        r_ecef=flight.y[..., :3],
        v_ecef=flight.y[..., 3:],
        lat_rad=geo.lat_rad * blank,
        lon_rad=geo.lon_rad * blank,
        alt_m=geo.alt_m * blank,
        mach=air.mach.T * blank,
        q_pa=air.q_pa.T * blank,
        load_factor_g=(lift / G0_MPS2).T * blank,
        impact_t_s=flight.stop_t_s,
        impact_r_ecef=flight.stop_y[:, :3],
        impact_v_ecef=flight.stop_y[:, 3:],
    )
