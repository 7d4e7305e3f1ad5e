"""The training thread's side of a `Runner`: its body and its gate.

The gate is a subscriber to the dispatch point that acts only on events from the runner's own
thread and, while paused, blocks that thread on a condition variable. It therefore pauses
the loop right after an op (forward or inside a backward step) or right after a VJP step,
with nothing monkeypatched; ops run by any other thread (the caller inspecting tensors
while the loop is paused) pass through untouched. The gate hears ops only while a pause,
a step or a stop is pending (or the loop is paused): a loop left running keeps dispatch's
fast path, and the runner hears only its gradient calls (to count steps).
"""
from __future__ import annotations

import sys
import threading

from .. import events
from ..fpwarnings import warn_from_user_line
from ..variable import Variable
from . import live_runners
from .pause_point import PausePoint
from .runner_loop import ran_in_a_loop

_WHOLE_UPDATES: set = set()   # code of the functions a stop lets return (`whole_update`)


def whole_update(function):
    """Mark `function` (an optimizer's apply) as one training update that a Runner's stop lets
    return before it lands: nothing a Runner does cuts it short, so it need hold no old
    values to put back for one. Returns `function` (a decorator)."""
    _WHOLE_UPDATES.add(function.__code__)
    return function


def _inside_whole_update() -> bool:
    """Whether the calling thread runs inside a `whole_update` function now: asked only
    while a stop is pending (a walk up the training thread's frames)."""
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code in _WHOLE_UPDATES:
            return True
        frame = frame.f_back
    return False


class RunnerStopped(BaseException):
    """Raised inside the training loop, at its next op, by `Runner.stop()`.

    A `BaseException`, as `KeyboardInterrupt` is, so that an `except Exception` in the loop
    (or in a library it calls) does not swallow the stop; `finally` blocks still run.
    """


