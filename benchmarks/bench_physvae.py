"""PhysicsVAE head to head with Phys-VAE, on Phys-VAE's own pendulum benchmark.

One run, one table per case (issue 26).  PhysicsVAE's decoder knows only
the undamped, unforced pendulum, as Phys-VAE's does in its pendulum
experiment (Takeishi & Kalousis, NeurIPS 2021, arXiv 2102.13156): what
else moves the rows is left to its auxiliary latents.

Cases
-----
- ``phys-vae``: Phys-VAE's forced damped pendulum, as its repository makes
  it (github.com/n-takeishi/phys-vae, ``data/pendulum/generate.py`` with the
  settings of ``data/pendulum/makedata.sh``):
  θ'' = A ω² cos(2π f t) - γ θ' - ω² sin θ, θ'(0) = 0, 50 samples at
  t = 0, 0.05, ..., 2.45 s, θ0 ~ U(-1.57, 1.57), ω ~ U(0.785, 3.14),
  γ ~ U(0, 0.8), f ~ U(3.14, 6.28), A ~ U(0, 40), and Gaussian observation
  noise of std 0.01 added.  As there, ``np.random.default_rng(seed)`` draws
  θ0, ω, γ, A and f (in that order, each for all rows), then the noise;
  1,000 training rows with seed 1234 and 1,000 test rows with seed 1236,
  and a second draw of both, seeds 2234 and 2236 (its 500 validation
  rows, seed 1235, select Phys-VAE's model; no model here is selected, so
  they are not made).  One difference: generate.py
  integrates each row with solve_ivp's default tolerances and dense output;
  here DOP853 runs all rows as one system with rtol 1e-10, atol 1e-12 at
  the grid (on 200 rows the two differ by 2e-4 rad RMS, 3e-3 rad at most,
  well under the noise; the draws are the same number for number).
- ``damped``: θ'' = -(g / L) sin θ - b / (m L²) θ' (pendsk's
  ``PendulumSimulator`` convention), g = 10, θ0, ω0 ~ U(0.5, 1.75),
  L ~ U(1, 3) m, m = 1 kg, b ~ U(0.05, 0.3) N·m·s per row, noise std 0.01,
  on ``make_pendulum``'s default grid (500 samples of 0.01 s); 400 training
  rows (seed 0), 200 held out (seed 1), and a second draw (seeds 2, 3).
  ``make_pendulum`` takes one damping for all rows; the mass enters the equation only through
  b / (m L²), so rows are simulated by ``PendulumSimulator(damping=0.3)``
  with mass 0.3 / b: the same equation.  Fitted twice: with damping
  unknown (``PhysicsVAE()``, the undamped physics and its correction) and
  known (``PhysicsVAE(physics="damped")``, a fourth latent, the damping
  rate b / (m L²) [1/s], and the damped equation integrated in the
  decoder).

Models (defaults unless said; the training seeds over ``--train-seeds``)
------------------------------------------------------------------------
- ``PhysicsVAE(dt=...)`` with the case's dt: θ0, ω0 and the natural
  frequency from ``transform``, reconstructions by ``inverse_transform``.
  (Phys-VAE's pendulum model is told θ'(0) = 0 and takes θ(0) from the
  first sample; PhysicsVAE infers both.)
- physics only: ``pendulum_residual(X_test, g=10, dt=..., return_factors=True)``,
  the least-squares exact undamped pendulum per test row; ω = sqrt(g / L)
  of the fitted L; its fit is its reconstruction (``fit s``: the fits of
  the test rows).
- ``PhysicsVAE(dt=0.05, correction="ode", aux_dim=4)`` (phys-vae case):
  the correction as forces in the equation of motion, a drive in units of
  the restoring force's scale (so it scales with ω² in a counterfactual,
  as this data's forcing A ω² cos(2π f t) does) and a viscous friction,
  from four auxiliary latents (the forcing's amplitude and frequency and
  the damping: three numbers the physics leaves out; three latents
  reconstructed the test rows to 0.043 rad against four's 0.032 in a
  single trial, and Phys-VAE has three); and the same with
  ``augmentation_weight=50``, the augmentation penalty (Phys-VAE's
  data-augmentation regulariser with the learned correction kept in the
  synthetic rows; 50 inferred ω at r 0.988 in a single trial, 150 at 0.988
  with a worse reconstruction, and 500 at 0.983); and the same trained
  for ``max_epochs=600`` (the default's 300 twice: the drive family the
  decoder learns improves with training, and refined codes then read ω
  better than the encoder's, where at 300 epochs they read it worse).
- ``PhysicsVAE(dt=0.05, correction="harmonic", aux_dim=3,
  augmentation_weight=50)`` (phys-vae case): the same forces with the
  drive harmonic, ``a cos(W t) + b sin(W t)`` in the ode setting's units,
  its frequency ``W`` a latent (``drive_frequency``, started at the peak of
  the spectrum of each row's unexplained acceleration) and ``a``, ``b`` and
  the friction from three auxiliary latents.  It assumes more than
  Phys-VAE's setting (a drive of one frequency, where Phys-VAE's neural
  ODE assumes none), and it is what the counterfactual asks: a free-form
  drive fitted to the rows at one frequency fits them as well but need not
  carry to another (the ode rows' ``CF`` columns).
- every PhysicsVAE above again, and BetaVAE below, with
  ``refine_steps=200``: the same fitted model (``refine_steps`` is read at
  transform), its test codes refined by 200 steps up each row's log joint
  density (semi-amortised inference).
- ideal estimator (phys-vae case, a bound, not a model): how well any
  estimator could infer ω from these rows even knowing the exact equation.
  The Fisher information of each test row's six unknowns (θ0, θ'(0), ω,
  γ, A, f; finite differences of the DOP853 solution at the truth, noise
  0.01) gives the Cramér-Rao variance of ω; combined with the uniform
  prior's variance (a Laplace approximation of the Bayes posterior) it
  bounds the correlation of the best estimate with the truth:
  r² ≤ 1 - mean(posterior variance) / var(ω).  Rows that start near the
  bottom hardly swing, and their ω shows only through the forcing's
  response.  Its ``CF s×``: the posterior's spread of all six unknowns
  carried by the Jacobian of the rows simulated with ω s (the error that
  the ideal estimator's posterior mean would make, the root of its
  expected squared error per row): what the counterfactual bar asks of a
  model against what the data allow.
- network only: ``BetaVAE(beta=10)``, reconstructions
  ``inverse_transform(transform(X))``; its ω, a ``LinearRegression`` from
  the training rows' codes to their true ω, applied to the test codes;
  and refined as the PhysicsVAE rows are (the probe then fitted to the
  training rows' refined codes).
- Phys-VAE's published figures: only those its paper or repository states.

Scores (test rows; mean ± std over training seeds)
--------------------------------------------------
One table per data draw, then one of all draws pooled (mean ± std over
draws and training seeds).

- ``rec obs``, ``rec truth``: reconstruction RMSE [rad] against the noisy
  rows and against the noise-free ones: the mean over rows of each row's
  RMSE, for every model.
- ``ω r``, ``ω RMSE``: Pearson correlation and RMSE [rad/s] of the inferred
  natural frequency (PhysicsVAE: ``transform(X)[:, 2]``) with the true one.
- ``CF s×``: counterfactual RMSE [rad] at s = 0.5, 1.5, 2: PhysicsVAE's
  test codes with the natural frequency times s, decoded, against the true
  simulator rerun noise-free with ω s and every other parameter kept (θ0,
  γ, f, A; damped: θ0, ω0 and the rate b / (m L²)).  In the phys-vae case
  the forcing A ω² cos(2π f t) scales with ω² too, as the equation says.
  (Phys-VAE's ``pendulum_cntfact.ipynb`` reruns its simulator with the
  *inferred* ω times s; here it is the true ω.)  Physics only: its fitted
  θ0 and ω0 with ω s, undamped.  BetaVAE has no frequency to move: "—".
- ``γ r``: the correlation of the inferred damping rate with the true
  b / (m L²) (damping known only).
- ``fit s``: seconds of ``fit``; ``× β-VAE``: PhysicsVAE's over
  BetaVAE(beta=10)'s fit with the same seed (a refined row: its model's
  fit); ``transform s``: seconds of ``transform`` on the test rows.

Bars (issue 26; verdicts at the end, means over draws and seeds)
----------------------------------------------------------------
phys-vae: PhysicsVAE's ω r ≥ 0.99 and above physics only's; its rec obs
≤ BetaVAE's; CF 1.5× ≤ 2 × noise (0.02 rad) (each for the default and
for ``correction="ode"`` and ``"harmonic"`` with the augmentation
penalty, amortised and refined).  damped (damping unknown):
natural-frequency r ≥ 0.99, rec obs ≤ BetaVAE's; damping known: γ r ≥
0.99.  Both: PhysicsVAE's default fit ≤ 3 × BetaVAE(beta=10)'s (the
damped physics, which integrates, is timed but held to no bar).

How to run
----------
From the repository root, on a quiet machine::

    PYTHONPATH=. python benchmarks/bench_physvae.py --jobs 2   # about an hour
    PYTHONPATH=. python benchmarks/bench_physvae.py --quick    # smoke test

``--quick`` uses 100 training rows (and 100 test rows; damped: 50) of
each case's first draw, trains each network for a few epochs with one
training seed, refines codes by 10 steps, and prints no verdicts.
``--jobs`` runs that many data draws at once, each in its own process (a
model's fit time is compared with BetaVAE's of the same draw and seed,
timed in the same process).  Every torch path runs on ``--threads``
threads (default 1).
Progress lines go to stderr, the report to stdout.
"""

