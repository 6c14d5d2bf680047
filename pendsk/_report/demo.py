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
import math
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
from ..metrics import (active_dimensions, dci, maximum_mean_discrepancy, mutual_information_gap,
                       pendulum_residual)
from ..physics import amplitude, period
from .._utils.extras import import_matplotlib
from .page import Report, figure, format_value, write_html
from .settings import SETTINGS, FITS, call_text, describe_fits, fit_params

__all__ = ["run_demo"]

G = ARTICLE_G  # the article's gravitational acceleration
NOISE_STD = 0.01  # observation noise of the trajectory data [rad]
COLORS = {"real": "0.3", "TrajectoryGAN": "tab:orange", "BetaVAE": "tab:purple"}

#: Fits run side by side, each on one torch thread, in this many processes
#: (--quick: in this process, where starting workers would cost more than
#: its tiny fits).
_N_WORKERS = {False: 2, True: 1}


def _mmd(sample, reference, n_draws):
    """MMD² of ``n_draws`` draws of ``sample(n, seed)`` against reference:
    ``(mean, standard deviation over the draws)`` (0 for a single draw)."""
    n = len(reference)
    values = [maximum_mean_discrepancy(sample(n, seed), reference) for seed in range(n_draws)]
    return float(np.mean(values)), float(np.std(values, ddof=1)) if n_draws > 1 else 0.0


#: Label of the time axes and of the angle axes (those of pendsk.plotting).
T_LABEL, THETA_LABEL = "t [s]", "θ [rad]"


def _legend_below(owner, ax, ncol=1):
    """The legend of ``ax``'s lines below the axes, on ``owner`` (a figure
    or subfigure with constrained layout), where it hides no data."""
    legend = ax.get_legend()
    if legend is not None:
        legend.remove()
    handles, labels = ax.get_legend_handles_labels()
    owner.legend(handles, labels, loc="outside lower center", ncol=ncol, fontsize="small",
                 frameon=False)


def _blank_figure(width, height):
    """A figure of ``width`` x ``height`` inches with constrained layout and
    no axes yet (no pyplot)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _panels(fig, n_rows, n_cols):
    """``n_rows`` x ``n_cols`` subfigures of ``fig``, each with one axes (so
    each panel has its own legend below it): ``[(subfig, ax)]``, row by row."""
    subfigs = np.atleast_1d(fig.subfigures(n_rows, n_cols)).ravel()
    return [(sub, sub.subplots()) for sub in subfigs]


def _simulator_section(report, quick, seed):
    from ..plotting import plot_trajectories

    report.section(
        "simulator", "Physics: the simulator",
        "PendulumSimulator turns parameter rows (θ0 [rad], ω0 [rad/s], L [m], m [kg]) "
        "into trajectories with the exact closed form (Jacobi elliptic functions).  "
        "Middle and right: the article's Euler-Cromer scheme beside the exact solution "
        "after 27 s, and its error over 30 s; the error grows with time, the closed form "
        "has none to grow.")
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

    fig = _blank_figure(9.6, 3.6)  # under 1000 px with the margins: the page's width
    (sub_a, ax_a), (sub_b, ax_b), (sub_c, ax_c) = _panels(fig, 1, 3)
    labels = [f"θ0 = {a:g} rad, ω0 = {b:g} rad/s, L = {c:g} m" for a, b, c, _ in params]
    plot_trajectories(exact, ax=ax_a, labels=labels)
    ax_a.set_title("exact trajectories")
    _legend_below(sub_a, ax_a)
    last = slice(n_long - 300, n_long)  # the last 3 s, where the drift shows
    t_long = 0.01 * np.arange(n_long)
    ax_b.plot(t_long[last], exact_long[last], color="0.6", lw=4, alpha=0.6,
              label="exact (closed form)")
    ax_b.plot(t_long[last], euler[last], color="tab:red", lw=1.2, ls="--",
              label="Euler-Cromer, dt = 0.01 s")
    ax_b.set(xlabel=T_LABEL, ylabel=THETA_LABEL, title="after 27 s (θ0 = 1.5 rad)")
    _legend_below(sub_b, ax_b)
    ax_c.plot(t_long, drift, lw=1, color="tab:red")
    ax_c.set(xlabel=T_LABEL, ylabel="|Euler-Cromer − exact| [rad]",
             title=f"Euler-Cromer drifts: max {drift.max():.3f} rad")
    report.figure(fig, "simulator.png", "Simulated trajectories, and the article's "
                  "Euler-Cromer scheme against the exact solution: the last 3 of 30 s, "
                  "and its error over time")
    report.number("euler_cromer_max_error_5s_rad", float(drift[:500].max()),
                  "Euler-Cromer's largest error against the exact solution over the "
                  "first 5 s [rad]")
    report.number("euler_cromer_max_error_30s_rad", float(drift.max()),
                  "Euler-Cromer's largest error against the exact solution over 30 s [rad]")
    report.done()


def _regression_data(quick, seed):
    """The article's pointwise data: ``(X, y, n_train_rows)``."""
    n_traj = SETTINGS[quick]["n_trajectories"]
    X, y = make_pendulum_regression(n_traj, n_steps=500, random_state=seed)
    return X, y, int(0.75 * n_traj) * 500


