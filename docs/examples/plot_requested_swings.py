"""
=================================
Swings of a chosen frequency
=================================

:class:`~pendsk.PhysicsVAE`'s latent variables are the initial angle θ0,
the initial angular velocity ω0 and the natural frequency √(g/L), in
their units, so a user can ask for swings "as in transparent mathematical
models": ``sample`` takes each of them as a value or a range, draws the
others from their fitted distribution given those, and decodes with the
pendulum itself.  A fit of the exact pendulum to the samples
(:func:`~pendsk.metrics.pendulum_residual`) checks that they are what was
asked for.
"""

# %%
# A PhysicsVAE of the article's pendulums
# ---------------------------------------
# 300 trajectories of 5 s with 0.01 rad of noise (g = 10 m/s²); 60 epochs
# keep this page quick (the default is 300).
import matplotlib.pyplot as plt
import numpy as np

from pendsk import PhysicsVAE
from pendsk.datasets import make_pendulum
from pendsk.metrics import pendulum_residual

X, factors = make_pendulum(n_samples=300, noise_std=0.01, noise_growth=0.0, random_state=0)
vae = PhysicsVAE(max_epochs=60, random_state=0).fit(X)

# %%
# Asking for a frequency, and for an amplitude
# --------------------------------------------
# Swings of natural frequency 2.5 rad/s (a 1.6 m pendulum), everything else
# as in the data; and swings released from rest at 1.2 rad, of any length
# the data hold.
t = 0.01 * np.arange(X.shape[1])
by_frequency = vae.sample(4, random_state=0, natural_frequency=2.5)
by_amplitude = vae.sample(4, random_state=0, theta0=1.2, omega0=0.0)
fig, axes = plt.subplots(1, 2, figsize=(12, 3.5), sharey=True, layout="constrained")
for ax, rows, title in [(axes[0], by_frequency, "asked: √(g/L) = 2.5 rad/s"),
                        (axes[1], by_amplitude, "asked: θ0 = 1.2 rad, ω0 = 0")]:
    ax.plot(t, rows.T, lw=1)
    ax.set(xlabel="t [s]", ylabel="θ [rad]", title=title)

# %%
# What a physicist checks
# -----------------------
# Fit the exact pendulum (θ0, ω0 and L free) to 50 samples of each request:
# the fitted values meet the request, and each sample is its noise away
# from an exact pendulum.
for label, rows, check in [
        ("√(g/L) = 2.5 rad/s", vae.sample(50, random_state=1, natural_frequency=2.5),
         lambda fitted: np.abs(np.sqrt(10.0 / fitted[:, 2]) / 2.5 - 1).max()),
        ("θ0 = 1.2 rad", vae.sample(50, random_state=1, theta0=1.2),
         lambda fitted: np.abs(fitted[:, 0] - 1.2).max())]:
    residual, fitted = pendulum_residual(rows, g=10.0, return_factors=True)
    print(f"asked {label}: largest miss {check(fitted):.4f}, "
          f"distance from the pendulum {np.median(residual):.4f} rad (median)")

# %%
# A range works too: ``natural_frequency=(2.4, 2.6)`` draws frequencies in
# it from the fitted distribution, drawing again those outside.
ranged = vae.sample(50, random_state=2, natural_frequency=(2.4, 2.6))
_, fitted = pendulum_residual(ranged, g=10.0, return_factors=True)
print("fitted frequencies:", np.sqrt(10.0 / fitted[:, 2]).min().round(3), "to",
      np.sqrt(10.0 / fitted[:, 2]).max().round(3))
plt.show()
