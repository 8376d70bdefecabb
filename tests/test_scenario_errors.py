"""Bad scenario files end in one line naming file:line, the field, what is wrong and what is
allowed: from ``load_scenario`` as a ``ScenarioError``, from the ``kaminari`` command as one line
on stderr with exit status 2 and no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kaminari.cli import app
from kaminari.scenario import ScenarioError, load_scenario

GOOD = """\
name: errors under test
epoch: 2027-01-01T00:00:00Z
threats:
  - name: hgv-1
    vehicle: cav-h
    start:
      lat_deg: 33.0
      lon_deg: 128.0
      alt_km: 50
      speed_mps: 5000
      flight_path_deg: 0
      heading_deg: 60
    guidance:
      alpha_deg: 10
      bank: {kind: weave, amplitude_deg: 30, period_s: 60}
      dive: {target: city, start_range_km: 60}
  - name: hgv-2
    vehicle: cav-h
    start: {lat_deg: 33.5, lon_deg: 128.0, alt_km: 50, speed_mps: 5000,
            flight_path_deg: 0, heading_deg: 60}
    guidance: {alpha_deg: 10}
batteries:
  - name: railgun-1
    site: {lat_deg: 35.6, lon_deg: 139.7, alt_m: 10}
    muzzle_velocity_mps: 2300
    rate_of_fire_rpm: 10
    magazine: 40
    projectile:
      mass_kg: 0.32
      diameter_m: 0.015
    lethal_radius_m: 5
defended:
  - {name: city, lat_deg: 35.68, lon_deg: 139.77}
"""

KAMINARI = Path(sys.executable).with_name("kaminari")


def line_of(text: str, needle: str) -> int:
    """1-based number of the one line of ``text`` that contains ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) == 1, f"{needle!r} is on lines {hits}"
    return hits[0]


def edited(old: str, new: str) -> str:
    assert GOOD.count(old) == 1, old
    return GOOD.replace(old, new)


