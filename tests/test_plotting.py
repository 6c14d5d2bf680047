"""Tests of pendsk.plotting: what each function draws, and what it refuses."""

import importlib
import inspect
import sys

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PathCollection, PolyCollection  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from skorch.history import History  # noqa: E402

import pendsk  # noqa: E402
from pendsk import (BetaVAE, GaussianRegressor, PendulumSimulator,  # noqa: E402
                    TrajectoryGAN)
from pendsk.datasets import make_pendulum, make_pendulum_regression  # noqa: E402
from pendsk.plotting import (plot_history, plot_latent_traversal,  # noqa: E402
                             plot_prediction_interval, plot_trajectories)

FUNCTIONS = [plot_trajectories, plot_prediction_interval, plot_latent_traversal,
             plot_history]


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def trajectories():
    X, _ = make_pendulum(n_samples=20, n_steps=50, random_state=0)
    return X


@pytest.fixture(scope="module")
def vae(trajectories):
    return BetaVAE(max_epochs=2, hidden_layer_sizes=(8,), prior="standard",
                   random_state=0).fit(trajectories)


@pytest.fixture(scope="module")
def gan(trajectories):
    return TrajectoryGAN(max_epochs=3, hidden_layer_sizes=(8,),
                         random_state=0).fit(trajectories)


@pytest.fixture(scope="module")
def gaussian():
    X, y = make_pendulum_regression(n_trajectories=4, n_steps=50, random_state=0)
    return GaussianRegressor(max_epochs=3, hidden_layer_sizes=(8,), early_stopping=True,
                             random_state=0).fit(X, y)


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


# -- plot_trajectories ---------------------------------------------------------------


def test_plot_trajectories_one_line_per_row():
    X = np.random.default_rng(0).normal(size=(3, 40))
    ax = plot_trajectories(X, dt=0.05)
    lines = ax.get_lines()
    assert len(lines) == 3
    for line, row in zip(lines, X):
        np.testing.assert_allclose(line.get_xdata(), np.arange(40) * 0.05)
        np.testing.assert_array_equal(line.get_ydata(), row)
    assert ax.get_xlabel() == "t [s]"
    assert ax.get_ylabel() == "θ [rad]"
    assert ax.get_legend() is None  # no labels, no legend


def test_plot_trajectories_1d_is_one_trajectory_and_lists_are_accepted():
    ax = plot_trajectories([0.0, 0.1, 0.2, 0.1])
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_xdata(), [0.0, 0.01, 0.02, 0.03])
    np.testing.assert_array_equal(line.get_ydata(), [0.0, 0.1, 0.2, 0.1])


def test_plot_trajectories_given_times_labels_and_line_kwargs():
    X = np.arange(12.0).reshape(2, 6)
    t = np.linspace(0.0, 1.0, 6) ** 2  # uneven: dt must be ignored
    ax = plot_trajectories(X, t=t, dt=5.0, labels=["a", "b"], color="red", alpha=0.5,
                           lw=3)
    lines = ax.get_lines()
    for line in lines:
        np.testing.assert_array_equal(line.get_xdata(), t)
        assert to_rgba(line.get_color()) == to_rgba("red")
        assert line.get_alpha() == 0.5
        assert line.get_linewidth() == 3
    assert [line.get_label() for line in lines] == ["a", "b"]
    assert legend_texts(ax) == ["a", "b"]


def test_plot_trajectories_draws_on_the_given_axes_and_keeps_the_inputs(trajectories):
    X = trajectories[:4].copy()
    t = np.arange(50) * 0.02
    labels = ["a", "b", "c", "d"]
    X_before, t_before = X.copy(), t.copy()
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    assert plot_trajectories(X, t=t, ax=ax, labels=labels) is ax
    assert len(ax.get_lines()) == 1 + 4
    assert len(plt.get_fignums()) == 1  # no new figure
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(t, t_before)
    assert labels == ["a", "b", "c", "d"]
    # the lines hold copies: changing X afterwards does not change the plot
    X[:] = 0.0
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), X_before[0])


