"""The array conventions that every solver of :mod:`pendsk.physics` shares.

One value per trajectory in, one row per trajectory out: the initial
conditions broadcast to 1-D float64 arrays (:func:`as_trajectories`), the
result is a float64 array of shape ``(n_trajectories, n_steps)``
(:func:`output_array`), filled in tiles of :data:`TILE_ROWS` rows that fit
in cache (:func:`row_tiles`).  numpy only.
"""

import numpy as np

__all__ = ["TILE_ROWS", "as_trajectories", "output_array", "row_tiles"]

#: Rows per cache-sized tile: a solver hands its rows over in tiles of this
#: many, so that the noise is added to each while it is still in cache.  A
#: divisor of the noise blocks' 2048 rows.
TILE_ROWS = 128


def as_trajectories(*arrays):
    """Broadcast per-trajectory values to 1-D float64 arrays of one length.

    Parameters
    ----------
    *arrays : scalars or array-likes of shape (n,)
        One value per trajectory, or one value for all of them.

    Returns
    -------
    arrays : list of ndarray of shape (n,)
        Read-only broadcast views where an input was a scalar.

    Raises
    ------
    ValueError
        If the values are not scalars or 1-D, or their lengths differ.

    Examples
    --------
    >>> from pendsk.physics.arrays import as_trajectories
    >>> theta0, length = as_trajectories([0.1, 0.2, 0.3], 1.5)
    >>> length
    array([1.5, 1.5, 1.5])
    """
    arrays = np.broadcast_arrays(*[np.atleast_1d(np.asarray(a, dtype=np.float64))
                                   for a in arrays])
    if arrays[0].ndim != 1:
        raise ValueError("initial conditions must be scalars or 1-D arrays; got "
                         f"shape {arrays[0].shape}")
    return arrays


def output_array(out, n, n_steps):
    """The array a solver writes into: ``out`` checked, or a new one.

    Parameters
    ----------
    out : ndarray or None
        Caller's array, float64 of shape ``(n, n_steps)``; None for a new
        (uninitialised) one.
    n, n_steps : int
        Number of trajectories and of samples per trajectory.

    Returns
    -------
    out : ndarray of shape (n, n_steps), float64

    Raises
    ------
    ValueError
        If ``out`` has another shape or dtype.

    Examples
    --------
    >>> from pendsk.physics.arrays import output_array
    >>> output_array(None, 2, 3).shape
    (2, 3)
    """
    if out is None:
        return np.empty((n, n_steps))
    if out.shape != (n, n_steps) or out.dtype != np.float64:
        raise ValueError(f"out must be a float64 array of shape {(n, n_steps)}")
    return out


def row_tiles(n, size=TILE_ROWS):
    """Consecutive slices of ``size`` rows (the last may be shorter) covering ``n``.

    Parameters
    ----------
    n : int
        Number of rows.
    size : int, default=TILE_ROWS
        Rows per tile.

    Returns
    -------
    tiles : list of slice

    Examples
    --------
    >>> from pendsk.physics.arrays import row_tiles
    >>> row_tiles(300)
    [slice(0, 128, None), slice(128, 256, None), slice(256, 300, None)]
    """
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]
