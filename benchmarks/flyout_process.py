"""Whole process against whole process: ``kaminari flyout`` of a raid of N copies of the default
example's threat, against a script that flies the same glides one by one with scipy's
solve_ivp (DOP853) to about 1 m, each timed as a fresh Python process from start to exit.

    .venv/bin/python benchmarks/flyout_process.py [--n 200] [--repeat 3]

Two peers, each a script of its own run as a subprocess: ``compiled`` calls kaminari's
compiled glide derivative (the same forces and guidance ``fly_threats`` integrates; the
strongest honest peer), ``numpy`` calls the numpy point-mass model (what a user without the
compiled kernels would write). Both stop at the ground (an event on the altitude), sample the
path every 0.1 s like the flyout, and write an ``.npz``; the flyout writes its trajectories,
summary table and figure. The ratio printed is the peer's time over the flyout's.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "railgun_point_defense.yaml"

PEER = r'''
import sys, time
import numpy as np
from scipy.integrate import solve_ivp
from kaminari.dynamics.forces import EARTH
from kaminari.dynamics.integrator import PointMassModel
from kaminari.earth.frames import ecef2geodetic
from kaminari.scenario import load_scenario
from kaminari.threats.flyout import GlideController, _glide_derivative

kind, path, out, rtol = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
scenario = load_scenario(path)
specs = scenario.threat_specs()
t_max = scenario.run.t_max_s

def ground(t, y):
    return float(ecef2geodetic(y[:3]).alt_m)
ground.terminal = True
ground.direction = -1

ends = []
for spec in specs:
    controller = GlideController.from_specs([spec])
    if kind == "compiled":
        _, params, state, aux = controller.compiled_flight(controller.area_over_mass, EARTH, 1.0)
        def f(t, y):
            o = np.empty(6)
            _glide_derivative(t, np.ascontiguousarray(y), 0, params, state, aux, o)
            return o
    else:
        model = PointMassModel(controller.area_over_mass, controller)
        def f(t, y):
            return model.derivative(np.array([t]), y.reshape(6, 1, 1))[:, 0, 0]
    r0, v0 = spec.start.ecef()
    sol = solve_ivp(f, (0.0, t_max), np.concatenate([r0, v0]), method="DOP853", rtol=rtol,
                    atol=1e-3, events=ground, dense_output=True)
    t = np.arange(0.0, sol.t[-1], 0.1)
    ends.append(sol.sol(t)[:3, -1])
np.savez(out, ends=np.array(ends))
'''


def _timed(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="copies of the default threat")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each (best kept)")
    parser.add_argument("--peer-rtol", type=float, default=3e-8,
                        help="solve_ivp rtol (benchmarks/flyout.py: 0.35 m at 1,000 s)")
    args = parser.parse_args()
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
        threat = data["threats"][0]
        threat.pop("dispersion", None)
        threat.update(count=args.n, spacing_s=1, lateral_spacing_km=1)
        scenario = Path(tmp) / "raid.yaml"
        scenario.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        peer = Path(tmp) / "peer.py"
        peer.write_text(PEER, encoding="utf-8")
        runs = {
            "kaminari flyout": [str(bindir / "kaminari"), "flyout", str(scenario), "--out",
                                str(Path(tmp) / "fly")],
            "peer, compiled derivative": [sys.executable, str(peer), "compiled", str(scenario),
                                          str(Path(tmp) / "c.npz"), str(args.peer_rtol)],
            "peer, numpy model": [sys.executable, str(peer), "numpy", str(scenario),
                                  str(Path(tmp) / "n.npz"), str(args.peer_rtol)],
        }  # fmt: skip
        best = {}
        for name, cmd in runs.items():
            _timed(cmd)  # numba's caches and the file system warm
            best[name] = min(_timed(cmd) for _ in range(args.repeat))
    flyout = best["kaminari flyout"]
    print(f"{args.n} copies of the default example's threat, whole processes, best of "
          f"{args.repeat}:")
    for name, t in best.items():
        ratio = "" if name == "kaminari flyout" else f"  (peer / flyout: {t / flyout:.2f}x)"
        print(f"  {name:28s} {t:6.2f} s{ratio}")


if __name__ == "__main__":
    main()
