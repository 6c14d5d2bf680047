"""``pendsk demo``: the article's road end to end, as a report in a folder.

:func:`run_demo` fits every pendsk model on its default dataset with default
settings, draws the counterpart of each of the article's figures, and
writes one PNG per figure, ``metrics.json`` with every number and
``index.html`` that shows figures and numbers together
(:mod:`pendsk._report.page`).  About 530 lines: one function per section
of the article's road, each drawing its figures and measuring its numbers;
they share the data and the fitted models, so they stay in one module.
"""

import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import r2_score
from sklearn.mixture import GaussianMixture

from .. import __version__
from .._gan.estimator import TrajectoryGAN
from .._latent.beta_vae import BetaVAE
from .._latent.physics_vae import PhysicsVAE
from .._regression.estimators import GaussianRegressor, TrajectoryRegressor
from .._simulator import PendulumSimulator
from ..datasets import ARTICLE_G, make_pendulum, make_pendulum_regression
from ..metrics import active_dimensions, dci, maximum_mean_discrepancy, mutual_information_gap
from ..physics import amplitude, period
from .._utils.extras import import_matplotlib
from .page import Report, figure, write_html

__all__ = ["run_demo"]

G = ARTICLE_G  # the article's gravitational acceleration
NOISE_STD = 0.01  # observation noise of the trajectory data [rad]
COLORS = {"real": "0.3", "TrajectoryGAN": "tab:orange", "BetaVAE": "tab:purple"}

