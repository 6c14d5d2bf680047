"""The base of pendsk's neural estimators.

One base class, :class:`NeuralEstimator`, turns a torch module into a
scikit-learn estimator: hyperparameters are plain constructor arguments,
and :meth:`~NeuralEstimator._fit` is four named steps -- validate and
standardise the data, build a skorch :class:`~skorch.NeuralNet` (kept as
``net_``, its history as ``history_``), configure this training call, and
train with batches sliced from in-memory tensors -- on torch's RNG seeded
from ``random_state`` and on ``n_jobs`` threads, the caller's settings of
both restored afterwards.  Predictions run the trained float32 weights in
float64 so that they do not depend on how rows are batched.

The skorch pieces it trains with are in :mod:`.nets` and
:mod:`.callbacks`, the seed, thread and device contexts in
:mod:`.runtime`, the shared docstrings in :mod:`.docs`.  It runs past 500
lines because the base is one idea -- a training call as a transaction
of four steps, and the float64 forward pass every method shares -- whose
parts read in the order they run.
"""

import copy
import math
from numbers import Real
from typing import NamedTuple, Optional

import numpy as np
import torch
from sklearn.base import BaseEstimator, _fit_context, clone
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (check_consistent_length, check_is_fitted, column_or_1d,
                                      validate_data)
from skorch.callbacks import EarlyStopping, LRScheduler
from skorch.helper import predefined_split
from torch.optim.lr_scheduler import ConstantLR, CosineAnnealingLR
from torch.utils.data import TensorDataset

from .._utils.seeding import child_seed, root_entropy
from .._utils.validation import Count, Widths, as_float64, check_settings, naming
from .callbacks import (CallbackList, EpochProgressBar, OptimizerLRSchedule,
                        StopOnNonFiniteLoss, discard, to_stderr)
from .layers import ACTIVATIONS
from .nets import Net, TensorBatches
from .runtime import grad_mode_kept, interrupts_noticed, resolve_device, seeded, torch_threads

__all__ = ["FLOAT32_MAX", "FLOAT32_TINY", "LOSS_WEIGHT", "FitData", "NeuralEstimator", "UnsupervisedNeuralEstimator",
           "standardise"]


#: Rows per forward pass when predicting (bounds the float64 activations).
_PREDICT_ROWS = 1 << 16

#: ``max_epochs="auto"``: the step budget is ``_auto_steps`` at this many
#: training rows and grows as their ``_AUTO_EXPONENT`` power.
_AUTO_ROWS, _AUTO_EXPONENT = 400, 0.4

#: Largest magnitude the networks can take: float32 when training.
FLOAT32_MAX = float(np.finfo(np.float32).max)

#: Smallest normal float32 magnitude.
FLOAT32_TINY = float(np.finfo(np.float32).tiny)

#: The constraint of a weight of a loss term (``beta``, ``gp_weight``, ...):
#: non-negative and a float64 number (a larger Python int cannot weight a
#: tensor); the estimators pass it to the loss as a float.  A weight too
#: large for float32 trains into a divergence error that names it.
LOSS_WEIGHT = Interval(Real, 0, float(np.finfo(np.float64).max), closed="both")


def standardise(scaler, array, name, *, fit=False, limit=None):
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


class FitData(NamedTuple):
    """What the first step of :meth:`NeuralEstimator._fit` hands the others."""

    #: Standardised inputs, float64, ``(n_samples, n_features)``.
    X: np.ndarray
    #: Standardised 2-D targets, or None for a model fitted on X alone.
    y: Optional[np.ndarray] = None
    #: The fitted scaler of the targets, or None.
    y_scaler: Optional[StandardScaler] = None
    #: Class indices of the rows (into ``classes_``) for a generator
    #: conditioned on class labels, or None.
    labels: Optional[np.ndarray] = None


def _one_line(value):
    """``repr(value)`` on one line (an estimator's spans several)."""
    return " ".join(repr(value).split())


