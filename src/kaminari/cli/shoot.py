"""``kaminari shoot``: fly one railgun projectile from a battery of a scenario and tabulate it.

    kaminari shoot SCENARIO --az-deg A --el-deg E [--battery B] [--muzzle-velocity-mps V]
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from numpy.typing import NDArray
from rich import box
from rich.console import Console
from rich.table import Table

from kaminari.cli.common import bad_input_exits_2, require
from kaminari.earth.frames import ecef2geodetic, geodetic2ecef
from kaminari.earth.geodesy import ground_range_m
from kaminari.errors import UserInputError
from kaminari.scenario import Scenario, load_scenario
from kaminari.scenario.yaml_lines import did_you_mean

if TYPE_CHECKING:
    from kaminari.weapons.projectile import ProjectileTrajectories

__all__ = ["SLANT_RANGES_M", "shoot"]

Array = NDArray[np.float64]

SLANT_RANGES_M = (10_000.0, 20_000.0, 30_000.0, 40_000.0)


def _choose_battery(loaded: Scenario, scenario: Path, name: str | None) -> str:
    """The railgun battery named by ``--battery``; without it, the scenario's only one."""
    names = [b.name for b in loaded.batteries if b.kind == "railgun"]
    if name in names:
        return name
    if name is None and len(names) == 1:
        return names[0]
    if not names:
        message, allowed = "the scenario lists no railgun batteries", "a scenario with one"
    elif name is None:
        message, allowed = "required: the scenario has several batteries", ", ".join(names)
    else:
        message, allowed = f"no battery {name!r}{did_you_mean(name, names)}", ", ".join(names)
    raise UserInputError(str(scenario), None, "--battery", message, allowed)


def _shot_table(traj: ProjectileTrajectories, site_lla: tuple[float, float, float]) -> Table:
    from kaminari.weapons.projectile import slant_range_crossings

    lat0, lon0, alt0 = site_lla
    ranges = np.asarray(SLANT_RANGES_M)
    t_cross, v_cross, h_cross = slant_range_crossings(traj, geodetic2ecef(lat0, lon0, alt0), ranges)
    ok = traj.valid[0]
    t, r = traj.t_s[ok], traj.r_ecef[0, ok]

    def ground_km(r_ecef: Array) -> float:
        point = ecef2geodetic(r_ecef)
        return float(ground_range_m(lat0, lon0, point.lat_rad, point.lon_rad)) / 1e3

    def at(t_at: float) -> Array:
        return np.array([np.interp(t_at, t, r[:, k]) for k in range(3)])

    events = []  # (label, time s, position, altitude m, speed m/s)
    top = int(np.argmax(traj.alt_m[0, ok]))
    if top < len(t) - 1:  # else still climbing at t_max: no apogee yet
        events.append(
            ("apogee", t[top], r[top], traj.alt_m[0, ok][top], traj.speed_mps[0, ok][top])
        )
    impact = float(traj.impact_t_s[0])
    if math.isfinite(impact):  # speed: the last sample's, at most one step before impact
        r_hit = traj.impact_r_ecef[0]
        speed = traj.speed_mps[0, ok][-1]
        events.append(("impact", impact, r_hit, float(ecef2geodetic(r_hit).alt_m), speed))
    table = Table(
        title="Railgun shot",
        caption=f"time of flight: {impact:.2f} s"
        if math.isfinite(impact)
        else f"no impact within t_max = {traj.t_s[-1]:g} s" + ("" if events else ", nor apogee"),
        box=box.SIMPLE_HEAD,
        caption_justify="left",
    )
    table.add_column("event", no_wrap=True)
    for header in ("time\ns", "ground\nrange km", "altitude\nkm", "speed\nm/s"):
        table.add_column(header, justify="right", no_wrap=True)
    for k, slant in enumerate(ranges):
        if not math.isfinite(t_cross[0, k]):
            table.add_row(f"slant range {slant / 1e3:g} km", "not reached", "", "", "")
            continue
        table.add_row(
            f"slant range {slant / 1e3:g} km",
            f"{t_cross[0, k]:.2f}",
            f"{ground_km(at(t_cross[0, k])):.2f}",
            f"{h_cross[0, k] / 1e3:.2f}",
            f"{v_cross[0, k]:.0f}",
        )
    for label, t_at, r_at, alt, speed in events:
        table.add_row(
            label, f"{t_at:.2f}", f"{ground_km(r_at):.2f}", f"{alt / 1e3:.2f}", f"{speed:.0f}"
        )
    return table


def shoot(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    az_deg: Annotated[float, typer.Option(help="Azimuth, deg clockwise from north.")],
    el_deg: Annotated[float, typer.Option(help="Elevation above the horizontal, deg.")],
    battery: Annotated[
        str | None, typer.Option(help="Battery name [the only one, if just one].")
    ] = None,
    muzzle_velocity_mps: Annotated[
        float | None, typer.Option(help="Muzzle velocity, m/s [the battery's].")
    ] = None,
    dt_s: Annotated[float, typer.Option(help="Time step, s.")] = 0.01,
    t_max_s: Annotated[float, typer.Option(help="Longest flight, s.")] = 120.0,
) -> None:
    """Fly one projectile from a battery of SCENARIO and tabulate it at 10-40 km slant range."""
    with bad_input_exits_2():
        loaded = load_scenario(scenario)
        config = loaded.battery(_choose_battery(loaded, scenario, battery))
        v0 = config.muzzle_velocity_mps if muzzle_velocity_mps is None else muzzle_velocity_mps
        require(-180 <= az_deg <= 360, "shoot", "--az-deg", az_deg, "-180 <= --az-deg <= 360")
        require(0 <= el_deg <= 90, "shoot", "--el-deg", el_deg, "0 <= --el-deg <= 90")
        require(
            0 < v0 < 12_000,
            "shoot",
            "--muzzle-velocity-mps",
            v0,
            "0 < --muzzle-velocity-mps < 12000",
        )
        require(0 < dt_s <= 1, "shoot", "--dt-s", dt_s, "0 < --dt-s <= 1")
        require(
            dt_s < t_max_s <= 3_600, "shoot", "--t-max-s", t_max_s, "--dt-s < --t-max-s <= 3600"
        )

    from kaminari.weapons.projectile import fly_projectiles  # the numerics once input is good

    site = config.site
    traj = fly_projectiles(
        np.array([site.lat_rad]),
        np.array([site.lon_rad]),
        np.array([site.alt_m]),
        np.array([math.radians(az_deg)]),
        np.array([math.radians(el_deg)]),
        np.array([v0]),
        config.to_projectile(),
        dt_s=dt_s,
        t_max_s=t_max_s,
    )
    console = Console()
    console.print(
        f"{config.name}: az {az_deg:g} deg, el {el_deg:g} deg, {v0:g} m/s, "
        f"{config.projectile.mass_kg:g} kg, {config.projectile.diameter_m * 1e3:g} mm",
        soft_wrap=True,
    )
    console.print(_shot_table(traj, (site.lat_rad, site.lon_rad, site.alt_m)))
