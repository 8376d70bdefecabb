"""Fly a batch of glide vehicles from their glide start states under their guidance plans.

Every threat of a scenario flies in one batch through ``kaminari.dynamics.integrator.fly``. The
guidance laws (``threats.guidance`` has the laws and their sources) are compiled with numba,
together with the forces, so that the integrator flies each member without Python in its loop;
``GlideController`` also evaluates them for a numpy batch (``PointMassModel.derivative``), with
the same compiled functions. Per-sample quantities (altitude, Mach, dynamic pressure, heat rate,
aerodynamic load, phase) are derived after the flight, on first use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Self

import numpy as np
from numba import njit, prange
from numpy.typing import NDArray

from kaminari.dynamics.forces import (
    ATMOSPHERE_TABLE,
    EARTH,
    AirState,
    Controls,
    Environment,
    aero_kernel,
    air_kernel,
)
from kaminari.dynamics.integrator import PointMassModel, fly, fly_member
from kaminari.earth.atmosphere import _GRID_DH_M, _GRID_H0_M
from kaminari.earth.constants import G0_MPS2, GM_M3PS2, MEAN_RADIUS_M
from kaminari.earth.frames import (
    _geodetic_kernel,
    ecef2geodetic,
    enu_rotation,
    geodetic2ecef,
    geodetic_up,
)
from kaminari.earth.gravity import frame_kernel
from kaminari.threats.guidance import (
    BARRIER_MARGIN,
    BARRIER_RESPONSE_S,
    BARRIER_TAU_S,
    DIVE_DEMAND_FRACTION,
    GATE_ALT_M,
    IMPACT_WEIGHT_POWER,
    LIMIT_ALPHA_MAX_RAD,
    GuidancePlan,
)
from kaminari.threats.heating import SUTTON_GRAVES_K_EARTH, heat_rate_kernel
from kaminari.threats.vehicles import GlideVehicle

if TYPE_CHECKING:
    from kaminari.threats.booster import Launch

__all__ = [
    "PHASES",
    "GlideController",
    "GlideStart",
    "ThreatSpec",
    "ThreatTrajectories",
    "fly_threats",
]

Array = NDArray[np.float64]

EQUILIBRIUM_DAMPING_S = 15.0
"""Time constant of the equilibrium glide's flight-path-angle damping, s."""

PHASES = ("boost", "midcourse", "glide", "dive")
"""Flight phases; ``ThreatTrajectories.phase_code`` holds indices into this tuple."""
PHASE_BOOST = PHASES.index("boost")
PHASE_MIDCOURSE = PHASES.index("midcourse")
PHASE_GLIDE = PHASES.index("glide")
PHASE_DIVE = PHASES.index("dive")

# Columns of the compiled guidance's per-member parameters.
_AOM, _SCALE, _NOSE, _ATM, _OMEGA, _KJ2 = range(6)
_A0, _A1, _A2, _A3, _ACLIP, _B0, _B1, _B2, _B3, _B4 = range(6, 16)
_ALPHA, _EQUIL, _AMIN, _AMAX, _BANK, _WAMP, _WOMEGA, _WPHASE = range(16, 24)
_DIVE, _TX, _TY, _TZ, _TUX, _TUY, _TUZ, _DIVE_COS = range(24, 32)
_NAV, _DIVE_LIFT, _DIVE_AMAX, _IMPACT, _QMAX, _HEATMAX, _LOADMAX, _DIVE_COS_FAR = range(32, 40)
_GATE = 40
# constants of the member that the compiled laws would otherwise recompute at every evaluation:
# the gate's distance back along the approach, GATE_ALT_M / tan(-(n+1)(n+2)/((n+2)(n+3)) impact)
# (NaN without an impact angle), cos and sin of the impact angle, and 1 where the aerodynamic fit
# allows the load cap's shortcut (``_load_cap_idle``), else 0
_GATE_BACK, _IMPACT_COS, _IMPACT_SIN, _LOAD_BOUND = range(41, 45)
_N_PARAMS = 45
_UP_TILT_RAD = 0.004  # geodetic up is within 0.0034 rad of the geocentric direction
_DIVE_T = 0  # guidance state: when the dive started (inf: not yet)
_FINAL_T = 1  # when the dive's impact-angle law took over (inf: not yet)
_N_STATE = 2

_C_LOS = float((IMPACT_WEIGHT_POWER + 2) * (IMPACT_WEIGHT_POWER + 3))
_C_IMPACT = float((IMPACT_WEIGHT_POWER + 1) * (IMPACT_WEIGHT_POWER + 2))
_INF = math.inf
_FAST = {"reassoc", "contract", "arcp", "nsz", "afn"}  # not nnan/ninf: inf and NaN are used
# The kernels use numpy's error model (no zero-division check on every division): divisions
# are guarded where a zero can occur (speeds, distances and lift floored at tiny values).


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
    start: GlideStart | None
    guidance: GuidancePlan
    start_t_s: float = 0.0
    density_scale: float = 1.0
    launch: Launch | None = None
    """A launch from the ground by a booster (``threats.booster``) instead of ``start`` (which
    is then None): the threat is flown from lift-off (``threats.launched``)."""


# --- compiled guidance ------------------------------------------------------------------------


@njit(cache=True, inline="always")
def _aero(p: Array, alpha: float, e1: float, e2: float) -> tuple[float, float]:
    """Lift and drag coefficients (the form of ``threats.vehicles``); e1 = exp(a3 Ma) and
    e2 = exp(b3 Ma), evaluated once per instant by the caller."""
    cl = p[_A0] + p[_A1] * alpha + p[_A2] * e1
    if p[_ACLIP] > 0.0:
        cl = max(cl, 0.0)
    cd = p[_B0] + p[_B1] * alpha * alpha + p[_B2] * e2 + p[_B4] * cl
    return cl, cd


@njit(cache=True, inline="always")
def _alpha_for_lift(p: Array, cl: float, e1: float) -> float:
    return (cl - p[_A0] - p[_A2] * e1) / p[_A1]


