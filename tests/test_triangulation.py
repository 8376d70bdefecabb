"""Triangulation from simultaneous lines of sight of moving platforms.

Authority: the geometric dilution of two-line triangulation (the information of each line is
its cross-range error's, normal to it; for two lines at an angle gamma the in-plane RMS error is
sqrt(s1^2 + s2^2) / |sin gamma|, the out-of-plane deviation (1/s1^2 + 1/s2^2)^-1/2), checked by
Monte Carlo with lines of sight drawn with their stated angular noise.
"""

from __future__ import annotations

import numpy as np
import pytest

from kaminari.tracking.triangulation import triangulate, two_line_dilution

TARGET = np.array([-3.90e6, 3.45e6, 3.72e6])  # a point some 40 km above Japan


def _noisy_lines(rng, platforms, target, sigma, n):  # type: ignore[no-untyped-def]
    """n draws of lines of sight from each platform to the target, each turned by normal
    angular errors of ``sigma`` about two axes across it."""
    u0 = target - platforms
    u0 /= np.linalg.norm(u0, axis=-1, keepdims=True)
    a = np.cross(u0, [0.0, 0.0, 1.0])
    a /= np.linalg.norm(a, axis=-1, keepdims=True)
    b = np.cross(u0, a)
    e = rng.normal(0.0, sigma, (n, len(platforms), 2))
    u = u0 + e[..., :1] * a + e[..., 1:] * b
    return np.broadcast_to(platforms, u.shape), u


@pytest.mark.parametrize("gamma_deg", [30.0, 60.0, 90.0, 135.0])
def test_two_line_errors_follow_the_geometric_dilution(gamma_deg: float) -> None:
    rng = np.random.default_rng(int(gamma_deg))
    sigma = 20e-6  # 20 microradians
    # two platforms 1,500 and 2,500 km from the target, the lines gamma apart
    g = np.radians(gamma_deg)
    d1 = np.array([1.0, 0.0, 0.0])
    d2 = np.array([np.cos(g), np.sin(g), 0.0])
    platforms = np.stack([TARGET - 1.5e6 * d1, TARGET - 2.5e6 * d2])
    p, u = _noisy_lines(rng, platforms, TARGET, sigma, 20_000)
    x, cov, ok = triangulate(p, u, sigma)
    assert ok.all()
    err = x - TARGET
    in_plane = np.sqrt(np.mean(np.sum(err[:, :2] ** 2, axis=-1)))
    out_of_plane = np.std(err[:, 2])
    want_in, want_out = two_line_dilution(sigma * 1.5e6, sigma * 2.5e6, g)
    assert in_plane == pytest.approx(want_in, rel=0.10)
    assert out_of_plane == pytest.approx(want_out, rel=0.10)
    # the stated covariance is the spread the estimates show
    assert np.trace(cov[0]) == pytest.approx(np.mean(np.sum(err**2, axis=-1)), rel=0.10)


def test_more_lines_and_a_batch() -> None:
    rng = np.random.default_rng(4)
    platforms = TARGET + np.array([[-2e6, 0, 1e6], [0, -2e6, 1e6], [1.5e6, 1.5e6, 1e6]])
    p, u = _noisy_lines(rng, platforms, TARGET, 20e-6, 5_000)
    x, cov, ok = triangulate(p, u, 20e-6)
    err = x - TARGET
    # normalised estimation error squared: mean 3 for a consistent covariance (chi-square, 3 dof)
    nees = np.einsum("ni,nij,nj->n", err, np.linalg.inv(cov), err)
    assert np.mean(nees) == pytest.approx(3.0, rel=0.05)
    # one member alone gives what it gives in the batch
    x1, _, _ = triangulate(p[7], u[7], 20e-6)
    np.testing.assert_allclose(x1, x[7], rtol=0, atol=1e-6)


def test_parallel_lines_are_flagged() -> None:
    platforms = np.stack([TARGET - np.array([2e6, 0, 0]), TARGET - np.array([3e6, 0, 0])])
    u = np.broadcast_to([1.0, 0.0, 0.0], (2, 3))
    x, cov, ok = triangulate(platforms, u, 20e-6)
    assert not ok and np.isnan(x).all() and np.isnan(cov).all()
