"""Validation helpers shared by every public entry point (no torch here).

scikit-learn's ``check_array`` and ``validate_params`` do the checking;
these helpers make their errors name the argument, refuse bools as counts
and check the shape of numeric arrays.
"""

import re
from contextlib import contextmanager
from numbers import Integral

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval

__all__ = ["Count", "check_values", "naming"]


class Count(Interval):
    """``Interval(Integral, ...)`` that refuses bools.

    scikit-learn's integer intervals take ``True`` for 1; a count, a step
    number or a dimension given as a bool is a mistake, not a request.
    """

    def __init__(self, left, right=None, *, closed="left"):
        super().__init__(Integral, left, right, closed=closed)

    def is_satisfied_by(self, val):
        return not isinstance(val, (bool, np.bool_)) and super().is_satisfied_by(val)


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
        if isinstance(exc, NotFittedError) or any(
                re.search(rf"(?<![\w-]){re.escape(name)}(?![\w])", message)
                for name in names):
            raise
        kind = TypeError if not isinstance(exc, ValueError) else ValueError
        raise kind(f"Invalid {' or '.join(names)}: {message}") from exc


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
    if array.shape[0] < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} rows; got {array.shape[0]}.")
    if array.ndim >= 2 and array.shape[1] < min_columns:
        raise ValueError(f"{name} must have at least {min_columns} columns; "
                         f"got {array.shape[1]}.")
    if length is not None and array.shape[-1] != length:
        raise ValueError(f"{name} must have {length} values, as many as {length_of}; "
                         f"got {array.shape[-1]}.")
    return array.astype(np.float64, copy=False)
