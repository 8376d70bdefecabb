"""Guided hypervelocity projectiles: the guidance laws and lag against Zarchan's closed forms,
and the 3-D closed-loop flight against the same round unguided."""

from dataclasses import replace

import numpy as np
import pytest

from kaminari.earth.constants import G0_MPS2
from kaminari.earth.frames import geodetic2ecef
from kaminari.weapons.guided import (
    Guidance,
    fly_guided,
    lag_step,
    lateral_limit,
    pn_acceleration,
    zem_acceleration,
)
from kaminari.weapons.lethality import closest_approach
from kaminari.weapons.projectile import Projectile

DEG = np.pi / 180.0
NO_LAG = Guidance(time_constant_s=0.0)


def linear_planar(
    guidance: Guidance,
    t_f_s: float,
    target_accel_mps2: float = 0.0,
    heading_error_rad: float = 0.0,
    closing_mps: float = 3000.0,
    round_speed_mps: float = 2000.0,
    dt_s: float = 1e-3,
    augmented: bool = False,
) -> tuple[float, np.ndarray]:
    """Zarchan's linearised planar engagement ("Tactical and Strategic Missile Guidance", 6th
    ed., ch. 2): relative lateral displacement y (target minus round), y'' = n_T - n_L, range
    Vc t_go along x, the round flying along x. The law, the perpendicular cap and the lag are
    the module's own, called as ``fly_guided`` calls them (command from the state at a step's
    start, the lag's output held over the step); ``augmented`` hands the laws the target's
    acceleration (augmented PN / ZEM). Returns y at t_f (the miss) and the lateral command at
    every step."""
    n_steps = round(t_f_s / dt_s)
    y, y_dot = 0.0, -round_speed_mps * heading_error_rad
    a_lag = np.zeros(3)
    v_round = np.array([round_speed_mps, 0.0, 0.0])
    commands = np.empty(n_steps)
    a_known = np.array([0.0, target_accel_mps2 if augmented else 0.0, 0.0])
    for i in range(n_steps):
        t_go = t_f_s - i * dt_s
        r_rel = np.array([closing_mps * t_go, y, 0.0])
        v_rel = np.array([-closing_mps, y_dot, 0.0])
        if guidance.law == "pn":
            a = pn_acceleration(r_rel, v_rel, guidance.navigation_gain, a_known)
        else:
            a = zem_acceleration(r_rel, v_rel, guidance.navigation_gain, a_known)
        a = lateral_limit(a, v_round, guidance.max_accel_mps2)
        a_lag = lag_step(a_lag, a, dt_s, guidance.time_constant_s)
        commands[i] = a[1]
        rel_acc = target_accel_mps2 - a_lag[1]
        y += y_dot * dt_s + 0.5 * rel_acc * dt_s * dt_s
        y_dot += rel_acc * dt_s
    return y, commands


def single_lag_step_miss(n_prime: int, t_f_s: float, lag_s: float, n_t_mps2: float) -> float:
    """Miss from a step target acceleration n_T under PN with a single-time-constant guidance
    lag H(s) = 1 / (1 + sT), in closed form.

    Derivation (the adjoint method of Zarchan, ch. 3): the adjoint of the linear homing loop,
    Laplace-transformed in time to go, turns the loop's time-varying 1/t_go gain into an integral
    over s, miss(s) = (n_T / s^3) exp(-N' int_s^inf H(u) / u du). With H = 1 / (1 + uT) the
    integral is ln((1 + sT) / (sT)), so miss(s) = (n_T / s^3) (sT / (1 + sT))^N'. Inverting:
    N' = 3: miss = n_T t_F^2 e^(-t_F/T) / 2;
    N' = 4: miss = n_T t_F^2 e^(-t_F/T) (1/2 - t_F / (6T)).
    Limits: t_F -> 0 gives n_T t_F^2 / 2 (no time to steer); T -> 0 gives 0 (Zarchan's zero-lag
    result). The test's simulation is the numerical cross-check (agreement within 1.1 %).
    """
    x = t_f_s / lag_s
    if n_prime == 3:
        shape = 0.5 * x * x
    elif n_prime == 4:
        shape = x * x / 2.0 - x**3 / 6.0
    else:
        raise ValueError(f"closed form written for N' = 3 or 4; got {n_prime}")
    return n_t_mps2 * lag_s * lag_s * shape * np.exp(-x)


