"""The torch networks: MLP (pendsk/_neural/layers.py), GaussianMLP and
GaussianNLLLoss (pendsk/_regression/networks.py), the GAN losses and
penalties (pendsk/_gan/networks.py), and the VAE's total correlation and
ELBO loss (pendsk/_latent/vae_network.py).

Plain torch, no estimator: layer structure, the (mean, variance) output of
each noise mode, exact fixed variances in float32 and float64, and the loss
against torch's functional form.  How the estimators train them is tested in
test_regression.py and test_base.py.
"""

import math

import numpy as np
import pytest
import torch
from numpy.testing import assert_array_equal
from torch import nn

from pendsk._gan.networks import (NonSaturatingLoss, WassersteinLoss, gradient_penalty,
                                  r1_penalty)
from pendsk._latent.vae_network import VAE, ELBOLoss, VAEOutput, total_correlation
from pendsk._neural.layers import ACTIVATIONS, MLP
from pendsk._regression.networks import GaussianMLP, GaussianNLLLoss


@pytest.fixture(autouse=True)
def seeded_torch():
    """Seed torch's global generator for each test, and give it back after."""
    with torch.random.fork_rng():
        torch.manual_seed(0)
        yield


def _linears(module):
    return [m for m in module.modules() if isinstance(m, nn.Linear)]


# --------------------------------------------------------------------------
# MLP
# --------------------------------------------------------------------------

@pytest.mark.parametrize("hidden", [(), (5,), (8, 3, 7)])
def test_mlp_layers_and_widths(hidden):
    mlp = MLP(4, 2, hidden, "tanh")
    linears = _linears(mlp)
    assert len(linears) == len(hidden) + 1
    widths = [4, *hidden, 2]
    assert [(m.in_features, m.out_features) for m in linears] == list(
        zip(widths[:-1], widths[1:]))
    # Linear, activation, Linear, activation, ..., Linear: the output is linear
    assert len(mlp) == 2 * len(hidden) + 1
    assert isinstance(mlp[-1], nn.Linear)
    assert mlp(torch.randn(11, 4)).shape == (11, 2)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_mlp_activation_after_each_hidden_layer(activation):
    mlp = MLP(3, 1, (6, 6), activation)
    kind = type(ACTIVATIONS[activation]())
    assert [type(m) for m in mlp] == [nn.Linear, kind, nn.Linear, kind, nn.Linear]
    assert mlp(torch.randn(5, 3)).shape == (5, 1)


def test_leaky_relu_has_the_gan_slope():
    # DCGAN and WGAN-GP use 0.2; torch's default 0.01 trains the GAN worse
    assert ACTIVATIONS["leaky_relu"]().negative_slope == 0.2


def test_mlp_defaults():
    mlp = MLP(5, 1)
    assert [m.out_features for m in _linears(mlp)] == [64, 64, 64, 1]
    assert sum(isinstance(m, nn.SiLU) for m in mlp) == 3


def test_activations_are_the_documented_names():
    assert set(ACTIVATIONS) == {"identity", "logistic", "tanh", "relu", "leaky_relu",
                                "elu", "gelu", "silu"}
    assert ACTIVATIONS["logistic"] is nn.Sigmoid
    for make in ACTIVATIONS.values():
        assert isinstance(make(), nn.Module)


def test_mlp_identity_activation_is_affine():
    mlp = MLP(3, 2, (4, 4), "identity")
    x, y = torch.randn(6, 3), torch.randn(6, 3)
    torch.testing.assert_close(mlp(x + y) - mlp(y), mlp(x) - mlp(torch.zeros(6, 3)))


# --------------------------------------------------------------------------
# GaussianMLP
# --------------------------------------------------------------------------

NOISES = ["heteroscedastic", "homoscedastic", 0.3, [0.1, 0.2, 0.5]]


@pytest.mark.parametrize("noise", NOISES, ids=str)
def test_gaussian_mlp_returns_mean_and_positive_variance(noise):
    module = GaussianMLP(4, 3, (8, 8), "tanh", noise=noise)
    out = module(torch.randn(10, 4))
    assert isinstance(out, tuple) and len(out) == 2
    mean, var = out
    assert mean.shape == var.shape == (10, 3)
    assert mean.dtype == var.dtype == torch.float32
    assert torch.all(var > 0)


