"""The ``kaminari`` command end to end.

Two kinds of tests: against stand-in numerics (simple closed-form flights with the documented
shapes of ``fly_threats`` and ``fly_projectiles``), which check what the CLI itself does with
them (files, columns, tables, the figure); and against the real numerics.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import math
import os
import re
import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from kaminari.cli import app
from kaminari.cli.flyout import TRAJECTORY_COLUMNS
from kaminari.earth.frames import aer2ecef, ecef2aer, ecef2geodetic, geodetic2ecef

EXAMPLE = Path(__file__).parents[1] / "examples" / "glide_to_coast.yaml"


# --- stand-in numerics ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Start:
    lat_rad: float
    lon_rad: float
    alt_m: float
    speed_mps: float
    flight_path_rad: float
    heading_rad: float


@dataclass(frozen=True)
class _Spec:
    name: str
    vehicle: object
    start: _Start
    guidance: object
    start_t_s: float = 0.0
    launch: object = None


@dataclass(frozen=True)
class _Trajectories:
    names: tuple[str, ...]
    t_s: np.ndarray
    r_ecef: np.ndarray
    v_ecef: np.ndarray
    valid: np.ndarray
    lat_rad: np.ndarray
    lon_rad: np.ndarray
    alt_m: np.ndarray
    mach: np.ndarray
    q_pa: np.ndarray
    load_factor_g: np.ndarray
    impact_t_s: np.ndarray
    impact_r_ecef: np.ndarray
    impact_v_ecef: np.ndarray

    @property
    def heat_rate_wpm2(self) -> np.ndarray:
        return 1e3 * self.q_pa

    @property
    def phase_code(self) -> np.ndarray:
        return np.where(self.valid, 2, -1)  # glide throughout (kaminari.threats.flyout.PHASES)

    @property
    def dive_t_s(self) -> np.ndarray:
        return np.full(len(self.names), np.nan)

    def rows(self) -> dict[str, np.ndarray]:
        i, j = np.nonzero(self.valid)
        r, v = self.r_ecef[i, j], self.v_ecef[i, j]
        return {
            "threat": np.array(self.names)[i],
            "t_s": self.t_s[j],
            "x_m": r[:, 0],
            "y_m": r[:, 1],
            "z_m": r[:, 2],
            "vx_mps": v[:, 0],
            "vy_mps": v[:, 1],
            "vz_mps": v[:, 2],
            "lat_deg": np.degrees(self.lat_rad[i, j]),
            "lon_deg": np.degrees(self.lon_rad[i, j]),
            "alt_m": self.alt_m[i, j],
            "mach": self.mach[i, j],
            "q_pa": self.q_pa[i, j],
            "heat_rate_wpm2": self.heat_rate_wpm2[i, j],
            "load_factor_g": self.load_factor_g[i, j],
            "phase": np.full(i.size, "glide", dtype=object),
            "stage": np.full(i.size, -1),
            "plume": np.zeros(i.size, dtype=bool),
        }


def _fake_fly_threats(threats, dt_s=0.1, t_max_s=3600.0):
    """Great-circle flight at the start speed; altitude falls linearly to 0 at 300 s."""
    t = np.arange(0.0, t_max_s + dt_s / 2, dt_s)
    lat0 = np.array([s.start.lat_rad for s in threats])[:, None]
    lon0 = np.array([s.start.lon_rad for s in threats])[:, None]
    az = np.array([s.start.heading_rad for s in threats])[:, None]
    d = np.array([s.start.speed_mps for s in threats])[:, None] * t / 6_371_008.8
    lat = np.arcsin(np.sin(lat0) * np.cos(d) + np.cos(lat0) * np.sin(d) * np.cos(az))
    lon = lon0 + np.arctan2(
        np.sin(az) * np.sin(d) * np.cos(lat0), np.cos(d) - np.sin(lat0) * np.sin(lat)
    )
    alt0 = np.array([s.start.alt_m for s in threats])[:, None]
    alt = alt0 * (1.0 - t / 300.0)
    valid = np.broadcast_to(alt >= 0.0, alt.shape).copy()
    r = geodetic2ecef(lat, lon, alt)
    v = np.gradient(r, dt_s, axis=1)
    hit = t_max_s >= 300.0
    impact = np.full(len(threats), 300.0 if hit else np.nan)
    k = int(round(300.0 / dt_s))
    r_hit = r[:, k] if hit else np.full((len(threats), 3), np.nan)
    v_hit = v[:, k] if hit else np.full((len(threats), 3), np.nan)
    mach = np.broadcast_to(np.linalg.norm(v, axis=-1) / 300.0, alt.shape)
    nan = np.where(valid, 1.0, np.nan)  # the real flyout blanks samples after impact
    return _Trajectories(
        tuple(s.name for s in threats),
        t,
        r,
        v,
        valid,
        lat * nan,
        lon * nan,
        alt * nan,
        mach * nan,
        1e3 * mach * nan,
        nan,
        impact,
        r_hit,
        v_hit,
    )


@dataclass(frozen=True)
class _Projectile:
    mass_kg: float = 0.32
    diameter_m: float = 0.015


@dataclass(frozen=True)
class _Shots:
    t_s: np.ndarray
    r_ecef: np.ndarray
    v_ecef: np.ndarray
    valid: np.ndarray
    alt_m: np.ndarray
    mach: np.ndarray
    speed_mps: np.ndarray
    impact_t_s: np.ndarray
    impact_r_ecef: np.ndarray


def _fake_fly_projectiles(
    lat_rad,
    lon_rad,
    alt_m,
    az_rad,
    el_rad,
    muzzle_velocity_mps,
    projectile,
    dt_s=0.01,
    t_max_s=120.0,
):
    """Vacuum flight over a flat Earth in the site's ENU frame (g = 9.8 m/s^2)."""
    t = np.arange(0.0, t_max_s + dt_s / 2, dt_s)
    v0 = np.asarray(muzzle_velocity_mps, float)[:, None]
    el = np.asarray(el_rad, float)[:, None]
    horizontal = v0 * np.cos(el) * t
    up = v0 * np.sin(el) * t - 4.9 * t * t
    slant = np.hypot(horizontal, up)
    el_now = np.arctan2(up, horizontal)
    r = aer2ecef(
        np.asarray(az_rad)[:, None],
        el_now,
        slant,
        np.asarray(lat_rad)[:, None],
        np.asarray(lon_rad)[:, None],
        np.asarray(alt_m)[:, None],
    )
    alt = ecef2geodetic(r).alt_m
    valid = up >= 0.0
    speed = np.hypot(v0 * np.cos(el), v0 * np.sin(el) - 9.8 * t)
    t_hit = 2 * v0[:, 0] * np.sin(el[:, 0]) / 9.8
    impact = np.where(t_hit <= t_max_s, t_hit, np.nan)
    r_hit = aer2ecef(az_rad, 0.0, v0[:, 0] * np.cos(el[:, 0]) * impact, lat_rad, lon_rad, alt_m)
    nan = np.where(valid, 1.0, np.nan)
    v = np.gradient(r, dt_s, axis=1)
    return _Shots(
        t,
        r * nan[..., None],
        v * nan[..., None],
        valid,
        alt * nan,
        speed / 340.0 * nan,
        speed * nan,
        impact,
        r_hit,
    )


