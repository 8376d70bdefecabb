"""Track-based sensor registration: the translational offset of a remote node's tracks.

A node that receives a remote sensor's tracks sees them displaced by the remote sensor's
registration error (site survey, clock, alignment). Its simplest part, a constant translational
offset ``b`` (m), is estimated from the tracks both nodes hold of the same targets (associated
pairs): each pair gives a position difference

    d = x_remote - x_local = b + e,    e ~ N(0, S),   S = P_remote + P_local,

and the constant ``b`` follows by weighted least squares. This is the "relative registration from
common tracks" of Y. Bar-Shalom, P. K. Willett and X. Tian, "Tracking and Data Fusion: A Handbook
of Algorithms", YBS Publishing 2011, in its sensor registration chapter, reduced to a pure
translation with the pairs taken as independent; the recursion is the information (normal
equation) form of recursive weighted least squares for a constant parameter (Y. Bar-Shalom,
X. R. Li and T. Kirubarajan, "Estimation with Applications to Tracking and Navigation", Wiley
2001, ch. 3):

    J_k = lambda J_{k-1} + sum_i S_i^-1,    y_k = lambda y_{k-1} + sum_i S_i^-1 d_i,
    b_k = J_k^-1 y_k,                      cov(b_k) = J_k^-1      (lambda = 1),

with an optional fading-memory (forgetting) factor ``0 < lambda <= 1`` that discounts old pairs
so a slowly drifting offset is followed (exponentially weighted least squares, L. Ljung and
T. Soderstrom, "Theory and Practice of Recursive Identification", MIT Press 1983).
With ``lambda < 1``, ``J^-1`` is the covariance only under the model that old information is
really worth less; it is not the error covariance of a constant offset.

Caveat: a track's errors are correlated in time, and the two tracks of a pair share the common
process noise (see ``kaminari.network.fusion``), so pairs from the same tracks on successive scans
are not independent and ``J^-1`` is then optimistic; feed decimated pairs, or use a forgetting
factor, when that matters.

Batched: an ``OffsetEstimator`` holds ``(*B, 3)`` / ``(*B, 3, 3)`` arrays for a batch ``B`` of
independent estimators (e.g. one per Monte Carlo replication, or per remote node).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["OffsetEstimator"]

Array = NDArray[np.float64]


@dataclass
class OffsetEstimator:
    """Recursive weighted least-squares estimate of a constant 3-D offset, in information form.

    ``info`` (*B, 3, 3) is the accumulated information ``J = sum S^-1`` (1/m^2) and ``info_vec``
    (*B, 3) the accumulated ``y = sum S^-1 d`` (1/m); ``n_pairs`` (*B,) counts the pairs folded
    in (not discounted). ``forgetting`` is the fading-memory factor ``lambda`` in (0, 1] applied
    to ``J`` and ``y`` once per ``update`` call, i.e. per scan, for every member. Sources: the
    module docstring (Bar-Shalom, Willett & Tian 2011, registration chapter; Bar-Shalom, Li &
    Kirubarajan 2001, ch. 3).
    """

    info: Array
    info_vec: Array
    n_pairs: Array
    forgetting: float = 1.0

    @classmethod
    def new(
        cls,
        batch_shape: tuple[int, ...] = (),
        prior_sigma_m: float | None = None,
        forgetting: float = 1.0,
    ) -> OffsetEstimator:
        """Estimators with no pairs yet. ``prior_sigma_m`` (m), if given, is a zero-mean prior on
        each offset component (information ``I / sigma^2``); without it the offset is unknown
        (``covariance`` infinite) until the first pair."""
        if not 0.0 < forgetting <= 1.0:
            raise ValueError(f"forgetting must be in (0, 1], got {forgetting}")
        batch_shape = tuple(batch_shape)
        info = np.zeros(batch_shape + (3, 3))
        if prior_sigma_m is not None:
            if not prior_sigma_m > 0.0:
                raise ValueError(f"prior_sigma_m must be > 0 m, got {prior_sigma_m}")
            info = info + np.eye(3) / prior_sigma_m**2
        return cls(
            info=info,
            info_vec=np.zeros(batch_shape + (3,)),
            n_pairs=np.zeros(batch_shape, dtype=np.int64),
            forgetting=float(forgetting),
        )

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.info.shape[:-2]

    def _known(self) -> Array:
        """Members whose information is non-zero (a prior or at least one pair)."""
        return np.any(self.info != 0.0, axis=(-2, -1))

    def update(self, mask: ArrayLike, diff: ArrayLike, S: ArrayLike) -> None:
        """Fold in associated pairs: ``diff`` = remote - local position (m), ``S`` = P_remote +
        P_local (m^2), used only where ``mask`` is true.

        Shapes: ``mask`` (*B, *K), ``diff`` (*B, *K, 3), ``S`` (*B, *K, 3, 3), where ``K`` (maybe
        empty) are axes of several pairs in one scan, summed over. Applies the forgetting factor
        once to every member, then ``J += sum S^-1``, ``y += sum S^-1 d`` (recursive WLS in
        information form, Bar-Shalom, Li & Kirubarajan 2001, ch. 3). ``S^-1 d`` and ``S^-1``
        come from one linear solve per pair.
        """
        mask = np.asarray(mask, dtype=bool)
        diff = np.asarray(diff, dtype=float)
        S = np.asarray(S, dtype=float)
        S = 0.5 * (S + np.swapaxes(S, -1, -2))
        nb = len(self.batch_shape)
        if mask.shape[:nb] != self.batch_shape or diff.shape != mask.shape + (3,):
            raise ValueError(
                f"mask must be (*B, *K) and diff (*B, *K, 3) with B = {self.batch_shape}; got "
                f"mask {mask.shape}, diff {diff.shape}"
            )
        S = np.broadcast_to(S, mask.shape + (3, 3))
        # Unused pairs get S = I and zero weight, so their (possibly garbage) S is never solved.
        S_safe = np.where(mask[..., None, None], S, np.eye(3))
        rhs = np.concatenate([np.broadcast_to(np.eye(3), S.shape), diff[..., None]], axis=-1)
        sol = np.linalg.solve(S_safe, np.where(mask[..., None, None], rhs, 0.0))
        pair_axes = tuple(range(nb, mask.ndim))
        d_info = np.sum(sol[..., :3], axis=pair_axes)
        d_vec = np.sum(sol[..., 3], axis=pair_axes)
        lam = self.forgetting
        self.info = lam * self.info + 0.5 * (d_info + np.swapaxes(d_info, -1, -2))
        self.info_vec = lam * self.info_vec + d_vec
        self.n_pairs = self.n_pairs + np.sum(mask, axis=pair_axes, dtype=np.int64)

    @property
    def covariance(self) -> Array:
        """Offset covariance ``J^-1`` (*B, 3, 3), m^2; ``inf`` where nothing is known yet."""
        known = self._known()
        J = np.where(known[..., None, None], self.info, np.eye(3))
        cov = np.linalg.solve(J, np.broadcast_to(np.eye(3), J.shape))
        cov = 0.5 * (cov + np.swapaxes(cov, -1, -2))
        return np.where(known[..., None, None], cov, np.inf)

    @property
    def offset(self) -> Array:
        """Offset estimate ``J^-1 y`` (*B, 3), m (remote minus local); zero where unknown."""
        known = self._known()
        J = np.where(known[..., None, None], self.info, np.eye(3))
        b = np.linalg.solve(J, self.info_vec[..., None])[..., 0]
        return np.where(known[..., None], b, 0.0)

    def correct(
        self, x_remote_positions: ArrayLike, P_remote: ArrayLike | None = None
    ) -> Array | tuple[Array, Array]:
        """Remote positions (*B, ..., 3) with the estimated offset removed.

        With ``P_remote`` (*B, ..., 3, 3) also returns the covariance with the offset's own
        covariance added (the correction is taken as independent of the report, which ignores
        the report's share in the estimate). Members with no estimate yet are left unchanged
        (offset zero, and their covariance is not inflated).
        """
        x = np.asarray(x_remote_positions, dtype=float)
        nb = len(self.batch_shape)
        if x.shape[:nb] != self.batch_shape or x.shape[-1] != 3:
            raise ValueError(
                f"positions must be (*B, ..., 3) with B = {self.batch_shape}; got {x.shape}"
            )
        extra = (1,) * (x.ndim - 1 - nb)
        corrected = x - self.offset.reshape(self.batch_shape + extra + (3,))
        if P_remote is None:
            return corrected
        known = self._known()
        cov = np.where(known[..., None, None], self.covariance, 0.0)
        P = np.asarray(P_remote, dtype=float) + cov.reshape(self.batch_shape + extra + (3, 3))
        return corrected, P
