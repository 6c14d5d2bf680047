"""Benchmark of model selection: one GridSearchCV over BetaVAE, three ways.

One run, one report.  The same search,
``GridSearchCV(BetaVAE(max_epochs=200, random_state=SEED), {"beta": [1, 4,
10], "latent_dim": [4, 6]}, cv=3)`` (6 candidates × 3 folds = 18 fits, plus
the refit of the best candidate on all rows), on
``make_pendulum(n_samples=400, noise_std=0.01, noise_growth=0.0,
random_state=SEED)`` (400 trajectories of 500 steps; each fit trains on 266
or 267 rows), scored by ``BetaVAE.score`` (mean ELBO, β = 1), timed as:

1. ``n_jobs=1``: in this process (torch on one thread, see below);
2. ``n_jobs=2`` with joblib's default loky backend: two worker processes;
3. a Dask ``LocalCluster(n_workers=2, threads_per_worker=1,
   processes=True)`` and ``joblib.parallel_backend("dask")``.

Threads, to make the comparison fair: no configuration oversubscribes the
cores, and each runs torch with the thread count that is fastest for these
small networks, one.  The serial search runs with
``torch.set_num_threads(1)`` (``--serial-threads`` changes it): on a
2-core machine a second intra-op thread does not pay for a 500-256-128
network on 64-row batches, and on a shared machine torch's OpenMP threads
wait on each other, so a fit with 2 threads can take many times longer
than with 1 (a probe line in the report times one fit both ways, so the
choice is measured in the same run).  Each of the two parallel workers
runs torch on one thread: loky already limits its workers' OpenMP/MKL/BLAS
pools (the ``OMP_NUM_THREADS`` it sets is ``cpu_count // n_jobs``, which
torch reads at import); here the search runs under
``joblib.parallel_config(backend="loky", inner_max_num_threads=1)`` so that
the limit is explicit and the same on any machine.  Dask's nanny starts
workers with ``OMP_NUM_THREADS=1`` (``distributed.nanny.pre-spawn-environ``)
and the script also calls ``torch.set_num_threads(1)`` on each worker.  The
torch thread counts seen inside the workers are printed.  So the parallel
rows can be at most ``n_workers`` times faster than the serial one.

Timing: ``time.perf_counter`` around ``GridSearchCV.fit`` (refit included:
it runs in this process in all three, on the serial search's threads).
Worker processes are started and have imported pendsk before the clock
starts, so the one-off start-up is reported in its own column, not in the
search time.  Each search runs once.  The check at the end:
``best_params_`` agree across the three, and the largest difference of
``cv_results_["mean_test_score"]`` from the serial search is printed (0
when every process runs torch on the same number of threads: the fits are
then bit-for-bit the same).

How to run
----------
From the repository root::

    PYTHONPATH=. python benchmarks/bench_search.py
    PYTHONPATH=. python benchmarks/bench_search.py --quick   # smoke test

``--quick`` trains each network for 3 epochs (about half a minute in all,
mostly starting workers); its times are not results.  The full run takes
3 to 4 minutes on a 2-core machine.  Progress lines go to stderr, the
report to stdout.  On a shared machine, other work competing for the cores
slows all rows, the parallel ones most (they need both cores at once).
"""

import argparse
import logging
import os
import sys
import time
from pathlib import Path

import joblib
import numpy as np
import torch
from sklearn.model_selection import GridSearchCV

from _report import machine_info, progress, table

import pendsk
from pendsk import BetaVAE
from pendsk.datasets import make_pendulum

GRID = {"beta": [1.0, 4.0, 10.0], "latent_dim": [4, 6]}
CV = 3
N_SAMPLES = 400
NOISE_STD = 0.01
EPOCHS = 200
QUICK_EPOCHS = 3
N_WORKERS = 2
PROBE_EPOCHS = 20


def make_search(epochs, seed, n_jobs=None):
    return GridSearchCV(BetaVAE(max_epochs=epochs, random_state=seed), GRID, cv=CV,
                        n_jobs=n_jobs, error_score="raise")


def worker_threads():
    """Torch's thread count in this process, after a warm-up: import pendsk
    and fit one epoch on 64 rows of the benchmark's width."""
    import numpy as np
    import torch

    from pendsk import BetaVAE
    BetaVAE(max_epochs=1, random_state=0).fit(
        np.random.default_rng(0).normal(size=(64, 500)))
    return torch.get_num_threads()


def timed_search(X, epochs, seed, n_jobs=None):
    search = make_search(epochs, seed, n_jobs)
    t0 = time.perf_counter()
    search.fit(X)
    return time.perf_counter() - t0, search


