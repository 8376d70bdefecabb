"""The filter's "aero" motion: the non-gravitational acceleration flown with its aerodynamic
coefficients held (a = rho V^2 (cu u + cn n + cl l) in the velocity frame), its transition, and
the physics predictor that fire control flies with it."""

import numpy as np
import pytest
from scipy.stats import chi2
from test_tracking import (
    R_RADAR,
    SLOTS,
    T_TRACK_S,
    _cav_h_mach_elasticities,
    _track_glide,
    first_slots,
    glide,  # noqa: F401 - the fixture, shared
    glide_state,
    measure,
    random_spd,
    scan_one_each,
)

from kaminari.dynamics.integrator import PointMassModel
from kaminari.earth.frames import enu_rotation, geodetic2ecef
from kaminari.threats.flyout import GlideController, GlideStart, ThreatSpec, fly_threats
from kaminari.threats.guidance import BankPlan, GuidancePlan
from kaminari.threats.vehicles import CAV_H
from kaminari.tracking import ekf, imm
from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.measurement import RangeAzimuthElevation
from kaminari.tracking.pcrlb import Look, pcrlb, position_bound_m
from kaminari.tracking.tracker import CONFIRMED, new_tracks, plain_state

DEG = np.pi / 180.0


@pytest.fixture(scope="module")
def free_glide():
    """A free CAV-H glide (50 km, 5 km/s, alpha 10 deg) for 200 s at 0.1 s, with its
    non-gravitational acceleration from the vehicle model (model minus J2 gravity and the
    frame terms)."""
    spec = ThreatSpec(
        "free", CAV_H, GlideStart(33.0 * DEG, 128.0 * DEG, 50e3, 5000.0, 0.0, 60.0 * DEG),
        GuidancePlan(10.0 * DEG),
    )
    traj = fly_threats([spec], dt_s=0.1, t_max_s=201.0)
    controller = GlideController.from_specs([spec])
    model = PointMassModel(controller.area_over_mass, controller)
    r, v = traj.r_ecef[0], traj.v_ecef[0]
    total = model.derivative(traj.t_s[:, None], np.concatenate([r, v], -1).T[:, :, None])
    a_ng = total[3:6, :, 0].T - ekf.frame_acceleration(r, v)
    return np.concatenate([r, v, a_ng], axis=1)


def test_held_coefficients_fly_a_free_glide_fifty_times_closer_than_a_held_acceleration(
    free_glide,
):
    """Physics: a glide vehicle at a fixed angle of attack and bank keeps its lift and drag
    coefficients (up to their slow change with Mach), so its acceleration is rho V^2 S C / 2m
    in the velocity frame (Vinh, Busemann & Culp 1980, ch. 2). Flown 10 s from the true state
    of the threat flyout (an independent code path: the compiled guidance and the shared
    integrator), the held coefficients stay within 0.5 m and 0.03 m/s^2 of the flight over the
    whole phugoid (measured 0.41 m, 0.023 m/s^2), while the held acceleration is off by up to
    22 m and 1.3 m/s^2."""
    x = free_glide
    k = np.arange(0, 1900, 50)
    aero = ekf.propagate_mean(x[k], 10.0, "aero")
    held = ekf.propagate_mean(x[k], 10.0, "acceleration")
    err_aero = np.linalg.norm(aero[:, :3] - x[k + 100, :3], axis=1)
    err_held = np.linalg.norm(held[:, :3] - x[k + 100, :3], axis=1)
    assert err_aero.max() < 0.5
    assert np.abs(aero[:, 6:] - x[k + 100, 6:]).max() < 0.03
    assert err_held.max() > 50.0 * err_aero.max()


def test_in_thin_air_the_aero_motion_holds_the_acceleration():
    """Above the air that could carry an aerodynamic acceleration (rho V^2 below
    MIN_AERO_RHO_V2, e.g. a booster's thrust at 120 km) the aero motion is the held
    acceleration, to the last bit."""
    r = geodetic2ecef(0.5, 2.0, 120e3).reshape(3)
    v = enu_rotation(0.5, 2.0).T @ np.array([2000.0, 1000.0, 1500.0])
    x = np.concatenate([r, v, [5.0, -20.0, 30.0]])[None]
    assert ekf._rho_v2(x[:, :3], x[:, 3:6])[0] < ekf.MIN_AERO_RHO_V2
    np.testing.assert_array_equal(
        ekf.propagate_mean(x, 3.0, "aero"), ekf.propagate_mean(x, 3.0, "acceleration")
    )


