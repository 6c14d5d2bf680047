"""Closed form of the undamped simple pendulum, on numpy arrays.

The swing of a pendulum of length ``L`` released at ``theta0`` with angular
velocity ``omega0`` is fixed by the elliptic parameter ``m = k**2`` of its
energy (:func:`elliptic_parameter`), which gives its amplitude
(:func:`amplitude`) and period (:func:`period`); below the separatrix
(``m < 1``) its whole trajectory has a closed form (:func:`exact`).  numpy
and scipy's elliptic integrals only (scikit-learn's validation for the
public functions' arguments).  It runs past 500 lines because the three
public functions, their checks and the Fourier series of the exact
solution are one derivation, read best in one place.
"""

import math
from numbers import Real

import numpy as np
from scipy.special import ellipk, ellipkinc, ellipkm1
from sklearn.utils._param_validation import Interval, validate_parameter_constraints

from .._utils.validation import check_values, naming

from .arrays import TILE_ROWS, as_trajectories, output_array, row_tiles

__all__ = [
    "LIBRATION_LIMIT",
    "amplitude",
    "check_exact",
    "elliptic_parameter",
    "exact",
    "exact_tiles",
    "librating",
    "period",
]

#: Rows whose parameter ``m = k**2`` is below this limit librate for the
#: closed form; above it (within 1e-12 of the separatrix, or rotating) they
#: are left to an integrator.
LIBRATION_LIMIT = 1.0 - 1e-12

#: The Fourier series is cut before the first harmonic whose coefficient
#: ``8 q**(n + 1/2) / (2n + 1)`` is below this many radians (the rest of the
#: tail is smaller still, by a factor 1 / (1 - q)): 1e-12 rad, five orders
#: below RK4's error at dt = 0.01 and a quarter fewer harmonics than 1e-15.
_SERIES_TOL = 1e-12


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
    return _elliptic_parameter(*_checked(theta0, omega0, length, g))


def _checked(theta0, omega0, length, g):
    """The public functions' arguments, validated: finite numbers, scalars
    or 1-D of one length, positive ``length`` and ``g``; errors name the
    argument.  (The solvers call the unchecked functions on rows the
    simulator has validated.)"""
    validate_parameter_constraints({"g": [Interval(Real, 0, None, closed="neither")]},
                                   {"g": g}, caller_name="pendsk.physics")
    arrays = [check_values(a, name, ndim=(0, 1))
              for a, name in zip((theta0, omega0, length), ("theta0", "omega0", "length"))]
    if np.any(arrays[2] <= 0):
        raise ValueError(f"length must be > 0 [m]; got {arrays[2][arrays[2] <= 0].flat[0]:g}.")
    with naming("theta0", "omega0", "length"):
        theta0, omega0, length = as_trajectories(*arrays)
    return theta0, omega0, length, float(g)


def _elliptic_parameter(theta0, omega0, length, g):
    theta0, omega0, length = as_trajectories(theta0, omega0, length)
    # extreme values overflow to m = inf: rotation, for the integrator
    with np.errstate(over="ignore", divide="ignore", under="ignore", invalid="ignore"):
        omega_n2 = g / length
        m = np.sin(theta0 / 2) ** 2 + omega0**2 / (4 * omega_n2)
    # inf / inf (a huge ω0 on a tiny length): rotation as well
    overflowed = np.isnan(m) & ~np.isnan(theta0) & ~np.isnan(omega0) & ~np.isnan(length)
    return np.where(overflowed, np.inf, m)


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
    m = _elliptic_parameter(*_checked(theta0, omega0, length, g))
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
    theta0, omega0, length, g = _checked(theta0, omega0, length, g)
    m = _elliptic_parameter(theta0, omega0, length, g)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        T = 4 * ellipk(np.minimum(m, 1.0)) / np.sqrt(g / length)
    return np.where(m < 1, T, np.inf)


def librating(theta0, omega0, length, g=9.81):
    """Which rows the closed form can take: ``m`` below :data:`LIBRATION_LIMIT`.

    Parameters
    ----------
    theta0, omega0, length : array-like of shape (n,)
        Initial angle [rad], initial angular velocity [rad/s], length [m].
    g : float, default=9.81
        Gravitational acceleration [m/s²].

    Returns
    -------
    mask : ndarray of bool, shape (n,)
        True where the pendulum swings (libration) clear of the separatrix.

    Examples
    --------
    >>> from pendsk.physics.closed_form import librating
    >>> librating([0.5, 0.0, 3.14159], [0.0, 10.0, 0.0], 1.0)
    array([ True, False,  True])
    """
    return _elliptic_parameter(theta0, omega0, length, g) < LIBRATION_LIMIT


