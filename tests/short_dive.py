"""The short scenario the CLI, campaign, sweep, report and CZML tests share: a CAV-H 420 km
out at 45 km and 4.5 km/s diving onto a city in about 100 s, one fire-control radar beside
it and one railgun battery."""

from __future__ import annotations

import copy
from typing import Any

_SHORT_DIVE: dict[str, Any] = {
    "name": "short dive",
    "epoch": "2027-01-01T00:00:00Z",
    "threats": [{
        "name": "hgv", "vehicle": "cav-h",
        "start": {"lat_deg": 34.4, "lon_deg": 135.4, "alt_km": 45, "speed_mps": 4500,
                  "flight_path_deg": 0, "heading_deg": 64.6},
        "guidance": {"alpha_deg": 10, "dive": {"target": "city", "start_range_km": 300}},
    }],
    "radars": [{
        "name": "fc", "site": {"lat_deg": 35.67, "lon_deg": 139.75, "alt_m": 30},
        "max_range_km": 150, "revisit_s": 0.1,
        "sigma": {"range_m": 2, "azimuth_mrad": 0.1, "elevation_mrad": 0.1},
    }],
    "batteries": [{
        "name": "gun", "site": {"lat_deg": 35.66, "lon_deg": 139.72, "alt_m": 10},
        "muzzle_velocity_mps": 2300, "rate_of_fire_rpm": 10, "magazine": 40,
        "projectile": {"mass_kg": 0.32, "diameter_m": 0.015}, "lethal_radius_m": 5,
        "reaction_s": 1.0,
    }],
    "defended": [{"name": "city", "lat_deg": 35.68, "lon_deg": 139.77}],
    "tracker": {"jerk_psd_m2ps5": 3.0},
    "fire_control": {"max_time_of_flight_s": 4, "max_track_sigma_m": 20},
}  # fmt: skip


def short_dive(reps: int, seed: int, tracks_reps: int) -> dict[str, Any]:
    """A fresh copy of the scenario mapping with these run settings."""
    scenario = copy.deepcopy(_SHORT_DIVE)
    scenario["run"] = {"reps": reps, "seed": seed, "dt_s": 0.1, "t_max_s": 400,
                       "tracks_reps": tracks_reps}
    return scenario
