"""pendsk: from high-school physics to generative models, scikit-learn style.

A pendulum as the worked example: a physical simulator and, on top of it,
learned models of its trajectories, each a scikit-learn estimator.
"""

from . import datasets, metrics
from ._gan import TrajectoryGAN
from ._regression import GaussianRegressor, TrajectoryRegressor
from ._simulator import PendulumSimulator
from ._vae import BetaVAE

__version__ = "0.1.0"

__all__ = ["BetaVAE", "GaussianRegressor", "PendulumSimulator", "TrajectoryGAN",
           "TrajectoryRegressor", "__version__", "datasets", "metrics"]