@njit(cache=True, inline="always")
def _log_density(aux: Array, alt: float) -> tuple[float, float]:
    """ln(rho) of the standard atmosphere at ``alt`` (the grid's, as ``air_kernel`` takes the
    exp of it: the barrier needs no log of the density) and d ln(rho) / dh (1/m) of its cell."""
    u = alt * (1.0 / _GRID_DH_M) - _GRID_H0_M / _GRID_DH_M
    i = min(max(int(u), 0), aux.shape[0] - 2)
    u -= i
    return aux[i, 0] + u * aux[i, 1], aux[i, 1] * (1.0 / _GRID_DH_M)


@njit(cache=True, inline="always")
def _terminal(
    x: float, y: float, z: float, vx: float, vy: float, vz: float,
    upx: float, upy: float, upz: float, speed: float, qs_m: float, fx: float, fy: float,
    fz: float, e1: float, e2: float, p: Array, want_capacity: bool, impact_law: bool,
) -> tuple[float, float, float, float, float]:  # fmt: skip
    """The terminal law: angle of attack, cos and sin of bank, the lift acceleration it asks
    for (across the velocity, gravity and frame terms f included) and, if ``want_capacity``,
    a second figure (else 0): for proportional navigation the lift available (at the dive's
    top angle of attack, at most its load cap); for the impact-angle law its own kinematic
    pull along the bank-0 lift direction (positive: it asks for a loft).

    ``impact_law`` False with an impact angle commanded: proportional navigation onto the
    gate, ``GATE_ALT_M`` above the target's horizon and back along the approach where the
    target lies below it at the angle from which the impact-angle law asks for no loft
    ((n+1)(n+2) / ((n+2)(n+3)) of the impact angle)."""
    rx, ry, rz = p[_TX] - x, p[_TY] - y, p[_TZ] - z
    inv_v = 1.0 / max(speed, 1e-9)
    ex, ey, ez = vx * inv_v, vy * inv_v, vz * inv_v
    if not impact_law and not math.isnan(p[_IMPACT]):
        # descent onto the gate: GATE_ALT_M above the target's horizon, back along the
        # approach where the target lies half the impact angle below the horizontal
        ux, uy, uz = p[_TUX], p[_TUY], p[_TUZ]
        ru = rx * ux + ry * uy + rz * uz
        hx, hy, hz = rx - ru * ux, ry - ru * uy, rz - ru * uz
        hn = max(math.sqrt(hx * hx + hy * hy + hz * hz), 1.0)
        gate = p[_GATE]
        back = min(p[_GATE_BACK], hn)
        rx -= back * hx / hn - gate * ux
        ry -= back * hy / hn - gate * uy
        rz -= back * hz / hn - gate * uz
    r2 = max(rx * rx + ry * ry + rz * rz, 1.0)
    rn = math.sqrt(r2)
    if not impact_law:
        # proportional navigation: a = N (omega_los x v), omega_los = (R x (-v)) / |R|^2
        wx = (-ry * vz + rz * vy) / r2
        wy = (-rz * vx + rx * vz) / r2
        wz = (-rx * vy + ry * vx) / r2
        n = p[_NAV]
        ax, ay, az = n * (wy * vz - wz * vy), n * (wz * vx - wx * vz), n * (wx * vy - wy * vx)
    else:
        # Ryoo, Cho & Tahk (2005) with t_go = R / V: (V^2/R) [(n+2)(n+3) e_R - (n+1)(n+2) d_f]
        ux, uy, uz = p[_TUX], p[_TUY], p[_TUZ]
        ru = rx * ux + ry * uy + rz * uz
        hx, hy, hz = rx - ru * ux, ry - ru * uy, rz - ru * uz
        hn = math.sqrt(hx * hx + hy * hy + hz * hz)
        if hn < 1.0:  # over the target: the approach is the velocity's horizontal part
            ve = ex * ux + ey * uy + ez * uz
            hx, hy, hz = ex - ve * ux, ey - ve * uy, ez - ve * uz
            hn = max(math.sqrt(hx * hx + hy * hy + hz * hz), 1e-12)
        c, s = p[_IMPACT_COS], p[_IMPACT_SIN]
        dfx, dfy, dfz = c * hx / hn + s * ux, c * hy / hn + s * uy, c * hz / hn + s * uz
        k = speed * speed / rn
        ax = k * (_C_LOS * rx / rn - _C_IMPACT * dfx)
        ay = k * (_C_LOS * ry / rn - _C_IMPACT * dfy)
        az = k * (_C_LOS * rz / rn - _C_IMPACT * dfz)
    dx, dy, dz = ax - fx, ay - fy, az - fz
    along = dx * ex + dy * ey + dz * ez
    dx, dy, dz = dx - along * ex, dy - along * ey, dz - along * ez
    ue = upx * ex + upy * ey + upz * ez
    lx, ly, lz = upx - ue * ex, upy - ue * ey, upz - ue * ez
    inv_l = 1.0 / max(math.sqrt(lx * lx + ly * ly + lz * lz), 1e-12)
    lx, ly, lz = lx * inv_l, ly * inv_l, lz * inv_l
    sx, sy, sz = ey * lz - ez * ly, ez * lx - ex * lz, ex * ly - ey * lx
    demand = math.sqrt(dx * dx + dy * dy + dz * dz)
    mag = max(demand, 1e-12)
    cos_b = (dx * lx + dy * ly + dz * lz) / mag
    sin_b = (dx * sx + dy * sy + dz * sz) / mag
    capacity = 0.0
    if want_capacity:
        if impact_law:
            capacity = ax * lx + ay * ly + az * lz
        else:
            capacity = min(p[_DIVE_LIFT], qs_m * _aero(p, p[_DIVE_AMAX], e1, e2)[0])
    lift = min(demand, p[_DIVE_LIFT])
    alpha = min(max(_alpha_for_lift(p, lift / qs_m, e1), 0.0), p[_DIVE_AMAX])
    return alpha, cos_b, sin_b, demand, capacity


