"""The report's map figure: the region with coastlines (each threat's ground track as flown
unengaged, each radar's coverage of a target at ``COVERAGE_ALT_M``, the sites, kills and leaks)
beside a close-up around the defended point, and the geometry it needs: the threats' nominal
flights read from ``truth.parquet`` (``threat_paths``: the campaign wrote them, nothing is flown
here), points a great-circle distance away, a radar's coverage ring (``radar_coverage_deg``),
each threat's reference point and scenario entry, and the Basemap grid. Latitudes and longitudes
in degrees at this edge; ranges in metres.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from numpy.typing import NDArray

from kaminari.earth.constants import MEAN_RADIUS_M
from kaminari.earth.frames import geodetic2ecef
from kaminari.earth.geodesy import ground_range_m
from kaminari.report._coast import draw_boundaries
from kaminari.report._plotstyle import (
    KILL_COLOUR,
    LEAK_COLOUR,
    RADAR_COLOURS,
    Array,
    Table,
    _new_figure,
    _note,
    _style,
    _thin,
    _threat_colour,
)

if TYPE_CHECKING:
    from mpl_toolkits.basemap import Basemap

    from kaminari.scenario import Scenario, ThreatConfig
    from kaminari.sensors.radar import Radar

__all__ = [
    "COVERAGE_ALT_M",
    "ThreatPath",
    "map_figure",
    "radar_coverage_deg",
    "threat_entry",
    "threat_paths",
]

COVERAGE_ALT_M = 40_000.0
"""Target altitude at which radar coverage is drawn: a glide vehicle's typical altitude."""
LAND, SEA = "#efeadf", "#dde9f3"
BASEMAP_SPHERE_M = 6_370_997.0
"""The sphere Basemap projects on unless told otherwise (its ``rsphere``)."""

# --- geometry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThreatPath:
    """One threat's nominal flight from ``truth.parquet``, in time order: times since the epoch
    (s; the first is its start time in a raid), latitude and longitude (deg), altitude (m)."""

    name: str
    t_s: Array
    lat_deg: Array
    lon_deg: Array
    alt_m: Array

    @property
    def start_t_s(self) -> float:
        return float(self.t_s[0]) if self.t_s.size else float("nan")


def threat_paths(truth: Table) -> list[ThreatPath]:
    """Each threat's nominal flight, in the order the threats first appear in ``truth``; rows
    without a finite position are left out."""
    names = np.asarray(truth["threat"]).astype(str)
    t = np.asarray(truth["t_s"], dtype=float)
    lat = np.asarray(truth["lat_deg"], dtype=float)
    lon = np.asarray(truth["lon_deg"], dtype=float)
    alt = np.asarray(truth["alt_m"], dtype=float)
    ok = np.isfinite(t) & np.isfinite(lat) & np.isfinite(lon) & np.isfinite(alt)
    out = []
    for name in dict.fromkeys(names.tolist()):  # a handful of threats: a loop over groups
        rows = np.flatnonzero((names == name) & ok)
        rows = rows[np.argsort(t[rows], kind="stable")]
        out.append(ThreatPath(name, t[rows], lat[rows], lon[rows], alt[rows]))
    return out


def threat_entry(scenario: Scenario, name: str) -> ThreatConfig | None:
    """The scenario's threat entry that the threat ``name`` flew from: the entry of that name,
    or the raid entry whose threats (``ThreatConfig.names``: ``NAME-1`` ... ``NAME-N``) include
    it; None if there is none."""
    for entry in scenario.threats:
        if name in entry.names():
            return entry
    return None


def _destination(lat_rad: float, lon_rad: float, bearing_rad: Array, distance_m: Array) -> Array:
    """Points (lat, lon in rad; stacked on the first axis) at great-circle ``distance_m`` along
    ``bearing_rad`` (broadcast together) on the sphere of the mean radius, which is how
    ``earth.geodesy`` measures ground range."""
    d = np.asarray(distance_m, dtype=float) / MEAN_RADIUS_M
    b = np.asarray(bearing_rad, dtype=float)
    lat2 = np.arcsin(np.sin(lat_rad) * np.cos(d) + np.cos(lat_rad) * np.sin(d) * np.cos(b))
    lon2 = lon_rad + np.arctan2(
        np.sin(b) * np.sin(d) * np.cos(lat_rad), np.cos(d) - np.sin(lat_rad) * np.sin(lat2)
    )
    return np.stack(np.broadcast_arrays(lat2, lon2))


