"""
=========================================================
Uncertainty: a mean ± 3σ band and sampled trajectories
=========================================================

The article's third step makes the regressor probabilistic: a network
whose head is a Normal distribution, so that it predicts a mean and a
standard deviation at every point, and can sample trajectories "based on
the uncertainty at each time step". The article trained that head by mean
squared error, so its standard deviation was never really learned.
:class:`~pendsk.GaussianRegressor` trains it by the Gaussian negative
log-likelihood; here it learns that the noise grows as 0.1·t.
"""

# %%
# The same pointwise data as the regression example: 100 noisy
# trajectories, the last 25 held out.
import matplotlib.pyplot as plt
from sklearn.metrics import r2_score

from pendsk import GaussianRegressor, PendulumSimulator
from pendsk.datasets import make_pendulum_regression
from pendsk.plotting import plot_prediction_interval, plot_trajectories

n_trajectories, n_steps = 100, 500
X, y = make_pendulum_regression(n_trajectories, n_steps=n_steps, random_state=0)
n_train = 75 * n_steps
train, test = slice(0, n_train), slice(n_train, None)
truth = PendulumSimulator(n_steps=n_steps, g=10.0).fit_transform(X[::n_steps, :4]).ravel()
t = X[:n_steps, 4]

# %%
# Two models
# ----------
# ``noise="heteroscedastic"`` (the default) lets the standard deviation
# depend on the inputs, time included. ``noise=0.1`` fixes it at 0.1 rad,
# the article's "mean only" model; its training then amounts to least
# squares. The default is 200 epochs; 60 keep this page quick.
models = {
    "heteroscedastic": GaussianRegressor(max_epochs=60, random_state=0),
    "fixed σ = 0.1 (article)": GaussianRegressor(noise=0.1, max_epochs=60, random_state=0),
}
for model in models.values():
    model.fit(X[train], y[train])

# %%
# Calibration: how many held-out observations fall inside each model's
# 90 % interval? A calibrated model covers 90 %; the fixed σ covers the
# early, quiet part of every trajectory and misses the noisy end.
for name, model in models.items():
    lower, upper = model.predict_interval(X[test], coverage=0.9)
    inside = (y[test] >= lower) & (y[test] <= upper)
    late = X[test][:, 4] >= 2.5
    print(f"{name:>24}: 90 % interval covers {inside.mean():.1%} of held-out points "
          f"({inside[~late].mean():.1%} before t = 2.5 s, {inside[late].mean():.1%} after)")

# %%
# The mean against the noise-free truth, for both models. Least squares
# (the fixed σ) weighs every point alike; the likelihood weighs each point
# by 1/σ², so the heteroscedastic model learns its mean last where the data
# are noisiest, at the end of each trajectory, and after 60 epochs it is
# still behind there (its band is wide there to match). With the default
# 200 epochs its mean reaches R² 0.998 against the truth on this split.
for name, model in models.items():
    print(f"{name:>24}: R² of the mean against the truth "
          f"{r2_score(truth[test], model.predict(X[test])):.4f}")

# %%
# The learned noise
# -----------------
# The predicted standard deviation of one held-out trajectory against the
# noise the data was made with, 0.1·t:
gauss = models["heteroscedastic"]
rows = slice(80 * n_steps, 81 * n_steps)
_, std = gauss.predict(X[rows], return_std=True)
fig, ax = plt.subplots(figsize=(5, 3.2), layout="constrained")
ax.plot(t, std, label="GaussianRegressor σ(t)")
ax.plot(t, 0.1 * t, "k--", label="true noise std 0.1·t")
ax.axhline(0.1, color="tab:red", lw=1, label="the article's fixed σ")
ax.set(xlabel="t [s]", ylabel="σ [rad]")
ax.legend()

# %%
# The article's pictures
# ----------------------
# Mean ± 3σ against the truth and the observations for two held-out
# pendulums, then three trajectories drawn by
# :meth:`~pendsk.GaussianRegressor.sample_y`. Each draw adds independent
# noise at every point: they are plausible *observations*, as noisy as
# the data, around the one mean the network has learned.

fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), sharex=True, layout="constrained")
for column, k in enumerate([80, 95]):
    rows = slice(k * n_steps, (k + 1) * n_steps)
    mean, std = gauss.predict(X[rows], return_std=True)
    plot_prediction_interval(t, mean, std, n_std=3.0, truth=truth[rows], observed=y[rows],
                             ax=axes[0, column], label="GaussianRegressor")
    axes[0, column].set_title("θ0 = {:.2f}, ω0 = {:.2f}, L = {:.2f}".format(*X[rows][0, :3]))
    draws = gauss.sample_y(X[rows], n_samples=3, random_state=0)  # (n_steps, 3)
    plot_trajectories(draws.T, t=t, ax=axes[1, column], alpha=0.7, lw=0.8)
    axes[1, column].plot(t, truth[rows], "k--", lw=1, label="truth")
    axes[1, column].legend()
    axes[1, column].set_title("three draws of sample_y")
plt.show()
