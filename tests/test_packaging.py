"""The package's face: README, CI script and public names agree with the code."""

import re
from pathlib import Path

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
