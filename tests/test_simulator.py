"""PendulumSimulator as a scikit-learn transformer: API, validation, state.

The physics itself is checked against independent references in
test_physics.py; here the estimator's behaviour on physical parameter rows,
including the properties that scikit-learn's generic checks cannot test on
this fixed 4-column schema (see test_common.py).
"""

import pickle

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.integrate import solve_ivp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from pendsk import PendulumSimulator
from pendsk.physics.solvers import simulate

PARAMS = np.array([
    [0.5, 0.0, 1.0, 1.0],
    [1.0, 0.5, 2.0, 1.5],
    [-1.2, -0.7, 1.3, 2.0],
    [0.1, 2.0, 1.7, 0.5],
    [0.0, 8.0, 1.0, 1.0],  # rotating: goes over the top
])


def ivp(theta0, omega0, length, mass, *, g=9.81, damping=0.0, dt=0.01, n_steps=50):
    rate = damping / (mass * length**2)
    sol = solve_ivp(
        lambda t, y: [y[1], -g / length * np.sin(y[0]) - rate * y[1]],
        (0, dt * (n_steps - 1)), [theta0, omega0], method="DOP853",
        rtol=1e-12, atol=1e-12, t_eval=dt * np.arange(n_steps),
    )
    return sol.y[0]


@pytest.mark.parametrize("method", ["auto", "rk4"])
@pytest.mark.parametrize("damping", [0.0, 0.3])
def test_transform_matches_solve_ivp(method, damping):
    sim = PendulumSimulator(n_steps=50, damping=damping, method=method).fit(PARAMS)
    X = sim.transform(PARAMS)
    assert X.shape == (len(PARAMS), 50) and X.dtype == np.float64
    for row, x in zip(PARAMS, X):
        assert_allclose(x, ivp(*row, damping=damping), atol=1e-6, rtol=0)


def test_rotating_rows_are_finite_under_auto_and_rejected_by_exact():
    sim = PendulumSimulator(n_steps=200).fit(PARAMS)
    X = sim.transform(PARAMS)
    assert np.isfinite(X).all()
    assert X[4, -1] > np.pi  # went over the top
    with pytest.raises(ValueError, match=r"separatrix.*rows \[4\]"):
        sim.set_params(method="exact").transform(PARAMS)
    with pytest.raises(ValueError, match="damping"):
        sim.set_params(method="exact", damping=0.1).transform(PARAMS[:2])


def test_fit_learns_box_and_returns_self():
    sim = PendulumSimulator()
    assert sim.fit(PARAMS) is sim
    assert_array_equal(sim.data_min_, PARAMS.min(axis=0))
    assert_array_equal(sim.data_max_, PARAMS.max(axis=0))
    assert sim.n_features_in_ == 4
    assert not hasattr(sim, "feature_names_in_")


def test_fit_returns_self():
    sim = PendulumSimulator(n_steps=5)
    assert sim.fit(PARAMS, y=np.arange(len(PARAMS))) is sim  # y is ignored
    assert_array_equal(sim.transform(PARAMS),
                       PendulumSimulator(n_steps=5).fit(PARAMS).transform(PARAMS))


def test_fit_sets_only_trailing_underscore_attributes():
    sim = PendulumSimulator(n_steps=5)
    before = set(vars(sim))
    sim.fit(PARAMS)
    added = set(vars(sim)) - before
    assert added and all(a.endswith("_") and not a.startswith("_") for a in added)


def test_fit_on_one_row():
    sim = PendulumSimulator(n_steps=5).fit(PARAMS[:1])
    assert_array_equal(sim.data_min_, sim.data_max_)
    # a degenerate box samples that one pendulum
    assert_allclose(sim.sample(3, random_state=0), np.repeat(sim.transform(PARAMS[:1]), 3, 0))


def test_fit_is_idempotent():
    sim = PendulumSimulator(n_steps=10, noise_std=0.1, random_state=3)
    first = sim.fit(PARAMS).transform(PARAMS)
    second = sim.fit(PARAMS[:2]).fit(PARAMS).transform(PARAMS)
    assert_array_equal(first, second)


def test_not_fitted_error():
    sim = PendulumSimulator()
    for call in (lambda: sim.transform(PARAMS), lambda: sim.sample(2),
                 lambda: sim.get_feature_names_out()):
        with pytest.raises(NotFittedError, match="not fitted"):
            call()


