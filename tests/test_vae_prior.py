"""BetaVAE's fitted prior (``prior_``) and the step budget of ``max_epochs="auto"``.

``sample`` and ``traverse`` use a distribution fitted to the codes of the
training rows; N(0, I) stays available as ``prior="standard"``.  What is
tested: samples from the fitted prior are closer to held-out rows than
N(0, I)'s on the same network; the prior is fitted state (seeded, pickled,
not cloned, refitted by every training call, read after ``set_params``);
traverse's defaults come from it; bad settings are named.  Last, the
default number of optimizer steps grows sublinearly with the rows.

The trained and the briefly trained VAE are those of test_vae.py (the same
LEARN and QUICK settings on the same trajectories), fitted once per session
and shared (conftest.shared_fit).
"""

import math
import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.mixture import GaussianMixture

from conftest import N_STEPS, learn, quick
from pendsk import BetaVAE, TrajectoryGAN
from pendsk._latent.priors import MixturePrior
from pendsk.metrics import maximum_mean_discrepancy


@pytest.fixture(scope="module")
def split(shared_trajectories):
    """Training and held-out "clean" trajectories (200 each)."""
    return shared_trajectories("clean", 200, 0)[0], shared_trajectories("clean", 200, 1)[0]


@pytest.fixture(scope="module")
def learned(split, shared_fit):
    """A β = 1 VAE that has learned the trajectories, with the fitted prior."""
    return shared_fit(learn("BetaVAE"), split[0])


@pytest.fixture(scope="module")
def tiny(split, shared_fit):
    """A briefly trained VAE (4 prior components)."""
    return shared_fit(quick("BetaVAE"), split[0])


def _mean_mmd(samples, reference, n_draws=5):
    return np.mean([maximum_mean_discrepancy(reference, samples(seed))
                    for seed in range(n_draws)])


# --------------------------------------------------------------------------
# sampling
# --------------------------------------------------------------------------

@pytest.mark.slow
def test_fitted_prior_samples_are_closer_to_held_out_rows_than_standard_normal(learned, split):
    X, X_test = split
    latent_dim = learned.prior_.means_.shape[1]

    def fitted(seed):
        return learned.sample(200, random_state=seed)

    def standard(seed):
        # the same network decoding N(0, I) codes, with the same noise
        codes = np.random.default_rng(seed).standard_normal((200, latent_dim))
        scale = np.exp(learned.net_.module_.log_scale.detach().double().numpy())
        noise = np.random.default_rng(seed + 100).standard_normal((200, N_STEPS))
        return learned.inverse_transform(codes) + noise * scale * learned._x_scaler.scale_

    ours, theirs = _mean_mmd(fitted, X_test), _mean_mmd(standard, X_test)
    floor = maximum_mean_discrepancy(X_test, X)
    assert ours < theirs / 5
    # and the samples are about as close as the training rows themselves
    assert ours < 10 * max(floor, 1e-3)


@pytest.mark.slow
def test_standard_prior_trains_the_same_network_and_samples_n01(learned, split):
    X = split[0]
    standard = learn("BetaVAE", prior="standard").fit(X)
    assert_array_equal(standard.transform(X[:5]), learned.transform(X[:5]))
    prior = standard.prior_
    assert isinstance(prior, MixturePrior) and prior.mixture_ is None
    assert_array_equal(prior.weights_, [1.0])
    assert_array_equal(prior.means_, np.zeros((1, 3)))
    assert_array_equal(prior.covariances_, np.eye(3)[None])
    # its log-density is the standard normal's
    z = np.random.default_rng(0).standard_normal((4, 3))
    assert_allclose(prior.score_samples(z),
                    -0.5 * (z ** 2).sum(1) - 1.5 * np.log(2 * np.pi), rtol=1e-12)
    # its samples: the prior hole, far from the data
    X_test = split[1]
    assert (_mean_mmd(lambda seed: standard.sample(200, random_state=seed), X_test)
            > 5 * _mean_mmd(lambda seed: learned.sample(200, random_state=seed), X_test))


def test_prior_is_a_gaussian_mixture_fitted_to_the_codes(tiny, split):
    X, _ = split
    prior = tiny.prior_
    assert isinstance(prior, MixturePrior) and isinstance(prior.mixture_, GaussianMixture)
    assert prior.mixture_.covariance_type == "full"
    assert prior.n_components == 4 and prior.means_.shape == (4, 3)
    assert prior.covariances_.shape == (4, 3, 3)
    assert prior.mixture_.converged_
    # the mixture's mean is near the mean of the training rows' codes
    assert_allclose((prior.weights_[:, None] * prior.means_).sum(0),
                    tiny.transform(X).mean(0), atol=0.1)


