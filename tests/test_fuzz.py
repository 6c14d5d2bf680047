"""Fuzzed inputs for every public entry point (hypothesis).

Each test drives one entry point with malformed input drawn from families
of bad values (NaN / infinity, 1-D / 3-D / wrong width, strings, objects,
complex, bool, empty, huge magnitudes, bad counts, bad seeds) mixed with
valid but extreme ones, and asserts one of two outcomes:

- a ``ValueError`` or ``TypeError`` (``InvalidParameterError`` and
  ``NotFittedError`` are such) whose message names the argument, raised
  by pendsk or scikit-learn, not by torch; or
- a result whose numbers are all finite.

Nothing else may escape (no ``RuntimeError``, ``IndexError``,
``OverflowError``, ``ZeroDivisionError``; numpy's overflow warnings are
turned into errors too), and the caller's arrays are never modified, not
even when the call fails.  The estimators are the small fitted ones of
conftest.py; the tests are derandomized, keep no example database and are
marked slow (200 examples each); what they found runs as plain examples.
"""

import contextlib
import io
import re
import traceback
import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.extra import numpy as hnp

from conftest import LATENT, N_STEPS, NEURAL, SUPERVISED, small
from pendsk import PendulumSimulator
from pendsk.cli import main
from pendsk.datasets import make_pendulum, make_pendulum_regression
from pendsk.metrics import (
    active_dimensions,
    maximum_mean_discrepancy,
    mutual_information_gap,
)

FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def fuzz(test):
    """Run ``test`` on FUZZ's 200 examples, as a slow test."""
    return pytest.mark.slow(FUZZ(test))


# ---------------------------------------------------------------------------
# the outcome every call must have
# ---------------------------------------------------------------------------

def _snapshot(value):
    """A fingerprint of an argument's contents, to compare after the call."""
    if isinstance(value, np.ndarray):
        return (value.dtype.str, value.shape,
                repr(value.tolist()) if value.dtype.kind == "O" else value.tobytes())
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return repr(value.to_dict())
    return repr(value)


def _finite(result):
    """Whether every number of a result (array, tuple, frame) is finite."""
    if result is None:
        return True
    if isinstance(result, tuple):
        return all(_finite(part) for part in result)
    if isinstance(result, (pd.DataFrame, pd.Series)):
        result = result.to_numpy()
    if hasattr(result, "get_params"):  # fit returns the estimator
        return True
    return bool(np.isfinite(np.asarray(result, dtype=np.float64)).all())


def _names_pattern(names):
    # a nested parameter (the GAN's embedding__beta) is named by its own
    # estimator's error, as in scikit-learn's meta-estimators: "beta"
    names = [*names, *(name.rsplit("__", 1)[1] for name in names if "__" in name)]
    return "|".join(rf"(?<![\w-]){re.escape(name)}(?![\w])" for name in names)


def _event(name):
    """Count outcomes in hypothesis's statistics (--hypothesis-show-statistics)."""
    if currently_in_test_context():
        event(name)


def check_outcome(call, names, *arguments):
    """Run ``call()``: it must raise a named ValueError/TypeError or return
    finite numbers, and leave ``arguments`` as they were.  Returns the
    result, or None after an error."""
    before = [_snapshot(a) for a in arguments]
    result, error = None, None
    with warnings.catch_warnings():
        # numpy's overflow / invalid-value warnings must not leak either
        warnings.simplefilter("error", RuntimeWarning)
        try:
            result = call()
        except (ValueError, TypeError) as exc:
            error = exc
    for arg, snap in zip(arguments, before):
        assert _snapshot(arg) == snap, "the caller's argument was modified"
    if error is not None:
        where = traceback.extract_tb(error.__traceback__)[-1].filename
        assert "/torch/" not in where, f"raw torch error: {error!r}"
        message = str(error)
        assert re.search(_names_pattern(names), message), (
            f"{type(error).__name__} does not name {names}: {message}")
        _event("raised")
        return None
    assert _finite(result), f"non-finite result: {result!r}"
    _event("returned")
    return result


# ---------------------------------------------------------------------------
# strategies: families of bad input
# ---------------------------------------------------------------------------

SMALL = st.floats(-10, 10, allow_nan=False)
HUGE = st.sampled_from([1e300, -1e308, 1e154, -1e200, 1.7976931348623157e308, 3.5e38,
                        -3.5e38, 1e20, 5e-324])
ANY_FINITE = st.floats(allow_nan=False, allow_infinity=False)
NONFINITE = st.sampled_from([np.nan, np.inf, -np.inf])
ROWS = st.integers(1, 5)


