"""Benchmark: what a raid costs. One replication of the six-threat raid of examples/raid.yaml
against one replication of the same scenario with its first threat alone (same radars, false
alarms, batteries), both through the whole kill chain in one process.

    .venv/bin/python benchmarks/raid.py [--reps 1000]

Prints milliseconds per replication for each, and the ratio (the issue asks for at most 6);
then, over the raid's replications, what its defences shared and how well the tracker held
its threats: the most rounds any battery fired in a replication against its magazine, the
shortest time between two rounds of one battery against 60 / rate of fire, the share of the
updates of confirmed tracks that came from the threat the track followed most, and the false
confirmed tracks per replication.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from kaminari.campaign.run import prepare
from kaminari.engagement.chain import ChainResult, KillChain, run_chain
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


def per_rep_ms(chain: KillChain, reps: int) -> tuple[float, ChainResult]:
    inputs = prepare(chain)
    run_chain(chain, 10, 0, truth=inputs.truth, tables=inputs.tables)
    t0 = time.perf_counter()
    res = run_chain(chain, reps, 1, truth=inputs.truth,
                    tables=inputs.tables)
    seconds = time.perf_counter() - t0
    return 1e3 * seconds / reps, res


def shared_defences(chain: KillChain, res: ChainResult) -> None:
    """What the raid's batteries fired, against their magazines and rates of fire."""
    s = res.shots
    for battery in chain.batteries:
        mine = s["battery"] == battery.name
        per_rep = np.bincount(s["rep"][mine])
        order = np.lexsort((s["fire_t_s"][mine], s["rep"][mine]))
        rep, t = s["rep"][mine][order], s["fire_t_s"][mine][order]
        gaps = np.diff(t)[rep[1:] == rep[:-1]]
        print(f"{battery.name}: at most {per_rep.max() if per_rep.size else 0} rounds in a "
              f"replication (magazine {battery.magazine}); shortest gap between two of its "
              f"rounds {gaps.min() if gaps.size else float('nan'):.3f} s "
              f"(60 / rate of fire = {battery.shot_interval_s:.3f} s)")
    r = res.replications
    first = r["threat"] == r["threat"][0]  # the per-replication columns, once each
    updates, own = r["track_updates"][first].sum(), r["track_updates_own"][first].sum()
    print(f"association: {own:,} of {updates:,} updates of confirmed tracks "
          f"({own / max(updates, 1):.2%}) came from the threat the track followed most; "
          f"false confirmed tracks {r['false_tracks'][first].mean():.3f} per replication "
          f"(in {np.mean(r['false_tracks'][first] > 0):.1%} of replications)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=1000)
    args = parser.parse_args()
    raid = load_scenario(RAID).kill_chain()
    one = parse_scenario(single_threat(RAID.read_text()), "single").kill_chain()
    ms_one, res_one = per_rep_ms(one, args.reps)
    ms_raid, res_raid = per_rep_ms(raid, args.reps)
    pk_one = float(np.mean(res_one.replications["killed"]))
    pk_raid = float(np.mean(res_raid.replications["killed"]))
    print(f"one threat: {ms_one:.1f} ms per replication (Pk {pk_one:.3f}), {args.reps} reps")
    print(f"raid of {len(raid.threats)}: {ms_raid:.1f} ms per replication "
          f"(mean Pk {pk_raid:.3f})")
    print(f"raid / one threat: {ms_raid / ms_one:.2f}x "
          f"({ms_raid / ms_one / len(raid.threats):.2f}x per threat)")
    shared_defences(raid, res_raid)


if __name__ == "__main__":
    main()