@pytest.mark.parametrize("n_prime", [3, 4])
@pytest.mark.parametrize("flight_over_lag", [0.5, 1.0, 2.0, 4.0, 6.0])
def test_zarchan_single_lag_pn_step_manoeuvre_miss(n_prime, flight_over_lag):
    """PN with a 0.5 s single-lag guidance system against a 3 g step target manoeuvre: the
    miss of the linear planar simulation matches the closed form of ``single_lag_step_miss``
    (Zarchan, "Tactical and Strategic Missile Guidance", adjoint method, ch. 3) within 10 % at
    flight times of 0.5 to 6 lags (N' = 4's zero crossing at t_F = 3T left out). Measured:
    within 1.1 % everywhere (e.g. N' = 3, t_F = T: 0.1846 against 0.1839 n_T T^2)."""
    lag, n_t = 0.5, 3.0 * G0_MPS2
    guidance = Guidance(navigation_gain=n_prime, time_constant_s=lag, max_accel_g=1e6)
    t_f = flight_over_lag * lag
    miss, _ = linear_planar(guidance, t_f, target_accel_mps2=n_t)
    expected = single_lag_step_miss(n_prime, t_f, lag, n_t)
    assert miss == pytest.approx(expected, rel=0.10)


@pytest.mark.parametrize("n_prime", [3, 4, 5])
def test_zarchan_zero_lag_pn_step_manoeuvre_acceleration(n_prime):
    """Zero-lag PN against a 3 g step target manoeuvre over 5 s (Zarchan, ch. 2, closed form):
    n_c / n_T = N' / (N' - 2) (1 - (1 - t / t_F)^(N' - 2)), reaching N' / (N' - 2) at the end,
    and no miss. Measured: within 0.35 % of n_T along the flight to 0.98 t_F, the last command
    within 0.2 % of N' / (N' - 2) n_T, miss below 1e-9 m."""
    n_t, t_f, dt = 3.0 * G0_MPS2, 5.0, 1e-3
    guidance = Guidance(navigation_gain=n_prime, time_constant_s=0.0, max_accel_g=1e6)
    miss, commands = linear_planar(guidance, t_f, target_accel_mps2=n_t, dt_s=dt)
    t = dt * np.arange(commands.size)
    expected = n_prime / (n_prime - 2.0) * (1.0 - (1.0 - t / t_f) ** (n_prime - 2))
    early = t <= 0.98 * t_f
    assert np.max(np.abs(commands[early] / n_t - expected[early])) < 0.01
    assert commands[-1] / n_t == pytest.approx(n_prime / (n_prime - 2.0), rel=0.002)
    assert abs(miss) < 1e-6


@pytest.mark.parametrize("law", ["pn", "zem"])
@pytest.mark.parametrize("n_prime", [3, 4, 5])
def test_zarchan_zero_lag_augmented_step_manoeuvre_acceleration(law, n_prime):
    """Zero-lag augmented PN (and ZEM, the same law in the linear engagement) against a 3 g step
    target manoeuvre it knows, over 5 s (Zarchan, ch. 8, closed form): n_c / n_T =
    N' / 2 (1 - t / t_F)^(N' - 2), the largest command at the start and N' / (N' - 2) / (N' / 2)
    times smaller than plain PN's largest, and no miss. Measured: within 0.07 % of n_T along the
    flight to 0.98 t_F, miss below 1e-9 m."""
    n_t, t_f, dt = 3.0 * G0_MPS2, 5.0, 1e-3
    guidance = Guidance(law=law, navigation_gain=n_prime, time_constant_s=0.0, max_accel_g=1e6)
    miss, commands = linear_planar(guidance, t_f, target_accel_mps2=n_t, dt_s=dt, augmented=True)
    t = dt * np.arange(commands.size)
    expected = 0.5 * n_prime * (1.0 - t / t_f) ** (n_prime - 2)
    early = t <= 0.98 * t_f
    assert np.max(np.abs(commands[early] / n_t - expected[early])) < 0.01
    assert abs(miss) < 1e-6


