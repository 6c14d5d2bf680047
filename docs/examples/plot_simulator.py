"""
==========================================================
Physics: the article's trajectories and Euler-Cromer drift
==========================================================

The first step of the article's road is a model a human wrote down: a
pendulum of length ``L`` and mass ``m``, released at angle ``θ0`` with
angular velocity ``ω0``, obeys ``m·L²·θ'' = −m·g·L·sin θ``.
:class:`~pendsk.PendulumSimulator` turns parameter rows
``(θ0, ω0, L, m)`` into trajectories ``θ(t)``.

The article integrated the equation with the Euler-Cromer scheme (``dt =
0.01``, ``g = 10``). pendsk solves the undamped pendulum exactly instead
(Jacobi elliptic functions); ``method="euler-cromer"`` keeps the
article's scheme so that we can see how far it drifts.
"""

# %%
# The article's parameter grid
# ----------------------------
# θ0 and ω0 run over 0.5 … 1.5 rad (rad/s) in steps of 0.25, ``L`` and
# ``m`` over 1 … 2.5 in steps of 0.5: 5 × 5 × 4 × 4 = 400 pendulums.
import matplotlib.pyplot as plt
import numpy as np

from pendsk import PendulumSimulator
from pendsk.plotting import plot_trajectories

G = 10.0  # the article's gravitational acceleration [m/s²]
angles = np.arange(0.5, 1.51, 0.25)
sizes = np.arange(1.0, 2.51, 0.5)
grid = np.array(np.meshgrid(angles, angles, sizes, sizes, indexing="ij")).reshape(4, -1).T
print(grid.shape)  # (400, 4): theta0, omega0, length, mass

sim = PendulumSimulator(g=G).fit(grid)  # 500 steps of 0.01 s
X = sim.transform(grid)
print(X.shape)

# %%
# One panel per length, one line per initial angle (ω0 = 1 rad/s). A
# longer pendulum swings more slowly; a larger θ0 swings wider *and* more
# slowly, because the period of a pendulum grows with its amplitude.
fig, axes = plt.subplots(1, 4, figsize=(13, 3), sharey=True, layout="constrained")
for ax, length in zip(axes, sizes):
    rows = np.flatnonzero((grid[:, 1] == 1.0) & (grid[:, 2] == length) & (grid[:, 3] == 1.0))
    plot_trajectories(X[rows], ax=ax, labels=[f"θ0 = {a:g}" for a in grid[rows, 0]], lw=1)
    ax.set_title(f"L = {length:g} m")
    ax.legend(fontsize="small", loc="lower left")

# %%
# The mass never shows: it cancels from ``m·L²·θ'' = −m·g·L·sin θ``. On
# the grid, the four masses of each (θ0, ω0, L) give the same trajectory
# to the last bit.
by_mass = X.reshape(5, 5, 4, 4, -1)  # theta0, omega0, length, mass, time
print("largest difference between masses:", np.ptp(by_mass, axis=3).max())

# %%
# The article's data
# ------------------
# The article jittered each grid value by N(0, 0.05) and added
# observation noise whose standard deviation grows with time, 0.1·t rad:
# ``noise_growth=0.1``. :func:`pendsk.datasets.make_pendulum` draws such
# data directly.
rng = np.random.default_rng(0)
jittered = grid + rng.normal(0.0, 0.05, grid.shape)
noisy = PendulumSimulator(g=G, noise_growth=0.1, random_state=0).fit(jittered)
X_noisy = noisy.transform(jittered[:1])
X_clean = PendulumSimulator(g=G).fit(jittered).transform(jittered[:1])

ax = plot_trajectories(np.vstack([X_noisy, X_clean]), labels=["observed", "noise-free"],
                       lw=1)
ax.set_title("θ0 = {:.2f}, ω0 = {:.2f}, L = {:.2f}: noise std 0.1·t".format(
    *jittered[0, :3]))

# %%
# Euler-Cromer against the exact solution
# ---------------------------------------
# Over the article's 5 s the first-order Euler-Cromer scheme is already a
# few hundredths of a radian off; the error is a phase drift that keeps
# growing with time (the scheme conserves a slightly wrong energy, so the
# amplitude stays right). The exact solution has nothing to drift, and
# pendsk's RK4 integrator (used for damped or rotating pendulums) stays
# within a few 1e-7 rad.
row = np.array([[1.5, 0.5, 1.0, 1.0]])
n_steps = 3000  # 30 s
t = 0.01 * np.arange(n_steps)
solutions = {method: PendulumSimulator(n_steps=n_steps, g=G, method=method)
             .fit(row).transform(row)[0]
             for method in ("exact", "euler-cromer", "rk4")}
error = np.abs(solutions["euler-cromer"] - solutions["exact"])
print(f"Euler-Cromer: max error {error[:500].max():.3f} rad in 5 s, "
      f"{error.max():.3f} rad in 30 s")
print("RK4: max error {:.1e} rad in 30 s".format(
    np.abs(solutions["rk4"] - solutions["exact"]).max()))

fig, (ax_a, ax_b) = plt.subplots(1, 2, figsize=(11, 3.5), layout="constrained")
last = t >= 25.0
plot_trajectories(np.vstack([solutions["exact"][last], solutions["euler-cromer"][last]]),
                  t=t[last], ax=ax_a, labels=["exact", "Euler-Cromer, dt = 0.01 s"])
ax_a.set_title("the last 5 of 30 seconds")
ax_b.plot(t, error)
ax_b.set(xlabel="t [s]", ylabel="|θ_Euler-Cromer − θ_exact| [rad]",
         title="Euler-Cromer error grows with time")
plt.show()