def matrices(n_features, elements=SMALL, rows=ROWS, dtype=np.float64):
    return rows.flatmap(lambda r: hnp.arrays(dtype, (r, n_features), elements=elements))


def _poke(args):
    array, value, where = args
    array = array.copy()
    array.flat[where % array.size] = value
    return array


def with_nonfinite(n_features):
    return st.tuples(matrices(n_features), NONFINITE, st.integers(0, 10**6)).map(_poke)


def bad_arrays(n_features, *, valid=SMALL):
    """Malformed (and valid but extreme) values for an ``(n, n_features)`` array."""
    other_widths = st.integers(0, n_features + 3).filter(lambda k: k != n_features)
    text = st.text(st.characters(exclude_characters="\x00"), max_size=3)
    return st.one_of(
        # NaN / infinity, in float64 and in lists
        with_nonfinite(n_features),
        with_nonfinite(n_features).map(lambda a: a.tolist()),
        # huge magnitudes, and any finite float64
        matrices(n_features, elements=st.one_of(HUGE, valid)),
        matrices(n_features, elements=ANY_FINITE),
        # wrong shapes: 1-D, 3-D, 4-D, wrong width, 0 rows, 0 columns
        hnp.arrays(np.float64, st.integers(0, 2 * n_features), elements=valid),
        hnp.arrays(np.float64, hnp.array_shapes(min_dims=3, max_dims=4, max_side=3),
                   elements=valid),
        st.tuples(ROWS, other_widths).flatmap(
            lambda shape: hnp.arrays(np.float64, shape, elements=valid)),
        st.integers(0, 3).map(lambda r: np.zeros((0, n_features)) if r == 0
                              else np.zeros((r, 0))),
        st.just(np.zeros((0, 0))),
        # wrong dtypes: strings, bytes, objects, complex, bool, ints, small floats
        matrices(n_features, elements=text, dtype=np.dtype("U3")),
        matrices(n_features, elements=hnp.from_dtype(np.dtype("S2")), dtype=np.dtype("S2")),
        matrices(n_features, dtype=object, elements=st.one_of(
            st.none(), text, SMALL, st.just({}), st.complex_numbers())),
        matrices(n_features, dtype=np.complex128,
                 elements=st.complex_numbers(max_magnitude=1e10, allow_nan=False)),
        matrices(n_features, dtype=np.bool_, elements=st.booleans()),
        # dates and durations, and numbers written as strings
        st.sampled_from(["M8[D]", "M8[ns]", "m8[s]"]).flatmap(
            lambda t: matrices(n_features, dtype=np.dtype(t),
                               elements=hnp.from_dtype(np.dtype(t)))),
        matrices(n_features, elements=SMALL).map(lambda a: a.astype(str)),
        st.sampled_from([np.int8, np.int64, np.uint64]).flatmap(
            lambda t: matrices(n_features, dtype=t, elements=hnp.from_dtype(np.dtype(t)))),
        st.sampled_from([np.float16, np.float32]).flatmap(
            lambda t: matrices(n_features, dtype=t, elements=hnp.from_dtype(np.dtype(t)))),
        # not arrays at all
        st.one_of(st.none(), text, st.integers(), st.floats(), st.just({"a": 1}),
                  st.just([[1.0], [1.0, 2.0]]), st.just([])),
        # valid, as lists and DataFrames (without names)
        matrices(n_features, elements=valid).map(lambda a: a.tolist()),
        matrices(n_features, elements=valid).map(pd.DataFrame),
    )


#: Sample counts: negative, zero, floats, bools, strings, arrays, and valid ones.
COUNTS = st.one_of(
    st.integers(-5, 0), st.integers(1, 12), st.integers(1, 12).map(np.int64),
    st.floats(), st.sampled_from([1.0, 2.5, np.float64(3.0)]),
    st.booleans(), st.sampled_from([np.True_, np.False_]),
    st.text(max_size=3), st.none(), st.just([3]), st.just(np.array([2])),
    st.complex_numbers(max_magnitude=5),
)

#: Seeds: valid ints, RandomState instances, and what they must not be.
SEEDS = st.one_of(
    st.none(), st.integers(0, 2**32 - 1), st.integers(-2**40, -1), st.integers(2**32, 2**70),
    st.builds(np.random.RandomState, st.integers(0, 100)),
    st.builds(np.random.default_rng, st.integers(0, 100)),
    st.floats(), st.text(max_size=3), st.just([1, 2]), st.just(np.array([1, 2])),
)


def _n_rows(X):
    """Rows of a drawn X (for a y of matching length), 3 if it has none."""
    try:
        return len(X) if np.ndim(X) >= 1 else 3
    except (TypeError, ValueError):
        return 3


