"""What a look at a recorded step shows of one op (`RecordedOp`), and the bytes kept steps hold.

A `RecordedOp` is made when someone first looks at a step's ops (history.py): the dispatch
`Node` (inputs, output, line, scope, phase), the op's duration and, once a backward pass
reached it, the gradient of the loss w.r.t. its output. `KeptBytes` is the count of a
recorder's finished steps, which a step adds to when a look makes its records.
"""
from __future__ import annotations

import sys

import numpy as np

from .footprint import PER_RECORD, allocated


def value_or_none(tensor):
    """The value of `tensor`, or None for none (a gradient that never came)."""
    return None if tensor is None else tensor._value


class KeptBytes:
    """The bytes a recorder's finished steps hold; a kept step adds to it the records made
    when someone looks at its ops. A plain object: a step holds no reference back to its
    recorder, so a recorder let go is freed at once, not by the cycle collector.
    `nbytes` counts the steps counted; `uncounted`: noted steps (noted.py) kept but not
    counted yet, added in by `total()` when the budget may be near or someone looks, each
    counted by `count` (noted.kept_bytes: a step object or a noted step's record)."""

    __slots__ = ("nbytes", "lock", "uncounted", "largest", "count")

    def __init__(self, lock, count):
        self.nbytes = 0
        self.lock = lock      # the recorder's
        self.uncounted: list = []
        self.largest = 0      # the bytes of the largest noted step counted so far
        self.count = count

    def total(self) -> int:
        """The bytes of every kept step, the uncounted ones counted now."""
        uncounted = self.uncounted
        if uncounted:
            sizes = list(map(self.count, uncounted))
            self.nbytes += sum(sizes)
            self.largest = max(self.largest, *sizes)
            uncounted.clear()
        return self.nbytes

    def estimate(self, more: int = 0) -> int:
        """What the uncounted steps and `more` steps like them may hold at most: twice the
        largest noted step counted each (a program's steps keep values of the same kinds);
        unbounded before one was counted."""
        steps = len(self.uncounted) + more
        if not steps:
            return 0
        return 2 * self.largest * steps if self.largest else 1 << 62

    def grew(self, nbytes: int, step) -> None:
        with self.lock:
            if step._owner is self:   # not dropped meanwhile
                self.nbytes += nbytes


class RecordedOp:
    """One executed op as recorded: name, input and output values, gradient, where and when.

    >>> import tapeviz as tf
    >>> from tapeviz.debugger import Recorder
    >>> with Recorder() as rec:
    ...     y = tf.constant([1.0, 2.0]) * 3.0
    >>> op = rec.last_step.ops[0]
    >>> op.op, op.output.tolist(), op.phase
    ('multiply', [3.0, 6.0], 'forward')
    """

    __slots__ = ("node", "duration", "taped", "index", "_grads")

    def __init__(self, node, duration: float, taped: bool, index: int, grads: dict):
        self.node = node            # the dispatch Node: holds the input and output tensors
        self.duration = duration    # the forward's wall time, seconds (of the run again, in a
        # step run again when first looked at: a kept backward pass, a replayed segment)
        self.taped = taped          # whether a GradientTape recorded it
        self.index = index          # position in its step
        self._grads = grads         # its step's op index -> gradient (not the step: no cycle)

    @property
    def _grad(self):
        """The gradient tensor d target / d output, once a backward step reached it."""
        return self._grads.get(self.index)

    @property
    def op(self) -> str:
        return self.node.op.name

    @property
    def kind(self) -> str:
        return self.node.op.kind

    @property
    def inputs(self) -> tuple:
        """The input values as numpy (a variable's input is its value when the op ran)."""
        return tuple(t._value for t in self.node.inputs)

    @property
    def output(self):
        return self.node.output._value

    @property
    def grad(self):
        """d(target)/d(output) from the last backward pass that reached this op, or None."""
        return value_or_none(self._grad)

    @property
    def source(self):
        """The user's SourceInfo (filename, lineno, function, .line), or None."""
        return self.node.source

    @property
    def scope(self) -> str:
        return self.node.scope

    @property
    def phase(self) -> str:
        return self.node.phase

    @property
    def label(self) -> str:
        """'scope/op#index', unique within a step (the key of `step.values`)."""
        scope = self.node.scope
        return f"{scope}/{self.op}#{self.index}" if scope else f"{self.op}#{self.index}"

    def __repr__(self) -> str:
        source = self.node.source
        where = f" at {source.location}" if source else ""
        return f"<RecordedOp {self.label} {self.phase} -> {np.shape(self.output)}{where}>"


# A RecordedOp, made when someone looks, with its slot in the list, its index and its
# duration (a float of its own: made from a packed step's array).
RECORD_BYTES = PER_RECORD + allocated(sys.getsizeof(object.__new__(RecordedOp))) + allocated(
    sys.getsizeof(0.5))


__all__ = ["KeptBytes", "RecordedOp", "RECORD_BYTES", "value_or_none"]
