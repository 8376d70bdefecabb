"""The multi-target tracker with detections that carry no identity: several targets per
replication, false alarms, crossing paths, slot overflow and the gate.

The tests draw the detections themselves and keep, beside each, the label of what caused it
(the target's index, -1 for a false alarm); the tracker is handed the replication and the
measurement only, and its ``Association`` is scored against those labels afterwards.
"""

from dataclasses import dataclass

import numpy as np
import pytest

from kaminari.earth.frames import ecef2aer, enu_rotation, geodetic2ecef
from kaminari.earth.geodesy import initial_bearing_rad
from kaminari.sensors.radar import Radar, false_alarms
from kaminari.streams import Streams
from kaminari.tracking import ekf
from kaminari.tracking.config import TrackerConfig
from kaminari.tracking.measurement import RangeAzimuthElevation
from kaminari.tracking.tracker import (
    CONFIRMED,
    DELETED,
    NO_TRACK,
    TENTATIVE,
    ScanDetections,
    jerk_psd,
    new_tracks,
    process_scan,
)

DEG = np.pi / 180.0
SITE = (31.0 * DEG, 131.0 * DEG, 100.0)
SIGMA = np.array([20.0, 1e-3, 1e-3])  # range m, azimuth and elevation rad
MODEL = RangeAzimuthElevation(*SITE, np.diag(SIGMA**2))
NO_DET = -2
"""Label of 'no detection' in the per-slot records (-1 is a false alarm)."""


# --- truth and detections ---------------------------------------------------------------------


def formation(
    offsets_m, heading_deg=60.0, speed_mps=5000.0, alt_m=45e3, accel_up_mps2=0.0
) -> np.ndarray:
    """(T, 9) filter-model states of targets placed at (east, north, up) offsets (T, 3) from
    a point at 45 km over 33 N 128 E (some 370 km from SITE), flying ``speed_mps`` on
    ``heading_deg`` (one or one per target) with a constant non-gravitational acceleration
    straight up."""
    offsets = np.asarray(offsets_m, dtype=float)
    n = offsets.shape[0]
    lat, lon = 33.0 * DEG, 128.0 * DEG
    rot = enu_rotation(lat, lon)
    origin = geodetic2ecef(lat, lon, alt_m)
    heading = np.broadcast_to(np.asarray(heading_deg, dtype=float) * DEG, (n,))
    speed = np.broadcast_to(np.asarray(speed_mps, dtype=float), (n,))
    v_enu = speed[:, None] * np.stack([np.sin(heading), np.cos(heading), 0.0 * heading], -1)
    a_up = np.broadcast_to(np.asarray(accel_up_mps2, dtype=float), (n,))
    a_enu = np.stack([0.0 * a_up, 0.0 * a_up, a_up], -1)
    return np.concatenate([origin + offsets @ rot, v_enu @ rot, a_enu @ rot], axis=1)


def fly(x0: np.ndarray, n_scans: int) -> np.ndarray:
    """(K, T, 3) positions at 0, 1, ..., K - 1 s, flown with the filter's own mean motion
    (J2 gravity, frame terms, constant non-gravitational acceleration)."""
    out = np.empty((n_scans, x0.shape[0], 3))
    x = x0.copy()
    for k in range(n_scans):
        if k:
            x = ekf.propagate_mean(x, 1.0)
        out[k] = x[:, :3]
    return out


def rae(r_ecef: np.ndarray) -> np.ndarray:
    """(..., 3) noise-free range, azimuth in [0, 2 pi), elevation of ECEF points from SITE."""
    aer = ecef2aer(r_ecef, *SITE)
    return np.stack([aer.range_m, np.mod(aer.az_rad, 2.0 * np.pi), aer.el_rad], axis=-1)


@dataclass
class Scan:
    """One scan's detections in replication order, with their labels (kept from the tracker)."""

    rep: np.ndarray
    z: np.ndarray
    label: np.ndarray

    def detections(self) -> ScanDetections:
        return ScanDetections(self.rep, self.z, MODEL)


