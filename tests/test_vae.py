"""BetaVAE: what is specific to the β-variational autoencoder.

The learning requirements first (held-out reconstruction, a likelihood
that means something, latent traversals, sampling), then the ELBO's
bookkeeping (β-independence, units, determinism), the API of the codes
(transform, inverse_transform, traverse, sample and their bad inputs),
capacity annealing, hyperparameter validation and scikit-learn composition.
The machinery every neural estimator shares is tested in test_base.py on
the regressors; scikit-learn's generic checks run in test_common.py.

Models are fitted once per module and shared (torch runs on one thread in
the tests, see conftest.py).
"""

import copy

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from skorch.callbacks import Callback

from pendsk import BetaVAE, PendulumSimulator
from pendsk.datasets import make_pendulum

#: 5 s of motion (about two periods) in 50 steps, nearly noise-free.
N_STEPS, DT = 50, 0.1
DATA = dict(n_steps=N_STEPS, dt=DT, noise_std=0.01, noise_growth=0.0)
#: A run that learns the trajectories (about half a second per fit).
LEARN = dict(latent_dim=3, hidden_layer_sizes=(64,), max_epochs=150, lr=1e-2,
             random_state=0)
#: Small, fast settings where the quality of the fit is not the point.
TINY = dict(latent_dim=3, hidden_layer_sizes=(16,), max_epochs=5, lr=1e-2,
            random_state=0)


@pytest.fixture(scope="module")
def data():
    """Training and held-out trajectories with their physical factors."""
    X, factors = make_pendulum(n_samples=200, random_state=0, **DATA)
    X_test, factors_test = make_pendulum(n_samples=100, random_state=1, **DATA)
    return X, factors, X_test, factors_test


@pytest.fixture(scope="module")
def vae(data):
    """A plain VAE (β = 1) trained on the training trajectories."""
    return BetaVAE(beta=1.0, **LEARN).fit(data[0])


@pytest.fixture(scope="module")
def vae4(data):
    """A β = 4 VAE trained on the same trajectories."""
    return BetaVAE(beta=4.0, **LEARN).fit(data[0])


@pytest.fixture(scope="module")
def tiny(data):
    return BetaVAE(**TINY).fit(data[0])


def _rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


def _posterior_kl(vae, X):
    """Mean KL(q(z|x) || N(0, I)) over the rows of X, in nats."""
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)  # the estimator's StandardScaler
    with torch.no_grad():
        mean, log_var = vae.net_.module_.encode(torch.as_tensor(Xs, dtype=torch.float32))
    kl = 0.5 * (mean ** 2 + log_var.exp() - log_var - 1).sum(-1)
    return float(kl.mean())


# --------------------------------------------------------------------------
# Learning: reconstruction, likelihood, traversals, samples
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["vae", "vae4"])
def test_reconstructs_held_out_trajectories(name, request, data):
    model = request.getfixturevalue(name)
    X, _, X_test, _ = data
    reconstruction = model.inverse_transform(model.transform(X_test))
    baseline = _rmse(X_test, X.mean(axis=0))  # predict the mean trajectory
    # observed: 0.030 rad (β = 1) and 0.033 rad (β = 4), the baseline 0.63 rad
    assert _rmse(X_test, reconstruction) < 0.25 * baseline


def test_likelihood_prefers_real_trajectories_to_time_shuffled_ones(vae, data):
    _, _, X_test, _ = data
    order = np.random.RandomState(0).permutation(N_STEPS)
    shuffled = X_test[:, order]
    # same values, same per-row distribution of angles, but no trajectory
    # shape: observed mean ELBO 88 nats against -1.0e4 nats
    assert vae.score(X_test) > vae.score(shuffled) + 100
    assert np.all(vae.score_samples(X_test) > vae.score_samples(shuffled))


def test_traversing_an_active_dimension_changes_the_trajectory_monotonically(vae4, data):
    X, *_ = data
    variances = vae4.transform(X).var(axis=0)
    dim = int(np.argmax(variances))
    assert variances[dim] > 0.5  # an active dimension (observed 1.7)
    values = np.linspace(-2, 2, 9)
    rows = vae4.traverse(dim, values=values)
    assert rows.shape == (9, N_STEPS)
    # every step along the dimension moves the trajectory...
    steps = np.abs(np.diff(rows, axis=0)).mean(axis=1)
    assert np.all(steps > 1e-2)  # observed >= 0.16 rad
    # ...and away from where it started
    from_first = np.sqrt(((rows - rows[0]) ** 2).mean(axis=1))
    assert np.all(np.diff(from_first) > 0)
    assert from_first[-1] > 0.5  # observed 1.4 rad


