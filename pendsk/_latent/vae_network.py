"""The latent networks' shared pass and loss, and :class:`pendsk.BetaVAE`'s
network (torch only).

:class:`LatentNetwork` is what every VAE network here shares: a
reparameterised pass that returns a named :class:`VAEOutput`, an
importance-weighted estimate of the log-likelihood of rows and the
refinement of their codes; a network supplies ``encode`` and
``decode_parts``, and its prior where that is not N(0, I).
:class:`ELBOLoss` trains any of them (BetaVAE's :class:`VAE`,
PhysicsVAE's :class:`~pendsk._latent.physics_network.PhysicsVAENetwork`),
its weights given at each call.
"""

import math
from functools import partial
from typing import NamedTuple, Optional

import torch
from torch import nn
from torch.distributions import Normal, kl_divergence

from .._neural.layers import MLP

__all__ = ["ELBOLoss", "LatentNetwork", "VAE", "VAEOutput", "total_correlation"]


class VAEOutput(NamedTuple):
    """One reparameterised pass of a :class:`LatentNetwork`."""

    #: Decoded mean rows of the drawn codes (standardised), ``(n, n_features)``.
    recon: torch.Tensor
    #: Log standard deviation of the decoder's noise per feature.
    log_scale: torch.Tensor
    #: The posterior's mean and log-variance, ``(n, latent_dim)`` each.
    mean: torch.Tensor
    log_var: torch.Tensor
    #: The codes drawn from the posterior.
    z: torch.Tensor
    #: KL divergence of each row's posterior from the prior, ``(n,)``.
    kl: torch.Tensor
    #: The part of ``recon`` that a neural correction added to known
    #: physics (standardised), or None.
    correction: Optional[torch.Tensor] = None
    #: Per synthetic row, the squared error of the physical latents that the
    #: encoder infers from rows decoded from known codes, or None (see
    #: :meth:`pendsk._latent.physics_network.PhysicsVAENetwork.forward`).
    augmentation: Optional[torch.Tensor] = None


class LatentNetwork(nn.Module):
    """Base of the VAE networks: the reparameterised pass and the likelihood.

    A subclass sets ``latent_dim`` and a parameter ``log_scale`` (the
    decoder's log noise scale per feature) and implements ``encode(x)`` →
    ``(mean, log_var)``, ``decode_parts(z)`` → ``(recon, correction)``
    (``correction`` None where there is none); ``prior(like)`` is N(0, I)
    unless overridden, and the KL divergence, :meth:`log_prior` and
    :meth:`refine` follow it.
    """

    #: Bounds of the posterior log-variance relative to the prior's: a
    #: posterior standard deviation between 4.5e-5 and 148 prior standard
    #: deviations, so that a training step that overshoots cannot overflow
    #: ``exp`` in float32 (see the subclasses' ``encode``).
    LOG_VAR_RANGE = (-20.0, 10.0)

    def decode(self, z):
        """Decoded mean rows of the codes ``z`` (standardised)."""
        return self.decode_parts(z)[0]

    def prior(self, like):
        """The prior of the codes, a :class:`~torch.distributions.Normal`
        over the last axis of ``like`` (N(0, I) unless overridden)."""
        return Normal(torch.zeros_like(like), torch.ones_like(like), validate_args=False)

    def kl(self, mean, log_var):
        """KL divergence of N(mean, exp(log_var)) from the prior, per row."""
        posterior = Normal(mean, torch.exp(0.5 * log_var), validate_args=False)
        return kl_divergence(posterior, self.prior(mean)).sum(-1)

    def forward(self, x):
        """One reparameterised pass over the rows ``x``: a :class:`VAEOutput`."""
        mean, log_var = self.encode(x)
        z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
        recon, correction = self.decode_parts(z)
        return VAEOutput(recon, self.log_scale, mean, log_var, z, self.kl(mean, log_var),
                         correction)

    def log_prior(self, z):
        """Log-density of the codes ``z`` under the prior the loss uses,
        summed over the last axis."""
        return self.prior(z).log_prob(z).sum(-1)

    def log_joint(self, x, z):
        """``log p(x | z) + log p(z)`` of rows ``x`` (standardised) and codes
        ``z`` of the same leading shape, in nats."""
        # no argument checks: an overflow gives an infinite value, which the
        # estimators report, rather than torch's error about the distribution
        decoded = self.decode(z.reshape(-1, self.latent_dim)).reshape(x.shape)
        log_lik = (Normal(decoded, torch.exp(self.log_scale), validate_args=False)
                   .log_prob(x).sum(-1))
        return log_lik + self.log_prior(z)

    def refine(self, x, steps, lr=0.02):
        """Posterior ``(mean, log_variance)`` of rows ``x`` as :meth:`encode`
        gives it, the mean moved by ``steps`` Adam steps up each row's
        :meth:`log_joint` (semi-amortised inference: the code that best
        explains the row, from where the encoder puts it).

        The steps are taken in units of the prior's standard deviation,
        their size ``lr`` annealed to zero on a cosine; each row's code
        moves by its own gradient alone, so a row's result does not depend
        on the others.  The variances are the encoder's.
        """
        mean, log_var = self.encode(x)
        if not steps:
            return mean, log_var
        scale = self.prior(mean).stddev
        with torch.enable_grad():
            move = torch.zeros_like(mean, requires_grad=True)
            optimizer = torch.optim.Adam([move], lr=lr)
            schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
            for _ in range(steps):
                loss = -self.log_joint(x, mean.detach() + scale * move).sum()
                move.grad, = torch.autograd.grad(loss, move)
                optimizer.step()
                schedule.step()
        return (mean + scale * move).detach(), log_var

    def log_likelihood(self, x, eps):
        """Importance-weighted estimate of ``log p(x)`` of each row, in nats.

        The bound of Burda, Grosse and Salakhutdinov (2016) with ``K``
        importance samples drawn from the encoder's posterior q(z | x),
        under the prior of :meth:`log_prior`::

            log p(x) >= E log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x)

        ``eps`` of shape ``(K, latent_dim)`` holds the standard-normal
        draws, the same for every row, so a row's value does not depend on
        the others.  With K = 1 it is the ELBO; it tightens as K grows.
        """
        mean, log_var = self.encode(x)
        std = torch.exp(0.5 * log_var)
        z = mean[None] + eps[:, None] * std[None]
        log_q = Normal(mean, std, validate_args=False).log_prob(z).sum(-1)
        log_w = self.log_joint(x.expand(len(eps), *x.shape), z) - log_q
        return torch.logsumexp(log_w, dim=0) - math.log(len(eps))


