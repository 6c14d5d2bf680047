"""The start of :class:`pendsk.BetaVAE` from probabilistic PCA."""

import numpy as np
from sklearn.decomposition import PCA

__all__ = ["ppca_start"]

#: Principal axes with less variance than this share of the largest are
#: left out of the starting PCA (rank-deficient rows).
_PCA_TOL = 1e-10

#: The decoder's starting noise variance is at least this share of each
#: time step's variance (rows that PCA reconstructs exactly).
_NOISE_FLOOR = 1e-4

#: The largest entry of a starting linear map (in standardised units);
#: beyond it, the start from PCA is left out.
_BASIS_LIMIT = 1e4


def ppca_start(Xs, scale, latent_dim):
    """Probabilistic PCA of rows in the units of X, as seen by a network of
    standardised rows: ``(encode_basis, decode_basis, log_var, log_scale)``
    for :meth:`VAE.init_linear_path <pendsk._neural.layers.VAE.init_linear_path>`.

    ``Xs`` are the standardised training rows, ``scale`` the per-step
    scales that undo the standardisation.  The rows in the units of X,
    divided by the largest scale (which leaves the axes and the whitened
    scores as they are and keeps the numbers near 1), give the principal
    axes ``V`` and variances ``lam``; a standardised row ``x`` then has the
    whitened scores ``V (w x) / sqrt(lam)``, ``w = scale / max(scale)``,
    and scores ``z`` decode to ``(V.T (sqrt(lam) z)) / w``.  The posterior
    variance of a score starts at the residual variance per step over
    ``lam``, the decoder's noise at each step's residual variance (at
    least ``_NOISE_FLOOR`` of the step's).  Axes the rows do not vary along
    are left out; so is everything, when the numbers are not finite or the
    maps exceed ``_BASIS_LIMIT``.
    """
    w = scale / scale.max()
    rows = Xs * w
    # n centred rows span at most n - 1 axes; constant rows span none
    k = min(latent_dim, len(rows) - 1, rows.shape[1])
    axes, variances = np.empty((0, rows.shape[1])), np.empty(0)
    if k > 0 and rows.var(axis=0).max() > 0:
        pca = PCA(n_components=k, svd_solver="full").fit(rows)
        keep = pca.explained_variance_ > _PCA_TOL * pca.explained_variance_.max()
        axes, variances = pca.components_[keep], pca.explained_variance_[keep]
    residual = rows - (rows @ axes.T) @ axes
    noise = np.maximum(residual.var(axis=0) / w ** 2, _NOISE_FLOOR)  # standardised
    std = np.sqrt(variances)
    code_noise = max(residual.var(axis=0).mean(), _NOISE_FLOOR * rows.var(axis=0).mean())
    start = ((axes * w) / std[:, None], (axes / w).T * std, np.log(code_noise / variances),
             0.5 * np.log(noise))
    # float32 must hold the bases (steps of nearly no spread beside others
    # would blow theirs up): otherwise the MLPs start alone
    if not all(np.isfinite(part).all() for part in start) or max(
            np.abs(basis).max(initial=0.0) for basis in start[:2]) > _BASIS_LIMIT:
        return start[0][:0], start[1][:, :0], start[2][:0], np.zeros(len(scale))
    return start
