"""The article's β-VAE: trajectories from a latent code you can turn."""

import warnings
from numbers import Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin
from sklearn.decomposition import PCA
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from .._neural.docs import shared_docs
from .._neural.estimator import LOSS_WEIGHT, NeuralEstimator, UnsupervisedNeuralEstimator
from .._utils.validation import Count, Pair, naming
from ..exceptions import CollapseWarning
from ..metrics import active_dimensions
from .base import LatentModel
from .pca_start import ppca_start
from .priors import MixturePrior
from .vae_network import VAE

__all__ = ["BetaVAE", "LinearRamp"]

#: ``pca_path="auto"`` starts from PCA below this many training rows: from
#: random weights, the networks reconstruct held-out rows worse than PCA
#: there (``benchmarks/bench_generation.py``; see Notes).
_PCA_START_ROWS = 250

#: ``capacity``: the KL target's final value [nats] and the epochs to reach it.
_CAPACITY = Pair(Interval(Real, 0, None, closed="left"), Count(1, None),
                 names=("C_max", "n_epochs"))


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
    On fewer than 250 rows (``pca_path="auto"``) both add a fixed linear
    map to their MLP: training starts from probabilistic PCA of the
    training rows, and the MLPs learn what PCA misses (see Notes).
    Training minimises ``NLL + beta * KL`` (Higgins et al. 2017) or, with a
    ``capacity``, ``NLL + gamma * |KL - C|`` with C raised during training
    (Burgess et al. 2018).  A larger β pushes the codes towards independent,
    interpretable factors (on pendulum data, amplitude and frequency) when
    the networks learn the codes from random weights, which they do from
    250 training rows on by default (``pca_path="auto"``), and leaves the
    codes the data do not need blank.

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
    pca_path : bool or "auto", default="auto"
        Whether the first fit starts from probabilistic PCA of its rows:
        fixed linear maps set from it are added to the encoder's posterior
        mean and to the decoder, so that training starts from PCA's
        reconstructions and stops early on held-out rows (see Notes): held-out
        reconstructions at least as good as PCA's also on a few dozen rows,
        but codes that stay close to the (whitened) principal scores,
        whatever β.  ``False``: plain MLPs from random weights, trained for
        the whole step budget, whose codes β > 1 pushes towards separate
        factors, leaving the others blank (the article's β-VAE).
        ``"auto"``: the start from PCA when the first training call
        (:meth:`fit`, or the first :meth:`partial_fit`) has fewer than 250
        rows, where networks from random weights reconstruct held-out rows
        worse than PCA; random weights from 250 rows on.  ``pca_path_``
        tells which.
    sample_noise : {{"residuals", "gaussian"}} or None, default="residuals"
        What :meth:`sample` adds to the decoded trajectories: the
        reconstruction residual of a training row drawn at random
        (``"residuals"``: noise as rough and as correlated in time as the
        data's), independent Gaussian noise of the learned scale
        ``noise_std_`` at each step (``"gaussian"``, the model's own
        likelihood), or nothing (None: smooth decoded means).
    refine_steps : int, default=0
        Semi-amortised inference: :meth:`transform` moves each row's code
        from the encoder's mean by this many steps up the row's log joint
        density, as :class:`PhysicsVAE`'s ``refine_steps`` does.  Read at
        each call, not at fit.  0: the encoder's means.
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
        that :meth:`sample` adds with ``sample_noise="gaussian"``.
    residuals_ : ndarray of shape (n_residuals, n_steps)
        Reconstruction residuals of (at most 1,000 of) the training rows,
        in the units of X, that :meth:`sample` adds with
        ``sample_noise="residuals"``.
    pca_path_ : bool
        Whether the first fit started from PCA (``pca_path``, with
        ``"auto"`` settled by the number of training rows).{attributes}

    See Also
    --------
    sklearn.decomposition.PCA : The linear baseline it is measured against.
    TrajectoryGAN : Generates trajectories without an encoder.

    Notes
    -----
    ``max_epochs="auto"`` allows S optimizer steps at 400 training rows,
    2.5 times as many on 10 times the rows: S = 700 with the PCA start
    (100 epochs of 7 batches of 64; ``benchmarks/bench_fitcost.py``), and
    S = 7000 from random weights, which β > 1 needs to separate the
    factors.  With the PCA start the default
    ``early_stopping="auto"`` also stops training once the loss of the
    held-out ``validation_fraction`` of the rows has not improved for
    ``n_iter_no_change`` epochs; from random weights it trains for the
    whole budget.  Trajectories are standardised per time step inside the
    estimator.

    With the start from PCA the first fit starts from probabilistic PCA [5]_
    of the training rows in the units of X: the posterior mean of code
    ``j`` is the row's whitened score on the ``j``-th principal axis plus
    the encoder MLP's output, the decoded mean is the codes' PCA
    reconstruction plus the decoder MLP's output, and both MLPs' output
    layers start at zero; the linear maps stay fixed, the posterior
    variances and the decoder's noise start at probabilistic PCA's.  The
    networks thus start from PCA's reconstructions and learn the nonlinear
    part.  With few rows, where little beyond PCA can be learned, a VAE
    trained from random weights memorises the rows and reconstructs new
    ones worse than PCA (on 200 pendulum rows 1.1 times PCA's held-out
    error, on the 39 rows of the UCR set Coffee 1.5 times; on 400 pendulum
    rows 0.6 times); from the PCA start, early stopping keeps it close to
    PCA instead.  But the codes then stay close to the principal scores:
    β does not close the codes the data do not need, and a curved family
    of trajectories (the pendulum's: three factors) spreads over all of
    them, which a mixture prior fills less well.  Hence ``pca_path="auto"``:
    the PCA start below 250 rows, random weights from 250 on.  A fit that
    leaves fewer codes in use than it has while PCA with one more
    component reconstructs the training rows better warns
    (:class:`~pendsk.exceptions.CollapseWarning`), naming the remedies.

    The KL term pulls each posterior towards N(0, I), but the codes of the
    training rows together (the aggregate posterior) need not fill N(0, I):
    codes drawn from N(0, I) then fall where no training row's code lies
    (the "prior hole") and decode to trajectories unlike the data.  Hence
    the default ``prior="gmm"``: after training, a Gaussian mixture is
    fitted to codes drawn from the posteriors of the training rows
    (``min(10, max(1, 10000 // n))`` per row, seeded from
    ``random_state``), and :meth:`sample` draws from it.  The decoder's
    noise is independent from step to step, which real series' residuals
    are not (on GunPoint such draws are 9 times rougher than the rows);
    :meth:`sample` adds the residual of a training row drawn at random
    instead (``sample_noise="residuals"``).

    Training runs in float32 (Adam); :meth:`transform`,
    :meth:`inverse_transform` and :meth:`score_samples` apply the trained
    weights in float64, so a row's result does not depend on the other
    rows.  :meth:`score_samples` is an importance-weighted estimate of the
    log-likelihood under N(0, I) (Burda et al. [6]_) with 256 fixed
    standard-normal draws shared by all rows, so it is deterministic.
    With ``early_stopping`` the validation loss is the
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
    .. [6] Burda, Grosse and Salakhutdinov, "Importance Weighted
       Autoencoders", ICLR 2016.

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
        "beta": [LOSS_WEIGHT],
        "capacity": [_CAPACITY, None],
        "gamma": [LOSS_WEIGHT],
        "tc_weight": [LOSS_WEIGHT],
        "prior": [StrOptions({"gmm", "standard"})],
        "prior_components": [Count(1, None, closed="left")],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "pca_path": ["boolean", StrOptions({"auto"})],
        "sample_noise": [StrOptions({"residuals", "gaussian"}), None],
        "refine_steps": [Count(0, None, closed="left")],
    }
    _conditional = True
    #: Optimizer steps of ``max_epochs="auto"`` at 400 rows, by ``pca_path``.
    _AUTO_STEPS = {True: 700, False: 7000}
    _network_params = ("latent_dim", "pca_path", *NeuralEstimator._network_params)
    _loss_weights = (*NeuralEstimator._loss_weights, "beta", "gamma", "tc_weight")

    def __init__(self, latent_dim=6, beta=1.0, capacity=None, *, gamma=1000.0, tc_weight=0.0,
                 prior="gmm", prior_components=20, pca_path="auto",
                 sample_noise="residuals", refine_steps=0,
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
        self.sample_noise = sample_noise
        self.refine_steps = refine_steps
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
                         activation=self.activation, linear_path=self.pca_path_)

    def _build_net(self, data, device):
        """A new net; with ``pca_path``, its VAE starts as probabilistic PCA
        of the training rows in the units of X (see Notes)."""
        net = super()._build_net(data, device)
        if self.pca_path_:
            net.module_.init_linear_path(*ppca_start(data.X, self._x_scaler.scale_,
                                                      self.latent_dim))
        return net

    def _prepare_data(self, X, y, *, reset):
        """Validate and standardise ``X``; a first fit also settles whether
        training starts from PCA (``pca_path_``)."""
        data = super()._prepare_data(X, y, reset=reset)
        if reset:
            self.pca_path_ = (len(data.X) < _PCA_START_ROWS if self.pca_path == "auto"
                              else bool(self.pca_path))
        return data

    def _fit_prior(self, mean, log_var, incremental=False):
        """The distribution of codes :meth:`sample` draws from, given the
        posteriors of the training rows."""
        if self.prior == "standard":
            return MixturePrior.standard_normal(self._n_features_out)
        return super()._fit_prior(mean, log_var, incremental)

    def _train(self, net, train_set, ours, incremental=False):
        """Train and fit the prior; warn if β closed codes the rows need."""
        super()._train(net, train_set, ours, incremental)
        if not incremental:  # a run of partial_fit calls is judged by its user
            self._warn_if_collapsed(train_set.tensors[0].cpu().numpy())

    def _warn_if_collapsed(self, Xs):
        """Warn when the codes have collapsed: fewer codes in use than
        latent dimensions, and the standardised training rows ``Xs``
        reconstructed worse than PCA with one more component than the codes
        in use would."""
        Xs = np.asarray(Xs, dtype=np.float64)
        codes = self._forward(Xs, method="encode", post=lambda mean, log_var: mean)
        n_active = int(active_dimensions(codes).sum())
        n_components = n_active + 1
        # PCA with nearly as many components as rows fits them exactly: no
        # fair comparison on so few rows
        if (n_active == codes.shape[1] or 4 * n_components > min(Xs.shape)
                or not Xs.var(axis=0).max() > 0):
            return
        rmse = np.sqrt(np.mean((Xs - self._forward(codes, method="decode")) ** 2))
        pca = PCA(n_components=n_components, svd_solver="full").fit(Xs)
        pca_rmse = np.sqrt(np.mean((Xs - pca.inverse_transform(pca.transform(Xs))) ** 2))
        if rmse > pca_rmse:
            warnings.warn(
                f"{type(self).__name__} uses {n_active} of its {codes.shape[1]} codes and "
                f"reconstructs its training rows worse (RMSE {rmse:.3g} standard "
                f"deviations) than PCA with {n_components} "
                f"component{'s' * (n_components > 1)} does ({pca_rmse:.3g}): the KL term "
                "has closed codes the data need (posterior collapse). Lower beta, raise "
                "the KL target with capacity=(C_max, n_epochs), or start from PCA with "
                "pca_path=True.", CollapseWarning, stacklevel=2)

    def _starts_from_pca(self):
        """Whether training starts from PCA: ``pca_path_`` once a first fit
        has settled it, before that ``pca_path`` (``"auto"``: not known
        without the rows, read as False)."""
        return self.__dict__.get("pca_path_", self.pca_path is True)

    @property
    def _auto_steps(self):
        return self._AUTO_STEPS[self._starts_from_pca()]

    def _early_stopping_on(self):
        """``"auto"``: on with the step budget and the PCA start."""
        if isinstance(self.early_stopping, str):
            return self.max_epochs == "auto" and self._starts_from_pca()
        return super()._early_stopping_on()

    def _training_settings(self, n_rows):
        capacity = (None if self.capacity is None
                    else LinearRamp(*_CAPACITY.convert(self.capacity)))
        return {"loss_settings": dict(beta=float(self.beta), gamma=float(self.gamma),
                                      capacity=capacity, tc_weight=float(self.tc_weight),
                                      dataset_size=n_rows)}

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
        """Posterior means of the latent codes of ``X`` (refined by
        ``refine_steps`` steps each).

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
