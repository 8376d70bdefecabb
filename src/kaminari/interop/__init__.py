"""kaminari.interop: kaminari's result tables in other tools' terms.

``stonesoup``: the ``tracks`` and ``paths`` tables as Stone Soup ``Track`` and
``GroundTruthPath`` objects, and OSPA / GOSPA computed by Stone Soup's own metric generators
(an optional extra: ``pip install 'kaminari[stonesoup]'``). Importing this package needs no
optional dependency; importing a submodule needs its tool.
"""
