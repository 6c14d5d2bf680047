"""Fuzzed inputs for the entry points test_fuzz.py leaves out (hypothesis).

The same outcome as there (``test_fuzz.check_outcome``: a ValueError or
TypeError naming the argument, or finite numbers; the caller's arrays
untouched), for: every hyperparameter of every neural estimator (a fit
with one bad setting), settings changed by ``set_params`` after fitting
(the simulator's and the neural estimators'), PhysicsVAE's methods,
``return_std`` flags, ``get_feature_names_out``, the disentanglement
metrics, :mod:`pendsk.physics`, :func:`pendsk.parallel.simulate_blocks`
and :mod:`pendsk.plotting`.  A call that fails leaves a fitted estimator
as it was: its outputs are compared before and after.  200 examples each,
derandomized, marked slow.
"""

import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError

from conftest import N_STEPS, NEURAL, SUPERVISED, fit_args, output, small
from test_fuzz import (
    ANY_FINITE,
    COUNTS,
    HUGE,
    SEEDS,
    SIMULATOR_PARAMS,
    SMALL,
    bad_arrays,
    check_outcome,
    fuzz,
    valid_rows,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def fitted(fitted_small):
    return {name: fitted_small(name) for name in [*NEURAL, "PendulumSimulator"]}


# ---------------------------------------------------------------------------
# hyperparameters: a fit with one bad setting
# ---------------------------------------------------------------------------

#: Settings whose huge valid values would make a one-epoch fit (or a
#: transform: refine_steps) run long.
_BOUNDED = {"max_epochs", "n_iter_no_change", "n_critic", "batch_size", "refine_steps"}

#: Settings that methods read after fit and that change their output
#: (the codes of transform; what sample adds to the decoded rows).
_READ_AFTER_FIT = {"refine_steps", "sample_noise"}


def _setting_values(name):
    """Values of every kind for the hyperparameter ``name``."""
    ints = st.integers(-3, 6) if name in _BOUNDED else st.one_of(
        st.integers(-3, 6), st.sampled_from([2**40, 2**62, 2**70]))
    return st.one_of(
        ints, st.integers(-3, 6).map(np.int64), st.floats(), HUGE,
        st.sampled_from([0.0, 1e-300, 1e6, 1e30, 0.5, 1.0, 2.5]),
        st.booleans(), st.just(np.True_), st.text(max_size=4), st.none(),
        st.sampled_from(["auto", "cuda", "cpu", "relu", "cosine", "gmm", "standard",
                         "wgan-gp", "ns-r1", "wgan-clip", "heteroscedastic"]),
        st.lists(st.integers(-2, 12), max_size=3).map(tuple),
        st.tuples(st.floats(), st.floats()), st.tuples(SMALL, st.integers(-1, 4)),
        st.just(((8, 8),)), st.just([1]), st.just({}), st.just(int),
        st.complex_numbers(max_magnitude=3), st.just(np.array([1, 2])),
    )


def _n_rows_data(name, data):
    args = fit_args(name, data)
    return tuple(a[:8] for a in args)


@pytest.mark.parametrize("name", NEURAL)
@fuzz
@given(fuzz_data=st.data())
def test_every_hyperparameter(name, data, fuzz_data):
    est = small(name, max_epochs=1)
    param = fuzz_data.draw(st.sampled_from(sorted(est.get_params())))
    if param in ("verbose", "max_epochs"):  # output / length only; drawn below
        value = fuzz_data.draw(st.one_of(st.integers(-1, 1), st.text(max_size=2),
                                         st.floats(), st.none()))
    else:
        value = fuzz_data.draw(_setting_values(param))
    est.set_params(**{param: value})
    args = _n_rows_data(name, data)
    fitted = check_outcome(lambda: est.fit(*args), [param], *args)
    if fitted is None:  # a failed first fit leaves it unfitted
        with pytest.raises(NotFittedError):
            output(est, args[0])


# ---------------------------------------------------------------------------
# settings changed after fit
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NEURAL)
@fuzz
@given(fuzz_data=st.data())
def test_set_params_after_fit(fitted, name, data, fuzz_data):
    est = pickle.loads(pickle.dumps(fitted[name]))
    X = fit_args(name, data)[0][:4]
    before = output(est, X)
    param = fuzz_data.draw(st.sampled_from(sorted(est.get_params())))
    est.set_params(**{param: fuzz_data.draw(_setting_values(param))})
    # methods read fitted state, and check the settings they use (n_jobs,
    # and those of _READ_AFTER_FIT, which change what they give)
    result = check_outcome(lambda: output(est, X), [param, "X"], X)
    if result is not None and param not in _READ_AFTER_FIT:
        assert_allclose(result, before, rtol=1e-12, atol=1e-12)


