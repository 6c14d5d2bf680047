"""Throughput and accuracy of pendsk's pendulum simulator against the article.

What it measures
----------------
One table, from one run, for ``--n-trajectories`` trajectories (default
20,000) of ``--n-steps`` samples (default 500) on parameters drawn like the
article's data set (theta0, omega0 ~ U[0.5, 1.5]; length, mass ~ U[1, 2.5];
g = 10 m/s², dt = 0.01 s; fixed numpy seed):

* ``article loop (Python Euler-Cromer)`` -- a re-implementation of the
  article's generator: a pure-Python Euler-Cromer loop per trajectory into a
  preallocated ``np.zeros(N)``, then one ``np.random.normal(0, 0.1 * t)``
  draw per point appended in a Python loop.  It is slow, so it is timed on a
  subset (``--baseline-n``).  Its noise-free column is the same loop without
  the noise draws.
* ``scipy solve_ivp per trajectory`` -- DOP853, rtol = atol = 1e-10, with
  ``t_eval`` on the sample grid, one call per trajectory, timed on a subset
  (``--solve-ivp-n``).
* ``pendsk <method>`` for ``auto`` (the default), ``exact``, ``rk4`` and
  ``euler-cromer`` on every trajectory, through the user-facing path
  ``PendulumSimulator(...).fit(P).transform(P)`` (only ``transform`` is
  timed; best of ``--repeat``).  If ``from pendsk import PendulumSimulator``
  fails, the script falls back to ``pendsk.physics.solvers.simulate`` and says so.

Columns: trajectories per second without and with the article's observation
noise (std 0.1·t, i.e. ``noise_growth=0.1``), the speed-up of each against
the article loop under the same noise setting, and the max |error| in rad of
the noise-free output against the closed form (``method="exact"``, noise
free) on the same parameters.  The article records theta *after* each
update, so its value ``i`` is compared with pendsk column ``i + 1``.

After the table it prints the bar checks (default method >= 100x faster
than the article's generator, both making its noisy data, and the
noise-free ratio for information; default max error <= 1e-6)
the noise bar (below) and an accuracy sweep: ``exact`` against solve_ivp (DOP853,
rtol = atol = 1e-12) at amplitudes 30°, 90°, 150°, 179° (omega0 = 0,
L = 1, g = 9.81), ``rk4`` (dt = 0.01) against ``exact`` up to 150°, and the
drift of the article's Euler-Cromer loop after ``n_steps * dt`` = 5 s.

The noise bar: the noisy closed form (``method="exact"``, noise_std = 0.01,
noise_growth = 0.1, through ``transform``) against just writing its output
array and drawing its normals with numpy (``np.empty`` filled with zeros,
float32 normals as ``ObservationNoise`` draws them, times the std, added
into the float64 array), both on one thread, timed alternately
``--ratio-repeat`` times; it prints the median ratio
``noisy exact / (write + normals) = X.XX×`` (bar: <= 1.5×), and the same
with ``n_jobs=-1`` for information.

pendsk's simulator runs on ``n_jobs`` threads (default None: one, as in
scikit-learn), like the article loop and solve_ivp, which are
single-threaded Python loops.  Machine info is printed with the table.

How to run
----------
From the repository root::

    PYTHONPATH=. python benchmarks/bench_simulator.py
    PYTHONPATH=. python benchmarks/bench_simulator.py --n-trajectories 5000 --repeat 1

Runtime is about a minute or two on a small machine with the defaults.
"""

import argparse
import math
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp

from _report import machine_info, table

from pendsk._simulator import PARAMETER_NAMES
from pendsk._utils.threads import intra_op_threads
from pendsk.physics.closed_form import exact
from pendsk.physics.integrators import rk4
from pendsk.physics.solvers import simulate
from pendsk.datasets import ARTICLE_DT, ARTICLE_G, ARTICLE_NOISE_GROWTH, ARTICLE_RANGES
from pendsk.physics import period

try:
    from pendsk import PendulumSimulator
except Exception as exc:  # the estimator may not exist (yet)
    PendulumSimulator = None
    _IMPORT_ERROR = f"{type(exc).__name__}: {exc}"
else:
    _IMPORT_ERROR = None

G = ARTICLE_G
DT = ARTICLE_DT
NOISE_GROWTH = ARTICLE_NOISE_GROWTH  # article: std = 0.1 * t
SEED = 0
METHODS = ["auto", "exact", "rk4", "euler-cromer"]


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------

def make_params(n, seed=SEED):
    """Rows (theta0, omega0, length, mass) drawn like the article's data."""
    rng = np.random.RandomState(seed)
    return np.column_stack([rng.uniform(*ARTICLE_RANGES[name], n) for name in PARAMETER_NAMES])


# --------------------------------------------------------------------------
# article baseline
# --------------------------------------------------------------------------

