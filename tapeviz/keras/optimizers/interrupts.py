"""A kernel interrupt (Jupyter's, Ctrl-C: SIGINT, a KeyboardInterrupt raised on the main
thread between any two bytecodes) that arrives while someone hears an optimizer's update ops
(a Recorder: the apply is long, interrupts land in it) is held until the apply has ended:
every variable, slot and `iterations` took the step, and running the cell again trains on
as if the interrupt had come between two steps. Not while a breakpoint may stop an update:
its debugger session must take Ctrl-C, and the apply puts its values back (`_apply`).
An unheard apply, whose update is computed off the ops, sets its new values all at once
(`set_whole`): too short a window to hold SIGINT for (two sigaction calls, ~21 us)."""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager

from ...debugger import breakpoint_listener

_MAIN_THREAD = threading.main_thread().ident


def may_hold() -> bool:
    """Whether an interrupt may be held here: on the main thread, no breakpoint on updates."""
    return threading.get_ident() == _MAIN_THREAD and \
        not breakpoint_listener.may_stop_updates_at(None)


@contextmanager
def held():
    """Hold SIGINT inside the block; one that came is raised (its handler run) at the end."""
    previous = signal.getsignal(signal.SIGINT)
    if not callable(previous):   # ignored, or a handler not set from Python: left alone
        yield
        return
    arrived, ended = [], []

    def hold(signum, frame):   # (one a debugger saved and put back later forwards)
        if ended:
            previous(signum, frame)
        else:
            arrived.append(frame)

    signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        ended.append(True)
        if signal.getsignal(signal.SIGINT) is hold:
            signal.signal(signal.SIGINT, previous)
        if arrived:
            previous(signal.SIGINT, arrived[0])


def set_whole(updated: list, counter, counted) -> None:
    """Give each (variable or slot, new value) of `updated` its value and `counter` (the
    optimizer's iterations) `counted`, every one of them even when a KeyboardInterrupt
    arrives midway: each set is idempotent, so they are all set again, then it is raised.
    Before, one between the sets left m and v moved, weights not, iterations not counted."""
    try:
        for variable, value in updated:
            variable._value = value
        counter._value = counted
    except KeyboardInterrupt:
        for variable, value in updated:
            variable._value = value
        counter._value = counted
        raise