def _ravel(a):
    return a.ravel() if isinstance(a, np.ndarray) else a


def valid_rows(n_features, rows=ROWS):
    return matrices(n_features, elements=SMALL, rows=rows)


# ---------------------------------------------------------------------------
# the small estimators and data of conftest.py
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trajectories(data):
    return data["traj"]


@pytest.fixture(scope="module")
def pointwise(data):
    return data["reg"]


@pytest.fixture(scope="module")
def fitted(fitted_small):
    return {name: fitted_small(name) for name in [*NEURAL, "PendulumSimulator"]}


# ---------------------------------------------------------------------------
# methods taking X
# ---------------------------------------------------------------------------

#: The columns of the simulator's X.
SIMULATED = ["theta0", "omega0", "length", "mass"]

#: (estimator, method, width of X, call)
X_METHODS = [
    ("TrajectoryRegressor", "predict", 5, lambda est, X: est.predict(X)),
    ("GaussianRegressor", "predict", 5, lambda est, X: est.predict(X)),
    ("GaussianRegressor", "predict(return_std=True)", 5,
     lambda est, X: est.predict(X, return_std=True)),
    ("GaussianRegressor", "predict_interval", 5, lambda est, X: est.predict_interval(X)),
    ("GaussianRegressor", "sample_y", 5,
     lambda est, X: est.sample_y(X, n_samples=2, random_state=0)),
    ("BetaVAE", "transform", N_STEPS, lambda est, X: est.transform(X)),
    ("BetaVAE", "inverse_transform", LATENT, lambda est, X: est.inverse_transform(X)),
    ("BetaVAE", "score_samples", N_STEPS, lambda est, X: est.score_samples(X)),
    ("BetaVAE", "score", N_STEPS, lambda est, X: est.score(X)),
    ("TrajectoryGAN", "score", N_STEPS, lambda est, X: est.score(X)),
    ("PendulumSimulator", "transform", 4, lambda est, X: est.transform(X)),
]


def _positive_rows(n_features):
    """Valid simulator rows: positive lengths and masses."""
    return st.floats(0.1, 5.0) if n_features == 4 else SMALL


@pytest.mark.parametrize("name, method, width, call", X_METHODS,
                         ids=[f"{n}.{m}" for n, m, *_ in X_METHODS])
@fuzz
@given(data=st.data())
def test_methods_taking_X(fitted, name, method, width, call, data):
    est = fitted[name]
    X = data.draw(bad_arrays(width, valid=_positive_rows(width) if
                             name == "PendulumSimulator" else SMALL))
    # the simulator's overflow error names the rows and columns of X
    names = ["X", *SIMULATED] if name == "PendulumSimulator" else ["X"]
    check_outcome(lambda: call(est, X), names, X)


@pytest.mark.parametrize("name", ["TrajectoryRegressor", "GaussianRegressor"])
@fuzz
@given(data=st.data())
def test_regressor_score(fitted, pointwise, name, data):
    est = fitted[name]
    X_ok, y_ok = pointwise[0][:6], pointwise[1][:6]
    which = data.draw(st.sampled_from(["X", "y", "sample_weight"]))
    X, y, w = X_ok, y_ok, None
    if which == "X":
        X = data.draw(bad_arrays(5))
        y = np.zeros(_n_rows(X))
    elif which == "y":
        y = data.draw(st.one_of(bad_arrays(1), bad_arrays(1).map(_ravel),
                                hnp.arrays(np.float64, 6, elements=st.one_of(HUGE, SMALL)),
                                hnp.arrays(np.float64, 6, elements=ANY_FINITE)))
    else:
        w = data.draw(st.one_of(bad_arrays(1).map(_ravel),
                                hnp.arrays(np.float64, 6, elements=st.one_of(HUGE, SMALL)),
                                hnp.arrays(np.float64, 6, elements=st.floats(0, 10))))
    check_outcome(lambda: est.score(X, y, sample_weight=w), [which], X, y, w)


# ---------------------------------------------------------------------------
# fit and partial_fit
# ---------------------------------------------------------------------------

#: A fresh estimator (neural ones train for one epoch), and the width of its X.
FITTERS = {name: (partial(small, name, **({"max_epochs": 1} if name in NEURAL else {})), width)
           for name, width in [("TrajectoryRegressor", 5), ("GaussianRegressor", 5),
                               ("BetaVAE", N_STEPS), ("TrajectoryGAN", N_STEPS),
                               ("PendulumSimulator", 4)]}


