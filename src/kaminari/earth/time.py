"""Time: scenario seconds, Julian dates and the Earth rotation angle.

kaminari's clock is float seconds since the scenario epoch, a UTC instant. UT1 is taken equal to
UTC (|UT1 - UTC| < 0.9 s, i.e. up to about 420 m of Earth rotation at the equator,
0.9 s x 465 m/s; documented in frames).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["JD_J2000", "earth_rotation_angle", "julian_date"]

JD_J2000 = 2_451_545.0
"""Julian date of the J2000.0 epoch, 2000-01-01 12:00 TT (used here on the UT1 scale)."""

_UNIX_EPOCH_JD = 2_440_587.5


def julian_date(epoch: dt.datetime) -> float:
    """Julian date of a timezone-aware datetime (naive ones are taken as UTC)."""
    if epoch.tzinfo is None:
        epoch = epoch.replace(tzinfo=dt.UTC)
    return _UNIX_EPOCH_JD + epoch.timestamp() / 86_400.0


def earth_rotation_angle(jd_ut1: ArrayLike) -> NDArray[np.float64]:
    """Earth rotation angle in radians, [0, 2 pi), at UT1 Julian dates.

    IERS Conventions (2010), eq. 5.15: ERA = 2 pi (0.7790572732640 + 1.00273781191135448 Tu),
    Tu = JD(UT1) - 2451545.0. The day fraction is split off first to keep precision.
    """
    jd = np.asarray(jd_ut1, dtype=float)
    tu = jd - JD_J2000
    frac = np.mod(jd, 1.0) - np.mod(JD_J2000, 1.0)
    turns = 0.7790572732640 + 0.00273781191135448 * tu + frac
    return 2.0 * np.pi * np.mod(turns, 1.0)
