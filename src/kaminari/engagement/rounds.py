"""Rounds in flight against the truth: closest approaches to every threat of a round's
replication, and kills resolved in time order as the loop reaches them.

A round's path is known when it is booked (an unguided round's when it is fired; a guided
one's once the engagement has flown it against the truth), so its closest approach to each
threat's true path is computed then, with the probability that it kills at that miss (its
effector's ``Lethality``): a kill where a uniform draw of the round falls below it (no draw
for a cookie cutter or hit-to-kill, whose Pk is 0 or 1). A kill takes effect only when the
loop's time reaches that closest approach, in time order across all rounds: a threat killed
by an earlier round is no longer there for a later one, and a round kills at most one threat
(the first it would kill).
"""

from __future__ import annotations

from collections.abc import Callable

import numba
import numpy as np
from numpy.typing import NDArray

from kaminari.weapons.lethality import closest_approach

__all__ = ["RoundBook"]

Array = NDArray[np.float64]


@numba.njit(cache=True)
def _resolve(
    order: np.ndarray,
    round_of: np.ndarray,
    key: np.ndarray,
    t_ca: np.ndarray,
    kill_t: np.ndarray,
    spent: np.ndarray,
    killer: np.ndarray,
) -> None:  # pragma: no cover - compiled
    for k in order:
        rd = round_of[k]
        if spent[rd] or kill_t[key[k]] <= t_ca[k]:
            continue
        kill_t[key[k]] = t_ca[k]
        spent[rd] = True
        killer[rd] = True


class RoundBook:
    """Every round fired in a batch, and the (round, threat) pairs that may still kill."""

    def __init__(self, n_threats: int) -> None:
        self.n_threats = n_threats
        self.miss: list[Array] = []  # (M, T) per firing
        self.t_ca: list[Array] = []
        self.pk: list[Array] = []  # (M, T) Pk given each miss
        self.closing: list[Array] = []  # (M, T) closing speed at closest approach, m/s
        self.n_rounds = 0
        self.pending_round = np.empty(0, dtype=np.int64)
        self.pending_key = np.empty(0, dtype=np.int64)
        self.pending_t = np.empty(0)
        self.spent = np.zeros(0, dtype=bool)
        self.killer = np.zeros(0, dtype=bool)

    def add(
        self,
        rep: NDArray[np.intp],
        t_fire_s: float,
        tau_s: Array,
        r_round: Array,
        r_threats: Array,
        pk_of_miss: Callable[[Array], Array],
        draw: Array | None = None,
    ) -> None:
        """Rounds of replications ``rep`` (M,) fired at ``t_fire_s``, their paths (M, K, 3)
        at ``t_fire_s + tau_s``, against every threat's true path there (NaN where it is not
        flying): (T, K, 3) where all replications share the paths, else (M, T, K, 3), each
        round's own replication's. ``pk_of_miss`` maps the misses (M, T) to the Pk of each;
        ``draw`` (M,): each round's uniform draw, a kill where it is below the Pk (none: the
        Pk is 0 or 1 and 0.5 stands in)."""
        if r_threats.ndim == 3:
            r_threats = r_threats[None]
        miss, t_rel, idx = closest_approach(tau_s, r_round[:, None], r_threats)
        t_abs = t_fire_s + t_rel
        pk = pk_of_miss(miss)
        self.miss.append(miss)
        self.t_ca.append(t_abs)
        self.pk.append(pk)
        self.closing.append(_closing_speed(tau_s, r_round, r_threats, idx))
        ids = self.n_rounds + np.arange(rep.size)
        self.n_rounds += rep.size
        self.spent = np.concatenate([self.spent, np.zeros(rep.size, dtype=bool)])
        self.killer = np.concatenate([self.killer, np.zeros(rep.size, dtype=bool)])
        u = np.full(rep.size, 0.5) if draw is None else draw
        m, thr = np.nonzero(u[:, None] < pk)
        self.pending_round = np.concatenate([self.pending_round, ids[m]])
        self.pending_key = np.concatenate([self.pending_key, rep[m] * self.n_threats + thr])
        self.pending_t = np.concatenate([self.pending_t, t_abs[m, thr]])

    def resolve(self, t_s: float, kill_t: Array) -> None:
        """Apply, in time order, the kills of pairs whose closest approach is at or before
        ``t_s``; ``kill_t`` (R, T) is updated in place."""
        due = self.pending_t <= t_s
        if not due.any():
            return
        idx = np.flatnonzero(due)
        order = idx[np.argsort(self.pending_t[idx], kind="stable")]
        _resolve(
            order, self.pending_round, self.pending_key, self.pending_t,
            kill_t.reshape(-1), self.spent, self.killer,
        )
        keep = ~due
        self.pending_round = self.pending_round[keep]
        self.pending_key = self.pending_key[keep]
        self.pending_t = self.pending_t[keep]

    def outcome(
        self, rep: NDArray[np.intp], kill_t: Array
    ) -> tuple[Array, Array, Array, Array, Array]:
        """Per round (in firing order): its miss at closest approach to the nearest threat
        still flying then, that time (NaN: none), whether it killed, the Pk given that miss
        and the closing speed there (m/s)."""
        if self.n_rounds == 0:
            e = np.empty(0)
            return e, e, np.zeros(0, dtype=bool), e, e
        miss = np.concatenate(self.miss)
        t_ca = np.concatenate(self.t_ca)
        pk = np.concatenate(self.pk)
        closing = np.concatenate(self.closing)
        there = np.isfinite(miss) & (kill_t[rep] >= t_ca)
        m = np.where(there, miss, np.inf)
        best = np.argmin(m, axis=1)
        rows = np.arange(best.size)
        found = np.isfinite(m[rows, best])
        return (
            np.where(found, miss[rows, best], np.nan),
            np.where(found, t_ca[rows, best], np.nan),
            self.killer.copy(),
            np.where(found, pk[rows, best], np.nan),
            np.where(found, closing[rows, best], np.nan),
        )


def _closing_speed(
    tau_s: Array, r_round: Array, r_threats: Array, idx: NDArray[np.intp]
) -> Array:
    """|relative velocity| (M, T) over the sample interval holding each closest approach
    (``closest_approach``'s index; NaN where there is none)."""
    m, t = idx.shape
    k = tau_s.size
    j = np.clip(idx, 0, k - 2)
    rows = np.arange(m)[:, None]
    thr = np.arange(t)[None, :]
    tr = np.broadcast_to(r_threats, (m, t, k, 3))
    d0 = tr[rows, thr, j] - r_round[rows, j]
    d1 = tr[rows, thr, j + 1] - r_round[rows, j + 1]
    speed = np.linalg.norm(d1 - d0, axis=-1) / (tau_s[1] - tau_s[0])
    return np.where(idx >= 0, speed, np.nan)
