"""Warnings that pendsk issues (no torch needed to import them)."""

__all__ = ["CollapseWarning"]


class CollapseWarning(UserWarning):
    """Warning that a latent model's codes have collapsed: the KL term
    closed codes that the data need (posterior collapse).

    :class:`~pendsk.BetaVAE` issues it after a fit that leaves fewer codes
    in use than it has (:func:`~pendsk.metrics.active_dimensions`), while
    PCA with one more component than the codes in use reconstructs the
    training rows better; the message names the remedies (a smaller
    ``beta``, a ``capacity`` schedule, the start from PCA).

    Examples
    --------
    Make a collapse an error, e.g. in a grid search that should skip such
    fits:

    >>> import warnings
    >>> from pendsk.exceptions import CollapseWarning
    >>> warnings.simplefilter("error", CollapseWarning)
    >>> issubclass(CollapseWarning, UserWarning)
    True
    >>> warnings.resetwarnings()
    """
