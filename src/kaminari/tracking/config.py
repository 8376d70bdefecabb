"""Configuration of the tracker (the numbers a scenario may set)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["COEFFICIENT_FORM_MOTIONS", "IMM_MOTIONS", "TRACKER_MOTIONS", "TrackerConfig"]

TRACKER_MOTIONS = ("acceleration", "aero", "drag", "imm", "aero-unscented", "aero-imm")
"""How a track's acceleration is flown between updates (``TrackerConfig``)."""
IMM_MOTIONS = ("imm", "aero-imm")
"""The motions run as an IMM of two models (``tracking.imm``)."""
COEFFICIENT_FORM_MOTIONS = ("aero-unscented", "aero-imm")
"""The motions whose states hold the acceleration in coefficient form
(``ekf.predict_unscented``; ``tracker.plain_state`` converts)."""

MAX_CONFIRM_WINDOW = 32
"""The hit history is one bit per scan in a uint32."""


@dataclass(frozen=True)
class TrackerConfig:
    """Nearly-constant-acceleration EKF and track management.

    ``jerk_psd_m2ps5``: power spectral density q of the white jerk (m^2/s^5) that drives the
    acceleration states. The default, 0.045, is tuned to a free CAV-H glide (50 km, 5 km/s,
    alpha 10 deg, 200 s) seen by 1 Hz radars (20 m, 1 mrad) 300-700 km away: it makes the
    filter's 9-state NEES, averaged over 100 runs and over the glide, equal to its dimension
    (9.2 with one radar, 9.6 with the other, 8.3 with both; 0.03 gives 10.5-12.5 and 0.1 gives
    6.1-6.8; tests/test_tracking.py). Its scale agrees with the rule of Bar-Shalom, Li &
    Kirubarajan (2001, sec. 6.2.3) that sqrt(q T) be of the order of the largest change of
    acceleration over a revisit T: the phugoid's changing lift gives jerks up to 0.14 m/s^3,
    and sqrt(0.045 * 1 s) = 0.21 m/s^2 per second. The NEES still swings with the phugoid
    (about 6 to 15): no single q follows a deterministic manoeuvre. Weaving, skipping or diving
    threats have larger jerks and want a larger q (or an IMM).

    Manoeuvres: the jerk PSD of a track is ``jerk_psd_m2ps5`` times its own scale, which grows
    by ``maneuver_q_gain`` at each update whose normalised innovation squared exceeds
    ``maneuver_nis`` (the chi-square 99.9 % point for 3 degrees of freedom: a detection that
    the filter's model could not have expected) and falls back by ``q_scale_decay`` per quiet
    update, between 1 and ``max_q_scale``: the continuous noise-level adjustment of
    Bar-Shalom, Li & Kirubarajan (2001, sec. 11.2). It lets one filter tuned to the glide
    follow a terminal dive, whose jerk is a thousand times larger.

    ``motion``: "acceleration" (the nearly-constant-acceleration EKF above), "aero" or "drag"
    (aerodynamic coefficients held, ``ekf.MOTIONS``, linearised transition), "imm" (an IMM of
    the first two, ``tracking.imm``) or "aero-unscented" (``ekf.predict_unscented``: the aero
    motion predicted by the unscented transform, the acceleration held in coefficient form
    (at the track's own estimate, so that the linear update never treats the curved tie of
    the acceleration to the air's density as straight; ``tracker.plain_state`` gives the
    plain (r, v, a) it stands for), its coefficients following the Mach number with
    elasticities ``mach_elasticity_drag`` and ``mach_elasticity_lift`` (d ln C / d ln M; 0,
    the default, is the Mach independence principle of hypersonic flow) or, given
    ``class_aero`` (a threat class: the ten numbers of its aerodynamic fit and its reference
    area over mass, ``ekf.class_mach_change``; the scenario's
    ``tracker.aero_class`` names the class), changing as that fit's Mach terms do at a held
    angle of attack (``ekf.class_mach_change``), driven by a white jerk of each aerodynamic
    component relative to itself of PSD ``coefficient_psd_per_s`` (told a class,
    ``class_coefficient_psd_per_s``) times the track's noise scale. The default 3e-9 /s is
    the size of what a constant elasticity leaves out on the free CAV-H glide of
    tests/test_tracking.py: the truth's coefficients leave the law by up to 7e-4 of
    themselves over 200 s, and (7e-4)^2 / 200 s is 2.5e-9; it is also the best of 1e-9 to
    5e-9 over 16 experiments of that glide (benchmarks/nees_glide.py), told its class's
    elasticities (drag -0.155, lift -0.282: the slopes of the public CAV-H fit at Mach 15
    and alpha 10 deg, ``threats.vehicles``) with a jerk PSD of 0.0015 for the held phase:
    its NEES is then in the 95 % band of 100 runs on 82 % of the scans on average (46-96 %;
    89 % from 50 s after confirmation), against 13 % for the default motion. Told the class,
    the fit leaves out less, and 1e-9 /s (``class_coefficient_psd_per_s``) is the best of 0
    to 3e-9 over the same 16: 82 % on average (51-96 %; 89 % from 50 s; seed 11 radar A, the
    tests' experiment, 85 %), and without any noise its NEES stays in the band to the end of
    the glide (at most 9.5) where the elasticities' climbs to 20; on a slower glide (Mach
    12) it stays near 9 where the Mach-15 elasticities let it climb to 450. Knowing the
    elasticities or the fit is knowing the threat's class, not its state. The law and that
    noise hold only for a threat that keeps its angle of attack and bank: on an equilibrium
    glide, whose coefficients rise by 1e-3 of themselves a second as it raises its angle
    of attack, the filter trusts coefficients that have left it and its NEES climbs into
    the thousands in 200 s, its position error to 500 m (tests/test_aero_imm.py); in a
    homing dive, where the threat steers by its angle of attack, a filter told the class's
    Mach law kept its track 25 m off where held coefficients keep it within a metre. Told a
    class, the IMM below therefore flies another law: its models hold the lift as an
    acceleration (what a guided threat's autopilot holds) and fly the drag along the class's
    polar (``ekf.extrapolate``'s ``class_form``).

    "aero-imm" is the IMM (``tracking.imm``, mean sojourn ``imm.AERO_IMM_SOJOURN_S``) of
    three aero-unscented filters: quiet (``coefficient_psd_per_s``), manoeuvring
    (``coefficient_psd_manoeuvre_per_s``: a threat that changes its angle of attack) and
    weaving (that, and a random walk of the bank of PSD ``bank_psd_manoeuvre_rad2ps``: a
    threat that turns its lift). 2e-5 /s is kaminari's choice: a trend of 1e-3 of the
    coefficients a second (an equilibrium glide's) held over 20 s, (1e-3)^2 x 20 s; on that
    glide the single filter with 1e-5 has NEES 10.4, with 2e-5 8.2, with 3e-5 7.5. 0.03
    rad^2/s is kaminari's choice too: the bank rate of a +-30 deg weave of 60 s period (0.055
    rad/s) held over 10 s. Measured over 4 experiments of 50 runs each
    (``benchmarks/aero_imm.py``): on the equilibrium glide NEES 8.1 (at most 11.0) and
    position RMSE 128 m, against the single filter's 1,500 and 218 m and the held
    acceleration's 5.1 and 152 m; on a +-10 deg weave NEES 7.3 and 201 m where the single
    filter loses the track and the held acceleration has 11.7 and 281 m; on a +-30 deg weave
    NEES 14 (overconfident, at most 34) and 259 m against the held acceleration's 30 and 343
    m; on the glide at held alpha 173 m against the single filter's 162 m, its NEES 5.7
    (conservative: the measurements cannot tell the models apart for 100 s, so its
    covariance carries the manoeuvring models' share) and never above the band. It costs
    2.4 times the single filter's tracking (its three models predicted in one call).
    On the default example it fired less often (0.86 shots a replication against 1.24 with
    aero-unscented): Pk 0.340 against 0.410, and 0.375 with the default motion (200
    replications, aimed when the battery decides).
    Told a class (``class_aero``), its three models hold the lift as an acceleration and fly
    the drag along the class's polar: in the proportional-navigation dive onto a battery seen
    with near-perfect sensing (tests/test_effectors.py), fire control told the class too and
    aiming when it decides (``Doctrine.aim_at_shot`` false), the first unguided round's miss
    median over 40 replications is 0.78-0.80 m at seeds 1-6 against 0.82-1.04 m untold, its
    worst 1.49-2.49 m against 1.59-2.79 m; aimed as it leaves (the default), 0.19-0.20 m at
    seeds 1-3. How it tracks the glides and weaves above, told a class, is not measured.

    A track is confirmed after ``confirm_hits`` detections within its last ``confirm_window``
    scans in view, and deleted after ``delete_misses`` consecutive scans in view without a
    detection or when its position sigma exceeds ``delete_sigma_m``. A new filter starts
    with an acceleration sigma of ``initial_accel_sigma_mps2`` per axis (50 m/s^2, about 5 g,
    covers the CAV-H's lift up to its 4 g peak).

    Association: a detection may update a confirmed track when its normalised innovation squared is
    within ``gate_nis``, the chi-square point of probability 1 - 1e-6 for the 3 measured components
    (30.66): wide, so that the first surprising detections of a manoeuvre (whose NIS passes
    ``maneuver_nis``) still update the track and raise its noise instead of starting a new track; a
    tentative track's gate is ``tentative_gate_nis``, the 99.9 % point (16.27), so that clutter near
    a threat confirms fewer false tracks (with five false alarms per scan within 3 km of six targets
    the wide gate for tentative tracks too confirmed twice as many false tracks,
    tests/test_association.py); a detection may follow a single earlier detection (a track without a
    filter state yet) when the distance between their converted positions could be covered at
    ``max_speed_mps`` (8 km/s, above any glide vehicle's speed) plus three sigmas of both. Each
    replication holds at most ``max_tracks`` tracks at a time; a detection that finds no free slot
    starts no track (``Tracks.overflow`` counts them). A track that no detection has updated for
    ``max_coast_s`` is deleted wherever it is (tracks out of every sensor's view are not predicted,
    so their sigma does not grow by itself): 20 s, in which a glide vehicle flies 100 km and an
    acceleration sigma of 50 m/s^2 alone puts the track's position sigma near 10 km, twice
    ``delete_sigma_m``.
    """

    jerk_psd_m2ps5: float = 0.045
    confirm_hits: int = 3
    confirm_window: int = 5
    delete_misses: int = 6
    delete_sigma_m: float = 5_000.0
    initial_accel_sigma_mps2: float = 50.0
    maneuver_nis: float = 16.27
    maneuver_q_gain: float = 10.0
    q_scale_decay: float = 0.8
    max_q_scale: float = 1e5
    gate_nis: float = 30.66
    tentative_gate_nis: float = 16.27
    max_speed_mps: float = 8_000.0
    max_tracks: int = 16
    max_coast_s: float = 20.0
    motion: str = "acceleration"
    mach_elasticity_drag: float = 0.0
    mach_elasticity_lift: float = 0.0
    class_aero: tuple[float, ...] = ()
    coefficient_psd_per_s: float = 3e-9
    class_coefficient_psd_per_s: float = 1e-9
    coefficient_psd_manoeuvre_per_s: float = 2e-5
    bank_psd_manoeuvre_rad2ps: float = 0.03

    @property
    def prediction_motion(self) -> str:
        """The motion a single prediction of a track's combined state flies
        (``ekf.MOTIONS``): the IMM's combined state is flown with held coefficients."""
        return "aero" if self.motion in ("imm", *COEFFICIENT_FORM_MOTIONS) else self.motion

    def __post_init__(self) -> None:
        if not self.jerk_psd_m2ps5 >= 0.0:
            raise ValueError(f"jerk_psd_m2ps5 must be >= 0 m^2/s^5, got {self.jerk_psd_m2ps5}")
        if not 1 <= self.confirm_hits <= self.confirm_window <= MAX_CONFIRM_WINDOW:
            raise ValueError(
                "need 1 <= confirm_hits <= confirm_window <= "
                f"{MAX_CONFIRM_WINDOW}, got confirm_hits={self.confirm_hits}, "
                f"confirm_window={self.confirm_window}"
            )
        if self.delete_misses < 1:
            raise ValueError(f"delete_misses must be >= 1, got {self.delete_misses}")
        if not self.delete_sigma_m > 0.0:
            raise ValueError(f"delete_sigma_m must be > 0 m, got {self.delete_sigma_m}")
        if not (self.maneuver_nis > 0.0 and self.maneuver_q_gain >= 1.0
                and 0.0 < self.q_scale_decay <= 1.0 and self.max_q_scale >= 1.0):
            raise ValueError(
                "need maneuver_nis > 0, maneuver_q_gain >= 1, 0 < q_scale_decay <= 1 and "
                f"max_q_scale >= 1, got {self.maneuver_nis}, {self.maneuver_q_gain}, "
                f"{self.q_scale_decay}, {self.max_q_scale}"
            )
        if not self.max_coast_s > 0.0:
            raise ValueError(f"max_coast_s must be > 0 s, got {self.max_coast_s}")
        if not (self.gate_nis > 0.0 and self.tentative_gate_nis > 0.0 and self.max_speed_mps > 0.0
                and self.max_tracks >= 1):
            raise ValueError(
                "need gate_nis > 0, max_speed_mps > 0 and max_tracks >= 1, got "
                f"{self.gate_nis}, {self.max_speed_mps}, {self.max_tracks}"
            )
        if self.motion not in TRACKER_MOTIONS:
            raise ValueError(f"motion must be one of {TRACKER_MOTIONS}, got {self.motion!r}")
        if self.class_aero and self.motion not in COEFFICIENT_FORM_MOTIONS:
            raise ValueError(
                "class_aero applies to motions aero-unscented and aero-imm only, got motion "
                f"{self.motion!r}"
            )
        if not self.class_coefficient_psd_per_s >= 0.0:
            raise ValueError(
                f"class_coefficient_psd_per_s must be >= 0, got {self.class_coefficient_psd_per_s}"
            )
        if not (self.coefficient_psd_per_s >= 0.0 and abs(self.mach_elasticity_drag) <= 5.0
                and abs(self.mach_elasticity_lift) <= 5.0):
            raise ValueError(
                "need coefficient_psd_per_s >= 0 and |mach_elasticity_drag|, "
                f"|mach_elasticity_lift| <= 5, got {self.coefficient_psd_per_s}, "
                f"{self.mach_elasticity_drag}, {self.mach_elasticity_lift}"
            )
        if self.class_aero and not (
            len(self.class_aero) == 11 and np.all(np.isfinite(self.class_aero))
            and self.class_aero[10] > 0.0
        ):
            raise ValueError(
                "class_aero must be empty or eleven finite numbers: (a0, a1, a2, a3, clip, b0, "
                "b1, b2, b3, b4) of ekf.class_mach_change's form and the reference area over "
                f"mass (> 0 m^2/kg), got {self.class_aero}"
            )
        if not self.bank_psd_manoeuvre_rad2ps >= 0.0:
            raise ValueError(
                f"bank_psd_manoeuvre_rad2ps must be >= 0, got {self.bank_psd_manoeuvre_rad2ps}"
            )
        if not self.coefficient_psd_manoeuvre_per_s >= self.coefficient_psd_per_s:
            raise ValueError(
                "need coefficient_psd_manoeuvre_per_s >= coefficient_psd_per_s, got "
                f"{self.coefficient_psd_manoeuvre_per_s} and {self.coefficient_psd_per_s}"
            )
        if not self.initial_accel_sigma_mps2 > 0.0:
            raise ValueError(
                f"initial_accel_sigma_mps2 must be > 0 m/s^2, got {self.initial_accel_sigma_mps2}"
            )
