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


# --- dispersed threats: own paths, flight impact points and the CEP ------------------------


def _haversine_m(lat0: float, lon0: float, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Great-circle distance on the IUGG mean sphere, written out here (not earth.geodesy's)."""
    p0, l0, p, lam = np.radians(lat0), np.radians(lon0), np.radians(lat), np.radians(lon)
    a = np.sin((p - p0) / 2) ** 2 + np.cos(p0) * np.cos(p) * np.sin((lam - l0) / 2) ** 2
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))


@pytest.fixture(scope="module")
def dispersed_dir(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from synthetic_run import write_run_folder

    folder = tmp_path_factory.mktemp("dispersed") / "out"
    return write_run_folder(folder, reps=60, seed=7, tracks_reps=3, dispersed=True)


def _map(folder, scenario=None):  # type: ignore[no-untyped-def]
    from kaminari.report.html import read_run_folder

    run = read_run_folder(folder)
    own = maps.replication_paths(run.paths) if run.paths is not None else None
    fig = maps.map_figure(
        scenario or run.scenario, maps.threat_paths(run.truth), run.replications, own=own
    )
    return run, fig


def _own_path_lines(ax) -> list:  # type: ignore[no-untyped-def]
    return [c for c in ax.collections if c.get_gid() == maps.OWN_PATHS]


def _impact_points(ax) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    """The inset's impact points: the hollow ones (killed) and the filled ones (leaked)."""
    (hollow,) = [c for c in ax.collections if c.get_gid() == maps.IMPACT_KILLED]
    (filled,) = [c for c in ax.collections if c.get_gid() == maps.IMPACT_LEAKED]
    assert hollow.get_facecolors().size == 0 and filled.get_facecolors().size
    return np.asarray(hollow.get_offsets()), np.asarray(filled.get_offsets())


def test_a_dispersed_map_draws_own_paths_impact_points_and_the_cep(dispersed_dir) -> None:  # type: ignore[no-untyped-def]
    """The region has the recorded replications' own paths; the close-up an inset in km about
    the city with every replication's flight impact point (hollow: killed, filled: leaked)
    and the circle of the CEP, the median distance from the city, computed here anew."""
    import pyarrow.parquet as pq
    from matplotlib.patches import Circle

    run, fig = _map(dispersed_dir)
    region, near = fig.axes[:2]
    (lines,) = _own_path_lines(region)
    assert len(lines.get_segments()) == 3  # tracks_reps replications recorded
    (inset,) = near.child_axes
    table = pq.read_table(dispersed_dir / "replications.parquet").to_pydict()
    lat = np.array(table["flight_impact_lat_deg"])
    lon = np.array(table["flight_impact_lon_deg"])
    killed = np.array(table["killed"])
    radial_m = _haversine_m(35.68, 139.77, lat, lon)
    cep_m = float(np.median(radial_m))
    assert 100.0 < cep_m < 320.0  # drawn about 200 m: a sample of 60
    (circle,) = [p for p in inset.patches if isinstance(p, Circle)]
    assert circle.radius == pytest.approx(cep_m / 1e3, rel=1e-9)
    assert np.allclose(circle.center, (0.0, 0.0), atol=1e-9)  # the city is the dive target
    hollow, filled = _impact_points(inset)
    assert (len(hollow), len(filled)) == (killed.sum(), (~killed).sum())
    drawn_km = np.hypot(*np.concatenate([hollow, filled]).T)
    assert np.sort(drawn_km) == pytest.approx(np.sort(radial_m) / 1e3, rel=1e-9)
    x0, x1 = inset.get_xlim()
    assert x0 < -drawn_km.max() and x1 > drawn_km.max()  # every point inside
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert f"CEP {cep_m:,.0f} m about city" in legend and "3 replications recorded" in legend
    assert f"CEP {cep_m:,.0f} m" in [t.get_text() for t in inset.get_legend().get_texts()]
    assert png_bytes(fig, dpi=60).startswith(b"\x89PNG")


def test_an_undispersed_map_is_as_before(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Without dispersion (no paths.parquet, or an empty one and the same impact point in every
    replication), no own paths and no inset."""
    import pyarrow.parquet as pq
    from synthetic_run import write_run_folder

    from kaminari.results.schema import PATHS

    folder = write_run_folder(tmp_path / "run", reps=8, seed=2)
    for empty_paths in (False, True):
        if empty_paths:
            pq.write_table(PATHS.empty_table(), folder / "paths.parquet")
            table = pq.read_table(folder / "replications.parquet")
            for name in ("flight_impact_lat_deg", "flight_impact_lon_deg"):
                i = table.schema.get_field_index(name)
                value = 35.68 if "lat" in name else 139.77
                table = table.set_column(i, name, pa_full(table.num_rows, value))
            pq.write_table(table, folder / "replications.parquet")
        _, fig = _map(folder)
        region, near = fig.axes[:2]
        assert not _own_path_lines(region) and not near.child_axes, empty_paths


def pa_full(n: int, value: float):  # type: ignore[no-untyped-def]
    import pyarrow as pa

    return pa.array(np.full(n, value))


def test_without_a_close_up_the_impacts_have_the_panel(dispersed_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """No defended point and no battery to centre a close-up on: the impact points take the
    whole panel, about the dive target given by its coordinates."""
    import yaml

    from kaminari.scenario import load_scenario

    s = yaml.safe_load((dispersed_dir / "scenario.yaml").read_text(encoding="utf-8"))
    s["defended"], s["batteries"] = [], []
    s["threats"][0]["guidance"]["dive"] = {"lat_deg": 35.68, "lon_deg": 139.77,
                                           "start_range_km": 300}  # fmt: skip
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(s), encoding="utf-8")
    _, fig = _map(dispersed_dir, load_scenario(path))
    near = fig.axes[1]
    assert not near.child_axes and near.axison
    assert near.get_xlabel() == "km east of the dive target"
    legend = " ".join(t.get_text() for t in fig.legends[0].get_texts())
    assert "about the dive target" in legend
    assert png_bytes(fig, dpi=60).startswith(b"\x89PNG")
