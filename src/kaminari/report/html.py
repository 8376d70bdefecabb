"""The HTML report of a run folder or a sweep folder: one self-contained file that opens offline.

    write_report(DIR) -> DIR/report.html, and the figures as PNG in DIR/figures/

A run folder (``kaminari run --out DIR``) holds ``scenario.yaml`` and ``replications``,
``shots``, ``tracks`` and ``truth`` ``.parquet`` (``kaminari.results.schema``; and, from the
campaign engine, ``manifest.json``); its report gives a brief of the scenario, Pk with its 95 %
interval per threat, the summary table, for a raid (more than one threat) the raid's statistics
per replication, and the figures of ``report.figures``. The threats' paths are drawn from
``truth.parquet``, the nominal flights the campaign wrote: nothing is flown here. Where threats
were dispersed (scenario ``threats[].dispersion``), the brief says so and with which spreads,
the summary gives the CEP of their flight impact points and the map their own paths
(``paths.parquet``, the first ``run.tracks_reps`` replications) and impact points; a run folder
from before dispersion (no ``paths.parquet``, no flight impact columns) is reported as before.

A sweep folder (``kaminari sweep --out DIR``) holds ``sweep.yaml``, ``sweep.parquet`` and one run
folder per point; its report gives the grid, the best point per threat, the sweep table with
relative links to each point's own report where one exists, and Pk against each swept parameter.

Every input is read and checked before anything is drawn or written: a missing or unreadable
file, a table without the columns it should have, or tables that do not belong together raise a
``ReportError`` naming the file. The figures are embedded as PNG ``data:`` URIs and the style is
inline: the file fetches nothing (no scripts, fonts or links outside it, except the relative
links to point reports). It appears under its name only once complete (a temporary file, then a
rename).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from kaminari import __version__
from kaminari.errors import UserInputError
from kaminari.report.figures import (
    METRICS_FIGURE,
    RAID_FIGURE,
    RUN_FIGURES,
    SWEEP_FIGURE,
    Table,
    png_bytes,
    run_figures,
    sweep_figure,
)
from kaminari.report.maps import threat_entry, threat_paths
from kaminari.report.summary import (
    FLIGHT_IMPACT,
    OUTCOME,
    SENSING,
    ThreatSummary,
    dive_targets,
    raid_heading,
    raid_rows,
    summarize,
    summarize_raid,
    summary_rows,
)
from kaminari.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "FIGURES_FOLDER",
    "REPORT_FILE",
    "RenderedReport",
    "ReportError",
    "RunFolder",
    "SweepFolder",
    "read_run_folder",
    "read_sweep_folder",
    "render_report",
    "summary_rows",
    "write_report",
]

REPORT_FILE = "report.html"
FIGURES_FOLDER = "figures"
SCENARIO_FILE = "scenario.yaml"
MANIFEST_FILE = "manifest.json"
SWEEP_FILE = "sweep.yaml"
SWEEP_TABLE = "sweep.parquet"

COLUMNS = {
    "replications.parquet": (
        "rep", "threat", "detect_t_s", "track_t_s", "first_shot_t_s", "shots", "killed",
        "kill_t_s", "kill_alt_m", "kill_lat_deg", "kill_lon_deg", "leaked", "impact_t_s",
        "impact_lat_deg", "impact_lon_deg", "false_tracks",
    ),
    "shots.parquet": ("rep", "battery", "track_id", "threat", "fire_t_s", "miss_m"),
    "tracks.parquet": (
        "rep", "track_id", "threat", "t_s", "status", "x_m", "y_m", "z_m", "var_x_m2",
        "var_y_m2", "var_z_m2", "true_x_m", "true_y_m", "true_z_m",
    ),
    "truth.parquet": ("threat", "t_s", "lat_deg", "lon_deg", "alt_m"),
}  # fmt: skip
"""The columns the report reads from each table of a run folder."""

OPTIONAL_COLUMNS = {
    "replications.parquet": FLIGHT_IMPACT + SENSING + OUTCOME,
    "tracks.parquet": ("pcrlb_m",),
}
"""Columns read where a table has them: a run from before dispersion (or the space layer, or
effectors with costs, or the PCRLB) has not."""

METRICS_FILE = "metrics.parquet"
METRICS_COLUMNS = ("rep", "node", "t_s", "ospa_m", "gospa_m")
"""OSPA and GOSPA per recorded replication: optional (a run from before them has no file)."""

PATHS_FILE = "paths.parquet"
PATHS_COLUMNS = ("rep", "threat", "t_s", "lat_deg", "lon_deg", "alt_m")
"""The dispersed threats' own flights in the first replications, and the columns read of them:
optional (a run from before dispersion has no such file)."""

NOTES = {
    "truth.parquet": ": the threats' nominal flights, which a run folder from before raids "
    "lacks (run its scenario.yaml again)",
}
"""What more to say of a table of a run folder when it cannot be used."""

SWEEP_COLUMNS = ("point", "threat", "reps", "kills", "pk", "pk_low", "pk_high")
SWEEP_SENSING = (
    ("detect_t_s", "first detection, s", ".0f"),
    ("fc_track_t_s", "fire-control track, s", ".1f"),
    ("handover_error_m", "cue error, m", ".0f"),
    ("kill_alt_m", "kill altitude, m", ".0f"),
    ("debris_median_m", "debris from defended point, m", ".0f"),
    ("cost_per_kill_usd", "US$ per kill", ",.0f"),
    ("cost_exchange", "cost exchange", ".3g"),
)
"""Sensing medians a sweep table has from the space layer on, and outcome and cost from
effectors with costs on (optional)."""

FOLDER_ALLOWED = (
    "a run folder (kaminari run --out DIR) or a sweep folder (kaminari sweep --out DIR)"
)


class ReportError(UserInputError):
    """An input of a report that cannot be used: the one-line ``UserInputError`` of every
    layer, ``path: message; allowed: allowed`` (no line or field)."""

    def __init__(self, path: str | os.PathLike[str], message: str, allowed: str) -> None:
        super().__init__(os.fspath(path), None, None, message, allowed)

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.path, self.message, self.allowed)


# --- reading and checking ------------------------------------------------------------------


@dataclass(frozen=True)
class RunFolder:
    """A run folder's inputs, read and checked."""

    folder: Path
    scenario: Scenario
    replications: Table
    shots: Table
    tracks: Table
    truth: Table
    """The threats' nominal flights (``truth.parquet``)."""
    predictor: str | None
    """What fire control predicted from (``manifest.json``), where recorded."""
    paths: Table | None = None
    """The dispersed threats' own flights (``paths.parquet``); None where the folder has none."""
    metrics: Table | None = None
    """OSPA and GOSPA per recorded replication and instant (``metrics.parquet``); None where
    the folder has none."""


