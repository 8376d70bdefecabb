"""The report's map figure: the region with coastlines (each threat's ground track as flown
unengaged, each radar's coverage of a target at ``COVERAGE_ALT_M``, the sites, kills and leaks)
beside a close-up around the defended point, and the geometry it needs: the threats' nominal
flights read from ``truth.parquet`` (``threat_paths``: the campaign wrote them, nothing is flown
here), points a great-circle distance away, a radar's coverage ring (``radar_coverage_deg``),
each threat's reference point and scenario entry, and the Basemap grid. Latitudes and longitudes
in degrees at this edge; ranges in metres.

A dispersed threat flies its own path in each replication: the map draws the recorded ones
(``paths.parquet``, ``replication_paths``) thin over the nominal track, and, in an inset of the
close-up in km east and north of the aim point, where each replication's own flight reached the
ground with the circle of the empirical CEP (``summary.impact_spreads``): a spread of a few
hundred metres does not show on a map of a thousand kilometres.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle
from matplotlib.patheffects import withStroke
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray

from kaminari.earth.constants import MEAN_RADIUS_M
from kaminari.earth.frames import geodetic2ecef
from kaminari.earth.geodesy import ground_range_m, initial_bearing_rad
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
from kaminari.report.summary import FLIGHT_IMPACT, ImpactSpread, dive_targets, impact_spreads

if TYPE_CHECKING:
    from mpl_toolkits.basemap import Basemap

    from kaminari.scenario import Scenario, ThreatConfig
    from kaminari.sensors.radar import Radar

__all__ = [
    "COVERAGE_ALT_M",
    "ThreatPath",
    "map_figure",
    "radar_coverage_deg",
    "replication_paths",
    "threat_entry",
    "threat_paths",
]

COVERAGE_ALT_M = 40_000.0
"""Target altitude at which radar coverage is drawn: a glide vehicle's typical altitude."""
LAND, SEA = "#efeadf", "#dde9f3"
BASEMAP_SPHERE_M = 6_370_997.0
"""The sphere Basemap projects on unless told otherwise (its ``rsphere``)."""
OWN_PATH_POINTS = 400
"""At most this many points of a replication's own path on the region map (evenly spaced)."""
KILLED_IMPACT = "0.45"
"""The edge of a killed threat's flight impact point (hollow): where it would have landed."""
OWN_PATHS, IMPACT_KILLED, IMPACT_LEAKED = "own paths", "impacts killed", "impacts leaked"
"""The ``gid`` of what the map draws of dispersed threats: their own paths and flight impact
points (for a reader of the figure, as the tests are)."""

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


def replication_paths(paths: Table) -> dict[str, list[ThreatPath]]:
    """Each threat's own flights from ``paths.parquet`` (``rep`` and ``truth``'s columns), one
    per recorded replication in replication order, the threats in the order they first
    appear; rows without a finite position are left out."""
    names = np.asarray(paths["threat"]).astype(str)
    rep = np.asarray(paths["rep"], dtype=np.int64)
    t = np.asarray(paths["t_s"], dtype=float)
    lat = np.asarray(paths["lat_deg"], dtype=float)
    lon = np.asarray(paths["lon_deg"], dtype=float)
    alt = np.asarray(paths["alt_m"], dtype=float)
    threats = list(dict.fromkeys(names.tolist()))
    uniq, inverse = np.unique(names, return_inverse=True)
    code = np.array([threats.index(n) for n in uniq.tolist()], dtype=np.int64)[inverse]
    rows = np.flatnonzero(np.isfinite(t) & np.isfinite(lat) & np.isfinite(lon) & np.isfinite(alt))
    rows = rows[np.lexsort((t[rows], rep[rows], code[rows]))]
    cut = np.flatnonzero((np.diff(code[rows]) != 0) | (np.diff(rep[rows]) != 0)) + 1
    out: dict[str, list[ThreatPath]] = {}
    for group in np.split(rows, cut) if rows.size else []:  # threats x recorded replications
        name = threats[code[group[0]]]
        out.setdefault(name, []).append(
            ThreatPath(name, t[group], lat[group], lon[group], alt[group])
        )
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
                zorder=9,  # above the kills and leaks: a name stays readable
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
            )


NETWORK_COLOURS = {"tracks": "#6a3d9a", "measurements": "#1b7837"}
"""Link arrows by what they carry."""


