"""Generation on request (issue 27): class-conditional BetaVAE and
TrajectoryGAN, and PhysicsVAE with physical latents fixed or in a range.

``fit(X, y)`` with class labels makes a generator conditional: BetaVAE fits
one prior of codes per class on its shared network, TrajectoryGAN is a
conditional GAN (the generator sees the one-hot label, the critic
projects it and classifies rows, as AC-GAN); ``sample`` then
takes the classes to generate and returns them beside the rows, as
``GaussianMixture.sample`` does.  ``fit(X)`` keeps the unconditional model.
PhysicsVAE's ``sample`` takes ``theta0``, ``omega0`` and
``natural_frequency`` as values or ranges; the other latents come from the
fitted mixture's exact conditional.
"""

import numpy as np
import torch
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import multivariate_normal

from pendsk import BetaVAE, PhysicsVAE, TrajectoryGAN
from pendsk._latent.priors import MixturePrior
from pendsk.datasets import make_pendulum
from pendsk.metrics import pendulum_residual

G, DT = 10.0, 0.05


@pytest.fixture(scope="module")
def lengths():
    """Pendulum rows labelled by their length: short (L < 1.75 m) or long."""
    X, factors = make_pendulum(240, n_steps=100, dt=DT, g=G, noise_std=0.01,
                               noise_growth=0.0, random_state=0)
    return X, np.where(factors[:, 2] < 1.75, "short", "long"), factors


@pytest.fixture(scope="module")
def vae(lengths):
    X, y, _ = lengths
    return BetaVAE(latent_dim=3, hidden_layer_sizes=(32,), max_epochs=60, lr=5e-3,
                   random_state=0).fit(X, y)


def _fitted_lengths(rows):
    return pendulum_residual(rows, dt=DT, g=G, return_factors=True)[1][:, 2]


# -- BetaVAE: one prior of codes per class --------------------------------------

def test_labels_make_one_prior_per_class(vae, lengths):
    X, y, _ = lengths
    assert_array_equal(vae.classes_, ["long", "short"])
    assert_allclose(vae.class_weights_, [np.mean(y == "long"), np.mean(y == "short")])
    assert len(vae.class_priors_) == 2
    assert all(isinstance(prior, MixturePrior) for prior in vae.class_priors_)
    # the class's prior is fitted to its rows' codes
    codes = vae.transform(X)
    for prior, label in zip(vae.class_priors_, vae.classes_):
        assert_allclose(prior.marginals()[0], codes[y == label].mean(axis=0), atol=0.15)


def test_sample_returns_the_rows_and_their_classes(vae):
    rows, classes = vae.sample(20, random_state=0)
    assert rows.shape == (20, 100) and classes.shape == (20,)
    assert set(classes) <= {"long", "short"}
    rows, classes = vae.sample(5, random_state=0, y="long")
    assert_array_equal(classes, ["long"] * 5)
    asked = ["short", "long", "short"]
    assert_array_equal(vae.sample(3, random_state=1, y=asked)[1], asked)
    # seeded
    assert_array_equal(vae.sample(4, random_state=2, y="short")[0],
                       vae.sample(4, random_state=2, y="short")[0])


@pytest.mark.slow
def test_samples_of_a_class_have_that_classs_lengths(vae):
    short = np.median(_fitted_lengths(vae.sample(60, random_state=0, y="short")[0]))
    long_ = np.median(_fitted_lengths(vae.sample(60, random_state=0, y="long")[0]))
    assert short < 1.75 < long_


@pytest.mark.parametrize("y, match", [
    ("medium", r"y holds classes this BetaVAE was not fitted on: \['medium'"),
    (["long", "short"], r"y must be one class label or one per sample \(n_samples=3\)"),
    ([["long"] * 3], r"y must be one class label or one per sample"),
])
def test_bad_requested_classes_are_named(vae, y, match):
    with pytest.raises(ValueError, match=match):
        vae.sample(3, y=y)


def test_without_labels_the_model_is_unconditional_and_refuses_y(lengths):
    X, _, _ = lengths
    model = BetaVAE(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=2,
                    random_state=0).fit(X)
    assert not hasattr(model, "classes_") and not hasattr(model, "class_priors_")
    assert model.sample(3, random_state=0).shape == (3, 100)
    with pytest.raises(ValueError, match="fitted without class labels"):
        model.sample(3, y="long")


