"""Plots of trajectories, predictive uncertainty, latent traversals and training.

Four matplotlib functions, one per picture of the original article:
:func:`plot_trajectories` draws angles against time,
:func:`plot_prediction_interval` a predicted mean with its ± n·σ band (the
output of :meth:`GaussianRegressor.predict(X, return_std=True)
<pendsk.GaussianRegressor.predict>`), :func:`plot_latent_traversal` the
decoded trajectories of :meth:`BetaVAE.traverse <pendsk.BetaVAE.traverse>`
coloured by latent value, and :func:`plot_history` the per-epoch losses of
a fitted neural estimator.

Each draws on the given ``ax`` or, when it is ``None``, on the axes of a
new ``plt.subplots()`` figure, and returns the axes.  matplotlib is an
optional dependency (``pip install 'pendsk[plot]'``): it is imported when a
function is called, never at import, and the backend is left as it is.

Examples
--------
>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np
>>> from pendsk.plotting import plot_trajectories
>>> ax = plot_trajectories(np.sin(np.linspace(0, 6, 50)), dt=0.1)
>>> ax.get_xlabel(), ax.get_ylabel()
('t [s]', 'θ [rad]')
>>> import matplotlib.pyplot as plt
>>> plt.close(ax.figure)
"""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, validate_params
from sklearn.utils.validation import check_is_fitted

from ._utils.extras import import_matplotlib
from ._utils.validation import check_values

__all__ = ["plot_history", "plot_latent_traversal", "plot_prediction_interval",
           "plot_trajectories"]

#: Per-epoch losses that :func:`plot_history` draws by default, in this order.
_LOSS_KEYS = ("train_loss", "valid_loss", "critic_loss", "generator_loss")

_TIME_LABEL = "t [s]"
_ANGLE_LABEL = "θ [rad]"

_AX = [HasMethods(["plot"]), None]

#: plot_latent_traversal: at most this many distinct values get a colorbar
#: tick each (more would crowd it; then matplotlib's ticks).
_MAX_VALUE_TICKS = 9
_POSITIVE = Interval(Real, 0, np.inf, closed="neither")  # excludes nan and inf


def _axes(ax):
    """The given axes, or those of a new ``plt.subplots()`` figure."""
    if ax is None:
        _, ax = import_matplotlib().pyplot.subplots()
    return ax


def _times(t, dt, n_steps, n_steps_of):
    """``t`` validated against ``n_steps``, or ``arange(n_steps) * dt``
    (a ValueError naming ``dt`` when that time axis overflows)."""
    if t is None:
        with np.errstate(over="ignore"):
            t = np.arange(n_steps) * dt
        if not np.all(np.isfinite(t)):
            raise ValueError(f"dt={dt!r} is too large: the time axis of {n_steps} steps "
                             "overflows float64.")
        return t
    return check_values(t, "t", ndim=1, length=n_steps, length_of=n_steps_of)


@validate_params(
    {
        "X": ["array-like"],
        "dt": [_POSITIVE],
        "t": ["array-like", None],
        "ax": _AX,
        "labels": ["array-like", None],
    },
    prefer_skip_nested_validation=True,
)
def plot_trajectories(X, *, dt=0.01, t=None, ax=None, labels=None, **line_kwargs):
    """Plot trajectories: the angle θ of each row against time.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_steps) or (n_steps,)
        Angles [rad], one trajectory per row (a 1-D array is one
        trajectory), sampled at ``0, dt, 2·dt, …``.
    dt : float, default=0.01
        Time between samples [s]; unused when `t` is given.
    t : array-like of shape (n_steps,), default=None
        Sample times [s]; ``None`` means ``np.arange(n_steps) * dt``.
    ax : matplotlib Axes, default=None
        Axes to draw on; ``None`` creates a figure with ``plt.subplots()``.
    labels : array-like of shape (n_samples,), default=None
        One legend label per row; when given, a legend is drawn.
    **line_kwargs : dict
        Passed to :meth:`matplotlib.axes.Axes.plot` for every line (e.g.
        ``color``, ``alpha``, ``lw``).

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on, with one ``Line2D`` per row.

    See Also
    --------
    pendsk.datasets.make_pendulum : Trajectories to plot.
    plot_latent_traversal : Trajectories coloured by a latent value.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from pendsk import PendulumSimulator
    >>> from pendsk.plotting import plot_trajectories
    >>> params = [[0.5, 0.0, 1.0, 1.0], [0.5, 0.0, 2.0, 1.0]]  # theta0, omega0, L, m
    >>> X = PendulumSimulator(n_steps=300).fit_transform(params)
    >>> ax = plot_trajectories(X, labels=["L = 1 m", "L = 2 m"], lw=1)
    >>> len(ax.get_lines())
    2
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('t [s]', 'θ [rad]')
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['L = 1 m', 'L = 2 m']
    >>> plt.close(ax.figure)
    """
    X = check_values(X, "X", ndim=(1, 2))
    X = X.reshape(-1, X.shape[-1])
    n_samples, n_steps = X.shape
    t = _times(t, dt, n_steps, "columns in X")
    if labels is not None:
        if "label" in line_kwargs:
            raise ValueError("Pass either labels (one per row of X) or label, not both.")
        if np.ndim(labels) != 1 or len(labels) != n_samples:
            raise ValueError(f"labels must have one label per row of X ({n_samples}); "
                             f"got shape {np.shape(labels)}.")
    ax = _axes(ax)
    # one call, one Line2D per row; matplotlib copies each row
    lines = ax.plot(t, X.T, **line_kwargs)
    ax.set_xlabel(_TIME_LABEL)
    ax.set_ylabel(_ANGLE_LABEL)
    if labels is not None:
        for line, label in zip(lines, labels):
            line.set_label(label)
        ax.legend()
    return ax


