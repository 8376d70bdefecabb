"""The posterior Cramer-Rao lower bound against the Kalman filter it must equal in the linear
Gaussian case, a Monte Carlo of the project's EKF it must lie under, and the orderings of
Fisher information (P. Tichavsky, C. H. Muravchik and A. Nehorai, "Posterior Cramer-Rao bounds
for discrete-time nonlinear filtering", IEEE Trans. Signal Processing 46(5), 1998)."""

import numpy as np
import pytest

from kaminari.earth.frames import ecef2aer, enu_rotation, geodetic2ecef
from kaminari.tracking import ekf
from kaminari.tracking.measurement import ANGLE_FLOOR_RAD, LineOfSight, RangeAzimuthElevation
from kaminari.tracking.pcrlb import (
    Look,
    bound_step,
    measurement_information,
    pcrlb,
    position_bound_m,
)

DEG = np.pi / 180.0
SITE = (35.0 * DEG, 134.0 * DEG, 100.0)  # ahead of the target: it closes from 600 to 310 km
SITE_2 = (30.0 * DEG, 126.0 * DEG, 50.0)
SIGMA = np.array([20.0, 1e-3, 1e-3])  # range m, azimuth and elevation rad
R_RADAR = np.diag(SIGMA**2)
RADAR = RangeAzimuthElevation(*SITE, R_RADAR)
RADAR_2 = RangeAzimuthElevation(*SITE_2, R_RADAR)
P0 = np.diag([1e3] * 3 + [1e2] * 3 + [1e1] * 3) ** 2  # km, 100 m/s, 10 m/s^2


def glide_state() -> np.ndarray:
    """(9,) state of a target at 33 N 128 E, 45 km up, flying 5 km/s on heading 60 deg with a
    non-gravitational acceleration of 5 m/s^2 straight up."""
    rot = enu_rotation(33.0 * DEG, 128.0 * DEG)
    r = geodetic2ecef(33.0 * DEG, 128.0 * DEG, 45e3)
    v = rot.T @ (5000.0 * np.array([np.sin(60 * DEG), np.cos(60 * DEG), 0.0]))
    a = rot.T @ np.array([0.0, 0.0, 5.0])
    return np.concatenate([r, v, a])


def model_truth(k: int, n: int = 0, q: float = 0.0, seed: int = 0) -> np.ndarray:
    """(K, 9) states at 1 s scans flown by the filter's own mean model from ``glide_state``, or
    (n, K, 9) with white-jerk noise of PSD q drawn per scan (the filter's discrete model)."""
    rng = np.random.default_rng(seed)
    x = glide_state() if n == 0 else np.tile(glide_state(), (n, 1))
    chol_q = np.linalg.cholesky(ekf.process_noise(1.0, q) + 1e-12 * np.eye(9)) if q else None
    out = [x]
    for _ in range(k - 1):
        x = ekf.propagate_mean(x, 1.0)
        if chol_q is not None:
            x = x + rng.standard_normal(x.shape) @ chol_q.T
        out.append(x)
    return np.stack(out, axis=-2)


def test_linear_gaussian_bound_equals_the_kalman_filter_covariance():
    """Linear dynamics (the transitions of the white-jerk model along a fixed path, a linear
    time-varying system) and a linear position measurement (H = [I 0 0], R constant): the
    PCRLB equals the Kalman filter's covariance exactly (Tichavsky et al. 1998, the linear
    Gaussian special case). Here to 1e-9 of each element's sqrt(P_ii P_jj) (measured 2e-14)."""
    k_scans, q = 100, 0.045
    truth = model_truth(k_scans)
    h = np.zeros((3, 9))
    h[:, :3] = np.eye(3)
    r = np.diag([20.0, 50.0, 100.0]) ** 2
    info = h.T @ np.linalg.inv(r) @ h

    def kf_update(p: np.ndarray) -> np.ndarray:
        s = h @ p @ h.T + r
        gain = p @ h.T @ np.linalg.inv(s)
        m = np.eye(9) - gain @ h
        return m @ p @ m.T + gain @ r @ gain.T  # Joseph's form

    p = kf_update(P0)
    bound = bound_step(P0, np.eye(9), np.zeros((9, 9)), info)
    worst = np.max(np.abs(bound - p) / np.sqrt(np.outer(np.diag(p), np.diag(p))))
    for k in range(1, k_scans):
        f = ekf.transition_matrix(truth[k - 1], 1.0)
        qk = ekf.process_noise(1.0, q)
        p = kf_update(f @ p @ f.T + qk)
        bound = bound_step(bound, f, qk, info)
        d = np.sqrt(np.diag(p))
        worst = max(worst, np.max(np.abs(bound - p) / np.outer(d, d)))
    assert worst < 1e-9