def check_exact(theta0, omega0, length, g=9.81, damping=0.0):
    """Raise unless the closed form can take every row.

    Parameters
    ----------
    theta0, omega0, length : array-like of shape (n,)
        Initial angle [rad], initial angular velocity [rad/s], length [m].
    g : float, default=9.81
        Gravitational acceleration [m/s²].
    damping : float, default=0.0
        Must be 0.

    Raises
    ------
    ValueError
        If ``damping != 0``, or naming the first rows on or above the
        separatrix.

    Examples
    --------
    >>> from pendsk.physics.closed_form import check_exact
    >>> check_exact([0.5, 0.0], [0.0, 10.0], 1.0)
    Traceback (most recent call last):
    ...
    ValueError: method='exact' needs libration (energy below the separatrix); rows [1] go over the top. Use method='rk4' or 'auto'.
    """
    if damping != 0:
        raise ValueError(
            f"method='exact' is the undamped closed form; got damping={damping}. "
            "Use method='rk4' or 'auto' for a damped pendulum."
        )
    rotating = np.flatnonzero(~librating(theta0, omega0, length, g))
    if rotating.size:
        raise ValueError(
            "method='exact' needs libration (energy below the separatrix); rows "
            f"{rotating[:10].tolist()} go over the top. Use method='rk4' or 'auto'."
        )


def exact(theta0, omega0, length, mass=None, *, g=9.81, damping=0.0, dt=0.01,
          n_steps=500, out=None):
    """Closed-form solution of the undamped pendulum (libration only).

    With ``k = sin(theta_max / 2)``, ``omega_n = sqrt(g / L)`` and the
    complete elliptic integrals ``K = K(k**2)``, ``K' = K(1 - k**2)``::

        sin(theta / 2) = k sn(omega_n t + u0 | k**2)
        theta(t) = sum_n 8 q**(n + 1/2) / ((2n + 1) (1 + q**(2n + 1)))
                   * sin((2n + 1) pi (omega_n t + u0) / (2 K)),   q = exp(-pi K' / K)

    the Fourier series of the swing in the nome ``q`` (below 0.06 on the
    article's data, so about ten harmonics reach the 1e-12 rad where the
    series is cut).  ``u0`` is the
    incomplete elliptic integral of ``am(u0) = atan2(sin(theta0 / 2),
    omega0 / (2 omega_n))``.  The uniform time grid is split into ``A``
    blocks of ``B`` steps, so that the series at step ``a B + b`` is, per
    trajectory, one matrix product of the harmonics at ``a B`` (``A`` of
    them) and at ``b`` (``B``), each harmonic made from the previous ones by
    a rotation: no transcendental function per sample, and three calls
    of :mod:`scipy.special` (``K``, ``K'``, ``u0``) per trajectory.

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
        If ``damping != 0`` or a row is on or above the separatrix
        (:func:`check_exact`).

    See Also
    --------
    pendsk.physics.integrators.rk4 : Any energy, with damping.

    Examples
    --------
    Released from rest at 90°, the pendulum is at -90° half a period later:

    >>> import numpy as np
    >>> from pendsk.physics import period
    >>> from pendsk.physics.closed_form import exact
    >>> T = period(np.pi / 2, 0.0, 1.0)[0]
    >>> theta = exact([np.pi / 2], 0.0, 1.0, dt=T / 100, n_steps=101)
    >>> theta[0, [0, 50, 100]].round(12) / np.pi
    array([ 0.5, -0.5,  0.5])
    """
    theta0, omega0, length = as_trajectories(theta0, omega0, length)
    check_exact(theta0, omega0, length, g, damping)
    out = output_array(out, theta0.shape[0], n_steps)
    for _ in exact_tiles(theta0, omega0, length, g=g, dt=dt, out=out):
        pass
    return out


