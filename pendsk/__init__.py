"""pendsk: from high-school physics to generative models, scikit-learn style.

A pendulum as the worked example: a physical simulator and, on top of it,
learned models of its trajectories, each a scikit-learn estimator.
"""

from . import datasets
from ._regression import GaussianRegressor, TrajectoryRegressor
from ._simulator import PendulumSimulator

__version__ = "0.1.0"

__all__ = ["GaussianRegressor", "PendulumSimulator", "TrajectoryRegressor",
           "__version__", "datasets"]
