"""An interceptor battery's fire control: which tracks its missiles can reach, and launches.

``ReachTable``: the least time of flight at which the missile (``weapons.interceptor``) reaches
each (ground range, altitude) cell around its launcher, from a fan of pitch programmes flown
once (``fly_programmes``, climbs of 5 to 85 degrees): a cell takes the earliest time any
programme passes through it, and a cell at a shorter ground range takes no longer than the
cells beyond it at the same altitude (a missile that reaches farther in a given time could have
stopped short). ``NaN``: no programme reaches it.

``InterceptorFireControl.evaluate`` predicts each candidate track's path (the same
``Predictor`` as the railguns') at ``TABLE_STEP_S`` from the launch instant, finds the earliest
point the missile can reach in time (its predicted intercept point, at or above
``MIN_INTERCEPT_ALT_M``), and gives fire control's predicted Pk: the warhead's damage function
averaged over a homing miss of ``HOMING_SIGMA_M`` per axis (a missile that homes does not carry
the track's error to the intercept). ``fire`` launches; the engagement (which holds the truth)
flies the missiles, midcourse on the predicted intercept point and terminal homing
(``weapons.interceptor.fly_interceptors``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaminari.earth.frames import ecef2enu, enu2aer
from kaminari.firecontrol.doctrine import Doctrine
from kaminari.firecontrol.predictor import Predictor, state_at
from kaminari.firecontrol.railgun import Engagements, Rounds
from kaminari.streams import MemberDraws
from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.ekf import predict
from kaminari.tracking.tracker import Tracks, jerk_psd
from kaminari.weapons.damage import Lethality
from kaminari.weapons.interceptor import fly_interceptors, fly_programmes
from kaminari.weapons.launcher import Launcher

__all__ = [
    "FLIGHT_DT_S",
    "HOMING_SIGMA_M",
    "MIN_INTERCEPT_ALT_M",
    "TABLE_STEP_S",
    "InterceptorFireControl",
    "ReachTable",
    "reach_band",
    "reach_ceiling_m",
    "reach_table",
]

Array = NDArray[np.float64]

FLIGHT_DT_S = 0.05
"""Step of an interceptor's flight against the truth, s: its homing closes at 3-5 km/s,
150-250 m a step, and still misses a 12 g dive by 0.02 m at most (0.003 m at 0.02 s, 2.5 times
the time; tests/test_interceptor.py)."""
TABLE_STEP_S = 0.5
"""Step of the predicted path and of the missile's flight, s."""
MIN_INTERCEPT_ALT_M = 1_000.0
"""Lowest predicted intercept fire control plans for, m (kaminari assumption)."""
HOMING_SIGMA_M = 1.0
"""Per-axis miss sigma fire control expects of a homing missile, m (kaminari assumption: the
flyout's own PN misses by 0 to 2 m; tests/test_interceptor.py)."""
MAX_TRACK_SIGMA_M = 1_000.0
"""Largest track position sigma, predicted to the intercept, for a launch: the missile homes,
so fire control needs a track good enough for midcourse and the seeker's acquisition only
(kaminari assumption). It keeps fire control from launching at a glide a minute or more
before the intercept, when the threat may still turn or dive."""

_GROUND_STEP_M = 1_000.0
_ALT_STEP_M = 500.0


@dataclass(frozen=True, eq=False)
class ReachTable:
    """Least time of flight (s) to each (ground range, altitude) cell: ``t_s[i, j]`` for
    ground ranges ``i * ground_step_m`` and altitudes ``j * alt_step_m``; NaN: unreachable."""

    ground_step_m: float
    alt_step_m: float
    t_s: Array

    def time_to(self, ground_m: Array, alt_m: Array) -> Array:
        """Least time of flight (s) to points at these ground ranges and altitudes (any
        shape); NaN outside the table or where no programme reaches."""
        g = np.clip(np.nan_to_num(ground_m, nan=-1.0), -1.0, 1e9)
        h = np.clip(np.nan_to_num(alt_m, nan=-1.0), -1.0, 1e9)
        i = np.round(g / self.ground_step_m).astype(np.intp)
        j = np.round(h / self.alt_step_m).astype(np.intp)
        ok = (i >= 0) & (i < self.t_s.shape[0]) & (j >= 0) & (j < self.t_s.shape[1])
        out = np.full(np.shape(ground_m), np.nan)
        out[ok] = self.t_s[i[ok], j[ok]]
        return out


