"""Fixed-step integrators of the pendulum, vectorised over trajectories.

For any energy (libration or rotation) and with damping::

    theta'' = -(g / L) sin(theta) - damping / (m L**2) theta'

:func:`rk4` (fourth order, the general solver) and :func:`euler_cromer`
(the original article's first-order scheme).  One Python loop over time
steps, each step an array operation on all the trajectories; numpy only.
"""

import numpy as np

from .arrays import as_trajectories, output_array, row_tiles

__all__ = ["euler_cromer", "euler_cromer_tiles", "rk4", "rk4_tiles"]


def _start(theta0, omega0, length, mass, g, damping, out):
    """State, coefficients g/L and damping / (m L²); column 0 of ``out`` filled."""
    if out.shape[1]:
        out[:, 0] = theta0
    return (np.array(theta0), np.array(omega0), g / length,
            damping / (mass * length**2))


def rk4_tiles(theta0, omega0, length, mass, *, g=9.81, damping=0.0, dt=0.01, out):
    """Fill ``out`` with :func:`rk4`, then yield its rows tile by tile.

    Every trajectory advances together, one time step per array operation,
    so the tiles (of :data:`~pendsk.physics.arrays.TILE_ROWS` rows, as
    slices of ``out``'s rows) are all finished once the loop ends.

    Parameters
    ----------
    theta0, omega0, length, mass : ndarray of shape (n,), float64
        Initial conditions, already broadcast (``as_trajectories``).
    g, damping, dt
        As in :func:`rk4`.
    out : ndarray of shape (n, n_steps), float64
        Array to fill.

    Yields
    ------
    rows : slice
        The rows of ``out`` finished, in order.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk.physics.integrators import rk4_tiles
    >>> out = np.empty((2, 3))
    >>> list(rk4_tiles(np.zeros(2), np.zeros(2), np.ones(2), np.ones(2), out=out))
    [slice(0, 2, None)]
    >>> out
    array([[0., 0., 0.],
           [0., 0., 0.]])
    """
    th, om, w2, c = _start(theta0, omega0, length, mass, g, damping, out)
    h, h2 = dt, dt / 2

    def acc(t, w):
        a = np.sin(t)
        a *= -w2
        if damping:
            a -= c * w
        return a

    for i in range(1, out.shape[1]):
        a1 = acc(th, om)
        w_2 = om + h2 * a1
        a2 = acc(th + h2 * om, w_2)
        w_3 = om + h2 * a2
        a3 = acc(th + h2 * w_2, w_3)
        w_4 = om + h * a3
        a4 = acc(th + h * w_3, w_4)
        th = th + (h / 6) * (om + 2 * (w_2 + w_3) + w_4)
        om = om + (h / 6) * (a1 + 2 * (a2 + a3) + a4)
        out[:, i] = th
    yield from row_tiles(out.shape[0])


def euler_cromer_tiles(theta0, omega0, length, mass, *, g=9.81, damping=0.0, dt=0.01,
                       out):
    """Fill ``out`` with :func:`euler_cromer`, then yield its rows tile by tile.

    As :func:`rk4_tiles`, for the article's scheme.

    Parameters
    ----------
    theta0, omega0, length, mass : ndarray of shape (n,), float64
        Initial conditions, already broadcast (``as_trajectories``).
    g, damping, dt
        As in :func:`euler_cromer`.
    out : ndarray of shape (n, n_steps), float64
        Array to fill.

    Yields
    ------
    rows : slice
        The rows of ``out`` finished, in order.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk.physics.integrators import euler_cromer_tiles

    From the bottom (no torque) at 1 rad/s, the first update moves by
    ``omega0 * dt``:

    >>> out = np.empty((1, 2))
    >>> list(euler_cromer_tiles(np.zeros(1), np.ones(1), np.ones(1), np.ones(1),
    ...                         dt=0.5, out=out))
    [slice(0, 1, None)]
    >>> out
    array([[0. , 0.5]])
    """
    th, om, w2, c = _start(theta0, omega0, length, mass, g, damping, out)
    for i in range(1, out.shape[1]):
        # same operation order as the article: omega - (g/l)*sin(theta)*dt
        new_om = om - w2 * np.sin(th) * dt
        if damping:
            new_om -= c * om * dt
        om = new_om
        th = th + om * dt
        out[:, i] = th
    yield from row_tiles(out.shape[0])


