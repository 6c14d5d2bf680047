"""The latent models' likelihood (``score`` / ``score_samples``) and what
``sample`` draws (issue 24).

``score_samples`` is an importance-weighted estimate of log p(x) (Burda et
al. 2016).  Checked against closed forms: a VAE whose networks are affine
(``activation="identity"``) is a linear Gaussian model whose marginal
likelihood is exact; on rows drawn from a probabilistic-PCA model, the
default BetaVAE scores within a nat per row of ``PCA.score``.  Then what
``sample`` adds to the decoded codes (``sample_noise``), the start from
PCA by the number of rows (``pca_path="auto"``), the warning on collapsed
codes, and PhysicsVAE's fitted prior, which keeps sampled parameters in
the data's range.
"""

import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import ks_2samp, multivariate_normal
from sklearn.decomposition import PCA

from pendsk import BetaVAE, PhysicsVAE
from pendsk.datasets import make_pendulum
from pendsk.exceptions import CollapseWarning


def _ppca_rows(n_rows, n_features=30, n_latent=3, noise=0.3, seed=0):
    """Rows of a probabilistic-PCA model: ``W z + mu + noise``."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(size=(n_features, n_latent)) * np.linspace(3.0, 1.0, n_latent)
    return (rng.normal(size=(n_rows, n_latent)) @ loadings.T
            + noise * rng.normal(size=(n_rows, n_features)) + 5.0)


@pytest.fixture(scope="module")
def linear_vae():
    """A VAE with affine networks, trained on probabilistic-PCA rows."""
    X = _ppca_rows(400, n_features=20)
    vae = BetaVAE(latent_dim=3, activation="identity", hidden_layer_sizes=(16,),
                  pca_path=False, max_epochs=150, random_state=0).fit(X[:200])
    return vae, X[200:]


def _exact_log_likelihood(vae, X):
    """log p(x) of the affine VAE: x ~ N(c, A A' + diag(s^2)) in
    standardised units, shifted to the units of X."""
    module = vae.net_.module_.to(torch.float64)
    with torch.no_grad():
        codes = torch.cat([torch.zeros(1, 3, dtype=torch.float64),
                           torch.eye(3, dtype=torch.float64)])
        decoded = module.decode(codes).numpy()
        scale = np.exp(module.log_scale.numpy())
    module.to(torch.float32)
    offset, columns = decoded[0], (decoded[1:] - decoded[0]).T
    covariance = columns @ columns.T + np.diag(scale ** 2)
    Xs = vae._x_scaler.transform(X)
    return (multivariate_normal(offset, covariance).logpdf(Xs)
            - np.log(vae._x_scaler.scale_).sum())


def test_score_samples_is_the_exact_log_likelihood_of_a_linear_model(linear_vae):
    vae, X_test = linear_vae
    exact = _exact_log_likelihood(vae, X_test)
    estimate = vae.score_samples(X_test)
    # importance sampling with 256 draws: within a hundredth of a nat per row
    assert np.abs(estimate - exact).max() < 0.01 * np.abs(exact).mean()
    assert abs(vae.score(X_test) - exact.mean()) < 0.05


def test_the_elbo_of_the_same_model_is_looser(linear_vae):
    vae, X_test = linear_vae
    exact = _exact_log_likelihood(vae, X_test).mean()
    module = vae._module64()
    xs = torch.as_tensor(vae._x_scaler.transform(X_test))
    eps = torch.randn(256, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        # one importance sample per draw, averaged: the Monte-Carlo ELBO
        elbo = torch.stack([module.log_likelihood(xs, e[None]) for e in eps]).mean().item()
    elbo -= np.log(vae._x_scaler.scale_).sum()
    assert elbo < exact - 0.1
    assert vae.score(X_test) > elbo + 0.1


@pytest.mark.slow
def test_score_is_within_a_nat_per_row_of_pca_on_probabilistic_pca_rows():
    X = _ppca_rows(600, n_features=40)
    X_train, X_test = X[:200], X[200:]
    pca = PCA(n_components=3).fit(X_train)
    vae = BetaVAE(latent_dim=3, random_state=0).fit(X_train)
    assert vae.pca_path_  # 200 rows: the start from PCA
    assert abs(vae.score(X_test) - pca.score(X_test)) < 1.0


# --------------------------------------------------------------------------
# what sample draws
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def vae():
    X, _ = make_pendulum(120, n_steps=60, noise_std=0.02, noise_growth=0.0,
                         random_state=0)
    return BetaVAE(latent_dim=3, hidden_layer_sizes=(32,), max_epochs=30,
                   random_state=0).fit(X), X


def test_sample_adds_the_residual_of_a_training_row(vae):
    model, X = vae
    assert model.residuals_.shape == X.shape
    reconstructed = model.inverse_transform(model.transform(X))
    # (from the float32 rows that training saw)
    assert_allclose(model.residuals_, X - reconstructed, atol=1e-6)
    rows = model.sample(50, random_state=0)
    means = model.inverse_transform(model.prior_.sample(50, np.random.RandomState(0)))
    added = rows - means
    # each row's noise is one training row's whole residual
    distance = np.abs(added[:, None] - model.residuals_[None]).max(axis=-1).min(axis=1)
    assert distance.max() < 1e-10


@pytest.mark.parametrize("noise", ["gaussian", None])
def test_sample_noise_gaussian_or_none(vae, noise):
    model, _ = vae
    fitted = pickle_copy(model)
    fitted.set_params(sample_noise=noise)
    rows = fitted.sample(400, random_state=0)
    means = fitted.inverse_transform(fitted.prior_.sample(400, np.random.RandomState(0)))
    if noise is None:
        assert_array_equal(rows, means)
    else:
        spread = (rows - means).std(axis=0)
        assert_allclose(spread, fitted.noise_std_, rtol=0.25)


def pickle_copy(model):
    import pickle
    return pickle.loads(pickle.dumps(model))


def test_sample_noise_is_checked_where_it_is_read(vae):
    model = pickle_copy(vae[0])
    model.set_params(sample_noise="white")
    with pytest.raises(ValueError, match="sample_noise"):
        model.sample(2)


def test_residuals_of_many_rows_are_a_subset_of_a_thousand():
    X, _ = make_pendulum(1100, n_steps=8, dt=0.1, noise_std=0.01, noise_growth=0.0,
                         random_state=0)
    model = BetaVAE(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=1,
                    random_state=0).fit(X)
    assert model.residuals_.shape == (1000, 8)


def test_the_pca_start_is_chosen_by_the_number_of_rows():
    X, _ = make_pendulum(260, n_steps=20, dt=0.1, random_state=0)
    settings = dict(latent_dim=2, hidden_layer_sizes=(8,), max_epochs=1, random_state=0)
    assert BetaVAE(**settings).fit(X[:249]).pca_path_
    assert not BetaVAE(**settings).fit(X[:250]).pca_path_
    assert BetaVAE(pca_path=True, **settings).fit(X).pca_path_
    # a warm start keeps the first fit's choice
    warm = BetaVAE(warm_start=True, **settings).fit(X[:100])
    assert warm.fit(X).pca_path_


def test_collapsed_codes_warn_and_name_the_remedies():
    X, _ = make_pendulum(200, n_steps=40, dt=0.1, noise_std=0.01, noise_growth=0.0,
                         random_state=0)
    with pytest.warns(CollapseWarning, match=r"uses 0 of its 3 codes.*Lower beta.*capacity.*"
                                             r"pca_path=True"):
        BetaVAE(latent_dim=3, beta=1e4, pca_path=False, hidden_layer_sizes=(16,),
                max_epochs=30, random_state=0).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CollapseWarning)
        BetaVAE(latent_dim=3, hidden_layer_sizes=(16,), max_epochs=30,
                random_state=0).fit(X)


@pytest.mark.slow
def test_physics_vae_samples_stay_in_the_range_of_the_data():
    X, factors = make_pendulum(300, n_steps=100, dt=0.05, g=10.0, noise_std=0.01,
                               noise_growth=0.0, random_state=0)
    vae = PhysicsVAE(aux_dim=1, dt=0.05, max_epochs=40, random_state=0).fit(X)
    theta0 = vae.prior_.sample(4000, random_state=0)[:, 0]
    gaussian = np.random.default_rng(0).normal(vae.prior_mean_[0], vae.prior_std_[0], 4000)
    low, high = factors[:, 0].min() - 0.05, factors[:, 0].max() + 0.05

    def outside(draws):
        return np.mean((draws < low) | (draws > high))

    # the Gaussian prior of training puts 5.5 % of its starting angles more
    # than 0.05 rad beyond the data's range, the fitted prior 1.3 %
    assert outside(theta0) < 0.4 * outside(gaussian)
    assert ks_2samp(theta0, factors[:, 0]).statistic < 0.5 * ks_2samp(
        gaussian, factors[:, 0]).statistic