def reach_band(table: ReachTable, max_time_of_flight_s: float, alt_m: Array) -> tuple[Array, Array]:
    """Nearest and farthest ground range (m) reachable within ``max_time_of_flight_s`` at each
    altitude of ``alt_m`` (NaN: none), and the highest altitude reached (m): the launcher's
    rows of ``kaminari run``'s engagement envelope."""
    alt = np.asarray(alt_m, dtype=float)
    lo, hi = np.full(alt.size, np.nan), np.full(alt.size, np.nan)
    ground = table.ground_step_m * np.arange(table.t_s.shape[0])
    for n, h in enumerate(alt.ravel()):
        j = int(round(h / table.alt_step_m))
        if 0 <= j < table.t_s.shape[1]:
            ok = np.flatnonzero(table.t_s[:, j] <= max_time_of_flight_s)
            if ok.size:
                lo[n], hi[n] = ground[ok[0]], ground[ok[-1]]
    return lo, hi


def reach_ceiling_m(table: ReachTable, max_time_of_flight_s: float) -> float:
    """The highest altitude (m) the missile reaches within the time of flight."""
    rows = np.flatnonzero((table.t_s <= max_time_of_flight_s).any(axis=0))
    return float(rows[-1] * table.alt_step_m) if rows.size else float("nan")


def reach_table(launcher: Launcher) -> ReachTable:
    """The launcher's missile's reach (module docstring), flown once over its maximum time of
    flight."""
    climb = np.radians(np.arange(5.0, 85.1, 2.5))
    f = fly_programmes(
        climb, launcher.spec, launcher.lat_rad, launcher.lon_rad, launcher.alt_m,
        dt_s=TABLE_STEP_S, t_max_s=launcher.max_time_of_flight_s,
    )  # fmt: skip
    g_max = float(np.nanmax(f.ground_range_m)) if np.isfinite(f.ground_range_m).any() else 0.0
    h_max = float(np.nanmax(f.alt_m)) if np.isfinite(f.alt_m).any() else 0.0
    n_g = int(g_max / _GROUND_STEP_M) + 2
    n_h = int(max(h_max, 0.0) / _ALT_STEP_M) + 2
    t = np.full((n_g, n_h), np.inf)
    ok = np.isfinite(f.ground_range_m) & np.isfinite(f.alt_m) & (f.alt_m >= 0.0)
    member, k = np.nonzero(ok)
    i = np.round(f.ground_range_m[member, k] / _GROUND_STEP_M).astype(np.intp)
    j = np.round(f.alt_m[member, k] / _ALT_STEP_M).astype(np.intp)
    np.minimum.at(t, (i, j), f.t_s[k])
    t = np.minimum.accumulate(t[::-1], axis=0)[::-1]  # nearer at the same height: no later
    return ReachTable(_GROUND_STEP_M, _ALT_STEP_M, np.where(np.isfinite(t), t, np.nan))


