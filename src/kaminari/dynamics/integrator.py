"""The one batched point-mass integrator that everything that flies uses.

State layout inside the integrator: ``y`` of shape (6, N), rows x, y, z, vx, vy, vz in the ECEF
frame (component-major, so each row is a contiguous batch array for the hot loop); the public
results follow kaminari's convention, batch axes first: (N, T, 3).

Fixed-step classical Runge-Kutta (RK4). Each member stops at ground impact: when its altitude
crosses ``stop_alt_m`` within a step, the crossing is located by linear interpolation of the
altitude over the step, and the state there is interpolated linearly between the step's ends
(error of order a dt^2 / 8: under 0.2 m for 0.1 s steps and 100 m/s^2). Finished members leave
the batch, so the cost follows the members still flying.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Self

import numpy as np
from numpy.typing import NDArray

from kaminari.dynamics.forces import (
    EARTH,
    AirState,
    Controls,
    Environment,
    air_state,
    total_acceleration,
)
from kaminari.earth.frames import altitude_and_up

__all__ = ["Controller", "Flight", "PointMassModel", "fly", "rk4_step"]

Array = NDArray[np.float64]


class Controller(Protocol):
    """Aerodynamic controls of a batch as a function of time, state (6, N) and air state.

    ``subset`` returns the controller of the members ``keep`` (an index array), in that order.
    """

    def __call__(self, t_s: float, y: Array, air: AirState) -> Controls: ...

    def subset(self, keep: NDArray[np.intp]) -> Self: ...


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
    t_rec = t0_s + dt_s * record_every * np.arange(n_rec)
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
        y, alt = y_new, alt_new
        if step % record_every == 0:
            rec[ids, step // record_every, :] = y.T
        if ids.size == 0:
            break
    stop_y[ids] = y.T
    n_used = step // record_every + 1
    return Flight(t_rec[:n_used], rec[:, :n_used], stop_t, stop_y)
