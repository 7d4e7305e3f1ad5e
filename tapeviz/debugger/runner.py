"""Run a training function in a background thread that can be paused, stepped and stopped.

The caller (a notebook kernel, say) stays free while the loop trains. Control goes through
a gate: a subscriber to the dispatch point that acts only on events from the runner's own
thread and, while paused, blocks that thread on a condition variable. It therefore pauses
the loop right after an op (forward or inside a backward step) or right after a VJP step,
with nothing monkeypatched; ops run by any other thread (the caller inspecting tensors
while the loop is paused) pass through untouched. The gate hears ops only while a pause,
a step or a stop is pending (or the loop is paused): a loop left running keeps dispatch's
fast path, and the runner hears only its gradient calls (to count steps).
"""
from __future__ import annotations

import atexit
import sys
import threading
import time
from typing import Callable

import weakref

import numpy as np

from .. import events
from ..backward import vjp_in_flight
from ..errors import InvalidArgumentError, MisuseError, bad_argument
from ..fpwarnings import warn_from_user_line
from .given import check_training_function

_live: weakref.WeakSet = weakref.WeakSet()   # runners started and not ended: their gates
_hearing: weakref.WeakSet = weakref.WeakSet()   # runners whose gate hears ops now
_EXIT_GRACE = 2.0   # seconds Python's exit waits, at most, for the stopped runners' loops


def any_gate_hearing() -> bool:
    """Whether a Runner's gate hears ops now: a pause or a stop may land inside any op."""
    return bool(_hearing)


class RunnerStopped(BaseException):
    """Raised inside the training loop, at its next op, by `Runner.stop()`.

    A `BaseException`, as `KeyboardInterrupt` is, so that an `except Exception` in the loop
    (or in a library it calls) does not swallow the stop; `finally` blocks still run.
    """


class PausePoint:
    """Where a paused runner waits: just after an op ran ("op") or after a VJP step ("vjp")."""

    __slots__ = ("kind", "node", "step", "op_count", "vjp_of")

    def __init__(self, kind: str, node, step=None, op_count: int = 0, vjp_of=None):
        self.kind = kind            # "op" or "vjp"
        self.node = node            # the op's Node (for "vjp": the node whose VJP ran)
        self.step = step            # the BackwardStep for "vjp", else None
        self.op_count = op_count    # ops the gate had heard when it paused (from the first pause)
        self.vjp_of = vjp_of        # an op inside a VJP: the node whose VJP was running

    @property
    def forward_node(self):
        """The node of the forward pass the pause is at: the op's own node, or for an op run
        inside a VJP (and a VJP step) the node whose VJP it was."""
        return self.vjp_of if self.vjp_of is not None else self.node

    @property
    def op_name(self) -> str:
        return self.node.op.name

    @property
    def phase(self) -> str:
        """ "forward" or "backward": a VJP step is backward even though its node was not."""
        return "backward" if self.kind == "vjp" else self.node.phase

    @property
    def source(self):
        """The user's line that ran the op (file, line, function), or None."""
        return self.node.source

    def __repr__(self) -> str:
        source = self.source
        where = f" at {source.location}" if source else ""
        what = "after the gradient through" if self.kind == "vjp" else "after"
        return f"<PausePoint {what} {self.op_name} ({self.phase}){where}>"


