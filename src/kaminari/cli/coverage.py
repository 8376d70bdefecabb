"""``kaminari coverage``: when each sensor could see each threat along its nominal path.

    kaminari coverage SCENARIO --out DIR [--step-s S]

The radars (their coverage) and, where the scenario has one, the space layer (satellites that
have the threat in their field of regard, the limb clear, and its infrared irradiance above
their threshold: ``kaminari.engagement.coverage``). Prints, per threat and sensor, the first
time it is seen and the share of its flight seen, and for the layer the most satellites that
see it at once; draws ``DIR/coverage.png``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import numpy as np
import typer
from rich import box
from rich.console import Console
from rich.table import Table

from kaminari.cli.common import bad_input_exits_2, require, writable_folder
from kaminari.scenario import load_scenario

if TYPE_CHECKING:
    from kaminari.engagement.coverage import Coverage

__all__ = ["coverage"]

MAX_PLOTTED = 8
"""The most threats the figure draws (the table lists them all)."""


def _table(cov: Coverage) -> Table:
    table = Table(
        title="Coverage",
        caption="first: first time seen, s after the epoch; seen: share of the flight's samples; "
        "sats: most satellites that see the threat at once",
        box=box.SIMPLE_HEAD,
        caption_justify="left",
    )
    table.add_column("threat", no_wrap=True)
    for name in cov.sensors:
        table.add_column(f"{name}\nfirst s", justify="right")
        table.add_column("seen", justify="right")
    has_layer = bool(cov.satellites.any())
    if has_layer:
        table.add_column("sats\nmax", justify="right")
    first, share = cov.first_seen_s(), cov.seen_fraction()
    for t, threat in enumerate(cov.threats):
        cells = [threat]
        for s in range(len(cov.sensors)):
            cells += ["-" if math.isnan(first[s, t]) else f"{first[s, t]:.0f}",
                      f"{100 * share[s, t]:.0f} %"]  # fmt: skip
        if has_layer:
            cells.append(f"{cov.satellites[t].max()}")
        table.add_row(*cells)
    return table


def _plot(cov: Coverage, path: Path) -> None:
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    n = min(len(cov.threats), MAX_PLOTTED)
    height = 1.2 + 1.1 * n * max(1, len(cov.sensors)) ** 0.5
    fig = Figure(figsize=(11, height), layout="constrained")
    axes = np.atleast_1d(fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0])
    for t, ax in enumerate(axes):
        times = cov.t_s[t]
        ok = np.isfinite(times)
        step = float(np.nanmedian(np.diff(times[ok]))) if ok.sum() > 1 else 1.0
        for s in range(len(cov.sensors)):
            on = times[cov.seen[s, t] & ok]
            ax.broken_barh([(x, step) for x in on], (s - 0.4, 0.8), facecolors=f"C{s}")
        if ok.any():
            ax.axvspan(np.nanmin(times), np.nanmax(times), color="0.92", zorder=0)
        ax.set_yticks(range(len(cov.sensors)), cov.sensors)
        ax.set_title(cov.threats[t], loc="left", fontsize=9)
        if cov.satellites[t].any():
            twin = ax.twinx()
            twin.step(times[ok], cov.satellites[t][ok], where="post", color="k", lw=0.8)
            twin.set_ylabel("satellites", fontsize=8)
    axes[-1].set_xlabel("time after the epoch (s); grey: in flight")
    fig.suptitle("When each sensor sees each threat")
    fig.savefig(path, dpi=110)


def coverage(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    out: Annotated[Path, typer.Option(help="Output folder (created if needed).")],
    step_s: Annotated[float, typer.Option(help="Sampling step along the paths, s.")] = 1.0,
) -> None:
    """When each radar, and the space layer, sees each threat; writes coverage.png."""
    with bad_input_exits_2():
        loaded = load_scenario(scenario)
        require(0 < step_s <= 60, "coverage", "--step-s", step_s, "0 < --step-s <= 60")
        writable_folder(out)
        layer = loaded.space_layer_model()  # a TLE file is read from the scenario's folder

    from kaminari.engagement.coverage import coverage as compute
    from kaminari.threats.flyout import fly_threats

    specs = loaded.threat_specs()
    traj = fly_threats(specs, dt_s=loaded.run.dt_s, t_max_s=loaded.run.t_max_s)
    cov = compute(specs, traj, loaded.radar_models(), layer, step_s)
    Console().print(_table(cov))
    _plot(cov, out / "coverage.png")
    typer.echo(f"wrote {out / 'coverage.png'}")
