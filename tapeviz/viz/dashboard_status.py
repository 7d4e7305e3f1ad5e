"""What the Dashboard says about what it watches: the state, its status line and which
buttons work; a failed loop's error with where it was raised; the time its throttles read
(`Clock`); and what it refuses to watch."""
from __future__ import annotations

import threading
import time

from ..errors import DTypeError, bad_argument, describe
from ..debugger.variable_names import shown_name
from ..sourceinfo import source_from
from .series import chart_number
from .vocabulary import UNHEARD, torch_unheard

# the states of a loop that is over; "refused": stopped at its first gradient call, another
# loop still training its variables (live_runners.refusal)
ENDED = ("finished", "stopped", "failed", "refused")
# a Dashboard watching nothing: what to call next (it read 'idle' and 'no data yet' alone)
NOTHING_WATCHED = ("nothing to show yet: call .train(train_fn, ...) on this dashboard to run "
                   "your training loop here, or .attach(runner) to watch one")


class Clock:
    """Time as the dashboard's throttles see it: real, monotonic time.

    `now()` paces the tape layouts; `wait(closed, seconds)` is the push timer's pause between
    turns (True once `closed` is set: the timer then ends). A test passes a clock of its
    own to drive the timer one turn at a time.
    """

    def now(self) -> float:
        return time.monotonic()

    def wait(self, closed: threading.Event, seconds: float) -> bool:
        return closed.wait(seconds)


class Status:
    """Part of `Dashboard`: the state, status and controls of what is watched."""

    def _describe(self) -> tuple:
        """(state, status text, enabled controls) of what is watched."""
        runner = self.runner
        if runner is not None:
            state = "refused" if runner.refused is not None else runner.state
            status = _runner_status(runner, self._labels)
            if state in ("running", "finished") and not self._steps and torch_unheard():
                status = "; ".join(filter(None, (status, f"no training step heard. {UNHEARD}")))
            elif state == "finished" and runner.step_count <= 1 and not runner.looped:
                status = "; ".join(filter(None, (status, _no_loop(runner))))
            controls = {"pause": state in ("idle", "running"),
                        "step_op": state == "paused", "step_vjp": state == "paused",
                        "resume": state == "paused",
                        "stop": state in ("idle", "running", "paused")}
            if state in ("failed", "refused") and runner.error is not None:
                self._note_failure(runner.error, state)
            return state, status, controls
        recorder = self.recorder
        if recorder is not None:
            state = "recording" if recorder.recording else "stopped"
            dropped = recorder.dropped.steps
            status = f"recorder {'on' if recorder.recording else 'off'}: {len(recorder)} " \
                     f"steps kept" + (f", {dropped} dropped" if dropped else "")
            return state, status, {}
        return "idle", NOTHING_WATCHED, {}

    def _note_failure(self, exc: BaseException, state: str = "failed") -> None:
        text = f"training {state}: {type(exc).__name__}: {exc}{_raised_at(exc)}"
        with self._data_lock:
            if text not in self._errors:
                self._errors.append(text)


def _runner_status(runner, labels: dict) -> str:
    """A line like "paused after matmul in the forward pass at train.py:12" or "last loss
    0.5": a pause in `PausePoint.said`'s words (a backward step as "the gradient through
    matmul", the words of the button that stepped it, Step gradient; an op inside a VJP as
    "conv2d's gradient for its filters (conv2d_backprop_filter)"), an optimizer's update
    by the variable it updated as the legend names it (`labels`: variable name -> legend
    name)."""
    state, point = runner.state, runner.paused_at
    if state == "paused" and point is not None:
        return "paused " + point.saying(
            lambda variable: labels.get(variable.name) or shown_name(variable))
    if runner.refused is not None:   # the state's badge says "refused"; the error box, why
        return f"refused: {runner.refused.reason} (the error below)"
    if state == "failed" and runner.error is not None:   # its message: the error box, once
        return f"failed: {type(runner.error).__name__} (the error below)"
    if state == "idle":
        return "idle: not started"
    # the state has its own badge beside this line: said here again, the bar read
    # "finished  352 steps done  finished (loss 0.97733)"
    loss = runner.last_loss
    return "" if loss is None else f"last loss {chart_number(loss)}"


def _no_loop(runner) -> str:
    """What a training function that returned after one step or none, no loop around its
    step, is told: a student's train() that lost its loop, or a function of one step, trains
    once, and the live charts it came for show one point."""
    ran = f"{runner.name}()"
    if runner.step_count == 0:
        return (f"{ran} returned without taking a gradient: the Dashboard counts a training "
                "step at each tape.gradient call (loss.backward() on torch)")
    return (f"{ran} returned after 1 step: the Dashboard watches a loop; put the loop inside "
            "the function, for epoch in range(epochs): ..., and pass its count after it: "
            "dashboard.train(train, epochs)")


def check_watched(call: str, runner, recorder) -> None:
    """Refuse what a dashboard cannot watch before it subscribes (a training function or a
    Recorder given as the runner failed in the timer thread, a bare AttributeError)."""
    from ..debugger.recorder import Recorder
    from ..debugger.runner import Runner
    if runner is not None and not isinstance(runner, Runner):
        hint = ("a Recorder is watched read-only: Dashboard(recorder=rec)"
                if isinstance(runner, Recorder) else
                "to run a training function here: dashboard.train(train, *args)"
                if callable(runner) else "Dashboard(Runner(train, *args)) or "
                                         "dashboard.train(train, *args)")
        raise DTypeError(call, f"runner must be a tapeviz.debugger.Runner; got "
                               f"{describe(runner)}", hint=hint)
    if recorder is not None and not isinstance(recorder, Recorder):
        raise DTypeError(call, f"recorder must be a tapeviz.debugger.Recorder; got "
                               f"{describe(recorder)}",
                         hint="rec = tapeviz.debugger.Recorder(); Dashboard(recorder=rec); "
                              "then with rec: ...")


def check_clock(call: str, clock) -> None:
    """Refuse a clock without Clock's two methods, which the push timer would call in its
    own thread, where the error would reach no one."""
    if clock is not None and not (callable(getattr(clock, "now", None))
                                  and callable(getattr(clock, "wait", None))):
        raise bad_argument(call, "clock", "None or an object with Clock's now() and "
                           "wait(closed, seconds), e.g. tapeviz.viz.dashboard_status.Clock()",
                           clock, DTypeError)


def _raised_at(exc: BaseException) -> str:
    """Where in the user's code `exc` was raised, said after its message, unless the message
    says it (an OpError's names the user's line)."""
    traceback_ = exc.__traceback__
    if getattr(exc, "source", None) is not None or traceback_ is None:
        return ""
    while traceback_.tb_next is not None:
        traceback_ = traceback_.tb_next
    source = source_from(traceback_.tb_frame)
    if source is None:
        return ""
    return f"\n  at {source}" + (f"\n      {source.line}" if source.line else "")