@pytest.mark.parametrize("law", ["zem", "pn"])
@pytest.mark.parametrize("heading_error_deg", [-20.0, 10.0])
def test_zero_lag_heading_error_no_miss_nonlinear_planar(law, heading_error_deg):
    """Zero-lag ZEM (and PN) against a non-manoeuvring target from a heading error: no miss
    (Zarchan, ch. 2 and 8: with zero lag the heading-error miss is zero). A nonlinear planar
    engagement: a 2,000 m/s round at constant speed, steering only across its velocity, fired
    20 or 10 deg off the collision course at a 2,500 m/s crossing target 15 km away; closest
    approach between samples (``closest_approach``). Measured: misses below 2e-11 m, against
    1.2 and 2.4 km flying straight on."""
    dt, speed = 1e-3, 2000.0
    r_t0 = np.array([15_000.0, 3000.0, 0.0])
    v_t = np.array([-2400.0, -700.0, 0.0])
    # collision course: the round's velocity across the line of sight cancels the target's
    e_los = r_t0 / np.linalg.norm(r_t0)
    across = v_t - (v_t @ e_los) * e_los
    along = np.sqrt(speed**2 - across @ across)
    heading = np.arctan2(*(across + along * e_los)[[1, 0]]) + heading_error_deg * DEG
    v = speed * np.array([np.cos(heading), np.sin(heading), 0.0])
    r = np.zeros(3)
    guidance = replace(NO_LAG, law=law, max_accel_g=1e6)
    n_steps = 4500
    t = dt * np.arange(n_steps)
    path = np.empty((n_steps, 3))
    target = r_t0 + t[:, None] * v_t
    for k in range(n_steps):
        path[k] = r
        r_rel, v_rel = target[k] - r, v_t - v
        if guidance.law == "pn":
            a = pn_acceleration(r_rel, v_rel, guidance.navigation_gain)
        else:
            a = zem_acceleration(r_rel, v_rel, guidance.navigation_gain)
        a = lateral_limit(a, v, guidance.max_accel_mps2)
        r = r + v * dt + 0.5 * a * dt * dt
        v = v + a * dt
        v *= speed / np.linalg.norm(v)
    miss, t_ca, _ = closest_approach(t, path, target)
    assert t_ca < t[-1]
    assert miss < 1e-6
    straight = np.zeros(3) + t[:, None] * path[1] / dt
    assert closest_approach(t, straight, target)[0] > 1000.0


# The 3-D engagement: a battery at 35 N 139 E fires north-east at 35 deg elevation; the
# target crosses the unguided round's path where it is 20 km from the site (14.2 s, 1,013 m/s),
# flying straight at 3 km/s, 30 deg down, towards the battery.
SITE = (35.0 * DEG, 139.0 * DEG, 10.0)
AZ, EL, MUZZLE = 45.0 * DEG, 35.0 * DEG, 2300.0
DT = 0.01
POINTING_ERROR = 1e-3


def _far_target(k: int) -> tuple[np.ndarray, np.ndarray]:
    r = np.broadcast_to(geodetic2ecef(*SITE) + 1e7, (k, 3))
    return r, np.zeros((k, 3))


@pytest.fixture(scope="module")
def engagement() -> dict:
    site = geodetic2ecef(*SITE)
    k_probe = 1600
    probe = fly_guided(
        *SITE, AZ, EL, MUZZLE, Projectile(), Guidance(max_accel_g=0.0), *_far_target(k_probe),
        DT, np.random.default_rng(0),
    )  # fmt: skip
    slant = np.linalg.norm(probe.r_ecef[0] - site, axis=-1)
    k_hit = int(np.argmax(slant >= 20_000.0))
    p_hit = probe.r_ecef[0, k_hit]
    up = p_hit / np.linalg.norm(p_hit)
    toward = site - p_hit
    toward -= (toward @ up) * up
    toward /= np.linalg.norm(toward)
    v_t = 3000.0 * (np.cos(30.0 * DEG) * toward - np.sin(30.0 * DEG) * up)
    k = k_hit + 150
    t = DT * np.arange(k)
    target_r = p_hit + (t - t[k_hit])[:, None] * v_t
    target_v = np.broadcast_to(v_t, (k, 3))
    # four rounds, each 1 mrad off: up, right, down, left
    sec = 1.0 / np.cos(EL)
    az = AZ + POINTING_ERROR * np.array([0.0, sec, 0.0, -sec])
    el = EL + POINTING_ERROR * np.array([1.0, 0.0, -1.0, 0.0])

    def fly(guidance: Guidance, seed: int = 1):
        return fly_guided(
            *SITE, az, el, MUZZLE, Projectile(), guidance, target_r, target_v, DT,
            np.random.default_rng(seed),
        )  # fmt: skip

    return {"fly": fly, "unguided": fly(Guidance(max_accel_g=0.0)), "t_hit": t[k_hit]}


