"""Rounds in flight against the truth: closest approaches to every threat of a round's
replication, and kills resolved in time order as the loop reaches them.

A round's path is known when it is fired (an unguided round; a guided one would be stepped
by its effector), so its closest approach to each threat's true path is computed then. A
kill takes effect only when the loop's time reaches that closest approach, in time order
across all rounds: a threat killed by an earlier round is no longer there for a later one,
and a round kills at most one threat (the first it comes within its lethal radius of).
"""

from __future__ import annotations

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
        lethal_radius_m: float,
    ) -> None:
        """Rounds of replications ``rep`` (M,) fired at ``t_fire_s``, their paths (M, K, 3)
        at ``t_fire_s + tau_s``, against every threat's true path there (NaN where it is not
        flying): (T, K, 3) where all replications share the paths, else (M, T, K, 3), each
        round's own replication's."""
        if r_threats.ndim == 3:
            r_threats = r_threats[None]
        miss, t_rel, _ = closest_approach(tau_s, r_round[:, None], r_threats)
        t_abs = t_fire_s + t_rel
        self.miss.append(miss)
        self.t_ca.append(t_abs)
        ids = self.n_rounds + np.arange(rep.size)
        self.n_rounds += rep.size
        self.spent = np.concatenate([self.spent, np.zeros(rep.size, dtype=bool)])
        self.killer = np.concatenate([self.killer, np.zeros(rep.size, dtype=bool)])
        m, thr = np.nonzero(miss <= lethal_radius_m)
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

    def outcome(self, rep: NDArray[np.intp], kill_t: Array) -> tuple[Array, Array, Array]:
        """Per round (in firing order): its miss at closest approach to the nearest threat
        still flying then, that time (NaN: none), and whether it killed."""
        if self.n_rounds == 0:
            e = np.empty(0)
            return e, e, np.zeros(0, dtype=bool)
        miss = np.concatenate(self.miss)
        t_ca = np.concatenate(self.t_ca)
        there = np.isfinite(miss) & (kill_t[rep] >= t_ca)
        m = np.where(there, miss, np.inf)
        best = np.argmin(m, axis=1)
        rows = np.arange(best.size)
        found = np.isfinite(m[rows, best])
        return (
            np.where(found, miss[rows, best], np.nan),
            np.where(found, t_ca[rows, best], np.nan),
            self.killer.copy(),
        )