def _fake_slant_range_crossings(traj, site_ecef, ranges_m):
    slant = np.linalg.norm(traj.r_ecef - np.asarray(site_ecef), axis=-1)
    slant = np.where(traj.valid, np.maximum.accumulate(slant, axis=1), np.nan)
    out = [np.full((slant.shape[0], len(ranges_m)), np.nan) for _ in range(3)]
    for n in range(slant.shape[0]):
        ok = traj.valid[n]
        for k, rk in enumerate(ranges_m):
            if np.nanmax(slant[n]) >= rk:
                tc = np.interp(rk, slant[n, ok], traj.t_s[ok])
                out[0][n, k] = tc
                out[1][n, k] = np.interp(tc, traj.t_s, traj.speed_mps[n])
                out[2][n, k] = np.interp(tc, traj.t_s, traj.alt_m[n])
    return tuple(out)


@pytest.fixture
def stand_in_numerics(monkeypatch: pytest.MonkeyPatch) -> None:
    flyout = types.ModuleType("kaminari.threats.flyout")
    flyout.GlideStart, flyout.ThreatSpec = _Start, _Spec  # type: ignore[attr-defined]
    flyout.fly_threats = _fake_fly_threats  # type: ignore[attr-defined]
    projectile = types.ModuleType("kaminari.weapons.projectile")
    projectile.Projectile = _Projectile  # type: ignore[attr-defined]
    projectile.fly_projectiles = _fake_fly_projectiles  # type: ignore[attr-defined]
    projectile.slant_range_crossings = _fake_slant_range_crossings  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kaminari.threats.flyout", flyout)
    monkeypatch.setitem(sys.modules, "kaminari.weapons.projectile", projectile)


