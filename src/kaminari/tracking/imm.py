"""An interacting multiple model (IMM) filter over the tracker's two motions: the held
acceleration (``ekf.MOTIONS`` "acceleration", nearly constant acceleration: manoeuvres,
thrust) and the held aerodynamic coefficients ("aero": a glide or dive that keeps its angle of
attack and bank). ``tracker.motion: imm``. The same algorithm runs ``tracker.motion:
aero-imm``, three aero-unscented filters (quiet, manoeuvring, weaving; ``tracker``), whose
states ``mix`` handles in their coefficient form.

The IMM of H. A. P. Blom and Y. Bar-Shalom, "The interacting multiple model algorithm for
systems with Markovian switching coefficients", IEEE Trans. Automatic Control 33(8), 1988
(also Bar-Shalom, Li & Kirubarajan 2001, sec. 11.6.6), per track and per scan:

1. mixing: the predicted model probabilities c_j = sum_i p_ij mu_i and each model's mixed
   start x0_j = sum_i mu_i|j x_i, P0_j = sum_i mu_i|j (P_i + (x_i - x0_j)(x_i - x0_j)^T) with
   mu_i|j = p_ij mu_i / c_j;
2. each model predicted by its own motion (the aero model with ``AERO_Q_FACTOR`` of the jerk
   PSD: its physics explains most of a glide's changing acceleration);
3. the combination of the predictions gates and associates as a single filter would;
4. an associated detection updates each model; its likelihood N(nu_j; 0, S_j) weights the
   model probabilities, mu_j proportional to L_j c_j; the track's state and covariance are the
   moment-matched combination. A track not updated keeps the predictions and c.

The switching probability over a step of dt is 1 - exp(-dt / ``SOJOURN_S``). Wherever the
tracker writes a track's state outside the IMM (a new track's two-point start, a late line of
sight), every model restarts from that state, keeping its probability. With K models, a step
of dt leaves a model with probability 1 - exp(-dt / sojourn) for any other alike.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy.typing import NDArray

from kaminari.tracking import ekf

__all__ = [
    "AERO_IMM_SOJOURN_S",
    "AERO_Q_FACTOR",
    "MODELS",
    "SOJOURN_S",
    "ImmState",
    "combine",
    "imm_predict",
    "imm_update",
    "mix",
    "model_predictors",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]
Predictor = Callable[[Array, Array, Array, Array], tuple[Array, Array]]
"""A model's prediction (x, P, dt, q) -> (x, P) over states (M, 9) and covariances."""

MODELS = ("acceleration", "aero")
AERO_Q_FACTOR = 0.1
"""The aero model's jerk PSD over the track's (kaminari's choice: the held coefficients follow
a free glide 50 times closer than the held acceleration, tests/test_aero_motion.py)."""
SOJOURN_S = 20.0
"""Mean time in a model, s (kaminari's choice: a glide's phases last tens of seconds)."""
AERO_IMM_SOJOURN_S = 200.0
"""Mean time in a model of the "aero-imm" motion, s (kaminari's choice: a glide holds its
guidance law, a fixed angle of attack or an equilibrium glide's slowly rising one, for hundreds
of seconds). Measured on the equilibrium glide of tests/test_aero_imm.py (100 runs, radar A):
NEES 7.8, 8.0 and 7.9 on average and position RMSE from 30 s 128, 121 and 115 m (final 208,
175 and 153 m) for 20, 200 and 1,000 s."""


@dataclass(eq=False)
class ImmState:
    """Per track slot: each of the K models' state (N, K, 9) and covariance (N, K, 9, 9),
    the model probabilities (N, K), and the combined state the models were last combined
    into (to tell when something else has written the track)."""

    xm: Array
    Pm: Array
    mu: Array
    xc: Array

    @classmethod
    def empty(cls, n: int, k: int = 2) -> ImmState:
        return cls(
            np.full((n, k, 9), np.nan), np.full((n, k, 9, 9), np.nan),
            np.full((n, k), 1.0 / k), np.full((n, 9), np.nan),
        )  # fmt: skip


