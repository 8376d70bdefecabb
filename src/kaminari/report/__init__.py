"""kaminari.report: campaign statistics, figures and the self-contained HTML report.

    from kaminari.report import write_report
    write_report("out/run")   # out/run/report.html and out/run/figures/*.png

``write_report`` takes a run folder (``kaminari run --out``) or a sweep folder
(``kaminari sweep --out``); an input it cannot use raises ``ReportError`` (one line: the file,
what is wrong, what is allowed) before anything is written. The names are loaded on first use,
so that importing ``kaminari.report.summary`` does not import matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kaminari.report.html import ReportError, render_report, write_report

__all__ = ["ReportError", "render_report", "write_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from kaminari.report import html

        return getattr(html, name)
    raise AttributeError(f"module 'kaminari.report' has no attribute {name!r}")
