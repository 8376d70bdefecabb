"""The Earth: WGS84 frames, J2 gravity, the US Standard Atmosphere 1976, time."""
