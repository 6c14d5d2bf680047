"""Metrics for generative models: sample quality and disentanglement.

Plain array-in/number-out functions (numpy, scipy and scikit-learn only):
:func:`maximum_mean_discrepancy` compares generated with real samples,
:func:`mutual_information_gap` scores how well each known factor is
captured by a single latent dimension, and :func:`active_dimensions` finds
the latent dimensions an encoder actually uses.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.metrics import mutual_info_score
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils import check_array
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._validation import naming

__all__ = ["maximum_mean_discrepancy", "mutual_information_gap", "active_dimensions"]


def _check_matrix(array, name, *, min_rows=1, min_columns=1):
    """Validate a finite numeric 2-D array; return it as float64.

    The result may be the caller's own array (when it already is float64);
    nothing here writes to it.  scikit-learn's messages that do not say
    which argument they are about get ``"Invalid <name>: "`` in front.
    """
    with naming(name):
        array = check_array(array, dtype="numeric", ensure_2d=False, allow_nd=True,
                            ensure_min_samples=0, ensure_min_features=0, input_name=name)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape (n_samples, n_features); "
                         f"got an array of shape {array.shape}.")
    n_rows, n_columns = array.shape
    if n_rows < min_rows:
        raise ValueError(f"{name} must have at least {min_rows} rows; got {n_rows}.")
    if n_columns < min_columns:
        raise ValueError(f"{name} must have at least {min_columns} columns; got {n_columns}.")
    return array.astype(np.float64, copy=False)


def _power_of_two_scale(array, axis=None):
    """A power of two in ``(max(|array|) / 2, max(|array|)]`` (0.5 for zeros), by ``axis``.

    Dividing by it is exact in floating point (short of subnormals), so the
    statistics below give the same bits on the rescaled values, and values
    near the float64 limit no longer overflow in squares and differences.
    """
    _, exponent = np.frexp(np.abs(array).max(axis=axis))
    return np.ldexp(1.0, exponent - 1)


def _discretize(columns, n_bins):
    """Equal-width bin codes of every column; a constant column is one bin (0).

    Constant columns never reach ``KBinsDiscretizer``, which would warn about
    them; ``subsample=None`` makes the bin edges the exact column ranges.
    Equal-width bins do not change with the scale of a column: each is
    rescaled by a power of two first, so huge values do not overflow.
    """
    codes = np.zeros(columns.shape, dtype=np.intp)
    varying = columns.max(axis=0) > columns.min(axis=0)
    if varying.any():
        discretizer = KBinsDiscretizer(n_bins=n_bins, encode="ordinal",
                                       strategy="uniform", subsample=None)
        varied = columns[:, varying]
        codes[:, varying] = discretizer.fit_transform(
            varied / _power_of_two_scale(varied, axis=0))
    return codes


@validate_params(
    {
        "X": ["array-like"],
        "Y": ["array-like"],
        "bandwidth": [Interval(Real, 0, None, closed="neither"), StrOptions({"median"})],
    },
    prefer_skip_nested_validation=True,
)
def maximum_mean_discrepancy(X, Y, *, bandwidth="median"):
    r"""Unbiased estimate of the squared maximum mean discrepancy (MMD²).

    Compares the distribution of the rows of `X` with that of the rows of
    `Y` through a Gaussian (RBF) kernel
    ``k(a, b) = exp(-||a - b||² / (2 σ²))``; the population value is zero
    exactly when the two distributions are equal.

    Parameters
    ----------
    X : array-like of shape (n_samples_X, n_features)
        First sample, one observation per row (e.g. real trajectories).
        At least 2 rows.
    Y : array-like of shape (n_samples_Y, n_features)
        Second sample, same number of columns (e.g. generated
        trajectories). At least 2 rows.
    bandwidth : float or "median", default="median"
        Kernel width σ > 0. ``"median"`` uses the median heuristic: σ² is
        the median of the squared Euclidean distances between all pairs of
        distinct rows of the pooled sample ``vstack(X, Y)``; if that median
        is 0 (e.g. all rows identical), σ² = 1.

    Returns
    -------
    mmd2 : float
        Unbiased estimate of MMD². It can be slightly negative: for two
        samples of one distribution it fluctuates around 0.

    See Also
    --------
    mutual_information_gap : Disentanglement of a latent representation.
    sklearn.metrics.pairwise.rbf_kernel : The same kernel, ``gamma = 1 / (2 σ²)``.

    Notes
    -----
    With ``K`` the kernel matrix of the pooled rows, blocks ``Kxx`` (n × n),
    ``Kyy`` (m × m) and ``Kxy`` (n × m), the estimate is eq. 3 of [1]_
    (Lemma 6):

    .. math::

        \widehat{\mathrm{MMD}}^2_u
        = \frac{1}{n(n-1)} \sum_{i \ne j} K^{xx}_{ij}
        + \frac{1}{m(m-1)} \sum_{i \ne j} K^{yy}_{ij}
        - \frac{2}{nm} \sum_{i, j} K^{xy}_{ij}.

    The diagonals of ``Kxx`` and ``Kyy`` are excluded, which makes the
    estimate unbiased and therefore not always non-negative. The median
    heuristic [2]_ makes the value invariant to a common rescaling of `X`
    and `Y`. Time and memory are quadratic in ``n + m``.

    References
    ----------
    .. [1] A. Gretton, K. M. Borgwardt, M. J. Rasch, B. Schölkopf and
       A. Smola, "A Kernel Two-Sample Test", Journal of Machine Learning
       Research 13, 723-773, 2012.
    .. [2] D. Garreau, W. Jitkrittum and M. Kanagawa, "Large sample analysis
       of the median heuristic", arXiv:1707.07269, 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk.metrics import maximum_mean_discrepancy
    >>> X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> round(maximum_mean_discrepancy(X, X + 2.0), 4)
    0.8731

    Two copies of one small sample give a negative value: the unbiased
    estimate leaves the terms ``k(x_i, x_i) = 1`` out of the within-sample
    sums but not out of the cross-sample one.

    >>> round(maximum_mean_discrepancy(X, X), 4)
    -0.2365
    """
    X = _check_matrix(X, "X", min_rows=2)
    Y = _check_matrix(Y, "Y", min_rows=2)
    if X.shape[1] != Y.shape[1]:
        raise ValueError(f"X and Y must have the same number of columns; "
                         f"got {X.shape[1]} and {Y.shape[1]}.")
    n, m = X.shape[0], Y.shape[0]
    # the kernel depends on distances relative to the bandwidth only: both
    # are rescaled by a power of two (exact), so huge values cannot overflow
    pooled = np.vstack([X, Y])
    scale = _power_of_two_scale(pooled)
    distances = euclidean_distances(pooled / scale, squared=True)
    with np.errstate(over="ignore", under="ignore", divide="ignore", invalid="ignore"):
        if bandwidth == "median":
            sigma2 = float(np.median(distances[np.triu_indices(n + m, k=1)]))
            if sigma2 == 0.0:
                sigma2 = 1.0 / scale**2
        else:
            sigma2 = (float(bandwidth) / scale) ** 2
        # k(a, a) = 1 whatever the bandwidth (also when sigma2 underflows to 0)
        kernel = np.exp(np.where(distances == 0.0, 0.0, distances / (-2.0 * sigma2)))
    k_xx, k_yy, k_xy = kernel[:n, :n], kernel[n:, n:], kernel[:n, n:]
    mmd2 = ((k_xx.sum() - np.trace(k_xx)) / (n * (n - 1))
            + (k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
            - 2.0 * k_xy.mean())
    return float(mmd2)


@validate_params(
    {
        "latents": ["array-like"],
        "factors": ["array-like"],
        "n_bins": [Interval(Integral, 2, None, closed="left")],
        "multioutput": [StrOptions({"raw_values", "uniform_average"})],
    },
    prefer_skip_nested_validation=True,
)
def mutual_information_gap(latents, factors, *, n_bins=20, multioutput="uniform_average"):
    r"""Mutual information gap (MIG) of a latent representation.

    For each known factor of variation, the gap between the mutual
    information of the factor with its most informative latent dimension
    and with the runner-up, normalized by the factor's entropy: 1 when a
    single latent captures the factor completely, 0 when two latents share
    it equally or none carries it.

    Parameters
    ----------
    latents : array-like of shape (n_samples, n_latents)
        Latent codes, one row per observation (e.g. posterior means of a
        VAE's encoder). At least 2 columns.
    factors : array-like of shape (n_samples, n_factors)
        The true factors of the same observations, e.g. θ0, ω0, L, m. No
        column may be constant.
    n_bins : int, default=20
        Number of equal-width bins each latent column, and each factor
        column with more than `n_bins` distinct values, is discretized into.
    multioutput : {"raw_values", "uniform_average"}, default="uniform_average"
        ``"raw_values"`` returns the gap of every factor;
        ``"uniform_average"`` their mean.

    Returns
    -------
    mig : float or ndarray of shape (n_factors,)
        Gap(s) in [0, 1]; higher is more disentangled.

    See Also
    --------
    active_dimensions : Which latent dimensions carry any information.
    sklearn.metrics.mutual_info_score : The mutual information used here.
    sklearn.preprocessing.KBinsDiscretizer : The binning used here.

    Notes
    -----
    Following [1]_, with latents ``z_j`` and factors ``v_k``,

    .. math::

        \mathrm{MIG}_k = \frac{1}{H(v_k)}
        \left( I(z_{j^{(k)}}; v_k) - \max_{j \ne j^{(k)}} I(z_j; v_k) \right),
        \quad j^{(k)} = \arg\max_j I(z_j; v_k).

    Mutual information and entropy (``H(v) = I(v; v)``, in nats) are the
    plug-in estimates of :func:`sklearn.metrics.mutual_info_score` on
    discretized values, as in the histogram estimator of [2]_. Each latent
    column is cut into `n_bins` equal-width bins over its range
    (``KBinsDiscretizer(strategy="uniform")``); a constant latent column is
    a single bin and carries no information. A factor column with at most
    `n_bins` distinct values is used as categorical labels as it is; others
    are binned like the latents. The plug-in estimate is biased upwards by
    about ``(n_bins - 1)² / (2 n_samples)`` nats, so uninformative latents
    look slightly informative on small samples.

    References
    ----------
    .. [1] R. T. Q. Chen, X. Li, R. Grosse and D. Duvenaud, "Isolating
       Sources of Disentanglement in Variational Autoencoders", NeurIPS 2018.
    .. [2] F. Locatello et al., "Challenging Common Assumptions in the
       Unsupervised Learning of Disentangled Representations", ICML 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk.metrics import mutual_information_gap
    >>> i = np.arange(400)
    >>> factors = np.column_stack([np.linspace(0.0, 1.0, 400), i % 4])

    The first latent encodes the first factor; none encodes the second.

    >>> latents = np.column_stack([2.0 * factors[:, 0] + 1.0, i % 7])
    >>> mutual_information_gap(latents, factors, multioutput="raw_values").round(2)
    array([1., 0.])
    >>> round(mutual_information_gap(latents, factors), 2)
    0.5
    """
    # mutual information needs at least two rows to be defined
    latents = _check_matrix(latents, "latents", min_rows=2, min_columns=2)
    factors = _check_matrix(factors, "factors", min_rows=2)
    if latents.shape[0] != factors.shape[0]:
        raise ValueError(f"latents and factors must have the same number of rows; "
                         f"got {latents.shape[0]} and {factors.shape[0]}.")
    n_distinct = [np.unique(column).size for column in factors.T]
    for k, count in enumerate(n_distinct):
        if count == 1:
            raise ValueError(f"factors column {k} is constant; its mutual information "
                             f"gap is undefined.")
    latent_codes = _discretize(latents, n_bins)
    gaps = np.empty(factors.shape[1])
    for k, (column, count) in enumerate(zip(factors.T, n_distinct)):
        if count <= n_bins:  # categorical: integer codes of the distinct values
            labels = np.unique(column, return_inverse=True)[1]
        else:
            labels = _discretize(column[:, None], n_bins)[:, 0]
        entropy = mutual_info_score(labels, labels)
        information = np.sort([mutual_info_score(labels, codes)
                               for codes in latent_codes.T])
        gaps[k] = (information[-1] - information[-2]) / entropy
    if multioutput == "raw_values":
        return gaps
    return float(gaps.mean())


@validate_params(
    {
        "latents": ["array-like"],
        "threshold": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def active_dimensions(latents, *, threshold=0.01):
    """Latent dimensions whose codes vary across observations.

    A dimension is active when the variance over the observations of its
    posterior mean exceeds `threshold`; an inactive dimension has collapsed
    to the prior and carries no information about the input.

    Parameters
    ----------
    latents : array-like of shape (n_samples, n_latents)
        Posterior means ``E_q[z | x]``, one row per observation. At least 2
        rows.
    threshold : float, default=0.01
        Activity threshold, ≥ 0.

    Returns
    -------
    active : ndarray of bool of shape (n_latents,)
        True where the dimension's variance exceeds `threshold`.

    See Also
    --------
    mutual_information_gap : How the active dimensions share the factors.

    Notes
    -----
    The activity statistic of [1]_ is ``A_u = Cov_x(E_{u~q(u|x)}[u])``; a
    unit is active when ``A_u > 0.01``. The variance here is the population
    variance of each column (``ddof=0``).

    References
    ----------
    .. [1] Y. Burda, R. Grosse and R. Salakhutdinov, "Importance Weighted
       Autoencoders", ICLR 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk.metrics import active_dimensions
    >>> latents = np.array([[-1.0, 0.001, 5.0],
    ...                     [1.0, -0.001, 5.0]])
    >>> active_dimensions(latents)
    array([ True, False, False])
    """
    latents = _check_matrix(latents, "latents", min_rows=2)
    # var(x) = s² var(x / s) with s a power of two per column (exact), so
    # huge codes do not overflow the sum of squares
    scale = _power_of_two_scale(latents, axis=0)
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        limit = threshold / scale**2 if threshold else 0.0
    return (latents / scale).var(axis=0) > limit
