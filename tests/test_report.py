"""``kaminari report``: a self-contained report.html and its PNG figures for a run folder and a
sweep folder, checked as a file (nothing outside it is referenced) and in a headless Chromium
with the network blocked (every figure loads, the page requests nothing); and one-line errors,
exit status 2 and no report for inputs that cannot be used.

The run folder is a made-up one (``synthetic_run``: tables that follow
``kaminari.results.schema``, written without running the engine), so that these tests check the
report alone; ``test_a_real_run_is_reported`` and the sweep test run real campaigns."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from matplotlib import image as mpimg
from short_dive import short_dive
from synthetic_run import write_run_folder
from typer.testing import CliRunner

from kaminari.cli import app
from kaminari.report import ReportError, write_report
from kaminari.report.figures import RUN_FIGURES, SWEEP_FIGURE

SCENARIO = short_dive(reps=6, seed=3, tracks_reps=2)

RUN_PNGS = [file for _, file in RUN_FIGURES]
CHROMIUM_MISSING = "chromium not installed: apt-get install chromium"


def _scenario_file(folder: Path) -> Path:
    path = folder / "s.yaml"
    path.write_text(yaml.safe_dump(SCENARIO, sort_keys=False), encoding="utf-8")
    return path


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A made-up run folder of the short scenario, 6 replications, without a report."""
    return write_run_folder(tmp_path_factory.mktemp("run") / "out", reps=6, seed=3, tracks_reps=2)


