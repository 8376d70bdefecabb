"""Benchmark: the aero-imm tracker against the single aero-unscented filter and the default
held acceleration, on a glide at held angle of attack, an equilibrium glide and two weaves.

The aero-unscented filter's coefficient noise (3e-9 /s) is sized for a glide that holds its
angle of attack and bank; a threat that changes its angle of attack (an equilibrium glide
raises it as it slows) or its bank (a weave) leaves that model. The aero-imm motion runs three
such filters as an IMM: quiet, manoeuvring (coefficient noise 2e-5 /s) and weaving (that and
the bank's noise, 0.03 rad^2/s). This script tracks the glides of ``tests/test_tracking.py``
(``glide_truth``; the equilibrium glide of ``tests/test_aero_imm.py``; the free glide weaving
+-10 and +-30 deg over 60 s) with radar A and B at 1 Hz over 200 s, and prints per motion the
9-state NEES over the runs (mean and largest over the scans), the position RMSE from 30 s after
confirmation, and the time each tracking took ("lost": a run's track was deleted and
restarted).

    .venv/bin/python benchmarks/aero_imm.py [--seeds 11-12] [--reps 50]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
import test_tracking as tt  # noqa: E402 - the experiment the tests define
from test_aero_imm import equilibrium_truth, weave_truth  # noqa: E402


def glides() -> dict[str, tuple[dict, tuple[float, float]]]:
    """Each glide's truth and the elasticities (drag, lift) the filters are told."""
    free = tt._cav_h_mach_elasticities()
    out = {
        "held alpha": (tt.glide_truth(), free),
        "equilibrium": (equilibrium_truth(), tt._cav_h_mach_elasticities(mach=14.2, alpha_deg=8.0)),
    }
    for amplitude in (10.0, 30.0):
        out[f"weave {amplitude:.0f}"] = (weave_truth(amplitude), free)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="11-12", help="first-last seed")
    parser.add_argument("--reps", type=int, default=50, help="runs per experiment")
    args = parser.parse_args()
    first, last = (int(v) for v in args.seeds.split("-"))
    motions = ("aero-unscented", "aero-imm", "acceleration")
    print(f"{args.reps} runs per experiment; per motion: NEES mean / largest, RMSE from 30 s "
          "(m), tracking time (s)")
    for name, (truth, (drag, lift)) in glides().items():
        totals = {m: [] for m in motions}
        for seed in range(first, last + 1):
            for radar in ("A", "B"):
                cells = []
                for motion in motions:
                    told = {} if motion == "acceleration" else dict(
                        q=0.0015, mach_elasticity_drag=drag, mach_elasticity_lift=lift)
                    t0 = time.perf_counter()
                    try:
                        rows = tt._track_glide(truth, [(radar, 0.0)], seed=seed,
                                               motion=motion, reps=args.reps, **told)  # fmt: skip
                    except AssertionError:  # _track_glide's: a track deleted and restarted
                        cells.append(f"{'lost':>30s}")
                        continue
                    took = time.perf_counter() - t0
                    rms = tt._window_rms(rows)
                    totals[motion].append((rows[:, 1].mean(), rows[:, 1].max(), rms, took))
                    cells.append(f"{rows[:, 1].mean():8.2f} / {rows[:, 1].max():8.2f} "
                                 f"{rms:6.1f} {took:5.1f}")
                print(f"{name:12s} seed {seed} {radar} | " + " | ".join(cells))
        summary = []
        for motion in motions:
            a = np.array(totals[motion])
            if a.size == 0:
                summary.append(f"{motion}: lost")
                continue
            summary.append(f"{motion}: NEES {a[:, 0].mean():.2f} (largest {a[:, 1].max():.1f}),"
                           f" RMSE {a[:, 2].mean():.1f} m, {a[:, 3].mean():.1f} s")
        cost = ""
        if totals["aero-unscented"]:
            ratio = np.mean([t[3] for t in totals["aero-imm"]]) / np.mean(
                [t[3] for t in totals["aero-unscented"]])
            cost = f"; aero-imm costs {ratio:.2f} x aero-unscented"
        print(f"{name:12s} mean | " + "; ".join(summary) + cost)


if __name__ == "__main__":
    main()
