"""
=====================================================
GAN: whole trajectories generated from noise
=====================================================

The article's fourth step stops asking for physical parameters at all:
a generative adversarial network learns to turn random noise into whole
trajectories. The article trained a Wasserstein GAN with weight clipping
and judged its samples by eye ("not the greatest results ever").
:class:`~pendsk.TrajectoryGAN` trains, by default, a GAN (non-saturating
loss, R1 penalty) in the codes of a ``BetaVAE(beta=10)`` fitted first,
whose decoder turns generated codes into trajectories;
:func:`~pendsk.metrics.maximum_mean_discrepancy` puts a number on how far
its samples are from held-out trajectories, and
:func:`~pendsk.metrics.pendulum_residual` on how far each is from the
closest exact pendulum.
"""

# %%
# The data
# --------
# 600 trajectories of 5 s from :func:`~pendsk.datasets.make_pendulum`,
# with a constant observation noise of 0.01 rad (as in
# ``benchmarks/bench_generative.py``) so that the samples are judged on the
# motion, not on the noise; 400 train, 200 are held out.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture

from pendsk import TrajectoryGAN
from pendsk.datasets import make_pendulum
from pendsk.metrics import maximum_mean_discrepancy
from pendsk.plotting import plot_history, plot_trajectories

X, factors = make_pendulum(n_samples=600, noise_std=0.01, noise_growth=0.0, random_state=0)
X_train, X_test = X[:400], X[400:]

# %%
# Training
# --------
# The default embedding trains for 7,000 optimizer steps, the GAN in its
# codes for 1,000 epochs; 300 epochs of the GAN keep this page quick (see
# the benchmark's figures in the user guide for the full run).
gan = TrajectoryGAN(max_epochs=300, random_state=0).fit(X_train)

# %%
# Real and generated trajectories, as in the article
# --------------------------------------------------
# Two panels of real trajectories, two of generated ones.
generated = gan.sample(200, random_state=0)
rng = np.random.default_rng(0)
fig, axes = plt.subplots(1, 4, figsize=(14, 3), sharey=True, layout="constrained")
for i, ax in enumerate(axes):
    source, title, color = ((X_train, "real", "0.3") if i < 2
                            else (generated, "TrajectoryGAN", "tab:orange"))
    plot_trajectories(source[rng.choice(len(source), 3, replace=False)], ax=ax,
                      color=color, lw=1)
    ax.set_title(f"{title} trajectories")

# %%
# The losses per epoch
# --------------------
# ``critic_loss`` is the critic's cross-entropy for telling real from
# generated codes (without the R1 penalty); a critic that cannot tell them
# apart pays 2·log 2 ≈ 1.39, and the generator's loss log 2 ≈ 0.69.
ax = plot_history(gan, keys=["critic_loss", "generator_loss"])
ax.set_title("TrajectoryGAN losses per epoch")

# %%
# Measuring instead of eyeballing
# -------------------------------
# The squared maximum mean discrepancy (MMD²) between two samples is near
# 0 when they come from the same distribution. Its floor here is MMD²
# between real trajectories (training against held-out rows); a
# classical baseline, a Gaussian mixture on 8 principal components, shows
# what a simple model reaches. Each MMD² is a mean over 5 draws of 200
# samples against the 200 held-out trajectories.
pca = PCA(8).fit(X_train)
gmm = GaussianMixture(10, random_state=0).fit(pca.transform(X_train))


def mean_mmd2(sample):
    return np.mean([maximum_mean_discrepancy(X_test, sample(seed)) for seed in range(5)])


floor = maximum_mean_discrepancy(X_test, X_train[:200])
mmd2_gan = mean_mmd2(lambda seed: gan.sample(200, random_state=seed))
mmd2_gmm = mean_mmd2(lambda seed: pca.inverse_transform(
    gmm.set_params(random_state=seed).sample(200)[0]))
print(f"MMD² real vs real (floor):   {floor:.2e}")
print(f"MMD² TrajectoryGAN:          {mmd2_gan:.2e}  ({mmd2_gan / floor:.1f} × floor)")
print(f"MMD² PCA(8) + GMM(10):       {mmd2_gmm:.2e}  ({mmd2_gmm / floor:.1f} × floor)")

# %%
# The physicist's check: fit the exact pendulum (θ0, ω0 and L free,
# g = 10 m/s²) to each sample; a real row is its noise (0.01 rad) away.
from pendsk.metrics import pendulum_residual  # noqa: E402

residual = pendulum_residual(generated[:100], g=10.0)
print(f"distance to the closest pendulum: median {np.median(residual):.4f} rad, "
      f"90th percentile {np.quantile(residual, 0.9):.4f} rad")

# %%
# ``score`` is −MMD² against as many samples, so ``GridSearchCV`` can tune
# a GAN on held-out trajectories (higher is better):
print(f"gan.score(X_test) = {gan.score(X_test):.2e}")
plt.show()
