"""Settings, estimators, data and fitted models shared by the test modules.

Settings, per estimator class name, in three tiers:

``SMALL`` / :func:`small`
    Small, fast settings for conftest's ``data`` (and scikit-learn's
    estimator checks in test_common.py), where the quality of the fit is
    not the point.
``QUICK`` / :func:`quick`
    Brief runs on a module's own data sets (the modules' ``tiny``
    models): the settings their exact assertions are written for (the
    GAN's step counts assume 3 epochs of batches of 32, test_vae_prior.py
    checks 4 prior components, PhysicsVAE's ``dt`` is that of its data).
``LEARN`` / :func:`learn`
    Runs that learn their data, for the slow tests that check what a
    model has learned.

``NEURAL`` names the five neural estimators, which share the machinery of
pendsk/_neural/ (estimator.py, nets.py, callbacks.py, runtime.py).

Data (``TRAJECTORIES`` names make_pendulum's settings of each kind of
trajectories: ``"clean"``, ``"physics"``, ``"noisy"``):

``data`` (fixture)
    One small data set of each kind: regression rows ``"reg"`` (``X`` of
    5 columns, ``y``) and pendulum trajectories ``"traj"`` (40 "clean"
    ones: ``X`` of ``N_STEPS`` columns, with the parameter rows that made
    them).
``shared_trajectories(kind, n_samples, random_state)`` (fixture factory)
    ``make_pendulum(n_samples, random_state=random_state,
    **TRAJECTORIES[kind])``, made once per session for each set of
    arguments: two modules asking for the same trajectories share them.
    The arrays are read-only.

Fitted models, once per session and shared (call their methods, never
change them; copy or pickle one first to change it):

``shared_fit(estimator, *args)`` (fixture factory)
    ``estimator.fit(*args)``, cached by the estimator's class and
    parameters (with an int ``random_state``) and by the bytes of the
    arguments: the same settings on the same data train one model.
``fitted_small(name)`` (fixture factory)
    ``shared_fit(small(name), *fit_args(name, data))``.
"""

import hashlib

import numpy as np
import pytest
from sklearn.base import clone

import pendsk
from pendsk.datasets import make_pendulum

#: The neural estimators (they share pendsk/_neural/), by class name.
NEURAL = ["TrajectoryRegressor", "GaussianRegressor", "TrajectoryGAN", "BetaVAE",
          "PhysicsVAE"]
SUPERVISED = {"TrajectoryRegressor", "GaussianRegressor"}

#: The small trajectories: 5 s of motion (about two periods) in 50 steps.
N_STEPS, DT = 50, 0.1
#: The small BetaVAE's number of codes.
LATENT = 3

#: make_pendulum's settings for each kind of trajectories, by name.
TRAJECTORIES = {
    # 5 s of motion (about two periods) in 50 steps, nearly noise-free
    "clean": dict(n_steps=N_STEPS, dt=DT, noise_std=0.01, noise_growth=0.0),
    # PhysicsVAE's: 5 s in 100 steps at g = 10, 0.01 rad of noise
    "physics": dict(n_steps=100, dt=0.05, g=10.0, noise_std=0.01, noise_growth=0.0),
    # 50 steps at make_pendulum's default step, with the article's noise
    # growing along the trajectory
    "noisy": dict(n_steps=N_STEPS),
}

_NET = dict(hidden_layer_sizes=(16,), max_epochs=5, batch_size=32, lr=1e-2, random_state=0)

#: Small, fast settings per estimator class name.
SMALL = {
    "PendulumSimulator": dict(n_steps=N_STEPS, dt=DT, noise_std=0.01, random_state=0),
    "TrajectoryRegressor": _NET,
    "GaussianRegressor": _NET,
    # the GAN in the codes of a small β-VAE (the default's design)
    "TrajectoryGAN": {**_NET, "hidden_layer_sizes": (16, 16), "lr": 1e-3,
                      "embedding": pendsk.BetaVAE(**{**_NET, "latent_dim": 2})},
    "BetaVAE": {**_NET, "latent_dim": LATENT},
    "PhysicsVAE": {**_NET, "aux_dim": 1, "dt": DT},
}

_QUICK_REGRESSOR = dict(hidden_layer_sizes=(32, 32), max_epochs=20, lr=5e-3, random_state=0)

#: Brief runs on a module's own data sets, per estimator class name.
QUICK = {
    # test_regression.py: the article's pointwise rows, and (with batches
    # of 32) whole trajectories from their parameters
    "TrajectoryRegressor": _QUICK_REGRESSOR,
    "GaussianRegressor": _QUICK_REGRESSOR,
    # test_gan.py: 3 epochs of batches of 32 (its step counts), on whole
    # trajectories (test_gan.py tests the embedding apart)
    "TrajectoryGAN": dict(hidden_layer_sizes=(16, 32), max_epochs=3, lr=1e-3, batch_size=32,
                          embedding=None, random_state=0),
    # test_vae.py and test_vae_prior.py: 4 prior components (not the default)
    "BetaVAE": dict(latent_dim=LATENT, hidden_layer_sizes=(16,), max_epochs=5, lr=1e-2,
                    prior_components=4, random_state=0),
    # test_physics_vae.py, on the "physics" trajectories
    "PhysicsVAE": dict(aux_dim=1, dt=TRAJECTORIES["physics"]["dt"], hidden_layer_sizes=(8,),
                       max_epochs=2, random_state=0),
}