def _draw_network(m: Basemap, ax: Axes, scenario: Scenario) -> list[Any]:
    """The nodes (diamonds, named with their nation; a ship with its course over the first
    10 minutes) and the links between them (arrows, labelled with latency and loss); the
    legend's handles (none without a network)."""
    if not scenario.nodes:
        return []
    where: dict[str, tuple[float, float]] = {}
    for node in scenario.nodes:
        place = node.ship if node.ship is not None else node.site
        assert place is not None
        x, y = m(place.lon_deg, place.lat_deg)
        where[node.name] = (x, y)
        ax.scatter([x], [y], marker="D", s=60, facecolor="#cab2d6", edgecolor="black",
                   linewidth=0.8, zorder=7)
        ax.annotate(node.name, (x, y), textcoords="offset points",
                    xytext=(-7, -13), ha="right", fontsize=9, zorder=9, color="#3f007d",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                          "alpha": 0.75})  # fmt: skip
        if node.ship is not None and node.ship.speed_mps > 0:
            from kaminari.sensors.platform import ShipTrack

            track = ShipTrack(node.ship.lat_rad, node.ship.lon_rad,
                              math.radians(node.ship.course_deg), node.ship.speed_mps)
            lat, lon = track.position(np.linspace(0.0, 600.0, 11))
            sx, sy = m(np.degrees(lon), np.degrees(lat))
            ax.plot(sx, sy, color="#3f007d", linewidth=2.0, zorder=7)
    for link in scenario.links:
        (x0, y0), (x1, y1) = where[link.source], where[link.to]
        colour = NETWORK_COLOURS[link.carries]
        ax.annotate("", (x1, y1), (x0, y0), zorder=7,
                    arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 1.4,
                                "shrinkA": 6, "shrinkB": 6, "linestyle": "--"})  # fmt: skip
    handles: list[Any] = [
        Line2D([], [], marker="D", linestyle="none", markerfacecolor="#cab2d6",
               markeredgecolor="black", label="network node; a ship's course over 10 min")
    ]
    for link in scenario.links:
        handles.append(Line2D(
            [], [], color=NETWORK_COLOURS[link.carries], linestyle="--",
            label=f"{link.source} -> {link.to}: {link.carries}, {link.latency_s:g} s "
            f"(+-{link.jitter_s:g}), {100 * link.loss:g} % lost",
        ))  # fmt: skip
    return handles


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
    own: Mapping[str, Sequence[ThreatPath]] | None = None,
) -> Figure:
    """Two maps with coastlines: the region (threat ground tracks from ``paths``, radar coverage
    of a target at ``coverage_alt_m``, the sites, kills and leaks) and a close-up around the
    defended point (or the batteries) with the kill and impact points of every replication.
    For dispersed threats (``summary.impact_spreads`` of the table's flight impact points):
    their own paths of ``own`` (``replication_paths``) thin under the nominal tracks, and an
    inset of the close-up in km around the aim point with every replication's flight impact
    point and the circle of each threat's empirical CEP."""
    colour_of = {p.name: _threat_colour(k) for k, p in enumerate(paths)}
    spreads = impact_spreads(replications, dive_targets(scenario))
    own = {name: list(flights) for name, flights in (own or {}).items() if flights}
    if all(c in replications for c in FLIGHT_IMPACT):  # those of the dispersed threats only
        own = {name: flights for name, flights in own.items() if name in spreads}
    for name in [*own, *spreads]:
        colour_of.setdefault(name, _threat_colour(len(colour_of)))
    with _style():
        fig = _new_figure(13, 6.6 + 0.3 * bool(own or spreads))
        region_ax, near_ax = fig.subplots(1, 2, width_ratios=[1.35, 1])
        radars = scenario.radar_models()
        rings = [radar_coverage_deg(r, coverage_alt_m) for r in radars]
        tracks = [(p.lat_deg, p.lon_deg, p.alt_m) for p in paths]
        staggered = any(p.start_t_s > 0.0 for p in paths)
        sites = _sites(scenario)
        starts = [np.array([f.lat_deg[0], f.lon_deg[0]]) for fs in own.values() for f in fs]
        lat_all = np.concatenate(
            [t[0] for t in tracks]
            + [r[0] for r in rings]
            + [s[1] for s in sites.values()]
            + [s[:1] for s in starts]
        )
        lon_all = np.concatenate(
            [t[1] for t in tracks]
            + [r[1] for r in rings]
            + [s[2] for s in sites.values()]
            + [s[1:] for s in starts]
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
        _draw_own_paths(region_ax, m, own, colour_of)
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
                    + (f", from {paths[k].start_t_s:g} s" if staggered else "")
                    + (" (nominal)" if paths[k].name in own or paths[k].name in spreads else ""),
                )
            )
        _draw_outcomes(m, region_ax, replications)
        _draw_sites(m, region_ax, scenario)
        handles += _draw_network(m, region_ax, scenario)
        region_ax.set_title("Region: threats, radar coverage, sites"
                            + (", network" if scenario.nodes else ""))

        near = _near_map(near_ax, scenario, tracks, replications, own, colour_of)
        if spreads:
            if near is None:  # no close-up to hold an inset: the panel is the impacts' own
                near_ax.clear()
                near_ax.set_axis_on()
                _impact_panel(near_ax, scenario, spreads, own, paths, colour_of)
                near_ax.set_title("Where each replication's own flight reached the ground")
            else:
                _impact_inset(near_ax, *near, scenario, spreads, own, paths, colour_of)
        handles += (
            _spread_handles(spreads, own, colour_of)
            + _outcome_handles(replications)
            + _site_handles(scenario)
        )
        fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
    return fig