#: The estimator classes of :data:`~pendsk._report.settings.FITS`, by name.
_CLASSES = {cls.__name__: cls for cls in (TrajectoryGAN, PhysicsVAE, BetaVAE,
                                          TrajectoryRegressor, GaussianRegressor)}


def _fit_one(cls, params, seed, X, y, position):
    """One fit in a worker, with a progress bar on the given line."""
    from .._neural.callbacks import EpochProgressBar

    bar = EpochProgressBar(desc=call_text(cls.__name__, params), position=position)
    start = time.perf_counter()
    model = cls(**params, random_state=seed, callbacks=[("progress", bar)])
    model.fit(X) if y is None else model.fit(X, y)
    return model, time.perf_counter() - start


#: The fitted models' keys in ``fitted`` and metrics.json, in words.
_MODEL_NAMES = {"BetaVAE_beta1": "BetaVAE(β = 1)", "BetaVAE_beta10": "BetaVAE(β = 10)",
                "beta1": "BetaVAE(β = 1)", "beta10": "BetaVAE(β = 10)",
                "physics": "PhysicsVAE"}


def _fitting_section(report, quick, seed, regression, trajectories):
    """Fit the six models side by side, longest first; returns
    ``{key: model}`` and records each fit's seconds."""
    from joblib import Parallel, delayed

    report.section(
        "fits", "Fitting the six models",
        f"{', '.join(describe_fits(quick))} (every other setting the default), "
        f"{_N_WORKERS[quick]} at a time, each on one torch thread (the estimators' "
        "n_jobs=None); a progress bar per fit.")
    X, y, n_train = regression
    X_tr = trajectories[0]
    data = {TrajectoryRegressor: (X[:n_train], y[:n_train]),
            GaussianRegressor: (X[:n_train], y[:n_train])}
    results = Parallel(n_jobs=_N_WORKERS[quick])(
        delayed(_fit_one)(_CLASSES[name], fit_params(quick, models_key, own), seed,
                          *data.get(_CLASSES[name], (X_tr, None)), i)
        for i, (_, name, models_key, own) in enumerate(FITS))
    fitted = {}
    for (key, *_), (model, seconds) in zip(FITS, results):
        fitted[key] = model
        report.number(f"{key}_fit_seconds", round(seconds, 2),
                      f"{_MODEL_NAMES.get(key, key)}: time to fit [s]")
    report.done()
    return fitted


