"""The article's GAN: whole trajectories generated from noise."""

import copy
from numbers import Real

import numpy as np
from sklearn import config_context
from sklearn.base import clone
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import (HasMethods, Interval, InvalidParameterError,
                                             StrOptions, validate_params)
from sklearn.utils.validation import check_consistent_length, check_is_fitted, column_or_1d

from .._neural.docs import shared_docs
from .._neural.estimator import (FLOAT32_MAX, LOSS_WEIGHT, FitData, NeuralEstimator,
                                 UnsupervisedNeuralEstimator, standardise)
from .._neural.nets import GANNet
from .._utils.seeding import child_seed, root_entropy
from .._utils.validation import Count, check_output_size, check_settings, naming
from .._latent.beta_vae import BetaVAE
from ..metrics import maximum_mean_discrepancy
from .networks import GAN, GAN_LOSSES

__all__ = ["TrajectoryGAN"]

#: Training rows whose residuals after the embedding :meth:`TrajectoryGAN.sample`
#: draws from (a random subset of larger sets).
_RESIDUAL_ROWS = 1000


class TrajectoryGAN(UnsupervisedNeuralEstimator):
    """GAN that generates whole trajectories from noise.

    An MLP generator turns ``latent_dim`` noise values into a trajectory;
    an MLP critic scores trajectories and is trained to tell real from
    generated ones.  By default both work in the code space of an
    embedding fitted first (``embedding="vae"``: a
    :class:`~pendsk.BetaVAE` with β = 10), as TimeGAN [5]_ and latent GANs
    do: the generator makes codes, the critic tells them from the codes of
    real rows, and the embedding's decoder turns them into trajectories,
    to which :meth:`sample` adds the residual of a training row drawn at
    random.  The decoder keeps every sample on the family of trajectories
    it learned (on the pendulum: samples that obey the physics), and the
    GAN trains on a few numbers per row instead of every time step.
    ``embedding=None`` gives the GAN on whole trajectories, as the
    article's.  Three losses:

    - ``"ns-r1"`` (default): the standard GAN loss, non-saturating for the
      generator [1]_, with the R1 gradient penalty on the real rows [4]_
      and Adam;
    - ``"wgan-gp"``: the Wasserstein loss [2]_, the critic kept
      1-Lipschitz by a gradient penalty between real and generated rows
      [3]_, and Adam;
    - ``"wgan-clip"``: the Wasserstein loss with weight clipping, RMSprop
      and uniform noise, as the original WGAN and the article did.

    ``benchmarks/bench_generation.py`` measures the samples beside
    PCA(8) + ``GaussianMixture(10)``'s over several data and training
    seeds, two pendulum boxes and three real series (the figures are in
    the user guide's GAN page).

    Parameters
    ----------
    latent_dim : int, default=6
        Width of the generator's input noise (at least the width of the
        codes it makes, 6 for the default embedding: fewer noise values
        than codes can only make a thinner set of codes).
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
    embedding : "vae", estimator or None, default="vae"
        Where the GAN works.  ``"vae"``: in the codes of a
        ``BetaVAE(beta=10)`` fitted to the rows first (on this estimator's
        ``random_state``, ``n_jobs`` and ``device``).  An estimator with
        ``fit``, ``transform`` and ``inverse_transform`` (e.g. a
        ``BetaVAE`` of other settings, or
        :class:`~sklearn.decomposition.PCA`): in its codes, a clone of it
        fitted first.  None: on whole trajectories (the article's GAN).
        The fitted embedding is ``embedding_``.
    sample_noise : {{"residuals"}} or None, default="residuals"
        With an embedding, what :meth:`sample` adds to the decoded codes:
        the residual that the embedding leaves of a training row drawn at
        random (``"residuals"``: noise as rough and as correlated in time
        as the data's), or nothing (None: the decoded codes).  Without
        one, the generator makes the whole row and this is unused.
    hidden_layer_sizes : array-like of int, default=(128, 256)
        Hidden widths of the generator; the critic uses them reversed.
    activation : {{"leaky_relu", "relu", "silu", "tanh", "gelu", "elu", \
"logistic", "identity"}}, default="leaky_relu"
        Nonlinearity after each hidden layer.{params}

    Attributes
    ----------
    embedding_ : estimator or None
        The fitted embedding whose codes the GAN generates (None with
        ``embedding=None``).
    residuals_ : ndarray of shape (n_residuals, n_steps)
        With an embedding: what it leaves of (at most 1,000 of) the
        training rows, ``X - inverse_transform(transform(X))``, which
        :meth:`sample` adds.{attributes}

    See Also
    --------
    BetaVAE : Generates trajectories from a latent code with an encoder.
    sklearn.mixture.GaussianMixture : A classical generative baseline.
    pendsk.metrics.maximum_mean_discrepancy : The measure :meth:`score` uses.

    Notes
    -----
    ``max_epochs="auto"`` trains for S critic steps at 400 training rows,
    2.5 times as many on 10 times the rows: S = 7000 in an embedding's
    codes (1000 epochs of 7 batches of 64), S = 21000 on whole
    trajectories.  The GAN's inputs (the codes, or the trajectories) are
    standardised per column inside the estimator; the networks train in
    float32 and :meth:`sample` applies the generator in float64.

    On whole trajectories the generator must place every time step of a
    sample: on the pendulum its samples changed amplitude within one swing
    and were 2.5 times rougher than the data, and fitting the exact
    pendulum to them left 3 times the noise.  In the codes of a β-VAE whose
    β = 10 has closed the codes the data do not need, every code decodes
    to a smooth trajectory of the family the VAE learned.  ``history_`` holds per-epoch ``critic_loss`` (without the
    penalty: the critic's cross-entropy for ``"ns-r1"``, the negative
    Wasserstein estimate for the WGANs), ``generator_loss`` and
    ``train_loss`` (the critic's loss with the penalty).  With
    ``early_stopping``, ``valid_loss`` is the MMD² between the held-out rows
    (their standardised codes, with an embedding) and as many generated
    ones (generator input from a fixed seed).

    References
    ----------
    .. [1] Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    .. [2] Arjovsky, Chintala and Bottou, "Wasserstein GAN", ICML 2017.
    .. [3] Gulrajani et al., "Improved Training of Wasserstein GANs",
       NeurIPS 2017.
    .. [4] Mescheder, Geiger and Nowozin, "Which Training Methods for GANs
       do actually Converge?", ICML 2018.
    .. [5] Yoon, Jarrett and van der Schaar, "Time-series Generative
       Adversarial Networks", NeurIPS 2019.

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
        "gp_weight": [LOSS_WEIGHT],
        "clip_value": [Interval(Real, 0, None, closed="neither")],
        "embedding": [StrOptions({"vae"}), HasMethods(["fit", "transform", "inverse_transform"]),
                      None],
        "sample_noise": [StrOptions({"residuals"}), None],
    }
    #: Optimizer steps of ``max_epochs="auto"`` at 400 rows: in the
    #: embedding's codes, and on whole trajectories (``embedding=None``).
    _AUTO_STEPS = {True: 7000, False: 21000}
    _net_class = GANNet
    _network_params = ("latent_dim", "loss", "embedding", *NeuralEstimator._network_params)
    _conditional = True
    _loss_weights = (*NeuralEstimator._loss_weights, "gp_weight")

    def __init__(self, latent_dim=6, loss="ns-r1", n_critic=5, gp_weight=10.0,
                 clip_value=0.01, *, embedding="vae", sample_noise="residuals",
                 hidden_layer_sizes=(128, 256),
                 activation="leaky_relu", lr=1e-3, lr_schedule="cosine", max_epochs="auto",
                 batch_size=64, weight_decay=0.0, early_stopping=False,
                 validation_fraction=0.1, n_iter_no_change=10, warm_start=False,
                 callbacks=None, device="cpu", n_jobs=None, random_state=None, verbose=0):
        self.latent_dim = latent_dim
        self.loss = loss
        self.n_critic = n_critic
        self.gp_weight = gp_weight
        self.clip_value = clip_value
        self.embedding = embedding
        self.sample_noise = sample_noise
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

    @property
    def _auto_steps(self):
        return self._AUTO_STEPS[self.embedding is not None]

    def _make_embedding(self):
        """A new, unfitted embedding: the default β-VAE on this GAN's seed
        and device, or a clone of the given estimator; on this GAN's
        threads (where it takes ``n_jobs``)."""
        if isinstance(self.embedding, str):
            return BetaVAE(beta=10.0, device=self.device, n_jobs=self.n_jobs,
                           random_state=child_seed(self._embedding_entropy, 0, 1))
        embedding = clone(self.embedding)
        if "n_jobs" in embedding.get_params(deep=False):
            embedding.set_params(n_jobs=self.n_jobs)
        return embedding

    def _decoder(self):
        """The fitted embedding, on this GAN's ``n_jobs`` now (a shallow
        copy where they differ: the fitted one is left as it is)."""
        embedding = self.embedding_
        if getattr(embedding, "n_jobs", self.n_jobs) != self.n_jobs and \
                "n_jobs" in embedding.get_params(deep=False):
            embedding = copy.copy(embedding)
            embedding.n_jobs = self.n_jobs
        return embedding

    def _prepare_data(self, X, y, *, reset):
        """Validate X (and the class labels y); with an embedding, train the
        GAN on the standardised codes of X (a first fit fits the embedding
        and keeps the residuals of its reconstructions)."""
        if self.embedding is None:
            self.embedding_ = None
            return super()._prepare_data(X, y, reset=reset)
        if isinstance(self.embedding, type):  # HasMethods lets a class through
            raise InvalidParameterError(
                f"The 'embedding' parameter of {type(self).__name__} must be an estimator "
                f"instance, e.g. {self.embedding.__name__}(); got the class itself.")
        X, labels = self._validate_fit_data(X, y, reset)
        if reset:
            self._embedding_entropy = root_entropy(self.random_state)
            # fit's validation skips nested estimators' (scikit-learn's
            # _fit_context); the embedding is the user's: check its settings
            with config_context(skip_parameter_validation=False):
                self.embedding_ = self._make_embedding().fit(X)
            self._x_scaler = StandardScaler()
            rows = np.arange(len(X))
            if len(rows) > _RESIDUAL_ROWS:
                rng = np.random.default_rng(child_seed(self._embedding_entropy, 0, 2))
                rows = np.sort(rng.choice(len(rows), _RESIDUAL_ROWS, replace=False))
            self.residuals_ = X[rows] - self.embedding_.inverse_transform(
                self.embedding_.transform(X[rows]))
            self._residual_classes = None if labels is None else labels[rows]
        codes = np.asarray(self.embedding_.transform(X), dtype=np.float64)
        return FitData(standardise(self._x_scaler, codes, "the embedding's codes of X",
                                   fit=reset, limit=FLOAT32_MAX), labels=labels)

    def _module_spec(self, data):
        # a conditional GAN when the first fit had class labels
        n_classes = 0 if data.labels is None else len(self.classes_)
        return GAN, dict(n_features=data.X.shape[1], latent_dim=self.latent_dim,
                         hidden_layer_sizes=self._hidden_layers(),
                         activation=self.activation, latent=GAN_LOSSES[self.loss].latent,
                         n_classes=n_classes)

    @property
    def _criterion(self):
        return GAN_LOSSES[self.loss].criterion

    @property
    def _optimizer(self):
        spec = GAN_LOSSES[self.loss]
        return spec.optimizer, spec.optimizer_kwargs

    def _training_settings(self, n_rows):
        # loss is a network parameter: a warm start has the one it was built with
        penalty = GAN_LOSSES[self.loss].penalty
        return dict(n_critic=self.n_critic,
                    penalty=penalty.from_params(float(self.gp_weight), float(self.clip_value)))

    # -- generating ----------------------------------------------------------------

    @validate_params({"n_samples": [Count(1, None, closed="left")],
                      "random_state": ["random_state"], "y": "no_validation"},
                     prefer_skip_nested_validation=True)
    def sample(self, n_samples=1, random_state=None, *, y=None):
        """Generate trajectories.

        Parameters
        ----------
        n_samples : int, default=1
            Number of trajectories.
        random_state : int, RandomState instance or None, default=None
            Seed of the classes, the generator's input noise and the
            residuals added.
        y : label or array-like of shape (n_samples,), default=None
            For a GAN fitted with class labels (a conditional GAN): the
            class of every sample, or one per sample; None draws the classes
            with the training rows' shares (``class_weights_``).  Must be
            None for a GAN fitted without labels.

        Returns
        -------
        X : ndarray of shape (n_samples, n_steps)
            Generated trajectories.
        y : ndarray of shape (n_samples,)
            Their classes, as :meth:`sklearn.mixture.GaussianMixture.sample`
            returns its components; only for a GAN fitted with class
            labels.
        """
        check_is_fitted(self)
        check_output_size((n_samples, self.n_features_in_), "n_samples", n_samples, copies=2)
        rng = check_random_state(random_state)
        if self.embedding_ is not None:
            # the residuals' stream apart, so that a row does not depend on
            # how many are drawn with it
            noise_rng = np.random.RandomState(rng.randint(np.iinfo(np.int32).max))
        # the classes' stream apart too, for the same reason
        class_rng = (np.random.RandomState(rng.randint(np.iinfo(np.int32).max))
                     if hasattr(self, "classes_") else rng)
        classes = self._requested_classes(n_samples, y, class_rng)
        module = self.net_.module_
        shape = (n_samples, module.latent_dim)
        z = (rng.uniform(-1.0, 1.0, shape) if module.latent == "uniform"
             else rng.standard_normal(shape))
        if classes is not None:
            z = np.hstack([z, np.eye(len(self.classes_))[classes]])
        rows = self._forward(z, input_name="the generator's input",
                             post=self._x_scaler.inverse_transform)
        if self.embedding_ is not None:
            # the one setting sample reads (set_params may have changed it)
            check_settings(self, "sample_noise")
            rows = np.asarray(self._decoder().inverse_transform(rows), dtype=np.float64)
            if self.sample_noise == "residuals":
                rows += self.residuals_[self._residual_rows(n_samples, classes, noise_rng)]
        return rows if classes is None else (rows, self.classes_[classes])

    def score(self, X, y=None):
        """Negative MMD² between ``X`` and as many generated trajectories.

        The generated trajectories come from a fixed seed, so the score is
        deterministic; higher is better, 0 is indistinguishable.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps)
            Held-out trajectories, at least 2.
        y : array-like of shape (n_samples,), default=None
            For a GAN fitted with class labels: the classes of the rows of
            ``X``, which the generated trajectories then have too (None:
            classes drawn with the training rows' shares).  Ignored by a GAN
            fitted without labels.

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
        if not hasattr(self, "classes_"):
            return -maximum_mean_discrepancy(X, self.sample(len(X), random_state=0))
        if y is not None:
            with naming("y"):
                y = column_or_1d(y)
                check_consistent_length(X, y)
        samples, _ = self.sample(len(X), random_state=0, y=y)
        return -maximum_mean_discrepancy(X, samples)


TrajectoryGAN.__doc__ = TrajectoryGAN.__doc__.format(**shared_docs(TrajectoryGAN))
