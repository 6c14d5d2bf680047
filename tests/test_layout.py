"""The package's architecture, read from its source: the import graph is
one-way (numerics below estimators, the report above them), and no module
imports another module's private names.

Every module of pendsk is parsed (not imported); its ``from ... import``
statements of pendsk modules are resolved to module paths.
"""

import ast
from pathlib import Path

import pytest

import pendsk

ROOT = Path(pendsk.__file__).parent

#: Layers, lowest first: a module may import from its own layer or below.
LAYERS = [
    ("utils", ["pendsk._utils", "pendsk.exceptions"]),
    ("numerics", ["pendsk.physics", "pendsk.metrics", "pendsk._pendulum_fit",
                  "pendsk._sample_scores"]),
    ("core", ["pendsk._neural", "pendsk._simulator", "pendsk.datasets", "pendsk.parallel"]),
    ("estimators", ["pendsk._regression", "pendsk._gan", "pendsk._latent"]),
    ("interfaces", ["pendsk.plotting", "pendsk._report", "pendsk.cli", "pendsk.__main__"]),
]


def _module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path):
    """``(module imported from, names)`` of every pendsk import in ``path``."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] == "pendsk":
                found.append((source, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names
                      if alias.name.split(".")[0] == "pendsk"]
    return found


MODULES = sorted(ROOT.rglob("*.py"))


def _layer(module):
    for rank, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return rank
    return None


def test_every_module_has_a_layer():
    names = [_module_name(path) for path in MODULES]
    assert [n for n in names if n != "pendsk" and _layer(n) is None] == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_imports_go_down_the_layers(path):
    module = _module_name(path)
    if module == "pendsk":
        return  # the package's face re-exports every layer
    upward = [(source, names) for source, names in _imports(path)
              if source != "pendsk" and _layer(source) is not None
              and _layer(source) > _layer(module)]
    assert upward == []


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_no_module_imports_another_modules_private_names(path):
    private = [(source, name) for source, names in _imports(path) for name in names
               if name.startswith("_") and not name.startswith("__")]
    assert private == []


def test_numerics_do_not_import_torch_at_module_level():
    # pendsk.physics' numpy modules and the utilities run without torch;
    # the torch twin (torch_pendulum, estimates) is imported only by PhysicsVAE
    torch_free = [p for p in MODULES if _module_name(p).startswith(("pendsk._utils",))
                  or _module_name(p) in ("pendsk.physics", "pendsk.metrics")]
    for path in torch_free:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        names = [alias.name for node in top if isinstance(node, ast.Import)
                 for alias in node.names]
        names += [node.module or "" for node in top if isinstance(node, ast.ImportFrom)]
        assert not any(n.split(".")[0] == "torch" for n in names), path


def test_modules_over_500_lines_say_why():
    long = [path for path in MODULES if len(path.read_text(encoding="utf-8").splitlines()) > 520]
    for path in long:
        docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        assert "lines" in docstring, f"{_module_name(path)} is long and does not say why"
