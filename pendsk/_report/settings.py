"""The settings of ``pendsk demo``: its data sizes, and how each of its six
fits is made (torch-free, so that ``pendsk --help`` and ``pendsk simulate``
stay light)."""

__all__ = ["FITS", "SETTINGS", "call_text", "describe_fits", "fit_params"]

# Settings of the full run and of --quick.  The full run uses every model's
# defaults on the article's data sizes, but for the epochs, cut where the
# history and the held-out quality show the fit has converged, and
# BetaVAE(beta=10)'s pca_path=False (the article's network, for the traversals)
# (benchmarks/bench_threads.py times the demo); --quick shrinks data and
# epochs so that the whole road runs in seconds (the tests use it).
# ``models`` holds the hyperparameters each section overrides.
SETTINGS = {
    False: dict(n_trajectories=100, n_train=400, n_test=200, n_mmd_draws=30,
                models={"regression": dict(max_epochs=50), "gan": dict(),
                        "vae": dict(),
                        "vae_article": dict(max_epochs=500, pca_path=False),
                        "physics": dict(max_epochs=100)}),
    True: dict(n_trajectories=20, n_train=100, n_test=50, n_mmd_draws=3,
               models={"regression": dict(max_epochs=5, hidden_layer_sizes=(32, 32)),
                       "gan": dict(max_epochs=20, hidden_layer_sizes=(32, 64)),
                       "vae": dict(max_epochs=20, hidden_layer_sizes=(64, 32)),
                       "vae_article": dict(max_epochs=20, hidden_layer_sizes=(64, 32),
                                           pca_path=False),
                       "physics": dict(max_epochs=5, hidden_layer_sizes=(16,))}),
}

#: The six fits: ``(key, class name, key of its settings in SETTINGS'
#: models, settings of its own)``, longest first (the GAN on one worker,
#: the others on the second).
FITS = [
    ("TrajectoryGAN", "TrajectoryGAN", "gan", {}),
    ("PhysicsVAE", "PhysicsVAE", "physics", {}),
    ("BetaVAE_beta1", "BetaVAE", "vae", {"beta": 1}),
    ("BetaVAE_beta10", "BetaVAE", "vae_article", {"beta": 10}),
    ("TrajectoryRegressor", "TrajectoryRegressor", "regression", {}),
    ("GaussianRegressor", "GaussianRegressor", "regression", {}),
]


def fit_params(quick, models_key, own):
    """The settings of one fit: its own, then those of its section."""
    return {**own, **SETTINGS[quick]["models"][models_key]}


def call_text(name, params):
    """``"Cls(a=1, b=2)"``: a fit's settings as the code that makes it."""
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in params.items())})"


def describe_fits(quick=False):
    """The six estimators the demo fits, as the calls that make them.

    Parameters
    ----------
    quick : bool, default=False
        The settings of ``--quick`` instead of the full run's.

    Returns
    -------
    calls : list of str
        One per fit, e.g. ``"PhysicsVAE(max_epochs=100)"``; every setting
        not shown is the estimator's default (and ``random_state`` is the
        demo's seed).

    Examples
    --------
    >>> from pendsk._report.settings import describe_fits
    >>> describe_fits()[0]
    'TrajectoryGAN()'
    """
    return [call_text(name, fit_params(quick, key, own)) for _, name, key, own in FITS]