@pytest.mark.parametrize("motion", ["aero", "drag"])
def test_aero_transition_matches_the_flows_finite_difference_jacobian(motion):
    """F of the aero motions against central differences of the nonlinear mean over 1 s, at
    40 km and 4.2 km/s with 50 m/s^2 of lift and drag: every 3 x 3 block within 2 % of the
    largest block of its row of blocks (the series holds A at the step's start)."""
    lat, lon = 0.6, 2.2
    r = geodetic2ecef(lat, lon, 40e3).reshape(3)
    rot = enu_rotation(lat, lon)
    v = rot.T @ np.array([3000.0, 3000.0, -300.0])
    u = v / np.linalg.norm(v)
    n = rot[2] - (rot[2] @ u) * u
    n /= np.linalg.norm(n)
    x = np.concatenate([r, v, -40.0 * u + 30.0 * n + 5.0 * np.cross(u, n)])[None]
    f = ekf._aero_transition(x, ekf.propagate_mean(x, 1.0, motion), np.array([1.0]),
                             motion == "aero")[0]  # fmt: skip
    steps = np.array([10.0] * 3 + [0.1] * 3 + [0.01] * 3)
    num = np.empty((9, 9))
    for j in range(9):
        e = np.zeros(9)
        e[j] = steps[j]
        num[:, j] = (ekf.propagate_mean(x + e, 1.0, motion)[0]
                     - ekf.propagate_mean(x - e, 1.0, motion)[0]) / (2.0 * steps[j])  # fmt: skip
    for i in range(3):
        rows = slice(3 * i, 3 * i + 3)
        scale = max(np.abs(num[rows, 3 * j:3 * j + 3]).max() for j in range(3))
        assert np.abs(f[rows] - num[rows]).max() < 0.02 * scale, i


def test_aero_filter_is_consistent_when_the_truth_follows_its_own_model():
    """Truth drawn from the aero motion plus white-jerk noise of the filter's own q: the NEES
    averaged over 100 runs lies in the two-sided 95 % chi-square band chi2.ppf([0.025,
    0.975], 900) / 100 on at least 80 % of the scans after confirmation (Bar-Shalom, Li &
    Kirubarajan 2001, sec. 5.4.2; measured 91 %). The aero transition is used once the
    acceleration is known to AERO_SIGMA_MPS2 (before that the coefficients are noise)."""
    q = 0.003
    chol_q = np.linalg.cholesky(ekf.process_noise(1.0, q) + 1e-12 * np.eye(9))

    def step(x, rng):
        return ekf.propagate_mean(x, 1.0, "aero") + rng.standard_normal(x.shape) @ chol_q.T

    inside = _in_band_on_own_model(TrackerConfig(jerk_psd_m2ps5=q, motion="aero"), step, 3)
    assert inside >= 0.80, f"NEES inside the band on {inside:.0%} of the scans"


def test_unscented_aero_filter_is_consistent_when_the_truth_follows_its_own_model():
    """Truth drawn from the aero-unscented motion's own model (coefficients held, then
    following the Mach number with elasticities -0.15 and -0.28, plus the relative white
    jerk of each aerodynamic component, here 1e-7 /s): the plain-state NEES
    (``tracker.plain_state``) averaged over 100 runs lies in the two-sided 95 % chi-square
    band on at least 80 % of the scans from 50 s after confirmation on (Bar-Shalom, Li &
    Kirubarajan 2001, sec. 5.4.2; measured 93 %; 89-100 % over seeds 1-7). Before that the
    filter converges from its 50 m/s^2 acceleration prior and a held phase and sits below the
    band (conservative): over the whole track 76 % here, 72-89 % over seeds 1-7, as the
    plain (r, v, a) form of the filter had (57-90 %, mean 77 %)."""
    psd, elasticity = 1e-7, (-0.15, -0.28)
    config = TrackerConfig(
        jerk_psd_m2ps5=0.003, motion="aero-unscented", mach_elasticity_drag=elasticity[0],
        mach_elasticity_lift=elasticity[1], coefficient_psd_per_s=psd,
    )

    def step(x, rng):
        n = x.shape[0]
        flown = ekf._follow_mach(x, ekf.propagate_mean(x, 1.0, "aero"), np.ones(n), elasticity)
        q = ekf._coefficient_noise(x, np.ones(n), np.full(n, psd))
        root = np.linalg.cholesky(q + 1e-12 * np.eye(9))  # Q is rank 3: a jitter
        return flown + np.einsum("nij,nj->ni", root, rng.standard_normal((n, 9)))

    inside = _in_band_on_own_model(config, step, 5, settle_scans=50)
    assert inside >= 0.80, f"NEES inside the band on {inside:.0%} of the scans"


