"""Railgun projectiles: an unguided, spin- or fin-stabilised dart flown by the shared integrator.

Default figures, from public sources:
- muzzle velocity 2,300 m/s: the US Navy electromagnetic railgun programme quotes muzzle
  velocities of Mach 6 to 7 (about 2,000 to 2,500 m/s); R. O'Rourke, "Navy Lasers, Railgun,
  and Gun-Launched Guided Projectile: Background and Issues for Congress", Congressional
  Research Service R44175 (updated 2021).
- a 0.32 kg, 15 mm sub-calibre dart: a generic kinetic penetrator chosen for this project
  (docs/assumptions.md); a full-bore 40 mm slug of the same mass would have a ballistic coefficient
  near 1,000 kg/m^2 and could not climb 10 km.

Drag: a generic slender-projectile curve with the shape of the G7 standard drag function
(the boat-tailed, 10-calibre tangent-ogive reference projectile of the US Army Ballistic
Research Laboratory; R. L. McCoy, "Modern Exterior Ballistics", Schiffer, 1999, ch. 5): flat
and low below Mach 0.9, a transonic rise to about 0.40 near Mach 1.1, then a slow fall. The
published G7 tables stop at Mach 5; above it the curve is held on a gentle decline to Mach 10
and constant beyond, which is our extrapolation, not a measurement.

Flight: ``fly_projectiles`` flies the rounds with the shared integrator
(``kaminari.dynamics.integrator.fly``) and, by default, ``BallisticModel``: the same equations
as ``PointMassModel`` with ``BallisticController`` (US 1976 density and speed of sound from the
atmosphere's fast-path grid, the drag curve, J2 gravity and the frame terms), evaluated for the
whole batch in one compiled loop instead of some twenty numpy calls. Fire control flies a
handful of rounds at a time, where the numpy calls' fixed cost is nearly all of the time. The
fused loop repeats the numpy path's arithmetic in the same order, so the flights agree to
rounding (to the last bit on the shots of tests/test_projectiles.py, which allow 1e-6 m).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from kaminari.dynamics.forces import (
    ATMOSPHERE_TABLE,
    EARTH,
    AirState,
    Controls,
    Environment,
    acceleration_kernel,
    air_kernel,
    air_state,
)
from kaminari.dynamics.integrator import PointMassModel, fly, fly_member
from kaminari.earth.frames import aer2enu, enu_rotation, geodetic2ecef

__all__ = [
    "BallisticController",
    "BallisticModel",
    "DragCurve",
    "Projectile",
    "ProjectileTrajectories",
    "fly_projectiles",
    "muzzle_state",
    "slant_range_crossings",
]

Array = NDArray[np.float64]

DEFAULT_MUZZLE_VELOCITY_MPS = 2300.0

_G7_LIKE_MACH = (
    0.0,
    0.7,
    0.9,
    0.95,
    1.0,
    1.05,
    1.1,
    1.2,
    1.5,
    2.0,
    2.5,
    3.0,
    3.5,
    4.0,
    5.0,
    7.0,
    10.0,
)
_G7_LIKE_CD = (
    0.120,
    0.120,
    0.134,
    0.170,
    0.380,
    0.404,
    0.401,
    0.391,
    0.344,
    0.298,
    0.268,
    0.242,
    0.222,
    0.206,
    0.185,
    0.170,
    0.160,
)


@dataclass(frozen=True)
class DragCurve:
    """Zero-lift drag coefficient against Mach number, linear between the given points and
    constant beyond the ends."""

    mach: tuple[float, ...] = _G7_LIKE_MACH
    cd: tuple[float, ...] = _G7_LIKE_CD

    def __call__(self, mach: ArrayLike) -> Array:
        return np.interp(mach, self.mach, self.cd)


@dataclass(frozen=True)
class Projectile:
    """A railgun projectile: mass in kg, diameter in m (the drag reference area is the
    cross-section pi d^2 / 4), and its drag curve."""

    mass_kg: float = 0.32
    diameter_m: float = 0.015
    drag: DragCurve = field(default_factory=DragCurve)

    @property
    def area_m2(self) -> float:
        return float(np.pi * self.diameter_m**2 / 4.0)

    @property
    def ballistic_coefficient_kgpm2(self) -> float:
        """m / (Cd A) at Mach 3, kg/m^2: the usual figure of merit for how slowly it slows."""
        return self.mass_kg / (float(self.drag(3.0)) * self.area_m2)


@dataclass(frozen=True)
class BallisticController:
    """Controls of unguided bodies: no lift, drag from each member's drag curve."""

    drag: DragCurve

    def __call__(self, t_s: float, y: Array, air: AirState) -> Controls:
        # scalars broadcast in the force kernel: no lift, wings level
        return Controls(0.0, self.drag(air.mach), 1.0, 0.0)  # type: ignore[arg-type]

    def subset(self, keep: NDArray[np.intp]) -> Self:
        return self