def test_ekf_monte_carlo_error_sits_on_the_bound_when_the_model_matches():
    """300 runs, each truth drawn from the filter's own discrete model (RK4 mean plus white
    jerk of the filter's q, 1 m^2/s^5), a radar at 1 Hz with 20 m / 1 mrad, 600 to 310 km away,
    initial errors drawn from P0: the EKF (``ekf.predict``/``ekf.update``, batched over runs)
    has a position RMSE at or above the PCRLB within Monte Carlo error and at most 1.3 times it
    from scan 20 on (Tichavsky et al. 1998: no estimator beats the bound; an EKF with a mild
    nonlinearity nearly reaches it). Measured: RMSE / bound 0.95 to 1.04 per scan from scan 20,
    mean square ratio 1.003; the filter's mean position variance is the bound's to 1e-4. The
    bound is computed per run, batched."""
    n, k_scans, q = 300, 60, 1.0
    truth = model_truth(k_scans, n, q, seed=2)
    rng = np.random.default_rng(1)
    x = truth[:, 0] + rng.standard_normal((n, 9)) @ np.linalg.cholesky(P0).T
    p = np.broadcast_to(P0, (n, 9, 9)).copy()
    sq_err = np.empty((n, k_scans))
    filter_var = np.empty((n, k_scans))
    for k in range(k_scans):
        if k:
            x, p = ekf.predict(x, p, 1.0, q)
        aer = ecef2aer(truth[:, k, :3], *SITE)
        z = np.stack([aer.range_m, aer.az_rad, aer.el_rad], axis=-1)
        x, p, _ = ekf.update(x, p, z + SIGMA * rng.standard_normal((n, 3)), R_RADAR, *SITE)
        sq_err[:, k] = np.sum((x[:, :3] - truth[:, k, :3]) ** 2, axis=-1)
        filter_var[:, k] = np.trace(p[:, :3, :3], axis1=-2, axis2=-1)

    bound = pcrlb(np.arange(k_scans, dtype=float), truth, [[Look(RADAR)]] * k_scans, P0, q)
    assert bound.shape == (n, k_scans, 9, 9)
    bound_var = np.mean(position_bound_m(bound) ** 2, axis=0)
    ratio = np.sqrt(np.mean(sq_err, axis=0) / bound_var)[20:]
    # per scan the RMSE of 300 runs (about 2 degrees of freedom each) scatters by about 3 %
    assert np.all(ratio > 0.88), ratio.min()
    assert np.mean(ratio**2) > 0.95
    assert np.all(ratio < 1.3), ratio.max()
    # the EKF's own covariance, linearised at its estimates, is the bound to within 0.1 %
    np.testing.assert_allclose(np.mean(filter_var, axis=0), bound_var, rtol=1e-3)


def test_batched_threats_equal_one_at_a_time():
    """Batch axes first (docs/architecture.md, conventions): three threats at once, each with
    its own jerk PSD and detections, give the bounds of three separate calls."""
    k_scans = 12
    truth = model_truth(k_scans, 3, 1.0, seed=5)
    q = np.array([0.045, 1.0, 10.0])
    detected = np.array([True, False, True])
    looks = [[Look(RADAR), Look(RADAR_2, detected=detected)]] * k_scans
    batched = pcrlb(np.arange(k_scans, dtype=float), truth, looks, P0, q)
    for i in range(3):
        alone = [[Look(RADAR), Look(RADAR_2, detected=detected[i])]] * k_scans
        single = pcrlb(np.arange(k_scans, dtype=float), truth[i], alone, P0, q[i])
        np.testing.assert_allclose(batched[i], single, rtol=1e-12, atol=0.0)


def test_a_second_radar_lowers_the_bound_and_a_missed_scan_raises_it():
    """More information, smaller bound: J_two = J_one + H_2^T R^-1 H_2 >= J_one, so
    B_two <= B_one in the positive semi-definite order (Tichavsky et al. 1998, the recursion is
    monotone in the information). Measured: at scan 30 the position bound is 325 m with one
    radar, 172 m with two. A missed scan is a prediction only: its bound exceeds both the
    detected one at that scan and the previous scan's."""
    k_scans, q = 40, 0.045
    t = np.arange(k_scans, dtype=float)
    truth = model_truth(k_scans)
    one = pcrlb(t, truth, [[Look(RADAR)]] * k_scans, P0, q)
    two = pcrlb(t, truth, [[Look(RADAR), Look(RADAR_2)]] * k_scans, P0, q)
    gap = np.linalg.eigvalsh(one - two)
    assert np.all(gap >= -1e-9 * np.abs(gap).max(axis=-1, keepdims=True))
    assert np.all(position_bound_m(two) < position_bound_m(one))
    assert position_bound_m(two)[30] < 0.75 * position_bound_m(one)[30]

    looks: list[list[Look]] = [[Look(RADAR)] for _ in range(k_scans)]
    looks[25] = []
    missed = position_bound_m(pcrlb(t, truth, looks, P0, q))
    full = position_bound_m(one)
    np.testing.assert_array_equal(missed[:25], full[:25])
    assert missed[25] > full[25]
    assert missed[25] > missed[24]
    assert missed[26] < missed[25]
    assert np.all(missed[26:] >= full[26:])


