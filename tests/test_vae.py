"""BetaVAE: what is specific to the β-variational autoencoder.

The learning requirements first (held-out reconstruction, a likelihood
that means something, latent traversals, sampling), then the ELBO's
bookkeeping (β-independence, units, determinism), the API of the codes
(transform, inverse_transform, traverse and their bad inputs), capacity
annealing, a changed β on a warm start and scikit-learn composition.  The
machinery every neural estimator shares (seeding, sample's seeding,
validation, warm starts, the caller's state) is tested in test_base.py on
all five; pickling in test_persistence.py; scikit-learn's generic checks
run in test_common.py.

Models are fitted once per session and shared (conftest.shared_fit): what
needs a trained VAE uses the LEARN runs (the slow tests, the β = 1 one
shared with test_vae_prior.py), the rest a QUICK one (shared with it too).
"""

import copy
import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from conftest import DT, N_STEPS, learn, quick
from pendsk import BetaVAE, PendulumSimulator
from pendsk._latent.vae_network import total_correlation


@pytest.fixture(scope="module")
def split(shared_trajectories):
    """Training (200) and held-out (100) "clean" trajectories with their
    physical factors."""
    return (*shared_trajectories("clean", 200, 0), *shared_trajectories("clean", 100, 1))


@pytest.fixture(scope="module")
def vae(split, shared_fit):
    """A plain VAE (β = 1) trained on the training trajectories."""
    return shared_fit(learn("BetaVAE", beta=1.0), split[0])


@pytest.fixture(scope="module")
def vae4(split, shared_fit):
    """A β = 4 VAE trained on the same trajectories."""
    return shared_fit(learn("BetaVAE", beta=4.0), split[0])


@pytest.fixture(scope="module")
def tiny(split, shared_fit):
    """A briefly trained VAE, for what does not need a good model."""
    return shared_fit(quick("BetaVAE"), split[0])


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

@pytest.mark.slow
@pytest.mark.parametrize("name", ["vae", "vae4"])
def test_reconstructs_held_out_trajectories(name, request, split):
    model = request.getfixturevalue(name)
    X, _, X_test, _ = split
    reconstruction = model.inverse_transform(model.transform(X_test))
    baseline = _rmse(X_test, X.mean(axis=0))  # predict the mean trajectory
    assert _rmse(X_test, reconstruction) < 0.25 * baseline


@pytest.mark.slow
def test_likelihood_prefers_real_trajectories_to_time_shuffled_ones(vae, split):
    _, _, X_test, _ = split
    order = np.random.RandomState(0).permutation(N_STEPS)
    shuffled = X_test[:, order]
    # same values, same per-row distribution of angles, but no trajectory
    # shape
    assert vae.score(X_test) > vae.score(shuffled) + 100
    assert np.all(vae.score_samples(X_test) > vae.score_samples(shuffled))


@pytest.mark.slow
def test_traversing_an_active_dimension_changes_the_trajectory_monotonically(vae4, split):
    X, *_ = split
    variances = vae4.transform(X).var(axis=0)
    dim = int(np.argmax(variances))
    assert variances[dim] > 0.5  # an active dimension
    values = np.linspace(-2, 2, 9)
    rows = vae4.traverse(dim, values=values)
    assert rows.shape == (9, N_STEPS)
    # every step along the dimension moves the trajectory...
    steps = np.abs(np.diff(rows, axis=0)).mean(axis=1)
    assert np.all(steps > 1e-2)
    # ...and away from where it started
    from_first = np.sqrt(((rows - rows[0]) ** 2).mean(axis=1))
    assert np.all(np.diff(from_first) > 0)
    assert from_first[-1] > 0.5


@pytest.mark.slow
def test_samples_have_the_datas_mean_trajectory(vae4, split):
    X, *_ = split
    samples = vae4.sample(2000, random_state=0)
    # per time step within 0.3 rad of the data's mean (within the data's
    # own per-step spread) ...
    assert_allclose(samples.mean(axis=0), X.mean(axis=0), rtol=0, atol=0.3)
    # ... and about the data's spread
    assert_allclose(samples.std(axis=0) / X.std(axis=0), 1.0, atol=0.5)
    # a sample is a trajectory, not the mean plus white noise: consecutive
    # steps are strongly correlated, as in the data
    lag1 = np.mean([np.corrcoef(samples[:, t], samples[:, t + 1])[0, 1]
                    for t in range(N_STEPS - 1)])
    assert lag1 > 0.9


