"""The training thread's side of a `Runner`: its body and its gate.

The gate is a subscriber to the dispatch point that acts only on events from the runner's own
thread and, while paused, blocks that thread on a condition variable. It therefore pauses
the loop right after an op (forward or inside a backward step) or right after a VJP step,
with nothing monkeypatched; ops run by any other thread (the caller inspecting tensors
while the loop is paused) pass through untouched. The gate hears ops only while a pause,
a step or a stop is pending (or the loop is paused): a loop left running keeps dispatch's
fast path. Its gradient calls the tape counts itself (`tape_gradient.counted_threads`), as a
BackwardStepper counts a pass it ends: the runner's listener hears them only until its first
step, and again while the gate hears ops, another runner runs beside it (the refusal of a
shared variable) or the loop's steps may come from another engine than the tape (torch's:
its first step, or tapeviz.torch loaded, tells).
"""
from __future__ import annotations

import sys
import threading

from .. import events
from ..fpwarnings import warn_from_user_line
from ..tape_gradient import counted_threads, counting_calls
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


def torch_adapter_loaded() -> bool:
    """Whether tapeviz.torch is imported: a loop may then train a torch model beside its
    tapeviz one, whose steps only the runner's listener hears (no tape counts them)."""
    return "tapeviz.torch" in sys.modules


class RunnerStopped(BaseException):
    """Raised inside the training loop, at its next op, by `Runner.stop()`.

    A `BaseException`, as `KeyboardInterrupt` is, so that an `except Exception` in the loop
    (or in a library it calls) does not swallow the stop; `finally` blocks still run.
    """


class RunnerGate:
    """The loop's thread and its gate; `Runner` sets their state and drives them."""

    @property
    def step_count(self) -> int:
        """The loop's gradient calls (GradientComputed events): its training steps so far."""
        return self._calls.count

    @property
    def _last_targets(self) -> tuple:
        return self._calls.targets   # the last gradient call's targets (read when asked)

    @property
    def _last_sources(self):
        return self._calls.sources   # ... and sources: the variables it trains now

    @_last_sources.setter
    def _last_sources(self, sources) -> None:   # (live_runners.refusal: its own, judged)
        self._calls.sources = sources

    @property
    def _sources_before(self):
        """(the last gradient call's sources, their values' ids then), or None: `_mid_update`."""
        calls = self._calls
        return None if calls.value_ids is None else (calls.sources, calls.value_ids)

    def _hear_ops(self) -> None:
        """Subscribe the gate to ops and VJP steps while a pause, a step or a stop is pending
        or the loop is paused, and only then; the listener of gradient calls then too, before
        the first step, while another runner runs, and for an engine whose steps the tape
        does not count (the caller holds the lock)."""
        running = self._ident is not None
        wanted = running and (self._request is not None or self._stop or self._state == "paused")
        if wanted != self._hearing:
            self._hearing = wanted
            if wanted:
                events.subscribe(self._gate, kinds=(events.OpExecuted, events.VJPApplied))
            else:
                events.unsubscribe(self._gate)
        listen = running and (wanted or self._tape_counts is not True
                              or live_runners.started_not_ended > 1)
        if listen != self._listening:
            self._listening = listen
            if listen:
                events.subscribe(self._on_gradient, kinds=(events.GradientComputed,))
            else:
                events.unsubscribe(self._on_gradient)

    def _others_hear_again(self) -> None:
        """Another runner started or ended: each one running decides again whether it hears
        its gradient calls (the refusal of a variable two loops train needs them heard)."""
        for other in live_runners.live():
            if other is not self:
                with other._cond:
                    other._hear_ops()

    def _release(self) -> None:
        """Wake a paused loop; the caller holds the lock. The state flips at once, so a
        `wait_paused` right after a step waits for the *next* pause."""
        if self._state == "paused":
            self._state, self.paused_at = "running", None
        self._cond.notify_all()

    def _main(self, route_output) -> None:
        self._ident = threading.get_ident()
        outcome = "failed"
        counted_threads[self._ident] = self._calls
        with self._cond:
            self._hear_ops()  # its gradient calls heard, and a pause asked for before start
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
            del counted_threads[self._ident]
            self._calls.sources, self._calls.value_ids = (), None
            with self._cond:
                self._ident = None
                self._hear_ops()
                self._state, self.paused_at, self._request = outcome, None, None
                self._cond.notify_all()
            self._others_hear_again()

    def _on_gradient(self, event) -> None:
        if threading.get_ident() != self._ident:
            return
        if live_runners.started_not_ended > 1:   # (torch's sources: read only then)
            refused, self._judged = self.refusal(event), None
            if refused is not None:
                self.refused = refused
                raise refused   # before it counts: a refused gradient call is no step
        # the tape's own call (or a stepper's end), which counts itself once its listeners
        # return (tell's caller)
        by_tape = sys._getframe(2).f_code in counting_calls
        first = self._tape_counts is None
        if first:   # the loop's engine, told by its first step (torch's, heard by the
            # listener alone, may come later where the adapter is loaded: a loop of both)
            self._tape_counts = by_tape and not torch_adapter_loaded()
            self.looped = ran_in_a_loop(RunnerGate._main.__code__)
        if self._stop:   # the call raises, its gradients never reach the loop: no step,
            self._raise_stop(event)   # as a refused call is none (the tape's count not reached)
        if not by_tape:
            self._calls.took(event.targets, event.sources)
        if first and by_tape:
            with self._cond:   # the tape counts the steps from now on
                self._hear_ops()

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
