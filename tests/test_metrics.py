"""Tests of pendsk.metrics: MMD², the mutual information gap, DCI, active units."""

import math
import statistics

import numpy as np
import pytest
from scipy.stats import entropy
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.linear_model import LinearRegression

from pendsk.metrics import (active_dimensions, dci, disentanglement_completeness,
                            maximum_mean_discrepancy, mutual_information_gap)

pytestmark = pytest.mark.filterwarnings("error")


def naive_mmd2(X, Y, bandwidth="median"):
    """Unbiased MMD² with plain Python loops, independent of the module."""
    X, Y = np.asarray(X).tolist(), np.asarray(Y).tolist()
    n, m = len(X), len(Y)

    def sq_dist(a, b):
        return sum((ai - bi) ** 2 for ai, bi in zip(a, b))

    if bandwidth == "median":
        pooled = X + Y
        sigma2 = statistics.median(sq_dist(pooled[i], pooled[j])
                                   for i in range(n + m) for j in range(i + 1, n + m))
    else:
        sigma2 = bandwidth ** 2

    def k(a, b):
        return math.exp(-sq_dist(a, b) / (2 * sigma2))

    xx = sum(k(X[i], X[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(k(Y[i], Y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(a, b) for a in X for b in Y) / (n * m)
    return xx + yy - 2 * xy


# --- maximum_mean_discrepancy -------------------------------------------------

def test_mmd_same_distribution_small_shifted_large():
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(500, 5)), rng.normal(size=(500, 5))
    same = maximum_mean_discrepancy(X, Y)
    shifted = maximum_mean_discrepancy(X, Y + 1.0)
    assert isinstance(same, float)
    assert abs(same) < 0.01
    assert shifted > 0.1


def test_mmd_tiny_case_by_hand():
    # X = Y = [[0], [1]], sigma = 1: k(0, 1) = exp(-1/2), k(a, a) = 1.
    # within-X: 2 exp(-1/2) / (2 * 1); within-Y the same;
    # cross: (1 + exp(-1/2) + exp(-1/2) + 1) / 4.
    e = math.exp(-0.5)
    expected = e + e - 2 * (2 + 2 * e) / 4
    X = np.array([[0.0], [1.0]])
    assert maximum_mean_discrepancy(X, X, bandwidth=1.0) == pytest.approx(expected, rel=1e-14)
    assert expected < 0  # the unbiased estimate can be negative


def test_mmd_median_zero_falls_back_to_unit_bandwidth():
    # All rows identical: every kernel value is 1, MMD² = 1 + 1 - 2 = 0.
    X = np.ones((3, 2))
    assert maximum_mean_discrepancy(X, X) == 0.0
    # Pooled rows: five 0s and two 1s, 10 of 21 pairs differ, so the median is 0 and
    # sigma² = 1, k(0, 1) = exp(-1/2). Within X: 1; within Y = {0, 1, 1}: (2k + 1) / 3;
    # across: (1 + 2k) / 3. MMD² = 1 + (2k + 1) / 3 - 2 (1 + 2k) / 3 = (2 - 2k) / 3.
    k = math.exp(-0.5)
    X, Y = np.zeros((4, 1)), np.array([[0.0], [1.0], [1.0]])
    assert maximum_mean_discrepancy(X, Y) == pytest.approx((2 - 2 * k) / 3, rel=1e-14)


@pytest.mark.parametrize("bandwidth", ["median", 0.7, 3.0])
def test_mmd_matches_naive_loops(bandwidth):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 3))
    Y = rng.normal(loc=0.5, size=(5, 3))
    assert maximum_mean_discrepancy(X, Y, bandwidth=bandwidth) == pytest.approx(
        naive_mmd2(X, Y, bandwidth), rel=1e-12)


def test_mmd_symmetric_and_scale_invariant_with_median():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(30, 2))
    Y = rng.normal(scale=2.0, size=(20, 2))
    value = maximum_mean_discrepancy(X, Y)
    assert maximum_mean_discrepancy(Y, X) == pytest.approx(value, rel=1e-12)
    assert maximum_mean_discrepancy(10 * X, 10 * Y) == pytest.approx(value, rel=1e-10)
    # a fixed bandwidth is not scale invariant
    assert maximum_mean_discrepancy(10 * X, 10 * Y, bandwidth=1.0) != pytest.approx(
        maximum_mean_discrepancy(X, Y, bandwidth=1.0), rel=1e-3)


