"""Raids from one threat entry: names, start times and starts spread across the heading,
against the WGS84 geodesic of pymap3d (Vincenty's direct problem)."""

import math
from pathlib import Path

import numpy as np
import pytest
from pymap3d.vincenty import vdist, vreckon

from kaminari.threats.flyout import GlideStart, ThreatSpec
from kaminari.threats.guidance import GuidancePlan
from kaminari.threats.raid import expand_raid, offset_across_heading
from kaminari.threats.vehicles import CAV_H

DEG = math.pi / 180.0


@pytest.mark.parametrize("distance_m", [-20e3, -5e3, 5e3, 20e3])
@pytest.mark.parametrize("heading_deg", [0.0, 69.3, 200.0, 350.0])
def test_offset_lies_across_the_heading_at_the_distance_and_keeps_it_parallel(
    distance_m, heading_deg
):
    """The offset point is where the WGS84 geodesic from the start at heading +- 90 deg puts
    it, to 0.5 % of the distance (the sphere against the ellipsoid), and the heading there
    is the start's turned by no more than the convergence of the meridians between them,
    d_lon sin(lat) (0.11 deg over 20 km at 32 N): the track at right angles to the offset."""
    lat, lon = 31.85 * DEG, 124.19 * DEG
    lat2, lon2, h2 = offset_across_heading(lat, lon, heading_deg * DEG, distance_m)
    azimuth = heading_deg + (90.0 if distance_m > 0 else -90.0)
    ref_lat, ref_lon = vreckon(31.85, 124.19, abs(distance_m), azimuth % 360.0)
    error, _ = vdist(math.degrees(lat2), math.degrees(lon2), ref_lat, ref_lon)
    assert error < 0.005 * abs(distance_m)
    turn = (math.degrees(h2) - heading_deg + 180.0) % 360.0 - 180.0
    convergence = abs(math.degrees(lon2 - lon)) * math.sin(lat)
    assert abs(turn) <= 1.05 * convergence + 1e-6


def test_a_raid_entry_makes_named_threats_spaced_in_time_and_across():
    spec = ThreatSpec("hgv", CAV_H, GlideStart(0.5, 2.0, 50e3, 5000.0, 0.0, 1.2),
                      GuidancePlan(10 * DEG), start_t_s=7.0)
    raid = expand_raid(spec, 3, spacing_s=4.0, lateral_spacing_m=10e3)
    assert [t.name for t in raid] == ["hgv-1", "hgv-2", "hgv-3"]
    np.testing.assert_allclose([t.start_t_s for t in raid], [7.0, 11.0, 15.0])
    assert raid[1].start == spec.start  # the middle one starts where the entry says
    d, _ = vdist(*(math.degrees(a) for a in (raid[0].start.lat_rad, raid[0].start.lon_rad,
                                               raid[2].start.lat_rad, raid[2].start.lon_rad)))
    assert abs(d - 20e3) < 100.0
    assert expand_raid(spec, 1) == [spec]
    with pytest.raises(ValueError, match="count"):
        expand_raid(spec, 0)


def test_a_large_raid_gets_track_slots_for_every_threat_unless_the_file_sets_them():
    """Left out of the file, tracker.max_tracks leaves room for the raid: 2 slots per threat
    and 4 more where that is above the default; the scenario as dumped reads back the same;
    a value the file gives is kept."""
    import yaml

    from kaminari.scenario import dump_scenario, parse_scenario

    text = (Path(__file__).parents[1] / "examples" / "raid.yaml").read_text()
    data = yaml.safe_load(text)
    assert parse_scenario(text).tracker.max_tracks == 16  # 6 threats: the default suffices
    data["threats"][0]["count"] = 20  # 23 threats
    big = parse_scenario(yaml.safe_dump(data))
    assert big.tracker.max_tracks == 50
    assert parse_scenario(dump_scenario(big)) == big
    data["tracker"]["max_tracks"] = 10
    assert parse_scenario(yaml.safe_dump(data)).tracker.max_tracks == 10