def _in_band_on_own_model(config, step, seed, n=100, scans=150, settle_scans=0):
    """The fraction of scans after confirmation (and ``settle_scans`` more) whose NEES,
    averaged over ``n`` runs, lies in the two-sided 95 % chi-square band, the truth starting
    from ``glide_state`` and flown from scan to scan (1 s) by ``step(x, rng)``, one radar at
    1 Hz."""
    rng = np.random.default_rng(seed)
    site = (35.0 * DEG, 134.0 * DEG, 100.0)
    x = glide_state(n)
    tracks = new_tracks(n, SLOTS)
    first = first_slots(tracks)
    nees = []
    for k in range(scans):
        if k:
            x = step(x, rng)
        scan_one_each(tracks, float(k), measure(x[:, :3], site, rng), site, config)
        if np.all(tracks.status[first] == CONFIRMED):
            x_plain, p = plain_state(tracks.x[first], tracks.P[first], config)
            e = x_plain - x
            nees.append(np.mean(np.einsum("ni,nij,nj->n", e, np.linalg.inv(p), e)))
    assert np.all(tracks.track_id[first] == 1)
    lo, hi = chi2.ppf([0.025, 0.975], n * 9) / n
    nees = np.array(nees[settle_scans:])
    return np.mean((nees > lo) & (nees < hi))


def test_unscented_prediction_of_a_certain_state_is_its_flight():
    """With a covariance near zero the sigma points collapse onto the state: the unscented
    mean is the aero motion's own flight (Mach-scaled), and the covariance its noise."""
    x = glide_state(3)
    P = np.broadcast_to(1e-10 * np.eye(9), (3, 9, 9))
    mean, cov = ekf.predict_unscented(x, P, 1.0, 0.0, 0.0, (-0.15, -0.28))
    flown = ekf._follow_mach(x, ekf.propagate_mean(x, 1.0, "aero"), np.ones(3), (-0.15, -0.28))
    np.testing.assert_allclose(mean, flown, rtol=0, atol=1e-6)
    assert np.max(np.abs(cov)) < 1e-8
    # the Mach scaling moves the acceleration as (M1 / M0)^e: by 1e-4 of itself in a second
    held = ekf.propagate_mean(x, 1.0, "aero")
    assert 0 < np.max(np.abs(flown[:, 6:] - held[:, 6:])) < 1e-3 * np.max(np.abs(held[:, 6:]))


def _basis(x, drag):
    """The aero basis M (N, 3, 3) at states (N, 9), one drag flag for all."""
    return ekf._aero_basis(x[:, 0:3], x[:, 3:6], True, np.full(len(x), drag))[0]


def test_unscented_prediction_matches_monte_carlo_of_the_aero_motion(glide):  # noqa: F811
    """The unscented prediction's mean and covariance against a Monte Carlo authority: 20,000
    states drawn from N(x, P) around the CAV-H glide's 30 s state, in the coefficient form the
    prediction holds (each draw's coefficients c = M(x)^-1 a_draw, its own acceleration
    M(draw) c), each flown 1 s by the aero motion (coefficients held, no process noise) and
    its coefficients expressed at the flown draws' mean. For acceleration sigmas of 0.1 to 1
    m/s^2 (a coefficient uncertainty of 15 % to 150 % of the drag), every generalised
    eigenvalue of the sampled covariance against the unscented one is within 10 % of 1
    (measured 0.96-1.04; the sampling error of a variance from 20,000 draws is 1 %), and the
    means differ by less than 0.01 in the unscented covariance's metric."""
    x0 = glide["x"][300]
    rng = np.random.default_rng(0)
    for sigma_a in (0.1, 0.3, 1.0):
        sd = np.array([50.0, 200.0, 100.0, 2.0, 5.0, 3.0, sigma_a, sigma_a, sigma_a])
        a = rng.normal(size=(9, 9)) * 0.3 + np.eye(9)
        corr = a @ a.T
        corr /= np.sqrt(np.outer(np.diag(corr), np.diag(corr)))
        p = corr * np.outer(sd, sd)
        mean, cov = ekf.predict_unscented(x0[None], p[None], 1.0, 0.0, 0.0)
        draws = rng.multivariate_normal(x0, p, size=20_000)
        c = draws[:, 6:9] @ np.linalg.inv(_basis(x0[None], True)[0]).T
        draws[:, 6:9] = np.einsum("nij,nj->ni", _basis(draws, True), c)
        flown = ekf.propagate_mean(draws, 1.0, "aero")
        c_end = np.linalg.solve(_basis(flown, True), flown[:, 6:9, None])[..., 0]
        flown[:, 6:9] = c_end @ _basis(flown.mean(axis=0)[None], True)[0].T
        ratio = np.linalg.eigvals(np.linalg.solve(cov[0], np.cov(flown.T))).real
        assert np.all(np.abs(ratio - 1.0) < 0.10), (sigma_a, np.sort(ratio))
        d = flown.mean(axis=0) - mean[0]
        assert d @ np.linalg.solve(cov[0], d) < 0.01


