"""TrajectoryRegressor and GaussianRegressor: what is specific to regression.

The issue's requirement first (learning the pendulum from the article's noisy
pointwise data, and calibrated intervals), then the Gaussian API (``predict``
with ``return_std``, the noise options, ``sample_y``, ``predict_interval``),
2-D targets and scikit-learn composition.  The machinery both regressors
share with every neural estimator (determinism, RNG state, the caller's
arrays, partial_fit, warm start, early stopping, callbacks, input
validation) is tested in test_base.py, pickling in test_persistence.py;
scikit-learn's generic checks run in test_common.py.

Models are fitted once per session and shared (conftest.shared_fit).  What
needs a trained model learns from the article's data (the LEARN runs, the
slow tests); the API is checked on the small regressors of conftest.py.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import norm
from sklearn.base import clone
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from conftest import learn, quick
from pendsk import GaussianRegressor, PendulumSimulator, TrajectoryRegressor
from pendsk.datasets import make_pendulum, make_pendulum_regression

#: The article's pointwise data at a coarser step: the same 5 s horizon.
N_STEPS, DT = 200, 0.025
#: The two regressors, by class name.
REGRESSORS = ["TrajectoryRegressor", "GaussianRegressor"]


def quick_2d(cls_or_name, **overrides):
    """A regressor of whole 50-step trajectories from their 4 parameters:
    the QUICK settings with batches of 32."""
    return quick(cls_or_name, batch_size=32, **overrides)


@pytest.fixture(scope="module")
def pointwise():
    """75/25 split of noisy rows, with the noise-free angle of each row."""
    X, y = make_pendulum_regression(n_trajectories=100, n_steps=N_STEPS, dt=DT,
                                    random_state=0)
    truth = (PendulumSimulator(g=10, n_steps=N_STEPS, dt=DT)
             .fit_transform(X[::N_STEPS, :4]).ravel())
    X_train, X_test, y_train, y_test, _, truth_test = train_test_split(
        X, y, truth, test_size=0.25, random_state=0)
    return X_train, X_test, y_train, y_test, truth_test


@pytest.fixture(scope="module")
def trajectory_reg(pointwise, shared_fit):
    X_train, _, y_train, _, _ = pointwise
    return shared_fit(learn("TrajectoryRegressor"), X_train, y_train)


@pytest.fixture(scope="module")
def gaussian_reg(pointwise, shared_fit):
    X_train, _, y_train, _, _ = pointwise
    return shared_fit(learn("GaussianRegressor"), X_train, y_train)


@pytest.fixture(scope="module")
def targets_2d(shared_trajectories):
    """Parameter rows and their noisy 50-step trajectories: train and test."""
    Y, F = shared_trajectories("noisy", 300, 0)
    Y_new, F_new = shared_trajectories("noisy", 100, 1)
    return F, Y, F_new, Y_new


@pytest.fixture(scope="module")
def trajectory_reg_2d(targets_2d, shared_fit):
    F, Y, _, _ = targets_2d
    return shared_fit(quick_2d("TrajectoryRegressor"), F, Y)


@pytest.fixture(scope="module")
def gaussian_reg_2d(targets_2d, shared_fit):
    F, Y, _, _ = targets_2d
    return shared_fit(quick_2d("GaussianRegressor"), F, Y)


# --------------------------------------------------------------------------
# The requirement: learn θ(t) from noisy points
# --------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", ["trajectory_reg", "gaussian_reg"])
def test_learns_the_noise_free_angle_on_held_out_points(name, request, pointwise):
    reg = request.getfixturevalue(name)
    _, X_test, _, _, truth_test = pointwise
    # (the noise itself keeps R² against the noisy y far lower)
    assert r2_score(truth_test, reg.predict(X_test)) >= 0.98


@pytest.mark.slow
def test_gaussian_90_percent_interval_covers_90_percent(gaussian_reg, pointwise):
    _, X_test, _, y_test, _ = pointwise
    lower, upper = gaussian_reg.predict_interval(X_test, 0.9)
    coverage = np.mean((lower <= y_test) & (y_test <= upper))
    assert 0.85 <= coverage <= 0.95


@pytest.mark.slow
def test_gaussian_std_tracks_the_true_noise(gaussian_reg, pointwise):
    _, X_test, _, _, _ = pointwise
    _, std = gaussian_reg.predict(X_test, return_std=True)
    t = X_test[:, 4]
    assert np.corrcoef(std, 0.1 * t)[0, 1] >= 0.9
    # heteroscedastic: the std grows second by second, as 0.1·t does
    means = np.array([std[(t >= k) & (t < k + 1)].mean() for k in range(5)])
    truth = np.array([0.1 * t[(t >= k) & (t < k + 1)].mean() for k in range(5)])
    assert np.all(np.diff(means) > 0)
    assert_allclose(means, truth, rtol=0.15)


# --------------------------------------------------------------------------
# predict and return_std
# --------------------------------------------------------------------------

def test_predict_1d_shape_and_dtype(fitted_small, data):
    trajectory_reg, gaussian_reg = map(fitted_small, REGRESSORS)
    X = data["reg"][0][:7]
    assert trajectory_reg.predict(X).shape == (7,)
    assert trajectory_reg.predict(X).dtype == np.float64
    mean, std = gaussian_reg.predict(X, return_std=True)
    assert mean.shape == std.shape == (7,)
    assert mean.dtype == std.dtype == np.float64
    assert np.all(std > 0)
    assert_array_equal(gaussian_reg.predict(X), mean)
    assert_array_equal(gaussian_reg.predict(X, return_std=False), mean)


def test_predict_2d_shape_and_dtype(trajectory_reg_2d, gaussian_reg_2d, targets_2d):
    F, _, _, _ = targets_2d
    X = F[:7]
    assert trajectory_reg_2d.predict(X).shape == (7, 50)
    assert trajectory_reg_2d.predict(X).dtype == np.float64
    mean, std = gaussian_reg_2d.predict(X, return_std=True)
    assert mean.shape == std.shape == (7, 50)
    assert mean.dtype == std.dtype == np.float64
    assert np.all(std > 0)
    assert_array_equal(gaussian_reg_2d.predict(X), mean)


def test_predict_one_row_of_a_2d_target_keeps_both_axes(gaussian_reg_2d, targets_2d):
    F, _, _, _ = targets_2d
    mean, std = gaussian_reg_2d.predict(F[:1], return_std=True)
    assert mean.shape == std.shape == (1, 50)


# --------------------------------------------------------------------------
# noise options
# --------------------------------------------------------------------------

@pytest.mark.slow
def test_fixed_noise_gives_that_std_and_a_least_squares_fit(pointwise):
    X_train, X_test, y_train, _, _ = pointwise
    fixed = quick("GaussianRegressor", noise=0.1).fit(X_train, y_train)
    mean, std = fixed.predict(X_test, return_std=True)
    assert_allclose(std, 0.1, rtol=1e-12)
    # NLL with a fixed variance is least squares up to a constant factor,
    # which Adam ignores: same init, same batches, (nearly) the same weights
    lsq = quick("TrajectoryRegressor").fit(X_train, y_train)
    assert_allclose(mean, lsq.predict(X_test), rtol=0, atol=1e-3)


def test_fixed_noise_is_in_target_units_for_each_target(targets_2d):
    F, Y, _, _ = targets_2d
    # targets of very different scales: the std stays the given one for all
    Y = Y * np.logspace(-1, 1, Y.shape[1])
    reg = quick_2d("GaussianRegressor", noise=0.25, max_epochs=1).fit(F, Y)
    _, std = reg.predict(F[:5], return_std=True)
    assert_allclose(std, 0.25, rtol=1e-12)


@pytest.mark.slow
def test_homoscedastic_std_is_constant_and_the_rms_residual(pointwise):
    X_train, X_test, y_train, _, _ = pointwise
    reg = learn("GaussianRegressor", noise="homoscedastic").fit(X_train, y_train)
    _, std_test = reg.predict(X_test, return_std=True)
    assert_allclose(std_test, std_test[0], rtol=1e-12)
    mean, std = reg.predict(X_train, return_std=True)
    rms = np.sqrt(np.mean((y_train - mean) ** 2))
    assert_allclose(std, rms, rtol=0.2)
    assert_allclose(std[0], std_test[0], rtol=1e-12)


def test_homoscedastic_std_is_one_per_target():
    # 5 s trajectories whose noise grows from 0.05 to 0.54 along them
    Y, F = make_pendulum(n_samples=300, n_steps=50, dt=0.1, noise_std=0.05,
                         random_state=0)
    reg = quick_2d("GaussianRegressor", noise="homoscedastic", max_epochs=60, lr=1e-2)
    mean, std = reg.fit(F, Y).predict(F, return_std=True)
    assert_allclose(std, np.broadcast_to(std[0], std.shape), rtol=1e-12)
    # each target's std is its RMS residual
    assert_allclose(std[0], np.sqrt(np.mean((Y - mean) ** 2, axis=0)), rtol=0.2)
    assert std[0, -1] > 5 * std[0, 0]


@pytest.mark.parametrize("noise", [0, -1, -0.1, "bogus", None, np.inf, np.nan, [0.1],
                                   True])
def test_bad_noise_is_rejected_at_fit(noise, data):
    reg = quick("GaussianRegressor", noise=noise)
    with pytest.raises(ValueError, match="noise"):
        reg.fit(*data["reg"])
    assert not hasattr(reg, "net_")


@pytest.mark.parametrize("noise, word", [(2**70, "large"), (1e-30, "small")])
def test_a_fixed_noise_beyond_float32_is_named(noise, word, data):
    # its variance would overflow or underflow float32 in the loss: an
    # error naming noise, not a divergence blamed on lr
    reg = quick("GaussianRegressor", noise=noise)
    with pytest.raises(ValueError, match=rf"^noise={noise!r} is too {word} for these "
                                         "targets: the variance it fixes"):
        reg.fit(*data["reg"])
    assert not hasattr(reg, "net_")


@pytest.mark.parametrize("cls", [TrajectoryRegressor, GaussianRegressor])
@pytest.mark.parametrize("y", [np.array("X"), np.array(3.0), 3.0])
def test_a_scalar_y_is_named(cls, y, data):
    # scikit-learn's own message ("Input should have at least 1 dimension")
    # names neither argument, and quotes a string y as if it named X
    reg = quick(cls.__name__)
    with pytest.raises(ValueError, match=r"^y must be a 1-D or 2-D array of targets, got a "
                                         r"scalar"):
        reg.fit(data["reg"][0], y)
    assert not hasattr(reg, "net_")


# --------------------------------------------------------------------------
# sample_y
# --------------------------------------------------------------------------

def test_sample_y_shapes(fitted_small, gaussian_reg_2d, data, targets_2d):
    gaussian_reg, X_test = fitted_small("GaussianRegressor"), data["reg"][0]
    F, _, _, _ = targets_2d
    assert gaussian_reg.sample_y(X_test[:6], random_state=0).shape == (6, 1)
    assert gaussian_reg.sample_y(X_test[:6], n_samples=3, random_state=0).shape == (6, 3)
    assert gaussian_reg.sample_y(X_test[:6], n_samples=np.int64(3)).shape == (6, 3)
    draws = gaussian_reg_2d.sample_y(F[:6], n_samples=3, random_state=0)
    assert draws.shape == (6, 50, 3)
    assert draws.dtype == np.float64


def test_sample_y_is_seeded(fitted_small, data):
    gaussian_reg, X = fitted_small("GaussianRegressor"), data["reg"][0][:20]
    a = gaussian_reg.sample_y(X, n_samples=5, random_state=0)
    assert_array_equal(a, gaussian_reg.sample_y(X, n_samples=5, random_state=0))
    assert_array_equal(
        a, gaussian_reg.sample_y(X, n_samples=5, random_state=np.random.RandomState(0)))
    b = gaussian_reg.sample_y(X, n_samples=5, random_state=1)
    assert np.all(a != b)
    # the draws of one row differ from each other
    assert np.all(np.diff(a, axis=1) != 0)


@pytest.mark.parametrize("n_targets", [1, 50])
def test_sample_y_moments_match_predict(n_targets, fitted_small, gaussian_reg_2d, data,
                                        targets_2d):
    reg, X = ((fitted_small("GaussianRegressor"), data["reg"][0][:30]) if n_targets == 1
              else (gaussian_reg_2d, targets_2d[0][:30]))
    n = 4000
    mean, std = reg.predict(X, return_std=True)
    draws = reg.sample_y(X, n_samples=n, random_state=0)
    # 5 standard errors of the sample mean and of the sample std
    assert np.all(np.abs(draws.mean(axis=-1) - mean) < 5 * std / np.sqrt(n))
    assert np.all(np.abs(draws.std(axis=-1) - std) < 5 * std / np.sqrt(2 * n))


@pytest.mark.parametrize("n_samples", [0, -1, 1.5, "2", None])
def test_sample_y_rejects_bad_n_samples(n_samples, fitted_small, data):
    with pytest.raises(ValueError, match="n_samples"):
        fitted_small("GaussianRegressor").sample_y(data["reg"][0][:3], n_samples=n_samples)


# --------------------------------------------------------------------------
# predict_interval
# --------------------------------------------------------------------------

@pytest.mark.parametrize("coverage", [0.5, 0.9, 0.99])
def test_predict_interval_is_mean_plus_minus_z_std(coverage, fitted_small, data):
    gaussian_reg, X = fitted_small("GaussianRegressor"), data["reg"][0][:200]
    mean, std = gaussian_reg.predict(X, return_std=True)
    lower, upper = gaussian_reg.predict_interval(X, coverage)
    assert lower.shape == upper.shape == (200,)
    assert np.all(lower < mean) and np.all(mean < upper)
    z = norm.ppf(0.5 + coverage / 2)
    assert_allclose(upper - lower, 2 * z * std, rtol=1e-9)
    assert_allclose((lower + upper) / 2, mean, rtol=0, atol=1e-12)


def test_predict_interval_default_is_90_percent(fitted_small, data):
    gaussian_reg, X_test = fitted_small("GaussianRegressor"), data["reg"][0]
    _, std = gaussian_reg.predict(X_test[:50], return_std=True)
    lower, upper = gaussian_reg.predict_interval(X_test[:50])
    assert_allclose(upper - lower, 2 * 1.6448536269514722 * std, rtol=1e-9)


def test_predict_interval_2d(gaussian_reg_2d, targets_2d):
    F, _, _, _ = targets_2d
    mean, std = gaussian_reg_2d.predict(F[:4], return_std=True)
    lower, upper = gaussian_reg_2d.predict_interval(F[:4], 0.9)
    assert lower.shape == upper.shape == (4, 50)
    assert_allclose(upper - lower, 2 * norm.ppf(0.95) * std, rtol=1e-9)


@pytest.mark.parametrize("coverage", [0, 1, 1.5, -0.1, "a", None, np.nan])
def test_predict_interval_rejects_bad_coverage(coverage, fitted_small, data):
    with pytest.raises(ValueError, match="coverage"):
        fitted_small("GaussianRegressor").predict_interval(data["reg"][0][:3], coverage)


# --------------------------------------------------------------------------
# 2-D targets: whole trajectories from parameters
# --------------------------------------------------------------------------

def test_trajectories_from_parameters(trajectory_reg_2d, targets_2d):
    F, Y, F_new, Y_new = targets_2d
    assert trajectory_reg_2d.predict(F_new).shape == (100, 50)
    # a mean predictor scores 0
    assert trajectory_reg_2d.score(F, Y) > 0.8
    assert trajectory_reg_2d.score(F_new, Y_new) > 0.8


@pytest.mark.parametrize("cls", [TrajectoryRegressor, GaussianRegressor])
def test_partial_fit_rejects_another_number_of_targets(cls, targets_2d):
    F, Y, _, _ = targets_2d
    reg = quick_2d(cls, hidden_layer_sizes=(4,)).partial_fit(F, Y)
    with pytest.raises(ValueError, match="10 targets.*fitted with 50"):
        reg.partial_fit(F, Y[:, :10])
    reg_1d = quick_2d(cls, hidden_layer_sizes=(4,)).partial_fit(F, Y[:, 0])
    with pytest.raises(ValueError, match="targets"):
        reg_1d.partial_fit(F, Y[:, :3])
    assert len(reg.history_) == len(reg_1d.history_) == 1


# --------------------------------------------------------------------------
# score
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", REGRESSORS)
def test_score_is_r2_1d(name, fitted_small, data):
    reg = fitted_small(name)
    X_test, y_test = data["reg"]
    assert reg.score(X_test, y_test) == pytest.approx(
        r2_score(y_test, reg.predict(X_test)), rel=1e-12)


@pytest.mark.parametrize("name", ["trajectory_reg_2d", "gaussian_reg_2d"])
def test_score_is_r2_2d(name, request, targets_2d):
    reg = request.getfixturevalue(name)
    _, _, F_new, Y_new = targets_2d
    assert reg.score(F_new, Y_new) == pytest.approx(
        r2_score(Y_new, reg.predict(F_new)), rel=1e-12)


@pytest.mark.parametrize("name", REGRESSORS)
def test_score_refuses_a_missing_or_short_y(name, fitted_small, data):
    reg = fitted_small(name)
    X_test, y_test = data["reg"]
    with pytest.raises(ValueError, match="score requires y to be passed, but the target "
                                         "y is None"):
        reg.score(X_test, None)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        reg.score(X_test[:4], y_test[:3])


# --------------------------------------------------------------------------
# scikit-learn composition
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_pointwise():
    return make_pendulum_regression(n_trajectories=40, n_steps=100, dt=0.05,
                                    random_state=1)


@pytest.mark.parametrize("cls", [TrajectoryRegressor, GaussianRegressor])
def test_in_a_pipeline(cls, small_pointwise):
    X, y = small_pointwise
    reg = quick(cls, max_epochs=5)
    pipe = make_pipeline(StandardScaler(), clone(reg)).fit(X, y)
    # the estimator standardises its input itself: a scaler in front is a no-op
    assert_allclose(pipe.predict(X), reg.fit(X, y).predict(X), rtol=0, atol=1e-4)
    assert np.isfinite(pipe.score(X, y))


@pytest.mark.slow
def test_grid_search_picks_the_better_network(small_pointwise):
    X, y = small_pointwise
    grid = {"hidden_layer_sizes": [(2,), (32, 32)]}
    search = GridSearchCV(
        TrajectoryRegressor(max_epochs=40, lr=5e-3, batch_size=64, random_state=0),
        grid, cv=2).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    assert search.best_params_ == {"hidden_layer_sizes": (32, 32)}
    assert search.best_estimator_.predict(X[:3]).shape == (3,)


@pytest.mark.slow
def test_cross_val_score(small_pointwise):
    X, y = small_pointwise
    reg = GaussianRegressor(hidden_layer_sizes=(32, 32), max_epochs=40, lr=5e-3,
                            batch_size=64, random_state=0)
    scores = cross_val_score(reg, X, y, cv=3)
    assert scores.shape == (3,)
    assert np.isfinite(scores).all()
    assert scores.min() > 0.5  # on unseen trajectories
