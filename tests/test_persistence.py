"""Persistence: pickle and joblib round trips, CUDA-trained models on CPU.

Every fitted estimator survives ``pickle`` and ``joblib`` with identical
outputs from every output method, and continues training identically
afterwards.  A model trained with ``device="cuda"`` loads and predicts on
a machine without CUDA (simulated here on CPU, see
:func:`tagged_as_cuda`).  Weight loading goes through
``torch.load(..., weights_only=True)`` wherever pendsk or skorch loads
weights.

The models are the small ones of conftest.py: what is compared is the
round trip, not the quality of the fit.
"""

import ast
import copy
import io
import pickle
import warnings
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import joblib
import numpy as np
import pytest
import torch
import torch.serialization
from numpy.testing import assert_array_equal
from skorch.exceptions import DeviceWarning

import pendsk
from conftest import NEURAL, OUTPUTS, fit_args, small


@pytest.fixture(scope="module", params=list(OUTPUTS))
def fitted(request, data, fitted_small):
    """``(name, fitted estimator, its outputs)`` for each of the five."""
    est = fitted_small(request.param)
    return request.param, est, {label: call(est, data) for label, call in
                                OUTPUTS[request.param]}


def _assert_same_outputs(name, loaded, expected, data):
    for label, call in OUTPUTS[name]:
        got = call(loaded, data)
        assert_array_equal(got, expected[label], err_msg=f"{name}.{label}")


def _joblib_round_trip(est, path, **kwargs):
    joblib.dump(est, path, **kwargs)
    return joblib.load(path)


@pytest.mark.parametrize("how", ["pickle", "joblib", "joblib-compressed"])
def test_round_trip_gives_identical_outputs(fitted, data, how, tmp_path):
    name, est, expected = fitted
    if how == "pickle":
        loaded = pickle.loads(pickle.dumps(est))
    else:
        loaded = _joblib_round_trip(est, tmp_path / "model.joblib",
                                    compress=3 if how.endswith("compressed") else 0)
    assert type(loaded) is type(est)
    assert loaded.get_params().keys() == est.get_params().keys()
    _assert_same_outputs(name, loaded, expected, data)
    if name in NEURAL:
        # the pickle carries the network and its history, not the training data
        assert loaded.net_.train_split is None
        assert len(loaded.history_) == len(est.history_)
    # the seeded outputs follow their seed (equal above is not a constant)
    if name != "TrajectoryRegressor":
        draw = (partial(loaded.sample_y, data["reg"][0][:5]) if name == "GaussianRegressor"
                else partial(loaded.sample, 5))
        assert not np.array_equal(draw(random_state=1), draw(random_state=2))


@pytest.mark.parametrize("name", NEURAL)
def test_training_continues_identically_after_a_round_trip(name, data, fitted_small):
    args = fit_args(name, data)
    est = small(name).fit(*args)
    loaded = pickle.loads(pickle.dumps(est))
    for model in (est, loaded):
        model.partial_fit(*args)
        model.set_params(warm_start=True, max_epochs=2).fit(*args)
    assert len(loaded.history_) == len(est.history_) == small(name).max_epochs + 1 + 2
    for a, b in zip(est.net_.module_.parameters(), loaded.net_.module_.parameters()):
        assert torch.equal(a, b)
    # and they did train: the weights moved from the fitted ones
    assert not all(torch.equal(a, b) for a, b in zip(
        fitted_small(name).net_.module_.parameters(), est.net_.module_.parameters()))


# -- a model trained on CUDA, loaded on a machine without it -------------------------

def _tag_cpu_as_cuda(storage):
    return "cuda:0" if storage.device.type == "cpu" else None


@contextmanager
def tagged_as_cuda():
    """Pickle torch storages as if they lived on the GPU ``cuda:0``.

    Pickling a tensor pickles its storage with ``torch.save``, which
    records each storage's device as a *location tag* taken from the first
    tagger of ``torch.serialization._package_registry`` that answers.
    Putting a tagger that answers ``"cuda:0"`` for CPU storages in front
    makes the bytes exactly those a CUDA-trained model would produce (the
    storage's bytes are device-independent).  Unpickled without a
    ``map_location``, such a storage goes to torch's CUDA deserializer,
    which raises on a machine without CUDA (see
    ``test_the_simulated_cuda_pickle_needs_a_map_location``); only skorch's
    ``__setstate__`` path, which sees ``device="cuda"``, finds CUDA missing
    and loads every tensor with ``torch.load(map_location="cpu")``, can
    load it.  The registry is restored on exit, so loading runs unpatched.
    """
    registry = torch.serialization._package_registry
    torch.serialization._package_registry = [(-1, _tag_cpu_as_cuda, lambda *a: None),
                                             *registry]
    try:
        yield
    finally:
        torch.serialization._package_registry = registry


def _as_if_trained_on_cuda(est):
    """A copy of ``est`` whose settings say it was trained on CUDA."""
    est = copy.deepcopy(est)
    est.set_params(device="cuda")
    est.device_ = torch.device("cuda")
    est.net_.device = "cuda"
    return est


def test_the_simulated_cuda_pickle_needs_a_map_location():
    if torch.cuda.is_available():
        pytest.skip("the simulation is of a machine without CUDA")
    buffer = io.BytesIO()
    with tagged_as_cuda():
        blob = pickle.dumps(torch.arange(3.0))
        torch.save(torch.arange(3.0), buffer)
    assert b"cuda:0" in blob
    with pytest.raises(RuntimeError, match="CUDA"):
        pickle.loads(blob)
    buffer.seek(0)
    with pytest.raises(RuntimeError, match="CUDA"):
        torch.load(buffer, weights_only=True)
    # the same bytes load where a map_location sends them to the CPU
    buffer.seek(0)
    loaded = torch.load(buffer, map_location="cpu", weights_only=True)
    assert torch.equal(loaded, torch.arange(3.0)) and loaded.device.type == "cpu"


