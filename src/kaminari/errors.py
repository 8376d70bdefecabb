"""The one exception for input a user can get wrong, in every layer of kaminari.

A scenario file, a command-line option, an output folder, a campaign store: whatever the user
gave that cannot be used is a ``UserInputError``, whose ``str`` is one line,
``path:line: field: what is wrong; allowed: what is allowed``. The ``kaminari`` command prints
that line on stderr and exits with status 2; any other exception is a bug and keeps its
traceback. ``kaminari.scenario.ScenarioError`` is this class under its older name.

This module imports nothing of kaminari, so any layer may raise it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["UserInputError"]


class UserInputError(Exception):
    """Bad user input. ``str(err)`` is one line: ``path:line: field: message; allowed: allowed``.

    ``line`` is 1-based, or None where no line applies (a missing file); ``field`` is a dotted
    path such as ``threats[0].start.lat_deg`` (or a command-line option), or None; ``path`` is
    the file or folder at fault, or what the user ran (``kaminari run``), or None.
    """

    def __init__(
        self, path: str | None, line: int | None, field: str | None, message: str, allowed: str
    ) -> None:
        self.path, self.line, self.field = path, line, field
        self.message, self.allowed = message, allowed
        super().__init__(self._one_line())

    def _one_line(self) -> str:
        where = self.path if self.path is None or self.line is None else f"{self.path}:{self.line}"
        text = ": ".join(part for part in (where, self.field, self.message) if part)
        if self.allowed:
            text += f"; allowed: {self.allowed}"
        return " ".join(text.split())

    def __str__(self) -> str:
        return self._one_line()

    def __reduce__(self) -> tuple[Any, ...]:  # picklable, for errors raised in worker processes
        return type(self), (self.path, self.line, self.field, self.message, self.allowed)