@pytest.mark.parametrize("kwargs, match", [
    (dict(X=np.zeros((2, 3, 4))), "X must be a 1-D or 2-D array"),
    (dict(X=np.zeros((2, 0))), "X must not be empty"),
    (dict(X=[[0.0, np.nan]]), "Input X contains NaN"),
    (dict(X=[[0.0, np.inf]]), "Input X contains infinity"),
    (dict(X=np.zeros((2, 3)), t=[0.0, 1.0]), "t must have 3 values"),
    (dict(X=np.zeros((2, 3)), t=np.zeros((1, 3))), "t must be a 1-D array"),
    (dict(X=np.zeros((2, 3)), t=[0.0, np.nan, 1.0]), "Input t contains NaN"),
    (dict(X=np.zeros((2, 3)), labels=["a"]), "labels must have one label per row"),
    (dict(X=np.zeros((2, 3)), labels=["a", "b"], label="c"), "either labels"),
    (dict(X=np.zeros((2, 3)), labels="ab"), "'labels' parameter"),
    (dict(X=np.zeros((2, 3)), dt=0.0), "'dt' parameter"),
    (dict(X=np.zeros((2, 3)), dt=-0.01), "'dt' parameter"),
    (dict(X=np.zeros((2, 3)), dt=np.nan), "'dt' parameter"),
    (dict(X=np.zeros((2, 3)), dt=np.inf), "'dt' parameter"),
    (dict(X=np.zeros((2, 3)), dt=1e308), r"dt=1e\+308 is too large: the time axis of 3 steps"),
    (dict(X=np.zeros((2, 3)), ax="axes"), "'ax' parameter"),
])
def test_plot_trajectories_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_trajectories(**kwargs)


# -- plot_prediction_interval -------------------------------------------------------


@pytest.fixture
def interval():
    t = np.arange(30) * 0.01
    truth = 0.5 * np.cos(3 * t)
    std = 0.05 + t
    observed = truth + np.random.default_rng(0).normal(0.0, std)
    return t, truth + 0.01, std, truth, observed