class VAE(LatentNetwork):
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

        The log-variance is clamped to ``LOG_VAR_RANGE`` (an overshoot is
        more likely on wide rows, thousands of time steps).
        """
        out = self.encoder(x)
        mean = out[:, :self.latent_dim]
        if self.linear_path:
            mean = mean + x @ self.encode_basis.T
        return mean, out[:, self.latent_dim:].clamp(*self.LOG_VAR_RANGE)

    def decode_parts(self, z):
        """Decoded mean rows of the codes ``z``, and no correction."""
        out = self.decoder(z)
        if self.linear_path:
            out = out + z @ self.decode_basis.T
        return out, None


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
    """Negative weighted ELBO of a :class:`LatentNetwork`, averaged over rows.

    ``loss = NLL(x | z) + beta * KL`` or, with a capacity ``C`` (Burgess et
    al. 2018), ``NLL(x | z) + gamma * |KL - C|``.  ``tc_weight > 0`` adds
    ``tc_weight * TC``, the :func:`total_correlation` of the codes
    (β-TCVAE, Chen et al. 2018: their β is ``1 + tc_weight`` at
    ``beta=1``).  ``correction_weight > 0`` adds ``correction_weight * R``,
    ``R = sum_t (c_t / sigma_t)**2 / 2`` for a network whose decoder adds
    a neural correction ``c`` to known physics: the correction in the units
    of the reconstruction term (``sigma`` the learned noise scale, held
    fixed in ``R``), so it costs ``correction_weight`` times what a
    reconstruction error of its size would cost (the least-action
    regulariser of Takeishi & Kalousis 2021).  ``augmentation_weight > 0``
    adds ``augmentation_weight`` times the mean of the pass's
    ``augmentation`` (their data-augmentation regulariser).

    The weights are keyword arguments of each call (the estimators pass
    theirs as the net's ``loss_settings``); their defaults switch every
    extra term off, so ``ELBOLoss()(y_pred, x)`` is the plain negative
    ELBO.

    Parameters (of the call)
    ------------------------
    y_pred : VAEOutput
        The network's pass.
    x : tensor of shape (n, n_features)
        The rows (standardised).
    beta : float, default=1.0
        Weight of the KL term (no capacity).
    capacity : float or None, default=None
        The current KL target ``C`` in nats, or None for the β-VAE loss.
    gamma : float, default=None
        Weight of ``|KL - C|``; required with a capacity.
    tc_weight : float, default=0.0
        Extra weight of the total correlation.
    dataset_size : int, default=None
        Rows of the training set, for the total correlation's estimate;
        required with a ``tc_weight``.
    correction_weight : float, default=0.0
        Weight of the correction's penalty.
    augmentation_weight : float, default=0.0
        Weight of the augmentation penalty.
    """

    def forward(self, y_pred, x, *, beta=1.0, capacity=None, gamma=None, tc_weight=0.0,
                dataset_size=None, correction_weight=0.0, augmentation_weight=0.0):
        nll = nn.functional.gaussian_nll_loss(
            y_pred.recon, x, torch.exp(2 * y_pred.log_scale).expand_as(y_pred.recon),
            full=True, reduction="none").sum(-1)
        kl = y_pred.kl
        if capacity is None:
            loss = nll + beta * kl
        else:
            loss = nll + gamma * (kl.mean() - capacity).abs()
        if correction_weight and y_pred.correction is not None:
            scaled = y_pred.correction * torch.exp(-y_pred.log_scale.detach())
            loss = loss + correction_weight * 0.5 * scaled.square().sum(-1)
        loss = loss.mean()
        if augmentation_weight and y_pred.augmentation is not None:
            loss = loss + augmentation_weight * y_pred.augmentation.mean()
        if tc_weight:
            loss = loss + tc_weight * total_correlation(y_pred.z, y_pred.mean, y_pred.log_var,
                                                        dataset_size)
        return loss
