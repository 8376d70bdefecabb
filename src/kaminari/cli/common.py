"""What the commands of ``kaminari`` share: bad input as one line and exit status 2, option
checks, and the output folder.

Input a user can get wrong (a scenario, an option value, an output folder) ends in one line on
stderr and exit status 2, never a traceback; any other exception is a bug and keeps its
traceback. Command modules import this one, never ``kaminari.cli.app``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from kaminari.errors import UserInputError

__all__ = ["bad_input_exits_2", "require", "writable_folder"]


@contextmanager
def bad_input_exits_2() -> Iterator[None]:
    """Print a ``UserInputError`` raised inside as its one line on stderr; exit status 2."""
    try:
        yield
    except UserInputError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(2) from None


def require(ok: bool, command: str, option: str, value: float, allowed: str) -> None:
    """Raise the one-line ``UserInputError`` for ``option`` of ``kaminari command`` unless
    ``ok``."""
    if not ok:
        raise UserInputError(
            f"kaminari {command}", None, option, f"{value:g} is not allowed", allowed
        )


def writable_folder(out: Path) -> None:
    """Create the output folder ``out`` (and its parents); a one-line error where it cannot
    be."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        message = f"cannot create folder: {err.strerror or err}"
        raise UserInputError(
            str(out), None, "--out", message, "a folder that can be written"
        ) from None