@pytest.fixture(scope="module")
def reported(run_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the run folder with its report written by ``kaminari report``."""
    folder = tmp_path_factory.mktemp("reported") / "out"
    shutil.copytree(run_dir, folder)
    result = _invoke("report", str(folder))
    assert result.exit_code == 0, result.output
    assert f"wrote {folder / 'report.html'}" in " ".join(result.output.split())
    return folder


class _References(HTMLParser):
    """Every tag's attributes that make a browser fetch or follow something."""

    FETCHING = ("src", "href", "srcset", "poster", "data", "action", "background", "xlink:href")

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[tuple[str, str, str]] = []  # tag, attribute, value

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in self.FETCHING:
                self.refs.append((tag, name, value or ""))


def _references(text: str) -> _References:
    parser = _References()
    parser.feed(text)
    return parser


def _assert_self_contained(text: str, folder: Path) -> _References:
    """Nothing outside the file: no absolute URL anywhere, no script, no stylesheet link, no
    CSS import or url(); every image a PNG data URI; links only relative, to files present."""
    for bad in ("http://", "https://", "//cdn", "@import", "url(", "<script", "<link"):
        assert bad not in text.lower(), bad
    refs = _references(text)
    for tag, attribute, value in refs.refs:
        if tag == "img":
            assert attribute == "src" and value.startswith("data:image/png;base64,"), value[:40]
            png = base64.b64decode(value.split(",", 1)[1], validate=True)
            assert png.startswith(b"\x89PNG\r\n\x1a\n")
        else:
            assert (tag, attribute) == ("a", "href"), (tag, attribute, value)
            assert ":" not in value and not value.startswith("/"), value
            assert (folder / value).is_file(), value
    return refs


def test_run_report_is_one_self_contained_file_with_its_pngs(reported: Path) -> None:
    text = (reported / "report.html").read_text(encoding="utf-8")
    refs = _assert_self_contained(text, reported)
    images = [r for r in refs.refs if r[0] == "img"]
    assert len(images) == len(RUN_FIGURES)
    assert not [r for r in refs.refs if r[0] == "a"]  # a run report links nowhere
    for name in RUN_PNGS:
        png = (reported / "figures" / name).read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 10_000, name
    # the brief and the numbers a reader looks for first
    replications = pq.read_table(reported / "replications.parquet").to_pydict()
    kills, reps = sum(replications["killed"]), len(replications["rep"])
    assert f"{kills} killed in {reps} replications" in text
    assert f"{kills / reps:.3f}" in text and "95 % interval" in text
    for word in ("short dive", "hgv", "fc", "gun", "city", "shoot-look-shoot", "seed 3"):
        assert word in text, word
    # no shortcut is in force, and the report says so
    assert "none: fire control sees tracks only, and kills are assessed by looking" in text
    assert not list(reported.glob(".*tmp*")), "a temporary file was left behind"


def test_the_report_names_each_shortcut_in_force() -> None:
    """The truth predictor and perfect kill assessment are departures from "the defence sees
    detections and tracks only": the report's brief names each one that a run used."""
    from kaminari.report.html import _shortcuts

    assert "truth predictor" in _shortcuts("truth", False)
    assert "perfect kill assessment" in _shortcuts("track", True)
    both = _shortcuts("truth", True)
    assert "truth predictor" in both and "perfect kill assessment" in both


def test_write_report_returns_the_path_and_rewrites_in_place(reported: Path) -> None:
    assert write_report(reported) == reported / "report.html"
    assert sorted(p.name for p in (reported / "figures").glob("*.png")) == sorted(RUN_PNGS)


def test_a_real_run_is_reported(tmp_path: Path) -> None:
    """``kaminari run`` on the short scenario ends by writing the report of its folder."""
    out = tmp_path / "out"
    result = _invoke("run", str(_scenario_file(tmp_path)), "--out", str(out))
    assert result.exit_code == 0, result.output
    text = (out / "report.html").read_text(encoding="utf-8")
    _assert_self_contained(text, out)
    assert sorted(p.name for p in (out / "figures").glob("*.png")) == sorted(RUN_PNGS)
    replications = pq.read_table(out / "replications.parquet").to_pydict()
    kills, reps = sum(replications["killed"]), len(replications["rep"])
    assert f"{kills} killed in {reps} replications" in text
    # the outcome and cost rows, and the bound beside the tracks, reach the report
    for words in ("defended (debris clear of keep-out)", "cost-exchange ratio", "Cramér-Rao"):
        assert words in text, words


# --- headless Chromium, network blocked -----------------------------------------------------

PROBE = (
    "<script>addEventListener('load', () => {"
    " for (const img of document.images) img.setAttribute('data-natural-width', img.naturalWidth);"
    " document.body.setAttribute('data-images-checked', document.images.length); });</script>"
)
"""Injected into a copy of the report (the report itself has no script): after the page has
loaded, it writes each image's decoded width into the DOM, which --dump-dom then shows."""


def _chromium() -> str:
    found = shutil.which("chromium") or (
        "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
    )
    if found is None:
        pytest.skip(CHROMIUM_MISSING)
    return found


def _no_network_prefix() -> list[str]:
    """``unshare -n`` (a network namespace with no interface) where it works here."""
    unshare = shutil.which("unshare")
    if unshare and subprocess.run([unshare, "-n", "true"], capture_output=True).returncode == 0:
        return [unshare, "-n"]
    return []


def _run_chromium(page: Path, work: Path, *action: str) -> tuple[str, list[str]]:
    """Open ``page`` in headless Chromium with no network (a network namespace where possible,
    and in any case a dead proxy and a resolver that resolves nothing); returns its stdout and
    the URLs that the page itself asked the network stack for (from the net log; the browser's
    own background requests, which have no initiating origin, are left out)."""
    net_log = work / "net-log.json"
    profile = work / "profile"
    command = [
        *_no_network_prefix(), _chromium(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        f"--user-data-dir={profile}", "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND", f"--log-net-log={net_log}",
        "--virtual-time-budget=10000", *action, page.resolve().as_uri(),
    ]  # fmt: skip
    env = {**os.environ, "HOME": str(work)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requested = [
        e["params"]["url"]
        for e in log["events"]
        if e["type"] == start_job
        and "url" in e.get("params", {})
        and e["params"].get("initiator") != "not an origin"
        and not e["params"]["url"].startswith(("file:", "data:"))
    ]
    return done.stdout, requested


def test_report_renders_offline_in_headless_chromium(reported: Path, tmp_path: Path) -> None:
    text = (reported / "report.html").read_text(encoding="utf-8")
    n_images = text.count("<img ")

    # the page as a reader's browser shows it: a screenshot, and no request made
    shot = tmp_path / "report.png"
    _, requested = _run_chromium(
        reported / "report.html", tmp_path / "a", f"--screenshot={shot}", "--window-size=1400,3000"
    )
    assert requested == []
    pixels = mpimg.imread(shot)
    assert pixels.shape[:2] == (3000, 1400)
    assert float(np.std(pixels[..., :3])) > 0.05  # not a blank page

    # every figure decoded: a copy with a probe that writes each image's width into the DOM
    probe = tmp_path / "probe.html"
    probe.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom, requested = _run_chromium(probe, tmp_path / "b", "--dump-dom")
    assert requested == []
    assert f'data-images-checked="{n_images}"' in dom, dom[-500:]
    widths = [int(w) for w in _attribute_values(dom, "data-natural-width")]
    assert len(widths) == n_images == len(RUN_FIGURES)
    assert all(w >= 1000 for w in widths), widths

    # the check itself sees a page's request: an image from the network is caught
    control = tmp_path / "control.html"
    control.write_text('<html><body><img src="https://example.org/x.png"></body></html>')
    _, requested = _run_chromium(control, tmp_path / "c", "--dump-dom")
    assert requested == ["https://example.org/x.png"]


def _attribute_values(dom: str, name: str) -> list[str]:
    marker = f'{name}="'
    return [part.split('"', 1)[0] for part in dom.split(marker)[1:]]


# --- inputs that cannot be used ---------------------------------------------------------------


def _copy(run_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    shutil.copytree(run_dir, folder, ignore=shutil.ignore_patterns("report.html", "figures"))
    return folder


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _drop_column(path: Path) -> None:
    table = pq.read_table(path)
    pq.write_table(table.drop(["miss_m"]), path)


def _unfinish(path: Path) -> None:
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, "finished": []}))


@pytest.mark.parametrize(
    ("file", "spoil", "expected"),
    [
        ("replications.parquet", Path.unlink, "replications.parquet: no such file"),
        ("truth.parquet", Path.unlink, "truth.parquet: no such file"),
        ("shots.parquet", _truncate, "shots.parquet: not a readable Parquet file"),
        ("scenario.yaml", Path.unlink, "scenario.yaml: no such file"),
        ("tracks.parquet", lambda p: p.write_text("not parquet"), "tracks.parquet: not a read"),
        ("shots.parquet", _drop_column, "shots.parquet: has no column miss_m"),
        ("manifest.json", _unfinish, "manifest.json: the campaign is not finished: 0 of 1"),
    ],
)
def test_unusable_input_is_one_line_exit_2_and_no_report(
    run_dir: Path,
    tmp_path: Path,
    file: str,
    spoil,
    expected: str,  # type: ignore[no-untyped-def]
) -> None:
    folder = _copy(run_dir, tmp_path)
    spoil(folder / file)
    result = _invoke("report", str(folder))
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.output
    assert str(folder / file) in lines[0] and "; allowed: " in lines[0]
    assert "Traceback" not in result.output
    assert not (folder / "report.html").exists()
    assert not (folder / "figures").exists()  # nothing written before every input was read


def test_a_folder_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    result = _invoke("report", str(tmp_path / "nowhere"))
    assert result.exit_code == 2
    assert result.output.strip() == (
        f"{tmp_path / 'nowhere'}: no such folder; allowed: a run folder (kaminari run --out "
        "DIR) or a sweep folder (kaminari sweep --out DIR)"
    )


def test_report_error_is_one_line_and_pickles() -> None:
    import pickle

    err = ReportError(Path("d/x.parquet"), "not\nreadable", "a table")
    assert str(err) == "d/x.parquet: not readable; allowed: a table"
    assert str(pickle.loads(pickle.dumps(err))) == str(err)


def test_tables_of_another_scenario_are_refused(run_dir: Path, tmp_path: Path) -> None:
    folder = _copy(run_dir, tmp_path)
    table = pq.read_table(folder / "shots.parquet")
    renamed = table.set_column(
        table.schema.get_field_index("battery"), "battery",
        pa.array(["other"] * table.num_rows, pa.string()),
    )  # fmt: skip
    pq.write_table(renamed, folder / "shots.parquet")
    with pytest.raises(ReportError, match="battery 'other' is not in scenario.yaml"):
        write_report(folder)


# --- a sweep folder ---------------------------------------------------------------------------


def test_sweep_report_has_pk_against_the_parameter_and_links_point_reports(
    tmp_path: Path,
) -> None:
    out = tmp_path / "sweep"
    result = _invoke(
        "sweep",
        str(_scenario_file(tmp_path)),
        "--out",
        str(out),
        "--reps",
        "3",
        "--set",
        "batteries.0.lethal_radius_m=5,30",
        "--point-reports",
    )
    assert result.exit_code == 0, result.output
    # with --point-reports kaminari sweep writes every point's report and then the sweep's,
    # linking them (without it, the sweep's alone: a sweep's time is its campaigns')
    assert (out / "report.html").exists() and (out / "point-001" / "report.html").exists()
    (out / "point-001" / "report.html").unlink()  # a point without a report gets no link
    result = _invoke("report", str(out))
    assert result.exit_code == 0, result.output
    png = (out / "figures" / SWEEP_FIGURE).read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    text = (out / "report.html").read_text(encoding="utf-8")
    refs = _assert_self_contained(text, out)
    assert [v for t, _, v in refs.refs if t == "a"] == ["point-000/report.html"]
    assert len([r for r in refs.refs if r[0] == "img"]) == 1
    assert "Pk against" in text and "batteries.0.lethal_radius_m" in text
    table = pq.read_table(out / "sweep.parquet").to_pydict()
    for pk, low, high in zip(table["pk"], table["pk_low"], table["pk_high"], strict=True):
        assert f"{pk:.3f}" in text and f"{low:.3f}–{high:.3f}" in text
    assert not list((out / "figures").glob("map.png"))  # only the sweep's own figure


def test_a_sweep_writes_its_own_report_and_says_how_to_make_a_point_s(tmp_path: Path) -> None:
    """Without --point-reports the sweep renders one report, its own (a sweep of 9 points x 300
    replications spent a third of its time on the points' reports: docs/benchmarks.md)."""
    out = tmp_path / "sweep"
    result = _invoke("sweep", str(_scenario_file(tmp_path)), "--out", str(out), "--reps", "2",
                     "--set", "batteries.0.lethal_radius_m=5,30")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (out / "report.html").exists()
    assert not (out / "point-000" / "report.html").exists()
    assert f"kaminari report {out / 'point-000'}" in " ".join(result.output.split())


def test_sweep_folder_without_its_table_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "sweep"
    folder.mkdir()
    (folder / "sweep.yaml").write_text(
        "parameters:\n- {path: run.seed, values: [1, 2]}\npoints:\n"
        "- {point: 0, folder: point-000, values: {run.seed: 1}}\n"
        "- {point: 1, folder: point-001, values: {run.seed: 2}}\n"
    )
    result = _invoke("report", str(folder))
    assert result.exit_code == 2
    assert result.output.strip().startswith(f"{folder / 'sweep.parquet'}: no such file")
    assert not (folder / "report.html").exists()


# --- dispersed threats ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dispersed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A made-up run of a dispersed threat (aim CEP 200 m, start 5 km), 80 replications."""
    return write_run_folder(
        tmp_path_factory.mktemp("dispersed") / "out", reps=80, seed=11, tracks_reps=3,
        dispersed=True,
    )  # fmt: skip


def _numpy_tables(folder: Path) -> tuple[dict, dict]:
    reps = pq.read_table(folder / "replications.parquet").to_pydict()
    shots = pq.read_table(folder / "shots.parquet").to_pydict()
    return (
        {k: np.array(v, dtype=object if k in ("threat", "battery") else None)
         for k, v in reps.items()},
        {k: np.array(v, dtype=object if k in ("threat", "battery") else None)
         for k, v in shots.items()},
    )  # fmt: skip


def test_the_summary_gives_a_dispersed_threats_cep(dispersed_dir: Path) -> None:
    """The CEP is the median great-circle distance of the flight impact points from the dive
    target (the city), or from their mean point where no target is given: both computed here
    anew from the table, with numpy."""
    from kaminari.report.summary import dive_targets, summarize, summary_rows
    from kaminari.scenario import load_scenario

    reps, shots = _numpy_tables(dispersed_dir)
    lat = reps["flight_impact_lat_deg"].astype(float)
    lon = reps["flight_impact_lon_deg"].astype(float)

    def radial_m(lat0: float, lon0: float) -> np.ndarray:  # haversine, IUGG mean radius
        p0, l0, p, lam = np.radians(lat0), np.radians(lon0), np.radians(lat), np.radians(lon)
        a = np.sin((p - p0) / 2) ** 2 + np.cos(p0) * np.cos(p) * np.sin((lam - l0) / 2) ** 2
        return 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))

    about_city = float(np.median(radial_m(35.68, 139.77)))
    about_mean = float(np.median(radial_m(lat.mean(), lon.mean())))  # a flat mean: to a mm
    targets = dive_targets(load_scenario(dispersed_dir / "scenario.yaml"))
    assert targets == {"hgv": (pytest.approx(35.68), pytest.approx(139.77), "city")}
    (s,) = summarize(reps, shots, targets)
    assert s.impact_cep_m == pytest.approx(about_city, rel=1e-9)
    assert (s.impact_about, s.impact_n) == ("city", 80)
    (m,) = summarize(reps, shots)
    assert m.impact_cep_m == pytest.approx(about_mean, abs=0.01)
    assert m.impact_about == "mean point"
    rows = dict(summary_rows([s]))
    assert rows["flight impact (dispersed):"] == [""]
    assert rows["  CEP, m"] == [f"{about_city:.0f}"]
    assert (rows["  about"], rows["  replications"]) == (["city"], ["80"])