def combine(
    mu: Array, xm: Array, Pm: Array, coefficient_form: bool = False
) -> tuple[Array, Array]:
    """The moment-matched mixture (M, 9), (M, 9, 9) of models (M, K, ...) weighted by mu
    (``mix`` with one column; ``coefficient_form`` as there)."""
    x, p = mix(mu[:, :, None], xm, Pm, coefficient_form)
    return x[:, 0], p[:, 0]


def _resync(imm: ImmState, x: Array, P: Array, slots: IntArray) -> None:
    """Restart every model of ``slots`` from the track's state where it changed outside."""
    changed = ~np.all(imm.xc[slots] == x[slots], axis=-1)
    fresh = slots[changed]
    if fresh.size:
        imm.xm[fresh] = x[fresh, None, :]
        imm.Pm[fresh] = P[fresh, None, :, :]
        bad = ~np.isfinite(imm.mu[fresh]).all(axis=-1)
        imm.mu[fresh[bad]] = 1.0 / imm.mu.shape[1]


def mix(
    w: Array, xm: Array, Pm: Array, coefficient_form: bool = False
) -> tuple[Array, Array]:
    """Moment-matched mixtures (M, J, 9), (M, J, 9, 9) of the models (M, I, 9), (M, I, 9, 9)
    with weights w (M, I, J) (each column summing to 1): mixing (step 1) and combining (J =
    1). With ``coefficient_form`` (the "aero-imm" motion, whose models hold their acceleration
    in ``ekf.predict_unscented``'s coefficient form, each at its own estimate) a model's
    acceleration is first re-expressed at the mixture's position and velocity (its
    coefficients kept, ``ekf.rebase_matrices``), so that what is averaged is the
    coefficients.
    Averaging the accelerations as they are, taken at positions metres apart, would shift
    the coefficients by the density's curvature between them (w1 w2 (dh / H)^2 / 2: 8e-6
    for models 60 m apart in height, tests/test_aero_imm.py), small against what a track
    knows of its coefficients early in a glide, not late."""
    m, n_in, n_out = w.shape
    xs = np.broadcast_to(xm[:, :, None, :], (m, n_in, n_out, 9))
    ps = np.broadcast_to(Pm[:, :, None], (m, n_in, n_out, 9, 9))
    if coefficient_form:
        rv = np.einsum("mij,mia->mja", w, xm[..., :6])  # each mixture's r, v (M, J, 6)
        flat_x, flat_p = xm.reshape(-1, 9), Pm.reshape(-1, 9, 9)
        j = ekf.rebase_matrices(
            flat_x, np.repeat(rv, n_in, axis=0), ekf.aero_members(flat_x, flat_p)
        ).reshape(m, n_in, n_out, 3, 3)
        xs, ps = ekf.apply_rebase(j, xs, ps)
    x0 = np.einsum("mij,mija->mja", w, xs)
    d = xs - x0[:, None]
    p0 = np.einsum("mij,mijab->mjab", w, ps + d[..., :, None] * d[..., None, :])
    return x0, p0


