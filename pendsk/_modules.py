"""Torch networks trained by pendsk's estimators (no scikit-learn here)."""

from functools import partial

import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy_with_logits
from torch.distributions import Normal, kl_divergence

__all__ = ["ACTIVATIONS", "ELBOLoss", "GaussianMLP", "GaussianNLLLoss", "MLP", "VAE",
           "NonSaturatingLoss", "WassersteinGAN", "WassersteinLoss", "gradient_penalty",
           "r1_penalty"]

#: Hidden-layer nonlinearities by name (scikit-learn's names plus torch's).
ACTIVATIONS = {
    "identity": nn.Identity,
    "logistic": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
    # the slope GANs use (DCGAN, WGAN-GP), not torch's default 0.01
    "leaky_relu": partial(nn.LeakyReLU, 0.2),
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
}


class MLP(nn.Sequential):
    """Fully connected network ``n_inputs → hidden... → n_outputs``.

    Parameters
    ----------
    n_inputs, n_outputs : int
        Widths of the input and of the (linear) output layer.
    hidden_layer_sizes : sequence of int
        Width of each hidden layer.
    activation : str
        Key of :data:`ACTIVATIONS`, applied after each hidden layer.
    """

    def __init__(self, n_inputs, n_outputs, hidden_layer_sizes=(64, 64, 64),
                 activation="silu"):
        layers, width = [], n_inputs
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), ACTIVATIONS[activation]()]
            width = size
        layers.append(nn.Linear(width, n_outputs))
        super().__init__(*layers)


class GaussianMLP(nn.Module):
    """An MLP whose output is a diagonal Gaussian ``(mean, variance)``.

    Parameters
    ----------
    n_inputs, n_outputs : int
        Widths of the input and of the predicted mean.
    hidden_layer_sizes : sequence of int
        Width of each hidden layer.
    activation : str
        Key of :data:`ACTIVATIONS`.
    noise : {"heteroscedastic", "homoscedastic"}, float or array of float
        ``"heteroscedastic"``: a second head predicts the variance of each
        output from the input (through a softplus).  ``"homoscedastic"``: one
        learned variance per output.  A float (or one per output): that
        fixed standard deviation.
    """

    def __init__(self, n_inputs, n_outputs, hidden_layer_sizes=(64, 64, 64),
                 activation="silu", noise="heteroscedastic"):
        super().__init__()
        self.heteroscedastic = isinstance(noise, str) and noise == "heteroscedastic"
        heads = 2 if self.heteroscedastic else 1
        self.net = MLP(n_inputs, heads * n_outputs, hidden_layer_sizes, activation)
        self.n_outputs = n_outputs
        if isinstance(noise, str):
            if noise not in ("heteroscedastic", "homoscedastic"):
                raise ValueError("noise must be 'heteroscedastic', 'homoscedastic' or "
                                 f"a std, got {noise!r}.")
            if noise == "homoscedastic":
                self.log_std = nn.Parameter(torch.zeros(n_outputs))
        else:
            # float64, so that predictions return the given std exactly
            std = torch.as_tensor(noise, dtype=torch.float64).expand(n_outputs)
            self.register_buffer("fixed_var", std.square().clone())

    def forward(self, x):
        out = self.net(x)
        if self.heteroscedastic:
            mean, raw = out[:, :self.n_outputs], out[:, self.n_outputs:]
            return mean, nn.functional.softplus(raw)
        var = self.fixed_var if hasattr(self, "fixed_var") else torch.exp(2 * self.log_std)
        return out, var.to(out.dtype).expand_as(out)


class GaussianNLLLoss(nn.GaussianNLLLoss):
    """:class:`torch.nn.GaussianNLLLoss` taking the ``(mean, var)`` pair a
    :class:`GaussianMLP` returns, as skorch passes ``criterion(y_pred, y)``."""

    def forward(self, y_pred, target):
        mean, var = y_pred
        return super().forward(mean, target, var)


class VAE(nn.Module):
    """A variational autoencoder with a Gaussian decoder of learned scale.

    The encoder maps a row to the mean and log-variance of a diagonal
    Gaussian posterior over the latent code; the decoder (the encoder's
    mirror) maps a code to the mean of a diagonal Gaussian over the row,
    whose standard deviation is one learned parameter per feature.

    Parameters
    ----------
    n_features : int
        Width of a row.
    latent_dim : int
        Dimensions of the latent code.
    hidden_layer_sizes : sequence of int
        Hidden widths of the encoder; the decoder uses them reversed.
    activation : str
        Key of :data:`ACTIVATIONS`.
    """

    def __init__(self, n_features, latent_dim=6, hidden_layer_sizes=(256, 128),
                 activation="silu"):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = MLP(n_features, 2 * latent_dim, hidden_layer_sizes, activation)
        self.decoder = MLP(latent_dim, n_features, hidden_layer_sizes[::-1], activation)
        self.log_scale = nn.Parameter(torch.zeros(n_features))

    def encode(self, x):
        """Posterior ``(mean, log_variance)`` of the codes of ``x``."""
        out = self.encoder(x)
        return out[:, :self.latent_dim], out[:, self.latent_dim:]

    def decode(self, z):
        """Decoded mean rows of the codes ``z``."""
        return self.decoder(z)

    def forward(self, x):
        """One reparameterised pass: ``(recon_mean, log_scale, mean, log_var)``."""
        mean, log_var = self.encode(x)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
        return self.decode(z), self.log_scale, mean, log_var

    def elbo(self, x, eps):
        """Evidence lower bound of each row of ``x`` (β = 1), in nats.

        ``eps`` of shape ``(n_draws, latent_dim)`` holds the standard-normal
        draws of the Monte-Carlo estimate of the reconstruction term, the
        same for every row, so a row's value does not depend on the others.
        """
        mean, log_var = self.encode(x)
        z = mean[None] + eps[:, None] * torch.exp(0.5 * log_var)[None]
        recon = self.decode(z.reshape(-1, self.latent_dim)).reshape(len(eps), *x.shape)
        # no argument checks: an overflow gives an infinite ELBO, which the
        # estimators report, rather than torch's error about the distribution
        log_lik = (Normal(recon, torch.exp(self.log_scale), validate_args=False)
                   .log_prob(x[None]).sum(-1))
        return log_lik.mean(0) - _kl_to_prior(mean, log_var)