def test_continuing_keeps_to_the_first_fits_labels(lengths):
    X, y, _ = lengths
    settings = dict(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=2, random_state=0)
    conditional = BetaVAE(**settings).fit(X, y)
    with pytest.raises(ValueError, match="was fitted with class labels y; pass y"):
        conditional.partial_fit(X)
    with pytest.raises(ValueError, match=r"classes the first fit did not see: \['mid'\]"):
        conditional.partial_fit(X[:3], ["mid", "long", "long"])
    conditional.partial_fit(X[:10], y[:10])
    counts = np.array([np.sum(y == "long"), np.sum(y == "short")])
    counts += [np.sum(y[:10] == "long"), np.sum(y[:10] == "short")]
    assert_allclose(conditional.class_weights_, counts / counts.sum())
    plain = BetaVAE(**settings).fit(X)
    with pytest.raises(ValueError, match="fitted without class labels; fit it anew"):
        plain.partial_fit(X, y)
    # a new fit forgets the labels
    assert not hasattr(BetaVAE(**settings).fit(X, y).fit(X), "classes_")


def test_continuous_labels_are_refused(lengths):
    X, _, factors = lengths
    with pytest.raises(ValueError, match="Unknown label type"):
        BetaVAE(latent_dim=2, max_epochs=1).fit(X, factors[:, 2])


def test_held_out_rows_are_split_by_class():
    X, factors = make_pendulum(60, n_steps=20, dt=0.1, random_state=0)
    y = np.r_[np.zeros(50, int), np.ones(10, int)]
    model = BetaVAE(latent_dim=2, hidden_layer_sizes=(8,), pca_path=True, max_epochs=2,
                    early_stopping=True, validation_fraction=0.2, random_state=0).fit(X, y)
    # every class kept training rows for its prior
    assert len(model.class_priors_) == 2


# -- TrajectoryGAN: a conditional GAN ------------------------------------------------

@pytest.fixture(scope="module")
def gan(lengths):
    X, y, _ = lengths
    embedding = BetaVAE(latent_dim=3, hidden_layer_sizes=(32,), max_epochs=30,
                        random_state=0)
    return TrajectoryGAN(embedding=embedding, hidden_layer_sizes=(32, 32), max_epochs=60,
                         random_state=0).fit(X, y)


def test_the_conditional_gan_sees_the_label(gan):
    # the generator a one-hot label beside its noise, the critic a
    # projection of the label's embedding (its input: the codes alone)
    module = gan.net_.module_
    assert module.n_classes == 2
    assert module.generator[0].in_features == gan.latent_dim + 2
    assert module.critic.features[0][0].in_features == gan.embedding_.latent_dim
    assert module.critic.projection.num_embeddings == 2
    codes = torch.zeros(1, gan.embedding_.latent_dim)
    with torch.no_grad():
        scores = [module.critic(codes, torch.tensor([k])).item() for k in (0, 1)]
    assert scores[0] != scores[1]


def test_the_critics_auxiliary_classifier_learns_the_classes(gan, lengths):
    # AC-GAN: the critic's class head is trained on the real codes (and the
    # generator to make codes it assigns to the class asked for)
    X, y, _ = lengths
    module = gan.net_.module_
    assert module.critic.classify.out_features == 2
    codes = torch.as_tensor(gan._x_scaler.transform(gan.embedding_.transform(X)),
                            dtype=torch.float32)
    with torch.no_grad():
        predicted = module.critic.class_logits(codes).argmax(1).numpy()
    assert np.mean(gan.classes_[predicted] == y) > 0.9
    # (how well the samples follow their classes: benchmarks/bench_augment.py)


def test_the_conditional_gan_samples_rows_and_classes(gan):
    rows, classes = gan.sample(6, random_state=0, y="short")
    assert rows.shape == (6, 100)
    assert_array_equal(classes, ["short"] * 6)
    # a row does not depend on how many are drawn with it
    assert_allclose(gan.sample(1, random_state=3, y="long")[0],
                    gan.sample(4, random_state=3, y="long")[0][:1], rtol=1e-12, atol=1e-12)
    # the class changes the generated codes
    assert np.abs(gan.sample(5, random_state=0, y="short")[0]
                  - gan.sample(5, random_state=0, y="long")[0]).max() > 1e-3


def test_the_conditional_gan_scores_rows_of_their_classes(gan, lengths):
    X, y, _ = lengths
    assert np.isfinite(gan.score(X[:50], y[:50]))
    assert gan.score(X[:50]) == gan.score(X[:50])  # classes drawn from a fixed seed
    with pytest.raises(ValueError, match="y"):
        gan.score(X[:50], y[:10])


