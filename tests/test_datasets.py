"""Tests of pendsk.datasets: make_pendulum and make_pendulum_regression."""

import inspect

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from pendsk import PendulumSimulator, datasets
from pendsk.datasets import make_pendulum, make_pendulum_regression
from pendsk.physics import period

NAMES = ["theta0", "omega0", "length", "mass"]
ARTICLE_RANGES = [(0.5, 1.5), (0.5, 1.5), (1.0, 2.5), (1.0, 2.5)]


def _clean(factors, **params):
    """Noise-free trajectories of ``factors`` from the simulator itself."""
    return PendulumSimulator(noise_growth=0.0, **params).fit(factors).transform(factors)


def _check_uniform_span(factors, ranges):
    """Each column lies in its range, reaches both ends and is centred."""
    n = factors.shape[0]
    for col, (low, high) in enumerate(ranges):
        x = factors[:, col]
        width = high - low
        assert x.min() >= low and x.max() <= high, NAMES[col]
        # 2000 uniform draws: the gap to each end is ~width / 2000
        assert x.min() - low < 0.01 * width, NAMES[col]
        assert high - x.max() < 0.01 * width, NAMES[col]
        # mean and std of U(low, high), ~5 standard errors of tolerance
        assert abs(x.mean() - (low + high) / 2) < 5 * width / np.sqrt(12 * n), NAMES[col]
        assert_allclose(x.std(), width / np.sqrt(12), rtol=0.05, err_msg=NAMES[col])


# --------------------------------------------------------------------------
# the article's constants
# --------------------------------------------------------------------------

def test_article_constants_hold_the_articles_values():
    assert datasets.ARTICLE_G == 10.0
    assert datasets.ARTICLE_NOISE_GROWTH == 0.1
    assert (datasets.ARTICLE_DT, datasets.ARTICLE_N_STEPS) == (0.01, 500)
    # in the order of a parameter row
    assert list(datasets.ARTICLE_RANGES.items()) == list(zip(NAMES, ARTICLE_RANGES))
    with pytest.raises(TypeError, match="does not support item assignment"):
        datasets.ARTICLE_RANGES["mass"] = (0.0, 1.0)


@pytest.mark.parametrize("func", [make_pendulum, make_pendulum_regression])
def test_article_constants_are_the_generators_defaults(func):
    defaults = {name: p.default for name, p in inspect.signature(func).parameters.items()}
    assert defaults["g"] == datasets.ARTICLE_G
    assert defaults["noise_growth"] == datasets.ARTICLE_NOISE_GROWTH
    assert defaults["dt"] == datasets.ARTICLE_DT
    assert defaults["n_steps"] == datasets.ARTICLE_N_STEPS
    for name in NAMES:
        assert defaults[f"{name}_range"] == datasets.ARTICLE_RANGES[name], name
    assert set(datasets.__all__) >= {"ARTICLE_DT", "ARTICLE_G", "ARTICLE_NOISE_GROWTH",
                                     "ARTICLE_N_STEPS", "ARTICLE_RANGES"}


# --------------------------------------------------------------------------
# make_pendulum
# --------------------------------------------------------------------------

def test_make_pendulum_shapes_and_dtype():
    X, factors = make_pendulum(n_samples=6, n_steps=17, random_state=0)
    assert X.shape == (6, 17)
    assert factors.shape == (6, 4)
    assert X.dtype == np.float64 and factors.dtype == np.float64
    assert np.isfinite(X).all()


def test_make_pendulum_default_ranges_are_the_articles():
    _, factors = make_pendulum(n_samples=2000, n_steps=2, random_state=0)
    _check_uniform_span(factors, ARTICLE_RANGES)


def test_make_pendulum_custom_ranges_are_drawn_uniformly():
    ranges = [(-0.3, 0.2), (-2.0, -1.0), (0.4, 0.6), (3.0, 7.0)]
    _, factors = make_pendulum(
        n_samples=2000, n_steps=2, theta0_range=ranges[0], omega0_range=ranges[1],
        length_range=ranges[2], mass_range=ranges[3], random_state=1)
    _check_uniform_span(factors, ranges)


