"""Scores of generated time series: discriminative and predictive (TimeGAN).

Two array-in/number-out scores of a set of generated (synthetic) series
against a set of real ones, one series per row and one channel, as the
time-series generation literature reports them since TimeGAN:
:func:`discriminative_score`, a classifier two-sample test (can a
classifier tell the two sets apart?), and :func:`predictive_score`,
"train on synthetic, test on real" (does a forecaster fitted on the
synthetic rows predict the real ones as well as one fitted on real rows?).
numpy and scikit-learn only.
"""

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import RidgeClassifierCV, RidgeCV
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils import Bunch
from sklearn.utils._param_validation import (HasMethods, Interval, InvalidParameterError,
                                             RealNotInt, validate_params)

from ._utils.seeding import child_seed, root_entropy
from ._utils.validation import Count, check_values, naming

__all__ = ["discriminative_score", "predictive_score"]

_SERIES = ("n_series", "n_steps")
_TEST_SIZE = Interval(RealNotInt, 0, 1, closed="neither")
#: Ridge penalties the default models choose from (leave-one-out), on rows
#: rescaled to a largest absolute value in (0.5, 1].
_CLASSIFIER_ALPHAS = np.logspace(-3, 3, 13)
_REGRESSOR_ALPHAS = np.logspace(-6, 6, 25)


def _power_of_two_scale(*arrays):
    """A power of two in ``(m / 2, m]``, ``m`` the largest absolute value of
    the arrays (0.5 when all are 0): dividing by it is exact in floating
    point and keeps huge values from overflowing; scale-free steps (the
    default classifier standardizes its features) give the same bits."""
    largest = max(float(np.abs(a).max()) for a in arrays)
    _, exponent = np.frexp(largest)
    return float(np.ldexp(1.0, int(exponent) - 1))


def _series_features(X):
    """What the default classifier sees of each row: the row itself, the
    magnitudes of its discrete Fourier transform (its mean removed, the
    zero frequency left out) and the mean, standard deviation, minimum and
    maximum of the row, of its first and of its second differences.

    The raw values carry the initial conditions and the phase, the spectrum
    the frequencies whatever the phase, the differences the roughness
    (noise) and the ordering in time.  Rows too short for a difference
    leave its statistics out.
    """
    X = np.asarray(X, dtype=np.float64)
    parts = [X]
    if X.shape[1] > 1:
        centred = X - X.mean(axis=1, keepdims=True)
        parts.append(np.abs(np.fft.rfft(centred, axis=1))[:, 1:])
    series = X
    for _ in range(3):
        if series.shape[1] == 0:
            break
        parts.append(np.column_stack([series.mean(axis=1), series.std(axis=1),
                                      series.min(axis=1), series.max(axis=1)]))
        series = np.diff(series, axis=1)
    return np.hstack(parts)


def _default_classifier():
    return make_pipeline(FunctionTransformer(_series_features), StandardScaler(),
                         RidgeClassifierCV(alphas=_CLASSIFIER_ALPHAS))


def _refuse_class(estimator, name, function):
    if isinstance(estimator, type):  # HasMethods lets a class through
        raise InvalidParameterError(
            f"The {name!r} parameter of {function} must be an estimator instance, e.g. "
            f"{estimator.__name__}(); got the class itself.")


def _check_sets(real, synthetic, *, min_columns, min_synthetic_rows):
    real = check_values(real, "real", axes=_SERIES, min_columns=min_columns)
    synthetic = check_values(synthetic, "synthetic", axes=_SERIES,
                             min_rows=min_synthetic_rows, min_columns=min_columns)
    if real.shape[1] != synthetic.shape[1]:
        raise ValueError(f"real and synthetic must have the same number of columns (time "
                         f"steps); got {real.shape[1]} and {synthetic.shape[1]}.")
    return real, synthetic


def _check_split(n_rows, test_size, what):
    """Refuse ``n_rows`` rows that ``train_test_split(test_size)`` cannot split
    into at least 2 training rows and 1 test row; the message says how many
    rows would do."""
    def sizes(n):
        n_test = int(np.ceil(test_size * n))  # train_test_split's rounding
        return n - n_test, n_test

    n_train, n_test = sizes(n_rows)
    if n_train >= 2 and n_test >= 1:
        return
    needed = 3
    while not (sizes(needed)[0] >= 2 and sizes(needed)[1] >= 1):
        needed += 1
    raise ValueError(f"{what} {n_rows} rows, which test_size={test_size!r} splits into "
                     f"{max(n_train, 0)} training and {n_test} test rows; the split needs at "
                     f"least 2 training rows and 1 test row, so at least {needed} rows "
                     "(pass more rows, or another test_size).")