def _fit_arguments(data, name, width, *, seeds=False):
    """(X, y, the argument made bad) for fit / partial_fit."""
    which = data.draw(st.sampled_from(["X", "y"] if name in SUPERVISED else ["X"])
                      if not seeds else st.sampled_from(["X", "y", "random_state"]
                                                        if name in SUPERVISED
                                                        else ["X", "random_state"]))
    if which == "random_state":
        X = data.draw(matrices(width, elements=_positive_rows(width), rows=st.just(4)))
        y = np.linspace(0.0, 1.0, 4) if name in SUPERVISED else None
    elif which == "X":
        X = data.draw(bad_arrays(width, valid=_positive_rows(width)))
        y = np.linspace(0.0, 1.0, _n_rows(X)) if name in SUPERVISED else None
    else:
        X = data.draw(valid_rows(width, rows=st.just(4)))
        y = data.draw(st.one_of(
            bad_arrays(1), bad_arrays(1).map(_ravel), bad_arrays(2),
            hnp.arrays(np.float64, 4, elements=st.one_of(HUGE, SMALL)),
            hnp.arrays(np.float64, 4, elements=ANY_FINITE), st.none()))
    return X, y, which


@pytest.mark.parametrize("name", list(FITTERS))
@fuzz
@given(data=st.data())
def test_fit(name, data):
    make, width = FITTERS[name]
    X, y, which = _fit_arguments(data, name, width, seeds=True)
    est = make()
    if which == "random_state":
        est.set_params(random_state=data.draw(SEEDS))
    fitted = check_outcome(lambda: est.fit(X, y), [which], X, y)
    if fitted is not None and name != "PendulumSimulator":
        # a model that trained must give finite predictions on its data
        method = (getattr(est, "predict", None) or getattr(est, "transform", None)
                  or (lambda X: est.sample(2, random_state=0)))
        check_outcome(lambda: method(X), ["X"], X)


@pytest.fixture(scope="module")
def continued(trajectories, pointwise):
    """Fitted estimators that test_partial_fit keeps training."""
    X, _ = trajectories
    return {name: (make().fit(*pointwise) if name in SUPERVISED else make().fit(X))
            for name, (make, _) in FITTERS.items() if name != "PendulumSimulator"}


@pytest.mark.parametrize("name", [n for n in FITTERS if n != "PendulumSimulator"])
@fuzz
@given(data=st.data())
def test_partial_fit(continued, name, data):
    est = continued[name]
    X, y, which = _fit_arguments(data, name, FITTERS[name][1])
    check_outcome(lambda: est.partial_fit(X, y), [which], X, y)


# ---------------------------------------------------------------------------
# sampling: counts and seeds
# ---------------------------------------------------------------------------

SAMPLERS = [
    ("BetaVAE", lambda est, n, seed: est.sample(n, random_state=seed)),
    ("TrajectoryGAN", lambda est, n, seed: est.sample(n, random_state=seed)),
    ("PendulumSimulator", lambda est, n, seed: est.sample(n, random_state=seed)),
    ("PendulumSimulator", lambda est, n, seed: est.sample(n, random_state=seed,
                                                          return_params=True)),
]


@pytest.mark.parametrize("name, call", SAMPLERS,
                         ids=["BetaVAE", "TrajectoryGAN", "PendulumSimulator",
                              "PendulumSimulator-params"])
@fuzz
@given(n_samples=COUNTS, seed=SEEDS)
def test_sample(fitted, name, call, n_samples, seed):
    est = fitted[name]
    result = check_outcome(lambda: call(est, n_samples, seed), ["n_samples", "random_state"],
                           n_samples)
    if result is not None:
        X = result[0] if isinstance(result, tuple) else result
        assert X.shape == (n_samples, N_STEPS)


@fuzz
@given(data=st.data())
def test_gaussian_sample_y(fitted, pointwise, data):
    est = fitted["GaussianRegressor"]
    which = data.draw(st.sampled_from(["X", "n_samples", "random_state"]))
    X = data.draw(bad_arrays(5)) if which == "X" else pointwise[0][:3]
    n = data.draw(COUNTS) if which == "n_samples" else 2
    seed = data.draw(SEEDS) if which == "random_state" else 0
    check_outcome(lambda: est.sample_y(X, n_samples=n, random_state=seed), [which], X, n)


COVERAGES = st.one_of(st.floats(), st.sampled_from([0.0, 1.0, 1e-300, 1 - 1e-16]),
                      st.booleans(), st.text(max_size=3), st.none(), st.just([0.5]),
                      st.integers(-2, 2))


