"""Benchmark of pendsk's generative models: BetaVAE and TrajectoryGAN.

One run, one report, on one split of pendulum trajectories:
``make_pendulum(n_samples=600, noise_std=0.01, noise_growth=0.0,
random_state=SEED)`` (constant 0.01 rad observation noise, g = 10); the
first 400 rows train, the last 200 are held out.

(1) BetaVAE for β in {1, 4, 10} started from PCA (``BetaVAE(beta=b,
pca_path=True, random_state=SEED)``, defaults otherwise: the network the
hand-written loop of (3) reproduces; ``bench_generation.py`` judges the
defaults) beside ``PCA(latent_dim)``: held-out reconstruction RMSE in rad
(``inverse_transform(transform(X))``), held-out log-likelihood in nats
(``score``, importance-weighted; for PCA the exact probabilistic-PCA
log-likelihood, ``PCA.score``), MMD² of prior samples to the held-out rows, mutual
information gap (MIG) of the codes of all 600 rows against the generating
factors (θ0, ω0, L, m) and against the identifiable ones (amplitude
θ_max = arccos(cos θ0 − ω0²·L/(2g)) and period 4·K(k²)·sqrt(L/g),
``pendsk.physics.amplitude`` and ``period``), active latent dimensions
(``pendsk.metrics.active_dimensions``) and fit seconds.

(2) Samples of the GAN on whole trajectories (``embedding=None,
latent_dim=4, lr=2e-4``, the GAN of (3)'s hand-written loop) with each
loss: ``"ns-r1"`` (non-saturating loss with R1), ``"wgan-gp"`` and
``"wgan-clip"``,
beside ``PCA(8)`` +
``GaussianMixture(10)`` samples: MMD² to the held-out rows and fit
seconds.  Every model's MMD² (``pendsk.metrics.maximum_mean_discrepancy``,
unbiased, median-heuristic RBF kernel) is the mean over R = 30 independent
draws of 200 samples against the 200 held-out rows.  The real-vs-real
floor is MMD²(train rows, held-out rows) on the same split; "× floor"
divides by it.  As context, the spread of the real-vs-real estimate
itself: R fresh draws of 200 real trajectories (``make_pendulum`` with
other seeds, same settings) against the same held-out rows.

(3) Fit time of ``BetaVAE(beta=1)`` and of the ``"ns-r1"`` GAN beside
hand-written torch loops that train the same networks (all the epochs of the
default step budget, no early stopping; the VAE starting, as BetaVAE's
does, from probabilistic PCA)
(``pendsk._neural.layers.VAE`` / ``GAN`` with the estimator's
default sizes, read from ``get_params()``) the same way: StandardScaler,
float32 tensors, Adam (the GAN: betas (0.5, 0.9) for the generator and the
critic, ``NonSaturatingLoss`` and γ/2 · ``pendsk._neural.layers.r1_penalty``, one
critic step per batch and a generator step after critic steps 1,
1 + n_critic, ... of each epoch, normal noise), same batch size and epochs, one
``torch.randperm`` per epoch and contiguous slices, the per-epoch cosine
``LambdaLR`` factor 0.5·(1 + cos(π·epoch/max_epochs)) on every
optimizer, ``ELBOLoss()(..., beta=1)``; no history or
callbacks.  The hand loops seed torch as pendsk's fit does, so both draw
the same random numbers; the final-epoch training losses are printed as a
check that they do the same work.  A short warm-up of each, then
``--repeats`` (VAE, default 3) and ``--gan-repeats`` (GAN, default 1)
interleaved rounds; medians are reported.  The GAN's first pendsk fit is
the model scored in (2) (the same as a default fit), and its fit seconds
there are the median of the rounds; the BetaVAEs of (1) are default fits
(early stopping on held-out rows), timed once.

(4) Bar checks, PASS/FAIL: BetaVAE(beta=1) held-out RMSE <= 0.8 × PCA's
(also judged against the noise-free trajectories: against the noisy rows
the noise alone is about 0.8 × PCA's RMSE, see the row's detail),
fit <= 30 s; TrajectoryGAN() MMD² below PCA(8)+GMM(10)'s and <= 5 × the
floor, fit <= 120 s; each pendsk fit <= 1.15 × its hand-written loop.

How to run
----------
From the repository root::

    PYTHONPATH=. python benchmarks/bench_generative.py
    PYTHONPATH=. python benchmarks/bench_generative.py --quick   # smoke test

``--quick`` trains every network for a few epochs only (seconds in all);
it prints the tables but no verdicts.  The run prints its total time at
the end.  Every torch path runs on ``--threads`` threads (default 1,
pendsk's default ``n_jobs``): the estimators' ``n_jobs`` and
``torch.set_num_threads`` for the hand-written loops, so that the loops
are timed like with like.  Progress lines go to stderr, the report to
stdout.
"""

