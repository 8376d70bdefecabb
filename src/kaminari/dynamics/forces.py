"""Forces on a point mass flying over the rotating Earth, written in the ECEF frame.

    dv/dt = g_J2(r) - 2 omega x v - omega x (omega x r) + (L + D) / m

The atmosphere turns with the Earth, so the ECEF velocity is the air-relative velocity (no
wind). Drag opposes it; lift is perpendicular to it, at bank 0 in the plane of the velocity and
the ellipsoid normal, and a positive bank turns the body to its right (the flight conventions of
docs/architecture.md). Source of the rotating-frame equations: N. X. Vinh, A. Busemann, R. D. Culp,
"Hypersonic and Planetary Entry Flight Mechanics" (1980), ch. 2.

For speed the functions here take and return separate component arrays (x, y, z each of the
batch shape) rather than stacked (..., 3) arrays: the integrator's hot loop calls them four
times per step on the whole batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import guvectorize, njit
from numpy.typing import NDArray

from kaminari.earth.atmosphere import (
    _FAST_TABLE,
    _GRID_DH_M,
    density_and_sound_speed,
    grid_kernel,
)
from kaminari.earth.constants import OMEGA_EARTH_RPS
from kaminari.earth.frames import _geodetic_kernel, altitude_and_up
from kaminari.earth.gravity import K_J2_M2, frame_kernel
from kaminari.earth.gravity import frame_acceleration as earth_frame_acceleration

__all__ = [
    "ATMOSPHERE_TABLE",
    "EARTH",
    "AirState",
    "Environment",
    "Controls",
    "acceleration_kernel",
    "aero_kernel",
    "air_kernel",
    "air_state",
    "frame_acceleration",
    "total_acceleration",
]

Array = NDArray[np.float64]

ATMOSPHERE_TABLE = _FAST_TABLE
"""The atmosphere's fast-path grid (``kaminari.earth.atmosphere``), for compiled kernels."""
_INV_DH = 1.0 / _GRID_DH_M


@dataclass(frozen=True)
class Environment:
    """What the Earth does to a body: an atmosphere, the J2 term of gravity, and the rotation of
    the ECEF frame. All on by default; switching them off gives the textbook problems the tests
    check against (Keplerian flight in vacuum, conservation laws)."""

    atmosphere: bool = True
    j2: bool = True
    rotation: bool = True

    @property
    def omega_rps(self) -> float:
        return OMEGA_EARTH_RPS if self.rotation else 0.0

    @property
    def k_j2_m2(self) -> float:
        """1.5 J2 a^2, the factor of the J2 term."""
        return K_J2_M2 if self.j2 else 0.0


EARTH = Environment()


class AirState(NamedTuple):
    """Where a batch of bodies is and how it meets the air; every field has the batch shape.

    ``up*`` is the unit ellipsoid normal in ECEF, ``speed_mps`` the air-relative speed.
    """

    alt_m: Array
    upx: Array
    upy: Array
    upz: Array
    speed_mps: Array
    density_kgpm3: Array
    sound_speed_mps: Array
    mach: Array
    q_pa: Array


class Controls(NamedTuple):
    """Aerodynamic controls for a batch: lift and drag coefficients and the bank angle's cosine
    and sine (passed as such so that guidance laws that build a bank from a vector need no
    trigonometry)."""

    cl: Array
    cd: Array
    cos_bank: Array
    sin_bank: Array


def air_state(
    x: Array,
    y: Array,
    z: Array,
    vx: Array,
    vy: Array,
    vz: Array,
    env: Environment = EARTH,
    density_scale: Array | float = 1.0,
) -> AirState:
    """Altitude, local up, air density, speed of sound, Mach and dynamic pressure of a batch.

    ``density_scale`` (a number, or one per member) multiplies the standard atmosphere's
    density: a dispersed atmosphere for that member (the speed of sound is kept)."""
    alt, upx, upy, upz = altitude_and_up(x, y, z)
    rho, a = density_and_sound_speed(alt)
    if not env.atmosphere:
        rho = np.zeros_like(rho)
    elif not (np.ndim(density_scale) == 0 and density_scale == 1.0):
        rho = rho * density_scale
    v2 = vx * vx + vy * vy + vz * vz
    speed = np.sqrt(v2)
    return AirState(alt, upx, upy, upz, speed, rho, a, speed / a, 0.5 * rho * v2)


def frame_acceleration(
    x: Array, y: Array, z: Array, vx: Array, vy: Array, vz: Array, env: Environment = EARTH
) -> tuple[Array, Array, Array]:
    """J2 gravitation plus the Coriolis and centrifugal terms of the ECEF frame, m/s^2, as
    ``kaminari.earth.gravity.frame_acceleration`` with the environment's switches."""
    return earth_frame_acceleration(x, y, z, vx, vy, vz, env.omega_rps, env.k_j2_m2)


