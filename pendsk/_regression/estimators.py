"""Neural regressors of the article's first half: θ(t) from parameters."""

import warnings
from numbers import Real

import numpy as np
from scipy.special import ndtri
from sklearn.base import RegressorMixin, _fit_context
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import validate_data

from .._neural.docs import shared_docs
from .._neural.estimator import FLOAT32_MAX, FLOAT32_TINY, NeuralEstimator, standardise
from .._neural.layers import MLP
from .._utils.validation import Count, as_float64, check_output_size, naming
from .networks import GaussianMLP, GaussianNLLLoss

__all__ = ["GaussianRegressor", "TrajectoryRegressor"]


class _NeuralRegressor(RegressorMixin, NeuralEstimator):
    """What both regressors share: targets, scaling, fit, partial_fit, predict."""

    def _validate_fit_data(self, X, y, reset):
        # scikit-learn's message for a scalar y names neither X nor y
        if np.isscalar(y) or (isinstance(y, np.ndarray) and y.ndim == 0):
            raise ValueError(f"y must be a 1-D or 2-D array of targets, got a scalar: {y!r}.")
        with naming("X", "y"):
            X, y = validate_data(self, X, y, reset=reset, multi_output=True,
                                 y_numeric=True, dtype="numeric",
                                 ensure_min_samples=2 if reset else 1)
        # y_numeric only converts object arrays: strings would reach the scaler
        with naming("y"):
            y = check_array(y, ensure_2d=False, dtype="numeric", input_name="y")
        return as_float64(X, "X"), as_float64(y, "y")

    def _fit_targets(self, y, reset):
        y2 = y.reshape(len(y), -1)
        if reset:
            self._y_is_1d = y.ndim == 1
            self._y_scaler = StandardScaler()
        elif y2.shape[1] != self._y_scaler.n_features_in_:
            raise ValueError(f"y has {y2.shape[1]} targets, but {type(self).__name__} "
                             f"was fitted with {self._y_scaler.n_features_in_}.")
        targets = standardise(self._y_scaler, y2, "y", fit=reset, limit=FLOAT32_MAX)
        return targets, self._y_scaler

    def _output(self, z):
        """Standardised 2-D outputs back to target units and shape."""
        out = self._y_scaler.inverse_transform(z)
        return out.ravel() if self._y_is_1d else out

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the network to ``(X, y)``.

        A call that fails or is interrupted (an error, a diverged loss,
        Ctrl-C) leaves the estimator as it was before it, and the exception
        propagates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs, e.g. ``(theta0, omega0, length, mass, t)`` rows.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets, e.g. the observed angle, or whole trajectories.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """Train for one more epoch on ``(X, y)``.

        A call that fails or is interrupted (an error, a diverged loss,
        Ctrl-C) leaves the estimator as it was before it, and the exception
        propagates.

        The first call initialises the network and the scaling from this
        data; later calls keep them and continue training, at the constant
        learning rate ``lr`` and without early stopping.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, incremental=True)

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R² of :meth:`predict` on ``(X, y)``.

        :meth:`sklearn.base.RegressorMixin.score`, with two refusals it
        lacks: R² of one row is undefined (scikit-learn warns and returns
        NaN), and sums of squares that overflow float64 would give NaN too;
        both raise a ValueError instead, naming the argument at fault (X when
        its predictions overflow).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            True targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        score : float
            :func:`sklearn.metrics.r2_score` (averaged uniformly over targets
            for 2-D ``y``); 1 is perfect, 0 is predicting the mean.
        """
        if y is None:  # else r2_score's error would name its own y_true
            raise ValueError(f"{type(self).__name__}.score requires y to be passed, but "
                             "the target y is None.")
        # fit's validation: r2_score's own errors would name its y_true
        X, y = self._validate_fit_data(X, y, reset=False)
        with naming("X", "y", "sample_weight"), np.errstate(
                over="ignore", invalid="ignore", divide="ignore", under="ignore"), \
                warnings.catch_warnings():
            warnings.simplefilter("error", UndefinedMetricWarning)
            try:
                score = super().score(X, y, sample_weight=sample_weight)
            except UndefinedMetricWarning as exc:
                raise ValueError("score needs at least 2 rows in X and y (R² is "
                                 "undefined for one).") from exc
            except ZeroDivisionError as exc:  # numpy's weighted mean
                raise ValueError("sample_weight sums to zero: R² is undefined.") from exc
        if not np.isfinite(score):
            with np.errstate(over="ignore", invalid="ignore"):
                huge_predictions = not np.isfinite(np.square(self.predict(X)).sum())
            if huge_predictions:
                raise ValueError("R² is not finite: X holds values too large for this "
                                 "model (the sums of squares of its predictions overflow "
                                 "float64).")
            raise ValueError("R² is not finite: y or sample_weight holds values too large "
                             "for float64 sums of squares, or the weights sum to zero.")
        return float(score)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


