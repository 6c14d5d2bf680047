"""Tests of the demo's report: its page (pendsk._report.page), its figures
(pendsk._report.demo) and the training progress lines
(pendsk._neural.callbacks.EpochProgressBar) when the output is not a
terminal."""

import io
import re

import numpy as np
import pytest

from pendsk import BetaVAE
from pendsk._neural.callbacks import EpochProgressBar
from pendsk._report import demo, page
from pendsk._report.page import describe_settings, format_value
from pendsk.datasets import make_pendulum


# -- format_value ---------------------------------------------------------------


@pytest.mark.parametrize("value, text", [
    (0.123456, "0.1235"),
    (1234.5678, "1235"),
    (3.2e-4, "0.00032"),
    (0.9876, "0.9876"),
    (0.99912, "0.99912"),  # 1 − 8.8e-4: two significant digits of the gap
    (0.9999946, "0.9999946 (1 − 5.4e-06)"),
    (-0.9999946, "-0.9999946 (−1 + 5.4e-06)"),
    (1.0, "1"),
    (7, "7"),
    (True, "True"),
    ([0.5, 0.25], "0.5, 0.25"),
    (float("nan"), "nan"),
])
def test_format_value(value, text):
    assert format_value(value) == text


def test_format_value_never_rounds_a_correlation_to_one():
    for gap in np.logspace(-9, -2, 30):
        text = format_value(1.0 - gap)
        assert not re.fullmatch(r"1(\.0*)?", text.split(" ")[0]), (gap, text)


def test_describe_settings_is_a_sentence():
    text = describe_settings({"quick": False, "random_state": 3, "pendsk": "9.9"})
    assert text == "full run (no --quick), random seed 3 (--seed), pendsk 9.9"
    assert describe_settings({"quick": True, "random_state": 0}).startswith("quick run")


# -- EpochProgressBar without a terminal ----------------------------------------


@pytest.fixture
def data():
    X, _ = make_pendulum(n_samples=40, n_steps=30, random_state=0)
    return X


def _fit_with_bar(X, monkeypatch, max_epochs, **bar_kwargs):
    stream = io.StringIO()  # not a terminal: isatty() is False
    monkeypatch.setattr("sys.stderr", stream)
    bar = EpochProgressBar(desc="vae", **bar_kwargs)
    vae = BetaVAE(max_epochs=max_epochs, hidden_layer_sizes=(8,), latent_dim=2,
                  prior="standard", pca_path=False, random_state=0,
                  callbacks=[("progress", bar)]).fit(X)
    return vae, stream.getvalue()


def test_progress_bar_writes_plain_lines_when_not_a_terminal(data, monkeypatch):
    vae, text = _fit_with_bar(data, monkeypatch, max_epochs=30, min_interval=0.0)
    assert "\r" not in text and "\x1b" not in text
    lines = text.splitlines()
    # the first line, one per tenth of the epochs, and the last
    assert len(lines) == 11
    assert lines[0].startswith("vae:   0% 0/30")
    assert re.match(r"vae: 100% 30/30 \[.*train=-?\d", lines[-1])
    done = [int(re.search(r" (\d+)/30", line)[1]) for line in lines]
    assert done == sorted(done) and done[1:-1] == [3, 6, 9, 12, 15, 18, 21, 24, 27]
    # the fitted estimator keeps its callback, picklable: no stream kept
    import pickle

    pickle.loads(pickle.dumps(vae))
    assert not hasattr(vae.callbacks[0][1], "stream_")


def test_progress_bar_lines_are_rationed_in_time(data, monkeypatch):
    # with a long min_interval, only the first and the last line come
    _, text = _fit_with_bar(data, monkeypatch, max_epochs=30, min_interval=1e9)
    lines = text.splitlines()
    assert len(lines) == 2
    assert "0/30" in lines[0] and "30/30" in lines[1]