def _kl_to_prior(mean, log_var):
    """KL divergence of N(mean, exp(log_var)) from N(0, I), per row."""
    posterior = Normal(mean, torch.exp(0.5 * log_var), validate_args=False)
    return kl_divergence(posterior, Normal(0.0, 1.0, validate_args=False)).sum(-1)


class ELBOLoss(nn.Module):
    """Negative β-weighted ELBO of a :class:`VAE`, averaged over rows.

    ``loss = NLL(x | z) + beta * KL`` or, with a capacity ``C`` (Burgess et
    al. 2018), ``NLL(x | z) + gamma * |KL - C|``; a callback raises
    ``capacity`` during training.

    Parameters
    ----------
    beta : float
        Weight of the KL term (no capacity).
    gamma : float
        Weight of ``|KL - C|`` (with a capacity).
    capacity : float or None
        The current KL target ``C`` in nats, or None for the β-VAE loss.
    """

    def __init__(self, beta=1.0, gamma=1000.0, capacity=None):
        super().__init__()
        self.beta = beta
        self.gamma = gamma
        self.capacity = capacity

    def forward(self, y_pred, x):
        recon, log_scale, mean, log_var = y_pred
        nll = nn.functional.gaussian_nll_loss(
            recon, x, torch.exp(2 * log_scale).expand_as(recon), full=True,
            reduction="none").sum(-1)
        kl = _kl_to_prior(mean, log_var)
        if self.capacity is None:
            return (nll + self.beta * kl).mean()
        return nll.mean() + self.gamma * (kl.mean() - self.capacity).abs()


class WassersteinGAN(nn.Module):
    """A generator and a critic, both MLPs, for a GAN.

    ``forward(z)`` is the generator; the critic (the discriminator of a
    non-Wasserstein GAN) scores rows.

    Parameters
    ----------
    n_features : int
        Width of a generated row.
    latent_dim : int
        Width of the generator's input noise.
    hidden_layer_sizes : sequence of int
        Hidden widths of the generator; the critic uses them reversed.
    activation : str
        Key of :data:`ACTIVATIONS`.
    """

    def __init__(self, n_features, latent_dim=4, hidden_layer_sizes=(128, 256),
                 activation="leaky_relu"):
        super().__init__()
        self.generator = MLP(latent_dim, n_features, hidden_layer_sizes, activation)
        self.critic = MLP(n_features, 1, hidden_layer_sizes[::-1], activation)

    def forward(self, z):
        return self.generator(z)


class WassersteinLoss(nn.Module):
    """The Wasserstein GAN losses (Arjovsky et al. 2017).

    ``criterion(fake_scores, real_scores)`` is the critic's loss
    ``mean(fake) - mean(real)``; ``criterion(fake_scores)`` the generator's
    ``-mean(fake)``.
    """

    def forward(self, fake_scores, real_scores=None):
        if real_scores is None:
            return -fake_scores.mean()
        return fake_scores.mean() - real_scores.mean()


def gradient_penalty(critic, real, fake):
    """WGAN-GP's penalty ``mean((||grad critic(x_hat)|| - 1)^2)``.

    ``x_hat`` are random points on the segments between real and generated
    rows (Gulrajani et al. 2017); the graph is kept for the backward pass.
    """
    alpha = torch.rand(len(real), 1, device=real.device, dtype=real.dtype)
    between = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(critic(between).sum(), between, create_graph=True)
    return (grad.norm(dim=1) - 1).square().mean()


class NonSaturatingLoss(nn.Module):
    """The standard GAN losses, non-saturating for the generator.

    Goodfellow et al. (2014).  ``criterion(fake_scores, real_scores)`` is
    the critic's (discriminator's) binary cross-entropy with real rows
    labelled 1 and generated rows 0, ``mean(softplus(fake)) +
    mean(softplus(-real))``; ``criterion(fake_scores)`` the generator's
    ``mean(softplus(-fake)) = -mean(log sigmoid(fake))``.  Scores are logits.
    """

    def forward(self, fake_scores, real_scores=None):
        if real_scores is None:
            return binary_cross_entropy_with_logits(fake_scores, torch.ones_like(fake_scores))
        return (binary_cross_entropy_with_logits(fake_scores, torch.zeros_like(fake_scores))
                + binary_cross_entropy_with_logits(real_scores, torch.ones_like(real_scores)))


def r1_penalty(real, real_scores):
    """The R1 penalty ``mean(||grad critic(x)||^2)`` over real rows ``x``.

    ``real`` requires grad and ``real_scores = critic(real)`` are the
    scores the critic's loss uses too, so the penalty costs no second
    forward pass.  Mescheder, Geiger and Nowozin (2018) weight it by γ/2;
    the graph is kept for the backward pass.
    """
    grad, = torch.autograd.grad(real_scores.sum(), real, create_graph=True)
    return grad.square().sum(dim=1).mean()