def observe(rng, r_true, n_reps, pd, clutter=None) -> Scan:
    """Every replication looks at the targets at ``r_true`` (T, 3): each is detected with
    probability ``pd``, with the radar's Gaussian noise; ``clutter`` (rep, z) false alarms
    are added. Within each replication the detections are shuffled, so that their order says
    nothing about which target they came from."""
    n_t = r_true.shape[0]
    hit = rng.random((n_reps, n_t)) < pd
    rep, label = np.nonzero(hit)
    z = rae(r_true[label]) + SIGMA * rng.standard_normal((rep.size, 3))
    z[:, 1] = np.mod(z[:, 1], 2.0 * np.pi)
    if clutter is not None:
        rep = np.concatenate([rep, clutter[0]])
        z = np.concatenate([z, clutter[1]])
        label = np.concatenate([label, np.full(clutter[0].size, -1)])
    order = np.lexsort((rng.random(rep.size), rep))
    return Scan(rep[order].astype(np.int64), z[order], label[order])


def local_clutter(rng, r_true, n_reps, per_target, half_range_m, half_angle_rad):
    """False alarms near the targets: around each target's true (range, azimuth, elevation),
    a Poisson number (mean ``per_target``) per replication, uniform in the box of +-
    ``half_range_m`` and +- ``half_angle_rad`` in both angles."""
    centre = rae(r_true)  # (T, 3)
    counts = rng.poisson(per_target, size=(n_reps, centre.shape[0]))
    rep = np.repeat(np.arange(n_reps), counts.sum(axis=1))
    which = np.concatenate([np.repeat(np.arange(centre.shape[0]), c) for c in counts])
    half = np.array([half_range_m, half_angle_rad, half_angle_rad])
    z = centre[which] + half * rng.uniform(-1.0, 1.0, (rep.size, 3))
    z[:, 1] = np.mod(z[:, 1], 2.0 * np.pi)
    return rep.astype(np.int64), z


# --- running and scoring ----------------------------------------------------------------------


@dataclass
class Record:
    """Per scan (K, N): the label of the detection each slot took (NO_DET none), the slot's
    track id and status after the scan, its status before, and whether its track was born
    at the scan (``Association.born``); then the tracks after the last scan."""

    label: np.ndarray
    track_id: np.ndarray
    status: np.ndarray
    status_before: np.ndarray
    born: np.ndarray
    tracks: object


def run(scans, n_reps, slots, config) -> Record:
    tracks = new_tracks(n_reps, slots)
    view = np.ones(tracks.n, dtype=bool)
    k_n = (len(scans), tracks.n)
    label = np.full(k_n, NO_DET)
    track_id = np.zeros(k_n, dtype=np.int64)
    status = np.zeros(k_n, dtype=np.int8)
    before = np.zeros(k_n, dtype=np.int8)
    born = np.zeros(k_n, dtype=bool)
    for k, scan in enumerate(scans):
        before[k] = tracks.status
        assoc = process_scan(tracks, float(k), scan.detections(), view, config)
        took = assoc.det_of_slot >= 0
        label[k, took] = scan.label[assoc.det_of_slot[took]]
        track_id[k] = tracks.track_id
        status[k] = tracks.status
        born[k] = assoc.born
    return Record(label, track_id, status, before, born, tracks)