class RunnerGate:
    """The loop's thread and its gate; `Runner` sets their state and drives them."""

    def _hear_ops(self) -> None:
        """Subscribe the gate to ops and VJP steps while a pause, a step or a stop is pending
        or the loop is paused, and only then (the caller holds the lock)."""
        wanted = self._ident is not None and (
            self._request is not None or self._stop or self._state == "paused")
        if wanted != self._hearing:
            self._hearing = wanted
            if wanted:
                events.subscribe(self._gate, kinds=(events.OpExecuted, events.VJPApplied))
            else:
                events.unsubscribe(self._gate)

    def _release(self) -> None:
        """Wake a paused loop; the caller holds the lock. The state flips at once, so a
        `wait_paused` right after a step waits for the *next* pause."""
        if self._state == "paused":
            self._state, self.paused_at = "running", None
        self._cond.notify_all()

    def _main(self, route_output) -> None:
        self._ident = threading.get_ident()
        outcome = "failed"
        events.subscribe(self._on_gradient, kinds=(events.GradientComputed,))
        with self._cond:
            self._hear_ops()  # a pause asked for before start
        try:
            if route_output is not None:
                route_output()
            self.result = self._fn(*self._args, **self._kwargs)
            outcome = "finished"
        except RunnerStopped:
            outcome = "stopped"
        except BaseException as exc:  # kept for join()/raise_error(); never swallowed
            self.error, self._error_frames = exc, exc.__traceback__
        finally:
            live_runners.ended(self)
            self._last_sources, self._sources_before = (), None
            events.unsubscribe(self._on_gradient)
            with self._cond:
                self._ident = None
                self._hear_ops()
                self._state, self.paused_at, self._request = outcome, None, None
                self._cond.notify_all()

    def _on_gradient(self, event) -> None:
        if threading.get_ident() != self._ident:
            return
        if live_runners.started_not_ended > 1:   # (torch's sources: read only then)
            refused, self._judged = self.refusal(event), None
            if refused is not None:
                self.refused = refused
                raise refused   # before it counts: a refused gradient call is no step
        else:
            self._last_sources = event.sources
        sources = event.sources   # (torch's: a Later, its updates heard after the step ran)
        # (by id: a value held could not be recycled, ops/recycler.py, +3.5k instructions a
        # step of bench_debugger's loops; a write rebinds the value while the old one lives;
        # a comprehension: 3.0k instructions for two sources, list(map(id, map(...))) 4.3k)
        self._sources_before = (sources, [id(source._value) for source in sources]) \
            if type(sources) is list else None
        self.step_count += 1
        if self.step_count == 1:
            self.looped = ran_in_a_loop(RunnerGate._main.__code__)
        self._last_targets = event.targets   # read as a float only when asked (last_loss)
        if self._stop:
            self._raise_stop(event)

    _on_gradient.says_its_own_errors = True   # (the refusal's: no note of the listener)

    def refusal(self, event):
        """The MisuseError refusing the loop's gradient call `event` when a runner not ended
        trains one of its variables (`live_runners.refusal`), else None; judged once an
        event, so its Dashboard, which hears the call first, charts no step the runner then
        refuses."""
        judged = self._judged
        if judged is None or judged[0] is not event:
            judged = self._judged = (event, live_runners.refusal(self, event.sources))
        return judged[1]

    def _gate(self, event) -> None:
        if threading.get_ident() != self._ident:
            return  # another thread's op (e.g. the caller inspecting tensors): untouched
        kind = type(event)
        if kind is events.OpExecuted:
            self.op_count += 1
        if self._stop and not self._mid_update(
                event.node if kind is events.OpExecuted else event.step.node):
            self._raise_stop(event)
        request = self._request
        if request is None:
            return
        if request == "op" and kind is events.OpExecuted:
            self._wait(PausePoint.after_op(event.node, self.op_count))
        elif request == "vjp" and kind is events.VJPApplied:
            self._wait(PausePoint("vjp", event.step.node, event.step, self.op_count))

    def _wait(self, point: PausePoint) -> None:
        stopping = self._stop and not self._mid_update(point.node)
        with self._cond:
            if stopping:
                self._raise_stop(None)
            if self._request != point.kind:  # resume() came between the check and the lock
                return
            if self._passes:   # a step asked again before this one landed: pass it
                self._passes -= 1
                return
            self._request, self.paused_at, self._state = None, point, "paused"
            if point.kind == "op":
                _show_written(point.node)
            self._cond.notify_all()
            while self._state == "paused":
                self._cond.wait()
        if self._stop and not self._mid_update(point.node):
            self._raise_stop(None)

    def _mid_update(self, node) -> bool:
        """Whether the loop is inside a training update, which a stop lets finish (Keras's
        `stop_training` and Lightning's `should_stop` end a loop at a step's end): just
        after an update op (its variable takes the value once the op returns: an optimizer's
        slot, its step count, fit's metrics), inside an optimizer's apply (`whole_update`),
        or after the last gradient call's first write of a variable it differentiated and
        before its last (the lecture's w.assign_sub, then b's) until an op other than an
        update reads one written (the next forward pass: a source the loop trains not, a
        frozen one, is never written). Not rolled back: torch's step has written every
        parameter before its updates are heard."""
        if getattr(node.op, "kind", None) == "update" or _inside_whole_update():
            return True
        before = self._sources_before
        if before is None:
            return False
        sources, ids = before
        written = [variable for variable, value in zip(sources, ids)
                   if id(variable._value) != value]
        if not written or len(written) == len(sources):
            return False
        read = node.input_ids
        return not any(id(variable) in read or id(variable._value) in read
                       for variable in written)

    def _hold(self, point: PausePoint) -> None:
        """Pause the loop's own thread at `point`, as a `pause()` landing there would."""
        with self._cond:
            self._request, self._passes = point.kind, 0
            self._hear_ops()
        self._wait(point)

    def _raise_stop(self, event) -> None:
        self._stop = False  # raised once, so ops in the loop's `finally` blocks still run
        node = getattr(event, "node", None)
        where = f" at {node.op.name}" if node is not None else ""
        raise RunnerStopped(f"training loop {self.name!r} stopped by Runner.stop(){where}")



def _show_written(node) -> None:
    """Paused just after an update op of the numpy engine, its variable holds what the op
    wrote, as the caller reads it ('after the optimizer's update of w'): the value it takes
    once the op returns (torch's parameters are written before their updates are heard)."""
    if getattr(node.op, "kind", None) == "update":
        variable = getattr(node.inputs[0], "variable", None)
        if type(variable) is Variable:
            variable._value = node.output._value


def pause_at_hit(hit, why: str) -> bool:
    """A breakpoint hit on a Runner's training thread, where no debugger can take input (`why`:
    a Jupyter kernel reads input for its running cell only): the runner pauses at the op, to
    be inspected and resumed as after `pause()`, instead of failing its loop with the
    BreakpointError that would end the training. False on any other thread."""
    ident = threading.get_ident()
    runner = next((runner for runner in live_runners.live() if runner._ident == ident), None)
    if runner is None:
        return False
    if hit.phase == "vjp":
        point = PausePoint("vjp", hit.step.node, hit.step, runner.op_count)
    else:
        point = PausePoint.after_op(hit.node, runner.op_count)
    warn_from_user_line(f"breakpoint hit on the thread of Runner {runner.name!r}: "
                        f"{hit.describe()}; no debugger can take input there ({why}), so the "
                        "runner paused there: read runner.paused_at, then runner.resume(), "
                        "step_op() or stop()", RuntimeWarning)
    runner._hold(point)
    return True