@fuzz
@given(data=st.data())
def test_gaussian_predict_interval_coverage(fitted, pointwise, data):
    est = fitted["GaussianRegressor"]
    coverage = data.draw(COVERAGES)
    check_outcome(lambda: est.predict_interval(pointwise[0][:3], coverage=coverage),
                  ["coverage"], coverage)


# ---------------------------------------------------------------------------
# BetaVAE.traverse
# ---------------------------------------------------------------------------

DIMS = st.one_of(st.integers(-3, LATENT + 2), st.integers(2**40, 2**70),
                 st.integers(0, LATENT - 1).map(np.int64), st.floats(), st.booleans(),
                 st.text(max_size=2), st.none(), st.just([0]))
VALUES = st.one_of(
    st.none(),
    hnp.arrays(np.float64, st.integers(0, 6), elements=st.one_of(SMALL, HUGE, NONFINITE)),
    hnp.arrays(np.float64, st.integers(1, 6), elements=ANY_FINITE),
    st.lists(SMALL, max_size=4), SMALL, st.text(max_size=3),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=3, max_side=3)),
    hnp.arrays(np.complex128, 3), hnp.arrays(object, 2, elements=st.one_of(st.none(), SMALL)),
    hnp.arrays(np.bool_, 3),
)
CODES = st.one_of(
    st.none(),
    hnp.arrays(np.float64, LATENT, elements=st.one_of(SMALL, HUGE, NONFINITE)),
    hnp.arrays(np.float64, LATENT, elements=ANY_FINITE),
    hnp.arrays(np.float64, st.integers(0, LATENT + 2)),
    hnp.arrays(np.float64, (1, LATENT)), st.text(max_size=3), SMALL,
    hnp.arrays(np.complex128, LATENT), hnp.arrays(np.dtype("U2"), LATENT),
)


@fuzz
@given(dim=DIMS, values=VALUES, z=CODES)
def test_vae_traverse(fitted, dim, values, z):
    est = fitted["BetaVAE"]
    result = check_outcome(lambda: est.traverse(dim, values=values, z=z),
                           ["dim", "values", "z"], values, z)
    if result is not None:
        assert result.shape == (5 if values is None else np.size(values), N_STEPS)


# ---------------------------------------------------------------------------
# unfitted estimators
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(FITTERS))
@fuzz
@given(data=st.data())
def test_unfitted_estimators_say_so(name, data):
    from sklearn.exceptions import NotFittedError

    make, width = FITTERS[name]
    est = make()
    X = data.draw(bad_arrays(width))
    method = next(getattr(est, m) for m in ("predict", "transform", "score")
                  if hasattr(est, m))
    with pytest.raises((NotFittedError, ValueError, TypeError)) as info:
        method(X) if method.__name__ != "score" else method(X, None)
    if not isinstance(info.value, NotFittedError):
        assert re.search(_names_pattern(["X"]), str(info.value))


# ---------------------------------------------------------------------------
# PendulumSimulator's parameters
# ---------------------------------------------------------------------------

def _real(valid):
    return st.one_of(valid, st.floats(), HUGE, st.sampled_from([0.0, -1.0, 5e-324]),
                     st.text(max_size=3), st.none(), st.booleans(), st.just([1.0]),
                     st.complex_numbers(max_magnitude=2))


SIMULATOR_PARAMS = {
    "n_steps": st.one_of(st.integers(1, 300), st.integers(-3, 0), st.floats(),
                         st.booleans(), st.text(max_size=3), st.none(),
                         st.integers(1, 50).map(np.int64)),
    "dt": _real(st.floats(1e-4, 0.5)),
    "g": _real(st.floats(0.1, 100.0)),
    "damping": _real(st.floats(0.0, 2.0)),
    "method": st.one_of(st.sampled_from(["auto", "exact", "rk4", "euler-cromer"]),
                        st.text(max_size=6), st.none(), st.integers()),
    "noise_std": _real(st.floats(0.0, 1.0)),
    "noise_growth": _real(st.floats(0.0, 1.0)),
    "random_state": SEEDS,
}


@fuzz
@given(data=st.data())
def test_simulator_parameters(trajectories, data):
    _, factors = trajectories
    # a few parameters at a time, the others valid
    names = data.draw(st.lists(st.sampled_from(sorted(SIMULATOR_PARAMS)), min_size=1,
                               max_size=3, unique=True))
    params = {name: data.draw(SIMULATOR_PARAMS[name]) for name in names}
    sim = PendulumSimulator(**params)
    rows = factors[:3]

    def run():
        X = sim.fit(rows).transform(rows)
        assert X.shape == (3, sim.n_steps)
        return X, sim.sample(2, random_state=0)
    check_outcome(run, names, rows)


# ---------------------------------------------------------------------------
# pendsk.datasets
# ---------------------------------------------------------------------------

