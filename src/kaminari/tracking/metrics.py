"""Multi-target tracking performance: OSPA and GOSPA distances between sets of 3-D points.

``ospa``: the Optimal SubPattern Assignment distance of D. Schuhmacher, B.-T. Vo and B.-N. Vo,
"A consistent metric for performance evaluation of multi-object filters", IEEE Transactions
on Signal Processing 56(8), 2008, eq. (3): for sets X = {x_1..x_m}, Y = {y_1..y_n}, m <= n,
cutoff c > 0 and order 1 <= p < inf,

    d_p^(c)(X, Y) = ( (1/n) (min_pi sum_i min(c, |x_i - y_pi(i)|)^p + c^p (n - m)) )^(1/p),

0 when both sets are empty (and symmetric in X, Y).

``gospa``: the generalised OSPA of A. S. Rahmathullah, A. F. Garcia-Fernandez and
L. Svensson, "Generalized optimal sub-pattern assignment metric", FUSION 2017, eq. (1):
the same without the 1/n normalisation and with c^p / alpha per unassigned point,

    d_p^(c,alpha)(X, Y) = ( min_pi sum_i min(c, |x_i - y_pi(i)|)^p + c^p / alpha (n - m) )^(1/p),

0 < alpha <= 2. For alpha = 2 (their Proposition 1) it equals the minimum over partial
assignments gamma of ( sum_gamma |x - y|^p + c^p / 2 (|X| + |Y| - 2 |gamma|) )^(1/p), which
splits into a localisation cost and the numbers of missed (true points left unassigned) and
false (estimates left unassigned) points.

Both take the same assignment: among the matchings of min(m, n) pairs (every point of the
smaller set used once), the one of least sum of min(c, d)^p. This is the minimum-cost perfect
assignment of the padded n x n problem of the OSPA paper (the padding entries all cost c^p, so
they add the same to every perfect assignment), and it is what ``kaminari.tracking.assign``'s
``assign_pairs`` returns when every pair of a problem is allowed (as many pairs as possible,
then least cost), for all batch members in one compiled call, so no Python loop runs over
them. In the alpha = 2 split an assigned pair at d >= c counts as one missed and one false
point (its cost c^p = 2 c^p / 2 either way), as in the GOSPA paper's partial-assignment form.

Sets come batched and padded: points (..., M, 3) with a mask (..., M) saying which entries
exist; results have the batch shape. Distances are Euclidean in metres.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.tracking.assign import assign_pairs

__all__ = ["gospa", "ospa", "ospa_per_scan"]


def _sets(
    name: str, points: ArrayLike, mask: ArrayLike | None
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """``points`` as float (..., M, 3) and ``mask`` as bool (..., M) (None: all exist).
    Source: this module's conventions (batch axes first, components last)."""
    pts = np.asarray(points, dtype=float)
    if pts.ndim < 2 or pts.shape[-1] != 3:
        raise ValueError(f"{name}: got shape {pts.shape}; allowed: (..., M, 3) points")
    if mask is None:
        m = np.ones(pts.shape[:-1], dtype=bool)
    else:
        m = np.asarray(mask)
        if m.shape != pts.shape[:-1]:
            raise ValueError(
                f"{name}_mask: got shape {m.shape}; allowed: {pts.shape[:-1]}, the shape of "
                f"{name} without its last axis"
            )
        m = m.astype(bool)
    if not np.isfinite(pts[m]).all():
        raise ValueError(f"{name}: got a non-finite coordinate in an existing entry; "
                         "allowed: finite metres where the mask is true")
    return pts, m


def _check_numbers(cutoff_m: float, order: float) -> tuple[float, float]:
    """Validated (cutoff_m, order). Source: the OSPA paper's conditions (c > 0, 1 <= p)."""
    c, p = float(cutoff_m), float(order)
    if not (np.isfinite(c) and c > 0.0):
        raise ValueError(f"cutoff_m: got {cutoff_m!r}; allowed: a finite distance > 0 m")
    if not (np.isfinite(p) and p >= 1.0):
        raise ValueError(f"order: got {order!r}; allowed: a finite number >= 1 (p = inf is "
                         "not supported)")
    return c, p


