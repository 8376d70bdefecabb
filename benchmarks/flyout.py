"""Benchmark: 1,000 CAV-H glides for 1,000 s at 0.1 s steps, batched, against scipy; and
1,000 copies of the default example's threat (examples/railgun_point_defense.yaml), flown as
the engagement needs them (positions and velocities at every 0.1 s step).

kaminari flies the whole batch with its fixed-step RK4 (compiled guidance and forces, one
member after another); the peer is scipy's solve_ivp (DOP853, adaptive) flying the same glides
one by one, with its tolerance set so that it is accurate to 1 m at 1,000 s (checked here
against a tight reference). Both evaluate the same force model, so the comparison is of
integration strategy and compilation, not of physics.

    .venv/bin/python benchmarks/flyout.py [--n 1000] [--t-s 1000] [--peer-n 20] [--repeat 3]

Prints trajectory-steps per second, seconds per trajectory for each, their ratio, and the
default example's figures (best of ``--repeat`` runs, after a first run that compiles).
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import time
from pathlib import Path

import numpy as np
from numba import njit
from scipy.integrate import solve_ivp

from kaminari.dynamics.forces import EARTH
from kaminari.threats.flyout import (
    GlideController,
    GlideStart,
    ThreatSpec,
    _glide_derivative,
    fly_threats,
)
from kaminari.threats.guidance import BankPlan, GuidancePlan
from kaminari.threats.vehicles import CAV_H

DEG = np.pi / 180.0
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "railgun_point_defense.yaml"


def _best(repeat: int, run) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    """Best wall time of ``repeat`` calls of ``run`` (after one that is not timed)."""
    result = run()
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - t0)
    return best, result


def default_example(n: int, repeat: int) -> None:
    """n copies of the default example's threat for the example's t_max (900 s), flown as the
    engagement flies them: every 0.1 s step recorded, derived quantities left out."""
    from kaminari.scenario import load_scenario

    scenario = load_scenario(EXAMPLE)
    spec = scenario.threat_specs()[0]
    specs = [dataclasses.replace(spec, name=f"t{i}") for i in range(n)]
    t_max = scenario.run.t_max_s
    lean, traj = _best(repeat, lambda: fly_threats(specs, 0.1, t_max, diagnostics=False))
    threaded, _ = _best(
        repeat, lambda: fly_threats(specs, 0.1, t_max, diagnostics=False, threads=True)
    )
    full, _ = _best(repeat, lambda: fly_threats(specs, 0.1, t_max))
    steps = int(np.nansum(traj.impact_t_s) / 0.1)
    print(f"default example, {n} copies ({steps / n:.0f} steps of 0.1 s each, to impact):")
    print(f"  positions and velocities (diagnostics=False): {lean:.2f} s "
          f"({steps / lean / 1e6:.2f} M member-steps/s)")
    print(f"  the same, threads=True: {threaded:.2f} s")
    print(f"  with every sample's Mach, q, heat rate, load and phase: {full:.2f} s")


def glides(n: int, seed: int = 7, weave: bool = True) -> list[ThreatSpec]:
    """n CAV-H glides from 50 km and 5 km/s, with varied start, heading, alpha and (unless
    ``weave`` is False, when they fly wings level) a bank weave."""
    rng = np.random.default_rng(seed)
    specs = []
    for i in range(n):
        start = GlideStart(
            rng.uniform(20, 40) * DEG, rng.uniform(120, 130) * DEG, rng.uniform(45e3, 55e3),
            rng.uniform(4500, 5500), 0.0, rng.uniform(0, 360) * DEG,
        )
        amplitude = rng.uniform(0, 30) * DEG if weave else 0.0
        bank = BankPlan("weave", amplitude_rad=amplitude, period_s=rng.uniform(40, 80))
        specs.append(ThreatSpec(f"g{i}", CAV_H, start,
                                GuidancePlan(rng.uniform(8, 12) * DEG, bank=bank)))
    return specs


@njit(cache=True)
def _one_derivative(t, y, params, state, aux):  # type: ignore[no-untyped-def]
    out = np.empty(6)
    _glide_derivative(t, np.ascontiguousarray(y), 0, params, state, aux, out)
    return out


def peer_one(spec: ThreatSpec, t_s: float, rtol: float) -> np.ndarray:
    """One glide by solve_ivp, calling kaminari's own compiled derivative (the same force model
    and guidance that ``fly_threats`` integrates) once per evaluation."""
    controller = GlideController.from_specs([spec])
    _, params, state, aux = controller.compiled_flight(controller.area_over_mass, EARTH, 1.0)
    r0, v0 = spec.start.ecef()
    sol = solve_ivp(lambda t, y: _one_derivative(t, y, params, state, aux), (0.0, t_s),
                    np.concatenate([r0, v0]), method="DOP853", rtol=rtol, atol=1e-3,
                    t_eval=[t_s])
    return sol.y[:3, -1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="glides in the batch")
    parser.add_argument("--t-s", type=float, default=1000.0, help="flight time, s")
    parser.add_argument("--dt-s", type=float, default=0.1, help="RK4 step, s")
    parser.add_argument("--peer-n", type=int, default=20, help="glides flown by the peer")
    parser.add_argument("--peer-rtol", type=float, default=3e-8,
                        help="solve_ivp rtol (checked to give 1 m at the end)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (best is kept)")
    args = parser.parse_args()

    specs = glides(args.n)
    fly_threats(specs[:2], dt_s=args.dt_s, t_max_s=1.0)  # compile the kernels first
    steps = int(round(args.t_s / args.dt_s))
    timings = {}
    for label, batch in (("wings level", glides(args.n, weave=False)), ("weaving", specs)):
        seconds, traj = _best(args.repeat, lambda b=batch: fly_threats(
            b, dt_s=args.dt_s, t_max_s=args.t_s, record_every=10, diagnostics=False))
        flown = np.where(np.isnan(traj.impact_t_s), args.t_s, traj.impact_t_s) / args.dt_s
        timings[label] = (seconds, flown.sum() / seconds)
    ours, rate = timings["weaving"]

    # the peer's accuracy at this rtol, against a tight reference, on the first glide
    ref = peer_one(specs[0], args.t_s, 1e-12)
    err_peer = float(np.linalg.norm(peer_one(specs[0], args.t_s, args.peer_rtol) - ref))
    err_ours = float(np.linalg.norm(traj.r_ecef[0, -1] - ref)) if np.isnan(
        traj.impact_t_s[0]) else float("nan")
    t0 = time.perf_counter()
    for spec in specs[: args.peer_n]:
        peer_one(spec, args.t_s, args.peer_rtol)
    peer = (time.perf_counter() - t0) / args.peer_n

    print(f"machine: {platform.processor() or platform.machine()}, numpy {np.__version__}")
    for label, (seconds, steps_per_s) in timings.items():
        print(f"kaminari, {label}: {args.n} glides x {steps} RK4 steps of {args.dt_s} s in "
              f"{seconds:.2f} s = {steps_per_s / 1e6:.2f} M trajectory-steps/s, "
              f"{seconds / args.n * 1e3:.2f} ms per trajectory")
    print(f"kaminari's end error on the first weaving glide vs a DOP853 rtol 1e-12 reference: "
          f"{err_ours:.3f} m")
    print(f"scipy solve_ivp DOP853 rtol {args.peer_rtol:g}: {peer * 1e3:.2f} ms per trajectory "
          f"(end error {err_peer:.3f} m), mean of {args.peer_n}")
    print(f"ratio (peer time per trajectory / kaminari's, weaving): {peer / (ours / args.n):.1f}x")
    default_example(args.n, args.repeat)


if __name__ == "__main__":
    main()
