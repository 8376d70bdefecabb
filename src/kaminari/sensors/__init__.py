"""Sensors: ground radars (4/3-Earth visibility, scan times, noisy range-azimuth-elevation
detections, a fixed detection probability or the radar equation with Swerling targets, in
``kaminari.sensors.radar``); the building blocks of a space-based infrared layer: satellite
orbits (Walker patterns, TLE files) and visibility in ``kaminari.sensors.orbits``, and the
threats' infrared signatures in ``kaminari.sensors.infrared`` (not yet a sensor of the loop)."""
