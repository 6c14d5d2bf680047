"""The shared neural-estimator machinery (pendsk/_base.py).

Every behaviour here is inherited by all neural estimators, so each test
runs on each of them: seeding, the caller's RNG state, pickle and clone,
validation of X and of the hyperparameters, batch invariance of the
predictions, the non-finite-loss guard, partial_fit / warm_start, early
stopping, the learning-rate schedule, callbacks and verbosity.
"""

import pickle
import re

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback, EarlyStopping, LRScheduler

from pendsk import GaussianRegressor, TrajectoryRegressor
from pendsk._base import TensorBatches
from pendsk.datasets import make_pendulum_regression

ESTIMATORS = [TrajectoryRegressor, GaussianRegressor]
FAST = dict(hidden_layer_sizes=(16, 16), max_epochs=4, batch_size=64)


@pytest.fixture(scope="module")
def data():
    X, y = make_pendulum_regression(n_trajectories=6, n_steps=50, dt=0.1,
                                    random_state=0)
    return X, y


def _fit(cls, data, **params):
    X, y = data
    return cls(**{**FAST, "random_state": 0, **params}).fit(X, y)


@pytest.fixture(scope="module", params=ESTIMATORS, ids=lambda c: c.__name__)
def fitted(request, data):
    return _fit(request.param, data)


# -- seeding -------------------------------------------------------------------

@pytest.mark.parametrize("cls", ESTIMATORS)
def test_same_int_seed_gives_identical_predictions(cls, data):
    X, _ = data
    first, second = _fit(cls, data), _fit(cls, data)
    assert_array_equal(first.predict(X), second.predict(X))
    other = _fit(cls, data, random_state=1)
    assert np.abs(other.predict(X) - first.predict(X)).max() > 1e-4


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_fit_leaves_the_callers_rng_states_alone(cls, data):
    torch.manual_seed(1234)
    np.random.seed(99)
    torch_before, numpy_before = torch.random.get_rng_state(), np.random.get_state()[1]
    model = _fit(cls, data, early_stopping=True, max_epochs=3)
    model.partial_fit(*data)
    assert torch.equal(torch.random.get_rng_state(), torch_before)
    assert_array_equal(np.random.get_state()[1], numpy_before)


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_random_state_none_draws_a_new_seed_per_fit(cls, data):
    X, _ = data
    first, second = _fit(cls, data, random_state=None), _fit(cls, data, random_state=None)
    assert not np.array_equal(first.predict(X), second.predict(X))


# -- persistence ---------------------------------------------------------------

def test_pickle_and_joblib_round_trips_predict_identically(fitted, data, tmp_path):
    X, _ = data
    restored = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(restored.predict(X), fitted.predict(X))
    joblib.dump(fitted, tmp_path / "model.joblib")
    assert_array_equal(joblib.load(tmp_path / "model.joblib").predict(X), fitted.predict(X))
    # the pickle carries the network and its history, not the training data
    assert restored.net_.train_split is None
    assert len(restored.history_) == len(fitted.history_)


def test_clone_is_unfitted_with_the_same_parameters(fitted, data):
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        copy.predict(data[0])


# -- inputs ----------------------------------------------------------------------

def test_dataframe_input_records_feature_names(data):
    X, y = data
    names = ["theta0", "omega0", "length", "mass", "t"]
    model = _fit(TrajectoryRegressor, (pd.DataFrame(X, columns=names), pd.Series(y)))
    assert_array_equal(model.feature_names_in_, names)
    assert model.n_features_in_ == 5
    # same numbers as from the plain array
    assert_allclose(model.predict(pd.DataFrame(X, columns=names)),
                    _fit(TrajectoryRegressor, data).predict(X), rtol=1e-12)
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        model.predict(pd.DataFrame(X, columns=names[::-1]))


@pytest.mark.parametrize("convert", [
    lambda X: X.astype(np.float32), lambda X: X.tolist(), np.asfortranarray,
], ids=["float32", "list", "fortran"])
def test_accepts_other_array_types_and_returns_float64(fitted, data, convert):
    X, _ = data
    prediction = fitted.predict(convert(X))
    assert prediction.dtype == np.float64
    assert_allclose(prediction, fitted.predict(X), rtol=1e-6, atol=1e-6)