def _optimal(
    x: ArrayLike, x_mask: ArrayLike | None, y: ArrayLike, y_mask: ArrayLike | None,
    cutoff_m: float, order: float,
) -> dict[str, Any]:
    """The common assignment of OSPA and GOSPA for every batch member (module docstring).

    Returns the batch shape and, flat over the batch (B,): ``m`` and ``n`` (set sizes),
    ``cost`` (least sum of min(c, d)^p over the matchings of min(m, n) pairs), ``close``
    (assigned pairs with d < c) and ``local`` (their sum of d^p). Source: Schuhmacher et al.
    2008 eq. (3) and Rahmathullah et al. 2017 Proposition 1, solved by
    ``kaminari.tracking.assign.assign_pairs``.
    """
    c, p = _check_numbers(cutoff_m, order)
    xp, xm = _sets("x", x, x_mask)
    yp, ym = _sets("y", y, y_mask)
    batch = xp.shape[:-2]
    if yp.shape[:-2] != batch:
        raise ValueError(f"y: got batch shape {yp.shape[:-2]}; allowed: {batch}, the batch "
                         "shape of x")
    nb = int(np.prod(batch, dtype=np.int64))
    xp = xp.reshape(nb, xp.shape[-2], 3)
    yp = yp.reshape(nb, yp.shape[-2], 3)
    xm = xm.reshape(nb, xm.shape[-1])
    ym = ym.reshape(nb, ym.shape[-1])
    m = xm.sum(axis=1)
    n = ym.sum(axis=1)
    allowed = xm[:, :, None] & ym[:, None, :]
    b, i, j = np.nonzero(allowed)
    d = np.sqrt(((xp[b, i] - yp[b, j]) ** 2).sum(axis=-1))
    pair_cost = np.minimum(d, c) ** p
    row = (np.cumsum(xm, axis=1) - 1)[b, i]  # rank among the existing entries
    col = (np.cumsum(ym, axis=1) - 1)[b, j]
    chosen = assign_pairs(b, row, col, pair_cost)
    cost = np.bincount(b[chosen], weights=pair_cost[chosen], minlength=nb).astype(float)
    near = chosen & (d < c)
    local = np.bincount(b[near], weights=d[near] ** p, minlength=nb).astype(float)
    close = np.bincount(b[near], minlength=nb)
    return {"batch": batch, "m": m, "n": n, "cost": cost, "close": close, "local": local,
            "c": c, "p": p}


def ospa(
    x: ArrayLike, x_mask: ArrayLike | None, y: ArrayLike, y_mask: ArrayLike | None,
    cutoff_m: float, order: float = 1.0,
) -> NDArray[np.float64]:
    """OSPA distance (m) between the point sets ``x`` and ``y`` of every batch member.

    ``x`` (..., M, 3) with ``x_mask`` (..., M) true where an entry exists (None: all do),
    ``y`` (..., N, 3) likewise, same batch shape; ``cutoff_m`` c > 0, ``order`` 1 <= p < inf.
    Returns (...): 0 for two empty sets, c when exactly one is empty, otherwise
    ((min_pi sum min(c, d)^p + c^p |m - n|) / max(m, n))^(1/p).
    Source: D. Schuhmacher, B.-T. Vo, B.-N. Vo, IEEE TSP 56(8), 2008, eq. (3).
    """
    return _ospa_of(_optimal(x, x_mask, y, y_mask, cutoff_m, order))


def _ospa_of(o: dict[str, Any]) -> NDArray[np.float64]:
    """OSPA from the common assignment. Source: Schuhmacher et al. 2008, eq. (3)."""
    c, p = o["c"], o["p"]
    size = np.maximum(o["m"], o["n"])
    total = o["cost"] + c**p * np.abs(o["m"] - o["n"])
    out = np.zeros(size.shape)
    some = size > 0
    out[some] = (total[some] / size[some]) ** (1.0 / p)
    return out.reshape(o["batch"])