def test_make_pendulum_degenerate_range_fixes_the_column():
    _, factors = make_pendulum(n_samples=5, n_steps=3, omega0_range=(0.0, 0.0),
                               length_range=(1.5, 1.5), random_state=0)
    assert_array_equal(factors[:, 1], 0.0)
    assert_array_equal(factors[:, 2], 1.5)


def test_make_pendulum_noise_free_equals_simulator_with_g10():
    X, factors = make_pendulum(n_samples=20, n_steps=60, dt=0.02, noise_growth=0.0,
                               random_state=3)
    # column 0 is theta0 (the closed form may round it by an ulp)
    assert_allclose(X[:, 0], factors[:, 0], rtol=1e-15, atol=0)
    assert_allclose(X, _clean(factors, n_steps=60, dt=0.02, g=10), rtol=0, atol=1e-12)
    # the default g is the article's 10, not the simulator's 9.81
    assert not np.allclose(X, _clean(factors, n_steps=60, dt=0.02, g=9.81), atol=1e-4)


def test_make_pendulum_default_noise_grows_like_0_1_t():
    n_steps, dt = 201, 0.01
    X, factors = make_pendulum(n_samples=2000, n_steps=n_steps, dt=dt, random_state=0)
    residual = X - _clean(factors, n_steps=n_steps, dt=dt, g=10)
    # no noise at t = 0: the first column is theta0 itself
    assert_array_equal(residual[:, 0], 0.0)
    assert_allclose(X[:, 0], factors[:, 0], rtol=1e-15, atol=0)
    for col in (25, 100, 200):
        expected = 0.1 * col * dt
        # the std of 2000 normals is within ~1.6 % of sigma (1 s.e.)
        assert_allclose(residual[:, col].std(), expected, rtol=0.06,
                        err_msg=f"column {col}")
        assert abs(residual[:, col].mean()) < 5 * expected / np.sqrt(2000)


def test_make_pendulum_noise_std_adds_a_constant_floor():
    n_steps, dt = 101, 0.01
    X, factors = make_pendulum(n_samples=2000, n_steps=n_steps, dt=dt,
                               noise_std=0.05, noise_growth=0.0, random_state=2)
    residual = X - _clean(factors, n_steps=n_steps, dt=dt, g=10)
    for col in (0, 100):
        assert_allclose(residual[:, col].std(), 0.05, rtol=0.06, err_msg=f"column {col}")


def test_make_pendulum_same_seed_same_output_different_seed_different():
    X1, f1 = make_pendulum(n_samples=8, n_steps=30, random_state=42)
    X2, f2 = make_pendulum(n_samples=8, n_steps=30, random_state=42)
    X3, f3 = make_pendulum(n_samples=8, n_steps=30, random_state=43)
    assert_array_equal(X1, X2)
    assert_array_equal(f1, f2)
    assert not np.array_equal(f1, f3)
    assert not np.array_equal(X1, X3)


def test_make_pendulum_random_state_instance_matches_int_seed():
    X1, f1 = make_pendulum(n_samples=8, n_steps=30, random_state=7)
    X2, f2 = make_pendulum(n_samples=8, n_steps=30,
                           random_state=np.random.RandomState(7))
    assert_array_equal(X1, X2)
    assert_array_equal(f1, f2)


def test_make_pendulum_no_seed_differs_between_calls():
    _, f1 = make_pendulum(n_samples=8, n_steps=3)
    _, f2 = make_pendulum(n_samples=8, n_steps=3)
    assert not np.array_equal(f1, f2)


