"""Triangulation: a position from simultaneous lines of sight of several moving platforms.

Each line of sight k starts at its platform's position p_k (ECEF, m) with unit direction u_k and
an angular noise sigma_k (rad, the same across both axes of the line of sight). The position
estimate is the weighted least-squares point

    x = argmin sum_k |P_k (x - p_k)|^2 / (sigma_k r_k)^2,    P_k = I - u_k u_k^T,

the point closest to every line, each line weighted by the information of its cross-range error
(its angular noise times the range r_k to the point). Its normal equations are linear in x:
A x = b with A = sum_k w_k P_k and b = sum_k w_k P_k p_k, w_k = 1 / (sigma_k r_k)^2; since r_k
depends on x, a first solve with the ranges of an unweighted solve is refined once (enough:
the ranges change by far less than their own size). The covariance of x is A^-1 (the
Cramer-Rao bound of the linearised problem; Y. Bar-Shalom, X. R. Li, T. Kirubarajan,
"Estimation with Applications to Tracking and Navigation", 2001, sec. 3.4, for the weighted
least-squares estimate and its covariance).

For two lines at an angle gamma with cross-range sigmas s1 = sigma r1 and s2 = sigma r2, this
gives the geometric dilution of triangulation: an in-plane RMS error
sqrt(s1^2 + s2^2) / |sin gamma| and an out-of-plane variance 1 / (1/s1^2 + 1/s2^2)
(``two_line_dilution``), which ``tests/test_triangulation.py`` checks by Monte Carlo.

Lines nearly parallel (gamma near 0) make A singular: such a solve is flagged (``ok`` False)
and gives NaN.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["triangulate", "two_line_dilution"]

Array = NDArray[np.float64]

MIN_CONDITION = 1e-10
"""Smallest ratio of the smallest to the largest eigenvalue of A for a solve to count."""


def _solve(p: Array, u: Array, w: Array) -> tuple[Array, Array, NDArray[np.bool_]]:
    proj = np.eye(3) - u[..., :, None] * u[..., None, :]  # (..., K, 3, 3)
    a = np.einsum("...k,...kij->...ij", w, proj)
    b = np.einsum("...k,...kij,...kj->...i", w, proj, p)
    eig = np.linalg.eigvalsh(a)
    ok = eig[..., 0] > MIN_CONDITION * eig[..., -1]
    safe = np.where(ok[..., None, None], a, np.eye(3))
    x = np.linalg.solve(safe, b[..., None])[..., 0]
    return np.where(ok[..., None], x, np.nan), safe, ok


def triangulate(
    platforms_ecef: Array, directions: Array, sigma_rad: Array
) -> tuple[Array, Array, NDArray[np.bool_]]:
    """Positions (..., 3), covariances (..., 3, 3) and whether each solve was well conditioned
    (...), from K lines of sight per batch member: platform positions (..., K, 3), directions
    (..., K, 3) (normalised here) and angular sigmas (..., K) or a scalar."""
    p = np.asarray(platforms_ecef, dtype=float)
    u = np.asarray(directions, dtype=float)
    u = u / np.linalg.norm(u, axis=-1, keepdims=True)
    sigma = np.broadcast_to(np.asarray(sigma_rad, dtype=float), u.shape[:-1])
    x, _, ok = _solve(p, u, np.ones_like(sigma))  # unweighted: a first point for the ranges
    for _ in range(2):  # ranges from the current point, then refine
        r = np.linalg.norm(np.where(ok[..., None, None], x[..., None, :], p) - p, axis=-1)
        w = 1.0 / np.maximum(sigma * r, 1e-9) ** 2
        x, a, ok2 = _solve(p, u, w)
        ok = ok & ok2
    cov = np.linalg.inv(a)
    cov = np.where(ok[..., None, None], cov, np.nan)
    return x, cov, ok


def two_line_dilution(
    sigma1_m: Array, sigma2_m: Array, gamma_rad: Array
) -> tuple[Array, Array]:
    """Geometric dilution of two lines of sight with cross-range sigmas ``sigma1_m``,
    ``sigma2_m`` (m) at an angle ``gamma_rad``: the in-plane RMS position error
    sqrt(s1^2 + s2^2) / |sin gamma| and the out-of-plane standard deviation
    (1 / s1^2 + 1 / s2^2)^-1/2."""
    s1, s2 = np.asarray(sigma1_m, dtype=float), np.asarray(sigma2_m, dtype=float)
    in_plane = np.sqrt(s1**2 + s2**2) / np.abs(np.sin(gamma_rad))
    out_of_plane = 1.0 / np.sqrt(1.0 / s1**2 + 1.0 / s2**2)
    return in_plane, out_of_plane
