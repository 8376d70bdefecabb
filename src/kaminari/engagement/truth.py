"""The threats' true flight, as the engagement loop queries it: positions of every threat at
any time, each threat shifted to its own start (raids)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kaminari.dynamics.interpolate import hermite
from kaminari.threats.flyout import ThreatTrajectories

__all__ = ["Truth"]

Array = NDArray[np.float64]


class Truth:
    """Flown threats (their own clocks from 0) and their start times (s after the epoch).
    A threat exists from its start to its ground impact (or the end of its flight)."""

    def __init__(self, traj: ThreatTrajectories, start_t_s: Array) -> None:
        self.traj = traj
        self.start_t_s = np.asarray(start_t_s, dtype=float)
        rel_end = np.where(np.isnan(traj.impact_t_s), traj.t_s[-1], traj.impact_t_s)
        self.end_t_s = self.start_t_s + rel_end
        self.impact_t_s = self.start_t_s + traj.impact_t_s  # NaN: no impact within t_max

    @property
    def n(self) -> int:
        return int(self.start_t_s.size)

    def flying(self, t_s: float) -> NDArray[np.bool_]:
        """(T,) whether each threat is in flight at ``t_s``."""
        return (t_s >= self.start_t_s) & (t_s <= self.end_t_s)

    def at(self, t_s: Array) -> tuple[Array, Array]:
        """Positions and velocities (T, K, 3) at absolute times (K,); NaN where a threat is not
        in flight."""
        t = np.asarray(t_s, dtype=float).reshape(-1)
        rel = t[None, :] - self.start_t_s[:, None]
        r, v = hermite(self.traj.t_s, self.traj.r_ecef, self.traj.v_ecef, rel)
        gone = (rel < 0.0) | (t[None, :] > self.end_t_s[:, None])
        r[gone] = np.nan
        v[gone] = np.nan
        return r, v

    def position_of(self, threat: NDArray[np.intp], t_s: Array) -> Array:
        """Positions (M, 3) of threats ``threat`` (M,) each at its own time (M,)."""
        rel = (np.asarray(t_s, dtype=float) - self.start_t_s[threat])[:, None]
        r, _ = hermite(self.traj.t_s, self.traj.r_ecef, self.traj.v_ecef, rel, threat)
        return r[:, 0]

    def rows(self) -> dict[str, NDArray]:
        """The nominal flights as the ``truth`` result table (times after the epoch)."""
        rows = self.traj.rows()
        index = {name: i for i, name in enumerate(self.traj.names)}
        names, row_name = np.unique(rows["threat"], return_inverse=True)  # a lookup per threat
        shift = self.start_t_s[np.array([index[n] for n in names], dtype=np.intp)][row_name]
        rows["t_s"] = rows["t_s"] + shift
        return rows