@njit(cache=True, inline="always")
def _interp(x: float, xp: Array, fp: Array) -> float:
    """``numpy.interp`` of one value (same formula; constant beyond the ends)."""
    n = xp.size
    if x <= xp[0]:
        return fp[0]
    if x >= xp[n - 1]:
        return fp[n - 1]
    j = 0
    while xp[j + 1] <= x:
        j += 1
    slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
    return slope * (x - xp[j]) + fp[j]


@njit(cache=True, inline="always")
def _ballistic_acceleration(  # type: ignore[no-untyped-def]
    x, y, z, vx, vy, vz, area_over_mass, mach_tab, cd_tab, atm_table, atmosphere, w, k_j2
):
    """The acceleration of one unguided body (drag from the drag curve, J2 gravity and the
    frame terms), from the compiled kernels the glide flight uses
    (``dynamics.forces.air_kernel``, ``acceleration_kernel`` with no lift)."""
    _, upx, upy, upz, speed, rho, sound, _ = air_kernel(
        x, y, z, vx, vy, vz, atm_table, atmosphere, 1.0
    )
    q = 0.5 * rho * speed * speed
    cd = _interp(speed / sound, mach_tab, cd_tab)
    ax, ay, az, _, _ = acceleration_kernel(
        x, y, z, vx, vy, vz, upx, upy, upz, speed, q, area_over_mass, 0.0, cd, 1.0, 0.0, w,
        k_j2,
    )  # fmt: skip
    return ax, ay, az


@njit(cache=True)
def _ballistic_derivative(
    y: Array,
    area_over_mass: Array,
    mach_tab: Array,
    cd_tab: Array,
    atm_table: Array,
    atmosphere: bool,
    w: float,
    k_j2: float,
) -> Array:
    """d/dt of the states ``y`` (6, N) of unguided bodies: ``PointMassModel.derivative`` with
    ``BallisticController``, fused into one loop over the compiled kernels the glide flight
    uses (``dynamics.forces.air_kernel``, ``acceleration_kernel`` with no lift) and the drag
    curve."""
    n = y.shape[1]
    out = np.empty((6, n))
    for m in range(n):
        vx, vy, vz = y[3, m], y[4, m], y[5, m]
        ax, ay, az = _ballistic_acceleration(
            y[0, m], y[1, m], y[2, m], vx, vy, vz, area_over_mass[m], mach_tab, cd_tab,
            atm_table, atmosphere, w, k_j2,
        )  # fmt: skip
        out[0, m], out[1, m], out[2, m] = vx, vy, vz
        out[3, m], out[4, m], out[5, m] = ax, ay, az
    return out


@njit(inline="always")
def _member_derivative(t, y, i, params, state, aux, out):  # type: ignore[no-untyped-def]
    """``_ballistic_derivative`` of member ``i``'s state ``y`` (6,) into ``out``, for
    ``fly_member``: ``params[i]`` = (area over mass, atmosphere on, Earth rate, J2 constant),
    ``aux`` = (atmosphere table, drag curve's Mach numbers, its CD)."""
    atm_table, mach_tab, cd_tab = aux
    p = params[i]
    ax, ay, az = _ballistic_acceleration(
        y[0], y[1], y[2], y[3], y[4], y[5], p[0], mach_tab, cd_tab, atm_table, p[1] > 0.5,
        p[2], p[3],
    )  # fmt: skip
    out[0], out[1], out[2] = y[3], y[4], y[5]
    out[3], out[4], out[5] = ax, ay, az


@njit(inline="always")
def _no_update(t, y, i, params, state, aux):  # type: ignore[no-untyped-def]
    """Unguided bodies have no controller state to update after a step."""


