"""The neural core: one estimator base, the skorch nets and callbacks it
trains with, its runtime (seed, threads, device), the shared layers and
docstrings.  Nothing here knows a particular estimator."""