@njit(cache=True, inline="always")
def aero_kernel(
    vx: float,
    vy: float,
    vz: float,
    upx: float,
    upy: float,
    upz: float,
    speed: float,
    q: float,
    aom: float,
    cl: float,
    cd: float,
    cos_b: float,
    sin_b: float,
) -> tuple[float, float, float, float, float]:
    """One body's lift plus drag acceleration (ax, ay, az) and its lift and drag magnitudes,
    m/s^2 (the aerodynamic part of ``total_acceleration``); compiled, for other kernels."""
    inv_v = 1.0 / max(speed, 1e-9)
    ex, ey, ez = vx * inv_v, vy * inv_v, vz * inv_v
    qs_m = q * aom
    drag = qs_m * cd
    lift_acc = qs_m * cl
    ue = upx * ex + upy * ey + upz * ez
    lx, ly, lz = upx - ue * ex, upy - ue * ey, upz - ue * ez
    inv_l = 1.0 / max(math.sqrt(lx * lx + ly * ly + lz * lz), 1e-12)
    lx, ly, lz = lx * inv_l, ly * inv_l, lz * inv_l
    sx, sy, sz = ey * lz - ez * ly, ez * lx - ex * lz, ex * ly - ey * lx
    lc = lift_acc * cos_b
    ls = lift_acc * sin_b
    return (
        lc * lx + ls * sx - drag * ex,
        lc * ly + ls * sy - drag * ey,
        lc * lz + ls * sz - drag * ez,
        lift_acc,
        drag,
    )


@njit(cache=True, inline="always")
def acceleration_kernel(
    x: float,
    y: float,
    z: float,
    vx: float,
    vy: float,
    vz: float,
    upx: float,
    upy: float,
    upz: float,
    speed: float,
    q: float,
    aom: float,
    cl: float,
    cd: float,
    cos_b: float,
    sin_b: float,
    w: float,
    k_j2: float,
) -> tuple[float, float, float, float, float]:
    """One body's total acceleration (ax, ay, az) and its lift and drag accelerations, m/s^2
    (see ``total_acceleration``); compiled, for use inside other compiled kernels."""
    fx, fy, fz = frame_kernel(x, y, z, vx, vy, vz, w, k_j2)
    ax, ay, az, lift, drag = aero_kernel(
        vx, vy, vz, upx, upy, upz, speed, q, aom, cl, cd, cos_b, sin_b
    )
    return fx + ax, fy + ay, fz + az, lift, drag


@njit(cache=True, inline="always")
def air_kernel(
    x: float,
    y: float,
    z: float,
    vx: float,
    vy: float,
    vz: float,
    table: NDArray[np.float64],
    atmosphere: bool,
    density_scale: float,
) -> tuple[float, float, float, float, float, float, float, float]:
    """One body's (altitude, up x, up y, up z, speed, density, speed of sound, d ln(rho)/dh):
    ``air_state`` for a single point, compiled. ``table`` is the atmosphere's fast-path grid
    (``ATMOSPHERE_TABLE``), looked up exactly as
    ``density_and_sound_speed`` does; the last value is the grid cell's log-density slope."""
    alt, slat, clat, p = _geodetic_kernel(x, y, z)
    upx, upy, upz = clat * x / p, clat * y / p, slat
    rho, sound, i = grid_kernel(alt, table)
    if not atmosphere:
        rho = 0.0
    rho *= density_scale
    speed = math.sqrt(vx * vx + vy * vy + vz * vz)
    return alt, upx, upy, upz, speed, rho, sound, table[i, 1] * _INV_DH


@guvectorize(
    ["void(" + ", ".join(["f8"] * 18) + ", f8[:], f8[:], f8[:], f8[:])"],
    ",".join(["()"] * 18) + "->(),(),(),()",
    nopython=True,
    cache=True,
)
def _acceleration_ufunc(  # type: ignore[no-untyped-def]
    x,
    y,
    z,
    vx,
    vy,
    vz,
    upx,
    upy,
    upz,
    speed,
    q,
    aom,
    cl,
    cd,
    cos_b,
    sin_b,
    w,
    k_j2,
    ax,
    ay,
    az,
    lift,
):
    ax[0], ay[0], az[0], lift[0], _ = acceleration_kernel(
        x, y, z, vx, vy, vz, upx, upy, upz, speed, q, aom, cl, cd, cos_b, sin_b, w, k_j2
    )


def total_acceleration(
    x: Array,
    y: Array,
    z: Array,
    vx: Array,
    vy: Array,
    vz: Array,
    air: AirState,
    controls: Controls,
    area_over_mass: Array,
    env: Environment = EARTH,
) -> tuple[Array, Array, Array, Array]:
    """Total acceleration (ax, ay, az) in m/s^2 of a batch, and its lift acceleration magnitude.

    The frame terms of ``frame_acceleration`` plus lift and drag. With unit velocity e_v and
    unit up u: the bank-0 lift direction is l0 = (u - (u.e_v) e_v) / |...|, the right-hand side
    direction is e_v x l0, and lift points along cos(bank) l0 + sin(bank) (e_v x l0). A body
    flying straight up or down has no bank-0 plane; there l0 is taken as zero (ballistic bodies
    have CL = 0 anyway).
    """
    return _acceleration_ufunc(
        x,
        y,
        z,
        vx,
        vy,
        vz,
        air.upx,
        air.upy,
        air.upz,
        air.speed_mps,
        air.q_pa,
        area_over_mass,
        controls.cl,
        controls.cd,
        controls.cos_bank,
        controls.sin_bank,
        env.omega_rps,
        env.k_j2_m2,
    )
