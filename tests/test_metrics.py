"""OSPA and GOSPA (``kaminari.tracking.metrics``) against their definitions: hand-computed
cases from D. Schuhmacher, B.-T. Vo, B.-N. Vo, IEEE TSP 56(8) 2008, eq. (3) (OSPA) and
A. S. Rahmathullah, A. F. Garcia-Fernandez, L. Svensson, FUSION 2017, eq. (1) and
Proposition 1 (GOSPA, alpha = 2); the metric axioms (symmetry, triangle inequality); and
brute force with scipy's ``linear_sum_assignment`` on the padded problem (the authority for
the optimal assignment)."""

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from kaminari.tracking.metrics import gospa, ospa, ospa_per_scan

C = 10.0


def _pts(*rows):
    return np.array(rows, dtype=float)[None]  # one batch member


def test_one_pair_within_cutoff_is_its_distance():
    for p in (1.0, 2.0, 3.5):
        d = ospa(_pts([0, 0, 0]), None, _pts([3, 4, 0]), None, C, p)
        assert d == pytest.approx([5.0], rel=1e-15)
        g, loc, missed, false = gospa(_pts([0, 0, 0]), None, _pts([3, 4, 0]), None, C, p)
        assert g == pytest.approx([5.0], rel=1e-15)
        assert loc == pytest.approx([5.0**p]) and missed[0] == 0 and false[0] == 0


def test_two_truths_one_estimate():
    # OSPA: ((d^p + c^p) / 2)^(1/p); GOSPA (alpha 2): (d^p + c^p / 2)^(1/p), one missed
    truths = _pts([0, 0, 0], [1000, 0, 0])
    est = _pts([0, 2, 0])
    for p in (1.0, 2.0):
        assert ospa(truths, None, est, None, C, p) == pytest.approx(
            [((2.0**p + C**p) / 2) ** (1 / p)], rel=1e-14)
        assert ospa(est, None, truths, None, C, p) == pytest.approx(
            [((2.0**p + C**p) / 2) ** (1 / p)], rel=1e-14)
        g, loc, missed, false = gospa(truths, None, est, None, C, p)
        assert g == pytest.approx([(2.0**p + C**p / 2) ** (1 / p)], rel=1e-14)
        assert (loc[0], missed[0], false[0]) == pytest.approx((2.0**p, 1.0, 0.0))


def test_gospa_pair_beyond_cutoff_is_missed_and_false():
    truths = _pts([0, 0, 0], [100, 0, 0])
    est = _pts([1, 0, 0], [100, 50, 0], [-300, 0, 0])  # one near, one beyond c, one false
    p = 2.0
    g, loc, missed, false = gospa(truths, None, est, None, C, p)
    assert (loc[0], missed[0], false[0]) == pytest.approx((1.0, 1.0, 2.0))
    assert g[0] == pytest.approx((1.0 + C**p / 2 * (1 + 2)) ** (1 / p), rel=1e-14)
    # OSPA: all three of the larger set, two of them at the cutoff
    assert ospa(truths, None, est, None, C, p)[0] == pytest.approx(
        ((1.0 + 2 * C**p) / 3) ** (1 / p), rel=1e-14)


def test_empty_sets():
    x = np.zeros((3, 2, 3))
    y = np.ones((3, 4, 3))
    xm = np.array([[False, False], [False, False], [True, False]])
    ym = np.array([[False] * 4, [True, False, True, False], [False] * 4])
    assert ospa(x, xm, y, ym, C).tolist() == [0.0, C, C]
    g, loc, missed, false = gospa(x, xm, y, ym, C, 2.0)
    assert g == pytest.approx([0.0, np.sqrt(2 * C**2 / 2), np.sqrt(C**2 / 2)])
    assert missed.tolist() == [0, 0, 1] and false.tolist() == [0, 2, 0]
    assert loc.tolist() == [0, 0, 0]


def test_masked_entries_are_ignored_even_if_nan():
    x = np.array([[[np.nan, 0, 0], [0, 0, 0]]])
    y = np.array([[[3, 4, 0], [np.inf, 1, 1]]])
    d = ospa(x, [[False, True]], y, [[True, False]], C)
    assert d.tolist() == [5.0]


