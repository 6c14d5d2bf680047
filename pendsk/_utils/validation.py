"""Validation helpers shared by every public entry point (no torch here).

scikit-learn's ``check_array`` and ``validate_params`` do the checking;
these helpers make their errors name the argument, refuse bools as counts
and check the shape of numeric arrays.  The constraint objects
(:class:`Count`, :class:`Widths`, :class:`Pair`) extend scikit-learn's
parameter constraints, so that ``_parameter_constraints`` checks every
hyperparameter once per fit, and :func:`describe` turns a parameter's
constraints into the type line of its docstring.
"""

import math
import os
import re
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_array
from sklearn.utils._param_validation import (Interval, InvalidParameterError, Options,
                                            StrOptions, validate_parameter_constraints)

__all__ = ["Count", "Pair", "ValueConstraint", "Widths", "as_float64", "check_output_size",
           "check_settings", "check_values", "describe", "naming"]


class Count(Interval):
    """``Interval(Integral, ...)`` that refuses bools.

    scikit-learn's integer intervals take ``True`` for 1; a count, a step
    number or a dimension given as a bool is a mistake, not a request.
    """

    def __init__(self, left, right=None, *, closed="left"):
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


class ValueConstraint(Options):
    """Base of a constraint on a value's content that scikit-learn's
    validation accepts: its ``make_constraint`` takes the known constraint
    classes only (as :class:`Count` extends ``Interval``, this extends
    ``Options``, with a test of its own instead of a set of options).
    Subclasses implement ``is_satisfied_by`` and ``__str__`` (the error's
    words) and set ``doc_type``, the numpydoc type of a value that
    satisfies it (what :func:`describe` writes)."""

    doc_type = "object"

    def __init__(self):
        super().__init__(object, set())

    def is_satisfied_by(self, val):
        raise NotImplementedError


class Widths(ValueConstraint):
    """Widths of hidden layers: a positive int or a flat sequence of them.

    Bools are refused, and so are nested sequences (``((8, 8),)`` is not
    two layers); an empty sequence means no hidden layer.
    :meth:`convert` gives the widths as a tuple of ints.
    """

    doc_type = "array-like of int"

    def is_satisfied_by(self, val):
        if isinstance(val, (str, bytes)):
            return False
        try:
            sizes = np.asarray(val, dtype=object)
        except ValueError:  # ragged nesting
            return False
        sizes = sizes.reshape(-1) if sizes.ndim <= 1 else None
        if sizes is None or any(isinstance(s, (tuple, list, np.ndarray)) for s in sizes):
            return False
        return all(isinstance(s, Integral) and not isinstance(s, (bool, np.bool_)) and s > 0
                   for s in sizes)

    @staticmethod
    def convert(val):
        """The widths of a satisfying value, as a tuple of ints."""
        return tuple(int(s) for s in np.asarray(val, dtype=object).reshape(-1))

    def __str__(self):
        return "a positive int or a flat sequence of positive ints (layer widths)"


class Pair(ValueConstraint):
    """A pair ``(a, b)`` of finite numbers, each satisfying its own constraint.

    Parameters
    ----------
    first, second : Interval
        The constraints of ``a`` and ``b`` (bools are refused).
    names : tuple of str, default=("a", "b")
        The items' names, in the error message, e.g. ``("C_max",
        "n_epochs")``.
    increasing : bool, default=False
        Also require ``a < b`` (a range ``(low, high)``).

    :meth:`convert` gives the pair as a tuple of floats or ints, after the
    items' types (``Integral`` constraints give ints).
    """

    doc_type = "tuple (a, b)"

    def __init__(self, first, second, *, names=("a", "b"), increasing=False):
        super().__init__()
        self.first = first
        self.second = second
        self.names = names
        self.increasing = increasing

    def is_satisfied_by(self, val):
        if isinstance(val, (str, bytes)) or np.ndim(val) != 1 or len(val) != 2:
            return False
        items = list(val)
        if not all(isinstance(v, Real) and not isinstance(v, (bool, np.bool_))
                   and math.isfinite(v) for v in items):
            return False
        if not (self.first.is_satisfied_by(items[0]) and self.second.is_satisfied_by(items[1])):
            return False
        return not self.increasing or items[0] < items[1]

    def convert(self, val):
        """The items of a satisfying value, as Python numbers."""
        return tuple(int(v) if issubclass(c.type, Integral) else float(v)
                     for v, c in zip(val, (self.first, self.second)))

    def __str__(self):
        first, second = self.names
        parts = [f"{name} {_bound_text(c)}"
                 for name, c in zip(self.names, (self.first, self.second)) if _bound_text(c)]
        order = [f"{first} < {second}"] if self.increasing else []
        detail = " and ".join(parts + order)
        return (f"a pair ({first}, {second}) of finite numbers"
                + (f" with {detail}" if detail else ""))


