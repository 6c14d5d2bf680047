"""The physical model as a scikit-learn transformer."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from ._utils.seeding import root_entropy
from ._utils.validation import Count, as_float64, check_output_size, check_settings, naming
from .physics.solvers import SOLVERS, simulate

__all__ = ["PARAMETER_NAMES", "PendulumSimulator"]

#: Columns of a parameter row, in order.
PARAMETER_NAMES = ("theta0", "omega0", "length", "mass")


class PendulumSimulator(TransformerMixin, BaseEstimator):
    """Simulate pendulum trajectories from physical parameters.

    The human-written physical model: each input row holds the initial
    angle, initial angular velocity, length and mass of one pendulum, and
    :meth:`transform` returns its angle at ``t = 0, dt, ..., (n_steps - 1)
    * dt``, solving::

        theta'' = -(g / L) sin(theta) - damping / (m L²) theta'

    exactly (Jacobi elliptic functions) or with a vectorised integrator,
    plus optional Gaussian observation noise of standard deviation
    ``noise_std + noise_growth * t``.  Mass only matters through damping.

    Parameters
    ----------
    n_steps : int, default=500
        Number of samples per trajectory, the first at ``t = 0``.
    dt : float, default=0.01
        Time between samples [s] (and the step of the integrators).
    g : float, default=9.81
        Gravitational acceleration [m/s²].
    damping : float, default=0.0
        Linear damping coefficient [N·m·s]; the angular deceleration is
        ``damping / (mass * length**2) * omega``.
    method : {"auto", "exact", "rk4", "euler-cromer"}, default="auto"
        ``"exact"``: closed form of the undamped pendulum, any libration
        amplitude below the separatrix (rotating rows raise).
        ``"rk4"``: fourth-order Runge-Kutta, vectorised over trajectories,
        for any energy and damping.  ``"euler-cromer"``: the original
        article's first-order scheme (it drifts), kept to reproduce it.
        ``"auto"``: ``"exact"`` for the rows that librate without damping,
        ``"rk4"`` for the others.
    noise_std : float, default=0.0
        Standard deviation of the observation noise at ``t = 0`` [rad].
    noise_growth : float, default=0.0
        Growth of the noise standard deviation per second [rad/s]; the
        article used 0.1.
    n_jobs : int, default=None
        Threads that simulate blocks of 2048 rows side by side (numpy
        releases the GIL): ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context, ``-1`` means all cores.  The
        output, noise included, is the same whatever the number of threads.
        One thread is the default, as in scikit-learn: an estimator inside
        a parallel search, or a machine shared with other work, should not
        take every core unasked.
    random_state : int, RandomState instance or None, default=None
        Seed of the observation noise.  With an int, the same input gives
        the same noise at every call, however many threads draw it.

    Attributes
    ----------
    data_min_ : ndarray of shape (4,)
        Smallest value of each parameter seen in :meth:`fit`.
    data_max_ : ndarray of shape (4,)
        Largest value of each parameter seen in :meth:`fit`; together with
        ``data_min_`` the box that :meth:`sample` draws from.
    n_features_in_ : int
        Number of features seen during :meth:`fit` (always 4).
    feature_names_in_ : ndarray of shape (4,)
        Names of features seen during :meth:`fit`, defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    pendsk.datasets.make_pendulum : Trajectories and their parameters.

    Notes
    -----
    The closed form is ``sin(theta / 2) = k sn(sqrt(g / L) t + u0 | k²)``
    with ``k = sin(theta_max / 2)``, evaluated as its Fourier series in the
    nome: on a uniform time grid, three elliptic integrals per trajectory
    and one small matrix product, no transcendental function per sample
    (:func:`pendsk.physics.closed_form.exact`).  Columns of the ``"euler-cromer"`` output are shifted
    by one against the article's arrays: the article recorded the angle
    after each update (its value ``i`` is column ``i + 1`` here).

    References
    ----------
    .. [1] A. Honchar, "From high-school physics to GANs: essentials for
       mastering generative machine learning", Towards Data Science, 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk import PendulumSimulator
    >>> params = [[0.5, 0.0, 1.0, 1.0],   # theta0, omega0, length, mass
    ...           [1.0, 0.5, 2.0, 1.5]]
    >>> sim = PendulumSimulator(n_steps=100).fit(params)
    >>> X = sim.transform(params)
    >>> X.shape
    (2, 100)
    >>> float(X[0, 0])
    0.5
    >>> sim.sample(3, random_state=0).shape
    (3, 100)
    """

    _parameter_constraints: dict = {
        "n_steps": [Count(1, None, closed="left")],
        "dt": [Interval(Real, 0, None, closed="neither")],
        "g": [Interval(Real, 0, None, closed="neither")],
        "damping": [Interval(Real, 0, None, closed="left")],
        "method": [StrOptions({"auto", *SOLVERS})],
        "noise_std": [Interval(Real, 0, None, closed="left")],
        "noise_growth": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Count(None, -1, closed="right"), Count(1, None, closed="left"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, n_steps=500, dt=0.01, g=9.81, damping=0.0, method="auto",
                 noise_std=0.0, noise_growth=0.0, n_jobs=None, random_state=None):
        self.n_steps = n_steps
        self.dt = dt
        self.g = g
        self.damping = damping
        self.method = method
        self.noise_std = noise_std
        self.noise_growth = noise_growth
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _validate_rows(self, X, reset):
        """Validate parameter rows: one path for fit and transform."""
        with naming("X"):
            X = validate_data(self, X, reset=reset, dtype="numeric",
                              ensure_all_finite=False)
        X = as_float64(X, "X")
        if reset:
            if X.shape[1] != len(PARAMETER_NAMES):
                raise ValueError(
                    f"X has {X.shape[1]} feature(s), but PendulumSimulator expects "
                    f"{len(PARAMETER_NAMES)} columns: {', '.join(PARAMETER_NAMES)}."
                )
            names = getattr(self, "feature_names_in_", None)
            if (names is not None and set(names) == set(PARAMETER_NAMES)
                    and tuple(names) != PARAMETER_NAMES):
                raise ValueError(
                    f"X's columns are {list(names)}; PendulumSimulator expects "
                    f"them in the order {list(PARAMETER_NAMES)}."
                )
        for bad, what in ((np.isnan(X), "NaN"), (np.isinf(X), "infinity")):
            if bad.any():
                row, col = np.argwhere(bad)[0]
                raise ValueError(
                    f"Input X contains {what} in column '{PARAMETER_NAMES[col]}' "
                    f"(row {row})."
                )
        for col in (2, 3):
            bad = np.flatnonzero(X[:, col] <= 0)
            if bad.size:
                value = X[bad[0], col]
                raise ValueError(
                    ("Negative values in data passed to PendulumSimulator: "
                     if value < 0 else "")
                    + f"column '{PARAMETER_NAMES[col]}' of X must be > 0; got "
                    f"{value:g} in row {bad[0]}"
                    + (f" and {bad.size - 1} more row(s)." if bad.size > 1 else ".")
                )
        return X

    def _simulate(self, X, random_state):
        # set_params may have changed any setting since fit: the errors of
        # a bad one name it, as fit's would
        self._validate_params()
        check_output_size((len(X), self.n_steps), "n_steps", self.n_steps)
        # the noise's root entropy (pendsk._random): an int seed is its own,
        # a RandomState gives one draw, and only when there is noise
        seed = None
        if self.noise_std or self.noise_growth:
            seed = root_entropy(random_state)
        return simulate(
            *X.T, g=self.g, damping=self.damping, dt=self.dt,
            n_steps=self.n_steps, method=self.method, noise_std=self.noise_std,
            noise_growth=self.noise_growth, seed=seed, n_jobs=self.n_jobs,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Validate parameter rows and learn their box.

        Parameters
        ----------
        X : array-like of shape (n_samples, 4)
            Parameter rows: ``theta0`` [rad], ``omega0`` [rad/s],
            ``length`` [m] > 0, ``mass`` [kg] > 0.
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted simulator.
        """
        X = self._validate_rows(X, reset=True)
        self.data_min_ = X.min(axis=0)
        self.data_max_ = X.max(axis=0)
        return self

    def transform(self, X):
        """Simulate the trajectories of parameter rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, 4)
            Parameter rows: ``theta0``, ``omega0``, ``length``, ``mass``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_steps)
            Angle [rad] at ``t = 0, dt, ..., (n_steps - 1) * dt``, with
            observation noise when ``noise_std`` or ``noise_growth`` is set.
        """
        check_is_fitted(self)
        X = self._validate_rows(X, reset=False)
        return self._simulate(X, self.random_state)

    @validate_params({"n_samples": [Count(1, None, closed="left")],
                      "random_state": ["random_state"], "return_params": ["boolean"]},
                     prefer_skip_nested_validation=True)
    def sample(self, n_samples=1, random_state=None, return_params=False):
        """Draw parameters uniformly in the fitted box and simulate them.

        The "human-designed generative model": new trajectories from
        parameters between ``data_min_`` and ``data_max_``.

        Parameters
        ----------
        n_samples : int, default=1
            Number of trajectories to generate.
        random_state : int, RandomState instance or None, default=None
            Seed of the parameters and of the observation noise.
        return_params : bool, default=False
            Also return the drawn parameter rows.

        Returns
        -------
        X : ndarray of shape (n_samples, n_steps)
            Trajectories.
        params : ndarray of shape (n_samples, 4)
            The parameter rows; only when ``return_params`` is True.
        """
        check_is_fitted(self)
        self._validate_params()
        check_output_size((n_samples, self.n_steps), "n_samples", n_samples)
        rng = check_random_state(random_state)
        u = rng.random_sample((n_samples, len(PARAMETER_NAMES)))
        # rng.uniform(low, high) is low + (high - low) * u; in halves, which
        # is the same number (scaling by 2 is exact) but cannot overflow
        # when high - low exceeds the float64 range
        low, high = self.data_min_ / 2, self.data_max_ / 2
        params = 2 * (low + (high - low) * u)
        X = self._simulate(params, rng)
        return (X, params) if return_params else X

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, one per time step.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the names seen in :meth:`fit`.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``theta_0, theta_1, ...``: column ``i`` is the angle at
            ``t = i * dt``.
        """
        check_is_fitted(self)
        check_settings(self, "n_steps")
        with naming("input_features"):
            _check_feature_names_in(self, input_features)
        return np.asarray([f"theta_{i}" for i in range(self.n_steps)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # lengths and masses must be positive: a physical schema
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags
