"""Benchmark: what a raid costs. One replication of the six-threat raid of examples/raid.yaml
against one replication of the same scenario with its first threat alone (same radars, false
alarms, batteries), both through the whole kill chain in one process.

    .venv/bin/python benchmarks/raid.py [--reps 1000]

Prints milliseconds per replication for each, and the ratio (the issue asks for at most 6).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from kaminari.campaign.run import prepare
from kaminari.engagement.chain import KillChain, run_chain
from kaminari.scenario import load_scenario, parse_scenario

RAID = Path(__file__).parents[1] / "examples" / "raid.yaml"


def single_threat(text: str) -> str:
    """The raid scenario with its first entry as one threat and the other entries left out."""
    import yaml

    data = yaml.safe_load(text)
    first = {k: v for k, v in data["threats"][0].items()
             if k not in ("count", "spacing_s", "lateral_spacing_km")}
    data["threats"] = [first]
    return yaml.safe_dump(data, sort_keys=False)


def per_rep_ms(chain: KillChain, reps: int) -> tuple[float, float]:
    inputs = prepare(chain)
    run_chain(chain, 10, np.random.default_rng(0), truth=inputs.truth, tables=inputs.tables)
    t0 = time.perf_counter()
    res = run_chain(chain, reps, np.random.default_rng(1), truth=inputs.truth,
                    tables=inputs.tables)
    seconds = time.perf_counter() - t0
    return 1e3 * seconds / reps, float(np.mean(res.replications["killed"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    args = parser.parse_args()
    raid = load_scenario(RAID).kill_chain()
    one = parse_scenario(single_threat(RAID.read_text()), "single").kill_chain()
    ms_one, pk_one = per_rep_ms(one, args.reps)
    ms_raid, pk_raid = per_rep_ms(raid, args.reps)
    print(f"one threat: {ms_one:.1f} ms per replication (Pk {pk_one:.3f}), {args.reps} reps")
    print(f"raid of {len(raid.threats)}: {ms_raid:.1f} ms per replication "
          f"(mean Pk {pk_raid:.3f})")
    print(f"raid / one threat: {ms_raid / ms_one:.2f}x "
          f"({ms_raid / ms_one / len(raid.threats):.2f}x per threat)")


if __name__ == "__main__":
    main()
