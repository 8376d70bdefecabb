"""Report figures' shared look: the style every figure is drawn and rendered in, the colours,
the resolution and the cap on markers, and the small helpers the figures share (a new figure, a
panel that says why it is empty, thinning rows to a sample, log axes, finite values, a threat's
colour); ``png_bytes`` renders a figure as a PNG image. ``kaminari.report.figures`` and
``kaminari.report.maps`` draw with these; nothing here knows about a scenario.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from numpy.typing import NDArray

__all__ = [
    "DPI",
    "KILL_COLOUR",
    "LEAK_COLOUR",
    "MAX_POINTS",
    "RADAR_COLOURS",
    "SIGMA_COLOUR",
    "STYLE",
    "THREAT_COLOURS",
    "Array",
    "Table",
    "png_bytes",
]

Array = NDArray[np.float64]
Table = Mapping[str, NDArray[Any]]
DPI = 130
MAX_POINTS = 4_000
"""At most this many markers per kind (kills, leaks, timeline dots): a thinned, evenly spaced
sample of the rows; statistics and counts use every row."""

KILL_COLOUR = "#1a9850"
LEAK_COLOUR = "#d73027"
SIGMA_COLOUR = "#222222"
RADAR_COLOURS = ("#4575b4", "#8073ac", "#35978f", "#b35806", "#762a83")
THREAT_COLOURS = ("#e66101", "#5e3c99", "#0571b0", "#ca0020", "#008837", "#7b3294", "#a6611a")

STYLE = {
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "legend.fontsize": 11,
    "legend.framealpha": 0.9,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "savefig.facecolor": "white",
}
"""The look of every figure: set around each figure's drawing and rendering only."""


@contextmanager
def _style() -> Iterator[None]:
    """The figure style; and quiet about what Basemap 2.0 does with the numpy and pyproj of the
    day (scalar conversion of one-element arrays, a compiled-extension size check), which says
    nothing about the figure."""
    with mpl.rc_context(STYLE), warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="pyproj")
        warnings.filterwarnings("ignore", message="numpy.ndarray size changed")
        yield


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure rendered as a PNG image (Agg)."""
    buffer = io.BytesIO()
    with _style():
        fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def _new_figure(width_in: float, height_in: float) -> Figure:
    return Figure(figsize=(width_in, height_in), layout="constrained")


def _note(ax: Axes, text: str) -> None:
    """A panel that only says why it is empty."""
    ax.set_axis_off()
    style = {"ha": "center", "va": "center", "fontsize": 11, "color": "0.35", "wrap": True}
    ax.text(0.5, 0.5, text, transform=ax.transAxes, **style)


def _thin(n: int, most: int = MAX_POINTS) -> NDArray[np.intp]:
    """Indices of at most ``most`` of ``n`` rows, evenly spaced (deterministic)."""
    if n == 0:
        return np.zeros(0, dtype=np.intp)
    return np.unique(np.linspace(0, n - 1, min(n, most)).round().astype(np.intp))


def _log(ax: Axes, axis: str) -> None:
    """A log scale labelled 0.1, 1, 10, 100 rather than as powers of ten."""
    getattr(ax, f"set_{axis}scale")("log")
    getattr(ax, f"{axis}axis").set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def _finite(x: NDArray[Any]) -> Array:
    x = np.asarray(x, dtype=float)
    return x[np.isfinite(x)]


def _threat_colour(i: int) -> str:
    return THREAT_COLOURS[i % len(THREAT_COLOURS)]


def _rows_of(table: Table, threat: str) -> NDArray[np.bool_]:
    return np.asarray(table["threat"]).astype(str) == threat
