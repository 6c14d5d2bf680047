"""The building block of every pendsk network: an MLP with a named
nonlinearity (torch only)."""

from functools import partial

from torch import nn

__all__ = ["ACTIVATIONS", "MLP"]

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

