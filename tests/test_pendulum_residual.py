"""Tests of pendsk._pendulum_fit.pendulum_residual: the least-squares
distance of trajectories from the undamped pendulum.

The reference trajectories come from the numpy simulator
(:func:`pendsk.physics.solvers.simulate`) and :func:`pendsk.datasets.make_pendulum`;
the expectations are physical: a noisy pendulum scores its noise level
``sigma * sqrt(1 - 3 / n_steps)``, at least as well as its true
parameters do, and rows that no undamped pendulum follows score more.
"""

import itertools

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

import pendsk._pendulum_fit as pendulum_fit
from pendsk.metrics import pendulum_residual
from pendsk.datasets import make_pendulum
from pendsk.physics.solvers import simulate

pytestmark = pytest.mark.filterwarnings("error")

G = 9.81


def rms(a):
    return np.sqrt(np.mean(np.asarray(a) ** 2, axis=1))


def random_pendulums(n, rng):
    """``(theta0, omega0, length)`` over the ranges the fit promises."""
    return (rng.uniform(-2.5, 2.5, n), rng.uniform(-1.5, 1.5, n), rng.uniform(0.5, 3.0, n))


# -- exact and noisy pendulums ------------------------------------------------

@pytest.mark.parametrize("dt, n_steps", [(0.01, 500), (0.05, 120), (0.02, 40)])
def test_noise_free_rows_are_fitted_exactly(dt, n_steps):
    grid = np.array(list(itertools.product([-2.5, -1.0, 0.3, 1.5, 2.5], [-1.5, 0.0, 1.5],
                                           [0.5, 1.2, 3.0])))
    X = simulate(grid[:, 0], grid[:, 1], grid[:, 2], 1.0, g=G, dt=dt, n_steps=n_steps)
    residual, factors = pendulum_residual(X, dt=dt, g=G, return_factors=True)
    assert residual.max() < 1e-6
    np.testing.assert_allclose(factors[:, :2], grid[:, :2], atol=1e-6)
    np.testing.assert_allclose(factors[:, 2], grid[:, 2], rtol=1e-6)


def test_rotating_rows_are_in_the_model():
    # over the top (energy above the separatrix): RK4 on both sides
    rng = np.random.default_rng(3)
    length = rng.uniform(0.5, 3.0, 20)
    omega0 = rng.choice([-1.0, 1.0], 20) * rng.uniform(2.2, 4.0, 20) * np.sqrt(G / length)
    theta0 = rng.uniform(-1.0, 1.0, 20)
    X = simulate(theta0, omega0, length, 1.0, g=G, n_steps=300)
    assert np.ptp(X, axis=1).min() > 2 * np.pi  # they do go round
    residual, factors = pendulum_residual(X, g=G, return_factors=True)
    assert residual.max() < 1e-6
    np.testing.assert_allclose(factors[:, 2], length, rtol=1e-6)


@pytest.mark.parametrize("sigma", [0.01, 0.05])
def test_noisy_rows_score_their_noise_level(sigma):
    rng = np.random.default_rng(int(sigma * 1000))
    n, n_steps = 200, 500
    theta0, omega0, length = random_pendulums(n, rng)
    clean = simulate(theta0, omega0, length, 1.0, g=G, n_steps=n_steps)
    X = clean + rng.normal(0.0, sigma, clean.shape)
    residual = pendulum_residual(X, g=G)
    expected = sigma * np.sqrt(1 - 3 / n_steps)
    assert abs(np.median(residual) / expected - 1) < 0.03
    assert np.percentile(residual, 90) < 1.05 * sigma
    # the true parameters are one candidate: the fit does at least as well
    # in every row (no row left in a local minimum)
    assert np.all(residual <= rms(X - clean) * (1 + 1e-9))


def test_simulated_dataset_noise_level_and_factors():
    # the check of the brief: make_pendulum's article ranges, g = 10
    X, truth = make_pendulum(200, n_steps=500, noise_std=0.01, noise_growth=0.0, g=10,
                             random_state=0)
    residual, factors = pendulum_residual(X, g=10, return_factors=True)
    assert abs(np.median(residual) / (0.01 * np.sqrt(1 - 3 / 500)) - 1) < 0.03
    assert np.percentile(residual, 90) <= 0.0105
    error = factors - truth[:, :3]
    assert np.abs(error[:, 0]).max() < 0.01   # theta0 [rad]
    assert np.abs(error[:, 1]).max() < 0.02   # omega0 [rad/s]
    assert np.abs(error[:, 2] / truth[:, 2]).max() < 0.01   # relative length
    assert np.median(np.abs(error[:, 2] / truth[:, 2])) < 0.002


