"""The networks, losses and penalties of :class:`pendsk.TrajectoryGAN`
(torch only)."""

from typing import NamedTuple

import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy_with_logits

from .._neural.layers import ACTIVATIONS, MLP

__all__ = ["Critic", "GAN", "GAN_LOSSES", "GANLoss", "GradientPenalty", "NonSaturatingLoss", "R1Penalty",
           "WassersteinLoss", "WeightClipping", "gradient_penalty", "r1_penalty"]



class Critic(nn.Module):
    """An MLP critic; with classes, the projection critic of Miyato and
    Koyama (2018).

    ``critic(rows)`` scores rows; ``critic(rows, labels)`` adds the inner
    product of the last hidden layer with a learned embedding of each row's
    class index; :meth:`class_logits` classifies rows from the same layer
    (AC-GAN's auxiliary classifier, Odena et al. 2017: the critic learns
    the real rows' classes, the generator to make rows it assigns to the
    class asked for).  A one-hot label concatenated to the critic's input,
    as in the first conditional GANs, lets the critic ignore the label: on
    GunPoint with 10 rows per class a classifier assigned such a GAN's
    samples to their class at 0.66-0.69 of its accuracy on real rows (two
    splits), the projection alone at 0.75-0.76, with the classifier at
    0.78-1.00.

    Parameters
    ----------
    n_features : int
        Width of the rows scored.
    hidden_layer_sizes : sequence of int
        Hidden widths (empty: no hidden layer).
    activation : str
        Key of :data:`~pendsk._neural.layers.ACTIVATIONS`.
    n_classes : int, default=0
        Number of classes; 0 for an unconditional critic.
    """

    def __init__(self, n_features, hidden_layer_sizes, activation, n_classes=0):
        super().__init__()
        if hidden_layer_sizes:
            *inner, width = hidden_layer_sizes
            self.features = nn.Sequential(MLP(n_features, width, inner, activation),
                                          ACTIVATIONS[activation]())
        else:  # no hidden layer: a linear critic of the rows themselves
            width, self.features = n_features, nn.Identity()
        self.score = nn.Linear(width, 1)
        self.projection = nn.Embedding(n_classes, width) if n_classes else None
        self.classify = nn.Linear(width, n_classes) if n_classes else None

    def class_logits(self, rows):
        """Logits of each row's class (the auxiliary classifier of
        AC-GAN, Odena et al. 2017, on the critic's features)."""
        return self.classify(self.features(rows))

    def forward(self, rows, labels=None):
        features = self.features(rows)
        scores = self.score(features)
        if self.projection is None or labels is None:
            return scores
        return scores + (self.projection(labels.long()) * features).sum(-1, keepdim=True)


class GAN(nn.Module):
    """A generator and a critic, both MLPs, for any of the GAN losses.

    ``forward(z)`` is the generator; the critic (the discriminator of a
    non-Wasserstein GAN) scores rows.  A conditional GAN (``n_classes > 0``)
    gives the generator a one-hot class label beside its noise (Mirza and
    Osindero 2014; :meth:`conditioned` appends it), and its critic a
    projection of the label and a classifier of rows (:class:`Critic`).

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
    n_classes : int, default=0
        Number of classes of a conditional GAN; 0 for an unconditional one.
    """

    def __init__(self, n_features, latent_dim=4, hidden_layer_sizes=(128, 256),
                 activation="leaky_relu", latent="normal", n_classes=0):
        super().__init__()
        if latent not in ("normal", "uniform"):
            raise ValueError(f"latent must be 'normal' or 'uniform', got {latent!r}.")
        self.latent_dim = latent_dim
        self.latent = latent
        self.n_classes = int(n_classes)
        self.generator = MLP(latent_dim + self.n_classes, n_features, hidden_layer_sizes,
                             activation)
        self.critic = Critic(n_features, hidden_layer_sizes[::-1], activation, self.n_classes)

    def forward(self, z):
        """Generated rows of the generator's input ``z`` (its noise, then
        the one-hot label of a conditional GAN)."""
        return self.generator(z)

    def conditioned(self, rows, labels):
        """``rows`` with the one-hot encoding of the class indices
        ``labels`` appended (unchanged for an unconditional GAN)."""
        if not self.n_classes:
            return rows
        one_hot = nn.functional.one_hot(labels.long(), self.n_classes).to(rows.dtype)
        return torch.cat([rows, one_hot], dim=-1)

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