def radar_coverage_deg(
    radar: Radar, alt_m: float = COVERAGE_ALT_M, bearings: int = 360, steps: int = 100
) -> tuple[Array, Array]:
    """The ring (latitudes, longitudes in degrees, each (bearings + 1,), closed) within which
    ``sensors.radar.visible`` says the radar sees a target at ``alt_m``: along each bearing, the
    farthest visible ground range up to the radar's maximum range, to 1 / steps² of that range.
    The visible set along a bearing starts at the site and is one interval (a horizon, an
    elevation floor and a range limit all cut it from the far side), so the farthest of
    ``steps`` ranges that is visible brackets its end, and ``steps`` ranges across that bracket
    find it: 2 steps tests per bearing rather than steps²."""
    from kaminari.sensors.radar import visible

    bearing = np.linspace(0.0, 2.0 * np.pi, bearings + 1)[:, None]
    rows = np.arange(bearing.size)

    def farthest(ground: Array) -> tuple[Array, NDArray[np.intp]]:
        """Per bearing, the farthest visible of ``ground`` (B, K) ranges: (lat, lon) there in
        rad, and its index (0 where none is visible)."""
        lat, lon = _destination(radar.lat_rad, radar.lon_rad, bearing, ground)
        seen = visible(radar, geodetic2ecef(lat, lon, np.full_like(lat, alt_m)))
        k = ground.shape[1]
        far = np.where(seen.any(axis=1), k - 1 - np.argmax(seen[:, ::-1], axis=1), 0)
        return np.stack([lat[rows, far], lon[rows, far]]), far

    coarse = np.broadcast_to(np.linspace(0.0, radar.max_range_m, steps), (bearing.size, steps))
    _, far = farthest(coarse)
    step_m = radar.max_range_m / (steps - 1)
    fine = coarse[rows, far][:, None] + np.linspace(0.0, step_m, steps)[None, :]
    (lat, lon), _ = farthest(np.minimum(fine, radar.max_range_m))
    return np.degrees(lat), np.degrees(lon)


def _reference(scenario: Scenario, path: ThreatPath) -> tuple[float, float, str]:
    """The point (lat, lon in rad, name) that a threat is measured against: its dive target,
    else the first defended point, else where it starts."""
    entry = threat_entry(scenario, path.name)
    dive = scenario.dive_plan(entry) if entry is not None else None
    if entry is not None and dive is not None:
        target = entry.guidance.dive
        name = target.target if target is not None and target.target else "the dive target"
        return dive.target_lat_rad, dive.target_lon_rad, name
    if scenario.defended:
        point = scenario.defended[0]
        return math.radians(point.lat_deg), math.radians(point.lon_deg), point.name
    if path.t_s.size:
        return math.radians(path.lat_deg[0]), math.radians(path.lon_deg[0]), "the start"
    return 0.0, 0.0, "the start"


# --- map -----------------------------------------------------------------------------------


def _nice_step(span: float, lines: int = 5) -> float:
    """A round grid spacing (1, 2 or 5 times a power of ten) giving about ``lines`` lines."""
    raw = max(span, 1e-9) / lines
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1.0, 2.0, 5.0, 10.0) if m * power >= raw)