@pytest.mark.parametrize("convert", [
    lambda a: a.astype(np.float32),
    lambda a: np.round(a * 10).astype(np.int64) + (np.arange(4) >= 2) * 1,
    lambda a: a.astype(np.int32) + 1,
    lambda a: a.astype(object),
    lambda a: a.tolist(),
    lambda a: np.asfortranarray(a),
    lambda a: pd.DataFrame(a),
], ids=["float32", "int64", "int32", "object", "list", "fortran", "frame"])
def test_accepts_dtypes(convert):
    data = convert(PARAMS.copy())
    sim = PendulumSimulator(n_steps=10).fit(data)
    X = sim.transform(data)
    expected = PendulumSimulator(n_steps=10).fit(PARAMS).transform(
        np.asarray(data, dtype=np.float64))
    assert X.dtype == np.float64
    assert_array_equal(X, expected)


def test_accepts_readonly_input():
    data = PARAMS.copy()
    data.setflags(write=False)
    X = PendulumSimulator(n_steps=10).fit(data).transform(data)
    assert_array_equal(X, PendulumSimulator(n_steps=10).fit_transform(PARAMS))


def test_methods_leave_state_and_input_unchanged():
    data = PARAMS.copy()
    sim = PendulumSimulator(n_steps=10, noise_std=0.01, random_state=0).fit(data)
    params_before = sim.get_params()
    state = pickle.dumps(sim)
    sim.transform(data)
    sim.sample(4, random_state=0)
    sim.get_feature_names_out()
    assert pickle.dumps(sim) == state
    assert sim.get_params() == params_before
    assert_array_equal(data, PARAMS)


def test_row_order_and_subset_invariance():
    sim = PendulumSimulator(n_steps=30).fit(PARAMS)
    X = sim.transform(PARAMS)
    order = np.random.default_rng(0).permutation(len(PARAMS))
    assert_allclose(sim.transform(PARAMS[order]), X[order], rtol=1e-12, atol=1e-14)
    for i in range(len(PARAMS)):
        assert_allclose(sim.transform(PARAMS[i:i + 1]), X[i:i + 1], rtol=1e-12,
                        atol=1e-14)


def test_pickle_round_trip():
    sim = PendulumSimulator(n_steps=20, noise_growth=0.1, random_state=1).fit(PARAMS)
    restored = pickle.loads(pickle.dumps(sim))
    assert_array_equal(restored.transform(PARAMS), sim.transform(PARAMS))
    assert_array_equal(restored.data_max_, sim.data_max_)


def test_pipeline_and_fit_transform():
    sim = PendulumSimulator(n_steps=15)
    assert_array_equal(clone(sim).fit_transform(PARAMS), sim.fit(PARAMS).transform(PARAMS))
    pipe = make_pipeline(FunctionTransformer(), PendulumSimulator(n_steps=15))
    assert_array_equal(pipe.fit(PARAMS).transform(PARAMS), sim.transform(PARAMS))
    assert_array_equal(pickle.loads(pickle.dumps(pipe)).transform(PARAMS),
                       sim.transform(PARAMS))


def test_noise_std_grows_and_is_reproducible():
    rows = np.tile([[0.8, 0.3, 1.5, 1.0]], (4000, 1))
    sim = PendulumSimulator(n_steps=101, dt=0.05, noise_std=0.02, noise_growth=0.1,
                            random_state=7).fit(rows)
    X = sim.transform(rows)
    clean = sim.set_params(noise_std=0.0, noise_growth=0.0).transform(rows)
    resid = X - clean
    t = 0.05 * np.arange(101)
    assert_allclose(resid.std(axis=0), 0.02 + 0.1 * t, rtol=0.06)
    assert np.abs(resid.mean(axis=0)).max() < 4 * (0.02 + 0.1 * t.max()) / np.sqrt(4000)
    sim.set_params(noise_std=0.02, noise_growth=0.1)
    assert_array_equal(sim.transform(rows), X)  # same int seed, same noise
    other = sim.set_params(random_state=8).transform(rows)
    assert not np.allclose(other, X)
    # a RandomState instance advances: two calls differ
    sim.set_params(random_state=np.random.RandomState(0))
    assert not np.allclose(sim.transform(rows[:5]), sim.transform(rows[:5]))


def test_noise_seed_is_the_int_random_state_or_one_draw_of_a_random_state():
    """One seeding scheme: an int random_state is the noise's root entropy as it
    is (the physics layer's ``seed``); a RandomState gives one 31-bit draw."""
    sim = PendulumSimulator(n_steps=30, noise_std=0.01, noise_growth=0.2,
                            random_state=12).fit(PARAMS)
    kw = dict(g=sim.g, dt=sim.dt, n_steps=30, noise_std=0.01, noise_growth=0.2)
    assert_array_equal(sim.transform(PARAMS), simulate(*PARAMS.T, **kw, seed=12))
    draw = np.random.RandomState(5).randint(np.iinfo(np.int32).max)
    sim.set_params(random_state=np.random.RandomState(5))
    assert_array_equal(sim.transform(PARAMS), simulate(*PARAMS.T, **kw, seed=draw))


