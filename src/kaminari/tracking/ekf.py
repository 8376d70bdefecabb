"""Batched extended Kalman filter in ECEF for manoeuvring hypersonic targets.

State ``x`` (..., 9) = [r (3), v (3), a (3)]: ECEF position (m), ECEF velocity (m/s) and the
target's *non-gravitational* acceleration (m/s^2, lift, drag and thrust: everything the filter
cannot know), with covariance ``P`` (..., 9, 9). Leading axes are the batch (one member per
track); every function works on the whole batch at once.

Motion model (continuous time, in the rotating ECEF frame):

    r' = v,    v' = g(r, v) + a,    a' = w(t),   E[w(t) w(s)^T] = q I delta(t - s)

with g(r, v) = gravitation_j2(r) - 2 omega x v - omega x (omega x r), the J2 field of
``kaminari.earth.gravity`` (Vallado 2013, eq. 8-30) plus the Coriolis and centrifugal terms of
the rotating frame. ``a`` is a nearly-constant acceleration driven by white jerk of power
spectral density q (m^2/s^5): the "white-noise jerk" model of Y. Bar-Shalom, X. R. Li and
T. Kirubarajan, "Estimation with Applications to Tracking and Navigation", Wiley 2001,
sec. 6.2.3 (there called the Wiener-process acceleration model).

The mean is flown with the nonlinear equations by classical RK4 in sub-steps of at most
``MAX_STEP_S``; the covariance with the transition of the linearised system (see
``transition_matrix``). Measurements are radar range, azimuth (clockwise from north, [0, 2 pi))
and elevation from a geodetic site, with an analytic Jacobian.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.earth.atmosphere import _FAST_TABLE, density_and_sound_speed
from kaminari.earth.constants import GM_M3PS2, OMEGA_EARTH_RPS
from kaminari.earth.frames import aer2ecef, altitude_and_up, enu_rotation, geodetic2ecef
from kaminari.earth.gravity import K_J2_M2
from kaminari.earth.gravity import frame_acceleration as earth_frame_acceleration
from kaminari.tracking._kernels import (
    fly_held_aero,
    fly_held_aero_path,
    measure_rae_rows,
    predict_covariance,
    update_position,
)

__all__ = [
    "MAX_STEP_S",
    "AERO_SIGMA_MPS2",
    "MIN_AERO_RHO_V2",
    "MOTIONS",
    "R_FLOOR",
    "aero_members",
    "aero_state_moments",
    "apply_rebase",
    "class_mach_change",
    "extrapolate",
    "frame_acceleration",
    "gravity_gradient",
    "measure_rae",
    "predict",
    "predict_unscented",
    "process_noise",
    "propagate_mean",
    "retrodict",
    "rae_to_ecef",
    "rae_to_ecef_covariance",
    "rebase_aero",
    "rebase_matrices",
    "transition_matrix",
    "update",
    "wrap_pi",
]

Array = NDArray[np.float64]

MAX_STEP_S = 0.5
"""Longest RK4 sub-step of the mean, s. Over a glide (|a| < 50 m/s^2, jerk < 10 m/s^3) the
RK4 error of a 0.5 s step is far below a millimetre."""

R_FLOOR = np.diag([1e-3**2, 1e-9**2, 1e-9**2])
"""Added to every measurement covariance (range m^2, azimuth and elevation rad^2): 1 mm and
1 nrad sigmas, so that perfect sensing (R = 0) keeps the innovation covariance invertible. It
changes a realistic R (20 m, 1 mrad) by 1e-9 of itself."""

MOTIONS = ("acceleration", "aero", "drag")
"""How the mean flies the non-gravitational acceleration a: "acceleration" holds it in ECEF
(the nearly-constant-acceleration model); "aero" holds its aerodynamic coefficients, a / (rho
V^2) in the velocity frame (along the velocity, lift at bank 0, and to the right), so that a
grows with the air's density and the square of the speed and turns with the velocity: held
ballistic coefficient, lift-to-drag ratio and bank angle, the physics of a body that keeps its
angle of attack and bank (lift and drag per unit mass are rho V^2 S C / (2 m); e.g. N. X. Vinh,
"Hypersonic and Planetary Entry Flight Mechanics", 1980, ch. 2), in the US 1976 atmosphere."""

MIN_AERO_RHO_V2 = 2_000.0
"""rho V^2 (Pa, twice the dynamic pressure) below which the "aero" motion holds a in ECEF: in
air that thin a CAV-H's lift and drag are below 0.5 m/s^2, so an acceleration there is thrust,
not aerodynamic (the CAV-H skips to about 70 km, where rho V^2 is above 3 kPa at 6 km/s)."""

AERO_SIGMA_MPS2 = 2.0
"""Per-axis sigma (m/s^2) of a track's acceleration above which ``predict`` holds the
acceleration whatever the motion: a new track's acceleration (50 m/s^2 sigma) is noise, and
coefficients taken from it, with the transition linearised at them, made the aero filter
overconfident for its first 30 s on a truth that follows its own model (NEES 15-17 against 9;
tests/test_aero_motion.py)."""

_OMEGA = np.array([0.0, 0.0, OMEGA_EARTH_RPS])
_OMEGA_CROSS = np.array(
    [[0.0, -OMEGA_EARTH_RPS, 0.0], [OMEGA_EARTH_RPS, 0.0, 0.0], [0.0, 0.0, 0.0]]
)
"""The matrix [omega x] of the Earth's rotation (rad/s): [omega x] u = omega x u."""
_CENTRIFUGAL_GRADIENT = -_OMEGA_CROSS @ _OMEGA_CROSS
"""d/dr of -omega x (omega x r) = -[omega x]^2 = omega^2 diag(1, 1, 0), 1/s^2."""
_CORIOLIS = -2.0 * _OMEGA_CROSS
"""d/dv of the Coriolis acceleration -2 omega x v, 1/s."""
_CORIOLIS_SQUARED = _CORIOLIS @ _CORIOLIS
_I3 = np.eye(3)


def frame_acceleration(r_m: ArrayLike, v_mps: ArrayLike) -> Array:
    """g(r, v) (..., 3) in m/s^2: J2 gravitation plus the Coriolis and centrifugal accelerations
    of the ECEF frame at ECEF positions and velocities (..., 3).

    g = gravitation_j2(r) - 2 omega x v - omega x (omega x r) (Vallado 2013, eq. 8-30 for J2;
    the frame terms are those of any rotating frame, e.g. Vallado sec. 3.7).
    """
    r = np.asarray(r_m, dtype=float)
    v = np.asarray(v_mps, dtype=float)
    return np.stack(
        earth_frame_acceleration(r[..., 0], r[..., 1], r[..., 2], v[..., 0], v[..., 1], v[..., 2]),
        axis=-1,
    )


def gravity_gradient(r_m: ArrayLike) -> Array:
    """G = d g / d r (..., 3, 3) in 1/s^2 at ECEF positions (..., 3).

    Point-mass gravity gradient -GM / |r|^3 (I - 3 r r^T / |r|^2) plus the centrifugal
    gradient omega^2 diag(1, 1, 0). The J2 part of the gradient (1e-3 of the point-mass one) is
    left out: over a 1 s step it changes the transition by about 1e-9 (tests check F against
    a finite-difference transition of the full J2 flow).
    """
    r = np.asarray(r_m, dtype=float)
    rn2 = np.einsum("...i,...i->...", r, r)
    mu_r3 = GM_M3PS2 / (rn2 * np.sqrt(rn2))
    outer = r[..., :, None] * r[..., None, :] / rn2[..., None, None]
    return -mu_r3[..., None, None] * (_I3 - 3.0 * outer) + _CENTRIFUGAL_GRADIENT


