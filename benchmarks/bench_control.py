"""Benchmark of controllable generation: PhysicsVAE against BetaVAE.

One run, one table.  Three data sets of pendulum trajectories, 500 steps
of 0.01 s, g = 10, constant 0.01 rad observation noise
(``make_pendulum(noise_std=0.01, noise_growth=0.0)``, the data of
bench_generative), each with 400 training rows:

- ``undamped``: the article's ranges; 1000 held-out rows;
- ``damped``: the same ranges with a damping coefficient drawn per row
  uniformly in [0.05, 0.3] N·m·s (unknown to PhysicsVAE's decoder, whose
  physics is undamped); 1000 held-out rows;
- ``extrapolation``: trained on lengths in [1, 2] m, scored on 1000 rows
  with lengths in [2.5, 3.5] m (and, for the ratio, 1000 rows in [1, 2]).

Models (defaults otherwise, ``random_state=SEED``): ``BetaVAE(beta=1)``
(started from PCA, ``pca_path=True``, as the default did before
``pca_path="auto"``),
``BetaVAE(beta=10, pca_path=False)`` (the article's β-VAE, trained from
random weights), the β-TCVAE ``BetaVAE(beta=1, tc_weight=5,
pca_path=False)`` (Chen et al.'s β = 6), ``PhysicsVAE()`` and, for the
extrapolation ratio, ``PCA(6)``.

Columns, on the held-out rows: ``corr θ0 / ω0 / w``: the largest absolute
Pearson correlation of any latent (posterior means, ``transform``) with
θ0, ω0 and w = sqrt(g / L); ``DCI d / c / i``:
``pendsk.metrics.dci(codes, factors, random_state=SEED)`` against
(θ0, ω0, w); ``MIG``: ``pendsk.metrics.mutual_information_gap`` with 10
equal-width bins against the same factors (the bins and rows are printed);
``RMSE``: ``inverse_transform(transform(X))`` against the noise-free
trajectories [rad]; ``cf RMSE``: the counterfactual at 1.5 times the
inferred natural frequency, ``traverse("natural_frequency", values=[1.5 w],
z=code)``, against ``PendulumSimulator(method="exact")`` with the inferred
θ0, 1.5 ω0 and L = g / (1.5 w)² (the same swing 1.5 times faster; only
PhysicsVAE has such a latent; on the damped split that reference is
undamped, so there the column shows the damping the model keeps, not an
error); ``out/in``: on the extrapolation split, the
reconstruction RMSE out of range over in range; ``fit s``: seconds of
``fit``.

The bars of issue 18 are checked at the end (PASS/FAIL).

How to run
----------
From the repository root::

    PYTHONPATH=. python benchmarks/bench_control.py
    PYTHONPATH=. python benchmarks/bench_control.py --quick   # smoke test

``--quick`` trains every network for a few epochs (no verdicts).  Progress
lines go to stderr, the report to stdout.
"""

import argparse
import sys
import time

import numpy as np
import torch
from sklearn.decomposition import PCA

from _report import machine_info, progress, table

from pendsk import BetaVAE, PendulumSimulator, PhysicsVAE
from pendsk.datasets import ARTICLE_G, make_pendulum
from pendsk.metrics import dci, mutual_information_gap

N_TRAIN, N_TEST = 400, 1000
N_STEPS, DT = 500, 0.01
NOISE_STD = 0.01
G = ARTICLE_G
DAMPING = (0.05, 0.3)
LENGTH_IN, LENGTH_OUT = (1.0, 2.0), (2.5, 3.5)
MIG_BINS = 10
QUICK_EPOCHS = 3

BAR_CORR, BAR_CORR_DAMPED = 0.99, 0.95
BAR_DCI, BAR_MIG, BAR_MIG_RATIO = 0.9, 0.6, 2.5
BAR_DAMPED_RMSE, BAR_EXTRAPOLATION, BAR_CF, BAR_FIT = 1.5, 2.0, 0.05, 3.0


def truth(factors):
    """(θ0, ω0, w = sqrt(g / L)) of parameter rows (θ0, ω0, L, m)."""
    return np.column_stack([factors[:, 0], factors[:, 1], np.sqrt(G / factors[:, 2])])


