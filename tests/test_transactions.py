"""A training call is a transaction: a fit, warm start or partial_fit that
fails -- on bad data, in a callback, on the user's Ctrl-C (SIGINT) --
leaves the estimator exactly as it was before the call, and the exception
reaches the caller (skorch alone ends training quietly on a Ctrl-C).  A
callback that raises a plain KeyboardInterrupt stops training early, as
skorch documents: the model is then complete.

Each neural estimator is fitted fresh here (these tests change it); "as
before" is the estimator's outputs (conftest's ``output``), its epoch
count and its fitted attributes.  Last, the state of the process: two
threads on one fitted model, memory layouts, and a Ctrl-C at random
points of a method or a fit (a SIGINT from a timer thread) and at the
worst point of PhysicsVAE's forward-mode AD.
"""

import signal
from functools import partial

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback

from conftest import NEURAL, SUPERVISED, fit_args, output, small
from test_faults import BlowUpWeightsAt


class _At(Callback):
    """Calls ``action()`` at the end of epoch ``epoch`` of a training call."""

    def __init__(self, action, epoch=2):
        self.action = action
        self.epoch = epoch

    def on_train_begin(self, net, **kwargs):
        self.epochs_ = 0

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1
        if self.epochs_ == self.epoch:
            self.action()


def _throw(error):
    raise error


def _raise_at(error, epoch=2):
    """A callback raising ``error`` at the end of epoch ``epoch``."""
    return _At(partial(_throw, error), epoch)


def _ctrl_c_at(epoch=2):
    """A callback sending this process a SIGINT, as Ctrl-C does."""
    return _At(partial(signal.raise_signal, signal.SIGINT), epoch)


def _state(est, X):
    """What a failed call must not change."""
    fitted = sorted(k for k in vars(est) if k.endswith("_") and not k.startswith("_"))
    return output(est, X), len(est.history_), fitted, est.n_features_in_


def _assert_same(before, after):
    assert_array_equal(after[0], before[0])
    assert after[1:] == before[1:]


def _fitted(name, data):
    args = fit_args(name, data)
    return small(name).fit(*args), args


def _poisoned(name, args):
    """The fit arguments with one huge value, in y for the regressors."""
    args = [np.array(a, dtype=np.float64) for a in args]
    args[1 if name in SUPERVISED else 0][0] = 1e300
    return args


@pytest.mark.parametrize("name", NEURAL)
@pytest.mark.parametrize("how", ["refit", "warm_start", "partial_fit"])
def test_a_call_that_fails_on_bad_data_changes_nothing(name, how, data):
    est, args = _fitted(name, data)
    before = _state(est, args[0])
    bad = _poisoned(name, args)
    with pytest.raises(ValueError, match="too large"):
        if how == "partial_fit":
            est.partial_fit(*bad)
        else:
            est.set_params(warm_start=how == "warm_start").fit(*bad)
    _assert_same(before, _state(est, args[0]))


@pytest.mark.parametrize("name", ["TrajectoryRegressor", "GaussianRegressor"])
def test_a_refit_on_other_columns_that_fails_keeps_the_old_model(name, data):
    est, (X, y) = _fitted(name, data)
    before = _state(est, X)
    y_bad = np.array(y, dtype=np.float64)
    y_bad[0] = 1e300
    with pytest.raises(ValueError, match="too large"):
        est.fit(X[:, :3], y_bad)
    _assert_same(before, _state(est, X))
    assert est.predict(X).shape == (len(X),)


@pytest.mark.parametrize("name", NEURAL)
@pytest.mark.parametrize("how", ["refit", "warm_start"])
def test_an_error_during_training_rolls_the_call_back(name, how, data):
    est, args = _fitted(name, data)
    before = _state(est, args[0])
    est.set_params(warm_start=how == "warm_start",
                   callbacks=[_raise_at(RuntimeError("disk full"))])
    with pytest.raises(RuntimeError, match="disk full"):
        est.fit(*args)
    est.set_params(callbacks=None)
    _assert_same(before, _state(est, args[0]))
    # and it trains on from there as if the failed call had not happened
    est.set_params(warm_start=True, max_epochs=1).fit(*args)
    assert len(est.history_) == before[1] + 1