def _rk4_step(r: Array, v: Array, a: Array, h: Array) -> tuple[Array, Array]:
    """One RK4 step of r' = v, v' = g(r, v) + a (a held) with steps ``h`` (..., 1) in s."""
    half = 0.5 * h
    k1r, k1v = v, frame_acceleration(r, v) + a
    r2, v2 = r + half * k1r, v + half * k1v
    k2r, k2v = v2, frame_acceleration(r2, v2) + a
    r3, v3 = r + half * k2r, v + half * k2v
    k3r, k3v = v3, frame_acceleration(r3, v3) + a
    r4, v4 = r + h * k3r, v + h * k3v
    k4r, k4v = v4, frame_acceleration(r4, v4) + a
    sixth = h / 6.0
    return (
        r + sixth * (k1r + 2.0 * (k2r + k3r) + k4r),
        v + sixth * (k1v + 2.0 * (k2v + k3v) + k4v),
    )


_NO_CLASS = np.empty(0)
"""The compiled flights' ``form`` where no class is told."""


def _class_form(class_form: tuple[float, ...], motion: str) -> Array:
    """A class's eleven numbers as the compiled flights take them (empty: none), checked."""
    form = np.asarray(class_form, dtype=float)
    if not form.size:
        return _NO_CLASS
    if form.size != 11 or motion != "drag" or not form[10] > 0.0 or form[1] == 0.0:
        raise ValueError(
            "class_form must be 11 numbers (the form's ten, a1 not 0, and S/m > 0) with the "
            f"drag motion (got {form.size} numbers, motion {motion!r})"
        )
    return form


def _fly(
    r: Array, v: Array, a: Array, dt: Array, motion: str = "acceleration",
    form: Array = _NO_CLASS,
) -> tuple[Array, Array, Array]:
    """Fly every member by its own ``dt`` (...,) s in the same number of equal RK4 sub-steps,
    each at most MAX_STEP_S (a member with dt 0 stays put), its acceleration flown as
    ``motion`` says (held, or its aerodynamic coefficients held: ``_kernels.fly_held_aero``,
    whose RK4 is ``_rk4_step``'s, compiled per member); returns the acceleration at the end
    too."""
    n_sub = max(1, int(np.ceil(np.max(dt, initial=0.0) / MAX_STEP_S - 1e-12)))
    shape = r.shape
    r_out, v_out, a_out = fly_held_aero(
        np.ascontiguousarray(r.reshape(-1, 3)),
        np.ascontiguousarray(v.reshape(-1, 3)),
        np.ascontiguousarray(np.broadcast_to(a, shape).reshape(-1, 3)),
        np.ascontiguousarray(np.broadcast_to(dt, shape[:-1]).reshape(-1)),
        n_sub,
        OMEGA_EARTH_RPS,
        K_J2_M2,
        _FAST_TABLE,
        _min_rho_v2(motion),
        motion == "aero",
        form,
    )
    return r_out.reshape(shape), v_out.reshape(shape), a_out.reshape(shape)


def _min_rho_v2(motion: str) -> float:
    """The kernels' threshold of aerodynamic flight for ``motion``: never, for a held
    acceleration."""
    if motion not in MOTIONS:
        raise ValueError(f"motion must be one of {MOTIONS}, got {motion!r}")
    return np.inf if motion == "acceleration" else MIN_AERO_RHO_V2


def _as_dt(dt_s: ArrayLike, batch_shape: tuple[int, ...]) -> Array:
    dt = np.broadcast_to(np.asarray(dt_s, dtype=float), batch_shape)
    if np.any(dt < 0.0) or not np.all(np.isfinite(dt)):
        raise ValueError(f"dt_s must be finite and >= 0 (got min {np.min(dt, initial=0.0)} s)")
    return dt


def propagate_mean(
    x: ArrayLike, dt_s: ArrayLike, motion: str = "acceleration",
    class_form: tuple[float, ...] = (),
) -> Array:
    """States (..., 9) flown ``dt_s`` seconds (scalar or (...,), >= 0) by the nonlinear model
    (RK4, sub-steps of at most MAX_STEP_S), the acceleration flown as ``motion`` says
    (``MOTIONS``: held, or its aerodynamic coefficients held, the state's a then being the
    acceleration at the end), the drag along a class's polar where ``class_form`` is given
    (``extrapolate``)."""
    x = np.asarray(x, dtype=float)
    dt = _as_dt(dt_s, x.shape[:-1])
    form = _class_form(class_form, motion)
    r, v, a = _fly(x[..., 0:3], x[..., 3:6], x[..., 6:9], dt, motion, form)
    return np.concatenate([r, v, a], axis=-1)


def transition_matrix(x: ArrayLike, dt_s: ArrayLike) -> Array:
    """Transition F (..., 9, 9) of the model linearised at states ``x`` (..., 9) over ``dt_s``.

    A = [[0, I, 0], [G, C, I], [0, 0, 0]] with G = ``gravity_gradient`` at the start of the
    interval and C = -2 [omega x], and F = I + A dt + A^2 dt^2 / 2 + A^3 dt^3 / 6 (the
    exponential e^{A dt} to third order: exact for the pure kinematic part, whose A^3 = 0; the
    neglected terms are of order (|G| dt^2)^2 / 24, below 1e-13 for dt = 1 s). Written out by
    blocks, with D = G + C^2:
        F_rr = I + G dt^2/2 + C G dt^3/6,      F_rv = I dt + C dt^2/2 + D dt^3/6 = F_va,
        F_ra = I dt^2/2 + C dt^3/6,            F_vr = G dt + C G dt^2/2 + D G dt^3/6,
        F_vv = I + C dt + D dt^2/2 + (C G + D C) dt^3/6,   F_aa = I, F_ar = F_av = 0.
    """
    x = np.asarray(x, dtype=float)
    return _transition(x, _as_dt(dt_s, x.shape[:-1]))


def _transition(x: Array, dt_s: Array) -> Array:
    """``transition_matrix`` for steps of either sign (the series holds for both)."""
    dt = dt_s[..., None, None]
    d2, d3 = dt * dt / 2.0, dt * dt * dt / 6.0
    g = gravity_gradient(x[..., 0:3])
    c = _CORIOLIS
    cg = c @ g
    d = g + _CORIOLIS_SQUARED
    f = np.zeros(x.shape[:-1] + (9, 9))
    f[..., 0:3, 0:3] = _I3 + g * d2 + cg * d3
    f[..., 0:3, 3:6] = _I3 * dt + c * d2 + d * d3
    f[..., 0:3, 6:9] = _I3 * d2 + c * d3
    f[..., 3:6, 0:3] = g * dt + cg * d2 + (d @ g) * d3
    f[..., 3:6, 3:6] = _I3 + c * dt + d * d2 + (cg + d @ c) * d3
    f[..., 3:6, 6:9] = f[..., 0:3, 3:6]
    f[..., 6:9, 6:9] = _I3
    return f


def retrodict(x: ArrayLike, lag_s: ArrayLike) -> tuple[Array, Array]:
    """States (..., 9) flown back ``lag_s`` (>= 0, per member) seconds by the model's own
    equations (RK4 with negative steps of at most MAX_STEP_S, acceleration held), and the
    transition F (..., 9, 9) from the states to them (``transition_matrix`` at -lag): for a
    measurement older than a track's state (``tracking.angles``)."""
    x = np.asarray(x, dtype=float)
    lag = _as_dt(lag_s, x.shape[:-1])
    n_sub = max(1, int(np.ceil(np.max(lag, initial=0.0) / MAX_STEP_S - 1e-12)))
    h = -(lag / n_sub)[..., None]
    r, v, a = x[..., 0:3], x[..., 3:6], x[..., 6:9]
    for _ in range(n_sub):  # a few sub-steps, each batched over every member
        r, v = _rk4_step(r, v, a, h)
    return np.concatenate([r, v, a], axis=-1), _transition(x, -lag)