_SHARED_PARAMETERS = """
    hidden_layer_sizes : array-like of int, default=(64, 64, 64)
        Width of each hidden layer.
    activation : {"silu", "relu", "tanh", "gelu", "elu", "leaky_relu", \
"logistic", "identity"}, default="silu"
        Nonlinearity after each hidden layer."""

_NOTES = """
    Inputs and targets are standardised inside the estimator (no scaler is
    needed in front).  Training runs in float32 with batches sliced from
    in-memory tensors; predictions apply the trained weights in float64, so
    they do not depend on how many rows are predicted at once.  A loss that
    becomes NaN or infinite stops :meth:`fit` with a ValueError naming the
    epoch."""


class TrajectoryRegressor(_NeuralRegressor):
    """Neural-network regression of trajectories from physical parameters.

    A multilayer perceptron trained by mean squared error, on skorch.  With
    the article's pointwise data (rows ``theta0, omega0, length, mass, t``,
    target θ(t)) it learns the pendulum's dynamics from noisy observations;
    with parameter rows and 2-D targets it predicts whole trajectories.

    Parameters
    ----------{params}

    Attributes
    ----------{attributes}

    See Also
    --------
    GaussianRegressor : The same network, also predicting the noise.
    sklearn.neural_network.MLPRegressor : scikit-learn's MLP (needs a scaler).

    Notes
    -----{notes}

    Examples
    --------
    >>> from pendsk import TrajectoryRegressor
    >>> from pendsk.datasets import make_pendulum_regression
    >>> X, y = make_pendulum_regression(n_trajectories=20, random_state=0)
    >>> reg = TrajectoryRegressor(max_epochs=20, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> reg.score(X, y) > 0.5  # R² against the noisy observations
    True
    """

    def __init__(self, hidden_layer_sizes=(64, 64, 64), activation="silu", *,
                 lr=2e-3, lr_schedule="cosine", max_epochs=200, batch_size=512,
                 weight_decay=0.0, early_stopping=False, validation_fraction=0.1,
                 n_iter_no_change=10, warm_start=False, callbacks=None, device="cpu",
                 n_jobs=None, random_state=None, verbose=0):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _module_spec(self, data):
        return MLP, dict(n_inputs=data.X.shape[1], n_outputs=data.y.shape[1],
                         hidden_layer_sizes=self._hidden_layers(),
                         activation=self.activation)

    def predict(self, X):
        """Predict the targets of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predictions, float64.
        """
        return self._forward(self._validate_X(X), post=self._output)