def thread_probe(X, seed, threads):
    """Seconds of one fit (one fold's rows, PROBE_EPOCHS epochs) per torch
    thread count, in this process."""
    rows = X[:len(X) * (CV - 1) // CV]
    before, seconds = torch.get_num_threads(), {}
    try:
        for n in threads:
            torch.set_num_threads(n)
            progress(f"thread probe: one fit, {PROBE_EPOCHS} epochs, torch {n} thread(s)")
            BetaVAE(max_epochs=2, random_state=seed).fit(rows)  # warm-up
            t0 = time.perf_counter()
            BetaVAE(max_epochs=PROBE_EPOCHS, random_state=seed).fit(rows)
            seconds[n] = time.perf_counter() - t0
    finally:
        torch.set_num_threads(before)
    return seconds


def run_serial(X, epochs, seed):
    progress(f"n_jobs=1 (torch {torch.get_num_threads()} thread(s))")
    seconds, search = timed_search(X, epochs, seed, n_jobs=1)
    return dict(label="n_jobs=1", workers=f"1 × {torch.get_num_threads()}",
                start=None, seconds=seconds, search=search)


def run_loky(X, epochs, seed):
    with joblib.parallel_config(backend="loky", inner_max_num_threads=1):
        progress("n_jobs=2 (loky): starting the workers")
        t0 = time.perf_counter()
        threads = joblib.Parallel(n_jobs=N_WORKERS)(
            joblib.delayed(worker_threads)() for _ in range(4 * N_WORKERS))
        start = time.perf_counter() - t0
        progress("n_jobs=2 (loky): search")
        seconds, search = timed_search(X, epochs, seed, n_jobs=N_WORKERS)
    return dict(label=f"n_jobs={N_WORKERS} (loky)",
                workers=f"{N_WORKERS} × {'/'.join(map(str, sorted(set(threads))))}",
                start=start, seconds=seconds, search=search)


def run_dask(X, epochs, seed):
    from distributed import Client, LocalCluster

    progress("Dask LocalCluster: starting the workers")
    root = str(Path(pendsk.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=N_WORKERS, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR,
                           env={"PYTHONPATH": path})
    with Client(cluster) as client:
        client.run(torch.set_num_threads, 1)
        threads = client.run(worker_threads)
        start = time.perf_counter() - t0
        progress("Dask LocalCluster: search")
        with joblib.parallel_backend("dask"):
            seconds, search = timed_search(X, epochs, seed)
    cluster.close()
    return dict(label=f"Dask LocalCluster ({N_WORKERS} processes)",
                workers=f"{N_WORKERS} × {'/'.join(map(str, sorted(set(threads.values()))))}",
                start=start, seconds=seconds, search=search)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0,
                    help="seed of the data and of every BetaVAE")
    ap.add_argument("--serial-threads", type=int, default=1,
                    help="torch.set_num_threads for this process: the n_jobs=1 search "
                         "and every refit (default 1, see the module docstring)")
    ap.add_argument("--quick", action="store_true",
                    help=f"smoke test: {QUICK_EPOCHS} epochs per fit")
    args = ap.parse_args(argv)
    epochs = QUICK_EPOCHS if args.quick else EPOCHS
    t_start = time.perf_counter()
    default_threads = torch.get_num_threads()

    X, _ = make_pendulum(n_samples=N_SAMPLES, noise_std=NOISE_STD, noise_growth=0.0,
                         random_state=args.seed)
    probe = thread_probe(X, args.seed, sorted({1, default_threads}))
    torch.set_num_threads(max(1, args.serial_threads))
    runs = [run_serial(X, epochs, args.seed), run_loky(X, epochs, args.seed),
            run_dask(X, epochs, args.seed)]

    serial = runs[0]
    n_candidates = len(serial["search"].cv_results_["params"])
    print("pendsk model-selection benchmark" + (
        f" (QUICK: smoke test, {QUICK_EPOCHS} epochs per fit; times are not results)"
        if args.quick else ""))
    for line in machine_info(torch_threads=torch.get_num_threads(),
                             torch_default_threads=default_threads):
        print("  " + line)
    if hasattr(os, "getloadavg"):
        print("  load average before the report (1, 5, 15 min): "
              + ", ".join(f"{v:.2f}" for v in os.getloadavg()))
    print(f"  search: GridSearchCV(BetaVAE(max_epochs={epochs}, random_state={args.seed}),"
          f" {GRID}, cv={CV}): {n_candidates} candidates × {CV} folds = "
          f"{n_candidates * CV} fits + 1 refit")
    print(f"  data: make_pendulum({N_SAMPLES}, noise_std={NOISE_STD:g}, noise_growth=0, "
          f"random_state={args.seed}): {X.shape[0]} × {X.shape[1]}")
    print("  thread probe, one fit in this process (" + ", ".join(
        f"torch {n} thread(s): {t:.2f} s" for n, t in probe.items())
        + f"; {PROBE_EPOCHS} epochs on {N_SAMPLES * (CV - 1) // CV} rows)")
    print()

    rows = []
    for run in runs:
        s = run["search"]
        rows.append([run["label"], run["workers"],
                     "—" if run["start"] is None else f"{run['start']:.1f}",
                     f"{run['seconds']:.1f}", f"{run['seconds'] / serial['seconds']:.2f}",
                     f"{serial['seconds'] / run['seconds']:.2f}x",
                     str(s.best_params_), f"{s.best_score_:.2f}"])
    table(["configuration", "workers × torch threads", "start s", "search s",
           "time / n_jobs=1", "speed-up", "best_params_", "best ELBO"], rows)
    print("  start s: one-off worker start-up and pendsk import, not in the search "
          "time; search s: GridSearchCV.fit, refit included")
    print()

    agree = all(r["search"].best_params_ == serial["search"].best_params_ for r in runs)
    scores = serial["search"].cv_results_["mean_test_score"]
    diff = max(float(np.max(np.abs(r["search"].cv_results_["mean_test_score"] - scores)))
               for r in runs[1:])
    print(f"check: best_params_ agree across the three: {'PASS' if agree else 'FAIL'} "
          f"({serial['search'].best_params_})")
    print(f"  largest |mean_test_score - serial's| over the candidates: {diff:.3g} nats "
          f"(scores span {np.ptp(scores):.3g})")
    print()
    print(f"total benchmark time {time.perf_counter() - t_start:.1f} s")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