def test_mmd_accepts_lists_and_ints_and_does_not_modify_inputs():
    X = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    Y = np.array([[1.0, 1.0], [0.0, 2.0]])
    X_copy, Y_copy = X.copy(), Y.copy()
    value = maximum_mean_discrepancy(X, Y)
    np.testing.assert_array_equal(X, X_copy)
    np.testing.assert_array_equal(Y, Y_copy)
    assert maximum_mean_discrepancy(X.tolist(), Y.astype(int).tolist()) == pytest.approx(
        value, rel=1e-12)


# --- mutual_information_gap ---------------------------------------------------

def factors_and_noise(n=5000, seed=0):
    rng = np.random.default_rng(seed)
    factors = np.column_stack([rng.uniform(size=n), rng.normal(size=n),
                               rng.integers(0, 3, size=n)])
    noise = rng.normal(size=(n, 3))
    return factors, noise


def test_mig_latent_copy_of_a_factor_is_one():
    factors, noise = factors_and_noise()
    latents = np.column_stack([noise[:, 0], 3.0 * factors[:, 1] - 1.0, noise[:, 1]])
    gaps = mutual_information_gap(latents, factors, multioutput="raw_values")
    assert gaps.shape == (3,)
    assert gaps[1] >= 0.9
    assert gaps[0] < 0.05  # encoded by no latent
    assert gaps[2] < 0.05


def test_mig_two_copies_of_one_factor_have_no_gap():
    factors, noise = factors_and_noise()
    latents = np.column_stack([factors[:, 0], noise[:, 0], 2.0 * factors[:, 0] + 5.0])
    gaps = mutual_information_gap(latents, factors, multioutput="raw_values")
    assert gaps[0] < 0.1


def test_mig_categorical_factor_with_few_values():
    rng = np.random.default_rng(3)
    labels = rng.choice([1.0, 5.0, 7.5], size=2000)
    latents = np.column_stack([labels + 0.01 * rng.normal(size=2000),
                               rng.normal(size=2000)])
    gaps = mutual_information_gap(latents, labels[:, None], multioutput="raw_values")
    assert gaps.shape == (1,)
    assert gaps[0] >= 0.9
    # the labels' values do not matter, only which rows share one
    relabelled = np.choose(np.searchsorted([1.0, 5.0, 7.5], labels), [-3, 0, 100])
    np.testing.assert_allclose(
        mutual_information_gap(latents, relabelled[:, None], multioutput="raw_values"),
        gaps, rtol=1e-12)


def test_mig_invariant_to_latent_permutation_and_average():
    factors, noise = factors_and_noise(n=2000, seed=4)
    latents = np.column_stack([factors[:, 0] + 0.1 * noise[:, 0], noise[:, 1],
                               factors[:, 2] + 0.3 * noise[:, 2], factors[:, 1]])
    raw = mutual_information_gap(latents, factors, multioutput="raw_values")
    permuted = mutual_information_gap(latents[:, [3, 1, 0, 2]], factors,
                                      multioutput="raw_values")
    np.testing.assert_allclose(permuted, raw, rtol=1e-12)
    mean = mutual_information_gap(latents, factors)
    assert isinstance(mean, float)
    assert mean == pytest.approx(raw.mean(), rel=1e-12)
    assert np.all((raw >= 0) & (raw <= 1))


def test_mig_constant_latent_carries_nothing(recwarn):
    factors, noise = factors_and_noise(n=1000)
    latents = np.column_stack([np.full(1000, 2.0), factors[:, 1]])
    gaps = mutual_information_gap(latents, factors, multioutput="raw_values")
    assert gaps[1] == pytest.approx(1.0)
    assert len(recwarn) == 0  # KBinsDiscretizer's constant-feature warning is not raised


def test_mig_does_not_modify_inputs():
    factors, noise = factors_and_noise(n=500)
    latents = noise.copy()
    f_copy, l_copy = factors.copy(), latents.copy()
    mutual_information_gap(latents, factors)
    np.testing.assert_array_equal(factors, f_copy)
    np.testing.assert_array_equal(latents, l_copy)