@validate_params(
    {
        "t": ["array-like"],
        "mean": ["array-like"],
        "std": ["array-like"],
        "n_std": [_POSITIVE],
        "truth": ["array-like", None],
        "observed": ["array-like", None],
        "ax": _AX,
        "label": [str, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_prediction_interval(t, mean, std, *, n_std=3.0, truth=None, observed=None,
                             ax=None, label=None, color=None):
    """Plot a predicted mean trajectory with its ± n_std·std band.

    The picture of a probabilistic regressor: the mean line, the band
    ``mean ± n_std·std`` (filled), and optionally the noise-free truth
    (dashed) and the noisy observations (points), with a legend.

    Parameters
    ----------
    t : array-like of shape (n_steps,)
        Times [s].
    mean : array-like of shape (n_steps,)
        Predicted mean angle [rad] at each time.
    std : array-like of shape (n_steps,)
        Predicted standard deviation [rad] at each time, non-negative.
    n_std : float, default=3.0
        Half-width of the band in standard deviations.
    truth : array-like of shape (n_steps,), default=None
        Noise-free angles, drawn as a dashed black line labelled "truth".
    observed : array-like of shape (n_steps,), default=None
        Noisy observed angles, drawn as small points labelled "observed".
    ax : matplotlib Axes, default=None
        Axes to draw on; ``None`` creates a figure with ``plt.subplots()``.
    label : str, default=None
        Legend label of the mean line (``None``: "mean"); the band is
        labelled ``"<label> ± <n_std>σ"``, e.g. "mean ± 3σ".
    color : matplotlib color, default=None
        Color of the mean line and (translucent) of its band; ``None``
        takes the next color of the axes' cycle.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    See Also
    --------
    pendsk.GaussianRegressor.predict : Gives ``mean, std`` with
        ``return_std=True``.
    plot_trajectories : Plain trajectories.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from pendsk.plotting import plot_prediction_interval
    >>> t = np.arange(50) * 0.01
    >>> truth = 0.5 * np.cos(3 * t)
    >>> observed = truth + np.random.default_rng(0).normal(0, 0.1 * t)
    >>> ax = plot_prediction_interval(t, truth, 0.1 * t, truth=truth, observed=observed)
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['mean', 'mean ± 3σ', 'truth', 'observed']
    >>> plt.close(ax.figure)
    """
    t = check_values(t, "t", ndim=1)
    n_steps = len(t)
    mean = check_values(mean, "mean", ndim=1, length=n_steps, length_of="t")
    std = check_values(std, "std", ndim=1, length=n_steps, length_of="t")
    if (std < 0).any():
        raise ValueError(f"std must be non-negative; got a minimum of {std.min()}.")
    if truth is not None:
        truth = check_values(truth, "truth", ndim=1, length=n_steps, length_of="t")
    if observed is not None:
        observed = check_values(observed, "observed", ndim=1, length=n_steps,
                                length_of="t")
    label = "mean" if label is None else label
    ax = _axes(ax)
    (line,) = ax.plot(t, mean, color=color, label=label)
    ax.fill_between(t, mean - n_std * std, mean + n_std * std, color=line.get_color(),
                    alpha=0.25, linewidth=0, label=f"{label} ± {n_std:g}σ")
    if truth is not None:
        ax.plot(t, truth, color="k", linestyle="--", label="truth")
    if observed is not None:
        ax.scatter(t, observed, s=6, color="0.3", alpha=0.7, label="observed")
    ax.set_xlabel(_TIME_LABEL)
    ax.set_ylabel(_ANGLE_LABEL)
    ax.legend()
    return ax


@validate_params(
    {
        "traversals": ["array-like"],
        "values": ["array-like", None],
        "dt": [_POSITIVE],
        "ax": _AX,
        "title": [str, None],
    },
    prefer_skip_nested_validation=True,
)
def plot_latent_traversal(traversals, values=None, *, dt=0.01, ax=None, cmap="coolwarm",
                          title=None):
    """Plot a latent traversal: one trajectory per latent value, coloured by it.

    The article's "increase / decrease a latent dimension" picture: each
    row of `traversals` is drawn in the color that `cmap` gives its latent
    value (the lowest value at one end of the colormap, the highest at the
    other), with a colorbar labelled "latent value" that has a tick at each
    value when there are at most 9 of them.  A ``ListedColormap`` with one
    colour per value gives each value its own band of the colorbar, centred
    on its tick.

    Parameters
    ----------
    traversals : array-like of shape (n_values, n_steps)
        Decoded trajectories, as returned by
        :meth:`BetaVAE.traverse(dim, values) <pendsk.BetaVAE.traverse>`.
    values : array-like of shape (n_values,), default=None
        The latent value of each row; ``None`` means
        ``np.linspace(-2, 2, n_values)``: ±2 standard deviations of an
        N(0, 1) prior, ``traverse``'s default with ``prior="standard"``.
        With a fitted prior, pass the values given to ``traverse``.
    dt : float, default=0.01
        Time between samples [s].
    ax : matplotlib Axes, default=None
        Axes to draw on; ``None`` creates a figure with ``plt.subplots()``.
        The colorbar takes its room from these axes.
    cmap : str or matplotlib Colormap, default="coolwarm"
        Colormap from latent value to line color.
    title : str, default=None
        Title of the axes (e.g. ``"latent dimension 0"``).

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on, with one ``Line2D`` per row.

    See Also
    --------
    pendsk.BetaVAE.traverse : Computes the traversals.
    plot_trajectories : Plain trajectories.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from pendsk import BetaVAE
    >>> from pendsk.datasets import make_pendulum
    >>> from pendsk.plotting import plot_latent_traversal
    >>> X, _ = make_pendulum(n_samples=20, n_steps=50, random_state=0)
    >>> vae = BetaVAE(max_epochs=2, hidden_layer_sizes=(8,), random_state=0).fit(X)
    >>> ax = plot_latent_traversal(vae.traverse(0), title="latent dimension 0")
    >>> len(ax.get_lines())
    5
    >>> ax.figure.axes[-1].get_ylabel()
    'latent value'
    >>> plt.close(ax.figure)
    """
    traversals = check_values(traversals, "traversals", ndim=2)
    n_values, n_steps = traversals.shape
    if values is None:
        values = np.linspace(-2, 2, n_values)
    else:
        values = check_values(values, "values", ndim=1, length=n_values,
                              length_of="rows in traversals")
    matplotlib = import_matplotlib()
    colormap = matplotlib.colormaps.get_cmap(cmap)
    distinct = np.unique(values)
    if isinstance(colormap, matplotlib.colors.ListedColormap) and colormap.N == len(distinct) > 1:
        # one colour per value: bands centred on the values, a tick on each
        middles = (distinct[1:] + distinct[:-1]) / 2
        edges = np.concatenate([[2 * distinct[0] - middles[0]], middles,
                                [2 * distinct[-1] - middles[-1]]])
        norm = matplotlib.colors.BoundaryNorm(edges, colormap.N)
    else:
        low, high = distinct[0], distinct[-1]
        if low == high:  # a single value: the middle of the colormap
            low, high = low - 1.0, high + 1.0
        norm = matplotlib.colors.Normalize(vmin=low, vmax=high)
    colors = colormap(norm(values))
    t = _times(None, dt, n_steps, None)
    ax = _axes(ax)
    for row, color in zip(traversals, colors):
        ax.plot(t, row, color=color)
    mappable = matplotlib.cm.ScalarMappable(norm=norm, cmap=colormap)
    colorbar = ax.figure.colorbar(mappable, ax=ax, label="latent value")
    if len(distinct) <= _MAX_VALUE_TICKS:  # a few values: a tick at each
        colorbar.set_ticks(distinct)
    ax.set_xlabel(_TIME_LABEL)
    ax.set_ylabel(_ANGLE_LABEL)
    if title is not None:
        ax.set_title(title)
    return ax


def _is_number(value):
    return isinstance(value, Real) and not isinstance(value, bool)


def _epochs(history):
    """The list of per-epoch dicts of a fitted estimator or a history."""
    if not isinstance(history, list):  # a skorch History is a list of dicts
        if not hasattr(history, "fit"):
            raise TypeError("history must be a fitted pendsk neural estimator or a "
                            f"skorch History; got {type(history).__name__}.")
        check_is_fitted(history)
        if not hasattr(history, "history_"):
            raise TypeError(f"history must be a fitted pendsk neural estimator (with a "
                            f"history_ attribute) or a skorch History; "
                            f"{type(history).__name__} has no history_.")
        history = history.history_
    if len(history) == 0:
        raise ValueError("history holds no epochs.")
    if not all(isinstance(row, dict) for row in history):
        raise TypeError("history must be a list of per-epoch dicts, such as a skorch "
                        "History.")
    return history


@validate_params(
    {
        "keys": [str, "array-like", None],
        "ax": _AX,
        "logy": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def plot_history(history, keys=None, *, ax=None, logy=False):
    """Plot per-epoch losses of a fitted neural estimator.

    Parameters
    ----------
    history : fitted pendsk estimator or skorch History
        A fitted :class:`~pendsk.TrajectoryRegressor`,
        :class:`~pendsk.GaussianRegressor`, :class:`~pendsk.TrajectoryGAN`
        or :class:`~pendsk.BetaVAE` (its ``history_`` is used), or a skorch
        ``History`` (any list of per-epoch dicts).
    keys : str or list of str, default=None
        History keys to draw, one line each.  ``None`` draws every one of
        "train_loss", "valid_loss", "critic_loss" and "generator_loss"
        that the history records as a per-epoch number.
    ax : matplotlib Axes, default=None
        Axes to draw on; ``None`` creates a figure with ``plt.subplots()``.
    logy : bool, default=False
        Logarithmic loss axis (non-positive losses, such as a WGAN critic's,
        are then not shown).

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on, one ``Line2D`` per key, labelled by the key, the
        epoch number on the x axis.

    Raises
    ------
    NotFittedError
        If `history` is an estimator that is not fitted.
    ValueError
        If a key in `keys` is not a per-epoch number of the history.

    See Also
    --------
    skorch.history.History : What ``history_`` holds.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from pendsk import BetaVAE
    >>> from pendsk.datasets import make_pendulum
    >>> from pendsk.plotting import plot_history
    >>> X, _ = make_pendulum(n_samples=20, n_steps=50, random_state=0)
    >>> vae = BetaVAE(max_epochs=2, hidden_layer_sizes=(8,), random_state=0).fit(X)
    >>> ax = plot_history(vae)
    >>> [line.get_label() for line in ax.get_lines()]
    ['train_loss']
    >>> ax.get_lines()[0].get_xdata()
    array([1, 2])
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('epoch', 'loss')
    >>> plt.close(ax.figure)
    """
    rows = _epochs(history)
    numeric = [key for key in dict.fromkeys(k for row in rows for k in row)
               if all(_is_number(row[key]) for row in rows if key in row)]
    if keys is None:
        keys = [key for key in _LOSS_KEYS if key in numeric]
        if not keys:
            raise ValueError(f"history records none of {list(_LOSS_KEYS)}; pass keys, "
                             f"one or more of {numeric}.")
    else:
        keys = [keys] if isinstance(keys, str) else list(keys)
        if not keys:
            raise ValueError("keys must name at least one history key; got none.")
        for key in keys:
            if key not in numeric:
                raise ValueError(f"keys: {key!r} is not a per-epoch number in the history;"
                                 f" available keys are {numeric}.")
    epochs = np.array([row.get("epoch", i + 1) for i, row in enumerate(rows)])
    matplotlib = import_matplotlib()
    ax = _axes(ax)
    for key in keys:
        values = np.array([row.get(key, np.nan) for row in rows], dtype=np.float64)
        ax.plot(epochs, values, label=key)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    return ax
