"""Track-based registration (kaminari.network.registration): recursive weighted least squares of a
constant offset in information form (Bar-Shalom, Li & Kirubarajan, "Estimation with Applications
to Tracking and Navigation", Wiley 2001, ch. 3; relative registration from common tracks,
Bar-Shalom, Willett & Tian, "Tracking and Data Fusion", 2011) against its closed form and a
Monte Carlo consistency check (NEES band, Bar-Shalom, Li & Kirubarajan 2001, sec. 5.4.2)."""

import numpy as np
import pytest

from kaminari.network.fusion import nees, nees_band
from kaminari.network.registration import OffsetEstimator


def _covariances(rng, shape, sigma_lo, sigma_hi):
    """Random anisotropic 3x3 covariances with standard deviations in [lo, hi] m."""
    Q, _ = np.linalg.qr(rng.standard_normal(shape + (3, 3)))
    s = rng.uniform(sigma_lo, sigma_hi, shape + (3,))
    return Q @ (s[..., :, None] ** 2 * np.swapaxes(Q, -1, -2))


def _scenario(rng, R, N, scans, offset):
    """Two sensors see the same N targets for several scans; the remote one's reports are
    shifted by ``offset`` (m). Returns per scan (mask, diff, S) with about 20 % of the pairs
    unassociated."""
    out = []
    for _ in range(scans):
        truth = rng.uniform(-1e5, 1e5, (R, N, 3))
        P_loc = _covariances(rng, (R, N), 20.0, 150.0)
        P_rem = _covariances(rng, (R, N), 20.0, 150.0)
        loc = truth + (np.linalg.cholesky(P_loc) @ rng.standard_normal((R, N, 3, 1)))[..., 0]
        rem = (
            truth + offset + (np.linalg.cholesky(P_rem) @ rng.standard_normal((R, N, 3, 1)))[..., 0]
        )
        mask = rng.random((R, N)) < 0.8
        out.append((mask, rem - loc, P_loc + P_rem))
    return out


def test_offset_recovered_and_covariance_is_closed_form_wls():
    """Remote tracks shifted by a known offset plus noise: after 4 scans of 30 targets the
    recursive estimate equals the batch WLS closed form, b = (sum S^-1)^-1 sum S^-1 d with
    covariance (sum S^-1)^-1 over the associated pairs only (to 1e-9), and it recovers the
    offset within 3 sigma of its own covariance on every axis in >= 98 % of 400 replications,
    with the replication-averaged NEES inside its 95 % chi-square band (Bar-Shalom, Li &
    Kirubarajan 2001, ch. 3 and sec. 5.4.2)."""
    rng = np.random.default_rng(11)
    R, N = 400, 30
    offset = np.array([350.0, -120.0, 45.0])
    est = OffsetEstimator.new((R,))
    J = np.zeros((R, 3, 3))
    y = np.zeros((R, 3))
    count = np.zeros(R, dtype=int)
    for mask, diff, S in _scenario(rng, R, N, 4, offset):
        est.update(mask, diff, S)
        count += mask.sum(axis=1)
        Si = np.linalg.inv(S) * mask[..., None, None]
        J += Si.sum(axis=1)
        y += (Si @ diff[..., None])[..., 0].sum(axis=1)
    cov_ref = np.linalg.inv(J)
    np.testing.assert_allclose(est.covariance, cov_ref, rtol=1e-9)
    np.testing.assert_allclose(est.offset, (cov_ref @ y[..., None])[..., 0], rtol=1e-9)
    err = est.offset - offset
    within = np.all(
        np.abs(err) <= 3.0 * np.sqrt(np.diagonal(est.covariance, axis1=1, axis2=2)), axis=1
    )
    assert within.mean() >= 0.98
    lo, hi = nees_band(3, R)
    assert lo <= nees(err, est.covariance).mean() <= hi
    np.testing.assert_array_equal(est.n_pairs, count)


def test_single_pair_updates_and_correct():
    """One pair per call (diff (R, 3)) with a mask: members without a pair keep infinite
    covariance and a zero offset; with a pair the estimate is that pair's diff with covariance
    S (WLS with one observation, Bar-Shalom, Li & Kirubarajan 2001, ch. 3). ``correct``
    subtracts the offset from (R, ..., 3) positions and adds its covariance."""
    rng = np.random.default_rng(12)
    est = OffsetEstimator.new((5,))
    mask = np.array([True, False, True, False, True])
    diff = rng.standard_normal((5, 3)) * 100
    S = _covariances(rng, (5,), 10.0, 50.0)
    est.update(mask, diff, S)
    np.testing.assert_allclose(est.offset[mask], diff[mask], rtol=1e-9)
    np.testing.assert_allclose(est.covariance[mask], S[mask], rtol=1e-9)
    assert np.all(est.offset[~mask] == 0.0) and np.all(np.isinf(est.covariance[~mask]))
    x = rng.standard_normal((5, 7, 3)) * 1e4
    P = np.broadcast_to(np.eye(3), (5, 7, 3, 3))
    xc, Pc = est.correct(x, P)
    np.testing.assert_allclose(xc[mask], x[mask] - diff[mask][:, None, :], rtol=1e-12)
    np.testing.assert_array_equal(xc[~mask], x[~mask])
    np.testing.assert_allclose(Pc[mask], P[mask] + S[mask][:, None], rtol=1e-9)
    np.testing.assert_array_equal(Pc[~mask], P[~mask])


def test_forgetting_and_prior():
    """Fading memory: with factor lambda the information is sum_k lambda^(K-k) S_k^-1 and the
    estimate the correspondingly weighted LS (exponentially weighted least squares, Ljung &
    Soderstrom 1983); a prior sigma adds I / sigma^2 at the start. A drifting offset is followed
    more closely with lambda < 1 than without."""
    rng = np.random.default_rng(13)
    lam, sig0 = 0.7, 1e3
    est = OffsetEstimator.new((2,), prior_sigma_m=sig0, forgetting=lam)
    steps = 6
    d = rng.standard_normal((steps, 2, 3)) * 50
    S = _covariances(rng, (steps, 2), 5.0, 30.0)
    for k in range(steps):
        est.update(np.ones(2, bool), d[k], S[k])
    w = lam ** np.arange(steps - 1, -1, -1)
    J = lam**steps * np.eye(3) / sig0**2 + np.einsum("k,kbij->bij", w, np.linalg.inv(S))
    y = np.einsum("k,kbij,kbj->bi", w, np.linalg.inv(S), d)
    np.testing.assert_allclose(est.covariance, np.linalg.inv(J), rtol=1e-9)
    np.testing.assert_allclose(est.offset, np.linalg.solve(J, y[..., None])[..., 0], rtol=1e-9)
    with pytest.raises(ValueError, match="forgetting"):
        OffsetEstimator.new((1,), forgetting=1.5)

    # A drift of 5 m per scan over 40 scans, 10 m noise: the fading estimate ends nearer.
    fade, keep = OffsetEstimator.new((1,), forgetting=0.8), OffsetEstimator.new((1,))
    for k in range(40):
        dk = np.array([[5.0 * k, 0.0, 0.0]]) + rng.standard_normal((1, 3)) * 10
        Sk = np.eye(3)[None] * 100.0
        fade.update(np.ones(1, bool), dk, Sk)
        keep.update(np.ones(1, bool), dk, Sk)
    assert abs(fade.offset[0, 0] - 195.0) < abs(keep.offset[0, 0] - 195.0) / 3