def process_noise(dt_s: ArrayLike, jerk_psd_m2ps5: ArrayLike) -> Array:
    """Q (..., 9, 9) of the white-jerk model over ``dt_s`` with jerk PSD q (m^2/s^5).

    Per axis, for [position, velocity, acceleration] (Bar-Shalom, Li & Kirubarajan 2001,
    sec. 6.2.3):
        q [[dt^5/20, dt^4/8, dt^3/6], [dt^4/8, dt^3/3, dt^2/2], [dt^3/6, dt^2/2, dt]];
    the three axes are independent and identical. The gravity coupling of the noise (of order
    |G| dt^2 relative) is neglected, as is usual.
    """
    dt = np.asarray(dt_s, dtype=float)
    q = np.asarray(jerk_psd_m2ps5, dtype=float)
    dt, q = np.broadcast_arrays(dt, q)
    axis = _white_jerk_axis(dt) * q[..., None, None]
    # kron(axis, I3): element [3i + k, 3j + l] = axis[i, j] delta_kl
    full = axis[..., :, None, :, None] * _I3[:, None, :]
    return full.reshape(dt.shape + (9, 9))


def _white_jerk_axis(dt: Array) -> Array:
    """The white-jerk noise of one axis over ``dt`` (...,) for a unit PSD, (..., 3, 3):
    [[dt^5/20, dt^4/8, dt^3/6], [dt^4/8, dt^3/3, dt^2/2], [dt^3/6, dt^2/2, dt]]."""
    d2 = dt * dt
    d3 = d2 * dt
    d4 = d3 * dt
    d5 = d4 * dt
    return np.stack(
        [
            np.stack([d5 / 20.0, d4 / 8.0, d3 / 6.0], axis=-1),
            np.stack([d4 / 8.0, d3 / 3.0, d2 / 2.0], axis=-1),
            np.stack([d3 / 6.0, d2 / 2.0, dt], axis=-1),
        ],
        axis=-2,
    )


def _rho_v2(r: Array, v: Array) -> Array:
    """rho V^2 (N,) in Pa at ECEF positions and velocities (N, 3), US 1976 density."""
    alt = altitude_and_up(r[:, 0], r[:, 1], r[:, 2])[0]
    return density_and_sound_speed(alt)[0] * np.einsum("ni,ni->n", v, v)


def _aero_basis(
    r: Array, v: Array, lift_scales: bool, drag: NDArray[np.bool_] | None = None
) -> tuple[Array, Array]:
    """M (N, 3, 3), whose columns map held aerodynamic coefficients to the acceleration
    (``MOTIONS``): rho V^2 u (u alone where ``drag`` is False: a push along the velocity is
    held as it is, ``_kernels._aero_acceleration``), k n and k l with k = rho V^2 where the
    lift scales, else 1; and rho V^2 (N,)."""
    alt, ux, uy, uz = altitude_and_up(r[:, 0], r[:, 1], r[:, 2])
    s = density_and_sound_speed(np.maximum(alt, -5_000.0))[0] * np.einsum("ni,ni->n", v, v)
    u = v / np.linalg.norm(v, axis=-1, keepdims=True)
    up = np.stack([ux, uy, uz], axis=-1)
    n = up - np.einsum("ni,ni->n", up, u)[:, None] * u
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    l_ = np.cross(u, n)
    k = s if lift_scales else np.ones_like(s)
    ks = s if drag is None else np.where(drag, s, 1.0)
    return np.stack([ks[:, None] * u, k[:, None] * n, k[:, None] * l_], axis=-1), s


_DR_M = 1.0
"""Finite-difference steps of the acceleration's Jacobians in position (m) and velocity
(m/s): the acceleration changes by 1e-4 of itself over a metre of height (a 7 km density
scale height) and by 1e-5 over 0.05 m/s at 5 km/s, far above rounding and far below any
curvature."""
_DV_MPS = 0.05


def _aero_jacobians(
    r: Array, v: Array, c: Array, lift_scales: bool, drag: NDArray[np.bool_]
) -> tuple[Array, Array, Array]:
    """d a / d r, d a / d v (N, 3, 3) at held coefficients c (N, 3), by central differences
    of a = M(r, v) c, and M (N, 3, 3) at (r, v)."""
    m0, _ = _aero_basis(r, v, lift_scales, drag)
    jr = np.empty((r.shape[0], 3, 3))
    jv = np.empty_like(jr)
    for j in range(3):
        e = np.zeros(3)
        e[j] = _DR_M
        plus = np.einsum("nij,nj->ni", _aero_basis(r + e, v, lift_scales, drag)[0], c)
        minus = np.einsum("nij,nj->ni", _aero_basis(r - e, v, lift_scales, drag)[0], c)
        jr[:, :, j] = (plus - minus) / (2.0 * _DR_M)
        e = np.zeros(3)
        e[j] = _DV_MPS
        plus = np.einsum("nij,nj->ni", _aero_basis(r, v + e, lift_scales, drag)[0], c)
        minus = np.einsum("nij,nj->ni", _aero_basis(r, v - e, lift_scales, drag)[0], c)
        jv[:, :, j] = (plus - minus) / (2.0 * _DV_MPS)
    return jr, jv, m0


def _aero_transition(x0: Array, x1: Array, dt: Array, lift_scales: bool) -> Array:
    """Transition F (N, 9, 9) of the "aero" or "drag" motion from states x0 to x1 (N, 9)
    over dt (N,).

    In the coordinates (r, v, c) of the held coefficients the motion is r' = v,
    v' = g(r, v) + M(r, v) c, c' = 0, with Jacobian A = [[0, I, 0], [G + Jr, C + Jv, M],
    [0, 0, 0]] (G, C of ``transition_matrix``; Jr, Jv the acceleration's derivatives at held
    c); its transition over dt is the series I + A h + A^2 h^2/2 + A^3 h^3/6 + A^4 h^4/24
    taken over sub-steps h of at most MAX_STEP_S with A held at the start. The state's
    acceleration a = M c changes coordinates by T = [[I, 0, 0], [0, I, 0], [Jr, Jv, M]],
    so F = T(x1) F_c T(x0)^-1."""
    n = x0.shape[0]
    r0, v0, a0 = x0[:, 0:3], x0[:, 3:6], x0[:, 6:9]
    drag = _drag_flag(x0)
    m0, _ = _aero_basis(r0, v0, lift_scales, drag)
    c = np.linalg.solve(m0, a0[..., None])[..., 0]
    jr0, jv0, _ = _aero_jacobians(r0, v0, c, lift_scales, drag)
    jr1, jv1, m1 = _aero_jacobians(x1[:, 0:3], x1[:, 3:6], c, lift_scales, drag)
    a = np.zeros((n, 9, 9))
    a[:, 0:3, 3:6] = _I3
    a[:, 3:6, 0:3] = gravity_gradient(r0) + jr0
    a[:, 3:6, 3:6] = _CORIOLIS + jv0
    a[:, 3:6, 6:9] = m0
    n_sub = max(1, int(np.ceil(np.max(dt, initial=0.0) / MAX_STEP_S - 1e-12)))
    h = (dt / n_sub)[:, None, None]
    ah = a * h
    ah2 = ah @ ah
    ah3 = ah2 @ ah
    step = np.eye(9) + ah + ah2 / 2.0 + ah3 / 6.0 + (ah3 @ ah) / 24.0
    f_c = step
    for _ in range(n_sub - 1):
        f_c = step @ f_c
    t1 = np.zeros((n, 9, 9))
    t1[:, 0:6, 0:6] = np.eye(6)
    t1[:, 6:9, 0:3], t1[:, 6:9, 3:6], t1[:, 6:9, 6:9] = jr1, jv1, m1
    m0_inv = np.linalg.inv(m0)
    t0_inv = np.zeros((n, 9, 9))
    t0_inv[:, 0:6, 0:6] = np.eye(6)
    t0_inv[:, 6:9, 0:3] = -m0_inv @ jr0
    t0_inv[:, 6:9, 3:6] = -m0_inv @ jv0
    t0_inv[:, 6:9, 6:9] = m0_inv
    return t1 @ f_c @ t0_inv