def test_sample_draws_in_box():
    sim = PendulumSimulator(n_steps=25).fit(PARAMS[:4])
    X, params = sim.sample(500, random_state=0, return_params=True)
    assert X.shape == (500, 25) and params.shape == (500, 4)
    assert (params >= sim.data_min_).all() and (params <= sim.data_max_).all()
    # every column spans most of its range
    span = (params.max(0) - params.min(0)) / (sim.data_max_ - sim.data_min_)
    assert (span > 0.9).all()
    assert_array_equal(X, sim.transform(params))
    assert_array_equal(sim.sample(5, random_state=3), sim.sample(5, random_state=3))
    assert not np.allclose(sim.sample(5, random_state=3), sim.sample(5, random_state=4))


@pytest.mark.parametrize("n_samples, error, match", [
    (0, ValueError, "n_samples"),
    (-3, ValueError, "n_samples"),
    (2.5, TypeError, "n_samples"),
    ("4", TypeError, "n_samples"),
])
def test_sample_rejects_bad_n_samples(n_samples, error, match):
    sim = PendulumSimulator(n_steps=5).fit(PARAMS)
    with pytest.raises(error, match=match):
        sim.sample(n_samples)


def test_dataframe_input_and_pandas_output():
    frame = pd.DataFrame(PARAMS, columns=["theta0", "omega0", "length", "mass"])
    sim = PendulumSimulator(n_steps=4, dt=0.5).set_output(transform="pandas")
    out = sim.fit_transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["theta_0", "theta_1", "theta_2", "theta_3"]
    assert_array_equal(sim.feature_names_in_, frame.columns)
    assert_array_equal(out.to_numpy(), PendulumSimulator(n_steps=4, dt=0.5).fit_transform(PARAMS))
    with pytest.raises(ValueError, match="order"):
        PendulumSimulator().fit(frame[["omega0", "theta0", "length", "mass"]])
    with pytest.raises(ValueError, match="feature names"):
        sim.transform(frame.rename(columns={"mass": "m"}))


def test_get_feature_names_out():
    sim = PendulumSimulator(n_steps=3).fit(PARAMS)
    assert_array_equal(sim.get_feature_names_out(), ["theta_0", "theta_1", "theta_2"])
    with pytest.raises(ValueError, match="input_features"):
        sim.get_feature_names_out(["a", "b"])


@pytest.mark.parametrize("data, match", [
    (PARAMS[:, :3], r"X has 3 feature.*expect.*4"),
    (np.hstack([PARAMS, PARAMS[:, :1]]), r"X has 5 feature.*expect.*4"),
    (PARAMS[0], "Expected 2D array"),
    (np.empty((0, 4)), "0 sample"),
    ([["a", "b", "c", "d"]], "Invalid X: dtype='numeric' is not compatible with arrays of "
                             "bytes/strings"),
    ([["1", "0", "1", "1"]], "Invalid X: .*strings"),
    (np.full((1, 4), np.datetime64("2020-01-01")), "X holds datetime64.* not numbers"),
    (np.array([[0.1, 0.2, 1.0, 1.0 + 1j]]), "[Cc]omplex"),
    (np.array([[0.1, np.nan, 1.0, 1.0]]), r"NaN in column 'omega0' \(row 0\)"),
    (np.array([[0.1, 0.2, 1.0, 1.0], [np.inf, 0.2, 1.0, 1.0]]),
     r"infinity in column 'theta0' \(row 1\)"),
    (np.array([[0.1, 0.2, 0.0, 1.0]]), r"'length' of X must be > 0; got 0 in row 0"),
    (np.array([[0.1, 0.2, 1.0, 1.0], [0.1, 0.2, -2.0, 1.0], [0, 0, -1, 1]]),
     r"Negative values.*'length'.*row 1 and 1 more"),
    (np.array([[0.1, 0.2, 1.0, -1.0]]), r"'mass' of X must be > 0"),
], ids=["3cols", "5cols", "1d", "empty", "strings", "numeric-strings", "dates", "complex",
        "nan", "inf",
        "zero-length", "negative-length", "negative-mass"])
def test_rejects_bad_rows(data, match):
    with pytest.raises(ValueError, match=match):
        PendulumSimulator().fit(data)
    sim = PendulumSimulator(n_steps=5).fit(PARAMS)
    with pytest.raises(ValueError, match=match):
        sim.transform(data)


