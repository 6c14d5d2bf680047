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
from .._utils.seeding import child_seed
from .._utils.validation import (Count, as_float64, check_output_size, check_settings,
                                 naming)
from .priors import MixturePrior
from .vae_network import ELBOLoss

#: Held while a deferred update of a prior runs (``LatentModel.prior_``).
_PRIOR_UPDATE = threading.Lock()

__all__ = ["LatentModel"]

#: The fitted prior sees this many codes drawn from each training row's
#: posterior, fewer when that would exceed ``_PRIOR_POINTS`` codes in all
#: (but at least one per row).
_PRIOR_DRAWS, _PRIOR_POINTS = 10, 10_000

#: Training rows whose reconstruction residuals :meth:`LatentModel.sample`
#: draws from (a random subset of larger sets).
_RESIDUAL_ROWS = 1000

#: Importance samples per row in the log-likelihood of score_samples.
_IMPORTANCE_DRAWS = 256

#: Values of one decoded chunk of importance samples (bounds the memory of
#: score_samples: rows per chunk times draws times the row's width).
_DRAW_VALUES = 1 << 22


class LatentModel(TransformerMixin, UnsupervisedNeuralEstimator):
    """Base of the latent-variable models: an encoder to codes, a decoder
    back, a prior over the codes (not public; subclass it).

    What it gives every latent model: :meth:`transform` (posterior means,
    and standard deviations on request), :meth:`inverse_transform`,
    :meth:`sample` (codes from the fitted prior ``prior_``, decoded, plus
    the learned observation noise ``noise_std_``), :meth:`score_samples`
    and :meth:`score` (the importance-weighted log-likelihood of the
    trained model in nats, in the units of X), the
    validation of codes, and the codes of a traversal
    (:meth:`_traversal_codes`).  The network is a
    :class:`~pendsk._latent.vae_network.LatentNetwork` trained by
    :class:`~pendsk._latent.vae_network.ELBOLoss`.

    Hooks a subclass implements:

    - ``_fit_prior(mean, log_var)`` → a
      :class:`~pendsk._latent.priors.MixturePrior` over the codes, given the
      posteriors of the training rows, once the network is trained (called
      after every training call; by default a Gaussian mixture of
      ``prior_components`` components fitted to their aggregate
      posterior);
    - ``_fitted_width``: how an error names the fitted number of latents,
      e.g. ``"latent_dim=6"``;
    - ``_decoder``: the network method that decodes codes to rows, and
      whether it returns them in the units of X (else standardised, which
      the scaler undoes).
    """

    _criterion = ELBOLoss
    _net_class = AutoencoderNet
    _decoder = ("decode", False)

    def _fit_prior(self, mean, log_var, incremental=False):
        """The distribution of codes :meth:`sample` draws from, given the
        posteriors (``mean``, ``log_var``) of the training rows: by default
        a Gaussian mixture of ``prior_components`` components fitted to
        codes drawn from them (their aggregate posterior)."""
        codes, seed = self._posterior_draws(mean, log_var)
        return MixturePrior.fit(codes, self.prior_components, random_state=seed)

    def _deferred_prior_update(self, mean, log_var):
        """What a :meth:`partial_fit` that continues training needs to
        update ``prior_`` later -- ``(codes, seed)`` for
        :meth:`MixturePrior.update` -- or None to fit it now: a continued
        :meth:`partial_fit` updates a fitted mixture from its current
        components when ``prior_`` is next read, so a run of calls costs
        one update."""
        if self._prior.mixture_ is None:
            return None
        return self._posterior_draws(mean, log_var)

    def _posterior_draws(self, mean, log_var):
        """Codes drawn from the posteriors ``(mean, log_var)`` of the
        training rows (their aggregate posterior), and the seed of a
        mixture fitted to them."""
        n_done = len(self.net_.history)
        rng = np.random.default_rng(child_seed(self._entropy, n_done, 1))
        n_draws = min(_PRIOR_DRAWS, max(1, _PRIOR_POINTS // len(mean)))
        codes = mean + np.exp(0.5 * log_var) * rng.standard_normal((n_draws, *mean.shape))
        return codes.reshape(-1, mean.shape[1]), child_seed(self._entropy, n_done, 2)

    def _training_residuals(self, Xs, mean, labels=None):
        """What the decoded posterior means of the standardised training
        rows ``Xs`` leave of them, in the units of X, and the class indices
        of those rows (or None): at most ``_RESIDUAL_ROWS`` rows, drawn at
        random (:meth:`sample`'s noise)."""
        # in float64: a mean near float32's largest value would overflow
        X = self._x_scaler.inverse_transform(Xs.astype(np.float64))
        if len(X) > _RESIDUAL_ROWS:
            rng = np.random.default_rng(child_seed(self._entropy, len(self.net_.history), 3))
            keep = np.sort(rng.choice(len(X), _RESIDUAL_ROWS, replace=False))
            X, mean = X[keep], mean[keep]
            labels = None if labels is None else labels[keep]
        return X - self._decode(mean, "the training rows' codes"), labels

    def _fit_class_priors(self, mean, log_var, labels):
        """One distribution of codes per class of ``classes_``, fitted to the
        posteriors of that class's training rows (a conditional model)."""
        priors = []
        for k, label in enumerate(self.classes_):
            rows = labels == k
            if not rows.any():
                raise ValueError(f"y: class {label!r} kept no training row (early stopping "
                                 "held its rows out); give every class at least 2 rows, or "
                                 "set early_stopping=False.")
            # a fitted mixture whatever prior_ is (N(0, I) knows no classes)
            priors.append(LatentModel._fit_prior(self, mean[rows], log_var[rows]))
        return priors

    # -- fitted state --------------------------------------------------------

    def _train(self, net, train_set, ours, incremental=False):
        """Train, then fit what :meth:`sample` draws from to the rows
        trained on: ``prior_`` to their codes, ``residuals_`` from their
        reconstructions.

        A :meth:`partial_fit` that continues training may defer the update
        of ``prior_`` (:meth:`_deferred_prior_update`): the codes of its
        rows are kept, and the prior is updated from them when ``prior_``
        is next read.  A run of calls then costs one update, whatever its
        length (each call replaces the codes of the one before).
        """
        super()._train(net, train_set, ours, incremental)
        Xs = train_set.tensors[0].cpu().numpy()
        # the class indices of the rows of a conditional fit
        labels = (train_set.tensors[1].cpu().numpy().astype(np.intp)
                  if len(train_set.tensors) > 1 else None)
        try:
            mean, log_var = self._forward(Xs, method="encode")
            with np.errstate(over="ignore"):
                if not np.isfinite(np.exp(0.5 * log_var)).all():  # the posterior's spread
                    raise ValueError("posterior standard deviations overflow float64")
            self.residuals_, self._residual_classes = self._training_residuals(Xs, mean,
                                                                               labels)
        except ValueError as error:  # the overflow error of _forward
            settings = ", ".join(f"{name}={getattr(self, name)!r}"
                                 for name in self._network_params)  # plain values
            raise ValueError(
                f"The trained {type(self).__name__} gives codes or reconstructions of its "
                f"training rows that overflow float64: a setting of the network ({settings}) "
                f"or the learning rate (lr={self.lr!r}) is probably out of range for this "
                "data.") from error
        pending = self._deferred_prior_update(mean, log_var) if incremental else None
        self.__dict__.pop("_prior_update", None)
        if pending is None:
            self._prior = self._fit_prior(mean, log_var, incremental)
        else:
            self._prior_update = pending
        if labels is None:
            self.__dict__.pop("class_priors_", None)
        else:
            self.class_priors_ = self._fit_class_priors(mean, log_var, labels)

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
        deviations; the means refined by ``refine_steps`` steps of
        :meth:`~pendsk._latent.vae_network.LatentNetwork.refine`."""
        X = self._validate_X(X)  # (and fitted)
        # read at each call: set_params may have changed it since fit
        check_settings(self, "refine_steps")
        if self.refine_steps:
            method, options = "refine", {"steps": int(self.refine_steps)}
        else:
            method, options = "encode", None
        if return_std:
            return self._forward(X, method=method, options=options,
                                 post=lambda mean, log_var: (mean, np.exp(0.5 * log_var)))
        return self._forward(X, method=method, options=options,
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

    def _decode(self, Z, name):
        """Decoded mean rows of the codes ``Z`` in the units of X."""
        method, in_units = self._decoder
        post = None if in_units else self._x_scaler.inverse_transform
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

    def sample(self, n_samples=1, random_state=None, *, y=None):
        """Draw new trajectories from the model.

        Codes are drawn from the fitted prior ``prior_`` (for a model
        fitted with class labels, from the requested class's
        ``class_priors_``) and decoded; then, by ``sample_noise``, the
        reconstruction residual of a training row drawn at random (of the
        same class) is added (``"residuals"``: noise with the correlation
        in time, the spread and the roughness of the data's), or
        independent Gaussian noise of the learned scale ``noise_std_`` at
        each step (``"gaussian"``), or nothing (None: the decoded means, as
        :meth:`inverse_transform` of the codes gives them).

        Parameters
        ----------
        n_samples : int, default=1
            Number of trajectories.
        random_state : int, RandomState instance or None, default=None
            Seed of the classes, the codes and the noise.
        y : label or array-like of shape (n_samples,), default=None
            For a model fitted with class labels: the class of every
            sample, or one per sample; None draws the classes with the
            training rows' shares (``class_weights_``).  Must be None for a
            model fitted without labels.

        Returns
        -------
        X : ndarray of shape (n_samples, n_steps)
            Generated trajectories.
        y : ndarray of shape (n_samples,)
            Their classes, as :meth:`sklearn.mixture.GaussianMixture.sample`
            returns its components; only for a model fitted with class
            labels.
        """
        # the errors name the user's class, not this base's
        validate_parameter_constraints(
            {"n_samples": [Count(1, None, closed="left")], "random_state": ["random_state"]},
            {"n_samples": n_samples, "random_state": random_state},
            caller_name=f"{type(self).__name__}.sample")
        check_is_fitted(self)
        # the one setting sample reads (set_params may have changed it)
        check_settings(self, "sample_noise")
        check_output_size((n_samples, self.n_features_in_), "n_samples", n_samples, copies=2)
        rng = check_random_state(random_state)
        classes = self._requested_classes(n_samples, y, rng)
        if classes is None:
            codes = self.prior_.sample(n_samples, rng)
        else:
            codes = np.empty((n_samples, self._n_features_out))
            for k in np.unique(classes):
                codes[classes == k] = self.class_priors_[k].sample(np.sum(classes == k), rng)
        rows = self._decode(codes, "the prior draws")
        if self.sample_noise == "residuals":
            rows += self.residuals_[self._residual_rows(n_samples, classes, rng)]
        elif self.sample_noise == "gaussian":
            rows += self.noise_std_ * rng.standard_normal(rows.shape)
        return rows if classes is None else (rows, self.classes_[classes])

    # -- likelihood ----------------------------------------------------------

    def _log_likelihood(self, X):
        """The importance-weighted log-likelihood of each row of ``X``, in
        the units of X."""
        Xs = self._validate_X(X)
        eps = torch.randn(_IMPORTANCE_DRAWS, self._n_features_out, dtype=torch.float64,
                          generator=torch.Generator().manual_seed(0))
        # the density of the standardised rows, back in the units of X
        shift = np.log(self._x_scaler.scale_).sum()
        rows = _DRAW_VALUES // (_IMPORTANCE_DRAWS * max(Xs.shape[1], self._n_features_out))
        return self._forward(Xs, method="log_likelihood", eps=eps,
                             post=lambda log_p: log_p - shift, rows=rows)

    def score_samples(self, X):
        """Log-likelihood of each trajectory under the model, in nats.

        An importance-weighted estimate (Burda, Grosse and Salakhutdinov
        2016 [1]_) of ``log p(x)`` under the trained model: the prior the
        loss used (N(0, I) for :class:`~pendsk.BetaVAE`), the decoder and
        its learned per-step Gaussian noise.  It averages ``p(x | z) p(z) /
        q(z | x)`` over 256 codes drawn from the encoder's posterior
        ``q(z | x)``, the same standard-normal draws for every row, so the
        result is deterministic and a row's value does not depend on the
        others.  Its expectation is a lower bound on ``log p(x)`` that is
        much tighter than the evidence lower bound (ELBO) that training
        maximises, and it is the same whatever β or penalty the model was
        trained with: models trained with different settings compare
        fairly, e.g. in :class:`~sklearn.model_selection.GridSearchCV`, and
        with :meth:`sklearn.decomposition.PCA.score`, the exact
        log-likelihood of probabilistic PCA.  It is a density of the rows
        of ``X`` in their own units.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_steps)
            Trajectories.

        Returns
        -------
        log_likelihood : ndarray of shape (n_samples,)
            The estimate for each row; higher is better.

        References
        ----------
        .. [1] Y. Burda, R. Grosse and R. Salakhutdinov, "Importance
           Weighted Autoencoders", ICLR 2016.
        """
        return self._log_likelihood(X)

    def score(self, X, y=None):
        """Mean log-likelihood of the trajectories ``X``, in nats.

        The mean of :meth:`score_samples` (an importance-weighted
        estimate), as :meth:`sklearn.decomposition.PCA.score` and
        :meth:`sklearn.mixture.GaussianMixture.score` give theirs.

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
        return float(np.mean(self._log_likelihood(X)))
