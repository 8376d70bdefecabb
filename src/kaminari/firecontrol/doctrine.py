"""Fire doctrine: when a battery may fire, and how many rounds before it looks again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["Doctrine", "EngagementState"]

Array = NDArray[np.float64]


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
      default; a shortcut named on the report) lets fire control know at once which tracks
      follow a dead threat, and fire at none of them (a salvo's later rounds included);
      whether a surviving threat needs another salvo is still decided by looking.
    - ``threat_class``: what fire control is told of the threats' class, the eleven numbers of
      its public aerodynamic fit and its reference area over mass (``GlideVehicle.
      class_numbers``; empty: nothing). The physics predictor then flies a track's lift held
      as an acceleration and its drag along the class's polar (``ekf.extrapolate``); told
      nothing, it holds the track's aerodynamic coefficients.
    - ``aim_at_shot`` (on by default): a battery that decides at t commits to the track and
      aims its round when it leaves, ``reaction_s`` later, from the track as updated by then
      (the first fire-control cycle at or after that instant): a fire-control computer that
      keeps its solution current while the gun is laid, so the prediction spans the time of
      flight only. Off, the round leaves at t + ``reaction_s`` on the aim computed at t, a
      prediction over the reaction time and the flight (figures kaminari measured before
      this option, for unguided rounds, were measured so). A commitment whose track is lost,
      whose threat perfect kill assessment knows dead, or that the weapon can no longer reach
      when it is due fires nothing: its round goes back to the magazine, and the doctrine
      counts it as a round fired (the track is looked at again after its predicted
      intercept).
    """

    kind: Literal["shoot-look-shoot", "salvo"] = "shoot-look-shoot"
    salvo: int = 1
    assessment_delay_s: float = 1.0
    max_time_of_flight_s: float = 30.0
    max_track_sigma_m: float = 100.0
    perfect_kill_assessment: bool = False
    threat_class: tuple[float, ...] = ()
    aim_at_shot: bool = True


class EngagementState:
    """Where each track slot stands in its doctrine, for a batch of slots (plain arrays,
    changed in place): rounds fired in its current salvo, the latest predicted intercept of
    that salvo, the predicted intercept its assessment waits for (-inf: none), and, for
    ``salvo``, whether its salvo is complete."""

    def __init__(self, n: int, doctrine: Doctrine) -> None:
        self.doctrine = doctrine
        self.in_salvo = np.zeros(n, dtype=np.int64)
        self.salvo_end_s = np.full(n, -np.inf)
        self.look_from_s = np.full(n, -np.inf)
        self.done = np.zeros(n, dtype=bool)

    def reset(self, slots: NDArray[np.bool_] | NDArray[np.intp]) -> None:
        """Slots that hold a new track start afresh."""
        self.in_salvo[slots] = 0
        self.salvo_end_s[slots] = -np.inf
        self.look_from_s[slots] = -np.inf
        self.done[slots] = False

    def may_engage(self, last_update_t_s: Array, t_s: float) -> NDArray[np.bool_]:
        """(N,) slots the doctrine lets fire control engage at ``t_s``: a salvo in progress, or
        (shoot-look-shoot) a completed salvo assessed by looking: a detection after its last
        predicted intercept, and ``assessment_delay_s`` passed since that intercept."""
        d = self.doctrine
        waiting = np.isfinite(self.look_from_s)
        assessed = (last_update_t_s > self.look_from_s) & (
            t_s >= self.look_from_s + d.assessment_delay_s
        )
        return ~self.done & (~waiting | assessed)

    def need(self) -> NDArray[np.int64]:
        """(N,) rounds the doctrine still asks for in the current salvo."""
        return np.where(self.done, 0, self.doctrine.salvo - self.in_salvo)

    def rebook(self, slots: NDArray[np.intp], t_intercept_s: Array) -> None:
        """Rounds booked earlier (``aim_at_shot``: at the decision) left with these predicted
        intercepts: their salvo's assessment waits for the latest of them and what it
        waited for."""
        open_ = np.isfinite(self.salvo_end_s[slots])
        np.maximum.at(self.salvo_end_s, slots[open_], t_intercept_s[open_])
        looking = np.isfinite(self.look_from_s[slots])
        np.maximum.at(self.look_from_s, slots[looking], t_intercept_s[looking])

    def book(self, slots: NDArray[np.intp], t_intercept_s: Array) -> None:
        """Rounds fired at ``slots`` (one each; a slot may repeat) with predicted intercepts."""
        np.add.at(self.in_salvo, slots, 1)
        np.maximum.at(self.salvo_end_s, slots, t_intercept_s)
        self.look_from_s[slots] = -np.inf
        full = np.unique(slots[self.in_salvo[slots] >= self.doctrine.salvo])
        if self.doctrine.kind == "salvo":
            self.done[full] = True
        else:
            self.look_from_s[full] = self.salvo_end_s[full]
        self.in_salvo[full] = 0
        self.salvo_end_s[full] = -np.inf