@dataclass(frozen=True)
class SweepFolder:
    """A sweep folder's inputs, read and checked. ``parameters``: (path, values) per swept
    field in grid order; ``point_values``: each point's ``{path: value}``; ``point_folders``:
    each point's folder name; ``scenario``: the first point's scenario as run."""

    folder: Path
    record: Mapping[str, Any]
    parameters: tuple[tuple[str, tuple[Any, ...]], ...]
    point_values: Mapping[int, Mapping[str, Any]]
    point_folders: Mapping[int, str]
    table: Table
    scenario: Scenario


def _scenario(path: Path) -> Scenario:
    try:
        return load_scenario(path)
    except ScenarioError as err:
        where = err.path if err.line is None else f"{err.path}:{err.line}"
        message = ": ".join(part for part in (err.field, err.message) if part)
        raise ReportError(where or path, message, err.allowed) from None


def _table(
    path: Path, columns: Sequence[str], made_by: str, note: str = "", optional: Sequence[str] = ()
) -> Table:
    """The named columns of a Parquet file, as numpy arrays, and those of ``optional`` that it
    has; every problem a ``ReportError`` (``note``: what more the error says of the file)."""
    allowed = f"a Parquet table as {made_by} writes it{note}"
    if not path.is_file():
        raise ReportError(path, "no such file" if not path.exists() else "not a file", allowed)
    try:
        file = pq.ParquetFile(path)
        missing = [c for c in columns if c not in file.schema_arrow.names]
        if missing:
            raise ReportError(
                path,
                f"has no column {', '.join(missing)}",
                f"{allowed}, with columns {', '.join(columns)}",
            )
        columns = [*columns, *(c for c in optional if c in file.schema_arrow.names)]
        table = file.read(columns=list(columns))
    except (OSError, pa.ArrowException, ValueError) as err:
        reason = " ".join(str(err).split())[:120] or type(err).__name__
        raise ReportError(path, f"not a readable Parquet file ({reason})", allowed) from None
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in columns}


def _check_manifest(folder: Path) -> str | None:
    """The predictor of a campaign's manifest, where there is one; an unfinished campaign is a
    ``ReportError`` (its tables are not all there)."""
    path = folder / MANIFEST_FILE
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        finished, n_chunks = len(manifest["finished"]), int(manifest["n_chunks"])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise ReportError(
            path,
            f"not a readable campaign manifest ({type(err).__name__})",
            "manifest.json as kaminari run writes it",
        ) from None
    if finished < n_chunks:
        raise ReportError(
            path,
            f"the campaign is not finished: {finished} of {n_chunks} chunks",
            "a finished campaign (kaminari run SCENARIO --out DIR --resume)",
        )
    predictor = manifest.get("predictor")
    return predictor if isinstance(predictor, str) else None


def _names(table: Table, column: str) -> list[str]:
    return list(dict.fromkeys(np.asarray(table[column]).astype(str).tolist()))


def read_run_folder(folder: str | os.PathLike[str]) -> RunFolder:
    """Read and check a run folder: scenario.yaml, the four tables (their columns; that truth
    holds the scenario's threats, a raid's as ``NAME-1`` ... of its entry ``NAME``, and the
    other tables no threat but those, or none (an empty name: a false track's); the scenario's
    batteries; as many replications as it ran), and the campaign manifest where there is one."""
    folder = Path(folder)
    scenario = _scenario(folder / SCENARIO_FILE)
    predictor = _check_manifest(folder)
    tables = {
        name: _table(
            folder / name, cols, "kaminari run", NOTES.get(name, ""), OPTIONAL_COLUMNS.get(name, ())
        )
        for name, cols in COLUMNS.items()
    }
    paths = None
    if (folder / PATHS_FILE).exists():
        paths = tables[PATHS_FILE] = _table(folder / PATHS_FILE, PATHS_COLUMNS, "kaminari run")
    metrics = None
    if (folder / METRICS_FILE).exists():
        metrics = _table(folder / METRICS_FILE, METRICS_COLUMNS, "kaminari run")
    replications = tables["replications.parquet"]
    path = folder / "replications.parquet"
    reps = np.unique(np.asarray(replications["rep"]))
    if reps.size == 0:
        raise ReportError(path, "holds no replications", "the tables of a finished run")
    if reps.size != scenario.run.reps:
        message = f"holds {reps.size} replications where scenario.yaml says run.reps: "
        raise ReportError(
            path, message + f"{scenario.run.reps}", "the tables and scenario.yaml of one run"
        )
    entries = [t.name for t in scenario.threats]
    flown = _names(tables["truth.parquet"], "threat")
    if not flown:
        raise ReportError(
            folder / "truth.parquet", "holds no threat", "the tables of a finished run"
        )
    stray = [n for n in flown if threat_entry(scenario, n) is None]
    if stray:
        raise ReportError(
            folder / "truth.parquet",
            f"threat {stray[0]!r} is not in scenario.yaml",
            f"the threats of scenario.yaml: {', '.join(entries)} (a raid's as NAME-1, NAME-2, …)",
        )
    batteries = [b.name for b in scenario.batteries]
    for name, column, known, section, allowed in (
        ("replications.parquet", "threat", flown, "truth.parquet", "the threats"),
        ("shots.parquet", "threat", flown + [""], "truth.parquet", "the threats"),
        ("shots.parquet", "battery", batteries, "scenario.yaml", "the batteries"),
        ("tracks.parquet", "threat", flown + [""], "truth.parquet", "the threats"),
        *([(PATHS_FILE, "threat", flown, "truth.parquet", "the threats")] * (paths is not None)),
    ):
        stray = [n for n in _names(tables[name], column) if n not in known]
        if stray:
            raise ReportError(
                folder / name,
                f"{column} {stray[0]!r} is not in {section}",
                f"{allowed} of {section}: {', '.join(k for k in known if k) or 'none'}",
            )
    return RunFolder(
        folder,
        scenario,
        replications,
        tables["shots.parquet"],
        tables["tracks.parquet"],
        tables["truth.parquet"],
        predictor,
        paths,
        metrics,
    )


