"""Benchmark: what it costs that each replication flies its own threat path.

The default example (examples/railgun_point_defense.yaml) through the whole kill chain in one
process, one chunk of ``--reps`` replications: as written (dispersed, if the example's threat
has a ``dispersion`` block) and with its dispersion removed (every replication flies the one
nominal path, flown once). Prints milliseconds per replication for each, the part of the
dispersed run spent flying the replications' own paths (``engagement.chain.dispersed_world``),
and that flight time over the undispersed run's time (the issue asks for at most 30 %).

    .venv/bin/python benchmarks/dispersion.py [--reps 1000] [--scenario FILE]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import yaml

from kaminari.campaign.run import prepare
from kaminari.engagement.chain import KillChain, dispersed_world, run_chain
from kaminari.scenario import load_scenario, parse_scenario

DEFAULT = Path(__file__).parents[1] / "examples" / "railgun_point_defense.yaml"


def undispersed(path: Path) -> KillChain:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for threat in data["threats"]:
        threat.pop("dispersion", None)
    return parse_scenario(yaml.safe_dump(data, sort_keys=False)).kill_chain()


def seconds(chain: KillChain, reps: int, seed: int) -> float:
    inputs = prepare(chain)
    run_chain(chain, 5, 0, truth=inputs.truth, tables=inputs.tables)
    t0 = time.perf_counter()
    run_chain(chain, reps, seed, truth=inputs.truth, tables=inputs.tables)  # fmt: skip
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    parser.add_argument("--scenario", type=Path, default=DEFAULT)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    chain = scenario.kill_chain()
    if not chain.dispersed:
        raise SystemExit(f"{args.scenario} has no dispersed threat")
    seed = scenario.run.seed
    reps = np.arange(args.reps)
    dispersed_world(chain, seed, reps[:5])  # compile and warm up
    t0 = time.perf_counter()
    dispersed_world(chain, seed, reps)
    flight = time.perf_counter() - t0
    plain = seconds(undispersed(args.scenario), args.reps, seed)
    spread = seconds(chain, args.reps, seed)
    n = args.reps
    print(f"{n} replications of {args.scenario.name}, one chunk, one process")
    print(f"  nominal path shared:      {1e3 * plain / n:7.2f} ms per replication")
    print(f"  each its own path:        {1e3 * spread / n:7.2f} ms per replication "
          f"({spread / plain:.2f} times)")  # fmt: skip
    print(f"  of which flying the paths: {1e3 * flight / n:6.2f} ms per replication "
          f"= {100 * flight / plain:.0f} % of the shared-path run (at most 30 % asked)")


if __name__ == "__main__":
    main()