def _symmetric(p: Array) -> Array:
    return 0.5 * (p + np.swapaxes(p, -1, -2))


def predict(
    x: ArrayLike, P: ArrayLike, dt_s: ArrayLike, jerk_psd_m2ps5: ArrayLike,
    motion: str = "acceleration",
) -> tuple[Array, Array]:
    """EKF prediction of states (..., 9) and covariances (..., 9, 9) over ``dt_s`` seconds.

    ``dt_s`` is a scalar or one value per member (>= 0; 0 leaves a member unchanged). The mean
    is flown by ``propagate_mean``; the covariance is F P F^T + Q with F = ``transition_matrix``
    and Q = ``process_noise`` (Bar-Shalom, Li & Kirubarajan 2001, sec. 5.2 and 6.2.3),
    symmetrised.
    """
    x = np.asarray(x, dtype=float)
    P = np.asarray(P, dtype=float)
    dt = _as_dt(dt_s, x.shape[:-1])
    shape = x.shape[:-1]
    q = np.broadcast_to(np.asarray(jerk_psd_m2ps5, dtype=float), shape)
    # the same algebra as transition_matrix and process_noise, compiled (tracking._kernels)
    p_new = predict_covariance(
        np.ascontiguousarray(x[..., 0:3].reshape(-1, 3)),
        np.ascontiguousarray(P.reshape(-1, 9, 9)),
        np.ascontiguousarray(dt.reshape(-1)),
        np.ascontiguousarray(q.reshape(-1)),
        GM_M3PS2,
        OMEGA_EARTH_RPS,
    ).reshape(P.shape)
    if motion == "acceleration":
        return propagate_mean(x, dt), p_new
    flat_x, flat_dt = x.reshape(-1, 9), dt.reshape(-1)
    sigma_a2 = np.trace(P.reshape(-1, 9, 9)[:, 6:9, 6:9], axis1=-2, axis2=-1) / 3.0
    aero = (
        (_rho_v2(flat_x[:, 0:3], flat_x[:, 3:6]) >= MIN_AERO_RHO_V2)
        & (flat_dt > 0.0)
        & (sigma_a2 <= AERO_SIGMA_MPS2**2)
    )
    x_new = np.empty_like(flat_x)
    held = np.flatnonzero(~aero)
    x_new[held] = propagate_mean(flat_x[held], flat_dt[held])
    idx = np.flatnonzero(aero)
    if idx.size:
        x_new[idx] = propagate_mean(flat_x[idx], flat_dt[idx], motion)
        f = _aero_transition(flat_x[idx], x_new[idx], flat_dt[idx], motion == "aero")
        p_aero = f @ P.reshape(-1, 9, 9)[idx] @ np.swapaxes(f, -1, -2) + process_noise(
            flat_dt[idx], q.reshape(-1)[idx]
        )
        p_flat = p_new.reshape(-1, 9, 9)
        p_flat[idx] = _symmetric(p_aero)
        p_new = p_flat.reshape(P.shape)
    x_new = x_new.reshape(x.shape)
    return x_new, p_new


def aero_members(x: ArrayLike, P: ArrayLike) -> NDArray[np.bool_]:
    """Which states (N, 9) with covariances (N, 9, 9) ``predict_unscented`` flies (and so
    holds) in coefficient form, the members ``rebase_aero`` and ``aero_state_moments`` act
    on: air above MIN_AERO_RHO_V2 and the acceleration known to AERO_SIGMA_MPS2 per axis."""
    flat_x, flat_p = np.asarray(x, dtype=float), np.asarray(P, dtype=float)
    sigma_a2 = np.trace(flat_p[:, 6:9, 6:9], axis1=-2, axis2=-1) / 3.0
    return (_rho_v2(flat_x[:, 0:3], flat_x[:, 3:6]) >= MIN_AERO_RHO_V2) & (
        sigma_a2 <= AERO_SIGMA_MPS2**2
    )


def _sigma_points(x: Array, P: Array) -> Array:
    """The 2 x 9 symmetric sigma points (N, 18, 9) x +- the columns of chol(9 P) (kappa = 0:
    S. J. Julier and J. K. Uhlmann, "Unscented filtering and nonlinear estimation", Proc. IEEE
    92(3), 2004), equal weights 1/18. The root is taken of P's correlation matrix (then scaled
    back), so that a state whose position is known to 100 m and whose acceleration to 1e-4
    m/s^2 keeps both: a jitter on P itself would swamp the second."""
    d = np.sqrt(np.maximum(np.diagonal(P, axis1=-2, axis2=-1), 1e-300))
    corr = _symmetric(P / d[:, :, None] / d[:, None, :])
    root = np.linalg.cholesky(9.0 * corr + 1e-12 * np.eye(9)) * d[:, :, None]
    spread = np.swapaxes(root, -1, -2)  # rows: the columns of the root
    return np.concatenate([x[:, None, :] + spread, x[:, None, :] - spread], axis=1)


def _point_moments(points: Array) -> tuple[Array, Array]:
    """Mean (N, 9) and covariance (N, 9, 9) of equally weighted points (N, K, 9)."""
    mean = points.mean(axis=1)
    dev = points - mean[:, None, :]
    return mean, np.einsum("nki,nkj->nij", dev, dev) / points.shape[1]


def _point_basis(r: Array, v: Array, drag: NDArray[np.bool_]) -> Array:
    """``_aero_basis`` (..., 3, 3) at positions and velocities (M, ..., 3), the drag flag
    (M,) of each member shared by its points."""
    shape = r.shape[:-1]
    flag = np.broadcast_to(drag.reshape(drag.shape + (1,) * (len(shape) - 1)), shape)
    basis, _ = _aero_basis(r.reshape(-1, 3), v.reshape(-1, 3), True, flag.reshape(-1))
    return basis.reshape(shape + (3, 3))


def _drag_flag(x: Array) -> NDArray[np.bool_]:
    """Whether each state's (N, 9) acceleration opposes its velocity (drag), not pushes."""
    return np.einsum("ni,ni->n", x[:, 6:9], x[:, 3:6]) <= 0.0


def _own_accelerations(x: Array, points: Array, drag: NDArray[np.bool_]) -> Array:
    """Sigma points (N, K, 9) of coefficient-form states x (N, 9) with each point's own
    acceleration: its coefficients c = M(x)^-1 a_point (the mean's basis, linear in the
    points) flown at its own position and velocity, M(point) c."""
    coefficients = np.linalg.solve(
        _point_basis(x[:, 0:3], x[:, 3:6], drag)[:, None], points[..., 6:9, None]
    )[..., 0]
    out = points.copy()
    out[..., 6:9] = np.einsum(
        "nkij,nkj->nki", _point_basis(points[..., 0:3], points[..., 3:6], drag), coefficients
    )
    return out