# --------------------------------------------------------------------------
# the start from probabilistic PCA
# --------------------------------------------------------------------------

class _Frozen(Callback):
    """Sets every learning rate to 0, so a fit keeps the starting weights."""

    def on_batch_begin(self, net, **kwargs):
        for group in net.optimizer_.param_groups:
            group["lr"] = 0.0


@pytest.mark.parametrize("scale", [1.0, 1e3])
def test_training_starts_from_pca_in_the_units_of_X(split, scale):
    X = split[0] * np.linspace(0.5, 2.0, N_STEPS) * scale  # unequal step variances
    X_test = split[2] * np.linspace(0.5, 2.0, N_STEPS) * scale
    model = BetaVAE(latent_dim=3, hidden_layer_sizes=(16,), max_epochs=1,
                    early_stopping=False, callbacks=[_Frozen()], random_state=0).fit(X)
    pca = PCA(3).fit(X)
    # codes: whitened principal scores (up to each axis's sign)
    codes, scores = model.transform(X_test), pca.transform(X_test)
    signs = np.sign(np.sum(codes * scores, axis=0))
    assert_allclose(codes * signs, scores / np.sqrt(pca.explained_variance_),
                    rtol=1e-5, atol=1e-5)
    # reconstructions: PCA's, in the units of X (not of standardised rows)
    assert_allclose(model.inverse_transform(codes),
                    pca.inverse_transform(scores), rtol=1e-5, atol=1e-5 * scale)
    # the decoder's noise: the PCA residual's spread at each step
    residual = X - pca.inverse_transform(pca.transform(X))
    learned = np.exp(model.net_.module_.log_scale.detach().numpy()) * model._x_scaler.scale_
    assert_allclose(learned, residual.std(axis=0), rtol=1e-4)


