"""Helpers of every layer, on numpy, scikit-learn and joblib only (no torch):
the seeding scheme, the validation helpers and constraints, threads."""
