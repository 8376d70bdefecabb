"""Damage functions: the probability of a kill given the miss distance, and its expectation over
a circular normal miss. Metres throughout.

A damage function P(r) (also "Pk given miss", "Pk|d") gives the probability that a round whose
closest approach to the target is r kills it. Three are given, each a function of r alone:

* ``cookie_cutter``: 1 within a lethal radius R, 0 beyond it;
* ``carleton``: exp(-r^2 / R^2), the Carleton damage function, whose integral over the plane is
  exactly pi R^2, the cookie cutter's lethal area for the same R;
* ``gaussian_damage``: exp(-r^2 / (2 sigma_d^2)), lethal area 2 pi sigma_d^2, so the equivalent
  lethal radius is R = sqrt(2) sigma_d (and the Gaussian with sigma_d = R / sqrt(2) *is* the
  Carleton function of R).

``expected_pk`` averages each over a miss that is circular normal in the encounter plane (the
plane normal to the relative velocity): two independent axes of standard deviation s, its mean
at distance b (the bias) from the target. The closed forms are derived in its docstring.

Sources: the cookie-cutter, Carleton and Gaussian ("diffuse Gaussian") damage functions and
their expected coverage against circular normal errors are as described in J. S. Przemieniecki,
"Mathematical Methods in Defense Analyses", 3rd ed., AIAA, 2000 (single-shot engagements), and
M. R. Driels, "Weaponeering: Conventional Weapon System Effectiveness", 2nd ed., AIAA, 2013
(lethal area and damage functions). The offset circle probability is the Marcum Q function:
J. I. Marcum, "A statistical theory of target detection by pulsed radar", RAND RM-754, 1947;
IRE Trans. Information Theory IT-6(2), 1960.

Every function broadcasts over its array arguments (numpy rules) and returns a float array (a
numpy scalar for scalar input).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DAMAGE_KINDS",
    "LETHALITY_KINDS",
    "Lethality",
    "carleton",
    "cookie_cutter",
    "expected_pk",
    "gaussian_damage",
    "hit_to_kill_radius_m",
]

Array = NDArray[np.float64]

DAMAGE_KINDS = ("cookie_cutter", "carleton", "gaussian")


def _checked(name: str, value: ArrayLike, *, positive: bool = False) -> Array:
    """``value`` as a float array; ValueError naming ``name`` if any element is NaN or negative
    (or, with ``positive``, zero)."""
    a = np.asarray(value, dtype=float)
    bad = np.isnan(a) | ((a <= 0.0) if positive else (a < 0.0))
    if np.any(bad):
        first = a[bad].flat[0]
        need = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be {need} (got {first!r})")
    return a


def _out(a: Array) -> Array:
    return a[()] if a.ndim == 0 else a


def cookie_cutter(miss_m: ArrayLike, radius_m: ArrayLike) -> Array:
    """The cookie-cutter (lethal radius) damage function: 1 where ``miss_m <= radius_m``, else 0.

    Source: the "cookie-cutter" damage function, Przemieniecki, "Mathematical Methods in Defense
    Analyses", 3rd ed., AIAA, 2000; Driels, "Weaponeering", 2nd ed., AIAA, 2013. Its lethal
    area (integral over the plane) is pi R^2.
    """
    r = _checked("miss_m", miss_m)
    big_r = _checked("radius_m", radius_m)
    return _out(np.where(r <= big_r, 1.0, 0.0))


def hit_to_kill_radius_m(threat_radius_m: ArrayLike, round_radius_m: ArrayLike) -> Array:
    """The lethal radius of a hit-to-kill round: ``threat_radius_m + round_radius_m``.

    Reasoning (elementary geometry, no further source): the miss distance is taken between the
    centres (axes) of the two bodies, in the plane normal to their relative velocity. Seen along
    that velocity each body is taken as a disc: a sphere, or a cylinder seen side-on across its
    axis (its outline there is 2 r wide). Two discs of radii a and b touch exactly when their
    centres come within a + b (the set of centre offsets at which they overlap, their Minkowski
    sum, is a disc of radius a + b), so a body-to-body hit is a cookie cutter of that radius.

    Assumptions: every contact kills (no glancing blows, no fin or antenna hits that leave the
    vehicle flying); the outline is a disc. For a long cylinder the outline is a rectangle, and
    the sum holds only for misses across its axis: along the axis the body reaches further (half
    its length), so this radius understates the chance of contact for a body seen broadside.
    """
    a = _checked("threat_radius_m", threat_radius_m)
    b = _checked("round_radius_m", round_radius_m)
    return _out(a + b)


def carleton(miss_m: ArrayLike, lethal_radius_m: ArrayLike) -> Array:
    """The Carleton damage function P(r) = exp(-r^2 / R^2), R = ``lethal_radius_m`` > 0.

    Source: the Carleton damage function as described in Driels, "Weaponeering", 2nd ed., AIAA,
    2013, and Przemieniecki, "Mathematical Methods in Defense Analyses", 3rd ed., AIAA, 2000.

    R is the cookie cutter's lethal radius of the same lethal area, exactly:
    integral over the plane of exp(-r^2 / R^2) = int_0^inf 2 pi r exp(-r^2 / R^2) dr = pi R^2.
    """
    r = _checked("miss_m", miss_m)
    big_r = _checked("lethal_radius_m", lethal_radius_m, positive=True)
    return _out(np.exp(-((r / big_r) ** 2)))


def gaussian_damage(miss_m: ArrayLike, sigma_d_m: ArrayLike) -> Array:
    """The Gaussian damage function P(r) = exp(-r^2 / (2 sigma_d^2)), ``sigma_d_m`` > 0.

    Source: the (diffuse) Gaussian damage function, Przemieniecki, "Mathematical Methods in
    Defense Analyses", 3rd ed., AIAA, 2000.

    Its lethal area is int_0^inf 2 pi r exp(-r^2 / (2 sigma_d^2)) dr = 2 pi sigma_d^2, so the
    equivalent lethal radius (the cookie cutter's of the same area) is R = sqrt(2) sigma_d, and
    with sigma_d = R / sqrt(2) this is the Carleton function of R.
    """
    r = _checked("miss_m", miss_m)
    sd = _checked("sigma_d_m", sigma_d_m, positive=True)
    return _out(np.exp(-0.5 * (r / sd) ** 2))


def expected_pk(
    kind: str,
    lethal_radius_m: ArrayLike,
    miss_sigma_m: ArrayLike,
    bias_m: ArrayLike = 0.0,
) -> Array:
    """The expected Pk of one round, E[P(|x|)], for a miss x in the encounter plane that is
    circular normal: x ~ N(mu, s^2 I_2), |mu| = b = ``bias_m``, s = ``miss_sigma_m`` (per axis).

    ``kind`` names the damage function and ``lethal_radius_m`` is its own size parameter:
    R for ``"cookie_cutter"`` (>= 0) and ``"carleton"`` (> 0), sigma_d for ``"gaussian"`` (> 0;
    its equivalent lethal radius is sqrt(2) sigma_d, see ``gaussian_damage``).

    Closed forms (s > 0; at s = 0 the miss is b exactly and the result is P(b)):

    * cookie cutter: |x|^2 / s^2 is noncentral chi-square with 2 degrees of freedom and
      noncentrality b^2 / s^2, so Pk = F_ncx2(R^2 / s^2; 2, b^2 / s^2) = 1 - Q_1(b / s, R / s),
      Q_1 the Marcum Q function (Marcum 1947/1960; Przemieniecki 2000, the offset circle
      probability). With b = 0 it is the Rayleigh CDF, 1 - exp(-R^2 / (2 s^2)).
    * Gaussian: P factors into exp(-x1^2 / (2 sd^2)) exp(-x2^2 / (2 sd^2)); per axis, completing
      the square, E[exp(-x^2 / (2 sd^2))] for x ~ N(m, s^2) is
      sd / sqrt(sd^2 + s^2) exp(-m^2 / (2 (sd^2 + s^2))). The product over the two axes, with
      m1^2 + m2^2 = b^2, is Pk = sd^2 / (sd^2 + s^2) exp(-b^2 / (2 (sd^2 + s^2))).
    * Carleton: the Gaussian with sd^2 = R^2 / 2,
      Pk = R^2 / (R^2 + 2 s^2) exp(-b^2 / (R^2 + 2 s^2)).

    All broadcast over ``lethal_radius_m``, ``miss_sigma_m`` and ``bias_m``.
    """
    if kind not in DAMAGE_KINDS:
        raise ValueError(f"kind must be one of {DAMAGE_KINDS} (got {kind!r})")
    big_r = _checked("lethal_radius_m", lethal_radius_m, positive=kind != "cookie_cutter")
    s = _checked("miss_sigma_m", miss_sigma_m)
    b = _checked("bias_m", bias_m)
    big_r, s, b = np.broadcast_arrays(big_r, s, b)

    if kind == "cookie_cutter":
        at_zero = s == 0.0
        s_safe = np.where(at_zero, 1.0, s)
        with np.errstate(over="ignore"):
            x = (big_r / s_safe) ** 2
            nc = (b / s_safe) ** 2
        unbiased = -np.expm1(-0.5 * x)
        pk = np.where(at_zero, np.where(b <= big_r, 1.0, 0.0), unbiased)
        if not np.any(b > 0.0):
            return _out(np.asarray(pk, dtype=float))
        from scipy.stats import ncx2, norm  # here: scipy.stats costs a second to import

        # scipy's ncx2 fails for large arguments (NaN from b/s ~ 1e5-1e6 near the edge, a wrong
        # 1.0 beyond ~1e9, and 25 s a value near 1e9); for b/s > 1e4 the Rice distribution of
        # the miss is normal, mean sqrt(b^2 + s^2), sigma s (agrees with quadrature of the Rice
        # density to 3e-10 at b/s = 1e3, the error falling as b/s grows; ncx2 agrees to 2e-13
        # at 1e4), so ncx2 is asked only below that.
        # Only where there is a bias: without one the Rayleigh CDF above is the answer (and
        # ncx2's series costs milliseconds a call, which fire control makes every scan).
        near = (b <= 1e4 * s_safe) & (b > 0.0)
        biased = np.full(b.shape, np.nan)
        biased[near] = ncx2.cdf(x[near], 2.0, nc[near])
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            approx = norm.cdf((big_r - np.hypot(b, s_safe)) / s_safe)
        biased = np.where(~near | ~np.isfinite(biased), approx, biased)
        pk = np.where((b > 0.0) & ~at_zero, biased, pk)
    else:
        sd2 = 0.5 * big_r**2 if kind == "carleton" else big_r**2
        v = sd2 + s**2
        pk = sd2 / v * np.exp(-0.5 * b**2 / v)
    return _out(np.asarray(pk, dtype=float))


LETHALITY_KINDS = ("hit-to-kill", *DAMAGE_KINDS)


@dataclass(frozen=True)
class Lethality:
    """An effector's Pk against miss distance, with its source.

    ``kind``: "hit-to-kill" (a kinetic body that kills by striking: a cookie cutter of the
    threat's body radius plus the round's, ``hit_to_kill_radius_m``), or a damage function of
    its own size ``radius_m`` ("cookie_cutter" R, "carleton" R, "gaussian" sigma_d: a
    fragmenting payload or a lethal radius given by the user). ``source`` names where the
    figure comes from; it goes on the report.
    """

    kind: str = "hit-to-kill"
    radius_m: float = 0.0
    source: str = "body contact: the threat's body radius plus the round's"

    def __post_init__(self) -> None:
        if self.kind not in LETHALITY_KINDS:
            raise ValueError(f"Lethality.kind must be one of {LETHALITY_KINDS}, got {self.kind!r}")
        if self.kind != "hit-to-kill" and not (np.isfinite(self.radius_m) and self.radius_m > 0):
            raise ValueError(f"Lethality.radius_m must be > 0 for {self.kind}, got {self.radius_m}")

    def size_m(self, threat_radius_m: ArrayLike, round_radius_m: float) -> Array:
        """The damage function's size against threats of these body radii (m)."""
        if self.kind == "hit-to-kill":
            return np.asarray(hit_to_kill_radius_m(threat_radius_m, round_radius_m), dtype=float)
        return np.broadcast_to(float(self.radius_m), np.shape(threat_radius_m)).astype(float)

    def pk(self, miss_m: ArrayLike, threat_radius_m: ArrayLike, round_radius_m: float) -> Array:
        """P(kill | miss) for misses (...) against threats of body radii broadcast with them."""
        size = self.size_m(threat_radius_m, round_radius_m)
        miss = np.asarray(miss_m, dtype=float)
        safe = np.where(np.isfinite(miss), miss, np.inf)
        if self.kind in ("hit-to-kill", "cookie_cutter"):
            return np.where(safe <= size, 1.0, 0.0)
        if self.kind == "carleton":
            return np.exp(-((safe / size) ** 2))
        return np.exp(-0.5 * (safe / size) ** 2)

    def expected(
        self, miss_sigma_m: ArrayLike, threat_radius_m: ArrayLike, round_radius_m: float
    ) -> Array:
        """The expected Pk of an unbiased circular normal miss of per-axis sigma
        (``expected_pk``); 0 where the sigma is not finite (no aim)."""
        kind = "cookie_cutter" if self.kind == "hit-to-kill" else self.kind
        size = self.size_m(threat_radius_m, round_radius_m)
        sigma = np.asarray(miss_sigma_m, dtype=float)
        finite = np.isfinite(sigma)
        pk = expected_pk(kind, size, np.where(finite, sigma, 1.0))
        return np.where(finite, pk, 0.0)