def exact_tiles(theta0, omega0, length, mass=None, *, g=9.81, damping=0.0, dt=0.01,
                out):
    """Fill ``out`` with the closed form, yielding each finished tile of rows.

    The generator behind :func:`exact`: the rows are done in tiles of
    :data:`~pendsk.physics.arrays.TILE_ROWS`, each yielded (as a slice of
    ``out``'s rows) while it is still in cache.  The rows must librate
    (:func:`check_exact`); nothing is checked here.

    Parameters
    ----------
    theta0, omega0, length : ndarray of shape (n,), float64
        Initial conditions, already broadcast (``as_trajectories``).
    mass : ndarray of shape (n,), default=None
        Unused.
    g : float, default=9.81
        Gravitational acceleration [m/s²].
    damping : float, default=0.0
        Unused (must be 0).
    dt : float, default=0.01
        Time between samples [s].
    out : ndarray of shape (n, n_steps), float64
        Array to fill.

    Yields
    ------
    rows : slice
        The rows of ``out`` just finished, in order.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk.physics.closed_form import exact_tiles
    >>> out = np.empty((300, 4))
    >>> rows = list(exact_tiles(np.full(300, 0.5), 0.0, 1.0, out=out))
    >>> [(s.start, s.stop) for s in rows]
    [(0, 128), (128, 256), (256, 300)]
    >>> bool(np.all(out[:, 0] == 0.5))
    True
    """
    n, n_steps = out.shape
    if n == 0 or n_steps == 0:
        return
    series = _Series(theta0, omega0, length, g, dt, n_steps)
    for rows in row_tiles(n):
        series.fill(rows, out[rows])
        yield rows


class _Series:
    """The Fourier series of each row, evaluated tile by tile.

    Per row: the centre ``shift`` of the swing (a multiple of 2π), the number
    of harmonics and their coefficients, and the sine and cosine of the
    phase ``x = pi u / (2 K)`` at the ``A`` block starts (``x0 + a B nu``)
    and of ``pi/2 - b nu`` at the ``B`` offsets in a block, side by side
    (``A + B`` columns), made by rotation, rows last.  With ``y = b nu``::

        sin((2n + 1)(x + y)) = (-1)**n [sin((2n + 1) x) cos((2n + 1)(pi/2 - y))
                                        + cos((2n + 1) x) sin((2n + 1)(pi/2 - y))]

    so one recurrence (sine first) makes the harmonics of both sides, and
    the sign goes into the coefficients.
    """

    def __init__(self, theta0, omega0, length, g, dt, n_steps):
        self.theta0 = theta0
        self.shift = 2 * np.pi * np.round(theta0 / (2 * np.pi))
        half = (theta0 - self.shift) / 2
        omega_n = np.sqrt(g / length)
        ks0, kc0 = np.sin(half), omega0 / (2 * omega_n)  # k sn(u0), k cn(u0)
        m = ks0**2 + kc0**2
        K = ellipk(m)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            # log q = -pi K'/K; m = 0 (at rest): K' = inf, q = 0
            log_q = -np.pi * ellipkm1(m) / K
            # harmonics n < count, the first left out below the tolerance:
            # 8 q**(count + 1/2) / (2 count + 1) <= tol, from a bound without
            # the 1 / (2 count + 1) down by at most two
            count = np.ceil(math.log(_SERIES_TOL / 8) / log_q - 0.5)
            count = np.maximum(np.nan_to_num(count, posinf=1), 1)
            for _ in range(2):
                fewer = count - 1
                fewer_ok = (fewer >= 1) & (
                    (fewer + 0.5) * log_q - np.log(2 * fewer + 1) <= math.log(_SERIES_TOL / 8))
                count = np.where(fewer_ok, fewer, count)
        self.harmonics = count.astype(np.intp)
        # coefficients (-1)**n 8 q**(n + 1/2) / ((2n + 1)(1 + q**(2n + 1))),
        # zero past each row's own harmonics: the result of a row does not
        # depend on the rows computed with it
        n = np.arange(self.harmonics.max())[:, None]
        with np.errstate(under="ignore"):
            q_half = np.exp((n + 0.5) * log_q)
        self.coef = 8 * q_half / ((2 * n + 1) * (1 + q_half * q_half))
        self.coef[1::2] *= -1.0
        self.coef[n >= self.harmonics] = 0.0
        x0 = np.pi / 2 * ellipkinc(np.arctan2(ks0, kc0), m) / K
        nu = np.pi / 2 * (omega_n * dt) / K
        self.A, self.B = A, B = _grid_split(n_steps)
        self.base = np.empty((2, A + B, len(theta0)))
        _rotations(x0, B * nu, self.base[:, :A])
        _rotations(np.zeros_like(x0), nu, self.base[::-1, A:])  # of pi/2 - b nu
        # work buffers for one tile, reused (fresh pages cost page faults)
        self._rows = rows = min(TILE_ROWS, len(theta0))
        self._g = np.empty(self.coef.shape[0] * 2 * rows * A)
        self._h = np.empty(self.coef.shape[0] * 2 * rows * B)
        self._c2 = np.empty(2 * rows * max(A, B))
        self._grid = None  # (rows, A, B) when A * B > n_steps

    def fill(self, rows, tile):
        """Write the rows ``rows`` (a slice) into ``tile``, a view of them."""
        harmonics = self.harmonics[rows]
        # rows that need many more harmonics than the others (near the
        # separatrix) go apart, so that a few of them do not slow the rest
        far = harmonics > 2 * harmonics.mean()
        if not far.any():
            self._product(rows, tile)
        else:
            for group in (far, ~far):
                sel = rows.start + np.flatnonzero(group)
                part = np.empty((sel.size, tile.shape[1]))
                self._product(sel, part)
                tile[sel - rows.start] = part
        shift = self.shift[rows]
        if shift.any():
            tile += shift[:, None]
        tile[:, 0] = self.theta0[rows]  # theta(0) = theta0 exactly

    def _product(self, sel, dest):
        """Series of the rows ``sel`` (slice or indices) into ``dest``."""
        A, B = self.A, self.B
        r, count = dest.shape[0], int(self.harmonics[sel].max())
        c2 = self._c2[:2 * r * max(A, B)]
        # G[n], H[n] = sine and cosine of (2n + 1) x and (2n + 1)(pi/2 - y),
        # rows first, in buffers of their own (a contiguous H is scaled
        # faster than a slice of a shared one)
        G = _odd_harmonics(self.base[:, :A, sel], count,
                           self._g[:count * 2 * r * A].reshape(count, 2, r, A),
                           c2[:2 * r * A].reshape(2, r, A))
        H = _odd_harmonics(self.base[:, A:, sel], count,
                           self._h[:count * 2 * r * B].reshape(count, 2, r, B),
                           c2[:2 * r * B].reshape(2, r, B))
        H *= self.coef[:count, None, sel, None]
        # per row, (A, 2 count) @ (2 count, B): one matrix product
        G = G.reshape(2 * count, r, A).transpose(1, 2, 0)
        H = H.reshape(2 * count, r, B).transpose(1, 0, 2)
        if A * B == dest.shape[1] and dest.flags.c_contiguous:
            np.matmul(G, H, out=dest.reshape(r, A, B))
            return
        if self._grid is None:
            self._grid = np.empty(self._rows * A * B)
        grid = self._grid[:r * A * B].reshape(r, A, B)
        np.matmul(G, H, out=grid)
        dest[...] = grid.reshape(r, A * B)[:, :dest.shape[1]]


