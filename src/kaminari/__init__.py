"""kaminari: the defensive kill chain against hypersonic missiles, end to end, at Monte Carlo scale."""

__version__ = "0.1.0"