def imm_predict(
    imm: ImmState, x: Array, P: Array, slots: IntArray, dt: Array, q: Array,
    predictors: Sequence[Predictor] | Predictor | None = None, coefficient_form: bool = False,
    sojourn_s: float = SOJOURN_S,
) -> tuple[Array, Array, Array, Array, Array]:
    """Steps 1-3 for ``slots`` over their ``dt`` with jerk PSDs ``q``, model j predicted by
    ``predictors[j](x, P, dt, q)`` (None: the "imm" motion's, ``model_predictors``; one
    callable: all models at once, states (M, K, 9) in and out): returns
    the combined prediction (M, 9), (M, 9, 9), each model's (M, K, 9), (M, K, 9, 9) and c (M,
    K); the slots' model states are left at the predictions with probabilities c.
    ``coefficient_form``: see ``mix``; ``sojourn_s``: the mean time in a model."""
    _resync(imm, x, P, slots)
    mu = imm.mu[slots]
    k = mu.shape[1]
    stay = np.exp(-dt / sojourn_s)[:, None, None]
    eye = np.eye(k)
    p = stay * eye + (1.0 - stay) * (1.0 - eye) / (k - 1)  # (M, K, K), to any other alike
    c = np.einsum("mij,mi->mj", p, mu)
    w = p * mu[:, :, None] / np.maximum(c[:, None, :], 1e-300)  # w[m, i, j] = mu_i|j
    x0, P0 = mix(w, imm.xm[slots], imm.Pm[slots], coefficient_form)
    if callable(predictors):
        xp, pp = predictors(x0, P0, dt, q)
    else:
        xp = np.empty_like(x0)
        pp = np.empty_like(P0)
        for j, predict in enumerate(predictors or model_predictors()):
            xp[:, j], pp[:, j] = predict(x0[:, j], P0[:, j], dt, q)
    xc, pc = combine(c, xp, pp, coefficient_form)
    imm.xm[slots], imm.Pm[slots], imm.mu[slots], imm.xc[slots] = xp, pp, c, xc
    return xc, pc, xp, pp, c


def model_predictors(motions: Sequence[str] = MODELS) -> list[Predictor]:
    """The "imm" motion's predictors: each of ``motions`` by ``ekf.predict``, the aero model
    with AERO_Q_FACTOR of the jerk PSD."""
    return [
        partial(_predict_motion, motion=motion, factor=AERO_Q_FACTOR if motion != "acceleration"
                else 1.0)
        for motion in motions
    ]  # fmt: skip


def _predict_motion(
    x: Array, P: Array, dt: Array, q: Array, motion: str, factor: float
) -> tuple[Array, Array]:
    return ekf.predict(x, P, dt, q * factor, motion)


def imm_update(
    imm: ImmState,
    slots: IntArray,
    residual: Callable[[Array], tuple[Array, Array]],
    R: Array,
    coefficient_form: bool = False,
) -> tuple[Array, Array]:
    """Step 4 for ``slots`` (M,), each updated by one detection: ``residual(x)`` gives the
    innovation (M, m) and its Jacobian (M, m, 9) of that detection at states (M, 9) (the
    measurement model's, already paired). Returns the combined state and covariance. With
    ``coefficient_form`` each model's update is re-expressed at its new estimate
    (``ekf.rebase_aero``), as the single aero-unscented filter's is."""
    xm, Pm, c = imm.xm[slots], imm.Pm[slots], imm.mu[slots]
    log_l = np.empty(c.shape)
    for j in range(c.shape[1]):
        nu, jac = residual(xm[:, j])
        s, _ = ekf.innovation_covariance(Pm[:, j], jac, R)
        members = ekf.aero_members(xm[:, j], Pm[:, j]) if coefficient_form else None
        x_prior = xm[:, j].copy()
        xm[:, j], Pm[:, j], nis = ekf.update_innovation(xm[:, j], Pm[:, j], nu, jac, R)
        if members is not None:
            xm[:, j], Pm[:, j] = ekf.rebase_aero(x_prior, xm[:, j], Pm[:, j], members)
        _, logdet = np.linalg.slogdet(2.0 * np.pi * s)
        log_l[:, j] = -0.5 * (nis + logdet)
    weight = c * np.exp(log_l - log_l.max(axis=1, keepdims=True))
    mu = weight / np.maximum(weight.sum(axis=1, keepdims=True), 1e-300)
    x, P = combine(mu, xm, Pm, coefficient_form)
    imm.xm[slots], imm.Pm[slots], imm.mu[slots], imm.xc[slots] = xm, Pm, mu, x
    return x, P