import argparse
import time
import warnings

import numpy as np
import torch
from joblib import Parallel, delayed
from scipy.integrate import solve_ivp
from scipy.stats import pearsonr
from sklearn.linear_model import LinearRegression
from sklearn.metrics import root_mean_squared_error

from _report import machine_info, progress, table, training_arguments

from pendsk import BetaVAE, PendulumSimulator, PhysicsVAE
from pendsk.datasets import ARTICLE_DT, ARTICLE_N_STEPS
from pendsk.exceptions import CollapseWarning
from pendsk.metrics import pendulum_residual

G, NOISE = 10.0, 0.01
SCALES = (0.5, 1.5, 2.0)
#: Phys-VAE's pendulum (data/pendulum/makedata.sh), in generate.py's order of draws.
PV_DT, PV_STEPS = 0.05, 50
PV_RANGES = {"theta0": (-1.57, 1.57), "omega": (0.785, 3.14), "gamma": (0.0, 0.8),
             "amplitude": (0.0, 40.0), "frequency": (3.14, 6.28)}
B_REF = 0.3  # the simulator's damping; each row's b through its mass B_REF / b
#: Per case: the data draws, each (training seed, test seed); Phys-VAE's
#: own first.
CASES = {"phys-vae": dict(dt=PV_DT, draws=((1234, 1236), (2234, 2236)), sizes=(1000, 1000),
                          quick=(100, 100)),
         "damped": dict(dt=ARTICLE_DT, draws=((0, 1), (2, 3)), sizes=(400, 200),
                        quick=(100, 50))}
