"""The scenario file: its schema, the loader, and the conversion to kaminari's internal objects.

A scenario is a YAML file (see ``examples/glide_to_coast.yaml``). Degrees, kilometres and
other edge units appear only here, with the unit in the field name (``lat_deg``, ``alt_km``);
the conversions (``threat_specs``, ``radar_models``, ``battery_models``, ``tracker_config``,
``doctrine``, ``battery_projectile``, the ``*_rad`` and ``*_m`` properties) hand SI values to the
numerics, which they import only when called. Fields of the kill-chain sections (radars,
batteries, tracker, fire_control) left out of the file take the defaults of the internal
dataclasses they become. Every model forbids unknown fields and is strict about types:
``speed_mps: "5000"`` or ``magazine: 40.5`` is an error, not a silent conversion.

The modules, by concern: ``base`` (the strict base model and shared field types), ``threats``
(glide start, bank, dive, guidance, threat entries and raids), ``sensors`` (radars, sites),
``weapons`` (batteries), ``control`` (tracker, fire control), ``run`` (run settings), ``model``
(the whole ``Scenario`` and its cross-section checks), ``loader`` (load, parse, dump) and
``yaml_lines`` (the line of each field, and the words of an error). Import from here.

Conventions a user must know: heading is clockwise from north, -180 <= heading_deg <= 360;
flight path angle is above the local horizontal; site altitudes are above the WGS84 ellipsoid
(-500 m or higher, lower is below ground); a battery's azimuth sector runs clockwise from min to
max (min > max crosses north); an epoch without a time zone is taken as UTC.

Every problem a user can cause is a ``ScenarioError`` (``kaminari.errors.UserInputError``)
whose ``str`` is one line, ``file:line: field: what is wrong; allowed: what is allowed``.
"""

from __future__ import annotations

from kaminari.errors import UserInputError
from kaminari.scenario.control import FireControlConfig, TrackerSettingsConfig
from kaminari.scenario.loader import dump_scenario, load_scenario, parse_scenario
from kaminari.scenario.model import MAX_SCANS_PER_REPLICATION, DefendedConfig, Scenario
from kaminari.scenario.run import RunConfig
from kaminari.scenario.sensors import RadarConfig, RadarSigmaConfig, SiteConfig
from kaminari.scenario.threats import (
    MAX_RAID_COUNT,
    BankConfig,
    DiveConfig,
    GuidanceConfig,
    ThreatConfig,
    ThreatStartConfig,
)
from kaminari.scenario.weapons import (
    AzimuthSectorConfig,
    BatteryConfig,
    DispersionConfig,
    ElevationLimitsConfig,
    ProjectileConfig,
)

ScenarioError = UserInputError
"""The one-line user-input error, under the name the scenario has always given it."""

__all__ = [
    "MAX_RAID_COUNT",
    "MAX_SCANS_PER_REPLICATION",
    "AzimuthSectorConfig",
    "BankConfig",
    "BatteryConfig",
    "DefendedConfig",
    "DispersionConfig",
    "DiveConfig",
    "ElevationLimitsConfig",
    "FireControlConfig",
    "GuidanceConfig",
    "ProjectileConfig",
    "RadarConfig",
    "RadarSigmaConfig",
    "RunConfig",
    "Scenario",
    "ScenarioError",
    "SiteConfig",
    "ThreatConfig",
    "ThreatStartConfig",
    "TrackerSettingsConfig",
    "dump_scenario",
    "load_scenario",
    "parse_scenario",
]
