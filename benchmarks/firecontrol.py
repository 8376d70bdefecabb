"""Benchmark: fire control's small flights, the fused ballistic model against the generic one.

Fire control flies a handful of rounds at a time (aiming flies each engagement's rounds up to
six times, then the rounds fired), over about 4 s at 0.05 s steps. Both paths go through the
same integrator (``kaminari.dynamics.integrator.fly``, RK4): the generic one with
``PointMassModel`` and ``BallisticController`` (air state, controls and forces as some twenty
numpy calls per evaluation), the fused one with ``BallisticModel`` (one compiled loop per
evaluation). They give the same flights (the largest difference is printed).

    .venv/bin/python benchmarks/firecontrol.py [--rounds 1 4 16] [--t-s 4] [--dt-s 0.05]

Prints, per batch size, milliseconds per ``fly_projectiles`` call for each path and their
ratio.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from kaminari.weapons.projectile import Projectile, fly_projectiles

DEG = np.pi / 180.0
SITE = (35.66 * DEG, 139.72 * DEG, 10.0)  # the default example's railgun-west


def shots(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """n aims spread over the sky: azimuth 0-360 deg, elevation 10-70 deg."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.0, 2.0 * np.pi, n), rng.uniform(10.0, 70.0, n) * DEG


def per_call_s(n: int, t_s: float, dt_s: float, fused: bool, min_time_s: float) -> float:
    """Best of five timings of repeated ``fly_projectiles`` calls on n rounds, s per call."""
    az, el = shots(n)

    def call() -> None:
        fly_projectiles(*SITE, az, el, 2300.0, Projectile(), dt_s=dt_s, t_max_s=t_s, fused=fused)

    call()
    t0 = time.perf_counter()
    reps = 0
    while time.perf_counter() - t0 < min_time_s / 5.0:
        call()
        reps += 1
    best = np.inf
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(reps):
            call()
        best = min(best, (time.perf_counter() - t0) / reps)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--t-s", type=float, default=4.0, help="flight time, s")
    parser.add_argument("--dt-s", type=float, default=0.05, help="RK4 step, s")
    parser.add_argument("--min-time-s", type=float, default=2.0, help="timing per path, s")
    args = parser.parse_args()

    az, el = shots(max(args.rounds))
    flights = [
        fly_projectiles(*SITE, az, el, 2300.0, dt_s=args.dt_s, t_max_s=args.t_s, fused=fused)
        for fused in (False, True)
    ]  # also compiles the kernels before any timing
    diff = np.nanmax(np.abs(flights[0].r_ecef - flights[1].r_ecef))
    steps = int(np.ceil(args.t_s / args.dt_s - 1e-9))
    print(f"# {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"# {steps} RK4 steps of {args.dt_s} s; largest position difference {diff:.1e} m")
    print("| rounds | generic PointMassModel | fused BallisticModel | ratio |")
    print("|---|---|---|---|")
    for n in args.rounds:
        generic = per_call_s(n, args.t_s, args.dt_s, False, args.min_time_s)
        fused = per_call_s(n, args.t_s, args.dt_s, True, args.min_time_s)
        print(f"| {n} | {generic * 1e3:.2f} ms | {fused * 1e3:.2f} ms | {generic / fused:.1f}x |")


if __name__ == "__main__":
    main()
