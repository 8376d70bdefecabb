"""Measurement models: what a sensor's detection says about a track's state.

A ``MeasurementModel`` gives the predicted measurement h(x) and its Jacobian H, the
measurement covariance R, the residual z - h(x) (angles wrapped), and, where one exists, the
inverse that turns a single detection into a position with its covariance, used to start
tracks. The tracker is written against this protocol only; each sensor hands its detections
over with the model that made them.

``RangeAzimuthElevation``: a radar's range, azimuth (clockwise from north) and elevation from
a geodetic site (``ekf.measure_rae`` for h and H, ``ekf.rae_to_ecef`` and its linearised
covariance for the inverse).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from kaminari.tracking import ekf

__all__ = ["MeasurementModel", "RangeAzimuthElevation"]

Array = NDArray[np.float64]


class MeasurementModel(Protocol):
    """h, H, R, the residual and (where one exists) the inverse of one kind of measurement."""

    @property
    def R(self) -> Array:
        """Measurement covariance (m, m)."""
        ...

    def predict(self, x: Array) -> tuple[Array, Array]:
        """Predicted measurements (..., m) and Jacobians (..., m, 9) at states (..., 9)."""
        ...

    def residual(self, z: Array, z_pred: Array) -> Array:
        """z - z_pred (..., m), angles wrapped into (-pi, pi]."""
        ...

    def to_position(self, z: Array) -> tuple[Array, Array]:
        """ECEF positions (..., 3) and their covariances (..., 3, 3) of single detections."""
        ...


@dataclass(frozen=True, eq=False)
class RangeAzimuthElevation:
    """A radar's (range m, azimuth rad, elevation rad) from a geodetic site (radians, m).
    ``covariance``: R as the sensor states it; the filter adds ``ekf.R_FLOOR`` so that perfect
    sensing (R = 0) stays invertible."""

    lat_rad: float
    lon_rad: float
    alt_m: float
    covariance: Array

    @property
    def R(self) -> Array:
        return np.asarray(self.covariance, dtype=float) + ekf.R_FLOOR

    def predict(self, x: Array) -> tuple[Array, Array]:
        return ekf.measure_rae(x, self.lat_rad, self.lon_rad, self.alt_m)

    def residual(self, z: Array, z_pred: Array) -> Array:
        nu = np.asarray(z, dtype=float) - z_pred
        nu[..., 1] = ekf.wrap_pi(nu[..., 1])
        return nu

    def to_position(self, z: Array) -> tuple[Array, Array]:
        site = (self.lat_rad, self.lon_rad, self.alt_m)
        return ekf.rae_to_ecef(z, *site), ekf.rae_to_ecef_covariance(z, self.R, *site)