import argparse
import gc
import math
import statistics
import sys
import time

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from torch.optim.lr_scheduler import LambdaLR

from _report import machine_info, progress, table

from pendsk import BetaVAE, PendulumSimulator, TrajectoryGAN
from pendsk._gan.networks import GAN, NonSaturatingLoss, WassersteinLoss, gradient_penalty, r1_penalty
from pendsk._latent.pca_start import ppca_start
from pendsk._latent.vae_network import VAE, ELBOLoss
from pendsk.datasets import ARTICLE_G, make_pendulum
from pendsk.metrics import active_dimensions, maximum_mean_discrepancy, mutual_information_gap
from pendsk.physics import amplitude, period

N_TRAIN, N_TEST = 400, 200
NOISE_STD = 0.01
G = ARTICLE_G
BETAS = (1.0, 4.0, 10.0)
N_DRAWS = 30  # R: independent sample draws per MMD² estimate
N_SAMPLE = 200  # rows per draw
GMM_PCA, GMM_COMPONENTS = 8, 10
QUICK_EPOCHS = 5

#: The GAN on whole trajectories with the settings of its hand-written loop
#: (the defaults before the embedding).
GAN_ON_ROWS = dict(embedding=None, latent_dim=4, lr=2e-4)

#: torch threads of every path (``--threads``): the estimators' n_jobs.
THREADS = 1


def _configure_threads(n):
    global THREADS
    THREADS = n
WARMUP_EPOCHS = 2

BAR_RMSE_VS_PCA = 0.8
BAR_VAE_FIT_S = 30.0
BAR_FLOOR_MULT = 5.0
BAR_GAN_FIT_S = 120.0
BAR_RATIO = 1.15


# --------------------------------------------------------------------------
# data and metrics
# --------------------------------------------------------------------------

def pendulum(n_samples, seed):
    return make_pendulum(n_samples=n_samples, noise_std=NOISE_STD, noise_growth=0.0,
                         g=G, random_state=seed)


def identifiable_factors(F):
    """Amplitude θ_max and period of each row of factors (θ0, ω0, L, m)."""
    theta0, omega0, length = F[:, 0], F[:, 1], F[:, 2]
    return np.column_stack([amplitude(theta0, omega0, length, g=G),
                            period(theta0, omega0, length, g=G)])


def mmd_draws(sampler, X_ref):
    """MMD² of R draws of N_SAMPLE rows each against X_ref, as an array."""
    return np.array([maximum_mean_discrepancy(X_ref, sampler(r)) for r in range(N_DRAWS)])


def rmse(X_rec, X):
    return float(np.sqrt(np.mean((X_rec - X) ** 2)))


def code_metrics(codes, F, F_id):
    """MIG (mean, per factor) against both factor sets, active dimensions."""
    mig = mutual_information_gap(codes, F, multioutput="raw_values")
    mig_id = mutual_information_gap(codes, F_id, multioutput="raw_values")
    return mig, mig_id, int(active_dimensions(codes).sum())


def time_call(func, *args):
    gc.collect()
    t0 = time.perf_counter()
    out = func(*args)
    return time.perf_counter() - t0, out


# --------------------------------------------------------------------------
# hand-written loops
# --------------------------------------------------------------------------

