"""The radar equation option of ``sensors.radar.Radar``: detection probability against SNR for
Swerling 0, 1 and 3, the fourth-power range law, cumulative detection along a path, noise
growing as SNR falls, false alarms from Pfa, and the threats' RCS reaching the sensor."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.stats import ncx2

from kaminari.earth.frames import aer2ecef
from kaminari.sensors.radar import (
    MONOPULSE_SLOPE,
    Radar,
    RcsTable,
    albersheim_snr,
    aspect_rad,
    detection_probability_of_snr,
    snr_for_detection_probability,
)
from kaminari.streams import Streams

LAT, LON = math.radians(35.0), math.radians(139.0)

RADAR = Radar(
    name="eq",
    lat_rad=LAT,
    lon_rad=LON,
    alt_m=0.0,
    max_range_m=1_000e3,
    revisit_s=1.0,
    sigma_range_m=5.0,
    sigma_az_rad=0.2e-3,
    sigma_el_rad=0.2e-3,
    snr_ref_db=13.0,
    range_ref_m=300e3,
    rcs_ref_m2=1.0,
    pfa=1e-6,
    swerling=1,
)


def _marcum(snr: float, pfa: float) -> float:
    """Q1(sqrt(2 SNR), sqrt(-2 ln Pfa)) straight from scipy's noncentral chi-square."""
    return float(ncx2.sf(-2.0 * math.log(pfa), 2, 2.0 * snr))


@pytest.mark.parametrize("snr_db", [0.0, 5.0, 10.0, 13.0, 20.0])
@pytest.mark.parametrize("pfa", [1e-4, 1e-6])
def test_swerling_1_and_3_closed_forms_average_the_steady_target_over_their_fluctuation(
    snr_db: float, pfa: float
) -> None:
    """Authority: Swerling (1960) / Richards, "Fundamentals of Radar Signal Processing" (2005),
    ch. 6: a Swerling 1 (3) target's Pd is the steady target's Pd (Marcum Q) averaged over an
    SNR of chi-square law with 2 (4) degrees of freedom about the mean. The closed forms agree
    with that average, by quadrature, within 1 %."""
    mean = 10.0 ** (snr_db / 10.0)
    law = {1: lambda s: math.exp(-s / mean) / mean,
           3: lambda s: 4.0 * s / mean**2 * math.exp(-2.0 * s / mean)}  # fmt: skip
    for case, pdf in law.items():
        def weighted(s: float, pdf=pdf) -> float:  # type: ignore[no-untyped-def]
            return _marcum(s, pfa) * pdf(s)

        average, _ = integrate.quad(weighted, 0, 60 * mean, limit=400)
        closed = float(detection_probability_of_snr(mean, pfa, case))
        assert closed == pytest.approx(average, rel=0.01), case
    assert float(detection_probability_of_snr(mean, pfa, 1)) == pytest.approx(
        pfa ** (1.0 / (1.0 + mean)), rel=1e-12
    )


def test_no_signal_detects_with_the_false_alarm_probability() -> None:
    """Pd(SNR = 0) = Pfa for every case (noise alone crosses the threshold with Pfa; Richards
    2005, ch. 6)."""
    for case in (0, 1, 3):
        assert float(detection_probability_of_snr(0.0, 1e-5, case)) == pytest.approx(1e-5)


@pytest.mark.parametrize("pfa", [1e-3, 1e-4, 1e-5, 1e-6, 1e-7])
def test_steady_target_agrees_with_albersheim_within_half_a_db(pfa: float) -> None:
    """Authority: Albersheim (1981), as given in Richards (2005) ch. 6, stated to about 0.2 dB
    for 0.1 <= Pd <= 0.9, 1e-7 <= Pfa <= 1e-3; the exact Marcum-Q Pd needs an SNR within
    0.5 dB of it for 0.3 <= Pd <= 0.9 over that Pfa range. Below Pd 0.3 the formula as
    published (N = 1) asks for less SNR than the exact Pd (0.9 dB at Pd 0.1, Pfa 1e-6; 4.1 dB
    at Pd 0.1, Pfa 1e-3), and a Monte Carlo of the square-law detector sides with the Marcum
    Q function (``test_steady_target_pd_by_monte_carlo``)."""
    for pd in np.linspace(0.3, 0.9, 7):
        exact = snr_for_detection_probability(float(pd), pfa, 0)
        assert _marcum(exact, pfa) == pytest.approx(pd, abs=1e-9)
        approx = float(albersheim_snr(pd, pfa))
        assert abs(10 * math.log10(exact / approx)) < 0.5, (pd, pfa)


