"""The shared neural-estimator machinery (pendsk/_neural/).

Every behaviour here is inherited by the five neural estimators, so each
test runs on each of them that has it: seeding, the caller's RNG state and
arrays, clone, validation of X and of the hyperparameters, batch
invariance, fitted-state checks, partial_fit / warm_start, early stopping,
the learning-rate schedule, callbacks and verbosity, and the three
generators' ``sample``.  Pickling is tested in test_persistence.py,
interrupted and diverging fits in test_faults.py.  An estimator's output
is its predictions, its codes and their decoding, or its samples for a
fixed seed (:func:`conftest.output`).
"""

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

from conftest import NEURAL, OUTPUTS, SMALL, SUPERVISED, fit_args, output, small
from pendsk._neural.nets import TensorBatches

#: The estimators whose outputs have one row per row of X.
ROWWISE = [name for name in NEURAL if name != "TrajectoryGAN"]
GENERATORS = ["TrajectoryGAN", "BetaVAE", "PhysicsVAE"]

#: The methods of each estimator that take rows of X, validated as fit's.
X_METHODS = [
    ("TrajectoryRegressor", "predict"), ("GaussianRegressor", "predict"),
    ("GaussianRegressor", "predict_interval"), ("GaussianRegressor", "sample_y"),
    ("TrajectoryGAN", "score"),
    ("BetaVAE", "transform"), ("BetaVAE", "score_samples"), ("BetaVAE", "score"),
    ("PhysicsVAE", "transform"), ("PhysicsVAE", "score_samples"), ("PhysicsVAE", "score"),
]
#: One of them per estimator.
X_METHOD = {"TrajectoryRegressor": "predict", "GaussianRegressor": "predict",
            "TrajectoryGAN": "score", "BetaVAE": "transform",
            "PhysicsVAE": "transform"}


def _fit(name, data, **params):
    return small(name, **params).fit(*fit_args(name, data))


def _X(name, data):
    return fit_args(name, data)[0]


# -- seeding -------------------------------------------------------------------

@pytest.mark.parametrize("name", NEURAL)
def test_same_int_seed_gives_identical_outputs(name, data, fitted_small):
    first, second = fitted_small(name), _fit(name, data)
    for label, call in OUTPUTS[name]:
        assert_array_equal(call(first, data), call(second, data), err_msg=label)
    other = _fit(name, data, random_state=1)
    X = _X(name, data)
    assert np.abs(output(other, X) - output(first, X)).max() > 1e-3


@pytest.mark.parametrize("name, params", [
    *[(name, {"early_stopping": True}) for name in NEURAL],
    ("TrajectoryGAN", {}), ("TrajectoryGAN", {"loss": "wgan-clip"}),  # uniform noise
])
def test_fit_leaves_the_callers_rng_states_alone(name, params, data):
    torch.manual_seed(1234)
    np.random.seed(99)
    torch_before, numpy_before = torch.random.get_rng_state(), np.random.get_state()[1]
    model = _fit(name, data, max_epochs=3, **params)
    model.partial_fit(*fit_args(name, data))
    output(model, _X(name, data))
    assert torch.equal(torch.random.get_rng_state(), torch_before)
    assert_array_equal(np.random.get_state()[1], numpy_before)


@pytest.mark.parametrize("name", NEURAL)
def test_random_state_none_draws_a_new_seed_per_fit(name, data):
    X = _X(name, data)
    first, second = _fit(name, data, random_state=None), _fit(name, data, random_state=None)
    assert not np.array_equal(output(first, X), output(second, X))


# -- fitted state ----------------------------------------------------------------

@pytest.mark.parametrize("name", NEURAL)
def test_new_and_cloned_estimators_are_not_fitted(name, data, fitted_small):
    fitted = fitted_small(name)
    copy = clone(fitted)
    # nested estimators (the GAN's embedding) are cloned: compare their params
    assert ({k: v for k, v in copy.get_params().items() if not hasattr(v, "get_params")}
            == {k: v for k, v in fitted.get_params().items() if not hasattr(v, "get_params")})
    for est in (small(name), copy):
        for label, call in OUTPUTS[name]:
            with pytest.raises(NotFittedError,
                               match=f"This {name} instance is not fitted yet"):
                call(est, data)


