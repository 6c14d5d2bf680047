"""Benchmark: what a default fit of the generative models costs as the rows grow.

One run, one table.  Pendulum trajectories as in ``bench_generative.py``,
``make_pendulum(n, noise_std=0.01, noise_growth=0.0, g=10,
random_state=SEED)``; the last 400 rows are held out, and each model is
fitted with its defaults (``max_epochs="auto"``, ``random_state=SEED``) on
the first 400 rows and on the first 4,000 (``--rows``), in that order, in
this one process.

Per model and size: fit seconds, optimizer steps (batches; a GAN's critic
and generator steps both count), and quality on the held-out rows:
``BetaVAE()``'s reconstruction RMSE (``inverse_transform(transform(X))``)
and ``TrajectoryGAN()``'s MMD² of samples (mean of 5 draws of 400,
``pendsk.metrics.maximum_mean_discrepancy``).  The last column divides the
large fit's figure by the small one's.

Bar (issue 19): BetaVAE's fit on 10× the rows takes at most 3× the
seconds, with a held-out RMSE no worse (at most 1.0× the small fit's).

How to run
----------
From the repository root, on a quiet machine (nothing else running)::

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bench_fitcost.py
    PYTHONPATH=. python benchmarks/bench_fitcost.py --models vae  # BetaVAE only

Progress lines go to stderr, the report to stdout.
"""

import argparse
import time

import numpy as np
import torch

from _report import machine_info, progress, table

from pendsk import BetaVAE, TrajectoryGAN
from pendsk.datasets import make_pendulum
from pendsk.metrics import maximum_mean_discrepancy

SEED = 0
N_HELD_OUT = 400
N_DRAWS = 5
BAR_TIME, BAR_QUALITY = 3.0, 1.0


def optimizer_steps(model):
    """Optimizer steps of a fit: one per training batch, two for a GAN
    batch with a generator step (held-out batches do not count)."""
    return sum((("critic_loss" in b) + ("generator_loss" in b)) or ("train_loss" in b)
               for batches in model.history_[:, "batches"] for b in batches)


def quality(model, X_te):
    """Held-out RMSE of a VAE's reconstructions, or mean MMD² of a GAN's samples."""
    if isinstance(model, BetaVAE):
        return float(np.sqrt(np.mean((model.inverse_transform(model.transform(X_te))
                                      - X_te) ** 2)))
    return float(np.mean([maximum_mean_discrepancy(X_te, model.sample(len(X_te),
                                                                      random_state=s))
                          for s in range(N_DRAWS)]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs=2, default=(400, 4000),
                        help="the small and the large training sizes")
    parser.add_argument("--models", nargs="+", choices=("vae", "gan"),
                        default=("vae", "gan"))
    args = parser.parse_args()
    small, large = args.rows
    X = make_pendulum(large + N_HELD_OUT, noise_std=0.01, noise_growth=0.0, g=10,
                      random_state=SEED)[0]
    X_te = X[-N_HELD_OUT:]
    makers = {"vae": ("BetaVAE()", "held-out RMSE", BetaVAE),
              "gan": ("TrajectoryGAN()", "MMD² of samples", TrajectoryGAN)}
    body = []
    for key in args.models:
        name, measure, cls = makers[key]
        results = []
        for n in (small, large):
            progress(f"{name} on {n} rows")
            model = cls(random_state=SEED)
            start = time.perf_counter()
            model.fit(X[:n])
            seconds = time.perf_counter() - start
            results.append((n, seconds, optimizer_steps(model), quality(model, X_te)))
        (n0, s0, k0, q0), (n1, s1, k1, q1) = results
        verdict = ""
        if key == "vae":
            ok = s1 <= BAR_TIME * s0 and q1 <= BAR_QUALITY * q0
            verdict = "PASS" if ok else "FAIL"
        for n, seconds, steps, value in results:
            body.append([name if n == n0 else "", str(n), f"{seconds:.1f}", str(steps),
                         f"{measure} {value:.4g}", "", ""])
        body.append(["", f"{n1 // n0}× rows", f"{s1 / s0:.2f}×", f"{k1 / k0:.2f}×",
                     f"{q1 / q0:.2f}×", "", verdict])
    for line in machine_info(torch_threads=torch.get_num_threads()):
        print(line)
    print(f"pendulum rows (noise 0.01 rad), {N_HELD_OUT} held out; defaults, "
          f"random_state={SEED}")
    table(["model", "rows", "fit s", "steps", "quality (held out)", "", "bar"], body)


if __name__ == "__main__":
    main()
