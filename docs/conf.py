"""Sphinx configuration for pendsk's documentation."""

import pendsk

project = "pendsk"
author = "the pendsk developers"
copyright = "2026, the pendsk developers"
release = pendsk.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
