"""What the engagement loop asks of a sensor (``Sensor``), and what a sensor reports
(``Report``).

A sensor keeps its own schedule (``scan_times``), says what it could see (``covers``: the
engagement asks it of the truth, the tracker's side of the loop of the tracks' own estimates),
and measures: given the true positions of a batch of replications' threats at a scan time, it
returns detections without identity (replication and measurement) and the measurement model
that made them. The label of the threat behind each detection (or -1 for a false alarm) is
returned beside them for the engagement's records only; it is never handed to the tracker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from kaminari.streams import Streams
from kaminari.tracking.measurement import MeasurementModel

__all__ = ["Report", "Sensor"]

Array = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Report:
    """One scan's detections: ``rep`` (D,) replication of each (ascending), ``z`` (D, m)
    measurements, ``label`` (D,) the threat index behind each (-1 false alarm; for the
    engagement's records only)."""

    rep: NDArray[np.int64]
    z: Array
    label: NDArray[np.int64]


class Sensor(Protocol):
    """A sensor as the engagement loop uses it."""

    name: str

    def scan_times(self, t0_s: float, t1_s: float) -> Array:
        """Its scan times within [t0_s, t1_s], ascending."""
        ...

    def covers(self, r_ecef: Array) -> NDArray[np.bool_]:
        """Whether it could see targets at ECEF positions (..., 3)."""
        ...

    @property
    def clutter(self) -> bool:
        """Whether its scans may report false alarms (a scan with nothing in view and no track
        in view can then not be skipped)."""
        ...

    def measurement_model(self) -> MeasurementModel:
        """The model of its measurements, handed to the tracker with them."""
        ...

    def measure(
        self,
        t_s: float,
        r_true: Array,
        exists: NDArray[np.bool_],
        draws: Streams,
        rcs_m2: Array | None = None,
    ) -> Report:
        """Detections at scan time ``t_s`` of threats at true ECEF positions ``r_true``
        (R, T, 3) that exist where ``exists`` (R, T), plus any false alarms. ``rcs_m2``: the
        threats' radar cross-sections (T,) or (R, T), m^2 (None: 1 m^2); a sensor whose
        detections do not depend on target size ignores it. ``draws``: the batch's keyed
        streams (common random numbers), from which the sensor draws under its own name."""
        ...