@pytest.mark.parametrize("noise", NOISES, ids=str)
def test_gaussian_mlp_network(noise):
    module = GaussianMLP(4, 3, (8, 5), "relu", noise=noise)
    heads = 2 if noise == "heteroscedastic" else 1
    assert [m.out_features for m in _linears(module.net)] == [8, 5, heads * 3]
    assert sum(isinstance(m, nn.ReLU) for m in module.net) == 2


def test_heteroscedastic_variance_is_softplus_of_the_second_head():
    module = GaussianMLP(4, 3, (8,), noise="heteroscedastic")
    x = torch.randn(10, 4)
    mean, var = module(x)
    out = module.net(x)
    torch.testing.assert_close(mean, out[:, :3], rtol=0, atol=0)
    torch.testing.assert_close(var, nn.functional.softplus(out[:, 3:]), rtol=0, atol=0)
    # it depends on the input: no two rows share a variance
    assert torch.all(var[1:] != var[:-1])
    assert not hasattr(module, "log_std") and not hasattr(module, "fixed_var")


def test_homoscedastic_variance_is_a_learnable_parameter():
    module = GaussianMLP(4, 3, (8,), noise="homoscedastic")
    assert isinstance(module.log_std, nn.Parameter)
    assert module.log_std.requires_grad and module.log_std.shape == (3,)
    assert any(p is module.log_std for p in module.parameters())
    assert not hasattr(module, "fixed_var")
    with torch.no_grad():
        module.log_std.copy_(torch.tensor([-1.0, 0.0, 0.5]))
    mean, var = module(torch.randn(10, 4))
    torch.testing.assert_close(var, torch.exp(2 * module.log_std).expand(10, 3))
    # the same for every row
    assert torch.all(var == var[0])
    # and trained by the likelihood
    GaussianNLLLoss()((mean, var), torch.randn(10, 3)).backward()
    assert torch.all(module.log_std.grad != 0)


@pytest.mark.parametrize("std", [0.3, 1e-3, [0.1, 0.2, 0.7]], ids=str)
def test_fixed_variance_is_exactly_std_squared(std):
    module = GaussianMLP(4, 3, (8,), noise=std)
    # no learned variance: only the network's weights are parameters
    assert all(name.startswith("net.") for name, _ in module.named_parameters())
    assert not hasattr(module, "log_std")
    assert "fixed_var" in module.state_dict()
    std64 = np.broadcast_to(np.asarray(std, dtype=np.float64), (3,))

    _, var = module(torch.randn(6, 4))
    assert var.dtype == torch.float32
    assert_array_equal(var.detach().numpy(),
                       np.broadcast_to((std64**2).astype(np.float32), (6, 3)))

    module.double()
    _, var = module(torch.randn(6, 4, dtype=torch.float64))
    assert var.dtype == torch.float64
    assert_array_equal(var.detach().numpy(), np.broadcast_to(std64**2, (6, 3)))


def test_fixed_variance_is_a_float64_buffer():
    # kept in float64 so that a float64 forward pass gives the std exactly
    module = GaussianMLP(2, 1, (4,), noise=0.1)
    assert module.fixed_var.dtype == torch.float64
    assert module.fixed_var.item() == 0.1**2


# --------------------------------------------------------------------------
# GaussianNLLLoss
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{}, {"full": True}, {"reduction": "sum"},
                                    {"reduction": "none"}, {"eps": 1e-2}], ids=str)
def test_nll_loss_is_torchs_gaussian_nll(kwargs):
    mean, target = torch.randn(7, 3), torch.randn(7, 3)
    var = torch.rand(7, 3) + 1e-3
    var.requires_grad_(True)
    loss = GaussianNLLLoss(**kwargs)((mean, var), target)
    expected = nn.functional.gaussian_nll_loss(mean, target, var, **kwargs)
    torch.testing.assert_close(loss, expected, rtol=0, atol=0)
    loss.sum().backward()
    assert var.grad is not None and torch.any(var.grad != 0)