def test_aimed_unguided_round_hits_the_constructed_target(engagement):
    """The scene's own check: the target is built through the unguided round's path, so the
    unguided round with the 1 mrad errors misses by about 1 mrad times 20 km (20 m), near the
    time the target was placed."""
    unguided = engagement["unguided"]
    assert np.all((unguided.miss_m > 15.0) & (unguided.miss_m < 30.0))
    assert np.allclose(unguided.t_ca_s, engagement["t_hit"], atol=0.05)
    assert np.all(unguided.accel_cmd_mps2[unguided.valid] == 0.0)


NOISELESS = {"position_sigma_m": 0.0, "angle_sigma_rad": 0.0}
GUIDED = [
    Guidance(),
    Guidance(law="zem"),
    Guidance(kind="seeker"),
    Guidance(kind="seeker", law="zem"),
]
GUIDED_IDS = ["command-pn", "command-zem", "seeker-pn", "seeker-zem"]


def _check_cap_and_acquisition(flight, guidance: Guidance) -> None:
    assert np.nanmax(flight.accel_cmd_mps2) <= guidance.max_accel_mps2 * (1.0 + 1e-12)
    assert np.nanmax(flight.accel_achieved_mps2) <= guidance.max_accel_mps2 * (1.0 + 1e-12)
    if guidance.kind == "seeker":
        assert np.all(flight.acquired_t_s > 12.0)
        assert np.all(flight.accel_cmd_mps2[flight.t_s < flight.acquired_t_s[:, None]] == 0)
    else:
        assert np.all(flight.acquired_t_s == 0.0)


@pytest.mark.parametrize("guidance", GUIDED, ids=GUIDED_IDS)
def test_noiseless_guided_round_misses_ten_times_less_than_unguided(engagement, guidance):
    """With 1 mrad of pointing error at a target 20 km away, every guided round without
    measurement noise misses at least ten times less than the same round unguided (the
    closed-loop flight with the unguided round's drag, gravity and frame terms). Measured (m):
    unguided 20.5 to 20.7; command PN and ZEM about 1e-4 (largest command 3.8 and 2.2 g); the
    seeker, acquiring at 12.95 s (5 km out), about 1e-3 (7.4 g after acquisition, the cap in
    the last steps, where PN's command grows as t_go -> 0). The command stays within the cap
    and a seeker commands nothing before it acquires."""
    guidance = replace(guidance, **NOISELESS)
    flight = engagement["fly"](guidance)
    assert np.all(flight.miss_m <= engagement["unguided"].miss_m / 10.0)
    _check_cap_and_acquisition(flight, guidance)


@pytest.mark.parametrize("guidance", GUIDED, ids=GUIDED_IDS)
def test_noisy_guided_round_misses_ten_times_less_than_unguided(engagement, guidance):
    """The same with the default noise (1 m radar, 0.5 mrad seeker; kaminari assumptions):
    the four rounds' RMS miss is at least ten times smaller than unguided. Measured over 20
    seeds, largest miss of the four rounds: command PN median 0.96 m (worst 2.2 m), command
    ZEM 0.95 m (2.3 m), seeker PN and ZEM 0.21 m (0.27 m): the radar's noise sets the floor."""
    flight = engagement["fly"](guidance)
    rms = np.sqrt(np.mean(flight.miss_m**2))
    assert rms <= np.min(engagement["unguided"].miss_m) / 10.0
    _check_cap_and_acquisition(flight, guidance)


