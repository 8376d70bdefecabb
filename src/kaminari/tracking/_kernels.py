"""Compiled per-member kernels of the EKF: its mean's RK4 flights and its covariance algebra.

Numpy's batched matmul spends about a microsecond of overhead on each 9 x 9 product, more
than the arithmetic; these loops do the same algebra as ``ekf.transition_matrix``,
``ekf.process_noise`` and the Joseph-form update, member by member, and are checked against
them (tests/test_tracking.py). Measured on the raid example: the covariance prediction and
update of thousands of tracks per scan went from about 10 ms to about 1 ms.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from kaminari.earth.atmosphere import _GRID_H0_M, grid_kernel
from kaminari.earth.frames import _geodetic_kernel
from kaminari.earth.gravity import frame_kernel

__all__ = [
    "fly_held_aero",
    "fly_held_aero_path",
    "predict_covariance",
    "update_position",
]



@numba.njit(cache=True, inline="always")
def _mm3(a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover
    """out = a @ b for 3 x 3 matrices, without a BLAS call."""
    for i in range(3):
        for j in range(3):
            out[i, j] = a[i, 0] * b[0, j] + a[i, 1] * b[1, j] + a[i, 2] * b[2, j]


@numba.njit(cache=True, inline="always")
def _inverse_sym3(s: np.ndarray) -> np.ndarray:  # pragma: no cover
    """Inverse of the symmetric part of a 3 x 3 matrix, by cofactors (as ekf._inverse_sym3)."""
    a, b, c = s[0, 0], 0.5 * (s[0, 1] + s[1, 0]), 0.5 * (s[0, 2] + s[2, 0])
    d, e, f = s[1, 1], 0.5 * (s[1, 2] + s[2, 1]), s[2, 2]
    c00 = d * f - e * e
    c01 = c * e - b * f
    c02 = b * e - c * d
    c11 = a * f - c * c
    c12 = b * c - a * e
    c22 = a * d - b * b
    inv_det = 1.0 / (a * c00 + b * c01 + c * c02)
    out = np.empty((3, 3))
    out[0, 0], out[0, 1], out[0, 2] = c00 * inv_det, c01 * inv_det, c02 * inv_det
    out[1, 0], out[1, 1], out[1, 2] = c01 * inv_det, c11 * inv_det, c12 * inv_det
    out[2, 0], out[2, 1], out[2, 2] = c02 * inv_det, c12 * inv_det, c22 * inv_det
    return out


@numba.njit(cache=True, fastmath=False)
def predict_covariance(
    r: np.ndarray, P: np.ndarray, dt: np.ndarray, q: np.ndarray, gm: float, omega: float
) -> np.ndarray:  # pragma: no cover - compiled
    """F P F^T + Q (N, 9, 9) for positions r (N, 3), covariances P, steps dt (N,) and jerk
    PSDs q (N,): the same F and Q as ``ekf.transition_matrix`` and ``ekf.process_noise``."""
    n = r.shape[0]
    out = np.empty_like(P)
    G = np.empty((3, 3))
    C = np.zeros((3, 3))
    C[0, 1] = 2.0 * omega  # -2 [omega x]
    C[1, 0] = -2.0 * omega
    C2 = np.empty((3, 3))
    _mm3(C, C, C2)
    D = np.empty((3, 3))
    CG = np.empty((3, 3))
    DG = np.empty((3, 3))
    DC = np.empty((3, 3))
    blk = np.empty((3, 3))
    F = np.zeros((9, 9))
    FP = np.empty((9, 9))
    for i in range(n):
        h = dt[i]
        x0, x1, x2 = r[i, 0], r[i, 1], r[i, 2]
        rn2 = x0 * x0 + x1 * x1 + x2 * x2
        mu_r3 = gm / (rn2 * np.sqrt(rn2))
        rv = (x0, x1, x2)
        for a in range(3):
            for b in range(3):
                G[a, b] = -mu_r3 * ((1.0 if a == b else 0.0) - 3.0 * rv[a] * rv[b] / rn2)
        G[0, 0] += omega * omega
        G[1, 1] += omega * omega
        for a in range(3):
            for b in range(3):
                D[a, b] = G[a, b] + C2[a, b]
        _mm3(C, G, CG)
        _mm3(D, G, DG)
        _mm3(D, C, DC)
        d2 = h * h / 2.0
        d3 = h * h * h / 6.0
        F[:, :] = 0.0
        for a in range(3):
            for b in range(3):
                e = 1.0 if a == b else 0.0
                F[a, b] = e + G[a, b] * d2 + CG[a, b] * d3
                F[a, 3 + b] = e * h + C[a, b] * d2 + D[a, b] * d3
                F[a, 6 + b] = e * d2 + C[a, b] * d3
                F[3 + a, b] = G[a, b] * h + CG[a, b] * d2 + DG[a, b] * d3
                F[3 + a, 3 + b] = e + C[a, b] * h + D[a, b] * d2 + (CG[a, b] + DC[a, b]) * d3
                F[3 + a, 6 + b] = F[a, 3 + b]
                F[6 + a, 6 + b] = e
        Pi = P[i]
        # F's last three rows are [0, 0, I]: those rows of F P are P's own, and the last three
        # columns of (F P) F^T are those of F P
        for a in range(6):
            for b in range(9):
                s = 0.0
                for k in range(9):
                    s += F[a, k] * Pi[k, b]
                FP[a, b] = s
        for a in range(6, 9):
            for b in range(9):
                FP[a, b] = Pi[a, b]
        for a in range(9):
            for b in range(a, 9):
                if b >= 6:
                    s = FP[a, b]
                else:
                    s = 0.0
                    for k in range(9):
                        s += FP[a, k] * F[b, k]
                out[i, a, b] = s
                out[i, b, a] = s
        # white-jerk noise: per axis q [[h^5/20, h^4/8, h^3/6], [h^4/8, h^3/3, h^2/2],
        # [h^3/6, h^2/2, h]], the three axes independent
        qq = q[i]
        blk[0, 0] = h**5 / 20.0
        blk[0, 1] = blk[1, 0] = h**4 / 8.0
        blk[0, 2] = blk[2, 0] = h**3 / 6.0
        blk[1, 1] = h**3 / 3.0
        blk[1, 2] = blk[2, 1] = h * h / 2.0
        blk[2, 2] = h
        for u in range(3):
            for v in range(3):
                for ax in range(3):
                    out[i, 3 * u + ax, 3 * v + ax] += qq * blk[u, v]
    return out


@numba.njit(cache=True)
def update_position(
    x: np.ndarray, P: np.ndarray, nu: np.ndarray, H: np.ndarray, R: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """Joseph-form update for measurements of position only: H (N, 3, 9) with zero velocity
    and acceleration columns, 3 components, R (3, 3). Returns x, P, NIS."""
    n = x.shape[0]
    xo = np.empty_like(x)
    Po = np.empty_like(P)
    nis = np.empty(n)
    pht = np.empty((9, 3))
    K = np.empty((9, 3))
    MP = np.empty((9, 9))
    MPH = np.empty((9, 3))
    KR = np.empty((9, 3))
    T = np.empty((9, 9))
    S = np.empty((3, 3))
    for i in range(n):
        Pi = P[i]
        Hi = H[i]
        for a in range(9):
            for m in range(3):
                s = 0.0
                for k in range(3):
                    s += Pi[a, k] * Hi[m, k]
                pht[a, m] = s
        for m in range(3):
            for j in range(3):
                s = R[m, j]
                for k in range(3):
                    s += Hi[m, k] * pht[k, j]
                S[m, j] = s
        Si = _inverse_sym3(S)
        for a in range(9):
            for m in range(3):
                s = 0.0
                for k in range(3):
                    s += pht[a, k] * Si[k, m]
                K[a, m] = s
        for a in range(9):
            s = x[i, a]
            for m in range(3):
                s += K[a, m] * nu[i, m]
            xo[i, a] = s
        for a in range(9):
            for b in range(9):
                s = Pi[a, b]
                for m in range(3):
                    s -= K[a, m] * pht[b, m]
                MP[a, b] = s
        for a in range(9):
            for m in range(3):
                s = 0.0
                for k in range(3):
                    s += MP[a, k] * Hi[m, k]
                MPH[a, m] = s
        for a in range(9):
            for m in range(3):
                KR[a, m] = K[a, 0] * R[0, m] + K[a, 1] * R[1, m] + K[a, 2] * R[2, m]
        for a in range(9):
            for b in range(9):
                T[a, b] = (
                    MP[a, b]
                    - (MPH[a, 0] * K[b, 0] + MPH[a, 1] * K[b, 1] + MPH[a, 2] * K[b, 2])
                    + (KR[a, 0] * K[b, 0] + KR[a, 1] * K[b, 1] + KR[a, 2] * K[b, 2])
                )
        for a in range(9):
            for b in range(a, 9):
                sym = 0.5 * (T[a, b] + T[b, a])
                Po[i, a, b] = sym
                Po[i, b, a] = sym
        v = 0.0
        for m in range(3):
            for j in range(3):
                v += nu[i, m] * Si[m, j] * nu[i, j]
        nis[i] = v
    return xo, Po, nis


@numba.njit(cache=True, inline="always")
def _aero_frame(
    x: float, y: float, z: float, vx: float, vy: float, vz: float, table: np.ndarray
) -> tuple[float, float, float, float, float, float, float, float, float, float]:
    # pragma: no cover - compiled
    """rho V^2 (kg/m/s^2, twice the dynamic pressure, with the US 1976 density of the
    atmosphere's fast-path grid, looked up as ``earth.atmosphere.density_and_sound_speed``
    does), the velocity frame's unit vectors: along the velocity u, the lift direction n at
    bank 0 (the ellipsoid normal's part across u; the z axis's where the flight is vertical)
    and l = u x n (to the right of the flight), and the Mach number."""
    alt, slat, clat, p = _geodetic_kernel(x, y, z)
    upx, upy, upz = clat * x / p, clat * y / p, slat
    # held below the grid's -5 km: a prediction flown underground stays finite
    rho, sound, _ = grid_kernel(max(alt, _GRID_H0_M), table)
    v2 = vx * vx + vy * vy + vz * vz
    speed = math.sqrt(v2)
    ux, uy, uz = vx / speed, vy / speed, vz / speed
    d = upx * ux + upy * uy + upz * uz
    nx, ny, nz = upx - d * ux, upy - d * uy, upz - d * uz
    nn = math.sqrt(nx * nx + ny * ny + nz * nz)
    if nn < 1e-9:  # vertical flight: bank 0 is undefined, any normal will do
        nx, ny, nz = -uz * ux, -uz * uy, 1.0 - uz * uz
        nn = math.sqrt(nx * nx + ny * ny + nz * nz)
    nx, ny, nz = nx / nn, ny / nn, nz / nn
    lx, ly, lz = uy * nz - uz * ny, uz * nx - ux * nz, ux * ny - uy * nx
    return rho * v2, ux, uy, uz, nx, ny, nz, lx, ly, lz, speed / sound


@numba.njit(cache=True, inline="always")
def _polar_drag(s: float, mach: float, lift: float, form: np.ndarray) -> float:
    # pragma: no cover - compiled
    """The drag coefficient of a class's polar (``form``: ``ekf.class_mach_change``'s ten
    numbers and the reference area over mass) at rho V^2 ``s`` and ``mach`` for a lift
    acceleration ``lift`` (m/s^2): CL = 2 lift / (rho V^2 S/m), the angle of attack that gives
    it at this Mach number (alpha = (CL - a0 - a2 exp(a3 M)) / a1), and CD = b0 + b1 alpha^2
    + b2 exp(b3 M) + b4 CL."""
    c_l = 2.0 * lift / (s * form[10])
    alpha = (c_l - form[0] - form[2] * math.exp(form[3] * mach)) / form[1]
    return form[5] + form[6] * alpha * alpha + form[7] * math.exp(form[8] * mach) + form[9] * c_l


@numba.njit(cache=True, inline="always")
def _aero_acceleration(
    x: float,
    y: float,
    z: float,
    vx: float,
    vy: float,
    vz: float,
    cu: float,
    cn: float,
    cl: float,
    table: np.ndarray,
    lift_scales: bool,
    form: np.ndarray,
    cd_ref: float,
) -> tuple[float, float, float]:  # pragma: no cover - compiled
    """The aerodynamic acceleration of held coefficients: rho V^2 (cu u + cn n + cl l), or,
    where the lift does not scale (``lift_scales`` False), rho V^2 cu u + cn n + cl l (drag
    of a held ballistic coefficient, lift of a held size in the velocity frame). A positive
    ``cu`` is no drag coefficient but a push along the velocity (thrust, or an estimate's
    noise: drag never pushes), held as an acceleration (``_coefficients``). Given a class's
    ``form`` (else an empty array), the drag coefficient changes by the class polar's change
    from ``cd_ref`` (``_polar_drag`` at the start) for the held lift: the held lift at a lower
    dynamic pressure asks for a larger angle of attack, and the Mach terms move (a drag,
    however small the polar makes it, still never pushes)."""
    s, ux, uy, uz, nx, ny, nz, lx, ly, lz, mach = _aero_frame(x, y, z, vx, vy, vz, table)
    k = s if lift_scales else 1.0
    if form.shape[0] > 0 and cu <= 0.0:
        lift = math.sqrt(cn * cn + cl * cl) * k
        cu = min(cu - 0.5 * form[10] * (_polar_drag(s, mach, lift, form) - cd_ref), 0.0)
    along = s * cu if cu <= 0.0 else cu
    return (
        along * ux + k * (cn * nx + cl * lx),
        along * uy + k * (cn * ny + cl * ly),
        along * uz + k * (cn * nz + cl * lz),
    )


@numba.njit(cache=True, inline="always")
def _coefficients(
    ax: float,
    ay: float,
    az: float,
    s: float,
    ux: float,
    uy: float,
    uz: float,
    nx: float,
    ny: float,
    nz: float,
    lx: float,
    ly: float,
    lz: float,
    lift_scales: bool,
) -> tuple[float, float, float]:  # pragma: no cover - compiled
    """(cu, cn, cl) of an acceleration in the velocity frame (``_aero_acceleration``): drag
    over rho V^2 where the acceleration opposes the velocity, else the push itself."""
    along = ax * ux + ay * uy + az * uz
    k = s if lift_scales else 1.0
    cu = along / s if along <= 0.0 else along
    return cu, (ax * nx + ay * ny + az * nz) / k, (ax * lx + ay * ly + az * lz) / k


@numba.njit(cache=True, inline="always")
def _held(
    x: float, y: float, z: float, vx: float, vy: float, vz: float, ax: float, ay: float,
    az: float, table: np.ndarray, min_rho_v2: float, lift_scales: bool, form: np.ndarray,
) -> tuple[bool, float, float, float, float]:  # pragma: no cover - compiled
    """Whether a state's acceleration is aerodynamic (rho V^2 at least ``min_rho_v2``), its
    held coefficients (``_coefficients``; zeros where it is not) and, given a class's
    ``form``, its polar's drag coefficient there (``_polar_drag``; else 0). An infinite
    ``min_rho_v2`` holds the acceleration without looking at the air."""
    if min_rho_v2 == np.inf:
        return False, 0.0, 0.0, 0.0, 0.0
    s, ux, uy, uz, nx, ny, nz, lx, ly, lz, mach = _aero_frame(x, y, z, vx, vy, vz, table)
    if s < min_rho_v2:
        return False, 0.0, 0.0, 0.0, 0.0
    cu, cn, cl = _coefficients(ax, ay, az, s, ux, uy, uz, nx, ny, nz, lx, ly, lz, lift_scales)
    cd_ref = 0.0
    if form.shape[0] > 0:
        k = s if lift_scales else 1.0
        cd_ref = _polar_drag(s, mach, math.sqrt(cn * cn + cl * cl) * k, form)
    return True, cu, cn, cl, cd_ref


@numba.njit(cache=True, inline="always")
def _aero_rk4(
    x: float,
    y: float,
    z: float,
    vx: float,
    vy: float,
    vz: float,
    ax: float,
    ay: float,
    az: float,
    h: float,
    aero: bool,
    cu: float,
    cn: float,
    cl: float,
    omega: float,
    k_j2: float,
    table: np.ndarray,
    lift_scales: bool,
    form: np.ndarray,
    cd_ref: float,
) -> tuple[float, float, float, float, float, float]:  # pragma: no cover - compiled
    """One RK4 step of ``fly_held_aero``'s motion (the held acceleration ax, ay, az where
    ``aero`` is False)."""
    g1 = frame_kernel(x, y, z, vx, vy, vz, omega, k_j2)
    if aero:
        ax, ay, az = _aero_acceleration(
            x, y, z, vx, vy, vz, cu, cn, cl, table, lift_scales, form, cd_ref
        )
    k1v = (g1[0] + ax, g1[1] + ay, g1[2] + az)
    x2, y2, z2 = x + 0.5 * h * vx, y + 0.5 * h * vy, z + 0.5 * h * vz
    vx2, vy2, vz2 = vx + 0.5 * h * k1v[0], vy + 0.5 * h * k1v[1], vz + 0.5 * h * k1v[2]
    g2 = frame_kernel(x2, y2, z2, vx2, vy2, vz2, omega, k_j2)
    if aero:
        ax, ay, az = _aero_acceleration(
            x2, y2, z2, vx2, vy2, vz2, cu, cn, cl, table, lift_scales, form, cd_ref
        )
    k2v = (g2[0] + ax, g2[1] + ay, g2[2] + az)
    x3, y3, z3 = x + 0.5 * h * vx2, y + 0.5 * h * vy2, z + 0.5 * h * vz2
    vx3, vy3, vz3 = vx + 0.5 * h * k2v[0], vy + 0.5 * h * k2v[1], vz + 0.5 * h * k2v[2]
    g3 = frame_kernel(x3, y3, z3, vx3, vy3, vz3, omega, k_j2)
    if aero:
        ax, ay, az = _aero_acceleration(
            x3, y3, z3, vx3, vy3, vz3, cu, cn, cl, table, lift_scales, form, cd_ref
        )
    k3v = (g3[0] + ax, g3[1] + ay, g3[2] + az)
    x4, y4, z4 = x + h * vx3, y + h * vy3, z + h * vz3
    vx4, vy4, vz4 = vx + h * k3v[0], vy + h * k3v[1], vz + h * k3v[2]
    g4 = frame_kernel(x4, y4, z4, vx4, vy4, vz4, omega, k_j2)
    if aero:
        ax, ay, az = _aero_acceleration(
            x4, y4, z4, vx4, vy4, vz4, cu, cn, cl, table, lift_scales, form, cd_ref
        )
    k4v = (g4[0] + ax, g4[1] + ay, g4[2] + az)
    s6 = h / 6.0
    x, y, z = (
        x + s6 * (vx + 2.0 * (vx2 + vx3) + vx4),
        y + s6 * (vy + 2.0 * (vy2 + vy3) + vy4),
        z + s6 * (vz + 2.0 * (vz2 + vz3) + vz4),
    )
    vx, vy, vz = (
        vx + s6 * (k1v[0] + 2.0 * (k2v[0] + k3v[0]) + k4v[0]),
        vy + s6 * (k1v[1] + 2.0 * (k2v[1] + k3v[1]) + k4v[1]),
        vz + s6 * (k1v[2] + 2.0 * (k2v[2] + k3v[2]) + k4v[2]),
    )
    return x, y, z, vx, vy, vz


@numba.njit(cache=True)
def fly_held_aero(
    r: np.ndarray,
    v: np.ndarray,
    a: np.ndarray,
    dt: np.ndarray,
    n_sub: int,
    omega: float,
    k_j2: float,
    table: np.ndarray,
    min_rho_v2: float,
    lift_scales: bool,
    form: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """RK4 of r' = v, v' = g(r, v) + a(r, v) over each member's ``dt`` (N,) in ``n_sub`` equal
    sub-steps, where the non-gravitational acceleration is aerodynamic with held coefficients:
    a = rho V^2 (cu u + cn n + cl l) in the velocity frame of ``_aero_frame``, the coefficients
    taken from the starting a (N, 3). A member whose rho V^2 is below ``min_rho_v2`` at the
    start (thin air: its acceleration cannot be aerodynamic) holds its ECEF acceleration (an
    infinite ``min_rho_v2``: every member, the held-acceleration motion). Given a class's
    ``form`` (else an empty array) the drag follows its polar (``_aero_acceleration``).
    Returns r, v and the acceleration at the end (N, 3)."""
    n = r.shape[0]
    ro = np.empty_like(r)
    vo = np.empty_like(v)
    ao = np.empty_like(a)
    for i in range(n):
        x, y, z = r[i, 0], r[i, 1], r[i, 2]
        vx, vy, vz = v[i, 0], v[i, 1], v[i, 2]
        ax, ay, az = a[i, 0], a[i, 1], a[i, 2]
        aero, cu, cn, cl, cd_ref = _held(
            x, y, z, vx, vy, vz, ax, ay, az, table, min_rho_v2, lift_scales, form
        )
        aero = aero and dt[i] > 0.0
        h = dt[i] / n_sub
        for _ in range(n_sub):
            x, y, z, vx, vy, vz = _aero_rk4(
                x, y, z, vx, vy, vz, ax, ay, az, h, aero, cu, cn, cl, omega, k_j2, table,
                lift_scales, form, cd_ref,
            )
        if aero:
            ax, ay, az = _aero_acceleration(
            x, y, z, vx, vy, vz, cu, cn, cl, table, lift_scales, form, cd_ref
        )
        ro[i, 0], ro[i, 1], ro[i, 2] = x, y, z
        vo[i, 0], vo[i, 1], vo[i, 2] = vx, vy, vz
        ao[i, 0], ao[i, 1], ao[i, 2] = ax, ay, az
    return ro, vo, ao


@numba.njit(cache=True)
def fly_held_aero_path(
    r: np.ndarray,
    v: np.ndarray,
    a: np.ndarray,
    times: np.ndarray,
    max_step: float,
    omega: float,
    k_j2: float,
    table: np.ndarray,
    min_rho_v2: float,
    lift_scales: bool,
    form: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """``fly_held_aero`` through increasing times (K,) >= 0 from each member's state (N, 3),
    recording r and v (N, K, 3) at each: the coefficients are taken once, at the start, as
    successive calls would (the acceleration at each time is theirs), in sub-steps of at most
    ``max_step`` between consecutive times."""
    n, k = r.shape[0], times.size
    ro = np.empty((n, k, 3))
    vo = np.empty((n, k, 3))
    for i in range(n):
        x, y, z = r[i, 0], r[i, 1], r[i, 2]
        vx, vy, vz = v[i, 0], v[i, 1], v[i, 2]
        ax, ay, az = a[i, 0], a[i, 1], a[i, 2]
        aero, cu, cn, cl, cd_ref = _held(
            x, y, z, vx, vy, vz, ax, ay, az, table, min_rho_v2, lift_scales, form
        )
        t = 0.0
        for j in range(k):
            span = times[j] - t
            if span > 0.0:
                n_sub = max(1, int(math.ceil(span / max_step - 1e-12)))
                h = span / n_sub
                for _ in range(n_sub):
                    x, y, z, vx, vy, vz = _aero_rk4(
                        x, y, z, vx, vy, vz, ax, ay, az, h, aero, cu, cn, cl, omega, k_j2, table,
                        lift_scales, form, cd_ref,
                    )
                t = times[j]
            ro[i, j, 0], ro[i, j, 1], ro[i, j, 2] = x, y, z
            vo[i, j, 0], vo[i, j, 1], vo[i, j, 2] = vx, vy, vz
    return ro, vo


@numba.njit(cache=True)
def measure_rae_rows(
    x: np.ndarray, origin: np.ndarray, rot: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """``ekf.measure_rae`` of states (N, 9) from one site (ECEF origin (3,), ENU rotation
    (3, 3)), row by row: the same formulas, without numpy's temporaries."""
    n = x.shape[0]
    z = np.empty((n, 3))
    jac = np.zeros((n, 3, 9))
    two_pi = 2.0 * math.pi
    for i in range(n):
        r0 = x[i, 0] - origin[0]
        r1 = x[i, 1] - origin[1]
        r2 = x[i, 2] - origin[2]
        e = rot[0, 0] * r0 + rot[0, 1] * r1 + rot[0, 2] * r2
        nn = rot[1, 0] * r0 + rot[1, 1] * r1 + rot[1, 2] * r2
        u = rot[2, 0] * r0 + rot[2, 1] * r1 + rot[2, 2] * r2
        h2 = e * e + nn * nn
        h = math.sqrt(h2)
        rho2 = h2 + u * u
        rho = math.sqrt(rho2)
        z[i, 0] = rho
        z[i, 1] = math.atan2(e, nn) % two_pi
        z[i, 2] = math.atan2(u, h)
        d0 = (e / rho, nn / rho, u / rho)
        d1 = (nn / h2, -e / h2, 0.0)
        d2 = (-e * u / (h * rho2), -nn * u / (h * rho2), h / rho2)
        for j in range(3):
            jac[i, 0, j] = d0[0] * rot[0, j] + d0[1] * rot[1, j] + d0[2] * rot[2, j]
            jac[i, 1, j] = d1[0] * rot[0, j] + d1[1] * rot[1, j] + d1[2] * rot[2, j]
            jac[i, 2, j] = d2[0] * rot[0, j] + d2[1] * rot[1, j] + d2[2] * rot[2, j]
    return z, jac