def test_make_pendulum_as_frame():
    X, factors = make_pendulum(n_samples=5, n_steps=12, random_state=0)
    Xf, ff = make_pendulum(n_samples=5, n_steps=12, random_state=0, as_frame=True)
    assert isinstance(Xf, pd.DataFrame) and isinstance(ff, pd.DataFrame)
    assert list(Xf.columns) == [f"theta_{i}" for i in range(12)]
    assert list(ff.columns) == NAMES
    assert_array_equal(Xf.to_numpy(), X)
    assert_array_equal(ff.to_numpy(), factors)


@pytest.mark.parametrize("g", [4.0, 25.0])
def test_make_pendulum_g_sets_the_period(g):
    """Zero crossings of each noise-free row are half a period apart."""
    dt = 0.01
    X, factors = make_pendulum(n_samples=10, n_steps=1000, dt=dt, g=g,
                               noise_growth=0.0, random_state=0)
    expected = period(factors[:, 0], factors[:, 1], factors[:, 2], g=g)
    t = dt * np.arange(X.shape[1])
    for row, T in zip(X, expected):
        i = np.flatnonzero(np.sign(row[:-1]) != np.sign(row[1:]))[:2]
        assert i.size == 2
        # linear interpolation of the two first zero crossings
        t0 = t[i] - row[i] * dt / (row[i + 1] - row[i])
        assert_allclose(2 * (t0[1] - t0[0]), T, rtol=1e-3)
    # the ranges are the same for both g, so g really changed the period
    assert_allclose(expected, period(factors[:, 0], factors[:, 1], factors[:, 2],
                                     g=10.0) * np.sqrt(10.0 / g), rtol=0.3)


def test_make_pendulum_damping_makes_the_amplitude_decay():
    X, _ = make_pendulum(n_samples=4, n_steps=800, dt=0.01, damping=1.0,
                         noise_growth=0.0, random_state=0)
    X0, _ = make_pendulum(n_samples=4, n_steps=800, dt=0.01, damping=0.0,
                          noise_growth=0.0, random_state=0)
    early, late = np.abs(X[:, :200]).max(axis=1), np.abs(X[:, -200:]).max(axis=1)
    assert (late < 0.7 * early).all()
    early0, late0 = np.abs(X0[:, :200]).max(axis=1), np.abs(X0[:, -200:]).max(axis=1)
    assert_allclose(late0, early0, rtol=0.02)


@pytest.mark.parametrize("method", ["exact", "rk4", "euler-cromer"])
def test_make_pendulum_method_is_passed_on(method):
    X, factors = make_pendulum(n_samples=4, n_steps=50, method=method,
                               noise_growth=0.0, random_state=0)
    assert_allclose(X, _clean(factors, n_steps=50, g=10, method=method),
                    rtol=0, atol=1e-12)


# ---- bad inputs ----------------------------------------------------------

@pytest.mark.parametrize("n_samples", [0, -3])
def test_make_pendulum_bad_n_samples(n_samples):
    with pytest.raises(ValueError, match="n_samples"):
        make_pendulum(n_samples=n_samples, n_steps=5)


def test_make_pendulum_non_integer_n_samples():
    with pytest.raises(TypeError, match="n_samples"):
        make_pendulum(n_samples=2.5, n_steps=5)


@pytest.mark.parametrize("name, bad", [
    ("theta0_range", (1.5, 0.5)),
    ("omega0_range", (1.0, -1.0)),
    ("length_range", (2.0, 1.0)),
    ("mass_range", (3.0, 1.0)),
    # non-positive lengths and masses
    ("length_range", (0.0, 1.0)),
    ("length_range", (-2.0, -1.0)),
    ("mass_range", (0.0, 2.0)),
    ("mass_range", (-1.0, 2.0)),
    # NaN / infinity
    ("theta0_range", (np.nan, 1.0)),
    ("omega0_range", (0.0, np.nan)),
    ("length_range", (1.0, np.inf)),
    ("mass_range", (np.nan, np.nan)),
])
def test_make_pendulum_bad_range(name, bad):
    with pytest.raises(ValueError, match=name):
        make_pendulum(n_samples=3, n_steps=5, **{name: bad})