def gospa(
    x: ArrayLike, x_mask: ArrayLike | None, y: ArrayLike, y_mask: ArrayLike | None,
    cutoff_m: float, order: float = 1.0, alpha: float = 2.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """GOSPA distance between the true points ``x`` and the estimates ``y``, and its parts.

    Arguments as for ``ospa`` plus ``alpha`` (0 < alpha <= 2). ``x`` is the ground truth and
    ``y`` the estimates (they matter only for which unassigned points count as missed and
    which as false). Returns four (...) arrays:

    - ``distance`` (m): (min_pi sum min(c, d)^p + c^p / alpha |m - n|)^(1/p), 0 for two empty
      sets;
    - ``localisation`` (m^p): sum of d^p over the assigned pairs with d < c;
    - ``missed``: the number of true points left unassigned;
    - ``false``: the number of estimates left unassigned;

    so that for alpha = 2, distance^p = localisation + c^p / 2 (missed + false). The parts
    are NaN for alpha != 2, where the paper defines no such split.
    Source: A. S. Rahmathullah, A. F. Garcia-Fernandez, L. Svensson, "Generalized optimal
    sub-pattern assignment metric", FUSION 2017, eq. (1) and Proposition 1.
    """
    a = _check_alpha(alpha)
    return _gospa_of(_optimal(x, x_mask, y, y_mask, cutoff_m, order), a)


def _check_alpha(alpha: float) -> float:
    """Validated alpha. Source: Rahmathullah et al. 2017 (0 < alpha <= 2)."""
    a = float(alpha)
    if not (np.isfinite(a) and 0.0 < a <= 2.0):
        raise ValueError(f"alpha: got {alpha!r}; allowed: 0 < alpha <= 2")
    return a


def _gospa_of(
    o: dict[str, Any], a: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """GOSPA and its alpha = 2 parts from the common assignment. Source: Rahmathullah et al.
    2017, eq. (1) and Proposition 1."""
    c, p = o["c"], o["p"]
    distance = (o["cost"] + c**p / a * np.abs(o["m"] - o["n"])) ** (1.0 / p)
    if a == 2.0:
        localisation = o["local"]
        missed = (o["m"] - o["close"]).astype(float)
        false = (o["n"] - o["close"]).astype(float)
    else:
        localisation = missed = false = np.full(distance.shape, np.nan)
    shape = o["batch"]
    return (distance.reshape(shape), localisation.reshape(shape), missed.reshape(shape),
            false.reshape(shape))


def _column(table: Any, table_name: str, column: str, dtype: type) -> NDArray:
    """One column of a table (a pandas DataFrame or a dict of arrays) as a 1-D array.
    Source: kaminari.results.schema (the tables' column names)."""
    try:
        values = table[column]
    except (KeyError, IndexError, TypeError):
        raise ValueError(f"{table_name}: got no column {column!r}; allowed: a table with "
                         "columns rep, t_s, x_m, y_m, z_m") from None
    return np.asarray(values, dtype=dtype).reshape(-1)


def _rank_in_group(gid: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each row's position among the rows of its group (0, 1, ...), in the rows' order.
    Source: this module (a stable sort and the start of each run)."""
    o = np.argsort(gid, kind="stable")
    g = gid[o]
    idx = np.arange(g.size)
    start = np.r_[True, g[1:] != g[:-1]] if g.size else np.zeros(0, dtype=bool)
    first = np.maximum.accumulate(np.where(start, idx, 0)) if g.size else idx
    rank = np.empty_like(gid)
    rank[o] = idx - first
    return rank


def ospa_per_scan(
    tracks: Mapping[str, ArrayLike] | Any, truths: Mapping[str, ArrayLike] | Any,
    cutoff_m: float, order: float = 1.0, alpha: float = 2.0,
) -> dict[str, NDArray]:
    """OSPA and GOSPA per replication and time stamp of two flat tables.

    ``tracks`` and ``truths``: pandas DataFrames or dicts of arrays with the columns ``rep``,
    ``t_s``, ``x_m``, ``y_m``, ``z_m`` (kaminari's ``tracks`` and ``paths`` tables; filter the
    rows first, e.g. confirmed tracks only). Rows are grouped by (rep, t_s) over the union of
    both tables, matching time stamps exactly, so tracks and truths must share them; a group
    present in one table only has an empty other set there. Returns a dict of equal-length
    arrays, one entry per group sorted by (rep, t_s): ``rep``, ``t_s``, ``n_tracks``,
    ``n_truths``, ``ospa``, ``gospa``, ``localisation``, ``missed``, ``false`` (``gospa``'s
    parts with the truths as the true set, see ``gospa``).
    Source: ``ospa`` and ``gospa`` of this module, on sets padded to the largest group.
    """
    c, p = _check_numbers(cutoff_m, order)
    a = _check_alpha(alpha)
    parts = []
    for name, table in (("tracks", tracks), ("truths", truths)):
        rep = _column(table, name, "rep", np.int64)
        t = _column(table, name, "t_s", float)
        pos = np.stack([_column(table, name, k, float) for k in ("x_m", "y_m", "z_m")], axis=-1)
        if not np.isfinite(t).all():
            raise ValueError(f"{name}: got a non-finite t_s; allowed: finite seconds")
        parts.append((rep, t, pos))
    rep = np.concatenate([parts[0][0], parts[1][0]])
    t = np.concatenate([parts[0][1], parts[1][1]])
    order_rows = np.lexsort((t, rep))
    r_s, t_s = rep[order_rows], t[order_rows]
    new = np.r_[True, (r_s[1:] != r_s[:-1]) | (t_s[1:] != t_s[:-1])] if rep.size else \
        np.zeros(0, dtype=bool)
    gid = np.empty(rep.size, dtype=np.int64)
    gid[order_rows] = np.cumsum(new) - 1
    n_groups = int(new.sum())
    split = parts[0][0].size
    padded = []
    for g, (_, _, pos) in ((gid[:split], parts[0]), (gid[split:], parts[1])):
        rank = _rank_in_group(g)
        size = int(rank.max()) + 1 if rank.size else 0
        pts = np.zeros((n_groups, max(size, 1), 3))
        mask = np.zeros((n_groups, max(size, 1)), dtype=bool)
        pts[g, rank] = pos
        mask[g, rank] = True
        padded.append((pts, mask))
    (trk, trk_m), (tru, tru_m) = padded
    o = _optimal(tru, tru_m, trk, trk_m, c, p)
    dist, local, missed, false = _gospa_of(o, a)
    return {
        "rep": r_s[new],
        "t_s": t_s[new],
        "n_tracks": trk_m.sum(axis=1),
        "n_truths": tru_m.sum(axis=1),
        "ospa": _ospa_of(o),
        "gospa": dist,
        "localisation": local,
        "missed": missed,
        "false": false,
    }
