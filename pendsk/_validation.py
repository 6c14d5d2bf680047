"""Validation helpers shared by every public entry point (no torch here).

scikit-learn's ``check_array`` and ``validate_params`` do the checking;
these two only make their errors name the argument and refuse bools as
counts.
"""

import re
from contextlib import contextmanager
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval

__all__ = ["Count", "naming"]


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
        if any(re.search(rf"(?<![\w-]){re.escape(name)}(?![\w])", message)
               for name in names):
            raise
        kind = TypeError if not isinstance(exc, ValueError) else ValueError
        raise kind(f"Invalid {' or '.join(names)}: {message}") from exc
