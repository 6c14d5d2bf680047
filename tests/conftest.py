"""Settings, small estimators and small data shared by the test modules.

:func:`small` builds any public estimator with small, fast settings (the
quality of the fit is not the point where it is used); ``NEURAL`` names
the four neural estimators, which share the machinery of pendsk/_base.py.
The ``data`` fixture holds one small data set of each kind: regression
rows ``"reg"`` (``X`` of 5 columns, ``y``) and pendulum trajectories
``"traj"`` (``X`` of ``N_STEPS`` columns, with the parameter rows that
made them).
"""

import numpy as np
import pytest

import pendsk
from pendsk.datasets import make_pendulum

#: The neural estimators (they share pendsk/_base.py), by class name.
NEURAL = ["TrajectoryRegressor", "GaussianRegressor", "TrajectoryGAN", "BetaVAE",
          "PhysicsVAE"]
SUPERVISED = {"TrajectoryRegressor", "GaussianRegressor"}

#: The small trajectories: 5 s of motion (about two periods) in 50 steps.
N_STEPS, DT = 50, 0.1
#: The small BetaVAE's number of codes.
LATENT = 3

_NET = dict(hidden_layer_sizes=(16,), max_epochs=5, batch_size=32, lr=1e-2, random_state=0)

#: Small, fast settings per estimator class name.
SMALL = {
    "PendulumSimulator": dict(n_steps=N_STEPS, dt=DT, noise_std=0.01, random_state=0),
    "TrajectoryRegressor": _NET,
    "GaussianRegressor": _NET,
    "TrajectoryGAN": {**_NET, "hidden_layer_sizes": (16, 16), "lr": 1e-3},
    "BetaVAE": {**_NET, "latent_dim": LATENT},
    "PhysicsVAE": {**_NET, "aux_dim": 1, "dt": DT},
}


def small(cls_or_name, **overrides):
    """An unfitted estimator with the small settings of its class, updated
    by ``overrides``."""
    cls = getattr(pendsk, cls_or_name) if isinstance(cls_or_name, str) else cls_or_name
    return cls(**{**SMALL[cls.__name__], **overrides})


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
def data():
    """Small regression rows (``"reg"``) and trajectories (``"traj"``).

    The regression target is linear, one the regressors learn within a few
    epochs, so that "training went on" shows in the loss.
    """
    X_reg = np.random.RandomState(0).normal(size=(200, 5))
    y_reg = X_reg @ [1.0, -2.0, 0.5, 0.0, 3.0]
    X, factors = make_pendulum(n_samples=40, n_steps=N_STEPS, dt=DT, noise_std=0.01,
                               noise_growth=0.0, random_state=0)
    return {"reg": (X_reg, y_reg), "traj": (X, factors)}


@pytest.fixture(scope="session")
def fitted_small(data):
    """``fitted_small(name)``: the small estimator ``name`` fitted on
    ``data``, once per session and shared: call its methods, never change it."""
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = small(name).fit(*fit_args(name, data))
        return cache[name]
    return get


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
