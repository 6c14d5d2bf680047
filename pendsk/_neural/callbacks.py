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
    settings : dict, default=None
        Other hyperparameters that must suit the data (PhysicsVAE's
        ``{"dt": 0.01}``), named beside the learning rate.
    """

    #: A loss weight above this is named first when training diverges.
    LARGE_WEIGHT = 1e6

    def __init__(self, weights=None, settings=None):
        self.weights = weights
        self.settings = settings

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
                         "data, or X (or y) holds extreme values"
                         + "".join(f", or {name}={value!r} does not suit the data"
                                   for name, value in (self.settings or {}).items())
                         + "; lower lr or remove the outliers.")
                raise ValueError(f"Training diverged: {key} is {value} at epoch "
                                 f"{row['epoch']}. {cause}")


def discard(message):
    """An EarlyStopping sink that stays silent."""


def to_stderr(message):
    """An EarlyStopping sink beside the progress bar (on stderr)."""
    tqdm.write(message, file=sys.stderr)


class EpochProgressBar(Callback):
    """One progress bar over the epochs of a training call.

    On a terminal, a tqdm bar that shows the epochs done, the time left
    and, after each epoch, the losses of that epoch found in the history
    (by default the training and validation losses and a GAN's critic and
    generator losses).  When the stream is not a terminal (stderr
    redirected to a file or a pipe), the same information comes as a few
    plain lines, with no carriage returns or cursor codes: one when
    training starts, at most one each time another tenth of the epochs is
    done (and no more often than every ``min_interval`` seconds), and one
    at the end.

    Parameters
    ----------
    desc : str, default=None
        Text before the bar, e.g. the estimator's name.
    keys : tuple of str
        History keys shown beside the bar, when an epoch has them.
    position : int, default=None
        Line of the bar (tqdm's ``position``), for several bars at once;
        unused by the plain lines, which each start with ``desc``.
    min_interval : float, default=10.0
        Plain lines only: the least time [s] between two lines during
        training (the first and the last line are always written).
    """

    #: Plain lines only: a line each time another this fraction of the
    #: epochs is done (subject to ``min_interval``).
    LINE_FRACTION = 0.1

    def __init__(self, desc=None,
                 keys=("train_loss", "valid_loss", "critic_loss", "generator_loss"),
                 position=None, min_interval=10.0):
        self.desc = desc
        self.keys = keys
        self.position = position
        self.min_interval = min_interval

    @staticmethod
    def _is_terminal(stream):
        try:
            return bool(stream.isatty())
        except (AttributeError, ValueError, OSError):  # no isatty, or a closed stream
            return False

    @staticmethod
    def _now():
        import time  # here, not at the module's top: this class is all that uses it

        return time.perf_counter()

    def on_train_begin(self, net, **kwargs):
        stream = sys.stderr
        if self._is_terminal(stream):
            self.bar_ = tqdm(total=net.max_epochs, unit="epoch", leave=True, desc=self.desc,
                             position=self.position, dynamic_ncols=True, file=stream)
            return
        # not a terminal: tqdm's text without the bar, a whole line at a time
        self.bar_ = None
        self.stream_, self.total_, self.n_, self.postfix_ = stream, net.max_epochs, 0, ""
        self.started_ = self.last_line_ = self._now()
        step = max(1, math.ceil((self.total_ or 0) * self.LINE_FRACTION))
        self.lines_at_ = list(range(step, self.total_ or 0, step))  # one per tenth
        self._line()

    def _line(self):
        now = self._now()
        counts = ("{percentage:3.0f}% {n_fmt}/{total_fmt} [{elapsed}<{remaining}, "
                  if self.total_ else "{n_fmt} [{elapsed}, ")
        text = tqdm.format_meter(self.n_, self.total_, now - self.started_,
                                 prefix=f"{self.desc}: " if self.desc else "", unit="epoch",
                                 postfix=self.postfix_ or None,
                                 bar_format="{desc}" + counts + "{rate_fmt}{postfix}]")
        self.stream_.write(text.replace("\r", " ") + "\n")
        self.stream_.flush()
        self.last_line_ = now

    def _postfix(self, row):
        return {key.replace("_loss", ""): f"{row[key]:.4g}" for key in self.keys if key in row}

    def on_epoch_end(self, net, **kwargs):
        postfix = self._postfix(net.history[-1])
        if self.bar_ is not None:
            self.bar_.set_postfix(postfix, refresh=False)
            self.bar_.update()
            return
        self.n_ += 1
        self.postfix_ = ", ".join(f"{key}={value}" for key, value in postfix.items())
        due = False
        while self.lines_at_ and self.n_ >= self.lines_at_[0]:
            del self.lines_at_[0]
            due = True
        if due and self._now() - self.last_line_ >= self.min_interval:
            self._line()

    def on_train_end(self, net, **kwargs):
        if self.bar_ is None:
            self._line()  # the last line: the epochs done (fewer when stopped early)
            # a fitted estimator keeps its user's callbacks: keep it picklable
            del self.stream_, self.total_, self.n_, self.postfix_, self.started_
            del self.last_line_, self.lines_at_
        else:
            self.bar_.close()
        del self.bar_


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
