"""Benchmark: the near-perfect PN dive onto the city a battery defends, 5 km from the battery.

The round meets the threat across its path, so an error along the path (the drag's) becomes
part of the miss. For each seed: the first round's miss (median, worst) and the share of
replications killed, with the physics predictor told the threat's class and with the held
acceleration, on the same tracks (the aero-imm told the class, radar noise 1 cm and 0.1
microradian, rounds aimed as they leave). ``--gate 40`` lets the battery fire earlier, at a
longer time of flight.

``--parts`` then takes the told predictor's error apart at the first seed's firing instants:
flown over the prediction from the track's state, from the true state, and from the true
position and velocity with the track's acceleration (3-D distance to the true position; the
truth flown on the engagement's own 0.1 s grid).

    .venv/bin/python benchmarks/dive_onto_the_city.py [--seeds 1-6] [--reps 40] [--gate 20]
        [--parts]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from test_engagement import _chain, _radar, _threat  # noqa: E402 - the dive the tests define

from kaminari.engagement.chain import run_chain  # noqa: E402
from kaminari.firecontrol import predictor  # noqa: E402
from kaminari.threats.flyout import fly_threats  # noqa: E402
from kaminari.threats.vehicles import CAV_H  # noqa: E402
from kaminari.tracking import ekf  # noqa: E402
from kaminari.tracking.config import TrackerConfig  # noqa: E402

TOLD = CAV_H.class_numbers


def chain_for(gate_m: float, predictor_name: str):
    radar = _radar(False, sigma_range_m=0.01, sigma_az_rad=1e-7, sigma_el_rad=1e-7,
                   detection_probability=1.0)  # fmt: skip
    chain = replace(
        _chain(radar=radar, threats=(_threat(),)), predictor=predictor_name,
        tracker=TrackerConfig(jerk_psd_m2ps5=30.0, motion="aero-imm", class_aero=TOLD),
    )
    return replace(chain, doctrine=replace(chain.doctrine, threat_class=TOLD,
                                           max_track_sigma_m=gate_m))  # fmt: skip


def parts(gate_m: float, seed: int, reps: int) -> None:
    """The told predictor's error at each firing instant, taken apart."""
    seen: dict[float, tuple[float, np.ndarray]] = {}
    flown = predictor.TrackExtrapolation.path

    def path(self, tracks, slots, x_fire, t_fire_s, tau_s):  # the last call per instant
        seen[round(t_fire_s, 3)] = (t_fire_s, x_fire.copy())  # is the shot's own
        return flown(self, tracks, slots, x_fire, t_fire_s, tau_s)

    predictor.TrackExtrapolation.path = path
    try:
        shots = run_chain(chain_for(gate_m, "physics"), reps, seed).shots
    finally:
        predictor.TrackExtrapolation.path = flown
    dt = 0.1
    traj = fly_threats([_threat()], dt_s=dt, t_max_s=130.0)
    ok = np.isfinite(traj.r_ecef[0, :, 0])
    r, v = traj.r_ecef[0, ok], traj.v_ecef[0, ok]
    a = np.gradient(v, dt, axis=0) - ekf.frame_acceleration(r, v)
    print("fired at | flight | from the track | from the truth | true r, v and the track's a "
          "| the track's acceleration error (m/s^2)")
    for t_fire in sorted(set(np.round(shots["fire_t_s"], 3))):
        t0, x = seen[t_fire]
        tof = float(np.median(shots["predicted_tof_s"][np.isclose(shots["fire_t_s"], t0)]))
        k, kh = int(round(t0 / dt)), int(round((t0 + tof) / dt))
        h = kh * dt - t0  # the flight, to the truth's nearest sample
        truth = np.concatenate([r[k], v[k], a[k]])
        mixed = np.c_[np.tile(truth[:6], (len(x), 1)), x[:, 6:]]
        errs = [
            np.median(np.linalg.norm(
                ekf.extrapolate(xs, np.array([h]), "drag", TOLD)[0][:, 0] - r[kh], axis=-1
            ))
            for xs in (x, truth[None], mixed)
        ]
        da = np.median(np.linalg.norm(x[:, 6:9] - truth[6:9], axis=1))
        print(f"{t0:8.1f} | {h:4.2f} s | " + " | ".join(f"{e:.2f} m" for e in errs)
              + f" | {da:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-6", help="first-last seed")
    parser.add_argument("--reps", type=int, default=40)
    parser.add_argument("--gate", type=float, default=20.0,
                        help="the doctrine's track-quality gate, m (max_track_sigma_m)")
    parser.add_argument("--parts", action="store_true",
                        help="take the told predictor's error apart at the first seed")
    args = parser.parse_args()
    first, last = (int(s) for s in args.seeds.split("-"))
    print("seed | predictor | first-round miss median, worst | killed")
    for seed in range(first, last + 1):
        for name in ("physics", "acceleration"):
            res = run_chain(chain_for(args.gate, name), args.reps, seed)
            s = res.shots
            miss = s["miss_m"][np.unique(s["rep"], return_index=True)[1]]
            print(f"{seed:4d} | {name:12s} | {np.median(miss):.2f} m, {np.max(miss):.2f} m | "
                  f"{np.mean(res.replications['killed']):.0%}")
    if args.parts:
        parts(args.gate, first, min(args.reps, 10))


if __name__ == "__main__":
    main()
