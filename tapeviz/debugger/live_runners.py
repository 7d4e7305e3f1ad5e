"""The runners started and not ended, for what asks about them all: `Runner.live()`, the
warning when a notebook cell starts a twin of one left paused, the refusal of a second loop
training the variables one still trains (two Dashboards, a Dashboard and a Runner), and
Python's exit, which stops each one (its thread is a daemon) and says so."""
from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import weakref
from typing import Callable

from ..errors import MisuseError
from ..fpwarnings import warn_from_user_line
from ..variable import Variable

_live: weakref.WeakSet = weakref.WeakSet()   # runners started and not ended: their gates
_sharing = threading.Lock()   # the live set changed, or a runner's sources compared, one at a time
_EXIT_GRACE = 2.0   # seconds Python's exit waits, at most, for the stopped runners' loops
_EXIT_LIMIT = 60.0  # ... and then for one inside a call its exit must not cut (below)
_uncut: list = []   # the folders of libraries whose calls Python's exit must not cut


started_not_ended = 0   # len(_live), read by each gradient call of a runner's (a WeakSet's
#                         len is a Python call): above 1, another may train beside it


def started(runner) -> None:
    """`runner` has started its thread: live until `ended`."""
    global started_not_ended
    with _sharing:
        _live.add(runner)
        started_not_ended = len(_live)


def ended(runner) -> None:
    """`runner`'s training function has returned or raised."""
    global started_not_ended
    with _sharing:
        _live.discard(runner)
        started_not_ended = len(_live)


def live() -> list:
    """The runners started and not ended (running or paused), oldest first."""
    return sorted(_live, key=lambda runner: runner._started)


def refusal(runner, sources) -> MisuseError | None:
    """`runner`'s gradient call differentiated `sources`, another runner not ended (alone, a
    step pays the check of `started_not_ended` only): the error refusing it, before its loop
    updates any, when a runner not ended trains one of them. Two loops updating one variable
    from two threads interleave their steps, each chart showing a mix and the optimizer
    counting both, silently; the user meant one, or one after the other. Else None, and its
    sources are its own."""
    with _sharing:
        mine = {id(source) for source in sources if isinstance(source, Variable)}
        for other in live():
            if other is runner or not mine:
                continue
            shared = [source for source in other._last_sources if id(source) in mine]
            if shared:
                return _trained_by(runner, other, shared)
        runner._last_sources = sources
        return None


def _trained_by(runner, other, shared: list) -> MisuseError:
    from .variable_names import shown_name
    names = ", ".join(shown_name(variable) for variable in shared[:3]) + \
        (f" and {len(shared) - 3} more" if len(shared) > 3 else "")
    what = f"paused {other.paused_at.said}" if other.paused_at is not None else other.state
    trainer = "another run of it" if other.name == runner.name else repr(other.name)
    error = MisuseError(
        runner.started_by,
        f"the training loop {runner.name!r} would train {names}, which "
        f"{trainer}, started "
        f"by {other.started_by}{_at(other)} {_ago(other)}, is still training ({what}): their "
        f"updates would interleave, one variable stepped by both and each chart a mix of the "
        f"two; this one stopped at its first gradient call, before any update",
        hint="one loop at a time: stop the first (its dashboard's Stop, or runner.stop()) or "
             "wait for it (runner.join()), then train again; Runner.live() lists the "
             "runners not ended")
    error.reason = f"{trainer} still trains {names}"   # said short (a Dashboard's status)
    return error


def _at(runner) -> str:
    return "" if runner.made_at is None else f" at {runner.made_at.location}"


def _ago(runner) -> str:
    seconds = time.monotonic() - runner._started
    return f"{seconds:.0f} s ago" if seconds >= 1 else "just now"


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
    _wait_for_uncut_calls(runners)


atexit.register(_stop_at_exit)


def wait_at_exit_inside(folder: str) -> None:
    """Python's exit waits for a runner's loop inside a call of the library in `folder`
    (torch's) until that call returns and the loop stops at its next op: a daemon thread
    that wakes inside such a call while the interpreter finalizes aborts the process
    ('terminate called without an active exception': C++ code unwinding the thread)."""
    _uncut.append(os.path.join(folder, ""))   # (torch's, not torchvision's)


def _wait_for_uncut_calls(runners: list) -> None:
    """After the grace: wait for each runner still inside an uncut call, at most _EXIT_LIMIT
    seconds in all, saying so on stderr."""
    deadline = None
    for runner in runners:
        thread = runner._thread
        while thread is not None and thread.is_alive() and _inside_uncut(thread):
            if deadline is None:
                deadline = time.monotonic() + _EXIT_LIMIT
                print(f"tapeviz: waiting for the training loop {runner.name!r} to return "
                      f"from the library call it is in (at most {_EXIT_LIMIT:.0f} s): Python "
                      f"exiting under it would abort the process", file=sys.stderr)
            if time.monotonic() > deadline:
                return
            thread.join(0.05)


def _inside_uncut(thread) -> bool:
    """Whether `thread` runs a call of a library registered by `wait_at_exit_inside`."""
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code.co_filename.startswith(tuple(_uncut)):
            return True
        frame = frame.f_back
    return False


def _same_code(a: Callable, b: Callable) -> bool:
    """Whether two training functions are one, or one defined again (a cell run again)."""
    return a is b or (getattr(a, "__module__", None), getattr(a, "__qualname__", a)) == \
        (getattr(b, "__module__", None), getattr(b, "__qualname__", b))
