"""TrajectoryGAN: what is specific to the GAN.

The learning requirement first (generated trajectories closer to held-out
ones than a per-time-step Gaussian), then the three losses, their penalties
and optimizers, the alternating critic / generator steps, the history, early
stopping, ``sample`` and ``score``, settings a warm start changes,
and scikit-learn composition.  The machinery every neural estimator shares
(seeding, sample's seeding, validation, warm starts, early stopping, the
caller's state) is tested in test_base.py on all five; pickling in
test_persistence.py; scikit-learn's generic checks run in test_common.py.

Models are fitted once per session and shared (conftest.shared_fit): what
needs a trained GAN uses the LEARN runs (the slow tests), the rest QUICK ones.
"""

import copy
import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV

from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from conftest import N_STEPS, TRAJECTORIES, learn, quick
from pendsk import BetaVAE, TrajectoryGAN
from pendsk._gan import networks as gan_networks
from pendsk._gan.networks import (GradientPenalty, NonSaturatingLoss, R1Penalty,
                                  WassersteinLoss, WeightClipping)
from pendsk.metrics import maximum_mean_discrepancy, pendulum_residual


@pytest.fixture(scope="module")
def split(shared_trajectories):
    """Training and held-out "clean" trajectories (200 each)."""
    return shared_trajectories("clean", 200, 0)[0], shared_trajectories("clean", 200, 1)[0]


@pytest.fixture(scope="module")
def gan(split, shared_fit):
    """The non-saturating GAN with R1 trained on the training trajectories."""
    return shared_fit(learn("TrajectoryGAN", loss="ns-r1"), split[0])


@pytest.fixture(scope="module")
def gan_gp(split, shared_fit):
    """A WGAN-GP trained on the training trajectories."""
    return shared_fit(learn("TrajectoryGAN", loss="wgan-gp"), split[0])


#: The three losses; "ns-r1" is the default.
LOSSES = ["ns-r1", "wgan-gp", "wgan-clip"]


@pytest.fixture(scope="module")
def tiny(split, shared_fit):
    """A briefly trained GAN per loss (the default one without ``loss=``)."""
    return {loss: shared_fit(quick("TrajectoryGAN", **({} if loss == "ns-r1" else
                                                       {"loss": loss})), split[0])
            for loss in LOSSES}


@pytest.fixture(scope="module")
def gan_clip(split, shared_fit):
    """The article's weight-clipping WGAN, briefly trained."""
    return shared_fit(learn("TrajectoryGAN", loss="wgan-clip", max_epochs=10), split[0])


def _mean_mmd(X_test, draw, n_draws=5):
    """MMD² between X_test and n_draws sets of as many rows from draw(seed)."""
    return float(np.mean([maximum_mean_discrepancy(X_test, draw(seed))
                          for seed in range(n_draws)]))


def _gaussian_draw(X, n_rows):
    """Rows with X's per-step mean and std, every step independent."""
    mean, std = X.mean(axis=0), X.std(axis=0)
    return lambda seed: mean + std * np.random.RandomState(100 + seed).standard_normal(
        (n_rows, X.shape[1]))


def _step_counts(history, epochs=slice(None)):
    """(generator steps, critic steps) recorded in the batches of the epochs."""
    batches = [batch for row in history[epochs] for batch in row["batches"]]
    return (sum("generator_loss" in batch for batch in batches),
            sum("critic_loss" in batch for batch in batches))


# --------------------------------------------------------------------------
# Learning: the samples look like the data
# --------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("name", ["gan", "gan_gp"])
def test_samples_beat_an_independent_gaussian_per_time_step(name, split, request):
    model = request.getfixturevalue(name)
    X, X_test = split
    n = len(X_test)
    generated = _mean_mmd(X_test, lambda seed: model.sample(n, random_state=seed))
    gaussian = _mean_mmd(X_test, _gaussian_draw(X, n))
    # the Gaussian has the right per-step mean and spread but no trajectory
    # shape
    assert generated < 0.5 * gaussian


