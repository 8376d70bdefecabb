"""Guided hypervelocity projectiles: a railgun round that steers onto its target in flight.

The round flies the unguided round's physics (``kaminari.weapons.projectile.BallisticModel``:
drag from its drag curve, US 1976 density, J2 gravity and the ECEF frame terms) plus a lateral
acceleration that its guidance commands. Each time step:

1. the guidance estimates the target's position and velocity relative to the round
   (``Guidance.kind``):

   - ``"command"``: a fire-control radar tracks target and round; each step it measures both
     positions with independent Gaussian errors of ``position_sigma_m`` per axis, and the
     guidance computer filters their difference (``Guidance.track_model``):

     * ``"constant_acceleration"`` (default): a Kalman filter per axis on relative position,
       relative velocity and the target's acceleration, the target's acceleration driven by
       white jerk of spectral density ``target_jerk_psd_m2ps5`` (the continuous Wiener-process
       acceleration model, Y. Bar-Shalom, X. R. Li and T. Kirubarajan, "Estimation with
       Applications to Tracking and Navigation", Wiley, 2001, sec. 6.2.3), measurement variance
       2 ``position_sigma_m``^2. Its gains converge to the steady-state alpha-beta-gamma
       (g-h-k) gains of that model. It starts at launch from the fire-control solution: the
       true relative velocity and the target's true acceleration then, zero covariance on both
       (kaminari assumption: the fire-control track before launch is long and good).
     * ``"constant_velocity"``: the earlier model, a critically damped g-h (alpha-beta) filter
       (E. Brookner, "Tracking and Kalman Filtering Made Easy", Wiley, 1998, sec. 1.2.6:
       g = 1 - beta^2, h = (1 - beta)^2), beta = exp(-dt / ``track_smoothing_s``), for a target
       that keeps its velocity. It lags a manoeuvring target (a T^2 (1 - g) / h, about 1 m at
       12 g) and gives the laws no target acceleration.

     Both predict with the round's own acceleration (its ballistic acceleration and the divert
     it flew, both known to the guidance).
   - ``"seeker"``: the round's own seeker sees the target from ``acquisition_range_m``, inside
     a cone of full angle ``field_of_view_rad`` about the round's velocity (a gimballed seeker
     whose gimbal limit is half that angle; the default +-45 deg is a kaminari assumption, wide
     enough for a near head-on crossing). It measures the line-of-sight direction with
     Gaussian angle errors of ``angle_sigma_rad`` on two axes; range comes from the fire-control
     uplink and is taken as exact (kaminari assumption). The same filter smooths range times
     direction (the Kalman filter's measurement variance (range ``angle_sigma_rad``)^2 per
     axis). Before acquisition the round flies ballistically (no midcourse correction: the
     railgun's aim is its midcourse); the filter starts at acquisition from the uplinked track
     (the true relative velocity and target acceleration then). Outside the field of view the
     filter coasts and the last estimate keeps steering.

2. the law (``Guidance.law``) turns the estimate into a commanded acceleration:

   - ``"pn"``: true proportional navigation, a = N' Vc (Omega x e_R), Omega = R x V / |R|^2 the
     line-of-sight rate, Vc = -R.V / |R| the closing speed, e_R = R / |R| (P. Zarchan, "Tactical
     and Strategic Missile Guidance", 6th ed., AIAA, 2012, ch. 2); with the
     constant-acceleration track, augmented PN: plus N'/2 a_rel across the line of sight
     (Zarchan, ch. 8), a_rel the estimated target acceleration less the round's own ballistic
     acceleration (gravity and the frame terms act on both).
   - ``"zem"``: zero-effort-miss guidance, a = N' ZEM / t_go^2 with t_go = -R.V / |V|^2 the
     time to the closest approach of the straight-line relative motion and
     ZEM = R + V t_go + a_rel t_go^2 / 2 (Zarchan, ch. 8), a_rel as above (zero target
     acceleration with the constant-velocity track). With a_rel = 0 and t_go = |R| / Vc this
     is PN.

   Either command stops once the bodies pass (Vc <= 0 or t_go <= 0) or the target is gone.

3. the command is made perpendicular to the round's velocity (the round steers, it cannot
   push itself along) and capped at ``max_accel_g`` g0; that is ``accel_cmd_mps2``. The
   airframe follows through a first-order lag of ``time_constant_s`` (discretised exactly over
   the step), again perpendicular to the velocity; that divert, held over the step (a guidance
   computer's update), is added to the ballistic acceleration in the step's RK4 integration.
   Only the g cap limits the divert: what the air can give at altitude (q S C_N,max / m) is not
   modelled (kaminari assumption; below some 20 km a railgun round's dynamic pressure is far
   above what a few tens of g need).

Defaults. Only the navigation gain has a textbook source (Zarchan, ch. 2: effective navigation
ratios of 3 to 5 in practice; 4 here). The US Navy's Hypervelocity Projectile (HVP), the guided
round of its railgun and 5-inch gun programmes, is publicly described only in outline
(R. O'Rourke, "Navy Lasers, Railgun, and Gun-Launched Guided Projectile: Background and Issues
for Congress", Congressional Research Service R44175: a guided, low-drag round for railguns and
powder guns, for defence against missiles among other missions); no divert acceleration, autopilot
time constant, seeker or tracking accuracy of it is public. The defaults below are therefore
kaminari assumptions, chosen as plausible for a small hit-to-kill round (docs/assumptions.md):
30 g of divert, a 0.1 s guidance lag, a fire-control radar that measures positions to 1 m per
axis, a target jerk density of 1000 m^2/s^5 (its acceleration wanders by some 30 m/s^2, 3 g, in
a second: a glide vehicle rolling its lift), 0.1 s of smoothing for the constant-velocity
track, and a gimballed seeker that acquires at 5 km within 45 deg of the round's velocity with
0.5 mrad of angle noise.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.dynamics.forces import ATMOSPHERE_TABLE, EARTH, Environment
from kaminari.earth.constants import G0_MPS2
from kaminari.streams import MemberDraws
from kaminari.weapons._guided_kernel import (
    PN,
    ZEM,
    fly_guided_kernel,
    lag,
    lateral_limit_rows,
    pn_rows,
    zem_rows,
)
from kaminari.weapons.lethality import closest_approach
from kaminari.weapons.projectile import BallisticModel, Projectile, muzzle_state

__all__ = [
    "Guidance",
    "GuidedFlight",
    "fly_guided",
    "lag_step",
    "lateral_limit",
    "pn_acceleration",
    "white_jerk_model",
    "zem_acceleration",
]

Array = NDArray[np.float64]

GuidanceKind = Literal["command", "seeker"]
GuidanceLaw = Literal["pn", "zem"]
TrackModel = Literal["constant_acceleration", "constant_velocity"]
_KINDS = ("command", "seeker")
_LAWS = ("pn", "zem")
_TRACK_MODELS = ("constant_acceleration", "constant_velocity")


@dataclass(frozen=True)
class Guidance:
    """How a guided round steers (module docstring). SI units: m, s, rad; accelerations in g.

    ``kind``: "command" (a fire-control radar measures target and round) or "seeker" (the
    round's seeker, from ``acquisition_range_m`` inside ``field_of_view_rad``).
    ``law``: "pn" (proportional navigation) or "zem" (zero-effort miss).
    ``track_model``: "constant_acceleration" (a Kalman filter that estimates the target's
    acceleration; augmented PN / ZEM) or "constant_velocity" (the g-h filter; plain laws).
    ``navigation_gain``: N' (Zarchan, "Tactical and Strategic Missile Guidance", ch. 2: 3-5).
    ``max_accel_g``: the round's divert acceleration limit (kaminari assumption: 30 g).
    ``time_constant_s``: first-order lag of guidance and autopilot (kaminari assumption: 0.1 s).
    ``acquisition_range_m``, ``field_of_view_rad``: seeker reach and full cone angle (kaminari
    assumption: 5 km, 90 deg, a +-45 deg gimbal).
    ``position_sigma_m``: command guidance, the radar's position error of target and of round,
    per axis (kaminari assumption: 1 m).
    ``angle_sigma_rad``: seeker, the line-of-sight angle error per axis (kaminari assumption:
    0.5 mrad).
    ``track_smoothing_s``: time constant of the constant-velocity g-h filter (kaminari
    assumption: 0.1 s; 0 takes each measurement as it comes).
    ``target_jerk_psd_m2ps5``: white-jerk spectral density of the constant-acceleration filter
    (kaminari assumption: 1000 m^2/s^5).
    """

    kind: GuidanceKind = "command"
    law: GuidanceLaw = "pn"
    track_model: TrackModel = "constant_acceleration"
    navigation_gain: float = 4.0
    max_accel_g: float = 30.0
    time_constant_s: float = 0.1
    acquisition_range_m: float = 5000.0
    field_of_view_rad: float = 1.5707963267948966  # 90 deg: a +-45 deg gimbal
    position_sigma_m: float = 1.0
    angle_sigma_rad: float = 5e-4
    track_smoothing_s: float = 0.1
    target_jerk_psd_m2ps5: float = 1000.0

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"Guidance.kind must be one of {_KINDS}; got {self.kind!r}")
        if self.law not in _LAWS:
            raise ValueError(f"Guidance.law must be one of {_LAWS}; got {self.law!r}")
        if self.track_model not in _TRACK_MODELS:
            raise ValueError(
                f"Guidance.track_model must be one of {_TRACK_MODELS}; got {self.track_model!r}"
            )
        checks = (
            ("navigation_gain", False, "the navigation ratio N' (typically 3 to 5)"),
            ("max_accel_g", True, "the divert acceleration limit in g"),
            ("time_constant_s", True, "the guidance lag in s"),
            ("acquisition_range_m", False, "the seeker's acquisition range in m"),
            ("position_sigma_m", True, "the radar's position error in m"),
            ("angle_sigma_rad", True, "the seeker's angle error in rad"),
            ("track_smoothing_s", True, "the track filter's time constant in s"),
            ("target_jerk_psd_m2ps5", False, "the target's white-jerk PSD in m^2/s^5"),
        )
        for name, zero_ok, what in checks:
            value = getattr(self, name)
            ok = isinstance(value, numbers.Real) and math.isfinite(value)
            ok = ok and (value >= 0.0 if zero_ok else value > 0.0)
            if not ok:
                bound = ">= 0" if zero_ok else "> 0"
                raise ValueError(
                    f"Guidance.{name} must be a finite number {bound} ({what}); got {value!r}"
                )
        fov = self.field_of_view_rad
        if not (isinstance(fov, numbers.Real) and 0.0 < fov <= math.pi):
            raise ValueError(
                "Guidance.field_of_view_rad must be in (0, pi] (the seeker's full cone angle "
                f"in rad); got {fov!r}"
            )

    @property
    def max_accel_mps2(self) -> float:
        return self.max_accel_g * G0_MPS2


def _rows(*vectors: ArrayLike) -> tuple[list[Array], tuple[int, ...]]:
    """Vectors (..., 3) (or scalars) broadcast together as contiguous rows (N, 3), and their
    common shape. The laws, the cap and the lag below run the compiled functions that
    ``fly_guided``'s kernel flies (``weapons._guided_kernel``), so the closed-form checks of
    them check the rounds' own guidance."""
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in vectors))
    shape = arrays[0].shape
    return [np.ascontiguousarray(a.reshape(-1, 3)) for a in arrays], shape


