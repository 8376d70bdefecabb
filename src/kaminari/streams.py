"""Random draws keyed by (seed, replication, part): the streams of common random numbers.

A replication's draws for one part of a scenario (one threat's dispersion, say) are a pure
function of the campaign's seed, the replication's number, the part's name and the draw's
index. Two variants of a scenario that share a part therefore see the same draws for it,
whatever else they add (a radar, a battery), whatever the chunking, and a batch of
replications draws in one vectorized call, with no generator per replication.

The generator is counter-based: each (seed, part, replication, index) is hashed to 64 bits by
the SplitMix64 finaliser (G. L. Steele, D. Lea, C. H. Flood, "Fast splittable pseudorandom
number generators", OOPSLA 2014; the mixing constants are those of ``java.util.SplittableRandom``),
applied in turn to the seed, the part's key and the replication, then to a Weyl sequence of
the index. SplitMix64 of consecutive counters passes the BigCrush battery (Steele et al.);
``tests/test_streams.py`` checks the uniforms and normals here against their distributions
(Kolmogorov-Smirnov) and for independence across replications and parts.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["normals", "part_key", "uniforms"]

Array = NDArray[np.float64]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def _mix(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The SplitMix64 finaliser, elementwise (uint64 arithmetic wraps modulo 2^64)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def part_key(name: str) -> int:
    """A stable 64-bit key for a part's name (BLAKE2b), the same in every process and run."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")


def _bits(seed: int, part: str, reps: ArrayLike, n: int) -> NDArray[np.uint64]:
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    rep = np.asarray(reps, dtype=np.int64).reshape(-1)
    if rep.size and rep.min() < 0:
        raise ValueError("replication numbers must be >= 0")
    with np.errstate(over="ignore"):
        base = _mix(np.array([seed % 2**64], dtype=np.uint64) + _GOLDEN)
        base = _mix(base ^ np.array([part_key(part)], dtype=np.uint64))
        key = _mix((base + rep.astype(np.uint64) * _GOLDEN) ^ _M2)  # (R,)
        index = np.arange(1, n + 1, dtype=np.uint64) * _GOLDEN
        return _mix(key[:, None] + index[None, :])  # (R, n)


def uniforms(seed: int, part: str, reps: ArrayLike, n: int) -> Array:
    """(R, n) uniform draws in the open interval (0, 1) for replications ``reps`` (R,) and
    part ``part``: draw i of replication r depends on (seed, part, r, i) only."""
    bits = _bits(seed, part, reps, n)
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def normals(seed: int, part: str, reps: ArrayLike, n: int) -> Array:
    """(R, n) standard normal draws (Box-Muller on the part's uniforms: normal i uses
    uniforms 2i and 2i + 1), each depending on (seed, part, replication, i) only."""
    u = uniforms(seed, part, reps, 2 * n)
    radius = np.sqrt(-2.0 * np.log(u[:, 0::2]))
    return radius * np.cos(2.0 * np.pi * u[:, 1::2])