def test_factors_at_the_larger_noise():
    rng = np.random.default_rng(11)
    theta0, omega0, length = random_pendulums(100, rng)
    X = simulate(theta0, omega0, length, 1.0, g=G, n_steps=500, noise_std=0.05, seed=1)
    factors = pendulum_residual(X, g=G, return_factors=True)[1]
    assert np.median(np.abs(factors[:, 0] - theta0)) < 0.01
    assert np.median(np.abs(factors[:, 1] - omega0)) < 0.03
    assert np.median(np.abs(factors[:, 2] / length - 1)) < 0.01


def test_residual_is_the_distance_from_the_fitted_trajectory():
    X, _ = make_pendulum(10, n_steps=200, noise_std=0.03, noise_growth=0.0, g=10,
                         random_state=2)
    residual, factors = pendulum_residual(X, g=10, return_factors=True)
    fitted = simulate(factors[:, 0], factors[:, 1], factors[:, 2], 1.0, g=10, n_steps=200)
    np.testing.assert_allclose(residual, rms(X - fitted), rtol=1e-9)


# -- rows that are not an undamped pendulum -------------------------------------

def test_damped_rows_score_well_above_the_noise():
    sigma = 0.01
    medians = []
    for damping in (0.3, 1.0):
        X, _ = make_pendulum(100, n_steps=500, noise_std=sigma, noise_growth=0.0, g=10,
                             damping=damping, random_state=4)
        residual = pendulum_residual(X, g=10)
        assert residual.min() > 1.2 * sigma
        medians.append(np.median(residual))
    assert medians[0] > 3 * sigma
    assert medians[1] > 2 * medians[0]  # more damping, farther from the model


def test_damped_simulated_rows_without_noise():
    rng = np.random.default_rng(5)
    theta0, omega0, length = (rng.uniform(0.5, 1.5, 50), rng.uniform(0.5, 1.5, 50),
                              rng.uniform(1.0, 2.5, 50))
    X = simulate(theta0, omega0, length, 1.0, g=G, damping=0.3, n_steps=500)
    residual = pendulum_residual(X, g=G)
    assert residual.min() > 0.01  # no undamped pendulum is within 0.01 rad


def test_random_walks_score_large_residuals():
    step = 0.05
    X = np.cumsum(np.random.default_rng(6).normal(0.0, step, (50, 500)), axis=1)
    residual = pendulum_residual(X, g=G)
    assert residual.min() > 2 * step
    assert np.median(residual) > 3 * step


def test_white_noise_is_not_explained():
    X = np.random.default_rng(7).normal(0.0, 0.1, (50, 500))
    residual = pendulum_residual(X, g=G)
    spread = X.std(axis=1)
    assert np.all(residual > 0.95 * spread)  # a pendulum row would be ~0.01 of it
    assert np.all(residual < 1.001 * rms(X))  # never worse than theta = 0


def test_a_pendulum_at_rest_hangs_still():
    residual, factors = pendulum_residual(np.zeros((3, 100)), g=G, return_factors=True)
    assert np.all(residual < 1e-12)
    assert np.all(np.abs(factors[:, :2]) < 1e-12)
    assert np.all(np.isfinite(factors[:, 2])) and np.all(factors[:, 2] > 0)


# -- independence of rows, and the caller's data -----------------------------------

@pytest.fixture(scope="module")
def mixed_rows():
    """Noisy pendulums, damped rows, random walks and a constant row."""
    X, _ = make_pendulum(12, n_steps=300, noise_std=0.02, noise_growth=0.0, g=10,
                         random_state=5)
    damped, _ = make_pendulum(3, n_steps=300, noise_std=0.02, noise_growth=0.0, g=10,
                              damping=0.5, random_state=6)
    walks = np.cumsum(np.random.default_rng(0).normal(0, 0.05, (3, 300)), axis=1)
    return np.vstack([X, damped, walks, np.full((1, 300), 0.4)])


def _assert_same_fit(a, b):
    np.testing.assert_allclose(a[0], b[0], rtol=1e-8, atol=1e-12)
    # the pendulums' factors are well determined (the others' may be flat)
    np.testing.assert_allclose(a[1][:12], b[1][:12], rtol=1e-5, atol=1e-6)


