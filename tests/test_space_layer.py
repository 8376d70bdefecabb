"""The space layer as a sensor of the kill chain: its detections, its lines of sight in the
tracker, and the layer in scenarios.

Authorities: scipy's chi-square quantiles for the gates; finite differences and the geometry of
a small cross-range offset (angle = offset / range) for the line-of-sight model; the chi-square
law of two Gaussian angles (Kolmogorov-Smirnov) for the measured lines; the binomial spread of a
Monte Carlo for the detection probability Phi(SNR - threshold) and the Poisson law of the false
alarms; in-order processing of a noiseless model for the late (out-of-sequence) update, which is
exact there; triangulation of known points for track starts.
"""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from scipy.special import ndtr
from sgp4.api import WGS72, Satrec
from sgp4.exporter import export_tle

from kaminari.earth.constants import MEAN_RADIUS_M
from kaminari.earth.frames import geodetic2ecef
from kaminari.earth.time import julian_date
from kaminari.engagement.chain import KillChain, run_chain
from kaminari.scenario import load_scenario
from kaminari.sensors.infrared import nei_wpm2_from_w_per_cm2
from kaminari.sensors.orbits import WalkerDelta
from kaminari.sensors.space import SpaceLayer
from kaminari.streams import Streams
from kaminari.tracking import angles, ekf
from kaminari.tracking.angles import (
    LosDetections,
    chi2_cdf_3dof,
    gate_2dof,
    process_los_frame,
    triangulate_pairs,
)
from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.measurement import LineOfSight, tangent_basis
from kaminari.tracking.tracker import CONFIRMED, new_tracks

EXAMPLE = Path(__file__).parents[1] / "examples" / "railgun_point_defense.yaml"
KAMINARI = Path(sys.executable).with_name("kaminari")
SENSOR = {"band_um": [3.0, 5.0], "off_nadir_max_deg": 60, "frame_s": 1.0, "los_sigma_urad": 20,
          "nei_w_per_cm2": 1.0e-15, "snr_min": 6, "latency_s": 4.0}  # fmt: skip


class _Fixed:
    """Satellites that stand still at given ECEF points (for geometry tests)."""

    def __init__(self, sats: np.ndarray) -> None:
        self.sats = np.asarray(sats, dtype=float)

    def positions(self, t_s: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.sats[:, None], (self.sats.shape[0], np.size(t_s), 3)).copy()


def _layer(sats: np.ndarray, **kw: float) -> SpaceLayer:
    args = {"band_m": (3e-6, 5e-6), "off_nadir_max_rad": math.radians(60.0), "frame_s": 1.0,
            "los_sigma_rad": 20e-6, "nei_w_per_cm2": 1e-15, "snr_min": 6.0} | kw  # fmt: skip
    return SpaceLayer(_Fixed(sats), **args)  # type: ignore[arg-type]


def _above(lat: float, lon: float, alt_m: float) -> np.ndarray:
    return geodetic2ecef(math.radians(lat), math.radians(lon), alt_m).reshape(3)


def test_gates_are_the_chi_square_points_of_the_radar_gates_probabilities() -> None:
    for g3 in (30.66, 16.27, 7.81):
        assert chi2_cdf_3dof(g3) == pytest.approx(stats.chi2.cdf(g3, 3), abs=1e-12)
        assert gate_2dof(g3) == pytest.approx(stats.chi2.ppf(stats.chi2.cdf(g3, 3), 2), rel=1e-9)
    assert gate_2dof(30.66) == pytest.approx(27.63, abs=0.01)  # 1 - 1e-6 at 2 dof


