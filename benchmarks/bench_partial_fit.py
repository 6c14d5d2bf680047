"""Benchmark: what ``partial_fit`` costs against ``fit``, and whether a
call's cost grows with the calls before it.

One run, one table.  Every neural estimator with its defaults
(``random_state=SEED``) on 400 rows: pendulum trajectories as in
``bench_generative.py`` (``make_pendulum(400, noise_std=0.01,
noise_growth=0.0, g=10)``) for the generative models, 400 rows of
``make_pendulum_regression`` for the regressors.  Per model, in this one
process: the seconds of one ``fit(max_epochs=10)``, of 10 ``partial_fit``
calls on a fresh estimator (the first builds the network and fits the
scaling and, for the latent models, the prior), and the median seconds of
calls 2-10 and of calls 21-30 of a run of 30 (a cost that grows with the
number of calls shows as a ratio above 1).

Bar (issue 25): 10 ``partial_fit`` calls cost at most 2× one
``fit(max_epochs=10)``; BetaVAE's default prior (a Gaussian mixture) is
updated from its current components on each call instead of refitted
from scratch (``MixturePrior.update``).

How to run
----------
From the repository root, on a quiet machine (nothing else running)::

    PYTHONPATH=. python benchmarks/bench_partial_fit.py

Progress lines go to stderr, the report to stdout.
"""

import time

import numpy as np
import torch

from _report import machine_info, progress, table

from pendsk import BetaVAE, GaussianRegressor, PhysicsVAE, TrajectoryGAN, TrajectoryRegressor
from pendsk.datasets import make_pendulum, make_pendulum_regression

SEED = 0
N_ROWS = 400
BAR = 2.0


def timed(call):
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main():
    X = make_pendulum(N_ROWS, noise_std=0.01, noise_growth=0.0, g=10, random_state=SEED)[0]
    reg = make_pendulum_regression(N_ROWS, random_state=SEED)[:2]
    models = [("TrajectoryRegressor()", TrajectoryRegressor, reg),
              ("GaussianRegressor()", GaussianRegressor, reg),
              ("TrajectoryGAN()", TrajectoryGAN, (X,)),
              ("BetaVAE()", BetaVAE, (X,)),
              ("BetaVAE(prior='standard')", lambda **kw: BetaVAE(prior="standard", **kw),
               (X,)),
              ("PhysicsVAE()", PhysicsVAE, (X,))]
    body = []
    for name, make, data in models:
        progress(name)
        fit = timed(lambda: make(random_state=SEED, max_epochs=10).fit(*data))
        model = make(random_state=SEED)
        calls = [timed(lambda: model.partial_fit(*data)) for _ in range(30)]
        ten = sum(calls[:10])
        early, late = np.median(calls[1:10]), np.median(calls[20:30])
        body.append([name, f"{fit:.2f}", f"{ten:.2f}", f"{ten / fit:.2f}×",
                     f"{early:.3f}", f"{late:.3f}", f"{late / early:.2f}×",
                     "PASS" if ten <= BAR * fit else "FAIL"])
    for line in machine_info(torch_threads=torch.get_num_threads()):
        print(line)
    print(f"{N_ROWS} rows; defaults, random_state={SEED}; seconds")
    table(["model", "fit(10)", "10 partial", "ratio", "call 2-10", "call 21-30", "growth",
           f"≤ {BAR:g}×"], body)


if __name__ == "__main__":
    main()