def test_stand_in_crossings_match_closed_form(stand_in_numerics: None) -> None:
    """The stand-in itself: a 45 deg vacuum shot at 2,300 m/s covers 10 km slant in ~4.4 s."""
    traj = _fake_fly_projectiles([0.6], [2.4], [0.0], [0.0], [math.radians(45)], [2300.0], None)
    t, _, _ = _fake_slant_range_crossings(traj, geodetic2ecef(0.6, 2.4, 0.0), [10e3])
    assert t[0, 0] == pytest.approx(10e3 / 2300.0, rel=0.01)
    assert ecef2aer(traj.r_ecef[0, 100], 0.6, 2.4, 0.0).el_rad == pytest.approx(
        math.radians(45), abs=0.01
    )


# --- flyout --------------------------------------------------------------------------------


def test_flyout_writes_parquet_scenario_and_figure(stand_in_numerics: None, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["flyout", str(EXAMPLE), "--out", str(out), "--dt-s", "1", "--t-max-s", "400"]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(out / "trajectories.parquet")
    assert tuple(table.column_names) == TRAJECTORY_COLUMNS
    assert set(table.column("threat").to_pylist()) == {"hgv-free", "hgv-weave", "hgv-dive"}
    assert table.num_rows == 3 * 301  # 0..300 s, impact at 300 s
    assert (out / "flyout.png").stat().st_size > 10_000
    as_run = (out / "scenario.yaml").read_text()
    assert "dt_s: 1.0" in as_run and "t_max_s: 400.0" in as_run
    for name in ("hgv-free", "hgv-weave", "hgv-dive", "impact"):
        assert name in result.stdout
    # 5,000 m/s for 300 s along a great circle: 1,500 km from start to end, flown
    assert "1500.0" in result.stdout


def test_flyout_summary_figures(stand_in_numerics: None) -> None:
    from kaminari.cli.flyout import summarize_flyout
    from kaminari.scenario import load_scenario

    s = load_scenario(EXAMPLE)
    traj = _fake_fly_threats(s.threat_specs(), dt_s=1.0, t_max_s=400.0)
    summary = summarize_flyout(traj, s)
    np.testing.assert_allclose(summary.flight_time_s, 300.0)
    np.testing.assert_allclose(summary.ground_range_m, 1_500e3, rtol=1e-9)
    np.testing.assert_allclose(summary.ground_flown_m, 1_500e3, rtol=1e-9)
    # glide band: t >= 60 s, so the top is the altitude at 60 s (40 km); the bottom is where
    # Mach falls below 5 (never here) or, for the diver, where it comes within 60 km of the city
    np.testing.assert_allclose(summary.alt_max_m, 40e3)
    assert summary.alt_min_m[0] == pytest.approx(0.0, abs=1.0)
    assert summary.alt_min_m[2] > 1e3
    assert summary.impacted.all()


def _fly_raid(tmp_path: Path, count: int, spacing_s: float):
    """``kaminari flyout`` of the example with its diver made a raid of ``count``; the
    scenario's path, the output folder and the (successful) result."""
    raid = EXAMPLE.read_text().replace(
        "      dive: {target: city, start_range_km: 300}\n",
        f"      dive: {{target: city, start_range_km: 300}}\n    count: {count}\n"
        f"    spacing_s: {spacing_s}\n",
    )
    path = tmp_path / "raid.yaml"
    path.write_text(raid)
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["flyout", str(path), "--out", str(out), "--dt-s", "1", "--t-max-s", "400"]
    )
    assert result.exit_code == 0, result.output
    return path, out, result


