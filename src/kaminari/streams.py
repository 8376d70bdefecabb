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

__all__ = ["MemberDraws", "Streams", "normals", "part_key", "uniforms"]

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


def _rep_keys(seed: int, part: str, reps: ArrayLike) -> NDArray[np.uint64]:
    """The 64-bit key (R,) of each replication's stream of ``part``."""
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    rep = np.asarray(reps, dtype=np.int64).reshape(-1)
    if rep.size and rep.min() < 0:
        raise ValueError("replication numbers must be >= 0")
    with np.errstate(over="ignore"):
        base = _mix(np.array([seed % 2**64], dtype=np.uint64) + _GOLDEN)
        base = _mix(base ^ np.array([part_key(part)], dtype=np.uint64))
        return _mix((base + rep.astype(np.uint64) * _GOLDEN) ^ _M2)


def _bits_at(keys: NDArray[np.uint64], index: ArrayLike) -> NDArray[np.uint64]:
    """Draw ``index`` (>= 0, broadcast with ``keys``) of the streams with ``keys``."""
    i = np.asarray(index, dtype=np.int64).astype(np.uint64)
    with np.errstate(over="ignore"):
        return _mix(keys + (i + np.uint64(1)) * _GOLDEN)


def _to_unit(bits: NDArray[np.uint64]) -> Array:
    return ((bits >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def _box_muller(u_even: Array, u_odd: Array) -> Array:
    return np.sqrt(-2.0 * np.log(u_even)) * np.cos(2.0 * np.pi * u_odd)


def _bits(seed: int, part: str, reps: ArrayLike, n: int) -> NDArray[np.uint64]:
    key = _rep_keys(seed, part, reps)
    return _bits_at(key[:, None], np.arange(n)[None, :])  # (R, n)


def uniforms(seed: int, part: str, reps: ArrayLike, n: int) -> Array:
    """(R, n) uniform draws in the open interval (0, 1) for replications ``reps`` (R,) and
    part ``part``: draw i of replication r depends on (seed, part, r, i) only."""
    return _to_unit(_bits(seed, part, reps, n))


def normals(seed: int, part: str, reps: ArrayLike, n: int) -> Array:
    """(R, n) standard normal draws (Box-Muller on the part's uniforms: normal i uses
    uniforms 2i and 2i + 1), each depending on (seed, part, replication, i) only."""
    u = uniforms(seed, part, reps, 2 * n)
    return _box_muller(u[:, 0::2], u[:, 1::2])


class Streams:
    """The draws of a batch of replications (numbers ``reps``, global: a chunk's), taken
    part by part and index by index, so that every draw is a pure function of (seed, part,
    replication, index): common random numbers. A sensor keys each scan's draws by its name
    and the scan's time, and each draw by the threat it concerns (its place in the scenario),
    so that a variant that keeps the sensor and the threat sees the same noise for them,
    whatever else it changes; ``members`` gives a stream per round of a battery.

    ``uniform``, ``normal`` and ``poisson`` take local replication indices ``rep`` (0 to
    R - 1, any shape) and draw indices ``index`` (>= 0) broadcast together; a draw is
    identical wherever and in whatever batch it is asked for (``uniforms`` and ``normals``
    give the same numbers for the same replication and index)."""

    def __init__(self, seed: int, reps: ArrayLike) -> None:
        self.seed = int(seed)
        self.reps = np.asarray(reps, dtype=np.int64).reshape(-1)
        _rep_keys(self.seed, "", self.reps)  # validates the seed and the numbers

    @property
    def n_reps(self) -> int:
        return int(self.reps.size)

    def keys(self, part: str, rep: ArrayLike) -> NDArray[np.uint64]:
        """The stream keys of ``part`` for the local replications ``rep`` (any shape)."""
        return _rep_keys(self.seed, part, self.reps)[np.asarray(rep, dtype=np.int64)]

    def uniform(self, part: str, rep: ArrayLike, index: ArrayLike) -> Array:
        """Uniforms in (0, 1): draw ``index`` of each replication's stream of ``part``."""
        return _to_unit(_bits_at(self.keys(part, rep), index))

    def normal(self, part: str, rep: ArrayLike, index: ArrayLike) -> Array:
        """Standard normals: normal ``index`` (uniforms 2 index and 2 index + 1)."""
        keys = self.keys(part, rep)
        i = 2 * np.asarray(index, dtype=np.int64)
        return _box_muller(_to_unit(_bits_at(keys, i)), _to_unit(_bits_at(keys, i + 1)))

    def poisson(
        self, part: str, rep: ArrayLike, index: ArrayLike, mean: float
    ) -> NDArray[np.int64]:
        """Poisson counts of ``mean`` by inversion of uniform ``index`` (the smallest k whose
        cumulative probability reaches it; scipy.stats.poisson.ppf)."""
        from scipy.stats import poisson  # noqa: PLC0415  (only scenarios with clutter pay for it)

        u = self.uniform(part, rep, index)
        return poisson.ppf(u, mean).astype(np.int64)

    def members(self, part: str, rep: ArrayLike, serial: ArrayLike) -> MemberDraws:
        """A stream per member (a round, say) of local replication ``rep`` (M,) with its
        number ``serial`` (M,) in that replication (a battery's shot count, say)."""
        keys = self.keys(part, rep)
        s = np.asarray(serial, dtype=np.int64).astype(np.uint64)
        with np.errstate(over="ignore"):
            return MemberDraws(_mix(keys ^ _mix((s + np.uint64(1)) * _M1)))


class MemberDraws:
    """Draws for M members, each from its own counter-based stream, with the calls of a numpy
    Generator the weapons make: ``random(shape)`` and ``standard_normal(shape)`` with the
    members along the first axis (shape[0] == M). Call after call, each member takes the next
    draws of its own stream, so a member's draws do not depend on which other members share
    the batch. ``take`` keeps some members (with the calls made so far)."""

    def __init__(self, keys: NDArray[np.uint64], used: int = 0) -> None:
        self._keys = np.asarray(keys, dtype=np.uint64).reshape(-1)
        self._used = int(used)

    @property
    def size(self) -> int:
        return int(self._keys.size)

    def take(self, which: ArrayLike) -> MemberDraws:
        return MemberDraws(self._keys[np.asarray(which)], self._used)

    def _next(self, shape: tuple[int, ...], per: int) -> NDArray[np.uint64]:
        if not shape or shape[0] != self._keys.size:
            raise ValueError(f"the first axis must be the {self._keys.size} members, got {shape}")
        n = int(np.prod(shape[1:], dtype=np.int64)) * per
        index = self._used + np.arange(n)
        self._used += n
        return _bits_at(self._keys[:, None], index[None, :])  # (M, n)

    def random(self, shape: tuple[int, ...] | int) -> Array:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        return _to_unit(self._next(shape, 1)).reshape(shape)

    def standard_normal(self, shape: tuple[int, ...] | int) -> Array:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        u = _to_unit(self._next(shape, 2))
        return _box_muller(u[:, 0::2], u[:, 1::2]).reshape(shape)