def test_results_do_not_depend_on_row_order(mixed_rows):
    whole = pendulum_residual(mixed_rows, g=10, return_factors=True)
    order = np.random.default_rng(1).permutation(len(mixed_rows))
    residual, factors = pendulum_residual(mixed_rows[order], g=10, return_factors=True)
    back = np.argsort(order)
    _assert_same_fit(whole, (residual[back], factors[back]))


def test_one_call_equals_row_by_row(mixed_rows):
    whole = pendulum_residual(mixed_rows, g=10, return_factors=True)
    rows = [pendulum_residual(row[None], g=10, return_factors=True) for row in mixed_rows]
    _assert_same_fit(whole, (np.concatenate([r for r, _ in rows]),
                             np.vstack([f for _, f in rows])))


def test_an_extreme_row_does_not_leak_into_the_others(mixed_rows):
    pendulums = mixed_rows[:12]
    alone = pendulum_residual(pendulums, g=10, return_factors=True)
    wild = np.vstack([pendulums, 1e6 * mixed_rows[15:16]])
    residual, factors = pendulum_residual(wild, g=10, return_factors=True)
    _assert_same_fit(alone, (residual[:12], factors[:12]))
    assert residual[12] > 1e3


def test_chunks_of_rows_give_the_same_fit(mixed_rows, monkeypatch):
    whole = pendulum_residual(mixed_rows, g=10, return_factors=True)
    monkeypatch.setattr(pendulum_fit, "_CHUNK_ROWS", 5)
    _assert_same_fit(whole, pendulum_residual(mixed_rows, g=10, return_factors=True))


def test_the_callers_array_is_not_modified(mixed_rows):
    X = mixed_rows.copy()
    pendulum_residual(X, g=10, return_factors=True)
    np.testing.assert_array_equal(X, mixed_rows)
    read_only = mixed_rows.copy()
    read_only.setflags(write=False)
    np.testing.assert_array_equal(pendulum_residual(read_only, g=10),
                                  pendulum_residual(X, g=10))


def test_returns_and_input_types():
    X, _ = make_pendulum(4, n_steps=60, noise_std=0.01, noise_growth=0.0, random_state=0)
    residual = pendulum_residual(X)
    assert isinstance(residual, np.ndarray)
    assert residual.shape == (4,) and residual.dtype == np.float64
    out = pendulum_residual(X, return_factors=True)
    assert isinstance(out, tuple) and len(out) == 2
    assert out[1].shape == (4, 3) and out[1].dtype == np.float64
    np.testing.assert_array_equal(out[0], residual)
    # lists and float32 are taken (float32 rounding is ~1e-8 rad)
    np.testing.assert_allclose(pendulum_residual(X.tolist()), residual, rtol=1e-12)
    np.testing.assert_allclose(pendulum_residual(X.astype(np.float32)), residual,
                               atol=1e-6)
    np.testing.assert_array_equal(pendulum_residual(X, return_factors=np.bool_(False)),
                                  residual)


# -- validation ---------------------------------------------------------------------

GOOD = np.zeros((2, 10))


@pytest.mark.parametrize("X, match", [
    (np.zeros(10), r"(?s)X.*2D array"),
    (np.zeros((0, 10)), r"X.*0 sample"),
    (np.array([[0.0, np.nan, 0.0, 0.0]]), r"Input X contains NaN"),
    (np.array([[0.0, np.inf, 0.0, 0.0]]), r"Input X contains infinity"),
    (np.array([["a", "b", "c", "d"]]), r"X"),
    (np.zeros((2, 3)), r"X needs at least 4 columns .* got 3"),
    (np.zeros((2, 1)), r"X needs at least 4 columns .* got 1"),
])
def test_bad_X_raises_naming_X(X, match):
    with pytest.raises(ValueError, match=match):
        pendulum_residual(X)


@pytest.mark.parametrize("kwargs, name", [
    ({"dt": 0}, "dt"), ({"dt": -1}, "dt"), ({"dt": np.inf}, "dt"), ({"dt": np.nan}, "dt"),
    ({"dt": "0.01"}, "dt"), ({"g": np.nan}, "g"), ({"g": 0.0}, "g"), ({"g": -9.81}, "g"),
    ({"return_factors": "yes"}, "return_factors"), ({"return_factors": 1}, "return_factors"),
])
def test_bad_parameters_raise_naming_them(kwargs, name):
    with pytest.raises(InvalidParameterError, match=f"The '{name}' parameter"):
        pendulum_residual(GOOD, **kwargs)


def test_parameters_are_keyword_only():
    with pytest.raises(TypeError):
        pendulum_residual(GOOD, 0.01)
