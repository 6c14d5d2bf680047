"""The article's GAN: whole trajectories generated from noise."""

from numbers import Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import Callback, PassthroughScoring

from .._neural.docs import shared_docs
from .._neural.estimator import NeuralEstimator, UnsupervisedNeuralEstimator
from .._neural.nets import Net
from .._utils.validation import Count
from ..metrics import maximum_mean_discrepancy
from .networks import GAN, GAN_LOSSES, gradient_penalty, r1_penalty

__all__ = ["TrajectoryGAN"]


class _CriticLRSchedule(Callback):
    """The critic's optimizer follows the generator's learning-rate
    schedule: the same torch scheduler as the net's ``lr_schedule``
    callback, stepped at the end of each epoch (``event_critic_lr``)."""

    def on_train_begin(self, net, **kwargs):
        schedule = dict(net.callbacks_)["lr_schedule"]
        self.scheduler_ = schedule.policy_(net.critic_optimizer_, **schedule.kwargs)

    def on_epoch_end(self, net, **kwargs):
        net.history.record("event_critic_lr", self.scheduler_.get_last_lr()[0])
        self.scheduler_.step()


class _GANNet(Net):
    """A skorch net with two optimizers: the generator's and the critic's.

    As skorch's customization guide shows, ``initialize_optimizer`` adds a
    second optimizer (``critic_optimizer_``) and ``train_step`` runs the
    GAN's alternating updates: every batch one critic step, and one
    generator step per ``n_critic`` critic steps of each epoch.
    Validation (for early stopping) scores the MMD² between the held-out
    rows, taken as one batch, and as many generated rows.  The per-batch
    ``critic_loss`` and ``generator_loss`` go into the history, and their
    epoch means too (two default callbacks).

    Parameters
    ----------
    n_critic : int
        Critic steps per generator step.
    penalty : {"r1", "gp", "clip"}
        The critic's constraint (:data:`pendsk._neural.layers.GAN_LOSSES`): R1 on
        the real rows, WGAN-GP's penalty between real and generated rows,
        or weight clipping.
    gp_weight : float
        The penalty's weight: ``gp_weight * gp``, or ``gp_weight / 2 * r1``
        (R1's γ).
    clip_value : float
        With ``penalty="clip"``, the critic's weights are clipped to
        ``[-clip_value, clip_value]`` after each step.
    """

    def __init__(self, *args, n_critic=5, penalty="r1", gp_weight=10.0, clip_value=0.01,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.n_critic = n_critic
        self.penalty = penalty
        self.gp_weight = gp_weight
        self.clip_value = clip_value

    def get_default_callbacks(self):
        return [*super().get_default_callbacks(),
                *((name, PassthroughScoring(name, on_train=True))
                  for name in ("critic_loss", "generator_loss"))]

    def on_epoch_begin(self, net, **kwargs):
        super().on_epoch_begin(net, **kwargs)
        # count critic steps within the epoch, so every epoch has a
        # generator step (and a generator_loss) even on tiny data
        self.critic_steps_ = 0

    def initialize_optimizer(self, *args, **kwargs):
        gan = self.module_
        args, kwargs = self.get_params_for_optimizer(
            "optimizer", gan.generator.named_parameters())
        self.optimizer_ = self.optimizer(*args, **kwargs)
        args, kwargs = self.get_params_for_optimizer(
            "optimizer", gan.critic.named_parameters())
        self.critic_optimizer_ = self.optimizer(*args, **kwargs)
        return self

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        real = batch[0]
        gan = self.module_
        fake = gan(gan.draw_latent(len(real), real)).detach()

        self.critic_optimizer_.zero_grad(set_to_none=True)
        r1 = self.penalty == "r1" and self.gp_weight
        if r1:  # R1 differentiates the real rows' scores
            real = real.detach().requires_grad_(True)
        real_scores = gan.critic(real)
        critic_loss = self.criterion_(gan.critic(fake), real_scores)
        loss = critic_loss
        if self.penalty == "gp" and self.gp_weight:
            loss = loss + self.gp_weight * gradient_penalty(gan.critic, real, fake)
        elif r1:
            loss = loss + self.gp_weight / 2 * r1_penalty(real, real_scores)
        loss.backward()
        self.critic_optimizer_.step()
        if self.penalty == "clip":
            with torch.no_grad():
                for param in gan.critic.parameters():
                    param.clamp_(-self.clip_value, self.clip_value)
        self.history.record_batch("critic_loss", critic_loss.item())

        # the generator steps after the critic's steps 1, 1 + n_critic, ...
        # of each epoch
        self.critic_steps_ += 1
        if (self.critic_steps_ - 1) % self.n_critic == 0:
            self.optimizer_.zero_grad(set_to_none=True)
            generated = gan(gan.draw_latent(len(real), real))
            generator_loss = self.criterion_(gan.critic(generated))
            generator_loss.backward()
            self.optimizer_.step()
            self.history.record_batch("generator_loss", generator_loss.item())
        return {"loss": loss, "y_pred": fake}

    def validation_step(self, batch, **fit_params):
        """MMD² between the held-out rows and as many generated rows.

        The generator's input is drawn from a fixed seed, so the value
        changes between epochs only as the generator does.
        """
        self._set_training(False)
        real = batch[0]
        if len(real) < 2:
            raise ValueError("early_stopping needs at least 2 held-out rows to score; "
                             "raise validation_fraction or give more rows.")
        seeded = torch.Generator(device=real.device).manual_seed(0)
        with torch.no_grad():
            fake = self.module_(self.module_.draw_latent(len(real), real, generator=seeded))
        mmd = maximum_mean_discrepancy(*(t.cpu().to(torch.float64).numpy()
                                         for t in (real, fake)))
        return {"loss": torch.tensor(mmd), "y_pred": fake}


class TrajectoryGAN(UnsupervisedNeuralEstimator):
    """GAN that generates whole trajectories from noise.

    An MLP generator turns ``latent_dim`` noise values into a trajectory;
    an MLP critic scores trajectories and is trained to tell real from
    generated ones.  Three losses:

    - ``"ns-r1"`` (default): the standard GAN loss, non-saturating for the
      generator [1]_, with the R1 gradient penalty on the real rows [4]_
      and Adam;
    - ``"wgan-gp"``: the Wasserstein loss [2]_, the critic kept
      1-Lipschitz by a gradient penalty between real and generated rows
      [3]_, and Adam;
    - ``"wgan-clip"``: the Wasserstein loss with weight clipping, RMSprop
      and uniform noise, as the original WGAN and the article did.

    On 400 pendulum trajectories ``"ns-r1"`` samples are as close to 200
    held-out ones as those of PCA(8) + ``GaussianMixture(10)`` (MMD² 7.7e-4
    against 7.9e-4), where ``"wgan-gp"`` reaches 3.8e-3
    (``benchmarks/bench_generative.py``).

    Parameters
    ----------
    latent_dim : int, default=4
        Width of the generator's input noise.
    loss : {{"ns-r1", "wgan-gp", "wgan-clip"}}, default="ns-r1"
        ``"ns-r1"``: non-saturating loss, R1 penalty, Adam (betas 0.5,
        0.9), normal noise.  ``"wgan-gp"``: Wasserstein loss, gradient
        penalty, Adam (betas 0.5, 0.9), normal noise.  ``"wgan-clip"``:
        Wasserstein loss, weight clipping, RMSprop, uniform noise in
        [-1, 1] (the article's model).
    n_critic : int, default=5
        Critic steps (one per batch) per generator step; the generator
        steps on batches 0, ``n_critic``, 2·``n_critic``, ... of each epoch.
    gp_weight : float, default=10.0
        Weight of the gradient penalty: R1's γ for ``"ns-r1"`` (the
        penalty is γ/2 · mean ‖∇ critic(x)‖² over real rows), λ for
        ``"wgan-gp"``; unused by ``"wgan-clip"``.
    clip_value : float, default=0.01
        The critic's weights are clipped to ``[-clip_value, clip_value]``
        (``"wgan-clip"`` only).
    hidden_layer_sizes : array-like of int, default=(128, 256)
        Hidden widths of the generator; the critic uses them reversed.
    activation : {{"leaky_relu", "relu", "silu", "tanh", "gelu", "elu", \
"logistic", "identity"}}, default="leaky_relu"
        Nonlinearity after each hidden layer.{params}

    Attributes
    ----------{attributes}

    See Also
    --------
    BetaVAE : Generates trajectories from a latent code with an encoder.
    sklearn.mixture.GaussianMixture : A classical generative baseline.
    pendsk.metrics.maximum_mean_discrepancy : The measure :meth:`score` uses.

    Notes
    -----
    ``max_epochs="auto"`` trains for S = 21000 critic steps at 400 training
    rows (3000 epochs of 7 batches of 64), 2.5 times as many on 10 times
    the rows.  Trajectories are standardised per time step inside the
    estimator; the
    networks train in float32 and :meth:`sample` applies the generator in
    float64.  ``history_`` holds per-epoch ``critic_loss`` (without the
    penalty: the critic's cross-entropy for ``"ns-r1"``, the negative
    Wasserstein estimate for the WGANs), ``generator_loss`` and
    ``train_loss`` (the critic's loss with the penalty).  With
    ``early_stopping``, ``valid_loss`` is the MMD² between the held-out rows
    and as many generated rows (generator input from a fixed seed, in
    standardised units), the measure :meth:`score` uses.

    References
    ----------
    .. [1] Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    .. [2] Arjovsky, Chintala and Bottou, "Wasserstein GAN", ICML 2017.
    .. [3] Gulrajani et al., "Improved Training of Wasserstein GANs",
       NeurIPS 2017.
    .. [4] Mescheder, Geiger and Nowozin, "Which Training Methods for GANs
       do actually Converge?", ICML 2018.

    Examples
    --------
    >>> from pendsk import TrajectoryGAN
    >>> from pendsk.datasets import make_pendulum
    >>> X, _ = make_pendulum(n_samples=100, n_steps=100, random_state=0)
    >>> gan = TrajectoryGAN(max_epochs=20, random_state=0).fit(X)
    >>> gan.sample(3, random_state=0).shape
    (3, 100)
    >>> len(gan.history_), "critic_loss" in gan.history_[-1]
    (20, True)
    >>> gan.score(X) < 0  # minus MMD² to the data: 0 is indistinguishable
    True
    """

    _parameter_constraints = {
        **UnsupervisedNeuralEstimator._parameter_constraints,
        "latent_dim": [Count(1, None, closed="left")],
        "loss": [StrOptions(set(GAN_LOSSES))],
        "n_critic": [Count(1, None, closed="left")],
        "gp_weight": [Interval(Real, 0, None, closed="left")],
        "clip_value": [Interval(Real, 0, None, closed="neither")],
    }
    _auto_steps = 21000
    _net_class = _GANNet
    _network_params = ("latent_dim", "loss", *NeuralEstimator._network_params)

    def __init__(self, latent_dim=4, loss="ns-r1", n_critic=5, gp_weight=10.0,
                 clip_value=0.01, *, hidden_layer_sizes=(128, 256),
                 activation="leaky_relu", lr=2e-4, lr_schedule="cosine", max_epochs="auto",
                 batch_size=64, weight_decay=0.0, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, warm_start=False,
                 callbacks=None, device="cpu", n_jobs=None, random_state=None, verbose=0):
        self.latent_dim = latent_dim
        self.loss = loss
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.clip_value = clip_value
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.lr = lr
        self.lr_schedule = lr_schedule
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    # -- NeuralEstimator hooks -------------------------------------------------

    def _module_spec(self, data):
        return GAN, dict(n_features=data.X.shape[1], latent_dim=self.latent_dim,
                         hidden_layer_sizes=self._check_hidden_layer_sizes(),
                         activation=self.activation, latent=GAN_LOSSES[self.loss].latent)

    @property
    def _criterion(self):
        return GAN_LOSSES[self.loss].criterion

    def _net_kwargs(self):
        spec = GAN_LOSSES[self.loss]
        betas = {} if spec.betas is None else {"optimizer__betas": spec.betas}
        return dict(optimizer=spec.optimizer, optimizer__weight_decay=self.weight_decay,
                    penalty=spec.penalty, **betas,
                    # validation scores all held-out rows at once (one MMD²)
                    iterator_valid__batch_size=np.iinfo(np.int32).max)

    def _train_settings(self):
        # loss is a network parameter: a warm start has the one it was built with
        return dict(n_critic=self.n_critic, gp_weight=self.gp_weight,
                    clip_value=self.clip_value)

    def _extra_callbacks(self, n_epochs):
        return [("critic_lr_schedule", _CriticLRSchedule())]

    # -- generating ----------------------------------------------------------------

    @validate_params({"n_samples": [Count(1, None, closed="left")],
                      "random_state": ["random_state"]},
                     prefer_skip_nested_validation=True)
    def sample(self, n_samples=1, random_state=None):
        """Generate trajectories.

        Parameters
        ----------
        n_samples : int, default=1
            Number of trajectories.
        random_state : int, RandomState instance or None, default=None
            Seed of the generator's input noise.

        Returns
        -------
        X : ndarray of shape (n_samples, n_steps)
            Generated trajectories.
        """
        check_is_fitted(self)
        rng = check_random_state(random_state)
        module = self.net_.module_
        shape = (n_samples, module.latent_dim)
        z = (rng.uniform(-1.0, 1.0, shape) if module.latent == "uniform"
             else rng.standard_normal(shape))
        return self._forward(z, input_name="the generator's input",
                             post=self._x_scaler.inverse_transform)

    def score(self, X, y=None):
        """Negative MMD² between ``X`` and as many generated trajectories.

        The generated trajectories come from a fixed seed, so the score is
        deterministic; higher is better, 0 is indistinguishable.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps)
            Held-out trajectories, at least 2.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
            ``-maximum_mean_discrepancy(X, samples)`` (unbiased MMD², RBF
            kernel, median-heuristic bandwidth).
        """
        check_is_fitted(self)
        X = self._check_X(X, reset=False)
        if len(X) < 2:
            raise ValueError(f"score needs at least 2 rows in X, got {len(X)}.")
        return -maximum_mean_discrepancy(X, self.sample(len(X), random_state=0))


TrajectoryGAN.__doc__ = TrajectoryGAN.__doc__.format(**shared_docs(TrajectoryGAN))
