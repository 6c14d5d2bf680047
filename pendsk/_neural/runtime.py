"""Where and how a neural estimator's torch code runs: its seed, its
threads, its device (each a context or a plain function)."""

from contextlib import contextmanager

import torch

from .._utils.threads import intra_op_threads

__all__ = ["resolve_device", "seeded", "torch_threads"]


@contextmanager
def seeded(seed, device):
    """Seed torch for the block, then give the caller their RNG state back."""
    cuda = range(torch.cuda.device_count()) if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.manual_seed(seed)
        yield


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