def per_track(rec: Record, slots: int):
    """Every track ever confirmed, as rows of (replication, track id, the target it followed
    most, detections it took while confirmed, those of them from that target, false alarms
    it took, target detections it took). The target it followed most is the commonest target
    label among all the detections it took (-1 where it took false alarms only); "while
    confirmed" counts the confirming scan and those after."""
    n = rec.label.shape[1]
    rep = np.broadcast_to(np.arange(n) // slots, rec.label.shape)
    key = rep * 1_000_000 + rec.track_id  # one key per track (id 0: no track)
    keys = np.unique(key[rec.status == CONFIRMED])
    took = rec.label != NO_DET
    k_took, lab = np.searchsorted(keys, key[took]), rec.label[took]
    ours = (k_took < keys.size) & (keys[np.minimum(k_took, keys.size - 1)] == key[took])
    k_took, lab = k_took[ours], lab[ours]
    n_labels = int(rec.label.max()) + 2  # column 0: false alarms, column j + 1: target j
    table = np.zeros((keys.size, n_labels), dtype=np.int64)
    np.add.at(table, (k_took, lab + 1), 1)
    targets = table[:, 1:]
    follows = np.where(targets.sum(axis=1) > 0, targets.argmax(axis=1), -1)
    conf = (rec.status == CONFIRMED)[took][ours]
    n_conf = np.bincount(k_took[conf], minlength=keys.size)
    right = conf & (lab == follows[k_took]) & (lab >= 0)
    n_right = np.bincount(k_took[right], minlength=keys.size)
    return np.stack(
        [
            keys // 1_000_000,
            keys % 1_000_000,
            follows,
            n_conf,
            n_right,
            table[:, 0],
            targets.sum(axis=1),
        ],
        axis=1,
    )


# --- a: well-separated targets ----------------------------------------------------------------

N_TARGETS = 6
GRID = np.array([[e, n, 0.0] for n in (-15e3, 15e3) for e in (-30e3, 0.0, 30e3)])
"""Six targets 30 km apart in a 2 x 3 grid (east, north), flying together."""


def test_well_separated_targets_each_get_one_track_and_only_their_own_detections():
    """Six targets 30 km apart (ballistic, one of them with 2 m/s^2 of lift), one radar at 1 Hz
    (20 m, 1 mrad, Pd 0.9), no false alarms, 200 replications, 60 scans; the detections of a
    replication come in random order. After confirmation the detection that updates a track
    comes from the target whose detection started it on at least 99.9 % of the updates, a
    target detected while its track is confirmed goes to that track on at least 99.5 % of
    the scans (the 99.9 % gate lets one true detection in a thousand go), and at the end
    every target has exactly one confirmed track and there is no other. Measured: all of
    61,020 updates by the true pairing, 99.91 % of the detections taken; 1,388 tracks started
    for 1,200 targets (a first detection that the next look misses is dropped and the target
    starts over; a true detection outside the gate starts a lone track that the next scan
    drops)."""
    n_reps, slots, n_scans = 200, 12, 60
    rng = np.random.default_rng(101)
    x0 = formation(GRID, accel_up_mps2=[0.0, 0.0, 2.0, 0.0, 0.0, 0.0])
    truth = fly(x0, n_scans)
    gaps = np.linalg.norm(truth[:, :, None] - truth[:, None, :], axis=-1)
    assert np.min(gaps + 1e9 * np.eye(N_TARGETS)) > 20e3
    assert np.all(rae(truth)[..., 2] > 0.0) and np.all(rae(truth)[..., 0] < 900e3)
    scans = [observe(rng, truth[k], n_reps, 0.9) for k in range(n_scans)]
    rec = run(scans, n_reps, slots, TrackerConfig())
    tr = rec.tracks
    assert np.all(tr.overflow == 0)

    # each track's target: the label of the detection that started it
    n = tr.n
    key = (np.arange(n) // slots)[None, :] * 1_000_000 + rec.track_id
    start_label = dict(zip(key[rec.born], rec.label[rec.born], strict=True))
    target = np.vectorize(lambda kk: start_label.get(kk, NO_DET))(key)

    updates = (rec.status_before == CONFIRMED) & (rec.label != NO_DET)
    right = updates & (rec.label == target)
    pairing = right.sum() / updates.sum()

    # scans where a confirmed track's target was detected: did the track get it?
    detected = np.zeros((n_scans, n_reps, N_TARGETS), dtype=bool)
    for k, s in enumerate(scans):
        detected[k, s.rep, s.label] = True
    slot_rep = np.arange(n) // slots
    confirmed = rec.status_before == CONFIRMED
    kk, ss = np.nonzero(confirmed)
    had = detected[kk, slot_rep[ss], target[kk, ss]]
    took = rec.label[kk, ss] == target[kk, ss]
    kept = took[had].mean()
    print(
        f"\nwell separated: {updates.sum()} updates of confirmed tracks, "
        f"{pairing:.5%} by the true pairing; detections of tracked targets taken "
        f"{kept:.4%}; tracks started {tr.next_id.sum()} for {n_reps * N_TARGETS} targets"
    )
    assert pairing >= 0.999
    assert kept >= 0.995

    final = tr.status == CONFIRMED
    final_target = target[-1]
    assert np.all(final_target[final] >= 0)
    counts = np.zeros((n_reps, N_TARGETS), dtype=int)
    np.add.at(counts, (slot_rep[final], final_target[final]), 1)
    assert np.all(counts == 1), f"targets without one track: {np.argwhere(counts != 1)}"


# --- b: false alarms near the targets ---------------------------------------------------------


def test_tracks_stay_pure_among_false_alarms_near_the_targets():
    """The six targets of the first test (Pd 0.9), now with false alarms: the radar's own,
    2 per scan spread over all it can see (``false_alarms``), and, since those are rarely
    anywhere near a target, a Poisson number with mean 0.5 per target and scan uniform in a
    box of +-3 km in range and +-8 mrad in both angles around it (some 6 x 6 x 6 km at
    370 km: about one false alarm per 400 km^3 per scan there). 200 replications, 60 scans,
    32 slots. Of the detections that updated confirmed tracks (at their confirming scan and
    after), at least 95 % come from the target that the track followed most. False confirmed
    tracks (more false alarms than target detections among all they took) are counted and
    printed; they come from pairs of false alarms within the two-point gate (8 km/s) that a
    third one then repeats. Every target ends with a confirmed track that follows it.
    Measured: 5.0 false alarms per replication and scan, 1,456 tracks confirmed, purity
    99.48 % of 61,598 updates, 230 false confirmed tracks (193 that took false alarms only;
    125 of the 200 replications have one or more), 4 detections without a free slot."""
    n_reps, slots, n_scans = 200, 32, 60
    rng = np.random.default_rng(7)
    # the radar's own false alarms: 2 a scan, uniform over the volume it sees (900 km)
    radar = Radar("r", *SITE, 900e3, 1.0, *SIGMA, false_alarms_per_scan=2.0)
    truth = fly(formation(GRID, accel_up_mps2=[0.0, 0.0, 2.0, 0.0, 0.0, 0.0]), n_scans)
    scans = []
    for k in range(n_scans):
        spread = false_alarms(radar, Streams(7, np.arange(n_reps)), f"clutter@{k}")
        near = local_clutter(rng, truth[k], n_reps, 0.5, 3e3, 8e-3)
        clutter = (np.concatenate([spread[0], near[0]]), np.concatenate([spread[1], near[1]]))
        scans.append(observe(rng, truth[k], n_reps, 0.9, clutter))
    n_false_alarms = sum(int(np.sum(s.label == -1)) for s in scans)
    rec = run(scans, n_reps, slots, TrackerConfig())
    rows = per_track(rec, slots)
    purity = rows[:, 4].sum() / rows[:, 3].sum()
    false_tracks = rows[rows[:, 5] > rows[:, 6]]
    per_rep = np.bincount(false_tracks[:, 0], minlength=n_reps)
    alive = rec.status[-1] == CONFIRMED
    print(
        f"\nfalse alarms {n_false_alarms / (n_reps * n_scans):.1f} per replication and scan; "
        f"{len(rows)} tracks confirmed, purity {purity:.4%} of {rows[:, 3].sum()} updates; "
        f"{len(false_tracks)} false confirmed tracks ({np.sum(false_tracks[:, 6] == 0)} of "
        f"false alarms only; per replication: {np.bincount(per_rep).tolist()} replications "
        f"with 0, 1, ... of them); overflow {rec.tracks.overflow.sum()}"
    )
    assert purity >= 0.95
    assert len(false_tracks) < 2 * n_reps  # measured 230: a regression guard, not a spec

    # at the end every target has a confirmed track that follows it
    slot_rep = np.arange(rec.tracks.n) // slots
    follows = {(r, t): f for r, t, f in rows[:, :3]}
    covered = np.zeros((n_reps, N_TARGETS), dtype=bool)
    for s in np.flatnonzero(alive):
        f = follows[(slot_rep[s], rec.tracks.track_id[s])]
        if f >= 0:
            covered[slot_rep[s], f] = True
    assert covered.all(), f"targets without a track: {np.argwhere(~covered)}"


# --- c: crossing paths ------------------------------------------------------------------------


def _one_track_per_target(rec, slots, scans_mask, n_reps):
    """Over the scans in ``scans_mask``: per replication, whether each of the two targets gave
    its detections to exactly one track confirmed before the scan and each such track took
    detections of one target only; and the two tracks' ids (0 where not)."""
    k, s = np.nonzero(scans_mask[:, None] & (rec.status_before == CONFIRMED) & (rec.label >= 0))
    rep = s // slots
    triples = np.unique(np.stack([rep, rec.track_id[k, s], rec.label[k, s]], axis=1), axis=0)
    good = np.ones(n_reps, dtype=bool)
    ids = np.zeros((n_reps, 2), dtype=np.int64)
    # a track with two targets, or a target with two tracks, shows as a repeated pair
    for cols in ((0, 1), (0, 2)):
        _, first, counts = np.unique(
            triples[:, cols], axis=0, return_index=True, return_counts=True
        )
        good[triples[first[counts > 1], 0]] = False
    n_targets_seen = np.bincount(triples[:, 0], minlength=n_reps)
    good &= n_targets_seen == 2
    ok = good[triples[:, 0]]
    ids[triples[ok, 0], triples[ok, 2]] = triples[ok, 1]
    return good, ids


@pytest.mark.parametrize("angle_deg", [30.0, 10.0])
def test_crossing_targets_keep_their_own_tracks(angle_deg):
    """Two targets at the same height and speed (5 km/s) pass through the same point at 30 s,
    their headings 30 or 10 degrees apart about the line of sight away from the radar, so
    that they are apart across it, in azimuth (1 mrad: some 360 m at the crossing's 363 km),
    where the radar is weakest; closest approach under 150 m, inside one another's gates for
    a few scans (the test still gives each its own detection, Pd 0.9). 200 replications.

    Checked: over scans 5-25 and 35-59 (5 s or more either side of the crossing, 4.4 km or
    more apart at 10 degrees, 13 km at 30: over ten cross-range sigmas), every
    confirmed track takes the detections of one target only and every target gives its
    detections to one confirmed track, and the pair of tracks after the crossing is the pair
    before it, each on its own target (no swap, no loss, no new track), in at least 99 % of
    the replications, with no swap in any; at the end at least 99 % of the replications have
    exactly two confirmed tracks. Measured: every replication at both angles (with other
    seeds, one replication in 200 at most loses a track, to five misses in a row and then a
    detection just outside the grown gate, not to the crossing; no swap in 4,000). The
    detections that go to the other target's track near the crossing are printed: at 10
    degrees about a third at the crossing scan (27 m apart in range, 12 m in azimuth) and
    some at the scans 1-2 s either side (0.9-1.8 km apart in azimuth); at 30 degrees only a
    few, at the crossing scan, where their 79 m in range (4 sigmas) still tell them apart."""
    n_reps, slots, n_scans, t_cross = 200, 8, 60, 30
    rng = np.random.default_rng(int(angle_deg))
    away = initial_bearing_rad(33.0 * DEG, 128.0 * DEG, SITE[0], SITE[1]) / DEG + 180.0
    heading = away + np.array([-0.5, 0.5]) * angle_deg
    v = 5000.0 * np.stack([np.sin(heading * DEG), np.cos(heading * DEG), 0.0 * heading], -1)
    truth = fly(formation(-v * t_cross, heading_deg=heading), n_scans)
    sep = np.linalg.norm(truth[:, 0] - truth[:, 1], axis=-1)
    k = np.arange(n_scans)
    pre, post = (k >= 5) & (k <= t_cross - 5), k >= t_cross + 5
    assert sep.min() < 150.0 and np.all(sep[pre | post] > 4e3)
    z = rae(truth)
    assert np.all(z[..., 2] > 0.5 * DEG) and np.all(z[..., 0] < 900e3)
    scans = [observe(rng, truth[i], n_reps, 0.9) for i in range(n_scans)]
    rec = run(scans, n_reps, slots, TrackerConfig())
    good_pre, ids_pre = _one_track_per_target(rec, slots, pre, n_reps)
    good_post, ids_post = _one_track_per_target(rec, slots, post, n_reps)
    kept = good_pre & good_post & np.all(ids_post == ids_pre, axis=1)
    swapped = good_pre & good_post & np.all(ids_post == ids_pre[:, ::-1], axis=1)
    # near the crossing: updates of the pair's tracks by the other target's detections
    slot_rep = np.arange(rec.tracks.n) // slots
    own = np.where(rec.track_id == ids_pre[slot_rep, 0], 0, 1)
    took = (rec.status_before == CONFIRMED) & (rec.label >= 0)
    wrong = (took & (rec.label != own))[t_cross - 4 : t_cross + 5].sum(axis=1)
    two = np.sum(rec.status[-1].reshape(n_reps, slots) == CONFIRMED, axis=1) == 2
    print(
        f"\ncrossing at {angle_deg:.0f} deg: pair kept in {kept.mean():.1%} of the replications, "
        f"swapped in {swapped.sum()}; updates by the other target's detection at scans "
        f"{t_cross - 4}..{t_cross + 4}: {wrong.tolist()} (of about {took[t_cross].sum()} a scan)"
    )
    assert kept.mean() >= 0.99 and not swapped.any()
    assert two.mean() >= 0.99


# --- d: overflow ------------------------------------------------------------------------------


def _scan_of(rep, r_true):
    """Noise-free detections of the positions r_true (D, 3) in replications rep (D,)."""
    return ScanDetections(np.asarray(rep, dtype=np.int64), rae(r_true), MODEL)


def test_detections_without_a_free_slot_start_nothing_and_are_counted():
    """Three replications of three slots, targets 50 km apart. Scan 0: five detections in
    replication 0 fill its three slots and two overflow; two in replication 1 take two
    slots. Scan 1: the five again in replication 0: three become second detections, two
    overflow again; replication 1's lone tracks miss and are dropped; replication 2's first
    detection starts a track. Scan 2: four new detections in replication 1 take its two freed
    slots and its empty one, and one overflows. Overflowed detections update or start
    nothing and take no track id."""
    config = TrackerConfig()
    x0 = formation([[50e3 * i, 0.0, 0.0] for i in range(5)])
    truth = fly(x0, 3)
    tracks = new_tracks(3, 3)
    view = np.ones(tracks.n, dtype=bool)

    a0 = process_scan(
        tracks, 0.0, _scan_of([0] * 5 + [1] * 2, truth[0, [0, 1, 2, 3, 4, 0, 1]]), view, config
    )
    np.testing.assert_array_equal(tracks.overflow, [2, 0, 0])
    np.testing.assert_array_equal(tracks.next_id, [3, 2, 0])
    np.testing.assert_array_equal(tracks.status, [TENTATIVE] * 5 + [NO_TRACK] * 4)
    np.testing.assert_array_equal(tracks.track_id, [1, 2, 3, 1, 2, 0, 0, 0, 0])
    np.testing.assert_array_equal(a0.born, tracks.status == TENTATIVE)
    used = a0.det_of_slot[a0.det_of_slot >= 0]
    assert np.unique(used).size == 5 and np.sum(used < 5) == 3  # two of rep 0's left out
    placed = np.sort(used[used < 5])

    a1 = process_scan(
        tracks, 1.0, _scan_of([0] * 5 + [2], truth[1, [0, 1, 2, 3, 4, 0]]), view, config
    )
    np.testing.assert_array_equal(tracks.overflow, [4, 0, 0])
    np.testing.assert_array_equal(tracks.next_id, [3, 2, 1])
    assert np.all(tracks.has_state[:3]) and not a1.born[:3].any()
    np.testing.assert_array_equal(np.sort(a1.det_of_slot[:3]), placed)  # the same targets
    np.testing.assert_array_equal(
        tracks.status[3:], [DELETED, DELETED, NO_TRACK, TENTATIVE, NO_TRACK, NO_TRACK]
    )

    far = formation([[0.0, 50e3 * (i + 1), 0.0] for i in range(4)])[:, :3]
    a2 = process_scan(tracks, 2.0, _scan_of([1] * 4, far), view, config)
    np.testing.assert_array_equal(tracks.overflow, [4, 1, 0])
    np.testing.assert_array_equal(tracks.next_id, [3, 5, 1])
    np.testing.assert_array_equal(tracks.track_id[3:6], [3, 4, 5])
    np.testing.assert_array_equal(a2.replaced_id[3:6], [1, 2, 0])
    assert np.all(tracks.status[3:6] == TENTATIVE) and a2.born[3:6].all()
    assert np.sum(a2.det_of_slot >= 0) == 3
    # replication 0's tracks missed (in view) but hold two detections each: kept
    assert np.all(tracks.status[:3] == TENTATIVE) and np.all(tracks.misses[:3] == 1)


# --- e: the gate ------------------------------------------------------------------------------


def test_a_detection_outside_the_gate_starts_a_track_instead_of_updating():
    """Three replications with one confirmed track each on the same target. At the next scan
    each gets one detection, placed from the track's own prediction (ekf.predict with its
    jerk PSD, the model's h and S) at normalised innovation squared 0.9 x gate_nis,
    1.1 x gate_nis, and 50 km off. The first updates the track (its NIS is the one placed);
    the other two leave the track coasted to the scan with one miss, and start a new
    tentative track, with the next track id, in the replication's next slot."""
    config = TrackerConfig()
    slots = 4
    truth = fly(formation([[0.0, 0.0, 0.0]]), 7)
    tracks = new_tracks(3, slots)
    view = np.ones(tracks.n, dtype=bool)
    rng = np.random.default_rng(2)
    for k in range(6):
        z = rae(np.repeat(truth[k], 3, axis=0)) + SIGMA * rng.standard_normal((3, 3))
        process_scan(tracks, float(k), ScanDetections(np.arange(3), z, MODEL), view, config)
    first = np.arange(3) * slots
    assert np.all(tracks.status[first] == CONFIRMED)

    xp, pp = ekf.predict(
        tracks.x[first], tracks.P[first], 6.0 - tracks.t_s[first], jerk_psd(tracks, config)[first]
    )
    z_pred, jac = MODEL.predict(xp)
    s, s_inv = ekf.innovation_covariance(pp, jac, MODEL.R)
    u = rng.standard_normal((3, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    d2 = np.array([0.9, 1.1, np.nan]) * config.gate_nis
    nu = np.sqrt(d2[:2, None]) * (np.linalg.cholesky(s[:2]) @ u[:2, :, None])[..., 0]
    z = np.empty((3, 3))
    z[:2] = z_pred[:2] + nu
    z[2] = rae(truth[6] + np.array([50e3, 0.0, 0.0]))[0]
    z[:, 1] = np.mod(z[:, 1], 2.0 * np.pi)
    nis_far = MODEL.residual(z[2], z_pred[2]) @ s_inv[2] @ MODEL.residual(z[2], z_pred[2])
    assert nis_far > 1e3 * config.gate_nis
    id_before = tracks.next_id.copy()

    assoc = process_scan(tracks, 6.0, ScanDetections(np.arange(3), z, MODEL), view, config)
    np.testing.assert_array_equal(assoc.det_of_slot[first], [0, -1, -1])
    np.testing.assert_allclose(tracks.last_nis[first[0]], d2[0], rtol=1e-8)
    np.testing.assert_array_equal(tracks.misses[first], [0, 1, 1])
    np.testing.assert_array_equal(tracks.status[first], [CONFIRMED] * 3)
    np.testing.assert_allclose(tracks.x[first[1:]], xp[1:], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(tracks.t_s[first], [6.0] * 3)
    np.testing.assert_array_equal(assoc.born, np.isin(np.arange(tracks.n), first[1:] + 1))
    np.testing.assert_array_equal(assoc.det_of_slot[first[1:] + 1], [1, 2])
    np.testing.assert_array_equal(tracks.track_id[first[1:] + 1], id_before[1:] + 1)
    np.testing.assert_array_equal(tracks.next_id, id_before + [0, 1, 1])
    assert np.all(tracks.status[first[1:] + 1] == TENTATIVE)
    np.testing.assert_allclose(tracks.first_r[first[1:] + 1], MODEL.to_position(z[1:])[0])
