"""The networks and loss of the regressors (torch only)."""

import torch
from torch import nn

from .._neural.layers import MLP

__all__ = ["GaussianMLP", "GaussianNLLLoss"]



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
