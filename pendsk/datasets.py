"""The article's datasets: pendulum trajectories and their parameters."""

import numpy as np
from sklearn.utils._param_validation import validate_params

from ._validation import Count
from ._simulator import PARAMETER_NAMES, PendulumSimulator

__all__ = ["make_pendulum", "make_pendulum_regression"]


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
def make_pendulum(n_samples=400, n_steps=500, dt=0.01, *, theta0_range=(0.5, 1.5),
                  omega0_range=(0.5, 1.5), length_range=(1.0, 2.5),
                  mass_range=(1.0, 2.5), g=10.0, damping=0.0, method="auto",
                  noise_std=0.0, noise_growth=0.1, random_state=None,
                  as_frame=False):
    """Pendulum trajectories and the physical factors that made them.

    Parameters are drawn uniformly over the span of the original article's
    grid (θ0, ω0 in [0.5, 1.5], L, m in [1, 2.5], g = 10) and simulated with
    :class:`~pendsk.PendulumSimulator`, with observation noise of standard
    deviation ``noise_std + noise_growth * t`` (the article: 0.1·t).

    Parameters
    ----------
    n_samples : int, default=400
        Number of trajectories.
    n_steps : int, default=500
        Samples per trajectory, the first at ``t = 0``.
    dt : float, default=0.01
        Time between samples [s].
    theta0_range, omega0_range, length_range, mass_range : tuple of float
        ``(low, high)`` of the uniform draw of each factor.
    g : float, default=10.0
        Gravitational acceleration [m/s²].
    damping : float, default=0.0
        Linear damping coefficient [N·m·s].
    method : {"auto", "exact", "rk4", "euler-cromer"}, default="auto"
        Solver, as in :class:`~pendsk.PendulumSimulator`.
    noise_std, noise_growth : float, default=0.0, 0.1
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
def make_pendulum_regression(n_trajectories=100, n_steps=500, dt=0.01, *,
                             theta0_range=(0.5, 1.5), omega0_range=(0.5, 1.5),
                             length_range=(1.0, 2.5), mass_range=(1.0, 2.5),
                             g=10.0, damping=0.0, method="auto", noise_std=0.0,
                             noise_growth=0.1, random_state=None, as_frame=False):
    """The article's pointwise ("approximation") regression dataset.

    Each trajectory of :func:`make_pendulum` becomes ``n_steps`` rows
    ``(theta0, omega0, length, mass, t)`` with target the noisy angle
    θ(t); rows are grouped by trajectory, in time order.

    Parameters
    ----------
    n_trajectories : int, default=100
        Number of trajectories.
    n_steps : int, default=500
        Samples per trajectory.
    dt : float, default=0.01
        Time between samples [s].
    theta0_range, omega0_range, length_range, mass_range : tuple of float
        ``(low, high)`` of the uniform draw of each factor.
    g : float, default=10.0
        Gravitational acceleration [m/s²].
    damping : float, default=0.0
        Linear damping coefficient [N·m·s].
    method : {"auto", "exact", "rk4", "euler-cromer"}, default="auto"
        Solver, as in :class:`~pendsk.PendulumSimulator`.
    noise_std, noise_growth : float, default=0.0, 0.1
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