def test_an_undispersed_summary_is_as_before(run_dir: Path) -> None:
    """The same flight impact point in every replication (a threat flown without dispersion),
    or no flight impact columns at all: the summary's rows are those it always had."""
    from kaminari.report.summary import summarize, summary_rows

    reps, shots = _numpy_tables(run_dir)
    without = {k: v for k, v in reps.items() if not k.startswith("flight_impact")}
    same = {**reps, "flight_impact_lat_deg": np.full(len(reps["rep"]), 35.68),
            "flight_impact_lon_deg": np.full(len(reps["rep"]), 139.77)}  # fmt: skip
    before = summary_rows(summarize(without, shots))
    assert not any("flight impact" in label for label, _ in before)
    assert summary_rows(summarize(same, shots)) == before
    assert summary_rows(summarize(reps, shots)) == before  # NaN: never landed


def test_a_dispersed_report_says_so_and_gives_the_cep(dispersed_dir: Path) -> None:
    from kaminari.report import render_report
    from kaminari.report.summary import dive_targets, summarize

    text = render_report(dispersed_dir).html
    assert (
        "Dispersed per replication, each flying its own path (1σ spreads; the aim&#x27;s as a "
        "CEP): hgv: aim CEP 200 m, start 5 km." in text
    )
    reps, shots = _numpy_tables(dispersed_dir)
    from kaminari.scenario import load_scenario

    (s,) = summarize(reps, shots, dive_targets(load_scenario(dispersed_dir / "scenario.yaml")))
    assert f'<td class="indent">CEP, m</td><td>{s.impact_cep_m:.0f}</td>' in text
    assert "own paths in the first 3 replications" in text  # the map's caption


