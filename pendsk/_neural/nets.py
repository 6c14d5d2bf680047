"""The skorch side of training: pendsk's nets and their batches.

pendsk's estimators hold a skorch :class:`~skorch.NeuralNet` as ``net_``;
the classes here are those nets (the plain one, the autoencoder's, the
GAN's with two optimizers) and the iterator that cuts their batches from
in-memory tensors.
"""

import math

import torch
from skorch import NeuralNet

__all__ = ["AutoencoderNet", "Net", "TensorBatches"]



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
    """skorch's NeuralNet without a per-batch mode switch, and without an
    epoch table when silent.

    This class is the one place where pendsk relies on skorch's private API
    (skorch 1.x): ``_set_training`` (no public hook switches train/eval
    mode) and ``_optimizers`` (the names of the optimizers a net
    registered; skorch offers no public list).

    skorch calls ``module.train()`` / ``module.eval()`` before every batch,
    which walks every submodule (tens of microseconds per batch for a small
    MLP); switching only when the mode changes keeps the loop as lean as a
    hand-written one.  skorch's ``PrintLog`` formats the epoch table even at
    ``verbose=0``, so only ``verbose >= 2`` keeps it (``verbose=1`` shows
    an :class:`EpochProgressBar` instead).
    """

    def _set_training(self, training=True):
        if any(getattr(self, name + "_").training != training for name in self._modules):
            super()._set_training(training)

    def get_default_callbacks(self):
        return [(name, callback) for name, callback in super().get_default_callbacks()
                if self.verbose >= 2 or name != "print_log"]

    def restart_learning_rate(self, lr):
        """Give every optimizer's groups the learning rate ``lr`` as the
        start of a new schedule (torch's schedulers keep ``initial_lr``)."""
        for name in self._optimizers:
            for group in getattr(self, name + "_").param_groups:
                group["lr"] = group["initial_lr"] = lr



class AutoencoderNet(Net):
    """A skorch net whose target is its input."""

    def get_loss(self, y_pred, y_true, X=None, training=False):
        return super().get_loss(y_pred, X, X=X, training=training)
