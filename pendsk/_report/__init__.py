"""The report behind ``pendsk demo``, apart from the library: it imports the
estimators, nothing in the library imports it."""