def _rotations(x, step, out):
    """Write the sines and cosines of ``x + j * step`` into ``out`` (2, count, n).

    Each is the previous one turned by ``step`` (rounding grows linearly
    in ``j``).
    """
    out[0, 0], out[1, 0] = np.sin(x), np.cos(x)
    sin_step, cos_step = np.sin(step), np.cos(step)
    for j in range(1, out.shape[1]):
        s, c = out[0, j - 1], out[1, j - 1]
        np.multiply(s, cos_step, out=out[0, j])
        out[0, j] += c * sin_step
        np.multiply(c, cos_step, out=out[1, j])
        out[1, j] -= s * sin_step


def _odd_harmonics(base, count, out, c2):
    """``out[n]`` = sine and cosine of ``(2n + 1) x`` from those of ``x``.

    ``base`` is (2, L, r), sine first, rows last; ``out`` is (count, 2, r, L),
    rows first.  Three-term recurrence
    ``f((2n + 3) x) = 2 cos(2x) f((2n + 1) x) - f((2n - 1) x)`` on the pair
    at once (``c2`` is a work array of ``out[0]``'s shape).
    """
    out[0] = base.transpose(0, 2, 1)
    s, c = out[0]
    if count > 1:
        np.multiply(c, c, out=c2[0])
        c2[0] -= s * s
        c2[0] *= 2.0
        c2[1] = c2[0]  # materialised: a broadcast operand is twice as slow
        np.multiply(out[0], c2, out=out[1])
        out[1, 0] += s  # sin 3x = (2 cos 2x + 1) sin x
        out[1, 1] -= c  # cos 3x = (2 cos 2x - 1) cos x
    for j in range(1, count - 1):
        np.multiply(out[j], c2, out=out[j + 1])
        out[j + 1] -= out[j - 1]
    return out


def _grid_split(n_steps):
    """(A, B) with A * B >= n_steps, B near sqrt(n_steps), exact if possible."""
    root = math.isqrt(n_steps)
    for B in range(root, max(1, root // 2) - 1, -1):
        if n_steps % B == 0:
            return n_steps // B, B
    B = root + (root * root < n_steps)
    return -(-n_steps // B), B