class InterceptorFireControl:
    """Fire control of one interceptor launcher (module docstring): an ``Effector``."""

    kind = "interceptor"
    homes = True

    def __init__(
        self,
        launcher: Launcher,
        table: ReachTable,
        doctrine: Doctrine,
        tracker: TrackerConfig,
        target_radius_m: float = 0.0,
    ) -> None:
        self.launcher = launcher
        self.table = table
        self.doctrine = doctrine
        self.tracker = tracker
        self.target_radius_m = target_radius_m
        self.tau_s = np.arange(0.0, launcher.max_time_of_flight_s + TABLE_STEP_S, TABLE_STEP_S)
        self.site = launcher.site_ecef()

    name = property(lambda self: self.launcher.name)
    lethality: Lethality = property(lambda self: self.launcher.lethality)  # type: ignore[assignment]
    round_radius_m = 0.0
    cost_usd = property(lambda self: self.launcher.cost_usd)
    reaction_s = property(lambda self: self.launcher.reaction_s)
    shot_interval_s = property(lambda self: self.launcher.shot_interval_s)
    magazine = property(lambda self: self.launcher.magazine)

    def _empty(self, t_fire: float) -> Engagements:
        e = np.empty(0)
        return Engagements(
            np.empty(0, dtype=np.intp), t_fire, self.tau_s, np.empty((0, self.tau_s.size, 3)),
            e, e, e, e, e,
        )

    def evaluate(
        self, tracks: Tracks, slots: NDArray[np.intp], t_s: float, predictor: Predictor,
        committed: bool = False,
    ) -> Engagements:
        """The launches this battery could make at ``t_s`` on ``slots``: those whose earliest
        reachable predicted point lies within the missile's time of flight (and, unless
        ``committed``, ``Effector.evaluate``, whose track is good enough there)."""
        la = self.launcher
        t_fire = t_s + la.reaction_s
        if slots.size == 0:
            return self._empty(t_fire)
        x = tracks.x[slots]
        distance = np.linalg.norm(x[:, :3] - self.site, axis=-1)
        speed = np.linalg.norm(x[:, 3:6], axis=-1)
        reach = self.table.ground_step_m * self.table.t_s.shape[0]
        near = distance - speed * (la.reaction_s + self.tau_s[-1]) <= reach
        slots = slots[near]
        if slots.size == 0:
            return self._empty(t_fire)
        x_fire, p_fire = state_at(tracks, slots, t_fire, self.tracker)
        pred = predictor.path(tracks, slots, x_fire, t_fire, self.tau_s)
        enu = ecef2enu(pred, la.lat_rad, la.lon_rad, la.alt_m)
        ground = np.hypot(enu[..., 0], enu[..., 1])
        need = self.table.time_to(ground, enu[..., 2])
        can = (need <= self.tau_s[None, :]) & (enu[..., 2] >= MIN_INTERCEPT_ALT_M)
        feasible = can.any(axis=1)
        first = np.argmax(can, axis=1)
        rows = np.arange(slots.size)
        q = jerk_psd(tracks, self.tracker)[slots]
        _, p_int = predict(
            x_fire, p_fire, np.where(feasible, self.tau_s[first], 0.0), q,
            self.tracker.prediction_motion,
        )
        sigma = np.sqrt(np.trace(p_int[:, :3, :3], axis1=-2, axis2=-1))
        feasible &= (sigma <= MAX_TRACK_SIGMA_M) | committed
        aer = enu2aer(enu[rows, first])
        pk = la.lethality.expected(
            np.full(slots.size, HOMING_SIGMA_M), self.target_radius_m, 0.0
        )
        keep = np.flatnonzero(feasible)
        return Engagements(
            slots[keep], t_fire, self.tau_s, pred[keep], aer.az_rad[keep], aer.el_rad[keep],
            self.tau_s[first[keep]], sigma[keep], pk[keep],
        )

    def fire(self, engagements: Engagements, rng: MemberDraws) -> Rounds:
        """Launch at every ordered engagement; the paths are the engagement's to fly (NaN
        here)."""
        e = engagements
        m = e.slots.size
        return Rounds(
            slots=e.slots,
            t_fire_s=e.t_fire_s,
            tau_s=e.tau_s,
            az_rad=e.az_rad,
            el_rad=e.el_rad,
            tof_s=e.tof_s,
            predicted_miss_m=np.full(m, np.nan),
            sigma_m=e.sigma_m,
            pk=e.pk,
            shot_az_rad=e.az_rad,
            shot_el_rad=e.el_rad,
            muzzle_velocity_mps=np.zeros(m),
            r_ecef=np.full((m, e.tau_s.size, 3), np.nan),
        )

    def flight_times(self, rounds: Rounds) -> Array:
        """``FLIGHT_DT_S`` steps until 10 s past the latest predicted intercept (within the
        launcher's time of flight)."""
        end = min(float(np.max(rounds.tof_s, initial=0.0)) + 10.0,
                  self.launcher.max_time_of_flight_s)  # fmt: skip
        return np.arange(0.0, end + FLIGHT_DT_S, FLIGHT_DT_S)

    def home(
        self, rounds: Rounds, target_r: Array, target_v: Array, rng: MemberDraws
    ) -> Rounds:
        """The missiles flown (``weapons.interceptor.fly_interceptors``): midcourse on their
        target, then proportional navigation (a perfect seeker: ``rng`` draws nothing)."""
        la = self.launcher
        flight = fly_interceptors(
            la.lat_rad, la.lon_rad, la.alt_m, target_r, target_v,
            rounds.tau_s[1] - rounds.tau_s[0], spec=la.spec,
        )  # fmt: skip
        r = np.full((rounds.size, rounds.tau_s.size, 3), np.nan)
        n = min(rounds.tau_s.size, flight.r_ecef.shape[1])
        r[:, :n] = np.where(flight.valid[:, :n, None], flight.r_ecef[:, :n], np.nan)
        return dataclasses.replace(rounds, r_ecef=r)