def read_sweep_folder(folder: str | os.PathLike[str]) -> SweepFolder:
    """Read and check a sweep folder: sweep.yaml (its parameters and points), sweep.parquet
    (its columns, and that its points are the grid's) and the first point's scenario.yaml."""
    folder = Path(folder)
    path = folder / SWEEP_FILE
    allowed = "sweep.yaml as kaminari sweep writes it (parameters and points)"
    try:
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        parameters = tuple((str(p["path"]), tuple(p["values"])) for p in record["parameters"])
        points = {int(p["point"]): p for p in record["points"]}
        point_values = {i: {k: p["values"][k] for k, _ in parameters} for i, p in points.items()}
        point_folders = {i: str(p["folder"]) for i, p in points.items()}
    except FileNotFoundError:
        raise ReportError(path, "no such file", allowed) from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise ReportError(path, f"cannot be read ({type(err).__name__})", allowed) from None
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ReportError(path, f"lacks the grid ({type(err).__name__}: {err})", allowed) from None
    if not parameters or not points:
        raise ReportError(path, "lists no parameters or no points", allowed)
    table = _table(folder / SWEEP_TABLE, SWEEP_COLUMNS, "kaminari sweep",
                   optional=[c for c, _, _ in SWEEP_SENSING])  # fmt: skip
    stray = [int(p) for p in np.unique(np.asarray(table["point"])) if int(p) not in points]
    if stray:
        raise ReportError(
            folder / SWEEP_TABLE,
            f"point {stray[0]} is not in sweep.yaml",
            f"points {min(points)} to {max(points)} of the grid in sweep.yaml",
        )
    if len(np.asarray(table["point"])) == 0:
        raise ReportError(folder / SWEEP_TABLE, "holds no points", "the table of a finished sweep")
    scenario = _scenario(folder / point_folders[min(points)] / SCENARIO_FILE)
    return SweepFolder(folder, record, parameters, point_values, point_folders, table, scenario)


# --- HTML pieces ---------------------------------------------------------------------------

