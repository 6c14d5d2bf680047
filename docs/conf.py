"""Sphinx configuration for pendsk's documentation.

Build (from the repository root; it runs every gallery example)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

``-D plot_gallery=0`` skips running the examples (a quick check of the text).
"""

import os
import sys
from pathlib import Path

# the gallery examples draw with matplotlib, headless
os.environ.setdefault("MPLBACKEND", "Agg")

import matplotlib  # noqa: E402

matplotlib.use("Agg")

from sphinx_gallery.sorting import ExplicitOrder  # noqa: E402

DOCS = Path(__file__).resolve().parent
# the package from this checkout, installed or not
sys.path.insert(0, str(DOCS.parent))

import pendsk  # noqa: E402
import torch  # noqa: E402

# The gallery runs in this process and trains small networks: their matrices
# are too small for torch's intra-op threads to pay, and on a busy machine
# those threads wait on each other (on a shared 2-core machine plot_vae.py
# took 59 s on two threads, 17 s on one). One thread, as in
# tests/conftest.py, keeps every example near its quiet-machine time.
torch.set_num_threads(1)

project = "pendsk"
author = "the pendsk developers"
copyright = "2026, the pendsk developers"
release = pendsk.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

# -- API reference: autosummary stubs in docs/generated (git-ignored) ------------
autosummary_generate = True
autosummary_imported_members = False
templates_path = ["_templates"]
autodoc_default_options = {"member-order": "bysource"}


def _from_sklearn(member):
    return (getattr(member, "__module__", None) or "").startswith("sklearn.")


def _sklearn_methods():
    """Per public class, the methods it takes unchanged from scikit-learn.

    ``get_params``, ``set_output``, ``set_score_request``, ...: documented by
    scikit-learn, and their docstrings point into scikit-learn's own user
    guide, which is not part of this build.
    """
    return {f"pendsk.{cls.__name__}": sorted(
                name for name in dir(cls)
                if not name.startswith("_") and _from_sklearn(getattr(cls, name, None)))
            for cls in (getattr(pendsk, name) for name in pendsk.__all__)
            if isinstance(cls, type)}


# the class template leaves these out of the "Methods" table ...
autosummary_context = {"sklearn_methods": _sklearn_methods()}


def _skip_sklearn_methods(app, what, name, obj, skip, options):
    # ... and autodoc leaves out their documentation
    if what == "class" and callable(obj) and _from_sklearn(obj):
        return True
    return None


# numpydoc renders the docstrings; the class template lists the members, so
# numpydoc must not list them again (that would duplicate every method)
numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# no intersphinx: CI has no network apart from PyPI
# examples/ holds the gallery's sources, which sphinx-gallery turns into auto_examples/
exclude_patterns = ["_build", "examples", "**.ipynb_checkpoints"]
default_role = "literal"

# -- sphinx-gallery -------------------------------------------------------------
EXAMPLE_ORDER = ["plot_simulator.py", "plot_regression.py", "plot_uncertainty.py",
                 "plot_gan.py", "plot_vae.py"]
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    # run every example, not only those whose name starts with plot_
    "filename_pattern": r"\.py$",
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    # the article's road, not the alphabet; examples not listed come last
    "within_subsection_order": ExplicitOrder(EXAMPLE_ORDER + ["*"]),
    # "Examples using ..." at the foot of each API page
    "doc_module": ("pendsk",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "download_all_examples": False,
    "show_signature": False,
    # a failing example fails the build
    "only_warn_on_example_error": False,
    "min_reported_time": 0,
}

# -- HTML -----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"pendsk {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_show_sourcelink = False


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_methods)
