"""What the engagement records while it runs, and the result tables it makes of it.

Truth enters here only to score: each detection's label (the threat behind it, or a false
alarm) is counted against the track it updated, so that every track has a threat it followed
most (its *majority* threat; a false track when that is a false alarm), and each threat has
the times it was first detected and first held by a confirmed track.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from kaminari.earth.frames import ecef2geodetic
from kaminari.engagement.truth import Truth
from kaminari.tracking import ekf
from kaminari.tracking.tracker import CONFIRMED, Association, Tracks

__all__ = ["Records"]

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


class Records:
    """Bookkeeping of a batch of ``n_reps`` replications with ``n_threats`` threats and
    ``slots`` track slots each."""

    def __init__(self, n_reps: int, n_threats: int, slots: int) -> None:
        n = n_reps * slots
        self.n_reps, self.n_threats, self.slots = n_reps, n_threats, slots
        self.counts = np.zeros((n, n_threats + 1), dtype=np.int32)  # last column: false alarm
        self.confirmed_counts = np.zeros((n, n_threats + 1), dtype=np.int32)
        self.ever_confirmed = np.zeros(n, dtype=bool)
        self.detect_t = np.full((n_reps, n_threats), np.nan)
        self.detect_sensor = np.full((n_reps, n_threats), -1, dtype=np.intp)
        self.track_t = np.full((n_reps, n_threats), np.nan)
        self.fc_track_t = np.full((n_reps, n_threats), np.nan)
        self.fc_track_err = np.full((n_reps, n_threats), np.nan)
        self.handover_t = np.full((n_reps, n_threats), np.nan)
        self.handover_err = np.full((n_reps, n_threats), np.nan)
        self.false_tracks = np.zeros(n_reps, dtype=np.int64)
        self.updates = np.zeros(n_reps, dtype=np.int64)
        self.updates_own = np.zeros(n_reps, dtype=np.int64)
        self.track_rows: list[dict[str, NDArray]] = []
        self.log_reps = 0
        """Replications whose detections are logged (``looks``): the recorded ones."""
        self.looks: list[tuple[float, int, IntArray, IntArray]] = []
        """(time, sensor index, replications, threats) of each scan's detections of threats in
        the first ``log_reps`` replications: what the PCRLB of their tracks is computed from."""

    def majority(self, slots: NDArray[np.intp]) -> IntArray:
        """The threat each slot's track followed most (-1: a false alarm, or no update)."""
        c = self.counts[slots]
        best = np.argmax(c, axis=1)
        none = c.sum(axis=1) == 0
        return np.where((best == self.n_threats) | none, -1, best)

    def _fold(self, slots: NDArray[np.intp]) -> None:
        """Close the books of the tracks in ``slots`` (they end or make room)."""
        if slots.size == 0:
            return
        rep = slots // self.slots
        maj = self.majority(slots)
        conf = self.ever_confirmed[slots]
        np.add.at(self.false_tracks, rep[conf & (maj < 0)], 1)
        cc = self.confirmed_counts[slots]
        col = np.where(maj < 0, self.n_threats, maj)
        np.add.at(self.updates, rep, cc.sum(axis=1))
        np.add.at(self.updates_own, rep, cc[np.arange(slots.size), col])
        self.counts[slots] = 0
        self.confirmed_counts[slots] = 0
        self.ever_confirmed[slots] = False

    def scan(
        self,
        t_s: float,
        tracks: Tracks,
        assoc: Association,
        label: IntArray,
        fc_sigma_m: float = np.inf,
        truth: Truth | None = None,
    ) -> IntArray:
        """Book one scan; returns the label (threat, -1 false alarm, -2 none) of the detection
        that updated each slot. A confirmed track updated by a threat's detection whose
        position sigma (the root of the trace of its position covariance) is within
        ``fc_sigma_m`` gives that threat's first fire-control-quality track time, and (with
        ``truth``) the track's true position error then, at the time of its state."""
        reborn = np.flatnonzero(assoc.born & (assoc.replaced_id > 0))
        self._fold(reborn)
        slot_label = np.full(tracks.n, -2, dtype=np.int64)
        upd = np.flatnonzero(assoc.det_of_slot >= 0)
        lab = label[assoc.det_of_slot[upd]]
        slot_label[upd] = lab
        col = np.where(lab < 0, self.n_threats, lab)
        np.add.at(self.counts, (upd, col), 1)
        confirmed = tracks.status[upd] == CONFIRMED
        np.add.at(self.confirmed_counts, (upd[confirmed], col[confirmed]), 1)
        self.ever_confirmed[upd[confirmed]] = True
        rep = upd // self.slots
        held = (lab >= 0) & confirmed
        first = np.isnan(self.track_t[rep[held], lab[held]])
        self.track_t[rep[held][first], lab[held][first]] = t_s
        if held.any():
            pos = tracks.P[upd[held], :3, :3]
            sigma = np.sqrt(np.trace(pos, axis1=-2, axis2=-1))
            good = sigma <= fc_sigma_m
            r, lb = rep[held][good], lab[held][good]
            first = np.isnan(self.fc_track_t[r, lb])
            self.fc_track_t[r[first], lb[first]] = t_s
            if truth is not None and first.any():
                slot = upd[held][good][first]
                true_r = truth.position_of(r[first], lb[first], tracks.t_s[slot])
                err = np.linalg.norm(tracks.x[slot, :3] - true_r, axis=-1)
                self.fc_track_err[r[first], lb[first]] = err
        return slot_label

    def handover(
        self, t_s: float, tracks: Tracks, rep: IntArray, label: IntArray, truth: Truth
    ) -> None:
        """A scan of the handover radar at ``t_s``, before the tracker takes it: each threat's
        first detection by it (``rep``, ``label`` of the scan's detections) gives
        ``handover_t``, and the track that followed that threat most (its majority threat; the
        one with the smallest position sigma where several did), flown to ``t_s`` by its own
        model, gives ``handover_err``: how far from the threat it would have cued the radar
        (NaN: no track followed it yet)."""
        real = label >= 0
        rep, lab = rep[real], label[real]
        new = np.isnan(self.handover_t[rep, lab])
        rep, lab = rep[new], lab[new]
        if rep.size == 0:
            return
        self.handover_t[rep, lab] = t_s
        slots = np.flatnonzero(tracks.has_state)
        maj = self.majority(slots)
        slots, maj = slots[maj >= 0], maj[maj >= 0]
        if slots.size == 0:
            return
        p = tracks.P[slots]
        sigma = np.sqrt(p[:, 0, 0] + p[:, 1, 1] + p[:, 2, 2])
        key = (slots // self.slots) * self.n_threats + maj
        order = np.lexsort((sigma, key))
        key, slots = key[order], slots[order]
        first = np.r_[True, key[1:] != key[:-1]]
        key, slots = key[first], slots[first]
        want = rep * self.n_threats + lab
        pos = np.minimum(np.searchsorted(key, want), key.size - 1)
        has = key[pos] == want
        if not has.any():
            return
        slot = slots[pos[has]]
        cue = ekf.propagate_mean(tracks.x[slot], t_s - tracks.t_s[slot])[:, :3]
        true_r = truth.position_of(rep[has], lab[has], np.full(slot.size, t_s))
        self.handover_err[rep[has], lab[has]] = np.linalg.norm(cue - true_r, axis=-1)

    def detections(self, t_s: float, rep: IntArray, label: IntArray, sensor: int = 0) -> None:
        """First detections of threats by any sensor (whether or not a track used them), and
        the index of the sensor that made each."""
        real = label >= 0
        r, lab = rep[real], label[real]
        if self.log_reps:
            logged = r < self.log_reps
            if logged.any():
                self.looks.append((t_s, sensor, r[logged], lab[logged]))
        first = np.isnan(self.detect_t[r, lab])
        self.detect_t[r[first], lab[first]] = t_s
        self.detect_sensor[r[first], lab[first]] = sensor

    def record_tracks(
        self,
        t_s: float,
        tracks: Tracks,
        slot_label: IntArray,
        truth: Truth,
        recorded_reps: int,
        rep0: int,
        sensor: str = "",
    ) -> None:
        """Track rows of the first ``recorded_reps`` replications at this scan (``t_s``), each
        at the time of its track's state (the scan's for tracks it saw; a late frame's tracks
        may hold a state newer or older than it), with the true state then; ``sensor`` names
        the scan's sensor, given on the rows of the tracks it updated."""
        n = recorded_reps * self.slots
        if n == 0:
            return
        live = np.flatnonzero(tracks.has_state[:n])
        if live.size == 0:
            return
        lab = slot_label[live]
        has = np.flatnonzero(lab >= 0)
        tr = np.full((live.size, 3), np.nan)
        tv = np.full((live.size, 3), np.nan)
        at = tracks.t_s[live]  # each row at its state's time (a late frame's may differ)
        if has.size:
            rep, thr = live[has] // self.slots, lab[has]
            t_has = at[has]
            r, v = truth.state_of(rep, thr, t_has)
            rows = np.zeros(has.size, dtype=np.intp) if truth.shared else rep
            flying = (t_has >= truth.start_t_s[thr]) & (t_has <= truth.end_t_s[rows, thr])
            tr[has[flying]], tv[has[flying]] = r[flying], v[flying]
        x = tracks.x[live]
        var = np.diagonal(tracks.P[live], axis1=-2, axis2=-1)
        row: dict[str, NDArray] = {
            "rep": live // self.slots + rep0,
            "track_id": tracks.track_id[live],
            "threat_index": lab,
            "sensor": np.where(slot_label[live] > -2, sensor, "").astype(object),
            "t_s": at,
            "status": tracks.status[live],
        }
        for i, name in enumerate(("x_m", "y_m", "z_m", "vx_mps", "vy_mps", "vz_mps")):
            row[name] = x[:, i]
        for i, axis in enumerate("xyz"):
            row[f"var_{axis}_m2"] = var[:, i]
            row[f"true_{axis}_m"] = tr[:, i]
            row[f"true_v{axis}_mps"] = tv[:, i]
        self.track_rows.append(row)

    def finish(self, tracks: Tracks) -> None:
        self._fold(np.flatnonzero(tracks.track_id > 0))


def concat(parts: list[dict[str, NDArray]], keys: tuple[str, ...]) -> dict[str, NDArray]:
    if not parts:
        return {k: np.empty(0) for k in keys}
    return {k: np.concatenate([p[k] for p in parts]) for k in keys}


def kill_places(truth: Truth, kill_t: Array) -> Array:
    """(3, R, T) latitude, longitude (deg) and altitude (m) of each kill, NaN where none."""
    out = np.full((3, *kill_t.shape), np.nan)
    rep, thr = np.nonzero(np.isfinite(kill_t))
    if rep.size:
        geo = ecef2geodetic(truth.position_of(rep, thr, kill_t[rep, thr]))
        out[:, rep, thr] = np.degrees(geo.lat_rad), np.degrees(geo.lon_rad), geo.alt_m
    return out