def test_plot_prediction_interval_draws_mean_band_truth_and_points(interval):
    t, mean, std, truth, observed = interval
    ax = plot_prediction_interval(t, mean, std, truth=truth, observed=observed)
    mean_line, truth_line = ax.get_lines()
    np.testing.assert_array_equal(mean_line.get_xdata(), t)
    np.testing.assert_array_equal(mean_line.get_ydata(), mean)
    np.testing.assert_array_equal(truth_line.get_ydata(), truth)
    assert truth_line.get_linestyle() == "--"
    band, points = ax.collections
    assert isinstance(band, PolyCollection)
    assert isinstance(points, PathCollection)
    np.testing.assert_array_equal(points.get_offsets(), np.column_stack([t, observed]))
    # the band is the polygon between mean - 3 std and mean + 3 std at every t
    vertices = np.concatenate([path.vertices for path in band.get_paths()])
    for ti, low, high in zip(t, mean - 3 * std, mean + 3 * std):
        at_t = vertices[np.isclose(vertices[:, 0], ti), 1]
        np.testing.assert_allclose([at_t.min(), at_t.max()], [low, high])
    np.testing.assert_allclose(vertices[:, 1].min(), (mean - 3 * std).min())
    np.testing.assert_allclose(vertices[:, 1].max(), (mean + 3 * std).max())
    # band and line share a color
    np.testing.assert_allclose(band.get_facecolor()[0][:3], to_rgba(mean_line.get_color())[:3])
    assert legend_texts(ax) == ["mean", "mean ± 3σ", "truth", "observed"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("t [s]", "θ [rad]")


def test_plot_prediction_interval_n_std_label_color_and_given_axes(interval):
    t, mean, std, _, _ = interval
    fig, ax = plt.subplots()
    assert plot_prediction_interval(t, mean, std, n_std=1.96, ax=ax, label="model",
                                    color="green") is ax
    (line,) = ax.get_lines()
    assert to_rgba(line.get_color()) == to_rgba("green")
    (band,) = ax.collections
    np.testing.assert_allclose(band.get_facecolor()[0][:3], to_rgba("green")[:3])
    vertices = band.get_paths()[0].vertices
    np.testing.assert_allclose(vertices[:, 1].max(), (mean + 1.96 * std).max())
    np.testing.assert_allclose(vertices[:, 1].min(), (mean - 1.96 * std).min())
    assert legend_texts(ax) == ["model", "model ± 1.96σ"]


def test_plot_prediction_interval_keeps_the_inputs(interval):
    arrays = [a.copy() for a in interval]
    t, mean, std, truth, observed = arrays
    plot_prediction_interval(t, mean, std, truth=truth, observed=observed)
    for after, before in zip(arrays, interval):
        np.testing.assert_array_equal(after, before)


@pytest.mark.parametrize("change, match", [
    (dict(mean=np.zeros(4)), "mean must have 5 values, as many as t"),
    (dict(std=np.ones(6)), "std must have 5 values"),
    (dict(truth=np.zeros(4)), "truth must have 5 values"),
    (dict(observed=np.zeros(2)), "observed must have 5 values"),
    (dict(t=np.zeros((5, 2))), "t must be a 1-D array"),
    (dict(mean=np.zeros((1, 5))), "mean must be a 1-D array"),
    (dict(t=[]), "t must not be empty"),
    (dict(std=[1.0, 1.0, -0.1, 1.0, 1.0]), "std must be non-negative"),
    (dict(std=[1.0, 1.0, np.nan, 1.0, 1.0]), "Input std contains NaN"),
    (dict(observed=[0.0, np.inf, 0.0, 0.0, 0.0]), "Input observed contains infinity"),
    (dict(n_std=0.0), "'n_std' parameter"),
    (dict(n_std=np.inf), "'n_std' parameter"),
    (dict(label=3), "'label' parameter"),
])
def test_plot_prediction_interval_rejects_bad_input(change, match):
    kwargs = dict(t=np.arange(5.0), mean=np.zeros(5), std=np.ones(5))
    kwargs.update(change)
    with pytest.raises(ValueError, match=match):
        plot_prediction_interval(**kwargs)


# -- plot_latent_traversal ----------------------------------------------------------


def colorbar_axes(ax):
    others = [a for a in ax.figure.axes if a is not ax]
    assert len(others) == 1, "expected exactly one colorbar"
    return others[0]


def test_plot_latent_traversal_lines_and_colorbar(vae):
    values = np.array([-3.0, -1.0, 0.0, 2.0])
    traversals = vae.traverse(1, values)
    ax = plot_latent_traversal(traversals, values, dt=0.02, title="dimension 1")
    lines = ax.get_lines()
    assert len(lines) == 4
    for line, row in zip(lines, traversals):
        np.testing.assert_allclose(line.get_xdata(), np.arange(50) * 0.02)
        np.testing.assert_array_equal(line.get_ydata(), row)
    # colors follow the values along the colormap: lowest at one end, highest at the other
    cmap = matplotlib.colormaps["coolwarm"]
    expected = cmap((values - values.min()) / (values.max() - values.min()))
    np.testing.assert_allclose([to_rgba(line.get_color()) for line in lines], expected)
    assert to_rgba(lines[0].get_color()) == cmap(0.0)
    assert to_rgba(lines[-1].get_color()) == cmap(1.0)
    cbar = colorbar_axes(ax)
    assert cbar.get_ylabel() == "latent value"
    np.testing.assert_allclose(cbar.get_ylim(), (-3.0, 2.0))
    assert ax.get_title() == "dimension 1"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("t [s]", "θ [rad]")


def test_plot_latent_traversal_default_values_match_traverse(vae):
    # with the N(0, I) prior, BetaVAE.traverse's default values are
    # np.linspace(-2, 2, 5); so is the plot's
    np.testing.assert_array_equal(vae.traverse(0), vae.traverse(0, np.linspace(-2, 2, 5)))
    default = plot_latent_traversal(vae.traverse(0))
    explicit = plot_latent_traversal(vae.traverse(0), np.linspace(-2, 2, 5))
    np.testing.assert_array_equal([line.get_color() for line in default.get_lines()],
                                  [line.get_color() for line in explicit.get_lines()])
    np.testing.assert_allclose(colorbar_axes(default).get_ylim(), (-2.0, 2.0))


def test_plot_latent_traversal_colors_go_by_value_not_by_row_order_and_cmap():
    traversals = np.arange(12.0).reshape(3, 4)
    values = [2.0, 0.0, -2.0]
    ax = plot_latent_traversal(traversals, values, cmap="viridis")
    cmap = matplotlib.colormaps["viridis"]
    colors = [to_rgba(line.get_color()) for line in ax.get_lines()]
    np.testing.assert_allclose(colors, cmap([1.0, 0.5, 0.0]))


def test_plot_latent_traversal_given_axes_and_inputs_kept():
    traversals = np.arange(12.0).reshape(3, 4)
    values = np.array([0.5, 1.0, 1.5])
    before = traversals.copy(), values.copy()
    fig, ax = plt.subplots()
    assert plot_latent_traversal(traversals, values, ax=ax) is ax
    assert len(fig.axes) == 2  # the axes and the colorbar
    np.testing.assert_array_equal(traversals, before[0])
    np.testing.assert_array_equal(values, before[1])


def test_plot_latent_traversal_colorbar_ticks_at_the_values():
    values = np.array([-1.5, 0.0, 0.5, 2.0])
    cbar = colorbar_axes(plot_latent_traversal(np.zeros((4, 3)), values))
    np.testing.assert_allclose(cbar.get_yticks(), values)
    # many values: matplotlib's own ticks, not one per value
    many = np.linspace(-2, 2, 20)
    cbar = colorbar_axes(plot_latent_traversal(np.zeros((20, 3)), many))
    assert len(cbar.get_yticks()) < 20


def test_plot_latent_traversal_discrete_colormap_one_band_per_value():
    from matplotlib.colors import ListedColormap

    colors = ["tab:red", "tab:blue", "tab:green"]
    values = np.array([-2.0, 0.0, 2.0])
    ax = plot_latent_traversal(np.zeros((3, 3)), values[::-1], cmap=ListedColormap(colors))
    # each row gets its own colour, by value, not by row order
    assert [to_rgba(line.get_color()) for line in ax.get_lines()] == [
        to_rgba(c) for c in colors[::-1]]
    cbar = colorbar_axes(ax)
    np.testing.assert_allclose(cbar.get_yticks(), values)
    # bands centred on the values: edges half-way between them
    np.testing.assert_allclose(cbar.get_ylim(), (-3.0, 3.0))


def test_plot_latent_traversal_single_value():
    ax = plot_latent_traversal([[0.0, 1.0, 0.5]], [0.7])
    cmap = matplotlib.colormaps["coolwarm"]
    assert to_rgba(ax.get_lines()[0].get_color()) == cmap(0.5)


@pytest.mark.parametrize("kwargs, match", [
    (dict(traversals=np.zeros(4)), "traversals must be a 2-D array"),
    (dict(traversals=np.zeros((0, 4))), "traversals must not be empty"),
    (dict(traversals=[[0.0, np.nan]]), "Input traversals contains NaN"),
    (dict(traversals=np.zeros((3, 4)), values=[0.0, 1.0]),
     "values must have 3 values, as many as rows in traversals"),
    (dict(traversals=np.zeros((3, 4)), values=np.zeros((3, 1))), "values must be a 1-D"),
    (dict(traversals=np.zeros((3, 4)), values=[0.0, np.inf, 1.0]), "Input values contains"),
    (dict(traversals=np.zeros((3, 4)), dt=0), "'dt' parameter"),
    (dict(traversals=np.zeros((3, 4)), dt=1e308), "dt=1e\\+308 is too large: the time axis"),
    (dict(traversals=np.zeros((3, 4)), cmap="no-such-map"), "cmap"),
    (dict(traversals=np.zeros((3, 4)), title=1), "'title' parameter"),
])
def test_plot_latent_traversal_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        plot_latent_traversal(**kwargs)


# -- plot_history -------------------------------------------------------------------


def test_plot_history_of_a_gan_draws_every_recorded_loss(gan):
    ax = plot_history(gan)
    lines = ax.get_lines()
    keys = ["train_loss", "critic_loss", "generator_loss"]
    assert [line.get_label() for line in lines] == keys
    for line, key in zip(lines, keys):
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
        np.testing.assert_allclose(line.get_ydata(), gan.history_[:, key])
    assert legend_texts(ax) == keys
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "loss")
    assert ax.get_yscale() == "linear"