def test_samples_have_the_datas_mean_trajectory(vae4, data):
    X, *_ = data
    samples = vae4.sample(2000, random_state=0)
    # per time step within 0.3 rad of the data's mean (observed max 0.15;
    # the training and held-out means themselves differ by up to 0.16, and
    # the per-step std of the data is 0.3-0.9 rad) ...
    assert_allclose(samples.mean(axis=0), X.mean(axis=0), rtol=0, atol=0.3)
    # ... and about the data's spread (observed ratios 0.70-1.23)
    assert_allclose(samples.std(axis=0) / X.std(axis=0), 1.0, atol=0.5)
    # a sample is a trajectory, not the mean plus white noise: consecutive
    # steps are strongly correlated, as in the data (observed 0.95)
    lag1 = np.mean([np.corrcoef(samples[:, t], samples[:, t + 1])[0, 1]
                    for t in range(N_STEPS - 1)])
    assert lag1 > 0.9


# --------------------------------------------------------------------------
# The ELBO: score and score_samples
# --------------------------------------------------------------------------

def test_score_is_the_mean_elbo_and_ignores_beta_changed_after_fit(vae, data):
    _, _, X_test, _ = data
    model = copy.deepcopy(vae)
    elbo = model.score_samples(X_test)
    assert elbo.shape == (len(X_test),) and elbo.dtype == np.float64
    assert np.all(np.isfinite(elbo))
    assert model.score(X_test) == pytest.approx(np.mean(elbo), rel=1e-12)
    # the ELBO is always the β = 1 bound, whatever β says now
    model.set_params(beta=10.0)
    assert_array_equal(model.score_samples(X_test), elbo)
    assert model.score(X_test) == vae.score(X_test)


def test_score_samples_is_deterministic_and_row_independent(vae, data):
    _, _, X_test, _ = data
    elbo = vae.score_samples(X_test)
    assert_array_equal(vae.score_samples(X_test), elbo)
    order = np.random.RandomState(0).permutation(len(X_test))
    assert_allclose(vae.score_samples(X_test[order]), elbo[order], rtol=1e-10)
    assert_allclose(vae.score_samples(X_test[7:19]), elbo[7:19], rtol=1e-10)
    assert_allclose(vae.score_samples(X_test[3:4]), elbo[3:4], rtol=1e-10)


@pytest.mark.parametrize("c", [3.0, 0.25])
def test_elbo_is_a_density_in_the_units_of_X(vae, data, c):
    X, _, X_test, _ = data
    # the inputs are standardised, so the fit on c·X is the same network
    scaled = BetaVAE(beta=1.0, **LEARN).fit(c * X)
    assert_allclose(scaled.transform(c * X_test), vae.transform(X_test), atol=1e-6)
    # and its density of c·x is that of x divided by c in each of the
    # n_steps coordinates (observed to 1e-13 nats)
    assert_allclose(scaled.score_samples(c * X_test),
                    vae.score_samples(X_test) - N_STEPS * np.log(c), rtol=0, atol=1e-3)


# --------------------------------------------------------------------------
# traverse
# --------------------------------------------------------------------------

def test_traverse_defaults_to_five_values_from_minus_two_to_two(vae):
    rows = vae.traverse(1)
    assert rows.shape == (5, N_STEPS) and rows.dtype == np.float64
    assert_array_equal(rows, vae.traverse(1, values=np.linspace(-2, 2, 5)))
    # the other dimensions stay at the prior mean: zeros
    codes = np.zeros((5, 3))
    codes[:, 1] = np.linspace(-2, 2, 5)
    assert_allclose(rows, vae.inverse_transform(codes), rtol=1e-12, atol=1e-12)
    assert vae.traverse(np.int64(2), values=[0.5]).shape == (1, N_STEPS)


def test_traverse_starts_from_the_given_code(vae, data):
    X, *_ = data
    z = vae.transform(X[:1])[0]
    for dim in range(3):
        assert_array_equal(vae.traverse(dim, values=[z[dim]], z=z),
                           vae.inverse_transform(z[None]))
    moved = vae.traverse(0, values=[-1.0, 1.0], z=z)
    expected = np.array([z, z])
    expected[:, 0] = [-1.0, 1.0]
    assert_allclose(moved, vae.inverse_transform(expected), rtol=1e-12, atol=1e-12)
    assert not np.allclose(moved, vae.traverse(0, values=[-1.0, 1.0]))


