"""The Recorder: a history of training steps, every op in them, under a byte budget.

It listens at the dispatch point. On the thread it records, it keeps a `Sink` in the
thread's state: dispatch adds each op's record there (`node.RECORD_FIELDS`, one after another
in one flat list; no node at all for an op no tape keeps) and the backward pass writes each
upstream gradient there by its output's id, with no event made and no call into the Recorder
(`subscribe(sunk=True)`); other engines, other threads (`threads="all"`) and a second
Recorder on the thread send events or nodes, whose records go into the same list.
A whole backward pass that `gradient` runs over the step's own taped ops is kept as one
record instead (kept_pass.py): its VJPs' ops are made again, alike, when someone looks at
the step (their durations are those of the look).
A training loop runs the same program step after step: a segment (the ops between two
gradient calls) that follows a program learned from one recorded fully adds no record at
all (program.py: dispatch checks each op against the program and keeps only the inputs
that came from outside the segment); the Recorder keeps the segment in its steps' place and
runs it again when someone looks (the durations are those of the look). A step made of such
a segment alone is only noted as it ends (noted.py: the segment, the loss, the gradients),
its RecordedStep made when someone looks. A segment that leaves the program, or that
someone looks at while it runs, is recorded fully from there.
The Recorder sorts what came into steps in bulk, when it must: at each `GradientComputed`
(which ends a step), `mark_step`, a look, and a budget check. Its `RecordedOp`s are made
when someone looks. Nothing is copied (tensors are immutable). Bytes are counted per step,
not per op: when a step ends, and within a long step as often as its ops so far say it
could reach the budget; the oldest whole steps are dropped when over budget.
Its parts: the sink (sink.py), the sorting into steps (sorting.py, step_ends.py), the
segments that follow a program (following.py), the steps ended and the budget (budget.py),
the steps as a user reads them (recorder_views.py), what it hears as events or nodes from
another engine or thread (recorder_heard.py).
"""
from __future__ import annotations

import sys
import threading
from collections import deque
from threading import get_ident

from .. import events
from ..arguments import choice, count, flag
from ..node import OP, OUTPUT, RECORD_WIDTH
from ..threadstate import raised_listeners, thread_state
from .budget import StepBudget, StepsDroppedWarning
from .following import ProgramFollowing, loss_of
from .given import check_byte_budget, entered_twice
from .history import RecordedStep
from .kept_forward import KEPT_FORWARD
from .noted import kept_bytes
from . import recorder_twins
from .program import learn
from .recorded_op import KeptBytes, RecordedOp
from .recorder_heard import HeardOps
from .recorder_views import Dropped, RecordedSteps
from .sink import MIN_CHECK_GAP, Sink
from .sorting import StepSorting
from .step_ends import split_of

DEFAULT_MAX_BYTES = 256 * 2**20   # 256 MiB
_HEARD = (events.OpExecuted, events.VJPApplied, events.GradientComputed)
# ops of programs a Recorder learns at most (memory no budget counts, ~0.3 KB an op): a
# program whose steps never repeat (their ops depend on the data) is recorded fully past it
MAX_LEARNED_OPS = 1 << 16
_STOPPED = -1   # a stopped Recorder's thread: no thread's ident


