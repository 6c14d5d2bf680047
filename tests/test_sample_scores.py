"""Tests of the sample scores of generated series: discriminative_score (a
classifier two-sample test) and predictive_score (train on synthetic, test
on real), on pendulum trajectories of make_pendulum."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.validation import check_is_fitted

from pendsk._sample_scores import discriminative_score, predictive_score
from pendsk.datasets import make_pendulum

pytestmark = pytest.mark.filterwarnings("error")

N_ROWS = 300
N_STEPS = 100


def trajectories(n_rows, seed, **ranges):
    X, _ = make_pendulum(n_rows, n_steps=N_STEPS, dt=0.05, noise_std=0.01,
                         noise_growth=0.0, random_state=seed, **ranges)
    return X


def read_only(array):
    """A read-only copy: any write by the function under test raises."""
    array = np.array(array)
    array.flags.writeable = False
    return array


@pytest.fixture(scope="module")
def real():
    return read_only(trajectories(N_ROWS, 0))


@pytest.fixture(scope="module")
def same(real):
    """An independent sample of the real distribution."""
    return read_only(trajectories(N_ROWS, 1))


def _unlike(kind, same):
    rng = np.random.default_rng(5)
    if kind == "shuffled in time":
        return rng.permuted(same, axis=1)
    if kind == "white noise 0.1 added":
        return same + 0.1 * rng.standard_normal(same.shape)
    if kind == "amplitude x 1.5":
        return 1.5 * same
    if kind == "lengths 2.5 to 4 m":
        return trajectories(N_ROWS, 2, length_range=(2.5, 4.0))
    if kind == "reversed in time":
        return same[:, ::-1]
    raise ValueError(kind)


UNLIKE = ["shuffled in time", "white noise 0.1 added", "amplitude x 1.5",
          "lengths 2.5 to 4 m", "reversed in time"]


# --- discriminative_score ------------------------------------------------------

def test_discriminative_two_samples_of_one_distribution_score_low(real, same):
    # measured 0.020 to 0.032 over 5 seeds; chance level ~0.4 / sqrt(150) = 0.033
    score = discriminative_score(real, same, random_state=0)
    assert isinstance(score, float)
    assert 0.0 <= score <= 0.1


@pytest.mark.parametrize("kind", UNLIKE)
def test_discriminative_clearly_different_synthetic_scores_high(real, same, kind):
    # measured at least 0.447 for each over 5 seeds (0.5 is perfect)
    score = discriminative_score(real, _unlike(kind, same), random_state=0)
    assert 0.3 <= score <= 0.5


def test_discriminative_identical_sets_score_exactly_zero(real):
    # row i of both sets lands on the same side of the split: every held-out
    # row has its twin with the other label, so exactly half are right
    assert discriminative_score(real, real, random_state=0) == 0.0
    assert discriminative_score(real, real.copy(), n_repeats=2, random_state=3) == 0.0
    nearest = KNeighborsClassifier(n_neighbors=1)
    assert discriminative_score(real, real, classifier=nearest, random_state=0) == 0.0


def test_discriminative_sets_of_different_sizes(real, same):
    more = trajectories(2 * N_ROWS, 7)
    # the larger set is subsampled: chance is still 0.5, not 2/3
    assert discriminative_score(real, more, random_state=0) <= 0.1
    assert discriminative_score(more, same, random_state=0) <= 0.1
    assert discriminative_score(real, 1.5 * more, random_state=0) >= 0.3
    # a smaller synthetic set, also (the real one is subsampled)
    assert discriminative_score(real, same[:100], random_state=0) <= 0.15


class Recorder(DummyClassifier):
    """Predicts class 0; records (on the class: fits happen on clones) the
    rows and labels of every fit and the rows of every prediction."""

    seen = []

    def fit(self, X, y, sample_weight=None):
        Recorder.seen.append(("fit", np.array(X), np.array(y)))
        return super().fit(X, y, sample_weight)

    def predict(self, X):
        Recorder.seen.append(("predict", np.array(X), None))
        return np.zeros(len(X), dtype=int)


def test_discriminative_split_and_subsample_protocol(real, same):
    # 40 real rows and 100 synthetic ones (marked by +10, so each row's set
    # shows), 3 splits: per split 30 rows of each set train and 10 of each
    # are held out; the 40 synthetic rows are drawn afresh for each split
    small_real = real[:40]
    marked = same[:100] + 10.0
    Recorder.seen = []
    score = discriminative_score(small_real, marked, classifier=Recorder(strategy="constant",
                                                                         constant=0),
                                 n_repeats=3, random_state=0)
    assert score == 0.0  # always predicting "real": half the held-out rows
    assert [kind for kind, _, _ in Recorder.seen] == ["fit", "predict"] * 3
    drawn = set()
    for (_, X_train, y_train), (_, X_test, _) in zip(Recorder.seen[::2], Recorder.seen[1::2]):
        is_synthetic = X_train[:, 0] > 5.0
        np.testing.assert_array_equal(is_synthetic, y_train == 1)
        assert (y_train == 1).sum() == (y_train == 0).sum() == 30
        assert (X_test[:, 0] > 5.0).sum() == (X_test[:, 0] < 5.0).sum() == 10
        assert np.abs(np.diff(y_train)).sum() > 10  # shuffled, not 30 of each in a block
        rows = np.vstack([X_train, X_test])
        assert len(np.unique(rows, axis=0)) == 80  # no row both trains and is held out
        assert len(np.unique(rows[rows[:, 0] < 5.0], axis=0)) == 40  # every real row
        drawn |= {tuple(r) for r in rows[rows[:, 0] > 5.0]}
    assert len(drawn) > 40  # another subsample of synthetic rows for each split


def test_discriminative_uses_a_clone_of_the_users_classifier(real, same):
    unlike = _unlike("shuffled in time", same)
    constant = DummyClassifier(strategy="constant", constant=1)
    params = constant.get_params()
    # a constant prediction is right on exactly half the held-out rows
    assert discriminative_score(real, unlike, classifier=constant, random_state=0) == 0.0
    with pytest.raises(NotFittedError):
        check_is_fitted(constant)
    assert constant.get_params() == params
    nearest = KNeighborsClassifier(n_neighbors=5)
    assert discriminative_score(real, unlike, classifier=nearest, random_state=0) >= 0.3
    with pytest.raises(NotFittedError):
        check_is_fitted(nearest)


def test_discriminative_is_deterministic_and_leaves_inputs_alone(real, same):
    synthetic = _unlike("amplitude x 1.5", same)[:200] * 0.7  # overlapping, unequal sizes
    real_before, synthetic_before = real.copy(), synthetic.copy()
    first = discriminative_score(real, synthetic, random_state=42)
    assert discriminative_score(real, synthetic, random_state=42) == first
    seeded = discriminative_score(real, synthetic, random_state=np.random.RandomState(42))
    assert 0.0 <= seeded <= 0.5
    scores = {discriminative_score(real, synthetic, n_repeats=1, random_state=seed)
              for seed in range(4)}
    assert len(scores) > 1  # the seed does pick the splits
    np.testing.assert_array_equal(real, real_before)
    np.testing.assert_array_equal(synthetic, synthetic_before)
    # real is read-only: a write would have raised


def test_discriminative_takes_lists_short_rows_and_huge_values(real, same):
    assert discriminative_score(real[:20].tolist(), same[:20].tolist(), random_state=0) <= 0.5
    one_step = discriminative_score(real[:, :1], same[:, :1] + 5.0, random_state=0)
    assert one_step == 0.5
    huge = discriminative_score(real * 1e300, same * 1.5e300, random_state=0)
    assert huge >= 0.3  # the common rescaling by a power of two keeps it finite
    tiny = discriminative_score(real * 1e-300, same * 1.5e-300, random_state=0)
    assert tiny >= 0.3


# --- predictive_score -------------------------------------------------------------

def test_predictive_real_distribution_forecasts_as_well_as_real(real, same):
    result = predictive_score(real, same, random_state=0)
    assert set(result) == {"synthetic_mae", "real_mae", "n_past"}
    assert result.n_past == 80  # the first 80 % of the steps
    assert isinstance(result.synthetic_mae, float) and isinstance(result.real_mae, float)
    # measured ratios 0.81 to 1.05 over 5 seeds (more synthetic rows than real
    # training rows: 300 against 225)
    assert 0.7 < result.synthetic_mae / result.real_mae < 1.2
    # the noise std is 0.01: the real error is small, but above that floor
    assert 0.005 < result.real_mae < 0.05


def test_predictive_white_noise_or_reversed_rows_forecast_badly(real, same):
    rng = np.random.default_rng(0)
    noise = rng.normal(scale=real.std(), size=same.shape)
    result = predictive_score(real, noise, random_state=0)
    assert result.synthetic_mae > 5 * result.real_mae  # measured 31 to 43 times
    result = predictive_score(real, same[:, ::-1], random_state=0)
    assert result.synthetic_mae > 2 * result.real_mae  # measured 3.3 to 4.8 times


def test_predictive_protocol_by_hand(same):
    # real rows all equal: whatever the split, the held-out rows are `row`;
    # a regressor predicting the mean future of the synthetic rows is off
    # by |mean - row| at each future step
    row = same[0]
    real = np.tile(row, (12, 1))
    mean = DummyRegressor(strategy="mean")
    for n_past in (30, N_STEPS - 1):  # several future steps, and a single one
        result = predictive_score(real, same, n_past=n_past, regressor=mean, random_state=0)
        expected = np.mean(np.abs(same[:, n_past:].mean(axis=0) - row[n_past:]))
        assert result.n_past == n_past
        assert result.synthetic_mae == pytest.approx(expected, rel=1e-12)
        assert result.real_mae == pytest.approx(0.0, abs=1e-12)


def test_predictive_both_errors_are_on_the_same_held_out_real_rows(real, same):
    zero = DummyRegressor(strategy="constant", constant=np.zeros(N_STEPS - 80))
    result = predictive_score(real, same, regressor=zero, random_state=1)
    assert result.synthetic_mae == result.real_mae > 0.0


def test_predictive_single_future_step_with_the_default_regressor(real, same):
    last = predictive_score(real, same, n_past=N_STEPS - 1, random_state=0)
    # one value left to predict: its error is about the noise (0.01 std)
    assert last.n_past == N_STEPS - 1
    assert 0.002 < last.real_mae < 0.05 and 0.002 < last.synthetic_mae < 0.05
    # and the user's single-output regressor sees a 1-D target
    assert predictive_score(real, same, n_past=N_STEPS - 1,
                            regressor=LinearRegression(), random_state=0).real_mae < 0.05


def test_predictive_uses_a_clone_of_the_users_regressor(real, same):
    ridge = Ridge(alpha=1e-3)
    params = ridge.get_params()
    result = predictive_score(real, same, regressor=ridge, random_state=0)
    assert result != predictive_score(real, same, random_state=0)
    with pytest.raises(NotFittedError):
        check_is_fitted(ridge)
    assert ridge.get_params() == params
    assert result == predictive_score(real, same, regressor=clone(ridge), random_state=0)


def test_predictive_is_deterministic_and_leaves_inputs_alone(real, same):
    real_before, same_before = real.copy(), same.copy()
    first = predictive_score(real, same, n_past=50, random_state=3)
    assert predictive_score(real, same, n_past=50, random_state=3) == first
    assert first.n_past == 50
    assert predictive_score(real, same, n_past=50, random_state=4) != first
    assert np.isfinite(predictive_score(
        real, same, random_state=np.random.RandomState(0)).real_mae)
    np.testing.assert_array_equal(real, real_before)
    np.testing.assert_array_equal(same, same_before)


def test_predictive_default_scales_with_the_data(real, same):
    # the default regressor sees the rows divided by a power of two: scaling
    # both sets by one scales both errors by it, exactly
    base = predictive_score(real, same, random_state=0)
    scaled = predictive_score(real * 2.0**20, same * 2.0**20, random_state=0)
    assert scaled.synthetic_mae == base.synthetic_mae * 2.0**20
    assert scaled.real_mae == base.real_mae * 2.0**20
    huge = predictive_score(real * 1e300, same * 1e300, random_state=0)
    assert np.isfinite(huge.synthetic_mae) and np.isfinite(huge.real_mae)


def test_default_n_past_is_80_percent_and_at_least_one(real, same):
    assert predictive_score(real[:, :2], same[:, :2], random_state=0).n_past == 1
    assert predictive_score(real[:, :7], same[:, :7], random_state=0).n_past == 5


# --- validation ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def small(real, same):
    return real[:20], same[:20]


def _calls(real, synthetic, **kwargs):
    """Both scores, with the same arguments."""
    return [lambda: discriminative_score(real, synthetic, random_state=0, **kwargs),
            lambda: predictive_score(real, synthetic, random_state=0, **kwargs)]


@pytest.mark.parametrize("which", [0, 1], ids=["discriminative", "predictive"])
def test_bad_arrays_raise_errors_naming_the_argument(small, which):
    real, synthetic = small
    with_nan = real.copy()
    with_nan[3, 5] = np.nan
    with_inf = synthetic.copy()
    with_inf[0, 0] = np.inf
    cases = [
        ((real[0], synthetic), ValueError, r"real must be a 2-D array"),
        ((real, synthetic[0]), ValueError, r"synthetic must be a 2-D array"),
        ((real[None], synthetic), ValueError, r"real must be a 2-D array"),
        ((with_nan, synthetic), ValueError, r"real contains NaN"),
        ((real, with_inf), ValueError, r"synthetic contains infinity"),
        ((real, synthetic[:, :90]), ValueError,
         r"real and synthetic must have the same number of columns .*100 and 90"),
        ((real, [["a"] * N_STEPS] * 20), ValueError, r"synthetic"),
        ((None, synthetic), TypeError, r"real"),
        ((real[:2], synthetic), ValueError, r"real has 2 rows.*at least 3 rows"),
    ]
    for (first, second), kind, match in cases:
        with pytest.raises(kind, match=match):
            _calls(first, second)[which]()


def test_too_few_rows_says_how_many_are_needed(small):
    real, synthetic = small
    with pytest.raises(ValueError, match=r"synthetic has 2 rows.*at least 3 rows"):
        discriminative_score(real, synthetic[:2])
    with pytest.raises(ValueError, match=r"real has 7 rows.*at least 10 rows"):
        discriminative_score(real[:7], synthetic, test_size=0.8)
    with pytest.raises(ValueError, match=r"real has 20 rows.*at least 40 rows"):
        predictive_score(real, synthetic, test_size=0.95)
    with pytest.raises(ValueError, match=r"synthetic must have at least 2 rows"):
        predictive_score(real, synthetic[:1])
    with pytest.raises(ValueError, match=r"real must have at least 2 columns"):
        predictive_score(real[:, :1], synthetic[:, :1])
    # just enough: 3 rows split into 2 training rows and 1 test row
    assert 0.0 <= discriminative_score(real[:3], synthetic[:3], random_state=0) <= 0.5
    assert np.isfinite(predictive_score(real[:3], synthetic[:2], random_state=0).real_mae)


@pytest.mark.parametrize("which", [0, 1], ids=["discriminative", "predictive"])
@pytest.mark.parametrize("test_size", [0, 0.0, 1, 1.0, 1.5, -0.1, np.nan, "0.25", None, True])
def test_bad_test_size(small, which, test_size):
    with pytest.raises(ValueError, match=r"'test_size' parameter"):
        _calls(*small, test_size=test_size)[which]()


@pytest.mark.parametrize("which", [0, 1], ids=["discriminative", "predictive"])
@pytest.mark.parametrize("random_state", ["x", 1.5, -1, [0]])
def test_bad_random_state(small, which, random_state):
    real, synthetic = small
    calls = [lambda: discriminative_score(real, synthetic, random_state=random_state),
             lambda: predictive_score(real, synthetic, random_state=random_state)]
    with pytest.raises(ValueError, match=r"'random_state' parameter"):
        calls[which]()


@pytest.mark.parametrize("n_past", [0, -1, 2.5, True, "80"])
def test_bad_n_past_type_or_below_one(small, n_past):
    with pytest.raises(ValueError, match=r"'n_past' parameter"):
        predictive_score(*small, n_past=n_past)


@pytest.mark.parametrize("n_past", [N_STEPS, N_STEPS + 1])
def test_n_past_must_leave_a_step_to_predict(small, n_past):
    with pytest.raises(ValueError, match=r"n_past must be in \[1, n_steps - 1\] = \[1, 99\]"):
        predictive_score(*small, n_past=n_past)


@pytest.mark.parametrize("n_repeats", [0, -2, 1.0, True, None])
def test_bad_n_repeats(small, n_repeats):
    with pytest.raises(ValueError, match=r"'n_repeats' parameter"):
        discriminative_score(*small, n_repeats=n_repeats)


def test_bad_estimators(small):
    with pytest.raises(ValueError, match=r"'classifier' parameter.*got the class itself"):
        discriminative_score(*small, classifier=KNeighborsClassifier)
    with pytest.raises(ValueError, match=r"'classifier' parameter"):
        discriminative_score(*small, classifier="knn")
    with pytest.raises(ValueError, match=r"'regressor' parameter.*got the class itself"):
        predictive_score(*small, regressor=Ridge)
    with pytest.raises(ValueError, match=r"'regressor' parameter"):
        predictive_score(*small, regressor=3)


def test_a_regressor_that_does_not_predict_every_step_is_refused(small):
    class FirstStepOnly(Ridge):
        def predict(self, X):
            return super().predict(X)[:, 0]

    with pytest.raises(ValueError, match=r"regressor predicted an array of shape"):
        predictive_score(*small, regressor=FirstStepOnly())