def test_fewer_rows_than_codes_start_from_the_axes_they_span(split):
    X = split[0][:3]  # 3 rows: 2 principal axes, 4 codes
    model = BetaVAE(latent_dim=4, hidden_layer_sizes=(8,), max_epochs=1,
                    early_stopping=False, callbacks=[_Frozen()], random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.fit(X)
    basis = model.net_.module_.decode_basis.numpy()
    assert (np.abs(basis[:, :2]).sum(axis=0) > 0).all()
    assert_array_equal(basis[:, 2:], 0.0)  # codes beyond the rows' rank decode to nothing
    assert_allclose(model.inverse_transform(model.transform(X)), X, atol=1e-3)


def test_steps_of_nearly_no_spread_start_without_pca_and_train():
    X = np.full((3, N_STEPS), 2.78502867e-147)  # found by the fuzz tests
    X[0, :3] = [0.0, 1.0, 1.0]
    model = BetaVAE(latent_dim=3, hidden_layer_sizes=(16,), max_epochs=5, lr=1e-2,
                    random_state=0).fit(X)
    assert_array_equal(model.net_.module_.decode_basis.numpy(), 0.0)
    assert np.isfinite(model.inverse_transform(model.transform(X))).all()


def test_without_the_pca_path_training_starts_from_random_weights(split):
    X = split[0]
    model = BetaVAE(latent_dim=3, hidden_layer_sizes=(16,), max_epochs=1, pca_path=False,
                    callbacks=[_Frozen()], random_state=0).fit(X)
    assert not hasattr(model.net_.module_, "decode_basis")
    pca = PCA(3).fit(X)
    pca_rmse = _rmse(X, pca.inverse_transform(pca.transform(X)))
    assert _rmse(X, model.inverse_transform(model.transform(X))) > 5 * pca_rmse


@pytest.mark.slow
def test_training_improves_on_its_pca_start(vae, split):
    X, _, X_test, _ = split
    pca = PCA(vae.latent_dim).fit(X)
    pca_rmse = _rmse(X_test, pca.inverse_transform(pca.transform(X_test)))
    assert _rmse(X_test, vae.inverse_transform(vae.transform(X_test))) < 0.8 * pca_rmse


# --------------------------------------------------------------------------
# The ELBO: score and score_samples
# --------------------------------------------------------------------------

def test_score_is_the_mean_elbo_and_ignores_beta_changed_after_fit(tiny, split):
    _, _, X_test, _ = split
    model = copy.deepcopy(tiny)
    elbo = model.score_samples(X_test)
    assert elbo.shape == (len(X_test),) and elbo.dtype == np.float64
    assert np.all(np.isfinite(elbo))
    assert model.score(X_test) == pytest.approx(np.mean(elbo), rel=1e-12)
    # the ELBO is always the β = 1 bound, whatever β says now
    model.set_params(beta=10.0)
    assert_array_equal(model.score_samples(X_test), elbo)
    assert model.score(X_test) == tiny.score(X_test)


def test_score_samples_is_deterministic_and_row_independent(tiny, split):
    _, _, X_test, _ = split
    elbo = tiny.score_samples(X_test)
    assert_array_equal(tiny.score_samples(X_test), elbo)
    order = np.random.RandomState(0).permutation(len(X_test))
    assert_allclose(tiny.score_samples(X_test[order]), elbo[order], rtol=1e-10)
    assert_allclose(tiny.score_samples(X_test[7:19]), elbo[7:19], rtol=1e-10)
    assert_allclose(tiny.score_samples(X_test[3:4]), elbo[3:4], rtol=1e-10)


@pytest.mark.parametrize("c", [3.0, 0.25])
def test_elbo_is_a_density_in_the_units_of_X(tiny, split, c):
    X, _, X_test, _ = split
    # the inputs are standardised, so the fit on c·X is the same network
    scaled = quick("BetaVAE").fit(c * X)
    assert_allclose(scaled.transform(c * X_test), tiny.transform(X_test), atol=1e-6)
    # and its density of c·x is that of x divided by c in each of the
    # n_steps coordinates
    assert_allclose(scaled.score_samples(c * X_test),
                    tiny.score_samples(X_test) - N_STEPS * np.log(c), rtol=0, atol=1e-3)


# --------------------------------------------------------------------------
# traverse
# --------------------------------------------------------------------------

def test_traverse_defaults_to_five_values_from_minus_two_to_two(split):
    # with the article's N(0, I) prior (tests/test_vae_prior.py: the fitted one)
    tiny = quick("BetaVAE", prior="standard").fit(split[0])
    rows = tiny.traverse(1)
    assert rows.shape == (5, N_STEPS) and rows.dtype == np.float64
    assert_array_equal(rows, tiny.traverse(1, values=np.linspace(-2, 2, 5)))
    # the other dimensions stay at the prior mean: zeros
    codes = np.zeros((5, 3))
    codes[:, 1] = np.linspace(-2, 2, 5)
    assert_allclose(rows, tiny.inverse_transform(codes), rtol=1e-12, atol=1e-12)
    assert tiny.traverse(np.int64(2), values=[0.5]).shape == (1, N_STEPS)


def test_traverse_starts_from_the_given_code(tiny, split):
    X, *_ = split
    z = tiny.transform(X[:1])[0]
    for dim in range(3):
        assert_array_equal(tiny.traverse(dim, values=[z[dim]], z=z),
                           tiny.inverse_transform(z[None]))
    moved = tiny.traverse(0, values=[-1.0, 1.0], z=z)
    expected = np.array([z, z])
    expected[:, 0] = [-1.0, 1.0]
    assert_allclose(moved, tiny.inverse_transform(expected), rtol=1e-12, atol=1e-12)
    assert not np.allclose(moved, tiny.traverse(0, values=[-1.0, 1.0]))


@pytest.mark.parametrize("kwargs, match", [
    (dict(dim=-1), "'dim' parameter of BetaVAE.traverse must be an int"),
    (dict(dim=1.5), "'dim' parameter of BetaVAE.traverse must be an int"),
    (dict(dim=3), r"dim must be in \[0, 3\) \(the fitted latent_dim\), got 3"),
    (dict(dim=0, z=[0.0, 0.0]), "z has 2 columns, but BetaVAE was fitted with latent_dim=3"),
    (dict(dim=0, z=[0.0, np.nan, 0.0]), "Input z contains NaN"),
    (dict(dim=0, values=[0.0, np.nan]), "Input values contains NaN"),
    (dict(dim=0, values=[0.0, np.inf]), "Input values contains infinity"),
])
def test_traverse_rejects_bad_arguments(tiny, kwargs, match):
    with pytest.raises(ValueError, match=match):
        tiny.traverse(**kwargs)


# --------------------------------------------------------------------------
# transform, inverse_transform, feature names
# --------------------------------------------------------------------------

def test_transform_gives_one_code_per_row_with_feature_names(tiny, split):
    _, _, X_test, _ = split
    Z = tiny.transform(X_test)
    assert Z.shape == (len(X_test), 3) and Z.dtype == np.float64
    assert_array_equal(tiny.get_feature_names_out(), ["betavae0", "betavae1", "betavae2"])
    decoded = tiny.inverse_transform(Z)
    assert decoded.shape == X_test.shape and decoded.dtype == np.float64


def test_refined_codes_explain_each_row_better(tiny, split):
    # BetaVAE(refine_steps=...) refines through the same LatentNetwork.refine
    # as PhysicsVAE (tested in test_physics_vae.py)
    _, _, X_test, _ = split
    vae = copy.deepcopy(tiny)
    amortised = vae.transform(X_test)
    refined = vae.set_params(refine_steps=50).transform(X_test)
    net = vae._module64()
    x = torch.as_tensor(vae._x_scaler.transform(X_test))
    with torch.no_grad():
        before = net.log_joint(x, torch.as_tensor(amortised)).numpy()
        after = net.log_joint(x, torch.as_tensor(refined)).numpy()
    # (each step weighted by the decoder's learned noise there: the RMSE in
    # the units of X need not fall with it on a briefly trained model)
    assert np.all(after > before)
    with pytest.raises(InvalidParameterError, match="refine_steps"):
        vae.set_params(refine_steps=-2).transform(X_test)


@pytest.mark.parametrize("bad, match", [
    (np.zeros((4, 2)), "X has 2 columns, but BetaVAE was fitted with latent_dim=3"),
    (np.zeros((4, 4)), "X has 4 columns, but BetaVAE was fitted with latent_dim=3"),
    (np.array([[0.0, np.nan, 0.0]]), "Input X contains NaN"),
    (np.zeros(3), "Expected 2D array, got 1D array"),
])
def test_inverse_transform_rejects_bad_codes(tiny, bad, match):
    with pytest.raises(ValueError, match=match):
        tiny.inverse_transform(bad)


# --------------------------------------------------------------------------
# capacity annealing (Burgess et al.)
# --------------------------------------------------------------------------

class _RecordCapacity(Callback):
    """Writes the loss's current capacity C into each epoch's history row
    (the net's loss settings of the epoch)."""

    def on_epoch_end(self, net, **kwargs):
        net.history.record("capacity", net.loss_settings_["capacity"])


def test_capacity_rises_linearly_then_stays(split):
    X, *_ = split
    model = quick("BetaVAE", max_epochs=12, capacity=(6.0, 8),
                  callbacks=[_RecordCapacity()]).fit(X)
    assert_allclose(model.history_[:, "capacity"],
                    6.0 * np.minimum(np.arange(12) / 8, 1.0), rtol=1e-12)
    assert model.net_.loss_settings_["capacity"] == pytest.approx(6.0 * min(11 / 8, 1.0))
    # a warm start continues the ramp where it stopped
    half = quick("BetaVAE", max_epochs=3, capacity=(6.0, 8), warm_start=True).fit(X)
    assert half.net_.loss_settings_["capacity"] == pytest.approx(6.0 * 2 / 8)
    half.fit(X)
    assert half.net_.loss_settings_["capacity"] == pytest.approx(6.0 * 5 / 8)
    half.partial_fit(X)
    assert half.net_.loss_settings_["capacity"] == pytest.approx(6.0 * 6 / 8)


@pytest.mark.slow
def test_capacity_sets_the_kl_of_the_codes(split):
    X, *_ = split
    # C = 0 with a large γ: the posterior is pushed onto the prior and the
    # codes carry nothing
    closed = learn("BetaVAE", capacity=(0.0, 1), gamma=1000.0).fit(X)
    assert np.all(closed.transform(X).var(axis=0) < 0.05)
    assert _posterior_kl(closed, X) < 0.5
    assert closed.net_.loss_settings_["capacity"] == 0.0
    # C = 25 nats: the codes are used, and their KL reaches C
    opened = learn("BetaVAE", capacity=(25.0, 10), gamma=1000.0).fit(X)
    assert np.all(opened.transform(X).var(axis=0) > 0.5)
    assert _posterior_kl(opened, X) == pytest.approx(25.0, rel=0.1)
    assert opened.net_.loss_settings_["capacity"] == 25.0
    # the open code explains the data far better
    assert opened.score(X) > closed.score(X) + 20


@pytest.mark.parametrize("capacity", [(1,), (-1, 5), (1, 0), (1, 2.5), (1, 5, 2),
                                      (np.nan, 5), (np.inf, 5), (1, True), "a"])
def test_bad_capacity_is_rejected(split, capacity):
    X, *_ = split
    model = quick("BetaVAE", capacity=capacity)
    with pytest.raises(ValueError, match="capacity"):
        model.fit(X)
    assert not hasattr(model, "net_")
    with pytest.raises(ValueError, match="capacity"):
        model.partial_fit(X)


def test_capacity_accepts_a_list_and_numpy_numbers(split):
    X, *_ = split
    for capacity in ([2.0, 4], (np.float64(2.0), np.int64(4)), (2, 4)):
        model = quick("BetaVAE", capacity=capacity).fit(X)
        assert model.net_.loss_settings_["capacity"] == pytest.approx(2.0)


def test_tc_weight_reaches_the_loss_with_the_training_rows(split):
    X, *_ = split
    model = quick("BetaVAE", tc_weight=5.0, early_stopping=True,
                  validation_fraction=0.25).fit(X)
    assert model.net_.loss_settings_["tc_weight"] == 5.0
    assert model.net_.loss_settings_["dataset_size"] == 150  # the rows it trains on
    assert model.set_params(tc_weight=0.0).fit(X).net_.loss_settings_["tc_weight"] == 0.0
    with pytest.raises(InvalidParameterError, match="'tc_weight' parameter"):
        quick("BetaVAE", tc_weight=-1.0).fit(X)


@pytest.mark.slow
def test_tc_weight_lowers_the_total_correlation_of_the_codes(vae, split):
    X, *_ = split

    def tc(model):
        # the codes' total correlation on the training rows, one draw each
        Xs = torch.as_tensor(model._x_scaler.transform(X))
        module = model._module64()
        with torch.no_grad():
            mean, log_var = module.encode(Xs)
            z = mean + torch.randn(mean.shape, generator=torch.Generator().manual_seed(0),
                                   dtype=mean.dtype) * torch.exp(0.5 * log_var)
            return total_correlation(z, mean, log_var, len(X)).item()
    plain = vae  # the same run as learn("BetaVAE", beta=1.0).fit(X)
    penalised = learn("BetaVAE", beta=1.0, tc_weight=9.0).fit(X)
    assert tc(penalised) < 0.7 * tc(plain)


# --------------------------------------------------------------------------
# a warm start
# --------------------------------------------------------------------------

def test_warm_start_uses_a_changed_beta(split):
    X, *_ = split
    model = quick("BetaVAE", warm_start=True).fit(X)
    # a changed β is a training setting, not a new network: it is used
    model.set_params(beta=4.0).fit(X)
    assert len(model.history_) == 10
    assert model.net_.loss_settings_["beta"] == 4.0


# --------------------------------------------------------------------------
# scikit-learn composition
# --------------------------------------------------------------------------

def test_pipeline_from_physical_factors_to_latent_codes(split):
    _, factors, _, factors_test = split
    pipe = make_pipeline(PendulumSimulator(n_steps=N_STEPS, dt=DT, g=10.0),
                         quick("BetaVAE"))
    pipe.fit(factors)
    codes = pipe.transform(factors_test)
    assert codes.shape == (len(factors_test), 3)
    assert np.all(np.isfinite(codes))
    # the pipeline's VAE saw the simulated trajectories
    trajectories = PendulumSimulator(n_steps=N_STEPS, dt=DT, g=10.0).fit_transform(factors_test)
    assert_array_equal(codes, pipe[-1].transform(trajectories))
    assert_array_equal(pipe.get_feature_names_out(), ["betavae0", "betavae1", "betavae2"])


def test_grid_search_tunes_beta_by_the_elbo(split):
    X, *_ = split
    search = GridSearchCV(quick("BetaVAE"), {"beta": [1.0, 4.0]}, cv=2).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert scores.shape == (2,) and np.all(np.isfinite(scores))
    # the scorer is the estimator's score: the mean held-out ELBO
    assert search.best_score_ == pytest.approx(scores.max())
    assert search.score(X) == pytest.approx(search.best_estimator_.score(X))
