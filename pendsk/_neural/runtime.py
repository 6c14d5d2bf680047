"""Where and how a neural estimator's torch code runs: its seed, its
threads, its device, and how a Ctrl-C reaches it (each a context or a
plain function)."""

import signal
import threading
from contextlib import contextmanager

import torch

from .._utils.interrupts import deferred_interrupts
from .._utils.threads import intra_op_threads

__all__ = ["UserInterrupt", "grad_mode_kept", "interrupts_noticed", "resolve_device", "seeded",
           "torch_threads"]


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


@contextmanager
def grad_mode_kept():
    """torch's grad mode after the block as before it, whatever happens.

    ``torch.no_grad()`` turns grad mode off in its ``__enter__``; a Ctrl-C
    that lands after that and before Python's with-statement takes charge
    of the block skips its ``__exit__``, which would leave grad mode off
    for the whole process (the next training call fails).  The block's
    end restores the mode it found, a Ctrl-C waiting until it has.
    """
    enabled = torch.is_grad_enabled()
    try:
        yield
    finally:
        with deferred_interrupts():
            torch.set_grad_enabled(enabled)


def resolve_device(device):
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device='cuda' was requested but torch finds no CUDA "
                         "device; use device='cpu' or 'auto'.")
    return torch.device(device)


class UserInterrupt(KeyboardInterrupt):
    """A Ctrl-C (SIGINT) that arrived during training.

    skorch's callbacks raise a plain :class:`KeyboardInterrupt` to stop
    training early (its ``EarlyStopping`` does), and skorch ends training
    quietly on one; a Ctrl-C must instead reach the caller.  Inside
    :func:`interrupts_noticed` the user's Ctrl-C raises this subclass, so
    the two can be told apart (it is still a KeyboardInterrupt to whoever
    catches one).
    """


@contextmanager
def interrupts_noticed():
    """For the block, a Ctrl-C raises :class:`UserInterrupt`.

    Only where Python's own SIGINT handler is in place and in the main
    thread (the only one that receives signals); elsewhere (another
    thread, an application with its own handler) nothing changes.  The
    caller's handler is put back afterwards.
    """
    if (threading.current_thread() is not threading.main_thread()
            or signal.getsignal(signal.SIGINT) is not signal.default_int_handler):
        yield
        return

    def handler(signum, frame):
        raise UserInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