QUICK_EPOCHS = 3
#: Steps of transform's refinement in the refined rows (--quick: QUICK_REFINE_STEPS).
REFINE_STEPS, QUICK_REFINE_STEPS = 200, 10
THREADS = 1
IDEAL = "ideal estimator (bound)"
#: The PhysicsVAE settings beside the default, per case ({dt}: the case's).
DAMPED = "PhysicsVAE(dt={dt:g}, physics='damped')"
ODE_AUGMENTED = "PhysicsVAE(dt={dt:g}, correction='ode', aux_dim=4, augmentation_weight=50)"
LONG_EPOCHS = 600
ODE_LONG = ODE_AUGMENTED[:-1] + f", max_epochs={LONG_EPOCHS})"
HARMONIC = "PhysicsVAE(dt={dt:g}, correction='harmonic', aux_dim=3, augmentation_weight=50)"
AUGMENTED = {"correction": "ode", "aux_dim": 4, "augmentation_weight": 50.0}
VARIANTS = {"damped": {DAMPED: {"physics": "damped"}},
            "phys-vae": {"PhysicsVAE(dt={dt:g}, correction='ode', aux_dim=4)":
                         {"correction": "ode", "aux_dim": 4},
                         ODE_AUGMENTED: AUGMENTED,
                         ODE_LONG: {**AUGMENTED, "max_epochs": LONG_EPOCHS},
                         HARMONIC: {"correction": "harmonic", "aux_dim": 3,
                                    "augmentation_weight": 50.0}}}


