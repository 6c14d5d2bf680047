"""The base of the latent-variable models (BetaVAE, PhysicsVAE)."""

import threading

import numpy as np
import torch
from sklearn.base import TransformerMixin
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted

from .._neural.estimator import UnsupervisedNeuralEstimator
from .._neural.nets import AutoencoderNet
from .._utils.validation import Count, as_float64, check_output_size, naming
from .vae_network import ELBOLoss

#: Held while a deferred update of a prior runs (``LatentModel.prior_``).
_PRIOR_UPDATE = threading.Lock()

__all__ = ["LatentModel"]

#: Standard-normal draws per row in the Monte-Carlo ELBO of score_samples.
_ELBO_DRAWS = 64


class LatentModel(TransformerMixin, UnsupervisedNeuralEstimator):
    """Base of the latent-variable models: an encoder to codes, a decoder
    back, a prior over the codes (not public; subclass it).

    What it gives every latent model: :meth:`transform` (posterior means,
    and standard deviations on request), :meth:`inverse_transform`,
    :meth:`sample` (codes from the fitted prior ``prior_``, decoded, plus
    the learned observation noise ``noise_std_``), :meth:`score_samples`
    and :meth:`score` (the β = 1 ELBO in nats, in the units of X), the
    validation of codes, and the codes of a traversal
    (:meth:`_traversal_codes`).  The network is a
    :class:`~pendsk._latent.vae_network.LatentNetwork` trained by
    :class:`~pendsk._latent.vae_network.ELBOLoss`.

    Hooks a subclass implements:

    - ``_fit_prior(Xs)`` → a :class:`~pendsk._latent.priors.MixturePrior`
      over the codes, for the standardised training rows ``Xs``, once the
      network is trained (called after every training call);
    - ``_fitted_width``: how an error names the fitted number of latents,
      e.g. ``"latent_dim=6"``;
    - ``_decoder``: the network method that decodes codes to rows, and
      whether it returns them in the units of X (else standardised, which
      the scaler undoes).
    """

    _criterion = ELBOLoss
    _net_class = AutoencoderNet
    _decoder = ("decode", False)

    def _fit_prior(self, Xs, incremental=False):
        raise NotImplementedError

    def _deferred_prior_update(self, Xs):
        """What a :meth:`partial_fit` that continues training needs to
        update ``prior_`` later -- ``(codes, seed)`` for
        :meth:`MixturePrior.update` -- or None to fit it now."""
        return None

    # -- fitted state --------------------------------------------------------

    def _train(self, net, train_set, ours, incremental=False):
        """Train, then fit ``prior_`` to the rows trained on.

        A :meth:`partial_fit` that continues training may defer the update
        (:meth:`_deferred_prior_update`): the codes of its rows are kept,
        and the prior is updated from them when ``prior_`` is next read.
        A run of calls then costs one update, whatever its length (each
        call replaces the codes of the one before).
        """
        super()._train(net, train_set, ours, incremental)
        Xs = train_set.tensors[0].cpu().numpy()
        pending = self._deferred_prior_update(Xs) if incremental else None
        self.__dict__.pop("_prior_update", None)
        if pending is None:
            self._prior = self._fit_prior(Xs, incremental)
        else:
            self._prior_update = pending

    @property
    def prior_(self):
        """The distribution of codes :meth:`sample` draws from (a
        :class:`~pendsk._latent.priors.MixturePrior`), fitted by the last
        training call; after :meth:`partial_fit` calls, updated from the
        last call's codes when first read."""
        state = self.__dict__
        if "_prior_update" in state:
            with _PRIOR_UPDATE:  # two threads reading it update it once
                if "_prior_update" in state:
                    codes, seed = state["_prior_update"]
                    state["_prior"] = state["_prior"].update(codes, random_state=seed)
                    del state["_prior_update"]
        try:
            return state["_prior"]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no prior_ before it is "
                                 "fitted.") from None

    @property
    def _n_features_out(self):
        """The fitted number of latents (the module's, whatever the
        hyperparameters say now)."""
        return self.net_.module_.latent_dim

    @property
    def noise_std_(self):
        """The learned observation noise per time step, in the units of X,
        ``(n_steps,)``."""
        check_is_fitted(self)
        log_scale = self.net_.module_.log_scale.detach().cpu().numpy().astype(np.float64)
        return np.exp(log_scale) * self._x_scaler.scale_

    # -- codes ---------------------------------------------------------------

    def _encode(self, X, return_std):
        """Posterior means of the rows ``X`` and, if asked, their standard
        deviations."""
        if return_std:
            return self._forward(self._validate_X(X), method="encode",
                                 post=lambda mean, log_var: (mean, np.exp(0.5 * log_var)))
        return self._forward(self._validate_X(X), method="encode",
                             post=lambda mean, log_var: mean)

    def _validate_codes(self, Z, name):
        """``Z`` as float64 codes of the fitted width (errors name ``name``)."""
        check_is_fitted(self)
        with naming(name):
            Z = as_float64(check_array(Z, dtype="numeric", input_name=name), name)
        if Z.shape[1] != self._n_features_out:
            raise ValueError(f"{name} has {Z.shape[1]} columns, but {type(self).__name__} "
                             f"was fitted with {self._fitted_width}.")
        return Z

    def _decode(self, Z, name, noise_rng=None):
        """Decoded mean rows of the codes ``Z`` in the units of X; with a
        ``noise_rng``, plus draws of the learned observation noise."""
        method, in_units = self._decoder
        noise = None if noise_rng is None else self.noise_std_

        def post(rows):
            if not in_units:
                rows = self._x_scaler.inverse_transform(rows)
            if noise is not None:
                rows = rows + noise * noise_rng.standard_normal(rows.shape)
            return rows
        return self._forward(Z, method=method, input_name=name, post=post)

    def _traversal_codes(self, index, values, z):
        """Codes of a traversal of latent ``index`` over ``values`` from the
        code ``z``: ``(codes, start, blame)``, ``start`` the code the others
        keep and ``blame`` the name of what errors should blame.

        ``values=None``: the prior's mean ± 2 standard deviations along
        ``index`` in 5 steps; ``z=None``: the prior's typical code
        (:meth:`~pendsk._latent.priors.MixturePrior.mode`).
        """
        if values is None:
            mean, std = self.prior_.marginals()
            values = mean[index] + std[index] * np.linspace(-2, 2, 5)
        with naming("values"):
            if np.ndim(values) != 1:
                raise ValueError(f"values must be 1-D, got shape {np.shape(values)}.")
            values = as_float64(check_array(np.reshape(values, (1, -1)), dtype="numeric",
                                            input_name="values"), "values").ravel()
        if z is None:
            base = self.prior_.mode()[None]
        else:
            with naming("z"):
                if np.ndim(z) != 1:
                    raise ValueError(f"z must be 1-D of length {self._n_features_out} "
                                     f"({self._fitted_width}), got shape {np.shape(z)}.")
            base = self._validate_codes(np.reshape(z, (1, -1)), "z")
        codes = np.repeat(base, len(values), axis=0)
        codes[:, index] = values
        return codes, base[0], "values" if z is None else "values or z"

    def inverse_transform(self, X):
        """Decoded mean trajectories of latent codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_latents)
            Latent codes in the units of :meth:`transform`.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_steps)
            The decoder's mean trajectory of each code.
        """
        return self._decode(self._validate_codes(X, "X"), "X")

    def sample(self, n_samples=1, random_state=None):
        """Draw new trajectories from the model.

        Codes are drawn from the fitted prior ``prior_`` and decoded, and
        the learned observation noise ``noise_std_`` (one standard
        deviation per time step) is added: draws from the model's
        distribution of trajectories.  :meth:`inverse_transform` of codes
        from ``prior_`` gives the noise-free decoded means instead.

        Parameters
        ----------
        n_samples : int, default=1
            Number of trajectories.
        random_state : int, RandomState instance or None, default=None
            Seed of the codes and the noise.

        Returns
        -------
        X : ndarray of shape (n_samples, n_steps)
            Generated trajectories.
        """
        # the errors name the user's class, not this base's
        validate_parameter_constraints(
            {"n_samples": [Count(1, None, closed="left")], "random_state": ["random_state"]},
            {"n_samples": n_samples, "random_state": random_state},
            caller_name=f"{type(self).__name__}.sample")
        check_is_fitted(self)
        check_output_size((n_samples, self.n_features_in_), "n_samples", n_samples, copies=2)
        rng = check_random_state(random_state)
        codes = self.prior_.sample(n_samples, rng)
        return self._decode(codes, "the prior draws", noise_rng=rng)

    # -- likelihood ----------------------------------------------------------

    def _elbo(self, X, reduce=None):
        """ELBO of each row of ``X`` in the units of X, or ``reduce`` of them."""
        Xs = self._validate_X(X)
        eps = torch.randn(_ELBO_DRAWS, self._n_features_out, dtype=torch.float64,
                          generator=torch.Generator().manual_seed(0))
        # the density of the standardised rows, back in the units of X
        shift = np.log(self._x_scaler.scale_).sum()

        def post(elbo):
            elbo = elbo - shift
            return elbo if reduce is None else reduce(elbo)
        return self._forward(Xs, method="elbo", eps=eps, post=post)

    def score_samples(self, X):
        """Evidence lower bound (ELBO) of each trajectory, in nats (β = 1).

        A lower bound on ``log p(x)`` under the model with the prior that
        training used (not the fitted ``prior_``), in the units of ``X``,
        whatever β the model was trained with and without any training
        penalty, so models trained with different settings, and different
        latent models, compare fairly.  The reconstruction term is
        estimated with 64 fixed standard-normal draws shared by all rows,
        so the result is deterministic.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps)
            Trajectories.

        Returns
        -------
        elbo : ndarray of shape (n_samples,)
            The ELBO of each row; higher is better.
        """
        return self._elbo(X)

    def score(self, X, y=None):
        """Mean ELBO of the trajectories ``X``, in nats (β = 1).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps)
            Trajectories.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
            The mean of :meth:`score_samples`; higher is better.
        """
        return float(self._elbo(X, reduce=np.mean))