RANGES = st.one_of(
    st.tuples(st.floats(-2, 2), st.floats(2, 4)),
    st.tuples(st.floats(), st.floats()),
    st.tuples(HUGE, HUGE),
    st.lists(SMALL, max_size=4), SMALL, st.text(max_size=3), st.none(),
    st.tuples(st.text(max_size=2), st.text(max_size=2)),
    st.tuples(st.complex_numbers(max_magnitude=3), SMALL),
    st.tuples(st.booleans(), st.booleans()),
    hnp.arrays(np.float64, st.sampled_from([(2,), (2, 1), (1, 2), (0,)])),
)

DATASET_PARAMS = {
    "n_steps": SIMULATOR_PARAMS["n_steps"],
    "dt": SIMULATOR_PARAMS["dt"],
    "theta0_range": RANGES,
    "omega0_range": RANGES,
    "length_range": RANGES,
    "mass_range": RANGES,
    "g": SIMULATOR_PARAMS["g"],
    "damping": SIMULATOR_PARAMS["damping"],
    "method": SIMULATOR_PARAMS["method"],
    "noise_std": SIMULATOR_PARAMS["noise_std"],
    "noise_growth": SIMULATOR_PARAMS["noise_growth"],
    "random_state": SEEDS,
    "as_frame": st.one_of(st.booleans(), st.text(max_size=3), st.none(), st.integers()),
}


@pytest.mark.parametrize("function, count", [(make_pendulum, "n_samples"),
                                             (make_pendulum_regression, "n_trajectories")],
                         ids=["make_pendulum", "make_pendulum_regression"])
@fuzz
@given(data=st.data())
def test_datasets(function, count, data):
    names = data.draw(st.lists(st.sampled_from(sorted([*DATASET_PARAMS, count])),
                               min_size=1, max_size=3, unique=True))
    strategies = {**DATASET_PARAMS, count: COUNTS}
    params = {name: data.draw(strategies[name]) for name in names}
    params.setdefault(count, 3)
    params.setdefault("n_steps", 20)
    # an overflow of the simulation names the parameter ("length"), not its range
    named = names + [name[:-len("_range")] for name in names if name.endswith("_range")]
    result = check_outcome(lambda: function(**params), named, *params.values())
    if result is not None:
        X, other = result
        steps = params["n_steps"]
        if function is make_pendulum:
            assert np.shape(X) == (params[count], steps) and np.shape(other) == (params[count], 4)
        else:
            assert np.shape(X) == (params[count] * steps, 5)


# ---------------------------------------------------------------------------
# pendsk.metrics
# ---------------------------------------------------------------------------

@fuzz
@given(data=st.data())
def test_maximum_mean_discrepancy(data):
    which = data.draw(st.sampled_from(["X", "Y", "bandwidth"]))
    X = data.draw(bad_arrays(3)) if which == "X" else data.draw(valid_rows(3, st.integers(2, 5)))
    Y = data.draw(bad_arrays(3)) if which == "Y" else data.draw(valid_rows(3, st.integers(2, 5)))
    bandwidth = data.draw(_real(st.floats(1e-3, 1e3)) | st.sampled_from(
        ["median", "mean", 1e-200, 1e200])) if which == "bandwidth" else "median"
    check_outcome(lambda: maximum_mean_discrepancy(X, Y, bandwidth=bandwidth), [which],
                  X, Y, bandwidth)


@fuzz
@given(data=st.data())
def test_mutual_information_gap(data):
    which = data.draw(st.sampled_from(["latents", "factors", "n_bins", "multioutput"]))
    rows = st.integers(4, 12)
    latents = data.draw(bad_arrays(3) if which == "latents" else valid_rows(3, rows))
    n = _n_rows(latents)
    factors = (data.draw(bad_arrays(2)) if which == "factors"
               else np.column_stack([np.arange(n), np.arange(n) % 3]))
    n_bins = data.draw(st.one_of(st.integers(-2, 50), COUNTS)) if which == "n_bins" else 5
    multioutput = data.draw(st.one_of(
        st.sampled_from(["raw_values", "uniform_average"]), st.text(max_size=5),
        st.none(), st.just(np.ones(2)))) if which == "multioutput" else "uniform_average"
    check_outcome(lambda: mutual_information_gap(latents, factors, n_bins=n_bins,
                                                 multioutput=multioutput),
                  # two arrays of different rows: either may be named
                  [which, "latents and factors"], latents, factors, multioutput)


