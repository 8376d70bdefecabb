"""Damage functions and their expected Pk against a circular normal miss: closed forms against
Monte Carlo and against numerical integration, lethal areas, limits and bad input."""

import numpy as np
import pytest
from scipy import integrate, special

from kaminari.weapons.damage import (
    carleton,
    cookie_cutter,
    expected_pk,
    gaussian_damage,
    hit_to_kill_radius_m,
)

N_DRAWS = 200_000

# (size parameter, per-axis sigma, bias), metres: a miss well inside, around and well outside
CASES = [
    (5.0, 2.0, 0.0),
    (5.0, 2.0, 3.0),
    (5.0, 4.0, 8.0),
    (2.0, 10.0, 0.0),
    (3.0, 1.0, 6.0),
    (8.0, 30.0, 20.0),
]

DAMAGE = {
    "cookie_cutter": cookie_cutter,
    "carleton": carleton,
    "gaussian": gaussian_damage,
}


def _density(x, y, s, b):
    """Circular normal density in the encounter plane, mean (b, 0), per-axis sigma s."""
    return np.exp(-((x - b) ** 2 + y**2) / (2.0 * s**2)) / (2.0 * np.pi * s**2)


def _pk_by_quadrature(kind, size, s, b):
    """E[P(|x|)] by 2-D quadrature (scipy.integrate.dblquad) of damage times density."""
    opts = {"epsabs": 1e-11, "epsrel": 1e-11}
    if kind == "cookie_cutter":  # the density over the disc of radius R itself
        val, _ = integrate.dblquad(
            lambda y, x: _density(x, y, s, b),
            -size,
            size,
            lambda x: -np.sqrt(max(size**2 - x**2, 0.0)),
            lambda x: np.sqrt(max(size**2 - x**2, 0.0)),
            **opts,
        )
        return val
    damage = DAMAGE[kind]
    half = 12.0 * s  # density beyond 12 sigma is below 1e-31
    val, _ = integrate.dblquad(
        lambda y, x: float(damage(np.hypot(x, y), size)) * _density(x, y, s, b),
        b - half,
        b + half,
        -half,
        half,
        **opts,
    )
    return val


@pytest.mark.parametrize("kind", ["cookie_cutter", "carleton", "gaussian"])
@pytest.mark.parametrize("size, s, b", CASES)
def test_closed_form_matches_monte_carlo_within_4_standard_errors(kind, size, s, b):
    """Closed forms (derived in ``expected_pk``: Marcum Q / noncentral chi-square for the cookie
    cutter, Marcum 1947 and Przemieniecki 2000; Gaussian products for Carleton and Gaussian,
    Przemieniecki 2000, Driels 2013) against the mean damage of 200,000 circular normal misses,
    within 4 standard errors (binomial for the cookie cutter, sample standard deviation of the
    damage otherwise)."""
    rng = np.random.default_rng([list(DAMAGE).index(kind), CASES.index((size, s, b))])
    x = rng.normal(b, s, N_DRAWS)
    y = rng.normal(0.0, s, N_DRAWS)
    d = DAMAGE[kind](np.hypot(x, y), size)
    mc = d.mean()
    pk = expected_pk(kind, size, s, b)
    if kind == "cookie_cutter":
        se = np.sqrt(pk * (1.0 - pk) / N_DRAWS)
    else:
        se = d.std(ddof=1) / np.sqrt(N_DRAWS)
    assert abs(mc - pk) <= 4.0 * se + 1e-12, (mc, pk, se)


@pytest.mark.parametrize("kind", ["cookie_cutter", "carleton", "gaussian"])
@pytest.mark.parametrize("size, s, b", CASES)
def test_closed_form_matches_quadrature_to_1e_6(kind, size, s, b):
    """Closed forms (``expected_pk``; Przemieniecki 2000, Marcum 1947) against the integral of
    damage times the circular normal density over the plane (scipy.integrate.dblquad), to 1e-6
    absolute."""
    assert abs(expected_pk(kind, size, s, b) - _pk_by_quadrature(kind, size, s, b)) < 1e-6


def test_unbiased_cookie_cutter_is_the_rayleigh_cdf():
    """Zero bias: the miss is Rayleigh, Pk = 1 - exp(-R^2 / (2 s^2)) (Przemieniecki 2000);
    the noncentral chi-square branch with a vanishing bias agrees."""
    big_r, s = 5.0, np.array([0.5, 2.0, 7.0, 50.0])
    want = 1.0 - np.exp(-(big_r**2) / (2.0 * s**2))
    np.testing.assert_allclose(expected_pk("cookie_cutter", big_r, s), want, rtol=1e-12)
    np.testing.assert_allclose(expected_pk("cookie_cutter", big_r, s, 1e-9), want, rtol=1e-9)


