"""kaminari: the defensive kill chain against hypersonic missiles, end to end, at scale."""

__version__ = "0.1.0"