@pytest.mark.parametrize("loss", ["ns-r1", "wgan-gp", "wgan-clip"])
def test_every_loss_trains_a_conditional_gan_on_whole_rows(lengths, loss):
    X, y, _ = lengths
    model = TrajectoryGAN(loss=loss, embedding=None, hidden_layer_sizes=(8, 8), max_epochs=2,
                          early_stopping=True, random_state=0).fit(X, y)
    assert np.isfinite(model.history_[-1, "valid_loss"])
    assert model.sample(3, random_state=0, y="long")[0].shape == (3, 100)


# -- PhysicsVAE: physical latents fixed or in a range --------------------------------

@pytest.fixture(scope="module")
def physics(shared_trajectories):
    X, _ = shared_trajectories("physics", 200, 0)
    return PhysicsVAE(aux_dim=1, dt=DT, hidden_layer_sizes=(32,), max_epochs=40,
                      random_state=0).fit(X)


def test_sample_meets_a_fixed_angle_and_a_frequency_range(physics):
    rows = physics.sample(40, random_state=0, theta0=1.2, natural_frequency=(2.4, 2.6))
    _, fitted = pendulum_residual(rows, dt=DT, g=G, return_factors=True)
    assert np.abs(fitted[:, 0] - 1.2).max() < 0.01
    frequency = np.sqrt(G / fitted[:, 2])
    assert np.all((frequency > 2.4 * 0.99) & (frequency < 2.6 * 1.01))


def test_a_fixed_frequency_is_met_within_a_percent(physics):
    rows = physics.sample(30, random_state=1, natural_frequency=2.8)
    _, fitted = pendulum_residual(rows, dt=DT, g=G, return_factors=True)
    assert_allclose(np.sqrt(G / fitted[:, 2]), 2.8, rtol=0.01)


def test_the_other_latents_come_from_the_conditional_of_the_prior(physics):
    # decoded without noise, the fixed latent is exact and the rest follow
    # MixturePrior.sample_given
    model = physics.set_params(sample_noise=None)
    try:
        rows = model.sample(5, random_state=0, omega0=0.3)
        rng = np.random.RandomState(0)
        codes = model.prior_.sample_given({1: np.full(5, 0.3)}, rng)
        assert_allclose(rows, model.inverse_transform(codes), atol=1e-10)
    finally:
        physics.set_params(sample_noise="residuals")


def test_no_condition_is_the_plain_sample(physics):
    assert_array_equal(physics.sample(4, random_state=0),
                       super(PhysicsVAE, physics).sample(4, random_state=0))


@pytest.mark.parametrize("kwargs, match", [
    (dict(theta0=(1.0, 0.5)), r"'theta0' parameter of PhysicsVAE.sample must be"),
    (dict(omega0="fast"), r"'omega0' parameter of PhysicsVAE.sample must be"),
    (dict(natural_frequency=(40.0, 50.0)), r"puts 0 of \d+ draws in the requested range "
                                           r"\(natural_frequency in \[40, 50\]\)"),
    (dict(theta0=np.nan), r"'theta0' parameter of PhysicsVAE.sample must be"),
])
def test_bad_physical_requests_are_named(physics, kwargs, match):
    with pytest.raises(ValueError, match=match):
        physics.sample(3, random_state=0, **kwargs)


def test_the_conditional_of_one_gaussian_is_its_closed_form():
    mean, cov = np.array([1.0, -2.0]), np.array([[2.0, 0.6], [0.6, 0.5]])
    prior = MixturePrior(np.ones(1), mean[None], cov[None])
    codes = prior.sample_given({0: np.full(20000, 2.0)}, random_state=0)
    assert_array_equal(codes[:, 0], 2.0)
    assert_allclose(codes[:, 1].mean(), -2.0 + 0.6 / 2.0 * (2.0 - 1.0), atol=0.01)
    assert_allclose(codes[:, 1].var(), 0.5 - 0.6 ** 2 / 2.0, rtol=0.03)


def test_the_conditional_of_a_mixture_weighs_its_components_by_the_fixed_value():
    weights = np.array([0.5, 0.5])
    means = np.array([[0.0, 0.0], [3.0, 10.0]])
    covs = np.array([np.eye(2), np.eye(2)])
    prior = MixturePrior(weights, means, covs)
    value = 1.0
    codes = prior.sample_given({0: np.full(40000, value)}, random_state=0)
    density = [multivariate_normal(m[0], 1.0).pdf(value) for m in means]
    share_second = density[1] / sum(density)
    assert_allclose(np.mean(codes[:, 1] > 5.0), share_second, atol=0.01)