class Runner:
    """Run `train_fn(*args, **kwargs)` in a background thread; pause, step, resume or stop it.

    >>> import tapeviz as tf
    >>> from tapeviz.debugger import Runner
    >>> def train(n):
    ...     w = tf.Variable(1.0)
    ...     for _ in range(n):
    ...         with tf.GradientTape() as tape:
    ...             loss = w * w
    ...         w.assign_sub(0.25 * tape.gradient(loss, w))
    ...     return float(w)
    >>> runner = Runner(train, 3)
    >>> runner.pause()              # pause at the very first op once started
    >>> _ = runner.start()
    >>> runner.wait_paused(5.0), runner.state, runner.paused_at.op_name
    (True, 'paused', 'multiply')
    >>> runner.resume()
    >>> runner.join(5.0), runner.state, runner.result, runner.step_count, runner.last_loss
    (True, 'finished', 0.125, 3, 0.0625)

    Control methods (`pause`, `step_op`, `step_vjp`, `resume`, `stop`) only send a request
    and return at once; `wait_paused(timeout)` and `join(timeout)` are how to wait.
    """

    def __init__(self, train_fn: Callable, *args, **kwargs):
        check_training_function("Runner", train_fn, args, kwargs)
        self._fn, self._args, self._kwargs = train_fn, args, kwargs
        self.name = getattr(train_fn, "__name__", "train")
        self._cond = threading.Condition()
        self._state = "idle"
        self._request: str | None = None   # None: run on; "op" / "vjp": pause at the next one
        self._stop = False                 # stop() asked; cleared once RunnerStopped is raised
        self._thread: threading.Thread | None = None
        self._ident: int | None = None
        self.step_count = 0                # GradientComputed events seen: training steps
        self.op_count = 0                  # ops of the runner's thread the gate heard
        self._hearing = False              # whether the gate hears ops now
        self._last_targets: tuple = ()     # the last gradient call's targets (immutable)
        self.paused_at: PausePoint | None = None
        self.error: BaseException | None = None
        self._error_frames = None          # its traceback as the loop's thread left it
        self.result = None

    @property
    def thread_ident(self) -> int | None:
        """`threading.get_ident()` of the training thread while it runs, else None."""
        return self._ident

    @property
    def last_loss(self) -> float | None:
        """The sum of the last gradient call's targets (the loss), or None before one."""
        targets = self._last_targets
        if not targets:
            return None
        return float(sum(np.sum(t.numpy()) for t in targets))

    @property
    def state(self) -> str:
        """ "idle", "running", "paused", "finished", "stopped" or "failed"."""
        return self._state

    # ---- control ------------------------------------------------------------------------
    def start(self) -> "Runner":
        """Start the training function in a daemon thread; returns self.

        A daemon, as a notebook user expects of a kernel restart or a script's end: a loop
        left paused (or training for hours) never holds Python's exit, which stops it at its
        next op instead and says so (`_stop_at_exit`)."""
        with self._cond:
            if self._state != "idle":
                raise MisuseError("Runner.start", f"this runner is {self._state}: a Runner "
                                  "runs its training function once",
                                  hint=f"make a new one: Runner({self.name}, ...).start()")
            self._state = "running"
        self._warn_of_paused_twins()
        self._started = time.monotonic()
        _live.add(self)
        route_output = _cell_output_router()
        self._thread = threading.Thread(target=self._main, args=(route_output,), daemon=True,
                                        name=f"tapeviz-runner-{self.name}")
        self._thread.start()
        return self

    def pause(self, at: str = "op") -> None:
        """Pause after the next op (`at="op"`, forward or backward) or VJP step (`at="vjp"`).

        Before `start()` it pauses at the very first one; once paused or ended it does nothing.
        """
        if at not in ("op", "vjp"):
            raise bad_argument("Runner.pause", "at", "'op' or 'vjp'", at, InvalidArgumentError)
        with self._cond:
            if self._state in ("idle", "running"):
                self._request = at
                self._hear_ops()

    def step_op(self) -> None:
        """Run exactly one more op of the loop, then pause again."""
        self._advance("op")

    def step_vjp(self) -> None:
        """Run on until just after the next backward (VJP) step, then pause again."""
        self._advance("vjp")

    def resume(self) -> None:
        """Let the loop run on freely (also cancels a pause that has not landed yet)."""
        self._advance(None)

    def stop(self) -> None:
        """Raise `RunnerStopped` inside the loop at its next op (a paused loop wakes for it)."""
        with self._cond:
            if self._state == "idle":
                self._state = "stopped"
            elif self._state in ("running", "paused"):
                self._stop, self._request = True, None
                self._release()
                self._hear_ops()

    def _advance(self, request: str | None) -> None:
        with self._cond:
            if self._state in ("idle", "running", "paused"):
                self._request = request
                self._release()
                self._hear_ops()
                return
        what = {"op": "step_op", "vjp": "step_vjp"}.get(request, "resume")
        warn_from_user_line(f"Runner.{what}: the training loop {self.name!r} has "
                            f"{self._state}: there is no loop left to step or resume; make a "
                            "new Runner to train again", RuntimeWarning)

    def _warn_of_paused_twins(self) -> None:
        """A notebook cell run again rebinds the name that held the runner it made before:
        left paused, nothing resumes it, its thread waits for ever and every op pays its gate."""
        for other in list(_live):
            if other is not self and _same_code(other._fn, self._fn) and \
                    other._state == "paused":
                warn_from_user_line(
                    f"Runner.start: a runner of {self.name!r} started earlier is still paused "
                    f"({other.paused_at!r}): its thread waits until it is resumed or stopped, "
                    "and every op pays its pause check meanwhile; if an earlier run of this "
                    "code left it, stop it: Runner.live() lists the runners not ended",
                    RuntimeWarning)

    @staticmethod
    def live() -> list:
        """The runners started and not ended (running or paused), oldest first."""
        return sorted(_live, key=lambda runner: runner._started)

    def _hear_ops(self) -> None:
        """Subscribe the gate to ops and VJP steps while a pause, a step or a stop is pending
        or the loop is paused, and only then (the caller holds the lock)."""
        wanted = self._ident is not None and (
            self._request is not None or self._stop or self._state == "paused")
        if wanted != self._hearing:
            self._hearing = wanted
            if wanted:
                _hearing.add(self)
                events.subscribe(self._gate, kinds=(events.OpExecuted, events.VJPApplied))
            else:
                _hearing.discard(self)
                events.unsubscribe(self._gate)

    def _release(self) -> None:
        """Wake a paused loop; the caller holds the lock. The state flips at once, so a
        `wait_paused` right after a step waits for the *next* pause."""
        if self._state == "paused":
            self._state, self.paused_at = "running", None
        self._cond.notify_all()

    # ---- waiting ------------------------------------------------------------------------
    def wait_paused(self, timeout: float | None = None) -> bool:
        """Block until the runner is paused (True) or has ended or `timeout` passed (False)."""
        with self._cond:
            self._cond.wait_for(lambda: self._state not in ("idle", "running"), timeout)
            return self._state == "paused"

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True if it has. Re-raises the loop's exception.

        Once it has ended, what a pause or step asked from this thread hooked into another
        engine here goes (`events.settle_thread`: torch's mode stack is per thread)."""
        if self._thread is None:
            if self._state == "stopped":
                return True
            raise RuntimeError("Runner.join: the runner was never started")
        self._thread.join(timeout)
        if self._thread.is_alive():
            return False
        events.settle_thread()
        self.raise_error()
        return True

    async def wait(self, poll: float = 0.05):
        """Await the end of the loop without blocking the event loop; returns `result`.

        In Jupyter, `await runner.wait()` keeps the kernel answering widget clicks (Pause,
        Step, Resume) while it waits; a plain `join()` would hold them until the loop ends.
        Re-raises the loop's exception.
        """
        import asyncio
        if self._thread is None:
            raise RuntimeError("Runner.wait: the runner was never started")
        while self._thread.is_alive():
            await asyncio.sleep(poll)
        events.settle_thread()
        self.raise_error()
        return self.result

    def raise_error(self) -> None:
        """Raise the exception the training function raised, if it failed: with the loop's
        frames below this caller's alone (a raise adds its frames to the error's own, so a
        second join would show the first's too, and keep the frame that made that call)."""
        if self.error is not None:
            raise self.error.with_traceback(self._error_frames)

    def __enter__(self) -> "Runner":
        if self._state == "idle":
            self.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        self.stop()
        if self._thread is not None:
            self._thread.join()
            events.settle_thread()
        if exc_type is None:  # an error in the with-block wins; the loop's stays in .error
            self.raise_error()
        return False

    # ---- the thread and its gate ----------------------------------------------------------
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
            _live.discard(self)
            events.unsubscribe(self._on_gradient)
            with self._cond:
                self._ident = None
                self._hear_ops()
                self._state, self.paused_at, self._request = outcome, None, None
                self._cond.notify_all()

    def _on_gradient(self, event) -> None:
        if threading.get_ident() != self._ident:
            return
        self.step_count += 1
        self._last_targets = event.targets   # read as a float only when asked (last_loss)
        if self._stop:
            self._raise_stop(event)

    def _gate(self, event) -> None:
        if threading.get_ident() != self._ident:
            return  # another thread's op (e.g. the caller inspecting tensors): untouched
        kind = type(event)
        if kind is events.OpExecuted:
            self.op_count += 1
        if self._stop:
            self._raise_stop(event)
        request = self._request
        if request is None:
            return
        if request == "op" and kind is events.OpExecuted:
            in_flight = vjp_in_flight() if event.node.phase == "backward" else None
            self._wait(PausePoint("op", event.node, None, self.op_count,
                                  in_flight[0] if in_flight is not None else None))
        elif request == "vjp" and kind is events.VJPApplied:
            self._wait(PausePoint("vjp", event.step.node, event.step, self.op_count))

    def _wait(self, point: PausePoint) -> None:
        with self._cond:
            if self._stop:
                self._raise_stop(None)
            if self._request != point.kind:  # resume() came between the check and the lock
                return
            self._request, self.paused_at, self._state = None, point, "paused"
            self._cond.notify_all()
            while self._state == "paused":
                self._cond.wait()
        if self._stop:
            self._raise_stop(None)

    def _raise_stop(self, event) -> None:
        self._stop = False  # raised once, so ops in the loop's `finally` blocks still run
        node = getattr(event, "node", None)
        where = f" at {node.op.name}" if node is not None else ""
        raise RunnerStopped(f"training loop {self.name!r} stopped by Runner.stop(){where}")

    def __repr__(self) -> str:
        parts = [f"{self.step_count} steps"]
        loss = self.last_loss
        if loss is not None:
            parts.append(f"loss {loss:.4g}")
        if self.paused_at is not None:
            parts.append(f"paused {self.paused_at!r}")
        return f"<Runner {self.name} {self._state}: {', '.join(parts)}>"


def _stop_at_exit() -> None:
    """Python exits (a script's last line, a kernel restart) while runners train: stop each
    (RunnerStopped at its next op, so the loop's `finally` blocks run; a paused loop wakes for
    it), wait for them a moment, and say so on stderr, or a script that forgot to wait for its
    loop would end with the training silently cut off."""
    runners = Runner.live()
    for runner in runners:
        point, what = runner.paused_at, runner.state
        if point is not None:
            what = f"paused after {point.op_name}" + (
                f" at {point.source.location}" if point.source is not None else "")
        print(f"tapeviz: Python is exiting while the training loop {runner.name!r} is {what} "
              f"after {runner.step_count} steps: stopped at its next op. A Runner's thread "
              "does not keep Python alive; to let it finish, wait for it: runner.join()",
              file=sys.stderr)
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


def _cell_output_router():
    """In an IPython kernel that offers it, a function that sends the calling thread's
    prints to the cell that started the runner; else None (output goes to sys.stdout as is).
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is None or not hasattr(shell, "set_thread_parent"):
        return None
    parent = shell.get_parent()
    return lambda: shell.set_thread_parent(parent)
