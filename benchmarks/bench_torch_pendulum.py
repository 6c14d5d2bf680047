"""Speed and accuracy of the differentiable torch pendulum against RK4 in torch.

What it measures
----------------
One table, from one run: the time of a forward and a backward pass (the
gradient of ``theta.square().sum()`` with respect to theta0, omega0 and the
natural frequency) for ``--batch`` trajectories (default 64) of
``--n-steps`` samples (default 500, dt = 0.01 s), best of ``--repeat``
after one warm-up call, in float32 and float64, on ``--threads`` torch
threads (default 1), for

* ``elliptic, uniform grid`` -- :func:`pendulum_trajectory_uniform`, the
  closed form with Jacobi elliptic functions from the AGM at about
  ``2 sqrt(n_steps)`` points per row, combined by the addition theorem;
* ``elliptic, any t`` -- :func:`pendulum_trajectory`, the AGM at every
  time point;
* ``RK4 torch loop`` -- classic fourth-order Runge-Kutta in torch, one
  step of dt per sample, a Python loop over the steps (vectorised over
  the batch), autograd through the loop.

Parameters are drawn like the article's data (theta0, omega0 ~ U[0.5, 1.5],
L ~ U[1, 2.5], g = 10, natural frequency sqrt(g / L); fixed numpy seed).
The last column is the max |error| [rad] against ``pendsk.physics.solvers.exact``
(float64 numpy closed form) on the same parameters.

How to run
----------
From the repository root::

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/bench_torch_pendulum.py

It takes a few seconds.
"""

import argparse
import time

import numpy as np
import torch
from _report import machine_info, table

from pendsk.physics.closed_form import exact
from pendsk.physics.torch_pendulum import pendulum_trajectory, pendulum_trajectory_uniform


def rk4_trajectory(theta0, omega0, natural_frequency, t):
    """RK4 in torch with a Python loop over the uniform grid ``t``."""
    dt = t[1] - t[0]
    w2 = natural_frequency**2
    th, om = theta0, omega0
    out = [th]
    for _ in range(t.shape[0] - 1):
        a1 = -w2 * torch.sin(th)
        a2 = -w2 * torch.sin(th + dt / 2 * om)
        a3 = -w2 * torch.sin(th + dt / 2 * (om + dt / 2 * a1))
        a4 = -w2 * torch.sin(th + dt * (om + dt / 2 * a2))
        th, om = (th + dt * (om + dt / 6 * (a1 + a2 + a3)),
                  om + dt / 6 * (a1 + 2 * a2 + 2 * a3 + a4))
        out.append(th)
    return torch.stack(out, dim=1)


UNIFORM = "elliptic, uniform grid (pendulum_trajectory_uniform)"
GENERAL = "elliptic, any t (pendulum_trajectory)"


def uniform(theta0, omega0, natural_frequency, t):
    """:func:`pendulum_trajectory_uniform` on the grid ``t`` (uniform from 0)."""
    return pendulum_trajectory_uniform(theta0, omega0, natural_frequency,
                                       float(t[1] - t[0]), t.shape[0])


def time_call(func, params, t, repeat):
    """Best time of forward + backward, and the forward's output."""
    best, theta = float("inf"), None
    for i in range(repeat + 1):
        leaves = [p.detach().clone().requires_grad_(True) for p in params]
        start = time.perf_counter()
        theta = func(*leaves, t)
        theta.square().sum().backward()
        elapsed = time.perf_counter() - start
        if i:  # the first call warms up
            best = min(best, elapsed)
    return best, theta.detach()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--n-steps", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    rng = np.random.default_rng(0)
    theta0 = rng.uniform(0.5, 1.5, args.batch)
    omega0 = rng.uniform(0.5, 1.5, args.batch)
    length = rng.uniform(1.0, 2.5, args.batch)
    g, dt = 10.0, 0.01
    reference = exact(theta0, omega0, length, g=g, dt=dt, n_steps=args.n_steps)

    rows = []
    for dtype in (torch.float32, torch.float64):
        params = [torch.tensor(v, dtype=dtype)
                  for v in (theta0, omega0, np.sqrt(g / length))]
        t = dt * torch.arange(args.n_steps, dtype=dtype)
        for name, func in [(UNIFORM, uniform), (GENERAL, pendulum_trajectory),
                           ("RK4 torch loop", rk4_trajectory)]:
            seconds, theta = time_call(func, params, t, args.repeat)
            error = np.abs(theta.double().numpy() - reference).max()
            rows.append([name, str(dtype).replace("torch.", ""),
                         f"{1e3 * seconds:.2f}", f"{error:.1e}"])
    rows_ms = {(r[0], r[1]): float(r[2]) for r in rows}

    for line in machine_info(torch_threads=torch.get_num_threads()):
        print(line)
    print(f"\nbatch {args.batch} x {args.n_steps} steps (dt = {dt} s), forward + backward, "
          f"best of {args.repeat}\n")
    table(["method", "dtype", "ms", "max |error| [rad]"], rows)
    print()
    for dtype in ("float32", "float64"):
        rk4_ms = rows_ms[("RK4 torch loop", dtype)]
        print(f"{dtype}: the RK4 loop takes {rk4_ms / rows_ms[(UNIFORM, dtype)]:.1f}x the "
              f"time of the uniform-grid elliptic form, "
              f"{rk4_ms / rows_ms[(GENERAL, dtype)]:.1f}x that of the any-t one")


if __name__ == "__main__":
    main()