@pytest.mark.parametrize("big_r", [0.3, 5.0, 40.0])
def test_carleton_and_cookie_cutter_have_the_same_lethal_area(big_r):
    """Carleton's exp(-r^2/R^2) integrates over the plane to pi R^2, the cookie cutter's area
    (Driels 2013, Przemieniecki 2000), by scipy.integrate.dblquad to 1e-6 relative; the Gaussian
    integrates to 2 pi sigma_d^2, so sigma_d = R / sqrt(2) is its equivalent and then equals
    Carleton's function."""
    area, _ = integrate.dblquad(
        lambda y, x: float(carleton(np.hypot(x, y), big_r)),
        -np.inf,
        np.inf,
        -np.inf,
        np.inf,
        epsabs=0.0,
        epsrel=1e-9,
    )
    assert area == pytest.approx(np.pi * big_r**2, rel=1e-6)
    disc, _ = integrate.dblquad(
        lambda y, x: float(cookie_cutter(np.hypot(x, y), big_r)),
        -big_r,
        big_r,
        lambda x: -np.sqrt(max(big_r**2 - x**2, 0.0)),
        lambda x: np.sqrt(max(big_r**2 - x**2, 0.0)),
        epsabs=0.0,
        epsrel=1e-9,
    )
    assert disc == pytest.approx(area, rel=1e-6)
    sd = big_r / np.sqrt(2.0)
    g_area, _ = integrate.dblquad(
        lambda y, x: float(gaussian_damage(np.hypot(x, y), sd)),
        -np.inf,
        np.inf,
        -np.inf,
        np.inf,
        epsabs=0.0,
        epsrel=1e-9,
    )
    assert g_area == pytest.approx(2.0 * np.pi * sd**2, rel=1e-6)
    r = np.linspace(0.0, 5.0 * big_r, 101)
    np.testing.assert_allclose(gaussian_damage(r, sd), carleton(r, big_r), rtol=1e-14)


@pytest.mark.parametrize("kind", ["cookie_cutter", "carleton", "gaussian"])
def test_zero_sigma_gives_the_damage_at_the_bias(kind):
    """A miss with no spread lands at the bias: E[P] = P(b) (definition of expectation), both
    at s = 0 exactly and as s shrinks to 1e-6 m."""
    size = 5.0
    b = np.array([0.0, 2.0, 4.9, 5.1, 9.0])
    want = DAMAGE[kind](b, size)
    np.testing.assert_allclose(expected_pk(kind, size, 0.0, b), want, atol=1e-15)
    np.testing.assert_allclose(expected_pk(kind, size, 1e-6, b), want, atol=1e-9)


def _rice_cdf_by_quadrature(big_r, s, b):
    """P(|x| <= R) for x ~ N((b, 0), s^2 I): the Rice density (Marcum 1947) integrated by
    scipy.integrate.quad, scaled by i0e to stay finite."""

    def rice(r):
        return r / s**2 * np.exp(-((r - b) ** 2) / (2.0 * s**2)) * special.i0e(r * b / s**2)

    lo = max(b - 40.0 * s, 0.0)
    if lo >= big_r:
        return 0.0
    val, _ = integrate.quad(rice, lo, big_r, epsabs=1e-14, epsrel=1e-12, limit=200)
    return val


@pytest.mark.parametrize("ratio", [1e3, 1e4, 1e5, 1e6, 1e9, 1e12])
def test_cookie_cutter_with_tiny_sigma_near_the_edge(ratio):
    """Bias and lethal radius 1e3 to 1e12 sigmas, where scipy's noncentral chi-square fails:
    the miss (Rice, Marcum 1947) is then normal, mean sqrt(b^2 + s^2), sigma s. Near the edge
    Pk is Phi((R - b) / s); at 1e3 and 1e4 it agrees with the Rice density integrated by
    scipy.integrate.quad to 1e-9. At 1e-200 m of sigma the step is exact."""
    big_r = 5.0
    s = big_r / ratio
    b = np.array([0.5 * big_r, big_r - 2.0 * s, big_r, big_r + s, 2.0 * big_r])
    pk = expected_pk("cookie_cutter", big_r, s, b)
    assert np.all(np.isfinite(pk))
    np.testing.assert_allclose(pk, [1.0, 0.97725, 0.5, 0.15866, 0.0], atol=3e-4)
    if ratio <= 1e4:
        for bi, p in zip(b, pk, strict=True):
            assert p == pytest.approx(_rice_cdf_by_quadrature(big_r, s, bi), abs=1e-9)
    far = expected_pk("cookie_cutter", big_r, big_r * 1e-200, [0.5 * big_r, 2.0 * big_r])
    np.testing.assert_array_equal(far, [1.0, 0.0])


@pytest.mark.parametrize("kind", ["cookie_cutter", "carleton", "gaussian"])
def test_huge_sigma_gives_zero(kind):
    """A spread far beyond the lethal size: E[P] ~ (lethal area) / (2 pi s^2) -> 0
    (Przemieniecki 2000, the small-weapon limit of the coverage integral)."""
    pk = expected_pk(kind, 5.0, np.array([1e4, 1e6, 1e9]), 3.0)
    assert np.all(pk >= 0.0)
    assert pk[0] < 1e-6 and pk[2] < 1e-15
    lethal_area = {"cookie_cutter": np.pi * 25.0, "carleton": np.pi * 25.0}.get(
        kind, 2.0 * np.pi * 25.0
    )
    assert pk[1] == pytest.approx(lethal_area / (2.0 * np.pi * 1e12), rel=1e-6)