def test_line_of_sight_residual_is_the_angle_and_its_jacobian_the_derivative() -> None:
    rng = np.random.default_rng(3)
    p = rng.normal(size=(50, 3)) * 7e6
    r = rng.normal(size=(50, 3)) * 6.4e6
    u = (r - p) / np.linalg.norm(r - p, axis=-1, keepdims=True)
    model = LineOfSight(20e-6)
    z = np.concatenate([u, p], axis=1)
    x = np.zeros((50, 9))
    e1, e2 = tangent_basis(u)
    rho = np.linalg.norm(r - p, axis=-1)
    x[:, :3] = r + 30.0 * e1 - 50.0 * e2  # 30 m and 50 m across the line
    nu, jac = model.pair_residual(x, z)
    np.testing.assert_allclose(nu[:, 0], -30.0 / rho, rtol=1e-6)
    np.testing.assert_allclose(nu[:, 1], 50.0 / rho, rtol=1e-6)
    for i in range(3):
        dx = np.zeros(9)
        dx[i] = 1.0
        up, _ = model.pair_residual(x + dx, z)
        down, _ = model.pair_residual(x - dx, z)
        np.testing.assert_allclose(jac[:, :, i], (down - up) / 2.0, rtol=1e-6, atol=1e-15)
    assert not jac[:, :, 3:].any()
    behind, _ = model.pair_residual(np.concatenate([2 * p - r, np.zeros((50, 6))], 1), z)
    assert np.all(behind == 2.0)


def test_measured_lines_scatter_by_their_sigma_and_detect_with_phi_of_snr_less_threshold() -> None:
    sat = _above(30.0, 130.0, 1_000e3)
    target = _above(31.0, 131.0, 40e3)
    rng_m = float(np.linalg.norm(target - sat))
    nei = nei_wpm2_from_w_per_cm2(1e-15)
    snr_wanted = 6.5  # Pd = Phi(0.5) = 0.691
    intensity = snr_wanted * nei * rng_m**2
    layer = _layer(sat[None])
    n = 40_000
    r_true = np.broadcast_to(target, (n, 1, 3))
    rep = layer.measure(0.0, r_true, np.ones((n, 1), bool), np.full((n, 1), intensity),
                        Streams(11, np.arange(n)))  # fmt: skip
    pd_expected = float(ndtr(snr_wanted - 6.0))
    sd = math.sqrt(pd_expected * (1 - pd_expected) / n)
    assert abs(rep.rep.size / n - pd_expected) < 4 * sd
    u_true = (target - sat) / rng_m
    ang = np.arccos(np.clip(rep.z[:, :3] @ u_true, -1, 1)) / 20e-6
    assert stats.kstest(ang**2, stats.chi2(2).cdf).pvalue > 1e-3
    np.testing.assert_allclose(rep.z[:, 3:], np.broadcast_to(sat, (rep.rep.size, 3)))
    assert np.all(rep.label == 0)
    dead = layer.measure(0.0, r_true[:100], np.zeros((100, 1), bool), np.full((100, 1), 1e9),
                         Streams(1, np.arange(100)))  # fmt: skip
    assert dead.rep.size == 0


def test_false_lines_are_poisson_and_uniform_over_the_field_of_regard() -> None:
    sats = np.stack([_above(0.0, lon, 1_000e3) for lon in (0.0, 90.0, 180.0)])
    layer = _layer(sats, false_alarms_per_frame=0.7)
    n = 20_000
    rep = layer.measure(0.0, np.full((n, 1, 3), np.nan), np.zeros((n, 1), bool),
                        np.zeros((n, 1)), Streams(5, np.arange(n)))  # fmt: skip
    counts = np.bincount(rep.rep * 3 + rep.sat, minlength=3 * n)
    assert counts.mean() == pytest.approx(0.7, abs=4 * math.sqrt(0.7 / (3 * n)))
    assert counts.var() == pytest.approx(0.7, rel=0.05)  # Poisson: variance = mean
    nadir = -sats[rep.sat] / np.linalg.norm(sats[rep.sat], axis=-1, keepdims=True)
    cos_off = np.einsum("ij,ij->i", rep.z[:, :3], nadir)
    assert cos_off.min() >= math.cos(math.radians(60.0)) - 1e-12
    uniform = stats.uniform(math.cos(math.radians(60.0)), 1 - math.cos(math.radians(60.0)))
    assert stats.kstest(cos_off, uniform.cdf).pvalue > 1e-3
    assert np.all(rep.label == -1) and np.all(np.diff(rep.rep) >= 0)


