"""A railgun battery's fire control: which tracks it can engage now and how well, and its
rounds once ordered (the railgun ``Effector``).

``evaluate`` screens a battery's candidate tracks (cheap reach and track-quality screens
first), predicts each threat's path (``Predictor``), takes a first aim from the ballistic
table, and keeps the engagements within the doctrine's time of flight, the mount's limits
and the track-quality limit at the intercept; for each it gives fire control's single-shot
kill probability (``predicted_pk``). ``fire`` refines the aims of the ordered engagements by
flying rounds (``aim.refine_aim``), applies the battery's dispersion and flies the rounds
actually fired; what they meet is the engagement's business (it holds the truth).

Predicted single-shot Pk: the miss in the plane across the line of fire is taken as
circular Gaussian with per-axis variance s^2 = tr(P_rr)/3 + (sigma_pointing rho)^2 (the
track's position uncertainty at the intercept, spread over three axes, plus the pointing
dispersion at the intercept's slant range rho), and the round's damage function averaged
over it (``weapons.damage.Lethality.expected``; for a cookie cutter of radius R,
Pk = 1 - exp(-R^2 / (2 s^2)), the Rayleigh distribution of a circular Gaussian miss: e.g.
Driels, "Weaponeering", AIAA 2004, ch. on delivery accuracy and single-shot kill
probability). A hit-to-kill round's radius is taken against ``target_radius_m``, the body
radius fire control assumes for the threats it expects (it cannot tell one from another).
Muzzle-velocity dispersion, which moves the round mostly along its path, is left out of this
estimate.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from kaminari.earth.frames import ecef2enu, enu2aer
from kaminari.firecontrol.aim import refine_aim
from kaminari.firecontrol.doctrine import Doctrine
from kaminari.firecontrol.envelope import BallisticTable, FirstAim
from kaminari.firecontrol.predictor import Predictor, state_at
from kaminari.streams import MemberDraws
from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.ekf import predict
from kaminari.tracking.tracker import Tracks, jerk_psd
from kaminari.weapons.battery import Battery, azimuth_allowed, dispersed_shots, elevation_allowed
from kaminari.weapons.damage import Lethality
from kaminari.weapons.guided import fly_guided
from kaminari.weapons.projectile import fly_projectiles

__all__ = ["GUIDED_MISS_SIGMA_M", "Effector", "Engagements", "RailgunFireControl", "Rounds"]

GUIDED_MISS_SIGMA_M = 1.5
"""Per-axis miss sigma fire control expects of a guided round, m (kaminari assumption: the
command-guided round's RMS miss against a 12 g dive is 1.9 m with the default 1 m radar
error; tests/test_guided.py)."""

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True, eq=False)
class Engagements:
    """Engagements one battery could make at a decision time, one per candidate slot:
    predicted path (M, K, 3) from the firing instant ``t_fire_s`` at the battery's times
    ``tau_s`` (K,), first aim and time of flight, sigma at the intercept, predicted Pk."""

    slots: IntArray
    t_fire_s: float
    tau_s: Array
    path: Array
    az_rad: Array
    el_rad: Array
    tof_s: Array
    sigma_m: Array
    pk: Array

    def take(self, keep: NDArray[np.bool_] | IntArray) -> Engagements:
        return Engagements(
            self.slots[keep],
            self.t_fire_s,
            self.tau_s,
            self.path[keep],
            self.az_rad[keep],
            self.el_rad[keep],
            self.tof_s[keep],
            self.sigma_m[keep],
            self.pk[keep],
        )


@dataclass(frozen=True, eq=False)
class Rounds:
    """Rounds fired at one decision time: the slot each was fired at, the aim and its
    prediction, the shot as it actually left (dispersion), and each round's path ``r_ecef``
    (M, K, 3) at ``t_fire_s + tau_s`` (NaN after it came down)."""

    slots: IntArray
    t_fire_s: float
    tau_s: Array
    az_rad: Array
    el_rad: Array
    tof_s: Array
    predicted_miss_m: Array
    sigma_m: Array
    pk: Array
    shot_az_rad: Array
    shot_el_rad: Array
    muzzle_velocity_mps: Array
    r_ecef: Array

    @property
    def size(self) -> int:
        return int(self.slots.size)


class Effector(Protocol):
    """What the engagement loop asks of a weapon's fire control."""

    name: str
    kind: str
    lethality: Lethality
    round_radius_m: float
    cost_usd: float
    reaction_s: float
    shot_interval_s: float
    magazine: int

    def evaluate(
        self, tracks: Tracks, slots: IntArray, t_s: float, predictor: Predictor,
        committed: bool = False,
    ) -> Engagements:
        """The engagements the weapon could make from a decision at ``t_s`` (its rounds leave
        ``reaction_s`` later) on ``slots``; ``committed``: the battery has already committed
        to these tracks (``Doctrine.aim_at_shot``), so the doctrine's gate on track quality,
        a decision's criterion, does not apply again."""
        ...

    def fire(self, engagements: Engagements, rng: MemberDraws) -> Rounds:
        """The rounds fired on ``engagements``; ``rng``: each engagement's round's own
        streams (common random numbers), in the engagements' order."""
        ...

    def flight_times(self, rounds: Rounds) -> Array:
        """The times after firing (K,) at which the engagement sets the rounds against the
        truth (and gives ``home`` its targets' paths)."""
        ...

    homes: bool
    """Whether the rounds steer onto a target in flight (``home``)."""

    def home(
        self, rounds: Rounds, target_r: Array, target_v: Array, rng: MemberDraws
    ) -> Rounds:
        """The rounds flown against the true paths (M, K, 3) and velocities of the targets
        their seekers or radars follow, at ``flight_times`` (NaN: no target)."""
        ...