def _bound_text(interval):
    """``">= 0"``, ``"in [1, inf)"`` and the like, or ``""`` for no bound."""
    if interval.left is None and interval.right is None:
        return ""
    kind = "an int " if issubclass(interval.type, Integral) else ""
    if interval.right is None:
        sign = ">=" if interval.closed in ("left", "both") else ">"
        return f"{kind}{sign} {interval.left:g}".strip()
    if interval.left is None:
        sign = "<=" if interval.closed in ("right", "both") else "<"
        return f"{kind}{sign} {interval.right:g}".strip()
    return f"{kind}{interval}".strip()


def describe(constraints):
    """The numpydoc type of a parameter with these constraints, e.g.
    ``'int or "auto"'``, ``'{"cpu", "cuda", "auto"}'``, ``"float"``.

    Parameters
    ----------
    constraints : list
        A parameter's entry in ``_parameter_constraints``.

    Returns
    -------
    text : str

    Examples
    --------
    >>> from numbers import Real
    >>> from sklearn.utils._param_validation import Interval, StrOptions
    >>> from pendsk._utils.validation import Count, describe
    >>> describe([Count(1, None), StrOptions({"auto"})])
    'int or "auto"'
    >>> describe([Interval(Real, 0, None, closed="left")])
    'float'
    >>> describe(["boolean", StrOptions({"auto"})])
    'bool or "auto"'
    """
    names = {"boolean": "bool", "random_state": "int, RandomState instance or None",
             "verbose": "int", "array-like": "array-like", None: "None", list: "list"}
    parts = []
    for constraint in constraints:
        if isinstance(constraint, StrOptions):
            options = sorted(constraint.options - constraint.deprecated)
            text = ", ".join(f'"{o}"' for o in options)
            parts.append(text if len(options) == 1 else "{" + text + "}")
        elif isinstance(constraint, Interval):
            parts.append("int" if issubclass(constraint.type, Integral) else "float")
        elif isinstance(constraint, ValueConstraint):
            parts.append(constraint.doc_type)
        else:
            parts.append(names.get(constraint, str(constraint)))
    unique = list(dict.fromkeys(parts))
    return " or ".join(unique)


@contextmanager
def naming(*names):
    """Make the validation errors raised in the block name the argument.

    scikit-learn's messages often do not say which argument they are about
    ("Expected 2D array, got 1D array instead", "Complex data not
    supported"); a ValueError or TypeError whose message names none of
    ``names`` is raised again, same type, as ``"Invalid <names>: <message>"``.

    numpy's overflow warnings are silenced in the block: scikit-learn's
    finiteness check sums the array first, and with values near float64's
    limit that sum overflows (the check's answer is still right).
    """
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            yield
    except (ValueError, TypeError) as exc:
        message = str(exc)
        if isinstance(exc, (NotFittedError, InvalidParameterError)) or any(
                re.search(rf"(?<![\w-]){re.escape(name)}(?![\w])", message)
                for name in names):
            raise
        kind = TypeError if not isinstance(exc, ValueError) else ValueError
        raise kind(f"Invalid {' or '.join(names)}: {message}") from exc


def as_float64(array, name):
    """``array`` (validated by scikit-learn with ``dtype="numeric"``) as
    float64, refusing dates and durations.

    ``dtype="numeric"`` refuses strings but passes ``datetime64`` and
    ``timedelta64`` arrays through, and a cast to float64 would turn them
    into nanoseconds since 1970 without a word; a trajectory or a
    parameter row is never a date.  Nothing is copied when ``array`` is
    float64 already.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk._utils.validation import as_float64
    >>> as_float64(np.array([[1, 2]]), "X")
    array([[1., 2.]])
    >>> as_float64(np.array([["2020-01-01"]], dtype="datetime64[D]"), "X")
    Traceback (most recent call last):
    ...
    ValueError: X holds datetime64[D] values (dates or durations), not numbers; convert them to numbers explicitly (e.g. seconds as float).
    """
    if array.dtype.kind in "mM":
        raise ValueError(f"{name} holds {array.dtype} values (dates or durations), not "
                         "numbers; convert them to numbers explicitly (e.g. seconds as "
                         "float).")
    return array.astype(np.float64, copy=False)