def test_sample_draws_codes_from_the_prior(tiny):
    # a prior moved far away moves the samples with it: sample reads prior_
    moved = pickle.loads(pickle.dumps(tiny))
    moved.prior_.means_ = moved.prior_.means_ + 50.0
    assert not np.allclose(moved.sample(3, random_state=0), tiny.sample(3, random_state=0))
    assert_array_equal(tiny.sample(3, random_state=0), tiny.sample(3, random_state=0))


def test_prior_components_is_capped_by_the_codes(shared_trajectories):
    X, _ = shared_trajectories("clean", 1, 0)
    # 2 rows give 20 codes: at most 20 components
    vae = quick("BetaVAE", prior_components=50).fit(np.vstack([X, X + 0.01]))
    assert vae.prior_.n_components == 20


# --------------------------------------------------------------------------
# the prior is fitted state
# --------------------------------------------------------------------------

def test_prior_is_seeded_by_random_state(tiny, split):
    X, _ = split
    again = quick("BetaVAE").fit(X)
    assert_array_equal(again.prior_.means_, tiny.prior_.means_)
    other = quick("BetaVAE", random_state=1).fit(X)
    assert not np.allclose(other.prior_.means_, tiny.prior_.means_)


def test_prior_pickles(tiny):
    restored = pickle.loads(pickle.dumps(tiny))
    assert_array_equal(restored.prior_.means_, tiny.prior_.means_)
    assert_array_equal(restored.sample(5, random_state=3), tiny.sample(5, random_state=3))
    assert_array_equal(restored.traverse(0), tiny.traverse(0))


def test_clone_does_not_copy_the_prior(tiny):
    fresh = clone(tiny)
    assert not hasattr(fresh, "prior_")
    assert fresh.get_params()["prior"] == "gmm"


def test_methods_read_the_fitted_prior_not_the_hyperparameter(tiny, split):
    X, _ = split
    model = pickle.loads(pickle.dumps(tiny))
    before = model.sample(4, random_state=0)
    model.set_params(prior="standard", prior_components=7)
    assert_array_equal(model.sample(4, random_state=0), before)
    assert model.prior_.n_components == 4
    model.fit(X)  # a refit follows the new setting
    assert model.prior_.n_components == 1
    assert_array_equal(model.prior_.means_, np.zeros((1, 3)))


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_continued_training_refits_the_prior(tiny, split, how):
    X, _ = split
    model = pickle.loads(pickle.dumps(tiny))
    before = model.prior_
    if how == "partial_fit":
        model.partial_fit(X)
    else:
        model.set_params(warm_start=True, max_epochs=2).fit(X)
    assert model.prior_ is not before
    assert not np.allclose(model.prior_.means_, before.means_)
    # fitted to the new codes
    assert_allclose((model.prior_.weights_[:, None] * model.prior_.means_).sum(0),
                    model.transform(X).mean(0), atol=0.1)


def test_partial_fit_defers_one_update_of_the_prior(tiny, split, monkeypatch):
    X, _ = split
    model = pickle.loads(pickle.dumps(tiny))
    before = model.prior_
    fits, updates = [], []
    real_fit, real_update = MixturePrior.fit.__func__, MixturePrior.update
    monkeypatch.setattr(MixturePrior, "fit", classmethod(
        lambda cls, *a, **k: fits.append(1) or real_fit(cls, *a, **k)))
    monkeypatch.setattr(MixturePrior, "update",
                        lambda self, *a, **k: updates.append(1) or real_update(self, *a, **k))
    for _ in range(5):
        model.partial_fit(X)
    # no mixture fitted during the calls: their cost does not grow with them
    assert fits == [] and updates == []
    pending_codes, seed = model._prior_update
    prior = model.prior_  # the first read updates it, once
    assert updates == [1] and fits == []
    assert model.prior_ is prior and updates == [1]
    # the update of the fitted prior from the last call's codes
    expected = real_update(before, pending_codes, random_state=seed)
    assert_allclose(prior.means_, expected.means_)
    assert prior.n_components == before.n_components
    # a fit fits it at once, from scratch
    model.set_params(max_epochs=1).fit(X)
    assert "_prior_update" not in vars(model) and len(fits) == 1


def test_a_deferred_update_pickles_and_samples_as_the_updated_prior(tiny, split):
    X, _ = split
    model = pickle.loads(pickle.dumps(tiny)).partial_fit(X)
    copy = pickle.loads(pickle.dumps(model))
    assert "_prior_update" in vars(copy)
    assert_array_equal(copy.sample(5, random_state=0), model.sample(5, random_state=0))


# --------------------------------------------------------------------------
# traverse
# --------------------------------------------------------------------------
# (with prior="standard", from zero along N(0, I):
# test_vae.py::test_traverse_defaults_to_five_values_from_minus_two_to_two)

