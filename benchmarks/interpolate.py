"""Benchmark: the compiled Hermite interpolation of recorded paths against numpy's.

``dynamics.interpolate`` gives the truth's positions at each scan and fire control's predicted
paths. The peer is the same cubic Hermite formula in numpy (the interval's end samples
gathered with fancy indexing, then the weights), which kaminari ran before; both are run here
on the same inputs, checked equal to the bit, and timed.

    .venv/bin/python benchmarks/interpolate.py
"""

from __future__ import annotations

import time

import numpy as np

from kaminari.dynamics.interpolate import hermite_position

REPEAT = 200


def numpy_peer(t, r, v, tq, rows=None):
    """The formula in numpy: gathers of r and v at both ends of each query's interval."""
    dt = float(t[1] - t[0])
    i = np.clip(np.floor((tq - t[0]) / dt).astype(np.intp), 0, t.size - 2)
    s = ((tq - t[i]) / dt)[..., None]
    rows = (np.arange(r.shape[0]) if rows is None else np.asarray(rows))[:, None]
    r0, r1, v0, v1 = r[rows, i], r[rows, i + 1], v[rows, i], v[rows, i + 1]
    s2 = s * s
    s3 = s2 * s
    return (
        (2 * s3 - 3 * s2 + 1) * r0 + ((s3 - 2 * s2 + s) * dt) * v0
        + (3 * s2 - 2 * s3) * r1 + ((s3 - s2) * dt) * v1
    )


def main() -> None:
    rng = np.random.default_rng(0)
    members, samples = 1000, 9000
    t = 0.1 * np.arange(samples)
    records = rng.normal(size=(members, samples, 6))  # a campaign's paths: r and v are views
    coarse = np.arange(21) * 0.5
    cases = {
        "the truth: 1,000 members at one time each": (
            t, records[..., 0:3], records[..., 3:6], rng.uniform(0, 800, size=(members, 1))),
        "fire control: 1,000 tracks, 21 coarse samples to 40 times": (
            coarse, rng.normal(size=(members, 21, 3)), rng.normal(size=(members, 21, 3)),
            np.linspace(0.0, 9.9, 40)),
    }
    for name, (tt, r, v, tq) in cases.items():
        assert np.array_equal(hermite_position(tt, r, v, tq), numpy_peer(tt, r, v, tq))
        ms = {}
        for label, fn in (("numpy", numpy_peer), ("compiled", hermite_position)):
            start = time.perf_counter()
            for _ in range(REPEAT):
                fn(tt, r, v, tq)
            ms[label] = (time.perf_counter() - start) / REPEAT * 1e3
        print(f"{name}: numpy {ms['numpy']:.3f} ms, compiled {ms['compiled']:.3f} ms, "
              f"{ms['numpy'] / ms['compiled']:.1f}x")


if __name__ == "__main__":
    main()