def test_information_reduction_factor_lies_between_all_and_no_detections():
    """With Pd = 0.7 and no false alarms, the information-reduction-factor bound scales each
    look's information by Pd (Niu, Willett & Bar-Shalom, IEEE Trans. SP 49(7), 2001): weight 0
    equals missed scans exactly, weight 1 all detections, and Pd lies strictly between."""
    k_scans, q = 20, 0.045
    t = np.arange(k_scans, dtype=float)
    truth = model_truth(k_scans)

    def bound_with(weight: float) -> np.ndarray:
        looks = [[Look(RADAR)]] + [[Look(RADAR, weight=weight)]] * (k_scans - 1)
        return position_bound_m(pcrlb(t, truth, looks, P0, q))

    coasting = position_bound_m(pcrlb(t, truth, [[Look(RADAR)]] + [[]] * (k_scans - 1), P0, q))
    np.testing.assert_array_equal(bound_with(0.0), coasting)
    all_seen, pd = bound_with(1.0), bound_with(0.7)
    assert np.all(pd[1:] > all_seen[1:])
    assert np.all(pd[1:] < coasting[1:])


def test_line_of_sight_information_is_the_cross_range_inverse_variance():
    """An angles-only look with sigma on both axes across the line of sight carries Fisher
    information (I - d^ d^T) / (|d|^2 sigma^2) on position and none along the line of sight or
    on velocity and acceleration (the Jacobian of a unit vector, measurement.LineOfSight).
    Two satellites alone triangulate: with a prior of 100 km, scan 0's bound is the closed-form
    triangulation bound sqrt(trace((I_1 + I_2)^-1)) of the two lines (260 m for 50 urad at 2.5
    and 2.3 Mm, 136 deg apart), and falls as scans accumulate (207 m at scan 9)."""
    x = glide_state()
    platform = x[:3] + np.array([1.5e6, -2.0e6, 6.0e5])
    sight = LineOfSight(50e-6)
    info = measurement_information(x, [Look(sight, platform_m=platform)])
    d = x[:3] - platform
    u = d / np.linalg.norm(d)
    sigma2 = sight.sigma_rad**2 + ANGLE_FLOOR_RAD**2
    expected = (np.eye(3) - np.outer(u, u)) / (np.dot(d, d) * sigma2)
    np.testing.assert_allclose(info[:3, :3], expected, rtol=1e-9, atol=1e-9 * expected.max())
    assert not np.any(info[3:, :]) and not np.any(info[:, 3:])

    k_scans = 10
    truth = model_truth(k_scans)
    other = x[:3] + np.array([-1.8e6, 1.0e6, 9.0e5])
    looks = [[Look(sight, platform_m=platform), Look(sight, platform_m=other)]] * k_scans
    wide_prior = np.diag([1e5] * 3 + [1e4] * 3 + [1e2] * 3) ** 2
    t = np.arange(k_scans, dtype=float)
    space = position_bound_m(pcrlb(t, truth, looks, wide_prior, 1.0))
    both = measurement_information(x, looks[0])[:3, :3]
    triangulated = np.sqrt(np.trace(np.linalg.inv(both)))
    assert space[0] == pytest.approx(triangulated, rel=1e-4)
    assert 255.0 < space[0] < 265.0
    assert space[-1] < 0.85 * space[0]


def test_errors_name_the_argument():
    """One-line errors that say what was expected and what arrived (docs/architecture.md,
    conventions: errors that instruct)."""
    t = np.arange(5, dtype=float)
    with pytest.raises(ValueError, match="x_true must be"):
        pcrlb(t, np.zeros((4, 9)), [[]] * 5, P0, 1.0)
    with pytest.raises(ValueError, match="one entry per scan"):
        pcrlb(t, np.zeros((5, 9)), [[]] * 4, P0, 1.0)
    with pytest.raises(ValueError, match="non-decreasing"):
        pcrlb(t[::-1], np.zeros((5, 9)), [[]] * 5, P0, 1.0)
    with pytest.raises(ValueError, match="platform_m"):
        Look(LineOfSight(1e-5))
