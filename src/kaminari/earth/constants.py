"""Defining constants of the Earth model, SI units.

Sources: NIMA TR8350.2, "Department of Defense World Geodetic System 1984", 3rd ed. (2000),
tables 3.1 and 3.3 (a, 1/f, GM, omega); the J2 value is the WGS84 EGM96 second zonal harmonic
(C20 = -4.84166774985e-4 normalized, J2 = -sqrt(5) C20).
"""

import math

WGS84_A_M = 6_378_137.0
"""Semi-major axis (equatorial radius), m."""
WGS84_F = 1.0 / 298.257223563
"""Flattening."""
WGS84_B_M = WGS84_A_M * (1.0 - WGS84_F)
"""Semi-minor axis (polar radius), m."""
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
"""First eccentricity squared."""
WGS84_EP2 = WGS84_E2 / (1.0 - WGS84_E2)
"""Second eccentricity squared."""
GM_M3PS2 = 3.986004418e14
"""Earth's gravitational parameter (with atmosphere), m^3/s^2."""
OMEGA_EARTH_RPS = 7.292115e-5
"""Nominal mean angular velocity of the Earth, rad/s."""
J2 = 1.082626684e-3
"""Second zonal harmonic (unnormalized), from EGM96 C20."""
G0_MPS2 = 9.80665
"""Standard gravity, m/s^2 (used for load factors in g)."""
MEAN_RADIUS_M = 6_371_008.8
"""IUGG mean radius R1 = (2a + b) / 3, m; used only for great-circle distances."""

DEG = math.pi / 180.0
