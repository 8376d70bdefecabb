"""The threats' true flight, as the engagement loop queries it: where every threat of every
replication is at any time, each threat shifted to its own start (raids).

Flights are stored once per distinct trajectory (a *member* of the flown batch) and looked up
through ``member`` (Rt, T): the member that threat t flies in replication r. Without dispersion
every replication flies the same members (Rt = 1, and queries broadcast over replications);
with it, each replication of a batch has its own (Rt = R).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from kaminari.dynamics.interpolate import hermite, hermite_position
from kaminari.threats.flyout import ThreatSpec, ThreatTrajectories

SCREEN_SPEED_MPS = 10_000.0
"""A speed no threat reaches (above the first cosmic velocity, 7.9 km/s: a suborbital body is
slower), bounding how far a threat gets between recorded samples for ``Truth.visible_any``'s
range screen."""

__all__ = ["Truth"]

Array = NDArray[np.float64]


class Truth:
    """Flown members (their own clocks from 0), the threats' start times (T,) (s after the
    epoch) and ``member`` (Rt, T) (default: member t for threat t in every replication);
    ``specs``: the spec each member was flown from, where the caller has them.
    A threat exists from its start to its ground impact (or the end of its flight)."""

    def __init__(
        self,
        traj: ThreatTrajectories,
        start_t_s: Array,
        member: NDArray[np.intp] | None = None,
        specs: Sequence[ThreatSpec] | None = None,
    ) -> None:
        self.traj = traj
        self.specs = None if specs is None else tuple(specs)
        """The spec each member was flown from (for signatures), where known."""
        self.start_t_s = np.asarray(start_t_s, dtype=float)
        n = self.start_t_s.size
        self.member = (
            np.arange(n, dtype=np.intp)[None, :] if member is None else np.asarray(member)
        )
        rel_end = np.where(np.isnan(traj.impact_t_s), traj.t_s[-1], traj.impact_t_s)
        self.end_t_s = self.start_t_s + rel_end[self.member]  # (Rt, T)
        self.impact_t_s = self.start_t_s + traj.impact_t_s[self.member]  # NaN: no impact
        self.impact_r_ecef = traj.impact_r_ecef[self.member]  # (Rt, T, 3)

    @property
    def n(self) -> int:
        """Threats per replication."""
        return int(self.start_t_s.size)

    @property
    def shared(self) -> bool:
        """True when every replication flies the same paths."""
        return self.member.shape[0] == 1

    def flying(self, t_s: float) -> NDArray[np.bool_]:
        """(Rt, T) whether each threat is in flight at ``t_s``."""
        return (t_s >= self.start_t_s) & (t_s <= self.end_t_s)

    def at(self, t_s: Array) -> tuple[Array, Array]:
        """Positions and velocities (Rt, T, K, 3) at absolute times (K,); NaN where a threat
        is not in flight."""
        t = np.asarray(t_s, dtype=float).reshape(-1)
        rel = t[None, :] - self.start_t_s[:, None]  # (T, K)
        rt, n = self.member.shape
        query = np.broadcast_to(rel, (rt, n, t.size)).reshape(rt * n, t.size)
        r, v = hermite(self.traj.t_s, self.traj.r_ecef, self.traj.v_ecef, query,
                       self.member.reshape(-1))
        r, v = r.reshape(rt, n, t.size, 3), v.reshape(rt, n, t.size, 3)
        gone = (rel[None] < 0.0) | (t[None, None, :] > self.end_t_s[..., None])
        r[gone] = np.nan
        v[gone] = np.nan
        return r, v

    def _rows_of(self, rep: NDArray[np.intp]) -> NDArray[np.intp]:
        """(M, T) the members of replications ``rep`` (batch indices)."""
        return self.member[0 if self.shared else np.asarray(rep, dtype=np.intp)]

    def at_reps(self, rep: NDArray[np.intp], t_s: Array) -> Array:
        """Positions (M, T, K, 3) of every threat of replications ``rep`` (M,) at absolute
        times (M, K), one row of times per replication; NaN where a threat is not flying."""
        rep = np.asarray(rep, dtype=np.intp).reshape(-1)
        t = np.asarray(t_s, dtype=float).reshape(rep.size, -1)
        rows = np.broadcast_to(self._rows_of(rep), (rep.size, self.n))
        rel = t[:, None, :] - self.start_t_s[None, :, None]  # (M, T, K)
        r = hermite_position(
            self.traj.t_s, self.traj.r_ecef, self.traj.v_ecef,
            rel.reshape(-1, t.shape[1]), rows.reshape(-1),
        )
        r = r.reshape(rep.size, self.n, t.shape[1], 3)
        end = self.end_t_s[0 if self.shared else rep]
        gone = (rel < 0.0) | (t[:, None, :] > np.broadcast_to(end, rows.shape)[..., None])
        r[gone] = np.nan
        return r

    def state_of(
        self, rep: NDArray[np.intp], threat: NDArray[np.intp], t_s: Array
    ) -> tuple[Array, Array]:
        """Positions and velocities (M, 3) of threats ``threat`` of replications ``rep`` (M,),
        each at its own time (M,)."""
        rep = np.asarray(rep, dtype=np.intp).reshape(-1)
        threat = np.asarray(threat, dtype=np.intp).reshape(-1)
        rows = self.member[0 if self.shared else rep, threat]
        rel = (np.asarray(t_s, dtype=float) - self.start_t_s[threat])[:, None]
        r, v = hermite(self.traj.t_s, self.traj.r_ecef, self.traj.v_ecef, rel, rows)
        return r[:, 0], v[:, 0]

    def position_of(
        self, rep: NDArray[np.intp], threat: NDArray[np.intp], t_s: Array
    ) -> Array:
        """Positions (M, 3) of threats ``threat`` of replications ``rep`` (M,), each at its
        own time (M,)."""
        return self.state_of(rep, threat, t_s)[0]

    def visible_any(
        self, covers: object, t_s: Array, reach: tuple[Array, float] | None = None
    ) -> NDArray[np.bool_]:
        """(K,) whether ``covers`` (a sensor's ``covers``) holds for any threat of any
        replication in flight at each time of ``t_s``: exactly, at the times themselves,
        batched over members (a scan already seen is not asked about again).

        ``reach`` = (site ECEF (3,), range m), where ``covers`` is False beyond that range of
        the site: a member is then asked about at a time only if its recorded sample nearest
        that time lies within the range plus ``SCREEN_SPEED_MPS`` times the samples' step
        (the interpolated position is within 0.8 of that step's flight of its nearest
        sample), which spares interpolating the many far ones."""
        t = np.asarray(t_s, dtype=float).reshape(-1)
        if self.shared:
            r, _ = self.at(t)
            r = r[0]
            return (covers(np.nan_to_num(r)) & np.isfinite(r[..., 0])).any(axis=0)
        traj = self.traj
        rel_end = np.where(np.isnan(traj.impact_t_s), traj.t_s[-1], traj.impact_t_s)
        seen = np.zeros(t.size, dtype=bool)
        for k in range(self.n):  # per threat (a handful); members and times batched
            rows = np.unique(self.member[:, k])
            rel = t - self.start_t_s[k]
            ask = np.flatnonzero((rel >= 0.0) & (rel <= rel_end[rows].max()) & ~seen)
            for block in np.array_split(rows, max(1, rows.size * ask.size // 200_000)):
                if ask.size == 0:
                    break
                if reach is None:
                    r = hermite_position(traj.t_s, traj.r_ecef, traj.v_ecef, rel[ask], block)
                    there = rel[ask][None, :] <= rel_end[block][:, None]
                    vis = (covers(np.nan_to_num(r)) & np.isfinite(r[..., 0]) & there).any(axis=0)
                else:
                    vis = self._visible_near(covers, reach, rel[ask], block, rel_end)
                seen[ask[vis]] = True
                ask = ask[~vis]
        return seen

    def _visible_near(
        self, covers: object, reach: tuple[Array, float], rel: Array, block: NDArray[np.intp],
        rel_end: Array,
    ) -> NDArray[np.bool_]:
        """(A,) whether ``covers`` holds for any member of ``block`` at the flight times ``rel``
        (A,), asking only the member-time pairs whose nearest recorded sample is within reach
        (``visible_any``)."""
        traj = self.traj
        step = float(traj.t_s[1] - traj.t_s[0])
        site, range_m = reach
        k = np.clip(np.rint((rel - traj.t_s[0]) / step).astype(np.intp), 0, traj.t_s.size - 1)
        nearest = traj.r_ecef[block[:, None], k[None, :]]  # (B, A, 3), NaN once down
        with np.errstate(invalid="ignore"):
            close = np.linalg.norm(nearest - site, axis=-1) <= range_m + SCREEN_SPEED_MPS * step
        close &= rel[None, :] <= rel_end[block][:, None]
        b, a = np.nonzero(close)
        vis = np.zeros(rel.size, dtype=bool)
        if b.size:
            r = hermite_position(
                traj.t_s, traj.r_ecef, traj.v_ecef, rel[a][:, None], block[b]
            )[:, 0]
            hit = covers(np.nan_to_num(r)) & np.isfinite(r[:, 0])  # type: ignore[operator]
            vis[a[hit]] = True
        return vis

    def rows(self, reps: int = 0, rep0: int = 0) -> dict[str, NDArray]:
        """The flights as a result table (times after the epoch): the shared paths as the
        ``truth`` table, or, for a per-replication truth, the paths of its first ``reps``
        replications as the ``paths`` table (with ``rep``, numbered from ``rep0``)."""
        if self.shared:
            members, rep_of = self.member[0], None
        else:
            k = min(reps, self.member.shape[0])
            members = self.member[:k].reshape(-1)
            rep_of = np.repeat(np.arange(k, dtype=np.int64) + rep0, self.n)
        threat_of = np.tile(np.arange(self.n), members.size // max(self.n, 1))
        sub = _subset(self.traj, members)
        rows = sub.rows()
        # rows come member by member, each its valid samples and then its impact
        counts = sub.valid.sum(axis=1) + np.isfinite(sub.impact_t_s)
        which = np.repeat(np.arange(members.size), counts)
        rows["t_s"] = rows["t_s"] + self.start_t_s[threat_of[which]]
        if rep_of is None:
            return rows
        return {"rep": rep_of[which], **rows}


def _subset(traj: ThreatTrajectories, members: NDArray[np.intp]) -> ThreatTrajectories:
    """The flights of ``members`` (indices, in that order)."""
    fields = {}
    for f in dataclasses.fields(traj):
        value = getattr(traj, f.name)
        if f.name == "t_s":
            fields[f.name] = value
        elif f.name == "names":
            fields[f.name] = tuple(value[m] for m in members)
        elif value is None:  # an optional per-member field this flight does not have
            fields[f.name] = None
        else:
            fields[f.name] = np.asarray(value)[members]
    return dataclasses.replace(traj, **fields)
