"""Faults during training: interruption, divergence, resuming.

A ``KeyboardInterrupt`` during ``fit`` (raised here by a user callback,
passed through the estimators' ``callbacks=`` parameter, as Ctrl-C would
arrive) leaves a usable, partially trained estimator: skorch's
``partial_fit`` catches the interrupt, and pendsk finishes its bookkeeping.
A loss that turns NaN or infinite stops ``fit`` with a ValueError naming
the epoch.  An interrupted fit resumes with ``warm_start=True`` from the
interrupted weights and optimizer state.  Every test runs on each of the
five neural estimators.
"""

import copy
import math
import pickle

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from skorch.callbacks import Callback, LRScheduler
from sklearn.utils.validation import check_is_fitted

from conftest import NEURAL, OUTPUTS, SMALL, fit_args, small


def _outputs(est, data):
    """Every numeric output of the estimator, concatenated."""
    outputs = [np.ravel(call(est, data)) for _, call in OUTPUTS[type(est).__name__]]
    return np.concatenate([out for out in outputs if out.dtype.kind == "f"])


class InterruptAt(Callback):
    """Raise KeyboardInterrupt at the end of epoch ``epoch`` (or after batch
    ``batch`` of it), and remember the weights the training started from."""

    def __init__(self, epoch=3, batch=None):
        self.epoch = epoch
        self.batch = batch

    def initialize(self):
        self.batches_ = 0
        return self

    def on_train_begin(self, net, **kwargs):
        self.initial_weights_ = copy.deepcopy(net.module_.state_dict())

    def on_batch_end(self, net, training=False, **kwargs):
        if training and len(net.history) == self.epoch and self.batch is not None:
            self.batches_ += 1
            if self.batches_ == self.batch:
                raise KeyboardInterrupt

    def on_epoch_end(self, net, **kwargs):
        if self.batch is None and len(net.history) == self.epoch:
            raise KeyboardInterrupt


class RecordStart(Callback):
    """Remember the weights a training call starts from."""

    def on_train_begin(self, net, **kwargs):
        self.initial_weights_ = copy.deepcopy(net.module_.state_dict())


def _weights(est):
    return copy.deepcopy(est.net_.module_.state_dict())


def _same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


# -- KeyboardInterrupt ----------------------------------------------------------------

@pytest.mark.parametrize("name", NEURAL)
def test_keyboard_interrupt_leaves_a_usable_partially_trained_estimator(name, data):
    k = 3
    est = small(name, callbacks=[("interrupt", InterruptAt(epoch=k))])
    assert est.fit(*fit_args(name, data)) is est  # the interrupt does not propagate
    check_is_fitted(est)
    assert est.n_features_in_ == fit_args(name, data)[0].shape[1]
    assert len(est.history_) == k
    assert all(math.isfinite(row["train_loss"]) for row in est.history_)
    # pendsk's own training callbacks were dropped as after a full fit
    assert not any(isinstance(cb, LRScheduler) for _, cb in est.net_.callbacks_)
    assert not est.net_.module_.training

    out = _outputs(est, data)
    assert np.isfinite(out).all()
    # it differs from the untrained network ...
    untrained = copy.deepcopy(est)
    untrained.net_.module_.load_state_dict(
        dict(est.net_.callbacks_)["interrupt"].initial_weights_)
    assert np.abs(_outputs(untrained, data) - out).max() > 1e-3
    # ... is reproducible, and survives a pickle round trip
    again = small(name, callbacks=[("interrupt", InterruptAt(epoch=k))])
    assert_array_equal(_outputs(again.fit(*fit_args(name, data)), data), out)
    assert_array_equal(_outputs(pickle.loads(pickle.dumps(est)), data), out)


def test_keyboard_interrupt_in_the_middle_of_an_epoch(data):
    # interrupted after batch 2 of epoch 2: that epoch's row has its batches
    # but no epoch loss; the weights are those of the last step
    est = small("BetaVAE", callbacks=[InterruptAt(epoch=2, batch=2)])
    est.fit(*fit_args("BetaVAE", data))
    assert len(est.history_) == 2
    assert len(est.history_[-1, "batches"]) == 2
    assert "train_loss" in est.history_[0] and "train_loss" not in est.history_[-1]
    assert np.isfinite(_outputs(est, data)).all()


