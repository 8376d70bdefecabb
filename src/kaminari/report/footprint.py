"""The defended footprint's map (``kaminari footprint``): Pk over the grid of aim points as
filled cells on an azimuthal equidistant map with coastlines, the sites (radars, batteries,
defended points) and each radar's coverage ring of a target at ``maps.COVERAGE_ALT_M`` where
it falls in the frame; a colour bar from 0 to 1. Degrees at this edge, metres inside.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from kaminari.earth.constants import MEAN_RADIUS_M
from kaminari.report._plotstyle import RADAR_COLOURS, _new_figure, _style
from kaminari.report.maps import (
    COVERAGE_ALT_M,
    SITE_MARKERS,
    _basemap,
    _draw_sites,
    _sites,
    radar_coverage_deg,
)

if TYPE_CHECKING:
    from kaminari.scenario import Scenario

__all__ = ["FOOTPRINT_MESH", "footprint_figure"]

FOOTPRINT_MESH = "footprint pk"
"""The ``gid`` of the filled Pk cells (for a reader of the figure, as the tests are)."""


def _corners(values: NDArray, step: float) -> NDArray:
    """The cell edges around sorted grid ``values`` spaced ``step`` apart."""
    return np.concatenate([values - 0.5 * step, values[-1:] + 0.5 * step])


def footprint_figure(
    scenario: Scenario, rows: Mapping[str, NDArray], half_width_m: float, step_m: float
) -> Figure:
    """The map of ``rows`` (``kaminari footprint``'s table: east_km, north_km, lat_deg,
    lon_deg, pk of each grid point, north-major) around the scenario's first defended point."""
    east = np.unique(np.asarray(rows["east_km"], float)) * 1e3
    north = np.unique(np.asarray(rows["north_km"], float)) * 1e3
    shape = (north.size, east.size)
    lat = np.asarray(rows["lat_deg"], float).reshape(shape)
    lon = np.asarray(rows["lon_deg"], float).reshape(shape)
    pk = np.asarray(rows["pk"], float).reshape(shape)
    # cell corners in degrees, by the same local step as the grid points
    centre = scenario.defended[0]
    d_lat = np.diff(lat[:, 0]).mean() / step_m if north.size > 1 else None
    d_lon = np.diff(lon[0]).mean() / step_m if east.size > 1 else None
    if d_lat is None or d_lon is None:  # a single point: one cell of the step's size
        lat0 = np.radians(centre.lat_deg)
        d_lat = np.degrees(1.0 / MEAN_RADIUS_M)
        d_lon = d_lat / np.cos(lat0)
    lat_edges = centre.lat_deg + _corners(north, step_m) * d_lat
    lon_edges = centre.lon_deg + _corners(east, step_m) * d_lon
    lon_c, lat_c = np.meshgrid(lon_edges, lat_edges)
    reach = half_width_m + 0.5 * step_m
    frame_lat = np.array([lat_edges[0], lat_edges[-1], lat_edges[0], lat_edges[-1]])
    frame_lon = np.array([lon_edges[0], lon_edges[0], lon_edges[-1], lon_edges[-1]])
    with _style():
        fig = _new_figure(8.2, 7.0)
        ax = fig.subplots()
        m = _basemap(ax, frame_lat, frame_lon, 1.0, max(reach, 2_000.0), "i")
        x, y = m(lon_c, lat_c)
        mesh = ax.pcolormesh(
            x, y, np.ma.masked_invalid(pk), cmap="RdYlGn", vmin=0.0, vmax=1.0,
            shading="flat", zorder=0.55, edgecolors="face", linewidth=0.3,
        )  # fmt: skip
        mesh.set_gid(FOOTPRINT_MESH)
        x0, x1, y0, y1 = m.llcrnrx, m.urcrnrx, m.llcrnry, m.urcrnry
        for i, radar in enumerate(scenario.radar_models()):
            ring_lat, ring_lon = radar_coverage_deg(radar, COVERAGE_ALT_M)
            rx, ry = m(ring_lon, ring_lat)
            rx, ry = np.asarray(rx), np.asarray(ry)
            if not np.any((rx > x0) & (rx < x1) & (ry > y0) & (ry < y1)):
                continue  # the ring passes outside the frame
            colour = RADAR_COLOURS[i % len(RADAR_COLOURS)]
            ax.plot(rx, ry, color=colour, linewidth=1.3, zorder=3,
                    label=f"{radar.name}: coverage at {COVERAGE_ALT_M / 1e3:g} km")  # fmt: skip
        _draw_sites(m, ax, scenario)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        for kind, (names, _, _) in _sites(scenario).items():
            if names:
                marker, face, size, label = SITE_MARKERS[kind]
                ax.scatter([], [], marker=marker, s=size, facecolor=face, edgecolor="black",
                           label=label)  # fmt: skip
        ax.legend(loc="lower left", fontsize=9, framealpha=0.85)
        bar = fig.colorbar(mesh, ax=ax, shrink=0.85)
        bar.set_label("Pk of the re-aimed threats (kill)")
        ax.set_title(
            f"{scenario.name}\ndefended footprint around {centre.name}: aim points "
            f"±{half_width_m / 1e3:g} km every {step_m / 1e3:g} km"
        )
    return fig
