"""The Recorder: a history of training steps, every op in them, under a byte budget.

It listens at the dispatch point (`tapeviz.subscribe`): each `OpExecuted` appends a small
`RecordedOp`, each `VJPApplied` attaches d loss / d output to the op that made the node,
and each `GradientComputed` ends a step. Nothing is copied (tensors are immutable); the
bytes of the arrays held are counted as they arrive and the oldest whole steps are dropped
when over budget.
"""
from __future__ import annotations

import threading
from collections import deque
from typing import NamedTuple

from .. import events
from ..fpwarnings import warn_from_user_line
from ..threadstate import thread_state
from ..tensor import Variable
from .history import OP_OVERHEAD, RecordedOp, RecordedStep

DEFAULT_MAX_BYTES = 256 * 2**20   # 256 MiB


class StepsDroppedWarning(UserWarning):
    """The Recorder dropped old steps (or holds one step alone) to respect its byte budget."""


class Dropped(NamedTuple):
    """How much the Recorder has dropped so far: whole steps, and the bytes they held."""

    steps: int
    nbytes: int


class Recorder:
    """Record every op (taped or not) with values, gradients, source lines, grouped in steps.

    Steps. A step ends when `tape.gradient` returns (unless an outer tape is still recording
    on the thread: a nested gradient call, e.g. a gradient penalty, stays inside its step)
    and where the user calls `mark_step()`. The optimizer update after a gradient call
    belongs to the step it ended: after a step ends on a gradient call, the ops that run
    before the next taped op (or mark_step / gradient call) wait; each `update` op (assign,
    assign_add, assign_sub: optimizer and metric updates) pulls the ops waiting before it,
    and itself, into the ended step. The ops left waiting when a taped op arrives (e.g.
    preparing the next batch) start the next step. With `split="mark"` only `mark_step` (and
    `stop`) end steps.

    Memory. The recorder keeps the latest steps while the bytes they hold stay within
    `max_bytes` (default 256 MiB): each distinct numpy array an op of the step holds
    (inputs, output, gradient; a view counts its base) is counted once per step, plus an
    estimate of `OP_OVERHEAD` bytes per op for the Python objects. Over budget, the oldest
    whole steps are dropped first, counted in `dropped`, and a `StepsDroppedWarning` says so
    (at the first drop, then every `warn_every` dropped steps). The step in progress (and one
    still taking its update ops) is never dropped; a single step bigger than the budget is
    kept alone, with a warning. Arrays shared between steps are counted in each of them, so
    `nbytes` may overstate what is held, never understate it.

    Threads. By default only ops from the thread that called `start()` are recorded (a
    Runner's training thread starts its own recorder); `threads="all"` records every thread
    into the same steps.

    >>> import tapeviz as tf
    >>> w = tf.Variable([1.0, 2.0])
    >>> with Recorder(max_bytes=2**20) as rec:
    ...     for _ in range(3):
    ...         with tf.GradientTape() as tape:
    ...             loss = tf.reduce_sum(w * w)
    ...         _ = w.assign_sub(0.1 * tape.gradient(loss, w))
    >>> len(rec), [round(step.loss, 3) for step in rec.steps]
    (3, [5.0, 3.2, 2.048])
    >>> [op.op for op in rec.last_step.ops if op.phase == "forward"]
    ['multiply', 'reduce_sum', 'multiply', 'assign_sub']
    """

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES, threads: str = "current",
                 split: str = "gradient", warn_every: int = 1000, first_index: int = 0):
        """`first_index`: the index of the first step (a recorder started mid-run, by the
        Dashboard, numbers its steps as the run does)."""
        if threads not in ("current", "all"):
            raise ValueError(f"Recorder: threads must be 'current' or 'all'; got {threads!r}")
        if split not in ("gradient", "mark"):
            raise ValueError(f"Recorder: split must be 'gradient' or 'mark'; got {split!r}")
        self.max_bytes = int(max_bytes)
        self.threads = threads
        self.split = split
        self.warn_every = max(1, int(warn_every))
        self._steps: deque[RecordedStep] = deque()   # finished steps, oldest first
        self._current = RecordedStep(first_index)
        self._closing: RecordedStep | None = None    # ended at a gradient call, taking updates
        self._waiting_from = 0                       # its ops from here on may be the next step's
        self._next_index = first_index + 1
        self._nbytes = 0
        self._dropped_steps = 0
        self._dropped_bytes = 0
        self._warned_at = 0
        self._thread: int | None = None
        self._lock = threading.RLock()
        self._recording = False

    # ---- the switch ------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self._recording

    def start(self) -> "Recorder":
        """Start (or resume) recording; returns self."""
        with self._lock:
            if not self._recording:
                self._thread = threading.get_ident() if self.threads == "current" else None
                self._recording = True
                events.subscribe(self._on_event)
        return self

    def stop(self) -> "Recorder":
        """Stop recording and finish the step in progress; returns self."""
        with self._lock:
            if self._recording:
                events.unsubscribe(self._on_event)
                self._recording = False
                self._end_step(None, closing=False)
        return self

    def __enter__(self) -> "Recorder":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def mark_step(self, label=None) -> RecordedStep | None:
        """End the step in progress, naming it `label`; returns it.

        When nothing ran since the last step ended (e.g. right after a gradient call), the
        label goes to that step instead and no empty step is made.
        """
        with self._lock:
            ended = self._end_step(None, closing=False)
            if ended is None:
                ended = self._steps[-1] if self._steps else None
            if ended is not None and label is not None:
                ended.label = label
            return ended

    def clear(self) -> None:
        """Forget every recorded step (the drop counts are kept)."""
        with self._lock:
            self._steps.clear()
            self._closing = None
            self._current = RecordedStep(self._next_index)
            self._next_index += 1
            self._nbytes = 0

    # ---- what was kept ---------------------------------------------------------------------
    @property
    def steps(self) -> list:
        """The kept steps, oldest first; the one in progress last if it has ops."""
        with self._lock:
            kept = list(self._steps)
            if self._current.ops:
                kept.append(self._current)
            return kept

    @property
    def last_step(self) -> RecordedStep | None:
        """The most recent finished step (the one in progress if none has finished)."""
        with self._lock:
            if self._steps:
                return self._steps[-1]
            return self._current if self._current.ops else None

    @property
    def current_step(self) -> RecordedStep:
        return self._current

    @property
    def nbytes(self) -> int:
        """Bytes held by the kept steps (see the class docstring for what counts)."""
        return self._nbytes

    @property
    def dropped(self) -> Dropped:
        """How many old steps were dropped to respect `max_bytes`, and the bytes they held."""
        return Dropped(self._dropped_steps, self._dropped_bytes)

    def __len__(self) -> int:
        return len(self._steps) + (1 if self._current.ops else 0)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i) -> RecordedStep:
        return self.steps[i]

    def __repr__(self) -> str:
        state = "recording" if self._recording else "stopped"
        return f"<Recorder {state}: {len(self)} steps, {self._nbytes / 2**20:.1f} of " \
               f"{self.max_bytes / 2**20:.1f} MiB, {self._dropped_steps} dropped>"

    # ---- events ----------------------------------------------------------------------------
    def _on_event(self, event) -> None:
        if self._thread is not None and threading.get_ident() != self._thread:
            return
        kind = type(event)
        with self._lock:
            if kind is events.OpExecuted:
                self._on_op(event)
            elif kind is events.VJPApplied:
                self._on_vjp(event.step)
            elif kind is events.GradientComputed:
                self._on_gradient(event)

    def _on_op(self, event) -> None:
        node = event.node
        rop = RecordedOp(node, event.duration, event.taped, 0)
        closing = self._closing
        if closing is None:
            self._nbytes += self._current._append(rop)
        elif event.taped:              # the next step's forward pass: the update is over
            self._commit_update()
            self._nbytes += self._current._append(rop)
        else:                          # maybe part of the update: wait in the ended step
            self._nbytes += closing._append(rop)
            if node.op.kind == "update":
                self._waiting_from = len(closing.ops)
        if self._nbytes > self.max_bytes:
            self._enforce_budget()

    def _commit_update(self) -> None:
        """The ended step takes no more ops; those after its last update start the next."""
        closing, self._closing = self._closing, None
        if closing is None or self._waiting_from >= len(closing.ops):
            return
        before = closing.nbytes
        waiting = closing._take_tail(self._waiting_from)
        self._nbytes -= before - closing.nbytes
        for rop in waiting:
            self._nbytes += self._current._append(rop)

    def _on_vjp(self, step) -> None:
        node_id = id(step.node)
        for recorded in self._newest_first():
            rop = recorded._by_node.get(node_id)
            if rop is not None:
                rop._grad = step.upstream
                added = recorded._count(step.upstream._value)
                if added:
                    self._nbytes += added
                    if self._nbytes > self.max_bytes:
                        self._enforce_budget()
                return

    def _newest_first(self):
        yield self._current
        yield from reversed(self._steps)

    def _on_gradient(self, event) -> None:
        step = self._current
        if len(event.targets) == 1:
            step._loss = event.targets[0]._value
        step.gradient_sources = list(event.sources)
        for source, grad in zip(event.sources, event.gradients):
            if type(source) is Variable and grad is not None:
                step.variable_gradients[source.name] = grad
                self._nbytes += step._count(grad._value)
        if self.split == "gradient" and not self._outer_tape_recording(event.tape):
            self._end_step(None, closing=True)
        if self._nbytes > self.max_bytes:
            self._enforce_budget()

    @staticmethod
    def _outer_tape_recording(tape) -> bool:
        return any(other is not tape for other in thread_state().tapes)

    # ---- steps and the budget --------------------------------------------------------------
    def _end_step(self, label, closing: bool) -> RecordedStep | None:
        """Finish the step in progress (if it has ops); `closing`: it takes update ops next."""
        self._commit_update()
        ended = self._current
        if not ended.ops and ended._loss is None:
            return None
        ended.complete = True
        if label is not None:
            ended.label = label
        self._steps.append(ended)
        self._current = RecordedStep(self._next_index)
        self._next_index += 1
        if closing:
            self._closing, self._waiting_from = ended, len(ended.ops)
        self._enforce_budget()
        return ended

    def _enforce_budget(self) -> None:
        """Drop the oldest finished steps until the kept ones fit in `max_bytes`."""
        if self._nbytes <= self.max_bytes:
            return
        steps = self._steps
        dropped = dropped_bytes = 0
        while self._nbytes > self.max_bytes and steps and steps[0] is not self._closing:
            if len(steps) == 1 and not self._current.ops:
                break                       # the newest finished step: kept alone
            old = steps.popleft()
            self._nbytes -= old.nbytes
            dropped += 1
            dropped_bytes += old.nbytes
        if dropped:
            self._dropped_steps += dropped
            self._dropped_bytes += dropped_bytes
            if self._dropped_steps - self._warned_at >= self.warn_every or not self._warned_at:
                self._warned_at = self._dropped_steps
                self._warn(f"Recorder dropped {self._dropped_steps} oldest step(s) so far "
                           f"({_size(self._dropped_bytes)}) to stay within its max_bytes "
                           f"budget of {_size(self.max_bytes)}; "
                           f"{len(self)} step(s) kept. Raise Recorder(max_bytes=...) to keep "
                           f"more.")
        if self._nbytes > self.max_bytes:
            self._warn_too_big()

    def _warn_too_big(self) -> None:
        big = self._steps[-1] if self._steps and not self._current.ops else self._current
        if self._closing is not None:
            big = self._closing
        if not big._warned_big:
            big._warned_big = True
            self._warn(f"Recorder: step {big.number} alone holds {_size(big.nbytes)}, more than "
                       f"the max_bytes budget of {_size(self.max_bytes)}; "
                       f"it is kept (a step in progress is never dropped) and older steps "
                       f"are dropped first.")

    @staticmethod
    def _warn(message: str) -> None:
        warn_from_user_line(message, StepsDroppedWarning)


def _size(nbytes: int) -> str:
    return f"{nbytes / 2**20:.1f} MiB" if nbytes >= 2**20 else f"{nbytes / 1024:.1f} KiB"


__all__ = ["Recorder", "RecordedStep", "RecordedOp", "StepsDroppedWarning", "Dropped",
           "DEFAULT_MAX_BYTES", "OP_OVERHEAD"]