def _run(tiles, theta0, omega0, length, mass, g, damping, dt, n_steps, out):
    theta0, omega0, length, mass = as_trajectories(theta0, omega0, length, mass)
    out = output_array(out, theta0.shape[0], n_steps)
    for _ in tiles(theta0, omega0, length, mass, g=g, damping=damping, dt=dt, out=out):
        pass
    return out


def rk4(theta0, omega0, length, mass, *, g=9.81, damping=0.0, dt=0.01,
        n_steps=500, out=None):
    """Classic fourth-order Runge-Kutta, vectorised over trajectories.

    One step of size ``dt`` per sample, in float64; valid for any energy
    (libration, rotation) and for damping.

    Parameters
    ----------
    theta0, omega0, length, mass : array-like of shape (n,)
        Initial angle [rad], initial angular velocity [rad/s], length [m],
        mass [kg].
    g : float, default=9.81
        Gravitational acceleration [m/s²].
    damping : float, default=0.0
        Linear damping coefficient [N·m·s]; the angular deceleration is
        ``damping / (mass * length**2) * omega``.
    dt : float, default=0.01
        Time between samples and integration step [s].
    n_steps : int, default=500
        Number of samples, the first at ``t = 0``.
    out : ndarray of shape (n, n_steps), float64, default=None
        Array to write the result into.

    Returns
    -------
    theta : ndarray of shape (n, n_steps)

    See Also
    --------
    pendsk.physics.closed_form.exact : The undamped swing in closed form.

    Examples
    --------
    A pendulum launched from the bottom at 10 rad/s goes over the top:

    >>> from pendsk.physics.integrators import rk4
    >>> theta = rk4([0.0], [10.0], [1.0], [1.0], n_steps=201)
    >>> bool(theta[0, -1] > 2 * 3.1416)
    True
    """
    return _run(rk4_tiles, theta0, omega0, length, mass, g, damping, dt, n_steps, out)


def euler_cromer(theta0, omega0, length, mass, *, g=9.81, damping=0.0, dt=0.01,
                 n_steps=500, out=None):
    """Semi-implicit (Euler-Cromer) scheme of the original article.

    ``omega += -(g/L) sin(theta) dt - damping/(m L²) omega dt`` then
    ``theta += omega dt``, vectorised over trajectories.  Column ``i`` holds
    theta after ``i`` updates, so column 0 is ``theta0``; the article
    recorded theta after each update, which is this array from column 1.
    First order: it drifts (up to 0.05 rad in 5 s on the article's
    parameter ranges, against 1e-7 for :func:`rk4`).

    Parameters
    ----------
    theta0, omega0, length, mass : array-like of shape (n,)
        Initial angle [rad], initial angular velocity [rad/s], length [m],
        mass [kg].
    g : float, default=9.81
        Gravitational acceleration [m/s²].
    damping : float, default=0.0
        Linear damping coefficient [N·m·s].
    dt : float, default=0.01
        Time step [s].
    n_steps : int, default=500
        Number of samples, the first at ``t = 0``.
    out : ndarray of shape (n, n_steps), float64, default=None
        Array to write the result into.

    Returns
    -------
    theta : ndarray of shape (n, n_steps)

    Examples
    --------
    The article's setting (g = 10, dt = 0.01) drifts from :func:`rk4`:

    >>> import numpy as np
    >>> from pendsk.physics.integrators import euler_cromer, rk4
    >>> kw = dict(g=10.0, dt=0.01, n_steps=500)
    >>> drift = np.abs(euler_cromer(1.5, [1.5], 1.0, 1.0, **kw)
    ...                - rk4(1.5, [1.5], 1.0, 1.0, **kw)).max()
    >>> bool(drift > 0.01)
    True
    """
    return _run(euler_cromer_tiles, theta0, omega0, length, mass, g, damping, dt,
                n_steps, out)