def fit_seed(random_state):
    """The torch seed pendsk's first fit uses (see NeuralEstimator._fit)."""
    base = int(check_random_state(random_state).randint(np.iinfo(np.int32).max))
    return int(np.random.SeedSequence([base, 0]).generate_state(1)[0])


def cosine(n_epochs):
    if n_epochs <= 1:
        return lambda epoch: 1.0
    return lambda epoch: 0.5 * (1.0 + math.cos(math.pi * min(epoch, n_epochs) / n_epochs))


def hand_vae(X, params):
    """BetaVAE's training in a plain torch loop; returns the last epoch's loss."""
    scaler = StandardScaler().fit(X)
    Xs = scaler.transform(X)
    torch.manual_seed(fit_seed(params["random_state"]))
    x = torch.as_tensor(Xs, dtype=torch.float32)
    model = VAE(x.shape[1], params["latent_dim"], tuple(params["hidden_layer_sizes"]),
                params["activation"], linear_path=True)
    # the start from probabilistic PCA in the units of X, as BetaVAE's
    model.init_linear_path(*ppca_start(Xs, scaler.scale_, params["latent_dim"]))
    elbo_loss = ELBOLoss()
    opt = torch.optim.Adam(model.parameters(), lr=params["lr"],
                           weight_decay=params["weight_decay"])
    n_epochs, batch, n = params["max_epochs"], params["batch_size"], len(x)
    sched = LambdaLR(opt, cosine(n_epochs))
    model.train()
    for _ in range(n_epochs):
        xp = x[torch.randperm(n)]
        total = 0.0
        for start in range(0, n, batch):
            xb = xp[start:start + batch]
            opt.zero_grad()
            loss = elbo_loss(model(xb), xb, beta=params["beta"])
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        sched.step()
    return total / n


def hand_gan(X, params):
    """TrajectoryGAN's training (``"ns-r1"`` or ``"wgan-gp"``) in a plain torch
    loop; returns the last epoch's loss."""
    Xs = StandardScaler().fit_transform(X)
    torch.manual_seed(fit_seed(params["random_state"]))
    x = torch.as_tensor(Xs, dtype=torch.float32)
    gan = GAN(x.shape[1], params["latent_dim"],
                         tuple(params["hidden_layer_sizes"]), params["activation"])
    r1 = params["loss"] == "ns-r1"
    loss_fn = NonSaturatingLoss() if r1 else WassersteinLoss()
    kw = dict(lr=params["lr"], betas=(0.5, 0.9), weight_decay=params["weight_decay"])
    opt_g = torch.optim.Adam(gan.generator.parameters(), **kw)
    opt_c = torch.optim.Adam(gan.critic.parameters(), **kw)
    n_epochs, batch, n = params["max_epochs"], params["batch_size"], len(x)
    scheds = [LambdaLR(opt, cosine(n_epochs)) for opt in (opt_g, opt_c)]
    n_critic, gp_weight, latent = params["n_critic"], params["gp_weight"], params["latent_dim"]
    gan.train()
    for _ in range(n_epochs):
        xp = x[torch.randperm(n)]
        total, steps = 0.0, 0
        for start in range(0, n, batch):
            real = xp[start:start + batch]
            fake = gan(torch.randn(len(real), latent)).detach()
            opt_c.zero_grad(set_to_none=True)
            if r1:
                real = real.detach().requires_grad_(True)
            real_scores = gan.critic(real)
            loss = loss_fn(gan.critic(fake), real_scores)
            loss = loss + (gp_weight / 2 * r1_penalty(real, real_scores) if r1
                           else gp_weight * gradient_penalty(gan.critic, real, fake))
            loss.backward()
            opt_c.step()
            total += loss.item() * len(real)
            steps += 1
            if (steps - 1) % n_critic == 0:
                opt_g.zero_grad(set_to_none=True)
                g_loss = loss_fn(gan.critic(gan(torch.randn(len(real), latent))))
                g_loss.backward()
                opt_g.step()
        for sched in scheds:
            sched.step()
    return total / n