_LEARN_REGRESSOR = dict(max_epochs=60, lr=5e-3, random_state=0)

#: Runs that learn their data (the slow tests), per estimator class name.
LEARN = {
    # the article's pointwise rows (a few seconds per fit)
    "TrajectoryRegressor": _LEARN_REGRESSOR,
    "GaussianRegressor": _LEARN_REGRESSOR,
    # 200 "clean" trajectories (about a second per fit)
    "TrajectoryGAN": dict(max_epochs=100, lr=1e-3, batch_size=32, embedding=None,
                          random_state=0),
    "BetaVAE": dict(latent_dim=LATENT, hidden_layer_sizes=(64,), max_epochs=150, lr=1e-2,
                    random_state=0),
    # 200 "physics" trajectories (a few seconds)
    "PhysicsVAE": dict(aux_dim=1, dt=TRAJECTORIES["physics"]["dt"], hidden_layer_sizes=(32,),
                       max_epochs=40, random_state=0),
}


def _make(settings, cls_or_name, overrides):
    cls = getattr(pendsk, cls_or_name) if isinstance(cls_or_name, str) else cls_or_name
    params = {**settings[cls.__name__], **overrides}
    # a fresh copy of an estimator-valued setting (the GAN's embedding), so
    # that a test's set_params cannot reach the next test's estimator
    return cls(**{name: clone(value) if hasattr(value, "get_params")
                  and not isinstance(value, type) else value
                  for name, value in params.items()})


def small(cls_or_name, **overrides):
    """An unfitted estimator with the ``SMALL`` settings of its class,
    updated by ``overrides``."""
    return _make(SMALL, cls_or_name, overrides)


def quick(cls_or_name, **overrides):
    """An unfitted estimator with the ``QUICK`` settings of its class,
    updated by ``overrides``."""
    return _make(QUICK, cls_or_name, overrides)


def learn(cls_or_name, **overrides):
    """An unfitted estimator with the ``LEARN`` settings of its class,
    updated by ``overrides``."""
    return _make(LEARN, cls_or_name, overrides)


def fit_args(name, data):
    """The arguments of ``fit`` for the estimator class ``name``."""
    if name == "PendulumSimulator":
        return (data["traj"][1],)
    return data["reg"] if name in SUPERVISED else data["traj"][:1]


def output(est, X):
    """The estimator's main output for the rows ``X``, as one float64 array:
    the predictions (with the std for GaussianRegressor), the VAE's codes
    beside their decoding, or (ignoring ``X``) the GAN's samples for a
    fixed seed."""
    name = type(est).__name__
    if name == "GaussianRegressor":
        return np.column_stack(est.predict(X, return_std=True))
    if name == "TrajectoryRegressor":
        return est.predict(X)
    if name == "TrajectoryGAN":
        return est.sample(10, random_state=0)
    Z = est.transform(X)
    return np.hstack([Z, est.inverse_transform(Z)])


#: Every output method of each estimator, as ``(label, call(est, data))``.
OUTPUTS = {
    "PendulumSimulator": [
        ("transform", lambda est, d: est.transform(d["traj"][1])),
        ("sample", lambda est, d: est.sample(5, random_state=0)),
        ("sample(return_params)",
         lambda est, d: np.hstack(est.sample(3, random_state=1, return_params=True))),
        ("get_feature_names_out", lambda est, d: est.get_feature_names_out()),
    ],
    "TrajectoryRegressor": [
        ("predict", lambda est, d: est.predict(d["reg"][0])),
        ("score", lambda est, d: est.score(*d["reg"])),
    ],
    "GaussianRegressor": [
        ("predict", lambda est, d: est.predict(d["reg"][0])),
        ("predict(return_std)",
         lambda est, d: np.stack(est.predict(d["reg"][0], return_std=True))),
        ("predict_interval", lambda est, d: np.stack(est.predict_interval(d["reg"][0]))),
        ("sample_y", lambda est, d: est.sample_y(d["reg"][0], n_samples=3, random_state=0)),
        ("score", lambda est, d: est.score(*d["reg"])),
    ],
    "TrajectoryGAN": [
        ("sample", lambda est, d: est.sample(7, random_state=0)),
        ("score", lambda est, d: est.score(d["traj"][0])),
    ],
    "BetaVAE": [
        ("transform", lambda est, d: est.transform(d["traj"][0])),
        ("inverse_transform",
         lambda est, d: est.inverse_transform(est.transform(d["traj"][0]))),
        ("sample", lambda est, d: est.sample(7, random_state=0)),
        ("score_samples", lambda est, d: est.score_samples(d["traj"][0])),
        ("score", lambda est, d: est.score(d["traj"][0])),
        ("traverse", lambda est, d: est.traverse(1, values=[-1.0, 0.0, 2.0],
                                                 z=[0.1, -0.2, 0.3])),
        ("get_feature_names_out", lambda est, d: est.get_feature_names_out()),
    ],
    "PhysicsVAE": [
        ("transform", lambda est, d: est.transform(d["traj"][0])),
        ("transform(return_std)",
         lambda est, d: np.hstack(est.transform(d["traj"][0], return_std=True))),
        ("inverse_transform",
         lambda est, d: est.inverse_transform(est.transform(d["traj"][0]))),
        ("sample", lambda est, d: est.sample(7, random_state=0)),
        ("score_samples", lambda est, d: est.score_samples(d["traj"][0])),
        ("score", lambda est, d: est.score(d["traj"][0])),
        ("traverse", lambda est, d: est.traverse("natural_frequency", values=[2.0, 3.0],
                                                 z=[1.0, 1.0, 2.5, 0.3])),
        ("get_feature_names_out", lambda est, d: est.get_feature_names_out()),
    ],
}


