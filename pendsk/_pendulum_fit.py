"""Distance of trajectories from the undamped pendulum, by least squares.

:func:`pendulum_residual` fits ``theta0``, ``omega0`` and the length to
each row with a batched Levenberg-Marquardt on the numpy simulator of
:mod:`pendsk.physics.solvers`, and returns the root-mean-square distance.
numpy and scipy only, and independent of the package's neural models and
of :mod:`pendsk.physics.estimates`.
"""

import math
from numbers import Real

import numpy as np
from scipy.special import ellipk
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, validate_params

from ._utils.validation import as_float64, naming
from .physics.solvers import simulate

__all__ = ["pendulum_residual"]

#: Levenberg-Marquardt iterations on every start that survives the
#: screening, and on the best start of each row afterwards.
_START_ITER = 8
_MAX_ITER = 60
#: Starts per row kept after screening every candidate with one simulation.
_KEEP = 3
#: Frequency multiples tried around the spectral estimate (aliasing,
#: a wrong amplitude correction, too short a window).
_MULTIPLES = (1.0, 0.8, 1.25, 0.5, 2.0, 0.65, 1.55)
#: Relative decrease of the cost below which an accepted step ends a row.
_RTOL = 1e-10
#: Rows fitted together (bounds the memory: about 60 float64 copies of them).
_CHUNK_ROWS = 1024


def _simulate(p, g, dt, n_steps):
    """Undamped trajectories of parameter rows ``(theta0, omega0, log w)``,
    with ``w = sqrt(g / L)`` the natural frequency."""
    w = np.exp(p[:, 2])
    return simulate(p[:, 0], p[:, 1], g / (w * w), 1.0, g=g, dt=dt, n_steps=n_steps)


