"""The kill-chain sections of a scenario (radars, batteries, tracker, fire_control and
run.tracks_reps): a full one loads, becomes ``Radar``, ``Battery``, ``TrackerConfig`` and
``Doctrine`` in SI and dumps back equal; left-out fields take the dataclasses' defaults;
impossible values end in one line naming file:line, the field, what is wrong and what is
allowed, also through the command."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import typing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaminari.cli import app
from kaminari.firecontrol.doctrine import Doctrine
from kaminari.scenario import FireControlConfig, ScenarioError, dump_scenario, load_scenario
from kaminari.scenario import parse_scenario as parse
from kaminari.sensors.radar import Radar
from kaminari.tracking.config import TrackerConfig
from kaminari.weapons.battery import Battery
from kaminari.weapons.projectile import Projectile

KILL_CHAIN = """\
name: kill chain under test
epoch: 2027-01-01T00:00:00Z
threats:
  - name: hgv-1
    vehicle: cav-h
    start: {lat_deg: 33.0, lon_deg: 128.0, alt_km: 50, speed_mps: 5000,
            flight_path_deg: 0, heading_deg: 60}
    guidance: {alpha_deg: 10}
radars:
  - name: radar-1
    site: {lat_deg: 34.5, lon_deg: 135.5, alt_m: 100}
    max_range_km: 1000
    revisit_s: 2.0
    sigma: {range_m: 20, azimuth_mrad: 1.5, elevation_mrad: 0}
    min_elevation_deg: 1.5
    detection_probability: 0.9
    refraction_k: 1.2
    scan_offset_s: 0.5
    false_alarms_per_scan: 0.25
batteries:
  - name: railgun-1
    site: {lat_deg: 35.6, lon_deg: 139.7, alt_m: 10}
    muzzle_velocity_mps: 2300
    rate_of_fire_rpm: 12
    magazine: 40
    projectile: {mass_kg: 0.32, diameter_m: 0.015}
    lethal_radius_m: 5
    elevation_deg: {min: 10, max: 80}
    azimuth_deg: {min: 300, max: 60}
    reaction_s: 1.5
    dispersion: {muzzle_velocity_mps: 5.0, pointing_mrad: 0.5}
tracker:
  jerk_psd_m2ps5: 400
  confirm_hits: 2
  confirm_window: 4
  delete_misses: 3
  delete_sigma_m: 2000
  initial_accel_sigma_mps2: 30
  gate_nis: 20
  max_speed_mps: 7000
  max_tracks: 32
fire_control: {doctrine: salvo, salvo: 3, assessment_delay_s: 0.5, max_time_of_flight_s: 20,
               max_track_sigma_m: 50, perfect_kill_assessment: true}
run: {reps: 200, seed: 1, dt_s: 0.1, t_max_s: 1500, tracks_reps: 5}
"""

# Only what has no default: every other kill-chain field is left out.
BARE = """\
name: bare kill chain
epoch: 2027-01-01T00:00:00Z
threats:
  - name: hgv-1
    vehicle: cav-h
    start: {lat_deg: 33.0, lon_deg: 128.0, alt_km: 50, speed_mps: 5000,
            flight_path_deg: 0, heading_deg: 60}
    guidance: {alpha_deg: 10}
radars:
  - name: radar-1
    site: {lat_deg: 34.5, lon_deg: 135.5}
    max_range_km: 1000
    revisit_s: 1.0
    sigma: {range_m: 20, azimuth_mrad: 1.0, elevation_mrad: 1.0}
batteries:
  - name: railgun-1
    site: {lat_deg: 35.6, lon_deg: 139.7}
    muzzle_velocity_mps: 2300
    rate_of_fire_rpm: 10
    magazine: 40
    projectile: {mass_kg: 0.32, diameter_m: 0.015}
    lethal_radius_m: 5
"""

KAMINARI = Path(sys.executable).with_name("kaminari")


def line_of(text: str, needle: str) -> int:
    """1-based number of the one line of ``text`` that contains ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits}"
    return hits[0]


def edited(old: str, new: str) -> str:
    assert KILL_CHAIN.count(old) == 1, old
    return KILL_CHAIN.replace(old, new)


