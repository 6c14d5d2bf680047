"""The shared machinery of pendsk's neural estimators.

One base class, :class:`NeuralEstimator`, turns a torch module into a
scikit-learn estimator: hyperparameters are plain constructor arguments,
:meth:`~NeuralEstimator._fit` validates and standardises the data, builds a
skorch :class:`~skorch.NeuralNet` (kept as ``net_``, its history as
``history_``) and trains it with batches sliced from in-memory tensors;
predictions run the trained float32 weights in float64 so that they do not
depend on how rows are batched.
"""

import copy
import inspect
import math
import string
from contextlib import contextmanager
from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context, clone
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
from ._validation import naming

__all__ = ["NeuralEstimator", "StopOnNonFiniteLoss", "TensorBatches",
           "UnsupervisedNeuralEstimator"]

#: numpydoc of the shared hyperparameters; defaults from the signature.
_PARAMETERS = string.Template("""
    lr : float, default=$lr
        Learning rate of the optimizer.
    lr_schedule : {"cosine", "constant"}, default="cosine"
        ``"cosine"``: the learning rate decays from ``lr`` to 0 along half a
        cosine over the ``max_epochs`` epochs of each :meth:`fit` call.
    max_epochs : int, default=$max_epochs
        Passes over the training data per :meth:`fit` call.
    batch_size : int, default=$batch_size
        Rows per gradient step.
    weight_decay : float, default=0.0
        L2 penalty (the optimizer's ``weight_decay``).
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows and stop when their
        loss has not improved by 1e-4 for ``n_iter_no_change`` epochs,
        restoring the best weights (skorch's ``EarlyStopping``).
    validation_fraction : float, default=0.1
        Share of rows held out when ``early_stopping`` is on.
    n_iter_no_change : int, default=10
        Patience of early stopping, in epochs.
    warm_start : bool, default=False
        Let :meth:`fit` continue from the current weights (``max_epochs``
        more epochs, a new schedule) instead of starting afresh.
    callbacks : list of skorch callbacks or (name, callback) tuples, \
default=None
        Extra skorch callbacks, cloned at each training call.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where to train and predict; ``"auto"`` picks CUDA when available.
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the batch order and the training noise (torch's
        global generator is left as the caller had it).  With an int, two
        fits give identical results.
    verbose : int, default=0
        0 silent; 1 a progress bar and a table of per-epoch losses.""")

_ATTRIBUTES = """
    net_ : skorch.NeuralNet
        The trained skorch network (its torch module is ``net_.module_``).
    history_ : skorch.History
        Per-epoch (and per-batch) losses, e.g. ``history_[:, "train_loss"]``.
    device_ : torch.device
        The device used.
    n_features_in_ : int
        Number of features seen during :meth:`fit`.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :meth:`fit`, defined only when `X`
        has feature names that are all strings."""


def shared_docs(cls):
    """Docstring sections shared by the neural estimators, as a dict.

    ``"params"``: the shared hyperparameters (from ``lr`` on) with the
    defaults of ``cls``'s signature; ``"attributes"``: the shared fitted
    attributes.
    """
    defaults = {name: format(p.default, "g") if isinstance(p.default, float)
                else p.default
                for name, p in inspect.signature(cls).parameters.items()}
    return {"params": _PARAMETERS.substitute(defaults), "attributes": _ATTRIBUTES}


#: Rows per forward pass when predicting (bounds the float64 activations).
_PREDICT_ROWS = 1 << 16

#: Largest magnitude the networks can take: float32 when training.
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def _standardise(scaler, array, name, *, fit=False, limit=None):
    """``scaler.transform(array)`` (after ``fit`` if asked), refusing values
    whose statistics or standardised values leave float64, or ``limit``.

    The one check for data too large for the model: it raises a ValueError
    naming ``name`` instead of passing on infinities (and numpy's overflow
    warnings) to the network.
    """
    limit = np.finfo(np.float64).max if limit is None else limit
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        if fit:
            scaler.fit(array)
        out = scaler.transform(array)
    stats = np.concatenate([scaler.mean_, scaler.scale_])
    if not (np.isfinite(stats).all() and (np.abs(out) <= limit).all()):
        what = ("its mean or variance overflows float64" if not np.isfinite(stats).all()
                else "standardised by the training data's mean and scale, it exceeds "
                + ("float32, the precision the network trains in"
                   if limit < np.finfo(np.float64).max else "float64"))
        raise ValueError(f"{name} holds values too large for this model: {what} "
                         f"(largest magnitude {np.abs(array).max():g}). Rescale {name}.")
    return out


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
                    "data, or X (or y) holds extreme values; lower lr or remove "
                    "the outliers."
                )