# -- inputs ----------------------------------------------------------------------

@pytest.mark.parametrize("name", NEURAL)
def test_dataframe_input_records_feature_names(name, data, fitted_small):
    X, *y = fit_args(name, data)
    names = [f"x{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=names)
    model = small(name).fit(frame, *map(pd.Series, y))
    assert_array_equal(model.feature_names_in_, names)
    assert model.n_features_in_ == len(names)
    # same numbers as from the plain array
    method = X_METHOD[name]
    assert_allclose(getattr(model, method)(frame), getattr(fitted_small(name), method)(X),
                    rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        getattr(model, method)(frame[names[::-1]])


@pytest.mark.parametrize("convert", [
    lambda X: X.astype(np.float32), lambda X: X.tolist(), np.asfortranarray,
], ids=["float32", "list", "fortran"])
@pytest.mark.parametrize("name", NEURAL)
def test_accepts_other_array_types_and_returns_float64(name, convert, data, fitted_small):
    method = getattr(fitted_small(name), X_METHOD[name])
    X = _X(name, data)
    result = np.asarray(method(convert(X)))
    assert result.dtype == np.float64
    assert_allclose(result, method(X), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", NEURAL)
def test_integer_input_trains_like_its_float_copy(name):
    X = np.random.RandomState(0).randint(0, 10, size=(60, 3))
    y = [X @ [1, -2, 3]] if name in SUPERVISED else []
    as_int = small(name).fit(X, *y)
    as_float = small(name).fit(X.astype(float), *(a.astype(float) for a in y))
    assert_array_equal(output(as_int, X), output(as_float, X.astype(float)))


@pytest.mark.parametrize("name", ROWWISE)
def test_outputs_do_not_depend_on_batching_or_order(name, data, fitted_small):
    model, X = fitted_small(name), _X(name, data)
    whole = output(model, X)
    step = len(X) // 6
    one_by_one = np.concatenate([output(model, X[i:i + 1]) for i in range(0, len(X), step)])
    assert_allclose(one_by_one, whole[::step], rtol=1e-12, atol=1e-12)
    order = np.random.RandomState(0).permutation(len(X))
    assert_allclose(output(model, X[order]), whole[order], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NEURAL)
def test_fit_and_every_method_leave_the_callers_arrays_alone(name, data):
    copies = {key: [a.copy() for a in arrays] for key, arrays in data.items()}
    model = _fit(name, data, early_stopping=True)
    model.partial_fit(*fit_args(name, data))
    for _, call in OUTPUTS[name]:
        call(model, data)
    if name == "BetaVAE":
        Z = model.transform(data["traj"][0])
        Z_copy = Z.copy()
        model.inverse_transform(Z)
        assert_array_equal(Z, Z_copy)
    for key, arrays in data.items():
        for array, copy in zip(arrays, copies[key]):
            assert_array_equal(array, copy)


@pytest.mark.parametrize("bad, error, match", [
    (lambda X: np.where(X == X[3, 2], np.nan, X), ValueError, "Input X contains NaN"),
    (lambda X: np.where(X == X[3, 2], np.inf, X), ValueError, "Input X contains infinity"),
    (lambda X: X[:0], ValueError, "0 sample"),
    (lambda X: X[:, 0], ValueError, "Expected 2D array, got 1D array"),
    (lambda X: X[:, :3], ValueError, "X has 3 features, but {name} is expecting {n}"),
    (lambda X: sp.csr_matrix(X), TypeError, "Sparse data was passed"),
    (lambda X: X + 1j, ValueError, "Complex data not supported"),
    (lambda X: np.full(X.shape, "a"), ValueError, "could not convert|dtype='numeric'"),
], ids=["nan", "inf", "empty", "1d", "width", "sparse", "complex", "strings"])
@pytest.mark.parametrize("name, method", X_METHODS, ids=[f"{n}.{m}" for n, m in X_METHODS])
def test_methods_reject_bad_X(name, method, data, fitted_small, bad, error, match):
    X = _X(name, data)
    with pytest.raises(error, match=match.format(name=name, n=X.shape[1])):
        getattr(fitted_small(name), method)(bad(X))


@pytest.mark.parametrize("bad_y, match", [
    (lambda y: np.where(y == y[7], np.nan, y), "Input y contains NaN"),
    (lambda y: y[:-1], "inconsistent numbers of samples"),
    (lambda y: None, "requires y to be passed"),
])
@pytest.mark.parametrize("name", sorted(SUPERVISED))
def test_fit_rejects_bad_y(name, data, bad_y, match):
    X, y = data["reg"]
    with pytest.raises(ValueError, match=match):
        small(name).fit(X, bad_y(y))


# -- hyperparameters -------------------------------------------------------------

#: Bad values of the shared hyperparameters, with what their error says.
SHARED_BAD_PARAMS = [({"hidden_layer_sizes": sizes}, "'hidden_layer_sizes' parameter of .* must "
                      "be a positive int or a flat sequence of positive ints")
                     for sizes in [(0,), (8, 2.5), ("a",), ((8, 8),), [8, [8]]]]
SHARED_BAD_PARAMS += [({key: value}, f"'{key}' parameter") for key, value in [
    ("activation", "softmax"), ("lr", 0.0), ("lr_schedule", "step"), ("max_epochs", 0),
    ("batch_size", 0), ("weight_decay", -1.0), ("validation_fraction", 1.0),
    ("n_iter_no_change", 0), ("early_stopping", "yes"), ("callbacks", "print"),
    ("device", "tpu"), ("verbose", -1)]]
#: Each estimator's own hyperparameters: (name, bad value, what it must be).
OWN_BAD_PARAMS = {
    "TrajectoryGAN": [
        ("loss", "wgan", "a str among"),
        ("n_critic", 0, "an int in the range"),
        ("n_critic", 2.5, "an int"),
        ("gp_weight", -1, r"a float in the range \[0"),
        ("clip_value", 0, r"a float in the range \(0"),
        ("latent_dim", 0, "an int in the"),
    ],
    "BetaVAE": [
        ("latent_dim", 0, "an int in the range"),
        ("latent_dim", 2.5, "an int"),
        ("beta", -1, r"a float in the range \[0"),
        ("beta", "high", ""),
        ("gamma", -1, r"a float in the range \[0"),
    ],
}
BAD_PARAMS = [(name, params, match) for name in NEURAL for params, match in SHARED_BAD_PARAMS]
BAD_PARAMS += [(name, {key: value}, f"The '{key}' parameter of {name} must be {match}")
               for name, bad in OWN_BAD_PARAMS.items() for key, value, match in bad]


@pytest.mark.parametrize("name, params, match", BAD_PARAMS,
                         ids=[f"{n}-{next(iter(p))}={p[next(iter(p))]!r}"
                              for n, p, _ in BAD_PARAMS])
def test_bad_hyperparameters_are_named(name, params, match, data):
    model = small(name, **params)
    with pytest.raises((ValueError, InvalidParameterError), match=match):
        model.fit(*fit_args(name, data))
    assert not hasattr(model, "net_")


@pytest.mark.parametrize("name", NEURAL)
def test_cuda_without_a_gpu_is_a_clear_error(name, data):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="device='cuda' was requested but torch finds no CUDA"):
        _fit(name, data, device="cuda")
    assert _fit(name, data, device="auto", max_epochs=1).device_ == torch.device("cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_training_matches_cpu_predictions(data):
    X, _ = data["reg"]
    gpu = _fit("GaussianRegressor", data, device="cuda", max_epochs=20)
    assert gpu.net_.module_.net[0].weight.device.type == "cuda"
    mean, std = gpu.predict(X, return_std=True)
    assert mean.dtype == np.float64 and np.isfinite(std).all()
    cpu = _fit("GaussianRegressor", data, device="cpu", max_epochs=20)
    assert np.corrcoef(mean, cpu.predict(X))[0, 1] > 0.9


# -- continuing to train -------------------------------------------------------------

@pytest.mark.parametrize("name", NEURAL)
def test_partial_fit_trains_one_epoch_per_call_and_continues(name, data):
    args = fit_args(name, data)
    model = small(name)
    for _ in range(8):
        model.partial_fit(*args)
    losses = model.history_[:, "train_loss"]
    assert len(model.history_) == 8
    if name in SUPERVISED:
        assert losses[-1] < 0.2 * losses[0]
    elif name in ("BetaVAE", "PhysicsVAE"):
        assert losses[-1] < losses[0]
    assert np.isfinite(output(model, args[0])).all()
    n = args[0].shape[1]
    with pytest.raises(ValueError, match=f"X has {n - 1} features, but {name} is "
                                         f"expecting {n}"):
        model.partial_fit(args[0][:, 1:], *args[1:])


@pytest.mark.parametrize("name", NEURAL)
def test_warm_start_continues_from_the_current_weights(name, data, fitted_small):
    args, X = fit_args(name, data), _X(name, data)
    n_epochs = SMALL[name]["max_epochs"]
    model = _fit(name, data, warm_start=True)
    before = output(model, X)
    model.fit(*args)
    assert len(model.history_) == 2 * n_epochs
    assert not np.allclose(output(model, X), before)
    if name != "TrajectoryGAN":  # a minimised loss
        # the second call started from the trained weights, so its first
        # epoch is already better than the cold start's first epoch
        cold = fitted_small(name).history_
        assert model.history_[n_epochs, "train_loss"] < cold[0, "train_loss"]
    model.partial_fit(*args)
    assert len(model.history_) == 2 * n_epochs + 1
    # without warm_start a fit starts again from scratch
    model.set_params(warm_start=False).fit(*args)
    assert len(model.history_) == n_epochs


@pytest.mark.parametrize("name", NEURAL)
def test_warm_start_trains_with_the_new_learning_rate(name, data):
    """A scikit-learn user lowers lr between warm-started fits (as with
    MLPRegressor) to fine-tune: the next fit must use it."""
    model = _fit(name, data, warm_start=True)
    before = [p.detach().clone() for p in model.net_.module_.parameters()]
    model.set_params(lr=1e-12).fit(*fit_args(name, data))
    # Adam moves each weight by about lr per step
    change = max((p.detach() - b).abs().max().item()
                 for p, b in zip(model.net_.module_.parameters(), before))
    assert change < 1e-8


CHANGES = [(name, {"hidden_layer_sizes": (8,), "activation": "tanh"}) for name in NEURAL]
CHANGES += [("TrajectoryGAN", {"loss": "wgan-clip"}), ("TrajectoryGAN", {"latent_dim": 8}),
            ("BetaVAE", {"latent_dim": 4}), ("PhysicsVAE", {"aux_dim": 3}),
            ("PhysicsVAE", {"dt": 0.2})]


@pytest.mark.parametrize("name, change", CHANGES, ids=[f"{n}-{'-'.join(c)}" for n, c in CHANGES])
def test_continuing_refuses_a_changed_network(name, change, data):
    args = fit_args(name, data)
    model = _fit(name, data, warm_start=True)
    # the same sizes as a list are the same network
    model.set_params(hidden_layer_sizes=list(model.hidden_layer_sizes)).fit(*args)
    old = small(name).get_params()
    model.set_params(**change)
    changed = ", ".join(f"{key} from {old[key]!r} to {value!r}" for key, value in change.items())
    with pytest.raises(ValueError, match=re.escape(f"Cannot continue training (warm_start or "
                                                   f"partial_fit) after changing {changed}")):
        model.fit(*args)
    with pytest.raises(ValueError, match="call fit with warm_start=False"):
        model.partial_fit(*args)
    model.set_params(warm_start=False).fit(*args)
    assert len(model.history_) == SMALL[name]["max_epochs"]
    assert np.isfinite(output(model, args[0])).all()
    if "latent_dim" in change and name == "BetaVAE":
        assert model.transform(args[0][:2]).shape == (2, change["latent_dim"])


# -- early stopping and the learning-rate schedule -------------------------------------

@pytest.mark.parametrize("name", NEURAL)
def test_early_stopping_holds_out_rows_and_records_their_loss(name, data):
    model = _fit(name, data, early_stopping=True, validation_fraction=0.2)
    history = model.history_
    valid = history[:, "valid_loss"]
    assert len(valid) == len(history) and np.all(np.isfinite(valid))
    # 20 % of the rows were held out
    held_out = sum(b["valid_batch_size"] for b in history[-1, "batches"]
                   if "valid_batch_size" in b)
    assert held_out == int(np.ceil(0.2 * len(_X(name, data))))
    assert model.net_.train_split is None


def test_early_stopping_stops_at_the_best_validation_epoch(data):
    model = _fit("TrajectoryRegressor", data, max_epochs=300, early_stopping=True,
                 n_iter_no_change=2, validation_fraction=0.2, lr=5e-2,
                 lr_schedule="constant")
    valid = np.array(model.history_[:, "valid_loss"])
    assert len(valid) < 300
    # the restored weights are those of the best validation epoch
    assert valid.argmin() < len(valid) - 1


@pytest.mark.parametrize("name", NEURAL)
@pytest.mark.parametrize("early_stopping", [True, False])
def test_a_first_fit_needs_two_rows(name, early_stopping, data):
    # the scaling is fitted to the rows' spread: one row has none (and early
    # stopping could not hold one out); scikit-learn's "1 sample" message
    X, *y = fit_args(name, data)
    with pytest.raises(ValueError, match=r"Invalid X.*1 sample\(s\).*minimum of 2"):
        small(name, early_stopping=early_stopping).fit(X[:1], *(a[:1] for a in y))
    if not early_stopping:  # (which holds out rows: see the GAN's test below)
        model = small(name).fit(X[:2], *(a[:2] for a in y))
        # continuing needs no spread: partial_fit takes one row
        n_epochs = len(model.history_)
        model.partial_fit(X[:1], *(a[:1] for a in y))
        assert len(model.history_) == n_epochs + 1


@pytest.mark.parametrize("name", NEURAL)
def test_cosine_schedule_decays_the_learning_rate_each_fit(name, data):
    model = _fit(name, data)
    lrs = model.history_[:, "event_lr"]
    assert lrs[0] == pytest.approx(model.lr)
    assert np.all(np.diff(lrs) < 0) and lrs[-1] < 0.2 * lrs[0]
    if name == "TrajectoryGAN":  # the critic's optimizer follows the same schedule
        assert_allclose(model.history_[:, "event_critic_lr"], lrs, rtol=1e-12)
    constant = _fit(name, data, lr_schedule="constant")
    assert constant.history_[:, "event_lr"] == [model.lr] * len(lrs)
    # partial_fit after a full schedule trains at lr again, not at ~0
    model.partial_fit(*fit_args(name, data))
    assert model.history_[-1, "event_lr"] == pytest.approx(model.lr)


# -- callbacks and verbosity ------------------------------------------------------------

class _CountEpochs(Callback):
    def __init__(self, tag="x"):
        self.tag = tag

    def initialize(self):
        self.epochs_ = 0
        return self

    def on_epoch_end(self, net, **kwargs):
        self.epochs_ += 1


@pytest.mark.parametrize("name", NEURAL)
def test_user_callbacks_run_on_a_copy(name, data):
    mine, named = _CountEpochs(), _CountEpochs(tag="named")
    model = _fit(name, data, max_epochs=3, callbacks=[mine, ("counter", named)])
    callbacks = dict(model.net_.callbacks_)
    assert callbacks["_CountEpochs"].epochs_ == 3
    assert callbacks["counter"].epochs_ == 3 and callbacks["counter"].tag == "named"
    # the caller's callback objects are parameters: left untouched
    assert not hasattr(mine, "epochs_") and not hasattr(named, "epochs_")


@pytest.mark.parametrize("name", NEURAL)
def test_fitted_net_keeps_no_training_callbacks_holding_device_tensors(name, data):
    # LR schedulers hold the optimizer and early stopping the best weights,
    # on the training device; skorch maps only its own modules and
    # optimizers to the CPU when a CUDA-trained model is unpickled
    model = _fit(name, data, max_epochs=3, early_stopping=True, callbacks=[_CountEpochs()])
    kept = dict(model.net_.callbacks_)
    assert not any(isinstance(cb, (LRScheduler, EarlyStopping)) for cb in kept.values())
    # only the net's own defaults and the user's (a silent net has no epoch
    # table: see the verbose test)
    defaults = {name for name, _ in model.net_.get_default_callbacks()}
    assert set(kept) == defaults | {"_CountEpochs"}
    if name != "TrajectoryGAN":
        assert defaults == {"epoch_timer", "train_loss", "valid_loss"}
    assert kept["_CountEpochs"].epochs_ == 3


@pytest.mark.parametrize("name", NEURAL)
def test_verbose_shows_one_epoch_bar_and_silent_prints_nothing(name, data, capsys):
    _fit(name, data, max_epochs=3)
    assert capsys.readouterr() == ("", "")
    _fit(name, data, max_epochs=3, verbose=1, early_stopping=True)
    captured = capsys.readouterr()
    # no table on screen: one bar over the epochs, with the losses and the
    # time left, on stderr
    assert captured.out == ""
    assert re.search(rf"{name}: 100%.*3/3 \[.*<.*train=[-\d.e]+, valid=[-\d.e]+",
                     captured.err)


@pytest.mark.parametrize("name", NEURAL)
def test_verbose_2_adds_the_epoch_table_and_silent_nets_do_without_it(name, data, capsys):
    # skorch's PrintLog formats the table every epoch even at verbose=0
    args = fit_args(name, data)
    model = _fit(name, data, max_epochs=2, warm_start=True)
    assert "print_log" not in dict(model.net_.callbacks_)
    model.set_params(verbose=1).fit(*args)
    assert "print_log" not in dict(model.net_.callbacks_)
    model.set_params(verbose=2).fit(*args)
    assert "print_log" in dict(model.net_.callbacks_)
    out = capsys.readouterr().out
    assert re.search(r"epoch\s+(\S+\s+)*train_loss", out)
    assert len(re.findall(r"^\s+[56]\s", out, flags=re.MULTILINE)) == 2
    model.set_params(verbose=0).fit(*args)
    assert "print_log" not in dict(model.net_.callbacks_)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("name", NEURAL)
def test_n_jobs_sets_torch_threads_during_calls_only(name, data, monkeypatch):
    import torch

    seen = []
    monkeypatch.setattr(torch.nn.Module, "__call__",
                        _recording(torch.nn.Module.__call__, seen, torch.get_num_threads))
    before = torch.get_num_threads()
    model = _fit(name, data, max_epochs=1, n_jobs=2)
    assert torch.get_num_threads() == before
    assert set(seen) == {2}
    seen.clear()
    model.set_params(n_jobs=None)
    _output(model, data)
    assert torch.get_num_threads() == before and set(seen) == {1}
    seen.clear()
    with joblib.parallel_config(n_jobs=2):
        _output(model, data)
    assert torch.get_num_threads() == before and set(seen) == {2}
    seen.clear()
    model.set_params(n_jobs=-1)
    _output(model, data)
    assert set(seen) == {joblib.cpu_count()}


def _recording(call, seen, probe):
    def wrapper(module, *args, **kwargs):
        seen.append(probe())
        return call(module, *args, **kwargs)
    return wrapper


def _output(model, data):
    return OUTPUTS[type(model).__name__][0][1](model, data)


# -- the generators' sample --------------------------------------------------------------

@pytest.mark.parametrize("name", GENERATORS)
def test_sample_shapes_and_seeding(name, data, fitted_small):
    model = fitted_small(name)
    first = model.sample(7, random_state=0)
    assert first.shape == (7, model.n_features_in_) and first.dtype == np.float64
    assert model.sample().shape == (1, model.n_features_in_)
    assert_array_equal(model.sample(7, random_state=0), first)
    assert_array_equal(model.sample(7, random_state=np.random.RandomState(0)), first)
    assert np.all(model.sample(7, random_state=1) != first)
    if name == "TrajectoryGAN":
        # one row does not depend on how many are drawn with it
        assert_allclose(model.sample(1, random_state=0), first[:1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n_samples", [0, -1, 1.5, "3"])
@pytest.mark.parametrize("name", GENERATORS)
def test_sample_rejects_a_bad_count(name, n_samples, fitted_small):
    with pytest.raises(ValueError, match=f"'n_samples' parameter of {name}.sample must be"):
        fitted_small(name).sample(n_samples)


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


# -- settings and inputs checked where they are used (issue 25) -----------------------

@pytest.mark.parametrize("name", NEURAL)
def test_n_jobs_changed_after_fit_is_checked_by_every_method(name, fitted_small, data):
    model = pickle_copy(fitted_small(name)).set_params(n_jobs=1.5)
    for label, call in OUTPUTS[name]:
        if label == "get_feature_names_out":
            continue
        # (scikit-learn's validate_params of a method names the method)
        with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of "
                           rf"{name}(\.\w+)? must be"):
            call(model, data)


@pytest.mark.parametrize("name", NEURAL)
@pytest.mark.parametrize("dtype", ["datetime64[D]", "timedelta64[s]", "U4"])
def test_dates_durations_and_strings_are_refused_as_X(name, dtype, fitted_small, data):
    X, *y = fit_args(name, data)
    bad = X.astype(dtype) if dtype != "U4" else X.round(1).astype(dtype)
    match = "X holds .* not numbers" if dtype != "U4" else "Invalid X.*strings"
    with pytest.raises(ValueError, match=match):
        small(name).fit(bad, *y)
    method = next(getattr(fitted_small(name), m) for m in ("predict", "transform", "score")
                  if hasattr(fitted_small(name), m))
    with pytest.raises(ValueError, match=match):
        method(bad)


@pytest.mark.parametrize("name, method", [("TrajectoryGAN", "sample"), ("BetaVAE", "sample"),
                                          ("PhysicsVAE", "sample")])
def test_sampling_more_than_memory_names_n_samples(name, method, fitted_small):
    with pytest.raises(ValueError, match=r"n_samples=9223372036854775808 asks for an array"):
        getattr(fitted_small(name), method)(2**63)


def test_gaussian_sample_y_beyond_memory_names_n_samples(fitted_small, data):
    with pytest.raises(ValueError, match=r"n_samples=4611686018427387904 asks for an array"):
        fitted_small("GaussianRegressor").sample_y(data["reg"][0][:2], n_samples=2**62)


@pytest.mark.parametrize("name, method", [("GaussianRegressor", "predict"),
                                          ("BetaVAE", "transform"), ("PhysicsVAE", "transform")])
@pytest.mark.parametrize("flag", ["no", 1, None])
def test_return_std_must_be_a_bool(name, method, flag, fitted_small, data):
    X = fit_args(name, data)[0]
    with pytest.raises(InvalidParameterError, match=f"'return_std' parameter of {name}"):
        getattr(fitted_small(name), method)(X, return_std=flag)


@pytest.mark.parametrize("name, setting", [("BetaVAE", "tc_weight"), ("BetaVAE", "gamma"),
                                           ("PhysicsVAE", "correction_weight"),
                                           ("TrajectoryGAN", "gp_weight")])
def test_a_divergence_from_a_huge_loss_weight_names_it(name, setting, data):
    params = {setting: 1e300, **({"capacity": (5.0, 2)} if setting == "gamma" else {})}
    with pytest.raises(ValueError, match=rf"Training diverged.*loss weight {setting}=1e\+300 "
                       "is probably too large"):
        small(name, **params).fit(*fit_args(name, data))


@pytest.mark.parametrize("name", NEURAL)
def test_a_network_larger_than_memory_is_a_clear_error(name, data):
    with pytest.raises(ValueError, match=r"The network these settings describe "
                       r"\(.*hidden_layer_sizes=\(1099511627776,\).*\) does not fit"):
        small(name, hidden_layer_sizes=(2**40,)).fit(*fit_args(name, data))


@pytest.mark.parametrize("setting, value", [("lr", 1e300), ("weight_decay", 1e300)])
def test_lr_and_weight_decay_must_fit_in_float32(setting, value, data):
    with pytest.raises(InvalidParameterError, match=f"'{setting}' parameter of "
                       r"TrajectoryRegressor must be a float in the range .*3.40*28"):
        small("TrajectoryRegressor", **{setting: value}).fit(*fit_args("TrajectoryRegressor",
                                                                       data))
    # a Python int above float32's range of ints still trains (as a float)
    small("TrajectoryRegressor", max_epochs=1, weight_decay=2**70 // 2**70).fit(
        *fit_args("TrajectoryRegressor", data))


def test_score_of_X_whose_predictions_overflow_names_X(fitted_small, data):
    X, y = data["reg"]
    with pytest.raises(ValueError, match="R² is not finite: X holds values too large"):
        fitted_small("TrajectoryRegressor").score(X * 1e300, y)


def pickle_copy(model):
    import pickle

    return pickle.loads(pickle.dumps(model))