@pytest.mark.parametrize("name", NEURAL)
@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_a_diverged_continuation_keeps_the_finite_model(name, how, data):
    est, args = _fitted(name, data)
    before = _state(est, args[0])
    # the weights blow up in the first epoch of the continued training
    est.set_params(callbacks=[BlowUpWeightsAt(epoch=len(est.history_) + 1)])
    with pytest.raises(ValueError, match="Training diverged"):
        if how == "partial_fit":
            est.partial_fit(*args)
        else:
            est.set_params(warm_start=True).fit(*args)
    est.set_params(callbacks=None)
    _assert_same(before, _state(est, args[0]))
    assert all(np.isfinite(p.detach().numpy()).all() for p in est.net_.module_.parameters())


@pytest.mark.parametrize("name", NEURAL)
def test_ctrl_c_in_a_first_fit_propagates_and_leaves_it_unfitted(name, data):
    est = small(name, callbacks=[_ctrl_c_at()])
    with pytest.raises(KeyboardInterrupt):
        est.fit(*fit_args(name, data))
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    assert not [k for k in vars(est) if k.endswith("_") and not k.startswith("_")]


@pytest.mark.parametrize("name", NEURAL)
def test_ctrl_c_in_a_warm_start_propagates_and_keeps_the_model(name, data):
    est, args = _fitted(name, data)
    before = _state(est, args[0])
    est.set_params(warm_start=True, callbacks=[_ctrl_c_at(epoch=3)])
    with pytest.raises(KeyboardInterrupt):
        est.fit(*args)
    est.set_params(callbacks=None)
    _assert_same(before, _state(est, args[0]))
    # the caller's SIGINT handler is back
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("name", NEURAL)
def test_a_callbacks_keyboard_interrupt_stops_training_early(name, data):
    # skorch's way to stop (its EarlyStopping raises one): a complete model
    args = fit_args(name, data)
    est = small(name, callbacks=[_raise_at(KeyboardInterrupt(), epoch=2)]).fit(*args)
    check_is_fitted(est)
    assert len(est.history_) == 2
    if name == "BetaVAE":
        assert est.prior_.n_components >= 1
    assert np.isfinite(output(est, args[0])).all()


@pytest.mark.parametrize("name", NEURAL)
def test_bad_callbacks_are_refused_before_any_work(name, data):
    est, args = _fitted(name, data)
    before = _state(est, args[0])
    for bad in ([1], [("name", 1)], ["print"]):
        with pytest.raises(InvalidParameterError,
                           match=r"'callbacks' parameter of .* must be a list of skorch "
                                 r"callbacks or \(name, callback\) pairs"):
            est.set_params(callbacks=bad).fit(*args)
    est.set_params(callbacks=None)
    _assert_same(before, _state(est, args[0]))


# -- threads and memory layouts ------------------------------------------------------

@pytest.mark.parametrize("name", NEURAL)
def test_two_threads_on_one_fitted_model_get_the_sequential_results(name, fitted_small, data):
    from concurrent.futures import ThreadPoolExecutor

    from conftest import OUTPUTS

    est = fitted_small(name)
    calls = [call for _, call in OUTPUTS[name]]
    sequential = [np.asarray(call(est, data), dtype=object) for call in calls]
    with ThreadPoolExecutor(2) as pool:
        # every method twice, the two copies running at the same time
        parallel = list(pool.map(lambda call: np.asarray(call(est, data), dtype=object),
                                 [call for call in calls for _ in range(2)]))
    for i, expected in enumerate(sequential):
        for got in parallel[2 * i:2 * i + 2]:
            assert_array_equal(got, expected)


