"""The Sutton-Graves stagnation-point heat rate (``threats.heating``).

Authority: K. Sutton and R. A. Graves, "A General Stagnation-Point Convective-Heating Equation
for Arbitrary Gas Mixtures", NASA TR R-376 (1971): q = k sqrt(rho / r_n) V^3, k = 1.7415e-4
kg^0.5/m for Earth's air (SI). No worked example of the paper's was found in the reference
library, so the checks are the correlation's defining figures, its scaling laws, and agreement
with the independent correlation of M. E. Tauber, NASA TP-2914 (1989), q = 1.83e-4
sqrt(rho / r_n) V^3 (1 - h_w / h_0), whose cold-wall value lies within 5 % of it.
"""

import numpy as np
import pytest

from kaminari.earth.atmosphere import us76
from kaminari.threats.heating import SUTTON_GRAVES_K_EARTH, stagnation_heat_rate_wpm2

TAUBER_K_EARTH = 1.83e-4  # NASA TP-2914 (1989), cold wall


def test_constant_of_earth_air_is_sutton_and_graves():
    assert SUTTON_GRAVES_K_EARTH == 1.7415e-4


def test_unit_point_gives_the_constant_times_v_cubed():
    """rho = 1 kg/m^3, r_n = 1 m: q = k V^3; at 1 km/s, 174.15 kW/m^2."""
    assert stagnation_heat_rate_wpm2(1.0, 1000.0, 1.0) == pytest.approx(174_150.0, rel=1e-12)


def test_scaling_laws_v_cubed_root_density_inverse_root_radius():
    base = stagnation_heat_rate_wpm2(1e-3, 5000.0, 0.1)
    assert stagnation_heat_rate_wpm2(1e-3, 10000.0, 0.1) / base == pytest.approx(8.0)
    assert stagnation_heat_rate_wpm2(4e-3, 5000.0, 0.1) / base == pytest.approx(2.0)
    assert stagnation_heat_rate_wpm2(1e-3, 5000.0, 0.4) / base == pytest.approx(0.5)


def test_within_five_percent_of_tauber_cold_wall_along_a_glide_corridor():
    """At 30-60 km and 3-7 km/s (US76 density), Sutton-Graves and Tauber's cold-wall form
    agree within 5 % (their constants differ by 4.8 %)."""
    alt = np.linspace(30e3, 60e3, 7)
    rho = us76(alt).density_kgpm3
    for v in (3000.0, 5000.0, 7000.0):
        sg = stagnation_heat_rate_wpm2(rho, v, 0.1)
        tauber = TAUBER_K_EARTH * np.sqrt(rho / 0.1) * v**3
        np.testing.assert_allclose(sg, tauber, rtol=0.05)


def test_cav_h_like_glide_point_is_megawatts_per_square_metre():
    """40 km (US76: 3.996e-3 kg/m^3), 5 km/s, 0.1 m nose: 1.7415e-4 sqrt(0.03996) 1.25e11
    = 4.35 MW/m^2, the order that glide-vehicle studies quote for such conditions."""
    rho = float(us76(40e3).density_kgpm3)
    assert rho == pytest.approx(3.9957e-3, rel=1e-3)  # NOAA-S/T 76-1562, Table I
    q = stagnation_heat_rate_wpm2(rho, 5000.0, 0.1)
    assert q == pytest.approx(4.35e6, rel=0.01)
