"""Nodes of an allied network and the links between them: what a message meets on its way.

A *node* (``Node``) is a platform of one nation that runs its own tracker on its own sensors
(and on the detections other nodes send it) and commands its own batteries. A *link*
(``Link``) carries either measurements (each scan's detections, cooperative-engagement style)
or tracks (the sender's confirmed tracks, state and covariance, every ``interval_s``) from one
node to another. A message sent at time s reaches its receiver at

    s + max(0, latency_s + jitter_s n),   n ~ N(0, 1),

or never, with probability ``loss``; each replication draws its own latency and loss for each
message. The draws come from the link's own counter-based streams keyed by (seed,
replication, message number) (``kaminari.streams``, parts ``link:<name>:loss`` and
``link:<name>:jitter``), never from the run's generator: adding a link, or a link that loses
everything, leaves every other draw of the run where it was.

Measurements on a link with ``interval_s`` > 0 wait for the link's next send time (a multiple
of the interval) and travel together; with 0 each scan is sent as it is made. A message that
arrives is taken in at the receiver's first instant of delivery at or after its arrival: the
scans of its fastest radar where that radar looks at least every ``DELIVERY_TICK_S`` (its
track-update cycle: what arrived is taken in just before the scan, and fire control decides
once on both), else a grid of ``DELIVERY_TICK_S`` from 0. The replications whose messages
arrive close together are thus taken in together (one batched call), each at most one step
late.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.streams import normals, uniforms

__all__ = ["CARRIES", "DELIVERY_TICK_S", "ENGAGE_MODES", "Link", "Node", "send_times"]

Array = NDArray[np.float64]

CARRIES = ("measurements", "tracks")
"""What a link may carry."""

ENGAGE_MODES = ("local", "launch-on-remote", "engage-on-remote")
"""A battery's engagement modes: ``local`` fires on the tracks its own node's sensors hold
(their own detections and the measurements other nodes send, which make one composite track);
``engage-on-remote`` also on tracks known from other nodes' track reports alone;
``launch-on-remote`` fires on those too, but a round that steers in flight (a guided round, an
interceptor) is completed only when the battery's own node holds the threat in time
(``engagement``)."""

DELIVERY_TICK_S = 0.1
"""Grid to which arrival times are rounded up, s (kaminari's choice: the default integration
step; it delays a message by at most that much, 0.05 s on average)."""


@dataclass(frozen=True)
class Node:
    """A node: ``name`` and ``nation``. Where it is matters through its sensors and batteries
    (a ship's radars move with it: ``sensors.platform.MovingRadar``)."""

    name: str
    nation: str


@dataclass(frozen=True)
class Link:
    """A one-way link from node ``source`` to node ``target`` (indices into the nodes)."""

    name: str
    source: int
    target: int
    carries: Literal["measurements", "tracks"]
    latency_s: float = 0.0
    jitter_s: float = 0.0
    loss: float = 0.0
    interval_s: float = 0.0
    register: bool = False

    def __post_init__(self) -> None:
        checks = (
            ("latency_s", self.latency_s >= 0.0, ">= 0"),
            ("jitter_s", self.jitter_s >= 0.0, ">= 0"),
            ("loss", 0.0 <= self.loss <= 1.0, "within [0, 1]"),
            ("interval_s", self.interval_s >= 0.0, ">= 0"),
        )
        for name, ok, allowed in checks:
            value = getattr(self, name)
            if not (ok and math.isfinite(value)):
                raise ValueError(f"link {self.name!r}: {name} must be finite and {allowed}, "
                                 f"got {value!r}")
        if self.carries not in CARRIES:
            raise ValueError(f"link {self.name!r}: carries must be one of {CARRIES}, "
                             f"got {self.carries!r}")
        if self.carries == "tracks" and self.interval_s <= 0.0:
            raise ValueError(f"link {self.name!r}: a link that carries tracks needs "
                             f"interval_s > 0, got {self.interval_s!r}")
        if self.source == self.target:
            raise ValueError(f"link {self.name!r}: a link joins two different nodes")

    @property
    def immediate(self) -> bool:
        """Whether every message arrives the instant it is made (no latency, no jitter, no
        send interval): the receiver takes it in within the same event."""
        return self.latency_s == 0.0 and self.jitter_s == 0.0 and self.interval_s == 0.0

    def send_of(self, t_s: ArrayLike) -> Array:
        """When data made at ``t_s`` leave: at once, or at the link's next send time."""
        t = np.asarray(t_s, dtype=float)
        if self.interval_s == 0.0:
            return t
        return np.ceil(t / self.interval_s - 1e-9) * self.interval_s

    def arrivals(
        self, seed: int, reps: ArrayLike, send_t_s: ArrayLike,
        grid: tuple[float, float] = (0.0, DELIVERY_TICK_S),
    ) -> Array:
        """(R, K) when each of the K messages sent at ``send_t_s`` (K,) is taken in by the
        receiver in each replication of ``reps`` (R,): its arrival rounded up to the
        receiver's grid of instants ``offset + k step`` (``grid``: (offset, step)) unless the
        link is ``immediate``; inf where it is lost. Message k draws the k-th value of each of
        the link's streams."""
        send = np.asarray(send_t_s, dtype=float)
        rep = np.asarray(reps, dtype=np.int64)
        k = send.size
        delay = np.full((rep.size, k), self.latency_s)
        if self.jitter_s > 0.0 and k:
            delay = np.maximum(delay + self.jitter_s * normals(seed, f"link:{self.name}:jitter",
                                                               rep, k), 0.0)
        at = send[None, :] + delay
        if not self.immediate:
            offset, step = grid
            at = offset + np.ceil((at - offset) / step - 1e-9) * step
        if self.loss > 0.0 and k:
            lost = uniforms(seed, f"link:{self.name}:loss", rep, k) < self.loss
            at = np.where(lost, np.inf, at)
        return at


def send_times(interval_s: float, t_end_s: float) -> Array:
    """A track link's report times: every ``interval_s`` from 0 through ``t_end_s``."""
    n = int(math.floor(t_end_s / interval_s + 1e-9)) + 1
    return np.arange(n) * interval_s