def test_progress_bar_on_a_terminal_is_tqdms(data, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    monkeypatch.setattr("sys.stderr", stream)
    BetaVAE(max_epochs=3, hidden_layer_sizes=(8,), latent_dim=2, prior="standard",
            pca_path=False, random_state=0,
            callbacks=[("progress", EpochProgressBar(desc="vae"))]).fit(data)
    assert "\r" in stream.getvalue()  # tqdm redraws its line in place


# -- the demo's figures ---------------------------------------------------------


@pytest.fixture(scope="module")
def demo_figures(tmp_path_factory):
    """Every figure the quick demo draws, by file name, and its metrics."""
    figures = {}
    original = page.Report.figure

    def keep(self, fig, name, caption):
        figures[name] = fig
        return original(self, fig, name, caption)

    out = tmp_path_factory.mktemp("demo")
    mp = pytest.MonkeyPatch()
    mp.setattr(page.Report, "figure", keep)
    try:
        metrics = demo.run_demo(out, quick=True, log=lambda line: None)
    finally:
        mp.undo()
    return figures, metrics, out


def _data_axes(fig):
    """The axes of a figure and its subfigures that show data (no colorbars)."""
    axes = list(fig.axes)
    for sub in getattr(fig, "subfigs", []):
        axes += _data_axes(sub)
    return [ax for ax in axes if ax.get_visible() and ax.get_label() != "<colorbar>"]


def test_demo_figures_have_units_on_every_axis(demo_figures):
    figures, *_ = demo_figures
    assert len(figures) == 10
    for name, fig in figures.items():
        axes = _data_axes(fig)
        assert axes, name
        for ax in axes:
            for label in (ax.get_xlabel(), ax.get_ylabel()):
                assert re.search(r"\[.+\]|\(count\)|\(unitless\)", label), (name, label)


def test_demo_figures_keep_legends_off_the_data(demo_figures):
    # every legend is outside the axes (below them, on the figure), so none
    # hides a curve
    figures, *_ = demo_figures
    for name, fig in figures.items():
        for ax in _data_axes(fig):
            assert ax.get_legend() is None, (name, ax.get_title())


def test_demo_figures_fit_the_page(demo_figures):
    figures, *_ = demo_figures
    for name, fig in figures.items():
        width_px = fig.get_size_inches()[0] * page.DPI
        assert width_px <= page.PAGE_WIDTH_PX, (name, width_px)


def test_demo_control_figure_names_the_physics(demo_figures):
    figures, *_ = demo_figures
    labels = [ax.get_xlabel() for ax in _data_axes(figures["control.png"])]
    # ω0 (the initial angular velocity) and √(g/L) (the natural frequency)
    # are separate panels, each in its unit
    assert {"true θ0 [rad]", "true ω0 [rad/s]", "true √(g/L) [rad/s]"} <= set(labels)


def test_demo_traversal_colorbars_tick_the_three_values(demo_figures):
    figures, *_ = demo_figures
    fig = figures["vae_traversals.png"]
    colorbars = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert colorbars
    for cbar in colorbars:
        assert len(cbar.get_yticks()) == 3


def test_demo_checks_in_words(demo_figures):
    _, metrics, _ = demo_figures
    checks = metrics["checks"]
    assert len(checks) == 9
    for check in checks:
        assert "_" not in check["text"]  # words, not metrics.json keys
    words = demo._checks(metrics, n_draws=3)
    for check in words:
        if "MMD" in check["text"]:  # MMD² is the mean of draws: its spread is given
            assert "standard errors of means over 3 draws" in check["words"]["spread"]
        else:
            assert check["words"]["spread"] == "one run, no spread measured"
        assert check["words"]["holds"] == "yes" or check["words"]["holds"].startswith("no, by")


def test_describe_fits_is_what_the_demo_fits(demo_figures):
    *_, out = demo_figures
    html = (out / "index.html").read_text(encoding="utf-8")
    calls = demo.describe_fits(quick=True)
    assert len(calls) == 6
    for call in calls:  # the page says how each model was fitted
        assert call in html, call
    assert demo.describe_fits()[0] == "TrajectoryGAN()"