def _draw_own_paths(
    ax: Axes,
    project: Any,
    own: Mapping[str, Sequence[ThreatPath]],
    colour_of: Mapping[str, str],
    most: int = OWN_PATH_POINTS,
) -> None:
    """Each replication's own path, thin and translucent in its threat's colour, under the
    nominal tracks: ``project(lon, lat)`` gives the axes' coordinates; at most ``most`` points
    of each path, evenly spaced."""
    for name, flights in own.items():
        segments = []
        for f in flights:
            i = _thin(f.lat_deg.size, most)
            x, y = project(f.lon_deg[i], f.lat_deg[i])
            segments.append(np.column_stack([x, y]))
        ax.add_collection(
            LineCollection(
                segments,
                colors=colour_of[name],
                linewidths=0.7,
                alpha=0.5,
                zorder=2.9,
                gid=OWN_PATHS,
            ),
            autolim=False,
        )


def _near_map(
    ax: Axes,
    scenario: Scenario,
    tracks: Sequence[tuple[Array, Array, Array]],
    replications: Table,
    own: Mapping[str, Sequence[ThreatPath]] | None = None,
    colour_of: Mapping[str, str] | None = None,
) -> tuple[Basemap, Array] | None:
    """The close-up: around the first defended point (or the batteries), wide enough for the
    batteries and most kills and impacts; with the dispersed threats' own paths of ``own``.
    Returns its map and where it is crowded (points drawn, in axes fractions, (N, 2)), or None
    (and a note in the panel) without a defended point or battery to centre it on."""
    sites = _sites(scenario)
    if scenario.defended:
        lat_c, lon_c = sites["defended"][1][0], sites["defended"][2][0]
    elif scenario.batteries:
        lat_c, lon_c = float(np.mean(sites["battery"][1])), float(np.mean(sites["battery"][2]))
    else:
        _note(ax, "no defended point and no battery to centre a close-up on")
        return None
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
    near_own = {
        name: [_near(f, lat_c, lon_c, 2.0 * half_m) for f in flights]
        for name, flights in (own or {}).items()
    }
    _draw_own_paths(ax, m, near_own, colour_of or {}, most=10**9)
    crowd = [_along(*m(f.lon_deg, f.lat_deg)) for fs in near_own.values() for f in fs]
    for k, (lat, lon, _) in enumerate(tracks):
        if lat.size:
            x, y = m(lon, lat)
            ax.plot(x, y, color=_threat_colour(k), linewidth=1.6, zorder=3)
            crowd.append(_along(x, y))
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
    crowd.append(_along(np.array([x0, x0 + bar_km * 1e3]), np.array([y0, y0 + 0.05 * m.urcrnry])))
    for names, lat, lon in sites.values():  # a site and its name to its right
        x, y = m(lon, lat)
        for xi, yi, name in zip(x, y, names, strict=True):
            crowd.append(_along(np.array([xi, xi + 0.011 * m.urcrnrx * (len(name) + 2)]),
                                np.array([yi, yi + 0.03 * m.urcrnry])))  # fmt: skip
    for lat, lon in ((k_lat, k_lon), (l_lat, l_lon)):
        i = _thin(lat.size, 500)
        crowd.append(np.column_stack(m(lon[i], lat[i])))
    scale = np.array([m.urcrnrx, m.urcrnry])
    return m, np.concatenate([c.reshape(-1, 2) for c in crowd]) / scale


