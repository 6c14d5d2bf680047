"""Optional dependencies, imported when a feature needs them."""

__all__ = ["import_matplotlib"]



def import_matplotlib(feature="pendsk.plotting"):
    """Import matplotlib (with the submodules pendsk uses), or say that
    ``feature`` needs it and how to install it."""
    try:
        import matplotlib
        import matplotlib.cm
        import matplotlib.colors
        import matplotlib.pyplot
        import matplotlib.ticker
    except ImportError as error:
        raise ImportError(
            f"{feature} needs matplotlib: pip install 'pendsk[plot]'") from error
    return matplotlib
