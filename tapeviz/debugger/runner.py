"""Run a training function in a background thread that can be paused, stepped and stopped.

The caller (a notebook kernel, say) stays free while the loop trains. Control goes through
a gate on the loop's thread (`runner_gate.py`): it pauses the loop right after an op or a
VJP step, with nothing monkeypatched; this module is the caller's side: start, pause, step,
resume, stop, and waiting for a pause or the loop's end.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import Callable

import numpy as np

from .. import events
from ..errors import InvalidArgumentError, MisuseError, bad_argument
from ..fpwarnings import warn_from_user_line
from ..sourceinfo import user_source
from ..tape_gradient import GradientCalls
from . import live_runners
from .given import check_training_function
from .pause_point import PausePoint
from .reaches_torch import reaches_torch
from .runner_gate import RunnerGate, torch_adapter_loaded

_ENDED = ("finished", "stopped", "failed")       # a Runner's states once its loop is over


class Runner(RunnerGate):
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
        self._take("Runner", train_fn, args, kwargs)

    @classmethod
    def made_by(cls, call: str, train_fn: Callable, args: tuple, kwargs: dict) -> "Runner":
        """A Runner of `train_fn(*args, **kwargs)` made for `call` ('Dashboard.train',
        '%tapeviz_train'), which a training function it cannot run is refused in the name of:
        the one check, in the words of what the user called."""
        runner = cls.__new__(cls)
        runner._take(call, train_fn, args, kwargs)
        return runner

    def _take(self, call: str, train_fn: Callable, args: tuple, kwargs: dict) -> None:
        check_training_function(call, train_fn, args, kwargs)
        self._fn, self._args, self._kwargs = train_fn, args, kwargs
        # what made it, and the user's line that did (a magic's is IPython's: none), as an
        # error names it beside another's
        self.started_by = call
        self.made_at = None if call.startswith("%") else user_source()
        self.name = getattr(train_fn, "__name__", "train")
        self._cond = threading.Condition()
        self._state = "idle"
        self._request: str | None = None   # None: run on; "op" / "vjp": pause at the next one
        self._passes = 0                   # ... after passing as many more (steps asked at once)
        self._stop = False                 # stop() asked; cleared once RunnerStopped is raised
        self._thread: threading.Thread | None = None
        self._ident: int | None = None
        self._calls = GradientCalls()      # its gradient calls: steps, the last one's loss
        self._tape_counts = None           # whether the tape counts them (None: no step yet)
        self.looped = False                # its first step ran inside a loop (runner_loop.py)
        self.op_count = 0                  # ops of the runner's thread the gate heard
        self._hearing = False              # whether the gate hears ops now
        self._listening = False            # whether its listener hears gradient calls now
        self._judged = None                # (gradient call, its refusal or None): refusal()
        self.paused_at: PausePoint | None = None
        self.error: BaseException | None = None
        self.refused = None                # the MisuseError that refused its first step
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
        live_runners.warn_of_paused_twins(self)
        _warn_if_torch_unheard("Runner.start" if self.started_by == "Runner" else self.started_by,
                               self._fn, self._args, self._kwargs)
        self._started = time.monotonic()
        live_runners.started(self)
        self._others_hear_again()
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
                self._request, self._passes = at, 0
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
        """Raise `RunnerStopped` inside the loop at its next op (a paused loop wakes for it);
        inside a training update, at the first op after it: no variable is left half-stepped."""
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
                # a step asked again before the last one landed (Step clicked twice): one more
                again = request is not None and request == self._request \
                    and self._state != "paused"
                self._passes = self._passes + 1 if again else 0
                self._request = request
                self._release()
                self._hear_ops()
                return
        what = {"op": "step_op", "vjp": "step_vjp"}.get(request, "resume")
        warn_from_user_line(f"Runner.{what}: the training loop {self.name!r} has "
                            f"{self._state}: there is no loop left to step or resume; make a "
                            "new Runner to train again", RuntimeWarning)

    @staticmethod
    def live() -> list:
        """The runners started and not ended (running or paused), oldest first."""
        return live_runners.live()

    # ---- waiting ------------------------------------------------------------------------
    def wait_paused(self, timeout: float | None = None) -> bool:
        """Block until the runner is paused (True) or has ended or `timeout` passed (False)."""
        with self._cond:
            self._cond.wait_for(lambda: self._state not in ("idle", "running"), timeout)
            return self._state == "paused"

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the thread to end; True if it has. Re-raises the loop's exception.

        Once it has ended, what a pause or step asked from this thread hooked into another
        engine here goes (`events.settle_thread`: torch's mode stack is per thread). A
        KeyboardInterrupt while it waits (Ctrl-C, Jupyter's interrupt) stops the loop at its
        next op, as it stops a loop run in place, and is raised. It waits for the loop's
        end on the runner's own condition, not `Thread.join`, which an interrupt leaves
        saying the thread ended while it runs on (CPython 3.11)."""
        if self._thread is None:
            if self._state == "stopped":
                return True
            raise RuntimeError("Runner.join: the runner was never started")
        try:
            with self._cond:
                if not self._cond.wait_for(lambda: self._state in _ENDED, timeout):
                    return False
        except KeyboardInterrupt:
            self.stop()
            raise
        self._thread.join()   # (its last lines, after the state is set)
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
        while self._state not in _ENDED:
            await asyncio.sleep(poll)
        self._thread.join()
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

    def __repr__(self) -> str:
        parts = [f"{self.step_count} step{'' if self.step_count == 1 else 's'}"]
        loss = self.last_loss
        if loss is not None:
            parts.append(f"loss {loss:.4g}")
        if self.paused_at is not None:
            parts.append(f"paused {self.paused_at!r}")
        return f"<Runner {self.name} {self._state}: {', '.join(parts)}>"


def _warn_if_torch_unheard(call: str, function, args: tuple, kwargs: dict) -> None:
    """A loop reaching torch where tapeviz.torch is not imported runs unheard by the Runner
    (no step counted, its pause and stop never land, Python's exit aborts inside torch under
    it), and nothing of the numpy engine says why; the debugger imports no torch to hear it."""
    if ("torch" in sys.modules and not torch_adapter_loaded()
            and reaches_torch(function, args, kwargs)):
        warn_from_user_line(
            f"{call}: PyTorch is imported and tapeviz.torch is not, so a PyTorch loop would "
            "run unheard by this Runner: no step counted, a pause, step or stop never "
            "landing, and Python's exit aborting inside torch under it. Run "
            "`import tapeviz.torch` before starting it", RuntimeWarning)


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