def test_mig_of_a_code_correlating_099_is_capped_well_below_one():
    # the setup of the docstring's Notes: z1 = v + N(0, (0.1425 sd(v))^2), v uniform
    # (correlation 0.99), z2 pure noise; 10 equal-width bins, 1000 rows
    gaps = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        factor = rng.uniform(size=1000)
        code = factor + 0.1425 * factor.std() * rng.standard_normal(1000)
        assert np.corrcoef(code, factor)[0, 1] == pytest.approx(0.99, abs=0.002)
        latents = np.column_stack([code, rng.standard_normal(1000)])
        gaps.append(mutual_information_gap(latents, factor[:, None], n_bins=10))
    assert 0.58 < np.mean(gaps) < 0.68  # Notes: 0.63 over 50 seeds
    # 20 bins on 200 rows: the plug-in bias, about 19² / 400 nats, lowers it further
    rng = np.random.default_rng(0)
    factor = rng.uniform(size=200)
    code = factor + 0.1425 * factor.std() * rng.standard_normal(200)
    latents = np.column_stack([code, rng.standard_normal(200)])
    assert mutual_information_gap(latents, factor[:, None], n_bins=20) < 0.5


# --- disentanglement_completeness ---------------------------------------------

def reference_dc(importance_matrix):
    """The formulas of disentanglement_lib's dci.py, epsilon included."""
    R = np.asarray(importance_matrix, dtype=float)
    per_code = 1.0 - entropy(R.T + 1e-11, base=R.shape[1])
    per_factor = 1.0 - entropy(R + 1e-11, base=R.shape[0])
    return (np.sum(per_code * R.sum(axis=1) / R.sum()),
            np.sum(per_factor * R.sum(axis=0) / R.sum()))


@pytest.mark.parametrize("matrix", [np.eye(2), np.eye(5), 7.0 * np.eye(3),
                                    [[0.0, 2.0], [3.0, 0.0], [0.0, 0.0]]])
def test_dc_one_latent_per_factor_is_one(matrix):
    assert disentanglement_completeness(matrix) == (1.0, 1.0)


@pytest.mark.parametrize("shape", [(2, 2), (3, 3), (4, 2), (2, 5)])
def test_dc_uniform_matrix_is_zero(shape):
    d, c = disentanglement_completeness(np.full(shape, 0.3))
    assert d == pytest.approx(0.0, abs=1e-12)
    assert c == pytest.approx(0.0, abs=1e-12)
    assert d >= 0.0 and c >= 0.0


def test_dc_by_hand():
    # latent 0: shares (1/2, 1/2), D_0 = 0; latent 1: (0, 1), D_1 = 1; weights 2/4, 2/4.
    # factor 0: shares (1, 0), C_0 = 1; factor 1: (1/3, 2/3), C_1 = 1 - H_2; weights 1/4, 3/4.
    h2 = -(math.log(1 / 3) / 3 + 2 * math.log(2 / 3) / 3) / math.log(2)
    d, c = disentanglement_completeness([[1.0, 1.0], [0.0, 2.0]])
    assert d == pytest.approx(0.5, rel=1e-14)
    assert c == pytest.approx(0.25 + 0.75 * (1.0 - h2), rel=1e-14)
    assert isinstance(d, float) and isinstance(c, float)


def test_dc_zero_lines_weigh_nothing():
    # factor 1 matters to no latent: C_1 = 0 with weight 0; factor 0 is shared equally
    assert disentanglement_completeness([[1.0, 0.0], [1.0, 0.0]]) == pytest.approx((1.0, 0.0))
    assert disentanglement_completeness(np.zeros((3, 2))) == (0.0, 0.0)


def test_dc_matches_reference_and_ignores_scale():
    rng = np.random.default_rng(6)
    matrix = rng.uniform(size=(5, 3)) ** 3
    expected = reference_dc(matrix)
    np.testing.assert_allclose(disentanglement_completeness(matrix), expected, rtol=1e-8)
    for scale in (1e-300, 1e300):
        np.testing.assert_allclose(disentanglement_completeness(scale * matrix), expected,
                                   rtol=1e-8)
    # swapping latents for factors swaps the two scores
    np.testing.assert_allclose(disentanglement_completeness(matrix.T), expected[::-1],
                               rtol=1e-8)


# --- dci ----------------------------------------------------------------------

def uniform_factors(n=1000, seed=7):
    return np.random.default_rng(seed).uniform(size=(n, 3))