# --- a full kill chain ---------------------------------------------------------------------


def assert_fields_equal(actual: object, expected: object) -> None:
    """Dataclasses equal field by field, floats to 1e-12 (degrees written with 12 digits)."""
    for field in dataclasses.fields(expected):  # type: ignore[arg-type]
        want = getattr(expected, field.name)
        want = pytest.approx(want, rel=1e-12, abs=1e-15) if isinstance(want, float) else want
        assert getattr(actual, field.name) == want, field.name


def test_full_kill_chain_converts_to_si() -> None:
    s = parse(KILL_CHAIN)
    [radar] = s.radar_models()
    assert_fields_equal(
        radar,
        Radar(
            name="radar-1",
            lat_rad=math.radians(34.5),
            lon_rad=math.radians(135.5),
            alt_m=100.0,
            max_range_m=1_000_000.0,
            revisit_s=2.0,
            sigma_range_m=20.0,
            sigma_az_rad=1.5e-3,
            sigma_el_rad=0.0,
            min_elevation_rad=math.radians(1.5),
            detection_probability=0.9,
            refraction_k=1.2,
            scan_offset_s=0.5,
            false_alarms_per_scan=0.25,
        ),
    )
    [battery] = s.battery_models()
    assert_fields_equal(
        battery,
        Battery(
            name="railgun-1",
            lat_rad=math.radians(35.6),
            lon_rad=math.radians(139.7),
            alt_m=10.0,
            muzzle_velocity_mps=2300.0,
            projectile=Projectile(mass_kg=0.32, diameter_m=0.015),
            rate_of_fire_rpm=12.0,
            magazine=40,
            lethal_radius_m=5.0,
            min_elevation_rad=math.radians(10),
            max_elevation_rad=math.radians(80),
            min_azimuth_rad=math.radians(300),  # a sector across north: min > max
            max_azimuth_rad=math.radians(60),
            reaction_s=1.5,
            sigma_muzzle_velocity_mps=5.0,
            sigma_pointing_rad=0.5e-3,
        ),
    )
    assert battery.shot_interval_s == 5.0
    assert s.tracker_config() == TrackerConfig(
        jerk_psd_m2ps5=400.0,
        confirm_hits=2,
        confirm_window=4,
        delete_misses=3,
        delete_sigma_m=2000.0,
        initial_accel_sigma_mps2=30.0,
        gate_nis=20.0,
        max_speed_mps=7000.0,
        max_tracks=32,
    )
    assert s.doctrine() == Doctrine(
        kind="salvo",
        salvo=3,
        assessment_delay_s=0.5,
        max_time_of_flight_s=20.0,
        max_track_sigma_m=50.0,
        perfect_kill_assessment=True,
    )
    assert s.run.tracks_reps == 5


@pytest.mark.parametrize("text", [KILL_CHAIN, BARE])
def test_kill_chain_dump_reads_back_equal(text: str) -> None:
    s = parse(text)
    dumped = dump_scenario(s)
    assert parse(dumped) == s
    for key in (
        "min_elevation_deg:",
        "detection_probability:",
        "refraction_k:",
        "scan_offset_s:",
        "false_alarms_per_scan:",
        "elevation_deg:",
        "azimuth_deg:",
        "reaction_s:",
        "dispersion:",
        "tracker:",
        "delete_sigma_m:",
        "gate_nis:",
        "max_speed_mps:",
        "max_tracks:",
        "fire_control:",
        "doctrine:",
        "max_track_sigma_m:",
        "perfect_kill_assessment:",
        "tracks_reps:",
    ):
        assert key in dumped, key  # every default is written out