def predict_unscented(
    x: ArrayLike, P: ArrayLike, dt_s: ArrayLike, jerk_psd_m2ps5: ArrayLike,
    coefficient_psd_per_s: ArrayLike, mach_elasticity: tuple[float, float] = (0.0, 0.0),
    bank_psd_rad2ps: ArrayLike | None = None, class_aero: tuple[float, ...] = (),
    polar: bool = False,
) -> tuple[Array, Array]:
    """Prediction of the "aero" motion by the unscented transform, its coefficients following
    the Mach number; states (..., 9) and covariances (..., 9, 9) over ``dt_s`` (>= 0).

    Where the aero motion applies (air above MIN_AERO_RHO_V2, the acceleration known to
    AERO_SIGMA_MPS2 per axis), the member's acceleration is held in *coefficient form*: x[6:9]
    is the acceleration of its aerodynamic coefficients at its own state, a = M(x) c (M the
    aero basis of ``_aero_basis``: rho V^2 times the velocity frame), and the covariance of
    x[6:9] is that of M(x) c, the coefficients' uncertainty expressed at the estimate. The
    tie of the acceleration to the air's density at a position known only to some metres
    (d a / d h = -a / 7 km) is then a function of the state, not a correlation a linear
    update must carry: in plain (r, v, a) form the update treats the curved relation a(h)
    as straight, and on a glide whose coefficients the track knows to 1e-4 of themselves the
    neglected curvature (a h_sigma^2 / (2 H^2), 1e-3 m/s^2 at 100 m) is larger than what the
    track knows, so the NEES grew to 13 against 9 even on a truth of the filter's own model.
    After an update moves the estimate, ``rebase_aero`` re-expresses the coefficients' form
    at the new estimate (exact: it is linear in c); ``aero_state_moments`` gives the plain
    (r, v, a) mean and covariance that such a state stands for.

    The 2 x 9 sigma points (``_sigma_points``) are each flown by ``propagate_mean`` with
    their own coefficients c = M(x)^-1 a_point (the mean's basis: linear in the points, so
    the coefficients are Gaussian as the state is), and their flown coefficients expressed at
    the flown mean; the mean and covariance are the points' own.

    The coefficients then follow the Mach number M over the step, C ~ M^e with the
    elasticities e = d ln C / d ln M of ``mach_elasticity`` (drag, lift): at a held angle of
    attack a hypersonic body's coefficients change with Mach only slowly (the Mach independence
    principle; J. D. Anderson, "Hypersonic and High-Temperature Gas Dynamics", 2nd ed., 2006,
    sec. 4.14), and e is that slope (0: Mach independence). Told the threat class instead
    (``class_aero``: the ten numbers of its aerodynamic fit and its reference area over
    mass), they change as that fit's Mach terms do at a held angle of attack
    (``class_mach_change``, times S / 2m): exact for a class that holds its angle of
    attack, where a constant e is the fit's slope at one Mach number only (the CAV-H's drag
    e moves from -0.155 at Mach 15 to -0.31 at Mach 12). The change of the coefficients
    over the step is taken as linear in time: the points' velocity gains half of the step's
    change of acceleration times dt and their position a sixth times dt^2, which holding the
    coefficients over the step leaves out. The class's law holds for a threat that holds its
    angle of attack: one that steers by it (an equilibrium glide's lift held to its weight, a
    homing dive) does not keep the lift a held angle would give, and a filter that trusts
    the fit's Mach law there is led off (a proportional-navigation dive's track 25 m off
    where held coefficients keep it within a metre). With ``polar`` the class's law is
    instead that of a guided threat (``extrapolate``'s ``class_form``): the points hold their
    lift as an acceleration and fly their drag along the class's polar, and neither
    elasticities nor the Mach terms above apply. The process noise is a white jerk
    of each aerodynamic component a_k of the acceleration (drag, lift, side) relative to
    itself, PSD ``coefficient_psd_per_s`` (1/s, per member: each component relative to itself
    is a random walk whose variance grows by s dt), and the bank's random walk, PSD
    ``bank_psd_rad2ps`` (rad^2/s; None: none): Q = kron(W(dt), ...) of
    ``_coefficient_noise``, W the white-jerk matrix of one axis (``process_noise``).

    Elsewhere (thin air, an acceleration not yet known) it is ``predict`` with a held
    acceleration and the jerk PSD ``jerk_psd_m2ps5``.
    """
    x = np.asarray(x, dtype=float)
    P = np.asarray(P, dtype=float)
    dt = _as_dt(dt_s, x.shape[:-1]).reshape(-1)
    n = dt.size
    q = np.broadcast_to(np.asarray(jerk_psd_m2ps5, dtype=float), x.shape[:-1]).reshape(-1)
    s = np.broadcast_to(np.asarray(coefficient_psd_per_s, dtype=float), x.shape[:-1]).reshape(-1)
    bank = None if bank_psd_rad2ps is None else np.broadcast_to(
        np.asarray(bank_psd_rad2ps, dtype=float), x.shape[:-1]).reshape(-1)  # fmt: skip
    flat_x, flat_p = x.reshape(n, 9), P.reshape(n, 9, 9)
    aero = aero_members(flat_x, flat_p) & (dt > 0.0)
    x_new, p_new = np.empty_like(flat_x), np.empty_like(flat_p)
    held = np.flatnonzero(~aero)
    x_new[held], p_new[held] = predict(flat_x[held], flat_p[held], dt[held], q[held])
    idx = np.flatnonzero(aero)
    if idx.size:
        xs = flat_x[idx]
        drag = _drag_flag(xs)
        points = _sigma_points(xs, _symmetric(flat_p[idx]))
        m, k = points.shape[:2]
        start = _own_accelerations(xs, points, drag).reshape(-1, 9)
        steps = np.repeat(dt[idx], k)
        if polar and class_aero:
            flown = propagate_mean(start, steps, "drag", class_aero)
        else:
            flown = propagate_mean(start, steps, "aero")
            if class_aero or any(mach_elasticity):
                flown = _follow_mach(start, flown, steps, mach_elasticity, class_aero)
        flown = flown.reshape(m, k, 9)
        coefficients = np.linalg.solve(
            _point_basis(flown[..., 0:3], flown[..., 3:6], drag), flown[..., 6:9, None]
        )[..., 0]
        centre = flown[..., 0:6].mean(axis=1)
        flown[..., 6:9] = np.einsum(
            "nij,nkj->nki", _point_basis(centre[:, 0:3], centre[:, 3:6], drag), coefficients
        )
        mean, cov = _point_moments(flown)
        x_new[idx] = mean
        noise = _coefficient_noise(mean, dt[idx], s[idx], None if bank is None else bank[idx])
        p_new[idx] = _symmetric(cov + noise)
    return x_new.reshape(x.shape), p_new.reshape(P.shape)


def rebase_aero(
    x_from: ArrayLike, x_to: ArrayLike, P_to: ArrayLike, members: ArrayLike
) -> tuple[Array, Array]:
    """States x_to (N, 9) and covariances (N, 9, 9) whose acceleration is in the coefficient
    form of ``predict_unscented`` at the states x_from (N, 9) (after a linear update, which
    moves r and v but leaves a expressed at the old estimate), re-expressed at x_to itself:
    a' = M(x_to) M(x_from)^-1 a and P' = T P T^T with T the identity but for that 3 x 3
    block. Exact, being linear in the coefficients. Only ``members`` (N,) change."""
    x_to = np.asarray(x_to, dtype=float)
    j = rebase_matrices(x_from, x_to[:, None, 0:6], members)[:, 0]
    return apply_rebase(j, x_to, P_to)


def rebase_matrices(x_from: ArrayLike, rv_to: ArrayLike, members: ArrayLike) -> Array:
    """The matrices (N, J, 3, 3) M(rv_to) M(x_from)^-1 that re-express the coefficient-form
    acceleration of states x_from (N, 9) at the positions and velocities rv_to (N, J, 6)
    (``rebase_aero``), each with x_from's drag flag; the identity where not ``members`` (N,)."""
    x_from = np.asarray(x_from, dtype=float)
    rv_to = np.asarray(rv_to, dtype=float)
    n, k = rv_to.shape[:2]
    out = np.broadcast_to(np.eye(3), (n, k, 3, 3)).copy()
    idx = np.flatnonzero(np.asarray(members, dtype=bool))
    if idx.size == 0:
        return out
    xs = x_from[idx]
    drag = _drag_flag(xs)
    inv_from = np.linalg.inv(_point_basis(xs[:, 0:3], xs[:, 3:6], drag))
    to = rv_to[idx].reshape(-1, 6)
    b_to = _point_basis(to[:, 0:3], to[:, 3:6], np.repeat(drag, k)).reshape(idx.size, k, 3, 3)
    out[idx] = b_to @ inv_from[:, None]
    return out


