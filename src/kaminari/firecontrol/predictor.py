"""Prediction: where fire control expects a tracked threat to be over a round's flight.

A ``Predictor`` turns tracks (slots of ``tracking.Tracks``) into predicted paths sampled at times
after a firing instant; ``state_at`` gives the track state and covariance at that instant (for the
uncertainty at the intercept). ``TrackExtrapolation`` flies the filter's own model (the
nearly-constant-acceleration EKF mean, ``ekf.extrapolate``) on a coarse grid and interpolates; the
oracle that knows the truth lives in ``engagement`` (the only package holding truth).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from kaminari.dynamics.interpolate import hermite_position
from kaminari.earth.frames import ecef2geodetic
from kaminari.tracking.config import COEFFICIENT_FORM_MOTIONS, TrackerConfig
from kaminari.tracking.ekf import extrapolate, predict
from kaminari.tracking.tracker import Tracks, jerk_psd, plain_state, predict_tracks

__all__ = ["PREDICTION_STEP_S", "Predictor", "TrackExtrapolation", "state_at"]

Array = NDArray[np.float64]

PREDICTION_STEP_S = 0.5
"""Step of the extrapolation of a track, interpolated (Hermite) to the projectile's steps."""


class Predictor(Protocol):
    def path(
        self, tracks: Tracks, slots: NDArray[np.intp], x_fire: Array, t_fire_s: float,
        tau_s: Array,
    ) -> Array:
        """Predicted positions (M, K, 3) of the slots' threats at t_fire_s + tau_s (K,), NaN
        where no prediction is made (below ground); ``x_fire`` (M, 9): the slots' filter
        states predicted to the firing instant (``state_at``), which fire control has."""
        ...


def state_at(
    tracks: Tracks, slots: NDArray[np.intp], t_s: float, config: TrackerConfig
) -> tuple[Array, Array]:
    """The slots' filter states (M, 9) and covariances (M, 9, 9) predicted to ``t_s``, as
    plain (r, v, a) (``tracking.tracker.plain_state``): what fire control flies on."""
    q = jerk_psd(tracks, config)[slots]
    if config.motion in COEFFICIENT_FORM_MOTIONS:
        x, P = predict_tracks(tracks.x[slots], tracks.P[slots], t_s - tracks.t_s[slots], q, config)
        return plain_state(x, P, config)
    return predict(
        tracks.x[slots], tracks.P[slots], t_s - tracks.t_s[slots], q, config.prediction_motion
    )


@dataclass(frozen=True)
class TrackExtrapolation:
    """The track's state predicted to the firing instant, flown on by ``motion``
    (``ekf.MOTIONS``): "aero" holds the threat's aerodynamic coefficients (its acceleration
    grows with the air's density and turns with its velocity), "acceleration" holds the
    acceleration itself; "drag" with a threat class's ``class_form`` (``Doctrine.
    threat_class``) holds the lift as an acceleration and flies the drag along the class's
    polar."""

    motion: str = "aero"
    class_form: tuple[float, ...] = ()

    def path(
        self, tracks: Tracks, slots: NDArray[np.intp], x_fire: Array, t_fire_s: float,
        tau_s: Array,
    ) -> Array:
        coarse = np.arange(0.0, tau_s[-1] + PREDICTION_STEP_S, PREDICTION_STEP_S)
        r, v = extrapolate(x_fire, coarse, self.motion, self.class_form)
        pred = hermite_position(coarse, r, v, tau_s)
        pred[ecef2geodetic(pred).alt_m < 0.0] = np.nan
        return pred
