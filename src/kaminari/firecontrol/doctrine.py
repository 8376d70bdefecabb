"""Fire doctrine: when a battery may fire, and how many rounds before it looks again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Doctrine"]


@dataclass(frozen=True)
class Doctrine:
    """How batteries engage.

    - ``kind`` "shoot-look-shoot": fire ``salvo`` rounds (one by default), wait until the last
      round's predicted intercept plus ``assessment_delay_s``, and fire again if the threat is
      still alive and time remains; "salvo": fire ``salvo`` rounds and never look again.
    - engage only when the predicted intercept needs at most ``max_time_of_flight_s`` and the
      track's position uncertainty predicted by the filter to the intercept (square root of the
      trace of its position covariance there) is under ``max_track_sigma_m``: a far intercept
      is only as good as the extrapolation that aims it.
    - kill assessment is by looking: after a salvo, a track is engaged again only once a
      detection has updated it after the salvo's last predicted intercept and
      ``assessment_delay_s`` has passed since that intercept; a killed threat gives no more
      detections, so its track coasts until it is deleted. ``perfect_kill_assessment`` (off by
      default; a shortcut named on the report) lets fire control know kills at once instead.
    """

    kind: Literal["shoot-look-shoot", "salvo"] = "shoot-look-shoot"
    salvo: int = 1
    assessment_delay_s: float = 1.0
    max_time_of_flight_s: float = 30.0
    max_track_sigma_m: float = 100.0
    perfect_kill_assessment: bool = False
