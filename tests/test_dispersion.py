"""Threat dispersion: each replication flies its own version of a threat, drawn from the
threat's own stream.

Authorities: the circular normal distribution, whose median radial error is its CEP
(CEP = sqrt(2 ln 2) sigma = 1.1774 sigma); and the engagement's own undispersed results, which
a zero dispersion must reproduce exactly.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
import yaml
from short_dive import short_dive

from kaminari.earth.frames import ecef2geodetic
from kaminari.earth.geodesy import ground_range_m
from kaminari.engagement.chain import dispersed_world, run_chain
from kaminari.scenario import parse_scenario
from kaminari.threats.dispersion import CEP_PER_SIGMA, Dispersion, disperse
from kaminari.threats.flyout import fly_threats


def _scenario(dispersion: dict | None, reps: int = 20, **extra: object):
    data = short_dive(reps=reps, seed=3, tracks_reps=2)
    if dispersion is not None:
        data["threats"][0]["dispersion"] = dispersion
    data.update(extra)
    return parse_scenario(yaml.safe_dump(data))


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)


def test_zero_dispersion_gives_the_results_of_no_dispersion_block() -> None:
    plain = _scenario(None).kill_chain()
    zero = _scenario({"aim_cep_m": 0, "weave": {"random_phase": False}}).kill_chain()
    assert not zero.dispersed
    a = run_chain(plain, 12, 3, track_reps=2)
    b = run_chain(zero, 12, 3, track_reps=2)
    for table in ("replications", "shots", "tracks"):
        _same(getattr(a, table), getattr(b, table))


def test_each_replication_flies_its_own_path_from_its_own_stream() -> None:
    chain = _scenario({"aim_cep_m": 200, "start_km": 2, "speed_mps": 30}).kill_chain()
    world = dispersed_world(chain, seed=3, reps=np.arange(10, 16))
    assert not world.shared and world.member.shape == (6, 1)
    impacts = world.impact_r_ecef[:, 0]
    assert np.all(np.linalg.norm(impacts[1:] - impacts[:1], axis=-1) > 1.0)  # all different
    # replication 12 alone, in another batch, flies exactly the same path
    alone = dispersed_world(chain, seed=3, reps=np.array([12]))
    np.testing.assert_array_equal(alone.impact_r_ecef[0, 0], impacts[2])
    # another seed, other paths
    other = dispersed_world(chain, seed=4, reps=np.array([12]))
    assert np.linalg.norm(other.impact_r_ecef[0, 0] - impacts[2]) > 1.0


def test_adding_a_radar_does_not_change_the_threats_a_replication_sees() -> None:
    base = _scenario({"aim_cep_m": 200, "start_km": 2})
    data = yaml.safe_load(yaml.safe_dump(short_dive(reps=8, seed=3, tracks_reps=0)))
    data["threats"][0]["dispersion"] = {"aim_cep_m": 200, "start_km": 2}
    extra = copy.deepcopy(data["radars"][0])
    extra.update(name="second", site={"lat_deg": 35.0, "lon_deg": 139.0, "alt_m": 50})
    data["radars"].append(extra)
    more = parse_scenario(yaml.safe_dump(data))
    a = run_chain(base.kill_chain(), 8, 3)
    b = run_chain(more.kill_chain(), 8, 3)
    for key in ("flight_impact_lat_deg", "flight_impact_lon_deg"):
        np.testing.assert_array_equal(a.replications[key], b.replications[key])
    assert np.isfinite(a.replications["flight_impact_lat_deg"]).all()


def test_aim_cep_sets_the_median_radial_impact_error() -> None:
    """2,000 replications with a 200 m CEP: the median distance from the nominal aim point to
    where each flight lands is the CEP (within 10 %), less the guidance's own miss."""
    spec = _scenario(None).threat_specs()[0]
    dive = spec.guidance.dive
    members = disperse(spec, Dispersion(aim_cep_m=200.0), seed=9, reps=np.arange(2_000))
    drawn = np.array([[m.guidance.dive.target_lat_rad, m.guidance.dive.target_lon_rad]
                      for m in members])  # fmt: skip
    aim_err = ground_range_m(dive.target_lat_rad, dive.target_lon_rad, drawn[:, 0], drawn[:, 1])
    assert np.median(aim_err) == pytest.approx(200.0, rel=0.06)  # 2,000 draws: ~2 % s.e.
    assert np.std(drawn[:, 0]) * 6.371e6 == pytest.approx(200.0 / CEP_PER_SIGMA, rel=0.06)
    flown = fly_threats(members, dt_s=0.1, t_max_s=400.0)
    geo = ecef2geodetic(flown.impact_r_ecef)
    radial = ground_range_m(dive.target_lat_rad, dive.target_lon_rad, geo.lat_rad, geo.lon_rad)
    assert np.isfinite(radial).all()
    assert np.median(radial) == pytest.approx(200.0, rel=0.10)


