"""Infrared radiometry of threats (``sensors.infrared``).

Authorities, named per test: the Stefan-Boltzmann law with CODATA 2018 constants (exact in the
2019 SI: sigma = 5.670374419e-8 W m^-2 K^-4); the blackbody fraction table F(0 -> lambda T) of
F. P. Incropera and D. P. DeWitt, "Fundamentals of Heat and Mass Transfer", Table 12.1/12.2
(by edition): F(2898 um K) = 0.250108, F(4000) = 0.480877, F(5000) = 0.633747,
F(6000) = 0.737818, F(10000) = 0.914199; Wien's displacement law (b = 2897.77 um K, CODATA
2018); and the definitions of radiative equilibrium, Lambertian intensity and the inverse-square
law. The worked CAV-H figure is an order-of-magnitude check, printed for docs/assumptions.md.
"""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from kaminari.earth.atmosphere import us76
from kaminari.sensors import infrared as ir
from kaminari.threats.heating import stagnation_heat_rate_wpm2

UM = 1e-6


def test_codata_2018_constants_and_sigma():
    """CODATA 2018: h, c, k exact; sigma = 5.670374419e-8 and c2 = 1.438776877e-2 m K."""
    assert ir.PLANCK_J_S == 6.62607015e-34
    assert ir.LIGHT_SPEED_MPS == 299_792_458.0
    assert ir.BOLTZMANN_J_PER_K == 1.380649e-23
    assert ir.STEFAN_BOLTZMANN_WPM2K4 == pytest.approx(5.670374419e-8, rel=1e-9)
    assert ir._C2_MK == pytest.approx(1.438776877e-2, rel=1e-9)


def test_whole_spectrum_is_stefan_boltzmann():
    """Stefan-Boltzmann: M(T; 0, inf) = sigma T^4, within 0.01 % (here far better)."""
    t = np.array([[50.0, 288.0], [1500.0, 5772.0]])
    m = ir.band_exitance_wpm2(t, 0.0, np.inf)
    assert m.shape == t.shape
    np.testing.assert_allclose(m, ir.STEFAN_BOLTZMANN_WPM2K4 * t**4, rtol=1e-10)
    assert ir.band_exitance_wpm2(0.0, 3 * UM, 5 * UM) == 0.0


@pytest.mark.parametrize(
    ("lambda_t_um_k", "table"),
    [
        (2898.0, 0.250108),
        (4000.0, 0.480877),
        (5000.0, 0.633747),
        (6000.0, 0.737818),
        (10000.0, 0.914199),
    ],
)
def test_band_fractions_match_the_table(lambda_t_um_k, table):
    """Incropera & DeWitt's F(0 -> lambda T) table, within 0.5 % (here within 1e-4; the table
    used c2 = 14,388 um K, CODATA 2018 gives 14,387.77)."""
    assert ir.blackbody_fraction(lambda_t_um_k * UM) == pytest.approx(table, rel=1e-4)


def test_fraction_limits_and_monotone():
    f = ir.blackbody_fraction(np.array([0.0, 500.0, 1000.0, 2000.0, 1e5, np.inf]) * UM)
    assert f[0] == 0.0 and f[-1] == 1.0
    assert np.all(np.diff(f) > 0.0)


def test_series_joins_and_matches_quadrature():
    """The two series (Widger-Woodall above x = 2, Bernoulli below) against adaptive
    quadrature of t^3 / (e^t - 1) (Planck's law itself), within 1e-12, both sides of x = 2."""
    x = np.array([1e-3, 0.3, 1.0, 1.999999, 2.0, 2.000001, 5.0, 20.0, 60.0])
    ref = np.array(
        [
            quad(
                lambda t: t**3 * math.exp(-t) / -math.expm1(-t),
                xi,
                np.inf,
                epsabs=0.0,
                epsrel=1e-13,
            )[0]
            for xi in x
        ]
    )
    np.testing.assert_allclose(ir._tail_integral(x), ref, rtol=1e-12)


