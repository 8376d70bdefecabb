"""Fire control: from tracks to fire orders.

- ``envelope``: a battery's ballistic table, where its rounds can reach within a time of
  flight, and a first aim (elevation, time of flight) at a predicted target path.
- ``doctrine``: when a battery may fire, and how many rounds before it looks again.
"""
