"""The compiled glide flight's shortcuts change nothing that matters.

The compiled flight (``threats.flyout``, through ``dynamics.integrator.fly_member``) skips the
load cap's iteration where it provably cannot bind (``_load_cap_idle``), takes the barrier's
log density from the atmosphere's grid and reads constants of the member (the gate's distance,
the impact angle's cosine and sine) from its parameters. The reference here is the generic numpy
flight of ``dynamics.integrator.fly`` (a controller without a compiled flight), with the load
cap's iteration forced at every evaluation as before the shortcut: the two must agree to 1 mm
over the default example's whole flight.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from kaminari.dynamics.forces import ATMOSPHERE_TABLE, EARTH
from kaminari.dynamics.integrator import PointMassModel, fly
from kaminari.threats import flyout
from kaminari.threats.flyout import GlideController, ThreatSpec, _start_states, fly_threats
from kaminari.threats.guidance import Limits
from kaminari.threats.vehicles import CAV_H, ConstantLiftToDragAero, GlideVehicle

DEG = np.pi / 180.0
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "railgun_point_defense.yaml"


class _NumpyOnly:
    """A glide controller without its compiled flight: ``fly`` steps it in numpy."""

    def __init__(self, controller: GlideController) -> None:
        self.controller = controller

    def __call__(self, t_s, y, air):  # type: ignore[no-untyped-def]
        return self.controller(t_s, y, air)

    def subset(self, keep):  # type: ignore[no-untyped-def]
        return _NumpyOnly(self.controller.subset(keep))

    def after_step(self, t_s, y):  # type: ignore[no-untyped-def]
        self.controller.after_step(t_s, y)


def _default_threat() -> ThreatSpec:
    """The default example's threat, with glide limits and a commanded impact angle whatever
    the example holds (the paths the shortcuts touch)."""
    from kaminari.scenario import load_scenario

    spec = load_scenario(EXAMPLE).threat_specs()[0]
    plan = spec.guidance
    assert plan.dive is not None
    dive = dataclasses.replace(plan.dive, impact_angle_rad=-30.0 * DEG, max_load_g=12.0)
    limits = Limits(q_max_pa=100e3, heat_rate_max_wpm2=3e6, load_max_g=3.0)
    return dataclasses.replace(
        spec, guidance=dataclasses.replace(plan, dive=dive, limits=limits), density_scale=1.1
    )


def test_compiled_flight_agrees_with_the_numpy_flight_to_a_millimetre():
    spec = _default_threat()
    compiled = fly_threats([spec], dt_s=0.1, t_max_s=900.0, diagnostics=False)

    reference = GlideController.from_specs([spec])
    reference.params[:, flyout._LOAD_BOUND] = 0.0  # the load cap's iteration at every evaluation
    scale = np.array([spec.density_scale])
    model = PointMassModel(reference.area_over_mass, _NumpyOnly(reference), EARTH, scale)
    r0, v0 = _start_states([spec.start])
    flight = fly(model, r0, v0, 0.1, 900.0)

    # the flight reaches the glide limits' barrier, the dive and the impact-angle law
    assert np.isfinite(compiled.dive_t_s[0]) and np.isfinite(compiled.impact_law_t_s[0])
    assert compiled.dive_t_s[0] == pytest.approx(reference.dive_t_s[0], abs=1e-9)
    assert compiled.impact_law_t_s[0] == pytest.approx(reference.impact_law_t_s[0], abs=1e-9)
    assert compiled.t_s.size == flight.t_s.size > 3000
    ok = compiled.valid[0]
    np.testing.assert_array_equal(ok, flight.valid[0])
    err = np.linalg.norm(compiled.r_ecef[0, ok] - flight.y[0, ok, :3], axis=-1)
    assert err.max() < 1e-3
    assert compiled.impact_t_s[0] == pytest.approx(flight.stop_t_s[0], abs=1e-6)
    assert np.linalg.norm(compiled.impact_r_ecef[0] - flight.stop_y[0, :3]) < 1e-3


@njit(cache=True)
def _caps(params, alpha, qs_m, mach, out):  # type: ignore[no-untyped-def]
    """The glide's angle of attack (held ``alpha``, capped by the load limit) per sample."""
    p = params[0]
    for k in range(alpha.size):
        p[flyout._ALPHA] = alpha[k]
        e1 = np.exp(p[flyout._A3] * mach[k])
        e2 = np.exp(p[flyout._B3] * mach[k])
        out[k] = flyout._glide_alpha(
            0.0, 0.0, 7e6, 0.0, 5e3, 0.0, 0.0, 0.0, 1.0, 5e3, 1e-4, -1e-4, -10.0, qs_m[k], 1.0,
            0.0, 0.0, -9.5, e1, e2, p,
        )  # fmt: skip


@pytest.mark.parametrize(
    "vehicle",
    [CAV_H, GlideVehicle("ld", 1000.0, 0.5, ConstantLiftToDragAero(2.0, 2.5, 0.02))],
    ids=["cav-h", "constant-l-d"],
)
def test_the_load_cap_shortcut_never_changes_the_angle_of_attack(vehicle):
    """Over Mach 0-30, dynamic pressure times area over mass 0.1-500 m/s^2 and planned angles of
    attack 0-30 deg, the glide's angle with the shortcut equals the one with the load cap's
    iteration run every time, and the shortcut is taken at most points."""
    rng = np.random.default_rng(3)
    n = 200_000
    alpha = rng.uniform(0.0, 30.0 * DEG, n)
    qs_m = np.exp(rng.uniform(np.log(0.1), np.log(500.0), n))
    mach = rng.uniform(0.0, 30.0, n)
    spec = ThreatSpec("x", vehicle, None, flyout.GuidancePlan(0.0, limits=Limits(load_max_g=3.0)))
    params = GlideController.from_specs([spec]).params.copy()
    assert params[0, flyout._LOAD_BOUND] == 1.0
    fast, slow = np.empty(n), np.empty(n)
    _caps(params, alpha, qs_m, mach, fast)
    params[0, flyout._LOAD_BOUND] = 0.0
    _caps(params, alpha, qs_m, mach, slow)
    np.testing.assert_array_equal(fast, slow)
    assert np.mean(fast < alpha) > 0.1  # the cap binds in part of the range


def test_the_atmosphere_grid_log_density_is_the_log_of_the_kernel_density():
    """The barrier's ln(rho) from the grid is the log of the density the flight uses."""
    alt = np.linspace(-4e3, 9e5, 5_001)
    for h in alt:
        air = flyout.air_kernel(6378137.0 + h, 0.0, 0.0, 1.0, 0.0, 0.0, ATMOSPHERE_TABLE, True, 1.0)
        rho = air[5]
        ln_rho, _ = flyout._log_density(ATMOSPHERE_TABLE, air[0])
        assert ln_rho == pytest.approx(np.log(rho), rel=1e-13, abs=1e-13)