def test_steady_target_pd_by_monte_carlo() -> None:
    """The definition behind the Marcum Q form (Richards 2005, ch. 6): a steady echo of power
    SNR in complex Gaussian noise of unit power, detected where |echo + noise|^2 exceeds
    -ln Pfa; 400,000 draws agree with ``detection_probability_of_snr`` within 4 standard
    errors."""
    rng = np.random.default_rng(11)
    n, pfa = 400_000, 1e-3
    for snr_db in (0.0, 4.0, 8.0, 11.0):
        snr = 10 ** (snr_db / 10)
        noise = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) / math.sqrt(2)
        share = float((np.abs(math.sqrt(snr) + noise) ** 2 > -math.log(pfa)).mean())
        want = float(detection_probability_of_snr(snr, pfa, 0))
        assert abs(share - want) < 4 * math.sqrt(want * (1 - want) / n), snr_db


@pytest.mark.parametrize("case", [0, 1, 3])
def test_half_probability_range_goes_as_the_fourth_root_of_rcs(case: int) -> None:
    """Authority: the radar range equation (Skolnik, "Introduction to Radar Systems", 3rd ed.,
    2001, ch. 2): SNR ~ sigma / R^4, so the range of a given Pd goes as sigma^(1/4); 1 m^2
    against 0.01 m^2 is 10^0.5 = 3.162, within 1 %."""
    radar = replace(RADAR, swerling=case)

    def r50(rcs: float) -> float:
        return optimize.brentq(
            lambda r: float(radar.look_probability(r, rcs)) - 0.5, 1e3, 1e8, xtol=1e-6
        )

    assert r50(1.0) / r50(0.01) == pytest.approx(10**0.5, rel=0.01)
    # the reference itself: SNR_ref at R_ref against sigma_ref
    assert float(radar.snr(300e3, 1.0)) == pytest.approx(10**1.3, rel=1e-12)


def test_first_detection_time_follows_the_cumulative_detection_probability() -> None:
    """Authority: independent looks (Swerling 1 decorrelates scan to scan) give the
    cumulative detection probability P_c(k) = 1 - prod_{j<=k}(1 - Pd_j) (Skolnik 2001, ch. 2,
    cumulative probability of detection). Over 6,000 replications of a threat flying straight
    at the radar (1 s scans, 2 km/s, from 800 km), the share detected by each scan lies within
    3 binomial standard errors (and 0.005) of P_c."""
    n_reps, speed, el = 6_000, 2_000.0, math.radians(10.0)
    draws = Streams(7, np.arange(n_reps))
    times = np.arange(0.0, 300.0, 1.0)
    ranges = 800e3 - speed * times
    first = np.full(n_reps, np.inf)
    exists = np.ones((n_reps, 1), dtype=bool)
    for t, rng_m in zip(times, ranges, strict=True):  # a loop over scans, not replications
        r = aer2ecef(0.3, el, rng_m, LAT, LON, 0.0).reshape(1, 3)
        report = RADAR.measure(float(t), r, exists, draws, rcs_m2=np.array([0.5]))
        hit = report.rep[report.label == 0]
        first[hit] = np.minimum(first[hit], t)
    pd = RADAR.look_probability(ranges, 0.5)
    cumulative = 1.0 - np.cumprod(1.0 - pd)
    seen = np.array([(first <= t).mean() for t in times])
    se = np.sqrt(cumulative * (1.0 - cumulative) / n_reps)
    assert np.all(np.abs(seen - cumulative) <= 3.0 * se + 0.005)
    assert cumulative[0] < 0.01 and cumulative[-1] > 0.99  # the comparison spans the rise


