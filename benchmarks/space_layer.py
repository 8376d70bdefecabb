"""Benchmark: what a space-based tracking layer costs the kill chain.

examples/space_layer.yaml (the raid of six, radar-equation radars, a 28-satellite layer)
through the whole kill chain in one process, one chunk of ``--reps`` replications: with its
layer and with the layer disabled (the ground radars alone), on the same draws. Prints
milliseconds per replication for each and their ratio (the issue asks for at most 2), and the
time of the layer's frames themselves (satellite positions, signatures, detections, the
line-of-sight tracker), measured by timing ``_Engagement.frame``. ``--planes`` and ``--sats``
change the constellation (e.g. 8 x 12 = 96 satellites).

    .venv/bin/python benchmarks/space_layer.py [--reps 400] [--planes 4] [--sats 7]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from dispersion import seconds  # the same timing of one chunk as the dispersion benchmark

from kaminari.engagement import chain as chain_module
from kaminari.scenario import load_scenario
from kaminari.sensors.orbits import WalkerDelta

DEFAULT = Path(__file__).parents[1] / "examples" / "space_layer.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument("--planes", type=int, default=4)
    parser.add_argument("--sats", type=int, default=7)
    parser.add_argument("--scenario", type=Path, default=DEFAULT)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    chain = scenario.kill_chain()
    if chain.space_layer is None:
        raise SystemExit(f"{args.scenario} has no space layer")
    w = chain.space_layer.orbits
    assert isinstance(w, WalkerDelta)
    orbits = replace(w, planes=args.planes, sats_per_plane=args.sats, phasing=min(w.phasing,
                     args.planes - 1))  # fmt: skip
    chain = replace(chain, space_layer=replace(chain.space_layer, orbits=orbits))
    ground = replace(chain, space_layer=None)
    seed = scenario.run.seed
    alone = seconds(ground, args.reps, seed)
    spent = [0.0]
    frame = chain_module._Engagement.frame

    def timed(self, *a, **k):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        frame(self, *a, **k)
        spent[0] += time.perf_counter() - t0

    chain_module._Engagement.frame = timed  # type: ignore[method-assign]
    with_layer = seconds(chain, args.reps, seed)
    frames = spent[0]
    n = args.reps
    sats = args.planes * args.sats
    print(f"{n} replications of {args.scenario.name} ({len(chain.threats)} threats), one chunk, "
          "one process")  # fmt: skip
    print(f"  ground radars alone:         {1e3 * alone / n:7.2f} ms per replication")
    print(f"  with a {sats:3d}-satellite layer: {1e3 * with_layer / n:7.2f} ms per replication "
          f"= {with_layer / alone:.2f} times (at most 2 asked)")  # fmt: skip
    print(f"  of which the layer's frames: {1e3 * frames / n:7.2f} ms per replication")


if __name__ == "__main__":
    main()