@pytest.fixture(scope="session")
def shared_trajectories():
    """``shared_trajectories(kind, n_samples, random_state)``: ``(X, factors)``
    of ``make_pendulum`` with the settings ``TRAJECTORIES[kind]``, made once
    per session for each set of arguments and shared.

    The arrays are read-only: a test that changes them works on a copy.
    """
    cache = {}

    def get(kind, n_samples, random_state):
        key = (kind, n_samples, random_state)
        if key not in cache:
            arrays = make_pendulum(n_samples=n_samples, random_state=random_state,
                                   **TRAJECTORIES[kind])
            for array in arrays:
                array.flags.writeable = False
            cache[key] = arrays
        return cache[key]
    return get


@pytest.fixture(scope="session")
def data(shared_trajectories):
    """Small regression rows (``"reg"``) and trajectories (``"traj"``).

    The regression target is linear, one the regressors learn within a few
    epochs, so that "training went on" shows in the loss.
    """
    X_reg = np.random.RandomState(0).normal(size=(200, 5))
    y_reg = X_reg @ [1.0, -2.0, 0.5, 0.0, 3.0]
    return {"reg": (X_reg, y_reg), "traj": shared_trajectories("clean", 40, 0)}


def _digest(array):
    """The shape, dtype and bytes of an array argument, as a key."""
    array = np.asarray(array)
    return array.shape, array.dtype.str, hashlib.sha1(array.tobytes()).hexdigest()


@pytest.fixture(scope="session")
def shared_fit():
    """``shared_fit(estimator, *args)``: ``estimator.fit(*args)``,
    once per session for each estimator class, parameters and arguments,
    and shared: call its methods, never change it.

    The key is the class, the ``repr`` of every parameter (``beta=1.0``
    and the default ``beta`` are one key) and the bytes of each argument;
    ``random_state`` must be an int, so that the fit it stands for is one
    model.  At the end of the session every shared model must still have
    its parameters and its number of training epochs: a test that called
    ``set_params``, ``fit`` or ``partial_fit`` on one fails there.
    """
    cache = {}

    def get(estimator, *args):
        params = estimator.get_params(deep=False)
        if not isinstance(params.get("random_state"), (int, np.integer)):
            raise ValueError(f"shared_fit needs an int random_state, got "
                             f"{params.get('random_state')!r}")
        key = (type(estimator).__name__, repr(sorted(params.items())),
               tuple(_digest(arg) for arg in args))
        if key not in cache:
            estimator.fit(*args)
            cache[key] = estimator, _epochs(estimator)
        return cache[key][0]
    yield get
    changed = [key[:2] for key, (est, epochs) in cache.items()
               if (repr(sorted(est.get_params(deep=False).items())) != key[1]
                   or _epochs(est) != epochs)]
    assert not changed, f"shared models changed by a test: {changed}"


def _epochs(estimator):
    """The number of epochs a neural estimator has trained (None for others)."""
    history = getattr(estimator, "history_", None)
    return None if history is None else len(history)


@pytest.fixture(scope="session")
def fitted_small(data, shared_fit):
    """``fitted_small(name)``: the small estimator ``name`` fitted on
    ``data``, once per session and shared: call its methods, never change it."""
    return lambda name: shared_fit(small(name), *fit_args(name, data))


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Train the tests' tiny networks on one torch thread.

    Their matrices are too small for intra-op parallelism to pay, and on a
    busy shared machine torch's OpenMP threads can wait on each other for
    seconds per step; one thread gives the same numbers without that risk.
    """
    import torch

    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)
