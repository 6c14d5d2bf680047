"""pendsk's parameter constraints (pendsk/_utils/validation.py) and the
shared docstrings that derive from them (pendsk/_neural/docs.py).

The constraints plug into scikit-learn's parameter validation: an
estimator's ``_parameter_constraints`` checks every hyperparameter once
per fit, with scikit-learn's ``InvalidParameterError`` naming it; the
shared docstrings document exactly the types and defaults the constraints
and the signature allow.
"""

import inspect
import re
from numbers import Real

import numpy as np
import pytest
from sklearn.utils._param_validation import (Interval, InvalidParameterError, StrOptions,
                                             validate_parameter_constraints)

import pendsk
from pendsk._utils.validation import (Count, Pair, Widths, as_float64, check_output_size,
                                     check_settings, check_values, describe)

from conftest import NEURAL, small

CAPACITY = Pair(Interval(Real, 0, None, closed="left"), Count(1, None),
                names=("C_max", "n_epochs"))
RANGE = Pair(Interval(Real, None, None, closed="neither"),
             Interval(Real, None, None, closed="neither"), names=("low", "high"),
             increasing=True)


@pytest.mark.parametrize("value, ok", [
    ((64, 32), True), ([8], True), (16, True), ((), True), (np.array([4, 4]), True),
    ((0,), False), ((8, 2.5), False), (("a",), False), ((True,), False), ("16", False),
    ([[1], [2, 3]], False), ((-3,), False)])
def test_widths(value, ok):
    assert Widths().is_satisfied_by(value) is ok


def test_widths_convert_to_ints():
    assert Widths.convert(np.array([4, 8])) == (4, 8)
    assert Widths.convert(16) == (16,)


@pytest.mark.parametrize("value, ok", [
    ((5.0, 10), True), ([0, 1], True), ((np.float64(2.5), np.int64(3)), True),
    ((-1.0, 10), False), ((5.0, 0), False), ((5.0, 2.5), False), ((np.nan, 3), False),
    ((np.inf, 3), False), ((True, 3), False), ((1.0,), False), ((1.0, 2, 3), False),
    ("ab", False), (5.0, False), (None, False)])
def test_pair(value, ok):
    assert CAPACITY.is_satisfied_by(value) is ok


def test_range_is_increasing():
    assert RANGE.is_satisfied_by((0.5, 1.5))
    assert not RANGE.is_satisfied_by((1.5, 0.5))
    assert not RANGE.is_satisfied_by((1.0, 1.0))
    assert RANGE.convert([1, 2]) == (1.0, 2.0)
    assert CAPACITY.convert((np.float32(2), np.int64(3))) == (2.0, 3)
    assert type(CAPACITY.convert((2, 3))[1]) is int


def test_errors_name_the_parameter_and_say_what_is_allowed():
    with pytest.raises(InvalidParameterError,
                       match=r"'capacity' parameter of BetaVAE must be a pair \(C_max, "
                             r"n_epochs\) of finite numbers with C_max >= 0 and n_epochs an "
                             r"int >= 1 or None\. Got \(1, 2, 3\) instead"):
        validate_parameter_constraints({"capacity": [CAPACITY, None]},
                                       {"capacity": (1, 2, 3)}, caller_name="BetaVAE")
    with pytest.raises(InvalidParameterError, match="low < high"):
        validate_parameter_constraints({"r": [RANGE]}, {"r": (2, 1)}, caller_name="f")


@pytest.mark.parametrize("constraints, text", [
    ([Count(1, None), StrOptions({"auto"})], 'int or "auto"'),
    ([Interval(Real, 0, None, closed="left")], "float"),
    (["boolean", StrOptions({"auto"})], 'bool or "auto"'),
    ([StrOptions({"cpu", "cuda"})], '{"cpu", "cuda"}'),
    ([Count(None, -1, closed="right"), Count(1, None), None], "int or None"),
    ([Widths()], "array-like of int"),
    ([CAPACITY, None], "tuple (a, b) or None"),
    (["random_state"], "int, RandomState instance or None"),
])
def test_describe(constraints, text):
    assert describe(constraints) == text


