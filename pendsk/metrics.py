"""Metrics for generative models: sample quality and disentanglement.

Plain array-in/number-out functions (numpy, scipy and scikit-learn only):
:func:`maximum_mean_discrepancy` compares generated with real samples,
:func:`mutual_information_gap` scores how well each known factor is
captured by a single latent dimension, :func:`dci` scores disentanglement,
completeness and informativeness from the feature importances of
regressors that predict each factor from the latents (its entropy formula
on a given importance matrix is :func:`disentanglement_completeness`), and
:func:`active_dimensions` finds the latent dimensions an encoder actually
uses, and :func:`pendulum_residual` asks the physicist's question of
generated trajectories: how far is each row from the closest exact
pendulum trajectory (and with which θ0, ω0 and length);
:func:`discriminative_score` (a classifier two-sample test) and
:func:`predictive_score` (train on synthetic, test on real) judge
generated series as TimeGAN does.

About 660 lines, over the package's 500: the module is one public
namespace of five metrics, and most of its length is their docstrings,
each stating the metric's caveats (MIG on continuous factors, tree against
permutation importances in DCI) with a runnable example; the code of each
metric is short.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy import stats
from sklearn.base import clone
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.inspection import permutation_importance
from sklearn.metrics import mutual_info_score, r2_score
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import KBinsDiscretizer
from sklearn.utils import Bunch
from sklearn.utils._param_validation import (HasMethods, Interval, InvalidParameterError,
                                             RealNotInt, StrOptions, validate_params)

from ._utils.seeding import child_seed, root_entropy
from ._pendulum_fit import pendulum_residual
from ._sample_scores import discriminative_score, predictive_score
from ._utils.validation import Count, check_values, naming

__all__ = ["active_dimensions", "dci", "discriminative_score",
           "disentanglement_completeness", "maximum_mean_discrepancy",
           "mutual_information_gap", "pendulum_residual", "predictive_score"]

_SAMPLES = ("n_samples", "n_features")
_LATENTS = ("n_samples", "n_latents")
_FACTORS = ("n_samples", "n_factors")


def _power_of_two_scale(array, axis=None):
    """A power of two in ``(max(|array|) / 2, max(|array|)]`` (0.5 for zeros), by ``axis``.

    Dividing by it is exact in floating point (short of subnormals), so the
    statistics below give the same bits on the rescaled values, and values
    near the float64 limit do not overflow in squares and differences.
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
    X = check_values(X, "X", axes=_SAMPLES, min_rows=2)
    Y = check_values(Y, "Y", axes=_SAMPLES, min_rows=2)
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
    dci : Disentanglement, completeness and informativeness, without bins.
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
    are binned like the latents.

    **Continuous factors: a near-perfect code scores well below 1.** MIG
    is 1 only when the bins of one latent carry the whole entropy of the
    binned factor, as those of an affine copy of the factor do. Two effects
    cap it for any other code. Discretising: a latent's noise moves rows
    across the factor's bin edges, and a monotone but non-linear code puts
    its equal-width bins elsewhere than the factor's. Bias: the plug-in
    estimate of each mutual information is biased upwards by about
    ``(n_bins - 1)² / (2 n_samples)`` nats for independent variables
    (0.90 nats for 20 bins and 200 rows), which makes uninformative latents
    look informative on small samples. Computed here for a factor ``v``
    uniform on [0, 1] and the latents ``z1 = v + N(0, (0.1425 σ_v)²)``
    (σ_v the standard deviation of ``v``: a correlation of 0.99) and ``z2``
    independent standard normal noise, MIG averaged over 50 seeds is:

    =========  =======  =======
    rows       10 bins  20 bins
    =========  =======  =======
    200        0.58     0.38
    1 000      0.63     0.53
    2 000      0.64     0.55
    100 000    0.63     0.57
    =========  =======  =======

    On many rows the discretising sets the cap; on few the bias lowers it
    further. The exact, noise-free but non-linear code ``z1 = exp(3 v)``
    scores 0.64 (10 bins) and 0.70 (20 bins) on 2 000 rows. So MIGs compare
    only at the same `n_bins` and number of rows, and each one reported
    should state both (see the last example); :func:`dci`, which bins
    nothing, complements it.

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

    A latent that correlates 0.99 with a continuous factor lands far from 1
    (see Notes); a MIG is printed with the bins and rows it was computed on.

    >>> rng = np.random.default_rng(0)
    >>> factor = rng.uniform(size=1000)
    >>> code = factor + 0.1425 * factor.std() * rng.standard_normal(1000)
    >>> latents = np.column_stack([code, rng.standard_normal(1000)])
    >>> n_bins = 10
    >>> mig = mutual_information_gap(latents, factor[:, None], n_bins=n_bins)
    >>> print(f"MIG {mig:.2f} ({n_bins} equal-width bins, {len(latents)} rows)")
    MIG 0.63 (10 equal-width bins, 1000 rows)
    """
    # mutual information needs at least two rows to be defined
    latents = check_values(latents, "latents", axes=_LATENTS, min_rows=2, min_columns=2)
    factors = check_values(factors, "factors", axes=_FACTORS, min_rows=2)
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


def _one_minus_entropy(importance_matrix, axis):
    """``1 - H`` of each line of the matrix along `axis`, as shares of its sum.

    The entropy's base is the line's length, so each result lies in
    [0, 1]. A line of zeros counts as uniform (a score of 0), as in the
    reference implementation, whose ``+ 1e-11`` makes such a line uniform.
    """
    length = importance_matrix.shape[axis]
    totals = importance_matrix.sum(axis=axis, keepdims=True)
    shares = np.divide(importance_matrix, totals, where=totals > 0,
                       out=np.full(importance_matrix.shape, 1.0 / length))
    # clipped: rounding may put the entropy of a uniform line a hair above 1
    return np.clip(1.0 - stats.entropy(shares, base=length, axis=axis), 0.0, 1.0)


@validate_params(
    {"importance_matrix": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def disentanglement_completeness(importance_matrix):
    r"""Disentanglement and completeness of an importance matrix.

    The entropy-based scores of [1]_ that :func:`dci` computes from the
    importances of its regressors, for a matrix of importances obtained in
    any other way (e.g. absolute Lasso weights).

    Parameters
    ----------
    importance_matrix : array-like of shape (n_latents, n_factors)
        ``R[i, j] ≥ 0``: how much latent ``i`` matters for predicting
        factor ``j``. At least 2 rows and 2 columns. Only the ratios
        matter: multiplying the matrix by a positive number changes nothing.

    Returns
    -------
    disentanglement : float
        In [0, 1]: 1 when each latent matters for one factor at most.
    completeness : float
        In [0, 1]: 1 when each factor is predicted by one latent only.

    See Also
    --------
    dci : Importances from regressors, with these scores and informativeness.

    Notes
    -----
    With ``P[i, j] = R[i, j] / Σ_k R[i, k]`` the shares of latent ``i``'s
    importance and ``Q[i, j] = R[i, j] / Σ_l R[l, j]`` those of factor
    ``j``'s, ``K`` factors and ``D`` latents,

    .. math::

        D_i = 1 - H_K(P_{i\cdot}), \quad
        C_j = 1 - H_D(Q_{\cdot j}), \quad
        \mathrm{D} = \sum_i \rho_i D_i, \quad
        \mathrm{C} = \sum_j \kappa_j C_j,

    where ``H_b`` is the entropy to base ``b`` (so each score lies in
    [0, 1]) and the weights ``ρ_i = Σ_j R[i, j] / Σ R`` and
    ``κ_j = Σ_i R[i, j] / Σ R`` are each latent's and each factor's share
    of the total importance. These are section 2 of [1]_ and the functions
    ``disentanglement`` and ``completeness`` of the reference
    implementation [2]_, including its completeness weighted by ``κ_j``
    (a plain mean when every column sums to the same total, as the
    normalised importances of tree ensembles do). A latent or factor whose
    importances are all 0 scores 0 and weighs nothing; an all-zero matrix
    scores 0 and 0.

    References
    ----------
    .. [1] C. Eastwood and C. K. I. Williams, "A Framework for the
       Quantitative Evaluation of Disentangled Representations", ICLR 2018.
    .. [2] google-research/disentanglement_lib,
       ``disentanglement_lib/evaluation/metrics/dci.py``.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk.metrics import disentanglement_completeness
    >>> disentanglement_completeness(np.eye(3))
    (1.0, 1.0)

    Latent 0 matters equally for both factors (``D_0 = 0``), latent 1 for
    factor 1 alone (``D_1 = 1``), each with half of the total importance:

    >>> d, c = disentanglement_completeness([[1.0, 1.0], [0.0, 2.0]])
    >>> round(d, 4), round(c, 4)
    (0.5, 0.3113)
    """
    importance_matrix = check_values(importance_matrix, "importance_matrix",
                                     axes=("n_latents", "n_factors"), min_rows=2,
                                     min_columns=2)
    if (importance_matrix < 0).any():
        raise ValueError(f"importance_matrix must be non-negative; got a minimum of "
                         f"{importance_matrix.min()}.")
    # only ratios matter: a power-of-two rescaling (exact) keeps the sums finite
    importance_matrix = importance_matrix / _power_of_two_scale(importance_matrix)
    total = importance_matrix.sum()
    if total == 0.0:
        return 0.0, 0.0
    disentanglement = _one_minus_entropy(importance_matrix, 1) @ (
        importance_matrix.sum(axis=1) / total)
    completeness = _one_minus_entropy(importance_matrix, 0) @ (
        importance_matrix.sum(axis=0) / total)
    return float(disentanglement), float(completeness)


@validate_params(
    {
        "latents": ["array-like"],
        "factors": ["array-like"],
        "regressor": [HasMethods(["fit", "predict"]), None],
        "test_size": [Interval(RealNotInt, 0, 1, closed="neither"), Count(1)],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def dci(latents, factors, *, regressor=None, test_size=0.25, random_state=None):
    """Disentanglement, completeness and informativeness (DCI) of latents.

    One regressor per factor learns to predict the factor from the latents
    on a training split; how much each latent matters to each regressor
    (the importance matrix) gives disentanglement (does each latent matter
    for one factor only?) and completeness (is each factor predicted by one
    latent only?), and the held-out R² gives informativeness (how well
    the latents predict the factors at all). Unlike
    :func:`mutual_information_gap`, nothing is binned.

    Parameters
    ----------
    latents : array-like of shape (n_samples, n_latents)
        Latent codes, one row per observation (e.g. posterior means of a
        VAE's encoder). At least 2 columns.
    factors : array-like of shape (n_samples, n_factors)
        The true factors of the same observations, e.g. θ0, ω0 and the
        natural frequency. At least 2 columns; none may be constant.
    regressor : scikit-learn regressor, default=None
        Cloned and fitted once per factor. Its ``feature_importances_``
        (absolute values) are the importances when it has them; otherwise
        they are the mean drops of the held-out R² under
        :func:`~sklearn.inspection.permutation_importance`, negative drops
        counted as 0. ``None`` uses
        ``GradientBoostingRegressor(random_state=...)``, as the reference
        implementation uses gradient-boosted trees. Trees do not care about
        the scale of the latents; for a regressor that does, pass a
        :class:`~sklearn.pipeline.Pipeline` with a scaler.
    test_size : float or int, default=0.25
        Share (in (0, 1)) or number of rows held out for informativeness
        and permutation importances, as in
        :func:`~sklearn.model_selection.train_test_split`. Each split needs
        at least 2 rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the default regressors and the permutations.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        With the keys

        disentanglement : float
            In [0, 1], see :func:`disentanglement_completeness`.
        completeness : float
            In [0, 1], see :func:`disentanglement_completeness`.
        informativeness : float
            The mean over the factors of the held-out R² (1 is perfect,
            0 is no better than predicting the mean; it can be negative).
        informativeness_per_factor : ndarray of shape (n_factors,)
            The held-out R² of each factor.
        importance_matrix : ndarray of shape (n_latents, n_factors)
            The importance of each latent (row) for each factor (column).

    See Also
    --------
    disentanglement_completeness : The two scores from an importance matrix.
    mutual_information_gap : Disentanglement from binned mutual information.

    Notes
    -----
    [1]_ defines the three scores; the reference implementation [2]_
    (``compute_importance_gbt``) fits one gradient-boosted tree model per
    factor, takes the absolute ``feature_importances_`` as the importance
    matrix (latents in rows, factors in columns) and reports
    informativeness as accuracy on discretised factors. Here the factors
    stay continuous and informativeness is the held-out R², a normalised
    form of the prediction error of [1]_. The importances depend on the
    regressor: compare DCI scores only across representations scored with
    the same `regressor` and split. Disentanglement and completeness say
    where the importance lies, whatever its amount: read them only beside
    a high informativeness. On latents that carry nothing, tree
    importances spread over every latent (both scores near 0), while a few
    permutation importances above 0 by chance can make both look high.

    References
    ----------
    .. [1] C. Eastwood and C. K. I. Williams, "A Framework for the
       Quantitative Evaluation of Disentangled Representations", ICLR 2018.
    .. [2] google-research/disentanglement_lib,
       ``disentanglement_lib/evaluation/metrics/dci.py``.

    Examples
    --------
    >>> import numpy as np
    >>> from pendsk.metrics import dci
    >>> rng = np.random.default_rng(0)
    >>> factors = rng.uniform(size=(500, 2))

    Each latent a rescaled copy of one factor, in another order: every
    score is near 1.

    >>> latents = factors[:, ::-1] * [3.0, -0.5]
    >>> result = dci(latents, factors, random_state=0)
    >>> result.importance_matrix.argmax(axis=0)
    array([1, 0])
    >>> bool(result.disentanglement > 0.9 and result.completeness > 0.9)
    True
    >>> bool(result.informativeness > 0.99)
    True

    Both latents mixing both factors: neither disentangled nor complete.

    >>> mixed = factors @ [[1.0, 1.0], [1.0, -1.0]]
    >>> result = dci(mixed, factors, random_state=0)
    >>> bool(result.disentanglement < 0.5 and result.completeness < 0.5)
    True
    """
    if isinstance(regressor, type):  # HasMethods lets a class through
        raise InvalidParameterError(
            f"The 'regressor' parameter of dci must be an estimator instance, e.g. "
            f"{regressor.__name__}(); got the class itself.")
    latents = check_values(latents, "latents", axes=_LATENTS, min_rows=2, min_columns=2)
    factors = check_values(factors, "factors", axes=_FACTORS, min_rows=2, min_columns=2)
    if latents.shape[0] != factors.shape[0]:
        raise ValueError(f"latents and factors must have the same number of rows; "
                         f"got {latents.shape[0]} and {factors.shape[0]}.")
    constant = np.flatnonzero(factors.min(axis=0) == factors.max(axis=0))
    if constant.size:
        raise ValueError(f"factors column {constant[0]} is constant; its R² is undefined.")
    with np.errstate(over="ignore", invalid="ignore"):
        huge = np.flatnonzero(~np.isfinite(factors.var(axis=0)))
    if huge.size:
        raise ValueError(f"factors column {huge[0]} holds values too large: its variance "
                         "(the regressor's squared errors) overflows float64; rescale "
                         "factors.")
    entropy = root_entropy(random_state)
    latents_train, latents_test, factors_train, factors_test = train_test_split(
        latents, factors, test_size=test_size, random_state=child_seed(entropy, 0))
    if min(len(latents_train), len(latents_test)) < 2:
        raise ValueError(f"latents and factors have {len(latents)} rows, which "
                         f"test_size={test_size!r} splits into {len(latents_train)} "
                         f"training and {len(latents_test)} test rows; each split needs at "
                         "least 2 (pass more rows, or another test_size).")
    n_factors = factors.shape[1]
    importance_matrix = np.empty((latents.shape[1], n_factors))
    r2 = np.empty(n_factors)
    # the regressor's own errors (e.g. latents beyond float32 for the trees)
    # name its X: they are about latents
    with naming("latents"):
        for k in range(n_factors):
            if regressor is None:
                model = GradientBoostingRegressor(random_state=child_seed(entropy, 1, k))
            else:
                model = clone(regressor)
            model.fit(latents_train, factors_train[:, k])
            r2[k] = r2_score(factors_test[:, k], model.predict(latents_test))
            if hasattr(model, "feature_importances_"):
                # trees that never split (no latent helps) normalise 0 / 0:
                # scikit-learn warns and gives NaN; no latent matters
                with warnings.catch_warnings(), np.errstate(invalid="ignore"):
                    warnings.simplefilter("ignore", RuntimeWarning)
                    importances = np.nan_to_num(np.abs(model.feature_importances_), nan=0.0)
            else:
                importances = permutation_importance(
                    model, latents_test, factors_test[:, k], scoring="r2",
                    random_state=child_seed(entropy, 2, k)).importances_mean
            importance_matrix[:, k] = np.maximum(importances, 0.0)
    if not (np.isfinite(importance_matrix).all() and np.isfinite(r2).all()):
        raise ValueError("The regressor's importances or R² are not finite: latents hold "
                         "values too large for it; rescale latents.")
    disentanglement, completeness = disentanglement_completeness(importance_matrix)
    return Bunch(disentanglement=disentanglement, completeness=completeness,
                 informativeness=float(r2.mean()), informativeness_per_factor=r2,
                 importance_matrix=importance_matrix)


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
    latents = check_values(latents, "latents", axes=_LATENTS, min_rows=2)
    # var(x) = s² var(x / s) with s a power of two per column (exact), so
    # huge codes do not overflow the sum of squares
    scale = _power_of_two_scale(latents, axis=0)
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        limit = threshold / scale**2 if threshold else 0.0
    return (latents / scale).var(axis=0) > limit