def test_a_folder_from_before_dispersion_is_reported(run_dir: Path, tmp_path: Path) -> None:
    """No paths.parquet and no flight impact columns (a run from before dispersion): the report
    is as it was, without a word on dispersion."""
    folder = _copy(run_dir, tmp_path)
    table = pq.read_table(folder / "replications.parquet")
    pq.write_table(
        table.drop(["flight_impact_lat_deg", "flight_impact_lon_deg"]),
        folder / "replications.parquet",
    )
    assert not (folder / "paths.parquet").exists()
    result = _invoke("report", str(folder))
    assert result.exit_code == 0, result.output
    text = (folder / "report.html").read_text(encoding="utf-8")
    for word in ("Dispersed", "flight impact", "own paths"):
        assert word not in text, word
    assert (folder / "figures" / "map.png").read_bytes().startswith(b"\x89PNG")


def test_paths_of_a_threat_not_in_truth_are_refused(dispersed_dir: Path, tmp_path: Path) -> None:
    folder = _copy(dispersed_dir, tmp_path)
    table = pq.read_table(folder / "paths.parquet")
    renamed = table.set_column(
        table.schema.get_field_index("threat"), "threat",
        pa.array(["other"] * table.num_rows, pa.string()),
    )  # fmt: skip
    pq.write_table(renamed, folder / "paths.parquet")
    with pytest.raises(ReportError, match="paths.parquet: threat 'other' is not in truth"):
        write_report(folder)