def test_damage_functions_values_and_broadcasting():
    """Definitions (Przemieniecki 2000, Driels 2013): cookie cutter 1 inside, 0 outside; Carleton
    exp(-1) at r = R; Gaussian exp(-1/2) at r = sigma_d; arrays broadcast (3, 1) against (4,)."""
    assert cookie_cutter(4.999, 5.0) == 1.0 and cookie_cutter(5.0, 5.0) == 1.0
    assert cookie_cutter(5.001, 5.0) == 0.0
    assert carleton(5.0, 5.0) == pytest.approx(np.exp(-1.0), rel=1e-15)
    assert carleton(0.0, 5.0) == 1.0
    assert gaussian_damage(3.0, 3.0) == pytest.approx(np.exp(-0.5), rel=1e-15)
    miss = np.array([[0.0], [3.0], [7.0]])
    size = np.array([1.0, 2.0, 5.0, 10.0])
    for f in (cookie_cutter, carleton, gaussian_damage):
        out = f(miss, size)
        assert out.shape == (3, 4)
        for i in range(3):
            for j in range(4):
                assert out[i, j] == f(miss[i, 0], size[j])


def test_expected_pk_broadcasts():
    """``expected_pk`` broadcasts size (3, 1, 1), sigma (2, 1) and bias (4,) to (3, 2, 4), each
    element as the scalar call (closed forms of ``expected_pk``)."""
    size = np.array([1.0, 5.0, 12.0])[:, None, None]
    s = np.array([0.0, 3.0])[:, None]
    b = np.array([0.0, 2.0, 6.0, 15.0])
    for kind in DAMAGE:
        out = expected_pk(kind, size, s, b)
        assert out.shape == (3, 2, 4)
        for i in range(3):
            for j in range(2):
                for k in range(4):
                    want = expected_pk(kind, size[i, 0, 0], s[j, 0], b[k])
                    assert out[i, j, k] == pytest.approx(want, rel=1e-12, abs=1e-300)


def test_hit_to_kill_radius_is_the_sum_of_the_radii():
    """Two discs (spheres, or cylinders seen side-on) touch when their centres come within the
    sum of their radii (elementary geometry: the Minkowski sum of two discs); checked against
    sampled points of one disc: a miss just inside the sum overlaps, just outside does not."""
    assert hit_to_kill_radius_m(0.4, 0.05) == pytest.approx(0.45)
    np.testing.assert_allclose(
        hit_to_kill_radius_m(np.array([[0.3], [0.5]]), np.array([0.02, 0.05, 0.1])),
        [[0.32, 0.35, 0.40], [0.52, 0.55, 0.60]],
    )
    a, c = 0.4, 0.05
    ang = np.linspace(0.0, 2.0 * np.pi, 2001)
    rad = np.linspace(0.0, 1.0, 201)[:, None, None]
    pts = (rad * np.stack([np.cos(ang), np.sin(ang)], -1)).reshape(-1, 2)
    for miss, overlap in ((0.999 * (a + c), True), (1.001 * (a + c), False)):
        # the round's disc (centre (miss, 0), radius c) holds a point of the threat's disc
        nearest = np.min(np.linalg.norm(a * pts - np.array([miss, 0.0]), axis=-1))
        assert (nearest <= c) == overlap
        assert (miss <= hit_to_kill_radius_m(a, c)) == overlap


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: cookie_cutter(-1.0, 5.0), "miss_m"),
        (lambda: cookie_cutter(1.0, -5.0), "radius_m"),
        (lambda: carleton(1.0, np.array([5.0, -1.0])), "lethal_radius_m"),
        (lambda: carleton(1.0, 0.0), "lethal_radius_m"),
        (lambda: gaussian_damage(1.0, -2.0), "sigma_d_m"),
        (lambda: gaussian_damage(np.nan, 2.0), "miss_m"),
        (lambda: hit_to_kill_radius_m(-0.1, 0.05), "threat_radius_m"),
        (lambda: hit_to_kill_radius_m(0.1, -0.05), "round_radius_m"),
        (lambda: expected_pk("cookie_cutter", -5.0, 1.0), "lethal_radius_m"),
        (lambda: expected_pk("carleton", 5.0, -1.0), "miss_sigma_m"),
        (lambda: expected_pk("gaussian", 5.0, 1.0, -2.0), "bias_m"),
        (lambda: expected_pk("gaussian", 0.0, 1.0), "lethal_radius_m"),
        (lambda: expected_pk("cookie", 5.0, 1.0), "kind"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, name):
    """Negative (or, for Carleton and Gaussian sizes, zero) radii and sigmas have no meaning
    (the definitions of Przemieniecki 2000): ValueError naming the argument."""
    with pytest.raises(ValueError, match=name):
        call()