def test_band_exitance_peaks_at_wien():
    """Wien's displacement law, lambda_max T = 2897.77 um K (CODATA 2018): a narrow band's
    exitance per unit wavelength is largest there."""
    t = 1000.0
    lam = np.linspace(2.0, 4.0, 2001) * UM
    d = 1e-4 * UM
    per_wl = np.array([ir.band_exitance_wpm2(t, a, a + d) for a in lam])
    assert lam[np.argmax(per_wl)] * t == pytest.approx(2897.77 * UM, rel=1e-3)


def test_radiative_equilibrium_inverts():
    """Definition: eps sigma T^4 = q."""
    q = np.array([1e4, 2e5, 3e6])
    eps = np.array([0.5, 0.8, 0.9])
    t = ir.radiative_equilibrium_temperature_k(q, eps)
    np.testing.assert_allclose(eps * ir.STEFAN_BOLTZMANN_WPM2K4 * t**4, q, rtol=1e-12)


def test_surface_temperature_uses_sutton_graves_fraction():
    """Radiative equilibrium with heat_fraction x the Sutton-Graves rate (NASA TR R-376)."""
    rho, v, rn = 4e-3, 4800.0, 0.1
    q = stagnation_heat_rate_wpm2(rho, v, rn)
    t = ir.surface_temperature_k(rho, v, rn, emissivity=0.85, heat_fraction=0.05)
    assert 0.85 * ir.STEFAN_BOLTZMANN_WPM2K4 * t**4 == pytest.approx(0.05 * q, rel=1e-12)


@pytest.mark.parametrize("alt_m", [30e3, 40e3, 60e3])
@pytest.mark.parametrize("mach", [10.0, 15.0, 20.0])
def test_default_heat_fraction_is_tauber_plate_mean(alt_m, mach):
    """HEAT_FRACTION's reasoning: Tauber's laminar flat plate (NASA TP-2914) averaged over a
    3 m plate at 10 deg (value at x = L/4) is 4.5-5.3 % of the Sutton-Graves rate at 0.1 m."""
    a = us76(alt_m)
    v = mach * a.speed_of_sound_mps
    ratio = ir.laminar_plate_heat_rate_wpm2(
        a.density_kgpm3, v, 0.75, np.radians(10.0)
    ) / stagnation_heat_rate_wpm2(a.density_kgpm3, v, 0.1)
    assert 0.045 <= ratio <= 0.054
    assert ratio == pytest.approx(ir.HEAT_FRACTION, rel=0.1)


def test_intensity_scales_with_area_and_emissivity():
    """Lambertian intensity I = eps M A / pi (definition): linear in A and eps."""
    t = np.array([1000.0, 1500.0])
    base = ir.body_intensity_w_per_sr(t, 3 * UM, 5 * UM, area_m2=1.0, emissivity=1.0)
    np.testing.assert_allclose(base, ir.band_exitance_wpm2(t, 3 * UM, 5 * UM) / math.pi)
    scaled = ir.body_intensity_w_per_sr(t, 3 * UM, 5 * UM, area_m2=2.5, emissivity=0.4)
    np.testing.assert_allclose(scaled, 2.5 * 0.4 * base, rtol=1e-12)


def test_plume_is_the_stated_fraction_of_jet_power():
    """PLUME_BAND_FRACTION of 0.5 mdot v_e^2 over 4 pi sr (own assumption); the generic MRBM
    lands in the 1e5-1e6 W/sr order quoted for MRBM-class motors."""
    i = ir.plume_intensity_w_per_sr(117.0, 2500.0, band_fraction=0.01)
    assert i == pytest.approx(0.01 * 0.5 * 117.0 * 2500.0**2 / (4 * math.pi), rel=1e-12)
    assert 1e5 < i < 1e6
    assert ir.plume_intensity_w_per_sr(0.0, 2500.0) == 0.0


