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
    "sphinx.ext.intersphinx",
    "numpydoc",
]
autosummary_generate = True
numpydoc_show_class_members = False
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
}
exclude_patterns = ["_build", "generated"]
html_theme = "pydata_sphinx_theme"
