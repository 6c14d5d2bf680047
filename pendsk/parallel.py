"""Scaling out with Dask: simulate pendulum trajectories block by block.

Model selection needs nothing from this module: every pendsk estimator
runs in ``GridSearchCV`` under ``joblib.parallel_backend("dask")`` as it is
(see the "Scaling out" page of the documentation).  What it adds is
:func:`simulate_blocks`, which runs :class:`~pendsk.PendulumSimulator` over
a :mod:`dask.array` of parameter rows one block at a time, so that no
worker ever holds more than one block of trajectories.

``import pendsk.parallel`` works without Dask; the functions import it
when called and, if it is missing, raise an :class:`ImportError` that says
how to install it (``pip install 'pendsk[dask]'``).
"""

import copy

import numpy as np
from sklearn.utils._param_validation import validate_parameter_constraints
from sklearn.utils.validation import check_is_fitted

from ._utils.seeding import child_seed, root_entropy
from ._utils.validation import Count
from ._simulator import PARAMETER_NAMES, PendulumSimulator

__all__ = ["simulate_blocks"]


def _import_dask_array(caller):
    """``dask.array``, or an ImportError telling how to install it."""
    try:
        import dask.array as da
    except ImportError as exc:
        raise ImportError(
            f"{caller} needs Dask, which is not installed; install pendsk's "
            "Dask extra with: pip install 'pendsk[dask]'"
        ) from exc
    return da


def _simulate_block(block, simulator, entropy, block_info=None):
    """One block of trajectories: ``simulator.transform`` on whole rows.

    With noise, block ``i`` runs with ``random_state = child_seed(entropy,
    i)`` (:mod:`pendsk._random`), a word of ``SeedSequence(entropy,
    spawn_key=(i,))``.
    """
    (i, _), ((start, stop), _) = (block_info[None]["chunk-location"],
                                  block_info[None]["array-location"])
    sim = copy.copy(simulator)
    # the blocks are plain arrays whose columns are taken in the documented
    # order; the fitted column names (if any) would only make every block
    # warn that it has none
    vars(sim).pop("feature_names_in_", None)
    if entropy is not None:
        sim.random_state = child_seed(entropy, i)
    try:
        return sim.transform(block)
    except ValueError as exc:
        where = f"The row number counts within block {i} of params"
        # the rows' positions are unknown when params has unknown chunk sizes
        if np.isfinite([start, stop]).all():
            where += f", which holds its rows {start} to {stop - 1}"
        raise ValueError(f"{exc} {where}.") from exc


