"""Benchmark of torch threads: each neural estimator alone and beside a twin.

One run, one table.  For each neural estimator's default fit on its
standard data (``TrajectoryRegressor()`` and ``GaussianRegressor()`` on
``make_pendulum_regression(random_state=0)``, ``BetaVAE()`` and
``TrajectoryGAN()`` on ``make_pendulum(400, random_state=0)``), the fit is
timed four ways, each in fresh processes:

- alone, ``n_jobs=1`` (the default: one torch thread) and ``n_jobs=2``;
- beside a second identical fit started at the same moment (a barrier
  releases both processes), again with ``n_jobs=1`` and ``n_jobs=2``.  On
  a 2-core machine ``n_jobs=2`` is what torch does by default, so that row
  is the behaviour before ``n_jobs`` existed.

Ratios: "pair/alone" is the slowdown a fit suffers from a twin (fair
sharing of 2 cores by two 1-thread fits gives 1; by two 2-thread fits, 2);
"2 thr/1 thr" compares the two thread counts alone.  To keep the run short
the fits train for ``--fraction`` of their default epochs (the per-epoch
cost is what the threads change; every row uses the same fraction).

With ``--demo REV`` the report ends with ``pendsk demo`` timed at git
revision ``REV`` (checked out in a temporary worktree) and at the working
tree, one after the other, in the same run.

How to run, from the repository root, on a machine with nothing else
running::

    PYTHONPATH=. python benchmarks/bench_threads.py
    PYTHONPATH=. python benchmarks/bench_threads.py --fraction 0.02   # smoke test
    PYTHONPATH=. python benchmarks/bench_threads.py --demo HEAD~5
"""

import argparse
import multiprocessing as mp
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty

from _report import machine_info, progress, table

ESTIMATORS = ["TrajectoryRegressor", "GaussianRegressor", "BetaVAE", "TrajectoryGAN"]


def _fit_seconds(name, n_jobs, fraction, barrier=None):
    """Seconds of one default fit (``fraction`` of its epochs) of ``name``."""
    import pendsk
    from pendsk.datasets import make_pendulum, make_pendulum_regression

    cls = getattr(pendsk, name)
    if name.endswith("Regressor"):
        data = make_pendulum_regression(random_state=0)
    else:
        data = (make_pendulum(400, random_state=0)[0],)
    default = cls().max_epochs
    if default == "auto":  # the generative models' step budget on these rows
        default = cls()._n_epochs(len(data[0]))
    epochs = max(1, round(default * fraction))
    model = cls(max_epochs=epochs, n_jobs=n_jobs, random_state=0)
    if barrier is not None:
        barrier.wait()
    start = time.perf_counter()
    model.fit(*data)
    return time.perf_counter() - start


def _worker(args, barrier, queue):
    queue.put(_fit_seconds(*args, barrier=barrier))


def timed(name, n_jobs, fraction, copies):
    """Mean wall time of ``copies`` identical fits started together."""
    ctx = mp.get_context("spawn")
    barrier, queue = ctx.Barrier(copies), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=((name, n_jobs, fraction), barrier, queue))
             for _ in range(copies)]
    for p in procs:
        p.start()
    times = []
    while len(times) < copies:
        try:
            times.append(queue.get(timeout=1.0))
        except Empty:
            if any(p.exitcode not in (None, 0) for p in procs):
                for p in procs:
                    p.kill()
                raise RuntimeError(f"a fit of {name} failed (see its traceback above)")
    for p in procs:
        p.join()
    return sum(times) / len(times)


def demo_seconds(tree, out):
    """Seconds of ``pendsk demo`` run from the source tree ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pendsk", "demo", "--out", str(out)], cwd=tree,
                   env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.1,
                        help="share of each estimator's default epochs (default 0.1)")
    parser.add_argument("--demo", metavar="REV",
                        help="also time `pendsk demo` at git revision REV and now")
    parser.add_argument("--demo-only", action="store_true",
                        help="with --demo: skip the estimators' table")
    args = parser.parse_args(argv)

    print("\n".join(machine_info()))
    rows = []
    for name in [] if args.demo_only else ESTIMATORS:
        t = {}
        for n_jobs in (1, 2):
            for copies in (1, 2):
                progress(f"{name}: n_jobs={n_jobs}, {copies} at once")
                t[n_jobs, copies] = timed(name, n_jobs, args.fraction, copies)
        rows.append([name, *(f"{t[key]:.1f}" for key in [(1, 1), (1, 2), (2, 1), (2, 2)]),
                     f"{t[1, 2] / t[1, 1]:.2f}", f"{t[2, 2] / t[2, 1]:.2f}",
                     f"{t[2, 1] / t[1, 1]:.2f}"])
    if rows:
        print(f"fits train for {args.fraction:g} of their default epochs\n")
        table(["estimator", "1 thr alone s", "1 thr pair s", "2 thr alone s", "2 thr pair s",
               "pair/alone 1 thr", "pair/alone 2 thr", "2 thr/1 thr alone"], rows)

    if args.demo:
        root = Path(__file__).resolve().parent.parent
        with tempfile.TemporaryDirectory() as tmp:
            tree = Path(tmp) / "baseline"
            subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.demo],
                           cwd=root, check=True, capture_output=True)
            try:
                progress(f"pendsk demo at {args.demo}")
                before = demo_seconds(tree, Path(tmp) / "before")
                progress("pendsk demo now")
                after = demo_seconds(root, Path(tmp) / "after")
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=root,
                               check=True, capture_output=True)
        print()
        table(["pendsk demo", f"at {args.demo} s", "now s", "now/before"],
              [["wall time", f"{before:.0f}", f"{after:.0f}", f"{after / before:.2f}"]])


if __name__ == "__main__":
    main()