# -- data ----------------------------------------------------------------------------

def forced_pendulum(theta0, omega, gamma, amplitude, frequency):
    """Noise-free θ of Phys-VAE's equation on its grid, all rows one DOP853 system."""
    n, t = len(theta0), PV_DT * np.arange(PV_STEPS)

    def rhs(time_, state):
        theta, velocity = state[:n], state[n:]
        force = amplitude * omega**2 * np.cos(2 * np.pi * frequency * time_)
        return np.concatenate([velocity, force - gamma * velocity - omega**2 * np.sin(theta)])

    solution = solve_ivp(rhs, (0.0, t[-1]), np.concatenate([theta0, np.zeros(n)]),
                         method="DOP853", rtol=1e-10, atol=1e-12, t_eval=t)
    return solution.y[:n]


def damped_pendulum(theta0, omega0, length, rate, noise_seed=None):
    """θ'' = -(g / L) sin θ - rate θ' by PendulumSimulator (damping / (m L²) = rate)."""
    simulator = PendulumSimulator(
        n_steps=ARTICLE_N_STEPS, dt=ARTICLE_DT, g=G, damping=B_REF,
        noise_std=0.0 if noise_seed is None else NOISE, random_state=noise_seed)
    mass = B_REF / (rate * length**2)
    return simulator.fit_transform(np.column_stack([theta0, omega0, length, mass]))


def load(case, n, seed):
    """``{X, truth, omega, counterfactual(scale)}`` of ``n`` rows (and the
    phys-vae case's parameters, ``params``)."""
    rng = np.random.default_rng(seed)
    if case == "phys-vae":
        p = {name: rng.uniform(*bounds, size=n) for name, bounds in PV_RANGES.items()}
        truth = forced_pendulum(**p)
        return dict(X=truth + rng.normal(0.0, NOISE, truth.shape), truth=truth,
                    omega=p["omega"], params=p,
                    counterfactual=lambda s: forced_pendulum(**{**p, "omega": s * p["omega"]}))
    theta0, omega0 = rng.uniform(0.5, 1.75, (2, n))
    length = rng.uniform(1.0, 3.0, n)
    rate = rng.uniform(0.05, 0.3, n) / length**2  # b / (m L²), m = 1 kg
    return dict(X=damped_pendulum(theta0, omega0, length, rate, noise_seed=seed),
                truth=damped_pendulum(theta0, omega0, length, rate), omega=np.sqrt(G / length),
                rate=rate,
                counterfactual=lambda s: damped_pendulum(theta0, omega0, length / s**2, rate))