@pytest.mark.slow
@pytest.mark.parametrize("name, rel", [("gan", 0.3), ("gan_gp", 0.6)])
def test_samples_are_smooth_trajectories(name, rel, split, request):
    X, _ = split
    samples = request.getfixturevalue(name).sample(500, random_state=0)
    # as smooth as the data: mean |step-to-step change| (WGAN-GP's samples
    # are rougher than the default loss's over several seeds, hence its
    # wider bound) -- and far smoother than noise of the data's spread
    roughness = np.abs(np.diff(samples, axis=1)).mean()
    data_roughness = np.abs(np.diff(X, axis=1)).mean()
    assert roughness == pytest.approx(data_roughness, rel=rel)
    noise = _gaussian_draw(X, 500)(0)
    assert roughness < 0.5 * np.abs(np.diff(noise, axis=1)).mean()
    # the data's mean trajectory
    assert_allclose(samples.mean(axis=0), X.mean(axis=0), rtol=0, atol=0.3)


# --------------------------------------------------------------------------
# The three losses, their penalties and optimizers
# --------------------------------------------------------------------------

def test_the_default_is_the_non_saturating_loss_with_r1(tiny):
    gan = tiny["ns-r1"]
    assert gan.loss == "ns-r1"
    assert isinstance(gan.net_.criterion_, NonSaturatingLoss)
    assert isinstance(gan.net_.penalty, R1Penalty) and gan.net_.penalty.weight == 10.0


def test_the_default_works_in_the_codes_of_a_beta_vae():
    gan = TrajectoryGAN()
    assert (gan.loss, gan.latent_dim, gan.lr, gan.embedding) == ("ns-r1", 6, 1e-3, "vae")
    assert gan.latent_dim >= BetaVAE().latent_dim  # as many noise values as codes


def test_wgan_gp_trains_the_wasserstein_loss_with_its_penalty(tiny):
    gan_gp = tiny["wgan-gp"]
    assert isinstance(gan_gp.net_.criterion_, WassersteinLoss)
    assert isinstance(gan_gp.net_.penalty, GradientPenalty)
    assert gan_gp.net_.penalty.weight == 10.0


@pytest.mark.parametrize("loss, spied, weight", [
    ("ns-r1", "r1_penalty", 10.0 / 2),   # R1's γ/2
    ("wgan-gp", "gradient_penalty", 10.0),
    ("wgan-clip", None, 0.0),
])
def test_each_loss_adds_its_penalty_with_its_weight(split, monkeypatch, loss, spied, weight):
    X, _ = split
    calls = {"r1_penalty": 0, "gradient_penalty": 0}

    def spy(name):
        def penalty(*args):
            calls[name] += 1
            return torch.tensor(0.25)
        return penalty
    for name in calls:
        monkeypatch.setattr(gan_networks, name, spy(name))
    model = quick("TrajectoryGAN", loss=loss).fit(X)
    critic_steps = _step_counts(model.history_)[1]
    assert calls == {name: critic_steps if name == spied else 0 for name in calls}
    assert_allclose(np.array(model.history_[:, "train_loss"])
                    - np.array(model.history_[:, "critic_loss"]),
                    weight * 0.25, rtol=1e-5, atol=1e-6)


def test_gp_weight_zero_turns_the_penalty_off(split, monkeypatch):
    X, _ = split
    monkeypatch.setattr(gan_networks, "r1_penalty",
                        lambda *a: pytest.fail("penalty computed"))
    model = quick("TrajectoryGAN", gp_weight=0.0).fit(X)
    assert_allclose(model.history_[:, "train_loss"], model.history_[:, "critic_loss"])


def test_wgan_clip_trains_with_clipped_critic_weights_and_rmsprop(gan_clip):
    history = gan_clip.history_
    for key in ("critic_loss", "generator_loss", "train_loss"):
        assert np.all(np.isfinite(history[:, key]))
    critic = list(gan_clip.net_.module_.critic.parameters())
    assert max(p.detach().abs().max().item() for p in critic) <= np.float32(0.01)
    # the clipped weights sit on the box: the clip is what holds them
    assert max(p.detach().abs().max().item() for p in critic) == pytest.approx(0.01)
    assert type(gan_clip.net_.optimizer_) is torch.optim.RMSprop
    assert type(gan_clip.net_.critic_optimizer_) is torch.optim.RMSprop


