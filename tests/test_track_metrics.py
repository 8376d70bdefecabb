"""OSPA and GOSPA of each recorded replication's tracks against its threats
(``engagement.chain``, ``metrics.parquet``): what the engagement scores, checked against the
metrics' definitions where the answer is known in closed form (Schuhmacher, Vo & Vo 2008;
Rahmathullah, Garcia-Fernandez & Svensson 2017); the metric functions themselves are checked
in tests/test_metrics.py and against Stone Soup in tests/test_interop.py."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd

from kaminari.engagement.chain import METRIC_CUTOFF_M, run_chain
from kaminari.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def test_the_raid_is_scored_in_its_recorded_replications():
    chain = load_scenario(ROOT / "examples" / "raid.yaml").kill_chain()
    res = run_chain(dataclasses.replace(chain, t_max_s=285.0), 4, 5, rep0=10, track_reps=2)
    m = pd.DataFrame(res.metrics)
    assert set(m.rep) == {10, 11}  # the recorded replications, numbered as run
    c = METRIC_CUTOFF_M
    assert ((m.ospa_m >= 0) & (m.ospa_m <= c + 1e-9)).all()
    # no confirmed track while threats fly: every threat is missed, OSPA is the cutoff and
    # GOSPA (p = 2, alpha = 2) is (c^2 / 2 n)^(1/2)
    blind = m[(m.tracks == 0) & (m.threats > 0)]
    assert len(blind) > 0
    np.testing.assert_allclose(blind.ospa_m, c)
    np.testing.assert_allclose(blind.gospa_m, np.sqrt(c**2 / 2 * blind.threats))
    assert (blind.gospa_missed == blind.threats).all()
    # tracks on every threat of the raid late in the glide: OSPA well under the cutoff
    held = m[(m.tracks == m.threats) & (m.threats == 6) & (m.t_s > 200) & (m.t_s < 280)]
    assert len(held) > 0 and held.ospa_m.median() < 0.3 * c
    # GOSPA's counts and the distance agree: distance^2 >= c^2 / 2 (missed + false)
    assert (m.gospa_m**2 + 1e-6 >= c**2 / 2 * (m.gospa_missed + m.gospa_false)).all()


def test_no_recorded_replication_no_scores():
    chain = load_scenario(ROOT / "examples" / "raid.yaml").kill_chain()
    res = run_chain(dataclasses.replace(chain, t_max_s=30.0), 2, 5, track_reps=0)  # 30 s do
    assert res.metrics == {}