def test_triangulation_starts_from_the_true_crossings_not_the_ghosts() -> None:
    """Two satellites see two threats 30 km apart: of the four crossings of their lines, the
    two true ones pass within the noise, the ghosts miss by kilometres."""
    sats = np.stack([_above(28.0, 128.0, 1_000e3), _above(36.0, 136.0, 1_000e3)])
    pts = np.stack([_above(32.0, 132.0, 40e3), _above(32.2, 132.1, 45e3)])
    layer = _layer(sats)
    n = 200
    rep = layer.measure(0.0, np.broadcast_to(pts, (n, 2, 3)), np.ones((n, 2), bool),
                        np.full((n, 2), 1e6), Streams(2, np.arange(n)))  # fmt: skip
    assert rep.rep.size == 4 * n  # everything seen
    dets = LosDetections(rep.rep, rep.sat, rep.z)
    a, b, x, cov = triangulate_pairs(dets, np.arange(dets.size), 20e-6, n)
    assert a.size == 2 * n
    assert np.all(rep.label[a] == rep.label[b])  # no ghost
    err = x - pts[rep.label[a]]
    nees = np.einsum("mi,mij,mj->m", err, np.linalg.inv(cov), err)
    assert stats.kstest(nees, stats.chi2(3).cdf).pvalue > 1e-3  # covariance consistent


