"""Threats launched from the ground: the booster's flight from the pad to the payload's release
(``threats.booster``), then the payload's own flight from its release state (a glide vehicle
under its guidance, or a re-entry vehicle flying ballistically; ``threats.flyout``), joined
into one trajectory per threat on a clock from lift-off.

The release instant lies on the integrator's time grid (the booster refuses events off it), so
the payload's first sample is the booster's release sample and the joined record keeps one
uniform step. Boost samples carry the stage firing (or next to fire) and whether a motor
burns (``plume``), for sensors that see launches; their aerodynamic load is the stack's drag
over its weight, D / (m g0) (no lift in a gravity turn). After release, a launched payload is in
``midcourse`` until it first descends below ``MIDCOURSE_ALT_M``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from numpy.typing import NDArray

from kaminari.dynamics.forces import EARTH, Environment, air_state
from kaminari.earth.constants import G0_MPS2
from kaminari.threats.booster import _MACH_GRID, fly_boosters
from kaminari.threats.flyout import ThreatSpec, ThreatTrajectories, fly_threats

__all__ = ["fly_launched"]

Array = NDArray[np.float64]


def _boost_load_g(boost, launches) -> Array:  # type: ignore[no-untyped-def]
    """(N, T) the stack's drag over its weight at each boost sample (NaN elsewhere)."""
    valid = boost.valid
    filled = np.where(valid[..., None], boost.r_ecef, boost.r_ecef[:, :1])
    vel = np.where(valid[..., None], boost.v_ecef, boost.v_ecef[:, :1])
    air = air_state(*filled.transpose(2, 0, 1), *vel.transpose(2, 0, 1))
    load = np.full(valid.shape, np.nan)
    boosters = [launch.booster for launch in launches]
    for booster in {id(b): b for b in boosters}.values():  # a few distinct boosters
        mine = np.array([b is booster for b in boosters])
        cd = np.interp(air.mach[mine], _MACH_GRID, booster.drag_table())
        areas = np.array([s.ref_area_m2 for s in booster.stages])
        area = areas[np.clip(boost.stage[mine], 0, areas.size - 1)]
        load[mine] = air.q_pa[mine] * cd * area / (boost.mass_kg[mine] * G0_MPS2)
    return np.where(valid, load, np.nan)


def fly_launched(
    threats: Sequence[ThreatSpec],
    dt_s: float = 0.1,
    t_max_s: float = 3600.0,
    record_every: int = 1,
    env: Environment = EARTH,
    diagnostics: bool = True,
    threads: bool = False,
) -> ThreatTrajectories:
    """Fly threats of which some have a ``launch``: boosters first (in one batch), then every
    payload and every threat with a start state in one batch of ``fly_threats``; each launched
    threat's record starts at its lift-off (see the module docstring). ``t_max_s`` limits the
    flight after the release (or the start)."""
    idx = np.array([i for i, s in enumerate(threats) if s.launch is not None], dtype=np.intp)
    launches = [threats[i].launch for i in idx]
    boost = fly_boosters(launches, dt_s=dt_s, record_every=record_every, env=env)
    if boost.crashed.any():
        name = threats[int(idx[np.flatnonzero(boost.crashed)[0]])].name
        raise ValueError(f"the booster of threat {name!r} reaches the ground before release")
    starts = boost.release_starts()
    specs = list(threats)
    for k, i in enumerate(idx):
        specs[i] = replace(threats[i], start=starts[k], launch=None)
    flown = fly_threats(specs, dt_s, t_max_s, record_every, env, diagnostics=False,
                        threads=threads)  # fmt: skip
    step = dt_s * record_every
    n = len(threats)
    offset = np.zeros(n)
    offset[idx] = boost.release_t_s
    shift = np.rint(offset / step).astype(np.intp)
    if np.any(np.abs(shift * step - offset) > 1e-6 * step):
        raise ValueError("a release time is not on the recording grid")  # booster guarantees it
    t_len = int(np.max(shift)) + flown.t_s.size
    r = np.full((n, t_len, 3), np.nan)
    v = np.full((n, t_len, 3), np.nan)
    stage = np.full((n, t_len), -1, dtype=np.int8)
    plume = np.zeros((n, t_len), dtype=bool)
    load = np.full((n, t_len), np.nan)
    boost_load = _boost_load_g(boost, launches)
    # boost samples before each release, then the payload's record from its release sample
    cols = np.arange(boost.t_s.size)
    k, j = np.nonzero(cols[None, :] < shift[idx][:, None])
    rows = idx[k]
    r[rows, j], v[rows, j] = boost.r_ecef[k, j], boost.v_ecef[k, j]
    stage[rows, j], plume[rows, j], load[rows, j] = boost.stage[k, j], boost.plume[k, j], (
        boost_load[k, j]
    )
    member = np.repeat(np.arange(n), flown.t_s.size)
    sample = np.tile(np.arange(flown.t_s.size), n)
    r[member, shift[member] + sample] = flown.r_ecef[member, sample]
    v[member, shift[member] + sample] = flown.v_ecef[member, sample]
    traj = replace(
        flown,
        names=tuple(t.name for t in threats),
        t_s=step * np.arange(t_len),
        r_ecef=r,
        v_ecef=v,
        impact_t_s=flown.impact_t_s + offset,
        dive_t_s=flown.dive_t_s + offset,
        impact_law_t_s=flown.impact_law_t_s + offset,
        clock_offset_s=offset,
        boost_stage=stage,
        boost_plume=plume,
        boost_load_g=load,
    )
    if diagnostics:
        traj._derived  # noqa: B018 -- evaluate now
    return traj