def _reach_m(table: BallisticTable, k: int) -> float:
    """The farthest a round gets from the muzzle within the table's first k times."""
    return float(np.nanmax(np.hypot(table.ground_m[:, :k], table.height_m[:, :k])))


class RailgunFireControl:
    """Fire control of one railgun battery (the ``Effector`` of an unguided railgun)."""

    def __init__(
        self,
        battery: Battery,
        table: BallisticTable,
        doctrine: Doctrine,
        tracker: TrackerConfig,
        dt_s: float,
        target_radius_m: float = 0.0,
    ) -> None:
        self.battery = battery
        self.target_radius_m = target_radius_m
        self.table = table
        self.doctrine = doctrine
        self.tracker = tracker
        self.dt_s = dt_s
        self.k = min(int(round(doctrine.max_time_of_flight_s / dt_s)) + 1, table.t_s.size)
        self.tau_s = table.t_s[: self.k]
        self.first_aim = FirstAim(table, self.tau_s)
        self.reach_m = _reach_m(table, self.k)
        self.site = battery.site_ecef()

    kind = "railgun"
    name = property(lambda self: self.battery.name)
    homes = property(lambda self: self.battery.guidance is not None)
    lethality = property(lambda self: self.battery.damage)
    round_radius_m = property(lambda self: self.battery.round_radius_m)
    cost_usd = property(lambda self: self.battery.cost_usd)
    reaction_s = property(lambda self: self.battery.reaction_s)
    shot_interval_s = property(lambda self: self.battery.shot_interval_s)
    magazine = property(lambda self: self.battery.magazine)

    def _empty(self, t_fire: float) -> Engagements:
        e = np.empty(0)
        return Engagements(
            np.empty(0, dtype=np.intp), t_fire, self.tau_s, np.empty((0, self.k, 3)),
            e, e, e, e, e,
        )

    def evaluate(
        self, tracks: Tracks, slots: IntArray, t_s: float, predictor: Predictor,
        committed: bool = False,
    ) -> Engagements:
        """The engagements this battery could make at ``t_s`` on ``slots`` (confirmed tracks
        the caller allows), feasible ones only (module docstring; ``committed``:
        ``Effector.evaluate``)."""
        b, d = self.battery, self.doctrine
        t_fire = t_s + b.reaction_s
        if slots.size == 0:
            return self._empty(t_fire)
        # cheap screen: could the threat come within the rounds' reach in time at all?
        x = tracks.x[slots]
        distance = np.linalg.norm(x[:, :3] - self.site, axis=-1)
        speed = np.linalg.norm(x[:, 3:6], axis=-1)
        near = distance - speed * (b.reaction_s + self.tau_s[-1]) <= self.reach_m
        slots, x, distance, speed = slots[near], x[near], distance[near], speed[near]
        if slots.size == 0:
            return self._empty(t_fire)
        q = jerk_psd(tracks, self.tracker)[slots]
        if not committed:  # second screen: the earliest intercept must find the track good
            earliest = np.maximum(distance - speed * b.reaction_s, 0.0) / (
                speed + b.muzzle_velocity_mps
            )
            _, p_soon = predict(x, tracks.P[slots], t_fire - tracks.t_s[slots] + earliest, q)
            sigma_soon = np.sqrt(np.trace(p_soon[:, :3, :3], axis1=-2, axis2=-1))
            hopeful = sigma_soon <= d.max_track_sigma_m
            slots, q = slots[hopeful], q[hopeful]
            if slots.size == 0:
                return self._empty(t_fire)
        x_fire, p_fire = state_at(tracks, slots, t_fire, self.tracker)
        pred = predictor.path(tracks, slots, x_fire, t_fire, self.tau_s)
        enu = ecef2enu(pred, b.lat_rad, b.lon_rad, b.alt_m)
        ground = np.hypot(enu[..., 0], enu[..., 1])
        el0, tof0, feasible = self.first_aim(ground, enu[..., 2])
        rows = np.arange(slots.size)
        at = np.clip(np.nan_to_num(np.round(tof0 / self.dt_s)), 0, self.k - 1).astype(np.intp)
        aer = enu2aer(enu[rows, at])
        feasible &= (tof0 <= d.max_time_of_flight_s) & elevation_allowed(b, el0)
        feasible &= azimuth_allowed(b, aer.az_rad)
        _, p_int = predict(x_fire, p_fire, np.where(feasible, tof0, 0.0), q)
        trace = np.trace(p_int[:, :3, :3], axis1=-2, axis2=-1)
        sigma = np.sqrt(trace)
        feasible &= (sigma <= d.max_track_sigma_m) | committed
        s2 = trace / 3.0 + (b.sigma_pointing_rad * aer.range_m) ** 2
        if b.guidance is not None:  # a guided round takes out the aim's error in flight
            s2 = np.full_like(s2, GUIDED_MISS_SIGMA_M**2)
        pk = b.damage.expected(
            np.sqrt(np.maximum(s2, 1e-12)), self.target_radius_m, b.round_radius_m
        )
        keep = np.flatnonzero(feasible)
        return Engagements(
            slots[keep], t_fire, self.tau_s, pred[keep], aer.az_rad[keep], el0[keep],
            tof0[keep], sigma[keep], pk[keep],
        )

    def fire(self, engagements: Engagements, rng: MemberDraws) -> Rounds:
        """Refine the aims of ``engagements`` against their predicted paths, drop those that
        do not converge or leave the limits, and fire the rest with the battery's
        dispersion: their paths, flown with the shared integrator."""
        e, b, d, dt = engagements, self.battery, self.doctrine, self.dt_s
        horizon = self.k
        if e.slots.size:
            horizon = min(int(np.ceil(np.nanmax(e.tof_s) / dt)) + int(round(2.0 / dt)), self.k)
        sol = refine_aim(b, e.az_rad, e.el_rad, e.path[:, :horizon], dt)
        ok = (
            sol.converged
            & (sol.tof_s <= d.max_time_of_flight_s)
            & elevation_allowed(b, sol.el_rad)
            & azimuth_allowed(b, sol.az_rad)
        )
        az, el = sol.az_rad[ok], sol.el_rad[ok]
        az_s, el_s, v_s = dispersed_shots(b, az, el, rng.take(np.flatnonzero(ok)))
        tau = self.tau_s[:horizon]
        r = np.full((az.size, tau.size, 3), np.nan)
        if az.size:
            traj = fly_projectiles(
                b.lat_rad, b.lon_rad, b.alt_m, az_s, el_s, v_s, b.projectile,
                dt_s=dt, t_max_s=tau[-1],
            )
            n = min(tau.size, traj.t_s.size)
            r[:, :n] = traj.r_ecef[:, :n]
        return Rounds(
            slots=e.slots[ok],
            t_fire_s=e.t_fire_s,
            tau_s=tau,
            az_rad=az,
            el_rad=el,
            tof_s=sol.tof_s[ok],
            predicted_miss_m=sol.predicted_miss_m[ok],
            sigma_m=e.sigma_m[ok],
            pk=e.pk[ok],
            shot_az_rad=az_s,
            shot_el_rad=el_s,
            muzzle_velocity_mps=v_s,
            r_ecef=r,
        )

    def flight_times(self, rounds: Rounds) -> Array:
        return rounds.tau_s

    def home(
        self, rounds: Rounds, target_r: Array, target_v: Array, rng: MemberDraws
    ) -> Rounds:
        """Guided rounds (``weapons.guided``) flown from the shot as it left the muzzle."""
        b = self.battery
        assert b.guidance is not None
        flight = fly_guided(
            b.lat_rad, b.lon_rad, b.alt_m, rounds.shot_az_rad, rounds.shot_el_rad,
            rounds.muzzle_velocity_mps, b.projectile, b.guidance, target_r, target_v,
            rounds.tau_s[1] - rounds.tau_s[0], rng,
        )  # fmt: skip
        r = np.full_like(rounds.r_ecef, np.nan)
        n = min(rounds.tau_s.size, flight.r_ecef.shape[1])
        r[:, :n] = flight.r_ecef[:, :n]
        return dataclasses.replace(rounds, r_ecef=r)