@fuzz
@given(fuzz_data=st.data())
def test_simulator_set_params_after_fit(fitted, data, fuzz_data):
    sim = pickle.loads(pickle.dumps(fitted["PendulumSimulator"]))
    names = fuzz_data.draw(st.lists(st.sampled_from(sorted(SIMULATOR_PARAMS)), min_size=1,
                                    max_size=3, unique=True))
    sim.set_params(**{name: fuzz_data.draw(SIMULATOR_PARAMS[name]) for name in names})
    rows = data["traj"][1][:3]

    def run():
        X = sim.transform(rows)
        assert X.shape == (3, sim.n_steps)
        assert sim.get_feature_names_out().shape == (sim.n_steps,)
        return X, sim.sample(2, random_state=0)
    check_outcome(run, names, rows)


# ---------------------------------------------------------------------------
# PhysicsVAE's methods, return_std, get_feature_names_out
# ---------------------------------------------------------------------------

PHYSICS_METHODS = [
    ("transform", N_STEPS, lambda est, X: est.transform(X)),
    ("inverse_transform", 4, lambda est, X: est.inverse_transform(X)),
    ("score_samples", N_STEPS, lambda est, X: est.score_samples(X)),
    ("score", N_STEPS, lambda est, X: est.score(X)),
]


@pytest.mark.parametrize("method, width, call", PHYSICS_METHODS,
                         ids=[m for m, *_ in PHYSICS_METHODS])
@fuzz
@given(fuzz_data=st.data())
def test_physics_vae_methods_taking_X(fitted, method, width, call, fuzz_data):
    est = fitted["PhysicsVAE"]
    X = fuzz_data.draw(bad_arrays(width))
    check_outcome(lambda: call(est, X), ["X"], X)


@fuzz
@given(n_samples=COUNTS, seed=SEEDS)
def test_physics_vae_sample(fitted, n_samples, seed):
    result = check_outcome(lambda: fitted["PhysicsVAE"].sample(n_samples, random_state=seed),
                           ["n_samples", "random_state"], n_samples)
    if result is not None:
        assert result.shape == (n_samples, N_STEPS)


LATENTS = st.one_of(st.integers(-2, 6), st.integers(2**40, 2**70),
                    st.sampled_from(["theta0", "omega0", "natural_frequency", "aux_0",
                                     "omega", "", "THETA0"]),
                    st.floats(), st.booleans(), st.none(), st.just([0]))
PHYSICAL_VALUES = st.one_of(
    st.none(), hnp.arrays(np.float64, st.integers(0, 4),
                          elements=st.one_of(SMALL, HUGE, st.just(np.nan))),
    st.lists(st.floats(0.1, 3.0), min_size=1, max_size=3), st.text(max_size=2),
    hnp.arrays(np.float64, (2, 2)), hnp.arrays(np.complex128, 2))
CODES4 = st.one_of(st.none(), hnp.arrays(np.float64, st.integers(0, 6),
                                         elements=st.one_of(SMALL, HUGE, st.just(np.inf))),
                   st.just([1.0, 1.0, 2.5, 0.3]), st.text(max_size=2))


@fuzz
@given(latent=LATENTS, values=PHYSICAL_VALUES, z=CODES4,
       scale=st.one_of(st.booleans(), st.text(max_size=2), st.none(), st.integers(-1, 2)))