class _Net(NeuralNet):
    """skorch's NeuralNet without a per-batch mode switch, and without an
    epoch table when silent.

    skorch calls ``module.train()`` / ``module.eval()`` before every batch,
    which walks every submodule (tens of microseconds per batch for a small
    MLP); switching only when the mode changes keeps the loop as lean as a
    hand-written one.  skorch's ``PrintLog`` formats the epoch table even at
    ``verbose=0`` (about half a millisecond per epoch), so a silent net
    leaves it out.
    """

    def _set_training(self, training=True):
        if any(getattr(self, name + "_").training != training for name in self._modules):
            super()._set_training(training)

    def get_default_callbacks(self):
        return [(name, callback) for name, callback in super().get_default_callbacks()
                if self.verbose or name != "print_log"]


class _LRSchedule(LRScheduler):
    """skorch's :class:`~skorch.callbacks.LRScheduler` for the optimizer
    ``net.<target>_``, so that a net with several optimizers (a GAN's
    generator and critic) schedules each of them."""

    def __init__(self, policy, target="optimizer", **kwargs):
        super().__init__(policy, **kwargs)
        self.target = target

    @property
    def kwargs(self):
        return {k: v for k, v in super().kwargs.items() if k != "target"}

    def _get_scheduler(self, net, policy, **scheduler_kwargs):
        return policy(getattr(net, self.target + "_"), **scheduler_kwargs)


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
    - ``_criterion``: the loss module class (a class attribute, or a
      property where a hyperparameter chooses it);
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

    #: The skorch net class (a subclass may override its training step).
    _net_class = _Net

    # -- hooks ---------------------------------------------------------------

    def _validate_fit_data(self, X, y, reset):
        raise NotImplementedError

    def _fit_targets(self, y, reset):
        raise NotImplementedError

    def _module_spec(self, n_features, n_outputs):
        raise NotImplementedError

    def _net_kwargs(self):
        """Extra keyword arguments of the skorch net (optimizer, criterion)."""
        return {"optimizer": torch.optim.Adam,
                "optimizer__weight_decay": self.weight_decay}

    def _train_settings(self):
        """Attributes of the skorch net that each training call refreshes
        (settings that do not shape the network, e.g. a GAN's n_critic)."""
        return {}

    def _extra_callbacks(self, n_epochs):
        """Estimator-specific skorch callbacks, as ``(name, callback)``."""
        return []

    # -- training ------------------------------------------------------------

    def _check_hidden_layer_sizes(self):
        sizes = np.asarray(self.hidden_layer_sizes, dtype=object).reshape(-1)
        if not all(isinstance(s, Integral) and not isinstance(s, bool) and s > 0
                   for s in sizes):
            raise ValueError("hidden_layer_sizes must hold positive integers, "
                             f"got {self.hidden_layer_sizes!r}.")
        return tuple(int(s) for s in sizes)

    def _callbacks(self, n_epochs, validate):
        """The skorch callbacks of one training call: pendsk's own as
        ``(name, callback)`` pairs, then clones of the user's."""
        factor = (partial(_cosine_factor, n_epochs=n_epochs)
                  if self.lr_schedule == "cosine" and n_epochs > 1 else _constant_factor)
        callbacks = [("stop_on_non_finite_loss", StopOnNonFiniteLoss())]
        # one schedule per optimizer; last_epoch=-1: every training call
        # starts its own schedule
        for name in self.net_._optimizers:
            prefix = "" if name == "optimizer" else name.replace("optimizer", "")
            callbacks.append((prefix + "lr_schedule", _LRSchedule(
                LambdaLR, target=name, lr_lambda=factor, last_epoch=-1,
                event_name="event_lr" if name == "optimizer" else f"event_{prefix}lr")))
        callbacks += self._extra_callbacks(n_epochs)
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
            self._x_scaler = StandardScaler()
        Xs = _standardise(self._x_scaler, X, "X", fit=first, limit=_FLOAT32_MAX)
        targets = self._fit_targets(y, reset=first)
        arrays = [Xs] + ([] if targets is None else [targets])
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
                self.net_ = self._net_class(
                    module, criterion=self._criterion, lr=self.lr,
                    batch_size=self.batch_size, iterator_train=TensorBatches,
                    iterator_train__shuffle=True, iterator_valid=TensorBatches,
                    train_split=None, device=self.device_, verbose=self.verbose,
                    **{f"module__{k}": v for k, v in module_kwargs.items()},
                    **self._net_kwargs(),
                )
                self.net_.initialize()
            self.net_.set_params(
                max_epochs=n_epochs, verbose=self.verbose,
                train_split=None if valid_set is None else predefined_split(valid_set),
                callbacks=(callbacks := self._callbacks(n_epochs, validate)),
                **self._train_settings(),
            )
            n_user = len(self.callbacks or [])
            ours = {id(cb) for _, cb in callbacks[:len(callbacks) - n_user]}
            # a warm start trains at the current lr (the schedules start
            # from each group's initial_lr)
            for name in self.net_._optimizers:
                for group in getattr(self.net_, name + "_").param_groups:
                    group["lr"] = group["initial_lr"] = self.lr
            # skorch's set_params initialises the callbacks it had before
            self.net_.initialize_callbacks()
            try:
                self.net_.partial_fit(TensorDataset(*tensors))
            finally:
                # keep (and pickle) neither the validation data nor pendsk's
                # callbacks: LR schedulers hold the optimizer, early stopping
                # the best weights, on the training device, where skorch's
                # CPU mapping on unpickling does not reach; the user's
                # callbacks stay in net_.callbacks_ for inspection
                self.net_.set_params(train_split=None)
                self.net_.callbacks = callbacks[len(callbacks) - n_user:]
                self.net_.callbacks_ = [(name, cb) for name, cb in self.net_.callbacks_
                                        if id(cb) not in ours]
                self.net_.module_.eval()
        self.history_ = self.net_.history
        return self

    def __setstate__(self, state):
        super().__setstate__(state)
        # skorch maps a net trained on a device this machine lacks (CUDA) to
        # the CPU when unpickling; keep device_, where warm starts and
        # partial_fit put their tensors, in step with it
        if "net_" in self.__dict__:
            self.device_ = torch.device(self.net_.device)

    # -- prediction ----------------------------------------------------------

    def _module64(self):
        """A float64 copy of the trained module, in eval mode.

        The weights are trained in float32 but applied in float64, so that a
        row's output does not depend on the other rows of the call (float32
        matrix products differ with the batch shape by ~1e-5, relative).
        """
        module = copy.deepcopy(self.net_.module_).to(torch.float64)
        return module.eval().requires_grad_(False)

    def _forward(self, X, *, method="forward", input_name="X", post=None, **arrays):
        """``post(module64.<method>(rows, **arrays))`` over row chunks of ``X``.

        ``arrays`` are passed whole (as float64 tensors) to every chunk;
        ``post`` (default: none) takes the method's float64 output(s), e.g.
        to undo the scaling.  Returns what ``post`` returns: ndarrays or a
        tuple of them.  A non-finite result is not returned: values of
        ``X`` too large for the model raise a ValueError naming
        ``input_name``.
        """
        module = self._module64()
        fn = getattr(module, method)
        # where the weights are now: a model trained on CUDA and unpickled
        # on a machine without it has been mapped to the CPU by skorch
        device = next(module.parameters()).device

        def tensor(a):
            # torch warns about (and may not respect) read-only memory
            return torch.as_tensor(np.require(a, dtype=np.float64, requirements="W"),
                                   device=device)
        extra = {name: tensor(a) for name, a in arrays.items()}
        with torch.no_grad():
            outs = [fn(chunk, **extra) for chunk in tensor(X).split(_PREDICT_ROWS)]
        if isinstance(outs[0], tuple):
            outs = tuple(torch.cat(parts).cpu().numpy() for parts in zip(*outs))
        else:
            outs = (torch.cat(outs).cpu().numpy(),)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            result = outs if post is None else post(*outs)
        parts = result if isinstance(result, tuple) else (result,)
        if not all(np.isfinite(part).all() for part in parts):
            raise ValueError(f"{input_name} holds values too large for this model: "
                             "its output overflows float64.")
        return result[0] if post is None and len(result) == 1 else result

    def _check_X(self, X, *, reset):
        """``validate_data`` of X alone, with errors that name X."""
        with naming("X"):
            return validate_data(self, X, reset=reset, dtype=np.float64)

    def _validate_X(self, X):
        """Check a fitted estimator's input and standardise it (float64).

        The one path of every method that takes data: scikit-learn's checks,
        then the standardisation, which refuses values too large for it.
        """
        check_is_fitted(self)
        return _standardise(self._x_scaler, self._check_X(X, reset=False), "X")


class UnsupervisedNeuralEstimator(NeuralEstimator):
    """Base of the neural estimators fitted on trajectories alone (the
    generative models): ``fit(X, y=None)`` and ``partial_fit(X, y=None)``."""

    def _validate_fit_data(self, X, y, reset):
        return self._check_X(X, reset=reset), None

    def _fit_targets(self, y, reset):
        return None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to the trajectories ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps)
            Trajectories, one per row.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one more epoch on ``X``.

        The first call initialises the networks and the scaling from this
        data; later calls keep them and continue training at the constant
        learning rate ``lr``, without early stopping.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps)
            Trajectories, one per row.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, incremental=True)
