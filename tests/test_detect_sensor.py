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
    rows = run_chain(chain, 6, 0).replications
    assert set(rows["detect_sensor"]) == {"far"}
    alone = dict(data, radars=data["radars"][:1])
    rows = run_chain(parse_scenario(yaml.safe_dump(alone)).kill_chain(), 6,
                     0).replications  # fmt: skip
    assert set(rows["detect_sensor"]) == {"fc"}
    seen = np.isfinite(rows["detect_t_s"])
    assert seen.all()


def test_the_first_fire_control_quality_track_is_read_off_the_tracks() -> None:
    """``fc_track_t_s``: the first scan at which a confirmed track, updated by the threat's
    detection, has a position sigma within ``max_track_sigma_m``: the same time read
    independently off the recorded track rows (their variances and status), and never before
    the track's confirmation."""
    from kaminari.tracking.tracker import CONFIRMED

    data = short_dive(reps=4, seed=3, tracks_reps=4)
    data["fire_control"]["max_track_sigma_m"] = 8.0
    chain = parse_scenario(yaml.safe_dump(data)).kill_chain()
    res = run_chain(chain, 4, 2, track_reps=4)
    rows, tracks = res.replications, res.tracks
    sigma = np.sqrt(tracks["var_x_m2"] + tracks["var_y_m2"] + tracks["var_z_m2"])
    for r in range(4):
        mine = ((tracks["rep"] == r) & (tracks["threat"] == "hgv")
                & (tracks["status"] == CONFIRMED) & (sigma <= 8.0))  # fmt: skip
        expected = tracks["t_s"][mine].min() if mine.any() else np.nan
        np.testing.assert_equal(rows["fc_track_t_s"][r], expected)
    both = np.isfinite(rows["fc_track_t_s"])
    assert both.any() and np.all(rows["fc_track_t_s"][both] >= rows["track_t_s"][both])


def test_track_rows_name_the_sensor_of_each_update() -> None:
    data = short_dive(reps=2, seed=3, tracks_reps=2)
    far = copy.deepcopy(data["radars"][0])
    far.update(name="far", site={"lat_deg": 34.9, "lon_deg": 136.8, "alt_m": 100},
               max_range_km=1000, revisit_s=1.0)  # fmt: skip
    data["radars"].append(far)
    chain = parse_scenario(yaml.safe_dump(data)).kill_chain()
    tracks = run_chain(chain, 2, 0, track_reps=2).tracks
    updated = tracks["threat"] != ""
    assert set(tracks["sensor"][updated]) == {"fc", "far"}  # both radars update the track
    assert set(tracks["sensor"][~updated]) <= {""}
    # the fire-control radar updates only within its 150 km range: after the far one began
    t_fc = tracks["t_s"][tracks["sensor"] == "fc"].min()
    assert t_fc > tracks["t_s"][tracks["sensor"] == "far"].min()
