"""The package's face: README, CI script and public names agree with the code."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import pendsk

ROOT = Path(__file__).parents[1]


def readme_blocks(language):
    text = (ROOT / "README.md").read_text()
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_readme_has_two_setup_commands_and_ci_runs_the_test_one_verbatim():
    commands = [b.strip() for b in readme_blocks("bash")]
    assert len(commands) == 3
    main_job, tests, docs = commands
    assert "pip install" in main_job and "pendsk demo" in main_job
    assert "pip install" in tests and "pytest" in tests
    assert "pip install" in docs and "sphinx -W" in docs
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci_lines
    assert docs in ci_lines  # CI builds the docs, warnings as errors
    assert ci_lines.index(tests) < ci_lines.index(docs)
    assert "python -m pip install torch==2.13.0" in ci_lines


def test_readme_pictures_exist():
    text = (ROOT / "README.md").read_text()
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert pictures
    for path in pictures:
        assert (ROOT / path).is_file(), path


def test_readme_example_runs():
    (example,) = readme_blocks("python")
    namespace = {}
    exec(compile(example, "README.md", "exec"), namespace)
    assert namespace["trajectories"].shape == (400, 500)
    assert namespace["new"].shape == (5, 500)


def test_public_names():
    assert re.fullmatch(r"\d+\.\d+\.\d+", pendsk.__version__)
    for name in pendsk.__all__:
        assert hasattr(pendsk, name), name
    setup = (ROOT / "setup.cfg").read_text()
    assert "version = attr: pendsk.__version__" in setup
    assert "pendsk = pendsk.cli:main" in setup
    assert "torch==" not in setup  # users bring their own torch build


def _python(code):
    """Run ``python -c code`` in a fresh interpreter; return its stdout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_simulator_does_not_import_torch():
    # verbatim, the bar of the issue that made torch a lazy import
    code = ("import pendsk, sys; pendsk.PendulumSimulator().fit_transform([[1,0,1,1]]); "
            "print('torch' in sys.modules)")
    assert _python(code) == "False\n"


def test_torch_free_modules_and_cli_do_not_import_torch(tmp_path):
    # each step prints whether torch has been imported after it
    out = tmp_path / "p.npz"
    code = f"""
import sys
steps = [
    "import pendsk",
    "import pendsk.datasets, pendsk.physics, pendsk.metrics, pendsk.plotting, pendsk.parallel",
    "pendsk.datasets.make_pendulum(3, n_steps=5, random_state=0)",
    "pendsk.physics.period([1.0], 0.0, 1.0)",
    "dir(pendsk)",
    "from pendsk.cli import main",
    "main(['simulate', '--n', '2', '--n-steps', '5', '--out', {str(out)!r}])",
    "main(['simulate', '--help'])",
]
for step in steps:
    try:
        exec(step)
    except SystemExit:
        pass
    print(step.split('(')[0], 'torch' in sys.modules, file=sys.stderr)
    assert 'torch' not in sys.modules, step
"""
    _python(code)


@pytest.mark.parametrize("name, module", [
    ("BetaVAE", "pendsk._latent.beta_vae"), ("TrajectoryGAN", "pendsk._gan.estimator"),
    ("TrajectoryRegressor", "pendsk._regression.estimators"),
    ("GaussianRegressor", "pendsk._regression.estimators")])
def test_neural_estimators_resolve_on_first_access(name, module):
    assert name in pendsk.__all__ and name in dir(pendsk)
    estimator = getattr(pendsk, name)
    assert estimator is getattr(sys.modules[module], name)
    assert estimator.__name__ == name
    assert name in vars(pendsk)  # cached: __getattr__ runs once
    namespace = {}
    exec(f"from pendsk import {name}", namespace)
    assert namespace[name] is estimator


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="module 'pendsk' has no attribute 'Nope'"):
        pendsk.Nope  # noqa: B018
    assert not hasattr(pendsk, "Nope")
    assert "physics" in pendsk.__all__ and pendsk.physics.__name__ == "pendsk.physics"


# -- README: every figure it quotes is traceable to the run that printed it --

DEMO_METRICS = ROOT / "docs" / "_static" / "demo" / "metrics.json"


def _readme_demo_table():
    """The README's table of demo figures: ``[(quantity, value, section, key)]``."""
    text = (ROOT / "README.md").read_text()
    return re.findall(r"^\| (.+?) \| (.+?) \| `(\w+)\.(\w+)` \|$", text, flags=re.MULTILINE)


def test_readme_demo_figures_are_those_of_the_committed_run():
    import json

    from pendsk._report.page import format_value

    metrics = json.loads(DEMO_METRICS.read_text())
    # a full run (not --quick), seed 0, as the README says
    assert metrics["settings"]["quick"] is False
    assert metrics["settings"]["random_state"] == 0
    rows = _readme_demo_table()
    assert len(rows) >= 10
    for quantity, value, section, key in rows:
        assert value == format_value(metrics[section][key]), (quantity, key)


def test_readme_quotes_no_figure_outside_the_demo_table():
    # figures with three or more significant digits (0.999, 7.7e-4, 89 %) in
    # the prose would come from no committed run; settings (0.01 rad, β = 10)
    # are fine
    text = (ROOT / "README.md").read_text()
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    prose = "\n".join(line for line in prose.splitlines() if not line.startswith("|"))
    figures = re.findall(r"(?<![\w.=])(\d\.\d{3,}|\d+(?:\.\d+)?e-\d+|\d{2,} %)", prose)
    assert figures == [], figures


def test_readme_names_six_estimators_and_the_demos_settings():
    from pendsk._report.settings import describe_fits

    text = " ".join((ROOT / "README.md").read_text().split())  # lines rewrapped
    for name in ("PendulumSimulator", "TrajectoryRegressor", "GaussianRegressor",
                 "TrajectoryGAN", "BetaVAE", "PhysicsVAE"):
        assert f"`{name}`" in text, name
    for call in describe_fits():
        assert call in text, call
    assert "with its defaults" not in text
    assert "fitted prior's most probable code in blue" in text


GUIDE = ROOT / "docs" / "guide"


@pytest.mark.parametrize("page", ["regression", "uncertainty", "gan", "vae", "control",
                                  "conditional"])
def test_guide_measured_figures_are_in_the_committed_runs_they_cite(page):
    # the "Measured" section of each guide page quotes one committed run
    # output (docs/_static/bench/*.txt or the demo's metrics.json); every
    # figure it gives must appear there
    import json

    from pendsk._report.page import format_value

    text = (GUIDE / f"{page}.rst").read_text()
    section = text[text.index("Measured\n--------"):]
    section = section[:section.index(".. seealso::")] if ".. seealso::" in section \
        else section
    sources = re.findall(r"docs/_static/(?:bench/\w+\.txt|demo/metrics\.json)", section)
    assert sources, f"{page}: the Measured section cites no committed run"
    printed = ""
    for source in set(sources):
        content = (ROOT / source).read_text()
        if source.endswith(".json"):
            def walk(tree):
                if isinstance(tree, dict):
                    return " ".join(walk(v) for v in tree.values())
                if isinstance(tree, list):
                    return " ".join(walk(v) for v in tree)
                return format_value(tree) if isinstance(tree, float) else str(tree)
            content = walk(json.loads(content))
        printed += content + "\n"
    figures = re.findall(r"(?<![\w.\[])(\d+\.\d{3,}|\d\.\d+e[-+]\d+)(?![\w])", section)
    assert figures, page
    missing = [f for f in figures if f not in printed]
    assert missing == [], f"{page}: figures not printed by {set(sources)}: {missing}"
