"""The shared machinery of pendsk's neural estimators.

One base class, :class:`NeuralEstimator`, turns a torch module into a
scikit-learn estimator: hyperparameters are plain constructor arguments,
:meth:`~NeuralEstimator._fit` validates and standardises the data, builds a
skorch :class:`~skorch.NeuralNet` (kept as ``net_``, its history as
``history_``) and trains it with batches sliced from in-memory tensors;
predictions run the trained float32 weights in float64 so that they do not
depend on how rows are batched.
"""

import math
from contextlib import contextmanager
from functools import partial
from itertools import chain
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from skorch import NeuralNet
from skorch.callbacks import Callback, EarlyStopping, LRScheduler, ProgressBar
from skorch.helper import predefined_split
from torch.optim.lr_scheduler import LambdaLR
from torch.utils.data import TensorDataset

from ._modules import ACTIVATIONS

__all__ = ["NeuralEstimator", "StopOnNonFiniteLoss", "TensorBatches"]

#: Rows per forward pass when predicting (bounds the float64 activations).
_PREDICT_ROWS = 1 << 16


class TensorBatches:
    """Mini-batches sliced from the tensors of a :class:`TensorDataset`.

    skorch's default :class:`~torch.utils.data.DataLoader` fetches and
    collates rows one by one; this iterator (given to skorch as
    ``iterator_train`` / ``iterator_valid``) permutes the tensors once per
    epoch and yields contiguous slices.  The permutation comes from torch's
    global generator, which :class:`NeuralEstimator` seeds inside a forked
    RNG state.

    Parameters
    ----------
    dataset : TensorDataset
        Inputs and, optionally, targets, already on the training device.
    batch_size : int
        Rows per batch (the last batch may be smaller).
    shuffle : bool, default=False
        Draw a new row order at each epoch.
    """

    def __init__(self, dataset, batch_size, shuffle=False):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        tensors = self.dataset.tensors
        if self.shuffle:
            order = torch.randperm(len(self.dataset)).to(tensors[0].device)
            tensors = [t[order] for t in tensors]
        for start in range(0, len(self.dataset), self.batch_size):
            batch = [t[start:start + self.batch_size] for t in tensors]
            yield batch[0], (batch[1] if len(batch) > 1 else None)


class StopOnNonFiniteLoss(Callback):
    """Stop training with a ValueError when a loss turns NaN or infinite.

    Checked at the end of every epoch, on the training and the validation
    loss; the message names the epoch and the likely causes.
    """

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        for key in ("train_loss", "valid_loss"):
            value = row.get(key)
            if value is not None and not math.isfinite(value):
                raise ValueError(
                    f"Training diverged: {key} is {value} at epoch {row['epoch']}. "
                    f"The learning rate (lr={net.lr}) is probably too high for this "
                    "data, or the inputs hold extreme values; lower lr or remove "
                    "the outliers."
                )


class _Net(NeuralNet):
    """skorch's NeuralNet without a per-batch mode switch.

    skorch calls ``module.train()`` / ``module.eval()`` before every batch,
    which walks every submodule (tens of microseconds per batch for a small
    MLP); switching only when the mode changes keeps the loop as lean as a
    hand-written one.
    """

    def _set_training(self, training=True):
        if any(getattr(self, name + "_").training != training for name in self._modules):
            super()._set_training(training)


def _cosine_factor(epoch, n_epochs):
    """Learning-rate factor decaying from 1 to 0 along half a cosine."""
    return 0.5 * (1.0 + math.cos(math.pi * min(epoch, n_epochs) / n_epochs))


def _constant_factor(epoch):
    return 1.0


def _discard(message):
    """An EarlyStopping sink that stays silent."""


@contextmanager
def _seeded(seed, device):
    """Seed torch for the block, then give the caller their RNG state back."""
    cuda = range(torch.cuda.device_count()) if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        yield


def _resolve_device(device):
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was requested but torch finds no CUDA "
                         "device; use device='cpu' or 'auto'.")
    return torch.device(device)


