"""The nodes of a run: what each holds (its tracks, its books, its doctrine state), and the
messages on its links that have not reached their receivers yet.

Each node is a tracker of its own over the whole batch of replications: R x S track slots,
like the one tracker of a scenario without a network (which is one node holding every sensor
and battery). A node takes in its own sensors' scans, the scans that other nodes' measurement
links bring it (possibly late: ``tracking.tracker`` rule 9) and the track reports of their
track links (``network.sharing``); it commands its own batteries.

``own_t`` per slot is when the node's own data (its sensors' detections, and the measurements
that links bring, which join its composite track) last updated the slot's track; a track known
from track reports alone has -inf there. A battery in ``local`` mode fires only at tracks whose
own data is fresh (``tracker.max_coast_s``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from kaminari.engagement.records import Records
from kaminari.firecontrol.doctrine import Doctrine, EngagementState
from kaminari.network.registration import OffsetEstimator
from kaminari.network.sharing import Correlation, TrackReports
from kaminari.sensors.base import Report, Sensor
from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.tracker import ScanDetections, Tracks, new_tracks

__all__ = ["NO_SOURCE", "OWN", "MeasurementMessage", "NodeState", "TrackMessage"]

OWN, NO_SOURCE = -1, -2
"""``NodeState.source`` of a slot last updated by the node's own data, or by nothing yet."""

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


class NodeState:
    """One node's picture over a batch: ``name``, its batteries (indices into the run's),
    the radar that hands threats over to them (-1: none), its tracks, books, doctrine state
    and ``own_t``; per incoming track link, what it remembers of the sender's tracks and its
    registration estimate."""

    def __init__(
        self,
        name: str,
        reps: int,
        slots: int,
        n_threats: int,
        doctrine: Doctrine,
        batteries: IntArray,
        handover: int,
        log_reps: int,
    ) -> None:
        self.name = name
        self.batteries = batteries
        self.handover = handover
        self.tracks: Tracks = new_tracks(reps, slots)
        self.records = Records(reps, n_threats, slots)
        self.records.log_reps = log_reps
        self.state = EngagementState(reps * slots, doctrine)
        self.own_t = np.full(reps * slots, -np.inf)
        self.source = np.full(reps * slots, NO_SOURCE, dtype=np.int64)
        """What last updated each slot's track: ``OWN`` (its sensors or measurement links),
        a track link's index, or ``NO_SOURCE``."""
        self.correlations: dict[int, Correlation] = {}
        self.offsets: dict[int, OffsetEstimator] = {}

    def own_fresh(self, t_s: float, config: TrackerConfig) -> NDArray[np.bool_]:
        """(N,) slots whose track the node's own data updated within ``max_coast_s``."""
        return t_s - self.own_t <= config.max_coast_s


@dataclass(eq=False)
class MeasurementMessage:
    """One scan's detections on a measurement link: when they were made, by which sensor
    (placed where it then was), the report (labels for the books only) and when each
    replication receives them (inf: lost); ``done`` per replication once taken in."""

    t_s: float
    sensor_index: int
    sensor: Sensor
    report: Report
    dets: ScanDetections
    arrive: Array
    done: NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        self.done = ~np.isfinite(self.arrive)


@dataclass(eq=False)
class TrackMessage:
    """One track report on a track link: the sender's confirmed tracks as sent, the threat
    each followed most (the sender's books, for the receiver's books only), and when each
    replication receives them (inf: lost)."""

    reports: TrackReports
    label: IntArray
    arrive: Array
    done: NDArray[np.bool_] = field(init=False)

    def __post_init__(self) -> None:
        self.done = ~np.isfinite(self.arrive)


def due(arrive: Array, done: NDArray[np.bool_], t_s: float) -> NDArray[np.bool_]:
    """(R,) replications whose copy of a message has arrived by ``t_s`` and is not taken in."""
    return ~done & (arrive <= t_s)