def test_integer_input_trains_like_its_float_copy():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 10, size=(60, 3))
    y = X @ [1, -2, 3]
    as_int = TrajectoryRegressor(**FAST, random_state=0).fit(X, y)
    as_float = TrajectoryRegressor(**FAST, random_state=0).fit(X.astype(float), y.astype(float))
    assert_array_equal(as_int.predict(X), as_float.predict(X.astype(float)))


def test_predictions_do_not_depend_on_batching_or_order(fitted, data):
    X, _ = data
    whole = fitted.predict(X)
    one_by_one = np.concatenate([fitted.predict(X[i:i + 1]) for i in range(0, len(X), 37)])
    assert_allclose(one_by_one, whole[::37], rtol=1e-12, atol=1e-12)
    order = np.random.RandomState(0).permutation(len(X))
    assert_allclose(fitted.predict(X[order]), whole[order], rtol=1e-12, atol=1e-12)


def test_fit_and_predict_leave_the_callers_arrays_alone(data):
    X, y = data
    X_copy, y_copy = X.copy(), y.copy()
    model = _fit(GaussianRegressor, (X, y), early_stopping=True)
    model.partial_fit(X, y)
    model.predict(X, return_std=True)
    assert_array_equal(X, X_copy)
    assert_array_equal(y, y_copy)


@pytest.mark.parametrize("bad, error, match", [
    (lambda X: np.where(X == X[3, 2], np.nan, X), ValueError, "Input X contains NaN"),
    (lambda X: np.where(X == X[3, 2], np.inf, X), ValueError, "Input X contains infinity"),
    (lambda X: X[:0], ValueError, "0 sample"),
    (lambda X: X[:, 0], ValueError, "Expected 2D array, got 1D array"),
    (lambda X: X[:, :3], ValueError, "X has 3 features, but .* is expecting 5"),
    (lambda X: sp.csr_matrix(X), TypeError, "Sparse data was passed"),
    (lambda X: X + 1j, ValueError, "Complex data not supported"),
    (lambda X: np.full(X.shape, "a"), ValueError, "could not convert|dtype='numeric'"),
])
def test_predict_rejects_bad_X(fitted, data, bad, error, match):
    with pytest.raises(error, match=match):
        fitted.predict(bad(data[0]))