def test_flyout_of_a_raid_flies_each_of_its_threats(
    stand_in_numerics: None, tmp_path: Path
) -> None:
    """A raid entry is flown as its threats, each summarised with the entry's dive (the glide
    band of a diver ends where its dive starts, as for hgv-dive alone)."""
    path, out, result = _fly_raid(tmp_path, count=2, spacing_s=20)
    names = set(pq.read_table(out / "trajectories.parquet").column("threat").to_pylist())
    assert names == {"hgv-free", "hgv-weave", "hgv-dive-1", "hgv-dive-2"}
    from kaminari.cli.flyout import summarize_flyout
    from kaminari.scenario import load_scenario

    s = load_scenario(path)
    summary = summarize_flyout(_fake_fly_threats(s.threat_specs(), 1.0, 400.0), s)
    assert summary.names[2:] == ("hgv-dive-1", "hgv-dive-2")
    assert summary.alt_min_m[0] == pytest.approx(0.0, abs=1.0)
    assert np.all(summary.alt_min_m[2:] > 1e3)


def test_flyout_csv_has_every_threat_when_the_terminal_shows_ten(
    stand_in_numerics: None, tmp_path: Path
) -> None:
    """Above 20 threats the terminal tables show the first 10 and say how many more there are;
    flyout.csv has every threat, its figures those of summarize_flyout."""
    import csv

    from kaminari.cli.flyout import SUMMARY_CSV_COLUMNS, summarize_flyout
    from kaminari.scenario import load_scenario

    path, out, result = _fly_raid(tmp_path, count=25, spacing_s=2)
    assert result.stdout.count("... 17 more") == 2  # 27 threats, two tables
    assert "hgv-dive-8" in result.stdout and "hgv-dive-9 " not in result.stdout
    with open(out / "flyout.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == SUMMARY_CSV_COLUMNS
    s = load_scenario(path)
    summary = summarize_flyout(_fake_fly_threats(s.threat_specs(), 1.0, 400.0), s)
    assert [row[0] for row in rows[1:]] == list(summary.names)
    column = {name: k for k, name in enumerate(SUMMARY_CSV_COLUMNS)}
    for key, attr in (("flight_time_s", "flight_time_s"), ("ground_range_m", "ground_range_m"),
                      ("glide_alt_min_m", "alt_min_m"), ("miss_m", "miss_m")):  # fmt: skip
        got = np.array([float(row[column[key]] or "nan") for row in rows[1:]])
        np.testing.assert_array_equal(got, getattr(summary, attr))


def test_flyout_bad_option_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["flyout", str(EXAMPLE), "--out", str(tmp_path), "--dt-s", "-1"]
    )
    assert result.exit_code == 2
    assert (
        result.stderr == "kaminari flyout: --dt-s: -1 is not allowed; allowed: 0 < --dt-s <= 10\n"
    )


# --- shoot ---------------------------------------------------------------------------------


def test_shoot_tabulates_slant_ranges(stand_in_numerics: None) -> None:
    args = ["shoot", str(EXAMPLE), "--battery", "railgun-1", "--az-deg", "240", "--t-max-s", "400"]
    result = CliRunner().invoke(app, [*args, "--el-deg", "45"])  # in vacuum: 332 s, 540 km
    assert result.exit_code == 0, result.output
    for words in ("slant range 10 km", "slant range 40 km", "apogee", "impact", "time of flight"):
        assert words in result.stdout
    assert "not reached" not in result.stdout
    low = CliRunner().invoke(app, [*args, "--el-deg", "45", "--muzzle-velocity-mps", "400"])
    assert low.exit_code == 0 and "not reached" in low.stdout  # 400 m/s: ~16 km at most