def test_density_dispersion_scales_the_atmosphere_per_replication() -> None:
    spec = _scenario(None).threat_specs()[0]
    members = disperse(spec, Dispersion(density_frac=0.1), seed=2, reps=np.arange(4_000))
    scale = np.array([m.density_scale for m in members])
    assert np.mean(scale) == pytest.approx(1.0, abs=0.01)
    assert np.std(scale) == pytest.approx(0.1, rel=0.05)
    assert all(m.start == spec.start for m in members)  # nothing else moves


def test_weave_phase_is_uniform_when_random() -> None:
    spec = _scenario(None).threat_specs()[0]
    weave = dataclasses.replace(spec.guidance.bank, kind="weave", amplitude_rad=0.2,
                                period_s=30.0)  # fmt: skip
    spec = dataclasses.replace(spec, guidance=dataclasses.replace(spec.guidance, bank=weave))
    members = disperse(spec, Dispersion(weave_random_phase=True), seed=2, reps=np.arange(4_000))
    phase = np.array([m.guidance.bank.phase_rad for m in members])
    assert phase.min() >= 0.0 and phase.max() < 2 * np.pi
    counts, _ = np.histogram(phase, bins=8, range=(0, 2 * np.pi))
    assert counts.min() > 0.85 * 500 and counts.max() < 1.15 * 500


def test_negative_sigmas_are_refused() -> None:
    with pytest.raises(ValueError, match="aim_cep_m"):
        Dispersion(aim_cep_m=-1.0)


def test_per_replication_truth_of_one_path_gives_the_shared_results(monkeypatch) -> None:
    """The per-replication machinery (one path per replication, looked up by replication)
    fed the nominal path in every replication reproduces the shared-path run exactly: the
    sensors, rounds, kills, truth oracle and track records read the same truth either way."""
    import kaminari.engagement.chain as chain_module
    from kaminari.engagement.truth import Truth

    chain = _scenario(None).kill_chain()
    shared = run_chain(chain, 12, 5, track_reps=2)
    traj = fly_threats(chain.threats, dt_s=chain.dt_s, t_max_s=chain.t_max_s)

    def nominal_everywhere(chain, seed, reps):  # type: ignore[no-untyped-def]
        member = np.zeros((len(reps), 1), dtype=np.intp)
        return Truth(traj, np.array([t.start_t_s for t in chain.threats]), member)

    monkeypatch.setattr(chain_module, "dispersed_world", nominal_everywhere)
    forced = dataclasses.replace(chain, dispersions=(Dispersion(aim_cep_m=1.0),))
    per_rep = run_chain(forced, 12, 5, track_reps=2)
    for table in ("replications", "shots", "tracks"):
        _same(getattr(shared, table), getattr(per_rep, table))
    assert set(per_rep.paths["rep"]) == {0, 1}  # the recorded replications' own paths


def test_the_range_screen_of_visible_any_changes_no_scan() -> None:
    """``Truth.visible_any`` with a radar's range screen (``reach``) against brute force: every
    replication's threat interpolated at every scan time (``at_reps``) and asked of the radar's
    ``covers``. The dispersed start (50 km) spreads the members over the coverage's edge, so
    at some scans only some of them are in view; the answer must be the same at every scan."""
    chain = _scenario({"aim_cep_m": 200, "start_km": 50}).kill_chain()
    reps = np.arange(40)
    world = dispersed_world(chain, seed=3, reps=reps)
    radar = chain.radars[0]
    t = radar.scan_times(0.0, chain.t_max_s)
    screened = world.visible_any(radar.covers, t, (radar.site_ecef(), float(radar.max_range_m)))
    r = world.at_reps(reps, np.broadcast_to(t, (reps.size, t.size)))  # (M, T, K, 3)
    each = radar.covers(np.nan_to_num(r)) & np.isfinite(r[..., 0])
    np.testing.assert_array_equal(screened, each.any(axis=(0, 1)))
    some = each.any(axis=1)  # (M, K)
    assert screened.any() and not screened.all()
    assert np.any(some.any(axis=0) & ~some.all(axis=0))  # scans at the edge: some members only
