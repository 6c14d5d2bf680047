"""A block that a Ctrl-C does not cut in two (no torch here)."""

import signal
import threading
from contextlib import contextmanager

__all__ = ["deferred_interrupts"]


@contextmanager
def deferred_interrupts():
    """For the block, a Ctrl-C (SIGINT) waits until the block has ended.

    For state that a KeyboardInterrupt must not leave half-changed, such as
    torch's one forward-mode AD level per process, which an interrupt
    between torch's entering it and Python's taking charge of leaving it
    would leave open for every later call.  A SIGINT received in the block
    is handed to the handler that was in place before (Python's raises
    KeyboardInterrupt, a training call's ``UserInterrupt``) once the block
    is done.  Only in the main thread, the only one that receives signals;
    elsewhere nothing changes.

    Examples
    --------
    >>> from pendsk._utils.interrupts import deferred_interrupts
    >>> with deferred_interrupts():
    ...     total = sum(range(10))
    >>> total
    45
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received = []

    def handler(signum, frame):
        received.append(frame)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if received:
            if callable(previous):
                previous(signal.SIGINT, received[0])
            elif previous == signal.SIG_DFL:
                signal.raise_signal(signal.SIGINT)