def test_plain_state_moments_match_monte_carlo(glide):  # noqa: F811
    """``ekf.aero_state_moments`` (the plain (r, v, a) that a coefficient-form state stands
    for) against Monte Carlo: 20,000 draws of the coefficient form around the glide's 30 s
    state, each turned into its own acceleration M(draw) M(x)^-1 a_draw. With a position
    sigma of 300 m per axis (a density uncertainty of 4 %) and the coefficients known to
    1e-3 m/s^2, the plain acceleration's sigma is set by the height (0.04-0.09 m/s^2 per axis,
    40 to 90 times the coefficients'); every generalised eigenvalue of the sampled covariance
    against the unscented one is within 10 % of 1 (measured 0.95-1.04) and the means agree to
    0.01 in the unscented metric (measured 3e-4; the curvature of the density moves the mean
    acceleration by 1.6e-3 m/s^2, which the points carry)."""
    x0 = glide["x"][300]
    sd = np.array([300.0, 300.0, 300.0, 2.0, 2.0, 2.0, 1e-3, 1e-3, 1e-3])
    p = np.diag(sd**2)
    mean, cov = ekf.aero_state_moments(x0[None], p[None])
    rng = np.random.default_rng(1)
    draws = rng.multivariate_normal(x0, p, size=20_000)
    c = draws[:, 6:9] @ np.linalg.inv(_basis(x0[None], True)[0]).T
    draws[:, 6:9] = np.einsum("nij,nj->ni", _basis(draws, True), c)
    ratio = np.linalg.eigvals(np.linalg.solve(cov[0], np.cov(draws.T))).real
    assert np.all(np.abs(ratio - 1.0) < 0.10), np.sort(ratio)
    assert np.all(np.sqrt(np.diagonal(cov[0])[6:9]) > 30.0 * 1e-3)  # the height's share
    d = draws.mean(axis=0) - mean[0]
    assert d @ np.linalg.solve(cov[0], d) < 0.01