def test_left_out_fields_take_the_dataclass_defaults() -> None:
    s = parse(BARE)
    [radar] = s.radar_models()
    reference = Radar(
        name="radar-1",
        lat_rad=math.radians(34.5),
        lon_rad=math.radians(135.5),
        alt_m=0.0,
        max_range_m=1e6,
        revisit_s=1.0,
        sigma_range_m=20.0,
        sigma_az_rad=1e-3,
        sigma_el_rad=1e-3,
    )
    assert_fields_equal(radar, reference)
    [battery] = s.battery_models()
    defaults = Battery(
        name="railgun-1",
        lat_rad=math.radians(35.6),
        lon_rad=math.radians(139.7),
        alt_m=0.0,
        muzzle_velocity_mps=2300.0,
        projectile=Projectile(mass_kg=0.32, diameter_m=0.015),
        rate_of_fire_rpm=10.0,
        magazine=40,
        lethal_radius_m=5.0,
    )
    assert_fields_equal(battery, defaults)
    assert s.tracker_config() == TrackerConfig()
    assert s.doctrine() == Doctrine()
    assert s.run.tracks_reps == 1


def test_an_aero_class_tells_the_tracker_the_vehicles_fit() -> None:
    """``tracker.aero_class`` names a vehicle; the tracker gets that vehicle's ten
    aerodynamic numbers (``AeroModel.kernel_coefficients``), never the vehicle itself."""
    from kaminari.threats.vehicles import CAV_H

    told = "tracker:\n  motion: aero-unscented\n  aero_class: cav-h\n"
    text = KILL_CHAIN.replace("tracker:\n", told)
    assert text != KILL_CHAIN
    config = parse(text).tracker_config()
    assert config.class_aero == CAV_H.class_numbers
    assert config.motion == "aero-unscented" and TrackerConfig().class_aero == ()
    imm_told = "tracker:\n  motion: aero-imm\n  aero_class: cav-h\n"
    imm = parse(KILL_CHAIN.replace("tracker:\n", imm_told))
    assert imm.tracker_config().class_aero == CAV_H.class_numbers
    with pytest.raises(ValueError, match="aero-unscented and aero-imm only"):
        TrackerConfig(motion="imm", class_aero=CAV_H.class_numbers)
    with pytest.raises(ValueError, match="eleven finite numbers"):
        TrackerConfig(motion="aero-unscented", class_aero=CAV_H.aero.kernel_coefficients())


def test_fire_control_told_a_threat_class_gets_its_numbers_and_flies_its_polar() -> None:
    """``fire_control.threat_class`` names a vehicle; fire control's doctrine gets that
    vehicle's eleven numbers (its aerodynamic form and S/m), and the physics predictor then
    holds the lift and flies the drag along the class's polar."""
    from kaminari.engagement.chain import _extrapolation
    from kaminari.threats.vehicles import CAV_H

    told = parse(KILL_CHAIN.replace("perfect_kill_assessment: true}",
                                    "perfect_kill_assessment: true, threat_class: cav-h}"))
    assert told.doctrine().threat_class == CAV_H.class_numbers
    assert parse(KILL_CHAIN).doctrine().threat_class == ()
    predictor = _extrapolation(told.kill_chain())
    assert (predictor.motion, predictor.class_form) == ("drag", CAV_H.class_numbers)
    assert _extrapolation(parse(KILL_CHAIN).kill_chain()).motion == "aero"
    assert _extrapolation(told.kill_chain("acceleration")).motion == "acceleration"


def test_fire_control_may_aim_each_round_as_it_leaves() -> None:
    """``fire_control.aim_at_shot`` reaches the doctrine (on when left out), and a wrong
    value is one clear error naming the field."""
    text = KILL_CHAIN.replace("perfect_kill_assessment: true}",
                              "perfect_kill_assessment: true, aim_at_shot: false}")
    assert parse(text).doctrine().aim_at_shot is False
    assert parse(KILL_CHAIN).doctrine().aim_at_shot is True
    with pytest.raises(ScenarioError, match="aim_at_shot"):
        parse(text.replace("aim_at_shot: false", "aim_at_shot: sometimes"))


def test_defaults_are_read_from_the_dataclass_not_copied(monkeypatch: pytest.MonkeyPatch) -> None:
    window = next(f for f in dataclasses.fields(TrackerConfig) if f.name == "confirm_window")
    monkeypatch.setattr(window, "default", 9)
    assert parse(BARE).tracker.confirm_window == 9


