"""Weapon-target assignment over a raid, for every replication at once.

The rule (``docs/architecture.md``, "Fire control over the raid"): at each decision time, the
tracks that some ready battery can engage are served in order of urgency, the one whose
threat would reach a defended point soonest first (predicted time to go: the track's distance
to the nearest defended point over its speed). Each track is given, one round at a time, the
free battery with the best predicted single-shot kill probability against it, until it has the
rounds its doctrine still asks for or no free battery can engage it; each battery fires at most
one round per decision. Optimal weapon-target assignment is NP-complete (S. P. Lloyd and
H. S. Witsenhausen, "Weapons allocation is NP-complete", Summer Computer Simulation
Conference, 1986), so point defences use greedy rules of this kind; this one is an assumption
of kaminari (``docs/assumptions.md``). Solved in one compiled loop over the replications.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

__all__ = ["assign_weapons"]


@numba.njit(cache=True)
def _greedy(
    time_to_go: np.ndarray, pk: np.ndarray, need: np.ndarray, free: np.ndarray
) -> np.ndarray:  # pragma: no cover - compiled
    n_reps, n_bat, n_slots = pk.shape
    choice = np.full((n_reps, n_bat), -1, dtype=np.int64)
    for r in range(n_reps):
        order = np.argsort(time_to_go[r], kind="mergesort")
        avail = free[r].copy()
        for s in order:
            if not np.isfinite(time_to_go[r, s]):
                break
            left = need[r, s]
            while left > 0:
                best = -1
                best_pk = -1.0
                for b in range(n_bat):
                    if avail[b] and pk[r, b, s] >= 0.0 and pk[r, b, s] > best_pk:
                        best = b
                        best_pk = pk[r, b, s]
                if best < 0:
                    break
                choice[r, best] = s
                avail[best] = False
                left -= 1
    return choice


def assign_weapons(
    time_to_go_s: NDArray[np.float64],
    pk: NDArray[np.float64],
    need: NDArray[np.int64],
    free: NDArray[np.bool_],
) -> NDArray[np.int64]:
    """Which track slot each battery fires at, (R, B), -1 for none.

    ``time_to_go_s`` (R, S): each slot's predicted time to reach a defended point (inf for
    slots no battery may engage); ``pk`` (R, B, S): predicted single-shot kill probability of
    battery b against slot s, negative where it cannot engage; ``need`` (R, S): rounds the
    doctrine still asks for at the slot now; ``free`` (R, B): batteries ready to fire."""
    return _greedy(
        np.ascontiguousarray(time_to_go_s, dtype=np.float64),
        np.ascontiguousarray(pk, dtype=np.float64),
        np.ascontiguousarray(need, dtype=np.int64),
        np.ascontiguousarray(free, dtype=np.bool_),
    )
