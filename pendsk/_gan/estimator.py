"""The article's GAN: whole trajectories generated from noise."""

from numbers import Real

from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_is_fitted

from .._neural.docs import shared_docs
from .._neural.estimator import LOSS_WEIGHT, NeuralEstimator, UnsupervisedNeuralEstimator
from .._neural.nets import GANNet
from .._utils.validation import Count, check_output_size
from ..metrics import maximum_mean_discrepancy
from .networks import GAN, GAN_LOSSES

__all__ = ["TrajectoryGAN"]


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

    On 400 pendulum trajectories ``"ns-r1"`` samples are about as close to
    200 held-out ones as those of PCA(8) + ``GaussianMixture(10)``, and
    several times closer than ``"wgan-gp"``'s (``benchmarks/bench_generative.py``;
    the figures of one run are in the user guide's GAN page).

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
        "gp_weight": [LOSS_WEIGHT],
        "clip_value": [Interval(Real, 0, None, closed="neither")],
    }
    _auto_steps = 21000
    _net_class = GANNet
    _network_params = ("latent_dim", "loss", *NeuralEstimator._network_params)
    _loss_weights = (*NeuralEstimator._loss_weights, "gp_weight")

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
                         hidden_layer_sizes=self._hidden_layers(),
                         activation=self.activation, latent=GAN_LOSSES[self.loss].latent)

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
        check_output_size((n_samples, self.n_features_in_), "n_samples", n_samples, copies=2)
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