def _regression_section(report, quick, seed, data, fitted):
    from ..plotting import plot_prediction_interval

    n_traj, n_steps = SETTINGS[quick]["n_trajectories"], 500
    n_held_out = n_traj - int(0.75 * n_traj)
    report.section(
        "regression", "Regression: learning the dynamics from noisy points",
        f"The article's pointwise data: {n_traj} trajectories of {n_steps} noisy "
        "points (noise std 0.1·t rad), rows (θ0, ω0, L, m, t) → θ.  The first "
        f"75 % of the trajectories train, the other {n_held_out} are held out.  "
        "TrajectoryRegressor predicts θ; GaussianRegressor also learns the noise, "
        "so it gives a mean ± 3σ band and, at each time, draws from its predicted "
        "Gaussian (independent from one time to the next: points, not trajectories).  "
        "R² is measured on the held-out points, against their noisy observations "
        "and against the noise-free truth; the noise ceiling is the R² the truth "
        "itself scores against the noisy observations.")
    X, y, n_train = data
    truth = PendulumSimulator(n_steps=n_steps, g=G).fit_transform(X[::n_steps, :4]).ravel()
    test = slice(n_train, None)
    reg, gauss = fitted["TrajectoryRegressor"], fitted["GaussianRegressor"]
    pred = reg.predict(X[test])
    mean, std = gauss.predict(X[test], return_std=True)
    lo, hi = gauss.predict_interval(X[test], coverage=0.9)
    n_points = len(y[test])
    for name, values in [("TrajectoryRegressor", pred), ("GaussianRegressor", mean)]:
        report.number(f"{name}_r2_noisy", float(r2_score(y[test], values)),
                      f"{name}: R² against the noisy observations of the "
                      f"{n_points} held-out points")
        report.number(f"{name}_r2_truth", float(r2_score(truth[test], values)),
                      f"{name}: R² against the noise-free truth at the held-out points")
    report.number("GaussianRegressor_coverage_90", float(np.mean((y[test] >= lo)
                                                                 & (y[test] <= hi))),
                  "GaussianRegressor: fraction of the held-out noisy observations inside "
                  "its 90 % prediction intervals (target 0.9)")
    report.number("noise_ceiling_r2", float(r2_score(y[test], truth[test])),
                  "noise ceiling: R² of the noise-free truth against the noisy "
                  "held-out observations (no model can expect more)")

    # two held-out parameter sets, as in the article's figures
    t = X[:n_steps, 4]
    rows = [n_train + i * n_steps for i in (0, n_held_out - 1)]
    fig_p, axes_p = figure(1, 2, width=4.9, height=3.0)
    fig_u, axes_u = figure(1, 2, width=4.9, height=3.0)
    fig_s, axes_s = figure(1, 2, width=4.9, height=3.0)
    for ax_p, ax_u, ax_s, start in zip(axes_p, axes_u, axes_s, rows):
        block = slice(start, start + n_steps)
        name = "θ0 = {:.2f} rad, ω0 = {:.2f} rad/s, L = {:.2f} m".format(*X[start, :3])
        ax_p.plot(t, y[block], ".", ms=2, color="0.6", label="observed (noisy)")
        ax_p.plot(t, truth[block], "k--", lw=1, label="noise-free truth")
        ax_p.plot(t, reg.predict(X[block]), lw=1.5, label="TrajectoryRegressor")
        ax_p.plot(t, gauss.predict(X[block]), lw=1.5, label="GaussianRegressor (mean)")
        ax_p.set(title=name, xlabel=T_LABEL, ylabel=THETA_LABEL)
        m, s = gauss.predict(X[block], return_std=True)
        plot_prediction_interval(t, m, s, n_std=3.0, truth=truth[block],
                                 observed=y[block], ax=ax_u, label="GaussianRegressor")
        ax_u.set_title(name)
        ax_u.get_legend().remove()
        draws = gauss.sample_y(X[block], n_samples=3, random_state=seed)
        for i, color in enumerate(["tab:blue", "tab:orange", "tab:green"]):
            ax_s.plot(t, draws[:, i], ".", ms=2, color=color, alpha=0.7,
                      label="draws from N(mean, σ²), independent at each t" if i == 0
                      else None)
        ax_s.plot(t, truth[block], "k--", lw=1, label="noise-free truth")
        ax_s.set(title=name, xlabel=T_LABEL, ylabel=THETA_LABEL)
    for fig, ax, ncol in [(fig_p, axes_p[0], 4), (fig_u, axes_u[0], 4),
                          (fig_s, axes_s[0], 2)]:
        _legend_below(fig, ax, ncol=ncol)
    report.figure(fig_p, "regression.png", "Predictions against the noise-free truth "
                  "for two held-out parameter sets")
    report.figure(fig_u, "uncertainty.png", "GaussianRegressor: mean ± 3σ band, with "
                  "the noise-free truth and the noisy observations")
    report.figure(fig_s, "regression_samples.png",
                  "GaussianRegressor.sample_y: at each time, 3 independent draws from the "
                  "predicted Gaussian N(mean, σ²) (three colours).  Draws at neighbouring "
                  "times are independent, so they are points, not trajectories: they show "
                  "the predicted noise around the truth")
    report.done()


def _trajectory_data(quick, seed):
    settings = SETTINGS[quick]
    n_train, n_test = settings["n_train"], settings["n_test"]
    X, factors = make_pendulum(n_train + n_test, noise_std=NOISE_STD, noise_growth=0.0,
                               g=G, random_state=seed)
    return X[:n_train], X[n_train:], factors


def _real_vs_generated(report, name, real, generated, caption, seed):
    from ..plotting import plot_trajectories

    fig, axes = figure(1, 4, width=2.45, height=2.6)  # 980 px: the page's width
    rng = np.random.default_rng(seed)
    for i, ax in enumerate(axes):
        source, label = (real, "real") if i < 2 else (generated, caption)
        rows = source[rng.choice(len(source), 3, replace=False)]
        plot_trajectories(rows, ax=ax, color=COLORS.get(label, "tab:blue"), lw=1)
        ax.set_title(f"{label}: 3 {'trajectories' if label == 'real' else 'samples'}",
                     fontsize="medium")
    report.figure(fig, name, f"Two panels of real trajectories, two of {caption} samples "
                  "(the article's picture)")


