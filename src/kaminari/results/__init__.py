"""kaminari.results: the schemas of the result tables (``schema``), read and written here."""

from kaminari.results.schema import REPLICATIONS, SHOTS, TABLES, TRACKS, TRUTH, to_arrow

__all__ = ["REPLICATIONS", "SHOTS", "TABLES", "TRACKS", "TRUTH", "to_arrow"]