def clone_callback(item):
    """A fresh copy of a user's callback, or of a ``(name, callback)`` pair."""
    if isinstance(item, tuple):
        name, callback = item
        return name, clone(callback, safe=False)
    return clone(item, safe=False)


def _datasets(data, device, *, validate, fraction, seed):
    """``(train_set, valid_set)`` of float32 tensors on ``device`` (inputs,
    then targets or class labels where there are any); ``valid_set`` holds
    ``fraction`` of the rows when ``validate``, else None.  Class labels
    split stratified where every class has two rows."""
    tensors = [torch.as_tensor(a, dtype=torch.float32, device=device)
               for a in (data.X, data.y, data.labels) if a is not None]
    if not validate:
        return TensorDataset(*tensors), None
    stratify = None
    if data.labels is not None and np.bincount(data.labels).min(initial=0) >= 2:
        stratify = data.labels
    try:
        train_rows, valid_rows = train_test_split(np.arange(len(data.X)), test_size=fraction,
                                                  random_state=seed, stratify=stratify)
    except ValueError:  # fewer held-out rows than classes: a plain split
        train_rows, valid_rows = train_test_split(np.arange(len(data.X)),
                                                  test_size=fraction, random_state=seed)
    return (TensorDataset(*(t[train_rows] for t in tensors)),
            TensorDataset(*(t[valid_rows] for t in tensors)))


