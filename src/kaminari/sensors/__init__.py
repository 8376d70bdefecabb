"""Sensors: ground radars (4/3-Earth visibility, scan times, noisy range-azimuth-elevation
detections in ``kaminari.sensors.radar``); space-based infrared to come."""