@pytest.mark.parametrize(
    ("extra", "line"),
    [
        (
            ["--battery", "patriot"],
            "--battery: no battery 'patriot'; allowed: railgun-1, railgun-2",
        ),
        (
            [],
            "--battery: required: the scenario has several batteries; allowed: railgun-1",
        ),
        (
            ["--battery", "railgun-1", "--el-deg", "95"],
            "kaminari shoot: --el-deg: 95 is not allowed",
        ),
    ],
)
def test_shoot_bad_input_is_one_line(extra: list[str], line: str) -> None:
    args = ["shoot", str(EXAMPLE), "--az-deg", "240", "--el-deg", "30", *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert line in result.stderr and result.stderr.count("\n") == 1


# --- the command itself ----------------------------------------------------------------------

KAMINARI = Path(sys.executable).with_name("kaminari")
COMMANDS = ["run", "sweep", "compare", "footprint", "report", "czml", "flyout", "coverage", "shoot"]
"""In the order a user needs them: run, then sweep, then the outputs, then the tools."""


def _console_script(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("TERMINAL_WIDTH", None)
    return subprocess.run(
        [str(KAMINARI), *args], capture_output=True, text=True, timeout=120, env=env
    )


def test_version_is_the_installed_distributions() -> None:
    proc = _console_script("--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"kaminari {importlib.metadata.version('kaminari')}\n"
    assert proc.stderr == ""
    runner = CliRunner().invoke(app, ["--version"])
    assert runner.exit_code == 0 and runner.stdout == proc.stdout


def _listed_commands(help_text: str) -> list[str]:
    """The command names of the Commands panel of ``kaminari --help``, top to bottom."""
    panel = help_text.split("Commands", 1)[1]
    return re.findall(r"^\W*│ (\w+) {2,}", panel, flags=re.MULTILINE)


def test_help_lists_the_commands_in_the_order_a_user_needs_them() -> None:
    proc = _console_script("--help")
    assert proc.returncode == 0, proc.stderr
    assert _listed_commands(proc.stdout) == COMMANDS
    assert "--version" in proc.stdout


@pytest.mark.parametrize("args", [[], *[[c] for c in COMMANDS]], ids=["kaminari", *COMMANDS])
def test_help_fits_80_columns_without_cutting_words(args: list[str]) -> None:
    """Nothing is cut off with an ellipsis, no line is wider than 80 columns, and no command's
    summary breaks after a semicolon, as it did where rich kept a docstring's own line breaks."""
    proc = _console_script(*args, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "…" not in proc.stdout
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80
    if not args:  # every command's summary reads as one sentence across its lines
        panel = proc.stdout.split("Commands", 1)[1]
        for line in panel.splitlines():
            text = line.strip("│ ╰─╯")
            assert not text.endswith(";"), line


# --- with the real numerics ----------------------------------------------------------------


def test_real_flyout_of_the_example(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app, ["flyout", str(EXAMPLE), "--out", str(out), "--dt-s", "0.5", "--t-max-s", "120"]
    )
    assert result.exit_code == 0, result.output
    table = pq.read_table(out / "trajectories.parquet")
    assert tuple(table.column_names) == TRAJECTORY_COLUMNS
    assert table.num_rows > 0 and (out / "flyout.png").exists()
    alt = table.column("alt_m").to_numpy()
    assert alt[0] == pytest.approx(50e3, abs=1.0)


def test_real_shot_reaches_10_km() -> None:
    result = CliRunner().invoke(
        app,
        ["shoot", str(EXAMPLE), "--battery", "railgun-1", "--az-deg", "240", "--el-deg", "30"],
    )
    assert result.exit_code == 0, result.output
    assert "slant range 10 km" in result.stdout and "apogee" in result.stdout