def _physical_memory():
    """Bytes of this machine's memory, or None where the OS does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None


def check_output_size(shape, name, value, *, copies=1):
    """Refuse a request for a float64 array larger than memory can hold.

    An array of ``shape`` (``copies`` of them at once) that exceeds the
    largest array numpy can index, or this machine's memory, raises a
    ValueError naming the argument ``name`` (whose value ``value`` asked
    for it) before anything is allocated: numpy's own errors name neither
    the argument nor a remedy, and torch's allocator fails with a
    RuntimeError.

    Examples
    --------
    >>> from pendsk._utils.validation import check_output_size
    >>> check_output_size((10, 50), "n_samples", 10)
    >>> check_output_size((2**62, 50), "n_samples", 2**62)
    Traceback (most recent call last):
    ...
    ValueError: n_samples=4611686018427387904 asks for an array of shape (4611686018427387904, 50) (1.84e+21 bytes), more than any array can hold; ask for less at a time.
    """
    n_bytes = 8 * math.prod(int(n) for n in shape) * copies
    memory = _physical_memory()
    if n_bytes > np.iinfo(np.intp).max:
        where = "any array can hold"
    elif memory is not None and n_bytes > memory:
        where = f"this machine's memory ({memory / 2**30:.3g} GiB)"
    else:
        return
    raise ValueError(f"{name}={value!r} asks for an array of shape {tuple(shape)} "
                     f"({n_bytes:.3g} bytes), more than {where}; ask for less at a time.")


def check_settings(estimator, *names):
    """Check the hyperparameters ``names`` of ``estimator`` against its
    ``_parameter_constraints``, with scikit-learn's error naming the
    parameter.

    ``fit`` checks them all (``_fit_context``); a method that reads a
    setting after fitting checks it here too, since ``set_params`` may
    have changed it since.
    """
    constraints = estimator._parameter_constraints
    validate_parameter_constraints(
        {name: constraints[name] for name in names},
        {name: getattr(estimator, name) for name in names},
        caller_name=type(estimator).__name__)


def check_values(array, name, *, ndim=2, axes=None, min_rows=1, min_columns=1,
                 length=None, length_of=None):
    """Validate a finite, non-empty numeric array; return it as float64.

    scikit-learn's :func:`~sklearn.utils.check_array` converts and checks
    the values (numbers only, no NaN or infinity) inside :func:`naming`, so
    every error names the argument.  The result may be the caller's own
    array (when it already is float64); nothing here writes to it.

    Parameters
    ----------
    array : array-like
        The argument's value.
    name : str
        The argument's name, used in every error message.
    ndim : int or tuple of int, default=2
        The allowed numbers of dimensions.
    axes : tuple of str, default=None
        Names of the axes of a single allowed `ndim`, quoted in the error
        about the dimensions, e.g. ``("n_samples", "n_features")``.
    min_rows, min_columns : int, default=1
        The least size of the first axis and (for a 2-D array) the second.
    length : int, default=None
        The required size of the last axis; `length_of` names what it must
        match.
    length_of : str, default=None
        What `length` counts, e.g. ``"columns in X"``.

    Returns
    -------
    array : ndarray of float64

    Raises
    ------
    ValueError
        When the array is not numeric, not finite, has another number of
        dimensions, is empty or too small, or has the wrong length.

    Examples
    --------
    >>> from pendsk._utils.validation import check_values
    >>> check_values([[1, 2], [3, 4]], "X")
    array([[1., 2.],
           [3., 4.]])
    >>> check_values([0.0, 1.0], "X", axes=("n_samples", "n_features"))
    Traceback (most recent call last):
    ...
    ValueError: X must be a 2-D array of shape (n_samples, n_features); got an array of shape (2,).
    >>> check_values([0.0, 1.0], "t", ndim=1, length=3, length_of="columns in X")
    Traceback (most recent call last):
    ...
    ValueError: t must have 3 values, as many as columns in X; got 2.
    """
    if array is None:
        raise TypeError(f"{name} must be an array of numbers, got None.")
    with naming(name):
        array = check_array(array, dtype="numeric", ensure_2d=False, allow_nd=True,
                            ensure_min_samples=0, ensure_min_features=0, input_name=name)
    allowed = tuple(np.atleast_1d(ndim))
    if array.ndim not in allowed:
        expected = " or ".join(f"{n}-D" for n in allowed)
        of_shape = f" of shape ({', '.join(axes)})" if axes else ""
        raise ValueError(f"{name} must be a {expected} array{of_shape}; got an array of "
                         f"shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"{name} must not be empty; got an array of shape {array.shape}.")
    if array.ndim == 0 and not np.isfinite(array.astype(np.float64)):
        # (check_array's finiteness check passes 0-d arrays)
        raise ValueError(f"{name} must be a finite number; got {array.item()!r}.")
    if array.ndim and array.shape[0] < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} rows; got {array.shape[0]}.")
    if array.ndim >= 2 and array.shape[1] < min_columns:
        raise ValueError(f"{name} must have at least {min_columns} columns; "
                         f"got {array.shape[1]}.")
    if length is not None and array.shape[-1] != length:
        raise ValueError(f"{name} must have {length} values, as many as {length_of}; "
                         f"got {array.shape[-1]}.")
    return as_float64(array, name)