def apply_rebase(j: ArrayLike, x: ArrayLike, P: ArrayLike) -> tuple[Array, Array]:
    """States (..., 9) and covariances (..., 9, 9) with their acceleration mapped by j (...,
    3, 3): a' = j a, P' = T P T^T with T the identity but for its acceleration block j."""
    j = np.asarray(j, dtype=float)
    x = np.array(x, dtype=float)
    P = np.asarray(P, dtype=float)
    t = np.broadcast_to(np.eye(9), j.shape[:-2] + (9, 9)).copy()
    t[..., 6:9, 6:9] = j
    x[..., 6:9] = np.einsum("...ij,...j->...i", j, x[..., 6:9])
    return x, _symmetric(t @ P @ np.swapaxes(t, -1, -2))


def aero_state_moments(x: ArrayLike, P: ArrayLike) -> tuple[Array, Array]:
    """The mean (N, 9) and covariance (N, 9, 9) of (r, v, a), a the acceleration of the
    target itself, that states of ``predict_unscented``'s coefficient form stand for (the
    aero members; the others are returned as they are): the sigma points of (x, P), each
    point's coefficients c = M(x)^-1 a_point giving its own acceleration M(point) c, and
    their moments. The acceleration's mean then carries the curvature of a(h) (the mean of
    rho over an uncertain height is above rho at the mean height) and its covariance the
    position's share. This is the estimate to score against a truth (NEES) and to fly a
    covariance forward with a plain (r, v, a) model."""
    x = np.array(x, dtype=float)
    P = np.array(P, dtype=float)
    idx = np.flatnonzero(aero_members(x, P))
    if idx.size:
        xs = x[idx]
        drag = _drag_flag(xs)
        points = _own_accelerations(xs, _sigma_points(xs, _symmetric(P[idx])), drag)
        mean, cov = _point_moments(points)
        x[idx], P[idx] = mean, _symmetric(cov)
    return x, P


def _aero_components(x: Array) -> tuple[Array, Array]:
    """The acceleration of states (N, 9) split along the aero basis: the columns a_k (N, 3, 3)
    (along the velocity, lift at bank 0, to the right), and that basis M (N, 3, 3)."""
    r, v, a = x[:, 0:3], x[:, 3:6], x[:, 6:9]
    basis, _ = _aero_basis(r, v, True, _drag_flag(x))
    c = np.linalg.solve(basis, a[..., None])[..., 0]
    return basis * c[:, None, :], basis


def _mach(x: Array) -> Array:
    alt = altitude_and_up(x[:, 0], x[:, 1], x[:, 2])[0]
    return np.linalg.norm(x[:, 3:6], axis=-1) / density_and_sound_speed(alt)[1]


def _follow_mach(
    x0: Array, x1: Array, dt: Array, elasticity: tuple[float, float],
    class_aero: tuple[float, ...] = (),
) -> Array:
    """States x1 (N, 9) flown over dt (N,) from x0 with held coefficients, their
    acceleration's drag and lift components scaled by (M1 / M0)^e, or, where ``class_aero``
    is given, changed by the class fit's Mach terms (``class_mach_change``), and their
    velocity and position by the integral of that change taken linear over the step
    (``predict_unscented``)."""
    m0, m1 = _mach(x0), _mach(x1)
    out = x1.copy()
    if class_aero:
        drag = _drag_flag(x1)
        basis, _ = _aero_basis(x1[:, 0:3], x1[:, 3:6], True, drag)
        c = np.linalg.solve(basis, x1[:, 6:9, None])[..., 0]
        d_cl, d_cd = class_mach_change(m0, m1, class_aero)
        half = 0.5 * class_aero[10]
        lift = c[:, 1:3]
        size = np.linalg.norm(lift, axis=-1, keepdims=True)
        way = np.where(size > 0.0, lift / np.where(size > 0.0, size, 1.0), [1.0, 0.0])
        c[:, 0] -= np.where(drag, half * d_cd, 0.0)
        c[:, 1:3] += (half * d_cl)[:, None] * way
        out[:, 6:9] = np.einsum("nij,nj->ni", basis, c)
    else:
        parts, _ = _aero_components(x1)
        e = np.array([elasticity[0], elasticity[1], elasticity[1]])
        out[:, 6:9] = np.einsum("nik,nk->ni", parts, (m1 / m0)[:, None] ** e)
    change = out[:, 6:9] - x1[:, 6:9]
    out[:, 3:6] += change * (0.5 * dt)[:, None]
    out[:, 0:3] += change * (dt * dt / 6.0)[:, None]
    return out


def class_mach_change(
    mach_0: ArrayLike, mach_1: ArrayLike, form: tuple[float, ...]
) -> tuple[Array, Array]:
    """The change of a threat class's lift and drag coefficients from Mach M0 to M1 at a held
    angle of attack. The class is told as the ten numbers (a0, a1, a2, a3, clip, b0, b1, b2,
    b3, b4) of the one form kaminari's aerodynamic models take
    (``AeroModel.kernel_coefficients``; the public CAV-H fit is one), ``class_aero`` adding
    its reference area over mass as an eleventh:

        CL = a0 + a1 alpha + a2 exp(a3 M)     (floored at 0 where clip is 1)
        CD = b0 + b1 alpha^2 + b2 exp(b3 M) + b4 CL

    so dCL = a2 (exp(a3 M1) - exp(a3 M0)) and dCD = b2 (exp(b3 M1) - exp(b3 M0)) + b4 dCL,
    the same at every angle of attack (the Mach terms are added to the alpha terms; the floor
    of CL at 0 is left out). Times the reference area over twice the mass it is the change
    of the coefficients the tracker holds (a = rho V^2 c), so no angle of attack need be
    inferred. The tracker is told a class, never a threat's state."""
    _a0, _a1, a2, a3, _clip, _b0, _b1, b2, b3, b4 = form[:10]
    m0 = np.asarray(mach_0, dtype=float)
    m1 = np.asarray(mach_1, dtype=float)
    d_cl = a2 * (np.exp(a3 * m1) - np.exp(a3 * m0))
    return d_cl, b2 * (np.exp(b3 * m1) - np.exp(b3 * m0)) + b4 * d_cl


def _coefficient_noise(x: Array, dt: Array, psd: Array, bank_psd: Array | None = None) -> Array:
    """kron(W(dt), psd sum_k a_k a_k^T + bank_psd t t^T) (N, 9, 9), a_k the acceleration's
    aerodynamic components (drag, lift at bank 0, side) and t = u x l the lift l (with its
    side part) turned a radian about the velocity's direction u: each component's white jerk
    relative to itself, and a random walk of the bank of PSD ``bank_psd`` (rad^2/s; None:
    0) (``predict_unscented``). Held to the size of each component alone, a lift at bank 0
    has no noise to the side: a weaving glide's track is lost without the bank's."""
    parts, _ = _aero_components(x)
    spread = psd[:, None, None] * np.einsum("nik,njk->nij", parts, parts)
    if bank_psd is not None:
        u = x[:, 3:6] / np.linalg.norm(x[:, 3:6], axis=-1, keepdims=True)
        turn = np.cross(u, parts[:, :, 1] + parts[:, :, 2])
        spread = spread + bank_psd[:, None, None] * turn[:, :, None] * turn[:, None, :]
    full = _white_jerk_axis(dt)[:, :, None, :, None] * spread[:, None, :, None, :]
    return full.reshape(-1, 9, 9)