def test_noise_grows_as_snr_falls_down_to_its_floors() -> None:
    """Authority: range sigma = delta R / sqrt(2 SNR) and monopulse angle sigma = theta_3 /
    (k_m sqrt(2 SNR)), k_m = 1.6 (Barton, "Radar System Analysis and Modeling", 2005; Richards,
    Scheer & Holm, "Principles of Modern Radar", 2010, radar measurements), added in
    quadrature to the fixed floor; the measured scatter matches the stated sigma."""
    snr = np.array([1.0, 10.0, 100.0, 1e8])
    sigma = RADAR.noise_sigma(snr)
    thermal_r = RADAR.range_resolution_m / np.sqrt(2 * snr)
    thermal_a = RADAR.beamwidth_rad / (MONOPULSE_SLOPE * np.sqrt(2 * snr))
    np.testing.assert_allclose(sigma[:, 0], np.hypot(thermal_r, 5.0), rtol=1e-12)
    np.testing.assert_allclose(sigma[:, 1], np.hypot(thermal_a, 0.2e-3), rtol=1e-12)
    np.testing.assert_allclose(sigma[:, 2], sigma[:, 1], rtol=1e-12)
    np.testing.assert_allclose(sigma[-1], [5.0, 0.2e-3, 0.2e-3], rtol=1e-4)  # the floors
    assert np.all(np.diff(sigma, axis=0) < 0)
    # measured: a target at the reference range against the reference RCS (SNR 13 dB)
    radar = replace(RADAR, pfa=0.5, swerling=0)  # a low threshold: nearly every look detects
    r = aer2ecef(1.0, math.radians(20.0), 300e3, LAT, LON, 0.0).reshape(1, 3)
    n = 20_000
    report = radar.measure(0.0, r, np.ones((n, 1), bool), Streams(3, np.arange(n)))
    z = report.z[report.label == 0]
    want = radar.noise_sigma(10**1.3)
    np.testing.assert_allclose(z.std(axis=0), want, rtol=0.04)


def test_false_alarms_follow_from_pfa_and_the_cells_searched_unless_given() -> None:
    """The rule of docs/assumptions.md: mean false alarms per scan = Pfa x range cells
    (max_range / range resolution) x beam positions (2 pi (1 - sin el_min) / beamwidth^2),
    unless false_alarms_per_scan is given; a fixed-probability radar has none by default."""
    radar = replace(RADAR, false_alarms_per_scan=None, pfa=1e-9)
    cells = (1_000e3 / 150.0) * 2 * math.pi / math.radians(1.0) ** 2
    assert radar.resolution_cells() == pytest.approx(cells, rel=1e-12)
    assert radar.mean_false_alarms == pytest.approx(1e-9 * cells, rel=1e-12)
    assert radar.clutter
    assert replace(radar, false_alarms_per_scan=0.0).mean_false_alarms == 0.0
    assert not replace(radar, snr_ref_db=None, range_ref_m=None, rcs_ref_m2=None,
                       pfa=None).clutter  # fmt: skip
    report = radar.measure(0.0, np.full((1, 3), np.nan), np.zeros((4_000, 1), bool),
                           Streams(5, np.arange(4_000)))  # fmt: skip
    assert (report.label == -1).sum() / 4_000 == pytest.approx(radar.mean_false_alarms, rel=0.1)


def test_rcs_reaches_the_radar_and_the_fixed_radar_ignores_it() -> None:
    """A smaller target at the same place is detected less often by a radar-equation radar
    (Pd from SNR ~ RCS); the fixed-probability radar detects both alike."""
    r = aer2ecef(0.0, math.radians(10.0), 450e3, LAT, LON, 0.0)
    r2 = np.stack([r, r]).reshape(2, 3)
    n = 4_000
    exists = np.ones((n, 2), bool)
    draws = Streams(9, np.arange(n))
    report = RADAR.measure(0.0, r2, exists, draws, rcs_m2=np.array([1.0, 0.01]))
    share = np.bincount(report.label[report.label >= 0], minlength=2) / n
    want = RADAR.look_probability(450e3, np.array([1.0, 0.01]))
    assert np.all(np.abs(share - want) < 4 * np.sqrt(want * (1 - want) / n) + 1e-3)
    fixed = replace(RADAR, snr_ref_db=None, range_ref_m=None, rcs_ref_m2=None, pfa=None)
    a = fixed.measure(0.0, r2, exists, draws)
    b = fixed.measure(0.0, r2, exists, draws, rcs_m2=np.array([1.0, 0.01]))
    np.testing.assert_array_equal(a.z, b.z)


