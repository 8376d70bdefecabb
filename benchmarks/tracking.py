"""Benchmark: the batched EKF against FilterPy and Stone Soup on the same radar measurements.

N CAV-H glides (varied start, heading and alpha) are seen by one radar at 1 Hz (20 m, 1 mrad).
Every track starts from two-point initiation on the first two scans (``tracking.tracker``);
then each of the next S scans costs one predict and one measurement update per target: a
*target update*. kaminari runs the whole batch at once (``tracking.ekf.predict`` and
``update``); FilterPy's ``ExtendedKalmanFilter`` and Stone Soup's ``ExtendedKalmanPredictor``
and ``ExtendedKalmanUpdater`` (Joseph form) run a subset of the same targets one at a time,
as they are built to, with the same model: our mean flight, F, Q, h and H wrapped in their
interfaces, the same R (with ``ekf.R_FLOOR``) and the azimuth innovation wrapped. Their final
states and covariances are compared with ours.

    .venv/bin/python benchmarks/tracking.py [--n 10000] [--scans 100] [--filterpy-n 100]
                                            [--stonesoup-n 20]

Prints target updates per second for each, the agreement of the final states and the ratios.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import time

import numpy as np
from filterpy.kalman import ExtendedKalmanFilter
from stonesoup.base import Property
from stonesoup.models.base import GaussianModel
from stonesoup.models.measurement.nonlinear import NonLinearGaussianMeasurement
from stonesoup.models.transition.base import TransitionModel
from stonesoup.predictor.kalman import ExtendedKalmanPredictor
from stonesoup.types.angle import Bearing
from stonesoup.types.array import CovarianceMatrix, StateVector
from stonesoup.types.detection import Detection
from stonesoup.types.hypothesis import SingleHypothesis
from stonesoup.types.state import GaussianState
from stonesoup.updater.kalman import ExtendedKalmanUpdater

from kaminari.earth.frames import ecef2aer
from kaminari.threats.flyout import GlideStart, ThreatSpec, fly_threats
from kaminari.threats.guidance import GuidancePlan
from kaminari.threats.vehicles import CAV_H
from kaminari.tracking import ekf
from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.tracker import new_tracks, process_scan

DEG = np.pi / 180.0
SITE = (30.5 * DEG, 131.0 * DEG, 100.0)  # south-east of the glides, 300-700 km away
SIGMA = np.array([20.0, 1e-3, 1e-3])
R = np.diag(SIGMA**2)
SCAN_S = 1.0
EPOCH = datetime.datetime(2027, 1, 1)


def glides(n: int, seed: int) -> list[ThreatSpec]:
    """n free CAV-H glides near 33 N 128 E: 45-55 km, 4.5-5.5 km/s, heading 50-70 deg."""
    rng = np.random.default_rng(seed)
    return [
        ThreatSpec(
            f"g{i}",
            CAV_H,
            GlideStart(
                rng.uniform(32.5, 33.5) * DEG,
                rng.uniform(127.5, 128.5) * DEG,
                rng.uniform(45e3, 55e3),
                rng.uniform(4500, 5500),
                0.0,
                rng.uniform(50, 70) * DEG,
            ),
            GuidancePlan(rng.uniform(8, 12) * DEG),
        )
        for i in range(n)
    ]


def radar_scans(n: int, scans: int, seed: int) -> np.ndarray:
    """Noisy (range, az, el) of n glides at scans + 2 instants 1 s apart: (scans + 2, n, 3)."""
    traj = fly_threats(glides(n, seed), dt_s=0.1, t_max_s=(scans + 1) * SCAN_S, record_every=10)
    aer = ecef2aer(traj.r_ecef, *SITE)
    if not np.all(aer.el_rad > 0.0):
        raise RuntimeError("a glide went below the radar's horizon; change the geometry")
    z = np.stack([aer.range_m, aer.az_rad, aer.el_rad], axis=-1)
    z += SIGMA * np.random.default_rng(seed + 1).standard_normal(z.shape)
    return np.swapaxes(z, 0, 1)


def initial_tracks(z: np.ndarray, config: TrackerConfig) -> tuple[np.ndarray, np.ndarray]:
    """Two-point initiation of every target on the first two scans: x (n, 9), P (n, 9, 9)."""
    tracks = new_tracks(z.shape[1])
    for k in range(2):
        tracks = process_scan(tracks, k * SCAN_S, z[k], R, SITE, None, config)
    return tracks.x, tracks.P


def run_ours(x, P, z, q):
    for k in range(2, z.shape[0]):
        x, P = ekf.predict(x, P, SCAN_S, q)
        x, P, _ = ekf.update(x, P, z[k], R, *SITE)
    return x, P


# --- FilterPy: ExtendedKalmanFilter, one target at a time --------------------------------------


class KaminariEKF(ExtendedKalmanFilter):
    """FilterPy's EKF with our nonlinear mean flight in place of its linear x = F x."""

    dt_s = SCAN_S

    def predict_x(self, u=0):
        self.x = ekf.propagate_mean(self.x[:, 0], self.dt_s)[:, None]