@validate_params(
    {
        "real": ["array-like"],
        "synthetic": ["array-like"],
        "classifier": [HasMethods(["fit", "predict"]), None],
        "test_size": [_TEST_SIZE],
        "n_repeats": [Count(1)],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def discriminative_score(real, synthetic, *, classifier=None, test_size=0.25, n_repeats=5,
                         random_state=None):
    """How well a classifier tells generated series from real ones.

    A classifier two-sample test [2]_ as TimeGAN [1]_ reports it: real rows
    are labelled 0 and synthetic rows 1, a classifier is fitted on a
    training split of both and scored on the held-out rows, and the score
    is ``|accuracy - 0.5|``: 0 when the classifier does no better than
    chance (the two sets look alike to it), 0.5 when it tells every
    held-out row apart.

    Parameters
    ----------
    real : array-like of shape (n_real, n_steps)
        Real series, one per row, one value per time step.
    synthetic : array-like of shape (n_synthetic, n_steps)
        Generated series, as many columns as `real`.
    classifier : scikit-learn classifier, default=None
        Cloned for every split (the instance passed is never fitted).
        ``None`` uses a ridge classifier on standardized features of each
        row (see Notes). For reproducible scores, give a randomized
        classifier its own `random_state`.
    test_size : float, default=0.25
        Share of each set held out, in (0, 1), as in
        :func:`~sklearn.model_selection.train_test_split`. The split must
        leave at least 2 training rows and 1 test row of each set.
    n_repeats : int, default=5
        Number of random splits (and, for sets of different sizes,
        subsamples) the score is averaged over.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsamples and the splits; an int gives the same score
        on every call.

    Returns
    -------
    score : float
        The mean over the `n_repeats` splits of ``|accuracy - 0.5|``, in
        [0, 0.5].

    See Also
    --------
    predictive_score : Train on synthetic, test on real.
    pendsk.metrics.maximum_mean_discrepancy : A kernel two-sample statistic.

    Notes
    -----
    Protocol. When the two sets differ in size, each split first draws
    (without replacement) as many rows of the larger set as the smaller
    one holds, so that both classes are equally frequent and chance
    accuracy is exactly 0.5, the plain accuracy TimeGAN reports (rather
    than a balanced accuracy). The ``m`` rows of each set are then split
    by one ``train_test_split(range(m), test_size)``: row ``i`` of both
    sets goes to the same side, so training and test rows are stratified
    by construction, and two identical sets score exactly 0 (each held-out
    row has its copy, with the other label, in the test rows too). The
    training rows, shuffled, fit a clone of the classifier; its accuracy
    on the ``2 * ceil(test_size * m)`` held-out rows gives the score of
    the split. TimeGAN likewise averages ``|accuracy - 0.5|`` over
    repetitions.

    The default classifier is ``make_pipeline(FunctionTransformer(f),
    StandardScaler(), RidgeClassifierCV(alphas=np.logspace(-3, 3, 13)))``,
    ``f`` giving each row's values, the magnitudes of its discrete Fourier
    transform and the mean, standard deviation, minimum and maximum of the
    row, of its first and of its second differences; the rows are first
    divided by a common power of two (exact), so that huge values do not
    overflow. TimeGAN's post-hoc discriminator, a GRU with
    ``int(n_channels / 2)`` hidden units, has none on one channel. On 300
    trajectories of :func:`pendsk.datasets.make_pendulum` (100 steps) per
    set and 5 seeds, it scored 0.50 against rows shuffled in time, rows
    with white noise of standard deviation 0.1 added, or white noise
    alone, 0.48 against rows scaled by 1.5 (0.33 by 1.2), 0.46 against
    rows reversed in time, 0.47 against pendulums of length 2.5 to 4 m
    instead of 1 to 2.5 m (0.16 for 1.5 to 3 m, near the best possible
    1/6 for these overlapping ranges), and 0.024 against a second sample
    of the real distribution. A logistic regression on the same features
    or gradient boosting on them scored the same within 0.02 but fit
    slower: the logistic regression in 20 s for one split of 1,000 rows
    of 500 steps (0.6 s here), gradient boosting in 0.6 s for one of 300
    rows of 100 steps (0.02 s here). Gradient boosting on the rows and
    their differences alone scored 0.43 against noise of 0.03 (0.50
    here), ridge on random
    convolutions (ROCKET, each row standardized) is blind to amplitude
    (0.02 against rows scaled by 1.5), and a logistic regression on the
    raw rows missed the noise of 0.1 (0.14).

    Spread. Two samples of one distribution do not score 0: with ``N``
    held-out rows in all, the accuracy of a classifier that cannot tell
    them apart is binomial, of standard deviation ``0.5 / sqrt(N)``, so
    ``|accuracy - 0.5|`` is about ``0.4 / sqrt(N)`` on average (0.033 for
    300 rows per set and the default `test_size`; 0.02 to 0.03 were
    measured), and averaging over `n_repeats` splits narrows its spread
    but not this floor. Compare a score with that of two halves of the
    real rows, ``discriminative_score(real[::2], real[1::2])``, rather
    than with 0.

    References
    ----------
    .. [1] J. Yoon, D. Jarrett and M. van der Schaar, "Time-series
       Generative Adversarial Networks", NeurIPS 2019.
    .. [2] D. Lopez-Paz and M. Oquab, "Revisiting Classifier Two-Sample
       Tests", ICLR 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk.datasets import make_pendulum
    >>> from pendsk.metrics import discriminative_score
    >>> real, _ = make_pendulum(200, n_steps=50, dt=0.05, noise_std=0.01,
    ...                         noise_growth=0.0, random_state=0)
    >>> same, _ = make_pendulum(200, n_steps=50, dt=0.05, noise_std=0.01,
    ...                         noise_growth=0.0, random_state=1)
    >>> bool(discriminative_score(real, same, random_state=0) < 0.1)
    True
    >>> rng = np.random.default_rng(0)
    >>> shuffled = rng.permuted(same, axis=1)  # each row's steps in random order
    >>> bool(discriminative_score(real, shuffled, random_state=0) > 0.4)
    True
    >>> discriminative_score(real, real, random_state=0)
    0.0
    """
    _refuse_class(classifier, "classifier", "discriminative_score")
    real, synthetic = _check_sets(real, synthetic, min_columns=1, min_synthetic_rows=1)
    n_rows = min(len(real), len(synthetic))
    smaller = "real" if len(real) <= len(synthetic) else "synthetic"
    _check_split(n_rows, test_size, f"{smaller} has")
    if classifier is None:
        model = _default_classifier()
        scale = _power_of_two_scale(real, synthetic)
        real, synthetic = real / scale, synthetic / scale
    else:
        model = classifier
    entropy = root_entropy(random_state)
    scores = np.empty(n_repeats)
    for repeat in range(n_repeats):
        rng = np.random.default_rng(child_seed(entropy, 0, repeat))
        real_rows, synthetic_rows = (
            rows if len(rows) == n_rows
            else rows[np.sort(rng.choice(len(rows), n_rows, replace=False))]
            for rows in (real, synthetic))
        train, test = train_test_split(np.arange(n_rows), test_size=test_size,
                                       random_state=child_seed(entropy, 1, repeat))
        order = rng.permutation(2 * len(train))
        X_train = np.vstack([real_rows[train], synthetic_rows[train]])[order]
        y_train = np.repeat([0, 1], len(train))[order]
        X_test = np.vstack([real_rows[test], synthetic_rows[test]])
        y_test = np.repeat([0, 1], len(test))
        with naming("real", "synthetic"):
            fitted = clone(model).fit(X_train, y_train)
            predicted = np.asarray(fitted.predict(X_test)).reshape(-1)
        if predicted.shape != y_test.shape:
            raise ValueError(f"The classifier predicted {predicted.size} labels for the "
                             f"{len(y_test)} held-out rows of real and synthetic.")
        scores[repeat] = abs(np.mean(predicted == y_test) - 0.5)
    return float(scores.mean())


def _forecast_mae(model, rows, n_past, past_test, future_test, scale):
    """Mean absolute error on the held-out real rows of a clone of ``model``
    fitted to predict the steps of ``rows`` after ``n_past`` from those before."""
    past = rows[:, :n_past].copy()
    future = rows[:, n_past:].copy()
    with naming("real", "synthetic"):
        fitted = clone(model).fit(past, future[:, 0] if future.shape[1] == 1 else future)
        predicted = np.asarray(fitted.predict(past_test.copy()), dtype=np.float64)
    if predicted.size != future_test.size:
        raise ValueError(f"The regressor predicted an array of shape {predicted.shape} for "
                         f"the {future_test.shape} future steps of the held-out rows of real; "
                         "it must predict every future step (wrap a single-output regressor "
                         "in sklearn.multioutput.MultiOutputRegressor).")
    with np.errstate(over="ignore", invalid="ignore"):
        mae = float(np.mean(np.abs(predicted.reshape(future_test.shape) - future_test)))
        mae *= scale
    if not np.isfinite(mae):
        raise ValueError("The forecast errors are not finite: real or synthetic holds values "
                         "too large for the regressor (or it predicted NaN); rescale them.")
    return mae


@validate_params(
    {
        "real": ["array-like"],
        "synthetic": ["array-like"],
        "n_past": [Count(1), None],
        "regressor": [HasMethods(["fit", "predict"]), None],
        "test_size": [_TEST_SIZE],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def predictive_score(real, synthetic, *, n_past=None, regressor=None, test_size=0.25,
                     random_state=None):
    """Forecast error of a model trained on synthetic series, tested on real ones.

    "Train on synthetic, test on real" (TSTR) [2]_, the predictive score
    of TimeGAN [1]_: a forecaster of the later steps of a row from its
    first `n_past` steps is fitted on the synthetic rows and its mean
    absolute error (MAE) measured on held-out real rows. The same
    forecaster fitted on the other real rows ("train on real, test on
    real", TRTR) gives the reference: synthetic rows as useful as real
    ones give a `synthetic_mae` close to `real_mae`.

    Parameters
    ----------
    real : array-like of shape (n_real, n_steps)
        Real series, one per row, one value per time step; at least 2
        steps.
    synthetic : array-like of shape (n_synthetic, n_steps)
        Generated series, as many columns as `real`; at least 2 rows.
    n_past : int, default=None
        Number of first steps the forecaster sees, in ``[1, n_steps - 1]``;
        it predicts the ``n_steps - n_past`` steps after them. ``None``
        uses the first 80 %, ``n_steps * 4 // 5`` (at least 1).
    regressor : scikit-learn regressor, default=None
        A multi-output regressor (wrap others in
        :class:`~sklearn.multioutput.MultiOutputRegressor`), cloned for
        each fit. ``None`` uses ``RidgeCV(alphas=np.logspace(-6, 6,
        25))`` on rows divided by a common power of two (see Notes).
    test_size : float, default=0.25
        Share of the real rows held out for both errors, in (0, 1), as in
        :func:`~sklearn.model_selection.train_test_split`. The split must
        leave at least 2 training rows and 1 test row.
    random_state : int, RandomState instance or None, default=None
        Seeds the split of the real rows; an int gives the same result on
        every call.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With the keys

        synthetic_mae : float
            TSTR: the MAE on the held-out real rows of the forecaster
            fitted on all synthetic rows.
        real_mae : float
            TRTR: the MAE on the same held-out real rows of the
            forecaster fitted on the other real rows.
        n_past : int
            The number of steps the forecaster saw.

    See Also
    --------
    discriminative_score : Can a classifier tell the two sets apart?

    Notes
    -----
    Protocol. The real rows are split once by ``train_test_split(test_size,
    random_state)``. The forecaster maps the first `n_past` values of a
    row to its remaining ``n_steps - n_past`` values (multi-output); a
    clone is fitted on every synthetic row, another on the real training
    rows, and both predict the held-out real rows from their first
    `n_past` values. Each MAE is the mean of ``|predicted - true|`` over
    those rows and all their future steps. The two forecasters are fitted
    on different numbers of rows when `synthetic` holds more or fewer than
    the real training split (``n_real - ceil(test_size * n_real)``): pass
    as many for a like-for-like comparison, more to ask whether plentiful
    synthetic data helps.

    Why a multi-step forecast of the last 20 % instead of TimeGAN's
    one-step-ahead prediction over sliding windows: rows here are whole
    trajectories of a smooth system, whose next value the last few values
    give almost exactly whatever made them, and a window slid along the
    row forgets where in the trajectory it is. On trajectories of
    :func:`pendsk.datasets.make_pendulum` (100 steps, 300 rows per set,
    5 seeds) with the default regressor, one step from sliding windows of
    5 or 20 values gave a TSTR MAE 1.0 times the TRTR one for rows
    reversed in time and 1.4 to 1.8 times for pendulums of length 2.5 to
    4 m instead of 1 to 2.5 m, while the last 20 steps from the first 80
    gave 4.1 and 29 times (36 for white noise, 0.93 for rows of the real
    distribution, more numerous than the real training rows). The last
    step from the 99 before it gave 3.6 and 25, with a real MAE (0.011)
    at the observation noise; from the first 50 or 20 steps, the real
    MAE was 3 to 9 times larger, and white noise stood out less (12 and
    4.3 times). The forecast is linear in the past values, so rows scaled
    by a constant forecast as well as the real ones: this score measures
    how useful the dynamics in the synthetic rows are, not their fidelity
    (:func:`discriminative_score`).

    The default regressor chooses its penalty by efficient leave-one-out
    cross-validation on its training rows; it is deterministic. Its TRTR
    error (0.020 on the trajectories above) was as low as the best of the
    alternatives tried: ridge with a fixed penalty (0.030 at 1, 0.021 at
    0.01), ordinary least squares (0.024) and PCA with 10 or 20
    components followed by ridge (0.020, 0.021). Its rows are divided by
    a power of two of the order of their largest absolute value (exact;
    the errors are multiplied back), so the penalties are relative to the
    scale of the data and huge values do not overflow; a user's regressor
    gets the rows unchanged.

    References
    ----------
    .. [1] J. Yoon, D. Jarrett and M. van der Schaar, "Time-series
       Generative Adversarial Networks", NeurIPS 2019.
    .. [2] C. Esteban, S. L. Hyland and G. Rätsch, "Real-valued (Medical)
       Time Series Generation with Recurrent Conditional GANs",
       arXiv:1706.02633, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk.datasets import make_pendulum
    >>> from pendsk.metrics import predictive_score
    >>> real, _ = make_pendulum(200, n_steps=50, dt=0.05, noise_std=0.01,
    ...                         noise_growth=0.0, random_state=0)
    >>> same, _ = make_pendulum(150, n_steps=50, dt=0.05, noise_std=0.01,
    ...                         noise_growth=0.0, random_state=1)
    >>> result = predictive_score(real, same, random_state=0)
    >>> result.n_past
    40
    >>> bool(result.synthetic_mae < 1.2 * result.real_mae)
    True

    Rows reversed in time forecast the real ones badly:

    >>> result = predictive_score(real, same[:, ::-1], random_state=0)
    >>> bool(result.synthetic_mae > 2 * result.real_mae)
    True
    """
    _refuse_class(regressor, "regressor", "predictive_score")
    real, synthetic = _check_sets(real, synthetic, min_columns=2, min_synthetic_rows=2)
    n_steps = real.shape[1]
    if n_past is None:
        n_past = max(1, n_steps * 4 // 5)
    elif n_past > n_steps - 1:
        raise ValueError(f"n_past must be in [1, n_steps - 1] = [1, {n_steps - 1}], so that "
                         f"at least one step is left to predict; got {n_past}.")
    n_past = int(n_past)
    _check_split(len(real), test_size, "real has")
    if regressor is None:
        model = RidgeCV(alphas=_REGRESSOR_ALPHAS)
        scale = _power_of_two_scale(real, synthetic)
        real, synthetic = real / scale, synthetic / scale
    else:
        model, scale = regressor, 1.0
    entropy = root_entropy(random_state)
    train, test = train_test_split(np.arange(len(real)), test_size=test_size,
                                   random_state=child_seed(entropy, 0))
    past_test, future_test = real[test, :n_past], real[test, n_past:]
    synthetic_mae = _forecast_mae(model, synthetic, n_past, past_test, future_test, scale)
    real_mae = _forecast_mae(model, real[train], n_past, past_test, future_test, scale)
    return Bunch(synthetic_mae=synthetic_mae, real_mae=real_mae, n_past=n_past)
