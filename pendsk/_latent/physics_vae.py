"""The physics-integrated VAE: latent codes with physical units.

Over 500 lines because one class holds the estimator's whole public
surface (its long docstring, transform, traverse, sample on request with
its rejection loop): the network and the physics live in their own
modules already.
"""

from numbers import Real

import numpy as np
import torch
from sklearn.utils._param_validation import (Interval, StrOptions, validate_parameter_constraints,
                                             validate_params)
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from .._neural.docs import shared_docs
from .._neural.estimator import FLOAT32_MAX, FLOAT32_TINY, LOSS_WEIGHT, NeuralEstimator
from .._utils.validation import Count, Pair, check_output_size, check_settings, naming
from ..physics.estimates import ESTIMATES
from .base import LatentModel
from .physics_network import (CORRECTIONS, DAMPED_LATENTS, DRIVE_LATENT, PHYSICAL_LATENTS,
                              PhysicsVAENetwork, encoder_estimates)

__all__ = ["PhysicsVAE"]

#: The hyperparameter that sets each physical latent's prior range.
_RANGES = {"theta0": "theta0_range", "omega0": "omega0_range",
           "natural_frequency": "frequency_range"}

_ANY = Interval(Real, None, None, closed="neither")
#: A prior range ``(low, high)``; the natural frequency's is not negative.
_RANGE = Pair(_ANY, _ANY, names=("low", "high"), increasing=True)
#: A requested range of :meth:`PhysicsVAE.sample` is drawn again until at
#: least ``_MIN_SHARE`` of ``_MAX_DRAWS`` times the requested draws fall in it.
_MAX_DRAWS, _MIN_SHARE = 100, 1e-3

_FREQUENCY_RANGE = Pair(Interval(Real, 0, None, closed="left"), _ANY, names=("low", "high"),
                        increasing=True)


