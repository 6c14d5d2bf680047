"""pendsk's one seeding scheme (numpy only, no torch here).

Every source of randomness in pendsk -- a neural estimator's weights and
batch order, the simulator's observation noise, the blocks of
:func:`pendsk.parallel.simulate_blocks` -- derives its seeds the same way:
a *root entropy* taken once from the user's ``random_state``, then
independent child seeds ``SeedSequence(root, spawn_key=key)`` for each
named use (a training call, a block of rows).  So the same int
``random_state`` gives the same result however the work is split, and two
different keys never share a stream.
"""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["child_rng", "child_seed", "root_entropy"]


def root_entropy(random_state):
    """The root entropy of ``random_state``, an int fixed from now on.

    An int is its own entropy (so the same int always gives the same
    seeds); a :class:`numpy.random.RandomState` gives one draw, advancing
    it as scikit-learn estimators do; None draws fresh entropy from the
    operating system.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        As in scikit-learn.

    Returns
    -------
    entropy : int
        A non-negative int for :class:`numpy.random.SeedSequence`.

    Examples
    --------
    >>> from pendsk._utils.seeding import root_entropy
    >>> root_entropy(7)
    7
    >>> root_entropy(None) != root_entropy(None)
    True
    """
    if random_state is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_state, Integral) and not isinstance(random_state, (bool, np.bool_)):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def child_seed(entropy, *key):
    """A 32-bit seed for the use named by ``key`` under the root ``entropy``.

    Parameters
    ----------
    entropy : int
        From :func:`root_entropy`.
    *key : int
        The use: e.g. the training call's epoch count, a block's index.

    Returns
    -------
    seed : int
        ``SeedSequence(entropy, spawn_key=key).generate_state(1)[0]``, for
        seeding torch or a legacy API.

    Examples
    --------
    >>> from pendsk._utils.seeding import child_seed
    >>> child_seed(0, 1) == child_seed(0, 1) != child_seed(0, 2)
    True
    """
    return int(np.random.SeedSequence(entropy, spawn_key=tuple(int(k) for k in key))
               .generate_state(1)[0])


def child_rng(entropy, *key):
    """A numpy :class:`~numpy.random.Generator` for the use named by ``key``.

    Parameters
    ----------
    entropy : int
        From :func:`root_entropy`.
    *key : int
        The use, as for :func:`child_seed`.

    Returns
    -------
    rng : numpy.random.Generator
        A PCG64 generator on ``SeedSequence(entropy, spawn_key=key)``.

    Examples
    --------
    >>> from pendsk._utils.seeding import child_rng
    >>> a = child_rng(0, 3).standard_normal(2)
    >>> b = child_rng(0, 3).standard_normal(2)
    >>> bool((a == b).all())
    True
    """
    return np.random.default_rng(
        np.random.SeedSequence(entropy, spawn_key=tuple(int(k) for k in key)))