def test_dci_permuted_and_scaled_copy_is_near_perfect():
    factors = uniform_factors()
    latents = factors[:, [2, 0, 1]] * [4.0, -0.3, 25.0] + 1.0
    result = dci(latents, factors, random_state=0)
    assert set(result) == {"disentanglement", "completeness", "informativeness",
                           "informativeness_per_factor", "importance_matrix"}
    assert result.importance_matrix.shape == (3, 3)
    np.testing.assert_array_equal(result.importance_matrix.argmax(axis=0), [1, 2, 0])
    assert result.disentanglement > 0.99
    assert result.completeness > 0.99
    assert result.informativeness > 0.99
    assert result.informativeness_per_factor.shape == (3,)
    assert np.all(result.informativeness_per_factor > 0.99)
    assert result.informativeness == pytest.approx(result.informativeness_per_factor.mean())
    # the default regressor's normalised importances: every column sums to 1
    np.testing.assert_allclose(result.importance_matrix.sum(axis=0), 1.0)


def test_dci_noise_latents_are_uninformative_and_spread():
    factors = uniform_factors()
    latents = np.random.default_rng(8).normal(size=(1000, 4))
    result = dci(latents, factors, random_state=0)
    assert result.informativeness < 0.05
    assert np.all(result.informativeness_per_factor < 0.05)
    assert result.disentanglement < 0.1
    assert result.completeness < 0.1


def test_dci_mixed_latents_are_informative_but_entangled():
    factors = uniform_factors()
    latents = factors @ np.array([[1.0, 1.0, 1.0], [1.0, -1.0, 0.0], [1.0, 1.0, -2.0]])
    result = dci(latents, factors, random_state=0)
    assert result.informativeness > 0.9
    assert result.disentanglement < 0.5
    assert result.completeness < 0.5


def test_dci_permutation_importance_without_feature_importances():
    factors = uniform_factors()
    latents = factors[:, [1, 2, 0]] * [2.0, 3.0, -1.0]
    result = dci(latents, factors, regressor=LinearRegression(), random_state=0)
    assert result.informativeness == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_array_equal(result.importance_matrix.argmax(axis=0), [2, 0, 1])
    # shuffling an exactly linear copy costs an R² of about 2 (1 - (-1)); others nothing
    assert result.importance_matrix.max(axis=0) == pytest.approx(2.0, abs=0.2)
    assert result.disentanglement == pytest.approx(1.0, abs=1e-9)
    assert result.completeness == pytest.approx(1.0, abs=1e-9)


def test_dci_regressor_is_cloned_and_random_state_reproducible():
    factors = uniform_factors(n=300)
    latents = factors + 0.1 * np.random.default_rng(9).normal(size=(300, 3))
    regressor = GradientBoostingRegressor(n_estimators=20, random_state=0)
    first = dci(latents, factors, regressor=regressor, random_state=1)
    assert not hasattr(regressor, "feature_importances_")  # never fitted itself
    again = dci(latents, factors, regressor=regressor, random_state=1)
    np.testing.assert_array_equal(first.importance_matrix, again.importance_matrix)
    assert first.informativeness == again.informativeness
    other = dci(latents, factors, regressor=regressor, random_state=2)  # another split
    assert other.informativeness != first.informativeness
    assert dci(latents, factors, random_state=3).importance_matrix.tolist() == dci(
        latents, factors, random_state=3).importance_matrix.tolist()


def test_dci_test_size_counts_rows():
    factors = uniform_factors(n=40)
    latents = factors[:, ::-1]
    n_test = []

    class Recorder(LinearRegression):
        def predict(self, X):
            n_test.append(len(X))
            return super().predict(X)

    dci(latents, factors, regressor=Recorder(), test_size=7, random_state=0)
    assert set(n_test) == {7}
    n_test.clear()
    dci(latents, factors, regressor=Recorder(), test_size=0.5, random_state=0)
    assert set(n_test) == {20}


def test_dci_accepts_lists_and_does_not_modify_inputs():
    factors = uniform_factors(n=100)
    latents = factors[:, ::-1].copy()
    f_copy, l_copy = factors.copy(), latents.copy()
    result = dci(latents, factors, regressor=LinearRegression(), random_state=0)
    np.testing.assert_array_equal(factors, f_copy)
    np.testing.assert_array_equal(latents, l_copy)
    from_lists = dci(latents.tolist(), factors.tolist(), regressor=LinearRegression(),
                     random_state=0)
    np.testing.assert_array_equal(from_lists.importance_matrix, result.importance_matrix)


