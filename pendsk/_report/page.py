"""The report that ``pendsk demo`` writes: a folder of figures, numbers and
an HTML page that shows them together (no estimator here)."""

import html
import math
import time

from .. import __version__

__all__ = ["PAGE_WIDTH_PX", "Report", "describe_settings", "figure", "format_value",
           "write_html"]

#: Width [px] of the page's column (``max-width`` of the body less its
#: padding): a figure saved no wider than this shows at its own size.
PAGE_WIDTH_PX = 1000

#: Dots per inch of the saved figures: ``PAGE_WIDTH_PX / DPI`` inches fit
#: the page.
DPI = 100


class Report:
    """Collects figures, numbers and progress lines while the demo runs.

    Parameters
    ----------
    out : pathlib.Path
        Folder the figures are saved to.
    log : callable
        Receives one progress line (a str) per step.
    n_steps : int
        Number of sections, shown as ``[i/n_steps]`` on each step's line.
    """

    def __init__(self, out, log, n_steps):
        self.out = out
        self.log = log
        self.n_steps = n_steps
        self.step = 0
        self.sections = []
        self.metrics = {}
        self.labels = {}
        self.started = self._section_start = time.perf_counter()

    def section(self, key, title, text):
        """Start a section: its key in ``metrics``, its title and its text."""
        self.step += 1
        self.log(f"[{self.step}/{self.n_steps}] {title} ...")
        self.sections.append({"key": key, "title": title, "text": text, "figures": []})
        self.metrics[key] = {}
        self.labels[key] = {}
        self._section_start = time.perf_counter()

    def figure(self, fig, name, caption):
        """Save ``fig`` as ``name`` in the folder, shown with ``caption``."""
        path = self.out / name
        fig.savefig(path, dpi=DPI, bbox_inches="tight")
        self.sections[-1]["figures"].append((name, caption))

    def number(self, name, value, label=None):
        """Record a number of the current section.

        Parameters
        ----------
        name : str
            Its key in ``metrics.json`` (stable, snake_case).
        value : float, int or list
            The number (or one number per factor).
        label : str, default=None
            What it is, in words and with its unit, for the page; ``None``
            shows ``name``.
        """
        key = self.sections[-1]["key"]
        self.metrics[key][name] = value
        self.labels[key][name] = label if label is not None else name

    def done(self):
        """End the current section, recording and logging its duration."""
        seconds = time.perf_counter() - self._section_start
        self.number("seconds", round(seconds, 2), "time this section took [s]")
        self.log(f"      done in {seconds:.1f} s")


def figure(n_rows=1, n_cols=1, width=4.5, height=3.2):
    """A figure that needs no pyplot (hence no GUI backend) and its axes.

    Parameters
    ----------
    n_rows, n_cols : int, default=1
        Grid of axes.
    width, height : float, default=4.5 and 3.2
        Size of one panel [in]; keep ``width * n_cols`` within
        ``PAGE_WIDTH_PX / DPI`` inches so the page shows the figure at
        its own size.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure, with constrained layout.
    axes : ndarray of Axes
        Its axes, row by row.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * n_cols, height * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    return fig, axes.ravel()


def format_value(value):
    """A number as the page and the console show it.

    Four significant digits, but a value near ±1 (a correlation, an R², a
    coverage) keeps enough digits that its distance from 1 shows with two
    significant digits, and, closer than 1e-4, that distance is written
    out: ``0.9999946`` is ``"0.9999947 (1 − 5.3e-06)"``, not ``"1"``.

    Parameters
    ----------
    value : float, int, bool, list or str
        A number, or a list of numbers (joined by commas).

    Returns
    -------
    text : str
        Plain text (not HTML-escaped).
    """
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, float):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    text = f"{value:.4g}"
    gap = 1.0 - abs(value)
    if 0 < gap < 0.01:
        decimals = 2 + math.ceil(-math.log10(gap))
        text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
        if gap < 1e-4:
            text += f" (−1 + {gap:.2g})" if value < 0 else f" (1 − {gap:.2g})"
    return text


def describe_settings(settings):
    """The settings of a run as a sentence (not the raw dict).

    Parameters
    ----------
    settings : dict
        ``metrics["settings"]``: ``quick``, ``random_state`` and ``pendsk``.

    Returns
    -------
    text : str
        E.g. ``"full run (no --quick), random seed 0 (--seed), pendsk 0.2.0"``.
    """
    run = ("quick run (--quick: small data and a few epochs, so the numbers mean little)"
           if settings.get("quick") else "full run (no --quick)")
    return (f"{run}, random seed {settings.get('random_state')} (--seed), "
            f"pendsk {settings.get('pendsk', __version__)}")


def _cell(text):
    return f"<td>{html.escape(text)}</td>"


def write_html(report, checks=None):
    """``index.html``: each section's text, figures and numbers together.

    Parameters
    ----------
    report : Report
        The finished report.
    checks : list of dict, default=None
        One per check, with ``"text"`` (what it compares, in words),
        ``"value"``, ``"target"`` (both as text), ``"spread"`` (how the
        spread was measured, or that it is a single run), ``"holds"`` (in
        words) and ``"ok"`` (a bool); ``None``: no checks table.
    """
    parts = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
             "<title>pendsk demo</title>",
             "<style>body{font-family:sans-serif;max-width:"
             f"{PAGE_WIDTH_PX}px;margin:auto;padding:1em}}"
             "img{max-width:100%}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
             "table.numbers td:last-child{font-family:monospace;font-size:small;color:#555}"
             "</style>",
             "</head><body>", "<h1>pendsk demo</h1>",
             f"<p>Settings: {html.escape(describe_settings(report.metrics['settings']))}.  "
             "Every number is also in <a href='metrics.json'>metrics.json</a>, under the "
             "key shown beside it.</p>"]
    if checks:
        held = sum(check["ok"] for check in checks)
        parts += [f"<h2>Checks: {held} of {len(checks)} hold</h2>",
                  "<p>What the full run should show, each number compared with a fixed "
                  "target or with a baseline of the same run (metrics.json lists them "
                  "under <code>checks</code>).  Where a number is a mean over repeated "
                  "draws of samples, its spread is the standard error of that mean; the "
                  "other numbers come from a single run (one seed), with no spread "
                  "measured.  "
                  "With --quick the models train for a few epochs only: expect misses."
                  "</p>",
                  "<table><tr><th>check</th><th>value</th><th>target</th>"
                  "<th>spread</th><th>holds</th></tr>"]
        parts += ["<tr>" + _cell(check["text"]) + _cell(check["value"])
                  + _cell(check["target"]) + _cell(check["spread"])
                  + _cell(check["holds"]) + "</tr>" for check in checks]
        parts.append("</table>")
    for section in report.sections:
        key = section["key"]
        parts.append(f"<h2>{html.escape(section['title'])}</h2>")
        parts.append(f"<p>{html.escape(section['text'])}</p>")
        for name, caption in section["figures"]:
            parts.append(f"<figure><img src='{html.escape(name)}' alt='{html.escape(caption)}'>"
                         f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        labels = report.labels.get(key, {})
        rows = "".join("<tr>" + _cell(labels.get(name, name)) + _cell(format_value(value))
                       + f"<td>{html.escape(name)}</td></tr>"
                       for name, value in report.metrics[key].items())
        parts.append("<table class='numbers'><tr><th>quantity</th><th>value</th>"
                     f"<th>key in metrics.json</th></tr>{rows}</table>")
    parts.append("</body></html>")
    (report.out / "index.html").write_text("\n".join(parts), encoding="utf-8")