@njit(cache=True, inline="always")
def _load_cap_idle(
    p: Array, alpha: float, alpha_0: float, total: float, e1: float, e2: float
) -> bool:
    """True where the load cap's iteration (in ``_glide_alpha``) cannot end below ``alpha``, so
    that it need not run (its four steps are most of a glide's evaluation).

    The iteration, from alpha_0 (CL = total), is alpha <- CL^-1(total cos(theta(alpha))) with
    cos(theta) = CL / sqrt(CL^2 + CD^2). Where ``_LOAD_BOUND`` is set (a1 > 0, b0, b1, b2,
    b4 >= 0: CD / CL = b4 + (b0 + b2 e2 + b1 alpha^2) / CL, a convex function over a positive
    affine one, is quasi-convex where CL > 0) cos(theta) is smallest at an end of
    [alpha, alpha_0]; if total cos(theta) at both ends is at least CL(alpha), every step stays
    in [alpha, alpha_0] and the cap is min(alpha, alpha_4) = alpha. The two conditions are
    sqrt(CL^2 + CD^2) <= total at alpha and total^4 >= CL(alpha)^2 (total^2 + CD(alpha_0)^2)."""
    if p[_LOAD_BOUND] <= 0.0:
        return False
    cl, cd = _aero(p, alpha, e1, e2)
    cd_0 = _aero(p, alpha_0, e1, e2)[1]
    t2 = total * total
    return cl > 0.0 and cl * cl + cd * cd <= t2 and t2 * t2 >= cl * cl * (t2 + cd_0 * cd_0)


@njit(cache=True, inline="always")
def _glide_alpha(
    x: float, y: float, z: float, vx: float, vy: float, vz: float,
    upx: float, upy: float, upz: float, speed: float, rho: float, dlnrho: float,
    ln_rho: float, qs_m: float, cos_bank: float, fx: float, fy: float, fz: float, e1: float,
    e2: float, p: Array,
) -> float:  # fmt: skip
    """Angle of attack of the glide: held or equilibrium, raised where the q or heat-rate
    limit's barrier asks for more lift, capped by the load limit (``threats.guidance``)."""
    alpha = p[_ALPHA]
    limit_rho = p[_QMAX] < _INF or p[_HEATMAX] < _INF
    if p[_EQUIL] > 0.0 or limit_rho:
        r2 = x * x + y * y + z * z
        hdot = vx * upx + vy * upy + vz * upz
        sin_gamma = min(max(hdot / max(speed, 1e-9), -1.0), 1.0)
        cos_gamma = math.sqrt(max(1.0 - sin_gamma * sin_gamma, 0.0))
        if p[_EQUIL] > 0.0:
            need = (GM_M3PS2 / r2 - speed * speed / math.sqrt(r2)) * cos_gamma - (
                speed * math.asin(sin_gamma) / EQUILIBRIUM_DAMPING_S
            )
            lift_acc = max(need, 0.0) / max(cos_bank, 0.1)
            alpha_eq = _alpha_for_lift(p, lift_acc / qs_m, e1)
            alpha = min(max(alpha_eq, p[_AMIN]), p[_AMAX])
        if limit_rho and rho > 0.0:
            rho_max = _INF
            if p[_QMAX] < _INF:
                rho_max = 2.0 * p[_QMAX] / (speed * speed)
            if p[_HEATMAX] < _INF:
                root = p[_HEATMAX] / (SUTTON_GRAVES_K_EARTH * speed * speed * speed)
                rho_max = min(rho_max, p[_NOSE] * root * root)
            margin = math.log(rho_max / p[_SCALE]) - ln_rho  # ln(rho_max / rho)
            scale_height = -1.0 / dlnrho if dlnrho < -1e-7 else 7_000.0
            hdot_allowed = -scale_height * (margin - BARRIER_MARGIN) / BARRIER_TAU_S
            a_up = (hdot_allowed - hdot) / BARRIER_RESPONSE_S
            g_up = -(fx * upx + fy * upy + fz * upz)
            vh2 = speed * speed * cos_gamma * cos_gamma
            need_up = g_up - vh2 / math.sqrt(r2) + a_up
            lift_b = need_up / (max(cos_bank, 0.1) * max(cos_gamma, 0.1))
            alpha_b = _alpha_for_lift(p, lift_b / qs_m, e1)
            if alpha_b > alpha:  # the barrier may pull to the fit's top, above the plan's
                alpha = min(alpha_b, max(p[_AMAX], LIMIT_ALPHA_MAX_RAD))
    if p[_LOADMAX] < _INF:
        total = p[_LOADMAX] / qs_m  # the largest sqrt(CL^2 + CD^2)
        alpha_l = _alpha_for_lift(p, total, e1)
        if _load_cap_idle(p, alpha, alpha_l, total, e1, e2):
            return alpha
        for _ in range(4):  # keep CL/CD, scale to the largest total
            cl, cd = _aero(p, alpha_l, e1, e2)
            both = math.sqrt(cl * cl + cd * cd)
            if both <= 0.0 or cl <= 0.0:
                break
            alpha_l = _alpha_for_lift(p, cl * total / both, e1)
        alpha = min(alpha, alpha_l)
    return alpha


