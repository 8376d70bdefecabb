"""Benchmark: how well each predictor flies a homing dive from the *true* state.

The issue's dive (a CAV-H under proportional navigation onto a battery, fired at with near-
perfect sensing) leaves the first unguided round about 0.9 m from the threat whatever the
predictor (``tests/test_effectors.py``). This script separates the prediction from the
track: it takes the threat's true state (position, velocity and non-gravitational
acceleration, the latter from the flown velocity by central differences at 0.01 s) at times
near the firing instant, flies it 1 s (the rounds' time of flight there) with each of the
filter's motions (``ekf.extrapolate``), and prints the distance to the true position 1 s
later. The last column is fire control told the threat's class (``fire_control.
threat_class``): the lift held as an acceleration, the drag along the class's polar.

    .venv/bin/python benchmarks/dive_prediction.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from test_engagement import GUN, _threat  # noqa: E402 - the dive the tests define

from kaminari.earth.frames import ecef2geodetic  # noqa: E402
from kaminari.threats.flyout import fly_threats  # noqa: E402
from kaminari.threats.vehicles import CAV_H  # noqa: E402
from kaminari.tracking import ekf  # noqa: E402

DT_S = 0.01
HORIZON_S = 1.0


def main() -> None:
    traj = fly_threats([_threat(target=GUN)], dt_s=DT_S, t_max_s=130.0)
    flown = np.isfinite(traj.r_ecef[0, :, 0])  # the samples after impact are NaN
    r, v = traj.r_ecef[0, flown], traj.v_ecef[0, flown]
    a = np.gradient(v, DT_S, axis=0) - ekf.frame_acceleration(r, v)
    ahead = int(round(HORIZON_S / DT_S))
    print("t (s) | alt (km) | speed (m/s) | |a| (m/s^2) | 1 s miss: held coefficients "
          "(aero), held acceleration, held drag coefficient and lift (drag), told the class "
          "(the lift held, the drag along its polar)")
    for t0 in (90.0, 95.0, 97.0, 98.0, 99.0, 99.2, 99.5):
        k = int(round(t0 / DT_S))
        if k + ahead >= len(r):
            continue
        x = np.concatenate([r[k], v[k], a[k]])[None]
        misses = [
            np.linalg.norm(ekf.extrapolate(x, np.array([HORIZON_S]), motion)[0][0, 0]
                           - r[k + ahead])
            for motion in ("aero", "acceleration", "drag")
        ] + [
            np.linalg.norm(ekf.extrapolate(x, np.array([HORIZON_S]), "drag",
                                           CAV_H.class_numbers)[0][0, 0] - r[k + ahead])
        ]
        alt = ecef2geodetic(r[k][None]).alt_m[0] / 1e3
        print(f"{t0:5.1f} | {alt:8.1f} | {np.linalg.norm(v[k]):11.0f} | "
              f"{np.linalg.norm(a[k]):11.1f} | " + ", ".join(f"{m:.2f} m" for m in misses))


if __name__ == "__main__":
    main()