def _basemap(
    ax: Axes, lat_deg: Array, lon_deg: Array, aspect: float, min_half_m: float, resolution: str
) -> Basemap:
    """An azimuthal equidistant map on ``ax`` that holds every given point with a margin, of
    width / height ``aspect``, drawn with the shipped coastlines at ``resolution`` (by
    ``_coast.draw_boundaries`` from data read once per process, else by Basemap itself)."""
    from mpl_toolkits.basemap import Basemap
    from pyproj import Proj

    lon0 = float(lon_deg[0])
    lon_deg = lon0 + (np.asarray(lon_deg) - lon0 + 180.0) % 360.0 - 180.0  # no antimeridian jump
    lat_c = 0.5 * (np.min(lat_deg) + np.max(lat_deg))
    lon_c = 0.5 * (np.min(lon_deg) + np.max(lon_deg))
    for _ in range(2):  # centre, then centre again on the projected box
        probe = Proj(proj="aeqd", lat_0=lat_c, lon_0=lon_c, R=BASEMAP_SPHERE_M)  # Basemap's
        x, y = probe(lon_deg, lat_deg)
        x_c, y_c = 0.5 * (np.min(x) + np.max(x)), 0.5 * (np.min(y) + np.max(y))
        lon_c, lat_c = (float(v) for v in probe(x_c, y_c, inverse=True))
    half_w = max(0.5 * (np.max(x) - np.min(x)) * 1.1, min_half_m)
    half_h = max(0.5 * (np.max(y) - np.min(y)) * 1.1, min_half_m)
    half_w, half_h = max(half_w, half_h * aspect), max(half_h, half_w / aspect)
    m = Basemap(
        projection="aeqd",
        lat_0=lat_c,
        lon_0=lon_c,
        width=2 * half_w,
        height=2 * half_h,
        resolution=None,
        ax=ax,
    )
    limb = m.drawmapboundary(fill_color=SEA, linewidth=0.8)
    if not draw_boundaries(m, ax, resolution, LAND, SEA, ("0.45", 0.5), ("0.6", 0.4), limb):
        shores = Basemap(
            projection="aeqd",
            lat_0=lat_c,
            lon_0=lon_c,
            width=2 * half_w,
            height=2 * half_h,
            resolution=resolution,
            ax=ax,
        )
        shores.fillcontinents(color=LAND, lake_color=SEA, zorder=0.5)
        shores.drawcoastlines(linewidth=0.5, color="0.45", zorder=0.6)
        shores.drawcountries(linewidth=0.4, color="0.6", zorder=0.6)
    corners_lon, corners_lat = m(
        [0, 2 * half_w, 0, 2 * half_w, half_w, half_w],
        [0, 0, 2 * half_h, 2 * half_h, 0, 2 * half_h],
        inverse=True,
    )
    step = _nice_step(max(np.ptp(corners_lat), np.ptp(corners_lon) * 0.5), 4)
    grid = {"color": "0.55", "linewidth": 0.3, "dashes": [2, 3], "fontsize": 10}
    fmt = (lambda v: f"{v:g}°") if step >= 1 else (lambda v: f"{v:.{_decimals(step)}f}°")
    m.drawparallels(_ticks(corners_lat, step), labels=[1, 0, 0, 0], fmt=fmt, **grid)
    m.drawmeridians(_ticks(corners_lon, step), labels=[0, 0, 0, 1], fmt=fmt, **grid)
    return m


def _ticks(values: Array, step: float) -> Array:
    """Multiples of ``step`` from below the least to above the greatest value (grid lines
    drawn across the map only: Basemap projects every line it is given)."""
    first = math.floor(np.min(values) / step) - 1
    return np.arange(first, math.ceil(np.max(values) / step) + 2) * step


def _decimals(step: float) -> int:
    return max(0, -math.floor(math.log10(step) + 1e-9))


def _sites(scenario: Scenario) -> dict[str, tuple[list[str], Array, Array]]:
    """Names, latitudes and longitudes (deg) of radars, batteries and defended points."""
    groups = {
        "radar": scenario.radars,
        "battery": scenario.batteries,
        "defended": scenario.defended,
    }
    out = {}
    for kind, items in groups.items():
        points = [getattr(item, "site", item) for item in items]  # a defended point is its site
        out[kind] = (
            [item.name for item in items],
            np.array([p.lat_deg for p in points], dtype=float),
            np.array([p.lon_deg for p in points], dtype=float),
        )
    return out


SITE_MARKERS = {
    "radar": ("^", "white", 70, "radar"),
    "battery": ("s", "black", 55, "railgun battery"),
    "defended": ("*", "#ffd92f", 220, "defended point"),
}


def _draw_sites(m: Basemap, ax: Axes, scenario: Scenario) -> None:
    """The sites' markers, and their names where they do not crowd one another: a name is left
    out within 6 % of the map's width of a site already named (defended points first)."""
    named: list[tuple[float, float]] = []
    crowd = 0.06 * max(m.urcrnrx, m.urcrnry)
    for kind in ("defended", "battery", "radar"):
        names, lat, lon = _sites(scenario)[kind]
        if not names:
            continue
        marker, face, size, _ = SITE_MARKERS[kind]
        x, y = m(lon, lat)
        ax.scatter(
            x, y, marker=marker, s=size, facecolor=face, edgecolor="black", linewidth=0.8, zorder=6
        )
        for xi, yi, name in zip(x, y, names, strict=True):
            if any(math.hypot(xi - a, yi - b) < crowd for a, b in named):
                continue
            named.append((xi, yi))
            ax.annotate(
                name,
                (xi, yi),
                textcoords="offset points",
                xytext=(7, 5),
                fontsize=10,
                zorder=7,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
            )


