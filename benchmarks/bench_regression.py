"""Benchmark of pendsk's neural regressors: fit overhead and quality.

Two sections, one report.

(a) Fit-time overhead.  On the article's training split
(``make_pendulum_regression(100, random_state=0)``, 75/25
``train_test_split(random_state=0)``: 37,500 rows) it times, for ``--epochs``
epochs (default 30):

1. ``TrajectoryRegressor(max_epochs=E, random_state=0)``, defaults otherwise;
2. a hand-written torch loop doing the same work: standardise X and y in
   numpy, float32 tensors, ``pendsk._neural.layers.MLP(5, 1, (64, 64, 64),
   "silu")``, Adam (lr 2e-3), ``MSELoss``, cosine schedule stepped per
   epoch (``CosineAnnealingLR(T_max=E)``, the curve pendsk uses), one
   ``torch.randperm`` per epoch and contiguous slices of 512 rows;
3. plain skorch ``NeuralNetRegressor`` with the same module, optimiser,
   schedule and batch size, fitted on the same standardised float32 arrays
   through skorch's default ``DataLoader`` path.

Each timed call includes standardisation and building the network.  One
warm-up of each, then ``--repeats`` interleaved rounds (1, 2, 3, 1, 2, 3,
...); the median seconds (``time.perf_counter``) and the ratios to the hand
loop are reported, with each method's final-epoch training loss as a check
that the three do the same work.

(b) Quality on the article's pointwise dataset (same split): pendsk
``TrajectoryRegressor`` and ``GaussianRegressor`` with default
hyperparameters (200 epochs), scikit-learn's
``HistGradientBoostingRegressor``, a scaled ``MLPRegressor((64, 64, 64),
early_stopping=True)`` and a pair of quantile HGBs (5 % / 95 %, with a third
at 50 % for the point prediction).  Columns: R² against the noisy held-out
targets, R² against the noise-free truth (``PendulumSimulator(g=10)`` on the
rows' parameters), coverage of the noisy held-out targets by the 90 %
interval, Pearson correlation of the predicted noise std with the true
``0.1 * t``, and fit seconds.  Reference lines: the article's R² (0.867)
and the noise ceiling (R² of the truth itself against the noisy targets).

Bar checks follow as PASS/FAIL lines: pendsk/hand <= 1.15; each pendsk
regressor R² vs truth >= 0.995 and above every scikit-learn row;
GaussianRegressor coverage in [0.88, 0.92] and std correlation >= 0.95,
both better than the quantile pair; each pendsk fit <= 30 s.

Every torch path runs on the same number of threads, ``--threads``
(default 1, what pendsk's estimators use with their default
``n_jobs=None``): pendsk's ``n_jobs`` and ``torch.set_num_threads`` for
the hand-written loop and plain skorch.  (torch's default threads, left
to the hand loops alone, would compare two different things: on a loaded
machine they wait on each other and can make a loop many times slower.)

How to run
----------
From the repository root::

    PYTHONPATH=. python benchmarks/bench_regression.py
    PYTHONPATH=. python benchmarks/bench_regression.py --epochs 10 --repeats 3

It prints its total run time at the end.  On a
shared machine, other processes competing for the cores can stall torch's
threads and make single rounds many times slower; the medians absorb a few
such rounds, the min/max columns show them, and a note is printed when the
slowest round of a method exceeds twice its median.
"""

import argparse
import gc
import statistics
import sys
import time
import warnings

import numpy as np
import torch
from scipy.stats import pearsonr
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch import NeuralNetRegressor
from skorch.callbacks import LRScheduler
from torch import nn
from torch.optim.lr_scheduler import CosineAnnealingLR

from _report import machine_info, table

from pendsk import GaussianRegressor, PendulumSimulator, TrajectoryRegressor
from pendsk._neural.layers import MLP
from pendsk.datasets import ARTICLE_G, ARTICLE_NOISE_GROWTH, make_pendulum_regression

N_TRAJECTORIES = 100
N_STEPS = 500
G = ARTICLE_G
NOISE_GROWTH = ARTICLE_NOISE_GROWTH  # article: noise std = 0.1 * t
ARTICLE_R2 = 0.867
HIDDEN = (64, 64, 64)
ACTIVATION = "silu"
LR = 2e-3
BATCH = 512
Z90 = 1.6448536269514722  # standard normal 95 % quantile