def test_nll_loss_gradient_wrt_variance():
    # d/dvar 0.5 (log var + r² / var) = 0.5 (1 / var - r² / var²), per element
    mean, target = torch.randn(5, 2), torch.randn(5, 2)
    var = (torch.rand(5, 2) + 0.1).requires_grad_(True)
    GaussianNLLLoss(reduction="sum")((mean, var), target).backward()
    r2 = (target - mean) ** 2
    torch.testing.assert_close(var.grad, 0.5 * (1 / var - r2 / var**2).detach())


def test_nll_loss_trains_a_gaussian_mlp_end_to_end():
    module = GaussianMLP(4, 2, (8,), noise="heteroscedastic")
    loss = GaussianNLLLoss()(module(torch.randn(9, 4)), torch.randn(9, 2))
    assert loss.shape == ()
    loss.backward()
    assert all(p.grad is not None and torch.any(p.grad != 0) for p in module.parameters())


def test_gaussian_mlp_rejects_an_unknown_noise_mode():
    with pytest.raises(ValueError, match="noise must be 'heteroscedastic', 'homoscedastic'"):
        GaussianMLP(2, 1, noise="bogus")


# --------------------------------------------------------------------------
# GAN losses and penalties
# --------------------------------------------------------------------------

def test_non_saturating_loss_is_the_cross_entropy_of_real_1_and_fake_0():
    fake, real = torch.randn(9, 1), torch.randn(7, 1)
    critic = NonSaturatingLoss()(fake, real)
    # -mean log(1 - sigmoid(fake)) - mean log sigmoid(real)
    expected = (-torch.log1p(-torch.sigmoid(fake)).mean()
                - torch.log(torch.sigmoid(real)).mean())
    torch.testing.assert_close(critic, expected)
    # the generator's non-saturating loss: -mean log sigmoid(fake)
    torch.testing.assert_close(NonSaturatingLoss()(fake),
                               -torch.log(torch.sigmoid(fake)).mean())
    # a critic that cannot tell them apart (logit 0) pays 2 log 2
    torch.testing.assert_close(NonSaturatingLoss()(torch.zeros(3, 1), torch.zeros(3, 1)),
                               torch.tensor(2 * np.log(2), dtype=torch.float32))


def test_wasserstein_loss_is_the_difference_of_mean_scores():
    fake, real = torch.randn(9, 1), torch.randn(7, 1)
    torch.testing.assert_close(WassersteinLoss()(fake, real), fake.mean() - real.mean())
    torch.testing.assert_close(WassersteinLoss()(fake), -fake.mean())


def _linear_critic(weight):
    critic = nn.Linear(len(weight), 1)
    with torch.no_grad():
        critic.weight.copy_(torch.as_tensor(weight, dtype=torch.float32)[None])
    return critic


def test_r1_penalty_is_the_mean_squared_gradient_norm_on_real_rows():
    # a linear critic w·x + b has gradient w at every row: R1 = ||w||²
    critic = _linear_critic([3.0, -4.0])
    real = torch.randn(6, 2, requires_grad=True)
    torch.testing.assert_close(r1_penalty(real, critic(real)), torch.tensor(25.0))
    # the critic x ↦ sum(x²)/2 has gradient x: R1 = mean ||x||²
    quadratic = 0.5 * real.square().sum(dim=1, keepdim=True)
    torch.testing.assert_close(r1_penalty(real, quadratic),
                               real.detach().square().sum(1).mean())


def test_r1_penalty_keeps_the_graph_for_the_critics_step():
    critic = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    real = torch.randn(5, 3, requires_grad=True)
    r1_penalty(real, critic(real)).backward()
    # every weight shapes the input gradient (the output bias does not)
    weights = [critic[0].weight, critic[0].bias, critic[2].weight]
    assert all(p.grad is not None and torch.any(p.grad != 0) for p in weights)


