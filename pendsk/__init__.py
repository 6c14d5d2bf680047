"""pendsk: from high-school physics to generative models, scikit-learn style.

A pendulum as the worked example: a physical simulator and, on top of it,
learned models of its trajectories, each a scikit-learn estimator.

``import pendsk`` does not import torch: the neural estimators
(:class:`BetaVAE`, :class:`PhysicsVAE`, :class:`TrajectoryGAN`,
:class:`TrajectoryRegressor`, :class:`GaussianRegressor`) are imported on
first access, so the simulator,
:mod:`pendsk.datasets`, :mod:`pendsk.physics` and ``pendsk simulate`` run
without it.
"""

from importlib import import_module as _import_module

from . import datasets, exceptions, metrics, physics
from ._simulator import PendulumSimulator

__version__ = "0.2.0"

#: Neural estimators, imported with torch on first access (PEP 562).
_LAZY = {
    "BetaVAE": "._latent.beta_vae",
    "GaussianRegressor": "._regression.estimators",
    "PhysicsVAE": "._latent.physics_vae",
    "TrajectoryGAN": "._gan.estimator",
    "TrajectoryRegressor": "._regression.estimators",
}

__all__ = ["BetaVAE", "GaussianRegressor", "PendulumSimulator", "PhysicsVAE",
           "TrajectoryGAN", "TrajectoryRegressor", "__version__", "datasets", "exceptions",
           "metrics", "physics"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(_import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