# --- active_dimensions --------------------------------------------------------

def test_active_dimensions():
    rng = np.random.default_rng(5)
    latents = np.column_stack([rng.normal(size=1000), 1e-2 * rng.normal(size=1000),
                               np.full(1000, 3.0)])
    active = active_dimensions(latents)
    assert active.dtype == bool
    np.testing.assert_array_equal(active, [True, False, False])
    np.testing.assert_array_equal(active_dimensions(latents, threshold=0.0),
                                  [True, True, False])
    np.testing.assert_array_equal(active_dimensions(latents, threshold=2.0),
                                  [False, False, False])


# --- bad input ----------------------------------------------------------------

GOOD = np.arange(12, dtype=float).reshape(4, 3) % 5


@pytest.mark.parametrize("X, Y, match", [
    ([[0.0, np.nan], [1.0, 2.0]], GOOD[:, :2], "Input X contains NaN"),
    (GOOD[:, :2], [[0.0, np.inf], [1.0, 2.0]], "Input Y contains infinity"),
    ([0.0, 1.0, 2.0], GOOD, "X must be a 2-D array"),
    (GOOD, np.zeros((2, 2, 2)), "Y must be a 2-D array"),
    (GOOD, GOOD[:, :2], "X and Y must have the same number of columns"),
    (GOOD[:1], GOOD, "X must have at least 2 rows"),
    (GOOD, GOOD[:1], "Y must have at least 2 rows"),
    ([["a", "b"], ["c", "d"]], GOOD[:, :2], "not compatible with arrays of bytes/strings"),
    ("abc", GOOD, "'X' parameter"),
])
def test_mmd_bad_arrays(X, Y, match):
    with pytest.raises(ValueError, match=match):
        maximum_mean_discrepancy(X, Y)


@pytest.mark.parametrize("bandwidth", [0, -1, "mean", np.nan, None])
def test_mmd_bad_bandwidth(bandwidth):
    with pytest.raises(ValueError, match="'bandwidth' parameter"):
        maximum_mean_discrepancy(GOOD, GOOD, bandwidth=bandwidth)


@pytest.mark.parametrize("latents, factors, match", [
    ([[0.0, np.nan]] * 4, GOOD, "Input latents contains NaN"),
    (GOOD, [[np.inf]] * 4, "Input factors contains infinity"),
    (GOOD[:, 0], GOOD, "latents must be a 2-D array"),
    (GOOD, GOOD[:, 0], "factors must be a 2-D array"),
    (GOOD[:, :1], GOOD, "latents must have at least 2 columns"),
    (GOOD, GOOD[:3], "latents and factors must have the same number of rows"),
    (GOOD, np.column_stack([GOOD, np.ones(4)]), "factors column 3 is constant"),
    # one row: no information to measure (found by hypothesis)
    (GOOD[:1], GOOD[:1], "latents must have at least 2 rows; got 1"),
    (GOOD, [[0.0]], "factors must have at least 2 rows; got 1"),
])
def test_mig_bad_arrays(latents, factors, match):
    with pytest.raises(ValueError, match=match):
        mutual_information_gap(latents, factors)


@pytest.mark.parametrize("n_bins", [1, 0, 2.5, "a", None])
def test_mig_bad_n_bins(n_bins):
    with pytest.raises(ValueError, match="'n_bins' parameter"):
        mutual_information_gap(GOOD, GOOD, n_bins=n_bins)


@pytest.mark.parametrize("multioutput", ["variance_weighted", None, "raw"])
def test_mig_bad_multioutput(multioutput):
    with pytest.raises(ValueError, match="'multioutput' parameter"):
        mutual_information_gap(GOOD, GOOD, multioutput=multioutput)


@pytest.mark.parametrize("latents, match", [
    ([[np.nan, 1.0], [0.0, 1.0]], "Input latents contains NaN"),
    ([0.0, 1.0], "latents must be a 2-D array"),
    ([[0.0, 1.0]], "latents must have at least 2 rows"),
])
def test_active_dimensions_bad_latents(latents, match):
    with pytest.raises(ValueError, match=match):
        active_dimensions(latents)


