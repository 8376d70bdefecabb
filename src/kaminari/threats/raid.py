"""Raids: one threat entry of a scenario standing for several.

``expand_raid`` makes ``count`` copies of a threat named ``NAME-1`` ... ``NAME-N``: each starts
``spacing_s`` after the previous, the first at the entry's own start time, and their start
points are spread across the heading, ``lateral_spacing_m`` apart and centred on the entry's
start point, all flying the entry's heading. A dive target is shared, so spread threats
converge on it. The offset is a great-circle step from the entry's start at right angles to
its heading (spherical destination formula on the IUGG mean radius; across a few tens of
kilometres it agrees with the WGS84 geodesic to well under 0.5 %, like ``earth.geodesy``).
"""

from __future__ import annotations

import math
from dataclasses import replace

from kaminari.earth.constants import MEAN_RADIUS_M
from kaminari.threats.flyout import ThreatSpec

__all__ = ["expand_raid", "offset_across_heading"]


def offset_across_heading(
    lat_rad: float, lon_rad: float, heading_rad: float, distance_m: float
) -> tuple[float, float, float]:
    """The point ``distance_m`` to the right of a heading (to the left when negative), and the
    heading there that is parallel to the one given: (lat_rad, lon_rad, heading_rad)."""
    if distance_m == 0.0:
        return lat_rad, lon_rad, heading_rad
    bearing = heading_rad + math.pi / 2.0
    delta = distance_m / MEAN_RADIUS_M
    lat2 = math.asin(
        math.sin(lat_rad) * math.cos(delta)
        + math.cos(lat_rad) * math.sin(delta) * math.cos(bearing)
    )
    lon2 = lon_rad + math.atan2(
        math.sin(bearing) * math.sin(delta) * math.cos(lat_rad),
        math.cos(delta) - math.sin(lat_rad) * math.sin(lat2),
    )
    lon2 = (lon2 + math.pi) % (2.0 * math.pi) - math.pi
    # the bearing back to the start points to the heading's left for a step to the right (and
    # to its right for a step to the left); a quarter turn from it gives the parallel heading
    y = math.sin(lon_rad - lon2) * math.cos(lat_rad)
    x = math.cos(lat2) * math.sin(lat_rad) - math.sin(lat2) * math.cos(lat_rad) * math.cos(
        lon_rad - lon2
    )
    back = math.atan2(y, x)
    heading2 = (back + math.copysign(math.pi / 2.0, distance_m)) % (2.0 * math.pi)
    return lat2, lon2, heading2


def expand_raid(
    spec: ThreatSpec, count: int, spacing_s: float = 0.0, lateral_spacing_m: float = 0.0
) -> list[ThreatSpec]:
    """``count`` threats from one (see the module docstring); ``count`` 1 gives the threat
    itself, unchanged and with its own name."""
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    if spacing_s < 0.0 or lateral_spacing_m < 0.0:
        raise ValueError(
            f"spacing_s and lateral_spacing_m must be >= 0, got {spacing_s}, {lateral_spacing_m}"
        )
    if count == 1:
        return [spec]
    out = []
    for i in range(count):
        across = (i - 0.5 * (count - 1)) * lateral_spacing_m
        t_s = spec.start_t_s + i * spacing_s
        if spec.launch is not None:  # launched: the launch sites spread across the azimuth
            site = spec.launch
            lat, lon, azimuth = offset_across_heading(
                site.lat_rad, site.lon_rad, site.azimuth_rad, across
            )
            moved = {"launch": replace(site, lat_rad=lat, lon_rad=lon, azimuth_rad=azimuth,
                                       t_s=t_s)}  # fmt: skip
        else:
            lat, lon, heading = offset_across_heading(
                spec.start.lat_rad, spec.start.lon_rad, spec.start.heading_rad, across
            )
            moved = {"start": replace(spec.start, lat_rad=lat, lon_rad=lon, heading_rad=heading)}
        out.append(replace(spec, name=f"{spec.name}-{i + 1}", start_t_s=t_s, **moved))
    return out