def test_physics_vae_traverse(fitted, latent, values, z, scale):
    est = fitted["PhysicsVAE"]
    result = check_outcome(lambda: est.traverse(latent, values=values, z=z,
                                                scale_omega0=scale),
                           ["latent", "values", "z", "scale_omega0"], values, z)
    if result is not None:
        assert result.shape[1] == N_STEPS


FLAGS = st.one_of(st.booleans(), st.just(np.False_), st.text(max_size=3), st.none(),
                  st.integers(-1, 2), st.floats(), st.just([True]))
RETURN_STD = [("GaussianRegressor", lambda est, d, flag: est.predict(d["reg"][0][:3],
                                                                     return_std=flag)),
              ("BetaVAE", lambda est, d, flag: est.transform(d["traj"][0][:3],
                                                             return_std=flag)),
              ("PhysicsVAE", lambda est, d, flag: est.transform(d["traj"][0][:3],
                                                                return_std=flag))]


@pytest.mark.parametrize("name, call", RETURN_STD, ids=[n for n, _ in RETURN_STD])
@fuzz
@given(flag=FLAGS)
def test_return_std_flags(fitted, data, name, call, flag):
    result = check_outcome(lambda: call(fitted[name], data, flag), ["return_std"], flag)
    if result is not None:
        assert isinstance(result, tuple) == bool(flag)


FEATURE_NAMES = st.one_of(
    st.none(), st.lists(st.text(max_size=3), max_size=6),
    st.lists(st.sampled_from(["theta0", "omega0", "length", "mass"]), min_size=4,
             max_size=4), st.integers(), st.text(max_size=3),
    hnp.arrays(np.float64, 4), st.just(np.array(["a", "b"], dtype=object)))


@pytest.mark.parametrize("name", ["PendulumSimulator", "BetaVAE", "PhysicsVAE"])
@fuzz
@given(names=FEATURE_NAMES)
def test_get_feature_names_out(fitted, name, names):
    result = check_outcome(lambda: np.asarray(fitted[name].get_feature_names_out(names),
                                              dtype=object).astype(str).size,
                           ["input_features", "feature"], names)
    if result is not None:
        assert result >= 1


# ---------------------------------------------------------------------------
# pendsk.metrics: dci and disentanglement_completeness
# ---------------------------------------------------------------------------

@fuzz
@given(fuzz_data=st.data())
def test_dci(fuzz_data):
    from pendsk.metrics import dci

    which = fuzz_data.draw(st.sampled_from(["latents", "factors", "test_size",
                                            "random_state"]))
    rows = st.integers(6, 12)
    latents = fuzz_data.draw(bad_arrays(2) if which == "latents" else valid_rows(2, rows))
    n = len(latents) if isinstance(latents, np.ndarray) and latents.ndim else 8
    factors = (fuzz_data.draw(bad_arrays(2)) if which == "factors"
               else np.column_stack([np.arange(n), (np.arange(n) % 3)]).astype(float))
    test_size = fuzz_data.draw(st.one_of(st.floats(), st.integers(-1, 20), st.booleans(),
                                         st.text(max_size=2), st.none())) \
        if which == "test_size" else 0.25
    seed = fuzz_data.draw(SEEDS) if which == "random_state" else 0
    result = check_outcome(lambda: dci(latents, factors, test_size=test_size,
                                       random_state=seed).importance_matrix,
                           [which, "latents and factors"], latents, factors)
    if result is not None:
        assert (result >= 0).all()


@fuzz
@given(matrix=bad_arrays(3, valid=st.floats(0, 10)))
def test_disentanglement_completeness(matrix):
    from pendsk.metrics import disentanglement_completeness

    result = check_outcome(lambda: disentanglement_completeness(matrix),
                           ["importance_matrix"], matrix)
    if result is not None:
        assert all(0 - 1e-12 <= v <= 1 + 1e-12 for v in result)