@pytest.mark.parametrize("bad", [(0.5,), 1.0, (0.5, 1.0, 1.5)])
def test_make_pendulum_malformed_range_names_the_argument(bad):
    # not a (low, high) pair: the error should still say which argument
    with pytest.raises(ValueError, match="theta0_range"):
        make_pendulum(n_samples=3, n_steps=5, theta0_range=bad)


@pytest.mark.parametrize("params, match", [
    (dict(method="leapfrog"), "method"),
    (dict(noise_std=-0.1), "noise_std"),
    (dict(noise_growth=-0.1), "noise_growth"),
    (dict(g=0.0), "'g'"),
    (dict(dt=-0.01), "'dt'"),
    (dict(n_steps=0), "n_steps"),
    (dict(damping=-1.0), "damping"),
])
def test_make_pendulum_bad_simulation_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        make_pendulum(n_samples=3, **{"n_steps": 5, **params})


# --------------------------------------------------------------------------
# make_pendulum_regression
# --------------------------------------------------------------------------

def test_make_pendulum_regression_layout():
    n_traj, n_steps, dt = 4, 9, 0.05
    X, y = make_pendulum_regression(n_trajectories=n_traj, n_steps=n_steps, dt=dt,
                                    random_state=0)
    assert X.shape == (n_traj * n_steps, 5)
    assert y.shape == (n_traj * n_steps,)
    # t column: each trajectory's block in time order
    assert_allclose(X[:, 4], np.tile(dt * np.arange(n_steps), n_traj), rtol=0, atol=0)
    blocks = X[:, :4].reshape(n_traj, n_steps, 4)
    # parameters constant within a block, different between blocks
    assert_array_equal(blocks, np.repeat(blocks[:, :1], n_steps, axis=1))
    assert len(np.unique(blocks[:, 0, 0])) == n_traj


def test_make_pendulum_regression_is_make_pendulum_pointwise():
    kwargs = dict(n_steps=15, dt=0.02, g=8.0, length_range=(0.5, 1.0),
                  noise_std=0.01, random_state=5)
    X, y = make_pendulum_regression(6, **kwargs)
    traj, factors = make_pendulum(6, **kwargs)
    assert_array_equal(y, traj.ravel())
    assert_array_equal(X[:, :4], np.repeat(factors, 15, axis=0))
    # theta at t = 0 is theta0 (no noise there with noise_growth only)
    Xc, yc = make_pendulum_regression(3, n_steps=4, random_state=1)
    first = Xc[:, 4] == 0
    assert first.sum() == 3
    assert_allclose(yc[first], Xc[first, 0], rtol=1e-15, atol=0)


def test_make_pendulum_regression_seeding():
    X1, y1 = make_pendulum_regression(3, n_steps=10, random_state=0)
    X2, y2 = make_pendulum_regression(3, n_steps=10, random_state=0)
    X3, y3 = make_pendulum_regression(3, n_steps=10, random_state=1)
    assert_array_equal(X1, X2)
    assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert not np.array_equal(y1, y3)


def test_make_pendulum_regression_as_frame():
    X, y = make_pendulum_regression(3, n_steps=10, random_state=0)
    Xf, yf = make_pendulum_regression(3, n_steps=10, random_state=0, as_frame=True)
    assert isinstance(Xf, pd.DataFrame)
    assert isinstance(yf, pd.Series)
    assert list(Xf.columns) == [*NAMES, "t"]
    assert yf.name == "theta"
    assert_array_equal(Xf.to_numpy(), X)
    assert_array_equal(yf.to_numpy(), y)


@pytest.mark.parametrize("n", [0, -1])
def test_make_pendulum_regression_bad_n_trajectories(n):
    with pytest.raises(ValueError, match="n_trajectories"):
        make_pendulum_regression(n_trajectories=n, n_steps=5)


def test_make_pendulum_regression_bad_range():
    with pytest.raises(ValueError, match="mass_range"):
        make_pendulum_regression(2, n_steps=5, mass_range=(0.0, 1.0))