@njit(cache=True, nogil=True)
def _fly_ballistic(  # type: ignore[no-untyped-def]
    params, state, aux, y0, t0, dt, n_steps, record_every, stop_alt, rec, stop_t, stop_y, last
):
    """Every unguided body's flight, one after another (``dynamics.integrator.fly_member``)."""
    for i in range(y0.shape[0]):
        fly_member(
            _member_derivative, _no_update, i, params, state, aux, y0, t0, dt, n_steps,
            record_every, stop_alt, rec, stop_t, stop_y, last,
        )  # fmt: skip


class BallisticModel:
    """Equations of motion of a batch of unguided bodies (no lift, drag from one drag curve):
    what ``PointMassModel(area_over_mass, BallisticController(drag), env)`` computes, for the
    shared integrator, with ``derivative`` one compiled call per evaluation.

    ``area_over_mass`` (N,) is the drag reference area over mass, m^2/kg; ``controller`` is
    the ``BallisticController`` whose controls ``derivative`` computes inside its loop (the
    integrator may look at a model's controller).
    """

    __slots__ = (
        "area_over_mass", "drag", "env", "controller", "_mach", "_cd", "_atmosphere", "_w",
        "_k_j2",
    )  # fmt: skip

    def __init__(self, area_over_mass: ArrayLike, drag: DragCurve, env: Environment = EARTH):
        self.area_over_mass = np.ascontiguousarray(area_over_mass, dtype=float)
        self.drag = drag
        self.env = env
        self.controller = BallisticController(drag)
        self._mach = np.asarray(drag.mach, dtype=float)
        self._cd = np.asarray(drag.cd, dtype=float)
        self._atmosphere = bool(env.atmosphere)
        self._w = float(env.omega_rps)
        self._k_j2 = float(env.k_j2_m2)

    def derivative(self, t_s: float, y: Array) -> Array:
        """d/dt of the state ``y`` (6, N)."""
        return _ballistic_derivative(  # type: ignore[no-any-return]
            y,
            self.area_over_mass,
            self._mach,
            self._cd,
            ATMOSPHERE_TABLE,
            self._atmosphere,
            self._w,
            self._k_j2,
        )

    def compiled_flight(self) -> tuple[object, Array, Array, tuple[Array, Array, Array]]:
        """The whole flight compiled, member by member (``dynamics.integrator.fly`` takes it):
        the same derivative, RK4 step, ground crossing and records as the numpy step loop,
        without a Python call per step (a fire-control aim of a few rounds over 4 s spent
        about 0.1 ms a step there)."""
        n = self.area_over_mass.size
        params = np.empty((n, 4))
        params[:, 0] = self.area_over_mass
        params[:, 1] = 1.0 if self._atmosphere else 0.0
        params[:, 2] = self._w
        params[:, 3] = self._k_j2
        return _fly_ballistic, params, np.empty((n, 0)), (ATMOSPHERE_TABLE, self._mach, self._cd)

    def subset(self, keep: NDArray[np.intp]) -> BallisticModel:
        """The model of the members ``keep``, in that order."""
        return BallisticModel(self.area_over_mass[keep], self.drag, self.env)


def muzzle_state(
    lat_rad: ArrayLike,
    lon_rad: ArrayLike,
    alt_m: ArrayLike,
    az_rad: ArrayLike,
    el_rad: ArrayLike,
    muzzle_velocity_mps: ArrayLike,
) -> tuple[Array, Array]:
    """ECEF position and Earth-relative velocity (each (..., 3)) of projectiles leaving a gun at
    a geodetic site, aimed at azimuth (clockwise from north) and elevation above the horizontal."""
    lat, lon, alt, az, el, v = np.broadcast_arrays(
        *(
            np.asarray(a, dtype=float)
            for a in (lat_rad, lon_rad, alt_m, az_rad, el_rad, muzzle_velocity_mps)
        )
    )
    r = geodetic2ecef(lat, lon, alt)
    enu = aer2enu(az, el, v)
    return r, np.einsum("...ji,...j->...i", enu_rotation(lat, lon), enu)


