"""Benchmark: what the physics predictor, guided rounds and interceptors cost the kill chain.

One chunk of ``--reps`` replications in one process, on the same draws:

- the default example (seeker-guided rounds) with fire control's default ``physics``
  predictor (aerodynamic coefficients held) and with the ``acceleration`` predictor, and
  their ratio (the issue asks for at most 2 against the former campaign time);
- examples/railgun_vs_interceptor.yaml with each of its defences alone
  (``fire_control.use``): unguided darts, guided rounds and the interceptor, each against the
  darts.

    .venv/bin/python benchmarks/effectors.py [--reps 300]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dispersion import seconds  # the same timing of one chunk as the dispersion benchmark

from kaminari.scenario import load_scenario

EXAMPLES = Path(__file__).parents[1] / "examples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300)
    args = parser.parse_args()
    default = load_scenario(EXAMPLES / "railgun_point_defense.yaml")
    seed = default.run.seed
    times = {
        p: seconds(default.kill_chain(p), args.reps, seed) for p in ("acceleration", "physics")
    }
    print(f"default example, {args.reps} replications in one process:")
    for p, t in times.items():
        print(f"  predictor {p:13s} {t:6.2f} s  ({1e3 * t / args.reps:.1f} ms per replication)")
    print(f"  physics / acceleration: {times['physics'] / times['acceleration']:.2f}")
    compare = load_scenario(EXAMPLES / "railgun_vs_interceptor.yaml")
    print(f"railgun_vs_interceptor, {args.reps} replications, each defence alone:")
    base = None
    for name in ("darts", "hvp", "sm6"):
        fc = compare.fire_control.model_copy(update={"use": name})
        chain = compare.model_copy(update={"fire_control": fc}).kill_chain()
        t = seconds(chain, args.reps, seed)
        base = base or t
        print(f"  {name:6s} {t:6.2f} s  ({1e3 * t / args.reps:.1f} ms per replication), "
              f"{t / base:.2f} x the darts")  # fmt: skip


if __name__ == "__main__":
    main()