@pytest.mark.parametrize("kwargs, match", [
    (dict(dim=-1), "'dim' parameter of BetaVAE.traverse must be an int"),
    (dict(dim=1.5), "'dim' parameter of BetaVAE.traverse must be an int"),
    (dict(dim=3), r"dim must be in \[0, 3\) \(latent_dim\), got 3"),
    (dict(dim=0, z=[0.0, 0.0]), "z has 2 columns, but BetaVAE has latent_dim=3"),
    (dict(dim=0, z=[0.0, np.nan, 0.0]), "Input z contains NaN"),
    (dict(dim=0, values=[0.0, np.nan]), "Input values contains NaN"),
    (dict(dim=0, values=[0.0, np.inf]), "Input values contains infinity"),
])
def test_traverse_rejects_bad_arguments(vae, kwargs, match):
    with pytest.raises(ValueError, match=match):
        vae.traverse(**kwargs)


# --------------------------------------------------------------------------
# sample
# --------------------------------------------------------------------------

def test_sample_shapes_and_seeding(vae):
    first = vae.sample(7, random_state=0)
    assert first.shape == (7, N_STEPS) and first.dtype == np.float64
    assert vae.sample().shape == (1, N_STEPS)
    assert_array_equal(vae.sample(7, random_state=0), first)
    assert_array_equal(vae.sample(7, random_state=np.random.RandomState(0)), first)
    other = vae.sample(7, random_state=1)
    assert np.all(other != first)


@pytest.mark.parametrize("n_samples", [0, -1, 1.5, "3"])
def test_sample_rejects_a_bad_count(vae, n_samples):
    with pytest.raises(ValueError, match="'n_samples' parameter of BetaVAE.sample must be"):
        vae.sample(n_samples)


# --------------------------------------------------------------------------
# transform, inverse_transform, feature names
# --------------------------------------------------------------------------