def _site(
    site_lat_rad: ArrayLike, site_lon_rad: ArrayLike, site_alt_m: ArrayLike
) -> tuple[Array, Array]:
    """ECEF origin (..., 3) and ENU rotation (..., 3, 3) of a geodetic site."""
    return geodetic2ecef(site_lat_rad, site_lon_rad, site_alt_m), enu_rotation(
        site_lat_rad, site_lon_rad
    )


def measure_rae(
    x: ArrayLike, site_lat_rad: ArrayLike, site_lon_rad: ArrayLike, site_alt_m: ArrayLike
) -> tuple[Array, Array]:
    """Predicted radar measurement and its Jacobian at states ``x`` (..., 9).

    Returns z (..., 3) = (range m, azimuth rad clockwise from north in [0, 2 pi), elevation rad)
    seen from the geodetic site (scalars or (...,) arrays), and H = dz/dx (..., 3, 9). With
    d = (e, n, u) = R_enu (r - r_site), h = sqrt(e^2 + n^2), rho = |d|:
        d rho / d d = d^T / rho,
        d az / d d = (n, -e, 0) / h^2,
        d el / d d = (-e u / h, -n u / h, h) / rho^2,
    and dz/dr = (dz/dd) R_enu; z does not depend on v or a. Azimuth is singular straight
    overhead (h = 0).
    """
    x = np.asarray(x, dtype=float)
    origin, rot = _site(site_lat_rad, site_lon_rad, site_alt_m)
    if origin.ndim == 1:  # one site (any batch of states): compiled, row by row
        z, jac = measure_rae_rows(
            np.ascontiguousarray(x.reshape(-1, 9)), origin, np.ascontiguousarray(rot)
        )
        return z.reshape(x.shape[:-1] + (3,)), jac.reshape(x.shape[:-1] + (3, 9))
    d = np.einsum("...ij,...j->...i", rot, x[..., 0:3] - origin)
    e, n, u = d[..., 0], d[..., 1], d[..., 2]
    h2 = e * e + n * n
    h = np.sqrt(h2)
    rho2 = h2 + u * u
    rho = np.sqrt(rho2)
    z = np.stack([rho, np.mod(np.arctan2(e, n), 2.0 * np.pi), np.arctan2(u, h)], axis=-1)
    zero = np.zeros_like(e)
    dz_dd = np.stack(
        [
            np.stack([e / rho, n / rho, u / rho], axis=-1),
            np.stack([n / h2, -e / h2, zero], axis=-1),
            np.stack([-e * u / (h * rho2), -n * u / (h * rho2), h / rho2], axis=-1),
        ],
        axis=-2,
    )
    jac = np.zeros(x.shape[:-1] + (3, 9))
    jac[..., 0:3] = dz_dd @ rot
    return z, jac


def _inverse_sym3(s: Array) -> Array:
    """Inverse of symmetric 3x3 matrices (..., 3, 3) by cofactors (faster than np.linalg for
    many small matrices)."""
    a, b, c = s[..., 0, 0], s[..., 0, 1], s[..., 0, 2]
    d, e, f = s[..., 1, 1], s[..., 1, 2], s[..., 2, 2]
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    c11 = a * f - c * c
    c12 = b * c - a * e
    c22 = a * d - b * b
    det = a * c00 + b * c01 + c * c02
    inv = np.stack(
        [
            np.stack([c00, c01, c02], axis=-1),
            np.stack([c01, c11, c12], axis=-1),
            np.stack([c02, c12, c22], axis=-1),
        ],
        axis=-2,
    )
    return inv / det[..., None, None]


def wrap_pi(angle_rad: ArrayLike) -> Array:
    """Angles wrapped into (-pi, pi]."""
    return np.pi - np.mod(np.pi - np.asarray(angle_rad, dtype=float), 2.0 * np.pi)


def _update_all(
    x: Array, P: Array, z: Array, R: Array, site: tuple[ArrayLike, ArrayLike, ArrayLike]
) -> tuple[Array, Array, Array]:
    z_pred, jac = measure_rae(x, *site)
    nu = z - z_pred
    nu[..., 1] = wrap_pi(nu[..., 1])
    r_eff = R + R_FLOOR
    h_pos = jac[..., 0:3]
    pht = P[..., :, 0:3] @ np.swapaxes(h_pos, -1, -2)  # P H^T, (..., 9, 3)
    s = h_pos @ pht[..., 0:3, :] + r_eff
    s_inv = _inverse_sym3(_symmetric(s))
    gain = pht @ s_inv
    x_new = x + (gain @ nu[..., None])[..., 0]
    # Joseph's form, multiplied out using the zeros of K H (only its first three columns,
    # K H_r, are non-zero): M = I - K H, M P = P - K (H_r P_r:), (M P) M^T = MP - (MP_:r H_r^T) K^T
    gain_t = np.swapaxes(gain, -1, -2)
    mp = P - gain @ np.swapaxes(pht, -1, -2)
    p_new = mp - (mp[..., :, 0:3] @ np.swapaxes(h_pos, -1, -2)) @ gain_t + gain @ r_eff @ gain_t
    nis = np.einsum("...i,...ij,...j->...", nu, s_inv, nu)
    return x_new, _symmetric(p_new), nis


def update(
    x: ArrayLike,
    P: ArrayLike,
    z: ArrayLike,
    R: ArrayLike,
    site_lat_rad: ArrayLike,
    site_lon_rad: ArrayLike,
    site_alt_m: ArrayLike,
    mask: ArrayLike | None = None,
) -> tuple[Array, Array, Array]:
    """EKF measurement update of states (N, 9), covariances (N, 9, 9) with radar measurements
    ``z`` (N, 3) (range m, azimuth, elevation rad) of covariance ``R`` ((3, 3) or (N, 3, 3),
    m^2 and rad^2) from a geodetic site (scalars or (N,) arrays).

    Only the members where ``mask`` (N,) is True are updated (all when None); the others are
    returned unchanged and their ``z`` is never read. The innovation's azimuth difference is
    wrapped into (-pi, pi]. The covariance update is Joseph's form
    (I - K H) P (I - K H)^T + K R K^T, symmetrised, which stays positive semi-definite in
    floating point (Bar-Shalom, Li & Kirubarajan 2001, sec. 5.2). R is used
    as R + R_FLOOR, so that R = 0 (perfect sensing) gives no NaN.

    Returns the updated x, P and the normalised innovation squared nu^T S^-1 nu (N,), NaN where
    not updated.
    """
    x = np.asarray(x, dtype=float)
    P = np.asarray(P, dtype=float)
    z = np.asarray(z, dtype=float)
    R = np.asarray(R, dtype=float)
    n = x.shape[0]
    site = (site_lat_rad, site_lon_rad, site_alt_m)
    if mask is None or np.all(mask):
        return _update_all(x, P, z, R, site)
    idx = np.flatnonzero(np.broadcast_to(np.asarray(mask, dtype=bool), (n,)))
    x_out, p_out = x.copy(), P.copy()
    nis = np.full(n, np.nan)
    if idx.size:

        def pick(a: ArrayLike) -> ArrayLike:
            arr = np.asarray(a)
            return arr[idx] if arr.ndim == 1 else arr

        r_sub = R[idx] if R.ndim == 3 else R
        x_out[idx], p_out[idx], nis[idx] = _update_all(
            x[idx], P[idx], z[idx], r_sub, tuple(pick(s) for s in site)
        )
    return x_out, p_out, nis