class NeuralEstimator(BaseEstimator):
    """Base of pendsk's neural estimators (not public; subclass it).

    :meth:`_fit` is a pipeline of four steps, each taking what it needs as
    arguments: :meth:`_prepare_data` (validate and standardise) →
    :meth:`_build_net` (first fit only) → :meth:`_configure_net` (this
    training call's epochs, callbacks, validation split and learning rate)
    → :meth:`_train`.

    Hooks a subclass implements or may override:

    - ``_validate_fit_data(X, y, reset)`` → float64 ``(X, y)``, ``y`` may be
      None (required);
    - ``_fit_targets(y, reset)`` → ``(targets, y_scaler)``: the standardised
      2-D training targets and their fitted scaler, or ``(None, None)``
      (required);
    - ``_module_spec(data)`` → ``(module class, kwargs)`` for a
      :class:`FitData` (required);
    - ``_criterion``: the loss module class (a class attribute, or a
      property where a hyperparameter chooses it), called as
      ``criterion(y_pred, y_true, **loss_settings)``;
    - ``_optimizer``: ``(optimizer class, its fixed keyword arguments)``
      (``lr`` and ``weight_decay`` come from the hyperparameters);
    - ``_net_class``: the skorch net class (:mod:`pendsk._neural.nets`);
    - ``_training_settings(n_rows)``: the net parameters of one training
      call on ``n_rows`` rows, settings that do not shape the network (the
      loss's ``loss_settings``, the GAN's ``n_critic`` and ``penalty``),
      handed to the net in one place, :meth:`_configure_net`;
    - ``_network_params``: the hyperparameters that shape the network, which
      warm starts and ``partial_fit`` must not change;
    - ``_loss_weights``: the hyperparameters that weight terms of the loss,
      which a divergence error names when they are huge;
    - ``_auto_steps``: the optimizer steps of ``max_epochs="auto"`` at 400
      rows (generative models);
    - ``_train(net, train_set, ours, incremental)``: may be extended to fit
      more state once the network is trained (the latent models'
      ``prior_``); ``incremental`` is true when a :meth:`partial_fit` call
      continues a fitted model.

    Every hyperparameter is checked by ``_parameter_constraints`` once per
    :meth:`fit` or :meth:`partial_fit` call (scikit-learn's
    ``_fit_context``), with pendsk's constraint objects where scikit-learn
    has none (:mod:`pendsk._utils.validation`); the shared docstrings take
    their types from the same constraints (:mod:`pendsk._neural.docs`).

    Methods after ``fit`` read fitted state (the module's own sizes, the
    scalers); the one hyperparameter they read, ``n_jobs``, is checked
    again where it is used, as ``set_params`` may have changed it.
    """

    _parameter_constraints = {
        "hidden_layer_sizes": [Widths()],
        "activation": [StrOptions(set(ACTIVATIONS))],
        # torch's optimizers hold them as float32 numbers
        "lr": [Interval(Real, 0, FLOAT32_MAX, closed="neither")],
        "lr_schedule": [StrOptions({"cosine", "constant"})],
        "max_epochs": [Count(1, None, closed="left")],
        "batch_size": [Count(1, None, closed="left")],
        "weight_decay": [Interval(Real, 0, FLOAT32_MAX, closed="both")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Count(1, None, closed="left")],
        "warm_start": ["boolean"],
        "callbacks": [CallbackList(), None],
        "device": [StrOptions({"cpu", "cuda", "auto"})],
        "n_jobs": [Count(None, -1, closed="right"), Count(1, None, closed="left"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    #: Loss module class, called as ``criterion(y_pred, y_true, **loss_settings)``.
    _criterion = torch.nn.MSELoss

    #: The optimizer class and its fixed keyword arguments.
    _optimizer = (torch.optim.Adam, {})

    #: Hyperparameters that define the network: fixed once it is built.
    _network_params = ("hidden_layer_sizes", "activation")

    #: The skorch net class (a subclass may override its training step).
    _net_class = Net

    #: Optimizer steps of ``max_epochs="auto"`` at 400 training rows.
    _auto_steps = None

    #: Hyperparameters that multiply terms of the loss or of its gradient
    #: (named first when training diverges while they are huge).
    _loss_weights = ("weight_decay",)

    #: Hyperparameters that must suit the data (named when training diverges).
    _data_settings = ()

    # -- hooks ---------------------------------------------------------------

    def _validate_fit_data(self, X, y, reset):
        raise NotImplementedError

    def _fit_targets(self, y, reset):
        raise NotImplementedError

    def _module_spec(self, data):
        raise NotImplementedError

    def _training_settings(self, n_rows):
        return {}

    def _fit_labels(self, y):
        """Class indices of the rows for a model conditioned on labels
        (the generators), else None."""
        return None

    # -- fit: validate and scale → build the net → configure → train ----------

    def _fit(self, X, y=None, *, incremental=False):
        """Train on ``(X, y)`` as a transaction: on any exception (bad data,
        a diverged loss, the user's Ctrl-C) the estimator is left exactly
        as it was before the call -- unfitted after a failed first fit --
        and the exception propagates.  (A callback that raises a plain
        KeyboardInterrupt stops training early, as in skorch: the model is
        then complete, fitted on the epochs done.)

        The state is saved aside first: the attributes (a new network, new
        scalers and a new prior replace the old ones, which stay intact),
        and a copy of the network when training continues it in place
        (warm start, :meth:`partial_fit`).
        """
        # torch's grad mode as it was, whatever happens (copying a module
        # and skorch's evaluation switch it off for a moment)
        with grad_mode_kept():
            saved = self.__dict__.copy()
            if hasattr(self, "net_") and (incremental or self.warm_start):
                saved["net_"] = copy.deepcopy(self.net_)
                saved["history_"] = saved["net_"].history
            try:
                with interrupts_noticed():
                    return self._training_call(X, y, incremental=incremental)
            except BaseException:
                self.__dict__.clear()
                self.__dict__.update(saved)
                raise

    def _training_call(self, X, y=None, *, incremental=False):
        """Train on ``(X, y)``: ``max_epochs`` epochs, or one if
        ``incremental``; a new network unless continuing one."""
        first = not (hasattr(self, "net_") and (incremental or self.warm_start))
        if first:
            device, entropy = resolve_device(self.device), root_entropy(self.random_state)
        else:
            self._check_same_network()
            device, entropy = self.device_, self._entropy
        data = self._prepare_data(X, y, reset=first)
        n_done = 0 if first else len(self.net_.history)
        seed = child_seed(entropy, n_done)
        validate = self._early_stopping_on() and not incremental
        with seeded(seed, device), torch_threads(self.n_jobs):
            train_set, valid_set = _datasets(data, device, validate=validate,
                                             fraction=self.validation_fraction, seed=seed)
            if first:
                self.net_ = self._build_net(data, device)
                self.device_, self._entropy = device, entropy
                self._network = {name: getattr(self, name) for name in self._network_params}
            n_epochs = 1 if incremental else self._n_epochs(len(train_set))
            ours = self._configure_net(self.net_, n_epochs, valid_set, len(train_set))
            self._train(self.net_, train_set, ours, incremental and not first)
        self.history_ = self.net_.history
        return self

    def _prepare_data(self, X, y, *, reset):
        """Step 1: validate ``(X, y)`` and standardise them (fitting the
        scalers when ``reset``)."""
        X, y = self._validate_fit_data(X, y, reset)
        if reset:
            self._x_scaler = StandardScaler()
        Xs = standardise(self._x_scaler, X, "X", fit=reset, limit=FLOAT32_MAX)
        targets, y_scaler = self._fit_targets(y, reset)
        return FitData(Xs, targets, y_scaler, self._fit_labels(y))

    def _build_net(self, data, device):
        """Step 2: a new, initialised skorch net for ``data`` on ``device``."""
        module, module_kwargs = self._module_spec(data)
        optimizer, optimizer_kwargs = self._optimizer
        net = self._net_class(
            module, criterion=self._criterion, lr=float(self.lr), batch_size=self.batch_size,
            iterator_train=TensorBatches, iterator_train__shuffle=True,
            iterator_valid=TensorBatches, train_split=None, device=device,
            verbose=self.verbose, optimizer=optimizer,
            optimizer__weight_decay=float(self.weight_decay),
            **{f"optimizer__{k}": v for k, v in optimizer_kwargs.items()},
            **{f"module__{k}": v for k, v in module_kwargs.items()})
        try:
            return net.initialize()
        except (RuntimeError, MemoryError, TypeError, OverflowError) as error:
            # torch's allocator, or sizes beyond a C long long
            if not isinstance(error, MemoryError) and not any(
                    word in str(error).lower() for word in ("allocate", "overflow", "too big")):
                raise
            sizes = ", ".join(f"{name}={_one_line(getattr(self, name))}"
                              for name in self._network_params)
            raise ValueError(f"The network these settings describe ({sizes}) does not fit "
                             "in this machine's memory; choose smaller layers or "
                             "codes.") from error

    def _configure_net(self, net, n_epochs, valid_set, n_rows):
        """Step 3: set up one training call of ``n_epochs`` epochs on
        ``n_rows`` rows; returns pendsk's own callbacks (those
        :meth:`_train` drops afterwards)."""
        ours = self._callbacks(net, n_epochs, validate=valid_set is not None)
        users = [clone_callback(item) for item in self.callbacks or []]
        net.set_params(
            max_epochs=n_epochs, verbose=self.verbose, callbacks=ours + users,
            train_split=None if valid_set is None else predefined_split(valid_set),
            **self._training_settings(n_rows))
        # a warm start trains at the current lr; each call starts its schedule
        net.restart_learning_rate(float(self.lr))
        # skorch's set_params initialises the callbacks it had before
        net.initialize_callbacks()
        return [callback for _, callback in ours]

    def _train(self, net, train_set, ours, incremental=False):
        """Step 4: skorch's training loop, then keep (and pickle) neither the
        validation data nor pendsk's callbacks.

        LR schedulers hold the optimizer and early stopping the best
        weights, on the training device, where skorch's CPU mapping on
        unpickling does not reach; the user's callbacks stay in
        ``net_.callbacks_`` for inspection.
        """
        try:
            net.partial_fit(train_set)
        finally:
            ids = {id(callback) for callback in ours}
            net.set_params(train_split=None)
            net.callbacks = [cb for cb in net.callbacks
                             if id(cb[1] if isinstance(cb, tuple) else cb) not in ids]
            net.callbacks_ = [(name, cb) for name, cb in net.callbacks_ if id(cb) not in ids]
            net.module_.eval()

    def _n_epochs(self, n_rows):
        """Epochs of one fit on ``n_rows`` training rows: ``max_epochs``, or
        those of the ``"auto"`` step budget."""
        if self.max_epochs != "auto":
            return self.max_epochs
        steps = self._auto_steps * (n_rows / _AUTO_ROWS) ** _AUTO_EXPONENT
        return max(1, round(steps / math.ceil(n_rows / self.batch_size)))

    def _early_stopping_on(self):
        """Whether a training call holds out rows and stops early (a
        subclass that allows ``early_stopping="auto"`` decides it here)."""
        return bool(self.early_stopping)

    def _lr_policy(self, n_epochs):
        """``(torch scheduler class, kwargs)`` of one training call's
        schedule; ``last_epoch=-1``: every call starts its own."""
        if self.lr_schedule == "cosine" and n_epochs > 1:
            return CosineAnnealingLR, dict(T_max=n_epochs, eta_min=0.0, last_epoch=-1)
        return ConstantLR, dict(factor=1.0, total_iters=0, last_epoch=-1)

    def _callbacks(self, net, n_epochs, validate):
        """pendsk's skorch callbacks of one training call of ``net``, as
        pairs: every optimizer of the net follows the same schedule."""
        policy, kwargs = self._lr_policy(n_epochs)
        weights = {name: getattr(self, name) for name in self._loss_weights}
        settings = {name: getattr(self, name) for name in self._data_settings}
        callbacks = [("stop_on_non_finite_loss", StopOnNonFiniteLoss(weights, settings)),
                     ("lr_schedule", LRScheduler(policy, **kwargs))]
        callbacks += [(f"{name}_lr_schedule", OptimizerLRSchedule(name, policy, **kwargs))
                      for name in net.optimizer_names()[1:]]
        if validate:
            callbacks.append(("early_stopping", EarlyStopping(
                patience=self.n_iter_no_change, threshold=1e-4, threshold_mode="abs",
                load_best=True, sink=to_stderr if self.verbose else discard)))
        if self.verbose == 1:
            callbacks.append(("progress_bar", EpochProgressBar(type(self).__name__)))
        return callbacks

    def _hidden_layers(self):
        """``hidden_layer_sizes`` as a tuple of ints (checked by the constraints)."""
        return Widths.convert(self.hidden_layer_sizes)

    def _check_same_network(self):
        """Continuing to train needs the network the hyperparameters
        describe, on the device it lives on."""
        now = {name: getattr(self, name) for name in self._network_params}
        changed = [f"{name} from {_one_line(self._network[name])} to {_one_line(now[name])}"
                   for name in self._network_params
                   if not np.array_equal(np.asarray(now[name], dtype=object),
                                         np.asarray(self._network[name], dtype=object))]
        if resolve_device(self.device) != self.device_:
            changed.append(f"device from {str(self.device_)!r} to {self.device!r}")
        if changed:
            raise ValueError(
                "Cannot continue training (warm_start or partial_fit) after changing "
                + ", ".join(changed)
                + "; call fit with warm_start=False to build a new network.")

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

    def _forward_outputs(self, X, method, rows, arrays, options):
        """The float64 module's ``method`` over chunks of ``rows`` rows of
        ``X`` (tensors; :meth:`_forward`'s first half)."""
        module = self._module64()
        fn = getattr(module, method)
        # where the weights are now: a model trained on CUDA and unpickled
        # on a machine without it has been mapped to the CPU by skorch
        device = next(module.parameters()).device

        def tensor(a):
            # torch warns about (and may not respect) read-only memory; one
            # memory layout (C order), so that results do not depend on the
            # caller's (Fortran order, a DataFrame's blocks)
            return torch.as_tensor(np.require(a, dtype=np.float64, requirements=("C", "W")),
                                   device=device)
        extra = {name: tensor(a) for name, a in arrays.items()}
        with torch.no_grad(), torch_threads(self.n_jobs):
            return [fn(chunk, **extra, **options) for chunk in tensor(X).split(max(1, int(rows)))]

    def _forward(self, X, *, method="forward", input_name="X", post=None, rows=_PREDICT_ROWS,
                 options=None, **arrays):
        """``post(module64.<method>(rows, **arrays, **options))`` over chunks
        of ``rows`` rows of ``X`` (fewer where the method's work per row is
        large).

        ``arrays`` are passed whole (as float64 tensors) to every chunk,
        ``options`` (a dict) as they are;
        ``post`` (default: none) takes the method's float64 output(s), e.g.
        to undo the scaling.  Returns what ``post`` returns: ndarrays or a
        tuple of them.  A non-finite result is not returned: values of
        ``X`` too large for the model raise a ValueError naming
        ``input_name``.
        """
        # the one setting read after fit (set_params may have changed it)
        check_settings(self, "n_jobs")
        # torch's grad mode as it was, whatever happens: copying the module
        # and no_grad switch it off for a moment, and a Ctrl-C then must not
        # leave it off for the caller
        with grad_mode_kept():
            outs = self._forward_outputs(X, method, rows, arrays, options or {})
        if isinstance(outs[0], tuple):
            outs = tuple(torch.cat(parts).cpu().numpy() for parts in zip(*outs))
        else:
            outs = (torch.cat(outs).cpu().numpy(),)
        overflow = ValueError(f"{input_name} holds values too large for this model: "
                              "its output overflows float64.")
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            try:
                result = outs if post is None else post(*outs)
            except ValueError as error:
                # e.g. a scaler's inverse_transform refusing the infinities
                if all(np.isfinite(out).all() for out in outs):
                    raise
                raise overflow from error
        parts = result if isinstance(result, tuple) else (result,)
        if not all(np.isfinite(part).all() for part in parts):
            raise overflow
        return result[0] if post is None and len(result) == 1 else result

    def _check_X(self, X, *, reset):
        """``validate_data`` of X alone, with errors that name X: numbers
        only (no strings, dates or durations), and at least 2 rows to fit
        a model (its scaling needs a spread)."""
        with naming("X"):
            X = validate_data(self, X, reset=reset, dtype="numeric",
                              ensure_min_samples=2 if reset else 1)
        return as_float64(X, "X")

    def _validate_X(self, X):
        """Check a fitted estimator's input and standardise it (float64).

        The one path of every method that takes data: scikit-learn's checks,
        then the standardisation, which refuses values too large for it.
        """
        check_is_fitted(self)
        return standardise(self._x_scaler, self._check_X(X, reset=False), "X")


class UnsupervisedNeuralEstimator(NeuralEstimator):
    """Base of the neural estimators fitted on trajectories alone (the
    generative models): ``fit(X, y=None)`` and ``partial_fit(X, y=None)``,
    and ``max_epochs="auto"``."""

    _parameter_constraints = {
        **NeuralEstimator._parameter_constraints,
        "max_epochs": [Count(1, None, closed="left"), StrOptions({"auto"})],
    }

    #: Whether ``fit(X, y)`` learns to generate given class labels ``y``
    #: (else ``y`` is ignored).
    _conditional = False

    def _validate_fit_data(self, X, y, reset):
        """``(X, class indices or None)``: with class labels, a first fit
        sets ``classes_``; training continued must keep to them."""
        X = self._check_X(X, reset=reset)
        if not self._conditional:
            return X, None
        if y is None:
            if reset:
                self.__dict__.pop("classes_", None)
            elif hasattr(self, "classes_"):
                raise ValueError(f"This {type(self).__name__} was fitted with class labels "
                                 "y; pass y to continue training it.")
            return X, None
        with naming("y"):
            y = column_or_1d(y, warn=True)
            check_consistent_length(X, y)
            check_classification_targets(y)
        if reset:
            self.classes_ = np.unique(y)
            self._class_counts = np.zeros(len(self.classes_), dtype=np.int64)
        elif not hasattr(self, "classes_"):
            raise ValueError(f"This {type(self).__name__} was fitted without class labels; "
                             "fit it anew (warm_start=False) to learn to generate given y.")
        unknown = np.setdiff1d(y, self.classes_)
        if len(unknown):
            raise ValueError(f"y holds classes the first fit did not see: "
                             f"{unknown[:5].tolist()}; fitted classes_ are "
                             f"{self.classes_.tolist()}.")
        indices = np.searchsorted(self.classes_, y)
        self._class_counts = self._class_counts + np.bincount(indices,
                                                              minlength=len(self.classes_))
        return X, indices

    def _fit_targets(self, y, reset):
        return None, None

    def _fit_labels(self, y):
        return y

    @property
    def class_weights_(self):
        """The share of the training rows in each class of ``classes_`` (a
        generator fitted with class labels), over all its training calls."""
        check_is_fitted(self, "classes_")
        return self._class_counts / self._class_counts.sum()

    def _residual_rows(self, n_samples, classes, rng):
        """Rows of ``residuals_`` (what a generator's decoder leaves of its
        training rows) drawn at random, one per sample: one of its class,
        for a conditional generator (``classes`` its class indices)."""
        if classes is None or self._residual_classes is None:
            return rng.randint(len(self.residuals_), size=n_samples)
        rows = np.empty(n_samples, dtype=np.intp)
        for k in np.unique(classes):
            pool = np.flatnonzero(self._residual_classes == k)
            rows[classes == k] = pool[rng.randint(len(pool), size=np.sum(classes == k))]
        return rows

    def _requested_classes(self, n_samples, y, rng):
        """Class indices of the rows :meth:`sample` makes: None for a model
        fitted without labels (``y`` must be None); for a conditional one,
        ``y`` (one label, or one per row) or, with None, classes drawn with
        the training rows' shares."""
        conditional = hasattr(self, "classes_")
        if y is None:
            if not conditional:
                return None
            return rng.choice(len(self.classes_), size=n_samples, p=self.class_weights_)
        if not conditional:
            raise ValueError(f"y asks for classes, but this {type(self).__name__} was "
                             "fitted without class labels; fit it with fit(X, y) to "
                             "generate given classes.")
        labels = np.asarray(y)
        if labels.ndim == 0:
            labels = np.repeat(labels, n_samples)
        if labels.ndim != 1 or len(labels) != n_samples:
            raise ValueError(f"y must be one class label or one per sample (n_samples="
                             f"{n_samples}); got shape {np.shape(y)}.")
        known = np.isin(labels, self.classes_)
        if not known.all():
            raise ValueError(f"y holds classes this {type(self).__name__} was not fitted on: "
                             f"{labels[~known][:5].tolist()}; classes_ are "
                             f"{self.classes_.tolist()}.")
        return np.searchsorted(self.classes_, labels)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to the trajectories ``X``.

        A call that fails or is interrupted (an error, a diverged loss,
        Ctrl-C) leaves the estimator as it was before it, and the exception
        propagates.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps)
            Trajectories, one per row.
        y : array-like of shape (n_samples,), default=None
            Class labels of the rows: a generator that can be conditioned
            (:class:`~pendsk.BetaVAE`, :class:`~pendsk.TrajectoryGAN`) then
            learns to generate each class, and its ``sample`` takes the
            labels to generate; the other estimators ignore it.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y)

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train for one more epoch on ``X``.

        A call that fails or is interrupted (an error, a diverged loss,
        Ctrl-C) leaves the estimator as it was before it, and the exception
        propagates.

        The first call initialises the networks and the scaling from this
        data; later calls keep them and continue training at the constant
        learning rate ``lr``, without early stopping.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps)
            Trajectories, one per row.
        y : array-like of shape (n_samples,), default=None
            Class labels of the rows, for a generator first fitted with
            them (their classes among ``classes_``); ignored by the other
            estimators.

        Returns
        -------
        self : object
            The updated estimator.
        """
        return self._fit(X, y, incremental=True)