def race(est, hand, X, repeats, label):
    """Interleaved timing of est.fit and hand; returns times, losses, first fit."""
    progress(f"{label}: warm-up ({WARMUP_EPOCHS} epochs each)")
    # the epochs of the step budget, all of them: no early stopping
    est.set_params(max_epochs=est._n_epochs(len(X)), early_stopping=False)
    warm = est.get_params()["max_epochs"]
    est.set_params(max_epochs=min(WARMUP_EPOCHS, warm)).fit(X)
    hand(X, {**est.get_params()})
    est.set_params(max_epochs=warm)
    params = est.get_params()
    times = {"pendsk": [], "hand": []}
    losses, fitted = {}, None

    def run_pendsk():
        nonlocal fitted
        seconds, model = time_call(est.__class__(**params).fit, X)
        if fitted is None:
            fitted = model
        times["pendsk"].append(seconds)
        losses["pendsk"] = float(model.history_[-1, "train_loss"])

    def run_hand():
        seconds, losses["hand"] = time_call(hand, X, params)
        times["hand"].append(seconds)

    for r in range(repeats):
        order = (run_pendsk, run_hand) if r % 2 == 0 else (run_hand, run_pendsk)
        for func in order:
            progress(f"{label}: round {r + 1}/{repeats}, "
                     f"{'pendsk' if func is run_pendsk else 'hand loop'}")
            func()
    return times, losses, fitted


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------