BAR_RATIO = 1.15
BAR_R2_TRUTH = 0.995
BAR_COVERAGE = (0.88, 0.92)
BAR_STD_CORR = 0.95
BAR_FIT_S = 30.0


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def load_data(seed):
    """The article's pointwise data, its noise-free truth, and the split."""
    X, y = make_pendulum_regression(N_TRAJECTORIES, n_steps=N_STEPS,
                                    random_state=seed)
    # rows come in blocks of N_STEPS per trajectory, t = 0, dt, ...
    truth = PendulumSimulator(n_steps=N_STEPS, g=G).fit_transform(
        X[::N_STEPS, :4]).ravel()
    return train_test_split(X, y, truth, test_size=0.25, random_state=seed)


def standardise(X, y):
    """Standardised float32 copies of X and y (y as a column)."""
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    ys = (y - y.mean()) / y.std()
    return Xs.astype(np.float32), ys.astype(np.float32).reshape(-1, 1)


# --------------------------------------------------------------------------
# part (a): the three training paths
# --------------------------------------------------------------------------

#: torch threads of every path (``--threads``): pendsk's n_jobs.
THREADS = 1


def _configure_threads(n):
    global THREADS
    THREADS = n


def fit_pendsk(X, y, epochs, seed):
    reg = TrajectoryRegressor(max_epochs=epochs, random_state=seed, n_jobs=THREADS).fit(X, y)
    return float(reg.history_[-1, "train_loss"])


