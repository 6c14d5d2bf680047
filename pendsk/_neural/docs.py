"""The numpydoc sections that every neural estimator shares."""

import inspect
import string

__all__ = ["shared_docs"]



#: numpydoc of the shared hyperparameters; defaults from the signature.
_PARAMETERS = string.Template("""
    lr : float, default=$lr
        Learning rate of the optimizer.
    lr_schedule : {"cosine", "constant"}, default="cosine"
        ``"cosine"``: the learning rate decays from ``lr`` to 0 along half a
        cosine over the ``max_epochs`` epochs of each :meth:`fit` call.
    max_epochs : int or "auto", default=$max_epochs
        Passes over the training data per :meth:`fit` call.  ``"auto"``
        (generative models only) trains for a budget of optimizer steps that
        grows sublinearly with the training rows ``n``,
        ``steps = S * (n / 400) ** 0.4`` (10 times the rows: 2.5 times the
        steps), in as many epochs as that takes; ``S`` is given in Notes.
    batch_size : int, default=$batch_size
        Rows per gradient step.
    weight_decay : float, default=0.0
        L2 penalty (the optimizer's ``weight_decay``).
    early_stopping : $early_stopping_type, default=$early_stopping
        Hold out ``validation_fraction`` of the rows and stop when their
        loss has not improved by 1e-4 for ``n_iter_no_change`` epochs,
        restoring the best weights (skorch's ``EarlyStopping``).$early_stopping_auto
    validation_fraction : float, default=0.1
        Share of rows held out when early stopping is on.
    n_iter_no_change : int, default=$n_iter_no_change
        Patience of early stopping, in epochs.
    warm_start : bool, default=False
        Let :meth:`fit` continue from the current weights (``max_epochs``
        more epochs, a new schedule) instead of starting afresh.
    callbacks : list of skorch callbacks or (name, callback) tuples, \
default=None
        Extra skorch callbacks, cloned at each training call.
    device : {"cpu", "cuda", "auto"}, default="cpu"
        Where to train and predict; ``"auto"`` picks CUDA when available.
        A warm start or :meth:`partial_fit` keeps the device it was fitted
        on: changing ``device`` there is an error.
    n_jobs : int, default=None
        torch's intra-op threads during this estimator's own calls (fit,
        partial_fit and every method that runs the network); the caller's
        setting is restored afterwards.  ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; ``-1`` means all cores.
        One thread is the default because these networks are small: a
        second thread gains little on a quiet machine, and on a busy one
        threads that wait for each other can make a fit many times slower
        (``benchmarks/bench_threads.py``).
    random_state : int, RandomState instance or None, default=None
        Seeds the weights, the batch order and the training noise (torch's
        global generator is left as the caller had it).  With an int, two
        fits give identical results.
    verbose : int, default=0
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


def shared_docs(cls):
    """Docstring sections shared by the neural estimators, as a dict.

    ``"params"``: the shared hyperparameters (from ``lr`` on) with the
    defaults of ``cls``'s signature; ``"attributes"``: the shared fitted
    attributes.
    """
    defaults = {name: format(p.default, "g") if isinstance(p.default, float)
                else p.default
                for name, p in inspect.signature(cls).parameters.items()}
    auto = defaults["early_stopping"] == "auto"
    defaults["early_stopping_type"] = 'bool or "auto"' if auto else "bool"
    defaults["early_stopping_auto"] = (
        '  ``"auto"``: see Notes.' if auto else "")
    if auto:
        defaults["early_stopping"] = '"auto"'
    return {"params": _PARAMETERS.substitute(defaults), "attributes": _ATTRIBUTES}
