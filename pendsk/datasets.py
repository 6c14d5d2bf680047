"""The article's datasets: pendulum trajectories and their parameters.

The article's settings are defined here once, as the constants
``ARTICLE_G``, ``ARTICLE_RANGES``, ``ARTICLE_NOISE_GROWTH``, ``ARTICLE_DT``
and ``ARTICLE_N_STEPS``: they are the defaults of :func:`make_pendulum`,
:func:`make_pendulum_regression` and ``pendsk simulate``.

>>> from pendsk.datasets import ARTICLE_G, ARTICLE_RANGES
>>> ARTICLE_G, ARTICLE_RANGES["length"]
(10.0, (1.0, 2.5))
"""

from types import MappingProxyType

import numpy as np
from sklearn.utils._param_validation import validate_params

from ._simulator import PARAMETER_NAMES, PendulumSimulator
from ._utils.validation import Count

__all__ = [
    "ARTICLE_DT",
    "ARTICLE_G",
    "ARTICLE_NOISE_GROWTH",
    "ARTICLE_N_STEPS",
    "ARTICLE_RANGES",
    "make_pendulum",
    "make_pendulum_regression",
]

#: The article's gravitational acceleration [m/s²].
ARTICLE_G = 10.0

#: The article's parameter ranges, ``(low, high)`` of a uniform draw per
#: parameter, keyed by name in the order of a parameter row: ``theta0``
#: [rad], ``omega0`` [rad/s], ``length`` [m], ``mass`` [kg] (the span of
#: the article's grid).  Read-only.
ARTICLE_RANGES = MappingProxyType({
    "theta0": (0.5, 1.5),
    "omega0": (0.5, 1.5),
    "length": (1.0, 2.5),
    "mass": (1.0, 2.5),
})

#: Growth of the article's observation noise [rad/s]: its standard
#: deviation is ``ARTICLE_NOISE_GROWTH * t``.
ARTICLE_NOISE_GROWTH = 0.1

#: The article's time between samples [s].
ARTICLE_DT = 0.01

#: The article's number of samples per trajectory (5 s at ``ARTICLE_DT``).
ARTICLE_N_STEPS = 500


def _simulate_box(n_samples, ranges, random_state, **simulator_params):
    """Trajectories and parameters drawn uniformly in a box of ranges."""
    box = []
    for name, given in zip(PARAMETER_NAMES, ranges):
        try:
            pair = np.asarray(given)
        except ValueError:  # ragged
            pair = np.asarray(None)
        if pair.shape != (2,) or pair.dtype.kind not in "iuf":
            raise ValueError(f"{name}_range must be a pair (low, high) of real numbers; "
                             f"got {given!r}.")
        low, high = pair.astype(np.float64)
        if not (np.isfinite([low, high]).all() and low <= high):
            raise ValueError(f"{name}_range must be (low, high) with low <= high; "
                             f"got ({low}, {high}).")
        if name in ("length", "mass") and low <= 0:
            raise ValueError(f"{name}_range must be positive; got ({low}, {high}).")
        box.append((low, high))
    box = np.asarray(box).T  # (2, 4): lows, highs
    simulator = PendulumSimulator(**simulator_params).fit(box)
    return simulator.sample(n_samples, random_state=random_state, return_params=True)


@validate_params({"n_samples": [Count(1, None, closed="left")],
                  "random_state": ["random_state"], "as_frame": ["boolean"]},
                 # the simulator validates the other parameters
                 prefer_skip_nested_validation=False)
def make_pendulum(n_samples=400, n_steps=ARTICLE_N_STEPS, dt=ARTICLE_DT, *,
                  theta0_range=ARTICLE_RANGES["theta0"],
                  omega0_range=ARTICLE_RANGES["omega0"],
                  length_range=ARTICLE_RANGES["length"],
                  mass_range=ARTICLE_RANGES["mass"], g=ARTICLE_G, damping=0.0,
                  method="auto", noise_std=0.0, noise_growth=ARTICLE_NOISE_GROWTH,
                  random_state=None, as_frame=False):
    """Pendulum trajectories and the physical factors that made them.

    Parameters are drawn uniformly over the span of the original article's
    grid (θ0, ω0 in [0.5, 1.5], L, m in [1, 2.5], g = 10: ``ARTICLE_RANGES``
    and ``ARTICLE_G``) and simulated with :class:`~pendsk.PendulumSimulator`,
    with observation noise of standard deviation ``noise_std + noise_growth
    * t`` (the article: 0.1·t, ``ARTICLE_NOISE_GROWTH``).

    Parameters
    ----------
    n_samples : int, default=400
        Number of trajectories.
    n_steps : int, default=ARTICLE_N_STEPS
        Samples per trajectory, the first at ``t = 0`` (the article: 500).
    dt : float, default=ARTICLE_DT
        Time between samples [s] (the article: 0.01).
    theta0_range, omega0_range, length_range, mass_range : tuple of float
        ``(low, high)`` of the uniform draw of each factor; by default the
        article's, ``ARTICLE_RANGES[name]``.
    g : float, default=ARTICLE_G
        Gravitational acceleration [m/s²] (the article: 10).
    damping : float, default=0.0
        Linear damping coefficient [N·m·s].
    method : {"auto", "exact", "rk4", "euler-cromer"}, default="auto"
        Solver, as in :class:`~pendsk.PendulumSimulator`.
    noise_std, noise_growth : float, default=0.0, ARTICLE_NOISE_GROWTH
        Observation noise: std ``noise_std + noise_growth * t`` [rad].
    random_state : int, RandomState instance or None, default=None
        Seed of the factors and the noise.
    as_frame : bool, default=False
        Return pandas DataFrames (columns ``theta_0, ...`` and
        ``theta0, omega0, length, mass``).

    Returns
    -------
    X : ndarray or DataFrame of shape (n_samples, n_steps)
        Trajectories, one per row.
    factors : ndarray or DataFrame of shape (n_samples, 4)
        Their parameters: theta0, omega0, length, mass.

    Examples
    --------
    >>> from pendsk.datasets import make_pendulum
    >>> X, factors = make_pendulum(n_samples=5, n_steps=50, random_state=0)
    >>> X.shape, factors.shape
    ((5, 50), (5, 4))
    """
    X, factors = _simulate_box(
        n_samples, [theta0_range, omega0_range, length_range, mass_range],
        random_state, n_steps=n_steps, dt=dt, g=g, damping=damping, method=method,
        noise_std=noise_std, noise_growth=noise_growth,
    )
    if as_frame:
        import pandas as pd

        X = pd.DataFrame(X, columns=[f"theta_{i}" for i in range(n_steps)])
        factors = pd.DataFrame(factors, columns=list(PARAMETER_NAMES))
    return X, factors


