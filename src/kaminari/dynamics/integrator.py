"""The one batched point-mass integrator that everything that flies uses.

State layout inside the integrator: ``y`` of shape (6, N), rows x, y, z, vx, vy, vz in the ECEF
frame (component-major, so each row is a contiguous batch array for the hot loop); the public
results follow kaminari's convention, batch axes first: (N, T, 3).

Fixed-step classical Runge-Kutta (RK4). Each member stops at ground impact: when its altitude
crosses ``stop_alt_m`` within a step, the crossing is located by linear interpolation of the
altitude over the step, and the state there is interpolated linearly between the step's ends
(error of order a dt^2 / 8: under 0.2 m for 0.1 s steps and 100 m/s^2). Finished members leave
the batch, so the cost follows the members still flying.

Two ways through the same method. A model whose controller is written in numpy is stepped for
the whole batch at once, one time step after another. A controller that offers a compiled
flight (``CompiledController``) is flown by ``fly_member``, compiled, one member after another
from start to ground: the same RK4 step, ground interpolation and recording, without Python in
the loop. ``fly_member`` is generic in the derivative ``f(t, y, member, params, state, aux,
out)`` and the step-end update ``u(t, y, member, params, state, aux)``; the controller compiles
it with its own (a small kernel that numba caches), so that both are inlined into the loop.
A controller's step-end update (the numpy ``after_step``, or the compiled one) sees each
accepted step's end state, so that guidance may switch modes (a dive that starts) between
steps, never within one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol, Self

import numpy as np
from numba import njit
from numpy.typing import NDArray

from kaminari.dynamics.forces import (
    EARTH,
    AirState,
    Controls,
    Environment,
    air_state,
    total_acceleration,
)
from kaminari.earth.constants import WGS84_A_M
from kaminari.earth.frames import _geodetic_kernel, altitude_and_up

__all__ = [
    "CompiledController",
    "Controller",
    "Flight",
    "PointMassModel",
    "fly",
    "fly_member",
    "rk4_step",
]

Array = NDArray[np.float64]

_NEAR_GROUND_M = 30_000.0
"""``fly_member`` computes the geodetic height only within this of the stop altitude (the
ellipsoid's radii differ by 21.4 km, so |r| - a above it means far above the stop)."""


class Controller(Protocol):
    """Aerodynamic controls of a batch as a function of time, state (6, N) and air state.

    ``subset`` returns the controller of the members ``keep`` (an index array), in that order.
    A controller may also have ``after_step(t_s, y)``, called by ``fly`` with the end time and
    state of each accepted step (guidance that switches modes between steps).
    """

    def __call__(self, t_s: float, y: Array, air: AirState) -> Controls: ...

    def subset(self, keep: NDArray[np.intp]) -> Self: ...


class CompiledController(Controller, Protocol):
    """A controller that also offers its equations of motion compiled: ``compiled_flight``
    returns a compiled kernel ``k(params, state, aux, y0, t0, dt, n_steps, record_every,
    stop_alt, rec, stop_t, stop_y, last)`` that calls ``fly_member`` for every member with the
    controller's derivative and update, the params (N, P) with the model's area over mass,
    density scale and environment written in, the guidance state (N, S), which the flight
    changes in place, and the shared aux table (see ``fly_member`` for the rest)."""

    def compiled_flight(
        self, area_over_mass: Array, env: Environment, density_scale: Array | float
    ) -> tuple[Any, Array, Array, Array]: ...


@dataclass(frozen=True)
class PointMassModel:
    """Equations of motion of a batch of point masses over the rotating Earth.

    ``area_over_mass`` (N,) is the aerodynamic reference area over mass, m^2/kg;
    ``density_scale`` (N,) or a number multiplies the atmosphere's density for each member.
    """

    area_over_mass: Array
    controller: Controller
    env: Environment = EARTH
    density_scale: Array | float = 1.0

    def derivative(self, t_s: float, y: Array) -> Array:
        """d/dt of the state ``y`` (6, N)."""
        return self.evaluate(t_s, y)[0]

    def evaluate(self, t_s: float, y: Array) -> tuple[Array, AirState, Controls, Array]:
        """State derivative, air state, controls and lift acceleration (m/s^2) at ``y``."""
        x, yy, z, vx, vy, vz = y
        air = air_state(x, yy, z, vx, vy, vz, self.env, self.density_scale)
        controls = self.controller(t_s, y, air)
        ax, ay, az, lift = total_acceleration(
            x, yy, z, vx, vy, vz, air, controls, self.area_over_mass, self.env
        )
        return np.stack([vx, vy, vz, ax, ay, az]), air, controls, lift

    def subset(self, keep: NDArray[np.intp]) -> PointMassModel:
        scale = self.density_scale
        if np.ndim(scale) > 0:
            scale = np.asarray(scale)[keep]
        return PointMassModel(
            self.area_over_mass[keep], self.controller.subset(keep), self.env, scale
        )


class Derivative(Protocol):
    def __call__(self, t_s: float, y: Array) -> Array: ...


def rk4_step(f: Derivative, t_s: float, y: Array, dt_s: float) -> Array:
    """One classical fourth-order Runge-Kutta step of dy/dt = f(t, y)."""
    half = 0.5 * dt_s
    k1 = f(t_s, y)
    k2 = f(t_s + half, y + half * k1)
    k3 = f(t_s + half, y + half * k2)
    k4 = f(t_s + dt_s, y + dt_s * k3)
    return y + (dt_s / 6.0) * (k1 + 2.0 * (k2 + k3) + k4)


@dataclass(frozen=True)
class Flight:
    """Recorded flight of a batch.

    ``t_s`` (T,) are the recorded times; ``y`` (N, T, 6) the states there, NaN once a member has
    stopped; ``stop_t_s`` (N,) when each member reached the ground (NaN if it never did within
    the time limit) and ``stop_y`` (N, 6) its state there (its last state if it never did).
    """

    t_s: Array
    y: Array
    stop_t_s: Array
    stop_y: Array

    @property
    def valid(self) -> NDArray[np.bool_]:
        """(N, T): True where a member was still flying."""
        return ~np.isnan(self.y[..., 0])


def fly(
    model: PointMassModel,
    r0_m: Array,
    v0_mps: Array,
    dt_s: float,
    t_max_s: float,
    t0_s: float = 0.0,
    record_every: int = 1,
    stop_alt_m: float = 0.0,
) -> Flight:
    """Fly a batch from ECEF positions ``r0_m`` and velocities ``v0_mps`` (N, 3) until each member
    reaches ``stop_alt_m`` or ``t_max_s`` seconds have passed.

    Records every ``record_every``-th step, the initial state included.
    """
    if dt_s <= 0.0 or t_max_s <= 0.0 or record_every < 1:
        raise ValueError(
            f"dt_s and t_max_s must be > 0 and record_every >= 1 (got {dt_s}, "
            f"{t_max_s}, {record_every})"
        )
    r0 = np.asarray(r0_m, dtype=float).reshape(-1, 3)
    v0 = np.asarray(v0_mps, dtype=float).reshape(-1, 3)
    n = r0.shape[0]
    n_steps = int(np.ceil(t_max_s / dt_s - 1e-9))
    n_rec = n_steps // record_every + 1
    t_rec = t0_s + dt_s * (record_every * np.arange(n_rec))
    compiled = None
    if hasattr(model, "compiled_flight"):  # a model's own compiled flight (BallisticModel)
        compiled = model.compiled_flight()
    elif hasattr(model.controller, "compiled_flight"):
        compiled = model.controller.compiled_flight(
            model.area_over_mass, model.env, model.density_scale
        )
    if compiled is not None:
        return _fly_compiled(compiled, r0, v0, dt_s, t0_s, n_steps, record_every, stop_alt_m, t_rec)
    after_step = getattr(model.controller, "after_step", None)
    rec = np.full((n, n_rec, 6), np.nan)
    stop_t = np.full(n, np.nan)
    stop_y = np.empty((n, 6))

    y = np.ascontiguousarray(np.concatenate([r0, v0], axis=1).T)
    ids = np.arange(n)
    step = 0
    alt = altitude_and_up(y[0], y[1], y[2])[0]
    rec[:, 0, :] = y.T
    for step in range(1, n_steps + 1):
        t = t0_s + (step - 1) * dt_s
        y_new = rk4_step(model.derivative, t, y, dt_s)
        alt_new = altitude_and_up(y_new[0], y_new[1], y_new[2])[0]
        down = alt_new < stop_alt_m
        if down.any():
            frac = np.clip((alt[down] - stop_alt_m) / (alt[down] - alt_new[down]), 0.0, 1.0)
            stop_t[ids[down]] = t + frac * dt_s
            stop_y[ids[down]] = (y[:, down] + frac * (y_new[:, down] - y[:, down])).T
            keep = np.flatnonzero(~down)
            ids, model = ids[keep], model.subset(keep)
            y_new, alt_new = np.ascontiguousarray(y_new[:, keep]), alt_new[keep]
        if after_step is not None and ids.size:
            model.controller.after_step(t0_s + step * dt_s, y_new)  # type: ignore[attr-defined]
        y, alt = y_new, alt_new
        if step % record_every == 0:
            rec[ids, step // record_every, :] = y.T
        if ids.size == 0:
            break
    stop_y[ids] = y.T
    n_used = step // record_every + 1
    return Flight(t_rec[:n_used], rec[:, :n_used], stop_t, stop_y)


def _fly_compiled(
    compiled: tuple[Any, Array, Array, Any],
    r0: Array,
    v0: Array,
    dt_s: float,
    t0_s: float,
    n_steps: int,
    record_every: int,
    stop_alt_m: float,
    t_rec: Array,
) -> Flight:
    """``fly`` for a model or controller with a compiled flight (``fly_member``):
    ``compiled`` is (kernel, params, state, aux) as its ``compiled_flight`` gives them."""
    kernel, params, state, aux = compiled
    n = r0.shape[0]
    rec = np.empty((t_rec.size, n, 6))  # time-major: what no member reaches is never touched
    stop_t = np.empty(n)
    stop_y = np.empty((n, 6))
    last = np.empty((n, 2), dtype=np.int64)
    y0 = np.ascontiguousarray(np.concatenate([r0, v0], axis=1))
    kernel(
        params, state, aux, y0, float(t0_s), float(dt_s), int(n_steps), int(record_every),
        float(stop_alt_m), rec, stop_t, stop_y, last,
    )  # fmt: skip
    n_used = int(last[:, 0].max()) // record_every + 1  # as the numpy loop: to the last step
    used = rec[:n_used].transpose(1, 0, 2)  # (N, T, 6), a view
    used[np.arange(n_used) > last[:, 1:]] = np.nan  # after each member's last record
    return Flight(t_rec[:n_used], used, stop_t, stop_y)


@njit(inline="always")
def fly_member(  # type: ignore[no-untyped-def]
    f, update, i, params, state, aux, y0, t0, dt, n_steps, record_every, stop_alt, rec, stop_t,
    stop_y, last,
):  # fmt: skip
    """Compiled, inlined into a controller's kernel: RK4 of member ``i`` from its start
    ``y0[i]`` to the ground or ``n_steps``, as ``fly`` does for a numpy batch. Records every
    ``record_every``-th state in ``rec[:, i]`` (time-major), and the ground crossing
    interpolated linearly in altitude (``stop_t[i]`` NaN where none, ``stop_y[i]`` the state
    there or the last one);
    ``last[i]`` is the last step run and the last recorded index (``rec[:, i]`` is not
    written after it). ``f(t, y, i, params, state, aux, out)`` writes the derivative of ``y`` (6,);
    ``update(t, y, i, params, state, aux)`` sees each accepted step's end."""
    half = 0.5 * dt
    sixth = dt / 6.0
    stage_dt = (0.0, half, half, dt)
    y = np.empty(6)
    ys = np.empty(6)
    y_new = np.empty(6)
    k = np.empty((4, 6))
    y[:] = y0[i]
    alt = _geodetic_kernel(y[0], y[1], y[2])[0]
    near = stop_alt + _NEAR_GROUND_M  # above it (|r| - a), no geodetic height is needed
    rec[0, i, :] = y
    n_done = 0
    stop_t[i] = np.nan
    stopped = False
    step = 0
    for step in range(1, n_steps + 1):
        t = t0 + (step - 1) * dt
        for stage in range(4):  # one call site: the derivative is inlined once
            h = stage_dt[stage]
            if stage == 0:
                ys[:] = y
            else:
                for j in range(6):
                    ys[j] = y[j] + h * k[stage - 1, j]
            f(t + h, ys, i, params, state, aux, k[stage])
        for j in range(6):
            y_new[j] = y[j] + sixth * (k[0, j] + 2.0 * (k[1, j] + k[2, j]) + k[3, j])
        rn = math.sqrt(y_new[0] * y_new[0] + y_new[1] * y_new[1] + y_new[2] * y_new[2])
        if rn - WGS84_A_M > near:  # the height is at least |r| - a: far above the stop
            alt_new = rn - WGS84_A_M
        else:
            alt_new = _geodetic_kernel(y_new[0], y_new[1], y_new[2])[0]
            if alt > near - 1.0:  # the last step's height was the bound: make it exact
                alt = _geodetic_kernel(y[0], y[1], y[2])[0]
        if alt_new < stop_alt:
            frac = min(max((alt - stop_alt) / (alt - alt_new), 0.0), 1.0)
            stop_t[i] = t + frac * dt
            for j in range(6):
                stop_y[i, j] = y[j] + frac * (y_new[j] - y[j])
            stopped = True
            break
        update(t0 + step * dt, y_new, i, params, state, aux)
        y[:] = y_new
        alt = alt_new
        if step % record_every == 0:
            n_done = step // record_every
            rec[n_done, i, :] = y
    if not stopped:
        stop_y[i, :] = y
    last[i, 0] = step
    last[i, 1] = n_done
