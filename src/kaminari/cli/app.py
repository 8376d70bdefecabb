"""The ``kaminari`` command: the typer app, its commands and ``main``, the console script.

    kaminari run SCENARIO --out DIR       the kill chain over replications
    kaminari sweep SCENARIO --out DIR --set PATH=V1,V2,...   a grid of campaigns
    kaminari compare A.yaml B.yaml --out DIR   two scenarios, replication by replication
    kaminari footprint SCENARIO --out DIR --half-width-km W --step-km S   Pk over aim points
    kaminari report DIR                   the offline HTML report of a run or sweep
    kaminari czml DIR                     the first replications as CZML, for Cesium
    kaminari flyout SCENARIO --out DIR    fly the threats only
    kaminari coverage SCENARIO --out DIR  when each sensor sees each threat
    kaminari shoot SCENARIO --az-deg A --el-deg E   fly one railgun projectile
    kaminari --version

Each command is a plain function in its own module (``kaminari.cli.run`` and so on), which
never imports this one; this module registers them, in the order above, the order a user needs
them and the order ``--help`` lists them in.

Input a user can get wrong (a scenario, an option value, an output folder) ends in one line on
stderr and exit status 2, never a traceback; any other exception is a bug and keeps its
traceback. Degrees and kilometres appear only here and in the scenario file; the numerics get SI.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kaminari import installed_version
from kaminari.cli.compare import compare
from kaminari.cli.coverage import coverage
from kaminari.cli.czml import czml
from kaminari.cli.flyout import flyout
from kaminari.cli.footprint import footprint
from kaminari.cli.report import report
from kaminari.cli.run import run
from kaminari.cli.shoot import shoot
from kaminari.cli.sweep import sweep
from kaminari.errors import UserInputError

try:  # typer >= 0.26 vendors click and raises its own usage errors
    from typer._click import exceptions as _click_errors
except ImportError:  # pragma: no cover - older typer on click
    from click import exceptions as _click_errors  # type: ignore[no-redef]

__all__ = ["COMMANDS", "app", "main"]

app = typer.Typer(
    name="kaminari",
    help="Simulate the defensive kill chain against hypersonic glide vehicles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    # markdown: help text is wrapped as paragraphs (rich mode keeps the docstrings' own line
    # breaks), and "[run.reps]" is text, not a rich style tag that would vanish
    rich_markup_mode="markdown",
)

COMMANDS = (run, sweep, compare, footprint, report, czml, flyout, coverage, shoot)
"""The commands, in the order a user needs them: registered, and listed by --help, so."""

for _command in COMMANDS:
    app.command()(_command)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"kaminari {installed_version()}")
        raise typer.Exit()


@app.callback()
def _kaminari(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print kaminari's version and exit.",
            callback=_print_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Simulate the defensive kill chain against hypersonic glide vehicles."""


def main() -> None:
    """The ``kaminari`` console script: usage errors in one line too, exit status 2."""
    try:
        code = app(standalone_mode=False)
    except UserInputError as err:  # one a command let through
        print(err, file=sys.stderr)
        sys.exit(2)
    except getattr(_click_errors, "NoArgsIsHelpError", ()) as err:
        err.show()
        sys.exit(2)
    except _click_errors.UsageError as err:
        where = err.ctx.command_path if err.ctx is not None else "kaminari"
        message = " ".join(err.format_message().split()).rstrip(".")
        print(f"{where}: {message}; allowed: see {where} --help", file=sys.stderr)
        sys.exit(2)
    except _click_errors.ClickException as err:
        print(f"kaminari: {' '.join(err.format_message().split())}", file=sys.stderr)
        sys.exit(err.exit_code)
    except (typer.Abort, getattr(_click_errors, "Abort", typer.Abort)):
        print("kaminari: aborted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
