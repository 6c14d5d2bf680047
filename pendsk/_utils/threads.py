"""scikit-learn's ``n_jobs`` read as a number of threads of this process
(no torch here: the simulator and the neural estimators share it)."""

from joblib import cpu_count
from joblib.parallel import get_active_backend

__all__ = ["intra_op_threads"]



def intra_op_threads(n_jobs):
    """scikit-learn's reading of ``n_jobs`` as a number of threads here.

    None: the ``n_jobs`` of an enclosing :func:`joblib.parallel_config`, or
    1; a negative ``n_jobs``: all CPUs but ``-n_jobs - 1``; at most the CPUs
    joblib sees.  Unlike :func:`joblib.effective_n_jobs`, a backend that
    runs elsewhere (a Dask cluster's cores) does not count: these are
    threads of this process.
    """
    if n_jobs is None:
        # joblib has no public getter of the context's n_jobs
        n_jobs = get_active_backend()[1]
        if n_jobs is None:
            return 1
    n_cpus = cpu_count()
    return max(1, min(n_jobs if n_jobs > 0 else n_cpus + 1 + n_jobs, n_cpus))
