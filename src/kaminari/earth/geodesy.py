"""Distances and directions over the Earth's surface, batched.

Great-circle formulas on a sphere of the IUGG mean radius: ground ranges agree with the WGS84
geodesic to about 0.5 %, which is what ground-track summaries and guidance need. Angles are
radians, lengths metres.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kaminari.earth.constants import MEAN_RADIUS_M

__all__ = ["ground_range_m", "initial_bearing_rad"]


def ground_range_m(
    lat1_rad: ArrayLike, lon1_rad: ArrayLike, lat2_rad: ArrayLike, lon2_rad: ArrayLike
) -> NDArray[np.float64]:
    """Great-circle distance in m (haversine form, stable for short and long arcs)."""
    lat1, lat2 = np.asarray(lat1_rad, float), np.asarray(lat2_rad, float)
    dlat = lat2 - lat1
    dlon = np.asarray(lon2_rad, float) - np.asarray(lon1_rad, float)
    h = np.sin(0.5 * dlat) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin(0.5 * dlon) ** 2
    return 2.0 * MEAN_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def initial_bearing_rad(
    lat1_rad: ArrayLike, lon1_rad: ArrayLike, lat2_rad: ArrayLike, lon2_rad: ArrayLike
) -> NDArray[np.float64]:
    """Initial great-circle bearing from point 1 to point 2, clockwise from north, in [0, 2 pi)."""
    lat1, lat2 = np.asarray(lat1_rad, float), np.asarray(lat2_rad, float)
    dlon = np.asarray(lon2_rad, float) - np.asarray(lon1_rad, float)
    y = np.sin(dlon) * np.cos(lat2)
    x = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(dlon)
    return np.mod(np.arctan2(y, x), 2.0 * np.pi)