def fit_hand(X, y, epochs, seed):
    """The hand-written loop pendsk's fit should cost no more than."""
    Xs, ys = standardise(X, y)
    torch.manual_seed(seed)
    Xt, yt = torch.from_numpy(Xs), torch.from_numpy(ys)
    model = MLP(Xs.shape[1], 1, HIDDEN, ACTIVATION)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    sched = CosineAnnealingLR(opt, T_max=epochs)
    loss_fn = nn.MSELoss()
    n = len(Xt)
    for _ in range(epochs):
        order = torch.randperm(n)
        Xp, yp = Xt[order], yt[order]
        total = 0.0
        for start in range(0, n, BATCH):
            xb, yb = Xp[start:start + BATCH], yp[start:start + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            total += loss.item() * len(xb)
        sched.step()
    return total / n


def fit_skorch(X, y, epochs, seed):
    """Plain skorch: the same network through its default DataLoader."""
    Xs, ys = standardise(X, y)
    torch.manual_seed(seed)
    net = NeuralNetRegressor(
        MLP, module__n_inputs=Xs.shape[1], module__n_outputs=1,
        module__hidden_layer_sizes=HIDDEN, module__activation=ACTIVATION,
        optimizer=torch.optim.Adam, lr=LR, batch_size=BATCH, max_epochs=epochs,
        train_split=None, iterator_train__shuffle=True,
        callbacks=[LRScheduler(CosineAnnealingLR, T_max=epochs)], verbose=0,
    )
    net.fit(Xs, ys)
    return float(net.history[-1, "train_loss"])


def time_call(func, *args):
    gc.collect()
    t0 = time.perf_counter()
    out = func(*args)
    return time.perf_counter() - t0, out


def overhead(X, y, epochs, repeats, seed):
    paths = [("pendsk TrajectoryRegressor", fit_pendsk),
             ("hand-written torch loop", fit_hand),
             ("plain skorch NeuralNetRegressor (DataLoader)", fit_skorch)]
    times = {name: [] for name, _ in paths}
    losses = {}
    for name, func in paths:  # warm-up
        time_call(func, X, y, epochs, seed)
    for _ in range(repeats):
        for name, func in paths:
            seconds, losses[name] = time_call(func, X, y, epochs, seed)
            times[name].append(seconds)
    return paths, times, losses


# --------------------------------------------------------------------------
# part (b): quality
# --------------------------------------------------------------------------

def quality(X_tr, y_tr, X_te, y_te, truth_te, seed):
    """Rows (label, r2_noisy, r2_truth, coverage, std_corr, fit_s, kind)."""
    true_std = NOISE_GROWTH * X_te[:, 4]
    rows = []

    def point_row(label, est, kind):
        seconds, est = time_call(clone(est).fit, X_tr, y_tr)
        pred = est.predict(X_te)
        rows.append((label, r2_score(y_te, pred), r2_score(truth_te, pred),
                     None, None, seconds, kind))
        return est

    point_row("pendsk TrajectoryRegressor (defaults)",
              TrajectoryRegressor(random_state=seed, n_jobs=THREADS), "pendsk")

    seconds, gauss = time_call(GaussianRegressor(random_state=seed, n_jobs=THREADS).fit,
                               X_tr, y_tr)
    mean, std = gauss.predict(X_te, return_std=True)
    lo, hi = gauss.predict_interval(X_te, coverage=0.9)
    rows.append(("pendsk GaussianRegressor (defaults)", r2_score(y_te, mean),
                 r2_score(truth_te, mean), np.mean((y_te >= lo) & (y_te <= hi)),
                 pearsonr(std, true_std)[0], seconds, "pendsk-gauss"))

    point_row("HistGradientBoostingRegressor",
              HistGradientBoostingRegressor(random_state=seed), "sklearn")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a possible ConvergenceWarning
        point_row("StandardScaler + MLPRegressor((64,)*3, early_stopping)",
                  make_pipeline(StandardScaler(), MLPRegressor(
                      hidden_layer_sizes=HIDDEN, early_stopping=True,
                      random_state=seed)), "sklearn")

    fitted, total = {}, 0.0
    for q in (0.05, 0.5, 0.95):
        est = HistGradientBoostingRegressor(loss="quantile", quantile=q,
                                            random_state=seed)
        seconds, fitted[q] = time_call(est.fit, X_tr, y_tr)
        total += seconds
    q05, q50, q95 = (fitted[q].predict(X_te) for q in (0.05, 0.5, 0.95))
    rows.append(("HGB quantile [q05, q95] (R² from q50)", r2_score(y_te, q50),
                 r2_score(truth_te, q50), np.mean((y_te >= q05) & (y_te <= q95)),
                 pearsonr((q95 - q05) / (2 * Z90), true_std)[0], total,
                 "sklearn-quantile"))
    return rows


# --------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------

def check(label, ok, detail):
    print(f"  {'PASS' if ok else 'FAIL'}  {label} ({detail})")
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=30,
                    help="epochs of each timed fit in part (a)")
    ap.add_argument("--repeats", type=int, default=5,
                    help="interleaved timing rounds in part (a), after a warm-up")
    ap.add_argument("--seed", type=int, default=0,
                    help="seed of the data, the split and every model")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads of every torch path alike: pendsk's n_jobs "
                         "and torch.set_num_threads for the hand-written loops and "
                         "plain skorch (default 1, pendsk's default n_jobs)")
    args = ap.parse_args(argv)
    # like with like: the hand-written loops on pendsk's threads
    torch.set_num_threads(max(1, args.threads))
    _configure_threads(max(1, args.threads))
    epochs, repeats, seed = max(1, args.epochs), max(1, args.repeats), args.seed
    t_start = time.perf_counter()

    X_tr, X_te, y_tr, y_te, truth_tr, truth_te = load_data(seed)

    print("pendsk regression benchmark")
    for line in machine_info(torch_threads=torch.get_num_threads()):
        print("  " + line)
    print(f"  data: make_pendulum_regression({N_TRAJECTORIES}, random_state={seed}) "
          f"(noise std {NOISE_GROWTH:g}*t), 75/25 train_test_split(random_state="
          f"{seed}): {len(X_tr):,} train / {len(X_te):,} test rows")
    print()

    # ------------------------------------------------------------ part (a)
    paths, times, losses = overhead(X_tr, y_tr, epochs, repeats, seed)
    hand = statistics.median(times[paths[1][0]])
    med = {name: statistics.median(times[name]) for name, _ in paths}
    print(f"(a) fit-time overhead: {epochs} epochs, batch {BATCH}, Adam lr {LR:g}, "
          f"cosine per epoch, MLP {HIDDEN} {ACTIVATION}; 1 warm-up each, then "
          f"{repeats} interleaved rounds")
    body = []
    for name, _ in paths:
        body.append([name, f"{med[name]:.2f}", f"{min(times[name]):.2f}",
                     f"{max(times[name]):.2f}", f"{med[name] / hand:.3f}x",
                     f"{losses[name]:.4f}"])
    table(["method", "median s", "min s", "max s", "vs hand (median)",
           "last-epoch train MSE"], body)
    print("  (train MSE on standardised targets, mean over the last epoch's "
          "batches; similar values = same work)")
    noisy = [name for name, _ in paths if max(times[name]) > 2 * med[name]]
    if noisy:
        print(f"  note: slowest round > 2x the median for {', '.join(noisy)}: "
              "the machine was busy during some rounds; the medians are kept")
    print()

    # ------------------------------------------------------------ part (b)
    rows = quality(X_tr, y_tr, X_te, y_te, truth_te, seed)
    ceiling = r2_score(y_te, truth_te)

    def opt(x, fmt):
        return "—" if x is None else format(x, fmt)

    print(f"(b) quality on the held-out {len(X_te):,} rows (pendsk at default "
          f"hyperparameters: 200 epochs)")
    table(["model", "R² noisy", "R² truth", "90% coverage", "std corr",
           "fit s"],
          [[label, f"{r2n:.4f}", f"{r2t:.4f}", opt(cov, ".3f"), opt(corr, ".3f"),
            f"{sec:.1f}"] for label, r2n, r2t, cov, corr, sec, _ in rows])
    print(f"  reference: the article's R² (noisy targets)  {ARTICLE_R2:.3f}")
    print(f"  reference: noise ceiling = R² of the noise-free truth vs the noisy "
          f"targets  {ceiling:.4f}")
    print("  R² truth: vs PendulumSimulator(g=10) noise free on the same rows; "
          "coverage: share of noisy targets inside the 90 % interval "
          "(GaussianRegressor.predict_interval; [q05, q95]); std corr: Pearson r "
          "of the predicted std ((q95 - q05) / (2 * 1.645) for the pair) with "
          "0.1*t; quantile fit s = the three HGBs together")
    print()

    # ---------------------------------------------------------- bar checks
    print("bar checks:")
    results = []
    ratio = med[paths[0][0]] / hand
    ratio_min = min(times[paths[0][0]]) / min(times[paths[1][0]])
    results.append(check(f"pendsk/hand fit time <= {BAR_RATIO:g}", ratio <= BAR_RATIO,
                         f"median {ratio:.3f}x; for information: fastest rounds "
                         f"{ratio_min:.3f}x, skorch/hand "
                         f"{med[paths[2][0]] / hand:.2f}x"))
    sk_best = max(r[2] for r in rows if r[6].startswith("sklearn"))
    for label, _, r2t, _, _, sec, kind in rows:
        if not kind.startswith("pendsk"):
            continue
        name = label.split(" (")[0]
        results.append(check(
            f"{name} R² vs truth >= {BAR_R2_TRUTH:g} and above every scikit-learn "
            "row", r2t >= BAR_R2_TRUTH and r2t > sk_best,
            f"{r2t:.4f}; best scikit-learn {sk_best:.4f}"))
        results.append(check(f"{name} fit <= {BAR_FIT_S:g} s", sec <= BAR_FIT_S,
                             f"{sec:.1f} s"))
    g = next(r for r in rows if r[6] == "pendsk-gauss")
    q = next(r for r in rows if r[6] == "sklearn-quantile")
    lo, hi = BAR_COVERAGE
    results.append(check(
        f"GaussianRegressor 90 % coverage in [{lo:g}, {hi:g}] and closer to 0.90 "
        "than the quantile pair",
        lo <= g[3] <= hi and abs(g[3] - 0.9) < abs(q[3] - 0.9),
        f"{g[3]:.3f}; quantile pair {q[3]:.3f}"))
    results.append(check(
        f"GaussianRegressor std correlation >= {BAR_STD_CORR:g} and above the "
        "quantile pair", g[4] >= BAR_STD_CORR and g[4] > q[4],
        f"{g[4]:.3f}; quantile pair {q[4]:.3f}"))
    print(f"  {sum(results)}/{len(results)} passed")
    print()
    print(f"total benchmark time {time.perf_counter() - t_start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