def _dominant_frequency(x, dt):
    """Angular frequency [rad/s] of the largest peak of each row's spectrum
    (mean removed, zero-padded 8 times, parabolic interpolation)."""
    n_steps = x.shape[1]
    n_fft = 8 * (1 << max(n_steps - 1, 1).bit_length())
    spectrum = np.abs(np.fft.rfft(x - x.mean(axis=1, keepdims=True), n=n_fft, axis=1))
    spectrum[:, 0] = 0.0
    k = np.clip(spectrum.argmax(axis=1), 1, spectrum.shape[1] - 2)
    rows = np.arange(x.shape[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b, c = (np.log(spectrum[rows, k + d] + 1e-300) for d in (-1, 0, 1))
        shift = np.nan_to_num(0.5 * (a - c) / (a - 2 * b + c), nan=0.0)
    return 2 * np.pi * (k + np.clip(shift, -0.5, 0.5)) / (n_fft * dt)


def _initial_slope(x, dt, period):
    """``(theta0, omega0)`` of a local quadratic fit to the first samples,
    over about a tenth of ``period`` (at least 4 samples)."""
    n_steps = x.shape[1]
    theta0, omega0 = x[:, 0].copy(), np.zeros(x.shape[0])
    sizes = sorted({min(k, n_steps) for k in (4, 6, 10, 16, 25, 40, 64)})
    wanted = np.clip(0.1 * period / dt, sizes[0], sizes[-1])
    chosen = np.searchsorted(sizes, wanted).clip(0, len(sizes) - 1)
    for i, k in enumerate(sizes):
        rows = chosen == i
        if rows.any():
            t = np.arange(k) * dt
            fit = np.linalg.pinv(np.vander(t, 3, increasing=True)) @ x[rows, :k].T
            theta0[rows], omega0[rows] = fit[0], fit[1]
    return theta0, omega0


def _sinusoid(x, t, f):
    """Least-squares ``c + a cos(f t) + b sin(f t)`` of each row at its own
    angular frequency ``f``: ``(c, a, b)``."""
    phase = f[:, None] * t
    basis = np.stack([np.ones_like(phase), np.cos(phase), np.sin(phase)], axis=1)
    gram = np.einsum("ikt,ilt->ikl", basis, basis)
    gram += 1e-12 * np.einsum("ikk->i", gram)[:, None, None] * np.eye(3)
    rhs = np.einsum("ikt,it->ik", basis, x)
    return np.linalg.solve(gram, rhs[:, :, None])[:, :, 0].T


def _candidates(x, dt, g, bounds):
    """Starting points ``(n_candidates, n_samples, 3)``, in ``(theta0, omega0,
    log w)``: for the spectral frequency and its multiples, a sinusoid fit
    (initial state, amplitude) and the amplitude correction of the period;
    the initial state of a local quadratic fit too; and a few rotations."""
    n_steps = x.shape[1]
    t = np.arange(n_steps) * dt
    f = _dominant_frequency(x, dt)
    theta_p, omega_p = _initial_slope(x, dt, 2 * np.pi / f)
    # libration is about the nearest multiple of 2 pi of the row's mean
    centre = 2 * np.pi * np.round(x.mean(axis=1) / (2 * np.pi))
    a_data = np.abs(x - centre[:, None]).max(axis=1)
    starts = []
    for factor in _MULTIPLES:
        fk = f * factor
        c, a, b = _sinusoid(x, t, fk)
        sign = np.where(b < 0, -1.0, 1.0)
        for amplitude in (a_data, np.hypot(a, b)):
            m = np.sin(np.minimum(amplitude, np.pi * 0.999) / 2) ** 2
            w = fk * 2 * ellipk(m) / np.pi  # T = 4 K(m) / w
            # the speed at theta_p of a swing of that amplitude
            gap = np.maximum(m - np.sin((theta_p - centre) / 2) ** 2, 0.0)
            starts += [(c + a, b * fk, w), (theta_p, omega_p, w),
                       (theta_p, sign * 2 * w * np.sqrt(gap), w)]
    # over the top: mean angular speed, gravity a small modulation
    mean_speed = (x[:, -1] - x[:, 0]) / t[-1]
    for fraction in (0.1, 0.3, 0.45):
        starts.append((theta_p, omega_p, np.abs(mean_speed) * fraction + 1e-12))
    p = np.stack([np.stack([a, b, np.log(w)], axis=1) for a, b, w in starts])
    # a degenerate row (sums overflowing, no spectrum): start from rest
    fallback = np.column_stack([x[:, 0], np.zeros_like(f), np.log(f)])
    p = np.where(np.isfinite(p), p, fallback)
    return np.clip(p, bounds[0], bounds[1])


def _cost(p, x, g, dt):
    """Residuals ``simulated - x`` of the parameter rows ``p``, and their
    sums of squares."""
    r = _simulate(p, g, dt, x.shape[1]) - x
    return r, np.einsum("ij,ij->i", r, r)


def _levenberg_marquardt(p, x, bounds, g, dt, max_iter):
    """Batched Levenberg-Marquardt (Marquardt's diagonal scaling, forward
    difference Jacobian): every row iterates on its own, the rows that have
    converged are left out of the simulations.  Returns ``(p, cost, r)``,
    ``r`` the residuals of the rows."""
    n, n_steps = x.shape
    p = p.copy()
    r, cost = _cost(p, x, g, dt)
    lam = np.full(n, 1e-3)
    A = np.zeros((n, 3, 3))
    b = np.zeros((n, 3))
    stale = np.ones(n, dtype=bool)  # Jacobian to compute
    active = cost > 1e-28 * n_steps  # an exact fit already: nothing to do
    lo, hi = bounds
    for _ in range(max_iter):
        rows = np.flatnonzero(active)
        if rows.size == 0:
            break
        new = rows[stale[rows]]
        if new.size:
            pn = p[new]
            h = np.maximum(np.abs(pn), 1.0) * 1e-6
            h[:, 1] = np.maximum(np.abs(pn[:, 1]), np.exp(pn[:, 2])) * 1e-6
            shifted = np.concatenate([pn + h[:, k:k + 1] * np.eye(3)[k] for k in range(3)])
            base = r[new] + x[new]
            J = (_simulate(shifted, g, dt, n_steps).reshape(3, new.size, n_steps)
                 - base) / h.T[:, :, None]
            A[new] = np.einsum("kit,lit->ikl", J, J)
            b[new] = np.einsum("kit,it->ik", J, r[new])
            stale[new] = False
        diag = np.einsum("ikk->ik", A[rows])
        diag = np.maximum(diag, 1e-12 * diag.max(axis=1, keepdims=True) + 1e-300)
        M = A[rows] + (lam[rows, None] * diag)[:, :, None] * np.eye(3)
        step = np.linalg.solve(M, -b[rows][:, :, None])[:, :, 0]
        trial = p[rows] + step
        trial = np.clip(np.where(np.isfinite(trial), trial, p[rows]), lo[rows], hi[rows])
        r_trial, cost_trial = _cost(trial, x[rows], g, dt)
        better = cost_trial < cost[rows]
        done = better & (cost[rows] - cost_trial <= _RTOL * cost[rows])
        done |= ~better & (lam[rows] > 1e10)
        done |= better & (cost_trial <= 1e-28 * n_steps)
        good = rows[better]
        p[good], r[good], cost[good] = trial[better], r_trial[better], cost_trial[better]
        stale[good] = True
        lam[rows] = np.where(better, np.maximum(lam[rows] * 0.3, 1e-9), lam[rows] * 5.0)
        active[rows[done]] = False
    return p, cost, r


def _bounds(x, dt, g):
    """Per-row box of ``(theta0, omega0, log w)``: angles within pi of the
    row's range, at most half a turn per step, and a natural frequency from
    a hundredth of a cycle over the window to one radian per step."""
    n_samples, n_steps = x.shape
    window = (n_steps - 1) * dt
    # and L = g / w**2 within e**(+-300) g, far from under- and overflow
    log_w = (math.log(g) / 2 - 150, math.log(g) / 2 + 150)
    log_w = (min(max(math.log(0.02 * np.pi / window), log_w[0]), log_w[1]),
             max(min(math.log(1.0 / dt), log_w[1]), log_w[0]))
    lo = np.column_stack([x.min(axis=1) - np.pi, np.full(n_samples, -np.pi / dt),
                          np.full(n_samples, log_w[0])])
    hi = np.column_stack([x.max(axis=1) + np.pi, np.full(n_samples, np.pi / dt),
                          np.full(n_samples, log_w[1])])
    return lo, hi


def _fit(x, dt, g):
    """``(p, residual)``: the best fit of each row of ``x`` and its
    root-mean-square distance (scaled, so that no square overflows)."""
    n_samples = x.shape[0]
    bounds = _bounds(x, dt, g)
    starts = _candidates(x, dt, g, bounds)
    # screen every candidate with one simulation, keep the best few per row
    screened = np.stack([_cost(s, x, g, dt)[1] for s in starts])
    keep = np.argsort(screened, axis=0, kind="stable")[:_KEEP]
    k = keep.shape[0]
    p, cost, _ = _levenberg_marquardt(
        starts[keep, np.arange(n_samples)].reshape(-1, 3), np.tile(x, (k, 1)),
        tuple(np.tile(bound, (k, 1)) for bound in bounds), g, dt, _START_ITER)
    best = cost.reshape(k, n_samples).argmin(axis=0)
    p = p.reshape(k, n_samples, 3)[best, np.arange(n_samples)]
    p, _, r = _levenberg_marquardt(p, x, bounds, g, dt, _MAX_ITER)
    scale = np.abs(r).max(axis=1)
    scale[scale == 0] = 1.0
    return p, scale * np.sqrt(np.mean((r / scale[:, None]) ** 2, axis=1))


@validate_params(
    {
        "X": ["array-like"],
        "dt": [Interval(Real, 0, None, closed="neither")],
        "g": [Interval(Real, 0, None, closed="neither")],
        "return_factors": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def pendulum_residual(X, *, dt=0.01, g=9.81, return_factors=False):
    r"""Root-mean-square distance of each trajectory from the nearest undamped pendulum.

    A physicist's check of trajectories (real or generated): each row is
    fitted by least squares with the exact undamped pendulum
    ``theta'' = -(g / L) sin(theta)``, its initial angle ``theta0``, initial
    angular velocity ``omega0`` and length ``L`` free, ``g`` and ``dt``
    given, and the root-mean-square distance of the row from the fitted
    trajectory is returned.  A noisy pendulum scores its noise level; a
    trajectory no undamped pendulum follows (damped, drifting, noise)
    scores more.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_steps)
        Trajectories, one per row: angles θ [rad], not wrapped, sampled at
        ``t = 0, dt, 2 dt, ...``.  Finite, at least 4 columns (3 parameters
        are fitted).  Not modified.
    dt : float, default=0.01
        Time between samples [s], > 0.
    g : float, default=9.81
        Gravitational acceleration [m/s²], > 0.
    return_factors : bool, default=False
        Also return the fitted ``theta0``, ``omega0`` and ``L``.

    Returns
    -------
    residual : ndarray of shape (n_samples,)
        ``sqrt(mean((X[i] - theta_fit(t))**2))`` per row [rad].
    factors : ndarray of shape (n_samples, 3)
        Only with ``return_factors=True``: the fitted ``theta0`` [rad],
        ``omega0`` [rad/s] and ``L`` [m] of each row.

    Raises
    ------
    ValueError
        If ``X`` is not a finite numeric 2-D array with at least 4 columns
        (the message names ``X``), or ``dt``, ``g`` or ``return_factors`` is
        invalid (scikit-learn's ``InvalidParameterError``, naming it).

    See Also
    --------
    pendsk.physics.solvers.simulate : The trajectories fitted.
    pendsk.datasets.make_pendulum : Noisy simulated trajectories.

    Notes
    -----
    *What is fitted.*  The model is the undamped pendulum of
    :func:`~pendsk.physics.solvers.simulate` (``method="auto"``): the closed
    form for rows that swing (libration), RK4 at step ``dt`` for rows that
    go over the top, so rotating rows are in the model too (to RK4's
    accuracy).  The parameters are ``theta0``, ``omega0`` and
    ``log w`` with ``w = sqrt(g / L)`` the natural frequency (``L = g /
    w**2`` is returned), kept in a box per row: ``theta0`` within π of the
    row's range, ``|omega0| <= pi / dt`` and ``w`` from a hundredth of a
    cycle over the window to one radian per sample.  The trajectory is not
    shifted in time (``theta0`` and ``omega0`` are the state at the first
    sample) and angles are not wrapped.

    *Starts.*  Rows are fitted from several starting points, all found row
    by row without a loop over rows: the dominant angular frequency ``f``
    of the row's spectrum (mean removed, zero-padded, interpolated), and
    the multiples 0.5, 0.65, 0.8, 1.25, 1.55 and 2 of it against aliasing,
    a short window or a wrong amplitude; at each, a least-squares sinusoid
    ``c + a cos(f t) + b sin(f t)`` gives an initial state (``c + a``,
    ``b f``) and an amplitude, and the natural frequency follows from the
    period of a swing of that amplitude ``A`` (or of the row's largest
    excursion), ``w = f 2 K(m) / pi`` with ``m = sin(A / 2)**2``.  The
    initial state of a local quadratic fit of the first samples is tried
    too, with its own speed or the speed that energy conservation gives,
    and three rotations (gravity a small modulation of the mean speed).
    The 45 candidates are screened with one simulation each; the best 3
    per row get 8 iterations of a batched Levenberg-Marquardt (Marquardt's
    diagonal scaling, forward-difference Jacobian: 3 more simulations per
    accepted step), and the best of them is iterated until its cost falls
    by less than a relative 1e-10 (60 iterations at most).  Each row
    iterates on its own, so a row's result does not depend on the other
    rows (up to rounding in the closed form).  It is a local search: a
    row may end in a local minimum, and its residual then overestimates
    the distance; on noisy simulated pendulums we found none.  Rows are
    fitted 1024 at a time; 1,000 noisy pendulums of 500 steps take about
    a second on one core, rows far from any pendulum a few times longer.

    *What to expect.*  For an undamped pendulum plus independent Gaussian
    noise of standard deviation σ, the least-squares residual of the 3
    parameters is about :math:`\sigma \sqrt{1 - 3 / n_{steps}}`; a row that
    scores well above the noise level is not an undamped pendulum.
    Damping, driving and friction are not modelled: a damped row scores
    above its noise, more the more it is damped (its fitted factors mean
    little); white noise scores about its standard deviation, a random
    walk far more than the noise of its steps.  A
    row hanging still at 0 (or balanced at π) is an exact solution, with
    residual 0 and any length (the one returned is arbitrary); a constant
    row elsewhere is fitted with the longest length of the box.  Noise that
    grows along the row (``noise_growth``) gives its root-mean-square
    standard deviation.

    References
    ----------
    .. [1] K. Levenberg, "A method for the solution of certain non-linear
       problems in least squares", Quarterly of Applied Mathematics 2(2),
       164-168, 1944.
    .. [2] D. W. Marquardt, "An algorithm for least-squares estimation of
       nonlinear parameters", Journal of the Society for Industrial and
       Applied Mathematics 11(2), 431-441, 1963.

    Examples
    --------
    Three pendulums with observation noise of 0.01 rad score their noise
    level, and the fit recovers their initial state and length:

    >>> import numpy as np
    >>> from pendsk.datasets import make_pendulum
    >>> from pendsk.metrics import pendulum_residual
    >>> X, factors = make_pendulum(3, n_steps=500, noise_std=0.01,
    ...                            noise_growth=0.0, g=10, random_state=0)
    >>> residual, fitted = pendulum_residual(X, g=10, return_factors=True)
    >>> residual.round(3)
    array([0.01, 0.01, 0.01])
    >>> np.abs(fitted - factors[:, :3]).max(axis=0) < [0.01, 0.02, 0.01]
    array([ True,  True,  True])

    The same pendulums damped score well above their noise:

    >>> Xd, _ = make_pendulum(3, n_steps=500, noise_std=0.01, noise_growth=0.0,
    ...                       g=10, damping=0.5, random_state=0)
    >>> bool((pendulum_residual(Xd, g=10) > 0.03).all())
    True
    """
    with naming("X"):
        X = as_float64(check_array(X, dtype="numeric", input_name="X"), "X")
    if X.shape[1] < 4:
        raise ValueError(
            f"X needs at least 4 columns (time steps) to fit the 3 parameters theta0, "
            f"omega0 and length; got {X.shape[1]}.")
    dt, g = float(dt), float(g)
    n_samples, n_steps = X.shape
    residual, p = np.empty(n_samples), np.empty((n_samples, 3))
    with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
        for start in range(0, n_samples, _CHUNK_ROWS):
            rows = slice(start, start + _CHUNK_ROWS)
            p[rows], residual[rows] = _fit(X[rows], dt, g)
    if not return_factors:
        return residual
    factors = np.column_stack([p[:, 0], p[:, 1], g * np.exp(-2 * p[:, 2])])
    return residual, factors