class Recorder(RecordedSteps, HeardOps, StepSorting, ProgramFollowing, StepBudget):
    """Record every op (taped or not) with values, gradients, source lines, grouped in steps.

    Steps. A step ends when `tape.gradient` returns (unless an outer tape is still recording
    on the thread: a nested gradient call, e.g. a gradient penalty, stays inside its step)
    and where the user calls `mark_step()`. The optimizer update after a gradient call
    belongs to the step it ended: after a step ends on a gradient call, the ops that run
    before the next taped op (or mark_step / gradient call) wait; each `update` op (assign,
    assign_add, assign_sub: optimizer and metric updates) pulls the ops waiting before it,
    and itself, into the ended step. The ops left waiting when a taped op arrives (e.g.
    preparing the next batch) start the next step; when they run the last step's such ops
    again after a first part of them (an exception caught outside any tape, a `continue`),
    that part is a step of its own, labelled "abandoned". With `split="mark"` only
    `mark_step` (and `stop`) end steps.

    Memory. The recorder keeps the latest steps while the bytes they hold stay within
    `max_bytes` (default 256 MiB). A step that ran a program already recorded (the same ops
    at the same lines, on the same wiring: `program`) keeps only what came from outside it
    (the batch, the variables' values, constants, random ops' outputs) and is run again
    when someone looks: the same ops, lines, values (bitwise) and gradients, its ops'
    durations those of the run again; a look from another thread sees such a step once it
    has ended. A finished step whose nodes nothing else holds is kept as
    columns of values (`packed`: no object per op for the cycle collector to walk), its
    nodes made again when someone looks. A step counts what keeping it keeps alive: each op's
    node, tensors, tuples, duration and record, each distinct numpy array (inputs, output,
    gradient; a view counts its base) once with its object and its allocation, and its own
    bookkeeping (`footprint`). Over budget, the oldest whole steps are dropped first,
    counted in `dropped`, and a `StepsDroppedWarning` says so (at the first drop, then every
    `warn_every` dropped steps). The step in progress (and one still taking its update ops)
    is never dropped; a single step bigger than the budget is kept alone, with a warning.
    Arrays shared between steps are counted in each of them, so `nbytes` may overstate
    what is held, never understate it.

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
        threads = choice("Recorder", "threads", threads, ("current", "all"))
        split = choice("Recorder", "split", split, ("gradient", "mark"))
        check_byte_budget(max_bytes)
        first_index = count("Recorder", "first_index", first_index)
        self.max_bytes = int(max_bytes)
        self.threads = threads
        self.split = split
        self.warn_every = count("Recorder", "warn_every", warn_every, minimum=1)
        self._steps: deque[RecordedStep] = deque()   # finished steps, oldest first
        self._current = RecordedStep(first_index)
        self._closing: RecordedStep | None = None    # ended at a gradient call, taking updates
        self._started_in: RecordedStep | None = None  # the step start(ended_by=) ended
        self._waiting = 0                            # its last ops, which may be the next step's
        self._evaluating = False                     # whether an evaluation began among them
        self._no_evaluation: list = []               # the ops of the last wait that had none
        self._before_tape: list = []                 # (op, line) of a step's ops before its tape
        self._next_index = first_index + 1
        self._records = Sink()                       # ops given, not yet sorted into steps
        self._sink_state = None                      # the thread state whose sink they are
        self._per_op = 0                             # bytes an op held in the last finished step
        self._last_length = 0                        # and its ops, its update ops included
        self._dropped_steps = 0
        self._dropped_bytes = 0
        self._warned_at = 0
        self._thread: int | None = None
        self._lock = threading.RLock()
        # bytes of the finished steps, but the closing one
        self._kept = KeptBytes(self._lock, kept_bytes)
        self._recording = False
        self._running_pass = None   # the Backward of a kept pass, until a look or its end
        self._sources: tuple = ()   # the sources of the last step noted
        self._looked_in_flight = None   # a kept pass looked at while it ran
        self._segment_state = None   # how the segment in progress began (_begin_segment)
        self._unplanned = False      # steps were noted since the next count was planned

    # ---- the switch ------------------------------------------------------------------------
    @property
    def recording(self) -> bool:
        return self._recording

    def start(self, ended_by=None) -> "Recorder":
        """Start (or resume) recording; returns self. One the same line started before on
        this thread and still recording (a notebook cell run again) is stopped.
        `ended_by`: the `GradientComputed` event whose subscriber starts this (the Dashboard,
        mid-run): that gradient call ends this Recorder's first step, which holds its loss,
        gradients and the updates after it, so the next step is recorded whole."""
        if not self._recording:
            recorder_twins.started(self, sys._getframe(1), Recorder.__enter__.__code__)
        with self._lock:
            if not self._recording:
                self._thread = threading.get_ident() if self.threads == "current" else None
                self._recording = True
                if ended_by is not None:
                    self._started_in = self._end_gradient_step(ended_by)
                state = thread_state()
                # one subscription for the three kinds: each change reroutes every op
                if self._thread is not None and state.sink is None:   # dispatch feeds it
                    records = self._records
                    records.full, records.keeps, records.failed, records.stepped = \
                        self._check_budget, self._keep_pass, self._pass_failed, self._on_steps
                    records.raised = self._step_raised
                    state.sink, self._sink_state = self._records, state
                    self._begin_segment(() if ended_by is None else tuple(ended_by.gradients))
                    events.subscribe(self._on_event, kinds=_HEARD, sunk=True)
                else:   # (another Recorder keeps this thread's sink)
                    on_node = self._record_op if self._thread is not None else \
                        self._record_op_any_thread
                    events.subscribe(self._on_event, kinds=_HEARD, on_node=on_node)
                    raised_listeners.append(self._raised_heard)
        return self

    def stop(self, whole_steps: bool = False) -> "Recorder":
        """Stop recording and finish the step in progress; returns self. `whole_steps`: a
        stop at a gradient call (from its subscriber: the Dashboard's) drops the step in
        progress, whose gradients and updates would come after it, so every kept step
        holds its forward pass, gradients and updates together."""
        whole_steps = flag("Recorder.stop", "whole_steps", whole_steps)
        with self._lock:
            if self._recording:
                events.unsubscribe(self._on_event)
                if self._raised_heard in raised_listeners:
                    raised_listeners.remove(self._raised_heard)
                if self._sink_state is not None:
                    records = self._records
                    self._sink_state.sink = self._sink_state = None
                    events.settle_thread()   # (a producer's state for the sink lets it go)
                    records.full = records.keeps = records.failed = records.stepped = \
                        records.raised = None
                if whole_steps:   # (the ended step takes its updates first)
                    self._settle()
                    self._commit_update()
                    self._current = RecordedStep(self._current.index)
                self._recording = False
                self._end_step(None, closing=False)
                # no thread's: an op a route read before the stop still brings (torch's
                # optimizer.step() after a stop at its gradient call) is not recorded
                self._thread = _STOPPED
        return self

    def __enter__(self) -> "Recorder":
        if self._recording:   # `with rec:` inside `with rec:`: the inner end would stop it
            raise entered_twice()
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
                ended = self._made(self._steps[-1]) if self._steps else None
            if ended is not None and label is not None:
                ended.label = label
            return ended

    def clear(self) -> None:
        """Forget every recorded step (the drop counts are kept)."""
        with self._lock:
            for step in self._steps:
                if type(step) is not list:   # (a noted step's record points nowhere)
                    step._owner = None
            self._steps.clear()
            self._closing = None
            self._current = RecordedStep(self._next_index)
            self._next_index += 1
            self._kept.nbytes = 0
            self._kept.uncounted.clear()
            records = self._records
            records.at = self._segment_state = None   # (what ran so far is forgotten too)
            records.nodes = []
            del records[:]
            records.upstream.clear()
            records.check_at = MIN_CHECK_GAP * RECORD_WIDTH

    # ---- gradient calls: a step ends, a segment is learned --------------------------------
    def _on_gradient(self, event) -> None:
        if self._thread is not None and get_ident() != self._thread:   # (or stopped)
            return
        with self._lock:
            self._running_pass = self._looked_in_flight = None   # (its pass is over)
            records = self._records
            if records.at is not None:
                if self._replay_segment(event):
                    return
                records.leave(() if event.tape is None else event.tape.nodes)
            self._learn_segment()
            # (the segment's outputs: an update of the next may read one, program.LINKED)
            ended = records[OUTPUT::RECORD_WIDTH] if records.whole else []
            self._settle()
            self._end_gradient_step(event)
            self._begin_segment(tuple(event.gradients), ended)

    def _end_gradient_step(self, event) -> RecordedStep | None:
        """The step in progress takes the loss and gradients of the gradient call `event`,
        and ends there (split="gradient", with no outer tape recording); returns it if so."""
        self._current._take_gradient_call(loss_of(event), event.sources, event.gradients)
        if self.split == "gradient" and not self._outer_tape_recording(event.tape):
            return self._end_step(None, closing=True)
        return None

    def _learn_segment(self) -> None:
        """At a gradient call, before its ops are sorted: learn the segment's program (and
        how it splits) when the records hold the whole segment."""
        records, state = self._records, self._segment_state
        # (a torch step kept as its inputs, kept_forward.py: no op here would follow it)
        if state is None or not records.whole or not records or records.upstream \
                or KEPT_FORWARD in records[OP::RECORD_WIDTH]:
            return
        split = split_of(records) if state == "closing" else (0, 0)
        count = len(records) // RECORD_WIDTH
        if split is not None and records.learned + count <= MAX_LEARNED_OPS:
            records.learned += count
            backs = set(records.backs)
            learn(records.root, records, records.seeds, records.variables, records.before,
                  backs, records.given).splits[state] = split
            records.backs = tuple(sorted(backs))


__all__ = ["Recorder", "RecordedStep", "RecordedOp", "StepsDroppedWarning", "Dropped",
           "DEFAULT_MAX_BYTES"]