def ideal_bound(params):
    """What an ideal estimator, knowing the exact equation, could reach:
    the Laplace-approximate Bayes posterior of each row's six unknowns
    (θ0, θ'(0), ω, γ, A, f), from their Fisher information at the truth
    (noise NOISE) and the uniform prior's variance of ω.  ``ω r``: the
    largest correlation of any estimate of ω with the truth; ``CF s×``: the
    posterior mean's counterfactual error (the root of its expected squared
    error per row, mean over rows), the posterior's spread carried to the
    rows simulated with ω s by their Jacobian."""
    names = ["theta0", "velocity", "omega", "gamma", "amplitude", "frequency"]
    values = np.stack([params["theta0"], np.zeros_like(params["theta0"]),
                       *(params[k] for k in names[2:])])
    t = PV_DT * np.arange(PV_STEPS)

    def solve(v, scale):
        theta0, velocity, omega, gamma, amplitude, frequency = v
        omega, n = scale * omega, len(theta0)

        def rhs(time_, state):
            theta, speed = state[:n], state[n:]
            force = amplitude * omega**2 * np.cos(2 * np.pi * frequency * time_)
            return np.concatenate([speed, force - gamma * speed - omega**2 * np.sin(theta)])
        return solve_ivp(rhs, (0.0, t[-1]), np.concatenate([theta0, velocity]),
                         method="DOP853", rtol=1e-11, atol=1e-12, t_eval=t).y[:n]

    def jacobian(scale):
        out = np.empty((values.shape[1], PV_STEPS, len(names)))
        for k in range(len(names)):
            step = 1e-6 * max(1.0, np.abs(values[k]).mean())
            up, down = values.copy(), values.copy()
            up[k] += step
            down[k] -= step
            out[:, :, k] = (solve(up, scale) - solve(down, scale)) / (2 * step)
        return out

    J = jacobian(1.0)
    precision = J.transpose(0, 2, 1) @ J / NOISE**2
    low, high = PV_RANGES["omega"]
    precision[:, 2, 2] += 12.0 / (high - low) ** 2
    posterior = np.linalg.inv(precision)
    out = {"ω r": float(np.sqrt(1.0 - posterior[:, 2, 2].mean() / params["omega"].var()))}
    for s in SCALES:
        J = jacobian(s)
        mse = np.einsum("rtk,rkl,rtl->r", J, posterior, J) / PV_STEPS
        out[f"CF {s:g}×"] = float(np.sqrt(mse).mean())
    return out


# -- scores --------------------------------------------------------------------------

def row_rmse(A, B):
    """Mean over rows of each row's RMSE (the rows as outputs)."""
    return float(root_mean_squared_error(B.T, A.T))


def scores(test, reconstruction, omega, counterfactuals, true_cf, seconds):
    out = {"rec obs": row_rmse(reconstruction, test["X"]),
           "rec truth": row_rmse(reconstruction, test["truth"]),
           "ω r": float(pearsonr(omega, test["omega"]).statistic),
           "ω RMSE": float(root_mean_squared_error(test["omega"], omega)), "fit s": seconds}
    for s, X_cf in counterfactuals.items():
        out[f"CF {s:g}×"] = row_rmse(X_cf, true_cf[s])
    return out


def timed_fit(model, X):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollapseWarning)
        model.fit(X)
    return time.perf_counter() - start


def fitted_scores(model, train, test, true_cf, refine_steps, read):
    """Scores of ``model`` fitted to the training rows: amortised, then with
    ``refine_steps`` (read at transform: the same fitted model).
    ``read(model, codes)`` gives the inferred ω of the test codes, their
    counterfactuals ``{scale: rows}`` and any further scores."""
    seconds = timed_fit(model, train["X"])
    out = []
    for steps in (0, refine_steps):
        model.set_params(refine_steps=steps)
        start = time.perf_counter()
        codes = model.transform(test["X"])
        transform_seconds = time.perf_counter() - start
        omega, counterfactuals, more = read(model, codes)
        result = scores(test, model.inverse_transform(codes), omega, counterfactuals, true_cf,
                        seconds)
        out.append({**result, **more, "transform s": transform_seconds})
    return out


