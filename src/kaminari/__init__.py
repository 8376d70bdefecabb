"""kaminari: the defensive kill chain against hypersonic missiles, end to end, at scale."""

__version__ = "0.1.0"


def installed_version() -> str:
    """The version of the installed distribution (``importlib.metadata``), which ``pip`` took
    from pyproject.toml; ``__version__`` where kaminari runs from a source tree that was never
    installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kaminari")
    except PackageNotFoundError:
        return __version__