def _outcomes(replications: Table) -> tuple[Array, Array, Array, Array]:
    """Kill (lat, lon) and leak impact (lat, lon), deg, of every replication that has one."""
    killed = np.asarray(replications["killed"], dtype=bool)
    leaked = np.asarray(replications["leaked"], dtype=bool)
    k_lat = np.asarray(replications["kill_lat_deg"], dtype=float)[killed]
    k_lon = np.asarray(replications["kill_lon_deg"], dtype=float)[killed]
    l_lat = np.asarray(replications["impact_lat_deg"], dtype=float)[leaked]
    l_lon = np.asarray(replications["impact_lon_deg"], dtype=float)[leaked]
    keep_k = np.isfinite(k_lat) & np.isfinite(k_lon)
    keep_l = np.isfinite(l_lat) & np.isfinite(l_lon)
    return k_lat[keep_k], k_lon[keep_k], l_lat[keep_l], l_lon[keep_l]


def _draw_outcomes(m: Basemap, ax: Axes, replications: Table) -> None:
    k_lat, k_lon, l_lat, l_lon = _outcomes(replications)
    if k_lat.size:
        i = _thin(k_lat.size)
        x, y = m(k_lon[i], k_lat[i])
        ax.scatter(
            x, y, s=34, color=KILL_COLOUR, alpha=0.75, edgecolor="white", linewidth=0.5, zorder=8
        )
    if l_lat.size:  # larger than a site's marker: a leak onto the defended point stays visible
        i = _thin(l_lat.size)
        x, y = m(l_lon[i], l_lat[i])
        ax.scatter(x, y, s=110, marker="x", color=LEAK_COLOUR, linewidth=2.2, alpha=0.9, zorder=8)


def map_figure(
    scenario: Scenario,
    paths: Sequence[ThreatPath],
    replications: Table,
    coverage_alt_m: float = COVERAGE_ALT_M,
) -> Figure:
    """Two maps with coastlines: the region (threat ground tracks from ``paths``, radar coverage
    of a target at ``coverage_alt_m``, the sites, kills and leaks) and a close-up around the
    defended point (or the batteries) with the kill and impact points of every replication."""
    with _style():
        fig = _new_figure(13, 6.6)
        region_ax, near_ax = fig.subplots(1, 2, width_ratios=[1.35, 1])
        radars = scenario.radar_models()
        rings = [radar_coverage_deg(r, coverage_alt_m) for r in radars]
        tracks = [(p.lat_deg, p.lon_deg, p.alt_m) for p in paths]
        staggered = any(p.start_t_s > 0.0 for p in paths)
        sites = _sites(scenario)
        lat_all = np.concatenate(
            [t[0] for t in tracks] + [r[0] for r in rings] + [s[1] for s in sites.values()]
        )
        lon_all = np.concatenate(
            [t[1] for t in tracks] + [r[1] for r in rings] + [s[2] for s in sites.values()]
        )
        span_m = 2.0 * float(
            np.max(
                ground_range_m(
                    math.radians(lat_all[0]),
                    math.radians(lon_all[0]),
                    np.radians(lat_all),
                    np.radians(lon_all),
                )
            )
        )
        m = _basemap(region_ax, lat_all, lon_all, 1.15, 50_000.0, "l" if span_m > 3e6 else "i")
        handles: list[Any] = []
        for i, (radar, (lat, lon)) in enumerate(zip(radars, rings, strict=True)):
            colour = RADAR_COLOURS[i % len(RADAR_COLOURS)]
            x, y = m(lon, lat)
            region_ax.fill(x, y, color=colour, alpha=0.10, zorder=1)
            region_ax.plot(x, y, color=colour, linewidth=1.2, zorder=2)
            handles.append(
                Line2D(
                    [],
                    [],
                    color=colour,
                    linewidth=1.2,
                    label=f"{radar.name}: sees a target at {coverage_alt_m / 1e3:g} km inside",
                )
            )
        for k, (lat, lon, _) in enumerate(tracks):
            if lat.size == 0:
                continue
            x, y = m(lon, lat)
            region_ax.plot(x, y, color=_threat_colour(k), linewidth=1.8, zorder=3)
            region_ax.plot(x[0], y[0], "o", color=_threat_colour(k), markersize=5, zorder=3)
            handles.append(
                Line2D(
                    [],
                    [],
                    color=_threat_colour(k),
                    linewidth=1.8,
                    marker="o",
                    markevery=[0],
                    markersize=5,
                    label=f"{paths[k].name}: ground track, flown unengaged"
                    + (f", from {paths[k].start_t_s:g} s" if staggered else ""),
                )
            )
        _draw_outcomes(m, region_ax, replications)
        _draw_sites(m, region_ax, scenario)
        region_ax.set_title("Region: threats, radar coverage, sites")

        _near_map(near_ax, scenario, tracks, replications)
        handles += _outcome_handles(replications) + _site_handles(scenario)
        fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
    return fig