def test_wgan_clip_respects_a_custom_clip_value(split):
    X, _ = split
    model = quick("TrajectoryGAN", loss="wgan-clip", clip_value=0.05).fit(X)
    critic = model.net_.module_.critic.parameters()
    # (the float32 weights hold 0.05 rounded: 0.05000000075)
    assert max(p.detach().abs().max().item() for p in critic) <= np.float32(0.05)
    # the generator is not clipped
    generator = model.net_.module_.generator.parameters()
    assert max(p.detach().abs().max().item() for p in generator) > 0.05


@pytest.mark.parametrize("loss", ["ns-r1", "wgan-gp"])
def test_ns_r1_and_wgan_gp_use_adam_with_gan_betas_and_do_not_clip(loss, tiny):
    model = tiny[loss]
    for optimizer in (model.net_.optimizer_, model.net_.critic_optimizer_):
        assert type(optimizer) is torch.optim.Adam
        assert optimizer.param_groups[0]["betas"] == (0.5, 0.9)
    critic = model.net_.module_.critic.parameters()
    assert max(p.detach().abs().max().item() for p in critic) > 0.01


@pytest.mark.parametrize("loss", LOSSES)
def test_the_two_optimizers_hold_the_generator_and_the_critic(loss, tiny):
    model = tiny[loss]
    module = model.net_.module_

    def ids(optimizer):
        return {id(p) for group in optimizer.param_groups for p in group["params"]}
    generator, critic = ids(model.net_.optimizer_), ids(model.net_.critic_optimizer_)
    assert generator == {id(p) for p in module.generator.parameters()}
    assert critic == {id(p) for p in module.critic.parameters()}
    assert not generator & critic
    assert generator | critic == {id(p) for p in module.parameters()}


@pytest.mark.parametrize("loss, draw", [
    ("ns-r1", lambda rng, shape: rng.standard_normal(shape)),
    ("wgan-gp", lambda rng, shape: rng.standard_normal(shape)),
    ("wgan-clip", lambda rng, shape: rng.uniform(-1.0, 1.0, shape)),
])
def test_sample_decodes_the_losss_noise_in_the_units_of_X(split, tiny, loss, draw):
    X, _ = split
    model = tiny[loss]
    z = draw(np.random.RandomState(3), (6, model.latent_dim))
    generator = copy.deepcopy(model.net_.module_.generator).to(torch.float64)
    with torch.no_grad():
        standardised = generator(torch.as_tensor(z)).numpy()
    expected = X.mean(axis=0) + X.std(axis=0) * standardised
    assert_allclose(model.sample(6, random_state=3), expected, rtol=1e-10, atol=1e-10)


# --------------------------------------------------------------------------
# Alternating steps and the history
# --------------------------------------------------------------------------