def article_loop(P, n_steps, g=G, dt=DT, noise=True):
    """The article's generator, one trajectory at a time in pure Python.

    Value ``i`` of a row is theta after ``i + 1`` updates (t = (i + 1) dt).
    """
    N = n_steps
    out = np.empty((P.shape[0], N))
    for j in range(P.shape[0]):
        theta = float(P[j, 0])
        omega = float(P[j, 1])
        l = float(P[j, 2])
        theta_steps = np.zeros(N)
        for i in range(N):
            omega = omega - (g / l) * math.sin(theta) * dt
            theta = theta + omega * dt
            theta_steps[i] = theta
        if noise:
            noisy = []
            for i in range(N):
                noisy.append(theta_steps[i] + np.random.normal(0, (i * dt) * 0.1))
            out[j] = noisy
        else:
            out[j] = theta_steps
    return out


# --------------------------------------------------------------------------
# scipy reference
# --------------------------------------------------------------------------

def _rhs(g_over_l):
    def f(t, y):
        return [y[1], -g_over_l * math.sin(y[0])]
    return f


def solve_ivp_loop(P, n_steps, g=G, dt=DT, rtol=1e-10, atol=1e-10,
                   noise=False, rng=None):
    """One ``solve_ivp`` (DOP853) call per trajectory; theta at t = i dt."""
    t_eval = dt * np.arange(n_steps)
    t_end = t_eval[-1] if n_steps > 1 else 0.0
    out = np.empty((P.shape[0], n_steps))
    std = NOISE_GROWTH * t_eval
    for j in range(P.shape[0]):
        sol = solve_ivp(_rhs(g / P[j, 2]), (0.0, t_end), [P[j, 0], P[j, 1]],
                        method="DOP853", t_eval=t_eval, rtol=rtol, atol=atol)
        out[j] = sol.y[0]
        if noise:
            out[j] += rng.normal(0.0, 1.0, n_steps) * std
    return out


# --------------------------------------------------------------------------
# pendsk
# --------------------------------------------------------------------------

def _as_matrix(Y, n, n_steps):
    Y = np.asarray(Y, dtype=np.float64)
    if Y.shape != (n, n_steps):
        raise RuntimeError(
            f"expected output of shape {(n, n_steps)}, got {Y.shape}"
        )
    return Y


def pendsk_run(P, n_steps, method, noisy, repeat):
    """Best wall time of ``repeat`` runs and the last output."""
    n = P.shape[0]
    noise_growth = NOISE_GROWTH if noisy else 0.0
    best = math.inf
    Y = None
    if PendulumSimulator is not None:
        est = PendulumSimulator(n_steps=n_steps, dt=DT, g=G, damping=0.0,
                                method=method, noise_std=0.0,
                                noise_growth=noise_growth, random_state=SEED)
        est.fit(P)
        for _ in range(repeat):
            Y = None
            t0 = time.perf_counter()
            Y = est.transform(P)
            best = min(best, time.perf_counter() - t0)
    else:
        for _ in range(repeat):
            Y = None
            t0 = time.perf_counter()
            Y = simulate(P[:, 0], P[:, 1], P[:, 2], P[:, 3], g=G,
                         damping=0.0, dt=DT, n_steps=n_steps,
                         method=method, noise_std=0.0,
                         noise_growth=noise_growth, seed=SEED)
            best = min(best, time.perf_counter() - t0)
    return best, _as_matrix(Y, n, n_steps)


def write_and_normals(n, n_steps, std):
    """The floor of a noisy simulation: write the output, add float32 normals."""
    out = np.empty((n, n_steps))
    out.fill(0.0)
    z = np.random.default_rng(SEED).standard_normal((n, n_steps), dtype=np.float32)
    z *= std
    out += z
    return out


def noise_bar(P, n_steps, repeat, n_jobs=None):
    """Median over ``repeat`` alternate runs of noisy exact / (write + normals)."""
    noise_std, noise_growth = 0.01, NOISE_GROWTH
    std = (noise_std + noise_growth * DT * np.arange(n_steps)).astype(np.float32)
    sim = PendulumSimulator(n_steps=n_steps, dt=DT, g=G, method="exact",
                            noise_std=noise_std, noise_growth=noise_growth,
                            n_jobs=n_jobs, random_state=SEED).fit(P)
    ratios, t_sims, t_bases = [], [], []
    for _ in range(repeat):
        t_base, Y = timed(write_and_normals, P.shape[0], n_steps, std)
        del Y
        t_sim, Y = timed(sim.transform, P)
        del Y
        ratios.append(t_sim / t_base)
        t_sims.append(t_sim)
        t_bases.append(t_base)
    return float(np.median(ratios)), min(t_sims), min(t_bases), ratios


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

def timed(func, *args, **kwargs):
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    return time.perf_counter() - t0, out


