"""``kaminari report``: the self-contained HTML report of a run or sweep folder.

    kaminari report DIR    DIR/report.html, and the figures as PNG in DIR/figures/

Every input is checked before anything is written (``kaminari.report.html``); one that cannot be
used ends in one line on stderr naming the file, and exit status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

__all__ = ["report"]


def report(
    folder: Annotated[
        Path,
        typer.Argument(
            help="A run folder (kaminari run --out) or a sweep folder (kaminari sweep --out).",
            show_default=False,
            metavar="DIR",
        ),
    ],
) -> None:
    """Write DIR/report.html, one file that opens offline (figures embedded), and the figures
    as PNG files in DIR/figures/ for papers and slides."""
    from kaminari.report.html import FIGURES_FOLDER, ReportError, write_report  # when used only

    try:
        path = write_report(folder)
    except ReportError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None
    figures = folder / FIGURES_FOLDER
    names = ", ".join(sorted(p.name for p in figures.glob("*.png")))
    console = Console()
    console.print(f"wrote {path}", soft_wrap=True)
    console.print(f"figures (PNG) in {figures}: {names}", soft_wrap=True)
