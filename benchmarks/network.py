"""Benchmark: what an allied network costs the kill chain, and what it buys.

One chunk of ``--reps`` replications in one process, on the same draws, from
examples/allied_network.yaml:

- speed: the same radars (the destroyer's, the ground radar, the fire-control radar; no space
  layer, whose own cost is in benchmarks/space_layer.py) held by one node, against three nodes
  whose track links or measurement links bring them to the batteries' node; the issue asks
  that three nodes cost at most 2 times one;
- what it buys: the three engagement modes over a good link (1 s, 5 % loss) and a poor one
  (4 s, 1 s jitter, 30 % loss), then engage-on-remote over latencies of 0.5 to 8 s: Pk with
  its 95 % (Wilson) interval, first shot and engagement window (medians), rounds per
  replication and kill altitude.

    .venv/bin/python benchmarks/network.py [--reps 300] [--speed]
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

import numpy as np

from kaminari.engagement.chain import KillChain, run_chain
from kaminari.report.summary import wilson_interval
from kaminari.scenario import load_scenario

EXAMPLE = Path(__file__).parents[1] / "examples" / "allied_network.yaml"


def timed(chain: KillChain, reps: int, seed: int) -> tuple[float, dict]:
    run_chain(chain, 5, seed)  # compile and warm up
    t0 = time.perf_counter()
    result = run_chain(chain, reps, seed)
    return time.perf_counter() - t0, result.replications | {"n_shots": result.shots["rep"].size}


def line(label: str, reps: int, rep: dict) -> str:
    kills = int(np.count_nonzero(rep["killed"]))
    lo, hi = wilson_interval(kills, reps)
    med = {k: float(np.nanmedian(rep[k])) if np.isfinite(rep[k]).any() else float("nan")
           for k in ("first_shot_t_s", "engagement_window_s", "kill_alt_m")}  # fmt: skip
    return (f"  {label:34s} Pk {kills / reps:.3f} ({lo:.3f}-{hi:.3f})  first shot "
            f"{med['first_shot_t_s']:6.1f} s  window {med['engagement_window_s']:5.2f} s  "
            f"rounds/rep {rep['n_shots'] / reps:4.2f}  kill {med['kill_alt_m'] / 1e3:4.1f} km")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--speed", action="store_true", help="the speed part only")
    args = parser.parse_args()
    scenario = load_scenario(EXAMPLE)
    seed = scenario.run.seed
    chain = dataclasses.replace(scenario.kill_chain(), space_layer=None)
    # radars: ddg (node 0), enshu (node 2), fire-control (node 3); batteries on node 3
    tracks = dataclasses.replace(chain, links=tuple(k for k in chain.links if k.source != 1))
    measurements = dataclasses.replace(tracks, links=tuple(
        dataclasses.replace(k, carries="measurements", interval_s=0.0) for k in tracks.links))
    one = dataclasses.replace(chain, nodes=chain.nodes[3:], links=(), radar_node=(0, 0, 0),
                              battery_node=(0, 0), space_node=0)
    print(f"speed, {args.reps} replications in one process (no space layer):")
    base = None
    for label, c in (("one node, every radar", one), ("three nodes, track links", tracks),
                     ("three nodes, measurement links", measurements)):
        t, _ = timed(c, args.reps, seed)
        base = base or t
        print(f"  {label:32s} {t:6.2f} s  {t / base:4.2f} x one node")
    if args.speed:
        return
    full = scenario.kill_chain()
    good = {"latency_s": 1.0, "jitter_s": 0.2, "loss": 0.05}
    poor = {"latency_s": 4.0, "jitter_s": 1.0, "loss": 0.3}
    print(f"modes and link quality, {args.reps} replications (examples/allied_network.yaml):")
    for quality, values in (("good link", good), ("poor link", poor)):
        links = tuple(dataclasses.replace(k, **values) for k in full.links)
        for mode in ("local", "launch-on-remote", "engage-on-remote"):
            c = dataclasses.replace(full, links=links, engage=(mode,) * len(full.batteries))
            _, rep = timed(c, args.reps, seed)
            print(line(f"{quality}, {mode}", args.reps, rep))
    print("engage-on-remote against latency (jitter 0.2 s, loss 5 %):")
    for latency in (0.5, 1.0, 2.0, 4.0, 8.0):
        links = tuple(dataclasses.replace(k, **{**good, "latency_s": latency})
                      for k in full.links)  # fmt: skip
        c = dataclasses.replace(full, links=links, engage=("engage-on-remote",) * 2)
        _, rep = timed(c, args.reps, seed)
        print(line(f"latency {latency:g} s", args.reps, rep))


if __name__ == "__main__":
    main()
