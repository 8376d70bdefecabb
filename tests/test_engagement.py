"""The kill chain end to end: consistency, the effect of an unannounced weave, and the
statistics' dependence on lethality and dispersion, on a short dive onto a defended point."""

from dataclasses import replace

import numpy as np
import pytest

from kaminari.earth.geodesy import initial_bearing_rad
from kaminari.engagement.chain import KillChain, run_chain
from kaminari.firecontrol.doctrine import Doctrine
from kaminari.sensors.radar import Radar
from kaminari.threats.flyout import GlideStart, ThreatSpec
from kaminari.threats.guidance import BankPlan, DivePlan, GuidancePlan
from kaminari.threats.vehicles import CAV_H
from kaminari.tracking.config import TrackerConfig
from kaminari.weapons.battery import Battery

DEG = np.pi / 180.0
CITY = (35.68 * DEG, 139.77 * DEG)


def _threat(weave: bool = False) -> ThreatSpec:
    """A CAV-H 420 km out at 45 km and 4.5 km/s, diving onto the city from 300 km."""
    lat0, lon0 = 34.4 * DEG, 135.4 * DEG
    heading = float(initial_bearing_rad(lat0, lon0, *CITY))
    bank = BankPlan("weave", amplitude_rad=30 * DEG, period_s=4.0) if weave else BankPlan()
    plan = GuidancePlan(10 * DEG, bank=bank, dive=DivePlan(*CITY, 0.0, 300e3))
    return ThreatSpec("hgv", CAV_H, GlideStart(lat0, lon0, 45e3, 4500.0, 0.0, heading), plan)


def _radar(perfect: bool) -> Radar:
    sigma = (0.0, 0.0, 0.0) if perfect else (2.0, 0.1e-3, 0.1e-3)
    return Radar("fc", 35.67 * DEG, 139.75 * DEG, 30.0, 150e3, 0.1, *sigma,
                 detection_probability=1.0 if perfect else 0.99)


def _battery(**changes) -> Battery:
    return replace(Battery("gun", 35.66 * DEG, 139.72 * DEG, 10.0, reaction_s=1.0), **changes)


def _chain(perfect=True, weave=False, predictor="track", doctrine=None, **battery) -> KillChain:
    return KillChain(
        threats=(_threat(weave),),
        radars=(_radar(perfect),),
        batteries=(_battery(**battery),),
        tracker=TrackerConfig(jerk_psd_m2ps5=3.0),
        doctrine=doctrine or Doctrine(max_time_of_flight_s=4.0, max_track_sigma_m=20.0),
        dt_s=0.1,
        t_max_s=400.0,
        predictor=predictor,
    )


def test_consistency_perfect_information_every_shot_within_1_m_and_the_first_kills():
    """Perfect sensing, no dispersion, no weave and a fire control that knows where the threat
    will be: what is left is aiming, ballistics, timing and lethality, which must agree to
    under 1 m, so the first round kills in every replication."""
    res = run_chain(_chain(predictor="truth"), 5, np.random.default_rng(0))
    shots, reps = res.shots, res.replications
    assert len(shots["miss_m"]) >= 5
    assert np.all(shots["miss_m"][np.isfinite(shots["miss_m"])] < 1.0)
    assert reps["killed"].all()
    first = np.lexsort((shots["fire_t_s"], shots["rep"]))
    _, at = np.unique(shots["rep"][first], return_index=True)
    assert shots["kill"][first[at]].all()


def test_unannounced_weave_makes_misses_grow():
    """With perfect sensing, fire control extrapolates the track with the filter's model; a
    threat that weaves in its dive (30 deg bank reversals every 4 s) moves where that model
    does not expect, and the misses grow."""
    doctrine = Doctrine(max_time_of_flight_s=4.0, max_track_sigma_m=1e4)
    calm = run_chain(_chain(doctrine=doctrine), 10, np.random.default_rng(1)).shots
    weave = run_chain(_chain(weave=True, doctrine=doctrine), 10, np.random.default_rng(1)).shots
    assert np.nanmedian(weave["miss_m"]) > 1.5 * np.nanmedian(calm["miss_m"])


def test_pk_rises_with_lethal_radius_and_falls_with_pointing_dispersion():
    """Seeded replications: a larger lethal radius kills at least as often (the same rounds fly,
    only the verdict changes), and a gun that points worse kills less often."""
    rng = np.random.default_rng
    pk = {}
    for radius in (5.0, 30.0):
        res = run_chain(_chain(perfect=False, lethal_radius_m=radius), 40, rng(2))
        pk[radius] = res.replications["killed"].mean()
    assert pk[30.0] > pk[5.0]
    for sigma in (0.0, 3e-3):
        res = run_chain(_chain(predictor="truth", sigma_pointing_rad=sigma), 40, rng(3))
        pk[sigma] = res.replications["killed"].mean()
    assert pk[0.0] > pk[3e-3]


def test_same_seed_gives_identical_results_and_another_seed_does_not():
    chain = _chain(perfect=False)
    a = run_chain(chain, 8, np.random.default_rng(5))
    b = run_chain(chain, 8, np.random.default_rng(5))
    c = run_chain(chain, 8, np.random.default_rng(6))
    for key in a.shots:
        np.testing.assert_array_equal(a.shots[key], b.shots[key])
    for key in a.replications:
        np.testing.assert_array_equal(a.replications[key], b.replications[key])
    assert not np.array_equal(a.shots["miss_m"], c.shots["miss_m"])


@pytest.mark.parametrize("doctrine", ["shoot-look-shoot", "salvo"])
def test_doctrine_limits_rounds_by_rate_of_fire_and_magazine(doctrine):
    """Rounds from one battery are at least 60 / rpm apart and never more than the magazine;
    a salvo of 2 fires two rounds and no more."""
    d = Doctrine(kind=doctrine, salvo=2, max_time_of_flight_s=6.0, max_track_sigma_m=1e4)
    res = run_chain(_chain(perfect=False, doctrine=d, rate_of_fire_rpm=60.0, magazine=3,
                           lethal_radius_m=0.01), 4, np.random.default_rng(7))
    shots = res.shots
    for rep in range(4):
        t = np.sort(shots["fire_t_s"][shots["rep"] == rep])
        assert 1 <= t.size <= (2 if doctrine == "salvo" else 3)
        assert np.all(np.diff(t) >= 1.0 - 1e-9)
