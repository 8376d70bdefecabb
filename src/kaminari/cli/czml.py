"""``kaminari czml``: a run folder as CZML for Cesium (``DIR/engagement.czml``).

    kaminari czml DIR [--reps N]
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from kaminari.cli.common import bad_input_exits_2, require

__all__ = ["czml"]


def czml(
    run_dir: Annotated[
        Path,
        typer.Argument(
            metavar="DIR", help="A run folder written by `kaminari run`.", show_default=False
        ),
    ],
    reps: Annotated[int, typer.Option(help="Replications shown: the first N of the run.")] = 3,
) -> None:
    """Write DIR/engagement.czml: the threats, rounds, sites, kills and leaks of the first
    replications of a run, on a clock from the scenario epoch, for Cesium."""
    from kaminari.report.czml import write_czml

    with bad_input_exits_2():
        require(reps >= 1, "czml", "--reps", reps, "--reps >= 1")
        out = write_czml(run_dir, reps=reps)
    Console().print(f"wrote {out} ({out.stat().st_size / 1e3:,.0f} kB)", soft_wrap=True)
