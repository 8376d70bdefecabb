"""``replications.detect_sensor``: which sensor saw each threat first.

Authority: the geometry of the scenario: a long-range radar under the threat's path sees it
before the fire-control radar beside the city, whose horizon is 150 km."""

from __future__ import annotations

import copy

import numpy as np
import yaml
from short_dive import short_dive

from kaminari.engagement.chain import run_chain
from kaminari.scenario import parse_scenario


def test_the_first_detection_names_its_sensor() -> None:
    data = short_dive(reps=6, seed=2, tracks_reps=0)
    far = copy.deepcopy(data["radars"][0])
    far.update(name="far", site={"lat_deg": 34.9, "lon_deg": 136.8, "alt_m": 100},
               max_range_km=1000, revisit_s=1.0)  # fmt: skip
    data["radars"].append(far)
    chain = parse_scenario(yaml.safe_dump(data)).kill_chain()
    rows = run_chain(chain, 6, np.random.default_rng(0)).replications
    assert set(rows["detect_sensor"]) == {"far"}
    alone = dict(data, radars=data["radars"][:1])
    rows = run_chain(parse_scenario(yaml.safe_dump(alone)).kill_chain(), 6,
                     np.random.default_rng(0)).replications  # fmt: skip
    assert set(rows["detect_sensor"]) == {"fc"}
    seen = np.isfinite(rows["detect_t_s"])
    assert seen.all()
