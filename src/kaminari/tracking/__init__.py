"""kaminari.tracking: filters and track management that see detections only, never truth.

``ekf``: the batched extended Kalman filter in ECEF (state r, v, non-gravitational a);
``tracker``: one track per batch member, initiation, M-of-N confirmation, coasting, deletion;
``config``: the tracker's numbers (``TrackerConfig``).
"""

from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.tracker import Tracks, new_tracks, position_sigma_m, process_scan

__all__ = ["TrackerConfig", "Tracks", "new_tracks", "position_sigma_m", "process_scan"]
