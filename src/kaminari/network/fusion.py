"""Track-to-track fusion of two estimates of the same state, and the consistency test for it.

Two nodes of an allied network that track the same target with their own filters hold estimates
``(x_a, P_a)`` and ``(x_b, P_b)`` whose errors are *correlated*, even when their sensors are
independent: both filters are driven by the same target manoeuvre (the common process noise,
Y. Bar-Shalom, "On the track-to-track correlation problem", IEEE Trans. Automatic Control 26(2),
1981), and tracks that were exchanged before share information. Fusing them as if independent
(``naive_fusion``) double counts and is overconfident. Two remedies live here:

* ``bar_shalom_campo``: the optimal (BLUE / maximum-likelihood) fusion when the cross-covariance
  ``P_ab`` is known (Y. Bar-Shalom and L. Campo, "The effect of the common process noise on the
  two-sensor fused-track covariance", IEEE Trans. Aerospace and Electronic Systems 22(6), 1986).
* ``covariance_intersection``: consistent for *any* unknown cross-covariance (S. J. Julier and
  J. K. Uhlmann, "A non-divergent estimation algorithm in the presence of unknown correlations",
  Proc. American Control Conference 1997).

``nees`` and ``nees_band`` are the normalised estimation error squared and its Monte Carlo
acceptance band (Y. Bar-Shalom, X. R. Li and T. Kirubarajan, "Estimation with Applications to
Tracking and Navigation", Wiley 2001, sec. 5.4.2).

Arrays are batched, batch axes first and components last: states ``(..., n)``, covariances
``(..., n, n)``; the batch axes of the arguments broadcast against each other. Units are
whatever the states carry (SI in kaminari).

Computational form. With ``M(w) = w P_b + (1 - w) P_a`` the information identity
``w P_a^-1 + (1 - w) P_b^-1 = P_a^-1 M(w) P_b^-1`` gives

    P(w) = P_b M(w)^-1 P_a = P_a M(w)^-1 P_b,
    x(w) = w P_b M(w)^-1 x_a + (1 - w) P_a M(w)^-1 x_b,

so neither ``P_a`` nor ``P_b`` is ever inverted (they may be near singular, and ``w = 0`` or
``w = 1`` are exact), only the convex combination ``M(w)``, by a linear solve.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "CI_GRID_POINTS",
    "CI_GOLDEN_ITERATIONS",
    "bar_shalom_campo",
    "ci_as_update",
    "covariance_intersection",
    "naive_fusion",
    "nees",
    "nees_band",
]

Array = NDArray[np.float64]

CI_GRID_POINTS = 41
"""Number of evenly spaced weights in [0, 1] at which the CI criterion is first evaluated."""
CI_GOLDEN_ITERATIONS = 40
"""Golden-section iterations refining the best grid weight within its two grid neighbours
(the bracket of width 2/40 shrinks by 0.618 per iteration: 40 iterations leave < 1e-9)."""

_GOLDEN = (np.sqrt(5.0) - 1.0) / 2.0
_TIE_RTOL = 1e-10


def _sym(p: Array) -> Array:
    return 0.5 * (p + np.swapaxes(p, -1, -2))


def _broadcast_pair(
    x_a: ArrayLike, P_a: ArrayLike, x_b: ArrayLike, P_b: ArrayLike
) -> tuple[Array, Array, Array, Array, tuple[int, ...]]:
    """Float arrays; the covariances symmetrised and broadcast to their own common batch shape
    (the weights and gains depend on the covariances only, so a covariance shared by a batch of
    states is worked on once); also the batch shape of the result."""
    x_a = np.asarray(x_a, dtype=float)
    x_b = np.asarray(x_b, dtype=float)
    P_a = _sym(np.asarray(P_a, dtype=float))
    P_b = _sym(np.asarray(P_b, dtype=float))
    n = x_a.shape[-1]
    if x_b.shape[-1] != n or P_a.shape[-2:] != (n, n) or P_b.shape[-2:] != (n, n):
        raise ValueError(
            f"states must be (..., n) and covariances (..., n, n) with one n; got x_a "
            f"{x_a.shape}, P_a {P_a.shape}, x_b {x_b.shape}, P_b {P_b.shape}"
        )
    p_batch = np.broadcast_shapes(P_a.shape[:-2], P_b.shape[:-2])
    batch = np.broadcast_shapes(x_a.shape[:-1], x_b.shape[:-1], p_batch)
    P_a = np.broadcast_to(P_a, p_batch + (n, n))
    P_b = np.broadcast_to(P_b, p_batch + (n, n))
    return x_a, P_a, x_b, P_b, batch


def _full(a: Array, shape: tuple[int, ...]) -> Array:
    """``a`` broadcast to ``shape`` as a writable array (a copy only where it had to grow)."""
    return a if a.shape == shape else np.broadcast_to(a, shape).copy()


def _apply(G: Array, x: Array) -> Array:
    """``G @ x`` for gains ``G`` (..., n, n) and states ``x`` (..., n), batch axes broadcast."""
    return np.einsum("...ij,...j->...i", G, x)


def _ci_covariance(P_a: Array, P_b: Array, w: Array) -> Array:
    """P(w) = P_b M(w)^-1 P_a for weights ``w`` of the batch shape (Julier & Uhlmann 1997)."""
    wm = w[..., None, None]
    M = wm * P_b + (1.0 - wm) * P_a
    return _sym(P_b @ np.linalg.solve(M, P_a))


def _ci_cost(P_a: Array, P_b: Array, w: Array, criterion: str) -> Array:
    """The CI criterion at weights ``w``: trace P(w), or -log det M(w) for ``det``.

    det P(w) = det P_a det P_b / det M(w), so minimising det P is maximising log det M, which is
    concave in w (M is affine in w); trace P(w) = trace((w P_a^-1 + (1-w) P_b^-1)^-1) is convex
    in w (the matrix inverse is operator convex). Both are therefore unimodal on [0, 1]."""
    if criterion == "trace":
        return np.trace(_ci_covariance(P_a, P_b, w), axis1=-2, axis2=-1)
    wm = w[..., None, None]
    sign, logdet = np.linalg.slogdet(wm * P_b + (1.0 - wm) * P_a)
    return np.where(sign > 0, -logdet, np.inf)


def _ci_weight(P_a: Array, P_b: Array, criterion: str) -> Array:
    """The CI weight per batch member: grid search, then golden section in the best bracket."""
    batch = P_a.shape[:-2]
    grid = np.linspace(0.0, 1.0, CI_GRID_POINTS)
    # Grid: (G, *batch) evaluations at once.
    w_grid = np.broadcast_to(grid.reshape((-1,) + (1,) * len(batch)), (grid.size,) + batch)
    costs = _ci_cost(P_a[None], P_b[None], w_grid, criterion)
    # Ties (a flat criterion, e.g. P_a == P_b, where every w gives the same P) are broken toward
    # w = 1/2, treating the two tracks alike, rather than by rounding.
    f_min = np.min(costs, axis=0)
    tie = costs <= f_min + _TIE_RTOL * np.abs(f_min)
    dist = np.where(tie, np.abs(grid - 0.5).reshape((-1,) + (1,) * len(batch)), np.inf)
    best = np.argmin(dist, axis=0)
    lo = grid[np.maximum(best - 1, 0)]
    hi = grid[np.minimum(best + 1, grid.size - 1)]
    # Golden-section search (Press et al., "Numerical Recipes", 3rd ed. 2007, sec. 10.2), batched.
    c = hi - _GOLDEN * (hi - lo)
    d = lo + _GOLDEN * (hi - lo)
    fc = _ci_cost(P_a, P_b, c, criterion)
    fd = _ci_cost(P_a, P_b, d, criterion)
    for _ in range(CI_GOLDEN_ITERATIONS):
        left = fc < fd  # minimum in [lo, d]
        hi = np.where(left, d, hi)
        lo = np.where(left, lo, c)
        new = np.where(left, hi - _GOLDEN * (hi - lo), lo + _GOLDEN * (hi - lo))
        f_new = _ci_cost(P_a, P_b, new, criterion)
        c, d, fc, fd = (
            np.where(left, new, d),
            np.where(left, c, new),
            np.where(left, f_new, fd),
            np.where(left, fc, f_new),
        )
    w_gs = np.where(fc < fd, c, d)
    f_gs = np.minimum(fc, fd)
    # The optimum is often an end point (one estimate dominates): keep the best of the golden
    # section and the grid's best point (which includes 0 and 1 exactly).
    f_grid = np.take_along_axis(costs, best[None], axis=0)[0]
    return np.where(f_grid <= f_gs + _TIE_RTOL * np.abs(f_gs), grid[best], w_gs)


def covariance_intersection(
    x_a: ArrayLike,
    P_a: ArrayLike,
    x_b: ArrayLike,
    P_b: ArrayLike,
    criterion: str = "trace",
) -> tuple[Array, Array, Array]:
    """Covariance intersection of two estimates with unknown cross-correlation.

    S. J. Julier and J. K. Uhlmann, "A non-divergent estimation algorithm in the presence of
    unknown correlations", Proc. American Control Conference 1997, pp. 2369-2373:

        P^-1 = w P_a^-1 + (1 - w) P_b^-1,    x = P (w P_a^-1 x_a + (1 - w) P_b^-1 x_b),

    with ``w`` in [0, 1] chosen per batch member to minimise ``trace(P)`` (``criterion="trace"``)
    or ``det(P)`` (``"det"``), or set in closed form by the traces, w = tr P_b / (tr P_a +
    tr P_b) (``"fast"``: W. Niehsen, "Information fusion based on fast covariance intersection
    filtering", Proc. FUSION 2002; one solve instead of a search, and no less consistent, since
    the bound holds for every w in [0, 1]). For every cross-covariance consistent with the two
    marginals, the result is consistent: ``P - E[e e^T]`` is positive semi-definite.

    The weight is found by evaluating the criterion on ``CI_GRID_POINTS`` weights for the whole
    batch at once, then ``CI_GOLDEN_ITERATIONS`` steps of golden section between the best grid
    point's neighbours (both criteria are unimodal in ``w``; see ``_ci_cost``). The evaluation
    uses ``P = P_b (w P_b + (1 - w) P_a)^-1 P_a`` (module docstring), inverting neither input.

    Returns ``(x (..., n), P (..., n, n), omega (...))``.
    """
    if criterion not in ("trace", "det", "fast"):
        raise ValueError(f"criterion must be 'trace', 'det' or 'fast', got {criterion!r}")
    x_a, P_a, x_b, P_b, batch = _broadcast_pair(x_a, P_a, x_b, P_b)
    if criterion == "fast":
        t_a = np.trace(P_a, axis1=-2, axis2=-1)
        t_b = np.trace(P_b, axis1=-2, axis2=-1)
        w = t_b / (t_a + t_b)
    else:
        w = _ci_weight(P_a, P_b, criterion)
    wm = w[..., None, None]
    M = wm * P_b + (1.0 - wm) * P_a
    P = _sym(P_b @ np.linalg.solve(M, P_a))
    # x = w P_b M^-1 x_a + (1 - w) P_a M^-1 x_b, with P_b M^-1 = (M^-1 P_b)^T (all symmetric).
    G_a = wm * np.swapaxes(np.linalg.solve(M, P_b), -1, -2)
    G_b = (1.0 - wm) * np.swapaxes(np.linalg.solve(M, P_a), -1, -2)
    x = _apply(G_a, x_a) + _apply(G_b, x_b)
    return _full(x, batch + x.shape[-1:]), _full(P, batch + P.shape[-2:]), _full(w, batch)


def ci_as_update(P_a: ArrayLike, P_b: ArrayLike, omega: ArrayLike) -> tuple[Array, Array]:
    """CI as one Kalman update: the (prior, measurement) covariances ``(P_a / w, P_b / (1 - w))``.

    Covariance intersection with weight ``w`` (Julier & Uhlmann 1997) is algebraically the
    Kalman update (Bar-Shalom, Li & Kirubarajan 2001, ch. 5) of the prior ``(x_a, P_a / w)``
    by the "measurement" ``z = x_b`` with ``H = I`` and noise covariance ``R = P_b / (1 - w)``:
    the information form of that update is ``w P_a^-1 + (1 - w) P_b^-1``, the CI information.
    This lets an existing filter update run CI. At ``w = 1`` the measurement covariance is
    infinite (returned as ``inf``: skip the update, the result is ``(x_a, P_a)``); at ``w = 0``
    the prior is (take ``(x_b, P_b)``).

    ``omega`` has the batch shape; returns ``(prior_cov (..., n, n), meas_cov (..., n, n))``.
    """
    P_a = _sym(np.asarray(P_a, dtype=float))
    P_b = _sym(np.asarray(P_b, dtype=float))
    w = np.asarray(omega, dtype=float)[..., None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        prior = np.where(w > 0.0, P_a / np.where(w > 0.0, w, 1.0), np.inf)
        meas = np.where(w < 1.0, P_b / np.where(w < 1.0, 1.0 - w, 1.0), np.inf)
    return prior, meas


def naive_fusion(
    x_a: ArrayLike, P_a: ArrayLike, x_b: ArrayLike, P_b: ArrayLike
) -> tuple[Array, Array]:
    """Fusion that assumes independent errors: the information sum.

    P^-1 = P_a^-1 + P_b^-1, x = P (P_a^-1 x_a + P_b^-1 x_b): the maximum-likelihood combination
    of two independent Gaussian estimates, i.e. the fusion of Y. Bar-Shalom and L. Campo (IEEE
    Trans. AES 22(6), 1986) with the cross-covariance set to zero. Computed as
    ``P = P_b (P_a + P_b)^-1 P_a``, ``x = P_b (P_a + P_b)^-1 x_a + P_a (P_a + P_b)^-1 x_b``.
    Overconfident when the errors are correlated (common process noise). Returns ``(x, P)``.
    """
    x_a, P_a, x_b, P_b, batch = _broadcast_pair(x_a, P_a, x_b, P_b)
    S = P_a + P_b
    P = _sym(P_b @ np.linalg.solve(S, P_a))
    G_a = np.swapaxes(np.linalg.solve(S, P_b), -1, -2)  # P_b S^-1
    G_b = np.swapaxes(np.linalg.solve(S, P_a), -1, -2)  # P_a S^-1
    x = _apply(G_a, x_a) + _apply(G_b, x_b)
    return _full(x, batch + x.shape[-1:]), _full(P, batch + P.shape[-2:])


def bar_shalom_campo(
    x_a: ArrayLike, P_a: ArrayLike, x_b: ArrayLike, P_b: ArrayLike, P_ab: ArrayLike
) -> tuple[Array, Array]:
    """Optimal two-track fusion with known cross-covariance (Bar-Shalom & Campo 1986).

    Y. Bar-Shalom and L. Campo, "The effect of the common process noise on the two-sensor
    fused-track covariance", IEEE Trans. AES 22(6), 1986, pp. 803-805; with
    ``P_ab = E[e_a e_b^T]`` and ``U = P_a + P_b - P_ab - P_ab^T``:

        x = x_a + (P_a - P_ab) U^-1 (x_b - x_a),
        P = P_a - (P_a - P_ab) U^-1 (P_a - P_ab)^T.

    This is the linear minimum-variance (BLUE) combination of the two estimates, equal to the
    conditional mean of the stacked Gaussian ``[x_a; x_b] = [I; I] x + e``. Returns ``(x, P)``.
    """
    x_a, P_a, x_b, P_b, batch = _broadcast_pair(x_a, P_a, x_b, P_b)
    P_ab = np.asarray(P_ab, dtype=float)
    p_batch = np.broadcast_shapes(P_a.shape[:-2], P_ab.shape[:-2])
    batch = np.broadcast_shapes(batch, p_batch)
    P_a = np.broadcast_to(P_a, p_batch + P_a.shape[-2:])
    P_b = np.broadcast_to(P_b, p_batch + P_b.shape[-2:])
    D = P_a - P_ab
    U = _sym(P_a + P_b - P_ab - np.swapaxes(P_ab, -1, -2))
    # G = D U^-1 = (U^-1 D^T)^T  (U symmetric).
    G = np.swapaxes(np.linalg.solve(U, np.swapaxes(D, -1, -2)), -1, -2)
    x = x_a + _apply(G, x_b - x_a)
    P = _sym(P_a - G @ np.swapaxes(D, -1, -2))
    return _full(x, batch + x.shape[-1:]), _full(P, batch + P.shape[-2:])


def nees(err: ArrayLike, P: ArrayLike) -> Array:
    """Normalised estimation error squared ``err^T P^-1 err`` (..., ) for ``err`` (..., n).

    Bar-Shalom, Li & Kirubarajan, "Estimation with Applications to Tracking and Navigation",
    Wiley 2001, sec. 5.4.2. Computed by a linear solve, not an explicit inverse.
    """
    err = np.asarray(err, dtype=float)
    P = _sym(np.asarray(P, dtype=float))
    sol = np.linalg.solve(P, err[..., None])[..., 0]
    return np.sum(err * sol, axis=-1)


def nees_band(n_dim: int, n_runs: int, p: float = 0.95) -> tuple[float, float]:
    """Two-sided probability-``p`` acceptance band of the run-averaged NEES.

    For a consistent estimator, ``n_runs`` times the NEES averaged over ``n_runs`` independent
    Monte Carlo runs is chi-square with ``n_runs * n_dim`` degrees of freedom (Bar-Shalom, Li &
    Kirubarajan 2001, sec. 5.4.2); the band is its ``(1 - p) / 2`` and
    ``(1 + p) / 2`` quantiles divided by ``n_runs``. Returns ``(low, high)``.
    """
    dof = n_runs * n_dim
    from scipy.stats import chi2  # here: scipy.stats costs a second to import

    low = chi2.ppf(0.5 * (1.0 - p), dof) / n_runs
    high = chi2.ppf(0.5 * (1.0 + p), dof) / n_runs
    return float(low), float(high)