def test_scenario_radar_and_threat_fields_reach_the_kill_chain() -> None:
    """The scenario's radar-equation fields become the Radar's in SI, and each threat's
    rcs_m2 (a raid's shared) the KillChain's."""
    from kaminari.scenario.loader import parse_scenario

    text = """\
name: radar equation
epoch: 2027-01-01T00:00:00Z
threats:
  - name: hgv
    vehicle: cav-h
    count: 2
    rcs_m2: 0.05
    start: {lat_deg: 33.0, lon_deg: 128.0, alt_km: 50, speed_mps: 5000,
            flight_path_deg: 0, heading_deg: 60}
    guidance: {alpha_deg: 10}
radars:
  - name: r
    site: {lat_deg: 34.5, lon_deg: 135.5}
    max_range_km: 1000
    revisit_s: 1.0
    sigma: {range_m: 20, azimuth_mrad: 1.0, elevation_mrad: 1.0}
    snr_ref_db: 15
    range_ref_km: 500
    rcs_ref_m2: 1
    pfa: 1e-8
    swerling: 3
    beamwidth_mrad: 20
batteries:
  - name: railgun-1
    site: {lat_deg: 35.6, lon_deg: 139.7}
    muzzle_velocity_mps: 2300
    rate_of_fire_rpm: 10
    magazine: 40
    projectile: {mass_kg: 0.32, diameter_m: 0.015}
    lethal_radius_m: 5
"""
    s = parse_scenario(text)
    chain = s.kill_chain()
    assert chain.rcs_m2 == (0.05, 0.05)
    [radar] = chain.radars
    assert isinstance(radar, Radar) and radar.radar_equation
    assert (radar.range_ref_m, radar.pfa, radar.swerling) == (500e3, 1e-8, 3)
    assert radar.beamwidth_rad == pytest.approx(0.02)
    assert radar.false_alarms_per_scan is None  # from pfa
    assert radar.mean_false_alarms == pytest.approx(1e-8 * radar.resolution_cells())


def test_an_rcs_table_interpolates_in_decibels_and_holds_beyond_its_ends() -> None:
    """Authority: linear interpolation in dB between two values is their geometric mean
    halfway; the aspect of a threat flying straight at a radar is 0, away from it 180 deg,
    across its line of sight 90 deg."""
    table = RcsTable((0.0, 90.0, 180.0), (0.01, 1.0, 0.1))
    rad = np.radians
    np.testing.assert_allclose(table.at(rad([0.0, 90.0, 180.0])), [0.01, 1.0, 0.1])
    assert table.at(rad(45.0)) == pytest.approx(math.sqrt(0.01 * 1.0))
    assert table.at(rad(135.0)) == pytest.approx(math.sqrt(1.0 * 0.1))
    assert RcsTable((30.0,), (0.5,)).at(rad(170.0)) == pytest.approx(0.5)
    site = np.array([0.0, 0.0, 0.0])
    r = np.array([[1000.0, 0.0, 0.0]] * 3)
    v = np.array([[-1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 5.0, 0.0]])
    np.testing.assert_allclose(np.degrees(aspect_rad(site, r, v)), [0.0, 180.0, 90.0],
                               atol=1e-9)  # fmt: skip
    with pytest.raises(ValueError, match="ascending"):
        RcsTable((90.0, 0.0), (1.0, 1.0))


def test_a_threat_seen_nose_on_has_its_nose_on_cross_section() -> None:
    """The default example's threat flies at the coastal radar: with a table whose every value
    is 0.05 m^2 the run equals the constant 0.05 m^2 row for row, and a table that is 0.05 m^2
    nose-on (to 20 deg) but 5 m^2 beyond detects it exactly when the constant does, at the same
    draws: the radar sees it 7-13 deg off its nose until well after its first detection."""
    from pathlib import Path

    from kaminari.engagement.chain import run_chain
    from kaminari.scenario.loader import load_scenario

    example = Path(__file__).parents[1] / "examples" / "railgun_point_defense.yaml"
    chain = load_scenario(example).kill_chain()
    radar = replace(chain.radars[0], snr_ref_db=20.0, range_ref_m=500e3, rcs_ref_m2=1.0,
                    pfa=1e-6, swerling=1, false_alarms_per_scan=0.0)  # fmt: skip
    # first detections come within the glide's first 190 s: the runs stop at 240 s (5 times
    # faster than flying on through the dive)
    base = replace(chain, radars=(radar, *chain.radars[1:]), batteries=chain.batteries[:1],
                   t_max_s=240.0)  # fmt: skip

    def detect(rcs: float | RcsTable) -> np.ndarray:
        res = run_chain(replace(base, rcs_m2=(rcs,)), 30, 3)
        return np.asarray(res.replications["detect_t_s"])

    flat = detect(RcsTable((0.0, 180.0), (0.05, 0.05)))
    assert np.all(np.isfinite(flat))  # every replication detected before the stop
    np.testing.assert_array_equal(flat, detect(0.05))
    nose = detect(RcsTable((0.0, 20.0, 21.0, 180.0), (0.05, 0.05, 5.0, 5.0)))
    np.testing.assert_array_equal(nose, flat)  # the radar sees it within 13 deg of its nose
    assert np.median(detect(5.0)) < np.median(nose) - 5.0
