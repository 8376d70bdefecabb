"""Benchmark: campaign throughput of the default example on 1 and 2 local worker processes and
on a 2-worker Dask cluster on this machine, and peak memory.

    .venv/bin/python benchmarks/campaign.py [--reps 20000] [--chunk-size 1000]
    .venv/bin/python benchmarks/campaign.py --memory --reps 100000   # peak RSS, 2 workers

Prints replications per second for each backend and the 2-worker speed-up over 1 worker, or
the peak resident memory of the parent and of its worker processes.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from kaminari.campaign.engine import Backend, CampaignSpec, run_campaign
from kaminari.scenario import dump_scenario, load_scenario

EXAMPLE = Path(__file__).parents[1] / "examples" / "railgun_point_defense.yaml"


def spec_for(reps: int, chunk_size: int) -> CampaignSpec:
    scenario = load_scenario(EXAMPLE)
    return CampaignSpec(
        chain=scenario.kill_chain(),
        reps=reps,
        seed=scenario.run.seed,
        chunk_size=chunk_size,
        track_reps=0,
        scenario_yaml=dump_scenario(scenario),
    )


def timed(spec: CampaignSpec, backend: Backend) -> float:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        run_campaign(spec, Path(out), backend)
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=20000)
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--memory", action="store_true", help="measure peak RSS only")
    args = parser.parse_args()
    spec = spec_for(args.reps, args.chunk_size)

    if args.memory:
        seconds = timed(spec, Backend("local", workers=2))
        parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"{args.reps} replications in chunks of {args.chunk_size} on 2 local workers: "
              f"{seconds:.0f} s, {args.reps / seconds:.0f} replications/s")
        print(f"peak resident memory: parent {parent:.0f} MB, largest worker {child:.0f} MB, "
              f"sum {parent + 2 * child:.0f} MB at most")
        return

    results = {}
    for label, backend in (
        ("1 local worker", Backend("local", workers=1)),
        ("2 local workers", Backend("local", workers=2)),
        ("dask LocalCluster, 2 workers", Backend("dask", workers=2, address="local")),
    ):
        seconds = timed(spec, backend)
        results[label] = args.reps / seconds
        print(f"{label}: {args.reps} replications in chunks of {args.chunk_size}: "
              f"{seconds:.1f} s = {results[label]:.0f} replications/s")
    speedup = results["2 local workers"] / results["1 local worker"]
    print(f"2 local workers / 1: {speedup:.2f}x")


if __name__ == "__main__":
    main()