def test_a_late_line_updates_the_track_as_in_order_processing_would(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Without process noise the filter's model is deterministic, so a line of sight taken at
    t_d and applied at t_k > t_d through the backward transition must give what applying it at
    t_d and predicting to t_k gives (to the linearisation's second order)."""
    config = replace(TrackerConfig(), jerk_psd_m2ps5=1e-12)
    sat = _above(30.0, 130.0, 1_000e3)
    x0 = np.zeros(9)
    x0[:3] = _above(31.0, 131.0, 40e3)
    x0[3:6] = [2000.0, -3000.0, 1500.0]
    P0 = np.diag([200.0**2] * 3 + [20.0**2] * 3 + [1.0] * 3)
    true_d = ekf.propagate_mean(x0, 2.0)[:3] + np.array([120.0, -90.0, 60.0])
    u = (true_d - sat) / np.linalg.norm(true_d - sat)
    z = np.concatenate([u, sat])[None]
    model = LineOfSight(20e-6)

    def track(t_state: float):  # type: ignore[no-untyped-def]
        tr = new_tracks(1, 1)
        x, p = ekf.predict(x0, P0, t_state, config.jerk_psd_m2ps5)
        tr.x[0], tr.P[0], tr.t_s[0] = x, p, t_state
        tr.status[0], tr.track_id[0], tr.last_update_t_s[0] = CONFIRMED, 1, t_state
        return tr

    dets = LosDetections(np.array([0]), np.array([0]), z)
    view = np.ones((1, 1), bool)
    in_order = track(0.0)
    process_los_frame(in_order, 2.0, dets, view, model, config)
    x_io, p_io = ekf.predict(in_order.x[0], in_order.P[0], 4.0, config.jerk_psd_m2ps5)
    late = track(6.0)
    assoc = process_los_frame(late, 2.0, dets, view, model, config)
    assert assoc.det_of_slot[0] == 0 and late.t_s[0] == 6.0
    assert np.linalg.norm(late.x[0, :3] - x_io[:3]) < 0.05  # of a ~100 m correction
    np.testing.assert_allclose(late.P[0, :3, :3], p_io[:3, :3], rtol=2e-3, atol=1e-3)
    # with LATE_WEIGHT_MIN 1, a track that already knows the threat far better than a line
    # could tell takes the line (it starts no other track) but is left as it was
    monkeypatch.setattr(angles, "LATE_WEIGHT_MIN", 1.0)
    sharp = track(6.0)
    sharp.P[0] = np.diag([1.0] * 3 + [0.1] * 3 + [0.01] * 3)
    before = sharp.x[0].copy()
    back, _ = ekf.retrodict(sharp.x[0], 4.0)
    u_own = (back[:3] + 20.0 - sat) / np.linalg.norm(back[:3] + 20.0 - sat)  # 20 m off: in gate
    own = LosDetections(np.array([0]), np.array([0]), np.concatenate([u_own, sat])[None])
    assoc = process_los_frame(sharp, 2.0, own, view, model, config)
    assert assoc.det_of_slot[0] == 0 and not assoc.born.any()
    assert np.array_equal(sharp.x[0], before)


def _layer_chain(planes: int, sats: int, latency_s: float = 0.0) -> KillChain:
    scenario = load_scenario(EXAMPLE)
    chain = scenario.kill_chain()
    orbits = WalkerDelta(1000.0, 80.0, planes, sats, 1, scenario.epoch)
    layer = SpaceLayer(orbits, (3e-6, 5e-6), math.radians(60.0), 1.0, 20e-6, 1e-15, 6.0,
                       latency_s=latency_s)  # fmt: skip
    return replace(chain, radars=(), batteries=(), space_layer=layer, dispersions=())


def test_a_dense_layer_alone_starts_tracks_by_triangulation_and_holds_them() -> None:
    """96 satellites see the default threat in stereo from its start: the layer alone starts a
    confirmed track within seconds and holds it to the radars' side of the sea, with errors
    consistent with its covariance."""
    chain = _layer_chain(8, 12)
    res = run_chain(chain, 8, 1, track_reps=8)
    reps = pd.DataFrame(res.replications)
    assert (reps.detect_sensor == "space-layer").all()
    assert (reps.detect_t_s < 2.0).all() and (reps.track_t_s < 10.0).all()
    tracks = pd.DataFrame(res.tracks)
    own = tracks[(tracks.threat == "hgv-1") & (tracks.t_s > 20.0) & (tracks.t_s < 200.0)]
    assert own.t_s.nunique() > 150  # held along the glide
    d = own[["x_m", "y_m", "z_m"]].to_numpy() - own[["true_x_m", "true_y_m", "true_z_m"]].to_numpy()
    var = own[["var_x_m2", "var_y_m2", "var_z_m2"]].to_numpy()
    err = np.linalg.norm(d, axis=1)
    assert np.median(err) < 200.0
    # consistency on each axis: |error| / sigma has the half-normal median 0.674 when right
    ratio = np.median(np.abs(d) / np.sqrt(var))
    assert 0.3 < ratio < 1.5


def test_a_sparse_layer_detects_first_but_cannot_start_tracks_in_mono() -> None:
    """The 28-satellite layer sees the threat mostly one satellite at a time: it detects it
    within the first seconds of flight, but a single line of sight has no range, and no track
    starts until two satellites see it at once."""
    chain = _layer_chain(4, 7)
    res = run_chain(chain, 4, 1)
    reps = pd.DataFrame(res.replications)
    assert (reps.detect_t_s < 40.0).all()
    assert (reps.track_t_s > 150.0).all()  # stereo only late in the flight


def _scenario_with_layer(tmp_path: Path, layer: dict, reps: int = 20) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["space_layer"] = layer
    data["run"]["reps"] = reps
    path = tmp_path / "layer.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_disabled_layer_leaves_the_results_of_no_layer(tmp_path: Path) -> None:
    walker = {"altitude_km": 1000, "inclination_deg": 80, "planes": 4, "sats_per_plane": 7,
              "phasing": 1}  # fmt: skip
    off = load_scenario(_scenario_with_layer(tmp_path, {"enabled": False, "constellation": walker,
                                                        "sensor": SENSOR}))  # fmt: skip
    plain = load_scenario(EXAMPLE)
    assert off.kill_chain().space_layer is None
    a = run_chain(off.kill_chain(), 6, 2)
    b = run_chain(plain.kill_chain(), 6, 2)
    pd.testing.assert_frame_equal(pd.DataFrame(a.replications), pd.DataFrame(b.replications))


def test_a_tle_layer_runs_from_another_folder(tmp_path: Path) -> None:
    """A TLE file named relative to the scenario is found whatever the working folder, reaches
    worker processes, is kept in the run folder for its report, and the layer's detections
    come first."""
    scenario = load_scenario(EXAMPLE)
    walker = WalkerDelta(1000.0, 80.0, 8, 12, 1, scenario.epoch)
    lines = []
    epoch_1949 = float(julian_date(scenario.epoch)) - 2_433_281.5  # SGP4's epoch: days from 1949
    for s in range(walker.n_sat):
        sat = Satrec()
        sat.sgp4init(WGS72, "i", s + 1, epoch_1949, 0.0, 0.0, 0.0, 1e-7, 0.0, math.radians(80.0),
                     float(walker.arglat0_rad[s]), walker.mean_motion_rps * 60.0,
                     float(walker.raan0_rad[s]))  # fmt: skip
        l1, l2 = export_tle(sat)
        lines += [f"SAT-{s + 1}", l1, l2]
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "layer.tle").write_text("\n".join(lines) + "\n")
    path = _scenario_with_layer(folder, {"name": "tle-layer", "tle_file": "layer.tle",
                                         "sensor": SENSOR}, reps=4)  # fmt: skip
    done = subprocess.run([str(KAMINARI), "run", str(path), "--out", str(tmp_path / "o"),
                           "--chunk-size", "2", "--workers", "2"],  # the layer goes by pickle
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "first detected by (most often)" in done.stdout and "tle-layer" in done.stdout
    reps = pd.read_parquet(tmp_path / "o" / "replications.parquet")
    assert (reps.detect_sensor == "tle-layer").any()
    assert (tmp_path / "o" / "layer.tle").read_text() == (folder / "layer.tle").read_text()
    assert load_scenario(tmp_path / "o" / "scenario.yaml").space_layer.tle_file == "layer.tle"
    assert np.isfinite(reps.handover_t_s).all()


def test_lines_below_the_limb_see_the_earth_behind() -> None:
    sat = _above(0.0, 0.0, 1_000e3)
    layer = _layer(sat[None], clutter_fraction=0.01)
    down = _above(5.0, 0.0, 40e3)  # below: the Earth behind it
    r_sat = float(np.linalg.norm(sat))
    horizon = math.degrees(math.acos(MEAN_RADIUS_M / r_sat))
    up = _above(0.0, horizon + 2.0, 300e3)  # beyond the horizon, high: space behind it
    bg = layer.background_wpm2(sat[None], np.stack([down, up]))
    assert bg[0, 0] > 0.0 and bg[0, 1] == 0.0


def test_a_raid_summary_prints_who_saw_each_threat_first_and_the_cue() -> None:
    from rich.console import Console

    from kaminari.cli.run import _sensing_table
    from kaminari.report.summary import summarize

    names = np.repeat([f"t-{i}" for i in range(4)], 3)
    reps = {
        "rep": np.tile(np.arange(3), 4), "threat": names.astype(object),
        "killed": np.zeros(12, bool), "leaked": np.ones(12, bool), "shots": np.zeros(12, int),
        "detect_t_s": np.arange(12.0), "track_t_s": np.arange(12.0) + 5, "first_shot_t_s":
        np.full(12, np.nan), "kill_t_s": np.full(12, np.nan), "kill_alt_m": np.full(12, np.nan),
        "false_tracks": np.zeros(12, int),
        "detect_sensor": np.array(["layer", "layer", "radar"] * 4, dtype=object),
        "fc_track_t_s": np.full(12, 280.0), "handover_t_s": np.full(12, 280.0),
        "handover_error_m": np.full(12, 72.0),
    }  # fmt: skip
    shots = {k: np.empty(0) for k in ("rep", "battery", "threat", "fire_t_s", "miss_m")}
    rows = summarize(reps, shots)
    assert [s.detect_sensor for s in rows] == ["layer"] * 4
    console = Console(width=80, record=True)
    console.print(_sensing_table(rows))
    text = console.export_text()
    assert "Sensing, per threat" in text and "layer" in text and "72" in text
    assert _sensing_table(rows[:3]) is None  # a small raid's summary has these rows itself
