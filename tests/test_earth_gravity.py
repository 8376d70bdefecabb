"""Gravitation against closed forms and the WGS84 normal gravity field.

Authorities: Newton's point mass GM / r^2; the J2 potential
U = -GM / r [1 - J2 (a / r)^2 P2(sin phi)], the zonal expansion cut after J2 (Vallado,
"Fundamentals of Astrodynamics and Applications", 4th ed., ch. 8), whose negative gradient the
acceleration must be; and the WGS84 normal gravity at the equator and the poles (NIMA TR8350.2,
3rd ed., Table 3.4: gamma_e = 9.7803253359 m/s^2, gamma_p = 9.8321849378 m/s^2).
Tolerances in m/s^2.
"""

from __future__ import annotations

import numpy as np
import pytest

from kaminari.earth.constants import GM_M3PS2, J2, OMEGA_EARTH_RPS, WGS84_A_M, WGS84_B_M
from kaminari.earth.gravity import gravitation_j2, gravitation_point_mass

GAMMA_EQUATOR_MPS2 = 9.7803253359
"""WGS84 normal gravity at the equator (gravitation less the centrifugal), TR8350.2 Table 3.4."""
GAMMA_POLE_MPS2 = 9.8321849378
"""WGS84 normal gravity at the poles (no centrifugal term there), TR8350.2 Table 3.4."""


def j2_potential(r: np.ndarray) -> np.ndarray:
    """U = -GM / r [1 - J2 (a / r)^2 P2(z / r)], m^2/s^2, at positions (..., 3) in m."""
    rn = np.linalg.norm(r, axis=-1)
    s = r[..., 2] / rn
    p2 = 0.5 * (3.0 * s * s - 1.0)
    return -GM_M3PS2 / rn * (1.0 - J2 * (WGS84_A_M / rn) ** 2 * p2)


def random_positions(n: int, seed: int = 0) -> np.ndarray:
    """Positions with random directions and radii from the surface to geostationary orbit."""
    rng = np.random.default_rng(seed)
    u = rng.normal(size=(n, 3))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    return u * rng.uniform(6.36e6, 4.22e7, size=(n, 1))


def test_j2_is_minus_gradient_of_the_j2_potential():
    # Central differences with a 10 m step: truncation ~ h^2 |U'''| / 6 ~ 1e-10 m/s^2,
    # rounding ~ 1e-16 |U| / h ~ 1e-8 m/s^2; tolerance 1e-7 m/s^2.
    r = random_positions(200)
    r[:4] = [[WGS84_A_M, 0, 0], [0, 0, WGS84_B_M], [0, 0, -WGS84_B_M], [4e6, 4e6, 3e6]]
    h = 10.0
    grad = np.empty_like(r)
    for k in range(3):
        step = np.zeros(3)
        step[k] = h
        grad[:, k] = (j2_potential(r + step) - j2_potential(r - step)) / (2.0 * h)
    assert np.abs(gravitation_j2(r) + grad).max() < 1e-7


def test_point_mass_magnitude_and_direction():
    r = random_positions(100)
    g = gravitation_point_mass(r)
    rn = np.linalg.norm(r, axis=-1)
    np.testing.assert_allclose(np.linalg.norm(g, axis=-1), GM_M3PS2 / rn**2, rtol=1e-14)
    np.testing.assert_allclose(g / np.linalg.norm(g, axis=-1, keepdims=True), -r / rn[:, None])
    np.testing.assert_allclose(gravitation_point_mass(r, gm_m3ps2=1.0), g / GM_M3PS2, rtol=1e-14)


def test_j2_equatorial_gravitation_9_814():
    # Gravitation on the ellipsoid at the equator = normal gravity + centrifugal omega^2 a
    # = 9.78033 + 0.03392 = 9.81424 m/s^2. J2 alone leaves out the normal field's J4 and higher
    # (4e-5 m/s^2 here); tolerance 1e-4 m/s^2.
    g = gravitation_j2([WGS84_A_M, 0.0, 0.0])
    expected = GAMMA_EQUATOR_MPS2 + OMEGA_EARTH_RPS**2 * WGS84_A_M
    assert expected == pytest.approx(9.814, abs=5e-4)
    assert np.linalg.norm(g) == pytest.approx(expected, abs=1e-4)
    np.testing.assert_allclose(g[1:], 0.0, atol=1e-15)
    assert g[0] < 0.0
    # closed form of the J2 field on the equator
    assert -g[0] == pytest.approx(GM_M3PS2 / WGS84_A_M**2 * (1.0 + 1.5 * J2), rel=1e-14)


def test_j2_polar_gravitation_9_832():
    # At the poles there is no centrifugal term. J2 alone leaves out the normal field's J4 and
    # higher (1.2e-4 m/s^2 here); tolerance 2e-4 m/s^2.
    for sign in (1.0, -1.0):
        g = gravitation_j2([0.0, 0.0, sign * WGS84_B_M])
        np.testing.assert_allclose(g[:2], 0.0, atol=1e-15)
        assert -sign * g[2] == pytest.approx(GAMMA_POLE_MPS2, abs=2e-4)


def test_j2_approaches_point_mass_far_away():
    r = np.array([3e8, 1e8, 2e8])  # near the Moon's distance the J2 term is 1.5 J2 (a/r)^2 ~ 5e-7
    np.testing.assert_allclose(gravitation_j2(r), gravitation_point_mass(r), rtol=1e-6)


def test_gravitation_broadcasts_over_leading_axes():
    r = random_positions(18).reshape(2, 3, 3, 3)
    for fn in (gravitation_j2, gravitation_point_mass):
        g = fn(r)
        assert g.shape == (2, 3, 3, 3)
        np.testing.assert_allclose(g[1, 2, 0], fn(r[1, 2, 0]), rtol=1e-15)
        assert fn(r[0, 0, 0]).shape == (3,)