def error_of(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    text = str(caught.value)
    assert "\n" not in text and "Traceback" not in text
    return caught.value


SENSOR = (
    "  sensor: {band_um: [3.0, 5.0], off_nadir_max_deg: 60, frame_s: 1.0, los_sigma_urad: 20,\n"
    "           nei_w_per_cm2: 1.0e-15, snr_min: 6, latency_s: 4.0}\n"
)

# (edit: old -> new, the line to blame (a text on it), field path, words in the message, allowed)
CASES = {
    "unknown field": (
        ("      lat_deg: 33.0", "      lat_dg: 33.0"),
        "lat_dg: 33.0",
        "threats[0].start.lat_dg",
        "unknown field 'lat_dg'; did you mean 'lat_deg'?",
        "lat_deg, lon_deg, alt_km",
    ),
    "wrong type": (
        ("      speed_mps: 5000", "      speed_mps: fast"),
        "speed_mps: fast",
        "threats[0].start.speed_mps",
        "'fast' is not a number",
        "0 < speed_mps < 12000",
    ),
    "latitude 95": (
        ("      lat_deg: 33.0", "      lat_deg: 95"),
        "lat_deg: 95",
        "threats[0].start.lat_deg",
        "95 is not allowed",
        "-90 <= lat_deg <= 90",
    ),
    "latitude 95 in a flow mapping": (
        ("start: {lat_deg: 33.5,", "start: {lat_deg: 95,"),
        "lat_deg: 95",
        "threats[1].start.lat_deg",
        "95 is not allowed",
        "-90 <= lat_deg <= 90",
    ),
    "negative mass": (
        ("      mass_kg: 0.32", "      mass_kg: -1"),
        "mass_kg: -1",
        "batteries[0].projectile.mass_kg",
        "-1 is not allowed",
        "0 < mass_kg",
    ),
    "unknown vehicle": (
        ("  - name: hgv-1\n    vehicle: cav-h", "  - name: hgv-1\n    vehicle: cav-x"),
        "vehicle: cav-x",
        "threats[0].vehicle",
        "unknown vehicle 'cav-x'; did you mean 'cav-h'?",
        "cav-h",
    ),
    "dive target that does not exist": (
        ("dive: {target: city,", "dive: {target: town,"),
        "target: town",
        "threats[0].guidance.dive.target",
        "no defended point named 'town'",
        "city",
    ),
    "duplicate threat names": (
        ("  - name: hgv-2", "  - name: hgv-1  # again"),
        "hgv-1  # again",
        "threats[1].name",
        "'hgv-1' is already the name of threats[0]",
        "names unique within threats",
    ),
    "missing field (the enclosing mapping's line)": (
        ("      speed_mps: 5000\n", ""),
        "lat_deg: 33.0",
        "threats[0].start.speed_mps",
        "required but missing",
        "0 < speed_mps < 12000",
    ),
    "magazine not a whole number": (
        ("    magazine: 40", "    magazine: 40.5"),
        "magazine: 40.5",
        "batteries[0].magazine",
        "40.5 is not a whole number",
        "magazine >= 1",
    ),
    "unknown bank kind": (
        ("{kind: weave,", "{kind: zigzag,"),
        "kind: zigzag",
        "threats[0].guidance.bank.kind",
        "'zigzag' is not allowed",
        "one of none, constant, weave",
    ),
    "bank field the kind does not use": (
        ("{kind: weave, amplitude_deg: 30, period_s: 60}", "{kind: constant, amplitude_deg: 30}"),
        "kind: constant",
        "threats[0].guidance.bank.amplitude_deg",
        "not used by kind 'constant'",
        "bank_deg",
    ),
    "site below -500 m": (
        ("alt_m: 10}", "alt_m: -600}"),
        "alt_m: -600",
        "batteries[0].site.alt_m",
        "-600 is not allowed",
        "-500 <= alt_m",
    ),
    "negative dispersion sigma": (
        ("    guidance: {alpha_deg: 10}\n", "    guidance: {alpha_deg: 10}\n"
         "    dispersion: {start_km: -2}\n"),
        "start_km: -2",
        "threats[1].dispersion.start_km",
        "-2 is not allowed",
        "0 <= start_km <= 1000",
    ),
    "negative weave sigma": (
        ("    guidance: {alpha_deg: 10}\n", "    guidance: {alpha_deg: 10}\n"
         "    dispersion: {weave: {period_s: -1}}\n"),
        "period_s: -1",
        "threats[1].dispersion.weave.period_s",
        "-1 is not allowed",
        "0 <= period_s",
    ),
    "booster that does not exist": (
        ("    start: {lat_deg: 33.5, lon_deg: 128.0, alt_km: 50, speed_mps: 5000,\n"
         "            flight_path_deg: 0, heading_deg: 60}\n",
         "    launch: {lat_deg: 39.0, lon_deg: 125.7, azimuth_deg: 105, booster: generic-mrbn}\n"),
        "booster: generic-mrbn",
        "threats[1].launch.booster",
        "unknown booster 'generic-mrbn'; did you mean 'generic-mrbm'?",
        "generic-mrbm, generic-hgv-booster, v2",
    ),
    "both start and launch": (
        ("            flight_path_deg: 0, heading_deg: 60}\n",
         "            flight_path_deg: 0, heading_deg: 60}\n"
         "    launch: {lat_deg: 39.0, lon_deg: 125.7, azimuth_deg: 105, booster: generic-mrbm}\n"),
        "launch: {lat_deg: 39.0",
        "threats[1].launch",
        "not used together with start",
        "either start (a glide start state) or launch (a booster from the ground)",
    ),
    "re-entry vehicle without its ballistic coefficient": (
        ("  - name: hgv-2\n    vehicle: cav-h\n", "  - name: hgv-2\n    vehicle: rv\n"),
        "name: hgv-2",  # a missing field: the enclosing mapping's line
        "threats[1].ballistic_coefficient_kgpm2",
        "required by vehicle rv",
        "a number > 0",
    ),
    "constellation with 0 planes": (
        ("defended:\n", "space_layer:\n  constellation: {altitude_km: 1000, inclination_deg: 80,"
         " planes: 0, sats_per_plane: 7}\n" + SENSOR + "defended:\n"),
        "planes: 0",
        "space_layer.constellation.planes",
        "0 is not allowed",
        "1 <= planes <= 1000",
    ),
    "inclination above 180": (
        ("defended:\n", "space_layer:\n  constellation: {altitude_km: 1000, inclination_deg: 181,"
         " planes: 4, sats_per_plane: 7}\n" + SENSOR + "defended:\n"),
        "inclination_deg: 181",
        "space_layer.constellation.inclination_deg",
        "181 is not allowed",
        "0 <= inclination_deg <= 180",
    ),
    "rcs table not ascending": (
        ("  - name: hgv-2\n    vehicle: cav-h\n",
         "  - name: hgv-2\n    vehicle: cav-h\n"
         "    rcs_m2: {aspect_deg: [0, 90, 45], m2: [1, 2, 3]}\n"),
        "rcs_m2: {aspect_deg",
        "threats[1].rcs_m2.aspect_deg",
        "[0.0, 90.0, 45.0] is not ascending within [0, 180]",
        "ascending aspects from 0 to 180 deg",
    ),
    "key given twice": (
        ("    magazine: 40\n", "    magazine: 40\n    magazine: 41\n"),
        "magazine: 41",
        "batteries[0].magazine",
        "given twice",
        "each key once",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_error_names_file_line_field_and_allowed(tmp_path: Path, case: str) -> None:
    (old, new), blamed, field, words, allowed = CASES[case]
    text = edited(old, new)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    line = line_of(text, blamed)
    err = error_of(path)
    assert (err.path, err.line, err.field) == (str(path), line, field)
    assert str(err).startswith(f"{path}:{line}: {field}: ")
    assert words in str(err)
    assert "; allowed: " in str(err) and allowed in err.allowed


def test_yaml_syntax_error_names_its_line(tmp_path: Path) -> None:
    text = edited("      alt_km: 50", "      alt_km: 50: km")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    err = error_of(path)
    assert err.line == line_of(text, "alt_km: 50: km")
    assert str(err).startswith(f"{path}:{err.line}: YAML syntax error: ")
    assert "allowed: valid YAML" in str(err)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    err = error_of(path)
    assert err.line is None
    assert str(err) == f"{path}: no such file; allowed: a readable UTF-8 YAML scenario file"


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "the file is empty"), ("- a\n- b\n", "the top level is a list, not a mapping")],
)
def test_empty_file_and_top_level_list(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    err = error_of(path)
    assert words in str(err) and "allowed: a mapping of name, epoch, threats" in str(err)


def test_missing_required_top_level_field_blames_line_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(edited("epoch: 2027-01-01T00:00:00Z\n", ""))
    err = error_of(path)
    assert (err.line, err.field, err.message) == (1, "epoch", "required but missing")


# --- the same through the command ----------------------------------------------------------

CLI_CASES = {
    "unknown field": (edited("      lat_deg: 33.0", "      lat_dg: 33.0"), "lat_dg: 33.0"),
    "yaml syntax": (edited("      alt_km: 50", "      alt_km: 50: km"), "alt_km: 50: km"),
    "latitude 95": (edited("      lat_deg: 33.0", "      lat_deg: 95"), "lat_deg: 95"),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_console_script_prints_one_line_and_exits_2(tmp_path: Path, case: str) -> None:
    text, blamed = CLI_CASES[case]
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
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith(f"{path}:{line_of(text, blamed)}: ")
    assert "; allowed: " in proc.stderr
    assert proc.stdout == ""


def test_console_script_missing_file_and_usage_error_are_one_line(tmp_path: Path) -> None:
    for args in (
        ["flyout", str(tmp_path / "nowhere.yaml"), "--out", str(tmp_path)],
        ["flyout", str(tmp_path / "nowhere.yaml")],  # --out missing: a usage error
        ["shoot", str(tmp_path / "nowhere.yaml"), "--az-deg", "east", "--el-deg", "30"],
    ):
        proc = subprocess.run([str(KAMINARI), *args], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, args
        assert proc.stderr.count("\n") == 1, proc.stderr
        assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_cli_runner_prints_one_line_and_exits_2(tmp_path: Path, case: str) -> None:
    text, blamed = CLI_CASES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["flyout", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr == f"{error_of(path)}\n"
    assert f"{path}:{line_of(text, blamed)}: " in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "out").exists()


# --- raids, false alarms and scan counts, through ``kaminari run`` ---------------------------

RAID = (
    GOOD
    + """\
radars:
  - name: radar-1
    site: {lat_deg: 34.5, lon_deg: 135.5, alt_m: 100}
    max_range_km: 1000
    revisit_s: 1.0
    sigma: {range_m: 20, azimuth_mrad: 1.0, elevation_mrad: 1.0}
    false_alarms_per_scan: 0.5
  - name: radar-2
    site: {lat_deg: 35.6, lon_deg: 139.8, alt_m: 30}
    max_range_km: 300
    revisit_s: 0.5
    sigma: {range_m: 5, azimuth_mrad: 0.5, elevation_mrad: 0.5}
run: {reps: 4, t_max_s: 900}
"""
)
"""GOOD with two radars and a 900 s run: a scenario ``kaminari run`` would run."""

HGV_2 = "  - name: hgv-2\n    vehicle: cav-h\n"


def raid_edited(old: str, new: str) -> str:
    assert RAID.count(old) == 1, old
    return RAID.replace(old, new)


RADAR_2_SIGMA = "    sigma: {range_m: 5, azimuth_mrad: 0.5, elevation_mrad: 0.5}\n"
RADAR_EQUATION = "    snr_ref_db: 15\n    range_ref_km: 300\n    rcs_ref_m2: 1\n    pfa: 1.0e-6\n"

# (the scenario, the line to blame (a text on it), the whole error after "file:line: ")
RAID_CASES = {
    "count of 0": (
        raid_edited(HGV_2, HGV_2 + "    count: 0\n"),
        "count: 0",
        "threats[1].count: 0 is not allowed; allowed: 1 <= count <= 1000 (threats this entry "
        "stands for: NAME-1 to NAME-N)",
    ),
    "negative spacing": (
        raid_edited(HGV_2, HGV_2 + "    count: 3\n    spacing_s: -10\n"),
        "spacing_s: -10",
        "threats[1].spacing_s: -10 is not allowed; allowed: spacing_s >= 0 (s from one's start "
        "to the next's)",
    ),
    "negative lateral spacing": (
        raid_edited(HGV_2, HGV_2 + "    count: 3\n    lateral_spacing_km: -5\n"),
        "lateral_spacing_km: -5",
        "threats[1].lateral_spacing_km: -5 is not allowed; allowed: 0 <= lateral_spacing_km "
        "<= 1000 (km between neighbours' starts, across the heading)",
    ),
    "negative start time": (
        raid_edited(HGV_2, HGV_2 + "    start_t_s: -1\n"),
        "start_t_s: -1",
        "threats[1].start_t_s: -1 is not allowed; allowed: start_t_s >= 0 (s after the epoch "
        "when the first is at start; below run.t_max_s)",
    ),
    "a raid's name taken by another threat": (
        raid_edited(HGV_2, "  - name: hgv  # a raid\n    vehicle: cav-h\n    count: 3\n").replace(
            "  - name: hgv-1\n", "  - name: hgv-2\n"
        ),
        "hgv  # a raid",
        "threats[1].name: 'hgv' with count 3 gives 'hgv-2', which is already the name of "
        "threats[0]; allowed: names unique within threats once raids are expanded (NAME with "
        "count N is NAME-1 to NAME-N)",
    ),
    "a threat named like one of a raid's": (
        raid_edited("  - name: hgv-1\n", "  - name: hgv\n    count: 3\n"),
        "name: hgv-2",
        "threats[1].name: 'hgv-2' is already the name of one of threats[0]'s 3 (hgv-1 to "
        "hgv-3); allowed: names unique within threats once raids are expanded (NAME with count "
        "N is NAME-1 to NAME-N)",
    ),
    "the last of a raid starting after t_max": (
        raid_edited(HGV_2, HGV_2 + "    count: 3\n    start_t_s: 100\n    spacing_s: 400\n"),
        "spacing_s: 400",
        "threats[1].spacing_s: the last of 3 starts at 900 s (100 + 2 x 400), not before "
        "run.t_max_s 900; allowed: start_t_s + (count - 1) * spacing_s < run.t_max_s",
    ),
    "a raid starting after t_max": (
        raid_edited(HGV_2, HGV_2 + "    count: 3\n    start_t_s: 1000\n    spacing_s: 10\n"),
        "start_t_s: 1000",
        "threats[1].start_t_s: 1000 is not before run.t_max_s 900; allowed: start_t_s + "
        "(count - 1) * spacing_s < run.t_max_s",
    ),
    "a threat starting at t_max": (
        raid_edited(HGV_2, HGV_2 + "    start_t_s: 900\n"),
        "start_t_s: 900",
        "threats[1].start_t_s: 900 is not before run.t_max_s 900; allowed: start_t_s + "
        "(count - 1) * spacing_s < run.t_max_s",
    ),
    "negative false alarm rate": (
        raid_edited("false_alarms_per_scan: 0.5", "false_alarms_per_scan: -0.5"),
        "false_alarms_per_scan: -0.5",
        "radars[0].false_alarms_per_scan: -0.5 is not allowed; allowed: false_alarms_per_scan "
        ">= 0 (mean of the Poisson number of false detections a scan reports)",
    ),
    # the radar equation (sensors.radar): all four of the reference and pfa, or none
    "swerling 2": (
        raid_edited(RADAR_2_SIGMA, RADAR_2_SIGMA + RADAR_EQUATION + "    swerling: 2\n"),
        "swerling: 2",
        "radars[1].swerling: 2 is not a fluctuation model the radar knows; allowed: 0 (steady), "
        "1 (Rayleigh) or 3 (one dominant plus Rayleigh)",
    ),
    "pfa 0": (
        raid_edited(RADAR_2_SIGMA, RADAR_2_SIGMA + RADAR_EQUATION.replace("1.0e-6", "0")),
        "pfa: 0",
        "radars[1].pfa: 0 is not allowed; allowed: 0 < pfa < 1 (false-alarm probability per "
        "cell)",
    ),
    "pfa 1": (
        raid_edited(RADAR_2_SIGMA, RADAR_2_SIGMA + RADAR_EQUATION.replace("1.0e-6", "1")),
        "pfa: 1",
        "radars[1].pfa: 1 is not allowed; allowed: 0 < pfa < 1 (false-alarm probability per "
        "cell)",
    ),
    "only some of the radar equation's four": (
        raid_edited(RADAR_2_SIGMA, RADAR_2_SIGMA + "    snr_ref_db: 15\n    pfa: 1.0e-6\n"),
        "name: radar-2",  # a missing field: the enclosing mapping's line
        "radars[1].range_ref_km: required with snr_ref_db (the radar equation); allowed: "
        "snr_ref_db, range_ref_km, rcs_ref_m2 and pfa together, or none of them",
    ),
    "a beamwidth without the radar equation": (
        raid_edited(RADAR_2_SIGMA, RADAR_2_SIGMA + "    beamwidth_mrad: 20\n"),
        "beamwidth_mrad: 20",
        "radars[1].beamwidth_mrad: used only with the radar equation; allowed: snr_ref_db, "
        "range_ref_km, rcs_ref_m2 and pfa together, or none of them",
    ),
    "a threat of no size": (
        raid_edited(HGV_2, HGV_2 + "    rcs_m2: 0\n"),
        "rcs_m2: 0",
        "threats[1].rcs_m2: 0 is not a cross-section; allowed: 0 < rcs_m2 <= 1e6",
    ),
    "a microsecond revisit": (
        raid_edited("revisit_s: 0.5", "revisit_s: 0.000001"),
        "revisit_s: 0.000001",
        "radars[1].revisit_s: 1e-06 s over run.t_max_s 900 s is 900,000,000 scans per "
        "replication (900,000,900 with the other radars); allowed: at most 10,000,000 scans per "
        "replication (a longer revisit_s or a shorter t_max_s)",
    ),
}


@pytest.mark.parametrize("case", list(RAID_CASES))
def test_run_refuses_an_impossible_raid_in_one_line_with_exit_2(tmp_path: Path, case: str) -> None:
    text, blamed, error = RAID_CASES[case]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(KAMINARI), "run", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"{path}:{line_of(text, blamed)}: {error}\n"
    assert proc.stdout == "" and not out.exists()


def test_scans_are_counted_over_all_the_radars(tmp_path: Path) -> None:
    """Two radars of 6,000,000 scans each are refused together, though each alone is not."""
    text = raid_edited("revisit_s: 1.0", "revisit_s: 0.00015").replace(
        "revisit_s: 0.5", "revisit_s: 0.00015"
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    err = error_of(path)
    assert (err.field, err.line) == ("radars[0].revisit_s", line_of(text, "max_range_km: 1000") + 1)
    assert err.message == (
        "0.00015 s over run.t_max_s 900 s is 6,000,000 scans per replication (12,000,000 with "
        "the other radars)"
    )
    path.write_text(text.replace("revisit_s: 0.00015\n    sigma: {range_m: 5", "revisit_s: 1\n"
                                 "    sigma: {range_m: 5"))
    assert len(load_scenario(path).radars) == 2  # 6,000,900 scans: allowed


def test_an_unreadable_tle_file_is_one_line_naming_it_and_exit_2(tmp_path: Path) -> None:
    layer = "space_layer:\n  tle_file: layer.tle\n" + SENSOR
    path = tmp_path / "s.yaml"
    path.write_text(edited("defended:\n", layer + "defended:\n"))
    err = error_of(path)  # no such file
    assert err.path == str(tmp_path / "layer.tle") and "no such file" in str(err)
    (tmp_path / "layer.tle").write_text("ISS (ZARYA)\n1 25544U garbled\n2 25544 garbled\n")
    err = error_of(path)
    assert err.path == str(tmp_path / "layer.tle") and err.line is not None
    done = subprocess.run([KAMINARI, "run", str(path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1
    assert "layer.tle" in done.stderr