@fuzz
@given(data=st.data())
def test_active_dimensions(data):
    which = data.draw(st.sampled_from(["latents", "threshold"]))
    latents = data.draw(bad_arrays(3) if which == "latents" else
                        valid_rows(3, st.integers(2, 6)))
    threshold = data.draw(_real(st.floats(0, 1))) if which == "threshold" else 0.01
    check_outcome(lambda: active_dimensions(latents, threshold=threshold), [which],
                  latents, threshold)


# ---------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------

def _flag_values(kind):
    numbers = st.one_of(st.floats().map(repr), st.floats(-5, 5).map(str),
                        st.integers(-5, 40).map(str), HUGE.map(repr),
                        st.sampled_from(["nan", "inf", "-inf", "1e309", "0x10", "1_0"]))
    junk = st.one_of(st.text(max_size=4), st.sampled_from(["", " ", "-", "--", "-x",
                                                           "--n", "1,2,3", ",", "a,b"]))
    if kind == "count":
        return st.one_of(st.integers(-3, 6).map(str), st.sampled_from(["10**3", "1e3", "3.0"]),
                         st.integers(10**15, 10**16).map(str), junk)
    if kind == "range":
        return st.one_of(st.tuples(numbers, numbers).map(",".join), numbers, junk)
    if kind == "choice":
        return st.one_of(st.sampled_from(["auto", "exact", "rk4", "euler-cromer", "npz",
                                          "csv"]), junk)
    if kind == "seed":
        return st.one_of(st.integers(-3, 2**32 - 1).map(str),
                         st.integers(2**32, 2**70).map(str), numbers, junk)
    return st.one_of(numbers, junk)


CLI_FLAGS = {
    "--n": "count", "--n-steps": "count", "--dt": "real", "--g": "real",
    "--damping": "real", "--method": "choice", "--format": "choice",
    "--noise-std": "real", "--noise-growth": "real", "--theta0-range": "range",
    "--omega0-range": "range", "--length-range": "range", "--mass-range": "range",
    "--seed": "seed",
}


def _flag_pattern(flag):
    """The flag or its parameter's name (``--noise-std`` or ``noise_std``;
    ``--seed`` is make_pendulum's ``random_state``; a range's values that
    overflow the simulation are named by the parameter, ``--omega0-range``
    as ``omega0``)."""
    stem = {"--seed": "random_state"}.get(flag, flag.lstrip("-"))
    pattern = (rf"{re.escape(flag)}(?![\w-])|"
               rf"(?<![\w-]){'.'.join(map(re.escape, stem.split('-')))}(?![\w])")
    if stem.endswith("-range"):
        pattern += rf"|(?<![\w-]){re.escape(stem[:-len('-range')])}(?![\w])"
    return pattern


@fuzz
@given(data=st.data())
def test_cli_simulate_flags(tmp_path_factory, data):
    flags = data.draw(st.lists(st.sampled_from(sorted(CLI_FLAGS)), min_size=1, max_size=3,
                               unique=True))
    values = {flag: data.draw(_flag_values(CLI_FLAGS[flag])) for flag in flags}
    out = tmp_path_factory.mktemp("cli") / data.draw(st.sampled_from(["x.npz", "x.csv"]))
    argv = ["simulate", "--n", "2", "--n-steps", "5", "--out", str(out)]
    for flag, value in values.items():
        argv += [flag, value]
    stdout, stderr = io.StringIO(), io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                status = main(argv)
            except SystemExit as exc:
                status = ("exit", exc.code)
    err = stderr.getvalue()
    _event(f"status {status}")
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if "error" in line]
    if status == 0:
        assert err == "" and out.exists()
        return
    assert not out.exists()
    pattern = "|".join(_flag_pattern(flag) for flag in flags)
    assert len(lines) == 1, err
    # 1: the estimator's own message; ("exit", 2): argparse's error, without
    # the usage block; either way one line, naming the flag or its value
    assert status in (1, ("exit", 2)), status
    assert err.count("\n") == 1 and err.startswith("pendsk simulate: error: "), err
    assert re.search(pattern, lines[0]) or "memory" in lines[0], err


# ---------------------------------------------------------------------------
# what the fuzzing found, as plain examples
# ---------------------------------------------------------------------------

HUGE_ROWS = np.array([[1.0], [-1.0], [1.0]]) * 1e300

