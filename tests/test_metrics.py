"""Tests of pendsk.metrics: MMD², the mutual information gap, active units."""

import math
import statistics

import numpy as np
import pytest

from pendsk.metrics import (active_dimensions, maximum_mean_discrepancy,
                            mutual_information_gap)

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