# ---------------------------------------------------------------------------
# pendsk.physics
# ---------------------------------------------------------------------------

PHYSICS_ARGS = st.one_of(
    st.floats(-3, 3), st.floats(0.1, 5), HUGE, st.floats(), st.booleans(), st.none(),
    st.text(max_size=2), st.complex_numbers(max_magnitude=2),
    hnp.arrays(np.float64, st.integers(0, 3), elements=st.one_of(SMALL, HUGE)),
    hnp.arrays(np.float64, (2, 2), elements=SMALL), st.just([1.0, 2.0]),
    st.just(np.array(["1.0"])), st.just(np.array([np.datetime64("2020-01-01")])))


@pytest.mark.parametrize("function", ["amplitude", "elliptic_parameter", "period"])
@fuzz
@given(fuzz_data=st.data())
def test_physics_functions(function, fuzz_data):
    import pendsk.physics

    which = fuzz_data.draw(st.sampled_from(["theta0", "omega0", "length", "g"]))
    args = {"theta0": 0.5, "omega0": 0.2, "length": 1.0, "g": 9.81}
    args[which] = fuzz_data.draw(PHYSICS_ARGS)
    function = getattr(pendsk.physics, function)

    def call():
        # m and the period are +inf, as documented, for a pendulum that goes
        # over the top; NaN or -inf never
        result = function(**args)
        return np.where(np.isposinf(result), np.finfo(np.float64).max, result)
    result = check_outcome(call, [which], args[which])
    if result is not None:
        assert np.all(result >= 0)


# ---------------------------------------------------------------------------
# pendsk.parallel.simulate_blocks
# ---------------------------------------------------------------------------

@fuzz
@given(fuzz_data=st.data())
def test_simulate_blocks(fitted, fuzz_data):
    da = pytest.importorskip("dask.array")
    from pendsk.parallel import simulate_blocks

    which = fuzz_data.draw(st.sampled_from(["params", "rows_per_block"]))
    if which == "params":
        array = fuzz_data.draw(bad_arrays(4, valid=st.floats(0.1, 3.0)))
        wrap = fuzz_data.draw(st.booleans())
        params = da.from_array(array, chunks=2) if wrap and isinstance(array, np.ndarray) \
            and array.dtype.kind in "biufc" and array.ndim == 2 and array.size else array
        rows_per_block = None
    else:
        params = da.from_array(np.full((5, 4), 0.5), chunks=2)
        rows_per_block = fuzz_data.draw(COUNTS)
    names = [which, "theta0", "omega0", "length", "mass"]
    result = check_outcome(
        lambda: simulate_blocks(fitted["PendulumSimulator"], params,
                                rows_per_block=rows_per_block).compute(), names)
    if result is not None:
        assert result.shape[1] == N_STEPS


# ---------------------------------------------------------------------------
# pendsk.plotting
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def plt():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    yield plt
    plt.close("all")


def _plot(plt, call):
    """The call's outcome (check_outcome), the figure closed afterwards."""
    def run():
        try:
            ax = call()
            return np.asarray([len(ax.lines) + len(ax.collections)], dtype=float)
        finally:
            plt.close("all")
    return run


@fuzz
@given(fuzz_data=st.data())
def test_plot_trajectories(plt, fuzz_data):
    from pendsk.plotting import plot_trajectories

    which = fuzz_data.draw(st.sampled_from(["X", "dt", "t", "labels"]))
    X = fuzz_data.draw(bad_arrays(6)) if which == "X" else np.zeros((2, 6))
    dt = fuzz_data.draw(st.one_of(st.floats(), HUGE, st.text(max_size=2), st.none(),
                                  st.booleans())) if which == "dt" else 0.1
    t = fuzz_data.draw(st.one_of(bad_arrays(6).map(lambda a: np.ravel(a)
                                                   if isinstance(a, np.ndarray) else a),
                                 st.none())) if which == "t" else None
    labels = fuzz_data.draw(st.one_of(st.lists(st.text(max_size=2), max_size=4), st.none(),
                                      st.integers(), st.text(max_size=2))) \
        if which == "labels" else None
    check_outcome(_plot(plt, lambda: plot_trajectories(X, dt=dt, t=t, labels=labels)),
                  [which], X, t)


