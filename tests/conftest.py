"""Test-suite settings shared by every module."""

import pytest
import torch


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Train the tests' tiny networks on one torch thread.

    Their matrices are too small for intra-op parallelism to pay, and on a
    busy shared machine torch's OpenMP threads can wait on each other for
    seconds per step (a 1.5 s fit was seen to take 256 s); one thread gives
    the same numbers without that risk.
    """
    n_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n_threads)
