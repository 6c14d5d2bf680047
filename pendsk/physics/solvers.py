"""Numerics of the simple pendulum: closed form and integrators on arrays.

Plain array-in / array-out functions on numpy arrays (scipy's elliptic
functions, numpy's normal generator for the noise; no scikit-learn, no
torch).
Every solver takes one value per trajectory for the initial angle, initial
angular velocity, length and mass, and returns the angle at
``t = 0, dt, ..., (n_steps - 1) * dt`` as an array of shape
``(n_trajectories, n_steps)``.

The equation of motion is::

    theta'' = -(g / L) * sin(theta) - damping / (m * L**2) * theta'

so the mass only enters through the damping term.
"""

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.special import ellipj, ellipk

from .._utils.seeding import child_rng, root_entropy

__all__ = [
    "SOLVERS",
    "elliptic_parameter",
    "euler_cromer",
    "exact",
    "period",
    "rk4",
    "simulate",
]

#: Rows per noise block: block ``i`` draws from ``child_rng(entropy, i)``,
#: so the noise depends on the seed only, never on the number of threads.
_NOISE_ROWS = 2048

#: Rows per cache-sized tile inside a block.
_CACHE_ROWS = 256

#: Below this parameter ``m = k**2`` the closed form is used by ``"auto"``;
#: above it (within 1e-12 of the separatrix, or rotating) the integrator is.
_LIBRATION_LIMIT = 1.0 - 1e-12


def _n_threads():
    return max(1, min(os.cpu_count() or 1, 8))


