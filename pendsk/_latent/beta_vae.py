"""The article's β-VAE: trajectories from a latent code you can turn."""

from numbers import Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin
from sklearn.decomposition import PCA
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from .._neural.docs import shared_docs
from .._neural.estimator import NeuralEstimator, UnsupervisedNeuralEstimator
from .._utils.seeding import child_seed
from .._utils.validation import Count, Pair, naming
from .base import LatentModel
from .priors import MixturePrior
from .vae_network import VAE

__all__ = ["BetaVAE", "LinearRamp", "ppca_start"]

#: The fitted prior sees this many codes drawn from each training row's
#: posterior, fewer when that would exceed ``_PRIOR_POINTS`` codes in all
#: (but at least one per row).
_PRIOR_DRAWS, _PRIOR_POINTS = 10, 10_000

#: Principal axes with less variance than this share of the largest are
#: left out of the starting PCA (rank-deficient rows).
_PCA_TOL = 1e-10

#: The decoder's starting noise variance is at least this share of each
#: time step's variance (rows that PCA reconstructs exactly).
_NOISE_FLOOR = 1e-4

#: The largest entry of a starting linear map (in standardised units);
#: beyond it, the start from PCA is left out.
_BASIS_LIMIT = 1e4


#: ``capacity``: the KL target's final value [nats] and the epochs to reach it.
_CAPACITY = Pair(Interval(Real, 0, None, closed="left"), Count(1, None),
                 names=("C_max", "n_epochs"))


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


class LinearRamp:
    """A value that rises linearly from 0 to ``end`` over ``n_epochs``
    epochs and stays there: ``ramp(done) = end * min(done / n_epochs, 1)``,
    ``done`` the epochs the net has trained so far (so warm starts continue
    the ramp).  BetaVAE's capacity schedule, as a loss setting.

    Parameters
    ----------
    end : float
        The final value.
    n_epochs : int
        Epochs to reach it, >= 1.
    """

    def __init__(self, end, n_epochs):
        self.end = end
        self.n_epochs = n_epochs

    def __call__(self, done):
        return self.end * min(done / self.n_epochs, 1.0)


