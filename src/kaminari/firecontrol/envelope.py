"""A battery's ballistic table and engagement envelope.

The table is a fan of shots flown once per battery, from its lowest to its highest elevation at
one azimuth (north), with the full projectile model (US 1976 atmosphere, J2 gravity, the Earth's
rotation). Fire control reads it for a first aim guess (``first_aim``) and a user reads it for
where intercepts are possible at all (``envelope``, ``max_altitude_m``).

What the table leaves out: the small dependence of a shot on its azimuth, through the Coriolis
and centrifugal terms (the Eotvos effect: shots to the east climb higher) and the J2 and
ellipsoid-curvature terms. Measured for the default 2,300 m/s dart from 35.6 N, 139.7 E, 10 m
(dt 0.05 s), fired at azimuths 0, 90, 180 and 270 deg: the largest distance between any two of
the four positions at 20 s, each taken in its own shot's along-range/cross-range/up frame, is
40 m at 10 deg elevation, 51 m at 30 deg, 58 m at 45 deg, 62 m at 60 deg and 66 m at 85 deg
(heights differ by up to 46 m, ground ranges by up to 65 m, cross-range drift by up to 40 m).
Fire control removes it afterwards by flying the real shot at the real azimuth.

Frames: ``ground_m`` is the horizontal distance sqrt(east^2 + north^2) and ``height_m`` the up
coordinate, both in the east-north-up frame of the battery's site; ``alt_m`` is the geodetic
altitude above the WGS84 ellipsoid. Height and altitude differ by the site altitude and by the
Earth's curvature, about ground^2 / (2 R): 20 m at 16 km of ground range, 280 m at 60 km.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from kaminari.dynamics.forces import EARTH, Environment
from kaminari.earth.frames import ecef2enu
from kaminari.weapons.battery import Battery
from kaminari.weapons.projectile import fly_projectiles

__all__ = [
    "BallisticTable",
    "FirstAim",
    "ballistic_table",
    "envelope",
    "first_aim",
    "max_altitude_m",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class BallisticTable:
    """A fan of shots from one battery, at one azimuth.

    ``elevation_rad`` (E,) increasing; ``t_s`` (K,) times of flight from the muzzle, uniform;
    ``ground_m``, ``height_m`` (E, K): horizontal distance and up coordinate in the site's
    east-north-up frame, m; ``speed_mps`` (E, K): Earth-relative speed; ``alt_m`` (E, K):
    geodetic altitude, m. NaN after impact.
    """

    elevation_rad: Array
    t_s: Array
    ground_m: Array
    height_m: Array
    speed_mps: Array
    alt_m: Array


def ballistic_table(
    battery: Battery,
    el_step_rad: float = math.radians(0.5),
    t_max_s: float = 60.0,
    dt_s: float = 0.05,
    env: Environment = EARTH,
) -> BallisticTable:
    """Fly the battery's fan of elevations, from ``min_elevation_rad`` to ``max_elevation_rad``
    (both included, evenly spaced at no more than ``el_step_rad``), at azimuth 0 (north) in one
    batch with ``fly_projectiles`` (step ``dt_s``, every step recorded, up to ``t_max_s``), and
    express it in the site's east-north-up frame.

    The azimuth dependence of the flight (Coriolis, J2) is left out: up to about 60 m at 20 s of
    flight for the default battery (module docstring). About 0.2 s for the default arguments
    (161 elevations, 1,201 times).
    """
    lo, hi = battery.min_elevation_rad, battery.max_elevation_rad
    if not hi > lo or el_step_rad <= 0.0:
        raise ValueError(
            f"need min_elevation_rad < max_elevation_rad and el_step_rad > 0; got {lo}, {hi}, "
            f"{el_step_rad}"
        )
    n_el = int(math.ceil((hi - lo) / el_step_rad - 1e-9)) + 1
    elevation = np.linspace(lo, hi, n_el)
    traj = fly_projectiles(
        battery.lat_rad,
        battery.lon_rad,
        battery.alt_m,
        0.0,
        elevation,
        battery.muzzle_velocity_mps,
        battery.projectile,
        dt_s=dt_s,
        t_max_s=t_max_s,
        env=env,
    )
    enu = ecef2enu(traj.r_ecef, battery.lat_rad, battery.lon_rad, battery.alt_m)
    return BallisticTable(
        elevation_rad=elevation,
        t_s=traj.t_s,
        ground_m=np.hypot(enu[..., 0], enu[..., 1]),
        height_m=enu[..., 2],
        speed_mps=traj.speed_mps,
        alt_m=traj.alt_m,
    )


def _at_times(values: Array, t_table: Array, t_s: Array) -> Array:
    """Table columns (E, K) linearly interpolated to the times ``t_s`` (M,) -> (E, M); NaN
    outside the table's time span. A time on a sample takes that sample alone, so the last
    sample before an impact is not lost to its NaN neighbour."""
    j = np.clip(np.searchsorted(t_table, t_s, side="right") - 1, 0, t_table.size - 2)
    w = (t_s - t_table[j]) / (t_table[j + 1] - t_table[j])
    left, right = values[:, j], values[:, j + 1]
    out = np.where(w > 0.0, left + w * (right - left), left)
    inside = (t_s >= t_table[0]) & (t_s <= t_table[-1])
    return np.where(inside, out, np.nan)


def _within(table: BallisticTable, max_time_of_flight_s: float) -> tuple[Array, Array]:
    """Ground (m) and altitude (m), (E, K'), of the table's samples with t <= the limit, plus
    the positions at the limit itself when it falls between samples."""
    t = table.t_s
    k = int(np.searchsorted(t, max_time_of_flight_s, side="right"))
    ground, alt = table.ground_m[:, :k], table.alt_m[:, :k]
    if 0 < k < t.size and t[k - 1] < max_time_of_flight_s:
        at = np.array([max_time_of_flight_s])
        ground = np.concatenate([ground, _at_times(table.ground_m, t, at)], axis=1)
        alt = np.concatenate([alt, _at_times(table.alt_m, t, at)], axis=1)
    return ground, alt


def _crossings(g0: Array, g1: Array, h0: Array, h1: Array, level: Array) -> Array:
    """Ground distance where segments (g0, h0)-(g1, h1) (any shape S) cross the altitude levels
    (A,), shape (A, *S); NaN where a segment does not cross its level."""
    lv = level.reshape(level.shape + (1,) * g0.ndim)
    a, b = h0 - lv, h1 - lv
    crosses = (a * b <= 0.0) & np.isfinite(a * b)
    dh = np.where(h1 != h0, h1 - h0, 1.0)
    frac = np.where(h1 != h0, np.clip(-a / dh, 0.0, 1.0), 0.0)
    return np.where(crosses, g0 + frac * (g1 - g0), np.nan)


def envelope(
    table: BallisticTable, max_time_of_flight_s: float, altitudes_m: ArrayLike
) -> tuple[Array, Array]:
    """Band of ground distance (m) the battery can reach at each geodetic altitude (m) within
    ``max_time_of_flight_s``: ``(min_ground_m, max_ground_m)``, each of the shape of
    ``altitudes_m``, NaN where no shot gets there in time.

    The band is spanned by where the table's trajectories, cut at the time limit, cross the
    altitude, and by where the isochrone at the limit (the polyline through the fan's positions
    at that time) crosses it; the region between is taken as filled, which holds for a fan that
    sweeps continuously in elevation. Between fan members the outer boundary is the polyline
    through them, which lies inside the true boundary: for the default battery and table the
    band's edges are within 0.5 m of those of a table ten times finer in elevation and five
    times finer in time. A limit beyond the table's last time is taken as that time.
    """
    level = np.asarray(altitudes_m, dtype=float)
    flat = level.reshape(-1)
    ground, alt = _within(table, max_time_of_flight_s)
    along_time = _crossings(ground[:, :-1], ground[:, 1:], alt[:, :-1], alt[:, 1:], flat)
    end_g, end_h = ground[:, -1], alt[:, -1]
    isochrone = _crossings(end_g[:-1], end_g[1:], end_h[:-1], end_h[1:], flat)
    points = np.concatenate(
        [along_time.reshape(flat.size, -1), isochrone.reshape(flat.size, -1)], axis=1
    )
    finite = np.isfinite(points)
    found = finite.any(axis=1)
    lo = np.where(found, np.min(np.where(finite, points, np.inf), axis=1), np.nan)
    hi = np.where(found, np.max(np.where(finite, points, -np.inf), axis=1), np.nan)
    return lo.reshape(level.shape), hi.reshape(level.shape)


def max_altitude_m(table: BallisticTable, max_time_of_flight_s: float) -> float:
    """Highest geodetic altitude (m) any shot of the table reaches within the time limit (NaN if
    the limit is before the table's first time)."""
    _, alt = _within(table, max_time_of_flight_s)
    return float(np.max(alt[np.isfinite(alt)])) if np.isfinite(alt).any() else math.nan


def first_aim(
    table: BallisticTable, ground_m: ArrayLike, height_m: ArrayLike, t_s: ArrayLike
) -> tuple[Array, Array, NDArray[np.bool_]]:
    """Elevation (rad) and time of flight (s) at which the table's projectile meets each of N
    targets, and whether it can: ``(el_rad, tof_s, feasible)``, each (N,).

    ``ground_m``, ``height_m`` (N, K): each target's predicted position relative to the battery
    (horizontal distance and up coordinate in the site's east-north-up frame, m) at the times of
    flight ``t_s`` (K,) after the firing instant, increasing; usually the table's own times (any
    times within the table's span are interpolated to). NaN marks a time with no prediction.

    Method, vectorised over N and K: at each time t_k, the elevation that puts the projectile on
    the target's line of sight (angle atan2(height, ground)) is found by bisection over the
    elevation index and linear interpolation between fan members; there the projectile's slant
    distance minus the target's, f(t_k), is known. The first sign change of f from negative to
    non-negative between consecutive times is the meeting; time of flight and elevation are
    interpolated linearly to it. ``feasible`` is False (and el, tof NaN) when no such change
    exists within the table, when the target's line of sight lies outside the fan at the times
    around it, or when the meeting would come before the table's second sample (the projectile
    is at the muzzle at t = 0, where the line of sight is undefined).

    The line-of-sight angle rises with elevation at fixed time up to the fan's peak; at each
    time only the elevations from the lowest still flying to the one of the highest angle are
    searched. For the default battery the angle rises through the whole fan at every time up to
    120 s (checked at 0.5 deg and 0.05 s, 1,500 to 3,000 m/s), so nothing is lost; for a fan
    that folds over (shots falling back near the battery), the lobbed solutions beyond the peak
    are not returned. Accuracy at azimuth 0, default table: for 300 targets inbound at 1-3 km/s
    met at 3-40 s, the shot ordered, flown apart, passes within 0.4 m of the target (tests);
    the table's neglect of azimuth (module docstring) is the larger error, tens of metres.
    """
    return FirstAim(table, t_s)(ground_m, height_m)


class FirstAim:
    """``first_aim`` for one table and one set of times ``t_s`` (K,): the fan's positions at
    those times, its line-of-sight angles and search brackets are worked out once here, and
    each call does only the per-target part. Fire control keeps one per battery."""

    def __init__(self, table: BallisticTable, t_s: ArrayLike) -> None:
        t = np.asarray(t_s, dtype=float)
        if t.ndim != 1 or t.size < 2:
            raise ValueError(f"t_s must be (K,), K >= 2; got {t.shape}")
        self.table = table
        self.t_s = t
        tg = _at_times(table.ground_m, table.t_s, t)
        th = _at_times(table.height_m, table.t_s, t)
        self._rho = np.hypot(tg, th)
        flying = np.isfinite(self._rho) & (self._rho > 0.0)
        self._angle = np.where(flying, np.arctan2(th, tg), -np.inf)
        # Search bracket at each time: lowest flying elevation up to the peak of the fan's angle.
        self._first = np.argmax(flying, axis=0)
        self._peak = np.argmax(self._angle, axis=0)
        self._usable = flying.any(axis=0) & (self._peak > self._first)
        self._cols = np.arange(t.size)
        self._index = np.arange(table.elevation_rad.size)

    def __call__(
        self, ground_m: ArrayLike, height_m: ArrayLike, compiled: bool = True
    ) -> tuple[Array, Array, NDArray[np.bool_]]:
        """``(el_rad, tof_s, feasible)`` of ``first_aim`` for targets (N, K) at these times.

        ``compiled`` (the default): target by target, time by time, stopping at the first
        meeting (``_first_aim_kernel``); False: the same arithmetic batched in numpy over
        every target and time (the reference the kernel is tested against)."""
        g = np.atleast_2d(np.asarray(ground_m, dtype=float))
        h = np.atleast_2d(np.asarray(height_m, dtype=float))
        t = self.t_s
        if g.shape != h.shape or g.shape[-1] != t.size:
            raise ValueError(
                f"ground_m and height_m must be (N, K) and t_s (K,), K >= 2; got {g.shape}, "
                f"{h.shape}, {t.shape}"
            )
        if compiled:
            el = np.empty(g.shape[0])
            tof = np.empty(g.shape[0])
            ok = np.empty(g.shape[0], dtype=np.bool_)
            _first_aim_kernel(
                np.ascontiguousarray(g), np.ascontiguousarray(h), self._angle, self._rho,
                self._first, self._peak, self._usable, t, self.table.elevation_rad,
                max(1, math.ceil(math.log2(self._index.size))), el, tof, ok,
            )  # fmt: skip
            return el, tof, ok
        n, k = g.shape
        e = self._index.size
        rho, angle, cols = self._rho, self._angle, self._cols
        phi = np.arctan2(h, g)
        rho_t = np.hypot(g, h)
        lo = np.broadcast_to(self._first, (n, k)).copy()
        hi = np.broadcast_to(self._peak, (n, k)).copy()
        inside = self._usable & (angle[lo, cols] <= phi) & (phi <= angle[hi, cols])
        for _ in range(max(1, math.ceil(math.log2(e)))):
            mid = (lo + hi) // 2
            up = angle[mid, cols] <= phi
            lo = np.where(up, mid, lo)
            hi = np.where(up, hi, mid)
        a_lo, a_hi = angle[lo, cols], angle[hi, cols]
        inside &= np.isfinite(a_lo) & np.isfinite(a_hi)  # a hole in the fan: no answer there
        a_lo, a_hi = np.where(inside, a_lo, 0.0), np.where(inside, a_hi, 1.0)
        span = np.where(a_hi > a_lo, a_hi - a_lo, 1.0)
        u = np.where(inside, np.clip((phi - a_lo) / span, 0.0, 1.0), np.nan)
        el_index = lo + u
        rho_p = rho[lo, cols] + u * (rho[hi, cols] - rho[lo, cols])
        f = rho_p - rho_t

        f0, f1 = f[:, :-1], f[:, 1:]
        meets = (f0 < 0.0) & (f1 >= 0.0)
        feasible = meets.any(axis=1)
        j = np.argmax(meets, axis=1)[:, None]
        a0 = np.take_along_axis(f0, j, 1)[:, 0]
        a1 = np.take_along_axis(f1, j, 1)[:, 0]
        s = np.where(feasible, a0 / np.where(feasible, a0 - a1, 1.0), np.nan)
        j = j[:, 0]
        tof = t[j] + s * (t[j + 1] - t[j])
        i0 = np.take_along_axis(el_index, j[:, None], 1)[:, 0]
        i1 = np.take_along_axis(el_index, j[:, None] + 1, 1)[:, 0]
        el = np.interp(i0 + s * (i1 - i0), self._index, self.table.elevation_rad)
        return np.where(feasible, el, np.nan), np.where(feasible, tof, np.nan), feasible


@njit(cache=True)
def _first_aim_kernel(  # type: ignore[no-untyped-def]
    g, h, angle, rho, first, peak, usable, t, elevation, steps, el_out, tof_out, ok_out
):  # pragma: no cover - compiled
    """``FirstAim.__call__``'s arithmetic per target, time after time until the first meeting:
    the same bracket search (``steps`` halvings), interpolation along the fan and sign change
    of the slant-distance difference f, so the same results to rounding."""
    n, k = g.shape
    e = elevation.size
    for m in range(n):
        el_out[m] = np.nan
        tof_out[m] = np.nan
        ok_out[m] = False
        f_prev = np.nan
        i_prev = np.nan
        for c in range(k):
            phi = math.atan2(h[m, c], g[m, c])
            rho_t = math.hypot(g[m, c], h[m, c])
            lo = first[c]
            hi = peak[c]
            inside = usable[c] and angle[lo, c] <= phi and phi <= angle[hi, c]
            for _ in range(steps):
                mid = (lo + hi) // 2
                if angle[mid, c] <= phi:
                    lo = mid
                else:
                    hi = mid
            a_lo = angle[lo, c]
            a_hi = angle[hi, c]
            inside = inside and math.isfinite(a_lo) and math.isfinite(a_hi)
            f = np.nan
            i_el = np.nan
            if inside:
                span = a_hi - a_lo if a_hi > a_lo else 1.0
                u = min(max((phi - a_lo) / span, 0.0), 1.0)
                i_el = lo + u
                f = rho[lo, c] + u * (rho[hi, c] - rho[lo, c]) - rho_t
            if c > 0 and f_prev < 0.0 and f >= 0.0:
                s = f_prev / (f_prev - f)
                tof_out[m] = t[c - 1] + s * (t[c] - t[c - 1])
                x = i_prev + s * (i_el - i_prev)
                if x <= 0.0:
                    el_out[m] = elevation[0]
                elif x >= e - 1:
                    el_out[m] = elevation[e - 1]
                else:
                    j = int(x)
                    el_out[m] = (elevation[j + 1] - elevation[j]) * (x - j) + elevation[j]
                ok_out[m] = True
                break
            f_prev = f
            i_prev = i_el