@dataclass(frozen=True)
class ProjectileTrajectories:
    """Flown projectiles: ``t_s`` (T,), ``r_ecef``/``v_ecef`` (N, T, 3), ``alt_m``, ``mach`` and
    ``speed_mps`` (N, T), NaN after impact; ``impact_t_s`` (N,) NaN when still flying at the end."""

    t_s: Array
    r_ecef: Array
    v_ecef: Array
    alt_m: Array
    mach: Array
    speed_mps: Array
    impact_t_s: Array
    impact_r_ecef: Array

    @property
    def valid(self) -> NDArray[np.bool_]:
        return ~np.isnan(self.alt_m)


def fly_projectiles(
    lat_rad: ArrayLike,
    lon_rad: ArrayLike,
    alt_m: ArrayLike,
    az_rad: ArrayLike,
    el_rad: ArrayLike,
    muzzle_velocity_mps: ArrayLike,
    projectile: Projectile | None = None,
    dt_s: float = 0.01,
    t_max_s: float = 120.0,
    record_every: int = 1,
    env: Environment = EARTH,
    fused: bool = True,
) -> ProjectileTrajectories:
    """Fly a batch of projectiles (all arguments broadcast to the batch shape, flattened to N)
    with drag, J2 gravity and the Earth's rotation until impact or ``t_max_s``.

    ``fused`` (the default) flies them with ``BallisticModel``; ``fused=False`` with the generic
    ``PointMassModel`` and ``BallisticController``, the same equations in numpy (the reference
    the fused model is tested and timed against)."""
    projectile = projectile or Projectile()
    r0, v0 = muzzle_state(lat_rad, lon_rad, alt_m, az_rad, el_rad, muzzle_velocity_mps)
    r0, v0 = r0.reshape(-1, 3), v0.reshape(-1, 3)
    n = r0.shape[0]
    aom = np.full(n, projectile.area_m2 / projectile.mass_kg)
    model: BallisticModel | PointMassModel
    if fused:
        model = BallisticModel(aom, projectile.drag, env)
    else:
        model = PointMassModel(aom, BallisticController(projectile.drag), env)
    # The muzzle is at the ground: stop only when the projectile comes back below its site.
    site_alt = float(np.min(np.asarray(alt_m, dtype=float)))
    flight = fly(
        model,  # type: ignore[arg-type]  # fly takes any model with derivative and subset
        r0,
        v0,
        dt_s,
        t_max_s,
        record_every=record_every,
        stop_alt_m=min(site_alt, 0.0) - 1e-6,
    )
    valid = flight.valid
    safe = np.where(valid[..., None], flight.y, flight.y[:, :1, :])
    air = air_state(*safe.transpose(2, 0, 1), env)
    blank = np.where(valid, 1.0, np.nan)
    return ProjectileTrajectories(
        t_s=flight.t_s,
        r_ecef=flight.y[..., :3],
        v_ecef=flight.y[..., 3:],
        alt_m=air.alt_m * blank,
        mach=air.mach * blank,
        speed_mps=air.speed_mps * blank,
        impact_t_s=flight.stop_t_s,
        impact_r_ecef=flight.stop_y[:, :3],
    )


def slant_range_crossings(
    traj: ProjectileTrajectories, site_ecef: ArrayLike, ranges_m: ArrayLike
) -> tuple[Array, Array, Array]:
    """Time, speed and altitude (each (N, K)) at which each projectile first reaches each slant
    range from ``site_ecef`` ((3,) or (N, 3)), interpolated linearly between recorded samples;
    NaN where it never does."""
    rng = np.linalg.norm(traj.r_ecef - np.asarray(site_ecef, dtype=float)[..., None, :], axis=-1)
    rng = np.where(traj.valid, rng, -np.inf)
    targets = np.atleast_1d(np.asarray(ranges_m, dtype=float))
    n = rng.shape[0]
    out = np.full((3, n, targets.size), np.nan)
    rows = np.arange(n)
    for k, target in enumerate(targets):
        beyond = rng >= target
        reached = beyond.any(axis=1) & (rng[:, 0] < target)
        j = np.argmax(beyond, axis=1)
        i0, i1, rr = np.maximum(j - 1, 0)[reached], j[reached], rows[reached]
        frac = (target - rng[rr, i0]) / (rng[rr, i1] - rng[rr, i0])
        for q, series in enumerate((traj.t_s[None, :].repeat(n, 0), traj.speed_mps, traj.alt_m)):
            out[q, rr, k] = series[rr, i0] + frac * (series[rr, i1] - series[rr, i0])
    return out[0], out[1], out[2]