def test_transform_gives_one_code_per_row_with_feature_names(vae, data):
    _, _, X_test, _ = data
    Z = vae.transform(X_test)
    assert Z.shape == (len(X_test), 3) and Z.dtype == np.float64
    assert_array_equal(vae.get_feature_names_out(), ["betavae0", "betavae1", "betavae2"])
    decoded = vae.inverse_transform(Z)
    assert decoded.shape == X_test.shape and decoded.dtype == np.float64
    # row-independent, float64 predictions
    assert_allclose(vae.transform(X_test[5:6]), Z[5:6], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("bad, match", [
    (np.zeros((4, 2)), "X has 2 columns, but BetaVAE has latent_dim=3"),
    (np.zeros((4, 4)), "X has 4 columns, but BetaVAE has latent_dim=3"),
    (np.array([[0.0, np.nan, 0.0]]), "Input X contains NaN"),
    (np.zeros(3), "Expected 2D array, got 1D array"),
])
def test_inverse_transform_rejects_bad_codes(vae, bad, match):
    with pytest.raises(ValueError, match=match):
        vae.inverse_transform(bad)


def test_transform_rejects_trajectories_of_another_length(vae, data):
    X, *_ = data
    with pytest.raises(ValueError, match="X has 40 features, but BetaVAE is expecting 50"):
        vae.transform(X[:, :40])
    with pytest.raises(ValueError, match="X has 40 features, but BetaVAE is expecting 50"):
        vae.score_samples(X[:, :40])


@pytest.mark.parametrize("method, args", [
    ("transform", "X"), ("score_samples", "X"), ("score", "X"),
    ("inverse_transform", "Z"), ("sample", ""), ("traverse", "dim"),
])
def test_methods_before_fit_raise_not_fitted(data, method, args):
    X, *_ = data
    arg = {"X": (X,), "Z": (np.zeros((2, 3)),), "": (), "dim": (0,)}[args]
    with pytest.raises(NotFittedError, match="This BetaVAE instance is not fitted yet"):
        getattr(BetaVAE(**TINY), method)(*arg)


# --------------------------------------------------------------------------
# determinism and the caller's data
# --------------------------------------------------------------------------

def test_same_int_seed_gives_identical_codes(tiny, data):
    X, _, X_test, _ = data
    again = BetaVAE(**TINY).fit(X)
    assert_array_equal(again.transform(X_test), tiny.transform(X_test))
    assert_array_equal(again.sample(5, random_state=0), tiny.sample(5, random_state=0))
    other = BetaVAE(**{**TINY, "random_state": 1}).fit(X)
    assert np.abs(other.transform(X_test) - tiny.transform(X_test)).max() > 1e-3


def test_fit_leaves_the_callers_torch_rng_alone(data):
    X, *_ = data
    torch.manual_seed(1234)
    before = torch.random.get_rng_state()
    BetaVAE(**TINY).fit(X).partial_fit(X)
    assert torch.equal(torch.random.get_rng_state(), before)


def test_the_callers_X_is_not_modified(data):
    X, _, X_test, _ = data
    X_copy, X_test_copy = X.copy(), X_test.copy()
    model = BetaVAE(**TINY, early_stopping=True).fit(X)
    model.partial_fit(X)
    model.transform(X_test)
    model.score(X_test)
    model.score_samples(X_test)
    Z = model.transform(X_test[:4])
    Z_copy = Z.copy()
    model.inverse_transform(Z)
    assert_array_equal(X, X_copy)
    assert_array_equal(X_test, X_test_copy)
    assert_array_equal(Z, Z_copy)


# --------------------------------------------------------------------------
# capacity annealing (Burgess et al.)
# --------------------------------------------------------------------------

class _RecordCapacity(Callback):
    """Writes the loss's current capacity C into each epoch's history row."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("capacity", net.criterion_.capacity)


def test_capacity_rises_linearly_then_stays(data):
    X, *_ = data
    model = BetaVAE(**{**TINY, "max_epochs": 12}, capacity=(6.0, 8),
                    callbacks=[_RecordCapacity()]).fit(X)
    assert_allclose(model.history_[:, "capacity"],
                    6.0 * np.minimum(np.arange(12) / 8, 1.0), rtol=1e-12)
    assert model.net_.criterion_.capacity == pytest.approx(6.0 * min(11 / 8, 1.0))
    # a warm start continues the ramp where it stopped
    half = BetaVAE(**{**TINY, "max_epochs": 3}, capacity=(6.0, 8), warm_start=True).fit(X)
    assert half.net_.criterion_.capacity == pytest.approx(6.0 * 2 / 8)
    half.fit(X)
    assert half.net_.criterion_.capacity == pytest.approx(6.0 * 5 / 8)
    half.partial_fit(X)
    assert half.net_.criterion_.capacity == pytest.approx(6.0 * 6 / 8)


def test_capacity_sets_the_kl_of_the_codes(data):
    X, *_ = data
    # C = 0 with a large γ: the posterior is pushed onto the prior and the
    # codes carry nothing (observed posterior-mean variance 3e-6, KL 1e-5)
    closed = BetaVAE(**LEARN, capacity=(0.0, 1), gamma=1000.0).fit(X)
    assert np.all(closed.transform(X).var(axis=0) < 0.05)
    assert _posterior_kl(closed, X) < 0.5
    assert closed.net_.criterion_.capacity == 0.0
    # C = 25 nats: the codes are used, and their KL reaches C
    opened = BetaVAE(**LEARN, capacity=(25.0, 10), gamma=1000.0).fit(X)
    assert np.all(opened.transform(X).var(axis=0) > 0.5)  # observed 4–14
    assert _posterior_kl(opened, X) == pytest.approx(25.0, rel=0.1)  # observed 25.0
    assert opened.net_.criterion_.capacity == 25.0
    # the open code explains the data far better (observed ELBO 19 vs -38)
    assert opened.score(X) > closed.score(X) + 20


@pytest.mark.parametrize("capacity", [(1,), (-1, 5), (1, 0), (1, 2.5), (1, 5, 2),
                                      (np.nan, 5), (np.inf, 5), (1, True), "a"])
def test_bad_capacity_is_rejected(data, capacity):
    X, *_ = data
    model = BetaVAE(**TINY, capacity=capacity)
    with pytest.raises(ValueError, match="capacity"):
        model.fit(X)
    assert not hasattr(model, "net_")
    with pytest.raises(ValueError, match="capacity"):
        model.partial_fit(X)


def test_capacity_accepts_a_list_and_numpy_numbers(data):
    X, *_ = data
    for capacity in ([2.0, 4], (np.float64(2.0), np.int64(4)), (2, 4)):
        model = BetaVAE(**TINY, capacity=capacity).fit(X)
        assert model.net_.criterion_.capacity == pytest.approx(2.0)


# --------------------------------------------------------------------------
# hyperparameters
# --------------------------------------------------------------------------

@pytest.mark.parametrize("params, match", [
    ({"latent_dim": 0}, "The 'latent_dim' parameter of BetaVAE must be an int in the range"),
    ({"latent_dim": 2.5}, "The 'latent_dim' parameter of BetaVAE must be an int"),
    ({"beta": -1}, r"The 'beta' parameter of BetaVAE must be a float in the range \[0"),
    ({"beta": "high"}, "The 'beta' parameter of BetaVAE must be"),
    ({"gamma": -1}, r"The 'gamma' parameter of BetaVAE must be a float in the range \[0"),
])
def test_bad_hyperparameters_are_named(data, params, match):
    X, *_ = data
    with pytest.raises(ValueError, match=match):
        BetaVAE(**{**TINY, **params}).fit(X)


# --------------------------------------------------------------------------
# continuing to train
# --------------------------------------------------------------------------

def test_warm_start_and_partial_fit_continue_training(data):
    X, *_ = data
    model = BetaVAE(**TINY, warm_start=True).fit(X)
    before = model.transform(X[:5])
    model.fit(X)
    assert len(model.history_) == 10
    assert not np.allclose(model.transform(X[:5]), before)
    model.partial_fit(X)
    assert len(model.history_) == 11
    # a changed β is a training setting, not a new network: it is used
    model.set_params(beta=4.0).fit(X)
    assert len(model.history_) == 16
    assert model.net_.criterion_.beta == 4.0


def test_partial_fit_from_scratch_trains_one_epoch(data):
    X, *_ = data
    model = BetaVAE(**TINY)
    model.partial_fit(X)
    model.partial_fit(X)
    assert len(model.history_) == 2
    assert model.transform(X[:3]).shape == (3, 3)


def test_continuing_refuses_a_changed_latent_dim(data):
    X, *_ = data
    model = BetaVAE(**TINY, warm_start=True).fit(X)
    model.set_params(latent_dim=4)
    with pytest.raises(ValueError, match="Cannot continue training .* after changing "
                                         "latent_dim from 3 to 4"):
        model.fit(X)
    with pytest.raises(ValueError, match="Cannot continue training"):
        model.partial_fit(X)
    model.set_params(warm_start=False).fit(X)
    assert model.transform(X[:2]).shape == (2, 4)


def test_warm_start_trains_with_the_new_learning_rate(data):
    """A scikit-learn user lowers lr between warm-started fits (as with
    MLPRegressor) to fine-tune: the next fit must use it."""
    X, *_ = data
    model = BetaVAE(**TINY, warm_start=True).fit(X)
    before = [p.detach().clone() for p in model.net_.module_.parameters()]
    model.set_params(lr=1e-12).fit(X)
    # Adam moves each weight by about lr per step: 5 epochs × 4 batches
    change = max((p.detach() - b).abs().max().item()
                 for p, b in zip(model.net_.module_.parameters(), before))
    assert change < 1e-8


# --------------------------------------------------------------------------
# scikit-learn composition
# --------------------------------------------------------------------------

def test_pipeline_from_physical_factors_to_latent_codes(data):
    _, factors, _, factors_test = data
    pipe = make_pipeline(PendulumSimulator(n_steps=N_STEPS, dt=DT, g=10.0),
                         BetaVAE(**TINY))
    pipe.fit(factors)
    codes = pipe.transform(factors_test)
    assert codes.shape == (len(factors_test), 3)
    assert np.all(np.isfinite(codes))
    # the pipeline's VAE saw the simulated trajectories
    trajectories = PendulumSimulator(n_steps=N_STEPS, dt=DT, g=10.0).fit_transform(factors_test)
    assert_array_equal(codes, pipe[-1].transform(trajectories))
    assert_array_equal(pipe.get_feature_names_out(), ["betavae0", "betavae1", "betavae2"])


def test_grid_search_tunes_beta_by_the_elbo(data):
    X, *_ = data
    search = GridSearchCV(BetaVAE(**TINY), {"beta": [1.0, 4.0]}, cv=2).fit(X)
    assert search.best_params_["beta"] in (1.0, 4.0)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and np.all(np.isfinite(scores))
    # the scorer is the estimator's score: the mean held-out ELBO
    assert search.best_score_ == pytest.approx(scores.max())
    assert search.score(X) == pytest.approx(search.best_estimator_.score(X))