@pytest.mark.parametrize("bad_y, match", [
    (lambda y: np.where(y == y[7], np.nan, y), "Input y contains NaN"),
    (lambda y: y[:-1], "inconsistent numbers of samples"),
    (lambda y: None, "requires y to be passed"),
])
def test_fit_rejects_bad_y(data, bad_y, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        TrajectoryRegressor(**FAST).fit(X, bad_y(y))


def test_predict_before_fit_raises_not_fitted(data):
    for cls in ESTIMATORS:
        with pytest.raises(NotFittedError, match=f"This {cls.__name__} instance is not fitted"):
            cls().predict(data[0])


# -- hyperparameters -------------------------------------------------------------

@pytest.mark.parametrize("params, match", [
    ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes must hold positive integers"),
    ({"hidden_layer_sizes": (8, 2.5)}, "hidden_layer_sizes must hold positive integers"),
    ({"hidden_layer_sizes": ("a",)}, "hidden_layer_sizes must hold positive integers"),
    ({"activation": "softmax"}, "'activation' parameter"),
    ({"lr": 0.0}, "'lr' parameter"),
    ({"lr_schedule": "step"}, "'lr_schedule' parameter"),
    ({"max_epochs": 0}, "'max_epochs' parameter"),
    ({"batch_size": 0}, "'batch_size' parameter"),
    ({"weight_decay": -1.0}, "'weight_decay' parameter"),
    ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
    ({"n_iter_no_change": 0}, "'n_iter_no_change' parameter"),
    ({"early_stopping": "yes"}, "'early_stopping' parameter"),
    ({"callbacks": "print"}, "'callbacks' parameter"),
    ({"device": "tpu"}, "'device' parameter"),
    ({"verbose": -1}, "'verbose' parameter"),
])
@pytest.mark.parametrize("cls", ESTIMATORS)
def test_bad_hyperparameters_are_named(cls, data, params, match):
    with pytest.raises((ValueError, InvalidParameterError), match=match):
        cls(**params).fit(*data)


def test_cuda_without_a_gpu_is_a_clear_error(data):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="device='cuda' was requested but torch finds no CUDA"):
        TrajectoryRegressor(**FAST, device="cuda").fit(*data)
    auto = _fit(TrajectoryRegressor, data, device="auto")
    assert auto.device_ == torch.device("cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_matches_cpu_predictions(data):
    X, _ = data
    gpu = _fit(GaussianRegressor, data, device="cuda")
    assert gpu.net_.module_.net[0].weight.device.type == "cuda"
    mean, std = gpu.predict(X, return_std=True)
    assert mean.dtype == np.float64 and np.isfinite(std).all()
    cpu = _fit(GaussianRegressor, data, device="cpu")
    assert np.corrcoef(mean, cpu.predict(X))[0, 1] > 0.9


# -- training control --------------------------------------------------------------

def test_a_diverging_loss_stops_fit_naming_the_epoch(data):
    X, y = data
    with pytest.raises(ValueError, match=r"Training diverged: train_loss is nan at epoch \d+\. "
                                         r"The learning rate \(lr=1e\+30\)"):
        TrajectoryRegressor(**FAST, lr=1e30, random_state=0).fit(X, y)


def test_partial_fit_trains_one_epoch_per_call_and_continues(data):
    X, y = data
    rng = np.random.RandomState(0)
    X_lin = rng.normal(size=(256, 5))
    model = TrajectoryRegressor(**FAST, lr=1e-2, random_state=0)
    losses = []
    for _ in range(8):
        model.partial_fit(X_lin, X_lin @ [1.0, -2.0, 0.5, 0.0, 3.0])
        losses.append(model.history_[-1, "train_loss"])
    assert len(model.history_) == 8
    assert losses[-1] < 0.2 * losses[0]
    with pytest.raises(ValueError, match="X has 4 features, but TrajectoryRegressor is expecting 5"):
        model.partial_fit(X[:, :4], y)


def test_warm_start_continues_from_the_current_weights(data):
    X, y = data
    cold = _fit(TrajectoryRegressor, data, max_epochs=5)
    warm = _fit(TrajectoryRegressor, data, max_epochs=5, warm_start=True)
    before = warm.net_.module_[0].weight.detach().clone()
    warm.fit(X, y)
    assert len(warm.history_) == 10
    # the second call started from the trained weights, so its first epoch
    # is already better than the cold start's first epoch
    assert warm.history_[5, "train_loss"] < cold.history_[0, "train_loss"]
    assert not torch.equal(before, warm.net_.module_[0].weight)
    # without warm_start a second fit starts again from scratch
    cold.fit(X, y)
    assert len(cold.history_) == 5


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_continuing_refuses_a_changed_network(cls, data):
    X, y = data
    model = _fit(cls, data, warm_start=True)
    model.set_params(hidden_layer_sizes=list(FAST["hidden_layer_sizes"])).fit(X, y)
    model.set_params(hidden_layer_sizes=(8,), activation="tanh")
    with pytest.raises(ValueError, match=r"after changing hidden_layer_sizes from \(16, 16\) "
                                         r"to \(8,\), activation from 'silu' to 'tanh'"):
        model.fit(X, y)
    with pytest.raises(ValueError, match="call fit with warm_start=False"):
        model.partial_fit(X, y)
    model.set_params(warm_start=False).fit(X, y)
    assert model.net_.module_ is not None and len(model.history_) == FAST["max_epochs"]


def test_early_stopping_holds_out_rows_and_restores_the_best_epoch(data):
    X, y = data
    model = _fit(TrajectoryRegressor, data, max_epochs=300, early_stopping=True,
                 n_iter_no_change=2, validation_fraction=0.2, lr=5e-2, lr_schedule="constant")
    history = model.history_
    assert len(history) < 300
    valid = np.array(history[:, "valid_loss"])
    # 20 % of 300 rows were held out
    assert history[-1, "valid_batch_count"] == 1 and history[-1, "batches", -1, "valid_batch_size"] == 60
    # the restored weights are those of the best validation epoch
    assert valid.argmin() < len(valid) - 1
    assert model.net_.train_split is None


def test_early_stopping_needs_enough_rows(data):
    X, y = data
    with pytest.raises(ValueError, match="With n_samples=1, test_size=0.1"):
        TrajectoryRegressor(**FAST, early_stopping=True).fit(X[:1], y[:1])


def test_cosine_schedule_decays_the_learning_rate_each_fit(data):
    model = _fit(TrajectoryRegressor, data, max_epochs=5)
    lrs = model.history_[:, "event_lr"]
    assert lrs[0] == pytest.approx(FAST.get("lr", 2e-3))
    assert np.all(np.diff(lrs) < 0) and lrs[-1] < 0.2 * lrs[0]
    constant = _fit(TrajectoryRegressor, data, max_epochs=5, lr_schedule="constant")
    assert constant.history_[:, "event_lr"] == [2e-3] * 5
    # partial_fit after a full schedule trains at lr again, not at ~0
    model.partial_fit(*data)
    assert model.history_[-1, "event_lr"] == pytest.approx(2e-3)


class _CountEpochs(Callback):
    def __init__(self, tag="x"):
        self.tag = tag

    def initialize(self):
        self.epochs_ = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1


def test_user_callbacks_run_on_a_copy(data):
    mine, named = _CountEpochs(), _CountEpochs(tag="named")
    model = _fit(TrajectoryRegressor, data, max_epochs=3, callbacks=[mine, ("counter", named)])
    callbacks = dict(model.net_.callbacks_)
    assert callbacks["_CountEpochs"].epochs_ == 3
    assert callbacks["counter"].epochs_ == 3 and callbacks["counter"].tag == "named"
    # the caller's callback objects are parameters: left untouched
    assert not hasattr(mine, "epochs_") and not hasattr(named, "epochs_")


def test_fitted_net_keeps_no_training_callbacks_holding_device_tensors(data):
    # LR schedulers hold the optimizer and early stopping the best weights,
    # on the training device; skorch maps only its own modules and
    # optimizers to the CPU when a CUDA-trained model is unpickled
    model = _fit(TrajectoryRegressor, data, max_epochs=3, early_stopping=True,
                 callbacks=[_CountEpochs()])
    kept = dict(model.net_.callbacks_)
    assert not any(isinstance(cb, (LRScheduler, EarlyStopping)) for cb in kept.values())
    # (a silent net has no epoch table: see the verbose test)
    assert set(kept) == {"epoch_timer", "train_loss", "valid_loss", "_CountEpochs"}
    assert kept["_CountEpochs"].epochs_ == 3


def test_verbose_prints_a_per_epoch_table_and_silent_prints_nothing(data, capsys):
    _fit(TrajectoryRegressor, data, max_epochs=3)
    assert capsys.readouterr().out == ""
    _fit(TrajectoryRegressor, data, max_epochs=3, verbose=1, early_stopping=True)
    captured = capsys.readouterr()
    assert re.search(r"epoch\s+train_loss\s+valid_loss", captured.out)
    assert len(re.findall(r"^\s+[123]\s", captured.out, flags=re.M)) == 3
    # skorch's progress bar (tqdm, on stderr) counts the batches of each epoch
    assert re.search(r"\d+/\d+ \[", captured.err)


def test_a_silent_net_does_without_the_epoch_table_and_gets_it_back(data, capsys):
    # skorch's PrintLog formats the table every epoch even at verbose=0
    model = _fit(TrajectoryRegressor, data, max_epochs=2, warm_start=True)
    assert "print_log" not in dict(model.net_.callbacks_)
    model.set_params(verbose=1).fit(*data)
    assert "print_log" in dict(model.net_.callbacks_)
    assert re.search(r"epoch\s+train_loss", capsys.readouterr().out)
    model.set_params(verbose=0).fit(*data)
    assert "print_log" not in dict(model.net_.callbacks_)
    assert capsys.readouterr().out == ""


# -- batching ------------------------------------------------------------------------

def test_tensor_batches_slice_every_row_once_per_epoch():
    X = torch.arange(10.0)[:, None]
    y = torch.arange(10.0)
    batches = TensorBatches(torch.utils.data.TensorDataset(X, y), batch_size=4, shuffle=True)
    assert len(batches) == 3
    seen = [(xb, yb) for xb, yb in batches]
    assert [len(xb) for xb, _ in seen] == [4, 4, 2]
    rows = torch.cat([xb for xb, _ in seen]).ravel()
    assert sorted(rows.tolist()) == list(range(10)) and not torch.equal(rows, X.ravel())
    assert all(torch.equal(xb.ravel(), yb) for xb, yb in seen)
    ordered = TensorBatches(torch.utils.data.TensorDataset(X), batch_size=4)
    assert [yb for _, yb in ordered] == [None] * 3
    assert torch.equal(torch.cat([xb for xb, _ in ordered]), X)