@njit(cache=True, inline="always")
def _controls(
    t: float, x: float, y: float, z: float, vx: float, vy: float, vz: float,
    upx: float, upy: float, upz: float, speed: float, rho: float, sound: float,
    dlnrho: float, ln_rho: float, fx: float, fy: float, fz: float, p: Array, dive_t: float,
    final_t: float,
) -> tuple[float, float, float, float]:  # fmt: skip
    """Lift and drag coefficients and cos, sin of bank of one member at one instant; f is the
    gravity and frame acceleration there; ``dlnrho`` and ``ln_rho`` as ``_log_density``."""
    mach = speed / sound
    e1 = math.exp(p[_A3] * mach)
    e2 = math.exp(p[_B3] * mach)
    qs_m = max(0.5 * rho * speed * speed * p[_AOM], 1e-9)
    weave = 0.0
    if p[_WAMP] != 0.0:
        weave = p[_WAMP] * math.sin(p[_WOMEGA] * t + p[_WPHASE])
    bank = p[_BANK] + weave
    cos_b, sin_b = 1.0, 0.0
    if bank != 0.0:
        cos_b, sin_b = math.cos(bank), math.sin(bank)
    if p[_DIVE] > 0.0 and t >= dive_t:
        alpha, cos_d, sin_d, _, _ = _terminal(
            x, y, z, vx, vy, vz, upx, upy, upz, speed, qs_m, fx, fy, fz, e1, e2, p, False,
            t >= final_t,
        )  # fmt: skip
        if weave != 0.0:  # a weaving threat keeps weaving in its dive
            cw, sw = math.cos(weave), math.sin(weave)
            cos_d, sin_d = cos_d * cw - sin_d * sw, sin_d * cw + cos_d * sw
        cos_b, sin_b = cos_d, sin_d
    else:
        alpha = _glide_alpha(
            x, y, z, vx, vy, vz, upx, upy, upz, speed, rho, dlnrho, ln_rho, qs_m, cos_b, fx,
            fy, fz,
            e1, e2, p,
        )  # fmt: skip
    cl, cd = _aero(p, alpha, e1, e2)
    return cl, cd, cos_b, sin_b


@njit(cache=True, inline="always")
def _glide_derivative(t, y, i, params, state, aux, out):  # type: ignore[no-untyped-def]
    p = params[i]
    x, yy, z, vx, vy, vz = y[0], y[1], y[2], y[3], y[4], y[5]
    alt, upx, upy, upz, speed, rho, sound, _ = air_kernel(
        x, yy, z, vx, vy, vz, aux, p[_ATM] > 0.0, p[_SCALE]
    )
    ln_rho, dlnrho = _log_density(aux, alt)
    fx, fy, fz = frame_kernel(x, yy, z, vx, vy, vz, p[_OMEGA], p[_KJ2])
    cl, cd, cos_b, sin_b = _controls(
        t, x, yy, z, vx, vy, vz, upx, upy, upz, speed, rho, sound, dlnrho, ln_rho, fx, fy, fz,
        p,
        state[i, _DIVE_T], state[i, _FINAL_T],
    )  # fmt: skip
    ax, ay, az, _, _ = aero_kernel(
        vx, vy, vz, upx, upy, upz, speed, 0.5 * rho * speed * speed, p[_AOM], cl, cd, cos_b,
        sin_b,
    )  # fmt: skip
    out[0], out[1], out[2] = vx, vy, vz
    out[3], out[4], out[5] = fx + ax, fy + ay, fz + az


@njit(cache=True, inline="always")
def _glide_update(t, y, i, params, state, aux):  # type: ignore[no-untyped-def]
    """Between steps: start the dive (latched) once inside the armed range and the
    proportional navigation's demand reaches ``DIVE_DEMAND_FRACTION`` of the lift available;
    in the dive, with an impact angle commanded, hand over (latched) from the descent onto
    the gate to the impact-angle law once that law no longer asks for a loft."""
    p = params[i]
    if p[_DIVE] <= 0.0 or state[i, _FINAL_T] < _INF:
        return
    diving = state[i, _DIVE_T] < _INF
    if diving and math.isnan(p[_IMPACT]):
        return
    x, yy, z, vx, vy, vz = y[0], y[1], y[2], y[3], y[4], y[5]
    if not diving:
        if (x * p[_TUX] + yy * p[_TUY] + z * p[_TUZ]) <= p[_DIVE_COS_FAR] * math.sqrt(
            x * x + yy * yy + z * z
        ):
            return  # far outside the armed range, by the geocentric angle alone
        _, slat, clat, dist = _geodetic_kernel(x, yy, z)
        if (clat * (x * p[_TUX] + yy * p[_TUY]) / dist + slat * p[_TUZ]) <= p[_DIVE_COS]:
            return  # not yet within the armed range
    alt, upx, upy, upz, speed, rho, sound, _ = air_kernel(
        x, yy, z, vx, vy, vz, aux, p[_ATM] > 0.0, p[_SCALE]
    )
    qs_m = max(0.5 * rho * speed * speed * p[_AOM], 1e-9)
    mach = speed / sound
    fx, fy, fz = frame_kernel(x, yy, z, vx, vy, vz, p[_OMEGA], p[_KJ2])
    e1, e2 = math.exp(p[_A3] * mach), math.exp(p[_B3] * mach)
    _, _, _, demand, capacity = _terminal(
        x, yy, z, vx, vy, vz, upx, upy, upz, speed, qs_m, fx, fy, fz, e1, e2, p, True, False
    )
    if not diving:
        if demand >= DIVE_DEMAND_FRACTION * capacity:
            state[i, _DIVE_T] = t
        return
    _, _, _, demand, pull = _terminal(
        x, yy, z, vx, vy, vz, upx, upy, upz, speed, qs_m, fx, fy, fz, e1, e2, p, True, True
    )
    if pull <= 0.0:  # the impact-angle law no longer asks for a loft
        state[i, _FINAL_T] = t