def pn_acceleration(
    r_rel_m: ArrayLike,
    v_rel_mps: ArrayLike,
    navigation_gain: float,
    a_rel_mps2: ArrayLike = 0.0,
) -> Array:
    """True proportional navigation, m/s^2 (..., 3): N' Vc (Omega x e_R) with the line-of-sight
    rate Omega = R x V / |R|^2 and closing speed Vc = -R.V / |R| (Zarchan, "Tactical and
    Strategic Missile Guidance", ch. 2), plus N'/2 times the part of ``a_rel_mps2`` across the
    line of sight: augmented PN (Zarchan, ch. 8); zero once Vc <= 0.

    ``r_rel_m`` and ``v_rel_mps`` (..., 3): target position and velocity relative to the round.
    ``a_rel_mps2`` (..., 3 or scalar 0): the relative acceleration the guidance knows (target's
    minus round's, the round's divert left out); 0 is plain PN.
    """
    (r, v, a_rel), shape = _rows(r_rel_m, v_rel_mps, a_rel_mps2)
    augmented = bool(np.any(a_rel))
    return pn_rows(r, v, float(navigation_gain), a_rel, augmented).reshape(shape)


def zem_acceleration(
    r_rel_m: ArrayLike,
    v_rel_mps: ArrayLike,
    navigation_gain: float,
    a_rel_mps2: ArrayLike = 0.0,
) -> Array:
    """Zero-effort-miss guidance, m/s^2 (..., 3): N' ZEM / t_go^2 with t_go = -R.V / |V|^2 and
    ZEM = R + V t_go + a_rel t_go^2 / 2 (Zarchan, ch. 8), zero once t_go <= 0.

    ``a_rel_mps2`` (..., 3 or scalar 0): the relative acceleration the guidance knows (target's
    minus round's, the round's divert left out)."""
    (r, v, a_rel), shape = _rows(r_rel_m, v_rel_mps, a_rel_mps2)
    return zem_rows(r, v, float(navigation_gain), a_rel).reshape(shape)


