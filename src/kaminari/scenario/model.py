"""The whole scenario: its threats, radars, batteries, tracker, fire control, defended points
and run settings, the checks that span sections, and the conversion to the numerics' objects."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from pydantic import Field, PrivateAttr, field_validator, model_validator

from kaminari.errors import UserInputError
from kaminari.scenario.base import LatDeg, LonDeg, Name, SiteAltM, _LatLon, _Model
from kaminari.scenario.control import MAX_TRACKS, FireControlConfig, TrackerSettingsConfig
from kaminari.scenario.network import LinkConfig, NodeConfig
from kaminari.scenario.run import RunConfig
from kaminari.scenario.sensors import RadarConfig, SiteConfig
from kaminari.scenario.space import SpaceLayerConfig
from kaminari.scenario.threats import REENTRY_VEHICLE, RcsTableConfig, ThreatConfig
from kaminari.scenario.weapons import BatteryConfig
from kaminari.scenario.yaml_lines import FieldProblem, did_you_mean
from kaminari.threats.guidance import DivePlan
from kaminari.threats.vehicles import VEHICLES

if TYPE_CHECKING:
    from kaminari.engagement.chain import KillChain
    from kaminari.firecontrol.doctrine import Doctrine
    from kaminari.sensors.orbits import TleSet
    from kaminari.sensors.platform import MovingRadar
    from kaminari.sensors.radar import Radar, RcsTable
    from kaminari.sensors.space import SpaceLayer
    from kaminari.threats.dispersion import Dispersion
    from kaminari.threats.flyout import ThreatSpec
    from kaminari.tracking.config import TrackerConfig
    from kaminari.weapons.battery import Battery
    from kaminari.weapons.launcher import Launcher
    from kaminari.weapons.projectile import Projectile

__all__ = ["MAX_SCANS_PER_REPLICATION", "DefendedConfig", "Scenario"]

MAX_SCANS_PER_REPLICATION = 10_000_000
"""The most radar scans (``run.t_max_s / revisit_s``, summed over the radars) that one
replication may take: far above what a real radar needs (a 0.1 s revisit over a whole day is
864,000), far below what a slip such as a microsecond revisit asks for (900,000,000 in 900 s)."""

_UNIQUE = (
    "names unique within threats once raids are expanded (NAME with count N is NAME-1 to NAME-N)"
)


class DefendedConfig(_LatLon, _Model):
    """A defended point, which a dive may name as its target; a threat killed with its debris
    landing within ``keep_out_km`` of it does not count as defended."""

    name: Name
    lat_deg: LatDeg
    lon_deg: LonDeg
    alt_m: SiteAltM = 0.0
    keep_out_km: float = Field(default=1.0, ge=0, le=1_000)


class DebrisConfig(_Model):
    """A killed threat's heaviest remains, flown ballistically from the kill
    (``kaminari.threats.debris``)."""

    ballistic_coefficient_kgpm2: float = Field(default=1_000.0, gt=0, le=1e6)


class Scenario(_Model):
    """A whole scenario file. Only ``name``, ``epoch`` and ``threats`` are required."""

    name: Name
    epoch: dt.datetime = Field(strict=False, description="UTC, e.g. 2027-01-01T00:00:00Z")
    threats: list[ThreatConfig] = Field(min_length=1)
    radars: list[RadarConfig] = []
    batteries: list[BatteryConfig] = []
    tracker: TrackerSettingsConfig = Field(default_factory=TrackerSettingsConfig)
    fire_control: FireControlConfig = Field(default_factory=FireControlConfig)
    defended: list[DefendedConfig] = []
    space_layer: SpaceLayerConfig | None = None
    nodes: list[NodeConfig] = []
    links: list[LinkConfig] = []
    debris: DebrisConfig = DebrisConfig()
    run: RunConfig = RunConfig()
    _folder: str = PrivateAttr(default="")
    """The folder of the file the scenario was read from (a TLE file is relative to it)."""

    @field_validator("epoch")
    @classmethod
    def _epoch_in_utc(cls, value: dt.datetime) -> dt.datetime:
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)

    @model_validator(mode="after")
    def _names_unique_and_targets_known(self) -> Scenario:
        for key in ("threats", "radars", "batteries", "defended", "nodes"):
            first: dict[str, int] = {}
            for i, item in enumerate(getattr(self, key)):
                if item.name in first:
                    message = f"{item.name!r} is already the name of {key}[{first[item.name]}]"
                    raise FieldProblem((key, i, "name"), message, f"names unique within {key}")
                first[item.name] = i
        names = [d.name for d in self.defended]
        for i, threat in enumerate(self.threats):
            dive = threat.guidance.dive if threat.guidance is not None else None
            if dive is not None and dive.target is not None and dive.target not in names:
                loc = ("threats", i, "guidance", "dive", "target")
                message = f"no defended point named {dive.target!r}" + did_you_mean(
                    dive.target, names
                )
                allowed = ", ".join(names) if names else "a name listed under defended (none are)"
                raise FieldProblem(loc, message, allowed)
        use = self.fire_control.use
        batteries = [b.name for b in self.batteries]
        for k, name in enumerate([use] if isinstance(use, str) else use or []):
            if name not in batteries:
                loc = ("fire_control", "use") + (() if isinstance(use, str) else (k,))
                message = f"no battery named {name!r}" + did_you_mean(name, batteries)
                raise FieldProblem(loc, message, ", ".join(batteries) or "a battery's name")
        return self

    @model_validator(mode="after")
    def _network_known(self) -> Scenario:
        """Without ``nodes`` nothing names a node and there are no links; with them every
        radar and battery (and the space layer) names a node that exists, every link joins
        two, and a radar without a site stands on its node (a ship's radar rides it)."""
        names = [n.name for n in self.nodes]
        owners: list[tuple[str, int, Any]] = [
            *(("radars", i, r) for i, r in enumerate(self.radars)),
            *(("batteries", i, b) for i, b in enumerate(self.batteries)),
        ]
        if self.space_layer is not None:
            owners.append(("space_layer", -1, self.space_layer))
        allowed = ", ".join(names) if names else "a node listed under nodes (none are)"
        for key, i, item in owners:
            loc: tuple[str | int, ...] = (key, "node") if i < 0 else (key, i, "node")
            if item.node is None:
                if names and key != "space_layer":
                    raise FieldProblem(loc, "required with nodes: every sensor and battery "
                                       "belongs to one", allowed)
                continue
            if item.node not in names:
                message = f"no node named {item.node!r}" + did_you_mean(item.node, names)
                raise FieldProblem(loc, message, allowed)
        for k, link in enumerate(self.links):
            for end, name in (("from", link.source), ("to", link.to)):
                if name not in names:
                    message = f"no node named {name!r}" + did_you_mean(name, names)
                    raise FieldProblem(("links", k, end), message, allowed)
        if self.links and self.tracker.motion in ("imm", "aero-imm") and any(
            link.carries == "tracks" for link in self.links
        ):
            raise FieldProblem(("tracker", "motion"),
                               f"{self.tracker.motion} cannot take shared tracks",
                               "acceleration, aero, drag or aero-unscented with links that "
                               "carry tracks")
        for i, radar in enumerate(self.radars):
            node = self.nodes[names.index(radar.node)] if radar.node is not None else None
            if node is not None and node.ship is not None:
                ship = SiteConfig(lat_deg=node.ship.lat_deg, lon_deg=node.ship.lon_deg,
                                  alt_m=radar.site.alt_m if radar.site is not None else 0.0)
                if radar.site is not None and (
                    abs(radar.site.lat_deg - ship.lat_deg) > 1e-9
                    or abs(radar.site.lon_deg - ship.lon_deg) > 1e-9
                ):
                    raise FieldProblem(("radars", i, "site"), "a radar on a ship rides it",
                                       "no site (or the ship's position at time 0)")
                object.__setattr__(radar, "site", ship)
            elif radar.site is None:
                if node is None:
                    raise FieldProblem(("radars", i, "site"), "required but missing",
                                       "a site (lat_deg, lon_deg, alt_m), or a node to stand on")
                assert node.site is not None
                object.__setattr__(radar, "site", node.site)
        return self

    @model_validator(mode="after")
    def _track_slots_for_the_raid(self) -> Scenario:
        """Where the file leaves ``tracker.max_tracks`` out, room for the raid: the default, or
        two slots per threat and four more where the raid needs more (each threat's track,
        its re-initiations and the lone detections of false alarms share the slots); at most
        the largest allowed. A value the file gives is kept as given."""
        if "max_tracks" in self.tracker.model_fields_set:
            return self
        n_threats = sum(t.count for t in self.threats)
        need = min(MAX_TRACKS, 2 * n_threats + 4)
        if need > self.tracker.max_tracks:
            tracker = self.tracker.model_copy(update={"max_tracks": need})
            object.__setattr__(self, "tracker", tracker)
        return self

    @model_validator(mode="after")
    def _raids_fit(self) -> Scenario:
        """Names unique once raids are expanded, and every threat starting before t_max_s."""
        owner: dict[str, int] = {}
        for i, threat in enumerate(self.threats):
            for name in threat.names():
                if name in owner:
                    raise FieldProblem(
                        ("threats", i, "name"), _clash(self.threats, i, owner[name], name), _UNIQUE
                    )
                owner[name] = i
        t_max = self.run.t_max_s
        for i, threat in enumerate(self.threats):
            last = threat.last_start_t_s
            if last < t_max:
                continue
            if threat.start_t_s < t_max:  # the first starts in time, the last does not
                loc: tuple[str | int, ...] = ("threats", i, "spacing_s")
                message = (
                    f"the last of {threat.count} starts at {last:g} s ({threat.start_t_s:g} + "
                    f"{threat.count - 1} x {threat.spacing_s:g}), not before run.t_max_s {t_max:g}"
                )
            else:
                loc = ("threats", i, "start_t_s")
                message = f"{threat.start_t_s:g} is not before run.t_max_s {t_max:g}"
            raise FieldProblem(loc, message, "start_t_s + (count - 1) * spacing_s < run.t_max_s")
        return self

    @model_validator(mode="after")
    def _scans_countable(self) -> Scenario:
        """At most ``MAX_SCANS_PER_REPLICATION`` radar scans, summed over the radars."""
        t_max = self.run.t_max_s
        scans = [t_max / radar.revisit_s for radar in self.radars]
        total = sum(scans)
        if total <= MAX_SCANS_PER_REPLICATION:
            return self
        k = max(range(len(scans)), key=scans.__getitem__)
        message = (
            f"{self.radars[k].revisit_s:g} s over run.t_max_s {t_max:g} s is {scans[k]:,.0f} "
            "scans per replication"
        )
        if len(scans) > 1:
            message += f" ({total:,.0f} with the other radars)"
        allowed = (
            f"at most {MAX_SCANS_PER_REPLICATION:,} scans per replication "
            "(a longer revisit_s or a shorter t_max_s)"
        )
        raise FieldProblem(("radars", k, "revisit_s"), message, allowed)

    def defended_point(self, name: str) -> DefendedConfig:
        """The defended point called ``name`` (KeyError if there is none)."""
        return _by_name(self.defended, name)

    def battery(self, name: str) -> BatteryConfig:
        """The battery called ``name`` (KeyError if there is none)."""
        return _by_name(self.batteries, name)

    def battery_projectile(self, name: str) -> Projectile:
        """The projectile that the battery called ``name`` fires."""
        return self.battery(name).to_projectile()

    def radar_models(self) -> list[Radar | MovingRadar]:
        """The radars in SI (radians, metres), in the order of the file; a radar on a ship
        moves with it (``sensors.platform.MovingRadar``)."""
        from kaminari.sensors.platform import MovingRadar, ShipTrack

        out: list[Radar | MovingRadar] = []
        ships = {n.name: n.ship for n in self.nodes if n.ship is not None}
        for radar in self.radars:
            model = radar.to_radar()
            ship = ships.get(radar.node or "")
            if ship is not None:
                track = ShipTrack(ship.lat_rad, ship.lon_rad, math.radians(ship.course_deg),
                                  ship.speed_mps)
                out.append(MovingRadar(model, track))
            else:
                out.append(model)
        return out

    def network(self) -> dict[str, Any]:
        """The network's part of the kill chain: nodes, links, the node of each radar, of each
        fighting battery and of the space layer, and each fighting battery's mode (nothing
        without nodes)."""
        if not self.nodes:
            return {}
        names = [n.name for n in self.nodes]
        layer = self.space_layer
        return {
            "nodes": tuple(n.to_node() for n in self.nodes),
            "links": tuple(link.to_link(names) for link in self.links),
            "radar_node": tuple(names.index(r.node or "") for r in self.radars),
            "battery_node": tuple(names.index(b.node or "") for b in self.fighting()),
            "space_node": names.index(layer.node) if layer is not None and layer.node else 0,
            "engage": tuple(b.engage for b in self.fighting()),
        }

    def battery_models(self) -> list[Battery]:
        """The railgun batteries in SI (radians, metres, seconds), in the order of the file
        (interceptor launchers left out)."""
        return [b.to_battery() for b in self.fighting() if b.kind == "railgun"]

    def fighting(self) -> list[BatteryConfig]:
        """The batteries that fight (``fire_control.use``; all by default), in file order."""
        used = set(self.fire_control.used([b.name for b in self.batteries]))
        return [b for b in self.batteries if b.name in used]

    def weapon_models(self) -> list[Battery | Launcher]:
        """The fighting batteries in SI, railguns and interceptor launchers, in file order."""
        return [battery.to_weapon() for battery in self.fighting()]

    def tracker_config(self) -> TrackerConfig:
        """The tracker's configuration."""
        return self.tracker.to_tracker_config()

    def doctrine(self) -> Doctrine:
        """The fire doctrine."""
        return self.fire_control.to_doctrine()

    def require_kill_chain(self, source: str) -> None:
        """Raise the one-line UserInputError unless there is a radar and a battery to run the
        kill chain with (``source``: the file named in the error)."""
        if not self.radars or not self.batteries:
            raise UserInputError(
                source,
                None,
                "radars" if not self.radars else "batteries",
                "a kill chain needs at least one",
                "one or more radars and one or more batteries",
            )

    def kill_chain(self, predictor: str = "physics") -> KillChain:
        """Everything the kill chain needs, in SI: threats, radars, batteries, tracker,
        doctrine, the run's time step and limit, and the defended points (which order fire
        control's service of a raid)."""
        from kaminari.engagement.chain import KillChain

        return KillChain(
            threats=tuple(self.threat_specs()),
            radars=tuple(self.radar_models()),
            batteries=tuple(self.weapon_models()),
            tracker=self.tracker_config(),
            doctrine=self.doctrine(),
            dt_s=self.run.dt_s,
            t_max_s=self.run.t_max_s,
            predictor=predictor,  # type: ignore[arg-type]
            defended=tuple((d.lat_rad, d.lon_rad, d.alt_m) for d in self.defended),
            dispersions=tuple(self.threat_dispersions()),
            rcs_m2=tuple(self.threat_rcs()),
            space_layer=self.space_layer_model(),
            keep_out_m=tuple(d.keep_out_km * 1e3 for d in self.defended),
            debris_ballistic_coefficient_kgpm2=self.debris.ballistic_coefficient_kgpm2,
            **self.network(),
        )

    def as_stored(self) -> tuple[Scenario, tuple[tuple[str, str], ...]]:
        """The scenario as a run folder keeps it, and the files it names: a space layer's TLE
        file is copied beside it (under its own name) and named so, so that the folder holds
        everything its report and a resume need."""
        import os

        layer = self.space_layer
        if layer is None or layer.tle_file is None:
            return self, ()
        path = os.path.join(self._folder, layer.tle_file)
        with open(path, encoding="utf-8") as file:
            text = file.read()
        name = os.path.basename(layer.tle_file)
        stored = self.model_copy(
            update={"space_layer": layer.model_copy(update={"tle_file": name})}
        )
        return stored, ((name, text),)

    def space_layer_model(self) -> SpaceLayer | None:
        """The space layer in SI (None: no layer, or one with ``enabled: false``), its orbits
        from its Walker pattern or its TLE file (relative to the scenario's folder)."""
        import os

        from kaminari.sensors.orbits import WalkerDelta, read_tle
        from kaminari.sensors.space import SpaceLayer

        layer = self.space_layer
        if layer is None or not layer.enabled:
            return None
        if layer.constellation is not None:
            c = layer.constellation
            orbits: WalkerDelta | TleSet = WalkerDelta(
                altitude_km=c.altitude_km, inclination_deg=c.inclination_deg, planes=c.planes,
                sats_per_plane=c.sats_per_plane, phasing=c.phasing, epoch=self.epoch,
                raan0_deg=c.raan0_deg,
            )  # fmt: skip
        else:
            orbits = read_tle(os.path.join(self._folder, layer.tle_file or ""), self.epoch)
        s = layer.sensor
        return SpaceLayer(
            orbits=orbits,
            band_m=(s.band_um[0] * 1e-6, s.band_um[1] * 1e-6),
            off_nadir_max_rad=math.radians(s.off_nadir_max_deg),
            frame_s=s.frame_s,
            los_sigma_rad=s.los_sigma_urad * 1e-6,
            nei_w_per_cm2=s.nei_w_per_cm2,
            snr_min=s.snr_min,
            latency_s=s.latency_s,
            false_alarms_per_frame=s.false_alarms_per_frame,
            clutter_fraction=s.clutter_fraction,
            ifov_rad=s.ifov_urad * 1e-6,
            name=layer.name,
        )

    def threat_rcs(self) -> list[float | RcsTable]:
        """Each threat's radar cross-section in m^2 or its table against aspect (a raid's
        threats share their entry's), in the order of ``threat_specs``."""
        return [
            t.rcs_m2.to_table() if isinstance(t.rcs_m2, RcsTableConfig) else t.rcs_m2
            for t in self.threats
            for _ in range(t.count)
        ]

    def threat_dispersions(self) -> list[Dispersion | None]:
        """Each threat's dispersion (a raid's threats share their entry's; None: none), in
        the order of ``threat_specs``."""
        out: list[Dispersion | None] = []
        for t in self.threats:
            d = t.dispersion.to_dispersion() if t.dispersion is not None else None
            out += [d] * t.count
        return out

    def threat_costs(self) -> dict[str, float]:
        """What each threat (a raid's by member name) costs its owner, US$."""
        return {n: t.cost_usd for t in self.threats for n in t.names()}

    def dive_plan(self, threat: ThreatConfig) -> DivePlan | None:
        """The threat's terminal dive in SI, its target resolved, or None without a dive."""
        dive = threat.guidance.dive if threat.guidance is not None else None
        if dive is None:
            return None
        if dive.target is not None:
            point = self.defended_point(dive.target)
            lat_rad, lon_rad, alt_m = point.lat_rad, point.lon_rad, point.alt_m
        else:
            lat_rad, lon_rad = math.radians(dive.lat_deg or 0.0), math.radians(dive.lon_deg or 0.0)
            alt_m = dive.alt_m or 0.0
        return DivePlan(
            target_lat_rad=lat_rad,
            target_lon_rad=lon_rad,
            target_alt_m=alt_m,
            start_range_m=dive.start_range_km * 1e3,
            navigation_gain=dive.navigation_gain,
            max_load_g=dive.max_load_g,
        )

    def threat_specs(self) -> list[ThreatSpec]:
        """The threats as the flyout takes them: SI units, vehicles looked up, dives resolved,
        each raid expanded into its threats (``kaminari.threats.raid.expand_raid``), in the
        order of the file."""
        from kaminari.threats.ballistic import BALLISTIC, reentry_vehicle
        from kaminari.threats.flyout import ThreatSpec  # numerics only when flying
        from kaminari.threats.raid import expand_raid

        specs: list[ThreatSpec] = []
        for t in self.threats:
            if t.vehicle == REENTRY_VEHICLE:
                vehicle = reentry_vehicle(t.ballistic_coefficient_kgpm2 or 0.0)
                guidance = BALLISTIC
            else:
                vehicle = VEHICLES[t.vehicle]
                guidance = t.guidance.to_plan(self.dive_plan(t))  # type: ignore[union-attr]
            spec = ThreatSpec(
                name=t.name,
                vehicle=vehicle,
                start=t.start.to_glide_start() if t.start is not None else None,
                guidance=guidance,
                start_t_s=t.start_t_s,
                launch=t.launch.to_launch(t.start_t_s) if t.launch is not None else None,
            )
            specs += expand_raid(spec, t.count, t.spacing_s, t.lateral_spacing_km * 1e3)
        return specs


def _by_name(items: list[Any], name: str) -> Any:
    for item in items:
        if item.name == name:
            return item
    raise KeyError(name)


def _clash(threats: list[ThreatConfig], i: int, j: int, name: str) -> str:
    """What is wrong where entry ``i`` gives ``name``, which entry ``j`` gave already."""
    this, that = threats[i], threats[j]
    given = f"{name!r}"
    if this.count > 1:
        given = f"{this.name!r} with count {this.count} gives {name!r}, which"
    if that.count == 1:
        return f"{given} is already the name of threats[{j}]"
    first, *_, last = that.names()
    return f"{given} is already the name of one of threats[{j}]'s {that.count} ({first} to {last})"