@njit(cache=True, fastmath=_FAST, error_model="numpy")
def _fly_glide(  # type: ignore[no-untyped-def]
    i, params, state, aux, y0, t0, dt, n_steps, record_every, stop_alt, rec, stop_t, stop_y, last
):
    """One member's glide flight: ``dynamics.integrator.fly_member`` with the glide guidance."""
    fly_member(
        _glide_derivative, _glide_update, i, params, state, aux, y0, t0, dt, n_steps,
        record_every, stop_alt, rec, stop_t, stop_y, last,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def _fly_glides(  # type: ignore[no-untyped-def]
    params, state, aux, y0, t0, dt, n_steps, record_every, stop_alt, rec, stop_t, stop_y, last
):
    """Every member's glide flight, one after another."""
    for i in range(y0.shape[0]):
        _fly_glide(
            i, params, state, aux, y0, t0, dt, n_steps, record_every, stop_alt, rec, stop_t,
            stop_y, last,
        )  # fmt: skip


@njit(cache=True, parallel=True)
def _fly_glides_threaded(  # type: ignore[no-untyped-def]
    params, state, aux, y0, t0, dt, n_steps, record_every, stop_alt, rec, stop_t, stop_y, last
):
    """``_fly_glides`` with the members shared among numba's threads."""
    for i in prange(y0.shape[0]):
        _fly_glide(
            i, params, state, aux, y0, t0, dt, n_steps, record_every, stop_alt, rec, stop_t,
            stop_y, last,
        )  # fmt: skip


@njit(cache=True, error_model="numpy")
def _controls_batch(  # type: ignore[no-untyped-def]
    t, x, y, z, vx, vy, vz, alt, upx, upy, upz, speed, rho, sound, member, params, dive_t, aux,
    cl, cd, cos_b, sin_b,
):  # fmt: skip
    for k in range(x.size):
        i = member[k]
        p = params[i]
        fx, fy, fz = frame_kernel(x[k], y[k], z[k], vx[k], vy[k], vz[k], p[_OMEGA], p[_KJ2])
        dlnrho = _log_density(aux, alt[k])[1]
        ln_rho = math.log(rho[k] / p[_SCALE])  # the standard's: rho may carry another scale
        cl[k], cd[k], cos_b[k], sin_b[k] = _controls(
            t[k], x[k], y[k], z[k], vx[k], vy[k], vz[k], upx[k], upy[k], upz[k], speed[k],
            rho[k], sound[k], dlnrho, ln_rho, fx, fy, fz, p, dive_t[i, 0], dive_t[i, 1],
        )  # fmt: skip


@njit(cache=True, error_model="numpy")
def _update_batch(t, y, ids, params, state, aux):  # type: ignore[no-untyped-def]
    row = np.empty(6)
    for k in range(ids.size):
        for j in range(6):
            row[j] = y[j, k]
        _glide_update(t, row, ids[k], params, state, aux)


@njit(cache=True, error_model="numpy")
def _diagnose_kernel(  # type: ignore[no-untyped-def]
    t_s, offset, rec, params, dive_t, aux, lat, lon, alt, mach, q, heat, load, phase
):
    """Per recorded sample: geodetic position, Mach, dynamic pressure, Sutton-Graves heat rate,
    aerodynamic load sqrt(L^2 + D^2) / (m g0) and phase code; NaN (phase -1) after the end.
    The guidance reads each member's own clock, the record's less ``offset`` (N,)."""
    for i in range(rec.shape[0]):
        p = params[i]
        for k in range(rec.shape[1]):
            x, yy, z = rec[i, k, 0], rec[i, k, 1], rec[i, k, 2]
            if math.isnan(x):
                lat[i, k] = lon[i, k] = alt[i, k] = mach[i, k] = math.nan
                q[i, k] = heat[i, k] = load[i, k] = math.nan
                phase[i, k] = -1
                continue
            vx, vy, vz = rec[i, k, 3], rec[i, k, 4], rec[i, k, 5]
            h, slat, clat, _ = _geodetic_kernel(x, yy, z)
            lat[i, k] = math.atan2(slat, clat)
            lon[i, k] = math.atan2(yy, x)
            alt[i, k] = h
            _, upx, upy, upz, speed, rho, sound, _ = air_kernel(
                x, yy, z, vx, vy, vz, aux, p[_ATM] > 0.0, p[_SCALE]
            )
            ln_rho, dlnrho = _log_density(aux, h)
            fx, fy, fz = frame_kernel(x, yy, z, vx, vy, vz, p[_OMEGA], p[_KJ2])
            cl, cd, cos_b, sin_b = _controls(
                t_s[k] - offset[i], x, yy, z, vx, vy, vz, upx, upy, upz, speed, rho, sound,
                dlnrho, ln_rho, fx, fy, fz, p, dive_t[i, 0], dive_t[i, 1],
            )  # fmt: skip
            qk = 0.5 * rho * speed * speed
            _, _, _, lift, drag = aero_kernel(
                vx, vy, vz, upx, upy, upz, speed, qk, p[_AOM], cl, cd, cos_b, sin_b
            )
            mach[i, k] = speed / sound
            q[i, k] = qk
            heat[i, k] = heat_rate_kernel(rho, speed, p[_NOSE])
            load[i, k] = math.sqrt(lift * lift + drag * drag) / G0_MPS2
            dived = p[_DIVE] > 0.0 and t_s[k] - offset[i] >= dive_t[i, 0]
            phase[i, k] = PHASE_DIVE if dived else PHASE_GLIDE


# --- the batch ---------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _target_geometry(lat_rad: float, lon_rad: float, alt_m: float) -> tuple[Array, Array]:
    """ECEF position and up vector of a dive target (a raid shares its target)."""
    return geodetic2ecef(lat_rad, lon_rad, alt_m), geodetic_up(lat_rad, lon_rad)


def _member_params(spec: ThreatSpec, env: Environment) -> list[float]:
    """One member's row of the compiled guidance's parameters."""
    vehicle, plan = spec.vehicle, spec.guidance
    if not hasattr(vehicle.aero, "kernel_coefficients"):
        raise TypeError(
            f"{spec.name}: the flyout needs an aero model with kernel_coefficients() "
            f"(threats.vehicles), not {type(vehicle.aero).__name__}"
        )
    row = [0.0] * _N_PARAMS
    row[_AOM] = vehicle.ref_area_m2 / vehicle.mass_kg
    row[_SCALE] = spec.density_scale
    row[_NOSE] = vehicle.nose_radius_m
    row[_ATM] = 1.0 if env.atmosphere else 0.0
    row[_OMEGA] = env.omega_rps
    row[_KJ2] = env.k_j2_m2
    row[_A0 : _B4 + 1] = [float(c) for c in vehicle.aero.kernel_coefficients()]
    bank = plan.bank
    row[_ALPHA] = plan.alpha_rad
    row[_EQUIL] = 1.0 if plan.glide == "equilibrium" else 0.0
    row[_AMIN] = plan.alpha_min_rad
    row[_AMAX] = plan.alpha_max_rad
    row[_BANK] = bank.bank_rad if bank.kind == "constant" else 0.0
    row[_WAMP] = bank.amplitude_rad if bank.kind == "weave" else 0.0
    row[_WOMEGA] = 2.0 * math.pi / bank.period_s
    row[_WPHASE] = bank.phase_rad
    limits = plan.limits
    row[_QMAX] = _INF if limits.q_max_pa is None else limits.q_max_pa
    row[_HEATMAX] = _INF if limits.heat_rate_max_wpm2 is None else limits.heat_rate_max_wpm2
    row[_LOADMAX] = _INF if limits.load_max_g is None else limits.load_max_g * G0_MPS2
    dive = plan.dive
    row[_IMPACT] = row[_GATE_BACK] = row[_IMPACT_COS] = row[_IMPACT_SIN] = math.nan
    a1, b0, b1, b2, b4 = row[_A1], row[_B0], row[_B1], row[_B2], row[_B4]
    row[_LOAD_BOUND] = 1.0 if a1 > 0.0 and min(b0, b1, b2, b4) >= 0.0 else 0.0
    if dive is not None:
        target, up = _target_geometry(dive.target_lat_rad, dive.target_lon_rad, dive.target_alt_m)
        row[_DIVE] = 1.0
        row[_TX : _TZ + 1] = [float(c) for c in target]
        row[_TUX : _TUZ + 1] = [float(c) for c in up]
        row[_DIVE_COS] = math.cos(dive.start_range_m / MEAN_RADIUS_M)
        row[_DIVE_COS_FAR] = math.cos(min(dive.start_range_m / MEAN_RADIUS_M + _UP_TILT_RAD, 3.1))
        row[_NAV] = dive.navigation_gain
        row[_DIVE_LIFT] = dive.max_load_g * G0_MPS2
        row[_DIVE_AMAX] = dive.alpha_max_rad
        row[_GATE] = GATE_ALT_M
        if dive.impact_angle_rad is not None:
            row[_IMPACT] = dive.impact_angle_rad
            row[_GATE_BACK] = GATE_ALT_M / math.tan(-_C_IMPACT / _C_LOS * dive.impact_angle_rad)
            row[_IMPACT_COS] = math.cos(dive.impact_angle_rad)
            row[_IMPACT_SIN] = math.sin(dive.impact_angle_rad)
    return row


@dataclass(frozen=True)
class GlideController:
    """Guidance of a batch of glide vehicles (``threats.guidance``), compiled.

    ``params`` (N, P) hold every member's vehicle, environment and plan; ``state`` (N, 1)
    when its dive started (inf: not yet), which the flight updates in place; ``ids`` the
    members of this (sub-)batch. Called with a numpy batch it evaluates the controls for
    ``PointMassModel``; ``compiled_flight`` hands ``dynamics.integrator.fly`` the compiled
    flight instead.
    """

    params: Array
    state: Array
    ids: NDArray[np.intp]
    env: Environment = EARTH
    threads: bool = False

    @classmethod
    def from_specs(cls, specs: Sequence[ThreatSpec], env: Environment = EARTH) -> GlideController:
        params = np.array([_member_params(s, env) for s in specs], dtype=float).reshape(
            -1, _N_PARAMS
        )
        state = np.full((params.shape[0], _N_STATE), np.inf)
        return cls(params, state, np.arange(params.shape[0]), env)

    def threaded(self, threads: bool) -> Self:
        """This controller, its compiled flight shared among numba's threads or not."""
        return type(self)(self.params, self.state, self.ids, self.env, threads)

    @property
    def area_over_mass(self) -> Array:
        return self.params[self.ids, _AOM]

    @property
    def dive_t_s(self) -> Array:
        """When each member's dive started (its own clock): inf if it never did, NaN without a
        dive."""
        return np.where(self.params[:, _DIVE] > 0.0, self.state[:, _DIVE_T], np.nan)

    @property
    def impact_law_t_s(self) -> Array:
        """When each member's impact-angle law took over in its dive: inf if it never did, NaN
        without a dive or without a commanded impact angle."""
        commanded = (self.params[:, _DIVE] > 0.0) & ~np.isnan(self.params[:, _IMPACT])
        return np.where(commanded, self.state[:, _FINAL_T], np.nan)

    def subset(self, keep: NDArray[np.intp]) -> Self:
        return type(self)(self.params, self.state, self.ids[keep], self.env, self.threads)

    def __call__(self, t_s: float | Array, y: Array, air: AirState) -> Controls:
        x, yy, z, vx, vy, vz = np.broadcast_arrays(*y)
        shape = air.mach.shape
        member = np.broadcast_to(self.ids, shape).ravel()
        flat = [np.ascontiguousarray(np.broadcast_to(a, shape), dtype=float).ravel() for a in (
            t_s, x, yy, z, vx, vy, vz, air.alt_m, air.upx, air.upy, air.upz, air.speed_mps,
            air.density_kgpm3, air.sound_speed_mps,
        )]  # fmt: skip
        out = [np.empty(member.size) for _ in range(4)]
        _controls_batch(*flat, member, self.params, self.state.copy(), ATMOSPHERE_TABLE, *out)
        return Controls(*(o.reshape(shape) for o in out))

    def after_step(self, t_s: float, y: Array) -> None:
        """Start dives between steps (the numpy flight's hook; see ``_glide_update``)."""
        _update_batch(
            float(t_s), np.ascontiguousarray(y), self.ids, self.params, self.state,
            ATMOSPHERE_TABLE,
        )  # fmt: skip

    def flight_params(
        self, area_over_mass: Array, env: Environment, density_scale: Array | float
    ) -> Array:
        """The params of this batch's members with a model's area over mass, density scale
        and environment written in."""
        params = np.ascontiguousarray(self.params[self.ids])
        params[:, _AOM] = area_over_mass
        params[:, _SCALE] = density_scale
        params[:, _ATM] = 1.0 if env.atmosphere else 0.0
        params[:, _OMEGA] = env.omega_rps
        params[:, _KJ2] = env.k_j2_m2
        return params

    def compiled_flight(
        self, area_over_mass: Array, env: Environment, density_scale: Array | float
    ) -> tuple[Any, Array, Array, Array]:
        params = self.flight_params(area_over_mass, env, density_scale)
        whole = self.ids.size == self.state.shape[0] and np.array_equal(
            self.ids, np.arange(self.ids.size)
        )
        state = self.state if whole else np.empty((self.ids.size, _N_STATE))
        state[:] = np.inf
        kernel = _fly_glides_threaded if self.threads else _fly_glides
        return kernel, params, state, ATMOSPHERE_TABLE


MIDCOURSE_ALT_M = 100_000.0
"""Above this altitude a body flying without thrust is in ``midcourse`` (the Karman line, the
conventional edge of space, FAI); a launched payload is until it first comes below it, and a
re-entry vehicle whenever it is above it (below it, it is in its terminal ``dive``)."""


def _ballistic_and_boost_phases(
    traj: ThreatTrajectories, alt: Array, load: Array, phase: NDArray[np.int8], offset: Array
) -> None:
    """Phases the glide kernel does not know: boost (and the boost's drag load), a launched
    payload's midcourse, a re-entry vehicle's midcourse and dive (in place)."""
    flying = phase >= 0
    if traj.ballistic is not None and traj.ballistic.any():
        b = traj.ballistic
        high = alt[b] > MIDCOURSE_ALT_M
        phase[b] = np.where(flying[b], np.where(high, PHASE_MIDCOURSE, PHASE_DIVE), -1)
    if traj.boost_stage is None:
        return
    boosting = flying & (traj.t_s[None, :] < offset[:, None])
    phase[boosting] = PHASE_BOOST
    load[boosting] = traj.boost_load_g[boosting]
    launched = offset > 0.0
    after = flying & ~boosting & launched[:, None]
    # midcourse from release until the payload, descending, first comes below MIDCOURSE_ALT_M
    descending = np.zeros_like(after)
    descending[:, 1:] = alt[:, 1:] < alt[:, :-1]
    below = after & descending & (alt < MIDCOURSE_ALT_M)
    came_down = np.cumsum(below, axis=1) > 0
    phase[after & ~came_down] = PHASE_MIDCOURSE


@dataclass(frozen=True)
class ThreatTrajectories:
    """Flown threats. Arrays are (N, T) unless noted; samples after ground impact are NaN
    (``valid`` is False there); the impact itself is in the ``impact_*`` fields.

    Positions and velocities come from the flight; the derived per-sample quantities (geodetic
    position, Mach, dynamic pressure, heat rate, load, phase) are evaluated on first use, in
    one compiled pass over the samples, by the same guidance that flew them.
    """

    names: tuple[str, ...]
    t_s: Array  # (T,)
    r_ecef: Array  # (N, T, 3)
    v_ecef: Array  # (N, T, 3)
    impact_t_s: Array  # (N,)
    impact_r_ecef: Array  # (N, 3)
    impact_v_ecef: Array  # (N, 3)
    dive_t_s: Array  # (N,) dive start on its own clock; inf: never started; NaN: no dive
    impact_law_t_s: Array  # (N,) when the impact-angle law took over; inf: never; NaN: none
    params: Array = field(repr=False, compare=False)  # (N, P) the compiled guidance's
    clock_offset_s: Array | None = None  # (N,) start of the guided flight on the record's clock
    boost_stage: NDArray[np.int8] | None = None  # (N, T) stage firing or next; -1: no boost
    boost_plume: NDArray[np.bool_] | None = None  # (N, T) a motor burns
    boost_load_g: Array | None = None  # (N, T) the stack's drag over its weight while boosted
    ballistic: NDArray[np.bool_] | None = None  # (N,) a body without lift (a re-entry vehicle)

    @property
    def valid(self) -> NDArray[np.bool_]:
        return ~np.isnan(self.r_ecef[..., 0])

    @cached_property
    def _derived(self) -> dict[str, NDArray]:
        n, t_len = self.r_ecef.shape[:2]
        rec = np.ascontiguousarray(np.concatenate([self.r_ecef, self.v_ecef], axis=-1))
        out = {name: np.empty((n, t_len)) for name in (
            "lat_rad", "lon_rad", "alt_m", "mach", "q_pa", "heat_rate_wpm2", "load_factor_g",
        )}  # fmt: skip
        phase = np.empty((n, t_len), dtype=np.int8)
        offset = np.zeros(n) if self.clock_offset_s is None else self.clock_offset_s
        own = np.stack([self.dive_t_s, self.impact_law_t_s], axis=-1) - offset[:, None]
        dive_t = np.ascontiguousarray(np.nan_to_num(own, nan=np.inf))
        _diagnose_kernel(
            np.ascontiguousarray(self.t_s, dtype=float), np.ascontiguousarray(offset), rec,
            self.params, dive_t, ATMOSPHERE_TABLE, *out.values(), phase,
        )  # fmt: skip
        _ballistic_and_boost_phases(self, out["alt_m"], out["load_factor_g"], phase, offset)
        return {**out, "phase_code": phase}

    @property
    def lat_rad(self) -> Array:
        return self._derived["lat_rad"]

    @property
    def lon_rad(self) -> Array:
        return self._derived["lon_rad"]

    @property
    def alt_m(self) -> Array:
        return self._derived["alt_m"]

    @property
    def mach(self) -> Array:
        return self._derived["mach"]

    @property
    def q_pa(self) -> Array:
        """Dynamic pressure, Pa."""
        return self._derived["q_pa"]

    @property
    def heat_rate_wpm2(self) -> Array:
        """Stagnation-point convective heat rate (Sutton-Graves, ``threats.heating``), W/m^2."""
        return self._derived["heat_rate_wpm2"]

    @property
    def load_factor_g(self) -> Array:
        """Aerodynamic load sqrt(L^2 + D^2) / (m g0)."""
        return self._derived["load_factor_g"]

    @property
    def phase_code(self) -> NDArray[np.int8]:
        """Index into ``PHASES`` per sample; -1 after the end of the flight."""
        return self._derived["phase_code"]

    def rows(self) -> dict[str, NDArray]:
        """The flown samples, one row per threat and recorded time, plus each threat's impact
        (or last) point as its final row; columns in SI and degrees as named, ``phase`` as a
        name of ``PHASES``."""
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
        r, v = self.r_ecef[valid], self.v_ecef[valid]
        for i, axis in enumerate("xyz"):
            cols[f"{axis}_m"] = r[:, i]
            extra[f"{axis}_m"] = self.impact_r_ecef[imp, i]
        for i, axis in enumerate("xyz"):
            cols[f"v{axis}_mps"] = v[:, i]
            extra[f"v{axis}_mps"] = self.impact_v_ecef[imp, i]
        cols["lat_deg"] = np.degrees(self.lat_rad[valid])
        cols["lon_deg"] = np.degrees(self.lon_rad[valid])
        cols["alt_m"] = self.alt_m[valid]
        extra["lat_deg"] = np.degrees(geo.lat_rad)
        extra["lon_deg"] = np.degrees(geo.lon_rad)
        extra["alt_m"] = geo.alt_m
        last = np.maximum(valid.sum(axis=1) - 1, 0)[imp]
        for name in ("mach", "q_pa", "heat_rate_wpm2", "load_factor_g"):
            cols[name] = getattr(self, name)[valid]
            extra[name] = getattr(self, name)[imp, last]
        names = np.asarray(PHASES, dtype=object)
        cols["phase"] = names[self.phase_code[valid]]
        extra["phase"] = names[self.phase_code[imp, last]]
        if self.boost_stage is None:
            cols["stage"] = np.full(cols["phase"].size, -1, dtype=np.int64)
            cols["plume"] = np.zeros(cols["phase"].size, dtype=bool)
        else:
            cols["stage"] = self.boost_stage[valid].astype(np.int64)
            cols["plume"] = self.boost_plume[valid]
        extra["stage"] = np.full(imp.size, -1, dtype=np.int64)
        extra["plume"] = np.zeros(imp.size, dtype=bool)
        # Samples are in (threat, time) order already; each impact row goes after its threat's
        # last sample (an impact is never before a recorded sample): one insert, no sort.
        at = np.cumsum(valid.sum(axis=1))[imp]
        return {k: np.insert(cols[k], at, extra[k]) for k in cols}


def _start_states(starts: Sequence[GlideStart]) -> tuple[Array, Array]:
    """ECEF positions and velocities (N, 3) of glide starts (``GlideStart.ecef`` for all)."""
    lat, lon, alt, speed, gamma, heading = (
        np.array([getattr(s, name) for s in starts], dtype=float)
        for name in ("lat_rad", "lon_rad", "alt_m", "speed_mps", "flight_path_rad", "heading_rad")
    )
    r = geodetic2ecef(lat, lon, alt).reshape(-1, 3)
    cg = np.cos(gamma)
    enu = speed[:, None] * np.stack(
        [cg * np.sin(heading), cg * np.cos(heading), np.sin(gamma)], axis=-1
    )
    v = np.einsum("nji,nj->ni", enu_rotation(lat, lon).reshape(-1, 3, 3), enu)
    return r, v


def fly_threats(
    threats: Sequence[ThreatSpec],
    dt_s: float = 0.1,
    t_max_s: float = 3600.0,
    record_every: int = 1,
    env: Environment = EARTH,
    diagnostics: bool = True,
    threads: bool = False,
) -> ThreatTrajectories:
    """Fly every threat in one batch for at most ``t_max_s`` with RK4 steps of ``dt_s``,
    recording every ``record_every``-th step; see ``ThreatTrajectories`` for the result.

    ``diagnostics`` False leaves the derived per-sample quantities (Mach, q, heat rate, load,
    phase, geodetic position) to be evaluated when first used: the engagement needs only the
    positions and velocities. ``threads`` shares the members among numba's threads (set
    ``NUMBA_NUM_THREADS``; off by default, for processes that already run one per core)."""
    if not threats:
        raise ValueError("fly_threats needs at least one threat")
    if any(spec.launch is not None for spec in threats):
        from kaminari.threats.launched import fly_launched  # boosters fly first

        return fly_launched(threats, dt_s, t_max_s, record_every, env, diagnostics, threads)
    controller = GlideController.from_specs(threats, env).threaded(threads)
    scale = np.array([spec.density_scale for spec in threats], dtype=float)
    model = PointMassModel(controller.area_over_mass, controller, env, scale)
    r0, v0 = _start_states([spec.start for spec in threats])
    flight = fly(model, r0, v0, dt_s, t_max_s, record_every=record_every)
    traj = ThreatTrajectories(
        names=tuple(t.name for t in threats),
        t_s=flight.t_s,
        r_ecef=flight.y[..., :3],
        v_ecef=flight.y[..., 3:],
        impact_t_s=flight.stop_t_s,
        impact_r_ecef=flight.stop_y[:, :3],
        impact_v_ecef=flight.stop_y[:, 3:],
        dive_t_s=controller.dive_t_s,
        impact_law_t_s=controller.impact_law_t_s,
        params=controller.flight_params(controller.area_over_mass, env, scale),
        ballistic=np.array([getattr(t.vehicle.aero, "ballistic", False) for t in threats]),
    )
    if diagnostics:
        traj._derived  # noqa: B018 -- evaluate now
    return traj
