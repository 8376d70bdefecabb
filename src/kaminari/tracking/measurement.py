"""Measurement models: what a sensor's detection says about a track's state.

A ``MeasurementModel`` gives the predicted measurement h(x) and its Jacobian H, the
measurement covariance R, the residual z - h(x) (angles wrapped), and, where one exists, the
inverse that turns a single detection into a position with its covariance, used to start
tracks. The tracker is written against this protocol only; each sensor hands its detections
over with the model that made them.

``RangeAzimuthElevation``: a radar's range, azimuth (clockwise from north) and elevation from
a geodetic site (``ekf.measure_rae`` for h and H, ``ekf.rae_to_ecef`` and its linearised
covariance for the inverse).

``LineOfSight``: a satellite's angles-only line of sight; each detection has its own platform,
so it gives residuals and Jacobians per (track, detection) pair and has no single-detection
inverse (tracks start from two lines by triangulation, ``tracking.angles``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from kaminari.tracking import ekf

__all__ = [
    "ANGLE_FLOOR_RAD",
    "LineOfSight",
    "MeasurementModel",
    "RangeAzimuthElevation",
    "tangent_basis",
]

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


def tangent_basis(u: Array) -> tuple[Array, Array]:
    """Two unit vectors (..., 3) perpendicular to the unit vectors ``u`` (..., 3) and to each
    other: e1 = a x u / |a x u| with a the ECEF z axis (the x axis where u is within 25 deg of
    it), e2 = u x e1."""
    u = np.asarray(u, dtype=float)
    near_pole = np.abs(u[..., 2]) > 0.9
    a = np.zeros_like(u)
    a[..., 2] = np.where(near_pole, 0.0, 1.0)
    a[..., 0] = np.where(near_pole, 1.0, 0.0)
    e1 = np.cross(a, u)
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    return e1, np.cross(u, e1)


@dataclass(frozen=True, eq=False)
class LineOfSight:
    """An angles-only measurement from a moving platform (a satellite's infrared sensor): the
    unit line of sight u from the platform at p to the target, with the same angular noise
    ``sigma_rad`` on both axes across it.

    A detection's row is z = (u_x, u_y, u_z, p_x, p_y, p_z), ECEF. Each detection has its own
    platform, so the model works on (track, detection) pairs (``pair_residual``) rather than on
    tracks alone: the residual is expressed in the plane across the *measured* line of sight,
    on the two axes of ``tangent_basis(u)``. With d = r - p the track's line of sight and
    d^ = d / |d|, the predicted measurement is h = (e1 . d^, e2 . d^) (the sines of the angles
    between d^ and u along e1 and e2, which are the angles to first order), the measurement
    is 0 there, so nu = -h, and H_r = (e_k - (e_k . d^) d^)^T / |d| (zero on velocity and
    acceleration). No angle wraps and no pole: the axes follow each line of sight. A track
    behind the platform (d^ . u < 0) gets a residual of 2 on each axis, outside any gate.
    R = sigma^2 I_2 plus ``ANGLE_FLOOR_RAD``^2 I_2 (perfect sensing stays invertible).
    """

    sigma_rad: float

    @property
    def R(self) -> Array:
        return (self.sigma_rad**2 + ANGLE_FLOOR_RAD**2) * np.eye(2)

    def pair_residual(self, x: Array, z: Array) -> tuple[Array, Array]:
        """Residuals (M, 2) and Jacobians (M, 2, 9) of the states ``x`` (M, 9) against the
        detections ``z`` (M, 6), pair by pair."""
        x = np.asarray(x, dtype=float)
        z = np.asarray(z, dtype=float)
        u, p = z[:, :3], z[:, 3:6]
        e1, e2 = tangent_basis(u)
        d = x[:, :3] - p
        rng = np.linalg.norm(d, axis=-1)
        dh = d / rng[:, None]
        e = np.stack([e1, e2], axis=1)  # (M, 2, 3)
        h = np.einsum("mki,mi->mk", e, dh)
        nu = np.where((np.einsum("mi,mi->m", dh, u) > 0.0)[:, None], -h, 2.0)
        jac = np.zeros((x.shape[0], 2, 9))
        jac[:, :, :3] = (e - h[:, :, None] * dh[:, None, :]) / rng[:, None, None]
        return nu, jac


ANGLE_FLOOR_RAD = 1e-9
"""Noise floor on each line-of-sight axis, rad (1 nanoradian, as ``ekf.R_FLOOR``'s angles)."""
