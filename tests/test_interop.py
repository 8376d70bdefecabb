"""``kaminari.interop.stonesoup``: kaminari's tables as Stone Soup objects, and Stone Soup's
own ``OSPAMetric`` / ``GOSPAMetric`` (the authority here, an independent implementation of
Schuhmacher et al. 2008 and Rahmathullah et al. 2017) against
``kaminari.tracking.metrics.ospa_per_scan`` on a synthetic scenario with missed and false
tracks. Skipped without Stone Soup (an optional extra, part of the test extra)."""

import importlib
import sys
from datetime import datetime, timedelta

import numpy as np
import pytest

from kaminari.tracking.metrics import ospa_per_scan

EPOCH = datetime(2030, 5, 17, 6, 0, 0)
C = 200.0


@pytest.fixture(scope="module")
def ss():
    pytest.importorskip("stonesoup")
    return importlib.import_module("kaminari.interop.stonesoup")


def test_import_without_stonesoup_says_how_to_install(monkeypatch):
    for name in [n for n in sys.modules if n == "stonesoup" or n.startswith("stonesoup.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "stonesoup", None)
    monkeypatch.delitem(sys.modules, "kaminari.interop.stonesoup", raising=False)
    with pytest.raises(ImportError) as err:
        importlib.import_module("kaminari.interop.stonesoup")
    assert "pip install 'kaminari[stonesoup]'" in str(err.value)
    assert "\n" not in str(err.value)


def _scenario(seed=1, reps=(0, 1), separation=5000.0, noise=30.0):
    """Three straight-line threats per replication on common scans every 0.5 s; tracks are
    noisy copies, one missing at some scans, one wandering beyond the cutoff at a scan, a
    false track at some scans, and a tentative track (status 1) that is not compared."""
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, 10.0, 0.5)
    truth, track = [], []
    for rep in reps:
        start = rng.normal(scale=100, size=(3, 3)) + separation * np.arange(3)[:, None]
        vel = rng.normal(scale=300, size=(3, 3))
        for k, t in enumerate(times):
            pos = start + vel * t
            for i, name in enumerate(("alpha", "bravo", "charlie")):
                truth.append((rep, name, t, *pos[i], *vel[i]))
                if i == 1 and k % 4 == 2:
                    continue  # missed
                est = pos[i] + rng.normal(scale=noise, size=3)
                if i == 2 and k == 7:
                    est = pos[i] + [3 * C, 0, 0]  # beyond the cutoff
                track.append((rep, i + 1, t, 2, *est, *(vel[i] + rng.normal(size=3)),
                              *(noise**2 * np.ones(3))))
            if k % 3 == 1:  # a false track
                track.append((rep, 10 + k, t, 2, *rng.normal(scale=1e4, size=3), 0, 0, 0,
                              1e4, 1e4, 1e4))
            track.append((rep, 99, t, 1, *(pos[0] + 5e3), 0, 0, 0, 1, 1, 1))  # tentative
    truth_cols = ["rep", "threat", "t_s", "x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps"]
    track_cols = ["rep", "track_id", "t_s", "status", "x_m", "y_m", "z_m", "vx_mps", "vy_mps",
                  "vz_mps", "var_x_m2", "var_y_m2", "var_z_m2"]
    truth_t = {c: np.array([r[j] for r in truth]) for j, c in enumerate(truth_cols)}
    track_t = {c: np.array([r[j] for r in track]) for j, c in enumerate(track_cols)}
    track_t["rep"] = track_t["rep"].astype(int)
    track_t["track_id"] = track_t["track_id"].astype(int)
    track_t["status"] = track_t["status"].astype(np.int8)
    return track_t, truth_t


def _rows(table, keep):
    return {k: v[keep] for k, v in table.items()}


def test_objects(ss):
    trk, tru = _scenario()
    paths = ss.truths(tru, EPOCH, rep=1)
    assert sorted(p.id for p in paths) == ["1/alpha", "1/bravo", "1/charlie"]
    path = next(p for p in paths if p.id == "1/bravo")
    assert len(path) == 20 and path.states[3].timestamp == EPOCH + timedelta(seconds=1.5)
    row = np.flatnonzero((tru["rep"] == 1) & (tru["threat"] == "bravo") & (tru["t_s"] == 1.5))[0]
    want = [tru[c][row] for c in ("x_m", "vx_mps", "y_m", "vy_mps", "z_m", "vz_mps")]
    np.testing.assert_array_equal(np.ravel(path.states[3].state_vector), want)

    tracks = ss.tracks(trk, EPOCH, rep=0)
    assert "0/99" not in {t.id for t in tracks}  # tentative dropped
    assert "0/99" in {t.id for t in ss.tracks(trk, EPOCH, rep=0, min_status=1)}
    assert len(ss.tracks(trk, EPOCH)) == 2 * len(tracks)
    track = next(t for t in tracks if t.id == "0/2")
    assert len(track) == 15  # missed at 5 of 20 scans
    cov = np.asarray(track.states[0].covar)
    np.testing.assert_array_equal(np.diag(cov)[[0, 2, 4]], 30.0**2)
    assert np.isnan(cov[1]).all() and np.isnan(cov[:, 5]).all()
    assert cov[0, 2] == 0.0
    times = [s.timestamp for s in track.states]
    assert times == sorted(times)

    pd = pytest.importorskip("pandas")
    assert {t.id for t in ss.tracks(pd.DataFrame(trk), EPOCH, rep=0)} == {t.id for t in tracks}


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_ospa_equals_stonesoup_per_scan(ss, p):
    trk, tru = _scenario()
    mine = ospa_per_scan(_rows(trk, trk["status"] == 2), tru, C, p)
    for rep in (0, 1):
        t_s, value = ss.ospa_with_stonesoup(trk, tru, C, p, EPOCH, rep=rep)
        sel = mine["rep"] == rep
        np.testing.assert_array_equal(t_s, mine["t_s"][sel])
        np.testing.assert_allclose(value, mine["ospa"][sel], rtol=0, atol=1e-9)
    assert (mine["ospa"] > 0).all() and (mine["ospa"] < C).all()
    assert (mine["missed"] > 0).any() and (mine["false"] > 0).any()


@pytest.mark.parametrize("p", [1.0, 2.0])
def test_gospa_equals_stonesoup_per_scan(ss, p):
    trk, tru = _scenario(seed=4)
    mine = ospa_per_scan(_rows(trk, trk["status"] == 2), tru, C, p)
    sel = mine["rep"] == 0
    got = ss.gospa_with_stonesoup(trk, tru, C, p, EPOCH, rep=0)
    np.testing.assert_array_equal(got["t_s"], mine["t_s"][sel])
    np.testing.assert_allclose(got["distance"], mine["gospa"][sel], rtol=0, atol=1e-9)
    np.testing.assert_allclose(got["localisation"], mine["localisation"][sel], rtol=1e-12)
    # Stone Soup's missed / false are costs, c^p / 2 per point; kaminari's are counts
    np.testing.assert_allclose(got["missed"], C**p / 2 * mine["missed"][sel], rtol=1e-12)
    np.testing.assert_allclose(got["false"], C**p / 2 * mine["false"][sel], rtol=1e-12)


def test_stonesoup_ospa_order_two_is_never_below_the_optimum(ss):
    # crowded targets: Stone Soup minimises sum d (not sum d^p) before the powers, so for p > 1
    # it may exceed the true OSPA (it does at one scan here), never undercut it; for p = 1
    # they agree
    trk, tru = _scenario(seed=2, reps=(0,), separation=0.0, noise=120.0)
    confirmed = _rows(trk, trk["status"] == 2)
    for p in (1.0, 2.0):
        mine = ospa_per_scan(confirmed, tru, C, p)
        _, value = ss.ospa_with_stonesoup(trk, tru, C, p, EPOCH)
        assert (value >= mine["ospa"] - 1e-9).all()
        if p == 1.0:
            np.testing.assert_allclose(value, mine["ospa"], rtol=0, atol=1e-9)
        else:
            assert (value > mine["ospa"] + 1e-3).sum() == 1


def test_errors(ss):
    trk, tru = _scenario()
    with pytest.raises(ValueError, match=r"^rep: got None"):
        ss.ospa_with_stonesoup(trk, tru, C)
    with pytest.raises(ValueError, match=r"^track_rows: got no column 'var_x_m2'"):
        ss.tracks({k: v for k, v in trk.items() if k != "var_x_m2"}, EPOCH)
    with pytest.raises(ValueError, match=r"^epoch: got float"):
        ss.truths(tru, 0.0)