# -- divergence ------------------------------------------------------------------------

class BlowUpWeightsAt(Callback):
    """Multiply every weight by 1e30 at the start of epoch ``epoch``: the
    loss of that epoch is no longer finite."""

    def __init__(self, epoch=3):
        self.epoch = epoch

    def on_epoch_begin(self, net, **kwargs):
        if len(net.history) == self.epoch:
            with torch.no_grad():
                for p in net.module_.parameters():
                    p.mul_(1e30)


@pytest.mark.parametrize("name", NEURAL)
def test_a_huge_learning_rate_stops_fit_naming_the_epoch(name, data):
    est = small(name, lr=1e30)
    with pytest.raises(ValueError, match=r"Training diverged: (train|valid)_loss is "
                                         r"(nan|-?inf) at epoch 1\. The learning rate "
                                         r"\(lr=1e\+30\) is probably too high"):
        est.fit(*fit_args(name, data))
    # stopped at once (the message names epoch 1), and the failed first fit
    # is rolled back: the estimator is unfitted, not a model with NaN weights
    assert not hasattr(est, "net_") and not hasattr(est, "n_features_in_")


@pytest.mark.parametrize("name", NEURAL)
def test_a_loss_diverging_later_stops_fit_at_that_epoch(name, data):
    est = small(name, callbacks=[BlowUpWeightsAt(epoch=4)])
    with pytest.raises(ValueError, match=r"Training diverged: \w+ is (nan|-?inf) at "
                                         r"epoch 4\."):
        est.fit(*fit_args(name, data))
    # the losses were checked at every epoch and finite before the 4th (the
    # message names it); the failed fit is rolled back
    assert not hasattr(est, "net_")


# -- resuming with warm_start ----------------------------------------------------------

@pytest.mark.parametrize("name", NEURAL)
def test_an_interrupted_fit_resumes_with_warm_start(name, data):
    k = 3
    est = small(name, callbacks=[InterruptAt(epoch=k)])
    est.fit(*fit_args(name, data))
    interrupted = _weights(est)
    optimizer_steps = est.net_.optimizer_.state_dict()["state"][0]["step"].item()
    losses = list(est.history_[:, "train_loss"])

    est.set_params(warm_start=True, callbacks=[("start", RecordStart())])
    est.fit(*fit_args(name, data))
    # the history grows, and training restarts from the interrupted weights
    assert len(est.history_) == k + est.max_epochs
    assert est.history_[:k, "train_loss"] == losses
    assert _same_weights(dict(est.net_.callbacks_)["start"].initial_weights_, interrupted)
    assert not _same_weights(_weights(est), interrupted)
    # the optimizer's state (Adam's step count and moments) carries on
    steps = est.net_.optimizer_.state_dict()["state"][0]["step"].item()
    if name == "TrajectoryGAN":  # the generator steps once per n_critic batches
        assert steps > optimizer_steps > 0
    else:
        per_epoch = math.ceil(len(fit_args(name, data)[0]) / SMALL[name]["batch_size"])
        assert optimizer_steps == k * per_epoch
        assert steps == (k + est.max_epochs) * per_epoch
    assert np.isfinite(_outputs(est, data)).all()
    if name != "TrajectoryGAN":  # a minimised loss: the resumed fit improves on it
        assert est.history_[-1, "train_loss"] < losses[-1] - 0.05


def test_a_fresh_fit_after_an_interrupted_one_starts_over(data, fitted_small):
    # warm_start=False (the default) rebuilds the network: a full fit with
    # the same seed, whatever came before
    est = small("TrajectoryRegressor", callbacks=[InterruptAt(epoch=2)])
    est.fit(*data["reg"])
    est.set_params(callbacks=None).fit(*data["reg"])
    assert len(est.history_) == est.max_epochs
    assert_array_equal(_outputs(est, data), _outputs(fitted_small("TrajectoryRegressor"), data))