def test_tiny_divert_limit_misses_like_unguided(engagement):
    """With 0.001 g of divert the round can move at most a t^2 / 2 = 1.0 m off its ballistic
    path by the 14.2 s intercept (kinematics), so its miss stays within that of the unguided
    round's 20 m; the command, saturated, never exceeds the cap. Measured: 19.9 to 21.4 m
    against 20.5 to 20.7 m unguided."""
    guidance = Guidance(max_accel_g=0.001)
    flight = engagement["fly"](guidance)
    reach = 0.5 * guidance.max_accel_mps2 * flight.t_ca_s**2
    assert np.all(np.abs(flight.miss_m - engagement["unguided"].miss_m) <= reach + 1e-3)
    assert np.nanmax(flight.accel_cmd_mps2) <= guidance.max_accel_mps2 * (1.0 + 1e-12)
    assert np.nanmax(flight.accel_cmd_mps2) == pytest.approx(guidance.max_accel_mps2)


def test_seeker_that_never_sees_the_target_flies_ballistic(engagement):
    """A seeker whose field of view (1 microradian) never holds the target never acquires it:
    the round flies the unguided round's path exactly (the same integration, no divert)."""
    flight = engagement["fly"](Guidance(kind="seeker", field_of_view_rad=1e-6))
    assert np.all(np.isnan(flight.acquired_t_s))
    np.testing.assert_array_equal(flight.r_ecef, engagement["unguided"].r_ecef)


def test_target_gone_stops_the_guidance():
    """A target that no longer exists (NaN) is neither steered at nor scored: the command is
    zero from then on and the closest approach is taken over the samples where it existed."""
    k = 300
    r_far, v_far = _far_target(k)
    site = geodetic2ecef(*SITE)
    r_t = np.array(site + np.array([5000.0, 5000.0, 5000.0]) + 0.0 * r_far)
    v_t = np.zeros((k, 3))
    r_t[150:] = np.nan
    v_t[150:] = np.nan
    flight = fly_guided(
        *SITE, AZ, EL, MUZZLE, Projectile(), Guidance(), r_t, v_t, DT, np.random.default_rng(2)
    )
    assert np.all(flight.accel_cmd_mps2[:, 150:] == 0.0)
    assert np.all(flight.t_ca_s < DT * 150)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "laser"),
        ("law", "apn"),
        ("track_model", "singer"),
        ("target_jerk_psd_m2ps5", 0.0),
        ("navigation_gain", 0.0),
        ("navigation_gain", float("nan")),
        ("max_accel_g", -1.0),
        ("time_constant_s", float("inf")),
        ("acquisition_range_m", 0.0),
        ("field_of_view_rad", 4.0),
        ("field_of_view_rad", 0.0),
        ("position_sigma_m", -0.1),
        ("angle_sigma_rad", -1e-3),
        ("track_smoothing_s", -1.0),
    ],
)
def test_bad_values_name_the_field(field, value):
    """A bad guidance value is a ValueError that names the field, what arrived and what is
    allowed (docs/architecture.md, conventions: errors that instruct)."""
    with pytest.raises(ValueError, match=f"Guidance.{field} must .*got {value!r}"):
        Guidance(**{field: value})


def test_bad_step_and_target_shape():
    """A non-positive step or a target path of the wrong shape is a ValueError naming it."""
    r, v = _far_target(10)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="dt_s must be"):
        fly_guided(*SITE, AZ, EL, MUZZLE, Projectile(), Guidance(), r, v, 0.0, rng)
    with pytest.raises(ValueError, match="target_r_ecef and target_v_ecef"):
        fly_guided(*SITE, AZ, EL, MUZZLE, Projectile(), Guidance(), r[:, :2], v, DT, rng)


# The terminal crossing: a round fired at 30 deg elevation meets, 3.0 s later and 5.8 km out
# (the round's drag leaves it 1.7 km/s by then), a glide vehicle diving at 40 deg and 3 km/s
# towards the battery that pulls 12 g of lift. The round is aimed where the target would be if
# it kept its launch velocity (the fire-control prediction), 391 m from where it goes.
CROSS_EL, CROSS_DT, CROSS_T_HIT, CROSS_ROUNDS = 30.0 * DEG, 0.05, 3.0, 100
LIFT_MPS2 = 12.0 * G0_MPS2