def _gan_section(report, quick, seed, data, gan):
    from ..plotting import plot_history

    settings = SETTINGS[quick]
    X_tr, X_te, _ = data
    n_draws = settings["n_mmd_draws"]
    report.section(
        "gan", "TrajectoryGAN: whole trajectories from noise",
        f"A GAN (non-saturating loss, R1 penalty) trained on the codes of a "
        f"BetaVAE(beta=10) fitted first to "
        f"{len(X_tr)} trajectories (0.01 rad noise), whose decoder turns the generated "
        "codes into trajectories.  Samples are compared with {len(X_te)} held-out "
        "trajectories by MMD² (a kernel distance between the two sets, unitless, lower "
        "is better; the unbiased estimate can dip below 0), beside the samples of "
        "PCA(8) + GaussianMixture(10) and the real-vs-real floor.  Each model's MMD² "
        f"is the mean over {n_draws} draws of samples, with its standard deviation.")
    pca = PCA(8).fit(X_tr)
    gmm = GaussianMixture(10, random_state=seed).fit(pca.transform(X_tr))

    def gmm_sample(n, s):
        gmm.set_params(random_state=s)
        return pca.inverse_transform(gmm.sample(n)[0])

    for key, sample, who in [("mmd2_gan", lambda n, s: gan.sample(n, random_state=s),
                              "TrajectoryGAN samples"),
                             ("mmd2_pca_gmm", gmm_sample, "PCA(8) + GaussianMixture(10) "
                                                          "samples")]:
        value, spread = _mmd(sample, X_te, n_draws)
        report.number(key, value, f"MMD² of {who} to the held-out trajectories, mean over "
                                  f"{n_draws} draws (unitless)")
        report.number(f"{key}_std_over_draws", spread,
                      f"its standard deviation over the {n_draws} draws")
    report.number("mmd2_floor_train_vs_heldout",
                  float(maximum_mean_discrepancy(X_tr, X_te)),
                  "MMD² of the training trajectories to the held-out ones: the floor "
                  "(unitless)")
    _real_vs_generated(report, "gan_samples.png", X_tr, gan.sample(100, random_state=seed),
                       "TrajectoryGAN", seed)
    fig, (ax,) = figure(1, 1, width=6.5, height=3.0)
    plot_history(gan, keys=["critic_loss", "generator_loss"], ax=ax)
    names = {"critic_loss": "critic: cross-entropy, without the R1 penalty",
             "generator_loss": "generator: −log D(G(z)), non-saturating"}
    for line in ax.get_lines():
        line.set_label(names.get(line.get_label(), line.get_label()))
    ax.set(title="TrajectoryGAN losses per epoch", xlabel="epoch (count)",
           ylabel="loss [nats]")
    _legend_below(fig, ax, ncol=2)
    report.figure(fig, "gan_losses.png", "Critic and generator losses per epoch "
                  "(natural-log cross-entropies, in nats)")
    report.done()