@fuzz
@given(fuzz_data=st.data())
def test_plot_prediction_interval(plt, fuzz_data):
    from pendsk.plotting import plot_prediction_interval

    which = fuzz_data.draw(st.sampled_from(["t", "mean", "std", "n_std", "truth",
                                            "observed"]))
    vectors = st.one_of(hnp.arrays(np.float64, st.integers(0, 6),
                                   elements=st.one_of(SMALL, HUGE, st.just(np.nan))),
                        hnp.arrays(np.float64, (2, 3)), st.text(max_size=2), st.none(),
                        st.integers())
    args = {"t": np.arange(4.0), "mean": np.zeros(4), "std": np.ones(4), "n_std": 3.0,
            "truth": None, "observed": None}
    args[which] = fuzz_data.draw(st.one_of(st.floats(), HUGE, st.text(max_size=2),
                                           st.booleans()) if which == "n_std" else vectors)
    check_outcome(_plot(plt, lambda: plot_prediction_interval(**args)), [which],
                  *args.values())


@fuzz
@given(fuzz_data=st.data())
def test_plot_latent_traversal(plt, fuzz_data):
    from pendsk.plotting import plot_latent_traversal

    which = fuzz_data.draw(st.sampled_from(["traversals", "values", "dt"]))
    traversals = fuzz_data.draw(bad_arrays(5)) if which == "traversals" else np.zeros((3, 5))
    values = fuzz_data.draw(st.one_of(hnp.arrays(np.float64, st.integers(0, 5)),
                                      st.text(max_size=2), st.integers(), st.none())) \
        if which == "values" else None
    dt = fuzz_data.draw(st.one_of(st.floats(), HUGE, st.none(), st.text(max_size=2))) \
        if which == "dt" else 0.1
    check_outcome(_plot(plt, lambda: plot_latent_traversal(traversals, values=values, dt=dt)),
                  [which], traversals, values)


@fuzz
@given(fuzz_data=st.data())
def test_plot_history(plt, fitted, fuzz_data):
    from pendsk.plotting import plot_history

    which = fuzz_data.draw(st.sampled_from(["history", "keys"]))
    history = fuzz_data.draw(st.one_of(st.none(), st.integers(), st.text(max_size=2),
                                       st.just([]), st.just([{"epoch": 1}]),
                                       st.just([{"train_loss": np.nan}]),
                                       st.just([{"train_loss": 1e300}]))) \
        if which == "history" else fitted["BetaVAE"].history_
    keys = fuzz_data.draw(st.one_of(st.none(), st.text(max_size=4), st.lists(
        st.sampled_from(["train_loss", "valid_loss", "nope", ""]), max_size=3),
        st.integers())) if which == "keys" else None
    check_outcome(_plot(plt, lambda: plot_history(history, keys=keys)), [which])


# ---------------------------------------------------------------------------
# a failed continuation leaves a fitted model as it was
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", NEURAL)
@fuzz
@given(fuzz_data=st.data())
def test_a_failed_partial_fit_changes_nothing(fitted, name, data, fuzz_data):
    est = pickle.loads(pickle.dumps(fitted[name]))
    X_ok = fit_args(name, data)[0][:4]
    before, n_epochs = output(est, X_ok), len(est.history_)
    width = X_ok.shape[1]
    X = fuzz_data.draw(bad_arrays(width))
    y = (fuzz_data.draw(st.one_of(bad_arrays(1), st.none(),
                                  hnp.arrays(np.float64, 3, elements=ANY_FINITE)))
         if name in SUPERVISED else None)
    if check_outcome(lambda: est.partial_fit(X, y), ["X", "y"], X, y) is None:
        assert len(est.history_) == n_epochs
        assert_array_equal(output(est, X_ok), before)