def _map_blocks(func, n_rows):
    """Call ``func(row_slice)`` on one block of rows per thread.

    numpy releases the GIL in its ufuncs, so the blocks run in parallel.
    Block edges fall on multiples of ``_NOISE_ROWS``.
    """
    n_threads = _n_threads()
    size = _NOISE_ROWS * max(1, -(-n_rows // (_NOISE_ROWS * n_threads)))
    slices = [slice(start, min(start + size, n_rows))
              for start in range(0, n_rows, size)]
    if len(slices) <= 1:
        for sl in slices:
            func(sl)
        return
    with ThreadPoolExecutor(len(slices)) as pool:
        # list() re-raises the first exception raised in a worker
        list(pool.map(func, slices))


def _broadcast(*arrays):
    arrays = np.broadcast_arrays(*[np.atleast_1d(np.asarray(a, dtype=np.float64))
                                   for a in arrays])
    if arrays[0].ndim != 1:
        raise ValueError("initial conditions must be scalars or 1-D arrays; got "
                         f"shape {arrays[0].shape}")
    return arrays


def elliptic_parameter(theta0, omega0, length, g=9.81):
    """Parameter ``m = k**2`` of the undamped motion.

    From the energy, ``m = sin(theta0 / 2)**2 + omega0**2 L / (4 g)``;
    ``k = sin(theta_max / 2)`` for libration.  ``m < 1`` means libration,
    ``m > 1`` rotation (the pendulum goes over the top), ``m == 1`` the
    separatrix.

    Parameters
    ----------
    theta0, omega0, length : array-like of shape (n,)
        Initial angle [rad], initial angular velocity [rad/s], length [m].
    g : float, default=9.81
        Gravitational acceleration [m/s²].

    Returns
    -------
    m : ndarray of shape (n,)
        The parameter of the Jacobi elliptic functions of the motion.

    See Also
    --------
    amplitude : ``2 arcsin(sqrt(m))`` below the separatrix.
    period : ``4 K(m) sqrt(L / g)`` below the separatrix.

    Examples
    --------
    Released from rest at 60°, ``m = sin(30°)**2``; launched from the
    bottom at ``2 sqrt(g / L)`` it just reaches the top, ``m = 1``:

    >>> import numpy as np
    >>> from pendsk.physics import elliptic_parameter
    >>> elliptic_parameter([np.pi / 3, 0.0], [0.0, 2 * np.sqrt(10.0)], 1.0,
    ...                    g=10.0).round(12)
    array([0.25, 1.  ])
    """
    theta0, omega0, length = _broadcast(theta0, omega0, length)
    # extreme values overflow to m = inf: rotation, for the integrator
    with np.errstate(over="ignore", divide="ignore", under="ignore"):
        omega_n2 = g / length
        return np.sin(theta0 / 2) ** 2 + omega0**2 / (4 * omega_n2)


def amplitude(theta0, omega0, length, g=9.81):
    """Amplitude ``theta_max`` of the undamped swing, ``2 arcsin(k)``.

    Energy conservation gives ``cos(theta_max) = cos(theta0) - omega0**2 L / (2 g)``;
    with ``k**2 = m`` (:func:`elliptic_parameter`) this is ``2 arcsin(sqrt(m))``.

    Parameters
    ----------
    theta0, omega0, length : array-like of shape (n,)
        Initial angle [rad], initial angular velocity [rad/s], length [m].
    g : float, default=9.81
        Gravitational acceleration [m/s²].

    Returns
    -------
    theta_max : ndarray of shape (n,)
        Largest angle [rad] of the swing; ``pi`` on or above the separatrix
        (the pendulum goes over the top).

    See Also
    --------
    elliptic_parameter : ``m``, which tells libration from rotation.
    period : The period of the same swing.

    Examples
    --------
    Released from rest, the amplitude is the initial angle; pushed from the
    bottom, it follows from energy conservation:

    >>> import numpy as np
    >>> from pendsk.physics import amplitude
    >>> amplitude([0.5, 0.0], [0.0, 1.0], [1.0, 1.0], g=10.0).round(4)
    array([0.5   , 0.3176])
    >>> round(float(np.arccos(1 - 1 / 20)), 4)  # arccos(cos 0 - 1**2 * 1 / (2 * 10))
    0.3176
    """
    m = elliptic_parameter(theta0, omega0, length, g)
    return 2 * np.arcsin(np.sqrt(np.minimum(m, 1.0)))


def period(theta0, omega0, length, g=9.81):
    """Period of the undamped pendulum, ``4 K(k) / sqrt(g / L)``.

    Parameters
    ----------
    theta0, omega0, length : array-like of shape (n,)
        Initial angle [rad], initial angular velocity [rad/s], length [m].
    g : float, default=9.81
        Gravitational acceleration [m/s²].

    Returns
    -------
    T : ndarray of shape (n,)
        Period in seconds; ``inf`` on or above the separatrix.

    See Also
    --------
    amplitude : The amplitude of the same swing.
    elliptic_parameter : ``m``, the argument of ``K``.

    Examples
    --------
    A small swing has the period ``2 pi sqrt(L / g)`` of the linearised
    pendulum; released from rest at 90° the period is 1.1803 times longer
    (``2 K(1/2) / pi``):

    >>> import numpy as np
    >>> from pendsk.physics import period
    >>> T0 = 2 * np.pi * np.sqrt(1.5 / 10.0)
    >>> (period([1e-4, np.pi / 2], 0.0, 1.5, g=10.0) / T0).round(4)
    array([1.    , 1.1803])
    >>> period(0.0, 7.0, 1.5, g=10.0)  # m = 7**2 * 1.5 / 40 > 1: over the top
    array([inf])
    """
    theta0, omega0, length = _broadcast(theta0, omega0, length)
    m = elliptic_parameter(theta0, omega0, length, g)
    with np.errstate(divide="ignore", invalid="ignore"):
        T = 4 * ellipk(np.minimum(m, 1.0)) / np.sqrt(g / length)
    return np.where(m < 1, T, np.inf)


def _jacobi_ladder(s0, c0, d0, step, m, n):
    """(sn, cn, dn) at ``u0 + j * h`` for j < n, as an array (n, 3, rows).

    Each rung is the Jacobi addition theorem applied to the previous one
    and to ``step``, the triple (sn, cn, dn)(h)::

        sn(u + h) = (sn(u) cn(h) dn(h) + sn(h) cn(u) dn(u)) / D
        cn(u + h) = (cn(u) cn(h) - sn(u) dn(u) sn(h) dn(h)) / D
        D = 1 - m sn(u)² sn(h)²

    then put back onto ``sn² + cn² = 1``, with ``dn = sqrt(1 - m sn²)``
    (``dn > 0`` for ``m < 1``).  Without that projection the rounding
    errors grow exponentially along the ladder; with it they grow linearly
    (tests/test_physics.py::test_exact_long_horizon holds 2,000 steps to
    1e-7 rad).
    """
    sh, ch, dh = step
    ch_dh, sh_dh, m_sh2 = ch * dh, sh * dh, m * sh * sh
    out = np.empty((n, 3, s0.shape[0]))
    out[0] = s0, c0, d0
    for j in range(1, n):
        s, c, d = out[j - 1]
        r = 1.0 / (1.0 - m_sh2 * (s * s))
        s_new = (s * ch_dh + sh * (c * d)) * r
        c_new = (c * ch - (s * d) * sh_dh) * r
        r = 1.0 / np.sqrt(s_new * s_new + c_new * c_new)
        out[j, 0] = s_new * r
        out[j, 1] = c_new * r
        out[j, 2] = np.sqrt(1.0 - m * (out[j, 0] * out[j, 0]))
    return out


def _grid_split(n_steps):
    """(A, B) with A * B >= n_steps, B near sqrt(n_steps), exact if possible."""
    root = math.isqrt(n_steps)
    for B in range(root, max(1, root // 2) - 1, -1):
        if n_steps % B == 0:
            return n_steps // B, B
    B = root + (root * root < n_steps)
    return -(-n_steps // B), B


def exact(theta0, omega0, length, mass=None, *, g=9.81, damping=0.0, dt=0.01,
          n_steps=500, out=None):
    """Closed-form solution of the undamped pendulum (libration only).

    With ``k = sin(theta_max / 2)`` and ``omega_n = sqrt(g / L)``::

        sin(theta / 2) = k sn(omega_n t + u0 | k**2)

    evaluated as ``theta / 2 = atan2(k sn, dn)`` (well conditioned up to
    the top of the swing).  ``sn``, ``cn``, ``dn`` at ``u0`` follow from the
    initial conditions without an inverse elliptic integral
    (``k sn = sin(theta0/2)``, ``dn = cos(theta0/2)``,
    ``k cn = omega0 / (2 omega_n)``).  The uniform time grid is split into
    blocks of ``B`` steps: two short ladders of the addition theorem give
    the values at ``u0 + a B du`` and ``b du``, and one addition per point
    (whose common denominator cancels inside ``atan2``) gives every sample.
    That needs two calls of :func:`scipy.special.ellipj` per trajectory.

    Parameters
    ----------
    theta0, omega0, length : array-like of shape (n,)
        Initial angle [rad] (any value; libration is about the nearest
        multiple of 2π), initial angular velocity [rad/s], length [m].
    mass : array-like of shape (n,), default=None
        Unused (the undamped motion does not depend on mass); accepted so
        that every solver has the same signature.
    g : float, default=9.81
        Gravitational acceleration [m/s²].
    damping : float, default=0.0
        Must be 0: the closed form is for the undamped pendulum.
    dt : float, default=0.01
        Time between samples [s].
    n_steps : int, default=500
        Number of samples, the first at ``t = 0``.
    out : ndarray of shape (n, n_steps), float64, default=None
        Array to write the result into.

    Returns
    -------
    theta : ndarray of shape (n, n_steps)

    Raises
    ------
    ValueError
        If ``damping != 0`` or a row is on or above the separatrix.
    """
    theta0, omega0, length = _broadcast(theta0, omega0, length)
    _check_exact(theta0, omega0, length, g, damping)
    out = _output(out, theta0.shape[0], n_steps)
    for _ in _exact_tiles(theta0, omega0, length, g, dt, out):
        pass
    return out


def _check_exact(theta0, omega0, length, g, damping):
    if damping != 0:
        raise ValueError(
            f"method='exact' is the undamped closed form; got damping={damping}. "
            "Use method='rk4' or 'auto' for a damped pendulum."
        )
    rotating = np.flatnonzero(~_libration(theta0, omega0, length, g))
    if rotating.size:
        raise ValueError(
            "method='exact' needs libration (energy below the separatrix); rows "
            f"{rotating[:10].tolist()} go over the top. Use method='rk4' or 'auto'."
        )


def _exact_tiles(theta0, omega0, length, g, dt, out):
    """Fill ``out`` with the closed form, yielding each finished row tile.

    The tiles are ``_CACHE_ROWS`` rows, so the caller can work on each
    (add noise) while it is still in cache.  Rows must librate.
    """
    n, n_steps = out.shape
    if n == 0 or n_steps == 0:
        return
    # libration about the nearest multiple of 2*pi
    shift = 2 * np.pi * np.round(theta0 / (2 * np.pi))
    half = (theta0 - shift) / 2
    omega_n = np.sqrt(g / length)
    ks0 = np.sin(half)  # k sn(u0)
    kc0 = omega0 / (2 * omega_n)  # k cn(u0)
    m = ks0**2 + kc0**2
    k = np.sqrt(m)
    moving = k > 0
    k_safe = np.where(moving, k, 1.0)
    s0 = np.where(moving, ks0 / k_safe, 0.0)
    c0 = np.where(moving, kc0 / k_safe, 1.0)
    d0 = np.cos(half)

    A, B = _grid_split(n_steps)
    du = omega_n * dt
    ones = np.ones(n)
    # (n, 3, A) and (n, 3, B): values at u0 + a*B*du and at b*du
    G = _jacobi_ladder(s0, c0, d0, ellipj(B * du, m)[:3], m, A).transpose(2, 1, 0)
    H = _jacobi_ladder(0 * ones, ones, ones, ellipj(du, m)[:3], m, B).transpose(2, 1, 0)
    Gs, Gc, Gd = G[:, 0], G[:, 1], G[:, 2]
    Hs, Hc, Hd = H[:, 0], H[:, 1], H[:, 2]
    # theta/2 = atan2(k (sG cH dH + sH cG dG), dG dH - m sG cG sH cH):
    # the addition theorem with its common denominator cancelled.  Both
    # arguments are, per row, a product of an (A, 2) and a (2, B) matrix:
    # one batched matmul each (four times faster than broadcasting).
    kr, mr = k[:, None], m[:, None]
    num_g = np.stack([kr * Gs, kr * Gc * Gd], axis=-1)
    num_h = np.stack([Hc * Hd, Hs], axis=1)
    den_g = np.stack([Gd, -mr * Gs * Gc], axis=-1)
    den_h = np.stack([Hd, Hs * Hc], axis=1)
    padded = A * B != n_steps
    shifted = shift.any()
    num = np.empty((min(n, _CACHE_ROWS), A, B))
    den = np.empty_like(num)
    for start in range(0, n, _CACHE_ROWS):
        rows = slice(start, min(start + _CACHE_ROWS, n))
        r = rows.stop - start
        nm, dn = num[:r], den[:r]
        np.matmul(num_g[rows], num_h[rows], out=nm)
        np.matmul(den_g[rows], den_h[rows], out=dn)
        tile = out[rows]
        if padded:
            np.arctan2(nm, dn, out=nm)
            np.multiply(nm.reshape(r, A * B)[:, :n_steps], 2.0, out=tile)
        else:
            np.arctan2(nm, dn, out=tile.reshape(r, A, B))
            tile *= 2.0
        if shifted:
            tile += shift[rows, None]
        yield rows


def _output(out, n, n_steps):
    if out is None:
        return np.empty((n, n_steps))
    if out.shape != (n, n_steps) or out.dtype != np.float64:
        raise ValueError(f"out must be a float64 array of shape {(n, n_steps)}")
    return out


def _integrator_start(theta0, omega0, length, mass, g, damping, n_steps, out):
    """State, coefficients and output (column 0 filled) of an integrator."""
    theta0, omega0, length, mass = _broadcast(theta0, omega0, length, mass)
    out = _output(out, theta0.shape[0], n_steps)
    if n_steps:
        out[:, 0] = theta0
    # g/L and the damping rate damping / (m L²)
    return theta0.copy(), omega0.copy(), g / length, damping / (mass * length**2), out


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
    """
    th, om, w2, c, out = _integrator_start(theta0, omega0, length, mass, g, damping,
                                           n_steps, out)
    h, h2 = dt, dt / 2

    def acc(t, w):
        a = np.sin(t)
        a *= -w2
        if damping:
            a -= c * w
        return a

    for i in range(1, n_steps):
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
    return out


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
    """
    th, om, w2, c, out = _integrator_start(theta0, omega0, length, mass, g, damping,
                                           n_steps, out)
    for i in range(1, n_steps):
        # same operation order as the article: omega - (g/l)*sin(theta)*dt
        new_om = om - w2 * np.sin(th) * dt
        if damping:
            new_om -= c * om * dt
        om = new_om
        th = th + om * dt
        out[:, i] = th
    return out


#: String options map to implementations through this one dict.
SOLVERS = {"exact": exact, "rk4": rk4, "euler-cromer": euler_cromer}


class _ObservationNoise:
    """Gaussian noise of standard deviation ``std[j]`` at column ``j``.

    Block ``i`` of ``_NOISE_ROWS`` rows draws float32 normals from its own
    generator, ``child_rng(entropy, i)`` (:mod:`pendsk._random`), tile
    after tile in row order, so the noise depends on the seed only, never
    on the threads or the solver.
    """

    def __init__(self, std, seed):
        self.std = std.astype(np.float32)
        self.entropy = root_entropy(seed)
        self.generators = {}

    def add(self, out, rows):
        """Add noise to ``out[rows]``, a tile inside one block, in order."""
        block = rows.start // _NOISE_ROWS
        if block not in self.generators:  # one thread per block: no race
            self.generators[block] = child_rng(self.entropy, block)
        z = self.generators[block].standard_normal(
            (rows.stop - rows.start, self.std.shape[0]), dtype=np.float32)
        z *= self.std
        out[rows] += z


def _libration(theta0, omega0, length, g):
    return elliptic_parameter(theta0, omega0, length, g) < _LIBRATION_LIMIT


def simulate(theta0, omega0, length, mass, *, g=9.81, damping=0.0, dt=0.01,
             n_steps=500, method="auto", noise_std=0.0, noise_growth=0.0,
             seed=None):
    """Trajectories of the pendulum with the named method, plus noise.

    The rows are cut into one block per thread (numpy releases the GIL).
    ``method="auto"`` uses :func:`exact` for the rows whose motion is
    undamped libration and :func:`rk4` for the others (damped, rotating or
    on the separatrix).  Observation noise of standard deviation
    ``noise_std + noise_growth * t`` is added to each block as it is made.

    Parameters
    ----------
    theta0, omega0, length, mass : array-like of shape (n,)
        Initial angle [rad], initial angular velocity [rad/s], length [m],
        mass [kg].
    g, damping, dt, n_steps
        As in :func:`rk4`.
    method : {"auto", "exact", "rk4", "euler-cromer"}, default="auto"
    noise_std, noise_growth : float, default=0.0
        Noise standard deviation at ``t = 0`` [rad] and its growth [rad/s].
    seed : int, numpy.random.RandomState or None, default=None
        Seed of the noise, turned into a root entropy by
        :func:`pendsk._random.root_entropy` (an int is its own entropy;
        None draws fresh entropy).  Block ``i`` of 2048 rows draws float32
        normals from ``child_rng(entropy, i)``, so the result depends on
        the seed only, never on the number of threads.

    Returns
    -------
    theta : ndarray of shape (n, n_steps)
    """
    theta0, omega0, length, mass = _broadcast(theta0, omega0, length, mass)
    n = theta0.shape[0]
    if method == "auto":
        if damping != 0:
            plan = [(rk4, None)]
        else:
            libration = _libration(theta0, omega0, length, g)
            plan = [(exact, libration), (rk4, ~libration)]
            plan = [(f, None if rows.all() else rows) for f, rows in plan if rows.any()]
    elif method in SOLVERS:
        plan = [(SOLVERS[method], None)]
    else:
        raise ValueError(
            f"method must be one of {sorted(SOLVERS) + ['auto']}; got {method!r}"
        )
    if method == "exact":  # fail before any work, naming the rows
        _check_exact(theta0, omega0, length, g, damping)
    noise = None
    if noise_std != 0 or noise_growth != 0:
        with np.errstate(over="ignore", invalid="ignore"):
            std = noise_std + noise_growth * dt * np.arange(n_steps)
        # float32 draws times the std: keep a margin for the normal's tails
        limit = float(np.finfo(np.float32).max) / 16
        if not (std <= limit).all():
            raise ValueError(
                f"noise_std={noise_std:g} is too large: the noise is drawn in float32"
                if not noise_std <= limit else
                f"the noise std noise_std + noise_growth * t reaches {std.max():g} rad, "
                f"beyond float32: noise_growth={noise_growth:g} is too large, or "
                f"dt={dt:g} is too large for {n_steps} steps")
        noise = _ObservationNoise(std, seed)
    out = np.empty((n, n_steps))
    kwargs = dict(g=g, damping=damping, dt=dt, n_steps=n_steps)

    @np.errstate(over="ignore", invalid="ignore")  # overflow: one error, below
    def block(rows):
        args = theta0[rows], omega0[rows], length[rows], mass[rows]
        if plan == [(exact, None)]:
            # the common case: noise added to each tile while it is in cache
            for tile in _exact_tiles(*args[:3], g, dt, out[rows]):
                if noise is not None:
                    noise.add(out, slice(rows.start + tile.start, rows.start + tile.stop))
            return
        for solver, mask in plan:
            if mask is None:
                solver(*args, out=out[rows], **kwargs)
            else:
                idx = rows.start + np.flatnonzero(mask[rows])
                out[idx] = solver(theta0[idx], omega0[idx], length[idx], mass[idx],
                                  **kwargs)
        if noise is not None:
            for start in range(rows.start, rows.stop, _CACHE_ROWS):
                noise.add(out, slice(start, min(start + _CACHE_ROWS, rows.stop)))

    _map_blocks(block, n)
    # overflow only grows along a trajectory, so the last column tells
    blown = np.flatnonzero(~np.isfinite(out[:, -1])) if n_steps else []
    if len(blown):
        raise ValueError(
            f"the simulation overflowed in rows {blown[:10].tolist()}: dt={dt} is "
            f"too large for these pendulums, or their theta0, omega0, length or mass, "
            f"g={g:g} or damping={damping:g} is too large"
        )
    return out