@pytest.mark.parametrize("threshold", [-0.1, np.nan, "0.01"])
def test_active_dimensions_bad_threshold(threshold):
    with pytest.raises(ValueError, match="'threshold' parameter"):
        active_dimensions(GOOD, threshold=threshold)


@pytest.mark.parametrize("matrix, match", [
    ([[1.0, -0.1], [0.0, 1.0]], "importance_matrix must be non-negative"),
    ([[1.0, np.nan], [0.0, 1.0]], "Input importance_matrix contains NaN"),
    ([1.0, 0.0], r"importance_matrix must be a 2-D array of shape \(n_latents, n_factors\)"),
    ([[1.0, 0.0]], "importance_matrix must have at least 2 rows; got 1"),
    ([[1.0], [0.0]], "importance_matrix must have at least 2 columns; got 1"),
    (np.zeros((0, 2)), "importance_matrix must not be empty"),
    ([["a", "b"], ["c", "d"]], "Invalid importance_matrix: .*strings"),
    ("abc", "'importance_matrix' parameter"),
])
def test_dc_bad_matrix(matrix, match):
    with pytest.raises(ValueError, match=match):
        disentanglement_completeness(matrix)


FACTORS = np.arange(24, dtype=float).reshape(8, 3) % 5


@pytest.mark.parametrize("latents, factors, match", [
    ([[0.0, np.nan]] * 8, FACTORS, "Input latents contains NaN"),
    (FACTORS, [[np.inf, 1.0]] * 8, "Input factors contains infinity"),
    (FACTORS[:, 0], FACTORS, r"latents must be a 2-D array of shape \(n_samples, n_latents\)"),
    (FACTORS, FACTORS[:, 0], r"factors must be a 2-D array of shape \(n_samples, n_factors\)"),
    (FACTORS[:, :1], FACTORS, "latents must have at least 2 columns"),
    (FACTORS, FACTORS[:, :1], "factors must have at least 2 columns"),
    (FACTORS, FACTORS[:7], "latents and factors must have the same number of rows"),
    (FACTORS, np.column_stack([FACTORS, np.ones(8)]), "factors column 3 is constant"),
    (FACTORS[:1], FACTORS[:1], "latents must have at least 2 rows; got 1"),
    # 8 rows, a quarter held out: 6 and 2 rows; 5 rows: 3 and 2; 4 rows: 3 and 1
    (FACTORS[:4], FACTORS[:4], "latents and factors have 4 rows, which test_size=0.25 splits into 3 training and 1 test rows"),
])
def test_dci_bad_arrays(latents, factors, match):
    with pytest.raises(ValueError, match=match):
        dci(latents, factors)


@pytest.mark.parametrize("kwargs, match", [
    (dict(test_size=0.0), "'test_size' parameter"),
    (dict(test_size=1.0), "'test_size' parameter"),
    (dict(test_size=True), "'test_size' parameter"),
    (dict(test_size="0.2"), "'test_size' parameter"),
    (dict(test_size=8), "test_size=8 should be"),
    (dict(test_size=7), "have 8 rows, which test_size=7 splits into 1 training and 7 test rows"),
    (dict(regressor="gbr"), "'regressor' parameter"),
    (dict(regressor=LinearRegression), "'regressor' parameter"),
    (dict(random_state="seed"), "'random_state' parameter"),
])
def test_dci_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dci(FACTORS, FACTORS, **kwargs)


def test_dci_of_factors_whose_variance_overflows_names_factors():
    rng = np.random.default_rng(0)
    latents = rng.normal(size=(60, 2))
    with pytest.raises(ValueError, match="factors column 0 holds values too large"):
        dci(latents, np.column_stack([latents[:, 0] * 1e300, latents[:, 1]]), random_state=0)
    with pytest.raises(ValueError, match="Invalid latents: .*too large"):
        dci(latents * 1e300, latents, random_state=0)


def test_dci_of_latents_that_never_help_gives_zero_importances():
    # the trees never split: scikit-learn's importances are 0 / 0 (NaN)
    factors = np.column_stack([np.arange(20.0), np.arange(20.0) % 3])
    result = dci(np.zeros((20, 2)), factors, random_state=0)
    assert (result.importance_matrix == 0).all()
    assert math.isfinite(result.disentanglement) and math.isfinite(result.completeness)
