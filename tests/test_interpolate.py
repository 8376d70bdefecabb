"""Cubic Hermite interpolation of recorded flights (de Boor, 'A Practical Guide to Splines',
ch. IV): exact for motion that is a cubic in time, and of fourth order otherwise."""

import numpy as np

from kaminari.dynamics.interpolate import hermite, hermite_position


def _cubic_motion(t):
    a = np.array([1.0, -2.0, 3.0])
    j = np.array([0.1, 0.2, -0.3])
    tt = np.asarray(t)[..., None]
    return 7.0 + 40.0 * tt + 0.5 * a * tt**2 + j * tt**3 / 6, 40.0 + a * tt + j * tt**2 / 2


def test_exact_for_cubic_motion_with_shared_and_per_member_query_times():
    t = np.arange(0.0, 10.0, 0.5)
    r, v = _cubic_motion(t)
    r, v = np.broadcast_to(r, (4, *r.shape)), np.broadcast_to(v, (4, *v.shape))
    tq = np.linspace(0.0, 9.4, 50)
    pos, vel = hermite(t, r, v, tq)
    pos2, vel2 = hermite(t, r, v, np.broadcast_to(tq, (4, 50)))
    exact_r, exact_v = _cubic_motion(tq)
    np.testing.assert_allclose(pos, np.broadcast_to(exact_r, pos.shape), atol=1e-9)
    np.testing.assert_allclose(vel, np.broadcast_to(exact_v, vel.shape), atol=1e-9)
    np.testing.assert_array_equal(pos, pos2)
    np.testing.assert_array_equal(vel, vel2)
    # the position-only form (fire control's predictor, the truth's positions) is the same cubic
    np.testing.assert_allclose(hermite_position(t, r, v, tq), exact_r[None].repeat(4, 0),
                               atol=1e-9)
    np.testing.assert_array_equal(hermite_position(t, r, v, tq), pos)


def test_fourth_order_on_a_circle_and_rows_select_shared_paths():
    """Uniform circular motion sampled every h: the position error falls 16-fold when h halves;
    ``rows`` lets several members read one recorded path."""
    def circle(t):
        tt = np.asarray(t)[..., None]
        return (np.concatenate([np.cos(tt), np.sin(tt), 0 * tt], -1),
                np.concatenate([-np.sin(tt), np.cos(tt), 0 * tt], -1))

    errors = []
    for h in (0.2, 0.1):
        t = np.arange(0.0, 6.0 + h, h)
        r, v = circle(t)
        tq = np.linspace(0.05, 5.9, 301)
        pos = hermite_position(t, r[None], v[None], np.broadcast_to(tq, (3, tq.size)),
                               rows=np.zeros(3, dtype=np.intp))
        errors.append(np.abs(pos - circle(tq)[0]).max())
    assert 12.0 < errors[0] / errors[1] < 20.0
