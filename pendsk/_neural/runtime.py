"""Where and how a neural estimator's torch code runs: its seed, its
threads, its device (each a context or a plain function)."""

from contextlib import contextmanager

import torch
from joblib import cpu_count
from joblib.parallel import get_active_backend

__all__ = ["intra_op_threads", "resolve_device", "seeded", "torch_threads"]



@contextmanager
def seeded(seed, device):
    """Seed torch for the block, then give the caller their RNG state back."""
    cuda = range(torch.cuda.device_count()) if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        yield


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


@contextmanager
def torch_threads(n_jobs):
    """torch's intra-op threads set from ``n_jobs`` for the block, then the
    caller's setting again."""
    n_threads, previous = intra_op_threads(n_jobs), torch.get_num_threads()
    if n_threads != previous:
        torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        if n_threads != previous:
            torch.set_num_threads(previous)


def resolve_device(device):
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was requested but torch finds no CUDA "
                         "device; use device='cpu' or 'auto'.")
    return torch.device(device)