@pytest.mark.parametrize("name", NEURAL)
@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_a_cuda_trained_model_loads_and_predicts_on_cpu(name, how, data, fitted_small,
                                                       tmp_path):
    if torch.cuda.is_available():
        pytest.skip("the simulation is of a machine without CUDA")
    est = fitted_small(name)
    expected = {label: call(est, data) for label, call in OUTPUTS[name]}
    on_cuda = _as_if_trained_on_cuda(est)
    with tagged_as_cuda():
        if how == "pickle":
            blob = pickle.dumps(on_cuda)
        else:
            joblib.dump(on_cuda, tmp_path / "model.joblib")
            blob = (tmp_path / "model.joblib").read_bytes()
    assert b"cuda:0" in blob
    with pytest.warns(DeviceWarning) as record:
        loaded = (pickle.loads(blob) if how == "pickle"
                  else joblib.load(tmp_path / "model.joblib"))
    # skorch says what it did: loaded the tensors on the CPU, and moved the net
    messages = [str(w.message) for w in record]
    assert any("no CUDA devices are available. Loading on device \"cpu\"" in m
               for m in messages), messages
    assert any("Setting self.device = cpu since the requested device (cuda) is not "
               "available" in m for m in messages), messages
    assert torch.device(loaded.net_.device) == torch.device("cpu")
    tensors = [t for attr in loaded.net_.cuda_dependent_attributes_
               for t in _tensors(getattr(loaded.net_, attr))]
    assert tensors and all(t.device.type == "cpu" for t in tensors)
    _assert_same_outputs(name, loaded, expected, data)


def _tensors(component):
    """Every tensor of a module, criterion or optimizer (with its state)."""
    if isinstance(component, torch.nn.Module):
        return list(component.state_dict().values())
    state = component.state_dict()["state"]
    return [t for per_param in state.values() for t in per_param.values()
            if isinstance(t, torch.Tensor)]


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("name", ["TrajectoryRegressor", "BetaVAE"])
def test_a_cuda_trained_model_continues_training_on_cpu(name, how, data, fitted_small):
    if torch.cuda.is_available():
        pytest.skip("the simulation is of a machine without CUDA")
    on_cuda = _as_if_trained_on_cuda(fitted_small(name))
    with tagged_as_cuda():
        blob = pickle.dumps(on_cuda)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeviceWarning)
        loaded = pickle.loads(blob)
    assert loaded.device_ == torch.device("cpu")
    args = fit_args(name, data)
    n_epochs = len(loaded.history_)
    if how == "partial_fit":
        loaded.set_params(device="cpu").partial_fit(*args)
        assert len(loaded.history_) == n_epochs + 1
    else:
        loaded.set_params(device="cpu", warm_start=True, max_epochs=2).fit(*args)
        assert len(loaded.history_) == n_epochs + 2


# -- weights_only=True -------------------------------------------------------------------

@pytest.fixture
def torch_load_calls(monkeypatch):
    """Record the keyword arguments of every torch.load call."""
    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_load(*args, **kwargs)
    monkeypatch.setattr(torch, "load", spy)
    return calls


@pytest.mark.parametrize("name", NEURAL)
def test_unpickling_loads_weights_with_weights_only(name, fitted_small, torch_load_calls):
    est = fitted_small(name)
    assert est.net_.torch_load_kwargs is None  # skorch's default: weights_only=True
    blob = pickle.dumps(est)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no FutureWarning about weights_only either
        pickle.loads(blob)
    # one torch.load per pickled storage group: module, criterion, optimizer(s)
    assert len(torch_load_calls) >= 2
    assert all(kwargs.get("weights_only") is True for kwargs in torch_load_calls)


def test_skorch_load_params_uses_weights_only(data, fitted_small, torch_load_calls, tmp_path):
    est = fitted_small("BetaVAE")
    est.net_.save_params(f_params=tmp_path / "params.pt",
                         f_optimizer=tmp_path / "optimizer.pt")
    other = copy.deepcopy(est)
    for p in other.net_.module_.parameters():
        torch.nn.init.zeros_(p)
    torch_load_calls.clear()  # deepcopy itself goes through skorch's __setstate__
    other.net_.load_params(f_params=tmp_path / "params.pt",
                           f_optimizer=tmp_path / "optimizer.pt")
    assert len(torch_load_calls) == 2
    assert all(kwargs.get("weights_only") is True for kwargs in torch_load_calls)
    assert_array_equal(other.transform(data["traj"][0]), est.transform(data["traj"][0]))


def test_pendsk_calls_torch_load_only_with_weights_only_true():
    """A static check of pendsk's own code: every ``torch.load(...)`` call
    (none today) must pass ``weights_only=True``."""
    package = Path(pendsk.__file__).parent
    calls = []
    for path in sorted(package.glob("**/*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "load" and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "torch"):
                calls.append((path.name, node))
    for filename, node in calls:
        keywords = {k.arg: k.value for k in node.keywords}
        assert isinstance(keywords.get("weights_only"), ast.Constant) and \
            keywords["weights_only"].value is True, f"{filename}:{node.lineno}"