def _documented(cls):
    """``{name: (type, default)}`` from the numpydoc Parameters section."""
    doc = inspect.getdoc(cls)
    section = doc[doc.index("Parameters\n----------"):doc.index("Attributes\n----------")]
    section = section.replace("\\\n", "")
    return {m.group(1): (m.group(2), m.group(3)) for m in
            re.finditer(r"^(\w+) : (.+), default=(.+)$", section, flags=re.MULTILINE)}


SHARED = ["lr", "lr_schedule", "max_epochs", "batch_size", "weight_decay", "early_stopping",
          "validation_fraction", "n_iter_no_change", "warm_start", "callbacks", "device",
          "n_jobs",
          "random_state", "verbose"]


@pytest.mark.parametrize("name", NEURAL)
def test_shared_docstrings_document_what_the_constraints_allow(name):
    cls = getattr(pendsk, name)
    documented = _documented(cls)
    signature = inspect.signature(cls).parameters
    for param in SHARED:
        kind, default = documented[param]
        assert kind == describe(cls._parameter_constraints[param]), param
        value = signature[param].default
        assert default == (f'"{value}"' if isinstance(value, str) else repr(value)
                           if isinstance(value, float) else str(value)), param
    # the "auto" budget is documented exactly where it is accepted
    auto = any(isinstance(c, StrOptions) and "auto" in c.options
               for c in cls._parameter_constraints["max_epochs"])
    assert ("trains for a budget" in inspect.getdoc(cls)) is auto
    if not auto:
        with pytest.raises(InvalidParameterError, match="max_epochs"):
            small(name, max_epochs="auto").fit(np.zeros((4, 5)), np.zeros(4))


def test_physics_vae_documents_no_auto_epochs():
    # the docstring used to say 'int or "auto"', which PhysicsVAE refuses
    kind, default = _documented(pendsk.PhysicsVAE)["max_epochs"]
    assert kind == "int" and default == "300"


# -- values: dates, sizes, settings read after fit ------------------------------------

@pytest.mark.parametrize("dtype", ["datetime64[D]", "datetime64[ns]", "timedelta64[s]"])
def test_dates_and_durations_are_not_numbers(dtype):
    array = np.zeros((2, 3)).astype(dtype)
    with pytest.raises(ValueError, match=rf"X holds {re.escape(dtype)} values .*not numbers"):
        as_float64(array, "X")
    with pytest.raises(ValueError, match="latents holds .* not numbers"):
        check_values(array, "latents")


def test_as_float64_does_not_copy_float64():
    array = np.ones((2, 2))
    assert as_float64(array, "X") is array
    assert as_float64(np.ones((2, 2), dtype=np.int64), "X").dtype == np.float64


@pytest.mark.parametrize("value, match", [(None, "t must be an array of numbers, got None"),
                                          (np.nan, "t contains NaN"),
                                          ("", "Invalid t|t")])
def test_check_values_of_a_scalar(value, match):
    with pytest.raises((ValueError, TypeError), match=match):
        check_values(value, "t", ndim=(0, 1))
    assert check_values(2, "t", ndim=(0, 1)) == 2.0


def test_check_output_size_names_the_argument_and_the_limit(monkeypatch):
    check_output_size((1000, 500), "n_samples", 1000)
    with pytest.raises(ValueError, match=r"n_samples=9223372036854775808 asks for an array "
                       r"of shape \(9223372036854775808, 2\).*more than any array can hold"):
        check_output_size((2**63, 2), "n_samples", 2**63)
    # beyond this machine's memory (here: 1 GiB), but indexable
    monkeypatch.setattr("pendsk._utils.validation._physical_memory", lambda: 2**30)
    with pytest.raises(ValueError, match=r"n_steps=100000 .*this machine's memory \(1 GiB\)"):
        check_output_size((10**4, 10**5), "n_steps", 10**5)
    check_output_size((10, 10), "n_steps", 10)


def test_check_settings_names_the_setting_and_the_class():
    model = small("TrajectoryRegressor").set_params(n_jobs=1.5)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of "
                       "TrajectoryRegressor must be"):
        check_settings(model, "n_jobs")
    check_settings(model, "lr")  # only the named settings are checked