def lateral_limit(a_mps2: ArrayLike, v_mps: ArrayLike, max_accel_mps2: float) -> Array:
    """The part of the accelerations ``a_mps2`` (..., 3) perpendicular to the velocities
    ``v_mps`` (..., 3), scaled down where its magnitude exceeds ``max_accel_mps2``."""
    (a, v), shape = _rows(a_mps2, v_mps)
    return lateral_limit_rows(a, v, float(max_accel_mps2)).reshape(shape)


def lag_step(
    a_achieved_mps2: ArrayLike, a_commanded_mps2: ArrayLike, dt_s: float, time_constant_s: float
) -> Array:
    """The achieved acceleration after ``dt_s`` of the first-order lag
    da/dt = (a_c - a) / T with the command held over the step (exact: a + (a_c - a)(1 - e^(-dt/T));
    T = 0 follows the command at once)."""
    a, c = np.broadcast_arrays(
        np.asarray(a_achieved_mps2, dtype=float), np.asarray(a_commanded_mps2, dtype=float)
    )
    return lag(np.ascontiguousarray(a), np.ascontiguousarray(c), float(dt_s),
               float(time_constant_s))  # fmt: skip


@dataclass(frozen=True)
class GuidedFlight:
    """Flown guided rounds, M of them over K samples ``dt_s`` apart.

    ``t_s`` (K,); ``r_ecef``, ``v_ecef`` (M, K, 3), NaN once a round has come down below its
    site; ``accel_cmd_mps2`` and ``accel_achieved_mps2`` (M, K): magnitudes of the capped
    lateral command and of the divert flown over the step that starts at each sample (NaN where
    the round is down); ``acquired_t_s`` (M,): when the guidance first had the target (0 for
    command guidance, NaN if a seeker never saw it); ``miss_m`` and ``t_ca_s`` (M,): closest
    approach to the target, linear between samples (``weapons.lethality.closest_approach``).
    """

    t_s: Array
    r_ecef: Array
    v_ecef: Array
    accel_cmd_mps2: Array
    accel_achieved_mps2: Array
    acquired_t_s: Array
    miss_m: Array
    t_ca_s: Array

    @property
    def valid(self) -> NDArray[np.bool_]:
        return ~np.isnan(self.r_ecef[..., 0])