def fmt_rate(x):
    return f"{x:,.0f}"


def fmt_ratio(x):
    if x < 1:
        return f"{x:.3f}x"
    return f"{x:,.1f}x" if x < 100 else f"{x:,.0f}x"


def fmt_err(x, is_ref=False):
    return "(reference)" if is_ref else f"{x:.2e}"


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-trajectories", type=int, default=20000)
    ap.add_argument("--n-steps", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3,
                    help="best of this many runs for the pendsk methods")
    ap.add_argument("--baseline-n", type=int, default=1000,
                    help="trajectories timed for the article loop")
    ap.add_argument("--solve-ivp-n", type=int, default=200,
                    help="trajectories timed for solve_ivp")
    ap.add_argument("--ratio-repeat", type=int, default=7,
                    help="alternate runs of the noise bar (median reported)")
    args = ap.parse_args(argv)
    n, n_steps, repeat = args.n_trajectories, args.n_steps, max(1, args.repeat)
    n_base = min(args.baseline_n, n)
    n_ivp = min(args.solve_ivp_n, n)
    t_start = time.perf_counter()

    P = make_params(n)
    np.random.seed(SEED)  # the article loop draws from the global generator

    print("pendsk simulator benchmark")
    for line in machine_info(pendsk_threads_at_n_jobs_None=intra_op_threads(None),
                             pendsk_threads_at_n_jobs_minus_1=intra_op_threads(-1)):
        print("  " + line)
    if PendulumSimulator is not None:
        print("  path: PendulumSimulator(...).fit(P).transform(P), "
              "transform timed, best of %d" % repeat)
    else:
        print("  path: FALLBACK pendsk.physics.solvers.simulate (from pendsk import "
              f"PendulumSimulator failed: {_IMPORT_ERROR}), best of {repeat}")
    print(f"  data: {n:,} trajectories x {n_steps} steps, theta0, omega0 ~ "
          f"U[0.5, 1.5], L, m ~ U[1, 2.5], g = {G:g}, dt = {DT:g}, seed {SEED}; "
          f"noise std = {NOISE_GROWTH:g}*t")
    print()

    rows = []  # (label, n_timed, rate_free, rate_noisy, max_err)

    # reference: closed form, noise free, same path as the other methods
    _, ref = pendsk_run(P, n_steps, "exact", False, 1)

    # 1. article loop
    t_free, art_free = timed(article_loop, P[:n_base], n_steps, noise=False)
    t_noisy, art_noisy = timed(article_loop, P[:n_base], n_steps, noise=True)
    # article value i is pendsk column i + 1
    err_art = float(np.max(np.abs(art_free[:, :-1] - ref[:n_base, 1:])))
    rows.append(("article loop (Python Euler-Cromer)", n_base,
                 n_base / t_free, n_base / t_noisy, err_art))
    base_free, base_noisy = rows[0][2], rows[0][3]

    # 2. solve_ivp per trajectory
    t_free, ivp_free = timed(solve_ivp_loop, P[:n_ivp], n_steps)
    t_noisy, _ = timed(solve_ivp_loop, P[:n_ivp], n_steps, noise=True,
                       rng=np.random.default_rng(SEED))
    err_ivp = float(np.max(np.abs(ivp_free - ref[:n_ivp])))
    rows.append(("scipy solve_ivp per trajectory (DOP853, rtol=atol=1e-10)",
                 n_ivp, n_ivp / t_free, n_ivp / t_noisy, err_ivp))

    # 3. pendsk methods on every trajectory
    for method in METHODS:
        t_free, Y = pendsk_run(P, n_steps, method, False, repeat)
        err = float(np.max(np.abs(Y - ref)))
        if method == "auto":
            auto_vs_ivp = float(np.max(np.abs(Y[:n_ivp] - ivp_free)))
        if method == "euler-cromer":
            # pendsk column i + 1 is the article's value i
            ec_vs_article = float(np.max(np.abs(Y[:n_base, 1:]
                                                - art_free[:, :-1])))
        del Y
        t_noisy, Y = pendsk_run(P, n_steps, method, True, repeat)
        del Y
        label = f"pendsk {method}" + (" (default)" if method == "auto" else "")
        rows.append((label, n, n / t_free, n / t_noisy, err))

    # ---------------------------------------------------------------- table
    header = ["method", "n timed", "traj/s", "traj/s +noise",
              "speed-up", "speed-up +noise", "max |err| rad"]
    body = []
    for label, n_timed, r_free, r_noisy, err in rows:
        body.append([label, f"{n_timed:,}", fmt_rate(r_free), fmt_rate(r_noisy),
                     fmt_ratio(r_free / base_free),
                     fmt_ratio(r_noisy / base_noisy),
                     fmt_err(err, label == "pendsk exact")])
    table(header, body)
    print()
    print("speed-up = traj/s / article-loop traj/s under the same noise setting; "
          "max |err| = noise-free output vs method='exact' noise-free "
          f"(article loop on its first {n_base:,} rows, shifted one column; "
          f"solve_ivp on its first {n_ivp:,} rows).")
    print()

    # ----------------------------------------------------------- bar checks
    auto = next(r for r in rows if r[0].startswith("pendsk auto"))
    s_free, s_noisy = auto[2] / base_free, auto[3] / base_noisy
    # the article's generator draws its observation noise point by point:
    # the like-for-like comparison makes the same noisy data
    ok_speed = s_noisy >= 100
    ok_err = auto[4] <= 1e-6
    print("bar checks (default method='auto'):")
    print(f"  speed-up >= 100x vs the article's generator, both making its noisy "
          f"data (std 0.1*t): {'PASS' if ok_speed else 'FAIL'} (measured "
          f"{s_noisy:,.0f}x)")
    print(f"  for information, noise-free vs the article's loop with its noise "
          f"draws removed: {s_free:,.0f}x")
    print(f"  max error <= 1e-6 rad: {'PASS' if ok_err else 'FAIL'} "
          f"(measured {auto[4]:.2e} rad vs closed form; {auto_vs_ivp:.2e} rad "
          f"vs solve_ivp DOP853 1e-10 on {n_ivp:,} rows)")
    print(f"  consistency: pendsk euler-cromer reproduces the article loop to "
          f"{ec_vs_article:.1e} rad (first {n_base:,} rows, shifted one column)")
    if PendulumSimulator is not None:
        reps = max(1, args.ratio_repeat)
        ratio, t_sim, t_base, ratios = noise_bar(P, n_steps, reps)
        print(f"  noise bar, one thread, median of {reps} alternate runs "
              f"({', '.join(f'{r:.2f}' for r in ratios)}): "
              f"noisy exact / (write + normals) = {ratio:.2f}x "
              f"{'PASS' if ratio <= 1.5 else 'FAIL'} (<= 1.5x; best {t_sim:.3f} s "
              f"vs {t_base:.3f} s)")
        ratio, t_sim, t_base, _ = noise_bar(P, n_steps, reps, n_jobs=-1)
        print(f"  for information, n_jobs=-1 ({intra_op_threads(-1)} threads) against "
              f"the same one-thread floor: {ratio:.2f}x (best {t_sim:.3f} s vs "
              f"{t_base:.3f} s)")
    print()

    # -------------------------------------------------------- accuracy sweep
    g_s, L_s = 9.81, 1.0
    amps = [30.0, 90.0, 150.0, 179.0]
    th0 = np.radians(amps)
    zeros = np.zeros_like(th0)
    ones = np.ones_like(th0)
    ex = exact(th0, zeros, L_s * ones, ones, g=g_s, dt=DT, n_steps=n_steps)
    Pd = np.column_stack([th0, zeros, L_s * ones, ones])
    ivp = solve_ivp_loop(Pd, n_steps, g=g_s, rtol=1e-12, atol=1e-12)
    rk = rk4(th0, zeros, L_s * ones, ones, g=g_s, dt=DT, n_steps=n_steps)
    T = period(th0, zeros, L_s * ones, g=g_s)
    print(f"accuracy sweep (omega0 = 0, L = {L_s:g}, g = {g_s:g}, dt = {DT:g}, "
          f"{n_steps} steps = {n_steps * DT:g} s):")
    print("  " + "  ".join(["amplitude", "period s", "exact vs solve_ivp 1e-12",
                            "rk4 vs exact"]))
    for k, a in enumerate(amps):
        e_ivp = float(np.max(np.abs(ex[k] - ivp[k])))
        e_rk = float(np.max(np.abs(rk[k] - ex[k])))
        rk_txt = f"{e_rk:.2e}" if a <= 150 else "(not in bar)"
        print(f"  {a:>8.0f}°  {T[k]:>8.4f}  {e_ivp:>24.2e}  {rk_txt:>12}")
    e_rk150 = float(np.max(np.abs(rk[:3] - ex[:3])))
    print(f"  rk4 (dt={DT:g}) vs exact up to 150°: max {e_rk150:.2e} rad")

    # article Euler-Cromer drift at t = n_steps * dt (its last value)
    Pb = P[:n_base]
    ex_b = exact(Pb[:, 0], Pb[:, 1], Pb[:, 2], Pb[:, 3], g=G, dt=DT,
                 n_steps=n_steps + 1)
    drift = np.abs(art_free[:, -1] - ex_b[:, -1])
    print(f"  article Euler-Cromer drift after {n_steps * DT:g} s "
          f"({n_base:,} article trajectories): max {drift.max():.3f} rad, "
          f"mean {drift.mean():.3f} rad")
    print()
    print(f"total benchmark time {time.perf_counter() - t_start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