def _h_jacobian(x):
    return ekf.measure_rae(x[:, 0], *SITE)[1]


def _h(x):
    return ekf.measure_rae(x[:, 0], *SITE)[0][:, None]


def _residual(z, z_pred):
    nu = z - z_pred
    nu[1] = ekf.wrap_pi(nu[1])
    return nu


def run_filterpy(x0, p0, z, q):
    f = KaminariEKF(dim_x=9, dim_z=3)
    f.x, f.P = x0[:, None].copy(), p0.copy()
    r_eff = R + ekf.R_FLOOR
    for k in range(2, z.shape[0]):
        f.F = ekf.transition_matrix(f.x[:, 0], SCAN_S)
        f.Q = ekf.process_noise(SCAN_S, q)
        f.predict()
        f.update(z[k][:, None], _h_jacobian, _h, R=r_eff, residual=_residual)
    return f.x[:, 0], f.P


# --- Stone Soup: ExtendedKalmanPredictor / ExtendedKalmanUpdater -------------------------------


class KaminariTransition(GaussianModel, TransitionModel):
    """Our motion model in Stone Soup's interface: RK4 mean, F and white-jerk Q."""

    jerk_psd_m2ps5: float = Property(doc="white-jerk PSD, m^2/s^5")

    @property
    def ndim_state(self):
        return 9

    def function(self, state, noise=False, **kwargs):
        dt = kwargs["time_interval"].total_seconds()
        return StateVector(ekf.propagate_mean(np.asarray(state.state_vector, float)[:, 0], dt))

    def jacobian(self, state, **kwargs):
        dt = kwargs["time_interval"].total_seconds()
        return ekf.transition_matrix(np.asarray(state.state_vector, float)[:, 0], dt)

    def covar(self, **kwargs):
        dt = kwargs["time_interval"].total_seconds()
        return CovarianceMatrix(ekf.process_noise(dt, self.jerk_psd_m2ps5))


class KaminariRadar(NonLinearGaussianMeasurement):
    """Our radar measurement in Stone Soup's interface; the azimuth is a Bearing, so that
    Stone Soup wraps its innovation as we do."""

    @property
    def ndim_meas(self):
        return 3

    def function(self, state, noise=False, **kwargs):
        z, _ = ekf.measure_rae(np.asarray(state.state_vector, float)[:, 0], *SITE)
        return StateVector([z[0], Bearing(z[1]), z[2]])

    def jacobian(self, state, **kwargs):
        return ekf.measure_rae(np.asarray(state.state_vector, float)[:, 0], *SITE)[1]