class BetaVAE(ClassNamePrefixFeaturesOutMixin, LatentModel):
    """β-variational autoencoder of whole trajectories.

    An MLP encoder maps a trajectory to a diagonal-Gaussian posterior over
    ``latent_dim`` codes; the mirrored decoder maps a code to a Gaussian
    over the trajectory whose noise scale (one per time step) is learned.
    With ``pca_path=True`` (the default) both add a fixed linear map to
    their MLP: training starts from probabilistic PCA of the training rows,
    and the MLPs learn what PCA misses (see Notes).
    Training minimises ``NLL + beta * KL`` (Higgins et al. 2017) or, with a
    ``capacity``, ``NLL + gamma * |KL - C|`` with C raised during training
    (Burgess et al. 2018).  A larger β pushes the codes towards independent,
    interpretable factors (on pendulum data, amplitude and frequency) when
    the networks learn the codes from scratch, ``pca_path=False``.

    Parameters
    ----------
    latent_dim : int, default=6
        Dimensions of the latent code (the article used 6).  It may exceed
        the number of time steps of X, as scikit-learn's estimator checks
        fit on one or two columns: the dimensions beyond the data's own
        carry no information, the KL term closes them, and
        :func:`~pendsk.metrics.active_dimensions` finds them inactive.
    beta : float, default=1.0
        Weight of the KL term; 1 is the plain VAE, the article used 10.
    capacity : tuple (C_max, n_epochs) or None, default=None
        Capacity annealing: the KL target C rises linearly from 0 to
        ``C_max`` nats over ``n_epochs`` epochs; ``beta`` is then unused.
    gamma : float, default=1000.0
        Weight of ``|KL - C|`` with a ``capacity`` (Burgess et al.'s γ).
    tc_weight : float, default=0.0
        Extra weight of the total correlation of the codes (β-TCVAE [3]_):
        the loss gains ``tc_weight * TC``, estimated on each batch by
        minibatch-stratified sampling.  Chen et al.'s β-TCVAE with their
        β = 6 is ``BetaVAE(beta=1, tc_weight=5)``: only the dependence
        between dimensions is penalised more, not the information the codes
        carry.
    prior : {{"gmm", "standard"}}, default="gmm"
        The distribution of codes that :meth:`sample` and :meth:`traverse`
        use, fitted after each training call as ``prior_``.  ``"gmm"``: a
        full-covariance :class:`~sklearn.mixture.GaussianMixture` of
        ``prior_components`` components fitted to codes drawn from the
        posteriors of the training rows (their aggregate posterior; ex-post
        density estimation [4]_).  ``"standard"``: N(0, I), the prior the
        loss uses (the article's sampling).  Training is the same either
        way.  After :meth:`partial_fit` calls that continue a fitted model,
        the mixture is updated from the last call's codes, EM starting from
        its current components, when ``prior_`` is next read (by
        :meth:`sample`, :meth:`traverse`, ...): the calls' cost does not
        grow with their number.
    prior_components : int, default=20
        Components of the ``"gmm"`` prior (at most the number of codes it
        is fitted to).
    pca_path : bool, default=True
        Add fixed linear maps set from probabilistic PCA of the first
        fit's rows to the encoder's posterior mean and to the decoder, so
        that training starts from PCA's reconstructions (see Notes): held-out
        reconstructions at least as good as PCA's also on a few dozen rows.
        The codes then stay close to the (whitened) principal scores, and
        β > 1 leaves them so: for codes that β pushes towards separate
        factors (the article's β-VAE), use ``pca_path=False``: plain MLPs
        from random weights, trained for the whole step budget.
    hidden_layer_sizes : array-like of int, default=(256, 128)
        Hidden widths of the encoder; the decoder uses them reversed (the
        article: (250, 100, 50)).
    activation : {{"silu", "relu", "tanh", "gelu", "elu", "leaky_relu", \
"logistic", "identity"}}, default="silu"
        Nonlinearity after each hidden layer.{params}

    Attributes
    ----------
    prior_ : MixturePrior
        The fitted distribution of the codes that :meth:`sample` draws
        from, over the space of :meth:`transform`'s output: a Gaussian
        mixture with ``weights_``, ``means_``, ``covariances_``,
        ``sample(n, random_state)``, ``score_samples``, ``marginals()``
        and, for ``prior="gmm"``, the fitted
        :class:`~sklearn.mixture.GaussianMixture` as ``mixture_``; one
        component with zero mean and identity covariance for
        ``prior="standard"``.  Refitted by every :meth:`fit`, warm start
        and :meth:`partial_fit`.
    noise_std_ : ndarray of shape (n_steps,)
        The learned observation noise per time step, in the units of X,
        that :meth:`sample` adds.{attributes}

    See Also
    --------
    sklearn.decomposition.PCA : The linear baseline it is measured against.
    TrajectoryGAN : Generates trajectories without an encoder.

    Notes
    -----
    ``max_epochs="auto"`` allows S optimizer steps at 400 training rows,
    2.5 times as many on 10 times the rows: S = 700 with the PCA start
    (100 epochs of 7 batches of 64; ``benchmarks/bench_fitcost.py``), and
    S = 7000 from random weights (``pca_path=False``), which β > 1 needs to
    separate the factors.  With the PCA start the default
    ``early_stopping="auto"`` also stops training once the loss of the
    held-out ``validation_fraction`` of the rows has not improved for
    ``n_iter_no_change`` epochs; from random weights it trains for the
    whole budget.  Trajectories are standardised per time step inside the
    estimator.

    With ``pca_path=True`` the first fit starts from probabilistic PCA [5]_
    of the training rows in the units of X: the posterior mean of code
    ``j`` is the row's whitened score on the ``j``-th principal axis plus
    the encoder MLP's output, the decoded mean is the codes' PCA
    reconstruction plus the decoder MLP's output, and both MLPs' output
    layers start at zero; the linear maps stay fixed, the posterior
    variances and the decoder's noise start at probabilistic PCA's.  The
    networks thus start from PCA's reconstructions and learn the nonlinear
    part.  With few rows, where little beyond PCA can be learned, a VAE
    trained from random weights memorises the rows and reconstructs new
    ones worse than PCA; from the PCA start, early stopping keeps it close
    to PCA instead.

    The KL term pulls each posterior towards N(0, I), but the codes of the
    training rows together (the aggregate posterior) need not fill N(0, I):
    codes drawn from N(0, I) then fall where no training row's code lies
    (the "prior hole") and decode to trajectories unlike the data.  Hence
    the default ``prior="gmm"``: after training, a Gaussian mixture is
    fitted to codes drawn from the posteriors of the training rows
    (``min(10, max(1, 10000 // n))`` per row, seeded from
    ``random_state``), and :meth:`sample` draws from it.

    Training runs in float32 (Adam); :meth:`transform`,
    :meth:`inverse_transform` and :meth:`score_samples` apply the trained
    weights in float64, so a row's result does not depend on the other
    rows.  :meth:`score_samples` estimates the reconstruction term with
    64 fixed standard-normal draws shared by all rows, so it is
    deterministic.  With ``early_stopping`` the validation loss is the
    training objective (the β-weighted negative ELBO).

    References
    ----------
    .. [1] Higgins et al., "β-VAE: Learning Basic Visual Concepts with a
       Constrained Variational Framework", ICLR 2017.
    .. [2] Burgess et al., "Understanding disentangling in β-VAE",
       arXiv:1804.03599, 2018.
    .. [3] Chen, Li, Grosse and Duvenaud, "Isolating Sources of
       Disentanglement in Variational Autoencoders", NeurIPS 2018.
    .. [4] Ghosh, Sajjadi, Vergari, Black and Schölkopf, "From Variational
       to Deterministic Autoencoders", ICLR 2020.
    .. [5] Tipping and Bishop, "Probabilistic Principal Component
       Analysis", Journal of the Royal Statistical Society B 61(3), 1999.

    Examples
    --------
    >>> from pendsk import BetaVAE
    >>> from pendsk.datasets import make_pendulum
    >>> X, factors = make_pendulum(n_samples=100, n_steps=100, random_state=0)
    >>> vae = BetaVAE(latent_dim=3, beta=4, max_epochs=50, random_state=0).fit(X)
    >>> vae.transform(X[:2]).shape
    (2, 3)
    >>> vae.inverse_transform(vae.transform(X[:2])).shape
    (2, 100)
    >>> vae.sample(5, random_state=0).shape
    (5, 100)
    >>> vae.traverse(0, values=[-2, 0, 2]).shape
    (3, 100)
    >>> vae.get_feature_names_out()
    array(['betavae0', 'betavae1', 'betavae2'], dtype=object)
    """

    _parameter_constraints = {
        **UnsupervisedNeuralEstimator._parameter_constraints,
        "latent_dim": [Count(1, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "capacity": [_CAPACITY, None],
        "gamma": [Interval(Real, 0, None, closed="left")],
        "tc_weight": [Interval(Real, 0, None, closed="left")],
        "prior": [StrOptions({"gmm", "standard"})],
        "prior_components": [Count(1, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "pca_path": ["boolean"],
    }
    #: Optimizer steps of ``max_epochs="auto"`` at 400 rows, by ``pca_path``.
    _AUTO_STEPS = {True: 700, False: 7000}
    _network_params = ("latent_dim", "pca_path", *NeuralEstimator._network_params)
    _loss_weights = (*NeuralEstimator._loss_weights, "beta", "gamma", "tc_weight")

    def __init__(self, latent_dim=6, beta=1.0, capacity=None, *, gamma=1000.0, tc_weight=0.0,
                 prior="gmm", prior_components=20, pca_path=True,
                 hidden_layer_sizes=(256, 128),
                 activation="silu", lr=2e-3, lr_schedule="cosine", max_epochs="auto",
                 batch_size=64, weight_decay=0.0, early_stopping="auto",
                 validation_fraction=0.1, n_iter_no_change=50,
                 warm_start=False, callbacks=None, device="cpu", n_jobs=None,
                 random_state=None, verbose=0):
        self.latent_dim = latent_dim
        self.beta = beta
        self.capacity = capacity
        self.gamma = gamma
        self.tc_weight = tc_weight
        self.prior = prior
        self.prior_components = prior_components
        self.pca_path = pca_path
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
        return VAE, dict(n_features=data.X.shape[1], latent_dim=self.latent_dim,
                         hidden_layer_sizes=self._hidden_layers(),
                         activation=self.activation, linear_path=bool(self.pca_path))

    def _build_net(self, data, device):
        """A new net; with ``pca_path``, its VAE starts as probabilistic PCA
        of the training rows in the units of X (see Notes)."""
        net = super()._build_net(data, device)
        if self.pca_path:
            net.module_.init_linear_path(*ppca_start(data.X, self._x_scaler.scale_,
                                                      self.latent_dim))
        return net

    def _posterior_draws(self, Xs):
        """Codes drawn from the posteriors of the standardised rows ``Xs``
        (their aggregate posterior), and the seed of a mixture fitted to
        them."""
        mean, log_var = self._forward(Xs, method="encode")
        rng = np.random.default_rng(child_seed(self._entropy, len(self.net_.history), 1))
        n_draws = min(_PRIOR_DRAWS, max(1, _PRIOR_POINTS // len(mean)))
        codes = mean + np.exp(0.5 * log_var) * rng.standard_normal((n_draws, *mean.shape))
        return (codes.reshape(-1, mean.shape[1]),
                child_seed(self._entropy, len(self.net_.history), 2))

    def _fit_prior(self, Xs, incremental=False):
        """The distribution of codes :meth:`sample` draws from, for the
        standardised training rows ``Xs``."""
        if self.prior == "standard":
            return MixturePrior.standard_normal(self._n_features_out)
        codes, seed = self._posterior_draws(Xs)
        return MixturePrior.fit(codes, self.prior_components, random_state=seed)

    def _deferred_prior_update(self, Xs):
        """A continued :meth:`partial_fit` updates a fitted mixture later,
        from its current components (:meth:`MixturePrior.update`), when
        ``prior_`` is next read: a run of calls costs one update."""
        if self._prior.mixture_ is None:
            return None
        return self._posterior_draws(Xs)

    @property
    def _auto_steps(self):
        return self._AUTO_STEPS[bool(self.pca_path)]

    def _early_stopping_on(self):
        """``"auto"``: on with the step budget and the PCA start."""
        if isinstance(self.early_stopping, str):
            return self.max_epochs == "auto" and bool(self.pca_path)
        return super()._early_stopping_on()

    def _training_settings(self, n_rows):
        capacity = (None if self.capacity is None
                    else LinearRamp(*_CAPACITY.convert(self.capacity)))
        return {"loss_settings": dict(beta=self.beta, gamma=self.gamma, capacity=capacity,
                                      tc_weight=self.tc_weight, dataset_size=n_rows)}

    # -- the latent code -------------------------------------------------------------

    @property
    def _fitted_width(self):
        return f"latent_dim={self._n_features_out}"

    def get_feature_names_out(self, input_features=None):
        """Names of the latent dimensions: ``betavae0, betavae1, ...``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the names seen in :meth:`fit`.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per column of :meth:`transform`.
        """
        with naming("input_features"):
            return super().get_feature_names_out(input_features)

    @validate_params({"return_std": ["boolean"]}, prefer_skip_nested_validation=True)
    def transform(self, X, return_std=False):
        """Posterior means of the latent codes of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps)
            Trajectories.
        return_std : bool, default=False
            Also return the posterior standard deviations.

        Returns
        -------
        Z : ndarray of shape (n_samples, latent_dim)
            The mean of each row's posterior.
        Z_std : ndarray of shape (n_samples, latent_dim)
            The posterior standard deviations; only when ``return_std`` is
            True.
        """
        return self._encode(X, return_std)

    @validate_params({"dim": [Count(0, None, closed="left")],
                      "values": ["array-like", None], "z": ["array-like", None]},
                     prefer_skip_nested_validation=True)
    def traverse(self, dim, values=None, z=None):
        """Decoded trajectories as one latent dimension moves.

        The article's picture: start from a code ``z``, set dimension
        ``dim`` to each of ``values`` in turn and decode.  The defaults
        come from the fitted prior ``prior_``, so that the codes lie where
        the training rows' codes do (with ``prior="standard"``: zeros and
        ``np.linspace(-2, 2, 5)``).

        Parameters
        ----------
        dim : int
            The latent dimension to move, in ``[0, latent_dim)``.
        values : array-like of shape (n_values,), default=None
            Values given to that dimension; ``None`` means five values from
            two standard deviations below to two above the prior's mean
            along ``dim``, ``m + s * np.linspace(-2, 2, 5)``.
        z : array-like of shape (latent_dim,), default=None
            The code the others keep; ``None`` is the mean of the prior's
            heaviest component (a typical code, where the mixture's mean
            may fall between components).

        Returns
        -------
        X : ndarray of shape (n_values, n_steps)
            One decoded mean trajectory per value.
        """
        check_is_fitted(self)
        latent_dim = self._n_features_out
        if dim >= latent_dim:
            raise ValueError(f"dim must be in [0, {latent_dim}) (the fitted latent_dim), "
                             f"got {dim}.")
        codes, _, blame = self._traversal_codes(dim, values, z)
        return self._decode(codes, blame)


BetaVAE.__doc__ = BetaVAE.__doc__.format(**shared_docs(BetaVAE))