class PhysicsVAE(LatentModel):
    """Physics-integrated variational autoencoder of pendulum trajectories.

    The first three latent variables are physical: the initial angle
    ``theta0`` [rad], the initial angular velocity ``omega0`` [rad/s] and
    the natural frequency ``sqrt(g / L)`` [rad/s], the three quantities
    that an undamped trajectory identifies.  The decoder runs the exact
    pendulum on them (differentiable Jacobi elliptic functions, all time
    steps at once) and corrects it with a smooth envelope, drift and time
    shift that an MLP computes from ``aux_dim`` auxiliary latents, for what
    the undamped physics leaves out, such as damping (Takeishi & Kalousis
    2021).  The
    correction cannot change where and how fast the trajectory starts, and
    a penalty on its size keeps the physics explaining what it can.  The
    encoder starts from physics-informed estimates of each row's parameters
    (a least-squares fit of the equation of motion in integral form,
    refined by one Gauss-Newton step of the exact solution) and learns
    corrections around them, so the physical latents keep their meaning on
    rows outside the training range.

    With ``correction="ode"`` the correction is a force in the equation of
    motion instead (a drive and a friction), integrated beside the exact
    physics, for pendulums that something drives; with
    ``correction="harmonic"`` the drive is harmonic, and its frequency a
    latent of its own, ``drive_frequency`` [rad/s], after the physical ones.

    With ``physics="damped"`` damping is known physics: a fourth physical
    latent, the damping rate ``gamma = b / (m L**2)`` [1/s] of
    ``theta'' = -gamma theta' - w**2 sin(theta)``, and a decoder that
    integrates that equation (RK4; no closed form exists), its encoder
    starting from the integral-form estimates of the damped equation.

    Parameters
    ----------
    aux_dim : int, default=2
        Number of auxiliary latents (prior N(0, 1)) that drive the
        decoder's correction; with 0 the correction is one learned envelope
        and drift shared by all rows.
    dt : float, default=0.01
        Time between the samples of a row [s]: the decoder's time grid (a
        normal float32 number, as the decoder trains in float32).
    beta : float, default=1.0
        Weight of the KL term of the training loss.
    physics : {{"undamped", "damped"}}, default="undamped"
        The physics the decoder knows: the exact undamped pendulum (latents
        ``theta0, omega0, natural_frequency``), or the damped one, integrated
        (also ``damping_rate`` [1/s]; a fit takes several times longer).
    correction : {{"output", "ode", "harmonic"}}, default="output"
        Where the decoder's neural correction acts.  ``"output"``: on the
        decoded trajectory, a smooth envelope, drift and time shift (cheap;
        enough for damping).  ``"ode"``: as forces in the equation of
        motion, ``theta'' = physics + w**2 u(t) - c theta'``, a force ``u``
        per unit of the restoring force's scale ``w**2`` (as a force
        proportional to the weight, or a shaken pivot's, scales) and a
        viscous friction ``c`` [1/s], both from the auxiliary latents: for
        driven systems, and for counterfactuals in which the forcing and
        the friction respond to a new frequency as forces do (a fit takes
        about three times longer on 50-step rows, more on longer ones).
        ``"harmonic"``: the same, with the drive ``u`` harmonic, ``u(t) =
        (1 - W**2 / w_prior**2) (a cos(W t) + b sin(W t))`` (the force that
        moves a pendulum of the prior's mean frequency ``w_prior`` by ``a
        cos(W t) + b sin(W t)``): ``a``, ``b`` from the auxiliary latents
        and the drive frequency ``W`` a latent whose mean starts from the
        peak of the spectrum of each row's unexplained acceleration
        (:func:`~pendsk.physics.estimates.drive_frequency_estimate`); for a
        periodically driven pendulum, whose drive it carries to another
        natural frequency where a free-form drive fitted to one frequency
        need not.  Each leaves ``theta0`` and ``omega0`` where the trajectory
        starts.
    theta0_range, omega0_range, frequency_range : tuple (low, high) or None, \
default=None
        Range of each physical latent [rad, rad/s, rad/s]: its prior is the
        Gaussian with the mean and variance of the uniform distribution on
        it.  ``None``: the mean and standard deviation of the training
        rows' estimates.
    correction_weight : float, default=0.001
        Weight of the penalty on the decoder's neural correction, relative
        to a reconstruction error of the same size.
    augmentation_weight : float, default=0.0
        Weight of the augmentation penalty: in each training step half the
        batch's codes, their natural frequency drawn anew from its prior,
        are decoded (with their correction and noise), and the encoder is
        asked for their physical latents again; the penalty is the squared
        error in units of the priors' standard deviations, so an error of
        one standard deviation costs ``augmentation_weight`` nats.  It keeps
        a flexible correction (``correction="ode"``'s drive) from taking
        over the frequency; about 50 on driven rows (a fit takes about
        twice as long).  0: off.
    refine_steps : int, default=0
        Semi-amortised inference: :meth:`transform` moves each row's code
        from where the encoder puts it by this many Adam steps up the row's
        log joint density (the decoder's likelihood times the prior; steps
        of 0.02 prior standard deviations annealed to zero on a cosine).
        An encoder trained on a few hundred rows leaves each row's fit
        short of the best its decoder can give (the amortisation gap); a
        few hundred steps close most of it, at the cost of as many decoder
        passes.  Read at each call, not at fit.  0: the encoder's means.
        The best fit can hand part of a physical latent to a flexible
        correction: on driven rows with ``correction="ode"``, refined
        codes read the natural frequency better than the encoder only
        once the drive is well trained (``max_epochs=600`` rather than
        300 in the guide's benchmark).
    prior_components : int, default=20
        Components of the Gaussian mixture ``prior_`` that :meth:`sample`
        draws codes from, fitted to codes drawn from the posteriors of the
        training rows (at most the number of codes it is fitted to).
    sample_noise : {{"residuals", "gaussian"}} or None, default="residuals"
        What :meth:`sample` adds to the decoded trajectories: the
        reconstruction residual of a training row drawn at random
        (``"residuals"``), independent Gaussian noise of the learned scale
        ``noise_std_`` (``"gaussian"``), or nothing (None).
    hidden_layer_sizes : array-like of int, default=(128, 128)
        Hidden widths of the encoder; the correction's network uses them
        reversed.
    activation : {{"silu", "relu", "tanh", "gelu", "elu", "leaky_relu", \
"logistic", "identity"}}, default="silu"
        Nonlinearity after each hidden layer.{params}

    Attributes
    ----------
    prior_mean_ : ndarray of shape (n_physical,)
        Mean of the Gaussian prior of ``theta0, omega0, natural_frequency``
        (and ``damping_rate``, ``drive_frequency``) that training uses.
    prior_std_ : ndarray of shape (n_physical,)
        Its standard deviations.
    prior_ : MixturePrior
        The distribution of codes that :meth:`sample` and :meth:`traverse`
        use: a Gaussian mixture of ``prior_components`` components fitted
        to codes drawn from the posteriors of the training rows (their
        aggregate posterior), so that sampled parameters stay where the
        data's are (``means_``, ``covariances_``, ``marginals()``,
        ``sample(n, random_state)``, ``mixture_``).
    noise_std_ : ndarray of shape (n_steps,)
        The learned observation noise per time step [rad].
    residuals_ : ndarray of shape (n_residuals, n_steps)
        Reconstruction residuals of (at most 1,000 of) the training rows
        [rad], which :meth:`sample` adds with ``sample_noise="residuals"``.{attributes}

    See Also
    --------
    BetaVAE : The same API with latents of no prescribed meaning.
    PendulumSimulator : The physics the decoder runs.

    Notes
    -----
    The decoded mean trajectory is ``theta_phys(t) (1 + gain(t)) +
    offset(t) + shift(t) theta_phys'(t)``: ``theta_phys`` the exact
    undamped pendulum (or the damped one), ``gain`` and ``offset``
    combinations of six quarter-wave sines ``sin(pi (k - 1/2) t / t_end)``
    (zero at ``t = 0``) and ``shift`` [s] of six ``1 - cos(pi (k - 1/2) t
    / t_end)`` (flat at ``t = 0``: the physics moved in time to first
    order, the phase a swing drifts by when its period changes), with
    coefficients from the auxiliary latents; the physics starts with the
    velocity that makes the sum start at ``omega0``.  With
    ``correction="ode"`` the decoded trajectory solves ``theta'' =
    physics(theta, theta') + w**2 (q + q'' / w_prior**2) - c theta'`` from
    ``theta0``, ``omega0``: ``q`` a displacement [rad] on the time grid
    (the network learns a 5 Hz drive as easily as a slow one: the force is
    the one that moves a pendulum of the prior's mean frequency
    ``w_prior`` by ``q``) and ``c`` [1/s] per row from the auxiliary
    latents; its difference from the exact physics is integrated (velocity
    Verlet on the time grid, the friction predicted and corrected: second
    order), so the physics stays exact.  With ``correction="harmonic"``
    ``q = a cos(W t) + b sin(W t)`` at the drive frequency ``W`` of the
    code (its ``q''`` exact).  A counterfactual frequency
    scales the drive with ``w**2`` and keeps the friction.  The loss is
    ``NLL + beta * KL + correction_weight *
    R``, ``R`` the correction's squared size in the units of the
    reconstruction term (the least-action regulariser of [1]_); the priors
    of training are Gaussian.  A Gaussian prior as wide as the data's range
    puts starting angles and frequencies outside it, so :meth:`sample`
    draws codes from ``prior_``, a mixture fitted after training to the
    training rows' posteriors (their aggregate posterior), which keeps
    them in the range of the data; :meth:`score_samples` is the
    log-likelihood under the prior of training.  The encoder's estimates are those of
    :func:`pendsk.physics.torch_pendulum.pendulum_estimates` ([2]_ for the
    integral form).

    Trajectories are standardised per time step inside the estimator; the
    physics runs in radians inside the network, which maps its output to
    the standardised scale before the likelihood.  Training runs in
    float32; every method applies the trained weights in float64, so a
    row's result does not depend on the other rows.  :meth:`score_samples`
    estimates the reconstruction term with 64 fixed standard-normal draws
    shared by all rows, so it is deterministic.  ``dt`` must be the time
    step of the data: the physics decodes on that grid.

    References
    ----------
    .. [1] N. Takeishi and A. Kalousis, "Physics-Integrated Variational
       Autoencoders for Robust and Interpretable Generative Modeling",
       NeurIPS 2021.
    .. [2] D. A. Messenger and D. M. Bortz, "Weak SINDy: Galerkin-based
       data-driven model selection", Multiscale Modeling & Simulation
       19(3), 2021.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk import PhysicsVAE
    >>> from pendsk.datasets import make_pendulum
    >>> X, factors = make_pendulum(n_samples=100, n_steps=100, noise_std=0.01,
    ...                            noise_growth=0.0, random_state=0)
    >>> vae = PhysicsVAE(aux_dim=1, max_epochs=20, random_state=0).fit(X)
    >>> vae.get_feature_names_out()
    array(['theta0', 'omega0', 'natural_frequency', 'aux0'], dtype=object)
    >>> codes, std = vae.transform(X[:2], return_std=True)
    >>> codes.shape, std.shape
    ((2, 4), (2, 4))
    >>> truth = np.sqrt(10.0 / factors[:, 2])
    >>> bool(np.corrcoef(vae.transform(X)[:, 2], truth)[0, 1] > 0.99)
    True
    >>> vae.traverse("natural_frequency", values=[2.0, 3.0], z=codes[0]).shape
    (2, 100)

    Refined codes (semi-amortised inference, on the same fitted model)
    explain their rows better:

    >>> def rmse(Z):
    ...     return np.sqrt(np.mean((vae.inverse_transform(Z) - X) ** 2))
    >>> amortised = vae.transform(X)
    >>> refined = vae.set_params(refine_steps=100).transform(X)
    >>> bool(rmse(refined) < rmse(amortised))
    True
    """

    _parameter_constraints = {
        **NeuralEstimator._parameter_constraints,
        "aux_dim": [Count(0, None, closed="left")],
        # the decoder integrates in float32: dt must be a normal float32
        "dt": [Interval(Real, FLOAT32_TINY, FLOAT32_MAX, closed="both")],
        "beta": [LOSS_WEIGHT],
        "physics": [StrOptions({"undamped", "damped"})],
        "correction": [StrOptions(set(CORRECTIONS))],
        "theta0_range": [_RANGE, None],
        "omega0_range": [_RANGE, None],
        "frequency_range": [_FREQUENCY_RANGE, None],
        "correction_weight": [LOSS_WEIGHT],
        "augmentation_weight": [LOSS_WEIGHT],
        "refine_steps": [Count(0, None, closed="left")],
        "prior_components": [Count(1, None, closed="left")],
        "sample_noise": [StrOptions({"residuals", "gaussian"}), None],
    }
    _decoder = ("trajectory", True)
    _loss_weights = (*NeuralEstimator._loss_weights, "beta", "correction_weight",
                     "augmentation_weight")
    _data_settings = ("dt",)
    _network_params = ("aux_dim", "dt", "physics", "correction", "theta0_range", "omega0_range",
                       "frequency_range", *NeuralEstimator._network_params)

    def __init__(self, aux_dim=2, dt=0.01, beta=1.0, *, physics="undamped", correction="output",
                 theta0_range=None,
                 omega0_range=None, frequency_range=None, correction_weight=0.001,
                 augmentation_weight=0.0, refine_steps=0, prior_components=20,
                 sample_noise="residuals",
                 hidden_layer_sizes=(128, 128), activation="silu", lr=2e-3,
                 lr_schedule="cosine", max_epochs=300, batch_size=64, weight_decay=0.0,
                 early_stopping=False, validation_fraction=0.1, n_iter_no_change=10,
                 warm_start=False, callbacks=None, device="cpu", n_jobs=None,
                 random_state=None, verbose=0):
        self.aux_dim = aux_dim
        self.dt = dt
        self.beta = beta
        self.physics = physics
        self.correction = correction
        self.theta0_range = theta0_range
        self.omega0_range = omega0_range
        self.frequency_range = frequency_range
        self.correction_weight = correction_weight
        self.augmentation_weight = augmentation_weight
        self.refine_steps = refine_steps
        self.prior_components = prior_components
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

    def _ranges(self):
        """The given prior ranges as ``{latent: (low, high)}`` (checked by
        the constraints)."""
        return {latent: _RANGE.convert(getattr(self, name))
                for latent, name in _RANGES.items() if getattr(self, name) is not None}

    def _module_spec(self, data):
        """The network for the standardised rows ``data.X``; the physics
        works in radians, so the network holds the scaler's mean and scale,
        and the estimates of the training rows set the feature scaling and
        (where no range is given) the prior."""
        theta = torch.as_tensor(np.ascontiguousarray(self._x_scaler.inverse_transform(data.X)))
        estimates = encoder_estimates(theta, float(self.dt),
                                      harmonic=self.correction == "harmonic").numpy()
        feature_mean = estimates.mean(axis=0)
        feature_scale = _floor_scale(estimates.std(axis=0), feature_mean)
        # the estimates the encoder starts from (physics_network.encode)
        start = [0, 1, 2, 3] if self.physics == "damped" else [4, 5, 6]
        start += [len(ESTIMATES)] if self.correction == "harmonic" else []
        prior_mean = feature_mean[start].copy()
        prior_std = feature_scale[start].copy()
        ranges = self._ranges()
        for i, latent in enumerate(PHYSICAL_LATENTS):
            if latent in ranges:
                low, high = ranges[latent]
                prior_mean[i], prior_std[i] = (low + high) / 2, (high - low) / np.sqrt(12)
        return PhysicsVAENetwork, dict(
            n_steps=data.X.shape[1], dt=float(self.dt), aux_dim=self.aux_dim,
            hidden_layer_sizes=self._hidden_layers(), activation=self.activation,
            x_mean=self._x_scaler.mean_, x_scale=self._x_scaler.scale_,
            prior_mean=prior_mean, prior_std=prior_std, feature_mean=feature_mean,
            feature_scale=feature_scale, damped=self.physics == "damped",
            correction=self.correction,
            # the noise the estimates leave (median over rows): the scale the
            # likelihood starts from
            noise_std=max(float(np.exp(np.median(estimates[:, 7]))),
                          1e-3 * float(np.median(self._x_scaler.scale_))))

    def _train(self, net, train_set, ours, incremental=False):
        """Train with each row's physics estimates computed once (they
        cost most of a step; training sees the same rows every epoch)."""
        with net.module_.caching_estimates(), \
                net.module_.augmenting(self.augmentation_weight > 0):
            super()._train(net, train_set, ours, incremental)

    def _training_settings(self, n_rows):
        return {"loss_settings": dict(beta=float(self.beta),
                                      correction_weight=float(self.correction_weight),
                                      augmentation_weight=float(self.augmentation_weight))}

    # -- fitted state ------------------------------------------------------------

    @property
    def prior_mean_(self):
        check_is_fitted(self)
        return self.net_.module_.prior_mean.detach().cpu().numpy().astype(np.float64)

    @property
    def prior_std_(self):
        check_is_fitted(self)
        return self.net_.module_.prior_std.detach().cpu().numpy().astype(np.float64)

    @property
    def _fitted_width(self):
        return (f"{self._n_features_out} latents ({len(self._physical_latents)} physical + "
                "aux_dim)")

    @property
    def _physical_latents(self):
        """Names of the fitted model's physical latents."""
        module = self.net_.module_
        physics = DAMPED_LATENTS if module.damped else PHYSICAL_LATENTS
        return (*physics, DRIVE_LATENT) if module.correction_kind == "harmonic" else physics

    def get_feature_names_out(self, input_features=None):
        """Names of the latent variables: ``theta0, omega0,
        natural_frequency`` (``damping_rate`` with ``physics="damped"``,
        then ``drive_frequency`` with ``correction="harmonic"``), ``aux0,
        ...``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Only checked against the names seen in :meth:`fit`.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per column of :meth:`transform`.
        """
        check_is_fitted(self)
        with naming("input_features"):
            _check_feature_names_in(self, input_features, generate_names=False)
        physical = self._physical_latents
        n_aux = self._n_features_out - len(physical)
        return np.asarray([*physical, *(f"aux{i}" for i in range(n_aux))],
                          dtype=object)

    # -- the latent code -------------------------------------------------------------

    @validate_params({"return_std": ["boolean"]}, prefer_skip_nested_validation=True)
    def transform(self, X, return_std=False):
        """Posterior means of the latent variables of ``X``.

        With ``refine_steps`` > 0, each mean is then refined to the code
        that best explains its row (see ``refine_steps`` and the class's
        Examples).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps)
            Trajectories.
        return_std : bool, default=False
            Also return the posterior standard deviations: the uncertainty
            of the inferred parameters (the encoder's, refined or not).

        Returns
        -------
        Z : ndarray of shape (n_samples, n_physical + aux_dim)
            Each row's posterior mean: ``theta0`` [rad], ``omega0`` [rad/s],
            ``natural_frequency`` [rad/s] (and ``damping_rate`` [1/s],
            ``drive_frequency`` [rad/s]), then the auxiliary latents.
        Z_std : ndarray of shape (n_samples, n_physical + aux_dim)
            The posterior standard deviations, in the same units; only
            when ``return_std`` is True.
        """
        return self._encode(X, return_std)

    def _latent_index(self, latent):
        names = list(self.get_feature_names_out())
        if isinstance(latent, str):
            if latent not in names:
                raise ValueError(f"latent must be one of {names} or an index; got {latent!r}.")
            return names.index(latent)
        if latent >= len(names):
            raise ValueError(f"latent must be in [0, {len(names)}) (the physical + the fitted "
                             f"aux_dim) or a name; got {latent}.")
        return int(latent)

    @validate_params({"latent": [Count(0, None, closed="left"), str],
                      "values": ["array-like", None], "z": ["array-like", None],
                      "scale_omega0": ["boolean"]},
                     prefer_skip_nested_validation=True)
    def traverse(self, latent, values=None, z=None, *, scale_omega0=True):
        """Decoded trajectories as one latent variable moves, in its units.

        Start from a code ``z``, set ``latent`` to each of ``values`` in
        turn and decode.  Moving the natural frequency by a factor ``f``
        also multiplies ``omega0`` by ``f`` (unless ``scale_omega0`` is
        False): ``theta0`` and ``omega0 / natural_frequency``, which fix the
        swing's amplitude and shape, stay, so the physics gives the same
        swing on a time axis ``f`` times faster (the period divided by
        ``f``).  With ``scale_omega0=False`` ``omega0`` stays and the
        amplitude changes with the frequency (the energy
        ``omega0**2 / 2 + w**2 (1 - cos theta0)`` does).

        Parameters
        ----------
        latent : int or str
            The latent to move: an index into :meth:`get_feature_names_out`
            or one of its names, e.g. ``"natural_frequency"``.
        values : array-like of shape (n_values,), default=None
            Values given to it, in its units; ``None`` means the mean of
            ``prior_`` ± 2 of its standard deviations in 5 steps.
        z : array-like of shape (n_physical + aux_dim,), default=None
            The code the other latents keep, e.g. a row of
            :meth:`transform`; ``None`` is a typical code, the mean of the
            heaviest component of ``prior_``.
        scale_omega0 : bool, default=True
            Whether a move of the natural frequency scales ``omega0`` with
            it (keeping the amplitude).

        Returns
        -------
        X : ndarray of shape (n_values, n_steps)
            One decoded mean trajectory per value [rad].
        """
        check_is_fitted(self)
        index = self._latent_index(latent)
        codes, base, blame = self._traversal_codes(index, values, z)
        if index == 2 and scale_omega0:
            if base[2] == 0:
                raise ValueError("z has natural_frequency 0, so omega0 cannot scale with "
                                 "it; pass scale_omega0=False.")
            codes[:, 1] = base[1] * codes[:, 2] / base[2]
        return self._decode(codes, blame)

    def sample(self, n_samples=1, random_state=None, *, theta0=None, omega0=None,
               natural_frequency=None, damping_rate=None, drive_frequency=None):
        """Draw new trajectories, with physical latents fixed or in a range.

        Codes are drawn from the fitted prior ``prior_``; ``theta0``,
        ``omega0`` and ``natural_frequency``, each None (free), a number
        (fixed) or a pair ``(low, high)`` (a range), ask for swings of a
        chosen amplitude or frequency: the other latents are drawn from
        their fitted distribution given the fixed values (the conditional of
        the mixture, exact), and draws outside a range are drawn again.  The
        codes are decoded, and, by ``sample_noise``, the reconstruction
        residual of a training row drawn at random is added (``"residuals"``),
        or Gaussian noise of the learned scale ``noise_std_``
        (``"gaussian"``), or nothing (None).  The decoded trajectory starts
        at ``theta0`` with velocity ``omega0`` and swings at the natural
        frequency of its code.

        Parameters
        ----------
        n_samples : int, default=1
            Number of trajectories.
        random_state : int, RandomState instance or None, default=None
            Seed of the codes and the noise.
        theta0 : float or tuple (low, high), default=None
            The initial angle [rad] of every sample, or its range.
        omega0 : float or tuple (low, high), default=None
            The initial angular velocity [rad/s], or its range.
        natural_frequency : float or tuple (low, high), default=None
            The natural frequency sqrt(g / L) [rad/s], or its range.
        damping_rate : float or tuple (low, high), default=None
            The damping rate [1/s], or its range (``physics="damped"`` only).
        drive_frequency : float or tuple (low, high), default=None
            The drive's angular frequency [rad/s], or its range
            (``correction="harmonic"`` only).

        Returns
        -------
        X : ndarray of shape (n_samples, n_steps)
            Generated trajectories [rad].

        Examples
        --------
        >>> from pendsk import PhysicsVAE
        >>> from pendsk.datasets import make_pendulum
        >>> X, _ = make_pendulum(100, n_steps=100, noise_std=0.01, noise_growth=0.0,
        ...                      random_state=0)
        >>> vae = PhysicsVAE(aux_dim=1, max_epochs=20, random_state=0).fit(X)
        >>> swings = vae.sample(3, random_state=0, theta0=1.2, natural_frequency=(2.5, 2.7))
        >>> swings.shape, bool(abs(swings[0, 0] - 1.2) < 0.05)
        ((3, 100), True)
        """
        conditions = {"theta0": theta0, "omega0": omega0,
                      "natural_frequency": natural_frequency, "damping_rate": damping_rate,
                      "drive_frequency": drive_frequency}
        if all(value is None for value in conditions.values()):
            return super().sample(n_samples, random_state)
        validate_parameter_constraints(
            {"n_samples": [Count(1, None, closed="left")], "random_state": ["random_state"],
             **{name: [_ANY, _RANGE, None] for name in conditions}},
            {"n_samples": n_samples, "random_state": random_state, **conditions},
            caller_name=f"{type(self).__name__}.sample")
        check_is_fitted(self)
        if damping_rate is not None and "damping_rate" not in self._physical_latents:
            raise ValueError("damping_rate: this PhysicsVAE knows no damping "
                             "(physics='undamped'); fit it with physics='damped' to ask "
                             "for a damping rate.")
        if drive_frequency is not None and DRIVE_LATENT not in self._physical_latents:
            raise ValueError(f"drive_frequency: this PhysicsVAE has no harmonic drive "
                             f"(correction={self.net_.module_.correction_kind!r}); fit it with "
                             f"correction='harmonic' to ask for a drive frequency.")
        check_settings(self, "sample_noise")
        check_output_size((n_samples, self.n_features_in_), "n_samples", n_samples, copies=2)
        rng = check_random_state(random_state)
        index = {name: i for i, name in enumerate(self._physical_latents)}
        fixed = {index[name]: np.full(n_samples, float(value))
                 for name, value in conditions.items() if isinstance(value, Real)}
        ranges = {index[name]: _RANGE.convert(value) for name, value in conditions.items()
                  if value is not None and not isinstance(value, Real)}
        codes = self._codes_given(n_samples, fixed, ranges, rng)
        rows = self._decode(codes, "the requested latents")
        if self.sample_noise == "residuals":
            rows += self.residuals_[self._residual_rows(n_samples, None, rng)]
        elif self.sample_noise == "gaussian":
            rows += self.noise_std_ * rng.standard_normal(rows.shape)
        return rows

    def _codes_given(self, n_samples, fixed, ranges, rng):
        """``n_samples`` codes from ``prior_`` with the latents ``fixed``
        (``{index: values}``) and the others in their ``ranges`` (``{index:
        (low, high)}``, by drawing again those outside)."""
        def draw(n):
            if not fixed:
                return self.prior_.sample(n, rng)
            return self.prior_.sample_given({i: v[:n] for i, v in fixed.items()}, rng)

        names = list(self.get_feature_names_out())
        codes, found, drawn = [], 0, 0
        while found < n_samples:
            batch = draw(n_samples)
            drawn += n_samples
            inside = np.ones(n_samples, dtype=bool)
            for i, (low, high) in ranges.items():
                inside &= (batch[:, i] >= low) & (batch[:, i] <= high)
            codes.append(batch[inside])
            found += int(inside.sum())
            if found < n_samples and drawn >= _MAX_DRAWS * n_samples and \
                    found < _MIN_SHARE * drawn:
                asked = ", ".join(f"{names[i]} in [{low:g}, {high:g}]"
                                  for i, (low, high) in ranges.items())
                raise ValueError(
                    f"The fitted distribution of the latents puts {found} of {drawn} draws "
                    f"in the requested range ({asked}): ask for a range the training rows "
                    f"cover (prior_.marginals() gives its mean and spread).")
        return np.vstack(codes)[:n_samples]


def _floor_scale(std, mean):
    """Standard deviations kept away from 0 (a constant estimate)."""
    return np.maximum(std, 1e-6 * np.maximum(np.abs(mean), 1.0))


PhysicsVAE.__doc__ = PhysicsVAE.__doc__.format(**shared_docs(PhysicsVAE))
