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
"""
from __future__ import annotations

import threading
from collections import deque
from itertools import chain, compress, repeat
from operator import attrgetter, eq, not_
from threading import get_ident
from typing import NamedTuple

from .. import events
from ..errors import size_text
from ..fpwarnings import warn_from_user_line
from ..node import INPUTS, NODE, OP, OUTPUT, RECORD_WIDTH, SCOPE, TAPED, record
from ..sourceinfo import source_from
from ..threadstate import thread_state
from ..tensor import VariableRead
from .footprint import UNPACKED_EXTRA
from .given import check_byte_budget, entered_twice, missing_step
from .history import KeptBytes, RecordedOp, RecordedStep, _looking
from .kept_pass import KEPT_PASS, mark_failed, node_heard_now, pass_record
from .noted import NotedStep
from .program import Branch, Segment, learn, pass_follows, replayed

DEFAULT_MAX_BYTES = 256 * 2**20   # 256 MiB
_HEARD = (events.OpExecuted, events.VJPApplied, events.GradientComputed)
MIN_CHECK_GAP, MAX_CHECK_GAP = 8, 4096   # ops between counts of the step in progress
# ops of programs a Recorder learns at most (memory no budget counts, ~0.3 KB an op): a
# program whose steps never repeat (their ops depend on the data) is recorded fully past it
MAX_LEARNED_OPS = 1 << 16


class Sink(list):
    """The ops a Recorder was given and has not sorted into steps yet, their records
    (`node.RECORD_FIELDS`) one after another, in the order they ran; dispatch extends it
    directly. `upstream`: the gradients the backward pass wrote, by the id of the output they
    reached; dispatch calls `full()` when the list reaches `check_at` items (time to count
    the step in progress); the backward pass asks `keeps(backward, frame)` whether the
    Recorder keeps it as one record (kept_pass.py: its ops then go unrecorded) and calls
    `failed(backward)` if such a pass raises; `every_op`: whether dispatch gives it every op,
    heard or not (a Recorder's sink takes those only it hears).

    While a segment follows its learned program (program.py), `at` is the branch of its
    last op (None while ops are recorded fully): dispatch then checks each op against the
    branches after it and adds no record, only the op's output to `outs` (held while the
    segment runs: its id names it alone; `made`: its index there by that id) and its inputs
    from outside to `outside`, and a taped op's node to `nodes`; an op
    that leaves the program calls `leave()`, which records the ops so far fully."""

    __slots__ = ("upstream", "check_at", "full", "keeps", "failed", "every_op", "root", "at",
                 "outs", "made", "outside", "whole", "learned", "nodes")

    def __init__(self):
        super().__init__()
        self.upstream: dict = {}
        self.check_at = MIN_CHECK_GAP * RECORD_WIDTH
        # set while it is a thread's sink (a cycle through the Recorder)
        self.full = self.keeps = self.failed = None
        self.every_op = False
        self.root = Branch()   # the programs learned
        self.at = None
        self.outs: list = []
        self.made: dict = {}
        self.outside: list = []
        self.whole = False    # whether the records hold the whole segment so far
        self.learned = 0      # ops learned into the programs so far
        self.nodes: list = []

    def begin(self) -> None:
        """A segment begins: follow the programs learned."""
        self.at, self.outs, self.made, self.outside, self.whole = self.root, [], {}, [], True
        self.nodes = []

    def leave(self, nodes=()) -> None:
        """The segment leaves its program (or someone looks while it runs): the ops it ran
        so far are recorded fully, their outputs as they ran (their durations those of a run
        again); `nodes`: the taped ones' nodes, if a tape that is not recording holds them
        (those dispatch followed are held: a kept pass after them is then kept as usual)."""
        at, self.at = self.at, None
        if at is None or not self.outs:
            return
        records = replayed(at.path(), self.outside, self.outs)
        made = {id(node.output): node for node in
                chain(chain.from_iterable(tape.nodes for tape in thread_state().tapes), nodes,
                      self.nodes)}
        for start in range(0, len(records), RECORD_WIDTH):
            if records[start + TAPED]:
                records[start + NODE] = made.get(id(records[start + OUTPUT]))
        self[:0] = records
        self.outs, self.made, self.outside, self.nodes = [], {}, [], []


_kind = attrgetter("kind")


def _evaluation_start(records: list) -> int:
    """The index of the first op of `records` (`node.RECORD_FIELDS`, one after another) run
    in a layer's scope that reads a model's variable and updates none, after the last
    update of a trainable variable (the model run after the step's updates: an evaluation;
    such a read before an update feeds it, as weight decay written by hand does), else
    their count."""
    width = RECORD_WIDTH
    updating = map(eq, map(_kind, records[OP::width]), repeat("update"))
    reads = map(type, chain.from_iterable(compress(records[INPUTS::width],
                                                   map(not_, updating))))
    if VariableRead in reads:   # (C loops: an optimizer's ops mostly read no variable)
        after = _after_last_trainable_update(records)
        for index, at in enumerate(range(after * width, len(records), width), after):
            if records[at + SCOPE] and _reads_a_model_variable(records[at:at + width]):
                return index
    return len(records) // width


def _after_last_trainable_update(records: list) -> int:
    """The index after the last op of `records` that updates a trainable variable (its
    first input: the variable's read), else 0."""
    width = RECORD_WIDTH
    for index in range(len(records) // width - 1, -1, -1):
        at = index * width
        inputs = records[at + INPUTS]
        if records[at + OP].kind == "update" and inputs and \
                type(inputs[0]) is VariableRead and inputs[0].variable.trainable:
            return index + 1
    return 0


def _reads_a_model_variable(records: list) -> bool:
    """Whether an op of `records` that updates nothing read a trainable Variable (an
    optimizer's own ops read its slots, which are not)."""
    width = RECORD_WIDTH
    return any(records[at + OP].kind != "update" and any(
        type(tensor) is VariableRead and tensor.variable.trainable
        for tensor in records[at + INPUTS]) for at in range(0, len(records), width))


def _split_of(records: list) -> tuple | None:
    """(how many of a segment's first ops the step that ended before it takes, how many after
    those are an evaluation step of their own): what `_wait` and `_commit_update` do with a
    segment's records when the step before ended at a gradient call and takes updates (the
    rest start the next step); None if no op of the segment is taped."""
    first = bytes(records[TAPED::RECORD_WIDTH]).find(1)
    if first < 0:
        return None
    waiting = records[:first * RECORD_WIDTH]
    ops = waiting[OP::RECORD_WIDTH]
    pulling = _evaluation_start(waiting) if any(waiting[SCOPE::RECORD_WIDTH]) else len(ops)
    taken = next((index + 1 for index in range(pulling - 1, -1, -1)
                  if ops[index].kind == "update"), 0)
    tail = waiting[taken * RECORD_WIDTH:]
    return taken, (first - taken if tail and _reads_a_model_variable(tail) else 0)


def _loss_of(event):
    """The value of a gradient call's one target (its loss), or None."""
    return event.targets[0]._value if len(event.targets) == 1 else None


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
        if threads not in ("current", "all"):
            raise ValueError(f"Recorder: threads must be 'current' or 'all'; got {threads!r}")
        if split not in ("gradient", "mark"):
            raise ValueError(f"Recorder: split must be 'gradient' or 'mark'; got {split!r}")
        check_byte_budget(max_bytes)
        self.max_bytes = int(max_bytes)
        self.threads = threads
        self.split = split
        self.warn_every = max(1, int(warn_every))
        self._steps: deque[RecordedStep] = deque()   # finished steps, oldest first
        self._current = RecordedStep(first_index)
        self._closing: RecordedStep | None = None    # ended at a gradient call, taking updates
        self._waiting = 0                            # its last ops, which may be the next step's
        self._evaluating = False                     # whether an evaluation began among them
        self._no_evaluation: list = []               # the ops of the last wait that had none
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
        self._kept = KeptBytes(self._lock)   # bytes of the finished steps, but the closing one
        self._recording = False
        self._running_pass = None   # the Backward of a kept pass, until a look or its end
        self._looked_in_flight = None   # a kept pass looked at while it ran
        self._segment_state = None   # how the segment in progress began (_begin_segment)
        self._unplanned = False      # steps were noted since the next count was planned

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
                state = thread_state()
                # one subscription for the three kinds: each change reroutes every op
                if self._thread is not None and state.sink is None:   # dispatch feeds it
                    records = self._records
                    records.full, records.keeps, records.failed = \
                        self._check_budget, self._keep_pass, self._pass_failed
                    state.sink, self._sink_state = self._records, state
                    self._begin_segment()
                    events.subscribe(self._on_event, kinds=_HEARD, sunk=True)
                else:   # (another Recorder keeps this thread's sink)
                    on_node = self._record_op if self._thread is not None else \
                        self._record_op_any_thread
                    events.subscribe(self._on_event, kinds=_HEARD, on_node=on_node)
        return self

    def stop(self) -> "Recorder":
        """Stop recording and finish the step in progress; returns self."""
        with self._lock:
            if self._recording:
                events.unsubscribe(self._on_event)
                if self._sink_state is not None:
                    records = self._records
                    self._sink_state.sink = self._sink_state = None
                    records.full = records.keeps = records.failed = None
                self._recording = False
                self._end_step(None, closing=False)
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
                step._owner = None
            self._steps.clear()
            self._closing = None
            self._current = RecordedStep(self._next_index)
            self._next_index += 1
            self._kept.nbytes = 0
            records = self._records
            records.at = self._segment_state = None   # (what ran so far is forgotten too)
            records.nodes = []
            del records[:]
            records.upstream.clear()
            records.check_at = MIN_CHECK_GAP * RECORD_WIDTH

    # ---- what was kept ---------------------------------------------------------------------
    @property
    def steps(self) -> list:
        """The kept steps, oldest first; the one in progress last if it has ops."""
        with self._lock:
            self._settle()
            self._make_noted()
            kept = list(self._steps)
            if self._current._flat:
                kept.append(self._current)
            return kept

    @property
    def last_step(self) -> RecordedStep | None:
        """The most recent finished step (the one in progress if none has finished)."""
        with self._lock:
            self._settle()
            if self._steps:
                return self._made(self._steps[-1])
            return self._current if self._current._flat else None

    @property
    def current_step(self) -> RecordedStep:
        with self._lock:
            self._settle()
            return self._current

    @property
    def nbytes(self) -> int:
        """Bytes held by the kept steps (see the class docstring for what counts)."""
        with self._lock:
            self._settle()
            self._make_noted()   # (counted as made)
            return self._held()

    @property
    def dropped(self) -> Dropped:
        """How many old steps were dropped to respect `max_bytes`, and the bytes they held."""
        return Dropped(self._dropped_steps, self._dropped_bytes)

    def __len__(self) -> int:
        with self._lock:
            self._settle()
            return len(self._steps) + (1 if self._current._flat else 0)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i) -> RecordedStep:
        steps = self.steps
        try:
            return steps[i]
        except IndexError:
            raise missing_step(self, i, steps) from None

    def __repr__(self) -> str:
        state = "recording" if self._recording else "stopped"
        return f"<Recorder {state}: {len(self)} steps, {self.nbytes / 2**20:.1f} of " \
               f"{self.max_bytes / 2**20:.1f} MiB, {self._dropped_steps} dropped>"

    # ---- events ----------------------------------------------------------------------------
    def _on_event(self, event) -> None:
        """What the Recorder hears: an op another engine ran (tapeviz's dispatch adds its
        record to the sink, or calls `_record_op` for a Recorder that has none), a backward
        step, a gradient call."""
        kind = type(event)
        if kind is events.OpExecuted:
            if self._thread is None:
                self._record_op_any_thread(event.node, event.taped, event.duration)
            else:
                self._record_op(event.node, event.taped, event.duration)
        elif kind is events.VJPApplied:
            self._on_vjp(event)
        else:
            self._on_gradient(event)

    def _record_op(self, node, taped: bool, duration: float) -> None:
        """An op ran: kept in the list dispatch's sink extends (no lock: one extend)."""
        if get_ident() != self._thread:
            return
        self._record_op_any_thread(node, taped, duration)

    def _record_op_any_thread(self, node, taped: bool, duration: float) -> None:
        records = self._records
        if records.at is not None:   # (another engine's op: recorded fully)
            records.leave()
        records += record(node, taped, duration)
        if len(records) >= records.check_at:
            self._check_budget()

    def _on_vjp(self, event) -> None:
        """A backward step another engine ran (or tapeviz's, to a Recorder with no sink)."""
        if self._thread is not None and get_ident() != self._thread:
            return
        step = event.step
        with self._lock:
            self._settle()
            self._attach({step.node.output_id: step.upstream}, step)

    # ---- sorting what came into steps ------------------------------------------------------
    def _settle(self) -> None:
        """Sort the ops given since last time into their steps and attach the upstream
        gradients written meanwhile (under the lock)."""
        self._made(self._closing)   # (it may take ops now)
        records = self._records
        if records.at is not None and (self._sink_state is None or get_ident() == self._thread):
            records.leave()   # (on another thread, the segment in progress is not seen yet)
        if records:
            records.whole = False
            taken = records[:]   # (an op another thread appends now stays for next time)
            del records[:len(taken)]
            records.check_at -= len(taken)   # the planned count still comes after as many ops
            if self._closing is not None:
                first = self._wait(taken)
                if first < 0:
                    return self._attach_upstream()
                # the ops of the next step alone: the list that held the ended step's nodes
                # goes, so it can be packed (nothing else holds them), before it is counted
                taken = taken[first * RECORD_WIDTH:]
                self._commit_update()
            self._current._extend(taken)
        self._attach_upstream()
        if self._running_pass is not None:
            self._look_in_flight()

    def _look_in_flight(self) -> None:
        """Someone looks while a kept pass may be running: if it is, its ops up to the one
        heard now are made again in its place, and the rest are recorded as they run (the
        sink back on the thread), so the step shows what ran, then the whole pass."""
        running, self._running_pass = self._running_pass, None
        if running.done or self._sink_state is None:
            return
        with _looking:
            flat = self._current._flat
            if flat is None or KEPT_PASS not in flat[OP::RECORD_WIDTH]:
                return
            self._current._run_kept_passes((running, node_heard_now(self._thread)))
        self._looked_in_flight = running
        self._sink_state.sink = self._records

    def _attach_upstream(self) -> None:
        """Attach the upstream gradients the backward pass wrote since last time."""
        upstream = self._records.upstream
        if upstream:
            if get_ident() == self._thread:   # the writer's thread: nothing writes meanwhile
                found = upstream.copy()
                upstream.clear()
            else:
                found = {}
                while upstream:   # (popitem: a gradient written meanwhile is not lost)
                    key, grad = upstream.popitem()
                    found[key] = grad
            self._attach(found, None)

    def _wait(self, records: list) -> int:
        """After a gradient call the untaped ops wait in the step it ended (an update op and
        those before it are its own, until an evaluation begins: an op of a layer reading a
        trainable variable, not an update); put those before the first taped op there; returns that
        op's index (it starts the next step's forward pass), or -1."""
        closing = self._closing
        first = bytes(records[TAPED::RECORD_WIDTH]).find(1)
        waiting = records if first < 0 else records[:first * RECORD_WIDTH]
        if waiting:
            closing._extend(waiting)
            ops = waiting[OP::RECORD_WIDTH]
            self._waiting += len(ops)
            pulling = len(ops)
            if self._evaluating:
                pulling = 0
            # (no layer's op: no evaluation; the ops the last such wait ran, none either)
            elif any(waiting[SCOPE::RECORD_WIDTH]) and ops != self._no_evaluation:
                pulling = _evaluation_start(waiting)
                self._evaluating = pulling < len(ops)
                if not self._evaluating:
                    self._no_evaluation = ops
            for index in range(pulling - 1, -1, -1):
                if ops[index].kind == "update":
                    self._waiting = len(ops) - index - 1
                    break
        return first

    def _commit_update(self) -> None:
        """The ended step takes no more ops, and is counted and kept within the budget; those
        after its last update start the next, or, where they read a variable (a model run
        with no tape and no update: an evaluation), are a step of their own, "evaluation"."""
        closing, self._closing = self._closing, None
        if closing is None:
            return
        self._evaluating = False
        tail = None
        if self._waiting:
            tail = closing._take_tail(closing._record_count() - self._waiting)
            self._current._put_first(tail)
        self._finish(closing)
        if tail and _reads_a_model_variable(tail) and self._current._record_count() * RECORD_WIDTH \
                == len(tail):
            self._end_step("evaluation", closing=False)

    def _attach(self, upstream: dict, step) -> None:
        """Attach each upstream gradient ({id of the output it reached: tensor}) to the op
        that made that output: in the step in progress, else in the latest kept step that
        has it (`step`: another engine's BackwardStep, kept whole with it)."""
        upstream = self._current._attach(upstream, step)
        if not upstream:
            return
        for recorded in reversed(self._steps):
            before = recorded.nbytes
            left = recorded._attach(upstream, step)
            if len(left) < len(upstream) and recorded.complete \
                    and recorded is not self._closing:
                self._kept.nbytes += recorded.nbytes - before
                self._enforce_budget()
            upstream = left
            if not upstream:
                return

    def _on_gradient(self, event) -> None:
        if self._thread is not None and get_ident() != self._thread:
            return
        with self._lock:
            self._running_pass = self._looked_in_flight = None   # (its pass is over)
            records = self._records
            if records.at is not None:
                if self._replay_segment(event):
                    return
                records.leave(() if event.tape is None else event.tape.nodes)
            self._learn_segment()
            self._settle()
            self._end_gradient_step(event)
            self._begin_segment()

    def _end_gradient_step(self, event) -> None:
        """The step in progress takes the loss and gradients of the gradient call `event`,
        and ends there (split="gradient", with no outer tape recording)."""
        self._current._take_gradient_call(_loss_of(event), event.sources, event.gradients)
        if self.split == "gradient" and not self._outer_tape_recording(event.tape):
            self._end_step(None, closing=True)

    # ---- segments that follow a learned program (program.py) --------------------------------
    def _begin_segment(self) -> None:
        """A segment begins (the Recorder started, or a gradient call ended one): its ops
        follow the programs learned while the Recorder is in a state whose split of them was
        learned: the step before ended at a gradient call and takes updates, or none is open."""
        fresh = not self._current._record_count() and self._current._loss is None
        if self.split != "gradient" or self._sink_state is None or not fresh \
                or self._evaluating or self._waiting:
            self._segment_state = None
            return
        self._segment_state = "closing" if self._closing is not None else "open"
        self._records.begin()

    def _learn_segment(self) -> None:
        """At a gradient call, before its ops are sorted: learn the segment's program (and
        how it splits) when the records hold the whole segment."""
        records, state = self._records, self._segment_state
        if state is None or not records.whole or not records or records.upstream:
            return
        split = _split_of(records) if state == "closing" else (0, 0)
        count = len(records) // RECORD_WIDTH
        if split is not None and records.learned + count <= MAX_LEARNED_OPS:
            records.learned += count
            learn(records.root, records).splits[state] = split

    def _replay_segment(self, event) -> bool:
        """At a gradient call that ends a segment which followed a learned program: sort it
        into steps as its split says, keeping the segment (its last branch, its inputs from
        outside) in place of its records; False if its split is not known for this state."""
        records, state = self._records, self._segment_state
        end = records.at
        split = end.splits.get(state)
        # (a tape that keeps its nodes, a persistent one: the step's nodes are the tape's)
        if split is None or records or records.upstream or not event.tape.freed \
                or self._sink_state.tapes and self._outer_tape_recording(event.tape):
            return False
        segment = Segment(end, records.outside)
        outs, records.at = records.outs, None
        taken, evaluation = split
        if state == "closing":
            closing = self._closing
            if type(closing) is NotedStep and not evaluation:   # its updates: now final
                self._closing = None
                if taken:   # (the part its count holds already)
                    closing.parts.append((segment, 0, taken))
                closing._owner = self._kept
                self._kept.nbytes += closing.nbytes
            else:
                closing, self._closing = self._made(closing), None
                closing._add_part(segment, 0, taken, outs)
                self._finish(closing)
                if evaluation:
                    self._current._add_part(segment, taken, taken + evaluation, outs)
                    self._end_step("evaluation", closing=False)
        start = taken + evaluation
        if start < end.depth:   # (the step in progress is fresh: the segment began it)
            self._note_step((segment, start, end.depth), event)
            # (what _begin_segment finds: a fresh step, the noted one closing, none waiting)
            self._segment_state = "closing"
            records.begin()
            return True
        self._enforce_budget()
        self._end_gradient_step(event)
        self._begin_segment()
        return True

    def _note_step(self, part: tuple, event) -> None:
        """The step in progress ends at gradient call `event` holding `part` of a segment
        alone: it is noted, made when someone looks (noted.py), and takes the next
        segment's updates."""
        current = self._current
        noted = NotedStep(current.index, part, _loss_of(event), tuple(event.sources),
                          tuple(event.gradients))
        current.index = self._next_index   # (fresh: it serves as the next step)
        self._next_index += 1
        self._steps.append(noted)
        self._closing, self._waiting = noted, 0
        self._enforce_budget()
        # the sink is empty and stays so while segments follow: the next count is planned
        # when it takes a record again (a segment left: `_check_budget`), not at every step
        self._unplanned, self._records.check_at = True, 0

    def _made(self, step):
        """`step` (a kept step, the closing one or None), made if it was only noted, in its
        place."""
        if type(step) is not NotedStep:
            return step
        made = step.made()
        steps = self._steps
        for index in range(len(steps) - 1, -1, -1):   # (the noted are the newest, mostly)
            if steps[index] is step:
                steps[index] = made
                break
        if self._closing is step:
            self._closing = made
        return made

    def _make_noted(self) -> None:
        """Make every kept step that was only noted (someone looks at them all)."""
        steps = self._steps
        if NotedStep in map(type, steps):
            self._steps = deque(step.made() if type(step) is NotedStep else step
                                for step in steps)
            if type(self._closing) is NotedStep:   # (the closing step is the newest)
                self._closing = self._steps[-1]

    def _keep_pass(self, backward, frame) -> bool:
        """Keep the backward pass about to run (a replayable one: `Backward._replayable`)
        as one record, made again when someone looks (kept_pass.py), if its tape's nodes are
        the step's taped ops so far, every one; returns whether it is kept. `frame`: the
        caller of the pass's `run`, where the user's line is found (its VJPs' ops share it)."""
        records, current = self._records, self._current._flat
        nodes, targets, sources = backward.replay_facts
        if records.at is not None:
            if pass_follows(records, nodes, targets, sources, source_from(frame),
                            self._sink_state.scope):
                self._running_pass, self._looked_in_flight = backward, None
                return True
            records.leave(nodes)
        width = RECORD_WIDTH
        taped = tuple(compress(records[NODE::width], records[TAPED::width]))
        if current:
            taped = (*compress(current[NODE::width], current[TAPED::width]), *taped)
        if taped != nodes:
            return False
        records += pass_record(targets, sources, source_from(frame),
                               thread_state().scope)
        self._running_pass, self._looked_in_flight = backward, None
        return True

    def _pass_failed(self, backward) -> None:
        """A kept pass raised: its ops are made again up to the error when someone looks
        (those of one looked at in flight were recorded as they ran)."""
        self._running_pass = None
        if self._looked_in_flight is not backward:
            self._records.leave(backward.replay_facts[0])
            mark_failed(self._records)

    @staticmethod
    def _outer_tape_recording(tape) -> bool:
        tapes = thread_state().tapes
        return bool(tapes) and any(other is not tape for other in tapes)

    # ---- steps and the budget --------------------------------------------------------------
    def _end_step(self, label, closing: bool) -> RecordedStep | None:
        """Finish the step in progress (if it has ops); `closing`: it takes update ops next."""
        self._settle()
        self._commit_update()
        ended = self._current
        if not ended._record_count() and ended._loss is None:
            return None
        ended.complete = True
        if label is not None:
            ended.label = label
        self._steps.append(ended)
        self._current = RecordedStep(self._next_index)
        self._next_index += 1
        if closing:   # counted when its update ops are in; now only if it may reach the budget
            self._closing, self._waiting = ended, 0
            length = ended._record_count()
            per_op, ops = self._per_op, max(length, self._last_length)
            if not per_op or self._kept.nbytes + 2 * per_op * ops > self.max_bytes:
                self._enforce_budget(reserve=per_op * (ops - length))  # the updates to come
        else:
            self._finish(ended)
        self._plan_check(self._per_op)   # the next step, like the last one
        return ended

    def _finish(self, step: RecordedStep) -> None:
        """`step` is final: packed if nothing else holds its nodes, counted into the kept
        bytes, then the budget kept."""
        step._owner = self._kept
        step._pack()
        step._finish_count()
        nbytes = step.nbytes
        self._kept.nbytes += nbytes
        # what an op of the next step will hold until its step is packed
        self._last_length = length = step._record_count()
        self._per_op = nbytes // max(1, length) + (UNPACKED_EXTRA if step._packed else 0)
        self._enforce_budget()

    def _held(self, count: bool = True) -> int:
        """Bytes held now: the finished steps, and the open ones counted up to their last op
        (or, not `count`, as far as they were counted)."""
        held = self._kept.nbytes
        current, closing = self._current, self._closing
        if current._flat:
            held += current.nbytes if count else current._counted
        if closing is not None:
            held += closing.nbytes if count else closing._counted
        return held

    def _check_budget(self) -> None:
        """Count the step in progress so far, keep the budget, and plan the next count (only
        plan it, at the first record after steps were noted)."""
        with self._lock:
            if self._unplanned:
                self._unplanned = False
                return self._plan_check(self._per_op)
            self._settle()
            self._enforce_budget()
            current = self._current
            self._plan_check(current.nbytes // max(1, current._record_count()))

    def _plan_check(self, per_op: int) -> None:
        """Count the step in progress next when its ops, at `per_op` bytes each, could have
        filled half of what the budget has left."""
        left = max(0, self.max_bytes - self._held(count=False))
        gap = left // (2 * max(1, per_op))
        records = self._records
        records.check_at = len(records) + RECORD_WIDTH * min(MAX_CHECK_GAP,
                                                             max(MIN_CHECK_GAP, gap))

    def _enforce_budget(self, reserve: int = 0) -> None:
        """Drop the oldest finished steps until the kept ones, and `reserve` bytes more, fit
        in `max_bytes`."""
        held = self._held() + reserve
        if held <= self.max_bytes:
            return
        steps = self._steps
        dropped = dropped_bytes = 0
        while held > self.max_bytes and steps and steps[0] is not self._closing:
            if len(steps) == 1 and not self._current._flat:
                break                       # the newest finished step: kept alone
            old = steps.popleft()
            old._owner = None
            size = old.nbytes
            self._kept.nbytes -= size
            held -= size
            dropped += 1
            dropped_bytes += size
        if dropped:
            self._dropped_steps += dropped
            self._dropped_bytes += dropped_bytes
            if self._dropped_steps - self._warned_at >= self.warn_every or not self._warned_at:
                self._warned_at = self._dropped_steps
                self._warn(f"Recorder dropped {self._dropped_steps} oldest step(s) so far "
                           f"({size_text(self._dropped_bytes)}) to stay within its max_bytes "
                           f"budget of {size_text(self.max_bytes)}; "
                           f"{len(self)} step(s) kept. Raise Recorder(max_bytes=...) to keep "
                           f"more.")
        if held - reserve > self.max_bytes:
            self._warn_too_big()

    def _warn_too_big(self) -> None:
        big = self._steps[-1] if self._steps and not self._current._flat else self._current
        if self._closing is not None:
            big = self._closing
        if not big._warned_big:
            big._warned_big = True
            self._warn(f"Recorder: step {big.number} alone holds {size_text(big.nbytes)}, "
                       f"more than the max_bytes budget of {size_text(self.max_bytes)}; "
                       f"it is kept (a step in progress is never dropped) and older steps "
                       f"are dropped first.")

    @staticmethod
    def _warn(message: str) -> None:
        warn_from_user_line(message, StepsDroppedWarning)


__all__ = ["Recorder", "RecordedStep", "RecordedOp", "StepsDroppedWarning", "Dropped",
           "DEFAULT_MAX_BYTES"]
