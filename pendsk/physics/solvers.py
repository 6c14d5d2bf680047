"""The pendulum's solvers by name, the ``"auto"`` planner, noise and threads.

:data:`SOLVERS` maps each method name to a :class:`Solver`, which knows
what it needs: the array function (:func:`~pendsk.physics.closed_form.exact`,
:func:`~pendsk.physics.integrators.rk4`,
:func:`~pendsk.physics.integrators.euler_cromer`), how to fill a block of
rows tile by tile, and which rows it accepts.  :func:`plan` maps rows to
entries (``"auto"``: each row to the first of :data:`AUTO` that accepts
it), and :func:`simulate` runs the plan in one dispatch loop, over blocks
of rows in threads, adding :class:`ObservationNoise` to each tile while it
is in cache.  numpy only (no scikit-learn estimator, no torch).

The equation of motion is::

    theta'' = -(g / L) * sin(theta) - damping / (m * L**2) * theta'

so the mass only enters through the damping term.
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._utils.seeding import child_rng, root_entropy
from .._utils.threads import intra_op_threads
from .arrays import TILE_ROWS, as_trajectories, row_tiles
from .closed_form import check_exact, exact, exact_tiles, librating
from .integrators import euler_cromer, euler_cromer_tiles, rk4, rk4_tiles

__all__ = ["AUTO", "NOISE_ROWS", "SOLVERS", "ObservationNoise", "Solver", "plan",
           "simulate"]

#: Rows per noise block: block ``i`` draws from ``child_rng(entropy, i)``,
#: so the noise depends on the seed only, never on the number of threads.
NOISE_ROWS = 2048

assert NOISE_ROWS % TILE_ROWS == 0  # a tile never straddles two noise blocks


class Solver:
    """One entry of the solver table: a method and what it needs.

    Parameters
    ----------
    name : str
        The method's name, the key in :data:`SOLVERS`.
    function : callable
        The array function ``function(theta0, omega0, length, mass, *, g,
        damping, dt, n_steps, out)``; calling the entry calls it.
    tiles : callable
        ``tiles(theta0, omega0, length, mass, *, g, damping, dt, out)``:
        fills ``out`` (rows already broadcast and accepted) and yields its
        finished tiles of rows, in order, as slices.
    accepts : callable or None, default=None
        ``accepts(theta0, omega0, length, g, damping)`` → boolean mask of
        the rows it can simulate; None for every row.
    check : callable or None, default=None
        ``check(theta0, omega0, length, g, damping)`` raises a
        ``ValueError`` naming the refused rows (or the refused damping);
        None when every row is accepted.
    call_rows : int or None, default=None
        For a solver whose result for a row may change by a rounding with
        the rows computed along with it (the closed form's tiles share one
        number of harmonics): a subset of a block's rows is passed in calls
        that each hold the subset's rows of one stretch of this many rows,
        on the edges of the noise blocks, so that a row meets the same rows
        whatever the number of threads (a whole block is already cut the
        same way: its tiles start on those edges).  None: any rows at once
        (the integrators are exact row by row).

    Examples
    --------
    >>> from pendsk.physics.solvers import SOLVERS
    >>> SOLVERS["exact"]
    Solver('exact')
    >>> SOLVERS["exact"].accepts([0.5, 0.0], [0.0, 10.0], 1.0, 9.81, 0.0)
    array([ True, False])
    >>> SOLVERS["rk4"].accepts([0.5, 0.0], [0.0, 10.0], 1.0, 9.81, 0.0)
    array([ True,  True])
    """

    def __init__(self, name, function, tiles, accepts=None, check=None, call_rows=None):
        self.name = name
        self.function = function
        self.tiles = tiles
        self._accepts = accepts
        self._check = check
        self.call_rows = call_rows

    def calls(self, rows, n):
        """The rows of a block to pass to each call of ``tiles``.

        Parameters
        ----------
        rows : ndarray of int or None
            This solver's rows in the block, None for all ``n`` of them.
        n : int
            Rows in the block (which starts on a noise block's edge).

        Returns
        -------
        calls : list of slice or ndarray of int
            One slice when the solver has every row.

        Examples
        --------
        >>> import numpy as np
        >>> from pendsk.physics.solvers import SOLVERS
        >>> SOLVERS["exact"].calls(None, 5000)
        [slice(0, 5000, None)]
        >>> SOLVERS["exact"].calls(np.array([3, 5, 2100]), 5000)
        [array([3, 5]), array([2100])]
        >>> SOLVERS["rk4"].calls(np.array([3, 5, 2100]), 5000)
        [array([   3,    5, 2100])]
        """
        if rows is None:
            return [slice(0, n)]
        if self.call_rows is None:
            return [rows]
        edges = np.searchsorted(rows, np.arange(self.call_rows, n, self.call_rows))
        return [part for part in np.split(rows, edges) if part.size]

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def __repr__(self):
        return f"Solver({self.name!r})"

    def accepts(self, theta0, omega0, length, g=9.81, damping=0.0):
        """Boolean mask of the rows this solver can simulate.

        Parameters
        ----------
        theta0, omega0, length : array-like of shape (n,)
            Initial angle [rad], initial angular velocity [rad/s], length [m].
        g : float, default=9.81
            Gravitational acceleration [m/s²].
        damping : float, default=0.0
            Linear damping coefficient [N·m·s].

        Returns
        -------
        mask : ndarray of bool, shape (n,)

        Examples
        --------
        >>> from pendsk.physics.solvers import SOLVERS
        >>> SOLVERS["exact"].accepts([0.5], [0.0], 1.0, damping=0.1)
        array([False])
        """
        theta0, omega0, length = as_trajectories(theta0, omega0, length)
        if self._accepts is None:
            return np.ones(theta0.shape, dtype=bool)
        return self._accepts(theta0, omega0, length, g, damping)

    def check(self, theta0, omega0, length, g=9.81, damping=0.0):
        """Raise a ``ValueError`` naming the rows this solver refuses.

        Parameters
        ----------
        theta0, omega0, length : array-like of shape (n,)
            Initial angle [rad], initial angular velocity [rad/s], length [m].
        g : float, default=9.81
            Gravitational acceleration [m/s²].
        damping : float, default=0.0
            Linear damping coefficient [N·m·s].

        Examples
        --------
        >>> from pendsk.physics.solvers import SOLVERS
        >>> SOLVERS["rk4"].check([0.0], [10.0], 1.0)  # any row
        >>> SOLVERS["exact"].check([0.5], [0.0], 1.0, damping=0.1)
        Traceback (most recent call last):
        ...
        ValueError: method='exact' is the undamped closed form; got damping=0.1. ...
        """
        if self._check is not None:
            self._check(theta0, omega0, length, g, damping)


def _undamped_libration(theta0, omega0, length, g, damping):
    if damping != 0:
        return np.zeros(theta0.shape, dtype=bool)
    return librating(theta0, omega0, length, g)


#: String options map to implementations through this one dict.
SOLVERS = {
    "exact": Solver("exact", exact, exact_tiles, _undamped_libration, check_exact,
                    call_rows=NOISE_ROWS),
    "rk4": Solver("rk4", rk4, rk4_tiles),
    "euler-cromer": Solver("euler-cromer", euler_cromer, euler_cromer_tiles),
}

#: ``method="auto"``: each row goes to the first of these that accepts it.
AUTO = ("exact", "rk4")


def plan(method, theta0, omega0, length, g=9.81, damping=0.0):
    """Which solver simulates which rows: the entries of :data:`SOLVERS` to run.

    ``"auto"`` gives each row to the first solver of :data:`AUTO` that
    accepts it: :func:`~pendsk.physics.closed_form.exact` for undamped
    libration, :func:`~pendsk.physics.integrators.rk4` for the rest
    (damped, rotating or on the separatrix).  A named method takes every
    row, or raises naming the rows it refuses, before any work.

    Parameters
    ----------
    method : {"auto", "exact", "rk4", "euler-cromer"}
    theta0, omega0, length : array-like of shape (n,)
        Initial angle [rad], initial angular velocity [rad/s], length [m].
    g : float, default=9.81
        Gravitational acceleration [m/s²].
    damping : float, default=0.0
        Linear damping coefficient [N·m·s].

    Returns
    -------
    steps : list of (Solver, ndarray of bool or None)
        Each solver with its rows; None means every row.  Solvers with no
        row are left out.

    Raises
    ------
    ValueError
        For an unknown method, or rows the named method refuses.

    Examples
    --------
    >>> from pendsk.physics.solvers import plan
    >>> plan("auto", [0.5, 0.0, 1.0], [0.0, 10.0, 0.0], 1.0)
    [(Solver('exact'), array([ True, False,  True])), (Solver('rk4'), array([False,  True, False]))]
    >>> plan("auto", [0.5], [0.0], 1.0, damping=0.1)
    [(Solver('rk4'), None)]
    """
    theta0, omega0, length = as_trajectories(theta0, omega0, length)
    if method == "auto":
        steps, left = [], np.ones(theta0.shape, dtype=bool)
        for name in AUTO:
            rows = left & SOLVERS[name].accepts(theta0, omega0, length, g, damping)
            steps.append((SOLVERS[name], rows))
            left &= ~rows
    elif method in SOLVERS:
        SOLVERS[method].check(theta0, omega0, length, g, damping)
        steps = [(SOLVERS[method], None)]
    else:
        raise ValueError(
            f"method must be one of {sorted(SOLVERS) + ['auto']}; got {method!r}"
        )
    return [(solver, None if rows is None or rows.all() else rows)
            for solver, rows in steps if rows is None or rows.any()]


class ObservationNoise:
    """Gaussian noise of standard deviation ``std[j]`` at column ``j``.

    Block ``i`` of :data:`NOISE_ROWS` rows draws float32 normals from its own
    generator, ``child_rng(entropy, i)`` (:mod:`pendsk._utils.seeding`),
    tile after tile in row order, so the noise depends on the seed only,
    never on the threads or the solver.

    Parameters
    ----------
    std : ndarray of shape (n_steps,)
        Standard deviation per column, used in float32.
    seed : int, numpy.random.RandomState or None
        Turned into the root entropy by
        :func:`~pendsk._utils.seeding.root_entropy`.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk.physics.solvers import ObservationNoise
    >>> out = np.zeros((3, 4))
    >>> ObservationNoise(np.full(4, 0.1), seed=0).add(out, slice(0, 3))
    >>> out.shape, bool(np.all(out != 0))
    ((3, 4), True)
    """

    def __init__(self, std, seed):
        self.std = std.astype(np.float32)
        self.entropy = root_entropy(seed)
        self._generators = {}
        self._buffers = {}

    def add(self, out, rows):
        """Add noise to ``out[rows]``, a tile inside one block, in row order.

        Parameters
        ----------
        out : ndarray of shape (n, n_steps), float64
            The whole output; modified in place.
        rows : slice
            The tile's rows (in one block of :data:`NOISE_ROWS`), after the
            block's previous tiles.
        """
        block = rows.start // NOISE_ROWS
        if block not in self._generators:  # one thread per block: no race
            self._generators[block] = child_rng(self.entropy, block)
            self._buffers[block] = np.empty((TILE_ROWS, self.std.shape[0]),
                                            dtype=np.float32)
        # into a buffer reused along the block: fresh pages cost page faults
        z = self._buffers[block][:rows.stop - rows.start]
        self._generators[block].standard_normal(dtype=np.float32, out=z)
        z *= self.std
        out[rows] += z


def _map_blocks(func, n_rows, n_threads):
    """Call ``func(row_slice)`` on one block of rows per thread.

    numpy releases the GIL in its ufuncs, so the blocks run in parallel.
    Block edges fall on multiples of :data:`NOISE_ROWS`.
    """
    size = NOISE_ROWS * max(1, -(-n_rows // (NOISE_ROWS * n_threads)))
    slices = [slice(start, min(start + size, n_rows))
              for start in range(0, n_rows, size)]
    if len(slices) <= 1:
        for sl in slices:
            func(sl)
        return
    with ThreadPoolExecutor(len(slices)) as pool:
        # list() re-raises the first exception raised in a worker
        list(pool.map(func, slices))


def _noise(noise_std, noise_growth, dt, n_steps, seed):
    if noise_std == 0 and noise_growth == 0:
        return None
    with np.errstate(over="ignore", invalid="ignore"):
        std = noise_std + noise_growth * dt * np.arange(n_steps)
    # float32 draws times the std: keep a margin for the normal's tails
    limit = float(np.finfo(np.float32).max) / 16
    if not (std <= limit).all():
        raise ValueError(
            f"noise_std={noise_std:g} is too large: the noise is drawn in float32"
            if not noise_std <= limit else
            f"the noise std noise_std + noise_growth * t reaches {std.max():g} rad, "
            f"beyond float32: noise_growth={noise_growth:g} is too large, or "
            f"dt={dt:g} is too large for {n_steps} steps")
    return ObservationNoise(std, seed)


def simulate(theta0, omega0, length, mass, *, g=9.81, damping=0.0, dt=0.01,
             n_steps=500, method="auto", noise_std=0.0, noise_growth=0.0,
             seed=None, n_jobs=None):
    """Trajectories of the pendulum with the named method, plus noise.

    :func:`plan` picks the solver of each row (``method="auto"``:
    :func:`~pendsk.physics.closed_form.exact` for the rows whose motion is
    undamped libration, :func:`~pendsk.physics.integrators.rk4` for the
    others); the rows are cut into one block per thread (numpy releases
    the GIL), and observation noise of standard deviation
    ``noise_std + noise_growth * t`` is added to each tile of a block as it
    is made.

    Parameters
    ----------
    theta0, omega0, length, mass : array-like of shape (n,)
        Initial angle [rad], initial angular velocity [rad/s], length [m],
        mass [kg].
    g, damping, dt, n_steps
        As in :func:`~pendsk.physics.integrators.rk4`.
    method : {"auto", "exact", "rk4", "euler-cromer"}, default="auto"
    noise_std, noise_growth : float, default=0.0
        Noise standard deviation at ``t = 0`` [rad] and its growth [rad/s].
    seed : int, numpy.random.RandomState or None, default=None
        Seed of the noise, turned into a root entropy by
        :func:`pendsk._utils.seeding.root_entropy` (an int is its own
        entropy; None draws fresh entropy).  Block ``i`` of 2048 rows draws
        float32 normals from ``child_rng(entropy, i)``, so the result
        depends on the seed only, never on the number of threads.
    n_jobs : int or None, default=None
        Threads, with scikit-learn's meaning
        (:func:`pendsk._utils.threads.intra_op_threads`): None is 1 unless
        in a :func:`joblib.parallel_config` context, -1 all cores.  Each
        thread takes a block of whole multiples of 2048 rows.

    Returns
    -------
    theta : ndarray of shape (n, n_steps)

    Raises
    ------
    ValueError
        For an unknown method, rows the named method refuses, a noise std
        beyond float32, or a simulation that overflowed.

    Examples
    --------
    One librating, one rotating and, by default, the closed form for the
    first and RK4 for the second:

    >>> import numpy as np
    >>> from pendsk.physics.solvers import simulate
    >>> theta = simulate([0.5, 0.0], [0.0, 10.0], 1.0, 1.0, n_steps=300)
    >>> theta.shape, bool(abs(theta[0]).max() <= 0.5), bool(theta[1, -1] > 2 * np.pi)
    ((2, 300), True, True)
    >>> noisy = simulate([0.5, 0.0], [0.0, 10.0], 1.0, 1.0, n_steps=300,
    ...                  noise_std=0.01, seed=0, n_jobs=2)
    >>> bool(abs(noisy - theta).std() < 0.02)
    True
    """
    theta0, omega0, length, mass = as_trajectories(theta0, omega0, length, mass)
    n = theta0.shape[0]
    steps = plan(method, theta0, omega0, length, g, damping)
    noise = _noise(noise_std, noise_growth, dt, n_steps, seed)
    out = np.empty((n, n_steps))
    args = theta0, omega0, length, mass
    kwargs = dict(g=g, damping=damping, dt=dt)

    @np.errstate(over="ignore", invalid="ignore")  # overflow: one error, below
    def block(rows):
        dest, start = out[rows], rows.start
        # each solver with its rows in the block, None for all of them
        work = []
        for solver, mask in steps:
            sel = None if mask is None else np.flatnonzero(mask[rows])
            if sel is None or 0 < sel.size < len(dest):
                work.append((solver, sel))
            elif sel.size:
                work.append((solver, None))
        alone = len(work) == 1 and work[0][1] is None
        for solver, sel in work:
            for part in solver.calls(sel, len(dest)):
                whole = isinstance(part, slice)
                target = dest[part] if whole else np.empty((part.size, n_steps))
                for tile in solver.tiles(*[a[rows][part] for a in args], out=target,
                                         **kwargs):
                    if noise is not None and alone:  # while the tile is in cache
                        noise.add(out, slice(start + part.start + tile.start,
                                             start + part.start + tile.stop))
                if not whole:
                    dest[part] = target
        if noise is not None and not alone:
            for tile in row_tiles(len(dest)):
                noise.add(out, slice(start + tile.start, start + tile.stop))

    _map_blocks(block, n, intra_op_threads(n_jobs))
    # overflow only grows along a trajectory, so the last column tells
    blown = np.flatnonzero(~np.isfinite(out[:, -1])) if n_steps else []
    if len(blown):
        raise ValueError(
            f"the simulation overflowed in rows {blown[:10].tolist()}: dt={dt} is "
            f"too large for these pendulums, or their theta0, omega0, length or mass, "
            f"g={g:g} or damping={damping:g} is too large"
        )
    return out