def test_plot_history_valid_loss_keys_and_logy(gaussian):
    ax = plot_history(gaussian)
    assert [line.get_label() for line in ax.get_lines()] == ["train_loss", "valid_loss"]
    fig, ax = plt.subplots()
    assert plot_history(gaussian, keys="valid_loss", ax=ax, logy=True) is ax
    (line,) = ax.get_lines()
    np.testing.assert_allclose(line.get_ydata(), gaussian.history_[:, "valid_loss"])
    assert ax.get_yscale() == "log"


def test_plot_history_accepts_a_skorch_history_and_keeps_it(gan):
    history = gan.history_
    before = [dict(row) for row in history]
    ax = plot_history(history, keys=["generator_loss", "dur"])
    assert [line.get_label() for line in ax.get_lines()] == ["generator_loss", "dur"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), history[:, "dur"])
    assert [dict(row) for row in history] == before


def test_plot_history_marks_epochs_without_the_key_as_gaps():
    history = History()
    for epoch, (train, valid) in enumerate([(3.0, None), (2.0, 2.5), (1.0, 1.5)], 1):
        history.new_epoch()
        history.record("epoch", epoch)
        history.record("train_loss", train)
        if valid is not None:
            history.record("valid_loss", valid)
    ax = plot_history(history)
    train, valid = ax.get_lines()
    np.testing.assert_array_equal(train.get_ydata(), [3.0, 2.0, 1.0])
    np.testing.assert_array_equal(valid.get_ydata(), [np.nan, 2.5, 1.5])