CSS = """
:root { --ink: #1d2327; --muted: #5b6770; --line: #dfe4e8; --soft: #f4f6f8; --accent: #1f5f8b;
        --kill: #1a9850; --leak: #d73027; }
* { box-sizing: border-box; }
body { margin: 0; background: #eceff2; color: var(--ink);
       font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; }
main { max-width: 1200px; margin: 0 auto; padding: 32px 40px 56px; background: white; }
h1 { font-size: 28px; line-height: 1.2; margin: 0 0 6px; }
h2 { font-size: 20px; margin: 40px 0 12px; padding-bottom: 6px;
     border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 20px 0 6px; color: var(--muted); text-transform: uppercase;
     letter-spacing: .04em; }
.sub { color: var(--muted); margin: 0; }
.top { display: grid; grid-template-columns: 370px 1fr; gap: 36px; align-items: start;
       margin-top: 26px; }
.top.wide { grid-template-columns: 1fr; }
.top h2 { margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)); gap: 18px; }
.card { border: 1px solid var(--line); border-radius: 12px; padding: 18px 22px; background: white;
        box-shadow: 0 1px 3px rgba(0,0,0,.06); }
.card .who { font-weight: 600; color: var(--muted); }
.card .pk { font-size: 60px; font-weight: 750; line-height: 1.05; letter-spacing: -.02em;
            font-variant-numeric: tabular-nums; }
.card .pk small { font-size: 20px; font-weight: 600; color: var(--muted); letter-spacing: 0; }
.card .ci { font-size: 18px; font-variant-numeric: tabular-nums; }
.card .n { color: var(--muted); font-size: 14px; }
.bar { position: relative; height: 12px; background: var(--soft); border-radius: 6px;
       margin: 14px 0 3px; border: 1px solid var(--line); }
.bar .span { position: absolute; top: 0; bottom: 0; background: #9ecae1; border-radius: 6px; }
.bar .at { position: absolute; top: -4px; width: 4px; height: 18px; margin-left: -2px;
           background: var(--ink); border-radius: 2px; }
.scale { display: flex; justify-content: space-between; font-size: 12px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 14px;
        font-variant-numeric: tabular-nums; }
table.summary { width: auto; min-width: 100%; }
table.summary td:first-child { padding-right: 40px; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: right;
         vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
th:first-child, td:first-child, td.l, th.l { text-align: left; }
tr.group td { font-weight: 600; color: var(--muted); background: white; }
td.indent { padding-left: 26px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 28px; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; }
p.note { color: var(--muted); font-size: 14px; margin: 6px 0 0; }
figure { margin: 28px 0; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--line);
             border-radius: 8px; }
figcaption { color: var(--muted); font-size: 14px; margin-top: 8px; max-width: 70em; }
figcaption b { color: var(--ink); }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line);
         padding-top: 10px; }
a { color: var(--accent); }
@media print { body { background: white; } main { max-width: none; padding: 0; }
               figure, .card, table { break-inside: avoid; } }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _fmt(x: float, spec: str = ".1f") -> str:
    return "–" if x is None or not np.isfinite(x) else format(x, spec)


def _table_html(
    header: Sequence[str], rows: Sequence[Sequence[Any]], left: Sequence[int] = (0,)
) -> str:
    """A table; the columns numbered in ``left`` (text) aligned left, the others (numbers)
    right. Cells are escaped, except those given as ``_Raw``."""

    def cell(tag: str, i: int, value: Any) -> str:
        cls = ' class="l"' if i in left else ""
        text = value.html if isinstance(value, _Raw) else _e(value)
        return f"<{tag}{cls}>{text}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


@dataclass(frozen=True)
class _Raw:
    html: str


def _pk_card(
    who: str, pk: float, low: float, high: float, kills: int, reps: int, note: str = ""
) -> str:
    left, width = 100 * low, 100 * max(high - low, 0.0)
    return (
        f'<div class="card"><div class="who">{_e(who)}</div>'
        f'<div class="pk"><small>Pk</small> {_fmt(pk, ".3f")}</div>'
        f'<div class="ci">95 % interval {_fmt(low, ".3f")} – {_fmt(high, ".3f")}</div>'
        f'<div class="bar" role="img" aria-label="Pk {_fmt(pk, ".3f")}, 95 % interval">'
        f'<div class="span" style="left:{left:.2f}%;width:{width:.2f}%"></div>'
        f'<div class="at" style="left:{100 * pk:.2f}%"></div></div>'
        '<div class="scale"><span>0</span><span>0.5</span><span>1</span></div>'
        f'<div class="n">{kills:,} killed in {reps:,} replications{_e(note)}; '
        "Wilson score interval</div></div>"
    )


def _summary_html(rows: Sequence[ThreatSummary]) -> str:
    head = "".join(f"<th>{_e(s.threat)}</th>" for s in rows)
    body = []
    for label, cells in summary_rows(rows):
        if label.endswith(":"):
            body.append(f'<tr class="group"><td colspan="{len(rows) + 1}">{_e(label)}</td></tr>')
            continue
        cls = ' class="indent"' if label.startswith("  ") else ""
        body.append(
            f"<tr><td{cls}>{_e(label.strip())}</td>"
            + "".join(f"<td>{_e(c)}</td>" for c in cells)
            + "</tr>"
        )
    return (
        f'<table class="summary"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _site(lat_deg: float, lon_deg: float) -> str:
    return (
        f"{abs(lat_deg):.2f}° {'N' if lat_deg >= 0 else 'S'}, "
        f"{abs(lon_deg):.2f}° {'E' if lon_deg >= 0 else 'W'}"
    )


def _starts(s: Scenario, truth: Table | None) -> dict[str, tuple[list[str], float, float]]:
    """Per threat entry of the scenario, the threats that flew from it (a raid's several) and
    their first and last start time (s), from ``truth``."""
    if truth is None:
        return {}
    out: dict[str, tuple[list[str], float, float]] = {}
    for path in threat_paths(truth):
        entry = threat_entry(s, path.name)
        if entry is None:
            continue
        names, first, last = out.get(entry.name, ([], np.inf, -np.inf))
        out[entry.name] = (
            [*names, path.name],
            min(first, path.start_t_s),
            max(last, path.start_t_s),
        )
    return out


def _shortcuts(predictor: str | None, perfect_kill_assessment: bool) -> str:
    """The named departures from "the defence sees detections and tracks only" in force."""
    used = []
    if predictor == "truth":
        used.append("the truth predictor: fire control knows each tracked threat's future path")
    if perfect_kill_assessment:
        used.append("perfect kill assessment: fire control knows at once which threats are dead")
    if not used:
        return "none: fire control sees tracks only, and kills are assessed by looking"
    return "; ".join(used)


DISPERSION_FIELDS = (
    ("aim_cep_m", "aim CEP", "{:g} m"),
    ("start_km", "start", "{:g} km"),
    ("heading_deg", "heading", "{:g}°"),
    ("speed_mps", "speed", "{:g} m/s"),
    ("dive_start_km", "dive start", "{:g} km"),
    ("density_pct", "air density", "{:g} %"),
)
"""A threat's ``dispersion`` fields in the brief: field, name, format of its 1-sigma."""


def _dispersion_text(s: Scenario) -> str:
    """One line naming the dispersed threat entries and their spreads (the nonzero fields of
    each ``dispersion`` block in scenario.yaml), or "" where none is dispersed."""
    entries = []
    for t in s.threats:
        d = t.dispersion
        if d is None:
            continue
        spreads = [f"{name} {fmt.format(getattr(d, f))}"
                   for f, name, fmt in DISPERSION_FIELDS if getattr(d, f)]  # fmt: skip
        w = d.weave
        weave = [f"amplitude {w.amplitude_deg:g}°"] * bool(w.amplitude_deg)
        weave += [f"period {w.period_s:g} s"] * bool(w.period_s) + ["random phase"] * w.random_phase
        if weave:
            spreads.append(f"weave {', '.join(weave)}")
        if spreads:
            entries.append(f"{t.name}: {', '.join(spreads)}")
    if not entries:
        return ""
    return (
        "Dispersed per replication, each flying its own path (1σ spreads; the aim's as a "
        f"CEP): {'; '.join(entries)}."
    )


def _brief_html(
    s: Scenario, reps: int | None, predictor: str | None, truth: Table | None = None
) -> str:
    """The scenario in tables: threats (with, from ``truth``, a raid's threats and their start
    times), radars, batteries, defended points, doctrine and run."""
    starts = _starts(s, truth)
    timed = any(last > 0.0 or len(names) > 1 for names, _, last in starts.values())
    threats = []
    for t in s.threats:
        g = t.guidance
        dive = g.dive if g is not None else None
        if g is None:
            guidance = f"ballistic, β {t.ballistic_coefficient_kgpm2:g} kg/m²"
        else:
            guidance = f"α {g.alpha_deg:g}°, {g.glide} glide, bank {g.bank.kind}"
        if dive is not None:
            onto = dive.target or _site(dive.lat_deg or 0.0, dive.lon_deg or 0.0)
            guidance += f"; dives onto {onto} from {dive.start_range_km:g} km"
            if dive.impact_angle_deg is not None:
                guidance += f" at {dive.impact_angle_deg:g}°"
        names, first, last = starts.get(t.name, ([t.name], 0.0, 0.0))
        who = t.name if names == [t.name] else f"{t.name}: {len(names)} threats, {names[0]} … "
        who += "" if names == [t.name] else names[-1]
        start_s = f"{first:g}" if first == last else f"{first:g}–{last:g}"
        if t.launch is not None:
            la = t.launch
            threats.append(
                [
                    who,
                    t.vehicle,
                    _site(la.lat_deg, la.lon_deg),
                    *([start_s] if timed else []),
                    "launch",
                    la.booster,
                    f"{la.azimuth_deg:g}",
                    _Raw(_e(guidance)),
                ]
            )
            continue
        st = t.start
        threats.append(
            [
                who,
                t.vehicle,
                _site(st.lat_deg, st.lon_deg),
                *([start_s] if timed else []),
                f"{st.alt_km:g}",
                f"{st.speed_mps:,.0f}",
                f"{st.heading_deg:g}",
                _Raw(_e(guidance)),
            ]
        )
    header = ["threat", "vehicle", "start", "altitude km", "speed m/s", "heading °", "guidance"]
    if timed:
        header.insert(3, "starts at s")
    parts = [
        "<h3>Threats</h3>",
        _table_html(header, threats, left=(0, 1, 2, len(header) - 1)),
    ]
    dispersed = _dispersion_text(s)
    if dispersed:
        parts.append(f'<p class="note">{_e(dispersed)}</p>')
    if s.radars:
        false_alarms = [float(getattr(r, "false_alarms_per_scan", 0.0) or 0.0) for r in s.radars]
        with_false = any(f > 0.0 for f in false_alarms)
        parts += [
            "<h3>Radars</h3>",
            _table_html(
                [
                    "radar",
                    "site",
                    "max range km",
                    "revisit s",
                    "σ range m",
                    "σ az / el mrad",
                    "P detect, or the radar equation",
                    *(["false alarms / scan"] if with_false else []),
                ],
                [
                    [
                        r.name,
                        _site(r.site.lat_deg, r.site.lon_deg),
                        f"{r.max_range_km:,.0f}",
                        f"{r.revisit_s:g}",
                        f"{r.sigma.range_m:g}",
                        f"{r.sigma.azimuth_mrad:g} / {r.sigma.elevation_mrad:g}",
                        (
                            f"{r.detection_probability:g}"
                            if r.snr_ref_db is None
                            else f"SNR {r.snr_ref_db:g} dB at {r.range_ref_km:g} km on "
                            f"{r.rcs_ref_m2:g} m², Pfa {r.pfa:g}, "
                            f"Swerling {1 if r.swerling is None else r.swerling}"
                        ),
                        *([f"{f:g}"] if with_false else []),
                    ]
                    for r, f in zip(s.radars, false_alarms, strict=True)
                ],
                left=(0, 1),
            ),
        ]
    railguns = [b for b in s.batteries if b.kind == "railgun"]
    launchers = [b for b in s.batteries if b.kind == "interceptor"]
    if launchers:
        parts += [
            "<h3>Interceptor batteries</h3>",
            _table_html(
                ["battery", "site", "missile", "magazine", "lethality", "reaction s", "cost"],
                [
                    [
                        b.name,
                        _site(b.site.lat_deg, b.site.lon_deg),
                        "SM-6 class (open figures)",
                        "missile's" if b.magazine is None else f"{b.magazine}",
                        b.lethality_text(),
                        "missile's" if b.reaction_s is None else f"{b.reaction_s:g}",
                        "missile's" if b.cost_usd is None else f"${b.cost_usd:,.0f}",
                    ]
                    for b in launchers
                ],
                left=(0, 1, 2, 4),
            ),
        ]
    if railguns:
        parts += [
            "<h3>Railgun batteries</h3>",
            _table_html(
                [
                    "battery",
                    "site",
                    "muzzle m/s",
                    "rounds/min",
                    "magazine",
                    "round",
                    "lethality",
                    "reaction s",
                    "cost",
                ],
                [
                    [
                        b.name,
                        _site(b.site.lat_deg, b.site.lon_deg),
                        f"{b.muzzle_velocity_mps:,.0f}",
                        f"{b.rate_of_fire_rpm:g}",
                        f"{b.magazine}",
                        f"{b.projectile.mass_kg:g} kg, {b.projectile.diameter_m * 1e3:g} mm"
                        + ("" if b.projectile.guidance is None
                           else f", guided ({b.projectile.guidance.kind})"),
                        b.lethality_text(),
                        f"{b.to_battery().reaction_s:g}",
                        f"${b.to_battery().cost_usd:,.0f}",
                    ]
                    for b in railguns
                    if b.projectile is not None
                ],
                left=(0, 1, 5),
            ),
        ]
    fc, run = s.fire_control, s.run
    facts = [
        (
            "defended",
            ", ".join(f"{d.name} ({_site(d.lat_deg, d.lon_deg)})" for d in s.defended) or "none",
        ),
        (
            "doctrine",
            f"{fc.doctrine}, {fc.salvo} round(s) a salvo, kill assessed after "
            f"{fc.assessment_delay_s:g} s",
        ),
        (
            "fire control",
            f"time of flight ≤ {fc.max_time_of_flight_s:g} s, track σ ≤ "
            f"{fc.max_track_sigma_m:g} m"
            + (f", predicts from the {predictor}" if predictor else "")
            + (f", told the threat class {fc.threat_class} (its drag polar, the lift held)"
               if fc.threat_class else "")
            + (", aims each round as it leaves" if fc.aim_at_shot
               else ", aims each round when its battery decides"),
        ),
        ("shortcuts", _shortcuts(predictor, fc.perfect_kill_assessment)),
        (
            "replications",
            f"{reps if reps is not None else run.reps:,}, seed {run.seed}, "
            f"tracks recorded for {min(run.tracks_reps, run.reps)}",
        ),
        (
            "time",
            f"epoch {s.epoch:%Y-%m-%d %H:%M:%S} UTC, step {run.dt_s:g} s, "
            f"at most {run.t_max_s:g} s",
        ),
    ]
    parts.append(
        '<h3>Doctrine and run</h3><dl class="kv">'
        + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
        + "</dl>"
    )
    return "".join(parts)


def _figure_html(png: bytes, alt: str, caption: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{_e(alt)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{caption}</figcaption></figure>"
    )


def _page(title: str, body: str) -> str:
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>{body}"
        f"<footer>kaminari {_e(__version__)}, report generated {generated}. Self-contained: "
        "figures embedded, nothing fetched; the same figures are in figures/ as PNG.</footer>"
        "</main></body></html>\n"
    )


# --- the run report ------------------------------------------------------------------------


def _captions(
    scenario: Scenario, reps: int, spread: Sequence[str] = (), own_reps: int = 0
) -> dict[str, tuple[str, str]]:
    """Alt text and caption (HTML) of each run figure; ``spread``: the dispersed threats whose
    flight impact points the map draws, ``own_reps``: the replications whose own paths it
    draws."""
    tof = scenario.fire_control.max_time_of_flight_s
    dispersed = ""
    if spread or own_reps:
        dispersed = " Dispersed threats: "
        if own_reps:
            dispersed += (
                f"thin lines are their own paths in the first {own_reps:,} "
                f"replication{'s' * (own_reps != 1)}, over the nominal track"
            )
        if spread:
            dispersed += "; the inset" if own_reps else "the inset"
            dispersed += (
                " shows, in km east and north of the aim point, where each replication's own "
                "flight reached the ground (in the threat's colour where it leaked, hollow grey "
                "where it was killed on the way) and the circle of the empirical CEP (the median "
                "distance from the aim point, or from the points' mean where it has none)"
            )
        dispersed += "."
    return {
        "track_metrics": (
            "OSPA and GOSPA of the tracks against the threats over time",
            "<b>Track quality over the raid.</b> At each instant a node's picture changed, in "
            "the recorded replications: its confirmed tracks (flown to that instant) against "
            "the threats in flight and alive, scored by OSPA (left: a mean per-object error "
            "that charges a missing or extra object the cutoff, 1 km; Schuhmacher, Vo and Vo "
            "2008) and GOSPA (right: errors and counts, c = 1 km, p = 2, alpha = 2; "
            "Rahmathullah, García-Fernández and Svensson 2017). Thin lines: each replication "
            "(and node); thick: the median per second.",
        ),
        "raid": (
            "Threats killed per replication, and rounds used per battery",
            "<b>The raid.</b> Left: in what share of the replications none, one, … or all of "
            "the threats were killed. Right: the rounds each battery fired per replication, "
            "their mean (bar) and the most in any one replication (dot), against its "
            "magazine (the black tick).",
        ),
        "map": (
            "Map of threats, radar coverage, sites, kills and leaks",
            "<b>Where it happened.</b> Left: each threat's ground track as flown from its "
            "start without being engaged, the area inside which each radar sees a target "
            "at 40 km altitude (line of sight over the 4/3 Earth, and its range limit), "
            f"and the sites. Right: a close-up of the defended point with every kill and "
            f"every leak's ground impact over the {reps:,} replications." + dispersed,
        ),
        "profile": (
            "Altitude against ground range to the defended point",
            "<b>Altitude against range.</b> Each threat's altitude against its ground "
            "range to the point it dives onto, as flown unengaged; green dots are the "
            "kills (the threat's altitude and range at the kill), red crosses the ground "
            f"impacts of leaks; dashed, the highest a round gets within {tof:g} s.",
        ),
        "timeline": (
            "Kill-chain timeline as distributions over replications",
            "<b>Timeline.</b> When each step of the kill chain happened, over the "
            "replications: boxes span the quartiles, whiskers 5–95 %, dots are "
            "replications (an evenly thinned sample where there are many); the count "
            "says in how many replications the step happened. Right: the engagement "
            "drawn out.",
        ),
        "miss": (
            "Miss distance distribution against the lethal radius",
            "<b>Miss distance.</b> The closest approach of every round to its threat, per "
            "battery, against the lethal radius (dashed green): a round inside it kills. "
            "Right: the share of rounds within each distance.",
        ),
        "track_error": (
            "Track error against the filter's 1-sigma",
            "<b>Track accuracy.</b> For the replications whose tracks were recorded "
            "(run.tracks_reps), one line per track, at the scans where a detection of the "
            "threat updated it: the distance between the track's position and the "
            "truth, beside the filter's own 1σ, √(σx² + σy² + σz²), and the posterior "
            "Cramér-Rao bound (dotted): the least 1σ any tracker with the filter's motion "
            "model could reach from the radar detections made (Tichavsky, Muravchik & "
            "Nehorai 1998). Right: their "
            "ratio, about 1 when the filter's covariance is honest, above 1 when it "
            "is over-confident. Tracks on false alarms have no truth and are left out.",
        ),
    }


@dataclass(frozen=True)
class RenderedReport:
    """A report ready to write: the HTML text and each figure's PNG file name and bytes."""

    html: str
    figures: Mapping[str, bytes]


def _raid_html(rows: Sequence[tuple[str, str]]) -> str:
    body = "".join(
        f'<tr><td>{_e(label)}</td><td class="l">{_e(text)}</td></tr>' for label, text in rows
    )
    return f'<table class="summary"><tbody>{body}</tbody></table>'


def _render_run(run: RunFolder) -> RenderedReport:
    s = run.scenario
    targets = dive_targets(s)
    rows = summarize(run.replications, run.shots, targets, s.threat_costs())
    raid = summarize_raid(run.replications, run.shots, {b.name: b.magazine for b in s.batteries})
    reps = int(np.unique(np.asarray(run.replications["rep"])).size)
    figures = run_figures(
        s, run.replications, run.shots, run.tracks, run.truth, run.paths, run.metrics
    )
    files = dict((RAID_FIGURE, *RUN_FIGURES, METRICS_FIGURE))
    pngs = {files[key]: png_bytes(figure) for key, figure in figures.items()}
    own_reps = 0 if run.paths is None else int(np.unique(np.asarray(run.paths["rep"])).size)
    spread = [r.threat for r in rows if r.impact_n]
    captions = _captions(s, reps, spread, own_reps)
    n_threats = len(_names(run.truth, "threat"))
    sub = (
        f"{n_threats} threat(s), {len(s.radars)} radar(s), {len(s.batteries)} "
        f"railgun battery(ies); {reps:,} replications, seed {s.run.seed}. "
        f"Folder: {run.folder}"
    )
    cards = "".join(_pk_card(r.threat, r.pk, r.pk_low, r.pk_high, r.kills, r.reps) for r in rows)
    extra = raid_rows(raid)
    tag = "h2" if len(raid.threats) > 1 else "h3"
    raid_part = f"<{tag}>{_e(raid_heading(raid))}</{tag}>{_raid_html(extra)}" if extra else ""
    body = (
        f'<header><h1>{_e(s.name)}</h1><p class="sub">{_e(sub)}</p></header>'
        f'<section class="top{" wide" if len(rows) > 2 else ""}">'
        f'<div class="cards">{cards}</div>'
        f"<div><h2>Summary</h2>{_summary_html(rows)}{raid_part}</div></section>"
        f"<h2>Scenario</h2>{_brief_html(s, reps, run.predictor, run.truth)}"
        "<h2>Figures</h2>"
        + "".join(_figure_html(pngs[files[key]], *captions[key]) for key in figures)
    )
    return RenderedReport(_page(f"kaminari report: {s.name}", body), pngs)


# --- the sweep report ----------------------------------------------------------------------


def _render_sweep(sweep: SweepFolder) -> RenderedReport:
    t = sweep.table
    point = np.asarray(t["point"], dtype=np.int64)
    threat = np.asarray(t["threat"]).astype(str)
    pk, low, high = (np.asarray(t[c], float) for c in ("pk", "pk_low", "pk_high"))
    kills, reps = np.asarray(t["kills"], np.int64), np.asarray(t["reps"], np.int64)
    paths = [p for p, _ in sweep.parameters]
    sensing = [(c, h, f) for c, h, f in SWEEP_SENSING if c in t]
    png = png_bytes(sweep_figure(sweep.parameters, sweep.point_values, t))

    def values_text(i: int) -> str:
        return ", ".join(f"{p} = {sweep.point_values[i][p]}" for p in paths)

    cards = []
    for name in dict.fromkeys(threat.tolist()):
        rows = np.flatnonzero(threat == name)
        best = rows[np.argmax(np.where(np.isfinite(pk[rows]), pk[rows], -1.0))]
        cards.append(
            _pk_card(
                f"{name}: best point, {point[best]}",
                pk[best],
                low[best],
                high[best],
                int(kills[best]),
                int(reps[best]),
                f" at {values_text(int(point[best]))}",
            )
        )
    table_rows = []
    for i in np.lexsort((threat, point)):
        p = int(point[i])
        folder = sweep.point_folders.get(p, "")
        link = (
            _Raw(f'<a href="{_e(folder)}/{REPORT_FILE}">{_e(folder)}</a>')
            if folder and (sweep.folder / folder / REPORT_FILE).is_file()
            else folder or "–"
        )
        table_rows.append(
            [
                p,
                *[sweep.point_values[p][q] for q in paths],
                threat[i],
                f"{int(reps[i]):,}",
                f"{int(kills[i]):,}",
                _fmt(pk[i], ".3f"),
                f"{_fmt(low[i], '.3f')}–{_fmt(high[i], '.3f')}",
                *[_fmt(float(t[c][i]), f) for c, _, f in sensing],
                link,
            ]
        )
    header = ["point", *paths, "threat", "reps", "kills", "Pk", "95 % interval",
              *[h for _, h, _ in sensing], "report"]  # fmt: skip
    text_columns = [
        1 + j
        for j, (_, vals) in enumerate(sweep.parameters)
        if not all(isinstance(v, int | float) for v in vals)
    ]
    text_columns += [1 + len(paths), len(header) - 1]
    record = sweep.record
    facts = [
        ("scenario", record.get("scenario", "–")),
        (
            "points",
            f"{len(sweep.point_values)}: every combination of "
            + "; ".join(
                f"{p} ∈ {{{', '.join(str(v) for v in vals)}}}" for p, vals in sweep.parameters
            ),
        ),
        (
            "replications",
            f"{record.get('reps', '–')} per point, seed {record.get('seed', '–')} at every point",
        ),
    ]
    s = sweep.scenario
    body = (
        f'<header><h1>Sweep: {_e(s.name)}</h1><p class="sub">'
        f"{_e(len(sweep.point_values))} points over {_e(', '.join(paths))}. "
        f"Folder: {_e(sweep.folder)}</p></header>"
        f'<section class="top wide"><div class="cards">{"".join(cards)}</div></section>'
        '<h2>The grid</h2><dl class="kv">'
        + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
        + "</dl>"
        + "<h2>Pk against the swept parameters</h2>"
        + _figure_html(
            png,
            "Pk with its 95 % interval against each swept parameter",
            "<b>Pk against each swept parameter</b>, with its 95 % Wilson interval; "
            "where more than one parameter is swept, one line per combination of the "
            "others (shifted slightly sideways so that the intervals stay apart).",
        )
        + f"<h2>Every point</h2>{_table_html(header, table_rows, left=text_columns)}"
        + "<h2>The scenario at point "
        f"{min(sweep.point_values)}</h2>{_brief_html(s, None, None)}"
    )
    return RenderedReport(_page(f"kaminari sweep report: {s.name}", body), {SWEEP_FIGURE: png})


# --- writing -------------------------------------------------------------------------------


def render_report(folder: str | os.PathLike[str]) -> RenderedReport:
    """Read and check a run or sweep folder and render its report in memory (nothing written)."""
    folder = Path(folder)
    if not folder.exists():
        raise ReportError(folder, "no such folder", FOLDER_ALLOWED)
    if not folder.is_dir():
        raise ReportError(folder, "not a folder", FOLDER_ALLOWED)
    if (folder / SWEEP_FILE).exists():
        return _render_sweep(read_sweep_folder(folder))
    if not (folder / SCENARIO_FILE).exists():
        raise ReportError(folder / SCENARIO_FILE, "no such file", FOLDER_ALLOWED)
    return _render_run(read_run_folder(folder))


def _write_bytes(data: bytes, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_report(folder: str | os.PathLike[str]) -> Path:
    """Write ``folder/report.html`` (self-contained) and its figures as PNG files in
    ``folder/figures/``; returns the report's path. Raises ``ReportError`` for an input that
    cannot be used, before anything is written; the report appears only once complete."""
    folder = Path(folder)
    report = render_report(folder)
    figures = folder / FIGURES_FOLDER
    path = folder / REPORT_FILE
    try:
        figures.mkdir(exist_ok=True)
        for name, data in report.figures.items():
            _write_bytes(data, figures / name)
        for name in {file for _, file in RUN_FIGURES} | {SWEEP_FIGURE}:
            if name not in report.figures:  # one of ours from an earlier report of another kind
                (figures / name).unlink(missing_ok=True)
        _write_bytes(report.html.encode("utf-8"), path)
    except OSError as err:
        where = err.filename or folder
        raise ReportError(
            where, f"cannot be written ({err.strerror or err})", "a folder that can be written"
        ) from None
    return path


# --- the footprint report ------------------------------------------------------------------

FOOTPRINT_ROWS_SHOWN = 10
"""How many best and worst aim points the footprint report lists (the map shows them all)."""


def footprint_report(
    scenario_name: str, map_png: bytes, rows: Mapping[str, Any], per_point: int,
    subtitle: str,
) -> str:
    """A footprint folder's self-contained report: the map of Pk over the aim points, and the
    best and worst points with their Wilson intervals (``cli.footprint``'s rows: ``east_km``,
    ``north_km``, ``lat_deg``, ``lon_deg``, ``pk``, ``pk_low``, ``pk_high``, ``kills``,
    ``trials``)."""
    pk = np.asarray(rows["pk"], dtype=float)
    order = np.argsort(-np.nan_to_num(pk, nan=-1.0), kind="stable")
    shown = list(order[:FOOTPRINT_ROWS_SHOWN])
    shown += [i for i in order[-FOOTPRINT_ROWS_SHOWN:] if i not in shown]
    table = _table_html(
        ["east km", "north km", "lat °", "lon °", "Pk", "95 % interval (Wilson)",
         "kills/trials"],
        [
            [f"{rows['east_km'][i]:g}", f"{rows['north_km'][i]:g}",
             f"{rows['lat_deg'][i]:.4f}", f"{rows['lon_deg'][i]:.4f}", _fmt(pk[i], ".3f"),
             f"{_fmt(rows['pk_low'][i], '.3f')}–{_fmt(rows['pk_high'][i], '.3f')}",
             f"{int(rows['kills'][i])}/{int(rows['trials'][i])}"]
            for i in shown
        ],
        left=(),
    )  # fmt: skip
    body = (
        f"<header><h1>{_e(scenario_name)}: defended footprint</h1>"
        f'<p class="sub">{_e(subtitle)}</p></header>'
        + _figure_html(
            map_png, "Map of Pk over the aim points",
            f"<b>Where the defence holds.</b> Pk over the re-aimed threats at each aim point "
            f"({per_point:,} replications a point), with the sites and the radars' coverage "
            "where it falls in the frame.",
        )
        + f"<h2>Best and worst aim points</h2>{table}"
    )
    return _page(f"kaminari footprint: {scenario_name}", body)