def check(label, ok, detail, quick):
    verdict = "n/a (quick)" if quick else ("PASS" if ok else "FAIL")
    return [label, detail, verdict], ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0,
                    help="seed of the data, the split's models and every sample draw")
    ap.add_argument("--repeats", type=int, default=None,
                    help="interleaved timing rounds of BetaVAE(beta=1) vs its hand "
                         "loop (default 3; 1 with --quick)")
    ap.add_argument("--gan-repeats", type=int, default=None,
                    help="interleaved timing rounds of TrajectoryGAN() vs its hand "
                         "loop (default 1)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads of every torch path alike: pendsk's n_jobs "
                         "and torch.set_num_threads for the hand-written loops and "
                         "plain skorch (default 1, pendsk's default n_jobs)")
    ap.add_argument("--quick", action="store_true",
                    help=f"smoke test: {QUICK_EPOCHS} epochs per network, one timing "
                         "round, no verdicts")
    args = ap.parse_args(argv)
    # like with like: the hand-written loops on pendsk's threads
    torch.set_num_threads(max(1, args.threads))
    _configure_threads(max(1, args.threads))
    seed, quick = args.seed, args.quick
    repeats = max(1, args.repeats or (1 if quick else 3))
    gan_repeats = max(1, args.gan_repeats or 1)
    t_start = time.perf_counter()

    def configure(est):
        est.set_params(n_jobs=THREADS)
        return est.set_params(max_epochs=QUICK_EPOCHS) if quick else est

    # ------------------------------------------------------------- data
    X, F = pendulum(N_TRAIN + N_TEST, seed)
    X_tr, X_te = X[:N_TRAIN], X[N_TRAIN:]
    F_id = identifiable_factors(F)
    # the held-out trajectories without their observation noise
    X_te_clean = PendulumSimulator(n_steps=X.shape[1], g=G).fit_transform(F[N_TRAIN:])

    floor = maximum_mean_discrepancy(X_tr, X_te)
    fresh = np.array([maximum_mean_discrepancy(pendulum(N_SAMPLE, seed + 1 + r)[0], X_te)
                      for r in range(N_DRAWS)])

    def times_floor(value):
        return f"{value / floor:.1f}" if floor > 0 else "—"

    # --------------------------------------------------------- baselines
    progress("PCA and PCA + GaussianMixture")
    latent_dim = BetaVAE().latent_dim
    pca_s, pca = time_call(PCA(latent_dim).fit, X_tr)
    pca_rec = pca.inverse_transform(pca.transform(X_te))
    pca_rmse, pca_truth = rmse(pca_rec, X_te), rmse(pca_rec, X_te_clean)
    # the least held-out RMSE any reconstruction can reach: the noise itself
    noise_rmse = rmse(X_te_clean, X_te)
    pca_ll = float(pca.score(X_te))
    pca_codes = code_metrics(pca.transform(X), F, F_id)

    def fit_gmm():
        pca8 = PCA(GMM_PCA).fit(X_tr)
        gm = GaussianMixture(GMM_COMPONENTS, random_state=seed).fit(pca8.transform(X_tr))
        return pca8, gm
    gmm_s, (pca8, gm) = time_call(fit_gmm)
    # GaussianMixture.sample returns rows grouped by component: draw all R
    # sets at once, shuffle, split
    pool = gm.sample(N_SAMPLE * N_DRAWS)[0]
    pool = pca8.inverse_transform(pool[np.random.default_rng(seed).permutation(len(pool))])
    gmm_mmd = mmd_draws(lambda r: pool[r * N_SAMPLE:(r + 1) * N_SAMPLE], X_te)

    # ------------------------------------------- timing (and β=1, GAN-GP fits)
    vae_times, vae_losses, _ = race(
        configure(BetaVAE(beta=1.0, pca_path=True, random_state=seed)), hand_vae, X_tr,
        repeats, "BetaVAE(beta=1)")
    gan_times, gan_losses, gan_r1 = race(
        configure(TrajectoryGAN(loss="ns-r1", random_state=seed, **GAN_ON_ROWS)), hand_gan,
        X_tr, gan_repeats, "TrajectoryGAN()")

    # ------------------------------------------------- the other models
    vaes = {}
    for beta in BETAS:
        if beta not in vaes:
            progress(f"BetaVAE(beta={beta:g})")
            vaes[beta] = time_call(configure(BetaVAE(beta=beta, pca_path=True,
                                                     random_state=seed)).fit, X_tr)
    progress('TrajectoryGAN(loss="wgan-gp")')
    wgan_s, gan_wgan = time_call(
        configure(TrajectoryGAN(loss="wgan-gp", random_state=seed, **GAN_ON_ROWS)).fit, X_tr)
    progress('TrajectoryGAN(loss="wgan-clip")')
    clip_s, gan_clip = time_call(
        configure(TrajectoryGAN(loss="wgan-clip", random_state=seed, **GAN_ON_ROWS)).fit,
        X_tr)

    # ------------------------------------------------------------- report
    print("pendsk generative-model benchmark" + (" (QUICK: smoke test, "
          f"{QUICK_EPOCHS} epochs per network; numbers are not results)" if quick else ""))
    for line in machine_info(torch_threads=torch.get_num_threads()):
        print("  " + line)
    print(f"  data: make_pendulum({N_TRAIN + N_TEST}, noise_std={NOISE_STD:g}, "
          f"noise_growth=0, g={G:g}, random_state={seed}): first {N_TRAIN} rows train, "
          f"last {N_TEST} held out; {X.shape[1]} steps per trajectory")
    print(f"  MMD²: unbiased, RBF kernel, median heuristic; each model's value is the "
          f"mean over R={N_DRAWS} draws of {N_SAMPLE} samples vs the {N_TEST} held-out "
          "rows")
    print()

    # (1) BetaVAE
    rows, per_factor = [], []
    vae_stats = {}
    for beta in BETAS:
        seconds, vae = vaes[beta]
        recon = vae.inverse_transform(vae.transform(X_te))
        rec, truth = rmse(recon, X_te), rmse(recon, X_te_clean)
        elbo = vae.score(X_te)
        mmd = mmd_draws(lambda r: vae.sample(N_SAMPLE, random_state=r), X_te)
        mig, mig_id, active = code_metrics(vae.transform(X), F, F_id)
        vae_stats[beta] = dict(rmse=rec, truth=truth, seconds=seconds)
        label = f"BetaVAE(beta={beta:g})"
        rows.append([label, f"{rec:.4f}", f"{truth:.4f}", f"{elbo:.1f}", f"{mmd.mean():.2e}",
                     times_floor(mmd.mean()), f"{mig.mean():.3f}", f"{mig_id.mean():.3f}",
                     f"{active}/{latent_dim}", f"{seconds:.1f}"])
        per_factor.append((label, mig, mig_id))
    mig, mig_id, _ = pca_codes
    rows.append([f"PCA({latent_dim})", f"{pca_rmse:.4f}", f"{pca_truth:.4f}",
                 f"{pca_ll:.1f}", "—", "—", f"{mig.mean():.3f}", f"{mig_id.mean():.3f}", "—",
                 f"{pca_s:.2f}"])
    per_factor.append((f"PCA({latent_dim})", mig, mig_id))
    print(f"(1) BetaVAE (defaults, latent_dim={latent_dim}) vs PCA({latent_dim}) on the "
          "held-out rows")
    table(["model", "RMSE rad", "vs truth", "log-lik nats", "MMD²", "× floor", "MIG θ0,ω0,L,m",
           "MIG amp,period", "active", "fit s"], rows)
    print("  RMSE: held-out inverse_transform(transform(X)) vs X (noise std "
          f"{NOISE_STD:g} rad: the noise-free trajectories themselves score "
          f"{noise_rmse:.4f}, the least possible); vs truth: the same "
          "reconstructions vs the noise-free trajectories; log-lik: score(X_te) "
          "(importance-weighted), for PCA the exact probabilistic-PCA log-likelihood "
          "PCA.score(X_te); "
          "MMD²: prior samples sample(200, random_state=r); MIG and active dimensions "
          f"on the codes of all {len(X)} rows (active: variance > 0.01)")
    print("  MIG per factor (θ0, ω0, L, m | amplitude, period):")
    for label, mig, mig_id in per_factor:
        print(f"    {label:<18} " + " ".join(f"{v:.3f}" for v in mig) + " | "
              + " ".join(f"{v:.3f}" for v in mig_id))
    print()

    # (2) samples
    gan_stats = {}
    rows = []
    for label, model, seconds in [
            ("TrajectoryGAN() (ns-r1)", gan_r1, statistics.median(gan_times["pendsk"])),
            ('TrajectoryGAN(loss="wgan-gp")', gan_wgan, wgan_s),
            ('TrajectoryGAN(loss="wgan-clip")', gan_clip, clip_s)]:
        mmd = mmd_draws(lambda r: model.sample(N_SAMPLE, random_state=r), X_te)
        gan_stats[label] = dict(mmd=mmd.mean(), seconds=seconds)
        rows.append([label, f"{mmd.mean():.2e}", f"{mmd.std():.1e}",
                     times_floor(mmd.mean()), f"{seconds:.1f}"])
    rows.append([f"PCA({GMM_PCA}) + GaussianMixture({GMM_COMPONENTS})",
                 f"{gmm_mmd.mean():.2e}", f"{gmm_mmd.std():.1e}",
                 times_floor(gmm_mmd.mean()), f"{gmm_s:.2f}"])
    rows.append([f"context: {N_DRAWS} fresh real draws of {N_SAMPLE}", f"{fresh.mean():.2e}",
                 f"{fresh.std():.1e}", times_floor(fresh.mean()), "—"])
    rows.append(["floor: train rows vs held-out rows", f"{floor:.2e}", "—",
                 times_floor(floor), "—"])
    print("(2) generated samples vs the held-out rows")
    table(["model", "MMD² (mean)", "std over draws", "× floor", "fit s"], rows)
    print(f"  floor = MMD²({N_TRAIN} train rows, {N_TEST} held-out rows), the one "
          "× floor divides by; context row: make_pendulum(200, same settings, "
          f"random_state={seed + 1}..{seed + N_DRAWS}) vs the held-out rows, i.e. how "
          "much a real-vs-real estimate itself scatters around 0")
    if floor <= 0:
        print("  note: the floor is <= 0 (the unbiased estimate scatters around 0 for "
              "equal distributions), so × floor is undefined")
    print(f"  TrajectoryGAN() fit s: median of the {gan_repeats} timed round(s) of (3)")
    print()

    # (3) fit time vs hand loop
    rows, ratios = [], {}
    for label, times, losses in [("BetaVAE(beta=1)", vae_times, vae_losses),
                                 ("TrajectoryGAN()", gan_times, gan_losses)]:
        p, h = statistics.median(times["pendsk"]), statistics.median(times["hand"])
        ratios[label] = p / h
        rows.append([label, str(len(times["pendsk"])), f"{p:.2f}", f"{h:.2f}",
                     f"{p / h:.3f}x", f"{losses['pendsk']:.4f}", f"{losses['hand']:.4f}"])
    print("(3) fit time: pendsk vs a hand-written torch loop training the same networks")
    table(["estimator", "rounds", "pendsk s", "hand s", "ratio",
           "pendsk last loss", "hand last loss"], rows)
    print(f"  medians of interleaved rounds after a {WARMUP_EPOCHS}-epoch warm-up of "
          "each; last loss: final-epoch mean training loss (VAE: β-ELBO loss, GAN: "
          "critic loss with penalty); equal values = the same work")
    spread = [label for label, times, _ in [("BetaVAE", vae_times, 0),
                                            ("TrajectoryGAN", gan_times, 0)]
              if any(max(t) > 2 * min(t) for t in times.values())]
    if spread:
        print(f"  note: rounds differ by more than 2x for {', '.join(spread)}: the machine "
              "was busy; the medians are kept")
    print()

    # (4) bars
    results = []
    v1 = vae_stats[1.0]
    gp = gan_stats["TrajectoryGAN() (ns-r1)"]
    for row, ok in [
        check(f"BetaVAE(beta=1) held-out RMSE <= {BAR_RMSE_VS_PCA:g} x PCA({latent_dim})'s",
              v1["rmse"] <= BAR_RMSE_VS_PCA * pca_rmse,
              f"{v1['rmse']:.4f} vs {BAR_RMSE_VS_PCA * pca_rmse:.4f} "
              f"({v1['rmse'] / pca_rmse:.2f}x PCA; the noise alone is "
              f"{noise_rmse:.4f} = {noise_rmse / pca_rmse:.2f}x)", quick),
        check("  the same against the noise-free trajectories",
              v1["truth"] <= BAR_RMSE_VS_PCA * pca_truth,
              f"{v1['truth']:.4f} vs {BAR_RMSE_VS_PCA * pca_truth:.4f} "
              f"({v1['truth'] / pca_truth:.2f}x PCA)", quick),
        check(f"BetaVAE(beta=1) fit <= {BAR_VAE_FIT_S:g} s",
              v1["seconds"] <= BAR_VAE_FIT_S, f"{v1['seconds']:.1f} s", quick),
        check(f"TrajectoryGAN() MMD² < PCA({GMM_PCA})+GMM({GMM_COMPONENTS})'s",
              gp["mmd"] < gmm_mmd.mean(), f"{gp['mmd']:.2e} vs {gmm_mmd.mean():.2e}",
              quick),
        check(f"TrajectoryGAN() MMD² <= {BAR_FLOOR_MULT:g} x floor",
              gp["mmd"] <= BAR_FLOOR_MULT * floor,
              f"{gp['mmd']:.2e} vs {BAR_FLOOR_MULT * floor:.2e} "
              + (f"({gp['mmd'] / floor:.1f}x)" if floor > 0 else "(floor <= 0)"), quick),
        check(f"TrajectoryGAN() fit <= {BAR_GAN_FIT_S:g} s",
              gp["seconds"] <= BAR_GAN_FIT_S, f"{gp['seconds']:.1f} s", quick),
        *[check(f"{label} pendsk/hand fit time <= {BAR_RATIO:g}", ratio <= BAR_RATIO,
                f"{ratio:.3f}x", quick) for label, ratio in ratios.items()],
    ]:
        results.append((row, ok))
    print("(4) bar checks")
    table(["bar", "measured vs threshold", "verdict"], [row for row, _ in results])
    if quick:
        print("  quick run: bars not judged")
    else:
        print(f"  {sum(ok for _, ok in results)}/{len(results)} passed")
    print()
    print(f"total benchmark time {time.perf_counter() - t_start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