class NeuralEstimator(BaseEstimator):
    """Base of pendsk's neural estimators (not public; subclass it).

    Subclasses define ``__init__`` with their own hyperparameters plus the
    shared ones below, and implement:

    - ``_validate_fit_data(X, y, reset)`` → float64 ``(X, y)`` (``y`` may
      be ``None``); ``_fit_targets(y, reset)`` → the 2-D training targets
      or ``None`` (fit the target scaler there when ``reset``);
    - ``_module_spec(n_features, n_outputs)`` → ``(module class, kwargs)``;
    - ``_criterion`` (class attribute): the loss module class;
    - ``_network_params`` (class attribute): the hyperparameters that shape
      the network, which warm starts and partial_fit must not change.

    Shared hyperparameters: ``hidden_layer_sizes``, ``activation``, ``lr``,
    ``lr_schedule``, ``max_epochs``, ``batch_size``, ``weight_decay``,
    ``early_stopping``, ``validation_fraction``, ``n_iter_no_change``,
    ``warm_start``, ``callbacks``, ``device``, ``random_state``, ``verbose``.
    """

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like"],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions({"cosine", "constant"})],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "callbacks": [list, None],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    #: Loss module class, called as ``criterion(y_pred, y_true)``.
    _criterion = torch.nn.MSELoss

    #: Hyperparameters that define the network: fixed once it is built.
    _network_params = ("hidden_layer_sizes", "activation")

    # -- hooks ---------------------------------------------------------------

    def _validate_fit_data(self, X, y, reset):
        raise NotImplementedError

    def _fit_targets(self, y, reset):
        raise NotImplementedError

    def _module_spec(self, n_features, n_outputs):
        raise NotImplementedError

    # -- training ------------------------------------------------------------

    def _check_hidden_layer_sizes(self):
        sizes = np.asarray(self.hidden_layer_sizes, dtype=object).reshape(-1)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0
                   for s in sizes):
            raise ValueError("hidden_layer_sizes must hold positive integers, "
                             f"got {self.hidden_layer_sizes!r}.")
        return tuple(int(s) for s in sizes)

    def _callbacks(self, n_epochs, validate):
        """The skorch callbacks of one training call."""
        factor = (partial(_cosine_factor, n_epochs=n_epochs)
                  if self.lr_schedule == "cosine" and n_epochs > 1 else _constant_factor)
        callbacks = [
            ("stop_on_non_finite_loss", StopOnNonFiniteLoss()),
            # last_epoch=-1: every training call starts its own schedule
            ("lr_schedule", LRScheduler(LambdaLR, lr_lambda=factor, last_epoch=-1)),
        ]
        if validate:
            callbacks.append(("early_stopping", EarlyStopping(
                patience=self.n_iter_no_change, threshold=1e-4, threshold_mode="abs",
                load_best=True, sink=print if self.verbose else _discard)))
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        for callback in self.callbacks or []:
            if isinstance(callback, tuple):
                name, callback = callback
                callbacks.append((name, clone(callback, safe=False)))
            else:
                callbacks.append(clone(callback, safe=False))
        return callbacks

    def _check_same_network(self):
        """Continuing to train needs the network the hyperparameters describe."""
        now = {name: getattr(self, name) for name in self._network_params}
        changed = [name for name, value in now.items()
                   if not np.array_equal(np.asarray(value, dtype=object),
                                         np.asarray(self._network[name], dtype=object))]
        if changed:
            raise ValueError(
                "Cannot continue training (warm_start or partial_fit) after changing "
                + ", ".join(f"{name} from {self._network[name]!r} to {now[name]!r}"
                            for name in changed)
                + "; call fit with warm_start=False to build a new network.")

    def _fit(self, X, y=None, *, incremental=False):
        """Validate, standardise and train; ``incremental``: one more epoch."""
        first = not hasattr(self, "net_") or not (incremental or self.warm_start)
        if not first:
            self._check_same_network()
        self._check_hidden_layer_sizes()
        X, y = self._validate_fit_data(X, y, reset=first)
        if first:
            self.device_ = _resolve_device(self.device)
            self._base_seed = int(check_random_state(self.random_state)
                                  .randint(np.iinfo(np.int32).max))
            self._x_scaler = StandardScaler().fit(X)
        targets = self._fit_targets(y, reset=first)
        arrays = [self._x_scaler.transform(X)] + ([] if targets is None else [targets])
        done = 0 if first else len(self.net_.history)
        seed = int(np.random.SeedSequence([self._base_seed, done]).generate_state(1)[0])
        validate = self.early_stopping and not incremental
        n_epochs = 1 if incremental else self.max_epochs

        with _seeded(seed, self.device_):
            tensors = [torch.as_tensor(a, dtype=torch.float32, device=self.device_)
                       for a in arrays]
            valid_set = None
            if validate:
                train_rows, valid_rows = train_test_split(
                    np.arange(len(X)), test_size=self.validation_fraction,
                    random_state=seed)
                valid_set = TensorDataset(*(t[valid_rows] for t in tensors))
                tensors = [t[train_rows] for t in tensors]
            if first:
                n_outputs = None if targets is None else targets.shape[1]
                module, module_kwargs = self._module_spec(X.shape[1], n_outputs)
                self._network = {name: getattr(self, name) for name in self._network_params}
                self.net_ = _Net(
                    module, criterion=self._criterion, optimizer=torch.optim.Adam,
                    lr=self.lr, optimizer__weight_decay=self.weight_decay,
                    batch_size=self.batch_size, iterator_train=TensorBatches,
                    iterator_train__shuffle=True, iterator_valid=TensorBatches,
                    train_split=None, device=self.device_, verbose=self.verbose,
                    **{f"module__{k}": v for k, v in module_kwargs.items()},
                )
                self.net_.initialize()
            self.net_.set_params(
                max_epochs=n_epochs, verbose=self.verbose,
                train_split=None if valid_set is None else predefined_split(valid_set),
                callbacks=self._callbacks(n_epochs, validate),
            )
            # skorch's set_params initialises the callbacks it had before
            self.net_.initialize_callbacks()
            try:
                self.net_.partial_fit(TensorDataset(*tensors))
            finally:
                # do not keep (and pickle) the validation data
                self.net_.set_params(train_split=None)
                self.net_.module_.eval()
        self.history_ = self.net_.history
        return self

    # -- prediction ----------------------------------------------------------

    def _forward(self, X):
        """Outputs of the trained module on standardised rows, in float64.

        The weights are trained in float32 but applied in float64, so that a
        row's output does not depend on the other rows of the call (float32
        matrix products differ with the batch shape by ~1e-5, relative).
        Returns an ndarray, or a tuple of them for a module returning a tuple.
        """
        module = self.net_.module_
        state = {name: t.detach().to(torch.float64) if t.is_floating_point() else t
                 for name, t in chain(module.named_parameters(), module.named_buffers())}
        x = torch.as_tensor(X, dtype=torch.float64, device=self.device_)
        with torch.no_grad():
            outs = [torch.func.functional_call(module, state, (chunk,))
                    for chunk in x.split(_PREDICT_ROWS)]
        if isinstance(outs[0], tuple):
            return tuple(torch.cat(parts).cpu().numpy() for parts in zip(*outs))
        return torch.cat(outs).cpu().numpy()

    def _validate_X(self, X):
        """Check a fitted estimator's input and standardise it (float64)."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self._x_scaler.transform(X)