class R1Penalty:
    """The critic's R1 penalty on real rows: ``weight / 2 * r1_penalty``.

    Mescheder, Geiger and Nowozin (2018), with their γ as ``weight``; the
    critic's loss differentiates the real rows' scores, so the step makes
    the real rows require grad (``differentiates_real``).

    Parameters
    ----------
    weight : float
        γ; 0 turns the penalty off.
    """

    def __init__(self, weight):
        self.weight = weight

    @classmethod
    def from_params(cls, gp_weight, clip_value):
        """The penalty a :class:`~pendsk.TrajectoryGAN`'s hyperparameters ask for."""
        return cls(gp_weight)

    @property
    def differentiates_real(self):
        return bool(self.weight)

    def critic_term(self, critic, real, fake, real_scores):
        """The term added to the critic's loss."""
        if not self.weight:
            return 0.0
        return self.weight / 2 * r1_penalty(real, real_scores)

    def after_step(self, critic):
        """Nothing to do after the critic's step."""


class GradientPenalty(R1Penalty):
    """WGAN-GP's penalty between real and generated rows:
    ``weight * gradient_penalty`` (Gulrajani et al. 2017).

    Parameters
    ----------
    weight : float
        λ; 0 turns the penalty off.
    """

    differentiates_real = False

    def critic_term(self, critic, real, fake, real_scores):
        if not self.weight:
            return 0.0
        return self.weight * gradient_penalty(critic, real, fake)


class WeightClipping:
    """The original WGAN's constraint: after each step, the critic's
    weights are clipped to ``[-clip_value, clip_value]`` (Arjovsky et al.
    2017); nothing is added to the loss.

    Parameters
    ----------
    clip_value : float
        The bound, > 0.
    """

    differentiates_real = False

    def __init__(self, clip_value):
        self.clip_value = clip_value

    @classmethod
    def from_params(cls, gp_weight, clip_value):
        """The clipping a :class:`~pendsk.TrajectoryGAN`'s hyperparameters ask for."""
        return cls(clip_value)

    def critic_term(self, critic, real, fake, real_scores):
        return 0.0

    @torch.no_grad()
    def after_step(self, critic):
        for param in critic.parameters():
            param.clamp_(-self.clip_value, self.clip_value)


class GANLoss(NamedTuple):
    """How one GAN loss trains: one row of :data:`GAN_LOSSES`."""

    #: The loss module: ``criterion(fake_scores, real_scores)`` for the
    #: critic, ``criterion(fake_scores)`` for the generator.
    criterion: type
    #: The critic's constraint: a class whose ``from_params(gp_weight,
    #: clip_value)`` gives the object that the training step asks for its
    #: loss term and calls after each step.
    penalty: type
    #: The optimizer class of both networks, and its fixed arguments.
    optimizer: type
    optimizer_kwargs: dict
    #: The generator's input distribution (:class:`GAN`'s ``latent``).
    latent: str


#: The GAN losses by name: the one table that the module, the training
#: step and the estimator read.
GAN_LOSSES = {
    # Goodfellow et al. 2014 with Mescheder et al. 2018's R1 penalty
    "ns-r1": GANLoss(NonSaturatingLoss, R1Penalty, torch.optim.Adam, {"betas": (0.5, 0.9)},
                     "normal"),
    # Gulrajani et al. 2017
    "wgan-gp": GANLoss(WassersteinLoss, GradientPenalty, torch.optim.Adam, {"betas": (0.5, 0.9)},
                       "normal"),
    # Arjovsky et al. 2017, as the article trained it
    "wgan-clip": GANLoss(WassersteinLoss, WeightClipping, torch.optim.RMSprop, {}, "uniform"),
}
