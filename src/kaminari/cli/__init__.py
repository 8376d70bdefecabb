"""The ``kaminari`` command (see ``kaminari.cli.app``).

``main`` is the console script; ``app`` is the typer app, for typer's test runner. The name
``kaminari.cli.app`` is therefore the app, not its module; the module is reached by
``from kaminari.cli.app import ...``. Each command lives in its own module: ``run``, ``sweep``,
``report``, ``czml``, ``flyout``, ``shoot``, with what they share in ``common``.
"""

from kaminari.cli.app import app, main

__all__ = ["app", "main"]