def test_inverse_square_and_transmission():
    """E = tau I / R^2 (inverse-square law of a point source)."""
    r = np.array([1e6, 2e6, 4e6])
    e = ir.irradiance_wpm2(1e4, r)
    np.testing.assert_allclose(e[:-1] / e[1:], 4.0, rtol=1e-12)
    assert ir.irradiance_wpm2(1e4, 1e6, 0.5) == pytest.approx(0.5e4 / 1e12)


def test_extinction_model():
    """Stated model: tau = exp(-tau0 exp(-h/H) / sin el); clear above 16 km by default."""
    ext = ir.Extinction()
    assert ext.transmission(0.0) == pytest.approx(math.exp(-0.4))
    assert np.all(ext.transmission(np.array([16e3, 40e3])) > 0.999)
    assert ext.transmission(0.0, 0.5) == pytest.approx(math.exp(-0.8))
    assert ir.Extinction(0.0).transmission(0.0, 0.0) == 1.0


def test_nei_unit_conversion():
    """1 W/cm^2 = 1e4 W/m^2: the scenario's 1e-15 W/cm^2 is 1e-11 W/m^2."""
    assert ir.nei_wpm2_from_w_per_cm2(1e-15) == pytest.approx(1e-11, rel=1e-12)


def test_snr_threshold():
    """SNR = E / NEI; detection exactly at SNR >= snr_min, at the detection range."""
    nei = 1e-11
    i = 1e4
    r_det = ir.detection_range_m(i, nei, 6.0)
    r = r_det * np.array([0.5, 1.0 - 1e-9, 1.0 + 1e-9, 2.0])
    s = ir.snr(ir.irradiance_wpm2(i, r), nei)
    np.testing.assert_array_equal(s >= 6.0, [True, True, False, False])
    assert s[0] == pytest.approx(24.0)


def test_background_clutter_raises_noise():
    """Earth at 288 K in 3-5 um: the 288 K band exitance / pi per sr of pixel; a clutter
    residual adds in quadrature to the NEI."""
    bg = ir.earth_background_irradiance_wpm2(3 * UM, 5 * UM, 1e-6)
    assert bg == pytest.approx(ir.band_exitance_wpm2(288.0, 3 * UM, 5 * UM) / math.pi * 1e-6)
    e = 6e-11
    assert ir.snr(e, 1e-11, bg, 0.0) == pytest.approx(6.0)
    c = 1e-11 / bg  # residual equal to the NEI
    assert ir.snr(e, 1e-11, bg, c) == pytest.approx(6.0 / math.sqrt(2.0))


def test_worked_cav_h_mach_15_at_40_km():
    """Order-of-magnitude check: a CAV-H at Mach 15, 40 km (US76), defaults (eps 0.8, 5 % of
    the stagnation rate of a 0.1 m nose, 0.4839 m^2), seen in 3-5 um by a 1e-15 W/cm^2 NEI
    sensor at SNR 6. Public statements that gliders are trackable from LEO by their heat
    ask only that this range exceed the few thousand km of a LEO look-down geometry."""
    a = us76(40e3)
    v = 15.0 * a.speed_of_sound_mps
    t = ir.surface_temperature_k(a.density_kgpm3, v, 0.1)
    t_nose = ir.surface_temperature_k(a.density_kgpm3, v, 0.1, heat_fraction=1.0)
    i = ir.body_intensity_w_per_sr(t, 3 * UM, 5 * UM)
    r = ir.detection_range_m(i, ir.nei_wpm2_from_w_per_cm2(1e-15), 6.0)
    print(
        f"\nCAV-H Mach 15 at 40 km: V {v:.0f} m/s, surface {t:.0f} K (nose {t_nose:.0f} K), "
        f"I(3-5 um) {i:.3g} W/sr, detection range {r / 1e3:.0f} km"
    )
    assert 1300.0 < t < 1550.0
    assert 3e3 < i < 3e4
    assert r > 5_000e3