def _vae_section(report, quick, seed, data, fitted):
    from matplotlib.colors import ListedColormap

    from ..plotting import plot_latent_traversal

    settings = SETTINGS[quick]
    n_draws = settings["n_mmd_draws"]
    X_tr, X_te, factors = data
    report.section(
        "vae", "BetaVAE: trajectories from a latent code you can turn",
        "BetaVAE(beta=1) with the defaults (on 400 rows the networks learn from random "
        "weights) for samples, drawn from a Gaussian mixture fitted to the codes of the "
        "training rows (sampling N(0, I) would fall into the prior's holes) plus the "
        "reconstruction residual of a training row.  BetaVAE(beta=10, pca_path=False), as the article trained it "
        "(the networks learn the codes from scratch), for the latent traversals: each "
        "panel moves one latent dimension of the fitted prior's most probable code "
        "(blue) two of the prior's standard deviations up (green) and down (red), the "
        "article's picture.  Held-out RMSE is the reconstruction against the held-out "
        "rows as observed (with their 0.01 rad noise).  MIG (mutual information gap, 0 "
        "to 1) measures how much each factor is captured by a single latent dimension; "
        "here it is taken against the factors a trajectory can show, the amplitude "
        "θ_max and the period (mass never shows in an undamped pendulum, and g and L "
        "act only through g/L), on all rows, one value per factor.")
    models = {beta: fitted[f"BetaVAE_beta{beta}"] for beta in (1, 10)}
    F = factors
    identifiable = np.column_stack([amplitude(F[:, 0], F[:, 1], F[:, 2], g=G),
                                    period(F[:, 0], F[:, 1], F[:, 2], g=G)])
    X_all = np.vstack([X_tr, X_te])
    pca = PCA(len(models[1].get_feature_names_out())).fit(X_tr)
    report.number("pca_heldout_rmse_rad", float(np.sqrt(np.mean(
        (pca.inverse_transform(pca.transform(X_te)) - X_te) ** 2))),
        f"PCA({pca.n_components_}): RMSE of its reconstruction of the held-out rows "
        "(against the noisy rows) [rad]")
    active = {}
    for beta, vae in models.items():
        name = f"BetaVAE(β = {beta})"
        rec = vae.inverse_transform(vae.transform(X_te))
        report.number(f"beta{beta}_heldout_rmse_rad", float(np.sqrt(np.mean((rec - X_te) ** 2))),
                      f"{name}: RMSE of its reconstruction of the held-out rows (against "
                      "the noisy rows) [rad]")
        report.number(f"beta{beta}_heldout_loglik_nats", float(vae.score(X_te)),
                      f"{name}: mean log-likelihood of the held-out rows (score, "
                      "importance-weighted) [nats per row]")
        report.number(f"beta{beta}_mig_amplitude_period",
                      mutual_information_gap(vae.transform(X_all), identifiable,
                                             multioutput="raw_values").tolist(),
                      f"{name}: MIG of the amplitude θ_max and of the period, all "
                      f"{len(X_all)} rows, 20 bins, one value each")
        active[beta] = active_dimensions(vae.transform(X_tr))
        report.number(f"beta{beta}_active_dimensions", int(active[beta].sum()),
                      f"{name}: latent dimensions in use (of {len(active[beta])}; a "
                      "dimension whose codes barely vary is unused)")
    value, spread = _mmd(lambda n, s: models[1].sample(n, random_state=s), X_te, n_draws)
    report.number("mmd2_beta1_samples", value, "MMD² of BetaVAE(β = 1) samples to the "
                  f"held-out trajectories, mean over {n_draws} draws (unitless)")
    report.number("mmd2_beta1_samples_std_over_draws", spread,
                  f"its standard deviation over the {n_draws} draws")
    _real_vs_generated(report, "vae_samples.png", X_tr, models[1].sample(100, random_state=seed),
                       "BetaVAE", seed)

    vae = models[10]
    # the fitted prior's most probable code (traverse's default start), each
    # dimension moved by two of the prior's standard deviations
    mean, std = vae.prior_.marginals()
    latent_dim = len(mean)
    n_cols = 3
    fig, axes = figure(-(-latent_dim // n_cols), n_cols, width=3.3, height=2.6)
    # one colour per value: red down, blue the prior's code, green up
    cmap = ListedColormap(["tab:red", "tab:blue", "tab:green"])
    for dim, ax in zip(range(latent_dim), axes):
        values = mean[dim] + std[dim] * np.array([-2.0, 0.0, 2.0])
        plot_latent_traversal(vae.traverse(dim, values), values, ax=ax, cmap=cmap,
                              title=f"dimension {dim}" + ("" if active[10][dim] else " (inactive)"))
    for ax in axes[latent_dim:]:
        ax.set_visible(False)
    report.figure(fig, "vae_traversals.png", "BetaVAE(beta=10, pca_path=False): one panel "
                  "per latent dimension; the fitted prior's most probable code (blue), that "
                  "dimension two prior standard deviations lower (red) and higher (green); "
                  "the colour bar gives each curve's latent value")
    report.done()


#: The physical latents of PhysicsVAE: (key, name on the page, unit).
_PHYSICAL = [("theta0", "θ0, the initial angle", "rad"),
             ("omega0", "ω0, the initial angular velocity", "rad/s"),
             ("natural_frequency", "√(g/L), the natural frequency", "rad/s")]


def _control_section(report, quick, seed, data, fitted):
    X_tr, X_te, factors = data
    report.section(
        "control", "PhysicsVAE: generation you can control",
        "A VAE whose decoder is the pendulum itself (the exact solution, in torch) plus "
        "a small neural correction: its latents are θ0 (the initial angle, rad), ω0 "
        "(the initial angular velocity, rad/s) and the natural frequency √(g/L) "
        "(rad/s), in their units.  Top: the same swing at 1, 1.25 and 1.5 times the "
        "inferred natural frequency (PhysicsVAE) beside moving BetaVAE(β = 10)'s latent "
        "most correlated with it, and the counterfactual at 1.5 times the natural "
        "frequency beside the simulator's trajectory for those parameters.  Bottom: "
        "each physical latent inferred from a held-out row against its true value.  "
        "DCI and MIG here score every model's codes against (θ0, ω0, √(g/L)) on all "
        "rows (MIG with 10 bins, one mean over the three factors: the BetaVAE "
        "section's MIG scores other factors, the amplitude and the period, with 20 "
        "bins, one value each).")
    physics, beta = fitted["PhysicsVAE"], {b: fitted[f"BetaVAE_beta{b}"] for b in (1, 10)}
    n_train = len(X_tr)
    F_te = factors[n_train:]
    truth = np.column_stack([F_te[:, 0], F_te[:, 1], np.sqrt(G / F_te[:, 2])])
    inferred, std = physics.transform(X_te, return_std=True)
    for i, (key, name, _) in enumerate(_PHYSICAL):
        report.number(f"physics_corr_{key}", float(np.corrcoef(inferred[:, i], truth[:, i])[0, 1]),
                      f"PhysicsVAE: correlation of the inferred {name.split(',')[0]} with "
                      "the truth on the held-out rows")
    F = factors
    sqrt_factors = np.column_stack([F[:, 0], F[:, 1], np.sqrt(G / F[:, 2])])
    X_all = np.vstack([X_tr, X_te])
    n_bins = 10
    for label, model in [("beta1", beta[1]), ("beta10", beta[10]), ("physics", physics)]:
        name = _MODEL_NAMES[label]
        codes = model.transform(X_all)
        scores = dci(codes, sqrt_factors, random_state=seed)
        for part in ("disentanglement", "completeness", "informativeness"):
            report.number(f"{label}_dci_{part}", float(getattr(scores, part)),
                          f"{name}: DCI {part} against (θ0, ω0, √(g/L)), all rows (0 to 1)")
        report.number(f"{label}_mig_{n_bins}bins_{len(X_all)}rows",
                      float(mutual_information_gap(codes, sqrt_factors, n_bins=n_bins)),
                      f"{name}: MIG against (θ0, ω0, √(g/L)), {n_bins} bins, all "
                      f"{len(X_all)} rows, mean over the three")

    # the counterfactual: the first held-out row at 1.5 times its frequency
    code = inferred[:1].copy()
    code[0, 2] *= 1.5
    counterfactual = physics.inverse_transform(code)[0]
    params = [[code[0, 0], code[0, 1], G / code[0, 2] ** 2, 1.0]]
    simulated = PendulumSimulator(n_steps=X_te.shape[1], g=G).fit(params).transform(params)[0]
    report.number("physics_counterfactual_rmse_rad",
                  float(np.sqrt(np.mean((counterfactual - simulated) ** 2))),
                  "PhysicsVAE at 1.5 × the inferred natural frequency: RMSE against the "
                  "simulator's trajectory for those parameters [rad]")

    fig = _blank_figure(9.9, 6.4)  # 990 px: the page's width
    (sub_p, ax_p), (sub_b, ax_b), (sub_c, ax_c), *scatter = _panels(fig, 2, 3)
    t = 0.01 * np.arange(X_te.shape[1])
    w = inferred[0, 2]
    for f, color in zip([1.0, 1.25, 1.5], ["tab:blue", "tab:orange", "tab:green"]):
        ax_p.plot(t, physics.traverse("natural_frequency", [f * w], z=inferred[0])[0],
                  lw=1, color=color, label=f"{f:g} × √(g/L) = {f * w:.2f} rad/s")
    ax_p.set(xlabel=T_LABEL, ylabel=THETA_LABEL, title="PhysicsVAE: √(g/L)")
    _legend_below(sub_p, ax_p)
    codes10 = beta[10].transform(X_te)
    dim = int(np.argmax([abs(np.corrcoef(codes10[:, d], truth[:, 2])[0, 1])
                         for d in range(codes10.shape[1])]))
    values = codes10[0, dim] + codes10[:, dim].std() * np.array([0.0, 1.0, 2.0])
    for value, color in zip(values, ["tab:blue", "tab:orange", "tab:green"]):
        ax_b.plot(t, beta[10].traverse(dim, [value], z=codes10[0])[0], lw=1, color=color,
                  label=f"z{dim} = {value:.2f} (unitless)")
    ax_b.set(xlabel=T_LABEL, ylabel=THETA_LABEL, title=f"BetaVAE(β = 10): dimension {dim}")
    _legend_below(sub_b, ax_b)
    ax_c.plot(t, simulated, color="0.6", lw=4, alpha=0.6, label="simulator (exact)")
    ax_c.plot(t, counterfactual, color="tab:red", lw=1.2, ls="--",
              label="PhysicsVAE at 1.5 × √(g/L)")
    ax_c.set(xlabel=T_LABEL, ylabel=THETA_LABEL, title="counterfactual: 1.5 × √(g/L)")
    _legend_below(sub_c, ax_c)
    for i, ((sub, ax), (_, name, unit)) in enumerate(zip(scatter, _PHYSICAL)):
        ax.errorbar(truth[:, i], inferred[:, i], yerr=2 * std[:, i], fmt=".", ms=3,
                    alpha=0.6, color="tab:blue", elinewidth=0.6,
                    label="held-out row (± 2 posterior std)")
        lims = [min(truth[:, i].min(), inferred[:, i].min()),
                max(truth[:, i].max(), inferred[:, i].max())]
        ax.plot(lims, lims, "k--", lw=0.8, zorder=3, label="inferred = true")  # on top
        symbol = name.split(",")[0]
        ax.set(xlabel=f"true {symbol} [{unit}]", ylabel=f"inferred {symbol} [{unit}]",
               title=name)
        _legend_below(sub, ax)
    report.figure(fig, "control.png", "Top: traversals in physical units beside "
                  "BetaVAE's, and a counterfactual at 1.5 × the natural frequency beside the "
                  "simulator (grey, under PhysicsVAE's dashed curve).  Bottom: θ0, ω0 and "
                  "√(g/L) inferred from held-out rows against the truth")
    _requested_swings(report, physics, X_te.shape[1], seed)
    report.done()


def _requested_swings(report, physics, n_steps, seed):
    """PhysicsVAE's samples of a requested amplitude (released from rest at
    θ0 = 1.2 rad) and of a requested natural frequency (2.5 rad/s), with how
    closely a fit of the exact pendulum to them meets the request."""
    theta0, frequency = 1.2, 2.5
    amplitude_rows = physics.sample(50, random_state=seed, theta0=theta0, omega0=0.0)
    frequency_rows = physics.sample(50, random_state=seed, natural_frequency=frequency)
    _, fitted = pendulum_residual(amplitude_rows, g=G, return_factors=True)
    report.number("physics_request_theta0_max_error_rad",
                  float(np.abs(fitted[:, 0] - theta0).max()),
                  f"PhysicsVAE asked for swings released from rest at θ0 = {theta0} rad: the "
                  "largest distance of the fitted θ0 of 50 samples from it [rad]")
    _, fitted = pendulum_residual(frequency_rows, g=G, return_factors=True)
    report.number("physics_request_frequency_max_rel_error",
                  float(np.abs(np.sqrt(G / fitted[:, 2]) / frequency - 1).max()),
                  f"PhysicsVAE asked for √(g/L) = {frequency} rad/s: the largest relative "
                  "distance of the fitted natural frequency of 50 samples from it (unitless)")
    fig = _blank_figure(9.9, 3.4)
    (sub_a, ax_a), (sub_f, ax_f) = _panels(fig, 1, 2)
    t = 0.01 * np.arange(n_steps)
    for ax, rows, title in [(ax_a, amplitude_rows, f"asked: θ0 = {theta0} rad, ω0 = 0"),
                            (ax_f, frequency_rows, f"asked: √(g/L) = {frequency} rad/s")]:
        for row in rows[:4]:
            ax.plot(t, row, lw=1)
        ax.set(xlabel=T_LABEL, ylabel=THETA_LABEL, title=title)
    report.figure(fig, "control_requests.png", "PhysicsVAE.sample on request: four samples "
                  "released from rest at 1.2 rad (left: the amplitude asked for; frequency "
                  "and correction drawn given it) and four of natural frequency 2.5 rad/s "
                  "(right: the others drawn given it)")


#: What the full run should show: ``(text, section, metric, "<=" or ">=",
#: section, reference metric, factor)``; a reference metric of ``None``
#: makes ``factor`` a fixed target.
_CHECKS = [
    ("TrajectoryRegressor: R² against the noise-free truth, held-out points", "regression",
     "TrajectoryRegressor_r2_truth", ">=", None, None, 0.99),
    ("GaussianRegressor: R² against the noise-free truth, held-out points", "regression",
     "GaussianRegressor_r2_truth", ">=", None, None, 0.99),
    ("GaussianRegressor: held-out observations inside its 90 % intervals", "regression",
     "GaussianRegressor_coverage_90", ">=", None, None, 0.85),
    ("TrajectoryGAN samples: MMD² to held-out rows, against 2 × PCA(8) + GMM(10)'s", "gan",
     "mmd2_gan", "<=", "gan", "mmd2_pca_gmm", 2.0),
    ("BetaVAE(β = 1): held-out reconstruction RMSE [rad], against PCA's", "vae",
     "beta1_heldout_rmse_rad", "<=", "vae", "pca_heldout_rmse_rad", 1.0),
    ("BetaVAE(β = 1) samples: MMD² to held-out rows, against TrajectoryGAN's", "vae",
     "mmd2_beta1_samples", "<=", "gan", "mmd2_gan", 1.0),
    ("PhysicsVAE: correlation of the inferred natural frequency with the truth", "control",
     "physics_corr_natural_frequency", ">=", None, None, 0.99),
    ("PhysicsVAE: DCI disentanglement against (θ0, ω0, √(g/L))", "control",
     "physics_dci_disentanglement", ">=", None, None, 0.9),
    ("PhysicsVAE: counterfactual at 1.5 × √(g/L), RMSE against the simulator [rad]",
     "control", "physics_counterfactual_rmse_rad", "<=", None, None, 0.05),
]


def _standard_error(metrics, section, key, n_draws):
    """The standard error of a metric that is a mean over ``n_draws`` draws
    (its standard deviation over the draws / √n_draws), or None."""
    sd = metrics[section].get(f"{key}_std_over_draws")
    return None if sd is None or n_draws < 2 else sd / math.sqrt(n_draws)


def _checks(metrics, n_draws):
    """Each check of :data:`_CHECKS`, in numbers (for metrics.json) and in
    words (for the page and the console)."""
    checks = []
    for text, section, key, op, ref_section, ref_key, factor in _CHECKS:
        value = metrics[section][key]
        limit = factor if ref_key is None else factor * metrics[ref_section][ref_key]
        ok = bool(value <= limit if op == "<=" else value >= limit)
        errors = [(what, scale, _standard_error(metrics, sec, k, n_draws))
                  for what, scale, sec, k in [("this mean", 1.0, section, key),
                                              ("the baseline's", factor, ref_section, ref_key)]
                  if k]
        errors = [(what, scale, se) for what, scale, se in errors if se is not None]
        spread_text = ("; ".join(f"{what} ± {se:.2g}" for what, _, se in errors)
                       + f" (standard errors of means over {n_draws} draws)" if errors
                       else "one run, no spread measured")
        sign = "≤" if op == "<=" else "≥"
        if ref_key is None or factor == 1:
            target = f"{sign} {format_value(float(limit))}"
        else:
            target = (f"{sign} {factor:g} × {format_value(metrics[ref_section][ref_key])} "
                      f"= {format_value(float(limit))}")
        gap = abs(value - limit)
        # a miss within the standard error of the difference is no clear miss
        within = bool(errors) and gap <= math.hypot(*[scale * se for _, scale, se in errors])
        holds = "yes" if ok else (
            f"no, by {gap:.2g}"
            + (f" ({100 * gap / limit:.3g} % of the target)" if limit > 0 else "")
            + (", within the spread" if within else ""))
        checks.append({"text": text, "section": section, "metric": key,
                       "value": value, "limit": float(limit), "ok": ok,
                       "words": {"value": format_value(value), "target": target,
                                 "spread": spread_text, "holds": holds}})
    return checks


def _stderr(message):
    print(message, file=sys.stderr, flush=True)


def run_demo(out="pendsk-demo", *, quick=False, random_state=0, log=_stderr):
    """Run the article's road end to end and write a report to a folder.

    Simulator trajectories (and the article's Euler-Cromer drift beside the
    exact solution); TrajectoryRegressor and GaussianRegressor on the
    pointwise dataset (predictions against the truth for two parameter sets,
    the mean ± 3σ band, pointwise draws); TrajectoryGAN samples beside real
    ones and its loss curves; BetaVAE β = 1 samples and β = 10 latent
    traversals, with the mutual information gap and active dimensions;
    PhysicsVAE's traversals in physical units, its inferred parameters and a
    counterfactual against the simulator.  The models are fitted as
    :func:`~pendsk._report.settings.describe_fits` lists them (the
    epochs of each, BetaVAE(beta=10)'s ``pca_path=False``; every other
    setting the default), and the page ends each run with checks of their
    quality in words.

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
    checks = _checks(report.metrics, SETTINGS[quick]["n_mmd_draws"])
    report.metrics["checks"] = [{k: c[k] for k in ("text", "section", "metric", "value",
                                                   "limit", "ok")} for c in checks]
    report.metrics["total_seconds"] = round(time.perf_counter() - report.started, 2)
    (out / "metrics.json").write_text(json.dumps(report.metrics, indent=2), encoding="utf-8")
    write_html(report, [{"text": c["text"], "ok": c["ok"], **c["words"]} for c in checks])
    missed = [c for c in checks if not c["ok"]]
    log(f"Results: {len(checks) - len(missed)} of {len(checks)} checks of the models' "
        "quality hold" + ("." if not missed else "; these do not:"))
    for c in missed:
        log(f"  {c['text']}: {c['words']['value']}, target {c['words']['target']} "
            f"({c['words']['holds']})")
    if quick:
        log("  (--quick trains for a few epochs only: misses are expected)")
    log(f"wrote {len(list(out.glob('*.png')))} figures, metrics.json and index.html to "
        f"{out} in {report.metrics['total_seconds']:.0f} s; open {out / 'index.html'} "
        "in a browser")
    return report.metrics