# Settings of the full run and of --quick.  The full run uses every model's
# defaults on the article's data sizes, but for the epochs, cut where the
# history and the held-out quality show the fit has converged
# (benchmarks/bench_threads.py times the demo); --quick shrinks data and
# epochs so that the whole road runs in seconds (the tests use it).
# ``models`` holds the hyperparameters each section overrides.
_SETTINGS = {
    False: dict(n_trajectories=100, n_train=400, n_test=200, n_mmd_draws=30,
                models={"regression": dict(max_epochs=50), "gan": dict(max_epochs=1500),
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

#: Fits run side by side, each on one torch thread, in this many processes
#: (--quick: in this process, where starting workers would cost more than
#: its tiny fits).
_N_WORKERS = {False: 2, True: 1}


def _mmd(sample, reference, n_draws):
    """Mean MMD² of ``n_draws`` draws of ``sample(n, seed)`` against reference."""
    n = len(reference)
    return float(np.mean([maximum_mean_discrepancy(sample(n, seed), reference)
                          for seed in range(n_draws)]))


def _simulator_section(report, quick, seed):
    from ..plotting import plot_trajectories

    report.section(
        "simulator", "Physics: the simulator",
        "PendulumSimulator turns parameter rows (θ0, ω0, L, m) into trajectories "
        "with the exact closed form (Jacobi elliptic functions).  Middle and right: "
        "the article's Euler-Cromer scheme beside the exact solution after 27 s, "
        "and its error over 30 s; the error grows with time, the closed form has "
        "none to grow.")
    params = np.array([[0.5, 0.5, 1.0, 1.0], [1.5, 0.5, 1.0, 1.0],
                       [0.5, 1.5, 2.5, 1.0], [1.5, 1.5, 2.5, 2.5]])
    exact = PendulumSimulator(g=G).fit(params).transform(params)
    long_row = params[[1]]
    n_long = 3000
    exact_long = PendulumSimulator(n_steps=n_long, g=G, method="exact").fit(
        long_row).transform(long_row)[0]
    euler = PendulumSimulator(n_steps=n_long, g=G, method="euler-cromer").fit(
        long_row).transform(long_row)[0]
    drift = np.abs(euler - exact_long)

    fig, (ax_a, ax_b, ax_c) = figure(1, 3)
    labels = [f"θ0={a:g}, ω0={b:g}, L={c:g}" for a, b, c, _ in params]
    plot_trajectories(exact, ax=ax_a, labels=labels)
    ax_a.set_title("exact trajectories")
    last = slice(n_long - 300, n_long)  # the last 3 s, where the drift shows
    t_long = 0.01 * np.arange(n_long)
    plot_trajectories(np.vstack([exact_long[last], euler[last]]), t=t_long[last], ax=ax_b,
                      labels=["exact", "Euler-Cromer, dt = 0.01"], lw=1)
    ax_b.set_title("after 27 s")
    ax_c.plot(t_long, drift, lw=1, color="tab:red")
    ax_c.set(xlabel="t [s]", ylabel="|Euler-Cromer − exact| [rad]",
             title=f"Euler-Cromer drifts: max {drift.max():.3f} rad")
    report.figure(fig, "simulator.png", "Simulated trajectories, and the article's "
                  "Euler-Cromer scheme against the exact solution: the last 3 of 30 s, "
                  "and its error over time")
    report.number("euler_cromer_max_error_5s_rad", float(drift[:500].max()))
    report.number("euler_cromer_max_error_30s_rad", float(drift.max()))
    report.done()


def _regression_data(quick, seed):
    """The article's pointwise data: ``(X, y, n_train_rows)``."""
    n_traj = _SETTINGS[quick]["n_trajectories"]
    X, y = make_pendulum_regression(n_traj, n_steps=500, random_state=seed)
    return X, y, int(0.75 * n_traj) * 500


def _fit_one(cls, params, X, y, position):
    """One fit in a worker, with a progress bar on the given line."""
    from .._neural.callbacks import EpochProgressBar

    bar = EpochProgressBar(desc=f"{cls.__name__}({_describe(params)})", position=position)
    start = time.perf_counter()
    model = cls(**params, callbacks=[("progress", bar)])
    model.fit(X) if y is None else model.fit(X, y)
    return model, time.perf_counter() - start


def _describe(params):
    return ", ".join(f"{k}={v}" for k, v in params.items() if k in ("beta", "max_epochs"))


def _fitting_section(report, quick, seed, regression, trajectories):
    """Fit the five models side by side, longest first; returns
    ``{key: model}`` and records each fit's seconds."""
    from joblib import Parallel, delayed

    models = _SETTINGS[quick]["models"]
    report.section(
        "fits", "Fitting the six models",
        "TrajectoryGAN, BetaVAE (β = 1 and 10), TrajectoryRegressor, GaussianRegressor "
        f"and PhysicsVAE, {_N_WORKERS[quick]} at a time, each on one torch thread (the "
        "estimators' n_jobs=None); a progress bar per fit.")
    X, y, n_train = regression
    X_tr = trajectories[0]
    # longest first: the GAN on one worker, the others on the second
    jobs = {
        "TrajectoryGAN": (TrajectoryGAN, models["gan"], X_tr, None),
        "PhysicsVAE": (PhysicsVAE, models["physics"], X_tr, None),
        "BetaVAE_beta1": (BetaVAE, dict(beta=1, **models["vae"]), X_tr, None),
        "BetaVAE_beta10": (BetaVAE, dict(beta=10, **models["vae_article"]), X_tr, None),
        "TrajectoryRegressor": (TrajectoryRegressor, models["regression"], X[:n_train],
                                y[:n_train]),
        "GaussianRegressor": (GaussianRegressor, models["regression"], X[:n_train],
                              y[:n_train]),
    }
    results = Parallel(n_jobs=_N_WORKERS[quick])(
        delayed(_fit_one)(cls, dict(params, random_state=seed), X_fit, y_fit, i)
        for i, (cls, params, X_fit, y_fit) in enumerate(jobs.values()))
    fitted = {}
    for key, (model, seconds) in zip(jobs, results):
        fitted[key] = model
        report.number(f"{key}_fit_seconds", round(seconds, 2))
    report.done()
    return fitted


def _regression_section(report, quick, seed, data, fitted):
    from ..plotting import plot_prediction_interval, plot_trajectories

    n_traj, n_steps = _SETTINGS[quick]["n_trajectories"], 500
    report.section(
        "regression", "Regression: learning the dynamics from noisy points",
        f"The article's pointwise data: {n_traj} trajectories of {n_steps} noisy "
        "points (noise std 0.1·t rad), rows (θ0, ω0, L, m, t) → θ.  The first "
        "75 % of the trajectories train, the rest are held out.  "
        "TrajectoryRegressor predicts θ; GaussianRegressor also learns the noise, "
        "so it gives a mean ± 3σ band and samples plausible trajectories.")
    X, y, n_train = data
    truth = PendulumSimulator(n_steps=n_steps, g=G).fit_transform(X[::n_steps, :4]).ravel()
    test = slice(n_train, None)
    reg, gauss = fitted["TrajectoryRegressor"], fitted["GaussianRegressor"]
    pred = reg.predict(X[test])
    mean, std = gauss.predict(X[test], return_std=True)
    lo, hi = gauss.predict_interval(X[test], coverage=0.9)
    report.number("TrajectoryRegressor_r2_noisy", float(r2_score(y[test], pred)))
    report.number("TrajectoryRegressor_r2_truth", float(r2_score(truth[test], pred)))
    report.number("GaussianRegressor_r2_noisy", float(r2_score(y[test], mean)))
    report.number("GaussianRegressor_r2_truth", float(r2_score(truth[test], mean)))
    report.number("GaussianRegressor_coverage_90", float(np.mean((y[test] >= lo)
                                                                 & (y[test] <= hi))))
    report.number("noise_ceiling_r2", float(r2_score(y[test], truth[test])))

    # two held-out parameter sets, as in the article's figures
    t = X[:n_steps, 4]
    rows = [n_train + i * n_steps for i in (0, n_traj - int(0.75 * n_traj) - 1)]
    fig_p, axes_p = figure(1, 2)
    fig_u, axes_u = figure(1, 2)
    fig_s, axes_s = figure(1, 2)
    for ax_p, ax_u, ax_s, start in zip(axes_p, axes_u, axes_s, rows):
        block = slice(start, start + n_steps)
        name = "θ0={:.2f}, ω0={:.2f}, L={:.2f}".format(*X[start, :3])
        ax_p.plot(t, y[block], ".", ms=2, color="0.6", label="observed")
        ax_p.plot(t, truth[block], "k--", lw=1, label="truth")
        ax_p.plot(t, reg.predict(X[block]), lw=1.5, label="TrajectoryRegressor")
        ax_p.plot(t, gauss.predict(X[block]), lw=1.5, label="GaussianRegressor")
        ax_p.set(title=name, xlabel="t [s]", ylabel="θ [rad]")
        ax_p.legend(fontsize="small")
        m, s = gauss.predict(X[block], return_std=True)
        plot_prediction_interval(t, m, s, n_std=3.0, truth=truth[block],
                                 observed=y[block], ax=ax_u, label="GaussianRegressor")
        ax_u.set_title(name)
        draws = gauss.sample_y(X[block], n_samples=3, random_state=seed).T
        plot_trajectories(draws, t=t, ax=ax_s, alpha=0.7, lw=0.8)
        ax_s.plot(t, truth[block], "k--", lw=1, label="truth")
        ax_s.legend(fontsize="small")
        ax_s.set_title(f"3 sampled trajectories, {name}")
    report.figure(fig_p, "regression.png", "Predictions against the noise-free truth "
                  "for two held-out parameter sets")
    report.figure(fig_u, "uncertainty.png", "GaussianRegressor: mean ± 3σ band")
    report.figure(fig_s, "regression_samples.png",
                  "Trajectories sampled from GaussianRegressor (sample_y)")
    report.done()


def _trajectory_data(quick, seed):
    settings = _SETTINGS[quick]
    n_train, n_test = settings["n_train"], settings["n_test"]
    X, factors = make_pendulum(n_train + n_test, noise_std=NOISE_STD, noise_growth=0.0,
                               g=G, random_state=seed)
    return X[:n_train], X[n_train:], factors


def _real_vs_generated(report, name, real, generated, caption, seed):
    from ..plotting import plot_trajectories

    fig, axes = figure(1, 4, width=3.2)
    rng = np.random.default_rng(seed)
    for i, ax in enumerate(axes):
        source, label = (real, "real") if i < 2 else (generated, caption)
        rows = source[rng.choice(len(source), 3, replace=False)]
        plot_trajectories(rows, ax=ax, color=COLORS.get(label, "tab:blue"), lw=1)
        ax.set_title(f"{label} trajectories")
    report.figure(fig, name, f"Two panels of real trajectories, two of {caption} samples "
                  "(the article's picture)")


def _gan_section(report, quick, seed, data, gan):
    from ..plotting import plot_history

    settings = _SETTINGS[quick]
    X_tr, X_te, _ = data
    report.section(
        "gan", "TrajectoryGAN: whole trajectories from noise",
        f"A GAN (non-saturating loss, R1 penalty) trained on {len(X_tr)} trajectories "
        f"(0.01 rad noise).  Samples are compared with {len(X_te)} held-out "
        "trajectories by MMD² (lower is better), beside the samples of PCA(8) + "
        "GaussianMixture(10) and the real-vs-real floor.")
    n_draws = settings["n_mmd_draws"]
    pca = PCA(8).fit(X_tr)
    gmm = GaussianMixture(10, random_state=seed).fit(pca.transform(X_tr))

    def gmm_sample(n, s):
        gmm.set_params(random_state=s)
        return pca.inverse_transform(gmm.sample(n)[0])

    report.number("mmd2_gan", _mmd(lambda n, s: gan.sample(n, random_state=s), X_te, n_draws))
    report.number("mmd2_pca_gmm", _mmd(gmm_sample, X_te, n_draws))
    report.number("mmd2_floor_train_vs_heldout",
                  float(maximum_mean_discrepancy(X_tr, X_te)))
    _real_vs_generated(report, "gan_samples.png", X_tr, gan.sample(100, random_state=seed),
                       "TrajectoryGAN", seed)
    fig, (ax,) = figure(1, 1, width=6)
    plot_history(gan, keys=["critic_loss", "generator_loss"], ax=ax)
    ax.set_title("TrajectoryGAN losses per epoch")
    report.figure(fig, "gan_losses.png", "Critic and generator losses per epoch")
    report.done()


def _vae_section(report, quick, seed, data, fitted):
    from matplotlib.colors import ListedColormap

    from ..plotting import plot_latent_traversal

    settings = _SETTINGS[quick]
    X_tr, X_te, factors = data
    report.section(
        "vae", "BetaVAE: trajectories from a latent code you can turn",
        "β = 1 with the defaults (training starts from probabilistic PCA and stops "
        "early on held-out rows) for samples, drawn from a Gaussian mixture fitted to "
        "the codes of the training rows (sampling N(0, I) would fall into the prior's "
        "holes); β = 10 as the article trained it (pca_path=False: the networks learn "
        "the codes from scratch) for "
        "the latent traversals: each panel moves one latent dimension of the fitted "
        "prior's most probable code (blue), up (green) and down (red), the article's "
        "picture.  MIG measures how much each factor is captured by a "
        "single latent dimension (0 to 1); the identifiable factors are the "
        "amplitude θ_max and the period, since mass never shows in an undamped "
        "pendulum and g and L act only through g/L.")
    models = {beta: fitted[f"BetaVAE_beta{beta}"] for beta in (1, 10)}
    F = factors
    identifiable = np.column_stack([amplitude(F[:, 0], F[:, 1], F[:, 2], g=G),
                                    period(F[:, 0], F[:, 1], F[:, 2], g=G)])
    X_all = np.vstack([X_tr, X_te])
    pca = PCA(len(models[1].get_feature_names_out())).fit(X_tr)
    report.number("pca_heldout_rmse_rad", float(np.sqrt(np.mean(
        (pca.inverse_transform(pca.transform(X_te)) - X_te) ** 2))))
    active = {}
    for beta, vae in models.items():
        codes = vae.transform(X_all)
        rec = vae.inverse_transform(vae.transform(X_te))
        report.number(f"beta{beta}_heldout_rmse_rad", float(np.sqrt(np.mean((rec - X_te) ** 2))))
        report.number(f"beta{beta}_heldout_elbo_nats", float(vae.score(X_te)))
        report.number(f"beta{beta}_mig_theta0_omega0_length_mass",
                      mutual_information_gap(codes, F, multioutput="raw_values").tolist())
        report.number(f"beta{beta}_mig_amplitude_period",
                      mutual_information_gap(codes, identifiable,
                                             multioutput="raw_values").tolist())
        active[beta] = active_dimensions(vae.transform(X_tr))
        report.number(f"beta{beta}_active_dimensions", int(active[beta].sum()))
    report.number("mmd2_beta1_samples", _mmd(lambda n, s: models[1].sample(n, random_state=s),
                                             X_te, settings["n_mmd_draws"]))
    _real_vs_generated(report, "vae_samples.png", X_tr, models[1].sample(100, random_state=seed),
                       "BetaVAE", seed)

    vae = models[10]
    # the fitted prior's most probable code (traverse's default start), each
    # dimension moved by two of the prior's standard deviations
    mean, std = vae.prior_.marginals()
    latent_dim = len(mean)
    n_cols = 3
    fig, axes = figure(-(-latent_dim // n_cols), n_cols, width=3.6)
    # red: decrease, blue: the prior's code, green: increase
    cmap = ListedColormap(["tab:red", "tab:blue", "tab:green"])
    for dim, ax in zip(range(latent_dim), axes):
        values = mean[dim] + std[dim] * np.array([-2.0, 0.0, 2.0])
        plot_latent_traversal(vae.traverse(dim, values), values, ax=ax, cmap=cmap,
                              title=f"dimension {dim}" + ("" if active[10][dim] else " (inactive)"))
    for ax in axes[latent_dim:]:
        ax.set_visible(False)
    report.figure(fig, "vae_traversals.png", "BetaVAE(beta=10): one panel per latent "
                  "dimension, decrease (red), the prior's code (blue), increase (green)")
    report.done()


def _control_section(report, quick, seed, data, fitted):
    from ..plotting import plot_trajectories

    X_tr, X_te, factors = data
    report.section(
        "control", "PhysicsVAE: generation you can control",
        "A VAE whose decoder is the pendulum itself (the exact solution, in torch) plus "
        "a small neural correction: its latents are θ0, ω0 and the natural frequency "
        "√(g/L), in their units.  Left: the same swing at 1, 1.25 and 1.5 times the "
        "inferred frequency (PhysicsVAE) beside moving BetaVAE(β=10)'s latent most "
        "correlated with the frequency.  Middle: inferred against true parameters on "
        "held-out rows.  Right: the counterfactual at 1.5 times the frequency beside the "
        "simulator's trajectory for those parameters.")
    physics, beta = fitted["PhysicsVAE"], {b: fitted[f"BetaVAE_beta{b}"] for b in (1, 10)}
    n_train = len(X_tr)
    F_te = factors[n_train:]
    truth = np.column_stack([F_te[:, 0], F_te[:, 1], np.sqrt(G / F_te[:, 2])])
    inferred, std = physics.transform(X_te, return_std=True)
    names = ["theta0", "omega0", "natural_frequency"]
    for i, name in enumerate(names):
        report.number(f"physics_corr_{name}",
                      float(np.corrcoef(inferred[:, i], truth[:, i])[0, 1]))
    # disentanglement against (θ0, ω0, √(g/L)) on all rows, MIG with its bins and rows
    F = factors
    sqrt_factors = np.column_stack([F[:, 0], F[:, 1], np.sqrt(G / F[:, 2])])
    X_all = np.vstack([X_tr, X_te])
    n_bins = 10
    for label, model in [("beta1", beta[1]), ("beta10", beta[10]), ("physics", physics)]:
        codes = model.transform(X_all)
        scores = dci(codes, sqrt_factors, random_state=seed)
        report.number(f"{label}_dci_disentanglement", float(scores.disentanglement))
        report.number(f"{label}_dci_completeness", float(scores.completeness))
        report.number(f"{label}_dci_informativeness", float(scores.informativeness))
        report.number(f"{label}_mig_{n_bins}bins_{len(X_all)}rows",
                      float(mutual_information_gap(codes, sqrt_factors, n_bins=n_bins)))

    # the counterfactual: the first held-out row at 1.5 times its frequency
    code = inferred[:1].copy()
    code[0, 2] *= 1.5
    counterfactual = physics.inverse_transform(code)[0]
    params = [[code[0, 0], code[0, 1], G / code[0, 2] ** 2, 1.0]]
    simulated = PendulumSimulator(n_steps=X_te.shape[1], g=G).fit(params).transform(params)[0]
    report.number("physics_counterfactual_rmse_rad",
                  float(np.sqrt(np.mean((counterfactual - simulated) ** 2))))

    fig, (ax_p, ax_b, ax_s, ax_c) = figure(1, 4, width=3.6)
    w = inferred[0, 2]
    factors_w = np.array([1.0, 1.25, 1.5])
    plot_trajectories(physics.traverse("natural_frequency", w * factors_w, z=inferred[0]),
                      ax=ax_p, labels=[f"{f:g} × ω = {f * w:.2f} rad/s" for f in factors_w],
                      lw=1)
    ax_p.set_title("PhysicsVAE: the frequency")
    codes10 = beta[10].transform(X_te)
    dim = int(np.argmax([abs(np.corrcoef(codes10[:, d], truth[:, 2])[0, 1])
                         for d in range(codes10.shape[1])]))
    values = codes10[0, dim] + codes10[:, dim].std() * np.array([0.0, 1.0, 2.0])
    plot_trajectories(beta[10].traverse(dim, values, z=codes10[0]), ax=ax_b, lw=1,
                      labels=[f"z{dim} = {v:.2f}" for v in values])
    ax_b.set_title(f"BetaVAE(β=10): dimension {dim}")
    for i, (name, unit) in enumerate([("θ0", "rad"), ("ω0", "rad/s"), ("√(g/L)", "rad/s")]):
        ax_s.errorbar(truth[:, i], inferred[:, i], yerr=2 * std[:, i], fmt=".", ms=3,
                      label=name, alpha=0.7)
    lims = [truth.min(), truth.max()]
    ax_s.plot(lims, lims, "k--", lw=0.8)
    ax_s.set(xlabel="true", ylabel="inferred (± 2 posterior std)",
             title="PhysicsVAE: inferred parameters")
    ax_s.legend(fontsize="small")
    plot_trajectories(np.vstack([simulated, counterfactual]), ax=ax_c, lw=1,
                      labels=["simulator", "PhysicsVAE at 1.5 × ω"])
    ax_c.set_title("counterfactual: 1.5 × the frequency")
    report.figure(fig, "control.png", "Traversals in physical units beside BetaVAE's, "
                  "inferred against true parameters, and a counterfactual")
    report.done()


#: What the full run must show, each against a baseline of the same run:
#: ``(name, section, metric, "<=" or ">=", section, reference metric, factor)``.
_BARS = [
    ("TrajectoryRegressor R² against the truth >= 0.99", "regression",
     "TrajectoryRegressor_r2_truth", ">=", None, None, 0.99),
    ("GaussianRegressor R² against the truth >= 0.99", "regression",
     "GaussianRegressor_r2_truth", ">=", None, None, 0.99),
    ("GaussianRegressor 90 % intervals cover >= 85 %", "regression",
     "GaussianRegressor_coverage_90", ">=", None, None, 0.85),
    ("GAN samples' MMD² <= 2 x PCA(8)+GMM(10)'s", "gan", "mmd2_gan", "<=", "gan",
     "mmd2_pca_gmm", 2.0),
    ("BetaVAE(beta=1) held-out RMSE <= PCA's", "vae", "beta1_heldout_rmse_rad", "<=",
     "vae", "pca_heldout_rmse_rad", 1.0),
    ("BetaVAE(beta=1) samples' MMD² <= the GAN's", "vae", "mmd2_beta1_samples", "<=",
     "gan", "mmd2_gan", 1.0),
    ("PhysicsVAE infers the natural frequency, correlation >= 0.99", "control",
     "physics_corr_natural_frequency", ">=", None, None, 0.99),
    ("PhysicsVAE DCI disentanglement >= 0.9", "control", "physics_dci_disentanglement",
     ">=", None, None, 0.9),
    ("PhysicsVAE counterfactual RMSE <= 0.05 rad", "control",
     "physics_counterfactual_rmse_rad", "<=", None, None, 0.05),
]


def _bars(metrics):
    """Each bar of :data:`_BARS`: its value, its threshold and whether it
    holds (with --quick the models are barely trained: expect misses)."""
    bars = {}
    for name, section, key, op, ref_section, ref_key, factor in _BARS:
        value = metrics[section][key]
        limit = factor if ref_key is None else factor * metrics[ref_section][ref_key]
        ok = value <= limit if op == "<=" else value >= limit
        bars[name] = {"value": value, "limit": limit, "ok": bool(ok)}
    return bars


def _stderr(message):
    print(message, file=sys.stderr, flush=True)


def run_demo(out="pendsk-demo", *, quick=False, random_state=0, log=_stderr):
    """Run the article's road end to end and write a report to a folder.

    Simulator trajectories (and the article's Euler-Cromer drift beside the
    exact solution); TrajectoryRegressor and GaussianRegressor on the
    pointwise dataset (predictions against the truth for two parameter sets,
    the mean ± 3σ band, sampled trajectories); TrajectoryGAN samples beside
    real ones and its loss curves; BetaVAE β = 1 samples and β = 10 latent
    traversals, with the mutual information gap and active dimensions.
    Every model is fitted with its defaults.

    Parameters
    ----------
    out : str or path-like, default="pendsk-demo"
        Folder of the report, created if needed: one PNG per figure,
        ``metrics.json`` and ``index.html``.
    quick : bool, default=False
        Small data and a few epochs: the whole road in seconds, for smoke
        tests (the numbers then mean little).
    random_state : int, default=0
        Seed of the data and of every model.
    log : callable, default=print to stderr
        Receives one progress line per step.

    Returns
    -------
    metrics : dict
        Everything written to ``metrics.json``.

    Raises
    ------
    OSError
        If ``out`` cannot be created or written, before any model is fitted.
    ImportError
        If matplotlib (the ``plot`` extra) is not installed.

    See Also
    --------
    pendsk.cli.main : ``pendsk demo [--out DIR] [--quick]`` runs this.
    """
    import_matplotlib("pendsk demo")  # without the plot extra, fail before any work

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    probe = out / ".pendsk-write-test"
    probe.write_bytes(b"")  # an unwritable folder fails here, not after minutes
    probe.unlink()

    report = Report(out, log, n_steps=6)
    report.metrics["settings"] = {"quick": bool(quick), "random_state": random_state,
                                  "pendsk": __version__}
    _simulator_section(report, quick, random_state)
    regression = _regression_data(quick, random_state)
    trajectories = _trajectory_data(quick, random_state)
    fitted = _fitting_section(report, quick, random_state, regression, trajectories)
    _regression_section(report, quick, random_state, regression, fitted)
    _gan_section(report, quick, random_state, trajectories, fitted["TrajectoryGAN"])
    _vae_section(report, quick, random_state, trajectories, fitted)
    _control_section(report, quick, random_state, trajectories, fitted)
    report.metrics["bars"] = _bars(report.metrics)
    report.metrics["total_seconds"] = round(time.perf_counter() - report.started, 2)
    (out / "metrics.json").write_text(json.dumps(report.metrics, indent=2), encoding="utf-8")
    write_html(report)
    held = sum(bar["ok"] for bar in report.metrics["bars"].values())
    log(f"{held} of {len(_BARS)} bars hold (see index.html)")
    log(f"wrote {len(list(out.glob('*.png')))} figures, metrics.json and index.html to "
        f"{out} in {report.metrics['total_seconds']:.0f} s")
    return report.metrics