def _near(path: ThreatPath, lat_deg: float, lon_deg: float, within_m: float) -> ThreatPath:
    """The part of ``path`` from its first point within ``within_m`` of the point on."""
    d = ground_range_m(
        math.radians(lat_deg), math.radians(lon_deg), np.radians(path.lat_deg),
        np.radians(path.lon_deg),
    )  # fmt: skip
    inside = np.flatnonzero(d <= within_m)
    i = int(inside[0]) if inside.size else path.lat_deg.size
    return ThreatPath(path.name, path.t_s[i:], path.lat_deg[i:], path.lon_deg[i:], path.alt_m[i:])


def _along(x: Array, y: Array, points: int = 200) -> Array:
    """Points evenly along the polyline (x, y), (points, 2): a line's place, not its samples."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.size < 2:
        return np.column_stack([x, y])
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    at = np.linspace(0.0, s[-1], points)
    return np.column_stack([np.interp(at, s, x), np.interp(at, s, y)])


# --- the dispersed threats' impact points --------------------------------------------------

INSET = 0.40
"""The inset's side, as a share of the close-up's: it stays clear of the defended point in the
middle, tick labels included."""
INSET_MARGIN = 0.02
INSET_LABELS = (0.075, 0.045)
"""Room for the inset's tick labels (left, below), as shares of the close-up's width and
height: inside the close-up, and counted as what the inset covers."""
HALO = [withStroke(linewidth=4.0, foreground="white")]
"""A white edge under a line, so that it shows over the points it circles."""
INSET_CORNERS = ("lower right", "upper right", "upper left", "lower left")
"""Where the inset may go, in order of preference where two are as empty."""


def _origin(scenario: Scenario, spreads: Mapping[str, ImpactSpread]) -> tuple[float, float, str]:
    """The point (lat, lon in deg, name) the impacts are shown around: the first dispersed
    threat's dive target, else the first defended point, else the first threat's mean
    impact point."""
    first = next(iter(spreads.values()))
    if first.on_target:
        about = "the dive target" if first.about == "dive target" else first.about
        return first.centre_lat_deg, first.centre_lon_deg, about
    if scenario.defended:
        point = scenario.defended[0]
        return point.lat_deg, point.lon_deg, point.name
    return first.centre_lat_deg, first.centre_lon_deg, "the mean impact point"


def _local_km(
    lat0_deg: float, lon0_deg: float, lat_deg: Array, lon_deg: Array
) -> tuple[Array, Array]:
    """Points as km east and north of (lat0, lon0): azimuthal equidistant (distance and
    bearing from it exact on the sphere of ``earth.geodesy``), so a circle of a radius there
    holds the points within that distance."""
    lat0, lon0 = math.radians(lat0_deg), math.radians(lon0_deg)
    lat, lon = np.radians(np.asarray(lat_deg, float)), np.radians(np.asarray(lon_deg, float))
    d = ground_range_m(lat0, lon0, lat, lon) / 1e3
    b = initial_bearing_rad(lat0, lon0, lat, lon)
    return d * np.sin(b), d * np.cos(b)


def _impact_panel(
    ax: Axes,
    scenario: Scenario,
    spreads: Mapping[str, ImpactSpread],
    own: Mapping[str, Sequence[ThreatPath]],
    paths: Sequence[ThreatPath],
    colour_of: Mapping[str, str],
    small: bool = False,
) -> tuple[float, float, float, str]:
    """The dispersed threats' flight impact points in km east and north of ``_origin``: filled
    in the threat's colour where it leaked, hollow grey where it was killed on the way; the
    circle of each threat's empirical CEP about its centre (its dive target, or its mean
    point: a cross), labelled; the last of the own and nominal paths and the sites nearby.
    Returns the origin (lat, lon in deg), the panel's half-width (km) and the origin's name."""
    lat0, lon0, about = _origin(scenario, spreads)
    local = {name: _local_km(lat0, lon0, s.lat_deg, s.lon_deg) for name, s in spreads.items()}
    centres = {
        name: _local_km(lat0, lon0, np.array([s.centre_lat_deg]), np.array([s.centre_lon_deg]))
        for name, s in spreads.items()
    }
    reach = [float(np.max(np.hypot(*local[n]))) for n in spreads]
    reach += [float(np.hypot(*centres[n])[0]) + s.cep_m / 1e3 for n, s in spreads.items()]
    half = max(1.1 * max(reach), 0.02)
    marker = 11 if small else 16
    for name, flights in own.items():  # the ends of the own paths: where they came from
        segments = []
        for f in flights:
            e, n = _local_km(lat0, lon0, f.lat_deg, f.lon_deg)
            keep = np.hypot(e, n) <= 3.0 * half
            segments.append(np.column_stack([e[keep], n[keep]]))
        ax.add_collection(
            LineCollection(
                segments, colors=colour_of[name], linewidths=0.7, alpha=0.5, zorder=2, gid=OWN_PATHS
            ),
            autolim=False,
        )
    for p in paths:
        if p.name in spreads:
            e, n = _local_km(lat0, lon0, p.lat_deg, p.lon_deg)
            keep = np.hypot(e, n) <= 3.0 * half
            ax.plot(e[keep], n[keep], color=colour_of[p.name], linewidth=1.4, zorder=3)
    for name, s in spreads.items():
        e, n = local[name]
        i = _thin(e.size)
        killed = s.killed[i]
        ax.scatter(e[i][killed], n[i][killed], s=marker, facecolor="none",
                   edgecolor=KILLED_IMPACT, linewidth=0.8, zorder=5, gid=IMPACT_KILLED)  # fmt: skip
        ax.scatter(e[i][~killed], n[i][~killed], s=marker, color=colour_of[name], alpha=0.65,
                   edgecolor="none", zorder=5.5, gid=IMPACT_LEAKED)  # fmt: skip
        (ce,), (cn,) = centres[name]
        r = s.cep_m / 1e3
        ax.add_patch(Circle((ce, cn), r, fill=False, edgecolor=colour_of[name], zorder=6,
                            linestyle=(0, (4, 2)), linewidth=2.0, path_effects=HALO))  # fmt: skip
        if not s.on_target:
            ax.plot(ce, cn, "+", color=colour_of[name], markersize=9, mew=1.6, zorder=6)
    one = len(spreads) == 1
    handles = [
        Line2D([], [], color=colour_of[n], linestyle=(0, (4, 2)), linewidth=1.6,
               label=f"CEP {s.cep_m:,.0f} m" if one else f"{n}: {s.cep_m:,.0f} m")
        for n, s in spreads.items()
    ]  # fmt: skip
    ax.legend(
        handles=handles,
        title=None if one else "CEP",
        loc="lower right",
        fontsize=8 if small else 10,
        title_fontsize=8 if small else 10,
        framealpha=0.85,
        borderpad=0.3,
        handlelength=1.6,
        labelspacing=0.2,
    ).set_zorder(8)
    defended = _sites(scenario)["defended"]
    if not np.any(np.hypot(*_local_km(lat0, lon0, defended[1], defended[2])) < 1e-3):
        ax.plot(0.0, 0.0, "+", color="black", markersize=10, mew=1.4, zorder=6)  # the aim point
    for kind, (_, lat, lon) in _sites(scenario).items():
        if lat.size:
            e, n = _local_km(lat0, lon0, lat, lon)
            near = (np.abs(e) <= half) & (np.abs(n) <= half)
            shape, face, size, _ = SITE_MARKERS[kind]
            ax.scatter(e[near], n[near], marker=shape, s=size * (0.7 if small else 1.0),
                       facecolor=face, edgecolor="black", linewidth=0.8, zorder=6.5)  # fmt: skip
    ax.set_xlim(-half, half)
    ax.set_ylim(-half, half)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_facecolor("white")
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_color("0.25")
    if not small:
        ax.set_xlabel(f"km east of {about}")
        ax.set_ylabel(f"km north of {about}")
    return lat0, lon0, half, about


def _impact_inset(
    near_ax: Axes,
    m: Basemap,
    crowd: Array,
    scenario: Scenario,
    spreads: Mapping[str, ImpactSpread],
    own: Mapping[str, Sequence[ThreatPath]],
    paths: Sequence[ThreatPath],
    colour_of: Mapping[str, str],
) -> None:
    """``_impact_panel`` as an inset of the close-up, in its emptiest corner, its tick labels
    on the sides that face the close-up's middle, and a box on the close-up where it is."""
    occupied = np.zeros((25, 25), dtype=bool)
    cells = np.clip((crowd * 25).astype(np.int64), 0, 24)
    inside = np.all((crowd >= 0.0) & (crowd <= 1.0), axis=1)
    occupied[cells[inside, 1], cells[inside, 0]] = True
    w, h = INSET_LABELS
    left, right = INSET_MARGIN + w, 1.0 - INSET - INSET_MARGIN
    low, high = INSET_MARGIN + h, 1.0 - INSET - INSET_MARGIN
    place = {"lower right": (right, low), "upper right": (right, high),
             "upper left": (left, high), "lower left": (left, low)}  # fmt: skip

    def taken(corner: str) -> int:
        x0, y0 = place[corner]
        a, b = int((x0 - w) * 25), int(math.ceil((x0 + INSET) * 25))
        c, d = int((y0 - h) * 25), int(math.ceil((y0 + INSET) * 25))
        return int(occupied[c:d, a:b].sum())

    corner = min(INSET_CORNERS, key=taken)  # the first of the emptiest, in order of preference
    x0, y0 = place[corner]
    ax = near_ax.inset_axes((x0, y0, INSET, INSET), zorder=10)
    lat0, lon0, half, about = _impact_panel(ax, scenario, spreads, own, paths, colour_of, True)
    ax.tick_params(labelsize=9, length=2.5, pad=1.5)
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_bbox({"boxstyle": "square,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.text(
        0.03,
        0.97,
        f"flight impacts,\nkm from {about}",
        transform=ax.transAxes,
        ha="left",
        va="top",
        fontsize=9,
        zorder=8,
        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
    )
    x, y = m(lon0, lat0)
    box = half * 1e3
    near_ax.indicate_inset((x - box, y - box, 2 * box, 2 * box), ax, edgecolor="0.2",
                           alpha=0.8, linewidth=0.8, zorder=8.5)  # fmt: skip


def _about(spread: ImpactSpread) -> str:
    """What a CEP is measured from, as the legend says it: a defended point's name, "the dive
    target" or "the mean point"."""
    named = spread.on_target and spread.about != "dive target"
    return spread.about if named else f"the {spread.about}"


def _spread_handles(
    spreads: Mapping[str, ImpactSpread],
    own: Mapping[str, Sequence[ThreatPath]],
    colour_of: Mapping[str, str],
) -> list[Any]:
    """Legend entries of the dispersed threats: own paths, flight impact points and CEP; for
    more than one, entries in grey that stand for every threat in its colour (the CEPs are in
    the inset's legend)."""
    out: list[Any] = []
    if len(set(own) | set(spreads)) > 1:
        recorded = sorted({len(flights) for flights in own.values()})
        leaked = sum(int(np.count_nonzero(~s.killed)) for s in spreads.values())
        about = sorted({_about(s) for s in spreads.values()})
        if own:
            n = "/".join(f"{k:,}" for k in recorded)
            out.append(
                Line2D([], [], color="0.3", linewidth=0.8, alpha=0.7,
                       label=f"own path of a threat, {n} replications recorded (its colour)")
            )  # fmt: skip
        if spreads:
            out.append(
                Line2D([], [], color="0.3", linestyle=(0, (4, 2)), linewidth=1.4, marker="o",
                       markersize=5, markeredgecolor="none",
                       label=f"flight impact, leaked ({leaked:,}); CEP about {', '.join(about)}")
            )  # fmt: skip
    for name in dict.fromkeys([*own, *spreads]) if not out else ():
        colour = colour_of[name]
        if name in own:
            n = len(own[name])
            out.append(
                Line2D([], [], color=colour, linewidth=0.8, alpha=0.7,
                       label=f"{name}: own path, {n:,} replication{'s' * (n != 1)} recorded")
            )  # fmt: skip
        if name in spreads:
            s = spreads[name]
            about = _about(s)
            leaked = int(np.count_nonzero(~s.killed))
            out.append(
                Line2D([], [], color=colour, linestyle=(0, (4, 2)), linewidth=1.4, marker="o",
                       markersize=5, markeredgecolor="none",
                       label=f"{name}: flight impact, leaked ({leaked:,}); "
                       f"CEP {s.cep_m:,.0f} m about {about}")
            )  # fmt: skip
    killed = sum(int(np.count_nonzero(s.killed)) for s in spreads.values())
    if killed:
        out.append(
            Line2D([], [], linestyle="none", marker="o", markersize=5, markerfacecolor="none",
                   markeredgecolor=KILLED_IMPACT,
                   label=f"flight impact of a threat killed on the way ({killed:,})")
        )  # fmt: skip
    return out


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