def _near_map(
    ax: Axes, scenario: Scenario, tracks: Sequence[tuple[Array, Array, Array]], replications: Table
) -> None:
    """The close-up: around the first defended point (or the batteries), wide enough for the
    batteries and most kills and impacts."""
    sites = _sites(scenario)
    if scenario.defended:
        lat_c, lon_c = sites["defended"][1][0], sites["defended"][2][0]
    elif scenario.batteries:
        lat_c, lon_c = float(np.mean(sites["battery"][1])), float(np.mean(sites["battery"][2]))
    else:
        _note(ax, "no defended point and no battery to centre a close-up on")
        return
    k_lat, k_lon, l_lat, l_lon = _outcomes(replications)
    lat_p = np.concatenate([sites["battery"][1], sites["defended"][1], k_lat, l_lat])
    lon_p = np.concatenate([sites["battery"][2], sites["defended"][2], k_lon, l_lon])
    dist = ground_range_m(
        math.radians(lat_c), math.radians(lon_c), np.radians(lat_p), np.radians(lon_p)
    )
    half_m = float(np.clip(1.3 * np.percentile(dist, 98) if dist.size else 0.0, 8_000, 150_000))
    lat_b, lon_b = _destination(
        math.radians(lat_c),
        math.radians(lon_c),
        np.radians([0.0, 90.0, 180.0, 270.0]),
        np.full(4, half_m),
    )
    m = _basemap(ax, np.degrees(lat_b), np.degrees(lon_b), 1.0, 4_000.0, "i")
    for k, (lat, lon, _) in enumerate(tracks):
        if lat.size:
            x, y = m(lon, lat)
            ax.plot(x, y, color=_threat_colour(k), linewidth=1.6, zorder=3)
    _draw_outcomes(m, ax, replications)
    _draw_sites(m, ax, scenario)
    ax.set_xlim(0, m.urcrnrx)
    ax.set_ylim(0, m.urcrnry)
    n_k, n_l = k_lat.size, l_lat.size
    n_reps = np.unique(np.asarray(replications["rep"])).size
    ax.set_title(
        f"Close-up: {n_k:,} kill{'s' * (n_k != 1)}, {n_l:,} leak{'s' * (n_l != 1)} in "
        f"{n_reps:,} replication{'s' * (n_reps != 1)}"
    )
    bar_km = _nice_step(2 * half_m / 1e3 / 4, 1)
    x0, y0 = 0.06 * m.urcrnrx, 0.06 * m.urcrnry
    ax.plot(
        [x0, x0 + bar_km * 1e3],
        [y0, y0],
        color="black",
        linewidth=3,
        zorder=8,
        solid_capstyle="butt",
    )
    ax.annotate(
        f"{bar_km:g} km",
        (x0 + bar_km * 500, y0),
        textcoords="offset points",
        xytext=(0, 5),
        ha="center",
        fontsize=10,
        zorder=8,
    )


def _outcome_handles(replications: Table) -> list[Any]:
    k_lat, _, l_lat, _ = _outcomes(replications)
    return [
        Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=5,
            color=KILL_COLOUR,
            label=f"kill ({k_lat.size:,})",
        ),
        Line2D(
            [],
            [],
            linestyle="none",
            marker="x",
            markersize=7,
            color=LEAK_COLOUR,
            markeredgewidth=1.4,
            label=f"leak: ground impact ({l_lat.size:,})",
        ),
    ]


def _site_handles(scenario: Scenario) -> list[Any]:
    out = []
    for kind, (names, _, _) in _sites(scenario).items():
        if names:
            marker, face, size, label = SITE_MARKERS[kind]
            out.append(
                Line2D(
                    [],
                    [],
                    linestyle="none",
                    marker=marker,
                    markerfacecolor=face,
                    markeredgecolor="black",
                    markersize=math.sqrt(size),
                    label=label,
                )
            )
    return out
