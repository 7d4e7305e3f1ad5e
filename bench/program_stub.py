"""The price of a replaying Recorder, before it is built: steps checked against their
program, each step's outside inputs kept, nothing kept per op.

A training step runs the same ops at the same lines step after step, so a Recorder could
keep per step only what cannot be computed again (the values that came from outside the
step: the batch, the variables' values, the constants) and run the step's program again
when someone looks. `ProgramSink` is the hearing half of that design: it stands in
dispatch's sink for a Recorder's, follows each op (its `Op` and its user line, both
interned) down a tree of the op sequences seen so far (one branch per program variant: the
Huber loss's `if` takes either), keeps the values of an op's outside inputs on a known
branch, records a step fully (its records kept) from where it leaves the tree, and keeps
every whole backward pass as one entry (tapeviz/debugger/kept_pass.py runs one again). Per
step it keeps the branch it ended on, the inputs' values, the loss, the gradients and its
duration. Dispatch calls its `__iadd__` once per op (a Python call: the design would make
the check inline in dispatch; bench_debugger.py's docstring gives both prices).
"""
from __future__ import annotations

from itertools import compress
from time import perf_counter

from tapeviz import events
from tapeviz.debugger.kept_pass import KEPT_PASS
from tapeviz.node import INPUTS, OP, OUTPUT_ID, RECORD_WIDTH, SOURCE
from tapeviz.sourceinfo import source_from
from tapeviz.threadstate import thread_state

_HEARD = (events.OpExecuted, events.VJPApplied, events.GradientComputed)


class Branch(dict):
    """A point of the op-sequence tree: (op, line) -> the next Branch; `outside`: which
    inputs of the op that led here came from outside the step (a mask; () if none)."""

    __slots__ = ("outside",)

    def __init__(self):
        super().__init__()
        self.outside = None   # unknown until a step that took it fully ends


class ProgramSink(list):
    """A thread's sink (as recorder.Sink) that checks each op against the program tree
    (`at`: where the step in progress is in it; None once it left it)."""

    __slots__ = ("upstream", "check_at", "full", "keeps", "failed", "every_op", "at",
                 "inputs", "fully", "left_at", "steps", "root", "started")

    def __init__(self):
        super().__init__()
        self.upstream: dict = {}
        self.check_at = float("inf")
        self.full = self.failed = None
        self.keeps = self._keep_pass
        self.every_op = False
        self.root = self.at = Branch()
        self.inputs: list = []       # the outside inputs' values of the step in progress
        self.fully: list | None = None   # its records, once it left the tree
        self.steps: list = []        # (branch, inputs, records or None, loss, grads, seconds)
        self.started = perf_counter()

    def __iadd__(self, record):
        fully = self.fully
        if fully is not None:
            fully += record
            return self
        branch = self.at.get((record[OP], record[SOURCE]))
        if branch is None or branch.outside is None:   # a new variant: recorded fully
            self.fully, self.left_at, self.at = list(record), self.at, None
            return self
        self.at = branch
        if branch.outside:
            inputs = record[INPUTS]
            self.inputs += compress([t._value for t in inputs], branch.outside)
        return self

    def _keep_pass(self, backward, frame) -> bool:
        self += (None, False, 0.0, KEPT_PASS, None, 0, (), {}, "backward", "",
                 source_from(frame), (), None)
        return True

    def end_step(self, loss, grads) -> None:
        """The step ended (a gradient call): kept with its branch, and learned if it left
        the tree."""
        fully, at = self.fully, self.at
        if fully is not None:
            at = self._learn(self.left_at, fully)
        now = perf_counter()
        self.steps.append((at, self.inputs, fully, loss, grads, now - self.started))
        self.started, self.at, self.inputs, self.fully = now, self.root, [], None

    @staticmethod
    def _learn(at: Branch, fully: list) -> Branch:
        """Grow the tree from `at` by a step's ops recorded fully from there; returns its
        last branch."""
        made = set()
        for start in range(0, len(fully), RECORD_WIDTH):
            record = fully[start:start + RECORD_WIDTH]
            key = (record[OP], record[SOURCE])
            branch = at.get(key)
            if branch is None:
                branch = at[key] = Branch()
            if branch.outside is None:
                mask = tuple(id(tensor) not in made for tensor in record[INPUTS])
                branch.outside = mask if any(mask) else ()
            made.add(record[OUTPUT_ID])
            at = branch
        return at


class ProgramStub:
    """A `ProgramSink` on this thread while entered, told where steps end."""

    def __enter__(self) -> "ProgramStub":
        self.sink = ProgramSink()
        thread_state().sink = self.sink
        events.subscribe(self._on_event, kinds=_HEARD, sunk=True, timed=False)
        return self

    def __exit__(self, *exc_info) -> None:
        events.unsubscribe(self._on_event)
        thread_state().sink = None

    def _on_event(self, event) -> None:
        if type(event) is events.GradientComputed:
            self.sink.end_step(event.targets[0]._value, list(event.gradients))