def _fly_crossing(guidance: Guidance, turn_rate_radps: float, rounds: int, seed: int = 1):
    site = geodetic2ecef(*SITE)
    k = round(CROSS_T_HIT / CROSS_DT) + 20
    far = np.broadcast_to(site + 1e7, (k, 3))
    probe = fly_guided(
        *SITE, AZ, CROSS_EL, MUZZLE, Projectile(), Guidance(max_accel_g=0.0), far, 0.0 * far,
        CROSS_DT, np.random.default_rng(0),
    )  # fmt: skip
    p_hit = probe.r_ecef[0, round(CROSS_T_HIT / CROSS_DT)]
    up = p_hit / np.linalg.norm(p_hit)
    toward = site - p_hit
    toward -= (toward @ up) * up
    toward /= np.linalg.norm(toward)
    v0 = 3000.0 * (np.cos(40.0 * DEG) * toward - np.sin(40.0 * DEG) * up)
    lift = np.cross(v0, np.cross(up, v0))
    lift /= np.linalg.norm(lift)
    side = np.cross(v0 / 3000.0, lift)
    t = CROSS_DT * np.arange(k)[:, None]
    r0 = p_hit - v0 * CROSS_T_HIT
    if turn_rate_radps == 0.0:
        target_r = r0 + v0 * t + 0.5 * LIFT_MPS2 * t * t * lift
        target_v = v0 + LIFT_MPS2 * t * lift
    else:  # the lift vector turns about the velocity at a constant rate (a slow bank)
        w = turn_rate_radps
        s, c = np.sin(w * t), np.cos(w * t)
        target_r = r0 + v0 * t + LIFT_MPS2 / w**2 * ((1.0 - c) * lift + (w * t - s) * side)
        target_v = v0 + LIFT_MPS2 / w * (s * lift + (1.0 - c) * side)
    return fly_guided(
        *SITE, np.full(rounds, AZ), CROSS_EL, MUZZLE, Projectile(), guidance, target_r,
        target_v, CROSS_DT, np.random.default_rng(seed),
    )  # fmt: skip


MANOEUVRES = [0.0, 0.25]
MANOEUVRE_IDS = ["steady-12g", "turning-12g"]


@pytest.mark.parametrize("law", ["pn", "zem"])
@pytest.mark.parametrize("turn_rate", MANOEUVRES, ids=MANOEUVRE_IDS)
def test_acceleration_estimate_hits_a_12g_manoeuvring_glider(law, turn_rate):
    """Against 12 g of lift, steady or turning at 0.25 rad/s, a radar with 1 cm of noise and
    the default 30 g divert and 0.1 s lag, at 0.05 s steps: the constant-acceleration Kalman
    filter (Bar-Shalom, Li & Kirubarajan, white-jerk model) and augmented PN / ZEM (Zarchan,
    ch. 8) miss by less than 0.5 m; the old constant-velocity track and plain laws miss by
    more than 5 m and ten times more. Measured (m, largest of 20 rounds, steady and turning):
    augmented PN 0.10 and 0.10, ZEM 0.10 and 0.10; constant velocity PN 13.0 and 13.1, ZEM 10.7
    and 11.2."""
    quiet = Guidance(law=law, position_sigma_m=0.01)
    new = _fly_crossing(quiet, turn_rate, 20)
    old = _fly_crossing(replace(quiet, track_model="constant_velocity"), turn_rate, 20)
    assert np.max(new.miss_m) < 0.5
    assert np.min(old.miss_m) > max(5.0, 10.0 * np.max(new.miss_m))
    assert np.nanmax(new.accel_cmd_mps2) <= quiet.max_accel_mps2 * (1.0 + 1e-12)


@pytest.mark.parametrize("turn_rate", MANOEUVRES, ids=MANOEUVRE_IDS)
def test_default_radar_noise_miss_against_a_12g_glider(turn_rate):
    """The same crossing with the default 1 m radar noise on target and round (kaminari
    assumption): the RMS miss of 100 rounds is below 2.5 m, against more than 10 m with the
    constant-velocity track. Measured: 1.87 m (steady) and 1.95 m (turning), 15.5 m and 15.6 m
    constant-velocity. The floor is the noise: 1.4 m per axis on the relative position at 20 Hz
    leaves 1.5 m RMS even with 200 g of divert; the 30 g cap and 0.1 s lag add the rest."""
    new = _fly_crossing(Guidance(), turn_rate, CROSS_ROUNDS, seed=3)
    old = _fly_crossing(Guidance(track_model="constant_velocity"), turn_rate, CROSS_ROUNDS, 3)
    assert np.sqrt(np.mean(new.miss_m**2)) < 2.5
    assert np.sqrt(np.mean(old.miss_m**2)) > 10.0
