"""A space-based infrared tracking layer as a sensor of the kill chain.

Every satellite of a constellation (``sensors.orbits``: a Walker pattern or TLE sets) carries a
staring infrared sensor. The layer takes a frame every ``frame_s`` seconds (all satellites at
once, from the scenario's epoch); its reports reach the tracker ``latency_s`` later (ground
processing and relay).

In a frame at time t, satellite s detects a threat that exists when

- it has the threat in its field of regard with the limb clear (``orbits.in_view``: within
  ``off_nadir_max_rad`` of nadir, the line of sight not through the Earth), and
- the signal beats the threshold: the in-band irradiance E = I / R^2 (I the threat's in-band
  intensity, from its hot body and any burning motor: ``engagement.signature``) gives
  SNR = E / N, N = sqrt(NEI^2 + (c E_bg)^2) (``infrared.snr``), and the frame's measured SNR,
  SNR plus a unit Gaussian noise, reaches ``snr_min``: Pd = Phi(SNR - snr_min), the
  single-pixel threshold test of a point source in Gaussian noise (e.g. G. C. Holst,
  "Electro-Optical Imaging System Performance", 5th ed., SPIE 2008, ch. 18, probability of
  detection from SNR and threshold). E_bg is the Earth's in-band thermal radiance over one
  pixel (``ifov_rad`` square; ``infrared.earth_background_irradiance_wpm2``) where the line of
  sight, continued past the threat, meets the Earth (look-down), and 0 where it passes above
  the limb (space behind); ``clutter_fraction`` c is the share of it left after background
  subtraction (0 by default: the background fully removed).

A detection is the unit line of sight from the satellite, turned by two independent Gaussian
angles of ``los_sigma_rad`` about the two axes across it (``measurement.tangent_basis``), with the
satellite's position: the row (u, p) of ``measurement.LineOfSight``. False alarms: each
satellite reports a Poisson number with mean ``false_alarms_per_frame`` per frame, each a line of
sight uniform over its field of regard's solid angle (cos of the off-nadir angle uniform,
azimuth uniform). No identity goes with a detection; the threat behind it (-1 for a false alarm)
is returned for the engagement's records only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr

from kaminari.earth.constants import MEAN_RADIUS_M
from kaminari.sensors.infrared import (
    earth_background_irradiance_wpm2,
    irradiance_wpm2,
    nei_wpm2_from_w_per_cm2,
    snr,
)
from kaminari.sensors.orbits import in_view
from kaminari.streams import Streams
from kaminari.tracking.measurement import LineOfSight, tangent_basis

__all__ = ["LosReport", "SpaceLayer"]

Array = NDArray[np.float64]


class _Orbits(Protocol):
    def positions(self, t_s: Array) -> Array: ...


_FA_STRIDE = 2**32
"""Draw indices of one satellite's false lines in a replication's stream of a frame: satellite
k's are k * _FA_STRIDE onwards (its count, then two uniforms a line)."""