@pytest.mark.parametrize("n_critic", [1, 3])
def test_one_generator_step_per_n_critic_critic_steps(split, n_critic):
    X, _ = split
    # 192 rows, batches of 16: 12 critic steps per epoch
    model = quick("TrajectoryGAN", n_critic=n_critic, batch_size=16).fit(X[:192])
    for epoch in range(3):
        assert _step_counts(model.history_, slice(epoch, epoch + 1)) == (12 // n_critic, 12)


def test_generator_steps_on_batches_0_k_2k_of_every_epoch(split):
    X, _ = split
    model = quick("TrajectoryGAN", n_critic=5, max_epochs=10).fit(X)
    generator, critic = _step_counts(model.history_)
    batches = math.ceil(200 / 32)  # 7: the generator steps on batches 0 and 5
    assert critic == 10 * batches
    assert generator == 10 * math.ceil(batches / 5)
    for epoch in model.history_:
        steps = ["generator_loss" in batch for batch in epoch["batches"]]
        assert steps == [i % 5 == 0 for i in range(batches)]


def test_history_has_the_losses_of_every_epoch(split):
    X, _ = split
    # the default batch size: 4 batches per epoch, fewer than n_critic=5
    model = TrajectoryGAN(hidden_layer_sizes=(16, 32), max_epochs=10,
                          random_state=0).fit(X)
    history = model.history_
    assert len(history) == 10
    for key in ("critic_loss", "generator_loss", "train_loss"):
        assert all(key in row for row in history), f"{key} missing in some epochs"
        assert len(history[:, key]) == 10 and np.all(np.isfinite(history[:, key]))


def test_train_loss_is_the_critic_loss_plus_the_penalty(tiny):
    # without a penalty (weight clipping) they are the same number
    clip = tiny["wgan-clip"].history_
    assert_allclose(clip[:, "train_loss"], clip[:, "critic_loss"], rtol=1e-6, atol=1e-7)
    # the gradient penalties are positive
    for model in (tiny["ns-r1"], tiny["wgan-gp"]):
        excess = (np.array(model.history_[:, "train_loss"])
                  - np.array(model.history_[:, "critic_loss"]))
        assert np.all(excess > 0)


@pytest.mark.slow
def test_early_stopping_keeps_a_trained_generator(split):
    """The restored weights must be a model worth keeping: at least as good
    as a per-time-step Gaussian (which the same run without early stopping
    beats by half, see test_samples_beat_an_independent_gaussian_per_time_step)."""
    X, X_test = split
    model = learn("TrajectoryGAN", early_stopping=True).fit(X)
    n = len(X_test)
    generated = _mean_mmd(X_test, lambda seed: model.sample(n, random_state=seed))
    gaussian = _mean_mmd(X_test, _gaussian_draw(X, n))
    assert generated < gaussian


# --------------------------------------------------------------------------
# score
# --------------------------------------------------------------------------

def test_score_is_minus_the_mmd_to_seeded_samples(tiny, split):
    gan, (_, X_test) = tiny["ns-r1"], split
    score = gan.score(X_test)
    assert isinstance(score, float)
    expected = -maximum_mean_discrepancy(X_test, gan.sample(len(X_test), random_state=0))
    assert score == expected
    assert gan.score(X_test) == score
    assert gan.score(X_test[:10]) == -maximum_mean_discrepancy(
        X_test[:10], gan.sample(10, random_state=0))


@pytest.mark.slow
def test_score_ranks_real_trajectories_above_noise_and_shuffled_ones(gan, split):
    X, X_test = split
    real = gan.score(X_test)
    shuffled = gan.score(X_test[:, np.random.RandomState(0).permutation(N_STEPS)])
    noise = gan.score(_gaussian_draw(X, len(X_test))(0))
    assert real > noise + 0.01
    assert real > shuffled + 0.1


def test_score_needs_two_rows(tiny, split):
    # (the other bad X: test_base.py::test_methods_reject_bad_X)
    with pytest.raises(ValueError, match="at least 2 rows in X, got 1"):
        tiny["ns-r1"].score(split[1][:1])


# --------------------------------------------------------------------------
# continuing to train
# --------------------------------------------------------------------------

def test_warm_start_uses_a_changed_n_critic(split):
    X, _ = split
    model = quick("TrajectoryGAN", n_critic=3, warm_start=True, batch_size=16)
    model.fit(X[:192])
    assert _step_counts(model.history_) == (12, 36)
    # n_critic sets the training steps, not the network: the next fit uses it
    model.set_params(n_critic=1).fit(X[:192])
    assert _step_counts(model.history_, slice(3, 6)) == (36, 36)
    # the optimizers' states carried on: Adam counted every step
    for optimizer, steps in [(model.net_.optimizer_, 12 + 36),
                             (model.net_.critic_optimizer_, 36 + 36)]:
        assert all(state["step"].item() == steps for state in optimizer.state.values())


def test_warm_start_uses_a_changed_clip_value(split):
    X, _ = split
    model = quick("TrajectoryGAN", loss="wgan-clip", clip_value=0.05, warm_start=True).fit(X)
    model.set_params(clip_value=0.002).fit(X)
    critic = model.net_.module_.critic.parameters()
    assert max(p.detach().abs().max().item() for p in critic) <= np.float32(0.002)


# --------------------------------------------------------------------------
# scikit-learn composition
# --------------------------------------------------------------------------

def test_grid_search_tunes_n_critic_by_the_score(split):
    X, _ = split
    search = GridSearchCV(quick("TrajectoryGAN"), {"n_critic": [1, 5]}, cv=2).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and np.all(np.isfinite(scores))
    assert search.best_score_ == pytest.approx(scores.max())
    assert search.best_estimator_.n_critic == search.best_params_["n_critic"]


# --------------------------------------------------------------------------
# The embedding: the GAN in the codes of a fitted autoencoder
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def embedded(split, shared_fit):
    """A GAN in the codes of a small BetaVAE, briefly trained."""
    embedding = BetaVAE(latent_dim=3, hidden_layer_sizes=(16,), max_epochs=5,
                        random_state=0)
    return shared_fit(quick("TrajectoryGAN", embedding=embedding), split[0])


def test_the_default_embedding_is_a_beta_vae_of_beta_10(split):
    X = split[0][:60]
    model = TrajectoryGAN(max_epochs=2, random_state=0).fit(X)
    assert isinstance(model.embedding_, BetaVAE) and model.embedding_.beta == 10.0
    assert model.embedding_.random_state is not None
    # the generator makes codes, the critic scores them
    assert model.net_.module_.generator[-1].out_features == model.embedding_.latent_dim
    again = TrajectoryGAN(max_epochs=2, random_state=0).fit(X)
    assert_allclose(again.sample(3, random_state=0), model.sample(3, random_state=0))


def test_the_gan_trains_on_the_standardised_codes(split, embedded):
    X = split[0]
    codes = embedded.embedding_.transform(X)
    assert_allclose(embedded._x_scaler.mean_, codes.mean(axis=0), atol=1e-6)
    assert embedded.net_.module_.critic.features[0][0].in_features == codes.shape[1]
    # the given embedding is cloned, not fitted in place
    assert not hasattr(embedded.get_params()["embedding"], "net_")


def test_sample_decodes_generated_codes_and_adds_a_training_rows_residual(split, embedded):
    X = split[0]
    assert_allclose(embedded.residuals_,
                    X - embedded.embedding_.inverse_transform(embedded.embedding_.transform(X)))
    model = copy.deepcopy(embedded)
    rows = model.sample(20, random_state=0)
    means = model.set_params(sample_noise=None).sample(20, random_state=0)
    added = rows - means
    distance = np.abs(added[:, None] - model.residuals_[None]).max(axis=-1).min(axis=1)
    assert distance.max() < 1e-10
    # the decoded codes: the embedding's inverse_transform of the generator's output
    rng = np.random.RandomState(0)
    rng.randint(np.iinfo(np.int32).max)  # the residuals' seed
    z = rng.standard_normal((20, model.latent_dim))
    generator = copy.deepcopy(model.net_.module_.generator).to(torch.float64)
    with torch.no_grad():
        codes = model._x_scaler.inverse_transform(generator(torch.as_tensor(z)).numpy())
    assert_allclose(means, model.embedding_.inverse_transform(codes), rtol=1e-10, atol=1e-10)


def test_any_transformer_with_an_inverse_can_embed(split):
    X = split[0]
    model = quick("TrajectoryGAN", embedding=PCA(n_components=5)).fit(X)
    pca = PCA(n_components=5).fit(X)
    assert_allclose(model.residuals_, X - pca.inverse_transform(pca.transform(X)), atol=1e-10)
    assert model.sample(4, random_state=0).shape == (4, X.shape[1])


@pytest.mark.parametrize("embedding, match", [
    ("pca", r"'embedding' parameter of TrajectoryGAN must be"),
    (StandardScaler, r"'embedding' parameter of TrajectoryGAN must be"),
    (KMeans(2), r"'embedding' parameter of TrajectoryGAN must be"),  # no inverse_transform
])
def test_a_bad_embedding_is_named(split, embedding, match):
    with pytest.raises(InvalidParameterError, match=match):
        quick("TrajectoryGAN", embedding=embedding).fit(split[0])


@pytest.mark.slow
def test_samples_in_the_codes_obey_the_physics_better_than_on_whole_rows(shared_trajectories):
    X, _ = shared_trajectories("physics", 200, 0)
    embedding = BetaVAE(beta=10.0, pca_path=False, hidden_layer_sizes=(64, 32),
                        max_epochs=1000, random_state=0)
    settings = dict(max_epochs=200, lr=1e-3, random_state=0)
    embedded = TrajectoryGAN(embedding=embedding, **settings).fit(X)
    whole = TrajectoryGAN(embedding=None, **settings).fit(X)
    noise = TRAJECTORIES["physics"]["noise_std"]
    dt, g = TRAJECTORIES["physics"]["dt"], TRAJECTORIES["physics"]["g"]
    in_codes = np.median(pendulum_residual(embedded.sample(100, random_state=0), dt=dt, g=g))
    on_rows = np.median(pendulum_residual(whole.sample(100, random_state=0), dt=dt, g=g))
    assert in_codes < 1.5 * noise < on_rows