def extrapolate(
    x: ArrayLike, times_s: ArrayLike, motion: str = "acceleration",
    class_form: tuple[float, ...] = (),
) -> tuple[Array, Array]:
    """Positions and velocities (..., K, 3) each that the filter's own model predicts at the
    relative times ``times_s`` (K,) (s after each member's state time, >= 0, any order).

    The mean of ``predict`` without the covariance: RK4 of r' = v, v' = g(r, v) + a, sub-steps
    of at most MAX_STEP_S, with the non-gravitational acceleration a flown as ``motion`` says
    (``MOTIONS``: held in ECEF, or its aerodynamic coefficients held). This is what fire
    control uses to predict where a threat will be.

    ``class_form``: a threat class's eleven numbers (``class_mach_change``'s form and its
    reference area over mass), for the "drag" motion (the lift held as an acceleration: what a
    guided threat's autopilot holds while its guidance asks for it): the drag coefficient
    then changes as the class's polar does (CD = b0 + b1 alpha^2 + b2 exp(b3 M) + b4 CL, at
    the angle of attack that gives the lift flown at the Mach number flown) from its value at
    the start, so a falling dynamic pressure asks for more angle of attack, hence more drag,
    and the Mach terms move as the threat slows: in a homing dive
    flown 1 s from the true state, 0.02 m from the truth against 1.36 m with the coefficients
    held (benchmarks/dive_prediction.py).
    """
    x = np.asarray(x, dtype=float)
    times = np.asarray(times_s, dtype=float).reshape(-1)
    if np.any(times < 0.0) or not np.all(np.isfinite(times)):
        raise ValueError(f"times_s must be finite and >= 0 (got min {times.min()} s)")
    form = _class_form(class_form, motion)
    order = np.argsort(times, kind="stable")
    shape = x.shape[:-1]
    # one compiled pass through every time (the same sub-steps between them as _fly's)
    r_path, v_path = fly_held_aero_path(
        np.ascontiguousarray(x[..., 0:3].reshape(-1, 3)),
        np.ascontiguousarray(x[..., 3:6].reshape(-1, 3)),
        np.ascontiguousarray(x[..., 6:9].reshape(-1, 3)),
        np.ascontiguousarray(times[order]),
        MAX_STEP_S,
        OMEGA_EARTH_RPS,
        K_J2_M2,
        _FAST_TABLE,
        _min_rho_v2(motion),
        motion == "aero",
        form,
    )
    r_out = np.empty(shape + (times.size, 3))
    v_out = np.empty_like(r_out)
    r_out[..., order, :] = r_path.reshape(shape + (times.size, 3))
    v_out[..., order, :] = v_path.reshape(shape + (times.size, 3))
    return r_out, v_out


def rae_to_ecef(
    z: ArrayLike, site_lat_rad: ArrayLike, site_lon_rad: ArrayLike, site_alt_m: ArrayLike
) -> Array:
    """ECEF positions (..., 3) of radar measurements z (..., 3) = (range m, azimuth, elevation
    rad) from a geodetic site (the converted measurement)."""
    z = np.asarray(z, dtype=float)
    return aer2ecef(z[..., 1], z[..., 2], z[..., 0], site_lat_rad, site_lon_rad, site_alt_m)


def rae_to_ecef_covariance(
    z: ArrayLike,
    R: ArrayLike,
    site_lat_rad: ArrayLike,
    site_lon_rad: ArrayLike,
    site_alt_m: ArrayLike,
) -> Array:
    """Covariance (..., 3, 3) in m^2 of ``rae_to_ecef`` for measurement covariance R ((3, 3) or
    (..., 3, 3)), linearised: J R J^T with J = d r_ecef / d (range, az, el) =
    R_enu^T [[cos el sin az, rho cos el cos az, -rho sin el sin az],
             [cos el cos az, -rho cos el sin az, -rho sin el cos az],
             [sin el, 0, rho cos el]]
    (the linearised converted-measurement covariance; D. Lerro and Y. Bar-Shalom, "Tracking
    with debiased consistent converted measurements versus EKF", IEEE Trans. AES 29(3), 1993,
    show that its bias, of order rho sigma_angle^2 / 2, matters only when rho sigma_angle^2
    approaches the range sigma: 0.25 m at 500 km and 1 mrad, neglected here)."""
    z = np.asarray(z, dtype=float)
    rho, az, el = z[..., 0], z[..., 1], z[..., 2]
    sa, ca, se, ce = np.sin(az), np.cos(az), np.sin(el), np.cos(el)
    zero = np.zeros_like(rho)
    j_enu = np.stack(
        [
            np.stack([ce * sa, rho * ce * ca, -rho * se * sa], axis=-1),
            np.stack([ce * ca, -rho * ce * sa, -rho * se * ca], axis=-1),
            np.stack([se, zero, rho * ce], axis=-1),
        ],
        axis=-2,
    )
    rot = enu_rotation(site_lat_rad, site_lon_rad)
    jac = np.swapaxes(rot, -1, -2) @ j_enu
    return _symmetric(jac @ np.asarray(R, dtype=float) @ np.swapaxes(jac, -1, -2))


def innovation_covariance(P: ArrayLike, H: ArrayLike, R: ArrayLike) -> tuple[Array, Array]:
    """S = H P H^T + R (..., m, m) and its inverse, for states' covariances P (..., 9, 9),
    measurement Jacobians H (..., m, 9) and measurement covariance R ((m, m) or (..., m, m))."""
    P = np.asarray(P, dtype=float)
    H = np.asarray(H, dtype=float)
    s = _symmetric(H @ P @ np.swapaxes(H, -1, -2) + np.asarray(R, dtype=float))
    s_inv = _inverse_sym3(s) if s.shape[-1] == 3 else np.linalg.inv(s)
    return s, s_inv


def update_innovation(
    x: ArrayLike, P: ArrayLike, nu: ArrayLike, H: ArrayLike, R: ArrayLike
) -> tuple[Array, Array, Array]:
    """EKF update of states (N, 9), covariances (N, 9, 9) with innovations ``nu`` (N, m)
    (measurement minus prediction, angles already wrapped), Jacobians H (N, m, 9) and
    measurement covariance R ((m, m) or (N, m, m)): any measurement model. Joseph's form,
    symmetrised (Bar-Shalom, Li & Kirubarajan 2001, sec. 5.2). Returns x, P and the NIS (N,)."""
    x = np.asarray(x, dtype=float)
    P = np.asarray(P, dtype=float)
    nu = np.asarray(nu, dtype=float)
    H = np.asarray(H, dtype=float)
    R = np.asarray(R, dtype=float)
    # a measurement of position only (radar, line of sight) has H = [H_r, 0, 0]: the products
    # below then need only the first three columns of P
    k = 3 if not np.any(H[..., 3:]) else 9
    if k == 3 and H.shape[-2] == 3 and x.ndim == 2 and R.ndim == 2:
        return update_position(
            np.ascontiguousarray(x), np.ascontiguousarray(P), np.ascontiguousarray(nu),
            np.ascontiguousarray(H), np.ascontiguousarray(R),
        )
    h = H[..., :k]
    ht = np.swapaxes(h, -1, -2)
    pht = P[..., :, :k] @ ht  # P H^T, (N, 9, m)
    s = _symmetric(h @ pht[..., :k, :] + R)
    s_inv = _inverse_sym3(s) if s.shape[-1] == 3 else np.linalg.inv(s)
    gain = pht @ s_inv
    gain_t = np.swapaxes(gain, -1, -2)
    x_new = x + np.einsum("...ij,...j->...i", gain, nu)
    # Joseph's form multiplied out through thin products: with M = I - K H,
    # M P M^T = MP - (MP H^T) K^T, MP = P - K (H P) = P - K (P H^T)^T
    mp = P - gain @ np.swapaxes(pht, -1, -2)
    p_new = mp - (mp[..., :, :k] @ ht) @ gain_t + gain @ R @ gain_t
    nis = np.einsum("...i,...ij,...j->...", nu, s_inv, nu)
    return x_new, _symmetric(p_new), nis
