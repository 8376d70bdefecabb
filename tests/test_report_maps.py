"""The report's map geometry: coastlines drawn from data read once per process look as
Basemap's own do (and Basemap draws them where that could not work), and a radar's coverage
ring ends where the radar stops seeing a target at its altitude."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib import image

from kaminari.earth.frames import geodetic2ecef
from kaminari.report import _coast, maps
from kaminari.report._plotstyle import _new_figure, _style, png_bytes

DPI = 100
MAPS = {
    "the Gulf, intermediate": ([24.0, 30.0, 27.0], [48.0, 56.0, 52.0], "i"),
    "the Bering Strait, over the 180th meridian": ([60.0, 68.0, 64.0], [170.0, -170.0, 178.0], "i"),
    "Europe, low": ([35.0, 55.0, 45.0], [-10.0, 30.0, 10.0], "l"),
}  # fmt: skip


def _render(lat: list[float], lon: list[float], resolution: str) -> tuple[np.ndarray, np.ndarray]:
    """The map as an image, and a mask of the pixels more than 3 px inside its frame."""
    with _style():
        fig = _new_figure(6, 5)
        ax = fig.subplots()
        maps._basemap(ax, np.array(lat), np.array(lon), 1.15, 50_000.0, resolution)
        pixels = image.imread(io.BytesIO(png_bytes(fig, dpi=DPI)))[..., :3]
        box = ax.get_window_extent().transformed(fig.dpi_scale_trans.inverted())
    x0, y0, x1, y1 = (v * DPI for v in (box.x0, box.y0, box.x1, box.y1))
    rows, cols = np.indices(pixels.shape[:2])
    rows = pixels.shape[0] - rows  # from the bottom, as the figure's coordinates
    inside = (cols > x0 + 3) & (cols < x1 - 3) & (rows > y0 + 3) & (rows < y1 - 3)
    return pixels, inside


@pytest.mark.parametrize("where", list(MAPS))
def test_coastlines_look_as_basemaps_own(where: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Inside the frame the two pictures are the same (the frame itself differs by
    antialiasing where land meets it)."""
    lat, lon, resolution = MAPS[where]
    ours, inside = _render(lat, lon, resolution)
    monkeypatch.setattr(maps, "draw_boundaries", lambda *args, **kwargs: False)
    theirs, _ = _render(lat, lon, resolution)
    differ = np.abs(ours - theirs).max(axis=2) > 0.1
    assert int(np.count_nonzero(differ & inside)) <= 5, where
    assert differ.mean() < 5e-3, (where, int(differ.sum()))


def test_near_a_pole_basemap_draws_the_coast(monkeypatch: pytest.MonkeyPatch) -> None:
    called = []
    real = _coast.draw_boundaries

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        called.append(real(*args, **kwargs))
        return called[-1]

    monkeypatch.setattr(maps, "draw_boundaries", spy)
    _render([80.0, 86.0], [0.0, 60.0], "c")
    _render([24.0, 30.0], [48.0, 56.0], "c")
    assert called == [False, True]


def test_a_coverage_ring_ends_where_the_radar_stops_seeing() -> None:
    from kaminari.scenario import load_scenario
    from kaminari.sensors.radar import visible

    radars = load_scenario("examples/railgun_point_defense.yaml").radar_models()
    for radar in radars:
        lat, lon = maps.radar_coverage_deg(radar, steps=100)
        fine_m = radar.max_range_m / 99 / 99
        bearing = np.linspace(0.0, 2.0 * np.pi, lat.size)
        ring = geodetic2ecef(np.radians(lat), np.radians(lon), np.full(lat.size, 40e3))
        assert visible(radar, ring).all(), radar.name
        from kaminari.earth.geodesy import ground_range_m

        reach = ground_range_m(radar.lat_rad, radar.lon_rad, np.radians(lat), np.radians(lon))
        beyond_lat, beyond_lon = maps._destination(
            radar.lat_rad, radar.lon_rad, bearing, reach + 2 * fine_m
        )
        beyond = geodetic2ecef(beyond_lat, beyond_lon, np.full(lat.size, 40e3))
        inside_limit = reach + 2 * fine_m < radar.max_range_m
        assert not visible(radar, beyond)[inside_limit].any(), radar.name