def test_rebase_keeps_the_coefficients_and_undoes_itself(glide):  # noqa: F811
    """``ekf.rebase_aero`` re-expresses a coefficient-form acceleration at a moved estimate:
    the coefficients M^-1 a are the same at both (to 1e-12 of themselves), rebasing back
    gives the state and covariance again (1e-12), and a member not flagged is untouched."""
    x_from = glide["x"][[300, 900]]
    x_to = x_from.copy()
    x_to[:, 0:3] += np.array([[300.0, -200.0, 500.0], [-400.0, 100.0, 250.0]])
    x_to[:, 3:6] += 3.0
    rng = np.random.default_rng(2)
    p = random_spd(rng, 2)
    x1, p1 = ekf.rebase_aero(x_from, x_to, p, [True, False])
    c_from = np.linalg.solve(_basis(x_from[:1], True), x_to[:1, 6:9, None])[..., 0]
    c_to = np.linalg.solve(_basis(x1[:1], True), x1[:1, 6:9, None])[..., 0]
    np.testing.assert_allclose(c_to, c_from, rtol=0, atol=1e-12 * np.abs(c_from).max())
    assert np.max(np.abs(x1[0, 6:9] - x_to[0, 6:9])) > 1e-3  # it did move
    np.testing.assert_array_equal(x1[1], x_to[1])
    np.testing.assert_array_equal(p1[1], p[1])
    back = x1.copy()
    back[:, 0:6] = x_from[:, 0:6]
    x2, p2 = ekf.rebase_aero(x1, back, p1, [True, False])
    scale = np.abs(x_to[0, 6:9]).max()
    np.testing.assert_allclose(x2[0, 6:9], x_to[0, 6:9], rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(p2[0], p[0], rtol=1e-10, atol=1e-12 * np.abs(p[0]).max())


def test_the_aero_motion_told_the_class_flies_the_cav_h_glide(glide):  # noqa: F811
    """The tracker's motion model against the threat's own flight (``fly_threats``, the vehicle
    model with its Mach- and alpha-dependent aerodynamic fit, a different code path): from the
    true state at 0, 60, 90, 120 and 150 s, the unscented prediction of a near-certain state,
    stepped 1 s at a time for 30 s. Told the CAV-H class (``class_aero``: its fit's Mach
    terms and its area over mass) it stays within 0.05 m of the true position and 0.005
    m/s of the true velocity (measured 0.010 m and 0.001 m/s); told the class's Mach
    elasticities at Mach 15, within 1 m and 0.05 m/s (measured 0.095 m and 0.008 m/s, 9
    times the class's: the fit's elasticity is not constant, -0.14 to -0.19 for the drag
    over the glide; 0.46 m and 0.03 m/s before the coefficients' change over a step was
    taken as linear in time); held coefficients (Mach independence) miss by 8.3 m and 0.8
    m/s."""
    laws = {
        "class": ((0.0, 0.0), CAV_H.class_numbers),
        "elasticity": (_cav_h_mach_elasticities(), ()),
        "held": ((0.0, 0.0), ()),
    }
    worst = {}
    for name, (elasticity, form) in laws.items():
        pos = vel = 0.0
        for k0 in (0, 600, 900, 1200, 1500):
            x = glide["x"][k0][None]
            for step in range(1, 31):
                x, _ = ekf.predict_unscented(
                    x, 1e-6 * np.eye(9)[None], 1.0, 0.0, 0.0, elasticity, None, form
                )
                truth = glide["x"][k0 + 10 * step]
                pos = max(pos, np.linalg.norm(x[0, :3] - truth[:3]))
                vel = max(vel, np.linalg.norm(x[0, 3:6] - truth[3:6]))
        worst[name] = (pos, vel)
    assert worst["class"][0] < 0.05 and worst["class"][1] < 0.005, worst
    assert worst["elasticity"][0] < 1.0 and worst["elasticity"][1] < 0.05, worst
    assert worst["held"][0] > 20.0 * worst["elasticity"][0] > 40.0 * worst["class"][0], worst


def test_the_class_the_tracker_is_told_changes_as_the_vehicles_fit_does_with_mach():
    """``ekf.class_mach_change``, given the numbers a scenario tells the tracker of the CAV-H
    (``GlideVehicle.class_numbers``: its fit's ten numbers and its area over mass), is the
    change of the vehicle's own coefficients (``CAV_H.aero.coefficients``, the public fit of
    Phillips 2003) from one Mach number to another at any held angle of attack where its
    lift is not floored (the fit's Mach terms are added to its alpha terms), to 1e-15."""
    numbers = CAV_H.class_numbers
    assert len(numbers) == 11 and numbers[10] == pytest.approx(0.4839 / 907.2)
    mach = np.linspace(4.0, 24.0, 11)[:, None]
    alpha = np.radians(np.linspace(5.0, 25.0, 21))[None, :]
    cl0, cd0 = CAV_H.aero.coefficients(mach, alpha)
    cl1, cd1 = CAV_H.aero.coefficients(mach * 0.9, alpha)
    d_cl, d_cd = ekf.class_mach_change(mach, mach * 0.9, numbers)
    assert np.all(cl0 > 0.0)
    np.testing.assert_allclose(np.broadcast_to(d_cl, cl0.shape), cl1 - cl0, atol=1e-15)
    np.testing.assert_allclose(np.broadcast_to(d_cd, cd0.shape), cd1 - cd0, atol=1e-15)


def test_motion_must_be_known():
    with pytest.raises(ValueError, match="motion"):
        TrackerConfig(motion="jerk")
    with pytest.raises(ValueError, match="motion"):
        ekf.propagate_mean(np.zeros(9) + 7e6, 1.0, "jerk")


def _weave(glide_fixture):
    """The glide fixture's start and radars with a 30 deg, 40 s bank weave."""
    spec = ThreatSpec(
        "weave", CAV_H, GlideStart(33.0 * DEG, 128.0 * DEG, 50e3, 5000.0, 0.0, 60.0 * DEG),
        GuidancePlan(10.0 * DEG, bank=BankPlan("weave", amplitude_rad=30 * DEG, period_s=40.0)),
    )
    traj = fly_threats([spec], dt_s=0.1, t_max_s=T_TRACK_S + 1.0)
    controller = GlideController.from_specs([spec])
    model = PointMassModel(controller.area_over_mass, controller)
    r, v = traj.r_ecef[0], traj.v_ecef[0]
    total = model.derivative(traj.t_s[:, None], np.concatenate([r, v], -1).T[:, :, None])
    a_ng = total[3:6, :, 0].T - ekf.frame_acceleration(r, v)
    return {**glide_fixture, "x": np.concatenate([r, v, a_ng], axis=1)}


def _rmse_over_bound(truth, motion):
    """Per scan after confirmation: the position RMSE of 100 replications of the tracker
    (radar A of test_tracking, 1 Hz, 20 m and 1 mrad) over the square root of the PCRLB of
    the same looks, with the tracker's default jerk PSD."""
    q = TrackerConfig().jerk_psd_m2ps5
    rows = _track_glide(truth, [("A", 0.0)], motion=motion)
    t = np.arange(0.0, T_TRACK_S + 1e-9, 1.0)
    x = truth["x"][np.round(t * 10).astype(int)]
    looks = [[Look(RangeAzimuthElevation(*truth["A"], R_RADAR))] for _ in t]
    p0 = np.diag([1e8] * 3 + [1e6] * 3 + [2500.0] * 3)
    bound = position_bound_m(pcrlb(t, x, looks, p0, q))
    return rows[:, 3] / bound[np.round(rows[:, 0]).astype(int)]


def test_aero_filter_error_stays_near_the_pcrlb_on_a_free_glide_and_a_weave(glide):  # noqa: F811
    """Issue acceptance: with the aero motion the tracker's position RMSE over 100
    replications is at most 1.25 times the square root of the posterior Cramer-Rao bound
    (Tichavsky, Muravchik & Nehorai 1998) at every scan of a free glide (measured: median
    0.93, worst 1.10), and at most 2 times on a 30 deg, 40 s weave (median 1.09, worst 1.98).
    The nearly-constant-acceleration filter (the default) is within 1.25 at the median of the
    glide but reaches 1.40 at the phugoid's turns, and 2.03 on the weave."""
    free = _rmse_over_bound(glide, "aero")
    assert np.max(free) <= 1.25 and np.median(free) <= 1.0
    weave = _rmse_over_bound(_weave(glide), "aero")
    assert np.max(weave) <= 2.0 and np.median(weave) <= 1.25
    held = _rmse_over_bound(glide, "acceleration")
    assert np.max(held) > np.max(free)


def test_imm_mixes_and_combines_by_its_textbook_moments():
    """Blom & Bar-Shalom (1988): the combination is the mixture's mean and covariance (the
    models' covariances plus their spread about the mean), checked against sampling the
    mixture; and a track all in one model whose step is too short to switch predicts exactly
    as that model's filter does."""
    rng = np.random.default_rng(0)
    mu = np.array([[0.3, 0.7]])
    xm = rng.normal(size=(1, 2, 9))
    a = rng.normal(size=(1, 2, 9, 9)) * 0.3
    pm = a @ np.swapaxes(a, -1, -2) + 0.1 * np.eye(9)
    x, p = imm.combine(mu, xm, pm)
    pick = rng.random(400_000) < mu[0, 1]
    draws = np.where(pick[:, None], 1, 0)
    samples = np.where(
        draws.astype(bool),
        rng.multivariate_normal(xm[0, 1], pm[0, 1], pick.size),
        rng.multivariate_normal(xm[0, 0], pm[0, 0], pick.size),
    )
    assert np.allclose(samples.mean(0), x[0], atol=0.01)
    assert np.allclose(np.cov(samples.T), p[0], atol=0.02)
    state = imm.ImmState.empty(1)
    x0 = glide_state(1)
    p0 = np.diag([1e4] * 3 + [1e2] * 3 + [1.0] * 3)[None]
    state.xm[:] = x0[:, None]
    state.Pm[:] = p0[:, None]
    state.mu[:] = [1.0, 0.0]
    state.xc[:] = x0
    xc, pc, *_ = imm.imm_predict(state, x0.copy(), p0.copy(), np.array([0]), np.array([1e-9]),
                                 np.array([0.045]))  # fmt: skip
    ref_x, ref_p = ekf.predict(x0, p0, 1e-9, 0.045)
    assert np.allclose(xc, ref_x, rtol=0, atol=1e-6) and np.allclose(pc, ref_p, atol=1e-6)


def test_an_imm_of_three_models_switches_to_either_other_alike():
    """The Markov switching of K models (Blom & Bar-Shalom 1988): from a track all in model
    0, a step of dt gives c = (e, (1 - e) / 2, (1 - e) / 2) with e = exp(-dt / sojourn); each
    model predicted by its own predictor (here three of the held acceleration's, differing
    in the jerk PSD's factor only), the combination their mixture (``imm.combine``)."""
    x0 = glide_state(1)
    p0 = np.diag([1e4] * 3 + [1e2] * 3 + [1.0] * 3)[None]
    state = imm.ImmState.empty(1, 3)
    assert np.allclose(state.mu, 1.0 / 3.0)
    state.xm[:], state.Pm[:], state.xc[:] = x0[:, None], p0[:, None], x0
    state.mu[:] = [1.0, 0.0, 0.0]
    factors = (1.0, 10.0, 100.0)
    predictors = [
        lambda x, p, dt, q, f=f: ekf.predict(x, p, dt, q * f, "acceleration") for f in factors
    ]
    dt, sojourn = 2.0, 20.0
    xc, pc, xp, pp, c = imm.imm_predict(state, x0.copy(), p0.copy(), np.array([0]),
                                        np.array([dt]), np.array([0.045]), predictors,
                                        sojourn_s=sojourn)  # fmt: skip
    e = np.exp(-dt / sojourn)
    np.testing.assert_allclose(c[0], [e, (1 - e) / 2, (1 - e) / 2], rtol=1e-12)
    for j, f in enumerate(factors):
        ref_x, ref_p = ekf.predict(x0, p0, dt, 0.045 * f, "acceleration")
        np.testing.assert_allclose(pp[0, j], ref_p[0], rtol=1e-12, atol=1e-9)
    ref = imm.combine(c, xp, pp)
    np.testing.assert_allclose(pc, ref[1], rtol=1e-12, atol=1e-9)


def test_the_bank_noise_turns_the_lift_about_the_velocity():
    """``ekf._coefficient_noise`` with only the bank's random walk (PSD b, rad^2/s): a turn
    d phi of the lift l about the velocity's direction u moves the acceleration by d phi (u x
    l), so over dt the acceleration's noise is b dt (u x l)(u x l)^T: rank one, across both
    the velocity and the lift, of size b dt |l|^2 (a lift banked 30 deg, side part and all)."""
    x = glide_state(1)
    u = x[0, 3:6] / np.linalg.norm(x[0, 3:6])
    basis = _basis(x, True)[0]
    lift = basis[:, 1] * 3e-4 * np.cos(np.radians(30)) + basis[:, 2] * 3e-4 * np.sin(
        np.radians(30))
    x[0, 6:9] = basis[:, 0] * 1e-4 + lift
    b, dt = 0.03, 2.0
    q = ekf._coefficient_noise(x, np.array([dt]), np.array([0.0]), np.array([b]))[0]
    aa = q[6:9, 6:9]
    turn = np.cross(u, lift)
    np.testing.assert_allclose(aa, b * dt * np.outer(turn, turn), rtol=1e-12, atol=1e-18)
    assert abs(u @ aa @ u) < 1e-12 * np.trace(aa) and abs(lift @ aa @ lift) < 1e-12 * np.trace(
        aa) * (lift @ lift)
    assert np.trace(aa) == pytest.approx(b * dt * (lift @ lift), rel=1e-12)


def test_imm_tracks_a_free_glide_near_the_pcrlb(glide):  # noqa: F811
    """The IMM over the held acceleration and the held coefficients keeps the free glide's
    position RMSE within 1.25 of the PCRLB (measured: median 0.94, worst 1.10, like the aero
    motion alone; the held acceleration alone reaches 1.40)."""
    ratio = _rmse_over_bound(glide, "imm")
    assert np.max(ratio) <= 1.25 and np.median(ratio) <= 1.0