@validate_params({"n_trajectories": [Count(1, None, closed="left")],
                  "random_state": ["random_state"], "as_frame": ["boolean"]},
                 # the simulator validates the other parameters
                 prefer_skip_nested_validation=False)
def make_pendulum_regression(n_trajectories=100, n_steps=ARTICLE_N_STEPS, dt=ARTICLE_DT,
                             *, theta0_range=ARTICLE_RANGES["theta0"],
                             omega0_range=ARTICLE_RANGES["omega0"],
                             length_range=ARTICLE_RANGES["length"],
                             mass_range=ARTICLE_RANGES["mass"], g=ARTICLE_G,
                             damping=0.0, method="auto", noise_std=0.0,
                             noise_growth=ARTICLE_NOISE_GROWTH, random_state=None,
                             as_frame=False):
    """The article's pointwise ("approximation") regression dataset.

    Each trajectory of :func:`make_pendulum` becomes ``n_steps`` rows
    ``(theta0, omega0, length, mass, t)`` with target the noisy angle
    θ(t); rows are grouped by trajectory, in time order.

    Parameters
    ----------
    n_trajectories : int, default=100
        Number of trajectories.
    n_steps : int, default=ARTICLE_N_STEPS
        Samples per trajectory (the article: 500).
    dt : float, default=ARTICLE_DT
        Time between samples [s] (the article: 0.01).
    theta0_range, omega0_range, length_range, mass_range : tuple of float
        ``(low, high)`` of the uniform draw of each factor; by default the
        article's, ``ARTICLE_RANGES[name]``.
    g : float, default=ARTICLE_G
        Gravitational acceleration [m/s²] (the article: 10).
    damping : float, default=0.0
        Linear damping coefficient [N·m·s].
    method : {"auto", "exact", "rk4", "euler-cromer"}, default="auto"
        Solver, as in :class:`~pendsk.PendulumSimulator`.
    noise_std, noise_growth : float, default=0.0, ARTICLE_NOISE_GROWTH
        Observation noise: std ``noise_std + noise_growth * t`` [rad].
    random_state : int, RandomState instance or None, default=None
        Seed of the factors and the noise.
    as_frame : bool, default=False
        Return a DataFrame (columns ``theta0, omega0, length, mass, t``) and
        a Series named ``theta``.

    Returns
    -------
    X : ndarray or DataFrame of shape (n_trajectories * n_steps, 5)
        Columns theta0, omega0, length, mass, t.
    y : ndarray or Series of shape (n_trajectories * n_steps,)
        Observed angle [rad].

    Examples
    --------
    >>> from pendsk.datasets import make_pendulum_regression
    >>> X, y = make_pendulum_regression(n_trajectories=3, n_steps=10,
    ...                                 random_state=0)
    >>> X.shape, y.shape
    ((30, 5), (30,))
    >>> X[:3, 4]
    array([0.  , 0.01, 0.02])
    """
    trajectories, factors = _simulate_box(
        n_trajectories, [theta0_range, omega0_range, length_range, mass_range],
        random_state, n_steps=n_steps, dt=dt, g=g, damping=damping, method=method,
        noise_std=noise_std, noise_growth=noise_growth,
    )
    t = dt * np.arange(n_steps)
    X = np.column_stack([np.repeat(factors, n_steps, axis=0),
                         np.tile(t, n_trajectories)])
    y = trajectories.ravel()
    if as_frame:
        import pandas as pd

        X = pd.DataFrame(X, columns=[*PARAMETER_NAMES, "t"])
        y = pd.Series(y, name="theta")
    return X, y
