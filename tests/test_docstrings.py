"""Every public name has a numpydoc docstring matching its code.

In the spirit of imbalanced-learn's test_docstring_parameters: documented
parameters equal the signature's, fitted attributes documented under
Attributes exist after fit, and there is an Examples section (run by
pytest's --doctest-modules).
"""

import inspect

import numpy as np
import pytest
from numpydoc.docscrape import ClassDoc, FunctionDoc

import pendsk
import pendsk.cli
import pendsk.datasets
import pendsk.metrics
import pendsk.plotting


def public_objects():
    objects = [getattr(pendsk, n) for n in pendsk.__all__ if not n.startswith("_")]
    objects += [getattr(pendsk.datasets, n) for n in pendsk.datasets.__all__]
    objects += [getattr(pendsk.metrics, n) for n in pendsk.metrics.__all__]
    objects += [getattr(pendsk.plotting, n) for n in pendsk.plotting.__all__]
    objects += [pendsk.cli.main]
    return [o for o in objects if inspect.isclass(o) or inspect.isfunction(o)]


def public_methods(cls):
    for name, method in inspect.getmembers(cls, inspect.isfunction):
        if not name.startswith("_") and method.__module__.startswith("pendsk"):
            yield name, method


def documented_params(doc):
    names = []
    for p in doc["Parameters"]:  # variadic keywords are written ``**name``
        names += [n.strip().lstrip("*") for n in p.name.split(",")]
    return names


@pytest.mark.parametrize("obj", public_objects(), ids=lambda o: o.__qualname__)
def test_docstring_parameters_match_signature(obj):
    doc = ClassDoc(obj) if inspect.isclass(obj) else FunctionDoc(obj)
    assert doc["Summary"], f"{obj.__qualname__} has no summary"
    assert doc["Examples"], f"{obj.__qualname__} has no Examples section"
    signature = inspect.signature(obj)
    expected = [p for p in signature.parameters if p not in ("self", "args", "kwargs")]
    assert documented_params(doc) == expected
    if inspect.isclass(obj):
        for name, method in public_methods(obj):
            mdoc = FunctionDoc(method)
            assert mdoc["Summary"], f"{obj.__name__}.{name} has no summary"
            params = [p for p in inspect.signature(method).parameters if p != "self"]
            assert documented_params(mdoc) == params, f"{obj.__name__}.{name}"
            assert mdoc["Returns"] or name == "set_output", f"{obj.__name__}.{name}"


def test_documented_attributes_exist_after_fit():
    sim = pendsk.PendulumSimulator(n_steps=3)
    frame = pytest.importorskip("pandas").DataFrame(
        np.array([[0.1, 0.0, 1.0, 1.0]]), columns=["theta0", "omega0", "length", "mass"])
    sim.fit(frame)
    documented = [a.name for a in ClassDoc(type(sim))["Attributes"]]
    assert documented
    for name in documented:
        assert hasattr(sim, name), name
    fitted = [a for a in vars(sim) if a.endswith("_") and not a.startswith("_")]
    assert sorted(fitted) == sorted(documented)