def _random_sets(rng, batch, m_max, n_max, scale=12.0):
    x = rng.normal(scale=scale, size=(batch, m_max, 3))
    y = rng.normal(scale=scale, size=(batch, n_max, 3))
    xm = rng.random((batch, m_max)) < 0.7
    ym = rng.random((batch, n_max)) < 0.7
    return x, xm, y, ym


def _brute_ospa_gospa(x, y, c, p, alpha=2.0):
    """Per member, scipy's linear_sum_assignment on the padded square problem."""
    m, n = len(x), len(y)
    k = max(m, n)
    if k == 0:
        return 0.0, 0.0
    full = np.full((k, k), c**p)
    if m and n:
        d = np.linalg.norm(x[:, None] - y[None], axis=-1)
        full[:m, :n] = np.minimum(d, c) ** p
    r, col = linear_sum_assignment(full)
    real = (r < m) & (col < n)
    assigned = full[r[real], col[real]].sum()
    unassigned = abs(m - n)
    return ((assigned + c**p * unassigned) / k) ** (1 / p), \
        (assigned + c**p / alpha * unassigned) ** (1 / p)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_against_scipy_brute_force(p):
    rng = np.random.default_rng(7)
    x, xm, y, ym = _random_sets(rng, 400, 6, 6)
    got = ospa(x, xm, y, ym, C, p)
    got_g = gospa(x, xm, y, ym, C, p)[0]
    want = np.array([_brute_ospa_gospa(x[b][xm[b]], y[b][ym[b]], C, p) for b in range(400)])
    np.testing.assert_allclose(got, want[:, 0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got_g, want[:, 1], rtol=1e-12, atol=1e-12)
    alpha = 1.3  # GOSPA for alpha != 2: the same assignment, c^p / alpha per unassigned
    got_a = gospa(x, xm, y, ym, C, p, alpha)
    want_a = [_brute_ospa_gospa(x[b][xm[b]], y[b][ym[b]], C, p, alpha)[1] for b in range(400)]
    np.testing.assert_allclose(got_a[0], want_a, rtol=1e-12, atol=1e-12)
    assert np.isnan(got_a[1]).all()


def test_gospa_parts_add_up():
    rng = np.random.default_rng(3)
    x, xm, y, ym = _random_sets(rng, 300, 5, 7)
    p = 2.0
    g, loc, missed, false = gospa(x, xm, y, ym, C, p)
    np.testing.assert_allclose(g**p, loc + C**p / 2 * (missed + false), rtol=1e-12)
    assert (missed <= xm.sum(1)).all() and (false <= ym.sum(1)).all()
    assert ((xm.sum(1) - missed) == (ym.sum(1) - false)).all()  # as many detected as used


def test_symmetry_and_triangle_inequality():
    rng = np.random.default_rng(11)
    x, xm, y, ym = _random_sets(rng, 500, 5, 5)
    z, zm, _, _ = _random_sets(rng, 500, 5, 5)
    for p in (1.0, 2.0):
        xy = ospa(x, xm, y, ym, C, p)
        np.testing.assert_allclose(xy, ospa(y, ym, x, xm, C, p), rtol=1e-13)
        xz, zy = ospa(x, xm, z, zm, C, p), ospa(z, zm, y, ym, C, p)
        assert (xy <= xz + zy + 1e-12).all()
        assert (ospa(x, xm, x, xm, C, p) == 0).all()
        gxy = gospa(x, xm, y, ym, C, p)[0]
        np.testing.assert_allclose(gxy, gospa(y, ym, x, xm, C, p)[0], rtol=1e-13)
        assert (gxy <= gospa(x, xm, z, zm, C, p)[0] + gospa(z, zm, y, ym, C, p)[0]
                + 1e-12).all()


def test_batched_equals_per_member_and_batch_shape():
    rng = np.random.default_rng(5)
    x, xm, y, ym = _random_sets(rng, 24, 4, 6)
    whole = ospa(x, xm, y, ym, C, 2.0)
    one = np.array([ospa(x[b:b + 1], xm[b:b + 1], y[b:b + 1], ym[b:b + 1], C, 2.0)[0]
                    for b in range(24)])
    np.testing.assert_array_equal(whole, one)
    shaped = ospa(x.reshape(4, 6, 4, 3), xm.reshape(4, 6, 4), y.reshape(4, 6, 6, 3),
                  ym.reshape(4, 6, 6), C, 2.0)
    assert shaped.shape == (4, 6)
    np.testing.assert_array_equal(shaped.ravel(), whole)
    parts = gospa(x.reshape(2, 12, 4, 3), xm.reshape(2, 12, 4), y.reshape(2, 12, 6, 3),
                  ym.reshape(2, 12, 6), C)
    assert all(a.shape == (2, 12) for a in parts)


def test_per_scan_groups_tables():
    rng = np.random.default_rng(9)
    rows_tr, rows_tk = [], []
    for rep in (3, 0):
        for t in (0.0, 1.5, 3.0):
            truth = rng.normal(scale=20, size=(rng.integers(0, 4), 3))
            tracks = truth + rng.normal(size=truth.shape)
            if rep == 3 and t == 1.5:
                tracks = tracks[:0]
            extra = rng.normal(scale=20, size=(rng.integers(0, 2), 3))
            tracks = np.vstack([tracks, extra])
            rows_tr += [(rep, t, *q) for q in truth]
            rows_tk += [(rep, t, *q) for q in tracks]
    rng.shuffle(rows_tk)

    def table(rows):
        a = np.array(rows, dtype=float).reshape(-1, 5)
        return {"rep": a[:, 0].astype(int), "t_s": a[:, 1], "x_m": a[:, 2], "y_m": a[:, 3],
                "z_m": a[:, 4]}

    trk, tru = table(rows_tk), table(rows_tr)
    out = ospa_per_scan(trk, tru, C, 2.0)
    keys = sorted({(r[0], r[1]) for r in rows_tr + rows_tk})
    assert list(zip(out["rep"].tolist(), out["t_s"].tolist(), strict=True)) == keys
    for k, (rep, t) in enumerate(keys):
        a = trk["rep"] == rep
        a &= trk["t_s"] == t
        b = (tru["rep"] == rep) & (tru["t_s"] == t)
        pa = np.stack([trk[c][a] for c in ("x_m", "y_m", "z_m")], -1)[None]
        pb = np.stack([tru[c][b] for c in ("x_m", "y_m", "z_m")], -1)[None]
        assert out["ospa"][k] == ospa(pa, None, pb, None, C, 2.0)[0]
        g = gospa(pb, None, pa, None, C, 2.0)
        assert (out["gospa"][k], out["localisation"][k], out["missed"][k],
                out["false"][k]) == tuple(v[0] for v in g)
        assert out["n_tracks"][k] == a.sum() and out["n_truths"][k] == b.sum()
    empty = ospa_per_scan({k: v[:0] for k, v in trk.items()}, {k: v[:0] for k, v in tru.items()},
                          C)
    assert all(v.size == 0 for v in empty.values())
    no_tracks = ospa_per_scan({k: v[:0] for k, v in trk.items()}, tru, C)
    assert (no_tracks["ospa"] == C).all() and no_tracks["localisation"].dtype == float
    assert (no_tracks["missed"] == no_tracks["n_truths"]).all()


def test_errors_are_one_line_naming_the_argument():
    x = np.zeros((1, 2, 3))
    cases = [
        (lambda: ospa(x, None, x, None, 0.0), "cutoff_m"),
        (lambda: ospa(x, None, x, None, C, 0.5), "order"),
        (lambda: ospa(x, None, x, None, C, np.inf), "order"),
        (lambda: gospa(x, None, x, None, C, 1.0, 3.0), "alpha"),
        (lambda: ospa(np.zeros((1, 2, 2)), None, x, None, C), "x"),
        (lambda: ospa(x, np.ones((1, 3), bool), x, None, C), "x_mask"),
        (lambda: ospa(x, None, np.zeros((2, 2, 3)), None, C), "y"),
        (lambda: ospa_per_scan({"rep": [0]}, {"rep": [0]}, C), "tracks"),
    ]
    for call, name in cases:
        with pytest.raises(ValueError) as err:
            call()
        msg = str(err.value)
        assert msg.startswith(name + ":") and "\n" not in msg and "allowed" in msg