def physics_vae(seed, train, test, true_cf, dt, extra, refine_steps):
    def read(model, codes):
        counterfactuals = {}
        for s in SCALES:
            moved = codes.copy()
            moved[:, 2] *= s
            counterfactuals[s] = model.inverse_transform(moved)
        more = ({"γ r": float(pearsonr(codes[:, 3], test["rate"]).statistic)}
                if extra.get("physics") == "damped" else {})
        return codes[:, 2], counterfactuals, more

    model = PhysicsVAE(dt=dt, random_state=seed, n_jobs=THREADS, **extra)
    return fitted_scores(model, train, test, true_cf, refine_steps, read)


def beta_vae(seed, train, test, true_cf, dt, extra, refine_steps):
    def read(model, codes):
        # a probe of ω, fitted to training codes obtained as the test codes are
        probe = LinearRegression().fit(model.transform(train["X"]), train["omega"])
        return probe.predict(codes), {}, {}

    model = BetaVAE(beta=10.0, random_state=seed, n_jobs=THREADS, **extra)
    return fitted_scores(model, train, test, true_cf, refine_steps, read)


def physics_only(test, true_cf, dt):
    start = time.perf_counter()
    _, fitted = pendulum_residual(test["X"], g=G, dt=dt, return_factors=True)
    seconds = time.perf_counter() - start
    theta0, omega0, length = fitted.T
    simulator = PendulumSimulator(n_steps=test["X"].shape[1], dt=dt, g=G)

    def decode(s):
        return simulator.fit_transform(
            np.column_stack([theta0, omega0, length / s**2, np.ones_like(length)]))

    return scores(test, decode(1.0), np.sqrt(G / length), {s: decode(s) for s in SCALES},
                  true_cf, seconds)


# -- the report ----------------------------------------------------------------------

COLUMNS = ["rec obs", "rec truth", "ω r", "ω RMSE", *(f"CF {s:g}×" for s in SCALES), "γ r",
           "fit s", "× β-VAE", "transform s"]
FORMATS = {"ω r": ".4f", "γ r": ".4f", "fit s": ".1f", "× β-VAE": ".2f", "transform s": ".1f"}


def stat(results, key):
    values = np.array([r[key] for r in results if key in r], dtype=float)
    if len(values) == 0:
        return "—"
    fmt = FORMATS.get(key, ".4f")
    if len(values) == 1:
        return format(values[0], fmt)
    return f"{format(values.mean(), fmt)}±{format(values.std(), fmt)}"


def mean(results, key):
    return float(np.mean([r[key] for r in results]))


def run_draw(case, draw, train_seeds, quick, threads):
    """``{model: [scores per training seed]}`` of one case on its data
    draw ``(training seed, test seed)``."""
    global THREADS
    THREADS = threads  # in a worker process too
    torch.set_num_threads(threads)
    settings = CASES[case]
    n_train, n_test = settings["quick" if quick else "sizes"]
    progress(f"{case} {draw}: simulating {n_train} + {n_test} rows")
    train = load(case, n_train, draw[0])
    test = load(case, n_test, draw[1])
    true_cf = {s: test["counterfactual"](s) for s in SCALES}
    extra = dict(max_epochs=QUICK_EPOCHS) if quick else {}
    steps = QUICK_REFINE_STEPS if quick else REFINE_STEPS
    progress(f"{case} {draw}: physics only (pendulum_residual on the test rows)")
    physics = f"PhysicsVAE(dt={settings['dt']:g})"
    variants = {physics: {}, **{name.format(dt=settings["dt"]): options
                                for name, options in VARIANTS[case].items()}}
    out = {"physics only": [physics_only(test, true_cf, settings["dt"])]}
    for name in variants:
        out[name], out[refined(name, steps)] = [], []
    network = "BetaVAE(beta=10)"
    out[network], out[refined(network, steps)] = [], []
    if case == "phys-vae":
        progress(f"{case} {draw}: the ideal estimator's bound")
        out[IDEAL] = [ideal_bound(test["params"])]
    for seed in train_seeds:
        progress(f"{case} {draw}, seed {seed}: BetaVAE(beta=10)")
        for row, result in zip((network, refined(network, steps)),
                               beta_vae(seed, train, test, true_cf, settings["dt"], extra,
                                        steps)):
            out[row].append(result)
        for name, options in variants.items():
            progress(f"{case} {draw}, seed {seed}: {name}")
            for row, result in zip((name, refined(name, steps)),
                                   physics_vae(seed, train, test, true_cf, settings["dt"],
                                               {**options, **extra}, steps)):
                result["× β-VAE"] = result["fit s"] / out[network][-1]["fit s"]
                out[row].append(result)
    return out


