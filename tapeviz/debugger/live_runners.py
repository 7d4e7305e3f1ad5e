"""The runners started and not ended, for what asks about them all: `Runner.live()`, the
warning when a notebook cell starts a twin of one left paused, and Python's exit, which
stops each one (its thread is a daemon) and says so."""
from __future__ import annotations

import atexit
import sys
import time
import weakref
from typing import Callable

from ..fpwarnings import warn_from_user_line

_live: weakref.WeakSet = weakref.WeakSet()   # runners started and not ended: their gates
_EXIT_GRACE = 2.0   # seconds Python's exit waits, at most, for the stopped runners' loops


def started(runner) -> None:
    """`runner` has started its thread: live until `ended`."""
    _live.add(runner)


def ended(runner) -> None:
    """`runner`'s training function has returned or raised."""
    _live.discard(runner)


def live() -> list:
    """The runners started and not ended (running or paused), oldest first."""
    return sorted(_live, key=lambda runner: runner._started)


def warn_of_paused_twins(runner) -> None:
    """A notebook cell run again rebinds the name that held the runner it made before:
    left paused, nothing resumes it, its thread waits for ever and every op pays its gate."""
    for other in list(_live):
        if other is not runner and _same_code(other._fn, runner._fn) and \
                other._state == "paused":
            warn_from_user_line(
                f"Runner.start: a runner of {runner.name!r} started earlier is still paused "
                f"({other.paused_at!r}): its thread waits until it is resumed or stopped, "
                "and every op pays its pause check meanwhile; if an earlier run of this "
                "code left it, stop it: Runner.live() lists the runners not ended",
                RuntimeWarning)


def _stop_at_exit() -> None:
    """Python exits (a script's last line, a kernel restart) while runners train: stop each
    (RunnerStopped at its next op, so the loop's `finally` blocks run; a paused loop wakes for
    it), wait for them a moment, and say so on stderr, or a script that forgot to wait for its
    loop would end with the training silently cut off."""
    runners = live()
    for runner in runners:
        point, what = runner.paused_at, runner.state
        if point is not None:
            what = f"paused {point.said}"
        steps = f"{runner.step_count} step{'' if runner.step_count == 1 else 's'}"
        print(f"tapeviz: Python is exiting while the training loop {runner.name!r} is {what} "
              f"after {steps}: stopped at its next op. A Runner's thread does not keep Python "
              "alive; to let it finish, wait for it: runner.join()", file=sys.stderr)
        runner.stop()
    deadline = time.monotonic() + _EXIT_GRACE
    for runner in runners:
        if runner._thread is not None:   # (None: another thread is in its start() now)
            runner._thread.join(max(0.0, deadline - time.monotonic()))


atexit.register(_stop_at_exit)


def _same_code(a: Callable, b: Callable) -> bool:
    """Whether two training functions are one, or one defined again (a cell run again)."""
    return a is b or (getattr(a, "__module__", None), getattr(a, "__qualname__", a)) == \
        (getattr(b, "__module__", None), getattr(b, "__qualname__", b))
