"""The prior object of the latent models (pendsk/_latent/priors.py).

Checked against independent references: the moments of many draws, the
log-density of scipy's multivariate normal, scikit-learn's
GaussianMixture on the same codes.  How BetaVAE and PhysicsVAE use it is
tested in test_vae_prior.py and test_physics_vae.py.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture

from pendsk._latent.priors import MixturePrior

COV = np.array([[[1.0, 0.3], [0.3, 0.5]], [[0.2, 0.0], [0.0, 2.0]]])
PRIOR = MixturePrior([0.25, 0.75], [[0.0, 1.0], [3.0, -2.0]], COV)


def test_samples_have_the_mixtures_moments():
    draws = PRIOR.sample(400_000, random_state=0)
    assert draws.shape == (400_000, 2)
    mean, std = PRIOR.marginals()
    assert_allclose(draws.mean(0), mean, atol=0.01)
    assert_allclose(draws.std(0), std, rtol=0.01)
    # the marginals by hand: E[z] = sum w m, Var = sum w (var + m^2) - E^2
    assert_allclose(mean, [2.25, -1.25])
    assert_allclose(std ** 2, [0.25 * 1.0 + 0.75 * 0.2 + 0.25 * 0 + 0.75 * 9 - 2.25 ** 2,
                               0.25 * 0.5 + 0.75 * 2.0 + 0.25 * 1 + 0.75 * 4 - 1.25 ** 2])
    # the whole covariance, with the components' own: sum w (C + m m^T) - mu mu^T
    weights, means = PRIOR.weights_, PRIOR.means_
    expected = (np.einsum("k,kij->ij", weights, COV + means[:, :, None] * means[:, None, :])
                - np.outer(mean, mean))
    assert_allclose(np.cov(draws.T), expected, atol=0.02)


def test_sample_is_seeded_and_in_random_order():
    assert_array_equal(PRIOR.sample(50, random_state=3), PRIOR.sample(50, random_state=3))
    assert not np.allclose(PRIOR.sample(50, random_state=3), PRIOR.sample(50, random_state=4))
    # not grouped by component: the first half is not all from one component
    first = PRIOR.sample(1000, random_state=0)[:500, 0]
    assert 0.1 < np.mean(first < 1.5) < 0.4


def test_score_samples_is_the_mixture_log_density():
    z = np.random.default_rng(0).normal(size=(7, 2))
    density = (0.25 * multivariate_normal([0.0, 1.0], COV[0]).pdf(z)
               + 0.75 * multivariate_normal([3.0, -2.0], COV[1]).pdf(z))
    assert_allclose(PRIOR.score_samples(z), np.log(density), rtol=1e-12)


def test_standard_normal_and_gaussian():
    standard = MixturePrior.standard_normal(3)
    assert_array_equal(standard.weights_, [1.0])
    assert_array_equal(standard.means_, np.zeros((1, 3)))
    assert_array_equal(standard.covariances_, np.eye(3)[None])
    z = np.random.default_rng(0).standard_normal((4, 3))
    assert_allclose(standard.score_samples(z),
                    -0.5 * (z ** 2).sum(1) - 1.5 * np.log(2 * np.pi), rtol=1e-12)
    gaussian = MixturePrior.gaussian([1.0, -2.0], [0.5, 3.0])
    assert_array_equal(gaussian.mode(), [1.0, -2.0])
    mean, std = gaussian.marginals()
    assert_allclose(mean, [1.0, -2.0]) and assert_allclose(std, [0.5, 3.0])
    # one component: the draws are the mean plus std times standard normals
    rng_draws = np.random.RandomState(5).standard_normal((6, 2))
    assert_allclose(gaussian.sample(6, random_state=5), [1.0, -2.0] + [0.5, 3.0] * rng_draws)


def test_mode_is_the_heaviest_components_mean():
    assert_array_equal(PRIOR.mode(), [3.0, -2.0])
    assert PRIOR.n_components == 2 and PRIOR.n_latents == 2


def test_fit_is_scikit_learns_mixture_on_the_codes():
    codes = np.random.default_rng(0).normal(size=(300, 2)) * [1.0, 0.1] + [5.0, 0.0]
    prior = MixturePrior.fit(codes, 3, random_state=0)
    assert isinstance(prior.mixture_, GaussianMixture)
    assert prior.mixture_.covariance_type == "full" and prior.mixture_.converged_
    reference = GaussianMixture(3, covariance_type="full", random_state=0,
                                reg_covar=1e-6 * max(1.0, codes.var(0).max())).fit(codes)
    assert_allclose(prior.means_, reference.means_)
    assert_allclose(prior.score_samples(codes), reference.score_samples(codes), rtol=1e-10)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fit_caps_the_components_and_survives_collapsed_codes():
    assert MixturePrior.fit(np.random.default_rng(0).normal(size=(4, 2)), 20).n_components == 4
    # identical codes: the regularised covariances keep the prior usable
    collapsed = MixturePrior.fit(np.ones((30, 2)), 5, random_state=0)
    assert_allclose(collapsed.sample(100, random_state=0), 1.0, atol=0.01)


@pytest.mark.parametrize("prior", [PRIOR, MixturePrior.standard_normal(2)])
def test_a_prior_pickles(prior):
    import pickle

    again = pickle.loads(pickle.dumps(prior))
    assert_array_equal(again.sample(5, random_state=1), prior.sample(5, random_state=1))


def test_update_refits_from_the_current_components_without_changing_them():
    rng = np.random.default_rng(0)
    codes = np.r_[rng.normal(-2.0, 0.5, (300, 2)), rng.normal(2.0, 0.5, (300, 2))]
    prior = MixturePrior.fit(codes, 2, random_state=0)
    means = prior.means_.copy()
    moved = prior.update(codes + 0.3)
    assert moved is not prior
    assert_array_equal(prior.means_, means)  # the old prior is intact
    # EM from the fitted components: few iterations, same components moved
    assert moved.mixture_.n_iter_ < prior.mixture_.n_iter_ + 5
    assert moved.mixture_.n_iter_ <= 10
    assert_allclose(np.sort(moved.means_, axis=0), np.sort(means, axis=0) + 0.3, atol=0.05)
    # and what scikit-learn's warm start gives, by its own hand
    reference = GaussianMixture(2, covariance_type="full", random_state=0,
                                reg_covar=prior.mixture_.reg_covar, warm_start=True)
    reference.fit(codes)
    reference.fit(codes + 0.3)
    assert_allclose(moved.means_, reference.means_, rtol=1e-6)


def test_update_fits_anew_a_prior_given_by_its_parameters_or_too_few_codes():
    rng = np.random.default_rng(1)
    codes = rng.normal(size=(50, 2))
    fitted = MixturePrior.standard_normal(2).update(codes)
    assert fitted.mixture_ is not None
    assert_allclose(fitted.means_[0], codes.mean(0), atol=1e-9)
    many = MixturePrior.fit(rng.normal(size=(500, 2)), 8, random_state=0)
    assert many.update(codes[:5]).n_components == 5