FOUND = [
    # predictions that overflowed to inf / NaN after scaling now raise
    ("TrajectoryRegressor", lambda e: e.predict(np.full((2, 5), -1.7976931348623157e308)),
     "X holds values"),
    ("BetaVAE", lambda e: e.transform(np.full((2, N_STEPS), -1e308)), "X holds values"),
    # torch's "Expected parameter loc ..." from the ELBO's Normal
    ("BetaVAE", lambda e: e.score_samples(np.full((2, N_STEPS), 1e300)), "X holds values"),
    # R² of one row or of overflowing targets was NaN
    ("TrajectoryRegressor", lambda e: e.score([[1.0, 1.0, 1.0, 1.0, 0.0]], [1.0]),
     "at least 2 rows"),
    ("TrajectoryRegressor", lambda e: e.score(np.ones((3, 5)), 1e300 * np.array([1, -1, 1])),
     "y or sample_weight"),
    # coverage next to 1 gave an infinite interval
    ("GaussianRegressor", lambda e: e.predict_interval(np.ones((2, 5)), 1 - 1e-16), None),
    # bools were counts and dimensions
    ("BetaVAE", lambda e: e.sample(True), "n_samples"),
    ("BetaVAE", lambda e: e.traverse(True), "dim"),
    ("TrajectoryGAN", lambda e: e.sample(np.True_), "n_samples"),
    ("PendulumSimulator", lambda e: e.sample(True), "n_samples"),
    # errors that did not name their argument
    ("BetaVAE", lambda e: e.traverse(0, values=[]), "values"),
    ("BetaVAE", lambda e: e.inverse_transform(np.zeros((2, LATENT)) + 1j), "X"),
    ("TrajectoryRegressor", lambda e: e.predict(np.zeros(5)), "X"),
    # MMD of huge rows was NaN (overflowing squared distances)
    ("TrajectoryGAN", lambda e: e.score(np.full((3, N_STEPS), 1e300)), None),
    ("PendulumSimulator", lambda e: e.transform([[0.1, 1e300, 1.0, 1.0]]), None),
]


@pytest.mark.parametrize("name, call, match", FOUND)
def test_found_by_fuzzing_estimators(fitted, name, call, match):
    if match is None:  # finite numbers now (check_outcome checks them)
        assert check_outcome(lambda: call(fitted[name]), ["X"]) is not None
    else:
        with pytest.raises((ValueError, TypeError), match=match):
            call(fitted[name])


@pytest.mark.parametrize("call, match", [
    # y of strings passed validate_data(y_numeric=True) and failed in the scaler
    (lambda: small("TrajectoryRegressor").fit(np.ones((4, 5)), np.array(["a"] * 4)),
     "Invalid y"),
    # data whose variance overflows trained on infinities, or torch raised
    (lambda: small("BetaVAE").fit(np.full((4, 6), 1e200) * [[1], [-1], [1], [-1]]),
     "X holds values too large"),
    (lambda: small("GaussianRegressor").fit(np.ones((4, 2)), [1e300, -1e300, 0.0, 1.0]),
     "y holds values too large"),
    # a wide box overflowed numpy's uniform (OverflowError)
    (lambda: PendulumSimulator(n_steps=5).fit([[-1e308, 0, 1, 1], [1e308, 0, 1, 1]])
     .sample(3, random_state=0), None),
    (lambda: make_pendulum(3, 5, theta0_range=("", "")), "theta0_range"),
    (lambda: make_pendulum(True, 5), "n_samples"),
    (lambda: PendulumSimulator(n_steps=5, noise_std=1e300).fit([[0, 0, 1, 1]])
     .transform([[0, 0, 1, 1]]), "noise_std"),
    (lambda: maximum_mean_discrepancy(HUGE_ROWS, np.zeros((3, 1))), None),
    (lambda: maximum_mean_discrepancy(np.eye(3), np.eye(3) + 1, bandwidth=1e-200), None),
    (lambda: mutual_information_gap(np.column_stack([HUGE_ROWS, [0.0, 1.0, 2.0]]),
                                    [[0.0], [1.0], [2.0]]), None),
])
def test_found_by_fuzzing_functions(call, match):
    if match is None:  # finite numbers now (check_outcome checks them)
        assert check_outcome(call, ["X"]) is not None
    else:
        with pytest.raises((ValueError, TypeError), match=match):
            call()


def test_found_by_fuzzing_active_dimensions_of_a_huge_constant():
    # var([-1e308] * 3) overflowed to inf: a constant code looked active
    latents = np.array([[-1e308, 0.0], [-1e308, 1.0], [-1e308, 0.0]])
    assert active_dimensions(latents).tolist() == [False, True]


def test_found_by_fuzzing_cli_wide_range(tmp_path, capsys):
    # numpy's uniform raised OverflowError: a traceback from the CLI
    out = tmp_path / "x.npz"
    assert main(["simulate", "--n", "2", "--n-steps", "3", "--out", str(out),
                 "--theta0-range=-1e308,1e308"]) == 0
    assert capsys.readouterr().err == ""
