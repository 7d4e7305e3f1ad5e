"""THE instrumentation point: every op, forward and backward, runs through `dispatch`.

It converts and checks the inputs (errors name the user's line), runs the numpy
forward, records a `Node` on every active tape that watches an input, and emits an
`OpExecuted` event to subscribers. With no tape active and nobody subscribed it takes
a fast path: convert, forward, wrap.
"""
from __future__ import annotations

import threading

import numpy as np

from . import events
from .convert import ALL, input_arrays, input_tensors
from .errors import DTypeError, InvalidArgumentError, OpError, ShapeError
from .sourceinfo import user_source
from .tensor import wrap


class _ThreadState(threading.local):
    def __init__(self):
        self.tapes = []          # active tapes of this thread, innermost last
        self.phase = "forward"   # "backward" while a VJP runs


_state = _ThreadState()


def thread_state() -> _ThreadState:
    """This thread's tape stack and phase (tapes and the backward engine use it)."""
    return _state


class Node:
    """One executed op: what ran, on what, what came out, and where in user code."""

    __slots__ = ("op", "inputs", "output", "params", "input_ids", "source", "phase",
                 "__weakref__")

    def __init__(self, op, inputs, output, params, input_ids, source, phase):
        self.op = op
        self.inputs = inputs          # tuple of Tensors, the values the op saw
        self.output = output          # the Tensor it made
        self.params = params          # static attributes (axis, perm, strides, ...)
        self.input_ids = input_ids    # id() of each argument as passed (a Variable's own id)
        self.source = source          # SourceInfo of the user's call, or None
        self.phase = phase            # "forward" or "backward"

    @property
    def output_id(self) -> int:
        return id(self.output)

    def __repr__(self) -> str:
        shapes = ", ".join(str(t.shape) for t in self.inputs)
        where = f" at {self.source.filename.rsplit('/', 1)[-1]}:{self.source.lineno}" \
            if self.source else ""
        return f"<Node {self.op.name}({shapes}) -> {self.output.shape}{where}>"


def dispatch(op, args: tuple, params: dict):
    """Run `op` on `args` with static `params`; record and announce it if anyone listens."""
    if not _state.tapes and not events._subscribers:
        return wrap(_forward(op, input_arrays(op, args), params))
    return _dispatch_traced(op, args, params)


def _dispatch_traced(op, args, params):
    state = _state
    tensors, ids = input_tensors(op, args)
    ans = wrap(_forward(op, [t._value for t in tensors], params))
    node = None
    for tape in state.tapes:
        if tape._recording and tape._watches_any(args, ids):
            if node is None:
                node = Node(op, tensors, ans, params, ids, user_source(3), state.phase)
            tape._record(node)
    subscribers = events._subscribers
    if subscribers:
        taped = node is not None
        if node is None:
            node = Node(op, tensors, ans, params, ids, user_source(3), state.phase)
        event = events.OpExecuted(node, taped)
        for callback in subscribers:
            callback(event)
    return ans


def _forward(op, arrays, params):
    try:
        return op.forward(*arrays, **params)
    except OpError:
        raise
    except Exception as exc:  # turned into an error that names the op and the user's line
        raise _explain_failure(op, arrays, params, exc) from None


def _explain_failure(op, arrays, params, exc) -> OpError:
    if op.explain is not None:
        explained = op.explain(arrays, **params)
        if explained is not None:
            cls, message, hint = explained
            return cls(op.name, message, hint)
    got = ", ".join(_describe(a) for a in arrays)
    if op.broadcasting and "broadcast" in str(exc):
        return ShapeError(op.name, f"operand shapes must broadcast together; got {got}")
    cls = DTypeError if isinstance(exc, TypeError) else InvalidArgumentError
    return cls(op.name, f"{exc}; got {got}" if got else str(exc))


def _describe(array) -> str:
    return f"{np.asarray(array).dtype}{list(np.shape(array))}"


__all__ = ["dispatch", "Node", "thread_state", "ALL"]
