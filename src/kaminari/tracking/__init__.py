"""kaminari.tracking: filters and track management that see detections only, never truth.

``ekf``: the batched extended Kalman filter in ECEF (state r, v, non-gravitational a);
``measurement``: measurement models (h, H, R, inverse) a sensor hands over with its detections;
``assign``: many small minimum-cost assignments at once (association);
``tracker``: the multi-target tracker over track slots of many replications: gating, global
nearest-neighbour association, initiation, M-of-N confirmation, coasting, deletion;
``config``: the tracker's numbers (``TrackerConfig``).
"""

from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.tracker import Tracks, new_tracks, position_sigma_m, process_scan

__all__ = ["TrackerConfig", "Tracks", "new_tracks", "position_sigma_m", "process_scan"]