def pooled(by_draw):
    """``{model: [scores]}`` of all draws together (the verdicts' means)."""
    out = {}
    for by_model in by_draw.values():
        for name, results in by_model.items():
            out.setdefault(name, []).extend(results)
    return out


def refined(name, steps):
    """The row of model ``name`` with its codes refined by ``steps`` steps."""
    return f"{name[:-1]}, refine_steps={steps})"


def verdicts(cells):
    rows = []

    def check(bar, measured, ok):
        rows.append([bar, measured, "PASS" if ok else "FAIL"])

    for case, by_model in cells.items():
        physics = by_model[f"PhysicsVAE(dt={CASES[case]['dt']:g})"]
        network = by_model["BetaVAE(beta=10)"]
        r, r_lsq = mean(physics, "ω r"), mean(by_model["physics only"], "ω r")
        if case == "phys-vae":
            ode = by_model[ODE_AUGMENTED.format(dt=CASES[case]["dt"])]
            ode_refined = by_model[refined(ODE_AUGMENTED.format(dt=CASES[case]["dt"]),
                                           REFINE_STEPS)]
            long = ODE_LONG.format(dt=CASES[case]["dt"])
            harmonic = HARMONIC.format(dt=CASES[case]["dt"])
            bound = mean(by_model[IDEAL], "ω r")
            for label, results in (("PhysicsVAE", physics), ("PhysicsVAE(ode, aug)", ode),
                                   ("PhysicsVAE(ode, aug, refined)", ode_refined),
                                   (f"PhysicsVAE(ode, aug, {LONG_EPOCHS} epochs)", by_model[long]),
                                   (f"PhysicsVAE(ode, aug, {LONG_EPOCHS} epochs, refined)",
                                    by_model[refined(long, REFINE_STEPS)]),
                                   ("PhysicsVAE(harmonic, aug)", by_model[harmonic]),
                                   ("PhysicsVAE(harmonic, aug, refined)",
                                    by_model[refined(harmonic, REFINE_STEPS)])):
                r = mean(results, "ω r")
                check(f"{case}: {label} ω r >= 0.99 and > physics only's",
                      f"{r:.4f} vs {r_lsq:.4f} (ideal <= {bound:.4f})",
                      r >= 0.99 and r > r_lsq)
                cf = mean(results, "CF 1.5×")
                check(f"{case}: {label} CF 1.5× <= 2 x noise (0.02 rad)",
                      f"{cf:.4f} (ideal {mean(by_model[IDEAL], 'CF 1.5×'):.4f})",
                      cf <= 2 * NOISE)
            for label, results in (("ode, aug", ode), ("harmonic, aug", by_model[harmonic])):
                rec = mean(results, "rec obs")
                check(f"{case}: PhysicsVAE({label}) rec obs <= BetaVAE(beta=10)'s",
                      f"{rec:.4f} vs {mean(network, 'rec obs'):.4f}",
                      rec <= mean(network, "rec obs"))
        else:
            check(f"{case}: PhysicsVAE natural-frequency r >= 0.99 (damping unknown)",
                  f"{r:.4f}", r >= 0.99)
            known = by_model[DAMPED.format(dt=CASES[case]["dt"])]
            rate = mean(known, "γ r")
            check(f"{case}: damping known: damping rate r >= 0.99", f"{rate:.4f}",
                  rate >= 0.99)
            rec_known = mean(known, "rec obs")
            check(f"{case}: damping known: rec obs <= BetaVAE(beta=10)'s",
                  f"{rec_known:.4f} vs {mean(network, 'rec obs'):.4f}",
                  rec_known <= mean(network, "rec obs"))
        rec, rec_beta = mean(physics, "rec obs"), mean(network, "rec obs")
        check(f"{case}: PhysicsVAE rec obs <= BetaVAE(beta=10)'s",
              f"{rec:.4f} vs {rec_beta:.4f}", rec <= rec_beta)
        fit, fit_beta = mean(physics, "fit s"), mean(network, "fit s")
        check(f"{case}: PhysicsVAE fit <= 3 x BetaVAE(beta=10)'s",
              f"{fit:.1f} s vs {fit_beta:.1f} s ({fit / fit_beta:.2f}x)", fit <= 3 * fit_beta)
    return rows


