"""An allied network in a scenario: its nodes (a fixed site or a ship, of a nation) and the
links between them (``kaminari.network.links``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from kaminari.scenario.base import LonDeg, Name, _LatLon, _Model
from kaminari.scenario.sensors import SiteConfig
from kaminari.scenario.yaml_lines import FieldProblem

if TYPE_CHECKING:
    from kaminari.network.links import Link, Node

__all__ = ["LinkConfig", "NodeConfig", "ShipConfig"]


class ShipConfig(_LatLon, _Model):
    """A ship: where it is at time 0, its course (clockwise from north) and its speed; it
    steams along the rhumb line (``sensors.platform.ShipTrack``)."""

    lat_deg: float = Field(ge=-89, le=89)
    lon_deg: LonDeg
    course_deg: float = Field(default=0.0, ge=0, lt=360)
    speed_mps: float = Field(default=0.0, ge=0, le=30, description="at most 30 m/s (58 kn)")


class NodeConfig(_Model):
    """A node of the network: a name, a nation, and a fixed ``site`` or a ``ship`` (one of the
    two). Its radars and batteries name it (``node:``); it runs its own tracker on them."""

    name: Name
    nation: Name
    site: SiteConfig | None = None
    ship: ShipConfig | None = None

    @model_validator(mode="after")
    def _one_platform(self) -> NodeConfig:
        if (self.site is None) == (self.ship is None):
            given = "both" if self.site is not None else "neither"
            raise FieldProblem(("site",), f"{given} of site and ship given",
                               "a site (fixed) or a ship, one of the two")
        return self

    def to_node(self) -> Node:
        from kaminari.network.links import Node

        return Node(self.name, self.nation)


class LinkConfig(_Model):
    """A one-way link ``from`` a node ``to`` another: what it carries (``measurements``: each
    scan's detections; ``tracks``: the sender's confirmed tracks every ``interval_s``), its
    latency (mean and Gaussian jitter, s), the chance a message is lost, and whether the
    receiver estimates the offset of the sender's tracks from its own (``estimate_bias``)."""

    source: Name = Field(alias="from")
    to: Name
    carries: Literal["measurements", "tracks"]
    latency_s: float = Field(default=0.0, ge=0, le=600)
    jitter_s: float = Field(default=0.0, ge=0, le=600)
    loss: float = Field(default=0.0, ge=0, le=1)
    interval_s: float = Field(default=0.0, ge=0, le=600,
                              description="tracks: the report interval (> 0); measurements: "
                              "0 sends each scan as made")
    estimate_bias: bool = False

    @model_validator(mode="after")
    def _sensible(self) -> LinkConfig:
        if self.source == self.to:
            raise FieldProblem(("to",), f"{self.to!r} is the link's own sender",
                               "a node other than the sender")
        if self.carries == "tracks" and self.interval_s <= 0:
            raise FieldProblem(("interval_s",), f"{self.interval_s:g} for a link that carries "
                               "tracks", "interval_s > 0 (the report interval, s)")
        if self.estimate_bias and self.carries != "tracks":
            raise FieldProblem(("estimate_bias",), "bias estimation works on shared tracks",
                               "estimate_bias with carries: tracks")
        return self

    @property
    def name(self) -> str:
        return f"{self.source}->{self.to}"

    def to_link(self, nodes: list[str]) -> Link:
        from kaminari.network.links import Link

        return Link(self.name, nodes.index(self.source), nodes.index(self.to), self.carries,
                    self.latency_s, self.jitter_s, self.loss, self.interval_s, self.estimate_bias)