def dataset(n_samples, seed, length_range=(1.0, 2.5), damped=False):
    """Noisy rows, their factors and their noise-free trajectories."""
    _, factors = make_pendulum(n_samples, N_STEPS, DT, length_range=length_range, g=G,
                               noise_growth=0.0, random_state=seed)
    params = factors.copy()
    damping = 0.0
    if damped:
        # per-row damping d: with damping 1 and mass m / d the decay rate
        # 1 / ((m / d) L²) is d / (m L²), and mass acts only through it
        d = np.random.default_rng(seed).uniform(*DAMPING, n_samples)
        params[:, 3] = params[:, 3] / d
        damping = 1.0
    clean = PendulumSimulator(n_steps=N_STEPS, dt=DT, g=G, damping=damping).fit(
        params).transform(params)
    noise = np.random.default_rng([seed, 1]).normal(0.0, NOISE_STD, clean.shape)
    return clean + noise, factors, clean


def rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


def best_correlations(codes, factors):
    """For each factor, the largest |Pearson r| of any latent with it."""
    corr = np.corrcoef(codes.T, factors.T)[:codes.shape[1], codes.shape[1]:]
    return np.nanmax(np.abs(corr), axis=0)


def counterfactual_rmse(model, X):
    """RMSE of the 1.5x-frequency counterfactual against the simulator."""
    codes = model.transform(X)
    decoded = np.vstack([model.traverse("natural_frequency", values=[1.5 * c[2]], z=c)
                         for c in codes])
    theta0, omega0, w = codes[:, 0], 1.5 * codes[:, 1], 1.5 * codes[:, 2]
    params = np.column_stack([theta0, omega0, G / w**2, np.ones(len(codes))])
    reference = PendulumSimulator(n_steps=N_STEPS, dt=DT, g=G, method="exact").fit(
        params).transform(params)
    return rmse(decoded, reference)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0, help="seed of the data and the models")
    ap.add_argument("--quick", action="store_true",
                    help=f"smoke test: {QUICK_EPOCHS} epochs per network, no verdicts")
    args = ap.parse_args(argv)
    seed, quick = args.seed, args.quick
    t_start = time.perf_counter()

    splits = {
        "undamped": (dataset(N_TRAIN, seed), dataset(N_TEST, seed + 1)),
        "damped": (dataset(N_TRAIN, seed + 2, damped=True),
                   dataset(N_TEST, seed + 3, damped=True)),
        "extrapolation": (dataset(N_TRAIN, seed + 4, LENGTH_IN),
                          dataset(N_TEST, seed + 5, LENGTH_OUT)),
    }
    in_range = dataset(N_TEST, seed + 6, LENGTH_IN)
    models = {
        "BetaVAE(beta=1)": lambda: BetaVAE(beta=1.0, pca_path=True, random_state=seed),
        "BetaVAE(beta=10, pca_path=False)": lambda: BetaVAE(
            beta=10.0, pca_path=False, random_state=seed),
        "BetaVAE(beta=1, tc_weight=5, pca_path=False)": lambda: BetaVAE(
            beta=1.0, tc_weight=5.0, pca_path=False, random_state=seed),
        "PhysicsVAE()": lambda: PhysicsVAE(random_state=seed),
    }

    rows, stats = [], {}
    for split, ((X, _, _), (X_te, F_te, clean_te)) in splits.items():
        factors = truth(F_te)
        for label, make in models.items():
            progress(f"{label} on {split}")
            model = make()
            if quick:
                model.set_params(max_epochs=QUICK_EPOCHS)
            t0 = time.perf_counter()
            model.fit(X)
            seconds = time.perf_counter() - t0
            codes = model.transform(X_te)
            corr = best_correlations(codes, factors)
            scores = dci(codes, factors, random_state=seed)
            mig = mutual_information_gap(codes, factors, n_bins=MIG_BINS)
            recon = rmse(model.inverse_transform(codes), clean_te)
            ratio = None
            if split == "extrapolation":
                X_in, _, clean_in = in_range
                ratio = recon / rmse(model.inverse_transform(model.transform(X_in)), clean_in)
            cf = counterfactual_rmse(model, X_te) if isinstance(model, PhysicsVAE) else None
            stats[split, label] = dict(corr=corr, dci=scores.disentanglement, mig=mig,
                                       rmse=recon, ratio=ratio, cf=cf, seconds=seconds)
            rows.append([f"{split}: {label}", *(f"{c:.4f}" for c in corr),
                         f"{scores.disentanglement:.3f}", f"{scores.completeness:.3f}",
                         f"{scores.informativeness:.3f}", f"{mig:.3f}", f"{recon:.4f}",
                         "—" if cf is None else f"{cf:.4f}",
                         "—" if ratio is None else f"{ratio:.2f}", f"{seconds:.1f}"])
        if split == "extrapolation":
            pca = PCA(6).fit(X)
            X_in, _, clean_in = in_range
            out = rmse(pca.inverse_transform(pca.transform(X_te)), clean_te)
            ratio = out / rmse(pca.inverse_transform(pca.transform(X_in)), clean_in)
            rows.append([f"{split}: PCA(6)", "", "", "", "", "", "", "", f"{out:.4f}", "—",
                         f"{ratio:.2f}", ""])

    print("pendsk controllable-generation benchmark" + (
        f" (QUICK: smoke test, {QUICK_EPOCHS} epochs per network; numbers are not results)"
        if quick else ""))
    for line in machine_info(torch_threads=torch.get_num_threads()):
        print("  " + line)
    print(f"  data: {N_STEPS} steps of {DT:g} s, g = {G:g}, noise {NOISE_STD:g} rad; "
          f"{N_TRAIN} training rows, {N_TEST} held-out rows per split (seed {seed}); "
          f"damping per row in {list(DAMPING)} N·m·s; extrapolation: train L in "
          f"{list(LENGTH_IN)} m, held out L in {list(LENGTH_OUT)} m")
    print(f"  MIG: {MIG_BINS} equal-width bins on the {N_TEST} held-out rows; DCI: "
          "GradientBoostingRegressor importances, 25 % of the held-out rows for "
          "informativeness")
    print()
    table(["split: model", "corr θ0", "corr ω0", "corr w", "DCI d", "DCI c", "DCI i", "MIG",
           "RMSE", "cf RMSE", "out/in", "fit s"], rows)
    print()

    physics = "PhysicsVAE()"
    checks = [
        ("undamped corr >= 0.99 (θ0, ω0, w)",
         stats["undamped", physics]["corr"].min() >= BAR_CORR),
        ("undamped DCI disentanglement >= 0.9",
         stats["undamped", physics]["dci"] >= BAR_DCI),
        (f"undamped MIG >= 0.6 ({MIG_BINS} bins, {N_TEST} rows)",
         stats["undamped", physics]["mig"] >= BAR_MIG),
        ("undamped MIG >= 2.5 x BetaVAE(beta=1)'s and (beta=10)'s",
         all(stats["undamped", physics]["mig"]
             >= BAR_MIG_RATIO * stats["undamped", b]["mig"]
             for b in ("BetaVAE(beta=1)", "BetaVAE(beta=10, pca_path=False)"))),
        ("undamped RMSE <= BetaVAE(beta=1)'s",
         stats["undamped", physics]["rmse"] <= stats["undamped", "BetaVAE(beta=1)"]["rmse"]),
        ("damped corr >= 0.95 (θ0, ω0, w)",
         stats["damped", physics]["corr"].min() >= BAR_CORR_DAMPED),
        ("damped RMSE <= 1.5 x BetaVAE(beta=1)'s",
         stats["damped", physics]["rmse"]
         <= BAR_DAMPED_RMSE * stats["damped", "BetaVAE(beta=1)"]["rmse"]),
        ("counterfactual RMSE <= 0.05 rad (undamped)",
         stats["undamped", physics]["cf"] <= BAR_CF),
        ("extrapolation RMSE out/in <= 2",
         stats["extrapolation", physics]["ratio"] <= BAR_EXTRAPOLATION),
        ("fit <= 3 x BetaVAE(beta=1)'s (undamped)",
         stats["undamped", physics]["seconds"]
         <= BAR_FIT * stats["undamped", "BetaVAE(beta=1)"]["seconds"]),
    ]
    for label, ok in checks:
        print(f"  {'n/a (quick)' if quick else ('PASS' if ok else 'FAIL'):<11} {label}")
    print(f"\n  total {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