def simulate_blocks(simulator, params, rows_per_block=None):
    """Simulate a Dask array of parameter rows lazily, block by block.

    The Dask counterpart of ``simulator.transform(params)``: ``params`` is
    rechunked so that every block holds whole rows (all four columns), and
    :func:`dask.array.map_blocks` turns each block of ``r`` rows into a block
    of ``r`` trajectories.  Nothing is computed until the result is; each
    task then needs only its own block, ``8 * r * n_steps`` bytes of output.

    Parameters
    ----------
    simulator : PendulumSimulator
        A fitted simulator (``transform`` requires it); its settings
        (``n_steps``, ``dt``, ``method``, noise, ...) apply to every block.
    params : dask.array.Array of shape (n_rows, 4)
        Parameter rows: ``theta0`` [rad], ``omega0`` [rad/s], ``length``
        [m] > 0, ``mass`` [kg] > 0, in that order.  Their values are
        validated block by block when the result is computed, as
        ``transform`` validates them.
    rows_per_block : int or None, default=None
        Rows per output block; ``None`` keeps the row chunks of ``params``.
        Pick it for memory: 10,000 rows of 500 steps make 40 MB.

    Returns
    -------
    X : dask.array.Array of shape (n_rows, n_steps)
        The trajectories, float64, lazily; one block per row block.

    Raises
    ------
    ImportError
        If Dask is not installed (``pip install 'pendsk[dask]'``).
    sklearn.exceptions.NotFittedError
        If ``simulator`` is not fitted.
    ValueError
        If ``params`` is not a 2-D Dask array of 4 numeric columns.

    See Also
    --------
    pendsk.PendulumSimulator.transform : The same on an in-memory array.

    Notes
    -----
    Without observation noise the result equals
    ``simulator.transform(params.compute())`` exactly.  With noise, calling
    ``transform`` on every block would repeat the same draws in every block
    when ``random_state`` is an int; instead block ``i`` is simulated with
    the int seed drawn from ``numpy.random.SeedSequence(entropy,
    spawn_key=(i,))``, that is ``SeedSequence(entropy).spawn(n_blocks)[i]``
    (its first word, ``generate_state(1)[0]``), where ``entropy`` is the
    simulator's int ``random_state`` (one draw from it if it is a
    ``RandomState``, fresh entropy if it is ``None``), fixed when the graph
    is built.  So the blocks' noise is independent, the same int seed and
    chunking give the same result on any scheduler and any number of
    workers, and computing the returned array twice gives the same numbers.
    The noise does depend on the chunking, and differs from
    ``transform``'s (which draws for all rows at once).

    Examples
    --------
    >>> import dask
    >>> import dask.array as da
    >>> import numpy as np
    >>> from pendsk import PendulumSimulator
    >>> from pendsk.parallel import simulate_blocks
    >>> rng = np.random.default_rng(0)
    >>> rows = rng.uniform([0.5, 0.5, 1.0, 1.0], [1.5, 1.5, 2.5, 2.5], size=(1000, 4))
    >>> params = da.from_array(rows, chunks=(250, 2))
    >>> sim = PendulumSimulator(n_steps=100).fit(rows)
    >>> X = simulate_blocks(sim, params)
    >>> X.shape, X.chunks[0]
    ((1000, 100), (250, 250, 250, 250))
    >>> with dask.config.set(scheduler="synchronous"):
    ...     X_np = X.compute()
    >>> np.array_equal(X_np, sim.transform(rows))
    True

    With observation noise every block draws its own noise, reproducibly:

    >>> noisy = PendulumSimulator(n_steps=100, noise_std=0.01, random_state=0).fit(rows)
    >>> same = da.from_array(np.tile(rows[:1], (4, 1)), chunks=(1, 4))
    >>> Y = simulate_blocks(noisy, same)
    >>> Y1, Y2 = dask.compute(Y, simulate_blocks(noisy, same), scheduler="synchronous")
    >>> np.array_equal(Y1, Y2), np.array_equal(Y1[0], Y1[1])
    (True, False)
    """
    da = _import_dask_array("simulate_blocks")
    if not isinstance(simulator, PendulumSimulator):
        raise TypeError("simulator must be a PendulumSimulator, got "
                        f"{type(simulator).__name__}.")
    check_is_fitted(simulator)
    # set_params may have changed its settings since fit
    simulator._validate_params()
    if not isinstance(params, da.Array):
        raise ValueError(
            "params must be a dask array of shape (n_rows, 4), got "
            f"{type(params).__module__}.{type(params).__qualname__}; wrap an in-memory "
            "array with dask.array.from_array(params, chunks=(rows, 4)), or call "
            "simulator.transform(params) directly.")
    if params.ndim != 2 or params.shape[1] != len(PARAMETER_NAMES):
        raise ValueError(
            f"params must be 2-D with {len(PARAMETER_NAMES)} columns "
            f"({', '.join(PARAMETER_NAMES)}), got shape {params.shape}.")
    if params.dtype.kind not in "biuf":
        raise ValueError(f"params must hold numbers, got dtype {params.dtype}.")
    validate_parameter_constraints({"rows_per_block": [Count(1, None), None]},
                                   {"rows_per_block": rows_per_block},
                                   caller_name="simulate_blocks")
    if rows_per_block is not None or params.numblocks[1] > 1:
        axes = {1: -1} if rows_per_block is None else {0: rows_per_block, 1: -1}
        params = params.rechunk(axes)

    noisy = simulator.noise_std != 0 or simulator.noise_growth != 0
    # fixed at graph build: an int is its own entropy, a RandomState gives
    # one draw (advancing it, as transform does), None fresh entropy
    entropy = root_entropy(simulator.random_state) if noisy else None
    return params.map_blocks(
        _simulate_block, simulator=simulator, entropy=entropy,
        chunks=(params.chunks[0], (simulator.n_steps,)), dtype=np.float64,
        meta=np.empty((0, 0), dtype=np.float64), token="simulate_blocks",
    )
