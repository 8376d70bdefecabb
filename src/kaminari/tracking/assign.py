"""Minimum-cost assignment for many small problems at once (one per replication).

Global nearest-neighbour association and weapon-target assignment both need, in every
replication of a batch, the pairing of rows (tracks) and columns (detections) that uses as
many allowed pairs as possible and, among those, has the least total cost. The problems are
tiny (tens of rows) and many (thousands), so they are handed over as one flat list of allowed
pairs grouped by problem and solved in one compiled loop.

Method: in each problem the allowed pairs fill a dense matrix whose other entries cost ``BIG``,
more than any set of allowed pairs can cost together; the rectangular assignment of that matrix
is found by the Hungarian method with potentials and shortest augmenting paths (H. W. Kuhn,
"The Hungarian method for the assignment problem", Naval Research Logistics Quarterly 2, 1955;
the O(n^2 m) form of R. Jonker and A. Volgenant, Computing 38, 1987), then pairs at ``BIG`` are
dropped. Since each ``BIG`` entry outweighs every allowed cost, the result first has the most
allowed pairs and then the least cost among such pairings (tests compare it with scipy's
``linear_sum_assignment``).
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["assign_pairs"]


@numba.njit(cache=True)
def _hungarian(cost: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Row -> column (or -1) of the least-cost assignment of an n x m matrix, n <= m."""
    n, m = cost.shape
    inf = np.inf
    u = np.zeros(n + 1)
    v = np.zeros(m + 1)
    p = np.zeros(m + 1, dtype=np.int64)  # p[j]: row (1-based) assigned to column j, 0 none
    way = np.zeros(m + 1, dtype=np.int64)
    minv = np.empty(m + 1)
    used = np.empty(m + 1, dtype=np.bool_)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv[:] = inf
        used[:] = False
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = inf
            j1 = 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = cost[i0 - 1, j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    out = np.full(n, -1, dtype=np.int64)
    for j in range(1, m + 1):
        if p[j] > 0:
            out[p[j] - 1] = j - 1
    return out


@numba.njit(cache=True)
def _solve(
    starts: np.ndarray, row: np.ndarray, col: np.ndarray, cost: np.ndarray, big: float
) -> np.ndarray:  # pragma: no cover - compiled
    chosen = np.zeros(row.size, dtype=np.bool_)
    for g in range(starts.size - 1):
        a, b = starts[g], starts[g + 1]
        if b - a == 1:
            chosen[a] = True
            continue
        n = 0
        m = 0
        for k in range(a, b):
            n = max(n, row[k] + 1)
            m = max(m, col[k] + 1)
        transpose = n > m
        rows, cols = (m, n) if transpose else (n, m)
        mat = np.full((rows, cols), big)
        index = np.full((rows, cols), -1, dtype=np.int64)
        for k in range(a, b):
            r, c = (col[k], row[k]) if transpose else (row[k], col[k])
            if cost[k] < mat[r, c]:
                mat[r, c] = cost[k]
                index[r, c] = k
        pick = _hungarian(mat)
        for r in range(rows):
            c = pick[r]
            if c >= 0 and index[r, c] >= 0:
                chosen[index[r, c]] = True
    return chosen


def assign_pairs(
    group: ArrayLike, row: ArrayLike, col: ArrayLike, cost: ArrayLike
) -> NDArray[np.bool_]:
    """Which of the allowed pairs are chosen: a bool per pair.

    Pair k joins row ``row[k]`` and column ``col[k]`` (small non-negative integers, local to
    its problem) of problem ``group[k]`` at ``cost[k]`` (finite). Within each problem every row
    and every column is used at most once; the chosen pairs are as many as possible and, among
    such sets, of least total cost (module docstring). Problems where no row or column is
    contested are settled without the solver.
    """
    group = np.asarray(group, dtype=np.int64)
    row = np.asarray(row, dtype=np.int64)
    col = np.asarray(col, dtype=np.int64)
    cost = np.asarray(cost, dtype=float)
    chosen = np.zeros(group.size, dtype=bool)
    if group.size == 0:
        return chosen
    # rows and columns that appear in one allowed pair only, in problems without contest
    key_r = group * (row.max() + 1) + row
    key_c = group * (col.max() + 1) + col
    _, inv_r, n_r = np.unique(key_r, return_inverse=True, return_counts=True)
    _, inv_c, n_c = np.unique(key_c, return_inverse=True, return_counts=True)
    clean = (n_r[inv_r] == 1) & (n_c[inv_c] == 1)
    contested_groups = np.unique(group[~clean])
    hard = np.isin(group, contested_groups)
    chosen[~hard] = True
    if hard.any():
        idx = np.flatnonzero(hard)
        order = idx[np.argsort(group[idx], kind="stable")]
        g = group[order]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1], True])
        span = np.abs(cost[order]).sum() if order.size else 0.0
        big = 2.0 * span + 1.0
        picked = _solve(starts.astype(np.int64), row[order], col[order], cost[order], big)
        chosen[order] = picked
    return chosen
