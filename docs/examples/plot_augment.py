"""
=================================================
Augmenting a small labelled set with a generator
=================================================

The everyday use of a generator is to augment a small labelled set: ten
rows per class train a classifier poorly; generated rows of each class
may help it. :class:`~pendsk.BetaVAE` and :class:`~pendsk.TrajectoryGAN`
learn to generate given classes when ``fit`` is given labels, and
``sample`` then takes the classes to generate (``y=``) and returns them
beside the rows, as :meth:`sklearn.mixture.GaussianMixture.sample` does.
Here the classes are the pendulum's length: short, middle or long.
"""

# %%
# Ten rows per class
# ------------------
# 600 trajectories of 5 s with 0.01 rad of noise, labelled by the third of
# [1, 2.5] m their length falls in; 10 rows of each class train, the
# others test.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from pendsk import BetaVAE
from pendsk.datasets import make_pendulum
from pendsk.plotting import plot_trajectories

X, factors = make_pendulum(n_samples=600, noise_std=0.01, noise_growth=0.0, random_state=0)
y = np.digitize(factors[:, 2], [1.5, 2.0])  # 0: short, 1: middle, 2: long
names = np.array(["short", "middle", "long"])
rng = np.random.default_rng(0)
train = np.concatenate([rng.choice(np.flatnonzero(y == c), 10, replace=False)
                        for c in range(3)])
test = np.setdiff1d(np.arange(len(y)), train)
X_train, y_train = X[train], names[y[train]]

# %%
# A generator of each class
# -------------------------
# ``fit(X, y)``: one network for all the rows, and a distribution of codes
# per class (``class_priors_``); ``sample(n, y="long")`` draws codes of
# that class and decodes them.
vae = BetaVAE(random_state=0).fit(X_train, y_train)
print(vae.classes_, vae.class_weights_)
generated, generated_classes = vae.sample(120, random_state=0, y=np.repeat(names, 40))

fig, axes = plt.subplots(1, 3, figsize=(12, 3), sharey=True, layout="constrained")
for ax, name in zip(axes, names):
    plot_trajectories(generated[generated_classes == name][:3], ax=ax, color="tab:purple",
                      lw=1)
    ax.set_title(f"BetaVAE samples of class '{name}'")

# %%
# Does it help a classifier?
# --------------------------
# The same classifier trained on the 30 real rows, and on them plus the
# 120 generated rows, scored on the other 570 real rows; beside it, the
# classic augmentation of jittering (noise added to copies of the rows).
def accuracy(X_fit, y_fit):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    return model.fit(X_fit, y_fit).score(X[test], names[y[test]])


jittered = np.repeat(X_train, 4, axis=0)
jittered = jittered + 0.03 * X_train.std() * rng.standard_normal(jittered.shape)
print(f"real rows only:          {accuracy(X_train, y_train):.3f}")
print(f"real + BetaVAE samples:  "
      f"{accuracy(np.vstack([X_train, generated]), np.r_[y_train, generated_classes]):.3f}")
print(f"real + jittering:        "
      f"{accuracy(np.vstack([X_train, jittered]), np.r_[y_train, np.repeat(y_train, 4)]):.3f}")

# %%
# Asking the physics instead
# --------------------------
# Here the classes are ranges of one physical quantity, the length, so
# :class:`~pendsk.PhysicsVAE` (fitted to the same 30 rows, without labels)
# can be asked for swings of each class's natural frequencies, √(g/L) for
# L in the class's third of [1, 2.5] m, everything else drawn as in the
# data.
from pendsk import PhysicsVAE
from pendsk.datasets import ARTICLE_G  # g of make_pendulum's rows: 10 m/s²

physics = PhysicsVAE(max_epochs=100, random_state=0).fit(X_train)
edges = np.array([1.0, 1.5, 2.0, 2.5])
frequencies = np.sqrt(ARTICLE_G / edges)  # falling with the length
asked = [physics.sample(40, random_state=k,
                        natural_frequency=(frequencies[k + 1], frequencies[k]))
         for k in range(3)]
print(f"real + PhysicsVAE samples asked for each class's frequencies: "
      f"{accuracy(np.vstack([X_train, *asked]), np.r_[y_train, np.repeat(names, 40)]):.3f}")

# %%
# ``benchmarks/bench_augment.py`` runs this comparison with a strong
# classifier for series (ROCKET), on three UCR sets and the pendulum, over
# several random splits and two sizes, beside the classic augmentations;
# the user guide's :doc:`/guide/conditional` page gives its figures.
plt.show()