def test_traverse_starts_from_the_heaviest_component_and_spans_the_prior(tiny):
    prior = tiny.prior_
    start = prior.means_[np.argmax(prior.weights_)]
    # the prior's mean and standard deviation along each dimension
    draws = prior.sample(200_000, random_state=0)
    mean, std = draws.mean(0), draws.std(0)
    for dim in range(3):
        rows = tiny.traverse(dim)
        codes = np.repeat(start[None], 5, axis=0)
        codes[:, dim] = mean[dim] + std[dim] * np.linspace(-2, 2, 5)
        assert_allclose(rows, tiny.inverse_transform(codes), rtol=0, atol=2e-2)
        assert_array_equal(tiny.traverse(dim, values=[start[dim]]),
                           tiny.inverse_transform(start[None]))


# --------------------------------------------------------------------------
# bad settings
# --------------------------------------------------------------------------

@pytest.mark.parametrize("params, match", [
    (dict(prior="vamp"), r"'prior' parameter of BetaVAE must be a str among"),
    (dict(prior=None), r"'prior' parameter of BetaVAE must be a str among"),
    (dict(prior_components=0), r"'prior_components' parameter of BetaVAE must be an int"),
    (dict(prior_components=2.5), r"'prior_components' parameter of BetaVAE must be an int"),
])
def test_bad_prior_settings_are_named(split, params, match):
    with pytest.raises(ValueError, match=match):
        quick("BetaVAE", **params).fit(split[0][:20])


# --------------------------------------------------------------------------
# max_epochs="auto": a step budget that grows sublinearly with the rows
# --------------------------------------------------------------------------

def _steps(model):
    """Optimizer steps of a fit: the batches recorded in its history."""
    return sum(len(batches) for batches in model.history_[:, "batches"])


class _ShortBudget(BetaVAE):
    """BetaVAE with a budget of 40 steps at 400 rows instead of 7000."""

    _auto_steps = 40


def test_auto_budget_counts_steps_not_epochs(shared_trajectories):
    X, _ = shared_trajectories("clean", 400, 0)
    X10 = np.tile(X, (10, 1)) + np.random.default_rng(0).normal(0, 0.01, (4000, N_STEPS))
    settings = dict(latent_dim=2, hidden_layer_sizes=(8,), batch_size=100,
                    early_stopping=False, random_state=0)
    small = _ShortBudget(**settings).fit(X)
    large = _ShortBudget(**settings).fit(X10)
    # 40 steps at 400 rows, 40 * 10 ** 0.4 = 100 at 4000 (whole epochs)
    assert _steps(small) == 40
    assert _steps(large) == 120  # 3 epochs of 40 batches, the nearest to 100
    assert _steps(large) <= 3 * _steps(small)
    # an explicit max_epochs is a number of epochs
    assert len(_ShortBudget(**settings, max_epochs=2).fit(X).history_) == 2


def test_auto_budget_stops_early_on_held_out_rows_and_a_number_does_not(split):
    X, _ = split
    settings = dict(latent_dim=2, hidden_layer_sizes=(8,), batch_size=100, random_state=0)
    auto = _ShortBudget(n_iter_no_change=2, **settings).fit(X)
    # "auto": 10 % of the rows held out, their loss recorded, the budget a bound
    assert np.isfinite(auto.history_[:, "valid_loss"]).all()
    assert len(auto.history_) < _ShortBudget(early_stopping=False, **settings)._n_epochs(180)
    numbered = _ShortBudget(max_epochs=3, **settings).fit(X)
    assert len(numbered.history_) == 3
    assert "valid_loss" not in numbered.history_[-1]
    forced = _ShortBudget(max_epochs=3, early_stopping=True, **settings).fit(X)
    assert "valid_loss" in forced.history_[-1]


def test_the_pca_start_has_a_tenth_of_the_budget_and_stops_early():
    # 700 steps at 400 rows from PCA (100 epochs of 7 batches), 7000 from random weights
    assert BetaVAE(pca_path=True)._n_epochs(400) == 100
    assert BetaVAE(pca_path=False)._n_epochs(400) == 1000
    assert BetaVAE(pca_path=True)._early_stopping_on()
    assert not BetaVAE(pca_path=False)._early_stopping_on()  # the article's network
    assert not BetaVAE(max_epochs=10)._early_stopping_on()  # a number of epochs is exact
    assert BetaVAE(pca_path=False, early_stopping=True)._early_stopping_on()


@pytest.mark.parametrize("estimator", [BetaVAE(pca_path=True), BetaVAE(pca_path=False),
                                       TrajectoryGAN()],
                         ids=["BetaVAE", "BetaVAE-no-pca", "TrajectoryGAN"])
def test_default_steps_on_ten_times_the_rows_are_at_most_three_times(estimator):
    batch = estimator.batch_size

    def steps(n_rows):
        return estimator._n_epochs(n_rows) * math.ceil(n_rows / batch)

    assert steps(400) == estimator._auto_steps
    for n_rows in (50, 400, 1000, 4000):
        assert steps(n_rows) <= steps(10 * n_rows) <= 3 * steps(n_rows)
