"""An interacting multiple model (IMM) filter over the tracker's two motions: the held
acceleration (``ekf.MOTIONS`` "acceleration", nearly constant acceleration: manoeuvres,
thrust) and the held aerodynamic coefficients ("aero": a glide or dive that keeps its angle of
attack and bank). ``tracker.motion: imm``.

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
sight), both models restart from that state, keeping their probabilities.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from kaminari.tracking import ekf

__all__ = [
    "AERO_Q_FACTOR",
    "MODELS",
    "SOJOURN_S",
    "ImmState",
    "combine",
    "imm_predict",
    "imm_update",
]

Array = NDArray[np.float64]
IntArray = NDArray[np.intp]

MODELS = ("acceleration", "aero")
AERO_Q_FACTOR = 0.1
"""The aero model's jerk PSD over the track's (kaminari's choice: the held coefficients follow
a free glide 50 times closer than the held acceleration, tests/test_aero_motion.py)."""
SOJOURN_S = 20.0
"""Mean time in a model, s (kaminari's choice: a glide's phases last tens of seconds)."""


@dataclass(eq=False)
class ImmState:
    """Per track slot: each model's state (N, 2, 9) and covariance (N, 2, 9, 9), the model
    probabilities (N, 2), and the combined state the models were last combined into (to tell
    when something else has written the track)."""

    xm: Array
    Pm: Array
    mu: Array
    xc: Array

    @classmethod
    def empty(cls, n: int) -> ImmState:
        return cls(
            np.full((n, 2, 9), np.nan), np.full((n, 2, 9, 9), np.nan),
            np.full((n, 2), 0.5), np.full((n, 9), np.nan),
        )  # fmt: skip


def combine(mu: Array, xm: Array, Pm: Array) -> tuple[Array, Array]:
    """The moment-matched mixture (M, 9), (M, 9, 9) of models (M, 2, ...) weighted by mu."""
    x = np.einsum("mj,mji->mi", mu, xm)
    d = xm - x[:, None, :]
    spread = Pm + d[..., :, None] * d[..., None, :]
    return x, np.einsum("mj,mjab->mab", mu, spread)


def _resync(imm: ImmState, x: Array, P: Array, slots: IntArray) -> None:
    """Restart both models of ``slots`` from the track's state where it changed outside."""
    changed = ~np.all(imm.xc[slots] == x[slots], axis=-1)
    fresh = slots[changed]
    if fresh.size:
        imm.xm[fresh] = x[fresh, None, :]
        imm.Pm[fresh] = P[fresh, None, :, :]
        bad = ~np.isfinite(imm.mu[fresh]).all(axis=-1)
        imm.mu[fresh[bad]] = 0.5


def imm_predict(
    imm: ImmState, x: Array, P: Array, slots: IntArray, dt: Array, q: Array
) -> tuple[Array, Array, Array, Array, Array]:
    """Steps 1-3 for ``slots`` over their ``dt`` with jerk PSDs ``q``: returns the combined
    prediction (M, 9), (M, 9, 9), each model's (M, 2, 9), (M, 2, 9, 9) and c (M, 2); the
    slots' model states are left at the predictions with probabilities c."""
    _resync(imm, x, P, slots)
    mu = imm.mu[slots]
    stay = np.exp(-dt / SOJOURN_S)
    p = np.empty((slots.size, 2, 2))
    p[:, 0, 0] = p[:, 1, 1] = stay
    p[:, 0, 1] = p[:, 1, 0] = 1.0 - stay
    c = np.einsum("mij,mi->mj", p, mu)
    w = p * mu[:, :, None] / np.maximum(c[:, None, :], 1e-300)  # w[m, i, j] = mu_i|j
    xm, Pm = imm.xm[slots], imm.Pm[slots]
    x0 = np.einsum("mij,mia->mja", w, xm)
    d = xm[:, :, None, :] - x0[:, None, :, :]  # (M, i, j, 9)
    P0 = np.einsum("mij,miab->mjab", w, Pm) + np.einsum("mij,mija,mijb->mjab", w, d, d)
    xp = np.empty_like(x0)
    pp = np.empty_like(P0)
    for j, (motion, factor) in enumerate(zip(MODELS, (1.0, AERO_Q_FACTOR), strict=True)):
        xp[:, j], pp[:, j] = ekf.predict(x0[:, j], P0[:, j], dt, q * factor, motion)
    xc, pc = combine(c, xp, pp)
    imm.xm[slots], imm.Pm[slots], imm.mu[slots], imm.xc[slots] = xp, pp, c, xc
    return xc, pc, xp, pp, c


def imm_update(
    imm: ImmState,
    slots: IntArray,
    residual: Callable[[Array], tuple[Array, Array]],
    R: Array,
) -> tuple[Array, Array]:
    """Step 4 for ``slots`` (M,), each updated by one detection: ``residual(x)`` gives the
    innovation (M, m) and its Jacobian (M, m, 9) of that detection at states (M, 9) (the
    measurement model's, already paired). Returns the combined state and covariance."""
    xm, Pm, c = imm.xm[slots], imm.Pm[slots], imm.mu[slots]
    log_l = np.empty((slots.size, 2))
    for j in range(2):
        nu, jac = residual(xm[:, j])
        s, _ = ekf.innovation_covariance(Pm[:, j], jac, R)
        xm[:, j], Pm[:, j], nis = ekf.update_innovation(xm[:, j], Pm[:, j], nu, jac, R)
        _, logdet = np.linalg.slogdet(2.0 * np.pi * s)
        log_l[:, j] = -0.5 * (nis + logdet)
    weight = c * np.exp(log_l - log_l.max(axis=1, keepdims=True))
    mu = weight / np.maximum(weight.sum(axis=1, keepdims=True), 1e-300)
    x, P = combine(mu, xm, Pm)
    imm.xm[slots], imm.Pm[slots], imm.mu[slots], imm.xc[slots] = xm, Pm, mu, x
    return x, P