@pytest.mark.parametrize("params, match", [
    ({"n_steps": 0}, "n_steps"),
    ({"n_steps": 2.5}, "n_steps"),
    ({"dt": 0.0}, "dt"),
    ({"dt": np.nan}, "dt"),
    ({"g": -9.81}, "'g'"),
    ({"damping": -0.1}, "damping"),
    ({"method": "euler"}, "method"),
    ({"noise_std": -1.0}, "noise_std"),
    ({"noise_growth": np.inf}, "noise_growth"),
    ({"random_state": "seed"}, "random_state"),
])
def test_rejects_bad_hyperparameters(params, match):
    with pytest.raises(ValueError, match=match):
        PendulumSimulator(**params).fit(PARAMS)


def _noisy_rows(n=5000):
    """Rows over several noise blocks, some going over the top (a mixed plan)."""
    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.uniform(-2, 2, n), rng.uniform(-1, 1, n),
                            rng.uniform(0.5, 2, n), rng.uniform(0.5, 2, n)])
    rows[::9, 1] = 9.0
    return rows


@pytest.mark.parametrize("method", ["auto", "rk4"])
def test_n_jobs_gives_bit_identical_output(method):
    """n_jobs = 1, 2, -1, None and a joblib context give the same bits, noise
    included (noise seeded per block of 2048 rows)."""
    from joblib import parallel_config

    rows = _noisy_rows()
    kw = dict(n_steps=12, noise_std=0.01, noise_growth=0.1, random_state=4, method=method)
    one = PendulumSimulator(n_jobs=1, **kw).fit(rows).transform(rows)
    for n_jobs in (2, -1, None):
        assert_array_equal(PendulumSimulator(n_jobs=n_jobs, **kw).fit(rows).transform(rows),
                           one, err_msg=f"n_jobs={n_jobs}")
    with parallel_config(n_jobs=2):
        assert_array_equal(PendulumSimulator(**kw).fit(rows).transform(rows), one)
    sim = PendulumSimulator(n_jobs=2, **kw).fit(rows)
    assert_array_equal(sim.sample(3000, random_state=1),
                       sim.set_params(n_jobs=1).sample(3000, random_state=1))


def test_n_jobs_default_and_passed_to_simulate(monkeypatch):
    """n_jobs defaults to None (one thread, scikit-learn's convention) and
    reaches the physics layer."""
    import pendsk._simulator as module

    assert PendulumSimulator().get_params()["n_jobs"] is None
    seen = []

    def spy(*args, n_jobs=None, **kwargs):
        seen.append(n_jobs)
        return simulate(*args, n_jobs=n_jobs, **kwargs)

    monkeypatch.setattr(module, "simulate", spy)
    PendulumSimulator(n_steps=3, n_jobs=-1).fit(PARAMS).transform(PARAMS)
    PendulumSimulator(n_steps=3).fit(PARAMS).sample(2)
    assert seen == [-1, None]


@pytest.mark.parametrize("n_jobs", [0, 1.5, "2", True, -1.0])
def test_rejects_bad_n_jobs(n_jobs):
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="n_jobs"):
        PendulumSimulator(n_jobs=n_jobs).fit(PARAMS)


@pytest.mark.parametrize("setting, value", [("n_steps", None), ("n_steps", 0), ("g", "9.8"),
                                            ("g", [1.0, 2.0]), ("dt", -0.001), ("dt", 0),
                                            ("damping", -0.001), ("n_jobs", 1.5),
                                            ("method", "leapfrog"), ("noise_std", -1.0)])
def test_settings_changed_after_fit_are_checked_where_they_are_used(setting, value):
    from sklearn.utils._param_validation import InvalidParameterError

    sim = PendulumSimulator(n_steps=5).fit(PARAMS).set_params(**{setting: value})
    for call in (lambda: sim.transform(PARAMS), lambda: sim.sample(2, random_state=0)):
        with pytest.raises(InvalidParameterError,
                           match=f"'{setting}' parameter of PendulumSimulator"):
            call()
    if setting == "n_steps":
        with pytest.raises(InvalidParameterError, match="'n_steps' parameter"):
            sim.get_feature_names_out()


def test_sampling_more_than_memory_names_n_samples():
    sim = PendulumSimulator(n_steps=5).fit(PARAMS)
    with pytest.raises(ValueError, match="n_samples=9223372036854775808 asks for an array"):
        sim.sample(2**63)
    with pytest.raises(ValueError, match=r"n_steps=4611686018427387904 asks for an array"):
        sim.set_params(n_steps=2**62).transform(PARAMS)