@dataclass(frozen=True, eq=False)
class LosReport:
    """One frame's detections: ``rep`` (D,) ascending, ``sat`` (D,) the satellite of each,
    ``z`` (D, 6) (u, p) ECEF, ``label`` (D,) the threat behind each (-1 false alarm; for the
    engagement's records only)."""

    rep: NDArray[np.int64]
    sat: NDArray[np.int64]
    z: Array
    label: NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class SpaceLayer:
    """The layer's satellites (``orbits``: ``positions(t_s) -> (N, K, 3)`` ECEF on the
    scenario clock) and their sensors, SI units (module docstring)."""

    orbits: _Orbits
    band_m: tuple[float, float]
    off_nadir_max_rad: float
    frame_s: float
    los_sigma_rad: float
    nei_w_per_cm2: float
    snr_min: float
    latency_s: float = 0.0
    false_alarms_per_frame: float = 0.0
    clutter_fraction: float = 0.0
    ifov_rad: float = 50e-6
    name: str = "space-layer"

    def __post_init__(self) -> None:
        if not self.frame_s > 0.0:
            raise ValueError(f"frame_s: must be positive, got {self.frame_s}")
        if not self.latency_s >= 0.0:
            raise ValueError(f"latency_s: must be at least 0, got {self.latency_s}")
        if not 0.0 < self.off_nadir_max_rad <= math.pi / 2:
            raise ValueError(
                f"off_nadir_max_rad: must be in (0, pi/2], got {self.off_nadir_max_rad}"
            )

    @property
    def clutter(self) -> bool:
        """Whether its frames may report false alarms."""
        return self.false_alarms_per_frame > 0.0

    def frame_times(self, t0_s: float, t1_s: float) -> Array:
        """Frame times within [t0_s, t1_s]: multiples of ``frame_s`` after the epoch."""
        k0 = math.ceil(t0_s / self.frame_s - 1e-9)
        k1 = math.floor(t1_s / self.frame_s + 1e-9)
        return np.arange(k0, k1 + 1) * self.frame_s

    def positions(self, t_s: Array) -> Array:
        """Satellite positions (N, K, 3) at times (K,)."""
        return self.orbits.positions(np.asarray(t_s, dtype=float))

    def measurement_model(self) -> LineOfSight:
        return LineOfSight(self.los_sigma_rad)

    def sees(self, sats: Array, r: Array) -> NDArray[np.bool_]:
        """(N, M) whether satellites at ``sats`` (N, 3) have points ``r`` (M, 3) in their
        field of regard with the limb clear (geometry only)."""
        return in_view(sats[:, None, :], r[None], self.off_nadir_max_rad)

    def background_wpm2(self, sats: Array, r: Array) -> Array:
        """(N, M) the Earth's in-band irradiance in one pixel behind each point seen from each
        satellite: that of a 288 K grey-1 Earth where the line continued past the point meets
        the sphere of mean radius, 0 where it passes above it."""
        d = r[None] - sats[:, None]
        u = d / np.linalg.norm(d, axis=-1, keepdims=True)
        b = np.einsum("ni,nmi->nm", sats, u)
        c = np.einsum("ni,ni->n", sats, sats)[:, None] - MEAN_RADIUS_M**2
        hits = b * b - c >= 0.0  # the line meets the sphere (ahead of the satellite: b < 0)
        e_bg = float(
            earth_background_irradiance_wpm2(*self.band_m, pixel_solid_angle_sr=self.ifov_rad**2)
        )
        return np.where(hits & (b < 0.0), e_bg, 0.0)

    def measure(
        self,
        t_s: float,
        r_true: Array,
        exists: NDArray[np.bool_],
        intensity_w_per_sr: Array,
        draws: Streams,
        sats: Array | None = None,
    ) -> LosReport:
        """Detections in the frame at ``t_s`` of threats at ECEF ``r_true`` (R, T, 3) that
        exist where ``exists`` (R, T), with in-band intensities (R, T) W/sr, plus any false
        alarms; ``sats`` (N, 3): the satellites' positions at ``t_s`` where the caller has
        them. Draws (common random numbers, ``streams.Streams``): the layer's own streams of
        the frame, keyed by its name and ``t_s``, draw by draw by (replication, satellite,
        threat): a uniform for detection and two normals for the line of sight's noise; false
        alarms by (replication, satellite)."""
        part = f"space:{self.name}@{t_s!r}"
        if sats is None:
            sats = self.positions(np.array([t_s]))[:, 0]
        r = r_true
        live = exists
        intensity = intensity_w_per_sr
        reps = r.shape[0]
        rep_i, thr_i = np.nonzero(live)
        pts = r[rep_i, thr_i]  # (M, 3)
        view = self.sees(sats, pts)  # (N, M)
        sat_k, m_k = np.nonzero(view)
        if sat_k.size:
            d = pts[m_k] - sats[sat_k]
            rng_m = np.linalg.norm(d, axis=-1)
            e = irradiance_wpm2(intensity[rep_i[m_k], thr_i[m_k]], rng_m)
            bg = self.background_wpm2(sats, pts)[sat_k, m_k] if self.clutter_fraction else 0.0
            s = snr(e, nei_wpm2_from_w_per_cm2(self.nei_w_per_cm2), bg, self.clutter_fraction)
            pair = sat_k * r.shape[1] + thr_i[m_k]  # (satellite, threat)
            hit = draws.uniform(part + ":pd", rep_i[m_k], pair) < ndtr(s - self.snr_min)
            sat_k, m_k, d, rng_m, pair = sat_k[hit], m_k[hit], d[hit], rng_m[hit], pair[hit]
            noise = draws.normal(part + ":noise", rep_i[m_k][:, None], 2 * pair[:, None] + [0, 1])
            u = self._noisy(d / rng_m[:, None], noise)
        else:
            u = np.empty((0, 3))
        det_rep, det_sat = rep_i[m_k], sat_k
        label = thr_i[m_k]
        fa_rep, fa_sat, fa_u = self._false_alarms(sats, reps, draws, part + ":clutter")
        rep = np.concatenate([det_rep, fa_rep]).astype(np.int64)
        sat = np.concatenate([det_sat, fa_sat]).astype(np.int64)
        los = np.concatenate([u, fa_u])
        z = np.concatenate([los, sats[sat]], axis=1) if sat.size else np.empty((0, 6))
        lab = np.concatenate([label, np.full(fa_rep.size, -1)]).astype(np.int64)
        order = np.lexsort((sat, rep))
        return LosReport(rep[order], sat[order], z[order], lab[order])

    def _noisy(self, u: Array, noise: Array) -> Array:
        """Lines of sight ``u`` (M, 3) turned by standard normals ``noise`` (M, 2) times the
        layer's sigma about two axes across them."""
        if u.shape[0] == 0 or self.los_sigma_rad == 0.0:
            return u
        e1, e2 = tangent_basis(u)
        n = noise * self.los_sigma_rad
        out = u + n[:, :1] * e1 + n[:, 1:] * e2
        return out / np.linalg.norm(out, axis=-1, keepdims=True)

    def _false_alarms(
        self, sats: Array, reps: int, draws: Streams, part: str
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], Array]:
        """Each satellite's false lines in each replication: count by inverting uniform 0 of
        the (replication, satellite) stream, the j-th line's direction from its uniforms
        1 + 2 j and 2 + 2 j (uniform over the field of regard's cap)."""
        if self.false_alarms_per_frame <= 0.0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty((0, 3))
        n_sat = sats.shape[0]
        rep_grid, sat_grid = np.meshgrid(np.arange(reps), np.arange(n_sat), indexing="ij")
        counts = draws.poisson(
            part, rep_grid, sat_grid * _FA_STRIDE, self.false_alarms_per_frame
        )
        rep, sat = np.nonzero(counts)
        c = counts[rep, sat]
        rep, sat = np.repeat(rep, c), np.repeat(sat, c)
        j = np.arange(rep.size) - np.repeat(np.cumsum(c) - c, c)  # within its satellite
        base = sat * _FA_STRIDE + 1 + 2 * j
        cos_th = 1.0 - draws.uniform(part, rep, base) * (1.0 - math.cos(self.off_nadir_max_rad))
        az = 2.0 * math.pi * draws.uniform(part, rep, base + 1)
        nadir = -sats[sat] / np.linalg.norm(sats[sat], axis=-1, keepdims=True)
        e1, e2 = tangent_basis(nadir)
        sin_th = np.sqrt(1.0 - cos_th**2)
        u = (
            cos_th[:, None] * nadir
            + (sin_th * np.cos(az))[:, None] * e1
            + (sin_th * np.sin(az))[:, None] * e2
        )
        return rep.astype(np.int64), sat.astype(np.int64), u