def run_stonesoup(x0, p0, z, q):
    predictor = ExtendedKalmanPredictor(KaminariTransition(jerk_psd_m2ps5=q))
    radar = KaminariRadar(ndim_state=9, mapping=(0, 1, 2), noise_covar=R + ekf.R_FLOOR)
    updater = ExtendedKalmanUpdater(radar, use_joseph_cov=True)
    state = GaussianState(StateVector(x0), CovarianceMatrix(p0), timestamp=EPOCH)
    for k in range(2, z.shape[0]):
        t = EPOCH + datetime.timedelta(seconds=(k - 1) * SCAN_S)
        prediction = predictor.predict(state, timestamp=t)
        zk = StateVector([z[k][0], Bearing(z[k][1]), z[k][2]])
        detection = Detection(zk, timestamp=t, measurement_model=radar)
        state = updater.update(SingleHypothesis(prediction, detection))
    return np.asarray(state.state_vector, float)[:, 0], np.asarray(state.covar, float)


def agreement(x_ours, p_ours, x_peer, p_peer):
    """Largest relative difference of the final states (per element, relative to the state's
    block norm: |r|, |v|, |a|) and of the covariances (relative to sqrt(P_ii P_jj))."""
    dx = 0.0
    for b in range(3):
        s = slice(3 * b, 3 * b + 3)
        scale = np.linalg.norm(x_ours[:, s], axis=1, keepdims=True)
        dx = max(dx, float(np.max(np.abs(x_peer[:, s] - x_ours[:, s]) / scale)))
    d = np.sqrt(np.diagonal(p_ours, axis1=-2, axis2=-1))
    dp = float(np.max(np.abs(p_peer - p_ours) / (d[:, :, None] * d[:, None, :])))
    return dx, dp


def timed_peer(run, x0, p0, z, q, m):
    out_x, out_p = np.empty((m, 9)), np.empty((m, 9, 9))
    t0 = time.perf_counter()
    for i in range(m):
        out_x[i], out_p[i] = run(x0[i], p0[i], z[:, i], q)
    return time.perf_counter() - t0, out_x, out_p


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="targets in the batch")
    parser.add_argument("--scans", type=int, default=100, help="EKF cycles per target")
    parser.add_argument("--filterpy-n", type=int, default=100, help="targets run by FilterPy")
    parser.add_argument("--stonesoup-n", type=int, default=20, help="targets run by Stone Soup")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    config = TrackerConfig()
    q = config.jerk_psd_m2ps5

    z = radar_scans(args.n, args.scans, args.seed)
    x0, p0 = initial_tracks(z, config)
    run_ours(x0[:10], p0[:10], z[:, :10], q)  # warm up
    t0 = time.perf_counter()
    x_ours, p_ours = run_ours(x0, p0, z, q)
    ours_s = time.perf_counter() - t0
    ours_rate = args.n * args.scans / ours_s

    rows = []
    for name, run, m in (
        ("FilterPy ExtendedKalmanFilter", run_filterpy, args.filterpy_n),
        ("Stone Soup ExtendedKalman{Predictor,Updater}", run_stonesoup, args.stonesoup_n),
    ):
        run(x0[0], p0[0], z[:4, 0], q)  # warm up
        peer_s, xp, pp = timed_peer(run, x0, p0, z, q, m)
        rate = m * args.scans / peer_s
        dx, dp = agreement(x_ours[:m], p_ours[:m], xp, pp)
        rows.append((name, m, rate, dx, dp))

    print(f"machine: {platform.processor() or platform.machine()}, numpy {np.__version__}")
    print(f"jerk PSD {q} m^2/s^5; one target update = one predict (1 s) + one radar update")
    print(
        f"kaminari batched EKF: {args.n} targets x {args.scans} scans in {ours_s:.2f} s = "
        f"{ours_rate:,.0f} target updates/s ({ours_s / args.n / args.scans * 1e6:.2f} us each)"
    )
    for name, m, rate, dx, dp in rows:
        print(
            f"{name}: {m} targets x {args.scans} scans: {rate:,.0f} target updates/s "
            f"({1e6 / rate:.0f} us each); final states agree to {dx:.1e} relative, "
            f"covariances to {dp:.1e}; kaminari is {ours_rate / rate:,.0f}x faster"
        )
    ok = all(dx < 1e-6 and dp < 1e-6 for _, _, _, dx, dp in rows)
    print("agreement within 1e-6 relative:", "yes" if ok else "NO")


if __name__ == "__main__":
    main()