class GaussianRegressor(_NeuralRegressor):
    """Neural regression with a learned Gaussian noise model.

    The network predicts a mean and a standard deviation for each output
    and is trained by Gaussian negative log-likelihood
    (:class:`torch.nn.GaussianNLLLoss`), so the std is really learned (the
    article's "Gaussian" model fitted its mean by MSE).  Predictions come
    with calibrated intervals, and :meth:`sample_y` draws plausible
    observations.

    Parameters
    ----------
    noise : {{"heteroscedastic", "homoscedastic"}} or float, \
default="heteroscedastic"
        ``"heteroscedastic"``: the std depends on ``X`` (e.g. grows with t).
        ``"homoscedastic"``: one learned std per target.  A positive float:
        that fixed std in target units (the article's "mean only" model;
        training then amounts to least squares).{params}

    Attributes
    ----------{attributes}

    See Also
    --------
    TrajectoryRegressor : The same network trained by least squares.
    sklearn.gaussian_process.GaussianProcessRegressor : ``predict`` with
        ``return_std`` and ``sample_y`` follow its conventions.

    Notes
    -----{notes}

    Examples
    --------
    >>> from pendsk import GaussianRegressor
    >>> from pendsk.datasets import make_pendulum_regression
    >>> X, y = make_pendulum_regression(n_trajectories=20, random_state=0)
    >>> reg = GaussianRegressor(max_epochs=20, random_state=0).fit(X, y)
    >>> mean, std = reg.predict(X[:3], return_std=True)
    >>> mean.shape, std.shape
    ((3,), (3,))
    >>> reg.sample_y(X[:3], n_samples=5, random_state=0).shape
    (3, 5)
    """

    _parameter_constraints = {
        **NeuralEstimator._parameter_constraints,
        "noise": [StrOptions({"heteroscedastic", "homoscedastic"}),
                  Interval(Real, 0, None, closed="neither")],
    }
    _criterion = GaussianNLLLoss
    _network_params = ("noise", *NeuralEstimator._network_params)

    def __init__(self, noise="heteroscedastic", hidden_layer_sizes=(64, 64, 64),
                 activation="silu", *, lr=2e-3, lr_schedule="cosine", max_epochs=200,
                 batch_size=512, weight_decay=0.0, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, warm_start=False,
                 callbacks=None, device="cpu", n_jobs=None, random_state=None, verbose=0):
        self.noise = noise
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _module_spec(self, data):
        noise = self.noise
        if isinstance(noise, bool):
            raise ValueError("noise must be 'heteroscedastic', 'homoscedastic' or a "
                             f"positive float std, got {noise!r}.")
        if not isinstance(noise, str):
            # a fixed std in target units, per standardised target
            with np.errstate(over="ignore", under="ignore"):
                noise = float(noise) / data.y_scaler.scale_
                variance = np.square(noise)
            # the loss holds log σ² and 1/σ², in float32
            if not np.all((variance > FLOAT32_TINY) & (variance < FLOAT32_MAX)):
                raise ValueError(
                    f"noise={self.noise!r} is too {'large' if np.max(noise) > 1 else 'small'}"
                    " for these targets: the variance it fixes, in standardised target "
                    f"units ({', '.join(f'{v:.3g}' for v in variance)}), must lie within "
                    "float32's range for training.")
        return GaussianMLP, dict(n_inputs=data.X.shape[1], n_outputs=data.y.shape[1],
                                 hidden_layer_sizes=self._hidden_layers(),
                                 activation=self.activation, noise=noise)

    @validate_params({"return_std": ["boolean"]}, prefer_skip_nested_validation=True)
    def predict(self, X, return_std=False):
        """Predict the mean (and std) of the targets of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        return_std : bool, default=False
            Also return the predicted standard deviation of the noise.

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted mean.
        y_std : ndarray, same shape as ``y_mean``
            Predicted standard deviation; only when ``return_std`` is True.
        """
        return self._forward(self._validate_X(X),
                             post=self._mean_std if return_std else self._mean)

    def _mean(self, mean, var):
        return self._output(mean)

    def _mean_std(self, mean, var):
        std = np.sqrt(var) * self._y_scaler.scale_
        return self._output(mean), (std.ravel() if self._y_is_1d else std)

    @validate_params({"coverage": [Interval(Real, 0, 1, closed="neither")]},
                     prefer_skip_nested_validation=True)
    def predict_interval(self, X, coverage=0.9):
        """Central interval holding ``coverage`` of the predicted noise.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Inputs.
        coverage : float, default=0.9
            Probability mass inside the interval, in (0, 1).

        Returns
        -------
        lower, upper : ndarray, each shaped as :meth:`predict`'s output
            Interval bounds ``mean ∓ z · std``.
        """
        # the upper tail's quantile; 0.5 + coverage / 2 would round to 1
        # (z = inf) for a coverage within 1e-16 of 1
        z = -ndtri((1 - coverage) / 2)

        def interval(mean, var):
            mean, std = self._mean_std(mean, var)
            return mean - z * std, mean + z * std
        return self._forward(self._validate_X(X), post=interval)

    @validate_params({"n_samples": [Count(1, None, closed="left")],
                      "random_state": ["random_state"]},
                     prefer_skip_nested_validation=True)
    def sample_y(self, X, n_samples=1, random_state=None):
        """Draw observations from the predicted Gaussian of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples_X, n_features)
            Inputs.
        n_samples : int, default=1
            Draws per row.
        random_state : int, RandomState instance or None, default=None
            Seed of the draws.

        Returns
        -------
        y_samples : ndarray of shape (n_samples_X, n_samples) or \
(n_samples_X, n_targets, n_samples)
            Draws, as :meth:`GaussianProcessRegressor.sample_y` shapes them.
        """
        Xs = self._validate_X(X)
        check_output_size((len(Xs), self._y_scaler.n_features_in_, n_samples),
                          "n_samples", n_samples)
        rng = check_random_state(random_state)

        def draws(mean, var):
            mean, std = self._mean_std(mean, var)
            noise = rng.standard_normal(mean.shape + (int(n_samples),))
            return mean[..., None] + std[..., None] * noise
        return self._forward(Xs, post=draws)


for _cls in (TrajectoryRegressor, GaussianRegressor):
    _docs = shared_docs(_cls)
    _cls.__doc__ = _cls.__doc__.format(
        params=_SHARED_PARAMETERS + _docs["params"], attributes=_docs["attributes"],
        notes=_NOTES)