@pytest.mark.parametrize("name", NEURAL)
def test_results_do_not_depend_on_the_inputs_memory_layout(name, fitted_small, data):
    import pandas as pd

    est = fitted_small(name)
    X = np.array(fit_args(name, data)[0], dtype=np.float64)
    # the GAN's outputs take no rows: its score does
    result = est.score if name == "TrajectoryGAN" else (lambda rows: output(est, rows))
    C = result(X)
    assert_array_equal(result(np.asfortranarray(X)), C)
    assert_array_equal(result(pd.DataFrame(X)), C)


# -- Ctrl-C at random points -----------------------------------------------------------

def _interrupted_at(delay, call):
    """Run ``call()`` with a SIGINT sent to this process after ``delay``
    seconds (from another thread, as a terminal's Ctrl-C arrives); the
    signal is always received inside: returns ``(result, interrupted)``."""
    import os
    import threading
    import time

    timer = threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT))
    result, interrupted = None, False
    try:
        timer.start()  # (a short delay may fire before start returns)
        result = call()
        timer.join()
        time.sleep(0.05)  # the handler runs here when the call was quicker
    except KeyboardInterrupt:
        interrupted = True
    timer.join()
    return result, interrupted


def _seconds(call):
    import time

    start = time.perf_counter()
    call()
    return time.perf_counter() - start


@pytest.mark.parametrize("name", NEURAL)
def test_ctrl_c_at_random_points_of_a_method_never_poisons_the_process(name, fitted_small,
                                                                       data):
    # PhysicsVAE's encoder runs torch's forward-mode AD, one level per process:
    # an interrupt while torch entered or left it once broke every later call
    est = fitted_small(name)
    rows = np.repeat(fit_args(name, data)[0], 20, axis=0)
    expected = output(est, rows)
    duration = _seconds(lambda: output(est, rows))
    rng = np.random.default_rng(0)
    outcomes = []
    for delay in rng.uniform(0, duration, 15):
        outcomes.append(_interrupted_at(delay, lambda: output(est, rows))[1])
        assert torch.is_grad_enabled()  # no torch.no_grad() left open
    assert any(outcomes)  # the signals did arrive
    assert_array_equal(output(est, rows), expected)


@pytest.mark.parametrize("name", NEURAL)
def test_ctrl_c_at_random_points_of_a_fit_leaves_it_unfitted_or_fitted(name, data):
    args = fit_args(name, data)
    reference = small(name).fit(*args)
    duration = _seconds(lambda: small(name).fit(*args))
    rng = np.random.default_rng(1)
    for delay in rng.uniform(0, duration, 6):
        est = small(name)
        _, interrupted = _interrupted_at(delay, lambda: est.fit(*args))
        assert torch.is_grad_enabled()  # no torch.no_grad() left open
        if interrupted and not hasattr(est, "net_"):
            with pytest.raises(NotFittedError):
                output(est, args[0])
        else:  # fitted before the signal, or stopped early, complete
            check_is_fitted(est)
            assert np.isfinite(output(est, args[0])).all()
    # nothing left behind: a fit afterwards is the fit before
    assert_array_equal(output(small(name).fit(*args), args[0]), output(reference, args[0]))


def test_ctrl_c_as_torch_enters_forward_mode_ad_does_not_leave_it_open(fitted_small, data,
                                                                        monkeypatch):
    # the worst moment: torch has opened its one dual level of the process
    # and Python's with-statement has not yet taken charge of closing it
    from torch.autograd import forward_ad

    est = fitted_small("PhysicsVAE")
    X = fit_args("PhysicsVAE", data)[0]
    expected = est.transform(X)
    enter = forward_ad.enter_dual_level

    def enter_then_ctrl_c():
        level = enter()
        signal.raise_signal(signal.SIGINT)
        return level
    monkeypatch.setattr(forward_ad, "enter_dual_level", enter_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        est.transform(X)
    monkeypatch.undo()
    assert_array_equal(est.transform(X), expected)
    with forward_ad.dual_level():  # and the user's own forward AD still works
        pass
