"""The one place that maps a kind of weapon to its fire control (``Effector``): railgun
batteries (``firecontrol.railgun``) and interceptor launchers (``firecontrol.interceptor``)."""

from __future__ import annotations

from collections.abc import Sequence

from kaminari.firecontrol.doctrine import Doctrine
from kaminari.firecontrol.envelope import BallisticTable, ballistic_table
from kaminari.firecontrol.interceptor import InterceptorFireControl, ReachTable, reach_table
from kaminari.firecontrol.railgun import Effector, RailgunFireControl
from kaminari.tracking.config import TrackerConfig
from kaminari.weapons.battery import Battery
from kaminari.weapons.launcher import Launcher

__all__ = ["Weapon", "WeaponTable", "effectors_for", "weapon_table"]

Weapon = Battery | Launcher
WeaponTable = BallisticTable | ReachTable


def weapon_table(weapon: Weapon, max_time_of_flight_s: float, dt_s: float) -> WeaponTable:
    """A railgun's ballistic table over the doctrine's time of flight (and 5 s more), or a
    launcher's reach table over its own."""
    if isinstance(weapon, Launcher):
        return reach_table(weapon)
    return ballistic_table(weapon, t_max_s=max_time_of_flight_s + 5.0, dt_s=dt_s)


def effectors_for(
    weapons: Sequence[Weapon],
    tables: Sequence[WeaponTable],
    doctrine: Doctrine,
    tracker: TrackerConfig,
    dt_s: float,
    target_radius_m: float = 0.0,
) -> list[Effector]:
    """The fire control of each weapon of a scenario, in its order (the engagement loop uses
    the ``Effector`` protocol only). ``target_radius_m``: the threats' body radius fire control
    assumes."""
    out: list[Effector] = []
    for weapon, table in zip(weapons, tables, strict=True):
        if isinstance(weapon, Battery) and isinstance(table, BallisticTable):
            out.append(
                RailgunFireControl(weapon, table, doctrine, tracker, dt_s, target_radius_m)
            )
        elif isinstance(weapon, Launcher) and isinstance(table, ReachTable):
            out.append(InterceptorFireControl(weapon, table, doctrine, tracker, target_radius_m))
        else:
            raise TypeError(
                f"no fire control for a {type(weapon).__name__} with a {type(table).__name__}"
            )
    return out
