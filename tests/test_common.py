"""scikit-learn's estimator checks on every public pendsk estimator.

Estimators are discovered from ``pendsk.__all__``, so a new estimator is
checked without anyone remembering to add it here.  Each estimator is
checked with the tests' small settings (``SMALL`` in conftest.py) and may
list checks that cannot apply to it in ``EXPECTED_FAILED_CHECKS``, each
with its written reason.
"""

import inspect
import re
from pathlib import Path

from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

import pendsk
from conftest import SMALL

_SCHEMA = (
    "PendulumSimulator's input has a fixed physical schema: exactly 4 columns "
    "(theta0, omega0, length, mass), length > 0 and mass > 0; this check fits "
    "it on random data with {} columns, which it must reject. The property "
    "checked is tested on physical rows in tests/test_simulator.py::{}."
)

#: Checks that cannot apply, per estimator class name, with the reason.
EXPECTED_FAILED_CHECKS = {
    "PendulumSimulator": {
        check: _SCHEMA.format(n_columns, covered_by)
        for check, n_columns, covered_by in [
            ("check_dict_unchanged", 3, "test_methods_leave_state_and_input_unchanged"),
            ("check_dont_overwrite_parameters", 3,
             "test_fit_sets_only_trailing_underscore_attributes"),
            ("check_dtype_object", 10, "test_accepts_dtypes"),
            ("check_estimators_dtypes", 5, "test_accepts_dtypes"),
            ("check_estimators_fit_returns_self", 2, "test_fit_returns_self"),
            ("check_estimators_nan_inf", 3, "test_rejects_bad_rows"),
            ("check_estimators_overwrite_params", 2,
             "test_methods_leave_state_and_input_unchanged"),
            ("check_estimators_pickle", 2, "test_pickle_round_trip"),
            ("check_estimators_pickle(readonly_memmap=True)", 2, "test_pickle_round_trip"),
            ("check_f_contiguous_array_estimator", 2, "test_accepts_dtypes"),
            ("check_fit2d_1sample", 10, "test_fit_on_one_row"),
            ("check_fit2d_predict1d", 3, "test_rejects_bad_rows"),
            ("check_fit_check_is_fitted", 3, "test_not_fitted_error"),
            ("check_fit_idempotent", 3, "test_fit_is_idempotent"),
            ("check_fit_score_takes_y", 3, "test_fit_returns_self"),
            ("check_methods_sample_order_invariance", 3, "test_row_order_and_subset_invariance"),
            ("check_methods_subset_invariance", 3, "test_row_order_and_subset_invariance"),
            ("check_n_features_in", 3, "test_rejects_bad_rows"),
            ("check_pipeline_consistency", 3, "test_pipeline_and_fit_transform"),
            ("check_readonly_memmap_input", 3, "test_accepts_dtypes"),
            ("check_transformer_data_not_an_array", 3, "test_accepts_dtypes"),
            ("check_transformer_general", 3, "test_pipeline_and_fit_transform"),
            ("check_transformer_general(readonly_memmap=True)", 3, "test_accepts_dtypes"),
            ("check_transformer_preserve_dtypes", 3, "test_accepts_dtypes"),
        ]
    },
}


def all_estimators():
    """Every public estimator class in pendsk, by name."""
    return sorted(
        (name, obj)
        for name, obj in ((n, getattr(pendsk, n)) for n in pendsk.__all__)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator)
    )


def _instances():
    return [cls(**SMALL.get(name, {})) for name, cls in all_estimators()]


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


def test_discovery_finds_every_estimator():
    names = [name for name, _ in all_estimators()]
    assert "PendulumSimulator" in names
    # every discovered estimator has small test settings and valid reasons
    for name in names:
        assert name in SMALL, f"add small test settings for {name} to conftest.SMALL"
        for check, reason in EXPECTED_FAILED_CHECKS.get(name, {}).items():
            assert check.startswith("check_") and len(reason) > 40
            # each reason names a test that checks the property on valid input
            path, test = re.search(r"(tests/test_\w+\.py)::(\w+)", reason).groups()
            source = (Path(__file__).parents[1] / path).read_text()
            assert f"def {test}(" in source, (name, check, path, test)


@parametrize_with_checks(_instances(), expected_failed_checks=_expected_failed_checks,
                         xfail_strict=True)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
