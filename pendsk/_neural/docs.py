"""The numpydoc sections that every neural estimator shares."""

import inspect
import string

from sklearn.utils._param_validation import StrOptions

from .._utils.validation import describe

__all__ = ["shared_docs"]



#: numpydoc of the shared hyperparameters: types from the constraints,
#: defaults from the signature, and the text of a value only where the
#: constraints allow it.
_PARAMETERS = string.Template("""
    lr : $lr_type, default=$lr
        Learning rate of the optimizer.
    lr_schedule : $lr_schedule_type, default=$lr_schedule
        ``"cosine"``: the learning rate decays from ``lr`` to 0 along half a
        cosine over the ``max_epochs`` epochs of each :meth:`fit` call.
    max_epochs : $max_epochs_type, default=$max_epochs
        Passes over the training data per :meth:`fit` call.$max_epochs_auto
    batch_size : $batch_size_type, default=$batch_size
        Rows per gradient step (every row, when it exceeds their number).
    weight_decay : $weight_decay_type, default=$weight_decay
        L2 penalty (the optimizer's ``weight_decay``).
    early_stopping : $early_stopping_type, default=$early_stopping
        Hold out ``validation_fraction`` of the rows and stop when their
        loss has not improved by 1e-4 for ``n_iter_no_change`` epochs,
        restoring the best weights (skorch's ``EarlyStopping``).$early_stopping_auto
    validation_fraction : $validation_fraction_type, default=$validation_fraction
        Share of rows held out when early stopping is on.
    n_iter_no_change : $n_iter_no_change_type, default=$n_iter_no_change
        Patience of early stopping, in epochs.
    warm_start : $warm_start_type, default=$warm_start
        Let :meth:`fit` continue from the current weights (``max_epochs``
        more epochs, a new schedule) instead of starting afresh.
    callbacks : $callbacks_type, default=$callbacks
        Extra skorch callbacks, cloned at each training call.
    device : $device_type, default=$device
        Where to train and predict; ``"auto"`` picks CUDA when available.
        A warm start or :meth:`partial_fit` keeps the device it was fitted
        on: changing ``device`` there is an error.
    n_jobs : $n_jobs_type, default=$n_jobs
        torch's intra-op threads during this estimator's own calls (fit,
        partial_fit and every method that runs the network); the caller's
        setting is restored afterwards.  ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` means all cores.
        One thread is the default (for ``None``) because these networks are small: a
        second thread gains little on a quiet machine, and on a busy one
        threads that wait for each other can make a fit many times slower
        (``benchmarks/bench_threads.py``).
    random_state : $random_state_type, default=$random_state
        Seeds the weights, the batch order and the training noise (torch's
        global generator is left as the caller had it).  With an int, two
        fits give identical results.
    verbose : $verbose_type, default=$verbose
        0 silent; 1 one progress bar over the epochs, with the last epoch's
        losses and the time left; 2 also skorch's table of per-epoch
        losses.""")


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


#: What ``"auto"`` means, where a parameter's constraints allow it.
_AUTO = {
    "max_epochs": """  ``"auto"`` trains for a budget of
        optimizer steps that grows sublinearly with the training rows ``n``,
        ``steps = S * (n / 400) ** 0.4`` (10 times the rows: 2.5 times the
        steps), in as many epochs as that takes; ``S`` is given in Notes.""",
    "early_stopping": """  ``"auto"``: see Notes.""",
}


def _default(value):
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value) if isinstance(value, float) else str(value)


def shared_docs(cls):
    """Docstring sections shared by the neural estimators, as a dict.

    ``"params"``: the shared hyperparameters (from ``lr`` on), each with
    the type its entry of ``cls._parameter_constraints`` allows
    (:func:`pendsk._utils.validation.describe`) and the default of
    ``cls``'s signature, so that a docstring cannot document a value the
    code refuses; ``"attributes"``: the shared fitted attributes.
    """
    constraints = cls._parameter_constraints
    fields = {}
    for name, parameter in inspect.signature(cls).parameters.items():
        fields[name] = _default(parameter.default)
        if name in constraints:
            fields[f"{name}_type"] = describe(constraints[name])
    for name, text in _AUTO.items():
        allowed = any(isinstance(c, StrOptions) and "auto" in c.options
                      for c in constraints[name])
        fields[f"{name}_auto"] = text if allowed else ""
    return {"params": _PARAMETERS.substitute(fields), "attributes": _ATTRIBUTES}
