"""After ``fit``, methods read fitted state, never a hyperparameter.

scikit-learn's rule (PCA reads ``components_.shape[0]``, not
``n_components``): ``set_params`` after fitting changes what the *next*
fit builds, and nothing else.  Each network hyperparameter of each neural
estimator is changed on a fitted model; every output method must answer
exactly as before, and ``get_feature_names_out`` must still match
``transform``.  Continuing to train (warm start, ``partial_fit``) after
such a change is refused with an error naming it, a changed ``device``
included.
"""

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from conftest import NEURAL, OUTPUTS, fit_args, small

#: A different value for each hyperparameter that shapes the network.
CHANGES = {
    "hidden_layer_sizes": (8, 4),
    "activation": "tanh",
    "latent_dim": 5,
    "pca_path": False,
    "loss": "wgan-clip",
    "embedding": None,
    "noise": 0.3,
    "aux_dim": 3,
    "dt": 0.2,
    "physics": "damped",
    "correction": "ode",
    "theta0_range": (0.0, 2.0),
    "omega0_range": (0.0, 2.0),
    "frequency_range": (1.0, 4.0),
}

#: The count hyperparameters: bools must be refused.
COUNTS = ["max_epochs", "batch_size", "n_iter_no_change", "latent_dim", "n_critic",
          "refine_steps"]


def _outputs(est, data):
    return {label: call(est, data) for label, call in OUTPUTS[type(est).__name__]}


def _cases():
    for name in NEURAL:
        est = small(name)
        for param in type(est)._network_params:
            yield pytest.param(name, param, id=f"{name}-{param}")


@pytest.mark.parametrize("name, param", list(_cases()))
def test_set_params_after_fit_changes_no_output(name, param, data):
    assert param in CHANGES, f"no test value for the network parameter {param}"
    est = small(name).fit(*fit_args(name, data))
    before = _outputs(est, data)
    est.set_params(**{param: CHANGES[param]})
    after = _outputs(est, data)
    for label, value in before.items():
        assert_array_equal(after[label], value, err_msg=label)
    if hasattr(est, "transform"):
        assert len(est.get_feature_names_out()) == est.transform(data["traj"][0]).shape[1]
    # the next fit builds the network the parameters now describe
    with pytest.raises(ValueError, match=f"after changing {param} from"):
        est.partial_fit(*fit_args(name, data))
    refit = clone(est).fit(*fit_args(name, data))
    if param == "latent_dim":
        assert refit.net_.module_.latent_dim == CHANGES["latent_dim"]


@pytest.mark.parametrize("name, param", [
    (name, param) for name in NEURAL for param in COUNTS if param in small(name).get_params()])
def test_bools_are_refused_as_counts(name, param, data):
    est = small(name)
    with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
        est.set_params(**{param: True}).fit(*fit_args(name, data))


@pytest.mark.parametrize("name", NEURAL)
def test_a_changed_device_is_refused_when_continuing(name, data, monkeypatch):
    est = small(name).fit(*fit_args(name, data))
    # pretend a GPU appeared: continuing must not silently stay on the CPU
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    est.set_params(device="cuda", warm_start=True)
    with pytest.raises(ValueError, match="after changing device from 'cpu' to 'cuda'"):
        est.fit(*fit_args(name, data))
    with pytest.raises(ValueError, match="after changing device from 'cpu' to 'cuda'"):
        est.partial_fit(*fit_args(name, data))
    assert est.device_ == torch.device("cpu")


def test_gan_sample_reads_the_fitted_latent(data):
    est = small("TrajectoryGAN", loss="wgan-clip").fit(*fit_args("TrajectoryGAN", data))
    before = est.sample(4, random_state=0)
    # a normal-noise loss and another width: sample still draws what the
    # generator was trained on (uniform noise of the fitted width)
    est.set_params(loss="ns-r1", latent_dim=7)
    assert_array_equal(est.sample(4, random_state=0), before)
    assert np.all(np.isfinite(before))
