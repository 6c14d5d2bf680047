"""The skorch side of training: pendsk's nets and their batches.

pendsk's estimators hold a skorch :class:`~skorch.NeuralNet` as ``net_``;
the classes here are those nets -- the plain one, the autoencoder's (its
target is its input), the GAN's (two optimizers, alternating steps) -- and
the iterator that cuts their batches from in-memory tensors.  Each training
call hands a net its settings as net parameters (``loss_settings``, the
GAN's ``n_critic`` and ``penalty``) through ``set_params``, in one place
(:meth:`pendsk._neural.estimator.NeuralEstimator._configure_net`).
"""

import math

import torch
from torch.nn.functional import cross_entropy
from skorch import NeuralNet
from skorch.callbacks import PassthroughScoring

from ..metrics import maximum_mean_discrepancy
from .runtime import UserInterrupt

__all__ = ["AutoencoderNet", "GANNet", "Net", "TensorBatches"]

class TensorBatches:
    """Mini-batches sliced from the tensors of a :class:`TensorDataset`.

    skorch's default :class:`~torch.utils.data.DataLoader` fetches and
    collates rows one by one; this iterator (given to skorch as
    ``iterator_train`` / ``iterator_valid``) permutes the tensors once per
    epoch and yields contiguous slices.  The permutation comes from torch's
    global generator, which :class:`NeuralEstimator` seeds inside a forked
    RNG state.

    Parameters
    ----------
    dataset : TensorDataset
        Inputs and, optionally, targets, already on the training device.
    batch_size : int
        Rows per batch (the last batch may be smaller).
    shuffle : bool, default=False
        Draw a new row order at each epoch.
    """

    def __init__(self, dataset, batch_size, shuffle=False):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        return math.ceil(len(self.dataset) / self.batch_size)

    def __iter__(self):
        tensors = self.dataset.tensors
        if self.shuffle:
            order = torch.randperm(len(self.dataset)).to(tensors[0].device)
            tensors = [t[order] for t in tensors]
        for start in range(0, len(self.dataset), self.batch_size):
            batch = [t[start:start + self.batch_size] for t in tensors]
            yield batch[0], (batch[1] if len(batch) > 1 else None)


