"""The sweep's figure: Pk with its 95 % interval against each swept parameter (see
``sweep_figure``); split from ``kaminari.report.figures``, which re-exports it."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from kaminari.report._plotstyle import (
    THREAT_COLOURS,
    Array,
    Table,
    _new_figure,
    _style,
)

__all__ = ["sweep_figure"]


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _short(path: str, paths: Sequence[str]) -> str:
    """The last named part of a path (``lethal_radius_m``), or the whole path if two swept paths
    share that part."""
    tail = next((p for p in reversed(path.split(".")) if not p.isdigit()), path)
    clash = [
        p for p in paths if next((q for q in reversed(p.split(".")) if not q.isdigit()), p) == tail
    ]
    return tail if len(clash) == 1 else path


def sweep_figure(
    parameters: Sequence[tuple[str, Sequence[Any]]],
    point_values: Mapping[int, Mapping[str, Any]],
    table: Table,
) -> Figure:
    """Pk with its 95 % interval against each swept parameter: one panel per parameter (column)
    and threat (row); where more than one parameter is swept, one line per combination of the
    others' values.

    ``parameters``: (path, values in grid order) per swept field, as ``sweep.yaml`` lists them;
    ``point_values``: each point's ``{path: value}``; ``table``: ``sweep.parquet`` (point,
    threat, pk, pk_low, pk_high, ...).
    """
    paths = [p for p, _ in parameters]
    threats = list(dict.fromkeys(np.asarray(table["threat"]).astype(str).tolist()))
    point = np.asarray(table["point"], dtype=np.int64)
    pk = np.asarray(table["pk"], float)
    low, high = np.asarray(table["pk_low"], float), np.asarray(table["pk_high"], float)
    with _style():
        fig = _new_figure(max(6.5, 5.6 * len(paths)), 0.8 + 3.6 * len(threats))
        axes = fig.subplots(len(threats), len(paths), squeeze=False)
        for row, threat in enumerate(threats):
            sel = np.asarray(table["threat"]).astype(str) == threat
            for col, (path, values) in enumerate(parameters):
                ax = axes[row, col]
                others = [q for q in paths if q != path]
                numeric = all(_is_number(v) for v in values)
                combos = list(itertools.product(*[dict(parameters)[q] for q in others]))
                log_x = numeric and min(values) > 0 and max(values) / min(values) >= 30
                for j, combo in enumerate(combos):
                    xs, ys, lo, hi = [], [], [], []
                    for i in np.flatnonzero(sel):
                        vals = point_values[int(point[i])]
                        if any(vals[q] != c for q, c in zip(others, combo, strict=True)):
                            continue
                        xs.append(values.index(vals[path]))
                        ys.append(pk[i])
                        lo.append(pk[i] - low[i])
                        hi.append(high[i] - pk[i])
                    if not xs:
                        continue
                    order = np.argsort(xs)
                    x = _x_positions(
                        np.asarray(xs)[order], values, numeric, log_x, j - (len(combos) - 1) / 2
                    )
                    label = (
                        ", ".join(
                            f"{_short(q, paths)} = {c}" for q, c in zip(others, combo, strict=True)
                        )
                        or None
                    )
                    colour = THREAT_COLOURS[j % len(THREAT_COLOURS)]
                    ax.errorbar(
                        x,
                        np.asarray(ys)[order],
                        yerr=[np.asarray(lo)[order], np.asarray(hi)[order]],
                        marker="o",
                        capsize=4,
                        linewidth=1.6,
                        color=colour,
                        label=label,
                    )
                if log_x:
                    ax.set_xscale("log")
                if not numeric:
                    ax.set_xticks(range(len(values)), [str(v) for v in values])
                    ax.set_xlim(-0.5, len(values) - 0.5)
                ax.set_ylim(-0.02, 1.02)
                ax.set(
                    xlabel=path,
                    ylabel="Pk (95 % interval)",
                    title=f"{threat}: Pk against {_short(path, paths)}",
                )
                if others:  # below the panel: the intervals fill it from 0 to 1
                    ax.legend(
                        loc="upper center",
                        bbox_to_anchor=(0.5, -0.2),
                        fontsize=10,
                        ncol=min(3, len(combos)),
                        frameon=False,
                    )
    return fig


def _x_positions(
    index: NDArray[np.intp], values: Sequence[Any], numeric: bool, log_x: bool, offset: float
) -> Array:
    """x of the values at ``index``, shifted by ``offset`` line widths so that the intervals of
    several lines do not hide one another."""
    if not numeric:
        return index + 0.06 * offset
    x = np.asarray([values[i] for i in index], dtype=float)
    lo, hi = float(min(values)), float(max(values))
    if log_x:
        return x * 10 ** (0.01 * offset * math.log10(hi / lo))
    return x + 0.012 * offset * ((hi - lo) or 1.0)