def white_jerk_model(dt_s: float, jerk_psd_m2ps5: float) -> tuple[Array, Array]:
    """Transition F and process noise Q (3, 3) of one axis of a constant-acceleration state
    (position, velocity, acceleration) over ``dt_s`` whose acceleration is driven by white jerk
    of power spectral density ``jerk_psd_m2ps5`` (m^2/s^5): the continuous Wiener-process
    acceleration model (Y. Bar-Shalom, X. R. Li and T. Kirubarajan, "Estimation with
    Applications to Tracking and Navigation", Wiley, 2001, sec. 6.2.3),
    Q = q [[T^5/20, T^4/8, T^3/6], [T^4/8, T^3/3, T^2/2], [T^3/6, T^2/2, T]]."""
    t = dt_s
    f = np.array([[1.0, t, 0.5 * t * t], [0.0, 1.0, t], [0.0, 0.0, 1.0]])
    q = jerk_psd_m2ps5 * np.array(
        [
            [t**5 / 20.0, t**4 / 8.0, t**3 / 6.0],
            [t**4 / 8.0, t**3 / 3.0, t**2 / 2.0],
            [t**3 / 6.0, t**2 / 2.0, t],
        ]
    )
    return f, q


def fly_guided(
    lat_rad: ArrayLike,
    lon_rad: ArrayLike,
    alt_m: ArrayLike,
    az_rad: ArrayLike,
    el_rad: ArrayLike,
    muzzle_velocity_mps: ArrayLike,
    projectile: Projectile,
    guidance: Guidance,
    target_r_ecef: ArrayLike,
    target_v_ecef: ArrayLike,
    dt_s: float,
    rng: np.random.Generator | MemberDraws,
    env: Environment = EARTH,
) -> GuidedFlight:
    """Fly M guided rounds at once from a site (geodetic ``lat_rad``, ``lon_rad``, ``alt_m``),
    fired at ``az_rad``, ``el_rad`` with ``muzzle_velocity_mps`` (all broadcast to the batch,
    flattened to M), against the true target path (module docstring for the model).

    ``target_r_ecef``, ``target_v_ecef`` (M, K, 3) or (K, 3): the target's ECEF position and
    velocity at the round's steps t_k = k ``dt_s`` from launch, NaN where it no longer exists;
    the rounds fly K - 1 steps. ``rng`` (a numpy Generator, or the rounds' own streams,
    ``streams.MemberDraws``) draws the measurement noise, every step's in one call, rounds
    first. The steps are flown by one compiled kernel, round by round
    (``weapons._guided_kernel``).
    """
    if not (math.isfinite(dt_s) and dt_s > 0.0):
        raise ValueError(f"dt_s must be a finite number > 0 (the step in s); got {dt_s!r}")
    r0, v0 = muzzle_state(lat_rad, lon_rad, alt_m, az_rad, el_rad, muzzle_velocity_mps)
    r0, v0 = r0.reshape(-1, 3), v0.reshape(-1, 3)
    m = r0.shape[0]
    tr = np.asarray(target_r_ecef, dtype=float)
    tv = np.asarray(target_v_ecef, dtype=float)
    if tr.ndim not in (2, 3) or tr.shape[-1] != 3 or tv.shape != tr.shape:
        raise ValueError(
            "target_r_ecef and target_v_ecef must both be (M, K, 3) or (K, 3); got "
            f"{tr.shape} and {tv.shape}"
        )
    k_steps = tr.shape[-2]
    tr = np.broadcast_to(tr, (m, k_steps, 3))
    tv = np.broadcast_to(tv, (m, k_steps, 3))

    model = BallisticModel(
        np.full(m, projectile.area_m2 / projectile.mass_kg), projectile.drag, env
    )
    stop_alt = min(float(np.min(np.asarray(alt_m, dtype=float))), 0.0) - 1e-6
    cap = guidance.max_accel_mps2
    seeker = guidance.kind == "seeker"
    augmented = guidance.track_model == "constant_acceleration"
    beta = math.exp(-dt_s / guidance.track_smoothing_s) if guidance.track_smoothing_s > 0 else 0.0

    # the target's acceleration along its path, for the uplinked track: the mean over the step
    # ahead (the last sample repeats the step before)
    a_t_path = np.zeros((m, k_steps, 3))
    if augmented and k_steps > 1:
        a_t_path[:, :-1] = np.diff(tv, axis=1) / dt_s
        a_t_path[:, -1] = a_t_path[:, -2]

    t_s = dt_s * np.arange(k_steps)
    r_rec = np.full((m, k_steps, 3), np.nan)
    v_rec = np.full((m, k_steps, 3), np.nan)
    cmd_rec = np.full((m, k_steps), np.nan)
    ach_rec = np.full((m, k_steps), np.nan)
    acquired_t = np.full(m, np.nan)
    f_mat, q_mat = white_jerk_model(dt_s, guidance.target_jerk_psd_m2ps5)
    # every step's measurement noise in one draw, rounds first (a round's draws are its own)
    noise_all = rng.standard_normal((m, k_steps, 2) if seeker else (m, k_steps, 2, 3))
    fly_guided_kernel(
        np.ascontiguousarray(np.concatenate([r0, v0], axis=1)), np.ascontiguousarray(tr),
        np.ascontiguousarray(tv), a_t_path,
        np.ascontiguousarray(noise_all[..., None] if seeker else noise_all),
        model.area_over_mass, model._mach, model._cd, ATMOSPHERE_TABLE, model._atmosphere,
        model._w, model._k_j2, dt_s, stop_alt, cap, seeker, augmented,
        PN if guidance.law == "pn" else ZEM, guidance.navigation_gain, guidance.time_constant_s,
        guidance.position_sigma_m, guidance.angle_sigma_rad, guidance.acquisition_range_m,
        math.cos(0.5 * guidance.field_of_view_rad), beta, f_mat, q_mat,
        r_rec, v_rec, cmd_rec, ach_rec, acquired_t,
    )  # fmt: skip

    miss, t_ca, _ = closest_approach(t_s, r_rec, tr)
    return GuidedFlight(
        t_s=t_s,
        r_ecef=r_rec,
        v_ecef=v_rec,
        accel_cmd_mps2=cmd_rec,
        accel_achieved_mps2=ach_rec,
        acquired_t_s=acquired_t,
        miss_m=miss,
        t_ca_s=t_ca,
    )