def test_doctrine_kinds_are_those_of_the_dataclass() -> None:
    ours = typing.get_args(FireControlConfig.model_fields["doctrine"].annotation)
    theirs = typing.get_args(typing.get_type_hints(Doctrine)["kind"])
    assert ours == theirs


def test_importing_the_scenario_imports_no_kill_chain_module() -> None:
    modules = (
        "kaminari.sensors.radar",
        "kaminari.weapons.battery",
        "kaminari.tracking.config",
        "kaminari.firecontrol.doctrine",
    )
    code = f"import sys, kaminari.scenario; print([m for m in {modules!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- impossible values ----------------------------------------------------------------------

# (edit: old -> new, the line to blame (a text on it), field path, what is wrong, allowed):
# the whole error is exactly "file:line: field: what is wrong; allowed: allowed".
CASES = {
    "elevation min above max": (
        ("elevation_deg: {min: 10, max: 80}", "elevation_deg: {min: 60, max: 40}"),
        "{min: 60, max: 40}",
        "batteries[0].elevation_deg.min",
        "min 60 is not below max 40",
        "0 <= min < max <= 90",
    ),
    "elevation min equal to max": (
        ("elevation_deg: {min: 10, max: 80}", "elevation_deg: {min: 45, max: 45}"),
        "{min: 45, max: 45}",
        "batteries[0].elevation_deg.min",
        "min 45 is not below max 45",
        "0 <= min < max <= 90",
    ),
    "magazine of 0": (
        ("magazine: 40", "magazine: 0"),
        "magazine:",
        "batteries[0].magazine",
        "0 is not allowed",
        "magazine >= 1",
    ),
    "rate of fire of 0": (
        ("rate_of_fire_rpm: 12", "rate_of_fire_rpm: 0"),
        "rate_of_fire_rpm:",
        "batteries[0].rate_of_fire_rpm",
        "0 is not allowed",
        "0 < rate_of_fire_rpm <= 600",
    ),
    "zero muzzle velocity": (
        ("muzzle_velocity_mps: 2300", "muzzle_velocity_mps: 0"),
        "muzzle_velocity_mps: 0",
        "batteries[0].muzzle_velocity_mps",
        "0 is not allowed",
        "0 < muzzle_velocity_mps < 12000",
    ),
    "negative muzzle velocity": (
        ("muzzle_velocity_mps: 2300", "muzzle_velocity_mps: -2300"),
        "muzzle_velocity_mps: -2300",
        "batteries[0].muzzle_velocity_mps",
        "-2300 is not allowed",
        "0 < muzzle_velocity_mps < 12000",
    ),
    "zero lethal radius": (
        ("lethal_radius_m: 5", "lethal_radius_m: 0"),
        "lethal_radius_m:",
        "batteries[0].lethal_radius_m",
        "0 is not allowed",
        "0 < lethal_radius_m <= 1000",
    ),
    "negative lethal radius": (
        ("lethal_radius_m: 5", "lethal_radius_m: -5"),
        "lethal_radius_m:",
        "batteries[0].lethal_radius_m",
        "-5 is not allowed",
        "0 < lethal_radius_m <= 1000",
    ),
    "radar below ground": (
        ("lon_deg: 135.5, alt_m: 100}", "lon_deg: 135.5, alt_m: -600}"),
        "alt_m: -600",
        "radars[0].site.alt_m",
        "-600 is not allowed: below ground",
        "-500 <= alt_m <= 9000 (m above the WGS84 ellipsoid)",
    ),
    "revisit of 0": (
        ("revisit_s: 2.0", "revisit_s: 0"),
        "revisit_s:",
        "radars[0].revisit_s",
        "0 is not allowed",
        "revisit_s > 0",
    ),
    "detection probability 0": (
        ("detection_probability: 0.9", "detection_probability: 0"),
        "detection_probability:",
        "radars[0].detection_probability",
        "0 is not allowed",
        "0 < detection_probability <= 1 (per scan, of a target in view)",
    ),
    "detection probability above 1": (
        ("detection_probability: 0.9", "detection_probability: 1.2"),
        "detection_probability:",
        "radars[0].detection_probability",
        "1.2 is not allowed",
        "0 < detection_probability <= 1 (per scan, of a target in view)",
    ),
    "unknown doctrine": (
        ("{doctrine: salvo,", "{doctrine: salvoo,"),
        "doctrine: salvoo",
        "fire_control.doctrine",
        "'salvoo' is not allowed; did you mean 'salvo'?",
        "one of shoot-look-shoot, salvo",
    ),
    "more confirming hits than the window": (
        ("  confirm_hits: 2", "  confirm_hits: 5"),
        "confirm_hits:",
        "tracker.confirm_hits",
        "5 is above confirm_window 4",
        "1 <= confirm_hits <= confirm_window",
    ),
    "manoeuvring coefficient noise below the quiet one": (
        ("  max_tracks: 32", "  max_tracks: 32\n  motion: aero-imm\n  coefficient_psd_per_s: 1e-4\n"
         "  coefficient_psd_manoeuvre_per_s: 1e-5"),
        "coefficient_psd_manoeuvre_per_s:",
        "tracker.coefficient_psd_manoeuvre_per_s",
        "1e-05 is below coefficient_psd_per_s 0.0001",
        "coefficient_psd_manoeuvre_per_s >= coefficient_psd_per_s",
    ),
    "unknown aero class": (
        ("  max_tracks: 32", "  max_tracks: 32\n  motion: aero-unscented\n  aero_class: cav-x"),
        "aero_class:",
        "tracker.aero_class",
        "unknown vehicle class 'cav-x'; did you mean 'cav-h'?",
        "one of cav-h (a glide vehicle's aerodynamic fit)",
    ),
    "aero class with held coefficients": (
        ("  max_tracks: 32", "  max_tracks: 32\n  motion: imm\n  aero_class: cav-h"),
        "aero_class:",
        "tracker.aero_class",
        "given with motion imm",
        "motion: aero-unscented (the fit's Mach law at a held angle of attack) or aero-imm "
        "(the lift held, the drag along the fit's polar)",
    ),
    "unknown threat class for fire control": (
        ("perfect_kill_assessment: true}", "perfect_kill_assessment: true,\n"
         "               threat_class: cav}"),
        "threat_class:",
        "fire_control.threat_class",
        "unknown vehicle class 'cav'; did you mean 'cav-h'?",
        "one of cav-h (a glide vehicle's aerodynamic fit)",
    ),
    "aero class and elasticities both": (
        ("  max_tracks: 32", "  max_tracks: 32\n  motion: aero-unscented\n  aero_class: cav-h\n"
         "  mach_elasticity_drag: -0.15"),
        "aero_class:",
        "tracker.aero_class",
        "given with mach_elasticity_drag or mach_elasticity_lift",
        "either a class's fit (aero_class) or the elasticities, not both",
    ),
    "scan offset not below the revisit": (
        ("scan_offset_s: 0.5", "scan_offset_s: 2.0"),
        "scan_offset_s:",
        "radars[0].scan_offset_s",
        "2 is not below revisit_s 2",
        "0 <= scan_offset_s < revisit_s",
    ),
    "radar elevation below -5 deg": (
        ("min_elevation_deg: 1.5", "min_elevation_deg: -10"),
        "min_elevation_deg:",
        "radars[0].min_elevation_deg",
        "-10 is not allowed",
        "-5 <= min_elevation_deg < 90",
    ),
    "negative sigma": (
        ("range_m: 20,", "range_m: -20,"),
        "range_m: -20",
        "radars[0].sigma.range_m",
        "-20 is not allowed",
        "range_m >= 0",
    ),
    "empty azimuth sector": (
        ("azimuth_deg: {min: 300, max: 60}", "azimuth_deg: {min: 60, max: 60}"),
        "azimuth_deg:",
        "batteries[0].azimuth_deg.max",
        "min and max are both 60: an empty sector",
        "0 <= min < 360, 0 < max <= 360, min != max (min > max crosses north)",
    ),
    "negative reaction time": (
        ("reaction_s: 1.5", "reaction_s: -1"),
        "reaction_s:",
        "batteries[0].reaction_s",
        "-1 is not allowed",
        "reaction_s >= 0 (from the decision to fire to the round leaving the muzzle)",
    ),
    "negative pointing dispersion": (
        ("pointing_mrad: 0.5}", "pointing_mrad: -0.5}"),
        "pointing_mrad:",
        "batteries[0].dispersion.pointing_mrad",
        "-0.5 is not allowed",
        "pointing_mrad >= 0",
    ),
    "salvo of 0": (
        ("salvo: 3,", "salvo: 0,"),
        "salvo: 0",
        "fire_control.salvo",
        "0 is not allowed",
        "1 <= salvo <= 1000",
    ),
    "negative tracks_reps": (
        ("tracks_reps: 5", "tracks_reps: -1"),
        "tracks_reps:",
        "run.tracks_reps",
        "-1 is not allowed",
        "tracks_reps >= 0 (how many replications' tracks are written; at most reps are)",
    ),
    "negative false alarm rate": (
        ("false_alarms_per_scan: 0.25", "false_alarms_per_scan: -1"),
        "false_alarms_per_scan:",
        "radars[0].false_alarms_per_scan",
        "-1 is not allowed",
        "false_alarms_per_scan >= 0 (mean of the Poisson number of false detections a scan "
        "reports)",
    ),
    "gate of 0": (
        ("gate_nis: 20", "gate_nis: 0"),
        "gate_nis:",
        "tracker.gate_nis",
        "0 is not allowed",
        "gate_nis > 0 (a detection updates a confirmed track when its normalised innovation "
        "squared is within it)",
    ),
    "negative largest speed": (
        ("max_speed_mps: 7000", "max_speed_mps: -7000"),
        "max_speed_mps:",
        "tracker.max_speed_mps",
        "-7000 is not allowed",
        "max_speed_mps > 0 (the fastest a target may have moved between two detections that "
        "start a track)",
    ),
    "no track slots": (
        ("max_tracks: 32", "max_tracks: 0"),
        "max_tracks:",
        "tracker.max_tracks",
        "0 is not allowed",
        "1 <= max_tracks <= 256 (tracks held at a time in one replication; left out, room for "
        "the raid (at least two per threat and four more))",
    ),
    "more track slots than 256": (
        ("max_tracks: 32", "max_tracks: 257"),
        "max_tracks:",
        "tracker.max_tracks",
        "257 is not allowed",
        "1 <= max_tracks <= 256 (tracks held at a time in one replication; left out, room for "
        "the raid (at least two per threat and four more))",
    ),
    "perfect kill assessment not true or false": (
        ("perfect_kill_assessment: true", "perfect_kill_assessment: 1"),
        "perfect_kill_assessment:",
        "fire_control.perfect_kill_assessment",
        "1 is not true or false",
        "true or false (fire control knows a kill at once instead of looking: a shortcut)",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_impossible_value_is_one_exact_line(tmp_path: Path, case: str) -> None:
    (old, new), blamed, field, message, allowed = CASES[case]
    text = edited(old, new)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    line = line_of(text, blamed)
    assert str(caught.value) == f"{path}:{line}: {field}: {message}; allowed: {allowed}"
    assert (caught.value.line, caught.value.field) == (line, field)


CLI_CASES = [
    "elevation min above max",
    "radar below ground",
    "unknown doctrine",
    "magazine of 0",
    "negative false alarm rate",
]


@pytest.mark.parametrize("case", CLI_CASES)
def test_console_script_prints_one_line_and_exits_2(tmp_path: Path, case: str) -> None:
    (old, new), blamed, field, message, allowed = CASES[case]
    text = edited(old, new)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    proc = subprocess.run(
        [str(KAMINARI), "flyout", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    line = line_of(text, blamed)
    assert proc.stderr == f"{path}:{line}: {field}: {message}; allowed: {allowed}\n"
    assert proc.stdout == ""
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_runner_prints_one_line_and_exits_2(tmp_path: Path, case: str) -> None:
    (old, new), blamed, field, message, allowed = CASES[case]
    text = edited(old, new)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["flyout", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    line = line_of(text, blamed)
    assert result.stderr == f"{path}:{line}: {field}: {message}; allowed: {allowed}\n"
    assert result.exception is None or isinstance(result.exception, SystemExit)