class Net(NeuralNet):
    """skorch's NeuralNet with per-call loss settings, without a per-batch
    mode switch, and without an epoch table when silent.

    This class is the one place where pendsk relies on skorch's private API
    (skorch 1.x): ``_set_training`` (no public hook switches train/eval
    mode) and ``_optimizers`` (the names of the optimizers a net
    registered; skorch offers no public list), behind
    :meth:`optimizer_names`.

    ``loss_settings`` are keyword arguments of the criterion's call
    (``criterion_(y_pred, y_true, **settings)``), so the criterion itself
    holds no settings; a value that is callable is a schedule, called at
    the start of each epoch with the number of epochs the net has trained
    so far.  The values of the current epoch are ``loss_settings_``.
    (skorch's own ``criterion__*`` parameters would re-initialise the
    optimizer, and with it a warm start's Adam moments.)

    skorch calls ``module.train()`` / ``module.eval()`` before every batch,
    which walks every submodule (tens of microseconds per batch for a small
    MLP); switching only when the mode changes keeps the loop as lean as a
    hand-written one.  skorch's ``PrintLog`` formats the epoch table even at
    ``verbose=0``, so only ``verbose >= 2`` keeps it (``verbose=1`` shows
    an :class:`~pendsk._neural.callbacks.EpochProgressBar` instead).
    """

    def __init__(self, *args, loss_settings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.loss_settings = loss_settings

    def _set_training(self, training=True):
        if any(getattr(self, name + "_").training != training for name in self._modules):
            super()._set_training(training)

    def get_default_callbacks(self):
        return [(name, callback) for name, callback in super().get_default_callbacks()
                if self.verbose >= 2 or name != "print_log"]

    def optimizer_names(self):
        """Names of the net's optimizers (``"optimizer"`` first), as
        registered by ``initialize_optimizer``."""
        return list(self._optimizers)

    def restart_learning_rate(self, lr):
        """Give every optimizer's groups the learning rate ``lr`` as the
        start of a new schedule (torch's schedulers keep ``initial_lr``)."""
        for name in self.optimizer_names():
            for group in getattr(self, name + "_").param_groups:
                group["lr"] = group["initial_lr"] = lr

    def on_epoch_begin(self, net, **kwargs):
        super().on_epoch_begin(net, **kwargs)
        done = len(self.history) - 1  # this epoch's row is already there
        self.loss_settings_ = {name: value(done) if callable(value) else value
                               for name, value in (self.loss_settings or {}).items()}

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return self.criterion_(y_pred, y_true, **getattr(self, "loss_settings_", {}))

    def partial_fit(self, X, y=None, classes=None, **fit_params):
        """skorch's ``partial_fit``, except that the user's Ctrl-C
        (:class:`~pendsk._neural.runtime.UserInterrupt`) propagates.

        A plain KeyboardInterrupt raised by a callback stops training, as
        skorch documents (its ``EarlyStopping`` stops that way); skorch
        would end training quietly on a Ctrl-C too, as if it had finished.
        On a Ctrl-C the callbacks' ``on_train_end`` still runs, to close
        what they opened, and the estimator rolls the call back.
        """
        if not self.initialized_:
            self.initialize()
        self.notify("on_train_begin", X=X, y=y)
        try:
            self.fit_loop(X, y, **fit_params)
        except UserInterrupt:
            self.notify("on_train_end", X=X, y=y)
            raise
        except KeyboardInterrupt:
            pass
        self.notify("on_train_end", X=X, y=y)
        return self


class AutoencoderNet(Net):
    """A skorch net whose target is its input."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return super().get_loss(y_pred, X, X=X, training=training)


class GANNet(Net):
    """A skorch net with two optimizers: the generator's and the critic's.

    As skorch's customization guide shows, ``initialize_optimizer`` adds a
    second optimizer (``critic_optimizer_``) and ``train_step`` runs the
    GAN's alternating updates: every batch one critic step, and one
    generator step per ``n_critic`` critic steps of each epoch.  The
    critic's constraint is the ``penalty`` object (a row of
    :data:`pendsk._gan.networks.GAN_LOSSES`): it adds its term to the
    critic's loss and acts on the critic after each step.  Validation (for
    early stopping) scores the MMD² between the held-out rows, taken as one
    batch, and as many generated rows.  The per-batch ``critic_loss`` and
    ``generator_loss`` go into the history, and their epoch means too (two
    default callbacks).

    Parameters
    ----------
    n_critic : int
        Critic steps per generator step.
    penalty : object
        The critic's constraint, with ``differentiates_real``,
        ``critic_term(critic, real, fake, real_scores)`` and
        ``after_step(critic)`` (:mod:`pendsk._gan.networks`).
    """

    def __init__(self, *args, n_critic=5, penalty=None, **kwargs):
        # validation scores all held-out rows at once (one MMD²)
        kwargs.setdefault("iterator_valid__batch_size", torch.iinfo(torch.int32).max)
        super().__init__(*args, **kwargs)
        self.n_critic = n_critic
        self.penalty = penalty

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
        gan, penalty = self.module_, self.penalty
        # a conditional GAN's class labels come beside the rows
        labels = batch[1] if len(batch) > 1 else None

        def conditioned(rows):
            return gan.conditioned(rows, labels)

        def critic(rows):
            return gan.critic(rows, labels)
        fake = gan(conditioned(gan.draw_latent(len(real), real))).detach()

        self.critic_optimizer_.zero_grad(set_to_none=True)
        if penalty.differentiates_real:
            real = real.detach().requires_grad_(True)
        real_scores = critic(real)
        critic_loss = self.criterion_(critic(fake), real_scores)
        loss = critic_loss + penalty.critic_term(critic, real, fake, real_scores)
        if labels is not None:  # the auxiliary classifier learns the real rows' classes
            loss = loss + cross_entropy(gan.critic.class_logits(real.detach()), labels.long())
        loss.backward()
        self.critic_optimizer_.step()
        penalty.after_step(gan.critic)
        self.history.record_batch("critic_loss", critic_loss.item())

        # the generator steps after the critic's steps 1, 1 + n_critic, ...
        # of each epoch
        self.critic_steps_ += 1
        if (self.critic_steps_ - 1) % self.n_critic == 0:
            self.optimizer_.zero_grad(set_to_none=True)
            generated = gan(conditioned(gan.draw_latent(len(real), real)))
            generator_loss = self.criterion_(critic(generated))
            if labels is not None:  # ... and the generator makes rows it assigns right
                generator_loss = generator_loss + cross_entropy(
                    gan.critic.class_logits(generated), labels.long())
            generator_loss.backward()
            self.optimizer_.step()
            self.history.record_batch("generator_loss", generator_loss.item())
        return {"loss": loss, "y_pred": fake}

    def validation_step(self, batch, **fit_params):
        """MMD² between the held-out rows and as many generated rows (of the
        same classes, for a conditional GAN).

        The generator's input is drawn from a fixed seed, so the value
        changes between epochs only as the generator does.
        """
        self._set_training(False)
        real = batch[0]
        labels = batch[1] if len(batch) > 1 else None
        if len(real) < 2:
            raise ValueError("early_stopping needs at least 2 held-out rows to score; "
                             "raise validation_fraction or give more rows.")
        seeded = torch.Generator(device=real.device).manual_seed(0)
        with torch.no_grad():
            noise = self.module_.draw_latent(len(real), real, generator=seeded)
            fake = self.module_(self.module_.conditioned(noise, labels))
        mmd = maximum_mean_discrepancy(*(t.cpu().to(torch.float64).numpy()
                                         for t in (real, fake)))
        return {"loss": torch.tensor(mmd), "y_pred": fake}