def main(argv=None):
    global THREADS
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help=f"100 training rows, {QUICK_EPOCHS} epochs per network, one "
                        "training seed: a smoke test, without verdicts")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--jobs", type=int, default=1,
                        help="data draws run at once, each in its own process")
    training_arguments(parser)
    args = parser.parse_args(argv)
    THREADS = args.threads
    if args.quick:
        args.train_seeds = args.train_seeds[:1]
    start = time.perf_counter()
    units = [(case, draw) for case in args.cases
             for draw in CASES[case]["draws"][:1 if args.quick else None]]
    results = Parallel(n_jobs=args.jobs)(
        delayed(run_draw)(case, draw, args.train_seeds, args.quick, THREADS)
        for case, draw in units)
    # {case: {draw: {model: [scores per training seed]}}}
    draws = {case: {} for case in args.cases}
    for (case, draw), by_model in zip(units, results):
        draws[case][draw] = by_model
    cells = {case: pooled(by_draw) for case, by_draw in draws.items()}

    print("pendsk PhysicsVAE against Phys-VAE's pendulum benchmark (issue 26)")
    for line in machine_info(torch_threads=THREADS):
        print("  " + line)
    print(f"  training seeds {args.train_seeds}; RMSE: mean over test rows of each row's RMSE"
          + (" (QUICK: a smoke test, no verdicts)" if args.quick else ""))
    for case, by_draw in draws.items():
        settings = CASES[case]
        n_train, n_test = settings["quick" if args.quick else "sizes"]
        tables = [(f"training rows seed {train}, test rows seed {test}", by_model)
                  for (train, test), by_model in by_draw.items()]
        if len(by_draw) > 1:
            tables.append((f"all {len(by_draw)} draws (mean ± std over draws and training "
                           "seeds)", cells[case]))
        for title, by_model in tables:
            print(f"\n{case}: {n_train} training rows, {n_test} test rows, "
                  f"dt = {settings['dt']:g} s; {title}")
            body = [[name, *(stat(results, key) for key in COLUMNS)]
                    for name, results in by_model.items()]
            if case == "phys-vae":
                body.append(["Phys-VAE, published", *["—"] * len(COLUMNS)])
            table(["model", *COLUMNS], body)
        if case == "phys-vae":
            print("  Phys-VAE, published: no figure quoted: n-takeishi/phys-vae's README and\n"
                  "  pendulum_cntfact.ipynb state none, and none is copied from the paper "
                  "unchecked.")
    if not args.quick:
        print()
        table(["bar", "measured", "verdict"], verdicts(cells))
    print(f"\ntotal benchmark time {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
