"""pendsk's own skorch callbacks (skorch's ``initialize()`` convention:
settings in ``__init__``, state made in ``on_train_begin``)."""

import math
import sys

from skorch.callbacks import Callback
from tqdm import tqdm

from .._utils.validation import ValueConstraint

__all__ = ["CallbackList", "EpochProgressBar", "OptimizerLRSchedule", "StopOnNonFiniteLoss", "discard",
           "to_stderr"]



class StopOnNonFiniteLoss(Callback):
    """Stop training with a ValueError when a loss turns NaN or infinite.

    Checked at the end of every epoch, on the training and the validation
    loss; the message names the epoch and the likely causes.

    Parameters
    ----------
    weights : dict, default=None
        The estimator's hyperparameters that multiply terms of the loss
        (``{"beta": 1.0, "tc_weight": 1e300}``): a weight above
        ``LARGE_WEIGHT`` is named as the likely cause, before the learning
        rate.
    """

    #: A loss weight above this is named first when training diverges.
    LARGE_WEIGHT = 1e6

    def __init__(self, weights=None):
        self.weights = weights

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        for key in ("train_loss", "valid_loss"):
            value = row.get(key)
            if value is not None and not math.isfinite(value):
                large = [f"{name}={weight:g}" for name, weight in (self.weights or {}).items()
                         if abs(weight) > self.LARGE_WEIGHT]
                cause = (f"The loss weight {' and '.join(large)} is probably too large: "
                         "the loss leaves float32, the precision it trains in; lower it."
                         if large else
                         f"The learning rate (lr={net.lr}) is probably too high for this "
                         "data, or X (or y) holds extreme values; lower lr or remove "
                         "the outliers.")
                raise ValueError(f"Training diverged: {key} is {value} at epoch "
                                 f"{row['epoch']}. {cause}")


def discard(message):
    """An EarlyStopping sink that stays silent."""


def to_stderr(message):
    """An EarlyStopping sink beside the progress bar (on stderr)."""
    tqdm.write(message, file=sys.stderr)


class EpochProgressBar(Callback):
    """One tqdm progress bar over the epochs of a training call.

    The bar shows the epochs done, the time left and, after each epoch, the
    losses of that epoch found in the history (by default the training and
    validation losses and a GAN's critic and generator losses).

    Parameters
    ----------
    desc : str, default=None
        Text before the bar, e.g. the estimator's name.
    keys : tuple of str
        History keys shown beside the bar, when an epoch has them.
    position : int, default=None
        Line of the bar (tqdm's ``position``), for several bars at once.
    """

    def __init__(self, desc=None,
                 keys=("train_loss", "valid_loss", "critic_loss", "generator_loss"),
                 position=None):
        self.desc = desc
        self.keys = keys
        self.position = position

    def on_train_begin(self, net, **kwargs):
        self.bar_ = tqdm(total=net.max_epochs, unit="epoch", leave=True, desc=self.desc,
                         position=self.position, dynamic_ncols=True)

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        self.bar_.set_postfix({key.replace("_loss", ""): f"{row[key]:.4g}"
                               for key in self.keys if key in row}, refresh=False)
        self.bar_.update()

    def on_train_end(self, net, **kwargs):
        self.bar_.close()
        del self.bar_  # a fitted estimator keeps its user's callbacks: keep it picklable


class OptimizerLRSchedule(Callback):
    """The learning-rate schedule of one more of the net's optimizers.

    skorch's :class:`~skorch.callbacks.LRScheduler` schedules the net's
    first optimizer (``optimizer_``); a net with more (the GAN's
    ``critic_optimizer_``) gets one of these per extra optimizer, with the
    same torch scheduler class and arguments, stepped at the end of each
    epoch and recorded in the history as ``event_<name>_lr``.

    Parameters
    ----------
    optimizer : str
        The optimizer's name on the net, e.g. ``"critic_optimizer"``.
    policy : type
        A torch learning-rate scheduler class.
    **kwargs
        Its arguments besides the optimizer.
    """

    def __init__(self, optimizer, policy, **kwargs):
        self.optimizer = optimizer
        self.policy = policy
        self.kwargs = kwargs

    def initialize(self):
        self.scheduler_ = None
        return self

    def on_train_begin(self, net, **kwargs):
        self.scheduler_ = self.policy(getattr(net, self.optimizer + "_"), **self.kwargs)

    def on_epoch_end(self, net, **kwargs):
        name = self.optimizer.removesuffix("_optimizer")
        net.history.record(f"event_{name}_lr", self.scheduler_.get_last_lr()[0])
        self.scheduler_.step()


class CallbackList(ValueConstraint):
    """The ``callbacks`` hyperparameter: a list of skorch callbacks or
    ``(name, callback)`` pairs (a constraint for ``_parameter_constraints``)."""

    doc_type = "list of skorch callbacks or (name, callback) tuples"

    def is_satisfied_by(self, val):
        return isinstance(val, list) and all(
            isinstance(item, Callback)
            or (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
                and isinstance(item[1], Callback))
            for item in val)

    def __str__(self):
        return "a list of skorch callbacks or (name, callback) pairs"