def test_gradient_penalty_is_the_squared_distance_of_the_gradient_norm_from_1():
    # gradient w everywhere, ||w|| = 5: (5 - 1)² whatever the points
    critic = _linear_critic([3.0, -4.0])
    torch.testing.assert_close(gradient_penalty(critic, torch.randn(6, 2), torch.randn(6, 2)),
                               torch.tensor(16.0))
    # a 1-Lipschitz linear critic pays nothing
    torch.testing.assert_close(
        gradient_penalty(_linear_critic([0.6, 0.8]), torch.randn(6, 2), torch.randn(6, 2)),
        torch.tensor(0.0), atol=1e-6, rtol=0)


# -- total correlation (β-TCVAE) ----------------------------------------------

def _gaussian_codes(correlated, n=500, sd=0.3, seed=0):
    """Codes of n rows with posteriors N(mean, sd²): two independent
    dimensions, or two that share one factor."""
    g = torch.Generator().manual_seed(seed)
    if correlated:
        a = torch.randn(n, 1, generator=g, dtype=torch.float64)
        mean = torch.cat([a, a], 1)
    else:
        mean = torch.randn(n, 2, generator=g, dtype=torch.float64)
    log_var = torch.full_like(mean, 2 * math.log(sd))
    z = mean + sd * torch.randn(mean.shape, generator=g, dtype=torch.float64)
    return z, mean, log_var


def test_total_correlation_of_independent_and_shared_codes():
    # mutual information of the two dimensions of q(z): 0 for independent
    # codes; for z_d = a + e_d (a ~ N(0, 1), e_d ~ N(0, 0.09)) it is
    # -log(1 - rho²) / 2 with rho = 1 / 1.09, 0.92 nats
    exact = -0.5 * math.log(1 - (1 / 1.09) ** 2)
    independent = total_correlation(*_gaussian_codes(False), dataset_size=500).item()
    shared = total_correlation(*_gaussian_codes(True), dataset_size=500).item()
    assert abs(independent) < 0.2
    assert shared == pytest.approx(exact, abs=0.6)
    assert shared > independent + 0.5


def test_total_correlation_of_one_row_is_zero_and_gradients_flow():
    z, mean, log_var = _gaussian_codes(True, n=8)
    assert total_correlation(z[:1], mean[:1], log_var[:1], dataset_size=10).item() == 0.0
    mean = mean.clone().requires_grad_(True)
    total_correlation(z, mean, log_var, dataset_size=100).backward()
    assert torch.isfinite(mean.grad).all() and mean.grad.abs().sum() > 0


def test_refine_raises_each_rows_log_joint_density():
    # LatentNetwork.refine (PhysicsVAE's and BetaVAE's refine_steps), on
    # BetaVAE's network: each row's log joint density rises
    torch.manual_seed(0)
    net = VAE(n_features=12, latent_dim=3, hidden_layer_sizes=(16,)).double()
    x = torch.randn(5, 12, dtype=torch.float64)
    mean, log_var = net.encode(x)
    refined, refined_log_var = net.refine(x, steps=50)
    with torch.no_grad():
        assert torch.all(net.log_joint(x, refined) > net.log_joint(x, mean))
    assert torch.equal(refined_log_var, log_var)
    assert torch.equal(net.refine(x, steps=0)[0], mean)


def test_elbo_loss_adds_the_weighted_total_correlation():
    z, mean, log_var = _gaussian_codes(True, n=16)
    x = torch.randn(16, 5, dtype=torch.float64)
    kl = VAE(5, latent_dim=mean.shape[1]).kl(mean, log_var)  # the divergence from N(0, I)
    y_pred = VAEOutput(torch.zeros_like(x), torch.zeros(5, dtype=torch.float64), mean, log_var,
                       z, kl)
    plain = ELBOLoss()(y_pred, x, beta=2.0)
    tc = total_correlation(z, mean, log_var, dataset_size=100)
    weighted = ELBOLoss()(y_pred, x, beta=2.0, tc_weight=3.0, dataset_size=100)
    assert weighted.item() == pytest.approx(plain.item() + 3.0 * tc.item(), rel=1e-12)
