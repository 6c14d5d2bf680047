"""The report that ``pendsk demo`` writes: a folder of figures, numbers and
an HTML page that shows them together (no estimator here)."""

import html
import json
import time

from .. import __version__

__all__ = ["Report", "figure", "write_html"]



class Report:
    """Collects figures, numbers and progress lines while the demo runs."""

    def __init__(self, out, log, n_steps):
        self.out = out
        self.log = log
        self.n_steps = n_steps
        self.step = 0
        self.sections = []
        self.metrics = {}
        self.started = self._section_start = time.perf_counter()

    def section(self, key, title, text):
        self.step += 1
        self.log(f"[{self.step}/{self.n_steps}] {title} ...")
        self.sections.append({"key": key, "title": title, "text": text, "figures": []})
        self.metrics[key] = {}
        self._section_start = time.perf_counter()

    def figure(self, fig, name, caption):
        path = self.out / name
        fig.savefig(path, dpi=100, bbox_inches="tight")
        self.sections[-1]["figures"].append((name, caption))

    def number(self, name, value):
        self.metrics[self.sections[-1]["key"]][name] = value

    def done(self):
        seconds = time.perf_counter() - self._section_start
        self.number("seconds", round(seconds, 2))
        self.log(f"      done in {seconds:.1f} s")


def figure(n_rows=1, n_cols=1, width=4.5, height=3.2):
    """A figure that needs no pyplot (hence no GUI backend) and its axes."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width * n_cols, height * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    return fig, axes.ravel()


def write_html(report):
    """``index.html``: each section's text, figures and numbers together."""
    def value(v):
        if isinstance(v, float):
            return f"{v:.4g}"
        if isinstance(v, list):
            return ", ".join(value(x) for x in v)
        return html.escape(str(v))

    parts = ["<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
             "<title>pendsk demo</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto;padding:1em}"
             "img{max-width:100%}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}</style>",
             "</head><body>", "<h1>pendsk demo</h1>",
             f"<p>pendsk {html.escape(__version__)}; settings: "
             f"{html.escape(json.dumps(report.metrics['settings']))}.  "
             "Every number is also in <a href='metrics.json'>metrics.json</a>.</p>",
             "<h2>Bars</h2><table><tr><th>bar</th><th>value</th><th>limit</th>"
             "<th>holds</th></tr>"]
    parts += [f"<tr><td>{html.escape(name)}</td><td>{value(bar['value'])}</td>"
              f"<td>{value(bar['limit'])}</td><td>{'yes' if bar['ok'] else 'NO'}</td></tr>"
              for name, bar in report.metrics["bars"].items()]
    parts.append("</table>")
    for section in report.sections:
        parts.append(f"<h2>{html.escape(section['title'])}</h2>")
        parts.append(f"<p>{html.escape(section['text'])}</p>")
        for name, caption in section["figures"]:
            parts.append(f"<figure><img src='{html.escape(name)}' alt='{html.escape(caption)}'>"
                         f"<figcaption>{html.escape(caption)}</figcaption></figure>")
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{value(v)}</td></tr>"
                       for k, v in report.metrics[section["key"]].items())
        parts.append(f"<table><tr><th>metric</th><th>value</th></tr>{rows}</table>")
    parts.append("</body></html>")
    (report.out / "index.html").write_text("\n".join(parts), encoding="utf-8")