def test_plot_history_rejects_an_unfitted_estimator():
    with pytest.raises(NotFittedError, match="not fitted"):
        plot_history(TrajectoryGAN())


@pytest.mark.parametrize("keys, match", [
    (["valid_loss"], "keys: 'valid_loss' is not a per-epoch number"),
    ("nope", "keys: 'nope'"),
    (["batches"], "keys: 'batches'"),  # per-batch lists, not a number
    (["train_loss_best"], "keys: 'train_loss_best'"),  # booleans
    ([], "keys must name at least one"),
])
def test_plot_history_rejects_absent_keys(gan, keys, match):
    with pytest.raises(ValueError, match=match):
        plot_history(gan, keys=keys)


def test_plot_history_rejects_histories_without_losses_or_epochs():
    with pytest.raises(ValueError, match="history records none of"):
        plot_history([{"epoch": 1, "dur": 0.1}])
    with pytest.raises(ValueError, match="history holds no epochs"):
        plot_history(History())
    with pytest.raises(TypeError, match="history_"):
        plot_history(PendulumSimulator().fit([[0.1, 0.0, 1.0, 1.0]]))
    with pytest.raises(TypeError, match="skorch History"):
        plot_history({"train_loss": [1.0]})


# -- all functions ------------------------------------------------------------------


def test_missing_matplotlib_names_the_extra(monkeypatch):
    for name in ("matplotlib", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(ImportError, match=r"pip install 'pendsk\[plot\]'") as info:
        plot_trajectories(np.zeros((2, 3)))
    assert isinstance(info.value.__cause__, ImportError)
    with pytest.raises(ImportError, match=r"pendsk\[plot\]"):
        plot_prediction_interval(np.arange(3.0), np.zeros(3), np.ones(3))
    with pytest.raises(ImportError, match=r"pendsk\[plot\]"):
        plot_latent_traversal(np.zeros((2, 3)))
    with pytest.raises(ImportError, match=r"pendsk\[plot\]"):
        plot_history([{"epoch": 1, "train_loss": 1.0}])


def test_module_imports_without_matplotlib(monkeypatch):
    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)
    original = sys.modules["pendsk.plotting"]
    monkeypatch.delitem(sys.modules, "pendsk.plotting")
    monkeypatch.setattr(pendsk, "plotting", original)  # restored afterwards
    module = importlib.import_module("pendsk.plotting")
    assert module is not original  # really imported again, without matplotlib
    assert sorted(module.__all__) == sorted(f.__name__ for f in FUNCTIONS)


def test_backend_is_left_alone(trajectories):
    backend = matplotlib.get_backend()
    plot_trajectories(trajectories[:2])
    plot_latent_traversal(trajectories[:2])
    assert matplotlib.get_backend() == backend


@pytest.mark.parametrize("function", FUNCTIONS, ids=lambda f: f.__name__)
def test_docstring_parameters_match_signature(function):
    docscrape = pytest.importorskip("numpydoc.docscrape")
    doc = docscrape.FunctionDoc(function)
    assert doc["Summary"] and doc["Examples"] and doc["Returns"]
    documented = [name.strip() for p in doc["Parameters"] for name in p.name.split(",")]
    parameters = inspect.signature(function).parameters.values()
    expected = [("**" if p.kind is p.VAR_KEYWORD else "") + p.name for p in parameters]
    assert documented == expected
