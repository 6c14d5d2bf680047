"""Torch networks trained by pendsk's estimators (no scikit-learn here)."""

from functools import partial
from typing import NamedTuple, Optional

import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy_with_logits
from torch.distributions import Normal, kl_divergence

__all__ = ["ACTIVATIONS", "ELBOLoss", "GAN", "GAN_LOSSES", "GANLoss", "GaussianMLP",
           "GaussianNLLLoss", "MLP", "NonSaturatingLoss", "VAE", "WassersteinLoss",
           "gradient_penalty", "r1_penalty", "total_correlation"]

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

    With ``linear_path=True`` the posterior mean and the decoded mean each
    add a fixed linear map of the input (buffers, not trained) to the MLP's
    output: :meth:`init_linear_path` sets them to a principal-component
    basis and zeroes the MLPs' output layers, so that training starts from
    probabilistic PCA and the networks learn what PCA misses.

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
    linear_path : bool
        Add the fixed linear maps (zero until :meth:`init_linear_path`).
    """

    #: Bounds of the posterior log-variance (see :meth:`encode`).
    LOG_VAR_RANGE = (-20.0, 10.0)

    def __init__(self, n_features, latent_dim=6, hidden_layer_sizes=(256, 128),
                 activation="silu", linear_path=False):
        super().__init__()
        self.latent_dim = latent_dim
        self.encoder = MLP(n_features, 2 * latent_dim, hidden_layer_sizes, activation)
        self.decoder = MLP(latent_dim, n_features, hidden_layer_sizes[::-1], activation)
        self.log_scale = nn.Parameter(torch.zeros(n_features))
        self.linear_path = linear_path
        if linear_path:
            self.register_buffer("encode_basis", torch.zeros(latent_dim, n_features))
            self.register_buffer("decode_basis", torch.zeros(n_features, latent_dim))

    @torch.no_grad()
    def init_linear_path(self, encode_basis, decode_basis, log_var, log_scale):
        """Set the linear maps and start the MLPs' outputs at zero.

        Parameters
        ----------
        encode_basis : array-like of shape (k, n_features), k <= latent_dim
            The first ``k`` posterior means are ``encode_basis @ x``.
        decode_basis : array-like of shape (n_features, k)
            Codes decode to ``decode_basis @ z[:k]``.
        log_var : array-like of shape (k,)
            Starting posterior log-variance of the first ``k`` codes (the
            others start at 0, the prior's).
        log_scale : array-like of shape (n_features,)
            Starting log standard deviation of the decoder's noise.

        With the bases of probabilistic PCA (Tipping & Bishop 1999), the
        network starts as that model.
        """
        if not self.linear_path:
            raise RuntimeError("init_linear_path needs a VAE built with linear_path=True.")
        as_tensor = partial(torch.as_tensor, dtype=self.log_scale.dtype,
                            device=self.log_scale.device)
        k = len(log_var)
        self.encode_basis.zero_()[:k] = as_tensor(encode_basis)
        self.decode_basis.zero_()[:, :k] = as_tensor(decode_basis)
        for mlp in (self.encoder, self.decoder):
            mlp[-1].weight.zero_()
            mlp[-1].bias.zero_()
        self.encoder[-1].bias[self.latent_dim:self.latent_dim + k] = as_tensor(log_var)
        self.log_scale.copy_(as_tensor(log_scale))

    def encode(self, x):
        """Posterior ``(mean, log_variance)`` of the codes of ``x``.

        The log-variance is clamped to ``LOG_VAR_RANGE``, a posterior
        standard deviation between 4.5e-5 and 148 prior standard deviations,
        so that a training step that overshoots (more likely on wide rows,
        thousands of time steps) cannot overflow ``exp`` in float32.
        """
        out = self.encoder(x)
        mean = out[:, :self.latent_dim]
        if self.linear_path:
            mean = mean + x @ self.encode_basis.T
        return mean, out[:, self.latent_dim:].clamp(*self.LOG_VAR_RANGE)

    def decode(self, z):
        """Decoded mean rows of the codes ``z``."""
        out = self.decoder(z)
        if self.linear_path:
            out = out + z @ self.decode_basis.T
        return out

    def forward(self, x):
        """One reparameterised pass: ``(recon_mean, log_scale, mean, log_var,
        z)``, ``z`` the drawn codes."""
        mean, log_var = self.encode(x)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
        return self.decode(z), self.log_scale, mean, log_var, z

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


def total_correlation(z, mean, log_var, dataset_size):
    """Total correlation of the aggregate posterior q(z), estimated on a batch.

    ``TC = E_q(z)[log q(z) - sum_d log q(z_d)]``, with ``q(z)`` and its
    marginals estimated by minibatch-stratified sampling (Chen et al. 2018,
    appendix C.2, as in their ``log_importance_weight_matrix``): row ``i``'s
    own posterior is weighted ``1/N``, one other row ``(N - M + 1) / (N (M -
    1))`` and the rest ``1 / (M - 1)``, for a batch of ``M`` rows out of
    ``N = dataset_size``.

    Parameters
    ----------
    z : tensor of shape (M, latent_dim)
        One code drawn from each row's posterior, M >= 2.
    mean, log_var : tensor of shape (M, latent_dim)
        The rows' posteriors.
    dataset_size : int
        Rows of the training set, ``N >= M``.

    Returns
    -------
    tc : scalar tensor
        The estimate, in nats, averaged over the batch.
    """
    n_rows = len(z)
    if n_rows < 2:
        return z.new_zeros(())
    m = n_rows - 1
    weights = torch.full((n_rows, n_rows), 1.0 / m, dtype=z.dtype, device=z.device)
    flat = weights.view(-1)
    flat[::m + 1] = 1.0 / dataset_size
    strat = (dataset_size - m) / (dataset_size * m)
    flat[1::m + 1] = strat
    weights[m - 1, 0] = strat
    log_w = weights.log()
    posterior = Normal(mean[None], torch.exp(0.5 * log_var)[None], validate_args=False)
    log_q = posterior.log_prob(z[:, None])  # (M, M, latent_dim): log q(z_i,d | x_j)
    joint = torch.logsumexp(log_q.sum(-1) + log_w, dim=1)
    marginals = torch.logsumexp(log_q + log_w[..., None], dim=1).sum(-1)
    return (joint - marginals).mean()


class ELBOLoss(nn.Module):
    """Negative β-weighted ELBO of a :class:`VAE`, averaged over rows.

    ``loss = NLL(x | z) + beta * KL`` or, with a capacity ``C`` (Burgess et
    al. 2018), ``NLL(x | z) + gamma * |KL - C|``; a callback raises
    ``capacity`` during training.  ``tc_weight > 0`` adds
    ``tc_weight * TC``, the :func:`total_correlation` of the codes
    (β-TCVAE, Chen et al. 2018: their β is ``1 + tc_weight`` at
    ``beta=1``).

    Parameters
    ----------
    beta : float
        Weight of the KL term (no capacity).
    gamma : float
        Weight of ``|KL - C|`` (with a capacity).
    capacity : float or None
        The current KL target ``C`` in nats, or None for the β-VAE loss.
    tc_weight : float
        Extra weight of the total correlation.
    dataset_size : int
        Rows of the training set (for the total correlation's estimate).
    """

    def __init__(self, beta=1.0, gamma=1000.0, capacity=None, tc_weight=0.0,
                 dataset_size=1):
        super().__init__()
        self.beta = beta
        self.gamma = gamma
        self.capacity = capacity
        self.tc_weight = tc_weight
        self.dataset_size = dataset_size

    def forward(self, y_pred, x):
        recon, log_scale, mean, log_var, z = y_pred
        nll = nn.functional.gaussian_nll_loss(
            recon, x, torch.exp(2 * log_scale).expand_as(recon), full=True,
            reduction="none").sum(-1)
        kl = _kl_to_prior(mean, log_var)
        if self.capacity is None:
            loss = (nll + self.beta * kl).mean()
        else:
            loss = nll.mean() + self.gamma * (kl.mean() - self.capacity).abs()
        if self.tc_weight:
            loss = loss + self.tc_weight * total_correlation(z, mean, log_var,
                                                             self.dataset_size)
        return loss


class GAN(nn.Module):
    """A generator and a critic, both MLPs, for any of the GAN losses.

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
    latent : {"normal", "uniform"}
        Distribution of the generator's input: N(0, 1) or U(-1, 1).
    """

    def __init__(self, n_features, latent_dim=4, hidden_layer_sizes=(128, 256),
                 activation="leaky_relu", latent="normal"):
        super().__init__()
        if latent not in ("normal", "uniform"):
            raise ValueError(f"latent must be 'normal' or 'uniform', got {latent!r}.")
        self.latent_dim = latent_dim
        self.latent = latent
        self.generator = MLP(latent_dim, n_features, hidden_layer_sizes, activation)
        self.critic = MLP(n_features, 1, hidden_layer_sizes[::-1], activation)

    def forward(self, z):
        return self.generator(z)

    def draw_latent(self, n_rows, like, generator=None):
        """Generator input for ``n_rows`` rows, with the dtype and device of
        the tensor ``like`` (from torch's global RNG unless a ``generator``
        is given)."""
        options = dict(dtype=like.dtype, device=like.device, generator=generator)
        if self.latent == "uniform":
            return torch.rand((n_rows, self.latent_dim), **options) * 2 - 1
        return torch.randn((n_rows, self.latent_dim), **options)


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


class GANLoss(NamedTuple):
    """How one GAN loss trains: one row of :data:`GAN_LOSSES`."""

    #: The loss module: ``criterion(fake_scores, real_scores)`` for the
    #: critic, ``criterion(fake_scores)`` for the generator.
    criterion: type
    #: The critic's constraint: ``"r1"`` (R1 penalty on real rows), ``"gp"``
    #: (WGAN-GP's penalty between real and generated rows) or ``"clip"``
    #: (weight clipping).
    penalty: str
    #: The optimizer class of both networks, and its betas (Adam) or None.
    optimizer: type
    betas: Optional[tuple]
    #: The generator's input distribution (:class:`GAN`'s ``latent``).
    latent: str


#: The GAN losses by name: the one table that the module, the training
#: step and the estimator read.
GAN_LOSSES = {
    # Goodfellow et al. 2014 with Mescheder et al. 2018's R1 penalty
    "ns-r1": GANLoss(NonSaturatingLoss, "r1", torch.optim.Adam, (0.5, 0.9), "normal"),
    # Gulrajani et al. 2017
    "wgan-gp": GANLoss(WassersteinLoss, "gp", torch.optim.Adam, (0.5, 0.9), "normal"),
    # Arjovsky et al. 2017, as the article trained it
    "wgan-clip": GANLoss(WassersteinLoss, "clip", torch.optim.RMSprop, None, "uniform"),
}
