"""Distributions of latent codes that the latent-variable models sample from.

A latent model's ``prior_`` is one of these objects, beside the network as
pythae's samplers are beside its models: it draws codes
(:meth:`MixturePrior.sample`), gives their log-density
(:meth:`MixturePrior.score_samples`), the marginal mean and spread of each
dimension (:meth:`MixturePrior.marginals`, the span of a traversal) and a
typical code (:meth:`MixturePrior.mode`, where a traversal starts).  One
class covers every prior pendsk uses: N(0, I), a Gaussian with given means
and standard deviations (PhysicsVAE's physical latents), and a Gaussian
mixture fitted to the codes of the training rows (BetaVAE's default).
"""

import copy

import numpy as np
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.mixture import GaussianMixture
from sklearn.utils import check_random_state

__all__ = ["MixturePrior"]

#: EM iterations of a fitted mixture (scikit-learn's default, 100, leaves
#: mixtures of 20 components on some codes unconverged, with a warning).
_MAX_ITER = 500


class MixturePrior:
    """A mixture of full-covariance Gaussians over latent codes.

    Parameters
    ----------
    weights : array-like of shape (n_components,)
        Mixing weights, non-negative, summing to 1.
    means : array-like of shape (n_components, n_latents)
        Mean code of each component.
    covariances : array-like of shape (n_components, n_latents, n_latents)
        Covariance of each component (symmetric positive definite).

    Attributes
    ----------
    weights_, means_, covariances_ : ndarray
        The parameters, as float64 arrays.
    mixture_ : sklearn.mixture.GaussianMixture or None
        The scikit-learn mixture the parameters were fitted by
        (:meth:`fit`), with its convergence information; None for a prior
        given by its parameters.

    See Also
    --------
    sklearn.mixture.GaussianMixture : What :meth:`fit` fits.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk._latent.priors import MixturePrior
    >>> prior = MixturePrior.standard_normal(2)
    >>> prior.sample(3, random_state=0).shape
    (3, 2)
    >>> prior.marginals()
    (array([0., 0.]), array([1., 1.]))
    >>> codes = np.random.default_rng(0).normal(3.0, 0.5, size=(500, 2))
    >>> fitted = MixturePrior.fit(codes, n_components=2, random_state=0)
    >>> np.round(fitted.marginals()[0], 1)
    array([3., 3.])
    """

    def __init__(self, weights, means, covariances):
        self.weights_ = np.asarray(weights, dtype=np.float64)
        self.means_ = np.asarray(means, dtype=np.float64)
        self.covariances_ = np.asarray(covariances, dtype=np.float64)
        self.mixture_ = None

    @classmethod
    def standard_normal(cls, n_latents):
        """N(0, I) over ``n_latents`` dimensions (one component)."""
        return cls(np.ones(1), np.zeros((1, n_latents)), np.eye(n_latents)[None])

    @classmethod
    def gaussian(cls, mean, std):
        """One Gaussian with independent dimensions of mean ``mean`` and
        standard deviation ``std`` (arrays of shape ``(n_latents,)``)."""
        mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
        return cls(np.ones(1), mean[None], np.diag(std ** 2)[None])

    @classmethod
    def fit(cls, codes, n_components=1, *, reg_covar=None, random_state=None):
        """A full-covariance :class:`~sklearn.mixture.GaussianMixture` fitted
        to ``codes`` (of shape ``(n, n_latents)``), as a prior.

        ``n_components`` is capped by the number of codes; ``reg_covar``
        (default: 1e-6 of the largest variance of the codes, at least
        1e-6) regularises the covariances in the codes' own scale.  Codes
        that leave a component without a covariance (collapsed codes, e.g.
        of constant rows) get one Gaussian, which always has one.
        """
        if reg_covar is None:
            reg_covar = 1e-6 * max(1.0, float(codes.var(axis=0).max()))
        options = dict(covariance_type="full", reg_covar=reg_covar, max_iter=_MAX_ITER,
                       random_state=random_state)
        try:
            mixture = GaussianMixture(n_components=min(n_components, len(codes)),
                                      **options).fit(codes)
        except ValueError:
            mixture = GaussianMixture(n_components=1, **options).fit(codes)
        return cls._of(mixture)

    @classmethod
    def _of(cls, mixture):
        prior = cls(mixture.weights_, mixture.means_, mixture.covariances_)
        prior.mixture_ = mixture
        return prior

    def update(self, codes, *, random_state=None):
        """A new prior: this one's mixture refitted to ``codes``, starting
        from its current parameters (this prior is left as it is).

        scikit-learn's ``warm_start``: EM starts from the fitted weights,
        means and precisions instead of k-means and runs until it
        converges, a few iterations when the codes have moved little --
        the incremental update of :meth:`BetaVAE.partial_fit
        <pendsk.BetaVAE.partial_fit>`, whose cost does not grow with the
        number of calls.  A prior not fitted by :meth:`fit` (no
        ``mixture_``), or with more components than ``codes`` has rows,
        is fitted anew.

        Examples
        --------
        >>> import numpy as np
        >>> from pendsk._latent.priors import MixturePrior
        >>> rng = np.random.default_rng(0)
        >>> prior = MixturePrior.fit(rng.normal(0.0, 1.0, (500, 2)), 2, random_state=0)
        >>> moved = prior.update(rng.normal(0.5, 1.0, (500, 2)))
        >>> bool(np.abs(moved.marginals()[0] - 0.5).max() < 0.2)
        True
        """
        if (self.mixture_ is None or self.n_components > len(codes)
                or codes.shape[1] != self.n_latents):
            return self.fit(codes, self.n_components, random_state=random_state)
        mixture = copy.deepcopy(self.mixture_)
        mixture.set_params(warm_start=True)
        try:
            mixture.fit(codes)
        except ValueError:  # a component left without a covariance
            return self.fit(codes, self.n_components, random_state=random_state)
        return self._of(mixture)

    @property
    def n_components(self):
        """Number of mixture components."""
        return len(self.weights_)

    @property
    def n_latents(self):
        """Dimensions of a code."""
        return self.means_.shape[1]

    def sample(self, n_samples, random_state=None):
        """``n_samples`` codes, in random order (not grouped by component).

        Parameters
        ----------
        n_samples : int
            Number of codes.
        random_state : int, RandomState instance or None, default=None
            The generator, as in scikit-learn (a RandomState is advanced).

        Returns
        -------
        codes : ndarray of shape (n_samples, n_latents)
        """
        rng = check_random_state(random_state)
        if self.n_components == 1:
            component = np.zeros(n_samples, dtype=int)
        else:
            component = rng.choice(self.n_components, size=n_samples, p=self.weights_)
        chol = np.linalg.cholesky(self.covariances_)
        eps = rng.standard_normal((n_samples, self.n_latents))
        return self.means_[component] + np.einsum("nij,nj->ni", chol[component], eps)

    def sample_given(self, fixed, random_state=None):
        """Codes drawn from the mixture given the values of some dimensions.

        For each component the conditional Gaussian of the free dimensions
        given the fixed ones, and the component's weight times the density
        of the fixed values under its marginal (Bishop 2006, 2.3.1): the
        conditional distribution of a Gaussian mixture is the mixture of
        its components' conditionals.

        Parameters
        ----------
        fixed : dict of {int: array-like of shape (n_samples,)}
            The fixed dimensions and their value in each of the
            ``n_samples`` codes.
        random_state : int, RandomState instance or None, default=None
            The generator, as in scikit-learn.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_latents)
            The fixed values in their dimensions, draws in the others.

        Examples
        --------
        >>> import numpy as np
        >>> from pendsk._latent.priors import MixturePrior
        >>> prior = MixturePrior(np.ones(1), np.zeros((1, 2)), np.array([[[1.0, 0.8],
        ...                                                                 [0.8, 1.0]]]))
        >>> codes = prior.sample_given({0: np.full(2000, 1.0)}, random_state=0)
        >>> bool(np.all(codes[:, 0] == 1.0)), round(float(codes[:, 1].mean()), 1)
        (True, 0.8)
        """
        rng = check_random_state(random_state)
        S = np.array(sorted(fixed), dtype=np.intp)
        R = np.setdiff1d(np.arange(self.n_latents), S)
        values = np.column_stack([np.asarray(fixed[i], dtype=np.float64) for i in S])
        n_samples = len(values)
        codes = np.empty((n_samples, self.n_latents))
        codes[:, S] = values
        log_weights = np.empty((n_samples, self.n_components))
        means, chols = [], []
        for k, (mean, cov) in enumerate(zip(self.means_, self.covariances_)):
            cov_ss = cov[np.ix_(S, S)]
            gain = np.linalg.solve(cov_ss, cov[np.ix_(S, R)]).T  # Σ_RS Σ_SS⁻¹
            log_weights[:, k] = (np.log(self.weights_[k])
                                 + multivariate_normal(mean[S], cov_ss).logpdf(values))
            means.append(mean[R] + (values - mean[S]) @ gain.T)
            chols.append(np.linalg.cholesky(cov[np.ix_(R, R)] - gain @ cov[np.ix_(S, R)]))
        probabilities = np.exp(log_weights - logsumexp(log_weights, axis=1, keepdims=True))
        component = (rng.random_sample((n_samples, 1))
                     > np.cumsum(probabilities, axis=1)).sum(axis=1)
        component = np.minimum(component, self.n_components - 1)
        eps = rng.standard_normal((n_samples, len(R)))
        for k in np.unique(component):
            rows = component == k
            codes[np.ix_(rows, R)] = means[k][rows] + eps[rows] @ chols[k].T
        return codes

    def score_samples(self, codes):
        """Log-density of each code, ``(n,)``."""
        per_component = np.stack([
            multivariate_normal(mean, cov, allow_singular=False).logpdf(codes).reshape(-1)
            for mean, cov in zip(self.means_, self.covariances_)], axis=1)
        with np.errstate(divide="ignore"):
            return logsumexp(per_component + np.log(self.weights_), axis=1)

    def marginals(self):
        """Mean and standard deviation of each code dimension, ``(n_latents,)`` each."""
        weights = self.weights_[:, None]
        mean = (weights * self.means_).sum(0)
        second = (weights * (np.diagonal(self.covariances_, axis1=1, axis2=2)
                             + self.means_ ** 2)).sum(0)
        return mean, np.sqrt(np.maximum(second - mean ** 2, 0.0))

    def mode(self):
        """A typical code: the mean of the heaviest component, ``(n_latents,)``
        (the mixture's own mean may fall between components)."""
        return self.means_[np.argmax(self.weights_)].copy()
